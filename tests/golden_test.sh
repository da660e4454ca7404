#!/usr/bin/env bash
# golden_test.sh - per-replication results must stay bit-identical to the
# golden files in tests/golden/ (line5; factory from state_b_down.json with
# the overtime_C scenario; mm1; the replay of b_breakdown.jsonl, whose
# forecast messages are compared).  A refactoring, an optimisation or a new
# feature that existing models do not use must not change one bit; only an
# issue that says results change may regenerate them, with --update, and
# says so in its commit.
# Usage: golden_test.sh TWINCAST INPUTS_DIR [--update]
set -euo pipefail
tc=$1
in=$2
update=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3

# case NAME ARGS...: a forecast with 2 threads, dumped and compared
fail=0
case_() {
    local name=$1
    shift
    local cmd=$1
    shift
    if [ "$cmd" = forecast ]; then
        "$tc" forecast "$@" -n 100 --threads 2 -q -o "$work/$name.h5" >/dev/null 2>"$work/$name.err"
        "$py" "$here/golden/golden.py" "$work/$name.h5" >"$work/$name.txt"
    else # replay: its forecast messages, with the log's path (in the offsets) left out
        "$tc" replay "$@" -n 50 --threads 2 -q 2>"$work/$name.err" | sed "s|\"$2\"|\"EVENTS\"|" >"$work/$name.txt"
    fi
    if [ "$update" = --update ]; then
        cp "$work/$name.txt" "$here/golden/$name.txt"
        echo "golden: $name updated"
    elif [ "$cmd" = replay ]; then # message by message: every golden key equal; keys a feature adds are allowed
        if "$py" "$here/golden/messages.py" "$here/golden/$name.txt" "$work/$name.txt" >"$work/$name.missing"; then
            echo "golden: $name bit-identical ($(wc -l <"$here/golden/$name.txt") golden messages, every golden key)"
        else
            echo "golden: $name DIFFERS from tests/golden/$name.txt:"
            head -20 "$work/$name.missing"
            fail=1
        fi
    else # every golden line must be there; lines a new feature adds are allowed
        sort "$here/golden/$name.txt" >"$work/$name.want"
        sort "$work/$name.txt" >"$work/$name.got"
        comm -23 "$work/$name.want" "$work/$name.got" >"$work/$name.missing"
        if [ ! -s "$work/$name.missing" ]; then
            echo "golden: $name bit-identical ($(wc -l <"$work/$name.want") golden lines)"
        else
            echo "golden: $name DIFFERS from tests/golden/$name.txt: $(wc -l <"$work/$name.missing") lines lost or changed:"
            head -20 "$work/$name.missing"
            fail=1
        fi
    fi
}
case_ line5 forecast "$in/line5.yaml"
case_ factory forecast "$in/factory.yaml" --state "$in/state_b_down.json" --scenario overtime_C
case_ mm1 forecast "$in/mm1.yaml"
case_ replay replay "$in/factory.yaml" "$in/events/b_breakdown.jsonl" --scenario overtime_C
exit $fail
