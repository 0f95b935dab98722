#!/usr/bin/env bash
# The second README command, and what CI runs: installs what is missing, then runs every check
# and every test layer: format, lints, native core tests, component tests in headless Chromium,
# a release build, and end-to-end journeys against the built dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (the engine natively, and the browser app)"
cargo clippy --all-targets -- -D warnings
cargo clippy -p chronoscope --target wasm32-unknown-unknown --lib --bins --test components -- -D warnings

step "native tests of the core"
cargo test

step "component tests in headless Chromium (wasm-bindgen-test)"
cargo test -p chronoscope --target wasm32-unknown-unknown --test components

step "release build (trunk, wasm-opt)"
trunk build --release --offline
node -e '
  const zlib = require("zlib"), fs = require("fs");
  const wasm = fs.readdirSync("dist").find((f) => f.endsWith(".wasm"));
  const bytes = fs.readFileSync("dist/" + wasm);
  const brotli = zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
  console.log(`wasm bundle: ${bytes.length} bytes, ${brotli.length} bytes after brotli`);
  const budget = 350000;
  if (brotli.length > budget) {
    console.error(`the bundle is over its budget of ${budget} bytes after brotli`);
    process.exit(1);
  }
'

step "end-to-end journeys in headless Chromium"
node --test --test-concurrency=1 tests/e2e/
