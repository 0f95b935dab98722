//! KurrentDB / EventStoreDB over HTTP (AtomPub JSON).
//!
//! A stream feed is `{streamId, links, entries}`; its entries come **newest first**, even on
//! `/forward/` pages, so each page is reversed. An entry read with `embed=body` or `rich` carries
//! `eventType`, `eventNumber` (from 0), `data` and `metaData`, which are strings holding JSON
//! when `isJson` is true; without embed only `title` (`"N@stream"`), `summary` (the type) and
//! `updated` are there. A single event read on its own has `content: {eventStreamId, eventNumber,
//! eventType, eventId, data, metadata}`. Correlation and causation travel in the metadata as
//! `$correlationId` and `$causationId`.
//!
//! Paging is the loader's job; this module tells it where to start (`start_page`) and where to go
//! next (`next_page`): forwards from `last` (`0/forward/N`), following `previous` (or `prev`)
//! until a page comes back empty.

use serde_json::{Map, Value};

use super::rows::merge_or_keep;
use super::{DecodeError, Draft};
use crate::event::Change;
use crate::time::parse_instant;

/// The media types a KurrentDB server answers feeds with; requests should accept both.
pub const ACCEPT: &str = "application/vnd.eventstore.atom+json, application/vnd.kurrent.atom+json;q=0.9, application/json;q=0.5, */*;q=0.1";

/// Why a value looks like KurrentDB's Atom JSON, if it does.
pub fn looks_like(value: &Value) -> Option<String> {
    let object = value.as_object()?;
    if object.get("entries").is_some_and(Value::is_array) && object.contains_key("links") {
        return Some("an Atom feed with `entries` and `links` (the KurrentDB HTTP API)".into());
    }
    if object
        .get("content")
        .is_some_and(|content| content.get("eventStreamId").is_some())
    {
        return Some("a KurrentDB event with `content.eventStreamId`".into());
    }
    (object.contains_key("eventType") && object.contains_key("eventNumber"))
        .then(|| "records have `eventType` and `eventNumber` (KurrentDB entries)".into())
}

/// Decodes a feed page (oldest entry first), a single event, or one entry.
pub fn decode(value: Value) -> Vec<Result<Draft, DecodeError>> {
    match value {
        Value::Object(mut object) if object.contains_key("entries") => {
            let Some(Value::Array(entries)) = object.remove("entries") else {
                return vec![Err("`entries` must be an array".into())];
            };
            let n_entries = entries.len();
            entries
                .into_iter()
                .enumerate()
                .rev()
                .map(|(idx, entry)| {
                    decode_entry(entry).map_err(|err| {
                        err.within(format!("entry {idx} of {n_entries} (newest first)"))
                    })
                })
                .collect()
        }
        Value::Object(object) if object.contains_key("content") => vec![decode_single(object)],
        other => vec![decode_entry(other)],
    }
}

/// The first page to read forwards from: the feed's `last` link (`.../0/forward/N`).
pub fn start_page(feed: &Value) -> Option<String> {
    link(feed, "last")
}

/// The next page forwards: the feed's `previous` (or `prev`) link.
pub fn next_page(feed: &Value) -> Option<String> {
    link(feed, "previous").or_else(|| link(feed, "prev"))
}

/// True when a page has no entries: reading forwards ends there.
pub fn is_empty_page(feed: &Value) -> bool {
    feed.get("entries")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
}

fn link(feed: &Value, relation: &str) -> Option<String> {
    feed.get("links")?
        .as_array()?
        .iter()
        .find(|link| link.get("relation").and_then(Value::as_str) == Some(relation))
        .and_then(|link| link.get("uri")?.as_str().map(str::to_string))
}

