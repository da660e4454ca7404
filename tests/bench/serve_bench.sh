#!/usr/bin/env bash
# serve_bench.sh - the live twin's figures (printed, never asserted):
# ingest throughput, reaction latency with 1000 replications of the demo
# plant on 2 cores (debounce set to 0, so it is excluded), and resident
# memory while 1,000,000 events flow through serve.
# Usage: serve_bench.sh BUILD_DIR INPUTS_DIR
set -u
B=$1
IN=$2
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT

"$B/tests/ingest_bench" "$IN/factory.yaml" 1000000

"$B/tests/mockcluster" "$WORK/bs" plant.events plant.forecasts &
PIDS+=($!)
for i in $(seq 50); do [ -s "$WORK/bs" ] && break; sleep 0.1; done
BS=$(cat "$WORK/bs")
printf 'session.timeout.ms=6000\n' >"$WORK/k.conf"
"$B/twincast" serve "$IN/factory.yaml" --brokers "$BS" --kafka-config "$WORK/k.conf" -n 1000 --threads 2 \
    --debounce 0ms --interval 1h -q >"$WORK/serve.log" 2>&1 &
PIDS+=($!)
sleep 1
"$B/tests/latency_bench" "$BS" 3 >/dev/null          # warm-up: the group join takes seconds
"$B/tests/latency_bench" "$BS" 15
# the same with --decide: the message waits for the five responses' race (issue 16)
kill "${PIDS[-1]}" 2>/dev/null
wait "${PIDS[-1]}" 2>/dev/null
"$B/twincast" serve "$IN/factory.yaml" --brokers "$BS" --kafka-config "$WORK/k.conf" -n 1000 --threads 2 \
    --debounce 0ms --interval 1h --decide --delta 2 --group decide -q >"$WORK/serve2.log" 2>&1 &
PIDS+=($!)
sleep 1
echo "serve --decide (1000 replications, then the five responses of inputs/factory.yaml raced, delta 2):"
"$B/tests/latency_bench" "$BS" 3 >/dev/null
"$B/tests/latency_bench" "$BS" 15

# memory: 1,000,000 events through serve (paced: the mock keeps only 5 MB per partition)
"$B/tests/ingest_bench" --generate "$WORK/million.jsonl" 1000000
"$B/twincast" serve "$IN/factory.yaml" --brokers mock --replay "$WORK/million.jsonl" --speed 2000 -n 200 \
    --interval 1s --exit-when-idle 3s >"$WORK/rss.log" 2>&1 &
SP=$!
PIDS+=($SP)
samples=()
while kill -0 "$SP" 2>/dev/null; do
    r=$(awk '/VmRSS/ {print $2}' /proc/$SP/status 2>/dev/null)
    [ -n "$r" ] && samples+=("$r")
    sleep 1
done
wait "$SP"
n=${#samples[@]}
if [ "$n" -ge 6 ]; then
    printf '%s\n' "${samples[@]}" | awk '
        { v[NR] = $1 }
        END {
            h = int(NR / 2); a = 0; b = 0
            for (i = 1; i <= h; i++) if (v[i] > a) a = v[i]
            for (i = h + 1; i <= NR; i++) if (v[i] > b) b = v[i]
            printf "resident memory of serve while 1,000,000 events flow (%d samples, 1 s apart): peak %.1f MB in the first half, %.1f MB in the second half, %.1f MB at the end\n", NR, a / 1024, b / 1024, v[NR] / 1024
        }'
else
    echo "resident memory: too few samples ($n)"
fi
grep -h "events applied" "$WORK/rss.log" || true
