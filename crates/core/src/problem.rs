//! Problems: what went wrong on the way in (a fetch, a line, a record, a page of a feed, the
//! replay of an event), each with the place it happened, so that a person can find it. Every
//! stage reports into the same list, and none of them stops a load. The error types of the
//! stages (`DecodeError`, `ReduceError`, `Unfollowable`) are here too, below the stages that
//! return them, so that a problem can name any of them.

use std::fmt;

use crate::depth::MAX_DEPTH;

/// Where a problem was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A line of the source text, from 1.
    Line(usize),
    /// A byte of the source (from 0), on a line (from 1).
    Byte { line: usize, byte: u64 },
    /// An element of the source's JSON array, from 0.
    Element(usize),
    /// A decoded event, named by stream and version.
    Event { stream: String, version: u64 },
    /// A decoded event and the line of the source it was read from.
    EventLine {
        line: usize,
        stream: String,
        version: u64,
    },
    /// A fetched URL and the HTTP status it answered with (0: no answer).
    Url { url: String, status: u16 },
    /// A fetched URL that answered with a redirect, not followed (the browser does not say its
    /// status or where it leads).
    Redirected { url: String },
    /// A place within one page of a source read page by page (a KurrentDB feed), from 1.
    Page { page: usize, within: Box<Place> },
    /// A local file, by name.
    File(String),
    /// A parameter of the deep link.
    Link(String),
    /// The source as a whole.
    Source,
}

impl Place {
    /// The HTTP status a URL's place names (0: none, or not a URL).
    pub fn status(&self) -> u16 {
        match self {
            Place::Url { status, .. } => *status,
            _ => 0,
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(line) => write!(f, "line {line}"),
            Place::Byte { line, byte } => write!(f, "line {line} (byte {byte})"),
            Place::Element(index) => write!(f, "element {index}"),
            Place::Event { stream, version } => write!(f, "event {stream} v{version}"),
            Place::EventLine {
                line,
                stream,
                version,
            } => write!(f, "line {line} (event {stream} v{version})"),
            Place::Url { url, status: 0 } => write!(f, "{url} (no response)"),
            Place::Url { url, status } => write!(f, "{url} (HTTP {status})"),
            Place::Redirected { url } => write!(f, "{url} (a redirect)"),
            Place::Page { page, within } => write!(f, "page {page}, {within}"),
            Place::File(name) => write!(f, "{name}"),
            Place::Link(param) => write!(f, "link {param}"),
            Place::Source => write!(f, "source"),
        }
    }
}

/// A loading, decoding or replay problem, with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub place: Place,
    pub kind: ProblemKind,
}

impl Problem {
    /// A problem at a place.
    pub fn new(place: Place, kind: ProblemKind) -> Problem {
        Problem { place, kind }
    }

    /// What is wrong, for people.
    pub fn message(&self) -> String {
        self.kind.to_string()
    }

    /// The HTTP status its place names (0: none).
    pub fn status(&self) -> u16 {
        self.place.status()
    }

    /// The wait, in seconds, a server asked for before the load is tried again.
    pub fn wait_s(&self) -> Option<u64> {
        match self.kind {
            ProblemKind::TryLater { wait_s, .. } => wait_s,
            _ => None,
        }
    }

    /// The `stopped` request that tells the engine a download stopped as this problem says
    /// (the engine's `stopped` reads it back into the same problem).
    pub fn stop_request(&self) -> chronoscope_protocol::Request {
        use chronoscope_protocol::Stop;
        let why = match &self.kind {
            ProblemKind::BrokeOff(message) => Stop::BrokeOff {
                message: message.clone(),
            },
            &ProblemKind::Stalled { n_bytes, seconds } => Stop::Stalled { n_bytes, seconds },
            ProblemKind::TryLater { answer, wait_s } => Stop::TryLater {
                answer: answer.clone(),
                wait_s: *wait_s,
            },
            &ProblemKind::NoAnswer { seconds } => Stop::NoAnswer { seconds },
            other => Stop::Failed {
                message: other.to_string(),
            },
        };
        chronoscope_protocol::Request::Stopped {
            status: self.status(),
            why,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.kind)
    }
}

