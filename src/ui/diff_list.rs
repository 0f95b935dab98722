//! The change list: one row per change, with its JSON Pointer and the values before and after.
//! Rows are written with DOM text calls, a window of `CHILD_WINDOW` at a time with *show more*,
//! and long values a window of text at a time, so that a diff of a large state neither builds
//! a reactive view per row nor holds the tab.

use leptos::prelude::*;

use super::context::AppCtx;
use super::dom::{append_element, append_long_text, clicked_button, show_more};
use chronoscope_core::diff::{Difference, Op, ReadablePaths};
use chronoscope_core::view::text::{more_members_words, CHILD_WINDOW};

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
            list.set_text_content(None);
            let _ = changes.with(|changes| write_changes(&list, changes, 0, sides, copy.is_some()));
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some(button) = clicked_button(&ev) else {
            return;
        };
        let number = |name: &str| button.get_attribute(name).and_then(|n| n.parse().ok());
        let (from, value) = (number("data-from"), number("data-change"));
        let pointer = button.get_attribute("data-pointer");
        let _ = match (from, value, list.get_untracked()) {
            (Some(from), _, Some(list)) => {
                button.remove();
                let sides = (before_state, after_state);
                changes.with_untracked(|c| write_changes(&list, c, from, sides, copy.is_some()))
            }
            (_, Some(idx), _) => changes.with_untracked(|c| show_more_of(&button, c, idx)),
            _ => {
                if let (Some(copy), Some(pointer)) = (copy, pointer) {
                    copy.run(pointer);
                }
                Ok(())
            }
        };
    };
    view! { <div class="diff-list" node_ref=list on:click=on_click></div> }
}

/// Writes one entry per change into the list from change `from`, at most `CHILD_WINDOW` of them
/// and a *show more* button after them, paths named by key where arrays are matched by key; the
/// JSON Pointer is kept for copying (the title and the button).
fn write_changes(
    list: &web_sys::Element,
    changes: &[Difference],
    from: usize,
    (before_state, after_state): (Signal<serde_json::Value>, Signal<serde_json::Value>),
    can_copy: bool,
) -> Result<(), wasm_bindgen::JsValue> {
    if changes.is_empty() {
        let empty = [("class", "empty"), ("data-testid", "diff-empty")];
        return append_element(list, "p", &empty, Some("No changes.")).map(drop);
    }
    let mut readable = ReadablePaths::default();
    for (idx, change) in changes.iter().enumerate().skip(from).take(CHILD_WINDOW) {
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
        append_values(&entry, change, idx)?;
    }
    let shown = from.saturating_add(CHILD_WINDOW);
    if shown < changes.len() {
        let from = shown.to_string();
        let attrs = [("type", "button"), ("class", "more"), ("data-from", &from)];
        let words = more_members_words(changes.len() - shown);
        append_element(list, "button", &attrs, Some(&words))?;
    }
    Ok(())
}

/// The text of one side of a change, as the list shows it: a value, or where a moved element
/// was.
fn side_text(change: &Difference, side: &str) -> Option<String> {
    let value = match side {
        "from" => return change.from.as_ref().map(|from| format!("from {from}")),
        "before" => &change.before,
        _ => &change.after,
    };
    value.as_ref().map(|v| v.to_string())
}

/// Continues a long value of change `idx` that a *show more* button cut (`data-change` is
/// `idx` and the button's `data-side`).
fn show_more_of(
    button: &web_sys::Element,
    changes: &[Difference],
    idx: usize,
) -> Result<(), wasm_bindgen::JsValue> {
    let side = button.get_attribute("data-side").unwrap_or_default();
    match changes.get(idx).and_then(|change| side_text(change, &side)) {
        Some(text) => show_more(button, &text),
        None => Ok(()),
    }
}

/// The values of change `idx`: the added value, the removed one, before → after, or where a
/// moved element was, each a window at a time (`dom::append_long_text`).
fn append_values(
    entry: &web_sys::Element,
    change: &Difference,
    idx: usize,
) -> Result<(), wasm_bindgen::JsValue> {
    let values = append_element(entry, "span", &[("class", "values")], None)?;
    let sides: &[&str] = match change.op {
        Op::Add => &["after"],
        Op::Remove => &["before"],
        Op::Replace => &["before", "arrow", "after"],
        Op::Move => &["from"],
    };
    let idx = idx.to_string();
    for side in sides {
        if *side == "arrow" {
            append_element(&values, "span", &[("class", side)], Some(" → "))?;
            continue;
        }
        let text = side_text(change, side).unwrap_or_default();
        append_long_text(
            &values,
            "span",
            &[("class", side)],
            &text,
            ("data-change", &idx),
        )?;
        if let Some(more) = values
            .last_element_child()
            .filter(|m| m.tag_name() == "BUTTON")
        {
            more.set_attribute("data-side", side)?;
        }
    }
    Ok(())
}
