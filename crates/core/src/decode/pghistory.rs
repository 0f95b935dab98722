//! django-pghistory's event tables (`purchaseorderevent`), filled by PostgreSQL triggers: as
//! Django's own `dumpdata`, psql's `json_agg` or `\copy … CSV HEADER`.
//!
//! Each row is a snapshot of the tracked object when its trigger fired: the new row of an
//! insert or update, the old one of a delete. pghistory's context (`pgh_context`, stored in the
//! row with `ContextJSONField`, JSON or JSON text) names who did it under `user`.
//!
//! stream ← the model without its `event` suffix and `pgh_obj_id` with `dumpdata`
//! (`pgpurchasing.purchaseorder:1`), `pgh_obj_id` alone for table rows; type ← `pgh_label`
//! (`insert`, `update`, `delete`, or the project's own labels; a label with `delete` in it ends
//! the aggregate); author ← `pgh_context.user`; time ← `pgh_created_at`; order ← `pgh_id`. The
//! row's other columns are the object's state; JSON held in text is read as JSON.

use serde_json::{Map, Value};

use super::rows::{
    as_u64, column, has_all, json_in_text, object_columns, required_text, row_time, text,
};
use super::{DecodeError, DecodeOptions, Draft};
use crate::event::Change;

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    let object = has_all(row, &["pgh_obj_id"]) || has_all(row, &["pgh_obj"]);
    (object && has_all(row, &["pgh_label", "pgh_created_at"])).then(|| {
        "rows have `pgh_obj_id`, `pgh_label` and `pgh_created_at` (django-pghistory)".into()
    })
}

pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, DecodeError> {
    let row = value
        .as_object()
        .ok_or(DecodeError::Expected("a pghistory event row object"))?;
    let mut meta = Map::new();
    let time = row_time(row, &["pgh_created_at"], options, &mut meta)?;
    let label = required_text(row, &["pgh_label"])?;
    let object_id = required_text(row, &["pgh_obj_id", "pgh_obj"])?;
    if let Some(user) = context_user(row) {
        meta.insert("user".into(), Value::String(user));
    }
    let stream = match column(row, &["model"]).and_then(Value::as_str) {
        Some(model) => format!(
            "{}:{object_id}",
            model.strip_suffix("event").unwrap_or(model)
        ),
        None => object_id,
    };
    let state = object_columns(row, |key| {
        !key.starts_with("pgh_") && key != "model" && key != "pk"
    });
    let change = match label.contains("delete") {
        true => Change::Delete,
        false => Change::Snapshot(Value::Object(state.clone())),
    };
    let pgh_id = column(row, &["pgh_id", "pk"]);
    Ok(Draft {
        stream,
        version: None,
        id: pgh_id.map(text),
        kind: label,
        time: Some(time),
        position: pgh_id.and_then(as_u64),
        change,
        data: Value::Object(state),
        meta,
    })
}

/// The `user` of the event's context, where the row carries its context.
fn context_user(row: &Map<String, Value>) -> Option<String> {
    let context = json_in_text(column(row, &["pgh_context"])?);
    context.get("user").filter(|user| !user.is_null()).map(text)
}
