//! Hash-pinned deep links: `h=` says which data a link was made on, so that opening it later
//! shows that same data or says that it changed, never silently something else.
//!
//! **The rule.** Take the selected stream's events from its first to the selected one, in
//! order. Frame each event's record, byte for byte as the source stored it (a line without its
//! line end, an array's element, a feed entry), as RFC 7464 does: the byte `0x1E`, the record,
//! the byte `0x0A`. `h` is the first 16 hex digits of the SHA-256 of those frames. Only the
//! records count, not how they were packed: the same records read from NDJSON, a JSON array, a
//! gzip file or an evidence pack give the same `h`.
//!
//! **Finding the change.** `h` alone can only say *that* the data changed. So the link also
//! carries `hx=k.marks`: `k`, the number of events `h` covers, and for up to 64 checkpoints
//! (every event when `k` ≤ 64, else evenly spaced) 12 bits of the running hash after that
//! event, in base64url. The first checkpoint that differs bounds the first event that differs:
//! exactly, when the checkpoints are consecutive events. A link without `hx=` still checks.

use sha2::{Digest, Sha256};

use crate::link::PIN_HEX;
use crate::timeline::Timeline;

/// The most checkpoints `hx=` carries.
pub const MAX_MARKS: usize = 64;

/// A pin for a moment of a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    /// `h=`: 16 hex digits.
    pub hash: String,
    /// `hx=`: the count of events and the checkpoints.
    pub marks: String,
}

/// What opening a pinned link found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinCheck {
    /// The events up to the moment are those the link was made on.
    Same,
    /// They differ. `first` is the first event (position in the stream, from 0) that differs,
    /// when the checkpoints tell it exactly; otherwise `within` is the range of positions it is
    /// in. `version` is the version at `first` now, if the stream still reaches it.
    Changed {
        first: Option<usize>,
        within: Option<(usize, usize)>,
        version: Option<u64>,
    },
    /// The moment is not in the source any more.
    Missing,
    /// Some event up to the moment was read without its bytes as stored.
    Unverifiable,
}

impl PinCheck {
    /// `same`, `changed` or `missing`, as the page's `data-result` says it.
    pub fn key(&self) -> &'static str {
        match self {
            PinCheck::Same => "same",
            PinCheck::Changed { .. } => "changed",
            PinCheck::Missing => "missing",
            PinCheck::Unverifiable => "unverifiable",
        }
    }

    /// The sentence the page shows.
    pub fn message(&self) -> String {
        match self {
            PinCheck::Same => "same data as when this link was made".into(),
            PinCheck::Changed {
                first: Some(_),
                version: Some(version),
                ..
            } => format!(
                "the stream changed before this moment: the first event that differs is v{version}"
            ),
            PinCheck::Changed {
                within: Some((from, to)),
                ..
            } => format!(
                "the stream changed before this moment: the first event that differs is between its event {} and {}",
                from + 1,
                to + 1
            ),
            PinCheck::Changed { .. } => "the stream changed before this moment".into(),
            PinCheck::Missing => "this moment no longer exists in the source".into(),
            PinCheck::Unverifiable => {
                "this link's data cannot be checked: the source's bytes were not kept".into()
            }
        }
    }
}

/// The pin of a stream's events up to `pos` (from 0), or `None` when one of them has no bytes
/// as stored.
pub fn pin(timeline: &Timeline, stream: &str, pos: usize) -> Option<Pin> {
    let records = records_up_to(timeline, stream, pos)?;
    let checkpoints = checkpoints(records.len());
    let (hash, marks) = hash_with_marks(&records, &checkpoints);
    Some(Pin {
        hash,
        marks: format!("{}.{}", records.len(), marks),
    })
}

/// Checks a pinned link against the loaded data. `pos` is where the link's moment is now
/// (`None` when it is not found).
pub fn check_pin(
    timeline: &Timeline,
    stream: &str,
    pos: Option<usize>,
    hash: &str,
    marks: Option<&str>,
) -> PinCheck {
    let Some(pos) = pos else {
        return PinCheck::Missing;
    };
    let Some(records) = records_up_to(timeline, stream, pos) else {
        return PinCheck::Unverifiable;
    };
    let (now, _) = hash_with_marks(&records, &[]);
    if now.eq_ignore_ascii_case(hash) {
        return PinCheck::Same;
    }
    let located = marks.and_then(|marks| locate(timeline, stream, marks));
    let (first, within) = match located {
        Some((from, to)) if from == to => (Some(to), None),
        Some(range) => (None, Some(range)),
        None => (None, None),
    };
    let version = first
        .and_then(|first| timeline.head_at(stream, first))
        .map(|head| head.version);
    PinCheck::Changed {
        first,
        within,
        version,
    }
}

/// The range of positions holding the first event that differs, from the link's checkpoints.
fn locate(timeline: &Timeline, stream: &str, marks: &str) -> Option<(usize, usize)> {
    let (k, marks) = marks.split_once('.')?;
    let k: usize = k.parse().ok()?;
    let checkpoints = checkpoints(k);
    if marks.len() != checkpoints.len() * 2 {
        return None;
    }
    let n_now = timeline.stream_len(stream);
    let last = (*checkpoints.last()?).min(n_now.checked_sub(1)?);
    let records = records_up_to(timeline, stream, last)?;
    let reachable: Vec<usize> = checkpoints
        .iter()
        .copied()
        .filter(|&p| p < records.len())
        .collect();
    let (_, now) = hash_with_marks(&records, &reachable);
    let mut from = 0;
    for (idx, &checkpoint) in checkpoints.iter().enumerate() {
        let was = marks.get(idx * 2..idx * 2 + 2)?;
        if now.get(idx * 2..idx * 2 + 2) != Some(was) {
            return Some((from, checkpoint));
        }
        from = checkpoint + 1;
    }
    None
}

/// The records of a stream's events up to `pos`, if every one has its bytes as stored.
fn records_up_to<'a>(timeline: &'a Timeline, stream: &str, pos: usize) -> Option<Vec<&'a str>> {
    let positions = timeline.stream_log_positions(stream).get(..=pos)?;
    positions
        .iter()
        .map(|&log_idx| timeline.stored_bytes(log_idx as usize))
        .collect()
}

/// The positions whose running hash `hx=` keeps, for `k` events.
fn checkpoints(k: usize) -> Vec<usize> {
    match k <= MAX_MARKS {
        true => (0..k).collect(),
        false => (1..=MAX_MARKS)
            .map(|i| (i * k).div_ceil(MAX_MARKS) - 1)
            .collect(),
    }
}

/// The pin hash of all the records, and the marks at these positions.
fn hash_with_marks(records: &[&str], checkpoints: &[usize]) -> (String, String) {
    let mut hasher = Sha256::new();
    let mut marks = String::with_capacity(checkpoints.len() * 2);
    let mut next = checkpoints.iter().peekable();
    for (pos, record) in records.iter().enumerate() {
        hasher.update([0x1e]);
        hasher.update(record.as_bytes());
        hasher.update([0x0a]);
        if next.peek() == Some(&&pos) {
            next.next();
            let running = hasher.clone().finalize();
            push_mark(
                &mut marks,
                u16::from(running[0]) << 4 | u16::from(running[1] >> 4),
            );
        }
    }
    let full = super::chain::hex(&hasher.finalize());
    (full[..PIN_HEX].to_string(), marks)
}

/// 12 bits as two base64url digits.
fn push_mark(out: &mut String, bits: u16) {
    const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    out.push(DIGITS[usize::from(bits >> 6) & 63] as char);
    out.push(DIGITS[usize::from(bits) & 63] as char);
}
