//! The engine protocol: every question the panel asks the engine, and every answer, as typed,
//! versioned messages.
//!
//! This crate holds only the messages, so that the panel can speak the protocol without linking
//! the engine: the engine (`chronoscope-core`'s `engine` module) answers them, and it may run in
//! a Web Worker, in the page (tests) or in a native process. A message crosses a boundary as the
//! JSON that serde derives from these types; nothing else is sent. Positions are an event's
//! place in its stream (from 0); a `pos` of `None` means "before the stream's first event".
//! Times are RFC 3339 in UTC with every digit the source gave, and JSON values keep their
//! numbers exactly as written (serde_json's `arbitrary_precision`).
#![forbid(unsafe_code)]

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The protocol's version. A request of another version is refused, never guessed at. Version 2
/// names each answer, refusal and wish by a key around its fields (`{"opened": {…}}`) rather
/// than by a field among them: the panel then reads an answer in one pass, with less code.
pub const VERSION: u32 = 2;

/// A request on its way to the engine: the protocol version, an id the answer repeats, and what
/// is asked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub v: u32,
    pub id: u64,
    pub body: T,
}

impl<T> Envelope<T> {
    /// A message of this protocol version.
    pub fn new(id: u64, body: T) -> Envelope<T> {
        Envelope {
            v: VERSION,
            id,
            body,
        }
    }
}

