//! Field history beside the state: every event that changed the field clicked in the tree
//! (`blame=` in the link), with its version, time (UTC and local), author, and the value before
//! and after. Clicking an entry selects that event. The history itself is `core::blame`'s.

use leptos::prelude::*;

use super::context::use_app;
use super::format::{local, utc_or_dash, NO_TIME};
use crate::core::blame::field_history;

/// One entry of the history, as the list shows it.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    pos: usize,
    version: u64,
    when: String,
    when_local: String,
    user: String,
    change: String,
}

/// The history of the field named by `blame=`, when there is one.
#[component]
pub fn BlamePanel() -> impl IntoView {
    let ctx = use_app();
    let path = move || ctx.view.with(|v| v.blame.clone());
    let entries = Memo::new(move |_| {
        let (Some(path), Some(stream)) = (path(), ctx.stream.get()) else {
            return Vec::new();
        };
        ctx.loaded.with(|l| {
            let Some(l) = l.as_ref() else {
                return Vec::new();
            };
            field_history(&l.timeline, &stream, &path)
                .into_iter()
                .filter_map(|change| {
                    let head = l.timeline.head_at(&stream, change.pos)?;
                    let text = |v: Option<serde_json::Value>| {
                        v.map_or("absent".to_string(), |v| v.to_string())
                    };
                    Some(Entry {
                        pos: change.pos,
                        version: head.version,
                        when: utc_or_dash(head.timed.then_some(head.time)),
                        when_local: if head.timed {
                            format!("local {}", local(&head.time))
                        } else {
                            NO_TIME.into()
                        },
                        user: head.user.unwrap_or("unknown").to_string(),
                        change: format!("{} → {}", text(change.before), text(change.after)),
                    })
                })
                .collect()
        })
    });
    let selected = move || ctx.selection.with(|s| s.pos);
    move || {
        path().map(|path| {
            view! {
                <section class="blame" aria-label="Field history" data-testid="blame">
                    <div class="blame-head">
                        <h3>"History of " <code>{path}</code></h3>
                        <span class="match-count">{move || format!("{} change(s)", entries.with(Vec::len))}</span>
                        <button type="button" data-testid="blame-close" on:click=move |_| ctx.view.update(|v| v.blame = None)>"Close"</button>
                    </div>
                    <ol class="blame-list">
                        {move || entries.get().into_iter().map(|entry| {
                            let pos = entry.pos;
                            view! {
                                <li>
                                    <button type="button" class="blame-entry" data-testid="blame-entry"
                                        data-version=entry.version.to_string()
                                        aria-current=move || (selected() == Some(pos)).then_some("true")
                                        title=entry.when_local.clone()
                                        on:click=move |_| ctx.select_position(pos)>
                                        <span class="version">{format!("v{}", entry.version)}</span>
                                        <span class="time">{entry.when}</span>
                                        <span class="user">{entry.user}</span>
                                        <span class="values">{entry.change}</span>
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                </section>
            }
        })
    }
}
