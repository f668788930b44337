#!/bin/bash
# ovsense on a slow access link (issue 8): the NVG senses Proxy 1 over the
# emulated `umts` link (128 kbit/s each way, 500 ms RTT: DESIGN.md's link
# table, h_link_emulate). The link's own delay is not load at Proxy 1:
#
#   mobile (SIPp MNs) -- nvg: Kamailio nvg.cfg, ovsense ON
#     == umts (router namespace, delay line) ==
#   home: Proxy 1 (proxy1.cfg -A NO_AUTH, ovsense ON) -> Proxy 2 (registrar)
#
#  1. 100 MNs register through the NVG at 10/s (the bench's pace; every
#     REGISTER's round trip, ~560 ms, is above T1 = 500 ms, so the NVG's tm
#     sends each one twice before the 200 arrives);
#  2. 10 MN -> CN calls (2/s) through the NVG, Proxy 1 and Proxy 2;
#  3. the same 100 MNs re-register in one burst (the whole burst queues
#     ~4 s in the link's serialisation, tm's copies on top).
# Asserted: every request gets its 200 (no 503), the NVG's ovsense.status for
# Proxy 1 stays in state normal (0 state changes) with 0 new requests shed,
# and at least 90 % of tm's copies toward Proxy 1 were found spurious.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/netns.sh"
source "$(dirname "$0")/../lib/nvgnet.sh"
h_init ovsense_umts
H_SIPP_TIMEOUT=300

SCEN="$H_ROOT/sipp-scenarios"
DOM=vpn.example.com
NVGD=nvg-7.vpn.example.com
N=100
P1=5060 P2=5070 CNPORT=5080
DEST="udp:$HOMEIP:$P1"

# ---- topology (as integration.nvg_register, plus the umts link) ----------------
nvgnet_topology    # tests/lib/nvgnet.sh: the namespaces, routes and the NVG's NAT
h_link_emulate "$RTR" rveh rhome umts

# ---- helpers ---------------------------------------------------------------------
sipp_ns() { # NS NAME args... : SIPp to completion in a namespace, statistics in NAME.stat
    local ns="$1" name="$2"; shift 2
    ( cd "$H_DIR" && timeout 300 ip netns exec "$ns" sipp -nostdin "$@" -trace_err \
        -error_file "$H_DIR/$name.err" -trace_stat -fd 1 -stf "$H_DIR/$name.stat" \
        > "$H_DIR/$name.log" 2>&1 )
}
col() { # NAME COLUMN: last value of a SIPp statistics column
    awk -F';' -v c="$2" 'NR==1{for(i=1;i<=NF;i++) h[$i]=i} NR>1 && (c in h){v=$h[c]} END{print v+0}' \
        "$H_DIR/$1.stat" 2>/dev/null || echo 0
}
status() { h_kamcmd "$@" 2>/dev/null | tr -s ' \t' ' ' | sed 's/^ //'; }
field() { sed -n "s/^$2: \(-\{0,1\}[0-9a-z.]*\)$/\1/p" <<<"$1" | head -1; }
# check STEP: the NVG's view of Proxy 1 after a step: normal, nothing shed
check() {
    local st; st="$(status nvg ovsense.status "$DEST")"
    echo "$st" > "$H_DIR/status-$1.txt"
    h_log "$1: NVG ovsense: state $(field "$st" state) level $(field "$st" level)," \
        "$(field "$st" state_changes) state changes, $(field "$st" retrans_spurious) spurious" \
        "retransmissions, shed_new $(field "$st" shed_new)"
    [ -n "$(field "$st" state)" ] || h_fail "$1: no ovsense.status for $DEST at the NVG"
    [ "$(field "$st" shed_new)" = 0 ] || h_fail "$1: the NVG shed $(field "$st" shed_new) new requests to Proxy 1"
    [ "$(field "$st" state_changes)" = 0 ] \
        || h_fail "$1: the NVG's state for Proxy 1 changed $(field "$st" state_changes) times (now $(field "$st" state))"
    [ "$(field "$st" state)" = normal ] || h_fail "$1: state $(field "$st" state)"
}

# poll the NVG's view of Proxy 1 in the background (a diagnostic trace in
# trace.txt: what the estimator saw, interval by interval)
poll() {
    while :; do
        echo "$(date +%T.%N | cut -c1-12) $(status nvg ovsense.status "$DEST" | grep -E \
            '^(state|level|inflight|delay_p50_ms|delay_p90_ms|base_delay_ms|little_delay_ms|unanswered_age_ms|delay|retrans|demand|sent|responses): ' \
            | tr '\n' ' ')" >> "$H_DIR/trace.txt"
        sleep 0.2
    done
}

# ---- daemons -----------------------------------------------------------------------
h_render "$H_ROOT/cfg/kamailio/cdp.xml.in" "$H_DIR/p1-cdp.xml" FQDN=p1.$DOM REALM=$DOM \
    SERVER_HOST=127.0.0.1 SERVER_PORT=3868 ACCEPT_PORT=3869
H_NS="$HOM" h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" -A "LISTEN=udp:$HOMEIP:$P2" \
    -A REG_MIN_EXPIRES=1 -A NO_ALG
H_NS="$HOM" h_kamailio proxy1 "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:$HOMEIP:$P1" \
    -A "NEXT_HOP=\"sip:$HOMEIP:$P2\"" -A "CDP_CONFIG=\"$H_DIR/p1-cdp.xml\"" -A NO_AUTH
