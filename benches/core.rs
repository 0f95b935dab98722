//! Native benchmarks of the core, one per part of the work: decode, ingest (index and fold, as
//! the app does it), replay (fold), the state at a random position (snapshot plus bounded
//! replay), and the structural diff.
//! Run with `cargo bench --no-default-features --bench core`.

use std::hint::black_box;

use chronoscope::core::bench_data::bench_ndjson;
use std::sync::Arc;

use chronoscope::core::decode::{decode_text, ndjson_records, Decoder, Format};
use chronoscope::core::diff::diff;
use chronoscope::core::timeline::Timeline;
use serde_json::{json, Value};

fn main() {
    divan::main();
}

const N_EVENTS: usize = 100_000;

#[divan::bench(sample_count = 10)]
fn decode_100k_events(bencher: divan::Bencher) {
    let text = bench_ndjson(N_EVENTS);
    bencher.bench(|| decode_text(black_box(&text), Some(Format::Canonical)));
}

/// What the app and the browser benchmark do: events point into the source text, are indexed
/// in slices, then folded a stream at a time.
#[divan::bench(sample_count = 10)]
fn ingest_100k_events_from_source(bencher: divan::Bencher) {
    let text = Arc::new(bench_ndjson(N_EVENTS));
    bencher.bench(|| {
        let mut timeline = Timeline::default();
        let mut decoder = Decoder::new(Format::Canonical);
        let mut problems = Vec::new();
        let records: Vec<_> = ndjson_records(&text).collect();
        for slice in records.chunks(2_000) {
            timeline.push_records(&text, slice, &mut decoder, &mut problems);
        }
        timeline.fold();
        timeline
    });
}

#[divan::bench(sample_count = 10)]
fn replay_100k_events_from_source(bencher: divan::Bencher) {
    let text = Arc::new(bench_ndjson(N_EVENTS));
    let mut timeline = Timeline::default();
    let records: Vec<_> = ndjson_records(&text).collect();
    let mut problems = Vec::new();
    timeline.push_records(
        &text,
        &records,
        &mut Decoder::new(Format::Canonical),
        &mut problems,
    );
    timeline.fold();
    bencher.bench(|| timeline.replay_with(None));
}

#[divan::bench(sample_count = 10)]
fn replay_100k_events(bencher: divan::Bencher) {
    let events = decode_text(&bench_ndjson(N_EVENTS), Some(Format::Canonical))
        .0
        .events;
    bencher
        .with_inputs(|| events.clone())
        .bench_values(|events| Timeline::build(black_box(events)));
}

#[divan::bench]
fn state_after_a_random_position(bencher: divan::Bencher) {
    let events = decode_text(&bench_ndjson(N_EVENTS), Some(Format::Canonical))
        .0
        .events;
    let timeline = Timeline::build(events);
    let mut k = 0usize;
    bencher.bench_local(|| {
        k = (k * 7919 + 13) % N_EVENTS;
        let event = timeline.head(k);
        let pos = timeline.position_of_version(event.stream, event.version);
        timeline.state_after(event.stream, pos)
    });
}

fn keyed_array(n: usize) -> Value {
    json!((0..n)
        .map(|i| json!({"id": i, "sku": format!("SKU-{i}"), "qty": i % 17}))
        .collect::<Vec<_>>())
}

#[divan::bench(sample_count = 20)]
fn diff_two_20k_keyed_arrays(bencher: divan::Bencher) {
    let before = keyed_array(20_000);
    let mut after = before.clone();
    after[10_000]["qty"] = json!(99);
    after
        .as_array_mut()
        .unwrap()
        .insert(0, json!({"id": -1, "sku": "new", "qty": 1}));
    bencher.bench(|| diff(black_box(&before), black_box(&after)));
}

#[divan::bench(sample_count = 50)]
fn diff_two_1mb_states_one_leaf_apart(bencher: divan::Bencher) {
    let before = json!({"orders": (0..4_000).map(|i| json!({"id": i, "note": "x".repeat(200), "lines": [{"lineId": "L1", "qty": i}]})).collect::<Vec<_>>()});
    assert!(before.to_string().len() > 1_000_000);
    let mut after = before.clone();
    after["orders"][2_500]["lines"][0]["qty"] = json!(-1);
    bencher.bench(|| diff(black_box(&before), black_box(&after)));
}
