//! Loading into the engine's worker. A URL or a file is read by the worker itself (`read`,
//! `read_on`, `read_file`: the worker fetches the URL and each page of a feed, or reads the
//! `File` it is handed), so that a source's bytes never cross the page; the page shows how far
//! it has come from the worker's notices, then the source as read. Text (a paste, a host's
//! events) is handed over whole. A followed source (`follow=`) is read the same way, and its
//! connection kept open by the worker (`ui::follow` shows it). The engine reads everything it is given
//! (decoding, indexing, the fold, the checks); what it answers (`Opened`) says how far it has
//! come, what it wants next and where *Retry* reads on.
//!
//! The credential and a host's headers go to the worker with the request, each with the origin
//! it is for; the worker sends a request only what is for its origin (`core::origin::secrets_for`),
//! never across a redirect (`chronoscope-fetch`).

use std::cell::Cell;
use std::sync::Arc;

use chronoscope_core::decode::{Place, Problem, ProblemKind};
use chronoscope_core::ingest::setup::{documents_of, DocumentSource};
use chronoscope_core::origin;
use chronoscope_protocol::{Answer, Document, Opened, Read, ReadUrl, Request, Unread, Wants};
use js_sys::Uint8Array;
use leptos::prelude::*;
use url::Url;

use super::context::{AppCtx, Local};
use super::loader::{
    fetch_document, keys, page_address, retry_after_wait, Run, DEMO_PROJECTION_URL,
};

/// Reads a URL into the worker from its start: the worker fetches it, unless it is followed.
pub(super) async fn url(run: Run, address: String) {
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
    let request = Request::Read(Box::new(ReadUrl {
        label: run.label.clone(),
        link,
        documents,
        url: url.to_string(),
        keys: keys(&run.ctx),
    }));
    if run.ctx.view.with_untracked(|v| v.follow.is_some()) {
        return super::follow::follow(run, request).await;
    }
    read(run, request, None, Some(url)).await;
}

/// *Retry* of a source in the worker: the worker reads on from where it stopped (with an HTTP
/// `Range` where the server serves ranges, else fetching again and skipping what was read), or
/// fetches again the feed page that failed. What was read stays; nothing is read twice.
pub(super) async fn retry(ctx: AppCtx) {
    let Some((url, _)) = ctx.load.resume.try_update_value(Option::take).flatten() else {
        return;
    };
    let label = ctx
        .opened
        .with_untracked(|o| o.as_ref().map(|o| o.label.clone()));
    let run = Run::start(ctx, label.unwrap_or_else(|| url.to_string()));
    let keys = keys(&ctx);
    read(run, Request::ReadOn { keys }, None, Some(url)).await;
}

/// Reads a local file in the worker, as it is read from the disk, and keeps it so that it can
/// be read again with other choices.
pub(super) async fn file(run: Run, file: web_sys::File) {
    let Some((link, documents)) = engine_choices(&run).await else {
        return;
    };
    let request = Request::ReadFile {
        label: run.label.clone(),
        link,
        documents,
    };
    let ctx = run.ctx;
    if read(run, request, Some(file.clone()), None).await {
        ctx.local_text.set_value(Some(Local::File(file)));
    }
}

/// Has a native engine read the source it serves under the run's label, as a file is read (a
/// table with `follow=` is followed), and keeps the label so that it can be read again with
/// other choices.
pub(super) async fn served(run: Run) {
    let Some((link, documents)) = engine_choices(&run).await else {
        return;
    };
    let label = run.label.clone();
    let request = Request::ReadFile {
        label: label.clone(),
        link,
        documents,
    };
    let ctx = run.ctx;
    if ctx.view.with_untracked(|v| v.follow.is_some()) {
        // A table is followed by its engine, which says where following stands as a URL's
        // worker does; a file is read once.
        ctx.local_text.set_value(Some(Local::Served(label)));
        return super::follow::follow(run, request).await;
    }
    if read(run, request, None, None).await {
        ctx.local_text.set_value(Some(Local::Served(label)));
    }
}

/// Has the engine's worker read a source itself, showing how far it has come as its notices
/// arrive, then shows the source as read, or why nothing could be. True when a source was read
/// (the load still the one shown).
async fn read(run: Run, request: Request, file: Option<web_sys::File>, url: Option<Url>) -> bool {
    let shows = run.clone();
    let began = Cell::new(false);
    let noticed = move |read: Box<Read>| {
        if shows.is_current() {
            show_read(&shows, &began, &read);
        }
    };
    let answer = run.ctx.engine.read(request, file, noticed).await;
    let Some((opened, wait_s)) = last_read(&run, answer) else {
        return false;
    };
    let (ctx, id) = (run.ctx, run.id);
    done(&run, opened, url);
    if let Some(wait_s) = wait_s {
        retry_after_wait(ctx, wait_s, id);
    }
    true
}

/// The source a read's last answer says, with the wait a server asked for before *Retry*;
/// the worker's source is then the one the panels ask about. `None` when the load went stale,
/// or nothing could be read (the load then shows why).
pub(super) fn last_read(run: &Run, answer: Answer) -> Option<(Opened, Option<u64>)> {
    if !run.is_current() {
        return None;
    }
    let read = match answer {
        Answer::Read(read) => *read,
        other => {
            refused(run, other);
            return None;
        }
    };
    match (read.opened, read.unread) {
        (Some(opened), _) => {
            run.ctx.engine.in_worker.set(true);
            Some((opened, read.wait_s))
        }
        (None, Some(unread)) => {
            run.fail(unread_problem(unread));
            None
        }
        (None, None) => None,
    }
}

