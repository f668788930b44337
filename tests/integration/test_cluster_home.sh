#!/bin/bash
# Two Proxy 2 instances sharing state over Kamailio's DMQ (issue 10,
# cfg/kamailio/proxy2.cfg -A WITH_DMQ), in network namespaces: Proxy 2-A
# (p2a) and Proxy 2-B (p2b) on one LAN with the clients, one shared
# rtpengine (the ALG). Each instance answers on its service address (VIP-A
# 198.18.70.21 on A, VIP-B 198.18.70.22 on B) and also listens on the
# other's (net.ipv4.ip_nonlocal_bind=1), so a VIP moved to the survivor is
# served at once; the test's failover step stands in for keepalived (the
# VIP deleted at A, added at B, the LAN's neighbour entry replaced as a
# gratuitous ARP would). Proves:
#  1. an NVG (nvg-7) and an MN behind it register via A; a call to the MN
#     via B is connected: B resolves the MN's binding at the NVG's logical
#     URI through the NVG's replicated registration;
#  2. a handoff list (docs/handoff-list.md) for 20 dialogs set up via A,
#     sent to B: 20 entries moved in rtpengine, the other NVG's dialog
#     refused 403 (dialogs and their $dlg_vars replicated);
#  3. kill -9 of Proxy 2-A (main process and workers) with 50 calls up
#     (SRTP offers from the Internet side to an intranet CN): after the VIP
#     moved, the 50 calls' BYEs reach B and are relayed (every call ends
#     200), B deletes their rtpengine sessions; new calls sent during and
#     after the kill (to VIP-A) continue via B; the failed transactions and
#     the time from the kill to the first good call are reported
#     (cluster_home.json), not asserted against a clock; a call ringing at
#     the kill (its dialog early at B, answered after the failover) ends by
#     BYE via B and B frees its media session.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/netns.sh"
h_init cluster_home
source "$(dirname "$0")/test_urilist_common.sh"
export LC_ALL=C
D="$H_DIR"
DOM=vpn.example.com
SCEN="$H_ROOT/sipp-scenarios"
NGC="$H_BUILD/tools/senemo-ng"
LAN_IP=198.18.70.1; RTPE_EXT=198.18.70.2; INET_IP=198.18.70.3
A_IP=198.18.70.11; B_IP=198.18.70.12; VIP_A=198.18.70.21; VIP_B=198.18.70.22
NG=2223

# ---- namespaces: lan (bridge, clients, rtpengine), p2a, p2b ----------------------
LAN="$(h_netns lan)" || exit 1
PA="$(h_netns p2a)" || exit 1
PB="$(h_netns p2b)" || exit 1
ip -n "$LAN" link add br0 type bridge || h_fail "bridge"
ip -n "$LAN" link set br0 up
for a in $LAN_IP $RTPE_EXT $INET_IP; do ip -n "$LAN" addr add "$a/24" dev br0 || h_fail "address $a"; done
# port NS IF ADDR: a veth from the bridge into NS
port() {
    local ns="$1" ifn="$2" addr="$3"
    ip link add "$ifn" netns "$ns" type veth peer name "l-$ifn" netns "$LAN" || h_fail "veth $ifn"
    ip -n "$LAN" link set "l-$ifn" master br0 up || h_fail "bridge port l-$ifn"
    ip -n "$ns" addr add "$addr/24" dev "$ifn" || h_fail "address $addr"
    ip -n "$ns" link set "$ifn" up || h_fail "$ifn up"
    # listening on the other instance's service address before holding it
    ip netns exec "$ns" sysctl -qw net.ipv4.ip_nonlocal_bind=1 || h_fail "ip_nonlocal_bind in $ns"
}
port "$PA" pa0 "$A_IP"
port "$PB" pb0 "$B_IP"
ip -n "$PA" addr add "$VIP_A/32" dev pa0 || h_fail "VIP-A"
ip -n "$PB" addr add "$VIP_B/32" dev pb0 || h_fail "VIP-B"

