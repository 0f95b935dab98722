#!/usr/bin/env bash
# Fuzzes every reader of untrusted text with cargo-fuzz and libFuzzer (issue 13), outside CI.
#
#   scripts/fuzz.sh                      # each target for 10 million runs
#   scripts/fuzz.sh ingest -max_total_time=1800
#
# libFuzzer's instrumentation needs rustc's nightly flags (-Zsanitizer). This machine has one
# stable toolchain and cannot fetch nightly, so the flags are unlocked on stable with
# RUSTC_BOOTSTRAP=1 (the same compiler, its unstable options allowed). New inputs that reach new
# code are kept in fuzz/corpus/<target>, which CI replays on stable (crates/core/tests/suite/fuzz_corpus.rs);
# a crash is written to fuzz/artifacts/<target> and becomes a regression test there.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1

seed() {
  local target=$1
  mkdir -p "fuzz/corpus/$target"
  [ -n "$(ls -A "fuzz/corpus/$target")" ] && return
  case $target in
    ingest)
      # Each sample, with detection (first byte 0) and a block-size byte in front.
      find ../shared/corpus tests/fixtures -type f -size -200k | while read -r file; do
        { printf '\000\007'; cat "$file"; } > "fuzz/corpus/ingest/$(echo "$file" | tr '/.' '__')"
      done ;;
    model)
      find tests/fixtures ../shared/corpus -type f \( -name '*projection*' -o -name '*mapping*' \) \
        -exec cp {} fuzz/corpus/model/ \; ;;
    link)
      printf 'src=/demo/po.ndjson&stream=po-1&v=3&view=diff&cmp=v:1&q=type:PoApproved&follow=1' > fuzz/corpus/link/seed1
      printf 't=2026-03-31T23:59:59Z&tz=+02:00&h=abc&view=table&where=status%%3Dapproved' > fuzz/corpus/link/seed2 ;;
    pack)
      # Packs as Python's zipfile and Chronoscope write them.
      cp tests/fixtures/zip/*.zip fuzz/corpus/pack/ ;;
    search)
      # A length byte, then the query, then the text repeated into one large string.
      printf '\010text:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab/data/note=x aaaa' > fuzz/corpus/search/seed1
      printf '\004/data/note~ab status=approved ab\303\251' > fuzz/corpus/search/seed2 ;;
    query)
      printf 'status=approved approvedBy=dana.reyes /total>10000 asof:2026-03-31T23:59:59Z' > fuzz/corpus/query/seed1
      printf 'type:PoApproved author:dana v:1..9 after:2026-01-01 /data/total>1' > fuzz/corpus/query/seed2 ;;
  esac
}

targets=("${1:-ingest}")
[ $# -eq 0 ] && targets=(ingest link model query pack search)
extra=("${@:2}")
[ ${#extra[@]} -eq 0 ] && extra=(-runs=10000000)
for target in "${targets[@]}"; do
  seed "$target"
  cargo fuzz run -O "$target" "fuzz/corpus/$target" -- -max_len=65536 -timeout=10 "${extra[@]}"
done
