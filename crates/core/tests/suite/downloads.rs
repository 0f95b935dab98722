//! A download fed to the engine through the protocol, as the page feeds it the bytes it
//! fetched: a body that breaks off keeps its whole lines and says where *Retry* reads on from,
//! a body that ends mid-line broke off all the same, the memory ceiling stops reading and keeps
//! what was read, a source is replayed with another projection without being read again, a
//! followed source is read through its steps, and an evidence pack opens in the engine.

use chronoscope_core::engine::Engine;
use chronoscope_protocol::{
    Answer, Envelope, EvidenceRequest, FollowStep, Opened, Refusal, Request, ResumeAt, Stop, Wants,
};
use serde_json::json;

const URL: &str = "https://es.example/po.ndjson";

/// Three events of one stream, each setting `status`.
fn lines() -> String {
    ["draft", "sent", "approved"]
        .iter()
        .enumerate()
        .map(|(i, status)| {
            let event = json!({"stream": "po-1", "version": i + 1, "type": "Changed",
                "time": format!("2026-03-31T10:0{i}:00Z"), "data": {"status": status}});
            format!("{event}\n")
        })
        .collect()
}

/// Opens `lines()` whole.
fn open_lines(engine: &mut Engine) {
    let answer = engine.handle(Request::Open {
        label: "po".into(),
        text: lines(),
        link: String::new(),
        documents: vec![],
    });
    opened(answer);
}

fn begin(engine: &mut Engine, link: &str, ranges: bool) -> Opened {
    let answer = engine.handle(Request::Begin {
        label: URL.into(),
        link: link.into(),
        documents: vec![],
        url: Some(URL.into()),
        ranges,
        status: Some(200),
    });
    opened(answer)
}

fn feed(engine: &mut Engine, bytes: &[u8]) -> Opened {
    let answer = engine.answer_attached(Envelope::new(1, Request::Feed), bytes.len(), |into| {
        into.copy_from_slice(bytes)
    });
    opened(answer.body)
}

fn opened(answer: Answer) -> Opened {
    match answer {
        Answer::Opened(opened) => opened,
        other => panic!("not opened: {other:?}"),
    }
}

fn stop(engine: &mut Engine, why: Stop) -> Opened {
    opened(engine.handle(Request::Stopped { status: 200, why }))
}

#[test]
fn a_body_that_breaks_off_keeps_its_whole_lines_and_retry_reads_on_from_the_cut() {
    let text = lines();
    let cut = text.find("approved").unwrap();
    let mut engine = Engine::new();
    begin(&mut engine, "", true);
    feed(&mut engine, &text.as_bytes()[..cut]);
    let broke = stop(
        &mut engine,
        Stop::BrokeOff {
            message: "network error".into(),
        },
    );
    assert_eq!(broke.n_events, 2);
    assert_eq!(broke.wants, Wants::Nothing);
    let offset = text[..cut].rfind('\n').unwrap() as u64 + 1;
    assert_eq!(
        broke.resume,
        Some(ResumeAt::Byte {
            offset,
            ranges: true
        })
    );
    let places: Vec<&str> = broke.problems.iter().map(|p| p.place.as_str()).collect();
    assert_eq!(broke.problems.len(), 2, "the cut line, then the failure");
    assert!(places[0].starts_with("line 3"), "{places:?}");
    assert!(places[1].contains(URL), "{places:?}");
    assert!(broke.problems[1].message.contains("network error"));

    let resumed = opened(engine.handle(Request::Resume));
    assert_eq!((resumed.wants, resumed.problems.len()), (Wants::Bytes, 0));
    feed(&mut engine, &text.as_bytes()[offset as usize..]);
    let done = stop(&mut engine, Stop::Ended);
    assert_eq!(
        (done.n_events, done.resume, done.problems),
        (3, None, vec![])
    );
}

#[test]
fn a_body_that_ends_mid_line_broke_off_and_a_stall_is_a_problem_at_the_url() {
    let text = lines();
    let mut engine = Engine::new();
    begin(&mut engine, "", false);
    feed(&mut engine, &text.as_bytes()[..text.len() - 10]);
    let ended = stop(&mut engine, Stop::Ended);
    assert_eq!(ended.n_events, 2);
    assert!(matches!(
        ended.resume,
        Some(ResumeAt::Byte { ranges: false, .. })
    ));
    assert!(ended
        .problems
        .iter()
        .any(|p| p.message.contains("mid-line")));

    let mut engine = Engine::new();
    begin(&mut engine, "", false);
    feed(&mut engine, text.as_bytes());
    let stalled = stop(
        &mut engine,
        Stop::Stalled {
            n_bytes: 12,
            seconds: 30,
        },
    );
    assert_eq!(stalled.n_events, 3);
    let last = stalled.problems.last().unwrap();
    assert!(
        last.place.contains(URL) && last.message.contains("stalled"),
        "{last:?}"
    );
}

