//! The ingest step machine (`core::ingest`), the one way events come in: whatever the source
//! and however its bytes arrive, nothing is lost, nothing is silently changed, nothing crashes,
//! and every problem names its place. Each defect listed in issue 8 has a test here (or, for
//! the browser-only ones, a journey in `tests/e2e/`).

use crate::common;
#[allow(dead_code)]
use crate::fuzz_harness;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use chronoscope_core::decode::{Format, Place, Problem, ProblemKind};
use chronoscope_core::ingest::index::reproject;
use chronoscope_core::ingest::{Ingest, Outcome, Setup, Step};
use chronoscope_core::projection::Projection;
use chronoscope_core::reduce::ReduceError;
use chronoscope_core::timeline::Timeline;
use chronoscope_samples::demo::demo_ndjson;
use fuzz_harness::read_in_pieces;
use proptest::prelude::*;
use serde_json::{json, Value};
use url::Url;

fn canonical() -> Setup {
    Setup {
        format: Some(Format::Canonical),
        ..Setup::default()
    }
}

/// The deepest array serde_json reads: what a record can carry at most.
fn deepest_readable() -> usize {
    (1..400)
        .take_while(|&n| serde_json::from_str::<Value>(&nested_array(n)).is_ok())
        .last()
        .unwrap_or(0)
}

