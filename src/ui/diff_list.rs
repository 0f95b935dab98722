//! The change list: one row per change, with its JSON Pointer and the values before and after.

use leptos::prelude::*;

use crate::core::diff::{Difference, Op};

/// A readable list of changes between two states.
#[component]
pub fn DiffList(
    /// The changes to show, in order.
    #[prop(into)]
    changes: Signal<Vec<Difference>>,
) -> impl IntoView {
    view! {
        <div class="diff-list">
            {move || changes.with(|changes| {
                if changes.is_empty() {
                    return view! { <p class="empty" data-testid="diff-empty">"No changes."</p> }.into_any();
                }
                changes.iter().map(|change| {
                    let op = change.op.as_str();
                    let path = if change.path.is_empty() { "/".to_string() } else { change.path.clone() };
                    let before = change.before.as_ref().map(|v| v.to_string());
                    let after = change.after.as_ref().map(|v| v.to_string());
                    let body = match change.op {
                        Op::Add => view! { <span class="after">{after}</span> }.into_any(),
                        Op::Remove => view! { <span class="before">{before}</span> }.into_any(),
                        Op::Replace => view! {
                            <span class="before">{before}</span>
                            <span class="arrow">" → "</span>
                            <span class="after">{after}</span>
                        }.into_any(),
                    };
                    view! {
                        <div class=format!("diff-entry {op}") data-testid="diff-entry" data-op=op data-path=change.path.clone()>
                            <span class="op">{op}</span>
                            <code class="path">{path}</code>
                            <span class="values">{body}</span>
                        </div>
                    }
                }).collect_view().into_any()
            })}
        </div>
    }
}
