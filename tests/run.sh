#!/usr/bin/env bash
# run.sh - the whole test suite on a fresh Debian 12 machine: installs what
# is missing, builds with warnings as errors, runs every test under ctest.
# Usage: bash tests/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/jobs/install-deps.sh" --with-slurm --with-analysis
build="$root/.build/test"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTC_WERROR=ON >/dev/null
cmake --build "$build" -j "$(nproc)"
cd "$build"
ctest --output-on-failure --timeout 900
echo "== fuzzing: each parser for 60 s, after its saved regression inputs"
bash "$root/tests/fuzz/run.sh" 60
echo "== the test suite again, under AddressSanitizer and UndefinedBehaviorSanitizer"
bash "$root/tests/sanitize.sh"
echo "== ThreadSanitizer over the threaded code"
bash "$root/tests/tsan.sh"
echo "== static analysis"
bash "$root/tests/lint.sh"
echo "== benchmark (figures, not pass/fail)"
"$build/tests/bench" "$root/inputs"
bash "$root/tests/bench/forecast_bench.sh" "$build/twincast" "$root/inputs"
bash "$root/tests/bench/scale_bench.sh" "$build/twincast" "$root/inputs" 100000
bash "$root/tests/bench/big_plant.sh" "$build/twincast" "$build/tests/bench" "$root/inputs" 200
bash "$root/tests/bench/serve_bench.sh" "$build" "$root/inputs"
bash "$root/tests/bench/twin_file_bench.sh" "$build/twincast" "$root/inputs" 2000
bash "$root/tests/bench/decide_bench.sh" "$build/twincast" "$root/inputs"
DELTA=0.5 bash "$root/tests/bench/decide_bench.sh" "$build/twincast" "$root/inputs"
