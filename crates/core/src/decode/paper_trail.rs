//! paper_trail's `versions` table (Ruby on Rails), exported as JSON rows.
//!
//! stream ← `item_type:item_id`; type ← `event` (create, update, destroy); author ←
//! `whodunnit`; time ← `created_at`. The trap: `object` is the state **before** the change, and
//! `object_changes` is `{field: [old, new]}`. So the state after a version is `object` with the
//! new values of `object_changes` laid over it; a destroy ends the aggregate. Columns serialized
//! as YAML (paper_trail's default) cannot be read here: they are reported, and the JSON
//! serializer (or `json`/`jsonb` columns) should be used.

use serde_json::{json, Map, Value};

use super::rows::{
    column, has_all, json_in_text, new_values_of_changes, required_text, row_time, text,
};
use super::{DecodeError, DecodeOptions, Draft};
use crate::event::Change;

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    (has_all(row, &["item_type", "item_id", "event"])
        && (row.contains_key("object") || row.contains_key("object_changes")))
    .then(|| "rows have `item_type`, `item_id` and `object` (paper_trail versions)".into())
}

pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, DecodeError> {
    let row = value
        .as_object()
        .ok_or("expected a `versions` row object")?;
    let mut meta = Map::new();
    let time = row_time(row, &["created_at"], options, &mut meta)?;
    let kind = required_text(row, &["event"])?;
    if let Some(user) = column(row, &["whodunnit"]) {
        meta.insert("user".into(), Value::String(text(user)));
    }
    let before = column(row, &["object"]).map(read_column).transpose()?;
    let changes = column(row, &["object_changes"])
        .map(read_column)
        .transpose()?;
    let new_values = changes.as_ref().map(new_values_of_changes).transpose()?;
    let change = match (kind.as_str(), &before, new_values) {
        ("destroy", _, _) => Change::Delete,
        (_, Some(Value::Object(before)), new_values) => {
            let mut after = before.clone();
            after.extend(new_values.unwrap_or_default());
            Change::Snapshot(Value::Object(after))
        }
        (_, _, Some(new_values)) => Change::Fields(new_values),
        _ => Change::Keep,
    };
    Ok(Draft {
        stream: format!(
            "{}:{}",
            required_text(row, &["item_type"])?,
            required_text(row, &["item_id"])?
        ),
        version: None,
        id: column(row, &["id"]).map(text),
        kind,
        time: Some(time),
        position: None,
        data: json!({"object": before, "object_changes": changes}),
        meta,
        change,
    })
}

fn read_column(value: &Value) -> Result<Value, DecodeError> {
    match json_in_text(value) {
        Value::String(text) if text.starts_with("---") => Err(
            "`object` is YAML, which Chronoscope does not read; serialize versions as JSON".into(),
        ),
        other => Ok(other),
    }
}
