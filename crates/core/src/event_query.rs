//! The event query (`q=`): which events of a stream the event list shows, for questions such as
//! *which approvals did dana.reyes make in March, above 10,000?*
//!
//! Grammar (terms are separated by spaces; every term must hold; `-` before a term negates it):
//!
//! ```text
//! query     = term *( " " term )
//! term      = [ "-" ] ( keyed / condition / word )
//! keyed     = "type:" word              ; the type contains it
//!           / "author:" word            ; the author (meta.user) contains it
//!           / "v:" versions             ; v:12, v:10..20, v:10.., v:..20 (ends included)
//!           / "after:" moment           ; at or after it
//!           / "before:" moment          ; strictly before it
//!           / "text:" word              ; a string in the payload contains it
//! moment    = RFC 3339 instant / date   ; a date alone is its midnight, UTC
//! condition = pointer op value          ; pointer starts /data/ or /meta/; as in the state query
//! word      = text / '"' text '"'       ; quotes keep spaces
//! ```
//!
//! A bare word keeps what the filter always did: the type, the author or the id contains it, or
//! the version is it. Words and `type:`, `author:` and `text:` ignore case (`ärger` finds `Ärger`). A term with an
//! unknown key (`urn:uuid:…`) is a word, since ids may hold colons. Events without a time never
//! match `after:` or `before:`. The payload is the event's data and the values its change sets
//! (a snapshot, fields, or a JSON Patch's values). A term that cannot be read is an error that
//! names its column.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::blame::value_at;
use crate::event::{Change, Event};
use crate::query::{find_op, parse_number, terms, unquote, Condition, Op, QueryError};
use crate::time::parse_instant;
use crate::timeline::{EventHead, Timeline};

/// An event query, read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventQuery {
    terms: Vec<Term>,
}

/// One term and whether it is negated.
#[derive(Clone, Debug, PartialEq)]
struct Term {
    negated: bool,
    test: Test,
}

/// What one term asks of an event.
#[derive(Clone, Debug, PartialEq)]
enum Test {
    /// Type, author or id contains it (case-folded), or the version is it.
    Word(String, Option<u64>),
    Kind(String),
    Author(String),
    Versions {
        from: u64,
        to: u64,
    },
    After(DateTime<Utc>),
    Before(DateTime<Utc>),
    /// A string in the payload contains it (case-folded).
    Text(String),
    /// A condition on the event's `data` or `meta`; the path is inside that root.
    Field {
        root: Root,
        condition: Condition,
    },
}

/// The part of an event a condition reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Root {
    Data,
    Meta,
}

/// Reads an event query.
pub fn parse_event_query(text: &str) -> Result<EventQuery, QueryError> {
    let mut query = EventQuery::default();
    let mut body_terms = Vec::new();
    for (column, term) in terms(text)? {
        let (negated, body) = match term.strip_prefix('-') {
            Some(rest) if !rest.is_empty() => (true, rest),
            _ => (false, term.as_str()),
        };
        let test = parse_test(body).map_err(|reason| QueryError { column, reason })?;
        let term = Term { negated, test };
        match term.test.reads_body() {
            true => body_terms.push(term),
            false => query.terms.push(term),
        }
    }
    // Terms on the head first: an event is read back only if they all hold.
    query.terms.extend(body_terms);
    Ok(query)
}

fn parse_test(term: &str) -> Result<Test, String> {
    if term.starts_with('/') {
        return parse_condition(term);
    }
    let Some((key, value)) = term.split_once(':') else {
        return Ok(word(term));
    };
    let value = unquote(value);
    let lowered = || fold_case(value).into_owned();
    Ok(match key {
        "type" => Test::Kind(lowered()),
        "author" => Test::Author(lowered()),
        "text" => Test::Text(lowered()),
        "v" => parse_versions(value)?,
        "after" => Test::After(parse_moment(value)?),
        "before" => Test::Before(parse_moment(value)?),
        _ => word(term),
    })
}

