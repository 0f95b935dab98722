//! Loading, the browser side: fetch a URL, read a file or take pasted text, and give the bytes
//! to the engine's worker (`ui::feed`, `ui::follow`), which reads them through the ingest step
//! machine. Everything that decides anything (cutting lines, the format, feed pages, ordering,
//! folding, the checks) is the engine's; this file only starts loads and moves bytes, with the
//! credential and a host's headers only ever to their origin.
//!
//! Every load has an identity (`AppCtx::load_id`). Starting a load makes every older one stale:
//! a stale load stops at its next step and shows nothing, so a slow source never replaces the
//! one the person asked for after it.

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use js_sys::{Reflect, Uint8Array};
use leptos::prelude::*;
use url::Url;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::context::{AppCtx, Local, PackInfo, Progress};
use super::feed;
use chronoscope_core::decode::{kurrent, Place, Problem, ProblemKind};
use chronoscope_core::link::ViewState;
use chronoscope_core::origin;
use chronoscope_core::waiting::{retries_by_itself, retry_after, ANSWER_WAIT_MS};
use chronoscope_protocol::{Answer, Request};

/// Where the bundled demo is served from.
pub const DEMO_URL: &str = "demo/cambium-demo.ndjson";

/// The projection the bundled demo is read with.
pub const DEMO_PROJECTION_URL: &str = "demo/cambium.projection.json";

/// Fetches a URL and loads it, NDJSON as it arrives; a KurrentDB feed page by page; a followed
/// source (`follow=`) live. A failed fetch becomes a problem naming the URL and status.
pub async fn load_url(ctx: AppCtx, url: String, label: String) {
    ctx.auto_retries.set_value(0);
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
    let tried = ctx.auto_retries.get_value();
    if !retries_by_itself(wait_s, tried) {
        return;
    }
    ctx.auto_retries.set_value(tried + 1);
    leptos::task::spawn_local(async move {
        for left in (1..=wait_s).rev() {
            ctx.retry_in.set(Some(left));
            TimeoutFuture::new(1000).await;
            if ctx.load_id.try_get_value() != Some(load) {
                return;
            }
        }
        ctx.retry_in.set(None);
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
    let bytes = match JsFuture::from(file.array_buffer()).await {
        Ok(buffer) => Uint8Array::new(&buffer),
        Err(err) => return pack_failed(ctx, place(), format!("cannot be read: {}", js_text(&err))),
    };
    let run = Run::start(ctx, format!("evidence pack {name}"));
    let request = Request::OpenPack { name: name.clone() };
    let Some(answer) = feed::ask_answer(&run, request, Some(bytes)).await else {
        return;
    };
    let pack = match answer {
        Answer::PackOpened(pack) => pack,
        Answer::Refused(refusal) => {
            ctx.progress.set(None);
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
    }
}

/// Fetches a projection someone asked for in the editor: like any other document, without the
/// source's credential, and without touching the load's progress.
pub async fn fetch_projection(ctx: &AppCtx, url: &str) -> Result<String, Problem> {
    fetch_document(ctx, url).await
}

/// One load: its identity, what it is called, and when it last showed what the engine holds.
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
        let id = ctx.load_id.get_value().wrapping_add(1);
        ctx.load_id.set_value(id);
        ctx.can_retry.set(false);
        ctx.retry_in.set(None);
        ctx.report.set(None);
        ctx.complete.set(false);
        ctx.resume.set_value(None);
        // An older load that was followed stops at its next look; its status goes with it.
        ctx.follow_status.set(Default::default());
        ctx.follow_paused.set(false);
        ctx.n_new.set(0);
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
        self.ctx.load_id.try_get_value() == Some(self.id)
    }

    /// Shows how many bytes have arrived, of how many.
    pub(super) fn show_bytes(&self, bytes: u64, total_bytes: Option<u64>) {
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

    /// Says which page of a feed is being read.
    pub(super) fn show_page(&self, page: usize) {
        self.ctx.progress.update(|progress| {
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
        self.ctx.progress.set(None);
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
pub(super) fn is_temporary(problem: &Problem) -> bool {
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
    pub(super) received: u64,
    pub(super) total: Option<u64>,
    /// Whether the server serves byte ranges of the bytes as sent (`Accept-Ranges: bytes`, no
    /// `Content-Encoding`): a Retry can then ask for the rest alone.
    pub(super) ranges: bool,
    /// Bytes of the source still to be skipped: a Retry the server answered from the start.
    skip: u64,
}

impl Download {
    pub(super) fn new(
        stream: web_sys::ReadableStream,
        place: Place,
        total: Option<u64>,
    ) -> Download {
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
    pub(super) fn skip_to(&mut self, offset: u64) {
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

/// A JavaScript error or value, in words.
pub(super) fn js_text(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|err| String::from(err.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