# ---- daemons -----------------------------------------------------------------------
H_NS="$LAN" h_start rtpengine rtpengine --foreground --log-stderr --config-file=none --table=-1 \
    --listen-ng="$LAN_IP:$NG" --port-min=30000 --port-max=39999 --pidfile="$D/rtpengine.pid" \
    --delete-delay=0 --interface="internal/$LAN_IP" --interface="external/$RTPE_EXT" --log-level=5
ng() { ip netns exec "$LAN" "$NGC" "$LAN_IP" "$NG" "$1"; }
h_wait_for 15 ng 'd7:command4:pinge' || h_fail "rtpengine does not answer"
# p2 NAME NS OWN_IP VIP PEER_IP PEER_VIP
p2() {
    H_NS="$2" H_KAM_SHM=256 h_kamailio "$1" "$H_ROOT/cfg/kamailio/proxy2.cfg" \
        -A "LISTEN=udp:$4:5060" -A "RTPENGINE_SOCK=\"udp:$LAN_IP:$NG\"" \
        -A "INTERNET_PEERS=\"$INET_IP\"" -A REG_MIN_EXPIRES=1 \
        -A WITH_DMQ -A "DMQ_LISTEN=udp:$3:5090" -A "DMQ_SERVER=\"sip:$3:5090\"" \
        -A "DMQ_NOTIFY=\"sip:$5:5090\"" -A "TAKEOVER_LISTEN=udp:$6:5060" ${P2_EXTRA:-}
}
p2 p2a "$PA" "$A_IP" "$VIP_A" "$B_IP" "$VIP_B"
p2 p2b "$PB" "$B_IP" "$VIP_B" "$A_IP" "$VIP_A"
# both nodes active in each other's DMQ node list
dmq_peer_ok() { h_kamcmd "$1" dmq.list_nodes | grep -A8 "host: $2" | h_grepq 'status: active'; }
h_wait_for 30 dmq_peer_ok p2a "$B_IP" && h_wait_for 30 dmq_peer_ok p2b "$A_IP" \
    || h_fail "the DMQ bus did not form: A: $(h_kamcmd p2a dmq.list_nodes | tr '\n' ' ') B: $(h_kamcmd p2b dmq.list_nodes | tr '\n' ' ')"
h_pass "rtpengine, Proxy 2-A ($VIP_A) and Proxy 2-B ($VIP_B) up, DMQ bus formed"

export ULC_BIND="$LAN_IP"
lulc() { ip netns exec "$LAN" env ULC_BIND="$LAN_IP" python3 "$D/ulc.py" "$@"; }
# uas NAME PORT SCENARIO [args]: a SIPp UAS on the LAN, message trace NAME.msg
uas() {
    local name="$1" p="$2" sf="$3"; shift 3
    H_NS="$LAN" h_start "$name" bash -c "cd '$D' && exec sipp -nostdin -sf '$SCEN/$sf' -i $LAN_IP -p $p \
        -trace_msg -message_file '$D/$name.msg' -trace_err -error_file '$D/$name.err' $*"
    h_wait_for 10 bash -c "ip netns exec '$LAN' ss -Hlnu 'sport = :$p' | h_grepq ." || h_fail "SIPp $name did not start"
}
reg() {   # reg VIP USER CONTACT
    lulc send --to "$1:5060" --method REGISTER --ruri "sip:$DOM" --to-uri "sip:$2@$DOM" \
        --from "sip:$2@$DOM" --contact "<$3>" --hdr "Expires: 3600" > "$D/reg-$2.json" || h_fail "REGISTER $2: no answer"
    [ "$(ul_json "$D/reg-$2.json" code)" = 200 ] || h_fail "REGISTER $2 via $1: $(head -c 200 "$D/reg-$2.json")"
}

