//! History tables no reader knows, read by inference (`decode::infer`): three shapes that
//! applications write for themselves, made with PostgreSQL by `tests/fixtures/inferred/make.sh`
//! and exported as psql writes them (`\copy … CSV HEADER` and `json_agg`). After each statement
//! PostgreSQL's own row (`row_to_json`, null once deleted) went into `expected.json`: every
//! inferred reading must give those states, lines as arrays, and never one step behind.

use crate::common;

use chronoscope_core::decode::infer::Inference;
use chronoscope_core::decode::mapping::{DataIs, Mapping, MappingError, Pointers};
use chronoscope_core::decode::{DecodeOptions, Format};
use chronoscope_core::ingest::{Ingest, Outcome, Setup};
use common::{assert_states_by_value, states};
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/inferred/"
    );
    std::fs::read_to_string(format!("{path}{name}")).expect("fixture")
}

fn load(name: &str) -> Outcome {
    let outcome = Ingest::read_all(Setup::default(), &fixture(name));
    assert_eq!(outcome.detection.format, Format::Mapping, "{name}");
    assert_eq!(outcome.problems, vec![], "{name}");
    assert_eq!(outcome.timeline.problems(), &[], "{name}");
    outcome
}

fn inferred(outcome: &Outcome) -> Mapping {
    match &outcome.detection.inferred {
        Some(Inference::Mapped { mapping, .. }) => mapping.clone(),
        other => panic!("no mapping inferred: {other:?}"),
    }
}

