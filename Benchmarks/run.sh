#!/usr/bin/env bash
# swiftpm2 benchmarks (`make bench`): runs Benchmarks/bench.py (which runs Benchmarks/peers.py too)
# against the binaries in $SWIFTPM2_BENCH_BIN (default .build/release), prints the report and
# rewrites docs/benchmarks.md and the charts beside it, docs/bench-*.svg (set
# SWIFTPM2_BENCH_OUT=- to only print, or a path of your own). Bounded: the harness is stopped after
# 15 minutes (a full run took about 9 on a busy 2-CPU machine; SWIFTPM2_BENCH_QUICK=1 about 4), and
# it stops everything it started on the way out, the peers' daemons included.
#
# Installs what it needs, and says so:
# - from Debian with apt-get, when missing: wrk (HTTP load for cluster mode), hyperfine (CLI
#   timings; the harness has its own loop otherwise), python3-venv (when `python3 -m venv` fails);
# - from PyPI with pip, into a virtual environment next to the binaries' build folder
#   ($SWIFTPM2_BENCH_BIN/../bench-venv, e.g. .build/bench-venv; or $SWIFTPM2_BENCH_VENV):
#   supervisor and circus, the peers measured beside swiftpm2. The harness runs with that venv's
#   Python (standard library, plus circus's client for Circus); without the venv it runs with
#   python3 and leaves the supervisord and Circus rows out, with a note.
# Node.js is used when present (Node's cluster module, and the Node.js server of the SIGKILL and
# Oxmgr scenarios); without `node` those rows are skipped with a note.
#
# The cluster-mode part needs $SWIFTPM2_BENCH_BIN/example-server. It measures the default balance
# (roundrobin), then compares roundrobin, shared and reuseport (an app per value); roundrobin needs
# the daemon to load BPF (root or CAP_BPF), and where it cannot, the daemon falls back to shared and
# the report says so.
set -euo pipefail
cd "$(dirname "$0")/.."

export SWIFTPM2_BENCH_BIN="${SWIFTPM2_BENCH_BIN:-.build/release}"
for exe in swiftpm2 swiftpm2d; do
    if [[ ! -x "$SWIFTPM2_BENCH_BIN/$exe" ]]; then
        echo "bench: $SWIFTPM2_BENCH_BIN/$exe not found; run \`make release\` or set SWIFTPM2_BENCH_BIN" >&2
        exit 2
    fi
done
command -v python3 >/dev/null || { echo "bench: python3 is required" >&2; exit 2; }
[[ -x "$SWIFTPM2_BENCH_BIN/example-server" ]] ||
    echo "bench: $SWIFTPM2_BENCH_BIN/example-server not found; the cluster-mode figures will be skipped" >&2

sudo=""
[[ "$(id -u)" -eq 0 ]] || sudo="sudo"
apt_updated=""
apt_install() {     # apt_install PACKAGE... (one `apt-get update` per run, before the first install)
    if [[ -z "$apt_updated" ]]; then
        $sudo apt-get update -qq >&2 || return 1
        apt_updated=1
    fi
    $sudo apt-get install -y -qq "$@" >&2
}

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v hyperfine >/dev/null || missing+=(hyperfine)
if ((${#missing[@]})); then
    echo "bench: ${missing[*]} missing; installing with apt-get install ${missing[*]}" >&2
    apt_install "${missing[@]}" ||
        echo "bench: could not install ${missing[*]}; wrk: the cluster-mode figures will be skipped; hyperfine: the harness times the CLIs itself" >&2
fi
command -v node >/dev/null ||
    echo "bench: node not found; the Node.js rows will be skipped (noted in the report)" >&2

# The peers (supervisor, circus) in a venv next to the build folder.
VENV="${SWIFTPM2_BENCH_VENV:-$(dirname "$SWIFTPM2_BENCH_BIN")/bench-venv}"
PEERS="${SWIFTPM2_BENCH_PEERS:-supervisor==4.3.0 circus==0.19.0}"
PY=python3
if [[ ! -x "$VENV/bin/python" ]]; then
    echo "bench: creating the venv $VENV for the peers ($PEERS)" >&2
    if ! python3 -m venv "$VENV" >&2 2>/dev/null; then
        rm -rf "$VENV"
        echo "bench: python3 -m venv failed; installing python3-venv with apt-get" >&2
        apt_install python3-venv && python3 -m venv "$VENV" >&2 || rm -rf "$VENV"
    fi
fi
if [[ -x "$VENV/bin/python" ]]; then
    # shellcheck disable=SC2086
    if [[ ! -x "$VENV/bin/supervisord" || ! -x "$VENV/bin/circusd" ]] ||
        ! "$VENV/bin/python" -c 'import circus.client' 2>/dev/null; then
        echo "bench: installing $PEERS into $VENV with pip" >&2
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check $PEERS >&2 ||
            echo "bench: pip could not install $PEERS; those peers will be skipped (noted in the report)" >&2
    fi
    PY="$VENV/bin/python"
    export SWIFTPM2_BENCH_VENV="$VENV"
else
    echo "bench: no venv ($VENV); supervisord and Circus will be skipped (noted in the report)" >&2
fi

export PYTHONDONTWRITEBYTECODE=1
if [[ "${SWIFTPM2_BENCH_QUICK:-}" == 1 ]]; then
    echo "bench: measuring $SWIFTPM2_BENCH_BIN, quick (about 4 minutes)" >&2
else
    echo "bench: measuring $SWIFTPM2_BENCH_BIN (about 9 minutes)" >&2
fi
exec timeout --signal=TERM --kill-after=30 900 "$PY" Benchmarks/bench.py
