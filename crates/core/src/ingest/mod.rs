//! Ingest: the one way events come in, whatever the source.
//!
//! A file, a URL, pasted text, the pages of a KurrentDB feed (and, later, a host page or a live
//! feed) all go through the same step machine. The browser side only moves bytes: it `feed`s
//! them as they arrive, calls `step` with a budget between yields, fetches the page `step` asks
//! for (`Step::Fetch`), and calls `finish` at the end of the source (or `broke_off` when the
//! download fails). Everything that decides anything happens here, synchronously and without a
//! browser, so it is tested natively and measured by the benchmarks exactly as the app runs it:
//!
//! 1. **Cutting.** Bytes become blocks of whole lines (`lines::LineBlocks`); a line that is not
//!    UTF-8 is named and left out, and a download that breaks off keeps every whole line.
//! 2. **Shape and format.** The first 16 KB decide whether the source is NDJSON, read a block at
//!    a time as it arrives, or one JSON document, read whole at the end; the format is the one
//!    chosen, or detected from the first records.
//! 3. **Decoding and indexing**, a bounded number of records per step. Events without a store
//!    position are indexed as they come; events with one (Marten, Axon) are held, put in the
//!    store's order, then indexed. Upcasting happens as each event is indexed. Where the build
//!    has threads (the native command) and a source was given as shared bytes (`feed_shared`),
//!    the blocks of Chronoscope's own records are scanned on every core and indexed in order.
//! 4. **Paging.** A KurrentDB feed is read forwards page by page (`pages::Pager`); `step` asks for
//!    each page's URL in turn.
//! 5. **Folding**, a bounded number of events per step, a stream at a time (`Timeline::fold_some`).
//!
//! After the load, `append` adds records (whole lines) to the same timeline: only the new events
//! are indexed and folded, and positions already shown do not move.
//!
//! Its files follow those stages: `arrival` takes the bytes and says how they end, `stepping` is
//! `step` and the reading it drives, `live` takes a feed's pages and a followed source's live
//! end; `lines`, `index`, `pages` and `setup` are the parts they use.

mod arrival;
pub mod index;
pub mod lines;
mod live;
pub mod pages;
pub mod setup;
mod stepping;

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::Arc;

use serde_json::Value;
use url::Url;

use crate::decode::{
    is_ndjson, DecodeOptions, Decoder, Detection, Format, LineCursor, Place, Problem, ProblemKind,
    RecordPlace,
};
use crate::event::Event;
use crate::projection::Projection;
use crate::source_text::SourceText;
use crate::timeline::Timeline;
use index::index_event;
use lines::{LineBlock, LineBlocks};
use pages::Pager;

/// How many records are decoded, or events folded, per step in the app.
pub const BATCH: usize = 250;

/// How much of a source is looked at before deciding whether it is NDJSON; the first block of
/// lines is no bigger, so that the first rows show soon after the first bytes.
pub const SNIFF_BYTES: usize = 16 << 10;

/// NDJSON is decoded in blocks of whole lines of about this many bytes.
pub const BLOCK_BYTES: usize = 256 << 10;

/// While the timeline has at most this many events, a block decoded before the source ends is
/// shown as a preview once the timeline has grown by half since the last one; past it, the list
/// keeps the last preview until the load ends, and the status line says so. A preview is folded
/// first, in budgeted steps like the rest of the load, so that the state it shows is read from
/// its snapshots: unfolded, a 10,000-event preview replayed its stream from the start in one
/// task of 50–110 ms (a CPU profile of the benchmark's load). The early fold is work the replay
/// at the end no longer does; it stops at this size, where previews stop, because folding a
/// block at a time would parse and write each stream's state once per block. Growing by half at
/// least keeps the copies to about three times the last preview.
pub const PREVIEW_MAX_EVENTS: usize = 10_000;

/// Said once when the custom mapping format is chosen without a usable mapping.
const NO_MAPPING: &str = "the custom mapping format needs a mapping: no record was read";

