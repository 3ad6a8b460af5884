#!/usr/bin/env bash
# Seismology tools the platform did not write, for its tests: libmseed 3 (through its
# Python binding pymseed) writes the miniSEED records the decoder is proven against,
# and ObsPy's FDSN client reads the platform's FDSN web services back.
# Installed with pip into a venv cached under ~/.cache/mine-platform; prints nothing when cached.
#   seismo-tools.sh install   install if missing
#   seismo-tools.sh python    print the venv's python path
set -euo pipefail
CACHE="${MINE_CACHE:-$HOME/.cache/mine-platform}"
PYMSEED_VERSION=1.0.1
OBSPY_VERSION=1.5.1
VENV="$CACHE/seismo-pymseed$PYMSEED_VERSION-obspy$OBSPY_VERSION"

install() {
  if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import pymseed, obspy' 2>/dev/null; then return; fi
  echo "[seismo-tools] installing pymseed $PYMSEED_VERSION and obspy $OBSPY_VERSION (pip, cached afterwards)" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "pymseed==$PYMSEED_VERSION" "obspy==$OBSPY_VERSION"
}

case "${1:-install}" in
  install) install ;;
  python) echo "$VENV/bin/python" ;;
  *) echo "usage: seismo-tools.sh install | python" >&2; exit 2 ;;
esac