# ==== 1. registered via A, called via B ===========================================
NVGP=5071
uas nvg7 $NVGP urilist_cn_uas.xml -set ip 198.18.7.2
reg "$VIP_A" nvg-7 "sip:nvg-7@$LAN_IP:$NVGP"
reg "$VIP_A" mn-1 "sip:mn-1@nvg-7.$DOM;nvgc=0123456789abcdef"
h_wait_for 10 bash -c "kamcmd -s 'unix:$D/p2b.ctl' ul.dump brief | h_grepq 'AoR: mn-1'" \
    || h_fail "mn-1's registration did not reach B: $(h_kamcmd p2b ul.dump brief | head -20)"
printf 'v=0\r\no=cn 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio 41000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n' \
    "$LAN_IP" "$LAN_IP" > "$D/call1.sdp"
lulc send --to "$VIP_B:5060" --ruri "sip:mn-1@$DOM" --from "sip:cn-x@$DOM" --ctype application/sdp \
    --body "$D/call1.sdp" --timeout 20 > "$D/call1.json" || h_fail "call to mn-1 via B: no answer"
[ "$(ul_json "$D/call1.json" code)" = 200 ] || h_fail "call to mn-1 via B answered $(head -c 300 "$D/call1.json")"
grep -q "^INVITE sip:mn-1@nvg-7.$DOM;nvgc=0123456789abcdef" "$D/nvg7.msg" \
    || h_fail "the NVG did not get the INVITE at the MN's logical URI: $(grep '^INVITE' "$D/nvg7.msg" | head -3)"
grep -A12 "^INVITE sip:mn-1@" "$D/nvg7.msg" | h_grepq "^Record-Route: <sip:$VIP_B" \
    || h_fail "the call was not record-routed by B"
h_pass "nvg-7 and mn-1 (behind it) registered via A; a call to mn-1 via B reached the NVG at its replicated address and was answered 200"

# ==== 2. handoff list at B for dialogs set up via A ================================
CNP=5072
uas cn7 $CNP urilist_cn_uas.xml -set ip 198.18.10.2 -buff_size 4194304
NR=20
for i in $(seq 1 $((NR + 1))); do reg "$VIP_A" "cn-r$i" "sip:cn@$LAN_IP:$CNP"; done
{
    echo SEQUENTIAL
    for i in $(seq 1 $NR); do echo "cn-r$i;nvg-9;198.18.9.1;$((21000 + 2 * i))"; done
    echo "cn-r$((NR + 1));nvg-10;198.18.10.1;21900"
} > "$D/calls7.csv"
H_NS="$LAN" h_start mn7 bash -c "cd '$D' && exec sipp -nostdin $VIP_A:5060 -sf '$SCEN/urilist_mn_uac_nvg.xml' \
    -inf '$D/calls7.csv' -set domain $DOM -i $LAN_IP -p 5073 -m $((NR + 1)) -l $((NR + 1)) -r 50 \
    -trace_err -error_file '$D/mn7.err'"
h_wait_for 60 bash -c "python3 '$D/ulc.py' cn-dialogs < '$D/cn7.msg' | wc -l | h_grepq -x $((NR + 1))" \
    || h_fail "only $(python3 "$D/ulc.py" cn-dialogs < "$D/cn7.msg" | wc -l) of $((NR + 1)) calls via A reached the CN"
ul_dialogs cn7 "$D/dlg_r.tsv"
grep -q "Record-Route: <sip:$VIP_A" "$D/cn7.msg" || h_fail "the calls were not record-routed by A"
# B holds the 21 dialogs, the answers' SDP included (cn_sdp: replicated after the 200)
h_wait_for 20 bash -c "[ \$(kamcmd -s 'unix:$D/p2b.ctl' dlg.list | grep -c 'cn_sdp: v=0') -ge $((NR + 1)) ]" \
    || { h_kamcmd p2b dlg.list > "$D/p2b-dlg.txt"; h_kamcmd p2a dlg.list > "$D/p2a-dlg.txt"; h_fail "B does not hold the dialogs' \$dlg_vars: $(grep -c "cn_sdp: v=0" "$D/p2b-dlg.txt") of $((NR + 1))"; }
