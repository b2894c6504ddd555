#!/usr/bin/env bash
# Builds Fuzz/ with libFuzzer (`swift build --sanitize=fuzzer`) and runs each harness for
# SECONDS, seeded with Tests/Corpus (the alias bomb left out: it is slow by design, and found
# by the corpus tests). Writes OUT/HARNESS.log, OUT/summary.tsv (harness, runs, seconds, edges
# covered, crashes) and keeps crashing inputs as OUT/HARNESS-crash-*.
# Usage: scripts/soak/fuzz.sh SCRATCH SECONDS OUT
set -uo pipefail
cd "$(dirname "$0")/../.."
SCRATCH=$1 SECONDS_EACH=$2 OUT=$3
mkdir -p "$OUT"
: > "$OUT/summary.tsv"
(cd Fuzz && swift build --scratch-path "$SCRATCH" --sanitize=fuzzer) > "$OUT/build.log" 2>&1 || {
    echo "fuzz: build failed (see $OUT/build.log)"
    printf 'build\tfailed\t0\t0\t0\n' >> "$OUT/summary.tsv"
    exit 1
}
SEEDS=$(mktemp -d)
find Tests/Corpus -type f \( -name '*.json' -o -name '*.yaml' \) ! -name billion-laughs.yaml -exec cp {} "$SEEDS/" \;
status=0
for harness in FuzzEcosystem FuzzRequest; do
    work=$(mktemp -d)
    cp "$SEEDS"/* "$work/"
    if [ "$harness" = FuzzRequest ]; then
        printf 'GET /v1/apps HTTP/1.1\r\nHost: localhost\r\n\r\n' > "$work/get"
        printf 'POST /v1/apps/web/scale HTTP/1.1\r\nContent-Length: 17\r\n\r\n{"instances":"+1"}' > "$work/scale"
        printf 'POST /v1/apps?base=/srv&env=prod&source=a%%20b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1c\r\n{"apps":[{"script":"./a"}]}\r\n0\r\n\r\n' > "$work/start"
    fi
    # The Swift runtime's backtracer would take the crash signal before libFuzzer writes the input.
    (cd "$OUT" && SWIFT_BACKTRACE=enable=no "$SCRATCH/debug/$harness" -max_total_time="$SECONDS_EACH" -max_len=8192 -timeout=20 \
        -rss_limit_mb=2048 -artifact_prefix="$OUT/$harness-" -print_final_stats=1 "$work") > "$OUT/$harness.log" 2>&1
    rc=$?
    runs=$(grep -oE 'Done [0-9]+ runs' "$OUT/$harness.log" | grep -oE '[0-9]+' | tail -1)
    secs=$(grep -oE 'in [0-9]+ second' "$OUT/$harness.log" | grep -oE '[0-9]+' | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$OUT/$harness.log" | tail -1 | grep -oE '[0-9]+')
    crashes=$(find "$OUT" -maxdepth 1 -name "$harness-crash-*" -o -maxdepth 1 -name "$harness-timeout-*" -o -maxdepth 1 -name "$harness-oom-*" | wc -l)
    printf '%s\t%s\t%s\t%s\t%s\n' "$harness" "${runs:-0}" "${secs:-0}" "${cov:-0}" "$crashes" >> "$OUT/summary.tsv"
    echo "fuzz: $harness: ${runs:-0} runs in ${secs:-?}s, ${cov:-?} edges, $crashes findings (exit $rc)"
    [ "$crashes" = 0 ] || status=1
    rm -rf "$work"
done
rm -rf "$SEEDS"
exit $status
