//! The source's format: which one was detected (and why, on hover), inferred (a mapping for a
//! history table no format knows; the status line says how it reads), as the engine says (its
//! `status`), or chosen; choosing one reads the source again with it, and the link keeps the
//! choice (`fmt=`).

use leptos::prelude::*;

use super::actions::reload_source;
use super::context::use_app;
use chronoscope_core::decode::Format;

/// The format name and the menu that overrides it.
#[component]
pub fn FormatPicker() -> impl IntoView {
    let ctx = use_app();
    let on_format = move |key: String| {
        ctx.view.update(|view| {
            // A mapping is read only as the custom mapping: any other choice, or detection,
            // leaves it (and an inferred one) out.
            if key != "mapping" {
                view.mapping = None;
            }
            view.format = (!key.is_empty()).then_some(key);
        });
        reload_source(ctx);
    };
    let why = move || {
        ctx.opened.with(|opened| {
            opened
                .as_ref()
                .map(|opened| format!("Why: {}", opened.reason))
                .unwrap_or_default()
        })
    };
    let named = move || {
        let chosen = ctx.view.with(|v| v.format.is_some() || v.mapping.is_some());
        ctx.opened.with(|opened| {
            opened.as_ref().map(|opened| {
                let how = match (&opened.mapping_inferred, chosen) {
                    (Some(_), _) => "inferred",
                    (None, true) => "chosen",
                    (None, false) => "detected",
                };
                format!("{} · {} ({how})", opened.label, opened.format_label)
            })
        })
    };
    // The format chosen in the link, or "Detect format".
    let chosen = move || ctx.view.with(|v| v.format.clone()).unwrap_or_default();
    let options = std::iter::once(("", "Detect format"))
        .chain(Format::ALL.into_iter().map(|f| (f.key(), f.label())))
        .map(|(key, label)| {
            view! { <option value=key prop:selected=move || chosen() == key>{label}</option> }
        })
        .collect_view();
    view! {
        <label class="format" title=why>
            <span data-testid="format-detected">{named}</span>
            <select data-testid="format-select" aria-label="Source format"
                on:change=move |ev| on_format(event_target_value(&ev))>{options}</select>
        </label>
    }
}
