//! Helpers shared by the native test files: corpus paths and canonical event builders.
#![allow(dead_code)]

use std::path::PathBuf;

use chronoscope_core::decode::{decode_text, Format};
use chronoscope_core::event::Event;
use chronoscope_core::timeline::Timeline;
use serde_json::Value;

/// A file of the shared corpus, which lies beside the repository (`../shared/corpus`).
pub fn corpus_path(relative: &str) -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .join("../shared/corpus")
        .join(relative);
    assert!(path.exists(), "corpus file missing: {}", path.display());
    path
}

pub fn corpus_json(relative: &str) -> Value {
    let text = std::fs::read_to_string(corpus_path(relative)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Decodes canonical NDJSON, asserting it has no problems.
pub fn events(ndjson: &str) -> Vec<Event> {
    let (decoded, _) = decode_text(ndjson, Some(Format::Canonical));
    assert_eq!(decoded.problems, vec![], "unexpected problems");
    decoded.events
}

/// Decodes a corpus file with format detection.
pub fn decode_corpus(
    relative: &str,
) -> (
    chronoscope_core::decode::Decoded,
    chronoscope_core::decode::Detection,
) {
    let text = std::fs::read_to_string(corpus_path(relative)).unwrap();
    decode_text(&text, None)
}

/// Two timelines hold the same log: every event (as decoded and as listed), the streams, and the
/// state after every position. Problems are compared by the callers, each its own way.
pub fn assert_same_log(
    a: &chronoscope_core::timeline::Timeline,
    b: &chronoscope_core::timeline::Timeline,
    context: &str,
) {
    assert_eq!(a.len(), b.len(), "{context}");
    for idx in 0..a.len() {
        assert_eq!(a.event(idx), b.event(idx), "{context}: event {idx}");
        assert_eq!(a.head(idx), b.head(idx), "{context}: head {idx}");
    }
    assert_eq!(a.streams(), b.streams(), "{context}");
    for stream in a.streams() {
        for pos in 0..stream.n_events {
            assert_eq!(
                a.state_after(&stream.name, Some(pos)),
                b.state_after(&stream.name, Some(pos)),
                "{context}: {} at {pos}",
                stream.name
            );
        }
    }
}

/// Steps a finished load to its end as the app does, answering each page it asks for with
/// `answer`; returns the URLs asked for, in order.
pub fn answer_pages(
    ingest: &mut chronoscope_core::ingest::Ingest,
    mut answer: impl FnMut(&url::Url) -> Vec<u8>,
) -> Vec<String> {
    use chronoscope_core::ingest::Step;
    let mut fetched = Vec::new();
    loop {
        match ingest.step(100) {
            Step::Working => {}
            Step::Fetch(url) => {
                fetched.push(url.to_string());
                let bytes = answer(&url);
                ingest.feed_page(&url, bytes);
            }
            Step::Done => return fetched,
            Step::NeedBytes => panic!("a finished load needs no bytes"),
        }
        assert!(fetched.len() < 50, "the feed is read forever");
    }
}

/// The entries of a KurrentDB AtomPub page for events `range` of stream `po` (bodies embedded,
/// `embed=body`), newest first as the server lists them.
pub fn kurrent_entries(range: std::ops::Range<usize>) -> Vec<Value> {
    range
        .rev()
        .map(|n| {
            serde_json::json!({"eventType": "PoNoted", "eventNumber": n, "streamId": "po",
                "isJson": true, "eventId": format!("e-{n}"), "updated": "2026-03-01T09:00:00Z",
                "data": serde_json::json!({"n": n}).to_string(), "title": format!("{n}@po")})
        })
        .collect()
}

/// The state of a stream after each of its events.
pub fn states(timeline: &Timeline, stream: &str) -> Vec<Value> {
    (0..timeline.stream_len(stream))
        .map(|pos| timeline.state_after(stream, Some(pos)))
        .collect()
}

/// Two values equal, numbers compared by value: SQLite keeps a `Numeric(12, 2)` of 140.00 as the
/// integer 140 (`"140"` in a CSV cell, which is text), and Continuum's API gives it back as
/// `Decimal("140.00")`.
pub fn same_by_value(a: &Value, b: &Value) -> bool {
    let number_text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_by_value(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_by_value(v, w))
        }
        (Value::Number(_) | Value::String(_), Value::Number(_) | Value::String(_)) => {
            a == b || chronoscope_core::number::same_value(&number_text(a), &number_text(b))
        }
        _ => a == b,
    }
}

/// Asserts that a stream's state after each of its events is the one wanted, numbers compared by
/// value (`same_by_value`); returns the states.
pub fn assert_states_by_value(
    timeline: &Timeline,
    stream: &str,
    wanted: &[&Value],
    name: &str,
) -> Vec<Value> {
    let got = states(timeline, stream);
    assert_eq!(got.len(), wanted.len(), "{name} {stream}");
    for (pos, (state, wanted)) in got.iter().zip(wanted).enumerate() {
        assert!(
            same_by_value(state, wanted),
            "{name} {stream} v{}: {state} against {wanted}",
            pos + 1
        );
    }
    got
}
