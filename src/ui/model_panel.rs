//! How events become state, editable in the app: the projection (rules and upcasters) and a
//! custom mapping, each as JSON with its errors named, loadable from a URL and kept in the link;
//! and the zone in which times without one are read.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::reload_source;
use super::context::{use_app, AppCtx, Loaded};
use super::dom::append_element;
use super::json_editor::JsonEditor;
use super::loader::{check_integrity, fetch_projection};
use crate::core::decode::mapping::Mapping;
use crate::core::ingest::index::reproject;
use crate::core::projection::Projection;

/// The projection and mapping editors.
#[component]
pub fn ModelPanel() -> impl IntoView {
    let ctx = use_app();
    let projection_text = RwSignal::new(initial_projection(ctx));
    let projection_error = RwSignal::new(None::<String>);
    let projection_url = RwSignal::new(String::new());
    let mapping_text = RwSignal::new(initial_mapping(ctx));
    let mapping_error = RwSignal::new(None::<String>);
    let apply_projection = move |text: String, link_value: String| {
        projection_error.set(replay_with_projection(ctx, text, link_value).err());
    };
    let on_apply_projection = move |_| {
        let text = projection_text.get_untracked();
        let compact = serde_json::from_str::<serde_json::Value>(&text)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| text.clone());
        apply_projection(text, compact);
    };
    let on_load_projection = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let url = projection_url.get_untracked();
        spawn_local(async move {
            match fetch_projection(&ctx, &url).await {
                Ok(text) => {
                    projection_text.set(text.clone());
                    apply_projection(text, url);
                }
                Err(problem) => projection_error.set(Some(problem.to_string())),
            }
        });
    };
    let on_apply_mapping = move |_| match Mapping::parse(&mapping_text.get_untracked()) {
        Ok(mapping) => {
            mapping_error.set(None);
            ctx.view.update(|v| {
                v.mapping = Some(mapping.to_json());
                v.format = Some("mapping".into());
            });
            reload_source(ctx);
        }
        Err(err) => mapping_error.set(Some(err)),
    };
    let mapping_download = move || {
        format!(
            "data:application/json;charset=utf-8,{}",
            js_sys::encode_uri_component(&mapping_text.get())
        )
    };

    view! {
        <section class="model-panel" aria-label="Projection and mapping">
            <JsonEditor title="Projection: rules per event type, and upcasters" label="Projection JSON"
                id="projection" text=projection_text error=projection_error>
                <button type="button" data-testid="projection-apply" on:click=on_apply_projection>"Apply projection"</button>
                <form on:submit=on_load_projection>
                    <input type="text" data-testid="projection-url" placeholder="or load one from a URL" bind:value=projection_url/>
                    <button type="submit">"Load"</button>
                </form>
            </JsonEditor>
            <JsonEditor title="Custom mapping: JSON Pointers into each record" label="Mapping JSON"
                id="mapping" text=mapping_text error=mapping_error>
                <button type="button" data-testid="mapping-apply" on:click=on_apply_mapping>"Read the source with this mapping"</button>
                <a class="button" download="chronoscope-mapping.json" href=mapping_download>"Save mapping"</a>
            </JsonEditor>
        </section>
    }
}

/// The projection the loaded data is read with, or an empty one to start from.
fn initial_projection(ctx: AppCtx) -> String {
    ctx.loaded
        .with_untracked(|l| l.as_ref().and_then(|l| l.projection_text.clone()))
        .unwrap_or_else(|| "{\n  \"rules\": {},\n  \"upcasters\": []\n}".into())
}

/// The link's mapping, or an example for an `audit_logs`-like table.
fn initial_mapping(ctx: AppCtx) -> String {
    ctx.view.with_untracked(|v| {
        v.mapping
            .as_deref()
            .and_then(|m| Mapping::parse(m).ok())
            .and_then(|m| serde_json::to_string_pretty(&m).ok())
            .unwrap_or_else(|| {
                "{\n  \"stream\": [\"/table_name\", \"/record_id\"],\n  \"type\": \"/action\",\n  \"time\": \"/created_at\",\n  \"user\": \"/user\",\n  \"data\": \"/new_values\",\n  \"data_is\": \"merge\"\n}".into()
            })
    })
}

/// Replays the loaded events with a projection; the link keeps `link_value` (JSON or URL).
fn replay_with_projection(ctx: AppCtx, text: String, link_value: String) -> Result<(), String> {
    let projection = Projection::parse(&text)?;
    if let Some(old) = ctx.loaded.get_untracked() {
        let loaded = Arc::new(Loaded {
            timeline: reproject(&old.timeline, Some(Arc::new(projection))),
            problems: old.problems.clone(),
            detection: old.detection.clone(),
            label: old.label.clone(),
            projection_text: Some(text),
            complete: old.complete,
            appended: false,
        });
        ctx.loaded.set(Some(loaded.clone()));
        // The projection may describe a hash chain: the checks run again.
        spawn_local(check_integrity(ctx, loaded));
    }
    ctx.view.update(|v| v.projection = Some(link_value));
    Ok(())
}

/// Where times without a zone were read, with a choice of another offset.
#[component]
pub fn NaiveTimeNote() -> impl IntoView {
    let ctx = use_app();
    let assumed = Memo::new(move |_| {
        ctx.loaded
            .with(|l| l.as_ref().is_some_and(|l| l.timeline.has_naive_times()))
    });
    // Options written with DOM calls rather than a `view!` per offset, for the bundle's budget
    // (see `period_table`).
    let select = NodeRef::<leptos::html::Select>::new();
    Effect::new(move |_| {
        let current = ctx
            .view
            .with(|v| v.naive_offset.clone())
            .unwrap_or_else(|| "+00:00".into());
        if let Some(select) = select.get() {
            select.set_text_content(None);
            let whole = (-12..=14)
                .map(|h: i32| format!("{}{:02}:00", if h < 0 { '-' } else { '+' }, h.abs()));
            for offset in whole.chain(["+05:30".to_string(), "+09:30".to_string()]) {
                // Only element creation can fail here, which a browser does not refuse.
                let _ = append_element(&select, "option", &[("value", &offset)], Some(&offset));
            }
            select.set_value(&current);
        }
    });
    move || {
        assumed.get().then(|| {
            view! {
                <div class="naive-note" data-testid="naive-time-note">
                    "This source writes times without a zone; they are read at UTC offset "
                    <select data-testid="naive-offset" aria-label="Offset of times without a zone" node_ref=select on:change=move |ev| {
                        let value = event_target_value(&ev);
                        ctx.view.update(|v| v.naive_offset = (value != "+00:00").then_some(value));
                        reload_source(ctx);
                    }></select>
                    "."
                </div>
            }
        })
    }
}
