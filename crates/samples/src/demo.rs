//! The bundled demo: a deterministic, Cambium-like history of purchase orders and badges.
//!
//! About 2,000 canonical events over 76 streams and six months: POs are created, their lines
//! added, inserted at the top, changed and removed, submitted, rejected and reworked, approved,
//! received in parts and closed; badges are requested, approved, printed, activated and sometimes
//! revoked. A delivered PO is one business transaction across streams (the **trail**): its
//! approval, the delivery badge security issues (`badge-po-N`) and its receipts share a
//! correlation id, and each names the event that caused it. Line and receipt events are domain events, read with a **projection**
//! (`demo/cambium.projection.json`); lines written before February use the first schema, which
//! the projection's **upcaster** brings up to date. For the integrity report to show what it
//! does, finance's `ledger-2026` postings carry a SHA-256 **hash chain** (described in the
//! projection's `chain`), and `po-1017` has a deliberate **gap** (no version 3). The same seed
//! always gives the same bytes, and the files in `demo/` are this output (a test keeps them
//! equal; regenerate them with `cargo run --no-default-features --bin gen-demo`).

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

use chronoscope_core::time::format_utc;

/// The demo history as NDJSON, one canonical event per line, in time order.
pub fn demo_ndjson() -> String {
    let mut out = String::new();
    for event in demo_events() {
        out.push_str(&event.to_string());
        out.push('\n');
    }
    out
}

/// The demo history as canonical event records, in time order.
pub fn demo_events() -> Vec<Value> {
    let mut rng = SplitMix64(0x00c4_b01d_2026);
    let mut drafts: Vec<(DateTime<Utc>, String, Value)> = Vec::new();
    for n in 0..34 {
        drafts.extend(purchase_order(&mut rng, 1001 + n));
    }
    for n in 0..12 {
        drafts.extend(badge(&mut rng, 1 + n));
    }
    drafts.extend(ledger(&mut rng));
    // A stable sort keeps each stream's own order when two events share an instant.
    drafts.sort_by_key(|(time, _, _)| *time);
    let mut versions = std::collections::HashMap::new();
    let mut ledger_hash = String::from(LEDGER_GENESIS);
    let events = drafts
        .into_iter()
        .enumerate()
        .map(|(seq, (time, stream, mut record))| {
            let version = versions.entry(stream.clone()).or_insert(0u64);
            *version += 1;
            // A deliberate hole, for the integrity report to find: this PO has no version 3.
            if stream == GAP_STREAM && *version == 3 {
                *version += 1;
            }
            let object = record.as_object_mut().expect("demo records are objects");
            let mut event = serde_json::Map::new();
            event.insert("stream".into(), json!(stream));
            event.insert("version".into(), json!(*version));
            event.insert("id".into(), json!(format!("evt-{:06}", seq + 1)));
            event.insert("type".into(), object.remove("type").unwrap_or_default());
            event.insert("time".into(), json!(format_utc(&time)));
            event.append(object);
            let mut event = Value::Object(event);
            if stream == LEDGER_STREAM {
                ledger_hash = chain_ledger_entry(&mut event, &ledger_hash);
            }
            event
        })
        .collect();
    add_causation(events)
}

/// Within each trail (events sharing `meta.correlation_id`, in time order), the first event
/// causes the second, and the second every later one: the approval causes the delivery badge,
/// and the badge the receipts. Causation names the causing event's id (`meta.causation_id`).
fn add_causation(mut events: Vec<Value>) -> Vec<Value> {
    let mut trails: std::collections::HashMap<String, Vec<String>> = Default::default();
    for event in &mut events {
        let Some(trail) = event["meta"]["correlation_id"].as_str().map(str::to_string) else {
            continue;
        };
        let seen = trails.entry(trail).or_default();
        let cause = match seen.len() {
            0 => None,
            1 => seen.first().cloned(),
            _ => seen.get(1).cloned(),
        };
        if let Some(cause) = cause {
            event["meta"]["causation_id"] = json!(cause);
        }
        seen.push(event["id"].as_str().unwrap_or_default().to_string());
    }
    events
}

