//! `chronoscope serve`: the engine as a native process that the panel in a browser asks over a
//! WebSocket instead of its Web Worker, with the same protocol (`chronoscope-protocol`), for
//! sources larger than a browser holds.
//!
//! What guards it: it listens on 127.0.0.1 only; a connection must come from a page whose
//! `Origin` is on its allowlist and name the server by a loopback `Host` (so that a page that
//! rebinds a name of its own to 127.0.0.1 is refused); the first message must be the random
//! token printed at start, else the connection closes; and the only files it reads are the
//! sources it was started with, named by their labels (`served`, `read_file`). Each connection
//! has an engine of its own, as each panel has its own worker. A source is a file, or a
//! PostgreSQL table read where it lives (`crate::table`).
//!
//! A message is one request of the protocol as JSON text, answered by the answer as JSON text,
//! as the worker's are. A request with bytes beside it, and an answer with some (an evidence
//! pack), is one binary message: the JSON's length in four bytes (big-endian), the JSON, then
//! the bytes. Between requests the engine does its background work a slice at a time, as in
//! the worker, and answers what waited for it. A table read with `follow=` is asked every
//! second for the rows after the last one read, which are appended as a followed download's
//! lines are, until the page says `unfollow` or reads another source.

use std::fmt;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chronoscope_core::engine::Engine;
use chronoscope_core::link::ViewState;
use chronoscope_protocol::{
    frame, Answer, Document, Envelope, FollowStep, Following, Opened, Read, Refusal, Request,
    VERSION,
};
use tungstenite::handshake::server::{ErrorResponse, Request as Handshake, Response};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;
use tungstenite::{Message, WebSocket};

use crate::mapped::SourceFile;
use crate::session::label_of;
use crate::table::{TableError, TableReader, TableSource};

/// Why feeding a file stopped: the socket failed, or the file could not be read further.
enum Stop {
    Socket(tungstenite::Error),
    File(String),
}

/// The port it listens on unless told otherwise (`--port`).
pub const DEFAULT_PORT: u16 = 9107;

/// The pages allowed to connect unless told otherwise: the demo as `trunk serve` serves it.
pub const DEFAULT_ORIGINS: [&str; 2] = ["http://127.0.0.1:8080", "http://localhost:8080"];

/// The most events one background slice folds between two looks at the socket: as the worker's.
const SLICE: usize = 5_000;

/// The least time between two notices of a read, as the worker's.
const NOTICE_EVERY: Duration = Duration::from_millis(100);

/// How often a followed table (`follow=`) is asked for rows after the last one read.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// How long a connection has to send its token.
const TOKEN_WAIT: Duration = Duration::from_secs(10);

/// Why the server could not start.
#[derive(Debug)]
pub enum ServeError {
    /// A source file cannot be read.
    Source {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A source table's address cannot be read.
    Table(TableError),
    /// Two sources have the same file name, which is how the panel names them.
    SameLabel { label: String },
    /// The port cannot be listened on.
    Listen { port: u16, error: std::io::Error },
    /// No random token could be drawn.
    Token(String),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Source { path, error } => write!(f, "{}: {error}", path.display()),
            ServeError::Table(err) => write!(f, "{err}"),
            ServeError::SameLabel { label } => {
                write!(f, "two sources are named `{label}`: rename one")
            }
            ServeError::Listen { port, error } => write!(f, "127.0.0.1:{port}: {error}"),
            ServeError::Token(why) => write!(f, "no token could be drawn: {why}"),
        }
    }
}

/// A source the server reads for a panel that names it, by its label.
#[derive(Clone, Debug)]
struct Served {
    label: String,
    origin: Origin,
}

/// Where a source's records come from.
#[derive(Clone, Debug)]
enum Origin {
    /// A file, and its size in bytes.
    File {
        path: PathBuf,
        bytes: u64,
    },
    Table(Box<TableSource>),
}

