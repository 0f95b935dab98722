//! Integrity: whether the log is complete and untampered, checked on every load.
//!
//! The checks read the timeline's index and each event's record as stored; none of them drops
//! or changes an event, they only report. A **finding** names its kind, its severity, the
//! stream and the event. The checks:
//!
//! - **hash chains** (`chain`): EventSourcingDB's rule for its format, or the chain a projection
//!   file describes; a mismatch or broken link is a *manipulation*;
//! - **versions** within a stream: a gap, a repeat, or a version that goes backwards (only for
//!   formats whose versions count a stream's events; Envers revisions, say, are shared by all
//!   entities and have gaps by design);
//! - **repeated event ids** across the log;
//! - **time going backwards** within a stream;
//! - **events after a delete** (the aggregate's state went to `null`);
//! - **a source that claims more than arrived**: a download that broke off, a feed page that
//!   failed or was not read.
//!
//! The report's top line states the result first, as EventSourcingDB's auditing tool does:
//! "verified: …, chain intact", or the number of findings by severity; and it lists what was
//! *not* checked, so that "no findings" is never read as more than it is.

pub mod chain;
pub mod pin;

use std::fmt;

use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use serde_json::{json, Value};

use crate::core::decode::Format;
use crate::core::problem::{Problem, ProblemKind};
use crate::core::timeline::Timeline;
use crate::core::view::text::{count, counted};
use chain::{esdb_link, Link, ESDB_GENESIS};

/// How serious a finding is, in EventSourcingDB's auditing tool's groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The data was changed, removed or reordered after it was written.
    Manipulation,
    /// Something is missing or repeated.
    Gap,
    /// Worth a look, but legitimate logs do it too.
    Notice,
}

impl Severity {
    fn plural(self) -> &'static str {
        match self {
            Severity::Manipulation => "manipulations",
            Severity::Gap => "gaps",
            Severity::Notice => "notices",
        }
    }

    /// The severity's name, as the page's class and the report file say it.
    pub fn singular(self) -> &'static str {
        match self {
            Severity::Manipulation => "manipulation",
            Severity::Gap => "gap",
            Severity::Notice => "notice",
        }
    }
}

/// What a finding found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindingKind {
    /// The event's bytes do not hash to the hash it carries.
    HashMismatch {
        stored: String,
        computed: Option<String>,
    },
    /// The event's previous hash is not the hash its predecessor carries.
    BrokenLink { expected: String, found: String },
    /// Versions are missing between the previous event and this one.
    VersionGap { previous: u64, missing: u64 },
    /// The version is the previous event's again.
    DuplicateVersion,
    /// The version is lower than the previous event's.
    VersionBackwards { previous: u64 },
    /// Another event has the same id.
    DuplicateId {
        id: String,
        first_stream: String,
        first_version: u64,
    },
    /// The event's time is before the previous event's in the same stream.
    TimeReversal { previous: DateTime<Utc> },
    /// Events follow the one that ended the aggregate.
    AfterDelete {
        deleted_version: u64,
        n_after: usize,
    },
    /// The source says it holds more than was read.
    Incomplete { problem: String },
}

