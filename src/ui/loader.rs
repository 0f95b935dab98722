//! Loading: fetch a URL (with progress, and page by page for a KurrentDB feed), read a file or
//! take pasted text, then decode and replay it in slices so the page never freezes, and publish
//! the result into the context.
//!
//! NDJSON is decoded while it arrives: the bytes of a fetch or a file are cut into blocks of
//! whole lines, and each block is decoded and replayed before the next is read. Nothing ever
//! holds the whole source in one piece, and no step walks all of it at once. Other sources (a
//! JSON document, a KurrentDB feed) can only be decoded whole, so they are read whole first.

use std::sync::Arc;

use gloo_timers::future::TimeoutFuture;
use js_sys::{Reflect, Uint8Array};
use leptos::prelude::*;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::context::{AppCtx, Loaded, Progress};
use crate::core::decode::mapping::Mapping;
use crate::core::decode::DecodeOptions;
use crate::core::decode::{
    detect_text, is_ndjson, kurrent, ndjson_records_from, order_by_position, split_records,
    Decoder, Detection, Format, Place, Problem, Record,
};
use crate::core::event::Event;
use crate::core::link::parse_offset;
use crate::core::projection::Projection;
use crate::core::timeline::Timeline;

/// Where the bundled demo is served from.
pub const DEMO_URL: &str = "demo/cambium-demo.ndjson";

/// The projection the bundled demo is read with.
pub const DEMO_PROJECTION_URL: &str = "demo/cambium.projection.json";

/// How many records are decoded, or events folded, at a time; after each batch the loader
/// yields to the browser if it has worked for `BUDGET_MS`.
const BATCH: usize = 250;

/// How long the loader works before it yields, so that no task comes near 50 ms even while the
/// WebAssembly code is still running unoptimized (V8 compiles it better as it goes).
const BUDGET_MS: f64 = 12.0;

/// NDJSON arrives in blocks of whole lines of at least this many bytes.
const BLOCK_BYTES: usize = 1 << 20;

/// How much of a source is looked at before deciding whether it is NDJSON; the first block is
/// no bigger, so that the first rows show soon after the first bytes.
const SNIFF_BYTES: usize = 16 << 10;

/// A KurrentDB read stops after this many pages, whatever the links say.
const MAX_PAGES: usize = 100_000;

/// Decodes text into a timeline, a slice at a time, across one or more pages of a source.
struct Ingest {
    ctx: AppCtx,
    decoder: Decoder,
    projection_text: Option<String>,
    timeline: Timeline,
    /// Events held back to be put in the store's order before replay.
    events: Vec<Event>,
    n_events: usize,
    problems: Vec<Problem>,
    detection: Detection,
    /// The texts taken, kept so that a local source can be read again with other choices.
    texts: Vec<Arc<String>>,
    /// When the loader last yielded to the browser (`Date.now()`, in ms).
    worked_since: f64,
}

impl Ingest {
    /// Prepares to decode with the view's choices: the zone of naive times, the mapping, and
    /// the projection (fetched if it is a URL). A choice that cannot be used is a problem, and
    /// loading goes on without it.
    async fn new(ctx: AppCtx, detection: Detection) -> Ingest {
        let mut problems = Vec::new();
        let view = ctx.view.get_untracked();
        let mut options = DecodeOptions::default();
        if let Some(offset) = view.naive_offset.as_deref().and_then(parse_offset) {
            options.naive_offset = offset;
        }
        if let Some(mapping) = &view.mapping {
            match fetch_document(&ctx, mapping, "mapping")
                .await
                .and_then(|text| {
                    Mapping::parse(&text).map_err(|message| doc_problem(mapping, message))
                }) {
                Ok(mapping) => options.mapping = Some(mapping),
                Err(problem) => problems.push(problem),
            }
        }
        let is_demo = view.src.is_none() && view.file.is_none();
        let projection_source = view
            .projection
            .clone()
            .or_else(|| is_demo.then(|| DEMO_PROJECTION_URL.to_string()));
        let mut projection = None;
        if let Some(source) = projection_source {
            match fetch_document(&ctx, &source, "projection")
                .await
                .and_then(|text| {
                    Projection::parse(&text)
                        .map(|p| (Arc::new(p), text))
                        .map_err(|message| doc_problem(&source, message))
                }) {
                Ok(found) => projection = Some(found),
                Err(problem) => problems.push(problem),
            }
        }
        let (projection, projection_text) = projection.unzip();
        Ingest {
            ctx,
            decoder: Decoder::with_options(detection.format, options),
            projection_text,
            timeline: Timeline::with_projection(projection),
            events: Vec::new(),
            n_events: 0,
            problems,
            detection,
            texts: Vec::new(),
            worked_since: js_sys::Date::now(),
        }
    }