fn decode_entry(value: Value) -> Result<Draft, DecodeError> {
    let Value::Object(mut entry) = value else {
        return Err("an entry must be an object".into());
    };
    let title = entry.get("title").and_then(Value::as_str).unwrap_or("");
    let (title_number, title_stream) = match title.split_once('@') {
        Some((number, stream)) => (number.parse::<u64>().ok(), Some(stream.to_string())),
        None => (None, None),
    };
    let stream = string_field(&entry, "streamId")
        .or(title_stream)
        .ok_or("no `streamId` and no `N@stream` title")?;
    let version = entry
        .get("eventNumber")
        .and_then(Value::as_u64)
        .or(title_number);
    let kind = string_field(&entry, "eventType")
        .or_else(|| string_field(&entry, "summary"))
        .ok_or("no `eventType` and no `summary`")?;
    let time = parse_instant(&string_field(&entry, "updated").ok_or("no `updated` time")?)?;
    let is_json = entry.get("isJson").and_then(Value::as_bool).unwrap_or(true);
    let data = entry.remove("data").map(|d| parse_if_json(d, is_json));
    let mut meta = match entry.remove("metaData").map(|m| parse_if_json(m, is_json)) {
        Some(Value::Object(meta)) => meta,
        Some(Value::Null) | None => Map::new(),
        Some(other) => Map::from_iter([("metaData".to_string(), other)]),
    };
    if let Some(link_meta) = entry.remove("linkMetaData") {
        meta.insert("linkMetaData".into(), parse_if_json(link_meta, is_json));
    }
    for field in ["positionStreamId", "positionEventNumber", "eventId"] {
        if let Some(value) = entry.get(field) {
            meta.entry(field).or_insert_with(|| value.clone());
        }
    }
    Ok(finish(
        stream,
        version,
        string_field(&entry, "eventId"),
        kind,
        time,
        data,
        meta,
    ))
}

fn decode_single(mut object: Map<String, Value>) -> Result<Draft, DecodeError> {
    let time = parse_instant(&string_field(&object, "updated").ok_or("no `updated` time")?)?;
    let Some(Value::Object(mut content)) = object.remove("content") else {
        return Err("`content` must be an object".into());
    };
    let stream = string_field(&content, "eventStreamId").ok_or("no `content.eventStreamId`")?;
    let kind = string_field(&content, "eventType").ok_or("no `content.eventType`")?;
    let version = content.get("eventNumber").and_then(Value::as_u64);
    let data = content.remove("data").map(|d| parse_if_json(d, true));
    let meta = match content.remove("metadata").map(|m| parse_if_json(m, true)) {
        Some(Value::Object(meta)) => meta,
        _ => Map::new(),
    };
    let id = string_field(&content, "eventId");
    Ok(finish(stream, version, id, kind, time, data, meta))
}

fn finish(
    stream: String,
    version: Option<u64>,
    id: Option<String>,
    kind: String,
    time: chrono::DateTime<chrono::Utc>,
    data: Option<Value>,
    mut meta: Map<String, Value>,
) -> Draft {
    for (from, to) in [
        ("$correlationId", "correlation_id"),
        ("$causationId", "causation_id"),
    ] {
        if let Some(value) = meta.get(from).cloned() {
            meta.insert(to.into(), value);
        }
    }
    if !meta.contains_key("user") {
        if let Some(user) = ["$user", "userId", "username"]
            .iter()
            .find_map(|k| meta.get(*k))
            .cloned()
        {
            meta.insert("user".into(), user);
        }
    }
    let change = data.as_ref().map_or(Change::Keep, merge_or_keep);
    Draft {
        stream,
        version,
        id,
        kind,
        time: Some(time),
        position: None,
        data: data.unwrap_or(Value::Null),
        meta,
        change,
    }
}

/// `data` and `metaData` arrive as strings holding JSON when `isJson` is true.
fn parse_if_json(value: Value, is_json: bool) -> Value {
    match value {
        Value::String(text) if is_json => {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        }
        other => other,
    }
}

fn string_field(object: &Map<String, Value>, field: &str) -> Option<String> {
    object
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