[ "$(h_kamcmd p2a dlg.list | grep -c '198\.18\.9\.2')" = 0 ] || h_fail "A's dialogs name 198.18.9.2 before the handoff"
ulc body-handoff --dialogs "$D/dlg_r.tsv" --addr 198.18.9.2 > "$D/handoff_r.body"
lulc send --to "$VIP_B:5060" --ruri "sip:nvg-handoff@$DOM" --from "sip:nvg-9@$DOM" \
    --require recipient-list-invite --body "$D/handoff_r.body" > "$D/handoff_r.json" || h_fail "handoff at B: no answer"
[ "$(ul_json "$D/handoff_r.json" code)" = 200 ] || h_fail "handoff at B answered $(head -c 300 "$D/handoff_r.json")"
ul_json "$D/handoff_r.json" body > "$D/handoff_r.xml"
n_moved="$(grep -c 'code="200" reason="moved"' "$D/handoff_r.xml")"
n_403="$(grep -c 'code="403"' "$D/handoff_r.xml")"
[ "$n_moved" = $NR ] && [ "$n_403" = 1 ] \
    || h_fail "handoff at B: $n_moved moved, $n_403 refused 403 (expected $NR, 1): $(cat "$D/handoff_r.xml")"
while IFS=$'\t' read -r cid _ _ nvg _; do
    q="$(ng "d7:command5:query7:call-id${#cid}:${cid}e")" || h_fail "query $cid"
    case "$q" in
        *"10:198.18.9.2"*) [[ "$q" == *"10:198.18.9.1"* ]] && h_fail "call $cid: rtpengine still has 198.18.9.1" ;;
        *"11:198.18.10.1"*) [[ "$q" == *"198.18.9.2"* ]] && h_fail "the other NVG's call $cid was moved" ;;
        *) h_fail "call $cid ($nvg): unexpected media addresses in rtpengine: $q" ;;
    esac
done < "$D/dlg_r.tsv"
# and A learnt where they are now (B sent the changed $dlg_vars back over DMQ)
# (the MN's SDP, mn_sdp, now names 198.18.9.2: before the list nothing at A did)
moved_at_a() { [ "$(h_kamcmd p2a dlg.list | grep -c '^c=IN IP4 198\.18\.9\.2')" -ge $NR ]; }
h_wait_for 10 moved_at_a || { h_kamcmd p2a dlg.list > "$D/p2a-dlg.txt"; h_fail "A did not get the moved dialogs' SDP from B"; }
h_pass "handoff list for $NR dialogs set up via A, sent to B: $NR moved in rtpengine, nvg-10's dialog refused 403, A holds their new SDP"
# the DMQ bus is for the cluster's nodes only: a forged KDMQ from the LAN
# (a dialog variable update for one of these dialogs) gets 403 and changes nothing
read -r cid ft tt _ < "$D/dlg_r.tsv"
printf '%s\n%s\n%s\ncn_sdp=%s\n' "$cid" "$ft" "$tt" "$(printf 'forged' | base64)" > "$D/forged.body"
lulc send --to "$VIP_B:5060" --method KDMQ --ruri "sip:senemo-dlgvars@$VIP_B:5060" --from "sip:x@$DOM" \
    --ctype text/plain --body "$D/forged.body" --timeout 5 > "$D/forged.json" || h_fail "forged KDMQ: no answer"
[ "$(ul_json "$D/forged.json" code)" = 403 ] || h_fail "a KDMQ from outside the cluster was answered $(head -c 200 "$D/forged.json")"
lulc send --to "$B_IP:5090" --method KDMQ --ruri "sip:senemo-dlgvars@$B_IP:5090" --from "sip:x@$DOM" \
    --ctype text/plain --body "$D/forged.body" --timeout 5 > "$D/forged2.json" || h_fail "forged KDMQ: no answer"
