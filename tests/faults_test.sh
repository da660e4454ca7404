#!/usr/bin/env bash
# faults_test.sh - twincast under faults, with counts that can fail:
#   a worker rank killed mid-forecast; a full disk; kill -9 of serve at 20
#   random moments while events flow; the broker frozen for 60 s; duplicated,
#   reordered, late and dropped deliveries.
# Usage: faults_test.sh BUILD_DIR MPIEXEC INPUTS_DIR
set -u
B=$(readlink -f "$1")
MPIEXEC=$2
IN=$(readlink -f "$3")
TC=$B/twincast
WORK=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT
MODEL=$IN/factory.yaml

# -- a worker rank dies mid-epoch: the job fails loudly, the file is untouched
"$TC" forecast "$MODEL" -n 50 -q -o "$WORK/keep.h5" >/dev/null 2>&1
cp "$WORK/keep.h5" "$WORK/keep0.h5"
"$MPIEXEC" -n 2 "$TC" forecast "$MODEL" -n 3000000 -q -o "$WORK/keep.h5" >"$WORK/rank.log" 2>&1 &
MP=$!
for i in $(seq 100); do [ "$(pgrep -f "twincast forecast $MODEL -n 3000000" | wc -l)" -ge 2 ] && break; sleep 0.1; done
sleep 1
victim=$(pgrep -f "twincast forecast $MODEL -n 3000000" | sort -n | tail -1)
kill -9 "$victim"
wait "$MP"
rc=$?
check "a dead rank fails the job (exit $rc)" test "$rc" -ne 0
check "the file keeps its epochs, untouched" cmp -s "$WORK/keep.h5" "$WORK/keep0.h5"

# -- the disk fills while writing: a clear error, exit 1, the previous file intact
mkdir -p "$WORK/small"
if mount -t tmpfs -o size=300k tmpfs "$WORK/small" 2>/dev/null; then
    cp "$WORK/keep0.h5" "$WORK/small/full.h5"
    "$TC" forecast "$MODEL" -n 20000 -q -o "$WORK/small/full.h5" >"$WORK/full.log" 2>&1
    rc=$?
    check "disk full: exit 1" test "$rc" -eq 1
    check "disk full: says so" grep -q "disk full" "$WORK/full.log"
    sed 's/^/     | /' "$WORK/full.log" | grep -v PMIX | tail -2
    check "disk full: the file is as it was" cmp -s "$WORK/small/full.h5" "$WORK/keep0.h5"
    check "disk full: no temporary left" bash -c "[ \$(ls '$WORK/small' | wc -l) -eq 1 ]"
    umount "$WORK/small"
else
    echo "skip disk full: cannot mount a small tmpfs here (needs root)"
fi

# -- the Kafka side
"$B/tests/mockcluster" "$WORK/bs" plant.events plant.forecasts &
PIDS+=($!)
MC=$!
for i in $(seq 50); do [ -s "$WORK/bs" ] && break; sleep 0.1; done
BS=$(cat "$WORK/bs")
printf 'session.timeout.ms=6000\n' >"$WORK/k.conf"
"$B/tests/ingest_bench" --generate "$WORK/ev.jsonl" 20000
split -n l/20 -d "$WORK/ev.jsonl" "$WORK/chunk."

# kill -9 at 20 random moments while events flow; each restart resumes from the file
RANDOM=20261201
for k in $(seq 20); do
    kcat -P -b "$BS" -t plant.events -l "$WORK/chunk.$(printf %02d $((k - 1)))"
    "$TC" serve "$MODEL" --brokers "$BS" --kafka-config "$WORK/k.conf" -n 50 --threads 1 --interval 200ms \
        -o "$WORK/twin.h5" >"$WORK/kill.$k.log" 2>&1 &
    SP=$!
    # kill once it works (group joined, forecasting): at a random moment of up to 1 s after that
    for i in $(seq 300); do grep -q "re-forecasting" "$WORK/kill.$k.log" && break; sleep 0.1; done
    sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
    kill -9 "$SP" 2>/dev/null
    wait "$SP" 2>/dev/null
