//! The benchmark page's WebAssembly side: Chronoscope's core, exported to JavaScript so that
//! `bench/run.mjs` can time it in the browser beside the JavaScript peers, on the same bytes.
//! Built by `scripts/bench.sh` with trunk from `bench/index.html`.

use std::cell::RefCell;
use std::sync::Arc;

use chronoscope::core::decode::{ndjson_records, Decoder, Format};
use chronoscope::core::diff::diff;
use chronoscope::core::timeline::Timeline;
use serde_json::Value;
use wasm_bindgen::prelude::*;

thread_local! {
    static LOADED: RefCell<Option<Timeline>> = const { RefCell::new(None) };
    static DIFF_INPUTS: RefCell<Option<(Value, Value)>> = const { RefCell::new(None) };
}

fn main() {}

/// Decodes NDJSON bytes, indexes them and folds every stream (snapshots included); returns the
/// event count.
/// The bytes become the timeline's source text, which its events point into, as in the app.
#[wasm_bindgen]
pub fn ingest(bytes: Vec<u8>) -> Result<u32, JsValue> {
    LOADED.with(|l| l.borrow_mut().take());
    let text = String::from_utf8(bytes).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let text = Arc::new(text);
    // As the app does: split and decode a slice of lines at a time.
    let mut decoder = Decoder::new(Format::Canonical);
    let mut timeline = Timeline::default();
    let mut problems = Vec::new();
    let mut records = ndjson_records(&text).peekable();
    while records.peek().is_some() {
        let slice: Vec<_> = records.by_ref().take(2_000).collect();
        timeline.push_records(&text, &slice, &mut decoder, &mut problems);
    }
    timeline.fold();
    if let Some(problem) = problems.first() {
        return Err(JsValue::from_str(&problem.to_string()));
    }
    let n_events = timeline.len() as u32;
    LOADED.with(|l| *l.borrow_mut() = Some(timeline));
    Ok(n_events)
}

/// Folds every loaded event again from scratch; returns the event count.
#[wasm_bindgen]
pub fn replay() -> u32 {
    LOADED.with(|l| {
        l.borrow()
            .as_ref()
            .map_or(0, |t| t.replay_with(None).len() as u32)
    })
}

/// Jumps to the event at log position `k`: its state and the diff from the previous event of
/// its stream. Returns the number of changes.
#[wasm_bindgen]
pub fn jump(k: u32) -> u32 {
    LOADED.with(|l| {
        let loaded = l.borrow();
        let Some(timeline) = loaded.as_ref() else {
            return 0;
        };
        let event = timeline.head(k as usize % timeline.len());
        let pos = timeline.position_of_version(event.stream, event.version);
        let after = timeline.state_after(event.stream, pos);
        let before = timeline.state_after(event.stream, pos.and_then(|p| p.checked_sub(1)));
        diff(&before, &after).len() as u32
    })
}

/// Parses two JSON documents to diff (not timed).
#[wasm_bindgen]
pub fn diff_prepare(before: &str, after: &str) -> Result<(), JsValue> {
    let parse = |text: &str| {
        serde_json::from_str::<Value>(text).map_err(|e| JsValue::from_str(&e.to_string()))
    };
    let inputs = (parse(before)?, parse(after)?);
    DIFF_INPUTS.with(|d| *d.borrow_mut() = Some(inputs));
    Ok(())
}

/// Diffs the prepared documents; returns the number of changes.
#[wasm_bindgen]
pub fn diff_run() -> u32 {
    DIFF_INPUTS.with(|d| {
        d.borrow()
            .as_ref()
            .map_or(0, |(a, b)| diff(a, b).len() as u32)
    })
}

/// The size of the WebAssembly memory, in bytes.
#[wasm_bindgen]
pub fn memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65_536) as f64
}

/// Drops the loaded timeline.
#[wasm_bindgen]
pub fn unload() {
    LOADED.with(|l| l.borrow_mut().take());
}
