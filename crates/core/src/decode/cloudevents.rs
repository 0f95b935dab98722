//! CloudEvents 1.0 in the JSON event format, single events and batches (a JSON array).
//!
//! The stream is the `subject`, or the `source` where there is no subject; the version is the
//! `sequence` extension where it is a number, else the event's position; `correlationid` and
//! `causationid` go to `meta.correlation_id` and `meta.causation_id`, and every other attribute
//! to `meta`. `data_base64` is decoded and shown as JSON when `datacontenttype` says JSON, as text
//! otherwise; a JSON string in `data` is not parsed a second time. An event with object data
//! merges it into the state; other data is shown with the event and leaves the state as it was.
//!
//! What the specification rejects is rejected, naming the rule: a missing required attribute,
//! `data` together with `data_base64`, an attribute name that is not lower-case letters and
//! digits, and an extension number that is not an integer within 32 bits.

use base64::Engine;
use serde_json::{Map, Value};

use super::canonical::kind_of;
use super::rows::merge_or_keep;
use super::{DecodeError, Draft};
use crate::event::Change;
use crate::time::parse_instant;

/// Why a value looks like a CloudEvent, if it does.
pub fn looks_like(value: &Value) -> Option<String> {
    let object = value.as_object()?;
    (object.contains_key("specversion") && object.contains_key("type"))
        .then(|| "records have `specversion` and `type` (CloudEvents)".into())
}

/// Decodes one CloudEvent. Data that claims to be base64 but is not is kept as the text it
/// came as, with a problem saying so, so that the event is not lost.
pub fn decode(value: Value) -> Vec<Result<Draft, DecodeError>> {
    let mut notes = Vec::new();
    let mut out = vec![decode_event(value, &mut notes)];
    out.extend(
        notes
            .into_iter()
            .map(|note| Err(DecodeError::Refused(note))),
    );
    out
}

fn decode_event(value: Value, notes: &mut Vec<String>) -> Result<Draft, DecodeError> {
    let Value::Object(mut event) = value else {
        return Err(format!("expected a CloudEvent object, found {}", kind_of(&value)).into());
    };
    // `null` means the attribute is not set.
    event.retain(|_, value| !value.is_null());
    let specversion = required(&event, "specversion")?;
    if specversion != "1.0" && specversion != "0.3" {
        return Err(format!("specversion `{specversion}` is not 1.0 (or 0.3)").into());
    }
    let id = required(&event, "id")?;
    let source = required(&event, "source")?;
    let kind = required(&event, "type")?;
    for (name, value) in &event {
        let valid_name = name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !valid_name && name != "data_base64" {
            return Err(format!(
                "attribute name `{name}` must be lower-case letters and digits only"
            )
            .into());
        }
        check_value(name, value)?;
    }
    let time = match event.get("time").and_then(Value::as_str) {
        Some(time) => Some(parse_instant(time)?),
        None => None,
    };
    let content_type = event
        .get("datacontenttype")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase);
    let is_json = content_type.as_deref().is_none_or(is_json_type);
    // CloudEvents 0.3 marked base64 data with `datacontentencoding` instead of `data_base64`.
    if event.get("datacontentencoding").and_then(Value::as_str) == Some("base64") {
        if let Some(data) = event.remove("data") {
            event.insert("data_base64".into(), data);
        }
    }
    let data = match (event.remove("data"), event.remove("data_base64")) {
        (Some(_), Some(_)) => return Err("has both `data` and `data_base64`".into()),
        (Some(data), None) => Some(data),
        (None, Some(Value::String(encoded))) => {
            Some(decode_base64(&encoded, is_json).unwrap_or_else(|err| {
                notes.push(format!("{err}; the data is shown as the text it came as"));
                Value::String(encoded)
            }))
        }
        (None, Some(other)) => {
            return Err(format!("`data_base64` must be a string, found {}", kind_of(&other)).into())
        }
        (None, None) => None,
    };
    let subject = event
        .get("subject")
        .and_then(Value::as_str)
        .map(str::to_string);
    let version = event
        .get("sequence")
        .and_then(|s| s.as_str().and_then(|s| s.parse().ok()).or(s.as_u64()));
    let mut meta = Map::new();
    for (from, to) in [
        ("correlationid", "correlation_id"),
        ("causationid", "causation_id"),
    ] {
        if let Some(value) = event.remove(from) {
            meta.insert(to.into(), value);
        }
    }
    for (name, value) in event {
        if !matches!(name.as_str(), "id" | "type" | "time") {
            meta.insert(name, value);
        }
    }
    let change = data.as_ref().map_or(Change::Keep, merge_or_keep);
    Ok(Draft {
        stream: subject.unwrap_or(source),
        version,
        id: Some(id),
        kind,
        time,
        position: None,
        data: data.unwrap_or(Value::Null),
        meta,
        change,
    })
}

fn required(event: &Map<String, Value>, name: &str) -> Result<String, DecodeError> {
    match event.get(name) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text.clone()),
        Some(Value::String(_)) => Err(format!("required attribute `{name}` is empty").into()),
        Some(other) => Err(format!("`{name}` must be a string, found {}", kind_of(other)).into()),
        None => Err(format!("missing required attribute `{name}`").into()),
    }
}

/// Context attributes are strings, booleans or 32-bit integers; `data` may be anything.
fn check_value(name: &str, value: &Value) -> Result<(), DecodeError> {
    match value {
        _ if name == "data" => Ok(()),
        Value::String(_) | Value::Bool(_) => Ok(()),
        Value::Number(number) => match number.as_i64() {
            Some(n) if i32::try_from(n).is_ok() => Ok(()),
            Some(n) => {
                Err(format!("extension `{name}` = {n} does not fit a 32-bit integer").into())
            }
            None => Err(format!("extension `{name}` = {number} is not an integer").into()),
        },
        other => Err(format!(
            "attribute `{name}` must be a string, boolean or integer, found {}",
            kind_of(other)
        )
        .into()),
    }
}

fn is_json_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence == "application/json" || essence == "text/json" || essence.ends_with("+json")
}

fn decode_base64(encoded: &str, is_json: bool) -> Result<Value, DecodeError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|err| format!("`data_base64` is not base64: {err}"))?;
    if is_json {
        if let Ok(value) = serde_json::from_slice(&bytes) {
            return Ok(value);
        }
    }
    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}
