#!/usr/bin/env bash
# The local emulator stack as plain processes (no Docker engine needed).
#   stack.sh install   build or install the emulators once, cached in $MINE_CACHE
#   stack.sh up        start them on fixed loopback ports and wait until healthy
#   stack.sh down      stop exactly the processes `up` started
#   stack.sh status    show what runs
#   stack.sh env       print the environment variables that point clients at the stack
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tools/stack/versions.env"
source "$ROOT/tools/stack/ports.env"
CACHE="${MINE_CACHE:-$HOME/.cache/mine-platform}"
BIN="$CACHE/bin"
STATE="${MINE_STACK_DIR:-$ROOT/.stack}"
RUN="$STATE/run"
LOGS="$STATE/logs"
DATA="$STATE/data"
PG_BIN="/usr/lib/postgresql/$POSTGRES_MAJOR/bin"
SERVICES=(pubsub gcs bigquery minio postgres)

log() { printf '[stack] %s\n' "$*" >&2; }

install_go_tool() { # name module version
  local target="$BIN/$1-$3"
  if [[ -x "$target" ]]; then return; fi
  log "building $1 $3 (go install, cached afterwards)"
  local tmp; tmp="$(mktemp -d)"
  GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "$2@$3"
  mv "$tmp/$(basename "$2")" "$target"
  rm -rf "$tmp"
}

install_pubsub() {
  # Our own tiny server around Google's pstest; rebuilt when its source changes.
  local src="$ROOT/tools/pubsub-emulator"
  local hash; hash="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" "$src/main_test.go" | sha256sum | cut -c1-12)"
  local target="$BIN/pubsub-emulator-$hash"
  if [[ -x "$target" ]]; then ln -sf "$target" "$BIN/pubsub-emulator"; return; fi
  log "testing and building pubsub-emulator (pstest)"
  # The test guards the reach into pstest's internals that keeps the emulator's memory bounded.
  (cd "$src" && GOFLAGS=-buildvcs=false go test ./... >&2 && GOFLAGS=-buildvcs=false go build -o "$target" .)
  ln -sf "$target" "$BIN/pubsub-emulator"
}

install_bigquery() {
  local venv="$CACHE/bqemulator-$BQEMULATOR_VERSION-$BQEMULATOR_RECIPE"
  if [[ -x "$venv/bin/bqemulator" ]]; then return; fi
  log "installing bqemulator $BQEMULATOR_VERSION (pip, cached afterwards)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "bqemulator[compression]==$BQEMULATOR_VERSION" numpy
}

install_postgres() {
  if [[ -x "$PG_BIN/postgres" ]]; then return; fi
  log "installing PostgreSQL $POSTGRES_MAJOR (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "postgresql-$POSTGRES_MAJOR" >/dev/null
}

cmd_install() {
  mkdir -p "$BIN"
  command -v go >/dev/null || { log "Go is required to build the emulators"; exit 1; }
  install_pubsub
  install_go_tool fake-gcs-server github.com/fsouza/fake-gcs-server "$FAKE_GCS_SERVER_VERSION"
  install_go_tool minio github.com/minio/minio "$MINIO_VERSION"
  install_go_tool toxiproxy github.com/Shopify/toxiproxy/v2/cmd/server "$TOXIPROXY_VERSION"
  install_bigquery
  install_postgres
}

pidfile() { echo "$RUN/$1.pid"; }

running() {
  local pf; pf="$(pidfile "$1")"
  [[ -f "$pf" ]] && kill -0 "$(cat "$pf")" 2>/dev/null
}

start() { # name command...
  local name="$1"; shift
  if running "$name"; then log "$name already running"; return; fi
  # setsid puts each emulator in its own process group, so `down` stops it and its children only.
  setsid "$@" >"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! >"$(pidfile "$name")"
}

wait_for() { # name probe-command...
  local name="$1"; shift
  for _ in $(seq 1 240); do
    if "$@" >/dev/null 2>&1; then log "$name ready"; return 0; fi
    if ! running "$name"; then log "$name exited; last log lines:"; tail -20 "$LOGS/$name.log" >&2; return 1; fi
    sleep 0.5
  done
  log "$name not ready after 120 s; last log lines:"; tail -20 "$LOGS/$name.log" >&2
  return 1
}

tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

postgres_dir() {
  # PostgreSQL will not run as root; its data directory must be reachable by the postgres user,
  # which a checkout under a private home directory is not.
  if [[ "$(id -u)" != 0 ]] || runuser -u postgres -- test -x "$DATA"; then
    echo "$DATA/postgres"
  else
    echo "/var/tmp/mine-platform-postgres-$(echo "$ROOT" | sha256sum | cut -c1-10)"
  fi
}

