#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (tests/test_web_e2e.py) when it is missing.
# Idempotent: does nothing when /usr/bin/chromium already exists. Needs root (CI runners,
# containers) or passwordless sudo.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core
/usr/bin/chromium --version
