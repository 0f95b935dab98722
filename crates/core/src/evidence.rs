//! Evidence packs: one `.zip` an auditor hands over, which reopens the same view and
//! re-verifies itself offline.
//!
//! A pack holds the events (the selected stream's up to the moment, or the whole source), each
//! record byte for byte as read, in `events.json` (a JSON array whose elements are the records'
//! bytes, so that any record fits); the state at the moment (`state.json`) and the diff against
//! the comparison point (`diff.json`); the projection and mapping used; the integrity report
//! (`integrity.json`); the deep link with its `h=` pin (`link.txt`); the app's version, the
//! export time in UTC and local time, and the scope (`about.json`); and `manifest.json` with the
//! SHA-256 of every other file. Files are stored, not compressed, so that any zip tool lists
//! them and `sha256sum` checks them by hand.
//!
//! Opening a pack checks every file against the manifest: a file changed, missing or not in the
//! manifest is named. The events then go through the ingest like any source, and the link's
//! `h=` is checked against them, so a pack whose events were edited *and* whose manifest was
//! rewritten to match still fails the pin.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::decode::Format;
use crate::diff::Difference;
use crate::export::{diff_json, event_json, moment_scope, pretty, state_json, Scope};
use crate::integrity::chain::sha256_hex;
use crate::integrity::Report;
use crate::link::ViewState;
use crate::selection::select;
use std::borrow::Cow;

use crate::stored_zip::{read_stored, write_stored};
use crate::time::format_utc;
use crate::timeline::Timeline;

/// The manifest's name in a pack.
pub const MANIFEST: &str = "manifest.json";

/// What `manifest.json` says.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Manifest {
    /// Always `chronoscope-evidence`.
    pub kind: String,
    /// The pack layout's version; this one is 1.
    pub version: u32,
    pub files: Vec<ManifestFile>,
}

/// One file of a pack and its hash.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ManifestFile {
    pub name: String,
    pub sha256: String,
    pub bytes: usize,
}

/// The files of a pack, by name, in the order they are written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackFiles<'a> {
    /// Each file's name and bytes: written ones owned, read ones borrowed from the pack.
    pub files: Vec<(String, Cow<'a, [u8]>)>,
}

impl<'a> PackFiles<'a> {
    /// Adds a file written here.
    pub fn add(&mut self, name: &str, bytes: impl Into<Vec<u8>>) {
        self.files
            .push((name.to_string(), Cow::Owned(bytes.into())));
    }

    /// Adds a file read from a pack, its bytes borrowed from the pack's.
    fn add_read(&mut self, name: &str, bytes: &'a [u8]) {
        self.files.push((name.to_string(), Cow::Borrowed(bytes)));
    }

    /// A file's bytes, if the pack has it.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(file, _)| file == name)
            .map(|(_, bytes)| bytes.as_ref())
    }

    /// A file's text, if the pack has it and it is UTF-8.
    pub fn text(&self, name: &str) -> Option<&str> {
        std::str::from_utf8(self.get(name)?).ok()
    }
}

/// Why a pack could not be written or read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PackError {
    #[error("not a zip file: {0}")]
    NotZip(String),
    #[error("the zip has no {MANIFEST}: it is not a Chronoscope evidence pack")]
    NoManifest,
    #[error("{MANIFEST} cannot be read: {0}")]
    BadManifest(String),
    #[error("the zip cannot be written: {0}")]
    Write(String),
    #[error("the pack has no events.json")]
    NoEvents,
}

/// What checking a pack against its manifest found, per file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// The file's bytes do not hash to the manifest's hash.
    Changed { file: String },
    /// The manifest lists the file, but the pack does not have it.
    Missing { file: String },
    /// The pack has a file the manifest does not list.
    Unlisted { file: String },
    /// `state.json` is not the state the pack's events replay to at its moment: it was
    /// rewritten, and its manifest entry with it.
    StateDiffers,
}

impl std::fmt::Display for Tamper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tamper::Changed { file } => write!(f, "{file} was changed after the pack was made"),
            Tamper::Missing { file } => write!(f, "{file} is missing from the pack"),
            Tamper::Unlisted { file } => write!(f, "{file} was added to the pack"),
            Tamper::StateDiffers => write!(
                f,
                "state.json is not the state the pack's events replay to at its moment"
            ),
        }
    }
}

