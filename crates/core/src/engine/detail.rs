//! The engine's answers about one stream or one event: what the timeline draws of a stream (its
//! event types, its span and density), an event in full (its record as stored, its change in
//! words, its upcast data), a window of the event list under a filter, an event's trail, and a
//! stream's history with what each event changed (the printed report).

use chronoscope_protocol as wire;

use crate::diff::diff;
use crate::event::Event;
use crate::event_query::{filtered_positions, parse_event_query};
use crate::timeline::Timeline;
use crate::trail::{trail_of, trail_pointers, Trail};
use crate::view::list_window::Shown;
use crate::view::text::{change_line, change_words};

/// The event list's last filtering, kept so that scrolling a filtered list does not filter
/// the stream again for every window.
#[derive(Debug, Default)]
pub struct ListCache {
    key: Option<ListKey>,
    shown: Shown,
    problem: Option<String>,
}

/// What a filtering depends on: the source (its generation, which changes with each open and
/// append), the stream, its length and the filter.
#[derive(Debug, PartialEq, Eq)]
struct ListKey {
    generation: u64,
    stream: String,
    n_events: usize,
    filter: String,
}

impl Default for Shown {
    fn default() -> Shown {
        Shown::All(0)
    }
}

impl ListCache {
    /// The rows of the stream's list under `filter`, and why the filter cannot be read where
    /// it cannot (every event is then a row), filtered again only when something changed.
    fn shown(
        &mut self,
        timeline: &Timeline,
        generation: u64,
        stream: &str,
        filter: &str,
    ) -> (&Shown, Option<&String>) {
        let key = ListKey {
            generation,
            stream: stream.to_string(),
            n_events: timeline.stream_len(stream),
            filter: filter.to_string(),
        };
        if self.key.as_ref() != Some(&key) {
            let all = Shown::All(key.n_events);
            (self.shown, self.problem) = match filtered_positions(timeline, stream, filter) {
                Ok(Some(positions)) => (Shown::Only(positions), None),
                Ok(None) => (all, None),
                Err(err) => (all, Some(err.to_string())),
            };
            self.key = Some(key);
        }
        (&self.shown, self.problem.as_ref())
    }
}

/// A window of a stream's event list: what `Request::Events` asks.
pub(super) struct ListWindowAsked<'a> {
    pub stream: &'a str,
    pub from: usize,
    pub len: usize,
    pub filter: Option<&'a str>,
    pub find: Option<usize>,
}

/// Up to `len` rows of a stream's event list from row `from`, the list being the stream's
/// events or, with a filter, those it matches, and the row of the position asked to `find`.
/// A filter that cannot be read is not applied, and the answer says why.
pub(super) fn event_rows(
    timeline: &Timeline,
    generation: u64,
    cache: &mut ListCache,
    asked: ListWindowAsked<'_>,
) -> wire::Answer {
    let filter = asked.filter.unwrap_or("");
    let (shown, problem) = cache.shown(timeline, generation, asked.stream, filter);
    let n_rows = shown.len();
    let end = n_rows.min(asked.from.saturating_add(asked.len));
    let rows = (asked.from.min(end)..end)
        .filter_map(|row| event_row(timeline, asked.stream, shown.position(row)?))
        .collect();
    wire::Answer::Events {
        from: asked.from.min(end),
        rows,
        n_rows,
        filter_problem: problem.cloned(),
        found_row: asked.find.and_then(|pos| shown.row_of(pos)),
    }
}

/// What the protocol shows of an event in a list; `None` where the stream has no such
/// position.
pub(super) fn event_row(timeline: &Timeline, stream: &str, pos: usize) -> Option<wire::EventRow> {
    let head = timeline.head_at(stream, pos)?;
    Some(wire::EventRow {
        pos,
        seq: head.seq,
        version: head.version,
        occurrence: timeline.occurrence_at(stream, pos),
        time: head.timed.then_some(head.time),
        kind: head.kind.to_string(),
        id: head.id.map(str::to_string),
        user: head.user.map(str::to_string),
        stream: None,
    })
}

