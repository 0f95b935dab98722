//! The engine protocol: each request kind answers what the core, called directly, says
//! (a property test over random sources and moments), the answers survive the JSON they cross
//! a worker boundary as, and every request the engine cannot answer is refused with its reason.

use chronoscope_core::blame::field_history;
use chronoscope_core::diff::diff;
use chronoscope_core::engine::Engine;
use chronoscope_core::event_query::filtered_positions;
use chronoscope_core::evidence::reopen;
use chronoscope_core::export::{diff_csv, events_jsonl, moment_scope, state_json, Scope};
use chronoscope_core::ingest::{Ingest, Outcome, Setup};
use chronoscope_core::integrity::check;
use chronoscope_core::integrity::pin::pin;
use chronoscope_core::link::ViewState;
use chronoscope_core::query::parse_state_query;
use chronoscope_core::selection::select;
use chronoscope_core::table::{parse_columns, period_table, table_csv};
use chronoscope_core::time::parse_instant;
use chronoscope_core::trail::{trail_of, trail_pointers, Trail};
use chronoscope_core::view::streams::shortlist;
use chronoscope_core::view::text::{change_line, change_words};
use chronoscope_protocol::{
    Answer, Document, Envelope, EvidenceRequest, ExportKind, LineKind, Refusal, Request, Wants,
    MAX_FINDINGS, MAX_PROBLEM_LINES, VERSION,
};
use proptest::prelude::*;

use crate::common;
use serde_json::{json, Value};

/// One generated event: its stream (of three), its type, its author, whether it has a time,
/// and the field it sets.
type Spec = (usize, usize, Option<usize>, bool, usize, i64);

const STREAMS: [&str; 3] = ["po-1", "po-2", "badge-7"];
const KINDS: [&str; 3] = ["Created", "Changed", "Approved"];
const USERS: [&str; 2] = ["ana", "li"];
const FIELDS: [&str; 3] = ["status", "total", "approvedBy"];

/// Canonical NDJSON for the specs: each event sets one field, with times a minute apart
/// where the spec has one.
fn source(specs: &[Spec]) -> String {
    let mut text = String::new();
    for (i, &(stream, kind, user, timed, field, value)) in specs.iter().enumerate() {
        let mut event = json!({
            "stream": STREAMS[stream],
            "type": KINDS[kind],
            "data": { FIELDS[field]: value },
        });
        if timed {
            event["time"] = json!(format!("2026-03-31T23:{:02}:00Z", i % 60));
        }
        if let Some(user) = user {
            let correlation = format!("tx-{}", i % 3);
            event["meta"] = json!({ "user": USERS[user], "correlation_id": correlation });
        }
        text.push_str(&event.to_string());
        text.push('\n');
    }
    text
}

fn specs() -> impl Strategy<Value = Vec<Spec>> {
    prop::collection::vec(
        (
            0..STREAMS.len(),
            0..KINDS.len(),
            prop::option::of(0..USERS.len()),
            any::<bool>(),
            0..FIELDS.len(),
            -5i64..5,
        ),
        1..40,
    )
}

/// Every stream.
fn streams_request() -> Request {
    Request::Streams {
        filter: String::new(),
        selected: None,
        max: None,
    }
}

/// An engine with `text` open, and the same text read by the core directly.
fn opened(text: &str) -> (Engine, Outcome) {
    let mut engine = Engine::new();
    let answer = engine.handle(open(text, ""));
    assert!(matches!(answer, Answer::Opened(_)), "{answer:?}");
    (engine, Ingest::read_all(Setup::default(), text))
}

fn open(text: &str, link: &str) -> Request {
    Request::Open {
        label: "generated".into(),
        text: text.into(),
        link: link.into(),
        documents: vec![],
    }
}

/// Asks through JSON, as a worker or a native process is asked, and checks that the answer
/// read back from its JSON is what was sent. A file's text, which comes beside the answer as
/// its bytes, is put back in it, as the page reads it; a pack's bytes are left beside it.
fn ask(engine: &mut Engine, id: u64, request: Request) -> Answer {
    let text = serde_json::to_string(&Envelope::new(id, request)).unwrap();
    let mut answer: Envelope<Answer> = serde_json::from_str(&engine.answer_json(&text)).unwrap();
    assert_eq!((answer.v, answer.id), (VERSION, id));
    match &mut answer.body {
        Answer::File(file) if file.mime != "application/zip" => {
            assert_eq!(file.text, None, "a file's text comes beside its answer");
            file.text = engine
                .take_attachment()
                .and_then(|bytes| String::from_utf8(bytes).ok());
        }
        _ => (),
    }
    answer.body
}

