//! Integrity checks: EventSourcingDB's hash chain on its own test vectors and tampered copies of
//! them, a chain described in a projection, the structural checks, and hash-pinned links.

use crate::common;

use std::sync::Arc;

use chronoscope_core::decode::Format;
use chronoscope_core::ingest::{Ingest, Outcome, Setup};
use chronoscope_core::integrity::chain::esdb_link;
use chronoscope_core::integrity::pin::{check_pin, pin, PinCheck};
use chronoscope_core::integrity::{check, Report};
use chronoscope_core::projection::{Projection, ProjectionError};
use common::corpus_path;

fn vectors() -> Vec<String> {
    let text = std::fs::read_to_string(corpus_path("eventsourcingdb/backup-testvectors.ndjson"))
        .expect("the vectors are readable");
    text.lines().map(str::to_string).collect()
}

fn load(text: &str, projection: Option<Projection>) -> Outcome {
    let setup = Setup {
        projection: projection.map(Arc::new),
        ..Setup::default()
    };
    Ingest::read_all(setup, text)
}

fn report_of(text: &str) -> Report {
    let outcome = load(text, None);
    check(
        &outcome.timeline,
        outcome.detection.format,
        &outcome.problems,
    )
}

/// `(kind, stream, version)` of every finding.
fn findings(report: &Report) -> Vec<(&'static str, String, u64)> {
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.kind.key(),
                f.stream.clone().unwrap_or_default(),
                f.version.unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn the_eventsourcingdb_vectors_are_detected_and_verify() {
    let outcome = load(&vectors().join("\n"), None);
    assert_eq!(outcome.detection.format, Format::EventSourcingDb);
    assert_eq!(outcome.problems, vec![]);
    assert_eq!(outcome.timeline.len(), 5);
    let report = check(&outcome.timeline, Format::EventSourcingDb, &[]);
    assert_eq!(report.findings, vec![]);
    assert_eq!(report.result, "intact");
    assert_eq!(report.n_chained, 5);
    assert_eq!(
        report.summary,
        format!(
            "verified: 5 events, {} streams, chain intact",
            outcome.timeline.n_streams()
        )
    );
}

#[test]
fn each_vector_line_hashes_to_the_hash_it_carries() {
    for line in vectors() {
        let link = esdb_link(&line).expect("each vector is an event line with a hash");
        assert_eq!(link.computed.as_deref(), Some(link.stored.as_str()));
    }
}

#[test]
fn a_changed_byte_in_an_events_data_is_a_hash_mismatch_at_that_event_only() {
    let mut lines = vectors();
    lines[2] = lines[2].replace(
        r#""data":{"username":"arno"}"#,
        r#""data":{"username":"arnp"}"#,
    );
    let report = report_of(&lines.join("\n"));
    assert_eq!(
        findings(&report),
        vec![("hash-mismatch", "/users/arno".into(), 1)]
    );
    assert_eq!(report.result, "findings");
    assert!(report
        .summary
        .starts_with("1 finding: 1 manipulation in 5 events"));
}

#[test]
fn a_changed_event_whose_hash_was_rewritten_to_match_breaks_the_next_link() {
    let mut lines = vectors();
    let tampered = lines[2].replace(r#""username":"arno""#, r#""username":"arne""#);
    let link = esdb_link(&tampered).expect("still an event line");
    let rehashed = link.computed.expect("the hash can be computed");
    lines[2] = tampered.replace(&link.stored, &rehashed);
    let outcome = load(&lines.join("\n"), None);
    let report = check(&outcome.timeline, outcome.detection.format, &[]);
    let next = outcome.timeline.head(3);
    assert_eq!(
        findings(&report),
        vec![("broken-link", next.stream.to_string(), next.version)]
    );
}

#[test]
fn a_removed_event_breaks_the_link_of_the_one_after_it() {
    let mut lines = vectors();
    lines.remove(1);
    let outcome = load(&lines.join("\n"), None);
    let report = check(&outcome.timeline, outcome.detection.format, &[]);
    let after = outcome.timeline.head(1);
    assert_eq!(
        findings(&report),
        vec![("broken-link", after.stream.to_string(), after.version)]
    );
}

#[test]
fn two_swapped_events_break_the_links_into_after_and_out_of_them() {
    let mut lines = vectors();
    lines.swap(2, 3);
    let outcome = load(&lines.join("\n"), None);
    let report = check(&outcome.timeline, outcome.detection.format, &[]);
    let kinds: Vec<(&str, Option<usize>)> = report
        .findings
        .iter()
        .map(|f| (f.kind.key(), f.log_idx))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("broken-link", Some(2)),
            ("broken-link", Some(3)),
            ("time-reversal", Some(3)),
            ("broken-link", Some(4))
        ]
    );
}

