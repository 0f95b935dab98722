//! Loading into the engine's worker: the page fetches a URL, reads a file or takes text, and
//! feeds the bytes to the engine as they arrive (`begin`, `feed`, then `finish` or `stopped`),
//! fetching each page of a feed the engine asks for. The engine reads them (decoding, indexing,
//! the fold, the checks) in its worker, so that the page only moves bytes and renders; what it
//! answers (`Opened`) says how far it has come, what it wants next and where *Retry* reads on.
//!
//! Credentials and a host's headers stay with the page's fetch (`loader::Download::fetch`):
//! only to their origin, never into a URL, never across a redirect.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use chronoscope_core::decode::{Place, Problem, ProblemKind};
use chronoscope_core::ingest::setup::{documents_of, DocumentSource};
use chronoscope_core::origin;
use chronoscope_core::waiting::StallWatch;
use chronoscope_protocol::{Answer, Document, Opened, Request, ResumeAt, Stop, Wants};
use js_sys::Uint8Array;
use leptos::prelude::*;
use url::Url;

use super::context::{AppCtx, Local};
use super::loader::{
    fetch_document, fetch_page, is_temporary, page_address, retry_after_wait, Ask, Chunk, Download,
    Run, Send, DEMO_PROJECTION_URL,
};

/// Reads a URL into the worker from its start.
pub(super) async fn url(mut run: Run, address: String) {
    let url = match origin::resolve(&address, &page_address()) {
        Ok(url) => url,
        Err(err) => {
            let place = Place::Url {
                url: address,
                status: 0,
            };
            return run.fail(Problem::new(place, ProblemKind::Fetch(err.to_string())));
        }
    };
    let Some((link, documents)) = engine_choices(&run).await else {
        return;
    };
    let fetched = Download::fetch(&run.ctx, &url, Ask::with(Send::Credential)).await;
    if !run.is_current() {
        return;
    }
    let (status, ranges) = match &fetched {
        Ok(download) => (status_of(&download.place), download.ranges),
        // A server that is busy or briefly failing: the load waits for a Retry.
        Err(problem) if is_temporary(problem) => (status_of(&problem.place), false),
        Err(problem) => return run.fail(problem.clone()),
    };
    let begin = Request::Begin {
        label: run.label.clone(),
        link,
        documents,
        url: Some(url.to_string()),
        ranges,
        status: Some(status),
    };
    if ask(&mut run, begin, None).await.is_none() {
        return;
    }
    let mut asked_wait = None;
    let read = match fetched {
        Ok(download) if run.ctx.view.with_untracked(|v| v.follow.is_some()) => {
            return super::follow::follow(run, download, url).await;
        }
        Ok(download) => pump(&mut run, download).await,
        Err(problem) => {
            asked_wait = wait_of(&problem);
            stop(&mut run, &problem).await
        }
    };
    if let Some(opened) = read {
        finish(run, opened, Some(url), asked_wait).await;
    }
}

/// *Retry* of a source in the worker: reads on from where it stopped (with an HTTP `Range`
/// where the server serves ranges, else fetching again and skipping what was read), or asks
/// again for the feed page that failed. What was read stays; nothing is read twice.
pub(super) async fn retry(ctx: AppCtx) {
    let Some((url, at)) = ctx.resume.try_update_value(Option::take).flatten() else {
        return;
    };
    let label = ctx
        .opened
        .with_untracked(|o| o.as_ref().map(|o| o.label.clone()));
    let mut run = Run::start(ctx, label.unwrap_or_else(|| url.to_string()));
    if ask(&mut run, Request::Resume, None).await.is_none() {
        return;
    }
    let mut asked_wait = None;
    let read = match at {
        ResumeAt::Page { .. } => ask(&mut run, Request::Status, None).await,
        ResumeAt::Byte { offset, ranges } => {
            let from = if ranges { offset } else { 0 };
            let ask_from = Ask {
                from,
                ..Ask::with(Send::Credential)
            };
            match Download::fetch(&ctx, &url, ask_from).await {
                Ok(mut download) => {
                    download.skip_to(offset);
                    pump(&mut run, download).await
                }
                Err(problem) => {
                    asked_wait = wait_of(&problem);
                    stop(&mut run, &problem).await
                }
            }
        }
    };
    if let Some(opened) = read {
        finish(run, opened, Some(url), asked_wait).await;
    }
}

