//! Reading a source in the worker (`read`, `read_on`, `read_file`, and `open_pack` with its
//! `File`): the worker fetches a URL itself, or reads the `File` it was handed, and feeds the
//! bytes straight to its engine as they arrive, so that a source's bytes never cross the page.
//! It also fetches the documents a view names (`fetch`) and the feed pages a source read from
//! text asks for (`fetch_page`), so that the page makes no request of its own. It fetches each
//! page of a feed the engine asks for, stops a body that stalls, stops at the memory ceiling,
//! and tells the page how far it has come (`Answer::Read` notices) and, last, where the read
//! ended.
//!
//! What to make of what arrives is the engine's (`core::ingest`), and the rules of a request
//! are the core's (`chronoscope-fetch`, `core::origin`, `core::waiting`): from the credential
//! and host headers the page sends (`Keys`), each request carries only what is for its origin.
//! A read stops at its next step once another source is opened (`Engine::n_opened`), and
//! answers that it was superseded.

mod follow;

use std::rc::Rc;

use chronoscope_core::decode::{Place, Problem, ProblemKind};
use chronoscope_core::link::ViewState;
use chronoscope_core::origin::{secrets_for, Keys};
use chronoscope_core::waiting::{is_temporary, StallWatch};
use chronoscope_fetch::{fetch_all, fetch_problem, Ask, Chunk, Download};
use chronoscope_protocol::{
    Answer, Document, Envelope, Following, Opened, Read, ReadUrl, Refusal, Request, ResumeAt,
    Secrets, Stop, Unread, Wants,
};
use url::Url;
use wasm_bindgen::{JsCast, JsValue};

use crate::Worker;

/// The least time between two notices of a read, in milliseconds: the page shows a count and,
/// every half second, a preview; a notice per piece of a 303 MB download would be thousands.
const NOTICE_EVERY_MS: f64 = 100.0;

/// How long the next piece is waited for before the stall watch looks again.
const QUIET_MS: i32 = 1000;

/// A read the page asked for.
pub enum ReadAsk {
    Url(Box<ReadUrl>),
    On(Keys),
    Unfollow,
    File {
        label: String,
        link: String,
        documents: Vec<Document>,
        file: web_sys::File,
    },
    /// An evidence pack handed over as its `File`, opened by the engine once read whole.
    Pack {
        name: String,
        file: web_sys::File,
    },
    /// A document for the page (`fetch`): no read, so it supersedes none.
    Document {
        url: String,
        secrets: Option<Secrets>,
    },
    /// A feed page the open source asked for (`fetch_page`), read into it.
    Page {
        url: String,
        keys: Keys,
    },
}

/// The read a message asks for, with its id: `read`, `read_on` or `unfollow` as text, or
/// `read_file` or `open_pack` as `{request, file}`. `None` for any other message, which the
/// engine answers.
pub fn ask_of(data: &JsValue) -> Option<(u64, ReadAsk)> {
    if let Some(text) = data.as_string() {
        // Only a message that names a read is read twice; the engine reads the others.
        let names = [r#""ask":"read"#, r#""ask":"unfollow""#, r#""ask":"fetch"#];
        if !names.iter().any(|name| text.contains(name)) {
            return None;
        }
        let envelope: Envelope<Request> = serde_json::from_str(&text).ok()?;
        return match envelope.body {
            Request::Read(read) => Some((envelope.id, ReadAsk::Url(read))),
            Request::ReadOn { keys } => Some((envelope.id, ReadAsk::On(keys))),
            Request::Unfollow => Some((envelope.id, ReadAsk::Unfollow)),
            Request::Fetch { url, secrets } => {
                Some((envelope.id, ReadAsk::Document { url, secrets }))
            }
            Request::FetchPage { url, keys } => Some((envelope.id, ReadAsk::Page { url, keys })),
            _ => None,
        };
    }
    let field = |name: &str| js_sys::Reflect::get(data, &JsValue::from_str(name)).ok();
    let file = field("file")?.dyn_into::<web_sys::File>().ok()?;
    let text = field("request")?.as_string()?;
    let envelope: Envelope<Request> = serde_json::from_str(&text).ok()?;
    match envelope.body {
        Request::ReadFile {
            label,
            link,
            documents,
        } => Some((
            envelope.id,
            ReadAsk::File {
                label,
                link,
                documents,
                file,
            },
        )),
        Request::OpenPack { name } => Some((envelope.id, ReadAsk::Pack { name, file })),
        _ => None,
    }
}

/// Reads what `ask` says, in the worker's background, and answers the request `id`.
pub fn start(worker: &Rc<Worker>, id: u64, ask: ReadAsk) {
    let ask = match ask {
        ReadAsk::Unfollow => return unfollow(worker, id),
        ReadAsk::Document { url, secrets } => return fetch_document(worker, id, url, secrets),
        ReadAsk::Page { url, keys } => return fetch_page(worker, id, url, keys),
        ask => ask,
    };
    worker.n_reads.set(worker.n_reads.get() + 1);
    let reader = Reader {
        worker: Rc::clone(worker),
        id,
        asked_as: (worker.n_reads.get(), worker.engine.borrow().n_opened()),
        opened_as: None,
        received: 0,
        total: None,
        page: 1,
        noticed_at: f64::NEG_INFINITY,
        held: None,
    };
    wasm_bindgen_futures::spawn_local(async move {
        match ask {
            ReadAsk::Url(read) => reader.read_url(*read).await,
            ReadAsk::On(keys) => reader.read_on(keys).await,
            ReadAsk::Unfollow | ReadAsk::Document { .. } | ReadAsk::Page { .. } => {}
            ReadAsk::File {
                label,
                link,
                documents,
                file,
            } => reader.read_file(label, link, documents, file).await,
            ReadAsk::Pack { name, file } => reader.open_pack(name, file).await,
        }
    });
}

/// Fetches a document for the page and answers `id` with its text, or with where and why it
/// could not be had.
fn fetch_document(worker: &Rc<Worker>, id: u64, url: String, secrets: Option<Secrets>) {
    let worker = Rc::clone(worker);
    wasm_bindgen_futures::spawn_local(async move {
        let answer = match fetch_url(&url, secrets.as_ref()).await {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Answer::Fetched { text },
                Err(_) => fetch_failed(&Problem::new(
                    Place::Url { url, status: 200 },
                    ProblemKind::NotUtf8,
                )),
            },
            Err(problem) => fetch_failed(&problem),
        };
        worker.post_answer(id, answer);
    });
}