/// What the panel asks the engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "ask", rename_all = "snake_case")]
pub enum Request {
    /// Reads a source given as text (a file, a paste, a host's events) with the choices of the
    /// view `link` (a deep link's query: `fmt`, `tz`, `map`, `proj`), and keeps it open for
    /// `Append`. A `map=` or `proj=` that names a file is read from `documents`.
    Open {
        label: String,
        text: String,
        link: String,
        documents: Vec<Document>,
    },
    /// `Open` with the source's bytes beside the request rather than inside its JSON: a worker
    /// is sent them as a transferred `ArrayBuffer`, so that a large source is neither written
    /// into JSON nor read back out of it. Refused when the bytes do not come with it.
    OpenAttached {
        label: String,
        link: String,
        documents: Vec<Document>,
    },
    /// Adds records (whole lines) to the open source, as a host forwards live events.
    Append { text: String },
    /// Opens a source that arrives in pieces (a download): the bytes come after, with `feed`,
    /// and `finish` ends them. `url` is where the source is read from, against which a feed's
    /// pages are found. Each answer says what the source wants next (`Opened::wants`), and
    /// what has been read so far can be asked about meanwhile.
    Begin {
        label: String,
        link: String,
        documents: Vec<Document>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        /// Whether the server serves byte ranges of the source as sent, so that *Retry* can ask
        /// for the rest alone.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        ranges: bool,
        /// The HTTP status the source's URL answered with, for problems at its place.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
    },
    /// The next bytes of a source opened with `begin`, beside the request; a record may be cut
    /// anywhere, even inside a character, and is read once its end comes.
    Feed,
    /// Ends the bytes of a source opened with `begin`.
    Finish,
    /// Reads a URL on the engine's side: its worker fetches it there (the source's bytes never
    /// cross the page), begins it with these choices, reads it as it arrives and fetches each
    /// page of a feed it asks for. The answer is `read`: notices while it reads, then the last
    /// one (`Read::done`). A newer read, or a source opened meanwhile, supersedes it. Only an
    /// engine in a worker reads URLs; one called directly refuses.
    Read(Box<ReadUrl>),
    /// *Retry* on the engine's side: reads on from where the source stopped (a `Range` where
    /// the server serves ranges, else fetching again and skipping what was read), or fetches
    /// again the feed page that failed. Answered like `read`.
    ReadOn { keys: Keys },
    /// Fetches a whole document (a mapping, a projection, the page's `config.json`) on the
    /// engine's side, with `secrets` (a credential or a host's headers) for their origin only:
    /// answered `fetched`, or `fetch_failed` naming the URL and status. Only an engine in a
    /// worker fetches; one called directly refuses.
    Fetch {
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        secrets: Option<Secrets>,
    },
    /// Fetches the feed page the open source asked for (`Wants::Page`) on the engine's side and
    /// reads it, or its failure, as `feed_page` and `page_failed` would: answered `opened`.
    FetchPage { url: String, keys: Keys },
    /// Stops following the source being read (`follow=` turned off): the read's connection
    /// closes, and its last answer says the source as it stands. Answered `opened`.
    Unfollow,
    /// The sources a native engine (`chronoscope serve`) was started with, which `read_file`
    /// names by their label instead of handing a `File` over. Answered `served`; an engine in
    /// a worker serves none.
    Served,
    /// Reads the file handed over beside the request (a `File`, read in the worker as it is
    /// read from the disk) with the view's choices; a native engine reads the source it serves
    /// under `label` instead. Answered like `read`.
    ReadFile {
        label: String,
        link: String,
        documents: Vec<Document>,
    },
    /// The bytes of a source opened with `begin` stopped, as `why` says: a download whose body
    /// ended (which may still have been cut mid-line), broke off or stalled. The problem is at
    /// the source's URL and this status (its file, for a file); what came stays, and the answer
    /// says where *Retry* reads on from (`Opened::resume`).
    Stopped { status: u16, why: Stop },
    /// A page of a feed the source asked for (`Wants::Page`), its bytes beside the request.
    FeedPage { url: String },
    /// Reads on from where a source that broke off stopped (*Retry*): a feed asks again for
    /// the page that failed.
    Resume,
    /// A page of a feed that could not be fetched: a problem at its URL and status; the feed
    /// keeps what it read.
    PageFailed {
        url: String,
        status: u16,
        message: String,
    },
    /// The open source as it stands: how far the background fold has come, and the problems
    /// found so far.
    Status,
    /// The streams, in the order each first appears in the log: every one, or with `max` at
    /// most that many of those whose name contains `filter` (any case), the `selected` one
    /// always among them.
    Streams {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        filter: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        selected: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<usize>,
    },
    /// Resolves a view (a deep link's query) to positions: the stream, the moment, the
    /// comparison point.
    Select { link: String },
    /// The moment a view names, with all that the panels show of it, in one answer: where it is
    /// (as `select` answers), the state there and at the comparison point, and the changes
    /// between them. With `at`, the moment is the event at that position of the view's stream
    /// instead (a key or a click that moves by position); the answer's cursor names it as links
    /// do, for the page to write into its view.
    Moment {
        link: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<usize>,
    },
    /// Up to `len` rows of a stream's event list, from row `from`; with `filter` (the list's
    /// filter, as in a deep link's `filter=`) only the events it matches are rows.
    Events {
        stream: String,
        from: usize,
        len: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filter: Option<String>,
        /// A position whose row the answer says (`found_row`): the selected event's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        find: Option<usize>,
    },
    /// Up to `len` of the events of every stream that the event query `query` (as `q=`)
    /// matches, in log order, from match `from`: answered as `events`, each row naming its
    /// stream, `n_rows` counting every match, and `filter_problem` saying why a query that
    /// cannot be read matched nothing.
    Search {
        query: String,
        from: usize,
        len: usize,
    },
    /// What the timeline shows of a stream: its event types, its span in time and how its
    /// events spread over that span in `bins` bins (at most `MAX_BINS`).
    Stream { stream: String, bins: usize },
    /// How many of a stream's events are among the log's first `upto` events: what a stream
    /// held when the log was that long (a followed source, when it caught up).
    Count { stream: String, upto: usize },
    /// One event in full: its record as stored, what it changed in words, and its stored and
    /// upcast data where it was upcast.
    Event { stream: String, pos: usize },
    /// The event at a place in the whole log (its `seq`, from 0): its stream and its row, for
    /// what names events by their place in the log (the integrity report).
    Locate { seq: u64 },
    /// The trail of the event at `pos`: every event sharing its correlation id, as a tree by
    /// causation.
    Trail { stream: String, pos: usize },
    /// The view (a deep link's query) pinned to what it shows: its stream and moment by
    /// version, and `h=`/`hx=` to the data up to it.
    Pin { link: String },
    /// Checks the view's pin (`h=`, `hx=`) against the data up to its moment: whether the
    /// data is the same as when the link was made.
    CheckPin { link: String },
    /// Reads a mapping document (`fmt=mapping`) as a load would use it, without loading:
    /// answered with the mapping as a link carries it (`map=`), or refused with why it cannot be
    /// used. Needs no source open.
    CheckMapping { text: String },
    /// A file of the view (a deep link's query), which says what it covers in its first line.
    Export { what: ExportKind, link: String },
    /// What the exports of the view would cover, in words, before any is written.
    Scopes { link: String },
    /// An evidence pack of the view: a zip, sent beside the answer as bytes.
    Evidence(EvidenceRequest),
    /// A stream's state after the event at `pos`.
    State { stream: String, pos: Option<usize> },
    /// What changed in a stream's state between the moment `from` and the moment `to`.
    Diff {
        stream: String,
        from: Option<usize>,
        to: Option<usize>,
    },
    /// Every event of `stream` that changed the field at `path` (a JSON Pointer, or a blame
    /// path naming array elements by identity).
    Blame { stream: String, path: String },
    /// Every stream as of `at` (RFC 3339; `None`: the latest), in `columns` (comma-separated
    /// state paths; `None`: the common fields), only those whose state matches `query` (the
    /// deep link's `where=`): up to `len` rows from row `from` (`None`: every row). The engine
    /// keeps the last table's streams, so that another window or other columns of the same
    /// table are not computed over every stream again.
    Table {
        at: Option<String>,
        columns: Option<String>,
        query: Option<String>,
        #[serde(default, skip_serializing_if = "is_zero")]
        from: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        len: Option<usize>,
    },
    /// Every integrity check of the open source.
    Integrity,
    /// The printed report of the view `link` (a deep link's query) at its moment, laid out as
    /// lines: the source, the integrity verdict, the moment, `printed` and the link that
    /// reopens it (on `page`, or the host's `link_base`), the stream's events up to the moment
    /// with what each changed, the state then and what changed since the comparison point.
    /// Waits, as `integrity` does, until everything is folded.
    Report {
        link: String,
        page: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        link_base: Option<String>,
        #[serde(with = "instant")]
        printed: DateTime<Utc>,
    },
    /// The history of `stream` up to the event at `upto` (`None`: before its first event, as a
    /// selection says it): its last `max` events up to there (at most `MAX_HISTORY`), each with
    /// what it changed.
    History {
        stream: String,
        upto: Option<usize>,
        max: usize,
    },
    /// Replays the open source with another projection (its text; `None`: none), which the
    /// view's `proj=` now names.
    Reproject { projection: Option<String> },
    /// What a followed source's connection (`follow=`, opened with `begin`) brought or did.
    Follow(FollowStep),
    /// Opens an evidence pack, its bytes beside the request: checks its files against its
    /// manifest, and opens its events with its view.
    OpenPack { name: String },
}