done
"$TC" serve "$MODEL" --brokers "$BS" --kafka-config "$WORK/k.conf" -n 50 --threads 1 --interval 200ms \
    --exit-when-idle 3s -o "$WORK/twin.h5" >"$WORK/final.log" 2>&1 &
SP=$!
# the last run may find nothing new to consume: then it idles; give it 40 s
for i in $(seq 400); do kill -0 "$SP" 2>/dev/null || break; sleep 0.1; done
kill -TERM "$SP" 2>/dev/null
wait "$SP"
check "after 20 kills: every epoch complete, numbered once" $PY -c "
import h5py, json, sys
f = h5py.File('$WORK/twin.h5', 'r')
eps = sorted(k for k in f['forecasts'] if k != 'latest')
ok = eps == ['%06d' % (i + 1) for i in range(len(eps))]
for k in eps:
    g = f['forecasts'][k]
    st = g.attrs['status'].decode()
    if st == 'completed':
        b = g['baseline']
        ok = ok and b['onset_time'].shape == (50, 4) and b['summary'].shape == (4,)
    else:
        ok = ok and st == 'superseded' and 'baseline' not in g
last = f['forecasts'][eps[-1]]
ok = ok and json.loads(last.attrs['offsets']) == {'plant.events/0': 20000}
print('     %d epochs, last offsets %s' % (len(eps), last.attrs['offsets'].decode()))
sys.exit(not ok)"
check "after 20 kills: the same state as one clean pass" bash -c "
'$TC' replay '$MODEL' '$WORK/ev.jsonl' -n 50 -q -o '$WORK/clean.h5' >/dev/null 2>&1 && $PY -c \"
import h5py, json, sys
a = json.loads(h5py.File('$WORK/twin.h5', 'r')['forecasts/latest/state_json'][()].decode())
b = json.loads(h5py.File('$WORK/clean.h5', 'r')['forecasts/latest/state_json'][()].decode())
sys.exit(not (a == b))\""
# a copy left by a process that is gone, planted in case no kill hit a write
sh -c 'echo $$' >"$WORK/deadpid"
touch "$WORK/twin.h5.tmp-$(hostname -s)-$(cat "$WORK/deadpid")"
# and a half-written epoch file of a dead process, where the next epoch goes
next=$($PY -c "import h5py; print(1 + max(int(k) for k in h5py.File('$WORK/twin.h5', 'r')['forecasts'] if k != 'latest'))")
touch "$WORK/twin.h5.epochs/$(printf %03d $((next / 1000)))/$(printf %06d "$next").h5.tmp-$(hostname -s)-$(cat "$WORK/deadpid")"
# another host's copy, and one of a live process, are not ours to remove
touch "$WORK/twin.h5.tmp-otherhost-1" "$WORK/twin.h5.tmp-$(hostname -s)-$$"
"$TC" replay "$MODEL" "$WORK/chunk.00" -n 10 -q -o "$WORK/twin.h5" >"$WORK/sweep.log" 2>&1
n_removed=$(cat "$WORK"/kill.*.log "$WORK/final.log" "$WORK/sweep.log" | grep -c "removed .*\.tmp-" || true)
n_left=$(find "$WORK" -path '*/twin.h5*' -name '*.tmp-*' | grep -vc "otherhost\|-$$\$" || true)
echo "     temporary files of killed runs removed by the next run: $n_removed (2 planted), left: $n_left"
find "$WORK" -path '*/twin.h5*' -name '*.tmp-*' | grep -v "otherhost\|-$$\$" | sed 's/^/     left: /' 
[ "$n_left" -eq 0 ] || { tail -5 "$WORK/sweep.log" "$WORK/final.log"; ls -la "$WORK"/twin.h5.epochs/000 | tail -5; } | sed 's/^/     | /' 
check "after the kills: every temporary file of a dead process removed" test "$n_left" -eq 0 -a "$n_removed" -ge 2
check "another host's and a live process's copies kept" \
    test -e "$WORK/twin.h5.tmp-otherhost-1" -a -e "$WORK/twin.h5.tmp-$(hostname -s)-$$"