fn word(term: &str) -> Test {
    let needle = fold_case(unquote(term)).into_owned();
    let is_number = !needle.is_empty() && needle.bytes().all(|b| b.is_ascii_digit());
    let version = is_number.then(|| needle.parse::<u64>().ok()).flatten();
    // `007` is not version 7: the filter always took versions as written.
    let version = version.filter(|v| v.to_string() == needle);
    Test::Word(needle, version)
}

/// `/data/total>10000`: a condition, with the state query's operators and comparisons.
fn parse_condition(term: &str) -> Result<Test, String> {
    let (at, symbol, op) = find_op(term).ok_or_else(|| {
        "a condition is a pointer, an operator and a value, such as /data/total>10000".to_string()
    })?;
    let (pointer, value) = (&term[..at], unquote(&term[at + symbol.len()..]));
    let (root, path) = match pointer {
        p if p.starts_with("/data/") || p == "/data" => (Root::Data, &p["/data".len()..]),
        p if p.starts_with("/meta/") || p == "/meta" => (Root::Meta, &p["/meta".len()..]),
        _ => return Err("a condition on the event starts with /data/ or /meta/".into()),
    };
    if !matches!(op, Op::Eq | Op::Ne) && parse_number(value).is_none() {
        return Err(format!("{symbol} needs a number, not \"{value}\""));
    }
    let condition = Condition {
        path: path.to_string(),
        op,
        value: value.to_string(),
    };
    Ok(Test::Field { root, condition })
}

/// `12`, `10..20`, `10..` or `..20`.
fn parse_versions(text: &str) -> Result<Test, String> {
    let bound = |text: &str, open: u64| -> Result<u64, String> {
        match text {
            "" => Ok(open),
            digits if digits.bytes().all(|b| b.is_ascii_digit()) => digits
                .parse()
                .map_err(|_| format!("the version {digits} is too large")),
            other => Err(format!(
                "v: needs a version or a range such as 10..20, not \"{other}\""
            )),
        }
    };
    let (from, to) = match text.split_once("..") {
        Some((from, to)) => (bound(from, 0)?, bound(to, u64::MAX)?),
        None if text.is_empty() => {
            return Err("v: needs a version or a range such as 10..20".into())
        }
        None => {
            let version = bound(text, 0)?;
            (version, version)
        }
    };
    Ok(Test::Versions { from, to })
}

/// An RFC 3339 instant, or a date alone (its midnight, UTC).
fn parse_moment(text: &str) -> Result<DateTime<Utc>, String> {
    let is_date = text.len() == 10 && text.as_bytes().get(4) == Some(&b'-');
    let instant = match is_date {
        true => format!("{text}T00:00:00Z"),
        false => text.to_string(),
    };
    parse_instant(&instant).map_err(|_| {
        format!("\"{text}\" is not a moment: write a date (2026-03-01) or an RFC 3339 instant")
    })
}

/// The positions (in the stream, ascending) the event list shows for a filter: `None` when the
/// filter is empty, so that every event shows without listing them.
pub fn filtered_positions(
    timeline: &Timeline,
    stream: &str,
    filter: &str,
) -> Result<Option<Vec<usize>>, QueryError> {
    let query = parse_event_query(filter)?;
    Ok((!query.is_empty()).then(|| query.positions(timeline, stream)))
}

impl EventQuery {
    /// True when the query has no terms: every event matches.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The positions (in the stream, ascending) of the stream's events that match. Terms on the
    /// event's head (type, author, id, version, time) come first, with types and authors
    /// matched once per name rather than once per event; an event is read back from the
    /// timeline only when a term needs its payload, and only if its stored text could match.
    pub fn positions(&self, timeline: &Timeline, stream: &str) -> Vec<usize> {
        let names = NameMatches::new(self, timeline);
        timeline
            .stream_log_positions(stream)
            .iter()
            .enumerate()
            .filter(|&(_, &idx)| self.holds_at(timeline, &names, idx as usize))
            .map(|(pos, _)| pos)
            .collect()
    }

