#!/usr/bin/env bash
# The load trace (bench/trace.mjs): builds the app with the wasm's function names kept (into
# target/trace-dist, not dist/), then traces one load of the benchmark's one-stream data in
# headless Chromium and prints each main-thread task over MIN_MS with where its time went.
# Usage: scripts/trace.sh [N_EVENTS] [MIN_MS] [UNTIL_MS] (defaults 1000000, 40, the whole load);
# scripts/bench.sh N_EVENTS makes the data first. TOP=N lists N functions a task (default 10).
# DATA=FILE traces a load of another file (the benchmark's events-1000000.ndjson, say). After the
# main thread's tasks it lists where the engine's worker spent its time over the whole load.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
long="${DATA:-target/bench-data/long-${1:-1000000}.ndjson}"
[ -s "$long" ] || { echo "no $long: scripts/bench.sh ${1:-1000000} makes it" >&2; exit 1; }
# The same page as index.html, with wasm-opt told to keep the names section (-g); beside it,
# since trunk finds the crate and the style sheet from the page's folder.
trap 'rm -f trace.html' EXIT
sed -e 's/data-wasm-opt-params="/data-keep-debug data-wasm-opt-params="-g /' index.html > trace.html
trunk build --release --offline --dist target/trace-dist trace.html
node bench/trace.mjs target/trace-dist "$long" "${2:-40}" "${3:-600000}"
