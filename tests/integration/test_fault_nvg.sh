#!/bin/bash
# Fault injection at the NVG (issue 9): kill -9 of the whole NVG (main
# process and every worker) under SIPp load, in the namespaces of
# tests/lib/nvgnet.sh (MNs -- NVG -- "internet" -- home with HOTP at Proxy 1).
#
# Load while it dies: correspondent nodes at home call the MNs through
# Proxy 2 and the NVG (5 calls/s, each held 3 s, then re-INVITE and BYE
# through the route set), and half of the MNs refresh their registrations
# through the NVG with fresh OTPs (3/s).
#  1. while the NVG is dead, Proxy 1 fails closed: a REGISTER for an MN from
#     the Internet with a replayed OTP or a wrong one gets 403, the
#     registrar's binding of that MN is unchanged (still the NVG's logical
#     URI);
#  2. the NVG is started again (as a supervisor would) and comes back by
#     itself: its binding table, reloaded from SQLite, equals the one before
#     the kill (every AoR, logical URI and contact); it registers its own AoR
#     again with an OTP counter above every one used before (counter file),
#     and no HOTP counter at the server went back;
#  3. the MNs need not re-register: after the restart one call to each of
#     the 50 MNs (25 of them sent nothing since the kill) is answered and
#     completes (INVITE, re-INVITE, BYE);
#  4. figures: calls and REGISTERs of the load that failed, time from the
#     restart (and from the kill) to the first good call; fault_nvg.json.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/netns.sh"
source "$(dirname "$0")/../lib/nvgnet.sh"
h_init fault_nvg

SCEN="$H_ROOT/sipp-scenarios"
DOM=$NVGNET_DOM
N=50            # MNs registered through the NVG
NREF=25         # mn-1..mn-25 refresh during the load; mn-26..mn-50 stay silent
NCALLS=60       # calls of the load (5/s: 12 s)
for c in oathtool sqlite3; do command -v "$c" >/dev/null || h_fail "$c is needed"; done

nvgnet_topology
nvgnet_home "$N"
nvgnet_nvg nvg
h_pass "topology, Diameter + app_hotp, Proxy 1 (HOTP), Proxy 2, NVG (SQLite, own HOTP credential) up"

# the MNs' UAS (answers every call, re-INVITE, BYE) for the whole test
h_start_ns "$MOB" mn_uas bash -c "cd '$H_DIR' && exec timeout 400 sipp -nostdin -sf '$SCEN/nvg_uas.xml' \
    -i $MNIP -p 5062 -timeout 380s -trace_err -error_file '$H_DIR/mn_uas.err'"
nvgnet_register_mns 1 "$N" 0 reg0 || h_fail "the $N MNs did not all register through the NVG (reg0.log)"
nvg_rpc() { h_kamcmd "$NVGNAME" "$@"; }
NVGNAME=nvg
bindings() { nvg_rpc nvg.bindings | grep -E 'aor:|logical:|contact:' | sort; }
counters() { # every account's server-side counter, one "aor counter" a line
    local u
    for u in nvg-7 $(seq -f 'mn-%g' 1 "$N"); do
        echo "$u $("${NVGNET_HOTP[@]}" show "sip:$u@$DOM" | sed -n 's/^counter: //p')"
    done
}
[ "$(bindings | grep -c 'contact:')" = "$N" ] || h_fail "the NVG holds $(bindings | grep -c 'contact:') bindings, expected $N"
h_pass "$N MNs registered through the NVG with HOTP (200 each)"

# ---- load ----------------------------------------------------------------------------
{ echo SEQUENTIAL; for i in $(seq 1 "$NCALLS"); do echo "mn-$(( (i - 1) % N + 1 ))"; done; } > "$H_DIR/callees.csv"
( cd "$H_DIR" && timeout 200 ip netns exec "$HOM" sipp -nostdin -sf "$SCEN/fault_nvg_uac.xml" \
    -inf "$H_DIR/callees.csv" -set domain "$DOM" -set hold 3000 -s cn-1 -m "$NCALLS" -r 5 -l 100 \
    -i "$HOMEIP" -p 5090 "$HOMEIP:5070" -timeout 150s -recv_timeout 12000 -trace_err -trace_stat -fd 1 \
    -error_file "$H_DIR/load_calls.err" > "$H_DIR/load_calls.log" 2>&1 ) &
