#!/usr/bin/env bash
# What the release build's opt-level costs in bundle and buys in speed (issue 14): builds the app
# and the benchmark page at opt-level "z" (the release profile's), "s" and 3, with wasm-opt at
# the same level, into target/opt-levels (its own target directory, so that the app's stays
# warm), then prints the app's wasm size and the core's load and replay times in Node
# (bench/opt-levels.mjs). Takes about 15 minutes on 2 cores. Usage: scripts/opt-levels.sh
# [N_EVENTS] [RUNS] (defaults 1000000 and 3); scripts/bench.sh N_EVENTS makes the data first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
data="target/bench-data/events-${1:-1000000}.ndjson"
[ -s "$data" ] || { echo "no $data: scripts/bench.sh ${1:-1000000} makes it" >&2; exit 1; }
out=target/opt-levels
mkdir -p "$out"
# The pages are written beside the originals, since trunk finds the crate and the style sheet
# from the page's folder.
trap 'rm -f opt-level.html bench/opt-level.html' EXIT
builds=()
for level in z s 3; do
  sed -e "s/data-wasm-opt=\"z\"/data-wasm-opt=\"$level\"/" index.html > opt-level.html
  sed -e "s/data-wasm-opt=\"z\"/data-wasm-opt=\"$level\"/" bench/index.html > bench/opt-level.html
  export CARGO_PROFILE_RELEASE_OPT_LEVEL="$level" CARGO_TARGET_DIR="$out/target"
  trunk build --release --offline --dist "$out/app-$level" opt-level.html
  trunk build --release --offline --dist "$out/bench-$level" --public-url ./ bench/opt-level.html
  builds+=("$level:$out/bench-$level:$out/app-$level")
done
node bench/opt-levels.mjs "$data" "${2:-3}" "${builds[@]}"
