//! Following a live source (`core::follow` and the ingest's live half): server-sent events and
//! streamed NDJSON cut anywhere and resumed from what the client says, KurrentDB long-polling,
//! pause and resume, and the reconnect back-off. Whatever the break, the events read equal the
//! source read whole: no gap, no duplicate.

use crate::common;

use chronoscope_core::decode::{Format, Place, ProblemKind};
use chronoscope_core::follow::{
    event_limit, n_new_events, with_from, FollowMode, FollowState, FollowStatus, Reconnect,
    Transport, Unfollowable, MAX_BACKOFF_MS, MIN_RETRY_MS, STABLE_MS,
};
use chronoscope_core::ingest::{Ingest, Outcome, Setup, Step};
use chronoscope_samples::demo::demo_ndjson;
use proptest::prelude::*;
use serde_json::{json, Value};
use url::Url;

fn canonical() -> Setup {
    Setup {
        format: Some(Format::Canonical),
        ..Setup::default()
    }
}

fn run(ingest: &mut Ingest) {
    while ingest.step(97) == Step::Working {}
}

/// The first `n` lines of the demo, each with its newline.
fn demo_lines(n: usize) -> Vec<String> {
    demo_ndjson()
        .lines()
        .take(n)
        .map(|line| format!("{line}\n"))
        .collect()
}

fn read_whole(lines: &[String]) -> Outcome {
    Ingest::read_all(canonical(), &lines.concat())
}

/// The records as server-sent events, each with its id (`id: N`) when `ids`, and a heartbeat
/// comment between them.
fn sse_events(lines: &[String], ids: bool, from: usize) -> String {
    lines
        .iter()
        .enumerate()
        .skip(from)
        .map(|(n, line)| match ids {
            true => format!(": heartbeat\r\nid: {n}\r\ndata: {line}\r\n"),
            false => format!("data:{line}\n"),
        })
        .collect()
}

/// Follows a source over two connections: the first delivers `cut` bytes, goes live after
/// `live_at` of them, and drops; the second is asked for with the reconnect the client makes,
/// and the server answers from where `resend_from` says (given the reconnect).
fn follow_over_a_break(
    transport: Transport,
    first: &[u8],
    cut: usize,
    live_at: usize,
    second: impl FnOnce(&Reconnect) -> Vec<u8>,
) -> (Outcome, Reconnect) {
    let url = Url::parse("http://live.example/events?stream=po").unwrap();
    let mut follow = chronoscope_core::follow::Follow::new(transport, event_limit(None));
    let mut ingest = Ingest::new(canonical());
    let cut = cut.min(first.len());
    let live_at = live_at.min(cut);
    ingest.feed(&follow.take(&first[..live_at]));
    run(&mut ingest);
    assert!(ingest.go_live(false), "records are lines");
    ingest.append(&follow.take(&first[live_at..cut]));
    run(&mut ingest);
    follow.disconnected(0.0);
    let reconnect = follow.reconnect(&url);
    ingest.reconnected();
    let bytes = second(&reconnect);
    for piece in bytes.chunks(777) {
        ingest.append(&follow.take(piece));
        run(&mut ingest);
    }
    (ingest.into_outcome(), reconnect)
}