impl Request {
    /// `begin` for a source that has no URL: a file, a text, a table; its bytes come with
    /// `feed`.
    pub fn begin_local(label: String, link: String, documents: Vec<Document>) -> Request {
        Request::Begin {
            label,
            link,
            documents,
            url: None,
            ranges: false,
            status: None,
        }
    }
}

/// One step of following a source (`Request::Follow`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum FollowStep {
    /// Record lines the connection brought, beside the request: read as the source arrives
    /// until it is live, appended after.
    Lines,
    /// The source caught up (`ended`: its response ended): what arrived is read, and what
    /// comes next is appended. The answer says whether it is lines, or else the feed page to
    /// long-poll.
    Live { ended: bool },
    /// A page a long-poll brought, beside the request; the answer says the page to ask next.
    Polled { url: String },
    /// The connection ended.
    ConnectionEnded,
    /// The connection was made again: a line still arriving is dropped (it comes again
    /// whole), and so are events sent again.
    Reconnected,
    /// A server-sent event longer than `limit_bytes` was dropped, after the `after`th record.
    TooLong { after: u64, limit_bytes: usize },
    /// The source is one document, which cannot be followed: a problem at its URL.
    Unfollowable,
}

/// How the bytes of a source stopped (`Request::Stopped`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Stop {
    /// The body ended. NDJSON whose last line is cut short and is not whole JSON broke off all
    /// the same (as a compressed body cut short does).
    Ended,
    /// The body broke off, in the browser's words.
    BrokeOff { message: String },
    /// Too few bytes came for too long.
    Stalled { n_bytes: u64, seconds: u64 },
    /// A request to read on was answered with a status that asks to be tried later, with the
    /// wait its `Retry-After` asked for.
    TryLater { answer: String, wait_s: Option<u64> },
    /// A request to read on was not answered within this many seconds.
    NoAnswer { seconds: u64 },
    /// A request to read on failed, in words.
    Failed { message: String },
}

/// An evidence pack as opened: its view, whether its files match its manifest, and its
/// events, open.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackOpened {
    /// The view it was made with, as a deep link's query.
    pub link: String,
    /// How many files it has, its manifest included.
    pub n_files: usize,
    /// Each file changed, missing or added since it was made, and a `state.json` that is not
    /// the state its events replay to, in words.
    pub tampered: Vec<String>,
    pub opened: Opened,
}

/// Where *Retry* reads a source on from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResumeAt {
    /// From this byte of the source (the end of its last whole line); with an HTTP `Range`
    /// where the server serves ranges, else from the start, skipping what was read.
    Byte { offset: u64, ranges: bool },
    /// This page of a feed, which failed.
    Page { url: String },
}

/// A URL to read on the engine's side, and the view's choices to read it with (as `begin`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadUrl {
    pub label: String,
    pub link: String,
    pub documents: Vec<Document>,
    /// Absolute: the page resolved it against its own address.
    pub url: String,
    pub keys: Keys,
}

/// What requests to sources' servers may carry, each part for its own origin: a person's
/// credential and a host page's headers. The engine's side works out, for each request, what
/// goes to that request's origin (`chronoscope_core::origin::secrets_for`): nothing for any
/// other. Never written into a link.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keys {
    #[serde(default, skip_serializing_if = "Credential::is_none")]
    pub credential: Credential,
    /// A host page's headers for its source's origin (`load`'s `headers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Secrets>,
}

/// A credential typed by a person, for the origin (scheme, host and port) it was typed for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub secret: Secret,
    /// The origin it may be sent to, as `https://host:port`; `None`: nowhere yet.
    pub origin: Option<String>,
}

impl Credential {
    /// True when there is no secret.
    pub fn is_none(&self) -> bool {
        self.secret == Secret::None
    }
}

/// The secret part of a credential.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Secret {
    #[default]
    None,
    Basic {
        user: String,
        password: String,
    },
    Bearer {
        token: String,
    },
}

/// Headers that go only to one origin (scheme, host and port): the user's credential as
/// `Authorization` and a host page's headers, as the engine's side sends them (`Keys`). A
/// request to any other origin carries none, and a request that carries some follows no
/// redirect. They are never written into a link.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secrets {
    /// As `https://host:port`; empty when there are no headers.
    pub origin: String,
    pub headers: Vec<(String, String)>,
}

