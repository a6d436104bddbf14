#!/usr/bin/env bash
# Debian's headless Chromium for the map page's browser tests (tests/test_api_page.py) and
# tools/screenshot.py. Does nothing when /usr/bin/chromium exists; needs root and apt-get otherwise.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing: install Debian's chromium package (apt-get install chromium) as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
