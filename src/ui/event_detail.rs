//! The selected event: who did what and when (UTC and local), and its stored payload.

use leptos::prelude::*;

use super::context::use_app;
use super::format::{local, utc, NO_TIME};
use crate::core::event::Change;

/// A card describing the event whose after-state is shown.
#[component]
pub fn EventDetail() -> impl IntoView {
    let ctx = use_app();
    let event = Memo::new(move |_| ctx.event_at(ctx.selection.get().pos));
    move || {
        match event.get() {
        None => view! { <div class="event-detail empty">"Before the stream's first event: the aggregate does not exist yet."</div> }.into_any(),
        Some(event) => {
            let how = match &event.change {
                Change::Merge => "merges its data (RFC 7396)",
                Change::Patch(_) => "applies a JSON Patch (RFC 6902)",
                Change::Snapshot(_) => "replaces the state (snapshot)",
                Change::Fields(_) => "sets the fields it changed (audit row)",
                Change::Delete => "ends the aggregate (its state becomes null)",
                Change::Keep => "leaves the state as it was",
            };
            let payload = serde_json::to_string_pretty(&serde_json::json!({
                "id": event.id,
                "data": event.data,
                "meta": event.meta,
                "change": event.change,
            }))
            .unwrap_or_default();
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
                    <details class="payload">
                        <summary>{format!("Stored event · {how}")}</summary>
                        <pre>{payload}</pre>
                    </details>
                    {upcast.map(|(stored, current, to)| view! {
                        <div class="versions" data-testid="upcast">
                            <div><h4>"Stored data"</h4><pre data-testid="stored-form">{stored}</pre></div>
                            <div><h4>{format!("Upcast to schema v{to}")}</h4><pre data-testid="upcast-form">{current}</pre></div>
                        </div>
                    })}
                </div>
            }.into_any()
        }
    }
    }
}
