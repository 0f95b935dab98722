//! Decoding canonical events: the three container shapes, defaults, and bad input that becomes
//! problems naming their place while the good events still load.

use crate::common;

use chronoscope_core::decode::{decode_text, split_records, Format, Place};
use chronoscope_core::event::Change;
use common::events;

const GOOD: &str = r#"{"stream":"po-1","type":"PoCreated","time":"2026-01-05T09:00:00Z","data":{"status":"draft"},"meta":{"user":"ana"}}
{"stream":"po-1","type":"PoSubmitted","time":"2026-01-05T10:00:00+01:00","data":{"status":"submitted"}}
{"stream":"po-2","type":"PoCreated","time":"2026-01-06T09:00:00.5Z","data":{"status":"draft"},"version":7,"id":"e-3"}
"#;

#[test]
fn reads_ndjson_with_default_versions_per_stream() {
    let events = events(GOOD);
    assert_eq!(events.len(), 3);
    assert_eq!(
        events
            .iter()
            .map(|e| (e.stream.as_str(), e.version))
            .collect::<Vec<_>>(),
        vec![("po-1", 1), ("po-1", 2), ("po-2", 7)]
    );
    assert_eq!(events[0].user(), Some("ana"));
    assert_eq!(events[1].time.to_rfc3339(), "2026-01-05T09:00:00+00:00");
    assert_eq!(events[2].id.as_deref(), Some("e-3"));
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
}

#[test]
fn reads_a_json_array_and_an_events_wrapper_alike() {
    let lines: Vec<&str> = GOOD.lines().collect();
    let array = format!("[\n{}\n]", lines.join(",\n"));
    let wrapper = format!("{{\"events\": {array}}}");
    assert_eq!(events(&array), events(GOOD));
    assert_eq!(events(&wrapper), events(GOOD));
}

#[test]
fn reads_a_single_pretty_printed_event() {
    let text =
        "{\n  \"stream\": \"s\",\n  \"type\": \"T\",\n  \"time\": \"2026-01-01T00:00:00Z\"\n}\n";
    let events = events(text);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].change, Change::Keep);
}

#[test]
fn picks_snapshot_over_patch_over_merge() {
    let text = r#"{"stream":"s","type":"A","time":"2026-01-01T00:00:00Z","data":{"x":1},"patch":[],"snapshot":{"y":2}}
{"stream":"s","type":"B","time":"2026-01-01T00:00:00Z","data":{"x":1},"patch":[{"op":"add","path":"/z","value":3}]}
{"stream":"s","type":"C","time":"2026-01-01T00:00:00Z","data":{"x":1}}"#;
    let events = events(text);
    assert!(matches!(events[0].change, Change::Snapshot(_)));
    assert!(matches!(events[1].change, Change::Patch(_)));
    assert_eq!(events[2].change, Change::Merge);
}

#[test]
fn bad_ndjson_lines_become_problems_with_line_numbers_and_good_lines_stay() {
    let text = r#"{"stream":"po-1","type":"PoCreated","time":"2026-01-05T09:00:00Z","data":{}}
{"stream":"po-1","type":"PoSubmitted","time":
{"type":"PoApproved","time":"2026-01-05T09:00:00Z"}

{"stream":"po-1","type":"PoApproved","time":"yesterday"}
{"stream":"po-1","type":"PoClosed","time":"2026-01-07T09:00:00Z","data":{"status":"closed"}}
[1,2]
{"stream":"po-1","type":"PoX","time":"2026-01-07T09:00:00Z","patch":{"op":"nope"}}"#;
    let (decoded, _) = decode_text(text, None);
    assert_eq!(decoded.events.len(), 2);
    assert_eq!(decoded.events[1].kind, "PoClosed");
    let places: Vec<_> = decoded.problems.iter().map(|p| p.place.clone()).collect();
    assert_eq!(
        places,
        vec![
            Place::Line(2),
            Place::Line(3),
            Place::Line(5),
            Place::Line(7),
            Place::Line(8)
        ]
    );
    let messages: Vec<String> = decoded.problems.iter().map(|p| p.to_string()).collect();
    assert!(
        messages[0].starts_with("line 2: not valid JSON"),
        "{}",
        messages[0]
    );
    assert_eq!(messages[1], "line 3: missing `stream`");
    assert!(
        messages[2].contains("`yesterday` is not an RFC 3339 time"),
        "{}",
        messages[2]
    );
    assert_eq!(
        messages[3],
        "line 7: expected an event object, found an array"
    );
    assert!(
        messages[4].contains("not an RFC 6902 JSON Patch"),
        "{}",
        messages[4]
    );
}

#[test]
fn bad_array_elements_are_named_by_index() {
    let text = r#"[{"stream":"s","type":"A","time":"2026-01-01T00:00:00Z"}, {"stream":5,"type":"B","time":"2026-01-01T00:00:00Z"}]"#;
    let (decoded, _) = decode_text(text, None);
    assert_eq!(decoded.events.len(), 1);
    assert_eq!(decoded.problems.len(), 1);
    assert_eq!(
        decoded.problems[0].to_string(),
        "element 1: `stream` must be a string, found a number"
    );
}

#[test]
fn a_broken_json_array_names_its_line_and_column() {
    let text = "[\n  {\"stream\": \"s\", \"type\": \"A\", \"time\": \"2026-01-01T00:00:00Z\"},\n  {\"stream\": oops}\n]";
    let (records, problems) = split_records(text);
    assert!(records.is_empty());
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].place, Place::Line(3));
    assert!(
        problems[0].message().contains("column"),
        "{}",
        problems[0].message()
    );
}