fn assert_same_events(followed: &Outcome, whole: &Outcome, context: &str) {
    assert_eq!(followed.problems, whole.problems, "{context}");
    assert_eq!(
        followed.timeline.problems(),
        whole.timeline.problems(),
        "{context}"
    );
    common::assert_same_log(&followed.timeline, &whole.timeline, context);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn streamed_ndjson_cut_anywhere_resumes_from_the_records_held_with_no_gap_or_duplicate(
        cut in 0usize..60_000, live_at in 0usize..60_000, resend in 0usize..40,
    ) {
        let lines = demo_lines(300);
        let whole = read_whole(&lines);
        let source = lines.concat();
        let (followed, reconnect) = follow_over_a_break(Transport::Ndjson, source.as_bytes(), cut, live_at, |reconnect| {
            let from: usize = reconnect.url.query_pairs().find(|(k, _)| k == "from")
                .and_then(|(_, v)| v.parse().ok()).unwrap();
            // The records held whole before the cut: the server sends from there, or from a
            // little earlier, which the client drops as sent again.
            let cut_lines = source[..cut.min(source.len())].matches('\n').count();
            assert_eq!(from, cut_lines);
            lines[from.saturating_sub(resend)..].concat().into_bytes()
        });
        prop_assert!(reconnect.last_event_id.is_none());
        assert_same_events(&followed, &whole, &format!("cut {cut}, live at {live_at}"));
        prop_assert_eq!(followed.timeline.n_resent(), resend.min(source[..cut.min(source.len())].matches('\n').count()));
    }

    #[test]
    fn server_sent_events_with_ids_resume_after_the_last_id_with_no_gap_or_duplicate(
        cut in 0usize..80_000, live_at in 0usize..80_000,
    ) {
        let lines = demo_lines(300);
        let whole = read_whole(&lines);
        let stream = sse_events(&lines, true, 0);
        let (followed, reconnect) = follow_over_a_break(Transport::Sse, stream.as_bytes(), cut, live_at, |reconnect| {
            let next = reconnect.last_event_id.as_deref().map_or(0, |id| id.parse::<usize>().unwrap() + 1);
            sse_events(&lines, true, next).into_bytes()
        });
        prop_assert_eq!(&reconnect.url, &Url::parse("http://live.example/events?stream=po").unwrap());
        assert_same_events(&followed, &whole, &format!("cut {cut}, live at {live_at}"));
        prop_assert_eq!(followed.timeline.n_resent(), 0);
    }

    #[test]
    fn server_sent_events_without_ids_are_sent_again_whole_and_what_is_held_is_dropped(
        cut in 0usize..60_000, live_at in 0usize..60_000,
    ) {
        let lines = demo_lines(300);
        let whole = read_whole(&lines);
        let stream = sse_events(&lines, false, 0);
        let (followed, reconnect) = follow_over_a_break(Transport::Sse, stream.as_bytes(), cut, live_at, |_| stream.clone().into_bytes());
        prop_assert!(reconnect.last_event_id.is_none());
        assert_same_events(&followed, &whole, &format!("cut {cut}, live at {live_at}"));
    }
}

#[test]
fn an_sse_event_is_appended_only_once_its_blank_line_arrives() {
    let mut follow = chronoscope_core::follow::Follow::new(Transport::Sse, event_limit(None));
    assert_eq!(follow.take(b"\xEF\xBB\xBFid: 7\ndata: {\"a\":1}\n"), b"");
    assert_eq!(follow.take(b"\n: ping\n\nretry: 2500\n"), b"{\"a\":1}\n");
    assert_eq!(follow.take(b"data: one\ndata: two\r\n\r"), b"one\ntwo\n");
    assert_eq!(follow.n_records(), 3);
    let url = Url::parse("http://live.example/sse").unwrap();
    assert_eq!(follow.reconnect(&url).last_event_id.as_deref(), Some("7"));
    // The server's `retry:` is the first wait.
    assert_eq!(follow.disconnected(0.0), 2500);
    assert_eq!(follow.disconnected(0.0), 5000);
}

