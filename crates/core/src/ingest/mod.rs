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
//!    store's order, then indexed. Upcasting happens as each event is indexed.
//! 4. **Paging.** A KurrentDB feed is read forwards page by page (`pages::Pager`); `step` asks for
//!    each page's URL in turn.
//! 5. **Folding**, a bounded number of events per step, a stream at a time (`Timeline::fold_some`).
//!
//! After the load, `append` adds records (whole lines) to the same timeline: only the new events
//! are indexed and folded, and positions already shown do not move.

pub mod index;
pub mod lines;
pub mod pages;
pub mod setup;

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::Arc;

use serde_json::Value;
use url::Url;

use crate::decode::csv_text::{csv_records, looks_like_csv};
use crate::decode::{
    is_ndjson, json_from_bytes, next_ndjson_lines, order_by_position, reading_of, split_records,
    DecodeError, DecodeOptions, Decoder, Detection, Format, LineCursor, Place, Problem,
    ProblemKind, Record, RecordPlace,
};
use crate::event::Event;
use crate::projection::Projection;
use crate::timeline::Timeline;
use index::{index_canonical, index_event};
use lines::{LineBlock, LineBlocks};
use pages::{NextPage, Pager};

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
    Whole(Arc<String>),
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
    Lines { text: Arc<String>, at: LineCursor },
    /// The records of a document (or of one page of a feed), from the `next`th.
    Records {
        text: Arc<String>,
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

    /// Takes bytes of the source as they arrive.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.blocks.push(bytes);
        self.sniff_shape();
    }

    /// Takes `len` bytes as they arrive, written by `fill` straight into the ingest's buffer
    /// (the browser copies a chunk once, with no copy in between).
    pub fn feed_with(&mut self, len: usize, fill: impl FnOnce(&mut [u8])) {
        self.blocks.push_with(len, fill);
        self.sniff_shape();
    }

    /// Decides the shape once enough has come. The whole lines of NDJSON are cut into blocks
    /// as `step` asks for them, a block at a time: a fast source hands over megabytes at once,
    /// and cutting them (a copy and a UTF-8 check) in one go made a task of 30 ms (a profile of
    /// the benchmark's load).
    fn sniff_shape(&mut self) {
        if self.shape == Shape::Unknown && self.blocks.pending().len() >= SNIFF_BYTES {
            self.shape = shape_of(self.blocks.pending());
        }
    }

    /// Reads a source kept from an earlier load again, with this load's choices.
    pub fn feed_kept(&mut self, kept: &KeptSource) {
        match kept {
            KeptSource::Lines(blocks) => {
                self.shape = Shape::Lines;
                for block in blocks {
                    self.take_block(block.clone());
                }
            }
            KeptSource::Whole(text) => {
                self.shape = Shape::Whole;
                self.start_document(text.clone());
            }
            KeptSource::Nothing => {}
        }
        self.ended = true;
    }

    /// The source has ended: whatever is held is read.
    pub fn finish(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        if self.shape == Shape::Unknown {
            self.shape = shape_of(self.blocks.pending());
        }
        match self.shape {
            Shape::Lines => {
                while self.cut_block() {}
                if let Some(block) = self.blocks.take_rest() {
                    self.take_block(block);
                }
            }
            _ => self.read_whole(),
        }
    }

    /// A download ended cleanly. When it is NDJSON whose last line has no newline and is not
    /// whole JSON, the body was cut short all the same (a compressed body cut short is decoded
    /// to its end and ends cleanly): it is read as a download that broke off at `place`, which
    /// can be read on. Otherwise the source is finished.
    pub fn download_ended(&mut self, place: Place) {
        if self.shape == Shape::Unknown {
            self.shape = shape_of(self.blocks.pending());
        }
        let cut =
            self.shape == Shape::Lines && last_line_is_whole(self.blocks.pending()) == Some(false);
        match cut {
            true => {
                let why = "the body ended mid-line, as a compressed body cut short does";
                self.broke_off(Problem::new(place, ProblemKind::BrokeOff(why.into())))
            }
            false => self.finish(),
        }
    }

    /// The source broke off (a failed download or file read): every whole line that arrived is
    /// kept, a line cut mid-way is named, and the failure is reported. A document that is not
    /// NDJSON cannot be read in part, so only the failure is reported.
    pub fn broke_off(&mut self, problem: Problem) {
        let Some((mut problems, n_cut)) = self.end_with_whole_lines() else {
            return;
        };
        problems.push(problem);
        let offset = self.blocks.offset() + self.blocks.pending().len() as u64 - n_cut as u64;
        let point = ResumePoint::Byte {
            offset,
            ranges: self.ranges,
        };
        self.problems.extend(problems.iter().cloned());
        self.fault = Some(Fault {
            point,
            n_cut,
            problems,
        });
    }

    /// Stops reading at the memory ceiling (see `over_budget`): the whole lines that arrived
    /// are kept, as when the source breaks off, but it cannot be read on, which would pass the
    /// ceiling again. The problem, with the number of events kept, is added once they are all
    /// read.
    pub fn stop_at_ceiling(&mut self, place: Place, budget_mb: u64) {
        if let Some((problems, _)) = self.end_with_whole_lines() {
            self.problems.extend(problems);
            self.ceiling = Some((place, budget_mb));
        }
    }

    /// Ends the source with what arrived: for NDJSON, its whole lines are taken, and a line cut
    /// mid-way is named (the problem, and its length). `None` when it had ended already.
    fn end_with_whole_lines(&mut self) -> Option<(Vec<Problem>, usize)> {
        if self.ended {
            return None;
        }
        self.ended = true;
        if self.shape == Shape::Unknown {
            self.shape = shape_of(self.blocks.pending());
        }
        let mut problems = Vec::new();
        let mut n_cut = 0;
        // A document is read whole: what arrived stays held, and more is added to it.
        if self.shape == Shape::Lines {
            let (block, cut) = self.blocks.take_cut();
            if let Some(block) = block {
                self.take_block(block);
            }
            if let Some(ProblemKind::LineCutOff { n_bytes }) = cut.as_ref().map(|c| &c.kind) {
                n_cut = *n_bytes;
            }
            // The cut line is named before the failure, as it comes first in the source.
            problems.extend(cut);
        }
        Some((problems, n_cut))
    }

    /// Where the source can be read on from after it broke off or a feed page failed: the end
    /// of the last whole line (or of what arrived of a document), or the page. `None` when
    /// nothing failed.
    pub fn resume_point(&self) -> Option<&ResumePoint> {
        self.fault.as_ref().map(|fault| &fault.point)
    }

    /// Reads on after a failure (a Retry): the problems that said the source broke off or a
    /// page failed are withdrawn, and the ingest takes the source's bytes from the resume point
    /// (`feed`, then `finish`) or asks for the failed page again (`step`).
    pub fn resume(&mut self) {
        let Some(fault) = self.fault.take() else {
            return;
        };
        for problem in &fault.problems {
            if let Some(at) = self.problems.iter().position(|p| p == problem) {
                self.problems.remove(at);
            }
        }
        match fault.point {
            ResumePoint::Page(url) => self.awaiting = Some(url),
            ResumePoint::Byte { .. } => {
                self.blocks.rewind(fault.n_cut);
                self.ended = false;
            }
        }
    }

    /// Replays what was read with another projection (or none), which later records are read
    /// with too (`index::reproject`).
    pub fn reproject(&mut self, projection: Option<Arc<Projection>>) {
        self.setup.projection = projection.clone();
        self.timeline = index::reproject(&self.timeline, projection);
    }

    /// Gives the page `Step::Fetch` asked for.
    pub fn feed_page(&mut self, url: &Url, bytes: Vec<u8>) {
        self.awaiting = None;
        match read_page(url, bytes) {
            Ok((text, page)) => self.take_page(url, text, &page),
            Err(problem) => self.problems.push(problem),
        }
    }

    /// The empty page a feed's read ended on: the one to long-poll for new events.
    pub fn poll_url(&self) -> Option<&Url> {
        self.pager.as_ref()?.end()
    }

    /// Takes a page a long-poll brought, after the load: its events are appended. Gives the
    /// page to ask for next (the same one while it is empty); `None` when the feed cannot be
    /// followed further, which a problem then says. A page that cannot be read is a problem,
    /// and the same page is asked for again.
    pub fn take_polled_page(&mut self, url: &Url, bytes: Vec<u8>) -> Option<Url> {
        let (text, page) = match read_page(url, bytes) {
            Ok(read) => read,
            Err(problem) => {
                self.problems.push(problem);
                return Some(url.clone());
            }
        };
        let pager = self.pager.as_mut()?;
        let number = pager.page_number();
        let next = pager.after_polled(url, &page);
        if !Pager::is_empty(&page) {
            self.queue_records(text, Some(number));
        }
        next.map_err(|problem| self.problems.push(problem)).ok()
    }

    /// A followed source has caught up: the whole lines that arrived are read as records (a
    /// line still arriving waits for the rest), the events are folded, and what comes next is
    /// appended. False, and the source is read whole as usual, when it is one document: a
    /// KurrentDB feed is then followed by long-polling, and anything else cannot be.
    ///
    /// `ended` says the response ended: its shape is then judged as a whole source's is.
    pub fn go_live(&mut self, ended: bool) -> bool {
        if self.ended {
            return self.shape == Shape::Lines;
        }
        if self.shape == Shape::Unknown {
            let pending = self.blocks.pending();
            self.shape = match ended {
                true => shape_of(pending),
                false if could_be_lines(pending) => Shape::Lines,
                false => Shape::Whole,
            };
        }
        if self.shape != Shape::Lines {
            self.finish();
            return false;
        }
        self.ended = true;
        self.take_whole_lines();
        true
    }

    /// A followed source's connection ended: a last line without its newline is a record when
    /// it is whole JSON (a file that does not end in a newline); a line cut short is dropped at
    /// the reconnect, which sends it again.
    pub fn connection_ended(&mut self) {
        if last_line_is_whole(self.blocks.pending()) == Some(true) {
            self.append(b"\n");
        }
    }

    /// A followed source lost its connection and reconnects: a line that was still arriving
    /// is dropped (it comes again whole), and from now on events sent again are dropped
    /// (`Timeline::drop_resent`).
    pub fn reconnected(&mut self) {
        self.blocks.drop_partial();
        self.timeline.drop_resent();
    }

    /// The page `Step::Fetch` asked for could not be fetched: reading the feed stops there.
    pub fn page_failed(&mut self, problem: Problem) {
        if let Some(url) = self.awaiting.take() {
            self.fault = Some(Fault {
                point: ResumePoint::Page(url),
                n_cut: 0,
                problems: vec![problem.clone()],
            });
        }
        self.problems.push(problem);
    }

    /// Adds records (whole lines of any supported format) after the load: only the new events
    /// are indexed and folded by the following steps. A last line without its newline waits
    /// for the rest.
    pub fn append(&mut self, bytes: &[u8]) {
        self.blocks.push(bytes);
        self.take_whole_lines();
    }

    /// Queues every whole line held, as one block.
    fn take_whole_lines(&mut self) {
        while let Some(block) = self.blocks.take_lines(1, usize::MAX) {
            self.take_block(block);
        }
    }

    /// Does a bounded amount of work: decodes up to `budget` records, or folds up to `budget`
    /// events, and says what comes next.
    pub fn step(&mut self, budget: usize) -> Step {
        let budget = budget.max(1);
        if let Some(step) = self.step_reading(budget) {
            return step;
        }
        if let Some((place, budget_mb)) = self.ceiling.take() {
            let n_events = self.n_events;
            let kind = ProblemKind::Ceiling {
                budget_mb,
                n_events,
            };
            self.problems.push(Problem::new(place, kind));
        }
        match self.timeline.fold_some(budget) {
            true => Step::Done,
            false => Step::Working,
        }
    }

    /// The reading part of `step`: what it does before any fold, or `None` once every event
    /// received is decoded and indexed, and only the fold is left.
    fn step_reading(&mut self, budget: usize) -> Option<Step> {
        if self.preview == Preview::Folding {
            if self.timeline.fold_some(budget) {
                self.preview = Preview::Ready;
            }
            return Some(Step::Working);
        }
        if self.work.is_empty() && self.shape == Shape::Lines {
            self.cut_block();
        }
        if !self.work.is_empty() {
            self.decode_some(budget);
            return Some(Step::Working);
        }
        if let Some(url) = &self.awaiting {
            return Some(Step::Fetch(url.clone()));
        }
        if !self.ended {
            return Some(Step::NeedBytes);
        }
        if !self.held.is_empty() {
            self.index_held(budget);
            return Some(Step::Working);
        }
        None
    }

    /// Steps until every event received is decoded and indexed, leaving the fold to `step`
    /// (index-first loading: a stream's state can be asked for before it is folded, and is
    /// then replayed from its events). `None` once indexed; else what the source needs (bytes,
    /// a page).
    pub fn run_until_indexed(&mut self) -> Option<Step> {
        loop {
            match self.step_reading(usize::MAX) {
                Some(Step::Working) => continue,
                other => return other,
            }
        }
    }

    /// Folds the events of one stream not folded yet, at once: the stream someone looks at.
    pub fn fold_stream(&mut self, stream: &str) {
        self.timeline.fold_stream_named(stream);
    }

    /// Steps until the load is done or needs something from outside (bytes, a page).
    pub fn run(&mut self) -> Step {
        loop {
            match self.step(usize::MAX) {
                Step::Working => continue,
                other => return other,
            }
        }
    }

    /// How far the load has come.
    pub fn progress(&self) -> IngestProgress {
        IngestProgress {
            n_events: self.n_events,
            n_folded: self.timeline.n_folded(),
            replaying: self.ended && self.work.is_empty() && self.awaiting.is_none(),
        }
    }

    /// True once after a block of a source read as it arrives has been indexed, when a preview is
    /// due (see `PREVIEW_MAX_EVENTS`): the moments to show one.
    pub fn take_preview_ready(&mut self) -> bool {
        let ready = self.preview == Preview::Ready;
        if ready {
            self.preview = Preview::None;
        }
        ready
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

    /// Cuts the next block of whole lines held, if there is one: a small first block, then
    /// blocks of about `BLOCK_BYTES` (or one line, where a line is longer). False when there
    /// was none.
    fn cut_block(&mut self) -> bool {
        let block = match self.n_blocks {
            0 => self.blocks.take_lines(SNIFF_BYTES, SNIFF_BYTES),
            _ => self.blocks.take_lines(BLOCK_BYTES, BLOCK_BYTES),
        };
        block.map(|block| self.take_block(block)).is_some()
    }

    /// Queues a block of lines for decoding and keeps it for re-reading.
    fn take_block(&mut self, block: LineBlock) {
        self.n_blocks += 1;
        if self.decoder.is_none() {
            self.choose_format(&block.text);
        }
        self.problems.extend(block.problems.iter().cloned());
        self.work.push_back(Work::Lines {
            text: block.text.clone(),
            at: LineCursor {
                pos: 0,
                line: block.first_line,
            },
        });
        match &mut self.kept {
            KeptSource::Lines(blocks) => blocks.push(block),
            kept => *kept = KeptSource::Lines(vec![block]),
        }
    }

    /// Reads everything held as one document.
    fn read_whole(&mut self) {
        let text = match self.blocks.take_rest() {
            Some(block) if block.problems.is_empty() => block.text,
            Some(block) => {
                // Where the first bad line is, the document cannot be read.
                let place = block.problems[0].place.clone();
                self.problems
                    .push(Problem::new(place, ProblemKind::NotUtf8));
                return;
            }
            None => {
                self.problems
                    .push(Problem::new(Place::Source, ProblemKind::Empty));
                return;
            }
        };
        self.start_document(text);
    }

    /// Starts decoding a whole document; a KurrentDB feed is read page by page instead, and CSV
    /// row by row.
    fn start_document(&mut self, text: Arc<String>) {
        if looks_like_csv(&text) {
            return self.start_csv(text);
        }
        if self.decoder.is_none() {
            self.choose_format(&text);
        }
        self.kept = KeptSource::Whole(text.clone());
        if let Some(head) = self.feed_head(&text) {
            let Some(source_url) = self.setup.source_url.clone() else {
                return self.queue_records(text, None);
            };
            self.kept = KeptSource::Nothing;
            let (pager, first) = Pager::start(&source_url, &head);
            self.pager = Some(pager);
            match first {
                Some(next) => self.go_to(next),
                None => self.take_page(&source_url, text, &head),
            }
            return;
        }
        self.queue_records(text, None);
    }

    /// Reads CSV with a header row: its rows become JSON records, which the format reads as it
    /// reads table rows exported as JSON.
    fn start_csv(&mut self, text: Arc<String>) {
        let mut rows = csv_records(&text, &[]);
        if self.decoder.is_none() {
            self.choose_format(&rows.json);
            if let Some(detection) = &mut self.detection {
                detection.reason = format!("CSV with a header row; {}", detection.reason);
            }
        }
        if self.decoder.as_ref().map(Decoder::format) == Some(Format::Canonical) {
            // Chronoscope's own events carry `data` and `meta` as JSON, not text.
            rows = csv_records(&text, &["data", "meta", "snapshot", "patch"]);
        }
        self.kept = KeptSource::Whole(text);
        let json = Arc::new(rows.json);
        self.problems.extend(rows.problems);
        self.work.push_back(Work::Records {
            text: json,
            records: rows.records,
            next: 0,
            page: None,
        });
    }

    /// The document as a KurrentDB feed page, when it is one and its records are read as such.
    fn feed_head(&self, text: &str) -> Option<Value> {
        if self.decoder.as_ref()?.format() != Format::Kurrent {
            return None;
        }
        serde_json::from_str::<Value>(text)
            .ok()
            .filter(|feed| feed.get("entries").is_some())
    }

    /// Takes one page of a feed: its entries are decoded, and the next page is asked for.
    fn take_page(&mut self, url: &Url, text: Arc<String>, page: &Value) {
        let Some(pager) = &mut self.pager else {
            return self.queue_records(text, None);
        };
        let number = pager.page_number();
        let next = pager.after(url, page);
        if !Pager::is_empty(page) {
            self.queue_records(text, Some(number));
        }
        self.go_to(next);
    }

    fn go_to(&mut self, next: NextPage) {
        match next {
            NextPage::Fetch(url) => self.awaiting = Some(url),
            NextPage::Done => {}
            NextPage::Stop(problem) => self.problems.push(problem),
        }
    }

    /// Queues the records of a document (or a page of one) for decoding.
    fn queue_records(&mut self, text: Arc<String>, page: Option<usize>) {
        let (records, problems) = split_records(&text);
        let base = text.as_ptr() as usize;
        let records = records
            .iter()
            .map(|record| {
                let start = record.text.as_ptr() as usize - base;
                (record.place, start..start + record.text.len())
            })
            .collect();
        for problem in problems {
            self.problems.push(on_page(problem, page));
        }
        self.work.push_back(Work::Records {
            text,
            records,
            next: 0,
            page,
        });
    }

    /// Chooses the format from the first text read: the person's choice, a mapping, what the
    /// records look like, or a mapping inferred from them (which the records are then read
    /// with, as if it were given).
    fn choose_format(&mut self, text: &str) {
        let detection = reading_of(text, self.setup.format, &self.setup.options);
        if let Some(mapping) = detection.inferred_mapping() {
            self.setup.options.mapping = Some(mapping.clone());
        }
        // One problem for the source, rather than the same one on every record.
        if let Some(problem) = detection.problem() {
            self.problems.push(problem);
        } else if detection.format == Format::Mapping && self.setup.options.mapping.is_none() {
            let refused = DecodeError::Refused(NO_MAPPING.into());
            self.problems
                .push(Problem::new(Place::Source, ProblemKind::Record(refused)));
        }
        self.decoder = Some(Decoder::with_options(
            detection.format,
            self.setup.options.clone(),
        ));
        self.detection = Some(detection);
    }

    /// Decodes up to `budget` records of the first work item.
    fn decode_some(&mut self, budget: usize) {
        let Some(work) = self.work.front_mut() else {
            return;
        };
        let n_before = self.problems.len();
        let (text, records, page, done) = match work {
            Work::Lines { text, at } => {
                let records = next_ndjson_lines(text, at, budget);
                (text.clone(), records, None, at.pos >= text.len())
            }
            Work::Records {
                text,
                records,
                next,
                page,
            } => {
                let end = records.len().min(next.saturating_add(budget));
                let slice = records[*next..end].to_vec();
                *next = end;
                (text.clone(), slice, *page, end == records.len())
            }
        };
        let slice: Vec<Record<'_>> = records
            .iter()
            .map(|(place, range)| Record {
                place: *place,
                text: text.get(range.clone()).unwrap_or_default(),
            })
            .collect();
        self.take_slice(&text, &slice);
        if page.is_some() {
            for problem in &mut self.problems[n_before..] {
                *problem = on_page(problem.clone(), page);
            }
        }
        if done {
            let finished = self.work.pop_front();
            if matches!(finished, Some(Work::Lines { .. })) {
                self.n_blocks_done += 1;
                // A block of a source still arriving: time for a preview, while previews are
                // cheap.
                let n = self.timeline.len();
                if !self.ended && n <= PREVIEW_MAX_EVENTS && n >= self.previewed * 3 / 2 {
                    self.preview = Preview::Folding;
                    self.previewed = n.max(1);
                }
            }
        }
    }

    /// Decodes one slice of records and indexes its events, or holds them to be ordered.
    fn take_slice(&mut self, text: &Arc<String>, slice: &[Record<'_>]) {
        let Some(decoder) = self.decoder.as_mut() else {
            return;
        };
        if decoder.format() == Format::Mapping && self.setup.options.mapping.is_none() {
            return;
        }
        if decoder.format() == Format::Canonical {
            // Chronoscope's own events have no store position: they are indexed as they come,
            // pointing into the source text rather than keeping a copy.
            let n_before = self.timeline.len();
            index_canonical(&mut self.timeline, decoder, text, slice, &mut self.problems);
            self.n_events += self.timeline.len() - n_before;
            return;
        }
        // Each record is decoded on its own, so that its events keep where their record is:
        // its bytes as stored are what integrity checks and hash-pinned links read.
        let base = text.as_ptr() as usize;
        let mut events = Vec::with_capacity(slice.len());
        let mut decoded = Vec::with_capacity(1);
        for record in slice {
            decoder.decode(
                std::slice::from_ref(record),
                &mut decoded,
                &mut self.problems,
            );
            let start = (record.text.as_ptr() as usize).wrapping_sub(base);
            let range = start..start.saturating_add(record.text.len());
            let line = match record.place {
                RecordPlace::Line(line) => Some(line),
                RecordPlace::Element(_) => None,
            };
            events.extend(decoded.drain(..).map(|event| Held {
                event,
                range: range.clone(),
                line,
                text: text.clone(),
            }));
        }
        self.n_events += events.len();
        // Events without a store position are indexed as they come; the others wait to be put
        // in the store's order, unless the load is over (appended events keep their order).
        let positioned = events.iter().any(|held| held.event.position.is_some());
        self.unpositioned |= events.iter().any(|held| held.event.position.is_none());
        if (!positioned && self.held.is_empty()) || self.held_ordered {
            for held in events {
                held.index(&mut self.timeline);
            }
        } else {
            self.held.extend(events);
        }
    }

    /// Indexes up to `budget` held events, in the store's order.
    fn index_held(&mut self, budget: usize) {
        if !self.held_ordered {
            // Only a source whose every event has a position is put in the store's order (as
            // `order_by_position` does for one read whole).
            if !self.unpositioned {
                order_by_position(&mut self.held);
            }
            self.held.reverse();
            self.held_ordered = true;
        }
        let n = budget.min(self.held.len());
        for held in self.held.drain(self.held.len() - n..).rev() {
            held.index(&mut self.timeline);
        }
    }
}

/// A decoded event on its way to the timeline, with where its record is.
#[derive(Debug)]
struct Held {
    event: Event,
    text: Arc<String>,
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
    (!last.trim_ascii().is_empty()).then(|| json_from_bytes::<Value>(last).is_some())
}

/// Whether what a live source sent so far, short of the 16 KB that decide its shape, can be
/// records as lines: nothing yet, a first line still arriving, or a first line that is whole
/// JSON. A document spread over lines (a feed page, a JSON array) is not.
fn could_be_lines(pending: &[u8]) -> bool {
    match pending.iter().position(|&b| b == b'\n') {
        None => true,
        Some(end) => json_from_bytes::<Value>(&pending[..end]).is_some(),
    }
}

/// A feed page's text and JSON, or the problem that names its URL.
fn read_page(url: &Url, bytes: Vec<u8>) -> Result<(Arc<String>, Value), Problem> {
    let place = || Place::Url {
        url: url.to_string(),
        status: 200,
    };
    let text = String::from_utf8(bytes).map_err(|_| Problem::new(place(), ProblemKind::NotUtf8))?;
    match serde_json::from_str::<Value>(&text) {
        Ok(page) => Ok((Arc::new(text), page)),
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