impl FindingKind {
    /// The kind's stable key (`data-kind` in the page, `kind` in the report file).
    pub fn key(&self) -> &'static str {
        match self {
            FindingKind::HashMismatch { .. } => "hash-mismatch",
            FindingKind::BrokenLink { .. } => "broken-link",
            FindingKind::VersionGap { .. } => "version-gap",
            FindingKind::DuplicateVersion => "duplicate-version",
            FindingKind::VersionBackwards { .. } => "version-backwards",
            FindingKind::DuplicateId { .. } => "duplicate-id",
            FindingKind::TimeReversal { .. } => "time-reversal",
            FindingKind::AfterDelete { .. } => "after-delete",
            FindingKind::Incomplete { .. } => "incomplete",
        }
    }

    pub fn severity(&self) -> Severity {
        match self {
            FindingKind::HashMismatch { .. } | FindingKind::BrokenLink { .. } => {
                Severity::Manipulation
            }
            FindingKind::TimeReversal { .. } => Severity::Notice,
            _ => Severity::Gap,
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FindingKind::HashMismatch {
                stored,
                computed: Some(computed),
            } => write!(
                f,
                "hash mismatch: the event carries {} but its bytes hash to {}",
                short(stored),
                short(computed)
            ),
            FindingKind::HashMismatch { computed: None, .. } => write!(
                f,
                "hash mismatch: a value the hash covers is missing from the record"
            ),
            FindingKind::BrokenLink { expected, found } if found.is_empty() => write!(
                f,
                "broken link: no previous hash, where {} was expected",
                short(expected)
            ),
            FindingKind::BrokenLink { expected, found } => write!(
                f,
                "broken link: the previous hash is {}, but the event before carries {}",
                short(found),
                short(expected)
            ),
            FindingKind::VersionGap { previous, missing } => write!(
                f,
                "version gap: {} missing after v{previous}",
                counted(*missing as usize, "version")
            ),
            FindingKind::DuplicateVersion => write!(f, "repeated version"),
            FindingKind::VersionBackwards { previous } => {
                write!(f, "version goes backwards (after v{previous})")
            }
            FindingKind::DuplicateId {
                id,
                first_stream,
                first_version,
            } => write!(
                f,
                "repeated event id {id} (first at {first_stream} v{first_version})"
            ),
            FindingKind::TimeReversal { previous } => write!(
                f,
                "time goes backwards: before the previous event's {}",
                crate::core::time::format_utc(previous)
            ),
            FindingKind::AfterDelete {
                deleted_version,
                n_after,
            } => write!(
                f,
                "{} after the delete at v{deleted_version}",
                counted(*n_after, "event")
            ),
            FindingKind::Incomplete { problem } => {
                write!(f, "the source is incomplete: {problem}")
            }
        }
    }
}

impl Finding {
    /// The finding as JSON: its kind, severity and place, its message, and for a hash chain the
    /// whole hashes.
    pub fn to_value(&self) -> Value {
        let mut value = json!({
            "kind": self.kind.key(),
            "severity": self.severity.singular(),
            "stream": self.stream,
            "version": self.version,
            "log_index": self.log_idx,
            "message": self.message,
        });
        // The message says what was found; hashes are also given whole, for checking by hand.
        let details = match &self.kind {
            FindingKind::HashMismatch { stored, computed } => {
                json!({"stored": stored, "computed": computed})
            }
            FindingKind::BrokenLink { expected, found } => {
                json!({"expected": expected, "found": found})
            }
            _ => return value,
        };
        if let (Value::Object(value), Value::Object(details)) = (&mut value, details) {
            value.extend(details);
        }
        value
    }
}

/// The first 12 hex digits of a hash, for sentences.
fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// One finding, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// The stream and version of the event, where the finding is about one.
    pub stream: Option<String>,
    pub version: Option<u64>,
    /// The event's position in the log, from 0.
    pub log_idx: Option<usize>,
    pub message: String,
}

/// The result of every check on a loaded log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// `intact`, `findings` or `unchecked` (no findings, but no chain to verify either).
    pub result: &'static str,
    /// The top line, result first.
    pub summary: String,
    pub n_events: usize,
    pub n_streams: usize,
    /// How many events a hash chain covered.
    pub n_chained: usize,
    pub findings: Vec<Finding>,
    /// What was not checked, in words.
    pub not_checked: Vec<String>,
}

impl Report {
    /// The findings about one stream's events, as `(log position, finding)`.
    pub fn findings_in<'a>(&'a self, stream: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings
            .iter()
            .filter(move |finding| finding.stream.as_deref() == Some(stream))
    }

    /// The report as pretty JSON, for a file: the result first, as EventSourcingDB's auditing
    /// tool writes its report. (Built as a `Value` rather than derived: a derived serializer per
    /// type cost the bundle more than these lines.)
    pub fn to_json(&self) -> String {
        let findings: Vec<Value> = self.findings.iter().map(Finding::to_value).collect();
        let report = json!({
            "result": self.result,
            "summary": self.summary,
            "n_events": self.n_events,
            "n_streams": self.n_streams,
            "n_chained": self.n_chained,
            "findings": findings,
            "not_checked": self.not_checked,
        });
        crate::core::export::pretty(&report)
    }
}

