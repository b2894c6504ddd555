#!/usr/bin/env bash
# What the tests use beyond the build's own needs, installed through apt when missing (and said
# so): systemd-analyze (Debian package systemd) verifies the shipped units, tmux drives
# `swiftpm2 monit`, promtool (Debian package prometheus) parses the /metrics text. A test whose
# tool is still missing after this says why it is skipped.
set -euo pipefail
MISSING=()
command -v systemd-analyze >/dev/null 2>&1 || MISSING+=(systemd)
command -v tmux >/dev/null 2>&1 || MISSING+=(tmux)
command -v promtool >/dev/null 2>&1 || MISSING+=(prometheus)
[ "${#MISSING[@]}" = 0 ] && exit 0
WHAT="${MISSING[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "swiftpm2: the tests would use $WHAT, which is missing, and installing it needs root; the tests that need it are skipped (apt-get install $WHAT)." >&2
        exit 0
    fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "swiftpm2: the tests would use $WHAT, which is missing, and apt-get is not available; the tests that need it are skipped." >&2
    exit 0
fi
echo "swiftpm2: the tests use $WHAT; installing it with apt-get..."
$SUDO apt-get update -qq >/dev/null || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null ||
    echo "swiftpm2: 'apt-get install $WHAT' failed; the tests that need it are skipped." >&2
