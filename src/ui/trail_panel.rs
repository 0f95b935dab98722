//! The trail beside the state (`trail=1`): every event that shares the selected event's
//! correlation id, across streams, as a causation tree (an event sits under the one that caused
//! it). Clicking an entry opens its stream at that event. The trail itself is `core::trail`'s.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::context::use_app;
use super::dom::{append_element, clicked_number};
use super::format::utc_or_dash;
use chronoscope_core::timeline::Timeline;
use chronoscope_core::trail::{trail_of, trail_pointers, Trail};
use chronoscope_core::view::shown::shown_id;

/// The deepest indentation drawn; deeper causes are said in the entry's title.
const MAX_DRAWN_DEPTH: usize = 6;

/// The trail of the selected event, when `trail=1`.
#[component]
pub fn TrailPanel() -> impl IntoView {
    let ctx = use_app();
    let body = NodeRef::<leptos::html::Div>::new();
    // Written with DOM text calls rather than a `view!` per entry, for the bundle's budget (see
    // `period_table`).
    Effect::new(move |_| {
        let (stream, pos) = (ctx.stream.get(), ctx.selection.with(|s| s.pos));
        let Some(body) = body.get() else {
            return;
        };
        body.set_text_content(None);
        let log_idx = ctx.loaded.with(|l| {
            let positions = l.as_ref()?.timeline.stream_log_positions(&stream?);
            positions.get(pos?).copied()
        });
        // Only element creation can fail here, which a browser does not refuse.
        let _ = match log_idx {
            Some(log_idx) => ctx.loaded.with(|l| match l {
                Some(l) => {
                    let pointers = trail_pointers(l.timeline.projection(), l.detection.format);
                    let trail = trail_of(&l.timeline, log_idx, &pointers);
                    write_trail(&body, &l.timeline, trail, log_idx)
                }
                None => Ok(()),
            }),
            None => write_note(&body, "Select an event to see its trail."),
        };
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if let Some(idx) = clicked_number(&ev, "button", "data-log-idx") {
            ctx.select_log_event(idx);
        }
    };
    move || {
        ctx.view.with(|v| v.trail).then(|| {
            view! {
                <section class="blame trail" aria-label="Trail across streams" data-testid="trail">
                    <div class="blame-head">
                        <h3>"Trail across streams"</h3>
                        <button type="button" data-testid="trail-close" on:click=move |_| ctx.view.update(|v| v.trail = false)>"Close"</button>
                    </div>
                    <div node_ref=body on:click=on_click></div>
                </section>
            }
        })
    }
}

fn write_note(body: &web_sys::Element, text: &str) -> Result<(), JsValue> {
    append_element(
        body,
        "p",
        &[("class", "empty"), ("data-testid", "trail-none")],
        Some(text),
    )
    .map(drop)
}

/// Writes the trail: its correlation id and size, then one entry per event, indented by how
/// deep it is in the causation tree; the selected event is current.
fn write_trail(
    body: &web_sys::Element,
    timeline: &Timeline,
    trail: Trail,
    selected: usize,
) -> Result<(), JsValue> {
    let (correlation, entries) = match trail {
        Trail::NoCorrelation { looked_at } => {
            let text = format!(
                "This event carries no correlation id (looked at {}).",
                looked_at.join(", ")
            );
            return write_note(body, &text);
        }
        Trail::Found {
            correlation,
            entries,
        } => (correlation, entries),
    };
    let heading = format!(
        "{correlation}: {} event(s), in time order by cause",
        entries.len()
    );
    append_element(
        body,
        "p",
        &[("data-testid", "trail-heading")],
        Some(&heading),
    )?;
    let list = append_element(body, "ol", &[("class", "blame-list")], None)?;
    let name = |log_idx: usize| {
        let head = timeline.head(log_idx);
        format!("{} v{}", shown_id(head.stream), head.version)
    };
    for entry in &entries {
        let head = timeline.head(entry.log_idx);
        let depth = entry.depth.min(MAX_DRAWN_DEPTH).to_string();
        let (version, idx) = (head.version.to_string(), entry.log_idx.to_string());
        let cause = match entry.caused_by.and_then(|k| entries.get(k)) {
            Some(cause) => format!("caused by {}", name(cause.log_idx)),
            None => "no cause in this trail".into(),
        };
        let current = if entry.log_idx == selected {
            "true"
        } else {
            "false"
        };
        let item = append_element(&list, "li", &[("data-depth", &depth)], None)?;
        let button = [
            ("type", "button"),
            ("class", "blame-entry trail-entry"),
            ("data-testid", "trail-entry"),
            ("data-stream", head.stream),
            ("data-version", &version),
            ("data-log-idx", &idx),
            ("title", &cause),
            ("aria-current", current),
        ];
        let button = append_element(&item, "button", &button, None)?;
        let marker = if entry.depth > 0 { "↳ " } else { "" };
        let place = format!("{marker}{}", name(entry.log_idx));
        let time = utc_or_dash(head.timed.then_some(head.time));
        let user = shown_id(head.user.unwrap_or("unknown"));
        for (class, text) in [
            ("version", place.as_str()),
            ("values", head.kind),
            ("time", &time),
            ("user", &user),
        ] {
            append_element(&button, "span", &[("class", class)], Some(text))?;
        }
    }
    Ok(())
}
