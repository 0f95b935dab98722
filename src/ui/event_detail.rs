//! The selected event: who did what and when (UTC and local), what it changed in words, its
//! record as stored, and for an upcast event its data as stored beside its data as upcast.
//! The event is the engine's answer to `event`; this card only shows it, each long text a
//! window at a time (`long_text`).

use chronoscope_core::view::shown::shown_id;
use chronoscope_protocol::{Answer, EventDetail as Detail, Request, Upcast};
use leptos::prelude::*;

use super::context::use_app;
use super::format::{utc, NO_TIME};
use super::long_text::LongText;

/// A card describing the event whose after-state is shown.
#[component]
pub fn EventDetail() -> impl IntoView {
    let ctx = use_app();
    let detail = ctx.engine.answer_memo(
        move || {
            let (stream, pos) = (ctx.stream.get()?, ctx.shown.selection.with(|s| s.pos)?);
            Some(Request::Event { stream, pos })
        },
        |answer| match answer {
            Answer::Event(detail) => Some(detail),
            _ => None,
        },
    );
    move || {
        let selected = ctx.shown.selection.with(|s| s.pos).is_some();
        match detail.get().filter(|_| selected) {
            Some(detail) => card(detail).into_any(),
            None => view! {
                <div class="event-detail empty">
                    "Before the stream's first event: the aggregate does not exist yet."
                </div>
            }
            .into_any(),
        }
    }
}

/// The card of one event.
fn card(detail: Detail) -> impl IntoView {
    let row = detail.row;
    let user = shown_id(row.user.as_deref().unwrap_or("unknown")).into_owned();
    let record_title = match detail.stored {
        true => "Stored record, as in the source",
        false => "Event as decoded from the source",
    };
    view! {
        <div class="event-detail" data-testid="event-detail">
            <div class="headline">
                <span class="version">{format!("v{}", row.version)}</span>
                <strong class="kind">{row.kind}</strong>
                " by "
                <span class="user" data-testid="event-user">{user}</span>
            </div>
            <div class="times" data-testid="event-time">{times(row.time)}</div>
            <div class="change-rule" data-testid="change-rule">{detail.change}</div>
            <details class="payload">
                <summary>{record_title}</summary>
                <LongText text=detail.record testid="stored-record"/>
            </details>
            {detail.upcast.map(upcast)}
        </div>
    }
}

/// The event's time in UTC and in the display zone, or that it has none.
fn times(time: Option<chrono::DateTime<chrono::Utc>>) -> impl IntoView {
    let ctx = use_app();
    match time {
        None => format!("— ({NO_TIME})").into_any(),
        Some(time) => view! {
            <span title="UTC">{utc(&time)}</span>
            <span class="local" title="The display zone (Times in)">{move || ctx.in_zone(&time)}</span>
        }
        .into_any(),
    }
}

/// The stored and the upcast data side by side.
fn upcast(upcast: Upcast) -> impl IntoView {
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    view! {
        <div class="versions" data-testid="upcast">
            <div>
                <h4>"Stored data"</h4>
                <LongText text=pretty(&upcast.stored) testid="stored-form" label="Stored data"/>
            </div>
            <div>
                <h4>{format!("Upcast to schema v{}", upcast.to)}</h4>
                <LongText text=pretty(&upcast.upcast) testid="upcast-form" label="Upcast data"/>
            </div>
        </div>
    }
}
