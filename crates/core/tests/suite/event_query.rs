//! The event query (`q=`, issue 11): the grammar, errors that name their column, and every
//! query's result against a brute-force test of each event of the demo, read back whole, and
//! of sources whose stored text differs from the decoded event (escapes, numbers as written,
//! JSON Patches, CSV rows).

use chronoscope_core::decode::Format;
use chronoscope_core::event::Event;
use chronoscope_core::event_query::{filtered_positions, parse_event_query};
use chronoscope_core::ingest::{Ingest, Setup, Step};
use chronoscope_core::time::parse_instant;
use chronoscope_core::timeline::Timeline;
use chronoscope_samples::demo::demo_ndjson;
use serde_json::Value;

fn ingest(text: &str, format: Option<Format>) -> Timeline {
    let mut ingest = Ingest::new(Setup {
        format,
        ..Setup::default()
    });
    ingest.feed(text.as_bytes());
    ingest.finish();
    while ingest.step(500) != Step::Done {}
    let outcome = ingest.into_outcome();
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    outcome.timeline
}

/// The positions of a stream's events for which `test` holds, each event read back whole.
fn brute_force(timeline: &Timeline, stream: &str, test: EventTest) -> Vec<usize> {
    timeline
        .stream_log_positions(stream)
        .iter()
        .enumerate()
        .filter(|(_, &idx)| test(&timeline.event(idx as usize)))
        .map(|(pos, _)| pos)
        .collect()
}

/// A test of one event, as the brute force applies it.
type EventTest<'a> = &'a dyn Fn(&Event) -> bool;

fn query(timeline: &Timeline, stream: &str, text: &str) -> Vec<usize> {
    match filtered_positions(timeline, stream, text) {
        Ok(Some(positions)) => positions,
        other => panic!("{text}: {other:?}"),
    }
}

/// Asserts that the query finds, in every stream, what the brute force finds; returns how many
/// events it found in all.
fn assert_every_stream_as_brute_force(timeline: &Timeline, text: &str, test: EventTest) -> usize {
    let mut n_found = 0;
    for stream in timeline.streams() {
        let found = query(timeline, &stream.name, text);
        let expected = brute_force(timeline, &stream.name, test);
        assert_eq!(found, expected, "{} / {text}", stream.name);
        n_found += found.len();
    }
    n_found
}

/// Lower case a character at a time, as the filter's definition says.
fn lower(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

fn number_at(event: &Event, pointer: &str) -> Option<f64> {
    event.data.pointer(pointer).and_then(Value::as_f64)
}

fn any_string(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(s) => lower(s).contains(needle),
        Value::Array(items) => items.iter().any(|v| any_string(v, needle)),
        Value::Object(o) => o.values().any(|v| any_string(v, needle)),
        _ => false,
    }
}

