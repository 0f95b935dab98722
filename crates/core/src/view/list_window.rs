//! The geometry of a virtualized list: which rows are in view for a scroll offset, and where
//! each is drawn.
//!
//! Only the rows in view are ever in the DOM, inside a tall spacer that gives the scroll bar its
//! range. Browsers cap an element's height (Chromium at about 33.5 million pixels, Firefox at
//! about 17.9 million), so a list of a few million rows cannot be as tall as its rows. Past
//! `MAX_LIST_HEIGHT` the spacer stays at that height and the scroll offset is mapped
//! proportionally onto the rows: the first row is at the top, the last at the bottom, and the
//! rows in view are drawn one after another from the scroll offset. Kept here, without the
//! browser, so that it is tested natively.

/// The tallest the list's spacer is ever made, in CSS pixels: below every browser's cap.
pub const MAX_LIST_HEIGHT: f64 = 8_000_000.0;

/// A list of `n_rows` rows of `row_height` pixels, seen through a viewport `viewport` pixels tall.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ListWindow {
    pub n_rows: usize,
    pub row_height: f64,
    pub viewport: f64,
}

impl ListWindow {
    /// The height of the spacer that gives the scroll bar its range.
    pub fn spacer_height(&self) -> f64 {
        self.natural_height().min(MAX_LIST_HEIGHT)
    }

    fn natural_height(&self) -> f64 {
        self.n_rows as f64 * self.row_height
    }

    fn scaled(&self) -> bool {
        self.natural_height() > MAX_LIST_HEIGHT
    }

    /// How far the list can scroll.
    fn max_scroll(&self) -> f64 {
        (self.spacer_height() - self.viewport).max(1.0)
    }

    /// The row (fractional) at the top of the viewport when the furthest scroll is reached.
    fn max_first_row(&self) -> f64 {
        (self.n_rows as f64 - self.viewport / self.row_height).max(0.0)
    }

    /// The row, fractional, at the top of the viewport at a scroll offset.
    pub fn first_row(&self, scroll_top: f64) -> f64 {
        if self.scaled() {
            (scroll_top / self.max_scroll()).clamp(0.0, 1.0) * self.max_first_row()
        } else {
            (scroll_top / self.row_height).max(0.0)
        }
    }

    /// The rows to render at a scroll offset: those in view plus `overscan` on each side.
    pub fn rows(&self, scroll_top: f64, overscan: usize) -> (usize, usize) {
        let first = self.first_row(scroll_top) as usize;
        let n_visible = (self.viewport / self.row_height).ceil() as usize + 1;
        let end = (first + n_visible + overscan).min(self.n_rows);
        (first.saturating_sub(overscan).min(end), end)
    }

    /// Where a row is drawn, in the spacer's coordinates, at a scroll offset.
    pub fn row_top(&self, row: usize, scroll_top: f64) -> f64 {
        if self.scaled() {
            scroll_top + (row as f64 - self.first_row(scroll_top)) * self.row_height
        } else {
            row as f64 * self.row_height
        }
    }

    /// The scroll offset that puts a row (fractional) at the top of the viewport.
    pub fn scroll_to_top(&self, row: f64) -> f64 {
        if self.scaled() {
            (row / self.max_first_row().max(1.0)).clamp(0.0, 1.0) * self.max_scroll()
        } else {
            row * self.row_height
        }
    }

    /// The scroll offset that brings a row fully into view, moving as little as possible, or
    /// `None` when it is in view already.
    pub fn scroll_into_view(&self, row: usize, scroll_top: f64) -> Option<f64> {
        let first = self.first_row(scroll_top);
        let rows_in_view = (self.viewport / self.row_height).floor().max(1.0);
        let row = row as f64;
        if row < first {
            Some(self.scroll_to_top(row))
        } else if row + 1.0 > first + rows_in_view {
            Some(self.scroll_to_top(row + 1.0 - rows_in_view))
        } else {
            None
        }
    }
}

/// The stream positions a list shows: all of them (no filter: nothing to materialize, however
/// long the stream), or those that match a filter, ascending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    All(usize),
    Only(Vec<usize>),
}

impl Shown {
    /// How many rows the list has.
    pub fn len(&self) -> usize {
        match self {
            Shown::All(n) => *n,
            Shown::Only(positions) => positions.len(),
        }
    }

    /// True when the list has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The stream position shown in a row, if the row exists.
    pub fn position(&self, row: usize) -> Option<usize> {
        match self {
            Shown::All(n) => (row < *n).then_some(row),
            Shown::Only(positions) => positions.get(row).copied(),
        }
    }

    /// The row that shows a stream position, if it is shown.
    pub fn row_of(&self, pos: usize) -> Option<usize> {
        match self {
            Shown::All(n) => (pos < *n).then_some(pos),
            Shown::Only(positions) => positions.binary_search(&pos).ok(),
        }
    }
}
