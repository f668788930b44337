#!/bin/bash
# ./senemo bench fuzz [SECONDS]: every libFuzzer harness for SECONDS (default
# 300) each; writes build/bench/fuzz.json (executions and crashes per harness).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SENEMO_BUILD:-$ROOT/build}"
exec "$ROOT/scripts/fuzz.sh" "${1:-300}" "$BUILD/bench/fuzz.json"
