//! Marten's `mt_events` table, exported as JSON (psql `json_agg`, or one row per line).
//!
//! stream ← `stream_id`; version ← `version` (from 1); id ← `id`; type ← `type` (a snake_case
//! alias or a .NET name); time ← `timestamp`, which psql writes as `2024-01-01 10:00:00.123+00`;
//! data ← `data` (JSON, or JSON inside text); meta ← `correlation_id`, `causation_id`,
//! `user_name`, `headers`, `tenant_id`. Events replay in `seq_id` order, the store's global order.

use serde_json::{Map, Value};

use super::rows::{column, has_all, json_in_text, required_text, row_time, text};
use super::{DecodeOptions, Draft};
use crate::core::event::Change;

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    has_all(row, &["seq_id", "stream_id", "version", "type"]).then(|| {
        "rows have `seq_id`, `stream_id`, `version` and `type` (Marten `mt_events`)".into()
    })
}

pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, String> {
    let row = value
        .as_object()
        .ok_or("expected an `mt_events` row object")?;
    let mut meta = Map::new();
    let time = row_time(row, &["timestamp"], options, &mut meta)?;
    for (from, to) in [
        ("correlation_id", "correlation_id"),
        ("causation_id", "causation_id"),
        ("user_name", "user"),
        ("tenant_id", "tenant_id"),
        ("mt_dotnet_type", "dotnet_type"),
        ("seq_id", "seq_id"),
    ] {
        if let Some(value) = column(row, &[from]) {
            meta.insert(to.into(), value.clone());
        }
    }
    if let Some(headers) = column(row, &["headers"]) {
        meta.insert("headers".into(), json_in_text(headers));
    }
    let data = column(row, &["data"])
        .map(json_in_text)
        .unwrap_or(Value::Null);
    Ok(Draft {
        stream: required_text(row, &["stream_id", "stream_key"])?,
        version: column(row, &["version"]).and_then(as_u64),
        id: column(row, &["id"]).map(text),
        kind: required_text(row, &["type"])?,
        time: Some(time),
        position: column(row, &["seq_id"]).and_then(as_u64),
        change: if data.is_object() {
            Change::Merge
        } else {
            Change::Keep
        },
        data,
        meta,
    })
}

pub(crate) fn as_u64(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str()?.trim().parse().ok())
}