/// Fetches the feed page the open source asked for, with what `keys` allow for its origin,
/// reads it (or its failure) into the engine, and answers `id` with the source as it stands then.
fn fetch_page(worker: &Rc<Worker>, id: u64, url: String, keys: Keys) {
    let worker = Rc::clone(worker);
    let secrets =
        Url::parse(&url).map_or_else(|_| Secrets::default(), |page| secrets_for(&keys, &page));
    wasm_bindgen_futures::spawn_local(async move {
        let fetched = fetch_url(&url, Some(&secrets)).await;
        let mut engine = worker.engine.borrow_mut();
        let answer = match fetched {
            Ok(bytes) => {
                let request = Envelope::new(id, Request::FeedPage { url });
                engine.answer_attached(request, bytes.len(), |into| into.copy_from_slice(&bytes))
            }
            Err(problem) => engine.answer(Envelope::new(id, page_failed(url, &problem))),
        };
        drop(engine);
        worker.post_answer(id, answer.body);
        worker.after_engine_moved();
    });
}

/// The bytes at `url`, read whole; a URL that cannot be read is a problem at it.
async fn fetch_url(url: &str, secrets: Option<&Secrets>) -> Result<Vec<u8>, Problem> {
    let parsed = Url::parse(url).map_err(|err| fetch_problem(url, 0, err.to_string()))?;
    fetch_all(&parsed, secrets, &[], None).await
}

/// A feed page that could not be fetched, as the engine is told it.
fn page_failed(url: String, problem: &Problem) -> Request {
    Request::PageFailed {
        url,
        status: problem.status(),
        message: problem.kind.to_string(),
    }
}

/// A fetch that failed, as the page is told: where, its status, and why.
fn fetch_failed(problem: &Problem) -> Answer {
    let url = match &problem.place {
        Place::Url { url, .. } => url.clone(),
        _ => String::new(),
    };
    Answer::FetchFailed {
        url,
        status: problem.status(),
        message: problem.kind.to_string(),
    }
}

/// Stops following the source being read (the last read asked for), and answers `id` with the
/// source as it stands; the read then ends.
fn unfollow(worker: &Rc<Worker>, id: u64) {
    worker.unfollowed.set(worker.n_reads.get());
    let answer = worker.engine.borrow_mut().handle(Request::Status);
    worker.post_answer(id, answer);
}

