//! Replay, snapshots and temporal queries over the timeline.

use crate::common;

use chronoscope_core::decode::{decode_text, Format, Place, Problem};
use chronoscope_core::ingest::index::{project, reproject};
use chronoscope_core::projection::Projection;
use chronoscope_core::reduce;
use chronoscope_core::time::parse_instant;
use chronoscope_core::timeline::{Timeline, SNAPSHOT_EVERY};
use chronoscope_samples::demo::demo_ndjson;
use common::events;
use serde_json::{json, Value};
use std::sync::Arc;

fn po_history() -> Timeline {
    Timeline::build(events(
        r#"{"stream":"po-1","type":"PoCreated","time":"2026-01-05T09:00:00Z","data":{"status":"draft","lines":[]}}
{"stream":"po-1","type":"PoLineAdded","time":"2026-01-05T09:10:00Z","patch":[{"op":"add","path":"/lines/-","value":{"lineId":"L1","qty":2}}]}
{"stream":"badge-1","type":"BadgeRequested","time":"2026-01-05T09:15:00Z","data":{"status":"requested"}}
{"stream":"po-1","type":"PoApproved","time":"2026-03-31T23:59:59Z","data":{"status":"approved","approvedBy":"dana"}}
{"stream":"po-1","type":"PoReset","time":"2026-04-02T00:00:00Z","snapshot":{"status":"archived"}}"#,
    ))
}

#[test]
fn replays_merge_patch_and_snapshot_events_into_state() {
    let timeline = po_history();
    assert_eq!(timeline.state_after("po-1", None), Value::Null);
    assert_eq!(
        timeline.state_after("po-1", Some(0)),
        json!({"status": "draft", "lines": []})
    );
    assert_eq!(
        timeline.state_after("po-1", Some(1)),
        json!({"status": "draft", "lines": [{"lineId": "L1", "qty": 2}]})
    );
    assert_eq!(
        timeline.state_after("po-1", Some(2)),
        json!({"status": "approved", "approvedBy": "dana", "lines": [{"lineId": "L1", "qty": 2}]})
    );
    assert_eq!(
        timeline.state_after("po-1", Some(3)),
        json!({"status": "archived"})
    );
    assert_eq!(
        timeline.state_after("badge-1", Some(0)),
        json!({"status": "requested"})
    );
}

#[test]
fn lists_streams_with_counts_in_order_of_appearance() {
    let timeline = po_history();
    let streams: Vec<_> = timeline
        .streams()
        .into_iter()
        .map(|s| (s.name, s.n_events))
        .collect();
    assert_eq!(
        streams,
        vec![("po-1".to_string(), 4), ("badge-1".to_string(), 1)]
    );
}

#[test]
fn answers_temporal_queries_with_the_last_event_at_or_before_the_instant() {
    let timeline = po_history();
    let at = |t: &str| timeline.position_at_time("po-1", parse_instant(t).unwrap());
    assert_eq!(at("2026-01-01T00:00:00Z"), None);
    assert_eq!(at("2026-01-05T09:00:00Z"), Some(0));
    assert_eq!(at("2026-03-31T23:59:58Z"), Some(1));
    assert_eq!(at("2026-03-31T23:59:59Z"), Some(2));
    assert_eq!(at("2026-04-01T01:59:59+02:00"), Some(2));
    assert_eq!(at("2030-01-01T00:00:00Z"), Some(3));
}

#[test]
fn finds_positions_by_version() {
    let timeline = po_history();
    assert_eq!(timeline.position_of_version("po-1", 3), Some(2));
    assert_eq!(timeline.position_of_version("po-1", 9), None);
    assert_eq!(timeline.position_of_version("nope", 1), None);
}

