//! Decoding: from the bytes of a source to canonical events, plus the problems found on the way.
//!
//! Decoding happens in two steps, so that a large source can be decoded in slices without
//! freezing the page. `split_records` finds the JSON records in the text (a JSON array, NDJSON,
//! or `{"events": [...]}`) and remembers where each one is. A `Decoder` then turns records into
//! events, a slice at a time, with the format's own file (`canonical.rs`, ...) doing the field
//! mapping. Adding a format is adding a file and a `Format` variant.
//!
//! Nothing here aborts the whole load: a record that cannot be read becomes a `Problem` that names
//! its place (line or array element) and what is wrong, and every good record still decodes.

pub mod audit_net;
pub mod audit_trigger;
pub mod axon;
pub mod canonical;
pub mod cloudevents;
pub mod continuum;
pub mod csv_text;
pub mod debezium;
pub mod django_auditlog;
pub mod emmett;
pub mod envers;
pub mod eventsourcing;
pub mod eventsourcingdb;
pub mod hstore;
pub mod infer;
pub mod kurrent;
pub mod laravel;
pub mod lean_scan;
pub mod mapping;
pub mod marten;
pub mod paper_trail;
pub mod pghistory;
pub mod reversion;
pub(crate) mod rows;
pub mod simple_history;

use std::borrow::BorrowMut;

use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use rustc_hash::FxHashMap;

use crate::event::{Change, Event};

pub use crate::problem::{DecodeError, Place, Problem, ProblemKind};

/// The key of the first line of Chronoscope's own JSONL export (`export`), which carries the
/// scope.
pub const EXPORT_HEADER: &str = "chronoscope_export";

/// True for the scope line of Chronoscope's own JSONL export, which carries no event.
pub fn is_export_header(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|object| object.len() == 1 && object.contains_key(EXPORT_HEADER))
}

/// The source formats Chronoscope reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Chronoscope's own `{stream, type, time, data, ...}` events.
    Canonical,
    /// KurrentDB / EventStoreDB AtomPub JSON: feeds, entries and single events.
    Kurrent,
    /// CloudEvents 1.0 JSON, single events and batches.
    CloudEvents,
    /// EventSourcingDB's backup and `read-events` lines, with their hash chain.
    EventSourcingDb,
    /// Marten `mt_events` rows.
    Marten,
    /// Debezium change events, with or without the `{schema, payload}` wrapper.
    Debezium,
    /// Laravel auditing `audits` rows.
    Laravel,
    /// paper_trail `versions` rows.
    PaperTrail,
    /// django-auditlog `LogEntry` rows, as table rows or Django's `dumpdata`.
    DjangoAuditlog,
    /// django-simple-history `Historical…` rows, as table rows or Django's `dumpdata`.
    SimpleHistory,
    /// django-reversion's revisions and versions, as Django's `dumpdata` or the version table's
    /// rows.
    Reversion,
    /// The PostgreSQL audit trigger's `audit.logged_actions` rows (hstore or JSON columns).
    AuditTrigger,
    /// SQLAlchemy-Continuum version rows, alone or joined with their transactions.
    Continuum,
    /// django-pghistory event rows, as table rows or Django's `dumpdata`.
    PgHistory,
    /// Emmett's `emt_messages` rows, or its `readStream` events as JSON lines.
    Emmett,
    /// The Python `eventsourcing` package's `stored_events` rows.
    EventSourcing,
    /// Audit.NET events, including Entity Framework entries.
    AuditNet,
    /// Hibernate Envers `_AUD` rows.
    Envers,
    /// Axon `domain_event_entry` rows.
    Axon,
    /// Any other JSON, read with a user's mapping.
    Mapping,
}

impl Format {
    /// Every format, in the order detection tries them; canonical is the fallback, and the
    /// custom mapping is only ever chosen, never detected.
    pub const ALL: [Format; 20] = [
        Format::Kurrent,
        Format::EventSourcingDb,
        Format::CloudEvents,
        Format::Marten,
        Format::Debezium,
        Format::Laravel,
        Format::PaperTrail,
        Format::DjangoAuditlog,
        Format::SimpleHistory,
        Format::Reversion,
        Format::AuditTrigger,
        Format::Continuum,
        Format::PgHistory,
        Format::Emmett,
        Format::EventSourcing,
        Format::AuditNet,
        Format::Envers,
        Format::Axon,
        Format::Canonical,
        Format::Mapping,
    ];