/// Runs every check on a loaded log. `problems` are the load's own (a broken download, a
/// failed page); `format` says which rules apply.
pub fn check(timeline: &Timeline, format: Format, problems: &[Problem]) -> Report {
    let mut findings = Vec::new();
    let mut not_checked = Vec::new();
    let n_chained = check_chains(timeline, format, &mut findings, &mut not_checked);
    let versions_counted = versions_count_events(format);
    if !versions_counted {
        not_checked.push(format!(
            "version gaps and repeats: versions of {} are not counts of a stream's events",
            format.label()
        ));
    }
    check_streams(timeline, versions_counted, &mut findings);
    check_ids(timeline, &mut findings);
    check_source(problems, &mut findings);
    not_checked.push(
        "events missing after the last one read: nothing in a log shows a missing tail".into(),
    );
    findings.sort_by_key(|finding| (finding.log_idx.is_some(), finding.log_idx));
    let n_events = timeline.len();
    let n_streams = timeline.n_streams();
    let (result, summary) = summary(n_events, n_streams, n_chained, &findings);
    Report {
        result,
        summary,
        n_events,
        n_streams,
        n_chained,
        findings,
        not_checked,
    }
}

/// Formats whose versions count each stream's events from its start, so that a gap means a
/// missing event. Formats without versions of their own are numbered by position, and can
/// have no gaps.
fn versions_count_events(format: Format) -> bool {
    !matches!(format, Format::Envers | Format::CloudEvents)
}

fn summary(
    n_events: usize,
    n_streams: usize,
    n_chained: usize,
    findings: &[Finding],
) -> (&'static str, String) {
    let scope = format!(
        "{}, {}",
        counted(n_events, "event"),
        counted(n_streams, "stream")
    );
    if !findings.is_empty() {
        let mut by_severity: Vec<(Severity, usize)> = Vec::new();
        for finding in findings {
            match by_severity.iter_mut().find(|(s, _)| *s == finding.severity) {
                Some((_, n)) => *n += 1,
                None => by_severity.push((finding.severity, 1)),
            }
        }
        by_severity.sort();
        let parts: Vec<String> = by_severity
            .iter()
            .map(|&(severity, n)| match n {
                1 => format!("1 {}", severity.singular()),
                n => format!("{} {}", count(n), severity.plural()),
            })
            .collect();
        return (
            "findings",
            format!(
                "{}: {} in {scope}",
                counted(findings.len(), "finding"),
                parts.join(", ")
            ),
        );
    }
    if n_chained == 0 {
        return (
            "unchecked",
            format!("no findings in {scope}; not verified: no hash chain in this source"),
        );
    }
    let chain = match n_chained == n_events {
        true => "chain intact".to_string(),
        false => format!("chain intact over {}", counted(n_chained, "event")),
    };
    ("intact", format!("verified: {scope}, {chain}"))
}

/// Walks the hash chains of the log; returns how many events they cover.
fn check_chains(
    timeline: &Timeline,
    format: Format,
    findings: &mut Vec<Finding>,
    not_checked: &mut Vec<String>,
) -> usize {
    let rule = timeline.projection().and_then(|p| p.chain.as_ref());
    let chains: Vec<Vec<usize>> = match (format, rule) {
        (_, Some(rule)) if rule.per_stream => timeline
            .stream_facts()
            .map(|facts| facts.event_idx.to_vec())
            .collect(),
        (Format::EventSourcingDb, _) | (_, Some(_)) => vec![(0..timeline.len()).collect()],
        (_, None) => {
            not_checked.push("hash chain: no hash chain in this source".into());
            return 0;
        }
    };
    let read_link = |record: &str| match rule {
        Some(rule) => rule.link(record),
        None => esdb_link(record),
    };
    let genesis = (rule.is_none()).then_some(ESDB_GENESIS);
    let mut n_chained = 0;
    let mut n_unstored = 0;
    for chain in chains {
        let mut previous: Option<String> = genesis.map(str::to_string);
        for log_idx in chain {
            let Some(record) = timeline.stored_bytes(log_idx) else {
                n_unstored += 1;
                continue;
            };
            let Some(link) = read_link(record) else {
                continue;
            };
            n_chained += 1;
            check_link(timeline, log_idx, &link, previous.as_deref(), findings);
            previous = Some(link.stored);
        }
    }
    if n_unstored > 0 {
        not_checked.push(format!(
            "hash chain: {} kept without their bytes as stored",
            counted(n_unstored, "event")
        ));
    }
    if n_chained == 0 {
        not_checked.push("hash chain: no event carries a hash where the rule says".into());
    }
    n_chained
}

