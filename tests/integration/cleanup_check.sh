#!/bin/bash
# Closes a test run: every process an integration test started (recorded with
# its start time, so a reused PID is not mistaken for it) must be gone, and no
# network namespace made by the tests may remain.
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
# children of recorded daemons (e.g. kamailio workers) re-parented to init:
# any process whose command line names one of this run's test directories
if [ -f "$SENEMO_TEST_STATE/rundirs" ]; then
    for pid in $(pgrep -x 'kamailio|freeDiameterd|rtpengine|sipp|senemo-delayline|dumpcap' 2>/dev/null); do
        cmd="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)" || continue
        if grep -qFf "$SENEMO_TEST_STATE/rundirs" <<<"$cmd"; then
            echo "LEFT OVER: pid $pid: $cmd"
            bad=1
        fi
    done
fi
# namespaces the tests of this run created (h_netns records each one); other
# runs' namespaces are theirs to judge
if [ -f "$SENEMO_TEST_STATE/netns" ]; then
    live="$(ip netns list 2>/dev/null | awk '{print $1}')"
    while read -r ns test; do
        if grep -qx "$ns" <<<"$live"; then
            echo "LEFT OVER namespace $ns created by $test"
            bad=1
        fi
    done < "$SENEMO_TEST_STATE/netns"
fi
echo "checked $n recorded processes and the namespace list"
[ "$bad" = 0 ] && echo "cleanup ok: nothing left behind"
exit "$bad"
