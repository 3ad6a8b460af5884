#!/usr/bin/env bash
# Headless Chromium for the control-room screen's browser test, from Debian's packages
# (a test tool's own browser download cannot work on these machines).
set -euo pipefail
if command -v chromium >/dev/null; then exit 0; fi
echo "[browser] installing Debian's chromium (apt)" >&2
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [[ "$(id -u)" == 0 ]] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
