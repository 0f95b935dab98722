//! The selected stream's events (version, type, time, author), filtered by `q`, virtualized:
//! only the rows in view (plus a few) are in the DOM, whatever the stream's length; the
//! geometry (`ListWindow`) keeps every row reachable past the browser's tallest element.

use leptos::prelude::*;

use wasm_bindgen::JsCast;

use super::context::{use_app, AppCtx};
use super::dom::{append_element, clicked_number};
use super::format::{local, short_utc, utc, NO_TIME};
use super::virtual_rows::{use_virtual_rows, UseVirtualRowsReturn};
use chronoscope_core::event_query::filtered_positions;
use chronoscope_core::view::list_window::Shown;
use chronoscope_core::view::shown::shown_id;
use chronoscope_core::view::text::{count, decimal};

/// The height of one row, in CSS pixels; the style sheet uses the same.
pub const ROW_HEIGHT: f64 = 28.0;
/// Rows rendered beyond the visible ones, above and below.
const OVERSCAN: usize = 3;

/// The event list with its filter.
#[component]
pub fn EventList() -> impl IntoView {
    let ctx = use_app();
    // Positions (in the stream) of the events that match the filter, ascending, and why the
    // filter cannot be read, if it cannot (the list then shows every event).
    let filtered = Memo::new(move |_| {
        let stream = ctx.stream.get();
        let filter = ctx.view.with(|v| v.filter.clone()).unwrap_or_default();
        ctx.loaded.with(|l| {
            let (Some(l), Some(stream)) = (l.as_ref(), stream) else {
                return (Shown::All(0), None);
            };
            let all = Shown::All(l.timeline.stream_len(&stream));
            match filtered_positions(&l.timeline, &stream, &filter) {
                Ok(Some(positions)) => (Shown::Only(positions), None),
                Ok(None) => (all, None),
                Err(err) => (all, Some(format!("The filter is not applied: {err}"))),
            }
        })
    });
    let matching = Memo::new(move |_| filtered.with(|(shown, _)| shown.clone()));
    let UseVirtualRowsReturn {
        scroller,
        geometry,
        rows: window_rows,
        scroll_top,
        on_scroll,
        scroll_into_view,
    } = use_virtual_rows(
        Signal::derive(move || matching.with(Shown::len)),
        ROW_HEIGHT,
        OVERSCAN,
    );
    // Keep the selected event in view when its row moves (the selection moved, or a filter
    // changed the rows before it); not when rows are only added after it, as a followed source
    // grows: the measuring would cost a layout on every repaint.
    Effect::new(move |shown_row: Option<Option<usize>>| {
        let pos = ctx.selection.with(|s| s.pos);
        let row = pos.and_then(|pos| matching.with(|m| m.row_of(pos)));
        if let Some(row) = row.filter(|&row| shown_row != Some(Some(row))) {
            scroll_into_view.run(row);
        }
        row
    });
    // Rows written with DOM text calls rather than a `view!` per row, for the bundle's budget
    // (see `period_table`).
    let spacer = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        let (start, end) = window_rows.get();
        let selected = ctx.selection.with(|s| s.pos);
        let pinned = ctx
            .selection
            .with(|s| s.compare_pinned.then_some(s.compare).flatten());
        let window = geometry.get();
        let scrolled = scroll_top.get();
        let positions: Vec<usize> =
            matching.with(|m| (start..end).filter_map(|row| m.position(row)).collect());
        let tops = (start..).map(|row| window.row_top(row, scrolled));
        let rows = rows_at(ctx, positions.into_iter().zip(tops));
        if let Some(spacer) = spacer.get() {
            // Only element creation can fail here, which a browser does not refuse.
            let _ = write_rows(ctx, &spacer, &rows, selected, pinned);
        }
    });
    let on_row_click = move |ev: leptos::ev::MouseEvent| {
        if let Some(pos) = clicked_number(&ev, ".event-row", "data-pos") {
            ctx.select_position(pos);
        }
    };
    // Said when the filter hides the selected event, which the state still shows.
    let hidden_selection = move || {
        let pos = ctx.selection.with(|s| s.pos)?;
        let hidden = matching.with(|m| m.row_of(pos).is_none());
        let version = ctx.cursor.get()?.version;
        hidden.then(|| format!("The selected event, v{version}, is hidden by the filter."))
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
                    prop:value=move || ctx.view.with(|v| v.filter.clone()).unwrap_or_default()
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        ctx.view.update(|v| v.filter = (!text.is_empty()).then_some(text));
                    }
                />
                <span class="match-count">{move || {
                    let n = matching.with(Shown::len);
                    format!("{} shown", count(n))
                }}</span>
            </div>
            {move || filtered.with(|(_, error)| error.clone()).map(|text| view! { <p class="filter-error" data-testid="filter-error" role="alert">{text}</p> })}
            {move || hidden_selection().map(|text| view! { <p class="selection-hidden" data-testid="selection-hidden" role="status">{text}</p> })}
            <div class="event-scroller" node_ref=scroller role="listbox" tabindex="0" aria-label="Events of the stream" on:scroll=move |_| on_scroll.run(())>
                <div class="event-spacer" node_ref=spacer on:click=on_row_click
                    style:height=move || format!("{}px", decimal(geometry.get().spacer_height()))></div>
            </div>
        </section>
    }
}

