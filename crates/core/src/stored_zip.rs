//! Zip files whose entries are stored, not compressed: what evidence packs are.
//!
//! Hand-written rather than the `zip` crate's reader, because a pack is evidence: `zip` 2.6.1
//! keeps a zip's entries in a map by name (`IndexMap`, `read.rs`), so of two entries with one
//! name it keeps one and says nothing, and it does not check that entries' bytes are apart;
//! this reader refuses both, and reads each entry in place, a slice of the pack (which `verify`
//! maps rather than copies). The writer is the reader's mirror. What is written is plain
//! PKZIP (APPNOTE 6.3: local headers, a central directory, its end record; UTF-8 names, no
//! extra fields, 1980-01-01 as every entry's time so that the same files give the same bytes),
//! which every zip tool lists and extracts. Reading takes what it wrote, and names any entry it
//! cannot take (a compressed one, a zip64 one, one that runs past the end) instead of guessing.
//! Every offset read from the file is checked before use. A pack is read within its own size:
//! entries whose bytes overlap (a directory that points many entries at the same bytes would
//! have them copied thousands of times) are refused, and so are two entries of one name (tools
//! disagree on which a reader takes) and names that could land outside a folder or hide
//! themselves when extracted (`..`, a leading `/`, `\`, control characters).

use std::fmt;

/// Why bytes could not be read as a stored zip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZipError {
    /// No end-of-central-directory record: not a zip file, or a cut one.
    NoDirectory,
    /// An entry or the directory runs past the end of the bytes.
    Truncated { entry: String },
    /// An entry is compressed (method 8 is deflate); packs are stored.
    Compressed { entry: String, method: u16 },
    /// More entries, or larger ones, than a zip without zip64 holds.
    TooLarge,
    /// Two entries whose bytes overlap: each entry of a zip has bytes of its own.
    Overlapping { entry: String, other: String },
    /// Two entries of the same name.
    DuplicateName { entry: String },
    /// A name with `..`, a leading `/`, a `\` or a control character.
    UnsafeName { entry: String },
}

impl fmt::Display for ZipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ZipError::NoDirectory => write!(f, "no zip directory at the end (not a zip, or cut)"),
            ZipError::Truncated { entry } => write!(f, "{entry} runs past the end of the file"),
            ZipError::Compressed { entry, method } => write!(
                f,
                "{entry} is compressed (method {method}); evidence packs are stored, so re-zip without compression"
            ),
            ZipError::TooLarge => write!(f, "too many or too large files for a zip without zip64"),
            ZipError::Overlapping { entry, other } => {
                write!(f, "{entry:?} and {other:?} share bytes; a zip's entries each have their own")
            }
            ZipError::DuplicateName { entry } => {
                write!(f, "two entries are named {entry:?}; tools disagree on which one is read")
            }
            ZipError::UnsafeName { entry } => write!(
                f,
                "the entry name {entry:?} could land outside a folder or hide itself (`..`, a leading `/`, `\\` or a control character)"
            ),
        }
    }
}

/// One entry read back, its bytes borrowed from the zip's (never copied), with whether they
/// match the CRC-32 the zip records for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    pub name: String,
    pub bytes: &'a [u8],
    pub crc_matches: bool,
}

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
/// Version 2.0, the first with stored and deflated entries and directories.
const VERSION: u16 = 20;
/// Bit 11: names are UTF-8.
const UTF8_NAMES: u16 = 0x0800;
/// 1980-01-01 in MS-DOS date form, the earliest a zip can say.
const DOS_DATE: u16 = 0x21;

/// Writes files (each a name and its bytes) as a zip of stored entries.
pub fn write_stored<N: AsRef<str>, B: AsRef<[u8]>>(files: &[(N, B)]) -> Result<Vec<u8>, ZipError> {
    let n_files = u16::try_from(files.len()).map_err(|_| ZipError::TooLarge)?;
    let mut out = Vec::new();
    let mut directory = Vec::new();
    for (name, bytes) in files {
        let (name, bytes) = (name.as_ref(), bytes.as_ref());
        let offset = u32::try_from(out.len()).map_err(|_| ZipError::TooLarge)?;
        let size = u32::try_from(bytes.len()).map_err(|_| ZipError::TooLarge)?;
        let name_len = u16::try_from(name.len()).map_err(|_| ZipError::TooLarge)?;
        let crc = crc32(bytes);
        put_u32(&mut out, LOCAL);
        put_common(&mut out, crc, size, name_len);
        put_u16(&mut out, 0); // extra field length
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(bytes);
        put_u32(&mut directory, CENTRAL);
        put_u16(&mut directory, VERSION); // made by
        put_common(&mut directory, crc, size, name_len);
        for _ in 0..4 {
            put_u16(&mut directory, 0); // extra, comment, disk, internal attributes
        }
        put_u32(&mut directory, 0); // external attributes
        put_u32(&mut directory, offset);
        directory.extend_from_slice(name.as_bytes());
    }
    let directory_at = u32::try_from(out.len()).map_err(|_| ZipError::TooLarge)?;
    let directory_len = u32::try_from(directory.len()).map_err(|_| ZipError::TooLarge)?;
    out.extend_from_slice(&directory);
    put_u32(&mut out, END);
    put_u16(&mut out, 0); // this disk
    put_u16(&mut out, 0); // the directory's disk
    put_u16(&mut out, n_files);
    put_u16(&mut out, n_files);
    put_u32(&mut out, directory_len);
    put_u32(&mut out, directory_at);
    put_u16(&mut out, 0); // comment length
    Ok(out)
}