/// Shows a read's notice: the bytes that arrived, the page of a feed, and what the engine
/// holds. The first notice makes the worker's source the one the panels ask about.
pub(super) fn show_read(run: &Run, began: &Cell<bool>, read: &Read) {
    run.show_bytes(read.received, read.total);
    if read.page > 1 {
        run.show_page(read.page);
    }
    let Some(opened) = &read.opened else {
        return;
    };
    if !began.replace(true) {
        run.ctx.engine.in_worker.set(true);
        run.ctx.engine.changed();
    }
    show_progress(run, opened);
}

/// A URL the worker could not read, as the problem the page shows.
fn unread_problem(unread: Unread) -> Problem {
    let Unread {
        url,
        status,
        redirected,
        message,
    } = unread;
    match redirected {
        true => Problem::new(Place::Redirected { url }, ProblemKind::RedirectNotFollowed),
        false => Problem::new(Place::Url { url, status }, ProblemKind::Fetch(message)),
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
    let begin = Request::begin_local(run.label.clone(), link, documents);
    ask(run, begin, None).await
}

/// Adds records a host page sent to the worker's source. False when no source is open there
/// for them.
pub(super) fn append(ctx: AppCtx, lines: String) -> bool {
    let open = ctx.engine.in_worker.get_untracked() && ctx.load.complete.get_untracked();
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
        other => Err(super::engine::unexpected(&other).to_string()),
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
        let fetched = fetch_document(run.ctx.engine, &address).await;
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
        // The worker fetches the page and reads it: its bytes never cross the page.
        let keys = keys(&run.ctx);
        opened = ask(run, Request::FetchPage { url: page, keys }, None).await?;
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
    ctx.load.resume.set_value(url.zip(opened.resume.clone()));
    ctx.load.can_retry.set(opened.resume.is_some());
    // The link keeps the mapping inference found, so that it reopens the same reading.
    if let Some(mapping) = opened.mapping_inferred.clone() {
        ctx.view.update(|v| v.mapping = Some(mapping));
    }
    ctx.opened.set(Some(opened));
    ctx.load.progress.set(None);
    ctx.needs_file.set(None);
    ctx.load.complete.set(true);
    ctx.load.n_loads.update(|n| *n += 1);
    ctx.engine.changed();
    leptos::task::spawn_local(check(ctx, run.id));
}

/// Shows the source the engine holds now (grown by live events, or replayed with another
/// projection), and checks it again.
/// Called after an answer came, when the panel may be gone: then nothing.
pub(super) fn show_changed(ctx: AppCtx, opened: Opened) {
    let Some(load) = ctx.load.id.try_get_value() else {
        return;
    };
    ctx.opened.try_set(Some(opened));
    ctx.engine.changed();
    leptos::task::spawn_local(check(ctx, load));
}

/// Asks the worker for the integrity report once the load is done, and shows it while the load
/// is still the one shown, with the problems the fold found meanwhile.
pub(super) async fn check(ctx: AppCtx, load: u64) {
    ctx.load.report.set(None);
    // The checks fold every stream first, which takes the engine a while on a large source:
    // they are asked for once the panels have what they asked for, which would wait behind them.
    ctx.engine.idle().await;
    if !ctx.load.is_current(load) {
        return;
    }
    let Answer::Integrity(report) = ctx.engine.ask_behind(Request::Integrity).await else {
        return;
    };
    if !ctx.load.is_current(load) {
        return;
    }
    ctx.load.report.set(Some(Arc::new(report)));
    // Every stream is folded now: the problems the fold found are said with the others.
    if let Answer::Opened(opened) = ctx.engine.ask_worker(Request::Status, None).await.0 {
        if ctx.load.is_current(load) {
            ctx.opened.set(Some(opened));
        }
    }
}

/// Asks the worker one request of the load (text handed over whole), with bytes beside it
/// where given. `begin` makes the worker's source the one the panels ask about; a refusal ends
/// the load with the reason as its problem. `None` when the load went stale or was refused.
async fn ask(run: &mut Run, request: Request, bytes: Option<Uint8Array>) -> Option<Opened> {
    let opens = matches!(request, Request::Begin { .. });
    let answer = run.ctx.engine.ask_worker(request, bytes).await.0;
    if !run.is_current() {
        return None;
    }
    if opens {
        run.ctx.engine.in_worker.set(true);
        run.ctx.engine.changed();
    }
    match answer {
        Answer::Opened(opened) => Some(opened),
        other => {
            refused(run, other);
            None
        }
    }
}

/// Ends the load with why the engine did not answer as asked.
pub(super) fn refused(run: &Run, answer: Answer) {
    let words = super::engine::unexpected(&answer).to_string();
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
        .load
        .progress
        .with_untracked(|p| p.as_ref().and_then(|p| p.n_shown));
    let grown = opened.n_events > shown.unwrap_or(0);
    let preview = grown && (shown.is_none() || now - shown_at.get() >= SHOW_EVERY_MS);
    ctx.load.progress.update(|progress| {
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
