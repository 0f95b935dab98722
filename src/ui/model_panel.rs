//! How events become state, editable in the app: the projection (rules and upcasters) and a
//! custom mapping, each as JSON with its errors named, loadable from a URL and kept in the link;
//! and the zone in which times without one are read.

use chronoscope_protocol::{Answer, Request};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

use super::actions::reload_source;
use super::context::{use_app, AppCtx};
use super::dom::{append_element, clicked_button, target_within};
use super::engine::unexpected;
use super::feed::reproject as reproject_in_worker;
use super::loader::fetch_document;

/// The projection and mapping editors. Written with DOM calls, with one handler for clicks and
/// one for the URL form, rather than a `view!`: the panel's generic view code cost the bundle
/// about 4 KB it did not have once live following came (see `follow_bar`).
#[component]
pub fn ModelPanel() -> impl IntoView {
    let ctx = use_app();
    let panel = NodeRef::<leptos::html::Section>::new();
    Effect::new(move |_| {
        if let Some(panel) = panel.get() {
            // Only element creation can fail here, which a browser does not refuse.
            let _ = write_editors(ctx, &panel);
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some(panel) = panel.get_untracked() else {
            return;
        };
        if let Some(link) = target_within(&ev, "a") {
            // The saved file is the mapping as it reads now.
            let text = field(&panel, "mapping-text");
            let href = format!(
                "data:application/json;charset=utf-8,{}",
                js_sys::encode_uri_component(&text)
            );
            let _ = link.set_attribute("href", &href);
            return;
        }
        match clicked_button(&ev)
            .and_then(|b| b.get_attribute("data-testid"))
            .as_deref()
        {
            Some("projection-apply") => {
                let text = field(&panel, "projection-text");
                let compact = serde_json::from_str::<serde_json::Value>(&text)
                    .map(|v| v.to_string())
                    .unwrap_or_else(|_| text.clone());
                apply_projection(ctx, &panel, text, compact);
            }
            Some("mapping-apply") => apply_mapping(ctx, &panel),
            _ => {}
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(panel) = panel.get_untracked() else {
            return;
        };
        let url = field(&panel, "projection-url");
        spawn_local(async move {
            match fetch_document(&url).await {
                Ok(text) => {
                    set_field(&panel, "projection-text", &text);
                    apply_projection(ctx, &panel, text, url);
                }
                Err(problem) => show_error(&panel, "projection", Some(&problem.to_string())),
            }
        });
    };
    view! {
        <section class="model-panel" aria-label="Projection and mapping" node_ref=panel
            on:click=on_click on:submit=on_submit></section>
    }
}

/// The two editors: each a heading, its text, its actions, and (`show_error`) its error.
fn write_editors(ctx: AppCtx, panel: &web_sys::Element) -> Result<(), JsValue> {
    let editors = [
        (
            "projection",
            "Projection: rules per event type, and upcasters",
            "Projection JSON",
            initial_projection(ctx),
        ),
        (
            "mapping",
            "Custom mapping: JSON Pointers into each record",
            "Mapping JSON",
            initial_mapping(ctx),
        ),
    ];
    for (id, title, label, text) in editors {
        let column = append_element(
            panel,
            "div",
            &[("class", "model-column"), ("data-editor", id)],
            None,
        )?;
        append_element(&column, "h3", &[], Some(title))?;
        let testid = format!("{id}-text");
        let attributes = [
            ("data-testid", testid.as_str()),
            ("aria-label", label),
            ("spellcheck", "false"),
        ];
        append_element(&column, "textarea", &attributes, None)?;
        set_field(panel, &testid, &text);
        append_element(&column, "div", &[("class", "model-actions")], None)?;
    }
    let actions = panel.query_selector_all(".model-actions")?;
    let (Some(projection), Some(mapping)) = (actions.get(0), actions.get(1)) else {
        return Ok(());
    };
    let (projection, mapping): (web_sys::Element, web_sys::Element) =
        (projection.unchecked_into(), mapping.unchecked_into());
    let button = [("type", "button"), ("data-testid", "projection-apply")];
    append_element(&projection, "button", &button, Some("Apply projection"))?;
    let form = append_element(&projection, "form", &[], None)?;
    let url = [
        ("type", "text"),
        ("data-testid", "projection-url"),
        ("placeholder", "or load one from a URL"),
        ("aria-label", "Projection URL"),
    ];
    append_element(&form, "input", &url, None)?;
    append_element(&form, "button", &[("type", "submit")], Some("Load"))?;
    let button = [("type", "button"), ("data-testid", "mapping-apply")];
    append_element(
        &mapping,
        "button",
        &button,
        Some("Read the source with this mapping"),
    )?;
    let save = [
        ("class", "button"),
        ("download", "chronoscope-mapping.json"),
        ("href", "#"),
    ];
    append_element(&mapping, "a", &save, Some("Save mapping"))?;
    Ok(())
}

/// The text of the field with this `data-testid` (a textarea or an input).
fn field(panel: &web_sys::Element, testid: &str) -> String {
    let found = panel
        .query_selector(&format!("[data-testid={testid}]"))
        .ok()
        .flatten();
    match found {
        Some(found) => js_sys::Reflect::get(&found, &"value".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default(),
        None => String::new(),
    }
}

fn set_field(panel: &web_sys::Element, testid: &str, text: &str) {
    if let Ok(Some(found)) = panel.query_selector(&format!("[data-testid={testid}]")) {
        let _ = js_sys::Reflect::set(&found, &"value".into(), &text.into());
    }
}

/// Shows an editor's error below it (`{id}-error`), or removes the one shown.
fn show_error(panel: &web_sys::Element, id: &str, error: Option<&str>) {
    let testid = format!("{id}-error");
    if let Ok(Some(shown)) = panel.query_selector(&format!("[data-testid={testid}]")) {
        shown.remove();
    }
    let column = panel
        .query_selector(&format!("[data-editor={id}]"))
        .ok()
        .flatten();
    if let (Some(error), Some(column)) = (error, column) {
        let attributes = [
            ("class", "model-error"),
            ("data-testid", testid.as_str()),
            ("role", "alert"),
        ];
        let _ = append_element(&column, "p", &attributes, Some(error));
    }
}

fn apply_projection(ctx: AppCtx, panel: &web_sys::Element, text: String, link_value: String) {
    let panel = panel.clone();
    spawn_local(async move {
        let error = reproject_in_worker(ctx, text).await.err();
        if error.is_none() {
            ctx.view.update(|v| v.projection = Some(link_value));
        }
        show_error(&panel, "projection", error.as_deref());
    });
}

/// Asks the engine whether the mapping can be used, and loads the source again with it.
fn apply_mapping(ctx: AppCtx, panel: &web_sys::Element) {
    let panel = panel.clone();
    let text = field(&panel, "mapping-text");
    spawn_local(async move {
        let request = Request::CheckMapping { text };
        match ctx.engine.ask_worker(request, None).await.0 {
            Answer::MappingChecked { mapping } => {
                show_error(&panel, "mapping", None);
                ctx.view.update(|v| {
                    v.mapping = Some(mapping);
                    v.format = Some("mapping".into());
                });
                reload_source(ctx);
            }
            other => show_error(&panel, "mapping", Some(&unexpected(&other))),
        }
    });
}

/// The projection the loaded data is read with, or an empty one to start from.
fn initial_projection(ctx: AppCtx) -> String {
    ctx.opened
        .with_untracked(|o| o.as_ref().and_then(|o| o.projection.clone()))
        .unwrap_or_else(|| "{\n  \"rules\": {},\n  \"upcasters\": []\n}".into())
}

/// The link's mapping, or an example for an `audit_logs`-like table.
fn initial_mapping(ctx: AppCtx) -> String {
    ctx.view.with_untracked(|v| {
        v.mapping
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