/// What a row of the list shows of one event.
struct Row {
    pos: usize,
    version: u64,
    kind: String,
    user: String,
    /// `None` when the source gave the event no time.
    time: Option<chrono::DateTime<chrono::Utc>>,
    /// Where the row is drawn in the spacer, in CSS pixels.
    top: f64,
}

/// Writes the rows (version, type in its colour, author and time) into the spacer, each at its
/// place; a click on one selects it (`on_row_click`).
fn write_rows(
    ctx: AppCtx,
    spacer: &web_sys::Element,
    rows: &[Row],
    selected: Option<usize>,
    pinned: Option<usize>,
) -> Result<(), wasm_bindgen::JsValue> {
    spacer.set_text_content(None);
    for row in rows {
        let class = match Some(row.pos) == pinned {
            true => "event-row pinned",
            false => "event-row",
        };
        let title = row.time.map_or_else(
            || NO_TIME.to_string(),
            |time| format!("{} · local {}", utc(&time), local(&time)),
        );
        let (version, pos) = (row.version.to_string(), row.pos.to_string());
        let attributes = [
            ("class", class),
            ("role", "option"),
            ("data-testid", "event-row"),
            ("data-version", &version),
            ("data-pos", &pos),
            (
                "aria-selected",
                if Some(row.pos) == selected {
                    "true"
                } else {
                    "false"
                },
            ),
            ("title", &title),
        ];
        let element = append_element(spacer, "div", &attributes, None)?;
        // Set through the CSSOM, which a CSP without 'unsafe-inline' allows.
        if let Some(element) = element.dyn_ref::<web_sys::HtmlElement>() {
            element
                .style()
                .set_property("top", &format!("{}px", decimal(row.top)))?;
        }
        let kind_class = format!("kind {}", ctx.kind_colour(&row.kind));
        let marker = ctx.kind_marker(&row.kind);
        let time = row
            .time
            .map_or_else(|| "—".to_string(), |time| short_utc(&time));
        append_element(&element, "span", &[("class", "version")], Some(&version))?;
        let kind = [("class", kind_class.as_str()), ("data-marker", marker)];
        append_element(&element, "span", &kind, Some(&row.kind))?;
        let user = shown_id(&row.user);
        append_element(&element, "span", &[("class", "user")], Some(&user))?;
        append_element(&element, "span", &[("class", "time")], Some(&time))?;
    }
    Ok(())
}

/// What the rows show of the events at these stream positions, each drawn at its `top`.
fn rows_at(ctx: AppCtx, placed: impl Iterator<Item = (usize, f64)>) -> Vec<Row> {
    let stream = ctx.stream.get().unwrap_or_default();
    ctx.loaded.with(|l| {
        let Some(l) = l.as_ref() else {
            return Vec::new();
        };
        placed
            .filter_map(|(pos, top)| {
                let head = l.timeline.head_at(&stream, pos)?;
                Some(Row {
                    pos,
                    version: head.version,
                    kind: head.kind.to_string(),
                    user: head.user.unwrap_or("—").to_string(),
                    time: head.timed.then_some(head.time),
                    top,
                })
            })
            .collect()
    })
}
