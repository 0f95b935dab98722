//! Hibernate Envers audit tables (`<Entity>_AUD`), exported as JSON rows, joined with
//! `REVINFO` for the time.
//!
//! A row is the **full state after the change**, plus `REV` (the revision) and `REVTYPE`
//! (0 add, 1 modify, 2 delete); `REVTSTMP` is epoch milliseconds. stream ← the entity's table
//! (`_table`, `entity` or `table` where the export names it) and `id`; version ← `REV`. The row
//! without the revision columns replaces the state, and a delete ends the aggregate. An author
//! column (`username`, `user`, `modified_by`) is used where a custom revision entity adds one.

use serde_json::{Map, Value};

use super::rows::{as_u64, column, row_time, text};
use super::{DecodeError, DecodeOptions, Draft};
use crate::event::Change;

const REVISION_COLUMNS: [&str; 8] = [
    "rev",
    "revtype",
    "revtstmp",
    "timestamp",
    "_table",
    "entity",
    "table",
    "revend",
];

pub fn looks_like(value: &Value) -> Option<String> {
    let row = value.as_object()?;
    (column(row, &["REV"]).is_some() && column(row, &["REVTYPE"]).is_some())
        .then(|| "rows have `REV` and `REVTYPE` (Hibernate Envers)".into())
}

pub fn decode(value: Value, options: &DecodeOptions) -> Result<Draft, DecodeError> {
    let row = value.as_object().ok_or("expected an `_AUD` row object")?;
    let mut meta = Map::new();
    let time = row_time(row, &["REVTSTMP", "timestamp"], options, &mut meta)?;
    let revtype = column(row, &["REVTYPE"]).map(text).unwrap_or_default();
    let (kind, deleted) = match revtype.as_str() {
        "0" => ("add", false),
        "1" => ("modify", false),
        "2" => ("delete", true),
        other => return Err(format!("unknown `REVTYPE` {other}").into()),
    };
    if let Some(user) = column(row, &["username", "user", "modified_by"]) {
        meta.insert("user".into(), user.clone());
    }
    let state: Map<String, Value> = row
        .iter()
        .filter(|(k, _)| !REVISION_COLUMNS.iter().any(|r| k.eq_ignore_ascii_case(r)))
        .filter(|(k, _)| !["username", "user", "modified_by"].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let entity = column(row, &["_table", "entity", "table"])
        .map(text)
        .unwrap_or_else(|| "entity".into());
    let id = column(&state, &["id"]).map(text).ok_or("missing `id`")?;
    let revision = column(row, &["REV"]).and_then(as_u64);
    meta.insert(
        "rev".into(),
        column(row, &["REV"]).cloned().unwrap_or(Value::Null),
    );
    Ok(Draft {
        stream: format!("{entity}:{id}"),
        version: revision,
        id: None,
        kind: kind.to_string(),
        time: Some(time),
        position: revision,
        change: if deleted {
            Change::Delete
        } else {
            Change::Snapshot(Value::Object(state.clone()))
        },
        data: Value::Object(state),
        meta,
    })
}
