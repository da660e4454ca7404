#!/usr/bin/env bash
# forecast_bench.sh - 1000 replications of line5 over 480 min, end to end
# (process start to file closed) and the forecast's own time (the
# wall_seconds attribute: after MPI_Init until the file is written), with
# 1 and 2 OpenMP threads and with mpirun -np 1 / -np 2.  Best of 5 runs.
# Prints figures; asserts nothing.  Usage: forecast_bench.sh TWINCAST INPUTS_DIR
set -u
TC=$1
IN=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

best() {  # best LABEL COMMAND... ; sets E2E and OWN (seconds, best of 5)
    E2E=999
    OWN=999
    for i in 1 2 3 4 5; do
        rm -f "$WORK/b.h5"
        local t0 t1
        t0=$(date +%s.%N)
        "$@" -o "$WORK/b.h5" >/dev/null 2>&1 || { echo "bench: failed: $*"; return 1; }
        t1=$(date +%s.%N)
        local e own
        own=$(h5dump -a /forecasts/000001/wall_seconds "$WORK/b.h5" | awk '/\(0\)/ {print $2}')
        E2E=$(awk -v a="$t0" -v b="$t1" -v m="$E2E" 'BEGIN { e = b - a; print (e < m ? e : m) }')
        OWN=$(awk -v o="$own" -v m="$OWN" 'BEGIN { print (o < m ? o : m) }')
    done
}

F=(forecast "$IN/line5.yaml" -n 1000 -q)
best "$TC" "${F[@]}" --threads 1;                       e1=$E2E; o1=$OWN
best "$TC" "${F[@]}" --threads 2;                       e2=$E2E; o2=$OWN
best mpirun -np 1 "$TC" "${F[@]}" --threads 1;          m1=$E2E; p1=$OWN
best mpirun -np 2 "$TC" "${F[@]}" --threads 1;          m2=$E2E; p2=$OWN
printf 'line5 forecast, 1000 x 480 min   end to end   own time (wall_seconds)\n'
printf '  1 process, 1 thread          %8.3f s   %8.3f s\n' "$e1" "$o1"
printf '  1 process, 2 threads         %8.3f s   %8.3f s   speed-up %.2fx (goal >= 1.85x; own-time goal < 0.15 s)\n' "$e2" "$o2" "$(awk -v a="$o1" -v b="$o2" 'BEGIN { print a / b }')"
printf '  mpirun -np 1, 1 thread       %8.3f s   %8.3f s\n' "$m1" "$p1"
printf '  mpirun -np 2, 1 thread each  %8.3f s   %8.3f s   speed-up %.2fx (goal >= 1.8x)\n' "$m2" "$p2" "$(awk -v a="$p1" -v b="$p2" 'BEGIN { print a / b }')"
