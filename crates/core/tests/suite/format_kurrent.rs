//! KurrentDB / EventStoreDB AtomPub samples from the corpus, decoded as a reader of the HTTP API
//! documentation would expect.

use crate::common;

use chronoscope_core::decode::{kurrent, Format};
use chronoscope_core::timeline::Timeline;
use common::{corpus_json, decode_corpus};
use serde_json::json;

const DIR: &str = "eventstore/extracted_json";

#[test]
fn an_embed_body_feed_gives_the_event_with_its_json_string_data_parsed() {
    let (decoded, detection) = decode_corpus(&format!(
        "{DIR}/read-stream-embed-body.REPAIRED.response.json"
    ));
    assert_eq!(detection.format, Format::Kurrent);
    assert!(
        detection.reason.contains("Atom feed"),
        "{}",
        detection.reason
    );
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    let event = &decoded.events[0];
    assert_eq!(decoded.events.len(), 1);
    assert_eq!(event.stream, "newstream");
    assert_eq!(event.version, 0);
    assert_eq!(event.kind, "event-type");
    assert_eq!(
        event.id.as_deref(),
        Some("fbf4a1a1-b4a3-4dfe-a01f-ec52c34e16e4")
    );
    assert_eq!(event.time.to_rfc3339(), "2015-03-13T12:13:42.492473+00:00");
    assert_eq!(event.data, json!({"a": "1"}));
    let timeline = Timeline::build(decoded.events);
    assert_eq!(
        timeline.state_after("newstream", Some(0)),
        json!({"a": "1"})
    );
}

#[test]
fn a_rich_feed_without_data_gives_the_event_and_leaves_the_state_alone() {
    let (decoded, _) = decode_corpus(&format!(
        "{DIR}/read-stream-embed-rich.REPAIRED.response.json"
    ));
    assert!(decoded.problems.is_empty());
    assert_eq!(decoded.events.len(), 1);
    assert_eq!(decoded.events[0].kind, "event-type");
    assert_eq!(
        decoded.events[0].meta["positionStreamId"],
        json!("newstream")
    );
    let timeline = Timeline::build(decoded.events);
    assert_eq!(timeline.state_after("newstream", Some(0)), json!(null));
}

#[test]
fn feed_pages_are_read_oldest_first_from_titles_when_not_embedded() {
    let (decoded, _) = decode_corpus(&format!("{DIR}/request-paging-events.response.json"));
    assert!(decoded.problems.is_empty());
    let versions: Vec<u64> = decoded.events.iter().map(|e| e.version).collect();
    assert_eq!(versions, (7..=26).collect::<Vec<_>>());
    assert!(decoded
        .events
        .iter()
        .all(|e| e.stream == "alphabet" && e.kind == "event-type"));
    assert_eq!(
        decoded.events[0].time.to_rfc3339(),
        "2018-08-21T09:53:46.869758+00:00"
    );

    let (last_page, _) = decode_corpus(&format!("{DIR}/request-last-link.response.json"));
    let versions: Vec<u64> = last_page.events.iter().map(|e| e.version).collect();
    assert_eq!(versions, (0..=19).collect::<Vec<_>>());

    let (users, _) = decode_corpus(&format!("{DIR}/read-metadata.response.json"));
    let described: Vec<(String, u64, String)> = users
        .events
        .iter()
        .map(|e| (e.stream.clone(), e.version, e.kind.clone()))
        .collect();
    assert_eq!(described[0], ("$users".to_string(), 0, "$User".to_string()));
    assert_eq!(described.len(), 4);
}