start_postgres() {
  local dir; dir="$(postgres_dir)"
  if [[ ! -f "$dir/PG_VERSION" ]]; then
    mkdir -p "$dir"
    local pwfile; pwfile="$(mktemp)"; echo postgres >"$pwfile"
    if [[ "$(id -u)" == 0 ]]; then
      chown -R postgres:postgres "$dir" "$pwfile"
      runuser -u postgres -- "$PG_BIN/initdb" -D "$dir" -U postgres --pwfile="$pwfile" -A scram-sha-256 >"$LOGS/postgres-init.log" 2>&1
    else
      "$PG_BIN/initdb" -D "$dir" -U postgres --pwfile="$pwfile" -A scram-sha-256 >"$LOGS/postgres-init.log" 2>&1
    fi
    rm -f "$pwfile"
  fi
  local args=(-D "$dir" -p "$POSTGRES_PORT" -k "$dir" -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200)
  if [[ "$(id -u)" == 0 ]]; then
    chown -R postgres:postgres "$dir"
    start postgres runuser -u postgres -- "$PG_BIN/postgres" "${args[@]}"
  else
    start postgres "$PG_BIN/postgres" "${args[@]}"
  fi
}

cmd_up() {
  cmd_install
  mkdir -p "$RUN" "$LOGS" "$DATA/gcs" "$DATA/minio" "$DATA/bigquery"
  start pubsub "$BIN/pubsub-emulator" -address "127.0.0.1:$PUBSUB_PORT"
  start gcs "$BIN/fake-gcs-server-$FAKE_GCS_SERVER_VERSION" -scheme http -host 127.0.0.1 -port "$GCS_PORT" \
    -backend filesystem -filesystem-root "$DATA/gcs" -external-url "http://127.0.0.1:$GCS_PORT" -log-level warn
  # BigQuery reads gs:// load-job URIs from the same directory fake-gcs-server stores objects in.
  # The launcher makes DuckDB's downloadable extensions optional (see bqemulator_launcher.py).
  start bigquery env BQEMU_GCS_LOCAL_ROOT="$DATA/gcs" "$CACHE/bqemulator-$BQEMULATOR_VERSION-$BQEMULATOR_RECIPE/bin/python" \
    "$ROOT/tools/stack/bqemulator_launcher.py" start \
    --rest-host 127.0.0.1 --rest-port "$BIGQUERY_PORT" --grpc-host 127.0.0.1 --grpc-port "$BIGQUERY_GRPC_PORT" \
    --persistent --data-dir "$DATA/bigquery" --project mine-local --log-level warning --log-format json
  start minio env MINIO_ROOT_USER=minioadmin MINIO_ROOT_PASSWORD=minioadmin MINIO_BROWSER=off \
    "$BIN/minio-$MINIO_VERSION" server "$DATA/minio" --address "127.0.0.1:$MINIO_PORT" --console-address "127.0.0.1:$MINIO_CONSOLE_PORT" --quiet
  start_postgres

  wait_for pubsub tcp_open "$PUBSUB_PORT"
  wait_for gcs curl -sf "http://127.0.0.1:$GCS_PORT/storage/v1/b"
  wait_for bigquery curl -sf "http://127.0.0.1:$BIGQUERY_PORT/bigquery/v2/projects/mine-local/datasets"
  wait_for minio curl -sf "http://127.0.0.1:$MINIO_PORT/minio/health/live"
  wait_for postgres "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$POSTGRES_PORT" -q
}

cmd_down() {
  for name in "${SERVICES[@]}"; do
    local pf; pf="$(pidfile "$name")"
    [[ -f "$pf" ]] || continue
    local pid; pid="$(cat "$pf")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      log "$name stopped"
    fi
    rm -f "$pf"
  done
}

cmd_status() {
  for name in "${SERVICES[@]}"; do
    if running "$name"; then echo "$name running (pid $(cat "$(pidfile "$name")"))"; else echo "$name stopped"; fi
  done
}

cmd_env() {
  cat <<ENV
export GCP_PROJECT_ID=mine-local
# Local runs never are on GCE; this stops Google's auth library probing for a metadata server.
export METADATA_SERVER_DETECTION=none
export PUBSUB_EMULATOR_HOST=127.0.0.1:$PUBSUB_PORT
export STORAGE_API_ENDPOINT=http://127.0.0.1:$GCS_PORT
export BIGQUERY_API_ENDPOINT=http://127.0.0.1:$BIGQUERY_PORT
export S3_ENDPOINT=http://127.0.0.1:$MINIO_PORT
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=minioadmin
export AWS_SECRET_ACCESS_KEY=minioadmin
export DATABASE_URL=postgres://postgres:postgres@127.0.0.1:$POSTGRES_PORT/postgres
ENV
}

case "${1:-}" in
  install) cmd_install ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) echo "usage: $0 install|up|down|status|env" >&2; exit 2 ;;
esac