    /// The places in the whole log (ascending) of the events of every stream that match: the
    /// search across streams (`Request::Search`), with the same tests as `positions`.
    pub fn log_positions(&self, timeline: &Timeline) -> Vec<usize> {
        let names = NameMatches::new(self, timeline);
        (0..timeline.len())
            .filter(|&idx| self.holds_at(timeline, &names, idx))
            .collect()
    }

    /// Whether the event at a place in the log matches every term.
    fn holds_at(&self, timeline: &Timeline, names: &NameMatches, idx: usize) -> bool {
        let (head, ids) = (timeline.head(idx), timeline.name_ids(idx));
        let mut event = None;
        self.terms.iter().enumerate().all(|(k, term)| {
            if !term.test.reads_body() {
                return term.negated != term.test.holds_on_head(&head, names.of(k, ids));
            }
            if !term.negated && !term.test.could_be_in(timeline.stored_text(idx)) {
                return false;
            }
            let event = event.get_or_insert_with(|| timeline.event(idx));
            term.negated != term.test.holds_on_body(event)
        })
    }
}

/// For each term on type or author names, whether each name matches, computed once per query.
struct NameMatches {
    /// Per term (by index): per kind name, then per user name.
    by_term: Vec<Option<(Vec<bool>, Vec<bool>)>>,
}

impl NameMatches {
    fn new(query: &EventQuery, timeline: &Timeline) -> Self {
        let (kinds, users) = timeline.names();
        let test = |names: &[String], needle: &str| -> Vec<bool> {
            names
                .iter()
                .map(|name| contains_folded(name, needle))
                .collect()
        };
        let by_term = query
            .terms
            .iter()
            .map(|term| match &term.test {
                Test::Word(needle, _) => Some((test(kinds, needle), test(users, needle))),
                Test::Kind(needle) => Some((test(kinds, needle), vec![false; users.len()])),
                Test::Author(needle) => Some((vec![false; kinds.len()], test(users, needle))),
                _ => None,
            })
            .collect();
        NameMatches { by_term }
    }

    /// Whether term `k` matched the event's type or its author, by their name numbers.
    fn of(&self, k: usize, (kind, user): (u32, Option<u32>)) -> bool {
        self.by_term[k].as_ref().is_some_and(|(kinds, users)| {
            kinds.get(kind as usize) == Some(&true)
                || user.is_some_and(|u| users.get(u as usize) == Some(&true))
        })
    }
}

impl Test {
    fn reads_body(&self) -> bool {
        matches!(self, Test::Text(_) | Test::Field { .. })
    }

    /// A term on the head; `name_matched` says whether the type or author matched it.
    fn holds_on_head(&self, head: &EventHead, name_matched: bool) -> bool {
        match self {
            Test::Word(needle, version) => {
                name_matched
                    || Some(head.version) == *version
                    || head.id.is_some_and(|id| contains_folded(id, needle))
            }
            Test::Kind(_) | Test::Author(_) => name_matched,
            Test::Versions { from, to } => (*from..=*to).contains(&head.version),
            Test::After(at) => head.timed && head.time >= *at,
            Test::Before(at) => head.timed && head.time < *at,
            Test::Text(_) | Test::Field { .. } => true,
        }
    }

