//! The selected stream's events (version, type, time, author), filtered by `q`, virtualized:
//! only the rows in view (plus a few) are in the DOM, whatever the stream's length; the
//! geometry (`ListWindow`) keeps every row reachable past the browser's tallest element.

use leptos::html;
use leptos::prelude::*;

use super::context::use_app;
use super::format::{count, local, short_utc, utc};
use crate::core::list_window::ListWindow;

/// The height of one row, in CSS pixels; the style sheet uses the same.
pub const ROW_HEIGHT: f64 = 28.0;
/// Rows rendered beyond the visible ones, above and below.
const OVERSCAN: usize = 3;

/// The event list with its filter.
#[component]
pub fn EventList() -> impl IntoView {
    let ctx = use_app();
    let scroll_top = RwSignal::new(0.0);
    let viewport_height = RwSignal::new(480.0);
    let scroller = NodeRef::<html::Div>::new();

    // Positions (in the stream) of the events that match the filter, ascending.
    let matching = Memo::new(move |_| {
        let stream = ctx.selection.with(|s| s.stream.clone());
        let filter = ctx
            .view
            .with(|v| v.filter.clone())
            .unwrap_or_default()
            .to_lowercase();
        ctx.loaded.with(|l| {
            let (Some(l), Some(stream)) = (l.as_ref(), stream) else {
                return Shown::All(0);
            };
            if filter.is_empty() {
                return Shown::All(l.timeline.stream_len(&stream));
            }
            Shown::Only(l.timeline.matching_positions(&stream, &filter))
        })
    });
    let geometry = move || ListWindow {
        n_rows: matching.with(Shown::len),
        row_height: ROW_HEIGHT,
        viewport: viewport_height.get(),
    };
    let window_rows = move || geometry().rows(scroll_top.get(), OVERSCAN);
    // The list can never show more than the window does, even where its box is not bounded.
    let measure = move || {
        if let Some(el) = scroller.get_untracked() {
            let window_height = window()
                .inner_height()
                .ok()
                .and_then(|h| h.as_f64())
                .unwrap_or(1_000.0);
            viewport_height.set((el.client_height() as f64).clamp(1.0, window_height));
            scroll_top.set(el.scroll_top() as f64);
        }
    };
    // Keep the selected event in view when the selection moves. The scroll waits for the next
    // frame, when the list has its new height (a new stream may be longer than the last one).
    Effect::new(move |_| {
        let pos = ctx.selection.with(|s| s.pos);
        let Some(row_idx) = pos.and_then(|pos| matching.with(|m| m.row_of(pos))) else {
            return;
        };
        let n_rows = matching.with(Shown::len);
        request_animation_frame(move || {
            let Some(el) = scroller.get_untracked() else {
                return;
            };
            let window = ListWindow {
                n_rows,
                row_height: ROW_HEIGHT,
                viewport: el.client_height() as f64,
            };
            if let Some(top) = window.scroll_into_view(row_idx, el.scroll_top() as f64) {
                el.set_scroll_top(top.round() as i32);
            }
            measure();
        });
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    request_animation_frame(measure);

    let rows = move || {
        let (start, end) = window_rows();
        let selected = ctx.selection.with(|s| s.pos);
        let pinned = ctx
            .selection
            .with(|s| s.compare_pinned.then_some(s.compare).flatten());
        let stream = ctx.selection.with(|s| s.stream.clone()).unwrap_or_default();
        let window = geometry();
        let scrolled = scroll_top.get();
        let positions: Vec<usize> =
            matching.with(|m| (start..end).map(|row| m.position(row)).collect());
        ctx.loaded.with(|l| {
            let Some(l) = l.as_ref() else {
                return Vec::new();
            };
            positions
                .into_iter()
                .enumerate()
                .filter_map(|(offset, pos)| {
                    let event = l.timeline.head_at(&stream, pos)?;
                    let kind_colour = ctx.kind_colour(event.kind);
                    let is_selected = Some(pos) == selected;
                    let top = window.row_top(start + offset, scrolled);
                    Some(view! {
                        <div
                            class="event-row"
                            class:pinned=Some(pos) == pinned
                            role="option"
                            data-testid="event-row"
                            data-version=event.version.to_string()
                            aria-selected=if is_selected { "true" } else { "false" }
                            style=format!("top: {top}px")
                            title=format!("{} · local {}", utc(&event.time), local(&event.time))
                            on:click=move |_| ctx.select_position(pos)
                        >
                            <span class="version">{event.version}</span>
                            <span class=format!("kind {kind_colour}")>{event.kind.to_string()}</span>
                            <span class="user">{event.user.unwrap_or("—").to_string()}</span>
                            <span class="time">{short_utc(&event.time)}</span>
                        </div>
                    })
                })
                .collect::<Vec<_>>()
        })
    };

    view! {
        <section class="events" aria-label="Events">
            <div class="events-head">
                <h2>"Events"</h2>
                <input
                    id="event-filter"
                    type="search"
                    data-testid="filter"
                    placeholder="Filter: type, user, version, id  (/)"
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
            <div class="event-scroller" node_ref=scroller role="listbox" aria-label="Events of the stream" on:scroll=move |_| measure()>
                <div class="event-spacer" style=move || format!("height: {}px", geometry().spacer_height())>
                    {rows}
                </div>
            </div>
        </section>
    }
}

/// The stream positions the list shows: all of them (no filter: nothing to materialize, however
/// long the stream), or those that match the filter, ascending.
#[derive(Clone, Debug, PartialEq)]
enum Shown {
    All(usize),
    Only(Vec<usize>),
}

impl Shown {
    fn len(&self) -> usize {
        match self {
            Shown::All(n) => *n,
            Shown::Only(positions) => positions.len(),
        }
    }

    /// The stream position shown in a row.
    fn position(&self, row: usize) -> usize {
        match self {
            Shown::All(_) => row,
            Shown::Only(positions) => positions[row],
        }
    }

    /// The row that shows a stream position, if it is shown.
    fn row_of(&self, pos: usize) -> Option<usize> {
        match self {
            Shown::All(n) => (pos < *n).then_some(pos),
            Shown::Only(positions) => positions.binary_search(&pos).ok(),
        }
    }
}