/// The choices a load is made with.
#[derive(Clone, Debug, Default)]
pub struct Setup {
    /// The format chosen by the person (`fmt=`); `None`: detected from the records.
    pub format: Option<Format>,
    /// The zone of naive times, and a custom mapping (which, unchosen, makes the format
    /// `Format::Mapping`).
    pub options: DecodeOptions,
    /// The projection whose rules and upcasters replay the events.
    pub projection: Option<Arc<Projection>>,
    /// Where the source was fetched from, made absolute: the base of a feed's page links.
    pub source_url: Option<Url>,
}

/// Where a load that failed can be read on from (a Retry), rather than from the start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResumePoint {
    /// The source's bytes from `offset`: the end of its last whole line, or, for a document
    /// read whole, of what arrived; asked for with an HTTP `Range` when the source `ranges`,
    /// else read again from the start with the first `offset` bytes skipped.
    Byte { offset: u64, ranges: bool },
    /// The feed page that could not be fetched.
    Page(Url),
}

/// A failure the load can be read on from.
#[derive(Clone, Debug)]
struct Fault {
    point: ResumePoint,
    /// The bytes of an NDJSON line cut off mid-way, which are read again from the line's start.
    n_cut: usize,
    /// The problems that said so, withdrawn when the load reads on.
    problems: Vec<Problem>,
}

/// What a call to `step` did, and what it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Work was done and more remains: call `step` again (after yielding to the page).
    Working,
    /// Everything received is done: `feed` more bytes, or `finish`.
    NeedBytes,
    /// The source is a feed read page by page: fetch this page and give it to `feed_page`
    /// (or `page_failed`).
    Fetch(Url),
    /// The load is complete: every event is indexed and folded.
    Done,
}

/// How far a load has come, for a progress line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IngestProgress {
    /// Events decoded so far.
    pub n_events: usize,
    /// Events folded into their streams' states so far.
    pub n_folded: usize,
    /// True once every event is read and only folding remains.
    pub replaying: bool,
}

/// A source's text as read, kept so that it can be read again with other choices (a format, a
/// mapping, a projection) without the bytes being fetched again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeptSource {
    /// NDJSON, as the blocks of whole lines it was read in (with their UTF-8 problems).
    Lines(Vec<LineBlock>),
    /// One JSON document.
    Whole(SourceText),
    /// Nothing could be kept (a feed read page by page is fetched again).
    Nothing,
}

/// Whether `memory_bytes` in use has reached a budget of `budget_mb`: then reading stops
/// (`Ingest::stop_at_ceiling`).
pub fn over_budget(memory_bytes: u64, budget_mb: u64) -> bool {
    memory_bytes >= budget_mb.saturating_mul(1 << 20)
}

/// Everything a load produced.
#[derive(Debug)]
pub struct Outcome {
    pub timeline: Timeline,
    /// Problems found while reading and decoding (replay problems live in the timeline).
    pub problems: Vec<Problem>,
    pub detection: Detection,
    pub kept: KeptSource,
}

/// Whether the source is NDJSON, read as it arrives, or one document, read at its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Unknown,
    Lines,
    Whole,
}

/// Records waiting to be decoded.
#[derive(Debug)]
enum Work {
    /// NDJSON lines of the text, from the cursor.
    Lines { text: SourceText, at: LineCursor },
    /// The records of a document (or of one page of a feed), from the `next`th.
    Records {
        text: SourceText,
        records: Vec<(RecordPlace, Range<usize>)>,
        next: usize,
        page: Option<usize>,
    },
}