/// Canonical events chained per stream by `meta.hash` over four of their fields.
fn chained_stream(tamper: impl Fn(usize, &mut serde_json::Value)) -> String {
    use chronoscope_core::integrity::chain::{fields_text, sha256_hex};
    let fields: Vec<String> = ["/stream", "/version", "/data", "/meta/prev"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut previous = String::from("genesis");
    let mut lines = Vec::new();
    for version in 1..=4u64 {
        let mut record = serde_json::json!({
            "stream": "ledger", "version": version, "type": "Posted",
            "time": format!("2026-03-0{version}T10:00:00Z"),
            "data": {"amount": version * 100},
            "meta": {"prev": previous},
        });
        let text = record.to_string();
        let hash = sha256_hex(fields_text(&text, &fields).expect("fields").as_bytes());
        record["meta"]["hash"] = serde_json::json!(hash);
        tamper(version as usize, &mut record);
        previous = hash;
        lines.push(record.to_string());
    }
    lines.join("\n")
}

fn ledger_projection() -> Projection {
    Projection::parse(
        r#"{"chain": {"hash": "/meta/hash", "previous": "/meta/prev", "per_stream": true,
            "over_fields": ["/stream", "/version", "/data", "/meta/prev"]}}"#,
    )
    .expect("a valid projection")
}

#[test]
fn a_chain_described_in_the_projection_verifies_and_finds_a_changed_amount() {
    let intact = load(&chained_stream(|_, _| {}), Some(ledger_projection()));
    let report = check(&intact.timeline, Format::Canonical, &[]);
    assert_eq!(report.findings, vec![]);
    assert_eq!(report.result, "intact");
    assert_eq!(report.n_chained, 4);

    let tampered = chained_stream(|version, record| {
        if version == 2 {
            record["data"]["amount"] = serde_json::json!(999);
        }
    });
    let outcome = load(&tampered, Some(ledger_projection()));
    let report = check(&outcome.timeline, Format::Canonical, &[]);
    assert_eq!(
        findings(&report),
        vec![("hash-mismatch", "ledger".into(), 2)]
    );
}

#[test]
fn without_a_chain_the_report_says_what_it_did_not_check() {
    let text = r#"{"stream":"a","version":1,"type":"X","time":"2026-01-01T00:00:00Z","data":{}}"#;
    let report = report_of(text);
    assert_eq!(report.result, "unchecked");
    assert_eq!(
        report.summary,
        "no findings in 1 event, 1 stream; not verified: no hash chain in this source"
    );
    assert!(report
        .not_checked
        .contains(&"hash chain: no hash chain in this source".to_string()));
}

#[test]
fn gaps_repeats_reversed_times_repeated_ids_and_events_after_a_delete_are_found() {
    let lines = [
        r#"{"stream":"po-1","version":1,"id":"e1","type":"Created","time":"2026-01-01T10:00:00Z","data":{"n":1}}"#,
        r#"{"stream":"po-1","version":2,"id":"e2","type":"Changed","time":"2026-01-01T11:00:00Z","data":{"n":2}}"#,
        r#"{"stream":"po-1","version":5,"id":"e3","type":"Changed","time":"2026-01-01T12:00:00Z","data":{"n":3}}"#,
        r#"{"stream":"po-1","version":5,"id":"e4","type":"Changed","time":"2026-01-01T09:00:00Z","data":{"n":4}}"#,
        r#"{"stream":"po-2","version":1,"id":"e1","type":"Created","time":"2026-01-02T10:00:00Z","data":{"n":1}}"#,
        r#"{"stream":"po-2","version":2,"id":"e6","type":"Deleted","time":"2026-01-02T11:00:00Z","snapshot":null}"#,
        r#"{"stream":"po-2","version":3,"id":"e7","type":"Changed","time":"2026-01-02T12:00:00Z","data":{"n":5}}"#,
    ];
    let report = report_of(&lines.join("\n"));
    let mut found = findings(&report);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("after-delete", "po-2".into(), 3),
            ("duplicate-id", "po-2".into(), 1),
            ("duplicate-version", "po-1".into(), 5),
            ("time-reversal", "po-1".into(), 5),
            ("version-gap", "po-1".into(), 5),
        ]
    );
    let gap = report
        .findings
        .iter()
        .find(|f| f.kind.key() == "version-gap")
        .expect("a gap");
    assert_eq!(gap.message, "version gap: 2 versions missing after v2");
}

