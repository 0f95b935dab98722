//! Loading, the browser side: fetch a URL, read a file or take pasted text, and move the bytes
//! into the core's ingest step machine (`core::ingest`), yielding to the page between steps so
//! that it never freezes. Everything that decides anything (cutting lines, the format, feed
//! pages, ordering, folding) is the core's; this file only reads bytes, feeds, steps and yields.
//!
//! Every load has an identity (`AppCtx::load_id`). Starting a load makes every older one stale:
//! a stale load stops at its next yield and shows nothing, so a slow source never replaces the
//! one the person asked for after it.

use std::sync::Arc;

use gloo_timers::future::TimeoutFuture;
use js_sys::{Reflect, Uint8Array};
use leptos::prelude::*;
use url::Url;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::context::{AppCtx, Loaded, PackInfo, Progress};
use chronoscope_core::decode::{kurrent, Place, Problem, ProblemKind};
use chronoscope_core::evidence::{check_state, reopen};
use chronoscope_core::ingest::setup::{documents_of, prepare, DocumentSource, Documents};
use chronoscope_core::ingest::{
    over_budget, Ingest, KeptSource, Outcome, ResumePoint, Step, BATCH, MEMORY_BUDGET_MB,
};
use chronoscope_core::integrity::Checker;
use chronoscope_core::origin;
use chronoscope_core::waiting::{retries_by_itself, retry_after, StallWatch, ANSWER_WAIT_MS};

/// Where the bundled demo is served from.
pub const DEMO_URL: &str = "demo/cambium-demo.ndjson";

/// The projection the bundled demo is read with.
pub const DEMO_PROJECTION_URL: &str = "demo/cambium.projection.json";

/// How long the loader works before it yields, so that no task comes near 50 ms even while the
/// WebAssembly code is still running unoptimized (V8 compiles it better as it goes).
const BUDGET_MS: f64 = 12.0;

/// Fetches a URL and loads it, NDJSON as it arrives; a KurrentDB feed page by page. A failed
/// fetch becomes a problem naming the URL and status.
pub async fn load_url(ctx: AppCtx, url: String, label: String) {
    ctx.auto_retries.set_value(0);
    read_url(ctx, Err(url), label).await
}

/// *Retry*: reads on a load that broke off from the end of its last whole line (with an HTTP
/// `Range` where the server serves ranges, else fetching again and skipping what was read), or
/// asks again for the feed page that failed. What was read stays; nothing is read twice.
pub async fn retry(ctx: AppCtx) {
    if let Some(ingest) = ctx.resumable.try_update_value(Option::take).flatten() {
        let label = ctx
            .loaded
            .with_untracked(|l| l.as_ref().map(|l| l.label.clone()))
            .unwrap_or_default();
        read_url(ctx, Ok(ingest), label).await
    }
}

/// Reads a URL from its start (`Err(address)`), or on from where a held load stopped. One
/// function for both, so that the bundle holds one copy of the load's steps.
async fn read_url(ctx: AppCtx, source: Result<Ingest, String>, label: String) {
    let mut run = Run::start(ctx, label, false);
    let (mut ingest, from, ranges) = match source {
        Ok(mut ingest) => {
            run.projection_text = ctx
                .loaded
                .with_untracked(|l| l.as_ref().and_then(|l| l.projection_text.clone()));
            let (from, ranges) = match ingest.resume_point() {
                Some(&ResumePoint::Byte { offset, ranges }) => (Some(offset), ranges),
                _ => (None, false),
            };
            ingest.resume();
            (ingest, from, ranges)
        }
        Err(address) => {
            let Some(mut ingest) = run.prepare().await else {
                return;
            };
            match origin::resolve(&address, &page_address()) {
                Ok(url) => ingest.set_source_url(url),
                Err(err) => return run.fail(fetch_problem(&address, 0, err.to_string())),
            }
            (ingest, Some(0), false)
        }
    };
    let mut asked_wait = None;
    // A failed feed page is asked for again by the ingest itself; bytes are fetched otherwise.
    if let (Some(from), Some(url)) = (from, ingest.source_url().cloned()) {
        let range = if ranges { from } else { 0 };
        match Download::fetch(
            &ctx,
            &url,
            Ask {
                from: range,
                ..Ask::with(Send::Credential)
            },
        )
        .await
        {
            Ok(download) if from == 0 && ctx.view.with_untracked(|v| v.follow.is_some()) => {
                return leptos::task::spawn_local(super::follow::follow(run, ingest, download));
            }
            Ok(mut download) => {
                download.skip_to(from);
                ingest.serves_ranges(download.ranges);
                if !run.pump(&mut ingest, download).await {
                    return;
                }
            }
            // A server that is busy or briefly failing, or a Retry that failed: the load waits
            // for a Retry, which comes by itself when the server said when.
            Err(problem) if from > 0 || is_temporary(&problem) => {
                if let ProblemKind::TryLater {
                    wait_s: Some(wait_s),
                    ..
                } = problem.kind
                {
                    asked_wait = Some(wait_s);
                }
                ingest.broke_off(problem)
            }
            Err(problem) => return run.fail(problem),
        }
    }
    if run.drive(&mut ingest).await {
        run.publish(ingest);
        if let Some(wait_s) = asked_wait {
            retry_after_wait(ctx, wait_s, run.id);
        }
    }
}

