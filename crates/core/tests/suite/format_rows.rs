//! Database-row formats: audit-log tables (Laravel, paper_trail, django-auditlog, Audit.NET,
//! Envers), Marten and Axon event tables, and a custom mapping. The Audit.NET sample is the
//! corpus's real one; the other rows are written here after each project's documented schema
//! (the corpus has their schemas, not rows).

use crate::common;

use chrono::FixedOffset;
use chronoscope_core::decode::mapping::{Mapping, MappingError};
use chronoscope_core::decode::{decode_text, decode_text_with, DecodeOptions, Decoded, Format};
use chronoscope_core::time::format_utc;
use chronoscope_core::timeline::Timeline;
use common::decode_corpus;
use serde_json::{json, Value};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../..")
    ))
    .unwrap()
}

fn detected(name: &str, format: Format) -> Decoded {
    let (decoded, detection) = decode_text(&fixture(name), None);
    assert_eq!(detection.format, format, "{name}: {}", detection.reason);
    decoded
}

fn states(decoded: &Decoded, stream: &str) -> Vec<Value> {
    let timeline = Timeline::build(decoded.events.clone());
    (0..timeline.stream_len(stream))
        .map(|p| timeline.state_after(stream, Some(p)))
        .collect()
}

#[test]
fn laravel_audits_set_new_values_read_naive_times_as_utc_and_end_on_delete() {
    let decoded = detected("laravel-audits.json", Format::Laravel);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    let stream = "App\\Models\\PurchaseOrder:1042";
    let e = &decoded.events;
    assert_eq!(
        e.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["created", "updated", "updated", "deleted"]
    );
    assert_eq!(e[2].user(), Some("App\\Models\\User:9"));
    assert_eq!(format_utc(&e[2].time), "2026-03-31T23:30:00Z");
    assert_eq!(e[2].meta["time_zone_assumed"], json!("+00:00"));
    assert_eq!(e[1].data["old_values"]["status"], json!("draft"));
    let states = states(&decoded, stream);
    assert_eq!(
        states[2],
        json!({"number": "PO-1042", "status": "approved", "total": "1250.00", "approved_by": "dana.reyes"})
    );
    assert_eq!(states[3], json!(null));
}

#[test]
fn naive_times_can_be_read_in_another_zone() {
    let options = DecodeOptions {
        naive_offset: FixedOffset::east_opt(2 * 3600).unwrap(),
        ..DecodeOptions::default()
    };
    let (decoded, _) = decode_text_with(&fixture("laravel-audits.json"), None, options);
    assert_eq!(format_utc(&decoded.events[2].time), "2026-03-31T21:30:00Z");
    assert_eq!(decoded.events[2].meta["time_zone_assumed"], json!("+02:00"));
}

#[test]
fn paper_trail_object_is_the_state_before_and_object_changes_gives_the_after() {
    let decoded = detected("paper-trail-versions.ndjson", Format::PaperTrail);
    let states = states(&decoded, "Badge:7");
    assert_eq!(
        states[0],
        json!({"id": 7, "holder": "ana.silva", "status": "requested"})
    );
    assert_eq!(
        states[1],
        json!({"id": 7, "holder": "ana.silva", "status": "active"}),
        "object (before) + changes"
    );
    assert_eq!(states[2], json!(null), "destroy ends the badge");
    assert_eq!(decoded.events[1].user(), Some("security.desk"));
    assert_eq!(decoded.events[0].time.timestamp_subsec_millis(), 250);
    assert_eq!(decoded.problems.len(), 1);
    assert_eq!(
        decoded.problems[0].to_string(),
        "line 4: `object` is YAML, which Chronoscope does not read; serialize versions as JSON"
    );
}

#[test]
fn django_auditlog_changes_set_new_values_and_access_leaves_the_state() {
    let decoded = detected("django-logentry.json", Format::DjangoAuditlog);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    let kinds: Vec<&str> = decoded.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["create", "update", "access", "delete"]);
    let states = states(&decoded, "purchasing.purchaseorder:1042");
    assert_eq!(states[0], json!({"number": "PO-1042", "status": "draft"}));
    assert_eq!(states[1]["status"], json!("approved"));
    assert_eq!(states[2], states[1]);
    assert_eq!(states[3], json!(null));
    assert_eq!(decoded.events[1].user(), Some("dana.reyes"));
    assert_eq!(format_utc(&decoded.events[1].time), "2026-03-31T19:30:00Z");
}