/// How far a source read on the engine's side has come (`read`, `read_on`, `read_file`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Read {
    /// False for a notice while it reads; true for the last answer.
    pub done: bool,
    /// Bytes of the source that arrived, counted from its start, and how many it has where the
    /// server or the file says.
    pub received: u64,
    pub total: Option<u64>,
    /// The page of a feed being read (1: the first, or a source that is not a feed).
    pub page: usize,
    /// The source as the engine holds it; `None` when nothing could be read (`unread`).
    pub opened: Option<Opened>,
    /// Why nothing could be read: the URL was not answered, or answered with an error that
    /// waiting will not mend. What was open before stays open.
    pub unread: Option<Unread>,
    /// The wait, in seconds, the server asked for before *Retry* (`Retry-After`).
    pub wait_s: Option<u64>,
    /// Where following a source (`follow=`) stands; `None` while it catches up, and for a
    /// source that is not followed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<Following>,
}

/// Where following a source stands, in a `read` notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Following {
    /// It caught up: what arrived is the source, shown as a load is; what comes next is live.
    /// Said once.
    CaughtUp,
    /// Live: events are read as they come.
    Live,
    /// The connection dropped; the next try is in this many seconds.
    Reconnecting { wait_s: u64 },
}

/// A URL that could not be read, at its place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unread {
    pub url: String,
    /// The HTTP status it answered with (0: none).
    pub status: u16,
    /// True when it answered with a redirect that was not followed.
    pub redirected: bool,
    pub message: String,
}

/// A document a view names by address (`map=`, `proj=`), with the text fetched from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub address: String,
    pub text: String,
    /// True when it could not be fetched: whoever fetched it says the problem, and the source
    /// is read without it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unfetched: bool,
}

/// What the engine answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// The engine has started and takes requests of this protocol version (sent once, id 0,
    /// by an engine in a worker).
    Ready {
        version: u32,
    },
    Opened(Opened),
    Streams {
        streams: Vec<StreamRow>,
        /// How many streams match the filter in all.
        n_matching: usize,
    },
    Selected(Selected),
    Moment(Box<Moment>),
    Events {
        /// The row of the first of `rows` in the list (the request's `from`).
        from: usize,
        rows: Vec<EventRow>,
        /// How many rows the list has in all (the stream's events, or those the filter
        /// matches).
        n_rows: usize,
        /// The filter, when it could not be read (the list then shows every event).
        filter_problem: Option<String>,
        /// The row of the position asked to `find`; `None` where the filter hides it.
        found_row: Option<usize>,
    },
    Stream(StreamInfo),
    /// How many of the stream's events `count` found.
    Counted {
        n: usize,
    },
    Event(EventDetail),
    Located {
        stream: String,
        row: EventRow,
    },
    Trail(Trail),
    Pinned {
        /// The pinned view as a deep link's query (without `?`).
        query: String,
    },
    /// A mapping that can be used, as a link carries it (`map=`).
    MappingChecked {
        mapping: String,
    },
    /// What checking a link's pin found; `None` when the link has no pin.
    PinChecked {
        check: Option<PinCheck>,
    },
    /// A file; its bytes come beside the answer when `text` is `None` (a zip).
    File(FileOut),
    Scopes {
        /// The stream up to the moment (`None`: the view has no moment).
        moment: Option<String>,
        /// The event list as filtered (`None`: no stream).
        list: Option<String>,
    },
    State {
        state: Value,
    },
    Diff {
        changes: Vec<Change>,
    },
    Blame {
        changes: Vec<FieldChange>,
    },
    History(History),
    /// The printed report (`Report`), a line at a time.
    Report {
        lines: Vec<ReportLine>,
    },
    /// The sources a native engine serves (`Served`), by label (a newtype: a variant with a
    /// named field made the panel's reader of answers 13 KB larger before brotli).
    Served(Vec<String>),
    /// A document fetched (`Fetch`), as text.
    Fetched {
        text: String,
    },
    /// A document that could not be fetched (`Fetch`): where, the HTTP status (0: none), and
    /// why, in words.
    FetchFailed {
        url: String,
        status: u16,
        message: String,
    },
    Table(Table),
    Integrity(Integrity),
    /// A followed source after a step.
    Followed {
        opened: Opened,
        /// Whether it is read as lines (after `live`).
        lines: bool,
        /// The feed page to long-poll next; `None` when it is not a feed, or cannot be followed
        /// further (a problem then says why).
        poll: Option<String>,
    },
    /// An evidence pack, opened.
    PackOpened(PackOpened),
    /// A source read on the engine's side: a notice while it reads, or the last answer.
    Read(Box<Read>),
    /// The request could not be answered, and why.
    Refused(Refusal),
}

/// The most problem lines an answer lists (`Opened::problems`); the rest are counted. A source
/// with a million bad lines would otherwise send them all with every notice of its read.
pub const MAX_PROBLEM_LINES: usize = 200;

/// The most bins `Stream` answers with.
pub const MAX_BINS: usize = 4096;

