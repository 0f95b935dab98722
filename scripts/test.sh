#!/usr/bin/env bash
# The second README command, and what CI runs: installs what is missing, then runs every check
# and every test layer: format, lints, native core tests, component tests in headless Chromium,
# a release build, and end-to-end journeys against the built dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
# A PostgreSQL cluster of the tests' own, stopped when this script exits.
source scripts/postgres.sh

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (the engine natively, and the browser app)"
cargo clippy --workspace --exclude chronoscope --exclude chronoscope-worker --all-targets -- -D warnings
cargo clippy -p chronoscope -p chronoscope-worker --target wasm32-unknown-unknown --lib --bins --test components -- -D warnings

step "native tests of the engine"
cargo test --workspace --exclude chronoscope --exclude chronoscope-worker

step "component tests in headless Chromium (wasm-bindgen-test)"
cargo test -p chronoscope --target wasm32-unknown-unknown --test components

step "release build (trunk, wasm-opt)"
trunk build --release --offline
node scripts/first-load.mjs dist

step "end-to-end journeys in headless Chromium"
node --test --test-concurrency=1 tests/e2e/
