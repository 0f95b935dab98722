//! Bytes in: a source's bytes fed as they arrive (`feed`, `feed_with`, a kept copy read again),
//! the shape sniffed from the first ones, and how the bytes end: whole (`finish`), with the
//! download (`download_ended`), broken off (`broke_off`), at the memory ceiling, or read on
//! from where they stopped (`resume`); lines added to a loaded source (`append`).

use bytes::Bytes;

use super::{
    last_line_is_whole, shape_of, Fault, Ingest, KeptSource, ResumePoint, Shape, BLOCK_BYTES,
    SNIFF_BYTES,
};
use crate::decode::{Place, Problem, ProblemKind};

/// How much of shared bytes decides their shape: as much as the native command once fed at a
/// time.
const SHARED_SNIFF_BYTES: usize = 1 << 20;

impl Ingest {
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

    /// Takes bytes of the source shared rather than copied (a file the native command maps
    /// into memory, given a slice at a time): NDJSON is cut into blocks that are slices of
    /// those bytes, read where they are (`LineBlocks::take_shared`), and `step` decodes the
    /// blocks queued on every core where the build has threads. The shape is decided from the
    /// first megabyte, as when the bytes come in pieces of that size; a document is taken as
    /// `feed` takes it.
    pub fn feed_shared(&mut self, bytes: Bytes) {
        if self.shape == Shape::Unknown && self.blocks.pending().is_empty() {
            let sniffed = &bytes[..bytes.len().min(SHARED_SNIFF_BYTES)];
            if sniffed.len() >= SNIFF_BYTES {
                self.shape = shape_of(sniffed);
            }
        }
        if self.shape != Shape::Lines {
            return self.feed(&bytes);
        }
        let first_bytes = if self.n_blocks == 0 {
            SNIFF_BYTES
        } else {
            BLOCK_BYTES
        };
        for block in self.blocks.take_shared(bytes, first_bytes, BLOCK_BYTES) {
            self.take_block(block);
        }
    }

    /// Decides the shape once enough has come. The whole lines of NDJSON are cut into blocks
    /// as `step` asks for them, a block at a time: a fast source hands over megabytes at once,
    /// and cutting them (a copy and a UTF-8 check) in one go made a task of 30 ms (a profile of
    /// the benchmark's load).
    pub(super) fn sniff_shape(&mut self) {
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
    pub(super) fn end_with_whole_lines(&mut self) -> Option<(Vec<Problem>, usize)> {
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

    /// Adds records (whole lines of any supported format) after the load: only the new events
    /// are indexed and folded by the following steps. A last line without its newline waits
    /// for the rest.
    pub fn append(&mut self, bytes: &[u8]) {
        self.blocks.push(bytes);
        self.take_whole_lines();
    }

    /// Queues every whole line held, as one block.
    pub(super) fn take_whole_lines(&mut self) {
        while let Some(block) = self.blocks.take_lines(1, usize::MAX) {
            self.take_block(block);
        }
    }
}