    /// The format's name for people.
    pub fn label(self) -> &'static str {
        match self {
            Format::Canonical => "Chronoscope events",
            Format::Kurrent => "KurrentDB / EventStoreDB",
            Format::CloudEvents => "CloudEvents 1.0",
            Format::EventSourcingDb => "EventSourcingDB",
            Format::Marten => "Marten mt_events",
            Format::Debezium => "Debezium change events",
            Format::Laravel => "Laravel auditing",
            Format::PaperTrail => "paper_trail versions",
            Format::DjangoAuditlog => "django-auditlog",
            Format::SimpleHistory => "django-simple-history",
            Format::Reversion => "django-reversion",
            Format::AuditTrigger => "PostgreSQL audit trigger",
            Format::Continuum => "SQLAlchemy-Continuum",
            Format::PgHistory => "django-pghistory",
            Format::Emmett => "Emmett",
            Format::EventSourcing => "Python eventsourcing",
            Format::AuditNet => "Audit.NET",
            Format::Envers => "Hibernate Envers",
            Format::Axon => "Axon domain_event_entry",
            Format::Mapping => "Custom mapping",
        }
    }

    /// The format's stable key, as used in deep links (`fmt=`).
    pub fn key(self) -> &'static str {
        match self {
            Format::Canonical => "canonical",
            Format::Kurrent => "kurrent",
            Format::CloudEvents => "cloudevents",
            Format::EventSourcingDb => "eventsourcingdb",
            Format::Marten => "marten",
            Format::Debezium => "debezium",
            Format::Laravel => "laravel",
            Format::PaperTrail => "paper-trail",
            Format::DjangoAuditlog => "django-auditlog",
            Format::SimpleHistory => "django-simple-history",
            Format::Reversion => "django-reversion",
            Format::AuditTrigger => "audit-trigger",
            Format::Continuum => "continuum",
            Format::PgHistory => "django-pghistory",
            Format::Emmett => "emmett",
            Format::EventSourcing => "eventsourcing",
            Format::AuditNet => "audit-net",
            Format::Envers => "envers",
            Format::Axon => "axon",
            Format::Mapping => "mapping",
        }
    }

    /// The format with this key, if there is one.
    pub fn from_key(key: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|format| format.key() == key)
    }

    /// Why a record looks like this format, if it does. A record of Django's `dumpdata` is
    /// looked at as the table row it was made from.
    fn recognise(self, value: &Value) -> Option<String> {
        if rows::is_dumpdata(value) && !matches!(self, Format::Canonical | Format::Mapping) {
            let reason = self.recognise(&rows::dumpdata_row(value.clone()))?;
            return Some(format!("Django `dumpdata` objects whose {reason}"));
        }
        match self {
            Format::Canonical => value
                .as_object()
                .filter(|object| canonical::looks_like(object))
                .map(|_| "records have `stream`, `type` and `time`".to_string()),
            Format::Kurrent => kurrent::looks_like(value),
            Format::CloudEvents => cloudevents::looks_like(value),
            Format::EventSourcingDb => eventsourcingdb::looks_like(value),
            Format::Marten => marten::looks_like(value),
            Format::Debezium => debezium::looks_like(value),
            Format::Laravel => laravel::looks_like(value),
            Format::PaperTrail => paper_trail::looks_like(value),
            Format::DjangoAuditlog => django_auditlog::looks_like(value),
            Format::SimpleHistory => simple_history::looks_like(value),
            Format::Reversion => reversion::looks_like(value),
            Format::AuditTrigger => audit_trigger::looks_like(value),
            Format::Continuum => continuum::looks_like(value),
            Format::PgHistory => pghistory::looks_like(value),
            Format::Emmett => emmett::looks_like(value),
            Format::EventSourcing => eventsourcing::looks_like(value),
            Format::AuditNet => audit_net::looks_like(value),
            Format::Envers => envers::looks_like(value),
            Format::Axon => axon::looks_like(value),
            Format::Mapping => None,
        }
    }

    /// Decodes one record into zero or more events; each failure is described on its own.
    /// `revisions` are the django-reversion revisions read so far, which its versions need.
    fn decode(
        self,
        value: Value,
        options: &DecodeOptions,
        revisions: &mut reversion::Revisions,
    ) -> Vec<Result<Draft, DecodeError>> {
        let value = match self {
            Format::Canonical | Format::Mapping => value,
            _ => rows::dumpdata_row(value),
        };
        match self {
            Format::Canonical => vec![canonical::decode(value)],
            Format::Kurrent => kurrent::decode(value),
            Format::CloudEvents => cloudevents::decode(value),
            Format::EventSourcingDb => eventsourcingdb::decode(value),
            Format::Marten => vec![marten::decode(value, options)],
            Format::Debezium => debezium::decode(value),
            Format::Laravel => vec![laravel::decode(value, options)],
            Format::PaperTrail => vec![paper_trail::decode(value, options)],
            Format::DjangoAuditlog => vec![django_auditlog::decode(value, options)],
            Format::SimpleHistory => vec![simple_history::decode(value, options)],
            Format::Reversion => reversion::decode(value, revisions, options),
            Format::AuditTrigger => vec![audit_trigger::decode(value, options)],
            Format::Continuum => vec![continuum::decode(value, options)],
            Format::PgHistory => vec![pghistory::decode(value, options)],
            Format::Emmett => vec![emmett::decode(value, options)],
            Format::EventSourcing => vec![eventsourcing::decode(value, options)],
            Format::AuditNet => audit_net::decode(value, options),
            Format::Envers => vec![envers::decode(value, options)],
            Format::Axon => vec![axon::decode(value, options)],
            Format::Mapping => vec![mapping::decode(value, options)],
        }
    }
}

