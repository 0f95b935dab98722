//! The source's format: which one was detected (and why, on hover), or chosen; choosing one reads
//! the source again with it, and the link keeps the choice (`fmt=`).

use leptos::prelude::*;

use super::actions::reload_source;
use super::context::use_app;
use crate::core::decode::Format;

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
    view! {
        <label class="format" title=why>
            <span data-testid="format-detected">{named}</span>
            <select data-testid="format-select" aria-label="Source format" on:change=move |ev| on_format(event_target_value(&ev))>
                <option value="" selected=move || ctx.view.with(|v| v.format.is_none())>"Detect format"</option>
                {Format::ALL.into_iter().map(|format| view! {
                    <option value=format.key() selected=move || ctx.view.with(|v| v.format.as_deref() == Some(format.key()))>{format.label()}</option>
                }).collect_view()}
            </select>
        </label>
    }
}