/// What checking a link's pin found: `same`, `changed`, `missing` or `unverifiable`, and in
/// words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinCheck {
    pub result: String,
    pub message: String,
}

/// The files `Export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// The state at the moment, as JSON.
    State,
    /// What changed from the comparison point to the moment, as JSON.
    DiffJson,
    /// The same as CSV: path, op, before, after.
    DiffCsv,
    /// The event list as filtered, as CSV, each record as stored in its last column.
    EventsCsv,
    /// The event list as filtered, as Chronoscope's own JSON lines, which it reads back.
    EventsJsonl,
    /// The period-end table of the view (`t=`, `cols=`, `where=`), as CSV.
    TableCsv,
}

/// What an evidence pack holds beside the data: where the view's link points, and when it was
/// made, in UTC and in the auditor's local time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRequest {
    /// The view, as a deep link's query.
    pub link: String,
    /// The page's address without its query (origin and path), for the pack's `link.txt`.
    pub page: String,
    /// The whole source rather than the stream up to the moment.
    pub whole_source: bool,
    #[serde(with = "instant")]
    pub exported: DateTime<Utc>,
    pub exported_local: String,
    pub app_version: String,
}

/// A file written by the engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileOut {
    pub name: String,
    pub mime: String,
    /// What the file covers, in words (its first line says the same).
    pub scope: String,
    /// The file's text; `None` when its bytes come beside the answer.
    pub text: Option<String>,
}

/// A stream as the timeline draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamInfo {
    pub name: String,
    pub n_events: usize,
    /// Its event types, in the order each first appears in the whole log: a type's colour is
    /// its index in the log's types (`kind_index`), so it keeps it from stream to stream.
    pub kinds: Vec<KindInfo>,
    /// The first and last event's times; `None` when its events have no times.
    #[serde(default, with = "instant::span")]
    pub span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// The events over the span, in equal bins (empty without a span).
    pub density: Vec<Bin>,
}

/// An event type and its place among the whole log's types.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindInfo {
    pub kind: String,
    pub kind_index: usize,
}

/// One bin of the density strip: how many events, and the type most of them have (by its
/// `kind_index`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bin {
    pub n_events: usize,
    pub main_kind: Option<usize>,
}

/// One event in full.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventDetail {
    pub row: EventRow,
    /// What the event changed, in words (its change rule).
    pub change: String,
    /// The record as stored in the source, byte for byte; or, where the source's bytes are not
    /// kept, the event as decoded (`stored` is then false).
    pub record: String,
    pub stored: bool,
    /// The data as stored and as upcast, where the event was upcast.
    pub upcast: Option<Upcast>,
}

/// An upcast event's data before and after.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Upcast {
    /// The schema version it was upcast to.
    pub to: String,
    pub stored: Value,
    pub upcast: Value,
}

/// The trail of one event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trail {
    /// The correlation id; `None` when the event has none at any of `looked_at`.
    pub correlation: Option<String>,
    pub looked_at: Vec<String>,
    pub steps: Vec<TrailStep>,
}

/// One event of a trail, in tree order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailStep {
    pub stream: String,
    pub row: EventRow,
    /// How deep in the causation tree: 0 where its cause is not in the trail.
    pub depth: usize,
    /// The step (by index in `steps`) that caused it.
    pub caused_by: Option<usize>,
}

/// A source after `Open` or `Append`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Opened {
    pub label: String,
    pub n_events: usize,
    /// Events folded so far (their streams' snapshots taken); the rest are folded in the
    /// background, and their states meanwhile replayed from their events.
    pub n_folded: usize,
    pub n_streams: usize,
    /// The format's key (`fmt=`) and its name for people.
    pub format: String,
    pub format_label: String,
    /// Why the format was chosen (detected, or chosen in the link).
    pub reason: String,
    /// What the source wants next, while it arrives.
    #[serde(default)]
    pub wants: Wants,
    /// Everything that could not be read or used, each at its place; the good events stay:
    /// the first `MAX_PROBLEM_LINES` of them, and how many there are in all (`n_problems`).
    /// An event that cannot be applied is found when its stream is folded: ask `status`
    /// again; the list is final once `n_folded` is `n_events`.
    pub problems: Vec<ProblemLine>,
    #[serde(default)]
    pub n_problems: usize,
    /// Where *Retry* reads on from, when the source broke off or a feed page failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<ResumeAt>,
    /// True when the source writes times without a zone (read at the view's `tz=` offset).
    #[serde(default)]
    pub naive_times: bool,
    /// The projection document the source is replayed with, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection: Option<String>,
    /// How many bytes of memory the engine holds, where it can tell (a worker's WebAssembly
    /// memory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    /// The mapping inferred for records no format recognises, as JSON, which they were read
    /// with: the panel keeps it in the link (`map=`), so that the link reopens the same reading
    /// even if inference changes, and shows it in the mapping editor to be corrected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping_inferred: Option<String>,
    /// When nothing fits and nothing could be inferred: a mapping started from what was found,
    /// as JSON, for the person to finish in the mapping editor (the problems say what was seen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping_started: Option<String>,
    /// The columns whose JSON (or hstore) held in text was read as JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json_columns: Vec<String>,
}

