//! One source open in the engine, asked through the engine protocol exactly as the panel asks
//! its worker (`begin`, `feed` with the bytes beside it, `finish`): a file mapped into memory
//! and given a slice at a time, a PostgreSQL table a keyset page at a time; an evidence pack is
//! opened with `open_pack`. The engine then folds everything before the command asks its
//! questions (`status`, `integrity`, `moment`, `search`), so that every answer is final.

use std::fmt;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use chronoscope_core::engine::Engine;
use chronoscope_core::link::ViewState;
use chronoscope_protocol::{Answer, Document, Envelope, Opened, PackOpened, Refusal, Request};

use crate::mapped::SourceFile;
use crate::table::{TableError, TableSource};

/// Why a command could not give its answer.
#[derive(Debug)]
pub enum CliError {
    /// A file could not be read.
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The engine refused a request.
    Refused { asked: String, refusal: Refusal },
    /// The engine answered a request with an answer of another kind.
    Unexpected { asked: String, answer: &'static str },
    /// Something the person asked for is not there (a stream, a moment).
    NotFound(String),
    /// A PostgreSQL table could not be read.
    Table(TableError),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Read { path, error } => write!(f, "{}: {error}", path.display()),
            CliError::Refused { asked, refusal } => write!(f, "{asked}: {refusal}"),
            CliError::Unexpected { asked, answer } => {
                write!(f, "{asked}: the engine answered `{answer}`")
            }
            CliError::NotFound(what) => f.write_str(what),
            CliError::Table(err) => write!(f, "{err}"),
        }
    }
}

/// How much of a source is folded before the command asks its questions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fold {
    Everything,
    IndexOnly,
}

/// The engine with one source (or pack) open.
pub struct Session {
    engine: Engine,
    next_id: u64,
}

impl Session {
    /// Opens a source file with the choices of a deep link's query (`fmt=`, `tz=`, `map=`,
    /// `proj=`); a mapping or projection the link names by address is read from that path.
    /// With `Fold::Everything`, every stream is folded before it answers, so that the problems
    /// it lists are final (an event that cannot be applied is found by its stream's fold); a
    /// state or a search needs only the index (index-first: a stream not folded yet is replayed
    /// from its events, with the same answers).
    /// A source that is a `postgres://` address is a table, read in keyset pages.
    pub fn open_source(
        source: &str,
        link: &str,
        fold: Fold,
    ) -> Result<(Session, Opened), CliError> {
        let table = TableSource::parse(source)
            .transpose()
            .map_err(CliError::Table)?;
        let path = Path::new(source);
        let documents = documents_of(link)?;
        let mut session = Session::new();
        let label = table
            .as_ref()
            .map_or_else(|| label_of(path), |t| t.table.clone());
        let begin = Request::begin_local(label, link.to_string(), documents);
        session.ask(begin)?;
        match &table {
            Some(table) => session.feed_table(table)?,
            None => session.feed_file(path)?,
        }
        let opened = match session.ask(Request::Finish)? {
            Answer::Opened(opened) => opened,
            other => return Err(unexpected("finish", &other)),
        };
        if fold == Fold::IndexOnly {
            return Ok((session, opened));
        }
        session.fold_everything();
        // Asked again once everything is folded: an event that cannot be applied is found when
        // its stream is folded.
        let opened = match session.ask(Request::Status)? {
            Answer::Opened(status) => status,
            _ => opened,
        };
        Ok((session, opened))
    }

    /// Opens an evidence pack: the engine checks each file against the manifest and the
    /// pack's `state.json` against the replay of its events.
    pub fn open_pack(path: &Path) -> Result<(Session, PackOpened), CliError> {
        let failed = |error| CliError::Read {
            path: path.to_path_buf(),
            error,
        };
        let bytes = SourceFile::open(path)
            .and_then(SourceFile::bytes)
            .map_err(failed)?;
        let mut session = Session::new();
        let request = Request::OpenPack {
            name: label_of(path),
        };
        let answer = session.ask_shared(request, bytes);
        match session.expect(answer, "open_pack")? {
            Answer::PackOpened(pack) => {
                session.fold_everything();
                Ok((session, pack))
            }
            other => Err(unexpected("open_pack", &other)),
        }
    }

    /// Asks the engine one request about what is open.
    pub fn ask(&mut self, request: Request) -> Result<Answer, CliError> {
        let asked = request_name(&request);
        let id = self.next_id();
        let answer = self.engine.answer(Envelope::new(id, request)).body;
        self.expect(answer, &asked)
    }

    /// Feeds a file to the source begun, mapped into memory and given a slice at a time, so
    /// that the engine reads its records where they are (`SourceFile`).
    fn feed_file(&mut self, path: &Path) -> Result<(), CliError> {
        let failed = |error| CliError::Read {
            path: path.to_path_buf(),
            error,
        };
        let file = SourceFile::open(path).map_err(failed)?;
        file.each_slice(|slice| self.feed_shared(slice), failed)
    }

    /// Feeds bytes to the source begun, shared rather than copied.
    fn feed_shared(&mut self, bytes: Bytes) -> Result<(), CliError> {
        let answer = self.ask_shared(Request::Feed, bytes);
        self.expect(answer, "feed").map(drop)
    }

    /// Asks a request with bytes beside it, shared rather than copied.
    fn ask_shared(&mut self, request: Request, bytes: Bytes) -> Answer {
        let id = self.next_id();
        self.engine
            .answer_shared(Envelope::new(id, request), bytes)
            .body
    }

    /// Feeds a table's rows to the source begun, a keyset page at a time.
    fn feed_table(&mut self, table: &TableSource) -> Result<(), CliError> {
        let mut rows = table.open().map_err(CliError::Table)?;
        while let Some(page) = rows.next_page().map_err(CliError::Table)? {
            self.feed_shared(Bytes::from(page))?;
        }
        Ok(())
    }

    fn new() -> Session {
        Session {
            engine: Engine::new(),
            next_id: 1,
        }
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn expect(&self, answer: Answer, asked: &str) -> Result<Answer, CliError> {
        match answer {
            Answer::Refused(refusal) => Err(CliError::Refused {
                asked: asked.to_string(),
                refusal,
            }),
            answer => Ok(answer),
        }
    }

    fn fold_everything(&mut self) {
        while self.engine.work(usize::MAX) {}
    }
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|error| CliError::Read {
        path: path.to_path_buf(),
        error,
    })
}

/// The documents a link names by address (`map=`, `proj=`), read from those paths.
fn documents_of(link: &str) -> Result<Vec<Document>, CliError> {
    let (view, _) = ViewState::from_query(link);
    let named = [&view.mapping, &view.projection];
    named
        .into_iter()
        .flatten()
        .filter(|value| !value.trim_start().starts_with('{'))
        .map(|address| {
            let path = Path::new(address);
            let text = String::from_utf8(read(path)?).map_err(|err| CliError::Read {
                path: path.to_path_buf(),
                error: std::io::Error::new(std::io::ErrorKind::InvalidData, err),
            })?;
            Ok(Document {
                address: address.clone(),
                text,
                unfetched: false,
            })
        })
        .collect()
}

/// A file source's label: its name.
pub fn label_of(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// A request's name as the protocol writes it (`integrity`, `moment`, …).
fn request_name(request: &Request) -> String {
    serde_json::to_value(request)
        .ok()
        .and_then(|value| value.get("ask")?.as_str().map(str::to_string))
        .unwrap_or_else(|| "request".into())
}

pub fn unexpected(asked: &str, answer: &Answer) -> CliError {
    CliError::Unexpected {
        asked: asked.to_string(),
        answer: answer.name(),
    }
}
