#!/bin/bash
# `./senemo demo` small (issue 7): 2 vehicles x 5 MNs, 2 MN<->CN calls (+ one
# call each way between the vehicles), one move of both vehicles at once.
#  1. the demo runs to the end (exit 0, or 3 = it ran but the report lists
#     failures) and writes report.md, report.json and the PNG plots;
#  2. report.json parses and its counts agree with each other and with the
#     parameters (DESIGN.md keys: mns, calls, calls_lost, moves[] with
#     egress_msgs, completion_ms, max_media_gap_ms); if media was measured,
#     no clear RTP left home on the Internet leg;
#  3. while it runs, a second demo is refused with a clear message;
#  4. nothing is left behind: no namespace of the run, no process naming its
#     run directory, the lock is gone; the same after a demo is stopped
#     with TERM in the middle (Ctrl-C takes the same trap; a background job
#     of a non-interactive shell cannot receive SIGINT).
# SENEMO_DEMO_STRICT=1 also requires 0 calls lost and every call and
# registration through (the issue's target; off while the handoff chain is
# being finished).
source "$(dirname "$0")/../lib/harness.sh"
h_init demo_test
command -v python3 >/dev/null || h_fail "python3 is needed to read report.json"

OUT="$H_DIR/out"
DEMO=("$H_ROOT/scripts/demo.sh" --mns 5 --calls 2 --moves 1 --move-gap 4 --out "$OUT")

# leftovers of a demo run: namespaces sn<runid>-*, processes naming its dir
leftovers() {   # RUNDIR
    local id; id="$(basename "$1" | tr -dc 'a-zA-Z0-9' | tail -c 6)"
    ip netns list | awk '{print $1}' | grep "^sn$id-" && return 0
    printf '%s\n' "$1" > "$H_DIR/pattern"    # not on grep's own command line
    grep -lsFf "$H_DIR/pattern" /proc/[0-9]*/cmdline 2>/dev/null && return 0
    return 1
}

# ---- 1 + 3: a run, and a second one while it runs ------------------------------
bash "${DEMO[@]}" > "$H_DIR/demo.out" 2> "$H_DIR/demo.err" < /dev/null &
DPID=$!
h_wait_for 60 test -f "$H_BUILD/.demo.lock/pid" || h_fail "the demo did not take its lock"
rc2=0
bash "$H_ROOT/scripts/demo.sh" --mns 1 --calls 0 --moves 0 --out "$H_DIR/out2" \
    > "$H_DIR/second.out" 2>&1 < /dev/null || rc2=$?
[ "$rc2" = 1 ] || h_fail "a second demo while one runs: exit $rc2, expected 1 ($(cat "$H_DIR/second.out"))"
grep -q "another demo is running" "$H_DIR/second.out" || h_fail "no clear message: $(cat "$H_DIR/second.out")"
h_pass "a second demo while one runs is refused: $(head -1 "$H_DIR/second.out")"

rc=0
wait "$DPID" || rc=$?
cat "$H_DIR/demo.out" >&2
[ "$rc" = 0 ] || [ "$rc" = 3 ] || h_fail "demo exited $rc: $(tail -5 "$H_DIR/demo.err")"
for f in report.md report.json demo-signalling.png demo-moves.png; do
    [ -s "$OUT/$f" ] || h_fail "$OUT/$f missing or empty"
done
grep -q "SeNEMO demo" "$H_DIR/demo.out" || h_fail "no table on stdout"
h_pass "demo ran (exit $rc): report.md, report.json, 2 PNG plots, table on stdout"

# ---- 2. report.json ------------------------------------------------------------------
python3 - "$OUT/report.json" "${SENEMO_DEMO_STRICT:-0}" <<'EOF' || h_fail "report.json: see above"
import json, sys
r = json.load(open(sys.argv[1]))
strict = sys.argv[2] == "1"
def need(cond, what):
    if not cond:
        print("report.json: " + what, file=sys.stderr)
        sys.exit(1)
num = lambda x: isinstance(x, (int, float)) and not isinstance(x, bool)
for k in ("mns", "calls", "calls_lost", "moves", "registration", "overhead", "calls_detail"):
    need(k in r, "no key " + k)