/// Counts down the wait a server asked for, on *Retry*, then reads on by itself, unless it has
/// done so `AUTO_RETRIES` times in a row, the wait is too long, or another load started.
fn retry_after_wait(ctx: AppCtx, wait_s: u64, load: u64) {
    let tried = ctx.auto_retries.get_value();
    if !retries_by_itself(wait_s, tried) {
        return;
    }
    ctx.auto_retries.set_value(tried + 1);
    leptos::task::spawn_local(async move {
        for left in (1..=wait_s).rev() {
            ctx.retry_in.set(Some(left));
            TimeoutFuture::new(1000).await;
            if ctx.load_id.get_value() != load {
                return;
            }
        }
        ctx.retry_in.set(None);
        retry(ctx).await;
    });
}

/// Reads a local file the user chose or dropped, NDJSON as it arrives, and keeps its text so
/// that it can be read again with other choices.
pub async fn load_file(ctx: AppCtx, file: web_sys::File) {
    let name = file.name();
    let mut run = Run::start(ctx, name.clone(), true);
    let Some(mut ingest) = run.prepare().await else {
        return;
    };
    let size = file.size() as u64;
    let download = Download::new(file.stream(), Place::File(name), Some(size));
    if run.pump(&mut ingest, download).await && run.drive(&mut ingest).await {
        run.publish(ingest);
    }
}

/// Opens an evidence pack: checks its files against its manifest, takes its view (the link it
/// was made with, its projection and mapping), and loads its events like any source, so that
/// the link's `h=` is checked against them. Nothing is fetched.
pub async fn load_pack(ctx: AppCtx, file: web_sys::File) {
    let name = file.name();
    let place = || Place::File(name.clone());
    let bytes = match JsFuture::from(file.array_buffer()).await {
        Ok(buffer) => Uint8Array::new(&buffer).to_vec(),
        Err(err) => return pack_failed(ctx, place(), format!("cannot be read: {}", js_text(&err))),
    };
    let pack = match reopen(&bytes, &name) {
        Ok(pack) => pack,
        Err(err) => return pack_failed(ctx, place(), err.to_string()),
    };
    ctx.view.set(pack.view);
    ctx.needs_file.set(None);
    ctx.pack.set(Some(PackInfo {
        name: name.clone(),
        n_files: pack.n_files,
        tampered: pack.tampered,
        state: pack.state,
    }));
    let events = pack.events;
    // Spawned rather than awaited: the one copy of the load machinery that pasted text uses.
    leptos::task::spawn_local(load_text(ctx, events, format!("evidence pack {name}")));
}

fn pack_failed(ctx: AppCtx, place: Place, message: String) {
    ctx.pack.set(None);
    ctx.source_problems
        .update(|problems| problems.push(Problem::new(place, ProblemKind::Document(message))));
}

/// Runs the integrity checks on loaded data a slice at a time, yielding to the page between
/// slices, and shows the report; stops if other data is loaded meanwhile. The first slice waits
/// for a task of its own: the one that showed the data has the panels' work to do.
pub async fn check_integrity(ctx: AppCtx, loaded: Arc<Loaded>) {
    ctx.report.set(None);
    let still_shown = || {
        ctx.loaded
            .with_untracked(|now| now.as_ref().is_some_and(|now| Arc::ptr_eq(now, &loaded)))
    };
    let mut checker = Checker::new(&loaded.timeline, loaded.detection.format, &loaded.problems);
    // Zero: it yields before the first slice.
    let mut worked_since = 0.0;
    loop {
        if js_sys::Date::now() - worked_since >= BUDGET_MS {
            TimeoutFuture::new(0).await;
            // The view was set since this slice began (a key, a drag): its frame is painted first.
            if super::url::view_set_since(worked_since) {
                next_frame().await;
                TimeoutFuture::new(0).await;
            }
            if !still_shown() {
                return;
            }
            worked_since = js_sys::Date::now();
        }
        if checker.step(BATCH) {
            break;
        }
    }
    let report = checker.finish();
    if still_shown() {
        ctx.report.set(Some(Arc::new(report)));
        check_pack_state(ctx, &loaded);
    }
}

