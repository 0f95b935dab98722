//! Loading, the browser side: start a load of a URL, a file or pasted text in the engine's
//! worker (`ui::feed`, `ui::follow`), which reads it through the ingest step machine (and
//! fetches a URL and reads a file itself). Everything that decides anything (cutting lines, the
//! format, feed pages, ordering, folding, the checks) is the engine's; this file starts loads,
//! shows how far they came, and fetches the documents a view names, with the credential and a
//! host's headers only ever to their origin.
//!
//! Every load has an identity (`LoadState::id`). Starting a load makes every older one stale:
//! a stale load stops at its next step and shows nothing, so a slow source never replaces the
//! one the person asked for after it.

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;

use super::context::{AppCtx, Local, PackInfo, Progress};
use super::engine::Engine;
use super::feed;
use chronoscope_core::decode::{Place, Problem, ProblemKind};
use chronoscope_core::link::ViewState;
use chronoscope_core::origin;
use chronoscope_core::waiting::retries_by_itself;
use chronoscope_fetch::fetch_problem;
use chronoscope_protocol::{Answer, Keys, Request};

/// Where the bundled demo is served from.
pub const DEMO_URL: &str = "demo/cambium-demo.ndjson";

/// The projection the bundled demo is read with.
pub const DEMO_PROJECTION_URL: &str = "demo/cambium.projection.json";

/// Fetches a URL and loads it, NDJSON as it arrives; a KurrentDB feed page by page; a followed
/// source (`follow=`) live. A failed fetch becomes a problem naming the URL and status.
pub async fn load_url(ctx: AppCtx, url: String, label: String) {
    ctx.load.auto_retries.set_value(0);
    feed::url(Run::start(ctx, label), url).await
}

/// *Retry*: reads on a load that broke off from the end of its last whole line (with an HTTP
/// `Range` where the server serves ranges, else fetching again and skipping what was read), or
/// asks again for the feed page that failed. What was read stays; nothing is read twice.
pub async fn retry(ctx: AppCtx) {
    feed::retry(ctx).await
}

/// Counts down the wait a server asked for, on *Retry*, then reads on by itself, unless it has
/// done so `AUTO_RETRIES` times in a row, the wait is too long, or another load started.
pub(super) fn retry_after_wait(ctx: AppCtx, wait_s: u64, load: u64) {
    let tried = ctx.load.auto_retries.get_value();
    if !retries_by_itself(wait_s, tried) {
        return;
    }
    ctx.load.auto_retries.set_value(tried + 1);
    leptos::task::spawn_local(async move {
        for left in (1..=wait_s).rev() {
            ctx.load.retry_in.set(Some(left));
            TimeoutFuture::new(1000).await;
            if !ctx.load.is_current(load) {
                return;
            }
        }
        ctx.load.retry_in.set(None);
        retry(ctx).await;
    });
}

/// Reads a local file the user chose or dropped, as it is read from the disk, and keeps it so
/// that it can be read again with other choices.
pub async fn load_file(ctx: AppCtx, file: web_sys::File) {
    feed::file(Run::start(ctx, file.name()), file).await
}

/// Opens an evidence pack in the engine: it checks the pack's files against its manifest, takes
/// its view (the link it was made with, its projection and mapping), and opens its events, so
/// that the link's `h=` is checked against them. Nothing is fetched.
pub async fn load_pack(ctx: AppCtx, file: web_sys::File) {
    let name = file.name();
    let place = || Place::File(name.clone());
    let run = Run::start(ctx, format!("evidence pack {name}"));
    // The worker reads the file: its bytes never cross the page.
    let request = Request::OpenPack { name: name.clone() };
    let answer = ctx.engine.read(request, Some(file.clone()), |_| {}).await;
    if !run.is_current() {
        return;
    }
    if matches!(answer, Answer::PackOpened(_)) {
        ctx.engine.in_worker.set(true);
        ctx.engine.changed();
    }
    let pack = match answer {
        Answer::PackOpened(pack) => pack,
        Answer::Refused(refusal) => {
            ctx.load.progress.set(None);
            return pack_failed(ctx, place(), super::engine::refused(&refusal));
        }
        other => return feed::refused(&run, other),
    };
    ctx.view.set(ViewState::from_query(&pack.link).0);
    ctx.needs_file.set(None);
    ctx.pack.set(Some(PackInfo {
        name,
        n_files: pack.n_files,
        tampered: pack.tampered,
    }));
    ctx.local_text.set_value(Some(Local::Pack(file)));
    feed::done(&run, pack.opened, None);
}

