//! Synthetic event streams for benchmarks: any number of PO-like canonical events of about
//! 300 bytes each (nested objects, line arrays, JSON Patches and merges), always the same bytes
//! for the same count, so that Chronoscope and its JavaScript peers are measured on the same
//! data. `bench_ndjson` spreads them over many streams; `long_stream_ndjson` puts them all in
//! one stream, whose event list then has as many rows as there are events. `esdb_ndjson`
//! writes EventSourcingDB backup lines with a real SHA-256 hash chain, for timing verification.

use serde_json::json;

const STATUSES: [&str; 4] = ["submitted", "approved", "received", "invoiced"];

/// The first event of every synthetic purchase order.
fn po_created(po_number: &str, vendor_id: &str) -> serde_json::Value {
    json!({"type": "PoCreated", "data": {
        "poNumber": po_number, "status": "draft", "currency": "USD",
        "vendor": {"id": vendor_id, "name": "Acme Industrial Supply"},
        "lines": [
            {"lineId": "L1", "sku": "SKU-1100", "qty": 4, "unitPrice": 12.5},
            {"lineId": "L2", "sku": "SKU-2034", "qty": 2, "unitPrice": 24.3}
        ],
        "total": 98.6}})
}

/// How many events each synthetic stream has.
pub const EVENTS_PER_STREAM: usize = 50;

/// `n_events` canonical events as NDJSON, interleaved across `n_events / 50` streams in time
/// order, one per second from 2026-01-01.
pub fn bench_ndjson(n_events: usize) -> String {
    let mut out = String::with_capacity(n_events * 310);
    let n_streams = n_events.div_ceil(EVENTS_PER_STREAM).max(1);
    for k in 0..n_events {
        let stream = k % n_streams;
        let version = k / n_streams + 1;
        let user = format!("user-{:02}", (k * 7 + stream) % 40);
        let body = match version {
            1 => po_created(&format!("PO-{stream:06}"), &format!("V-{}", stream % 997)),
            v if v % 5 == 0 => status_changed(STATUSES[(v / 5) % 4], &user),
            v if v % 2 == 0 => json!({"type": "PoLineAdded", "patch": [
                {"op": "add", "path": "/lines/-", "value": {"lineId": format!("L{}", v + 1), "sku": format!("SKU-{}", 1000 + v * 37 % 5000), "qty": 1 + v % 9, "unitPrice": 3.75}},
                {"op": "replace", "path": "/total", "value": 98.6 + v as f64 * 3.75}
            ], "data": {"reason": "requested by site"}}),
            v => json!({"type": "PoLineChanged", "patch": [
                {"op": "replace", "path": "/lines/0/qty", "value": v % 40 + 1},
                {"op": "replace", "path": "/total", "value": 98.6 + v as f64 * 2.5}
            ], "data": {"lineId": "L1", "reason": "quantity corrected after review"}}),
        };
        push_event(
            &mut out,
            &format!("po-{stream:06}"),
            version,
            k,
            &user,
            &body,
        );
    }
    out
}

/// `n_events` canonical events of one purchase order (`po-long`), one per second from
/// 2026-01-01: a creation, then quantity corrections (JSON Patch) and status changes (merge), so
/// that the state stays the same size however long the stream is.
pub fn long_stream_ndjson(n_events: usize) -> String {
    let mut out = String::with_capacity(n_events * 260);
    for k in 0..n_events {
        let version = k + 1;
        let user = format!("user-{:02}", (k * 7) % 40);
        let body = match version {
            1 => po_created("PO-LONG", "V-1"),
            v if v % 3 == 0 => status_changed(STATUSES[(v / 3) % 4], &user),
            v => json!({"type": "PoLineChanged", "patch": [
                {"op": "replace", "path": "/lines/0/qty", "value": v % 40 + 1},
                {"op": "replace", "path": "/total", "value": 98.6 + (v % 40) as f64 * 12.5}
            ], "data": {"lineId": "L1", "reason": "quantity corrected after review"}}),
        };
        push_event(&mut out, "po-long", version, k, &user, &body);
    }
    out
}

