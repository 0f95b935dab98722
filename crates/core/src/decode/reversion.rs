//! django-reversion's tables, as Django's own `manage.py dumpdata reversion` writes them (with or
//! without `--natural-foreign`), or the `reversion_version` table alone as rows (`sqlite3 -json`,
//! `COPY … CSV HEADER`).
//!
//! A `Version` holds one object as it was saved, serialised by Django (`serialized_data`, JSON
//! held in text); its `Revision` says when, by whom and why. `dumpdata` writes every revision
//! before the versions, so each version finds its revision's time, user and comment as it is
//! read (`Revisions`). The version table alone has no time: its events say so
//! (`meta.time_absent`) and keep their revision's id.
//!
//! stream ← the serialised object's model and primary key (`purchasing.purchaseorder:1`); type ←
//! `created` for an object's first version in the export, `changed` after; author ← the
//! revision's `user` (an id, or a natural key); time ← the revision's `date_created`; the state ←
//! the object's serialised fields, its lines as real arrays. django-reversion records no
//! deletion: a deleted object's state stays its last version, as reversion's own API gives it.

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{Map, Value};

use super::rows::{column, has_all, key_text, required_text, text, value_time};
use super::{DecodeError, DecodeOptions, Draft};
use crate::event::Change;

/// What a revision says of the versions saved in it.
#[derive(Clone, Debug)]
struct Revision {
    date_created: Value,
    user: Option<String>,
    comment: Option<Value>,
}

/// The revisions read so far, and the objects that have had a version: what reading a version
/// needs of the records before it.
#[derive(Clone, Debug, Default)]
pub struct Revisions {
    by_pk: FxHashMap<String, Revision>,
    seen: FxHashSet<String>,
}

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    match column(row, &["model"]).and_then(Value::as_str) {
        Some("reversion.revision") => {
            return Some("the model is `reversion.revision` (django-reversion)".into())
        }
        Some("reversion.version") => {
            return Some("the model is `reversion.version` (django-reversion)".into())
        }
        _ => {}
    }
    let version_row = has_all(row, &["serialized_data", "object_id", "format"])
        && (has_all(row, &["revision_id"]) || has_all(row, &["revision"]));
    version_row.then(|| {
        "rows have `serialized_data`, `object_id`, `format` and `revision_id` (django-reversion)"
            .into()
    })
}

/// Reads one record: a revision is remembered and gives no event; a version gives one.
pub fn decode(
    value: Value,
    revisions: &mut Revisions,
    options: &DecodeOptions,
) -> Vec<Result<Draft, DecodeError>> {
    let Some(row) = value.as_object() else {
        return vec![Err(DecodeError::Expected(
            "a django-reversion revision or version object",
        ))];
    };
    match column(row, &["model"]).and_then(Value::as_str) {
        Some("reversion.revision") => match remember_revision(row, revisions) {
            Ok(()) => Vec::new(),
            Err(err) => vec![Err(err)],
        },
        _ => vec![decode_version(row, revisions, options)],
    }
}

fn remember_revision(
    row: &Map<String, Value>,
    revisions: &mut Revisions,
) -> Result<(), DecodeError> {
    let pk = required_text(row, &["pk", "id"])?;
    let date_created = column(row, &["date_created"])
        .cloned()
        .ok_or_else(|| DecodeError::Missing("date_created".into()))?;
    let revision = Revision {
        date_created,
        user: column(row, &["user", "user_id"]).map(key_text),
        comment: column(row, &["comment"]).cloned(),
    };
    revisions.by_pk.insert(pk, revision);
    Ok(())
}

fn decode_version(
    row: &Map<String, Value>,
    revisions: &mut Revisions,
    options: &DecodeOptions,
) -> Result<Draft, DecodeError> {
    let format = required_text(row, &["format"])?;
    if format != "json" {
        return Err(DecodeError::Refused(format!(
            "the object is serialised as `{format}`; only Django's `json` serialisation is read"
        )));
    }
    let object = serialised_object(row)?;
    let model = required_text(&object, &["model"])?;
    let pk = column(&object, &["pk"])
        .map(text)
        .or_else(|| column(row, &["object_id"]).map(text))
        .ok_or_else(|| DecodeError::Missing("pk".into()))?;
    let fields = match object.get("fields") {
        Some(Value::Object(fields)) => fields.clone(),
        _ => return Err(DecodeError::Missing("serialized_data's `fields`".into())),
    };
    let stream = format!("{model}:{pk}");
    let kind = match revisions.seen.insert(stream.clone()) {
        true => "created",
        false => "changed",
    };
    let mut meta = Map::new();
    let revision_pk = column(row, &["revision", "revision_id"]).map(text);
    let time = match revision_pk.as_ref().and_then(|pk| revisions.by_pk.get(pk)) {
        Some(revision) => {
            let time = value_time(&revision.date_created, options, &mut meta)?;
            if let Some(user) = &revision.user {
                meta.insert("user".into(), Value::String(user.clone()));
            }
            if let Some(comment) = revision.comment.as_ref().filter(|c| c.as_str() != Some("")) {
                meta.insert("comment".into(), comment.clone());
            }
            Some(time)
        }
        None => None,
    };
    if let Some(revision_pk) = revision_pk {
        meta.insert("revision".into(), Value::String(revision_pk));
    }
    Ok(Draft {
        stream,
        version: None,
        id: column(row, &["pk", "id"]).map(text),
        kind: kind.to_string(),
        time,
        position: None,
        change: Change::Snapshot(Value::Object(fields.clone())),
        data: Value::Object(fields),
        meta,
    })
}

/// The one object of a version's `serialized_data`: Django serialises a list of one.
fn serialised_object(row: &Map<String, Value>) -> Result<Map<String, Value>, DecodeError> {
    let data = column(row, &["serialized_data"])
        .ok_or_else(|| DecodeError::Missing("serialized_data".into()))?;
    let parsed = match data {
        Value::String(text) => serde_json::from_str::<Value>(text)
            .map_err(|err| DecodeError::Refused(format!("`serialized_data` is not JSON: {err}")))?,
        other => other.clone(),
    };
    match parsed {
        Value::Array(mut items) if items.len() == 1 => match items.pop() {
            Some(Value::Object(object)) => Ok(object),
            _ => Err(DecodeError::Expected(
                "`serialized_data` holding one object",
            )),
        },
        Value::Object(object) => Ok(object),
        _ => Err(DecodeError::Expected(
            "`serialized_data` holding one object",
        )),
    }
}
