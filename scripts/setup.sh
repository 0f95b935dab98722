#!/usr/bin/env bash
# Installs what Chronoscope needs to build and test, skipping whatever is already there:
# the wasm32 target, trunk 0.21.14, the wasm-bindgen-cli that matches Cargo.lock, a working
# wasm-opt and Playwright (npm, in tools/), Debian's postgresql, and Debian's Chromium and
# chromedriver.
# Usage: scripts/setup.sh [--no-browser]
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=1
[ "${1:-}" = "--no-browser" ] && want_browser=0

step() { printf '\n== %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# trunk 0.22 needs a newer rustc than this machine has; 0.21.14 is the pinned version.
if ! trunk --version 2>/dev/null | grep -q '0.21.14'; then
  step "installing trunk 0.21.14 (about 6 minutes on 2 cores)"
  cargo install trunk --version 0.21.14 --locked
fi

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock. It is installed
# without --locked: its own lock file names a crate version the registry no longer has.
bindgen_version=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
if ! wasm-bindgen --version 2>/dev/null | grep -q " ${bindgen_version}\$"; then
  step "installing wasm-bindgen-cli ${bindgen_version}"
  cargo install wasm-bindgen-cli --version "${bindgen_version}" --force
fi

# Debian's binaryen (108) breaks the bundle; tools/ pins binaryen 132 from npm, with esbuild and Playwright.
if [ ! -x tools/node_modules/.bin/wasm-opt ] || [ ! -x tools/node_modules/.bin/esbuild ] \
  || [ ! -d tools/node_modules/playwright-core ] \
  || [ ! -d tools/node_modules/axe-core ]; then
  step "installing node tools (binaryen, esbuild, playwright-core, axe-core)"
  (cd tools && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

# The tests that read tables where they live start a PostgreSQL cluster of their own.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  step "installing Debian's postgresql"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y postgresql
fi

if [ "$want_browser" = 1 ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  step "installing Debian's chromium and chromium-driver"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y chromium chromium-driver
fi