/// Choices that change how records are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeOptions {
    /// The offset in which times without a zone (`2024-01-01 10:00:00`) are read. UTC by default.
    pub naive_offset: FixedOffset,
    /// The user's mapping, for `Format::Mapping`.
    pub mapping: Option<mapping::Mapping>,
}

impl Default for DecodeOptions {
    fn default() -> DecodeOptions {
        DecodeOptions {
            naive_offset: FixedOffset::east_opt(0).expect("zero is a valid offset"),
            mapping: None,
        }
    }
}

/// Which format a source looks like, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    pub format: Format,
    pub reason: String,
    /// What inference made of records no format recognises: the mapping they are read with,
    /// or what was seen when nothing fits (`infer`). `None` when a format or the person chose.
    pub inferred: Option<infer::Inference>,
    /// The columns of the first records whose text holds JSON (or hstore) and whose contents
    /// the events' data shows as JSON (`columns_read_as_json`).
    pub json_columns: Vec<String>,
}

impl Detection {
    pub fn new(format: Format, reason: impl Into<String>) -> Detection {
        Detection {
            format,
            reason: reason.into(),
            inferred: None,
            json_columns: Vec::new(),
        }
    }

    /// The one problem of records that nothing fits: what was seen, and what to try; it stands
    /// for the identical problem every record would have.
    pub fn problem(&self) -> Option<Problem> {
        match &self.inferred {
            Some(infer::Inference::Unfit { keys, why, .. }) => Some(Problem::new(
                Place::Source,
                ProblemKind::NoFormat {
                    keys: keys.clone(),
                    why: why.clone(),
                },
            )),
            _ => None,
        }
    }

    /// The mapping inferred for the records, when they are read with one.
    pub fn inferred_mapping(&self) -> Option<&mapping::Mapping> {
        match &self.inferred {
            Some(infer::Inference::Mapped { mapping, .. }) => Some(mapping),
            _ => None,
        }
    }
}