CALLS_PID=$!
( NVGNET_REG_RATE=3 NVGNET_REG_PORT=5065 nvgnet_register_mns 1 "$NREF" 1 load_regs ) &
REGS_PID=$!
sleep 5
snap="$(bindings)"
ctr_before="$(counters)"
nvg_ctr_before="$(cat "$H_DIR/nvg.counter")"
up="$(nvg_rpc nvg.dialogs | grep -c 'state: confirmed' || true)"

# ---- kill -9: the main process and every worker at once ---------------------------------
# (a SIGKILLed main alone leaves its workers running, holding the sockets)
NVG_MAIN="$(h_pid nvg)"
kill -9 "$NVG_MAIN" $(pgrep -P "$NVG_MAIN")
T_KILL="$(date +%s%3N)"
h_log "NVG killed (main $NVG_MAIN and its workers) with $up calls confirmed at it, load running"
h_wait_for 10 bash -c "! ip netns pids $NVG | h_grepq ." || h_fail "processes of the NVG survived kill -9: $(ip netns pids "$NVG")"
h_stop nvg

# ---- 1. Proxy 1 fails closed meanwhile ------------------------------------------------------
# mn-1's OTP 0 was accepted at start-up: replayed from the Internet now
printf 'SEQUENTIAL\nmn-1;%s;%s\n' "$DOM" "$(oathtool --hotp -c 0 "$(nvgnet_secret 1)")" > "$H_DIR/replay.csv"
printf 'SEQUENTIAL\nmn-1;%s;000000\n' "$DOM" > "$H_DIR/wrong.csv"
for p in replay wrong; do
    ( cd "$H_DIR" && timeout 30 ip netns exec "$RTR" sipp -nostdin -sf "$SCEN/register_hotp.xml" \
        -inf "$H_DIR/$p.csv" -set expect 403 -m 1 -i 198.18.30.1 -p 5099 "$HOMEIP:5060" -timeout 20s \
        -trace_err -error_file "$H_DIR/$p.err" > "$H_DIR/$p.log" 2>&1 ) \
        || h_fail "a REGISTER for mn-1 from the Internet with a $p OTP was not refused with 403 ($p.log)"
done
h_kamcmd proxy2 ul.lookup location mn-1 | h_grepq "Address: sip:mn-1@$NVGNET_NVGD;nvgc=" \
    || h_fail "mn-1's binding at the registrar changed while the NVG was dead: $(h_kamcmd proxy2 ul.lookup location mn-1 | grep Address)"
h_kamcmd proxy2 ul.lookup location mn-1 | h_grepq "198.18.30.1" && h_fail "the attacker's contact reached the registrar"
h_pass "NVG dead: REGISTERs for mn-1 from the Internet with a replayed and a wrong OTP -> 403; mn-1 still bound to the NVG's logical URI"

# ---- 2. restart: state from SQLite ----------------------------------------------------------
rows="$(sqlite3 "$H_DIR/nvg.sqlite" 'select count(*) from nvg_bindings')"
T_START="$(date +%s%3N)"
NVGNAME=nvg2
nvgnet_nvg nvg2
T_UP="$(date +%s%3N)"
after="$(bindings)"
[ "$after" = "$snap" ] || h_fail "the bindings after the restart differ from those before the kill: $(diff <(echo "$snap") <(echo "$after") | head -10)"
[ "$(grep -c 'contact:' <<<"$after")" = "$N" ] || h_fail "after the restart $(grep -c 'contact:' <<<"$after") bindings, expected $N"
nvg_ctr_after="$(cat "$H_DIR/nvg.counter")"
[ "$nvg_ctr_after" -gt "$nvg_ctr_before" ] \
    || h_fail "the NVG's counter file went from $nvg_ctr_before to $nvg_ctr_after over the restart"
h_pass "NVG restarted: $N bindings back from SQLite ($rows rows), identical to before the kill; own AoR registered again (counter file $nvg_ctr_before -> $nvg_ctr_after)"

# first good call after the restart (single calls, retried until one completes)
first_good() {
    local i
    for i in $(seq 120); do
        printf 'SEQUENTIAL\nmn-%d\n' $(( (i - 1) % N + 1 )) > "$H_DIR/probe.csv"
        if ( cd "$H_DIR" && timeout 30 ip netns exec "$HOM" sipp -nostdin -sf "$SCEN/fault_nvg_uac.xml" \
                -inf "$H_DIR/probe.csv" -set domain "$DOM" -set hold 100 -s cn-2 -m 1 -i "$HOMEIP" \
                -p 5091 "$HOMEIP:5070" -timeout 20s -recv_timeout 3000 > "$H_DIR/probe.log" 2>&1 ); then
            date +%s%3N; return 0
        fi
        sleep 0.2
    done
    return 1
}
T_GOOD="$(first_good)" || h_fail "no call to an MN succeeded within 2 minutes of the restart"
RECOVER_MS=$((T_GOOD - T_START)); OUTAGE_MS=$((T_GOOD - T_KILL)); START_MS=$((T_UP - T_START))
CTL_MS=$((NVGNET_T_CTL - T_START))
h_pass "first good call $RECOVER_MS ms after the restart began (control socket answering after $CTL_MS ms, own AoR registered after $START_MS ms; $OUTAGE_MS ms after the kill)"

wait "$CALLS_PID"; wait "$REGS_PID"
C_OK="$(nvgnet_ok load_calls)"; C_FAIL="$(nvgnet_failed load_calls)"
R_OK="$(nvgnet_ok load_regs)"; R_FAIL="$(nvgnet_failed load_regs)"
[ $((C_OK + C_FAIL)) = "$NCALLS" ] || h_fail "the call load ended with $C_OK ok + $C_FAIL failed of $NCALLS (load_calls.log)"
[ $((R_OK + R_FAIL)) = "$NREF" ] || h_fail "the refresh load ended with $R_OK ok + $R_FAIL failed of $NREF (load_regs.log)"
h_pass "load: calls $C_OK of $NCALLS completed, $C_FAIL failed; REGISTER refreshes $R_OK of $NREF got 200, $R_FAIL failed"

# no counter went back at the server; the bindings are still the same ones
ctr_after="$(counters)"
while read -r u c; do
    a="$(awk -v u="$u" '$1 == u { print $2 }' <<<"$ctr_after")"
    [ "$a" -ge "$c" ] || h_fail "$u's HOTP counter went back from $c to $a"
done <<<"$ctr_before"
[ "$(bindings)" = "$snap" ] || h_fail "the bindings changed during the load: $(diff <(echo "$snap") <(bindings) | head -10)"
h_pass "no HOTP counter at the server went back (nvg-7 and $N MNs); the NVG's bindings are unchanged"

# ---- 3. every MN reachable without re-registering --------------------------------------------
{ echo SEQUENTIAL; for i in $(seq 1 "$N"); do echo "mn-$i"; done; } > "$H_DIR/all.csv"
committed="$(nvg_rpc stats.get_statistics nvg: | awk '$1 == "nvg:registers_committed" { print $3 }')"
[ -n "$committed" ] || h_fail "no statistic nvg:registers_committed"
( cd "$H_DIR" && timeout 120 ip netns exec "$HOM" sipp -nostdin -sf "$SCEN/fault_nvg_uac.xml" \
    -inf "$H_DIR/all.csv" -set domain "$DOM" -set hold 200 -s cn-3 -m "$N" -r 10 -l 50 -i "$HOMEIP" \
    -p 5092 "$HOMEIP:5070" -timeout 90s -recv_timeout 8000 -trace_err -trace_stat -fd 1 \
    -error_file "$H_DIR/after.err" > "$H_DIR/after.log" 2>&1 ) \
    || h_fail "not every MN could be called after the restart: $(nvgnet_failed after) failed (after.log)"
[ "$(nvg_rpc stats.get_statistics nvg: | awk '$1 == "nvg:registers_committed" { print $3 }')" = "$committed" ] \
    || h_fail "an MN registered during the calls after the restart"
h_pass "after the restart all $N MNs answered a call (INVITE, re-INVITE, BYE), mn-$((NREF + 1))..mn-$N without any REGISTER since the kill"

h_stop mn_uas
printf '{"test":"fault_nvg","mns":%d,"calls_confirmed_at_kill":%d,"load":{"calls":%d,"calls_ok":%d,"calls_failed":%d,"register_refreshes":%d,"registers_ok":%d,"registers_failed":%d},"restart_to_ctl_ms":%d,"restart_to_registered_ms":%d,"restart_to_first_call_ms":%d,"kill_to_first_call_ms":%d,"bindings_before":%d,"bindings_after":%d}\n' \
    "$N" "$up" "$NCALLS" "$C_OK" "$C_FAIL" "$NREF" "$R_OK" "$R_FAIL" "$CTL_MS" "$START_MS" "$RECOVER_MS" "$OUTAGE_MS" \
    "$(grep -c 'contact:' <<<"$snap")" "$(grep -c 'contact:' <<<"$after")" | tee "$H_DIR/fault_nvg.json" >&2
