//! The printed report of a view's moment, laid out by the engine as lines the page only draws:
//! the source, the integrity verdict, the moment and its link pinned to the data, the stream's
//! events up to the moment with what each changed, the state then, and what changed since the
//! comparison point. A line names at most one instant (`ReportLine::time`), which the page writes
//! in UTC and in its display zone, whose rules are the browser's.

use chrono::{DateTime, Utc};
use chronoscope_protocol as wire;
use wire::{LineKind, ReportLine};

use super::{detail, files, Source};
use crate::diff::diff;
use crate::embed::link_to;
use crate::integrity::check;
use crate::link::ViewState;
use crate::number::count;
use crate::selection::select;
use crate::view::shown::shown_id;
use crate::view::text::change_line;

/// What the report is of, as the page asks for it.
pub(super) struct Asked<'a> {
    /// The view, as a deep link's query.
    pub link: &'a str,
    /// The page's origin and path, which a link without the host's `link_base` reopens.
    pub page: &'a str,
    pub link_base: Option<&'a str>,
    pub printed: DateTime<Utc>,
}

/// The report's lines, in the order a reader files them.
pub(super) fn report(source: &Source<'_>, asked: &Asked<'_>) -> Vec<ReportLine> {
    let timeline = source.timeline;
    let (view, _) = ViewState::from_query(asked.link);
    let selection = select(timeline, &view);
    let Some(stream) = selection.stream.clone() else {
        return vec![line(
            LineKind::Title,
            "Chronoscope report: no stream".into(),
        )];
    };
    let mut lines = header(source, asked, &stream, selection.pos);
    lines.extend(events_up_to(source, &stream, selection.pos));
    let state = timeline.state_after(&stream, selection.pos);
    lines.push(line(LineKind::Heading, "State at the moment".into()));
    lines.push(line(LineKind::Code, crate::export::pretty(&state)));
    let since = match (selection.compare, &selection.compare_stream) {
        (None, None) => "What changed since the stream began".into(),
        _ => format!("What changed since {}", selection.compared_with(timeline)),
    };
    lines.push(line(LineKind::Heading, since));
    let before = selection.compare_state(timeline);
    let changes = diff(&before, &state);
    if changes.is_empty() {
        lines.push(line(LineKind::Note, "Nothing.".into()));
    }
    lines.extend(
        changes
            .iter()
            .map(|change| line(LineKind::Change, change_line(change))),
    );
    lines
}

/// The title and the fields: the source, the verdict, the moment, when it was printed, and the
/// link that reopens it, pinned to the data.
fn header(
    source: &Source<'_>,
    asked: &Asked<'_>,
    stream: &str,
    pos: Option<usize>,
) -> Vec<ReportLine> {
    let verdict = check(source.timeline, source.detection.format, source.problems).summary;
    let (pinned, _) = ViewState::from_query(&files::pinned(source.timeline, asked.link));
    let link = link_to(&pinned, asked.page, asked.link_base).unwrap_or_else(|no| no.to_string());
    let moment = match pos.and_then(|pos| source.timeline.head_at(stream, pos)) {
        Some(head) => ReportLine {
            kind: LineKind::Field,
            text: format!("Moment: v{}", head.version),
            time: head.timed.then_some(head.time),
        },
        None => line(
            LineKind::Field,
            "Moment: before the stream's first event".into(),
        ),
    };
    vec![
        line(
            LineKind::Title,
            format!("Chronoscope report: {}", shown_id(stream)),
        ),
        line(LineKind::Field, format!("Source: {}", source.label)),
        line(LineKind::Field, format!("Integrity: {verdict}")),
        moment,
        ReportLine {
            kind: LineKind::Field,
            text: "Printed:".into(),
            time: Some(asked.printed),
        },
        line(LineKind::Field, format!("Link: {link}")),
    ]
}

/// The stream's events up to the moment, each followed by what it changed, and how many are left
/// out before and after.
fn events_up_to(source: &Source<'_>, stream: &str, pos: Option<usize>) -> Vec<ReportLine> {
    let history = detail::history(source.timeline, stream, pos, wire::MAX_HISTORY);
    let mut lines = vec![line(LineKind::Heading, "Events up to the moment".into())];
    if history.n_left_out > 0 {
        let words = format!(
            "The stream's first {} events are left out: the event list's CSV export has them all.",
            count(history.n_left_out)
        );
        lines.push(line(LineKind::Note, words));
    }
    for event in history.rows {
        lines.push(event_line(&event.row));
        if event.changes.is_empty() {
            lines.push(line(LineKind::Change, "no change".into()));
        }
        lines.extend(event.changes.into_iter().map(|c| line(LineKind::Change, c)));
    }
    let after = format!(
        "{} later events of the stream come after the moment.",
        count(history.n_after)
    );
    lines.push(line(LineKind::Note, after));
    lines
}

/// An event's line: its version, its type and its author, and its time.
fn event_line(row: &wire::EventRow) -> ReportLine {
    let author = shown_id(row.user.as_deref().unwrap_or("unknown")).into_owned();
    let untimed = match row.time {
        Some(_) => "",
        None => " · no time in the source",
    };
    ReportLine {
        kind: LineKind::Event,
        text: format!("v{} · {} · {author}{untimed}", row.version, row.kind),
        time: row.time,
    }
}

/// A line of text alone.
fn line(kind: LineKind, text: String) -> ReportLine {
    ReportLine {
        kind,
        text,
        time: None,
    }
}