/// Reads a local file into the worker, as it is read from the disk, and keeps it so that it
/// can be read again with other choices.
pub(super) async fn file(mut run: Run, file: web_sys::File) {
    if begin_local(&mut run).await.is_none() {
        return;
    }
    let place = Place::File(file.name());
    let download = Download::new(file.stream(), place, Some(file.size() as u64));
    if let Some(opened) = pump(&mut run, download).await {
        run.ctx.local_text.set_value(Some(Local::File(file)));
        finish(run, opened, None, None).await;
    }
}

/// Reads text (a paste, a host's events, an evidence pack's events) into the worker, and
/// keeps it so that it can be read again with other choices.
pub(super) async fn text(mut run: Run, text: String) {
    if begin_local(&mut run).await.is_none() {
        return;
    }
    let bytes = Uint8Array::from(text.as_bytes());
    if ask(&mut run, Request::Feed, Some(bytes)).await.is_none() {
        return;
    }
    if let Some(opened) = ask(&mut run, Request::Finish, None).await {
        run.ctx.local_text.set_value(Some(Local::Text(text)));
        finish(run, opened, None, None).await;
    }
}

/// Begins a source that has no URL (a file, a text) with the view's choices. `None` when the
/// load went stale or the engine refused.
async fn begin_local(run: &mut Run) -> Option<Opened> {
    let (link, documents) = engine_choices(run).await?;
    let begin = Request::Begin {
        label: run.label.clone(),
        link,
        documents,
        url: None,
        ranges: false,
        status: None,
    };
    ask(run, begin, None).await
}

/// Adds records a host page sent to the worker's source. False when no source is open there
/// for them.
pub(super) fn append(ctx: AppCtx, lines: String) -> bool {
    let open = ctx.engine.in_worker.get_untracked() && ctx.complete.get_untracked();
    if open {
        leptos::task::spawn_local(async move {
            let request = Request::Append { text: lines };
            if let (Answer::Opened(opened), _) = ctx.engine.ask_worker(request, None).await {
                show_changed(ctx, opened);
            }
        });
    }
    open
}

/// Replays the worker's source with another projection; `Err` says why it cannot be used.
pub(super) async fn reproject(ctx: AppCtx, text: String) -> Result<(), String> {
    let request = Request::Reproject {
        projection: Some(text),
    };
    match ctx.engine.ask_worker(request, None).await.0 {
        Answer::Opened(opened) => {
            show_changed(ctx, opened);
            Ok(())
        }
        Answer::Refused(refusal) => Err(super::engine::refused(&refusal)),
        other => Err(super::engine::unexpected(&other)),
    }
}

/// The view's choices as the engine reads them (the demo with its own projection), and the
/// documents the view names by address, fetched without the credential. A document that
/// cannot be fetched is a problem of the load; the source is read without it. `None` when a
/// newer load started meanwhile.
async fn engine_choices(run: &Run) -> Option<(String, Vec<Document>)> {
    let mut view = run.ctx.view.get_untracked();
    let named = documents_of(&view, DEMO_PROJECTION_URL);
    if let Some(DocumentSource::Address(address)) = &named.projection {
        view.projection.get_or_insert_with(|| address.clone());
    }
    let mut documents = Vec::new();
    for source in [named.mapping, named.projection].into_iter().flatten() {
        let DocumentSource::Address(address) = source else {
            continue;
        };
        let fetched = fetch_document(&run.ctx, &address).await;
        if !run.is_current() {
            return None;
        }
        let unfetched = fetched.is_err();
        if let Err(problem) = &fetched {
            let problem = problem.clone();
            run.ctx.source_problems.update(|all| all.push(problem));
        }
        let text = fetched.unwrap_or_default();
        documents.push(Document {
            address,
            text,
            unfetched,
        });
    }
    run.is_current().then(|| (view.to_query(), documents))
}