#[test]
fn snapshots_give_the_same_state_as_a_replay_from_zero_at_every_position() {
    let (decoded, _) = decode_text(&demo_ndjson(), Some(Format::Canonical));
    let timeline = Timeline::build(decoded.events);
    let streams = timeline.streams();
    assert!(streams.iter().any(|s| s.n_events > SNAPSHOT_EVERY + 1));
    for stream in streams {
        let mut state = Value::Null;
        for (pos, event) in timeline.stream_events(&stream.name).enumerate() {
            reduce::apply(&mut state, &event).unwrap();
            assert_eq!(
                timeline.state_after(&stream.name, Some(pos)),
                state,
                "{} at {pos}",
                stream.name
            );
        }
    }
}

#[test]
fn a_patch_that_fails_is_a_problem_and_leaves_the_state_as_it_was() {
    let timeline = Timeline::build(events(
        r#"{"stream":"s","type":"A","time":"2026-01-01T00:00:00Z","data":{"a":1}}
{"stream":"s","type":"B","time":"2026-01-01T00:00:01Z","patch":[{"op":"add","path":"/b","value":2},{"op":"remove","path":"/missing"}]}
{"stream":"s","type":"C","time":"2026-01-01T00:00:02Z","data":{"c":3}}"#,
    ));
    assert_eq!(timeline.state_after("s", Some(1)), json!({"a": 1}));
    assert_eq!(timeline.state_after("s", Some(2)), json!({"a": 1, "c": 3}));
    assert_eq!(timeline.problems().len(), 1);
    assert_eq!(
        timeline.problems()[0].place,
        Place::Event {
            stream: "s".into(),
            version: 2
        }
    );
    assert!(timeline.problems()[0]
        .message()
        .contains("the state is left as it was"));
}

#[test]
fn a_version_that_goes_backwards_is_a_problem_but_still_found() {
    let timeline = Timeline::build(events(
        r#"{"stream":"s","type":"A","time":"2026-01-01T00:00:00Z","version":5,"data":{}}
{"stream":"s","type":"B","time":"2026-01-01T00:00:01Z","version":3,"data":{}}"#,
    ));
    assert_eq!(timeline.problems().len(), 1);
    assert_eq!(
        timeline.problems()[0].to_string(),
        "event s v3: version 3 does not follow version 5 of the same stream"
    );
    assert_eq!(timeline.position_of_version("s", 3), Some(1));
}

#[test]
fn building_in_slices_gives_the_same_timeline_as_building_at_once() {
    let (decoded, _) = decode_text(&demo_ndjson(), Some(Format::Canonical));
    let whole = Timeline::build(decoded.events.clone());
    let mut sliced = Timeline::default();
    for chunk in decoded.events.chunks(97) {
        sliced.push(chunk.to_vec());
    }
    for stream in whole.streams() {
        let last = stream.n_events - 1;
        assert_eq!(
            sliced.state_after(&stream.name, Some(last)),
            whole.state_after(&stream.name, Some(last))
        );
        assert_eq!(
            sliced.state_after(&stream.name, Some(last / 2)),
            whole.state_after(&stream.name, Some(last / 2))
        );
    }
}

#[test]
fn density_counts_every_event_once_and_names_the_main_type() {
    let timeline = po_history();
    let bins = timeline.density("po-1", 100);
    assert_eq!(bins.len(), 100);
    assert_eq!(bins.iter().map(|b| b.n_events).sum::<usize>(), 4);
    assert_eq!(bins[0].n_events, 2);
    assert_eq!(bins[1].main_kind, None);
    let kind_name = |bin: usize| &timeline.kinds()[bins[bin].main_kind.unwrap()];
    assert_eq!(kind_name(98), "PoApproved");
    assert_eq!(kind_name(99), "PoReset");
}

