#!/usr/bin/env bash
# Makes sure libsystemd's headers are there (pkg-config libsystemd); installs libsystemd-dev
# through apt when they are not, and says so. Fails with one clear sentence when it cannot.
set -euo pipefail
if pkg-config --exists libsystemd 2>/dev/null; then
    exit 0
fi
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists libsystemd 2>/dev/null; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "swiftpm2: libsystemd's development files are missing and apt-get is not available: install libsystemd-dev (or your system's equivalent) and pkg-config, then run make again." >&2
        exit 1
    fi
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
            echo "swiftpm2: libsystemd-dev is missing and installing it needs root: run 'apt-get install libsystemd-dev pkg-config' as root, then make again." >&2
            exit 1
        fi
    fi
    echo "swiftpm2: libsystemd-dev is missing; installing it (and pkg-config) with apt-get..."
    $SUDO apt-get update -qq >/dev/null || true
    if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libsystemd-dev pkg-config >/dev/null; then
        echo "swiftpm2: 'apt-get install libsystemd-dev pkg-config' failed; install them by hand, then run make again." >&2
        exit 1
    fi
fi
pkg-config --exists libsystemd || { echo "swiftpm2: libsystemd-dev was installed but pkg-config still cannot find libsystemd." >&2; exit 1; }
