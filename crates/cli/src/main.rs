//! `chronoscope`: Chronoscope's engine as a command, for what has to be checked without a
//! browser: re-verifying an evidence pack (`verify`), a source's integrity report (`check`),
//! the events of every stream a query matches (`search`), a stream's state at a moment
//! (`state`), its history up to a moment, with what each event changed (`history`), and the
//! printed report of a moment (`report`). Each runs the same engine as the app, asked through
//! the same protocol (`session`), and writes what people read or, with `--json`, what scripts
//! read. The exit status says the verdict: 0 when the pack verifies or the source has no finding
//! and no problem, 1 when not, 2 when the command could not answer (a file that cannot be read,
//! a stream that is not there).

mod mapped;
mod report;
mod serve;
mod session;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use chronoscope_core::link::ViewState;
use chronoscope_protocol::{Answer, Request, MAX_HISTORY};
use clap::{Parser, Subcommand};

use session::{unexpected, CliError, Fold, Session};

/// mimalloc rather than the system's allocator: reading a PostgreSQL table's rows (a million
/// rows of `audit_logs`, as NDJSON) spent half its time in glibc's malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Chronoscope without a browser: verify evidence packs, check sources, search events, print
/// states and histories.
#[derive(Parser)]
#[command(name = "chronoscope", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Re-verifies an evidence pack: every file against its manifest, and its state.json
    /// against the replay of its events. Exits 0 when it verifies, 1 when it does not.
    Verify {
        /// The pack (`chronoscope-evidence-….zip`).
        pack: PathBuf,
        /// Writes the verdict as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Prints a source's integrity report and the problems found reading it. Exits 0 when there
    /// is neither a finding nor a problem, 1 otherwise.
    Check {
        /// The source: any file the app reads, or a PostgreSQL table where it lives
        /// (`postgres://user@host:port/db?table=audit_logs`, as for `serve`).
        source: String,
        /// A deep link's query with the reading's choices (`fmt=`, `tz=`, `map=`, `proj=`); a
        /// mapping or projection named by address is read from that path.
        #[arg(long, default_value = "")]
        link: String,
        /// Writes the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Lists the events of every stream that an event query matches (as a deep link's `q=`:
    /// `type:Approved author:dana after:2026-03-01 /data/total>10000`), in log order. Exits 0
    /// when something matches, 1 when nothing does.
    Search {
        /// The source, as for `check`.
        source: String,
        /// The event query.
        query: String,
        /// A deep link's query with the reading's choices, as for `check`.
        #[arg(long, default_value = "")]
        link: String,
        /// Writes the matches as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Prints the state of a stream after its last event at or before a moment (or at a
    /// version), as JSON with every number as written.
    State(StreamAt),
    /// Prints a stream's events up to a moment (or a version; without either, all of them),
    /// oldest first, each with its version, time, type, author and what it changed in the
    /// stream's state, a change a line.
    History(StreamAt),
    /// Prints the report of a stream's moment, to file: the source, the integrity verdict, the
    /// moment and its deep link pinned to the data (`h=`), the events up to the moment with what
    /// each changed, the state then and what changed since the event before. Times in UTC.
    Report(StreamAt),
    /// Runs the engine here and serves it to the panel in a browser over a WebSocket on
    /// 127.0.0.1, for sources larger than a browser holds: open the panel with
    /// `?engine=ws://127.0.0.1:PORT` and give it the token printed at start. It reads only the
    /// sources it is given.
    Serve {
        /// The sources the panel may open: any file the app reads, or a PostgreSQL table read
        /// where it lives, `postgres://user@host:port/db?table=audit_logs` (`&key=COLUMN` when
        /// its primary key is not one column); its password from PGPASSWORD or ~/.pgpass.
        #[arg(required = true)]
        sources: Vec<String>,
        /// The port on 127.0.0.1 (0: any free one).
        #[arg(long, default_value_t = serve::DEFAULT_PORT)]
        port: u16,
        /// A page allowed to connect, as its origin (`http://127.0.0.1:8080`); may be given more
        /// than once. Without one: the demo as `trunk serve` serves it.
        #[arg(long = "origin")]
        origins: Vec<String>,
    },
}

/// A stream and a moment of it in a source, as `state` and `history` take them.
#[derive(clap::Args)]
struct StreamAt {
    /// The source, as for `check`.
    source: String,
    #[arg(long)]
    stream: String,
    /// An instant, as a deep link's `t=` takes it (RFC 3339).
    #[arg(long, conflicts_with = "version")]
    at: Option<String>,
    /// A version of the stream.
    #[arg(long)]
    version: Option<u64>,
    /// A deep link's query with the reading's choices, as for `check`.
    #[arg(long, default_value = "")]
    link: String,
    /// Writes the answer as one JSON object.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let verdict = match cli.command {
        Command::Verify { pack, json } => verify(&pack, json),
        Command::Check { source, link, json } => check(&source, &link, json),
        Command::Search {
            source,
            query,
            link,
            json,
        } => search(&source, &link, &query, json),
        Command::State(asked) => state(asked),
        Command::History(asked) => history(asked),
        Command::Report(asked) => print_report(asked),
        Command::Serve {
            sources,
            port,
            origins,
        } => return serve(&sources, port, &origins),
    };
    match verdict {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            eprintln!("chronoscope: {err}");
            ExitCode::from(2)
        }
    }
}

/// Serves the engine until the process ends; exit 2 when it cannot start.
fn serve(sources: &[String], port: u16, origins: &[String]) -> ExitCode {
    match serve::Server::bind(sources, port, origins) {
        Ok(server) => {
            print!("{}", server.greeting());
            let _ = std::io::Write::flush(&mut std::io::stdout());
            server.run();
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("chronoscope serve: {err}");
            ExitCode::from(2)
        }
    }
}

