//! django-simple-history's `Historical…` tables: one row per save, holding the whole object as it
//! was then. Read as table rows (`sqlite3 -json`, psql's `json_agg`, CSV) or as Django's own
//! `dumpdata` output (`{"model": "app.historicalpurchaseorder", "pk": …, "fields": {…}}`).
//!
//! stream ← the model without its `historical` prefix, and the object's `id`
//! (`cambium.purchaseorder:1`; table rows do not name their model, so there it is the `id`
//! alone); type ← `history_type` (`+` created, `~` changed, `-` deleted); author ←
//! `history_user` (an id, or a natural key); time ← `history_date`; order ← `history_id`. The
//! row's other columns are the object's state after the save; a delete ends the aggregate.

use serde_json::{Map, Value};

use super::rows::{as_u64, column, has_all, key_text, required_text, row_time, text};
use super::{DecodeError, DecodeOptions, Draft};
use crate::event::Change;

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    has_all(row, &["history_type", "history_date"])
        .then(|| "rows have `history_type` and `history_date` (django-simple-history)".into())
}

/// The columns that say what happened, rather than what the object was.
const HISTORY_COLUMNS: [&str; 8] = [
    "history_id",
    "history_date",
    "history_type",
    "history_user",
    "history_user_id",
    "history_change_reason",
    "pk",
    "model",
];

pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, DecodeError> {
    let row = value
        .as_object()
        .ok_or("expected a `Historical…` row object")?;
    let mut meta = Map::new();
    let time = row_time(row, &["history_date"], options, &mut meta)?;
    let (kind, deleted) = match required_text(row, &["history_type"])?.as_str() {
        "+" => ("created", false),
        "~" => ("changed", false),
        "-" => ("deleted", true),
        other => return Err(format!("unknown `history_type` {other}").into()),
    };
    if let Some(user) = column(row, &["history_user", "history_user_id"]) {
        meta.insert("user".into(), Value::String(key_text(user)));
    }
    if let Some(reason) = column(row, &["history_change_reason"]) {
        meta.insert("change_reason".into(), reason.clone());
    }
    let history_id = column(row, &["history_id", "pk"]);
    let object_id = required_text(row, &["id"])?;
    let stream = match column(row, &["model"]).map(text) {
        Some(model) => format!("{}:{object_id}", model_of_history(&model)),
        None => object_id,
    };
    let state: Map<String, Value> = row
        .iter()
        .filter(|(key, _)| !HISTORY_COLUMNS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    Ok(Draft {
        stream,
        version: None,
        id: history_id.map(text),
        kind: kind.to_string(),
        time: Some(time),
        position: history_id.and_then(as_u64),
        change: match deleted {
            true => Change::Delete,
            false => Change::Snapshot(Value::Object(state.clone())),
        },
        data: Value::Object(state),
        meta,
    })
}

/// `cambium.historicalpurchaseorder` → `cambium.purchaseorder`.
fn model_of_history(model: &str) -> String {
    match model.rsplit_once('.') {
        Some((app, name)) => format!("{app}.{}", name.strip_prefix("historical").unwrap_or(name)),
        None => model
            .strip_prefix("historical")
            .unwrap_or(model)
            .to_string(),
    }
}
