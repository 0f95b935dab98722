//! The quick way to read a canonical record's index fields (`canonical::decode_lean`): one pass
//! over the record's bytes that reads `stream`, `type`, `time`, `version`, `id` and `meta.user`
//! and checks that everything else is well-formed JSON, without building anything for it.
//!
//! Why by hand: on the benchmark's 1,000,000 records (303 MB, natively, at the engine's
//! opt-level 3), reading these fields with serde (`decode_lean_by_serde`, a derived struct over
//! the record) took 0.61 s, serde skipping the whole record as `IgnoredAny` 0.30 s, and jiter
//! 0.45 s; this scan takes 0.30 s and `decode_lean` with it 0.34 s. `cargo bench --profile worker
//! -p chronoscope-core --bench core -- index_fields` times 100,000 records: 35 ms against serde's
//! 100 ms (medians), and 56–57 ms against 100–104 ms in three later runs. At opt-level "z" the
//! scan is the slower (144 ms against 122 ms), so the engine is built at 3 wherever it reads
//! sources (the worker, `chronoscope` installed with `--profile worker`). It only ever says *yes*
//! to a record serde reads the same way: anything it is not sure of (an escape in a key or in a
//! field it reads, a number that is not a plain whole number, a duplicate field, nesting past 128
//! levels) makes it answer `None`, and the record is read by serde as before. Tests hold the two side by side on every record of the corpus and on
//! 40,000 mutated ones (`crates/core/tests/suite/decode_canonical.rs`), and the `ingest` fuzz target on
//! every line it makes.

use crate::patch::op_is_valid;

/// The index fields of a record, as the scan found them; strings are borrowed, unescaped.
#[derive(Debug, PartialEq, Eq)]
pub struct Scanned<'a> {
    pub stream: &'a str,
    pub kind: &'a str,
    pub time: &'a str,
    pub version: Option<u64>,
    pub id: Option<&'a str>,
    pub user: Option<&'a str>,
    /// True when `meta` names `time_zone_assumed`.
    pub zone_assumed: bool,
    /// Whether `patch`, when there is one, is a JSON Patch json-patch accepts.
    pub patch: Option<bool>,
}

/// Deeper than this, the scan leaves the record to serde (whose own limit is 128).
const MAX_DEPTH: usize = 128;

/// The brackets of an object and of an array.
const OBJECT: (u8, u8) = (b'{', b'}');
const ARRAY: (u8, u8) = (b'[', b']');

/// Scans a record; `None` when it is not sure the record is one serde reads the same way.
pub fn scan(text: &str) -> Option<Scanned<'_>> {
    let mut cursor = Cursor {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let scanned = cursor.record()?;
    cursor.skip_ws();
    (cursor.at == cursor.bytes.len()).then_some(scanned)
}

