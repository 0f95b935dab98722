//! Marten's `mt_events` table, exported as JSON (psql `json_agg`, or one row per line).
//!
//! stream ← `stream_id`; version ← `version` (from 1); id ← `id`; type ← `type` (a snake_case
//! alias or a .NET name); time ← `timestamp`, which psql writes as `2024-01-01 10:00:00.123+00`;
//! data ← `data` (JSON, or JSON inside text); meta ← `correlation_id`, `causation_id`,
//! `user_name`, `headers`, `tenant_id`. Events replay in `seq_id` order, the store's global order.

use serde_json::{Map, Value};

use super::rows::{column, event_store_row, has_all, json_in_text, row_time, EventColumns};
use super::{DecodeError, DecodeOptions, Draft};

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    has_all(row, &["seq_id", "stream_id", "version", "type"]).then(|| {
        "rows have `seq_id`, `stream_id`, `version` and `type` (Marten `mt_events`)".into()
    })
}

pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, DecodeError> {
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
    let columns = EventColumns {
        stream: &["stream_id", "stream_key"],
        version: "version",
        id: "id",
        kind: "type",
        position: "seq_id",
    };
    event_store_row(row, &columns, time, data, meta)
}
