#!/usr/bin/env bash
# The long part of the reliability suites (`make soak`): the fault, bad-input, API-fuzz and
# security tests at soak size (SWIFTPM2_SOAK=1: thousands of SIGKILLs, 10 s log floods, 20,000
# fuzzed connections...), 50,000 parser mutations, and libFuzzer over the ecosystem parser and
# the request decoding (Fuzz/, 60 s each). Every step has a time limit, so the run stops by
# itself (about 15 minutes on 2 cores). The figures of the run are written to
# docs/reliability.md (scripts/soak/report.sh); the raw ones stay in $SOAK_OUT.
#
# Environment: SOAK_SCRATCH (build folder of the main package, default .build), FUZZ_SCRATCH
# (default .build-fuzz), FUZZ_SECONDS (default 60), SOAK_OUT (default a new folder in /tmp),
# SOAK_REPORT (default docs/reliability.md), SOAK_SKIP_BUILD=1 to use what is built.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SCRATCH=${SOAK_SCRATCH:-$ROOT/.build}
FUZZ_SCRATCH=${FUZZ_SCRATCH:-$ROOT/.build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
OUT=${SOAK_OUT:-$(mktemp -d /tmp/swiftpm2-soak.XXXXXX)}
REPORT=${SOAK_REPORT:-$ROOT/docs/reliability.md}
mkdir -p "$OUT"
: > "$OUT/figures.jsonl"
: > "$OUT/steps.tsv"
export SWIFTPM2_SOAK=1 SWIFTPM2_FIGURES="$OUT/figures.jsonl" SWIFTPM2_MUTATIONS=50000
export SWIFTPM2_BIN_DIR="$SCRATCH/debug"

say() { printf 'soak: %s\n' "$*"; }

# step NAME LIMIT_SECONDS COMMAND...: runs it with a time limit, output in $OUT/NAME.log, and
# records name, exit status, seconds and the test runner's closing line in steps.tsv.
step() {
    local name=$1 limit=$2
    shift 2
    say "$name (at most ${limit}s)..."
    local start=$SECONDS
    timeout --kill-after=30 "$limit" "$@" > "$OUT/$name.log" 2>&1
    local rc=$?
    local summary
    summary=$( { grep -E '^. Test run with' "$OUT/$name.log" | tail -1 | sed 's/^. //'; grep -E '^fuzz: ' "$OUT/$name.log"; } | paste -sd ';' - | sed 's/;/; /g')
    [ "$rc" = 124 ] && summary="stopped at the time limit ($limit s)"
    printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - start))" "$summary" >> "$OUT/steps.tsv"
    say "$name: exit $rc in $((SECONDS - start))s ${summary:+($summary)}"
    return 0
}

scripts/ensure-test-deps.sh || true
scripts/soak/ensure-tools.sh || true

if [ "${SOAK_SKIP_BUILD:-0}" != 1 ]; then
    say "building into $SCRATCH..."
    swift build --build-tests --scratch-path "$SCRATCH" > "$OUT/build.log" 2>&1 || { say "build failed: $OUT/build.log"; exit 1; }
fi

# Unit level: the corpus, 5 MB and deep documents, 50,000 mutations of each seed.
step corpus 900 swift test --scratch-path "$SCRATCH" --skip-build --filter SwiftPM2CoreTests.EcosystemCorpusTests
# End to end, one suite per process (never beside the unit tests: see the Makefile).
for suite in FaultTests APIFuzzTests BadInputTests SecurityTests; do
    step "$suite" 1800 swift test --scratch-path "$SCRATCH" --skip-build --filter "EndToEndTests.$suite"
done
# Coverage-guided fuzzing.
step fuzz 1800 scripts/soak/fuzz.sh "$FUZZ_SCRATCH" "$FUZZ_SECONDS" "$OUT/fuzz"

scripts/soak/report.sh "$OUT" > "$REPORT.tmp" && mv "$REPORT.tmp" "$REPORT"
say "figures in $REPORT (raw: $OUT)"
# Fails when a step failed, so that `make soak` says so.
! awk -F'\t' '$2 != 0 { bad = 1 } END { exit !bad }' "$OUT/steps.tsv"
