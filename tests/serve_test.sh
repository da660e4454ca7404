#!/usr/bin/env bash
# serve_test.sh - the live twin against a real Kafka protocol peer
# (librdkafka's mock cluster, started by tests/mockcluster) with kcat as an
# independent producer and consumer: epochs in the file and on the forecast
# topic, the forecast equal to `forecast` from the same state snapshot,
# malformed messages counted and copied to the DLQ, a restart resuming from
# the committed offsets without losing or duplicating anything, SIGTERM, and
# no secret from --kafka-config in any log, file or message.
# Usage: serve_test.sh TWINCAST MOCKCLUSTER MPIEXEC INPUTS_DIR
set -u
TC=$1
MC=$2
MPIEXEC=$3
IN=$4
WORK=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
cleanup() {
    [ -n "${MCPID:-}" ] && kill "$MCPID" 2>/dev/null && wait "$MCPID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v kcat >/dev/null; then
    echo "serve_test: kcat is not installed (apt-get install kcat)"
    exit 1
fi
"$MC" "$WORK/bs" plant.events plant.forecasts plant.events.dlq &
MCPID=$!
for i in $(seq 50); do [ -s "$WORK/bs" ] && break; sleep 0.1; done
BS=$(cat "$WORK/bs")
check "mock cluster up" test -n "$BS"

# the demo plant under a name that needs escaping in every JSON message
MODEL=$WORK/factory.yaml
sed 's/^name: .*/name: "factory \\"north\\" \\\\ hall"/' "$IN/factory.yaml" >"$MODEL"
check "model renamed" grep -q 'north' "$MODEL"

SECRET=s3cret-never-logged-$$
cat >"$WORK/kafka.conf" <<CONF
# test settings: the mock cluster rejoins groups slowly otherwise
session.timeout.ms=6000
sasl.password=$SECRET
CONF
head -19 "$IN/events/b_breakdown.jsonl" >"$WORK/part1.jsonl"
tail -n +20 "$IN/events/b_breakdown.jsonl" >"$WORK/part2.jsonl"
{
    echo 'this is not json'
    echo '{"ts": "2026-12-01T08:04:00Z", "type": "waiting", "station": "Z", "value": 3}'
    echo '{"ts": "yesterday", "type": "down", "station": "A"}'
} >"$WORK/bad.jsonl"
kcat -P -b "$BS" -t plant.events -l "$WORK/part1.jsonl"
kcat -P -b "$BS" -t plant.events -l "$WORK/bad.jsonl"

SERVE=(serve "$MODEL" --brokers "$BS" --kafka-config "$WORK/kafka.conf" --dlq -n 400 --threads 2
       --exit-when-idle 3s -o "$WORK/twin.h5")
timeout 120 "$TC" "${SERVE[@]}" >"$WORK/log1" 2>&1
check "serve exits 0 when idle" test $? -eq 0
sed 's/^/     | /' "$WORK/log1"
check "one epoch written" bash -c "'$TC' report '$WORK/twin.h5' --format json >'$WORK/r1.json'"
check "skips counted by reason" $PY -c "
import h5py, json, sys
g = h5py.File('$WORK/twin.h5', 'r')['forecasts/latest']
c = json.loads(g.attrs['event_counters'])
st = json.loads(g['state_json'][()].decode())
k = c['skipped']
ok = c['applied'] == 19 and k['not_json'] == 1 and k['unknown_station'] == 1 and k['bad_timestamp'] == 1
ok = ok and st['stations']['B']['up'] is False and g.attrs['status'] == b'completed'
ok = ok and json.loads(g.attrs['offsets']) == {'plant.events/0': 22}
sys.exit(not ok)"
kcat -C -b "$BS" -t plant.events.dlq -o beginning -e -q -f '%h|%s\n' >"$WORK/dlq" 2>/dev/null
check "DLQ holds the 3 bad messages" test "$(wc -l <"$WORK/dlq")" -eq 3
check "DLQ reason headers" grep -q 'twincast-reason=not_json|this is not json' "$WORK/dlq"
kcat -C -b "$BS" -t plant.forecasts -o beginning -e -q >"$WORK/fc1" 2>/dev/null
check "forecast message published" test "$(wc -l <"$WORK/fc1")" -eq 1
check "message: C forms in most futures after B broke" $PY -c "
import json, sys
d = json.loads(open('$WORK/fc1').readline())
c = [s for s in d['stations'] if s['station'] == 'C'][0]
sys.exit(not (d['epoch'] == 1 and d['model'] == 'factory \"north\" \\\\ hall' and c['p_form'] > 0.5 and c['onset_ci'][0] < c['onset_mean'] < c['onset_ci'][1]))"

# the same state through `forecast`: bit-identical samples
$PY -c "
import h5py
open('$WORK/state.json', 'w').write(h5py.File('$WORK/twin.h5', 'r')['forecasts/latest/state_json'][()].decode())"
check "forecast from the snapshot" bash -c "'$TC' forecast '$MODEL' --state '$WORK/state.json' -n 400 -q -o '$WORK/f.h5' >/dev/null 2>&1"
check "same onsets as serve's epoch" h5diff -q "$WORK/twin.h5" "$WORK/f.h5" /forecasts/000001/baseline/onset_time /forecasts/000001/baseline/onset_time
check "same summary" h5diff -q "$WORK/twin.h5" "$WORK/f.h5" /forecasts/000001/baseline/summary /forecasts/000001/baseline/summary

# restart: only the new events, epochs numbered on
kcat -P -b "$BS" -t plant.events -l "$WORK/part2.jsonl"
timeout 120 "$TC" "${SERVE[@]}" >"$WORK/log2" 2>&1
check "restart exits 0" test $? -eq 0
sed 's/^/     | /' "$WORK/log2"
check "resumed from the file" grep -q "resuming from epoch 000001" "$WORK/log2"
check "only the 4 new events applied" grep -q "^twincast: 4 events applied, 0 skipped" "$WORK/log2"
check "epochs 1, 2: none lost, none twice" $PY -c "
import h5py, json, sys
f = h5py.File('$WORK/twin.h5', 'r')
eps = sorted(k for k in f['forecasts'] if k != 'latest')
g = f['forecasts/latest']
st = json.loads(g['state_json'][()].decode())
ok = eps == ['000001', '000002'] and json.loads(g.attrs['offsets']) == {'plant.events/0': 26}
ok = ok and st['stations']['B']['up'] is True and st['stations']['C']['waiting'] == 9
sys.exit(not ok)"
kcat -C -b "$BS" -t plant.forecasts -o beginning -e -q >"$WORK/fc2" 2>/dev/null
check "two forecast messages in all" test "$(wc -l <"$WORK/fc2")" -eq 2

# SIGTERM: a clean stop, exit 0, the file intact
"$TC" "${SERVE[@]/--exit-when-idle/--interval}" >"$WORK/log3" 2>&1 &
SPID=$!
sleep 4
kill -TERM "$SPID"
wait "$SPID"
check "SIGTERM: exit 0" test $? -eq 0
check "SIGTERM: file readable" bash -c "'$TC' report '$WORK/twin.h5' >/dev/null"

# a newer significant event abandons a running epoch: recorded as superseded, then a completed one
rm -f "$WORK/long.h5"
"$TC" serve "$MODEL" --brokers "$BS" --kafka-config "$WORK/kafka.conf" --group long -n 200000 \
    --threads 2 --exit-when-idle 2s -o "$WORK/long.h5" >"$WORK/log5" 2>&1 &
LPID=$!
for i in $(seq 300); do grep -q "re-forecasting" "$WORK/log5" && break; sleep 0.1; done
echo '{"ts": "2026-12-01T09:00:00Z", "type": "down", "station": "D"}' | kcat -P -b "$BS" -t plant.events
sleep 3
kill -TERM "$LPID" 2>/dev/null
wait "$LPID"
sed 's/^/     | /' "$WORK/log5"
check "superseded epoch recorded" $PY -c "
import h5py, sys
f = h5py.File('$WORK/long.h5', 'r')
st = [f['forecasts'][k].attrs['status'].decode() for k in sorted(f['forecasts']) if k != 'latest']
sys.exit(not (st and st[0] == 'superseded' and 'baseline' not in f['forecasts'][sorted(f['forecasts'])[0]]))"

# under mpirun: two ranks, same numbers as one
kcat -P -b "$BS" -t plant.events -l "$WORK/part1.jsonl" >/dev/null
timeout 120 "$MPIEXEC" -n 2 "$TC" serve "$MODEL" --brokers "$BS" --kafka-config "$WORK/kafka.conf" \
    --group other -n 400 --threads 1 --exit-when-idle 3s -q -o "$WORK/mpi.h5" >"$WORK/log4" 2>&1
check "serve under mpirun -np 2" test $? -eq 0

# the emulator as a plant that produces into Kafka: what kcat reads equals the log it writes
E=(emulate "$IN/factory.yaml" --start 2026-12-01T06:00:00Z --days 0.25 --noise dup=0.01)
check "emulate into Kafka"      run 0 "$TC" "${E[@]}" --brokers "$BS" --topic emulated.events --kafka-config "$WORK/kafka.conf"
check "emulate: all delivered"  has "delivered)"
"$TC" "${E[@]}" -o "$WORK/emulated.jsonl" 2>/dev/null
kcat -C -b "$BS" -t emulated.events -o beginning -e -q -f '%k|%s\n' >"$WORK/emulated.kcat" 2>/dev/null
check "emulate: kcat reads the same events, each station's in order, keyed by station" $PY -c "
import json, sys
def by_station(lines):
    d = {}
    for l in lines:
        d.setdefault(json.loads(l)['station'], []).append(l)
    return d
mine = open('$WORK/emulated.jsonl').read().splitlines()
kc = [l.split('|', 1) for l in open('$WORK/emulated.kcat').read().splitlines()]
keyed = all(json.loads(v)['station'] == k for k, v in kc)
sys.exit(not (len(mine) == len(kc) > 500 and keyed and by_station(mine) == by_station([v for k, v in kc])))"
check "emulate: paced by --speed" bash -c "s=\$(date +%s.%N); '$TC' emulate '$IN/factory.yaml' --days 0.02 --speed 1800 \
    --brokers '$BS' --topic emulated.paced 2>/dev/null; e=\$(date +%s.%N); \
    $PY -c \"import sys; print('     %.2f s for 28.8 min at 1800x' % (\$e - \$s)); sys.exit(not \$e - \$s > 0.9)\""
printf 'message.timeout.ms=1500\n' >"$WORK/short.conf"
check "emulate: an unreachable broker is an error" run 1 "$TC" emulate "$IN/factory.yaml" --days 0.01 \
    --brokers 127.0.0.1:1 --kafka-config "$WORK/short.conf"
check "emulate: it says how many"  has "events not delivered to topic plant.events"
check "emulate: -o or --brokers"  run 2 "$TC" emulate "$IN/factory.yaml" -o "$WORK/x.jsonl" --brokers "$BS"

check "no secret in logs, files or messages" bash -c "! grep -r -a -q '$SECRET' '$WORK'/log* '$WORK'/*.h5 '$WORK'/fc2 '$WORK'/dlq"

finish serve_test
