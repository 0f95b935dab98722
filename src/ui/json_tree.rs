//! A collapsible JSON tree. Every key and value is rendered as text, never as HTML: payloads are
//! untrusted.

use leptos::prelude::*;
use serde_json::Value;

use super::context::AppCtx;
use crate::core::blame::blame_path;
use crate::core::diff::{array_key, element_label, escape_token};

/// Nodes deeper than this start collapsed.
const OPEN_DEPTH: usize = 2;

/// A JSON value as a tree of `<details>` elements.
#[component]
pub fn JsonTree(
    /// The value to show.
    #[prop(into)]
    value: Signal<Value>,
) -> impl IntoView {
    // Inside the app a key names its field's history (`blame=`); the tree also works alone.
    let on_key = use_context::<AppCtx>().map(|ctx| {
        Callback::new(move |pointer: String| {
            let path = value.with_untracked(|state| blame_path(state, &pointer));
            ctx.view.update(|v| v.blame = Some(path));
        })
    });
    view! {
        <div class="json-tree" data-testid="state-tree">
            {move || value.with(|v| node(None, String::new(), v, 0, on_key))}
        </div>
    }
}

fn node(
    key: Option<String>,
    pointer: String,
    value: &Value,
    depth: usize,
    on_key: Option<Callback<String>>,
) -> AnyView {
    // A leaf's key names its field's history; a container's sits in its `<summary>`, which is
    // already a control, so it is plain text there.
    let is_leaf = !matches!(value, Value::Object(m) if !m.is_empty())
        && !matches!(value, Value::Array(a) if !a.is_empty());
    let label = key.map(|k| {
        let title = format!("History of {pointer}");
        let clicked = pointer.clone();
        let key = match on_key.filter(|_| is_leaf) {
            Some(on_key) => view! {
                <button type="button" class="key" data-testid="tree-key" data-pointer=pointer.clone() title=title
                    on:click=move |_| on_key.run(clicked.clone())>{k}</button>
            }
            .into_any(),
            None => view! { <span class="key">{k}</span> }.into_any(),
        };
        view! { {key}<span class="colon">": "</span> }
    });
    match value {
        Value::Object(map) if !map.is_empty() => {
            let children = map
                .iter()
                .map(|(k, v)| node(Some(k.clone()), child(&pointer, k), v, depth + 1, on_key))
                .collect_view();
            view! {
                <details open=depth < OPEN_DEPTH>
                    <summary>{label}<span class="brace">{format!("{{{}}}", map.len())}</span></summary>
                    <div class="children">{children}</div>
                </details>
            }
            .into_any()
        }
        Value::Array(items) if !items.is_empty() => {
            // Elements of an array matched by key (as the diff matches them) are named by it:
            // `[lineId=L2]`, which stays true when positions move; others by their position.
            let key = array_key(items);
            let children = items
                .iter()
                .enumerate()
                .map(|(idx, v)| {
                    let label = key.and_then(|key| element_label(v, key));
                    let name = label.map_or_else(|| idx.to_string(), |l| format!("[{l}]"));
                    node(
                        Some(name),
                        child(&pointer, &idx.to_string()),
                        v,
                        depth + 1,
                        on_key,
                    )
                })
                .collect_view();
            view! {
                <details open=depth < OPEN_DEPTH>
                    <summary>{label}<span class="brace">{format!("[{}]", items.len())}</span><span class="preview">{preview(items)}</span></summary>
                    <div class="children">{children}</div>
                </details>
            }
            .into_any()
        }
        leaf => view! {
            <div class="leaf">{label}<span class=leaf_class(leaf)>{leaf.to_string()}</span></div>
        }
        .into_any(),
    }
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
