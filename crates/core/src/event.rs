//! The canonical event: one fact in an append-only log, whatever format it was read from.
//!
//! Every decoder turns its source format into `Event`s. An event belongs to one stream (the
//! aggregate it changes), has a version within that stream, a time and an author, and says how
//! it changes the aggregate's state (`Change`). Events are data: they are never modified after
//! decoding, only read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One decoded event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the loaded log, from 0, in the order the source gave the events.
    pub seq: u64,
    /// The stream (aggregate) the event belongs to.
    pub stream: String,
    /// The event's version within its stream.
    pub version: u64,
    /// The event's global position in the store it came from (Marten `seq_id`, Axon
    /// `global_index`), where the source has one; events are replayed in this order.
    pub position: Option<u64>,
    /// The source's identifier for the event, if it has one.
    pub id: Option<String>,
    /// The event type, e.g. `PoApproved`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When the event happened, in UTC.
    pub time: DateTime<Utc>,
    /// The event's payload.
    pub data: Value,
    /// Metadata; `meta.user` is the author.
    pub meta: Map<String, Value>,
    /// How the event changes its aggregate's state.
    pub change: Change,
    /// The `data` as stored, where an upcaster changed it (`data` is then the upcast form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored: Option<Value>,
}

/// How an event changes the state of its aggregate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// `data` is applied to the state as an RFC 7396 JSON Merge Patch.
    Merge,
    /// An RFC 6902 JSON Patch is applied to the state.
    #[serde(deserialize_with = "crate::patch::deserialize_patch")]
    Patch(json_patch::Patch),
    /// The value replaces the state.
    Snapshot(Value),
    /// These fields of the state take these values; the rest stay (audit rows that record
    /// only what changed). A state that is not an object becomes one.
    Fields(Map<String, Value>),
    /// The aggregate ends: its state becomes `null` (a row deleted, an aggregate closed for good).
    Delete,
    /// The state stays as it is (an event with no `data` and nothing else that changes state).
    Keep,
}

/// Meta keys Chronoscope adds while reading an event, which its source did not store: the schema
/// version an upcaster brought it to, a time the source did not give, a zone that was assumed.
pub const ADDED_META: [&str; 3] = ["upcast_to", "time_absent", "time_zone_assumed"];

impl Event {
    /// The event's data and meta as its source stored them: the data before any upcasting, and
    /// the meta without the keys Chronoscope adds (`ADDED_META`).
    pub fn stored_data_and_meta(&self) -> (&Value, Map<String, Value>) {
        let mut meta = self.meta.clone();
        meta.retain(|key, _| !ADDED_META.contains(&key.as_str()));
        (self.stored.as_ref().unwrap_or(&self.data), meta)
    }

    /// The author of the event, from `meta.user`, if there is one.
    pub fn user(&self) -> Option<&str> {
        self.meta.get("user").and_then(Value::as_str)
    }
}
