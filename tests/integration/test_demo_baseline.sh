#!/bin/bash
# `./senemo demo --baseline` small (issue 7): 2 vehicles x 3 MNs, 2 MN<->CN
# calls (+ one call each way between the vehicles), one move of both
# vehicles at once, run by SeNEMO and then again per MN (the vehicles'
# routers plain NAT routers, digest, every MN re-registers and re-INVITEs
# its calls itself).
#  1. the demo runs both to the end (exit 0) and writes report.md (with the
#     side-by-side section), report.json, the plots and the baseline run's
#     own report (baseline/report.json);
#  2. report.json's "baseline" is the measured object: registrations take 2
#     SIP messages with HOTP through the NVG and 4 with digest per MN; the
#     move costs more SIP messages on the egress links per MN than through
#     the NVG; no call lost in either (every call set up, every call's media
#     back after the simultaneous move, every BYE answered);
#  3. nothing is left behind by either run: no namespace, no process naming
#     a run directory, the lock is gone.
source "$(dirname "$0")/../lib/harness.sh"
h_init demo_baseline_test
command -v python3 >/dev/null || h_fail "python3 is needed to read report.json"

OUT="$H_DIR/out"
rc=0
bash "$H_ROOT/scripts/demo.sh" --mns 3 --calls 2 --moves 1 --move-gap 4 --baseline --out "$OUT" \
    > "$H_DIR/demo.out" 2> "$H_DIR/demo.err" < /dev/null || rc=$?
cat "$H_DIR/demo.out" >&2
[ "$rc" = 0 ] || h_fail "demo --baseline exited $rc: $(tail -5 "$H_DIR/demo.err")"
for f in report.md report.json demo-signalling.png demo-moves.png baseline/report.json; do
    [ -s "$OUT/$f" ] || h_fail "$OUT/$f missing or empty"
done
grep -q "side by side" "$OUT/report.md" || h_fail "report.md has no side-by-side section"
grep -q "baseline: move 1/1" "$H_DIR/demo.out" || h_fail "the baseline's progress lines are not on stdout"
h_pass "demo --baseline ran (exit 0): report.md with the side-by-side section, report.json, plots, baseline/report.json"

python3 - "$OUT/report.json" <<'PY' || h_fail "report.json: see above"
import json, sys
r = json.load(open(sys.argv[1]))
def need(cond, what):
    if not cond:
        print("report.json: " + what, file=sys.stderr)
        sys.exit(1)
b = r.get("baseline")
need(isinstance(b, dict), "baseline is %r, expected the measured object" % (b,))
for k in ("registration", "moves", "calls", "calls_established", "calls_lost", "egress_msgs_per_vehicle_move_mean"):
    need(k in b, "baseline has no " + k)
need(b["mns"] == r["mns"] == 6 and b["calls"] == r["calls"] == 4, "not the same scenario: mns %s/%s calls %s/%s" % (
    r["mns"], b["mns"], r["calls"], b["calls"]))
# registrations: HOTP through the NVG 2 messages, digest per MN 4
need(r["registration"]["ok"] == 6 and b["registration"]["ok"] == 6, "registrations %s / %s of 6" % (
    r["registration"]["ok"], b["registration"]["ok"]))
need(r["registration"]["sip_msgs_per_register"] == 2, "HOTP REGISTER: %s SIP messages" % r["registration"]["sip_msgs_per_register"])
need(b["registration"]["sip_msgs_per_register"] == 4, "digest REGISTER: %s SIP messages" % b["registration"]["sip_msgs_per_register"])
need(b["registration"]["auth"] == "digest", "baseline auth %s" % b["registration"]["auth"])
need(b["registration"]["latency_ms_p50"] is not None, "no baseline REGISTER latency")
# the move: more signalling per MN than through the NVG
need(len(r["moves"]) == 1 and len(b["moves"]) == 1, "moves %d / %d" % (len(r["moves"]), len(b["moves"])))
m, bm = r["moves"][0], b["moves"][0]
need(bm["simultaneous"] and bm["vehicles"] == [1, 2], "the baseline's move is not the simultaneous one")
need(bm["egress_msgs"] > m["egress_msgs"], "per move: baseline %d SIP messages, NVG %d" % (bm["egress_msgs"], m["egress_msgs"]))
need(b["egress_msgs_per_vehicle_move_mean"] > r["egress_msgs_per_vehicle_move_mean"], "mean per vehicle and move")
for p in bm["per_vehicle"]:
    # each MN re-registered (REGISTER twice: digest) and re-INVITEd its calls
    need(p["mn_registers"] >= 2 * 3, "vehicle %d: %d REGISTERs after the move, expected >= 6" % (p["vehicle"], p["mn_registers"]))
    need(p["reinvites"] >= 1, "vehicle %d: no re-INVITE on the egress link" % p["vehicle"])
    need(p["signalling_ms"] is not None, "vehicle %d: no signalling time" % p["vehicle"])
# no call lost in either
for name, x in (("SeNEMO", r), ("baseline", b)):
    need(x["calls_established"] == x["calls"], "%s: %d of %d calls set up" % (name, x["calls_established"], x["calls"]))
    need(x["calls_lost"] == 0, "%s: %d calls lost" % (name, x["calls_lost"]))
need(bm["calls_not_resumed"] == 0 and bm["calls_affected"] == 4, "baseline media: %s of %s calls not back" % (
    bm["calls_not_resumed"], bm["calls_affected"]))
print("report.json: per move SeNEMO %d vs baseline %d SIP messages (%d vs %d bytes); REGISTER %s vs %s messages; "
      "lost %d / %d; baseline completion %s ms" % (m["egress_msgs"], bm["egress_msgs"], m["egress_bytes"], bm["egress_bytes"],
      r["registration"]["sip_msgs_per_register"], b["registration"]["sip_msgs_per_register"], r["calls_lost"],
      b["calls_lost"], bm["completion_ms"]), file=sys.stderr)
PY
h_pass "report.json: baseline measured; digest 4 vs HOTP 2 messages per REGISTER; more messages per move; 0 calls lost in both"

# ---- nothing left ---------------------------------------------------------------------
leftovers() {   # RUNDIR
    local id; id="$(basename "$1" | tr -dc 'a-zA-Z0-9' | tail -c 6)"
    ip netns list | awk '{print $1}' | grep "^sn$id-" && return 0
    printf '%s\n' "$1" > "$H_DIR/pattern"
    grep -lsFf "$H_DIR/pattern" /proc/[0-9]*/cmdline 2>/dev/null && return 0
    return 1
}
sleep 1
for j in report.json baseline/report.json; do
    d="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_dir"])' "$OUT/$j")"
    [ -n "$d" ] || h_fail "$j names no run_dir"
    l="$(leftovers "$d")" && h_fail "left behind by $d: $l"
done
[ ! -e "$H_BUILD/.demo.lock" ] || h_fail "the demo's lock is still there"
h_pass "after demo --baseline: no namespace, no process, no lock left by either run"