[ "$(ul_json "$D/forged2.json" code)" = 403 ] || h_fail "a KDMQ from outside the cluster was answered $(head -c 200 "$D/forged2.json")"
h_kamcmd p2b dlg.list | h_grepq 'cn_sdp: forged' && h_fail "a forged KDMQ changed a dialog at B"
[ "$(h_kamcmd p2b dlg.list | grep -c 'cn_sdp: v=0')" -ge $((NR + 1)) ] || h_fail "dialog variables at B changed by a forged KDMQ"
h_pass "a KDMQ from outside the cluster: 403, no dialog changed"
h_stop mn7

# ==== 3. kill -9 of Proxy 2-A with 50 calls up ======================================
reg "$VIP_A" cn-1 "sip:cn-1@$LAN_IP:5080"
uas cn1 5080 fault_uas.xml -timeout 280s
# rtpengine's calls from the Internet side (ng "list"; its default limit is 32)
sessions() { ng 'd7:command4:list5:limiti1000ee' 2>/dev/null | grep -o '@198\.18\.70\.3' | wc -l; }
# sessions_of BATCH: those of one batch of calls (Call-IDs BATCH-n-pid@...)
sessions_of() { ng 'd7:command4:list5:limiti1000ee' 2>/dev/null | grep -oE "[0-9]+:$1-[0-9]+-[0-9]+@198\.18\.70\.3" | wc -l; }
up_gone() { [ "$(sessions_of up)" -eq 0 ]; }
dlgs() { h_kamcmd "$1" dlg.stats_active 2>/dev/null | awk '/all:/ { print $2 }'; }
# calls NAME N RATE HOLD_MS VIP LPORT [sipp args]: MN calls from the Internet side (foreground)
calls() {
    local name="$1" n="$2" r="$3" hold="$4" vip="$5" lp="$6"; shift 6
    ( cd "$D" && timeout 150 ip netns exec "$LAN" sipp -nostdin -sf "$SCEN/fault_uac.xml" -set domain "$DOM" \
        -set callee "${CALLEE:-cn-1}" -set hold "$hold" -m "$n" -r "$r" -i "$INET_IP" -p "$lp" -mi "$INET_IP" -cid_str "$name-%u-%p@%s" \
        "$vip:5060" -timeout 120s -recv_timeout 8000 -trace_stat -fd 1 "$@" > "$D/$name.log" 2>&1 )
}
ok_of() { sed -n 's/^  Successful call *| *[0-9]* *| *\([0-9]*\).*/\1/p' "$D/$1.log" | tail -1; }
fail_of() { sed -n 's/^  Failed call *| *[0-9]* *| *\([0-9]*\).*/\1/p' "$D/$1.log" | tail -1; }
# the probe used for the time to recover, timed once while all is well
t0="$(date +%s%3N)"
calls probe0 1 1 100 "$VIP_A" 5076 -recv_timeout 3000 || h_fail "a single call via A failed before the kill"
PROBE_MS=$(( $(date +%s%3N) - t0 ))
B0="$(dlgs p2b)"
calls up 50 25 12000 "$VIP_A" 5074 &
UP=$!
h_wait_for 30 bash -c "[ \"\$(kamcmd -s 'unix:$D/p2b.ctl' dlg.stats_active | awk '/all:/ {print \$2}')\" -ge $((B0 + 50)) ]" \
    || h_fail "the 50 calls were not all up (and replicated): A $(dlgs p2a), B $(dlgs p2b)"
