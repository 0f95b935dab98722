//! The temporal query and the display zone: type an instant and see the state as of it, read
//! back in UTC and in the display zone while typing; choose the zone every time is shown in.
//! A time typed without an offset is the display zone's wall clock (`core::time::parse_in_zone`).

use chrono::{DateTime, Offset, Utc};
use leptos::prelude::*;

use super::context::{use_app, AppCtx};
use super::format::{knows_zone, offset_in, utc, zone_names};
use chronoscope_core::time::{format_utc, parse_in_zone, TimeError};

/// The "As of" form, and the zone beside it.
#[component]
pub fn AsOfBox() -> impl IntoView {
    let ctx = use_app();
    let text = RwSignal::new(String::new());
    // The box shows the instant in force (a link's or the strip's `t`), not a sample value.
    Effect::new(move |_| text.set(ctx.view.with(|v| v.time.clone()).unwrap_or_default()));
    let error = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match read_time(ctx, &text.get_untracked()) {
            Ok(time) => {
                error.set(None);
                ctx.view.update(|view| {
                    view.version = None;
                    view.dup = None;
                    view.time = Some(format_utc(&time));
                });
            }
            Err(err) => error.set(Some(err.to_string())),
        }
    };
    let preview = move || {
        read_time(ctx, &text.get())
            .ok()
            .map(|t| format!("UTC {} · {}", utc(&t), ctx.in_zone(&t)))
    };
    let hint = move || {
        error
            .get()
            .or_else(preview)
            .unwrap_or_else(|| "RFC 3339, or YYYY-MM-DD HH:MM:SS in the zone of Times in".into())
    };
    view! {
        <form class="as-of" on:submit=on_submit>
            <label>
                "As of "
                <input type="text" data-testid="as-of" placeholder="e.g. 2026-03-31T23:59:59Z" bind:value=text/>
            </label>
            <button type="submit">"Go"</button>
            <span class="hint" data-testid="as-of-hint">{hint}</span>
        </form>
        <ZonePicker/>
    }
}

/// What the box's text means: an instant, or a wall-clock time in the display zone (in the
/// browser's own zone when none is chosen).
fn read_time(ctx: AppCtx, text: &str) -> Result<DateTime<Utc>, TimeError> {
    match ctx.zone.get_untracked() {
        Some(zone) => parse_in_zone(text, &zone, |time| offset_in(&zone, &time)),
        None => parse_in_zone(text, "local time", |time| {
            Some(time.with_timezone(&chrono::Local).offset().fix())
        }),
    }
}

/// "Times in": the IANA zone every time is also shown in (`zone=`), from the browser's list of
/// zones; empty for the browser's own. A name the browser does not know changes nothing.
#[component]
fn ZonePicker() -> impl IntoView {
    let ctx = use_app();
    // The browser's ~400 zones are listed once the box is first used, not on every load.
    let names = RwSignal::new(Vec::<String>::new());
    let list_names = move |_| {
        if names.with_untracked(Vec::is_empty) {
            names.set(zone_names());
        }
    };
    let refused = RwSignal::new(false);
    let on_change = move |ev: leptos::ev::Event| {
        let typed = event_target_value(&ev).trim().to_string();
        let known = typed.is_empty() || knows_zone(&typed);
        refused.set(!known);
        if known {
            ctx.view
                .update(|view| view.zone = (!typed.is_empty()).then_some(typed));
        }
    };
    view! {
        <label class="zone">
            "Times in "
            <input type="text" list="zone-names" data-testid="zone" placeholder="your browser's zone"
                autocomplete="off" spellcheck="false" prop:value=move || ctx.zone.get().unwrap_or_default()
                aria-invalid=move || refused.get().to_string()
                on:focus=list_names on:change=on_change/>
        </label>
        <datalist id="zone-names">
            {move || names.get().into_iter().map(|name| view! { <option value=name></option> }).collect_view()}
        </datalist>
        <span class="hint" role="status" data-testid="zone-hint">
            {move || refused.get().then_some("not a time zone this browser knows")}
        </span>
    }
}
