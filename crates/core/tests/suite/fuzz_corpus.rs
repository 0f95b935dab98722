//! Replays, on stable, every input the fuzzers kept (`fuzz/corpus/<target>`) and every crash
//! they found (`tests/fuzz_regressions/<target>`) through the fuzz targets' own bodies
//! (`tests/fuzz_harness`). The fuzzers themselves run outside CI: `scripts/fuzz.sh`.

use crate::fuzz_harness;

use std::fs;
use std::path::Path;

/// Runs `target` on each file under `fuzz/corpus/<name>` and `tests/fuzz_regressions/<name>`,
/// and returns how many there were.
fn replay(name: &str, target: fn(&[u8])) -> usize {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut n = 0;
    for dir in [
        root.join("fuzz/corpus").join(name),
        root.join("tests/fuzz_regressions").join(name),
    ] {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a readable corpus directory").path();
            let data = fs::read(&path).expect("a readable corpus file");
            target(&data);
            n += 1;
        }
    }
    n
}

#[test]
fn the_ingest_corpus_reads_the_same_in_any_blocks_without_a_panic() {
    assert!(replay("ingest", fuzz_harness::ingest) >= 100);
}

/// The fuzzer's seeds, whole: the committed corpus keeps inputs of up to 2 KB, and these real
/// samples are longer. Each is read with detection, cut into blocks two ways.
#[test]
fn every_real_sample_reads_the_same_in_any_blocks() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut n = 0;
    for dir in [root.join("../shared/corpus"), root.join("tests/fixtures")] {
        for path in files_under(&dir) {
            let source = fs::read(&path).expect("a readable sample");
            for split in [7, 200] {
                fuzz_harness::ingest(&[[0, split].as_slice(), &source].concat());
            }
            n += 1;
        }
    }
    assert!(n >= 100, "{n} samples");
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for path in entries.map(|entry| entry.expect("a readable directory").path()) {
        if path.is_dir() {
            files.extend(files_under(&path));
        } else if fs::metadata(&path).is_ok_and(|meta| meta.len() < 200_000) {
            files.push(path);
        }
    }
    files
}

/// With the two links the fuzzer broke (`&=&`, and a parameter named `?...`) among them.
#[test]
fn the_link_corpus_round_trips() {
    assert!(replay("link", fuzz_harness::link) >= 100);
}

#[test]
fn the_model_corpus_reads_and_replays_without_a_panic() {
    assert!(replay("model", fuzz_harness::model) >= 100);
}

/// Packs written by Python's `zipfile` and by Chronoscope, and what the fuzzer made of them
/// (entries pointed at each other's bytes, names repeated).
#[test]
fn the_pack_corpus_reads_within_its_size_without_a_panic() {
    assert!(replay("pack", fuzz_harness::pack) >= 100);
}

/// The event filter and the state query over one large string (`fuzz_harness::search`).
#[test]
fn the_search_corpus_filters_a_large_string_without_a_panic() {
    assert!(replay("search", fuzz_harness::search) >= 2);
}

#[test]
fn the_query_corpus_reads_and_matches_without_a_panic() {
    assert!(replay("query", fuzz_harness::query) >= 100);
}