/// What every connection checks against: the token, the pages allowed, the port, the sources.
struct Guard {
    token: String,
    origins: Vec<String>,
    port: u16,
    served: Vec<Served>,
}

/// The server, listening.
pub struct Server {
    listener: TcpListener,
    guard: Arc<Guard>,
}

impl Server {
    /// Listens on 127.0.0.1:`port` (0: any free port) for pages of `origins` (none given: the
    /// demo's), serving `sources`, each of which must be a file that can be read.
    pub fn bind(sources: &[String], port: u16, origins: &[String]) -> Result<Server, ServeError> {
        let served = served_of(sources)?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .map_err(|error| ServeError::Listen { port, error })?;
        let port = listener
            .local_addr()
            .map_err(|error| ServeError::Listen { port, error })?
            .port();
        let origins = match origins.is_empty() {
            true => DEFAULT_ORIGINS.iter().map(|o| o.to_string()).collect(),
            false => origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_string())
                .collect(),
        };
        let guard = Guard {
            token: new_token()?,
            origins,
            port,
            served,
        };
        Ok(Server {
            listener,
            guard: Arc::new(guard),
        })
    }

    /// The address a panel connects to (`engine=`).
    pub fn address(&self) -> String {
        format!("ws://127.0.0.1:{}", self.guard.port)
    }

    /// What to tell the person who started it: where, the token, the sources, the pages.
    pub fn greeting(&self) -> String {
        let guard = &self.guard;
        let mut text = format!("chronoscope serve: the engine is at {}\n", self.address());
        text += &format!("token: {}\n", guard.token);
        for served in &guard.served {
            text += &match &served.origin {
                Origin::File { bytes, .. } => format!("source: {} ({bytes} bytes)\n", served.label),
                Origin::Table(_) => format!("source: {} (a PostgreSQL table)\n", served.label),
            };
        }
        text += &format!("pages allowed: {}\n", guard.origins.join(", "));
        text += &format!(
            "Open the panel with ?engine={} and give it the token when it asks.\n",
            self.address()
        );
        text
    }

    /// Answers connections until the process ends, each on a thread of its own.
    pub fn run(self) {
        for stream in self.listener.incoming().flatten() {
            let guard = Arc::clone(&self.guard);
            std::thread::spawn(move || {
                // A page that went away is no news; anything else is said.
                let ended = connection(stream, &guard);
                if let Some(err) = ended.err().filter(|err| !is_gone(err)) {
                    eprintln!("chronoscope serve: a connection ended: {err}");
                }
            });
        }
    }
}

/// The sources by label (a file's name, a table's name), each file checked to be one that can
/// be read, each table's address to name a table (the table itself is read when opened).
fn served_of(sources: &[String]) -> Result<Vec<Served>, ServeError> {
    let mut served: Vec<Served> = Vec::new();
    for source in sources {
        let (label, origin) = match TableSource::parse(source) {
            Some(table) => {
                let table = table.map_err(ServeError::Table)?;
                (table.table.clone(), Origin::Table(Box::new(table)))
            }
            None => file_source(Path::new(source))?,
        };
        if served.iter().any(|s| s.label == label) {
            return Err(ServeError::SameLabel { label });
        }
        served.push(Served { label, origin });
    }
    Ok(served)
}

/// A file source, by its name, once it is known to be a file that can be opened.
fn file_source(path: &Path) -> Result<(String, Origin), ServeError> {
    let failed = |error| ServeError::Source {
        path: path.to_path_buf(),
        error,
    };
    let meta = std::fs::metadata(path).map_err(failed)?;
    std::fs::File::open(path).map_err(failed)?;
    if !meta.is_file() {
        let error = std::io::Error::new(ErrorKind::InvalidInput, "not a file");
        return Err(failed(error));
    }
    let origin = Origin::File {
        path: path.to_path_buf(),
        bytes: meta.len(),
    };
    Ok((label_of(path), origin))
}

