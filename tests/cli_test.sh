#!/usr/bin/env bash
# cli_test.sh - the twincast command as a user meets it: help, version,
# exit statuses, messages for bad input, the HDF5 file it writes (read back
# with h5dump and h5diff), appending epochs, and thread-count invariance.
# Usage: cli_test.sh TWINCAST INPUTS_DIR
set -u
TC=$1
IN=$2
WORK=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$WORK"' EXIT

check "--help exits 0"            run 0 "$TC" --help
check "--help shows usage"        has "usage: twincast COMMAND"
check "forecast --help"           run 0 "$TC" forecast --help
check "forecast --help options"   has "--replications"
check "forecast --help: no printf escapes left" hasnt "%%"
check "--version"                 run 0 "$TC" --version
check "--version text"            has "twincast [0-9]"
check "no command: status 2"      run 2 "$TC"
check "unknown command: 2"        run 2 "$TC" frobnicate
check "missing model: 2"          run 2 "$TC" forecast
check "n = 0: 2"                  run 2 "$TC" forecast "$IN/mm1.yaml" -n 0
check "n = 0 message"             has "\-n must be from 1"
check "bad seed: 2"               run 2 "$TC" forecast "$IN/mm1.yaml" --seed -4
check "bad horizon: 2"            run 2 "$TC" forecast "$IN/mm1.yaml" --horizon 3weeks
check "no such model: 2"          run 2 "$TC" forecast "$WORK/none.yaml"
check "no such model message"     has "none.yaml: cannot open"

printf 'stations:\n  A: {process: {dist: exponential, mean: 1}}\nsources:\n  s: {interarrival: {dist: exponential, mean: 1}, route: [A]}\nhorizn: 8h\n' >"$WORK/typo.yaml"
check "misspelt key: 2"           run 2 "$TC" forecast "$WORK/typo.yaml"
check "misspelt key file:line:col" has "typo.yaml:5:1: unknown key 'horizn'"

check "unwritable output: 2"      run 2 "$TC" forecast "$IN/mm1.yaml" -n 5 -o "$WORK/no/such/dir/out.h5"
check "unwritable output message" has "cannot create"
echo "precious" >"$WORK/notes.txt"
check "foreign output: 2"         run 2 "$TC" forecast "$IN/mm1.yaml" -n 5 -o "$WORK/notes.txt"
check "foreign output untouched"  grep -qx precious "$WORK/notes.txt"

# The file: per-replication datasets (replication, station) with names.
# (one start for both thread counts: the time axis's CF units name it, so runs started at other seconds differ there)
START=(--start 2026-12-01T08:00:00Z)
check "forecast writes a file"    run 0 "$TC" forecast "$IN/factory.yaml" -n 64 --threads 1 "${START[@]}" -o "$WORK/a.h5"
check "summary names stations"    has "^C "
h5dump -H "$WORK/a.h5" >"$WORK/h" 2>&1
for d in onset_time mean_waiting utilisation throughput max_waiting station realization; do
    check "dataset $d" grep -q "DATASET \"$d\"" "$WORK/h"
done
check "onset_time is (64, 4)"     grep -A3 'DATASET "onset_time"' "$WORK/h" | grep -q "( 64, 4 )"
check "latest is a soft link"     bash -c "h5dump -H -g /forecasts/latest '$WORK/a.h5' | grep -q 'GROUP \"/forecasts/latest\"'"
check "station names"             bash -c "h5dump -d /forecasts/000001/baseline/station '$WORK/a.h5' | grep -q '\"C\"'"
# the run's own time, from the start to the file written: positive and below the process's life
check "wall_seconds measured"     $PY -c "
import h5py, sys
w = h5py.File('$WORK/a.h5', 'r')['forecasts/000001'].attrs['wall_seconds']
print('     wall_seconds', w)
sys.exit(not 0 < w < 60)"