fn nested_array(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// `{"a":{"a":…{"a":leaf}…}}`, `depth` objects deep.
fn nested_object(depth: usize, leaf: &str) -> String {
    format!("{}{leaf}{}", "{\"a\":".repeat(depth), "}".repeat(depth))
}

fn line(stream: &str, second: u32, change: &str) -> String {
    format!(r#"{{"stream":"{stream}","type":"T","time":"2026-01-01T00:00:{second:02}Z",{change}}}"#)
}

fn names_line(problem: &Problem, wanted: usize) -> bool {
    match &problem.place {
        Place::Line(line) | Place::Byte { line, .. } | Place::EventLine { line, .. } => {
            *line == wanted
        }
        _ => false,
    }
}

// Defect 1: JSON within serde_json's limit at each step crashed the app when the timeline read
// back what it wrote.

#[test]
fn a_kurrent_entry_whose_data_string_nests_as_deep_as_json_allows_loads_and_reads_back() {
    let depth = deepest_readable();
    assert!(depth >= 127, "serde_json reads {depth} levels");
    let data = nested_array(depth);
    let entry = json!({"eventType": "Deep", "eventNumber": 0, "streamId": "deep", "isJson": true,
        "eventId": "e-0", "updated": "2026-03-01T09:00:00Z", "data": data});
    let outcome = Ingest::read_all(Setup::default(), &format!("[{entry}]"));
    assert_eq!(outcome.detection.format, Format::Kurrent);
    assert_eq!(outcome.problems, vec![]);
    let expected: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(outcome.timeline.event(0).data, expected);
    assert_eq!(outcome.timeline.state_after("deep", Some(0)), json!(null));
}

#[test]
fn a_laravel_row_whose_new_values_nest_as_deep_as_json_allows_loads_and_reads_back() {
    let depth = deepest_readable();
    let new_values = format!(r#"{{"lines":{}}}"#, nested_array(depth - 1));
    let row = json!({"id": 1, "event": "updated", "auditable_type": "App\\Models\\PurchaseOrder",
        "auditable_id": 1042, "old_values": "[]", "new_values": new_values,
        "created_at": "2026-03-02 09:15:00"});
    let outcome = Ingest::read_all(Setup::default(), &format!("[{row}]"));
    assert_eq!(outcome.detection.format, Format::Laravel);
    assert_eq!(outcome.problems, vec![]);
    let stream = outcome.timeline.first_stream().unwrap().to_string();
    let state = outcome.timeline.state_after(&stream, Some(0));
    let expected: Value = serde_json::from_str(&nested_array(depth - 1)).unwrap();
    assert_eq!(state["lines"], expected);
    assert_eq!(outcome.timeline.event(0).kind, "updated");
}

#[test]
fn a_patch_that_nests_a_deep_value_in_a_deep_state_is_kept_and_one_past_the_bound_is_refused() {
    let deep = nested_object(100, "1");
    let text = [
        line("s", 0, &format!(r#""snapshot":{deep}"#)),
        // 99 levels down, a value 100 deep: a state 200 deep, which JSON readers with a
        // 128-level limit cannot read back, and the timeline can.
        line(
            "s",
            1,
            &format!(
                r#""patch":[{{"op":"add","path":"{}/b","value":{deep}}}]"#,
                "/a".repeat(99)
            ),
        ),
        // 199 levels down, the same value: past the 256 levels a state may nest.
        line(
            "s",
            2,
            &format!(
                r#""patch":[{{"op":"add","path":"{}/b/{}/c","value":{deep}}}]"#,
                "/a".repeat(99),
                "a/".repeat(99).trim_end_matches('/')
            ),
        ),
        line("s", 3, r#""patch":[{"op":"add","path":"/b","value":2}]"#),
    ]
    .join("\n");
    let outcome = Ingest::read_all(canonical(), &text);
    let timeline = &outcome.timeline;
    assert_eq!(outcome.problems, vec![]);
    assert_eq!(
        timeline.problems(),
        [Problem::new(
            Place::EventLine {
                line: 3,
                stream: "s".into(),
                version: 3
            },
            ProblemKind::Replay(ReduceError::TooDeep)
        )]
    );
    let deep_state = timeline.state_after("s", Some(1));
    let mut expected: Value = serde_json::from_str(&deep).unwrap();
    let mut at = &mut expected;
    for _ in 0..99 {
        at = &mut at["a"];
    }
    at["b"] = serde_json::from_str(&deep).unwrap();
    assert_eq!(deep_state, expected);
    assert_eq!(timeline.state_after("s", Some(2)), deep_state);
    let mut last = deep_state;
    last["b"] = json!(2);
    assert_eq!(timeline.state_after("s", Some(3)), last);
    // The deep state reads back the same from a snapshot, after the event and from the head.
    assert_eq!(reproject(timeline, None).state_after("s", Some(3)), last);
}

#[test]
fn projection_rules_that_build_a_state_240_deep_work_and_past_256_are_problems() {
    let demo = demo_ndjson();
    let read = |depth: usize| {
        let path = "/x".repeat(depth);
        let projection = Projection::parse(
            &json!({"rules": {"PoApproved": [{"op": "set", "path": path, "literal": 1}]}})
                .to_string(),
        )
        .unwrap();
        let setup = Setup {
            projection: Some(Arc::new(projection)),
            ..Setup::default()
        };
        Ingest::read_all(setup, &demo)
    };
    let kept = read(240).timeline;
    assert_eq!(kept.len(), 1_971);
    assert_eq!(kept.problems(), []);
    let (stream, pos) = first_approval(&kept);
    let state = kept.state_after(&stream, Some(pos));
    assert_eq!(state.pointer(&"/x".repeat(240)), Some(&json!(1)));

    let refused = read(300).timeline;
    assert_eq!(refused.len(), 1_971);
    let n_approvals = refused
        .all_events()
        .filter(|e| e.kind == "PoApproved")
        .count();
    assert!(n_approvals > 0);
    let n_refused = refused
        .problems()
        .iter()
        .filter(|p| {
            matches!(
                &p.kind,
                ProblemKind::Replay(ReduceError::RulesTooDeep { .. })
            )
        })
        .count();
    assert_eq!(n_refused, n_approvals);
    // Each approval leaves its PO as it was.
    let (stream, pos) = first_approval(&refused);
    assert_eq!(
        refused.state_after(&stream, Some(pos)),
        refused.state_after(&stream, pos.checked_sub(1))
    );
}

/// The stream of the log's first approval, and its position there.
fn first_approval(timeline: &Timeline) -> (String, usize) {
    let approval = (0..timeline.len())
        .find(|&idx| timeline.head(idx).kind == "PoApproved")
        .unwrap();
    let stream = timeline.head(approval).stream.to_string();
    let pos = timeline
        .stream_heads(&stream)
        .position(|head| head.kind == "PoApproved")
        .unwrap();
    (stream, pos)
}

// Defect 2: a line that passed indexing but failed the full read became `data: null`, which
// wiped the aggregate without a word.

#[test]
fn data_that_indexing_passes_but_cannot_be_read_is_a_problem_on_its_line_and_wipes_nothing() {
    let deep = nested_array(10_000);
    // (`1e400` was one of these until numbers were kept as written: `tests/numbers.rs`.)
    for bad in [r#""\ud800""#, deep.as_str()] {
        let text = [
            line("po", 0, r#""data":{"status":"draft","total":"1250.50"}"#),
            line("po", 1, &format!(r#""data":{{"note":{bad}}}"#)),
            line("po", 2, r#""data":{"status":"approved"}"#),
        ]
        .join("\n");
        let outcome = Ingest::read_all(canonical(), &text);
        let problems: Vec<&Problem> = outcome
            .problems
            .iter()
            .chain(outcome.timeline.problems())
            .collect();
        assert_eq!(problems.len(), 1, "{bad:.20}: {problems:?}");
        assert!(names_line(problems[0], 2), "{bad:.20}: {problems:?}");
        let timeline = &outcome.timeline;
        let last = timeline.stream_len("po") - 1;
        assert_eq!(
            timeline.state_after("po", Some(last)),
            json!({"status": "approved", "total": "1250.50"}),
            "{bad:.20}"
        );
        assert!(timeline
            .all_events()
            .all(|e| e.data != Value::Null || e.meta.contains_key("unreadable")));
    }
}

// Defect 3: one bad UTF-8 byte lost the rest of the file, or all of it.

#[test]
fn a_byte_that_is_not_utf8_costs_its_line_only_however_the_bytes_arrive() {
    let lines: Vec<String> = (0..2_000)
        .map(|n| {
            line(
                &format!("po-{}", n % 40),
                (n % 60) as u32,
                &format!(r#""data":{{"n":{n},"note":"Größe ✓"}}"#),
            )
        })
        .collect();
    let mut bytes = lines.join("\n").into_bytes();
    bytes.push(b'\n');
    let start_of_1001 = lines[..1_000].iter().map(|l| l.len() + 1).sum::<usize>();
    let bad_byte = start_of_1001 + 40;
    bytes[bad_byte] = 0xff;
    for piece in [7, 1_000, 16 << 10, 99_991, bytes.len()] {
        let pieces: Vec<&[u8]> = bytes.chunks(piece).collect();
        let outcome = read_in_pieces(canonical(), &pieces, 250);
        assert_eq!(outcome.timeline.len(), 1_999, "pieces of {piece}");
        assert_eq!(
            outcome.problems,
            vec![Problem::new(
                Place::Byte {
                    line: 1_001,
                    byte: bad_byte as u64
                },
                ProblemKind::NotUtf8Line
            )],
            "pieces of {piece}"
        );
    }
}

// Defect 4: a download that broke off lost what had arrived.

#[test]
fn a_download_cut_mid_line_keeps_every_whole_line_small_or_large() {
    for n_lines in [10, 3_000] {
        let mut text: String = (0..n_lines)
            .map(|n| line("po", (n % 60) as u32, &format!(r#""data":{{"n":{n}}}"#)) + "\n")
            .collect();
        let partial = r#"{"stream":"po","type":"T","ti"#;
        text.push_str(partial);
        let mut ingest = Ingest::new(canonical());
        for piece in text.as_bytes().chunks(4_096) {
            ingest.feed(piece);
            ingest.step(250);
        }
        let broke = Problem::new(
            Place::Url {
                url: "http://es.example/po.ndjson".into(),
                status: 200,
            },
            ProblemKind::BrokeOff("network error".into()),
        );
        ingest.broke_off(broke.clone());
        assert_eq!(ingest.run(), Step::Done);
        let outcome = ingest.into_outcome();
        assert_eq!(outcome.timeline.len(), n_lines, "{n_lines} lines");
        assert_eq!(
            outcome.timeline.state_after("po", Some(n_lines - 1)),
            json!({"n": n_lines - 1})
        );
        let cut = Problem::new(
            Place::Byte {
                line: n_lines + 1,
                byte: (text.len() - partial.len()) as u64,
            },
            ProblemKind::LineCutOff {
                n_bytes: partial.len(),
            },
        );
        assert_eq!(outcome.problems, vec![cut, broke], "{n_lines} lines");
    }
}

// Defect 8: a feed that linked back to its first page was read twice.

/// A KurrentDB stream of `n` events served as AtomPub pages of `size`, newest first, whose
/// last forward page's `previous` link leads back to `loop_to` (a real feed's leads on).
struct Feed {
    base: String,
    n: usize,
    size: usize,
    loop_to: Option<String>,
}

impl Feed {
    fn page(&self, url: &Url) -> Option<Vec<u8>> {
        assert_eq!(
            url.query(),
            Some("embed=body"),
            "{url} is asked for without bodies"
        );
        let path = url.path();
        let from: usize = path.rsplit('/').nth(2)?.parse().ok()?;
        let entries = common::kurrent_entries(from..(from + self.size).min(self.n));
        let next_from = from + self.size;
        let previous = match (&self.loop_to, next_from >= self.n) {
            (Some(back), true) => back.clone(),
            _ => format!("{}/{next_from}/forward/{}", self.base, self.size),
        };
        Some(self.feed(entries, &previous))
    }

    fn head(&self) -> Vec<u8> {
        self.feed(vec![], "unused")
    }

    fn feed(&self, entries: Vec<Value>, previous: &str) -> Vec<u8> {
        json!({"streamId": "po", "entries": entries, "links": [
            {"uri": self.base, "relation": "self"},
            {"uri": format!("{}/0/forward/{}", self.base, self.size), "relation": "last"},
            {"uri": previous, "relation": "previous"}]})
        .to_string()
        .into_bytes()
    }

    /// Reads the feed from its head as the app does, answering each page it asks for.
    fn read(&self) -> (Outcome, Vec<String>) {
        let head_url = Url::parse(&self.base).unwrap();
        let mut ingest = Ingest::new(Setup {
            source_url: Some(head_url),
            ..Setup::default()
        });
        ingest.feed(&self.head());
        ingest.finish();
        let fetched = common::answer_pages(&mut ingest, |url| match self.page(url) {
            Some(bytes) => bytes,
            None => panic!("no such page {url}"),
        });
        (ingest.into_outcome(), fetched)
    }
}

#[test]
fn a_feed_is_read_forwards_page_by_page_until_an_empty_page() {
    let feed = Feed {
        base: "http://es.example:2113/streams/po".into(),
        n: 12,
        size: 5,
        loop_to: None,
    };
    let (outcome, fetched) = feed.read();
    assert_eq!(outcome.detection.format, Format::Kurrent);
    assert_eq!(outcome.problems, vec![]);
    assert_eq!(
        fetched,
        [0, 5, 10, 15]
            .map(|from| format!("http://es.example:2113/streams/po/{from}/forward/5?embed=body"))
    );
    let versions: Vec<u64> = outcome
        .timeline
        .stream_heads("po")
        .map(|h| h.version)
        .collect();
    assert_eq!(versions, (0..12).collect::<Vec<_>>());
    assert_eq!(
        outcome.timeline.state_after("po", Some(11)),
        json!({"n": 11})
    );
}

#[test]
fn a_feed_that_links_back_to_its_first_page_is_read_once_and_says_so() {
    let base = "http://es.example:2113/streams/po";
    let feed = Feed {
        base: base.into(),
        n: 10,
        size: 5,
        loop_to: Some(format!("{base}/0/forward/5")),
    };
    let (outcome, fetched) = feed.read();
    assert_eq!(outcome.timeline.len(), 10);
    assert_eq!(fetched.len(), 2);
    assert_eq!(
        outcome.problems.iter().map(|p| &p.kind).collect::<Vec<_>>(),
        [&ProblemKind::FeedLoops {
            url: format!("{base}/0/forward/5?embed=body")
        }]
    );
}

// The one pipeline: however a source is cut into pieces, and however much each step does, the
// timeline is the same.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_split_of_a_source_into_pieces_gives_the_same_timeline(
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..12),
        budget in 1usize..400,
    ) {
        let (text, whole) = &*AWKWARD;
        let bytes = text.as_bytes();
        let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut.index(bytes.len())).collect();
        cuts.sort_unstable();
        let mut pieces = Vec::new();
        let mut from = 0;
        for cut in cuts.into_iter().chain([bytes.len()]) {
            pieces.push(&bytes[from..cut]);
            from = cut;
        }
        let split = read_in_pieces(Setup::default(), &pieces, budget);
        assert_same_outcome(&split, whole, budget);
    }
}

#[test]
fn bytes_written_straight_into_the_ingest_read_as_fed_bytes_do() {
    let (text, whole) = &*AWKWARD;
    let mut ingest = Ingest::new(Setup::default());
    for piece in text.as_bytes().chunks(65_536) {
        ingest.feed_with(piece.len(), |into| into.copy_from_slice(piece));
        while ingest.step(250) == Step::Working {}
    }
    ingest.finish();
    assert_eq!(ingest.run(), Step::Done);
    assert_same_outcome(&ingest.into_outcome(), whole, 250);
}

#[test]
fn a_large_source_given_as_shared_slices_is_indexed_as_bytes_fed_in_pieces_are() {
    let text = large_awkward_source();
    assert!(text.len() > 17 << 20, "more than 64 blocks of 256 KB");
    let mut fed = Ingest::new(Setup::default());
    for piece in text.chunks(1 << 20) {
        fed.feed(piece);
        fed.run_until_indexed();
    }
    let fed = indexed(fed);
    assert_eq!(fed.timeline.len(), 60_003);
    assert_eq!(fed.problems.len(), 2, "{:?}", fed.problems);
    assert!(names_line(&fed.problems[0], 101), "{:?}", fed.problems);
    assert!(names_line(&fed.problems[1], 40_001), "{:?}", fed.problems);
    let back = fed.timeline.problems();
    assert!(
        matches!(back, [p] if p.kind == ProblemKind::VersionNotAfter { version: 1, previous: 1 })
    );
    let shared = bytes::Bytes::from(text);
    for slice_bytes in [5_000_000, shared.len()] {
        let mut ingest = Ingest::new(Setup::default());
        let mut at = 0;
        while at < shared.len() {
            let end = shared.len().min(at + slice_bytes);
            ingest.feed_shared(shared.slice(at..end));
            ingest.run_until_indexed();
            at = end;
        }
        assert_same_index(&indexed(ingest), &fed, slice_bytes);
    }
}

/// What an ingest indexed once its source ended, not folded.
fn indexed(mut ingest: Ingest) -> Outcome {
    ingest.finish();
    assert_eq!(ingest.run_until_indexed(), None);
    ingest.into_outcome()
}

/// The same problems, streams, event heads and records pointed at; the events themselves and
/// the states where the awkward lines are (all 60,000 read back took most of a minute
/// unoptimized).
fn assert_same_index(a: &Outcome, b: &Outcome, slice_bytes: usize) {
    let (a, b, context) = (
        &a.timeline,
        &b.timeline,
        format!("slices of {slice_bytes} B"),
    );
    assert_eq!(a.problems(), b.problems(), "{context}");
    assert_eq!(a.streams(), b.streams(), "{context}");
    for idx in 0..b.len() {
        assert_eq!(a.head(idx), b.head(idx), "{context}: event {idx}");
        assert_eq!(
            a.stored_bytes(idx),
            b.stored_bytes(idx),
            "{context}: event {idx}"
        );
    }
    for idx in [
        0, 99, 100, 19_998, 19_999, 20_000, 29_998, 39_998, 49_997, 60_002,
    ] {
        assert_eq!(a.event(idx), b.event(idx), "{context}: event {idx}");
    }
    for stream in ["x", "y", "po-000000", "po-000100"] {
        assert_eq!(
            a.state_after(stream, None),
            b.state_after(stream, None),
            "{stream}"
        );
    }
}

/// 60,000 benchmark events (about 18 MB) with lines put in among them: one that is not UTF-8
/// (line 101), an event without a version (20,001), one whose version goes back (30,001), one
/// that is not JSON (40,001), and a patch that fails (50,001).
fn large_awkward_source() -> Vec<u8> {
    let text = chronoscope_samples::bench_data::bench_ndjson(60_000);
    let mut lines: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
    let back = r#"{"stream":"x","version":1,"type":"T","time":"2026-01-01T00:00:03Z","data":{}}"#;
    let put = [
        (100, b"{\"stream\":\"x\",\"note\":\"\xff\"}".to_vec()),
        (20_000, line("x", 1, r#""data":{"n":1}"#).into_bytes()),
        (30_000, back.as_bytes().to_vec()),
        (40_000, b"{not json".to_vec()),
        (
            50_000,
            line("y", 2, r#""patch":[{"op":"remove","path":"/nope"}]"#).into_bytes(),
        ),
    ];
    for (at, bytes) in put {
        lines.insert(at, bytes);
    }
    lines.join(&b"\n"[..])
}

/// The awkward source, and the outcome of reading it in one piece.
static AWKWARD: LazyLock<(String, Outcome)> = LazyLock::new(|| {
    let text = awkward_source();
    let whole = Ingest::read_all(Setup::default(), &text);
    (text, whole)
});

#[test]
fn the_awkward_source_is_over_16_kb_and_has_its_two_problems() {
    let (text, whole) = &*AWKWARD;
    assert!(text.len() > 16 << 10);
    assert!(whole.timeline.len() > 300);
    assert_eq!(whole.problems.len(), 1, "{:?}", whole.problems);
    assert!(names_line(&whole.problems[0], 58));
    assert_eq!(whole.timeline.problems().len(), 1);
}

/// A source over 16 KB with what makes cutting hard: multi-byte characters, CRLF line ends,
/// blank lines, a line that is not JSON, a patch that fails.
fn awkward_source() -> String {
    let mut lines: Vec<String> = demo_ndjson()
        .lines()
        .take(400)
        .map(str::to_string)
        .collect();
    lines[3] = format!("{}\r", lines[3]);
    lines[10] = String::new();
    lines[57] = "{not json".into();
    lines[120] = line("x", 1, r#""patch":[{"op":"remove","path":"/nope"}]"#);
    lines[200] = line("x", 2, r#""data":{"note":"Größe ✓ №"}"#);
    lines.join("\n")
}

fn assert_same_outcome(a: &Outcome, b: &Outcome, budget: usize) {
    assert_eq!(a.problems, b.problems, "budget {budget}");
    assert_eq!(a.detection, b.detection, "budget {budget}");
    assert_same_timeline(&a.timeline, &b.timeline, budget);
}

fn assert_same_timeline(a: &Timeline, b: &Timeline, budget: usize) {
    assert_eq!(a.problems(), b.problems(), "budget {budget}");
    common::assert_same_log(a, b, &format!("budget {budget}"));
}

// Appending after the load.

#[test]
fn appended_records_are_indexed_and_folded_and_earlier_positions_do_not_move() {
    let first = [
        line("po", 0, r#""data":{"status":"draft"}"#),
        line("badge", 1, r#""data":{"state":"requested"}"#),
    ]
    .join("\n");
    let mut ingest = Ingest::new(canonical());
    ingest.feed(first.as_bytes());
    ingest.finish();
    assert_eq!(ingest.run(), Step::Done);
    let before: Vec<_> = (0..2)
        .map(|idx| ingest.timeline().head(idx).version)
        .collect();
    let more = format!(
        "{}\n{}\n{}",
        line("po", 2, r#""data":{"status":"approved"}"#),
        line("po", 3, r#""data":{"total":"10.00"}"#),
        r#"{"stream":"po","type":"#
    );
    ingest.append(more.as_bytes());
    assert_eq!(ingest.run(), Step::Done);
    let timeline = ingest.timeline();
    assert_eq!(timeline.len(), 4);
    let after: Vec<_> = (0..2).map(|idx| timeline.head(idx).version).collect();
    assert_eq!(before, after);
    assert_eq!(
        timeline.state_after("po", Some(0)),
        json!({"status": "draft"})
    );
    assert_eq!(
        timeline.state_after("po", Some(2)),
        json!({"status": "approved", "total": "10.00"})
    );
    // The last line, without its newline, waits for the rest.
    ingest.append(
        br#""T","time":"2026-01-01T00:00:04Z","data":{"n":1}}
"#,
    );
    assert_eq!(ingest.run(), Step::Done);
    assert_eq!(ingest.timeline().stream_len("po"), 4);
    let mut counts = HashMap::new();
    for head in ingest.timeline().stream_heads("po") {
        *counts.entry(head.version).or_insert(0) += 1;
    }
    assert_eq!(counts.len(), 4);
}

/// Previews come while a source arrives, each at least half as large again as the last, and
/// none past `PREVIEW_MAX_EVENTS`, so that their copies stay bounded. Each is folded when it is
/// shown, so its states come from snapshots; the states at the end are those of a load read
/// whole, which folds only at the end.
#[test]
fn previews_grow_by_half_come_folded_and_stop_at_the_ceiling() {
    use chronoscope_core::ingest::PREVIEW_MAX_EVENTS;
    let line = |n: usize| {
        format!(
            "{{\"stream\":\"po-{}\",\"type\":\"PoNoted\",\"time\":\"2026-01-01T00:00:00Z\",\"data\":{{\"n\":{n}}}}}\n",
            n % 50
        )
    };
    let text: String = (0..3 * PREVIEW_MAX_EVENTS).map(line).collect();
    let mut ingest = Ingest::new(canonical());
    let mut sizes = Vec::new();
    for piece in text.as_bytes().chunks(64 << 10) {
        ingest.feed(piece);
        while ingest.step(250) == Step::Working {
            if ingest.take_preview_ready() {
                let preview = ingest.preview().0;
                assert_eq!(preview.n_folded(), preview.len());
                sizes.push(preview.len());
            }
        }
        if ingest.take_preview_ready() {
            sizes.push(ingest.preview().0.len());
        }
    }
    ingest.finish();
    ingest.run();
    let arrived = ingest.into_outcome().timeline;
    let whole = Ingest::read_all(canonical(), &text).timeline;
    for n in 0..50 {
        let stream = format!("po-{n}");
        assert_eq!(
            arrived.state_after(&stream, Some(599)),
            whole.state_after(&stream, Some(599))
        );
        assert_eq!(
            arrived.state_after(&stream, Some(3)),
            whole.state_after(&stream, Some(3))
        );
    }
    assert!(sizes.len() >= 3, "{sizes:?}");
    assert!(sizes.windows(2).all(|w| w[1] * 2 >= w[0] * 3), "{sizes:?}");
    assert!(sizes.iter().all(|&n| n <= PREVIEW_MAX_EVENTS), "{sizes:?}");
    assert!(
        sizes.iter().sum::<usize>() <= 3 * PREVIEW_MAX_EVENTS,
        "{sizes:?}"
    );
}

/// Megabytes fed at once are cut into blocks a step at a time, each of about `BLOCK_BYTES`,
/// so that no step copies and checks more than a block; the events are all read.
#[test]
fn megabytes_fed_at_once_are_cut_a_block_a_step() {
    use chronoscope_core::ingest::{KeptSource, BLOCK_BYTES};
    let line = |n: usize| {
        format!(
            "{{\"stream\":\"po-{}\",\"type\":\"PoNoted\",\"time\":\"2026-01-01T00:00:00Z\",\"data\":{{\"n\":{n}}}}}\n",
            n % 50
        )
    };
    let text: String = (0..40_000).map(line).collect();
    assert!(text.len() > 8 * BLOCK_BYTES);
    let mut ingest = Ingest::new(canonical());
    ingest.feed(text.as_bytes());
    let mut n_steps = 0;
    while ingest.step(250) == Step::Working {
        n_steps += 1;
    }
    ingest.finish();
    ingest.run();
    let outcome = ingest.into_outcome();
    assert_eq!(outcome.timeline.len(), 40_000);
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    let KeptSource::Lines(blocks) = &outcome.kept else {
        panic!("kept as lines");
    };
    assert!(blocks.len() > 8, "{} blocks", blocks.len());
    assert!(blocks.iter().all(|b| b.text.len() <= BLOCK_BYTES));
    assert!(n_steps > blocks.len());
}

#[test]
fn an_event_without_a_version_after_the_largest_one_repeats_it_and_says_so_instead_of_wrapping() {
    let text = format!(
        "{}\n{}",
        r#"{"stream":"s","version":18446744073709551615,"type":"A","time":"2026-01-01T00:00:00Z","data":{}}"#,
        r#"{"stream":"s","type":"B","time":"2026-01-01T00:00:01Z","data":{}}"#
    );
    let outcome = Ingest::read_all(Setup::default(), &text);
    let versions: Vec<u64> = (0..outcome.timeline.len())
        .map(|idx| outcome.timeline.head(idx).version)
        .collect();
    assert_eq!(versions, vec![u64::MAX, u64::MAX]);
    assert_eq!(
        outcome.timeline.problems()[0].kind,
        ProblemKind::VersionNotAfter {
            version: u64::MAX,
            previous: u64::MAX
        }
    );
    assert_eq!(
        outcome.timeline.problems()[0].place,
        Place::Event {
            stream: "s".into(),
            version: u64::MAX
        }
    );
}

#[test]
fn the_mapping_format_without_a_mapping_is_one_problem_not_one_per_line() {
    let setup = Setup {
        format: Some(Format::Mapping),
        ..Setup::default()
    };
    let text = "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n";
    let outcome = Ingest::read_all(setup, text);
    assert_eq!(outcome.timeline.len(), 0);
    let messages: Vec<String> = outcome.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        vec!["source: the custom mapping format needs a mapping: no record was read"]
    );
}

// Issue 13: a download that breaks off can be read on from where it stopped (Retry), and a
// feed page that failed can be asked for again, with nothing lost and nothing twice.

/// Reads `bytes` as a download that breaks off after each of `breaks` (byte counts received,
/// ascending), each time reading on from the resume point; the server sends the rest of the
/// source from there, as an HTTP `Range` answer does.
fn read_with_breaks(bytes: &[u8], breaks: &[usize], budget: usize) -> Outcome {
    let mut ingest = Ingest::new(Setup::default());
    let mut from = 0;
    for &at in breaks {
        let at = at.max(from);
        ingest.feed(&bytes[from..at]);
        while ingest.step(budget) == Step::Working {}
        ingest.broke_off(Problem::new(
            Place::Url {
                url: "http://es.example/po.ndjson".into(),
                status: 200,
            },
            ProblemKind::BrokeOff("network error".into()),
        ));
        let Some(chronoscope_core::ingest::ResumePoint::Byte {
            offset: resume_at, ..
        }) = ingest.resume_point().cloned()
        else {
            panic!("no byte to resume from after {at} bytes");
        };
        assert!(
            resume_at as usize <= at,
            "{resume_at} is past the {at} bytes received"
        );
        ingest.resume();
        from = resume_at as usize;
    }
    ingest.feed(&bytes[from..]);
    ingest.finish();
    while ingest.step(budget) != Step::Done {}
    ingest.into_outcome()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_download_broken_off_anywhere_and_read_on_gives_the_same_timeline(
        breaks in proptest::collection::vec(any::<proptest::sample::Index>(), 1..4),
        budget in 1usize..400,
    ) {
        let (text, whole) = &*AWKWARD;
        let bytes = text.as_bytes();
        let mut breaks: Vec<usize> = breaks.iter().map(|b| b.index(bytes.len())).collect();
        breaks.sort_unstable();
        let resumed = read_with_breaks(bytes, &breaks, budget);
        assert_same_outcome(&resumed, whole, budget);
    }
}

#[test]
fn a_break_is_reported_until_the_load_reads_on_and_a_document_reads_on_from_what_arrived() {
    let (text, whole) = &*AWKWARD;
    let mut ingest = Ingest::new(Setup::default());
    ingest.feed(&text.as_bytes()[..20_000]);
    ingest.broke_off(Problem::new(
        Place::File("po.ndjson".into()),
        ProblemKind::BrokeOff("gone".into()),
    ));
    while ingest.step(100) != Step::Done {}
    let outcome = ingest.outcome();
    let kinds: Vec<&ProblemKind> = outcome.problems.iter().map(|p| &p.kind).collect();
    let cut = kinds
        .iter()
        .position(|k| matches!(k, ProblemKind::LineCutOff { .. }));
    let broke = kinds
        .iter()
        .position(|k| matches!(k, ProblemKind::BrokeOff(_)));
    assert!(
        matches!((cut, broke), (Some(c), Some(b)) if b == c + 1),
        "{kinds:?}"
    );
    let kept = outcome.timeline.len();
    assert!(kept > 0 && kept < whole.timeline.len());

    // A JSON document (a KurrentDB page, an export) is read whole: what arrived is held.
    let document = serde_json::to_string(
        &demo_ndjson()
            .lines()
            .take(50)
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let mut ingest = Ingest::new(Setup::default());
    ingest.feed(&document.as_bytes()[..3_000]);
    ingest.broke_off(Problem::new(
        Place::File("po.json".into()),
        ProblemKind::BrokeOff("gone".into()),
    ));
    assert_eq!(
        ingest.resume_point(),
        Some(&chronoscope_core::ingest::ResumePoint::Byte {
            offset: 3_000,
            ranges: false
        })
    );
    ingest.resume();
    ingest.feed(&document.as_bytes()[3_000..]);
    ingest.finish();
    while ingest.step(100) != Step::Done {}
    let outcome = ingest.into_outcome();
    assert_eq!(
        (outcome.timeline.len(), outcome.problems.len()),
        (50, 0),
        "{:?}",
        outcome.problems
    );
}

#[test]
fn a_feed_page_that_failed_is_asked_for_again_and_the_feed_reads_on() {
    let feed = Feed {
        base: "http://es.example:2113/streams/po".into(),
        n: 12,
        size: 5,
        loop_to: None,
    };
    let mut ingest = Ingest::new(Setup {
        source_url: Some(Url::parse(&feed.base).unwrap()),
        ..Setup::default()
    });
    ingest.feed(&feed.head());
    ingest.finish();
    let mut asked = Vec::new();
    let mut failed_once = false;
    loop {
        match ingest.step(100) {
            Step::Working => {}
            Step::Fetch(url) => {
                asked.push(url.to_string());
                if url.path().contains("/5/forward/") && !failed_once {
                    failed_once = true;
                    ingest.page_failed(Problem::new(
                        Place::Url {
                            url: url.to_string(),
                            status: 500,
                        },
                        ProblemKind::Fetch("the server answered 500".into()),
                    ));
                } else {
                    ingest.feed_page(&url, feed.page(&url).unwrap());
                }
            }
            Step::Done if ingest.resume_point().is_some() => {
                assert_eq!(ingest.outcome().timeline.len(), 5, "the first page is kept");
                assert_eq!(ingest.outcome().problems.len(), 1);
                ingest.resume();
            }
            Step::Done => break,
            Step::NeedBytes => panic!("a finished load needs no bytes"),
        }
    }
    let outcome = ingest.into_outcome();
    assert_eq!(outcome.problems, vec![]);
    let versions: Vec<u64> = outcome
        .timeline
        .stream_heads("po")
        .map(|h| h.version)
        .collect();
    assert_eq!(
        versions,
        (0..12).collect::<Vec<_>>(),
        "nothing lost, nothing twice"
    );
    let page_5 = "http://es.example:2113/streams/po/5/forward/5?embed=body";
    assert_eq!(asked.iter().filter(|u| *u == page_5).count(), 2);
}

#[test]
fn a_download_that_ends_cleanly_mid_line_is_read_as_cut_short_and_a_whole_last_line_is_not() {
    let place = || Place::Url {
        url: "http://es.example/po.ndjson.gz".into(),
        status: 200,
    };
    let lines = demo_ndjson()
        .lines()
        .take(30)
        .collect::<Vec<_>>()
        .join("\n");
    // Ends mid-way through line 30, as a gzip body cut short decodes.
    let cut = &lines[..lines.len() - 40];
    let mut ingest = Ingest::new(Setup::default());
    ingest.feed(cut.as_bytes());
    ingest.download_ended(place());
    while ingest.step(100) != Step::Done {}
    let outcome = ingest.outcome();
    assert_eq!(outcome.timeline.len(), 29);
    let kinds: Vec<&ProblemKind> = outcome.problems.iter().map(|p| &p.kind).collect();
    assert!(
        matches!(
            kinds[..],
            [ProblemKind::LineCutOff { .. }, ProblemKind::BrokeOff(_)]
        ),
        "{kinds:?}"
    );
    assert!(ingest.resume_point().is_some());

    // A last line without its newline that is whole is the source's end, as is a CSV's.
    for (text, n) in [(lines.as_str(), 30), ("id,status\n1,draft\n2,approved", 0)] {
        let mut ingest = Ingest::new(Setup::default());
        ingest.feed(text.as_bytes());
        ingest.download_ended(place());
        while ingest.step(100) != Step::Done {}
        assert!(ingest.resume_point().is_none(), "{text:.40}");
        if n > 0 {
            let outcome = ingest.into_outcome();
            assert_eq!((outcome.timeline.len(), outcome.problems.len()), (n, 0));
        }
    }
}

#[test]
fn reading_stops_at_the_memory_ceiling_with_the_whole_lines_that_arrived_and_says_how_many() {
    let place = Place::Url {
        url: "https://example.test/events.ndjson".into(),
        status: 200,
    };
    let mut text = String::new();
    for second in 0..5 {
        text.push_str(&line(
            "po-1",
            second,
            &format!("\"data\":{{\"n\":{second}}}"),
        ));
        text.push('\n');
    }
    // The ceiling is met with four lines and a half arrived.
    let cut = text.len() - 20;
    let mut ingest = Ingest::new(canonical());
    ingest.feed(&text.as_bytes()[..cut]);
    ingest.stop_at_ceiling(place.clone(), 300);
    assert_eq!(ingest.run(), Step::Done);
    assert_eq!(
        ingest.resume_point(),
        None,
        "nothing to read on: it would pass the ceiling again"
    );
    let outcome = ingest.into_outcome();
    assert_eq!(outcome.timeline.len(), 4);
    let kinds: Vec<&ProblemKind> = outcome.problems.iter().map(|p| &p.kind).collect();
    assert!(
        matches!(kinds[0], ProblemKind::LineCutOff { .. }),
        "{kinds:?}"
    );
    assert_eq!(
        kinds[1],
        &ProblemKind::Ceiling {
            budget_mb: 300,
            n_events: 4
        }
    );
    assert_eq!(outcome.problems[1].place, place);
    assert!(kinds[1]
        .to_string()
        .contains("budget of 300 MB, so reading stopped: the 4 events read are kept"));
    assert!(chronoscope_core::ingest::over_budget(300 << 20, 300));
    assert!(!chronoscope_core::ingest::over_budget((300 << 20) - 1, 300));
}

/// Issue 13's hostile payloads, in one CRLF source that starts with a byte-order mark: each is
/// read correctly or is a problem on its line, and the good events around it stay.
#[test]
fn hostile_payloads_are_read_or_named_by_their_line_and_the_good_events_stay() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let big = "x".repeat(10_000_000);
    let lines = [
        format!("\u{feff}{}", line("a", 1, r#""data":{"x":1}"#)),
        line("a", 2, &format!(r#""data":{{"deep":{deep}}}"#)),
        line("a", 3, &format!(r#""data":{{"big":"{big}"}}"#)),
        line("a", 4, r#""data":{"dup":1,"dup":2}"#),
        line("a", 5, "\"data\":{\"nul\":\"a\0b\"}"),
        line(
            "a",
            6,
            r#""data":{"esc":"a\u0000b","__proto__":{"polluted":true}}"#,
        ),
        line("a", 7, r#""patch":[{"op":"add","path":"/x~2y","value":1}]"#),
        line("a", 8, r#""data":{"after":true}"#),
    ];
    let text = lines.join("\r\n") + "\r\n";
    // In pieces of 1 MB, which cut the long lines.
    let pieces: Vec<&[u8]> = text.as_bytes().chunks(1 << 20).collect();
    let outcome = read_in_pieces(canonical(), &pieces, 1_000);
    // Lines 5 (a raw NUL byte) and 7 (`~2` is no JSON Pointer escape) are problems on their
    // lines; every other line is an event.
    let places: Vec<String> = outcome
        .problems
        .iter()
        .map(|p| format!("{:?}", p.place))
        .collect();
    assert_eq!(places, ["Line(5)", "Line(7)"], "{:?}", outcome.problems);
    assert!(outcome.problems[0]
        .kind
        .to_string()
        .contains("control character"));
    assert!(outcome.problems[1].kind.to_string().contains("`add`"));
    let timeline = &outcome.timeline;
    assert_eq!(timeline.len(), 6);
    // The BOM does not hide the first event.
    assert_eq!(timeline.state_after("a", Some(0)), json!({"x": 1}));
    // Nested 100,000 deep: kept as an event whose state cannot be read, named by its line.
    let replay = timeline.problems();
    assert_eq!(replay.len(), 1);
    assert_eq!(
        format!("{:?}", replay[0].place),
        r#"EventLine { line: 2, stream: "a", version: 2 }"#
    );
    assert!(replay[0].kind.to_string().contains("recursion limit"));
    // A 10 MB string whole; a key named twice keeps its last value, as most JSON readers do;
    // `__proto__` is a key like any other, and an escaped NUL is kept.
    let state = timeline.state_after("a", Some(5));
    assert_eq!(state["big"].as_str().map(str::len), Some(10_000_000));
    assert_eq!(state["dup"], json!(2));
    // …and the integrity checks name the record that does it.
    let report = chronoscope_core::integrity::check(timeline, Format::Canonical, &[]);
    let repeated: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.kind.key() == "repeated-key")
        .collect();
    assert_eq!(repeated.len(), 1, "{:?}", report.findings);
    assert_eq!(
        (repeated[0].stream.as_deref(), repeated[0].version),
        (Some("a"), Some(4))
    );
    assert_eq!(
        repeated[0].kind.to_string(),
        "the record names \"dup\" twice in one object: the replay sees only the last value"
    );
    assert_eq!(state["__proto__"], json!({"polluted": true}));
    assert_eq!(state["esc"], json!("a\u{0}b"));
    assert_eq!(state["after"], json!(true));
}
