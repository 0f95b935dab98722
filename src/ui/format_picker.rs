//! The source's format: which one was detected (and why, on hover), or chosen; choosing one reads
//! the source again with it, and the link keeps the choice (`fmt=`).

use leptos::prelude::*;

use super::actions::reload_source;
use super::context::use_app;
use super::dom::append_element;
use chronoscope_core::decode::Format;

/// The format name and the menu that overrides it.
#[component]
pub fn FormatPicker() -> impl IntoView {
    let ctx = use_app();
    let on_format = move |key: String| {
        ctx.view
            .update(|view| view.format = (!key.is_empty()).then_some(key));
        reload_source(ctx);
    };
    let why = move || {
        ctx.loaded.with(|l| {
            l.as_ref()
                .map(|l| format!("Why: {}", l.detection.reason))
                .unwrap_or_default()
        })
    };
    let named = move || {
        let chosen = ctx.view.with(|v| v.format.is_some() || v.mapping.is_some());
        ctx.loaded.with(|l| {
            l.as_ref().map(|l| {
                let how = if chosen { "chosen" } else { "detected" };
                format!("{} · {} ({how})", l.label, l.detection.format.label())
            })
        })
    };
    // Options written with DOM calls rather than a `view!` per format, for the bundle's budget
    // (see `period_table`); the one chosen (or "Detect format") is selected.
    let select = NodeRef::<leptos::html::Select>::new();
    Effect::new(move |_| {
        let chosen = ctx.view.with(|v| v.format.clone()).unwrap_or_default();
        if let Some(select) = select.get() {
            select.set_text_content(None);
            let detect = std::iter::once(("", "Detect format"));
            for (key, label) in detect.chain(Format::ALL.into_iter().map(|f| (f.key(), f.label())))
            {
                // Only element creation can fail here, which a browser does not refuse.
                let _ = append_element(&select, "option", &[("value", key)], Some(label));
            }
            select.set_value(&chosen);
        }
    });
    view! {
        <label class="format" title=why>
            <span data-testid="format-detected">{named}</span>
            <select data-testid="format-select" aria-label="Source format" node_ref=select
                on:change=move |ev| on_format(event_target_value(&ev))></select>
        </label>
    }
}
