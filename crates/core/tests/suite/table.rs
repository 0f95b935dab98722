//! The period-end table: each row is its stream's state as of the moment, the default columns
//! are the fields most states have, the event that last set a cell is the brute-force answer,
//! and the CSV says its moment and source.

use std::sync::Arc;

use chronoscope_core::blame::value_at;
use chronoscope_core::decode::decode_text;
use chronoscope_core::ingest::index::project;
use chronoscope_core::link::{Panel, ViewState};
use chronoscope_core::projection::Projection;
use chronoscope_core::table::{
    cell_text, last_set, parse_columns, period_table, table_csv, PeriodTable, TableRow,
};
use chronoscope_core::time::parse_instant;
use chronoscope_core::timeline::Timeline;
use chronoscope_samples::demo::{demo_ndjson, demo_projection};
use serde_json::json;

fn demo() -> Timeline {
    let (decoded, _) = decode_text(&demo_ndjson(), None);
    let projection = Projection::parse(&demo_projection()).expect("the demo projection");
    project(decoded.events, Some(Arc::new(projection)))
}

fn timeline(ndjson: &str) -> Timeline {
    let (decoded, _) = decode_text(ndjson, None);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    Timeline::build(decoded.events)
}

#[test]
fn every_row_is_its_streams_state_as_of_the_moment() {
    let demo = demo();
    let quarter_end = parse_instant("2026-03-31T23:59:59Z").expect("an instant");
    let columns = parse_columns("/status, total,/approvedBy");
    assert_eq!(columns, ["/status", "/total", "/approvedBy"]);
    let table = period_table(&demo, Some(quarter_end), Some(columns.clone()), None);
    assert!(!table.rows.is_empty());
    let n_streams = demo.stream_facts().count();
    assert_eq!(table.rows.len() + table.n_not_yet, n_streams);
    for row in &table.rows {
        let expected_pos = demo.position_at_time(&row.stream, quarter_end);
        assert_eq!(Some(row.pos), expected_pos, "{}", row.stream);
        let state = demo.state_after(&row.stream, Some(row.pos));
        for (column, cell) in columns.iter().zip(&row.cells) {
            assert_eq!(
                cell.as_ref(),
                value_at(&state, column),
                "{} {column}",
                row.stream
            );
        }
        let head = demo.head_at(&row.stream, row.pos).expect("the row's event");
        assert_eq!(row.version, head.version);
        assert!(head.time <= quarter_end);
    }
    let latest = period_table(&demo, None, Some(columns), None);
    assert_eq!(latest.rows.len(), n_streams);
    assert_eq!(latest.n_not_yet, 0);
    for row in &latest.rows {
        assert_eq!(row.pos + 1, demo.stream_len(&row.stream));
    }
}

#[test]
fn a_stream_that_began_after_the_moment_has_no_row_and_is_counted() {
    let log = timeline(concat!(
        r#"{"stream":"po-1","version":1,"type":"Created","time":"2026-03-01T00:00:00Z","data":{"status":"draft","total":10}}"#,
        "\n",
        r#"{"stream":"po-1","version":2,"type":"Approved","time":"2026-04-02T00:00:00Z","data":{"status":"approved"}}"#,
        "\n",
        r#"{"stream":"po-2","version":1,"type":"Created","time":"2026-04-05T00:00:00Z","data":{"status":"draft","total":99}}"#,
        "\n",
    ));
    let at = parse_instant("2026-03-31T23:59:59Z").ok();
    let table = period_table(&log, at, None, None);
    assert_eq!(
        table.columns,
        ["/status", "/total"],
        "the fields most states have"
    );
    assert_eq!(table.n_not_yet, 1);
    assert_eq!(table.rows.len(), 1);
    assert_eq!(table.rows[0].cells, [Some(json!("draft")), Some(json!(10))]);
    let csv = table_csv(&table, "https://es.example/pos.ndjson");
    assert_eq!(
        csv,
        "# Chronoscope period-end table, as of 2026-03-31T23:59:59Z, 1 streams, source https://es.example/pos.ndjson\r\n\
         stream,version,time_utc,/status,/total\r\n\
         po-1,1,2026-03-01T00:00:00Z,draft,10\r\n"
    );
}