/// How many pieces of a download may be on their way to the engine before the page waits for
/// its answers: the engine reads one while the page reads the next from the network.
const MAX_IN_FLIGHT: usize = 8;

/// Feeds a download's bytes to the engine as they arrive, and ends them: at the end of the
/// body, when it breaks off or stalls, or when the engine stops at the memory ceiling. Shows
/// what arrived as soon as the engine holds events. `None` when the load went stale or the
/// engine could not answer.
async fn pump(run: &mut Run, mut download: Download) -> Option<Opened> {
    let mut watch = StallWatch::new(js_sys::Date::now(), download.received);
    let flight = Rc::new(Flight::default());
    let stopped = loop {
        let read = download.next_chunk_within(1000).await;
        if !run.is_current() {
            download.cancel();
            return None;
        }
        match read {
            Ok(Chunk::Bytes(chunk)) => {
                send_piece(run, &flight, chunk);
                run.show_bytes(download.received, download.total);
                flight.wait_below(MAX_IN_FLIGHT).await;
                // The memory ceiling: the engine keeps what it read and wants no more.
                if flight.enough.get() || flight.refused.borrow().is_some() {
                    download.cancel();
                    break None;
                }
            }
            Ok(Chunk::Quiet) => {}
            Ok(Chunk::End) => {
                break match download.place {
                    Place::Url { status, .. } => Some(Request::Stopped {
                        status,
                        why: Stop::Ended,
                    }),
                    _ => Some(Request::Finish),
                };
            }
            Err(problem) => break Some(stop_request(&problem)),
        }
        // A body that trickles is given up; what came stays, and Retry reads on.
        if let Some(stalled) = watch.check(js_sys::Date::now(), download.received) {
            download.cancel();
            break Some(stop_request(&Problem::new(download.place.clone(), stalled)));
        }
    };
    flight.wait_below(1).await;
    if let Some(answer) = flight.refused.take() {
        refused(run, answer);
        return None;
    }
    match stopped {
        Some(request) => ask(run, request, None).await,
        None => ask(run, Request::Status, None).await,
    }
}

/// The pieces of a download on their way to the engine.
#[derive(Default)]
struct Flight {
    /// How many wait for their answers.
    n: Cell<usize>,
    /// True once the engine wants no more bytes (the memory ceiling).
    enough: Cell<bool>,
    /// An answer that was not `opened`, which ends the load.
    refused: RefCell<Option<Answer>>,
    /// What wakes the load waiting in `wait_below` when an answer comes.
    wake: RefCell<Option<js_sys::Function>>,
}

impl Flight {
    /// Waits until fewer than `n` pieces wait for their answers.
    async fn wait_below(&self, n: usize) {
        while self.n.get() >= n {
            let answered = js_sys::Promise::new(&mut |resolve, _| {
                self.wake.replace(Some(resolve));
            });
            let _ = wasm_bindgen_futures::JsFuture::from(answered).await;
        }
    }

    /// One piece's answer came: the load waiting for room goes on.
    fn answered(&self) {
        self.n.set(self.n.get() - 1);
        if let Some(wake) = self.wake.take() {
            let _ = wake.call0(&wasm_bindgen::JsValue::NULL);
        }
    }
}

/// Sends a piece of a download to the engine, and handles its answer as soon as it comes, before
/// any answer to a request sent after it: the count shown is never behind what the panels show.
fn send_piece(run: &Run, flight: &Rc<Flight>, chunk: Uint8Array) {
    flight.n.set(flight.n.get() + 1);
    let answer = run.ctx.engine.send(Request::Feed, Some(chunk));
    let (ctx, id, shown_at) = (run.ctx, run.id, Rc::clone(&run.shown_at));
    let flight = Rc::clone(flight);
    leptos::task::spawn_local(async move {
        let answer = answer.await.0;
        flight.answered();
        if ctx.load_id.try_get_value() != Some(id) {
            return;
        }
        match answer {
            Answer::Opened(opened) => {
                show_held(ctx, &shown_at, &opened);
                if opened.wants != Wants::Bytes {
                    flight.enough.set(true);
                }
            }
            other => {
                flight.refused.replace(Some(other));
            }
        }
    });
}

