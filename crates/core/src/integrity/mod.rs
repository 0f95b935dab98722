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
//!   failed or was not read;
//! - **a key named twice** in one object of a stored record (`keys`), whose first value the
//!   replay never sees.
//!
//! The report's top line states the result first, as EventSourcingDB's auditing tool does:
//! "verified: …, chain intact", or the number of findings by severity; and it lists what was
//! *not* checked, so that "no findings" is never read as more than it is.

pub mod chain;
pub mod keys;
pub mod pin;

use std::fmt;

use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use serde_json::{json, Value};

use crate::decode::Format;
use crate::problem::{Problem, ProblemKind};
use crate::timeline::{StreamFacts, Timeline};
use crate::view::text::{count, counted};
use chain::{esdb_link, ChainRule, Link, ESDB_GENESIS};

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
    /// The stored record names a key twice in one object: the replay uses the last value.
    RepeatedKey { key: String },
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
            FindingKind::RepeatedKey { .. } => "repeated-key",
        }
    }

    pub fn severity(&self) -> Severity {
        match self {
            FindingKind::HashMismatch { .. } | FindingKind::BrokenLink { .. } => {
                Severity::Manipulation
            }
            FindingKind::TimeReversal { .. } | FindingKind::RepeatedKey { .. } => Severity::Notice,
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
                crate::time::format_utc(previous)
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
            FindingKind::RepeatedKey { key } => write!(
                f,
                "the record names \"{key}\" twice in one object: the replay sees only the last value"
            ),
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
    /// tool writes its report. (Built as a `Value` rather than derived: a finding's kind is
    /// written as its key, and for two kinds its hashes beside the other fields, which a derive
    /// would need a second, flattened type for.)
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
        crate::export::pretty(&report)
    }
}

/// Runs every check on a loaded log at once. `problems` are the load's own (a broken download,
/// a failed page); `format` says which rules apply.
pub fn check(timeline: &Timeline, format: Format, problems: &[Problem]) -> Report {
    let mut checker = Checker::new(timeline, format, problems);
    while !checker.step(usize::MAX) {}
    checker.finish()
}

/// The checks as a step machine, so that the page can run them a slice at a time between
/// frames: a million events with hashes take seconds, and no task may take more than 50 ms.
/// Each `step` looks at up to `budget` events.
#[derive(Debug)]
pub struct Checker<'a> {
    timeline: &'a Timeline,
    format: Format,
    rule: Option<&'a ChainRule>,
    /// Each stream's log positions, when each stream has its own chain.
    per_stream: Option<Vec<&'a [u32]>>,
    phase: Phase,
    /// Where the phase is: a chain or stream, and a position in it.
    at: (usize, usize),
    previous_hash: Option<String>,
    previous_time: Option<DateTime<Utc>>,
    first_id_at: FxHashMap<&'a str, usize>,
    n_chained: usize,
    n_unstored: usize,
    findings: Vec<Finding>,
    not_checked: Vec<String>,
}

/// The checks, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Chains,
    Streams,
    Ids,
    Keys,
    Done,
}