/// A gauge that says the engine holds 300 MB.
fn three_hundred_mb() -> u64 {
    300 << 20
}

#[test]
fn the_memory_ceiling_stops_reading_and_keeps_the_events_read() {
    let text = lines();
    let mut engine = Engine::new();
    engine.set_memory_gauge(three_hundred_mb);
    begin(&mut engine, "mem=256", false);
    let first = feed(&mut engine, text.as_bytes());
    assert_eq!(first.wants, Wants::Nothing, "reading stopped");
    assert_eq!(first.memory_bytes, Some(300 << 20));
    // Bytes that were on their way when reading stopped are dropped.
    let more = lines().replace("po-1", "po-2");
    assert_eq!(feed(&mut engine, more.as_bytes()).n_events, 3);
    let status = opened(engine.handle(Request::Status));
    assert_eq!(status.n_events, 3);
    assert!(
        status.resume.is_none(),
        "reading on would pass the ceiling again"
    );
    let status = (0..10)
        .map(|_| {
            engine.work(1000);
            opened(engine.handle(Request::Status))
        })
        .last()
        .unwrap();
    assert!(
        status.problems.iter().any(|p| p.message.contains("256 MB")),
        "{:?}",
        status.problems
    );

    // Under the ceiling nothing stops.
    let mut engine = Engine::new();
    engine.set_memory_gauge(three_hundred_mb);
    begin(&mut engine, "mem=512", false);
    assert_eq!(feed(&mut engine, text.as_bytes()).wants, Wants::Bytes);
}

#[test]
fn a_source_is_replayed_with_another_projection_without_being_read_again() {
    let mut engine = Engine::new();
    open_lines(&mut engine);
    let state = |engine: &mut Engine| match engine.handle(Request::State {
        stream: "po-1".into(),
        pos: Some(2),
    }) {
        Answer::State { state } => state,
        other => panic!("{other:?}"),
    };
    assert_eq!(state(&mut engine), json!({"status": "approved"}));
    let projection =
        r#"{"rules": {"Changed": [{"op": "set", "path": "/last", "value": "/data/status"}]}}"#;
    let answer = engine.handle(Request::Reproject {
        projection: Some(projection.into()),
    });
    assert_eq!(opened(answer).projection.as_deref(), Some(projection));
    assert_eq!(state(&mut engine), json!({"last": "approved"}));

    let bad = engine.handle(Request::Reproject {
        projection: Some("{ not json".into()),
    });
    assert!(
        matches!(bad, Answer::Refused(Refusal::Document { .. })),
        "{bad:?}"
    );
    assert_eq!(state(&mut engine), json!({"last": "approved"}), "kept");
}

#[test]
fn a_document_the_page_could_not_fetch_is_left_out_without_a_second_problem() {
    let mut engine = Engine::new();
    let answer = engine.handle(Request::Open {
        label: "po".into(),
        text: lines(),
        link: "proj=https://docs.example/p.json".into(),
        documents: vec![chronoscope_protocol::Document {
            address: "https://docs.example/p.json".into(),
            text: String::new(),
            unfetched: true,
        }],
    });
    let opened = opened(answer);
    assert_eq!((opened.problems, opened.projection), (vec![], None));

    // Not brought at all, it is a problem at the link's parameter.
    let answer = engine.handle(Request::Open {
        label: "po".into(),
        text: lines(),
        link: "proj=https://docs.example/p.json".into(),
        documents: vec![],
    });
    assert!(opened_problems(answer)
        .iter()
        .any(|p| p.contains("was not sent")));
}

