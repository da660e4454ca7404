#!/usr/bin/env bash
# analysis_test.sh - the analysis scripts on files the tool itself writes:
# --help for each, and figures that exist and are not blank (read back as
# images: enough ink, enough distinct colours).
# Usage: analysis_test.sh TWINCAST REPO_DIR
set -u
TC=$1
ROOT=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
. "$(dirname "$0")/lib.sh"
A=$ROOT/analysis
"$TC" forecast "$ROOT/inputs/factory.yaml" --state "$ROOT/inputs/state_b_down.json" --scenario overtime_C \
    --scenario repair_B_1h -n 300 -q -o "$WORK/f.h5" >/dev/null 2>&1
"$TC" replay "$ROOT/inputs/factory.yaml" "$ROOT/inputs/events/b_breakdown.jsonl" -n 200 -q -o "$WORK/r.h5" >/dev/null 2>&1

not_blank() {  # not_blank PNG: at least 20 kB, and a real picture rather than a flat page
    [ "$(stat -c %s "$1")" -gt 20000 ] && $PY -c "
import sys
import matplotlib.image as im
import numpy as np
a = im.imread('$1')[..., :3]
ink = np.mean(a.mean(axis=2) < 0.9)
colours = len(np.unique((a * 255).astype(np.uint8).reshape(-1, 3), axis=0))
print('     $1: %.1f%% ink, %d colours' % (100 * ink, colours))
sys.exit(not (ink > 0.02 and colours > 50))"
}

for s in fan_chart onset_ecdf scenario_compare epochs summary_page skill decisions; do
    check "$s --help" bash -c "$PY '$A/$s.py' --help | grep -q usage"
done
check "fan chart"           $PY "$A/fan_chart.py" "$WORK/f.h5" -o "$WORK/fan.png"
check "fan chart drawn"     not_blank "$WORK/fan.png"
check "onset ECDF"          $PY "$A/onset_ecdf.py" "$WORK/f.h5" -o "$WORK/onset.png"
check "onset ECDF drawn"    not_blank "$WORK/onset.png"
check "scenario comparison" $PY "$A/scenario_compare.py" "$WORK/f.h5" -o "$WORK/scen.png"
check "comparison drawn"    not_blank "$WORK/scen.png"
check "epochs of a twin"    $PY "$A/epochs.py" "$WORK/r.h5" -o "$WORK/epochs.png"
check "epochs drawn"        not_blank "$WORK/epochs.png"
check "summary page"        $PY "$A/summary_page.py" "$WORK/f.h5" -o "$WORK/summary.png"
check "summary drawn"       not_blank "$WORK/summary.png"
"$TC" decide "$ROOT/inputs/factory.yaml" --state "$ROOT/inputs/state_b_down.json" --delta 2 -o "$WORK/d.h5" \
    >/dev/null 2>&1
check "decisions: MCB intervals" $PY "$A/decisions.py" "$WORK/d.h5" -o "$WORK/decisions.png"
check "decisions drawn"     not_blank "$WORK/decisions.png"
check "summary as PDF"      $PY "$A/summary_page.py" "$WORK/f.h5" -o "$WORK/summary.pdf"
check "PDF written"         bash -c "head -c 5 '$WORK/summary.pdf' | grep -q '%PDF'"
# a plant on its calendar: the fan chart over the local clock, closed and reduced shifts shaded
"$TC" forecast "$ROOT/inputs/plant.yaml" --start 2026-12-11T13:00:00+01:00 --horizon 10h -n 100 -q \
    -o "$WORK/cal.h5" >/dev/null 2>&1
check "fan chart, local clock" $PY "$A/fan_chart.py" "$WORK/cal.h5" --station press --station assembly -o "$WORK/cal.png"
check "local clock drawn"   not_blank "$WORK/cal.png"
check "calendar shaded" $PY -c "
import sys
import matplotlib.image as im
import numpy as np
a = (im.imread('$WORK/cal.png')[..., :3] * 255).astype(int)
# the closed shift's purple wash over white: red and blue above green
wash = (a[..., 0] > a[..., 1] + 4) & (a[..., 2] > a[..., 1] + 10) & (a.min(axis=2) > 180)
print('     closed-shift pixels: %d' % wash.sum())
sys.exit(not wash.sum() > 2000)"
check "fan chart, elapsed"  $PY "$A/fan_chart.py" "$WORK/cal.h5" --clock elapsed -o "$WORK/cal2.png"
check "a bad station is a clear error" bash -c "! $PY '$A/fan_chart.py' '$WORK/f.h5' --station Q -o '$WORK/x.png' 2>&1 | grep -q Traceback"
# forecast skill: three emulated days replayed and scored
"$TC" emulate "$ROOT/inputs/factory.yaml" --start 2026-12-01T06:00:00Z --days 3 -o "$WORK/e.jsonl" 2>/dev/null
"$TC" replay "$ROOT/inputs/factory.yaml" "$WORK/e.jsonl" -n 50 -q --interval 2h -o "$WORK/s.h5" >/dev/null 2>&1
check "forecast skill"      $PY "$A/skill.py" "$WORK/s.h5" --spacing 240 -o "$WORK/skill.png"
check "skill drawn"         not_blank "$WORK/skill.png"
check "skill: no table is a clear error" bash -c "$PY '$A/skill.py' '$WORK/f.h5' -o '$WORK/x.png' 2>&1 | grep -q 'no /skill table'"
finish analysis_test
