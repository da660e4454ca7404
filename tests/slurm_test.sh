#!/usr/bin/env bash
# slurm_test.sh - the jobs/ scripts on a real single-node Slurm brought up here
# (munge, slurmctld, slurmd as root; no systemd, no cgroups): a hybrid
# MPI + OpenMP forecast, a job array with a dependent merge, a chain whose
# analysis is cancelled when the forecast fails, and the live twin warned
# before its time limit.  The daemons it starts are stopped by PID.
# Skips (exit 77) with the reason when Slurm cannot start; never passes falsely.
# Usage: slurm_test.sh TWINCAST REPO_DIR
set -u
TC=$(readlink -f "$1")
ROOT=$(readlink -f "$2")
WORK=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
MUNGED=0
skip() { echo "SKIP slurm_test: $*"; cleanup; exit 77; }
cleanup() {
    for p in slurmd slurmctld; do
        [ -s "$WORK/$p.pid" ] && kill "$(cat "$WORK/$p.pid")" 2>/dev/null
    done
    sleep 1
    if [ "$MUNGED" = 1 ] && [ -s /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

command -v slurmctld >/dev/null && command -v munged >/dev/null || skip "slurm-wlm or munge is not installed"
[ "$(id -u)" -eq 0 ] || skip "bringing up slurmctld and slurmd needs root"
if ! (munge -n | unmunge) >/dev/null 2>&1; then
    install -d -o munge -g munge -m 0755 /run/munge
    [ -s /etc/munge/munge.key ] || /usr/sbin/mungekey -c >/dev/null 2>&1 || skip "no munge key"
    runuser -u munge -- /usr/sbin/munged || skip "munged did not start"
    MUNGED=1
    (munge -n | unmunge) >/dev/null 2>&1 || skip "munge does not work"
fi
HOST=$(hostname -s)
NODE=$(slurmd -C | head -1 | sed -E 's/RealMemory=[0-9]+/RealMemory=2000/')
mkdir -p "$WORK/state" "$WORK/spool" "$WORK/log"
cat >"$WORK/slurm.conf" <<CONF
ClusterName=twincasttest
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
DependencyParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MailProg=/bin/true
MinJobAge=600
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
$NODE State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$WORK/slurm.conf
slurmctld -i || skip "slurmctld did not start"
slurmd || skip "slurmd did not start"
for i in $(seq 100); do
    [ "$(sinfo -h -o %t 2>/dev/null)" = idle ] && break
    sleep 0.2
done
[ "$(sinfo -h -o %t 2>/dev/null)" = idle ] || { tail -5 "$WORK"/log/*.log; skip "the node did not become idle"; }
echo "ok   slurm up: $(sinfo -h -o '%P %D %t %c CPUs')"

cd "$ROOT"
COMMON="ALL,TWINCAST=$TC,REPLICATIONS=200"

# a hybrid forecast: 2 ranks x 1 thread, through srun with PMIx
check "forecast.sbatch --wait" sbatch --wait -o "$WORK/f.out" \
    --export="$COMMON,STATE=inputs/state_b_down.json,SCENARIOS=overtime_C" jobs/forecast.sbatch inputs/factory.yaml "$WORK/f.h5"
sed 's/^/     | /' "$WORK/f.out" | tail -4
check "2 ranks recorded" bash -c "h5dump -a /forecasts/000001/ranks '$WORK/f.h5' | grep -q '(0): 2'"
check "the scenario is there" bash -c "'$TC' report '$WORK/f.h5' --scenario overtime_C >/dev/null"

# a job array over scenarios, and the merge that waits for it
aid=$(sbatch --parsable --array=0-1 -o "$WORK/sweep-%a.out" \
      --export="$COMMON,STATE=inputs/state_b_down.json,OUTDIR=$WORK/sweep" jobs/sweep.sbatch)
check "sweep submitted" test -n "$aid"
check "merge afterok the array" sbatch --wait -o "$WORK/merge.out" --dependency="afterok:$aid" \
    --kill-on-invalid-dep=yes --export="ALL,TWINCAST=$TC,OUTDIR=$WORK/sweep" jobs/merge.sbatch "$aid" "$WORK/merged.h5"
sed 's/^/     | /' "$WORK/merge.out" | head -3
check "merged: baseline + 2 scenarios" bash -c "'$TC' report '$WORK/merged.h5' --format json | $PY -c \"
import json, sys
d = json.load(sys.stdin)
sys.exit(not ([s['scenario'] for s in d['scenarios']] == ['baseline', 'overtime_C', 'repair_B_1h']))\""

# a chain: the analysis runs only after a successful forecast ...
check "submit-forecast.sh --wait" env TWINCAST="$TC" ANALYZE_OUTPUT="$WORK/analyze.out" jobs/submit-forecast.sh --wait inputs/factory.yaml "$WORK/c.h5" \
    -o "$WORK/c.out" --export="$COMMON"
check "figures made" test -s "$WORK/c-summary.png" -a -s "$WORK/c-fan.png" -a -s "$WORK/c.json"
# ... and is cancelled when the forecast fails
printf 'stations: {}\n' >"$WORK/bad.yaml"
out=$(env TWINCAST="$TC" ANALYZE_OUTPUT="$WORK/analyze-bad.out" jobs/submit-forecast.sh "$WORK/bad.yaml" "$WORK/bad.h5" -o "$WORK/bad.out" --export="$COMMON")
bad_aid=$(echo "$out" | awk '/analysis job/ {print $3}')
for i in $(seq 60); do
    st=$(scontrol show job "$bad_aid" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
    [ "$st" = CANCELLED ] || [ "$st" = COMPLETED ] || [ "$st" = FAILED ] && break
    sleep 0.5
done
check "analysis cancelled after a failed forecast" test "$st" = CANCELLED
check "the failed forecast says why" grep -q "bad.yaml" "$WORK/bad.out"

# the live twin as a batch job, warned 45 s before its 1-minute limit: a clean stop
check "twin.sbatch, warned by Slurm" sbatch --wait --time=1 --signal=TERM@45 -o "$WORK/twin.out" \
    --export="ALL,TWINCAST=$TC,BROKERS=mock,REPLAY=inputs/events/b_breakdown.jsonl,REPLICATIONS=200,OUT=$WORK/twin.h5" \
    jobs/twin.sbatch
sed 's/^/     | /' "$WORK/twin.out" | tail -6
check "serve stopped on the warning" grep -q "stopping on a signal" "$WORK/twin.out"
check "serve exited 0" grep -q "serve exited with status 0" "$WORK/twin.out"
check "the twin's epochs are in the file" bash -c "'$TC' report '$WORK/twin.h5' >/dev/null"

finish slurm_test
