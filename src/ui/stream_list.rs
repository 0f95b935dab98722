//! The streams (aggregates) in the loaded data, with event counts; a picker in narrow panels.
//! A source can have tens of thousands of streams, so the list shows those that match the
//! stream filter, up to `MAX_LISTED`, and says how many more there are. The shortlist is the
//! engine's answer to `streams`; this list only shows it. The list is one Tab stop, as a
//! listbox with a selection is: the selected stream's row, or while filtering the first match. It does not use
//! `roving`, whose stop moves with the focus: here ↑ and ↓ move the focus, Enter opens, and
//! Home and End stay the timeline's.

use chronoscope_core::link::Compare;
use chronoscope_core::view::shown::shown_id;
use chronoscope_core::view::text::count;
use chronoscope_protocol::{Answer, Request, StreamRow};
use leptos::prelude::*;

use super::context::{use_app, AppCtx};

/// How many streams the list and the picker show at most.
const MAX_LISTED: usize = 150;

/// The list of streams; selecting one shows its latest state.
#[component]
pub fn StreamList() -> impl IntoView {
    let ctx = use_app();
    let stream_filter = RwSignal::new(String::new());
    // The streams shown: those matching the filter, at most MAX_LISTED, the selected one always.
    let shown = ctx.engine.answer_memo(
        move || {
            Some(Request::Streams {
                filter: stream_filter.get(),
                selected: ctx.stream.get(),
                max: Some(MAX_LISTED),
            })
        },
        |answer| match answer {
            Answer::Streams {
                streams,
                n_matching,
            } => Some((streams, n_matching)),
            _ => None,
        },
    );
    let shown = Memo::new(move |_| shown.get().unwrap_or_default());
    // The list is one Tab stop (the listbox pattern): the selected stream's row, or, once the
    // filter is used, the first row, which is the first match (the engine lists a selected
    // stream that does not match last).
    let tab_stop = Memo::new(move |_| {
        let filtering = stream_filter.with(|filter| !filter.trim().is_empty());
        let selected = ctx.stream.get().filter(|_| !filtering);
        shown.with(|(listed, _)| match selected {
            Some(name) if listed.iter().any(|row| row.name == name) => Some(name),
            _ => listed.first().map(|row| row.name.clone()),
        })
    });
    let listed = move || shown.with(|(streams, _)| streams.clone());
    let selected = move || ctx.stream.get();
    let more = move || {
        let (listed, n_matching) = shown.get();
        (n_matching > listed.len()).then(|| {
            format!(
                "{} more; filter to find them",
                count(n_matching - listed.len().min(n_matching))
            )
        })
    };
    view! {
        <nav class="streams" aria-label="Streams">
            <h2>"Streams"</h2>
            <input
                type="search"
                class="stream-filter"
                data-testid="stream-filter"
                aria-label="Filter streams"
                placeholder="Filter streams"
                bind:value=stream_filter
            />
            <select
                class="stream-picker"
                data-testid="stream-picker"
                aria-label="Stream"
                title=move || selected().map(|s| shown_id(&s).into_owned()).unwrap_or_default()
                on:change=move |ev| choose(ctx, event_target_value(&ev))
            >
                <For each=listed key=|row| (row.name.clone(), row.n_events) let:row>
                    <StreamOption row/>
                </For>
            </select>
            <ul class="stream-list" role="listbox" aria-label="Streams">
                <For each=listed key=|row| (row.name.clone(), row.n_events) let:row>
                    <StreamRowItem row tab_stop/>
                </For>
            </ul>
            {move || more().map(|text| view! { <p class="stream-more" data-testid="stream-more">{text}</p> })}
        </nav>
    }
}

/// Shows a stream's latest state: the as-of instant (and a comparison time) stay, so that two
/// aggregates can be compared at one moment; versions belong to the stream left.
fn choose(ctx: AppCtx, name: String) {
    ctx.playing.set(false);
    ctx.view.update(|view| {
        view.stream = Some(name);
        view.version = None;
        view.dup = None;
        // A version pinned in another stream (`with=`) is that stream's, and stays.
        if view.compare_with.is_none() && matches!(view.compare, Some(Compare::Version(_))) {
            view.compare = None;
        }
    });
}

/// A stream in the picker of a narrow panel.
#[component]
fn StreamOption(row: StreamRow) -> impl IntoView {
    let ctx = use_app();
    let label = format!("{} ({})", shown_id(&row.name), count(row.n_events));
    let name = row.name.clone();
    let selected = move || ctx.stream.with(|s| s.as_deref() == Some(name.as_str()));
    view! { <option value=row.name prop:selected=selected>{label}</option> }
}

/// A stream in the list: its name, as shown (`view::shown`), and its number of events. Enter or
/// Space opens it; the arrows move the focus along the list.
#[component]
fn StreamRowItem(row: StreamRow, tab_stop: Memo<Option<String>>) -> impl IntoView {
    let ctx = use_app();
    let shown = shown_id(&row.name).into_owned();
    let is_selected = {
        let name = row.name.clone();
        move || ctx.stream.with(|s| s.as_deref() == Some(name.as_str()))
    };
    let on_click = {
        let name = row.name.clone();
        move |_| choose(ctx, name.clone())
    };
    let on_key = {
        let name = row.name.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            let key = ev.key();
            match key.as_str() {
                "Enter" | " " => choose(ctx, name.clone()),
                "ArrowDown" | "ArrowUp" => move_focus(&ev, &key),
                _ => return,
            }
            // Space opens the stream here, and does not also play. Home and End are left to the
            // page, where they move the timeline to its ends.
            ev.prevent_default();
            ev.stop_propagation();
        }
    };
    let tabindex = {
        let name = row.name.clone();
        move || match tab_stop.with(|stop| stop.as_deref() == Some(name.as_str())) {
            true => "0",
            false => "-1",
        }
    };
    view! {
        <li role="option" data-testid="stream-row" data-stream=row.name.clone()
            aria-selected=move || is_selected().to_string() tabindex=tabindex title=shown.clone()
            on:click=on_click on:keydown=on_key>
            <span class="name">{shown.clone()}</span>
            <span class="count">{count(row.n_events)}</span>
        </li>
    }
}

/// Moves the focus from a row of the list to the next or the previous one.
fn move_focus(ev: &leptos::ev::KeyboardEvent, key: &str) {
    use wasm_bindgen::JsCast;
    let Some(row) = ev
        .current_target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let next = match key {
        "ArrowDown" => row.next_element_sibling(),
        _ => row.previous_element_sibling(),
    };
    if let Some(next) = next.and_then(|next| next.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = next.focus();
    }
}
