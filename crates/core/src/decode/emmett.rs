//! Emmett's event store (`@event-driven-io/emmett`): the `emt_messages` table of its SQLite or
//! PostgreSQL store as table rows (`sqlite3 -json`, CSV), or what its `readStream` gives,
//! written out as JSON lines (`{type, data, metadata: {streamName, streamPosition, …}}`).
//!
//! stream ← `stream_id` (`metadata.streamName`); version ← `stream_position`
//! (`metadata.streamPosition`); type ← `message_type`; time ← `created` (SQLite's clock, UTC
//! without a zone; `readStream` gives none); order ← `global_position`. `message_metadata` is
//! the event's meta, so its `user` is the author. Domain events' data merges into the state
//! unless a projection says how each type changes it (the application's `evolve`).

use serde_json::{Map, Value};

use super::rows::{
    as_u64, column, has_all, json_in_text, merge_or_keep, required_text, row_time, text,
};
use super::{DecodeError, DecodeOptions, Draft};

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    if has_all(
        row,
        &[
            "stream_id",
            "stream_position",
            "message_type",
            "message_data",
        ],
    ) {
        return Some(
            "rows have `stream_id`, `stream_position`, `message_type` and `message_data` (Emmett's `emt_messages`)".into(),
        );
    }
    let metadata = row.get("metadata")?.as_object()?;
    (row.contains_key("type")
        && row.contains_key("data")
        && metadata.contains_key("streamName")
        && metadata.contains_key("streamPosition"))
    .then(|| "records have `type`, `data` and `metadata.streamName` (Emmett's `readStream`)".into())
}

pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, DecodeError> {
    let row = value
        .as_object()
        .ok_or(DecodeError::Expected("an Emmett message row or read event"))?;
    match row.contains_key("message_type") {
        true => message_row(row, options),
        false => read_event(row),
    }
}

/// A row of `emt_messages`.
fn message_row(row: &Map<String, Value>, options: &DecodeOptions) -> Result<Draft, DecodeError> {
    let mut meta = metadata(column(row, &["message_metadata"]))?;
    let time = row_time(row, &["created"], options, &mut meta)?;
    let data = column(row, &["message_data"])
        .map(json_in_text)
        .unwrap_or(Value::Null);
    Ok(Draft {
        stream: required_text(row, &["stream_id"])?,
        version: column(row, &["stream_position"]).and_then(as_u64),
        id: column(row, &["message_id"]).map(text),
        kind: required_text(row, &["message_type"])?,
        time: Some(time),
        position: column(row, &["global_position"]).and_then(as_u64),
        change: merge_or_keep(&data),
        data,
        meta,
    })
}

/// An event as `readStream` gives it: its positions are in its metadata, and it has no time.
fn read_event(row: &Map<String, Value>) -> Result<Draft, DecodeError> {
    let meta = metadata(row.get("metadata"))?;
    let data = row.get("data").cloned().unwrap_or(Value::Null);
    Ok(Draft {
        stream: required_text(&meta, &["streamName"])?,
        version: column(&meta, &["streamPosition"]).and_then(as_u64),
        id: column(&meta, &["messageId"]).map(text),
        kind: required_text(row, &["type"])?,
        time: None,
        position: column(&meta, &["globalPosition"]).and_then(as_u64),
        change: merge_or_keep(&data),
        data,
        meta,
    })
}

/// The message's metadata (JSON, or JSON text in a table row) as the event's meta.
fn metadata(value: Option<&Value>) -> Result<Map<String, Value>, DecodeError> {
    match value.map(json_in_text) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(meta)) => Ok(meta),
        Some(_) => Err(DecodeError::Expected(
            "`message_metadata` that is a JSON object",
        )),
    }
}
