//! The streams (aggregates) in the loaded data, with event counts; a picker in narrow panels.
//! A source can have tens of thousands of streams, so the list shows those that match the
//! stream filter, up to `MAX_LISTED`, and says how many more there are.

use leptos::prelude::*;

use super::context::use_app;
use crate::core::link::Compare;
use crate::core::view::streams::shortlist;
use crate::core::view::text::count;

/// How many streams the list and the picker show at most.
const MAX_LISTED: usize = 150;

/// The list of streams; selecting one shows its latest state.
#[component]
pub fn StreamList() -> impl IntoView {
    let ctx = use_app();
    let streams = Memo::new(move |_| {
        ctx.loaded
            .with(|l| l.as_ref().map(|l| l.timeline.streams()).unwrap_or_default())
    });
    let stream_filter = RwSignal::new(String::new());
    // The streams shown: those matching the filter, at most MAX_LISTED, the selected one always.
    let shown = Memo::new(move |_| {
        let filter = stream_filter.get();
        let selected = ctx.stream.get();
        streams.with(|all| shortlist(all, &filter, selected.as_deref(), MAX_LISTED))
    });
    let selected = move || ctx.stream.get();
    let choose = move |name: String| {
        ctx.playing.set(false);
        ctx.view.update(|view| {
            // The as-of instant (and a comparison time) stay, so that two aggregates can be
            // compared at one moment; versions belong to the stream left.
            view.stream = Some(name);
            view.version = None;
            view.dup = None;
            if matches!(view.compare, Some(Compare::Version(_))) {
                view.compare = None;
            }
        });
    };
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
                title=move || selected().unwrap_or_default()
                on:change=move |ev| choose(event_target_value(&ev))
            >
                {move || shown.get().0.into_iter().map(|s| {
                    let is_selected = selected().as_deref() == Some(s.name.as_str());
                    view! {
                        <option value=s.name.clone() selected=is_selected>
                            {format!("{} ({})", s.name, count(s.n_events))}
                        </option>
                    }
                }).collect_view()}
            </select>
            <ul class="stream-list" role="listbox" aria-label="Streams">
                {move || shown.get().0.into_iter().map(|s| {
                    let name = s.name.clone();
                    let key_name = s.name.clone();
                    let is_selected = selected().as_deref() == Some(s.name.as_str());
                    view! {
                        <li
                            role="option"
                            data-testid="stream-row"
                            data-stream=s.name.clone()
                            aria-selected=if is_selected { "true" } else { "false" }
                            tabindex="0"
                            title=s.name.clone()
                            on:click=move |_| choose(name.clone())
                            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                if ev.key() == "Enter" || ev.key() == " " {
                                    ev.prevent_default();
                                    choose(key_name.clone());
                                }
                            }
                        >
                            <span class="name">{s.name.clone()}</span>
                            <span class="count">{count(s.n_events)}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || more().map(|text| view! { <p class="stream-more" data-testid="stream-more">{text}</p> })}
        </nav>
    }
}