/// The PO whose version 3 is missing.
const GAP_STREAM: &str = "po-1017";

/// The stream whose entries carry a hash chain, described in the demo projection.
const LEDGER_STREAM: &str = "ledger-2026";

/// The previous hash of the ledger's first entry.
const LEDGER_GENESIS: &str = "genesis";

/// What the ledger's hashes cover, as the projection's chain rule says.
const LEDGER_HASHED: [&str; 6] = [
    "/stream",
    "/version",
    "/type",
    "/time",
    "/data",
    "/meta/prev",
];

/// Month-end ledger postings by finance, each chained to the one before by SHA-256.
fn ledger(rng: &mut SplitMix64) -> Vec<(DateTime<Utc>, String, Value)> {
    let mut out = Vec::new();
    for month in 1..=6u32 {
        for half in 0..2u32 {
            let day = if half == 0 { 15 } else { 28 };
            let time = Utc
                .with_ymd_and_hms(2026, month, day, 18, 0, 0)
                .single()
                .unwrap_or_default();
            let data = json!({
                "period": format!("2026-{month:02}"),
                "posting": if half == 0 { "mid-month" } else { "month-end" },
                "poCount": 3 + rng.below(9),
                "total": cents(250_000 + rng.below(4_000_000)),
            });
            out.push((
                time,
                LEDGER_STREAM.to_string(),
                json!({"type": "LedgerPosted", "meta": {"user": "finance.ops"}, "data": data}),
            ));
        }
    }
    out
}

/// Puts `prev` and `hash` into a ledger entry's meta; returns its hash.
fn chain_ledger_entry(event: &mut Value, previous: &str) -> String {
    use chronoscope_core::integrity::chain::{fields_text, sha256_hex};
    event["meta"]["prev"] = json!(previous);
    let fields: Vec<String> = LEDGER_HASHED.iter().map(|f| f.to_string()).collect();
    let hashed = fields_text(&event.to_string(), &fields).unwrap_or_default();
    let hash = sha256_hex(hashed.as_bytes());
    event["meta"]["hash"] = json!(hash);
    hash
}

const REQUESTERS: [&str; 5] = [
    "ana.silva",
    "li.wei",
    "marcus.oyelaran",
    "priya.nair",
    "tom.becker",
];
const APPROVERS: [&str; 2] = ["dana.reyes", "k.yamamoto"];
const RECEIVERS: [&str; 2] = ["warehouse.joe", "r.costa"];
const VENDORS: [(&str, &str); 6] = [
    ("V-210", "Acme Industrial Supply"),
    ("V-318", "Northwind Office"),
    ("V-442", "Globex Lab Equipment"),
    ("V-507", "Initech Hardware"),
    ("V-633", "Umbrella Safety Co."),
    ("V-781", "Stark Electronics"),
];
const ITEMS: [(&str, &str, u64); 10] = [
    ("SKU-1100", "Nitrile gloves, box of 100", 1_250),
    ("SKU-1207", "Safety goggles", 899),
    ("SKU-2034", "A4 copy paper, 5 reams", 2_430),
    ("SKU-2290", "Toner cartridge, black", 7_800),
    ("SKU-3315", "Pipette tips, 1000 µl", 4_120),
    ("SKU-3402", "Centrifuge tubes, 50 ml", 3_675),
    ("SKU-4410", "USB-C docking station", 18_900),
    ("SKU-4528", "27\" monitor", 24_500),
    ("SKU-5120", "Hi-vis vest", 1_575),
    ("SKU-5301", "Steel-toe boots", 8_950),
];
const COST_CENTERS: [&str; 4] = [
    "CC-100 Operations",
    "CC-220 Lab",
    "CC-310 IT",
    "CC-400 Facilities",
];