# Same seed, other thread count: bit-identical.  Other seed: different.
check "2 threads"                 run 0 "$TC" forecast "$IN/factory.yaml" -n 64 --threads 2 "${START[@]}" -o "$WORK/b.h5"
check "1 vs 2 threads identical"  h5diff -q "$WORK/a.h5" "$WORK/b.h5" /forecasts/000001/baseline /forecasts/000001/baseline
check "other seed"                run 0 "$TC" forecast "$IN/factory.yaml" -n 64 --seed 7 -o "$WORK/c.h5"
check "other seed differs"        bash -c "! h5diff -q '$WORK/a.h5' '$WORK/c.h5' /forecasts/000001/baseline/mean_waiting /forecasts/000001/baseline/mean_waiting"

# Appending: a second epoch, the first one untouched, latest moved.
cp "$WORK/a.h5" "$WORK/a0.h5"
check "append a second epoch"     run 0 "$TC" forecast "$IN/factory.yaml" -n 32 -o "$WORK/a.h5"
check "epoch 000002 announced"    has "epoch 000002 in"
check "epoch 1 unchanged"         h5diff -q "$WORK/a0.h5" "$WORK/a.h5" /forecasts/000001 /forecasts/000001
check "latest -> 000002"          bash -c "h5dump -H -g /forecasts/latest '$WORK/a.h5' | grep -q '( 32, 4 )'"

# Products: per-replication (realization, product) datasets, their summary, the report's table and
# JSON, and a merge that keeps them.
cat >"$WORK/products.yaml" <<'YAML'
name: products
time_unit: min
horizon: 8h
seed: 11
stations:
  press: {servers: 2, process: {dist: gamma, mean: 2.0, sd: 0.5}, setup: {dist: constant, value: 1}}
  oven: {servers: 2, batch: {size: 4, max_wait: 30}, process: {dist: constant, value: 20}}
  qc: {process: {dist: exponential, mean: 0.9}}
sources:
  widget:
    interarrival: {dist: exponential, mean: 3.0}
    route: [press, oven, {station: qc, rework: {p: 0.2, to: press}, scrap: 0.1}]
  gadget:
    interarrival: {dist: exponential, mean: 5.0}
    priority: 1
    route: [{station: press, process: {dist: gamma, mean: 4.0, sd: 0.8}}, qc]
scenarios:
  faster_qc: [{at: 0, set: qc.process.mean, value: 0.5}]
  less_scrap: [{at: 0, set: widget.qc.scrap, value: 0.01}]
YAML
check "products: forecast"        run 0 "$TC" forecast "$WORK/products.yaml" -n 40 --scenario faster_qc -o "$WORK/prod.h5"
check "products: report table"    bash -c "'$TC' report '$WORK/prod.h5' | grep -q '^widget .*[0-9]' && '$TC' report '$WORK/prod.h5' | grep -q '^gadget '"
check "products: datasets, summary and JSON agree" $PY -c "
import h5py, json, subprocess, sys, numpy as np
g = h5py.File('$WORK/prod.h5', 'r')['forecasts/latest/baseline']
names = [p.decode() for p in g['product'][()]]
ok = names == ['widget', 'gadget'] and all(g[d].shape == (40, 2) for d in
     ('completed', 'scrapped', 'reworks_per_job', 'time_in_system'))