[ "$(sessions)" -ge 50 ] || h_fail "not every call anchored in rtpengine: $(sessions)"
# a call ringing at the kill: INVITE and 180 relayed by A (the dialog reaches
# B as early), the 200 (8 s after the 180) reaches VIP-A at B, which never saw
# the transaction and relays it statelessly; the BYE then meets an early
# dialog at B, which the dialog module does not end: B must still free the
# media session (route[ALG_BYE]; the same as a dialog whose "confirmed" was
# overtaken on the DMQ bus)
reg "$VIP_A" cn-2 "sip:cn-2@$LAN_IP:5081"
uas cn2 5081 fault_uas.xml -timeout 280s -set answer_ms 8000
CALLEE=cn-2 calls ringing 1 1 500 "$VIP_A" 5079 -recv_timeout 20000 &
RING=$!
state_at_b() { h_kamcmd p2b dlg.list 2>/dev/null | tr -d '\t' | awk '/^call-id: ringing-/ { f = 1 } f && /^state:/ { print $2; exit }'; }
ringing_at_b() { [ "$(state_at_b)" = 2 ] && [ "$(sessions_of ringing)" -eq 1 ]; }
h_wait_for 5 ringing_at_b || h_fail "the ringing call: no early dialog at B (state '$(state_at_b)') or no media session ($(sessions_of ringing))"
# new calls, 10/s, started just before the kill: some meet the dead instance
calls during 60 10 500 "$VIP_A" 5075 -recv_timeout 4000 &
DUR=$!
sleep 1
A_MAIN="$(h_pid p2a)"
kill -9 "$A_MAIN" $(pgrep -P "$A_MAIN")
T_KILL="$(date +%s%3N)"
h_log "Proxy 2-A killed (main $A_MAIN and workers) with 50 calls up and one ringing"
[ "$(state_at_b)" = 2 ] || h_fail "the ringing call was answered before the kill (state at B '$(state_at_b)'): the case is not tested"
# failover (keepalived's part): VIP-A leaves A, comes up at B; the LAN's
# neighbour entry follows, as after B's gratuitous ARP
ip -n "$PA" addr del "$VIP_A/32" dev pa0 || h_fail "VIP-A off A"
ip -n "$PB" addr add "$VIP_A/32" dev pb0 || h_fail "VIP-A on B"
ip -n "$LAN" neigh replace "$VIP_A" lladdr "$(ip -n "$PB" -o link show pb0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)" dev br0 nud reachable \
    || h_fail "neighbour entry for VIP-A"
T_FAILOVER="$(date +%s%3N)"
h_log "VIP-A moved to B $((T_FAILOVER - T_KILL)) ms after the kill"
# time to recover: single calls to VIP-A until one succeeds
T_GOOD=""
for i in $(seq 1 150); do
    if calls probe 1 1 100 "$VIP_A" 5076 -recv_timeout 3000; then T_GOOD="$(date +%s%3N)"; break; fi
    sleep 0.2
done
[ -n "$T_GOOD" ] || h_fail "no call through VIP-A succeeded within ~60 s of the failover"
RECOVER_MS=$((T_GOOD - T_KILL))
wait "$DUR" || true
wait "$UP" || true
UP_OK="$(ok_of up)"; UP_FAIL="$(fail_of up)"
# retransmissions: requests the dead instance swallowed (SIPp's statistics)
retrans_of() { awk -v m="$2" '$1 == m && $2 ~ /^-+>$/ { print $4 }' "$D/$1.log" | tail -1; }
R_UP_BYE="$(retrans_of up BYE)"; R_DUR_INV="$(retrans_of during INVITE)"; R_DUR_BYE="$(retrans_of during BYE)"
DUR_OK="$(ok_of during)"; DUR_FAIL="$(fail_of during)"
[ "${UP_OK:-0}" -eq 50 ] || h_fail "of the 50 calls up at the kill only ${UP_OK:-0} ended normally (BYE via B); failed ${UP_FAIL:-?}"
# after the recovery every new call succeeds, through both service addresses (both now at B)
calls after-a 20 20 200 "$VIP_A" 5077 || h_fail "new calls via VIP-A after the failover: $(ok_of after-a) of 20"
calls after-b 20 20 200 "$VIP_B" 5078 || h_fail "new calls via VIP-B after the failover: $(ok_of after-b) of 20"
[ "$(ok_of after-a)" = 20 ] && [ "$(ok_of after-b)" = 20 ] || h_fail "new calls after the failover: $(ok_of after-a), $(ok_of after-b) of 20"
# the ringing call: answered through B statelessly, ended by its BYE via B,
# its session freed although B's dialog stayed early
wait "$RING" || h_fail "the call ringing at the kill failed: $(ok_of ringing) ok, $(fail_of ringing) failed"
ring_gone() { [ "$(sessions_of ringing)" -eq 0 ]; }
h_wait_for 10 ring_gone || h_fail "the call ringing at the kill ended (BYE via B) but its rtpengine session is left"
h_grepq 'ALG: ringing-.*BYE in dialog state 2 (not answered here): rtpengine session freed' < "$D/p2b.log" \
    || h_fail "B did not log the BYE of the early dialog"
