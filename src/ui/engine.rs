//! The panel's one way to ask the engine: a request of the engine protocol
//! (`chronoscope-protocol`), answered later by the engine in its Web Worker
//! (`ui::worker_client`), which the loader feeds the bytes it fetched. The panel's own wasm holds
//! no engine: it renders what the answers say.
//!
//! A native engine (`chronoscope serve`, `engine=`) can take the worker's place once the person
//! connects to it (`Engine::connect`): the same requests then go over its WebSocket.
//!
//! A test can answer the panel from an engine in the page instead (`Engine::answer_with`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chronoscope_protocol::{Answer, FileOut, Read, Refusal, Request};
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;

use super::context::AppCtx;
use super::worker_client::WorkerClient;

/// How often `Engine::idle` looks whether the answers are in, in milliseconds.
const IDLE_LOOK_MS: u32 = 10;

/// Answers requests in the page, for a test: the engine the test holds.
pub type InPage = Rc<dyn Fn(Request) -> (Answer, Option<Vec<u8>>)>;

/// The engine the panel asks: its worker, or a native engine connected in its place; `Err`
/// when the worker could not be started, and why. Shared with what closes it with the panel.
type Slot = Rc<RefCell<Result<Rc<WorkerClient>, Refusal>>>;

/// Where the panel's requests go: the engine's worker, or, in a test, an engine in the page.
#[derive(Clone, Copy)]
pub struct Engine {
    worker: StoredValue<Slot, LocalStorage>,
    /// The native engine answering instead of the worker (`engine=`), once connected.
    pub native: RwSignal<Option<String>>,
    /// An engine in the page that answers instead of the worker (tests).
    in_page: StoredValue<Option<InPage>, LocalStorage>,
    /// True while a source is open in the engine for the panels to ask about.
    pub in_worker: RwSignal<bool>,
    /// Changes whenever the engine's source changes in what the panels show (a preview, the
    /// load done, events appended, a projection), so that they ask again.
    pub generation: RwSignal<u64>,
    /// How many requests wait for their answers: the page is busy (`aria-busy`) while any do.
    pub pending: RwSignal<u32>,
}

impl Engine {
    /// Starts the panel's engine in its worker.
    pub fn start() -> Engine {
        let worker: Slot = Rc::new(RefCell::new(WorkerClient::start().map(Rc::new)));
        // A panel that is closed stops its engine, and no answer to it comes afterwards:
        // nothing is left to write into what was disposed.
        let closing = SendWrapper::new(Rc::clone(&worker));
        on_cleanup(move || {
            if let Ok(engine) = &*closing.take().borrow() {
                engine.close();
            }
        });
        Engine {
            worker: StoredValue::new_local(worker),
            native: RwSignal::new(None),
            in_page: StoredValue::new_local(None),
            in_worker: RwSignal::new(false),
            generation: RwSignal::new(0),
            pending: RwSignal::new(0),
        }
    }

    /// Has `engine` answer every request from now on, with a source open (a test).
    pub fn answer_with(self, engine: InPage) {
        self.in_page.set_value(Some(engine));
        self.in_worker.set(true);
        self.changed();
    }

    /// Asks the engine one request.
    pub async fn ask(self, request: Request) -> Answer {
        match self.in_worker.try_get_untracked() {
            Some(true) => self.ask_worker(request, None).await.0,
            Some(false) => Answer::Refused(Refusal::NothingOpen),
            // The panel is gone: nothing is answered, so nothing goes on after it.
            None => std::future::pending().await,
        }
    }

    /// Asks the engine one request, with bytes beside it (transferred) where given, and hands
    /// back its answer and any bytes beside that.
    pub async fn ask_worker(
        self,
        request: Request,
        bytes: Option<js_sys::Uint8Array>,
    ) -> (Answer, Option<js_sys::Uint8Array>) {
        if let Some(in_page) = self.in_page.try_get_value().flatten() {
            let (answer, bytes) = in_page(request);
            return (answer, bytes.map(|b| js_sys::Uint8Array::from(&b[..])));
        }
        let worker = match self.client() {
            Some(Ok(worker)) => worker,
            Some(Err(refusal)) => return (Answer::Refused(refusal), None),
            // The panel is gone: nothing is answered, so nothing goes on after it.
            None => return std::future::pending().await,
        };
        self.pending.update(|n| *n += 1);
        let answer = worker.ask(request, bytes).await;
        self.pending.try_update(|n| *n = n.saturating_sub(1));
        answer
    }