/// What an open source wants next.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wants {
    /// Nothing: every record is read.
    #[default]
    Nothing,
    /// More bytes (`feed`), or their end (`finish`).
    Bytes,
    /// This page of a feed (`feed_page`, or `page_failed`).
    Page { url: String },
}

/// A problem, at its place (a line, a byte, an element, a URL and status, an event).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemLine {
    pub place: String,
    pub message: String,
}

impl std::fmt::Display for ProblemLine {
    /// As people read it: the place, then what went wrong there.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// A stream in the stream list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamRow {
    pub name: String,
    pub n_events: usize,
}

/// A view resolved against the open source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Selected {
    /// The stream shown; `None` only when the source has no events.
    pub stream: Option<String>,
    pub pos: Option<usize>,
    /// The comparison point's position, in `compare_stream` when it names one.
    pub compare: Option<usize>,
    /// The stream the comparison point is in, when the link put it in another one (`with=`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare_stream: Option<String>,
    /// True when the comparison point was pinned by the link (`cmp=`, `with=`), not the
    /// previous event.
    pub compare_pinned: bool,
    /// The comparison point as links name it; `None` before its stream's first event.
    pub compare_cursor: Option<Cursor>,
    /// The selected event as links name it; `None` before the stream's first event.
    pub cursor: Option<Cursor>,
    /// How many events the stream shown has: the keys move within it before the stream's own
    /// answer (`Stream`) has come.
    #[serde(default)]
    pub n_events: usize,
    /// What in the view could not be found, for the page to say.
    pub notes: Vec<String>,
}

/// A moment resolved against the open source, with what the panels show of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Moment {
    pub selected: Selected,
    /// The state after the selected event (`null` before the stream's first event).
    pub state: Value,
    /// The state at the comparison point.
    pub compare_state: Value,
    /// What changed from the comparison point to the selected event.
    pub changes: Vec<Change>,
}

/// An event as the scrubber and links name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub version: u64,
    /// Which event with this version it is (from 1), where a stream repeats versions.
    pub occurrence: u64,
    /// `None` when the source gave the event no time.
    #[serde(default, with = "instant::maybe")]
    pub time: Option<DateTime<Utc>>,
}

/// A row of the event list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRow {
    pub pos: usize,
    /// The event's place in the whole log, from 0.
    pub seq: u64,
    pub version: u64,
    /// Which event with this version it is (from 1), where a stream repeats versions: a link
    /// names the event by both (`v=`, `dup=`).
    pub occurrence: u64,
    #[serde(default, with = "instant::maybe")]
    pub time: Option<DateTime<Utc>>,
    pub kind: String,
    pub id: Option<String>,
    pub user: Option<String>,
    /// The event's stream, in the rows of a search across streams (`Search`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
}

/// A line of the printed report: what it is, its text, and the instant it names, which the
/// page writes after the text, in UTC and in its display zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLine {
    pub kind: LineKind,
    pub text: String,
    #[serde(default, with = "instant::maybe")]
    pub time: Option<DateTime<Utc>>,
}

/// What a line of the printed report is, which its style follows; written as its name
/// (`"event"`). Read through a `String` rather than as a serde enum: the derived enum reader cost
/// the panel 1.5 KB of wasm before `wasm-opt` (twiggy), this one a match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum LineKind {
    Title,
    /// `Label: value`, in the report's head.
    Field,
    Heading,
    /// An event: its version, type and author (its time beside them).
    Event,
    /// One change to the state, under its event or under the last heading.
    Change,
    Note,
    /// The state, as pretty JSON.
    Code,
}

impl LineKind {
    const ALL: [LineKind; 7] = [
        LineKind::Title,
        LineKind::Field,
        LineKind::Heading,
        LineKind::Event,
        LineKind::Change,
        LineKind::Note,
        LineKind::Code,
    ];

    /// The class the page's style sheet gives the kind's lines (`r-event`, …): `r-` and its name.
    pub fn class(self) -> &'static str {
        match self {
            LineKind::Title => "r-title",
            LineKind::Field => "r-field",
            LineKind::Heading => "r-heading",
            LineKind::Event => "r-event",
            LineKind::Change => "r-change",
            LineKind::Note => "r-note",
            LineKind::Code => "r-code",
        }
    }

    /// The kind's name, as the protocol writes it.
    pub fn name(self) -> &'static str {
        &self.class()[2..]
    }
}

impl From<LineKind> for &'static str {
    fn from(kind: LineKind) -> &'static str {
        kind.name()
    }
}

/// A report line's kind that the protocol does not have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownLineKind(String);

impl std::fmt::Display for UnknownLineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not a kind of report line", self.0)
    }
}

impl TryFrom<String> for LineKind {
    type Error = UnknownLineKind;

    fn try_from(name: String) -> Result<LineKind, UnknownLineKind> {
        LineKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or(UnknownLineKind(name))
    }
}

/// The most events a `history` answer lists.
pub const MAX_HISTORY: usize = 5_000;

