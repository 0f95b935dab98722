//! The streams (aggregates) in the loaded data, with event counts; a picker in narrow panels.

use leptos::prelude::*;

use super::context::use_app;
use super::format::count;

/// The list of streams; selecting one shows its latest state.
#[component]
pub fn StreamList() -> impl IntoView {
    let ctx = use_app();
    let streams = Memo::new(move |_| {
        ctx.loaded
            .with(|l| l.as_ref().map(|l| l.timeline.streams()).unwrap_or_default())
    });
    let selected = move || ctx.selection.with(|s| s.stream.clone());
    let choose = move |name: String| {
        ctx.playing.set(false);
        ctx.view.update(|view| {
            view.stream = Some(name);
            view.version = None;
            view.time = None;
            view.compare = None;
        });
    };
    view! {
        <nav class="streams" aria-label="Streams">
            <h2>"Streams"</h2>
            <select
                class="stream-picker"
                data-testid="stream-picker"
                aria-label="Stream"
                on:change=move |ev| choose(event_target_value(&ev))
            >
                {move || streams.get().into_iter().map(|s| {
                    let is_selected = selected().as_deref() == Some(s.name.as_str());
                    view! {
                        <option value=s.name.clone() selected=is_selected>
                            {format!("{} ({})", s.name, count(s.n_events))}
                        </option>
                    }
                }).collect_view()}
            </select>
            <ul class="stream-list" role="listbox">
                {move || streams.get().into_iter().map(|s| {
                    let name = s.name.clone();
                    let is_selected = selected().as_deref() == Some(s.name.as_str());
                    view! {
                        <li
                            role="option"
                            data-testid="stream-row"
                            data-stream=s.name.clone()
                            aria-selected=if is_selected { "true" } else { "false" }
                            on:click=move |_| choose(name.clone())
                        >
                            <span class="name">{s.name.clone()}</span>
                            <span class="count">{count(s.n_events)}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}
