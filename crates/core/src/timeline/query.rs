//! The query surface the views ask: the streams and their facts, an event's head and row by
//! position, the temporal query (`position_at_time`) and positions by version, event types,
//! names, and the density strip.

use chrono::{DateTime, Utc};

use super::{
    slice_starts, DensityBin, EventHead, RecordReader, StreamFacts, StreamLine, StreamSummary,
    Timeline,
};
use crate::event::Event;
use crate::problem::Problem;

impl Timeline {
    /// The number of events in the log.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when the log has no events.
    pub fn is_empty(&self) -> bool {
        self.events.len() == 0
    }

    /// The log positions of a stream's events, in order (in 32 bits, as the timeline keeps
    /// them: a log holds fewer than 2³² events).
    pub fn stream_log_positions(&self, stream: &str) -> &[u32] {
        self.line(stream).map_or(&[], |line| &line.event_idx)
    }

    /// The log position of the event at `pos` of a stream.
    pub fn log_position(&self, stream: &str, pos: usize) -> Option<usize> {
        self.line(stream)?.log_idx(pos)
    }

    /// Where the event at `log_idx` of the log is in its stream.
    pub fn position_in_stream(&self, stream: &str, log_idx: usize) -> Option<usize> {
        let idx = u32::try_from(log_idx).ok()?;
        self.line(stream)?.event_idx.binary_search(&idx).ok()
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

    /// The event at a position (from 0) of a stream.
    pub fn event_at(&self, stream: &str, pos: usize) -> Option<Event> {
        let line = self.line(stream)?;
        line.log_idx(pos).map(|idx| self.event(idx))
    }

    /// What lists show of the event at a position of a stream.
    pub fn head_at(&self, stream: &str, pos: usize) -> Option<EventHead<'_>> {
        let line = self.line(stream)?;
        line.log_idx(pos).map(|idx| self.head(idx))
    }

    /// The events of a stream, in order, each parsed from its compact form.
    pub fn stream_events<'a>(&'a self, stream: &str) -> impl Iterator<Item = Event> + 'a {
        self.stream_log_idxs(stream).map(move |idx| self.event(idx))
    }

    /// What lists show of the events of a stream, in order.
    pub fn stream_heads<'a>(&'a self, stream: &str) -> impl Iterator<Item = EventHead<'a>> + 'a {
        self.stream_log_idxs(stream).map(move |idx| self.head(idx))
    }

    /// The log positions of a stream's events, in order; none for a stream the log lacks.
    pub(super) fn stream_log_idxs(
        &self,
        stream: &str,
    ) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.line(stream).into_iter().flat_map(StreamLine::log_idxs)
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

    /// The position of the last event at or before `time`: the state as of `time` is the state
    /// after it. `None` when the stream has no event that early.
    pub fn position_at_time(&self, stream: &str, time: DateTime<Utc>) -> Option<usize> {
        let line = self.line(stream)?;
        let n_before = if line.max_time.is_empty() {
            line.event_idx
                .partition_point(|&idx| self.events[idx as usize].time <= time)
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
    pub(super) fn position_in_line(&self, line: &StreamLine, version: u64) -> Option<usize> {
        let version_at = |idx: &u32| self.version_at(*idx as usize);
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
            .filter(|(_, &idx)| self.version_at(idx as usize) == version)
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
        let Some(log_idx) = line.log_idx(pos) else {
            return 1;
        };
        let version = self.version_at(log_idx);
        1 + line.event_idx[..pos]
            .iter()
            .filter(|&&idx| self.version_at(idx as usize) == version)
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
        let events = || self.stream_log_idxs(stream).map(|idx| &self.events[idx]);
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

    pub(super) fn line(&self, stream: &str) -> Option<&StreamLine> {
        self.stream_by_name
            .get(stream)
            .map(|&idx| &self.streams[idx])
    }
}