    /// Yields to the browser once the loader has worked for `BUDGET_MS`, showing progress.
    async fn pause(&mut self) {
        if js_sys::Date::now() - self.worked_since < BUDGET_MS {
            return;
        }
        self.show_progress();
        TimeoutFuture::new(0).await;
        self.worked_since = js_sys::Date::now();
    }

    /// Decodes one text (a whole source, or one page of it), yielding between slices. Problems
    /// of a page other than the first say which page.
    async fn take(&mut self, text: Arc<String>, page: Option<usize>) {
        let n_before = self.problems.len();
        if is_ndjson(&text) {
            self.take_lines(text, 1).await;
        } else {
            self.texts.push(text.clone());
            let (records, split_problems) = split_records(&text);
            self.problems.extend(split_problems);
            for slice in records.chunks(BATCH) {
                self.take_slice(&text, slice).await;
            }
        }
        if let Some(page) = page.filter(|&p| p > 1) {
            for problem in &mut self.problems[n_before..] {
                problem.message = format!("page {page}: {}", problem.message);
            }
        }
    }

    /// Decodes a block of NDJSON whose first line is `first_line` of the source, a slice at a
    /// time; returns the number of the line after the block.
    async fn take_lines(&mut self, text: Arc<String>, first_line: usize) -> usize {
        self.texts.push(text.clone());
        let mut records = ndjson_records_from(&text, first_line).peekable();
        while records.peek().is_some() {
            let slice: Vec<_> = records.by_ref().take(BATCH).collect();
            self.take_slice(&text, &slice).await;
        }
        first_line + text.matches('\n').count()
    }

    /// Decodes texts taken before: one whole text, or the blocks of an NDJSON source.
    async fn take_again(&mut self, texts: Vec<Arc<String>>) {
        match <[_; 1]>::try_from(texts) {
            Ok([text]) => self.take(text, None).await,
            Err(blocks) => {
                let mut line = 1;
                for block in blocks {
                    line = self.take_lines(block, line).await;
                }
            }
        }
    }

