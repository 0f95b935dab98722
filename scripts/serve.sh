#!/usr/bin/env bash
# The first README command: installs what is missing, builds Chronoscope, and serves it on the
# bundled demo at http://127.0.0.1:8080/ (set PORT to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --no-browser
source scripts/env.sh
exec trunk serve --release --port "${PORT:-8080}"