#[test]
fn every_kind_of_term_finds_what_a_brute_force_test_of_each_event_finds_on_the_demo() {
    let timeline = ingest(&demo_ndjson(), Some(Format::Canonical));
    let feb = parse_instant("2026-02-01T00:00:00Z").unwrap();
    let mar = parse_instant("2026-03-01T00:00:00Z").unwrap();
    type Case = (&'static str, Box<dyn Fn(&Event) -> bool>);
    let cases: Vec<Case> = vec![
        (
            "type:approved author:DANA",
            Box::new(|e| {
                lower(&e.kind).contains("approved") && e.user().is_some_and(|u| u.contains("dana"))
            }),
        ),
        ("v:10..20", Box::new(|e| (10..=20).contains(&e.version))),
        ("v:60..", Box::new(|e| e.version >= 60)),
        ("v:..3", Box::new(|e| e.version <= 3)),
        ("v:7", Box::new(|e| e.version == 7)),
        (
            "after:2026-02-01 before:2026-03-01",
            Box::new(move |e| e.time >= feb && e.time < mar),
        ),
        (
            "after:2026-02-01T00:00:00+00:00",
            Box::new(move |e| e.time >= feb),
        ),
        (
            "/data/total>10000",
            Box::new(|e| number_at(e, "/total").is_some_and(|t| t > 10000.0)),
        ),
        (
            "/data/approval/level>=2",
            Box::new(|e| number_at(e, "/approval/level").is_some_and(|l| l >= 2.0)),
        ),
        (
            "/data/status=approved",
            Box::new(|e| e.data.pointer("/status") == Some(&Value::from("approved"))),
        ),
        (
            "/data/status!=approved",
            Box::new(|e| e.data.pointer("/status") != Some(&Value::from("approved"))),
        ),
        (
            "/meta/user=dana.reyes",
            Box::new(|e| e.user() == Some("dana.reyes")),
        ),
        (
            "text:northwind",
            Box::new(|e| any_string(&e.data, "northwind")),
        ),
        (
            "-type:PoLine",
            Box::new(|e| !lower(&e.kind).contains("poline")),
        ),
        (
            "-text:\"cc-100 operations\"",
            Box::new(|e| !any_string(&e.data, "cc-100 operations")),
        ),
        (
            "type:PoApproved /data/approval/by=dana.reyes",
            Box::new(|e| {
                e.kind == "PoApproved"
                    && e.data.pointer("/approval/by") == Some(&Value::from("dana.reyes"))
            }),
        ),
    ];
    // Every case finds something somewhere, so that none passes by finding nothing twice.
    for (text, test) in &cases {
        let n_found = assert_every_stream_as_brute_force(&timeline, text, test.as_ref());
        assert!(n_found > 0, "{text} found nothing in the demo");
    }
}

#[test]
fn an_empty_filter_shows_every_event_without_listing_them() {
    let timeline = ingest(&demo_ndjson(), Some(Format::Canonical));
    assert_eq!(filtered_positions(&timeline, "po-1029", "  "), Ok(None));
}

#[test]
fn a_term_that_cannot_be_read_names_its_column() {
    let column = |text: &str| parse_event_query(text).map_err(|e| (e.column, e.reason));
    for (query, at, says) in [
        ("type:PoApproved v:ten", 17, "v: needs a version or a range"),
        ("after:2026-13-01", 1, "is not a moment"),
        ("ok /total>5", 4, "starts with /data/ or /meta/"),
        ("/data/total>lots", 1, "> needs a number"),
    ] {
        let (col, reason) = column(query).unwrap_err();
        assert_eq!(col, at, "{query}");
        assert!(reason.contains(says), "{query}: {reason}");
    }
    let (col, _) = column("text:\"open quote").unwrap_err();
    assert_eq!(col, 6);
    assert!(column("v:99999999999999999999999").is_err());
    // A key the grammar does not know is a word: ids hold colons.
    assert!(column("urn:uuid:1234 -x").is_ok());
}

#[test]
fn payload_text_is_found_however_the_source_wrote_it() {
    // A `\u` escape, a number written with an exponent, a JSON Patch's value, and a string
    // with a quote: none of them is in the stored text as the query writes it.
    let source = [
        r#"{"stream":"s","version":1,"type":"Created","time":"2026-01-01T00:00:00Z","data":{"by":"d\u0061na","total":1.0e4,"note":"say \"hi\""}}"#,
        r#"{"stream":"s","version":2,"type":"Changed","time":"2026-01-02T00:00:00Z","patch":[{"op":"replace","path":"/by","value":"omar"}]}"#,
        r#"{"stream":"s","version":3,"type":"Changed","time":"2026-01-03T00:00:00Z","data":{"total":9999}}"#,
    ]
    .join("\n");
    let timeline = ingest(&source, Some(Format::Canonical));
    assert_eq!(query(&timeline, "s", "text:dana"), vec![0]);
    assert_eq!(query(&timeline, "s", "text:OMAR"), vec![1]);
    assert_eq!(
        query(&timeline, "s", r#"text:"say \"hi"#),
        Vec::<usize>::new()
    );
    assert_eq!(query(&timeline, "s", "text:say"), vec![0]);
    assert_eq!(query(&timeline, "s", "/data/total=10000"), vec![0]);
    assert_eq!(query(&timeline, "s", "/data/total>=9999"), vec![0, 2]);
    assert_eq!(query(&timeline, "s", "/data/by=dana"), vec![0]);
    // Events without the field: `!=` holds for them, the other operators do not.
    assert_eq!(query(&timeline, "s", "/data/total!=9999"), vec![0, 1]);
}

#[test]
fn fields_of_csv_rows_are_found_though_their_names_are_only_in_the_header() {
    // django-simple-history's rows, exported to CSV by the real tool (tests/fixtures/real).
    let csv = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/real/simple-history.csv"
    ))
    .unwrap();
    let timeline = ingest(&csv, Some(Format::SimpleHistory));
    let cases: [(&str, EventTest); 3] = [
        ("/data/status=approved", &|e| {
            e.data.pointer("/status") == Some(&Value::from("approved"))
        }),
        ("/data/total>10000", &|e| {
            let total = e.data.pointer("/total");
            total
                .and_then(|t| t.as_f64().or_else(|| t.as_str()?.parse().ok()))
                .is_some_and(|t| t > 10000.0)
        }),
        ("text:DANA", &|e| any_string(&e.data, "dana")),
    ];
    for (text, test) in cases {
        let n_found = assert_every_stream_as_brute_force(&timeline, text, test);
        assert!(n_found > 0, "{text} found nothing");
    }
}

