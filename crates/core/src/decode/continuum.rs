//! SQLAlchemy-Continuum's version tables (`purchase_order_version`), as `sqlite3 -json`,
//! `COPY … CSV HEADER` or any table export writes them, alone or joined with Continuum's
//! `transaction` table (`issued_at`, `user_id`).
//!
//! Each row is the object as a transaction left it: `operation_type` 0 (insert) and 1 (update)
//! give the whole state after, 2 (delete) ends the aggregate. The version table itself has no
//! time: rows joined with their transaction take its `issued_at` (naive UTC, as Continuum
//! writes it) and `user_id`; rows alone say that their times are absent. Values that are JSON
//! text (a `JSON` column in SQLite) are read as JSON.
//!
//! stream ← the row's `id` (the table's name is not in its rows); type ← `insert`, `update`,
//! `delete`; order ← `transaction_id`.

use serde_json::{Map, Value};

use super::rows::{as_u64, column, has_all, object_columns, required_text, row_time, text};
use super::{DecodeError, DecodeOptions, Draft};
use crate::event::Change;

/// The columns Continuum adds to a version table, and those of its transaction table.
const BOOKKEEPING: [&str; 6] = [
    "transaction_id",
    "end_transaction_id",
    "operation_type",
    "issued_at",
    "user_id",
    "remote_addr",
];

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    has_all(row, &["transaction_id", "end_transaction_id", "operation_type"]).then(|| {
        "rows have `transaction_id`, `end_transaction_id` and `operation_type` (SQLAlchemy-Continuum)"
            .into()
    })
}

pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, DecodeError> {
    let row = value
        .as_object()
        .ok_or(DecodeError::Expected("a Continuum version row object"))?;
    let operation = column(row, &["operation_type"])
        .and_then(as_u64)
        .ok_or_else(|| DecodeError::Missing("operation_type".into()))?;
    let kind = match operation {
        0 => "insert",
        1 => "update",
        2 => "delete",
        other => {
            return Err(DecodeError::Refused(format!(
                "unknown `operation_type` {other} (0 insert, 1 update, 2 delete)"
            )))
        }
    };
    let mut meta = Map::new();
    let time = match column(row, &["issued_at"]) {
        Some(_) => Some(row_time(row, &["issued_at"], options, &mut meta)?),
        None => None,
    };
    if let Some(user) = column(row, &["user_id"]) {
        meta.insert("user".into(), Value::String(text(user)));
    }
    let state = object_state(row);
    let change = match kind {
        "delete" => Change::Delete,
        _ => Change::Snapshot(Value::Object(state.clone())),
    };
    Ok(Draft {
        stream: required_text(row, &["id"])?,
        version: None,
        id: None,
        kind: kind.to_string(),
        time,
        position: column(row, &["transaction_id"]).and_then(as_u64),
        change,
        data: Value::Object(state),
        meta,
    })
}

/// The object's own columns: Continuum's bookkeeping left out, and the `…_mod` flags its
/// property-mod tracker adds beside a column.
fn object_state(row: &Map<String, Value>) -> Map<String, Value> {
    let is_mod_flag = |key: &str| {
        key.strip_suffix("_mod")
            .is_some_and(|base| row.contains_key(base))
    };
    object_columns(row, |key| !BOOKKEEPING.contains(&key) && !is_mod_flag(key))
}
