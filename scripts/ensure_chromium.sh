#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests if it is not there yet, and a font with Chinese
# glyphs so that the headings' Chinese terms show in the screenshots instead of empty boxes.
set -euo pipefail
need=()
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  need+=(chromium)
fi
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  need+=(fonts-wqy-zenhei)
fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The browser tests need ${need[*]} (Chromium at /usr/bin/chromium); install it with your system's package manager." >&2
  [ -x /usr/bin/chromium ] && exit 0  # a missing font only spoils the screenshots
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Installing ${need[*]} needs root: run 'apt-get install ${need[*]}' as root, then 'make test' again." >&2
    [ -x /usr/bin/chromium ] && exit 0
    exit 1
  fi
fi
echo "Installing Debian's ${need[*]} for the browser tests..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
