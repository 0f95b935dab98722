//! The widely copied PostgreSQL audit trigger's table, `audit.logged_actions` (2ndQuadrant's
//! `audit.sql`, the PostgreSQL wiki's "Audit trigger 91plus"), as psql exports it: `COPY … CSV
//! HEADER`, whose `row_data` and `changed_fields` are hstore text, or `json_agg`/`row_to_json`,
//! where they are JSON objects.
//!
//! `row_data` is the row *before* an update or delete and the new row of an insert; an update's
//! `changed_fields` holds the new values of the columns it changed. So the state after an update
//! is `row_data` with `changed_fields` over it, never `row_data` alone, which would leave every
//! aggregate one step behind. hstore keeps every value as text: a value that is JSON text (a
//! `jsonb` column of lines) is read as JSON; other values stay the text PostgreSQL wrote.
//!
//! stream ← `table_name` (`schema.table` outside `public`) + `:` + the row's `id`; type ←
//! `action` (`insert`, `update`, `delete`; a delete ends the aggregate); author ←
//! `session_user_name`; time ← `action_tstamp_tx`; order ← `event_id`. A statement-level entry
//! (`statement_only`, a `TRUNCATE`) names no row and is reported.

use serde_json::{Map, Value};

use super::rows::{as_u64, column, has_all, object_columns, required_text, row_time, text};
use super::{hstore, DecodeError, DecodeOptions, Draft};
use crate::event::Change;

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    has_all(row, &["row_data", "action", "table_name", "action_tstamp_tx"]).then(|| {
        "rows have `row_data`, `action`, `table_name` and `action_tstamp_tx` (the PostgreSQL audit trigger's `audit.logged_actions`); `row_data` is the row before each update, with `changed_fields` over it".into()
    })
}

pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, DecodeError> {
    let row = value.as_object().ok_or(DecodeError::Expected(
        "an `audit.logged_actions` row object",
    ))?;
    let action = required_text(row, &["action"])?;
    let kind = match action.as_str() {
        "I" => "insert",
        "U" => "update",
        "D" => "delete",
        "T" => {
            return Err(DecodeError::Refused(
                "a TRUNCATE is logged for the whole table, naming no row; it is left out".into(),
            ))
        }
        other => {
            return Err(DecodeError::Refused(format!(
                "unknown `action` {other} (I, U, D or T)"
            )))
        }
    };
    let row_data = column(row, &["row_data"]).ok_or_else(|| {
        DecodeError::Refused(
            "no `row_data`: a statement-level entry names no row; it is left out".into(),
        )
    })?;
    let before = columns(row_data, "row_data")?;
    let id = before
        .get("id")
        .filter(|id| !id.is_null())
        .map(text)
        .ok_or_else(|| DecodeError::Missing("row_data's `id`".into()))?;
    let mut meta = Map::new();
    let time = row_time(row, &["action_tstamp_tx"], options, &mut meta)?;
    if let Some(user) = column(row, &["session_user_name"]) {
        meta.insert("user".into(), Value::String(text(user)));
    }
    let change = match kind {
        "delete" => Change::Delete,
        "update" => {
            let mut after = before.clone();
            if let Some(changed) = column(row, &["changed_fields"]) {
                after.extend(columns(changed, "changed_fields")?);
            }
            Change::Snapshot(Value::Object(after))
        }
        _ => Change::Snapshot(Value::Object(before.clone())),
    };
    if kind != "insert" {
        meta.insert("row_before".into(), Value::Object(before.clone()));
    }
    let data = match &change {
        Change::Snapshot(after) => after.clone(),
        _ => Value::Null,
    };
    Ok(Draft {
        stream: stream_name(row, &id)?,
        version: None,
        id: column(row, &["event_id"]).map(text),
        kind: kind.to_string(),
        time: Some(time),
        position: column(row, &["event_id"]).and_then(as_u64),
        change,
        data,
        meta,
    })
}

/// `purchase_order:4001`; a table outside `public` keeps its schema.
fn stream_name(row: &Map<String, Value>, id: &str) -> Result<String, DecodeError> {
    let table = required_text(row, &["table_name"])?;
    Ok(match column(row, &["schema_name"]).map(text) {
        Some(schema) if schema != "public" => format!("{schema}.{table}:{id}"),
        _ => format!("{table}:{id}"),
    })
}

/// A row's columns from hstore text, or from the JSON object `row_to_json` writes; a value that
/// is JSON text (an object or an array) is read as JSON.
fn columns(value: &Value, name: &str) -> Result<Map<String, Value>, DecodeError> {
    let all = |_: &str| true;
    match value {
        Value::Object(pairs) => Ok(object_columns(pairs, all)),
        Value::String(text) => hstore::parse(text)
            .map(|pairs| object_columns(&pairs, all))
            .map_err(|err| err.within(format!("`{name}`"))),
        _ => Err(DecodeError::Expected(
            "hstore text or a JSON object of columns",
        )),
    }
}
