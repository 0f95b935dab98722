//! Hash chains: each event carries a hash of itself and the hash of the event before it, so
//! that a changed, removed or reordered event shows.
//!
//! Two rules are known. **EventSourcingDB's** is built in for its format (the rule, checked
//! against the store's own test vectors, is in `../shared/corpus/eventsourcingdb/README.md`):
//!
//! ```text
//! metadata = specversion|id|predecessorhash|time|source|subject|type|datacontenttype
//! hash     = hex(SHA-256( hex(SHA-256(metadata)) + hex(SHA-256(data as written)) ))
//! ```
//!
//! and its chain runs through the whole log in the order the lines are written. **Other stores**
//! describe theirs in the projection file (`"chain"`): pointers to the hash and to the previous
//! hash in each record (`hash`, `previous`), what is hashed (`over_bytes`: the bytes of one value
//! as stored; or `over_fields`: a list of values joined by `|`), and whether each stream has its
//! own chain (`per_stream`) or one runs through the log. Every
//! value is read from the record's bytes as stored, never from a re-serialised event, so that
//! the check sees exactly what the store wrote.
//!
//! Walking a chain, an event whose hash is not the hash of its bytes is a **hash mismatch** at
//! that event; an event whose previous hash is not the hash its predecessor carries is a
//! **broken link** there. So a changed byte in event N is a mismatch at N, and if N's hash was
//! rewritten to match, the link at N+1 breaks; a removed or swapped event breaks links too.

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::diff::unescape_token;
pub use crate::projection::ChainRule;
use crate::projection::ProjectionError;

/// What a chain says about one event, read from its record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The hash the record carries.
    pub stored: String,
    /// The previous hash the record carries.
    pub previous: String,
    /// The hash of the record's bytes under the rule; `None` where a value it covers is absent.
    pub computed: Option<String>,
}

/// EventSourcingDB's first event names this predecessor.
pub const ESDB_GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 of bytes, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes as lower-case hex. Hand-written: six lines do not call for a hex crate.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 15)] as char);
    }
    out
}

impl ChainRule {
    /// Refuses a rule this version cannot apply, naming what is wrong.
    pub fn check(&self) -> Result<(), ProjectionError> {
        if let Some(other) = self
            .algorithm
            .as_deref()
            .filter(|a| *a != "sha256" && *a != "SHA-256")
        {
            return Err(ProjectionError::ChainAlgorithm {
                algorithm: other.to_string(),
            });
        }
        match (&self.over_bytes, &self.over_fields) {
            (Some(_), None) | (None, Some(_)) => Ok(()),
            _ => Err(ProjectionError::ChainOver),
        }
    }

    /// The link a record makes under this rule, or `None` when the record carries no hash at
    /// the rule's pointer (the event is not part of the chain).
    pub fn link(&self, record: &str) -> Option<Link> {
        let stored = string_at(record, &self.hash)?;
        let previous = string_at(record, &self.previous).unwrap_or_default();
        let computed = match (&self.over_bytes, &self.over_fields) {
            (Some(pointer), _) => raw_at(record, pointer).map(|raw| sha256_hex(raw.as_bytes())),
            (None, Some(pointers)) => {
                fields_text(record, pointers).map(|joined| sha256_hex(joined.as_bytes()))
            }
            (None, None) => None,
        };
        Some(Link {
            stored,
            previous,
            computed,
        })
    }
}

/// The values at these pointers of a record, joined by `|`; `None` if one is absent.
pub fn fields_text(record: &str, pointers: &[String]) -> Option<String> {
    let values: Option<Vec<String>> = pointers
        .iter()
        .map(|pointer| raw_at(record, pointer).map(field_text))
        .collect();
    values.map(|values| values.join("|"))
}

/// A value as a chain hashes it: a string's text, anything else as written.
fn field_text(raw: &str) -> String {
    serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.trim().to_string())
}

/// The string at a pointer of a record, if it is one.
fn string_at(record: &str, pointer: &str) -> Option<String> {
    serde_json::from_str(raw_at(record, pointer)?).ok()
}

/// The bytes of the value at a JSON Pointer in a record, exactly as written. Only the objects
/// and arrays on the way are parsed, and only one level at a time, keeping each value's text.
pub fn raw_at<'a>(record: &'a str, pointer: &str) -> Option<&'a str> {
    let mut current = record;
    for token in pointer.split('/').skip(1) {
        let token = unescape_token(token);
        current = match current.trim_start().as_bytes().first()? {
            b'{' => members(current)?.get(token.as_str())?.get(),
            b'[' => {
                let items: Vec<&'a RawValue> = serde_json::from_str(current).ok()?;
                items.get(token.parse::<usize>().ok()?)?.get()
            }
            _ => return None,
        };
    }
    Some(current)
}

/// The link an EventSourcingDB line makes, or `None` when it is not an event line with a hash.
/// A backup's line is `{"payload": {"event": {…}, "hash": …}}`; the API's has the hash inside
/// the event. Values are read from the line's bytes, `data` exactly as written; the event's
/// object is parsed once, one level deep.
pub fn esdb_link(record: &str) -> Option<Link> {
    let payload = members(members(record)?.get("payload")?.get())?;
    let (event, stored) = match payload.get("event") {
        Some(event) => (members(event.get())?, unquote(payload.get("hash")?)?),
        None => {
            let hash = unquote(payload.get("hash")?)?;
            (payload, hash)
        }
    };
    let field = |name: &str| event.get(name).and_then(|raw| unquote(raw));
    let mut metadata = Vec::with_capacity(8);
    for name in [
        "specversion",
        "id",
        "predecessorhash",
        "time",
        "source",
        "subject",
        "type",
    ] {
        metadata.push(field(name)?);
    }
    metadata.push(field("datacontenttype").unwrap_or_default());
    let data = event.get("data").map_or("", |raw| raw.get());
    Some(Link {
        computed: Some(esdb_hash(&metadata, data)),
        previous: metadata.swap_remove(2),
        stored,
    })
}

/// EventSourcingDB's hash of an event: its eight metadata fields, in the rule's order
/// (specversion, id, predecessorhash, time, source, subject, type, datacontenttype), and its
/// data as written.
pub fn esdb_hash(metadata: &[String], data: &str) -> String {
    let both = sha256_hex(metadata.join("|").as_bytes()) + &sha256_hex(data.as_bytes());
    sha256_hex(both.as_bytes())
}

/// The members of a JSON object, each as its text.
fn members(text: &str) -> Option<BTreeMap<String, &RawValue>> {
    serde_json::from_str(text).ok()
}

/// A JSON string's text.
fn unquote(raw: &RawValue) -> Option<String> {
    serde_json::from_str(raw.get()).ok()
}