/// Why a record could not be read as its format. The common failures are their own variants;
/// a format's own rules (CloudEvents' required attributes, Debezium's operations) are `Refused`,
/// in the words of that format's documentation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The record is not the kind of value the format reads.
    #[error("expected {0}")]
    Expected(&'static str),
    /// A field the format needs is absent or null.
    #[error("missing `{0}`")]
    Missing(String),
    /// A field that must not be empty is.
    #[error("`{0}` is empty")]
    Empty(String),
    /// A field of the wrong kind.
    #[error("`{field}` must be {expected}, found {found}")]
    WrongType {
        field: String,
        expected: &'static str,
        found: String,
    },
    /// Text that is not JSON.
    #[error("not valid JSON: {0}")]
    NotJson(String),
    /// A time that cannot be read.
    #[error(transparent)]
    Time(#[from] crate::time::TimeError),
    /// A value the format's own rules refuse, in its words.
    #[error("{0}")]
    Refused(String),
    /// A JSON Patch that cannot be read: where in the record it is, and what is wrong.
    #[error("{part} is not an RFC 6902 JSON Patch: {error}")]
    Patch {
        part: &'static str,
        error: crate::patch::PatchTextError,
    },
    /// A failure within one part of the record (an entry of a feed, of an EF event).
    #[error("{part}: {error}")]
    In {
        part: String,
        error: Box<DecodeError>,
    },
}

impl From<String> for DecodeError {
    fn from(message: String) -> DecodeError {
        DecodeError::Refused(message)
    }
}

impl From<&str> for DecodeError {
    fn from(message: &str) -> DecodeError {
        DecodeError::Refused(message.to_string())
    }
}

impl DecodeError {
    /// This error, said of one part of the record.
    pub fn within(self, part: String) -> DecodeError {
        DecodeError::In {
            part,
            error: Box::new(self),
        }
    }
}

/// Why a record the timeline keeps in a source text could not be read back.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordUnread {
    /// The timeline was given no `RecordReader` for its records.
    #[error("the timeline has no reader for its records")]
    NoReader,
    /// The record's decoder refused it.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// Why an event could not be applied to the state.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReduceError {
    /// json-patch's own error: which operation, at which path, and why.
    #[error("json patch operation {operation} at `{path}` failed: {reason}")]
    Patch {
        operation: usize,
        path: String,
        reason: String,
    },
    /// Rule `n` (from 1) of the projection's rules for an event type failed.
    #[error("projection rule {n} of {kind}: {message}")]
    Projection {
        kind: String,
        n: usize,
        message: String,
    },
    /// The rules of an event type would nest the state too deep to read back.
    #[error("the rules of {kind} would nest the state more than {max} levels deep", max = MAX_DEPTH)]
    RulesTooDeep { kind: String },
    #[error("the record cannot be read again: {0}")]
    Record(RecordUnread),
    #[error("the state would nest more than {max} levels deep", max = MAX_DEPTH)]
    TooDeep,
}

/// Why a source cannot be followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unfollowable {
    #[error("it is one JSON document, neither lines nor a KurrentDB feed")]
    Document,
    #[error("its last feed page links to no newer page")]
    NoNewerPage,
}

