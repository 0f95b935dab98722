//! Debezium change events from the corpus: row state replaced by `after`, deletes ending the
//! aggregate, commit times, and 64-bit counters kept exact.

use crate::common;

use chronoscope_core::decode::{decode_text, Format};
use chronoscope_core::timeline::Timeline;
use common::decode_corpus;
use serde_json::json;

const SERDE: &str = "debezium/core_serde_test_resources";
const PG: &str = "debezium/docs_postgresql_examples";

#[test]
fn a_wrapped_create_becomes_the_row_state_of_table_and_key() {
    let (decoded, detection) = decode_corpus(&format!("{PG}/create-with-schema.REPAIRED.json"));
    assert_eq!(detection.format, Format::Debezium);
    assert!(detection.reason.contains("wrapper"), "{}", detection.reason);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    let event = &decoded.events[0];
    assert_eq!(event.stream, "public.customers:1");
    assert_eq!(event.kind, "create");
    assert_eq!(event.time.timestamp_millis(), 1_559_033_904_863);
    let timeline = Timeline::build(decoded.events.clone());
    assert_eq!(
        timeline.state_after("public.customers:1", Some(0)),
        json!({"id": 1, "first_name": "Anne", "last_name": "Kretchmar", "email": "annek@noanswer.org"})
    );
    assert_eq!(event.meta["source"]["lsn"], json!(24_023_128));
}

#[test]
fn create_update_and_delete_of_one_row_replay_into_its_life() {
    let text = [
        std::fs::read_to_string(common::corpus_path(&format!(
            "{PG}/create-with-schema.REPAIRED.json"
        )))
        .unwrap(),
        std::fs::read_to_string(common::corpus_path(&format!("{PG}/update.REPAIRED.json")))
            .unwrap(),
        "null".to_string(),
        std::fs::read_to_string(common::corpus_path(&format!("{PG}/delete.REPAIRED.json")))
            .unwrap(),
    ]
    .map(|doc| {
        serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&doc).unwrap()).unwrap()
    })
    .join("\n");
    let (decoded, _) = decode_text(&text, None);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    let kinds: Vec<&str> = decoded.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec!["create", "update", "delete"],
        "the tombstone is skipped"
    );
    let timeline = Timeline::build(decoded.events.clone());
    let stream = "public.customers:1";
    assert_eq!(
        timeline.state_after(stream, Some(1))["first_name"],
        json!("Anne Marie")
    );
    assert_eq!(
        timeline.state_after(stream, Some(2)),
        json!(null),
        "a delete ends the aggregate"
    );
    assert_eq!(
        decoded.events[2].data,
        json!({"id": 1}),
        "a delete shows the row before"
    );
    // ts_ns is above 2^53: it must come through exactly, not through an f64.
    assert_eq!(
        decoded.events[2].meta["ts_ns"].as_u64(),
        Some(1_465_581_902_461_496_187)
    );
    assert_eq!(
        decoded.events[1].meta["ts_ns"].to_string(),
        "1465584025523514964"
    );
}

#[test]
fn unwrapped_mysql_events_use_the_envelope_time_when_the_source_has_none() {
    for file in [
        "serde-update.json",
        "serde-without-schema.json",
        "serde-unknown-property.json",
        "serde-with-schema.json",
    ] {
        let (decoded, detection) = decode_corpus(&format!("{SERDE}/{file}"));
        assert_eq!(detection.format, Format::Debezium, "{file}");
        assert!(
            decoded.problems.is_empty(),
            "{file}: {:?}",
            decoded.problems
        );
        let event = &decoded.events[0];
        assert_eq!(event.stream, "customers:1004", "{file}");
        assert_eq!(event.time.timestamp_millis(), 1_465_491_411_815, "{file}");
        assert_eq!(event.meta["source"]["file"], json!("mysql-bin.000003"));
    }
    let (update, _) = decode_corpus(&format!("{SERDE}/serde-update.json"));
    assert_eq!(update.events[0].kind, "update");
    assert_eq!(
        update.events[0].meta["before"]["first_name"],
        json!("Anne-Marie")
    );
    assert_eq!(update.events[0].data["first_name"], json!("Anne"));
}

#[test]
fn truncates_messages_and_transaction_markers_are_events_that_leave_rows_alone() {
    let (truncate, _) = decode_corpus(&format!("{PG}/truncate.REPAIRED.json"));
    assert_eq!(
        (
            truncate.events[0].stream.as_str(),
            truncate.events[0].kind.as_str()
        ),
        ("public.customers", "truncate")
    );
    let (message, _) = decode_corpus(&format!("{PG}/message-transactional.REPAIRED.json"));
    assert_eq!(message.events[0].stream, "message:foo");
    assert_eq!(message.events[0].data["content"], json!("Ymfy"));
    let (markers, detection) = decode_corpus(&format!(
        "{PG}/transaction-metadata-BEGIN-END.REPAIRED.json"
    ));
    assert_eq!(detection.format, Format::Debezium);
    let kinds: Vec<&str> = markers.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, vec!["transaction begin", "transaction end"]);
    let (enriched, _) = decode_corpus(&format!("{PG}/transaction-enriched-create.REPAIRED.json"));
    assert!(enriched.problems.is_empty(), "{:?}", enriched.problems);
    assert_eq!(enriched.events[0].stream, "row:2");
    assert_eq!(
        enriched.events[0].time.timestamp_millis(),
        1_580_390_884_335
    );
    assert_eq!(
        enriched.events[0].meta["transaction"]["id"],
        json!("571:53195832")
    );
}

#[test]
fn the_unwrapped_row_form_carries_no_table_or_time_and_is_reported() {
    let (decoded, detection) = decode_corpus(&format!("{SERDE}/serde-unwrapped.json"));
    // No format fits and nothing names a time or a version: one problem for the source, which
    // names the keys the record has, and no event made up.
    assert_eq!(detection.format, Format::Mapping);
    assert!(decoded.events.is_empty());
    assert_eq!(decoded.problems.len(), 1);
    let message = decoded.problems[0].message();
    assert!(
        message.starts_with("no format fits these records"),
        "{message}"
    );
    assert!(
        message.contains("no column is a time or a version"),
        "{message}"
    );
    assert!(
        message.contains("`id`, `first_name`, `last_name`, `email`"),
        "{message}"
    );
}
