//! The scrubbing controls: first, previous, play, next, last, the slider over the stream's
//! events, and the cursor's version and time.

use leptos::prelude::*;

use wasm_bindgen::{JsCast, JsValue};

use super::context::{use_app, Cursor};
use super::dom::{append_element, clicked_button};
use super::format::utc_or_dash;

/// The buttons, the slider and the cursor text.
#[component]
pub fn ScrubControls() -> impl IntoView {
    let ctx = use_app();
    let n_events = Memo::new(move |_| ctx.stream_len());
    let cursor_text = move || {
        let view = ctx.view.get();
        match (ctx.shown.cursor.get(), &view.time) {
            (Some(cursor), Some(as_of)) => {
                format!(
                    "{} · {} · as of {as_of}",
                    version_label(&cursor),
                    utc_or_dash(cursor.time)
                )
            }
            (Some(cursor), None) => {
                format!("{} · {}", version_label(&cursor), utc_or_dash(cursor.time))
            }
            (None, Some(as_of)) => format!("before the first event · as of {as_of}"),
            (None, None) => "no event".into(),
        }
    };
    let cursor_local = move || {
        ctx.shown
            .cursor
            .get()
            .and_then(|c| c.time)
            .map(|time| ctx.in_zone(&time))
    };
    // Made once with DOM calls and updated in place by one effect: the slider's `max` must
    // change before its `value` (a browser clamps a value past the old `max`), an order that
    // separate reactive attributes do not promise.
    let row = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(row) = row.get() {
            let shown = Shown {
                playing: ctx.playing.get(),
                max: n_events.get().saturating_sub(1),
                pos: ctx.shown.selection.get().pos.unwrap_or(0),
                cursor: cursor_text(),
                local: cursor_local().unwrap_or_default(),
            };
            // Only element creation can fail here, which a browser does not refuse.
            let _ = show_row(&row, &shown);
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let action = clicked_button(&ev).and_then(|b| b.get_attribute("data-action"));
        match action.as_deref() {
            Some("first") => ctx.select_position(0),
            Some("previous") => ctx.step(-1),
            Some("play") => ctx.playing.update(|p| *p = !*p),
            Some("next") => ctx.step(1),
            Some("last") => ctx.select_position(ctx.stream_len().saturating_sub(1)),
            _ => {}
        }
    };
    let on_slide = move |ev: leptos::ev::Event| {
        if let Ok(pos) = event_target_value(&ev).parse::<usize>() {
            ctx.select_position(pos);
        }
    };
    view! { <div class="scrub-row" node_ref=row on:click=on_click on:input=on_slide></div> }
}

/// What the row shows: whether it plays, the slider's end and position, and the cursor's words.
struct Shown {
    playing: bool,
    max: usize,
    pos: usize,
    cursor: String,
    local: String,
}

/// The buttons: their action, title, label and sign.
const BUTTONS: [(&str, &str, &str, &str); 5] = [
    ("first", "First event (Home)", "First event", "⇤"),
    ("previous", "Previous event (←)", "Previous event", "‹"),
    ("play", "Play or pause (Space)", "Play or pause", "▶"),
    ("next", "Next event (→)", "Next event", "›"),
    ("last", "Last event (End)", "Last event", "⇥"),
];

/// Makes the row the first time, then sets what it shows.
fn show_row(row: &web_sys::Element, shown: &Shown) -> Result<(), JsValue> {
    if row.first_element_child().is_none() {
        for (action, title, label, sign) in BUTTONS {
            let attrs = [
                ("type", "button"),
                ("data-action", action),
                ("title", title),
                ("aria-label", label),
            ];
            let button = append_element(row, "button", &attrs, Some(sign))?;
            if action == "play" {
                button.set_attribute("data-testid", "play")?;
            }
        }
        let slider = [
            ("type", "range"),
            ("data-testid", "scrubber"),
            ("aria-label", "Position in the stream"),
            ("min", "0"),
            ("step", "1"),
        ];
        append_element(row, "input", &slider, None)?;
        append_element(
            row,
            "span",
            &[("class", "cursor"), ("data-testid", "cursor")],
            None,
        )?;
    }
    if let Some(play) = row.query_selector("[data-testid=play]")? {
        play.set_text_content(Some(if shown.playing { "❚❚" } else { "▶" }));
    }
    if let Some(slider) = row.query_selector("input")? {
        slider.set_attribute("max", &shown.max.to_string())?;
        slider.set_attribute("aria-valuetext", &shown.cursor)?;
        if let Some(slider) = slider.dyn_ref::<web_sys::HtmlInputElement>() {
            slider.set_value(&shown.pos.to_string());
        }
    }
    if let Some(cursor) = row.query_selector("[data-testid=cursor]")? {
        cursor.set_text_content(Some(&shown.cursor));
        cursor.set_attribute("title", &shown.local)?;
    }
    Ok(())
}

/// `v4`, or `v4 (repeat 2)` for the second event of a stream that repeats version 4.
fn version_label(cursor: &Cursor) -> String {
    match cursor.occurrence {
        1 => format!("v{}", cursor.version),
        n => format!("v{} (repeat {n})", cursor.version),
    }
}