/// A load in progress: the step machine the module describes.
#[derive(Debug)]
pub struct Ingest {
    setup: Setup,
    blocks: LineBlocks,
    shape: Shape,
    n_blocks: usize,
    /// Blocks of lines decoded to their end.
    n_blocks_done: usize,
    decoder: Option<Decoder>,
    detection: Option<Detection>,
    work: VecDeque<Work>,
    timeline: Timeline,
    /// Events with a store position, held to be put in the store's order before indexing.
    held: Vec<Held>,
    held_ordered: bool,
    /// True once any event without a store position was read: the source is then kept in its
    /// own order, whichever events were held, so that it reads the same in any blocks.
    unpositioned: bool,
    problems: Vec<Problem>,
    kept: KeptSource,
    /// True once the source has ended (`finish` or `broke_off`).
    ended: bool,
    pager: Option<Pager>,
    awaiting: Option<Url>,
    /// Where a source that broke off can be read on from, and the problems that said so.
    fault: Option<Fault>,
    /// Whether the source serves byte ranges (`serves_ranges`).
    ranges: bool,
    n_events: usize,
    /// Where reading stopped at the memory ceiling, and the budget (`stop_at_ceiling`).
    ceiling: Option<(Place, u64)>,
    preview: Preview,
    /// How many events the last preview held.
    previewed: usize,
}

/// Where the next preview is (see `PREVIEW_MAX_EVENTS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Preview {
    /// None is due.
    None,
    /// A block was indexed: its events are being folded.
    Folding,
    /// Folded, and not taken yet.
    Ready,
}

impl Ingest {
    /// A load with these choices; nothing read yet.
    pub fn new(setup: Setup) -> Ingest {
        let timeline = Timeline::with_projection(setup.projection.clone());
        Ingest {
            setup,
            blocks: LineBlocks::new(),
            shape: Shape::Unknown,
            n_blocks: 0,
            n_blocks_done: 0,
            decoder: None,
            detection: None,
            work: VecDeque::new(),
            timeline,
            held: Vec::new(),
            held_ordered: false,
            unpositioned: false,
            problems: Vec::new(),
            kept: KeptSource::Nothing,
            ended: false,
            pager: None,
            awaiting: None,
            fault: None,
            ranges: false,
            n_events: 0,
            ceiling: None,
            preview: Preview::None,
            previewed: 0,
        }
    }

    /// Reads a whole text at once (pasted text, a test): feeds it, finishes, and steps to the end.
    pub fn read_all(setup: Setup, text: &str) -> Outcome {
        let mut ingest = Ingest::new(setup);
        ingest.feed(text.as_bytes());
        ingest.finish();
        ingest.run();
        ingest.into_outcome()
    }

    /// Says where the source was fetched from: the base of a feed's page links.
    pub fn set_source_url(&mut self, url: Url) {
        self.setup.source_url = Some(url);
    }

    /// The source's URL, when it was fetched.
    pub fn source_url(&self) -> Option<&Url> {
        self.setup.source_url.as_ref()
    }

    /// Says whether the source serves byte ranges of the bytes it sends (`Accept-Ranges: bytes`
    /// and no `Content-Encoding`), which a resume point then carries.
    pub fn serves_ranges(&mut self, ranges: bool) {
        self.ranges = ranges;
    }

