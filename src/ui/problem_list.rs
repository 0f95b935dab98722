//! What went wrong, and what in the link could not be found: every problem of the source, its
//! decoding and its replay, each with its place; and the notes of the view.
//!
//! Both lists are written with DOM calls rather than `view!`, for the bundle's budget (see
//! `follow_bar`); each is hidden while it is empty.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::context::use_app;
use super::dom::{append_element, clicked_button};
use super::loader::retry;
use chronoscope_core::view::text::{count, counted, problem_lines};
use chronoscope_core::waiting::countdown_words;

/// How many problems are listed; the rest are counted.
const MAX_LISTED: usize = 200;

/// The problems of the load, open, at most `MAX_LISTED` of them, and *Retry* when the load
/// broke off and can read on.
#[component]
pub fn ProblemList() -> impl IntoView {
    let ctx = use_app();
    let problems = move || {
        let mut lines = problem_lines([&ctx.source_problems.get()[..]]);
        ctx.opened.with(|opened| {
            let found = opened.iter().flat_map(|opened| &opened.problems);
            lines.extend(found.map(ToString::to_string));
        });
        lines
    };
    let list = NodeRef::<leptos::html::Details>::new();
    Effect::new(move |_| {
        if let Some(list) = list.get() {
            // Only element creation can fail here, which a browser does not refuse.
            let retry = ctx.can_retry.get().then(|| ctx.retry_in.get());
            let _ = write_problems(&list, &problems(), retry);
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if clicked_button(&ev).is_some() {
            leptos::task::spawn_local(retry(ctx));
        }
    };
    view! { <details class="problems" open=true hidden=true node_ref=list on:click=on_click></details> }
}

/// Writes the list; `retry` is whether *Retry* is offered, and the seconds before it comes by
/// itself.
fn write_problems(
    list: &web_sys::Element,
    problems: &[String],
    retry: Option<Option<u64>>,
) -> Result<(), JsValue> {
    list.set_text_content(None);
    list.toggle_attribute_with_force("hidden", problems.is_empty())?;
    if problems.is_empty() {
        return Ok(());
    }
    append_element(
        list,
        "summary",
        &[],
        Some(&counted(problems.len(), "problem")),
    )?;
    let items = append_element(list, "ul", &[], None)?;
    for problem in problems.iter().take(MAX_LISTED) {
        append_element(
            &items,
            "li",
            &[("data-testid", "load-error")],
            Some(problem),
        )?;
    }
    let n_more = problems.len().saturating_sub(MAX_LISTED);
    if n_more > 0 {
        let more = format!("… and {} more", count(n_more));
        append_element(&items, "li", &[("class", "more")], Some(&more))?;
    }
    if let Some(seconds_left) = retry {
        let attrs = [
            ("type", "button"),
            ("data-testid", "load-retry"),
            ("title", "Read on from where the load stopped"),
        ];
        let words = seconds_left.map_or_else(|| "Retry".to_string(), countdown_words);
        append_element(list, "button", &attrs, Some(&words))?;
    }
    Ok(())
}

/// What the link asked for that the data does not have, once the source has loaded (while it
/// loads, what the link names may simply not have come yet).
#[component]
pub fn ViewNotes() -> impl IntoView {
    let ctx = use_app();
    let list = NodeRef::<leptos::html::Ul>::new();
    Effect::new(move |_| {
        if let Some(list) = list.get() {
            let loading = ctx.progress.with(Option::is_some);
            let notes = if loading {
                Vec::new()
            } else {
                ctx.selection.get().notes
            };
            list.set_text_content(None);
            let _ = list.toggle_attribute_with_force("hidden", notes.is_empty());
            for note in &notes {
                let _ = append_element(&list, "li", &[("data-testid", "view-note")], Some(note));
            }
        }
    });
    view! { <ul class="view-notes" hidden=true node_ref=list></ul> }
}