/// A moment of a stream of `len` events: the state after event `pos`, or before the first
/// event where the stream has no such position.
fn opt_pos(pos: usize, len: usize) -> Option<usize> {
    (pos < len).then_some(pos)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn each_request_answers_what_the_core_says(specs in specs(), a in 0usize..40, b in 0usize..40, f in 0..FIELDS.len()) {
        let text = source(&specs);
        let (mut engine, direct) = opened(&text);
        let timeline = &direct.timeline;

        let Answer::Streams { streams, n_matching } = ask(&mut engine, 1, streams_request()) else { panic!() };
        prop_assert_eq!(n_matching, timeline.n_streams());
        let expected: Vec<_> = timeline.streams().into_iter().map(|s| (s.name, s.n_events)).collect();
        prop_assert_eq!(streams.into_iter().map(|s| (s.name, s.n_events)).collect::<Vec<_>>(), expected);
        let shortlisted = Request::Streams { filter: "PO".into(), selected: Some("badge-7".into()), max: Some(1) };
        let Answer::Streams { streams, n_matching } = ask(&mut engine, 1, shortlisted) else { panic!() };
        let (want, n_want) = shortlist(&timeline.streams(), "PO", Some("badge-7"), 1);
        prop_assert_eq!(n_matching, n_want);
        prop_assert_eq!(streams.iter().map(|s| &s.name).collect::<Vec<_>>(), want.iter().map(|s| &s.name).collect::<Vec<_>>());

        for summary in timeline.streams() {
            let stream = summary.name;
            let len = summary.n_events;
            let (pa, pb) = (opt_pos(a, len), opt_pos(b, len));

            let Answer::State { state } = ask(&mut engine, 2, Request::State { stream: stream.clone(), pos: pa }) else { panic!() };
            prop_assert_eq!(&state, &timeline.state_after(&stream, pa));

            let Answer::Diff { changes } = ask(&mut engine, 3, Request::Diff { stream: stream.clone(), from: pa, to: pb }) else { panic!() };
            let expected = diff(&timeline.state_after(&stream, pa), &timeline.state_after(&stream, pb));
            prop_assert_eq!(changes.len(), expected.len());
            for (got, want) in changes.iter().zip(&expected) {
                prop_assert_eq!(serde_json::to_value(got.op).unwrap(), json!(want.op.as_str()));
                prop_assert_eq!(&got.path, &want.path);
                prop_assert_eq!(&got.from, &want.from);
                prop_assert_eq!(&got.before, &want.before);
                prop_assert_eq!(&got.after, &want.after);
            }

            let from = a.min(len);
            let Answer::Events { rows, n_rows, .. } = ask(&mut engine, 4, Request::Events { stream: stream.clone(), from, len: b, filter: None, find: None }) else { panic!() };
            prop_assert_eq!(rows.len(), b.min(len - from));
            prop_assert_eq!(n_rows, len);
            for row in &rows {
                let head = timeline.head_at(&stream, row.pos).unwrap();
                prop_assert_eq!((row.seq, row.version, row.kind.as_str()), (head.seq, head.version, head.kind));
                prop_assert_eq!(row.user.as_deref(), head.user);
                prop_assert_eq!(row.time, head.timed.then_some(head.time));
            }

            let path = format!("/{}", FIELDS[f]);
            let Answer::Blame { changes } = ask(&mut engine, 5, Request::Blame { stream: stream.clone(), path: path.clone() }) else { panic!() };
            let expected = field_history(timeline, &stream, &path);
            prop_assert_eq!(changes.len(), expected.len());
            for (got, want) in changes.iter().zip(&expected) {
                prop_assert_eq!((got.pos, &got.before, &got.after), (want.pos, &want.before, &want.after));
                prop_assert_eq!(got.user.as_deref(), timeline.head_at(&stream, want.pos).unwrap().user);
            }

            // The printed report's history: each event up to the moment, with what it changed,
            // as a diff from the event before would say.
            let Answer::History(history) = ask(&mut engine, 5, Request::History { stream: stream.clone(), upto: pa, max: b }) else { panic!() };
            let end = pa.map_or(0, |p| p + 1);
            let first = end.saturating_sub(b);
            prop_assert_eq!((history.n_left_out, history.n_after, history.rows.len()), (first, len - end, end - first));
            for (row, pos) in history.rows.iter().zip(first..end) {
                prop_assert_eq!(row.row.pos, pos);
                let before = timeline.state_after(&stream, pos.checked_sub(1));
                let lines: Vec<String> = diff(&before, &timeline.state_after(&stream, Some(pos))).iter().map(change_line).collect();
                prop_assert_eq!(&row.changes, &lines);
            }

            let link = format!("stream={stream}&v={}", b + 1);
            let Answer::Selected(selected) = ask(&mut engine, 6, Request::Select { link: link.clone() }) else { panic!() };
            let expected = select(timeline, &ViewState::from_query(&link).0);
            prop_assert_eq!((&selected.stream, selected.pos, selected.compare), (&expected.stream, expected.pos, expected.compare));
            prop_assert_eq!(selected.compare_cursor.as_ref().map(|c| c.version), expected.compare.map(|p| timeline.head_at(&stream, p).unwrap().version));
            prop_assert_eq!(&selected.notes, &expected.notes);
            prop_assert_eq!(selected.cursor.as_ref().map(|c| c.version), expected.pos.map(|p| timeline.head_at(&stream, p).unwrap().version));
            prop_assert_eq!(selected.n_events, len);

            // The moment in one answer: the selection, both states and the diff, as asked apart.
            let Answer::Moment(moment) = ask(&mut engine, 6, Request::Moment { link: link.clone(), at: None }) else { panic!() };
            prop_assert_eq!(&moment.selected, &selected);
            prop_assert_eq!(&moment.state, &timeline.state_after(&stream, expected.pos));
            prop_assert_eq!(&moment.compare_state, &timeline.state_after(&stream, expected.compare));
            let Answer::Diff { changes } = ask(&mut engine, 3, Request::Diff { stream: stream.clone(), from: expected.compare, to: expected.pos }) else { panic!() };
            prop_assert_eq!(&moment.changes, &changes);

            // Side by side with another stream (`with=`): its state where the core puts the
            // comparison point, named by its cursor, and every path compared.
            for other in timeline.streams().into_iter().map(|s| s.name).filter(|name| *name != stream) {
                let with = format!("{link}&with={other}");
                let Answer::Moment(side) = ask(&mut engine, 6, Request::Moment { link: with.clone(), at: None }) else { panic!() };
                let expected = select(timeline, &ViewState::from_query(&with).0);
                prop_assert_eq!(side.selected.compare_stream.as_deref(), Some(other.as_str()));
                prop_assert_eq!((side.selected.pos, side.selected.compare), (expected.pos, expected.compare));
                prop_assert_eq!(side.selected.compare_cursor.as_ref().map(|c| c.version), expected.compare.map(|p| timeline.head_at(&other, p).unwrap().version));
                let before = timeline.state_after(&other, expected.compare);
                prop_assert_eq!(&side.compare_state, &before);
                let words: Vec<_> = side.changes.iter().map(|c| c.path.clone()).collect();
                let want: Vec<_> = diff(&before, &side.state).into_iter().map(|d| d.path).collect();
                prop_assert_eq!(words, want);
            }

            // Moved to a position: the event there, named as a link names it, which selects it.
            let Answer::Moment(moved) = ask(&mut engine, 6, Request::Moment { link: link.clone(), at: Some(a) }) else { panic!() };
            let at = if a < len { a } else { expected.pos.unwrap_or(0) };
            let head = timeline.head_at(&stream, at).unwrap();
            prop_assert_eq!(moved.selected.pos, Some(at));
            let cursor = moved.selected.cursor.clone().unwrap();
            prop_assert_eq!((cursor.version, cursor.occurrence), (head.version, timeline.occurrence_at(&stream, at)));
            let dup = if cursor.occurrence > 1 { format!("&dup={}", cursor.occurrence) } else { String::new() };
            let written = format!("stream={stream}&v={}{dup}", cursor.version);
            let Answer::Moment(again) = ask(&mut engine, 6, Request::Moment { link: written, at: None }) else { panic!() };
            prop_assert_eq!(&again.selected.pos, &moved.selected.pos);
            prop_assert_eq!(&again.state, &moved.state);
            prop_assert_eq!(&again.changes, &moved.changes);

            // The printed report of the link's moment: the verdict, the link pinned to the data,
            // every event up to the moment, the state and what changed, as asked apart.
            let printed = parse_instant("2026-12-07T08:00:00Z").unwrap();
            let asked = Request::Report { link: link.clone(), page: "https://c.example/".into(), link_base: None, printed };
            let Answer::Report { lines } = ask(&mut engine, 9, asked) else { panic!() };
            let has = |kind: LineKind, text: &str| lines.iter().any(|l| l.kind == kind && l.text == text);
            let verdict = check(timeline, direct.detection.format, &direct.problems).summary;
            prop_assert!(has(LineKind::Field, &format!("Integrity: {verdict}")), "{lines:?}");
            let Answer::Pinned { query } = ask(&mut engine, 9, Request::Pin { link: link.clone() }) else { panic!() };
            prop_assert!(has(LineKind::Field, &format!("Link: https://c.example/?{query}")), "{lines:?}");
            prop_assert!(lines.iter().any(|l| l.text == "Printed:" && l.time == Some(printed)));
            let events: Vec<_> = lines.iter().filter(|l| l.kind == LineKind::Event).collect();
            prop_assert_eq!(events.len(), expected.pos.map_or(0, |p| p + 1));
            for (line, pos) in events.iter().zip(0..) {
                let head = timeline.head_at(&stream, pos).unwrap();
                prop_assert!(line.text.starts_with(&format!("v{} · {} · ", head.version, head.kind)), "{line:?}");
                prop_assert_eq!(line.time, head.timed.then_some(head.time));
            }
            let state = chronoscope_core::export::pretty(&timeline.state_after(&stream, expected.pos));
            prop_assert!(has(LineKind::Code, &state), "{lines:?}");
            for change in diff(&timeline.state_after(&stream, expected.compare), &timeline.state_after(&stream, expected.pos)) {
                let words = change_line(&change);
                prop_assert!(has(LineKind::Change, &words), "{words} in {lines:?}");
            }
        }

        let at = format!("2026-03-31T23:{:02}:00Z", a % 60);
        let query = format!("{}>={}", FIELDS[f], b as i64 % 5 - 2);
        let Answer::Table(table) = ask(&mut engine, 7, Request::Table { at: Some(at.clone()), columns: None, query: Some(query.clone()), from: 0, len: None }) else { panic!() };
        let expected = period_table(timeline, Some(parse_instant(&at).unwrap()), None, Some(&parse_state_query(&query).unwrap()));
        prop_assert_eq!(&table.columns, &expected.columns);
        prop_assert_eq!((table.n_rows, table.n_not_yet, table.n_unmatched), (expected.rows.len(), expected.n_not_yet, expected.n_unmatched));
        let rows: Vec<_> = table.rows.iter().map(|r| (&r.stream, r.pos, r.version, r.time, &r.cells)).collect();
        let want: Vec<_> = expected.rows.iter().map(|r| (&r.stream, r.pos, r.version, r.time, &r.cells)).collect();
        prop_assert_eq!(rows, want);
        // A window of the same table in other columns: the rows there, as the whole table in
        // those columns has them.
        let (from, len) = (a % 5, b % 4);
        let columns = FIELDS[f].to_string();
        let Answer::Table(window) = ask(&mut engine, 8, Request::Table { at: Some(at.clone()), columns: Some(columns.clone()), query: Some(query.clone()), from, len: Some(len) }) else { panic!() };
        let expected = period_table(timeline, Some(parse_instant(&at).unwrap()), Some(parse_columns(&columns)), Some(&parse_state_query(&query).unwrap()));
        prop_assert_eq!((window.from, window.n_rows), (from.min(expected.rows.len()), expected.rows.len()));
        let rows: Vec<_> = window.rows.iter().map(|r| (&r.stream, r.pos, &r.cells)).collect();
        let want: Vec<_> = expected.rows.iter().skip(from).take(len).map(|r| (&r.stream, r.pos, &r.cells)).collect();
        prop_assert_eq!(rows, want);
        // The same table's CSV, from the table kept: as the core writes the whole table.
        let view = ViewState { time: Some(at.clone()), where_query: Some(query.clone()), columns: Some(columns.clone()), ..ViewState::default() };
        let Answer::File(file) = ask(&mut engine, 9, Request::Export { what: ExportKind::TableCsv, link: view.to_query() }) else { panic!() };
        prop_assert_eq!(file.text, Some(table_csv(&expected, "generated")));

        let Answer::Integrity(report) = ask(&mut engine, 8, Request::Integrity) else { panic!() };
        let expected = check(timeline, direct.detection.format, &direct.problems);
        prop_assert_eq!((report.result.as_str(), &report.summary, report.n_events), (expected.result, &expected.summary, expected.n_events));
        prop_assert_eq!(report.findings.len(), expected.findings.len());
    }

    #[test]
    fn a_search_across_streams_finds_in_log_order_what_each_stream_s_filter_finds(specs in specs(), k in 0..KINDS.len(), from in 0usize..30, len in 1usize..50) {
        let text = source(&specs);
        let (mut engine, direct) = opened(&text);
        let timeline = &direct.timeline;
        let query = format!("type:{}", KINDS[k]);
        let mut expected: Vec<(usize, String, usize)> = Vec::new();
        for summary in timeline.streams() {
            let log = timeline.stream_log_positions(&summary.name);
            for pos in filtered_positions(timeline, &summary.name, &query).unwrap().unwrap() {
                expected.push((log[pos] as usize, summary.name.clone(), pos));
            }
        }
        expected.sort();
        let Answer::Events { rows, n_rows, filter_problem, from: start, .. } = ask(&mut engine, 1, Request::Search { query, from, len }) else { panic!() };
        prop_assert_eq!(filter_problem, None);
        prop_assert_eq!(n_rows, expected.len());
        prop_assert_eq!(start, from.min(expected.len()));
        let window: Vec<_> = expected.iter().skip(from).take(len).map(|(_, stream, pos)| (stream.clone(), *pos)).collect();
        let found: Vec<_> = rows.iter().map(|row| (row.stream.clone().unwrap_or_default(), row.pos)).collect();
        prop_assert_eq!(found, window);
    }

    #[test]
    fn what_the_panel_draws_of_a_stream_and_an_event_is_what_the_core_says(specs in specs(), a in 0usize..40, k in 0..KINDS.len(), bins in 1usize..60) {
        let text = source(&specs);
        let (mut engine, direct) = opened(&text);
        let timeline = &direct.timeline;
        for summary in timeline.streams() {
            let stream = summary.name;
            let pos = a % summary.n_events;

            let filter = format!("type:{}", KINDS[k]);
            let Answer::Events { rows, n_rows, filter_problem, found_row, .. } = ask(&mut engine, 1, Request::Events { stream: stream.clone(), from: 0, len: 100, filter: Some(filter.clone()), find: Some(pos) }) else { panic!() };
            let shown = filtered_positions(timeline, &stream, &filter).unwrap().unwrap();
            prop_assert_eq!(filter_problem, None);
            prop_assert_eq!(n_rows, shown.len());
            prop_assert_eq!(&rows.iter().map(|r| r.pos).collect::<Vec<_>>(), &shown);
            prop_assert_eq!(found_row, shown.binary_search(&pos).ok());

            // How many of the stream's events the log's first `upto` hold: counted event by event.
            let upto = bins % (timeline.len() + 2);
            let Answer::Counted { n } = ask(&mut engine, 2, Request::Count { stream: stream.clone(), upto }) else { panic!() };
            prop_assert_eq!(n, (0..upto.min(timeline.len())).filter(|&idx| timeline.event(idx).stream == stream).count());

            let Answer::Stream(info) = ask(&mut engine, 2, Request::Stream { stream: stream.clone(), bins }) else { panic!() };
            let mut kinds = timeline.stream_kinds(&stream);
            kinds.sort_by_key(|kind| timeline.kind_index(kind));
            prop_assert_eq!(info.kinds.iter().map(|k| k.kind.as_str()).collect::<Vec<_>>(), kinds);
            prop_assert_eq!(info.span.is_some(), timeline.stream_has_times(&stream));
            let density: Vec<_> = match info.span {
                Some(_) => timeline.density(&stream, bins).into_iter().map(|b| (b.n_events, b.main_kind)).collect(),
                None => vec![],
            };
            prop_assert_eq!(info.density.iter().map(|b| (b.n_events, b.main_kind)).collect::<Vec<_>>(), density);

            let Answer::Event(detail) = ask(&mut engine, 3, Request::Event { stream: stream.clone(), pos }) else { panic!() };
            let event = timeline.event_at(&stream, pos).unwrap();
            prop_assert_eq!(Some(detail.record.as_str()), timeline.record_text_at(&stream, pos));
            prop_assert_eq!(detail.change, change_words(&event.change, &event.kind, None));
            prop_assert_eq!(detail.row.version, event.version);

            let seq = timeline.stream_log_positions(&stream)[pos] as u64;
            let Answer::Located { stream: found, row } = ask(&mut engine, 4, Request::Locate { seq }) else { panic!() };
            prop_assert_eq!((&found, row.pos, row.seq), (&stream, pos, seq));
            let Answer::Trail(trail) = ask(&mut engine, 4, Request::Trail { stream: stream.clone(), pos }) else { panic!() };
            let log_idx = timeline.stream_log_positions(&stream)[pos] as usize;
            match trail_of(timeline, log_idx, &trail_pointers(None, direct.detection.format)) {
                Trail::NoCorrelation { looked_at } => {
                    prop_assert_eq!(trail.correlation, None);
                    prop_assert_eq!(trail.looked_at, looked_at);
                }
                Trail::Found { correlation, entries } => {
                    prop_assert_eq!(trail.correlation, Some(correlation));
                    let steps: Vec<_> = trail.steps.iter().map(|s| (s.row.seq as usize, s.depth, s.caused_by)).collect();
                    let want: Vec<_> = entries.iter().map(|e| (e.log_idx, e.depth, e.caused_by)).collect();
                    prop_assert_eq!(steps, want);
                    for step in &trail.steps {
                        prop_assert_eq!(u64::from(timeline.stream_log_positions(&step.stream)[step.row.pos]), step.row.seq);
                    }
                }
            }

            let link = format!("stream={stream}&v={}", event.version);
            let Answer::Pinned { query } = ask(&mut engine, 5, Request::Pin { link: link.clone() }) else { panic!() };
            let selected = select(timeline, &ViewState::from_query(&link).0);
            let (view, ignored) = ViewState::from_query(&query);
            prop_assert_eq!(ignored, Vec::<String>::new());
            let want = pin(timeline, &stream, selected.pos.unwrap()).unwrap();
            prop_assert_eq!(view.pin.clone(), Some(want.hash));
            prop_assert_eq!(view.pin_marks.clone(), Some(want.marks));
            prop_assert_eq!(select(timeline, &view).pos, selected.pos);

            let Answer::File(file) = ask(&mut engine, 6, Request::Export { what: ExportKind::State, link: link.clone() }) else { panic!() };
            let scope = moment_scope(timeline, &stream, selected.pos.unwrap()).unwrap();
            let state = timeline.state_after(&stream, selected.pos);
            prop_assert_eq!(file.text, Some(state_json(&state, &scope)));
            prop_assert_eq!(file.scope, scope.text());
            let Answer::Scopes { moment, list } = ask(&mut engine, 9, Request::Scopes { link: link.clone() }) else { panic!() };
            prop_assert_eq!(moment, Some(scope.text()));
            prop_assert_eq!(list, Some(format!("{} of stream {stream}", if summary.n_events == 1 { "1 event".to_string() } else { format!("{} events", summary.n_events) })));

            let Answer::File(file) = ask(&mut engine, 7, Request::Export { what: ExportKind::DiffCsv, link: link.clone() }) else { panic!() };
            let before = timeline.state_after(&stream, selected.compare);
            let from = match selected.compare {
                Some(c) => format!("v{}", timeline.head_at(&stream, c).unwrap().version),
                None => "the empty state before the first event".into(),
            };
            prop_assert_eq!(file.text, Some(diff_csv(&diff(&before, &state), &from, &scope)));

            let list = format!("stream={stream}&q=type:{}", KINDS[k]);
            let Answer::File(file) = ask(&mut engine, 8, Request::Export { what: ExportKind::EventsJsonl, link: list }) else { panic!() };
            let all = timeline.stream_log_positions(&stream);
            let positions: Vec<usize> = shown.iter().map(|&p| all[p] as usize).collect();
            let scope = Scope { n_events: positions.len(), stream: Some(stream.clone()), filter: Some(filter), as_of: None };
            prop_assert_eq!(file.text, Some(events_jsonl(timeline, &positions, &scope)));
        }
    }

    #[test]
    fn a_source_fed_in_pieces_cut_anywhere_answers_as_the_whole_text(specs in specs(), cuts in prop::collection::vec(0usize..4000, 0..6)) {
        // A non-ASCII author, so that cuts fall inside characters too.
        let text = source(&specs).replace("\"ana\"", "\"anaïs 采购\"");
        let bytes = text.as_bytes();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let mut engine = Engine::new();
        let begin = Request::Begin { label: "download".into(), link: String::new(), documents: vec![], url: None, ranges: false, status: None };
        let Answer::Opened(opened) = engine.handle(begin) else { panic!() };
        prop_assert_eq!(opened.wants, Wants::Bytes);
        let mut from = 0;
        for cut in cuts.into_iter().chain([bytes.len()]) {
            let piece = &bytes[from..cut];
            let answer = engine.answer_attached(Envelope::new(1, Request::Feed), piece.len(), |into| into.copy_from_slice(piece));
            let Answer::Opened(opened) = answer.body else { panic!("{answer:?}") };
            prop_assert_eq!(opened.wants, Wants::Bytes);
            // What has arrived can be asked about meanwhile.
            let Answer::Streams { .. } = engine.handle(streams_request()) else { panic!() };
            from = cut;
        }
        let Answer::Opened(opened) = engine.handle(Request::Finish) else { panic!() };
        prop_assert_eq!(&opened.wants, &Wants::Nothing);
        let whole = Ingest::read_all(Setup::default(), &text);
        prop_assert_eq!(opened.n_events, whole.timeline.len());
        prop_assert_eq!(opened.problems.len(), whole.problems.len() + whole.timeline.problems().len());
        for summary in whole.timeline.streams() {
            let pos = Some(summary.n_events - 1);
            let Answer::State { state } = engine.handle(Request::State { stream: summary.name.clone(), pos }) else { panic!() };
            prop_assert_eq!(state, whole.timeline.state_after(&summary.name, pos));
        }
    }

    #[test]
    fn appended_events_answer_as_the_whole_text_read_at_once(specs in specs(), cut in 0usize..40) {
        let text = source(&specs);
        let lines: Vec<&str> = text.lines().collect();
        let cut = cut.min(lines.len() - 1).max(1);
        let (head, tail) = (lines[..cut].join("\n") + "\n", lines[cut..].join("\n") + "\n");
        let mut engine = Engine::new();
        engine.handle(open(&head, ""));
        let Answer::Opened(opened) = engine.handle(Request::Append { text: tail }) else { panic!() };
        let whole = Ingest::read_all(Setup::default(), &text).timeline;
        prop_assert_eq!(opened.n_events, whole.len());
        for summary in whole.streams() {
            let Answer::State { state } = engine.handle(Request::State { stream: summary.name.clone(), pos: Some(summary.n_events - 1) }) else { panic!() };
            prop_assert_eq!(state, whole.state_after(&summary.name, Some(summary.n_events - 1)));
        }
    }
}

