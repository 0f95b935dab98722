//! Helpers shared by the native test files: corpus paths and canonical event builders.
#![allow(dead_code)]

use std::path::PathBuf;

use chronoscope::core::decode::{decode_text, Format};
use chronoscope::core::event::Event;
use serde_json::Value;

/// A file of the shared corpus, which lies beside the repository (`../shared/corpus`).
pub fn corpus_path(relative: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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
    chronoscope::core::decode::Decoded,
    chronoscope::core::decode::Detection,
) {
    let text = std::fs::read_to_string(corpus_path(relative)).unwrap();
    decode_text(&text, None)
}