ps = g['product_summary'][()]
ok = ok and np.allclose(ps['completed_mean'], g['completed'][()].mean(axis=0))
ok = ok and ps['scrapped_mean'][0] > 0 and ps['scrapped_mean'][1] == 0 and ps['reworks_mean'][0] > 0
j = json.loads(subprocess.run(['$TC', 'report', '$WORK/prod.h5', '--format', 'json'], capture_output=True).stdout)
pj = j['scenarios'][0]['products']
ok = ok and [p['product'] for p in pj] == names and abs(pj[0]['scrapped'] - ps['scrapped_mean'][0]) < 1e-6
print('     widget: completed %.1f, scrapped %.1f, reworks/job %.3f' % (ps['completed_mean'][0], ps['scrapped_mean'][0], ps['reworks_mean'][0]))
sys.exit(not ok)"
check "products: changeovers and batches in the report" bash -c "'$TC' report '$WORK/prod.h5' | grep -Eq '^press +0\.[0-9]+ \[' && '$TC' report '$WORK/prod.h5' | grep -Eq '^oven +- +[1-4]\.[0-9]+ \['"
check "products: setup_batch_summary is the mean of mean_batch" $PY -c "
import h5py, numpy as np, sys
g = h5py.File('$WORK/prod.h5')['forecasts/latest/baseline']
sb = g['setup_batch_summary'][()]
mb = g['mean_batch'][()]
ok = abs(sb['batch_mean'][1] - np.nanmean(mb[:, 1])) < 1e-9 and np.isnan(sb['batch_mean'][0])
ok = ok and abs(sb['setup_mean'][0] - g['setup'][()][:, 0].mean()) < 1e-12 and 1 <= sb['batch_mean'][1] <= 4
sys.exit(not ok)"
check "products: a second scenario file" run 0 "$TC" forecast "$WORK/products.yaml" -n 40 --scenario less_scrap -o "$WORK/prod2.h5"
check "products: merge keeps them" run 0 "$TC" merge "$WORK/merged.h5" "$WORK/prod.h5" "$WORK/prod2.h5"
check "products: merged datasets are the inputs'" $PY -c "
import h5py, sys, numpy as np
a = h5py.File('$WORK/prod2.h5', 'r')['forecasts/latest/less_scrap']
m = h5py.File('$WORK/merged.h5', 'r')['forecasts/latest/less_scrap']
sys.exit(not (np.array_equal(a['scrapped'][()], m['scrapped'][()]) and 'product_summary' in m))"

# Issue 15: the rows stream to the file a round at a time (the same bits for any round size), or are
# not kept at all (--keep none: summaries, bands and onset statistics as before; merge says why not).
KA=(forecast "$IN/factory.yaml" --state "$IN/state_b_down.json" --scenario overtime_C -n 300 --seed 4 --start 2026-12-07T06:00:00Z -q)
check "rounds: one round"          run 0 "$TC" "${KA[@]}" -o "$WORK/round1.h5"
check "rounds: rounds of 7"        run 0 env TWINCAST_ROUND=7 "$TC" "${KA[@]}" -o "$WORK/round7.h5"
check "rounds: the same file"      bash -c "h5diff -q '$WORK/round1.h5' '$WORK/round7.h5' /forecasts/000001/baseline /forecasts/000001/baseline && h5diff -q '$WORK/round1.h5' '$WORK/round7.h5' /forecasts/000001/overtime_C /forecasts/000001/overtime_C"
check "keep none"                  run 0 "$TC" "${KA[@]}" --keep none -o "$WORK/none.h5"
check "keep none: no rows, same summaries" $PY -c "
import h5py, sys, numpy as np
a = h5py.File('$WORK/round1.h5', 'r')['forecasts/latest/overtime_C']
n = h5py.File('$WORK/none.h5', 'r')['forecasts/latest/overtime_C']
ok = 'onset_time' not in n and 'realization' not in n and 'onset_time' in a
for d in ('summary', 'waiting_quantiles', 'bottleneck_probability', 'product_summary'):
    ok = ok and a[d][()].tobytes() == n[d][()].tobytes()
sys.exit(not ok)"
check "keep none: merge refuses"   run 2 "$TC" merge "$WORK/nm.h5" "$WORK/none.h5"
has "written with --keep none"
check "keep: bad value"            run 2 "$TC" "${KA[@]}" --keep some -o "$WORK/bad.h5"
has "--keep must be scalars or none"

# A model name is free text: JSON output escapes it so that any JSON or YAML reader takes it back.
printf 'name: "Line \\"5\\" \\\\ \\x7f\\u2028"\nstations:\n  A: {process: {dist: exponential, mean: 1}}\nsources:\n  s: {interarrival: {dist: exponential, mean: 1.5}, route: [A]}\n' >"$WORK/odd.yaml"
check "odd model name"            run 0 "$TC" forecast "$WORK/odd.yaml" -n 8 -q -o "$WORK/odd.h5"
check "odd name in report json"   bash -c "'$TC' report '$WORK/odd.h5' --format json | $PY -c \"
import json, sys
raw = sys.stdin.buffer.read()  # a raw DEL or U+2028 would trouble YAML readers
sys.exit(b'\\x7f' in raw or b'\\xe2\\x80\\xa8' in raw or
         json.loads(raw)['model'] != 'Line \\\"5\\\" \\\\\\\\ \\x7f\\u2028')\""

