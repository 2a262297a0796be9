#!/usr/bin/env bash
# Start / stop a throwaway PostgreSQL 15 cluster on loopback for the store tests.
#
#   bash .ci/postgres.sh start   # prints postgresql://ewpg@127.0.0.1:PORT/eventwire_test
#   bash .ci/postgres.sh url     # prints the URL of the running cluster (exit 1 if none)
#   bash .ci/postgres.sh stop    # stops it and removes its data folder
#
# Idempotent: `start` on a running cluster only prints its URL. Trust authentication on
# 127.0.0.1 only: the cluster lives in a temporary folder and holds nothing of value.
# EVENTWIRE_PG_DIR chooses the folder (default /tmp/eventwire-pg).
set -euo pipefail

PG_DIR="${EVENTWIRE_PG_DIR:-/tmp/eventwire-pg}"
# As root the cluster runs as (and its superuser is) ewpg; otherwise the current user.
if [ "$(id -u)" = 0 ]; then PG_USER=ewpg; else PG_USER="$(id -un)"; fi
PG_DB=eventwire_test

find_bin() {
    local d
    for d in /usr/local/bin /usr/lib/postgresql/*/bin; do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            # /usr/local/bin may hold only links: use the folder with the whole toolset.
            dirname "$(readlink -f "$d/initdb")"
            return 0
        fi
    done
    return 1
}

PG_BIN="$(find_bin || true)"
if [ -z "$PG_BIN" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing postgresql with apt-get" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
        PG_BIN="$(find_bin)"
    else
        echo "error: no initdb/pg_ctl found; install PostgreSQL 15 (apt-get install postgresql)" >&2
        exit 1
    fi
fi

# PostgreSQL refuses to run as root: run its tools as a dedicated user then.
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

url() {
    echo "postgresql://$PG_USER@127.0.0.1:$(cat "$PG_DIR/port")/$PG_DB"
}

running() {
    [ -f "$PG_DIR/port" ] && [ -d "$PG_DIR/data" ] \
        && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    if running; then
        url
        return 0
    fi
    if [ "$(id -u)" = 0 ] && ! id "$PG_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
    fi
    rm -rf "$PG_DIR"
    mkdir -p "$PG_DIR"
    if [ "$(id -u)" = 0 ]; then
        chown "$PG_USER" "$PG_DIR"
    fi
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_USER" -A trust -E UTF8 \
        --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
    local port
    port="$(free_port)"
    echo "$port" >"$PG_DIR/port"
    # fsync off: a throwaway test cluster, speed matters more than crash safety.
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c full_page_writes=off -c max_connections=50" \
        start >/dev/null || { cat "$PG_DIR/server.log" >&2; exit 1; }
    as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U "$PG_USER" "$PG_DB"
    url
}

stop() {
    if [ -d "$PG_DIR/data" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) running && url ;;
    *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
