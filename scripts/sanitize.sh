#!/bin/bash
# Builds the unit tests with AddressSanitizer + UndefinedBehaviorSanitizer
# (-DSENEMO_SANITIZE=ON) in $SENEMO_BUILD/asan and runs them there. Every
# sanitizer report is fatal (-fno-sanitize-recover=all, halt_on_error), so a
# leak, an out-of-bounds access or undefined behaviour fails the run.
#   scripts/sanitize.sh            (also the ctest test unit.sanitize)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SENEMO_BUILD:-$ROOT/build}"
AB="$BUILD/asan"
KSRC="$(ls -d "$BUILD"/src/kamailio-*/ 2>/dev/null | head -1)"
[ -n "$KSRC" ] || { echo "sanitize: no Kamailio source in $BUILD/src (run ./senemo setup)" >&2; exit 1; }

cmake -S "$ROOT" -B "$AB" -DSENEMO_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DKAMAILIO_SRC="${KSRC%/}" \
    > "$AB.configure.log" 2>&1 \
    || { tail -20 "$AB.configure.log" >&2; echo "sanitize: configure failed" >&2; exit 1; }
mapfile -t tests < <(ctest --test-dir "$AB" -N -L '^unit$' | sed -n 's/^ *Test *#[0-9]*: unit\.\([A-Za-z0-9_]*\)$/\1/p' \
    | grep -vx sanitize)
[ "${#tests[@]}" -gt 0 ] || { echo "sanitize: no unit tests found" >&2; exit 1; }
cmake --build "$AB" -j"$(nproc)" --target "${tests[@]/#/test_}" > "$AB.build.log" 2>&1 \
    || { grep -E 'error' "$AB.build.log" | head -20 >&2; echo "sanitize: build failed" >&2; exit 1; }
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
regex="^unit\\.($(IFS='|'; echo "${tests[*]}"))\$"
ctest --test-dir "$AB" --output-on-failure -R "$regex"