#[test]
fn a_download_that_broke_off_makes_the_source_incomplete() {
    use chronoscope_core::problem::{Place, Problem, ProblemKind};
    let mut ingest = Ingest::new(Setup::default());
    ingest.feed(
        b"{\"stream\":\"a\",\"type\":\"X\",\"time\":\"2026-01-01T00:00:00Z\",\"data\":{}}\n{\"str",
    );
    ingest.broke_off(Problem::new(
        Place::Source,
        ProblemKind::BrokeOff("network error".into()),
    ));
    ingest.run();
    let outcome = ingest.into_outcome();
    let report = check(&outcome.timeline, Format::Canonical, &outcome.problems);
    let kinds: Vec<&str> = report.findings.iter().map(|f| f.kind.key()).collect();
    assert_eq!(kinds, vec!["incomplete", "incomplete"]);
}

const PO: [&str; 3] = [
    r#"{"stream":"po-1","version":1,"type":"Created","time":"2026-01-01T10:00:00Z","data":{"total":10}}"#,
    r#"{"stream":"po-1","version":2,"type":"Changed","time":"2026-01-01T11:00:00Z","data":{"total":1250.50}}"#,
    r#"{"stream":"po-1","version":3,"type":"Approved","time":"2026-01-01T12:00:00Z","data":{"status":"approved"}}"#,
];

fn pin_of(text: &str, pos: usize) -> String {
    let outcome = load(text, None);
    pin(&outcome.timeline, "po-1", pos).expect("a pin").hash
}

