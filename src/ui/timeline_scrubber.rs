//! The timeline: the density strip, the scrubbing controls, the legend of event types and the
//! "as of" query, with playback stepping through the stream while it plays.

use leptos::prelude::*;

use super::as_of_box::AsOfBox;
use super::context::{use_app, AppCtx};
use super::density_strip::DensityStrip;
use super::format::local;
use super::scrub_controls::ScrubControls;

/// The pause between two steps while playing.
const PLAY_STEP_MS: u64 = 350;

/// The timeline section above the event list and the state.
#[component]
pub fn TimelineScrubber() -> impl IntoView {
    let ctx = use_app();
    use_playback(ctx);
    let cursor_local = move || {
        ctx.cursor
            .get()
            .and_then(|c| c.time)
            .map(|time| format!("local {}", local(&time)))
    };
    view! {
        <section class="timeline" aria-label="Timeline">
            <DensityStrip/>
            <ScrubControls/>
            <div class="time-row">
                <ul class="legend">
                    {move || ctx.stream_kinds.get().into_iter().map(|name| view! {
                        <li><span class=format!("swatch {}", ctx.kind_colour(&name))></span>{name}</li>
                    }).collect_view()}
                </ul>
                <AsOfBox/>
                <span class="cursor-local">{cursor_local}</span>
            </div>
        </section>
    }
}

/// Steps forward while `ctx.playing` is set, stopping at the stream's last event.
fn use_playback(ctx: AppCtx) {
    Effect::new(move |_| {
        if !ctx.playing.get() {
            return;
        }
        let at_end = ctx.selection.with(|s| s.pos) == ctx.stream_len().checked_sub(1);
        if at_end {
            ctx.playing.set(false);
            return;
        }
        set_timeout(
            move || {
                if ctx.playing.get_untracked() {
                    ctx.step(1);
                }
            },
            std::time::Duration::from_millis(PLAY_STEP_MS),
        );
    });
}
