#!/usr/bin/env bash
# soak_test.sh - serve under load: 50,000 events a second for 60 s through the
# mock cluster, re-forecasting every second.  Must hold: memory flat (the
# second half's peak within 15% of the first half's), the consumer keeping up
# (the last event is in an epoch within 30 s of being produced), and every
# epoch completed or marked superseded.  Figures are printed.
# Usage: soak_test.sh BUILD_DIR INPUTS_DIR [SECONDS] [RATE]
set -u
B=$(readlink -f "$1")
IN=$(readlink -f "$2")
SECS=${3:-60}
RATE=${4:-50000}
WORK=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap '[ -n "${SP:-}" ] && kill -9 "$SP" 2>/dev/null; rm -rf "$WORK"' EXIT
N=$((SECS * RATE))
"$B/tests/ingest_bench" --generate "$WORK/load.jsonl" "$N"
# the generator spaces events 0.05 s apart: replaying at RATE/20x gives RATE events/s
SPEED=$((RATE / 20))
t0=$(date +%s.%N)
"$B/twincast" serve "$IN/factory.yaml" --brokers mock --replay "$WORK/load.jsonl" --speed "$SPEED" -n 200 \
    --threads 2 --interval 1s --exit-when-idle 5s -o "$WORK/soak.h5" >"$WORK/soak.log" 2>&1 &
SP=$!
samples=()
while kill -0 "$SP" 2>/dev/null; do
    r=$(awk '/VmRSS/ {print $2}' /proc/$SP/status 2>/dev/null)
    [ -n "$r" ] && samples+=("$r")
    sleep 1
done
wait "$SP"
rc=$?
t1=$(date +%s.%N)
SP=
check "serve ran the soak and exited 0" test "$rc" -eq 0
grep -v "re-forecasting\|epoch as of" "$WORK/soak.log" | sed 's/^/     | /' | tail -3
printf '%s\n' "${samples[@]}" >"$WORK/rss"
check "memory flat" $PY -c "
import sys
v = [int(x) for x in open('$WORK/rss')]
h = len(v) // 2
a, b = max(v[2:h]), max(v[h:])
print('     resident memory: peak %.1f MB in the first half, %.1f MB in the second (%d samples)' % (a / 1024, b / 1024, len(v)))
sys.exit(not (b <= 1.15 * a))"
check "every epoch completed or superseded; the consumer kept up" $PY -c "
import h5py, json, sys
f = h5py.File('$WORK/soak.h5', 'r')
eps = [k for k in f['forecasts'] if k != 'latest']
st = [f['forecasts'][k].attrs['status'].decode() for k in eps]
last = f['forecasts']['latest']
n = json.loads(last.attrs['offsets'])['plant.events/0']
wall = $t1 - $t0
print('     %d events in %.0f s (%.0f/s including start-up and the idle exit), %d epochs completed, %d superseded'
      % (n, wall, n / wall, st.count('completed'), st.count('superseded')))
sys.exit(not (set(st) <= {'completed', 'superseded'} and n == $N and wall < $SECS + 30 + 10))"
finish soak_test
