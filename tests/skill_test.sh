#!/usr/bin/env bash
# skill_test.sh - the twin scores its own forecasts against what the plant
# then did, and calibration shows in the scores (issue 14).  Twenty emulated
# days of factory.yaml in which orders really arrive 15% faster than the
# model says are replayed with epochs every 2 h and C's onset is scored:
# without calibration the PIT shows the bias (outcomes earlier than
# forecast); calibrating, the twin's interval covers the true rate, the PIT
# passes, the 90% band covers 0.80 to 0.97 of realized onsets and the CRPS
# falls.  An emulated log of the model itself passes the same way; with few
# observations, drawing parameters from the posterior widens the forecasts
# and brings their coverage closer to nominal.
# Part "closed-loop" is the long one (about a minute; ctest skill_closed_loop,
# label "load": run once, not again under the sanitizers); part "table" checks
# the /skill table, score's options and errors on short logs (ctest skill).
# Usage: skill_test.sh TWINCAST MPIEXEC INPUTS_DIR closed-loop|table
set -u
TC=$1
MPIEXEC=$2
IN=$3
PART=$4
WORK=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$WORK"' EXIT
DAYS=(--start 2026-12-01T06:00:00Z --days 20)
R=(-n 200 --interval 2h -q --threads 2)
calibrated() {  # calibrated FILE EXTRA: factory.yaml with a calibration block
    cp "$IN/factory.yaml" "$1"
    echo "calibration: {params: [orders.interarrival, B.process, C.process], change_detection: off, $2}" >>"$1"
}
calibrated "$WORK/cal.yaml" "prior_weight: 20, half_life: 1000h"
if [ "$PART" = closed-loop ]; then
calibrated "$WORK/few.yaml" "prior_weight: 2, half_life: 20min"
calibrated "$WORK/fewu.yaml" "prior_weight: 2, half_life: 20min, uncertainty: true"

check "emulate 20 days, orders 15% faster" bash -c "'$TC' emulate '$IN/factory.yaml' ${DAYS[*]} \
    --drift orders.interarrival.mean=0.87@2026-12-01T06:00:00Z -o '$WORK/fast.jsonl' 2>/dev/null"
check "emulate 20 days of the model itself" bash -c "'$TC' emulate '$IN/factory.yaml' ${DAYS[*]} --seed 7 \
    -o '$WORK/right.jsonl' 2>/dev/null"
for run in "nocal $IN/factory.yaml fast" "cal $WORK/cal.yaml fast" "right $IN/factory.yaml right" \
           "few $WORK/few.yaml fast" "fewu $WORK/fewu.yaml fast"; do
    set -- $run
    check "replay and score: $1" bash -c "'$TC' replay '$2' '$WORK/$3.jsonl' ${R[*]} -o '$WORK/$1.h5' >/dev/null && \
        '$TC' score '$WORK/$1.h5' --station C --json >'$WORK/$1.json'"
done
"$TC" score "$WORK/cal.h5" --station C | sed 's/^/     /'
check "scores as the issue asks" $PY - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
s = {k: json.load(open(f'{w}/{k}.json'))['stations'][0] for k in ('nocal', 'cal', 'right', 'few', 'fewu')}
for k, v in s.items():
    print(f"     {k:5s} PIT chi2 p {v['pit_p']:.3g} ({v['spaced']} spaced), bias mean {v['pit_bias_mean']:.3f} "
          f"p {v['pit_bias_p']:.3g}; band {v['band_coverage']:.3f} of {v['band_n']}; central {v['pit_cover90']:.3f}; "
          f"CRPS {v['crps']:.1f} (reference {v['crps_reference']:.1f}); spread {v['spread']:.1f}")
ok = True
def need(what, cond):
    global ok
    if not cond:
        print(f'     not so: {what}')
        ok = False
need('without calibration the PIT rejects: outcomes earlier than forecast',
     s['nocal']['pit_bias_p'] < 0.01 and s['nocal']['pit_bias_z'] < 0)
for k in ('cal', 'right'):
    need(f'{k}: the PIT passes', s[k]['pit_p'] > 0.01 and s[k]['pit_bias_p'] > 0.01)
    need(f'{k}: the 90% band covers 0.80 to 0.97 of realized onsets', 0.80 <= s[k]['band_coverage'] <= 0.97)
    need(f'{k}: C formed in enough epochs to tell', s[k]['band_n'] >= 50 and s[k]['spaced'] >= 50)
    need(f'{k}: the live state beats the empty plant', s[k]['crps'] < s[k]['crps_reference'])
need('calibration lowers the CRPS', s['cal']['crps'] < s['nocal']['crps'])
need('few observations: input uncertainty widens the forecasts', s['fewu']['spread'] > 1.05 * s['few']['spread'])
need('few observations: and brings their coverage closer to 0.9',
     abs(s['fewu']['pit_cover90'] - 0.9) < abs(s['few']['pit_cover90'] - 0.9))
