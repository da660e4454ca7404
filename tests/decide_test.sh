#!/usr/bin/env bash
# decide_test.sh - `twincast decide` end to end, under a real mpirun: the
# story (B down in the factory: the model's four responses ranked, the
# recommendation with its guarantee, as a table and as JSON), bit-identical
# decisions for any split of ranks and threads, the cap without a
# guarantee, and bad input (exit 2, naming the field).  The procedure's
# statistical guarantee itself is tested in test_select.
# Usage: decide_test.sh TWINCAST MPIEXEC INPUTS_DIR
set -u
TC=$1
MPIEXEC=$2
IN=$3
WORK=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$WORK"' EXIT

ARGS=(decide "$IN/factory.yaml" --state "$IN/state_b_down.json" --delta 2 --seed 7)

check "the story: a table"          run 0 "$TC" "${ARGS[@]}" --threads 2
check "  names the best response"   has "best response: "
check "  with its guarantee"        has "chosen with probability >= 0.95 if it is at least 2 better"
check "  against Rinott"            has "Rinott's two-stage procedure would need about"
sed 's/^/     | /' "$WORK/out" | head -12

check "the story: JSON, 1 rank x 1 thread" bash -c "'$TC' ${ARGS[*]} --threads 1 --format json >'$WORK/d1.json' 2>/dev/null"
check "  the recommendation object" $PY -c "
import json, sys
r = json.load(open('$WORK/d1.json'))
names = [a['response'] for a in r['alternatives']]
best = [a for a in r['alternatives'] if a['response'] == r['response']][0]
ok = names == ['do_nothing', 'overtime_C', 'expedite_B', 'slow_release', 'overtime_and_expedite'] and r['pcs'] == 0.95 and r['delta'] == 2
ok = ok and r['guaranteed'] and r['ci'][0] <= r['objective'] <= r['ci'][1] and best['eliminated_at'] is None
ok = ok and all(a['eliminated_at'] is not None for a in r['alternatives'] if a is not best)
ok = ok and r['replications'] == sum(a['replications'] for a in r['alternatives']) < r['rinott_replications']
ok = ok and best['mcb'][1] == 0 and all(a['mcb'][0] == 0 for a in r['alternatives'] if a is not best)
print('     %s, objective %.2f [%.2f, %.2f]; %d replications used vs Rinott %d' % (r['response'], r['objective'],
      r['ci'][0], r['ci'][1], r['replications'], r['rinott_replications']))
sys.exit(not ok)"
same_decision() {  # same_decision A.json B.json: identical but for replications_run
    diff <(sed 's/, "replications_run": [0-9]*//' "$1") <(sed 's/, "replications_run": [0-9]*//' "$2") >/dev/null
}
check "mpirun -np 3 x 1 thread"     bash -c "'$MPIEXEC' -n 3 '$TC' ${ARGS[*]} --threads 1 --format json >'$WORK/d3.json' 2>/dev/null"
check "mpirun -np 2 x 2 threads"    bash -c "'$MPIEXEC' -n 2 --bind-to none '$TC' ${ARGS[*]} --threads 2 --format json >'$WORK/d4.json' 2>/dev/null"
check "  the same decision, 3x1"    same_decision "$WORK/d1.json" "$WORK/d3.json"
check "  the same decision, 2x2"    same_decision "$WORK/d1.json" "$WORK/d4.json"
check "two responses only"          run 0 "$TC" "${ARGS[@]}" --responses do_nothing,overtime_C --format json
check "  just those two"            $PY -c "
import json, sys; r = json.loads([l for l in open('$WORK/out') if l.startswith('{')][0])
sys.exit(not [a['response'] for a in r['alternatives']] == ['do_nothing', 'overtime_C'])"
check "the cap: no guarantee"       run 0 "$TC" "${ARGS[@]}" --delta 0.001 --max-replications 30
check "  says so"                   has "no guarantee: --max-replications reached"

