//! The timeline: the density strip, the scrubbing controls, the legend of event types and the
//! "as of" query, with playback stepping through the stream while it plays.

use leptos::prelude::*;

use super::as_of_box::AsOfBox;
use super::context::{use_app, AppCtx};
use super::density_strip::DensityStrip;
use super::scrub_controls::ScrubControls;

/// The pause between two steps while playing.
const PLAY_STEP_MS: u64 = 350;

/// The timeline section above the event list and the state.
#[component]
pub fn TimelineScrubber() -> impl IntoView {
    let ctx = use_app();
    use_playback(ctx);
    let details_open = RwSignal::new(false);
    // The legend: a swatch and the name of each event type of the stream.
    let legend = move || {
        ctx.stream_kinds
            .get()
            .into_iter()
            .map(|name| {
                let swatch = format!("swatch {}", ctx.kind_colour(&name));
                view! { <li><span class=swatch data-marker=ctx.kind_marker(&name)></span>{name}</li> }
            })
            .collect_view()
    };
    view! {
        <section class="timeline" aria-label="Timeline">
            <DensityStrip/>
            <ScrubControls/>
            // In a narrow panel the legend and the as-of form fold behind this toggle.
            <button type="button" class="menu-toggle time-toggle" data-testid="time-toggle" aria-controls="time-row"
                aria-expanded=move || if details_open.get() { "true" } else { "false" }
                on:click=move |_| details_open.update(|o| *o = !*o)>"Legend and as of ▾"</button>
            <div id="time-row" class="time-row" class:open=move || details_open.get()>
                <ul class="legend">{legend}</ul>
                <AsOfBox/>
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
        let at_end = ctx.shown.selection.with(|s| s.pos) == ctx.stream_len().checked_sub(1);
        if at_end {
            ctx.playing.set(false);
            return;
        }
        set_timeout(
            move || {
                if ctx.playing.try_get_untracked() == Some(true) {
                    ctx.step(1);
                }
            },
            std::time::Duration::from_millis(PLAY_STEP_MS),
        );
    });
}