/// PostgreSQL's rows after each statement, by order id; a CSV cell cannot tell NULL from an
/// empty cell, which is left out, so for CSV the null columns are left out too.
fn expected(without_nulls: bool) -> Vec<(String, Vec<Value>)> {
    let all: Value = serde_json::from_str(&fixture("expected.json")).expect("JSON");
    let Value::Object(orders) = all else {
        panic!("expected.json is an object of orders");
    };
    let strip = |row: &Value| match row {
        Value::Object(columns) if without_nulls => Value::Object(
            columns
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    };
    orders
        .into_iter()
        .map(|(id, rows)| {
            (
                id,
                rows.as_array().expect("rows").iter().map(strip).collect(),
            )
        })
        .collect()
}

fn assert_every_order(outcome: &Outcome, table: &str, name: &str, without_nulls: bool) {
    let orders = expected(without_nulls);
    assert_eq!(orders.len(), 2, "PO-4001 and PO-4002");
    for (id, rows) in &orders {
        let wanted: Vec<&Value> = rows.iter().collect();
        assert_states_by_value(&outcome.timeline, &format!("{table}{id}"), &wanted, name);
    }
}

#[test]
fn a_generic_json_audit_table_is_read_without_a_mapping() {
    for name in ["po_audit.json", "po_audit.csv"] {
        let outcome = load(name);
        assert_every_order(&outcome, "purchase_order:", name, false);
        let mapping = inferred(&outcome);
        assert_eq!(mapping.data.as_deref(), Some("/new_data"), "{name}");
        assert_eq!(
            mapping.data_is,
            DataIs::State,
            "{name}: each row holds the whole order"
        );
        // A CSV source says so first ("CSV with a header row; …").
        let reason = &outcome.detection.reason;
        assert!(
            reason.ends_with(
                "read as a history table: stream = table_name + record_id, time = changed_at, \
                 author = changed_by, type = operation, data = new_data (the full state after)"
            ),
            "{name}: {reason}"
        );
        let heads = outcome.timeline.stream_heads("purchase_order:4001");
        let users: Vec<Option<&str>> = heads.map(|h| h.user).collect();
        let wanted = ["ana.silva", "ana.silva", "dana.reyes", "dana.reyes"].map(Some);
        assert_eq!(users, wanted, "{name}");
    }
}

#[test]
fn a_before_image_with_changed_fields_never_ends_one_step_behind() {
    for name in ["po_change.json", "po_change.csv"] {
        let outcome = load(name);
        assert_every_order(&outcome, "purchase_order:", name, false);
        let mapping = inferred(&outcome);
        assert_eq!(mapping.data_is, DataIs::Before, "{name}");
        assert_eq!(mapping.changes.as_deref(), Some("/changes"), "{name}");
        assert!(
            outcome
                .detection
                .reason
                .ends_with("data = before + changes (before-image + changed fields)"),
            "{}",
            outcome.detection.reason
        );
    }
}

#[test]
fn a_whole_row_history_table_leaves_its_bookkeeping_out_of_the_state() {
    for (name, csv) in [
        ("purchase_order_history.json", false),
        ("purchase_order_history.csv", true),
    ] {
        let outcome = load(name);
        assert_every_order(&outcome, "", name, csv);
        let mapping = inferred(&outcome);
        assert_eq!(mapping.data, None, "{name}: the row is the state");
        assert_eq!(
            mapping.drop,
            ["history_id", "valid_from", "modified_by", "operation"],
            "{name}"
        );
    }
}

#[test]
fn lines_held_as_json_text_in_csv_are_arrays_and_the_note_says_so() {
    let outcome = load("po_audit.csv");
    let states = states(&outcome.timeline, "purchase_order:4001");
    assert!(states[0]["lines"].is_array(), "{}", states[0]);
    assert_eq!(outcome.detection.json_columns, ["new_data"]);
    let history = load("purchase_order_history.csv");
    assert_eq!(history.detection.json_columns, ["lines"]);
    // JSON exports hold objects, not text: nothing was read from text.
    assert_eq!(
        load("po_audit.json").detection.json_columns,
        Vec::<String>::new()
    );
}

#[test]
fn the_inferred_mapping_written_out_and_read_back_reads_the_same_events() {
    for name in [
        "po_audit.csv",
        "po_change.json",
        "purchase_order_history.csv",
    ] {
        let outcome = load(name);
        let text = inferred(&outcome).to_json();
        let mapping = Mapping::parse(&text).expect("an inferred mapping is a valid mapping");
        let setup = Setup {
            options: DecodeOptions {
                mapping: Some(mapping),
                ..DecodeOptions::default()
            },
            ..Setup::default()
        };
        let again = Ingest::read_all(setup, &fixture(name));
        assert_eq!(
            again.detection.inferred, None,
            "{name}: the link's mapping, not inference"
        );
        assert_eq!(again.problems, vec![], "{name}");
        let events = |o: &Outcome| o.timeline.all_events().collect::<Vec<_>>();
        assert_eq!(events(&again), events(&outcome), "{name}");
    }
}

#[test]
fn cambiums_audit_logs_open_without_their_hand_written_mapping() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/");
    let read = |name: &str| std::fs::read_to_string(format!("{path}{name}")).expect("fixture");
    let source = read("cambium-audit-logs.json");
    let inferred_outcome = Ingest::read_all(Setup::default(), &source);
    let mapping = inferred(&inferred_outcome);
    assert_eq!(
        mapping.data_is,
        DataIs::Merge,
        "new_data holds only what changed"
    );
    let hand_written = Mapping::parse(&read("cambium-audit-logs.mapping.json")).expect("mapping");
    let setup = Setup {
        options: DecodeOptions {
            mapping: Some(hand_written),
            ..DecodeOptions::default()
        },
        ..Setup::default()
    };
    let by_hand = Ingest::read_all(setup, &source);
    let names =
        |o: &Outcome| -> Vec<String> { o.timeline.streams().into_iter().map(|s| s.name).collect() };
    let streams = names(&by_hand);
    assert!(streams.len() > 1);
    assert_eq!(names(&inferred_outcome), streams);
    for stream in &streams {
        assert_eq!(
            states(&inferred_outcome.timeline, stream),
            states(&by_hand.timeline, stream),
            "{stream}"
        );
    }
}

