//! The compact event store: events indexed as they arrive (`push_record`, `push_event`), each
//! kept as its index fields (stream, version, time, type, author) and its body, either a span of
//! the source text or compact JSON, with events sent again dropped and names kept once each; and
//! an event read back from its body.

use std::num::NonZeroU32;
use std::ops::Range;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{
    aside, compact, line_number, read_own, seq_kept, unreadable, Body, BodyFields, IndexedRecord,
    JsonBody, RecordBody, Span, Stored, StoredForm, StreamLine, Timeline, BIG_VERSION,
};
use crate::event::{Change, Event};
use crate::problem::{Place, Problem, ProblemKind, RecordUnread};
use crate::source_text::{same_text, SourceText};

impl Timeline {
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
        source: &SourceText,
        range: Range<usize>,
        record: IndexedRecord<'_>,
    ) -> bool {
        let Some(body) = self.source_body(source, range) else {
            return false;
        };
        self.naive_times |= record.zone_assumed;
        let stream = self.stream_hinted(record.stream, record.stream_hint);
        let (stream, kind, user) = self.intern_and_index(
            stream,
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
        at: Option<(&SourceText, Range<usize>)>,
        line: Option<usize>,
    ) {
        let text = at
            .as_ref()
            .and_then(|(source, range)| source.get(range.clone()));
        if self.is_resent(&event.stream, event.version, text, event.id.as_deref()) {
            return;
        }
        self.naive_times |= event.meta.contains_key("time_zone_assumed");
        let stream = self.stream_index_or_add(&event.stream);
        let (stream, kind, user) =
            self.intern_and_index(stream, &event.kind, event.user(), event.version, event.time);
        let raw = at.and_then(|(source, range)| self.span(source, range));
        let body = match raw {
            Some(span) if event.stored.is_none() && self.reader.is_some() => Body::Source(span),
            raw => self.keep_json(compact(&event, raw)),
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
    pub(super) fn keep_aside(
        &mut self,
        version: u64,
        id: Option<String>,
        position: Option<u64>,
    ) -> u32 {
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
    pub(super) fn version_at(&self, log_idx: usize) -> u64 {
        match self.events[log_idx].version {
            BIG_VERSION => aside(&self.big_versions, log_idx).map_or(u64::MAX, |v| *v),
            version => u64::from(version),
        }
    }

    /// The id of the event at a log position, if it has one.
    pub(super) fn id_at(&self, log_idx: usize) -> Option<&str> {
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
    pub(super) fn held_version(&self, stream: &str, version: u64) -> Option<usize> {
        let line = self.line(stream)?;
        let last = line.log_idxs().next_back()?;
        if line.versions_ascend && version > self.version_at(last) {
            return None;
        }
        let pos = self.position_in_line(line, version)?;
        line.log_idx(pos)
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

    pub(super) fn stored_form(&self, idx: usize, decoded: bool) -> StoredForm<'_> {
        let stored = &self.events[idx];
        let line = stored.line.map(|line| line.get() as usize);
        let at = self.span_of(&stored.body).map(|span| self.span_at(span));
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
                        stream_hint: Some(stored.stream as usize),
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
    pub(super) fn source_body(&mut self, source: &SourceText, range: Range<usize>) -> Option<Body> {
        self.reader?;
        self.span(source, range).map(Body::Source)
    }

    /// The source text and range of a span.
    pub(super) fn span_at(&self, span: Span) -> (&SourceText, Range<usize>) {
        let start = span.start as usize;
        (
            &self.sources[span.source.get() as usize - 1],
            start..start + span.len as usize,
        )
    }

    /// Keeps a source text (once) and says where a record in it is; `None` when the range is
    /// not in the text or past the 32-bit offsets.
    pub(super) fn span(&mut self, source: &SourceText, range: Range<usize>) -> Option<Span> {
        source.get(range.clone())?;
        let start = u32::try_from(range.start).ok()?;
        let len = u32::try_from(range.len()).ok()?;
        let source_idx = match self.sources.last() {
            Some(last) if same_text(last, source) => self.sources.len() - 1,
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
    pub(super) fn intern_and_index(
        &mut self,
        stream: usize,
        kind: &str,
        user: Option<&str>,
        version: u64,
        time: DateTime<Utc>,
    ) -> (u32, u32, Option<NonZeroU32>) {
        let user = user.and_then(|user| NonZeroU32::new(self.users.add(user).saturating_add(1)));
        let kind = self.kinds.add(kind);
        self.index(stream, kind, version, time);
        (stream as u32, kind, user)
    }

    /// Puts the next event of a stream in the stream's indexes, to be folded later.
    pub(super) fn index(&mut self, stream: usize, kind: u32, version: u64, time: DateTime<Utc>) {
        let log_idx = self.events.len();
        let previous = self.streams[stream].log_idxs().next_back();
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
                line.max_time = line.log_idxs().map(|i| events[i].time).collect();
                line.max_time.push(prev_time);
            }
            (None, _) => {}
        }
        line.event_idx.push(seq_kept(log_idx as u64));
        self.fold_from = self.fold_from.min(stream);
    }

    /// The stream's index: where `hint` says, if the stream there has this name, else as
    /// `stream_index_or_add` finds it. A log of 400,000 streams spent a sixth of its indexing
    /// looking names up in a table too large for the cache (`perf`, 20 M events).
    pub(super) fn stream_hinted(&mut self, stream: &str, hint: Option<usize>) -> usize {
        match hint {
            Some(idx)
                if self
                    .streams
                    .get(idx)
                    .is_some_and(|line| line.name == stream) =>
            {
                idx
            }
            _ => self.stream_index_or_add(stream),
        }
    }

    pub(super) fn stream_index_or_add(&mut self, stream: &str) -> usize {
        if let Some(&idx) = self.stream_by_name.get(stream) {
            return idx;
        }
        self.stream_by_name
            .insert(stream.to_string(), self.streams.len());
        self.streams.push(StreamLine::new(stream.to_string()));
        self.streams.len() - 1
    }

    /// The store position of the event at a log position, where its source has one.
    pub(super) fn position_of(&self, log_idx: usize) -> Option<u64> {
        aside(&self.positions, log_idx).copied()
    }

    /// The author of an event, by name.
    pub(super) fn user_of(&self, stored: &Stored) -> Option<&str> {
        stored.user.map(|u| self.users.name(u.get() - 1))
    }

    /// The event at a log position, parsed from its compact form.
    pub fn event(&self, log_idx: usize) -> Event {
        let stored = &self.events[log_idx];
        let (data, meta, change, upcast_from) = match &stored.body {
            &Body::Json(n) => {
                let text = &self.bodies[n as usize].text;
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
                Err(unread) => unreadable(self.text_of(&stored.body), unread.to_string()),
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
    pub(super) fn read_record(&self, text: &str) -> Result<RecordBody, RecordUnread> {
        match self.reader {
            Some(reader) => Ok((reader.body)(text)?),
            None => Err(RecordUnread::NoReader),
        }
    }

    /// The text of a record in a source.
    pub(super) fn text_of(&self, body: &Body) -> &str {
        match *body {
            Body::Json(n) => &self.bodies[n as usize].text,
            Body::Source(span) => self.span_text(span),
        }
    }

    /// Where the event's record is in a source text, if the timeline keeps it.
    fn span_of(&self, body: &Body) -> Option<Span> {
        match *body {
            Body::Source(span) => Some(span),
            Body::Json(n) => self.bodies[n as usize].span,
        }
    }

    /// Keeps an event's body as JSON, aside, and names it. A log holds fewer than 2³² events
    /// (`Stored::seq` is 32 bits too), so every body's number fits.
    fn keep_json(&mut self, body: JsonBody) -> Body {
        let n = u32::try_from(self.bodies.len()).unwrap_or(u32::MAX);
        self.bodies.push(body);
        Body::Json(n)
    }

    /// The text a span points at (empty if it were ever out of its source, which `span`
    /// rules out when the span is made).
    pub(super) fn span_text(&self, span: Span) -> &str {
        let (source, range) = self.span_at(span);
        source.get(range).unwrap_or_default()
    }

    /// The record of the event at a log position, byte for byte as the source stored it (a
    /// line without its line end, an element of an array, an entry of a feed page), where the
    /// timeline keeps it; `None` for an event made without a record (a test's, a sample's).
    pub fn stored_bytes(&self, log_idx: usize) -> Option<&str> {
        let span = self.span_of(&self.events[log_idx].body)?;
        Some(self.span_text(span))
    }

    /// Every event, in log order, each parsed from its compact form.
    pub fn all_events(&self) -> impl Iterator<Item = Event> + '_ {
        (0..self.events.len()).map(|idx| self.event(idx))
    }

    /// The record of the event at a position of a stream, byte for byte as the source stored
    /// it, where the timeline keeps it (Chronoscope's own records, which it points into);
    /// `None` for events kept decoded.
    pub fn record_text_at(&self, stream: &str, pos: usize) -> Option<&str> {
        let log_idx = self.line(stream)?.log_idx(pos)?;
        self.record_text(log_idx)
    }

    /// The stored record of the event at `log_idx` in the log, as `record_text_at` gives it.
    pub fn record_text(&self, log_idx: usize) -> Option<&str> {
        let body = &self.events[(log_idx < self.len()).then_some(log_idx)?].body;
        matches!(body, Body::Source(_)).then(|| self.text_of(body))
    }

    /// The text an event is kept as: its record in the source, or the JSON of its decoded body.
    /// Every string of its payload is in it, as written or as a `\u` escape.
    pub fn stored_text(&self, log_idx: usize) -> &str {
        self.text_of(&self.events[log_idx].body)
    }
}
