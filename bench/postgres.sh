#!/usr/bin/env bash
# Reads a Cambium-like audit_logs table of N rows (default 1,000,000) where it lives, in a
# throwaway PostgreSQL cluster: `chronoscope check` and `chronoscope state` on the table
# (keyset pages of row_to_json), against psql writing the table's json_agg export and the
# DISTINCT ON query that gives every purchase order's last row at a moment.
# Usage: bench/postgres.sh [N]   (build first: cargo build --profile worker -p chronoscope-cli,
# the speed-compiled profile `cargo install` uses in the README)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
cli=target/worker/chronoscope
source scripts/postgres.sh
psql "$CHRONOSCOPE_PG" -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE audit_logs (audit_id bigserial PRIMARY KEY, table_name text NOT NULL, record_id bigint NOT NULL,
  action text NOT NULL, changed_by text NOT NULL, changed_at timestamp NOT NULL, new_data jsonb NOT NULL);
INSERT INTO audit_logs (table_name, record_id, action, changed_by, changed_at, new_data)
SELECT 'purchase_orders', 100000 + g % ($n / 10), CASE WHEN g < $n / 10 THEN 'INSERT' ELSE 'UPDATE' END,
  'user-' || g % 7 || '@cambium.example', timestamp '2026-01-01' + g * interval '1 second',
  jsonb_build_object('status', (ARRAY['draft','submitted','approved','received'])[1 + g % 4],
                     'total', round(g * 1.25, 2), 'note', 'change ' || g)
FROM generate_series(0, $n - 1) AS g;
VACUUM ANALYZE audit_logs;
SQL
table="$CHRONOSCOPE_PG?table=audit_logs"
at=$(psql "$CHRONOSCOPE_PG" -At -c "SELECT to_char(timestamp '2026-01-01' + ($n / 2) * interval '1 second', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
# Times a command whose output is thrown away; prints the time and the peak memory.
t() { /usr/bin/time -o /tmp/bench-time.txt -f "%e s, max RSS %M KB" "$@" >/dev/null 2>&1 || true; tail -1 /tmp/bench-time.txt; }
for run in 1 2; do
  echo "== run $run ($n rows)"
  echo -n "chronoscope check (every row read and folded): "; t "$cli" check "$table"
  echo -n "chronoscope state of one order at $at: "; t "$cli" state "$table" --stream purchase_orders:100042 --at "$at"
  echo -n "psql, the json_agg export to a file: "; t psql "$CHRONOSCOPE_PG" -At -o /tmp/audit_logs.json -c "SELECT json_agg(t ORDER BY audit_id) FROM audit_logs t"
  echo -n "psql, DISTINCT ON every order as of $at: "; t psql "$CHRONOSCOPE_PG" -At -o /dev/null -c \
    "SELECT DISTINCT ON (record_id) record_id, audit_id, new_data FROM audit_logs WHERE changed_at <= '$at' ORDER BY record_id, changed_at DESC"
done