fn check_link(
    timeline: &Timeline,
    log_idx: usize,
    link: &Link,
    previous: Option<&str>,
    findings: &mut Vec<Finding>,
) {
    if link.computed.as_deref() != Some(link.stored.as_str()) {
        let kind = FindingKind::HashMismatch {
            stored: link.stored.clone(),
            computed: link.computed.clone(),
        };
        findings.push(finding_at(timeline, log_idx, kind));
    }
    if let Some(expected) = previous.filter(|&expected| expected != link.previous) {
        let kind = FindingKind::BrokenLink {
            expected: expected.to_string(),
            found: link.previous.clone(),
        };
        findings.push(finding_at(timeline, log_idx, kind));
    }
}

fn finding_at(timeline: &Timeline, log_idx: usize, kind: FindingKind) -> Finding {
    let head = timeline.head(log_idx);
    Finding {
        severity: kind.severity(),
        message: kind.to_string(),
        kind,
        stream: Some(head.stream.to_string()),
        version: Some(head.version),
        log_idx: Some(log_idx),
    }
}

/// Versions, times and deletes, stream by stream, from the index.
fn check_streams(timeline: &Timeline, versions_counted: bool, findings: &mut Vec<Finding>) {
    for facts in timeline.stream_facts() {
        let mut previous_time: Option<DateTime<Utc>> = None;
        for (pos, &log_idx) in facts.event_idx.iter().enumerate() {
            if pos > 0 && versions_counted {
                let (previous, version) = (facts.versions[pos - 1], facts.versions[pos]);
                if let Some(kind) = version_finding(previous, version) {
                    findings.push(finding_at(timeline, log_idx, kind));
                }
            }
            let head = timeline.head(log_idx);
            if !head.timed {
                continue;
            }
            if let Some(previous) = previous_time.filter(|&previous| head.time < previous) {
                let kind = FindingKind::TimeReversal { previous };
                findings.push(finding_at(timeline, log_idx, kind));
            }
            previous_time = Some(head.time);
        }
        if let Some(ended) = facts.ended_at {
            let n_after = facts.event_idx.len() - ended - 1;
            if n_after > 0 {
                let kind = FindingKind::AfterDelete {
                    deleted_version: facts.versions[ended],
                    n_after,
                };
                findings.push(finding_at(timeline, facts.event_idx[ended + 1], kind));
            }
        }
    }
}

fn version_finding(previous: u64, version: u64) -> Option<FindingKind> {
    match version.checked_sub(previous) {
        Some(1) => None,
        Some(0) => Some(FindingKind::DuplicateVersion),
        Some(step) => Some(FindingKind::VersionGap {
            previous,
            missing: step - 1,
        }),
        None => Some(FindingKind::VersionBackwards { previous }),
    }
}

/// Event ids that occur more than once in the log.
fn check_ids(timeline: &Timeline, findings: &mut Vec<Finding>) {
    let mut first_at: FxHashMap<&str, usize> = FxHashMap::default();
    for log_idx in 0..timeline.len() {
        let head = timeline.head(log_idx);
        let Some(id) = head.id else { continue };
        match first_at.get(id) {
            None => {
                first_at.insert(id, log_idx);
            }
            Some(&first) => {
                let first = timeline.head(first);
                let kind = FindingKind::DuplicateId {
                    id: id.to_string(),
                    first_stream: first.stream.to_string(),
                    first_version: first.version,
                };
                findings.push(finding_at(timeline, log_idx, kind));
            }
        }
    }
}

/// A download that broke off, or a feed page that was not read: the source holds more.
fn check_source(problems: &[Problem], findings: &mut Vec<Finding>) {
    for problem in problems {
        let incomplete = matches!(
            problem.kind,
            ProblemKind::BrokeOff(_)
                | ProblemKind::LineCutOff { .. }
                | ProblemKind::Fetch(_)
                | ProblemKind::FeedLoops { .. }
                | ProblemKind::BadLink { .. }
                | ProblemKind::TooManyPages { .. }
        );
        if incomplete {
            let kind = FindingKind::Incomplete {
                problem: problem.to_string(),
            };
            findings.push(Finding {
                severity: kind.severity(),
                message: kind.to_string(),
                kind,
                stream: None,
                version: None,
                log_idx: None,
            });
        }
    }
}
