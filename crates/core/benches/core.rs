//! Native benchmarks of the core, one per part of the work: decode, ingest (index and fold, as
//! the app does it), replay (fold), the state at a random position (snapshot plus bounded
//! replay), the structural diff, a field's history (blame) over one long stream, the event and
//! state queries and the period-end table over a million events, and the integrity checks over
//! EventSourcingDB lines with their hash chain, and without one over our own format.
//! Run with `cargo bench --no-default-features --bench core`.

use std::hint::black_box;

use chronoscope_core::blame::field_history;
use chronoscope_core::decode::canonical::{decode_lean, decode_lean_by_serde};
use chronoscope_core::decode::{decode_text, Format};
use chronoscope_core::diff::{diff, diff_touched};
use chronoscope_core::event_query::parse_event_query;
use chronoscope_core::ingest::index::reproject;
use chronoscope_core::ingest::{Ingest, Setup, Step, BATCH};
use chronoscope_core::integrity::check;
use chronoscope_core::query::parse_state_query;
use chronoscope_core::table::period_table;
use chronoscope_core::timeline::Timeline;
use chronoscope_samples::bench_data::{bench_ndjson, esdb_ndjson, long_stream_ndjson};
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

/// What indexing reads of each record (`decode_lean`: stream, type, time, version, id, author,
/// the rest checked), by the quick scan and by serde.
#[divan::bench(args = ["quick scan", "serde"], sample_count = 10)]
fn index_fields_of_100k_records(bencher: divan::Bencher, way: &str) {
    let text = bench_ndjson(N_EVENTS);
    let read = match way {
        "serde" => decode_lean_by_serde,
        _ => decode_lean,
    };
    bencher.bench(|| {
        text.lines()
            .filter(|line| read(black_box(line)).is_some())
            .count()
    });
}

/// The app's own ingest (`core::ingest`), fed 64 KB at a time as a download arrives, stepping
/// 250 records or events at a time as the app does between yields: events point into the
/// source text, are indexed block by block, then folded a stream at a time.
#[divan::bench(sample_count = 10)]
fn ingest_100k_events_from_source(bencher: divan::Bencher) {
    let text = bench_ndjson(N_EVENTS);
    bencher.bench(|| load(black_box(&text)));
}

#[divan::bench(sample_count = 10)]
fn replay_100k_events_from_source(bencher: divan::Bencher) {
    let timeline = load(&bench_ndjson(N_EVENTS));
    bencher.bench(|| reproject(&timeline, None));
}

