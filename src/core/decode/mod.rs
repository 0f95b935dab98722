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

pub mod canonical;

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::core::event::{Change, Event};

/// Where a problem was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A line of the source text, from 1.
    Line(usize),
    /// An element of the source's JSON array, from 0.
    Element(usize),
    /// A decoded event, named by stream and version.
    Event { stream: String, version: u64 },
    /// A fetched URL and the HTTP status it answered with (0: no answer).
    Url { url: String, status: u16 },
    /// The source as a whole.
    Source,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(line) => write!(f, "line {line}"),
            Place::Element(index) => write!(f, "element {index}"),
            Place::Event { stream, version } => write!(f, "event {stream} v{version}"),
            Place::Url { url, status: 0 } => write!(f, "{url} (no response)"),
            Place::Url { url, status } => write!(f, "{url} (HTTP {status})"),
            Place::Source => write!(f, "source"),
        }
    }
}

/// A loading, decoding or replay problem, with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub place: Place,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// The source formats Chronoscope reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Chronoscope's own `{stream, type, time, data, ...}` events.
    Canonical,
}

impl Format {
    /// Every format, in the order detection tries them.
    pub const ALL: [Format; 1] = [Format::Canonical];

    /// The format's name for people.
    pub fn label(self) -> &'static str {
        match self {
            Format::Canonical => "Chronoscope events",
        }
    }

    /// The format's stable key, as used in deep links.
    pub fn key(self) -> &'static str {
        match self {
            Format::Canonical => "canonical",
        }
    }

    /// The format with this key, if there is one.
    pub fn from_key(key: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|format| format.key() == key)
    }

    fn decode(self, value: Value) -> Result<Vec<Draft>, String> {
        match self {
            Format::Canonical => canonical::decode(value),
        }
    }
}

/// Which format a source looks like, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    pub format: Format,
    pub reason: String,
}

/// Guesses the format of a source from its first records.
pub fn detect(records: &[Record<'_>]) -> Detection {
    let first = records
        .iter()
        .find_map(|record| serde_json::from_str::<Value>(record.text).ok());
    let reason = match first.as_ref().and_then(Value::as_object) {
        Some(object) if canonical::looks_like(object) => {
            "records have `stream`, `type` and `time`".to_string()
        }
        _ => "no other format matched".to_string(),
    };
    Detection {
        format: Format::Canonical,
        reason,
    }
}

/// An event as a format decoder gives it: everything but the log position, and with the version
/// still optional (it then defaults to the event's 1-based position within its stream).
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub stream: String,
    pub version: Option<u64>,
    pub id: Option<String>,
    pub kind: String,
    pub time: DateTime<Utc>,
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
        let problem = Problem {
            place: Place::Source,
            message: "the source is empty".into(),
        };
        return (Vec::new(), vec![problem]);
    }
    if trimmed.starts_with('[') {
        return match serde_json::from_str::<Vec<&RawValue>>(text) {
            Ok(items) => (element_records(items), Vec::new()),
            Err(err) => (Vec::new(), vec![json_problem(&err)]),
        };
    }
    if trimmed.starts_with('{') && !first_line_is_a_whole_record(trimmed) {
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
            Err(err) => (Vec::new(), vec![json_problem(&err)]),
        };
    }
    split_lines(text)
}

/// Splits NDJSON into its non-blank lines without parsing them: a line that is not JSON is
/// found when it is decoded, so the text is parsed once, a slice at a time.
fn split_lines(text: &str) -> (Vec<Record<'_>>, Vec<Problem>) {
    let records = text
        .lines()
        .enumerate()
        .map(|(index, line)| Record {
            place: RecordPlace::Line(index + 1),
            text: line.trim(),
        })
        .filter(|record| !record.text.is_empty())
        .collect();
    (records, Vec::new())
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

fn leading_newlines(text: &str) -> usize {
    let skipped = text.len() - text.trim_start().len();
    text[..skipped].matches('\n').count()
}

fn json_problem(err: &serde_json::Error) -> Problem {
    Problem {
        place: Place::Line(err.line()),
        message: format!("not valid JSON at column {}: {err}", err.column()),
    }
}

/// Turns records into events, a slice at a time, giving each event its log position and, where
/// the source has none, its version within its stream.
#[derive(Debug)]
pub struct Decoder {
    format: Format,
    next_seq: u64,
    last_version: HashMap<String, u64>,
}

impl Decoder {
    pub fn new(format: Format) -> Decoder {
        Decoder {
            format,
            next_seq: 0,
            last_version: HashMap::new(),
        }
    }

    /// Decodes a slice of records, appending the events and problems found.
    pub fn decode(
        &mut self,
        records: &[Record<'_>],
        events: &mut Vec<Event>,
        problems: &mut Vec<Problem>,
    ) {
        for record in records {
            let drafts = serde_json::from_str::<Value>(record.text)
                .map_err(|err| format!("not valid JSON: {err}"))
                .and_then(|value| self.format.decode(value));
            match drafts {
                Ok(drafts) => events.extend(drafts.into_iter().map(|draft| self.finish(draft))),
                Err(message) => problems.push(Problem {
                    place: record.place.into(),
                    message,
                }),
            }
        }
    }

    fn finish(&mut self, draft: Draft) -> Event {
        let last = self.last_version.entry(draft.stream.clone()).or_insert(0);
        let version = draft.version.unwrap_or(*last + 1);
        *last = version;
        let seq = self.next_seq;
        self.next_seq += 1;
        Event {
            seq,
            stream: draft.stream,
            version,
            id: draft.id,
            kind: draft.kind,
            time: draft.time,
            data: draft.data,
            meta: draft.meta,
            change: draft.change,
        }
    }
}

/// Everything decoded from one source.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decoded {
    pub events: Vec<Event>,
    pub problems: Vec<Problem>,
}

/// Splits and decodes a whole source in one go (the browser does the same in slices).
pub fn decode_text(text: &str, format: Option<Format>) -> (Decoded, Detection) {
    let (records, mut problems) = split_records(text);
    let detection = match format {
        Some(format) => Detection {
            format,
            reason: "chosen by the user".into(),
        },
        None => detect(&records),
    };
    let mut events = Vec::with_capacity(records.len());
    Decoder::new(detection.format).decode(&records, &mut events, &mut problems);
    (Decoded { events, problems }, detection)
}
