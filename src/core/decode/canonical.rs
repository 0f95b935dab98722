//! Chronoscope's own event format.
//!
//! A record is `{stream, type, time, data, version?, id?, meta?, patch?, snapshot?}`. `time` is
//! RFC 3339; `meta.user` is the author. How the event changes the state is chosen in this order:
//! `snapshot` replaces the state, else `patch` (RFC 6902) is applied, else `data` is merged
//! (RFC 7396). An event with none of the three leaves the state as it was.

use serde_json::{Map, Value};

use super::Draft;
use crate::core::event::Change;
use crate::core::time::parse_instant;

/// True when an object has the fields of a canonical event.
pub fn looks_like(object: &Map<String, Value>) -> bool {
    ["stream", "type", "time"]
        .iter()
        .all(|field| object.get(*field).is_some_and(Value::is_string))
}

/// Decodes one canonical record.
pub fn decode(value: Value) -> Result<Draft, String> {
    let Value::Object(mut object) = value else {
        return Err(format!(
            "expected an event object, found {}",
            kind_of(&value)
        ));
    };
    let stream = take_string(&mut object, "stream")?;
    let kind = take_string(&mut object, "type")?;
    let time = parse_instant(&take_string(&mut object, "time")?)?;
    let version = match object.remove("version") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            value
                .as_u64()
                .ok_or_else(|| format!("`version` must be a whole number ≥ 0, found {value}"))?,
        ),
    };
    let id = match object.remove("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id),
        Some(other) => Some(other.to_string()),
    };
    let meta = match object.remove("meta") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(meta)) => meta,
        Some(other) => {
            return Err(format!(
                "`meta` must be an object, found {}",
                kind_of(&other)
            ))
        }
    };
    let change = if let Some(snapshot) = object.remove("snapshot") {
        Change::Snapshot(snapshot)
    } else if let Some(patch) = object.remove("patch") {
        let patch = serde_json::from_value(patch)
            .map_err(|err| format!("`patch` is not an RFC 6902 JSON Patch: {err}"))?;
        Change::Patch(patch)
    } else if object.contains_key("data") {
        Change::Merge
    } else {
        Change::Keep
    };
    let data = object.remove("data").unwrap_or(Value::Null);
    Ok(Draft {
        stream,
        version,
        id,
        kind,
        time: Some(time),
        position: None,
        data,
        meta,
        change,
    })
}

pub(crate) fn take_string(object: &mut Map<String, Value>, field: &str) -> Result<String, String> {
    match object.remove(field) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text),
        Some(Value::String(_)) => Err(format!("`{field}` is empty")),
        None | Some(Value::Null) => Err(format!("missing `{field}`")),
        Some(other) => Err(format!(
            "`{field}` must be a string, found {}",
            kind_of(&other)
        )),
    }
}

pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
