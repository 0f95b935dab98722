//! What the commands write: a report for people, or JSON for scripts. Both say the same things:
//! the verdict, what it rests on (events, streams, files) and every finding and problem the
//! engine listed, with how many there are in all where it lists only the first.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use chronoscope_protocol::{
    EventRow, Finding, History, Integrity, LineKind, Moment, Opened, PackOpened, ReportLine,
};
use serde_json::{json, Value};

pub fn print_json(value: &Value) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        // A `Value` always writes; this only keeps a panic out of the command.
        Err(err) => eprintln!("chronoscope: the answer could not be written: {err}"),
    }
}

/// `verify` for people: the verdict, each difference, then the events' own integrity.
pub fn verify_text(pack: &PackOpened, integrity: &Integrity) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {} files", pack.opened.label, pack.n_files);
    let _ = writeln!(out, "view: {}", pack.link);
    match pack.tampered.as_slice() {
        [] => {
            let _ = writeln!(
                out,
                "verified: every file matches the manifest, and state.json is the state its events replay to"
            );
        }
        tampered => {
            let _ = writeln!(out, "NOT VERIFIED: {} differences", tampered.len());
            for difference in tampered {
                let _ = writeln!(out, "  - {difference}");
            }
        }
    }
    out.push_str(&check_text(&pack.opened, integrity));
    out
}

pub fn verify_json(pack: &PackOpened, integrity: &Integrity) -> Value {
    json!({
        "pack": pack.opened.label,
        "verified": pack.tampered.is_empty(),
        "n_files": pack.n_files,
        "link": pack.link,
        "tampered": pack.tampered,
        "events": opened_json(&pack.opened),
        "integrity": integrity,
    })
}

/// `check` for people: what was read, the problems, the integrity verdict and its findings.
pub fn check_text(opened: &Opened, integrity: &Integrity) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}, {}, read as {} ({})",
        opened.label,
        count(opened.n_events, "event"),
        count(opened.n_streams, "stream"),
        opened.format_label,
        opened.reason
    );
    match opened.n_problems {
        0 => out.push_str("problems: none\n"),
        n => {
            let _ = writeln!(out, "problems: {n}");
            for problem in &opened.problems {
                let _ = writeln!(out, "  - {problem}");
            }
            if opened.problems.len() < n {
                let _ = writeln!(out, "  … and {} more", n - opened.problems.len());
            }
        }
    }
    let _ = writeln!(
        out,
        "integrity: {}: {}",
        integrity.result, integrity.summary
    );
    for finding in &integrity.findings {
        let _ = writeln!(out, "  - {}", finding_line(finding));
    }
    if integrity.findings.len() < integrity.n_findings {
        let more = integrity.n_findings - integrity.findings.len();
        let _ = writeln!(out, "  … and {more} more");
    }
    for what in &integrity.not_checked {
        let _ = writeln!(out, "not checked: {what}");
    }
    out
}

/// A finding in one line: how grave, where (stream and version, when it has them), what.
fn finding_line(finding: &Finding) -> String {
    let place = match (&finding.stream, finding.version) {
        (Some(stream), Some(version)) => format!(" in {stream} at v{version}"),
        (Some(stream), None) => format!(" in {stream}"),
        (None, _) => String::new(),
    };
    format!("{}{place}: {}", finding.severity, finding.message)
}

pub fn check_json(opened: &Opened, integrity: &Integrity) -> Value {
    json!({
        "source": opened.label,
        "clean": integrity.n_findings == 0 && opened.n_problems == 0,
        "events": opened_json(opened),
        "integrity": integrity,
    })
}

