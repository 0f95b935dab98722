//! Audit.NET audit events, including the Entity Framework shape.
//!
//! An event is `{EventType, Environment: {UserName, ...}, StartDate, Target: {Type, Old, New}}`:
//! stream ← `Target.Type` (and its id where `New` or `Old` has one), author ←
//! `Environment.UserName`, time ← `StartDate`; `Target.New` is the whole object after the change,
//! so it replaces the state. In the Entity Framework shape, each of
//! `EntityFrameworkEvent.Entries[]` is an event of its own: stream ← `Table:PrimaryKey`,
//! type ← `Action`; an insert's `ColumnValues` is the new state, an update sets the columns of
//! `Changes[{ColumnName, OriginalValue, NewValue}]`, and a delete ends the aggregate.

use serde_json::{Map, Value};

use super::rows::{column, text};
use super::{DecodeError, DecodeOptions, Draft};
use crate::event::Change;
use crate::time::parse_db_time;

pub fn looks_like(value: &Value) -> Option<String> {
    let event = value.as_object()?;
    (event.contains_key("EventType")
        && (event.contains_key("Target") || event.contains_key("EntityFrameworkEvent")))
    .then(|| "records have `EventType` and `Target` or `EntityFrameworkEvent` (Audit.NET)".into())
}

pub fn decode(value: Value, options: &DecodeOptions) -> Vec<Result<Draft, DecodeError>> {
    let Value::Object(event) = value else {
        return vec![Err("expected an Audit.NET event object".into())];
    };
    let mut meta = Map::new();
    let time = match column(&event, &["StartDate"])
        .map(|t| parse_db_time(&text(t), options.naive_offset))
    {
        Some(Ok(time)) => {
            if time.naive {
                meta.insert(
                    "time_zone_assumed".into(),
                    options.naive_offset.to_string().into(),
                );
            }
            time.time
        }
        Some(Err(err)) => return vec![Err(err.into())],
        None => return vec![Err("missing `StartDate`".into())],
    };
    let kind = column(&event, &["EventType"]).map(text).unwrap_or_default();
    if let Some(user) = event.get("Environment").and_then(|e| e.get("UserName")) {
        meta.insert("user".into(), user.clone());
    }
    if let Some(environment) = event.get("Environment") {
        meta.insert("environment".into(), environment.clone());
    }
    if let Some(ef) = event.get("EntityFrameworkEvent") {
        let Some(entries) = ef.get("Entries").and_then(Value::as_array) else {
            return vec![Err("`EntityFrameworkEvent.Entries` must be an array".into())];
        };
        return entries
            .iter()
            .enumerate()
            .map(|(idx, entry)| {
                ef_entry(entry, &kind, time, meta.clone())
                    .map_err(|err| err.within(format!("entry {idx}")))
            })
            .collect();
    }
    let target = event.get("Target").cloned().unwrap_or(Value::Null);
    let target_type = target.get("Type").map(text).ok_or("missing `Target.Type`");
    let target_type = match target_type {
        Ok(t) => t,
        Err(err) => return vec![Err(err.into())],
    };
    let new = target.get("New").cloned().unwrap_or(Value::Null);
    let old = target.get("Old").cloned().unwrap_or(Value::Null);
    let id = [&new, &old].iter().find_map(|state| {
        state.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| {
                    k.eq_ignore_ascii_case("id")
                        || k.eq_ignore_ascii_case(&format!("{target_type}Id"))
                })
                .map(|(_, v)| text(v))
        })
    });
    let stream = match id {
        Some(id) => format!("{target_type}:{id}"),
        None => target_type,
    };
    let change = if new.is_null() {
        Change::Delete
    } else {
        Change::Snapshot(new.clone())
    };
    vec![Ok(Draft {
        stream,
        version: None,
        id: column(&event, &["EventId", "Id"]).map(text),
        kind,
        time: Some(time),
        position: None,
        data: target,
        meta,
        change,
    })]
}

fn ef_entry(
    entry: &Value,
    event_type: &str,
    time: chrono::DateTime<chrono::Utc>,
    mut meta: Map<String, Value>,
) -> Result<Draft, DecodeError> {
    let table = entry
        .get("Table")
        .or(entry.get("Name"))
        .map(text)
        .ok_or("missing `Table`")?;
    let action = entry.get("Action").map(text).ok_or("missing `Action`")?;
    let key = match entry.get("PrimaryKey") {
        Some(Value::Object(key)) => key.values().map(text).collect::<Vec<_>>().join(","),
        Some(other) => text(other),
        None => return Err("missing `PrimaryKey`".into()),
    };
    meta.insert("event_type".into(), Value::String(event_type.to_string()));
    let change = match action.as_str() {
        "Insert" => Change::Snapshot(entry.get("ColumnValues").cloned().unwrap_or(Value::Null)),
        "Delete" => Change::Delete,
        _ => match entry.get("Changes").and_then(Value::as_array) {
            Some(changes) => Change::Fields(
                changes
                    .iter()
                    .map(|c| {
                        let column = c
                            .get("ColumnName")
                            .map(text)
                            .ok_or("a change has no `ColumnName`")?;
                        Ok((column, c.get("NewValue").cloned().unwrap_or(Value::Null)))
                    })
                    .collect::<Result<_, DecodeError>>()?,
            ),
            None => match entry.get("ColumnValues") {
                Some(Value::Object(values)) => Change::Fields(values.clone()),
                _ => Change::Keep,
            },
        },
    };
    Ok(Draft {
        stream: format!("{table}:{key}"),
        version: None,
        id: None,
        kind: action,
        time: Some(time),
        position: None,
        data: entry.clone(),
        meta,
        change,
    })
}
