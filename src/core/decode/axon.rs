//! Axon Framework's `domain_event_entry` table, exported as JSON rows.
//!
//! stream ← `aggregate_identifier`; version ← `sequence_number` (from 0); id ←
//! `event_identifier`; type ← `payload_type`; time ← `time_stamp` (ISO text); data ← `payload`;
//! meta ← `meta_data`. Events replay in `global_index` order, which may have gaps. A payload
//! serialized by XStream is XML: it is shown as text and leaves the state as it was.

use serde_json::{Map, Value};

use super::marten::as_u64;
use super::rows::{column, has_all, json_in_text, required_text, row_time, text};
use super::{DecodeOptions, Draft};
use crate::core::event::Change;

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    has_all(
        row,
        &["aggregate_identifier", "sequence_number", "payload_type"],
    )
    .then(|| "rows have `aggregate_identifier`, `sequence_number` and `payload_type` (Axon)".into())
}

pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, String> {
    let row = value
        .as_object()
        .ok_or("expected a `domain_event_entry` row object")?;
    let mut meta = match column(row, &["meta_data"]).map(json_in_text) {
        Some(Value::Object(meta)) => meta,
        Some(other) => Map::from_iter([("meta_data".to_string(), other)]),
        None => Map::new(),
    };
    let time = row_time(row, &["time_stamp", "timestamp"], options, &mut meta)?;
    for field in ["payload_revision", "global_index", "type"] {
        if let Some(value) = column(row, &[field]) {
            meta.insert(field.into(), value.clone());
        }
    }
    let data = column(row, &["payload"])
        .map(json_in_text)
        .unwrap_or(Value::Null);
    Ok(Draft {
        stream: required_text(row, &["aggregate_identifier"])?,
        version: column(row, &["sequence_number"]).and_then(as_u64),
        id: column(row, &["event_identifier"]).map(text),
        kind: required_text(row, &["payload_type"])?,
        time: Some(time),
        position: column(row, &["global_index"]).and_then(as_u64),
        change: if data.is_object() {
            Change::Merge
        } else {
            Change::Keep
        },
        data,
        meta,
    })
}