/// The last search across streams, kept so that scrolling its results does not search the
/// whole log again for every window: what it depends on (the source's generation, the log's
/// length, the query), the places in the log that matched, and why the query cannot be read.
#[derive(Debug, Default)]
pub struct SearchCache {
    key: Option<(u64, usize, String)>,
    matches: Vec<usize>,
    problem: Option<String>,
}

impl SearchCache {
    fn search(&mut self, timeline: &Timeline, generation: u64, query: &str) -> &SearchCache {
        let key = (generation, timeline.len(), query.to_string());
        if self.key.as_ref() != Some(&key) {
            (self.matches, self.problem) = match parse_event_query(query) {
                Ok(query) => (query.log_positions(timeline), None),
                Err(err) => (Vec::new(), Some(err.to_string())),
            };
            self.key = Some(key);
        }
        self
    }
}

/// The search across streams: a window of the events of every stream that the event query
/// matches, in log order, each row naming its stream. A query that cannot be read matches
/// nothing, and says why.
pub(super) fn search(
    timeline: &Timeline,
    generation: u64,
    cache: &mut SearchCache,
    asked: (&str, usize, usize),
) -> wire::Answer {
    let (query, from, len) = asked;
    let SearchCache {
        matches, problem, ..
    } = cache.search(timeline, generation, query);
    let end = matches.len().min(from.saturating_add(len));
    let start = from.min(end);
    let rows = matches[start..end]
        .iter()
        .filter_map(|&log_idx| {
            let (stream, mut row) = locate(timeline, log_idx as u64)?;
            row.stream = Some(stream);
            Some(row)
        })
        .collect();
    wire::Answer::Events {
        from: start,
        rows,
        n_rows: matches.len(),
        filter_problem: problem.clone(),
        found_row: None,
    }
}

/// The stream and row of the event at a place in the log.
pub(super) fn locate(timeline: &Timeline, seq: u64) -> Option<(String, wire::EventRow)> {
    let log_idx = usize::try_from(seq)
        .ok()
        .filter(|&idx| idx < timeline.len())?;
    let stream = timeline.head(log_idx).stream.to_string();
    let pos = timeline.position_in_stream(&stream, log_idx)?;
    let row = event_row(timeline, &stream, pos)?;
    Some((stream, row))
}

/// A stream as the timeline draws it, with its density in `bins` bins (at most
/// `wire::MAX_BINS`).
pub(super) fn stream_info(timeline: &Timeline, stream: &str, bins: usize) -> wire::StreamInfo {
    let mut kinds: Vec<wire::KindInfo> = timeline
        .stream_kinds(stream)
        .into_iter()
        .filter_map(|kind| {
            Some(wire::KindInfo {
                kind: kind.to_string(),
                kind_index: timeline.kind_index(kind)?,
            })
        })
        .collect();
    kinds.sort_by_key(|k| k.kind_index);
    let n_events = timeline.stream_len(stream);
    let span = span(timeline, stream, n_events);
    let density = match span {
        Some(_) => timeline
            .density(stream, bins.min(wire::MAX_BINS))
            .into_iter()
            .map(|bin| wire::Bin {
                n_events: bin.n_events,
                main_kind: bin.main_kind,
            })
            .collect(),
        None => Vec::new(),
    };
    wire::StreamInfo {
        name: stream.to_string(),
        n_events,
        kinds,
        span,
        density,
    }
}

/// The first and last event's times, where the stream's events have times.
fn span(
    timeline: &Timeline,
    stream: &str,
    n_events: usize,
) -> Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    if !timeline.stream_has_times(stream) {
        return None;
    }
    let first = timeline.head_at(stream, 0)?.time;
    let last = timeline.head_at(stream, n_events.checked_sub(1)?)?.time;
    Some((first, last))
}

