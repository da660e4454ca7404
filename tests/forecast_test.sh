#!/usr/bin/env bash
# forecast_test.sh - the ensemble forecaster end to end, under a real
# mpirun: bit-identical results for any split over ranks and threads, the
# B-breakdown story from a state snapshot (forecast and report agree),
# scenarios with common random numbers, --precision, bad input (exit 2 and
# the existing file untouched), and the file read by h5py and xarray.
# Usage: forecast_test.sh TWINCAST MPIEXEC INPUTS_DIR
set -u
TC=$1
MPIEXEC=$2
IN=$3
WORK=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$WORK"' EXIT




same() {  # same A.h5 B.h5 OBJECT: the datasets of two files are identical
    h5diff -q "$1" "$2" "$3" "$3" || { echo "     $1 and $2 differ in $3"; h5diff "$1" "$2" "$3" "$3" | head -5; return 1; }
}

MODEL=$IN/factory.yaml
STATE=$IN/state_b_down.json
ARGS=(forecast "$MODEL" --state "$STATE" --scenario overtime_C -n 300 --seed 42 -q)

# One split against others: 1 rank x 1 thread is the reference.
check "1 rank x 1 thread"          run 0 "$TC" "${ARGS[@]}" --threads 1 -o "$WORK/r1.h5"
check "1 rank x 2 threads"         run 0 "$TC" "${ARGS[@]}" --threads 2 -o "$WORK/r2.h5"
check "mpirun -np 3 x 1 thread"    run 0 "$MPIEXEC" -n 3 "$TC" "${ARGS[@]}" --threads 1 -o "$WORK/r3.h5"
check "mpirun -np 2 x 2 threads"   run 0 "$MPIEXEC" -n 2 --bind-to none "$TC" "${ARGS[@]}" --threads 2 -o "$WORK/r4.h5"
check "mpirun -np 3, rank 0 idle"  run 0 "$MPIEXEC" -n 3 "$TC" "${ARGS[@]}" --threads 1 --no-rank0-work -o "$WORK/r5.h5"
for f in r2 r3 r4 r5; do
    for g in baseline overtime_C; do
        check "$f $g identical to 1x1" same "$WORK/r1.h5" "$WORK/$f.h5" /forecasts/000001/$g
    done
done
# Products and routing too (priorities, changeovers, a batch oven, rework and scrap streams, a start
# state with products, phases and batches): any split, same bits.
PLANT=(forecast "$IN/plant.yaml" --state "$IN/plant_state.json" --scenario quick_press_changeover -n 120 --seed 5 -q)
check "plant: 1 rank x 1 thread"   run 0 "$TC" "${PLANT[@]}" --threads 1 -o "$WORK/p1.h5"
check "plant: mpirun -np 2 x 2"    run 0 "$MPIEXEC" -n 2 --bind-to none "$TC" "${PLANT[@]}" --threads 2 -o "$WORK/p2.h5"
for g in baseline quick_press_changeover; do
    check "plant: $g identical"     same "$WORK/p1.h5" "$WORK/p2.h5" /forecasts/000001/$g
done
# Issue 15's sizes: 10^3 and 10^5 replications (the bands are summed over threads and a tree of ranks):
# any split, same bits.  The 10^5 run is an hour's horizon, to stay a few seconds.
for n in 1000 100000; do
    h=$([ $n = 1000 ] && echo 480min || echo 60min)
    L=(forecast "$IN/line5.yaml" -n $n --horizon $h --seed 9 --start 2026-12-07T06:00:00Z -q)
    check "line5 -n $n: 1 rank x 2 threads"  run 0 "$TC" "${L[@]}" --threads 2 -o "$WORK/n$n-a.h5"
    check "line5 -n $n: mpirun -np 3 x 1"    run 0 "$MPIEXEC" -n 3 "$TC" "${L[@]}" --threads 1 -o "$WORK/n$n-b.h5"
    check "line5 -n $n: identical"           same "$WORK/n$n-a.h5" "$WORK/n$n-b.h5" /forecasts/000001/baseline
done
check "ranks recorded"             bash -c "h5dump -a /forecasts/000001/ranks '$WORK/r3.h5' | grep -q '(0): 3'"
check "other seed differs"         run 0 "$TC" forecast "$MODEL" --state "$STATE" -n 300 --seed 43 -q -o "$WORK/r6.h5"
check "other seed: other numbers"  bash -c "! h5diff -q '$WORK/r1.h5' '$WORK/r6.h5' /forecasts/000001/baseline/mean_waiting /forecasts/000001/baseline/mean_waiting"

