#!/usr/bin/env bash
# Tools the chart checks need, installed from package registries and cached:
#   helm (Go module proxy), kubernetes-validate (PyPI, ships the Kubernetes API JSON schemas offline)
#   and np-guard's netpol-analyzer (`netpolicy`, Go module proxy: reachability of the rendered NetworkPolicies).
#   k8s-tools.sh install    install what is missing
#   k8s-tools.sh path       print the directory holding `helm`, `kubernetes-validate` and `netpolicy`
set -euo pipefail
HELM_VERSION=v3.16.4
KUBERNETES_VALIDATE_VERSION=1.37.0
NETPOL_ANALYZER_VERSION=v1.4.2
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
  if [[ ! -x "$BIN/netpolicy-$NETPOL_ANALYZER_VERSION" ]]; then
    echo "[k8s-tools] building netpol-analyzer $NETPOL_ANALYZER_VERSION (go build, cached afterwards)" >&2
    # The proxy serves this version but not the module's version list (which `go install m@v`
    # reads for deprecations), and the checksum database does not know it: download it alone,
    # then build inside it, its dependencies checked against its own go.sum.
    local dir
    dir="$(GONOSUMDB=github.com/np-guard/netpol-analyzer go mod download -json "github.com/np-guard/netpol-analyzer@$NETPOL_ANALYZER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    (cd "$dir" && GOFLAGS=-buildvcs=false go build -o "$BIN/netpolicy.tmp" ./cmd/netpolicy)
    mv "$BIN/netpolicy.tmp" "$BIN/netpolicy-$NETPOL_ANALYZER_VERSION"
  fi
  ln -sf "$BIN/netpolicy-$NETPOL_ANALYZER_VERSION" "$BIN/netpolicy"
}

case "${1:-}" in
  install) install ;;
  path) echo "$BIN" ;;
  *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac
