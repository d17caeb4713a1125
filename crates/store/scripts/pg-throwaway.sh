#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the store's contract tests.
#
#   pg-throwaway.sh start   initialises the cluster if needed, starts it, prints its admin URL
#   pg-throwaway.sh url     prints the admin URL
#   pg-throwaway.sh stop    stops the cluster and deletes its data
#   pg-throwaway.sh pause   stops the server and keeps its data (`start` brings it back)
#
#   GATEHOUSE_TEST_PG_URL=$(crates/store/scripts/pg-throwaway.sh start) cargo test -p gatehouse-store
#   crates/store/scripts/pg-throwaway.sh stop
#
# Settings: PG_THROWAWAY_DIR (default ${TMPDIR:-/tmp}/gatehouse-pg), PG_THROWAWAY_PORT
# (default 54329). Needs PostgreSQL's server binaries (Debian: apt-get install postgresql).
# PostgreSQL refuses to run as root, so under root the server runs as the `postgres` user.
# The cluster listens on 127.0.0.1 only, trusts every local connection and runs with fsync
# off: it is for tests, never for data anyone wants to keep.
set -euo pipefail

dir="${PG_THROWAWAY_DIR:-${TMPDIR:-/tmp}/gatehouse-pg}"
port="${PG_THROWAWAY_PORT:-54329}"
superuser="gatehouse"
url="postgres://${superuser}:${superuser}@127.0.0.1:${port}/postgres"

fail() {
    echo "pg-throwaway: $*" >&2
    exit 1
}

bindir() {
    if command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return
    fi
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$found" ] || fail "no PostgreSQL server binaries found (Debian: apt-get install postgresql)"
    echo "$found"
}

# Runs a command as the cluster's owner: `postgres` under root, else the current user.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || fail "running as root needs a 'postgres' user to own the cluster"
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    local bin
    bin="$(bindir)"
    if [ ! -f "$dir/PG_VERSION" ]; then
        mkdir -p "$dir"
        if [ "$(id -u)" -eq 0 ]; then
            chown postgres "$dir"
        fi
        chmod 700 "$dir"
        as_owner "$bin/initdb" -D "$dir" -U "$superuser" --auth=trust --encoding=UTF8 \
            --no-instructions >"$dir.initdb.log" 2>&1 ||
            fail "initdb failed; see $dir.initdb.log"
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" -D "$dir" -w -t 30 -l "$dir/server.log" \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null ||
            fail "the server did not start; see $dir/server.log"
    fi
    echo "$url"
}

stop() {
    local bin
    bin="$(bindir)"
    if [ -f "$dir/PG_VERSION" ]; then
        as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$dir" "$dir.initdb.log"
    fi
}

pause() {
    local bin
    bin="$(bindir)"
    [ -f "$dir/PG_VERSION" ] || fail "no cluster in $dir"
    as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
}

case "${1:-}" in
    start) start ;;
    pause) pause ;;
    url) echo "$url" ;;
    stop) stop ;;
    *) fail "usage: $0 start|url|stop|pause" ;;
esac