#[test]
fn the_default_columns_are_the_scalar_fields_most_states_have() {
    let demo = demo();
    let table = period_table(&demo, None, None, None);
    assert_eq!(table.columns.len(), 5);
    for column in &table.columns {
        let n_with = table
            .rows
            .iter()
            .filter(|row| {
                let state = demo.state_after(&row.stream, Some(row.pos));
                value_at(&state, column)
                    .is_some_and(|v| v.is_string() || v.is_number() || v.is_boolean())
            })
            .count();
        assert!(n_with > 0, "{column}");
    }
    assert!(
        table.columns.contains(&"/status".to_string()),
        "{:?}",
        table.columns
    );
}

#[test]
fn the_event_that_last_set_a_cell_is_the_last_one_that_changed_it_by_then() {
    let demo = demo();
    let quarter_end = parse_instant("2026-03-31T23:59:59Z").ok();
    let table = period_table(
        &demo,
        quarter_end,
        Some(parse_columns("/status,/total")),
        None,
    );
    let mut n_checked = 0;
    for row in &table.rows {
        for column in &table.columns {
            // Brute force: the state after every event up to the row's, from the start.
            let mut expected = None;
            let mut before = None;
            for pos in 0..=row.pos {
                let state = demo.state_after(&row.stream, Some(pos));
                let now = value_at(&state, column).cloned();
                if now != before {
                    expected = Some(pos);
                }
                before = now;
            }
            assert_eq!(
                last_set(&demo, &row.stream, row.pos, column),
                expected,
                "{} {column}",
                row.stream
            );
            n_checked += 1;
        }
    }
    assert!(n_checked >= 20, "{n_checked}");
}

#[test]
fn cells_are_written_as_stored_strings_or_json_and_formulas_are_defused() {
    assert_eq!(cell_text(&None), "");
    assert_eq!(cell_text(&Some(json!("approved"))), "approved");
    assert_eq!(cell_text(&Some(json!(12.5))), "12.5");
    assert_eq!(cell_text(&Some(json!(null))), "null");
    assert_eq!(cell_text(&Some(json!({"a": [1]}))), r#"{"a":[1]}"#);
    let log = timeline(
        r#"{"stream":"x","version":1,"type":"T","time":"2026-01-01T00:00:00Z","data":{"note":"=HYPERLINK(\"http://x\")"}}"#,
    );
    let csv = table_csv(&period_table(&log, None, None, None), "t");
    assert!(
        csv.ends_with("x,1,2026-01-01T00:00:00Z,\"'=HYPERLINK(\"\"http://x\"\")\"\r\n"),
        "{csv}"
    );
}

#[test]
fn the_deep_link_keeps_the_table_and_its_columns() {
    let query = "t=2026-03-31T23:59:59Z&view=table&cols=/status,/total";
    let (view, ignored) = ViewState::from_query(query);
    assert!(ignored.is_empty(), "{ignored:?}");
    assert_eq!(view.panel, Some(Panel::Table));
    assert_eq!(view.columns.as_deref(), Some("/status,/total"));
    assert_eq!(view.to_query(), query);
}

#[test]
fn the_table_csv_escapes_its_first_line_and_formulas_that_begin_with_minus() {
    let table = PeriodTable {
        at: None,
        columns: vec!["/total".into()],
        rows: vec![TableRow {
            stream: "-2+3+cmd|' /C calc'!A0".into(),
            pos: 0,
            version: 1,
            time: None,
            cells: vec![Some(json!(-5))],
        }],
        n_not_yet: 0,
        n_unmatched: 0,
    };
    let csv = table_csv(&table, "pasted\r\nevil,row");
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "# Chronoscope period-end table, as of each stream's latest event, 1 streams, source pasted\\u{d}\\u{a}evil,row"
    );
    assert_eq!(lines[1], "stream,version,time_utc,/total");
    assert_eq!(lines[2], "'-2+3+cmd|' /C calc'!A0,1,,-5");
}
