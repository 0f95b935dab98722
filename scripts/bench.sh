#!/usr/bin/env bash
# The benchmark command: builds the benchmark page and its data, then times Chronoscope and its
# JavaScript peers in the same headless Chromium run, and prints the table the README carries.
# Usage: scripts/bench.sh [N_EVENTS] (default 1000000). Native benchmarks of the core:
# cargo bench -p chronoscope-core --bench core
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
n_events="${1:-1000000}"

mkdir -p target/bench-data
data="target/bench-data/events-${n_events}.ndjson"
if [ ! -s "$data" ]; then
  echo "== generating ${n_events} events"
  cargo run --quiet --release -p chronoscope-samples --bin gen-bench -- "$n_events" > "$data"
fi
long="target/bench-data/long-${n_events}.ndjson"
if [ ! -s "$long" ]; then
  echo "== generating ${n_events} events of one stream"
  cargo run --quiet --release -p chronoscope-samples --bin gen-bench -- "$n_events" --one-stream > "$long"
fi
esdb="target/bench-data/esdb-${n_events}.ndjson"
if [ ! -s "$esdb" ]; then
  echo "== generating ${n_events} EventSourcingDB lines with a hash chain"
  cargo run --quiet --release -p chronoscope-samples --bin gen-bench -- "$n_events" --esdb > "$esdb"
fi
echo "== building the benchmark page and the app"
trunk build --release --offline=true --dist target/bench-dist --public-url ./ bench/index.html
trunk build --release --offline
echo "== running in headless Chromium"
BENCH_MACHINE="$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB" node bench/run.mjs "$data" "$n_events" "$long" "$esdb"
echo "== following a live source (issue 12)"
node bench/follow.mjs