/// The event at `pos` in full, or `None` where the stream has no such position.
pub(super) fn event_detail(
    timeline: &Timeline,
    stream: &str,
    pos: usize,
) -> Option<wire::EventDetail> {
    let row = event_row(timeline, stream, pos)?;
    let event = timeline.event_at(stream, pos)?;
    let change = change_words(&event.change, &event.kind, timeline.projection());
    let (record, stored) = match timeline.record_text_at(stream, pos) {
        Some(text) => (text.to_string(), true),
        None => (decoded_payload(&event), false),
    };
    let upcast = event.stored.as_ref().map(|stored| wire::Upcast {
        to: event
            .meta
            .get("upcast_to")
            .map(|v| v.to_string())
            .unwrap_or_default(),
        stored: stored.clone(),
        upcast: event.data.clone(),
    });
    Some(wire::EventDetail {
        row,
        change,
        record,
        stored,
        upcast,
    })
}

/// An event whose source's bytes are not kept, as it was decoded before any upcasting, and
/// without the fields Chronoscope adds itself (`event::ADDED_META`, the change).
fn decoded_payload(event: &Event) -> String {
    let (data, meta) = event.stored_data_and_meta();
    let payload = serde_json::json!({
        "id": event.id,
        "data": data,
        "meta": meta,
    });
    serde_json::to_string_pretty(&payload).unwrap_or_default()
}

/// The trail of the event at `pos`, or `None` where the stream has no such position.
pub(super) fn trail(
    timeline: &Timeline,
    format: crate::decode::Format,
    stream: &str,
    pos: usize,
) -> Option<wire::Trail> {
    let log_idx = timeline.log_position(stream, pos)?;
    let pointers = trail_pointers(timeline.projection(), format);
    Some(match trail_of(timeline, log_idx, &pointers) {
        Trail::NoCorrelation { looked_at } => wire::Trail {
            correlation: None,
            looked_at,
            steps: Vec::new(),
        },
        Trail::Found {
            correlation,
            entries,
        } => wire::Trail {
            correlation: Some(correlation),
            looked_at: pointers.correlation.clone(),
            steps: entries
                .iter()
                .filter_map(|entry| trail_step(timeline, entry))
                .collect(),
        },
    })
}

fn trail_step(timeline: &Timeline, entry: &crate::trail::TrailEntry) -> Option<wire::TrailStep> {
    let stream = timeline.head(entry.log_idx).stream.to_string();
    let pos = timeline.position_in_stream(&stream, entry.log_idx)?;
    Some(wire::TrailStep {
        row: event_row(timeline, &stream, pos)?,
        stream,
        depth: entry.depth,
        caused_by: entry.caused_by,
    })
}

/// The history of a stream up to the event at `upto` (`None`: before its first): the last `max`
/// events up to there (at most `MAX_HISTORY`), each with what it changed, in one replay of the
/// stream.
pub(super) fn history(
    timeline: &Timeline,
    stream: &str,
    upto: Option<usize>,
    max: usize,
) -> wire::History {
    let n_events = timeline.stream_len(stream);
    let end = upto.map_or(0, |pos| pos.saturating_add(1).min(n_events));
    let first = end.saturating_sub(max.min(wire::MAX_HISTORY));
    let mut rows = Vec::with_capacity(end - first);
    let mut before = serde_json::Value::Null;
    timeline.replay_stream(stream, |pos, state| {
        if (first..end).contains(&pos) {
            let changes = diff(&before, state).iter().map(change_line).collect();
            if let Some(row) = event_row(timeline, stream, pos) {
                rows.push(wire::HistoryRow { row, changes });
            }
        }
        // Only the state before the first row and those after it are kept to compare with.
        if pos.saturating_add(1) >= first && pos < end {
            before = state.clone();
        }
    });
    wire::History {
        rows,
        n_left_out: first,
        n_after: n_events - end,
    }
}
