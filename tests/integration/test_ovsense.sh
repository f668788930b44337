#!/bin/bash
# ovsense (overload sensing, flow 6 of DESIGN.md) with real daemons:
#
#  1. Proxy 1 (cfg/kamailio/proxy1.cfg, authentication off) in front of a
#     downstream of known capacity (tests/cfg/ovsense-downstream.cfg: one
#     worker, 10 ms of work per INVITE and BYE: 50 calls/s), over UDP and
#     over TCP. Offered load stepped 0.5x -> 5x (UDP) / 3x (TCP) -> 0.5x:
#     the state follows (normal, then high/overload, then normal again),
#     new requests are shed with 503 + Retry-After while in-dialog requests
#     (BYEs of calls set up before the overload, sent during it) and
#     emergency calls never are. No timed assertion: states are polled with
#     generous bounds, goodput is printed, not judged (the benchmark does).
#  2. RFC 7339 feedback from a SIPp UAS: malformed `oc` values (negative,
#     > 100, non-numeric, huge validity, unsupported algorithm) are ignored
#     with a log line and change no state; a valid oc=100 makes Proxy 1 shed
#     new requests to that destination (explicitly, 503).
#  3. ovsense interoperating with itself: NVG-like relay -> Proxy 1 ->
#     Proxy 2-like relay -> downstream (tests/cfg/ovsense-relay.cfg): Proxy
#     1's Via carries `oc` (Proxy 2 answers with feedback), Proxy 2's own
#     forced load reaches Proxy 1 and, through Proxy 1's feedback, the
#     NVG, which then sheds at the source; Proxy 1's own forced load reaches
#     the NVG the same way.
source "$(dirname "$0")/../lib/harness.sh"
h_init ovsense

SC="$H_ROOT/sipp-scenarios"
PARTS="${SENEMO_OVSENSE_PARTS:-1 2 3}"   # run a subset while debugging
CAP=50          # calls/s of the downstream: 1 worker, 2 x 10 ms per call
h_render "$H_ROOT/cfg/kamailio/cdp.xml.in" "$H_DIR/cdp.xml" FQDN=p1.vpn.example.com \
    REALM=vpn.example.com SERVER_HOST=127.0.0.1 SERVER_PORT="$(h_port)" ACCEPT_PORT="$(h_port)"

# stat FILE COLUMN : a cumulative column of a SIPp -trace_stat file
stat() { awk -F';' -v c="$2" 'NR==1{for(i=1;i<=NF;i++) h[$i]=i} END{print $h[c]+0}' "$1"; }
# status NAME [DEST] : ovsense.status of a Kamailio, flattened to "key: value" lines
status() { h_kamcmd "$@" 2>/dev/null | tr -s ' \t' ' ' | sed 's/^ //'; }
# field TEXT KEY : first value of KEY in a status dump
field() { sed -n "s/^$2: \(-\{0,1\}[0-9a-z]*\)$/\1/p" <<<"$1" | head -1; }

# uac NAME TRANSPORT TARGET RATE CALLS [extra sipp args]: load in the background
uac() {
    local name="$1" tr="$2" target="$3" rate="$4" calls="$5" t=u1; shift 5
    [ "$tr" = tcp ] && t=t1
    h_start "$name" bash -c "cd '$H_DIR' && exec timeout 120 sipp -nostdin -sf '$SC/uac_overload.xml' \
        -set prio normal -s svc -t $t -i 127.0.0.1 -p $(h_port) -r $rate -m $calls -l 100000 \
        -recv_timeout 5000 -timeout 90s -trace_stat -fd 1 -stf '$H_DIR/$name.csv' $* $target"
}
wait_done() { # NAME... : wait for background SIPp runs to end (each is bounded by its timeout)
    local n
    for n in "$@"; do wait "$(h_pid "$n")" 2>/dev/null; done
    return 0
}

