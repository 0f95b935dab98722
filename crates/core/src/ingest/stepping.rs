//! Stepping: `step` does a bounded amount of work at a time — lines cut into blocks, a document
//! or CSV read whole, the format chosen, records decoded and indexed a slice at a time, then the
//! fold — so that a large source is read without freezing its caller.

use serde_json::Value;

use super::index::{index_canonical, index_scanned, Scanned};
use super::lines::LineBlock;
use super::pages::Pager;
use super::{
    on_page, Held, Ingest, KeptSource, Preview, Shape, Step, Work, BLOCK_BYTES, NO_MAPPING,
    PREVIEW_MAX_EVENTS, SNIFF_BYTES,
};
use crate::cores;
use crate::decode::csv_text::{csv_records, looks_like_csv};
use crate::decode::{
    next_ndjson_lines, order_by_position, reading_of, split_records, DecodeError, Decoder, Format,
    LineCursor, Place, Problem, ProblemKind, Record, RecordPlace,
};
use crate::projection::Projection;
use crate::source_text::SourceText;

/// How many blocks of lines are decoded together on every core (`decode_blocks_together`):
/// 16 MB, enough to keep every core busy, few enough that what they read is held briefly.
const GROUP_BLOCKS: usize = 64;

impl Ingest {
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
    pub(super) fn step_reading(&mut self, budget: usize) -> Option<Step> {
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
            if budget < usize::MAX || !self.decode_blocks_together() {
                self.decode_some(budget);
            }
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

    /// True once after a block of a source read as it arrives has been indexed, when a preview is
    /// due (see `PREVIEW_MAX_EVENTS`): the moments to show one.
    pub fn take_preview_ready(&mut self) -> bool {
        let ready = self.preview == Preview::Ready;
        if ready {
            self.preview = Preview::None;
        }
        ready
    }

    /// Cuts the next block of whole lines held, if there is one: a small first block, then
    /// blocks of about `BLOCK_BYTES` (or one line, where a line is longer). False when there
    /// was none.
    pub(super) fn cut_block(&mut self) -> bool {
        let block = match self.n_blocks {
            0 => self.blocks.take_lines(SNIFF_BYTES, SNIFF_BYTES),
            _ => self.blocks.take_lines(BLOCK_BYTES, BLOCK_BYTES),
        };
        block.map(|block| self.take_block(block)).is_some()
    }

    /// Queues a block of lines for decoding and keeps it for re-reading.
    pub(super) fn take_block(&mut self, block: LineBlock) {
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
    pub(super) fn read_whole(&mut self) {
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
    pub(super) fn start_document(&mut self, text: SourceText) {
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
    pub(super) fn start_csv(&mut self, text: SourceText) {
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
        let json = SourceText::from(rows.json);
        self.problems.extend(rows.problems);
        self.work.push_back(Work::Records {
            text: json,
            records: rows.records,
            next: 0,
            page: None,
        });
    }

    /// The document as a KurrentDB feed page, when it is one and its records are read as such.
    pub(super) fn feed_head(&self, text: &str) -> Option<Value> {
        if self.decoder.as_ref()?.format() != Format::Kurrent {
            return None;
        }
        serde_json::from_str::<Value>(text)
            .ok()
            .filter(|feed| feed.get("entries").is_some())
    }

    /// Queues the records of a document (or a page of one) for decoding.
    pub(super) fn queue_records(&mut self, text: SourceText, page: Option<usize>) {
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
    pub(super) fn choose_format(&mut self, text: &str) {
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
    pub(super) fn decode_some(&mut self, budget: usize) {
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
                self.block_done();
            }
        }
    }

    /// Counts a block of lines decoded to its end. A block of a source still arriving: time
    /// for a preview, while previews are cheap.
    fn block_done(&mut self) {
        self.n_blocks_done += 1;
        let n = self.timeline.len();
        if !self.ended && n <= PREVIEW_MAX_EVENTS && n >= self.previewed * 3 / 2 {
            self.preview = Preview::Folding;
            self.previewed = n.max(1);
        }
    }

    /// Where the build has threads (the native command), decodes the blocks of Chronoscope's
    /// own lines queued next on every core, `GROUP_BLOCKS` at a time, while the group before is
    /// indexed in order: the same results as `decode_some` a block at a time. False, with
    /// nothing done, where there are not two such blocks to share out, or no threads.
    fn decode_blocks_together(&mut self) -> bool {
        if !cfg!(feature = "parallel") {
            return false;
        }
        let Some(decoder) = self.decoder.as_mut() else {
            return false;
        };
        if decoder.format() != Format::Canonical {
            return false;
        }
        let blocks: Vec<(SourceText, LineCursor)> = self
            .work
            .iter()
            .map_while(|work| match work {
                Work::Lines { text, at } => Some((text.clone(), *at)),
                Work::Records { .. } => None,
            })
            .collect();
        if blocks.len() < 2 {
            return false;
        }
        let upcasting = self
            .timeline
            .projection()
            .is_some_and(Projection::has_upcasters);
        let (timeline, problems) = (&mut self.timeline, &mut self.problems);
        let mut groups = blocks.chunks(GROUP_BLOCKS);
        let mut scanned = groups.next().map(|group| scan_group(group, upcasting));
        let mut n_events = 0;
        while let Some(current) = scanned.take() {
            let index = || {
                let n_before = timeline.len();
                for (text, records) in &current {
                    index_scanned(timeline, decoder, text, records, problems);
                }
                timeline.len() - n_before
            };
            let scan_next = || groups.next().map(|group| scan_group(group, upcasting));
            let (n, next) = cores::join(index, scan_next);
            n_events += n;
            scanned = next;
        }
        self.n_events += n_events;
        for _ in &blocks {
            self.work.pop_front();
            self.block_done();
        }
        true
    }

    /// Decodes one slice of records and indexes its events, or holds them to be ordered.
    pub(super) fn take_slice(&mut self, text: &SourceText, slice: &[Record<'_>]) {
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
    pub(super) fn index_held(&mut self, budget: usize) {
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

/// The records of each block of a group, read on every core (`scan_lines`).
fn scan_group(
    group: &[(SourceText, LineCursor)],
    upcasting: bool,
) -> Vec<(&SourceText, Vec<Scanned<'_>>)> {
    cores::map(group, |(text, at)| (text, scan_lines(text, *at, upcasting)))
}

/// The records of a block of lines from `at` on, each read the short way where it can
/// (`Scanned::of`).
fn scan_lines(text: &SourceText, at: LineCursor, upcasting: bool) -> Vec<Scanned<'_>> {
    let mut at = at;
    next_ndjson_lines(text, &mut at, usize::MAX)
        .into_iter()
        .map(|(place, range)| {
            let record = Record {
                place,
                text: text.get(range).unwrap_or_default(),
            };
            Scanned::of(record, upcasting)
        })
        .collect()
}
