//! The engine behind the protocol (`chronoscope-protocol`): one `Engine` holds an open source
//! and answers each `Request` by calling the rest of the core, and nothing else decides
//! anything. It is plain Rust, so the same handler serves a Web Worker, the page (tests) and a
//! native process (`chronoscope-engine`), and its answers are tested natively against the core
//! called directly.
//!
//! A source is read through the ingest step machine, as every source is, and stays open after
//! `Open` so that `Append` can add a host's live events. Loading is index-first: `Open` answers
//! once every record is decoded and indexed, and the streams are folded (their snapshots taken)
//! afterwards, a slice at a time, by `work`, which whoever runs the engine calls while no
//! request waits. Until a stream is folded its states are replayed from its events, so every
//! answer is the same as after the fold; a stream asked for by `Select` is folded at once, and
//! `Integrity` folds everything first, since the fold finds the events that cannot be applied.
//!
//! A request the engine cannot answer is refused with its reason (no source, no such stream or
//! position, a query or time that cannot be read); it never panics on what it is sent.

mod detail;
mod files;
mod report;
mod table;

pub use files::evidence;

use std::sync::Arc;

use bytes::Bytes;
use chronoscope_protocol as wire;
use chronoscope_protocol::{Answer, Envelope, Refusal, Request};

use crate::blame::field_history;
use crate::decode::infer::Inference;
use crate::decode::mapping::Mapping;
use crate::decode::Detection;
use crate::diff::{diff, diff_touched, Difference, Op};
use crate::evidence::{check_state, reopen};
use crate::ingest::setup::{prepare, DocumentSource, Documents};
use crate::ingest::{over_budget, ResumePoint};
use crate::ingest::{Ingest, Step};
use crate::integrity::{check, Finding, Report};
use crate::link::ViewState;
use crate::link::MEMORY_BUDGET_MB;
use crate::problem::{Place, Problem, ProblemKind};
use crate::projection::Projection;
use crate::selection::select;
use crate::timeline::Timeline;
use crate::view::streams::shortlist;

/// The engine: at most one open source.
#[derive(Debug, Default)]
pub struct Engine {
    open: Option<OpenSource>,
    /// How many times a source was opened or appended to: the generation of the open one.
    generation: u64,
    /// How many sources were opened: the identity of the open one.
    n_opened: u64,
    caches: Caches,
    /// The bytes of the last answer that has some beside it (an evidence pack), until taken.
    attachment: Option<Vec<u8>>,
    /// How many bytes of memory the engine holds, where whoever runs it can tell: a source
    /// arriving stops at the view's memory ceiling (`mem=`) when it reaches it.
    gauge: Option<fn() -> u64>,
    /// Requests that wait for background work (`answer_json_or_wait`): every stream folded,
    /// or a table's streams worked out; in the order they came.
    waiting: std::collections::VecDeque<Envelope<Request>>,
}

/// What the engine answers from: a source as read (an `Engine` holds its own, `OpenSource`).
#[derive(Clone, Debug)]
pub struct Source<'a> {
    pub label: &'a str,
    pub timeline: &'a Timeline,
    pub detection: &'a Detection,
    /// What the decoding found.
    pub problems: &'a [Problem],
    /// Problems with the load's choices (a mapping or projection that could not be used).
    pub setup_problems: &'a [Problem],
    /// The projection document's text as written, for the evidence pack.
    pub projection_text: Option<&'a str>,
    /// Which reading of a source this is: it changes whenever the source does (an open, an
    /// append), so that what was worked out from it before is not used after.
    pub generation: u64,
    /// What the source wants next, while it arrives (`Wants::Nothing` once read).
    pub wants: wire::Wants,
    /// Where *Retry* reads on from, when the source broke off or a feed page failed.
    pub resume: Option<wire::ResumeAt>,
}

/// What the engine keeps between answers about one source, so that the next window of a long
/// list or table is not worked out over the whole source again. Each cache knows the source
/// generation it was made from.
#[derive(Debug, Default)]
struct Caches {
    list: detail::ListCache,
    search: detail::SearchCache,
    table: table::TableCache,
}

/// A source read by `Open`, kept open for `Append`.
#[derive(Debug)]
struct OpenSource {
    label: String,
    ingest: Ingest,
    /// Problems with the load's choices (a mapping or projection that could not be used).
    setup_problems: Vec<Problem>,
    /// The projection document's text as written, for the evidence pack.
    projection_text: Option<String>,
    detection: Detection,
    generation: u64,
    wants: wire::Wants,
    /// The view's memory ceiling in MB (`mem=`).
    budget_mb: u64,
    /// The status the source's URL answered with, for problems at its place.
    status: u16,
    /// True once a followed source has caught up: what comes next is appended.
    live: bool,
}

impl OpenSource {
    /// Where the source's own problems are: its URL with `status`, or, without one, its file.
    fn place(&self, status: u16) -> Place {
        match self.ingest.source_url() {
            Some(url) => Place::Url {
                url: url.to_string(),
                status,
            },
            None => Place::File(self.label.clone()),
        }
    }

    fn source(&self) -> Source<'_> {
        Source {
            label: &self.label,
            timeline: self.ingest.timeline(),
            detection: &self.detection,
            problems: self.ingest.problems(),
            setup_problems: &self.setup_problems,
            projection_text: self.projection_text.as_deref(),
            generation: self.generation,
            wants: self.wants.clone(),
            resume: self.ingest.resume_point().map(resume_at),
        }
    }

    /// Reads what the source holds as far as it can be read, notes what it wants next, and
    /// marks the source changed.
    fn read_on(&mut self, generation: u64) {
        self.wants = match self.ingest.run_until_indexed() {
            Some(Step::NeedBytes) => wire::Wants::Bytes,
            Some(Step::Fetch(url)) => wire::Wants::Page {
                url: url.to_string(),
            },
            _ => wire::Wants::Nothing,
        };
        self.detection = self.ingest.detection();
        self.generation = generation;
    }
}

