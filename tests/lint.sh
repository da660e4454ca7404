#!/usr/bin/env bash
# lint.sh - static analysis of every source file, with the checked-in
# configurations (.clang-tidy, .clang-format; cppcheck's options here).
# Any finding fails, a badly formatted line too.
# Usage: bash tests/lint.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/.build/lint"
cmake -S "$root" -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
echo "== cppcheck"
cppcheck --enable=warning,performance,portability --inline-suppr --std=c11 --error-exitcode=1 --quiet \
    -I "$root/include" --suppress=missingIncludeSystem -D__GNUC__ "$root/src"
echo "== clang-tidy (.clang-tidy)"
clang-tidy -p "$build" --quiet "$root"/src/*/*.c
echo "== clang-format (.clang-format)"
clang-format --dry-run --Werror "$root"/src/*/*.[ch] "$root"/include/twincast/*.h "$root"/tests/*.[ch] "$root"/tests/*/*.[ch]
echo "lint: clean"
