#!/usr/bin/env bash
# Tools the chart checks need, installed from package registries and cached:
#   helm (Go module proxy) and kubernetes-validate (PyPI, ships the Kubernetes API JSON schemas offline).
#   k8s-tools.sh install    install what is missing
#   k8s-tools.sh path       print the directory holding `helm` and `kubernetes-validate`
set -euo pipefail
HELM_VERSION=v3.16.4
KUBERNETES_VALIDATE_VERSION=1.37.0
CACHE="${MINE_CACHE:-$HOME/.cache/mine-platform}"
BIN="$CACHE/k8s-tools-$HELM_VERSION-$KUBERNETES_VALIDATE_VERSION"

install() {
  mkdir -p "$BIN"
  if [[ ! -x "$BIN/helm" ]]; then
    echo "[k8s-tools] building helm $HELM_VERSION (go install, cached afterwards)" >&2
    GOBIN="$BIN" GOFLAGS=-buildvcs=false go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  fi
  if [[ ! -x "$BIN/kubernetes-validate" ]]; then
    echo "[k8s-tools] installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION (pip, cached afterwards)" >&2
    python3 -m venv "$BIN/venv"
    "$BIN/venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
    ln -sf "$BIN/venv/bin/kubernetes-validate" "$BIN/kubernetes-validate"
  fi
}

case "${1:-}" in
  install) install ;;
  path) echo "$BIN" ;;
  *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac
