# Sourced by scripts/test.sh: starts a throwaway PostgreSQL cluster on 127.0.0.1 for the tests
# that read tables where they live (`chronoscope serve postgres://…`), exports its address as
# CHRONOSCOPE_PG, and stops and removes it when the script exits. Debian's postgresql provides
# initdb and pg_ctl (scripts/setup.sh installs it where it is missing).
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
pg_dir=$(mktemp -d)
pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# PostgreSQL will not run as root: there, the cluster is the `postgres` user's.
pg_as() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
pg_as "$pg_bin/initdb -D $pg_dir/data -U postgres --auth=trust >/dev/null"
pg_as "$pg_bin/pg_ctl -D $pg_dir/data -w -l $pg_dir/log -o '-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1' start >/dev/null"
trap 'pg_as "$pg_bin/pg_ctl -D $pg_dir/data stop -m fast" >/dev/null 2>&1 || true; rm -rf "$pg_dir"' EXIT
export CHRONOSCOPE_PG="postgres://postgres@127.0.0.1:$pg_port/postgres"
echo "PostgreSQL for the tests at $CHRONOSCOPE_PG"
