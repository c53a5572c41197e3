#!/usr/bin/env sh
# Installs Chromium for cli/tests/doc_html.rs (the `singletable doc --html` page is
# rendered headless and its diagram measured). Idempotent: does nothing when `chromium` is
# already on PATH. Uses sudo when not root.
set -eu

if command -v chromium >/dev/null 2>&1; then
    echo "chromium already installed: $(command -v chromium)"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
else
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y --no-install-recommends chromium

command -v chromium >/dev/null 2>&1 || {
    echo "chromium is still not on PATH after installing" >&2
    exit 1
}
echo "installed: $(command -v chromium)"
