//! Helpers for formats that are database rows exported as JSON (audit tables, Marten, Axon,
//! Envers): columns looked up without regard to case, JSON stored inside text columns, and the
//! time formats databases write.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{DecodeError, DecodeOptions, Draft};
use crate::event::Change;
use crate::time::{from_epoch_millis, parse_db_time};

/// A column by any of its names, compared without regard to case.
pub fn column<'a>(row: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|name| {
            row.get(*name).or_else(|| {
                row.iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(name))
                    .map(|(_, value)| value)
            })
        })
        .filter(|value| !value.is_null())
}

/// True when the row has every one of these columns.
pub fn has_all(row: &Map<String, Value>, names: &[&str]) -> bool {
    names
        .iter()
        .all(|name| column(row, &[name]).is_some() || row.contains_key(*name))
}

/// A column's value as text: strings as they are, other values as JSON.
pub fn text(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| value.to_string())
}

/// A required column as text.
pub fn required_text(row: &Map<String, Value>, names: &[&str]) -> Result<String, DecodeError> {
    column(row, names)
        .map(text)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| DecodeError::Missing(names[0].to_string()))
}

/// JSON kept in a text column (`'{"status": "approved"}'`) is parsed; other values stay.
pub fn json_in_text(value: &Value) -> Value {
    match value {
        Value::String(text) if text.trim_start().starts_with(['{', '[']) => {
            serde_json::from_str(text).unwrap_or_else(|_| value.clone())
        }
        other => other.clone(),
    }
}

/// A row's columns that `keep` says are the object's own, each holding JSON text read as JSON
/// (`json_in_text`): the state of history tables that store the whole object in a row.
pub fn object_columns(row: &Map<String, Value>, keep: impl Fn(&str) -> bool) -> Map<String, Value> {
    row.iter()
        .filter(|(key, _)| keep(key))
        .map(|(key, value)| (key.clone(), json_in_text(value)))
        .collect()
}

/// The time of a row from the first of these columns: RFC 3339, psql text, naive text (read
/// in the chosen zone and noted in `meta.time_zone_assumed`), or epoch milliseconds (a number,
/// or text of digits).
pub fn row_time(
    row: &Map<String, Value>,
    names: &[&str],
    options: &DecodeOptions,
    meta: &mut Map<String, Value>,
) -> Result<DateTime<Utc>, DecodeError> {
    let value = column(row, names).ok_or_else(|| DecodeError::Missing(names[0].to_string()))?;
    // A cell of digits is epoch milliseconds too (CSV cells are text).
    let digits = value
        .as_str()
        .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    if let Some(time) = digits.then(|| from_epoch_millis(value)).flatten() {
        return Ok(time);
    }
    value_time(value, options, meta)
}

/// A time value: epoch milliseconds as a number, or text in any database form (RFC 3339, psql
/// text, or naive text, read in the chosen zone and noted in `meta.time_zone_assumed`).
pub fn value_time(
    value: &Value,
    options: &DecodeOptions,
    meta: &mut Map<String, Value>,
) -> Result<DateTime<Utc>, DecodeError> {
    if let Some(time) = value
        .is_number()
        .then(|| from_epoch_millis(value))
        .flatten()
    {
        return Ok(time);
    }
    let parsed = parse_db_time(&text(value), options.naive_offset)?;
    if parsed.naive {
        meta.insert(
            "time_zone_assumed".into(),
            Value::String(options.naive_offset.to_string()),
        );
    }
    Ok(parsed.time)
}

/// `{field: [old, new]}` change maps (django-auditlog, paper_trail) as the new values.
pub fn new_values_of_changes(changes: &Value) -> Result<Map<String, Value>, DecodeError> {
    let object = changes
        .as_object()
        .ok_or("changes must be an object of `field: [old, new]`")?;
    object
        .iter()
        .map(|(field, pair)| match pair.as_array().map(Vec::as_slice) {
            Some([_, new]) => Ok((field.clone(), new.clone())),
            _ => Err(DecodeError::Refused(format!(
                "change of `{field}` is not `[old, new]`"
            ))),
        })
        .collect()
}

/// A whole number, given as a number or a string of digits.
pub fn as_u64(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str()?.trim().parse().ok())
}

/// Object data merges into the state; other data (text, XML, numbers) is shown with the event
/// and leaves the state as it was.
pub fn merge_or_keep(data: &Value) -> Change {
    if data.is_object() {
        Change::Merge
    } else {
        Change::Keep
    }
}

/// Where an event-store table (Marten, Axon) keeps each part of an event.
pub struct EventColumns {
    pub stream: &'static [&'static str],
    pub version: &'static str,
    pub id: &'static str,
    pub kind: &'static str,
    pub position: &'static str,
}

/// An event-store row as a draft event: its data merges when it is an object.
pub fn event_store_row(
    row: &Map<String, Value>,
    columns: &EventColumns,
    time: DateTime<Utc>,
    data: Value,
    meta: Map<String, Value>,
) -> Result<Draft, DecodeError> {
    Ok(Draft {
        stream: required_text(row, columns.stream)?,
        version: column(row, &[columns.version]).and_then(as_u64),
        id: column(row, &[columns.id]).map(text),
        kind: required_text(row, &[columns.kind])?,
        time: Some(time),
        position: column(row, &[columns.position]).and_then(as_u64),
        change: merge_or_keep(&data),
        data,
        meta,
    })
}

/// A Django natural key (`["cambium", "purchaseorder"]`, `["ana.silva"]`, as `dumpdata
/// --natural-foreign` writes foreign keys) as text, its parts joined by `.`; other values as
/// `text` gives them.
pub fn key_text(value: &Value) -> String {
    match value.as_array() {
        Some(parts) if !parts.is_empty() && parts.iter().all(|p| !p.is_array()) => {
            parts.iter().map(text).collect::<Vec<_>>().join(".")
        }
        _ => text(value),
    }
}

/// True when a record is one object of Django's `dumpdata` output:
/// `{"model": "app.model", "pk": 1, "fields": {...}}`.
pub fn is_dumpdata(value: &Value) -> bool {
    value.as_object().is_some_and(|object| {
        object.get("model").is_some_and(Value::is_string)
            && object.get("fields").is_some_and(Value::is_object)
            && object
                .keys()
                .all(|k| ["model", "pk", "fields"].contains(&k.as_str()))
    })
}

/// A `dumpdata` object as the table row it was made from: its fields, with `pk` and `model`
/// beside them (a field of the same name is kept). Other records are returned as they are.
pub fn dumpdata_row(value: Value) -> Value {
    if !is_dumpdata(&value) {
        return value;
    }
    let Value::Object(mut object) = value else {
        return value;
    };
    let Some(Value::Object(mut row)) = object.remove("fields") else {
        return Value::Object(object);
    };
    for key in ["pk", "model"] {
        if let Some(value) = object.remove(key) {
            row.entry(key).or_insert(value);
        }
    }
    Value::Object(row)
}
