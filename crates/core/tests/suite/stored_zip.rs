//! The stored-zip reader and writer of evidence packs, against zips Python's `zipfile` wrote.

use chronoscope_core::stored_zip::{crc32, read_stored, write_stored, Entry, ZipError};
use proptest::prelude::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/zip/{name}",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../..")
    );
    std::fs::read(path).expect("the fixture is readable")
}

#[test]
fn a_zip_python_stored_reads_entry_by_entry() {
    let zip = fixture("python-stored.zip");
    let entries = read_stored(&zip).expect("a stored zip");
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, vec!["manifest.json", "events.json"]);
    assert!(entries.iter().all(|e| e.crc_matches));
    assert!(String::from_utf8_lossy(entries[1].bytes).contains("1250.50"));
}

#[test]
fn a_compressed_entry_is_named_not_guessed() {
    assert_eq!(
        read_stored(&fixture("python-deflated.zip")),
        Err(ZipError::Compressed {
            entry: "events.json".into(),
            method: 8
        })
    );
}

#[test]
fn what_is_written_reads_back_and_a_changed_byte_fails_its_crc() {
    let files = vec![
        ("a.json".to_string(), b"{\"n\":1}".to_vec()),
        ("b.txt".to_string(), Vec::new()),
    ];
    let mut zip = write_stored(&files).expect("written");
    let back = read_stored(&zip).expect("read");
    let expected: Vec<Entry> = files
        .iter()
        .map(|(name, bytes)| Entry {
            name: name.clone(),
            bytes: bytes.as_slice(),
            crc_matches: true,
        })
        .collect();
    assert_eq!(back, expected);
    let at = zip
        .windows(5)
        .position(|w| w == b"\"n\":1")
        .expect("stored as is");
    zip[at + 4] = b'2';
    let changed = read_stored(&zip).expect("still a zip");
    assert!(!changed[0].crc_matches);
    assert!(changed[1].crc_matches);
}

#[test]
fn crc32_is_the_ieee_checksum() {
    assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    assert_eq!(crc32(b""), 0);
}

#[test]
fn a_cut_zip_is_an_error_not_a_panic() {
    let zip = fixture("python-stored.zip");
    for end in 0..zip.len() {
        let _ = read_stored(&zip[..end]);
    }
    assert_eq!(read_stored(&zip[..10]), Err(ZipError::NoDirectory));
}

proptest! {
    /// Bytes changed anywhere in a real zip (offsets, lengths, signatures) give entries or an
    /// error, never a panic: a panic in the browser kills the tab.
    #[test]
    fn a_zip_with_bytes_changed_anywhere_never_panics(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)
    ) {
        let mut zip = fixture("python-stored.zip");
        let n = zip.len();
        for (at, byte) in flips {
            zip[at % n] = byte;
        }
        let _ = read_stored(&zip);
    }
}

#[test]
fn python_reads_what_is_written() {
    let files = vec![("events.json".to_string(), b"[\n{\"a\":1}\n]\n".to_vec())];
    let path = std::env::temp_dir().join("chronoscope-stored-zip-test.zip");
    std::fs::write(&path, write_stored(&files).expect("written")).expect("saved");
    let output = std::process::Command::new("python3")
        .args(["-m", "zipfile", "-t"])
        .arg(&path)
        .output()
        .expect("python3 runs (the machine has CPython 3.11)");
    assert!(output.status.success(), "{output:?}");
    let listed = std::process::Command::new("python3")
        .args(["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.read('events.json').decode(), end='')"])
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert_eq!(String::from_utf8_lossy(&listed.stdout), "[\n{\"a\":1}\n]\n");
}

/// A zip of two stored entries of equal size and name length, written by the writer.
fn two_entries() -> Vec<u8> {
    write_stored(&[
        ("a.json".to_string(), b"{\"n\":1}".to_vec()),
        ("b.json".to_string(), b"{\"n\":2}".to_vec()),
    ])
    .expect("written")
}

/// Where the central directory's `n`th entry (from 0) starts.
fn central_entry(zip: &[u8], n: usize) -> usize {
    zip.windows(4)
        .enumerate()
        .filter(|(_, w)| *w == [0x50, 0x4b, 0x01, 0x02])
        .nth(n)
        .expect("a central entry")
        .0
}

#[test]
fn entries_that_share_bytes_are_refused_not_copied_again() {
    let mut zip = two_entries();
    // The second directory entry points at the first entry's local header, as a pack that
    // points thousands of entries at the same bytes does.
    let second = central_entry(&zip, 1);
    zip[second + 42..second + 46].copy_from_slice(&0u32.to_le_bytes());
    assert_eq!(
        read_stored(&zip),
        Err(ZipError::Overlapping {
            entry: "b.json".into(),
            other: "a.json".into()
        })
    );
}

#[test]
fn an_entry_whose_bytes_run_into_the_directory_is_refused() {
    let mut zip = two_entries();
    // The second entry's size, in the directory, grown by 20 bytes: its bytes would then
    // include the start of the directory itself.
    let second = central_entry(&zip, 1);
    zip[second + 20..second + 24].copy_from_slice(&27u32.to_le_bytes());
    assert_eq!(
        read_stored(&zip),
        Err(ZipError::Overlapping {
            entry: "b.json".into(),
            other: "the zip's directory".into()
        })
    );
}

#[test]
fn two_entries_of_one_name_are_refused() {
    let zip = write_stored(&[
        ("events.json".to_string(), b"[1]".to_vec()),
        ("events.json".to_string(), b"[2]".to_vec()),
    ])
    .expect("written");
    assert_eq!(
        read_stored(&zip),
        Err(ZipError::DuplicateName {
            entry: "events.json".into()
        })
    );
}

#[test]
fn names_that_leave_the_folder_or_hide_are_refused() {
    for name in [
        "../events.json",
        "a/../../b",
        "/etc/passwd",
        "a\\b.json",
        "ev\u{7}ents.json",
        "a\u{0}.json",
    ] {
        let zip = write_stored(&[(name.to_string(), b"[]".to_vec())]).expect("written");
        assert_eq!(
            read_stored(&zip),
            Err(ZipError::UnsafeName { entry: name.into() }),
            "{name:?}"
        );
    }
    let fine = write_stored(&[("a..b/c.json".to_string(), b"[]".to_vec())]).expect("written");
    assert!(read_stored(&fine).is_ok());
}

#[test]
fn entries_are_read_in_place_from_the_zip_not_copied() {
    let zip = fixture("python-stored.zip");
    let entries = read_stored(&zip).expect("a stored zip");
    let within = zip.as_ptr_range();
    for entry in &entries {
        let range = entry.bytes.as_ptr_range();
        assert!(
            within.start <= range.start && range.end <= within.end,
            "{} points into the zip's own bytes",
            entry.name
        );
    }
}
