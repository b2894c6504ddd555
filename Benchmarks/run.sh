#!/usr/bin/env bash
# swiftpm2 benchmarks (`make bench`): runs Benchmarks/bench.py against the binaries in
# $SWIFTPM2_BENCH_BIN (default .build/release), prints the tables and rewrites docs/benchmarks.md
# (set SWIFTPM2_BENCH_OUT=- to only print). Bounded: the harness is stopped after 420 s (it takes
# about 5 minutes), and it stops everything it started on the way out.
#
# The cluster-mode part needs `wrk` (installed here with apt-get when missing, and said so) and
# $SWIFTPM2_BENCH_BIN/example-server; it uses `node` for the Node.js comparison when present.
# It measures the default balance (roundrobin), then compares roundrobin, shared and reuseport
# (an app per value); roundrobin needs the daemon to load BPF (root or CAP_BPF), and where it
# cannot, the daemon falls back to shared and the report says so.
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

if ! command -v wrk >/dev/null; then
    echo "bench: wrk (HTTP load generator) is missing; installing it with apt-get install wrk" >&2
    sudo=""
    [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
    { $sudo apt-get update -qq && $sudo apt-get install -y -qq wrk; } >&2 ||
        echo "bench: could not install wrk; the cluster-mode figures will be skipped" >&2
fi
command -v node >/dev/null ||
    echo "bench: node not found; the Node.js cluster comparison will be skipped (noted in the report)" >&2

echo "bench: measuring $SWIFTPM2_BENCH_BIN (about 5 minutes)" >&2
exec timeout --signal=TERM --kill-after=20 420 python3 Benchmarks/bench.py