struct Line {
    line_id: String,
    qty: u64,
    unit_cents: u64,
}

/// A PO's events, and the delivery badge its approval had issued, if it was delivered.
fn purchase_order(rng: &mut SplitMix64, number: u64) -> Vec<(DateTime<Utc>, String, Value)> {
    let mut badge = None;
    let mut out = po_events(rng, number, &mut badge);
    out.extend(badge);
    out
}

fn po_events(
    rng: &mut SplitMix64,
    number: u64,
    badge: &mut Option<(DateTime<Utc>, String, Value)>,
) -> Vec<(DateTime<Utc>, String, Value)> {
    let stream = format!("po-{number}");
    let mut time = start_time(rng);
    let mut out = Vec::new();
    let mut push = |time: DateTime<Utc>, record: Value| out.push((time, stream.clone(), record));
    let requester = *rng.pick(&REQUESTERS);
    let (vendor_id, vendor_name) = *rng.pick(&VENDORS);
    push(
        time,
        json!({
            "type": "PoCreated",
            "meta": {"user": requester, "source": "cambium-web"},
            "data": {
                "poNumber": format!("PO-{number}"),
                "status": "draft",
                "vendor": {"id": vendor_id, "name": vendor_name},
                "currency": "USD",
                "costCenter": *rng.pick(&COST_CENTERS),
                "requester": requester,
                "lines": [],
                "receipts": [],
                "total": 0.0
            }
        }),
    );
    let mut lines: Vec<Line> = Vec::new();
    let mut next_line = 1;
    let n_edits = 30 + rng.below(45) as usize;
    let rework_at = (rng.below(4) == 0).then(|| n_edits / 2 + rng.below(5) as usize);
    for edit in 0..n_edits {
        time += Duration::minutes(5 + rng.below(600) as i64);
        if Some(edit) == rework_at {
            let approver = *rng.pick(&APPROVERS);
            push(
                time,
                json!({"type": "PoSubmitted", "meta": {"user": requester}, "data": {"status": "submitted", "submittedBy": requester}}),
            );
            time += Duration::hours(2 + rng.below(48) as i64);
            push(
                time,
                json!({"type": "PoRejected", "meta": {"user": approver}, "data": {"status": "rejected", "rejection": {"by": approver, "reason": "Split the order by cost center"}}}),
            );
            time += Duration::hours(1 + rng.below(24) as i64);
            continue;
        }
        let roll = rng.below(10);
        // Before February, Cambium wrote lines in its first schema (`quantity`, `price`); the
        // demo projection's upcaster brings them to the second (`qty`, `unitPrice`).
        let schema = if time < schema_2_since() { 1 } else { 2 };
        let (kind, mut data) = if lines.len() < 2 || roll < 4 {
            let (sku, description, unit_cents) = *rng.pick(&ITEMS);
            let line = Line {
                line_id: format!("L{next_line}"),
                qty: 1 + rng.below(40),
                unit_cents,
            };
            next_line += 1;
            let value = if schema == 1 {
                json!({"lineId": line.line_id, "sku": sku, "description": description, "quantity": line.qty, "price": cents(line.unit_cents)})
            } else {
                json!({"lineId": line.line_id, "sku": sku, "description": description, "qty": line.qty, "unitPrice": cents(line.unit_cents)})
            };
            // Now and then a line goes in at the top, as Cambium's "insert above" does.
            let at_top = rng.below(5) == 0;
            if at_top {
                lines.insert(0, line);
            } else {
                lines.push(line);
            }
            let kind = if at_top {
                "PoLineInserted"
            } else {
                "PoLineAdded"
            };
            (kind, json!({"line": value}))
        } else if roll < 8 {
            let idx = rng.below(lines.len() as u64) as usize;
            lines[idx].qty = 1 + rng.below(60);
            let data = json!({"lineId": lines[idx].line_id, "changes": {"qty": lines[idx].qty}});
            ("PoLineChanged", data)
        } else {
            let idx = rng.below(lines.len() as u64) as usize;
            let removed = lines.remove(idx);
            ("PoLineRemoved", json!({"lineId": removed.line_id}))
        };
        let total: u64 = lines.iter().map(|l| l.qty * l.unit_cents).sum();
        data["total"] = cents(total);
        let user = if rng.below(6) == 0 {
            *rng.pick(&REQUESTERS)
        } else {
            requester
        };
        let meta = if kind != "PoLineChanged" && kind != "PoLineRemoved" && schema == 1 {
            json!({"user": user})
        } else {
            json!({"user": user, "schema_version": 2})
        };
        push(time, json!({"type": kind, "meta": meta, "data": data}));
    }
    let stage = rng.below(10);
    time += Duration::hours(1 + rng.below(30) as i64);
    let submitted = json!({"status": "submitted", "submittedBy": requester, "rejection": null});
    push(
        time,
        json!({"type": "PoSubmitted", "meta": {"user": requester}, "data": submitted}),
    );
    if stage == 0 {
        return out;
    }
    time += Duration::hours(2 + rng.below(72) as i64);
    let approver = *rng.pick(&APPROVERS);
    let approved = json!({"status": "approved", "approval": {"by": approver, "at": format_utc(&time), "level": if rng.below(3) == 0 { 2 } else { 1 }}});
    // An approved PO that is delivered is one business transaction across streams: the
    // approval, the delivery badge it has security issue, and the receipts (`add_causation`).
    let trail = format!("fulfil-PO-{number}");
    let mut meta = json!({"user": approver});
    if stage > 1 {
        meta["correlation_id"] = json!(trail);
    }
    push(
        time,
        json!({"type": "PoApproved", "meta": meta, "data": approved}),
    );
    if stage == 1 {
        return out;
    }
    *badge = Some(delivery_badge(number, vendor_name, time, &trail));
    let n_receipts = 1 + rng.below(3);
    for receipt in 1..=n_receipts {
        time += Duration::days(2 + rng.below(12) as i64);
        let receiver = *rng.pick(&RECEIVERS);
        let status = if receipt == n_receipts {
            "received"
        } else {
            "partially_received"
        };
        let receipt_value = json!({"receiptId": format!("GR-{number}-{receipt}"), "by": receiver, "lines": lines.iter().map(|l| json!({"lineId": l.line_id, "qty": l.qty.div_ceil(n_receipts)})).collect::<Vec<_>>()});
        push(
            time,
            json!({"type": "PoReceived", "meta": {"user": receiver, "correlation_id": trail}, "data": {"receipt": receipt_value, "status": status}}),
        );
    }
    if stage < 4 {
        return out;
    }
    time += Duration::days(1 + rng.below(10) as i64);
    push(
        time,
        json!({"type": "PoClosed", "meta": {"user": "ap.automation"}, "data": {"status": "closed", "closedAt": format_utc(&time)}}),
    );
    out
}

