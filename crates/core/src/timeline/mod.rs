//! The timeline: the event log indexed for time travel.
//!
//! Events keep the order the source gave them (the log is append-only). Each stream (aggregate)
//! keeps the positions of its events, a time index, and **snapshots** of its state, so
//! that the state after any event is the nearest snapshot plus a short replay, never a replay
//! from zero. The interval is chosen by replay cost: a snapshot is taken once `SNAPSHOT_EVERY`
//! events have passed *and* the records replayed since the last one are at least as large as
//! that snapshot. Small states are snapshotted every 64 events; a large state less often, so that
//! snapshots take at most about twice the source's size even for a state that grows by every
//! event (a fixed interval would keep one full copy of the state per 64 events), while a jump
//! still replays no more than about a state's size of records. A **temporal query**
//! (`position_at_time`) is a binary search over the running maximum of event times: the events'
//! own times while a stream's times never go back, a list kept from the first time that does.
//!
//! The timeline is built in two steps, so that a large source can be ingested in slices. Events
//! are first **indexed** as they arrive (`push_record`, `push_event`), then **folded** a stream at a
//! time (`fold_some`, `fold`): each stream's events are replayed in order from its last state,
//! leaving snapshots behind. Folding one stream at a time keeps a single state tree alive, and
//! snapshots and each stream's latest state are kept as compact JSON text, which is many times
//! smaller than a parsed tree. The problems found on the way (a patch that does not apply, a
//! version that goes backwards) are kept with the place they happened. A state asked for before
//! its stream is folded is still right: the events not yet folded are replayed on the spot.
//!
//! Events are kept compact: what lists and indexes need (stream, version, time, type, author)
//! as plain fields, and the rest of each event as text that is parsed only when the event is
//! replayed or shown. A parsed event tree is several times larger than its text, and a million
//! of them would not fit. Events read from Chronoscope's own format keep no copy at all: they
//! point at their record in the source text, which the timeline holds (`push_record`), and are
//! read back with the `RecordReader` their indexer gave; other events keep their body as compact
//! JSON. The timeline knows no decoder and no upcaster: the ingest decodes and upcasts events
//! before they reach it, and only the projection's rules are applied here, in the fold.
//!
//! Its files follow those seams: `store` keeps the compact events as they are indexed and reads
//! them back, `fold` replays streams and keeps their snapshots, and `query` answers what the
//! views ask of the streams (positions, times, heads, names, density).

use std::num::NonZeroU32;
use std::ops::Range;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::event::{Change, Event};
use crate::problem::{DecodeError, Problem};
use crate::projection::Projection;
use crate::source_text::SourceText;

mod fold;
mod query;
mod store;

/// The fewest events between two snapshots of a stream's state.
pub const SNAPSHOT_EVERY: usize = 64;

/// Past this many events between two moments, their diff walks the whole states rather than
/// the paths the events wrote: reading that many changes costs about as much.
pub const TOUCHED_MAX_EVENTS: usize = 256;

/// The loaded log, indexed per stream.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// The projection whose rules decide how events become state, if any (its upcasters are
    /// applied before events are indexed, by the ingest).
    projection: Option<Arc<Projection>>,
    events: Chunked<Stored>,
    /// The store positions of the events that have one (Marten, Axon), by log position,
    /// ascending.
    positions: Vec<(usize, u64)>,
    /// The ids of the events that have one, by log position, ascending: many logs have none,
    /// and an id kept in every event would make each of a million events 8 bytes larger.
    ids: Vec<(usize, Box<str>)>,
    /// The versions that do not fit in 32 bits (`Stored::version`), by log position, ascending.
    big_versions: Vec<(usize, u64)>,
    /// The bodies of the events kept as JSON (`Body::Json`), in the order they came.
    bodies: Chunked<JsonBody>,
    /// Source texts that events point into (`Body::Source`).
    sources: Vec<SourceText>,
    /// How events kept as their records (`Body::Source`) are read back.
    reader: Option<RecordReader>,
    streams: Vec<StreamLine>,
    stream_by_name: FxHashMap<String, usize>,
    /// Event types, each kept once.
    kinds: Names,
    /// Authors, each kept once: a log has far fewer authors than events.
    users: Names,
    problems: Vec<Problem>,
    naive_times: bool,
    /// The log positions of events the source gave no time, ascending (their `time` is the
    /// stream's previous event's, or 1970's, and they are shown as "—"). A list rather than a
    /// flag on every event, which would make each of a million events 8 bytes larger.
    untimed: Vec<usize>,
    /// Streams before this one have no events left to fold.
    fold_from: usize,
    /// How many events have been folded, over all streams.
    n_folded: usize,
    /// A followed source reconnected: events it sends again are dropped (`drop_resent`).
    drops_resent: bool,
    /// How many events were dropped as sent again.
    n_resent: usize,
}

