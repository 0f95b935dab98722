//! A custom mapping, for any other JSON export whose columns are not known in advance (Cambium's
//! `audit_logs` and `po_activity_log` among them).
//!
//! The user says with JSON Pointers (RFC 6901) which field is the stream (one pointer, or several
//! joined with `:`), type, time, version, author, id and data, and what the data is: a `merge`
//! patch (RFC 7396, the default), a JSON `patch` (RFC 6902), a full `state`, or `changes` as
//! `{field: [old, new]}`. A mapping is a small JSON document:
//!
//! ```json
//! {"stream": ["/table_name", "/record_id"], "type": "/action", "time": "/created_at",
//!  "user": "/user_email", "data": "/new_values", "data_is": "merge"}
//! ```
//!
//! `type` may be left out, as many history tables have none: every event is then a `change`.
//! `drop` names columns of the data to leave out of the state (a history id, a context id, a
//! transaction id, which change on every row and would show in every diff); `keep` instead names
//! the only ones to keep. Both name top-level keys of the data, and a mapping has one or neither.
//!
//! A history table that stores the row *before* each change beside the changed fields is read
//! with `"data_is": "before"` and `changes` naming the changed fields: the state after is the
//! before-image with the changes over it, never the before-image alone, which would leave every
//! aggregate one step behind. `deletes` lists the type values that end the aggregate
//! (`["delete", "D"]`), compared without regard to case.
//!
//! Data held as JSON text or PostgreSQL hstore text is read as JSON, and so is each of its
//! columns (and each column of a whole record) whose text holds a JSON object or array.
//!
//! `correlation` and `causation` say where the ids that tie events of one business transaction
//! together are (the trail, `core::trail`).
//!
//! A natural key (`["purchasing", "purchaseorder"]`, as Django's `--natural-foreign` writes a
//! foreign key) names a stream, a type or an author by its parts joined with `.`
//! (`purchasing.purchaseorder:1`), not as JSON.
//!
//! A pointer reads through text that holds JSON (`/state/timestamp/_data_` inside a `state`
//! column of JSON text), and `data` held as JSON text is parsed. `time` may be left out for
//! stores that keep only a sequence: the events then replay and scrub by version.
//!
//! It can be saved as a file, loaded by URL, and is carried in the deep link (`map=`).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::rows::{
    json_in_text, key_text, new_values_of_changes, object_columns, text, value_time,
};
use super::{hstore, DecodeError, DecodeOptions, Draft};
use crate::event::Change;

/// Where each part of an event is in a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub stream: Pointers,
    /// Where the type is; absent: every event is a `change` (`UNTYPED`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Where the time is; absent for stores with only a sequence: events then replay and scrub
    /// by version, and have no time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Where the data is; absent: the whole record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(default)]
    pub data_is: DataIs,
    /// Where the changed fields are, with `data_is: before`: they go over the before-image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<String>,
    /// The type values that end the aggregate (its state becomes `null`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deletes: Vec<String>,
    /// The data's columns to leave out of the state; the rest are kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drop: Vec<String>,
    /// The data's only columns to keep in the state; empty: all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep: Vec<String>,
    /// Where the correlation and causation ids are, for the trail (`core::trail`); they are
    /// kept as `meta.correlation_id` and `meta.causation_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation: Option<String>,
}

/// What is wrong with a mapping document.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// Not JSON, or not a mapping's fields; serde_json's message names the line and column.
    #[error("the mapping is not valid: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("the mapping both keeps and drops columns: name the columns to `keep`, or those to `drop`, not both")]
    KeepsAndDrops,
    #[error("`changes` go over a before-image: they are read only with `\"data_is\": \"before\"`")]
    ChangesWithoutBefore,
    #[error("`{pointer}` is not a JSON Pointer (it must start with `/`)")]
    NotAPointer { pointer: String },
}

/// The type of every event of a mapping that names no `type`.
pub const UNTYPED: &str = "change";

/// One JSON Pointer, or several whose values are joined with `:`. Read through `PointerList`
/// rather than as an untagged enum, so that a value of another kind is refused in words that
/// say what was expected ("expected a JSON Pointer or an array of them"), where an untagged
/// enum says only that the data "did not match any variant".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, from = "PointerList")]
pub enum Pointers {
    One(String),
    Many(Vec<String>),
}