/// The badge security issues the vendor's driver for a delivery, a day after the approval.
fn delivery_badge(
    number: u64,
    vendor: &str,
    approved_at: DateTime<Utc>,
    trail: &str,
) -> (DateTime<Utc>, String, Value) {
    let data = json!({"badgeId": format!("B-PO-{number}"), "holder": format!("{vendor} driver"), "site": "Receiving dock", "accessLevel": 1, "status": "issued", "forPo": format!("PO-{number}")});
    let meta = json!({"user": "security.desk", "correlation_id": trail});
    let record = json!({"type": "BadgeIssued", "meta": meta, "data": data});
    (
        approved_at + Duration::days(1),
        format!("badge-po-{number}"),
        record,
    )
}

fn badge(rng: &mut SplitMix64, number: u64) -> Vec<(DateTime<Utc>, String, Value)> {
    let stream = format!("badge-{number:04}");
    let holder = *rng.pick(&REQUESTERS);
    let mut time = start_time(rng);
    let mut out = vec![(
        time,
        stream.clone(),
        json!({"type": "BadgeRequested", "meta": {"user": "hr.ops"}, "data": {"badgeId": format!("B-{number:04}"), "holder": holder, "site": if number.is_multiple_of(2) { "Plant 2" } else { "HQ" }, "accessLevel": 1 + rng.below(3), "status": "requested"}}),
    )];
    let steps = [
        (
            "BadgeApproved",
            "security.desk",
            json!({"status": "approved", "approvedBy": "security.desk"}),
        ),
        (
            "BadgePrinted",
            "security.desk",
            json!({"status": "printed", "cardSerial": format!("CS-{:08X}", rng.next() as u32)}),
        ),
        (
            "BadgeActivated",
            "security.desk",
            json!({"status": "active", "activatedAt": null}),
        ),
    ];
    for (kind, user, data) in steps {
        time += Duration::hours(1 + rng.below(72) as i64);
        out.push((
            time,
            stream.clone(),
            json!({"type": kind, "meta": {"user": user}, "data": data}),
        ));
    }
    if rng.below(3) == 0 {
        time += Duration::days(10 + rng.below(60) as i64);
        out.push((time, stream.clone(), json!({"type": "BadgeRevoked", "meta": {"user": "hr.ops"}, "data": {"status": "revoked", "revocation": {"reason": "Contract ended"}}})));
    }
    out
}