const PO: &str = r#"{"stream":"po-1","type":"PoCreated","time":"2026-01-05T09:00:00Z","data":{"status":"draft","total":12.50},"meta":{"user":"ana"}}
{"stream":"po-1","type":"PoApproved","time":"2026-03-31T23:59:59.123456789Z","data":{"status":"approved","total":1e400},"meta":{"user":"li"}}
"#;

#[test]
fn numbers_and_times_cross_the_protocol_exactly() {
    let mut engine = Engine::new();
    engine.handle(open(PO, ""));
    let answer = ask(
        &mut engine,
        9,
        Request::State {
            stream: "po-1".into(),
            pos: Some(1),
        },
    );
    let Answer::State { state } = answer else {
        panic!("{answer:?}")
    };
    // Past f64's range, with its digits kept; the core spells every exponent `e+` (`number`).
    assert_eq!(state["total"].to_string(), "1e+400");
    let Answer::Events { rows, .. } = ask(
        &mut engine,
        10,
        Request::Events {
            stream: "po-1".into(),
            from: 0,
            len: 9,
            filter: None,
            find: None,
        },
    ) else {
        panic!()
    };
    let json = serde_json::to_value(&rows[1]).unwrap();
    assert_eq!(json["time"], "2026-03-31T23:59:59.123456789Z");
    let Answer::State { state } = ask(
        &mut engine,
        11,
        Request::State {
            stream: "po-1".into(),
            pos: Some(0),
        },
    ) else {
        panic!()
    };
    assert_eq!(state["total"].to_string(), "12.50");
}

