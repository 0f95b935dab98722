//! Debezium change events: `{before, after, source, op, ts_ms}`, with or without the Kafka
//! Connect `{schema, payload}` wrapper.
//!
//! A change event describes a table row, so the stream is `table:primary-key` (the key is the
//! row's `id`, `pk`, `uuid` or `key` field, else its first field). `after` is the **whole row**
//! after the change, so it replaces the state; a delete (`op: d`) ends the aggregate, and the
//! state becomes `null`. The time is the commit time `source.ts_ms` (the envelope's `ts_ms` is
//! when Debezium processed it, used only when the source has none). Tombstones (`null`) are
//! skipped. Large counters (`ts_ns`, `lsn`) are kept as exact integers in `meta`, never as
//! floating point. Truncates, logical-decoding messages and transaction markers become events of
//! their own streams that leave row states alone.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{DecodeError, Draft};
use crate::event::Change;

/// Why a value looks like a Debezium change event, if it does.
pub fn looks_like(value: &Value) -> Option<String> {
    let envelope = value.get("payload").unwrap_or(value);
    let object = envelope.as_object()?;
    if object.contains_key("op") && (object.contains_key("source") || object.contains_key("after"))
    {
        let wrapped = if value.get("payload").is_some() {
            " in a `{schema, payload}` wrapper"
        } else {
            ""
        };
        return Some(format!(
            "records have `op` and `source` (Debezium change events{wrapped})"
        ));
    }
    (object
        .get("status")
        .and_then(Value::as_str)
        .is_some_and(|s| s == "BEGIN" || s == "END")
        && object.contains_key("data_collections"))
    .then(|| "records are Debezium transaction markers".into())
}

/// Decodes one change event; a tombstone gives no event.
pub fn decode(value: Value) -> Vec<Result<Draft, DecodeError>> {
    let envelope = match value {
        Value::Null => return Vec::new(),
        Value::Object(mut object) if object.contains_key("payload") => {
            object.remove("payload").unwrap_or(Value::Null)
        }
        other => other,
    };
    match envelope {
        Value::Null => Vec::new(),
        Value::Object(object) => vec![decode_envelope(object)],
        _ => vec![Err("expected a change event object".into())],
    }
}

fn decode_envelope(mut envelope: Map<String, Value>) -> Result<Draft, DecodeError> {
    if let Some(status) = envelope
        .get("status")
        .and_then(Value::as_str)
        .map(str::to_string)
    {
        return transaction_marker(envelope, &status);
    }
    let op = envelope
        .get("op")
        .and_then(Value::as_str)
        .ok_or("missing `op`")?
        .to_string();
    let source = match envelope.remove("source") {
        Some(Value::Object(source)) => source,
        _ => Map::new(),
    };
    let time = commit_time(&source, &envelope)?;
    let table = ["schema", "table"]
        .iter()
        .filter_map(|k| {
            source
                .get(*k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        })
        .collect::<Vec<_>>()
        .join(".");
    let before = envelope.remove("before").unwrap_or(Value::Null);
    let after = envelope.remove("after").unwrap_or(Value::Null);
    let mut meta = Map::new();
    meta.insert("op".into(), Value::String(op.clone()));
    for field in ["ts_ms", "ts_us", "ts_ns", "transaction"] {
        if let Some(value) = envelope.remove(field) {
            meta.insert(field.into(), value);
        }
    }
    if let Some(user) = source.get("user").cloned() {
        meta.insert("user".into(), user);
    }
    meta.insert("source".into(), Value::Object(source));
    let (kind, change, data, row) = match op.as_str() {
        "c" => (
            "create",
            Change::Snapshot(after.clone()),
            after.clone(),
            &after,
        ),
        "u" => (
            "update",
            Change::Snapshot(after.clone()),
            after.clone(),
            &after,
        ),
        "r" => (
            "read (snapshot)",
            Change::Snapshot(after.clone()),
            after.clone(),
            &after,
        ),
        "d" => ("delete", Change::Delete, before.clone(), &before),
        "t" => {
            let stream = if table.is_empty() {
                "truncate".to_string()
            } else {
                table
            };
            return Ok(draft(
                stream,
                "truncate",
                time,
                Value::Null,
                meta,
                Change::Keep,
            ));
        }
        "m" => {
            let message = envelope.remove("message").unwrap_or(Value::Null);
            let prefix = message
                .get("prefix")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            return Ok(draft(
                format!("message:{prefix}"),
                "message",
                time,
                message,
                meta,
                Change::Keep,
            ));
        }
        other => return Err(format!("unknown `op` `{other}`").into()),
    };
    if !before.is_null() {
        meta.insert("before".into(), before.clone());
    }
    let stream = format!(
        "{}:{}",
        if table.is_empty() { "row" } else { &table },
        primary_key(row)?
    );
    Ok(draft(stream, kind, time, data, meta, change))
}

fn transaction_marker(envelope: Map<String, Value>, status: &str) -> Result<Draft, DecodeError> {
    let id = envelope.get("id").map(display).unwrap_or_default();
    let time = millis(envelope.get("ts_ms")).ok_or("transaction marker without `ts_ms`")?;
    let kind = if status == "BEGIN" {
        "transaction begin"
    } else {
        "transaction end"
    };
    let data = Value::Object(envelope);
    Ok(draft(
        format!("transaction:{id}"),
        kind,
        time,
        data,
        Map::new(),
        Change::Keep,
    ))
}

fn draft(
    stream: String,
    kind: &str,
    time: DateTime<Utc>,
    data: Value,
    meta: Map<String, Value>,
    change: Change,
) -> Draft {
    Draft {
        stream,
        version: None,
        id: None,
        kind: kind.to_string(),
        time: Some(time),
        position: None,
        data,
        meta,
        change,
    }
}

/// `source.ts_ms` is the commit time; MySQL snapshots write 0 there, so fall back to `ts_ms`.
fn commit_time(
    source: &Map<String, Value>,
    envelope: &Map<String, Value>,
) -> Result<DateTime<Utc>, DecodeError> {
    millis(source.get("ts_ms"))
        .filter(|t| t.timestamp_millis() > 0)
        .or_else(|| millis(envelope.get("ts_ms")))
        .ok_or_else(|| "no `source.ts_ms` or `ts_ms` time".into())
}

/// Epoch milliseconds, as a number or a string of digits.
fn millis(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let ms = match value? {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.parse().ok()?,
        _ => return None,
    };
    DateTime::from_timestamp_millis(ms)
}

fn primary_key(row: &Value) -> Result<String, DecodeError> {
    let object = row
        .as_object()
        .ok_or("the row (`after`, or `before` for a delete) is missing")?;
    ["id", "pk", "uuid", "key"]
        .iter()
        .find_map(|k| object.get(*k))
        .or_else(|| object.values().next())
        .map(display)
        .ok_or_else(|| "the row has no fields to key it by".into())
}

fn display(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| value.to_string())
}
