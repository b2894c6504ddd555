#!/usr/bin/env bash
# Makes sure libsystemd's and libyaml's headers are there (pkg-config libsystemd, yaml-0.1),
# and curl, which the demo and the end-to-end tests use; installs libsystemd-dev / libyaml-dev /
# curl through apt when they are not, and says so. Fails with one clear sentence when it cannot.
set -euo pipefail
has() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1" 2>/dev/null; }
MISSING=()
has libsystemd || MISSING+=(libsystemd-dev)
has yaml-0.1 || MISSING+=(libyaml-dev)
command -v curl >/dev/null 2>&1 || MISSING+=(curl)
if [ "${#MISSING[@]}" = 0 ]; then
    exit 0
fi
WHAT="${MISSING[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "swiftpm2: packages are missing ($WHAT) and apt-get is not available: install $WHAT (or your system's equivalent) and pkg-config, then run make again." >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "swiftpm2: $WHAT is missing and installing it needs root: run 'apt-get install $WHAT pkg-config' as root, then make again." >&2
        exit 1
    fi
fi
echo "swiftpm2: $WHAT is missing; installing it (and pkg-config) with apt-get..."
$SUDO apt-get update -qq >/dev/null || true
if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${MISSING[@]}" pkg-config >/dev/null; then
    echo "swiftpm2: 'apt-get install $WHAT pkg-config' failed; install them by hand, then run make again." >&2
    exit 1
fi
pkg-config --exists libsystemd || { echo "swiftpm2: libsystemd-dev was installed but pkg-config still cannot find libsystemd." >&2; exit 1; }
pkg-config --exists yaml-0.1 || { echo "swiftpm2: libyaml-dev was installed but pkg-config still cannot find yaml-0.1." >&2; exit 1; }
