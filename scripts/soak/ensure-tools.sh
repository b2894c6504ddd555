#!/usr/bin/env bash
# What the soak uses beyond `make test`: jq (scripts/soak/report.sh) and perl with Time::HiRes
# (the log flood writer; Debian's perl has it). Installed through apt when missing, as
# scripts/ensure-test-deps.sh does for the tests.
set -euo pipefail
MISSING=()
command -v jq >/dev/null 2>&1 || MISSING+=(jq)
perl -MTime::HiRes -e 1 >/dev/null 2>&1 || MISSING+=(perl)
[ "${#MISSING[@]}" = 0 ] && exit 0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
echo "soak: installing ${MISSING[*]} with apt-get..."
$SUDO apt-get update -qq >/dev/null || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null ||
    echo "soak: 'apt-get install ${MISSING[*]}' failed; the report or the log flood will say so." >&2