need(r["mns"] == 10 and r["mns_per_vehicle"] == 5, "mns %s" % r["mns"])
# 2 MN<->CN calls + one each way between the vehicles
need(r["calls"] == 4, "calls %s, expected 4" % r["calls"])
need(r["calls_established"] + r["calls_failed_setup"] == r["calls"], "established + failed != calls")
need(0 <= r["calls_lost"] <= r["calls_established"], "calls_lost out of range")
need(len(r["calls_detail"]) == r["calls_established"], "calls_detail length")
need(sum(1 for c in r["calls_detail"] if c["lost"]) == r["calls_lost"], "lost calls in calls_detail != calls_lost")
need(sum(r["calls_by_kind"].values()) == r["calls_established"], "calls_by_kind")
need(len(r["moves"]) == 1, "moves: %d, expected 1" % len(r["moves"]))
m = r["moves"][0]
need(m["simultaneous"] and m["vehicles"] == [1, 2], "the one move moves both vehicles")
for k in ("egress_msgs", "completion_ms", "max_media_gap_ms"):
    need(k in m, "moves[0] has no " + k)
need(num(m["egress_msgs"]) and m["egress_msgs"] >= 0, "egress_msgs not a number")
need(m["egress_msgs"] == sum(p["egress_msgs"] for p in m["per_vehicle"]), "egress_msgs != sum per vehicle")
for k in ("completion_ms", "max_media_gap_ms"):
    need(m[k] is None or (num(m[k]) and m[k] >= 0), k + " neither null nor a number")
reg = r["registration"]
need(reg["ok"] + reg["failed"] == 10, "registrations ok + failed != 10")
if reg["ok"]:
    need(num(reg["sip_msgs_per_register"]) and reg["sip_msgs_per_register"] >= 2, "sip_msgs_per_register")
if r["media"]:
    need(m["completion_ms"] is not None or m["calls_not_resumed"] > 0, "media: no completion and no call missing")
    o = r["overhead"]
    need(o.get("measured"), "media ran but no overhead measured")
    need(o["clear_rtp_packets_on_internet"] == 0, "%d clear RTP packets left home" % o["clear_rtp_packets_on_internet"])
    need(9 <= o["srtp_overhead_bytes"] <= 11, "SRTP overhead %s bytes, expected the 10-byte tag" % o["srtp_overhead_bytes"])
if strict:
    need(reg["failed"] == 0, "%d registrations failed" % reg["failed"])
    need(r["calls_failed_setup"] == 0, "%d calls not set up" % r["calls_failed_setup"])
    need(r["calls_lost"] == 0, "%d calls lost" % r["calls_lost"])
    need(m["egress_msgs_per_vehicle_max"] <= 8, "egress msgs per vehicle %d" % m["egress_msgs_per_vehicle_max"])
print("report.json: mns %d, calls %d (%d up), lost %d, move: %d egress msgs, completion %s ms, max gap %s ms, %s" % (
    r["mns"], r["calls"], r["calls_established"], r["calls_lost"], m["egress_msgs"], m["completion_ms"],
    m["max_media_gap_ms"], "media" if r["media"] else "signalling only"), file=sys.stderr)
EOF
h_pass "report.json parses; counts agree (strict: ${SENEMO_DEMO_STRICT:-0})"

# ---- 4. nothing left ---------------------------------------------------------------------
RUNDIR="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_dir"])' "$OUT/report.json")"
[ -n "$RUNDIR" ] || h_fail "report.json names no run_dir"
sleep 1
l="$(leftovers "$RUNDIR")" && h_fail "left behind by the demo: $l"
[ ! -e "$H_BUILD/.demo.lock" ] || h_fail "the demo's lock is still there"
h_pass "after the demo: no namespace, no process, no lock left"

# stopped in the middle (TERM once the daemons run)
bash "${DEMO[@]}" --out "$H_DIR/out3" > "$H_DIR/demo3.out" 2>&1 < /dev/null &
DPID=$!
h_wait_for 120 grep -q "daemons:" "$H_DIR/demo3.out" || h_fail "the second demo did not get to its daemons"
RUNDIR3="$(sed -n 's/.*(run dir \(.*\))$/\1/p' "$H_DIR/demo3.out" | head -1)"
[ -n "$RUNDIR3" ] || h_fail "no run dir in the demo's first line"
kill -TERM "$DPID"
rc=0; wait "$DPID" || rc=$?
# bash runs the TERM trap once the command in the foreground returns; on a
# loaded machine (CI once) the signal was seen only after the run had ended
# and the demo exited 0 having finished normally: what must hold either
# way is that it stops and leaves nothing behind
if [ "$rc" = 0 ]; then
    grep -q "stopping every daemon" "$H_DIR/demo3.out" || h_fail "a demo stopped with TERM exited 0 without cleaning up"
    h_log "note: the TERM took effect only at the end of the run (exit 0)"
fi
sleep 1
l="$(leftovers "$RUNDIR3")" && h_fail "left behind by the stopped demo: $l"
[ ! -e "$H_BUILD/.demo.lock" ] || h_fail "the stopped demo's lock is still there"
h_pass "a demo stopped with TERM (exit $rc) leaves no namespace, process or lock"