/// The density strip puts each event in the slice its whole milliseconds after the first
/// event's fall in, exactly (integer arithmetic here), for times in any order, with fractions of
/// a millisecond, before the first event's and after the last's.
mod density_slices {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn every_event_is_counted_in_its_exact_slice(
            times in proptest::collection::vec((0i64..5_000, 0u32..1_000_000, 0usize..3), 1..200),
            n_bins in 1usize..130,
        ) {
            let text: String = times
                .iter()
                .map(|(ms, nanos, kind)| {
                    let time = chrono::DateTime::from_timestamp_millis(1_700_000_000_000 + ms)
                        .unwrap()
                        .checked_add_signed(chrono::Duration::nanoseconds(i64::from(*nanos)))
                        .unwrap()
                        .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
                    format!("{{\"stream\":\"s\",\"type\":\"K{kind}\",\"time\":\"{time}\",\"data\":{{}}}}\n")
                })
                .collect();
            let timeline = Timeline::build(events(&text));
            let millis = |(ms, nanos, _): &(i64, u32, usize)| ms + i64::from(nanos / 1_000_000);
            let start = millis(&times[0]);
            let span = (millis(&times[times.len() - 1]) - start).max(1);
            let mut expected = vec![vec![0usize; 3]; n_bins];
            for event in &times {
                let offset = (millis(event) - start).max(0);
                let bin = ((offset * n_bins as i64 / span) as usize).min(n_bins - 1);
                expected[bin][event.2] += 1;
            }
            let bins = timeline.density("s", n_bins);
            prop_assert_eq!(bins.len(), n_bins);
            for (bin, per_kind) in bins.iter().zip(&expected) {
                prop_assert_eq!(bin.n_events, per_kind.iter().sum::<usize>());
                if let Some(kind) = bin.main_kind {
                    let name = &timeline.kinds()[kind];
                    let kind_idx: usize = name[1..].parse().unwrap();
                    prop_assert_eq!(per_kind[kind_idx], *per_kind.iter().max().unwrap());
                }
            }
        }
    }
}

/// Temporal queries and versions, which the timeline reads from its events rather than keeping
/// a copy per stream: for times that mostly go forward and sometimes back, in two interleaved
/// streams, through both ingest paths, against a reference written from the definitions.
mod times_and_versions {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn match_their_definitions(
            steps in proptest::collection::vec((any::<bool>(), -3i64..10, 0u64..4), 1..150),
            probes in proptest::collection::vec(-5i64..400, 8),
            slice in 1usize..40,
        ) {
            let mut text = String::new();
            let mut per_stream: [Vec<(i64, u64)>; 2] = [Vec::new(), Vec::new()];
            let mut clock = [0i64; 2];
            for (second, step, version_step) in &steps {
                let s = usize::from(*second);
                clock[s] += step;
                let version = per_stream[s].last().map_or(1, |(_, v)| v + version_step);
                per_stream[s].push((clock[s], version));
                let time = chrono::DateTime::from_timestamp(1_700_000_000 + clock[s], 0).unwrap();
                text.push_str(&format!(
                    "{{\"stream\":\"s{s}\",\"type\":\"K\",\"version\":{version},\"time\":\"{}\",\"data\":{{}}}}\n",
                    time.to_rfc3339()
                ));
            }
            let built = Timeline::build(events(&text));
            let (from_text, _) = from_source(&text, slice);
            for timeline in [&built, &from_text] {
                for (s, expected) in per_stream.iter().enumerate() {
                    let stream = format!("s{s}");
                    for &probe in &probes {
                        let time = chrono::DateTime::from_timestamp(1_700_000_000 + probe, 0).unwrap();
                        let mut running_max = i64::MIN;
                        let reference = expected
                            .iter()
                            .map(|(t, _)| { running_max = running_max.max(*t); running_max })
                            .take_while(|&max| max <= probe)
                            .count()
                            .checked_sub(1);
                        prop_assert_eq!(timeline.position_at_time(&stream, time), reference);
                    }
                    for (pos, (_, version)) in expected.iter().enumerate() {
                        let first = expected.iter().position(|(_, v)| v == version);
                        prop_assert_eq!(timeline.position_of_version(&stream, *version), first);
                        let occurrence = expected[..=pos].iter().filter(|(_, v)| v == version).count() as u64;
                        prop_assert_eq!(timeline.occurrence_at(&stream, pos), occurrence);
                        prop_assert_eq!(timeline.position_of_occurrence(&stream, *version, occurrence), Some(pos));
                        prop_assert_eq!(timeline.head_at(&stream, pos).map(|head| head.version), Some(*version));
                    }
                }
            }
        }
    }
}