#[test]
fn audit_net_target_new_replaces_the_state_with_the_user_and_start_date() {
    let (decoded, detection) =
        decode_corpus("audit-logs/audit.net/README-AuditEvent-output-example.json");
    assert_eq!(detection.format, Format::AuditNet);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    let event = &decoded.events[0];
    assert_eq!(event.stream, "Order:39dc0d86-d5fc-4d2e-b918-fb1a97710c99");
    assert_eq!(event.kind, "Order:Update");
    assert_eq!(event.user(), Some("Federico"));
    assert_eq!(format_utc(&event.time), "2016-08-23T11:33:14.653191Z");
    let states = states(&decoded, &event.stream);
    assert_eq!(
        states[0],
        json!({"OrderId": "39dc0d86-d5fc-4d2e-b918-fb1a97710c99", "Status": -1, "OrderItems": null})
    );
    assert_eq!(event.data["Old"]["Status"], json!(2));
}

#[test]
fn audit_net_entity_framework_entries_are_events_of_their_own() {
    let decoded = detected("audit-net-ef.json", Format::AuditNet);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    let streams: Vec<(&str, &str)> = decoded
        .events
        .iter()
        .map(|e| (e.stream.as_str(), e.kind.as_str()))
        .collect();
    assert_eq!(
        streams,
        [
            ("PurchaseOrders:1042", "Update"),
            ("PoActivityLog:88", "Insert"),
            ("PoLines:1042,3", "Delete")
        ]
    );
    assert!(decoded
        .events
        .iter()
        .all(|e| e.user() == Some("dana.reyes")));
    assert_eq!(
        states(&decoded, "PurchaseOrders:1042")[0],
        json!({"Status": "approved", "ApprovedBy": "dana.reyes"})
    );
    assert_eq!(
        states(&decoded, "PoActivityLog:88")[0],
        json!({"Id": 88, "PoId": 1042, "Activity": "Approved"})
    );
    assert_eq!(states(&decoded, "PoLines:1042,3")[0], json!(null));
}

#[test]
fn envers_rows_are_the_full_state_after_each_revision() {
    let decoded = detected("envers-purchase-order-aud.json", Format::Envers);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    let stream = "purchase_order_aud:1042";
    let versions: Vec<u64> = decoded.events.iter().map(|e| e.version).collect();
    assert_eq!(versions, [3, 9, 15]);
    assert_eq!(format_utc(&decoded.events[1].time), "2026-03-31T23:30:00Z");
    assert_eq!(decoded.events[1].user(), Some("dana.reyes"));
    let states = states(&decoded, stream);
    assert_eq!(
        states[1],
        json!({"id": 1042, "number": "PO-1042", "status": "approved", "total": 1250.0})
    );
    assert_eq!(states[2], json!(null));
}

#[test]
fn marten_rows_replay_in_seq_id_order_with_psql_times() {
    let decoded = detected("marten-mt-events.json", Format::Marten);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    let order: Vec<(Option<u64>, u64, &str)> = decoded
        .events
        .iter()
        .map(|e| (e.position, e.seq, e.kind.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            (Some(1), 0, "po_created"),
            (Some(3), 1, "po_submitted"),
            (Some(7), 2, "po_approved")
        ]
    );
    assert_eq!(
        format_utc(&decoded.events[0].time),
        "2026-03-02T09:15:00.123Z"
    );
    assert_eq!(format_utc(&decoded.events[2].time), "2026-03-31T21:30:00Z");
    assert_eq!(decoded.events[2].user(), Some("dana.reyes"));
    assert_eq!(decoded.events[0].meta["headers"], json!({"ip": "10.0.0.5"}));
    let states = states(&decoded, "5f2a1b9e-1042-4000-8000-000000001042");
    assert_eq!(
        states[2],
        json!({"number": "PO-1042", "status": "approved", "approvedBy": "dana.reyes"})
    );
}

#[test]
fn axon_rows_order_by_global_index_and_show_xml_payloads_as_text() {
    let decoded = detected("axon-domain-event-entry.json", Format::Axon);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    let order: Vec<&str> = decoded
        .events
        .iter()
        .map(|e| e.id.as_deref().unwrap())
        .collect();
    assert_eq!(order, ["e-10", "e-12", "e-14"]);
    let printed = &decoded.events[2];
    assert_eq!((printed.stream.as_str(), printed.version), ("B-0007", 1));
    assert!(printed
        .data
        .as_str()
        .unwrap()
        .starts_with("<com.cambium.badge.BadgePrinted>"));
    assert_eq!(
        states(&decoded, "B-0007")[1],
        json!({"badgeId": "B-0007", "holder": "ana.silva"})
    );
    assert_eq!(decoded.events[0].user(), Some("ana.silva"));
}