/// One read: the request it answers, the source it began, and how far it has come.
struct Reader {
    worker: Rc<Worker>,
    id: u64,
    /// Which read this is, and how many sources the engine had opened when it was asked for:
    /// it begins its source only while no other read was asked for and nothing was opened.
    asked_as: (u64, u64),
    /// The engine's `n_opened` once this read began its source (or found it open, for
    /// `read_on`): the read goes on while it is still the one open.
    opened_as: Option<u64>,
    received: u64,
    total: Option<u64>,
    page: usize,
    noticed_at: f64,
    /// A notice held back by `NOTICE_EVERY_MS`, said when the source goes quiet.
    held: Option<(Opened, Option<Following>)>,
}

/// How a read ended, for its last answer.
enum Ended {
    /// Read to its end or its stop, with the wait a server asked for before *Retry*.
    Read(Box<Opened>, Option<u64>),
    /// Nothing could be read.
    Unread(Unread),
    /// The engine answered a step otherwise than with the source (a refusal).
    Answered(Box<Answer>),
    /// Another source was opened meanwhile.
    Superseded,
}

impl Reader {
    /// Fetches a URL, begins it as a source and reads it to its end.
    async fn read_url(mut self, read: ReadUrl) {
        let ended = match Url::parse(&read.url) {
            Ok(url) => {
                let read = self.fetch_and_read(read, url).await;
                read.unwrap_or_else(|ended| ended)
            }
            Err(err) => Ended::Unread(Unread {
                url: read.url,
                status: 0,
                redirected: false,
                message: err.to_string(),
            }),
        };
        self.end(ended);
    }

    async fn fetch_and_read(&mut self, read: ReadUrl, url: Url) -> Result<Ended, Ended> {
        let secrets = secrets_for(&read.keys, &url);
        let view = ViewState::from_query(&read.link).0;
        let fetched = Download::fetch(&url, Ask::with(Some(&secrets))).await;
        let (status, ranges) = match &fetched {
            Ok(download) => (download.place.status(), download.ranges),
            // A server that is busy or briefly failing: the source begins, and waits for a Retry.
            Err(problem) if is_temporary(&problem.kind) => (problem.status(), false),
            Err(problem) => return Ok(Ended::Unread(unread(problem))),
        };
        let begin = Request::Begin {
            label: read.label,
            link: read.link,
            documents: read.documents,
            url: Some(url.to_string()),
            ranges,
            status: Some(status),
        };
        self.begin(begin)?;
        match fetched {
            Ok(download) => match view.follow {
                Some(mode) => {
                    let memory_mb = view.memory_mb;
                    self.follow(download, url, &secrets, mode, memory_mb).await
                }
                None => self.read_body(download, &secrets).await,
            },
            Err(problem) => self.stopped_by(&problem, &secrets).await,
        }
    }

    /// *Retry*: reads on from where the open source stopped.
    async fn read_on(mut self, keys: Keys) {
        let source = self.worker.engine.borrow().source_url().cloned();
        let secrets = source.map_or_else(Secrets::default, |url| secrets_for(&keys, &url));
        let ended = self.read_on_from(secrets).await;
        self.end(ended.unwrap_or_else(|ended| ended));
    }

    async fn read_on_from(&mut self, secrets: Secrets) -> Result<Ended, Ended> {
        let url = self.worker.engine.borrow().source_url().cloned();
        self.opened_as = Some(self.worker.engine.borrow().n_opened());
        let at = self.opened(Request::Status)?.resume;
        let resumed = self.opened(Request::Resume)?;
        let (Some(url), Some(ResumeAt::Byte { offset, ranges })) = (url, at) else {
            // A feed reads on from the page that failed, which the engine asks for again.
            return self.read_pages(resumed, &secrets, None).await;
        };
        let from = if ranges { offset } else { 0 };
        let ask = Ask {
            from,
            ..Ask::with(Some(&secrets))
        };
        self.received = offset;
        match Download::fetch(&url, ask).await {
            Ok(mut download) => {
                download.skip_to(offset);
                self.read_body(download, &secrets).await
            }
            Err(problem) => self.stopped_by(&problem, &secrets).await,
        }
    }

    /// A fetch that failed after the source began (a server that asked to wait, or did not
    /// answer): the source stops there, keeping the wait asked for before *Retry*.
    async fn stopped_by(&mut self, problem: &Problem, secrets: &Secrets) -> Result<Ended, Ended> {
        let opened = self.opened(problem.stop_request())?;
        self.read_pages(opened, secrets, problem.wait_s()).await
    }

    /// Reads a file the page handed over, as it is read from the disk.
    async fn read_file(
        mut self,
        label: String,
        link: String,
        documents: Vec<Document>,
        file: web_sys::File,
    ) {
        let begin = Request::begin_local(label, link, documents);
        let ended = match self.begin(begin) {
            Ok(()) => {
                let place = Place::File(file.name());
                let download = Download::new(file.stream(), place, Some(file.size() as u64));
                let read = self.read_body(download, &Secrets::default()).await;
                read.unwrap_or_else(|ended| ended)
            }
            Err(ended) => ended,
        };
        self.end(ended);
    }