/// True when the pack verifies.
fn verify(pack: &std::path::Path, json: bool) -> Result<bool, CliError> {
    let (mut session, opened) = Session::open_pack(pack)?;
    let integrity = integrity(&mut session)?;
    let verified = opened.tampered.is_empty();
    match json {
        true => report::print_json(&report::verify_json(&opened, &integrity)),
        false => print!("{}", report::verify_text(&opened, &integrity)),
    }
    Ok(verified)
}

/// True when the source has no finding and no problem.
fn check(source: &str, link: &str, json: bool) -> Result<bool, CliError> {
    let (mut session, opened) = Session::open_source(source, link, Fold::Everything)?;
    let integrity = integrity(&mut session)?;
    let clean = integrity.n_findings == 0 && opened.n_problems == 0;
    match json {
        true => report::print_json(&report::check_json(&opened, &integrity)),
        false => print!("{}", report::check_text(&opened, &integrity)),
    }
    Ok(clean)
}

fn integrity(session: &mut Session) -> Result<chronoscope_protocol::Integrity, CliError> {
    match session.ask(Request::Integrity)? {
        Answer::Integrity(integrity) => Ok(integrity),
        other => Err(unexpected("integrity", &other)),
    }
}

/// Prints the matches; true when there is one.
fn search(source: &str, link: &str, query: &str, json: bool) -> Result<bool, CliError> {
    let (mut session, _) = Session::open_source(source, link, Fold::IndexOnly)?;
    let request = Request::Search {
        query: query.to_string(),
        from: 0,
        len: usize::MAX,
    };
    let (rows, problem) = match session.ask(request)? {
        Answer::Events {
            rows,
            filter_problem,
            ..
        } => (rows, filter_problem),
        other => return Err(unexpected("search", &other)),
    };
    if let Some(problem) = problem {
        return Err(CliError::NotFound(format!(
            "the query cannot be read: {problem}"
        )));
    }
    match json {
        true => report::print_json(&report::search_json(query, &rows)),
        false => {
            print!("{}", report::search_text(&rows));
            eprintln!("{}", report::search_summary(query, &rows));
        }
    }
    Ok(!rows.is_empty())
}

/// Prints the state; true once it is printed.
fn state(asked: StreamAt) -> Result<bool, CliError> {
    let (mut session, _) = Session::open_source(&asked.source, &asked.link, Fold::IndexOnly)?;
    let moment = moment_of(&mut session, &asked)?;
    let stream = asked.stream.as_str();
    match asked.json {
        true => report::print_json(&report::state_json(stream, &moment)),
        false => {
            eprintln!("{}", report::moment_line(stream, &moment));
            report::print_json(&moment.state);
        }
    }
    Ok(true)
}

/// The moment `asked` names (neither a time nor a version: the stream's last event), as the
/// engine selects it; the notes it made (a version not there, say) are written to stderr.
fn moment_of(
    session: &mut Session,
    asked: &StreamAt,
) -> Result<Box<chronoscope_protocol::Moment>, CliError> {
    let (mut view, _) = ViewState::from_query(&asked.link);
    view.stream = Some(asked.stream.clone());
    view.time = asked.at.clone();
    view.version = asked.version;
    let request = Request::Moment {
        link: view.to_query(),
        at: None,
    };
    let moment = match session.ask(request)? {
        Answer::Moment(moment) => moment,
        other => return Err(unexpected("moment", &other)),
    };
    if moment.selected.stream.as_deref() != Some(asked.stream.as_str()) {
        return Err(CliError::NotFound(format!(
            "no stream `{}` in the source",
            asked.stream
        )));
    }
    for note in &moment.selected.notes {
        eprintln!("chronoscope: {note}");
    }
    Ok(moment)
}

/// Prints the history; true once it is printed.
fn history(asked: StreamAt) -> Result<bool, CliError> {
    let (mut session, _) = Session::open_source(&asked.source, &asked.link, Fold::IndexOnly)?;
    let moment = moment_of(&mut session, &asked)?;
    let stream = asked.stream.as_str();
    let request = Request::History {
        stream: stream.to_string(),
        upto: moment.selected.pos,
        max: MAX_HISTORY,
    };
    let history = match session.ask(request)? {
        Answer::History(history) => history,
        other => return Err(unexpected("history", &other)),
    };
    match asked.json {
        true => report::print_json(&report::history_json(stream, &history)),
        false => {
            print!("{}", report::history_text(&history));
            eprintln!("{}", report::history_summary(stream, &history));
        }
    }
    Ok(true)
}

/// Prints the report, a line at a time (`--json`: the engine's lines); true once it is printed.
fn print_report(asked: StreamAt) -> Result<bool, CliError> {
    let (mut session, _) = Session::open_source(&asked.source, &asked.link, Fold::Everything)?;
    let moment = moment_of(&mut session, &asked)?;
    let (mut view, _) = ViewState::from_query(&asked.link);
    view.stream = Some(asked.stream.clone());
    view.version = moment.selected.cursor.as_ref().map(|cursor| cursor.version);
    view.time = asked.at.clone().filter(|_| view.version.is_none());
    let request = Request::Report {
        link: view.to_query(),
        page: String::new(),
        link_base: None,
        printed: chrono::Utc::now(),
    };
    let lines = match session.ask(request)? {
        Answer::Report { lines } => lines,
        other => return Err(unexpected("report", &other)),
    };
    match asked.json {
        true => report::print_json(&serde_json::json!({ "lines": lines })),
        false => print!("{}", report::report_text(&lines)),
    }
    Ok(true)
}
