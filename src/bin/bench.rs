//! The benchmark page's WebAssembly side: Chronoscope's core, exported to JavaScript so that
//! `bench/run.mjs` can time it in the browser beside the JavaScript peers, on the same bytes.
//! Built by `scripts/bench.sh` with trunk from `bench/index.html`.

use std::cell::RefCell;

use chronoscope_core::decode::Format;
use chronoscope_core::diff::touched::Touched;
use chronoscope_core::diff::{diff, diff_touched, Op};
use chronoscope_core::ingest::index::reproject;
use chronoscope_core::ingest::{Ingest, Setup};
use chronoscope_core::integrity::check;
use chronoscope_core::query::parse_state_query;
use chronoscope_core::table::period_table;
use chronoscope_core::timeline::Timeline;
use serde_json::Value;
use wasm_bindgen::prelude::*;

thread_local! {
    static LOADED: RefCell<Option<Timeline>> = const { RefCell::new(None) };
    static FORMAT: RefCell<Option<Format>> = const { RefCell::new(None) };
    static DIFF_INPUTS: RefCell<Option<(Value, Value)>> = const { RefCell::new(None) };
    static MOMENTS: RefCell<Option<Moments>> = const { RefCell::new(None) };
}

fn main() {}

/// Loads NDJSON bytes through the app's own ingest (`core::ingest`), fed a megabyte at a time
/// as a download would arrive, and folds every stream (snapshots included); returns the event
/// count. The bytes are copied into WebAssembly memory a piece at a time, so that, as in the
/// app, only the timeline's own copy of the source text stays there.
#[wasm_bindgen]
pub fn ingest(bytes: js_sys::Uint8Array) -> Result<u32, JsValue> {
    const PIECE: u32 = 1 << 20;
    LOADED.with(|l| l.borrow_mut().take());
    let mut ingest = Ingest::new(Setup::default());
    let mut piece = vec![0u8; PIECE as usize];
    let n_bytes = bytes.length();
    let mut at = 0;
    while at < n_bytes {
        let end = n_bytes.min(at + PIECE);
        let piece = &mut piece[..(end - at) as usize];
        bytes.subarray(at, end).copy_to(piece);
        ingest.feed(piece);
        ingest.run();
        at = end;
    }
    // The app's pieces are in the browser's memory, not in WebAssembly's.
    drop(piece);
    ingest.finish();
    ingest.run();
    let outcome = ingest.into_outcome();
    if let Some(problem) = outcome.problems.first() {
        return Err(JsValue::from_str(&problem.to_string()));
    }
    let n_events = outcome.timeline.len() as u32;
    FORMAT.with(|f| *f.borrow_mut() = Some(outcome.detection.format));
    LOADED.with(|l| *l.borrow_mut() = Some(outcome.timeline));
    Ok(n_events)
}

/// Runs every integrity check on the loaded events, hash chains included, in one go; returns
/// how many events a hash chain covered, or an error naming the first finding.
#[wasm_bindgen]
pub fn verify() -> Result<u32, JsValue> {
    let format = FORMAT.with(|f| *f.borrow()).unwrap_or(Format::Canonical);
    LOADED.with(|l| {
        let loaded = l.borrow();
        let timeline = loaded.as_ref().ok_or("nothing is loaded")?;
        let report = check(timeline, format, &[]);
        match report.findings.first() {
            Some(finding) => Err(JsValue::from_str(&finding.message)),
            None => Ok(report.n_chained as u32),
        }
    })
}

/// Folds every loaded event again from scratch; returns the event count.
#[wasm_bindgen]
pub fn replay() -> u32 {
    LOADED.with(|l| {
        l.borrow()
            .as_ref()
            .map_or(0, |t| reproject(t, None).len() as u32)
    })
}

/// Jumps to the event at log position `k`: its state and the diff from the previous event of
/// its stream (over the paths that event wrote, as the app does). Returns the number of changes.
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
        let previous = pos.and_then(|p| p.checked_sub(1));
        let before = timeline.state_after(event.stream, previous);
        let touched = timeline.touched_between(event.stream, previous, pos);
        diff_touched(&before, &after, &touched).len() as u32
    })
}

