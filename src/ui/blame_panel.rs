//! Field history beside the state: every event that changed the field clicked in the tree
//! (`blame=` in the link), with its version, time (UTC and local), author, and the value before
//! and after. Clicking an entry selects that event. The entries are one Tab stop (`roving`),
//! with the arrow keys, Home and End. The history is the engine's answer to `blame`; this panel
//! only shows it.

use chronoscope_core::view::shown::shown_id;
use chronoscope_protocol::{Answer, FieldChange, Request};
use leptos::prelude::*;

use super::context::use_app;
use super::format::{utc_or_dash, NO_TIME};
use super::roving::{cell_name, Roving};

/// The history of the field named by `blame=`, when there is one.
#[component]
pub fn BlamePanel() -> impl IntoView {
    let ctx = use_app();
    let path = move || ctx.view.with(|v| v.blame.clone());
    let changes = ctx.engine.answer_memo(
        move || {
            Some(Request::Blame {
                path: path()?,
                stream: ctx.stream.get()?,
            })
        },
        |answer| match answer {
            Answer::Blame { changes } => Some(changes),
            _ => None,
        },
    );
    let changes = Memo::new(move |_| changes.get().unwrap_or_default());
    let roving = Roving::new(Signal::derive(move || (changes.with(Vec::len), 1)));
    let on_key = move |ev: leptos::ev::KeyboardEvent| roving.on_list_key(&ev);
    move || {
        path().map(|path| {
            view! {
                <section class="blame" aria-label="Field history" data-testid="blame">
                    <div class="blame-head">
                        <h3>"History of " <code>{path}</code></h3>
                        <span class="match-count">{move || format!("{} change(s)", changes.with(Vec::len))}</span>
                        <button type="button" data-testid="blame-close" on:click=move |_| ctx.view.update(|v| v.blame = None)>"Close"</button>
                    </div>
                    <ol class="blame-list" on:keydown=on_key>
                        <For each=move || changes.get().into_iter().enumerate() key=|(n, change)| (*n, entry_key(change)) let:((n, change))>
                            <BlameEntry change n roving/>
                        </For>
                    </ol>
                </section>
            }
        })
    }
}

/// What tells entries apart, across loads as well as within one history.
fn entry_key(change: &FieldChange) -> String {
    format!(
        "{}:{}:{:?}:{:?}",
        change.pos, change.version, change.before, change.after
    )
}

/// One change of the field: a button that selects its event.
#[component]
fn BlameEntry(change: FieldChange, n: usize, roving: Roving) -> impl IntoView {
    let ctx = use_app();
    let pos = change.pos;
    let current = move || ctx.shown.selection.with(|s| s.pos == Some(pos)).to_string();
    let when_local = match change.time {
        Some(time) => ctx.in_zone(&time),
        None => NO_TIME.into(),
    };
    let text = |v: Option<serde_json::Value>| v.map_or("absent".to_string(), |v| v.to_string());
    let values = format!("{} → {}", text(change.before), text(change.after));
    let user = shown_id(change.user.as_deref().unwrap_or("unknown")).into_owned();
    view! {
        <li>
            <button type="button" class="blame-entry" data-testid="blame-entry"
                data-version=change.version data-pos=pos title=when_local aria-current=current
                data-cell=cell_name((n, 0)) tabindex=roving.tab_index((n, 0)) on:focus=move |_| roving.focused((n, 0))
                on:click=move |_| ctx.select_position(pos)>
                <span class="version">{format!("v{}", change.version)}</span>
                <span class="time">{utc_or_dash(change.time)}</span>
                <span class="user">{user}</span>
                <span class="values">{values}</span>
            </button>
        </li>
    }
}