impl<'a> Checker<'a> {
    /// Prepares the checks; `problems` are read at once (they say whether the source is whole).
    pub fn new(timeline: &'a Timeline, format: Format, problems: &[Problem]) -> Checker<'a> {
        let rule = timeline.projection().and_then(|p| p.chain.as_ref());
        let mut checker = Checker {
            timeline,
            format,
            rule,
            per_stream: rule
                .filter(|rule| rule.per_stream)
                .map(|_| timeline.stream_facts().map(|f| f.event_idx).collect()),
            phase: Phase::Chains,
            at: (0, 0),
            previous_hash: None,
            previous_time: None,
            first_id_at: FxHashMap::default(),
            n_chained: 0,
            n_unstored: 0,
            findings: Vec::new(),
            not_checked: Vec::new(),
        };
        if rule.is_none() && format != Format::EventSourcingDb {
            checker
                .not_checked
                .push("hash chain: no hash chain in this source".into());
            checker.phase = Phase::Streams;
        }
        checker.previous_hash = checker.genesis();
        check_source(problems, &mut checker.findings);
        checker
    }

    /// Runs the checks over up to `budget` more events; true once every check is done.
    pub fn step(&mut self, budget: usize) -> bool {
        let mut budget = budget.max(1);
        while budget > 0 && self.phase != Phase::Done {
            let done = match self.phase {
                Phase::Chains => self.chain_steps(&mut budget),
                Phase::Streams => self.stream_steps(&mut budget),
                Phase::Ids => self.id_steps(&mut budget),
                Phase::Keys => self.key_steps(&mut budget),
                Phase::Done => true,
            };
            if done {
                self.next_phase();
            }
        }
        self.phase == Phase::Done
    }

    /// The report, once `step` has said the checks are done.
    pub fn finish(mut self) -> Report {
        if self.n_unstored > 0 {
            self.not_checked.push(format!(
                "hash chain: {} kept without their bytes as stored",
                counted(self.n_unstored, "event")
            ));
        }
        let chained_source = self.rule.is_some() || self.format == Format::EventSourcingDb;
        if chained_source && self.n_chained == 0 {
            self.not_checked
                .push("hash chain: no event carries a hash where the rule says".into());
        }
        if !ids_unique_in_log(self.format) {
            self.not_checked.push(format!(
                "repeated event ids: ids of {} are unique only within their source",
                self.format.label()
            ));
        }
        if !versions_count_events(self.format) {
            self.not_checked.push(format!(
                "version gaps and repeats: versions of {} are not counts of a stream's events",
                self.format.label()
            ));
        }
        self.not_checked.push(
            "events missing after the last one read: nothing in a log shows a missing tail".into(),
        );
        let mut findings = self.findings;
        // Source-level findings first, then by event; the kind settles ties, so that an
        // unstable sort gives one order.
        findings.sort_unstable_by_key(|f| (f.log_idx.map_or(0, |idx| idx + 1), f.kind.key()));
        let n_events = self.timeline.len();
        let n_streams = self.timeline.n_streams();
        let (result, summary) = summary(n_events, n_streams, self.n_chained, &findings);
        Report {
            result,
            summary,
            n_events,
            n_streams,
            n_chained: self.n_chained,
            findings,
            not_checked: self.not_checked,
        }
    }

    fn next_phase(&mut self) {
        self.phase = match self.phase {
            Phase::Chains => Phase::Streams,
            Phase::Streams if ids_unique_in_log(self.format) => Phase::Ids,
            Phase::Streams | Phase::Ids => Phase::Keys,
            Phase::Keys | Phase::Done => Phase::Done,
        };
        self.at = (0, 0);
        self.previous_time = None;
    }

    /// The previous hash the first event of a chain must name: EventSourcingDB's 64 zeros;
    /// unknown for a chain a projection describes.
    fn genesis(&self) -> Option<String> {
        self.rule.is_none().then(|| ESDB_GENESIS.to_string())
    }

    /// The log position of the event at `pos` of chain `chain`, if there is one.
    fn chain_event(&self, chain: usize, pos: usize) -> Option<usize> {
        match &self.per_stream {
            Some(streams) => streams.get(chain)?.get(pos).map(|&idx| idx as usize),
            None => (chain == 0 && pos < self.timeline.len()).then_some(pos),
        }
    }

    fn n_chains(&self) -> usize {
        self.per_stream.as_ref().map_or(1, Vec::len)
    }

    /// Walks the hash chains; true when every chain is walked.
    fn chain_steps(&mut self, budget: &mut usize) -> bool {
        while *budget > 0 {
            let (chain, pos) = self.at;
            if chain >= self.n_chains() {
                return true;
            }
            let Some(log_idx) = self.chain_event(chain, pos) else {
                self.at = (chain + 1, 0);
                self.previous_hash = self.genesis();
                continue;
            };
            *budget -= 1;
            self.at.1 += 1;
            let Some(record) = self.timeline.stored_bytes(log_idx) else {
                self.n_unstored += 1;
                continue;
            };
            let link = match self.rule {
                Some(rule) => rule.link(record),
                None => esdb_link(record),
            };
            if let Some(link) = link {
                self.n_chained += 1;
                check_link(
                    self.timeline,
                    log_idx,
                    &link,
                    self.previous_hash.as_deref(),
                    &mut self.findings,
                );
                self.previous_hash = Some(link.stored);
            }
        }
        false
    }

    /// Versions, times and deletes, stream by stream, from the index; true when done.
    fn stream_steps(&mut self, budget: &mut usize) -> bool {
        let versions_counted = versions_count_events(self.format);
        let timeline = self.timeline;
        let mut streams = timeline.stream_facts().skip(self.at.0);
        while *budget > 0 {
            let Some(facts) = streams.next() else {
                return true;
            };
            let start = self.at.1;
            let end = facts.event_idx.len().min(start.saturating_add(*budget));
            for pos in start..end {
                self.check_event_of_stream(&facts, pos, versions_counted);
            }
            *budget -= end - start;
            if end < facts.event_idx.len() {
                self.at.1 = end;
                return false;
            }
            check_after_delete(timeline, &facts, &mut self.findings);
            self.at = (self.at.0 + 1, 0);
            self.previous_time = None;
        }
        false
    }

    fn check_event_of_stream(&mut self, facts: &StreamFacts<'_>, pos: usize, versions: bool) {
        let log_idx = facts.event_idx[pos] as usize;
        if pos > 0 && versions {
            if let Some(kind) = version_finding(facts.version(pos - 1), facts.version(pos)) {
                self.findings.push(finding_at(self.timeline, log_idx, kind));
            }
        }
        let head = self.timeline.head(log_idx);
        if !head.timed {
            return;
        }
        if let Some(previous) = self.previous_time.filter(|&t| head.time < t) {
            let kind = FindingKind::TimeReversal { previous };
            self.findings.push(finding_at(self.timeline, log_idx, kind));
        }
        self.previous_time = Some(head.time);
    }

    /// Stored records that name a key twice in one object; true when done.
    fn key_steps(&mut self, budget: &mut usize) -> bool {
        let timeline = self.timeline;
        let start = self.at.1;
        let end = timeline.len().min(start.saturating_add(*budget));
        for log_idx in start..end {
            let repeated = timeline.record_text(log_idx).and_then(keys::repeated_key);
            if let Some(key) = repeated {
                let kind = FindingKind::RepeatedKey {
                    key: key.to_string(),
                };
                self.findings.push(finding_at(timeline, log_idx, kind));
            }
        }
        *budget -= end - start;
        self.at.1 = end;
        end == timeline.len()
    }

    /// Event ids that occur more than once in the log; true when done.
    fn id_steps(&mut self, budget: &mut usize) -> bool {
        let timeline = self.timeline;
        let start = self.at.1;
        if start == 0 && !timeline.is_empty() && timeline.head(0).id.is_some() {
            // Room for every id at once: growing the table as it fills moves all of it each
            // time it doubles, a pause of 100 ms at a million ids.
            self.first_id_at.reserve(timeline.len());
        }
        let end = timeline.len().min(start.saturating_add(*budget));
        for log_idx in start..end {
            let Some(id) = timeline.head(log_idx).id else {
                continue;
            };
            match self.first_id_at.get(id) {
                None => {
                    self.first_id_at.insert(id, log_idx);
                }
                Some(&first) => {
                    let first = timeline.head(first);
                    let kind = FindingKind::DuplicateId {
                        id: id.to_string(),
                        first_stream: first.stream.to_string(),
                        first_version: first.version,
                    };
                    self.findings.push(finding_at(timeline, log_idx, kind));
                }
            }
        }
        *budget -= end - start;
        self.at.1 = end;
        end == timeline.len()
    }
}

/// Events that follow the one that ended a stream's aggregate.
fn check_after_delete(timeline: &Timeline, facts: &StreamFacts<'_>, findings: &mut Vec<Finding>) {
    let Some(ended) = facts.ended_at else {
        return;
    };
    let n_after = facts.event_idx.len() - ended - 1;
    if n_after > 0 {
        let kind = FindingKind::AfterDelete {
            deleted_version: facts.version(ended),
            n_after,
        };
        findings.push(finding_at(
            timeline,
            facts.event_idx[ended + 1] as usize,
            kind,
        ));
    }
}

/// Formats whose event ids are unique in the whole log. A CloudEvent's id is unique only
/// together with its `source`, so two sources may use the same id.
fn ids_unique_in_log(format: Format) -> bool {
    format != Format::CloudEvents
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
        let parts: Vec<String> = [Severity::Manipulation, Severity::Gap, Severity::Notice]
            .into_iter()
            .filter_map(|severity| {
                let n = findings.iter().filter(|f| f.severity == severity).count();
                match n {
                    0 => None,
                    1 => Some(format!("1 {}", severity.singular())),
                    n => Some(format!("{} {}", count(n), severity.plural())),
                }
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

/// A download that broke off, or a feed page that was not read: the source holds more.
fn check_source(problems: &[Problem], findings: &mut Vec<Finding>) {
    for problem in problems {
        let incomplete = matches!(
            problem.kind,
            ProblemKind::BrokeOff(_)
                | ProblemKind::LineCutOff { .. }
                | ProblemKind::Fetch(_)
                | ProblemKind::NoAnswer { .. }
                | ProblemKind::Stalled { .. }
                | ProblemKind::TryLater { .. }
                | ProblemKind::Ceiling { .. }
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
