#!/bin/bash
# Builds the libFuzzer harnesses (fuzz/, clang, ASan+UBSan) in build/fuzz and
# runs each one from its seed corpus (fuzz/corpus/<name>, copied to a
# working corpus so the repository's seeds stay as they are).
#   scripts/fuzz.sh SECONDS [JSON_OUT]
# Prints one line per harness (executions, crashes); exits 1 if any harness
# crashed (the reproducer is kept in build/fuzz/crashes/<name>/).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SENEMO_BUILD:-$ROOT/build}"
SECS="${1:-10}"; JSON="${2:-}"
FB="$BUILD/fuzz"

cmake -S "$ROOT/fuzz" -B "$FB" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$FB.configure.log" 2>&1 \
    || { tail -20 "$FB.configure.log" >&2; echo "fuzz: configure failed" >&2; exit 1; }
cmake --build "$FB" -j"$(nproc)" > "$FB.build.log" 2>&1 \
    || { grep -E 'error' "$FB.build.log" | head -20 >&2; echo "fuzz: build failed" >&2; exit 1; }

failed=0; results=()
for bin in "$FB"/fuzz_*; do
    [ -x "$bin" ] && [ -f "$bin" ] || continue
    name="$(basename "$bin")"; name="${name#fuzz_}"
    work="$FB/corpus/$name"; crashes="$FB/crashes/$name"
    mkdir -p "$work" "$crashes"
    [ -d "$ROOT/fuzz/corpus/$name" ] && cp -n "$ROOT/fuzz/corpus/$name"/* "$work"/ 2>/dev/null || true
    log="$FB/$name.log"
    rc=0
    "$bin" "$work" -max_total_time="$SECS" -print_final_stats=1 -artifact_prefix="$crashes/" \
        -max_len=4096 > "$log" 2>&1 || rc=$?
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    ncrash="$(find "$crashes" -type f | wc -l)"
    printf 'fuzz %-16s %10s executions  %s crashes\n' "$name" "${execs:-0}" "$ncrash"
    results+=("{\"name\":\"$name\",\"executions\":${execs:-0},\"crashes\":$ncrash,\"seconds\":$SECS}")
    if [ "$rc" != 0 ] || [ "$ncrash" != 0 ]; then
        failed=1; tail -30 "$log" >&2
    fi
done
[ ${#results[@]} -gt 0 ] || { echo "fuzz: no harness built" >&2; exit 1; }
if [ -n "$JSON" ]; then
    (IFS=,; echo "{\"harnesses\":[${results[*]}]}") > "$JSON"
fi
exit "$failed"
