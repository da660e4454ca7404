#!/usr/bin/env bash
# sanitize.sh - the whole test suite built with AddressSanitizer and
# UndefinedBehaviorSanitizer (MPI, Kafka and Slurm tests included); any report
# fails the run.  Leak detection is on for the unit tests (which do not start
# MPI); for programs that start Open MPI it is off, because Open MPI's
# dlopen'ed components defeat LeakSanitizer (unattributable reports, and
# crashes of its tracer after MPI_Finalize).  The fuzzers (tests/fuzz/run.sh)
# run with leak detection on.  The timed soak test (label "load") is left out:
# under ASan it could not keep its rate, which is not what it checks.
# Usage: bash tests/sanitize.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/.build/asan"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTC_SANITIZE=address,undefined -DTC_WERROR=ON >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
cd "$build"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$root/tests/sanitizers.supp:print_suppressions=0
echo "== sanitizers: unit tests, leak detection on"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 ctest -L unit --output-on-failure
echo "== sanitizers: everything else (MPI, Kafka, Slurm), leak detection off"
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 ctest -LE "unit|load" --output-on-failure --timeout 1800
