//! The change list: one row per change, with its JSON Pointer and the values before and after.
//! Rows are written with DOM text calls rather than a `view!` per row: the generic view code cost
//! the bundle more than its budget had left (see `period_table`).

use leptos::prelude::*;

use super::context::AppCtx;
use super::dom::{append_element, clicked_button};
use crate::core::diff::{Difference, Op, ReadablePaths};

/// A readable list of changes between two states.
#[component]
pub fn DiffList(
    /// The changes to show, in order.
    #[prop(into)]
    changes: Signal<Vec<Difference>>,
    /// The states the changes lead from and to, in which paths are read.
    #[prop(into)]
    before_state: Signal<serde_json::Value>,
    #[prop(into)] after_state: Signal<serde_json::Value>,
) -> impl IntoView {
    // Inside the app the pointer can be copied; the list also works on its own.
    let copy = use_context::<AppCtx>().map(|ctx| ctx.copy_to_clipboard);
    let list = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(list) = list.get() {
            let sides = (before_state, after_state);
            // Only element creation can fail here, which a browser does not refuse.
            let _ = changes.with(|changes| write_changes(&list, changes, sides, copy.is_some()));
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let pointer = clicked_button(&ev).and_then(|b| b.get_attribute("data-pointer"));
        if let (Some(copy), Some(pointer)) = (copy, pointer) {
            copy.run(pointer);
        }
    };
    view! { <div class="diff-list" node_ref=list on:click=on_click></div> }
}

/// Writes one entry per change into the list, paths named by key where arrays are matched by key;
/// the JSON Pointer is kept for copying (the title and the button).
fn write_changes(
    list: &web_sys::Element,
    changes: &[Difference],
    (before_state, after_state): (Signal<serde_json::Value>, Signal<serde_json::Value>),
    can_copy: bool,
) -> Result<(), wasm_bindgen::JsValue> {
    list.set_text_content(None);
    if changes.is_empty() {
        let empty = [("class", "empty"), ("data-testid", "diff-empty")];
        return append_element(list, "p", &empty, Some("No changes.")).map(drop);
    }
    let mut readable = ReadablePaths::default();
    for change in changes {
        let op = change.op.as_str();
        let side = match change.op {
            Op::Remove => before_state,
            _ => after_state,
        };
        let path = side.with_untracked(|state| readable.of(state, &change.path));
        let pointer = match change.path.is_empty() {
            true => "/",
            false => &change.path,
        };
        let class = format!("diff-entry {op}");
        let entry = append_element(
            list,
            "div",
            &[
                ("class", &class),
                ("data-testid", "diff-entry"),
                ("data-op", op),
                ("data-path", &change.path),
            ],
            None,
        )?;
        append_element(&entry, "span", &[("class", "op")], Some(op))?;
        let place = append_element(&entry, "span", &[("class", "where")], None)?;
        let title = format!("JSON Pointer: {pointer}");
        append_element(
            &place,
            "code",
            &[("class", "path"), ("title", &title)],
            Some(&path),
        )?;
        if can_copy {
            let label = format!("Copy the JSON Pointer {pointer}");
            let copy = [
                ("type", "button"),
                ("class", "copy-pointer"),
                ("aria-label", &label),
                ("title", "Copy the JSON Pointer"),
                ("data-pointer", pointer),
            ];
            append_element(&place, "button", &copy, Some("copy"))?;
        }
        append_values(&entry, change)?;
    }
    Ok(())
}

/// The values of a change: the added value, the removed one, or before → after.
fn append_values(
    entry: &web_sys::Element,
    change: &Difference,
) -> Result<(), wasm_bindgen::JsValue> {
    let values = append_element(entry, "span", &[("class", "values")], None)?;
    let text = |value: &Option<serde_json::Value>| value.as_ref().map(|v| v.to_string());
    let (before, after) = (text(&change.before), text(&change.after));
    let parts: &[(&str, Option<&str>)] = match change.op {
        Op::Add => &[("after", after.as_deref())],
        Op::Remove => &[("before", before.as_deref())],
        Op::Replace => &[
            ("before", before.as_deref()),
            ("arrow", Some(" → ")),
            ("after", after.as_deref()),
        ],
    };
    for (class, text) in parts {
        append_element(
            &values,
            "span",
            &[("class", class)],
            Some(text.unwrap_or("")),
        )?;
    }
    Ok(())
}
