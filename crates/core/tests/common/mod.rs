//! Helpers shared by the native test files: corpus paths and canonical event builders.
#![allow(dead_code)]

use std::path::PathBuf;

use chronoscope_core::decode::{decode_text, Format};
use chronoscope_core::event::Event;
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
