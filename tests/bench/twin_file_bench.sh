#!/usr/bin/env bash
# twin_file_bench.sh - what a live twin's file costs as it grows: an
# emulated factory log replayed with an epoch every 10 min of plant time
# (-n 20), and each epoch's write time as `replay` reports it ("written
# in"), over windows of 100 epochs from the 10th on (mean and median),
# and the index's and the epoch files' sizes: scored (the /skill rows start after
# one horizon, some 48 epochs) and with --no-score (the epochs alone).
# Prints figures; asserts nothing.
# Usage: twin_file_bench.sh TWINCAST INPUTS_DIR [EPOCHS]
set -u
TC=$1
IN=$2
EPOCHS=${3:-10000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

DAYS=$(((EPOCHS + 143) / 144 + 1))
"$TC" emulate "$IN/factory.yaml" --days "$DAYS" --seed 11 -o "$WORK/ev.jsonl" 2>/dev/null
for mode in scored --no-score; do
    rm -rf "$WORK/twin.h5" "$WORK/twin.h5.epochs"
    opt=()
    [ "$mode" = scored ] || opt=(--no-score)
    T0=$(date +%s.%N)
    "$TC" replay "$IN/factory.yaml" "$WORK/ev.jsonl" -n 20 --threads 1 --interval 10min -o "$WORK/twin.h5" \
        "${opt[@]}" >/dev/null 2>"$WORK/err"
    T1=$(date +%s.%N)
    grep -o "written in [0-9.]*" "$WORK/err" | awk '{print $3}' | head -"$EPOCHS" >"$WORK/w"
    N=$(wc -l <"$WORK/w")
    echo "live twin file: factory.yaml, $N epochs (one per 10 min of a ${DAYS}-day log), -n 20, ${mode#--};"
    echo "  replay took $(awk -v a="$T0" -v b="$T1" 'BEGIN {printf "%.1f", b - a}') s; each epoch's write (summaries + file), mean and median of 100 epochs:"
    first=""
    for at in 10 100 1000 3000 $((N - 99)); do
        [ "$at" -ge 10 ] && [ "$((at + 99))" -le "$N" ] || continue
        ms=$(sed -n "${at},$((at + 99))p" "$WORK/w" | awk '{s += $1} END {printf "%.2f", s / NR * 1000}')
        # the median too: one slow fsync in a window moves its mean, not its median
        med=$(sed -n "${at},$((at + 99))p" "$WORK/w" | sort -g | awk '{v[NR] = $1} END {printf "%.2f", (v[50] + v[51]) / 2 * 1000}')
        [ -n "$first" ] || { first=$ms; first_med=$med; }
        echo "  epochs $at-$((at + 99)): $ms ms ($(awk -v a="$ms" -v b="$first" 'BEGIN {printf "%.2f", a / b}')x the first window)," \
            "median $med ms ($(awk -v a="$med" -v b="$first_med" 'BEGIN {printf "%.2f", a / b}')x)"
    done
    echo "  index $(stat -c %s "$WORK/twin.h5") bytes ($(($(stat -c %s "$WORK/twin.h5") / N)) per epoch)," \
        "epoch files $(du -sb "$WORK/twin.h5.epochs" | cut -f1) bytes"
done