/// Builds a timeline through the app's own ingest (`core::ingest`), `slice` records or events
/// per step: Chronoscope's own NDJSON, whose events point into the source text.
fn from_source(text: &str, slice: usize) -> (Timeline, Vec<chronoscope_core::decode::Problem>) {
    from_source_with(text, slice, None)
}

fn from_source_with(
    text: &str,
    slice: usize,
    projection: Option<Arc<Projection>>,
) -> (Timeline, Vec<chronoscope_core::decode::Problem>) {
    use chronoscope_core::ingest::{Ingest, Setup, Step};
    let mut ingest = Ingest::new(Setup {
        format: Some(Format::Canonical),
        projection,
        ..Setup::default()
    });
    ingest.feed(text.as_bytes());
    ingest.finish();
    while ingest.step(slice) != Step::Done {}
    let outcome = ingest.into_outcome();
    (outcome.timeline, outcome.problems)
}

/// A timeline's replay problems with the lines they name left out: events decoded on their own
/// do not know their line, events read from a source do.
fn without_lines(problems: &[Problem]) -> Vec<Problem> {
    problems
        .iter()
        .map(|problem| match &problem.place {
            Place::EventLine {
                stream, version, ..
            } => Problem::new(
                Place::Event {
                    stream: stream.clone(),
                    version: *version,
                },
                problem.kind.clone(),
            ),
            _ => problem.clone(),
        })
        .collect()
}

/// Every event, head, state and problem of two timelines, compared.
fn assert_same_timeline(a: &Timeline, b: &Timeline) {
    assert_eq!(without_lines(a.problems()), without_lines(b.problems()));
    common::assert_same_log(a, b, "timelines");
}

#[test]
fn events_that_point_into_their_source_read_back_as_decoded_events() {
    let text = demo_ndjson();
    let (decoded, _) = decode_text(&text, Some(Format::Canonical));
    let copied = Timeline::build(decoded.events);
    let (pointing, problems) = from_source(&text, 97);
    assert!(problems.is_empty(), "{problems:?}");
    assert_same_timeline(&pointing, &copied);
}

