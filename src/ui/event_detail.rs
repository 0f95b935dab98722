//! The selected event: who did what and when (UTC and local), and its stored payload.

use leptos::prelude::*;

use super::context::use_app;
use super::format::{local, utc, NO_TIME};
use crate::core::event::Event;
use crate::core::view::text::change_words;

/// A card describing the event whose after-state is shown.
#[component]
pub fn EventDetail() -> impl IntoView {
    let ctx = use_app();
    let event = Memo::new(move |_| ctx.event_at(ctx.selection.get().pos));
    move || {
        match event.get() {
        None => view! { <div class="event-detail empty">"Before the stream's first event: the aggregate does not exist yet."</div> }.into_any(),
        Some(event) => {
            let pos = ctx.selection.get_untracked().pos;
            let (how, record) = ctx.loaded.with_untracked(|l| {
                let timeline = l.as_ref().map(|l| &l.timeline);
                let how = change_words(&event.change, &event.kind, timeline.and_then(|t| t.projection()));
                let record = timeline.zip(pos).and_then(|(t, pos)| t.record_text_at(&event.stream, pos).map(str::to_string));
                (how, record)
            });
            let (record_title, record) = match record {
                Some(text) => ("Stored record, as in the source", text),
                None => ("Event as decoded from the source", decoded_payload(&event)),
            };
            let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
            let upcast = event.stored.as_ref().map(|stored| {
                let to = event.meta.get("upcast_to").map(|v| v.to_string()).unwrap_or_default();
                (pretty(stored), pretty(&event.data), to)
            });
            view! {
                <div class="event-detail" data-testid="event-detail">
                    <div class="headline">
                        <span class="version">{format!("v{}", event.version)}</span>
                        <strong class="kind">{event.kind.clone()}</strong>
                        " by "
                        <span class="user" data-testid="event-user">{event.user().unwrap_or("unknown").to_string()}</span>
                    </div>
                    {match event.meta.contains_key("time_absent") {
                        true => view! { <div class="times" data-testid="event-time">{format!("— ({NO_TIME})")}</div> }.into_any(),
                        false => view! {
                            <div class="times" data-testid="event-time">
                                <span title="UTC">{utc(&event.time)}</span>
                                <span class="local" title="Your local time">{format!("local {}", local(&event.time))}</span>
                            </div>
                        }.into_any(),
                    }}
                    <div class="change-rule" data-testid="change-rule">{how}</div>
                    <details class="payload">
                        <summary>{record_title}</summary>
                        <pre data-testid="stored-record">{record}</pre>
                    </details>
                    {upcast.map(|(stored, current, to)| view! {
                        <div class="versions" data-testid="upcast">
                            <div><h4>"Stored data"</h4><pre data-testid="stored-form" tabindex="0" aria-label="Stored data">{stored}</pre></div>
                            <div><h4>{format!("Upcast to schema v{to}")}</h4><pre data-testid="upcast-form" tabindex="0" aria-label="Upcast data">{current}</pre></div>
                        </div>
                    })}
                </div>
            }.into_any()
        }
    }
    }
}

/// An event kept decoded (its source's bytes are not kept), as it was before any upcasting, and
/// without the fields Chronoscope adds itself (`core::event::ADDED_META`, the change).
fn decoded_payload(event: &Event) -> String {
    let (data, meta) = event.stored_data_and_meta();
    let payload = serde_json::json!({
        "id": event.id,
        "data": data,
        "meta": meta,
    });
    serde_json::to_string_pretty(&payload).unwrap_or_default()
}
