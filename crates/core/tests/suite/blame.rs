//! Field history (`core::blame`): who set a field, when, and from what. Checked against a
//! brute-force replay (the state after every position, read through the timeline's snapshots)
//! on every demo stream and on random streams.

use crate::common;

use std::sync::Arc;

use chronoscope_core::blame::{blame_path, field_history, value_at, FieldChange};
use chronoscope_core::diff::escape_token;
use chronoscope_core::ingest::{Ingest, Setup};
use chronoscope_core::projection::Projection;
use chronoscope_core::timeline::Timeline;
use chronoscope_samples::demo::{demo_ndjson, demo_projection};
use proptest::prelude::*;
use serde_json::{json, Value};

/// The changes to the field, found the slow way: read in the state after every position (each
/// from the timeline's snapshots, not one replay).
fn brute_force(states: &[Value], path: &str) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let mut last: Option<Value> = None;
    for (pos, state) in states.iter().enumerate() {
        let now = value_at(state, path).cloned();
        if now != last {
            changes.push(FieldChange {
                pos,
                before: last.take(),
                after: now.clone(),
            });
            last = now;
        }
    }
    changes
}

fn states_of(timeline: &Timeline, stream: &str) -> Vec<Value> {
    (0..timeline.stream_len(stream))
        .map(|pos| timeline.state_after(stream, Some(pos)))
        .collect()
}

/// Every path to a leaf or element of a state, as blame paths.
fn paths(state: &Value, prefix: String, out: &mut Vec<String>) {
    match state {
        Value::Object(object) => {
            for (key, value) in object {
                let path = format!("{prefix}/{}", escape_token(key));
                out.push(path.clone());
                paths(value, path, out);
            }
        }
        Value::Array(items) => {
            for index in 0..items.len() {
                let path = blame_path(state, &format!("/{index}"));
                let path = format!("{prefix}{path}");
                out.push(path.clone());
                if let Some(item) = items.get(index) {
                    paths(item, path, out);
                }
            }
        }
        _ => {}
    }
}

fn demo() -> Timeline {
    let projection = Projection::parse(&demo_projection()).unwrap();
    let setup = Setup {
        projection: Some(Arc::new(projection)),
        ..Setup::default()
    };
    Ingest::read_all(setup, &demo_ndjson()).timeline
}

#[test]
fn on_every_demo_stream_the_history_of_every_field_equals_a_brute_force_replay() {
    let timeline = demo();
    let mut n_paths = 0;
    for stream in timeline.streams() {
        let states = states_of(&timeline, &stream.name);
        let mut all = Vec::new();
        if let Some(last) = states.last() {
            paths(last, String::new(), &mut all);
        }
        // Every top-level field, and a spread of the nested ones (all of them take minutes in
        // a debug build).
        let step = (all.len() / 40).max(1);
        for path in all
            .iter()
            .filter(|p| p.matches('/').count() == 1)
            .chain(all.iter().step_by(step))
        {
            n_paths += 1;
            assert_eq!(
                field_history(&timeline, &stream.name, path),
                brute_force(&states, path),
                "{} {path}",
                stream.name
            );
        }
    }
    assert!(n_paths > 500, "{n_paths} paths checked");
}

#[test]
fn a_line_is_followed_by_its_key_when_lines_move() {
    let events = common::events(
        r#"{"stream":"po","type":"A","time":"2026-01-01T09:00:00Z","snapshot":{"lines":[{"lineId":"L1","qty":1},{"lineId":"L2","qty":2}]},"meta":{"user":"ana"}}
{"stream":"po","type":"B","time":"2026-01-01T09:01:00Z","snapshot":{"lines":[{"lineId":"L0","qty":9},{"lineId":"L1","qty":1},{"lineId":"L2","qty":2}]},"meta":{"user":"ben"}}
{"stream":"po","type":"C","time":"2026-01-01T09:02:00Z","snapshot":{"lines":[{"lineId":"L0","qty":9},{"lineId":"L1","qty":1},{"lineId":"L2","qty":5}]},"meta":{"user":"dana"}}"#,
    );
    let timeline = Timeline::build(events);
    let state = timeline.state_after("po", Some(0));
    let path = blame_path(&state, "/lines/1/qty");
    assert_eq!(path, "/lines/L2/qty");
    let history = field_history(&timeline, "po", &path);
    // Inserting L0 moved L2 from index 1 to 2 without changing it: not a change.
    assert_eq!(
        history,
        [
            FieldChange {
                pos: 0,
                before: None,
                after: Some(json!(2))
            },
            FieldChange {
                pos: 2,
                before: Some(json!(2)),
                after: Some(json!(5))
            }
        ]
    );
    assert_eq!(
        blame_path(&json!({"a/b": {"~k": [1, 2]}}), "/a~1b/~0k/1"),
        "/a~1b/~0k/1"
    );
}

fn op() -> impl Strategy<Value = String> {
    let id = prop_oneof![Just("L1"), Just("L2"), Just("L3")];
    prop_oneof![
        (0u8..4).prop_map(|n| format!(r#"{{"status":"s{n}"}}"#)),
        (0u8..3).prop_map(|n| format!(r#"{{"total":{n}}}"#)),
        Just(r#"{"total":null}"#.to_string()),
        (id.clone(), 0u8..3).prop_map(|(id, qty)| format!(
            r#"{{"lines":[{{"lineId":"{id}","qty":{qty}}},{{"lineId":"L9","qty":1}}]}}"#
        )),
        id.prop_map(|id| format!(
            r#"{{"lines":[{{"lineId":"L9","qty":1}},{{"lineId":"{id}","qty":2}}]}}"#
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random streams of merges: the history of each field equals the brute-force replay.
    #[test]
    fn random_streams_agree_with_a_brute_force_replay(ops in proptest::collection::vec(op(), 1..90)) {
        let ndjson: String = ops
            .iter()
            .enumerate()
            .map(|(n, data)| format!(
                "{{\"stream\":\"po\",\"type\":\"T\",\"time\":\"2026-01-01T09:00:{:02}Z\",\"data\":{data}}}\n",
                n % 60
            ))
            .collect();
        let timeline = Timeline::build(common::events(&ndjson));
        let states = states_of(&timeline, "po");
        for path in ["/status", "/total", "/lines/L1/qty", "/lines/L9", "/lines/0/qty", "/lines"] {
            prop_assert_eq!(
                field_history(&timeline, "po", path),
                brute_force(&states, path),
                "{}", path
            );
        }
    }
}