/// What went wrong. Messages are lowercase, without a trailing period, as people read them
/// after the place.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProblemKind {
    /// A record its format's decoder could not read.
    #[error("{0}")]
    Record(DecodeError),
    /// Text that is not JSON where JSON was expected.
    #[error("not valid JSON at column {column}: {message}")]
    Json { column: usize, message: String },
    #[error("the source is empty")]
    Empty,
    /// Records that no format recognises and no mapping could be inferred for: one problem for
    /// the source, saying what its first records have, instead of the same one on each record.
    #[error(
        "no format fits these records, and no mapping could be inferred ({why}); the first records have {}. Choose the format if you know it, or finish the mapping started for you under Projection… and read the source with it",
        key_list(.keys)
    )]
    NoFormat { keys: Vec<String>, why: String },
    /// CSV that cannot be read.
    #[error("not valid CSV: {0}")]
    Csv(String),
    /// A CSV row with more or fewer cells than the header names.
    #[error("this row has {n_cells} cells and the header {n_header}; the row is left out")]
    CsvCells { n_cells: usize, n_header: usize },
    /// Text read as CSV (its first line has cells) with no row after the header.
    #[error("read as CSV, the source has a header row and no rows")]
    CsvNoRows,
    /// A CSV header that names a column twice.
    #[error("the header names `{name}` twice; the later column's cells are read")]
    CsvRepeatedColumn { name: String },
    /// A line whose bytes are not UTF-8; the other lines are read.
    #[error("not UTF-8 text; the line is left out")]
    NotUtf8Line,
    /// A whole document (not NDJSON) whose bytes are not UTF-8.
    #[error("the source is not UTF-8 text; it cannot be read")]
    NotUtf8,
    /// The download broke off in the middle of the last line.
    #[error("the download broke off in this line after {n_bytes} bytes; the line is left out")]
    LineCutOff { n_bytes: usize },
    /// The download or file read failed part way; what arrived before is kept.
    #[error("the download broke off: {0}")]
    BrokeOff(String),
    /// A request that could not be made or answered (the network, CORS, a bad URL, a status).
    #[error("{0}")]
    Fetch(String),
    /// A version that does not come after the stream's previous one.
    #[error("version {version} does not follow version {previous} of the same stream")]
    VersionNotAfter { version: u64, previous: u64 },
    /// An event that could not be applied: the state stays as the other events make it.
    #[error("{0}; the state is left as it was")]
    Replay(ReduceError),
    /// An upcaster that failed on an event.
    #[error("{0}")]
    Upcast(String),
    /// A feed whose links lead back to a page already read.
    #[error("the feed links back to a page already read ({url}); reading stopped")]
    FeedLoops { url: String },
    /// A feed page link that is not a URL.
    #[error("the feed links to {link}, which is not a URL: {message}")]
    BadLink { link: String, message: String },
    /// A feed read stopped after the most pages Chronoscope reads.
    #[error("the feed has more than {max} pages; reading stopped")]
    TooManyPages { max: usize },
    /// A request that carried a credential or a host's headers was answered with a redirect,
    /// which it does not follow: the headers could reach another origin.
    #[error("the server answered with a redirect, which a request carrying a credential or the host's headers does not follow (they could reach another origin); open the address it redirects to")]
    RedirectNotFollowed,
    /// A server-sent event longer than a followed source's events may be, left out.
    #[error("a server-sent event after record {after} held more than {limit_bytes} bytes, an eighth of the memory budget; it was left out, and following goes on")]
    EventTooLong { after: u64, limit_bytes: usize },
    /// Follow was asked for a source that cannot be followed; what was read stays.
    #[error("the source cannot be followed: {0}")]
    CannotFollow(Unfollowable),
    /// A mapping or projection document that cannot be used.
    #[error("{0}")]
    Document(String),
    /// A deep-link parameter that was ignored.
    #[error("{0}")]
    Link(String),
    /// A request that was not answered within `waiting::ANSWER_WAIT_MS`.
    #[error("no answer within {seconds} s, so Chronoscope stopped waiting (a server that asks for a browser sign-in with WWW-Authenticate is never answered in an embedded or headless page: use Credentials…)")]
    NoAnswer { seconds: u64 },
    /// A body that brought too little for a whole `waiting::STALL_WINDOW_MS`; what came stays.
    #[error("the download stalled ({n_bytes} bytes in the last {seconds} s), so Chronoscope stopped waiting; Retry reads on")]
    Stalled { n_bytes: u64, seconds: u64 },
    /// Reading stopped at the memory ceiling (`ingest::over_budget`); the events read are kept.
    #[error("Chronoscope's memory reached its budget of {budget_mb} MB, so reading stopped: the {} events read are kept and shown, and the rest of the source was not read (mem= in the link sets the budget, up to 4096)", crate::number::count(*n_events))]
    Ceiling { budget_mb: u64, n_events: usize },
    /// An answer that asks to be tried later (408, 429, 5xx), with the wait its `Retry-After`
    /// asks for.
    #[error("{answer}{}", wait_words(*wait_s))]
    TryLater { answer: String, wait_s: Option<u64> },
}

/// What a `Retry-After` asked for, as the problem says it.
fn wait_words(wait_s: Option<u64>) -> String {
    match wait_s {
        Some(seconds) => format!("; it asks to be tried again in {seconds} s (Retry-After)"),
        None => String::new(),
    }
}

/// Keys as a list for people: `` `a`, `b` and 3 more ``.
fn key_list(keys: &[String]) -> String {
    const SHOWN: usize = 12;
    let mut list: Vec<String> = keys.iter().take(SHOWN).map(|k| format!("`{k}`")).collect();
    if keys.len() > SHOWN {
        list.push(format!("{} more", keys.len() - SHOWN));
    }
    match list.len() {
        0 => "no keys".into(),
        _ => format!("the keys {}", list.join(", ")),
    }
}
