//! Cutting a stream of bytes into blocks of whole lines, as they arrive.
//!
//! Bytes come from the network or a file in pieces that cut lines, and multi-byte characters,
//! anywhere. `LineBlocks` holds what has arrived and hands out blocks of whole lines as text, each
//! with the number of its first line and the offset of its first byte, so that every problem
//! later found in a block names its place in the whole source. A newline byte is never part of a
//! multi-byte UTF-8 sequence, so a block cut after a newline never splits a character. A line
//! that is not UTF-8 is left out of its block (as an empty line, so that line numbers stay true)
//! and named as a problem: one bad byte costs one line, never the rest of the source. No crate
//! was found that splits a byte stream into numbered lines with this UTF-8 policy; the cutting
//! is a few `memchr` scans over a buffer.

use std::ops::Range;
use std::string::FromUtf8Error;

use bytes::Bytes;

use crate::cores;
use crate::decode::{Place, Problem, ProblemKind};
use crate::source_text::SourceText;

/// Bytes received but not yet handed out, and where they sit in the source.
#[derive(Clone, Debug, Default)]
pub struct LineBlocks {
    /// Bytes received; those before `start` have been handed out already.
    buffer: Vec<u8>,
    start: usize,
    /// How many bytes of the source came before `buffer[start..]`.
    offset: usize,
    /// The number (from 1) of the first line in `pending`.
    next_line: usize,
}

/// Whole lines of a source, as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineBlock {
    /// The lines, each ending in a newline except perhaps the source's last. A line that was not
    /// UTF-8 is empty here.
    pub text: SourceText,
    /// The number (from 1) of the block's first line in the source.
    pub first_line: usize,
    /// Lines left out because they are not UTF-8, each named by line and byte.
    pub problems: Vec<Problem>,
}

impl LineBlocks {
    /// Nothing received yet.
    pub fn new() -> LineBlocks {
        LineBlocks {
            buffer: Vec::new(),
            start: 0,
            offset: 0,
            next_line: 1,
        }
    }

    /// Takes bytes as they arrive.
    pub fn push(&mut self, bytes: &[u8]) {
        self.compact();
        self.buffer.extend_from_slice(bytes);
    }

    /// Takes `len` bytes as they arrive, written by `fill` straight into the buffer: a chunk in
    /// the browser's memory is copied once, with no copy in between.
    pub fn push_with(&mut self, len: usize, fill: impl FnOnce(&mut [u8])) {
        self.compact();
        let at = self.buffer.len();
        self.buffer.resize(at + len, 0);
        fill(&mut self.buffer[at..]);
    }

    /// Drops what was handed out: once per push rather than once per block, so that one large
    /// push cut into many blocks moves no byte more than once.
    fn compact(&mut self) {
        self.buffer.drain(..self.start);
        self.start = 0;
    }

    /// The bytes received and not yet handed out.
    pub fn pending(&self) -> &[u8] {
        &self.buffer[self.start..]
    }

    /// Takes the whole lines held, once at least `min_bytes` are held. The block ends at the
    /// last newline within the first `max_bytes` (or, if there is none, the first newline
    /// after), so that a first block can be kept small.
    pub fn take_lines(&mut self, min_bytes: usize, max_bytes: usize) -> Option<LineBlock> {
        let pending = self.pending();
        if pending.len() < min_bytes.max(1) {
            return None;
        }
        let cut = line_cut(pending, max_bytes)?;
        Some(self.take(cut + 1))
    }

    /// Takes shared bytes (a mapped file, or a slice of one) in blocks of whole lines, each a
    /// slice of those bytes rather than a copy: the first of about `first_bytes`, then of about
    /// `block_bytes`. A line that began in bytes held before is copied whole into a block of its
    /// own, and what follows the last newline is held, as `push` holds it, so that a file can
    /// be given a slice at a time. Each block's lines are counted and checked as UTF-8 on every
    /// core (`cores::map`); a block that is not UTF-8 is copied, its bad lines left out and
    /// named, as `take` does.
    pub fn take_shared(
        &mut self,
        bytes: Bytes,
        first_bytes: usize,
        block_bytes: usize,
    ) -> Vec<LineBlock> {
        let mut blocks = Vec::new();
        let mut bytes = bytes;
        if !self.pending().is_empty() {
            let Some(end) = first_newline(&bytes) else {
                self.push(&bytes);
                return blocks;
            };
            self.push(&bytes[..=end]);
            blocks.extend(self.take_rest());
            bytes = bytes.slice(end + 1..);
        }
        let ranges = block_ranges(&bytes, first_bytes, block_bytes);
        let checked = cores::map(&ranges, |range| {
            let block = bytes.slice(range.clone());
            let n_lines = count_newlines(&block);
            (n_lines, SourceText::try_from(block).ok())
        });
        for (range, (n_lines, text)) in ranges.iter().zip(checked) {
            let text = text.ok_or_else(|| bytes[range.clone()].to_vec());
            blocks.push(self.hand_out(range.len(), n_lines, text));
        }
        let end = ranges.last().map_or(0, |range| range.end);
        self.push(&bytes[end..]);
        blocks
    }

    /// Takes everything held, the last line even without a newline: the source has ended.
    pub fn take_rest(&mut self) -> Option<LineBlock> {
        let n = self.pending().len();
        (n > 0).then(|| self.take(n))
    }