/// Guesses the format of a source from its first record that is valid JSON; when no format
/// recognises it, a mapping is inferred from the first records (`undetected`).
pub fn detect(records: &[Record<'_>]) -> Detection {
    let sample: Vec<Value> = records
        .iter()
        .take(DETECT_LINES)
        .filter_map(|record| serde_json::from_str::<Value>(record.text).ok())
        .filter(|value| !is_export_header(value))
        .collect();
    let recognised = sample.first().and_then(|value| {
        Format::ALL.into_iter().find_map(|format| {
            format
                .recognise(value)
                .map(|reason| Detection::new(format, reason))
        })
    });
    recognised.unwrap_or_else(|| undetected(&sample))
}

/// How records no format recognises are read: as Chronoscope events when they look like them
/// (a record has a `stream`) or are not rows at all; otherwise with a mapping inferred from
/// them, or, when none can be, not at all, with one problem saying what was seen.
fn undetected(sample: &[Value]) -> Detection {
    let rows = !sample.is_empty() && sample.iter().all(Value::is_object);
    if !rows || sample.iter().any(|value| value.get("stream").is_some()) {
        return Detection::new(
            Format::Canonical,
            "no format matched, so records are read as Chronoscope events",
        );
    }
    let inference = infer::infer(sample);
    let reason = match &inference {
        infer::Inference::Mapped { reading, .. } => format!("read as a history table: {reading}"),
        infer::Inference::Unfit { why, .. } => {
            format!("no format fits, and no mapping could be inferred: {why}")
        }
    };
    Detection {
        inferred: Some(inference),
        ..Detection::new(Format::Mapping, reason)
    }
}

/// Guesses the format of a whole source's text. For NDJSON only the first lines are looked at,
/// so that a large source is not split twice.
pub fn detect_text(text: &str) -> Detection {
    detect(&head_records(text))
}

/// How a source's records are read: the format chosen (`chosen`, or `Mapping` when the options
/// carry a mapping), or detected, with the mapping inferred where no format fits; and which
/// columns of the first records hold JSON in text that is read as JSON.
pub fn reading_of(text: &str, chosen: Option<Format>, options: &DecodeOptions) -> Detection {
    let head = head_records(text);
    let chosen = chosen.or(options.mapping.as_ref().map(|_| Format::Mapping));
    let mut detection = match chosen {
        Some(Format::Mapping) if options.mapping.is_some() => Detection::new(
            Format::Mapping,
            "read with the mapping given (the link's `map=`)",
        ),
        Some(format) => Detection::new(format, "chosen by the user"),
        None => detect(&head),
    };
    let mut options = options.clone();
    if let Some(mapping) = detection.inferred_mapping() {
        options.mapping = Some(mapping.clone());
    }
    detection.json_columns = columns_read_as_json(&head, detection.format, &options);
    detection
}

/// The first records of a text: for NDJSON the first lines only, so that a large source is not
/// split twice.
fn head_records(text: &str) -> Vec<Record<'_>> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if is_ndjson(trimmed) {
        let head_end = trimmed
            .match_indices('\n')
            .nth(DETECT_LINES - 1)
            .map_or(trimmed.len(), |(idx, _)| idx);
        return split_records(&trimmed[..head_end]).0;
    }
    let mut records = split_records(text).0;
    records.truncate(DETECT_LINES);
    records
}

/// The columns of these records whose text holds a JSON object or array (or hstore pairs) and
/// whose contents the decoded events show as JSON: the keys of the object are the keys of the
/// event's data (or of an object in it), or the array is one of its values.
pub fn columns_read_as_json(
    records: &[Record<'_>],
    format: Format,
    options: &DecodeOptions,
) -> Vec<String> {
    let mut decoder = Decoder::with_options(format, options.clone());
    let mut found: Vec<String> = Vec::new();
    for record in records {
        let Ok(value) = serde_json::from_str::<Value>(record.text) else {
            continue;
        };
        let (mut events, mut problems) = (Vec::new(), Vec::new());
        decoder.decode(std::slice::from_ref(record), &mut events, &mut problems);
        let row = rows::dumpdata_row(value);
        for (name, cell) in row.as_object().into_iter().flatten() {
            let Some(held) = cell.is_string().then(|| infer::structured(cell)).flatten() else {
                continue;
            };
            let shown = events.iter().any(|event| shows(&event.data, &held));
            if shown && !found.contains(name) {
                found.push(name.clone());
            }
        }
    }
    found
}

/// True when data shows a value read from text. An object is shown when some of its columns
/// are in the data (or in an object in it) and each of those has the same value there (a reader
/// may leave bookkeeping columns out); an array when it is the data or one of its values, or
/// when one of its elements, or an object in one, is shown (django-reversion's
/// `[{"model": …, "fields": {…}}]`).
fn shows(data: &Value, held: &Value) -> bool {
    let holds = |object: &Value| match (object.as_object(), held.as_object()) {
        (Some(object), Some(held)) => {
            let mut shared = held
                .iter()
                .filter_map(|(key, v)| Some((object.get(key)?, v)));
            let first = shared.next();
            first.is_some_and(|(a, b)| a == b) && shared.all(|(a, b)| a == b)
        }
        _ => false,
    };
    let inner = || data.as_object().into_iter().flat_map(|o| o.values());
    match held {
        Value::Object(_) => holds(data) || inner().any(holds),
        Value::Array(elements) => {
            data == held
                || inner().any(|value| value == held)
                || elements.iter().any(|element| {
                    let objects = element.as_object().into_iter().flat_map(|o| o.values());
                    shows(data, element)
                        || objects.filter(|v| v.is_object()).any(|v| shows(data, v))
                })
        }
        _ => false,
    }
}

/// How many records detection looks at.
const DETECT_LINES: usize = 20;

/// An event as a format decoder gives it: everything but the log position, and with the version
/// still optional (it then defaults to the event's 1-based position within its stream).
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub stream: String,
    pub version: Option<u64>,
    pub id: Option<String>,
    pub kind: String,
    /// `None` where the source has no time (CloudEvents makes it optional): the event then
    /// takes the time of the stream's previous event, and `meta.time_absent` says so.
    pub time: Option<DateTime<Utc>>,
    /// The global position in the source store, where it has one.
    pub position: Option<u64>,
    pub data: Value,
    pub meta: Map<String, Value>,
    pub change: Change,
}