/// How long the checks wait for a frame at most: a tab in the background paints no frames,
/// and no result may wait for the tab to be shown.
const FRAME_WAIT_MS: i32 = 100;

/// Waits for the next animation frame, the one that paints what the view just became, or
/// `FRAME_WAIT_MS`, whichever comes first: a background tab has no frames to wait for.
async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().request_animation_frame(&resolve);
        let _ =
            window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, FRAME_WAIT_MS);
    });
    let _ = JsFuture::from(promise).await;
}

/// For data opened from an evidence pack: whether its `state.json` is the state its events
/// replay to (`core::evidence::check_state`).
fn check_pack_state(ctx: AppCtx, loaded: &Loaded) {
    let Some(expected) = ctx
        .pack
        .with_untracked(|p| p.as_ref().and_then(|p| p.state.clone()))
    else {
        return;
    };
    let view = ctx.view.get_untracked();
    if let Some(tamper) = check_state(&expected, &loaded.timeline, &view) {
        ctx.pack.update(|pack| {
            if let Some(pack) = pack {
                pack.tampered.push(tamper.to_string());
            }
        });
    }
}

/// Reads pasted text.
pub async fn load_text(ctx: AppCtx, text: String, label: String) {
    let mut run = Run::start(ctx, label, true);
    let Some(mut ingest) = run.prepare().await else {
        return;
    };
    ingest.feed(text.as_bytes());
    ingest.finish();
    if run.drive(&mut ingest).await {
        run.publish(ingest);
    }
}

/// Adds records a host page sent (`ui::embed`) to the source it loaded: only they are decoded,
/// indexed and folded, and the page shows the grown timeline. False when no source is open for
/// them.
pub fn append_live(ctx: AppCtx, lines: &str) -> bool {
    let Some(mut ingest) = ctx.live.try_update_value(Option::take).flatten() else {
        return false;
    };
    ingest.append(lines.as_bytes());
    ingest.run();
    show_grown(ctx, &ingest);
    ctx.live.set_value(Some(ingest));
    true
}

/// Shows the source an open ingest holds now, grown by live events, and checks it again.
pub(super) fn show_grown(ctx: AppCtx, ingest: &Ingest) {
    let (label, projection_text) = ctx
        .loaded
        .with_untracked(|l| {
            l.as_ref()
                .map(|l| (l.label.clone(), l.projection_text.clone()))
        })
        .unwrap_or_default();
    show_outcome(ctx, ingest.outcome(), label, projection_text, true);
}

/// Shows what a load produced as the loaded source, and starts its integrity checks.
fn show_outcome(
    ctx: AppCtx,
    outcome: Outcome,
    label: String,
    projection_text: Option<String>,
    appended: bool,
) {
    let loaded = Arc::new(Loaded {
        timeline: outcome.timeline,
        problems: outcome.problems,
        detection: outcome.detection,
        label,
        projection_text,
        complete: true,
        appended,
    });
    ctx.loaded.set(Some(loaded.clone()));
    leptos::task::spawn_local(check_integrity(ctx, loaded));
}

/// Reads a source kept from an earlier load (a file or a paste) again, with the view's current
/// choices.
pub async fn load_kept(ctx: AppCtx, kept: KeptSource, label: String) {
    let mut run = Run::start(ctx, label, true);
    let Some(mut ingest) = run.prepare().await else {
        return;
    };
    ingest.feed_kept(&kept);
    if run.drive(&mut ingest).await {
        run.publish(ingest);
    }
}

/// Fetches a projection someone asked for in the editor: like any other document, without the
/// source's credential, and without touching the load's progress.
pub async fn fetch_projection(ctx: &AppCtx, url: &str) -> Result<String, Problem> {
    fetch_document(ctx, url).await
}

/// One load: its identity, what it is called, and when it last yielded.
pub(super) struct Run {
    pub(super) ctx: AppCtx,
    id: u64,
    label: String,
    projection_text: Option<String>,
    /// True for a local source (a file, a paste), whose text is kept for re-reading.
    keeps_text: bool,
    worked_since: f64,
}

impl Run {
    /// Starts a load, which makes every older load stale.
    fn start(ctx: AppCtx, label: String, keeps_text: bool) -> Run {
        let id = ctx.load_id.get_value().wrapping_add(1);
        ctx.load_id.set_value(id);
        ctx.live.set_value(None);
        ctx.resumable.set_value(None);
        ctx.can_retry.set(false);
        ctx.retry_in.set(None);
        ctx.report.set(None);
        // An older load that was followed stops at its next look; its status goes with it.
        ctx.follow_status.set(Default::default());
        ctx.follow_paused.set(false);
        ctx.n_new.set(0);
        let run = Run {
            ctx,
            id,
            label,
            projection_text: None,
            keeps_text,
            worked_since: js_sys::Date::now(),
        };
        run.show_bytes(0, None);
        run
    }