# overload_run TRANSPORT X : the step test over one transport
overload_run() {
    local tr="$1" x="$2" dp p1 st seen states ok fail shed sd hi ov r
    dp="$(h_port)"; p1="$(h_port)"
    h_kamailio "ds-$tr" "$H_ROOT/tests/cfg/ovsense-downstream.cfg" -A "LISTEN=$tr:127.0.0.1:$dp" \
        -A "CONTACT=\"sip:ds@127.0.0.1:$dp;transport=$tr\"" -A COST_US=10000 -A WORKERS=1
    H_KAM_SHM=256 h_kamailio "p1-$tr" "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=$tr:127.0.0.1:$p1" \
        -A "NEXT_HOP=\"sip:127.0.0.1:$dp;transport=$tr\"" -A "CDP_CONFIG=\"$H_DIR/cdp.xml\"" -A NO_AUTH
    local dest="$tr:127.0.0.1:$dp"

    # 0.5x: everything passes, state normal
    uac "low1-$tr" "$tr" "127.0.0.1:$p1" $((CAP / 2)) $((CAP / 2 * 6))
    wait_done "low1-$tr"
    ok="$(stat "$H_DIR/low1-$tr.csv" 'SuccessfulCall(C)')"
    [ "$ok" = $((CAP / 2 * 6)) ] || h_fail "$tr 0.5x: $ok of $((CAP / 2 * 6)) calls succeeded"
    st="$(status "p1-$tr" ovsense.status "$dest")"
    [ "$(field "$st" state)" = normal ] || h_fail "$tr 0.5x: state $(field "$st" state), expected normal"
    [ "$(field "$st" shed_new)" = 0 ] || h_fail "$tr 0.5x: requests shed at half the capacity"
    h_pass "$tr 0.5x: $ok/$ok calls, state normal, nothing shed"

    # calls set up now and hung up (BYE) in the middle of the overload
    uac "held-$tr" "$tr" "127.0.0.1:$p1" 10 20 -d 7000
    sleep 3
    # Nx, with emergency calls alongside
    uac "high-$tr" "$tr" "127.0.0.1:$p1" $((CAP * x)) $((CAP * x * 10))
    uac "sos-$tr" "$tr" "127.0.0.1:$p1" 4 30 -set prio emergency
    states=""
    for r in $(seq 1 24); do
        sleep 0.5
        states+=" $(field "$(status "p1-$tr" ovsense.status "$dest")" state)"
    done
    wait_done "high-$tr" "sos-$tr" "held-$tr"
    st="$(status "p1-$tr" ovsense.status "$dest")"
    echo "$st" > "$H_DIR/status-$tr-high.txt"
    ok="$(stat "$H_DIR/high-$tr.csv" 'SuccessfulCall(C)')"
    fail="$(stat "$H_DIR/high-$tr.csv" 'FailedCall(C)')"
    shed="$(field "$st" shed_new)"
    h_log "$tr ${x}x: states seen:$states"
    h_log "$tr ${x}x: $ok calls succeeded, $fail failed (goodput ~$((ok / 10))/s of capacity $CAP/s), $shed new requests shed"
    grep -q 'overload' <<<"$states" || h_fail "$tr ${x}x: state never reached overload (seen:$states)"
    [ "${shed:-0}" -gt 0 ] || h_fail "$tr ${x}x: nothing shed"
    [ "$ok" -gt 0 ] || h_fail "$tr ${x}x: no call succeeded"
    h_pass "$tr ${x}x: state went to overload, $shed new requests shed early"
    # in-dialog and emergency requests are never shed
    hi="$(stat "$H_DIR/held-$tr.csv" 'SuccessfulCall(C)')"
    [ "$hi" = 20 ] || h_fail "$tr ${x}x: $hi of 20 calls hung up during the overload completed (BYE shed?)"
    sd="$(stat "$H_DIR/sos-$tr.csv" 'SuccessfulCall(C)')"
    [ "$sd" = 30 ] || h_fail "$tr ${x}x: $sd of 30 emergency calls succeeded"
    [ "$(stat "$H_DIR/sos-$tr.csv" 'FailedUnexpectedMessage(C)')" = 0 ] \
        || h_fail "$tr ${x}x: an emergency call got a 503"
    h_pass "$tr ${x}x: 20/20 BYEs sent during the overload and 30/30 emergency calls went through"
    # the RPC shows the signals behind the level
    for k in delay_p90_ms queue_delay_ms retrans_pct timeout_pct reject_503_pct send_error_pct \
             window inflight drop_pct; do
        grep -q "^$k: " <<<"$st" || h_fail "ovsense.status lacks $k"
    done
    [ "$(field "$st" retry_after)" = 5 ] || h_fail "ovsense.status: retry_after is not 5"

    # back to 0.5x: the state returns to normal (bounded wait, no timing claim)
    uac "low2-$tr" "$tr" "127.0.0.1:$p1" $((CAP / 2)) $((CAP / 2 * 20))
    h_wait_for 40 bash -c "kamcmd -s unix:$H_DIR/p1-$tr.ctl ovsense.status $dest | h_grepq 'state: normal'" \
        || h_fail "$tr: state did not return to normal at 0.5x"
    wait_done "low2-$tr"
    st="$(status "p1-$tr" ovsense.status "$dest")"
    h_pass "$tr: back to normal after the load dropped ($(field "$st" state_changes) state changes in all)"
    h_stop "p1-$tr"; h_stop "ds-$tr"
}