    /// Takes the whole lines held after the source broke off. A last line cut off mid-way is
    /// left out, and named.
    pub fn take_cut(&mut self) -> (Option<LineBlock>, Option<Problem>) {
        let whole = last_newline(self.pending()).map_or(0, |at| at + 1);
        let block = (whole > 0).then(|| self.take(whole));
        let n_cut = self.pending().len();
        let cut = (n_cut > 0).then_some(Problem {
            place: Place::Byte {
                line: self.next_line,
                byte: self.offset as u64,
            },
            kind: ProblemKind::LineCutOff { n_bytes: n_cut },
        });
        self.offset += n_cut;
        self.buffer.clear();
        self.start = 0;
        (block, cut)
    }

    /// Drops a line still arriving when its connection was lost: a followed source sends it
    /// again whole after the reconnect (`core::follow`).
    pub fn drop_partial(&mut self) {
        self.offset += self.pending().len();
        self.buffer.clear();
        self.start = 0;
    }

    /// How many bytes of the source have been handed out or dropped.
    pub fn offset(&self) -> u64 {
        self.offset as u64
    }

    /// Takes back the last `n_bytes` dropped as a cut line, so that the source can be read on
    /// from the end of its last whole line (a retried download); nothing may be held.
    pub fn rewind(&mut self, n_bytes: usize) {
        if self.pending().is_empty() {
            self.offset = self.offset.saturating_sub(n_bytes);
        }
    }

    /// Hands out the first `n` bytes held as a block of lines.
    fn take(&mut self, n: usize) -> LineBlock {
        let rest = self.buffer.len() - self.start - n;
        let bytes = if self.start == 0 && rest <= n {
            // The block is the front of the buffer and the rest (usually a partial line) is no
            // larger: the rest moves out, and the buffer itself becomes the block.
            let rest = self.buffer.split_off(n);
            std::mem::replace(&mut self.buffer, rest)
        } else {
            let block = self.buffer[self.start..self.start + n].to_vec();
            self.start += n;
            block
        };
        if self.start >= self.buffer.len() {
            // Nothing is held (the source's end, usually): the buffer's room goes back, for the
            // replay that follows the last block.
            self.buffer = Vec::new();
            self.start = 0;
        }
        let n_lines = count_newlines(&bytes);
        let text = String::from_utf8(bytes)
            .map(SourceText::from)
            .map_err(FromUtf8Error::into_bytes);
        self.hand_out(n, n_lines, text)
    }

    /// Hands out the next `n` bytes of the source, `n_lines` newlines, as a block: the text
    /// they are or, where they are not UTF-8, their lines with each bad one left out and named.
    fn hand_out(
        &mut self,
        n: usize,
        n_lines: usize,
        text: Result<SourceText, Vec<u8>>,
    ) -> LineBlock {
        let first_line = self.next_line;
        let first_byte = self.offset;
        self.next_line += n_lines;
        self.offset += n;
        let (text, problems) = match text {
            Ok(text) => (text, Vec::new()),
            Err(bytes) => {
                let (text, problems) = lines_as_text(bytes, first_line, first_byte);
                (SourceText::from(text), problems)
            }
        };
        LineBlock {
            text,
            first_line,
            problems,
        }
    }
}

/// The bytes as text. Where they are not UTF-8, each bad line is left empty and named.
fn lines_as_text(bytes: Vec<u8>, first_line: usize, first_byte: usize) -> (String, Vec<Problem>) {
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return (text, Vec::new()),
        Err(err) => err.into_bytes(),
    };
    let mut text = String::with_capacity(bytes.len());
    let mut problems = Vec::new();
    let mut line_start = 0;
    for (index, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        match std::str::from_utf8(line) {
            Ok(line) => text.push_str(line),
            Err(err) => {
                problems.push(Problem {
                    place: Place::Byte {
                        line: first_line + index,
                        byte: (first_byte + line_start + err.valid_up_to()) as u64,
                    },
                    kind: ProblemKind::NotUtf8Line,
                });
                if line.ends_with(b"\n") {
                    text.push('\n');
                }
            }
        }
        line_start += line.len();
    }
    (text, problems)
}

/// The blocks of whole lines of `bytes`: each ends at the last newline within its size (the
/// first `first_bytes`, then `block_bytes`), or, where a line is longer, at the first newline
/// after; the bytes after the last newline are in no block.
fn block_ranges(bytes: &[u8], first_bytes: usize, block_bytes: usize) -> Vec<Range<usize>> {
    let mut ranges = Vec::with_capacity(bytes.len() / block_bytes.max(1) + 1);
    let mut start = 0;
    loop {
        let size = if ranges.is_empty() {
            first_bytes
        } else {
            block_bytes
        };
        let Some(at) = line_cut(&bytes[start..], size) else {
            return ranges;
        };
        ranges.push(start..start + at + 1);
        start += at + 1;
    }
}

/// Where a block of whole lines of about `size` bytes at the start of `bytes` ends: its last
/// newline within `size`, or, where a line is longer, the first newline after.
fn line_cut(bytes: &[u8], size: usize) -> Option<usize> {
    let limit = size.min(bytes.len());
    last_newline(&bytes[..limit]).or_else(|| first_newline(&bytes[limit..]).map(|at| limit + at))
}

fn count_newlines(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count()
}

fn last_newline(bytes: &[u8]) -> Option<usize> {
    memchr::memrchr(b'\n', bytes)
}

fn first_newline(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', bytes)
}