/// 128 random bits, in hex.
fn new_token() -> Result<String, ServeError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|err| ServeError::Token(err.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// One connection: the handshake, the token, then requests until it closes.
// The handshake's callback returns tungstenite's own error response, large as it is.
#[allow(clippy::result_large_err)]
fn connection(stream: TcpStream, guard: &Guard) -> Result<(), tungstenite::Error> {
    let socket =
        tungstenite::accept_hdr(stream, |asked: &Handshake, response: Response| match guard
            .refuses(asked)
        {
            Some(why) => {
                eprintln!("chronoscope serve: refused a connection: {why}");
                Err(refusal_response(why))
            }
            None => Ok(response),
        })
        .map_err(|err| match err {
            tungstenite::HandshakeError::Failure(err) => err,
            tungstenite::HandshakeError::Interrupted(_) => tungstenite::Error::ConnectionClosed,
        })?;
    let mut session = Session {
        socket,
        engine: Engine::new(),
        served: guard.served.clone(),
        following: None,
    };
    if !session.token_given(&guard.token)? {
        return session.close(CloseCode::Policy, "the token is not this engine's");
    }
    session.send(Envelope::new(0, Answer::Ready { version: VERSION }))?;
    session.answer_until_closed()
}

impl Guard {
    /// Why a handshake is refused: a `Host` that is not this server on loopback, or an
    /// `Origin` that is not on the allowlist (a page's scripts cannot change either).
    fn refuses(&self, asked: &Handshake) -> Option<String> {
        let header = |name| asked.headers().get(name).and_then(|v| v.to_str().ok());
        let host = header("host").unwrap_or_default();
        let hosts = ["127.0.0.1", "localhost", "[::1]"].map(|h| format!("{h}:{}", self.port));
        if !hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            return Some(format!("the host `{host}` is not this server"));
        }
        let origin = header("origin").unwrap_or_default();
        if !self.origins.iter().any(|o| o.eq_ignore_ascii_case(origin)) {
            return Some(format!(
                "pages of `{origin}` may not connect (--origin allows one)"
            ));
        }
        None
    }
}

fn refusal_response(why: String) -> ErrorResponse {
    let mut response = ErrorResponse::new(Some(why));
    *response.status_mut() = tungstenite::http::StatusCode::FORBIDDEN;
    response
}

/// A connection's socket, its engine and the sources it may read.
struct Session {
    socket: WebSocket<TcpStream>,
    engine: Engine,
    served: Vec<Served>,
    /// The table being followed, if one is.
    following: Option<Followed>,
}

/// A table followed after it caught up: the read's request and how far it came, what reads
/// the rows after the last one, and when to ask next.
struct Followed {
    reading: Reading,
    rows: TableReader,
    next_poll: Instant,
}

impl Session {
    /// True when the first message is the token (compared in time that does not depend on
    /// where it differs).
    fn token_given(&mut self, token: &str) -> Result<bool, tungstenite::Error> {
        self.socket.get_ref().set_read_timeout(Some(TOKEN_WAIT))?;
        let given = match self.socket.read() {
            Ok(Message::Text(text)) => text.to_string(),
            Ok(_) => return Ok(false),
            Err(tungstenite::Error::Io(err)) if is_timeout(&err) => return Ok(false),
            Err(err) => return Err(err),
        };
        let same = given.len() == token.len()
            && given
                .bytes()
                .zip(token.bytes())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0;
        Ok(same)
    }

    /// Answers requests, and does background work between them, until the page closes.
    fn answer_until_closed(&mut self) -> Result<(), tungstenite::Error> {
        loop {
            self.socket.get_ref().set_read_timeout(self.wait())?;
            match self.socket.read() {
                Ok(Message::Text(text)) => self.on_text(&text)?,
                Ok(Message::Binary(bytes)) => self.on_binary(&bytes)?,
                Ok(_) => {}
                Err(tungstenite::Error::Io(err)) if is_timeout(&err) => {
                    self.engine.work(SLICE);
                    self.poll_if_due()?;
                }
                Err(err) if is_gone(&err) => return Ok(()),
                Err(err) => return Err(err),
            }
            for (answer, bytes) in self.engine.answers_ready() {
                self.send_text(answer, bytes)?;
            }
        }
    }

