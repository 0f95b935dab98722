//! What went wrong, and what in the link could not be found: every problem of the source, its
//! decoding and its replay, each with its place; and the notes of the view.

use leptos::prelude::*;

use super::context::use_app;
use super::loader::retry;
use crate::core::view::text::{count, counted, problem_lines};

/// How many problems are listed; the rest are counted.
const MAX_LISTED: usize = 200;

/// The problems of the load, open, at most `MAX_LISTED` of them.
#[component]
pub fn ProblemList() -> impl IntoView {
    let ctx = use_app();
    let problems = move || {
        let source = ctx.source_problems.get();
        ctx.loaded.with(|loaded| match loaded {
            Some(loaded) => problem_lines([
                &source[..],
                &loaded.problems[..],
                loaded.timeline.problems(),
            ]),
            None => problem_lines([&source[..]]),
        })
    };
    move || {
        let problems = problems();
        (!problems.is_empty()).then(|| {
            let n_more = problems.len().saturating_sub(MAX_LISTED);
            view! {
                <details class="problems" open=true>
                    <summary>{counted(problems.len(), "problem")}</summary>
                    <ul>
                        {problems.into_iter().take(MAX_LISTED).map(|p| view! { <li data-testid="load-error">{p}</li> }).collect_view()}
                        {(n_more > 0).then(|| view! { <li class="more">{format!("… and {} more", count(n_more))}</li> })}
                    </ul>
                    {move || ctx.can_retry.get().then(|| view! {
                        <button type="button" data-testid="load-retry" title="Read on from where the load stopped"
                            on:click=move |_| leptos::task::spawn_local(retry(ctx))>"Retry"</button>
                    })}
                </details>
            }
        })
    }
}

/// What the link asked for that the data does not have, once the source has loaded (while it
/// loads, what the link names may simply not have come yet).
#[component]
pub fn ViewNotes() -> impl IntoView {
    let ctx = use_app();
    move || {
        if ctx.progress.with(Option::is_some) {
            return None;
        }
        let notes = ctx.selection.get().notes;
        (!notes.is_empty()).then(|| {
            view! {
                <ul class="view-notes">
                    {notes.into_iter().map(|n| view! { <li data-testid="view-note">{n}</li> }).collect_view()}
                </ul>
            }
        })
    }
}