    /// True while no newer load has started.
    pub(super) fn is_current(&self) -> bool {
        self.ctx.load_id.get_value() == self.id
    }

    /// Prepares the ingest with the view's choices (`core::ingest::setup`), fetching the
    /// mapping and projection files it names. `None` when a newer load started meanwhile.
    async fn prepare(&mut self) -> Option<Ingest> {
        let view = self.ctx.view.get_untracked();
        let documents = documents_of(&view, DEMO_PROJECTION_URL);
        let documents = Documents {
            mapping: read_document(&self.ctx, documents.mapping).await,
            projection: read_document(&self.ctx, documents.projection).await,
        };
        if !self.is_current() {
            return None;
        }
        let prepared = prepare(&view, documents);
        self.projection_text = prepared.projection_text;
        let mut ingest = Ingest::new(prepared.setup);
        for problem in prepared.problems {
            ingest.add_problem(problem);
        }
        Some(ingest)
    }

    /// Feeds a download's bytes to the ingest as they arrive, decoding what has arrived between
    /// reads, and finishes it at the end (or keeps what arrived when it breaks off, stalls, or
    /// meets the memory ceiling). Shows the first block as soon as it is decoded. False when
    /// the load went stale.
    async fn pump(&mut self, ingest: &mut Ingest, mut download: Download) -> bool {
        let mut watch = StallWatch::new(js_sys::Date::now(), download.received);
        let budget = self.ctx.view.with_untracked(|v| v.memory_mb);
        let budget = budget.unwrap_or(MEMORY_BUDGET_MB);
        loop {
            let read = download.next_chunk_within(1000).await;
            if !self.is_current() {
                return false;
            }
            match read {
                Ok(Chunk::Bytes(chunk)) => {
                    ingest.feed_with(chunk.length() as usize, |into| chunk.copy_to(into));
                    self.show_bytes(download.received, download.total);
                    if !self.digest(ingest).await {
                        return false;
                    }
                    let whole = download.total == Some(download.received);
                    if !whole && over_budget(memory_bytes(), budget) {
                        download.cancel();
                        ingest.stop_at_ceiling(download.place, budget);
                        return true;
                    }
                }
                Ok(Chunk::Quiet) => {}
                Ok(Chunk::End) => {
                    match download.place {
                        Place::Url { .. } => ingest.download_ended(download.place),
                        _ => ingest.finish(),
                    }
                    return true;
                }
                Err(problem) => {
                    ingest.broke_off(problem);
                    return true;
                }
            }
            // A body that trickles is given up; what came stays, and Retry reads on.
            if let Some(stalled) = watch.check(js_sys::Date::now(), download.received) {
                download.cancel();
                ingest.broke_off(Problem::new(download.place, stalled));
                return true;
            }
        }
    }

    /// Decodes (and, once the source has ended, folds) what has arrived, yielding as it goes,
    /// with a preview when one is due. The loader yields at its first pause after a preview, so
    /// that the panels' work to show it is not added to more decoding; before it, only when its
    /// budget is spent, so that the first rows are not held back. False when the load went
    /// stale.
    pub(super) async fn digest(&mut self, ingest: &mut Ingest) -> bool {
        loop {
            let step = ingest.step(BATCH);
            if ingest.take_preview_ready() {
                if !self.pause(ingest).await {
                    return false;
                }
                self.preview(ingest);
                // The panels run once the loader yields, which the next pause does at once.
                self.worked_since = 0.0;
            }
            if step != Step::Working {
                break;
            }
            if !self.pause(ingest).await {
                return false;
            }
        }
        // What has arrived is decoded: the count says so, whether or not a pause did.
        self.show_progress(ingest);
        true
    }

    /// Steps the ingest to its end, fetching the pages of a feed as it asks for them, and
    /// yields once it is done. False when the load went stale.
    pub(super) async fn drive(&mut self, ingest: &mut Ingest) -> bool {
        let mut n_pages = 1;
        loop {
            match ingest.step(BATCH) {
                Step::Working => {
                    if !self.pause(ingest).await {
                        return false;
                    }
                }
                Step::Fetch(url) => {
                    n_pages += 1;
                    self.show_page(n_pages);
                    let fetched = fetch_bytes(&self.ctx, &url).await;
                    if !self.is_current() {
                        return false;
                    }
                    match fetched {
                        Ok(bytes) => ingest.feed_page(&url, bytes),
                        Err(problem) => ingest.page_failed(problem),
                    }
                }
                Step::NeedBytes => return self.is_current(),
                // What shows the result gets a task of its own, not the replay's last slice.
                Step::Done => return self.yield_now(ingest).await,
            }
        }
    }