/// A stream's history up to a moment (`Request::History`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// The events, oldest first, each with what it changed.
    pub rows: Vec<HistoryRow>,
    /// How many of the stream's events up to the moment come before the first row, left out.
    pub n_left_out: usize,
    /// How many of the stream's events come after the moment.
    pub n_after: usize,
}

/// An event of a history, and what it changed in the stream's state, a change a line
/// (`replace /status: "draft" → "approved"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub row: EventRow,
    pub changes: Vec<String>,
}

/// One change between two states.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub op: ChangeOp,
    /// A JSON Pointer (RFC 6901).
    pub path: String,
    /// Where a moved element was.
    pub from: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// What a change did, by RFC 6902's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Add,
    Remove,
    Replace,
    /// An element of a keyed array that changed its place among the others (`from` says where
    /// it was).
    Move,
}

/// An event that changed a field: its value before and after (`None`: absent), and who and
/// when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub pos: usize,
    pub version: u64,
    #[serde(default, with = "instant::maybe")]
    pub time: Option<DateTime<Utc>>,
    pub user: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Every stream as of one moment, or the window of it that was asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    #[serde(default, with = "instant::maybe")]
    pub at: Option<DateTime<Utc>>,
    pub columns: Vec<String>,
    /// The table's rows from row `from` on, as many as were asked for.
    pub rows: Vec<TableRow>,
    pub from: usize,
    /// How many rows the whole table has.
    pub n_rows: usize,
    /// Streams whose first event came after the moment.
    pub n_not_yet: usize,
    /// Streams whose state did not match the query.
    pub n_unmatched: usize,
}

/// One stream as of the moment: its last event then, and the value in each column (`None`:
/// the state has no such field).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    pub stream: String,
    pub pos: usize,
    pub version: u64,
    #[serde(default, with = "instant::maybe")]
    pub time: Option<DateTime<Utc>>,
    pub cells: Vec<Option<Value>>,
}

/// The integrity report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integrity {
    /// `intact`, `findings` or `unchecked`.
    pub result: String,
    pub summary: String,
    pub n_events: usize,
    pub n_streams: usize,
    pub n_chained: usize,
    /// The first `MAX_FINDINGS` findings, and how many there are in all (an evidence pack's
    /// `integrity.json` has every one).
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub n_findings: usize,
    /// What was not checked, in words.
    pub not_checked: Vec<String>,
}

/// The most findings an `integrity` answer lists; the rest are counted.
pub const MAX_FINDINGS: usize = 500;

/// One thing the checks found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: String,
    pub severity: String,
    pub stream: Option<String>,
    pub version: Option<u64>,
    pub log_idx: Option<usize>,
    pub message: String,
}

/// Why a request was not answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The request was of another protocol version.
    Version { ours: u32, theirs: u32 },
    /// The message was not a request of this protocol, at this line and column of its JSON.
    NotARequest {
        line: usize,
        column: usize,
        message: String,
    },
    /// The request needs an open source, and none is.
    NothingOpen,
    /// `open_attached` came without its bytes (or bytes came with another request).
    NoAttachment,
    /// An address that is not a URL.
    NotAUrl { url: String, message: String },
    /// The source has no such stream.
    NoStream { stream: String },
    /// The source has no event at this place in the log.
    NoEvent { seq: u64 },
    /// The source has no such position in the stream.
    NoPosition { stream: String, pos: usize },
    /// The view has no moment (no stream, or a moment before its first event): there is
    /// nothing to export or pack.
    NoMoment { stream: Option<String> },
    /// The file could not be written, and why.
    Unwritable { message: String },
    /// A query (`where=`) that cannot be read, and where.
    Query { text: String, message: String },
    /// A time that cannot be read.
    Time { text: String, message: String },
    /// A projection or mapping document that cannot be used, and why.
    Document { message: String },
    /// The engine cannot answer at all (its worker did not start, or failed), and why.
    Unavailable { message: String },
    /// Another request of the same kind came before this one could be answered, and replaced
    /// it (a table being worked out, when another table is asked for).
    Superseded,
}

impl std::fmt::Display for Refusal {
    /// Why the request was not answered, as a person reads it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Version { ours, theirs } => {
                write!(
                    f,
                    "the request is of protocol version {theirs}; the engine speaks {ours}"
                )
            }
            Refusal::NotARequest {
                line,
                column,
                message,
            } => write!(f, "not a request (line {line}, column {column}): {message}"),
            Refusal::NothingOpen => f.write_str("nothing is loaded"),
            Refusal::NoAttachment => f.write_str("the request came without its bytes"),
            Refusal::NotAUrl { url, message } => write!(f, "`{url}` is not a URL: {message}"),
            Refusal::NoStream { stream } => write!(f, "there is no stream `{stream}`"),
            Refusal::NoEvent { seq } => write!(f, "the log has no event {}", seq + 1),
            Refusal::NoPosition { stream, pos } => {
                write!(f, "`{stream}` has no event {}", pos + 1)
            }
            Refusal::NoMoment { .. } => f.write_str("no moment is selected"),
            Refusal::Unwritable { message } => {
                write!(f, "the file could not be written: {message}")
            }
            Refusal::Query { text, message } => write!(f, "`{text}` cannot be read: {message}"),
            Refusal::Time { text, message } => write!(f, "`{text}` is not a time: {message}"),
            Refusal::Document { message } | Refusal::Unavailable { message } => {
                f.write_str(message)
            }
            Refusal::Superseded => f.write_str("a later request replaced this one"),
        }
    }
}

