//! EventSourcingDB's NDJSON: the lines of a backup and of its `read-events` API.
//!
//! Each line is `{"type": "event", "payload": …}`. In a backup the payload is
//! `{"event": {…}, "hash": "…"}`; the API puts the event itself in the payload, with its `hash`
//! among its fields. The event is a CloudEvent with EventSourcingDB's `predecessorhash` and
//! `hash`: stream ← `subject`, type ← `type`, time ← `time`, and its object `data` merges into the
//! state. Versions count the subject's events from 1. The `id` is the store's global position,
//! but events are *not* reordered by it: the hash chain runs in the order the lines are written,
//! and a swapped pair must show as broken links (`integrity`), not be silently put back.
//! `specversion` is not checked here (the store's own test vectors use other values); the hash
//! covers it. A `heartbeat` line carries nothing and adds nothing; any other line type is a
//! problem on its line.

use serde_json::{Map, Value};

use super::canonical::kind_of;
use super::rows::merge_or_keep;
use super::{DecodeError, Draft};
use crate::time::parse_instant;

/// Why a line looks like EventSourcingDB's, if it does.
pub fn looks_like(value: &Value) -> Option<String> {
    let line = value.as_object()?;
    let payload = line.get("payload")?.as_object()?;
    let event = payload.get("event").unwrap_or(&line["payload"]);
    (line.get("type")?.is_string() && event.get("predecessorhash").is_some())
        .then(|| "lines are `{type, payload}` with a `predecessorhash` (EventSourcingDB)".into())
}

/// Decodes one line: an event, nothing (a heartbeat), or a problem.
pub fn decode(value: Value) -> Vec<Result<Draft, DecodeError>> {
    let Value::Object(mut line) = value else {
        return vec![Err(DecodeError::Expected("an EventSourcingDB line object"))];
    };
    match line.get("type").and_then(Value::as_str) {
        Some("event") => {}
        Some("heartbeat") => return Vec::new(),
        Some(other) => return vec![Err(format!("a `{other}` line, not an event").into())],
        None => return vec![Err(DecodeError::Missing("type".into()))],
    }
    let payload = match line.remove("payload") {
        Some(Value::Object(payload)) => payload,
        Some(other) => {
            return vec![Err(DecodeError::WrongType {
                field: "payload".into(),
                expected: "an object",
                found: kind_of(&other).into(),
            })]
        }
        None => return vec![Err(DecodeError::Missing("payload".into()))],
    };
    vec![decode_payload(payload)]
}

fn decode_payload(mut payload: Map<String, Value>) -> Result<Draft, DecodeError> {
    let (mut event, outer_hash) = match payload.remove("event") {
        Some(Value::Object(event)) => (event, payload.remove("hash")),
        Some(other) => {
            return Err(DecodeError::WrongType {
                field: "payload.event".into(),
                expected: "an object",
                found: kind_of(&other).into(),
            })
        }
        None => (payload, None),
    };
    let subject = required(&mut event, "subject")?;
    let kind = required(&mut event, "type")?;
    let id = required(&mut event, "id")?;
    let time = parse_instant(&required(&mut event, "time")?)?;
    let data = event.remove("data").unwrap_or(Value::Null);
    let mut meta = event;
    if let Some(hash) = outer_hash {
        meta.insert("hash".into(), hash);
    }
    Ok(Draft {
        stream: subject,
        version: None,
        id: Some(id),
        kind,
        time: Some(time),
        position: None,
        change: merge_or_keep(&data),
        data,
        meta,
    })
}

/// Takes a required string field out of the event.
fn required(event: &mut Map<String, Value>, name: &str) -> Result<String, DecodeError> {
    match event.remove(name) {
        Some(Value::String(text)) => Ok(text),
        Some(other) => Err(DecodeError::WrongType {
            field: name.into(),
            expected: "a string",
            found: kind_of(&other).into(),
        }),
        None => Err(DecodeError::Missing(name.into())),
    }
}
