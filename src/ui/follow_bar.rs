//! The follow controls (`follow=`), on the load's status line: *Follow* keeps a URL source open
//! and shows new events as they come; the status says live, paused or reconnecting; *Pause*
//! holds new events back; *Head* moves the moment shown to each new head; and, while a moment
//! is pinned, a counter of the stream's new events jumps to its head.
//!
//! The controls are made once with DOM calls and then only updated, with one click handler for
//! all: a `view!` with reactive parts cost the bundle several kilobytes it does not have, and
//! updating in place keeps a focused button focused while the status changes.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::actions::reload_source;
use super::context::{use_app, AppCtx};
use super::dom::{append_element, clicked_button};
use chronoscope_core::follow::{n_new_events, FollowMode};

/// The controls, each named by its `data-testid`, with its tag and words.
const CONTROLS: [(&str, &str, &str); 5] = [
    ("follow-toggle", "button", "Follow"),
    ("follow-status", "span", ""),
    ("follow-pause", "button", "Pause"),
    ("follow-head", "button", "Head"),
    ("new-events", "button", ""),
];

/// The follow controls; shown for a source read from a URL.
#[component]
pub fn FollowBar() -> impl IntoView {
    let ctx = use_app();
    let bar = NodeRef::<leptos::html::Span>::new();
    Effect::new(move |_| {
        if let Some(bar) = bar.get() {
            // Only element creation can fail here, which a browser does not refuse.
            let _ = show_controls(ctx, &bar);
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let control = clicked_button(&ev).and_then(|b| b.get_attribute("data-testid"));
        match control.as_deref() {
            Some("follow-toggle") => toggle_follow(ctx),
            Some("follow-pause") => ctx.follow.paused.update(|p| *p = !*p),
            Some("follow-head") => ctx.follow.on.update(|head| *head = !*head),
            Some("new-events") => jump_to_head(ctx),
            _ => {}
        }
    };
    view! { <span class="follow-bar" node_ref=bar on:click=on_click></span> }
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

/// Makes the controls the first time, then sets what each shows.
fn show_controls(ctx: AppCtx, bar: &web_sys::Element) -> Result<(), JsValue> {
    let on = ctx.view.with(|v| v.follow.is_some());
    let url_source = ctx.view.with(|v| v.src.is_some());
    let status = ctx.follow.status.get();
    let paused = ctx.follow.paused.get();
    let head = ctx.follow.on.get();
    let n_new = ctx.follow.n_new.get();
    if bar.first_element_child().is_none() {
        for (testid, tag, words) in CONTROLS {
            append_element(bar, tag, &[("data-testid", testid)], Some(words))?;
        }
    }
    let controls = bar.children();
    let control = |n: u32| controls.item(n).ok_or(JsValue::NULL);
    let shown = [
        url_source,
        url_source,
        url_source && on,
        url_source && on,
        url_source && n_new > 0 && !head,
    ];
    for (n, shown) in (0..).zip(shown) {
        control(n)?.toggle_attribute_with_force("hidden", !shown)?;
    }
    let state = status.data_state();
    let label = status.label();
    let counter = n_new_events(n_new);
    let settings: [(u32, &str, &str); 7] = [
        (0, "aria-pressed", bool_text(on)),
        (
            0,
            "title",
            "Keep the source open and show new events (follow=1)",
        ),
        (1, "role", "status"),
        (1, "data-state", state),
        (3, "aria-pressed", bool_text(head)),
        (3, "title", "Move to each new event as it arrives"),
        (4, "title", "Go to the stream's newest event"),
    ];
    for (n, name, value) in settings {
        control(n)?.set_attribute(name, value)?;
    }
    let words = [
        (1, label.as_str()),
        (2, if paused { "Resume" } else { "Pause" }),
        (4, &counter),
    ];
    for (n, words) in words {
        control(n)?.set_text_content(Some(words));
    }
    Ok(())
}

fn bool_text(value: bool) -> &'static str {
    match value {
        true => "true",
        false => "false",
    }
}