# ---- 1. implicit sensing and shedding -------------------------------------------------
if [[ " $PARTS " == *" 1 "* ]]; then
    overload_run udp 5
    overload_run tcp 3
fi
if [[ " $PARTS " == *" 1 "* || " $PARTS " == *" 1b "* ]]; then
    # TCP-specific: a destination that refuses connections is probed with a
    # few requests per interval; the rest get 503 + Retry-After at once
    p1="$(h_port)"; dead="$(h_port)"
    h_kamailio p1-refused "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=tcp:127.0.0.1:$p1" \
        -A "NEXT_HOP=\"sip:127.0.0.1:$dead;transport=tcp\"" -A "CDP_CONFIG=\"$H_DIR/cdp.xml\"" -A NO_AUTH
    uac refused tcp "127.0.0.1:$p1" 50 300
    wait_done refused
    st="$(status p1-refused ovsense.status "tcp:127.0.0.1:$dead")"
    echo "$st" > "$H_DIR/status-refused.txt"
    [ "$(field "$st" send_errors)" -gt 0 ] || h_fail "refused connections not counted as send errors"
    [ "$(field "$st" state)" = overload ] || h_fail "refusing destination: state $(field "$st" state)"
    [ "$(field "$st" shed_new)" -gt "$(field "$st" send_errors)" ] \
        || h_fail "refusing destination: only $(field "$st" shed_new) shed for $(field "$st" send_errors) failed sends"
    h_pass "TCP connection refused: overload, $(field "$st" send_errors) probes failed, $(field "$st" shed_new) shed with 503"
    h_stop p1-refused
fi

# ---- 2. RFC 7339 feedback from a UAS: malformed ignored, valid honoured ----------------------
if [[ " $PARTS " == *" 2 "* ]]; then
UP="$(h_port)"; P1="$(h_port)"
h_kamailio p1-oc "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:127.0.0.1:$P1" \
    -A "NEXT_HOP=\"sip:127.0.0.1:$UP\"" -A "CDP_CONFIG=\"$H_DIR/cdp.xml\"" -A NO_AUTH