fn schema_2_since() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap()
}

/// The projection the demo is read with: line events append, insert, change and remove lines
/// by `lineId`, receipts append, and the first schema of `PoLineAdded` is upcast to the second.
pub fn demo_projection() -> String {
    let total = json!({"op": "set", "path": "/total", "value": "/data/total"});
    let projection = json!({
        "chain": {
            "hash": "/meta/hash",
            "previous": "/meta/prev",
            "over_fields": LEDGER_HASHED,
            "per_stream": true
        },
        "upcasters": [
            {"type": "PoLineAdded", "up_to": 2, "steps": [
                {"rename": "/line/quantity", "to": "/line/qty"},
                {"rename": "/line/price", "to": "/line/unitPrice"}
            ]},
            {"type": "PoLineInserted", "up_to": 2, "steps": [
                {"rename": "/line/quantity", "to": "/line/qty"},
                {"rename": "/line/price", "to": "/line/unitPrice"}
            ]}
        ],
        "rules": {
            "PoLineAdded": [{"op": "append", "path": "/lines", "value": "/data/line"}, total],
            "PoLineInserted": [{"op": "prepend", "path": "/lines", "value": "/data/line"}, total],
            "PoLineChanged": [{"op": "merge", "path": "/lines", "key": "lineId", "match": "/data/lineId", "value": "/data/changes"}, total],
            "PoLineRemoved": [{"op": "remove_by_key", "path": "/lines", "key": "lineId", "match": "/data/lineId"}, total],
            "PoReceived": [
                {"op": "append", "path": "/receipts", "value": "/data/receipt"},
                {"op": "set", "path": "/status", "value": "/data/status"}
            ]
        }
    });
    let mut text = serde_json::to_string_pretty(&projection).expect("the projection serializes");
    text.push('\n');
    text
}

fn start_time(rng: &mut SplitMix64) -> DateTime<Utc> {
    let base = Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0).unwrap();
    base + Duration::days(rng.below(110) as i64) + Duration::minutes(rng.below(9 * 60) as i64)
}

fn cents(amount: u64) -> Value {
    json!(amount as f64 / 100.0)
}

/// SplitMix64, a tiny deterministic generator. Hand-written because `rand`'s generators do not
/// promise the same values across versions, and the demo bytes must never change by accident.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}
