#!/usr/bin/env bash
# Start the packaged PostgreSQL cluster (Debian's pg_ctlcluster) if it is not
# running, and create a superuser role for the current OS user if missing.
# The registry tests connect over the Unix socket /var/run/postgresql.
set -euo pipefail
VERSION="${PG_VERSION:-15}"
CLUSTER="${PG_CLUSTER:-main}"
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "pg: pg_ctlcluster not found (PostgreSQL not installed)" >&2
  exit 1
fi
if ! pg_lsclusters -h 2>/dev/null | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c && $4=="online" {f=1} END {exit !f}'; then
  pg_ctlcluster "$VERSION" "$CLUSTER" start
fi
for _ in $(seq 1 50); do
  pg_isready -q -h /var/run/postgresql && break
  sleep 0.2
done
ME="$(id -un)"
run_pg() {
  if [ "$ME" = postgres ]; then psql -h /var/run/postgresql -v ON_ERROR_STOP=1 -tAc "$1"
  elif [ "$(id -u)" = 0 ]; then su postgres -c "psql -h /var/run/postgresql -v ON_ERROR_STOP=1 -tAc \"$1\""
  else psql -h /var/run/postgresql -d postgres -v ON_ERROR_STOP=1 -tAc "$1"
  fi
}
if [ "$(run_pg "select 1 from pg_roles where rolname='$ME'")" != 1 ]; then
  run_pg "create role \\\"$ME\\\" superuser login"
fi
echo "pg: PostgreSQL $VERSION/$CLUSTER is running; role '$ME' exists"
