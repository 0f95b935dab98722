//! The panel's one way to ask the engine: a request of the engine protocol
//! (`chronoscope-protocol`), answered later. Today the engine answers in the page, from the
//! source the loader read (`chronoscope_core::engine::answer_from`); the same requests go to the
//! engine's Web Worker once the load moves there, and no panel that asks through here changes
//! then. Panels that have not moved yet still read the loaded timeline (issue 30).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::{Arc, Weak};

use chronoscope_core::engine::{answer_from, evidence, ListCache, Source};
use chronoscope_core::integrity::Report;
use chronoscope_protocol::{Answer, FileOut, Refusal, Request, Wants};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::context::{AppCtx, Loaded};

/// Where the panel's requests go: today the source the page loaded, and the report of its
/// checks.
#[derive(Clone, Copy)]
pub struct Engine {
    pub loaded: RwSignal<Option<Arc<Loaded>>>,
    pub report: RwSignal<Option<Arc<Report>>>,
    /// What the engine keeps between requests about the source it answers from.
    kept: StoredValue<Rc<RefCell<Kept>>, LocalStorage>,
}

/// What the engine keeps between requests: which source it last answered about (held weakly,
/// so that a source let go is freed, and its address is not taken by another while held), its
/// generation, and the event list's last filtering.
#[derive(Default)]
struct Kept {
    source: Weak<Loaded>,
    generation: u64,
    list: ListCache,
}

impl Engine {
    /// An engine that answers from the source in `loaded`.
    pub fn new(
        loaded: RwSignal<Option<Arc<Loaded>>>,
        report: RwSignal<Option<Arc<Report>>>,
    ) -> Engine {
        Engine {
            loaded,
            report,
            kept: StoredValue::new_local(Rc::default()),
        }
    }

    /// Asks the engine one request.
    pub async fn ask(self, request: Request) -> Answer {
        let kept = self.kept.get_value();
        let mut kept = kept.borrow_mut();
        self.loaded.with_untracked(|loaded| match loaded {
            Some(loaded) => {
                if !Weak::ptr_eq(&kept.source, &Arc::downgrade(loaded)) {
                    kept.source = Arc::downgrade(loaded);
                    kept.generation += 1;
                }
                let source = source_of(loaded, kept.generation);
                answer_from(&source, &mut kept.list, request)
            }
            None => Answer::Refused(Refusal::NothingOpen),
        })
    }

    /// The answer to the request `request` describes (`None`: nothing to ask), asked again
    /// whenever the request or the loaded source changes. The last answer stays until the
    /// next one comes, and an answer to a request that has since changed is dropped.
    pub fn answer_to(
        self,
        request: impl Fn() -> Option<Request> + 'static,
    ) -> ReadSignal<Option<Answer>> {
        let answer = RwSignal::new(None);
        let asked = Rc::new(Cell::new(0u64));
        Effect::new(move |_| {
            self.loaded.track();
            let Some(request) = request() else {
                answer.set(None);
                return;
            };
            let generation = asked.get() + 1;
            asked.set(generation);
            let asked = Rc::clone(&asked);
            spawn_local(async move {
                let got = self.ask(request).await;
                if asked.get() == generation {
                    answer.set(Some(got));
                }
            });
        });
        answer.read_only()
    }

    /// `answer_to`, read by `read` (`None` while nothing is asked, or while the answer is not
    /// of the kind expected).
    pub fn answer_memo<T: Clone + PartialEq + Send + Sync + 'static>(
        self,
        request: impl Fn() -> Option<Request> + 'static,
        read: impl Fn(Answer) -> Option<T> + Send + Sync + 'static,
    ) -> Memo<Option<T>> {
        let answer = self.answer_to(request);
        Memo::new(move |_| answer.get().and_then(&read))
    }
}

/// Asks the engine for a file (`export` or `evidence`) and hands back the file and its bytes,
/// or why there is none, in words.
pub async fn ask_file(ctx: AppCtx, request: Request) -> Result<(FileOut, Vec<u8>), String> {
    let answer = match request {
        // In the page the pack is made from the report the page's own checks made.
        Request::Evidence(request) => {
            let report = ctx.engine.report.get_untracked();
            let report = report.ok_or("the integrity checks have not finished")?;
            ctx.engine.loaded.with_untracked(|loaded| {
                let loaded = loaded.as_ref().ok_or("nothing is loaded")?;
                evidence(&source_of(loaded, 0), &report, &request)
                    .map(|(file, bytes)| (file, Some(bytes)))
                    .map_err(|refusal| refused(&refusal))
            })?
        }
        request => match ctx.engine.ask(request).await {
            Answer::File(file) => (file, None),
            Answer::Refused(refusal) => return Err(refused(&refusal)),
            other => return Err(format!("the engine answered {other:?}")),
        },
    };
    match answer {
        (file, Some(bytes)) => Ok((file, bytes)),
        // The text is handed over as the bytes, not copied: an event list can be 300 MB.
        (mut file, None) => {
            let bytes = file.text.take().unwrap_or_default().into_bytes();
            Ok((file, bytes))
        }
    }
}

/// A refusal in words, for the page to say.
pub fn refused(refusal: &Refusal) -> String {
    match refusal {
        Refusal::NothingOpen => "nothing is loaded".into(),
        Refusal::NoMoment { .. } => "no moment is selected".into(),
        Refusal::NoStream { stream } => format!("there is no stream `{stream}`"),
        Refusal::NoPosition { stream, pos } => format!("`{stream}` has no event {}", pos + 1),
        Refusal::Unwritable { message } => format!("the file could not be written: {message}"),
        Refusal::Query { text, message } => format!("`{text}` cannot be read: {message}"),
        Refusal::Time { text, message } => format!("`{text}` is not a time: {message}"),
        other => format!("the engine refused: {other:?}"),
    }
}

/// The loaded source as the engine answers from it.
fn source_of(loaded: &Loaded, generation: u64) -> Source<'_> {
    Source {
        label: &loaded.label,
        timeline: &loaded.timeline,
        detection: &loaded.detection,
        problems: &loaded.problems,
        setup_problems: &[],
        projection_text: loaded.projection_text.as_deref(),
        generation,
        wants: Wants::Nothing,
    }
}