    /// How long the socket is waited on: a moment with background work to do, until the next
    /// poll of a followed table, else until a message comes.
    fn wait(&self) -> Option<Duration> {
        let least = Duration::from_millis(1);
        if self.engine.has_work() {
            return Some(least);
        }
        let poll = self.following.as_ref()?.next_poll;
        Some(poll.saturating_duration_since(Instant::now()).max(least))
    }

    /// A request as JSON text: `served`, `read_file` and `unfollow` are the server's, and so is
    /// refusing to read or fetch anything else; any other request is the engine's.
    fn on_text(&mut self, text: &str) -> Result<(), tungstenite::Error> {
        let ours = [
            r#""ask":"served""#,
            r#""ask":"read"#,
            r#""ask":"fetch"#,
            r#""ask":"unfollow""#,
        ];
        if ours.iter().any(|name| text.contains(name)) {
            if let Ok(envelope) = serde_json::from_str::<Envelope<Request>>(text) {
                let id = envelope.id;
                match envelope.body {
                    Request::Served => return self.send(Envelope::new(id, self.list())),
                    Request::ReadFile {
                        label,
                        link,
                        documents,
                    } => {
                        self.stop_following(Answer::Refused(Refusal::Superseded))?;
                        return self.read_served(id, label, link, documents);
                    }
                    Request::Unfollow => {
                        let status = self.engine.handle(Request::Status);
                        self.stop_following(status.clone())?;
                        return self.send(Envelope::new(id, status));
                    }
                    Request::Read(_)
                    | Request::ReadOn { .. }
                    | Request::Fetch { .. }
                    | Request::FetchPage { .. } => {
                        let refusal = self.reads_only_its_own("");
                        return self.send(Envelope::new(id, refusal));
                    }
                    _ => {}
                }
            }
        }
        if let Some(answer) = self.engine.answer_json_or_wait(text) {
            let bytes = self.engine.take_attachment();
            self.send_text(answer, bytes)?;
        }
        Ok(())
    }

    /// The refusal of a read of anything but a source it serves (`label`, where one is named).
    fn reads_only_its_own(&self, label: &str) -> Answer {
        let names: Vec<&str> = self.served.iter().map(|s| s.label.as_str()).collect();
        let message = match label {
            "" => format!(
                "this engine reads only the sources it was started with: {}",
                names.join(", ")
            ),
            label => format!(
                "this engine serves no source `{label}`; it serves: {}",
                names.join(", ")
            ),
        };
        Answer::Refused(Refusal::Unavailable { message })
    }

    /// A request with bytes beside it: the JSON's length in four bytes, the JSON, the bytes.
    fn on_binary(&mut self, message: &[u8]) -> Result<(), tungstenite::Error> {
        let answer = match frame::split(message) {
            Some((request, bytes)) => {
                let len = bytes.len();
                self.engine
                    .answer_json_attached(request, len, |into| into.copy_from_slice(bytes))
            }
            None => self.engine.answer_json(""),
        };
        let bytes = self.engine.take_attachment();
        self.send_text(answer, bytes)
    }

    fn list(&self) -> Answer {
        Answer::Served(self.served.iter().map(|s| s.label.clone()).collect())
    }

