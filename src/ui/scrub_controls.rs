//! The scrubbing controls: first, previous, play, next, last, the slider over the stream's
//! events, and the cursor's version and time.

use leptos::prelude::*;

use super::context::{use_app, Cursor};
use super::format::{local, utc_or_dash};

/// The buttons, the slider and the cursor text.
#[component]
pub fn ScrubControls() -> impl IntoView {
    let ctx = use_app();
    let n_events = Memo::new(move |_| ctx.stream_len());
    let cursor_text = move || {
        let view = ctx.view.get();
        match (ctx.cursor.get(), &view.time) {
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
        ctx.cursor
            .get()
            .and_then(|c| c.time)
            .map(|time| format!("local {}", local(&time)))
    };
    let on_slide = move |ev: leptos::ev::Event| {
        if let Ok(pos) = event_target_value(&ev).parse::<usize>() {
            ctx.select_position(pos);
        }
    };
    view! {
        <div class="scrub-row">
            <button type="button" title="First event (Home)" aria-label="First event" on:click=move |_| ctx.select_position(0)>"⇤"</button>
            <button type="button" title="Previous event (←)" aria-label="Previous event" on:click=move |_| ctx.step(-1)>"‹"</button>
            <button type="button" data-testid="play" title="Play or pause (Space)" aria-label="Play or pause" on:click=move |_| ctx.playing.update(|p| *p = !*p)>
                {move || if ctx.playing.get() { "❚❚" } else { "▶" }}
            </button>
            <button type="button" title="Next event (→)" aria-label="Next event" on:click=move |_| ctx.step(1)>"›"</button>
            <button type="button" title="Last event (End)" aria-label="Last event" on:click=move |_| ctx.select_position(ctx.stream_len().saturating_sub(1))>"⇥"</button>
            <input type="range" data-testid="scrubber" aria-label="Position in the stream" min="0" step="1"
                aria-valuetext=cursor_text
                max=move || n_events.get().saturating_sub(1).to_string()
                prop:value=move || ctx.selection.get().pos.unwrap_or(0).to_string()
                on:input=on_slide/>
            <span class="cursor" data-testid="cursor" title=cursor_local>{cursor_text}</span>
        </div>
    }
}

/// `v4`, or `v4 (repeat 2)` for the second event of a stream that repeats version 4.
fn version_label(cursor: &Cursor) -> String {
    match cursor.occurrence {
        1 => format!("v{}", cursor.version),
        n => format!("v{} (repeat {n})", cursor.version),
    }
}