/// The state query over every loaded stream's latest state (`core::query`, the table's `where=`);
/// returns how many streams match.
#[wasm_bindgen]
pub fn state_query(text: &str) -> Result<u32, JsValue> {
    let query = parse_state_query(text).map_err(|e| JsValue::from_str(&e.to_string()))?;
    with_loaded(|timeline| period_table(timeline, None, None, Some(&query)).rows.len() as u32)
}

/// The period-end table of every loaded stream as of the middle event's time, with the default
/// columns; returns how many rows it has.
#[wasm_bindgen]
pub fn period_table_mid() -> Result<u32, JsValue> {
    with_loaded(|timeline| {
        let middle = timeline.head(timeline.len() / 2).time;
        period_table(timeline, Some(middle), None, None).rows.len() as u32
    })
}

fn with_loaded(f: impl FnOnce(&Timeline) -> u32) -> Result<u32, JsValue> {
    LOADED.with(|l| {
        l.borrow()
            .as_ref()
            .map(f)
            .ok_or_else(|| "nothing is loaded".into())
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

/// How many of the prepared documents' changes are moves of keyed elements.
#[wasm_bindgen]
pub fn diff_moves() -> u32 {
    DIFF_INPUTS.with(|d| {
        d.borrow().as_ref().map_or(0, |(a, b)| {
            diff(a, b).iter().filter(|c| c.op == Op::Move).count() as u32
        })
    })
}

/// The states of a stream at a few moments, and where the events between them wrote.
struct Moments {
    states: Vec<Value>,
    touched: Vec<Touched>,
}

/// Loads one stream whose state is about 1 MB (`bench_data::big_state_ndjson`: 4,000 orders,
/// then events that each change one leaf), and keeps the states after its last `n` events and
/// the paths written between each and the next (not timed). Returns the state's size in bytes.
#[wasm_bindgen]
pub fn moments_prepare(n: u32) -> Result<u32, JsValue> {
    let text = chronoscope_samples::bench_data::big_state_ndjson(n as usize);
    let timeline = Ingest::read_all(Setup::default(), &text).timeline;
    let first = timeline
        .len()
        .checked_sub(n as usize)
        .ok_or("fewer events than moments")?;
    let positions: Vec<usize> = (first..timeline.len()).collect();
    let states: Vec<Value> = positions
        .iter()
        .map(|&p| timeline.state_after("big", Some(p)))
        .collect();
    let touched = positions
        .windows(2)
        .map(|w| timeline.touched_between("big", Some(w[0]), Some(w[1])))
        .collect();
    let size = states.first().ok_or("no moments")?.to_string().len() as u32;
    MOMENTS.with(|m| *m.borrow_mut() = Some(Moments { states, touched }));
    Ok(size)
}

/// Diffs the states of moments `k` and `k + 1` as the app does, over the paths written
/// between them; returns the number of changes.
#[wasm_bindgen]
pub fn moments_diff(k: u32) -> u32 {
    MOMENTS.with(|m| {
        let moments = m.borrow();
        let Some(Moments { states, touched }) = moments.as_ref() else {
            return 0;
        };
        let Some(k) = (k as usize).checked_rem(touched.len()) else {
            return 0;
        };
        diff_touched(&states[k], &states[k + 1], &touched[k]).len() as u32
    })
}

/// The states of moments `k` and `k + 1`, as JSON, for the peers to parse.
#[wasm_bindgen]
pub fn moments_json(k: u32) -> Vec<String> {
    MOMENTS.with(|m| {
        let moments = m.borrow();
        let states = moments.as_ref().map_or(&[][..], |m| &m.states[..]);
        let k = k as usize;
        states
            .iter()
            .skip(k)
            .take(2)
            .map(Value::to_string)
            .collect()
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