    /// Problems found before reading began (a mapping or projection that cannot be used).
    pub fn add_problem(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    /// Replays what was read with another projection (or none), which later records are read
    /// with too (`index::reproject`).
    pub fn reproject(&mut self, projection: Option<Arc<Projection>>) {
        self.setup.projection = projection.clone();
        self.timeline = index::reproject(&self.timeline, projection);
    }

    /// How far the load has come.
    pub fn progress(&self) -> IngestProgress {
        IngestProgress {
            n_events: self.n_events,
            n_folded: self.timeline.n_folded(),
            replaying: self.ended && self.work.is_empty() && self.awaiting.is_none(),
        }
    }

    /// The timeline so far: a preview while the rest loads. Taking it costs a copy of the index
    /// and of the snapshots of what was folded (see `PREVIEW_MAX_EVENTS`).
    pub fn preview(&self) -> (Timeline, Vec<Problem>, Detection) {
        (
            self.timeline.clone(),
            self.problems.clone(),
            self.detection(),
        )
    }

    /// The timeline as it stands.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// The problems found while reading and decoding so far (replay problems live in the
    /// timeline).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The format records are read as, and why; before the first records, the default.
    pub fn detection(&self) -> Detection {
        self.detection.clone().unwrap_or_else(|| {
            Detection::new(
                self.setup.format.unwrap_or(Format::Canonical),
                "nothing was read",
            )
        })
    }

    /// What the load produced so far, copied, for a source that stays open for `append`.
    pub fn outcome(&self) -> Outcome {
        Outcome {
            timeline: self.timeline.clone(),
            problems: self.problems.clone(),
            detection: self.detection(),
            kept: self.kept.clone(),
        }
    }

    /// What the load produced.
    pub fn into_outcome(self) -> Outcome {
        let detection = self.detection();
        Outcome {
            timeline: self.timeline,
            problems: self.problems,
            detection,
            kept: self.kept,
        }
    }
}

/// A decoded event on its way to the timeline, with where its record is.
#[derive(Debug)]
struct Held {
    event: Event,
    text: SourceText,
    range: Range<usize>,
    line: Option<usize>,
}

impl std::borrow::Borrow<Event> for Held {
    fn borrow(&self) -> &Event {
        &self.event
    }
}

impl std::borrow::BorrowMut<Event> for Held {
    fn borrow_mut(&mut self) -> &mut Event {
        &mut self.event
    }
}

impl Held {
    fn index(self, timeline: &mut Timeline) {
        let at = Some((&self.text, self.range));
        index_event(timeline, self.event, at, self.line);
    }
}

/// Whether bytes (at least the first 16 KB, or the whole source) are NDJSON: judged on their
/// whole lines that are UTF-8.
fn shape_of(bytes: &[u8]) -> Shape {
    let valid = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => std::str::from_utf8(&bytes[..err.valid_up_to()]).unwrap_or_default(),
    };
    let whole_lines = match valid.rfind('\n') {
        Some(end) if valid.len() < bytes.len() || bytes.len() >= SNIFF_BYTES => &valid[..end],
        _ => valid,
    };
    match is_ndjson(whole_lines) {
        true => Shape::Lines,
        false => Shape::Whole,
    }
}

/// Whether the line after the last newline, which has no newline of its own, is whole JSON;
/// `None` when it is blank.
fn last_line_is_whole(pending: &[u8]) -> Option<bool> {
    let last = pending
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(pending, |at| &pending[at + 1..]);
    (!last.trim_ascii().is_empty()).then(|| serde_json::from_slice::<Value>(last).is_ok())
}

/// Whether what a live source sent so far, short of the 16 KB that decide its shape, can be
/// records as lines: nothing yet, a first line still arriving, or a first line that is whole
/// JSON. A document spread over lines (a feed page, a JSON array) is not.
fn could_be_lines(pending: &[u8]) -> bool {
    match pending.iter().position(|&b| b == b'\n') {
        None => true,
        Some(end) => serde_json::from_slice::<Value>(&pending[..end]).is_ok(),
    }
}

/// A feed page's text and JSON, or the problem that names its URL.
fn read_page(url: &Url, bytes: Vec<u8>) -> Result<(SourceText, Value), Problem> {
    let place = || Place::Url {
        url: url.to_string(),
        status: 200,
    };
    let text = String::from_utf8(bytes).map_err(|_| Problem::new(place(), ProblemKind::NotUtf8))?;
    match serde_json::from_str::<Value>(&text) {
        Ok(page) => Ok((SourceText::from(text), page)),
        Err(err) => Err(Problem::new(
            place(),
            ProblemKind::Json {
                column: err.column(),
                message: err.to_string(),
            },
        )),
    }
}

/// A problem found on a page of a feed after the first says which page.
fn on_page(problem: Problem, page: Option<usize>) -> Problem {
    match page {
        Some(page) if page > 1 && !matches!(problem.place, Place::Page { .. }) => Problem {
            place: Place::Page {
                page,
                within: Box::new(problem.place),
            },
            kind: problem.kind,
        },
        _ => problem,
    }
}
