//! The engine's answers that write something for the auditor to keep: a view pinned to its
//! data (the link that reopens it), the exports of a moment and of the event list, and the
//! evidence pack. Each file says what it covers in its first line (`export`), and the pack is
//! made by `evidence` from what the engine holds: the page only names the view and the time.

use chronoscope_protocol as wire;
use chronoscope_protocol::{ExportKind, Refusal};

use crate::diff::{diff, Difference};
use crate::event_query::{filtered_positions, parse_event_query};
use crate::evidence::{evidence_files, write_pack, EvidenceInput};
use crate::export::{self, Scope};
use crate::integrity::pin::{check_pin, pin};
use crate::integrity::Report;
use crate::link::ViewState;
use crate::selection::{select, Selection};
use crate::timeline::Timeline;

use super::table::{table_export, TableCache};
use super::Source;

/// A view resolved against the source, with its moment: the selection, its stream and
/// position, or the refusal to say when it has none.
struct Moment {
    view: ViewState,
    selection: Selection,
    stream: String,
    pos: usize,
}

fn moment(timeline: &Timeline, link: &str) -> Result<Moment, Refusal> {
    let (view, _) = ViewState::from_query(link);
    let selection = select(timeline, &view);
    match (selection.stream.clone(), selection.pos) {
        (Some(stream), Some(pos)) => Ok(Moment {
            view,
            selection,
            stream,
            pos,
        }),
        (stream, _) => Err(Refusal::NoMoment { stream }),
    }
}

/// The view pinned to what it shows: its stream, its moment by version (and occurrence, where
/// the stream repeats versions), and `h=`/`hx=` over the data up to it. A view with no moment
/// is pinned to its stream alone.
pub(super) fn pinned(timeline: &Timeline, link: &str) -> String {
    let (mut view, _) = ViewState::from_query(link);
    let selection = select(timeline, &view);
    view.stream = selection.stream.clone().or(view.stream);
    let Some((stream, pos)) = selection.stream.as_deref().zip(selection.pos) else {
        return view.to_query();
    };
    let pin = pin(timeline, stream, pos);
    view.pin = pin.as_ref().map(|pin| pin.hash.clone());
    view.pin_marks = pin.map(|pin| pin.marks);
    if let (None, Some(head)) = (&view.time, timeline.head_at(stream, pos)) {
        let occurrence = timeline.occurrence_at(stream, pos);
        view.version = Some(head.version);
        view.dup = (occurrence > 1).then_some(occurrence);
    }
    view.to_query()
}

/// What checking the view's pin against the data up to its moment finds: the moment is the
/// selected event where its version is the link's `v=`, else it is missing.
pub(super) fn check_link_pin(timeline: &Timeline, link: &str) -> Option<wire::PinCheck> {
    let (view, _) = ViewState::from_query(link);
    let hash = view.pin.as_deref()?;
    let selection = select(timeline, &view);
    let stream = selection.stream.as_deref().unwrap_or_default();
    let pos = selection
        .pos
        .filter(|&pos| timeline.head_at(stream, pos).map(|h| h.version) == view.version);
    let check = check_pin(timeline, stream, pos, hash, view.pin_marks.as_deref());
    Some(wire::PinCheck {
        result: check.key().to_string(),
        message: check.message(),
    })
}

/// What changed from the comparison point to the moment.
fn changes(timeline: &Timeline, moment: &Moment) -> Vec<Difference> {
    diff(
        &moment.selection.compare_state(timeline),
        &timeline.state_after(&moment.stream, Some(moment.pos)),
    )
}

/// A file of the view; the period-end table from the table kept (`tables`) where it is the
/// view's.
pub(super) fn export(
    source: &Source<'_>,
    tables: &mut TableCache,
    what: ExportKind,
    link: &str,
) -> Result<wire::FileOut, Refusal> {
    let timeline = source.timeline;
    match what {
        ExportKind::TableCsv => Ok(table_export(source, tables, link)),
        ExportKind::EventsCsv | ExportKind::EventsJsonl => list_export(timeline, what, link),
        ExportKind::State | ExportKind::DiffJson | ExportKind::DiffCsv => {
            moment_export(timeline, what, &moment(timeline, link)?)
        }
    }
}

fn moment_export(
    timeline: &Timeline,
    what: ExportKind,
    moment: &Moment,
) -> Result<wire::FileOut, Refusal> {
    let scope =
        export::moment_scope(timeline, &moment.stream, moment.pos).ok_or(Refusal::NoPosition {
            stream: moment.stream.clone(),
            pos: moment.pos,
        })?;
    let (text, name, mime) = match what {
        ExportKind::State => {
            let state = timeline.state_after(&moment.stream, Some(moment.pos));
            let text = export::state_json(&state, &scope);
            (text, "state.json", "application/json")
        }
        ExportKind::DiffCsv => {
            let from = moment.selection.compared_with(timeline);
            let text = export::diff_csv(&changes(timeline, moment), &from, &scope);
            (text, "diff.csv", "text/csv")
        }
        _ => {
            let from = moment.selection.compared_with(timeline);
            let text = export::diff_json(&changes(timeline, moment), &from, &scope);
            (text, "diff.json", "application/json")
        }
    };
    let version = timeline
        .head_at(&moment.stream, moment.pos)
        .map(|h| h.version);
    Ok(file(
        export::file_name(Some(&moment.stream), version, name),
        mime,
        &scope,
        Some(text),
    ))
}