/// True when bytes begin like a zip file.
pub fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Writes files and their manifest into a zip.
pub fn write_pack(files: &PackFiles<'_>) -> Result<Vec<u8>, PackError> {
    let listed: Vec<Value> = files
        .files
        .iter()
        .map(|(name, bytes)| json!({"name": name, "sha256": sha256_hex(bytes), "bytes": bytes.len()}))
        .collect();
    let manifest = json!({"kind": "chronoscope-evidence", "version": 1, "files": listed});
    let manifest_text = pretty(&manifest);
    let mut all = vec![(MANIFEST, manifest_text.as_bytes())];
    all.extend(
        files
            .files
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_ref())),
    );
    write_stored(&all).map_err(|err| PackError::Write(err.to_string()))
}

/// Reads a pack's files and checks them against its manifest. The files are returned even
/// when some fail, so that what can be shown is shown, with the failures named.
pub fn open_pack(bytes: &[u8]) -> Result<(PackFiles<'_>, Vec<Tamper>), PackError> {
    let entries = read_stored(bytes).map_err(|err| PackError::NotZip(err.to_string()))?;
    let mut files = PackFiles::default();
    // An entry whose CRC does not match is kept: the manifest's hash names it as changed.
    for entry in entries {
        files.add_read(&entry.name, entry.bytes);
    }
    let manifest_text = files.text(MANIFEST).ok_or(PackError::NoManifest)?;
    let manifest: Manifest = serde_json::from_str(manifest_text)
        .map_err(|err| PackError::BadManifest(err.to_string()))?;
    let tampered = check_manifest(&manifest, &files);
    Ok((files, tampered))
}

fn check_manifest(manifest: &Manifest, files: &PackFiles<'_>) -> Vec<Tamper> {
    let mut found = Vec::new();
    for listed in &manifest.files {
        match files.get(&listed.name) {
            None => found.push(Tamper::Missing {
                file: listed.name.clone(),
            }),
            Some(bytes) if !sha256_hex(bytes).eq_ignore_ascii_case(&listed.sha256) => {
                found.push(Tamper::Changed {
                    file: listed.name.clone(),
                })
            }
            Some(_) => {}
        }
    }
    for (name, _) in &files.files {
        if name != MANIFEST && !manifest.files.iter().any(|listed| &listed.name == name) {
            found.push(Tamper::Unlisted { file: name.clone() });
        }
    }
    found
}

/// The events file of a pack: a JSON array whose elements are the records, byte for byte.
pub fn events_array<'a>(records: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("[\n");
    for (idx, record) in records.enumerate() {
        if idx > 0 {
            out.push_str(",\n");
        }
        out.push_str(record);
    }
    out.push_str("\n]\n");
    out
}

/// Everything an evidence pack is made from.
#[derive(Clone, Debug)]
pub struct EvidenceInput<'a> {
    pub timeline: &'a Timeline,
    pub stream: &'a str,
    /// The selected moment: a position in the stream, from 0.
    pub pos: usize,
    /// Whether the pack holds the whole source rather than the stream up to the moment.
    pub whole_source: bool,
    pub state: &'a Value,
    pub diff: &'a [Difference],
    /// The comparison point, in words (`v56`, `t:2026-03-31T23:59:59Z`).
    pub compared_with: String,
    /// The projection and mapping documents used, as their text.
    pub projection: Option<&'a str>,
    pub mapping: Option<&'a str>,
    pub report: &'a Report,
    /// The deep link, with its `h=` and `hx=`.
    pub link: String,
    pub app_version: &'a str,
    pub exported: DateTime<Utc>,
    /// The export time in the exporting person's time zone, as the page shows local times.
    pub exported_local: String,
    /// Where the events came from, in words.
    pub source: String,
    pub format: Format,
}

