//! How events become state, editable in the app: the projection (rules and upcasters) and a
//! custom mapping, each as JSON with its errors named, loadable from a URL and kept in the link;
//! and the zone in which times without one are read.

use chronoscope_protocol::{Answer, Request};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::reload_source;
use super::context::{use_app, AppCtx};
use super::engine::unexpected;
use super::feed::reproject as reproject_in_worker;
use super::loader::fetch_document;

/// What the editors hold: each text as typed, the projection's URL, and each editor's error.
/// The signals are what the panel knows; the fields only show them and report typing.
#[derive(Clone, Copy)]
struct Editors {
    projection: RwSignal<String>,
    mapping: RwSignal<String>,
    projection_url: RwSignal<String>,
    projection_error: RwSignal<Option<String>>,
    mapping_error: RwSignal<Option<String>>,
}

/// The projection and mapping editors.
#[component]
pub fn ModelPanel() -> impl IntoView {
    let ctx = use_app();
    let editors = Editors {
        projection: RwSignal::new(initial_projection(ctx)),
        mapping: RwSignal::new(initial_mapping(ctx)),
        projection_url: RwSignal::new(String::new()),
        projection_error: RwSignal::new(None),
        mapping_error: RwSignal::new(None),
    };
    let apply = move |_| {
        let text = editors.projection.get_untracked();
        let compact = serde_json::from_str::<serde_json::Value>(&text)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| text.clone());
        apply_projection(ctx, editors, text, compact);
    };
    let load = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let url = editors.projection_url.get_untracked();
        spawn_local(async move {
            match fetch_document(ctx.engine, &url).await {
                Ok(text) => {
                    editors.projection.set(text.clone());
                    apply_projection(ctx, editors, text, url);
                }
                Err(problem) => editors.projection_error.set(Some(problem.to_string())),
            }
        });
    };
    // The saved file is the mapping as it reads now.
    let mapping_file = move || {
        let text = editors.mapping.get();
        format!(
            "data:application/json;charset=utf-8,{}",
            js_sys::encode_uri_component(&text)
        )
    };
    view! {
        <section class="model-panel" aria-label="Projection and mapping">
            <div class="model-column" data-editor="projection">
                <h3>"Projection: rules per event type, and upcasters"</h3>
                <EditorText id="projection" label="Projection JSON" text=editors.projection />
                <div class="model-actions">
                    <button type="button" data-testid="projection-apply" on:click=apply>
                        "Apply projection"
                    </button>
                    <form on:submit=load>
                        <input type="text" data-testid="projection-url"
                            placeholder="or load one from a URL" aria-label="Projection URL"
                            prop:value=move || editors.projection_url.get()
                            on:input=move |ev| editors.projection_url.set(event_target_value(&ev)) />
                        <button type="submit">"Load"</button>
                    </form>
                </div>
                <EditorError id="projection" error=editors.projection_error />
            </div>
            <div class="model-column" data-editor="mapping">
                <h3>"Custom mapping: JSON Pointers into each record"</h3>
                <EditorText id="mapping" label="Mapping JSON" text=editors.mapping />
                <div class="model-actions">
                    <button type="button" data-testid="mapping-apply"
                        on:click=move |_| apply_mapping(ctx, editors)>
                        "Read the source with this mapping"
                    </button>
                    <a class="button" download="chronoscope-mapping.json" href=mapping_file>
                        "Save mapping"
                    </a>
                </div>
                <EditorError id="mapping" error=editors.mapping_error />
            </div>
        </section>
    }
}

/// An editor's text area, showing `text` and writing what is typed into it.
#[component]
fn EditorText(id: &'static str, label: &'static str, text: RwSignal<String>) -> impl IntoView {
    view! {
        <textarea data-testid=format!("{id}-text") aria-label=label spellcheck="false"
            prop:value=move || text.get()
            on:input=move |ev| text.set(event_target_value(&ev))></textarea>
    }
}