H_NS="$NVG" h_kamailio nvg "$H_ROOT/cfg/kamailio/nvg.cfg" -A WITH_PLAIN -A "LISTEN=udp:$ING:5060" \
    -A "INNER_LISTEN=udp:$INNER:5060" -A "ADVERTISE_IP=$EGR" -A "NEXT_HOP=\"sip:$HOMEIP:$P1\"" \
    -A "NVG_DOMAIN=\"$NVGD\"" -A 'INGRESS_NET="198.18.10.0/24"' -A "DB_URL=\"sqlite://$H_DIR/nvg.sqlite\"" \
    -A NVG_REGISTER -A REGISTER_EXPIRES=3600 -A MAX_BINDINGS=1000
h_wait_for 30 bash -c "kamcmd -s unix:$H_DIR/nvg.ctl nvg.status | h_grepq 'own_registration: registered'" \
    || h_fail "the NVG did not register over umts"
h_start poll poll
h_pass "NVG -- umts (128 kbit/s, 500 ms RTT) -- Proxy 1 -- Proxy 2 up, ovsense on at the NVG and Proxy 1"

# ---- 1. 100 MNs register at 10/s ------------------------------------------------------
{ echo SEQUENTIAL; for i in $(seq 1 $N); do echo "mn-$i"; done; } > "$H_DIR/mns.csv"
sipp_ns "$MOB" reg-paced -sf "$SCEN/nvg_register.xml" -inf "$H_DIR/mns.csv" -set domain "$DOM" \
    -set ch "$MNIP" -set cp 5062 -set expires 3600 -m "$N" -r 10 -l "$N" -i "$MNIP" -p 5061 \
    "$ING:5060" -timeout 120s
ok="$(col reg-paced 'SuccessfulCall(C)')"
[ "$ok" = "$N" ] || h_fail "paced: $ok of $N REGISTERs got 200 (reg-paced.log)"
check paced
h_pass "$N REGISTERs at 10/s over umts: $N x 200, the NVG's ovsense stays normal, nothing shed"

# ---- 2. calls MN -> CN through the NVG (2/s, the bench's pace) ---------------------------------------------------
printf 'SEQUENTIAL\ncn-1\n' > "$H_DIR/cn.csv"
sipp_ns "$HOM" cn-reg -sf "$SCEN/nvg_register.xml" -inf "$H_DIR/cn.csv" -set domain "$DOM" \
    -set ch "$HOMEIP" -set cp "$CNPORT" -m 1 -i "$HOMEIP" -p 5091 "$HOMEIP:$P2" -timeout 20s \
    || h_fail "CN registration at Proxy 2 failed"
NC=10
h_sipp_bg "$HOM" cn-uas -sf "$SCEN/nvg_uas_active.xml" -i "$HOMEIP" -p "$CNPORT" -m "$NC"
CN_UAS=$SIPP_PID
{ echo SEQUENTIAL; for i in $(seq 1 $NC); do echo "mn-$i"; done; } > "$H_DIR/callers.csv"
sipp_ns "$MOB" calls -sf "$SCEN/nvg_uac_passive.xml" -inf "$H_DIR/callers.csv" -set domain "$DOM" \
    -set callee cn-1 -m "$NC" -r 2 -l "$NC" -i "$MNIP" -p 5063 "$ING:5060" -timeout 120s
ok="$(col calls 'SuccessfulCall(C)')"
wait "$CN_UAS" 2>/dev/null
[ "$ok" = "$NC" ] || h_fail "$ok of $NC MN -> CN calls completed (calls.log)"
check calls
h_pass "$NC calls over umts: all completed, the NVG's ovsense stays normal, nothing shed"
# ---- 3. the same MNs in one burst --------------------------------------------------------
sipp_ns "$MOB" reg-burst -sf "$SCEN/nvg_register.xml" -inf "$H_DIR/mns.csv" -set domain "$DOM" \
    -set ch "$MNIP" -set cp 5062 -set expires 3600 -m "$N" -r 1000 -l "$N" -i "$MNIP" -p 5061 \
    "$ING:5060" -timeout 120s
ok="$(col reg-burst 'SuccessfulCall(C)')"
[ "$ok" = "$N" ] || h_fail "burst: $ok of $N REGISTERs got 200 (reg-burst.log)"
check burst
# tm's copies of the burst keep the link busy for seconds more: the state
# must not change while they drain either
sleep 10
check after-burst
h_pass "a burst of $N REGISTERs over umts: $N x 200, the NVG's ovsense stays normal, nothing shed"

st="$(status nvg ovsense.status "$DEST")"
rtx="$(sed -n 's/^retrans: \([0-9]*\)$/\1/p' <<<"$st" | tail -1)"
[ "${rtx:-0}" -gt 0 ] || h_fail "no retransmission toward Proxy 1 counted (the round trip is above T1)"
[ $(( $(field "$st" retrans_spurious) * 10 )) -ge $(( rtx * 9 )) ] \
    || h_fail "only $(field "$st" retrans_spurious) of $rtx retransmissions found spurious"
h_pass "NVG over umts: $(field "$st" sent) requests to Proxy 1, $(sed -n 's/^retrans: \([0-9]*\)$/\1/p' <<<"$st" | tail -1) retransmissions, $(field "$st" retrans_spurious) of them found spurious; state normal throughout, 0 shed"
h_link_emulate_off "$RTR" rveh