#[test]
fn a_request_of_another_version_is_refused() {
    let mut engine = Engine::new();
    let answer = engine.answer(Envelope {
        v: VERSION + 1,
        id: 4,
        body: streams_request(),
    });
    assert_eq!(answer.id, 4);
    assert_eq!(
        answer.body,
        Answer::Refused(Refusal::Version {
            ours: VERSION,
            theirs: VERSION + 1
        })
    );
}

#[test]
fn text_that_is_not_a_request_is_refused_with_its_place() {
    let mut engine = Engine::new();
    let answer: Envelope<Answer> = serde_json::from_str(
        &engine.answer_json("{\"v\":1,\"id\":7,\n\"body\":{\"ask\":\"fly\"}}"),
    )
    .unwrap();
    assert_eq!(answer.id, 7);
    let Answer::Refused(Refusal::NotARequest { line, message, .. }) = answer.body else {
        panic!("{answer:?}")
    };
    assert_eq!(line, 2);
    assert!(message.contains("fly"), "{message}");
}

#[test]
fn questions_before_a_source_is_open_are_refused() {
    let mut engine = Engine::new();
    for request in [
        streams_request(),
        Request::Integrity,
        Request::Append { text: PO.into() },
    ] {
        assert_eq!(
            engine.handle(request),
            Answer::Refused(Refusal::NothingOpen)
        );
    }
}