/// An editor's error, when it has one (`{id}-error`).
#[component]
fn EditorError(id: &'static str, error: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|error| {
            view! {
                <p class="model-error" data-testid=format!("{id}-error") role="alert">{error}</p>
            }
        })
    }
}

fn apply_projection(ctx: AppCtx, editors: Editors, text: String, link_value: String) {
    spawn_local(async move {
        let error = reproject_in_worker(ctx, text).await.err();
        if error.is_none() {
            ctx.view.update(|v| v.projection = Some(link_value));
        }
        editors.projection_error.set(error);
    });
}

/// Asks the engine whether the mapping can be used, and loads the source again with it.
fn apply_mapping(ctx: AppCtx, editors: Editors) {
    let text = editors.mapping.get_untracked();
    spawn_local(async move {
        let request = Request::CheckMapping { text };
        match ctx.engine.ask_worker(request, None).await.0 {
            Answer::MappingChecked { mapping } => {
                editors.mapping_error.set(None);
                ctx.view.update(|v| {
                    v.mapping = Some(mapping);
                    v.format = Some("mapping".into());
                });
                reload_source(ctx);
            }
            other => editors
                .mapping_error
                .set(Some(unexpected(&other).to_string())),
        }
    });
}

/// The projection the loaded data is read with, or an empty one to start from.
fn initial_projection(ctx: AppCtx) -> String {
    ctx.opened
        .with_untracked(|o| o.as_ref().and_then(|o| o.projection.clone()))
        .unwrap_or_else(|| "{\n  \"rules\": {},\n  \"upcasters\": []\n}".into())
}

/// The link's mapping (which may be the one inferred), the one the engine started when nothing
/// fit, or an example for an `audit_logs`-like table.
fn initial_mapping(ctx: AppCtx) -> String {
    let started = ctx
        .opened
        .with_untracked(|o| o.as_ref().and_then(|o| o.mapping_started.clone()));
    ctx.view.with_untracked(|v| {
        v.mapping
            .clone()
            .or(started)
            .as_deref()
            .and_then(|m| serde_json::from_str::<serde_json::Value>(m).ok())
            .and_then(|m| serde_json::to_string_pretty(&m).ok())
            .unwrap_or_else(|| {
                "{\n  \"stream\": [\"/table_name\", \"/record_id\"],\n  \"type\": \"/action\",\n  \"time\": \"/created_at\",\n  \"user\": \"/user\",\n  \"data\": \"/new_values\",\n  \"data_is\": \"merge\"\n}".into()
            })
    })
}

/// Where times without a zone were read, with a choice of another offset.
#[component]
pub fn NaiveTimeNote() -> impl IntoView {
    let ctx = use_app();
    let assumed = Memo::new(move |_| {
        ctx.opened
            .with(|o| o.as_ref().is_some_and(|o| o.naive_times))
    });
    let current = move || {
        ctx.view
            .with(|v| v.naive_offset.clone())
            .unwrap_or_else(|| "+00:00".into())
    };
    // Every whole hour from -12:00 to +14:00, and India's and central Australia's half hours.
    let options = move || {
        (-12..=14)
            .map(|h: i32| format!("{}{:02}:00", if h < 0 { '-' } else { '+' }, h.abs()))
            .chain(["+05:30".to_string(), "+09:30".to_string()])
            .map(|offset| {
                let selected = {
                    let offset = offset.clone();
                    move || current() == offset
                };
                let label = offset.clone();
                view! { <option value=offset prop:selected=selected>{label}</option> }
            })
            .collect_view()
    };
    move || {
        assumed.get().then(|| {
            view! {
                <div class="naive-note" data-testid="naive-time-note">
                    "This source writes times without a zone; they are read at UTC offset "
                    <select data-testid="naive-offset" aria-label="Offset of times without a zone" on:change=move |ev| {
                        let value = event_target_value(&ev);
                        ctx.view.update(|v| v.naive_offset = (value != "+00:00").then_some(value));
                        reload_source(ctx);
                    }>{options()}</select>
                    "."
                </div>
            }
        })
    }
}