#[test]
fn an_empty_source_is_one_problem() {
    let (decoded, _) = decode_text("  \n", None);
    assert!(decoded.events.is_empty());
    assert_eq!(
        decoded.problems[0].to_string(),
        "source: the source is empty"
    );
}

#[test]
fn untrusted_payloads_are_kept_verbatim_as_data() {
    let text = r#"{"stream":"<script>x</script>","type":"<img src=x onerror=alert(1)>","time":"2026-01-01T00:00:00Z","data":{"note":"<b>hi</b>"},"meta":{"user":"<i>u</i>"}}"#;
    let events = events(text);
    assert_eq!(events[0].stream, "<script>x</script>");
    assert_eq!(events[0].kind, "<img src=x onerror=alert(1)>");
    assert_eq!(events[0].user(), Some("<i>u</i>"));
}

#[test]
fn detection_explains_its_choice() {
    let (_, detection) = decode_text(GOOD, None);
    assert_eq!(detection.format, Format::Canonical);
    assert_eq!(detection.reason, "records have `stream`, `type` and `time`");
    assert_eq!(Format::from_key("canonical"), Some(Format::Canonical));
}

#[test]
fn detection_of_ndjson_looks_only_at_the_first_lines_and_agrees_with_the_whole() {
    use chronoscope_core::decode::{detect, detect_text};
    let mut text = String::from(GOOD);
    for _ in 0..100 {
        text.push_str("this line is not JSON\n");
    }
    assert_eq!(detect_text(&text), detect(&split_records(GOOD).0));
    let array = format!("[{}]", GOOD.lines().collect::<Vec<_>>().join(","));
    assert_eq!(detect_text(&array).format, Format::Canonical);
    assert_eq!(
        detect_text(&array).reason,
        "records have `stream`, `type` and `time`"
    );
}

#[test]
fn ndjson_whose_first_line_is_broken_still_loads_the_other_lines() {
    let text = format!("{{\"stream\": \"po-1\", \"type\":\n{GOOD}");
    let (decoded, _) = decode_text(&text, None);
    assert_eq!(decoded.events.len(), 3);
    assert_eq!(decoded.problems.len(), 1);
    assert!(
        decoded.problems[0]
            .to_string()
            .starts_with("line 1: not valid JSON"),
        "{}",
        decoded.problems[0]
    );
}

#[test]
fn a_broken_pretty_printed_object_is_one_problem_at_its_line() {
    let text = "{\n  \"stream\": \"s\",\n  \"type\": \"T\",\n  \"time\": oops\n}\n";
    let (decoded, _) = decode_text(text, None);
    assert!(decoded.events.is_empty());
    assert_eq!(decoded.problems.len(), 1);
    assert_eq!(decoded.problems[0].place, Place::Line(4));
}

/// Every text file under a folder, recursively.
fn text_files(dir: &std::path::Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            text_files(&path, found);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            found.push(text);
        }
    }
}

/// The records of a text: each line, and each element of a JSON array or `events` wrapper,
/// compact and pretty-printed.
fn candidate_records(text: &str) -> Vec<String> {
    let mut records: Vec<String> = text.lines().map(str::to_string).collect();
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let elements = value
            .as_array()
            .or_else(|| value.get("events").and_then(|events| events.as_array()));
        for element in elements.into_iter().flatten() {
            records.push(element.to_string());
            records.push(serde_json::to_string_pretty(element).unwrap());
        }
    }
    records
}

