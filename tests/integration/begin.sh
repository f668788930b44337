#!/bin/bash
# Opens a test run: forget the processes, ports and namespaces recorded by an
# earlier run, so cleanup_check.sh judges only this one.
set -eu
: "${SENEMO_TEST_STATE:?}"
rm -rf "$SENEMO_TEST_STATE"
mkdir -p "$SENEMO_TEST_STATE"
: > "$SENEMO_TEST_STATE/pids"
echo "test state reset in $SENEMO_TEST_STATE"
