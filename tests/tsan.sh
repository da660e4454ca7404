#!/usr/bin/env bash
# tsan.sh - ThreadSanitizer over twincast's threaded code: the OpenMP
# ensembles and statistics (clang, LLVM's OpenMP runtime with its Archer
# tool, so that OpenMP's own synchronisation is understood), through the unit
# tests that run them and through forecast and replay with 2 threads.  Any
# report fails.  The Kafka ingest thread is not covered: Debian's librdkafka
# starts its threads with C11 thrd_create, which LLVM 14's ThreadSanitizer
# does not intercept, so it crashes in them before any check.
# Usage: bash tests/tsan.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/.build/tsan"
CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTC_SANITIZE=thread >/dev/null
cmake --build "$build" -j "$(nproc)" --target twincast test_store test_engine test_queueing test_twin >/dev/null
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ignore_noninstrumented_modules=1"
export OMP_TOOL_LIBRARIES=/usr/lib/llvm-14/lib/libarcher.so OMP_NUM_THREADS=2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in test_store test_engine test_queueing test_twin; do
    echo "== tsan: $t"
    "$build/tests/$t" >"$work/$t.log" 2>&1 || { cat "$work/$t.log"; exit 1; }
done
echo "== tsan: forecast, 2 threads, with a scenario"
"$build/twincast" forecast "$root/inputs/factory.yaml" --state "$root/inputs/state_b_down.json" \
    --scenario overtime_C -n 300 --threads 2 -q -o "$work/f.h5" >/dev/null
echo "== tsan: replay, 2 threads"
"$build/twincast" replay "$root/inputs/factory.yaml" "$root/inputs/events/b_breakdown.jsonl" -n 100 --threads 2 \
    -q >/dev/null
echo "tsan: no report"