/// The quick scan of a record's index fields (`decode::lean_scan`) and serde's reading agree on
/// every record of the shared corpus, the fixtures, the demo and the benchmark's data; the
/// benchmark's records are all read by the scan.
#[test]
fn the_quick_scan_of_index_fields_agrees_with_serde_on_every_record_found() {
    use chronoscope_core::decode::canonical::{decode_lean, decode_lean_by_serde};
    use chronoscope_core::decode::lean_scan::scan;
    let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut texts = Vec::new();
    for dir in ["../shared/corpus", "tests/fixtures", "demo"] {
        text_files(&root.join(dir), &mut texts);
    }
    let bench = chronoscope_samples::bench_data::bench_ndjson(2_000);
    for line in bench.lines() {
        assert!(scan(line).is_some(), "the scan gave up on {line}");
    }
    texts.push(bench);
    let (mut n_records, mut n_read) = (0, 0);
    for text in &texts {
        for record in candidate_records(text) {
            assert_eq!(
                decode_lean(&record),
                decode_lean_by_serde(&record),
                "{record}"
            );
            n_records += 1;
            n_read += usize::from(decode_lean(&record).is_some());
        }
    }
    eprintln!("{n_records} records, {n_read} read as canonical by both");
    assert!(n_read > 2_000 && n_records > 10_000);
}

/// A small deterministic generator (xorshift), so that a failure can be replayed.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as usize
    }
}

/// What the mutations insert: JSON's punctuation, escapes, numbers and literals good and bad,
/// control characters, duplicate fields.
const PIECES: &[&str] = &[
    "\"",
    "\\",
    "\\u00e9",
    "\\u12",
    "\\x",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "0",
    "01",
    "-",
    "1e5",
    "1.",
    ".5",
    "-0",
    "1E+2",
    " ",
    "\t",
    "\r\n",
    "null",
    "nul",
    "true",
    "fals",
    "\u{1}",
    "é",
    "\"user\":\"x\",",
    "\"user\":7,",
    "\"stream\":\"s\",",
    "\"version\":3,",
    "\"version\":-3,",
    "\"version\":3.0,",
    "\"id\":\"e\",",
    "\"id\":5,",
    "\"meta\":{\"user\":\"u\"},",
    "\"meta\":[],",
    "\"patch\":[{\"op\":\"add\",\"path\":\"/a\",\"value\":1}],",
    "\"patch\":[{\"op\":\"jump\"}],",
    "\"time_zone_assumed\":1,",
    "\"ty\\u0070e\":\"T\",",
    "\"time\":\"2026-13-01T00:00:00Z\",",
];

/// One random change: delete a character, insert a piece, or repeat a span.
fn mutate(record: &str, rng: &mut Xorshift) -> String {
    let bounds: Vec<usize> = record
        .char_indices()
        .map(|(at, _)| at)
        .chain([record.len()])
        .collect();
    let at = bounds[rng.next(bounds.len())];
    let mut out = record.to_string();
    match rng.next(3) {
        0 if at < record.len() => {
            let len = record[at..].chars().next().map_or(0, char::len_utf8);
            out.replace_range(at..at + len, "");
        }
        1 => out.insert_str(at, PIECES[rng.next(PIECES.len())]),
        _ => {
            let end = bounds[rng.next(bounds.len())].max(at);
            let span = record[at..end].to_string();
            out.insert_str(end, &span);
        }
    }
    out
}

/// The scan and serde agree on 40,000 records changed at random (a few changes each), among
/// which the scan reads some and leaves others to serde.
#[test]
fn the_quick_scan_agrees_with_serde_on_mutated_records() {
    use chronoscope_core::decode::canonical::{decode_lean, decode_lean_by_serde};
    use chronoscope_core::decode::lean_scan::scan;
    let mut seeds: Vec<String> = GOOD.lines().map(str::to_string).collect();
    seeds.extend(
        chronoscope_samples::bench_data::bench_ndjson(50)
            .lines()
            .map(str::to_string),
    );
    seeds.push(r#"{"stream":"a","type":"T","time":"2026-01-01T00:00:00Z","version":null,"id":null,"meta":null,"patch":[{"op":"remove","path":"/x"}]}"#.into());
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    let (mut n_scanned, mut n_read) = (0, 0);
    for n in 0..40_000 {
        let mut record = seeds[n % seeds.len()].clone();
        for _ in 0..=rng.next(3) {
            record = mutate(&record, &mut rng);
        }
        let quick = decode_lean(&record);
        assert_eq!(quick, decode_lean_by_serde(&record), "{record}");
        n_scanned += usize::from(scan(&record).is_some());
        n_read += usize::from(quick.is_some());
    }
    eprintln!("40,000 mutants: {n_scanned} scanned, {n_read} read");
    assert!(n_scanned > 5_000 && n_read > 5_000 && n_scanned < 40_000);
}
