#!/usr/bin/env bash
# The large test, kept out of the default test command because it takes minutes: the app loads
# a 1,000,000-event stream end to end in headless Chromium. Usage: scripts/test-large.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
mkdir -p target/bench-data
data=target/bench-data/events-1000000.ndjson
[ -s "$data" ] || cargo run --quiet --release -p chronoscope-samples --bin gen-bench -- 1000000 > "$data"
big=target/bench-data/events-2000000.ndjson
[ -s "$big" ] || cargo run --quiet --release -p chronoscope-samples --bin gen-bench -- 2000000 > "$big"
trunk build --release --offline
node --test tests/e2e-large/