#[test]
fn letters_beyond_ascii_match_in_either_case() {
    let text = r#"{"stream":"kunde-Ö1","type":"ÄrgerGemeldet","time":"2026-01-01T00:00:00Z","data":{"grund":"GROẞER ÄRGER über die Lieferung"},"meta":{"user":"Jürgen"}}
{"stream":"kunde-Ö1","type":"Erledigt","time":"2026-01-02T00:00:00Z","data":{"grund":"keiner"},"meta":{"user":"ana"}}
"#;
    let timeline = ingest(text, None);
    let shown = |q: &str| filtered_positions(&timeline, "kunde-Ö1", q).unwrap();
    assert_eq!(shown("ärger"), Some(vec![0]));
    assert_eq!(shown("type:ÄRGER"), Some(vec![0]));
    assert_eq!(shown("author:JÜRGEN"), Some(vec![0]));
    assert_eq!(shown("text:\"ärger über\""), Some(vec![0]));
    assert_eq!(shown("-text:ärger"), Some(vec![1]));
}

#[test]
fn a_long_needle_over_a_long_string_is_found_or_not_by_its_whole_length() {
    // A needle of thousands of characters that matches all but its last over a string of
    // them: a window-by-window comparison does a million times the needle's length.
    let hay = "a".repeat(200_000);
    let text = format!(
        "{{\"stream\":\"s\",\"type\":\"T\",\"time\":\"2026-01-01T00:00:00Z\",\"data\":{{\"note\":\"{hay}\"}}}}\n{{\"stream\":\"s\",\"type\":\"T\",\"time\":\"2026-01-01T00:00:01Z\",\"data\":{{\"note\":\"{hay}B\"}}}}\n"
    );
    let timeline = ingest(&text, None);
    let needle = format!("{}b", "A".repeat(3_000));
    let q = format!("text:{needle}");
    assert_eq!(
        filtered_positions(&timeline, "s", &q).unwrap(),
        Some(vec![1])
    );
}

#[test]
fn the_stream_list_filter_matches_letters_beyond_ascii_in_either_case() {
    use chronoscope_core::timeline::StreamSummary;
    use chronoscope_core::view::streams::shortlist;
    let all: Vec<StreamSummary> = ["Kunde-Ärger", "kunde-ok", "ÖL-1"]
        .into_iter()
        .map(|name| StreamSummary {
            name: name.into(),
            n_events: 1,
        })
        .collect();
    let (listed, n) = shortlist(&all, "ärger", None, 10);
    assert_eq!((listed[0].name.as_str(), n), ("Kunde-Ärger", 1));
    let (listed, n) = shortlist(&all, "öl", None, 10);
    assert_eq!((listed[0].name.as_str(), n), ("ÖL-1", 1));
}