    /// Reads the source served under `label` into the engine a megabyte at a time, with a
    /// notice of how far it has come at most every `NOTICE_EVERY`, and last the source read.
    fn read_served(
        &mut self,
        id: u64,
        label: String,
        link: String,
        documents: Vec<Document>,
    ) -> Result<(), tungstenite::Error> {
        let Some(served) = self.served.iter().find(|s| s.label == label).cloned() else {
            let refusal = self.reads_only_its_own(&label);
            return self.send(Envelope::new(id, refusal));
        };
        let follows = ViewState::from_query(&link).0.follow.is_some();
        let begin = Request::begin_local(label, link, documents);
        if let refused @ Answer::Refused(_) = self.engine.handle(begin) {
            return self.send(Envelope::new(id, refused));
        }
        let mut reading = Reading {
            id,
            received: 0,
            total: None,
            noticed_at: Instant::now(),
        };
        let fed = match &served.origin {
            Origin::File { path, bytes } => {
                reading.total = Some(*bytes);
                self.feed_file(path, &mut reading)?
            }
            Origin::Table(table) => match self.feed_table(table, &mut reading)? {
                Ok(rows) if follows => return self.follow(reading, rows),
                fed => fed.map(|_| ()),
            },
        };
        let last = match fed {
            Ok(()) => self.engine.handle(Request::Finish),
            Err(message) => self.engine.handle(Request::Stopped {
                status: 0,
                why: chronoscope_protocol::Stop::Failed { message },
            }),
        };
        match last {
            Answer::Opened(opened) => self.send(reading.answer(true, opened, None)),
            other => self.send(Envelope::new(id, other)),
        }
    }

    /// The table caught up: what was read is the source, and the rows after it are asked for
    /// every `POLL_EVERY` from now on.
    fn follow(&mut self, reading: Reading, rows: TableReader) -> Result<(), tungstenite::Error> {
        let live = FollowStep::Live { ended: false };
        match self.engine.handle(Request::Follow(live)) {
            Answer::Followed { opened, .. } => {
                self.send(reading.answer(false, opened, Some(Following::CaughtUp)))?;
                self.following = Some(Followed {
                    reading,
                    rows,
                    next_poll: Instant::now() + POLL_EVERY,
                });
                Ok(())
            }
            other => self.send(Envelope::new(reading.id, other)),
        }
    }

    /// Asks a followed table for its new rows once it is time, and appends them. A table that
    /// can no longer be read ends the follow, with the problem.
    fn poll_if_due(&mut self) -> Result<(), tungstenite::Error> {
        let Some(followed) = &mut self.following else {
            return Ok(());
        };
        if Instant::now() < followed.next_poll {
            return Ok(());
        }
        followed.next_poll = Instant::now() + POLL_EVERY;
        let (id, page) = (followed.reading.id, followed.rows.next_page());
        match page {
            Ok(None) => Ok(()),
            Ok(Some(rows)) => {
                followed.reading.received += rows.len() as u64;
                let lines = Envelope::new(id, Request::Follow(FollowStep::Lines));
                let answer = self
                    .engine
                    .answer_attached(lines, rows.len(), |into| into.copy_from_slice(&rows));
                match answer.body {
                    Answer::Followed { opened, .. } => {
                        let notice = followed
                            .reading
                            .answer(false, opened, Some(Following::Live));
                        self.send(notice)
                    }
                    _ => Ok(()),
                }
            }
            Err(error) => {
                let why = chronoscope_protocol::Stop::Failed {
                    message: error.to_string(),
                };
                let stopped = self.engine.handle(Request::Stopped { status: 0, why });
                self.stop_following(stopped)
            }
        }
    }

    /// Ends following a table, if one is followed: its read's last answer is `last` (the
    /// source as it stands, or why the read ended).
    fn stop_following(&mut self, last: Answer) -> Result<(), tungstenite::Error> {
        let Some(followed) = self.following.take() else {
            return Ok(());
        };
        match last {
            Answer::Opened(opened) => self.send(followed.reading.answer(true, opened, None)),
            other => self.send(Envelope::new(followed.reading.id, other)),
        }
    }

    /// Feeds the file to the source begun, mapped and a slice at a time (`SourceFile`); the
    /// outer error is the socket's, the inner the file's, after which what was read stays.
    fn feed_file(
        &mut self,
        path: &Path,
        reading: &mut Reading,
    ) -> Result<Result<(), String>, tungstenite::Error> {
        let file = match SourceFile::open(path) {
            Ok(file) => file,
            Err(error) => return Ok(Err(error.to_string())),
        };
        let fed = file.each_slice(
            |slice| self.feed(slice, reading).map_err(Stop::Socket),
            |error| Stop::File(error.to_string()),
        );
        match fed {
            Ok(()) => Ok(Ok(())),
            Err(Stop::File(message)) => Ok(Err(message)),
            Err(Stop::Socket(error)) => Err(error),
        }
    }