/// Tells the engine that the source stopped as `problem` says.
async fn stop(run: &mut Run, problem: &Problem) -> Option<Opened> {
    ask(run, stop_request(problem), None).await
}

/// The request that says the source stopped as `problem` says.
fn stop_request(problem: &Problem) -> Request {
    let why = match &problem.kind {
        ProblemKind::BrokeOff(message) => Stop::BrokeOff {
            message: message.clone(),
        },
        &ProblemKind::Stalled { n_bytes, seconds } => Stop::Stalled { n_bytes, seconds },
        ProblemKind::TryLater { answer, wait_s } => Stop::TryLater {
            answer: answer.clone(),
            wait_s: *wait_s,
        },
        &ProblemKind::NoAnswer { seconds } => Stop::NoAnswer { seconds },
        other => Stop::Failed {
            message: other.to_string(),
        },
    };
    let status = status_of(&problem.place);
    Request::Stopped { status, why }
}

/// Fetches each page of a feed the engine asks for, then shows the source as read, keeps where
/// *Retry* reads on from, counts down a wait the server asked for, and runs the checks.
async fn finish(mut run: Run, opened: Opened, url: Option<Url>, asked_wait: Option<u64>) {
    let Some(opened) = pages(&mut run, opened).await else {
        return;
    };
    done(&run, opened, url);
    if let Some(wait_s) = asked_wait {
        retry_after_wait(run.ctx, wait_s, run.id);
    }
}

/// Fetches each page of a feed the engine asks for, until it asks for none. `None` when the
/// load went stale or the engine could not answer.
pub(super) async fn pages(run: &mut Run, mut opened: Opened) -> Option<Opened> {
    let mut n_pages = 1;
    while let Wants::Page { url: page } = opened.wants.clone() {
        n_pages += 1;
        run.show_page(n_pages);
        let page_url = Url::parse(&page).ok()?;
        let fetched = fetch_page(&run.ctx, &page_url, &[], None).await;
        if !run.is_current() {
            return None;
        }
        opened = match fetched {
            Ok(bytes) => {
                let request = Request::FeedPage { url: page };
                ask(run, request, Some(Uint8Array::from(&bytes[..]))).await?
            }
            Err(problem) => {
                let request = Request::PageFailed {
                    url: page,
                    status: status_of(&problem.place),
                    message: problem.kind.to_string(),
                };
                ask(run, request, None).await?
            }
        };
    }
    Some(opened)
}

/// Shows the source as read (the load done), keeps where *Retry* reads on from, and starts
/// the checks.
pub(super) fn done(run: &Run, opened: Opened, url: Option<Url>) {
    if !run.is_current() {
        return;
    }
    let ctx = run.ctx;
    ctx.resume.set_value(url.zip(opened.resume.clone()));
    ctx.can_retry.set(opened.resume.is_some());
    ctx.opened.set(Some(opened));
    ctx.progress.set(None);
    ctx.needs_file.set(None);
    ctx.complete.set(true);
    ctx.n_loads.update(|n| *n += 1);
    ctx.engine.changed();
    leptos::task::spawn_local(check(ctx, run.id));
}

/// Shows the source the engine holds now (grown by live events, or replayed with another
/// projection), and checks it again.
/// Called after an answer came, when the panel may be gone: then nothing.
pub(super) fn show_changed(ctx: AppCtx, opened: Opened) {
    let Some(load) = ctx.load_id.try_get_value() else {
        return;
    };
    ctx.opened.try_set(Some(opened));
    ctx.engine.changed();
    leptos::task::spawn_local(check(ctx, load));
}