    /// Yields to the browser once the load has worked for `BUDGET_MS`, showing progress. False
    /// when a newer load started meanwhile.
    async fn pause(&mut self, ingest: &Ingest) -> bool {
        if js_sys::Date::now() - self.worked_since < BUDGET_MS {
            return true;
        }
        self.yield_now(ingest).await
    }

    /// Shows progress and yields to the browser. False when a newer load started meanwhile.
    async fn yield_now(&mut self, ingest: &Ingest) -> bool {
        self.show_progress(ingest);
        TimeoutFuture::new(0).await;
        self.worked_since = js_sys::Date::now();
        self.is_current()
    }

    fn show_bytes(&self, bytes: u64, total_bytes: Option<u64>) {
        self.ctx.progress.update(|progress| {
            let (n_events, n_shown) = progress
                .as_ref()
                .map_or((0, None), |p| (p.n_events, p.n_shown));
            *progress = Some(Progress {
                label: self.label.clone(),
                bytes,
                total_bytes,
                n_events,
                n_replayed: None,
                n_shown,
            });
        });
    }

    fn show_page(&self, page: usize) {
        self.ctx.progress.update(|progress| {
            if let Some(progress) = progress {
                progress.label = format!("{}, page {page}", self.label);
            }
        });
    }

    /// Shows how many events have been decoded and, once only replay is left, replayed.
    fn show_progress(&self, ingest: &Ingest) {
        let progress = ingest.progress();
        self.ctx.progress.update(|shown| {
            if let Some(shown) = shown {
                shown.n_events = progress.n_events;
                shown.n_replayed = progress.replaying.then_some(progress.n_folded);
            }
        });
    }

    /// Shows what the first block holds while the rest is still being read.
    fn preview(&self, ingest: &Ingest) {
        let (timeline, problems, detection) = ingest.preview();
        // The count shown beside the rows is never behind them.
        self.show_progress(ingest);
        self.ctx.progress.update(|shown| {
            if let Some(shown) = shown {
                shown.n_shown = Some(timeline.len());
            }
        });
        self.ctx.loaded.set(Some(Arc::new(Loaded {
            timeline,
            problems,
            detection,
            label: self.label.clone(),
            projection_text: self.projection_text.clone(),
            complete: false,
            appended: false,
        })));
    }

    /// Shows the loaded source, keeps its text for re-reading (and, in a panel a host drives,
    /// its ingest for live events), and starts its integrity checks.
    pub(super) fn publish(&self, ingest: Ingest) {
        if !self.is_current() {
            return;
        }
        let resumable = ingest.resume_point().is_some() && ingest.source_url().is_some();
        let outcome = match (self.ctx.keeps_live.get_value(), resumable) {
            (true, _) => {
                let outcome = ingest.outcome();
                self.ctx.live.set_value(Some(ingest));
                outcome
            }
            (false, true) => {
                let outcome = ingest.outcome();
                self.ctx.resumable.set_value(Some(ingest));
                self.ctx.can_retry.set(true);
                outcome
            }
            (false, false) => ingest.into_outcome(),
        };
        self.show_done(outcome);
    }

    /// Shows what the load produced as a load that is done (a followed source, once it has
    /// caught up, whose ingest stays with the follow loop), and keeps a local source's text.
    pub(super) fn show_done(&self, mut outcome: Outcome) {
        self.ctx.progress.set(None);
        self.ctx.needs_file.set(None);
        if self.keeps_text {
            let kept = std::mem::replace(&mut outcome.kept, KeptSource::Nothing);
            self.ctx.local_text.set_value(Some(kept));
        }
        let (label, projection_text) = (self.label.clone(), self.projection_text.clone());
        show_outcome(self.ctx, outcome, label, projection_text, false);
    }

    /// Shows why nothing could be loaded.
    fn fail(self, problem: Problem) {
        if !self.is_current() {
            return;
        }
        self.ctx.progress.set(None);
        self.ctx.loaded.set(None);
        self.ctx
            .source_problems
            .update(|problems| problems.push(problem));
    }
}

/// The page's own address, which relative sources are read against.
fn page_address() -> String {
    window().location().href().unwrap_or_default()
}

/// A mapping or projection document's text: as given, or fetched from its address.
async fn read_document(
    ctx: &AppCtx,
    source: Option<DocumentSource>,
) -> Option<(DocumentSource, Result<String, Problem>)> {
    let text = match source.as_ref()? {
        DocumentSource::Inline(text) => Ok(text.clone()),
        DocumentSource::Address(address) => fetch_document(ctx, address).await,
    };
    source.map(|source| (source, text))
}

