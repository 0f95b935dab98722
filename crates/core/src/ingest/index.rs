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

use crate::decode::canonical::{self, Lean};
use crate::decode::{Decoder, Record, RecordPlace};
use crate::event::Event;
use crate::problem::{DecodeError, Place, Problem, ProblemKind};
use crate::projection::Projection;
use crate::source_text::SourceText;
use crate::timeline::{IndexedRecord, RecordBody, RecordReader, StoredForm, Timeline};

/// How the timeline reads back a canonical record it keeps in place.
pub const CANONICAL_READER: RecordReader = RecordReader {
    change: canonical::decode_change,
    body: canonical_body,
};

fn canonical_body(text: &str) -> Result<RecordBody, DecodeError> {
    canonical::decode_text(text).map(|draft| RecordBody {
        data: draft.data,
        meta: draft.meta,
        change: draft.change,
    })
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
    at: Option<(&SourceText, Range<usize>)>,
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
    text: &SourceText,
    records: &[Record<'_>],
    problems: &mut Vec<Problem>,
) {
    let upcasting = timeline.projection().is_some_and(Projection::has_upcasters);
    let scanned: Vec<Scanned<'_>> = records
        .iter()
        .map(|record| Scanned::of(*record, upcasting))
        .collect();
    index_scanned(timeline, decoder, text, &scanned, problems);
}

/// A canonical record, and what the index needs of it when it can be read the short way
/// (`canonical::decode_lean`): read apart from indexing, so that the blocks of a large source
/// can be read on every core and indexed in order after (`Ingest::step`).
#[derive(Debug)]
pub struct Scanned<'a> {
    pub record: Record<'a>,
    pub lean: Option<Lean<'a>>,
}

impl<'a> Scanned<'a> {
    /// Reads a record the short way, unless upcasters might change it (they need it in full).
    pub fn of(record: Record<'a>, upcasting: bool) -> Scanned<'a> {
        let lean = match upcasting {
            true => None,
            false => canonical::decode_lean(record.text),
        };
        Scanned { record, lean }
    }
}

/// Indexes canonical records of one source text already read (`Scanned::of`): the short way
/// where it can, else each decoded in full.
pub fn index_scanned(
    timeline: &mut Timeline,
    decoder: &mut Decoder,
    text: &SourceText,
    records: &[Scanned<'_>],
    problems: &mut Vec<Problem>,
) {
    // The records this indexes stay in place, and are read back the canonical way.
    timeline.set_reader(CANONICAL_READER);
    let base = text.as_ptr() as usize;
    let mut events = Vec::with_capacity(1);
    for Scanned { record, lean } in records {
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
        if let Some(lean) = lean.as_ref().filter(|_| in_text) {
            if index_lean(
                timeline,
                decoder,
                text,
                range.clone(),
                record.text,
                lean,
                line,
            ) {
                continue;
            }
        }
        decoder.decode(std::slice::from_ref(record), &mut events, problems);
        let at = (in_text && events.len() == 1).then(|| (text, range.clone()));
        for event in events.drain(..) {
            index_event(timeline, event, at.clone(), line);
        }
    }
}

/// Indexes a well-formed record read the short way (`lean`), unless a projection rule touches
/// its type; false then, and it takes the full way.
fn index_lean(
    timeline: &mut Timeline,
    decoder: &mut Decoder,
    text: &SourceText,
    range: Range<usize>,
    record: &str,
    lean: &Lean<'_>,
    line: Option<usize>,
) -> bool {
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
    let (seq, version, slot) = decoder.place_in_slot(&lean.stream, lean.version, lean.time);
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
            id: lean.id.clone(),
            zone_assumed: lean.zone_assumed,
            line,
            stream_hint: Some(slot),
        },
    )
}
