//! Evidence packs and exports: a pack reopens to the same events and pin, a changed byte is
//! named by file, and every export states its scope.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use chronoscope_core::decode::Format;
use chronoscope_core::diff::diff;
use chronoscope_core::evidence::{
    check_state, evidence_files, open_pack, pack_link, reopen, write_pack, EvidenceInput, Tamper,
};
use chronoscope_core::export::{diff_csv, events_csv, events_jsonl, Scope};
use chronoscope_core::ingest::{Ingest, Outcome, Setup};
use chronoscope_core::integrity::check;
use chronoscope_core::integrity::pin::pin;
use chronoscope_core::projection::Projection;

const PO: &str = r#"[
  {"stream":"po-1","version":1,"type":"Created","time":"2026-01-01T10:00:00Z","meta":{"user":"ana"},"data":{"total":10,"status":"draft"}},
  {"stream":"po-1","version":2,"type":"Changed","time":"2026-01-01T11:00:00Z","meta":{"user":"=cmd|' /C calc'!A0"},"data":{"total":1250.50,
     "note":"a, \"quoted\"\nline"}},
  {"stream":"po-2","version":1,"type":"Created","time":"2026-01-01T11:30:00Z","data":{"total":5}},
  {"stream":"po-1","version":3,"type":"Approved","time":"2026-01-01T12:00:00Z","data":{"status":"approved"}}
]"#;

const PROJECTION: &str =
    r#"{"rules": {"Approved": [{"op": "set", "path": "/approved", "literal": true}]}}"#;

fn load(text: &str) -> Outcome {
    let projection = Projection::parse(PROJECTION).expect("a projection");
    let setup = Setup {
        projection: Some(Arc::new(projection)),
        ..Setup::default()
    };
    Ingest::read_all(setup, text)
}

fn pack(whole_source: bool) -> (Vec<u8>, String) {
    let (files, pinned) = pack_files(whole_source);
    (write_pack(&files).expect("a pack"), pinned)
}

fn pack_files(whole_source: bool) -> (chronoscope_core::evidence::PackFiles<'static>, String) {
    let outcome = load(PO);
    let timeline = &outcome.timeline;
    let state = timeline.state_after("po-1", Some(2));
    let before = timeline.state_after("po-1", Some(1));
    let changes = diff(&before, &state);
    let report = check(timeline, outcome.detection.format, &outcome.problems);
    let pinned = pin(timeline, "po-1", 2).expect("a pin");
    let link = format!("stream=po-1&v=3&h={}&hx={}", pinned.hash, pinned.marks);
    let input = EvidenceInput {
        timeline,
        stream: "po-1",
        pos: 2,
        whole_source,
        state: &state,
        diff: &changes,
        compared_with: "v2".into(),
        projection: Some(PROJECTION),
        mapping: None,
        report: &report,
        link,
        app_version: "0.1.0",
        exported: Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap(),
        exported_local: "2026-11-27 13:00:00 +01:00".into(),
        source: "test".into(),
        format: Format::Canonical,
    };
    (evidence_files(&input), pinned.hash)
}

#[test]
fn a_pack_reopens_with_every_hash_intact_and_the_same_events_state_and_pin() {
    let (bytes, pinned) = pack(false);
    let (files, tampered) = open_pack(&bytes).expect("a readable pack");
    assert_eq!(tampered, vec![]);
    let names: Vec<&str> = files.files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "manifest.json",
            "events.json",
            "state.json",
            "diff.json",
            "projection.json",
            "integrity.json",
            "link.txt",
            "about.json"
        ]
    );
    let events = files.text("events.json").expect("events");
    let reopened = load(events);
    assert_eq!(reopened.problems, vec![]);
    assert_eq!(reopened.timeline.stream_len("po-1"), 3);
    assert_eq!(reopened.timeline.n_streams(), 1, "only the stream");
    assert_eq!(
        pin(&reopened.timeline, "po-1", 2).expect("pin").hash,
        pinned
    );
    let state: serde_json::Value =
        serde_json::from_str(files.text("state.json").expect("state")).expect("json");
    assert_eq!(
        state["state"],
        reopened.timeline.state_after("po-1", Some(2))
    );
    assert_eq!(state["state"]["approved"], serde_json::json!(true));
    let link = pack_link(&files).expect("a link");
    assert!(link.contains(&format!("h={pinned}")), "{link}");
    let about: serde_json::Value =
        serde_json::from_str(files.text("about.json").expect("about")).expect("json");
    assert_eq!(about["exported_utc"], "2026-11-27T12:00:00Z");
    assert_eq!(about["exported_local"], "2026-11-27 13:00:00 +01:00");
}