# kept in the file: /decisions/NNNNNN, read back by report, h5py and xarray
check "decide -o"                   bash -c "'$TC' ${ARGS[*]} --threads 1 --format json -o '$WORK/dec.h5' >'$WORK/o.json' 2>/dev/null"
check "  the same decision as without -o" same_decision "$WORK/d1.json" "$WORK/o.json"
check "report --decisions --format json: what decide printed" \
    bash -c "'$TC' report '$WORK/dec.h5' --decisions --format json | cmp -s - '$WORK/o.json'"
check "report --decisions: the table" run 0 "$TC" report "$WORK/dec.h5" --decisions
check "  numbered"                  has "decision 000001"
check "  ranked"                    has "best response: "
check "a second decision appends"   bash -c "'$TC' ${ARGS[*]} --threads 1 -o '$WORK/dec.h5' >/dev/null 2>&1"
check "  numbered 2"                bash -c "'$TC' report '$WORK/dec.h5' --decisions | grep -q 'decision 000002'"
check "the file: each mean is that of the objective values the procedure used" $PY -c "
import h5py, numpy as np, sys
import xarray as xr
g = h5py.File('$WORK/dec.h5', 'r')['decisions/000001']
obj, mean, reps = g['objective'][()], g['mean'][()], g['replications'][()]
used = (~np.isnan(obj)).sum(axis=0)
ok = np.array_equal(used, reps) and np.allclose(np.nanmean(obj, axis=0), mean, rtol=0, atol=1e-9)
names = [n.decode() for n in g['response'][()]]
alive = [i for i in range(len(names)) if g['eliminated_at'][i] == 0]
ok = ok and obj.shape == (g.attrs['stages'], 5) and alive == [int(np.argmin(mean))]
ok = ok and g.attrs['selected'].decode() == names[alive[0]]
d = xr.open_dataset('$WORK/dec.h5', group='decisions/000001', engine='h5netcdf')
ok = ok and d.objective.dims == ('stage', 'response') and list(d.response.values)[0] == 'do_nothing'
print('     objective %s, replications %s' % (obj.shape, list(reps)))
sys.exit(not ok)"
check "report --decisions without any" run 2 "$TC" report "$WORK/d1.json" --decisions
check "report --decisions, a forecast file" bash -c "'$TC' forecast '$IN/line5.yaml' -n 10 -q -o '$WORK/f.h5' >/dev/null 2>&1 && '$TC' report '$WORK/f.h5' --decisions 2>&1 | grep -q 'no decisions (twincast decide -o writes them)'"

# the live twin: replay --decide, one decision per completed epoch, in the message and the file
EV=$IN/events/b_breakdown.jsonl
check "replay --decide"             bash -c "'$TC' replay '$IN/factory.yaml' '$EV' -n 100 --threads 1 --decide --delta 2 -o '$WORK/twin.h5' >'$WORK/m1.jsonl' 2>/dev/null"
check "  each message's recommendation is its epoch's decision in the file" $PY - "$TC" "$WORK" <<'PY'
import json, subprocess, sys
tc, work = sys.argv[1], sys.argv[2]
msgs = [json.loads(l) for l in open(work + "/m1.jsonl")]
ok = len(msgs) > 3
for m in msgs:
    out = subprocess.run([tc, "report", work + "/twin.h5", "--decisions", "--epoch", str(m["epoch"]), "--format", "json"],
                         capture_output=True, text=True)
    ok = ok and out.returncode == 0 and json.loads(out.stdout) == m["recommendation"]