    /// Reads an evidence pack's file whole, and has the engine open it (`open_pack`).
    async fn open_pack(self, name: String, file: web_sys::File) {
        let read = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await;
        let answer = match read {
            Ok(buffer) => {
                let bytes = js_sys::Uint8Array::new(&buffer);
                self.ask_with_js_bytes(Request::OpenPack { name }, &bytes)
            }
            Err(err) => Answer::Refused(Refusal::Document {
                message: format!("cannot be read: {}", chronoscope_fetch::js_text(&err)),
            }),
        };
        self.end(Ended::Answered(Box::new(answer)));
    }

    /// Begins the source, which this read then reads while it is the one open; unless another
    /// read was asked for, or another source opened, while this one waited for its answer.
    fn begin(&mut self, begin: Request) -> Result<(), Ended> {
        let now = (
            self.worker.n_reads.get(),
            self.worker.engine.borrow().n_opened(),
        );
        if now != self.asked_as {
            return Err(Ended::Superseded);
        }
        let began = self.ask(begin);
        self.opened_as = Some(self.worker.engine.borrow().n_opened());
        match began {
            Answer::Opened(_) => Ok(()),
            other => Err(Ended::Answered(Box::new(other))),
        }
    }

    /// Feeds a body's bytes to the engine as they arrive, and ends them: at the end of the
    /// body, when it breaks off or stalls, or when the engine stops at the memory ceiling;
    /// then reads the pages of a feed.
    async fn read_body(
        &mut self,
        mut download: Download,
        secrets: &Secrets,
    ) -> Result<Ended, Ended> {
        let mut watch = StallWatch::new(js_sys::Date::now(), download.received);
        self.total = download.total;
        let stopped = loop {
            let read = download.next_chunk_within(QUIET_MS).await;
            if !self.is_current() {
                download.cancel();
                return Err(Ended::Superseded);
            }
            match read {
                Ok(Chunk::Bytes(chunk)) => {
                    self.received = download.received;
                    let opened = self.feed(&chunk)?;
                    // The memory ceiling: the engine keeps what it read and wants no more.
                    let enough = opened.wants != Wants::Bytes;
                    self.notice(opened);
                    if enough {
                        download.cancel();
                        break Request::Status;
                    }
                }
                Ok(Chunk::Quiet) => {}
                Ok(Chunk::End) => break end_request(&download.place),
                Err(problem) => break problem.stop_request(),
            }
            // A body that trickles is given up; what came stays, and Retry reads on.
            if let Some(stalled) = watch.check(js_sys::Date::now(), download.received) {
                download.cancel();
                break Problem::new(download.place.clone(), stalled).stop_request();
            }
        };
        let opened = self.opened(stopped)?;
        self.read_pages(opened, secrets, None).await
    }

    /// Fetches each page of a feed the engine asks for, until it asks for none.
    async fn read_pages(
        &mut self,
        mut opened: Opened,
        secrets: &Secrets,
        wait_s: Option<u64>,
    ) -> Result<Ended, Ended> {
        while let Wants::Page { url: page } = opened.wants.clone() {
            self.page += 1;
            self.notice(opened);
            let fetched = fetch_url(&page, Some(secrets)).await;
            if !self.is_current() {
                return Err(Ended::Superseded);
            }
            opened = match fetched {
                Ok(bytes) => {
                    as_opened(self.ask_with_bytes(Request::FeedPage { url: page }, &bytes))?
                }
                Err(problem) => self.opened(page_failed(page, &problem))?,
            };
        }
        Ok(Ended::Read(Box::new(opened), wait_s))
    }

    /// True while no other read was asked for, and no other source opened since this read
    /// began its own.
    fn is_current(&self) -> bool {
        let opened_now = self.worker.engine.borrow().n_opened();
        self.worker.n_reads.get() == self.asked_as.0
            && self
                .opened_as
                .is_none_or(|opened_as| opened_as == opened_now)
    }

    /// True once the page asked to stop following this read's source.
    fn unfollowed(&self) -> bool {
        self.worker.unfollowed.get() == self.asked_as.0
    }

    /// The engine's answer to one request of the read, with `len` bytes beside it, which
    /// `fill` writes straight into the engine's memory.
    fn ask_attached(&self, request: Request, len: usize, fill: impl FnOnce(&mut [u8])) -> Answer {
        let request = Envelope::new(self.id, request);
        let answer = self
            .worker
            .engine
            .borrow_mut()
            .answer_attached(request, len, fill);
        self.worker.after_engine_moved();
        answer.body
    }