    /// Feeds a table's rows to the source begun, a keyset page at a time, and gives what reads
    /// the rows after them; errors as for a file.
    fn feed_table(
        &mut self,
        table: &TableSource,
        reading: &mut Reading,
    ) -> Result<Result<TableReader, String>, tungstenite::Error> {
        let mut rows = match table.open() {
            Ok(rows) => rows,
            Err(error) => return Ok(Err(error.to_string())),
        };
        loop {
            match rows.next_page() {
                Ok(Some(page)) => self.feed(Bytes::from(page), reading)?,
                Ok(None) => return Ok(Ok(rows)),
                Err(error) => return Ok(Err(error.to_string())),
            }
        }
    }

    /// Feeds bytes to the source begun, and says how far the read has come at most every
    /// `NOTICE_EVERY`.
    fn feed(&mut self, bytes: Bytes, reading: &mut Reading) -> Result<(), tungstenite::Error> {
        reading.received += bytes.len() as u64;
        let feed = Envelope::new(reading.id, Request::Feed);
        let answer = self.engine.answer_shared(feed, bytes);
        if let Answer::Opened(opened) = answer.body {
            if reading.noticed_at.elapsed() >= NOTICE_EVERY {
                reading.noticed_at = Instant::now();
                self.send(reading.answer(false, opened, None))?;
            }
        }
        Ok(())
    }

    fn send(&mut self, envelope: Envelope<Answer>) -> Result<(), tungstenite::Error> {
        let text = serde_json::to_string(&envelope).unwrap_or_default();
        self.send_text(text, None)
    }

    /// Sends an answer, with its bytes beside it in one binary message where it has some.
    fn send_text(
        &mut self,
        text: String,
        bytes: Option<Vec<u8>>,
    ) -> Result<(), tungstenite::Error> {
        let message = match bytes {
            Some(bytes) => Message::Binary(frame::join(&text, &bytes).into()),
            None => Message::Text(text.into()),
        };
        self.socket.send(message)
    }

    fn close(&mut self, code: CloseCode, why: &str) -> Result<(), tungstenite::Error> {
        let frame = CloseFrame {
            code,
            reason: why.into(),
        };
        self.socket.close(Some(frame))?;
        // The close is sent once the page's reply to it is read (or the page is gone).
        while self.socket.read().is_ok() {}
        Ok(())
    }
}

/// How far a read of a served source has come.
struct Reading {
    id: u64,
    received: u64,
    /// A file's size; a table's is not known before it is read.
    total: Option<u64>,
    noticed_at: Instant,
}

impl Reading {
    /// The read's answer: a notice (`done` false), with where following stands, or its last.
    fn answer(&self, done: bool, opened: Opened, following: Option<Following>) -> Envelope<Answer> {
        let read = Read {
            done,
            received: self.received,
            total: self.total,
            page: 1,
            opened: Some(opened),
            unread: None,
            wait_s: None,
            following,
        };
        Envelope::new(self.id, Answer::Read(Box::new(read)))
    }
}

/// True for a page that closed the connection, went away without closing it, or was refused
/// at the handshake.
fn is_gone(err: &tungstenite::Error) -> bool {
    use tungstenite::error::ProtocolError::ResetWithoutClosingHandshake;
    matches!(
        err,
        tungstenite::Error::ConnectionClosed
            | tungstenite::Error::AlreadyClosed
            // A handshake refused, which was said with its reason.
            | tungstenite::Error::Http(_)
            | tungstenite::Error::Protocol(ResetWithoutClosingHandshake)
    )
}

fn is_timeout(err: &std::io::Error) -> bool {
    matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}