#[test]
fn a_custom_mapping_reads_cambium_audit_logs() {
    let mapping = Mapping::parse(&fixture("cambium-audit-logs.mapping.json")).unwrap();
    let options = DecodeOptions {
        mapping: Some(mapping.clone()),
        ..DecodeOptions::default()
    };
    let (decoded, detection) = decode_text_with(
        &fixture("cambium-audit-logs.json"),
        Some(Format::Mapping),
        options,
    );
    assert_eq!(detection.format, Format::Mapping);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    let states = states(&decoded, "purchase_orders:1042");
    assert_eq!(
        states[2],
        json!({"number": "PO-1042", "status": "approved", "vendor_id": 318, "approved_by": "dana.reyes"})
    );
    assert_eq!(decoded.events[2].user(), Some("dana.reyes@cambium.example"));
    assert_eq!(decoded.events[2].id.as_deref(), Some("503"));
    assert_eq!(decoded.events[2].meta["time_zone_assumed"], json!("+00:00"));
    // The mapping round-trips through its compact JSON, as it does through a link.
    assert_eq!(Mapping::parse(&mapping.to_json()).unwrap(), mapping);
}

/// Natural keys, as Django's `dumpdata --natural-foreign` writes foreign keys, give readable
/// stream names and authors rather than JSON.
#[test]
fn a_mapping_reads_natural_keys_as_their_parts_joined() {
    let options = DecodeOptions {
        mapping: Some(
            Mapping::parse(
                r#"{"stream": ["/content_type", "/object_pk"], "time": "/timestamp", "user": "/actor", "data": "/changes", "data_is": "changes"}"#,
            )
            .unwrap(),
        ),
        ..DecodeOptions::default()
    };
    let record = r#"{"content_type": ["purchasing", "purchaseorder"], "object_pk": "1", "timestamp": "2026-03-30T09:00:00Z", "actor": ["ana.silva"], "changes": {"status": ["draft", "approved"]}}"#;
    let (decoded, _) = decode_text_with(record, Some(Format::Mapping), options);
    assert_eq!(decoded.problems, vec![]);
    assert_eq!(decoded.events[0].stream, "purchasing.purchaseorder:1");
    assert_eq!(decoded.events[0].user(), Some("ana.silva"));
    assert_eq!(decoded.events[0].kind, "change", "no type: a change");
}

#[test]
fn a_bad_mapping_says_what_is_wrong() {
    let not_a_pointer = Mapping::parse(r#"{"stream": "table", "type": "/a", "time": "/t"}"#);
    assert_eq!(
        not_a_pointer.unwrap_err().to_string(),
        "`table` is not a JSON Pointer (it must start with `/`)"
    );
    let json_error = |text: &str| match Mapping::parse(text) {
        Err(MappingError::Json { message, line, .. }) => (line, message),
        other => panic!("not a JSON error: {other:?}"),
    };
    let (line, message) = json_error(r#"{"time": "/t"}"#);
    assert_eq!(line, 1);
    assert!(message.contains("missing field `stream`"), "{message}");
    assert_eq!(
        Mapping::parse(r#"{"stream": "/s", "keep": ["a"], "drop": ["b"]}"#),
        Err(MappingError::KeepsAndDrops)
    );
    // `time` may be left out (stores with only a sequence): see format_real_exports.rs.
    assert!(Mapping::parse(r#"{"stream": "/s", "type": "/a"}"#).is_ok());
    let (_, message) =
        json_error(r#"{"stream": "/s", "type": "/a", "time": "/t", "colour": "/c"}"#);
    assert!(message.contains("unknown field `colour`"), "{message}");
    let options = DecodeOptions {
        mapping: Some(Mapping::parse(r#"{"stream": "/s", "type": "/a", "time": "/t"}"#).unwrap()),
        ..DecodeOptions::default()
    };
    let (decoded, _) = decode_text_with(r#"{"s": "x", "a": "A"}"#, Some(Format::Mapping), options);
    assert_eq!(decoded.problems[0].to_string(), "line 1: no time at `/t`");
}