#[test]
fn a_single_event_body_uses_content_and_lower_case_metadata() {
    for file in [
        "resolve-links.response.json",
        "resolve-links-false.response.json",
    ] {
        let (decoded, detection) = decode_corpus(&format!("{DIR}/{file}"));
        assert_eq!(detection.format, Format::Kurrent, "{file}");
        assert!(
            decoded.problems.is_empty(),
            "{file}: {:?}",
            decoded.problems
        );
        let event = &decoded.events[0];
        assert_eq!(
            event.stream,
            "shoppingCart-b989fe21-9469-4017-8d71-9820b8dd1167"
        );
        assert_eq!(event.kind, "ItemAdded");
        assert_eq!(event.version, 0);
        assert_eq!(
            event.data,
            json!({"Description": "Xbox One Elite (Console)"})
        );
        assert_eq!(
            event.meta["TimeStamp"],
            json!("2016-12-23T10:00:00.9225401+01:00")
        );
        assert_eq!(event.time.to_rfc3339(), "2018-08-28T12:56:15.263731+00:00");
    }
}

#[test]
fn empty_pages_end_the_forward_read_and_give_no_events() {
    for file in [
        "get-forward-link.response.json",
        "read-stream-forwards.REPAIRED.response.json",
        "read-all-events.REPAIRED.response.json",
    ] {
        let (decoded, detection) = decode_corpus(&format!("{DIR}/{file}"));
        assert_eq!(detection.format, Format::Kurrent, "{file}");
        assert!(
            decoded.events.is_empty() && decoded.problems.is_empty(),
            "{file}"
        );
        assert!(kurrent::is_empty_page(&corpus_json(&format!(
            "{DIR}/{file}"
        ))));
    }
}

#[test]
fn paging_starts_at_last_and_follows_previous() {
    let page = corpus_json(&format!("{DIR}/request-paging-events.response.json"));
    assert_eq!(
        kurrent::start_page(&page).as_deref(),
        Some("http://127.0.0.1:2113/streams/alphabet/0/forward/20")
    );
    assert_eq!(
        kurrent::next_page(&page).as_deref(),
        Some("http://127.0.0.1:2113/streams/alphabet/27/forward/20")
    );
    let mut with_prev = page.clone();
    for link in with_prev["links"].as_array_mut().unwrap() {
        if link["relation"] == "previous" {
            link["relation"] = json!("prev");
        }
    }
    assert_eq!(kurrent::next_page(&with_prev), kurrent::next_page(&page));
}

#[test]
fn a_description_document_is_not_an_event_stream() {
    let (decoded, detection) = decode_corpus(&format!("{DIR}/get-dd.response.json"));
    // Nothing fits: one problem for the source naming its keys, and no event made up.
    assert_eq!(detection.format, Format::Mapping);
    assert!(decoded.events.is_empty());
    assert_eq!(decoded.problems.len(), 1);
    let message = decoded.problems[0].message();
    assert!(
        message.starts_with("no format fits these records"),
        "{message}"
    );
}

#[test]
fn json_strings_in_data_and_metadata_are_parsed_only_when_is_json() {
    let feed = json!({"streamId": "s", "links": [], "entries": [
        {"eventType": "B", "eventNumber": 1, "streamId": "s", "updated": "2024-01-01T00:00:00.1234567Z", "isJson": false, "data": "{\"raw\": true}"},
        {"eventType": "A", "eventNumber": 0, "streamId": "s", "updated": "2024-01-01T00:00:00Z", "isJson": true, "data": "{\"a\": 1}",
         "metaData": "{\"$correlationId\": \"c-1\", \"$causationId\": \"e-0\", \"user\": \"ana\"}"}
    ]});
    let (decoded, _) = chronoscope_core::decode::decode_text(&feed.to_string(), None);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    let (a, b) = (&decoded.events[0], &decoded.events[1]);
    assert_eq!(a.data, json!({"a": 1}));
    assert_eq!(a.meta["correlation_id"], json!("c-1"));
    assert_eq!(a.meta["causation_id"], json!("e-0"));
    assert_eq!(a.user(), Some("ana"));
    assert_eq!(b.data, json!("{\"raw\": true}"));
    assert_eq!(b.time.timestamp_subsec_nanos(), 123_456_700);
}