/// The text of one JSON record in the source, and where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    pub place: RecordPlace,
    pub text: &'a str,
}

/// Where a record is: records of NDJSON have lines, records of arrays have indexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordPlace {
    Line(usize),
    Element(usize),
}

impl From<RecordPlace> for Place {
    fn from(place: RecordPlace) -> Place {
        match place {
            RecordPlace::Line(line) => Place::Line(line),
            RecordPlace::Element(index) => Place::Element(index),
        }
    }
}

/// Finds the JSON records in a source: a JSON array, `{"events": [...]}`, a single object, or
/// NDJSON (one record per line). A JSON array or object that does not parse is one problem at
/// its line and column; in NDJSON each bad line becomes its own problem when it is decoded, and
/// the other lines stay.
pub fn split_records(text: &str) -> (Vec<Record<'_>>, Vec<Problem>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        let problem = Problem::new(Place::Source, ProblemKind::Empty);
        return (Vec::new(), vec![problem]);
    }
    if trimmed.starts_with('[') {
        return match serde_json::from_str::<Vec<&RawValue>>(text) {
            Ok(items) => (element_records(items), Vec::new()),
            Err(err) => (Vec::new(), vec![json_problem(&err)]),
        };
    }
    if trimmed.starts_with('{') && !is_ndjson(trimmed) {
        #[derive(Deserialize)]
        struct Wrapper<'a> {
            #[serde(borrow)]
            events: Vec<&'a RawValue>,
        }
        if let Ok(wrapper) = serde_json::from_str::<Wrapper<'_>>(text) {
            return (element_records(wrapper.events), Vec::new());
        }
        return match serde_json::from_str::<&RawValue>(text) {
            Ok(value) => {
                let record = Record {
                    place: RecordPlace::Line(1 + leading_newlines(text)),
                    text: value.get(),
                };
                (vec![record], Vec::new())
            }
            // Not one JSON document: NDJSON whose first line is broken, read line by line so
            // that the other lines still load.
            Err(_) if trimmed.lines().skip(1).any(is_whole_object) => split_lines(text),
            Err(err) => (Vec::new(), vec![json_problem(&err)]),
        };
    }
    split_lines(text)
}

/// True when the text is NDJSON: its first line is a whole JSON object and more lines follow.
pub fn is_ndjson(text: &str) -> bool {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    trimmed.starts_with('{') && first_line_is_a_whole_record(trimmed)
}

/// The records of NDJSON, one per non-blank line.
pub fn ndjson_records(text: &str) -> impl Iterator<Item = Record<'_>> {
    let mut start = LineCursor::START;
    next_ndjson_lines(text, &mut start, usize::MAX)
        .into_iter()
        .map(move |(place, range)| Record {
            place,
            text: text.get(range).unwrap_or_default(),
        })
}

/// Where reading NDJSON a few lines at a time has got to: the byte a line starts at, and that
/// line's number (from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCursor {
    pub pos: usize,
    pub line: usize,
}

impl LineCursor {
    /// The start of a text whose first line is line 1.
    pub const START: LineCursor = LineCursor { pos: 0, line: 1 };
}

