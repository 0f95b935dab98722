//! The Python `eventsourcing` package's `stored_events` table, as `sqlite3 -json`, psql's
//! `json_agg` or CSV export it.
//!
//! stream ← `originator_id`; version ← `originator_version`; type ← the last part of `topic`
//! (`cambium_orders:PurchaseOrder.Created` → `Created`); `state` is the event's JSON, kept as
//! text (or bytes): its `timestamp` (`{"_type_": "datetime_iso", "_data_": "…"}`) is the time,
//! and its other fields merge into the state. `originator_topic` (the aggregate's class, on the
//! first event) goes to the event's meta. Where the table has a `notification_id` (the
//! PostgreSQL recorder), events replay in that order.

use serde_json::{Map, Value};

use super::rows::{as_u64, column, has_all, json_in_text, required_text, text};
use super::{DecodeError, DecodeOptions, Draft};
use crate::event::Change;
use crate::time::parse_db_time;

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    has_all(
        row,
        &["originator_id", "originator_version", "topic", "state"],
    )
    .then(|| {
        "rows have `originator_id`, `originator_version`, `topic` and `state` (eventsourcing)"
            .into()
    })
}

pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, DecodeError> {
    let row = value
        .as_object()
        .ok_or("expected a `stored_events` row object")?;
    let topic = required_text(row, &["topic"])?;
    let state = column(row, &["state"])
        .map(|state| json_in_text(&bytea_as_text(state)))
        .ok_or_else(|| DecodeError::Missing("state".into()))?;
    let Value::Object(mut data) = state else {
        return Err(DecodeError::WrongType {
            field: "state".into(),
            expected: "a JSON object",
            found: text(&state),
        });
    };
    let mut meta = Map::new();
    meta.insert("topic".into(), Value::String(topic.clone()));
    if let Some(class) = data.remove("originator_topic") {
        meta.insert("originator_topic".into(), class);
    }
    let timestamp = data
        .remove("timestamp")
        .ok_or_else(|| DecodeError::Missing("state.timestamp".into()))?;
    let time = parse_db_time(&time_text(&timestamp), options.naive_offset)?.time;
    let version = column(row, &["originator_version"])
        .map(|v| {
            as_u64(v).ok_or_else(|| DecodeError::WrongType {
                field: "originator_version".into(),
                expected: "a whole number",
                found: text(v),
            })
        })
        .transpose()?;
    Ok(Draft {
        stream: required_text(row, &["originator_id"])?,
        version,
        id: None,
        kind: event_name(&topic).to_string(),
        time: Some(time),
        position: column(row, &["notification_id"]).and_then(as_u64),
        change: Change::Merge,
        data: Value::Object(data),
        meta,
    })
}

/// psql writes a `bytea` column (the PostgreSQL recorder's `state`) as `\\x` and hex digits; those
/// bytes, when they are UTF-8, are the text. Other values are returned as they are. Hand-written:
/// a dozen lines do not call for a hex crate.
fn bytea_as_text(value: &Value) -> Value {
    let Some(hex) = value.as_str().and_then(|s| s.strip_prefix("\\x")) else {
        return value.clone();
    };
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok())
        .collect();
    match bytes.and_then(|bytes| String::from_utf8(bytes).ok()) {
        Some(text) => Value::String(text),
        None => value.clone(),
    }
}

/// The time in a `timestamp`: `{"_type_": "datetime_iso", "_data_": "…"}`, or plain text.
fn time_text(timestamp: &Value) -> String {
    match timestamp.get("_data_") {
        Some(data) => text(data),
        None => text(timestamp),
    }
}

/// `module:Class.Event` → `Event`.
fn event_name(topic: &str) -> &str {
    let class = topic.rsplit_once(':').map_or(topic, |(_, class)| class);
    class.rsplit_once('.').map_or(class, |(_, name)| name)
}
