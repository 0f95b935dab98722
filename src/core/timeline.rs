//! The timeline: the event log indexed for time travel.
//!
//! Events keep the order the source gave them (the log is append-only). Each stream (aggregate)
//! keeps the positions of its events, a running time index, and **snapshots** of its state every
//! `SNAPSHOT_EVERY` events, so that the state after any event is the nearest snapshot plus a
//! replay of fewer than `SNAPSHOT_EVERY` events, never a replay from zero. A **temporal query**
//! (`position_at_time`) is a binary search over the running maximum of event times.
//!
//! The timeline is built incrementally with `push`, so that a large source can be ingested in
//! slices, and the problems found while replaying (a patch that does not apply, a version that
//! goes backwards) are kept with the place they happened.
//!
//! Events are kept compact: what lists and indexes need (stream, version, time, type, author)
//! as plain fields, and the rest of each event as compact JSON text that is parsed only when the
//! event is replayed or shown. A parsed event tree is several times larger than its text, and a
//! million of them would not fit.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::core::decode::{Place, Problem};
use crate::core::event::{Change, Event};
use crate::core::projection::Projection;
use crate::core::reduce;

/// How many events lie between two snapshots of a stream's state.
pub const SNAPSHOT_EVERY: usize = 64;

/// The loaded log, indexed per stream.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// Rules and upcasters that decide how events become state, if any.
    projection: Option<Arc<Projection>>,
    events: Vec<Stored>,
    streams: Vec<StreamLine>,
    stream_by_name: HashMap<String, usize>,
    kinds: Vec<String>,
    kind_by_name: HashMap<String, u32>,
    problems: Vec<Problem>,
    naive_times: bool,
}

/// An event as the timeline keeps it: the fields lists and indexes need, and the rest as compact
/// JSON (`Body`).
#[derive(Clone, Debug)]
struct Stored {
    seq: u64,
    stream: u32,
    version: u64,
    position: Option<u64>,
    time: DateTime<Utc>,
    kind: u32,
    id: Option<Box<str>>,
    user: Option<Box<str>>,
    body: Box<str>,
}

/// The part of an event kept as text.
#[derive(Serialize, Deserialize)]
struct Body<D, M, C, S> {
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
}

/// One stream: the positions of its events in the log, its time index and its snapshots.
#[derive(Clone, Debug)]
pub struct StreamLine {
    name: String,
    /// Indexes into the log of this stream's events, in log order.
    event_idx: Vec<usize>,
    /// The version of each event, in the same order.
    versions: Vec<u64>,
    /// `max_time[p]` is the latest time among the stream's events `0..=p`.
    max_time: Vec<DateTime<Utc>>,
    /// `snapshots[k]` is the state after the first `k * SNAPSHOT_EVERY` events.
    snapshots: Vec<Value>,
    /// The state after the last event so far.
    head: Value,
    versions_ascend: bool,
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

    /// The same log replayed with another projection (or none): events go back to their stored
    /// form first, so upcasters see them as the source wrote them.
    pub fn replay_with(&self, projection: Option<Arc<Projection>>) -> Timeline {
        let mut timeline = Timeline::with_projection(projection);
        for idx in 0..self.events.len() {
            let mut event = self.event(idx);
            if let Some(stored) = event.stored.take() {
                event.data = stored;
                event.meta.remove("upcast_to");
            }
            timeline.push(vec![event]);
        }
        timeline
    }

    /// The projection this timeline replays with.
    pub fn projection(&self) -> Option<&Projection> {
        self.projection.as_deref()
    }

    /// Appends events to the log, upcasting and replaying each into its stream's state.
    pub fn push(&mut self, events: Vec<Event>) {
        self.events.reserve(events.len());
        for mut event in events {
            if let Some(projection) = self.projection.as_deref().filter(|p| p.has_upcasters()) {
                for message in projection.upcast(&mut event) {
                    self.problems.push(Problem {
                        place: place_of(&event),
                        message,
                    });
                }
            }
            let stream_idx = match self.stream_by_name.get(&event.stream) {
                Some(&idx) => idx,
                None => {
                    self.stream_by_name
                        .insert(event.stream.clone(), self.streams.len());
                    self.streams.push(StreamLine::new(event.stream.clone()));
                    self.streams.len() - 1
                }
            };
            let kind_idx = match self.kind_by_name.get(&event.kind) {
                Some(&idx) => idx,
                None => {
                    self.kinds.push(event.kind.clone());
                    let idx = (self.kinds.len() - 1) as u32;
                    self.kind_by_name.insert(event.kind.clone(), idx);
                    idx
                }
            };
            self.naive_times |= event.meta.contains_key("time_zone_assumed");
            let log_idx = self.events.len();
            let line = &mut self.streams[stream_idx];
            if let Some(&prev_version) = line.versions.last() {
                if event.version <= prev_version {
                    line.versions_ascend = false;
                    self.problems.push(Problem {
                        place: place_of(&event),
                        message: format!(
                            "version {} does not follow version {prev_version} of the same stream",
                            event.version
                        ),
                    });
                }
            }
            if let Err(err) = reduce::apply_with(&mut line.head, &event, self.projection.as_deref())
            {
                self.problems.push(Problem {
                    place: place_of(&event),
                    message: format!("{err}; the state is left as it was"),
                });
            }
            let max_time = line
                .max_time
                .last()
                .map_or(event.time, |&t| t.max(event.time));
            line.max_time.push(max_time);
            line.event_idx.push(log_idx);
            line.versions.push(event.version);
            if line.event_idx.len().is_multiple_of(SNAPSHOT_EVERY) {
                line.snapshots.push(line.head.clone());
            }
            self.events
                .push(compact(event, stream_idx as u32, kind_idx));
        }
    }