#[test]
fn an_unknown_stream_or_position_is_refused_by_name() {
    let mut engine = Engine::new();
    engine.handle(open(PO, ""));
    assert_eq!(
        engine.handle(Request::State {
            stream: "po-9".into(),
            pos: None
        }),
        Answer::Refused(Refusal::NoStream {
            stream: "po-9".into()
        })
    );
    assert_eq!(
        engine.handle(Request::Diff {
            stream: "po-1".into(),
            from: Some(0),
            to: Some(2)
        }),
        Answer::Refused(Refusal::NoPosition {
            stream: "po-1".into(),
            pos: 2
        })
    );
}

#[test]
fn a_query_or_time_that_cannot_be_read_is_refused_with_why() {
    let mut engine = Engine::new();
    engine.handle(open(PO, ""));
    let answer = engine.handle(Request::Table {
        at: None,
        columns: None,
        query: Some("status=\"draft".into()),
        from: 0,
        len: None,
    });
    let Answer::Refused(Refusal::Query { text, message }) = answer else {
        panic!("{answer:?}")
    };
    assert_eq!(text, "status=\"draft");
    assert!(message.starts_with("column "), "{message}");
    let answer = engine.handle(Request::Table {
        at: Some("quarter end".into()),
        columns: None,
        query: None,
        from: 0,
        len: None,
    });
    assert!(
        matches!(answer, Answer::Refused(Refusal::Time { .. })),
        "{answer:?}"
    );
}

#[test]
fn bad_lines_are_problems_at_their_place_and_the_good_events_stay() {
    let mut engine = Engine::new();
    let text = format!("{PO}{{\"stream\":\n");
    let Answer::Opened(opened) = engine.handle(open(&text, "")) else {
        panic!()
    };
    assert_eq!(opened.n_events, 2);
    assert_eq!(opened.problems.len(), 1, "{:?}", opened.problems);
    assert!(
        opened.problems[0].place.contains('3'),
        "{:?}",
        opened.problems[0]
    );
}

#[test]
fn an_answer_lists_the_first_problems_and_counts_them_all() {
    let mut engine = Engine::new();
    let bad = "{\"stream\":\n".repeat(MAX_PROBLEM_LINES + 50);
    let Answer::Opened(opened) = engine.handle(open(&format!("{PO}{bad}"), "")) else {
        panic!()
    };
    assert_eq!(opened.n_events, 2);
    assert_eq!(opened.n_problems, MAX_PROBLEM_LINES + 50);
    assert_eq!(opened.problems.len(), MAX_PROBLEM_LINES);
    // The first ones, in the order of the source: lines 3 onwards.
    assert!(
        opened.problems[0].place.contains('3'),
        "{:?}",
        opened.problems[0]
    );
}

#[test]
fn an_integrity_answer_lists_the_first_findings_and_counts_them_all() {
    // Each stream skips a version: one finding per stream.
    let mut text = String::new();
    for n in 0..MAX_FINDINGS + 10 {
        for version in [1, 3] {
            text.push_str(&format!(
                "{{\"stream\":\"s-{n}\",\"version\":{version},\"time\":\"2026-01-01T00:00:00Z\",\"type\":\"Set\",\"data\":{{}}}}\n"
            ));
        }
    }
    let mut engine = Engine::new();
    engine.handle(open(&text, ""));
    let Answer::Integrity(report) = engine.handle(Request::Integrity) else {
        panic!()
    };
    assert_eq!(report.n_findings, MAX_FINDINGS + 10);
    assert_eq!(report.findings.len(), MAX_FINDINGS);
    assert_eq!(report.findings[0].stream.as_deref(), Some("s-0"));
}

#[test]
fn a_projection_named_by_address_is_read_from_the_request_or_said_missing() {
    let projection = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../demo/cambium.projection.json"
    ))
    .unwrap();
    let demo = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../demo/cambium-demo.ndjson"
    ))
    .unwrap();
    let link = "proj=demo/cambium.projection.json";
    let mut engine = Engine::new();
    let Answer::Opened(missing) = engine.handle(open(&demo, link)) else {
        panic!()
    };
    let said: Vec<_> = missing
        .problems
        .iter()
        .filter(|p| p.message.contains("demo/cambium.projection.json"))
        .collect();
    assert_eq!(said.len(), 1, "{:?}", missing.problems);
    assert!(said[0].place.contains("proj"), "{:?}", said[0]);

    let request = Request::Open {
        label: "demo".into(),
        text: demo.clone(),
        link: link.into(),
        documents: vec![Document {
            address: "demo/cambium.projection.json".into(),
            text: projection.clone(),
            unfetched: false,
        }],
    };
    let Answer::Opened(opened) = engine.handle(request) else {
        panic!()
    };
    assert!(
        opened
            .problems
            .iter()
            .all(|p| !p.message.contains("was not sent")),
        "{:?}",
        opened.problems
    );
    // The projection makes the replay differ from the plain fold of the same text somewhere.
    let plain = Ingest::read_all(Setup::default(), &demo).timeline;
    let differs = plain.streams().into_iter().any(|s| {
        let last = Some(s.n_events - 1);
        engine.handle(Request::State {
            stream: s.name.clone(),
            pos: last,
        }) != Answer::State {
            state: plain.state_after(&s.name, last),
        }
    });
    assert!(differs, "the projection was not applied");
    let _: Value = serde_json::from_str(&projection).unwrap();
}