fn load(text: &str) -> Timeline {
    let mut ingest = Ingest::new(Setup::default());
    for piece in text.as_bytes().chunks(64 << 10) {
        ingest.feed(piece);
        while ingest.step(BATCH) == Step::Working {}
    }
    ingest.finish();
    while ingest.step(BATCH) != Step::Done {}
    ingest.into_outcome().timeline
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

/// The history of one line's quantity over a stream of 100,000 events (issue 11's target:
/// 200 ms): one replay of the stream, reading the field after every event.
#[divan::bench(sample_count = 10)]
fn blame_a_field_over_100k_events_of_one_stream(bencher: divan::Bencher) {
    let timeline = load(&long_stream_ndjson(N_EVENTS));
    bencher.bench(|| field_history(&timeline, black_box("po-long"), "/lines/L1/qty"));
}

/// The event query over one stream of 1,000,000 events (issue 11's target: under a second): a
/// type and a condition on the payload, so that a third of the events are read back whole.
#[divan::bench(sample_count = 5)]
fn event_query_with_a_payload_condition_over_1m_events(bencher: divan::Bencher) {
    let timeline = load(&long_stream_ndjson(N_QUERIED));
    let query = parse_event_query("type:PoStatusChanged /data/status=approved").unwrap();
    bencher.bench(|| black_box(query.positions(&timeline, "po-long")).len());
}

/// The state query over 1,000,000 events in 20,000 streams: every stream's latest state tested.
#[divan::bench(sample_count = 5)]
fn state_query_over_1m_events_in_20k_streams(bencher: divan::Bencher) {
    let timeline = load(&bench_ndjson(N_QUERIED));
    let query = parse_state_query("status=received /total>200 poNumber!=PO-000000").unwrap();
    bencher.bench(|| {
        period_table(&timeline, None, None, Some(black_box(&query)))
            .rows
            .len()
    });
}

/// The period-end table over 20,000 streams (1,000,000 events), as of the middle of the log,
/// with the default columns.
#[divan::bench(sample_count = 5)]
fn period_end_table_over_20k_streams(bencher: divan::Bencher) {
    let timeline = load(&bench_ndjson(N_QUERIED));
    let middle = timeline.head(timeline.len() / 2).time;
    bencher.bench(|| {
        period_table(&timeline, Some(black_box(middle)), None, None)
            .rows
            .len()
    });
}

/// The number of events the queries run over.
const N_QUERIED: usize = 1_000_000;

fn keyed_array(n: usize) -> Value {
    json!((0..n)
        .map(|i| json!({"id": i, "sku": format!("SKU-{i}"), "qty": i % 17}))
        .collect::<Vec<_>>())
}

/// The three cases of issue 14, on separately built arrays: an element inserted at the head, one
/// changed in the middle, and 1% of the elements (every hundredth) moved to the end.
#[divan::bench(args = ["insert at the head", "change in the middle", "reorder 1%"], sample_count = 20)]
fn diff_two_20k_keyed_arrays(bencher: divan::Bencher, case: &str) {
    let before = keyed_array(20_000);
    let mut after = before.clone();
    let items = after.as_array_mut().unwrap();
    match case {
        "insert at the head" => items.insert(0, json!({"id": -1, "sku": "new", "qty": 1})),
        "change in the middle" => items[10_000]["qty"] = json!(99),
        _ => {
            let moved: Vec<Value> = (0..200).map(|k| items.remove(100 * k - k)).collect();
            items.extend(moved);
        }
    }
    bencher.bench(|| diff(black_box(&before), black_box(&after)));
}

/// The diff between two consecutive moments of a stream whose state is about 1 MB, as the app
/// computes it: over the paths the event between them wrote.
#[divan::bench(sample_count = 50)]
fn diff_two_moments_of_a_1mb_state_from_the_timeline(bencher: divan::Bencher) {
    let timeline = load(&chronoscope_samples::bench_data::big_state_ndjson(10));
    let (a, b) = (Some(5), Some(6));
    let (before, after) = (
        timeline.state_after("big", a),
        timeline.state_after("big", b),
    );
    assert!(before.to_string().len() > 1_000_000);
    bencher.bench(|| {
        let touched = timeline.touched_between("big", a, b);
        diff_touched(black_box(&before), black_box(&after), &touched)
    });
}

#[divan::bench(sample_count = 50)]
fn diff_two_1mb_states_one_leaf_apart(bencher: divan::Bencher) {
    let before = json!({"orders": (0..4_000).map(|i| json!({"id": i, "note": "x".repeat(200), "lines": [{"lineId": "L1", "qty": i}]})).collect::<Vec<_>>()});
    assert!(before.to_string().len() > 1_000_000);
    let mut after = before.clone();
    after["orders"][2_500]["lines"][0]["qty"] = json!(-1);
    bencher.bench(|| diff(black_box(&before), black_box(&after)));
}

/// Every integrity check, the hash chain included, over 100,000 EventSourcingDB lines.
#[divan::bench(sample_count = 10)]
fn verify_100k_hash_chained_events(bencher: divan::Bencher) {
    let text = esdb_ndjson(N_EVENTS);
    let mut ingest = Ingest::new(Setup::default());
    ingest.feed(text.as_bytes());
    ingest.finish();
    ingest.run();
    let outcome = ingest.into_outcome();
    bencher.bench(|| {
        let report = check(
            &outcome.timeline,
            outcome.detection.format,
            &outcome.problems,
        );
        assert_eq!(report.n_chained, N_EVENTS);
        report
    });
}

/// Every integrity check over 100,000 events of Chronoscope's own format: no chain, so the
/// versions, the ids, and each stored record scanned for a key named twice.
#[divan::bench(sample_count = 10)]
fn check_100k_events_without_a_chain(bencher: divan::Bencher) {
    let timeline = load(&bench_ndjson(N_EVENTS));
    bencher.bench(|| check(&timeline, Format::Canonical, &[]));
}