impl Engine {
    /// An engine with nothing open.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// Answers one request of the protocol; a request of another version is refused.
    pub fn answer(&mut self, request: Envelope<Request>) -> Envelope<Answer> {
        let body = match request.v == wire::VERSION {
            true => self.handle(request.body),
            false => Answer::Refused(Refusal::Version {
                ours: wire::VERSION,
                theirs: request.v,
            }),
        };
        Envelope::new(request.id, body)
    }

    /// Answers a request given as the protocol's JSON, with the answer as JSON: what a worker
    /// or a native process is sent and sends back. Text that is not a request is refused with
    /// the place where reading it stopped.
    pub fn answer_json(&mut self, text: &str) -> String {
        let answer = self.answer_read(text, |engine, request| Some(engine.answer(request)));
        answer.unwrap_or_default()
    }

    /// `answer_json`, except for a request that needs background work done first: it waits
    /// (`None`), and the requests after it are answered meanwhile; `answers_ready` gives its
    /// answer once `work` has done what it needs. `integrity` and `evidence` wait for every
    /// stream to be folded; `table` for its streams to be worked out (`engine::table`). A
    /// worker answers so, to stay responsive: folding 1,000,000 events at once kept every
    /// request behind it waiting 3.1 s; a table of 2,000,000 streams, 2.7 s.
    pub fn answer_json_or_wait(&mut self, text: &str) -> Option<String> {
        let mut waits = false;
        let answer = self.answer_read(text, |engine, request| {
            if engine.must_wait(&request) {
                waits = true;
                engine.waiting.push_back(request);
                return None;
            }
            Some(engine.answer(request))
        });
        answer.filter(|_| !waits)
    }

    /// True when the request needs background work that is not done (and, for a table, starts
    /// it).
    fn must_wait(&mut self, request: &Envelope<Request>) -> bool {
        if request.v != wire::VERSION {
            return false;
        }
        match &request.body {
            Request::Integrity | Request::Evidence(_) | Request::Report { .. } => self.is_folding(),
            Request::Table { .. } => match self.table_read(request) {
                Some(read) => self.caches.table.begin(read),
                None => false,
            },
            _ => false,
        }
    }

    /// The answers to the requests that waited, as JSON with any bytes beside each, once what
    /// each waited for is done; a table replaced by another before it was ready is refused as
    /// superseded.
    pub fn answers_ready(&mut self) -> Vec<(String, Option<Vec<u8>>)> {
        let mut ready = Vec::new();
        for request in std::mem::take(&mut self.waiting) {
            let answer = match self.still_waits(&request) {
                Some(true) => {
                    self.waiting.push_back(request);
                    continue;
                }
                Some(false) => self.answer(request),
                None => Envelope::new(request.id, Answer::Refused(Refusal::Superseded)),
            };
            let text = self.written(answer);
            ready.push((text, self.take_attachment()));
        }
        ready
    }

    /// A table request's moment and query, read, about the open source; `None` for another
    /// request, one that cannot be read (it is answered at once, refused), or with nothing open.
    fn table_read(&self, request: &Envelope<Request>) -> Option<table::TableRead> {
        let open = self.open.as_ref()?;
        match &request.body {
            Request::Table { at, query, .. } => {
                table::read_table(open.generation, at.as_deref(), query.as_deref()).ok()
            }
            _ => None,
        }
    }

    /// Whether a request that waited still waits; `None` for a table replaced by another.
    fn still_waits(&self, request: &Envelope<Request>) -> Option<bool> {
        let Some(read) = self.table_read(request) else {
            return Some(self.is_folding());
        };
        match self.caches.table.progress(&read) {
            table::Progress::Ready => Some(false),
            table::Progress::Scanning => Some(true),
            table::Progress::Replaced => None,
        }
    }

