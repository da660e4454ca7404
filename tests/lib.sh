# lib.sh - helpers for the shell tests (sourced): a counted check, a command
# with an expected exit status, and output assertions.  Tests set WORK.
pass=0
failed=0
PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

check() {  # check NAME COMMAND...: counts a pass or a failure
    local name=$1
    shift
    if "$@"; then
        pass=$((pass + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
    fi
}

run() {  # run EXPECTED_STATUS COMMAND... ; stdout and stderr in $WORK/out
    local want=$1
    shift
    "$@" >"$WORK/out" 2>&1
    local got=$?
    if [ "$got" -ne "$want" ]; then
        echo "     expected exit $want, got $got from: $*"
        sed 's/^/     | /' "$WORK/out" | head -20
        return 1
    fi
}

has() {  # has TEXT: the last run's output contains TEXT
    grep -q -- "$1" "$WORK/out" || {
        echo "     output lacks '$1':"
        sed 's/^/     | /' "$WORK/out" | head -20
        return 1
    }
}

hasnt() {  # hasnt TEXT: the last run's output does not contain TEXT
    ! grep -q -- "$1" "$WORK/out" || {
        echo "     output has '$1':"
        grep -- "$1" "$WORK/out" | sed 's/^/     | /' | head -5
        return 1
    }
}

finish() {  # finish NAME: the closing line, and the exit status
    echo "$1: $pass passed, $failed failed"
    [ "$failed" -eq 0 ]
}
