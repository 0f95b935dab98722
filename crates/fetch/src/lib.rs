//! The browser's `fetch`, shared by the panel (documents, a followed source) and the engine's
//! worker (a source's URL and its feed pages, so that a source's bytes never cross the page).
//! Written against the global `fetch` and `setTimeout`, which a page and a worker both have.
//!
//! The rules are the core's (`core::origin`, `core::waiting`): a request carries its headers
//! (the credential, a host's) only to their origin and then follows no redirect; an answer
//! that is not 2xx is a problem naming the URL and status; one that says to try later carries
//! the wait its `Retry-After` asks for; a request nothing else can cancel is given up when no
//! answer comes in time.
#![forbid(unsafe_code)]

use chronoscope_core::decode::{kurrent, Place, Problem, ProblemKind};
use chronoscope_core::origin::secrets_to;
use chronoscope_core::waiting::{is_temporary_status, retry_after, ANSWER_WAIT_MS};
use chronoscope_protocol::Secrets;
use js_sys::{Reflect, Uint8Array};
use url::Url;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The global `setTimeout`, a page's or a worker's.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
    /// The global `fetch`, a page's or a worker's.
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_request(request: &web_sys::Request) -> js_sys::Promise;
}

/// How a request is made: which headers it may carry (only ever to their origin), from which
/// byte of the source (an HTTP `Range` when not 0), with which extra headers, and what can
/// cancel it.
#[derive(Clone, Copy)]
pub struct Ask<'a> {
    pub secrets: Option<&'a Secrets>,
    pub from: u64,
    pub extra: &'a [(&'a str, &'a str)],
    pub abort: Option<&'a web_sys::AbortSignal>,
}

impl Ask<'_> {
    /// A whole GET with these headers for their origin, and nothing extra.
    pub fn with(secrets: Option<&Secrets>) -> Ask<'_> {
        Ask {
            secrets,
            from: 0,
            extra: &[],
            abort: None,
        }
    }
}

/// What `Download::next_chunk_within` found.
pub enum Chunk {
    Bytes(Uint8Array),
    /// Nothing came in time; the stream is still open.
    Quiet,
    End,
}

/// The bytes of a response or a file, read a chunk at a time as they arrive.
pub struct Download {
    reader: web_sys::ReadableStreamDefaultReader,
    /// A read that was still waiting when `next_chunk_within` stopped waiting for it.
    waiting: Option<js_sys::Promise>,
    /// Where the bytes come from, for problems: a URL and its status, or a file.
    pub place: Place,
    /// The response's `Content-Type`, which tells server-sent events apart.
    pub content_type: Option<String>,
    pub received: u64,
    pub total: Option<u64>,
    /// Whether the server serves byte ranges of the bytes as sent (`Accept-Ranges: bytes`, no
    /// `Content-Encoding`): a Retry can then ask for the rest alone.
    pub ranges: bool,
    /// Bytes of the source still to be skipped: a Retry the server answered from the start.
    skip: u64,
}