    /// False only when the event's stored text rules the term out: a payload string holding
    /// the needle, a field's key, and a string a field must equal leave their characters in the
    /// text, unless they were written as `\u` escapes, which then keep every event in.
    fn could_be_in(&self, text: &str) -> bool {
        if has_escapes(text) {
            return true;
        }
        match self {
            Test::Text(needle) if is_plain(needle) => contains_folded(text, needle),
            Test::Field { condition, .. } if condition.op != Op::Ne => {
                let key_in = match last_token(&condition.path) {
                    Some(key) if is_plain(&key) => text.contains(&format!("\"{key}\"")),
                    _ => true,
                };
                // A string wanted whole is in the text as written; a number may be written
                // otherwise (`1e4` for `10000`), and `true`, `false`, `null` read as numbers do not.
                let value = condition.value.as_str();
                let value_in = match condition.op == Op::Eq && is_plain(value) {
                    true => {
                        parse_number(value).is_some()
                            || matches!(value, "true" | "false" | "null")
                            || text.contains(value)
                    }
                    false => true,
                };
                key_in && value_in
            }
            _ => true,
        }
    }

    fn holds_on_body(&self, event: &Event) -> bool {
        match self {
            Test::Text(needle) => payload(event).any(|v| has_string_containing(v, needle)),
            Test::Field { root, condition } => {
                let meta;
                let base = match root {
                    Root::Data => &event.data,
                    Root::Meta => {
                        meta = Value::Object(event.meta.clone());
                        &meta
                    }
                };
                condition.holds(value_at(base, &condition.path))
            }
            _ => true,
        }
    }
}

/// The values an event carries: its data and whatever its change sets.
fn payload(event: &Event) -> impl Iterator<Item = &Value> {
    let set: Vec<&Value> = match &event.change {
        Change::Snapshot(value) => vec![value],
        Change::Fields(fields) => fields.values().collect(),
        Change::Patch(patch) => patch.0.iter().filter_map(patch_value).collect(),
        Change::Merge | Change::Delete | Change::Keep => Vec::new(),
    };
    std::iter::once(&event.data).chain(set)
}

fn patch_value(op: &json_patch::PatchOperation) -> Option<&Value> {
    use json_patch::PatchOperation as P;
    match op {
        P::Add(op) => Some(&op.value),
        P::Replace(op) => Some(&op.value),
        P::Test(op) => Some(&op.value),
        P::Remove(_) | P::Move(_) | P::Copy(_) => None,
    }
}

/// Whether any string in the value contains the needle, ignoring case.
fn has_string_containing(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(text) => contains_folded(text, needle),
        Value::Array(items) => items.iter().any(|v| has_string_containing(v, needle)),
        Value::Object(object) => object.values().any(|v| has_string_containing(v, needle)),
        _ => false,
    }
}

/// Text that JSON writes as it is: no quote, backslash or control character.
fn is_plain(text: &str) -> bool {
    !text
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control())
}

/// The last token of a path that names an object key (not an array position), unescaped.
fn last_token(path: &str) -> Option<String> {
    let token = path.rsplit('/').next()?;
    let token = token.replace("~1", "/").replace("~0", "~");
    (!token.is_empty() && !token.bytes().all(|b| b.is_ascii_digit())).then_some(token)
}

/// Whether `text` contains `needle` (already folded with `fold_case`), ignoring case: `ärger`
/// finds `Ärger`. Linear in the text whatever the needle (`memchr`'s two-way search), so that a
/// long needle over a long string cannot hang the page, as a window-by-window comparison did.
pub fn contains_folded(text: &str, needle: &str) -> bool {
    needle.is_empty()
        || memchr::memmem::find(fold_case(text).as_bytes(), needle.as_bytes()).is_some()
}

/// The text with every letter in lower case, a character at a time (so a text that contains
/// another contains it folded too), borrowed where nothing changes.
pub fn fold_case(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return match text.bytes().any(|b| b.is_ascii_uppercase()) {
            true => Cow::Owned(text.to_ascii_lowercase()),
            false => Cow::Borrowed(text),
        };
    }
    Cow::Owned(text.chars().flat_map(char::to_lowercase).collect())
}

/// Whether JSON text may hold `\u` escapes: a backslash is found by `memchr`, far quicker than
/// a search for the two characters.
pub fn has_escapes(text: &str) -> bool {
    text.contains('\\') && text.contains("\\u")
}
