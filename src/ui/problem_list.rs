//! What went wrong, and what in the link could not be found: every problem of the source, its
//! decoding and its replay, each with its place; and the notes of the view.
//! Each list is hidden while it is empty.

use leptos::prelude::*;

use super::context::use_app;
use super::loader::retry;
use chronoscope_core::view::text::{count, counted, problem_lines};
use chronoscope_core::waiting::countdown_words;

/// The problems of the load, open: those of the page's own steps (a document that could not be
/// fetched) and the first ones the engine lists (`MAX_PROBLEM_LINES`), the rest counted; and
/// *Retry* when the load broke off and can read on.
#[component]
pub fn ProblemList() -> impl IntoView {
    let ctx = use_app();
    let problems = Memo::new(move |_| {
        let mut lines = problem_lines([&ctx.source_problems.get()[..]]);
        let mut n_all = lines.len();
        ctx.opened.with(|opened| {
            if let Some(opened) = opened {
                lines.extend(opened.problems.iter().map(ToString::to_string));
                n_all += opened.n_problems;
            }
        });
        (lines, n_all)
    });
    let n_more = move || problems.with(|(lines, n_all)| n_all.saturating_sub(lines.len()));
    let retry_words = move || {
        ctx.load.can_retry.get().then(|| {
            ctx.load
                .retry_in
                .get()
                .map_or_else(|| "Retry".to_string(), countdown_words)
        })
    };
    view! {
        <details class="problems" open=true hidden=move || problems.with(|(_, n)| *n == 0)>
            <summary>{move || counted(problems.with(|(_, n)| *n), "problem")}</summary>
            <ul>
                {move || problems.with(|(lines, _)| {
                    lines.iter().map(|line| view! { <li data-testid="load-error">{line.clone()}</li> })
                        .collect_view()
                })}
                {move || (n_more() > 0)
                    .then(|| view! { <li class="more">{format!("… and {} more", count(n_more()))}</li> })}
            </ul>
            {move || retry_words().map(|words| view! {
                <button type="button" data-testid="load-retry"
                    title="Read on from where the load stopped"
                    on:click=move |_| leptos::task::spawn_local(retry(ctx))>{words}</button>
            })}
        </details>
    }
}

/// What the link asked for that the data does not have, once the source has loaded (while it
/// loads, what the link names may simply not have come yet).
#[component]
pub fn ViewNotes() -> impl IntoView {
    let ctx = use_app();
    let notes = Memo::new(move |_| match ctx.load.progress.with(Option::is_some) {
        true => Vec::new(),
        false => ctx.shown.selection.with(|s| s.notes.clone()),
    });
    view! {
        <ul class="view-notes" hidden=move || notes.with(Vec::is_empty)>
            {move || notes.get().into_iter().map(|note| view! { <li data-testid="view-note">{note}</li> }).collect_view()}
        </ul>
    }
}