    /// `ask_attached` with bytes in the browser's memory, copied once.
    fn ask_with_js_bytes(&self, request: Request, bytes: &js_sys::Uint8Array) -> Answer {
        self.ask_attached(request, bytes.length() as usize, |into| bytes.copy_to(into))
    }

    /// `ask_attached` with bytes in the worker's own memory.
    fn ask_with_bytes(&self, request: Request, bytes: &[u8]) -> Answer {
        self.ask_attached(request, bytes.len(), |into| into.copy_from_slice(bytes))
    }

    /// The engine's answer to one request of the read.
    fn ask(&self, request: Request) -> Answer {
        let answer = self.worker.engine.borrow_mut().handle(request);
        self.worker.after_engine_moved();
        answer
    }

    /// The source after one request of the read, or how the read ends when the engine
    /// answers otherwise.
    fn opened(&mut self, request: Request) -> Result<Opened, Ended> {
        as_opened(self.ask(request))
    }

    /// Feeds one piece of the body to the engine.
    fn feed(&mut self, chunk: &js_sys::Uint8Array) -> Result<Opened, Ended> {
        as_opened(self.ask_with_js_bytes(Request::Feed, chunk))
    }

    /// Tells the page how far the read has come, at most every `NOTICE_EVERY_MS`.
    fn notice(&mut self, opened: Opened) {
        self.notice_following(opened, None);
    }

    /// `notice`, saying where following stands; one held back is said by `flush_notice`.
    fn notice_following(&mut self, opened: Opened, following: Option<Following>) {
        let now = js_sys::Date::now();
        if now - self.noticed_at < NOTICE_EVERY_MS {
            self.held = Some((opened, following));
            return;
        }
        self.noticed_at = now;
        self.held = None;
        self.post_read(false, Some(opened), None, None, following);
    }

    /// Says the notice held back, if any: the source went quiet after it.
    fn flush_notice(&mut self) {
        if let Some((opened, following)) = self.held.take() {
            self.noticed_at = js_sys::Date::now();
            self.post_read(false, Some(opened), None, None, following);
        }
    }

    /// Says at once where following stands (caught up, reconnecting).
    fn say(&mut self, opened: Opened, following: Following) {
        self.held = None;
        self.noticed_at = js_sys::Date::now();
        self.post_read(false, Some(opened), None, None, Some(following));
    }

    /// The read's last answer.
    fn end(self, ended: Ended) {
        match ended {
            Ended::Read(opened, wait_s) => self.post_read(true, Some(*opened), None, wait_s, None),
            Ended::Unread(unread) => self.post_read(true, None, Some(unread), None, None),
            Ended::Answered(answer) => self.post(*answer),
            Ended::Superseded => self.post(Answer::Refused(Refusal::Superseded)),
        }
    }

    /// Posts a `read` answer: a notice, or the last one.
    fn post_read(
        &self,
        done: bool,
        opened: Option<Opened>,
        unread: Option<Unread>,
        wait_s: Option<u64>,
        following: Option<Following>,
    ) {
        let read = Read {
            done,
            received: self.received,
            total: self.total,
            page: self.page,
            opened,
            unread,
            wait_s,
            following,
        };
        self.post(Answer::Read(Box::new(read)));
    }

    fn post(&self, answer: Answer) {
        self.worker.post_answer(self.id, answer);
    }
}

/// The source, from an answer that is one; else how the read ends.
fn as_opened(answer: Answer) -> Result<Opened, Ended> {
    match answer {
        Answer::Opened(opened) => Ok(opened),
        other => Err(Ended::Answered(Box::new(other))),
    }
}

/// A fetch that failed before anything was read, as the page shows it.
fn unread(problem: &Problem) -> Unread {
    let (url, status, redirected) = match &problem.place {
        Place::Url { url, status } => (url.clone(), *status, false),
        Place::Redirected { url } => (url.clone(), 0, true),
        other => (other.to_string(), 0, false),
    };
    Unread {
        url,
        status,
        redirected,
        message: problem.kind.to_string(),
    }
}

/// The request that ends a body that came to its end: a download's `stopped` with `ended`
/// (its last line may still have been cut), a file's `finish`.
fn end_request(place: &Place) -> Request {
    match place {
        &Place::Url { status, .. } => Request::Stopped {
            status,
            why: Stop::Ended,
        },
        _ => Request::Finish,
    }
}
