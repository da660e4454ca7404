#!/usr/bin/env bash
# demo.sh - on a fresh Debian 12 machine: installs what is missing, builds
# twincast, and forecasts the bundled demo plant (inputs/factory.yaml).
# Usage: bash jobs/demo.sh [OUT.h5]      (default: demo.h5)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-demo.h5}
bash "$root/jobs/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j "$(nproc)" >/dev/null
rm -f "$out"
echo "== twincast forecast: the demo plant from an empty, all-up state" >&2
"$root/build/twincast" forecast "$root/inputs/factory.yaml" -o "$out"
