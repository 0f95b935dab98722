//! The source bar: where data comes from (URL, file, paste, demo), what was loaded, what went
//! wrong, and the "copy link" button.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::app::{input_file, open_file, reload_source, reset_selection};
use super::context::use_app;
use super::format::{bytes, count};
use super::loader::{load_text, load_url, DEMO_URL};
use super::model_panel::{ModelPanel, NaiveTimeNote};
use super::url::copy_link;
use crate::core::decode::{Format, Place, Problem, ProblemKind};
use crate::core::origin::{resolve, Credential, Secret};

/// How many problems are listed; the rest are counted.
const MAX_LISTED: usize = 200;

/// The top bar and the load status below it.
#[component]
pub fn SourceBar() -> impl IntoView {
    let ctx = use_app();
    let url_text = RwSignal::new(ctx.view.get_untracked().src.unwrap_or_default());
    let paste_open = RwSignal::new(false);
    let paste_text = RwSignal::new(String::new());

    let creds_open = RwSignal::new(false);
    let load_from_url = move |url: String, label: String, src: Option<String>| {
        ctx.view.update(|view| {
            reset_selection(view);
            view.src = src;
            view.file = None;
        });
        ctx.local_text.set_value(None);
        ctx.source_problems.set(Vec::new());
        ctx.needs_file.set(None);
        spawn_local(load_url(ctx, url, label));
    };
    let on_url_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let url = url_text.get_untracked().trim().to_string();
        if !url.is_empty() {
            if let Err(why) = crate::core::link::check_source(&url) {
                ctx.source_problems.set(vec![Problem::new(
                    Place::Source,
                    ProblemKind::Link(why.to_string()),
                )]);
                return;
            }
            load_from_url(url.clone(), url.clone(), Some(url));
        }
    };
    let on_demo = move |_| {
        url_text.set(String::new());
        load_from_url(DEMO_URL.into(), "demo".into(), None);
    };
    let on_paste_load = move |_| {
        let text = paste_text.get_untracked();
        ctx.view.update(|view| {
            reset_selection(view);
            view.src = None;
            view.file = Some("(pasted)".into());
        });
        ctx.source_problems.set(Vec::new());
        paste_open.set(false);
        spawn_local(load_text(ctx, text, "pasted text".into()));
    };
    // Choosing a format re-reads the current source with it, and the link keeps the choice.
    let on_format = move |key: String| {
        ctx.view
            .update(|view| view.format = (!key.is_empty()).then_some(key));
        reload_source(ctx);
    };
    let model_open = RwSignal::new(false);
    let on_copy = move |_| copy_link(ctx);

    let summary = move || {
        if let Some(progress) = ctx.progress.get() {
            if let Some(n_replayed) = progress.n_replayed {
                return format!(
                    "Replaying {}… {} of {} events",
                    progress.label,
                    count(n_replayed),
                    count(progress.n_events)
                );
            }
            let got = match progress.total_bytes {
                Some(total) => format!("{} of {}", bytes(progress.bytes), bytes(total)),
                None => bytes(progress.bytes),
            };
            return format!(
                "Loading {}… {got} · {} events",
                progress.label,
                count(progress.n_events)
            );
        }
        ctx.loaded.with(|loaded| match loaded {
            Some(loaded) => {
                let n_problems = loaded.problems.len() + loaded.timeline.problems().len();
                let (n_events, n_streams) = (loaded.timeline.len(), loaded.timeline.n_streams());
                let mut text = format!(
                    "{} event{} · {} stream{}",
                    count(n_events),
                    if n_events == 1 { "" } else { "s" },
                    count(n_streams),
                    if n_streams == 1 { "" } else { "s" }
                );
                if n_problems > 0 {
                    text.push_str(&format!(
                        " · {} problem{}",
                        count(n_problems),
                        if n_problems == 1 { "" } else { "s" }
                    ));
                }
                text
            }
            None => "Nothing loaded".to_string(),
        })
    };
    let problems = move || {
        let mut all: Vec<String> = ctx
            .source_problems
            .get()
            .iter()
            .map(|p| p.to_string())
            .collect();
        ctx.loaded.with(|loaded| {
            if let Some(loaded) = loaded {
                all.extend(loaded.problems.iter().map(|p| p.to_string()));
                all.extend(loaded.timeline.problems().iter().map(|p| p.to_string()));
            }
        });
        all
    };
    let progress_fraction = move || {
        ctx.progress.get().and_then(|p| {
            p.total_bytes
                .filter(|&t| t > 0)
                .map(|t| (p.bytes as f64 / t as f64).min(1.0))
        })
    };

    view! {
        <header class="source-bar">
            <h1 class="brand" title="Chronoscope: a time-travel inspector for event-sourced systems">
                "Chronoscope"
            </h1>
            <form class="source-url" on:submit=on_url_submit>
                <input
                    type="text"
                    data-testid="source-url"
                    aria-label="URL of an event stream"
                    placeholder="URL of an event stream (NDJSON or JSON)"
                    prop:value=move || url_text.get()
                    on:input=move |ev| url_text.set(event_target_value(&ev))
                />
                <button type="submit">"Load"</button>
            </form>
            <label class="button file-button">
                "Open file…"
                <input
                    type="file"
                    data-testid="file-input"
                    accept=".json,.ndjson,.jsonl,.txt,application/json"
                    on:change=move |ev| {
                        if let Some(file) = input_file(&ev) {
                            open_file(ctx, file);
                        }
                    }
                />
            </label>
            <button type="button" data-testid="paste-toggle" on:click=move |_| paste_open.update(|o| *o = !*o)>
                "Paste…"
            </button>
            <button type="button" data-testid="demo-button" on:click=on_demo>"Demo"</button>
            <button type="button" data-testid="model-toggle" title="How events become state: projection rules, upcasters, a custom mapping" on:click=move |_| model_open.update(|o| *o = !*o)>
                "Projection…"
            </button>
            <button type="button" data-testid="credentials-toggle" title="A credential for the source's server; never put in a link" on:click=move |_| creds_open.update(|o| *o = !*o)>
                {move || if ctx.credential.with(Credential::is_none) { "Credentials…" } else { "Credentials ✓" }}
            </button>
            <label class="format" title=move || ctx.loaded.with(|l| l.as_ref().map(|l| format!("Why: {}", l.detection.reason)).unwrap_or_default())>
                <span data-testid="format-detected">
                    {move || ctx.loaded.with(|l| l.as_ref().map(|l| format!("{} · {} ({})", l.label, l.detection.format.label(), if ctx.view.with(|v| v.format.is_some() || v.mapping.is_some()) { "chosen" } else { "detected" })).unwrap_or_default())}
                </span>
                <select data-testid="format-select" aria-label="Source format" on:change=move |ev| on_format(event_target_value(&ev))>
                    <option value="" selected=move || ctx.view.with(|v| v.format.is_none())>"Detect format"</option>
                    {Format::ALL.into_iter().map(|format| view! {
                        <option value=format.key() selected=move || ctx.view.with(|v| v.format.as_deref() == Some(format.key()))>{format.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="button" class="primary" data-testid="copy-link" on:click=on_copy title="Copy a link to this exact view (c)">
                {move || if ctx.link_copied.get() { "Link copied" } else { "Copy link" }}
            </button>
        </header>
        <div class="status-line">
            <span data-testid="load-summary">{summary}</span>
            {move || progress_fraction().map(|f| view! { <progress max="1" value=f></progress> })}
            <span class="drop-hint">"Drop a file anywhere to open it"</span>
        </div>
        <Show when=move || creds_open.get()>
            <CredentialForm url_text/>
        </Show>
        <Show when=move || model_open.get()>
            <ModelPanel/>
        </Show>
        <NaiveTimeNote/>
        <Show when=move || paste_open.get()>
            <div class="paste-box">
                <textarea
                    data-testid="paste-text"
                    aria-label="Pasted events"
                    placeholder="Paste NDJSON or a JSON array of events"
                    prop:value=move || paste_text.get()
                    on:input=move |ev| paste_text.set(event_target_value(&ev))
                ></textarea>
                <button type="button" data-testid="paste-load" on:click=on_paste_load>"Load pasted text"</button>
            </div>
        </Show>
        {move || ctx.needs_file.get().map(|name| view! {
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
        })}
        {move || {
            let problems = problems();
            (!problems.is_empty()).then(|| view! {
                <details class="problems" open=true>
                    <summary>{format!("{} problem{}", count(problems.len()), if problems.len() == 1 { "" } else { "s" })}</summary>
                    <ul>
                        {problems.iter().take(MAX_LISTED).map(|p| view! { <li data-testid="load-error">{p.clone()}</li> }).collect_view()}
                        {(problems.len() > MAX_LISTED).then(|| view! {
                            <li class="more">{format!("… and {} more", count(problems.len() - MAX_LISTED))}</li>
                        })}
                    </ul>
                </details>
            })
        }}
        {move || {
            // While a source is still loading, what the link names may simply not have come yet.
            if ctx.progress.with(Option::is_some) {
                return None;
            }
            let notes = ctx.selection.get().notes;
            (!notes.is_empty()).then(|| view! {
                <ul class="view-notes">
                    {notes.into_iter().map(|n| view! { <li data-testid="view-note">{n}</li> }).collect_view()}
                </ul>
            })
        }}
    }
}

/// Where the user types a credential for the source's server. It stays in memory, is sent only
/// as the `Authorization` header and only to the origin it was typed for (that of the URL in the
/// source box, or of the source shown), and never goes into a link.
#[component]
fn CredentialForm(
    /// The URL typed in the source box: the credential is for its origin.
    url_text: RwSignal<String>,
) -> impl IntoView {
    let ctx = use_app();
    let scheme = RwSignal::new(match ctx.credential.get_untracked().secret {
        Secret::None => "none",
        Secret::Basic { .. } => "basic",
        Secret::Bearer { .. } => "bearer",
    });
    let user = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let origin = move || {
        let typed = url_text.get();
        let address = match typed.trim() {
            "" => ctx.view.with(|v| v.src.clone()).unwrap_or_default(),
            typed => typed.to_string(),
        };
        let page = window().location().href().unwrap_or_default();
        resolve(&address, &page).ok()
    };
    let save = move || {
        let secret = match scheme.get_untracked() {
            "basic" => Secret::Basic {
                user: user.get_untracked(),
                password: secret.get_untracked(),
            },
            "bearer" => Secret::Bearer {
                token: secret.get_untracked(),
            },
            _ => Secret::None,
        };
        ctx.credential.set(match untrack(origin) {
            Some(url) => Credential::for_url(secret, &url),
            None => Credential {
                secret,
                origin: None,
            },
        });
    };
    let for_origin = move || match ctx.credential.with(|c| c.origin.clone()) {
        Some(origin) => format!("Sent only to {origin}."),
        None => "Type the source's URL first: a credential is sent only to its server.".into(),
    };
    view! {
        <form class="credentials" autocomplete="off" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <select data-testid="credential-scheme" aria-label="Credential type" on:change=move |ev| {
                scheme.set(match event_target_value(&ev).as_str() { "basic" => "basic", "bearer" => "bearer", _ => "none" });
                save();
            }>
                <option value="none" selected=move || scheme.get() == "none">"No credential"</option>
                <option value="basic" selected=move || scheme.get() == "basic">"Basic (user, password)"</option>
                <option value="bearer" selected=move || scheme.get() == "bearer">"Bearer token"</option>
            </select>
            <Show when=move || scheme.get() == "basic">
                <input type="text" data-testid="credential-user" aria-label="User" placeholder="user"
                    prop:value=move || user.get() on:input=move |ev| { user.set(event_target_value(&ev)); save(); }/>
            </Show>
            <Show when=move || scheme.get() != "none">
                <input type="password" data-testid="credential-secret" aria-label="Password or token"
                    placeholder=move || if scheme.get() == "basic" { "password" } else { "token" }
                    prop:value=move || secret.get() on:input=move |ev| { secret.set(event_target_value(&ev)); save(); }/>
            </Show>
            <span class="hint" data-testid="credential-origin">{for_origin}" Kept in this tab's memory only; never put in a link."</span>
        </form>
    }
}