fn pack_failed(ctx: AppCtx, place: Place, message: String) {
    ctx.pack.set(None);
    ctx.source_problems
        .update(|problems| problems.push(Problem::new(place, ProblemKind::Document(message))));
}

/// Reads pasted text (or a host's events).
pub async fn load_text(ctx: AppCtx, text: String, label: String) {
    feed::text(Run::start(ctx, label), text).await
}

/// Adds records a host page sent (`ui::embed`) to the source it loaded: only they are decoded,
/// indexed and folded. False when no source is open for them.
pub fn append_live(ctx: AppCtx, lines: &str) -> bool {
    feed::append(ctx, lines.to_string())
}

/// Reads a source kept from an earlier load (a file, a paste or a pack) again, with the view's
/// current choices.
pub async fn load_kept(ctx: AppCtx, kept: Local, label: String) {
    match kept {
        Local::File(file) => load_file(ctx, file).await,
        Local::Text(text) => load_text(ctx, text, label).await,
        Local::Pack(file) => load_pack(ctx, file).await,
        Local::Served(label) => load_served(ctx, label).await,
    }
}

/// Has the native engine the panel is connected to read the source it serves under `label`.
pub async fn load_served(ctx: AppCtx, label: String) {
    feed::served(Run::start(ctx, label)).await
}

/// One load: its identity, what it is called, and when it last showed what the engine holds.
#[derive(Clone)]
pub(super) struct Run {
    pub(super) ctx: AppCtx,
    pub(super) id: u64,
    pub(super) label: String,
    /// When what the engine holds was last shown while the rest arrives (0: not yet).
    pub(super) shown_at: Rc<Cell<f64>>,
}

impl Run {
    /// Starts a load, which makes every older load stale.
    pub(super) fn start(ctx: AppCtx, label: String) -> Run {
        let id = ctx.load.start();
        ctx.follow.reset();
        let run = Run {
            ctx,
            id,
            label,
            shown_at: Rc::default(),
        };
        run.show_bytes(0, None);
        run
    }

    /// True while no newer load has started.
    pub(super) fn is_current(&self) -> bool {
        self.ctx.load.is_current(self.id)
    }

    /// Shows how many bytes have arrived, of how many.
    pub(super) fn show_bytes(&self, bytes: u64, total_bytes: Option<u64>) {
        self.ctx.load.progress.update(|progress| {
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

    /// Says which page of a feed is being read.
    pub(super) fn show_page(&self, page: usize) {
        self.ctx.load.progress.update(|progress| {
            if let Some(progress) = progress {
                progress.label = format!("{}, page {page}", self.label);
            }
        });
    }

    /// Shows why nothing could be loaded.
    pub(super) fn fail(&self, problem: Problem) {
        if !self.is_current() {
            return;
        }
        self.ctx.load.progress.set(None);
        self.ctx.opened.set(None);
        self.ctx.engine.in_worker.set(false);
        self.ctx
            .source_problems
            .update(|problems| problems.push(problem));
    }
}

/// The page's own address, which relative sources are read against.
pub(super) fn page_address() -> String {
    window().location().href().unwrap_or_default()
}

/// Fetches a whole document (a mapping, a projection, the page's `config.json`) as text, never
/// with the credential: a view's documents, and a projection someone asked for in the editor.
/// The engine's worker fetches it; the page makes no request of its own.
pub async fn fetch_document(engine: Engine, address: &str) -> Result<String, Problem> {
    let url = origin::resolve(address, &page_address())
        .map_err(|err| fetch_problem(address, 0, err.to_string()))?;
    let request = Request::Fetch {
        url: url.to_string(),
        secrets: None,
    };
    match engine.ask_worker(request, None).await.0 {
        Answer::Fetched { text } => Ok(text),
        Answer::FetchFailed {
            url,
            status,
            message,
        } => Err(fetch_problem(&url, status, message)),
        Answer::Refused(refusal) => Err(fetch_problem(url.as_str(), 0, refusal.to_string())),
        other => Err(fetch_problem(
            url.as_str(),
            0,
            super::engine::unexpected(&other).to_string(),
        )),
    }
}

/// What a source's requests may carry, each part for its own origin: the credential typed for
/// one, and a host page's headers for its source's. The engine's side sends each request only
/// what is for its origin (`core::origin::secrets_for`).
pub(super) fn keys(ctx: &AppCtx) -> Keys {
    Keys {
        credential: ctx.credential.get_untracked(),
        host: ctx.host_headers.get_value(),
    }
}

/// The size of the page's WebAssembly memory, in bytes.
pub fn memory_bytes() -> u64 {
    core::arch::wasm32::memory_size(0) as u64 * 65_536
}