/// Fetches a whole document (a mapping, a projection) as text, never with the credential.
pub async fn fetch_document(ctx: &AppCtx, address: &str) -> Result<String, Problem> {
    let url = origin::resolve(address, &page_address())
        .map_err(|err| fetch_problem(address, 0, err.to_string()))?;
    let bytes = read_all(Download::fetch(ctx, &url, Ask::with(Send::NoCredential)).await?).await?;
    String::from_utf8(bytes).map_err(|_| {
        Problem::new(
            Place::Url {
                url: url.to_string(),
                status: 200,
            },
            ProblemKind::NotUtf8,
        )
    })
}

/// Fetches one page of a feed, with the credential if the page is on its origin.
async fn fetch_bytes(ctx: &AppCtx, url: &Url) -> Result<Vec<u8>, Problem> {
    fetch_page(ctx, url, &[], None).await
}

/// Fetches one page of a feed with extra headers (a long-poll's), with the credential if the
/// page is on its origin; `abort` can cancel the request.
pub(super) async fn fetch_page(
    ctx: &AppCtx,
    url: &Url,
    extra: &[(&str, &str)],
    abort: Option<&web_sys::AbortSignal>,
) -> Result<Vec<u8>, Problem> {
    let ask = Ask {
        extra,
        abort,
        ..Ask::with(Send::Credential)
    };
    read_all(Download::fetch(ctx, url, ask).await?).await
}

async fn read_all(mut download: Download) -> Result<Vec<u8>, Problem> {
    let mut bytes = Vec::new();
    while let Some(chunk) = download.next_chunk().await? {
        let start = bytes.len();
        bytes.resize(start + chunk.length() as usize, 0);
        chunk.copy_to(&mut bytes[start..]);
    }
    Ok(bytes)
}

fn fetch_problem(url: &str, status: u16, message: String) -> Problem {
    Problem::new(url_place(url, status), ProblemKind::Fetch(message))
}

/// A problem after which the load waits for a Retry: an answer that says to try again later,
/// or none at all.
fn is_temporary(problem: &Problem) -> bool {
    matches!(
        problem.kind,
        ProblemKind::TryLater { .. } | ProblemKind::NoAnswer { .. }
    )
}

/// A status that says to try again later: 408, 429, 500, 502, 503 or 504.
fn is_temporary_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// What a promise settled with, or `None` when it had not within `ms` (it goes on, and can be
/// waited for again).
pub(super) async fn within(promise: &js_sys::Promise, ms: i32) -> Option<Result<JsValue, JsValue>> {
    let timer = js_sys::Promise::new(&mut |resolve, _| {
        // A timer that cannot be set makes the race wait for the promise alone.
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    // The timer settles with `undefined`; a read or a fetch here never does.
    let first = js_sys::Promise::race(&js_sys::Array::of2(promise, &timer));
    match JsFuture::from(first).await {
        Ok(value) if value.is_undefined() => None,
        settled => Some(settled),
    }
}

/// What `Download::next_chunk_within` found.
pub(super) enum Chunk {
    Bytes(Uint8Array),
    /// Nothing came in time; the stream is still open.
    Quiet,
    End,
}

/// How a request is made: whether it may carry the credential, from which byte of the source
/// (an HTTP `Range` when not 0), with which extra headers, and what can cancel it.
#[derive(Clone, Copy)]
pub(super) struct Ask<'a> {
    pub(super) send: Send,
    pub(super) from: u64,
    pub(super) extra: &'a [(&'a str, &'a str)],
    pub(super) abort: Option<&'a web_sys::AbortSignal>,
}

impl Ask<'_> {
    /// A whole GET, with nothing extra.
    pub(super) fn with(send: Send) -> Ask<'static> {
        Ask {
            send,
            from: 0,
            extra: &[],
            abort: None,
        }
    }
}

/// Whether a request may carry the user's credential (only ever to the credential's origin).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Send {
    Credential,
    NoCredential,
}

/// The bytes of a response or a file, read a chunk at a time as they arrive.
pub(super) struct Download {
    reader: web_sys::ReadableStreamDefaultReader,
    /// A read that was still waiting when `next_chunk_within` stopped waiting for it.
    waiting: Option<js_sys::Promise>,
    /// Where the bytes come from, for problems: a URL and its status, or a file.
    pub(super) place: Place,
    /// The response's `Content-Type`, which tells server-sent events apart.
    pub(super) content_type: Option<String>,
    received: u64,
    total: Option<u64>,
    /// Whether the server serves byte ranges of the bytes as sent (`Accept-Ranges: bytes`, no
    /// `Content-Encoding`): a Retry can then ask for the rest alone.
    ranges: bool,
    /// Bytes of the source still to be skipped: a Retry the server answered from the start.
    skip: u64,
}