impl Answer {
    /// The answer's name, as the protocol writes it (`opened`, `state`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Answer::Ready { .. } => "ready",
            Answer::Opened(_) => "opened",
            Answer::Streams { .. } => "streams",
            Answer::Selected(_) => "selected",
            Answer::Moment(_) => "moment",
            Answer::Events { .. } => "events",
            Answer::Stream(_) => "stream",
            Answer::Counted { .. } => "counted",
            Answer::Event(_) => "event",
            Answer::Located { .. } => "located",
            Answer::Trail(_) => "trail",
            Answer::Pinned { .. } => "pinned",
            Answer::PinChecked { .. } => "pin_checked",
            Answer::MappingChecked { .. } => "mapping_checked",
            Answer::File(_) => "file",
            Answer::Scopes { .. } => "scopes",
            Answer::State { .. } => "state",
            Answer::Diff { .. } => "diff",
            Answer::Blame { .. } => "blame",
            Answer::History(_) => "history",
            Answer::Report { .. } => "report",
            Answer::Served(_) => "served",
            Answer::Fetched { .. } => "fetched",
            Answer::FetchFailed { .. } => "fetch_failed",
            Answer::Table(_) => "table",
            Answer::Integrity(_) => "integrity",
            Answer::Followed { .. } => "followed",
            Answer::PackOpened(_) => "pack_opened",
            Answer::Read(_) => "read",
            Answer::Refused(_) => "refused",
        }
    }
}

/// True for 0: a field left out of a message when it says nothing.
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A request or an answer with bytes beside it, as one binary WebSocket message: the JSON's
/// length in four bytes (big-endian), the JSON, then the bytes. A worker sends the two apart
/// (`{answer, bytes}`); a socket sends them in one message.
pub mod frame {
    /// A binary message's JSON and the bytes after it; `None` when it is too short for the length
    /// it says, or the JSON is not UTF-8.
    pub fn split(message: &[u8]) -> Option<(&str, &[u8])> {
        let (len, rest) = message.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
        let json = rest.get(..len)?;
        Some((std::str::from_utf8(json).ok()?, rest.get(len..)?))
    }

    /// A binary message of JSON and bytes beside it.
    pub fn join(json: &str, bytes: &[u8]) -> Vec<u8> {
        let len = u32::try_from(json.len()).unwrap_or(u32::MAX);
        let mut frame = Vec::with_capacity(4 + json.len() + bytes.len());
        frame.extend_from_slice(&len.to_be_bytes());
        frame.extend_from_slice(json.as_bytes());
        frame.extend_from_slice(bytes);
        frame
    }
}

/// Instants on the wire: RFC 3339 text in UTC, read with chrono's strict RFC 3339 parser. chrono's
/// own serde reading takes the lenient `parse_rfc3339_relaxed`, which brought its generic format
/// parser (`format::parse::parse_internal`, 5.6 KB before compression) into the panel, whose
/// first load has a budget; what is written is what chrono's serde writes.
mod instant {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &DateTime<Utc>, to: S) -> Result<S::Ok, S::Error> {
        to.serialize_str(&time.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(from)?;
        read(&text).map_err(D::Error::custom)
    }

    fn read(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
        DateTime::parse_from_rfc3339(text).map(|time| time.with_timezone(&Utc))
    }

    /// An instant that may be missing (`null`).
    pub mod maybe {
        use super::*;

        pub fn serialize<S: Serializer>(
            time: &Option<DateTime<Utc>>,
            to: S,
        ) -> Result<S::Ok, S::Error> {
            match time {
                Some(time) => super::serialize(time, to),
                None => to.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            from: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            let text = Option::<String>::deserialize(from)?;
            text.map(|text| read(&text).map_err(D::Error::custom))
                .transpose()
        }
    }

    /// A span of two instants that may be missing.
    pub mod span {
        use super::*;
        use serde::Serialize;

        /// The first and the last instant.
        type Span = Option<(DateTime<Utc>, DateTime<Utc>)>;

        pub fn serialize<S: Serializer>(span: &Span, to: S) -> Result<S::Ok, S::Error> {
            let text = |time: &DateTime<Utc>| time.to_rfc3339_opts(SecondsFormat::AutoSi, true);
            span.as_ref()
                .map(|(first, last)| (text(first), text(last)))
                .serialize(to)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<Span, D::Error> {
            let texts = Option::<(String, String)>::deserialize(from)?;
            texts
                .map(|(first, last)| -> Result<_, chrono::ParseError> {
                    Ok((read(&first)?, read(&last)?))
                })
                .transpose()
                .map_err(D::Error::custom)
        }
    }
}
