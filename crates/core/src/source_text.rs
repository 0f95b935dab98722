//! A source's text as the engine keeps it: UTF-8 checked once, shared rather than copied.
//!
//! A block of NDJSON lines, a document, a feed page: each is kept once, and the timeline's
//! events point into it (`Timeline::push_record`). `ByteString` (from `bytestring`) is `Bytes`
//! known to be UTF-8: a clone or a slice is a reference count, and its bytes can be owned (a
//! `String` fed by the page) or anyone else's (a file the `chronoscope` command maps into
//! memory, `Bytes::from_owner`), so that a block of a mapped file is read where it is.

pub use bytestring::ByteString as SourceText;

/// Whether two texts are the same bytes (not merely equal ones): the timeline keeps a text once
/// for all the records that point into it.
pub fn same_text(a: &SourceText, b: &SourceText) -> bool {
    a.as_ptr() == b.as_ptr() && a.len() == b.len()
}