/// What the exports of the view would cover, in words.
pub(super) fn scopes(timeline: &Timeline, link: &str) -> wire::Answer {
    let moment = moment(timeline, link).ok().and_then(|moment| {
        export::moment_scope(timeline, &moment.stream, moment.pos).map(|scope| scope.text())
    });
    let list = listed(timeline, link)
        .ok()
        .map(|(_, scope, _)| scope.text());
    wire::Answer::Scopes { moment, list }
}

/// The view's stream, the scope of its event list as filtered (a filter that cannot be read
/// is not applied, in the list as here), and the log positions of the list's events.
fn listed(timeline: &Timeline, link: &str) -> Result<(Option<String>, Scope, Vec<usize>), Refusal> {
    let (view, _) = ViewState::from_query(link);
    if view.search_all {
        return searched(timeline, view.filter.unwrap_or_default());
    }
    let stream = select(timeline, &view)
        .stream
        .ok_or(Refusal::NoMoment { stream: None })?;
    let all = timeline.stream_log_positions(&stream);
    let filter = view.filter.unwrap_or_default();
    let shown = filtered_positions(timeline, &stream, &filter)
        .ok()
        .flatten();
    let positions: Vec<usize> = match &shown {
        Some(shown) => shown
            .iter()
            .filter_map(|&p| all.get(p).map(|&idx| idx as usize))
            .collect(),
        None => all.iter().map(|&idx| idx as usize).collect(),
    };
    let scope = Scope {
        n_events: positions.len(),
        stream: Some(stream.clone()),
        filter: shown.is_some().then_some(filter),
        as_of: None,
    };
    Ok((Some(stream), scope, positions))
}

/// The events of every stream the view's query matches (`scope=all`), in log order; a query
/// that cannot be read is refused, as the list shows nothing for it.
fn searched(
    timeline: &Timeline,
    filter: String,
) -> Result<(Option<String>, Scope, Vec<usize>), Refusal> {
    let query = parse_event_query(&filter).map_err(|err| Refusal::Query {
        text: filter.clone(),
        message: err.to_string(),
    })?;
    let positions = query.log_positions(timeline);
    let scope = Scope {
        n_events: positions.len(),
        stream: None,
        filter: Some(filter),
        as_of: None,
    };
    Ok((None, scope, positions))
}

/// The event list of the view's stream as filtered.
fn list_export(
    timeline: &Timeline,
    what: ExportKind,
    link: &str,
) -> Result<wire::FileOut, Refusal> {
    let (stream, scope, positions) = listed(timeline, link)?;
    let (text, name, mime) = match what {
        ExportKind::EventsJsonl => (
            export::events_jsonl(timeline, &positions, &scope),
            "events.jsonl",
            "application/x-ndjson",
        ),
        _ => (
            export::events_csv(timeline, &positions, &scope),
            "events.csv",
            "text/csv",
        ),
    };
    let name = export::file_name(stream.as_deref(), None, name);
    Ok(file(name, mime, &scope, Some(text)))
}

fn file(name: String, mime: &str, scope: &Scope, text: Option<String>) -> wire::FileOut {
    wire::FileOut {
        name,
        mime: mime.to_string(),
        scope: scope.text(),
        text,
    }
}

/// The evidence pack of the view, as its file and its bytes. The integrity report must be
/// final (the whole source folded and checked).
pub fn evidence(
    source: &Source<'_>,
    report: &Report,
    request: &wire::EvidenceRequest,
) -> Result<(wire::FileOut, Vec<u8>), Refusal> {
    let timeline = source.timeline;
    let moment = moment(timeline, &request.link)?;
    let state = timeline.state_after(&moment.stream, Some(moment.pos));
    let changes = changes(timeline, &moment);
    let link = format!("{}?{}", request.page, pinned(timeline, &request.link));
    let input = EvidenceInput {
        timeline,
        stream: &moment.stream,
        pos: moment.pos,
        whole_source: request.whole_source,
        state: &state,
        diff: &changes,
        compared_with: moment.selection.compared_with(timeline),
        projection: source.projection_text,
        mapping: moment.view.mapping.as_deref(),
        report,
        link,
        app_version: &request.app_version,
        exported: request.exported,
        exported_local: request.exported_local.clone(),
        source: source.label.to_string(),
        format: source.detection.format,
    };
    let bytes = write_pack(&evidence_files(&input)).map_err(|err| Refusal::Unwritable {
        message: err.to_string(),
    })?;
    let what = match request.whole_source {
        true => "evidence-whole.zip",
        false => "evidence.zip",
    };
    let version = timeline
        .head_at(&moment.stream, moment.pos)
        .map(|h| h.version);
    let scope = match request.whole_source {
        true => format!("the whole source, {} events", timeline.len()),
        false => format!("{} up to v{}", moment.stream, version.unwrap_or_default()),
    };
    let out = wire::FileOut {
        name: export::file_name(Some(&moment.stream), version, what),
        mime: "application/zip".into(),
        scope,
        text: None,
    };
    Ok((out, bytes))
}