#[test]
fn records_nothing_fits_are_one_problem_naming_their_keys_and_a_mapping_is_started() {
    let source = "{\"sku\": \"BOLT-M8\", \"qty\": 400, \"bin\": \"A-3\"}\n\
                  {\"sku\": \"NUT-M8\", \"qty\": 200, \"bin\": \"A-4\"}\n";
    let outcome = Ingest::read_all(Setup::default(), source);
    assert_eq!(outcome.detection.format, Format::Mapping);
    assert!(outcome.timeline.is_empty());
    let messages: Vec<String> = outcome.problems.iter().map(|p| p.message()).collect();
    assert_eq!(
        messages,
        [
            "no format fits these records, and no mapping could be inferred (no column names the \
          object each row is about); the first records have the keys `sku`, `qty`, `bin`. \
          Choose the format if you know it, or finish the mapping started for you under \
          Projection… and read the source with it"
        ]
    );
    match &outcome.detection.inferred {
        Some(Inference::Unfit { keys, start, .. }) => {
            assert_eq!(keys, &["sku", "qty", "bin"]);
            assert_eq!(start.stream, Pointers::One("/sku".into()));
            assert!(
                Mapping::parse(&start.to_json()).is_ok(),
                "{}",
                start.to_json()
            );
        }
        other => panic!("not unfit: {other:?}"),
    }
}

#[test]
fn chronoscope_events_missing_a_field_are_still_read_as_chronoscope_events() {
    // A record with a `stream` is one of ours, whatever else is missing: its problem is its own.
    let outcome = Ingest::read_all(
        Setup::default(),
        "{\"stream\": \"po-1\", \"data\": {}}\n{\"stream\": \"po-1\"}\n",
    );
    assert_eq!(outcome.detection.format, Format::Canonical);
    assert_eq!(outcome.detection.inferred, None);
}

#[test]
fn a_before_image_alone_is_not_read_as_the_state() {
    let source = "{\"id\": 1, \"po_id\": 7, \"at\": \"2026-03-01T10:00:00Z\", \"old_values\": {\"status\": \"draft\"}}\n\
                  {\"id\": 2, \"po_id\": 7, \"at\": \"2026-03-02T10:00:00Z\", \"old_values\": {\"status\": \"sent\"}}\n";
    let outcome = Ingest::read_all(Setup::default(), source);
    assert!(outcome.timeline.is_empty(), "nothing read one step behind");
    let message = outcome.problems[0].message();
    assert!(
        message.contains("old_values is a before-image with nothing after it"),
        "{message}"
    );
}

#[test]
fn changes_are_refused_without_a_before_image() {
    let refused = Mapping::parse(r#"{"stream": "/id", "changes": "/changed", "data_is": "merge"}"#);
    let refused = refused.unwrap_err();
    assert_eq!(refused, MappingError::ChangesWithoutBefore);
    assert_eq!(
        refused.to_string(),
        "`changes` go over a before-image: they are read only with `\"data_is\": \"before\"`"
    );
}

#[test]
fn the_tools_readers_name_the_columns_they_read_as_json_too() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/real/");
    for (name, columns) in [
        ("reversion-dumpdata.json", &["serialized_data"][..]),
        ("audit-logged-actions.csv", &["row_data", "changed_fields"]),
        ("emmett-messages.csv", &["message_data"]),
        ("eventsourcing.csv", &["state"]),
        ("pghistory.csv", &["lines"]),
        // JSON and hstore held as objects by the export: nothing was read from text.
        ("audit-logged-actions.json", &[]),
        ("pghistory-psql.json", &[]),
    ] {
        let text = std::fs::read_to_string(format!("{path}{name}")).expect("fixture");
        let outcome = Ingest::read_all(Setup::default(), &text);
        assert_eq!(outcome.detection.json_columns, columns, "{name}");
    }
}
