#!/usr/bin/env bash
# demo.sh - on a fresh Debian 12 machine: installs what is missing, builds
# twincast, and runs the main job on the bundled demo plant: machine B has
# just broken down (inputs/state_b_down.json); 1000 replications over two
# MPI ranks forecast where the bottleneck forms, with two what-if scenarios,
# into an HDF5 file, then print its report; then the live twin through
# Kafka; then a job shop with three products (inputs/plant.yaml) from its
# 08:00 state: is its press's changeover time worth cutting?  And its
# morning's telemetry, with products, replayed through the twin.  And the
# shop on its calendar: Friday afternoon into the 22:00 closure (with
# matplotlib installed, its fan chart over the local clock as a PNG).
# Usage: bash jobs/demo.sh [OUT.h5]      (default: demo.h5)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-demo.h5}
bash "$root/jobs/install-deps.sh"
cmake -S "$root" -B "$root/.build/release" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/.build/release" -j "$(nproc)" >/dev/null
if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1   # Open MPI refuses root otherwise
fi
rm -f "$out"
echo "== B is down since 08:03; where does the bottleneck form, and when? (mpirun -np 2)" >&2
mpirun -np 2 --bind-to none "$root/.build/release/twincast" forecast "$root/inputs/factory.yaml" \
    --state "$root/inputs/state_b_down.json" --scenario overtime_C --scenario repair_B_1h \
    --threads 1 -o "$out"
echo "== twincast report $out --scenario baseline" >&2
"$root/.build/release/twincast" report "$out" --scenario baseline
echo "== so what do we do? twincast decide: the model's five responses ranked (KN, 0.95, delta 2)" >&2
mpirun -np 2 --bind-to none "$root/.build/release/twincast" decide "$root/inputs/factory.yaml" \
    --state "$root/inputs/state_b_down.json" --delta 2 --threads 1 -o "$out"
# the live path: a Kafka protocol peer in-process (librdkafka's mock cluster), the
# morning's events replayed into it 200x faster than they happened, serve re-forecasting
twin=${out%.h5}-twin.h5
rm -rf "$twin" "$twin.epochs" # a live twin's file is an index beside its epochs' folder
echo "== twincast serve: the events of 08:00-08:42 through Kafka (mock cluster), re-forecast live" >&2
"$root/.build/release/twincast" serve "$root/inputs/factory.yaml" --brokers mock \
    --replay "$root/inputs/events/b_breakdown.jsonl" --speed 200 --debounce 200ms --interval 1s \
    -n 1000 --exit-when-idle 6s -o "$twin"
echo "== how the forecast for C evolved, epoch by epoch (twincast report $twin --epoch N --format csv)" >&2
echo "epoch,scenario,station,p_form,p_form_lo,p_form_hi,n_formed,onset_mean,onset_lo,onset_hi"
for e in $(seq 1 999); do
    "$root/.build/release/twincast" report "$twin" --epoch "$e" --format csv 2>/dev/null | awk -F, '$3 == "C"' | cut -d, -f1-10 || break
    [ "${PIPESTATUS[0]}" -eq 0 ] || break
done
# products and routing: three products, a rush priority, changeovers, a batch oven, rework and scrap
shop=${out%.h5}-plant.h5
rm -rf "$shop" "${out%.h5}-plant-replay.h5" "${out%.h5}-plant-replay.h5.epochs"
echo "== a job shop with three products at 08:00 (inputs/plant_state.json: the press mid-changeover," >&2
echo "   the welder down, a batch in the oven): what if the press changed over in 3 min?" >&2
"$root/.build/release/twincast" forecast "$root/inputs/plant.yaml" --state "$root/inputs/plant_state.json" \
    --scenario quick_press_changeover -n 1000 -q -o "$shop" |
    grep -E '^(baseline|quick_press|station|product|press|oven|widget|gadget|gizmo)'
echo "== its morning's telemetry with products (inputs/events/plant_shift.jsonl): replayed, 16 epochs" >&2
"$root/.build/release/twincast" replay "$root/inputs/plant.yaml" "$root/inputs/events/plant_shift.jsonl" \
    -n 200 -q -o "${out%.h5}-plant-replay.h5" >/dev/null
# calendars: the shop on its own clock (Europe/Berlin), from Friday 13:00 over the 14:00 shift
# change (one press operator), the 18:00 break at assembly and the 22:00 closure
friday=${out%.h5}-plant-friday.h5
rm -f "$friday"
echo "== the shop on Friday from 13:00 for 10 h: the late shift, breaks and the 22:00 closure" >&2
"$root/.build/release/twincast" forecast "$root/inputs/plant.yaml" --start 2026-12-11T13:00:00+01:00 \
    --horizon 10h -n 1000 -q -o "$friday" | grep -E '^(baseline|station|press|assembly|oven|weld)'
if /usr/bin/python3 -c "import matplotlib, h5py" 2>/dev/null; then
    /usr/bin/python3 "$root/analysis/fan_chart.py" "$friday" --station press --station assembly \
        --station weld --station oven -o "${out%.h5}-plant-friday.png" >&2
fi
