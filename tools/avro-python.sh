#!/usr/bin/env bash
# An Avro implementation we did not write, for test files: fastavro (PyPI) with the
# codec libraries it needs for snappy (cramjam) and zstandard (zstandard); bzip2 and xz
# come with Python. Installed in a venv from PyPI and cached.
#   avro-python.sh install   install what is missing
#   avro-python.sh python    print the venv's python
set -euo pipefail
FASTAVRO_VERSION=1.12.1
CRAMJAM_VERSION=2.11.0
ZSTANDARD_VERSION=0.25.0
CACHE="${MINE_CACHE:-$HOME/.cache/mine-platform}"
VENV="$CACHE/avro-python-fastavro$FASTAVRO_VERSION-cramjam$CRAMJAM_VERSION-zstandard$ZSTANDARD_VERSION"

install() {
  if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import fastavro, cramjam, zstandard' 2>/dev/null; then return; fi
  echo "[avro-python] installing fastavro $FASTAVRO_VERSION (pip, cached afterwards)" >&2
  mkdir -p "$CACHE"; exec 9>"$CACHE/.avro-python.lock"; flock 9
  if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import fastavro, cramjam, zstandard' 2>/dev/null; then return; fi
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "fastavro==$FASTAVRO_VERSION" "cramjam==$CRAMJAM_VERSION" "zstandard==$ZSTANDARD_VERSION"
}

case "${1:-}" in
  install) install ;;
  python) echo "$VENV/bin/python" ;;
  *) echo "usage: $0 install|python" >&2; exit 2 ;;
esac