/// The files of an evidence pack (the manifest is added when it is written).
pub fn evidence_files(input: &EvidenceInput<'_>) -> PackFiles<'static> {
    let timeline = input.timeline;
    let positions: Vec<usize> = match input.whole_source {
        true => (0..timeline.len()).collect(),
        false => timeline
            .stream_log_positions(input.stream)
            .iter()
            .take(input.pos + 1)
            .map(|&idx| idx as usize)
            .collect(),
    };
    let records: Vec<String> = positions
        .iter()
        .map(|&log_idx| match timeline.stored_bytes(log_idx) {
            Some(bytes) => bytes.to_string(),
            None => event_json(timeline, log_idx).to_string(),
        })
        .collect();
    let head = timeline.head_at(input.stream, input.pos);
    let stream_scope = moment_scope(timeline, input.stream, input.pos).unwrap_or_default();
    let scope = match input.whole_source {
        true => Scope {
            n_events: positions.len(),
            stream: None,
            ..stream_scope.clone()
        },
        false => stream_scope.clone(),
    };
    let about = json!({
        "app": format!("Chronoscope {}", input.app_version),
        "exported_utc": format_utc(&input.exported),
        "exported_local": input.exported_local,
        "scope": scope.text(),
        "source": input.source,
        "format": input.format.key(),
        "stream": input.stream,
        "version": head.map(|head| head.version),
        "whole_source": input.whole_source,
        "reopen": "drop this file onto Chronoscope: it reopens this view and checks every hash",
    });
    let mut files = PackFiles::default();
    files.add(
        "events.json",
        events_array(records.iter().map(String::as_str)),
    );
    files.add("state.json", state_json(input.state, &stream_scope));
    files.add(
        "diff.json",
        diff_json(input.diff, &input.compared_with, &stream_scope),
    );
    if let Some(projection) = input.projection {
        files.add("projection.json", projection);
    }
    if let Some(mapping) = input.mapping {
        files.add("mapping.json", mapping);
    }
    files.add("integrity.json", input.report.to_json());
    files.add("link.txt", format!("{}\n", input.link));
    files.add("about.json", pretty(&about));
    files
}

/// The query of the deep link a pack was made with (its `link.txt`).
pub fn pack_link<'a>(files: &'a PackFiles<'_>) -> Option<&'a str> {
    let text = files.text("link.txt")?.trim();
    Some(text.split_once('?').map_or(text, |(_, query)| query))
}

/// The view a pack reopens: its link's, with the events from the pack (named by the pack's
/// file name) and the projection and mapping it holds, so that nothing is fetched.
pub fn pack_view(files: &PackFiles<'_>, pack_name: &str) -> ViewState {
    let (mut view, _) = ViewState::from_query(pack_link(files).unwrap_or_default());
    view.src = None;
    view.file = Some(pack_name.to_string());
    view.projection = files.text("projection.json").map(str::to_string);
    view.mapping = files.text("mapping.json").map(str::to_string);
    view
}

/// An evidence pack opened to be shown again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reopened {
    /// The view to show (`pack_view`).
    pub view: ViewState,
    /// The events, as `events.json` holds them.
    pub events: String,
    /// Each file changed, missing or added since the pack was made, in words.
    pub tampered: Vec<String>,
    /// How many files the pack has, its manifest included.
    pub n_files: usize,
    /// The state `state.json` says the moment has, to be compared with the replay.
    pub state: Option<Value>,
}

/// Opens a pack file to show it again: its files checked, its view, its events.
pub fn reopen(bytes: &[u8], pack_name: &str) -> Result<Reopened, PackError> {
    let (files, tampered) = open_pack(bytes)?;
    let events = files.text("events.json").ok_or(PackError::NoEvents)?;
    Ok(Reopened {
        view: pack_view(&files, pack_name),
        events: events.to_string(),
        tampered: tampered.iter().map(ToString::to_string).collect(),
        n_files: files.files.len(),
        state: files
            .text("state.json")
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .and_then(|mut document| document.get_mut("state").map(Value::take)),
    })
}

/// Compares the state a pack's `state.json` holds with the state its events replay to at the
/// moment its link names: they differ only if one of them was changed after the pack was made
/// (a rewritten `state.json` whose manifest entry was rewritten too).
pub fn check_state(expected: &Value, timeline: &Timeline, view: &ViewState) -> Option<Tamper> {
    let selection = select(timeline, view);
    let stream = selection.stream.as_deref()?;
    let replayed = timeline.state_after(stream, selection.pos);
    (&replayed != expected).then_some(Tamper::StateDiffers)
}
