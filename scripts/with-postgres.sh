#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster: started as the postgres user on a free
# loopback port in a temporary folder, DATABASE_URL set for the command, stopped afterwards even
# when the command fails. Needs root (CI and the dev machines run as root).
# Usage: scripts/with-postgres.sh make test-only
set -uo pipefail
# The server, not just the client tools (sysdeps installs postgresql-client for backups, which
# also creates /usr/lib/postgresql/<v>/bin): look for initdb.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null || exit 1
fi
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
SCRATCH=$(mktemp -d /tmp/portal-pg.XXXXXX)
PGDATA=$SCRATCH/data; PGSOCK=$SCRATCH/sock
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
mkdir -p "$PGDATA" "$PGSOCK"; chown -R postgres:postgres "$SCRATCH"

stop_pg() {
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$SCRATCH"
}
trap stop_pg EXIT

runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null || exit 1
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
  -o "-p $PORT -k $PGSOCK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || exit 1
psql -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE portal_test" || exit 1

export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/portal_test"
"$@"