#[test]
fn reconnects_back_off_from_one_second_to_thirty_and_start_again_once_a_connection_stayed_up() {
    let mut follow = chronoscope_core::follow::Follow::new(Transport::Ndjson, event_limit(None));
    let waits: Vec<u64> = (0..8).map(|_| follow.disconnected(0.0)).collect();
    assert_eq!(waits, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    assert_eq!(*waits.iter().max().unwrap(), MAX_BACKOFF_MS);
    // A connection that brings records and closes at once does not start the back-off again:
    // a server that closes after each batch is not reconnected to many times a second.
    follow.connected(100_000.0);
    follow.take(b"{\"stream\":\"a\"}\n");
    assert_eq!(follow.disconnected(100_050.0), 30000);
    // One that stayed up `STABLE_MS` does.
    follow.connected(200_000.0);
    assert_eq!(follow.disconnected(200_000.0 + STABLE_MS), 1000);
    assert_eq!(follow.disconnected(200_000.0 + STABLE_MS), 2000);
    assert_eq!(follow.n_records(), 1);
    // A polled page that brought records is a request that worked: the back-off starts again.
    follow.took_records(2);
    assert_eq!(follow.disconnected(0.0), 1000);
}

#[test]
fn a_server_asking_for_retry_zero_is_waited_for_at_least_the_floor() {
    let mut follow = chronoscope_core::follow::Follow::new(Transport::Sse, event_limit(None));
    follow.take(b"retry: 0\ndata: {}\n\n");
    let waits: Vec<u64> = (0..3)
        .map(|k| {
            follow.connected(f64::from(k) * 10.0);
            follow.disconnected(f64::from(k) * 10.0 + 5.0)
        })
        .collect();
    assert_eq!(waits, [MIN_RETRY_MS, 2 * MIN_RETRY_MS, 4 * MIN_RETRY_MS]);
}

#[test]
fn the_control_says_live_paused_with_the_count_held_or_the_seconds_to_the_reconnect() {
    let status = |state, n_held, wait_s| FollowStatus {
        state,
        n_held,
        wait_s,
    };
    let said = |s: FollowStatus| (s.data_state(), s.label());
    assert_eq!(said(FollowStatus::default()), ("off", String::new()));
    assert_eq!(
        said(status(FollowState::Live, 0, 0)),
        ("live", "● Live".into())
    );
    assert_eq!(
        said(status(FollowState::Paused, 12, 0)),
        ("paused", "Paused, 12 events held".into())
    );
    assert_eq!(
        said(status(FollowState::Reconnecting, 0, 4)),
        ("reconnecting", "Reconnecting in 4 s".into())
    );
    assert_eq!(n_new_events(1), "1 new event");
    assert_eq!(n_new_events(1200), "1,200 new events");
}

#[test]
fn the_transport_is_the_one_asked_for_else_read_from_the_response() {
    let auto = FollowMode::Auto;
    assert_eq!(
        auto.transport(Some("text/event-stream; charset=utf-8"), false),
        Transport::Sse
    );
    assert_eq!(
        auto.transport(Some("application/json"), true),
        Transport::Poll
    );
    assert_eq!(
        auto.transport(Some("application/x-ndjson"), false),
        Transport::Ndjson
    );
    assert_eq!(auto.transport(None, false), Transport::Ndjson);
    assert_eq!(
        FollowMode::Ndjson.transport(Some("text/event-stream"), false),
        Transport::Ndjson
    );
    for mode in ["1", "sse", "ndjson", "poll"] {
        assert_eq!(FollowMode::parse(mode).map(FollowMode::as_str), Some(mode));
    }
    assert_eq!(FollowMode::parse("yes"), None);
}

#[test]
fn the_resume_parameter_replaces_any_from_and_keeps_the_rest_of_the_query() {
    let url = Url::parse("http://live.example/e?from=3&stream=po%201&x").unwrap();
    assert_eq!(
        with_from(&url, 120).as_str(),
        "http://live.example/e?stream=po%201&x&from=120"
    );
}

#[test]
fn a_json_document_cannot_go_live_and_is_read_whole() {
    let mut ingest = Ingest::new(Setup::default());
    ingest.feed(b"[\n  {\"stream\":\"a\",\"type\":\"Made\",\"time\":\"2026-01-01T00:00:00Z\",\"data\":{}}\n]\n");
    assert!(!ingest.go_live(false));
    run(&mut ingest);
    assert_eq!(ingest.timeline().len(), 1);
}

#[test]
fn a_source_that_sent_nothing_yet_goes_live_and_takes_lines_as_they_come() {
    let mut ingest = Ingest::new(Setup::default());
    assert!(ingest.go_live(false));
    let lines = demo_lines(3).concat();
    let (first, rest) = lines.split_at(100);
    ingest.append(first.as_bytes());
    ingest.append(rest.as_bytes());
    run(&mut ingest);
    assert_eq!(ingest.timeline().len(), 3);
    assert_eq!(ingest.detection().format, Format::Canonical);
    assert_eq!(ingest.outcome().problems, vec![]);
}

#[test]
fn an_event_repeated_with_another_record_is_kept_for_the_integrity_checks() {
    let lines = demo_lines(2);
    let mut ingest = Ingest::new(canonical());
    assert!(ingest.go_live(false));
    ingest.append(lines.concat().as_bytes());
    run(&mut ingest);
    ingest.reconnected();
    // The same version with another record: a conflict, not a resend.
    let changed = lines[1].replacen("\"data\":{", "\"data\":{\"x\":1,", 1);
    assert_ne!(changed, lines[1]);
    ingest.append(format!("{}{changed}", lines[1]).as_bytes());
    run(&mut ingest);
    assert_eq!(ingest.timeline().len(), 3);
    assert_eq!(ingest.timeline().n_resent(), 1);
}

/// A KurrentDB stream that grows: pages of `size` from `0/forward/size`, newest first, each
/// linking to the next with `previous`.
fn feed_page(base: &str, events: usize, from: usize, size: usize) -> Vec<u8> {
    let entries = common::kurrent_entries(from..(from + size).min(events));
    json!({"streamId": "po", "entries": entries, "links": [
        {"uri": base, "relation": "self"},
        {"uri": format!("{base}/0/forward/{size}"), "relation": "last"},
        // As KurrentDB links: on from the event after the page's last, or the page itself.
        {"uri": format!("{base}/{}/forward/{size}", (from + size).min(events).max(from)), "relation": "previous"}]})
    .to_string()
    .into_bytes()
}

fn page_from(url: &Url) -> usize {
    url.path().rsplit('/').nth(2).unwrap().parse().unwrap()
}

/// A feed of `n_events` read from its head page to its end, as the app reads it.
fn read_to_head(base: &str, n_events: usize) -> Ingest {
    let mut ingest = Ingest::new(Setup {
        source_url: Some(Url::parse(base).unwrap()),
        ..Setup::default()
    });
    ingest.feed(&feed_page(base, 0, 0, 5));
    ingest.finish();
    common::answer_pages(&mut ingest, |url| {
        feed_page(base, n_events, page_from(url), 5)
    });
    ingest
}

#[test]
fn a_feed_read_to_its_head_is_long_polled_from_its_empty_page_and_grows_in_order() {
    let base = "http://es.example:2113/streams/po";
    let mut n_events = 7;
    let mut ingest = read_to_head(base, n_events);
    let mut poll = ingest.poll_url().cloned().unwrap();
    assert_eq!(poll.as_str(), format!("{base}/7/forward/5?embed=body"));
    // Nothing new: the same page is asked for again.
    let next = ingest.take_polled_page(&poll, feed_page(base, n_events, 7, 5));
    assert_eq!(next.as_ref(), Some(&poll));
    // Three events, then nine more over two pages.
    for grown in [13, 22] {
        n_events = grown;
        while let Some(next) =
            ingest.take_polled_page(&poll, feed_page(base, n_events, page_from(&poll), 5))
        {
            run(&mut ingest);
            if next == poll {
                break;
            }
            poll = next;
        }
    }
    assert_eq!(poll.as_str(), format!("{base}/22/forward/5?embed=body"));
    let versions: Vec<u64> = ingest
        .timeline()
        .stream_heads("po")
        .map(|h| h.version)
        .collect();
    assert_eq!(versions, (0..22).collect::<Vec<u64>>());
    assert_eq!(ingest.outcome().problems, vec![]);
}

#[test]
fn a_feed_page_that_links_to_no_newer_page_stops_following_and_says_so() {
    let base = "http://es.example:2113/streams/po";
    let mut ingest = read_to_head(base, 3);
    let poll = ingest.poll_url().cloned().unwrap();
    let mut page: Value = serde_json::from_slice(&feed_page(base, 6, 5, 5)).unwrap();
    page["links"].as_array_mut().unwrap().pop();
    let next = ingest.take_polled_page(&poll, page.to_string().into_bytes());
    assert_eq!(next, None);
    let problems = ingest.outcome().problems;
    assert_eq!(
        problems.last().map(|p| &p.kind),
        Some(&ProblemKind::CannotFollow(Unfollowable::NoNewerPage))
    );
    run(&mut ingest);
    assert_eq!(ingest.timeline().len(), 4);
}

#[test]
fn a_server_sent_event_longer_than_the_limit_is_named_and_the_next_one_arrives() {
    assert_eq!(event_limit(Some(64)), 8 << 20);
    assert_eq!(event_limit(None), 384 << 20);
    let url = Url::parse("http://live.example/sse").unwrap();
    let mut follow = chronoscope_core::follow::Follow::new(Transport::Sse, 1000);
    assert_eq!(follow.take(b"data: {\"n\":1}\n\n"), b"{\"n\":1}\n");
    // 3,000 bytes of one event, a piece at a time, as a download brings them.
    follow.take(b"data: ");
    for _ in 0..30 {
        assert_eq!(follow.take(&[b'x'; 100]), b"");
    }
    assert_eq!(follow.take(b"\n\ndata: {\"n\":2}\n\n"), b"{\"n\":2}\n");
    let problems = follow.take_problems(&url);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        problems[0].kind,
        ProblemKind::EventTooLong {
            after: 1,
            limit_bytes: 1000
        }
    );
    assert_eq!(
        problems[0].place.to_string(),
        Place::Url {
            url: url.to_string(),
            status: 200
        }
        .to_string()
    );
    assert!(follow.take_problems(&url).is_empty(), "each is said once");
    // One piece of the download that holds an event, a long one and another is read the same.
    let mut piece = b"data: {\"n\":3}\n\ndata: ".to_vec();
    piece.extend([b'y'; 3000]);
    piece.extend(b"\n\ndata: {\"n\":4}\n\n");
    assert_eq!(follow.take(&piece), b"{\"n\":3}\n{\"n\":4}\n");
    assert_eq!(
        follow.take_problems(&url)[0].kind,
        ProblemKind::EventTooLong {
            after: 3,
            limit_bytes: 1000
        }
    );
    // The limit holds across a reconnect.
    follow.reconnect(&url);
    follow.take(&[b'd'; 2000]);
    follow.take(b"\n\n");
    assert_eq!(follow.take_problems(&url).len(), 1);
    assert_eq!(follow.n_records(), 4);
}
