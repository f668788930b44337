#!/bin/bash
# Abuse at the NVG from the Internet side (issue 9), in the namespaces of
# tests/lib/nvgnet.sh (MNs -- NVG -- "internet" -- home with HOTP at Proxy 1).
# An attacker on the Internet (the router namespace) sends to the NVG's
# egress address, where inbound SIP is DNATed to the NVG.
#  A. the shipped nvg.cfg, no guard flags: 300 REGISTERs for mn-1 with the
#     attacker's contact at 150/s are all answered 403 + Warning by the NVG
#     (nvg:rejected_source counts them); none reaches Proxy 1; the NVG's
#     bindings (memory and SQLite) and the registrar are unchanged.
#  B. nvg.cfg -A HOME_PEERS=<home> -A WITH_PIKE (20 requests / 2 s): a
#     request from a non-home source gets 403 + Warning before any other work
#     (an INVITE for an MN's AoR included: it never reaches the MN); the same
#     flood is answered only until pike sees it, the rest is dropped
#     unanswered (statistics script:nvg_egress_refused and
#     nvg_egress_flood_dropped); meanwhile 10 MNs refresh their
#     registrations on the ingress side (200) and home calls an MN (200);
#     bindings and registrar unchanged. Figures in abuse_nvg.json.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/netns.sh"
source "$(dirname "$0")/../lib/nvgnet.sh"
h_init abuse_nvg

SCEN="$H_ROOT/sipp-scenarios"
DOM=$NVGNET_DOM
N=20
ATK=198.18.20.1       # the attacker: the router's address on the egress link
ATK2=198.18.20.9      # a second Internet source (not flooding)
FLOOD=300

nvgnet_topology
ip -n "$RTR" addr add "$ATK2/24" dev rveh || h_fail "second Internet address"
nvgnet_home "$N"
nvgnet_nvg nvg
NVGNAME=nvg
h_start_ns "$MOB" mn_uas bash -c "cd '$H_DIR' && exec timeout 300 sipp -nostdin -sf '$SCEN/nvg_uas.xml' \
    -i $MNIP -p 5062 -timeout 280s -trace_err -error_file '$H_DIR/mn_uas.err'"
nvgnet_register_mns 1 "$N" 0 reg0 || h_fail "the $N MNs did not all register through the NVG (reg0.log)"
h_pass "$N MNs registered through the NVG (HOTP at Proxy 1)"