    /// Asks the engine's worker to read a source itself (`read`, `read_on`, `read_file` with
    /// the `File`), handing each notice of how far it has come to `noticed`; gives the last
    /// answer. The page is busy while it reads. An engine in the page (a test) reads nothing.
    pub async fn read(
        self,
        request: Request,
        file: Option<web_sys::File>,
        noticed: impl Fn(Box<Read>) + 'static,
    ) -> Answer {
        if let Some(in_page) = self.in_page.try_get_value().flatten() {
            return in_page(request).0;
        }
        let worker = match self.client() {
            Some(Ok(worker)) => worker,
            Some(Err(refusal)) => return Answer::Refused(refusal),
            None => return std::future::pending().await,
        };
        self.pending.update(|n| *n += 1);
        let answer = worker.read(request, file, Rc::new(noticed)).await;
        self.pending.try_update(|n| *n = n.saturating_sub(1));
        answer
    }

    /// Asks the engine for work that goes on behind what is shown (the integrity checks): the
    /// page is not busy while it waits.
    pub async fn ask_behind(self, request: Request) -> Answer {
        if let Some(in_page) = self.in_page.try_get_value().flatten() {
            return in_page(request).0;
        }
        match self.client() {
            Some(Ok(worker)) => worker.ask(request, None).await.0,
            Some(Err(refusal)) => Answer::Refused(refusal),
            None => std::future::pending().await,
        }
    }

    /// The engine asked now; `None` once the panel is gone.
    fn client(self) -> Option<Result<Rc<WorkerClient>, Refusal>> {
        self.worker
            .try_get_value()
            .map(|slot| slot.borrow().clone())
    }

    /// Connects to the native engine at `address` (`chronoscope serve`) with its `token`, and
    /// has it answer every request from now on in place of the worker, which is stopped. Gives
    /// the labels of the sources it serves, or why it could not connect, in words.
    pub async fn connect(self, address: &str, token: String) -> Result<Vec<String>, NotDone> {
        let client = WorkerClient::connect(address, token).map_err(NotDone::Refused)?;
        let client = Rc::new(client);
        let sources = match client.ask(Request::Served, None).await.0 {
            Answer::Served(sources) => sources,
            other => return Err(unexpected(&other)),
        };
        let slot = self.worker.try_get_value().ok_or(NotDone::Closed)?;
        if let Ok(worker) = slot.replace(Ok(client)) {
            worker.close();
        }
        self.in_worker.set(false);
        self.native.set(Some(address.to_string()));
        Ok(sources)
    }

    /// Waits until no request waits for its answer.
    pub async fn idle(self) {
        loop {
            match self.pending.try_get_untracked() {
                Some(0) => return,
                Some(_) => gloo_timers::future::TimeoutFuture::new(IDLE_LOOK_MS).await,
                // The panel is gone: it never becomes idle, and nothing goes on after it.
                None => return std::future::pending().await,
            }
        }
    }

    /// True while a request waits for its answer.
    pub fn busy(self) -> bool {
        self.pending.get() > 0
    }

    /// `ask`, counted in `pending` from this call, not from when the task that awaits it
    /// starts (the page is busy meanwhile), until what its answer set off has run (`settled`).
    pub fn ask_counted(self, request: Request) -> impl std::future::Future<Output = Answer> {
        self.pending.update(|n| *n += 1);
        async move {
            let answer = self.ask(request).await;
            self.settled();
            answer
        }
    }

    /// Counts as answered a request counted in `pending`, once what its answer set off has run:
    /// the effects it woke, which may ask more, run before the next task. Until then the page
    /// is still busy, so that it never says it is done between an answer and what follows it.
    fn settled(self) {
        set_timeout(
            move || {
                self.pending.try_update(|n| *n = n.saturating_sub(1));
            },
            std::time::Duration::ZERO,
        );
    }