/// Asks the worker for the integrity report once the load is done, and shows it while the load
/// is still the one shown, with the problems the fold found meanwhile.
pub(super) async fn check(ctx: AppCtx, load: u64) {
    ctx.report.set(None);
    // The checks fold every stream first, which takes the engine a while on a large source:
    // they are asked for once the panels have what they asked for, which would wait behind them.
    ctx.engine.idle().await;
    if ctx.load_id.try_get_value() != Some(load) {
        return;
    }
    let Answer::Integrity(report) = ctx.engine.ask_behind(Request::Integrity).await else {
        return;
    };
    if ctx.load_id.try_get_value() != Some(load) {
        return;
    }
    ctx.report.set(Some(Arc::new(report)));
    // Every stream is folded now: the problems the fold found are said with the others.
    if let Answer::Opened(opened) = ctx.engine.ask_worker(Request::Status, None).await.0 {
        if ctx.load_id.try_get_value() == Some(load) {
            ctx.opened.set(Some(opened));
        }
    }
}

/// Asks the worker one request of the load, with bytes beside it where given. The first asks
/// of a load make the worker's source the one the panels ask about; a refusal ends the load
/// with the reason as its problem. `None` when the load went stale or was refused.
async fn ask(run: &mut Run, request: Request, bytes: Option<Uint8Array>) -> Option<Opened> {
    match ask_answer(run, request, bytes).await? {
        Answer::Opened(opened) => Some(opened),
        other => {
            refused(run, other);
            None
        }
    }
}

/// Asks the worker one request of a load, with bytes beside it where given, and hands back its
/// answer as it is. A request that opens a source (`begin`, `open_pack`) makes the worker's
/// source the one the panels ask about. `None` when the load went stale.
pub(super) async fn ask_answer(
    run: &Run,
    request: Request,
    bytes: Option<Uint8Array>,
) -> Option<Answer> {
    let opens = matches!(request, Request::Begin { .. } | Request::OpenPack { .. });
    let answer = run.ctx.engine.ask_worker(request, bytes).await.0;
    if !run.is_current() {
        return None;
    }
    if opens {
        run.ctx.engine.in_worker.set(true);
        run.ctx.engine.changed();
    }
    Some(answer)
}

/// Ends the load with why the engine did not answer as asked.
pub(super) fn refused(run: &Run, answer: Answer) {
    let words = super::engine::unexpected(&answer);
    run.fail(Problem::new(Place::Source, ProblemKind::Fetch(words)));
}

/// How often what the engine holds is shown again while the rest arrives, in milliseconds.
const SHOW_EVERY_MS: f64 = 500.0;

/// Shows how many events the engine holds, and, once it holds some and then every
/// `SHOW_EVERY_MS`, what they are, while the rest still arrives.
pub(super) fn show_progress(run: &Run, opened: &Opened) {
    show_held(run.ctx, &run.shown_at, opened);
}

/// `show_progress` for a load's answer handled apart from the load (`shown_at`: when what the
/// engine holds was last shown).
fn show_held(ctx: AppCtx, shown_at: &Cell<f64>, opened: &Opened) {
    let now = js_sys::Date::now();
    let shown = ctx
        .progress
        .with_untracked(|p| p.as_ref().and_then(|p| p.n_shown));
    let grown = opened.n_events > shown.unwrap_or(0);
    let preview = grown && (shown.is_none() || now - shown_at.get() >= SHOW_EVERY_MS);
    ctx.progress.update(|progress| {
        if let Some(progress) = progress {
            progress.n_events = opened.n_events;
            if preview {
                progress.n_shown = Some(opened.n_events);
            }
        }
    });
    if preview {
        shown_at.set(now);
        ctx.opened.set(Some(opened.clone()));
        ctx.engine.changed();
    }
}

/// The HTTP status a place names (0: none).
fn status_of(place: &Place) -> u16 {
    match place {
        Place::Url { status, .. } => *status,
        _ => 0,
    }
}

/// The wait a server asked for before the load is tried again.
fn wait_of(problem: &Problem) -> Option<u64> {
    match problem.kind {
        ProblemKind::TryLater { wait_s, .. } => wait_s,
        _ => None,
    }
}