#[test]
fn a_whole_source_pack_holds_every_stream() {
    let (bytes, pinned) = pack(true);
    let (files, tampered) = open_pack(&bytes).expect("a readable pack");
    assert_eq!(tampered, vec![]);
    let reopened = load(files.text("events.json").expect("events"));
    assert_eq!(reopened.timeline.len(), 4);
    assert_eq!(
        pin(&reopened.timeline, "po-1", 2).expect("pin").hash,
        pinned
    );
}

#[test]
fn a_pack_with_one_byte_changed_names_the_changed_file() {
    let (bytes, _) = pack(false);
    let at = bytes
        .windows(8)
        .position(|w| w == b"approved")
        .expect("the state holds the status");
    let mut tampered_bytes = bytes.clone();
    tampered_bytes[at] = b'A';
    let (_, tampered) = open_pack(&tampered_bytes).expect("still a zip");
    assert_eq!(tampered.len(), 1, "{tampered:?}");
    let Tamper::Changed { file } = &tampered[0] else {
        panic!("expected a changed file, found {tampered:?}");
    };
    assert!(["events.json", "state.json", "diff.json", "integrity.json"].contains(&file.as_str()));
    assert!(tampered[0]
        .to_string()
        .ends_with("was changed after the pack was made"));
}

#[test]
fn a_file_that_is_not_a_zip_is_refused_with_a_reason() {
    let err = open_pack(b"PK\x03\x04 not really").expect_err("not a zip");
    assert!(err.to_string().starts_with("not a zip file"), "{err}");
}

#[test]
fn the_event_list_exports_as_csv_with_its_scope_quotes_and_no_formulas() {
    let outcome = load(PO);
    let positions = outcome
        .timeline
        .stream_log_positions("po-1")
        .iter()
        .map(|&i| i as usize)
        .collect::<Vec<_>>();
    let scope = Scope {
        n_events: positions.len(),
        stream: Some("po-1".into()),
        filter: Some("Changed".into()),
        as_of: Some("v3".into()),
    };
    let csv = events_csv(&outcome.timeline, &positions, &scope);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "# 3 events of stream po-1, filter 'Changed', as of v3"
    );
    assert_eq!(
        lines[1],
        "seq,stream,version,time_utc,type,author,id,record"
    );
    assert!(lines[2].starts_with("0,po-1,1,2026-01-01T10:00:00Z,Created,ana,,"));
    assert!(
        csv.contains(",'=cmd|' /C calc'!A0,"),
        "a formula is written as text: {csv}"
    );
    assert!(
        csv.contains(r#"\""quoted\"""#),
        "the record's bytes, quoted: {csv}"
    );
    assert!(csv.contains("1250.50"), "numbers as stored: {csv}");
}