    /// The number of events in the log.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when the log has no events.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The event at a log position, parsed from its compact form.
    pub fn event(&self, log_idx: usize) -> Event {
        let stored = &self.events[log_idx];
        let body: Body<Value, Map<String, Value>, Change, Value> =
            serde_json::from_str(&stored.body).expect("the timeline wrote this body itself");
        Event {
            seq: stored.seq,
            stream: self.streams[stored.stream as usize].name.clone(),
            version: stored.version,
            position: stored.position,
            id: stored.id.as_deref().map(str::to_string),
            kind: self.kinds[stored.kind as usize].clone(),
            time: stored.time,
            data: body.data,
            meta: body.meta,
            change: body.change,
            stored: body.stored,
        }
    }

    /// What lists show of the event at a log position.
    pub fn head(&self, log_idx: usize) -> EventHead<'_> {
        let stored = &self.events[log_idx];
        EventHead {
            seq: stored.seq,
            stream: &self.streams[stored.stream as usize].name,
            version: stored.version,
            time: stored.time,
            kind: &self.kinds[stored.kind as usize],
            id: stored.id.as_deref(),
            user: stored.user.as_deref(),
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
        &self.kinds
    }

    /// The index of an event type in `kinds`.
    pub fn kind_index(&self, kind: &str) -> Option<usize> {
        self.kind_by_name.get(kind).map(|&idx| idx as usize)
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

    /// True when the log has a stream with this name.
    pub fn has_stream(&self, stream: &str) -> bool {
        self.stream_by_name.contains_key(stream)
    }

    /// The number of events in a stream (0 for an unknown stream).
    pub fn stream_len(&self, stream: &str) -> usize {
        self.line(stream).map_or(0, |line| line.event_idx.len())
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

    /// The state of a stream after the event at `pos`, or before any event when `pos` is `None`.
    /// It starts from the nearest snapshot, so at most `SNAPSHOT_EVERY - 1` events are replayed.
    pub fn state_after(&self, stream: &str, pos: Option<usize>) -> Value {
        let Some(line) = self.line(stream) else {
            return Value::Null;
        };
        let Some(pos) = pos else {
            return Value::Null;
        };
        let n_applied = (pos + 1).min(line.event_idx.len());
        if n_applied == line.event_idx.len() {
            return line.head.clone();
        }
        let snapshot_k = n_applied / SNAPSHOT_EVERY;
        let mut state = line.snapshots[snapshot_k].clone();
        for &idx in &line.event_idx[snapshot_k * SNAPSHOT_EVERY..n_applied] {
            // A failed event was reported when the timeline was built; replay skips it the same way.
            let _ = reduce::apply_with(&mut state, &self.event(idx), self.projection.as_deref());
        }
        state
    }

    /// The position of the last event at or before `time`: the state as of `time` is the state
    /// after it. `None` when the stream has no event that early.
    pub fn position_at_time(&self, stream: &str, time: DateTime<Utc>) -> Option<usize> {
        let line = self.line(stream)?;
        line.max_time.partition_point(|&t| t <= time).checked_sub(1)
    }

    /// The position of the event with this version in a stream.
    pub fn position_of_version(&self, stream: &str, version: u64) -> Option<usize> {
        let line = self.line(stream)?;
        if line.versions_ascend {
            line.versions.binary_search(&version).ok()
        } else {
            line.versions.iter().position(|&v| v == version)
        }
    }

    /// The stream's events in `n_bins` equal slices of its time span, for the density strip.
    pub fn density(&self, stream: &str, n_bins: usize) -> Vec<DensityBin> {
        let mut counts = vec![vec![0usize; self.kinds.len()]; n_bins];
        let events: Vec<EventHead<'_>> = self.stream_heads(stream).collect();
        if let (Some(first), Some(last), true) = (events.first(), events.last(), n_bins > 0) {
            let start = first.time.timestamp_millis();
            let span = (last.time.timestamp_millis() - start).max(1) as f64;
            for event in &events {
                let offset = (event.time.timestamp_millis() - start).max(0) as f64;
                let bin = ((offset / span) * n_bins as f64) as usize;
                let kind = self.kind_index(event.kind).unwrap_or(0);
                counts[bin.min(n_bins - 1)][kind] += 1;
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
            versions: Vec::new(),
            max_time: Vec::new(),
            snapshots: vec![Value::Null],
            head: Value::Null,
            versions_ascend: true,
        }
    }
}

fn place_of(event: &Event) -> Place {
    Place::Event {
        stream: event.stream.clone(),
        version: event.version,
    }
}

/// The compact form of an event: its body as JSON text.
fn compact(event: Event, stream: u32, kind: u32) -> Stored {
    let user = event.user().map(Box::from);
    let body = Body {
        data: &event.data,
        meta: &event.meta,
        change: &event.change,
        stored: event.stored.as_ref(),
    };
    Stored {
        seq: event.seq,
        stream,
        version: event.version,
        position: event.position,
        time: event.time,
        kind,
        id: event.id.map(String::into_boxed_str),
        user,
        body: serde_json::to_string(&body)
            .expect("JSON values always serialize")
            .into_boxed_str(),
    }
}
