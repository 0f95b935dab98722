//! The `chronoscope` command run as a person or a script runs it: on EventSourcingDB's own
//! hash-chain test vectors (as shipped, and with one character changed), on the bundled demo,
//! and on an evidence pack the engine writes (as written, and with one byte changed). Each test
//! checks the exit status and what was written. `serve` is asked over a WebSocket (`serve`).

mod serve;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chronoscope_core::engine::Engine;
use chronoscope_protocol::{Answer, Envelope, EvidenceRequest, Request};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn vectors() -> PathBuf {
    root().join("../shared/corpus/eventsourcingdb/backup-testvectors.ndjson")
}

fn demo() -> PathBuf {
    root().join("demo/cambium-demo.ndjson")
}

fn chronoscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chronoscope"))
        .args(args)
        .output()
        .expect("the command runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch folder of this test's own, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

#[test]
fn check_passes_a_verified_hash_chain_and_fails_it_with_one_character_changed() {
    let out = chronoscope(&["check", arg(&vectors())]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("5 events, 3 streams"), "{report}");
    assert!(report.contains("integrity: intact"), "{report}");

    let shipped = std::fs::read_to_string(vectors()).expect("the vectors");
    let changed = shipped.replacen("/users/arno", "/users/arnO", 1);
    assert_ne!(changed, shipped);
    let dir = scratch("check");
    let tampered = dir.join("tampered.ndjson");
    std::fs::write(&tampered, changed).expect("written");
    let out = chronoscope(&["check", arg(&tampered)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("integrity: findings"));

    let out = chronoscope(&["check", "--json", arg(&tampered)]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["clean"], false);
    assert_eq!(report["integrity"]["result"], "findings");
    assert!(report["integrity"]["n_findings"].as_u64() >= Some(1));
    assert_eq!(report["events"]["n_events"], 5);
}

#[test]
fn check_counts_a_line_it_cannot_read_as_a_problem_and_fails() {
    let dir = scratch("problems");
    let source = dir.join("broken.ndjson");
    let mut text_in = std::fs::read_to_string(demo()).expect("the demo");
    text_in.push_str("{\"stream\": \"po-9\", \"type\":\n");
    std::fs::write(&source, text_in).expect("written");
    let out = chronoscope(&["check", "--json", arg(&source)]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["events"]["n_problems"], 1);
    let problem = report["events"]["problems"][0].as_str().unwrap_or_default();
    assert!(problem.starts_with("line 1972"), "{problem}");
}

#[test]
fn state_prints_a_stream_at_a_moment_and_at_a_version() {
    let demo = demo();
    let args = ["state", arg(&demo), "--stream", "po-1017"];
    let out = chronoscope(&[&args[..], &["--at", "2026-02-01T00:00:00Z", "--json"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let at: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(at["stream"], "po-1017");
    assert_eq!(at["version"], 6);
    assert_eq!(at["time"], "2026-01-31T22:42:00Z");
    assert_eq!(at["state"]["poNumber"], "PO-1017");

    let out = chronoscope(&[&args[..], &["--version", "1"]].concat());
    assert_eq!(out.status.code(), Some(0));
    let first: Value = serde_json::from_slice(&out.stdout).expect("the state as JSON");
    assert_eq!(first["status"], "draft");
    assert!(text(&out.stderr).contains("po-1017 after version 1"));
}

#[test]
fn history_lists_a_streams_events_up_to_a_moment_with_what_each_changed() {
    let demo = demo();
    let lines = std::fs::read_to_string(&demo).expect("the demo");
    let of_stream: Vec<Value> = lines
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|event| event["stream"] == "po-1017")
        .collect();
    let until = "2026-02-01T00:00:00Z";
    let before: Vec<&Value> = of_stream
        .iter()
        .filter(|event| event["time"].as_str().is_some_and(|time| time <= until))
        .collect();
    let args = ["history", arg(&demo), "--stream", "po-1017", "--at", until];
    let out = chronoscope(&[&args[..], &["--json"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let history: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let events = history["events"].as_array().expect("events");
    let versions: Vec<&Value> = events.iter().map(|e| &e["version"]).collect();
    let expected: Vec<&Value> = before.iter().map(|e| &e["version"]).collect();
    assert_eq!(versions, expected);
    assert_eq!(history["n_after"], of_stream.len() - before.len());
    assert_eq!(events[0]["type"], before[0]["type"]);
    let first: Vec<&str> = events[0]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(first.contains(&r#"add /poNumber: "PO-1017""#), "{first:?}");
    assert!(
        events
            .iter()
            .all(|e| e["changes"].as_array().is_some_and(|c| !c.is_empty())),
        "every event of a purchase order changes it"
    );

    // For people: an event a line, its changes indented under it; the counts on stderr.
    let out = chronoscope(&args);
    assert_eq!(out.status.code(), Some(0));
    let printed = text(&out.stdout);
    assert!(printed.starts_with("v1\t"), "{printed}");
    assert!(
        printed.contains("\n\tadd /poNumber: \"PO-1017\"\n"),
        "{printed}"
    );
    let summary = text(&out.stderr);
    assert!(
        summary.contains(&format!("{} events of po-1017", before.len())),
        "{summary}"
    );
}

#[test]
fn report_prints_the_verdict_the_pinned_link_the_events_and_the_state_of_a_moment() {
    let demo = demo();
    let args = [
        "report",
        arg(&demo),
        "--stream",
        "po-1017",
        "--version",
        "6",
    ];
    let out = chronoscope(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(
        printed.contains("\nIntegrity: 1 finding: 1 gap in 1,971 events, 76 streams\n"),
        "{printed}"
    );
    assert!(
        printed.contains("\nMoment: v6 2026-01-31T22:42:00Z\n"),
        "{printed}"
    );
    let link = printed
        .lines()
        .find_map(|line| line.strip_prefix("Link: ?"))
        .expect("a link");
    let (view, ignored) = chronoscope_core::link::ViewState::from_query(link);
    assert!(ignored.is_empty(), "{ignored:?}");
    assert_eq!(
        (view.stream.as_deref(), view.version),
        (Some("po-1017"), Some(6))
    );
    assert!(view.pin.is_some(), "pinned to the data: {link}");
    assert!(
        printed.contains("\n    add /poNumber: \"PO-1017\"\n"),
        "{printed}"
    );

    // The state in the report is the one `state` prints.
    let out = chronoscope(&["state", arg(&demo), "--stream", "po-1017", "--version", "6"]);
    let state: Value = serde_json::from_slice(&out.stdout).expect("the state");
    let after = printed
        .split("State at the moment\n===================\n")
        .nth(1)
        .expect("the state's heading");
    let shown = after
        .split("\nWhat changed since")
        .next()
        .expect("the state");
    assert_eq!(serde_json::from_str::<Value>(shown).expect("JSON"), state);
}

#[test]
fn state_of_a_stream_that_is_not_there_says_so_and_exits_2() {
    let out = chronoscope(&["state", arg(&demo()), "--stream", "po-0000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("no stream `po-0000`"));
}

#[test]
fn a_file_that_cannot_be_read_is_named_and_exits_2() {
    let out = chronoscope(&["check", "no/such/file.ndjson"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no/such/file.ndjson"));
}

/// An evidence pack of the demo's po-1017 at version 6, written by the engine as the app
/// writes one.
fn demo_pack() -> Vec<u8> {
    let mut engine = Engine::new();
    let text = std::fs::read_to_string(demo()).expect("the demo");
    let open = Request::Open {
        label: "cambium-demo.ndjson".into(),
        text,
        link: String::new(),
        documents: Vec::new(),
    };
    assert!(matches!(
        engine.answer(Envelope::new(1, open)).body,
        Answer::Opened(_)
    ));
    while engine.work(usize::MAX) {}
    let evidence = evidence_request();
    let answer = engine.answer(Envelope::new(2, evidence)).body;
    assert!(matches!(answer, Answer::File(_)), "{answer:?}");
    engine.take_attachment().expect("the pack's bytes")
}

/// The evidence pack of the demo's po-1017 at v6, as the panel asks for it.
fn evidence_request() -> Request {
    Request::Evidence(EvidenceRequest {
        link: "stream=po-1017&v=6".into(),
        page: "https://chronoscope.example/".into(),
        whole_source: false,
        exported: "2026-12-07T12:00:00Z".parse().expect("a time"),
        exported_local: "2026-12-07 13:00:00 +01:00".into(),
        app_version: "test".into(),
    })
}

#[test]
fn verify_passes_a_pack_as_written_and_fails_it_with_one_byte_changed() {
    let dir = scratch("verify");
    let bytes = demo_pack();
    let pack = dir.join("pack.zip");
    std::fs::write(&pack, &bytes).expect("written");
    let out = chronoscope(&["verify", arg(&pack)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let report = text(&out.stdout);
    assert!(
        report.contains("verified: every file matches the manifest"),
        "{report}"
    );
    assert!(report.contains("view: "), "{report}");

    let at = bytes
        .windows(8)
        .position(|window| window == b"PO-1017\"")
        .expect("the pack holds the PO number");
    let mut changed = bytes.clone();
    changed[at + 6] = b'8';
    let tampered = dir.join("tampered.zip");
    std::fs::write(&tampered, &changed).expect("written");
    let out = chronoscope(&["verify", arg(&tampered)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("NOT VERIFIED"));

    let out = chronoscope(&["verify", "--json", arg(&tampered)]);
    let verdict: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(verdict["verified"], false);
    let tampered = verdict["tampered"].as_array().expect("a list");
    assert!(!tampered.is_empty());
    assert!(tampered[0]
        .as_str()
        .is_some_and(|what| what.contains("was changed after the pack was made")));
}

#[test]
fn search_lists_every_stream_s_matching_events_in_log_order() {
    let query = "type:Approved author:dana after:2026-03-01 before:2026-04-01";
    // The same question asked of the demo's lines directly.
    let lines = std::fs::read_to_string(demo()).expect("the demo");
    let expected: Vec<(String, u64)> = lines
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|event| {
            let time = event["time"].as_str().unwrap_or_default();
            event["type"]
                .as_str()
                .unwrap_or_default()
                .contains("Approved")
                && event["meta"]["user"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("dana")
                && ("2026-03-01".."2026-04-01").contains(&time)
        })
        .map(|event| {
            let stream = event["stream"].as_str().unwrap_or_default().to_string();
            (stream, event["version"].as_u64().unwrap_or_default())
        })
        .collect();
    assert!(expected.len() > 3);

    let out = chronoscope(&["search", "--json", arg(&demo()), query]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let found: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(found["n_matches"], expected.len());
    let matches: Vec<(String, u64)> = found["matches"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|m| {
            (
                m["stream"].as_str().unwrap_or_default().to_string(),
                m["version"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(matches, expected);

    let out = chronoscope(&["search", arg(&demo()), query]);
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), expected.len());
    assert!(lines[0].starts_with(&format!("{}\tv{}\t2026-03-", expected[0].0, expected[0].1)));
    assert!(text(&out.stderr).contains(&format!("{} events in", expected.len())));

    let out = chronoscope(&["search", arg(&demo()), "author:nobody"]);
    assert_eq!(out.status.code(), Some(1));
    let out = chronoscope(&["search", arg(&demo()), "v:ten"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("the query cannot be read: column 1"));
}

#[test]
fn a_source_of_many_megabytes_is_read_whole_a_piece_at_a_time() {
    let dir = scratch("large");
    let source = dir.join("bench.ndjson");
    let text = chronoscope_samples::bench_data::bench_ndjson(12_000);
    assert!(text.len() > 3 << 20, "several pieces of a megabyte");
    std::fs::write(&source, &text).expect("written");
    let out = chronoscope(&["check", "--json", arg(&source)]);
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["events"]["n_events"], 12_000);
    assert_eq!(report["events"]["n_streams"], 240);
    assert_eq!(report["events"]["n_problems"], 0);
    assert_eq!(report["integrity"]["result"], "unchecked");
}

fn text_of(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}
