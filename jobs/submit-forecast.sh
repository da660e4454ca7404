#!/usr/bin/env bash
# submit-forecast.sh - a forecast and its report and figures, chained on Slurm:
# the analysis starts only if the forecast succeeded (afterok) and is cancelled
# at once if it failed (--kill-on-invalid-dep).
#
#   jobs/submit-forecast.sh [--wait] MODEL.yaml OUT.h5 [sbatch options for the forecast...]
#
# Prints the two job ids.  --wait: return when the analysis has finished, with its status.
# ANALYZE_OUTPUT: where the analysis job's log goes (default twincast-analyze-<jobid>.out).
set -euo pipefail
wait_flag=()
if [ "${1:-}" = "--wait" ]; then
    wait_flag=(--wait)
    shift
fi
MODEL=${1:?usage: submit-forecast.sh [--wait] MODEL.yaml OUT.h5 [sbatch options]}
OUT=${2:?usage: submit-forecast.sh [--wait] MODEL.yaml OUT.h5 [sbatch options]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
fid=$(sbatch --parsable "$@" "$here/forecast.sbatch" "$MODEL" "$OUT")
echo "forecast job $fid"
aid=$(sbatch --parsable "${wait_flag[@]}" --dependency="afterok:${fid%%;*}" --kill-on-invalid-dep=yes \
    --output="${ANALYZE_OUTPUT:-%x-%j.out}" "$here/analyze.sbatch" "$OUT")
echo "analysis job $aid"