/// Versions past 32 bits and ids are kept aside from the events (most logs have neither); each
/// still reads back with its own event, whichever way the timeline was built.
#[test]
fn versions_past_32_bits_and_ids_read_back_with_their_events() {
    let versions = [
        4_294_967_294u64,
        4_294_967_295,
        4_294_967_296,
        1 << 40,
        u64::MAX,
    ];
    let text: String = versions
        .iter()
        .enumerate()
        .map(|(n, version)| {
            let id = if n % 2 == 1 { format!(r#","id":"e-{n}""#) } else { String::new() };
            format!(
                "{{\"stream\":\"s\",\"version\":{version},\"type\":\"A\",\"time\":\"2026-01-01T00:00:0{n}Z\",\"data\":{{\"n\":{n}}}{id}}}\n"
            )
        })
        .collect();
    let built = Timeline::build(events(&text));
    let (from_text, problems) = from_source(&text, 2);
    assert!(problems.is_empty(), "{problems:?}");
    for timeline in [&built, &from_text] {
        assert!(timeline.problems().is_empty(), "{:?}", timeline.problems());
        for (n, &version) in versions.iter().enumerate() {
            let id = (n % 2 == 1).then(|| format!("e-{n}"));
            let head = timeline.head(n);
            assert_eq!(
                (head.version, head.id.map(str::to_string)),
                (version, id.clone())
            );
            let event = timeline.event(n);
            assert_eq!((event.version, event.id), (version, id));
            assert_eq!(timeline.position_of_version("s", version), Some(n));
            assert_eq!(timeline.state_after("s", Some(n)), json!({ "n": n }));
        }
    }
}

#[test]
fn bad_lines_and_failed_patches_are_reported_the_same_from_a_source() {
    let text = r#"{"stream":"s","type":"A","time":"2026-01-01T00:00:00Z","data":{"a":1},"meta":{"user":"ann"}}
not json
{"stream":"s","type":"B","time":"2026-01-01T00:00:01Z","patch":[{"op":"remove","path":"/missing"}]}
{"stream":"s","type":"C","time":"2026-01-01T00:00:02Z","data":{"c":3},"data":{"c":4}}
{"stream":"t","type":"D","time":"2026-01-01T00:00:03Z","snapshot":{"d":1},"id":"e-4"}"#;
    let (decoded, _) = decode_text(text, Some(Format::Canonical));
    let copied = Timeline::build(decoded.events);
    let (pointing, problems) = from_source(text, 2);
    assert_eq!(problems, decoded.problems);
    assert_eq!(problems.len(), 1);
    assert_eq!(pointing.problems().len(), 1);
    assert_eq!(
        pointing.problems()[0].place,
        Place::EventLine {
            line: 3,
            stream: "s".into(),
            version: 2
        }
    );
    assert_same_timeline(&pointing, &copied);
    assert_eq!(pointing.head(0).user, Some("ann"));
    assert_eq!(pointing.head(3).id, Some("e-4"));
    // A replay reads only the changes back from the source, and gets the same states.
    assert_same_timeline(&reproject(&pointing, None), &copied);
}

#[test]
fn a_replay_of_events_in_a_source_gives_the_same_timeline() {
    let text = chronoscope_samples::bench_data::bench_ndjson(5_000);
    let (pointing, _) = from_source(&text, 2_000);
    let replayed = reproject(&pointing, None);
    assert_same_timeline(&replayed, &pointing);
    let (decoded, _) = decode_text(&text, Some(Format::Canonical));
    assert_same_timeline(&replayed, &Timeline::build(decoded.events));
}

#[test]
fn with_a_projection_events_in_a_source_replay_as_copied_events_do() {
    use chronoscope_samples::demo::demo_projection;
    let text = demo_ndjson();
    let projection = Arc::new(Projection::parse(&demo_projection()).unwrap());
    let (decoded, _) = decode_text(&text, Some(Format::Canonical));
    let copied = project(decoded.events, Some(projection.clone()));
    let (pointing, _) = from_source(&text, 500);
    let (loaded_with, _) = from_source_with(&text, 500, Some(projection.clone()));
    assert_same_timeline(&loaded_with, &copied);
    let projected = reproject(&pointing, Some(projection));
    assert!(projected.all_events().any(|e| e.stored.is_some()));
    assert_same_timeline(&projected, &copied);
    // And back: without the projection, upcast events return to their stored form.
    assert_same_timeline(&reproject(&projected, None), &pointing);
}

#[test]
fn states_are_right_before_folding_and_folding_in_slices_gives_the_same_timeline() {
    use chronoscope_core::decode::{ndjson_records, Decoder};
    use chronoscope_core::ingest::index::index_canonical;
    let text = demo_ndjson();
    let (folded, _) = from_source(&text, 300);
    let source = chronoscope_core::source_text::SourceText::from(text.clone());
    let records: Vec<_> = ndjson_records(&source).collect();
    let mut sliced = Timeline::default();
    let mut problems = Vec::new();
    let mut decoder = Decoder::new(Format::Canonical);
    index_canonical(&mut sliced, &mut decoder, &source, &records, &mut problems);
    assert_eq!(sliced.n_folded(), 0);
    // Nothing folded yet: states are replayed on the spot.
    for stream in folded.streams().iter().take(5) {
        for pos in [0, stream.n_events / 2, stream.n_events - 1] {
            assert_eq!(
                sliced.state_after(&stream.name, Some(pos)),
                folded.state_after(&stream.name, Some(pos))
            );
        }
    }
    let mut n_calls = 0;
    while !sliced.fold_some(100) {
        n_calls += 1;
        assert_eq!(sliced.n_folded(), 100 * n_calls);
    }
    assert_eq!(n_calls, (folded.len() - 1) / 100);
    assert_eq!(sliced.n_folded(), folded.len());
    assert_same_timeline(&sliced, &folded);
}

#[test]
fn a_log_longer_than_one_storage_chunk_keeps_every_event_in_place() {
    let text = chronoscope_samples::bench_data::bench_ndjson(40_000);
    let (timeline, problems) = from_source(&text, 2_000);
    assert!(problems.is_empty());
    assert_eq!(timeline.len(), 40_000);
    for (idx, line) in text.lines().enumerate() {
        let record: Value = serde_json::from_str(line).unwrap();
        let head = timeline.head(idx);
        assert_eq!(head.seq, idx as u64);
        assert_eq!(head.stream, record["stream"]);
        assert_eq!(head.version, record["version"]);
    }
    assert_eq!(timeline.event(39_999).seq, 39_999);
}

#[test]
fn events_pushed_unfolded_then_folded_give_the_same_timeline_as_push() {
    let (decoded, _) = decode_text(&demo_ndjson(), Some(Format::Canonical));
    let pushed = Timeline::build(decoded.events.clone());
    let mut later = Timeline::default();
    for chunk in decoded.events.chunks(250) {
        later.push_unfolded(chunk.to_vec());
    }
    assert_eq!(later.n_folded(), 0);
    later.fold();
    assert_same_timeline(&later, &pushed);
}

#[test]
fn the_event_filter_matches_types_authors_versions_and_ids_ignoring_case() {
    let (decoded, _) = decode_text(&demo_ndjson(), Some(Format::Canonical));
    let timeline = Timeline::build(decoded.events);
    let naive = |stream: &str, filter: &str| -> Vec<usize> {
        let filter = filter.to_lowercase();
        timeline
            .stream_heads(stream)
            .enumerate()
            .filter(|(_, e)| {
                e.kind.to_lowercase().contains(&filter)
                    || e.user.is_some_and(|u| u.to_lowercase().contains(&filter))
                    || e.version.to_string() == filter
                    || e.id.is_some_and(|id| id.to_lowercase().contains(&filter))
            })
            .map(|(pos, _)| pos)
            .collect()
    };
    let mut n_matched = 0;
    for stream in timeline.streams() {
        for filter in ["approved", "PoLine", "ANA", "3", "03", "e-", "zzz"] {
            let found = filtered(&timeline, &stream.name, filter);
            assert_eq!(
                found,
                naive(&stream.name, filter),
                "{} / {filter}",
                stream.name
            );
            n_matched += found.len();
        }
    }
    assert!(n_matched > 500, "{n_matched}");
    // The version is matched whole: "2" finds v2, "02" does not; types ignore case.
    let history = po_history();
    assert_eq!(filtered(&history, "po-1", "2"), vec![1]);
    assert_eq!(filtered(&history, "po-1", "02"), Vec::<usize>::new());
    assert_eq!(filtered(&history, "po-1", "APPROVED"), vec![2]);
    assert_eq!(filtered(&history, "po-1", "po"), vec![0, 1, 2, 3]);
}

/// The positions a one-word filter shows (the event query's bare word).
fn filtered(timeline: &Timeline, stream: &str, filter: &str) -> Vec<usize> {
    chronoscope_core::event_query::filtered_positions(timeline, stream, filter)
        .ok()
        .flatten()
        .unwrap_or_default()
}

#[test]
fn a_growing_state_is_snapshotted_less_often_so_snapshots_stay_within_twice_the_source() {
    // One PO whose every event adds a line of about 1 KB: its state grows to 2 MB.
    let mut text = String::new();
    for i in 0..2_000 {
        let event = if i == 0 {
            json!({"stream": "po-big", "type": "PoCreated", "time": "2026-01-01T00:00:00Z", "data": {"lines": []}})
        } else {
            json!({"stream": "po-big", "type": "PoLineAdded", "time": "2026-01-01T00:00:00Z",
                "patch": [{"op": "add", "path": "/lines/-", "value": {"lineId": i, "note": "x".repeat(1_000)}}]})
        };
        text.push_str(&event.to_string());
        text.push('\n');
    }
    let (timeline, problems) = from_source(&text, 500);
    assert!(problems.is_empty());
    let (n_snapshots, snapshot_bytes) = timeline.snapshot_stats();
    // A snapshot every 64 events would keep 31 of them, about 31 MB.
    // Each interval is at least as long as the last snapshot, so a state that grows by every
    // record's full size is snapshotted at doubling sizes: about twice the source in all.
    assert!(
        snapshot_bytes <= 2 * text.len(),
        "{snapshot_bytes} bytes of snapshots for {} of source",
        text.len()
    );
    assert!((3..31).contains(&n_snapshots), "{n_snapshots} snapshots");
    let mut state = Value::Null;
    for (pos, event) in timeline.stream_events("po-big").enumerate() {
        reduce::apply(&mut state, &event).unwrap();
        if pos % 97 == 0 || pos == 1_999 {
            assert_eq!(timeline.state_after("po-big", Some(pos)), state, "at {pos}");
        }
    }
}

mod random_folds {
    //! The state after any event equals a fold written here from the definitions (RFC 7386
    //! merge, RFC 6902 patch, snapshot replaces), for random interleaved streams long enough to
    //! cross several snapshots, read in random slices.
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Change {
        Merge(Value),
        Add(String, Value),
        Snapshot(Value),
    }

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<i32>().prop_map(Value::from),
            "[a-z]{0,6}".prop_map(Value::from),
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
        ]
    }

    fn object() -> impl Strategy<Value = Value> {
        proptest::collection::btree_map("k[0-5]", scalar(), 0..4)
            .prop_map(|map| Value::Object(map.into_iter().collect()))
    }

    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            6 => object().prop_map(Change::Merge),
            3 => ("k[0-5]", scalar()).prop_map(|(k, v)| Change::Add(k, v)),
            1 => object().prop_map(Change::Snapshot),
        ]
    }

    fn line(stream: &str, n: usize, change: &Change) -> String {
        let time = format!("2026-01-01T00:{:02}:{:02}Z", n / 60 % 60, n % 60);
        let body = match change {
            Change::Merge(data) => json!({ "data": data }),
            Change::Add(key, value) => {
                json!({"patch": [{"op": "add", "path": format!("/{key}"), "value": value}]})
            }
            Change::Snapshot(state) => json!({ "snapshot": state }),
        };
        let mut event = json!({"stream": stream, "type": "Changed", "time": time});
        if let (Some(event), Some(body)) = (event.as_object_mut(), body.as_object()) {
            event.extend(body.clone());
        }
        event.to_string()
    }

    /// The fold, from the definitions: a change that cannot apply leaves the state as it was.
    fn fold(state: &mut Value, change: &Change) {
        match change {
            Change::Merge(data) => json_patch::merge(state, data),
            Change::Add(key, value) => {
                if let Some(object) = state.as_object_mut() {
                    object.insert(key.clone(), value.clone());
                }
            }
            Change::Snapshot(snapshot) => *state = snapshot.clone(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn the_state_after_every_event_is_the_fold_of_the_events_before_it(
            changes in proptest::collection::vec((any::<bool>(), change()), 1..300),
            slice in 1usize..97,
        ) {
            let mut text = String::new();
            let mut expected: Vec<(&str, Value)> = Vec::new();
            let mut states = [Value::Null, Value::Null];
            for (n, (second, change)) in changes.iter().enumerate() {
                let (idx, stream) = if *second { (1, "po-b") } else { (0, "po-a") };
                text.push_str(&line(stream, n, change));
                text.push('\n');
                fold(&mut states[idx], change);
                expected.push((stream, states[idx].clone()));
            }
            let (timeline, _) = from_source(&text, slice);
            let mut positions = std::collections::HashMap::new();
            for (stream, state) in &expected {
                let pos = positions.entry(*stream).or_insert(0usize);
                prop_assert_eq!(&timeline.state_after(stream, Some(*pos)), state, "{} at {}", stream, pos);
                *pos += 1;
            }
        }
    }
}