picks = [m["recommendation"]["response"] for m in msgs]
print("     %d epochs; recommended: %s" % (len(msgs), ", ".join(picks)))
sys.exit(not ok)
PY
check "replay --decide, mpirun -np 2" bash -c "'$MPIEXEC' -n 2 --bind-to none '$TC' replay '$IN/factory.yaml' '$EV' -n 100 --threads 1 --decide --delta 2 >'$WORK/m2.jsonl' 2>/dev/null"
check "  the same messages but for replications_run" same_decision "$WORK/m1.jsonl" "$WORK/m2.jsonl"
check "serve --decide (mock cluster)" bash -c "'$TC' serve '$IN/factory.yaml' --brokers mock --replay '$EV' --speed 200 --debounce 200ms --interval 1s -n 100 --threads 1 --exit-when-idle 4s --decide --delta 2 -q -o '$WORK/served.h5' >/dev/null 2>&1"
check "  a decision for every completed epoch" $PY -c "
import h5py, sys
f = h5py.File('$WORK/served.h5', 'r')
done = [k for k in f['forecasts'] if k != 'latest' and f['forecasts'][k].attrs['status'].decode() == 'completed']
dec = sorted(f['decisions'])
print('     %d epochs completed, decisions %s' % (len(done), ', '.join(dec)))
sys.exit(not (done and dec == sorted(done) and all(f['decisions'][k].attrs['guaranteed'] in (0, 1) for k in dec)))"
check "  report --decisions reads the latest" bash -c "'$TC' report '$WORK/served.h5' --decisions | grep -q 'best response'"
check "replay --decide on a model without responses" run 2 "$TC" replay "$IN/line5.yaml" "$EV" --decide --delta 1
check "  says so"                   has "deciding needs the model's 'responses'"

# bad input: exit 2, naming the field
check "unknown response"            run 2 "$TC" "${ARGS[@]}" --responses do_nothing,overtime_D
check "  names it"                  has "unknown response 'overtime_D'"
check "delta 0"                     run 2 "$TC" "${ARGS[@]}" --delta 0
check "  names it"                  has "\-\-delta must be > 0"
check "delta negative"              run 2 "$TC" "${ARGS[@]}" --delta -1
check "confidence 0.5"              run 2 "$TC" "${ARGS[@]}" --confidence 0.5
check "  names it"                  has "\-\-confidence must be in (0.5, 1)"
check "confidence 1"                run 2 "$TC" "${ARGS[@]}" --confidence 1
check "n0 4"                        run 2 "$TC" "${ARGS[@]}" --n0 4
check "  names it"                  has "\-\-n0 must be from 5"
check "no delta anywhere"           run 2 "$TC" decide "$IN/factory.yaml"
check "  asks for it"               has "\-\-delta: give the indifference zone"
check "a model without responses"   run 2 "$TC" decide "$IN/line5.yaml" --delta 1
check "  says so"                   has "deciding needs the model's 'responses'"
bad_model() {  # bad_model NAME YAML-FRAGMENT EXPECTED-TEXT: the factory's objective replaced
    sed '/^objective:/,$d' "$IN/factory.yaml" >"$WORK/$1.yaml"
    printf '%s\n' "$2" >>"$WORK/$1.yaml"
    check "model: $1"               run 2 "$TC" decide "$WORK/$1.yaml" --delta 1
    check "  names it"              has "$3"
}
bad_model measure "objective: {terms: [{measure: speed, station: C}]}" "measure.yaml:[0-9]*:[0-9]*: objective term 1: unknown measure 'speed'"
bad_model station "objective: {terms: [{measure: mean_waiting, station: Q}]}" "objective term 1: unknown station 'Q'"
bad_model product "objective: {terms: [{measure: completed, product: gadgets}]}" "objective term 1: unknown product 'gadgets'"
bad_model no_station "objective: {terms: [{measure: onset}]}" "objective term 1: 'onset' needs a 'station'"
bad_model cost "objective: {terms: [{measure: onset, station: C}], cost: {overtime_D: 3}}" "cost: unknown response 'overtime_D'"
bad_model delta "objective: {terms: [{measure: onset, station: C}], delta: -2}" "'delta' must be > 0"

finish decide_test
