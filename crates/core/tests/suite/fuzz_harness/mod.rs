//! The bodies of the fuzz targets (`fuzz/fuzz_targets/`), shared with `tests/fuzz_corpus.rs`,
//! which replays every committed corpus input through them on stable in CI. Each takes any
//! bytes and must neither panic nor break the property it checks.

use std::sync::Arc;

use chronoscope_core::decode::{decode_text, mapping::Mapping, Format};
use chronoscope_core::event_query::{filtered_positions, parse_event_query};
use chronoscope_core::evidence::open_pack;
use chronoscope_core::ingest::index::project;
use chronoscope_core::ingest::{Ingest, Outcome, Setup, Step};
use chronoscope_core::link::ViewState;
use chronoscope_core::projection::Projection;
use chronoscope_core::query::parse_state_query;
use chronoscope_core::stored_zip::read_stored;
use serde_json::json;

/// A few events of two streams, replayed with every projection the fuzzer makes up.
const EVENTS: &str = r#"{"stream":"po-1","type":"PoCreated","time":"2026-01-01T00:00:00Z","data":{"status":"draft","total":1250.50,"lines":[{"lineId":"L1","qty":2}]}}
{"stream":"po-1","type":"PoLineAdded","time":"2026-01-01T00:01:00Z","data":{"line":{"lineId":"L2","qty":5}},"meta":{"user":"ana.silva"}}
{"stream":"po-2","type":"PoApproved","time":"2026-01-01T00:02:00Z","data":{"note":"ok"},"meta":{"user":"dana.reyes","schema_version":2}}
{"stream":"po-1","type":"PoReminderSent","time":"2026-01-01T00:03:00Z","data":{"by":3}}"#;

/// The first byte picks the format (or detection), the second the block sizes and the step
/// budget; the rest is the source. Read in those blocks, it must give the same events and
/// problems as read in one block.
pub fn ingest(data: &[u8]) {
    let [choice, split, source @ ..] = data else {
        return;
    };
    let format = match usize::from(*choice) % (Format::ALL.len() + 1) {
        0 => None,
        // The custom mapping needs a mapping; without one it is a single problem.
        n => Some(Format::ALL[n - 1]),
    };
    let setup = || Setup {
        format,
        ..Setup::default()
    };
    let whole = read_in_pieces(setup(), &[source], usize::MAX);
    let pieces = blocks(source, usize::from(*split));
    let split_read = read_in_pieces(setup(), &pieces, usize::from(*split % 16) + 1);
    assert_eq!(
        summary(&split_read),
        summary(&whole),
        "the same source read in {} blocks",
        pieces.len()
    );
    quick_scan_agrees(source);
}

/// Each line of a source gets the same index fields from the quick scan
/// (`decode::lean_scan`) as from serde.
fn quick_scan_agrees(source: &[u8]) {
    use chronoscope_core::decode::canonical::{decode_lean, decode_lean_by_serde};
    let text = String::from_utf8_lossy(source);
    for line in text.lines() {
        assert_eq!(decode_lean(line), decode_lean_by_serde(line), "{line}");
    }
}

/// Reads a source fed in the given pieces, stepping `budget` at a time after each (also used
/// by `tests/ingest.rs`).
pub fn read_in_pieces(setup: Setup, pieces: &[&[u8]], budget: usize) -> Outcome {
    let mut ingest = Ingest::new(setup);
    for piece in pieces {
        ingest.feed(piece);
        while ingest.step(budget) == Step::Working {}
    }
    ingest.finish();
    while ingest.step(budget) != Step::Done {}
    ingest.into_outcome()
}

/// Cuts the source into blocks of 1 to 64 bytes, sizes drawn from `seed`.
fn blocks(source: &[u8], seed: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let (mut at, mut state) = (0, seed.wrapping_mul(2_654_435_761).wrapping_add(1));
    while at < source.len() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        let size = (state >> 33) % 64 + 1;
        let end = (at + size).min(source.len());
        pieces.push(&source[at..end]);
        at = end;
    }
    pieces
}