/// The next non-blank lines of NDJSON, at most `n`, from the cursor: each line's place and the
/// byte range of the line in `text`, trimmed; the cursor moves past them. A byte-order mark
/// before line 1 is skipped. Ranges rather than slices, so that a caller can keep its place in
/// a text it shares (the ingest reads a block a budget at a time).
pub fn next_ndjson_lines(
    text: &str,
    cursor: &mut LineCursor,
    n: usize,
) -> Vec<(RecordPlace, std::ops::Range<usize>)> {
    let mut records = Vec::new();
    while records.len() < n && cursor.pos < text.len() {
        let rest = text.get(cursor.pos..).unwrap_or_default();
        let len = memchr::memchr(b'\n', rest.as_bytes()).unwrap_or(rest.len());
        let raw = &rest[..len];
        let raw = match *cursor {
            LineCursor::START => raw.strip_prefix('\u{feff}').unwrap_or(raw),
            _ => raw,
        };
        let trimmed = raw.trim();
        if !trimmed.is_empty() {
            let start = trimmed.as_ptr() as usize - text.as_ptr() as usize;
            records.push((RecordPlace::Line(cursor.line), start..start + trimmed.len()));
        }
        cursor.pos += len + 1;
        cursor.line += 1;
    }
    cursor.pos = cursor.pos.min(text.len());
    records
}

/// Splits NDJSON into its non-blank lines without parsing them: a line that is not JSON is
/// found when it is decoded, so the text is parsed once, a slice at a time.
fn split_lines(text: &str) -> (Vec<Record<'_>>, Vec<Problem>) {
    (ndjson_records(text).collect(), Vec::new())
}

fn element_records(items: Vec<&RawValue>) -> Vec<Record<'_>> {
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| Record {
            place: RecordPlace::Element(index),
            text: item.get(),
        })
        .collect()
}

/// True when the text's first line is a complete JSON value followed by more text: NDJSON.
fn first_line_is_a_whole_record(text: &str) -> bool {
    match text.split_once('\n') {
        Some((first, rest)) => {
            !rest.trim().is_empty() && serde_json::from_str::<&RawValue>(first.trim()).is_ok()
        }
        None => false,
    }
}

/// True when a line is a whole JSON object on its own, as NDJSON lines are.
fn is_whole_object(line: &str) -> bool {
    let line = line.trim();
    line.starts_with('{') && serde_json::from_str::<&RawValue>(line).is_ok()
}

fn leading_newlines(text: &str) -> usize {
    let skipped = text.len() - text.trim_start().len();
    text[..skipped].matches('\n').count()
}

fn json_problem(err: &serde_json::Error) -> Problem {
    Problem::new(
        Place::Line(err.line()),
        ProblemKind::Json {
            column: err.column(),
            message: err.to_string(),
        },
    )
}

/// Turns records into events, a slice at a time, giving each event its log position and, where
/// the source has none, its version within its stream.
/// A stream's last version and time, and its slot: streams are numbered in the order they were
/// first placed (`Decoder::place_in_slot`).
#[derive(Clone, Copy, Debug)]
struct Last {
    version: u64,
    time: DateTime<Utc>,
    slot: usize,
}

#[derive(Debug)]
pub struct Decoder {
    format: Format,
    options: DecodeOptions,
    next_seq: u64,
    /// The last version and time of each stream so far, and its slot.
    last: FxHashMap<String, Last>,
    /// django-reversion's revisions, which its versions read their time and user from.
    revisions: reversion::Revisions,
}

impl Decoder {
    pub fn new(format: Format) -> Decoder {
        Decoder::with_options(format, DecodeOptions::default())
    }

    pub fn with_options(format: Format, options: DecodeOptions) -> Decoder {
        Decoder {
            format,
            options,
            next_seq: 0,
            last: FxHashMap::default(),
            revisions: reversion::Revisions::default(),
        }
    }