#[test]
fn the_pin_is_the_same_across_reloads_and_containers() {
    let ndjson = PO.join("\n");
    let crlf = PO.join("\r\n") + "\r\n";
    let array = format!("[\n  {},\n  {},\n  {}\n]", PO[0], PO[1], PO[2]);
    let pinned = pin_of(&ndjson, 1);
    assert_eq!(pinned.len(), 16);
    assert!(pinned.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(pin_of(&ndjson, 1), pinned, "a reload");
    assert_eq!(pin_of(&crlf, 1), pinned, "CRLF lines");
    assert_eq!(pin_of(&array, 1), pinned, "a JSON array");
    assert_ne!(pin_of(&ndjson, 2), pinned, "a later moment");
}

#[test]
fn the_pin_rule_is_sha256_over_rfc7464_frames_of_the_records() {
    use chronoscope_core::integrity::chain::sha256_hex;
    let framed = format!("\u{1e}{}\n\u{1e}{}\n", PO[0], PO[1]);
    assert_eq!(
        pin_of(&PO.join("\n"), 1),
        sha256_hex(framed.as_bytes())[..16]
    );
}

#[test]
fn opening_a_pinned_link_says_same_changed_at_which_version_or_missing() {
    let original = load(&PO.join("\n"), None);
    let made = pin(&original.timeline, "po-1", 2).expect("a pin");
    let check_on = |text: &str, pos: Option<usize>| {
        let outcome = load(text, None);
        check_pin(
            &outcome.timeline,
            "po-1",
            pos,
            &made.hash,
            Some(&made.marks),
        )
    };
    assert_eq!(check_on(&PO.join("\n"), Some(2)), PinCheck::Same);
    let appended = format!(
        "{}\n{}",
        PO.join("\n"),
        r#"{"stream":"po-1","version":4,"type":"Closed","time":"2026-01-02T12:00:00Z","data":{}}"#
    );
    assert_eq!(
        check_on(&appended, Some(2)),
        PinCheck::Same,
        "events after the moment"
    );
    let changed = PO.join("\n").replace("1250.50", "1250.5");
    let found = check_on(&changed, Some(2));
    assert_eq!(
        found,
        PinCheck::Changed {
            first: Some(1),
            within: None,
            version: Some(2)
        }
    );
    assert_eq!(
        found.message(),
        "the stream changed before this moment: the first event that differs is v2"
    );
    assert_eq!(check_on(&PO[..2].join("\n"), None), PinCheck::Missing);
}

#[test]
fn on_a_long_stream_the_checkpoints_narrow_the_change_to_a_range() {
    let line = |v: u64, total: u64| {
        format!(
            r#"{{"stream":"po-1","version":{v},"type":"Changed","time":"2026-01-01T10:00:00Z","data":{{"total":{total}}}}}"#
        )
    };
    let text: Vec<String> = (1..=200).map(|v| line(v, v)).collect();
    let original = load(&text.join("\n"), None);
    let made = pin(&original.timeline, "po-1", 199).expect("a pin");
    let mut changed = text.clone();
    changed[100] = line(101, 7);
    let outcome = load(&changed.join("\n"), None);
    let found = check_pin(
        &outcome.timeline,
        "po-1",
        Some(199),
        &made.hash,
        Some(&made.marks),
    );
    let PinCheck::Changed {
        within: Some((from, to)),
        ..
    } = found
    else {
        panic!("expected a range, found {found:?}");
    };
    assert!(from <= 100 && 100 <= to && to - from < 4, "{from}..{to}");
}

#[test]
fn a_chain_with_another_algorithm_is_refused_by_name() {
    let refused = Projection::parse(
        r#"{"chain": {"hash": "/h", "previous": "/p", "algorithm": "md5", "over_bytes": "/data"}}"#,
    );
    let refused = refused.unwrap_err();
    assert_eq!(
        refused,
        ProjectionError::ChainAlgorithm {
            algorithm: "md5".into()
        }
    );
    assert_eq!(
        refused.to_string(),
        "the chain's algorithm `md5` is not sha256"
    );
    let neither = Projection::parse(r#"{"chain": {"hash": "/h", "previous": "/p"}}"#);
    assert_eq!(neither.unwrap_err(), ProjectionError::ChainOver);
}

#[test]
fn a_chain_over_the_bytes_of_one_value_finds_a_changed_byte_there() {
    use chronoscope_core::integrity::chain::sha256_hex;
    let data = r#"{"amount":100}"#;
    let record = |data: &str, hash: &str| {
        format!(
            r#"{{"stream":"s","version":1,"type":"T","time":"2026-01-01T00:00:00Z","data":{data},"meta":{{"prev":"0","hash":"{hash}"}}}}"#
        )
    };
    let hash = sha256_hex(data.as_bytes());
    let projection = || {
        Projection::parse(
            r#"{"chain": {"hash": "/meta/hash", "previous": "/meta/prev", "over_bytes": "/data"}}"#,
        )
        .expect("valid")
    };
    let intact = load(&record(data, &hash), Some(projection()));
    let report = check(&intact.timeline, Format::Canonical, &[]);
    assert_eq!((report.result, report.n_chained), ("intact", 1));
    let changed = load(&record(r#"{"amount":101}"#, &hash), Some(projection()));
    let report = check(&changed.timeline, Format::Canonical, &[]);
    assert_eq!(findings(&report), vec![("hash-mismatch", "s".into(), 1)]);
}

#[test]
fn the_checks_run_a_slice_at_a_time_give_the_same_report_as_at_once() {
    use chronoscope_core::integrity::Checker;
    use chronoscope_samples::demo::{demo_ndjson, demo_projection};
    let mut tampered = vectors();
    tampered.swap(1, 2);
    let sources = [
        (
            demo_ndjson(),
            Some(Projection::parse(&demo_projection()).expect("valid")),
        ),
        (tampered.join("\n"), None),
        (
            chained_stream(|v, r| {
                if v == 3 {
                    r["data"]["amount"] = serde_json::json!(1)
                }
            }),
            Some(ledger_projection()),
        ),
    ];
    for (text, projection) in sources {
        let outcome = load(&text, projection);
        let at_once = check(
            &outcome.timeline,
            outcome.detection.format,
            &outcome.problems,
        );
        assert!(at_once.n_chained > 0);
        for budget in [1, 7, 250] {
            let mut checker = Checker::new(
                &outcome.timeline,
                outcome.detection.format,
                &outcome.problems,
            );
            let mut n_steps = 0;
            while !checker.step(budget) {
                n_steps += 1;
            }
            assert!(
                budget > 1 || n_steps >= outcome.timeline.len(),
                "{n_steps} steps"
            );
            assert_eq!(checker.finish(), at_once, "budget {budget}");
        }
    }
}

#[test]
fn the_benchmark_s_eventsourcingdb_lines_verify_as_a_chain() {
    let text = chronoscope_samples::bench_data::esdb_ndjson(500);
    let outcome = load(&text, None);
    assert_eq!(outcome.detection.format, Format::EventSourcingDb);
    let report = check(
        &outcome.timeline,
        outcome.detection.format,
        &outcome.problems,
    );
    assert_eq!((report.result, report.n_chained), ("intact", 500));
    assert_eq!(outcome.timeline.n_streams(), 10);
}

#[test]
fn cloudevents_from_two_sources_may_share_an_id_and_the_report_says_ids_were_not_compared() {
    let text = [
        r#"{"specversion":"1.0","id":"1","source":"/erp","subject":"po-1","type":"po.created","time":"2026-01-01T00:00:00Z","data":{"n":1}}"#,
        r#"{"specversion":"1.0","id":"1","source":"/badges","subject":"badge-1","type":"badge.requested","time":"2026-01-01T00:00:01Z","data":{"n":1}}"#,
    ]
    .join("\n");
    let report = report_of(&text);
    assert_eq!(report.findings, vec![]);
    assert!(report
        .not_checked
        .iter()
        .any(|line| line.starts_with("repeated event ids: ids of CloudEvents 1.0")));
}

/// A record changed where its 12-bit mark happens to agree, and no mark after it differs, is
/// a change the pin finds but cannot place (proptest found these amounts).
#[test]
fn a_change_whose_marks_all_agree_is_found_but_not_located() {
    let record = |version: u32, amount: u32| {
        format!(
            r#"{{"stream":"po-1","version":{version},"type":"Changed","time":"2026-01-01T10:00:00Z","data":{{"amount":{amount}}}}}"#
        )
    };
    let made = pin(
        &load(
            &[record(1, 1653310628), record(2, 3091835344)].join("\n"),
            None,
        )
        .timeline,
        "po-1",
        1,
    )
    .expect("a pin");
    let tampered = load(
        &[record(1, 1653310628), record(2, 3091835345)].join("\n"),
        None,
    );
    let found = check_pin(
        &tampered.timeline,
        "po-1",
        Some(1),
        &made.hash,
        Some(&made.marks),
    );
    assert_eq!(
        found,
        PinCheck::Changed {
            first: None,
            within: None,
            version: None
        }
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn record(version: usize, amount: u32) -> String {
        format!(
            r#"{{"stream":"po-1","version":{version},"type":"Changed","time":"2026-01-01T10:00:00Z","data":{{"amount":{amount}}}}}"#
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The pin depends on the records only: NDJSON and a pretty JSON array of the same
        /// records pin alike. A record changed at `j` is found at `j`, or, when its 12-bit mark
        /// happens to agree, later or nowhere: never before it.
        #[test]
        fn a_changed_record_is_never_located_before_it_changed(
            amounts in proptest::collection::vec(any::<u32>(), 1..64),
            changed in any::<prop::sample::Index>(),
        ) {
            let records: Vec<String> = amounts.iter().enumerate().map(|(i, &a)| record(i + 1, a)).collect();
            let last = records.len() - 1;
            let ndjson = load(&records.join("\n"), None);
            let array = load(&format!("[\n  {}\n]", records.join(",\n  ")), None);
            let made = pin(&ndjson.timeline, "po-1", last).expect("a pin");
            prop_assert_eq!(&pin(&array.timeline, "po-1", last).expect("a pin"), &made);

            let j = changed.index(records.len());
            let mut tampered = records.clone();
            tampered[j] = record(j + 1, amounts[j].wrapping_add(1));
            let outcome = load(&tampered.join("\n"), None);
            let found = check_pin(&outcome.timeline, "po-1", Some(last), &made.hash, Some(&made.marks));
            let PinCheck::Changed { first, .. } = found else {
                return Err(TestCaseError::fail(format!("expected a change, found {found:?}")));
            };
            // `None`: every mark from `j` on happened to agree (one chance in 4,096 for each),
            // so the change is found but not located; as with `amounts = [1653310628,
            // 3091835344]` changed at its last record.
            prop_assert!(first.is_none_or(|first| first >= j), "located at {first:?}, changed at {j}");
        }

        /// In a chain a projection describes, a changed amount at any event is a hash mismatch
        /// at that event and nowhere else.
        #[test]
        fn a_changed_amount_anywhere_in_a_chain_is_a_mismatch_there_only(at in 1usize..=4) {
            let tampered = chained_stream(|version, record| {
                if version == at {
                    record["data"]["amount"] = serde_json::json!(7);
                }
            });
            let outcome = load(&tampered, Some(ledger_projection()));
            let report = check(&outcome.timeline, Format::Canonical, &[]);
            prop_assert_eq!(findings(&report), vec![("hash-mismatch", "ledger".to_string(), at as u64)]);
        }
    }
}

#[test]
fn eventsourcingdb_lines_pin_alike_as_ndjson_and_as_a_json_array() {
    let lines = vectors();
    let ndjson = load(&lines.join("\n"), None);
    let array = load(&format!("[{}]", lines.join(",")), None);
    assert_eq!(array.detection.format, Format::EventSourcingDb);
    for stream in ["/users/anne", "/users/arno"] {
        assert_eq!(
            pin(&ndjson.timeline, stream, 1),
            pin(&array.timeline, stream, 1),
            "{stream}"
        );
    }
    assert!(pin(&ndjson.timeline, "/users/anne", 1).is_some());
}