impl Download {
    pub fn new(stream: web_sys::ReadableStream, place: Place, total: Option<u64>) -> Download {
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
    pub fn skip_to(&mut self, offset: u64) {
        if self.received == 0 {
            self.skip = offset;
            self.received = offset;
        }
    }

    /// Sends a GET request as `ask` says; an answer that is not 2xx is a problem naming the URL
    /// and status, and one that says to try later carries the wait its `Retry-After` asks for.
    /// A request that nothing else can cancel is given up when no answer comes in time.
    pub async fn fetch(url: &Url, ask: Ask<'_>) -> Result<Download, Problem> {
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
        let request = build_request(url, ask).map_err(|err| {
            fetch_problem(address, 0, format!("not a URL that can be fetched: {err}"))
        })?;
        let response = answer(&request, own_abort.as_ref())
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
            return Err(not_ok(address, &response, header("retry-after")));
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
    pub async fn next_chunk(&mut self) -> Result<Option<Uint8Array>, Problem> {
        let read = self.waiting.take().unwrap_or_else(|| self.reader.read());
        let chunk = JsFuture::from(read)
            .await
            .map_err(|err| self.broke_off(&err))?;
        Ok(self.take_read(chunk))
    }

    /// Like `next_chunk`, but says `Chunk::Quiet` when nothing came within `ms`; the read goes
    /// on waiting, for the next call.
    pub async fn next_chunk_within(&mut self, ms: i32) -> Result<Chunk, Problem> {
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
    pub fn cancel(&self) {
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

/// The problem an answer that is not 2xx is: one that says to try later carries the wait its
/// `Retry-After` asks for; 401 and 403 say where a credential is entered.
fn not_ok(address: &str, response: &web_sys::Response, retry: Option<String>) -> Problem {
    let status = response.status();
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
        return fetch_problem(address, status, answer);
    }
    let wait_s = retry.and_then(|v| retry_after(&v, chrono::Utc::now()));
    let kind = ProblemKind::TryLater { answer, wait_s };
    Problem::new(url_place(address, status), kind)
}

/// Fetches a whole body with extra headers (a long-poll's) and, on their origin, the given
/// headers; `abort` can cancel the request.
pub async fn fetch_all(
    url: &Url,
    secrets: Option<&Secrets>,
    extra: &[(&str, &str)],
    abort: Option<&web_sys::AbortSignal>,
) -> Result<Vec<u8>, Problem> {
    let ask = Ask {
        extra,
        abort,
        ..Ask::with(secrets)
    };
    read_all(Download::fetch(url, ask).await?).await
}

/// Every byte of a download.
async fn read_all(mut download: Download) -> Result<Vec<u8>, Problem> {
    let mut bytes = Vec::new();
    while let Some(chunk) = download.next_chunk().await? {
        let start = bytes.len();
        bytes.resize(start + chunk.length() as usize, 0);
        chunk.copy_to(&mut bytes[start..]);
    }
    Ok(bytes)
}

/// A problem of a request to `url` that was answered with `status` (0: none).
pub fn fetch_problem(url: &str, status: u16, message: String) -> Problem {
    Problem::new(url_place(url, status), ProblemKind::Fetch(message))
}

/// What a promise settled with, or `None` when it had not within `ms` (it goes on, and can be
/// waited for again).
pub async fn within(promise: &js_sys::Promise, ms: i32) -> Option<Result<JsValue, JsValue>> {
    let timer = js_sys::Promise::new(&mut |resolve, _| {
        // A timer that cannot be set makes the race wait for the promise alone.
        set_timeout(&resolve, ms);
    });
    // The timer settles with `undefined`; a read or a fetch here never does.
    let first = js_sys::Promise::race(&js_sys::Array::of2(promise, &timer));
    match JsFuture::from(first).await {
        Ok(value) if value.is_undefined() => None,
        settled => Some(settled),
    }
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let timer = js_sys::Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    let _ = JsFuture::from(timer).await;
}

/// The answer to `request`. When this side can cancel it (`abort`), no answer within
/// `ANSWER_WAIT_MS` is a problem, and the request is cancelled.
async fn answer(
    request: &web_sys::Request,
    abort: Option<&web_sys::AbortController>,
) -> Result<web_sys::Response, ProblemKind> {
    let sent = fetch_request(request);
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
/// because that builder appends a stray `&` to a URL that already has a query. The headers of
/// `ask.secrets` go only to their origin (`core::origin::secrets_to`).
fn build_request(url: &Url, ask: Ask<'_>) -> Result<web_sys::Request, String> {
    let Ask {
        secrets,
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
    let secret_headers = secrets.map_or(&[][..], |secrets| secrets_to(secrets, url));
    for (name, value) in secret_headers {
        headers.set(name, value).map_err(|e| js_text(&e))?;
    }
    for (name, value) in extra {
        headers.set(name, value).map_err(|e| js_text(&e))?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_signal(abort);
    // A request that carries what is for one origin follows no redirect: the browser would take
    // the headers along to wherever it leads.
    if !secret_headers.is_empty() {
        init.set_redirect(web_sys::RequestRedirect::Manual);
    }
    web_sys::Request::new_with_str_and_init(url.as_str(), &init).map_err(|e| js_text(&e))
}

/// A JavaScript error or value, in words.
pub fn js_text(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|err| String::from(err.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
