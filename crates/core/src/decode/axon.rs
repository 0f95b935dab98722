//! Axon Framework's `domain_event_entry` table, exported as JSON rows.
//!
//! stream ← `aggregate_identifier`; version ← `sequence_number` (from 0); id ←
//! `event_identifier`; type ← `payload_type`; time ← `time_stamp` (ISO text); data ← `payload`;
//! meta ← `meta_data`. Events replay in `global_index` order, which may have gaps. A payload
//! serialized by XStream is XML: it is shown as text and leaves the state as it was.

use serde_json::{Map, Value};

use super::rows::{column, event_store_row, has_all, json_in_text, row_time, EventColumns};
use super::{DecodeError, DecodeOptions, Draft};

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    has_all(
        row,
        &["aggregate_identifier", "sequence_number", "payload_type"],
    )
    .then(|| "rows have `aggregate_identifier`, `sequence_number` and `payload_type` (Axon)".into())
}

pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, DecodeError> {
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
    let columns = EventColumns {
        stream: &["aggregate_identifier"],
        version: "sequence_number",
        id: "event_identifier",
        kind: "payload_type",
        position: "global_index",
    };
    event_store_row(row, &columns, time, data, meta)
}