/// What a read gave: every event (stream, version, type) and every problem, as text.
fn summary(outcome: &Outcome) -> (Vec<String>, Vec<String>) {
    let timeline = &outcome.timeline;
    let events = timeline
        .all_events()
        .map(|event| format!("{} v{} {}", event.stream, event.version, event.kind))
        .collect();
    let problems = outcome
        .problems
        .iter()
        .chain(timeline.problems())
        .map(ToString::to_string)
        .collect();
    (events, problems)
}

/// A deep link read, written and read again says the same, and ignores nothing it wrote.
pub fn link(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (view, _) = ViewState::from_query(&text);
    let written = view.to_query();
    let (again, ignored) = ViewState::from_query(&written);
    assert_eq!(ignored, Vec::<String>::new(), "{written}");
    assert_eq!(again.to_query(), written);
}

/// A projection and a mapping read from any text; a projection that reads is replayed over a
/// few events.
pub fn model(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = Mapping::parse(&text);
    if let Ok(projection) = Projection::parse(&text) {
        let (decoded, _) = decode_text(EVENTS, Some(Format::Canonical));
        let timeline = project(decoded.events, Some(Arc::new(projection)));
        for stream in ["po-1", "po-2"] {
            let _ = timeline.state_after(stream, Some(0));
        }
    }
}

/// The state query and the event filter read from any text, and a query that reads is asked
/// of a state.
pub fn query(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(query) = parse_state_query(&text) {
        let state =
            json!({"status": "approved", "total": 1250.5, "lines": [{"qty": 2}], "by": null});
        let _ = query.matches(&state);
    }
    let _ = parse_event_query(&text);
}

/// The event filter (`q=`) and the state query (`where=`) over a source holding one large
/// string: the first byte says how long the query is, the query follows, and the rest, repeated
/// to 256 KB, is the string (a text search of a few thousand characters over one large string
/// once took minutes). The fuzzer's time limit per execution (`-timeout=` in
/// `scripts/fuzz.sh`) is what fails a search that is not linear.
pub fn search(data: &[u8]) {
    let [len, rest @ ..] = data else {
        return;
    };
    let (query, text) = rest.split_at((*len as usize * 8).min(rest.len()));
    let query = String::from_utf8_lossy(query);
    let text = String::from_utf8_lossy(text);
    let large: String = match text.is_empty() {
        true => "a".repeat(1 << 18),
        false => text.chars().cycle().take(1 << 18).collect(),
    };
    let state = json!({"note": large, "status": "approved", "total": 1250.5});
    let event = json!({"stream": "po-1", "type": "PoNoted", "time": "2026-01-01T00:00:00Z",
        "data": state, "meta": {"user": large.chars().take(64).collect::<String>()}});
    let outcome = Ingest::read_all(Setup::default(), &format!("{event}\n"));
    let _ = filtered_positions(&outcome.timeline, "po-1", &query);
    if let Ok(where_query) = parse_state_query(&query) {
        let _ = where_query.matches(&state);
    }
}

/// Any bytes as an evidence pack: the zip reader never reads more than the file holds (its
/// entries together are no larger than it), takes no two entries of one name and no name that
/// leaves a folder, and opening a pack never panics.
pub fn pack(data: &[u8]) {
    if let Ok(entries) = read_stored(data) {
        let total: usize = entries.iter().map(|entry| entry.bytes.len()).sum();
        assert!(
            total <= data.len(),
            "{total} bytes of entries from {}",
            data.len()
        );
        let mut names: Vec<&str> = entries.iter().map(|entry| entry.name.as_str()).collect();
        names.sort_unstable();
        let n_names = names.len();
        names.dedup();
        assert_eq!(names.len(), n_names, "two entries of one name");
        for name in names {
            assert!(
                !name.starts_with('/') && !name.split('/').any(|part| part == ".."),
                "{name:?}"
            );
        }
    }
    let _ = open_pack(data);
}
