//! A collapsible JSON tree. Every key and value is rendered as text, never as HTML: payloads are
//! untrusted.

use leptos::prelude::*;
use serde_json::Value;

use wasm_bindgen::JsValue;

use super::context::AppCtx;
use super::dom::{append_element, append_long_text, show_more, target_within};
use chronoscope_core::blame::blame_path;
use chronoscope_core::diff::{array_key, element_label, escape_token};
use chronoscope_core::view::text::{more_members_words, CHILD_WINDOW};

/// Nodes deeper than this start collapsed, and their members are written when they are opened.
const OPEN_DEPTH: usize = 2;

/// A JSON value as a tree of `<details>` elements, written with DOM text calls rather than a
/// `view!` per node, and lazily, so that a 50 MB event does not hold the tab: a collapsed node's
/// members when it is first opened, at most `CHILD_WINDOW` members and a `TEXT_WINDOW` of a
/// string at a time, with *show more*.
#[component]
pub fn JsonTree(
    /// The value to show.
    #[prop(into)]
    value: Signal<Value>,
    /// True when the value is not the selected stream's, whose fields' histories the keys
    /// would name.
    #[prop(optional, into)]
    not_blamed: MaybeProp<bool>,
) -> impl IntoView {
    // Inside the app a key names its field's history (`blame=`); the tree also works alone.
    let ctx = use_context::<AppCtx>();
    let can_blame = move || ctx.is_some() && not_blamed.get() != Some(true);
    let tree = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(tree) = tree.get() {
            tree.set_text_content(None);
            // Only element creation can fail here, which a browser does not refuse.
            let can_blame = can_blame();
            let _ = value.with(|v| write_node(&tree, None, "", v, can_blame));
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let can_blame = untrack(can_blame);
        if let Some(button) = target_within(&ev, "button.more") {
            let _ = value.with_untracked(|v| show_more_of(&button, v, can_blame));
        } else if let Some(details) = target_within(&ev, "summary").and_then(|s| s.parent_element())
        {
            // A click on a summary (also what Enter and Space on it send) comes before the
            // node opens: a collapsed node's members are written then, the first time.
            let _ = value.with_untracked(|v| open_lazy(&details, v, can_blame));
        } else if let Some(pointer) =
            target_within(&ev, "button.key").and_then(|b| b.get_attribute("data-pointer"))
        {
            if let Some(ctx) = ctx {
                let path = value.with_untracked(|state| blame_path(state, &pointer));
                ctx.view.update(|v| v.blame = Some(path));
            }
        }
    };
    view! { <div class="json-tree" data-testid="state-tree" node_ref=tree on:click=on_click></div> }
}

/// A node's depth in the tree, which its pointer tells: one level a token.
fn depth(pointer: &str) -> usize {
    pointer.matches('/').count()
}

/// Writes one node into `parent`: a leaf whole (a long string a window of it), a container with
/// its first members when it starts open.
fn write_node(
    parent: &web_sys::Element,
    key: Option<&str>,
    pointer: &str,
    value: &Value,
    can_blame: bool,
) -> Result<(), JsValue> {
    let brace = match value {
        Value::Object(map) if !map.is_empty() => format!("{{{}}}", map.len()),
        Value::Array(items) if !items.is_empty() => format!("[{}]", items.len()),
        _ => {
            let leaf = append_element(parent, "div", &[("class", "leaf")], None)?;
            write_label(&leaf, key, pointer, can_blame)?;
            let class = [("class", leaf_class(value))];
            let text = value.to_string();
            return append_long_text(&leaf, "span", &class, &text, ("data-pointer", pointer))
                .map(drop);
        }
    };
    let details = append_element(parent, "details", &[], None)?;
    let summary = append_element(&details, "summary", &[], None)?;
    // A container's key sits in its `<summary>`, which is already a control: plain text there.
    write_label(&summary, key, pointer, false)?;
    append_element(&summary, "span", &[("class", "brace")], Some(&brace))?;
    if let Value::Array(items) = value {
        let preview = preview(items);
        append_element(&summary, "span", &[("class", "preview")], Some(&preview))?;
    }
    let children = append_element(&details, "div", &[("class", "children")], None)?;
    if depth(pointer) < OPEN_DEPTH {
        details.set_attribute("open", "")?;
        write_members(&children, pointer, value, 0, can_blame)
    } else {
        details.set_attribute("data-lazy", pointer)
    }
}

