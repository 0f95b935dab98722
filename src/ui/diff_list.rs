//! The change list: one row per change, with its JSON Pointer and the values before and after.

use leptos::prelude::*;

use super::context::AppCtx;
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
    view! {
        <div class="diff-list">
            {move || changes.with(|changes| {
                if changes.is_empty() {
                    return view! { <p class="empty" data-testid="diff-empty">"No changes."</p> }.into_any();
                }
                let mut readable = ReadablePaths::default();
                changes.iter().map(|change| {
                    let op = change.op.as_str();
                    // Named by key where arrays are matched by key; the JSON Pointer is kept for
                    // copying (the title and the button).
                    let side = if change.op == Op::Remove { before_state } else { after_state };
                    let path = side.with_untracked(|state| readable.of(state, &change.path));
                    let pointer = if change.path.is_empty() { "/".to_string() } else { change.path.clone() };
                    let copied = pointer.clone();
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
                            <span class="where">
                                <code class="path" title=format!("JSON Pointer: {pointer}")>{path}</code>
                                {copy.map(|copy| view! {
                                    <button type="button" class="copy-pointer" aria-label=format!("Copy the JSON Pointer {pointer}")
                                        title="Copy the JSON Pointer" on:click=move |_| copy.run(copied.clone())>"copy"</button>
                                })}
                            </span>
                            <span class="values">{body}</span>
                        </div>
                    }
                }).collect_view().into_any()
            })}
        </div>
    }
}