impl Download {
    fn new(stream: web_sys::ReadableStream, place: Place, total: Option<u64>) -> Download {
        Download {
            reader: stream.get_reader().unchecked_into(),
            waiting: None,
            place,
            content_type: None,
            received: 0,
            total,
            ranges: false,
            skip: 0,
        }
    }

    /// Reads on from byte `offset` of the source: a range answer starts there; any other
    /// answer starts at byte 0, and what comes before `offset` is skipped.
    fn skip_to(&mut self, offset: u64) {
        if self.received == 0 {
            self.skip = offset;
            self.received = offset;
        }
    }

    /// Sends a GET request as `ask` says; an answer that is not 2xx is a problem naming the URL
    /// and status, and one that says to try later carries the wait its `Retry-After` asks for.
    /// A request that nothing else can cancel is given up when no answer comes in time.
    pub(super) async fn fetch(ctx: &AppCtx, url: &Url, ask: Ask<'_>) -> Result<Download, Problem> {
        let (address, from) = (url.as_str(), ask.from);
        let own_abort = match ask.abort {
            Some(_) => None,
            None => web_sys::AbortController::new().ok(),
        };
        let own_signal = own_abort.as_ref().map(web_sys::AbortController::signal);
        let ask = Ask {
            abort: ask.abort.or(own_signal.as_ref()),
            ..ask
        };
        let request = build_request(ctx, url, ask).map_err(|err| {
            fetch_problem(address, 0, format!("not a URL that can be fetched: {err}"))
        })?;
        let response = answer(request, own_abort.as_ref())
            .await
            .map_err(|kind| Problem::new(url_place(address, 0), kind))?;
        // Only a request that carries a credential or headers is sent with `redirect: manual`.
        if response.type_() == web_sys::ResponseType::Opaqueredirect {
            let place = Place::Redirected {
                url: address.to_string(),
            };
            return Err(Problem::new(place, ProblemKind::RedirectNotFollowed));
        }
        let status = response.status();
        let headers = response.headers();
        let header = |name: &str| headers.get(name).ok().flatten();
        if !response.ok() {
            let hint = if status == 401 || status == 403 {
                "; enter a credential under Credentials… and load again"
            } else {
                ""
            };
            let answer = format!(
                "the server answered {status} {}{hint}",
                response.status_text()
            );
            if !is_temporary_status(status) {
                return Err(fetch_problem(address, status, answer));
            }
            let wait_s = header("retry-after").and_then(|v| retry_after(&v, chrono::Utc::now()));
            let kind = ProblemKind::TryLater { answer, wait_s };
            return Err(Problem::new(url_place(address, status), kind));
        }
        let total = header("content-length").and_then(|len| len.parse::<u64>().ok());
        let ranges = header("accept-ranges").as_deref() == Some("bytes")
            && header("content-encoding").is_none();
        // A range answer must start where it was asked to (`bytes N-…`).
        let from_byte = match (status, header("content-range")) {
            (206, Some(range)) if range.starts_with(&format!("bytes {from}-")) => from,
            (206, _) => {
                let message =
                    format!("the server answered a range that does not start at byte {from}");
                return Err(fetch_problem(address, status, message));
            }
            _ => 0,
        };
        let body = match response.body() {
            Some(body) => body,
            // No body at all: an empty stream.
            None => web_sys::ReadableStream::new()
                .map_err(|err| fetch_problem(address, status, js_text(&err)))?,
        };
        let place = url_place(address, status);
        let mut download = Download::new(body, place, total.map(|n| n + from_byte));
        download.content_type = header("content-type");
        download.ranges = ranges;
        download.received = from_byte;
        Ok(download)
    }

    /// The next chunk of bytes, still in the browser's memory, or `None` at the end.
    async fn next_chunk(&mut self) -> Result<Option<Uint8Array>, Problem> {
        let read = self.waiting.take().unwrap_or_else(|| self.reader.read());
        let chunk = JsFuture::from(read)
            .await
            .map_err(|err| self.broke_off(&err))?;
        Ok(self.take_read(chunk))
    }

    /// Like `next_chunk`, but says `Chunk::Quiet` when nothing came within `ms`; the read goes
    /// on waiting, for the next call.
    pub(super) async fn next_chunk_within(&mut self, ms: i32) -> Result<Chunk, Problem> {
        let read = self.waiting.take().unwrap_or_else(|| self.reader.read());
        let chunk = match within(&read, ms).await {
            Some(chunk) => chunk.map_err(|err| self.broke_off(&err))?,
            None => {
                self.waiting = Some(read);
                return Ok(Chunk::Quiet);
            }
        };
        Ok(match self.take_read(chunk) {
            Some(bytes) => Chunk::Bytes(bytes),
            None => Chunk::End,
        })
    }

