//! A collapsible JSON tree. Every key and value is rendered as text, never as HTML: payloads are
//! untrusted.

use leptos::prelude::*;
use serde_json::Value;

use wasm_bindgen::JsValue;

use super::context::AppCtx;
use super::dom::{append_element, target_within};
use crate::core::blame::blame_path;
use crate::core::diff::{array_key, element_label, escape_token};

/// Nodes deeper than this start collapsed.
const OPEN_DEPTH: usize = 2;

/// A JSON value as a tree of `<details>` elements, written with DOM text calls rather than a
/// `view!` per node, for the bundle's budget (see `period_table`).
#[component]
pub fn JsonTree(
    /// The value to show.
    #[prop(into)]
    value: Signal<Value>,
) -> impl IntoView {
    // Inside the app a key names its field's history (`blame=`); the tree also works alone.
    let ctx = use_context::<AppCtx>();
    let tree = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(tree) = tree.get() {
            tree.set_text_content(None);
            // Only element creation can fail here, which a browser does not refuse.
            let _ = value.with(|v| write_node(&tree, None, "", v, 0, ctx.is_some()));
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let pointer =
            target_within(&ev, "button.key").and_then(|b| b.get_attribute("data-pointer"));
        if let (Some(ctx), Some(pointer)) = (ctx, pointer) {
            let path = value.with_untracked(|state| blame_path(state, &pointer));
            ctx.view.update(|v| v.blame = Some(path));
        }
    };
    view! { <div class="json-tree" data-testid="state-tree" node_ref=tree on:click=on_click></div> }
}

/// Writes one node, and below it its children, into `parent`.
fn write_node(
    parent: &web_sys::Element,
    key: Option<&str>,
    pointer: &str,
    value: &Value,
    depth: usize,
    can_blame: bool,
) -> Result<(), JsValue> {
    let (n_children, brace) = match value {
        Value::Object(map) => (map.len(), format!("{{{}}}", map.len())),
        Value::Array(items) => (items.len(), format!("[{}]", items.len())),
        _ => (0, String::new()),
    };
    if n_children == 0 {
        let leaf = append_element(parent, "div", &[("class", "leaf")], None)?;
        write_label(&leaf, key, pointer, can_blame)?;
        let class = [("class", leaf_class(value))];
        return append_element(&leaf, "span", &class, Some(&value.to_string())).map(drop);
    }
    let details = append_element(parent, "details", &[], None)?;
    if depth < OPEN_DEPTH {
        details.set_attribute("open", "")?;
    }
    let summary = append_element(&details, "summary", &[], None)?;
    // A container's key sits in its `<summary>`, which is already a control: plain text there.
    write_label(&summary, key, pointer, false)?;
    append_element(&summary, "span", &[("class", "brace")], Some(&brace))?;
    let children = append_element(&details, "div", &[("class", "children")], None)?;
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                write_node(
                    &children,
                    Some(k),
                    &child(pointer, k),
                    v,
                    depth + 1,
                    can_blame,
                )?;
            }
        }
        Value::Array(items) => {
            append_element(
                &summary,
                "span",
                &[("class", "preview")],
                Some(&preview(items)),
            )?;
            // Elements of an array matched by key (as the diff matches them) are named by it:
            // `[lineId=L2]`, which stays true when positions move; others by their position.
            let key = array_key(items);
            for (idx, v) in items.iter().enumerate() {
                let label = key.and_then(|key| element_label(v, key));
                let name = label.map_or_else(|| idx.to_string(), |l| format!("[{l}]"));
                let pointer = child(pointer, &idx.to_string());
                write_node(&children, Some(&name), &pointer, v, depth + 1, can_blame)?;
            }
        }
        _ => {}
    }
    Ok(())
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
            crate::core::diff::IDENTITY_KEYS
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
