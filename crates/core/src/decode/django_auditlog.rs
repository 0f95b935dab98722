//! django-auditlog's `LogEntry` table, exported as table rows (JSON or CSV) or by Django's own
//! `manage.py dumpdata auditlog.logentry` (with or without `--natural-foreign`, whose
//! `content_type` is `["app", "model"]` and `actor` `["username"]`).
//!
//! stream ← `content_type:object_pk`; type ← `action` (0 create, 1 update, 2 delete,
//! 3 access); author ← `actor` (or `actor_email`); time ← `timestamp`; `changes` is
//! `{field: [old, new]}` (JSON, or JSON inside text): those fields take their new values, and a
//! delete ends the aggregate.

use serde_json::{json, Map, Value};

use super::rows::{
    column, has_all, json_in_text, key_text, new_values_of_changes, required_text, row_time, text,
};
use super::{DecodeError, DecodeOptions, Draft};
use crate::event::Change;

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    has_all(row, &["object_pk", "action", "changes"])
        .then(|| "rows have `object_pk`, `action` and `changes` (django-auditlog)".into())
}

pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, DecodeError> {
    let row = value
        .as_object()
        .ok_or("expected a `LogEntry` row object")?;
    let mut meta = Map::new();
    let time = row_time(row, &["timestamp"], options, &mut meta)?;
    let action = column(row, &["action"]).map(text).unwrap_or_default();
    let kind = match action.as_str() {
        "0" => "create",
        "1" => "update",
        "2" => "delete",
        "3" => "access",
        other => return Err(format!("unknown `action` {other}").into()),
    };
    if let Some(actor) = column(row, &["actor", "actor_email", "actor_id"]) {
        meta.insert("user".into(), Value::String(key_text(actor)));
    }
    for field in ["cid", "remote_addr", "object_repr", "additional_data"] {
        if let Some(value) = column(row, &[field]) {
            meta.insert(field.into(), value.clone());
        }
    }
    let changes = column(row, &["changes"])
        .map(json_in_text)
        .unwrap_or(json!({}));
    let change = match kind {
        "delete" => Change::Delete,
        "access" => Change::Keep,
        _ => Change::Fields(new_values_of_changes(&changes)?),
    };
    let content_type = column(row, &["content_type", "content_type_id"])
        .map(key_text)
        .ok_or_else(|| DecodeError::Missing("content_type".into()))?;
    Ok(Draft {
        stream: format!(
            "{content_type}:{}",
            required_text(row, &["object_pk", "object_id"])?
        ),
        version: None,
        id: column(row, &["id", "pk"]).map(text),
        kind: kind.to_string(),
        time: Some(time),
        position: None,
        data: json!({"changes": changes}),
        meta,
        change,
    })
}
