//! Indexing: the last stages before the timeline. Each decoded event is **upcast** (its old
//! shape brought up to date by the projection's upcasters, which keep the stored form beside the
//! upcast one) and then indexed. Chronoscope's own records that no upcaster or projection rule
//! touches take a shorter way: only what the index needs is read (`canonical::decode_lean`), and
//! the timeline keeps a pointer to the record instead of a copy, reading it back with
//! `CANONICAL_READER` when the event is replayed or shown. The timeline itself knows no decoder.
//!
//! Replaying a loaded log with another projection (`reproject`) goes through the same stages:
//! each event goes back to its stored form, is upcast by the new projection, and is indexed.

use std::ops::Range;
use std::sync::Arc;

use crate::decode::{canonical, Decoder, Record, RecordPlace};
use crate::event::Event;
use crate::problem::{Place, Problem, ProblemKind};
use crate::projection::Projection;
use crate::timeline::{IndexedRecord, RecordBody, RecordReader, StoredForm, Timeline};

/// How the timeline reads back a canonical record it keeps in place.
pub const CANONICAL_READER: RecordReader = RecordReader {
    change: canonical::decode_change,
    body: canonical_body,
};

fn canonical_body(text: &str) -> Result<RecordBody, String> {
    canonical::decode_text(text)
        .map(|draft| RecordBody {
            data: draft.data,
            meta: draft.meta,
            change: draft.change,
        })
        .map_err(|err| err.to_string())
}

/// A timeline of decoded events read with a projection: each event is upcast, then indexed,
/// then every stream is folded.
pub fn project(events: Vec<Event>, projection: Option<Arc<Projection>>) -> Timeline {
    let mut timeline = Timeline::with_projection(projection);
    for event in events {
        index_event(&mut timeline, event, None, None);
    }
    timeline.fold();
    timeline
}

/// The same log replayed with another projection (or none): events go back to their stored
/// form first, so that upcasters see them as the source wrote them. Events kept as their
/// records are indexed again as they are, unless upcasters might change them.
pub fn reproject(timeline: &Timeline, projection: Option<Arc<Projection>>) -> Timeline {
    let upcasting = projection.as_deref().is_some_and(Projection::has_upcasters);
    let mut replayed = Timeline::with_projection(projection);
    if let Some(reader) = timeline.reader() {
        replayed.set_reader(reader);
    }
    for form in timeline.stored_forms(upcasting) {
        match form {
            StoredForm::Record {
                source,
                range,
                record,
            } => {
                // The record was in this text when it was first indexed, so it still is.
                replayed.push_record(source, range, record);
            }
            StoredForm::Event { event, at, line } => index_event(&mut replayed, *event, at, line),
        }
    }
    if timeline.has_naive_times() {
        replayed.note_naive_times();
    }
    replayed.fold();
    replayed
}

/// Upcasts an event with the timeline's projection, then indexes it. An upcaster that fails is
/// a problem of the event, which is indexed as it was stored.
pub fn index_event(
    timeline: &mut Timeline,
    mut event: Event,
    at: Option<(&Arc<String>, Range<usize>)>,
    line: Option<usize>,
) {
    let messages = match timeline.projection().filter(|p| p.has_upcasters()) {
        Some(projection) => projection.upcast(&mut event),
        None => Vec::new(),
    };
    for message in messages {
        let place = Place::Event {
            stream: event.stream.clone(),
            version: event.version,
        };
        timeline.note_problem(Problem::new(place, ProblemKind::Upcast(message)));
    }
    timeline.push_event(event, at, line);
}

/// Indexes canonical records of one source text, the short way where it can (see the module).
pub fn index_canonical(
    timeline: &mut Timeline,
    decoder: &mut Decoder,
    text: &Arc<String>,
    records: &[Record<'_>],
    problems: &mut Vec<Problem>,
) {
    // The records this indexes stay in place, and are read back the canonical way.
    timeline.set_reader(CANONICAL_READER);
    let upcasting = timeline.projection().is_some_and(Projection::has_upcasters);
    let base = text.as_ptr() as usize;
    let mut events = Vec::with_capacity(1);
    for record in records {
        let line = match record.place {
            RecordPlace::Line(line) => Some(line),
            RecordPlace::Element(_) => None,
        };
        let start = (record.text.as_ptr() as usize).wrapping_sub(base);
        let range = start..start.saturating_add(record.text.len());
        // The record is in this text (compared by address, not by content) and within reach of
        // the timeline's 32-bit offsets.
        let in_text = text.get(range.clone()).map(str::as_ptr) == Some(record.text.as_ptr())
            && range.end <= u32::MAX as usize;
        if in_text
            && !upcasting
            && index_lean(timeline, decoder, text, range.clone(), record.text, line)
        {
            continue;
        }
        decoder.decode(std::slice::from_ref(record), &mut events, problems);
        let at = (in_text && events.len() == 1).then(|| (text, range.clone()));
        for event in events.drain(..) {
            index_event(timeline, event, at.clone(), line);
        }
    }
}

/// Indexes a well-formed record that no projection rule touches, reading only what the index
/// needs; false for anything else, which takes the full way.
fn index_lean(
    timeline: &mut Timeline,
    decoder: &mut Decoder,
    text: &Arc<String>,
    range: Range<usize>,
    record: &str,
    line: Option<usize>,
) -> bool {
    let Some(lean) = canonical::decode_lean(record) else {
        return false;
    };
    if timeline
        .projection()
        .is_some_and(|p| p.has_rules(&lean.kind))
    {
        return false;
    }
    // An event sent again is dropped before it takes a log position, so that none is skipped.
    if let Some(version) = lean.version {
        if timeline.is_resent(&lean.stream, version, Some(record), lean.id.as_deref()) {
            return true;
        }
    }
    let (seq, version) = decoder.place(&lean.stream, lean.version, lean.time);
    timeline.push_record(
        text,
        range,
        IndexedRecord {
            seq,
            stream: &lean.stream,
            kind: &lean.kind,
            user: lean.user.as_deref(),
            version,
            time: lean.time,
            id: lean.id,
            zone_assumed: lean.zone_assumed,
            line,
        },
    )
}