fn opened_json(opened: &Opened) -> Value {
    json!({
        "n_events": opened.n_events,
        "n_streams": opened.n_streams,
        "format": opened.format,
        "reason": opened.reason,
        "n_problems": opened.n_problems,
        "problems": opened.problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

/// Which event the state is after, in words.
pub fn moment_line(stream: &str, moment: &Moment) -> String {
    match &moment.selected.cursor {
        Some(cursor) => {
            let time = cursor
                .time
                .map_or_else(|| "no time".to_string(), |time| instant(&time));
            format!("{stream} after version {} ({time})", cursor.version)
        }
        None => format!("{stream} before its first event: no state"),
    }
}

pub fn state_json(stream: &str, moment: &Moment) -> Value {
    let cursor = moment.selected.cursor.as_ref();
    json!({
        "stream": stream,
        "version": cursor.map(|cursor| cursor.version),
        "time": cursor.and_then(|cursor| cursor.time).map(|time| instant(&time)),
        "state": moment.state,
    })
}

/// An instant as RFC 3339 in UTC, with `Z` and as many fraction digits as it has.
fn instant(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A number of things, with the noun in the plural unless it is one.
fn count(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// The matches of a search, one per line: stream, version, time, type and author, tab-separated.
pub fn search_text(rows: &[EventRow]) -> String {
    let mut out = String::new();
    for row in rows {
        let _ = writeln!(
            out,
            "{}\tv{}\t{}\t{}\t{}",
            row.stream.as_deref().unwrap_or_default(),
            row.version,
            row.time
                .map_or_else(|| "no time".to_string(), |time| instant(&time)),
            row.kind,
            row.user.as_deref().unwrap_or("")
        );
    }
    out
}

/// How many events in how many streams matched.
pub fn search_summary(query: &str, rows: &[EventRow]) -> String {
    let streams: std::collections::BTreeSet<_> = rows
        .iter()
        .filter_map(|row| row.stream.as_deref())
        .collect();
    format!(
        "{} in {} match `{query}`",
        count(rows.len(), "event"),
        count(streams.len(), "stream")
    )
}

pub fn search_json(query: &str, rows: &[EventRow]) -> Value {
    json!({
        "query": query,
        "n_matches": rows.len(),
        "matches": rows.iter().map(|row| json!({
            "stream": row.stream,
            "version": row.version,
            "pos": row.pos,
            "time": row.time.map(|time| instant(&time)),
            "type": row.kind,
            "author": row.user,
            "id": row.id,
        })).collect::<Vec<_>>(),
    })
}

/// A history, an event to a line (version, time, type and author, tab-separated), each followed
/// by what it changed, a change to an indented line.
pub fn history_text(history: &History) -> String {
    let mut out = String::new();
    for event in &history.rows {
        let row = &event.row;
        let time = row
            .time
            .map_or_else(|| "no time".to_string(), |time| instant(&time));
        let user = row.user.as_deref().unwrap_or("");
        let _ = writeln!(out, "v{}\t{time}\t{}\t{user}", row.version, row.kind);
        for change in &event.changes {
            let _ = writeln!(out, "\t{change}");
        }
        if event.changes.is_empty() {
            let _ = writeln!(out, "\tno change");
        }
    }
    out
}

/// How many events the history lists, and how many it leaves out before and after.
pub fn history_summary(stream: &str, history: &History) -> String {
    let mut summary = format!("{} of {stream}", count(history.rows.len(), "event"));
    if history.n_left_out > 0 {
        let _ = write!(summary, "; the first {} left out", history.n_left_out);
    }
    let _ = write!(
        summary,
        "; {} after the moment",
        count(history.n_after, "event")
    );
    summary
}

pub fn history_json(stream: &str, history: &History) -> Value {
    json!({
        "stream": stream,
        "n_left_out": history.n_left_out,
        "n_after": history.n_after,
        "events": history.rows.iter().map(|event| json!({
            "version": event.row.version,
            "time": event.row.time.map(|time| instant(&time)),
            "type": event.row.kind,
            "author": event.row.user,
            "changes": event.changes,
        })).collect::<Vec<_>>(),
    })
}

/// The report for people: each line as its kind sets it out (a title or heading underlined, a
/// change indented), its instant after its text, in UTC.
pub fn report_text(lines: &[ReportLine]) -> String {
    let mut out = String::new();
    for line in lines {
        let text = match &line.time {
            Some(time) => format!("{} {}", line.text, instant(time)),
            None => line.text.clone(),
        };
        let _ = match line.kind {
            LineKind::Title | LineKind::Heading => {
                writeln!(out, "\n{text}\n{}", "=".repeat(text.chars().count()))
            }
            LineKind::Change => writeln!(out, "    {text}"),
            LineKind::Field | LineKind::Event | LineKind::Note | LineKind::Code => {
                writeln!(out, "{text}")
            }
        };
    }
    out
}
