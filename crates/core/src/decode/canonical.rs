//! Chronoscope's own event format.
//!
//! A record is `{stream, type, time, data, version?, id?, meta?, patch?, snapshot?}`. `time` is
//! RFC 3339; `meta.user` is the author. How the event changes the state is chosen in this order:
//! `snapshot` replaces the state, else `patch` (RFC 6902) is applied, else `data` is merged
//! (RFC 7396). An event with none of the three leaves the state as it was.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::lean_scan::{self, Scanned};
use super::{DecodeError, Draft};
use crate::event::Change;
use crate::patch::{patch_from_text, present, read_patch, OpCheck};
use crate::time::parse_instant;

/// True when an object has the fields of a canonical event.
pub fn looks_like(object: &Map<String, Value>) -> bool {
    ["stream", "type", "time"]
        .iter()
        .all(|field| object.get(*field).is_some_and(Value::is_string))
}

/// The fields of a well-formed record, read straight from its text.
#[derive(Deserialize)]
struct Record<'a> {
    stream: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow)]
    time: &'a str,
    #[serde(default)]
    version: Option<u64>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    meta: Option<Map<String, Value>>,
    #[serde(default, borrow, deserialize_with = "present")]
    data: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    patch: Option<Vec<OpCheck<'a>>>,
    #[serde(default, borrow, deserialize_with = "present")]
    snapshot: Option<&'a RawValue>,
}

/// Decodes one canonical record from its text. A well-formed record is read straight into its
/// fields, without building a JSON tree of the whole record first; anything else goes through
/// `decode`, which names what is wrong.
pub fn decode_text(text: &str) -> Result<Draft, DecodeError> {
    if let Some(draft) = decode_fast(text) {
        return Ok(draft);
    }
    let value =
        serde_json::from_str::<Value>(text).map_err(|err| DecodeError::NotJson(err.to_string()))?;
    decode(value)
}

fn decode_fast(text: &str) -> Option<Draft> {
    let record: Record<'_> = serde_json::from_str(text).ok()?;
    if record.stream.is_empty() || record.kind.is_empty() {
        return None;
    }
    let time = parse_instant(record.time).ok()?;
    let raw = |raw: &RawValue| serde_json::from_str::<Value>(raw.get()).ok();
    // A `data` that is there but cannot be read (a lone surrogate, `1e400`, nesting past the
    // limit) sends the record the full way, which names the problem: it never becomes `null`.
    let data = match record.data {
        Some(data) => Some(raw(data)?),
        None => None,
    };
    let change = match (record.snapshot, record.patch, &data) {
        (Some(snapshot), _, _) => Change::Snapshot(raw(snapshot)?),
        (None, Some(patch), _) => Change::Patch(read_patch(&patch)?),
        (None, None, Some(_)) => Change::Merge,
        (None, None, None) => Change::Keep,
    };
    let id = id_text(record.id);
    Some(Draft {
        stream: record.stream,
        version: record.version,
        id,
        kind: record.kind,
        time: Some(time),
        position: None,
        data: data.unwrap_or(Value::Null),
        meta: record.meta.unwrap_or_default(),
        change,
    })
}

/// What the timeline needs of a well-formed record to index it, borrowed from the record's
/// text. How the record changes the state (`data`, `patch`, `snapshot`) is only checked here,
/// not parsed: it is read when the event is folded (`decode_change`). Anything unusual
/// (`meta.user` that is not a string, a bad time, a patch that is not RFC 6902) makes
/// `decode_lean` give up, and the record goes the full way through `decode_text`, which names
/// the problem.
#[derive(Debug, PartialEq)]
pub struct Lean<'a> {
    pub stream: Cow<'a, str>,
    pub kind: Cow<'a, str>,
    pub time: DateTime<Utc>,
    pub version: Option<u64>,
    pub id: Option<String>,
    pub user: Option<Cow<'a, str>>,
    /// True when `meta` names `time_zone_assumed`.
    pub zone_assumed: bool,
}

#[derive(Deserialize)]
struct LeanFields<'a> {
    #[serde(borrow)]
    stream: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    time: &'a str,
    #[serde(default)]
    version: Option<u64>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(default, borrow)]
    meta: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    patch: Option<Vec<OpCheck<'a>>>,
}

#[derive(Deserialize)]
struct MetaUser<'a> {
    #[serde(default, borrow)]
    user: Option<Cow<'a, str>>,
    /// Whether `meta` names it (as the full reading's `meta.contains_key` does), whatever its
    /// value: `present` makes a `null` count too.
    #[serde(default, deserialize_with = "present")]
    time_zone_assumed: Option<serde::de::IgnoredAny>,
}

/// Reads a well-formed record as `Lean`; `None` for anything `decode_text` should look at.
pub fn decode_lean(text: &str) -> Option<Lean<'_>> {
    match lean_scan::scan(text) {
        Some(scanned) => lean_of_scanned(scanned),
        None => decode_lean_by_serde(text),
    }
}