    /// Decodes one slice of records and indexes it, then yields to the browser if it is time.
    async fn take_slice(&mut self, text: &Arc<String>, slice: &[Record<'_>]) {
        if self.decoder.format() == Format::Canonical {
            // Chronoscope's own events have no store position, so they are replayed as they
            // come, and they point into the source text rather than keeping a copy.
            let n_before = self.timeline.len();
            self.timeline
                .push_records(text, slice, &mut self.decoder, &mut self.problems);
            self.n_events += self.timeline.len() - n_before;
        } else {
            let mut events = Vec::with_capacity(slice.len());
            self.decoder.decode(slice, &mut events, &mut self.problems);
            self.n_events += events.len();
            // Events without a store position are replayed as they come, so that only a slice
            // of them is ever held parsed; the others wait to be put in the store's order.
            if events.iter().all(|e| e.position.is_none()) && self.events.is_empty() {
                self.timeline.push_unfolded(events);
            } else {
                self.events.extend(events);
            }
        }
        self.pause().await;
    }

    /// Shows what the first block holds while the rest is still being read: a small copy of the
    /// timeline so far, replaced by the whole one when loading is done.
    fn preview(&self, label: &str) {
        let mut timeline = self.timeline.clone();
        timeline.fold();
        self.ctx.loaded.set(Some(Arc::new(Loaded {
            timeline,
            problems: self.problems.clone(),
            detection: self.detection.clone(),
            label: label.to_string(),
            projection_text: self.projection_text.clone(),
        })));
    }

    /// Shows how many events have been decoded and, once replay has begun (it begins only
    /// after every event is read), how many have been replayed.
    fn show_progress(&self) {
        let n_events = self.n_events;
        let n_folded = self.timeline.n_folded();
        self.ctx.progress.update(|progress| {
            if let Some(progress) = progress {
                progress.n_events = n_events;
                progress.n_replayed = (n_folded > 0).then_some(n_folded);
            }
        });
    }

    /// Puts the events in the store's order, replays them into a timeline in slices, and
    /// shows the result. Returns the texts it was decoded from.
    async fn publish(mut self, label: String) -> Vec<Arc<String>> {
        order_by_position(&mut self.events);
        let mut events = std::mem::take(&mut self.events).into_iter().peekable();
        while events.peek().is_some() {
            self.timeline
                .push_unfolded(events.by_ref().take(BATCH).collect());
            self.pause().await;
        }
        // Events indexed as they came are folded now, a stream at a time, in slices.
        while !self.timeline.fold_some(BATCH) {
            self.pause().await;
        }
        self.ctx.progress.set(None);
        self.ctx.needs_file.set(None);
        self.ctx.loaded.set(Some(Arc::new(Loaded {
            timeline: self.timeline,
            problems: self.problems,
            detection: self.detection,
            label,
            projection_text: self.projection_text,
        })));
        self.texts
    }
}

/// The format chosen in the view (`fmt=`, or a mapping given with `map=`), or what the records
/// look like.
fn choose_format(ctx: &AppCtx, text: &str) -> Detection {
    let (format, has_mapping) = ctx
        .view
        .with_untracked(|v| (v.format.clone(), v.mapping.is_some()));
    let chosen = format
        .and_then(|key| Format::from_key(&key))
        .or(has_mapping.then_some(Format::Mapping));
    match chosen {
        Some(format) => Detection {
            format,
            reason: "chosen by the user".into(),
        },
        None => detect_text(text),
    }
}

/// Fetches a URL and loads it, NDJSON as it arrives. A KurrentDB feed is read whole, forwards,
/// page by page. A failed fetch becomes a problem naming the URL and status.
pub async fn load_url(ctx: AppCtx, url: String, label: String) {
    set_progress(&ctx, &label, 0, None);
    let download = match Download::fetch(&ctx, &url, Send::Credential).await {
        Ok(download) => download,
        Err(problem) => return fail(ctx, problem),
    };
    let first = match read_source(ctx, download, &label).await {
        Ok(Read::Streamed(ingest)) => {
            ingest.publish(label).await;
            return;
        }
        Ok(Read::Whole(text)) => text,
        Err(problem) => return fail(ctx, problem),
    };
    let detection = choose_format(&ctx, &first);
    let feed = (detection.format == Format::Kurrent)
        .then(|| serde_json::from_str::<Value>(&first).ok())
        .flatten()
        .filter(|feed| feed.get("entries").is_some());
    let mut ingest = Ingest::new(ctx, detection).await;
    match feed {
        Some(feed) => {
            if let Err(problem) = read_kurrent_stream(&mut ingest, &url, feed, first, &label).await
            {
                ingest.problems.push(problem);
            }
        }
        None => ingest.take(Arc::new(first), None).await,
    }
    ingest.publish(label).await;
}

/// A source read to its end: decoded on the way (NDJSON), or whole text to decode now.
enum Read {
    Streamed(Box<Ingest>),
    Whole(String),
}

/// Reads a download. NDJSON is cut into blocks of whole lines, each decoded as soon as it is
/// complete; anything else is returned whole. A read that breaks off keeps what was decoded
/// before, with a problem that says where it stopped.
async fn read_source(ctx: AppCtx, mut download: Download, label: &str) -> Result<Read, Problem> {
    let mut pending: Vec<u8> = Vec::new();
    let mut n_before = 0usize;
    let mut ndjson = None;
    let mut ingest: Option<Ingest> = None;
    let mut next_line = 1;
    loop {
        let chunk = match download.next_chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(problem) => return stopped(ingest, problem),
        };
        let start = pending.len();
        pending.resize(start + chunk.length() as usize, 0);
        chunk.copy_to(&mut pending[start..]);
        set_progress(&ctx, label, download.received, download.total);
        if ndjson.is_none() && pending.len() >= SNIFF_BYTES {
            let head = &pending[..pending.iter().rposition(|&b| b == b'\n').unwrap_or(0)];
            ndjson = Some(std::str::from_utf8(head).is_ok_and(is_ndjson));
        }
        // The first block is small, so that the first rows show soon after the first bytes.
        let first = ingest.is_none();
        let (block_bytes, limit) = if first {
            (SNIFF_BYTES, SNIFF_BYTES)
        } else {
            (BLOCK_BYTES, pending.len())
        };
        if ndjson != Some(true) || pending.len() < block_bytes {
            continue;
        }
        let cut = pending[..limit]
            .iter()
            .rposition(|&b| b == b'\n')
            .or_else(|| pending.iter().position(|&b| b == b'\n'));
        let Some(cut) = cut else {
            continue;
        };
        let rest = pending.split_off(cut + 1);
        let block = std::mem::replace(&mut pending, rest);
        let n_block = block.len();
        let (text, problem) = download.utf8_lines(block, n_before);
        n_before += n_block;
        if !text.is_empty() {
            let ingest = match &mut ingest {
                Some(ingest) => ingest,
                None => ingest.insert(Ingest::new(ctx, choose_format(&ctx, &text)).await),
            };
            next_line = ingest.take_lines(Arc::new(text), next_line).await;
            if first {
                ingest.preview(label);
            }
        }
        if let Some(problem) = problem {
            return stopped(ingest, problem);
        }
    }
    match ingest {
        Some(mut ingest) => {
            let (rest, problem) = download.utf8_lines(pending, n_before);
            if !rest.trim().is_empty() {
                ingest.take_lines(Arc::new(rest), next_line).await;
            }
            ingest.problems.extend(problem);
            Ok(Read::Streamed(Box::new(ingest)))
        }
        None => Ok(Read::Whole(download.utf8(pending, n_before)?)),
    }
}