/// An event as the timeline keeps it: the fields lists and indexes need, and the rest as text.
/// Millions of these are held, so each is kept to 48 bytes, natively as in WebAssembly: numbers
/// that fit in 32 bits are kept in 32, what many events lack (a store position, an id, a version
/// past 32 bits) is kept aside (`Timeline::positions`, `ids`, `big_versions`), and a body kept as
/// JSON is kept aside too (`Timeline::bodies`), named by its number. (With a boxed body, natively
/// 56 bytes: 8 bytes an event more, 160 MB of 20 M events.)
#[derive(Clone, Debug)]
struct Stored {
    /// The version, or `BIG_VERSION` when it is kept aside (`Timeline::big_versions`).
    version: u32,
    time: DateTime<Utc>,
    /// The event's place in the source's order (`Event::seq`); a log holds far fewer than 2³²
    /// events.
    seq: u32,
    stream: u32,
    kind: u32,
    /// Index into `Timeline::users`, plus one.
    user: Option<NonZeroU32>,
    /// The line of the source the event was read from, where the source has lines.
    line: Option<NonZeroU32>,
    body: Body,
}

// The size the module's memory figures count on, in the app and natively.
const _: () = assert!(std::mem::size_of::<Stored>() == 48);

/// `Stored::version` of an event whose version is kept aside.
const BIG_VERSION: u32 = u32::MAX;

/// Where the rest of an event is kept: 12 bytes, as the span's source, counted from 1, leaves
/// room for the enum's tag.
#[derive(Clone, Copy, Debug)]
enum Body {
    /// Kept as JSON: `Timeline::bodies[n]` (see `JsonBody`).
    Json(u32),
    /// A canonical record, read back from where it is.
    Source(Span),
}

const _: () = assert!(std::mem::size_of::<Body>() == 12);

/// An event's body kept as compact JSON of `BodyFields`, and where the record it was decoded
/// from is, if the timeline keeps that record's text (its bytes as stored, which integrity
/// checks and hash-pinned links read).
#[derive(Clone, Debug)]
struct JsonBody {
    text: Box<str>,
    span: Option<Span>,
}

/// An event's place in the source's order, as kept (`Stored::seq`).
fn seq_kept(seq: u64) -> u32 {
    u32::try_from(seq).unwrap_or(u32::MAX)
}

/// A record in `Timeline::sources[source - 1]`, at `start..start + len`. The source is counted
/// from 1, so that a `Body` needs no room of its own to tell its kinds apart (12 bytes, not 16).
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    len: u32,
    source: NonZeroU32,
}

/// How the timeline reads back an event it keeps as its record in a source text. Whoever indexes
/// such events supplies it (the ingest, with the canonical decoder), so that the timeline depends
/// on no decoder.
#[derive(Clone, Copy, Debug)]
pub struct RecordReader {
    /// Only the change a record makes, and the data a merge merges; `None` when the record must
    /// be read in full.
    pub change: fn(&str) -> Option<(Change, Value)>,
    /// The record's data, meta and change, or why it cannot be read.
    pub body: fn(&str) -> Result<RecordBody, DecodeError>,
}

/// What a record holds beyond what the index keeps.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordBody {
    pub data: Value,
    pub meta: Map<String, Value>,
    pub change: Change,
}

/// What the index needs of an event kept as its record in a source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedRecord<'a> {
    pub seq: u64,
    pub stream: &'a str,
    pub kind: &'a str,
    pub user: Option<&'a str>,
    pub version: u64,
    pub time: DateTime<Utc>,
    pub id: Option<String>,
    /// True when the record's time had no zone and was read in an assumed one.
    pub zone_assumed: bool,
    /// The line of the source the record is on, where the source has lines.
    pub line: Option<usize>,
    /// Where the stream may be among the timeline's streams (`Decoder::place_in_slot`): used
    /// when the stream there has this name, else the name is looked up.
    pub stream_hint: Option<usize>,
}

/// An event in the form the source stored it, for replaying a log with another projection.
#[derive(Clone, Debug)]
pub enum StoredForm<'a> {
    /// An event kept as its record in a source text, as it was indexed.
    Record {
        source: &'a SourceText,
        range: Range<usize>,
        record: IndexedRecord<'a>,
    },
    /// A decoded event, with any upcasting undone; `at` is where its record is, if it points
    /// into a source.
    Event {
        event: Box<Event>,
        at: Option<(&'a SourceText, Range<usize>)>,
        line: Option<usize>,
    },
}

