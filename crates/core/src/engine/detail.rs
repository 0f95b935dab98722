//! The engine's answers about one stream or one event: what the timeline draws of a stream (its
//! event types, its span and density), an event in full (its record as stored, its change in
//! words, its upcast data), a window of the event list under a filter, and an event's trail.

use chronoscope_protocol as wire;

use crate::event::Event;
use crate::event_query::filtered_positions;
use crate::timeline::Timeline;
use crate::trail::{trail_of, trail_pointers, Trail};
use crate::view::text::change_words;

/// Up to `len` rows of a stream's event list from row `from`, the list being the stream's
/// events or, with a filter, those it matches. A filter that cannot be read is not applied,
/// and the answer says why.
pub(super) fn event_rows(
    timeline: &Timeline,
    stream: &str,
    from: usize,
    len: usize,
    filter: Option<&str>,
) -> wire::Answer {
    let (shown, filter_problem) = match filtered_positions(timeline, stream, filter.unwrap_or("")) {
        Ok(shown) => (shown, None),
        Err(err) => (None, Some(err.to_string())),
    };
    let n_rows = shown.as_ref().map_or(timeline.stream_len(stream), Vec::len);
    let end = n_rows.min(from.saturating_add(len));
    let pos_of = |row: usize| shown.as_ref().map_or(Some(row), |s| s.get(row).copied());
    let rows = (from.min(end)..end)
        .filter_map(|row| {
            let pos = pos_of(row)?;
            event_row(timeline, stream, pos)
        })
        .collect();
    wire::Answer::Events {
        rows,
        n_rows,
        filter_problem,
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
    })
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
    let log_idx = *timeline.stream_log_positions(stream).get(pos)?;
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
    let pos = timeline
        .stream_log_positions(&stream)
        .binary_search(&entry.log_idx)
        .ok()?;
    Some(wire::TrailStep {
        row: event_row(timeline, &stream, pos)?,
        stream,
        depth: entry.depth,
        caused_by: entry.caused_by,
    })
}
