//! The trail across streams (`trail=1`, issue 11): on the demo, every delivered PO's approval,
//! delivery badge and receipts form one trail, equal to a brute-force scan of every event, with
//! causation drawn as a tree; ids are found where each format keeps them, and configured ones
//! are used; cycles and long chains of causes neither hang nor overflow.

use std::collections::BTreeSet;

use chronoscope_core::decode::mapping::Mapping;
use chronoscope_core::decode::{DecodeOptions, Format};
use chronoscope_core::ingest::{Ingest, Outcome, Setup};
use chronoscope_core::projection::{Projection, ProjectionError};
use chronoscope_core::timeline::Timeline;
use chronoscope_core::trail::{trail_of, trail_pointers, Trail, TrailEntry, TrailPointers};
use chronoscope_samples::demo::demo_ndjson;

fn read(text: &str, setup: Setup) -> Outcome {
    let outcome = Ingest::read_all(setup, text);
    assert_eq!(outcome.problems, vec![]);
    outcome
}

fn canonical(text: &str) -> Timeline {
    let setup = Setup {
        format: Some(Format::Canonical),
        ..Setup::default()
    };
    read(text, setup).timeline
}

fn found(trail: Trail) -> (String, Vec<TrailEntry>) {
    match trail {
        Trail::Found {
            correlation,
            entries,
        } => (correlation, entries),
        other => panic!("no trail: {other:?}"),
    }
}

fn describe(timeline: &Timeline, entries: &[TrailEntry]) -> Vec<(String, String, usize)> {
    entries
        .iter()
        .map(|e| {
            let head = timeline.head(e.log_idx);
            (head.stream.to_string(), head.kind.to_string(), e.depth)
        })
        .collect()
}

#[test]
fn a_delivered_po_is_one_trail_from_approval_to_badge_to_receipts_on_the_demo() {
    let timeline = canonical(&demo_ndjson());
    let pointers = TrailPointers::for_format(Format::Canonical);
    let approval = (0..timeline.len())
        .find(|&i| timeline.head(i).stream == "po-1029" && timeline.head(i).kind == "PoApproved")
        .unwrap();
    let (correlation, entries) = found(trail_of(&timeline, approval, &pointers));
    assert_eq!(correlation, "fulfil-PO-1029");
    let described = describe(&timeline, &entries);
    assert_eq!(
        described[..2],
        [
            ("po-1029".into(), "PoApproved".into(), 0),
            ("badge-po-1029".into(), "BadgeIssued".into(), 1),
        ]
    );
    assert!(described.len() >= 3, "{described:?}");
    for receipt in &described[2..] {
        assert_eq!(receipt, &("po-1029".into(), "PoReceived".into(), 2));
    }
    // The badge names the approval as its cause; every receipt names the badge.
    assert_eq!(entries[1].caused_by, Some(0));
    assert!(entries[2..].iter().all(|e| e.caused_by == Some(1)));
}

#[test]
fn every_trail_of_the_demo_holds_exactly_the_events_a_brute_force_scan_finds() {
    let timeline = canonical(&demo_ndjson());
    let pointers = TrailPointers::for_format(Format::Canonical);
    let events = timeline.all_events().collect::<Vec<_>>();
    let correlation_of = |i: usize| {
        events[i]
            .meta
            .get("correlation_id")
            .and_then(|v| v.as_str())
    };
    let ids: BTreeSet<&str> = (0..events.len()).filter_map(correlation_of).collect();
    assert!(ids.len() >= 20, "{} trails in the demo", ids.len());
    for id in ids {
        let expected: Vec<usize> = (0..events.len())
            .filter(|&i| correlation_of(i) == Some(id))
            .collect();
        let (correlation, entries) = found(trail_of(&timeline, expected[0], &pointers));
        assert_eq!(correlation, id);
        let mut got: Vec<usize> = entries.iter().map(|e| e.log_idx).collect();
        got.sort();
        assert_eq!(got, expected, "{id}");
        // A tree: each entry's cause comes before it and is one level up.
        for (k, entry) in entries.iter().enumerate() {
            match entry.caused_by {
                Some(parent) => {
                    assert!(parent < k);
                    assert_eq!(entries[parent].depth + 1, entry.depth);
                }
                None => assert_eq!(entry.depth, 0),
            }
        }
    }
}

#[test]
fn an_event_without_a_correlation_id_says_where_it_looked() {
    let timeline = canonical(&demo_ndjson());
    let pointers = TrailPointers::for_format(Format::Canonical);
    let created = (0..timeline.len())
        .find(|&i| timeline.head(i).kind == "PoCreated")
        .unwrap();
    assert_eq!(
        trail_of(&timeline, created, &pointers),
        Trail::NoCorrelation {
            looked_at: pointers.correlation.clone()
        }
    );
}

#[test]
fn axon_reads_its_trace_id_as_the_correlation() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/axon-domain-event-entry.json"
    ))
    .unwrap();
    let outcome = read(&text, Setup::default());
    assert_eq!(outcome.detection.format, Format::Axon);
    let pointers = trail_pointers(None, Format::Axon);
    let timeline = &outcome.timeline;
    let first = (0..timeline.len())
        .find(|&i| timeline.head(i).id == Some("e-10"))
        .unwrap();
    let (correlation, entries) = found(trail_of(timeline, first, &pointers));
    assert_eq!((correlation.as_str(), entries.len()), ("t-1", 1));
}