/// The fields local and central headers share, from "version needed" to the name's length.
fn put_common(out: &mut Vec<u8>, crc: u32, size: u32, name_len: u16) {
    put_u16(out, VERSION);
    put_u16(out, UTF8_NAMES);
    put_u16(out, 0); // stored
    put_u16(out, 0); // time
    put_u16(out, DOS_DATE);
    put_u32(out, crc);
    put_u32(out, size); // compressed
    put_u32(out, size); // uncompressed
    put_u16(out, name_len);
}

/// Reads the entries of a zip of stored entries, in directory order.
pub fn read_stored(bytes: &[u8]) -> Result<Vec<Entry<'_>>, ZipError> {
    let end = find_end(bytes).ok_or(ZipError::NoDirectory)?;
    let n_entries = usize::from(u16_at(bytes, end + 10).ok_or(ZipError::NoDirectory)?);
    let directory_at = u32_at(bytes, end + 16).ok_or(ZipError::NoDirectory)? as usize;
    let mut at = directory_at;
    let mut entries = Vec::with_capacity(n_entries);
    let mut spans = Vec::with_capacity(n_entries);
    for idx in 0..n_entries {
        let truncated = || ZipError::Truncated {
            entry: format!("directory entry {}", idx + 1),
        };
        if u32_at(bytes, at) != Some(CENTRAL) {
            return Err(truncated());
        }
        let field = |offset: usize| u16_at(bytes, at + offset).map(usize::from);
        let method = u16_at(bytes, at + 10).ok_or_else(truncated)?;
        let crc = u32_at(bytes, at + 16).ok_or_else(truncated)?;
        let size = u32_at(bytes, at + 20).ok_or_else(truncated)? as usize;
        let name_len = field(28).ok_or_else(truncated)?;
        let skip = field(30).ok_or_else(truncated)? + field(32).ok_or_else(truncated)?;
        let local = u32_at(bytes, at + 42).ok_or_else(truncated)? as usize;
        let name_bytes = bytes
            .get(at + 46..at + 46 + name_len)
            .ok_or_else(truncated)?;
        let name = String::from_utf8_lossy(name_bytes).into_owned();
        if is_unsafe_name(&name) {
            return Err(ZipError::UnsafeName { entry: name });
        }
        if method != 0 {
            return Err(ZipError::Compressed {
                entry: name,
                method,
            });
        }
        let (start, data) = stored_data(bytes, local, size).ok_or_else(|| ZipError::Truncated {
            entry: name.clone(),
        })?;
        spans.push((local, start + size, idx));
        entries.push((name, crc, data));
        at += 46 + name_len + skip;
    }
    check_apart(&mut spans, directory_at, &entries)?;
    Ok(entries
        .into_iter()
        .map(|(name, crc, data)| Entry {
            crc_matches: crc32(data) == crc,
            bytes: data,
            name,
        })
        .collect())
}

/// True for a name that could land outside a folder or hide itself when extracted.
fn is_unsafe_name(name: &str) -> bool {
    name.starts_with('/')
        || name.contains('\\')
        || name.chars().any(char::is_control)
        || name.split('/').any(|part| part == "..")
}

/// Checks that no two entries share a name or bytes, and that every entry lies before the
/// directory: so the entries' bytes together are never more than the file's. `spans` are each
/// entry's local header start, data end and index in `entries`.
fn check_apart(
    spans: &mut [(usize, usize, usize)],
    directory_at: usize,
    entries: &[(String, u32, &[u8])],
) -> Result<(), ZipError> {
    let mut names: Vec<&str> = entries.iter().map(|(name, _, _)| name.as_str()).collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(ZipError::DuplicateName {
            entry: pair[0].to_string(),
        });
    }
    spans.sort_unstable();
    let name = |idx: usize| entries[idx].0.clone();
    for pair in spans.windows(2) {
        let ((_, end, a), (start, _, b)) = (pair[0], pair[1]);
        if start < end {
            return Err(ZipError::Overlapping {
                entry: name(b),
                other: name(a),
            });
        }
    }
    match spans.last() {
        Some(&(_, end, idx)) if end > directory_at => Err(ZipError::Overlapping {
            entry: name(idx),
            other: "the zip's directory".into(),
        }),
        _ => Ok(()),
    }
}

/// Where the bytes of a stored entry whose local header is at `local` start, and the bytes.
fn stored_data(bytes: &[u8], local: usize, size: usize) -> Option<(usize, &[u8])> {
    if u32_at(bytes, local)? != LOCAL {
        return None;
    }
    let name_len = usize::from(u16_at(bytes, local + 26)?);
    let extra_len = usize::from(u16_at(bytes, local + 28)?);
    let start = local.checked_add(30 + name_len + extra_len)?;
    Some((start, bytes.get(start..start.checked_add(size)?)?))
}

/// Where the end-of-central-directory record is: searched from the end, past a comment of at
/// most 65,535 bytes.
fn find_end(bytes: &[u8]) -> Option<usize> {
    let last = bytes.len().checked_sub(22)?;
    let first = last.saturating_sub(u16::MAX as usize);
    (first..=last)
        .rev()
        .find(|&at| u32_at(bytes, at) == Some(END))
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let raw = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([raw[0], raw[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let raw = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]))
}

fn put_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// CRC-32 (IEEE, as zip uses it), by `crc32fast` (with the CPU's carry-less multiply where it
/// has one).
pub fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}