# The plant's clock: a zone in the model, --start for a forecast without a state; the file's start,
# its time axis in CF units, and onsets as the plant's wall-clock time in the report.
printf 'timezone: Europe/Berlin\nstart: 2026-12-07T06:00:00+01:00\nstations:\n  A: {process: {dist: exponential, mean: 0.95}, threshold: 3}\nsources:\n  s: {interarrival: {dist: exponential, mean: 1}, route: [A]}\n' >"$WORK/clock.yaml"
check "bad --start: 2"            run 2 "$TC" forecast "$WORK/clock.yaml" -n 5 --start 2026-12-11T21:30:00
check "bad --start message"       has "\-\-start must be an ISO-8601 time with a zone"
check "forecast --start"          run 0 "$TC" forecast "$WORK/clock.yaml" -n 50 -q --start 2026-12-11T21:30:00+01:00 -o "$WORK/clock.h5"
check "onset at the plant's clock" grep -Eq '^A .* at (Fri|Sat) [0-9]{2}:[0-9]{2} Europe/Berlin$' "$WORK/out"
check "start, zone and time axis in the file" $PY -c "
import h5py, sys
e = h5py.File('$WORK/clock.h5', 'r')['forecasts/latest']
u = e['baseline/time'].attrs['units']
u = u.decode() if isinstance(u, bytes) else u
a = e.attrs['as_of']; z = e.attrs['timezone']
a = a.decode() if isinstance(a, bytes) else a; z = z.decode() if isinstance(z, bytes) else z
sys.exit(not (a == '2026-12-11T21:30:00+01:00' and z == 'Europe/Berlin' and u == 'minutes since 2026-12-11 20:30:00'))"
check "the model's start without --start" run 0 "$TC" forecast "$WORK/clock.yaml" -n 10 -q -o "$WORK/clock2.h5"
check "as_of is the model's start" bash -c "h5dump -a /forecasts/latest/as_of '$WORK/clock2.h5' | grep -q '2026-12-07T05:00:00Z'"

# the emulator: help, its bad input, a drift applied
check "emulate --help"            run 0 "$TC" emulate --help
check "emulate --help options"    has "--drift PATH=VALUE@TIME"
check "emulate: no model: 2"      run 2 "$TC" emulate
check "emulate: bad drift path: 2" run 2 "$TC" emulate "$IN/mm1.yaml" --drift server.proces.mean=2@2026-12-01T06:00:00Z
check "emulate: bad drift message" has "unknown parameter path 'server.proces.mean'"
check "emulate: drift out of range: 2" run 2 "$TC" emulate "$IN/mm1.yaml" --start 2026-12-01T00:00:00Z \
    --drift server.process.mean=-2@2026-12-01T06:00:00Z
check "emulate: out of range message" has "server.process.mean: value -2 is out of range"
check "emulate: drift outside the run: 2" run 2 "$TC" emulate "$IN/mm1.yaml" --start 2026-12-01T00:00:00Z --days 1 \
    --drift server.process.mean=2@2026-12-05T06:00:00Z
check "emulate: outside message"  has "is outside the emulated time"
check "emulate: --days and --until: 2" run 2 "$TC" emulate "$IN/mm1.yaml" --days 1 --until 2026-12-05T06:00:00Z
check "emulate 6 h of mm1"        run 0 "$TC" emulate "$IN/mm1.yaml" --start 2026-12-01T00:00:00Z --days 6h \
    -o "$WORK/mm1.jsonl"
check "emulated: arrivals, starts and finishes in time order" $PY -c "
import json, sys
ev = [json.loads(l) for l in open('$WORK/mm1.jsonl')]
kinds = {e['type'] for e in ev}
ts = [e['ts'] for e in ev]
sys.exit(not (kinds == {'arrive', 'start', 'finish'} and ts == sorted(ts) and 200 < len(ev) < 5000))"

finish cli_test