    /// The format records are read as.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Decodes a slice of records, appending the events and problems found.
    pub fn decode(
        &mut self,
        records: &[Record<'_>],
        events: &mut Vec<Event>,
        problems: &mut Vec<Problem>,
    ) {
        for record in records {
            if is_scope_line(record.text) {
                continue;
            }
            let drafts = match (self.format, serde_json::from_str::<Value>) {
                (Format::Canonical, _) => vec![canonical::decode_text(record.text)],
                (format, parse) => match parse(record.text) {
                    Ok(value) => format.decode(value, &self.options, &mut self.revisions),
                    Err(err) => vec![Err(DecodeError::NotJson(err.to_string()))],
                },
            };
            for draft in drafts {
                match draft {
                    Ok(draft) => events.push(self.finish(draft)),
                    Err(message) => problems.push(Problem::new(
                        record.place.into(),
                        ProblemKind::Record(message),
                    )),
                }
            }
        }
    }

    fn finish(&mut self, mut draft: Draft) -> Event {
        let last_time = self.last.get(&draft.stream).map(|last| last.time);
        let time = draft.time.unwrap_or_else(|| {
            draft.meta.insert("time_absent".into(), Value::Bool(true));
            last_time.unwrap_or(DateTime::UNIX_EPOCH)
        });
        let (seq, version) = self.place(&draft.stream, draft.version, time);
        Event {
            seq,
            stream: draft.stream,
            version,
            position: draft.position,
            id: draft.id,
            kind: draft.kind,
            time,
            data: draft.data,
            meta: draft.meta,
            change: draft.change,
            stored: None,
        }
    }

    /// Gives the next event of a stream its log position and, where the source has none, its
    /// version: one more than the stream's last.
    pub fn place(&mut self, stream: &str, version: Option<u64>, time: DateTime<Utc>) -> (u64, u64) {
        let (seq, version, _) = self.place_in_slot(stream, version, time);
        (seq, version)
    }

    /// `place`, and the stream's slot: its number in the order streams were first placed, which
    /// is the order a timeline that indexes every event placed adds them, so that the timeline
    /// can find the stream there rather than look its name up again (it checks the name).
    pub fn place_in_slot(
        &mut self,
        stream: &str,
        version: Option<u64>,
        time: DateTime<Utc>,
    ) -> (u64, u64, usize) {
        let n_streams = self.last.len();
        // Only a stream seen for the first time costs a copy of its name.
        let (version, slot) = match self.last.get_mut(stream) {
            Some(last) => {
                // After u64::MAX there is no next version: the event repeats it, which the
                // timeline reports, rather than wrap to 0.
                let version = version.unwrap_or(last.version.saturating_add(1));
                (last.version, last.time) = (version, time);
                (version, last.slot)
            }
            None => {
                let version = version.unwrap_or(1);
                let last = Last {
                    version,
                    time,
                    slot: n_streams,
                };
                self.last.insert(stream.to_string(), last);
                (version, n_streams)
            }
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        (seq, version, slot)
    }
}

/// Everything decoded from one source.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decoded {
    pub events: Vec<Event>,
    pub problems: Vec<Problem>,
}

/// Splits and decodes a whole source in one go, without indexing it: the decoders' own view,
/// for tests of a format. Loading a source is `core::ingest`'s.
pub fn decode_text(text: &str, format: Option<Format>) -> (Decoded, Detection) {
    decode_text_with(text, format, DecodeOptions::default())
}

/// `decode_text` with decoding options (the zone of naive times, a mapping).
pub fn decode_text_with(
    text: &str,
    format: Option<Format>,
    options: DecodeOptions,
) -> (Decoded, Detection) {
    let (records, mut problems) = split_records(text);
    let detection = reading_of(text, format, &options);
    let mut options = options;
    if let Some(mapping) = detection.inferred_mapping() {
        options.mapping = Some(mapping.clone());
    }
    if let Some(problem) = detection.problem() {
        problems.push(problem);
        return (
            Decoded {
                events: Vec::new(),
                problems,
            },
            detection,
        );
    }
    let mut events = Vec::with_capacity(records.len());
    Decoder::with_options(detection.format, options).decode(&records, &mut events, &mut problems);
    order_by_position(&mut events);
    (Decoded { events, problems }, detection)
}

/// Puts events in the store's global order (Marten `seq_id`, Axon `global_index`) when every
/// event has a position, keeping the source order among equals; log positions are renumbered.
pub fn order_by_position<T: BorrowMut<Event>>(items: &mut [T]) {
    let position = |item: &T| item.borrow().position;
    if items.is_empty() || items.iter().any(|item| position(item).is_none()) {
        return;
    }
    if items.windows(2).all(|w| position(&w[0]) <= position(&w[1])) {
        return;
    }
    items.sort_by_key(position);
    for (seq, item) in items.iter_mut().enumerate() {
        item.borrow_mut().seq = seq as u64;
    }
}

/// The first line of Chronoscope's own JSONL export, which says what the file covers and
/// carries no event.
fn is_scope_line(text: &str) -> bool {
    let prefix = concat!("{\"", "chronoscope_export", "\"");
    text.trim_start().starts_with(prefix)
        && serde_json::from_str::<Value>(text).is_ok_and(|v| is_export_header(&v))
}
