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

use std::num::NonZeroU32;
use std::ops::Range;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::diff::touched::Touched;
use crate::event::{Change, Event};
use crate::problem::{Place, Problem, ProblemKind};
use crate::projection::Projection;
use crate::reduce::{self, ReduceError};

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
    /// Source texts that events point into (`Body::Source`).
    sources: Vec<Arc<String>>,
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
/// A million of these are held, so each is kept to 48 bytes in WebAssembly: numbers that fit
/// in 32 bits are kept in 32, what many events lack (a store position, an id, a version past
/// 32 bits) is kept aside (`Timeline::positions`, `ids`, `big_versions`), and a body kept as
/// JSON is boxed.
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

// The size the module's memory figures count on, where it matters: in the app.
#[cfg(target_arch = "wasm32")]
const _: () = assert!(std::mem::size_of::<Stored>() == 48);

/// `Stored::version` of an event whose version is kept aside.
const BIG_VERSION: u32 = u32::MAX;

/// Where the rest of an event is kept.
#[derive(Clone, Debug)]
enum Body {
    /// Kept as JSON: see `JsonBody`.
    Json(Box<JsonBody>),
    /// A canonical record, read back from where it is.
    Source(Span),
}

/// An event's body kept as compact JSON of `BodyFields`, and where the record it was decoded
/// from is, if the timeline keeps that record's text (its bytes as stored, which integrity
/// checks and hash-pinned links read).
#[derive(Clone, Debug)]
struct JsonBody {
    text: Box<str>,
    span: Option<Span>,
}

impl Body {
    /// Where the event's record is in a source text, if the timeline keeps it.
    fn span(&self) -> Option<Span> {
        match self {
            Body::Source(span) => Some(*span),
            Body::Json(json) => json.span,
        }
    }
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
    pub body: fn(&str) -> Result<RecordBody, String>,
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
}