    /// `answer_json` for a request that came with bytes beside it (`answer_attached`).
    pub fn answer_json_attached(
        &mut self,
        text: &str,
        len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> String {
        let answer = self.answer_read(text, |engine, request| {
            Some(engine.answer_attached(request, len, fill))
        });
        answer.unwrap_or_default()
    }

    /// Reads a request from the protocol's JSON, has `answer` answer it, and writes the answer
    /// as JSON (`None` where `answer` keeps the request for later); text that is not a request
    /// is refused with where reading it stopped.
    fn answer_read(
        &mut self,
        text: &str,
        answer: impl FnOnce(&mut Engine, Envelope<Request>) -> Option<Envelope<Answer>>,
    ) -> Option<String> {
        let answer = match serde_json::from_str(text) {
            Ok(request) => answer(self, request)?,
            Err(err) => Envelope::new(
                request_id(text),
                Answer::Refused(Refusal::NotARequest {
                    line: err.line(),
                    column: err.column(),
                    message: err.to_string(),
                }),
            ),
        };
        Some(self.written(answer))
    }

    /// An answer as the protocol's JSON. A file's text goes beside it, as its bytes: a worker
    /// transfers them and the page hands them to the download as they are, where a table of
    /// 500,000 rows as a JSON string held the page for 200 ms reading it back.
    fn written(&mut self, mut answer: Envelope<Answer>) -> String {
        if let Answer::File(file) = &mut answer.body {
            if let Some(text) = file.text.take() {
                self.attachment = Some(text.into_bytes());
            }
        }
        serde_json::to_string(&answer).unwrap_or_else(|err| unwritable_answer(&err))
    }

    /// Answers `open_attached` with the `len` bytes of its source, written by `fill` straight
    /// into the ingest (a worker copies a transferred buffer once). A request of another
    /// version is refused as `answer` refuses it, and any other request that came with bytes is
    /// refused too.
    pub fn answer_attached(
        &mut self,
        request: Envelope<Request>,
        len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> Envelope<Answer> {
        match request.body {
            Request::OpenAttached {
                label,
                link,
                documents,
            } if request.v == wire::VERSION => {
                let body = self.open_with(label, &link, documents, |ingest| {
                    ingest.feed_with(len, fill)
                });
                Envelope::new(request.id, body)
            }
            Request::Feed if request.v == wire::VERSION => {
                let body = self.feed(|ingest| ingest.feed_with(len, fill));
                Envelope::new(request.id, body)
            }
            Request::FeedPage { url } if request.v == wire::VERSION => {
                let body = match url::Url::parse(&url) {
                    Ok(url) => self.arriving(|ingest| {
                        let mut bytes = vec![0; len];
                        fill(&mut bytes);
                        ingest.feed_page(&url, bytes);
                    }),
                    Err(err) => Answer::Refused(Refusal::NotAUrl {
                        url,
                        message: err.to_string(),
                    }),
                };
                Envelope::new(request.id, body)
            }
            Request::Follow(step @ (wire::FollowStep::Lines | wire::FollowStep::Polled { .. }))
                if request.v == wire::VERSION =>
            {
                let mut bytes = vec![0; len];
                fill(&mut bytes);
                Envelope::new(request.id, self.follow(step, bytes))
            }
            Request::OpenPack { name } if request.v == wire::VERSION => {
                let mut bytes = vec![0; len];
                fill(&mut bytes);
                Envelope::new(request.id, self.open_pack(&name, &bytes))
            }
            _ if request.v != wire::VERSION => self.answer(request),
            _ => Envelope::new(request.id, Answer::Refused(Refusal::NoAttachment)),
        }
    }

    /// Answers `feed` with the source's bytes shared rather than copied (a file the native
    /// command maps into memory): NDJSON is then read where the bytes are, its blocks on every
    /// core (`Ingest::feed_shared`); `open_pack` reads the pack where it is. Any other request
    /// is answered as `answer_attached` would.
    pub fn answer_shared(&mut self, request: Envelope<Request>, bytes: Bytes) -> Envelope<Answer> {
        match request.body {
            Request::Feed if request.v == wire::VERSION => {
                let body = self.feed(|ingest| ingest.feed_shared(bytes));
                Envelope::new(request.id, body)
            }
            Request::OpenPack { name } if request.v == wire::VERSION => {
                Envelope::new(request.id, self.open_pack(&name, &bytes))
            }
            _ => self.answer_attached(request, bytes.len(), |into| into.copy_from_slice(&bytes)),
        }
    }

    /// Answers a request.
    pub fn handle(&mut self, request: Request) -> Answer {
        match request {
            Request::Open {
                label,
                text,
                link,
                documents,
            } => self.open_with(label, &link, documents, |ingest| {
                ingest.feed(text.as_bytes())
            }),
            Request::OpenAttached { .. } => Answer::Refused(Refusal::NoAttachment),
            Request::Append { text } => self.append(&text),
            Request::Begin {
                label,
                link,
                documents,
                url,
                ranges,
                status,
            } => {
                let from = url.map(|url| (url, status.unwrap_or(200), ranges));
                self.begin(label, &link, documents, from)
            }
            Request::Feed | Request::FeedPage { .. } => Answer::Refused(Refusal::NoAttachment),
            Request::Finish => self.arriving(|ingest| ingest.finish()),
            Request::Resume => self.arriving(|ingest| ingest.resume()),
            Request::PageFailed {
                url,
                status,
                message,
            } => self.arriving(|ingest| {
                let place = Place::Url { url, status };
                ingest.page_failed(Problem::new(place, ProblemKind::Fetch(message)));
            }),
            Request::Stopped { status, why } => self.stopped(status, why),
            Request::Reproject { projection } => self.reproject(projection),
            Request::Follow(wire::FollowStep::Lines | wire::FollowStep::Polled { .. })
            | Request::OpenPack { .. } => Answer::Refused(Refusal::NoAttachment),
            Request::Follow(step) => self.follow(step, Vec::new()),
            Request::Status if self.open.is_some() => self.answer_opened(),
            Request::CheckMapping { text } => check_mapping(&text),
            Request::Evidence(request) => self.evidence(&request),
            Request::Served => Answer::Served(Vec::new()),
            Request::Read(_)
            | Request::ReadOn { .. }
            | Request::ReadFile { .. }
            | Request::Fetch { .. }
            | Request::FetchPage { .. }
            | Request::Unfollow => Answer::Refused(reads_elsewhere()),
            request => match &mut self.open {
                Some(open) => answer_about(open, &mut self.caches, request),
                None => Answer::Refused(Refusal::NothingOpen),
            },
        }
    }

    /// How many sources were opened so far: a read that began one goes on only while it is
    /// still the one open.
    pub fn n_opened(&self) -> u64 {
        self.n_opened
    }

    /// The URL the open source is read from, if it has one: where *Retry* fetches the rest.
    pub fn source_url(&self) -> Option<&url::Url> {
        self.open.as_ref()?.ingest.source_url()
    }

    /// The bytes that came with the last answer that has some (`Answer::File` without text),
    /// to be sent beside it; taken once.
    pub fn take_attachment(&mut self) -> Option<Vec<u8>> {
        self.attachment.take()
    }

    /// Packs the view's evidence, after folding and checking everything; the pack's bytes are
    /// kept for `take_attachment`.
    fn evidence(&mut self, request: &wire::EvidenceRequest) -> Answer {
        let Some(open) = &mut self.open else {
            return Answer::Refused(Refusal::NothingOpen);
        };
        open.ingest.run();
        let source = open.source();
        let report = check(source.timeline, source.detection.format, source.problems);
        match files::evidence(&source, &report, request) {
            Ok((file, bytes)) => {
                self.attachment = Some(bytes);
                Answer::File(file)
            }
            Err(refusal) => Answer::Refused(refusal),
        }
    }

    /// True while there is background work: a table being worked out, or streams of the open
    /// source not folded yet. Call `work`.
    pub fn has_work(&self) -> bool {
        self.caches.table.is_scanning() || self.is_folding()
    }

    /// True while the open source has streams not folded yet.
    fn is_folding(&self) -> bool {
        self.open
            .as_ref()
            .is_some_and(|open| open.ingest.timeline().n_folded() < open.ingest.timeline().len())
    }

    /// Does up to `budget` units of background work: the streams of a table being worked out
    /// (which a request waits for) first, else events of the open source to fold. True while
    /// more remain.
    pub fn work(&mut self, budget: usize) -> bool {
        let Some(open) = &mut self.open else {
            return false;
        };
        if self.caches.table.is_scanning() {
            self.caches.table.scan(open.ingest.timeline(), budget);
            return self.has_work();
        }
        open.ingest.step(budget) == Step::Working
    }

    /// Reads a source, its bytes fed by `feed`, with the view's choices, and keeps it open.
    fn open_with(
        &mut self,
        label: String,
        link: &str,
        documents: Vec<wire::Document>,
        feed: impl FnOnce(&mut Ingest),
    ) -> Answer {
        let (view, _) = ViewState::from_query(link);
        let prepared = prepare(&view, documents_named(&view, &documents));
        let mut ingest = Ingest::new(prepared.setup);
        feed(&mut ingest);
        ingest.finish();
        index(&mut ingest);
        let ingest_detection = ingest.detection();
        self.generation += 1;
        self.n_opened += 1;
        let open = self.open.insert(OpenSource {
            label,
            ingest,
            setup_problems: prepared.problems,
            projection_text: prepared.projection_text,
            detection: ingest_detection,
            generation: self.generation,
            wants: wire::Wants::Nothing,
            budget_mb: budget_mb(&view),
            status: 0,
            live: false,
        });
        Answer::Opened(opened(&open.source()))
    }

    /// Opens a source whose bytes come after (`feed`, `finish`), read from `url` where given.
    fn begin(
        &mut self,
        label: String,
        link: &str,
        documents: Vec<wire::Document>,
        from: Option<(String, u16, bool)>,
    ) -> Answer {
        let (view, _) = ViewState::from_query(link);
        let mut prepared = prepare(&view, documents_named(&view, &documents));
        let (url, status, ranges) = from.map_or((None, 0, false), |(url, status, ranges)| {
            (url::Url::parse(&url).ok(), status, ranges)
        });
        prepared.setup.source_url = url;
        let mut ingest = Ingest::new(prepared.setup);
        ingest.serves_ranges(ranges);
        self.generation += 1;
        self.n_opened += 1;
        let open = self.open.insert(OpenSource {
            label,
            detection: ingest.detection(),
            ingest,
            setup_problems: prepared.problems,
            projection_text: prepared.projection_text,
            generation: self.generation,
            wants: wire::Wants::Bytes,
            budget_mb: budget_mb(&view),
            status,
            live: false,
        });
        Answer::Opened(opened(&open.source()))
    }

    /// Says how much memory the engine holds, with `gauge`; a source arriving then stops at
    /// its view's ceiling (`mem=`).
    pub fn set_memory_gauge(&mut self, gauge: fn() -> u64) {
        self.gauge = Some(gauge);
    }

    /// Gives the source that is arriving the next `len` bytes, written by `fill`, and reads
    /// them; past the memory ceiling it stops there, keeping what was read, and drops what
    /// comes after.
    fn feed(&mut self, give: impl FnOnce(&mut Ingest)) -> Answer {
        let gauge = self.gauge;
        let Some(open) = &mut self.open else {
            return Answer::Refused(Refusal::NothingOpen);
        };
        // Bytes sent after the source stopped wanting them (the memory ceiling; a page sends
        // several before it hears) are dropped.
        if open.wants != wire::Wants::Bytes {
            return self.answer_opened();
        }
        give(&mut open.ingest);
        self.generation += 1;
        open.read_on(self.generation);
        let used = gauge.map(|gauge| gauge());
        if open.wants == wire::Wants::Bytes && used.is_some_and(|u| over_budget(u, open.budget_mb))
        {
            let place = open.place(open.status);
            open.ingest.stop_at_ceiling(place, open.budget_mb);
            open.read_on(self.generation);
        }
        self.answer_opened()
    }

    /// Replays the open source with another projection.
    fn reproject(&mut self, text: Option<String>) -> Answer {
        let Some(open) = &mut self.open else {
            return Answer::Refused(Refusal::NothingOpen);
        };
        let projection = match text.as_deref().map(Projection::parse).transpose() {
            Ok(projection) => projection.map(Arc::new),
            Err(error) => {
                let message = error.to_string();
                return Answer::Refused(Refusal::Document { message });
            }
        };
        open.ingest.reproject(projection);
        open.projection_text = text;
        self.generation += 1;
        open.generation = self.generation;
        self.answer_opened()
    }

    /// What the protocol says of the open source now, with the memory the engine holds.
    fn answer_opened(&self) -> Answer {
        match &self.open {
            Some(open) => {
                let mut opened = opened(&open.source());
                opened.memory_bytes = self.gauge.map(|gauge| gauge());
                Answer::Opened(opened)
            }
            None => Answer::Refused(Refusal::NothingOpen),
        }
    }

    /// Takes one step of following the open source (`bytes`: what came with it).
    fn follow(&mut self, step: wire::FollowStep, bytes: Vec<u8>) -> Answer {
        let Some(open) = &mut self.open else {
            return Answer::Refused(Refusal::NothingOpen);
        };
        let mut next = None;
        match step {
            wire::FollowStep::Lines if open.live => open.ingest.append(&bytes),
            wire::FollowStep::Lines => open.ingest.feed(&bytes),
            wire::FollowStep::Live { ended } => {
                open.live = open.ingest.go_live(ended);
            }
            wire::FollowStep::Polled { url } => match url::Url::parse(&url) {
                Ok(url) => next = Some(open.ingest.take_polled_page(&url, bytes)),
                Err(err) => {
                    let message = err.to_string();
                    return Answer::Refused(Refusal::NotAUrl { url, message });
                }
            },
            wire::FollowStep::ConnectionEnded => open.ingest.connection_ended(),
            wire::FollowStep::Reconnected => open.ingest.reconnected(),
            wire::FollowStep::TooLong { after, limit_bytes } => {
                let kind = ProblemKind::EventTooLong { after, limit_bytes };
                open.ingest.add_problem(Problem::new(open.place(200), kind));
            }
            wire::FollowStep::Unfollowable => {
                let kind = ProblemKind::CannotFollow(crate::follow::Unfollowable::Document);
                open.ingest.add_problem(Problem::new(open.place(200), kind));
            }
        }
        self.generation += 1;
        open.read_on(self.generation);
        let lines = open.live;
        let poll = match next {
            Some(next) => next.map(|url| url.to_string()),
            None => open.ingest.poll_url().map(ToString::to_string),
        };
        match self.answer_opened() {
            Answer::Opened(opened) => Answer::Followed {
                opened,
                lines,
                poll,
            },
            other => other,
        }
    }

    /// Opens an evidence pack: its files checked against its manifest, its events opened with
    /// its view, and its `state.json` compared with the state they replay to.
    fn open_pack(&mut self, name: &str, bytes: &[u8]) -> Answer {
        let pack = match reopen(bytes, name) {
            Ok(pack) => pack,
            Err(err) => {
                let message = err.to_string();
                return Answer::Refused(Refusal::Document { message });
            }
        };
        let link = pack.view.to_query();
        let label = format!("evidence pack {name}");
        let events = pack.events.as_bytes();
        let opened = match self.open_with(label, &link, Vec::new(), |i| i.feed(events)) {
            Answer::Opened(opened) => opened,
            other => return other,
        };
        let mut tampered = pack.tampered;
        let timeline = self.open.as_ref().map(|open| open.ingest.timeline());
        if let (Some(expected), Some(timeline)) = (&pack.state, timeline) {
            tampered.extend(check_state(expected, timeline, &pack.view).map(|t| t.to_string()));
        }
        Answer::PackOpened(wire::PackOpened {
            link,
            n_files: pack.n_files,
            tampered,
            opened,
        })
    }

    /// The source's bytes stopped as `why` says, at its URL and `status` (or its file).
    fn stopped(&mut self, status: u16, why: wire::Stop) -> Answer {
        let Some(open) = &mut self.open else {
            return Answer::Refused(Refusal::NothingOpen);
        };
        let place = open.place(status);
        let kind = match why {
            wire::Stop::Ended => {
                open.ingest.download_ended(place.clone());
                None
            }
            wire::Stop::BrokeOff { message } => Some(ProblemKind::BrokeOff(message)),
            wire::Stop::Stalled { n_bytes, seconds } => {
                Some(ProblemKind::Stalled { n_bytes, seconds })
            }
            wire::Stop::TryLater { answer, wait_s } => {
                Some(ProblemKind::TryLater { answer, wait_s })
            }
            wire::Stop::NoAnswer { seconds } => Some(ProblemKind::NoAnswer { seconds }),
            wire::Stop::Failed { message } => Some(ProblemKind::Fetch(message)),
        };
        if let Some(kind) = kind {
            open.ingest.broke_off(Problem::new(place, kind));
        }
        self.generation += 1;
        open.read_on(self.generation);
        self.answer_opened()
    }

    /// Gives the source that is arriving what `give` gives it, and reads on.
    fn arriving(&mut self, give: impl FnOnce(&mut Ingest)) -> Answer {
        let Some(open) = &mut self.open else {
            return Answer::Refused(Refusal::NothingOpen);
        };
        give(&mut open.ingest);
        self.generation += 1;
        open.read_on(self.generation);
        self.answer_opened()
    }

    /// Adds records to the open source and reads them.
    fn append(&mut self, text: &str) -> Answer {
        let Some(open) = &mut self.open else {
            return Answer::Refused(Refusal::NothingOpen);
        };
        open.ingest.append(text.as_bytes());
        index(&mut open.ingest);
        open.detection = open.ingest.detection();
        self.generation += 1;
        open.generation = self.generation;
        Answer::Opened(opened(&open.source()))
    }
}

/// The view's memory ceiling in MB: its `mem=`, or the default.
fn budget_mb(view: &ViewState) -> u64 {
    view.memory_mb.unwrap_or(MEMORY_BUDGET_MB)
}

/// Where *Retry* reads on from, as the protocol says it.
fn resume_at(point: &ResumePoint) -> wire::ResumeAt {
    match point {
        ResumePoint::Byte { offset, ranges } => wire::ResumeAt::Byte {
            offset: *offset,
            ranges: *ranges,
        },
        ResumePoint::Page(url) => wire::ResumeAt::Page {
            url: url.to_string(),
        },
    }
}

/// The id of a message that could not be read as a request, where one can be found; else 0.
fn request_id(text: &str) -> u64 {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|value| value.get("id")?.as_u64())
        .unwrap_or(0)
}

/// An answer for the one case where serde cannot write an answer (a map with non-string keys,
/// which these types never hold): said as a refusal rather than a panic.
fn unwritable_answer(err: &serde_json::Error) -> String {
    let message = serde_json::Value::String(format!("the answer could not be written: {err}"));
    format!(
        r#"{{"v":{},"id":0,"body":{{"refused":{{"not_a_request":{{"line":0,"column":0,"message":{message}}}}}}}}}"#,
        wire::VERSION
    )
}

/// The documents the view names (`map=`, `proj=`), each with its text: inline JSON as written,
/// an address from the request's documents, or a problem naming the parameter when the
/// request did not bring it.
fn documents_named(
    view: &ViewState,
    given: &[wire::Document],
) -> Documents<(DocumentSource, Result<String, Problem>)> {
    let with_text = |value: &Option<String>, param: &str| {
        let source = DocumentSource::of(value.as_deref()?);
        let text = match &source {
            DocumentSource::Inline(text) => Ok(text.clone()),
            DocumentSource::Address(address) => {
                match given.iter().find(|doc| &doc.address == address) {
                    Some(doc) if doc.unfetched => return None,
                    Some(doc) => Ok(doc.text.clone()),
                    None => Err(not_brought(param, address)),
                }
            }
        };
        Some((source, text))
    };
    Documents {
        mapping: with_text(&view.mapping, "map"),
        projection: with_text(&view.projection, "proj"),
    }
}

/// The problem of a document the view names by address that the request did not bring.
fn not_brought(param: &str, address: &str) -> Problem {
    let message = format!("`{address}` was named but its text was not sent with the request");
    Problem::new(Place::Link(param.into()), ProblemKind::Fetch(message))
}

/// Steps the ingest until everything it holds is decoded and indexed; the fold is left to
/// `Engine::work`. A source given as text has no address to fetch a feed's next page from, so
/// such a page is a problem at its URL.
fn index(ingest: &mut Ingest) {
    while let Some(Step::Fetch(url)) = ingest.run_until_indexed() {
        let message = "the source was given as text, so its next page was not fetched".into();
        let place = Place::Url {
            url: url.to_string(),
            status: 0,
        };
        ingest.page_failed(Problem::new(place, ProblemKind::Fetch(message)));
    }
}

/// Answers a question about the open source, with what it needs folded: everything before
/// the integrity checks, which read the problems the fold finds; and, after `select`, the
/// stream it selected (the one shown), so that it is folded before the others.
fn answer_about(open: &mut OpenSource, caches: &mut Caches, request: Request) -> Answer {
    if matches!(request, Request::Integrity | Request::Report { .. }) {
        open.ingest.run();
    }
    let answer = ask(&open.source(), caches, request);
    // The stream a view selects is folded at once: its moments are asked for next.
    let selected = match &answer {
        Answer::Selected(selected) => selected.stream.as_deref(),
        Answer::Moment(moment) => moment.selected.stream.as_deref(),
        _ => None,
    };
    if let Some(stream) = selected {
        open.ingest.fold_stream(stream);
    }
    answer
}

/// What the protocol says of an open source.
fn opened(source: &Source<'_>) -> wire::Opened {
    let (timeline, detection) = (source.timeline, source.detection);
    let all = || {
        source
            .setup_problems
            .iter()
            .chain(source.problems)
            .chain(timeline.problems())
    };
    let problems = all()
        .take(wire::MAX_PROBLEM_LINES)
        .map(problem_line)
        .collect();
    wire::Opened {
        label: source.label.to_string(),
        n_events: timeline.len(),
        n_folded: timeline.n_folded(),
        n_streams: timeline.n_streams(),
        format: detection.format.key().to_string(),
        format_label: detection.format.label().to_string(),
        reason: detection.reason.clone(),
        wants: source.wants.clone(),
        problems,
        n_problems: all().count(),
        resume: source.resume.clone(),
        naive_times: timeline.has_naive_times(),
        projection: source.projection_text.map(str::to_string),
        memory_bytes: None,
        mapping_inferred: detection.inferred_mapping().map(Mapping::to_json),
        mapping_started: match &detection.inferred {
            Some(Inference::Unfit { start, .. }) => Some(start.to_json()),
            _ => None,
        },
        json_columns: detection.json_columns.clone(),
    }
}

fn problem_line(problem: &Problem) -> wire::ProblemLine {
    wire::ProblemLine {
        place: problem.place.to_string(),
        message: problem.message(),
    }
}

/// Why an engine called directly does not read a URL or a file itself: only its worker has
/// the browser's `fetch` and `File` (`crates/worker`'s `read`).
fn reads_elsewhere() -> Refusal {
    Refusal::Unavailable {
        message: "this engine reads or fetches no URL or file itself: its worker does".into(),
    }
}

/// Answers a question about a source.
fn ask(source: &Source<'_>, caches: &mut Caches, request: Request) -> Answer {
    let timeline = source.timeline;
    match request {
        Request::Open { .. }
        | Request::OpenAttached { .. }
        | Request::Append { .. }
        | Request::Begin { .. }
        | Request::Feed
        | Request::Finish
        | Request::Resume
        | Request::FeedPage { .. }
        | Request::PageFailed { .. }
        | Request::Stopped { .. }
        | Request::Reproject { .. }
        | Request::Follow(_)
        | Request::OpenPack { .. }
        | Request::Status => Answer::Opened(opened(source)),
        Request::Read(_)
        | Request::Served
        | Request::ReadOn { .. }
        | Request::ReadFile { .. }
        | Request::Fetch { .. }
        | Request::FetchPage { .. }
        | Request::Unfollow => Answer::Refused(reads_elsewhere()),
        Request::Streams {
            filter,
            selected,
            max,
        } => streams(timeline, &filter, selected.as_deref(), max),
        Request::Select { link } => {
            let (view, _) = ViewState::from_query(&link);
            Answer::Selected(selected(timeline, &view))
        }
        Request::Moment { link, at } => Answer::Moment(Box::new(moment(timeline, &link, at))),
        Request::Search { query, from, len } => {
            let asked = (query.as_str(), from, len);
            detail::search(timeline, source.generation, &mut caches.search, asked)
        }
        Request::Events {
            stream,
            from,
            len,
            filter,
            find,
        } => match known(timeline, &stream) {
            Ok(()) => {
                let asked = detail::ListWindowAsked {
                    stream: &stream,
                    from,
                    len,
                    filter: filter.as_deref(),
                    find,
                };
                detail::event_rows(timeline, source.generation, &mut caches.list, asked)
            }
            Err(refusal) => Answer::Refused(refusal),
        },
        Request::Stream { stream, bins } => match known(timeline, &stream) {
            Ok(()) => Answer::Stream(detail::stream_info(timeline, &stream, bins)),
            Err(refusal) => Answer::Refused(refusal),
        },
        Request::Count { stream, upto } => match known(timeline, &stream) {
            Ok(()) => Answer::Counted {
                n: timeline
                    .stream_log_positions(&stream)
                    .partition_point(|&idx| (idx as usize) < upto),
            },
            Err(refusal) => Answer::Refused(refusal),
        },
        Request::Event { stream, pos } => at_moments(timeline, &stream, &[Some(pos)], |_| {
            detail::event_detail(timeline, &stream, pos)
                .map_or(Answer::Refused(no_position(&stream, pos)), Answer::Event)
        }),
        Request::Locate { seq } => detail::locate(timeline, seq).map_or(
            Answer::Refused(Refusal::NoEvent { seq }),
            |(stream, row)| Answer::Located { stream, row },
        ),
        Request::Trail { stream, pos } => at_moments(timeline, &stream, &[Some(pos)], |_| {
            let format = source.detection.format;
            detail::trail(timeline, format, &stream, pos)
                .map_or(Answer::Refused(no_position(&stream, pos)), Answer::Trail)
        }),
        Request::Pin { link } => Answer::Pinned {
            query: files::pinned(timeline, &link),
        },
        Request::Scopes { link } => files::scopes(timeline, &link),
        Request::CheckMapping { text } => check_mapping(&text),
        Request::CheckPin { link } => Answer::PinChecked {
            check: files::check_link_pin(timeline, &link),
        },
        Request::Export { what, link } => {
            match files::export(source, &mut caches.table, what, &link) {
                Ok(file) => Answer::File(file),
                Err(refusal) => Answer::Refused(refusal),
            }
        }
        // Packed by `Engine::evidence`, which keeps the pack's bytes; never asked here.
        Request::Evidence(_) => Answer::Refused(Refusal::NothingOpen),
        Request::State { stream, pos } => {
            at_moments(timeline, &stream, &[pos], |[pos]| Answer::State {
                state: timeline.state_after(&stream, pos),
            })
        }
        Request::Diff { stream, from, to } => {
            at_moments(timeline, &stream, &[from, to], |[from, to]| {
                let before = timeline.state_after(&stream, from);
                let after = timeline.state_after(&stream, to);
                Answer::Diff {
                    changes: changes_between(timeline, &stream, (from, &before), (to, &after)),
                }
            })
        }
        Request::Report {
            link,
            page,
            link_base,
            printed,
        } => {
            let asked = report::Asked {
                link: &link,
                page: &page,
                link_base: link_base.as_deref(),
                printed,
            };
            Answer::Report {
                lines: report::report(source, &asked),
            }
        }
        Request::History { stream, upto, max } => match known(timeline, &stream) {
            Ok(()) => Answer::History(detail::history(timeline, &stream, upto, max)),
            Err(refusal) => Answer::Refused(refusal),
        },
        Request::Blame { stream, path } => match known(timeline, &stream) {
            Ok(()) => Answer::Blame {
                changes: blame(timeline, &stream, &path),
            },
            Err(refusal) => Answer::Refused(refusal),
        },
        Request::Table {
            at,
            columns,
            query,
            from,
            len,
        } => {
            let asked = table::TableAsked {
                at: at.as_deref(),
                columns: columns.as_deref(),
                query: query.as_deref(),
                from,
                len,
            };
            match table::table(timeline, source.generation, &mut caches.table, asked) {
                Ok(table) => Answer::Table(table),
                Err(refusal) => Answer::Refused(refusal),
            }
        }
        Request::Integrity => Answer::Integrity(integrity(&check(
            timeline,
            source.detection.format,
            source.problems,
        ))),
    }
}

fn no_position(stream: &str, pos: usize) -> Refusal {
    Refusal::NoPosition {
        stream: stream.to_string(),
        pos,
    }
}

/// Refuses a stream the source does not have.
fn known(timeline: &Timeline, stream: &str) -> Result<(), Refusal> {
    match timeline.has_stream(stream) {
        true => Ok(()),
        false => Err(Refusal::NoStream {
            stream: stream.to_string(),
        }),
    }
}

/// Answers with `answer` when the stream exists and has every position asked for.
fn at_moments<const N: usize>(
    timeline: &Timeline,
    stream: &str,
    positions: &[Option<usize>; N],
    answer: impl FnOnce([Option<usize>; N]) -> Answer,
) -> Answer {
    if let Err(refusal) = known(timeline, stream) {
        return Answer::Refused(refusal);
    }
    let len = timeline.stream_len(stream);
    match positions.iter().flatten().find(|&&pos| pos >= len) {
        Some(&pos) => Answer::Refused(Refusal::NoPosition {
            stream: stream.to_string(),
            pos,
        }),
        None => answer(*positions),
    }
}

/// The streams the list shows (`view::streams::shortlist`), and how many match.
fn streams(
    timeline: &Timeline,
    filter: &str,
    selected: Option<&str>,
    max: Option<usize>,
) -> Answer {
    let all = timeline.streams();
    let (listed, n_matching) = shortlist(&all, filter, selected, max.unwrap_or(usize::MAX));
    let streams = listed
        .into_iter()
        .map(|s| wire::StreamRow {
            name: s.name,
            n_events: s.n_events,
        })
        .collect();
    Answer::Streams {
        streams,
        n_matching,
    }
}

/// A view resolved against the source, with the selected event and the comparison point as
/// links name them.
fn selected(timeline: &Timeline, view: &ViewState) -> wire::Selected {
    let selection = select(timeline, view);
    let cursor_of = |stream: Option<&str>, pos: Option<usize>| cursor(timeline, stream?, pos?);
    wire::Selected {
        cursor: cursor_of(selection.stream.as_deref(), selection.pos),
        compare_cursor: cursor_of(selection.compare_in(), selection.compare),
        n_events: selection
            .stream
            .as_deref()
            .map_or(0, |stream| timeline.stream_len(stream)),
        stream: selection.stream,
        pos: selection.pos,
        compare: selection.compare,
        compare_stream: selection.compare_stream,
        compare_pinned: selection.compare_pinned,
        notes: selection.notes,
    }
}

/// The event at `pos` of `stream` as links name it: its version, which event with that
/// version it is, and its time.
fn cursor(timeline: &Timeline, stream: &str, pos: usize) -> Option<wire::Cursor> {
    let head = timeline.head_at(stream, pos)?;
    Some(wire::Cursor {
        version: head.version,
        occurrence: timeline.occurrence_at(stream, pos),
        time: head.timed.then_some(head.time),
    })
}

/// A mapping document as a load would use it: as a link carries it, or why it cannot be used.
fn check_mapping(text: &str) -> Answer {
    match crate::decode::mapping::Mapping::parse(text) {
        Ok(mapping) => Answer::MappingChecked {
            mapping: mapping.to_json(),
        },
        Err(error) => Answer::Refused(Refusal::Document {
            message: error.to_string(),
        }),
    }
}

/// The moment a view names, or the event at `at` of the view's stream, with the state there,
/// the state at the comparison point and the changes between them.
fn moment(timeline: &Timeline, link: &str, at: Option<usize>) -> wire::Moment {
    let (mut view, _) = ViewState::from_query(link);
    if let Some(pos) = at {
        move_to(timeline, &mut view, pos);
    }
    let selected = selected(timeline, &view);
    let Some(stream) = selected.stream.as_deref() else {
        return wire::Moment {
            selected,
            state: serde_json::Value::Null,
            compare_state: serde_json::Value::Null,
            changes: Vec::new(),
        };
    };
    let (pos, compare) = (selected.pos, selected.compare);
    let state = timeline.state_after(stream, pos);
    let other = selected.compare_stream.as_deref();
    let compare_state = timeline.state_after(other.unwrap_or(stream), compare);
    let changes = match other {
        // Two streams share no events: every path is compared.
        Some(_) => diff(&compare_state, &state)
            .into_iter()
            .map(change)
            .collect(),
        None => changes_between(timeline, stream, (compare, &compare_state), (pos, &state)),
    };
    wire::Moment {
        changes,
        selected,
        state,
        compare_state,
    }
}

/// What changed in a stream from one moment to another, given the states at both: only the
/// paths the events between them wrote are walked.
fn changes_between(
    timeline: &Timeline,
    stream: &str,
    (from, before): (Option<usize>, &serde_json::Value),
    (to, after): (Option<usize>, &serde_json::Value),
) -> Vec<wire::Change> {
    let touched = timeline.touched_between(stream, from, to);
    let changes = diff_touched(before, after, &touched);
    changes.into_iter().map(change).collect()
}

/// Moves a view to the event at `pos` of its stream, named as links name it (its version, and
/// which event with that version); a position past the stream's end leaves the view as it is.
fn move_to(timeline: &Timeline, view: &mut ViewState, pos: usize) {
    let Some(stream) = select(timeline, view).stream else {
        return;
    };
    let Some(head) = timeline.head_at(&stream, pos) else {
        return;
    };
    let occurrence = timeline.occurrence_at(&stream, pos);
    view.version = Some(head.version);
    view.dup = (occurrence > 1).then_some(occurrence);
    view.time = None;
}

fn change(difference: Difference) -> wire::Change {
    wire::Change {
        op: match difference.op {
            Op::Add => wire::ChangeOp::Add,
            Op::Remove => wire::ChangeOp::Remove,
            Op::Replace => wire::ChangeOp::Replace,
            Op::Move => wire::ChangeOp::Move,
        },
        path: difference.path,
        from: difference.from,
        before: difference.before,
        after: difference.after,
    }
}

/// Every change to the field, with who made it and when.
fn blame(timeline: &Timeline, stream: &str, path: &str) -> Vec<wire::FieldChange> {
    field_history(timeline, stream, path)
        .into_iter()
        .filter_map(|change| {
            let head = timeline.head_at(stream, change.pos)?;
            Some(wire::FieldChange {
                pos: change.pos,
                version: head.version,
                time: head.timed.then_some(head.time),
                user: head.user.map(str::to_string),
                before: change.before,
                after: change.after,
            })
        })
        .collect()
}

/// The integrity report as the protocol says it.
pub fn integrity(report: &Report) -> wire::Integrity {
    wire::Integrity {
        result: report.result.to_string(),
        summary: report.summary.clone(),
        n_events: report.n_events,
        n_streams: report.n_streams,
        n_chained: report.n_chained,
        findings: report
            .findings
            .iter()
            .take(wire::MAX_FINDINGS)
            .map(finding)
            .collect(),
        n_findings: report.findings.len(),
        not_checked: report.not_checked.clone(),
    }
}

fn finding(finding: &Finding) -> wire::Finding {
    wire::Finding {
        kind: finding.kind.key().to_string(),
        severity: finding.severity.singular().to_string(),
        stream: finding.stream.clone(),
        version: finding.version,
        log_idx: finding.log_idx,
        message: finding.message.clone(),
    }
}
