//! The selected stream's events (version, type, time, author), filtered by `q`, or with *Every
//! stream* (`scope=all`) the events of every stream `q` matches (`search`), virtualized:
//! only the rows in view (plus a few) are in the DOM, whatever the stream's length; the
//! geometry (`ListWindow`) keeps every row reachable past the browser's tallest element. The
//! rows are the engine's answer to `events` for the window in view, and the list's length, the
//! filter's problem and the selected event's row its answer for none.

use chronoscope_core::view::shown::shown_id;
use chronoscope_core::view::text::{count, decimal};
use chronoscope_protocol::{Answer, EventRow, Request};
use leptos::prelude::*;

use super::context::{use_app, AppCtx};
use super::format::{short_utc, utc, NO_TIME};
use super::virtual_rows::{use_virtual_rows, UseVirtualRowsReturn};

/// The height of one row, in CSS pixels; the style sheet uses the same.
pub const ROW_HEIGHT: f64 = 28.0;
/// Rows rendered beyond the visible ones, above and below.
const OVERSCAN: usize = 3;

/// What the list is as a whole: its number of rows, why its filter cannot be read (it then
/// shows every event), and the selected event's row (`None` where the filter hides it).
#[derive(Clone, Debug, Default, PartialEq)]
struct ListSummary {
    n_rows: usize,
    filter_problem: Option<String>,
    selected_row: Option<usize>,
}

/// The event list with its filter.
#[component]
pub fn EventList() -> impl IntoView {
    let ctx = use_app();
    let filter = move || ctx.view.with(|v| v.filter.clone());
    let search_all = move || ctx.view.with(|v| v.search_all);
    // A window of the list: the stream's events under the filter, or, searching every stream
    // (`scope=all`), the events of every stream the filter matches.
    let asked = move |from: usize, len: usize, find: Option<usize>| {
        let filter = filter();
        if search_all() {
            let query = filter.unwrap_or_default();
            return Some(Request::Search { query, from, len });
        }
        Some(Request::Events {
            stream: ctx.stream.get()?,
            from,
            len,
            filter,
            find,
        })
    };
    // Unfiltered, the selected event's row is its position: the list is not asked again when
    // only the selection moves, and scrolls to it as soon as the moment is shown.
    let summary = ctx.engine.answer_memo(
        move || {
            let find = filter()
                .and_then(|_| ctx.shown.selection.with(|s| s.pos))
                .filter(|_| !search_all());
            asked(0, 0, find)
        },
        |answer| match answer {
            Answer::Events {
                n_rows,
                filter_problem,
                found_row,
                ..
            } => Some(ListSummary {
                n_rows,
                filter_problem,
                selected_row: found_row,
            }),
            _ => None,
        },
    );
    let summary = Memo::new(move |_| {
        let mut summary = summary.get().unwrap_or_default();
        if filter().is_none() && !search_all() {
            summary.selected_row = ctx.shown.selection.with(|s| s.pos);
        }
        summary
    });
    let UseVirtualRowsReturn {
        scroller,
        geometry,
        rows: window_rows,
        scroll_top,
        on_scroll,
        scroll_into_view,
    } = use_virtual_rows(
        Signal::derive(move || summary.with(|s| s.n_rows)),
        ROW_HEIGHT,
        OVERSCAN,
    );
    let window = ctx.engine.answer_to(move || {
        let (first, end) = window_rows.get();
        asked(first, end - first, None)
    });
    // Keep the selected event in view when its row moves (the selection moved, or a filter
    // changed the rows before it); not when rows are only added after it, as a followed source
    // grows: the measuring would cost a layout on every repaint. A row the list does not reach
    // yet (its length not yet answered for a stream just chosen) is scrolled to once it does.
    Effect::new(move |shown_row: Option<Option<usize>>| {
        let (row, n_rows) = summary.with(|s| (s.selected_row, s.n_rows));
        let reachable = row.filter(|&row| row < n_rows);
        if let Some(row) = reachable.filter(|&row| shown_row != Some(Some(row))) {
            scroll_into_view.run(row);
        }
        reachable
    });
    // Each row drawn at its place, from the window's first row on.
    let rows = move || {
        let Some(Answer::Events {
            from: first, rows, ..
        }) = window.get()
        else {
            return Vec::new();
        };
        let (geometry, scrolled) = (geometry.get(), scroll_top.get());
        rows.into_iter()
            .enumerate()
            .map(|(k, row)| (row, geometry.row_top(first + k, scrolled)))
            .collect::<Vec<_>>()
    };
    // Said when the filter hides the selected event, which the state still shows.
    let hidden_selection = move || {
        ctx.shown
            .selection
            .with(|s| s.pos)
            .filter(|_| !search_all())?;
        let hidden = summary.with(|s| s.selected_row.is_none());
        let version = ctx.shown.cursor.get()?.version;
        hidden.then(|| format!("The selected event, v{version}, is hidden by the filter."))
    };
    let filter_error = move || {
        summary
            .with(|s| s.filter_problem.clone())
            .map(|err| format!("The filter is not applied: {err}"))
    };
    view! {
        <section class="events" aria-label="Events">
            <div class="events-head">
                <h2>"Events"</h2>
                <input
                    id="event-filter"
                    type="search"
                    data-testid="filter"
                    placeholder="Filter: word type: author: v:1..9 after: text: /data/x>1  (/)"
                    aria-label="Filter events"
                    prop:value=move || filter().unwrap_or_default()
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        ctx.view.update(|v| v.filter = (!text.is_empty()).then_some(text));
                    }
                />
                <label class="search-all">
                    <input type="checkbox" data-testid="search-all" prop:checked=search_all
                        on:change=move |ev| {
                            let all = event_target_checked(&ev);
                            ctx.view.update(|v| v.search_all = all);
                        }
                    />
                    "Every stream"
                </label>
                <span class="match-count">{move || format!("{} shown", count(summary.with(|s| s.n_rows)))}</span>
            </div>
            {move || filter_error().map(|text| view! { <p class="filter-error" data-testid="filter-error" role="alert">{text}</p> })}
            {move || hidden_selection().map(|text| view! { <p class="selection-hidden" data-testid="selection-hidden" role="status">{text}</p> })}
            <div class="event-scroller" class:across=search_all node_ref=scroller role="listbox" tabindex="0"
                aria-label=move || if search_all() { "Events of every stream" } else { "Events of the stream" }
                on:scroll=move |_| on_scroll.run(())>
                <div class="event-spacer"
                    style:height=move || format!("{}px", decimal(geometry.get().spacer_height()))>
                    {move || rows().into_iter().map(|(row, top)| event_row(ctx, row, top)).collect_view()}
                </div>
            </div>
        </section>
    }
}