# The story: B down, its work shifts to C, C's queue forms in most futures.
check "story forecast"             run 0 "$TC" forecast "$MODEL" --state "$STATE" -n 1000 -o "$WORK/story.h5"
cp "$WORK/out" "$WORK/story.txt"
check "C forms in most futures"    awk '$1 == "C" && $2 > 0.5 { found = 1 } END { exit !found }' "$WORK/story.txt"
check "C onset CI printed"         grep -Eq '^C +0\.[0-9]+ +\[[0-9.]+, [0-9.]+\] +[0-9.]+ \[ *[0-9.]+, *[0-9.]+\]' "$WORK/story.txt"
check "report"                     run 0 "$TC" report "$WORK/story.h5"
grep '^C ' "$WORK/story.txt" >"$WORK/c1"
grep '^C ' "$WORK/out" >"$WORK/c2"
check "report shows the same C line" cmp -s "$WORK/c1" "$WORK/c2"
check "report json"                run 0 "$TC" report "$WORK/story.h5" --format json
check "json: C onset 20..90 min, p > 0.5" $PY -c "
import json, sys
d = json.load(open('$WORK/out'))
c = [s for s in d['scenarios'][0]['stations'] if s['station'] == 'C'][0]
lo, hi = c['onset_ci']
sys.exit(not (c['p_form'] > 0.5 and 20 < lo < c['onset_mean'] < hi < 90))"
check "report csv"                 run 0 "$TC" report "$WORK/story.h5" --format csv --scenario baseline
check "csv: header + 4 stations"   bash -c "[ \$(wc -l < '$WORK/out') -eq 5 ] && head -1 '$WORK/out' | grep -q '^epoch,scenario,station,p_form'"

# Scenarios share random numbers: a station upstream of the change is unaffected.
check "CRN: A identical in both"   bash -c "'$TC' report '$WORK/r1.h5' --format json | $PY -c \"
import json, sys
d = json.load(sys.stdin)
a = [s for s in d['scenarios'][1]['stations'] if s['station'] == 'A'][0]
sys.exit(not (a['diff_onset_mean'] == 0 and a['diff_ci'] == [0, 0]))\""

# --precision: batches until the onset-mean half-widths are within 10%.
check "precision run"              run 0 "$TC" forecast "$MODEL" --state "$STATE" --precision 0.1 --min-replications 50 -o "$WORK/p.h5"
check "precision reached"          bash -c "h5dump -a /forecasts/000001/stop_reason '$WORK/p.h5' | grep -q 'precision reached'"
check "precision holds"            bash -c "'$TC' report '$WORK/p.h5' --format json | $PY -c \"
import json, sys
d = json.load(sys.stdin)
ok = d['replications'] >= 50
for s in d['scenarios'][0]['stations']:
    if s['n_formed'] >= 2:
        lo, hi = s['onset_ci']
        ok = ok and (hi - lo) / 2 <= 0.1 * s['onset_mean'] + 1e-9
sys.exit(not ok)\""
check "precision capped"           run 0 "$TC" forecast "$MODEL" --precision 0.001 --min-replications 20 --max-replications 60 -q -o "$WORK/cap.h5"
check "stop at the maximum"        bash -c "h5dump -a /forecasts/000001/stop_reason '$WORK/cap.h5' | grep -q 'maximum replications'"

