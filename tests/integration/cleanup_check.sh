#!/bin/bash
# Closes a test run: every process an integration test started (recorded with
# its start time, so a reused PID is not mistaken for it) must be gone, and no
# network namespace made by the tests (names start with "sn") may remain.
set -u
: "${SENEMO_TEST_STATE:?}"
bad=0
n=0
if [ -f "$SENEMO_TEST_STATE/pids" ]; then
    while read -r pid st test; do
        n=$((n + 1))
        now="$(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null || true)"
        if [ -n "$now" ] && [ "$now" = "$st" ]; then
            echo "LEFT OVER: pid $pid started by $test: $(tr '\0' ' ' < "/proc/$pid/cmdline")"
            bad=1
        fi
    done < "$SENEMO_TEST_STATE/pids"
fi
# children of recorded daemons (e.g. kamailio workers) re-parented to init
for exe in kamailio freeDiameterd rtpengine sipp senemo-delayline; do
    for pid in $(pgrep -x "$exe" 2>/dev/null); do
        if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q '/tmp/senemo-tests/'; then
            echo "LEFT OVER: $exe pid $pid using a test directory"
            bad=1
        fi
    done
done
ns="$(ip netns list 2>/dev/null | awk '{print $1}' | grep '^sn' || true)"
if [ -n "$ns" ]; then
    echo "LEFT OVER namespaces: $ns"
    bad=1
fi
echo "checked $n recorded processes and the namespace list"
[ "$bad" = 0 ] && echo "cleanup ok: nothing left behind"
exit "$bad"
