//! The follow controls (`follow=`), on the load's status line: *Follow* keeps a URL source (or a
//! native engine's table) open
//! and shows new events as they come; the status says live, paused or reconnecting; *Pause*
//! holds new events back; *Head* moves the moment shown to each new head; and, while a moment
//! is pinned, a counter of the stream's new events jumps to its head.
//!
//! Each control stays in the page and only what it shows changes, so that a focused button stays
//! focused while the status changes.

use leptos::prelude::*;

use super::actions::reload_source;
use super::context::{use_app, AppCtx};
use chronoscope_core::follow::{n_new_events, FollowMode};

/// The follow controls; shown for a source read from a URL, or by a native engine.
#[component]
pub fn FollowBar() -> impl IntoView {
    let ctx = use_app();
    let on = move || ctx.view.with(|v| v.follow.is_some());
    // A URL is followed by the worker; a native engine follows the tables it serves.
    let followable =
        move || ctx.view.with(|v| v.src.is_some()) || ctx.engine.native.with(Option::is_some);
    let state = move || ctx.follow.status.with(|status| status.data_state());
    let label = move || ctx.follow.status.with(|status| status.label());
    let head = move || ctx.follow.on.get();
    let n_new = move || ctx.follow.n_new.get();
    view! {
        <span class="follow-bar">
            <button type="button" data-testid="follow-toggle" hidden=move || !followable()
                aria-pressed=move || on().to_string() on:click=move |_| toggle_follow(ctx)
                title="Keep the source open and show new events (follow=1)">"Follow"</button>
            <span data-testid="follow-status" role="status" hidden=move || !followable() data-state=state>{label}</span>
            <button type="button" data-testid="follow-pause" hidden=move || !(followable() && on())
                on:click=move |_| ctx.follow.paused.update(|p| *p = !*p)>
                {move || if ctx.follow.paused.get() { "Resume" } else { "Pause" }}
            </button>
            <button type="button" data-testid="follow-head" hidden=move || !(followable() && on())
                aria-pressed=move || head().to_string() on:click=move |_| ctx.follow.on.update(|h| *h = !*h)
                title="Move to each new event as it arrives">"Head"</button>
            <button type="button" data-testid="new-events" hidden=move || !(followable() && n_new() > 0 && !head())
                on:click=move |_| jump_to_head(ctx) title="Go to the stream's newest event">{move || n_new_events(n_new())}</button>
        </span>
    }
}

/// Starts following the source (reading it again, with `follow=1`), or stops.
fn toggle_follow(ctx: AppCtx) {
    let start = ctx.view.with_untracked(|v| v.follow.is_none());
    ctx.view
        .update(|v| v.follow = start.then_some(FollowMode::Auto));
    ctx.follow.paused.set(false);
    if start {
        reload_source(ctx);
    }
}

fn jump_to_head(ctx: AppCtx) {
    ctx.follow.n_new.set(0);
    ctx.view.update(|v| {
        v.version = None;
        v.dup = None;
        v.time = None;
    });
}