    /// Closes the connection.
    pub(super) fn cancel(&self) {
        let _ = self.reader.cancel();
    }

    fn broke_off(&self, err: &JsValue) -> Problem {
        Problem::new(self.place.clone(), ProblemKind::BrokeOff(js_text(err)))
    }

    /// The bytes of a finished read, or `None` when the stream is done.
    fn take_read(&mut self, chunk: JsValue) -> Option<Uint8Array> {
        let done = Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            return None;
        }
        let value = Reflect::get(&chunk, &"value".into()).unwrap_or(JsValue::UNDEFINED);
        let bytes = Uint8Array::new(&value);
        let skipped = self.skip.min(u64::from(bytes.length()));
        self.skip -= skipped;
        if skipped > 0 {
            // Bytes before the resume point were read already: the rest of the chunk is new.
            return Some(bytes.subarray(skipped as u32, bytes.length()));
        }
        self.received += u64::from(bytes.length());
        Some(bytes)
    }
}

/// The size of the page's WebAssembly memory, in bytes.
pub fn memory_bytes() -> u64 {
    core::arch::wasm32::memory_size(0) as u64 * 65_536
}

/// The answer to `request`. When this side can cancel it (`abort`), no answer within
/// `ANSWER_WAIT_MS` is a problem, and the request is cancelled.
async fn answer(
    request: gloo_net::http::Request,
    abort: Option<&web_sys::AbortController>,
) -> Result<web_sys::Response, ProblemKind> {
    // Sent with the browser's `fetch` rather than gloo-net's `send`, whose future hides the
    // promise that the wait races with a timer (`within`); wrapping that future in a promise
    // again cost the bundle 300 B it does not have.
    let sent = window().fetch_with_request(&request.into());
    let settled = match abort {
        None => JsFuture::from(sent).await,
        Some(abort) => match within(&sent, ANSWER_WAIT_MS as i32).await {
            Some(settled) => settled,
            None => {
                abort.abort();
                let seconds = u64::from(ANSWER_WAIT_MS / 1000);
                return Err(ProblemKind::NoAnswer { seconds });
            }
        },
    };
    settled.map(JsCast::unchecked_into).map_err(|err| {
        ProblemKind::Fetch(format!(
            "could not fetch: {} (the network failed, or the server does not allow cross-origin requests)",
            js_text(&err)
        ))
    })
}

fn url_place(address: &str, status: u16) -> Place {
    Place::Url {
        url: address.to_string(),
        status,
    }
}

/// A GET request with our headers. It is built with web-sys rather than gloo-net's builder,
/// because that builder appends a stray `&` to a URL that already has a query. The credential
/// goes only to the origin it was typed for, and a host's headers only to its source's origin.
fn build_request(ctx: &AppCtx, url: &Url, ask: Ask<'_>) -> Result<gloo_net::http::Request, String> {
    let Ask {
        send,
        from,
        extra,
        abort,
    } = ask;
    let headers = web_sys::Headers::new().map_err(|e| js_text(&e))?;
    headers
        .set("Accept", kurrent::ACCEPT)
        .map_err(|e| js_text(&e))?;
    if from > 0 {
        headers
            .set("Range", &format!("bytes={from}-"))
            .map_err(|e| js_text(&e))?;
    }
    let authorization = (send == Send::Credential)
        .then(|| ctx.credential.with_untracked(|c| c.header_for(url)))
        .flatten();
    if let Some(authorization) = &authorization {
        headers
            .set("Authorization", authorization)
            .map_err(|e| js_text(&e))?;
    }
    let from_host = (send == Send::Credential)
        .then(|| {
            ctx.host_headers
                .with_value(|h| h.as_ref().map(|h| h.to(url).to_vec()))
        })
        .flatten()
        .unwrap_or_default();
    // A request that carries what is for one origin follows no redirect: the browser would take
    // the host's headers along to wherever it leads.
    let carries_secrets = authorization.is_some() || !from_host.is_empty();
    for (name, value) in from_host {
        headers.set(&name, &value).map_err(|e| js_text(&e))?;
    }
    for (name, value) in extra {
        headers.set(name, value).map_err(|e| js_text(&e))?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_signal(abort);
    if carries_secrets {
        init.set_redirect(web_sys::RequestRedirect::Manual);
    }
    let request =
        web_sys::Request::new_with_str_and_init(url.as_str(), &init).map_err(|e| js_text(&e))?;
    Ok(request.into())
}

fn js_text(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|err| String::from(err.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
