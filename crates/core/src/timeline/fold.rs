//! Replay: each stream folded a slice at a time from its last state (`fold_some`), leaving
//! snapshots behind as the parent module explains, and the state at any position as the nearest
//! snapshot plus a short replay (`state_after`), with what a span of events touched.

use serde_json::Value;

use super::{read_own, state_text, Body, StreamLine, Timeline, SNAPSHOT_EVERY, TOUCHED_MAX_EVENTS};
use crate::diff::touched::Touched;
use crate::event::Change;
use crate::problem::{Place, Problem, ProblemKind};
use crate::reduce::{self, ReduceError};

impl Timeline {
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
    pub(super) fn fold_stream(&mut self, stream: usize, budget: usize) -> usize {
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
            let idx = line.event_idx[pos] as usize;
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
    pub(super) fn head_state(&self, line: &StreamLine) -> Value {
        read_own(&line.head).unwrap_or_else(|_| self.replay_from_start(line, line.folded))
    }

    /// The state after a stream's first `n_applied` events, replayed from `null`: the answer
    /// when a state kept as text cannot be read back, which only a bug could cause.
    pub(super) fn replay_from_start(&self, line: &StreamLine, n_applied: usize) -> Value {
        let mut state = Value::Null;
        for idx in line.log_idxs().take(n_applied) {
            let _ = self.apply_event(&mut state, idx);
        }
        state
    }

    /// Where an event is: its line in the source, where the source has lines, and its stream and
    /// version.
    pub(super) fn place_of_stored(&self, log_idx: usize) -> Place {
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
    pub(super) fn apply_event(&self, state: &mut Value, log_idx: usize) -> Result<(), ReduceError> {
        match self.change_of(log_idx)? {
            Some((change, data)) => reduce::apply_change(state, &change, &data),
            None => reduce::apply_with(state, &self.event(log_idx), self.projection.as_deref()),
        }
    }

    /// The change the event at a log position makes, and its data (which a merge merges);
    /// `None` when a projection rule applies the event instead. An event in a source that no
    /// rule touches is read back from its change alone, without parsing the rest of its record.
    pub(super) fn change_of(&self, log_idx: usize) -> Result<Option<(Change, Value)>, ReduceError> {
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
            (reader.body)(text).map_err(|err| ReduceError::Record(err.into()))?;
        }
        if ruled {
            return Ok(None);
        }
        let event = self.event(log_idx);
        Ok(Some((event.change, event.data)))
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
        for idx in line.log_idxs_in(start..n_applied) {
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
        for idx in line.log_idxs_in(start..end) {
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
        for (pos, idx) in line.log_idxs().enumerate() {
            // A failed event is reported when it is folded; replay skips it the same way.
            let _ = self.apply_event(&mut state, idx);
            visit(pos, &state);
        }
    }
}