/// An event in the form the source stored it, for replaying a log with another projection.
#[derive(Clone, Debug)]
pub enum StoredForm<'a> {
    /// An event kept as its record in a source text, as it was indexed.
    Record {
        source: &'a Arc<String>,
        range: Range<usize>,
        record: IndexedRecord<'a>,
    },
    /// A decoded event, with any upcasting undone; `at` is where its record is, if it points
    /// into a source.
    Event {
        event: Box<Event>,
        at: Option<(&'a Arc<String>, Range<usize>)>,
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
    /// Indexes into the log of this stream's events, in log order. Their versions are read
    /// from the events themselves: a copy here would cost 8 bytes an event.
    event_idx: Vec<usize>,
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
    pub event_idx: &'a [usize],
    /// The position of the first event that ended the aggregate, once folded.
    pub ended_at: Option<usize>,
    timeline: &'a Timeline,
}

impl StreamFacts<'_> {
    /// The version of the stream's event at a position.
    pub fn version(&self, pos: usize) -> u64 {
        self.timeline.version_at(self.event_idx[pos])
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

    /// Appends events to the log and folds them into their streams' states.
    pub fn push(&mut self, events: Vec<Event>) {
        self.push_unfolded(events);
        self.fold();
    }

    /// Appends decoded events to the log; `fold_some` or `fold` replays them.
    pub fn push_unfolded(&mut self, events: Vec<Event>) {
        for event in events {
            self.push_event(event, None, None);
        }
    }

    /// Indexes an event that stays as its record at `range` of `source`, which the timeline
    /// keeps: no copy of the record is made, and it is read back with the reader when replayed
    /// or shown. False (and nothing indexed) when there is no reader or the range is not in
    /// the text: the event must then be pushed decoded.
    pub fn push_record(
        &mut self,
        source: &Arc<String>,
        range: Range<usize>,
        record: IndexedRecord<'_>,
    ) -> bool {
        let Some(body) = self.source_body(source, range) else {
            return false;
        };
        self.naive_times |= record.zone_assumed;
        let (stream, kind, user) = self.intern_and_index(
            record.stream,
            record.kind,
            record.user,
            record.version,
            record.time,
        );
        let version = self.keep_aside(record.version, record.id, None);
        self.events.push(Stored {
            seq: seq_kept(record.seq),
            stream,
            version,
            time: record.time,
            kind,
            user,
            line: line_number(record.line),
            body,
        });
        true
    }

    /// Indexes a decoded event (already upcast, where a projection upcasts it). `at` is where
    /// its record is in a source text, if it can be read back from there: it is used only for
    /// an event that no upcaster changed.
    pub fn push_event(
        &mut self,
        event: Event,
        at: Option<(&Arc<String>, Range<usize>)>,
        line: Option<usize>,
    ) {
        let text = at
            .as_ref()
            .and_then(|(source, range)| source.get(range.clone()));
        if self.is_resent(&event.stream, event.version, text, event.id.as_deref()) {
            return;
        }
        self.naive_times |= event.meta.contains_key("time_zone_assumed");
        let (stream, kind, user) = self.intern_and_index(
            &event.stream,
            &event.kind,
            event.user(),
            event.version,
            event.time,
        );
        let raw = at.and_then(|(source, range)| self.span(source, range));
        let body = match raw {
            Some(span) if event.stored.is_none() && self.reader.is_some() => Body::Source(span),
            raw => compact(&event, raw),
        };
        if event.meta.contains_key("time_absent") {
            self.streams[stream as usize].n_untimed += 1;
            self.untimed.push(self.events.len());
        }
        let version = self.keep_aside(event.version, event.id, event.position);
        self.events.push(Stored {
            seq: seq_kept(event.seq),
            stream,
            version,
            time: event.time,
            kind,
            user,
            line: line_number(line),
            body,
        });
    }

    /// Keeps aside the id, the store position and a version past 32 bits of the event about to
    /// be pushed; returns the version its `Stored` keeps.
    fn keep_aside(&mut self, version: u64, id: Option<String>, position: Option<u64>) -> u32 {
        let log_idx = self.events.len();
        if let Some(id) = id {
            self.ids.push((log_idx, id.into_boxed_str()));
        }
        if let Some(position) = position {
            self.positions.push((log_idx, position));
        }
        match u32::try_from(version) {
            Ok(version) if version != BIG_VERSION => version,
            _ => {
                self.big_versions.push((log_idx, version));
                BIG_VERSION
            }
        }
    }

    /// The version of the event at a log position.
    fn version_at(&self, log_idx: usize) -> u64 {
        match self.events[log_idx].version {
            BIG_VERSION => aside(&self.big_versions, log_idx).map_or(u64::MAX, |v| *v),
            version => u64::from(version),
        }
    }

    /// The id of the event at a log position, if it has one.
    fn id_at(&self, log_idx: usize) -> Option<&str> {
        aside(&self.ids, log_idx).map(|id| &**id)
    }

    /// From now on, an event the timeline already holds (the same stream and version, with the
    /// same record or the same id) is dropped and counted rather than indexed again: a followed
    /// source that reconnected may send again what it sent before (`core::follow`). An event
    /// that repeats a version with another record is kept, and the integrity checks report it.
    pub fn drop_resent(&mut self) {
        self.drops_resent = true;
    }

    /// How many events were dropped as sent again.
    pub fn n_resent(&self) -> usize {
        self.n_resent
    }

    /// True, and counted, when dropping resent events and this one is held already: its record
    /// `text` is the held one's, or else its `id` is.
    pub(crate) fn is_resent(
        &mut self,
        stream: &str,
        version: u64,
        text: Option<&str>,
        id: Option<&str>,
    ) -> bool {
        if !self.drops_resent {
            return false;
        }
        let Some(log_idx) = self.held_version(stream, version) else {
            return false;
        };
        let same = match (text, self.stored_bytes(log_idx), id, self.id_at(log_idx)) {
            (Some(text), Some(stored), _, _) => text == stored,
            (_, _, Some(id), Some(held_id)) => id == held_id,
            _ => false,
        };
        self.n_resent += usize::from(same);
        same
    }

    /// The log position of the stream's event with this version, found with one lookup of the
    /// stream; a version past the last of a stream whose versions ascend (the usual case while
    /// loading) is found missing without a search.
    fn held_version(&self, stream: &str, version: u64) -> Option<usize> {
        let line = self.line(stream)?;
        let &last = line.event_idx.last()?;
        if line.versions_ascend && version > self.version_at(last) {
            return None;
        }
        let pos = self.position_in_line(line, version)?;
        line.event_idx.get(pos).copied()
    }

    /// Adds a problem found while indexing (an upcaster that failed on an event).
    pub fn note_problem(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    /// Says that some event's time had no zone and was read in an assumed one.
    pub fn note_naive_times(&mut self) {
        self.naive_times = true;
    }

    /// Every event in log order, in the form its source stored it (upcasting undone), for
    /// replaying the log with another projection. With `decoded`, events kept as their records
    /// come decoded too (for upcasters to see).
    pub fn stored_forms(&self, decoded: bool) -> impl Iterator<Item = StoredForm<'_>> + '_ {
        (0..self.events.len()).map(move |idx| self.stored_form(idx, decoded))
    }

    fn stored_form(&self, idx: usize, decoded: bool) -> StoredForm<'_> {
        let stored = &self.events[idx];
        let line = stored.line.map(|line| line.get() as usize);
        let at = stored.body.span().map(|span| self.span_at(span));
        match at {
            Some((source, range))
                if !decoded
                    && self.position_of(idx).is_none()
                    && matches!(stored.body, Body::Source(_)) =>
            {
                StoredForm::Record {
                    source,
                    range,
                    record: IndexedRecord {
                        seq: u64::from(stored.seq),
                        stream: &self.streams[stored.stream as usize].name,
                        kind: self.kinds.name(stored.kind),
                        user: self.user_of(stored),
                        version: self.version_at(idx),
                        time: stored.time,
                        id: self.id_at(idx).map(str::to_string),
                        zone_assumed: false,
                        line,
                    },
                }
            }
            at => {
                let mut event = self.event(idx);
                if let Some(stored) = event.stored.take() {
                    event.data = stored;
                    event.meta.remove("upcast_to");
                }
                StoredForm::Event {
                    event: Box::new(event),
                    at,
                    line,
                }
            }
        }
    }

    /// Where a record in a source text is, as a `Body::Source`, if the timeline can read it
    /// back from there.
    fn source_body(&mut self, source: &Arc<String>, range: Range<usize>) -> Option<Body> {
        self.reader?;
        self.span(source, range).map(Body::Source)
    }

    /// The source text and range of a span.
    fn span_at(&self, span: Span) -> (&Arc<String>, Range<usize>) {
        let start = span.start as usize;
        (
            &self.sources[span.source.get() as usize - 1],
            start..start + span.len as usize,
        )
    }

    /// Keeps a source text (once) and says where a record in it is; `None` when the range is
    /// not in the text or past the 32-bit offsets.
    fn span(&mut self, source: &Arc<String>, range: Range<usize>) -> Option<Span> {
        source.get(range.clone())?;
        let start = u32::try_from(range.start).ok()?;
        let len = u32::try_from(range.len()).ok()?;
        let source_idx = match self.sources.last() {
            Some(last) if Arc::ptr_eq(last, source) => self.sources.len() - 1,
            _ => {
                self.sources.push(source.clone());
                self.sources.len() - 1
            }
        };
        Some(Span {
            start,
            len,
            source: NonZeroU32::new(u32::try_from(source_idx + 1).ok()?)?,
        })
    }

    /// Numbers an event's stream, type and author (adding those seen for the first time) and
    /// puts the event in its stream's indexes; returns the numbers its `Stored` keeps.
    fn intern_and_index(
        &mut self,
        stream: &str,
        kind: &str,
        user: Option<&str>,
        version: u64,
        time: DateTime<Utc>,
    ) -> (u32, u32, Option<NonZeroU32>) {
        let user = user.and_then(|user| NonZeroU32::new(self.users.add(user).saturating_add(1)));
        let kind = self.kinds.add(kind);
        let stream = self.stream_index_or_add(stream);
        self.index(stream, kind, version, time);
        (stream as u32, kind, user)
    }

    /// Puts the next event of a stream in the stream's indexes, to be folded later.
    fn index(&mut self, stream: usize, kind: u32, version: u64, time: DateTime<Utc>) {
        let log_idx = self.events.len();
        let previous = self.streams[stream].event_idx.last().copied();
        let prev_version = previous.map(|idx| self.version_at(idx));
        let prev_time = previous.map(|idx| self.events[idx].time);
        let line = &mut self.streams[stream];
        if !line.kinds.contains(&kind) {
            line.kinds.push(kind);
        }
        if let Some(prev_version) = prev_version {
            if version <= prev_version {
                line.versions_ascend = false;
                self.problems.push(Problem::new(
                    Place::Event {
                        stream: line.name.clone(),
                        version,
                    },
                    ProblemKind::VersionNotAfter {
                        version,
                        previous: prev_version,
                    },
                ));
            }
        }
        match (line.max_time.last(), prev_time) {
            (Some(&max_time), _) => line.max_time.push(max_time.max(time)),
            (None, Some(prev_time)) if time < prev_time => {
                let events = &self.events;
                line.max_time = line.event_idx.iter().map(|&i| events[i].time).collect();
                line.max_time.push(prev_time);
            }
            (None, _) => {}
        }
        line.event_idx.push(log_idx);
        self.fold_from = self.fold_from.min(stream);
    }

    /// Folds up to `budget` events that are not folded yet, a stream at a time; returns true
    /// when every event is folded. Call it between yields to fold a large log without freezing.
    pub fn fold_some(&mut self, mut budget: usize) -> bool {
        while self.fold_from < self.streams.len() {
            let stream = self.fold_from;
            budget -= self.fold_stream(stream, budget);
            if self.streams[stream].folded == self.streams[stream].event_idx.len() {
                self.fold_from += 1;
            }
            if budget == 0 {
                break;
            }
        }
        self.fold_from == self.streams.len()
    }

    /// Folds every event of one stream not folded yet (the others stay as they are).
    pub fn fold_stream_named(&mut self, stream: &str) {
        if let Some(&idx) = self.stream_by_name.get(stream) {
            self.fold_stream(idx, usize::MAX);
        }
    }

    /// How many events have been folded so far.
    pub fn n_folded(&self) -> usize {
        self.n_folded
    }

    /// Folds every event that is not folded yet.
    pub fn fold(&mut self) {
        self.fold_some(usize::MAX);
    }

    /// Replays up to `budget` of a stream's events not folded yet, from its last state, taking
    /// snapshots as the module explains; returns how many it folded. An event that fails leaves
    /// the state as it was and is reported.
    fn fold_stream(&mut self, stream: usize, budget: usize) -> usize {
        let line = &self.streams[stream];
        let end = line.event_idx.len().min(line.folded.saturating_add(budget));
        if end == line.folded {
            return 0;
        }
        let mut state = self.head_state(line);
        let (mut last_n, mut last_len) = line
            .snapshots
            .last()
            .map_or((0, 0), |(n, text)| (*n, text.len()));
        let mut bytes_since = line.bytes_since_snapshot;
        let mut snapshots = Vec::new();
        let mut ended_at = line.ended_at;
        for pos in line.folded..end {
            let idx = line.event_idx[pos];
            let had_state = !state.is_null();
            if let Err(err) = self.apply_event(&mut state, idx) {
                let place = self.place_of_stored(idx);
                self.problems
                    .push(Problem::new(place, ProblemKind::Replay(err)));
            }
            if had_state && state.is_null() && ended_at.is_none() {
                ended_at = Some(pos);
            }
            bytes_since += self.text_of(&self.events[idx].body).len();
            if pos + 1 - last_n >= SNAPSHOT_EVERY && bytes_since >= last_len {
                let text = state_text(&state);
                (last_n, last_len, bytes_since) = (pos + 1, text.len(), 0);
                snapshots.push((last_n, text));
            }
        }
        let n_folded = end - line.folded;
        self.n_folded += n_folded;
        let line = &mut self.streams[stream];
        line.snapshots.extend(snapshots);
        line.bytes_since_snapshot = bytes_since;
        line.head = state_text(&state);
        line.folded = end;
        line.ended_at = ended_at;
        n_folded
    }

    /// The state after a stream's folded events, read back from its head.
    fn head_state(&self, line: &StreamLine) -> Value {
        read_own(&line.head).unwrap_or_else(|_| self.replay_from_start(line, line.folded))
    }

    /// The state after a stream's first `n_applied` events, replayed from `null`: the answer
    /// when a state kept as text cannot be read back, which only a bug could cause.
    fn replay_from_start(&self, line: &StreamLine, n_applied: usize) -> Value {
        let mut state = Value::Null;
        for &idx in line.event_idx.iter().take(n_applied) {
            let _ = self.apply_event(&mut state, idx);
        }
        state
    }

    /// Where an event is: its line in the source, where the source has lines, and its stream and
    /// version.
    fn place_of_stored(&self, log_idx: usize) -> Place {
        let stored = &self.events[log_idx];
        let stream = self.streams[stored.stream as usize].name.clone();
        let version = self.version_at(log_idx);
        match stored.line {
            Some(line) => Place::EventLine {
                line: line.get() as usize,
                stream,
                version,
            },
            None => Place::Event { stream, version },
        }
    }

    /// The number of snapshots and the bytes they take, over all streams.
    pub fn snapshot_stats(&self) -> (usize, usize) {
        self.streams
            .iter()
            .flat_map(|line| &line.snapshots)
            .fold((0, 0), |(n, bytes), (_, text)| (n + 1, bytes + text.len()))
    }

    /// Applies the event at a log position to a state: by its change, or by the projection's
    /// rules where they name its type.
    fn apply_event(&self, state: &mut Value, log_idx: usize) -> Result<(), ReduceError> {
        match self.change_of(log_idx)? {
            Some((change, data)) => reduce::apply_change(state, &change, &data),
            None => reduce::apply_with(state, &self.event(log_idx), self.projection.as_deref()),
        }
    }

    /// The change the event at a log position makes, and its data (which a merge merges);
    /// `None` when a projection rule applies the event instead. An event in a source that no
    /// rule touches is read back from its change alone, without parsing the rest of its record.
    /// Kept out of line: its two callers would each carry a copy (1 KB of bundle).
    #[inline(never)]
    fn change_of(&self, log_idx: usize) -> Result<Option<(Change, Value)>, ReduceError> {
        let stored = &self.events[log_idx];
        let ruled = self
            .projection
            .as_deref()
            .is_some_and(|p| p.has_rules(self.kinds.name(stored.kind)));
        if let (Body::Source(_), Some(reader)) = (&stored.body, self.reader) {
            let text = self.text_of(&stored.body);
            if let Some(found) = (!ruled).then(|| (reader.change)(text)).flatten() {
                return Ok(Some(found));
            }
            // Indexing checked the record, so this only fails where that check and the full
            // reading disagree; the event then leaves the state as it was, and says why.
            (reader.body)(text).map_err(ReduceError::Record)?;
        }
        if ruled {
            return Ok(None);
        }
        let event = self.event(log_idx);
        Ok(Some((event.change, event.data)))
    }

    fn stream_index_or_add(&mut self, stream: &str) -> usize {
        if let Some(&idx) = self.stream_by_name.get(stream) {
            return idx;
        }
        self.stream_by_name
            .insert(stream.to_string(), self.streams.len());
        self.streams.push(StreamLine::new(stream.to_string()));
        self.streams.len() - 1
    }

    /// The number of events in the log.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when the log has no events.
    pub fn is_empty(&self) -> bool {
        self.events.len() == 0
    }

    /// The store position of the event at a log position, where its source has one.
    fn position_of(&self, log_idx: usize) -> Option<u64> {
        aside(&self.positions, log_idx).copied()
    }

    /// The author of an event, by name.
    fn user_of(&self, stored: &Stored) -> Option<&str> {
        stored.user.map(|u| self.users.name(u.get() - 1))
    }

    /// The event at a log position, parsed from its compact form.
    pub fn event(&self, log_idx: usize) -> Event {
        let stored = &self.events[log_idx];
        let (data, meta, change, upcast_from) = match &stored.body {
            Body::Json(json) => {
                let text = &json.text;
                match read_own::<BodyFields<Value, Map<String, Value>, Change, Value>>(text) {
                    Ok(body) => (body.data, body.meta, body.change, body.stored),
                    // The timeline wrote this text itself, so this cannot happen; if it ever
                    // did, the event would be shown as its text, changing nothing.
                    Err(err) => unreadable(text, err.to_string()),
                }
            }
            Body::Source(_) => match self.read_record(self.text_of(&stored.body)) {
                Ok(record) => (record.data, record.meta, record.change, None),
                // Only where indexing's check and the full reading disagree: the event is
                // shown with its record as data, changing nothing.
                Err(message) => unreadable(self.text_of(&stored.body), message),
            },
        };
        Event {
            seq: u64::from(stored.seq),
            stream: self.streams[stored.stream as usize].name.clone(),
            version: self.version_at(log_idx),
            position: self.position_of(log_idx),
            id: self.id_at(log_idx).map(str::to_string),
            kind: self.kinds.name(stored.kind).to_string(),
            time: stored.time,
            data,
            meta,
            change,
            stored: upcast_from,
        }
    }

    /// A record kept in a source, read back.
    fn read_record(&self, text: &str) -> Result<RecordBody, String> {
        match self.reader {
            Some(reader) => (reader.body)(text),
            None => Err("the timeline has no reader for its records".into()),
        }
    }

    /// The text of a record in a source.
    fn text_of<'a>(&'a self, body: &'a Body) -> &'a str {
        match body {
            Body::Json(json) => &json.text,
            &Body::Source(span) => self.span_text(span),
        }
    }

    /// The text a span points at (empty if it were ever out of its source, which `span`
    /// rules out when the span is made).
    fn span_text(&self, span: Span) -> &str {
        let (source, range) = self.span_at(span);
        source.get(range).unwrap_or_default()
    }

    /// The record of the event at a log position, byte for byte as the source stored it (a
    /// line without its line end, an element of an array, an entry of a feed page), where the
    /// timeline keeps it; `None` for an event made without a record (a test's, a sample's).
    pub fn stored_bytes(&self, log_idx: usize) -> Option<&str> {
        let span = self.events[log_idx].body.span()?;
        Some(self.span_text(span))
    }

    /// The log positions of a stream's events, in order.
    pub fn stream_log_positions(&self, stream: &str) -> &[usize] {
        self.line(stream).map_or(&[], |line| &line.event_idx)
    }

    /// Every stream's index, for integrity checks.
    pub fn stream_facts(&self) -> impl Iterator<Item = StreamFacts<'_>> + '_ {
        self.streams.iter().map(|line| StreamFacts {
            name: &line.name,
            event_idx: &line.event_idx,
            ended_at: line.ended_at,
            timeline: self,
        })
    }

    /// The name of the stream at `idx` in the order `stream_facts` gives; `None` past the end.
    pub fn stream_name(&self, idx: usize) -> Option<&str> {
        self.streams.get(idx).map(|line| line.name.as_str())
    }

    /// How records kept in place are read back, if any are.
    pub fn reader(&self) -> Option<RecordReader> {
        self.reader
    }

    /// What lists show of the event at a log position.
    pub fn head(&self, log_idx: usize) -> EventHead<'_> {
        let stored = &self.events[log_idx];
        EventHead {
            seq: u64::from(stored.seq),
            stream: &self.streams[stored.stream as usize].name,
            version: self.version_at(log_idx),
            time: stored.time,
            kind: self.kinds.name(stored.kind),
            id: self.id_at(log_idx),
            user: self.user_of(stored),
            timed: self.untimed.binary_search(&log_idx).is_err(),
        }
    }

    /// Every event, in log order, each parsed from its compact form.
    pub fn all_events(&self) -> impl Iterator<Item = Event> + '_ {
        (0..self.events.len()).map(|idx| self.event(idx))
    }

    /// True when some event's time had no zone and was read in an assumed one.
    pub fn has_naive_times(&self) -> bool {
        self.naive_times
    }

    /// Problems found while replaying.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Every distinct event type, in order of first appearance.
    pub fn kinds(&self) -> &[String] {
        &self.kinds.names
    }

    /// The event types a stream has, in order of first appearance.
    pub fn stream_kinds(&self, stream: &str) -> Vec<&str> {
        self.line(stream).map_or_else(Vec::new, |line| {
            line.kinds.iter().map(|&k| self.kinds.name(k)).collect()
        })
    }

    /// The index of an event type in `kinds`.
    pub fn kind_index(&self, kind: &str) -> Option<usize> {
        self.kinds.get(kind).map(|idx| idx as usize)
    }

    /// The streams, in order of first appearance, with their event counts.
    pub fn streams(&self) -> Vec<StreamSummary> {
        self.streams
            .iter()
            .map(|line| StreamSummary {
                name: line.name.clone(),
                n_events: line.event_idx.len(),
            })
            .collect()
    }

    /// The name of the stream that appears first, if there is one.
    pub fn first_stream(&self) -> Option<&str> {
        self.streams.first().map(|line| line.name.as_str())
    }

    /// The number of streams.
    pub fn n_streams(&self) -> usize {
        self.streams.len()
    }

    /// True when the log has a stream with this name.
    pub fn has_stream(&self, stream: &str) -> bool {
        self.stream_by_name.contains_key(stream)
    }

    /// The number of events in a stream (0 for an unknown stream).
    pub fn stream_len(&self, stream: &str) -> usize {
        self.line(stream).map_or(0, |line| line.event_idx.len())
    }

    /// True when at least one of the stream's events has a time in the source: only then can
    /// the stream be read as of a time (`t=`) or drawn over time (the density strip).
    pub fn stream_has_times(&self, stream: &str) -> bool {
        self.line(stream)
            .is_some_and(|line| line.n_untimed < line.event_idx.len())
    }

    /// The record of the event at a position of a stream, byte for byte as the source stored
    /// it, where the timeline keeps it (Chronoscope's own records, which it points into);
    /// `None` for events kept decoded.
    pub fn record_text_at(&self, stream: &str, pos: usize) -> Option<&str> {
        let log_idx = *self.line(stream)?.event_idx.get(pos)?;
        self.record_text(log_idx)
    }

    /// The stored record of the event at `log_idx` in the log, as `record_text_at` gives it.
    pub fn record_text(&self, log_idx: usize) -> Option<&str> {
        let body = &self.events[(log_idx < self.len()).then_some(log_idx)?].body;
        matches!(body, Body::Source(_)).then(|| self.text_of(body))
    }

    /// The event at a position (from 0) of a stream.
    pub fn event_at(&self, stream: &str, pos: usize) -> Option<Event> {
        let line = self.line(stream)?;
        line.event_idx.get(pos).map(|&idx| self.event(idx))
    }

    /// What lists show of the event at a position of a stream.
    pub fn head_at(&self, stream: &str, pos: usize) -> Option<EventHead<'_>> {
        let line = self.line(stream)?;
        line.event_idx.get(pos).map(|&idx| self.head(idx))
    }

    /// The events of a stream, in order, each parsed from its compact form.
    pub fn stream_events<'a>(&'a self, stream: &str) -> impl Iterator<Item = Event> + 'a {
        self.stream_idxs(stream)
            .iter()
            .map(move |&idx| self.event(idx))
    }

    /// What lists show of the events of a stream, in order.
    pub fn stream_heads<'a>(&'a self, stream: &str) -> impl Iterator<Item = EventHead<'a>> + 'a {
        self.stream_idxs(stream)
            .iter()
            .map(move |&idx| self.head(idx))
    }

    fn stream_idxs(&self, stream: &str) -> &[usize] {
        self.line(stream)
            .map_or(&[][..], |line| &line.event_idx[..])
    }

    /// The names of every event type and every author, numbered as `name_ids` numbers them.
    pub fn names(&self) -> (&[String], &[String]) {
        (&self.kinds.names, &self.users.names)
    }

    /// The numbers of an event's type and author among `names`.
    pub fn name_ids(&self, log_idx: usize) -> (u32, Option<u32>) {
        let event = &self.events[log_idx];
        (event.kind, event.user.map(|u| u.get() - 1))
    }

    /// The text an event is kept as: its record in the source, or the JSON of its decoded body.
    /// Every string of its payload is in it, as written or as a `\u` escape.
    pub fn stored_text(&self, log_idx: usize) -> &str {
        self.text_of(&self.events[log_idx].body)
    }

    /// The state of a stream after the event at `pos`, or before any event when `pos` is `None`.
    /// It starts from the nearest snapshot at or before it, so only the events since then are
    /// replayed (plus any events not folded yet).
    pub fn state_after(&self, stream: &str, pos: Option<usize>) -> Value {
        let (Some(line), Some(pos)) = (self.line(stream), pos) else {
            return Value::Null;
        };
        let n_applied = (pos + 1).min(line.event_idx.len());
        let (start, text) = if n_applied >= line.folded {
            (line.folded, &line.head)
        } else {
            let k = line.snapshots.partition_point(|(n, _)| *n <= n_applied) - 1;
            let (n, text) = &line.snapshots[k];
            (*n, text)
        };
        let mut state = match read_own(text) {
            Ok(state) => state,
            // Never expected (the timeline wrote the text); replaying from the start of the
            // stream gives the same state.
            Err(_) => return self.replay_from_start(line, n_applied),
        };
        for &idx in &line.event_idx[start..n_applied] {
            // A failed event is reported when it is folded; replay skips it the same way.
            let _ = self.apply_event(&mut state, idx);
        }
        state
    }

    /// Where the states after positions `a` and `b` of a stream can differ: the paths written by
    /// the events between them (`diff::touched`), or everything when more than
    /// `TOUCHED_MAX_EVENTS` events lie between (a whole diff is then as cheap), or when one of
    /// them is applied by a projection rule, whose writes are not known beforehand.
    pub fn touched_between(&self, stream: &str, a: Option<usize>, b: Option<usize>) -> Touched {
        let Some(line) = self.line(stream) else {
            return Touched::everything();
        };
        let n_applied = |pos: Option<usize>| {
            pos.map_or(0, |p| p.saturating_add(1))
                .min(line.event_idx.len())
        };
        let (start, end) = (n_applied(a.min(b)), n_applied(a.max(b)));
        if end - start > TOUCHED_MAX_EVENTS {
            return Touched::everything();
        }
        let mut touched = Touched::default();
        for &idx in &line.event_idx[start..end] {
            match self.change_of(idx) {
                Ok(Some((change, data))) => touched.add_change(&change, &data),
                Ok(None) => return Touched::everything(),
                // The event left the state as it was.
                Err(_) => {}
            }
        }
        touched
    }

    /// Replays a stream from its start, handing `visit` each position and the state after that
    /// event: one pass, for questions about every moment (a field's history).
    pub fn replay_stream(&self, stream: &str, mut visit: impl FnMut(usize, &Value)) {
        let Some(line) = self.line(stream) else {
            return;
        };
        let mut state = Value::Null;
        for (pos, &idx) in line.event_idx.iter().enumerate() {
            // A failed event is reported when it is folded; replay skips it the same way.
            let _ = self.apply_event(&mut state, idx);
            visit(pos, &state);
        }
    }

    /// The position of the last event at or before `time`: the state as of `time` is the state
    /// after it. `None` when the stream has no event that early.
    pub fn position_at_time(&self, stream: &str, time: DateTime<Utc>) -> Option<usize> {
        let line = self.line(stream)?;
        let n_before = if line.max_time.is_empty() {
            line.event_idx
                .partition_point(|&idx| self.events[idx].time <= time)
        } else {
            line.max_time.partition_point(|&t| t <= time)
        };
        n_before.checked_sub(1)
    }

    /// The position of the event with this version in a stream.
    pub fn position_of_version(&self, stream: &str, version: u64) -> Option<usize> {
        self.position_in_line(self.line(stream)?, version)
    }

    /// `position_of_version` in a stream's line.
    fn position_in_line(&self, line: &StreamLine, version: u64) -> Option<usize> {
        let version_at = |idx: &usize| self.version_at(*idx);
        if line.versions_ascend {
            line.event_idx
                .binary_search_by_key(&version, version_at)
                .ok()
        } else {
            line.event_idx
                .iter()
                .position(|idx| version_at(idx) == version)
        }
    }

    /// The position of the `n`th event (from 1) with this version, in a stream that repeats
    /// versions (a broken log); `n` = 1 is `position_of_version`.
    pub fn position_of_occurrence(&self, stream: &str, version: u64, n: u64) -> Option<usize> {
        if n <= 1 {
            return self.position_of_version(stream, version);
        }
        let line = self.line(stream)?;
        let nth = usize::try_from(n - 1).ok()?;
        line.event_idx
            .iter()
            .enumerate()
            .filter(|(_, &idx)| self.version_at(idx) == version)
            .nth(nth)
            .map(|(pos, _)| pos)
    }

    /// Which event with its version the event at a position is (from 1): 1 unless the stream
    /// repeats that version before it.
    pub fn occurrence_at(&self, stream: &str, pos: usize) -> u64 {
        let Some(line) = self.line(stream) else {
            return 1;
        };
        if line.versions_ascend {
            return 1;
        }
        let Some(&log_idx) = line.event_idx.get(pos) else {
            return 1;
        };
        let version = self.version_at(log_idx);
        1 + line.event_idx[..pos]
            .iter()
            .filter(|&&idx| self.version_at(idx) == version)
            .count() as u64
    }

    /// The stream's events in `n_bins` equal slices of its time span, for the density strip.
    /// Slice `k` holds the events whose whole milliseconds after the first event's are at
    /// least `k * span / n_bins` (`span` in milliseconds, at least 1), exactly. Each event's
    /// time is compared with the slices' start times, and a slice is searched for only when
    /// the time leaves the last one: converting each time to milliseconds instead took 29 ms
    /// of the 1M-event load's last task (a CPU profile).
    pub fn density(&self, stream: &str, n_bins: usize) -> Vec<DensityBin> {
        let mut counts = vec![vec![0usize; self.kinds.names.len()]; n_bins];
        let events = || {
            self.stream_idxs(stream)
                .iter()
                .map(|&idx| &self.events[idx])
        };
        if let (Some(first), Some(last), true) = (events().next(), events().next_back(), n_bins > 0)
        {
            let starts = slice_starts(first.time, last.time, n_bins);
            let mut bin = 0;
            for event in events() {
                let time = event.time;
                let after_start = bin == 0 || starts[bin - 1] <= time;
                if !(after_start && starts.get(bin).is_none_or(|next| time < *next)) {
                    bin = starts.partition_point(|start| *start <= time);
                }
                counts[bin][event.kind as usize] += 1;
            }
        }
        counts
            .into_iter()
            .map(|per_kind| {
                let n_events = per_kind.iter().sum();
                let main_kind = (n_events > 0)
                    .then(|| per_kind.iter().enumerate().max_by_key(|(_, &n)| n))
                    .flatten()
                    .map(|(kind, _)| kind);
                DensityBin {
                    n_events,
                    main_kind,
                }
            })
            .collect()
    }

    fn line(&self, stream: &str) -> Option<&StreamLine> {
        self.stream_by_name
            .get(stream)
            .map(|&idx| &self.streams[idx])
    }
}

impl StreamLine {
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
fn compact(event: &Event, raw: Option<Span>) -> Body {
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
    Body::Json(Box::new(JsonBody {
        text: text.into_boxed_str(),
        span: raw,
    }))
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