/// The part of an event kept as JSON.
#[derive(Serialize, Deserialize)]
struct BodyFields<D, M, C, S> {
    data: D,
    meta: M,
    change: C,
    #[serde(default)]
    stored: Option<S>,
}

/// What lists show of an event, without parsing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventHead<'a> {
    pub seq: u64,
    pub stream: &'a str,
    pub version: u64,
    pub time: DateTime<Utc>,
    pub kind: &'a str,
    pub id: Option<&'a str>,
    pub user: Option<&'a str>,
    /// False when the source gave the event no time; `time` then only keeps the order.
    pub timed: bool,
}

/// One stream: the positions of its events in the log, its time index and its snapshots.
#[derive(Clone, Debug)]
pub struct StreamLine {
    name: String,
    /// Indexes into the log of this stream's events, in log order, in 32 bits (a log holds
    /// fewer than 2³² events, as `Stored::seq` says; in `usize`, 4 bytes an event more natively).
    /// Their versions are read from the events themselves: a copy here would cost 8 bytes an
    /// event.
    event_idx: Vec<u32>,
    /// `max_time[p]` is the latest time among the stream's events `0..=p`; empty while their
    /// times never go back, as in most logs, when it is each event's own time. A copy of those
    /// would cost 12 bytes an event.
    max_time: Vec<DateTime<Utc>>,
    /// `(n, state)`: the state after the stream's first `n` events, as compact JSON, in
    /// ascending `n`, for the events folded so far; the first is `(0, null)`.
    snapshots: Vec<(usize, Box<str>)>,
    /// The bytes of records folded since the last snapshot.
    bytes_since_snapshot: usize,
    /// The state after the first `folded` events, as compact JSON.
    head: Box<str>,
    /// How many of the stream's events have been folded.
    folded: usize,
    versions_ascend: bool,
    /// The event types the stream has (indexes into `Timeline::kinds`), in order of appearance.
    kinds: Vec<u32>,
    /// How many of the stream's events have no time in the source.
    n_untimed: usize,
    /// The position of the first folded event that ended the aggregate (its state went from a
    /// value to `null`: a delete).
    ended_at: Option<usize>,
}

/// What integrity checks read of one stream, from the index alone.
#[derive(Clone, Copy, Debug)]
pub struct StreamFacts<'a> {
    pub name: &'a str,
    /// The log positions of the stream's events, in order.
    pub event_idx: &'a [u32],
    /// The position of the first event that ended the aggregate, once folded.
    pub ended_at: Option<usize>,
    timeline: &'a Timeline,
}

impl StreamFacts<'_> {
    /// The version of the stream's event at a position.
    pub fn version(&self, pos: usize) -> u64 {
        self.timeline.version_at(self.event_idx[pos] as usize)
    }
}

/// A summary of a stream for lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamSummary {
    pub name: String,
    pub n_events: usize,
}

/// One bucket of a density strip: how many events fall in it, and the most common type there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DensityBin {
    pub n_events: usize,
    /// Index into `Timeline::kinds`, if the bin has events.
    pub main_kind: Option<usize>,
}

impl Timeline {
    /// Builds a timeline from a whole log at once.
    pub fn build(events: Vec<Event>) -> Timeline {
        let mut timeline = Timeline::default();
        timeline.push(events);
        timeline
    }

    /// An empty timeline that replays with a projection's rules and upcasters.
    pub fn with_projection(projection: Option<Arc<Projection>>) -> Timeline {
        Timeline {
            projection,
            ..Timeline::default()
        }
    }

    /// The projection this timeline replays with.
    pub fn projection(&self) -> Option<&Projection> {
        self.projection.as_deref()
    }

    /// Says how events kept as their records are read back (see `push_record`).
    pub fn set_reader(&mut self, reader: RecordReader) {
        self.reader = Some(reader);
    }
}

impl StreamLine {
    /// The log position of the stream's event at `pos`.
    fn log_idx(&self, pos: usize) -> Option<usize> {
        self.event_idx.get(pos).map(|&idx| idx as usize)
    }

    /// The log positions of the stream's events, in order.
    fn log_idxs(&self) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.log_idxs_in(0..self.event_idx.len())
    }

    /// The log positions of the stream's events at the positions `range`, in order.
    fn log_idxs_in(&self, range: Range<usize>) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.event_idx[range].iter().map(|&idx| idx as usize)
    }

    fn new(name: String) -> StreamLine {
        StreamLine {
            name,
            event_idx: Vec::new(),
            max_time: Vec::new(),
            snapshots: vec![(0, Box::from("null"))],
            bytes_since_snapshot: 0,
            head: Box::from("null"),
            folded: 0,
            versions_ascend: true,
            kinds: Vec::new(),
            n_untimed: 0,
            ended_at: None,
        }
    }
}