fn opened_problems(answer: Answer) -> Vec<String> {
    opened(answer)
        .problems
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn follow(engine: &mut Engine, step: FollowStep, bytes: &[u8]) -> (Opened, bool, Option<String>) {
    let answer = match step {
        FollowStep::Lines | FollowStep::Polled { .. } => {
            let request = Envelope::new(2, Request::Follow(step));
            engine
                .answer_attached(request, bytes.len(), |into| into.copy_from_slice(bytes))
                .body
        }
        step => engine.handle(Request::Follow(step)),
    };
    match answer {
        Answer::Followed {
            opened,
            lines,
            poll,
        } => (opened, lines, poll),
        other => panic!("not followed: {other:?}"),
    }
}

#[test]
fn a_followed_source_is_read_until_it_catches_up_then_appended_to_and_reconnects() {
    let text = lines();
    let (head, tail) = text.split_at(text.find("approved").unwrap() - 60);
    let mut engine = Engine::new();
    begin(&mut engine, "follow=ndjson", false);
    let (opened, lines, _) = follow(&mut engine, FollowStep::Lines, head.as_bytes());
    assert_eq!((opened.wants, lines), (Wants::Bytes, false));
    let (live, lines, poll) = follow(&mut engine, FollowStep::Live { ended: false }, b"");
    assert_eq!((live.wants, lines, poll), (Wants::Nothing, true, None));
    let n_caught_up = live.n_events;
    assert!(n_caught_up < 3);

    // The connection drops mid-line; the reconnect sends everything again, whole.
    let (partial, _) = tail.split_at(10);
    follow(&mut engine, FollowStep::Lines, partial.as_bytes());
    follow(&mut engine, FollowStep::ConnectionEnded, b"");
    follow(&mut engine, FollowStep::Reconnected, b"");
    let (after, _, _) = follow(&mut engine, FollowStep::Lines, text.as_bytes());
    assert_eq!(after.n_events, 3, "each event once: {:?}", after.problems);

    let too_long = FollowStep::TooLong {
        after: 3,
        limit_bytes: 1024,
    };
    let (said, _, _) = follow(&mut engine, too_long, b"");
    let last = said.problems.last().unwrap();
    assert!(last.place.contains(URL), "{last:?}");
}

#[test]
fn a_followed_document_cannot_be_followed_and_keeps_its_events() {
    let document = format!("[{}]", lines().trim_end().replace('\n', ","));
    let mut engine = Engine::new();
    begin(&mut engine, "follow=ndjson", false);
    follow(&mut engine, FollowStep::Lines, document.as_bytes());
    let (live, lines, poll) = follow(&mut engine, FollowStep::Live { ended: true }, b"");
    assert_eq!((live.n_events, lines, poll), (3, false, None));
    let (said, _, _) = follow(&mut engine, FollowStep::Unfollowable, b"");
    assert!(said
        .problems
        .iter()
        .any(|p| p.message.contains("cannot be followed")));
}

#[test]
fn an_evidence_pack_opens_in_the_engine_checked_against_its_manifest_and_its_state() {
    let mut engine = Engine::new();
    open_lines(&mut engine);
    let request = Request::Evidence(EvidenceRequest {
        link: "stream=po-1&v=2".into(),
        page: "https://chronoscope.example/".into(),
        whole_source: false,
        exported: "2026-12-06T10:00:00Z".parse().unwrap(),
        exported_local: "2026-12-06 11:00:00 CET".into(),
        app_version: "test".into(),
    });
    let Answer::File(file) = engine.handle(request) else {
        panic!()
    };
    let bytes = engine.take_attachment().unwrap();
    let open_pack = |bytes: &[u8]| {
        let request = Envelope::new(
            3,
            Request::OpenPack {
                name: file.name.clone(),
            },
        );
        let mut engine = Engine::new();
        let answer =
            engine.answer_attached(request, bytes.len(), |into| into.copy_from_slice(bytes));
        (engine, answer.body)
    };
    let (mut reopened, answer) = open_pack(&bytes);
    let Answer::PackOpened(pack) = answer else {
        panic!("{answer:?}")
    };
    assert_eq!((pack.tampered.len(), pack.opened.n_events), (0, 2));
    assert!(
        pack.link.contains("stream=po-1") && pack.link.contains("v=2"),
        "{}",
        pack.link
    );
    let state = reopened.handle(Request::State {
        stream: "po-1".into(),
        pos: Some(1),
    });
    assert_eq!(
        state,
        Answer::State {
            state: json!({"status": "sent"})
        }
    );

    // One byte of the events changed: the manifest says which file.
    let mut changed = bytes.clone();
    let at = changed.windows(4).position(|w| w == b"sent").unwrap();
    changed[at] = b'S';
    let (_, answer) = open_pack(&changed);
    let Answer::PackOpened(pack) = answer else {
        panic!("{answer:?}")
    };
    assert!(!pack.tampered.is_empty(), "{pack:?}");

    let (_, answer) = open_pack(b"not a zip");
    assert!(
        matches!(answer, Answer::Refused(Refusal::Document { .. })),
        "{answer:?}"
    );
}
