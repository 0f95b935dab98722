//! Declarative projections and upcasters: rules per event type, errors that name the rule and
//! the event, and old event shapes folding into the same state as new ones.

use crate::common;

use std::sync::Arc;

use chronoscope_core::decode::Place;
use chronoscope_core::ingest::index::{project, reproject};
use chronoscope_core::projection::{Projection, ProjectionError};
use chronoscope_core::timeline::Timeline;
use common::events;
use serde_json::json;

const PROJECTION: &str = r#"{
  "upcasters": [
    {"type": "PoLineAdded", "up_to": 2, "steps": [
      {"rename": "/line/quantity", "to": "/line/qty"},
      {"move": "/price", "to": "/line/unitPrice"},
      {"default": "/line/currency", "value": "USD"}
    ]}
  ],
  "rules": {
    "PoLineAdded": [{"op": "append", "path": "/lines", "value": "/data/line"}],
    "PoLineInserted": [{"op": "prepend", "path": "/lines", "value": "/data/line"}],
    "PoLineChanged": [{"op": "merge", "path": "/lines", "key": "lineId", "match": "/data/lineId", "value": "/data/changes"}],
    "PoLineRemoved": [{"op": "remove_by_key", "path": "/lines", "key": "lineId", "match": "/data/lineId"}],
    "PoReminderSent": [{"op": "increment", "path": "/reminders"}],
    "PoApproved": [{"op": "set", "path": "/status", "literal": "approved"}, {"op": "set", "path": "/approval/by", "value": "/meta/user"}],
    "PoPurged": [{"op": "delete"}]
  }
}"#;

fn timeline(ndjson: &str) -> Timeline {
    let projection = Projection::parse(PROJECTION).unwrap();
    project(events(ndjson), Some(Arc::new(projection)))
}

const HISTORY: &str = r#"{"stream":"po-1","type":"PoCreated","time":"2026-01-01T00:00:00Z","data":{"status":"draft","lines":[]}}
{"stream":"po-1","type":"PoLineAdded","time":"2026-01-01T00:01:00Z","data":{"line":{"lineId":"L1","quantity":2},"price":9.5}}
{"stream":"po-1","type":"PoLineAdded","time":"2026-01-01T00:02:00Z","data":{"line":{"lineId":"L2","qty":5,"unitPrice":1.25,"currency":"EUR"}},"meta":{"schema_version":2}}
{"stream":"po-1","type":"PoLineInserted","time":"2026-01-01T00:03:00Z","data":{"line":{"lineId":"L0","qty":1}}}
{"stream":"po-1","type":"PoLineChanged","time":"2026-01-01T00:04:00Z","data":{"lineId":"L2","changes":{"qty":6}}}
{"stream":"po-1","type":"PoLineRemoved","time":"2026-01-01T00:05:00Z","data":{"lineId":"L0"}}
{"stream":"po-1","type":"PoReminderSent","time":"2026-01-01T00:06:00Z","data":{}}
{"stream":"po-1","type":"PoReminderSent","time":"2026-01-01T00:07:00Z","data":{}}
{"stream":"po-1","type":"PoApproved","time":"2026-01-01T00:08:00Z","data":{"note":"ok"},"meta":{"user":"dana.reyes"}}
{"stream":"po-1","type":"PoPurged","time":"2026-01-01T00:09:00Z","data":{}}"#;