/// `n_streams` purchase orders of one small event each (`po-0000000`, …), one per second from
/// 2026-01-01: the shape of a source with millions of aggregates, where the stream list, the
/// period-end table and `where=` have a row per stream.
pub fn many_streams_ndjson(n_streams: usize) -> String {
    let mut out = String::with_capacity(n_streams * 170);
    for k in 0..n_streams {
        let user = format!("user-{:02}", k % 40);
        let body = json!({"type": "PoCreated", "data": {
            "status": STATUSES[k % 4], "vendor": format!("V-{}", k % 997),
            "total": (k % 10_000) as f64 / 4.0}});
        push_event(&mut out, &format!("po-{k:07}"), 1, k, &user, &body);
    }
    out
}

/// A status change by `user`, merged into the state.
fn status_changed(status: &str, user: &str) -> serde_json::Value {
    json!({"type": "PoStatusChanged", "data": {
        "status": status,
        "changedBy": user, "comment": "Routine status change recorded by the workflow engine"}})
}

/// Writes one NDJSON line: stream, version, a time `second` seconds after 2026-01-01, the
/// author, then the fields of `body` (type and change).
fn push_event(
    out: &mut String,
    stream: &str,
    version: usize,
    second: usize,
    user: &str,
    body: &serde_json::Value,
) {
    let base = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
    let time = (base + chrono::Duration::seconds(second as i64)).format("%Y-%m-%dT%H:%M:%SZ");
    out.push_str(&format!(
        r#"{{"stream":"{stream}","version":{version},"time":"{time}","meta":{{"user":"{user}","source":"bench"}},"#
    ));
    out.push_str(&body.to_string()[1..]);
    out.push('\n');
}

/// One stream (`big`) whose state is about 1 MB, the shape of the benchmarks' 1 MB diff: 4,000
/// orders with a 200-character note and one line each, created by a merge; then `n_changes`
/// events, each a JSON Patch that changes one order's quantity.
pub fn big_state_ndjson(n_changes: usize) -> String {
    let orders: Vec<serde_json::Value> = (0..4_000)
        .map(|i| json!({"id": i, "note": "x".repeat(200), "lines": [{"lineId": "L1", "qty": i}]}))
        .collect();
    let mut out = String::new();
    let created = json!({"type": "Created", "data": {"orders": orders}});
    push_event(&mut out, "big", 1, 0, "user-00", &created);
    for k in 1..=n_changes {
        let path = format!("/orders/{}/lines/0/qty", k * 613 % 4_000);
        let body = json!({"type": "QtyChanged", "patch": [{"op": "replace", "path": path, "value": -(k as i64)}]});
        push_event(&mut out, "big", k + 1, k, "user-01", &body);
    }
    out
}

/// `n_events` EventSourcingDB backup lines over `n_events / 50` subjects, one per second from
/// 2026-01-01, each hashed by the store's rule and chained to the one before.
pub fn esdb_ndjson(n_events: usize) -> String {
    use chronoscope_core::integrity::chain::{esdb_hash, ESDB_GENESIS};
    const SOURCE: &str = "tag:cambium.example,2026:po";
    let mut out = String::with_capacity(n_events * 420);
    let n_subjects = n_events.div_ceil(EVENTS_PER_STREAM).max(1);
    let start = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH + chrono::Duration::days(20_454);
    let mut previous = ESDB_GENESIS.to_string();
    for k in 0..n_events {
        let subject = format!("/po/{:06}", k % n_subjects);
        let time =
            chronoscope_core::time::format_utc(&(start + chrono::Duration::seconds(k as i64)));
        let kind = match k < n_subjects {
            true => "io.cambium.po.created",
            false => "io.cambium.po.changed",
        };
        let data = json!({"qty": k % 40 + 1, "total": 98.6 + (k % 40) as f64 * 12.5,
            "by": format!("user-{:02}", k % 40)})
        .to_string();
        let metadata: Vec<String> = [
            "1.0",
            &k.to_string(),
            &previous,
            &time,
            SOURCE,
            &subject,
            kind,
            "application/json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let hash = esdb_hash(&metadata, &data);
        out.push_str(&format!(
            r#"{{"type":"event","payload":{{"event":{{"source":"{SOURCE}","subject":"{subject}","type":"{kind}","specversion":"1.0","id":"{k}","time":"{time}","datacontenttype":"application/json","predecessorhash":"{previous}","data":{data}}},"hash":"{hash}"}}}}"#
        ));
        out.push('\n');
        previous = hash;
    }
    out
}
