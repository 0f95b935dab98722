//! Field history beside the state: every event that changed the field clicked in the tree
//! (`blame=` in the link), with its version, time (UTC and local), author, and the value before
//! and after. Clicking an entry selects that event. The history itself is `core::blame`'s.

use leptos::prelude::*;

use super::context::use_app;
use super::dom::{append_element, clicked_number};
use super::format::{local, utc_or_dash, NO_TIME};
use chronoscope_core::blame::field_history;
use chronoscope_core::view::shown::shown_id;

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
    let list = NodeRef::<leptos::html::Ol>::new();
    // Rows written with DOM text calls rather than a `view!` per entry: the generic view code
    // cost the bundle more than its budget had left (see `period_table`).
    Effect::new(move |_| {
        if let Some(list) = list.get() {
            let selected = ctx.selection.with(|s| s.pos);
            // Only element creation can fail here, which a browser does not refuse.
            let _ = entries.with(|entries| write_entries(&list, entries, selected));
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if let Some(pos) = clicked_number(&ev, "button", "data-pos") {
            ctx.select_position(pos);
        }
    };
    move || {
        path().map(|path| {
            view! {
                <section class="blame" aria-label="Field history" data-testid="blame">
                    <div class="blame-head">
                        <h3>"History of " <code>{path}</code></h3>
                        <span class="match-count">{move || format!("{} change(s)", entries.with(Vec::len))}</span>
                        <button type="button" data-testid="blame-close" on:click=move |_| ctx.view.update(|v| v.blame = None)>"Close"</button>
                    </div>
                    <ol class="blame-list" node_ref=list on:click=on_click></ol>
                </section>
            }
        })
    }
}

/// Writes the entries into the list as text; the selected one is `aria-current`.
fn write_entries(
    list: &web_sys::Element,
    entries: &[Entry],
    selected: Option<usize>,
) -> Result<(), wasm_bindgen::JsValue> {
    list.set_text_content(None);
    for entry in entries {
        let item = append_element(list, "li", &[], None)?;
        let (version, pos) = (entry.version.to_string(), entry.pos.to_string());
        let current = if selected == Some(entry.pos) {
            "true"
        } else {
            "false"
        };
        let attributes = [
            ("type", "button"),
            ("class", "blame-entry"),
            ("data-testid", "blame-entry"),
            ("data-version", &version),
            ("data-pos", &pos),
            ("title", &entry.when_local),
            ("aria-current", current),
        ];
        let button = append_element(&item, "button", &attributes, None)?;
        let version = format!("v{version}");
        let user = shown_id(&entry.user);
        for (class, text) in [
            ("version", version.as_str()),
            ("time", &entry.when),
            ("user", &user),
            ("values", &entry.change),
        ] {
            append_element(&button, "span", &[("class", class)], Some(text))?;
        }
    }
    Ok(())
}