# the broker frozen for 60 s: serve keeps its forecast, reports, reconnects, loses nothing
head -12000 "$WORK/ev.jsonl" | tail -2000 | sed 's/"J/"K/g' >"$WORK/more.jsonl"
"$TC" serve "$MODEL" --brokers "$BS" --kafka-config "$WORK/k.conf" --group outage -n 50 --threads 1 \
    --interval 1s -o "$WORK/out.h5" >"$WORK/outage.log" 2>&1 &
SP=$!
PIDS+=($SP)
for i in $(seq 300); do grep -q "epoch as of" "$WORK/outage.log" && break; sleep 0.1; done
kill -STOP "$MC"
sleep 60
kill -CONT "$MC"
kcat -P -b "$BS" -t plant.events -l "$WORK/more.jsonl"
for i in $(seq 600); do
    grep -q '"plant.events/0": 22000' <(h5dump -a /forecasts/latest/offsets "$WORK/out.h5" 2>/dev/null) && break
    sleep 0.1
done
kill -TERM "$SP"
wait "$SP"
check "outage: serve survived and stopped cleanly" test $? -eq 0
check "outage: reported in the log" grep -q "kafka" "$WORK/outage.log"
check "outage: counted in the file, nothing lost" $PY -c "
import h5py, json, sys
g = h5py.File('$WORK/out.h5', 'r')['forecasts/latest']
c = json.loads(g.attrs['event_counters'])
print('     broker errors %d, applied %d' % (c['broker_errors'], c['applied']))
sys.exit(not (c['broker_errors'] > 0 and json.loads(g.attrs['offsets']) == {'plant.events/0': 22000}))"

# delivery faults, injected into a log: duplicated, reordered, late, dropped
$PY - "$IN/events/b_breakdown.jsonl" "$WORK/faulty.jsonl" >"$WORK/expect.json" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
for i, e in enumerate(ev):
    e["id"] = "ev%d" % i
dropped = [ev.pop(k) for k in (20, 19, 6)]              # never delivered (waiting counts: nothing depends on them)
out = list(ev)
dups = [out[i] for i in (2, 5, 9, 13, 15)]              # delivered twice
out += dups
out[3], out[4] = out[4], out[3]                          # reordered, within the window
late = [{"ts": "2026-12-01T07:00:00Z", "type": "arrive", "station": "A", "id": "late%d" % i} for i in range(3)]
out += late
with open(sys.argv[2], "w") as f:
    for e in out:
        f.write(json.dumps(e) + "\n")
json.dump({"applied": len(ev), "duplicate": len(dups), "late": len(late)}, sys.stdout)
PY
check "faulty log replayed" bash -c "'$TC' replay '$MODEL' '$WORK/faulty.jsonl' -n 50 --interval 1h -q -o '$WORK/faulty.h5' >/dev/null 2>&1"
check "counters match what was injected" $PY -c "
import h5py, json, sys
want = json.load(open('$WORK/expect.json'))
c = json.loads(h5py.File('$WORK/faulty.h5', 'r')['forecasts/latest'].attrs['event_counters'])
print('     injected', want, '-> applied %d, duplicate %d, late %d, other skips %d' % (c['applied'],
      c['skipped']['duplicate'], c['skipped']['late'], sum(c['skipped'].values()) - c['skipped']['duplicate'] - c['skipped']['late']))
sys.exit(not (c['applied'] == want['applied'] and c['skipped']['duplicate'] == want['duplicate']
              and c['skipped']['late'] == want['late'] and sum(c['skipped'].values()) == want['duplicate'] + want['late']))"

finish faults_test
