#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster on a free loopback port, for tests and
# benchmarks. It never touches a system cluster.
#   pg-test-cluster.sh start STATE_DIR   -> writes STATE_DIR/url (a postgresql:// URL)
#   pg-test-cluster.sh stop STATE_DIR    -> stops the server and removes its files
# initdb and postgres refuse to run as root, so as root the cluster runs as `nobody`
# in a directory of its own under /tmp.
set -euo pipefail

action=${1:?usage: pg-test-cluster.sh start|stop STATE_DIR}
state=${2:?usage: pg-test-cluster.sh start|stop STATE_DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$bin/initdb" ]] || { echo "pg-test-cluster: PostgreSQL server binaries not found" >&2; exit 1; }

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u nobody -- "$@"; else "$@"; fi
}

stop() {
  [[ -f "$state/dir" ]] || return 0
  local dir
  dir=$(cat "$state/dir")
  if [[ -d "$dir/data" ]]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  rm -f "$state/dir" "$state/url"
}

start() {
  stop
  mkdir -p "$state"
  local dir
  dir=$(mktemp -d /tmp/ebank-pg.XXXXXX)
  chmod 755 "$dir"
  [[ $(id -u) -eq 0 ]] && chown nobody:nogroup "$dir"
  echo "$dir" > "$state/dir"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  local attempt port
  for attempt in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB -c fsync=on -c synchronous_commit=on" \
        start >/dev/null 2>&1; then
      echo "postgresql://postgres@127.0.0.1:$port/postgres" > "$state/url"
      echo "pg-test-cluster: PostgreSQL on 127.0.0.1:$port ($dir)"
      return 0
    fi
  done
  cat "$dir/server.log" >&2
  exit 1
}

case "$action" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: pg-test-cluster.sh start|stop STATE_DIR" >&2; exit 2 ;;
esac
