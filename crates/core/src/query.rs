//! The state query (`where=`): which aggregates, as of a moment, have a state that matches, for
//! questions such as *which POs were approved by dana.reyes above 10,000?*
//!
//! Grammar (terms are separated by spaces; every term must hold):
//!
//! ```text
//! query     = term *( " " term )
//! term      = condition / "asof:" instant
//! condition = field op value
//! field     = name / pointer          ; "status" is "/status"; a pointer may enter arrays by key
//! op        = "=" / "!=" / ">" / ">=" / "<" / "<="
//! value     = word / '"' text '"'     ; quotes keep spaces
//! ```
//!
//! `=` and `!=` compare a string as written, a number by value (`10000` equals `1e4`), `true`,
//! `false` and `null` as themselves; a field the state lacks is not equal to anything. `>`, `>=`,
//! `<` and `<=` need a number on the right, and compare numbers, or strings that hold one
//! (amounts are often stored as `"3468.00"`). `asof:` sets the moment (else the link's `t`).
//! A term that cannot be read is an error that names its column.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::blame::value_at;
use crate::number::{self, Decimal};
use crate::time::parse_instant;

/// A state query, read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateQuery {
    pub conditions: Vec<Condition>,
    pub as_of: Option<DateTime<Utc>>,
}

/// One condition on a field of the state.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// A blame path (`core::blame`).
    pub path: String,
    pub op: Op,
    pub value: String,
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// Why a query cannot be read: the column (from 1, in characters) of the term, and the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {reason}")]
pub struct QueryError {
    pub column: usize,
    pub reason: String,
}

/// The operators, two-character ones first so that `>=` is not read as `>`.
const OPS: [(&str, Op); 6] = [
    ("!=", Op::Ne),
    (">=", Op::Ge),
    ("<=", Op::Le),
    ("=", Op::Eq),
    (">", Op::Gt),
    ("<", Op::Lt),
];

/// Reads a state query.
pub fn parse_state_query(text: &str) -> Result<StateQuery, QueryError> {
    let mut query = StateQuery::default();
    for (column, term) in terms(text)? {
        let fail = |reason: &str| QueryError {
            column,
            reason: reason.to_string(),
        };
        if let Some(instant) = term.strip_prefix("asof:") {
            let at = parse_instant(instant.trim_matches('"')).map_err(|_| {
                fail("asof: needs an RFC 3339 instant, such as 2026-03-31T23:59:59Z")
            })?;
            query.as_of = Some(at);
            continue;
        }
        let (at, symbol, op) = find_op(&term).ok_or_else(|| {
            fail("a condition is a field, an operator and a value, such as status=approved or /total>10000")
        })?;
        let (field, value) = (&term[..at], unquote(&term[at + symbol.len()..]));
        if field.is_empty() {
            return Err(fail("the condition has no field before its operator"));
        }
        let numeric = !matches!(op, Op::Eq | Op::Ne);
        if numeric && parse_number(value).is_none() {
            return Err(fail(&format!("{symbol} needs a number, not \"{value}\"")));
        }
        let path = match field.starts_with('/') {
            true => field.to_string(),
            false => format!("/{}", crate::diff::escape_token(field)),
        };
        query.conditions.push(Condition {
            path,
            op,
            value: value.to_string(),
        });
    }
    Ok(query)
}

/// The terms of a query with the column each starts at; spaces inside quotes stay.
pub(crate) fn terms(text: &str) -> Result<Vec<(usize, String)>, QueryError> {
    let mut terms = Vec::new();
    let mut current: Option<(usize, String)> = None;
    let mut quoted = None;
    for (idx, ch) in text.chars().enumerate() {
        let column = idx + 1;
        if ch == ' ' && quoted.is_none() {
            terms.extend(current.take());
            continue;
        }
        if ch == '"' {
            quoted = match quoted {
                Some(_) => None,
                None => Some(column),
            };
        }
        current
            .get_or_insert_with(|| (column, String::new()))
            .1
            .push(ch);
    }
    if let Some(column) = quoted {
        return Err(QueryError {
            column,
            reason: "the quote is not closed".into(),
        });
    }
    terms.extend(current);
    Ok(terms)
}

/// The first operator outside quotes: its byte offset, its symbol and what it means.
pub(crate) fn find_op(term: &str) -> Option<(usize, &'static str, Op)> {
    let quote = term.find('"').unwrap_or(term.len());
    term.char_indices()
        .take_while(|(at, _)| *at < quote)
        .find_map(|(at, _)| {
            OPS.iter()
                .find(|(symbol, _)| term[at..].starts_with(symbol))
                .map(|(symbol, op)| (at, *symbol, *op))
        })
}

pub(crate) fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

impl StateQuery {
    /// Whether a state meets every condition.
    pub fn matches(&self, state: &Value) -> bool {
        self.conditions
            .iter()
            .all(|c| c.holds(value_at(state, &c.path)))
    }
}

impl Condition {
    /// Whether the value found at the condition's path (if any) meets it.
    pub(crate) fn holds(&self, found: Option<&Value>) -> bool {
        match self.op {
            Op::Eq => found.is_some_and(|v| equals(v, &self.value)),
            Op::Ne => !found.is_some_and(|v| equals(v, &self.value)),
            op => {
                let (Some(have), Some(want)) = (found.and_then(number), parse_number(&self.value))
                else {
                    return false;
                };
                match op {
                    Op::Gt => have > want,
                    Op::Ge => have >= want,
                    Op::Lt => have < want,
                    _ => have <= want,
                }
            }
        }
    }
}

fn equals(found: &Value, wanted: &str) -> bool {
    match found {
        Value::String(text) => text == wanted,
        Value::Number(n) => number::same_value(n.as_str(), wanted),
        Value::Bool(b) => wanted == if *b { "true" } else { "false" },
        Value::Null => wanted == "null",
        _ => false,
    }
}

/// A number, or a string that holds one, exactly as written.
fn number(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(n) => parse_number(n.as_str()),
        Value::String(text) => parse_number(text),
        _ => None,
    }
}

/// A number written as JSON writes one (`10000`, `-2.5`, `1e4`), surrounding spaces allowed,
/// kept exact (`core::number`), so that 30-digit amounts compare digit by digit.
pub(crate) fn parse_number(text: &str) -> Option<Decimal> {
    Decimal::parse(text)
}
