#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the portal needs, only when they are missing.
# Usage: scripts/sysdeps.sh run|test
set -euo pipefail
# postgresql-client: pg_dump and pg_restore for `flask backup` on PostgreSQL.
RUNTIME="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk postgresql-client"
# haproxy: the load balancer in front of two nodes in the cluster test (make test-cluster).
# wrk: the load generator of bench/bench_web.py.
TEST="chromium poppler-utils default-jre-headless haproxy wrk"
# pgbouncer: the cluster test reaches PostgreSQL through it in transaction mode.
TEST="$TEST pgbouncer"
want="$RUNTIME"
[ "${1:-run}" = "test" ] && want="$RUNTIME $TEST"
missing=""
for pkg in $want; do
  # Any installed version's client tools will do (a server install brings them too).
  [ "$pkg" = "postgresql-client" ] && command -v pg_dump >/dev/null && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then
  echo "Installing system packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "Missing system packages:$missing" >&2
  echo "Install them with:  sudo apt-get install -y$missing" >&2
  exit 1
fi
