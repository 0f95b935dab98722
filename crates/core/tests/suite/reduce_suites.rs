//! The peer suites for JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7396), run as they are
//! through Chronoscope's reducer.

use crate::common;

use chronoscope_core::decode::{decode_text, Format};
use chronoscope_core::reduce;
use chronoscope_core::timeline::Timeline;
use common::corpus_json;
use serde_json::{json, Value};

struct Tally {
    passed: usize,
    failed: Vec<String>,
}

fn run_patch_suite(file: &str) -> Tally {
    let records = corpus_json(file);
    let mut tally = Tally {
        passed: 0,
        failed: Vec::new(),
    };
    for (idx, record) in records.as_array().unwrap().iter().enumerate() {
        if record.get("disabled").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let name = format!(
            "{file}[{idx}] {}",
            record.get("comment").and_then(Value::as_str).unwrap_or("")
        );
        let original = record["doc"].clone();
        let mut doc = original.clone();
        let outcome = serde_json::from_value::<json_patch::Patch>(record["patch"].clone())
            .map_err(|err| err.to_string())
            .and_then(|patch| reduce::apply_patch(&mut doc, &patch).map_err(|e| e.to_string()));
        let ok = match (record.get("expected"), record.get("error"), outcome) {
            (Some(expected), _, Ok(())) => doc == *expected,
            (None, Some(_), Err(_)) => doc == original,
            (None, None, Ok(())) => true,
            _ => false,
        };
        if ok {
            tally.passed += 1;
        } else {
            tally.failed.push(name);
        }
    }
    tally
}

#[test]
fn json_patch_tests_json_passes_through_the_reducer() {
    let tally = run_patch_suite("json-patch/tests.json");
    eprintln!("json-patch/tests.json: {} passed", tally.passed);
    assert_eq!(tally.failed, Vec::<String>::new());
    assert_eq!(tally.passed, 92);
}

#[test]
fn json_patch_spec_tests_pass_through_the_reducer() {
    let tally = run_patch_suite("json-patch/spec_tests.json");
    eprintln!("json-patch/spec_tests.json: {} passed", tally.passed);
    assert_eq!(tally.failed, Vec::<String>::new());
    assert_eq!(tally.passed, 16);
}

/// Applies a merge patch the way replay does: as the `data` of a canonical event.
fn merge_through_replay(doc: &Value, patch: &Value) -> Value {
    let ndjson = format!(
        "{}\n{}\n",
        json!({"stream": "s", "type": "Doc", "time": "2026-01-01T00:00:00Z", "snapshot": doc}),
        json!({"stream": "s", "type": "Merged", "time": "2026-01-01T00:00:01Z", "data": patch}),
    );
    let (decoded, _) = decode_text(&ndjson, Some(Format::Canonical));
    assert!(decoded.problems.is_empty());
    Timeline::build(decoded.events).state_after("s", Some(1))
}

#[test]
fn rfc7396_appendix_a_passes_through_the_merge_reducer() {
    let cases = corpus_json("json-merge-patch/rfc7396-appendix-A.TRANSCRIBED.json");
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 15);
    for case in cases {
        let state = merge_through_replay(&case["doc"], &case["patch"]);
        assert_eq!(state, case["expected"], "{}", case["comment"]);
    }
}

#[test]
fn idubrov_merge_suite_passes_through_the_merge_reducer() {
    let cases = corpus_json("json-merge-patch/idubrov-json-patch-specs-merge_tests.json");
    let cases = cases.as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let state = merge_through_replay(&case["doc"], &case["patch"]);
        assert_eq!(state, case["expected"], "{}", case["comment"]);
    }
}

#[test]
fn leadpony_merge_suites_pass_through_the_merge_reducer() {
    let mut n_cases = 0;
    for file in [
        "json-merge-patch/leadpony-rfc7396-examples.json",
        "json-merge-patch/leadpony-testsuite-json-merge-patch.json",
        "json-merge-patch/leadpony-testsuite-json-merge-diff.json",
    ] {
        for group in corpus_json(file).as_array().unwrap() {
            for test in group["tests"].as_array().unwrap() {
                let state = merge_through_replay(&group["source"], &test["patch"]);
                assert_eq!(state, test["target"], "{file}: {}", test["description"]);
                n_cases += 1;
            }
        }
    }
    eprintln!("leadpony merge suites: {n_cases} passed");
    assert!(n_cases > 30, "only {n_cases} cases found");
}

/// Indexing a record only checks its patch, and replay reads it operation by operation; every
/// patch of the peer suites (disabled ones too) gets the same verdict, and the same operations,
/// as json-patch's own reading.
#[test]
fn the_indexing_check_of_a_patch_agrees_with_json_patch_on_every_suite_patch() {
    use chronoscope_core::decode::canonical::{decode_change, decode_lean};
    use chronoscope_core::event::Change;
    let mut n_checked = 0;
    let mut n_rejected = 0;
    for file in ["json-patch/tests.json", "json-patch/spec_tests.json"] {
        for record in corpus_json(file).as_array().unwrap() {
            let Some(patch) = record.get("patch") else {
                continue;
            };
            let line =
                json!({"stream": "s", "type": "T", "time": "2026-01-01T00:00:00Z", "patch": patch})
                    .to_string();
            let by_json_patch = serde_json::from_value::<json_patch::Patch>(patch.clone()).ok();
            assert_eq!(
                decode_lean(&line).is_some(),
                by_json_patch.is_some(),
                "{patch}"
            );
            let read = decode_change(&line).map(|(change, _)| change);
            assert_eq!(read, by_json_patch.clone().map(Change::Patch), "{patch}");
            let by_json_patch = by_json_patch.is_some();
            n_checked += 1;
            n_rejected += usize::from(!by_json_patch);
        }
    }
    eprintln!("{n_checked} suite patches checked, {n_rejected} rejected by both");
    assert!(n_checked > 100 && n_rejected > 5);
}