#[test]
fn the_jsonl_export_reads_back_as_the_same_events_after_its_scope_line() {
    let outcome = load(PO);
    let positions: Vec<usize> = (0..outcome.timeline.len()).collect();
    let scope = Scope {
        n_events: 4,
        ..Scope::default()
    };
    let jsonl = events_jsonl(&outcome.timeline, &positions, &scope);
    assert!(
        jsonl.starts_with(r#"{"chronoscope_export":{"scope":"4 events of the whole source","#),
        "{jsonl}"
    );
    let back = load(&jsonl);
    assert_eq!(back.problems, vec![]);
    assert_eq!(back.timeline.len(), 4);
    for stream in ["po-1", "po-2"] {
        assert_eq!(
            back.timeline.state_after(stream, None),
            outcome.timeline.state_after(stream, None)
        );
    }
}

#[test]
fn a_diff_exports_as_csv_of_path_op_before_and_after() {
    let before = serde_json::json!({"total": 10, "status": "draft"});
    let after = serde_json::json!({"total": 12, "status": "draft", "approved": true});
    let scope = Scope {
        n_events: 3,
        stream: Some("po-1".into()),
        filter: None,
        as_of: Some("v3".into()),
    };
    let csv = diff_csv(&diff(&before, &after), "v2", &scope);
    assert_eq!(
        csv,
        "# 3 events of stream po-1, as of v3, compared with v2\r\npath,op,before,after,from\r\n/total,replace,10,12,\r\n/approved,add,,true,\r\n"
    );
}

#[test]
fn a_state_json_rewritten_with_its_manifest_is_caught_by_the_replay() {
    let (mut files, _) = pack_files(false);
    let honest = reopen(&write_pack(&files).expect("a pack"), "p.zip").expect("opens");
    let replayed = load(&honest.events);
    let expected = honest.state.as_ref().expect("a state");
    assert_eq!(
        check_state(expected, &replayed.timeline, &honest.view),
        None
    );

    let state = files
        .files
        .iter_mut()
        .find(|(name, _)| name == "state.json")
        .expect("state.json");
    state.1 = String::from_utf8(state.1.to_vec())
        .expect("text")
        .replace("\"approved\"", "\"rejected\"")
        .into_bytes()
        .into();
    // `write_pack` writes a new manifest, as a careful tamperer would.
    let forged = reopen(&write_pack(&files).expect("a pack"), "p.zip").expect("opens");
    assert_eq!(
        forged.tampered,
        Vec::<String>::new(),
        "the manifest matches"
    );
    let replayed = load(&forged.events);
    let found = check_state(
        forged.state.as_ref().expect("a state"),
        &replayed.timeline,
        &forged.view,
    );
    assert_eq!(found, Some(Tamper::StateDiffers));
}

/// A pack made from a CSV export holds each row as the JSON object Chronoscope read it as; the
/// pack reads back as the same format, with the same events and the same pin.
#[test]
fn a_pack_of_a_csv_export_reopens_as_the_same_format_events_and_pin() {
    for name in [
        "django-auditlog.csv",
        "simple-history.csv",
        "eventsourcing.csv",
    ] {
        let path = format!(
            "{}/tests/fixtures/real/{name}",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../..")
        );
        let text = std::fs::read_to_string(path).expect("the fixture is readable");
        let outcome = Ingest::read_all(Setup::default(), &text);
        assert_eq!(outcome.problems, vec![], "{name}");
        let timeline = &outcome.timeline;
        let stream = timeline.first_stream().expect("a stream").to_string();
        let pos = timeline.stream_len(&stream) - 1;
        let pinned = pin(timeline, &stream, pos).expect("a pin");
        let state = timeline.state_after(&stream, Some(pos));
        let report = check(timeline, outcome.detection.format, &outcome.problems);
        let input = EvidenceInput {
            timeline,
            stream: &stream,
            pos,
            whole_source: true,
            state: &state,
            diff: &[],
            compared_with: "the empty state".into(),
            projection: None,
            mapping: None,
            report: &report,
            link: format!("stream={stream}&h={}", pinned.hash),
            app_version: "0.1.0",
            exported: Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap(),
            exported_local: "2026-11-27 12:00:00 +00:00".into(),
            source: name.into(),
            format: outcome.detection.format,
        };
        let bytes = write_pack(&evidence_files(&input)).expect("a pack");
        let pack = reopen(&bytes, "p.zip").expect("opens");
        let again = Ingest::read_all(Setup::default(), &pack.events);
        assert_eq!(again.detection.format, outcome.detection.format, "{name}");
        assert_eq!(again.timeline.len(), timeline.len(), "{name}");
        assert_eq!(
            pin(&again.timeline, &stream, pos).expect("a pin"),
            pinned,
            "{name}"
        );
        assert_eq!(
            again.timeline.state_after(&stream, Some(pos)),
            state,
            "{name}"
        );
    }
}

/// Upcast events export in the form their source stored them, so that reading the export with
/// the same projection upcasts them once, as the original load did.
#[test]
fn the_jsonl_export_of_upcast_events_reads_back_with_the_projection_to_the_same_states() {
    use chronoscope_samples::demo::{demo_ndjson, demo_projection};
    let with_projection = || Setup {
        projection: Some(Arc::new(
            Projection::parse(&demo_projection()).expect("valid"),
        )),
        ..Setup::default()
    };
    let outcome = Ingest::read_all(with_projection(), &demo_ndjson());
    let timeline = &outcome.timeline;
    let upcast = (0..timeline.len())
        .find(|&idx| timeline.event(idx).stored.is_some())
        .expect("the demo has upcast events");
    let stream = timeline.head(upcast).stream.to_string();
    let positions: Vec<usize> = timeline
        .stream_log_positions(&stream)
        .iter()
        .map(|&i| i as usize)
        .collect();
    let scope = Scope {
        n_events: positions.len(),
        stream: Some(stream.clone()),
        ..Scope::default()
    };
    let jsonl = events_jsonl(timeline, &positions, &scope);
    let back = Ingest::read_all(with_projection(), &jsonl);
    assert_eq!(back.problems, vec![]);
    assert_eq!(back.timeline.problems(), &[]);
    for pos in 0..positions.len() {
        assert_eq!(
            back.timeline.state_after(&stream, Some(pos)),
            timeline.state_after(&stream, Some(pos)),
            "{stream} at {pos}"
        );
    }
}

#[test]
fn a_cell_that_begins_like_a_formula_is_text_unless_it_is_a_plain_number() {
    let before = serde_json::json!({});
    let cells = [
        "-2+3+cmd|' /C calc'!A0",
        "-1+1",
        "-",
        "+1",
        "@SUM(A1)",
        "\tx",
        "\rx",
    ];
    let mut after: serde_json::Value =
        serde_json::from_str(r#"{"n": -12.50, "e": -1e5}"#).expect("JSON");
    after["a"] = serde_json::json!(cells);
    let csv = diff_csv(&diff(&before, &after), "v0", &Scope::default());
    let rows: Vec<&str> = csv.split("\r\n").collect();
    assert!(rows.iter().any(|r| r.starts_with("/a,add,,")), "{csv}");
    // Each is a JSON string in the `after` cell, so the cell begins with `"`; read the
    // values the way the events CSV writes them instead: alone in a cell.
    let mut alone = String::new();
    for cell in cells {
        chronoscope_core::csv_out::push_csv_row(&mut alone, &[cell.to_string()]);
    }
    let written: Vec<&str> = alone.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(
        written,
        vec![
            "'-2+3+cmd|' /C calc'!A0",
            "'-1+1",
            "'-",
            "'+1",
            "'@SUM(A1)",
            "'\tx",
            "\"'\rx\"",
        ]
    );
    assert!(rows.contains(&"/n,add,,-12.50,"), "{csv}");
    // serde_json spells every exponent with its sign (`number`): still a plain number.
    assert!(rows.contains(&"/e,add,,-1e+5,"), "{csv}");
}

#[test]
fn a_line_break_in_a_scope_cannot_add_rows_to_a_csv() {
    let outcome = load(PO);
    let positions = outcome
        .timeline
        .stream_log_positions("po-1")
        .iter()
        .map(|&i| i as usize)
        .collect::<Vec<_>>();
    let scope = Scope {
        n_events: positions.len(),
        stream: Some("po-1".into()),
        filter: Some("x\r\n=cmd|' /C calc'!A0,evil".into()),
        as_of: None,
    };
    let csv = events_csv(&outcome.timeline, &positions, &scope);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "# 3 events of stream po-1, filter 'x\\u{d}\\u{a}=cmd|' /C calc'!A0,evil'"
    );
    assert_eq!(
        lines[1],
        "seq,stream,version,time_utc,type,author,id,record"
    );
    let diff_csv = diff_csv(&[], "v1\nv2", &scope);
    assert_eq!(
        diff_csv.split("\r\n").nth(1),
        Some("path,op,before,after,from")
    );
}
