//! The streams (aggregates) in the loaded data, with event counts; a picker in narrow panels.
//! A source can have tens of thousands of streams, so the list shows those that match the
//! stream filter, up to `MAX_LISTED`, and says how many more there are.

use leptos::prelude::*;

use super::context::use_app;
use super::dom::{append_element, target_within};
use chronoscope_core::link::Compare;
use chronoscope_core::timeline::StreamSummary;
use chronoscope_core::view::shown::shown_id;
use chronoscope_core::view::streams::shortlist;
use chronoscope_core::view::text::count;

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
    let picker = NodeRef::<leptos::html::Select>::new();
    let list = NodeRef::<leptos::html::Ul>::new();
    // Options and rows written with DOM text calls rather than a `view!` per stream, for the
    // bundle's budget (see `period_table`).
    Effect::new(move |_| {
        let selected = selected();
        if let (Some(picker), Some(list)) = (picker.get(), list.get()) {
            // Only element creation can fail here, which a browser does not refuse.
            let _ = shown
                .with(|(streams, _)| write_streams(&picker, &list, streams, selected.as_deref()));
        }
    });
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
                node_ref=picker
                on:change=move |ev| choose(event_target_value(&ev))
            ></select>
            <ul class="stream-list" role="listbox" aria-label="Streams" node_ref=list
                on:click=move |ev| if let Some(name) = row_name(&ev) { choose(name) }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" || ev.key() == " " {
                        if let Some(name) = row_name(&ev) {
                            ev.prevent_default();
                            choose(name);
                        }
                    }
                }
            ></ul>
            {move || more().map(|text| view! { <p class="stream-more" data-testid="stream-more">{text}</p> })}
        </nav>
    }
}

/// The stream a click or key in the list landed on.
fn row_name(ev: &web_sys::Event) -> Option<String> {
    target_within(ev, "li[data-stream]").and_then(|row| row.get_attribute("data-stream"))
}

/// Writes one option of the picker and one row of the list per stream shown, as text.
fn write_streams(
    picker: &web_sys::Element,
    list: &web_sys::Element,
    streams: &[StreamSummary],
    selected: Option<&str>,
) -> Result<(), wasm_bindgen::JsValue> {
    picker.set_text_content(None);
    list.set_text_content(None);
    for stream in streams {
        let name = stream.name.as_str();
        let shown = shown_id(name);
        let n_events = count(stream.n_events);
        let is_selected = selected == Some(name);
        let option = append_element(
            picker,
            "option",
            &[("value", name)],
            Some(&format!("{shown} ({n_events})")),
        )?;
        if is_selected {
            option.set_attribute("selected", "")?;
        }
        let row = [
            ("role", "option"),
            ("data-testid", "stream-row"),
            ("data-stream", name),
            ("aria-selected", if is_selected { "true" } else { "false" }),
            ("tabindex", "0"),
            ("title", &shown),
        ];
        let row = append_element(list, "li", &row, None)?;
        append_element(&row, "span", &[("class", "name")], Some(&shown))?;
        append_element(&row, "span", &[("class", "count")], Some(&n_events))?;
    }
    Ok(())
}
