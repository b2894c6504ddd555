#!/usr/bin/env bash
# swiftpm2 benchmarks (`make bench`): runs Benchmarks/bench.py against the binaries in
# $SWIFTPM2_BENCH_BIN (default .build/release), prints the table and rewrites docs/benchmarks.md
# (set SWIFTPM2_BENCH_OUT=- to only print). Bounded: the harness is stopped after 280 s, and it
# stops everything it started on the way out.
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

echo "bench: measuring $SWIFTPM2_BENCH_BIN (about 30 s)" >&2
exec timeout --signal=TERM --kill-after=20 280 python3 Benchmarks/bench.py
