//! The panel's one way to ask the engine: a request of the engine protocol
//! (`chronoscope-protocol`), answered later. Today the engine answers in the page, from the
//! source the loader read (`chronoscope_core::engine::answer_from`); the same requests go to the
//! engine's Web Worker once the load moves there, and no panel that asks through here changes
//! then. Panels that have not moved yet still read the loaded timeline (issue 30).

use std::cell::Cell;
use std::rc::Rc;

use chronoscope_core::engine::{answer_from, Source};
use chronoscope_protocol::{Answer, Refusal, Request};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::context::{AppCtx, Loaded};

/// Asks the engine one request.
pub async fn ask(ctx: AppCtx, request: Request) -> Answer {
    ctx.loaded.with_untracked(|loaded| match loaded {
        Some(loaded) => answer_from(&source_of(loaded), request),
        None => Answer::Refused(Refusal::NothingOpen),
    })
}

/// The loaded source as the engine answers from it.
fn source_of(loaded: &Loaded) -> Source<'_> {
    Source {
        label: &loaded.label,
        timeline: &loaded.timeline,
        detection: &loaded.detection,
        problems: &loaded.problems,
        setup_problems: &[],
        projection_text: loaded.projection_text.as_deref(),
    }
}

/// The answer to the request `request` describes (`None`: nothing to ask), asked again whenever
/// the request or the loaded source changes. The last answer stays until the next one comes,
/// and an answer to a request that has since changed is dropped.
pub fn answer_to(
    ctx: AppCtx,
    request: impl Fn() -> Option<Request> + 'static,
) -> ReadSignal<Option<Answer>> {
    let answer = RwSignal::new(None);
    let asked = Rc::new(Cell::new(0u64));
    Effect::new(move |_| {
        ctx.loaded.track();
        let Some(request) = request() else {
            answer.set(None);
            return;
        };
        let generation = asked.get() + 1;
        asked.set(generation);
        let asked = Rc::clone(&asked);
        spawn_local(async move {
            let got = ask(ctx, request).await;
            if asked.get() == generation {
                answer.set(Some(got));
            }
        });
    });
    answer.read_only()
}