nvg_rpc() { h_kamcmd "$NVGNAME" "$@"; }
# stat_of NAME GROUP:STAT (stats.get_statistics takes a group or "all")
stat_of() { h_kamcmd "$1" stats.get_statistics "${2%%:*}:" 2>/dev/null | awk -v k="$2" '$1 == k { print $3 }'; }
# every piece of state a REGISTER could change
state() {
    echo "nvg: $(nvg_rpc nvg.bindings | grep -E 'aor:|logical:|contact:' | sort | md5sum)"
    echo "db: $(sqlite3 "$H_DIR/nvg.sqlite" 'select aor, token, contact from nvg_bindings order by 1, 2' | md5sum)"
    echo "p2: $(h_kamcmd proxy2 ul.dump brief | grep -E 'AoR:|Contact:' | sort | md5sum)"
}
# one_req NS NAME SRC args... : one SIPp request, messages in NAME.msgs
one_req() {
    local ns="$1" name="$2" src="$3"; shift 3
    mkdir -p "$H_DIR/$name.d"
    ( cd "$H_DIR/$name.d" && timeout 40 ip netns exec "$ns" sipp -nostdin "$@" -m 1 -i "$src" -p 5098 \
        -timeout 20s -trace_err -trace_msg > "$H_DIR/$name.log" 2>&1 )
    local rc=$?
    cat "$H_DIR/$name.d"/*_messages.log > "$H_DIR/$name.msgs" 2>/dev/null
    return $rc
}
# flood NAME : FLOOD REGISTERs for mn-1 from the attacker at 150/s; prints how many were answered 403
flood() {
    ( cd "$H_DIR" && timeout 120 ip netns exec "$RTR" sipp -nostdin -sf "$SCEN/nvg_register_raw.xml" \
        -set domain "$DOM" -set user mn-1 -set contact "<sip:mn-1@$ATK:5099>" -set expect 403 \
        -m "$FLOOD" -r 150 -l "$FLOOD" -i "$ATK" -p 5099 "$EGR:5060" -timeout 60s -recv_timeout 4000 \
        -trace_err -trace_stat -fd 1 -error_file "$H_DIR/$1.err" > "$H_DIR/$1.log" 2>&1 )
    nvgnet_ok "$1"
}

# ---- A. the shipped defaults ------------------------------------------------------------
before="$(state)"
p1_reg0="$(stat_of proxy1 core:rcv_requests_register)"
one_req "$RTR" a_one "$ATK2" -sf "$SCEN/nvg_register_raw.xml" -set domain "$DOM" -set user mn-1 \
    -set contact "<sip:mn-1@$ATK2:5099>" -set expect 403 "$EGR:5060" \
    || h_fail "a REGISTER from the Internet at the egress address: expected 403 (a_one.log)"
grep -aqF '"not a mobile node of this NVG (wrong side)"' "$H_DIR/a_one.msgs" || h_fail "403 without Warning (a_one.msgs)"
A_ANS="$(flood a_flood)"
[ "$A_ANS" = "$FLOOD" ] || h_fail "shipped defaults: ${A_ANS:-?} of $FLOOD flooding REGISTERs answered 403 (all expected; a_flood.log)"
rs="$(stat_of nvg nvg:rejected_source)"
[ "$rs" -ge $((FLOOD + 1)) ] || h_fail "nvg:rejected_source is $rs after $((FLOOD + 1)) refused REGISTERs"
[ "$(stat_of proxy1 core:rcv_requests_register)" = "$p1_reg0" ] \
    || h_fail "a REGISTER from the Internet reached Proxy 1 ($p1_reg0 -> $(stat_of proxy1 core:rcv_requests_register))"
[ "$(state)" = "$before" ] || h_fail "the flood changed the NVG's bindings, its database or the registrar"
# (reported, not asserted) what an INVITE for an MN's AoR from the Internet
# gets without HOME_PEERS: the NVG has no way to tell it from home's
lk0="$(stat_of nvg nvg:lookups)"
one_req "$RTR" a_inv "$ATK2" -sf "$SCEN/nvg_invite_expect.xml" -set ruri "sip:mn-2@$NVGNET_NVGD" \
    -set expect 403 "$EGR:5060"
A_INV="$(grep -a '^SIP/2.0 [2-6]' "$H_DIR/a_inv.msgs" | grep -v '^SIP/2.0 1' | tail -1 | cut -d' ' -f2)"
h_log "without HOME_PEERS an INVITE for mn-2 from the Internet got '${A_INV:-none}' (NVG lookups +$(( $(stat_of nvg nvg:lookups) - lk0 )))"
h_pass "A. defaults: $A_ANS of $FLOOD REGISTERs from the Internet (150/s) answered 403 + Warning at the NVG (rejected_source $rs); none reached Proxy 1; bindings, database and registrar unchanged"

# ---- B. HOME_PEERS + pike ------------------------------------------------------------------
h_stop nvg
NVGNAME=nvg2
nvgnet_nvg nvg2 -A "HOME_PEERS=\"$HOMEIP/32\"" -A WITH_PIKE -A PIKE_DENSITY=20 -A PIKE_UNIT_S=2
before="$(state)"
lookups0="$(stat_of nvg2 nvg:lookups)"
WARN='"requests from the Internet side are accepted from the home network only"'
one_req "$RTR" b_inv "$ATK2" -sf "$SCEN/nvg_invite_expect.xml" -set ruri "sip:mn-2@$NVGNET_NVGD" \
    -set expect 403 "$EGR:5060" || h_fail "an INVITE for mn-2 from the Internet: expected 403 (b_inv.log)"
grep -aqF "$WARN" "$H_DIR/b_inv.msgs" || h_fail "403 without the guard's Warning (b_inv.msgs)"
grep -aq "^Warning: 399 $NVGNET_NVGD " "$H_DIR/b_inv.msgs" || h_fail "the Warning does not name the NVG's logical domain"
grep -aq "$INNER" "$H_DIR/b_inv.msgs" && h_fail "the NVG's inner address leaked in its answer"
[ "$(stat_of nvg2 nvg:lookups)" = "$lookups0" ] || h_fail "the INVITE from the Internet was looked up (it must stop at the guard)"
h_pass "B. HOME_PEERS: an INVITE for mn-2 from the Internet -> 403 + Warning (naming $NVGNET_NVGD), not relayed"

p1_reg0="$(stat_of proxy1 core:rcv_requests_register)"
flood b_flood > "$H_DIR/b_ans" &
FPID=$!
sleep 0.5
# meanwhile: 10 MNs refresh on the ingress side, home calls an MN
NVGNET_REG_PORT=5066 nvgnet_register_mns 1 10 1 b_regs || h_fail "MN refreshes during the flood: not all 200 (b_regs.log)"
printf 'SEQUENTIAL\nmn-3\n' > "$H_DIR/b_call.csv"
( cd "$H_DIR" && timeout 40 ip netns exec "$HOM" sipp -nostdin -sf "$SCEN/nvg_uac_call.xml" -inf "$H_DIR/b_call.csv" \
    -set domain "$DOM" -s cn-1 -m 1 -i "$HOMEIP" -p 5090 "$HOMEIP:5070" -timeout 30s \
    > "$H_DIR/b_call.log" 2>&1 ) || h_fail "home could not call mn-3 during the flood (b_call.log)"
wait "$FPID"
B_ANS="$(cat "$H_DIR/b_ans")"
refused="$(stat_of nvg2 script:nvg_egress_refused)"; dropped="$(stat_of nvg2 script:nvg_egress_flood_dropped)"
[ -n "$B_ANS" ] && [ "$B_ANS" -lt $((FLOOD / 2)) ] || h_fail "pike: ${B_ANS:-?} of $FLOOD flooding REGISTERs answered"
[ "${dropped:-0}" -gt 0 ] || h_fail "script:nvg_egress_flood_dropped is '$dropped'"
[ "$refused" -ge "$((B_ANS + 1))" ] || h_fail "script:nvg_egress_refused $refused < answered $B_ANS + the INVITE"
[ "$(stat_of nvg2 nvg:rejected_source)" = 0 ] || h_fail "the guard let a flooding REGISTER reach nvg_register()"
[ "$(stat_of proxy1 core:rcv_requests_register)" = $((p1_reg0 + 10)) ] \
    || h_fail "Proxy 1 saw $(( $(stat_of proxy1 core:rcv_requests_register) - p1_reg0 )) REGISTERs during the flood (the 10 MN refreshes expected)"
[ "$(state)" = "$before" ] || h_fail "the flood changed the NVG's bindings, its database or the registrar"
h_pass "B. pike (20 / 2 s): $B_ANS of $FLOOD flooding REGISTERs answered 403, the rest dropped unanswered (refused $refused, dropped $dropped incl. retransmissions); meanwhile 10 MN refreshes 200 and a call from home 200; bindings unchanged"

h_stop mn_uas
printf '{"test":"abuse_nvg","flood":%d,"rate":150,"defaults":{"answered_403":%d,"internet_invite_for_mn":"%s"},"home_peers_pike":{"density":"20/2s","answered_403":%d,"refused":%d,"dropped":%d,"mn_refreshes_ok":10,"home_call_ok":1}}\n' \
    "$FLOOD" "$A_ANS" "${A_INV:-none}" "$B_ANS" "$refused" "$dropped" | tee "$H_DIR/abuse_nvg.json" >&2