/// A read that stopped: what was decoded before stays, with the problem; with nothing decoded,
/// the problem is the whole answer.
fn stopped(ingest: Option<Ingest>, problem: Problem) -> Result<Read, Problem> {
    match ingest {
        Some(mut ingest) => {
            ingest.problems.push(problem);
            Ok(Read::Streamed(Box::new(ingest)))
        }
        None => Err(problem),
    }
}

/// Reads a KurrentDB stream forwards: from the `last` page (`0/forward/N`), each page reversed,
/// following `previous` until a page comes back empty.
async fn read_kurrent_stream(
    ingest: &mut Ingest,
    src: &str,
    head: Value,
    head_text: String,
    label: &str,
) -> Result<(), Problem> {
    let (mut url, mut text) = match kurrent::start_page(&head) {
        Some(last) => {
            let url = with_embed(&resolve(&last, src));
            let text = fetch_text(&ingest.ctx, &url, Some(label), Send::Credential).await?;
            (url, text)
        }
        None => (src.to_string(), head_text),
    };
    let mut seen = std::collections::HashSet::new();
    for page in 1..=MAX_PAGES {
        let feed: Value = serde_json::from_str(&text).map_err(|err| Problem {
            place: Place::Url {
                url: url.clone(),
                status: 200,
            },
            message: format!("page {page} is not JSON: {err}"),
        })?;
        if kurrent::is_empty_page(&feed) {
            return Ok(());
        }
        ingest.take(Arc::new(text), Some(page)).await;
        let Some(next) = kurrent::next_page(&feed) else {
            return Ok(());
        };
        url = with_embed(&resolve(&next, &url));
        if !seen.insert(url.clone()) {
            return Err(Problem {
                place: Place::Url { url, status: 200 },
                message: "the feed links back to a page already read; reading stopped".into(),
            });
        }
        set_progress(&ingest.ctx, &format!("{label}, page {}", page + 1), 0, None);
        text = fetch_text(&ingest.ctx, &url, Some(label), Send::Credential).await?;
    }
    Ok(())
}

/// Decodes and replays texts read before (pasted text, or the blocks of a file), then
/// publishes them.
pub async fn load_texts(ctx: AppCtx, texts: Vec<Arc<String>>, label: String) {
    let Some(first) = texts.first() else { return };
    let mut ingest = Ingest::new(ctx, choose_format(&ctx, first)).await;
    ingest.take_again(texts).await;
    ingest.publish(label).await;
}