/// `Pointers` as written: a string, or an array of strings.
struct PointerList(Pointers);

impl From<PointerList> for Pointers {
    fn from(list: PointerList) -> Pointers {
        list.0
    }
}

impl<'de> Deserialize<'de> for PointerList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = PointerList;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON Pointer or an array of them")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<PointerList, E> {
                Ok(PointerList(Pointers::One(text.to_string())))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<PointerList, A::Error> {
                let mut pointers = Vec::new();
                while let Some(pointer) = seq.next_element::<String>()? {
                    pointers.push(pointer);
                }
                Ok(PointerList(Pointers::Many(pointers)))
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

/// What a mapped record's data means for the state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataIs {
    #[default]
    Merge,
    Patch,
    State,
    Changes,
    /// The row before the change; `changes` (if any) go over it to give the state after.
    Before,
}

impl Mapping {
    /// Reads a mapping document, naming what is wrong with it.
    pub fn parse(text: &str) -> Result<Mapping, MappingError> {
        let mapping: Mapping = serde_json::from_str(text).map_err(|err| MappingError::Json {
            line: err.line(),
            column: err.column(),
            message: err.to_string(),
        })?;
        if !mapping.keep.is_empty() && !mapping.drop.is_empty() {
            return Err(MappingError::KeepsAndDrops);
        }
        if mapping.changes.is_some() && mapping.data_is != DataIs::Before {
            return Err(MappingError::ChangesWithoutBefore);
        }
        match mapping
            .pointers()
            .into_iter()
            .find(|p| !p.is_empty() && !p.starts_with('/'))
        {
            Some(pointer) => Err(MappingError::NotAPointer {
                pointer: pointer.to_string(),
            }),
            None => Ok(mapping),
        }
    }

    /// The mapping as compact JSON, as it goes into a link or a file.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The data with the columns `drop` names left out, or only those `keep` names; data that is
    /// not an object stays as it is.
    fn columns_kept(&self, data: Value) -> Value {
        match data {
            Value::Object(columns) if !self.keep.is_empty() || !self.drop.is_empty() => {
                let kept = |key: &String| match self.keep.is_empty() {
                    true => !self.drop.contains(key),
                    false => self.keep.contains(key),
                };
                Value::Object(columns.into_iter().filter(|(key, _)| kept(key)).collect())
            }
            other => other,
        }
    }

    fn pointers(&self) -> Vec<&str> {
        let mut all: Vec<&str> = match &self.stream {
            Pointers::One(p) => vec![p],
            Pointers::Many(ps) => ps.iter().map(String::as_str).collect(),
        };
        all.extend(
            [
                &self.kind,
                &self.time,
                &self.version,
                &self.user,
                &self.id,
                &self.data,
                &self.changes,
                &self.correlation,
                &self.causation,
            ]
            .into_iter()
            .flatten()
            .map(String::as_str),
        );
        all
    }
}

