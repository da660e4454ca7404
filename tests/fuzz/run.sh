#!/usr/bin/env bash
# run.sh - builds the libFuzzer targets (clang, with AddressSanitizer and
# UndefinedBehaviorSanitizer) and runs each on its corpus for SECONDS, after
# replaying every saved crash in regressions/.  New crashes are kept there.
# Usage: tests/fuzz/run.sh [SECONDS]     (default 60)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-60}
out=${FUZZ_BUILD:-$root/.build/fuzz}
mkdir -p "$out/generated/twincast"
sed 's/@PROJECT_VERSION@/fuzz/' "$root/include/twincast/version.h.in" >"$out/generated/twincast/version.h"
src=(model/duration model/clock model/dist model/model model/model_load model/doc model/doc_value model/state model/calendar model/model_calendar model/timetable model/model_calibration model/model_decision stats/posterior
     model/state_json model/json_quote live/event live/twin live/twin_line live/twin_snapshot live/calibration)
flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -D_POSIX_C_SOURCE=200809L -DTC_ASSERTIONS=1
       -I"$root/include" -I"$out/generated" $(pkg-config --cflags yaml-0.1 gsl))
libs=($(pkg-config --libs yaml-0.1 gsl) -lpthread -lm)
for t in model state event message; do
    clang "${flags[@]}" -o "$out/fuzz_$t" "$here/fuzz_$t.c" $(for s in "${src[@]}"; do echo "$root/src/$s.c"; done) "${libs[@]}"
done
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
unset LSAN_OPTIONS                    # no suppressions: every leak is ours to fix
status=0
for t in model state event message; do
    reg="$here/regressions/$t"
    mkdir -p "$reg"                       # artifacts land here; git keeps no empty folder
    if compgen -G "$reg/*" >/dev/null; then
        echo "== fuzz_$t: replaying $(ls "$reg" | wc -l) saved inputs"
        "$out/fuzz_$t" -runs=1 "$reg"/* >/dev/null 2>&1 || { echo "fuzz_$t: a saved input fails again"; status=1; }
    fi
    work="$out/corpus-$t"
    mkdir -p "$work"
    echo "== fuzz_$t: ${secs} s"
    if "$out/fuzz_$t" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$reg/" -print_final_stats=1 "$work" "$here/corpus/$t" 2>"$out/fuzz_$t.log"; then
        grep -a -E "stat::number_of_executed_units|stat::peak_rss_mb" "$out/fuzz_$t.log" | sed "s/^/   fuzz_$t /"
    else
        tail -30 "$out/fuzz_$t.log" | cat -v
        echo "fuzz_$t: FAILED, input kept in $reg"
        status=1
    fi
done
exit $status
