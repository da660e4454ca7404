#!/usr/bin/env bash
# install-deps.sh - installs twincast's build and test dependencies from
# Debian 12 packages, only those missing.  Needs root (or sudo) when
# anything is missing.  Usage: jobs/install-deps.sh [--with-slurm] [--with-analysis]
set -euo pipefail
pkgs=(build-essential cmake pkg-config libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
      librdkafka-dev libcmocka-dev kcat libyaml-dev librandom123-dev libgsl-dev nettle-dev tzdata
      python3-h5py python3-numpy python3-matplotlib python3-xarray python3-h5netcdf)
for opt in "$@"; do
    case "$opt" in
    --with-slurm) pkgs+=(slurm-wlm munge) ;;
    --with-analysis | --with-fuzzing) pkgs+=(clang libclang-rt-14-dev libomp-14-dev clang-tidy cppcheck) ;;
    *) echo "install-deps: unknown option $opt" >&2; exit 2 ;;
    esac
done
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