/// Decodes one record with the mapping in the options.
pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, DecodeError> {
    let mapping = options
        .mapping
        .as_ref()
        .ok_or("the custom mapping format needs a mapping")?;
    let get = |pointer: &str| pointer_through_text(&value, pointer).filter(|v| !v.is_null());
    let required = |pointer: &str, what: &str| {
        get(pointer)
            .map(|v| key_text(&v))
            .filter(|t| !t.is_empty())
            .ok_or_else(|| format!("no {what} at `{pointer}`"))
    };
    let stream = match &mapping.stream {
        Pointers::One(pointer) => required(pointer, "stream")?,
        Pointers::Many(pointers) => pointers
            .iter()
            .map(|p| required(p, "stream part"))
            .collect::<Result<Vec<_>, _>>()?
            .join(":"),
    };
    let kind = match &mapping.kind {
        Some(pointer) => required(pointer, "type")?,
        None => UNTYPED.to_string(),
    };
    let mut meta = Map::new();
    let time = match &mapping.time {
        Some(pointer) => {
            let value = get(pointer).ok_or_else(|| format!("no time at `{pointer}`"))?;
            Some(value_time(&value, options, &mut meta)?)
        }
        None => None,
    };
    if let Some(user) = mapping.user.as_deref().and_then(get) {
        meta.insert("user".into(), Value::String(key_text(&user)));
    }
    for (pointer, key) in [
        (&mapping.correlation, "correlation_id"),
        (&mapping.causation, "causation_id"),
    ] {
        if let Some(id) = pointer.as_deref().and_then(get) {
            meta.insert(key.into(), Value::String(text(&id)));
        }
    }
    let version = match mapping.version.as_deref().and_then(get) {
        Some(v) => Some(
            v.as_u64()
                .or_else(|| v.as_str()?.trim().parse().ok())
                .ok_or_else(|| format!("version {v} is not a whole number"))?,
        ),
        None => None,
    };
    let mut data = match &mapping.data {
        Some(pointer) => get(pointer).map_or(Ok(Value::Null), |v| structured(&v, pointer))?,
        None => structured(&value, "")?,
    };
    data = mapping.columns_kept(data);
    if mapping.data_is == DataIs::Before {
        let changes = match &mapping.changes {
            Some(pointer) => get(pointer).map_or(Ok(Value::Null), |v| structured(&v, pointer))?,
            None => Value::Null,
        };
        meta.insert("row_before".into(), data.clone());
        data = after_image(data, mapping.columns_kept(changes));
    }
    let deleted = mapping
        .deletes
        .iter()
        .any(|d| d.eq_ignore_ascii_case(&kind));
    let change = match mapping.data_is {
        _ if deleted => Change::Delete,
        DataIs::Merge => Change::Merge,
        DataIs::Before => Change::Snapshot(data.clone()),
        DataIs::State => Change::Snapshot(data.clone()),
        DataIs::Patch => Change::Patch(crate::patch::patch_from_text(&data.to_string()).map_err(
            |error| DecodeError::Patch {
                part: "the data",
                error,
            },
        )?),
        DataIs::Changes => Change::Fields(new_values_of_changes(&data)?),
    };
    Ok(Draft {
        stream,
        version,
        id: mapping.id.as_deref().and_then(get).map(|v| text(&v)),
        kind,
        time,
        position: None,
        data,
        meta,
        change,
    })
}

/// A value as the state reads it: JSON text and hstore text (`"k"=>"v"`) read as what they
/// hold, and each column of an object whose text holds a JSON object or array read as JSON.
pub(super) fn structured(value: &Value, pointer: &str) -> Result<Value, DecodeError> {
    let value = match value {
        Value::String(text)
            if !text.trim_start().starts_with(['{', '[']) && text.contains("=>") =>
        {
            Value::Object(hstore::parse(text).map_err(|err| err.within(format!("`{pointer}`")))?)
        }
        other => json_in_text(other),
    };
    Ok(match value {
        Value::Object(columns) => Value::Object(object_columns(&columns, |_| true)),
        other => other,
    })
}

/// The state after a change: the before-image with the changed fields over it (an insert's
/// row, or a delete's, has no changes and is the row itself).
fn after_image(before: Value, changes: Value) -> Value {
    match (before, changes) {
        (Value::Object(mut row), Value::Object(changes)) => {
            row.extend(changes);
            Value::Object(row)
        }
        (before, Value::Null) => before,
        (_, changes) => changes,
    }
}

/// The value a JSON Pointer names, reading through text that holds JSON on the way: with
/// `{"state": "{\"timestamp\": …}"}`, `/state/timestamp` names the timestamp inside the text
/// (the Python `eventsourcing` package's `state`, Laravel's `new_values`, a `payload` column).
pub fn pointer_through_text<'a>(value: &'a Value, pointer: &str) -> Option<Cow<'a, Value>> {
    if let Some(found) = value.pointer(pointer) {
        return Some(Cow::Borrowed(found));
    }
    // The longest prefix that names text holding JSON; the rest is read inside it. Every `/`
    // starts a token (a `/` within a token is written `~1`), so cutting there is safe.
    pointer
        .match_indices('/')
        .map(|(at, _)| at)
        .filter(|&at| at > 0)
        .rev()
        .find_map(|at| {
            let inner = match value.pointer(&pointer[..at])? {
                Value::String(text) if text.trim_start().starts_with(['{', '[']) => {
                    serde_json::from_str::<Value>(text).ok()?
                }
                _ => return None,
            };
            pointer_through_text(&inner, &pointer[at..]).map(|found| Cow::Owned(found.into_owned()))
        })
}