#[test]
fn rules_append_insert_merge_by_key_remove_increment_set_and_delete() {
    let timeline = timeline(HISTORY);
    assert!(timeline.problems().is_empty(), "{:?}", timeline.problems());
    let at = |pos| timeline.state_after("po-1", Some(pos));
    assert_eq!(
        at(3)["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["lineId"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["L0", "L1", "L2"]
    );
    assert_eq!(at(4)["lines"][2]["qty"], json!(6));
    assert_eq!(at(5)["lines"].as_array().unwrap().len(), 2);
    assert_eq!(at(7)["reminders"], json!(2));
    assert_eq!(at(8)["status"], json!("approved"));
    assert_eq!(at(8)["approval"], json!({"by": "dana.reyes"}));
    assert!(
        at(8).get("note").is_none(),
        "rules replace the default merge for their types"
    );
    assert_eq!(at(9), json!(null));
}

#[test]
fn v1_and_v2_shapes_fold_into_one_state_and_keep_the_stored_form() {
    let timeline = timeline(HISTORY);
    let lines = timeline.state_after("po-1", Some(2))["lines"].clone();
    assert_eq!(
        lines,
        json!([
            {"lineId": "L1", "qty": 2, "unitPrice": 9.5, "currency": "USD"},
            {"lineId": "L2", "qty": 5, "unitPrice": 1.25, "currency": "EUR"}
        ])
    );
    let v1 = timeline.event_at("po-1", 1).unwrap();
    assert_eq!(
        v1.stored,
        Some(json!({"line": {"lineId": "L1", "quantity": 2}, "price": 9.5}))
    );
    assert_eq!(v1.meta["upcast_to"], json!(2));
    assert_eq!(
        timeline.event_at("po-1", 2).unwrap().stored,
        None,
        "a v2 event is left as stored"
    );
}

#[test]
fn a_rule_that_fails_names_the_rule_and_the_event_and_changes_nothing() {
    let timeline = timeline(
        r#"{"stream":"po-1","type":"PoCreated","time":"2026-01-01T00:00:00Z","data":{"lines":[{"lineId":"L1"}]}}
{"stream":"po-1","type":"PoLineRemoved","time":"2026-01-01T00:01:00Z","data":{"lineId":"L9"}}
{"stream":"po-1","type":"PoLineChanged","time":"2026-01-01T00:02:00Z","data":{"lineId":"L1"}}"#,
    );
    let problems: Vec<String> = timeline.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(problems, [
        "event po-1 v2: projection rule 1 of PoLineRemoved: no element of `/lines` has lineId = \"L9\"; the state is left as it was",
        "event po-1 v3: projection rule 1 of PoLineChanged: the event has nothing at `/data/changes`; the state is left as it was",
    ]);
    assert_eq!(
        timeline.state_after("po-1", Some(2)),
        json!({"lines": [{"lineId": "L1"}]})
    );
    assert!(matches!(timeline.problems()[0].place, Place::Event { .. }));
}

#[test]
fn a_bad_projection_document_says_which_rule_is_wrong() {
    let no_value = r#"{"rules": {"PoApproved": [{"op": "set", "path": "/status"}, {"op": "set", "path": "/x", "literal": 1}]}}"#;
    let error = Projection::parse(no_value).unwrap_err();
    assert_eq!(
        error,
        ProjectionError::Rule {
            kind: "PoApproved".into(),
            n: 1,
            message: "needs a `value` pointer or a `literal`".into()
        }
    );
    assert_eq!(
        error.to_string(),
        "rule 1 of PoApproved: needs a `value` pointer or a `literal`"
    );
    let bad_op = r#"{"rules": {"PoApproved": [{"op": "explode"}]}}"#;
    match Projection::parse(bad_op).unwrap_err() {
        ProjectionError::Json { line, message, .. } => {
            assert_eq!(line, 1);
            assert!(message.contains("unknown variant `explode`"), "{message}");
        }
        other => panic!("not a JSON error: {other:?}"),
    }
    let bad_pointer =
        r#"{"rules": {"PoApproved": [{"op": "set", "path": "status", "literal": 1}]}}"#;
    assert_eq!(
        Projection::parse(bad_pointer).unwrap_err().to_string(),
        "rule 1 of PoApproved: `status` is not a JSON Pointer"
    );
}

#[test]
fn replaying_with_another_projection_starts_from_the_stored_events() {
    let with_rules = timeline(HISTORY);
    let without = reproject(&with_rules, None);
    assert_eq!(
        without.state_after("po-1", Some(1))["line"],
        json!({"lineId": "L1", "quantity": 2}),
        "merged as stored"
    );
    assert!(without.all_events().all(|e| e.stored.is_none()));
    let again = reproject(
        &without,
        Some(Arc::new(Projection::parse(PROJECTION).unwrap())),
    );
    assert_eq!(
        again.state_after("po-1", Some(8)),
        with_rules.state_after("po-1", Some(8))
    );
}