sys.exit(not ok)
PY
check "after the first day the interval of the interarrival mean covers 0.87" $PY - "$WORK/cal.h5" <<'PY'
import h5py, sys
f = h5py.File(sys.argv[1], 'r')
n = bad = 0
for k, g in f['forecasts'].items():
    a = g.attrs['as_of']
    if k == 'latest' or (a.decode() if isinstance(a, bytes) else a) < '2026-12-02T06:00':
        continue
    r = [x for x in g['calibration'][()] if x['path'].decode() == 'orders.interarrival.mean'][0]
    n += 1
    bad += not r['ci_lo'] <= 0.87 <= r['ci_hi']
print(f'     {n - bad} of {n} epochs')
sys.exit(not (n > 200 and bad == 0))
PY
check "/skill opens in xarray, with CF flags" $PY - "$WORK/cal.h5" <<'PY'
import sys, xarray as xr, numpy as np
d = xr.open_dataset(sys.argv[1], group='skill', engine='h5netcdf')
o = d['outcome']
ok = dict(d.sizes) == {'score': d.sizes['score'], 'lead': 1} and d.sizes['score'] > 1000
ok = ok and list(o.attrs['flag_values']) == [-1, 0, 1] and o.attrs['flag_meanings'].split()[2] == 'formed'
ok = ok and d['lead'].attrs['units'] == 'min' and float(d['lead'][-1]) == 480
ok = ok and np.all(np.diff(d['epoch'].values) >= 0) and set(np.unique(d['station'].values)) == {'A', 'B', 'C', 'D'}
sys.exit(not ok)
PY
finish skill_test_closed_loop
exit
fi

# The table is the same whatever the split of ranks and threads, and leads add Brier columns.
check "emulate 3 days"           bash -c "'$TC' emulate '$IN/factory.yaml' --start 2026-12-01T06:00:00Z --days 3 \
    --drift orders.interarrival.mean=0.87@2026-12-01T06:00:00Z -o '$WORK/f3.jsonl' 2>/dev/null"
L=(replay "$WORK/cal.yaml" "$WORK/f3.jsonl" -n 100 --interval 2h -q --score-leads 30min,2h)
check "scores: 1 rank x 2 threads" bash -c "'$TC' ${L[*]} --threads 2 -o '$WORK/s1.h5' >/dev/null"
check "scores: 2 ranks x 1 thread" bash -c "'$MPIEXEC' -n 2 '$TC' ${L[*]} --threads 1 -o '$WORK/s2.h5' >/dev/null 2>&1"
check "scores: the same /skill"   h5diff -q "$WORK/s1.h5" "$WORK/s2.h5" /skill /skill
check "scores: leads 30, 120 and the horizon" $PY -c "
import h5py, sys
sys.exit(not list(h5py.File('$WORK/s1.h5', 'r')['skill/lead'][:]) == [30, 120, 480])"
check "score: Brier within each lead" run 0 "$TC" score "$WORK/s1.h5" --station C --no-reference
check "score: the 30-minute line"  has "Brier <= 30 "
check "a second run must score the same leads" run 1 "$TC" replay "$WORK/cal.yaml" "$WORK/f3.jsonl" -n 20 -q \
    --interval 2h --score-leads 1h -o "$WORK/s1.h5"
check "the error names the leads"  has "scores other lead times"
check "--no-score: no table"       bash -c "'$TC' replay '$IN/factory.yaml' '$WORK/f3.jsonl' -n 20 -q --interval 4h \
    --no-score -o '$WORK/none.h5' >/dev/null"
check "score: no table, a clear error" run 2 "$TC" score "$WORK/none.h5"
check "the error says why"         has "no /skill table yet"
check "score: unknown station"     run 2 "$TC" score "$WORK/s1.h5" --station X
check "score: bad spacing"         run 2 "$TC" score "$WORK/s1.h5" --spacing soon
check "score: not a file"          run 2 "$TC" score "$WORK/nothing.h5"
check "--score-leads beyond the horizon" run 2 "$TC" replay "$IN/factory.yaml" "$WORK/f3.jsonl" --score-leads 9h \
    -o "$WORK/x.h5"

# On a calendar the empty-plant reference depends on the clock: one run per start.
check "plant.yaml: emulate, replay, score" bash -c "'$TC' emulate '$IN/plant.yaml' --days 2 -o '$WORK/p.jsonl' \
    2>/dev/null && '$TC' replay '$IN/plant.yaml' '$WORK/p.jsonl' -n 40 -q --interval 4h -o '$WORK/p.h5' \
    >/dev/null && '$TC' score '$WORK/p.h5' --json >'$WORK/p.json'"
check "plant.yaml: a reference per start" $PY -c "
import json, sys
r = json.load(open('$WORK/p.json'))
sys.exit(not (r['reference_runs'] > 5 and all(s['scored'] > 5 for s in r['stations'])))"

finish skill_test_table