DEST="udp:127.0.0.1:$UP"
# uas_run NAME OCP CALLS : 3 calls to a UAS that answers with the given Via parameters
# (each held 100 ms: an ACK and a BYE sent back to back may pass through two
# Proxy 1 workers and reach the UAS in the other order)
uas_run() {
    local name="$1" ocp="$2" n="$3"
    h_start "uas-$name" bash -c "cd '$H_DIR' && exec timeout 30 sipp -nostdin -sf '$SC/uas_oc.xml' \
        -set ocp '$ocp' -i 127.0.0.1 -p $UP -m $n"
    sleep 0.3
    h_sipp "uac-$name" -sf "$SC/uac_overload.xml" -set prio normal -s svc -i 127.0.0.1 -p "$(h_port)" \
        -r 5 -m 3 -d 100 -recv_timeout 5000 -timeout 20s -stf "$H_DIR/uac-$name.csv" "127.0.0.1:$P1" || true
    h_stop "uas-$name"
}
n=0
for ocp in ';oc=-5;oc-validity=500' ';oc=150' ';oc=abc' ';oc=50;oc-validity=99999999999' \
           ';oc=40;oc-algo="rate"'; do
    n=$((n + 1))
    before="$(field "$(status p1-oc ovsense.status)" feedback_ignored)"
    uas_run "bad$n" "$ocp" 3
    st="$(status p1-oc ovsense.status "$DEST")"
    after="$(field "$(status p1-oc ovsense.status)" feedback_ignored)"
    [ "$(stat "$H_DIR/uac-bad$n.csv" 'SuccessfulCall(C)')" = 3 ] || h_fail "'$ocp': calls failed"
    [ "$after" -gt "$before" ] || h_fail "'$ocp': not counted as ignored feedback"
    [ "$(field "$st" explicit_oc)" = -1 ] || h_fail "'$ocp' changed the explicit state: $(field "$st" explicit_oc)"
    [ "$(field "$st" shed_explicit)" = 0 ] || h_fail "'$ocp': requests shed"
    [ "$(field "$st" state)" = normal ] || { echo "$st" >&2; h_fail "'$ocp': state $(field "$st" state)"; }
done
grep -q 'ignored RFC 7339 feedback from .*oc: not a number in 0..100' "$H_DIR/p1-oc.log" \
    || h_fail "no log line for a malformed oc value"
grep -q "ignored RFC 7339 feedback from .*oc-validity: too large" "$H_DIR/p1-oc.log" \
    || h_fail "no log line for a huge oc-validity"
grep -q "ignored RFC 7339 feedback from .*unsupported" "$H_DIR/p1-oc.log" \
    || h_fail "no log line for an unsupported oc-algo"
h_pass "malformed oc (negative, > 100, non-numeric, huge validity, other algorithm): ignored with a log line, no state change"
# a valid oc=100 for 5 s: new requests to that destination are shed explicitly
uas_run good ';oc=100;oc-validity=5000;oc-seq=100.5' 1
st="$(status p1-oc ovsense.status "$DEST")"
[ "$(field "$st" shed_explicit)" -ge 1 ] 2>/dev/null || h_fail "oc=100 not honoured (shed_explicit $(field "$st" shed_explicit))"
[ "$(stat "$H_DIR/uac-good.csv" 'FailedUnexpectedMessage(C)')" -ge 1 ] || h_fail "oc=100: no call got 503"
h_pass "valid oc=100 honoured: $(field "$st" shed_explicit) new requests shed with 503"
fi

# ---- 3. ovsense on both sides: NVG -> Proxy 1 -> Proxy 2 ------------------------------------
[[ " $PARTS " == *" 3 "* ]] || exit 0
DP="$(h_port)"; PP2="$(h_port)"; PP1="$(h_port)"; PN="$(h_port)"
h_kamailio ds-fast "$H_ROOT/tests/cfg/ovsense-downstream.cfg" -A "LISTEN=udp:127.0.0.1:$DP" \
    -A "CONTACT=\"sip:ds@127.0.0.1:$DP\"" -A COST_US=200 -A WORKERS=2
