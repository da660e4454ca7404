#!/usr/bin/env bash
# tsan.sh - ThreadSanitizer over twincast's threaded code (clang):
#  - the OpenMP ensembles and statistics, with LLVM's OpenMP runtime and its
#    Archer tool so that OpenMP's own synchronisation is understood: the
#    unit tests that run them, forecast and replay with 2 threads;
#  - the Kafka ingest side (our consumer and replay threads, librdkafka's
#    threads calling our callbacks, the queue hand-off, epoch abandonment,
#    SIGTERM, restart, mpirun -np 2): the whole serve test against the mock
#    cluster with kcat, and a short soak.  Debian's librdkafka uses C11
#    threads, which LLVM 14's sanitizer does not intercept, so
#    tests/tsan/c11threads.c (C11 threads on the intercepted pthread calls)
#    is preloaded; see its header.
# Each setup first has to catch a planted race (tests/tsan/planted_race.c),
# or its silence would mean nothing.  Any report in a real run fails.
# Usage: bash tests/tsan.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/.build/tsan"
CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTC_SANITIZE=thread >/dev/null
cmake --build "$build" -j "$(nproc)" \
    --target twincast test_store test_engine test_queueing test_twin mockcluster ingest_bench >/dev/null
# the shim is not instrumented: it is preloaded into kcat, mpirun and python too
clang -O1 -g -fPIC -shared -o "$build/libc11threads.so" "$root/tests/tsan/c11threads.c" -lpthread
clang -O1 -g -fsanitize=thread -fopenmp -o "$build/planted_race" "$root/tests/tsan/planted_race.c" -lrdkafka

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ignore_noninstrumented_modules=1 log_path=$work/report"
export OMP_TOOL_LIBRARIES=/usr/lib/llvm-14/lib/libarcher.so OMP_NUM_THREADS=2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
shim="$build/libc11threads.so"

# no_report NAME: fails, showing them, if any report was written since the last call
no_report() {
    if compgen -G "$work/report.*" >/dev/null; then
        echo "tsan: $1: ThreadSanitizer reported:"
        cat "$work"/report.*
        exit 1
    fi
}

for mode in openmp kafka; do
    echo "== tsan: a planted $mode race must be caught"
    rc=0
    LD_PRELOAD="$shim" "$build/planted_race" "$mode" >"$work/planted.log" 2>&1 || rc=$?
    if [ "$rc" -ne 66 ] || ! grep -qs "data race.*planted_race.c" "$work"/report.*; then
        echo "tsan: the planted $mode race was not reported (exit $rc): this setup is blind"
        cat "$work/planted.log" "$work"/report.* 2>/dev/null || true
        exit 1
    fi
    rm -f "$work"/report.*
done

# step NAME COMMAND...: runs it; its output is shown only if it fails
step() {
    local name=$1
    shift
    echo "== tsan: $name"
    if ! "$@" >"$work/step.log" 2>&1; then
        cat "$work/step.log"
        no_report "$name"
        echo "tsan: $name failed"
        exit 1
    fi
    no_report "$name"
}

for t in test_store test_engine test_queueing test_twin; do
    step "$t" "$build/tests/$t"
done
# rounds of 50: each round's rows are written on rank 0's writer thread while the next round runs
step "forecast, 2 threads, with a scenario, rows written in rounds" env TWINCAST_ROUND=50 \
    "$build/twincast" forecast "$root/inputs/factory.yaml" \
    --state "$root/inputs/state_b_down.json" --scenario overtime_C -n 300 --threads 2 -q -o "$work/f.h5"
step "replay, 2 threads" "$build/twincast" replay "$root/inputs/factory.yaml" \
    "$root/inputs/events/b_breakdown.jsonl" -n 100 --threads 2 -q
step "the serve test (mock cluster, kcat, restart, SIGTERM, superseded, mpirun -np 2)" \
    env LD_PRELOAD="$shim" bash "$root/tests/serve_test.sh" "$build/twincast" "$build/tests/mockcluster" \
    "$(command -v mpiexec)" "$root/inputs"
step "a short soak: 10,000 events/s for 10 s, re-forecasting every second" \
    env LD_PRELOAD="$shim" bash "$root/tests/soak_test.sh" "$build" "$root/inputs" 10 10000
echo "tsan: no report"
