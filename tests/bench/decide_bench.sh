#!/usr/bin/env bash
# decide_bench.sh - selecting among the story's five responses (the factory
# with B down, delta 2, 0.95): KN's replications and wall time, against
# running every response at a fixed size that gives the same guarantee
# (Rinott's two-stage count: its largest per-response size, run for every
# response, measured as `decide --n0 N --max-replications N`, which runs N
# replications of each and stops).  Prints figures; asserts nothing.
# Usage: [DELTA=D] decide_bench.sh TWINCAST INPUTS_DIR   (default delta 2)
set -u
TC=$1
IN=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ARGS=(decide "$IN/factory.yaml" --state "$IN/state_b_down.json" --delta "${DELTA:-2}" --threads 2 --format json)

/usr/bin/time -f "%e" -o "$WORK/t1" "$TC" "${ARGS[@]}" >"$WORK/kn.json" 2>/dev/null
# Rinott's per-response sizes, from the same first stage: h^2 S_i^2 / delta^2
nmax=$(/usr/bin/python3 - "$WORK/kn.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(int(r["rinott_replications"]))
PY
)
per=$(((nmax + 4) / 5))
/usr/bin/time -f "%e" -o "$WORK/t2" "$TC" "${ARGS[@]}" --n0 "$per" --max-replications "$per" >"$WORK/fixed.json" \
    2>/dev/null
/usr/bin/python3 - "$WORK/kn.json" "$WORK/fixed.json" "$(cat "$WORK/t1")" "$(cat "$WORK/t2")" "$per" <<'PY'
import json, sys
kn, fixed = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
t1, t2, per = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
print("decide, the story (factory, B down; 5 responses, delta %g, 0.95; 1 process x 2 threads, whole process):"
      % kn["delta"])
print("  KN:          %5d replications used, %5d run, %.2f s wall; selected %s"
      % (kn["replications"], kn["replications_run"], t1, kn["response"]))
print("  fixed size:  %5d replications (Rinott's %d, run as %d per response), %.2f s wall; best mean %s"
      % (5 * per, kn["rinott_replications"], per, t2, fixed["response"]))
print("  ratio: %.1fx the replications, %.1fx the wall time" % (5 * per / kn["replications_run"], t2 / t1))
PY