/// Reads a local file the user chose or dropped, NDJSON as it arrives, and keeps its text so
/// that it can be read again with other choices.
pub async fn load_file(ctx: AppCtx, file: web_sys::File) {
    let name = file.name();
    set_progress(&ctx, &name, 0, Some(file.size() as u64));
    let mut download = Download::new(file.stream(), Place::Source, Some(file.size() as u64));
    download.name = Some(name.clone());
    let texts = match read_source(ctx, download, &name).await {
        Ok(Read::Streamed(ingest)) => ingest.publish(name).await,
        Ok(Read::Whole(text)) => {
            let mut ingest = Ingest::new(ctx, choose_format(&ctx, &text)).await;
            ingest.take(Arc::new(text), None).await;
            ingest.publish(name).await
        }
        Err(problem) => return fail(ctx, problem),
    };
    ctx.local_text.set_value(Some(texts));
}

/// A mapping or projection given inline (JSON) or as the URL of a file.
async fn fetch_document(ctx: &AppCtx, source: &str, what: &str) -> Result<String, Problem> {
    if source.trim_start().starts_with('{') {
        return Ok(source.to_string());
    }
    // The credential belongs to the source's server; a mapping or projection may live elsewhere.
    fetch_text(ctx, source, Some(what), Send::NoCredential).await
}

/// Fetches a projection someone asked for in the editor: like any other document, without the
/// source's credential, and without touching the load's progress.
pub async fn fetch_projection(ctx: &AppCtx, url: &str) -> Result<String, Problem> {
    fetch_text(ctx, url, None, Send::NoCredential).await
}

fn doc_problem(source: &str, message: String) -> Problem {
    let place = if source.trim_start().starts_with('{') {
        Place::Source
    } else {
        Place::Url {
            url: source.to_string(),
            status: 200,
        }
    };
    Problem { place, message }
}

fn fail(ctx: AppCtx, problem: Problem) {
    ctx.progress.set(None);
    ctx.loaded.set(None);
    ctx.source_problems
        .update(|problems| problems.push(problem));
}

fn set_progress(ctx: &AppCtx, label: &str, bytes: u64, total_bytes: Option<u64>) {
    ctx.progress.set(Some(Progress {
        label: label.to_string(),
        bytes,
        total_bytes,
        n_events: ctx
            .progress
            .with_untracked(|p| p.as_ref().map_or(0, |p| p.n_events)),
        n_replayed: None,
    }));
}

/// A link of a page, made absolute against the page it came from.
fn resolve(link: &str, base: &str) -> String {
    let base = web_sys::Url::new_with_base(base, &window().location().href().unwrap_or_default());
    base.and_then(|base| web_sys::Url::new_with_base(link, &base.href()))
        .map(|url| url.href())
        .unwrap_or_else(|_| link.to_string())
}

/// Asks KurrentDB for event bodies: `embed=body`, unless the URL already says how to embed.
fn with_embed(url: &str) -> String {
    if url.contains("embed=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&embed=body")
    } else {
        format!("{url}?embed=body")
    }
}

/// Whether a request carries the user's credential.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Send {
    Credential,
    NoCredential,
}

/// Fetches a whole document as text; with a `label`, its progress is shown as the load's.
async fn fetch_text(
    ctx: &AppCtx,
    url: &str,
    label: Option<&str>,
    send: Send,
) -> Result<String, Problem> {
    let mut download = Download::fetch(ctx, url, send).await?;
    let mut bytes = Vec::new();
    if let Some(total) = download.total {
        bytes.reserve_exact(total as usize);
    }
    while let Some(chunk) = download.next_chunk().await? {
        let start = bytes.len();
        bytes.resize(start + chunk.length() as usize, 0);
        chunk.copy_to(&mut bytes[start..]);
        if let Some(label) = label {
            set_progress(ctx, label, download.received, download.total);
        }
    }
    download.utf8(bytes, 0)
}

/// The bytes of a response or a file, read a chunk at a time as they arrive.
struct Download {
    reader: web_sys::ReadableStreamDefaultReader,
    /// Where the bytes come from, for problems: a URL and its status, or the source.
    place: Place,
    /// The file's name, for a file.
    name: Option<String>,
    received: u64,
    total: Option<u64>,
}

impl Download {
    fn new(stream: web_sys::ReadableStream, place: Place, total: Option<u64>) -> Download {
        Download {
            reader: stream.get_reader().unchecked_into(),
            place,
            name: None,
            received: 0,
            total,
        }
    }