/// One row: the event's version, its type in its colour, its author and its time (and, in a
/// search of every stream, its stream), drawn at `top`; a click selects it, opening its stream.
fn event_row(ctx: AppCtx, row: EventRow, top: f64) -> impl IntoView {
    let pos = row.pos;
    let stream = row.stream.clone();
    let in_view = {
        let stream = stream.clone();
        move || stream.is_none() || ctx.stream.with(|shown| *shown == stream)
    };
    let selected = {
        let in_view = in_view.clone();
        move || (in_view() && ctx.shown.selection.with(|s| s.pos == Some(pos))).to_string()
    };
    let pinned = move || {
        in_view()
            && ctx
                .shown
                .selection
                .with(|s| s.compare_pinned && s.compare_stream.is_none() && s.compare == Some(pos))
    };
    let (version, occurrence) = (row.version, row.occurrence);
    let select = {
        let stream = stream.clone();
        move |_| match stream.clone() {
            Some(stream) => ctx.select_event(stream, version, occurrence),
            None => ctx.select_position(pos),
        }
    };
    let stream_cell =
        stream.map(|stream| view! { <span class="stream">{shown_id(&stream).into_owned()}</span> });
    // Read where the rows are drawn, so that they are drawn again when the report comes.
    let finding = finding_on(ctx, row.seq);
    let when = row.time.map_or_else(
        || NO_TIME.to_string(),
        |time| format!("{} · {}", utc(&time), ctx.in_zone(&time)),
    );
    let flagged = finding.is_some();
    let title = match finding {
        Some(finding) => format!("{when}\n⚠ {finding}"),
        None => when,
    };
    let kind_class = format!("kind {}", ctx.kind_colour(&row.kind));
    let marker = ctx.kind_marker(&row.kind);
    let time = row
        .time
        .map_or_else(|| "—".to_string(), |time| short_utc(&time));
    let user = shown_id(row.user.as_deref().unwrap_or("—")).into_owned();
    view! {
        <div class="event-row" class:pinned=pinned class:flagged=flagged role="option" data-testid="event-row"
            data-version=row.version data-pos=pos aria-selected=selected title=title
            style:top=format!("{}px", decimal(top)) on:click=select>
            {stream_cell}
            <span class="version">
                {flagged.then(|| view! { <span class="flag" data-testid="row-flag">"⚠ "</span> })}
                {row.version}
            </span>
            <span class=kind_class data-marker=marker>{row.kind}</span>
            <span class="user">{user}</span>
            <span class="time">{time}</span>
        </div>
    }
}

/// What the integrity report found about the event at `seq` in the log (the first finding, of
/// those the report lists), once the checks have run.
fn finding_on(ctx: AppCtx, seq: u64) -> Option<String> {
    ctx.load.report.with(|report| {
        let findings = &report.as_ref()?.findings;
        let found = findings.iter().find(|f| f.log_idx == Some(seq as usize))?;
        Some(found.message.clone())
    })
}
