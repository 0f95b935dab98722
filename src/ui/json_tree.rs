//! A collapsible JSON tree. Every key and value is rendered as text, never as HTML: payloads are
//! untrusted.

use leptos::prelude::*;
use serde_json::Value;

use crate::core::diff::{array_key, element_label};

/// Nodes deeper than this start collapsed.
const OPEN_DEPTH: usize = 2;

/// A JSON value as a tree of `<details>` elements.
#[component]
pub fn JsonTree(
    /// The value to show.
    #[prop(into)]
    value: Signal<Value>,
) -> impl IntoView {
    view! {
        <div class="json-tree" data-testid="state-tree">
            {move || value.with(|v| node(None, v, 0))}
        </div>
    }
}

fn node(key: Option<String>, value: &Value, depth: usize) -> AnyView {
    let label = key.map(|k| view! { <span class="key">{k}</span><span class="colon">": "</span> });
    match value {
        Value::Object(map) if !map.is_empty() => {
            let children = map
                .iter()
                .map(|(k, v)| node(Some(k.clone()), v, depth + 1))
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
                    node(
                        Some(label.map_or_else(|| idx.to_string(), |l| format!("[{l}]"))),
                        v,
                        depth + 1,
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