    /// Sends a GET request; an answer that is not 2xx is a problem naming the URL and status.
    async fn fetch(ctx: &AppCtx, url: &str, send: Send) -> Result<Download, Problem> {
        let problem = |status: u16, message: String| Problem {
            place: Place::Url {
                url: url.to_string(),
                status,
            },
            message,
        };
        let request = build_request(ctx, url, send)
            .map_err(|err| problem(0, format!("not a URL that can be fetched: {err}")))?;
        let response = request.send().await.map_err(|err| {
            problem(
                0,
                format!("could not fetch: {err} (the network failed, or the server does not allow cross-origin requests)"),
            )
        })?;
        let status = response.status();
        if !response.ok() {
            let hint = if status == 401 || status == 403 {
                "; enter a credential under Credentials… and load again"
            } else {
                ""
            };
            return Err(problem(
                status,
                format!(
                    "the server answered {status} {}{hint}",
                    response.status_text()
                ),
            ));
        }
        let total = response
            .headers()
            .get("content-length")
            .and_then(|len| len.parse().ok());
        let raw: web_sys::Response = response.into();
        let body = match raw.body() {
            Some(body) => body,
            // No body at all: an empty stream.
            None => web_sys::ReadableStream::new().map_err(|err| problem(status, js_text(&err)))?,
        };
        Ok(Download::new(
            body,
            Place::Url {
                url: url.to_string(),
                status,
            },
            total,
        ))
    }

    /// The next chunk of bytes, or `None` at the end.
    async fn next_chunk(&mut self) -> Result<Option<Uint8Array>, Problem> {
        let chunk = JsFuture::from(self.reader.read())
            .await
            .map_err(|err| self.problem(format!("the download broke off: {}", js_text(&err))))?;
        let done = Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            return Ok(None);
        }
        let value = Reflect::get(&chunk, &"value".into()).unwrap_or(JsValue::UNDEFINED);
        let bytes = Uint8Array::new(&value);
        self.received += u64::from(bytes.length());
        Ok(Some(bytes))
    }

    /// Bytes as text; `offset` is how many bytes of the source came before them.
    fn utf8(&self, bytes: Vec<u8>, offset: usize) -> Result<String, Problem> {
        String::from_utf8(bytes)
            .map_err(|err| self.not_utf8(offset + err.utf8_error().valid_up_to()))
    }

    /// Lines as text. Where the bytes stop being UTF-8, the whole lines before that point are
    /// kept, with a problem that names the byte.
    fn utf8_lines(&self, bytes: Vec<u8>, offset: usize) -> (String, Option<Problem>) {
        match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(err) => {
                let valid = err.utf8_error().valid_up_to();
                let mut bytes = err.into_bytes();
                let keep = bytes[..valid]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |newline| newline + 1);
                bytes.truncate(keep);
                let text = String::from_utf8(bytes).unwrap_or_default();
                (text, Some(self.not_utf8(offset + valid)))
            }
        }
    }

    fn not_utf8(&self, byte: usize) -> Problem {
        self.problem(format!(
            "the source is not UTF-8 text (byte {byte}); reading stopped there"
        ))
    }

    fn problem(&self, message: String) -> Problem {
        let message = match &self.name {
            Some(name) => format!("{name}: {message}"),
            None => message,
        };
        Problem {
            place: self.place.clone(),
            message,
        }
    }
}

/// A GET request with our headers. It is built with web-sys rather than gloo-net's builder,
/// because that builder appends a stray `&` to a URL that already has a query.
fn build_request(ctx: &AppCtx, url: &str, send: Send) -> Result<gloo_net::http::Request, String> {
    let headers = web_sys::Headers::new().map_err(|e| js_text(&e))?;
    headers
        .set("Accept", kurrent::ACCEPT)
        .map_err(|e| js_text(&e))?;
    let authorization = (send == Send::Credential)
        .then(|| ctx.credential.with_untracked(|c| c.header()))
        .flatten();
    if let Some(authorization) = authorization {
        headers
            .set("Authorization", &authorization)
            .map_err(|e| js_text(&e))?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(|e| js_text(&e))?;
    Ok(request.into())
}

fn js_text(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|err| String::from(err.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