/// Writes the members of a container from `from`, up to `CHILD_WINDOW` of them, and a *show
/// more* button when there are more.
fn write_members(
    children: &web_sys::Element,
    pointer: &str,
    value: &Value,
    from: usize,
    can_blame: bool,
) -> Result<(), JsValue> {
    let end = match value {
        Value::Object(map) => {
            for (k, v) in map.iter().skip(from).take(CHILD_WINDOW) {
                write_node(children, Some(k), &child(pointer, k), v, can_blame)?;
            }
            map.len()
        }
        Value::Array(items) => {
            // Elements of an array matched by key (as the diff matches them) are named by it:
            // `[lineId=L2]`, which stays true when positions move; others by their position.
            let key = array_key(items);
            for (idx, v) in items.iter().enumerate().skip(from).take(CHILD_WINDOW) {
                let label = key.and_then(|key| element_label(v, key));
                let name = label.map_or_else(|| idx.to_string(), |l| format!("[{l}]"));
                let pointer = child(pointer, &idx.to_string());
                write_node(children, Some(&name), &pointer, v, can_blame)?;
            }
            items.len()
        }
        _ => 0,
    };
    let shown = from.saturating_add(CHILD_WINDOW);
    if shown < end {
        let from = shown.to_string();
        let attrs = [
            ("type", "button"),
            ("class", "more"),
            ("data-pointer", pointer),
            ("data-from", &from),
        ];
        append_element(
            children,
            "button",
            &attrs,
            Some(&more_members_words(end - shown)),
        )?;
    }
    Ok(())
}

/// Writes the members of a collapsed node the first time it is opened.
fn open_lazy(details: &web_sys::Element, root: &Value, can_blame: bool) -> Result<(), JsValue> {
    let Some(pointer) = details.get_attribute("data-lazy") else {
        return Ok(());
    };
    details.remove_attribute("data-lazy")?;
    let children = details.query_selector(":scope > .children")?;
    match (children, root.pointer(&pointer)) {
        (Some(children), Some(value)) => write_members(&children, &pointer, value, 0, can_blame),
        _ => Ok(()),
    }
}

/// Continues what a *show more* button cut: a container's members, or a long string.
fn show_more_of(button: &web_sys::Element, root: &Value, can_blame: bool) -> Result<(), JsValue> {
    let pointer = button.get_attribute("data-pointer").unwrap_or_default();
    let Some(value) = root.pointer(&pointer) else {
        return Ok(());
    };
    let from = button
        .get_attribute("data-from")
        .and_then(|n| n.parse().ok());
    match (from, button.parent_element()) {
        (Some(from), Some(children)) => {
            button.remove();
            write_members(&children, &pointer, value, from, can_blame)
        }
        _ => show_more(button, &value.to_string()),
    }
}

/// A node's key and colon; a leaf's key is a button that opens its field's history.
fn write_label(
    parent: &web_sys::Element,
    key: Option<&str>,
    pointer: &str,
    as_button: bool,
) -> Result<(), JsValue> {
    let Some(key) = key else {
        return Ok(());
    };
    if as_button {
        let title = format!("History of {pointer}");
        let button = [
            ("type", "button"),
            ("class", "key"),
            ("data-testid", "tree-key"),
            ("data-pointer", pointer),
            ("title", &title),
        ];
        append_element(parent, "button", &button, Some(key))?;
    } else {
        append_element(parent, "span", &[("class", "key")], Some(key))?;
    }
    append_element(parent, "span", &[("class", "colon")], Some(": ")).map(drop)
}

/// The pointer of a child, its token escaped (RFC 6901).
fn child(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_token(token))
}

/// A one-line hint of an array of keyed objects, e.g. ` L1, L2, L3`.
fn preview(items: &[Value]) -> String {
    let ids: Vec<String> = items
        .iter()
        .take(4)
        .filter_map(|item| {
            chronoscope_core::diff::IDENTITY_KEYS
                .iter()
                .find_map(|k| item.get(*k))
                .map(|id| {
                    id.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| id.to_string())
                })
        })
        .collect();
    match ids.len() {
        0 => String::new(),
        _ if items.len() > 4 => format!(" {} …", ids.join(", ")),
        _ => format!(" {}", ids.join(", ")),
    }
}

fn leaf_class(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Null => "null",
        _ => "empty",
    }
}
