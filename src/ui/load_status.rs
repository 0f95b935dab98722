//! The load's status line (what is loading, or what was loaded), and the request for the local
//! file a deep link was made from.

use leptos::prelude::*;

use super::actions::{input_file, open_file};
use super::context::use_app;
use super::follow_bar::FollowBar;
use super::integrity_report::IntegrityBar;
use super::loader::memory_bytes;
use chronoscope_core::view::text::{count, loaded_summary};
use chronoscope_protocol::Opened;

/// `Loading demo… 120 KB of 480 KB · 300 events`, then `1,971 events · 76 streams`, with a
/// progress bar while the size is known; below it, what the integrity checks found.
#[component]
pub fn LoadSummary() -> impl IntoView {
    let ctx = use_app();
    let summary = move || {
        if let Some(progress) = ctx.load.progress.get() {
            return progress.summary();
        }
        ctx.opened.with(|opened| match opened {
            Some(opened) => {
                let n_problems = opened.n_problems;
                let summary = loaded_summary(opened.n_events, opened.n_streams, n_problems);
                match (ctx.pack.with(Option::is_some), ctx.engine.native.get()) {
                    (true, _) => format!("{summary} · from an evidence pack"),
                    (false, Some(engine)) => format!("{summary} · read by the engine at {engine}"),
                    (false, None) => summary,
                }
            }
            None => "Nothing loaded".to_string(),
        })
    };
    // How much memory the page holds, for a load near the ceiling (`mem=`).
    let memory = move || {
        let engine = ctx.opened.with(|o| o.as_ref().and_then(|o| o.memory_bytes));
        let page = memory_bytes();
        let words = |bytes: u64| count((bytes >> 20) as usize);
        match engine {
            Some(engine) => format!(
                "WebAssembly memory: {} MB in the engine's worker, {} MB in the page",
                words(engine),
                words(page)
            ),
            None => format!("WebAssembly memory: {} MB", words(page)),
        }
    };
    let fraction = move || {
        ctx.load
            .progress
            .with(|p| p.as_ref().and_then(|p| p.fraction()))
    };
    view! {
        <div class="status-line">
            <span data-testid="load-summary" title=memory>{summary}</span>
            <span class="reading" data-testid="source-reading">{move || ctx.opened.with(reading)}</span>
            {move || fraction().map(|f| view! { <progress max="1000" value=((f * 1000.0).round() as u32).to_string()></progress> })}
            <FollowBar/>
            <span class="drop-hint">"Drop a file anywhere to open it"</span>
        </div>
        <IntegrityBar/>
    }
}

/// How the source was read, where the format alone does not say: the reading inferred for a
/// history table, and the columns whose JSON in text was read as JSON.
fn reading(opened: &Option<Opened>) -> String {
    let Some(opened) = opened else {
        return String::new();
    };
    let mut parts = Vec::new();
    if opened.mapping_inferred.is_some() {
        parts.push(opened.reason.clone());
    }
    if !opened.json_columns.is_empty() {
        parts.push(format!(
            "JSON in text read as JSON: {}",
            opened.json_columns.join(", ")
        ));
    }
    parts.join("; ")
}

/// Asks for the local file a deep link names, which a link cannot carry.
#[component]
pub fn NeedsFile() -> impl IntoView {
    let ctx = use_app();
    move || {
        ctx.needs_file.get().map(|name| {
            view! {
                <div class="needs-file" data-testid="needs-file" role="alert">
                    "This link was made from a local file, "
                    <strong>{name}</strong>
                    ", which a link cannot carry. Choose it to open the same view: "
                    <input type="file" aria-label="Choose the file" on:change=move |ev| {
                        if let Some(file) = input_file(&ev) {
                            open_file(ctx, file);
                        }
                    }/>
                </div>
            }
        })
    }
}

/// Asks before a deep link fetches from another site than this page's: the link names the
/// site, and the browser would fetch from it with any cookies it holds for it. Nothing is
/// fetched until the person says so.
#[component]
pub fn AskBeforeFetch() -> impl IntoView {
    let ctx = use_app();
    let open = move |_| {
        ctx.ask_to_fetch.set(None);
        ctx.view
            .with_untracked(|view| super::app::load_first(ctx, view));
    };
    let cancel = move |_| ctx.ask_to_fetch.set(None);
    move || {
        ctx.ask_to_fetch.get().map(|origins| {
            view! {
                <div class="needs-file" data-testid="ask-to-fetch" role="alert">
                    "This link reads its data from another site: "
                    <strong data-testid="ask-origins">{origins.join(", ")}</strong>
                    ". Your browser would fetch it from there, with any cookies it holds for that site. "
                    <button type="button" data-testid="ask-open" on:click=open>"Open it"</button>
                    " "
                    <button type="button" data-testid="ask-cancel" on:click=cancel>"Don't"</button>
                </div>
            }
        })
    }
}
