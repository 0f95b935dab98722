//! The temporal query: type an RFC 3339 instant (any offset) and see the state as of it, with
//! the instant read back in UTC and in local time while typing.

use leptos::prelude::*;

use super::context::use_app;
use super::format::{local, utc};
use chronoscope_core::time::{format_utc, parse_instant};

/// The "As of" form.
#[component]
pub fn AsOfBox() -> impl IntoView {
    let ctx = use_app();
    let text = RwSignal::new(String::new());
    // The box shows the instant in force (a link's or the strip's `t`), not a sample value.
    Effect::new(move |_| text.set(ctx.view.with(|v| v.time.clone()).unwrap_or_default()));
    let error = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match parse_instant(&text.get_untracked()) {
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
        parse_instant(&text.get())
            .ok()
            .map(|t| format!("UTC {} · local {}", utc(&t), local(&t)))
    };
    let hint = move || {
        error
            .get()
            .or_else(preview)
            .unwrap_or_else(|| "RFC 3339, any offset".into())
    };
    view! {
        <form class="as-of" on:submit=on_submit>
            <label>
                "As of "
                <input type="text" data-testid="as-of" placeholder="e.g. 2026-03-31T23:59:59Z" bind:value=text/>
            </label>
            <button type="submit">"Go"</button>
            <span class="hint">{hint}</span>
        </form>
    }
}