    /// Says that the engine's source changed in what the panels show: they ask again.
    pub fn changed(self) {
        self.generation.try_update(|g| *g += 1);
    }

    /// The answer to the request `request` describes (`None`: nothing to ask), asked again
    /// whenever the request or the loaded source changes; the same request about the same
    /// source is not asked again. The last answer stays until the next one comes, and an
    /// answer to a request that has since changed is dropped.
    pub fn answer_to(
        self,
        request: impl Fn() -> Option<Request> + 'static,
    ) -> ReadSignal<Option<Answer>> {
        self.answer_and_wait(request).0
    }

    /// `answer_to`, and whether its answer is still awaited: true from the moment the request
    /// changes until its answer comes, while the last answer is still shown.
    pub fn answer_and_wait(
        self,
        request: impl Fn() -> Option<Request> + 'static,
    ) -> (ReadSignal<Option<Answer>>, ReadSignal<bool>) {
        let answer = RwSignal::new(None);
        let waiting = RwSignal::new(false);
        let asked = Rc::new(Cell::new(0u64));
        // The request is compared as the JSON it is sent as: deriving `PartialEq` for every
        // request added 1.2 KB after brotli to the first load (350,790 B, over its budget).
        Effect::new(move |last: Option<Option<(u64, bool, String)>>| {
            let source = (self.generation.get(), self.in_worker.get());
            let Some(request) = request() else {
                // An answer still on its way is to a request no longer asked: it is dropped.
                asked.set(asked.get() + 1);
                answer.set(None);
                waiting.set(false);
                return None;
            };
            let key = serde_json::to_string(&request)
                .ok()
                .map(|text| (source.0, source.1, text));
            if key.is_some() && last.flatten() == key {
                return key;
            }
            let generation = asked.get() + 1;
            asked.set(generation);
            let asked = Rc::clone(&asked);
            let got = self.ask_counted(request);
            waiting.set(true);
            spawn_local(async move {
                let got = got.await;
                if asked.get() == generation {
                    answer.try_set(Some(got));
                    waiting.try_set(false);
                }
            });
            key
        });
        (answer.read_only(), waiting.read_only())
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
pub async fn ask_file(
    ctx: AppCtx,
    request: Request,
) -> Result<(FileOut, js_sys::Uint8Array), NotDone> {
    match ctx.engine.ask_worker(request, None).await {
        (Answer::File(file), Some(bytes)) => Ok((file, bytes)),
        // An engine in the page (a test) answers with the text.
        (Answer::File(mut file), None) => {
            let text = file.text.take().unwrap_or_default();
            Ok((file, js_sys::Uint8Array::from(text.as_bytes())))
        }
        (other, _) => Err(unexpected(&other)),
    }
}

/// A refusal in words, for the page to say.
pub fn refused(refusal: &Refusal) -> String {
    refusal.to_string()
}

/// An answer that is not the one asked for, as why it was not.
pub fn unexpected(answer: &Answer) -> NotDone {
    match answer {
        Answer::Refused(refusal) => NotDone::Refused(refusal.clone()),
        other => NotDone::Answered(other.name()),
    }
}

/// Why the engine, or the browser, did not do what the panel asked; the panel says it in the
/// words of its `Display`.
#[derive(Clone, Debug, PartialEq)]
pub enum NotDone {
    /// The engine refused the request.
    Refused(Refusal),
    /// The engine gave another answer than the one asked for (its name).
    Answered(&'static str),
    /// The panel was closed while it waited.
    Closed,
    /// The browser refused to save the file of this name.
    NotSaved(String),
}

impl std::fmt::Display for NotDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotDone::Refused(refusal) => write!(f, "{refusal}"),
            NotDone::Answered(name) => write!(f, "the engine answered `{name}`"),
            NotDone::Closed => f.write_str("the panel was closed"),
            NotDone::NotSaved(name) => write!(f, "the browser refused to save {name}"),
        }
    }
}