/// A line number as a `Stored` keeps it.
fn line_number(line: Option<usize>) -> Option<NonZeroU32> {
    line.and_then(|line| u32::try_from(line).ok())
        .and_then(NonZeroU32::new)
}

/// A state as compact JSON text.
fn state_text(state: &Value) -> Box<str> {
    state.to_string().into_boxed_str()
}

/// Reads JSON the timeline wrote itself (a state, an event's body). States are kept within
/// `depth::MAX_DEPTH` levels, but the wrappers around an event's body add a few more, so the
/// text is read without serde_json's 128-level limit; it was bounded when it was written.
fn read_own<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    let value = T::deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// An event whose record cannot be read: shown with its text as data, changing nothing, and
/// with `meta.unreadable` saying why.
fn unreadable(text: &str, message: String) -> (Value, Map<String, Value>, Change, Option<Value>) {
    let mut meta = Map::new();
    meta.insert("unreadable".into(), Value::String(message));
    (Value::String(text.to_string()), meta, Change::Keep, None)
}

/// The compact form of an event's body: JSON text. Writing JSON values and maps cannot fail;
/// if it ever did, the body would say so rather than stop the load.
fn compact(event: &Event, raw: Option<Span>) -> JsonBody {
    let body = BodyFields {
        data: &event.data,
        meta: &event.meta,
        change: &event.change,
        stored: event.stored.as_ref(),
    };
    let text = serde_json::to_string(&body).unwrap_or_else(|err| {
        serde_json::json!({"data": null, "meta": {"unreadable": err.to_string()}, "change": "keep"})
            .to_string()
    });
    JsonBody {
        text: text.into_boxed_str(),
        span: raw,
    }
}

/// A list that grows in fixed-size chunks, so that it never moves what it holds: growing a
/// single `Vec` of a million events copies it whole, more than once, and briefly needs twice its
/// size, which in WebAssembly memory (never given back) is a lasting cost and a long pause.
#[derive(Clone, Debug)]
struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

/// Items per chunk of a `Chunked` list.
const CHUNK: usize = 1 << 14;

impl<T> Default for Chunked<T> {
    fn default() -> Chunked<T> {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(item),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(item);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    fn len(&self) -> usize {
        self.len
    }
}

impl<T> std::ops::Index<usize> for Chunked<T> {
    type Output = T;

    fn index(&self, idx: usize) -> &T {
        &self.chunks[idx / CHUNK][idx % CHUNK]
    }
}

/// Names kept once each, numbered in order of first appearance (event types, authors).
#[derive(Clone, Debug, Default)]
struct Names {
    names: Vec<String>,
    by_name: FxHashMap<String, u32>,
}

impl Names {
    /// The number of a name, added if it is new.
    fn add(&mut self, name: &str) -> u32 {
        if let Some(idx) = self.get(name) {
            return idx;
        }
        let idx = self.names.len() as u32;
        self.names.push(name.to_string());
        self.by_name.insert(name.to_string(), idx);
        idx
    }

    fn get(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    fn name(&self, idx: u32) -> &str {
        &self.names[idx as usize]
    }
}

/// The value kept aside for an event, in a list by log position (`Timeline::positions`, `ids`,
/// `big_versions`).
fn aside<T>(list: &[(usize, T)], log_idx: usize) -> Option<&T> {
    let at = list.binary_search_by_key(&log_idx, |(idx, _)| *idx).ok()?;
    Some(&list[at].1)
}

/// Where slices `1..n_bins` of the density strip start: `first`'s whole millisecond plus
/// `ceil(k * span / n_bins)` milliseconds, `span` being `last - first` in milliseconds, at least
/// 1. A time is in slice `k` when `k` of these are at or before it.
fn slice_starts(first: DateTime<Utc>, last: DateTime<Utc>, n_bins: usize) -> Vec<DateTime<Utc>> {
    let start = first.timestamp_millis();
    let span = (last.timestamp_millis() - start).max(1);
    let n = n_bins as i64;
    // `ceil(k * span / n)` as `k * (span / n) + ceil(k * (span % n) / n)`: exact, and no
    // product past `span` or `n * n`, so 64 bits hold it.
    let (whole, rest) = (span / n, span % n);
    (1..n)
        .map(|k| {
            let offset = k * whole + (k * rest + n - 1) / n;
            // Within `first..=last`, which are times chrono holds.
            DateTime::from_timestamp_millis(start + offset).unwrap_or(last)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    /// Natively (64-bit pointers) 56 bytes; 48 in WebAssembly, which a constant checks.
    #[test]
    fn an_event_is_kept_in_56_bytes() {
        assert!(std::mem::size_of::<super::Stored>() <= 56);
    }
}
