#!/usr/bin/env bash
# Indexes N of the benchmark's events natively (default 20,000,000: about 6 GB of NDJSON) with
# `chronoscope state` (the file mapped, its blocks read on every core; then one stream's state),
# against DuckDB's `SELECT stream, count(*) FROM read_json(…) GROUP BY stream` on the same file.
# Prints each run's time and the command's peak anonymous memory (RssAnon, sampled every 0.1 s:
# the index; the mapped file's pages are the page cache's, shared with every reader of it).
# Usage: bench/native.sh [N] [FILE]   (build first: cargo build --profile worker -p chronoscope-cli
# -p chronoscope-samples; DuckDB is installed from PyPI into a throwaway virtualenv)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000000}
file=${2:-/tmp/chronoscope-bench-$n.ndjson}
cli=target/worker/chronoscope
venv=${DUCKDB_VENV:-/tmp/duckvenv}
[ -s "$file" ] || target/worker/gen-bench "$n" >"$file"
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" -q install duckdb; }
echo "$(stat -c %s "$file") bytes, $n events; DuckDB $("$venv/bin/python" -c 'import duckdb; print(duckdb.__version__)')"
cat "$file" >/dev/null # both read it from the page cache

# Runs a command in the background; prints its time and its peak RssAnon.
measure() {
  /usr/bin/time -o /tmp/bench-native-time.txt -f "%e s (%U s user)" "$@" >/dev/null &
  local pid=$! peak=0 anon
  sleep 0.05
  local child
  child=$(pgrep -P "$pid" | head -1 || true)
  while kill -0 "$pid" 2>/dev/null; do
    anon=$(awk '/^RssAnon/ {print $2}' "/proc/${child:-$pid}/status" 2>/dev/null || echo 0)
    [ "${anon:-0}" -gt "$peak" ] && peak=$anon
    sleep 0.1
  done
  wait "$pid" || true
  echo "$(tail -1 /tmp/bench-native-time.txt), peak RssAnon $((peak / 1024)) MB"
}

duck="SELECT stream, count(*) FROM read_json('$file', format='newline_delimited') GROUP BY stream"
for run in 1 2; do
  echo "== run $run"
  echo -n "chronoscope state (index, then one stream): "
  measure "$cli" state "$file" --stream po-000001
  echo -n "DuckDB GROUP BY stream: "
  measure "$venv/bin/python" -c "import duckdb; duckdb.connect().execute(\"$duck\").fetchall()"
done
