//! Laravel auditing's `audits` table (owen-it/laravel-auditing), exported as JSON rows.
//!
//! stream ← `auditable_type:auditable_id`; type ← `event` (created, updated, deleted,
//! restored); author ← `user_type:user_id`; time ← `created_at`, which has **no time zone**
//! (read in the chosen zone, UTC by default, and noted). `old_values`/`new_values` are JSON
//! inside text; the fields in `new_values` take their new values, and a deleted row ends the
//! aggregate.

use serde_json::{json, Map, Value};

use super::rows::{column, has_all, json_in_text, required_text, row_time, text};
use super::{DecodeError, DecodeOptions, Draft};
use crate::event::Change;

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    (has_all(row, &["auditable_type", "auditable_id", "event"])
        && (row.contains_key("new_values") || row.contains_key("old_values")))
    .then(|| {
        "rows have `auditable_type`, `auditable_id` and `new_values` (Laravel auditing)".into()
    })
}

pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, DecodeError> {
    let row = value.as_object().ok_or("expected an `audits` row object")?;
    let mut meta = Map::new();
    let time = row_time(row, &["created_at"], options, &mut meta)?;
    let kind = required_text(row, &["event"])?;
    let old = column(row, &["old_values"])
        .map(json_in_text)
        .unwrap_or(json!({}));
    let new = column(row, &["new_values"])
        .map(json_in_text)
        .unwrap_or(json!({}));
    if let Some(user) = column(row, &["user_id"]) {
        let user_type = column(row, &["user_type"]).map(text);
        let user = match user_type {
            Some(user_type) => format!("{user_type}:{}", text(user)),
            None => text(user),
        };
        meta.insert("user".into(), Value::String(user));
    }
    for field in ["url", "ip_address", "user_agent", "tags"] {
        if let Some(value) = column(row, &[field]) {
            meta.insert(field.into(), value.clone());
        }
    }
    let change = match (kind.as_str(), &new) {
        ("deleted", _) => Change::Delete,
        (_, Value::Object(fields)) => Change::Fields(fields.clone()),
        // Laravel stores "no values" as an empty array.
        (_, Value::Array(items)) if items.is_empty() => Change::Keep,
        _ => return Err("`new_values` is not a JSON object".into()),
    };
    Ok(Draft {
        stream: format!(
            "{}:{}",
            required_text(row, &["auditable_type"])?,
            required_text(row, &["auditable_id"])?
        ),
        version: None,
        id: column(row, &["id"]).map(text),
        kind,
        time: Some(time),
        position: None,
        data: json!({"old_values": old, "new_values": new}),
        meta,
        change,
    })
}