struct Cursor<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// Consumes `byte` after any whitespace.
    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// The top-level object and its fields.
    fn record(&mut self) -> Option<Scanned<'a>> {
        let mut fields = Fields::default();
        self.members(|cursor, key| cursor.field(key, &mut fields))?;
        fields.into_scanned()
    }

    /// Walks the items of an object or an array, from `open` to `close`, giving `item` the
    /// cursor at each (past any whitespace), which it reads.
    fn items(
        &mut self,
        (open, close): (u8, u8),
        mut item: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.eat(open)?;
        self.skip_ws();
        if self.peek()? == close {
            self.at += 1;
            return Some(());
        }
        loop {
            self.skip_ws();
            item(self)?;
            self.skip_ws();
            match self.peek()? {
                b',' => self.at += 1,
                b if b == close => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Walks an object's members, keys read as `plain_string` reads them, giving `member` each
    /// key with the cursor at its value, which `member` reads.
    fn members(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.items(OBJECT, |cursor| {
            let key = cursor.plain_string()?;
            cursor.eat(b':')?;
            cursor.skip_ws();
            member(cursor, key)
        })
    }

    /// `null`, or a string as `plain_string` reads one.
    fn string_or_null(&mut self) -> Option<Option<&'a str>> {
        match self.null()? {
            true => Some(None),
            false => self.plain_string().map(Some),
        }
    }

    /// One top-level field's value.
    fn field(&mut self, key: &str, fields: &mut Fields<'a>) -> Option<()> {
        match key {
            "stream" => set_once(&mut fields.stream, self.plain_string()?),
            "type" => set_once(&mut fields.kind, self.plain_string()?),
            "time" => set_once(&mut fields.time, self.plain_string()?),
            "version" => {
                let version = match self.null()? {
                    true => None,
                    false => Some(self.whole_number()?),
                };
                set_once(&mut fields.version, version)
            }
            "id" => {
                let id = self.string_or_null()?;
                set_once(&mut fields.id, id)
            }
            "meta" => {
                let meta = self.meta()?;
                set_once(&mut fields.meta, meta)
            }
            "patch" => {
                let valid = self.patch()?;
                set_once(&mut fields.patch, valid)
            }
            _ => self.value(0),
        }
    }

    /// `meta`: `null`, or an object whose `user` is a string or `null`; its user, and whether it
    /// names `time_zone_assumed`.
    fn meta(&mut self) -> Option<Option<(Option<&'a str>, bool)>> {
        if self.null()? {
            return Some(None);
        }
        let mut user: Option<Option<&'a str>> = None;
        let mut zone_assumed = None;
        self.members(|cursor, key| match key {
            "user" => set_once(&mut user, cursor.string_or_null()?),
            "time_zone_assumed" => {
                cursor.value(1)?;
                set_once(&mut zone_assumed, ())
            }
            _ => cursor.value(1),
        })?;
        Some(Some((user.flatten(), zone_assumed.is_some())))
    }

    /// `patch`: an array of operations, each read as serde reads one (`patch::OpCheck`: `op`
    /// and `path` strings, `from` a string or `null`, `value` present); whether every operation
    /// is one json-patch accepts.
    fn patch(&mut self) -> Option<bool> {
        let mut valid = true;
        self.items(ARRAY, |cursor| {
            valid &= cursor.operation()?;
            Some(())
        })?;
        Some(valid)
    }

    /// One operation of a patch, and whether json-patch accepts it.
    fn operation(&mut self) -> Option<bool> {
        let (mut op, mut path, mut from, mut value) = (None, None, None, None);
        self.members(|cursor, key| match key {
            "op" => set_once(&mut op, cursor.plain_string()?),
            "path" => set_once(&mut path, cursor.plain_string()?),
            "from" => set_once(&mut from, cursor.string_or_null()?),
            "value" => {
                cursor.value(2)?;
                set_once(&mut value, ())
            }
            _ => cursor.value(2),
        })?;
        Some(op_is_valid(op?, path?, from.flatten(), value.is_some()))
    }

    /// True (and consumed) when the next value is `null`.
    fn null(&mut self) -> Option<bool> {
        if self.bytes.get(self.at..self.at + 4)? == b"null" {
            self.at += 4;
            return Some(true);
        }
        Some(false)
    }

    /// A whole number ≥ 0 written plainly (no sign, fraction or exponent), within u64.
    fn whole_number(&mut self) -> Option<u64> {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        let digits = &self.text[start..self.at];
        let plain = !digits.is_empty() && (digits == "0" || !digits.starts_with('0'));
        if !plain || matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        digits.parse().ok()
    }

    /// A string with no escapes and no control characters, as it is.
    fn plain_string(&mut self) -> Option<&'a str> {
        self.skip_ws();
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.at + 1;
        let end = string_stop(self.bytes, start)?;
        if self.bytes[end] != b'"' {
            return None;
        }
        self.at = end + 1;
        // Both ends are ASCII quotes, so they are character boundaries.
        self.text.get(start..end)
    }

    /// Checks and passes over any JSON value.
    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string(),
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// An object whose keys may hold escapes, as any JSON object's may.
    fn object(&mut self, depth: usize) -> Option<()> {
        self.items(OBJECT, |cursor| {
            if cursor.peek()? != b'"' {
                return None;
            }
            cursor.string()?;
            cursor.eat(b':')?;
            cursor.skip_ws();
            cursor.value(depth)
        })
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        self.items(ARRAY, |cursor| cursor.value(depth))
    }

    /// A string, its escapes checked as serde checks them when it skips one (`\u` takes any four
    /// hex digits).
    fn string(&mut self) -> Option<()> {
        self.at += 1;
        loop {
            let stop = string_stop(self.bytes, self.at)?;
            self.at = stop + 1;
            match self.bytes[stop] {
                b'"' => return Some(()),
                b'\\' => {}
                _ => return None,
            }
            match self.peek()? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                b'u' => {
                    let hex = self.bytes.get(self.at + 1..self.at + 5)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    self.at += 5;
                }
                _ => return None,
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        (self.bytes.get(self.at..self.at + word.len())? == word).then(|| self.at += word.len())
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => {
                self.at += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return None;
                }
            }
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.some_digits()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }
}

/// The top-level fields found so far; each may be given once.
#[derive(Default)]
struct Fields<'a> {
    stream: Option<&'a str>,
    kind: Option<&'a str>,
    time: Option<&'a str>,
    version: Option<Option<u64>>,
    id: Option<Option<&'a str>>,
    meta: Option<Option<(Option<&'a str>, bool)>>,
    patch: Option<bool>,
}

impl<'a> Fields<'a> {
    fn into_scanned(self) -> Option<Scanned<'a>> {
        let meta = self.meta.flatten();
        Some(Scanned {
            stream: self.stream?,
            kind: self.kind?,
            time: self.time?,
            version: self.version.flatten(),
            id: self.id.flatten(),
            user: meta.and_then(|(user, _)| user),
            zone_assumed: meta.is_some_and(|(_, assumed)| assumed),
            patch: self.patch,
        })
    }
}

/// Where a string's plain run from `at` stops: at its closing quote, a backslash or a control
/// character. A byte loop over a table: the strings of a record are short, and a call to
/// `memchr2` for each made the scan twice as slow on the benchmark's records (eight bytes at a
/// time, as serde_json's `skip_to_escape` does, gained nothing on them).
fn string_stop(bytes: &[u8], at: usize) -> Option<usize> {
    let run = bytes.get(at..)?;
    run.iter()
        .position(|&b| STRING_STOPS[usize::from(b)])
        .map(|stop| at + stop)
}

/// The bytes that end a string's plain run.
static STRING_STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        stops[b] = true;
        b += 1;
    }
    stops[b'"' as usize] = true;
    stops[b'\\' as usize] = true;
    stops
};

/// Sets a field found for the first time; a second time is `None` (serde refuses it).
fn set_once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value);
            Some(())
        }
    }
}