h_pass "a call ringing at the kill (answer after it, dialog early at B): ended by BYE via B, its media session freed by B"
# B ended the 50 replicated dialogs and deleted their media sessions
h_wait_for 20 up_gone \
    || { ng "d7:command4:list5:limiti1000ee" > "$D/left.txt"; h_kamcmd p2b dlg.list > "$D/p2b-dlg-left.txt" 2>&1; h_fail "rtpengine sessions of the 50 calls left after their BYEs via B: $(sessions_of up)"; }
# a call in the middle of its set-up at the kill (INVITE relayed by A, its
# 200 then relayed statelessly by B, which never saw the transaction) keeps
# its session until rtpengine's own media timeout: counted, not failed
h_wait_for 5 bash -c "! ip netns exec '$LAN' '$NGC' $LAN_IP $NG 'd7:command4:list5:limiti1000ee' | h_grepq '@198\.18\.70\.3'" || true
LEFT="$(sessions)"
h_pass "kill -9 of A with 50 calls up: 50 of 50 ended by BYE via B (sessions deleted), new calls meanwhile $DUR_OK ok / $DUR_FAIL failed, retransmitted requests: ${R_UP_BYE:-0} BYEs of the 50 calls, ${R_DUR_INV:-0} INVITEs and ${R_DUR_BYE:-0} BYEs of the new ones; first good call done ${RECOVER_MS} ms after the kill (VIP moved after $((T_FAILOVER - T_KILL)) ms; the probe call alone takes ${PROBE_MS} ms), 40 of 40 new calls after it; $LEFT media session(s) of calls mid-set-up at the kill left to rtpengine's timeout"

h_stop cn1
printf '{"test":"cluster_home","calls_up":50,"calls_up_ended_ok":%d,"calls_up_failed":%d,"calls_up_bye_retransmitted":%d,"new_calls_during":60,"new_calls_during_ok":%d,"new_calls_during_failed":%d,"new_calls_invite_retransmitted":%d,"new_calls_bye_retransmitted":%d,"vip_moved_ms":%d,"recover_ms":%d,"probe_call_ms_healthy":%d,"handoff_via_b_moved":%d,"sessions_left_mid_setup":%d,"note":"recover_ms = kill -9 to the end of the first successful probe call (SIPp start, INVITE/200/ACK, 100 ms hold, BYE/200) through the moved VIP; the failover step runs right after the kill, a real keepalived adds its detection time"}\n' \
    "$UP_OK" "${UP_FAIL:-0}" "${R_UP_BYE:-0}" "${DUR_OK:-0}" "${DUR_FAIL:-0}" "${R_DUR_INV:-0}" "${R_DUR_BYE:-0}" "$((T_FAILOVER - T_KILL))" "$RECOVER_MS" "$PROBE_MS" "$n_moved" "$LEFT" | tee "$D/cluster_home.json" >&2
mkdir -p "$H_BUILD/bench" && cp "$D/cluster_home.json" "$H_BUILD/bench/cluster_home.json"