#[test]
fn the_native_process_answers_the_same_requests_line_by_line() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let requests = [
        Envelope::new(1, open(PO, "")),
        Envelope::new(
            2,
            Request::State {
                stream: "po-1".into(),
                pos: Some(1),
            },
        ),
    ];
    let mut input: Vec<String> = requests
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    input.insert(1, "not json".into());
    let mut child = Command::new(env!("CARGO_BIN_EXE_chronoscope-engine"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all((input.join("\n") + "\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let answers: Vec<Envelope<Answer>> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(answers.len(), 3);
    assert!(matches!(answers[0].body, Answer::Opened(ref o) if o.n_events == 2));
    assert!(
        matches!(
            answers[1].body,
            Answer::Refused(Refusal::NotARequest {
                line: 1,
                column: 2,
                ..
            })
        ),
        "{:?}",
        answers[1]
    );
    let mut engine = Engine::new();
    engine.handle(open(PO, ""));
    assert_eq!(
        answers[2].body,
        engine.handle(Request::State {
            stream: "po-1".into(),
            pos: Some(1)
        })
    );
}

/// 300 timed events, one after another in each of the three streams in turn (100 each).
fn three_streams_of_100() -> String {
    source(
        &(0..300)
            .map(|i| (i % 3, i % 3, Some(i % 2), true, i % 3, (i % 5) as i64))
            .collect::<Vec<_>>(),
    )
}

#[test]
fn open_answers_once_indexed_and_the_fold_that_follows_changes_no_answer() {
    let text = three_streams_of_100();
    let mut engine = Engine::new();
    let Answer::Opened(opened) = engine.handle(open(&text, "")) else {
        panic!()
    };
    assert_eq!(
        (opened.n_events, opened.n_folded),
        (300, 0),
        "indexed, not folded yet"
    );
    assert!(engine.has_work());
    let before: Vec<Answer> = STREAMS
        .iter()
        .map(|s| {
            engine.handle(Request::State {
                stream: s.to_string(),
                pos: Some(57),
            })
        })
        .collect();
    // The stream a view selects is folded at once; the others wait.
    engine.handle(Request::Select {
        link: "stream=po-2".into(),
    });
    let Answer::Opened(status) = engine.handle(Request::Status) else {
        panic!()
    };
    assert_eq!(status.n_folded, 100);
    while engine.work(7) {}
    assert!(!engine.has_work());
    let Answer::Opened(status) = engine.handle(Request::Status) else {
        panic!()
    };
    assert_eq!(status.n_folded, 300);
    let after: Vec<Answer> = STREAMS
        .iter()
        .map(|s| {
            engine.handle(Request::State {
                stream: s.to_string(),
                pos: Some(57),
            })
        })
        .collect();
    assert_eq!(before, after);
    let direct = Ingest::read_all(Setup::default(), &text).timeline;
    assert_eq!(
        after[0],
        Answer::State {
            state: direct.state_after("po-1", Some(57))
        }
    );
}

#[test]
fn a_mapping_is_checked_without_a_source_as_a_load_would_read_it() {
    let mut engine = Engine::new();
    let text =
        r#"{"stream": ["/table_name", "/record_id"], "type": "/action", "time": "/created_at"}"#;
    let Answer::MappingChecked { mapping } =
        engine.handle(Request::CheckMapping { text: text.into() })
    else {
        panic!("a usable mapping is answered")
    };
    // As a link carries it: the mapping itself, written again.
    let expected = chronoscope_core::decode::mapping::Mapping::parse(text)
        .unwrap()
        .to_json();
    assert_eq!(mapping, expected);
    let bad = r#"{"stream": "table_name", "type": "/action", "time": "/changed_at"}"#;
    let Answer::Refused(refusal) = engine.handle(Request::CheckMapping { text: bad.into() }) else {
        panic!("a mapping with a bare name is refused")
    };
    assert_eq!(
        refusal.to_string(),
        "`table_name` is not a JSON Pointer (it must start with `/`)"
    );
    let Answer::Refused(refusal) = engine.handle(Request::CheckMapping { text: "{".into() }) else {
        panic!("text that is not JSON is refused")
    };
    assert!(
        refusal
            .to_string()
            .starts_with("the mapping is not valid: "),
        "{refusal}"
    );
}

#[test]
fn a_moment_folds_the_stream_it_selects_as_select_does() {
    let text = three_streams_of_100();
    let mut engine = Engine::new();
    engine.handle(open(&text, ""));
    engine.handle(Request::Moment {
        link: "stream=po-2".into(),
        at: Some(3),
    });
    let Answer::Opened(status) = engine.handle(Request::Status) else {
        panic!()
    };
    assert_eq!(status.n_folded, 100, "the selected stream, and only it");
}

#[test]
fn a_check_asked_while_streams_are_folded_waits_and_the_requests_after_it_are_answered() {
    let text = three_streams_of_100();
    let mut engine = Engine::new();
    engine.handle(open(&text, ""));
    assert!(engine.has_work());
    let integrity = json!({"v": VERSION, "id": 41, "body": {"ask": "integrity"}}).to_string();
    let status = json!({"v": VERSION, "id": 42, "body": {"ask": "status"}}).to_string();
    assert_eq!(
        engine.answer_json_or_wait(&integrity),
        None,
        "it waits for the fold"
    );
    let answered = engine
        .answer_json_or_wait(&status)
        .expect("answered at once");
    let answered: Envelope<Answer> = serde_json::from_str(&answered).unwrap();
    assert_eq!(answered.id, 42);
    assert!(
        engine.answers_ready().is_empty(),
        "nothing before the fold is done"
    );
    while engine.work(7) {
        assert!(engine.answers_ready().is_empty());
    }
    let ready = engine.answers_ready();
    assert_eq!(ready.len(), 1);
    let waited: Envelope<Answer> = serde_json::from_str(&ready[0].0).unwrap();
    assert_eq!(waited.id, 41);
    // The same report as a check asked of the source folded at once.
    let mut folded = Engine::new();
    folded.handle(open(&text, ""));
    let Answer::Integrity(expected) = folded.handle(Request::Integrity) else {
        panic!()
    };
    assert_eq!(waited.body, Answer::Integrity(expected));
    assert!(
        engine.answers_ready().is_empty(),
        "each answer is given once"
    );
    // Once everything is folded, a check is answered at once.
    assert!(engine.answer_json_or_wait(&integrity).is_some());
}

/// A source of `n` streams of one event each, `{"status": "s<k % 4>"}`.
fn streams_of_one(n: usize) -> String {
    (0..n)
        .map(|k| {
            format!(
                "{{\"stream\":\"s-{k}\",\"type\":\"Opened\",\"time\":\"2026-01-01T00:00:00Z\",\"data\":{{\"status\":\"s{}\"}}}}\n",
                k % 4
            )
        })
        .collect()
}

#[test]
fn a_table_waits_while_its_streams_are_worked_out_and_a_later_table_replaces_it() {
    let text = streams_of_one(1_000);
    let mut engine = Engine::new();
    engine.handle(open(&text, ""));
    while engine.work(usize::MAX) {}
    let table = |id: u64, query: &str| {
        json!({"v": VERSION, "id": id, "body": {"ask": "table", "at": null, "columns": null, "query": query, "len": 2}}).to_string()
    };
    let status = json!({"v": VERSION, "id": 3, "body": {"ask": "status"}}).to_string();
    assert_eq!(
        engine.answer_json_or_wait(&table(1, "status=s1")),
        None,
        "it waits"
    );
    assert!(engine.has_work());
    engine.work(100);
    let early = engine.answers_ready();
    assert!(early.is_empty(), "not after one slice: {early:?}");
    assert!(
        engine.answer_json_or_wait(&status).is_some(),
        "answered meanwhile"
    );
    // Another table replaces the first, which is refused as superseded.
    assert_eq!(engine.answer_json_or_wait(&table(2, "status=s2")), None);
    let ready = engine.answers_ready();
    let ids: Vec<_> = ready
        .iter()
        .map(|(text, _)| serde_json::from_str::<Envelope<Answer>>(text).unwrap())
        .map(|a| (a.id, a.body))
        .collect();
    assert_eq!(ids, [(1, Answer::Refused(Refusal::Superseded))]);
    let mut slices = 0;
    while engine.work(100) {
        slices += 1;
        assert!(engine.answers_ready().is_empty());
    }
    assert_eq!(slices, 9, "1,000 streams in slices of 100");
    let ready = engine.answers_ready();
    assert_eq!(ready.len(), 1);
    let waited: Envelope<Answer> = serde_json::from_str(&ready[0].0).unwrap();
    assert_eq!(waited.id, 2);
    // The same as the table asked of an engine that works it out at once.
    let mut direct = Engine::new();
    direct.handle(open(&text, ""));
    let asked = Request::Table {
        at: None,
        columns: None,
        query: Some("status=s2".into()),
        from: 0,
        len: Some(2),
    };
    let expected = direct.handle(asked);
    let Answer::Table(shown) = &expected else {
        panic!("{expected:?}")
    };
    assert_eq!(
        (
            shown.n_rows,
            shown.rows.len(),
            shown.rows[1].stream.as_str()
        ),
        (250, 2, "s-6")
    );
    assert_eq!(waited.body, expected);
    // Kept: asked again, it is answered at once.
    assert!(engine.answer_json_or_wait(&table(4, "status=s2")).is_some());
    assert!(!engine.has_work());
}

#[test]
fn a_patch_that_cannot_be_applied_is_a_problem_once_its_stream_is_folded() {
    let text = format!(
        "{PO}{}\n",
        r#"{"stream":"po-1","type":"PoLineRemoved","time":"2026-04-01T00:00:00Z","patch":[{"op":"remove","path":"/lines/9"}]}"#
    );
    let mut engine = Engine::new();
    engine.handle(open(&text, ""));
    engine.handle(Request::Integrity);
    let Answer::Opened(status) = engine.handle(Request::Status) else {
        panic!()
    };
    assert_eq!(status.n_folded, 3);
    assert_eq!(status.problems.len(), 1, "{:?}", status.problems);
    assert!(
        status.problems[0].place.contains("line 3"),
        "{:?}",
        status.problems[0]
    );
}

#[test]
fn a_source_attached_beside_its_request_opens_as_the_same_text_would() {
    let request = |body: Request| serde_json::to_string(&Envelope::new(8, body)).unwrap();
    let attached = Request::OpenAttached {
        label: "po".into(),
        link: String::new(),
        documents: vec![],
    };
    let mut engine = Engine::new();
    let answer: Envelope<Answer> = serde_json::from_str(&engine.answer_json_attached(
        &request(attached.clone()),
        PO.len(),
        |into| into.copy_from_slice(PO.as_bytes()),
    ))
    .unwrap();
    let mut by_text = Engine::new();
    let Answer::Opened(expected) = by_text.handle(open(PO, "")) else {
        panic!()
    };
    assert_eq!(answer.id, 8);
    assert_eq!(answer.body, Answer::Opened(wire_label(expected, "po")));
    // Without its bytes it is refused, and bytes beside another request are too.
    assert_eq!(
        engine.handle(attached),
        Answer::Refused(Refusal::NoAttachment)
    );
    let answer: Envelope<Answer> = serde_json::from_str(&engine.answer_json_attached(
        &request(streams_request()),
        1,
        |into| into[0] = b'x',
    ))
    .unwrap();
    assert_eq!(answer.body, Answer::Refused(Refusal::NoAttachment));
}

/// The same answer under another label.
fn wire_label(
    mut opened: chronoscope_protocol::Opened,
    label: &str,
) -> chronoscope_protocol::Opened {
    opened.label = label.into();
    opened
}

#[test]
fn an_evidence_pack_comes_beside_its_answer_and_reopens_the_view() {
    let mut engine = Engine::new();
    engine.handle(open(PO, ""));
    let request = Request::Evidence(EvidenceRequest {
        link: "stream=po-1&v=1".into(),
        page: "https://chronoscope.example/".into(),
        whole_source: false,
        exported: parse_instant("2026-12-06T10:00:00Z").unwrap(),
        exported_local: "2026-12-06 11:00:00 CET".into(),
        app_version: "test".into(),
    });
    let Answer::File(file) = ask(&mut engine, 12, request) else {
        panic!()
    };
    assert_eq!(
        (file.name.as_str(), file.text),
        ("chronoscope-po-1-v1-evidence.zip", None)
    );
    let bytes = engine.take_attachment().expect("the pack's bytes");
    assert_eq!(engine.take_attachment(), None, "taken once");
    let reopened = reopen(&bytes, &file.name).unwrap();
    assert_eq!(reopened.tampered, Vec::<String>::new());
    assert_eq!(reopened.view.stream.as_deref(), Some("po-1"));
    assert_eq!(reopened.view.version, Some(1));
    assert!(reopened.view.pin.is_some());
    let state = reopened.state.unwrap();
    assert_eq!(state["status"], "draft");
    assert_eq!(state["total"].to_string(), "12.50");
}

#[test]
fn a_view_with_no_moment_has_nothing_to_export() {
    let mut engine = Engine::new();
    engine.handle(open(PO, ""));
    let answer = engine.handle(Request::Export {
        what: ExportKind::State,
        link: "stream=po-1&t=2025-01-01T00:00:00Z".into(),
    });
    assert!(
        matches!(answer, Answer::Refused(Refusal::NoMoment { .. })),
        "{answer:?}"
    );
    assert_eq!(
        engine.handle(Request::Locate { seq: 2 }),
        Answer::Refused(Refusal::NoEvent { seq: 2 })
    );
    let answer = engine.handle(Request::Event {
        stream: "po-1".into(),
        pos: 2,
    });
    assert_eq!(
        answer,
        Answer::Refused(Refusal::NoPosition {
            stream: "po-1".into(),
            pos: 2
        })
    );
}

#[test]
fn a_pinned_link_checks_same_on_its_data_and_changed_on_other_data() {
    let mut engine = Engine::new();
    engine.handle(open(PO, ""));
    let Answer::Pinned { query } = engine.handle(Request::Pin {
        link: "stream=po-1&v=2".into(),
    }) else {
        panic!()
    };
    let check = |engine: &mut Engine, link: &str| match engine
        .handle(Request::CheckPin { link: link.into() })
    {
        Answer::PinChecked { check } => check.map(|c| c.result),
        other => panic!("{other:?}"),
    };
    assert_eq!(check(&mut engine, &query).as_deref(), Some("same"));
    assert_eq!(check(&mut engine, "stream=po-1&v=2"), None, "no pin");
    engine.handle(open(&PO.replace("12.50", "12.51"), ""));
    assert_eq!(check(&mut engine, &query).as_deref(), Some("changed"));
}

#[test]
fn a_filtered_list_counts_the_events_appended_after_it_was_first_filtered() {
    let mut engine = Engine::new();
    engine.handle(open(PO, ""));
    let list = || Request::Events {
        stream: "po-1".into(),
        from: 0,
        len: 10,
        filter: Some("type:PoApproved".into()),
        find: Some(2),
    };
    let Answer::Events {
        n_rows, found_row, ..
    } = engine.handle(list())
    else {
        panic!()
    };
    assert_eq!((n_rows, found_row), (1, None));
    let more = r#"{"stream":"po-1","type":"PoApproved","time":"2026-04-01T00:00:00Z","data":{}}"#;
    engine.handle(Request::Append {
        text: format!("{more}\n"),
    });
    let Answer::Events {
        rows,
        n_rows,
        found_row,
        ..
    } = engine.handle(list())
    else {
        panic!()
    };
    assert_eq!((n_rows, found_row), (2, Some(1)));
    assert_eq!(rows.iter().map(|r| r.pos).collect::<Vec<_>>(), [1, 2]);
}

#[test]
fn a_table_kept_between_windows_counts_the_streams_appended_after_it() {
    let mut engine = Engine::new();
    engine.handle(open(PO, ""));
    let window = |from| Request::Table {
        at: None,
        columns: Some("/status".into()),
        query: Some("status=approved".into()),
        from,
        len: Some(1),
    };
    let Answer::Table(table) = engine.handle(window(0)) else {
        panic!()
    };
    assert_eq!((table.n_rows, table.rows.len()), (1, 1));
    let more = r#"{"stream":"po-2","type":"PoApproved","time":"2026-04-01T00:00:00Z","data":{"status":"approved"}}"#;
    engine.handle(Request::Append {
        text: format!("{more}\n"),
    });
    let Answer::Table(table) = engine.handle(window(1)) else {
        panic!()
    };
    assert_eq!((table.from, table.n_rows), (1, 2));
    let shown: Vec<_> = table
        .rows
        .iter()
        .map(|r| (r.stream.as_str(), r.cells.clone()))
        .collect();
    assert_eq!(shown, [("po-2", vec![Some(json!("approved"))])]);
}

/// A KurrentDB feed of `n` events in pages of 5, newest first, each page linking to the next.
fn kurrent_page(base: &str, n: usize, from: usize) -> Vec<u8> {
    let entries = common::kurrent_entries(from..(from + 5).min(n));
    json!({"streamId": "po", "entries": entries, "links": [
        {"uri": base, "relation": "self"},
        {"uri": format!("{base}/0/forward/5"), "relation": "last"},
        {"uri": format!("{base}/{}/forward/5", (from + 5).min(n).max(from)), "relation": "previous"}]})
    .to_string()
    .into_bytes()
}

#[test]
fn a_feed_is_read_page_by_page_as_the_engine_asks_for_each_page() {
    let base = "http://es.example:2113/streams/po";
    let mut engine = Engine::new();
    engine.handle(Request::Begin {
        label: "feed".into(),
        link: String::new(),
        documents: vec![],
        url: Some(base.into()),
        ranges: false,
        status: None,
    });
    let head = kurrent_page(base, 12, 0);
    engine.answer_attached(Envelope::new(1, Request::Feed), head.len(), |into| {
        into.copy_from_slice(&head)
    });
    let Answer::Opened(mut opened) = engine.handle(Request::Finish) else {
        panic!()
    };
    let mut asked = Vec::new();
    while let Wants::Page { url } = opened.wants.clone() {
        asked.push(url.clone());
        let from: usize = url.rsplit('/').nth(2).unwrap().parse().unwrap();
        let answer = if from == 5 && !asked[..asked.len() - 1].contains(&url) {
            // The first try of the second page fails: the feed keeps what it read and stops,
            // and Retry (`resume`) asks for the page again.
            let failed = engine.handle(Request::PageFailed {
                url: url.clone(),
                status: 500,
                message: "the server answered 500".into(),
            });
            let Answer::Opened(failed) = failed else {
                panic!("{failed:?}")
            };
            assert_eq!((failed.wants, failed.n_events), (Wants::Nothing, 5));
            assert_eq!(failed.problems.len(), 1, "{:?}", failed.problems);
            assert!(failed.problems[0].place.contains("/5/forward/5"));
            engine.handle(Request::Resume)
        } else {
            let page = kurrent_page(base, 12, from);
            let request = Request::FeedPage { url };
            let answer = engine.answer_attached(Envelope::new(2, request), page.len(), |into| {
                into.copy_from_slice(&page)
            });
            answer.body
        };
        let Answer::Opened(next) = answer else {
            panic!("{answer:?}")
        };
        opened = next;
        assert!(asked.len() < 20, "{asked:?}");
    }
    let second = asked
        .iter()
        .filter(|url| url.contains("/5/forward/5"))
        .count();
    assert_eq!(second, 2, "asked for again after it failed: {asked:?}");
    // Read whole once the page came: the problem of the failed try is gone with it.
    assert_eq!(opened.n_events, 12);
    assert_eq!(opened.problems, vec![]);
}

#[test]
fn a_search_whose_query_cannot_be_read_finds_nothing_and_says_why() {
    let (mut engine, _) = opened(&three_streams_of_100());
    let request = Request::Search {
        query: "v:ten".into(),
        from: 0,
        len: 10,
    };
    let Answer::Events {
        rows,
        n_rows,
        filter_problem,
        ..
    } = ask(&mut engine, 1, request)
    else {
        panic!("an events answer")
    };
    assert_eq!((rows.len(), n_rows), (0, 0));
    assert!(filter_problem.is_some_and(|why| why.contains("v:")));
}

#[test]
fn a_report_line_is_written_with_its_kinds_name_and_an_unknown_kind_is_named() {
    let line = chronoscope_protocol::ReportLine {
        kind: LineKind::Event,
        text: "v3 · PoApproved · dana".into(),
        time: None,
    };
    let text = serde_json::to_string(&line).unwrap();
    assert_eq!(
        text,
        r#"{"kind":"event","text":"v3 · PoApproved · dana","time":null}"#
    );
    assert_eq!(
        serde_json::from_str::<chronoscope_protocol::ReportLine>(&text).unwrap(),
        line
    );
    let err = serde_json::from_str::<LineKind>(r#""footnote""#).unwrap_err();
    assert!(
        err.to_string()
            .contains("`footnote` is not a kind of report line"),
        "{err}"
    );
}
