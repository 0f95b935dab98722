//! The source bar: where data comes from (a URL, a file, a paste, the demo), how it is read (the
//! format, the projection, a credential), and the "copy link" button; below it, the load's
//! status, its problems and the link's notes. Each part is its own component; this one only lays
//! them out and opens and closes the panels.

use leptos::prelude::*;

use super::actions::{input_file, open_demo, open_file, open_url};
use super::connect::AskToConnect;
use super::context::use_app;
use super::credential_form::CredentialForm;
use super::export_menu::ExportMenu;
use super::format_picker::FormatPicker;
use super::load_status::{AskBeforeFetch, LoadSummary, NeedsFile};
use super::model_panel::{ModelPanel, NaiveTimeNote};
use super::paste_box::PasteBox;
use super::problem_list::{ProblemList, ViewNotes};
use super::url::{copy_link, no_link, pinned_link};
use chronoscope_core::embed::{full_view, is_compact};
use chronoscope_core::origin::Credential;

/// The top bar and the load status below it.
#[component]
pub fn SourceBar() -> impl IntoView {
    let ctx = use_app();
    let url_text = RwSignal::new(ctx.view.get_untracked().src.unwrap_or_default());
    let paste_open = RwSignal::new(false);
    let creds_open = RwSignal::new(false);
    let model_open = RwSignal::new(false);
    let on_url_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let url = url_text.get_untracked().trim().to_string();
        if !url.is_empty() {
            open_url(ctx, url);
        }
    };
    let on_demo = move |_| {
        url_text.set(String::new());
        open_demo(ctx);
    };
    let toggle = |open: RwSignal<bool>| move |_| open.update(|o| *o = !*o);
    // When nothing fits, the mapping editor opens with a mapping started for the source.
    Effect::new(move |_| {
        if ctx
            .opened
            .with(|o| o.as_ref().is_some_and(|o| o.mapping_started.is_some()))
        {
            model_open.set(true);
        }
    });
    let menu_open = RwSignal::new(false);
    view! {
        <header class="top">
        <div class="source-bar">
            <h1 class="brand" title="Chronoscope: a time-travel inspector for event-sourced systems">
                "Chronoscope"
            </h1>
            <form class="source-url" on:submit=on_url_submit>
                <input type="text" data-testid="source-url" aria-label="URL of an event stream"
                    placeholder="URL of an event stream (NDJSON or JSON)" bind:value=url_text/>
                <button type="submit">"Load"</button>
            </form>
            // In a narrow panel the source actions fold into this menu; wide, it is not shown.
            <button type="button" class="menu-toggle" data-testid="source-menu" aria-controls="source-actions"
                aria-expanded=move || if menu_open.get() { "true" } else { "false" }
                on:click=toggle(menu_open)>"Source ▾"</button>
            <div id="source-actions" class="source-actions" class:open=move || menu_open.get()>
                <label class="button file-button">
                    "Open file…"
                    <input type="file" data-testid="file-input" accept=".json,.ndjson,.jsonl,.csv,.txt,.zip,application/json,text/csv,application/zip"
                        on:change=move |ev| if let Some(file) = input_file(&ev) { open_file(ctx, file) }/>
                </label>
                <button type="button" data-testid="paste-toggle" on:click=toggle(paste_open)>"Paste…"</button>
                <button type="button" data-testid="demo-button" on:click=on_demo>"Demo"</button>
                <button type="button" data-testid="model-toggle" on:click=toggle(model_open)
                    title="How events become state: projection rules, upcasters, a custom mapping">
                    "Projection…"
                </button>
                <button type="button" data-testid="credentials-toggle" on:click=toggle(creds_open)
                    title="A credential for the source's server; never put in a link">
                    {move || if ctx.credential.with(Credential::is_none) { "Credentials…" } else { "Credentials ✓" }}
                </button>
                <FormatPicker/>
            </div>
            <Show when=move || ctx.view.with(is_compact)>
                <PanelControls/>
            </Show>
            <ExportMenu/>
            <button type="button" class="primary" data-testid="copy-link" on:click=move |_| copy_link(ctx)
                disabled=move || no_link(ctx).is_some()
                title=move || no_link(ctx).map_or_else(
                    || "Copy a link to this exact view, pinned to its data by h= (c)".to_string(),
                    |no_link| no_link.to_string(),
                )>
                {move || if ctx.link_copied.get() { "Link copied" } else { "Copy link" }}
            </button>
        </div>
        <LoadSummary/>
        <Show when=move || creds_open.get()>
            <CredentialForm url_text/>
        </Show>
        <Show when=move || model_open.get()>
            <ModelPanel/>
        </Show>
        <NaiveTimeNote/>
        <Show when=move || paste_open.get()>
            <PasteBox open=paste_open/>
        </Show>
        <NeedsFile/>
        <AskBeforeFetch/>
        <AskToConnect/>
        <ProblemList/>
        <ViewNotes/>
        </header>
    }
}

/// The compact panel's own controls (`?embed=1`): whether the selection follows live events to
/// the head, and a link that opens the same view in a full page.
#[component]
fn PanelControls() -> impl IntoView {
    let ctx = use_app();
    // The same stream and moment; no `h=`, which would hash the stream on every move.
    let full_link = move || {
        let view = ctx.view.with(full_view);
        let base = ctx.host_link_base.get();
        pinned_link(
            &view,
            &ctx.shown.selection.get(),
            ctx.shown.cursor.get(),
            base.as_deref(),
        )
    };
    let open = move || {
        match full_link() {
        Ok(link) => {
            let label = match ctx.host_link_base.with(Option::is_some) {
                true => "Open on the host's page",
                false => "Open in full view",
            };
            view! { <a class="button" data-testid="open-full" href=link target="_blank" rel="noopener">{label}</a> }
                .into_any()
        }
        Err(no_link) => view! {
            <span class="no-link" data-testid="no-link" title=no_link.to_string()>"Data from the host: no link"</span>
        }
        .into_any(),
    }
    };
    view! {
        <label class="follow" title="Move to each new event as it arrives">
            <input type="checkbox" data-testid="follow" bind:checked=ctx.follow.on/>"Follow"
        </label>
        {open}
    }
}
