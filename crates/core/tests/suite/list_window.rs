//! The virtualized list's geometry, for short lists and for lists taller than a browser allows.

use chronoscope_core::view::list_window::{ListWindow, MAX_LIST_HEIGHT};

fn list(n_rows: usize) -> ListWindow {
    ListWindow {
        n_rows,
        row_height: 28.0,
        viewport: 560.0,
    }
}

#[test]
fn a_short_list_is_as_tall_as_its_rows_and_rows_sit_at_their_place() {
    let w = list(1_000);
    assert_eq!(w.spacer_height(), 28_000.0);
    assert_eq!(w.rows(0.0, 6), (0, 27));
    assert_eq!(w.rows(2_800.0, 6), (94, 127));
    assert_eq!(w.row_top(100, 2_800.0), 2_800.0);
    assert_eq!(w.scroll_into_view(5, 0.0), None);
    assert_eq!(w.scroll_into_view(500, 0.0), Some(501.0 * 28.0 - 560.0));
    assert_eq!(w.scroll_into_view(3, 280.0), Some(84.0));
}

#[test]
fn a_list_taller_than_a_browser_allows_still_reaches_every_row() {
    let w = list(5_000_000);
    assert_eq!(w.spacer_height(), MAX_LIST_HEIGHT);
    let max_scroll = MAX_LIST_HEIGHT - 560.0;
    // The top shows the first rows, the bottom the last ones.
    assert_eq!(w.rows(0.0, 0).0, 0);
    let (first, end) = w.rows(max_scroll, 0);
    assert_eq!(end, 5_000_000);
    assert_eq!(first, 5_000_000 - 20);
    // Rows in view are drawn one after another from the scroll offset, inside the spacer.
    let scroll = max_scroll / 3.0;
    let (first, end) = w.rows(scroll, 0);
    let top = w.row_top(first, scroll);
    assert!(top <= scroll && top > scroll - 28.0, "{top} vs {scroll}");
    assert_eq!(w.row_top(first + 1, scroll) - top, 28.0);
    assert!(w.row_top(end - 1, scroll) < MAX_LIST_HEIGHT);
    // Bringing any row into view puts it in the rows rendered there.
    for row in [0, 1, 1_234_567, 2_500_000, 4_999_999] {
        let scroll = w.scroll_into_view(row, 0.0).unwrap_or(0.0);
        assert!((0.0..=max_scroll).contains(&scroll));
        let (first, end) = w.rows(scroll, 0);
        assert!((first..end).contains(&row), "{row} not in {first}..{end}");
        let top = w.row_top(row, scroll);
        assert!(
            top >= scroll - 0.5 && top + 28.0 <= scroll + 560.5,
            "row {row} at {top}, view at {scroll}"
        );
    }
}

#[test]
fn positions_are_written_to_three_decimals_without_float_formatting() {
    use chronoscope_core::view::text::decimal;
    assert_eq!(decimal(12.5), "12.5");
    assert_eq!(decimal(3.0), "3");
    assert_eq!(decimal(-0.125), "-0.125");
    assert_eq!(decimal(33.33333), "33.333");
    assert_eq!(decimal(0.0004), "0");
    assert_eq!(decimal(8_000_000.0), "8000000");
    assert_eq!(decimal(f64::NAN), "0");
}

#[test]
fn byte_counts_round_to_a_tenth_of_a_megabyte_or_a_whole_kilobyte() {
    use chronoscope_core::view::text::bytes;
    assert_eq!(bytes(999), "999 B");
    assert_eq!(bytes(1_499), "1 KB");
    assert_eq!(bytes(1_500), "2 KB");
    assert_eq!(bytes(1_249_999), "1.2 MB");
    assert_eq!(bytes(1_250_000), "1.3 MB");
    assert_eq!(bytes(600_000_000), "600.0 MB");
}
