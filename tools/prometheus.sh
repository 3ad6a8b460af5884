#!/usr/bin/env bash
# Prometheus and promtool built from Prometheus's Go module and cached: the local
# Prometheus of `./dev up`, and promtool for the rule checks of `./dev test`.
#   prometheus.sh install    build what is missing
#   prometheus.sh path       print the directory holding `prometheus` and `promtool`
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/tools/stack/versions.env"
CACHE="${MINE_CACHE:-$HOME/.cache/mine-platform}"
BIN="$CACHE/prometheus-$PROMETHEUS_VERSION"

install() {
  mkdir -p "$BIN"
  [[ -x "$BIN/prometheus" && -x "$BIN/promtool" ]] && return
  # `go install module@version` refuses Prometheus (its go.mod has exclude directives):
  # build inside the downloaded module instead, with its own go.mod and go.sum.
  local dir
  dir="$(go mod download -json "github.com/prometheus/prometheus@$PROMETHEUS_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  for cmd in promtool prometheus; do
    [[ -x "$BIN/$cmd" ]] && continue
    echo "[prometheus] building $cmd $PROMETHEUS_VERSION (go build, cached afterwards)" >&2
    (cd "$dir" && GOFLAGS=-buildvcs=false go build -o "$BIN/$cmd.tmp" "./cmd/$cmd")
    mv "$BIN/$cmd.tmp" "$BIN/$cmd"
  done
}

case "${1:-}" in
  install) install ;;
  path) echo "$BIN" ;;
  *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac
