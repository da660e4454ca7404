#!/usr/bin/env bash
# scale_bench.sh - how a line5 forecast grows with the replications (issue 15):
# for R = 10^3 .. MAX (default 10^5; MAX=1000000 for the README's row at
# 10^6, about 4 minutes on 2 cores), with --keep scalars and --keep none,
# 2 threads: the forecast's own time (wall_seconds), the time per
# replication, the peak resident memory of the process (GNU time's %M) and
# the file's size.  Prints figures; asserts nothing.
# Usage: scale_bench.sh TWINCAST INPUTS_DIR [MAX]
set -u
TC=$1
IN=$2
MAX=${3:-100000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

printf 'line5 forecast, 480 min, 1 process x 2 threads   (goals at 10^6: RSS <= 256 MB scalars, <= 64 MB none;\n'
printf '                                                   time per replication within 10%% of 10^3)\n'
printf '%10s  %-8s %10s %14s %12s %12s\n' replications keep "own time" "per repl." "peak RSS" "file"
R=1000
while [ "$R" -le "$MAX" ]; do
    for keep in scalars none; do
        rm -f "$WORK/s.h5"
        /usr/bin/time -f '%M' -o "$WORK/rss" "$TC" forecast "$IN/line5.yaml" -n "$R" --threads 2 --keep "$keep" \
            -q -o "$WORK/s.h5" >/dev/null 2>&1 || { echo "scale: failed at $R ($keep)"; break; }
        own=$(h5dump -a /forecasts/000001/wall_seconds "$WORK/s.h5" | awk '/\(0\)/ {print $2}')
        printf '%10d  %-8s %8.2f s %11.1f us %9.0f MB %9.1f MB\n' "$R" "$keep" "$own" \
            "$(awk -v o="$own" -v r="$R" 'BEGIN { print 1e6 * o / r }')" \
            "$(awk '{ print $1 / 1024 }' "$WORK/rss")" "$(stat -c %s "$WORK/s.h5" | awk '{ print $1 / 1e6 }')"
    done
    R=$((R * 10))
done