#[test]
fn a_projection_and_a_mapping_say_where_the_ids_are() {
    let projection = Projection::parse(
        r#"{"trail": {"correlation": ["/data/order"], "causation": ["/meta/after"]}}"#,
    )
    .unwrap();
    let pointers = trail_pointers(Some(&projection), Format::Canonical);
    let text = [
        r#"{"stream":"a","version":1,"id":"x1","type":"Ordered","time":"2026-01-01T00:00:00Z","data":{"order":"O-7"}}"#,
        r#"{"stream":"b","version":1,"id":"x2","type":"Picked","time":"2026-01-02T00:00:00Z","data":{"order":"O-7"},"meta":{"after":"x1"}}"#,
        r#"{"stream":"c","version":1,"id":"x3","type":"Other","time":"2026-01-03T00:00:00Z","data":{"order":"O-8"}}"#,
    ]
    .join("\n");
    let timeline = canonical(&text);
    let (_, entries) = found(trail_of(&timeline, 1, &pointers));
    assert_eq!(
        describe(&timeline, &entries),
        [
            ("a".into(), "Ordered".into(), 0),
            ("b".into(), "Picked".into(), 1)
        ]
    );
    assert_eq!(
        Projection::parse(r#"{"trail": {"correlation": ["/stream"]}}"#).unwrap_err(),
        ProjectionError::TrailPointer {
            pointer: "/stream".into()
        }
    );

    // A mapping's `correlation` and `causation` land where the defaults look.
    let mapping: Mapping = serde_json::from_str(
        r#"{"stream": "/po", "type": "/action", "time": "/at", "id": "/id", "data": "/new", "correlation": "/request", "causation": "/parent"}"#,
    )
    .unwrap();
    let rows = r#"[{"po": "PO-1", "action": "approve", "at": "2026-01-01T00:00:00Z", "id": 1, "new": {}, "request": "req-9"},
                   {"po": "BADGE-4", "action": "issue", "at": "2026-01-02T00:00:00Z", "id": 2, "new": {}, "request": "req-9", "parent": 1}]"#;
    let setup = Setup {
        format: Some(Format::Mapping),
        options: DecodeOptions {
            mapping: Some(mapping),
            ..DecodeOptions::default()
        },
        ..Setup::default()
    };
    let outcome = read(rows, setup);
    let pointers = trail_pointers(None, Format::Mapping);
    let (correlation, entries) = found(trail_of(&outcome.timeline, 0, &pointers));
    assert_eq!(correlation, "req-9");
    assert_eq!(entries.iter().map(|e| e.depth).collect::<Vec<_>>(), [0, 1]);
}

#[test]
fn causation_cycles_and_long_chains_neither_hang_nor_overflow() {
    // Three events that each name the next as their cause, and 100,000 in one chain.
    let line = |n: usize, cause: usize| {
        format!(
            r#"{{"stream":"s{n}","version":1,"id":"e{n}","type":"T","time":"2026-01-01T00:00:00Z","meta":{{"correlation_id":"c","causation_id":"e{cause}"}}}}"#
        )
    };
    let cycle: Vec<String> = (0..3).map(|n| line(n, (n + 1) % 3)).collect();
    let timeline = canonical(&cycle.join("\n"));
    let pointers = TrailPointers::for_format(Format::Canonical);
    let (_, entries) = found(trail_of(&timeline, 0, &pointers));
    assert_eq!(entries.len(), 3, "each event is placed once");
    let n = 100_000;
    let chain: Vec<String> = (0..n).map(|k| line(k, k.saturating_sub(1))).collect();
    let timeline = canonical(&chain.join("\n"));
    let (_, entries) = found(trail_of(&timeline, 0, &pointers));
    assert_eq!(entries.len(), n);
    assert_eq!(entries.last().map(|e| e.depth), Some(n - 1));
}

#[test]
fn a_trail_is_in_time_order_even_where_the_log_is_not() {
    // Four events of one trail written out of time order, none caused by another.
    let line = |stream: &str, day: u32| {
        format!(
            r#"{{"stream":"{stream}","version":1,"id":"{stream}","type":"T","time":"2026-01-{day:02}T00:00:00Z","meta":{{"correlation_id":"c"}}}}"#
        )
    };
    let text = [
        line("d", 4),
        line("b", 2),
        line("c", 3),
        line("a", 1),
        line("e", 2),
    ]
    .join("\n");
    let timeline = canonical(&text);
    let (_, entries) = found(trail_of(
        &timeline,
        0,
        &TrailPointers::for_format(Format::Canonical),
    ));
    let streams: Vec<&str> = entries
        .iter()
        .map(|e| timeline.head(e.log_idx).stream)
        .collect();
    assert_eq!(
        streams,
        ["a", "b", "e", "c", "d"],
        "ties keep the log's order"
    );
}