# Bad input: exit 2 with a message naming the place, and the existing file untouched.
cp "$WORK/story.h5" "$WORK/keep.h5"
printf '{"stations": {"B": {"up": false' >"$WORK/trunc.json"
printf '{"stations": {"B": {"waiting": "many"}}}' >"$WORK/type.json"
printf '{"stations": {"Q": {"waiting": 1}}}' >"$WORK/name.json"
printf '{"params": {"C.process.mean": -1}}' >"$WORK/param.json"
check "malformed JSON: 2"          run 2 "$TC" forecast "$MODEL" --state "$WORK/trunc.json" -o "$WORK/keep.h5"
check "malformed JSON message"     has "trunc.json:"
check "wrong type: 2"              run 2 "$TC" forecast "$MODEL" --state "$WORK/type.json" -o "$WORK/keep.h5"
check "wrong type message"         has "type.json:1:32: 'waiting' must be a whole number"
check "unknown station: 2"         run 2 "$TC" forecast "$MODEL" --state "$WORK/name.json" -o "$WORK/keep.h5"
check "unknown station message"    has "unknown station 'Q'"
check "bad parameter: 2"           run 2 "$TC" forecast "$MODEL" --state "$WORK/param.json" -o "$WORK/keep.h5"
check "unknown scenario: 2"        run 2 "$TC" forecast "$MODEL" --scenario nosuch -o "$WORK/keep.h5"
check "unknown scenario message"   has "no such scenario"
check "N = 0: 2"                   run 2 "$TC" forecast "$MODEL" -n 0 -o "$WORK/keep.h5"
check "-n with --precision: 2"     run 2 "$TC" forecast "$MODEL" -n 5 --precision 0.1
check "unwritable output: 2"       run 2 "$TC" forecast "$MODEL" -n 5 -o /proc/twincast/x.h5
check "bad input under mpirun: 2"  run 2 "$MPIEXEC" -n 2 "$TC" forecast "$MODEL" --state "$WORK/type.json" -o "$WORK/keep.h5"
check "existing file untouched"    cmp -s "$WORK/story.h5" "$WORK/keep.h5"
check "no temporary left behind"   bash -c "! ls '$WORK'/keep.h5.tmp-* 2>/dev/null | grep -q ."
# a forecast killed while it writes leaves the previous file as it was
( "$TC" forecast "$MODEL" -n 200000 -q -o "$WORK/keep.h5" >/dev/null 2>&1 & echo $! >"$WORK/pid"; wait ) 2>/dev/null &
sleep 1.5
kill -9 "$(cat "$WORK/pid")" 2>/dev/null
wait
check "killed mid-run: file intact" cmp -s "$WORK/story.h5" "$WORK/keep.h5"

# Analysts' tools: h5py, and xarray through h5netcdf, read the file as it is.
check "h5py reads it" $PY -c "
import h5py, numpy as np, sys
f = h5py.File('$WORK/story.h5', 'r')
g = f['forecasts/latest/baseline']
on = g['onset_time'][...]
st = [s.decode() for s in g['station'][...]]
s = g['summary'][...]
ok = on.shape == (1000, 4) and st == ['A', 'B', 'C', 'D'] and g['waiting_quantiles'].shape[2] == 5
c = s[st.index('C')]
ok = ok and abs(c['p_form'] - np.mean(~np.isnan(on[:, 2]))) < 1e-12 and abs(c['onset_mean'] - np.nanmean(on[:, 2])) < 1e-9
sys.exit(not ok)"
if $PY -c "import xarray, h5netcdf" 2>/dev/null; then
    check "xarray opens a scenario" $PY -c "
import xarray as xr, sys
ds = xr.open_dataset('$WORK/story.h5', engine='h5netcdf', group='forecasts/000001/baseline')
ok = ds['onset_time'].dims == ('realization', 'station') and ds['waiting_quantiles'].dims == ('time', 'station', 'quantile')
ok = ok and list(ds['station'].values) == ['A', 'B', 'C', 'D'] and ds.sizes['realization'] == 1000
# the time axis decodes to dates (CF units from the start): the first bin's centre is 08:05 + 2.5 min
import numpy as np
ok = ok and ds['time'].dtype.kind == 'M' and ds['time'].values[0] == np.datetime64('2026-12-01T08:07:30')
sys.exit(not ok)"
    # The plant's calendar in the file: a Friday from 13:00 for 10 h (Europe/Berlin), 96 bins of 6.25 min.
    # The press has two operators until 14:00 (60 min: bin 9 is 3.75 min of 2 and 2.5 of 1 = 1.6), one
    # after; assembly stops for the 18:00 break (300..330: bins 48-51, and 5 of bin 52's 6.25 min); all
    # close at 22:00 (540: bins 87 on).  The time axis decodes to UTC dates (13:03:07.5 local).
    check "calendar forecast"       run 0 "$TC" forecast "$IN/plant.yaml" --start 2026-12-11T13:00:00+01:00 \
        --horizon 10h -n 50 -q -o "$WORK/fri.h5"
    check "xarray: scheduled_servers" $PY -c "
import xarray as xr, numpy as np, sys
ds = xr.open_dataset('$WORK/fri.h5', engine='h5netcdf', group='forecasts/latest/baseline')
s = ds['scheduled_servers']
press, asm = s.sel(station='press').values, s.sel(station='assembly').values
ok = s.dims == ('time', 'station') and press[0] == 2 and abs(press[9] - 1.6) < 1e-12 and press[10] == 1
ok = ok and (asm[48:52] == 0).all() and abs(asm[52] - 0.6) < 1e-12 and asm[47] == 3
ok = ok and (s.values[87:] == 0).all() and (s.values[86] > 0).all()
ok = ok and ds['time'].values[0] == np.datetime64('2026-12-11T12:03:07.500')
sys.exit(not ok)"
else
    echo "skip xarray: python3-xarray or python3-h5netcdf not installed"
fi

finish forecast_test