/// `decode_lean`'s answer from what the quick scan found: the same checks as serde's way.
fn lean_of_scanned(scanned: Scanned<'_>) -> Option<Lean<'_>> {
    if scanned.stream.is_empty() || scanned.kind.is_empty() {
        return None;
    }
    if scanned.patch == Some(false) {
        return None;
    }
    let time = parse_instant(scanned.time).ok()?;
    Some(Lean {
        stream: Cow::Borrowed(scanned.stream),
        kind: Cow::Borrowed(scanned.kind),
        time,
        version: scanned.version,
        id: scanned.id.map(str::to_string),
        user: scanned.user.map(Cow::Borrowed),
        zone_assumed: scanned.zone_assumed,
    })
}

/// `decode_lean` by serde, for the records the quick scan is not sure of (public so that a test
/// can hold the two ways side by side).
pub fn decode_lean_by_serde(text: &str) -> Option<Lean<'_>> {
    let fields: LeanFields<'_> = serde_json::from_str(text).ok()?;
    if fields.stream.is_empty() || fields.kind.is_empty() {
        return None;
    }
    if !fields.patch.iter().flatten().all(OpCheck::is_valid) {
        return None;
    }
    let time = parse_instant(fields.time).ok()?;
    let (user, zone_assumed) = match fields.meta {
        None => (None, false),
        Some(meta) if meta.get() == "null" => (None, false),
        Some(meta) if meta.get().starts_with('{') => {
            let MetaUser {
                user,
                time_zone_assumed,
            } = serde_json::from_str(meta.get()).ok()?;
            (user, time_zone_assumed.is_some())
        }
        Some(_) => return None,
    };
    let id = id_text(fields.id);
    Some(Lean {
        stream: fields.stream,
        kind: fields.kind,
        time,
        version: fields.version,
        id,
        user,
        zone_assumed,
    })
}

/// Only the part of a record that changes state: enough to replay it.
#[derive(Deserialize)]
struct ChangeFields<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    data: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    patch: Option<Vec<OpCheck<'a>>>,
    #[serde(default, borrow, deserialize_with = "present")]
    snapshot: Option<&'a RawValue>,
}

/// Reads only how a well-formed record changes the state, and its `data` (which a merge
/// merges), for replaying a record already decoded once; the other fields are skipped unparsed.
pub fn decode_change(text: &str) -> Option<(Change, Value)> {
    let fields: ChangeFields<'_> = serde_json::from_str(text).ok()?;
    let raw = |raw: &RawValue| serde_json::from_str::<Value>(raw.get()).ok();
    Some(match (fields.snapshot, fields.patch, fields.data) {
        (Some(snapshot), _, _) => (Change::Snapshot(raw(snapshot)?), Value::Null),
        (None, Some(patch), _) => (Change::Patch(read_patch(&patch)?), Value::Null),
        (None, None, Some(data)) => (Change::Merge, raw(data)?),
        (None, None, None) => (Change::Keep, Value::Null),
    })
}

/// An event id as text: a string as it is, any other value as JSON, `null` as no id.
fn id_text(id: Option<Value>) -> Option<String> {
    match id {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id),
        Some(other) => Some(other.to_string()),
    }
}

/// Decodes one canonical record.
pub fn decode(value: Value) -> Result<Draft, DecodeError> {
    let Value::Object(mut object) = value else {
        return Err(DecodeError::Refused(format!(
            "expected an event object, found {}",
            kind_of(&value)
        )));
    };
    let stream = take_string(&mut object, "stream")?;
    let kind = take_string(&mut object, "type")?;
    let time = parse_instant(&take_string(&mut object, "time")?)?;
    let version = match object.remove("version") {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.as_u64().ok_or_else(|| DecodeError::WrongType {
            field: "version".into(),
            expected: "a whole number ≥ 0",
            found: value.to_string(),
        })?),
    };
    let id = id_text(object.remove("id"));
    let meta = match object.remove("meta") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(meta)) => meta,
        Some(other) => {
            return Err(DecodeError::WrongType {
                field: "meta".into(),
                expected: "an object",
                found: kind_of(&other).to_string(),
            })
        }
    };
    let change = if let Some(snapshot) = object.remove("snapshot") {
        Change::Snapshot(snapshot)
    } else if let Some(patch) = object.remove("patch") {
        let patch = patch_from_text(&patch.to_string()).map_err(|error| DecodeError::Patch {
            part: "`patch`",
            error,
        })?;
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

pub(crate) fn take_string(
    object: &mut Map<String, Value>,
    field: &str,
) -> Result<String, DecodeError> {
    match object.remove(field) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text),
        Some(Value::String(_)) => Err(DecodeError::Empty(field.to_string())),
        None | Some(Value::Null) => Err(DecodeError::Missing(field.to_string())),
        Some(other) => Err(DecodeError::WrongType {
            field: field.to_string(),
            expected: "a string",
            found: kind_of(&other).to_string(),
        }),
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