h_kamailio p2 "$H_ROOT/tests/cfg/ovsense-relay.cfg" -A "LISTEN=udp:127.0.0.1:$PP2" \
    -A "NEXT_HOP=\"sip:127.0.0.1:$DP\""
h_kamailio p1 "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:127.0.0.1:$PP1" \
    -A "NEXT_HOP=\"sip:127.0.0.1:$PP2\"" -A "CDP_CONFIG=\"$H_DIR/cdp.xml\"" -A NO_AUTH
h_kamailio nvg "$H_ROOT/tests/cfg/ovsense-relay.cfg" -A "LISTEN=udp:127.0.0.1:$PN" \
    -A "NEXT_HOP=\"sip:127.0.0.1:$PP1\""
h_sipp ic0 -sf "$SC/uac_overload.xml" -set prio normal -s svc -i 127.0.0.1 -p "$(h_port)" \
    -r 20 -m 20 -recv_timeout 5000 -timeout 20s -stf "$H_DIR/ic0.csv" "127.0.0.1:$PN" \
    || h_fail "calls through NVG -> Proxy 1 -> Proxy 2 failed with nobody loaded"
h_kamcmd p2 ovsense.self_overload 40 60 >/dev/null || h_fail "ovsense.self_overload failed"
h_sipp ic1 -sf "$SC/uac_overload.xml" -set prio normal -s svc -i 127.0.0.1 -p "$(h_port)" \
    -r 25 -m 200 -recv_timeout 5000 -timeout 40s -stf "$H_DIR/ic1.csv" "127.0.0.1:$PN" || true
s1="$(status p1 ovsense.status)"; sn="$(status nvg ovsense.status)"; s2="$(status p2 ovsense.status)"
echo "$s1" > "$H_DIR/status-p1-interop.txt"; echo "$sn" > "$H_DIR/status-nvg-interop.txt"
[ "$(field "$s2" oc_advertised)" -gt 0 ] || h_fail "Proxy 2 saw no 'oc' in Proxy 1's Via"
[ "$(field "$s1" feedback_applied)" -gt 0 ] || h_fail "Proxy 1 did not take Proxy 2's feedback"
[ "$(field "$s1" oc_advertised)" -gt 0 ] || h_fail "Proxy 1 did not pass feedback to the NVG"
[ "$(field "$sn" feedback_applied)" -gt 0 ] || h_fail "the NVG did not take Proxy 1's feedback"
shn="$(field "$sn" shed_explicit)"; sh1="$(field "$s1" shed_explicit)"
fail="$(stat "$H_DIR/ic1.csv" 'FailedCall(C)')"
h_log "Proxy 2 at oc=40: NVG shed $shn, Proxy 1 shed $sh1 of 200 new calls ($fail failed in all)"
[ "$shn" -gt "$sh1" ] || h_fail "the NVG did not shed at the source ($shn vs Proxy 1 $sh1)"
[ "$fail" -ge 40 ] && [ "$fail" -le 120 ] || h_fail "$fail of 200 calls refused for oc=40"
h_pass "Proxy 2 -> Proxy 1 -> NVG: oc=40 propagated, the NVG sheds at the source ($shn), Proxy 1 little ($sh1)"
h_kamcmd p2 ovsense.self_overload 0 >/dev/null
h_kamcmd p1 ovsense.self_overload 30 60 >/dev/null
sleep 1.5
h_sipp ic2 -sf "$SC/uac_overload.xml" -set prio normal -s svc -i 127.0.0.1 -p "$(h_port)" \
    -r 25 -m 100 -recv_timeout 5000 -timeout 40s -stf "$H_DIR/ic2.csv" "127.0.0.1:$PN" || true
sn2="$(status nvg ovsense.status)"
[ "$(field "$sn2" shed_explicit)" -gt "$shn" ] || h_fail "Proxy 1's own load did not reach the NVG"
h_pass "Proxy 1's own load (forced oc=30) reaches the NVG: it sheds $(( $(field "$sn2" shed_explicit) - shn )) of 100"
