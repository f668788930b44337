#!/bin/bash
# NVG network handoff (issue #4, second half), in network namespaces:
#
#   mobile (198.18.10.2: MNs, SIPp)
#     | ingress 198.18.10.0/24
#   nvg: Kamailio nvg.cfg on 198.18.10.1 (ingress) and stable inner
#        addresses 198.18.99.1 / fd00:99::1 (on lo); egress egr0 with
#        MASQUERADE + DNAT of inbound SIP to the inner address (v4 and v6);
#        EGRESS_IF=egr0: the module follows the address through rtnetlink
#     | "access networks" 198.18.20-24.0/24 and fd00:20::/64 on one link
#   router (tshark capture of the egress link: rveh)
#     | 198.18.30.0/24, fd00:30::/64
#   home: freeDiameterd + app_hotp, Proxy 1 (hotp_auth: every MN and the
#         NVG itself authenticate with HOTP), Proxy 2 (registrar, nvg home
#         role, urilist), CNs (SIPp)
#
#  1. the NVG registers its AoR with HOTP (its own secret and counter file);
#     MNs register through it with HOTP; MNs call CNs (SDP: the NVG writes
#     its egress address into c=/o=, ports kept);
#  2. with 10 calls up: three address changes inside the coalescing window
#     -> one handoff (one REGISTER, one list INVITE on the egress link);
#     one more change -> one more handoff; `nvg.handoff` (RPC) -> one more;
#     a malformed RPC address -> error, nothing changes;
#  3. after the handoffs the CNs re-INVITE and BYE the MNs and MNs send BYE:
#     every call completes;
#  4. the same with 100 MNs / 100 calls: still one REGISTER and one INVITE;
#  5. a move from IPv4 to IPv6: the NVG registers its IPv6 address over
#     IPv6, a CN -> MN call (INVITE, re-INVITE, BYE) works over IPv6;
#  6. Proxy 2 with its ALG (rtpengine, urilist consumer): back to IPv4, then
#     with 10 and with 100 calls up, one handoff each: the list moves every
#     dialog and the egress link carries at most 6 SIP messages per
#     handoff; every call completes afterwards.
#
# Per handoff the egress link carries the REGISTER exchange (2 messages) and
# the list INVITE exchange (INVITE, 100, final, ACK). Phases 1-5 run Proxy 2
# without its ALG (-A NO_ALG): its urilist consumer then answers the list
# 200 with a non-200 status per entry (no media state to move), so the NVG
# falls back to one re-INVITE per dialog: the test checks that fallback
# (every dialog re-INVITEd, counted, logged) and reports those messages
# apart. Phase 6 runs Proxy 2 with the ALG: the list moves every dialog and
# <= 6 SIP messages in total are asserted.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/netns.sh"
source "$(dirname "$0")/../lib/nvgnet.sh"
h_init nvg_handoff
H_SIPP_TIMEOUT=300

SCEN="$H_ROOT/sipp-scenarios"
DOM=vpn.example.com
NVGD=nvg-7.vpn.example.com
INNER6=fd00:99::1 HOME6=fd00:30::2
P1=5060 P2=5070
COALESCE=1500
HOTP="$H_BUILD/tools/senemo-hotp"

for c in oathtool tshark dumpcap sqlite3; do
    command -v "$c" >/dev/null || h_fail "$c is needed"
done
[ -x "$HOTP" ] || h_fail "$HOTP missing (build first)"

# ---- topology ------------------------------------------------------------------
nvgnet_topology    # tests/lib/nvgnet.sh: the namespaces, routes and the NVG's IPv4 NAT
for n in 21 22 23 24; do
    ip -n "$RTR" addr add "198.18.$n.1/24" dev rveh || h_fail "router address 198.18.$n.1"
done
ip -n "$RTR" addr add fd00:20::1/64 dev rveh nodad || h_fail "router v6 address"
ip -n "$RTR" addr add fd00:30::1/64 dev rhome nodad || h_fail "router v6 home address"
ip -n "$HOM" addr add "$HOME6/64" dev home0 nodad || h_fail "home v6 address"
ip -n "$NVG" addr add "$INNER6/128" dev lo nodad || h_fail "inner v6 address"
h_route "$HOM" default fd00:30::1
ip netns exec "$NVG" ip6tables -w -t nat -A POSTROUTING -o egr0 -j MASQUERADE \
    || h_fail "ip6tables MASQUERADE in $NVG"
ip netns exec "$NVG" ip6tables -w -t nat -A PREROUTING -i egr0 -p udp --dport 5060 \
    -j DNAT --to-destination "[$INNER6]:5060" || h_fail "DNAT6 in $NVG"
h_pass "namespaces: mobile -- nvg (NAT, egress egr0) -- router (access networks 198.18.20-24/24, fd00:20::/64) -- home"

# ---- helpers ---------------------------------------------------------------------
nvg_rpc() { h_kamcmd nvg "$@"; }
nvg_val() { nvg_rpc nvg.status | awk -v k="$1:" '$1 == k { print $2 }'; }
nvg_stat() { nvg_rpc stats.get_statistics nvg: | awk -v k="nvg:$1" '$1 == k { print $3 }'; }
secret_of() { printf '%040x' "$1"; }
declare -A CTR
otp_next() { # USER-INDEX: next OTP of mn-<i> into $OTP (no subshell: counters stay)
    local i="$1" c="${CTR[$1]:-0}"
    CTR[$1]=$((c + 1))
    OTP="$(oathtool --hotp -c "$c" "$(secret_of "$i")")"
}
# wait until handoff number $1 has finished
wait_handoff() {
    h_wait_for 60 bash -c "s=\$(kamcmd -s unix:$H_DIR/nvg.ctl nvg.status); \
        grep -q 'handoff_gen: $1\$' <<<\"\$s\" && grep -q 'handoff_state: idle' <<<\"\$s\""
}
cap_start() { # NAME
    # with IP fragments: the list INVITE and its 200 exceed the MTU over UDP
    h_start_ns "$RTR" "cap_$1" dumpcap -q -i rveh \
        -f "udp port 5060 or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)" -w "$H_DIR/$1.pcap"
    h_wait_for 10 test -s "$H_DIR/$1.pcap" || h_fail "dumpcap $1 did not start"
}
cap_stop() { sleep 0.5; h_stop "cap_$1"; }
# one line per SIP message: src|method-or-status|call-id|require
sip_lines() {
    tshark -r "$H_DIR/$1.pcap" -Y sip -T fields -E separator='|' \
        -e ip.src -e ipv6.src -e sip.Method -e sip.Status-Code -e sip.Call-ID -e sip.Require \
        -e sip.CSeq.method 2>/dev/null
}
# move egr0 from OLD to NEW (prefix /24 or /64) with the default route
move() {
    local old="$1" new="$2" gw
    ip -n "$NVG" addr del "$old" dev egr0 || h_fail "removing $old"
    if [[ "$new" == *:* ]]; then
        ip -n "$NVG" addr add "$new" dev egr0 nodad || h_fail "adding $new"
        ip -n "$NVG" -6 route replace default via fd00:20::1 || h_fail "v6 default route"
    else
        ip -n "$NVG" addr add "$new" dev egr0 || h_fail "adding $new"
        gw="${new%.*}.1"
        ip -n "$NVG" route replace default via "$gw" || h_fail "default route via $gw"
    fi
}
# checks the messages of one handoff in capture NAME; prints a summary and
# sets HO_TOTAL, HO_CORE, HO_FALLBACK
check_handoff() {
    local name="$1" egr="$2" ndlg="$3" lines gen reg inv lst core fb total stray
    gen="$(nvg_val handoff_gen)"
    lines="$(sip_lines "$name")"
    # retransmissions belonging to an earlier handoff's list transaction
    # (e.g. a 200 Proxy 2 repeats because it did not match the ACK) are
    # reported apart, not counted for this handoff
    stray="$(grep '|nvg-ho-' <<<"$lines" | grep -vc "|nvg-ho-$gen-" || true)"
    lines="$(grep -v '|nvg-ho-' <<<"$lines"; grep "|nvg-ho-$gen-" <<<"$lines")"
    total="$(grep -c . <<<"$lines")"
    # retransmissions (same method/status/CSeq of the REGISTER) counted apart
    reg="$(grep '|REGISTER$' <<<"$lines" | cut -d'|' -f3,4 | sort -u | grep -c . || true)"
    HO_REG_RETRANS=$(( $(grep -c '|REGISTER$' <<<"$lines" || true) - reg ))
    [ "$HO_REG_RETRANS" -gt 0 ] && h_log "$name: $HO_REG_RETRANS REGISTER retransmission(s) on the link (not counted)"
    # the list INVITE and everything of its transaction (Call-ID nvg-ho-<gen>-...);
    # repeated 200s (Proxy 2 retransmitting, each ACKed again) counted apart
    lst="$(grep "|nvg-ho-$gen-" <<<"$lines" | cut -d'|' -f3,4,7 | sort -u | grep -c . || true)"
    HO_RETRANS=$(( $(grep -c "|nvg-ho-$gen-" <<<"$lines" || true) - lst ))
    [ "$HO_RETRANS" -gt 0 ] && h_log "$name: the list 200 was retransmitted: $HO_RETRANS extra messages (200 + ACK) on the link"
    lines="$(grep -v "|nvg-ho-$gen-" <<<"$lines" | grep -v '|REGISTER$'
             grep '|REGISTER$' <<<"$lines" | sort -t'|' -u -k3,3 -k4,4
             grep "|nvg-ho-$gen-" <<<"$lines" | sort -t'|' -u -k3,3 -k4,4 -k7,7)"
    total="$(grep -c . <<<"$lines")"
    inv="$(grep -E '^[^|]*\|[^|]*\|INVITE\|' <<<"$lines" | grep -c '|nvg-ho-' || true)"
    [ "$reg" = 2 ] || h_fail "$name: $reg REGISTER messages (request + 200 expected): $lines"
    # the NVG's own requests are authenticated (REGISTER OTP c, list OTP c + 1,
    # sent back to back: Proxy 1 checks them in that order)
    grep -E '^[^|]*\|[^|]*\|\|(401|403|407)\|' <<<"$lines" | h_grepq . \
        && h_fail "$name: an NVG request was refused: $(grep -E '\|(401|403|407)\|' <<<"$lines")"
    grep -E '^[^|]*\|[^|]*\|REGISTER\|' <<<"$lines" | h_grepq -F "$egr|" \
        || h_fail "$name: the REGISTER did not come from $egr: $(grep REGISTER <<<"$lines")"
    if [ "$ndlg" -gt 0 ]; then
        [ "$inv" = 1 ] || h_fail "$name: $inv list INVITEs from the NVG (1 expected)"
        grep -E '^[^|]*\|[^|]*\|INVITE\|' <<<"$lines" | grep '|nvg-ho-' | h_grepq 'recipient-list-invite' \
            || h_fail "$name: the list INVITE has no Require: recipient-list-invite"
        [ "$lst" -le 4 ] || h_fail "$name: the list INVITE exchange took $lst messages (<= 4)"
    fi
    core=$((reg + lst))
    fb=$((total - core))
    HO_TOTAL=$total HO_CORE=$core HO_FALLBACK=$fb HO_STRAY=$stray
    [ "$stray" -gt 0 ] && h_log "$name: $stray late retransmission(s) of an earlier handoff's list transaction on the link (not counted)"
    LIST_CODE="$(nvg_val last_list_code)"
    MOVED="$(nvg_val last_moved_by_list)"
    if [ "$ndlg" -gt 0 ] && [ "$MOVED" = "$ndlg" ]; then
        [ "$total" -le 6 ] || h_fail "$name: the list moved every dialog but $total SIP messages crossed the egress link (<= 6)"
    fi
}

# ---- Diameter + HOTP accounts -------------------------------------------------------
H_NS="$HOM" h_diameter_pair p1
NVG_SECRET="$(printf 'nvg-7-secret-%027d' 7 | od -An -tx1 | tr -d ' \n' | head -c 40)"
"$HOTP" --db "$H_HOTP_DB" add "sip:nvg-7@$DOM" --secret-hex "$NVG_SECRET" >/dev/null \
    || h_fail "provisioning nvg-7"
printf '%s\n' "$NVG_SECRET" > "$H_DIR/nvg.secret"
chmod 600 "$H_DIR/nvg.secret"
for i in $(seq 1 100); do
    "$HOTP" --db "$H_HOTP_DB" add "sip:mn-$i@$DOM" --secret-hex "$(secret_of "$i")" >/dev/null \
        || h_fail "provisioning mn-$i"
done
h_pass "Diameter server with app_hotp; HOTP accounts: nvg-7 and mn-1..mn-100"

# ---- daemons -----------------------------------------------------------------------
H_NS="$HOM" h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" \
    -A "LISTEN=udp:$HOMEIP:$P2 udp:[$HOME6]:$P2" -A REG_MIN_EXPIRES=1 -A NO_ALG
H_NS="$HOM" h_kamailio proxy1 "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN \
    -A "LISTEN=udp:$HOMEIP:$P1 udp:[$HOME6]:$P1" -A "NEXT_HOP=\"sip:$HOMEIP:$P2\"" \
    -A "CDP_CONFIG=\"$H_CDP_XML\"" -A NO_OVSENSE

# a malformed secret file (group-readable) is refused at start-up
cp "$H_DIR/nvg.secret" "$H_DIR/bad.secret"; chmod 640 "$H_DIR/bad.secret"
NVG_BASE=(-A "LISTEN=udp:$ING:5060" -A "INNER_LISTEN=udp:$INNER:5060"
    -A "INNER_LISTEN6=udp:[$INNER6]:5060" -A 'EGRESS_IF="egr0"'
    -A "NEXT_HOP=\"sip:$HOMEIP:$P1\"" -A "NEXT_HOP6=\"sip:[$HOME6]:$P1\""
    -A "NVG_DOMAIN=\"$NVGD\"" -A 'INGRESS_NET="198.18.10.0/24"'
    -A "DB_URL=\"sqlite://$H_DIR/nvg.sqlite\"" -A NVG_REGISTER -A REGISTER_EXPIRES=600
    -A NVG_TIMER=1 -A "COALESCE_MS=$COALESCE" -A "HOTP_COUNTER_FILE=\"$H_DIR/nvg.counter\"")
mkdir -p "$H_DIR/chk.run"
out="$(timeout 60 ip netns exec "$NVG" kamailio -f "$H_ROOT/cfg/kamailio/nvg.cfg" -A WITH_PLAIN -DD -E -e -m 64 \
    -M 8 -Y "$H_DIR/chk.run" -L "$H_KAM_MPATH" -A "CTL_SOCK=\"unix:$H_DIR/chk.ctl\"" "${NVG_BASE[@]}" \
    -A "HOTP_SECRET_FILE=\"$H_DIR/bad.secret\"" 2>&1)" && h_fail "a group-readable secret file was accepted"
grep -q "must not be accessible by group or others" <<<"$out" \
    || h_fail "no clear error for the group-readable secret: $(tail -3 <<<"$out")"
h_pass "a group-readable HOTP secret file is refused at start-up with a clear error"

H_NS="$NVG" h_kamailio nvg "$H_ROOT/cfg/kamailio/nvg.cfg" -A WITH_PLAIN "${NVG_BASE[@]}" \
    -A "HOTP_SECRET_FILE=\"$H_DIR/nvg.secret\""
h_wait_for 40 bash -c "kamcmd -s unix:$H_DIR/nvg.ctl nvg.status | h_grepq 'own_registration: registered'" \
    || h_fail "the NVG did not register its own AoR (HOTP through Proxy 1): $(nvg_rpc nvg.status | grep -E 'own_|last_error')"
h_kamcmd proxy2 ul.lookup location nvg-7 | h_grepq "Address: sip:nvg-7@198.18.20.2:5060" \
    || h_fail "registrar has no binding for the NVG at 198.18.20.2"
c="$(cat "$H_DIR/nvg.counter")"
[ "$c" -ge 1 ] || h_fail "the counter file holds '$c' after the first REGISTER"
[ "$(nvg_val egress_address)" = 198.18.20.2 ] || h_fail "egress address: $(nvg_val egress_address)"
h_pass "the NVG registered sip:nvg-7@$DOM with HOTP (counter file now $c); egress address 198.18.20.2 read from egr0"

# CNs at Proxy 2
printf 'SEQUENTIAL\ncn-a;5081\ncn-p;5082\n' > "$H_DIR/cns.csv"
for cn in a:5081 p:5082; do
    printf 'SEQUENTIAL\ncn-%s\n' "${cn%%:*}" > "$H_DIR/cn.csv"
    h_sipp_bg "$HOM" "cnreg_${cn%%:*}" -sf "$SCEN/nvg_register.xml" -inf "$H_DIR/cn.csv" \
        -set domain "$DOM" -set ch "$HOMEIP" -set cp "${cn##*:}" -m 1 -i "$HOMEIP" -p 5091 \
        "$HOMEIP:$P2" -timeout 20s
    h_sipp_wait "$SIPP_PID" "cnreg_${cn%%:*}" "CN registration"
done

# MNs register through the NVG (HOTP)
register_mns() { # FROM TO WHAT (fails the test with WHAT)
    local f="$H_DIR/reg$1.csv" i
    echo SEQUENTIAL > "$f"
    for i in $(seq "$1" "$2"); do otp_next "$i"; echo "mn-$i;$OTP" >> "$f"; done
    h_sipp_bg "$MOB" "reg$1" -sf "$SCEN/handoff_mn_register.xml" -inf "$f" -set domain "$DOM" \
        -set ch "$MNIP" -set cp 5062 -m $(($2 - $1 + 1)) -r 50 -l 20 -i "$MNIP" -p 5061 \
        "$ING:5060" -timeout 60s
    h_sipp_wait "$SIPP_PID" "reg$1" "$3"
}
register_mns 1 10 "MN registration with HOTP through the NVG failed (reg1.log)"
h_pass "10 MNs registered through the NVG with HOTP"

# ---- calls: N MNs call the CNs --------------------------------------------------------
# start_calls FROM TO: mn-i calls cn-a (odd i: the CN re-INVITEs and hangs up
# after the handoffs) or cn-p (even i: the MN hangs up)
start_calls() { # FROM TO [passive]
    local a=0 p=0 i f="$H_DIR/calls$1.csv"
    echo SEQUENTIAL > "$f"
    for i in $(seq "$1" "$2"); do
        otp_next "$i"
        if [ $((i % 2)) = 1 ] && [ -z "${3:-}" ]; then echo "mn-$i;$OTP;cn-a" >> "$f"; a=$((a + 1))
        else echo "mn-$i;$OTP;cn-p" >> "$f"; p=$((p + 1)); fi
    done
    h_sipp_bg "$HOM" "cna$1" -sf "$SCEN/handoff_cn_active.xml" -i "$HOMEIP" -p 5081 -m "$a"
    CNA_PID=$SIPP_PID
    h_sipp_bg "$HOM" "cnp$1" -sf "$SCEN/handoff_cn_passive.xml" -i "$HOMEIP" -p 5082 -m "$p"
    CNP_PID=$SIPP_PID
    sleep 1
    h_sipp_bg "$MOB" "mnc$1" -sf "$SCEN/handoff_mn_uac.xml" -inf "$f" -set domain "$DOM" \
        -m $(($2 - $1 + 1)) -r 20 -l 200 -i "$MNIP" -p 5063 -mp 40000 "$ING:5060"
    MNC_PID=$SIPP_PID
    NCALLS=$(($2 - $1 + 1))
    h_wait_for 60 bash -c "[ \$(kamcmd -s unix:$H_DIR/nvg.ctl nvg.dialogs | grep -c 'state: confirmed') -ge $NCALLS ]" \
        || h_fail "only $(nvg_rpc nvg.dialogs | grep -c 'state: confirmed') of $NCALLS calls confirmed at the NVG (mnc$1.log)"
}
finish_calls() {
    h_sipp_wait "$MNC_PID" "mnc$1" "MN side of the calls failed after the handoffs (mnc$1.log)"
    h_sipp_wait "$CNA_PID" "cna$1" "active CN (re-INVITE + BYE after the handoffs) failed (cna$1.log)"
    h_sipp_wait "$CNP_PID" "cnp$1" "passive CN (MN's BYE after the handoffs) failed (cnp$1.log)"
}

start_calls 1 10
d="$(nvg_rpc nvg.dialogs)"
grep -q "cn_uri: sip:cn-a@$DOM" <<<"$d" && grep -q "mn_tag: " <<<"$d" \
    || h_fail "nvg.dialogs lacks the CN URI or tags: $(head -20 <<<"$d")"
grep -q "mn_sdp_bytes: [1-9]" <<<"$d" || h_fail "no MN SDP stored for the dialogs"
# the CN got the egress address in the MN's SDP, with the MN's port
grep -aq '^c=IN IP4 198.18.20.2' "$H_DIR/cnp1.d/"*messages.log \
    || h_fail "the MN's SDP at the CN does not name the egress address: $(grep -a '^c=' "$H_DIR/cnp1.d/"*messages.log | head -3)"
grep -a '^c=IN IP4 198.18.10' "$H_DIR/cnp1.d/"*messages.log | head -1 | h_grepq . \
    && h_fail "the MN's ingress address reached a CN in SDP"
grep -a '^m=audio 40000 ' "$H_DIR/cnp1.d/"*messages.log | head -1 | h_grepq . \
    || h_fail "the MN's media port was not kept in the SDP"
h_pass "10 calls MN -> CN through NVG (HOTP Proxy-Authorization), Proxy 1, Proxy 2; nvg.dialogs lists them; CNs see c=/o= = egress address, MN ports kept"

# ---- 2. handoffs with 10 calls --------------------------------------------------------
gen0="$(nvg_val handoff_gen)"
co0="$(nvg_stat coalesced_changes)"
cap_start h1
move 198.18.20.2/24 198.18.21.2/24
move 198.18.21.2/24 198.18.22.2/24
move 198.18.22.2/24 198.18.23.2/24
wait_handoff $((gen0 + 1)) || h_fail "handoff after 3 changes did not finish: $(nvg_rpc nvg.status | grep -E 'handoff|last_')"
cap_stop h1
[ "$(nvg_stat handoffs)" = $((gen0 + 1)) ] || h_fail "3 changes inside ${COALESCE} ms gave $(nvg_stat handoffs) handoffs"
co1="$(nvg_stat coalesced_changes)"
[ $((co1 - co0)) -ge 2 ] || h_fail "coalesced_changes grew by $((co1 - co0)) (>= 2 expected: 6 netlink events)"
check_handoff h1 198.18.23.2 10
h_kamcmd proxy2 ul.lookup location nvg-7 | h_grepq "Address: sip:nvg-7@198.18.23.2:5060" \
    || h_fail "registrar: NVG not at 198.18.23.2: $(h_kamcmd proxy2 ul.lookup location nvg-7 | grep Address)"
h_kamcmd proxy2 ul.lookup location nvg-7 | h_grepq "198.18.20.2" \
    && h_fail "the old binding 198.18.20.2 is still at the registrar (expires=0 missing)"
h_pass "3 address changes within ${COALESCE} ms -> 1 handoff to 198.18.23.2 ($((co1 - co0)) changes coalesced): REGISTER exchange 2 msgs, list INVITE exchange $((HO_CORE - 2)) msgs (final $LIST_CODE, $MOVED of 10 moved by the list), fallback $HO_FALLBACK msgs, total $HO_TOTAL on the egress link"
if [ "$MOVED" != 10 ]; then
    fb="$(nvg_stat fallback_reinvites)"
    [ "$fb" -ge 10 ] || h_fail "list answered $LIST_CODE but only $fb fallback re-INVITEs"
    grep -q "falling back to a re-INVITE" "$H_DIR/nvg.log" || h_fail "no log line for the fallback"
    h_pass "Proxy 2 answered the list $LIST_CODE with $MOVED of 10 entries moved (Proxy 2 runs without ALG here, so its entries are not 200): the others fell back to per-dialog re-INVITEs, logged and counted (list_failures $(nvg_stat list_failures), fallback_reinvites $fb)"
fi
H1_TOTAL=$HO_TOTAL H1_CORE=$HO_CORE

cap_start h2
move 198.18.23.2/24 198.18.24.2/24
wait_handoff $((gen0 + 2)) || h_fail "second handoff did not finish"
cap_stop h2
check_handoff h2 198.18.24.2 10
h_pass "move to 198.18.24.2 -> 1 handoff: core $HO_CORE msgs, total $HO_TOTAL (list $LIST_CODE, $MOVED moved by it)"

# malformed RPC address: error, nothing changes
before="$(nvg_rpc nvg.status | grep -E 'egress_address|handoff_gen|handoff_state')"
for bad in 999.1.1.1 "not-an-address" "fd00::zz" "198.18.24.2:5060"; do
    out="$(nvg_rpc nvg.handoff "$bad" 2>&1)"
    grep -q "Not an IPv4 or IPv6 address" <<<"$out" || h_fail "nvg.handoff '$bad': $out"
done
sleep $((COALESCE / 1000 + 1))
after="$(nvg_rpc nvg.status | grep -E 'egress_address|handoff_gen|handoff_state')"
[ "$before" = "$after" ] || h_fail "a malformed nvg.handoff changed state: $before / $after"
h_pass "nvg.handoff with 4 malformed addresses: 'Not an IPv4 or IPv6 address', no state change"
nvg_rpc nvg.handoff | h_grepq "scheduled" || h_fail "nvg.handoff without address"
wait_handoff $((gen0 + 3)) || h_fail "nvg.handoff without address did not hand off"
h_pass "nvg.handoff (RPC, no address) -> a handoff to the interface's address"
cap_start h3
nvg_rpc nvg.handoff 198.18.24.2 | h_grepq "scheduled" || h_fail "nvg.handoff 198.18.24.2"
wait_handoff $((gen0 + 4)) || h_fail "nvg.handoff RPC did not finish a handoff"
cap_stop h3
check_handoff h3 198.18.24.2 10
h_pass "nvg.handoff 198.18.24.2 (RPC) -> 1 handoff: core $HO_CORE msgs, total $HO_TOTAL"

# ---- 3. in-dialog requests after 4 handoffs -----------------------------------------------
finish_calls 1
grep -aq "^BYE sip:mn-[0-9]*@$MNIP" "$H_DIR/mnc1.d/"*messages.log \
    || h_fail "no CN BYE reached an MN after the handoffs"
grep -aq "Subject: SeNEMO re-INVITE from the CN after the handoffs" "$H_DIR/mnc1.d/"*messages.log \
    || h_fail "no CN re-INVITE reached an MN after the handoffs"
h_wait_for 10 bash -c "[ \$(kamcmd -s unix:$H_DIR/nvg.ctl nvg.dialogs | grep -c call_id) = 0 ]" \
    || h_fail "dialogs left at the NVG after every BYE: $(nvg_rpc nvg.dialogs | grep -c call_id)"
h_pass "after 4 handoffs: 5 CNs re-INVITEd and hung up (reached the MNs), 5 MNs hung up (reached the CNs); nvg.dialogs empty"

# ---- 4. 100 MNs, 100 calls -------------------------------------------------------------------
register_mns 11 100 "registering mn-11..mn-100 failed"
start_calls 1 100
cap_start h5
move 198.18.24.2/24 198.18.21.2/24
wait_handoff $((gen0 + 5)) || h_fail "handoff with 100 calls did not finish"
cap_stop h5
check_handoff h5 198.18.21.2 100
[ "$HO_CORE" = "$H1_CORE" ] || h_fail "handoff core messages: $H1_CORE with 10 calls, $HO_CORE with 100"
h_pass "100 MNs / 100 calls: 1 handoff, core $HO_CORE msgs (same as with 10), total $HO_TOTAL (list $LIST_CODE)"
finish_calls 1
h_pass "100 calls completed after the handoff (50 CN re-INVITE + BYE, 50 MN BYE)"

# ---- 5. IPv4 -> IPv6 ----------------------------------------------------------------------------
cap_start h6
move 198.18.21.2/24 fd00:20::2/64
wait_handoff $((gen0 + 6)) || h_fail "v4 -> v6 handoff did not finish: $(nvg_rpc nvg.status | grep -E 'handoff|last_|own_')"
cap_stop h6
[ "$(nvg_val egress_af)" = 6 ] || h_fail "egress family after the v6 move: $(nvg_val egress_af)"
h_kamcmd proxy2 ul.lookup location nvg-7 | h_grepq "Address: sip:nvg-7@\[fd00:20::2\]:5060" \
    || h_fail "registrar: NVG not at [fd00:20::2]: $(h_kamcmd proxy2 ul.lookup location nvg-7 | grep Address)"
tshark -r "$H_DIR/h6.pcap" -Y 'sip.Method == "REGISTER" && ipv6.src == fd00:20::2' 2>/dev/null | h_grepq . \
    || h_fail "the REGISTER did not leave over IPv6 from fd00:20::2"
h_pass "IPv4 -> IPv6 move: the NVG registered sip:nvg-7@[fd00:20::2]:5060 over IPv6"
h_sipp_bg "$MOB" mn_uas6 -sf "$SCEN/nvg_uas.xml" -i "$MNIP" -p 5062 -m 1
MN_UAS=$SIPP_PID
printf 'SEQUENTIAL\nmn-3\n' > "$H_DIR/callee6.csv"
h_sipp_bg "$HOM" cn_call6 -sf "$SCEN/nvg_uac_call.xml" -inf "$H_DIR/callee6.csv" -set domain "$DOM" \
    -s cn-1 -m 1 -i "$HOMEIP" -p 5090 "$HOMEIP:$P2" -timeout 30s
h_sipp_wait "$SIPP_PID" cn_call6 "CN -> MN call after the v6 move failed (cn_call6.log)"
h_sipp_wait "$MN_UAS" mn_uas6 "the MN's UAS did not see the call through after the v6 move"
h_pass "after the v6 move: CN -> MN call with re-INVITE and BYE through Proxy 2 -> NVG over IPv6"

# ---- 6. Proxy 2 with its ALG: the list moves every dialog --------------------------------
h_stop proxy2
ip -n "$HOM" addr add 198.18.30.3/24 dev home0 || h_fail "ALG external address"
NG="$(h_port)"
H_NS="$HOM" h_start rtpengine rtpengine --foreground --log-stderr \
    --config-file="$H_ROOT/cfg/rtpengine/rtpengine.conf" --config-section=senemo \
    --interface="internal/$HOMEIP" --interface="external/198.18.30.3" \
    --listen-ng="127.0.0.1:$NG" --port-min=30000 --port-max=30999 --delete-delay=0 \
    --pidfile="$H_DIR/rtpengine.pid"
h_wait_for 15 ip netns exec "$HOM" "$H_BUILD/tools/senemo-ng" 127.0.0.1 "$NG" 'd7:command4:pinge' \
    || h_fail "rtpengine does not answer"
H_NS="$HOM" h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" \
    -A "LISTEN=udp:$HOMEIP:$P2 udp:[$HOME6]:$P2" -A REG_MIN_EXPIRES=1 \
    -A "RTPENGINE_SOCK=\"udp:127.0.0.1:$NG\"" -A "INTERNET_PEERS=\"$HOMEIP:$P1\""
# back to IPv4: the handoff's REGISTER also registers the NVG at the new Proxy 2
gen6="$(nvg_val handoff_gen)"
move fd00:20::2/64 198.18.22.2/24
wait_handoff $((gen6 + 1)) || h_fail "v6 -> v4 handoff did not finish"
h_kamcmd proxy2 ul.lookup location nvg-7 | h_grepq "Address: sip:nvg-7@198.18.22.2:5060" \
    || h_fail "after the v6 -> v4 move the registrar has no sip:nvg-7@198.18.22.2:5060"
h_pass "IPv6 -> IPv4 move: the NVG registered 198.18.22.2 (at a restarted Proxy 2 with its ALG)"
printf 'SEQUENTIAL\ncn-p\n' > "$H_DIR/cn.csv"
h_sipp_bg "$HOM" cnreg_p2 -sf "$SCEN/nvg_register.xml" -inf "$H_DIR/cn.csv" -set domain "$DOM" \
    -set ch "$HOMEIP" -set cp 5082 -m 1 -i "$HOMEIP" -p 5091 "$HOMEIP:$P2" -timeout 20s
h_sipp_wait "$SIPP_PID" cnreg_p2 "CN registration"
register_mns 1 100 "re-registering the MNs at the new Proxy 2"
# 10 calls, then 90 more: one CN (passive) for all 100
echo SEQUENTIAL > "$H_DIR/alg10.csv"; echo SEQUENTIAL > "$H_DIR/alg90.csv"
for i in $(seq 1 100); do
    otp_next "$i"
    if [ "$i" -le 10 ]; then echo "mn-$i;$OTP;cn-p" >> "$H_DIR/alg10.csv"; else echo "mn-$i;$OTP;cn-p" >> "$H_DIR/alg90.csv"; fi
done
h_sipp_bg "$HOM" cnalg -sf "$SCEN/handoff_cn_passive.xml" -i "$HOMEIP" -p 5082 -m 100
CNALG=$SIPP_PID
sleep 1
h_sipp_bg "$MOB" mnalg10 -sf "$SCEN/handoff_mn_uac.xml" -inf "$H_DIR/alg10.csv" -set domain "$DOM" \
    -m 10 -r 20 -l 100 -i "$MNIP" -p 5063 -mp 40000 "$ING:5060"
MNALG10=$SIPP_PID
h_wait_for 60 bash -c "[ \$(kamcmd -s unix:$H_DIR/nvg.ctl nvg.dialogs | grep -c 'state: confirmed') -ge 10 ]" \
    || h_fail "ALG: 10 calls not set up (mnalg10.log)"
gen="$(nvg_val handoff_gen)"
p1w0="$(h_kamcmd proxy1 stats.get_statistics hotp_auth: | awk '$1 == "hotp_auth:ordered_waits" { print $3 }')"
# this handoff over the emulated umts link (500 ms RTT, 128 kbit/s): the
# list INVITE must leave before the REGISTER's 200 can be back
h_link_emulate "$RTR" rveh rhome umts
cap_start h7
move 198.18.22.2/24 198.18.21.2/24
wait_handoff $((gen + 1)) || h_fail "ALG handoff with 10 calls did not finish"
cap_stop h7
h_link_emulate_off "$RTR" rveh
check_handoff h7 198.18.21.2 10
[ "$MOVED" = 10 ] || h_fail "with the ALG the list moved $MOVED of 10 dialogs (last_list_code $LIST_CODE)"
[ "$HO_TOTAL" -le 6 ] || h_fail "h7: $HO_TOTAL SIP messages"
# frame order on the egress link: REGISTER, list INVITE, then the REGISTER's 200
order="$(tshark -r "$H_DIR/h7.pcap" -Y 'sip' -T fields -E separator='|' -e frame.number \
    -e sip.Method -e sip.Status-Code -e sip.CSeq.method -e sip.Call-ID 2>/dev/null)"
f_reg="$(awk -F'|' '$2 == "REGISTER" { print $1; exit }' <<<"$order")"
f_inv="$(awk -F'|' -v g="nvg-ho-$((gen + 1))-" '$2 == "INVITE" && index($5, g) == 1 { print $1; exit }' <<<"$order")"
f_r200="$(awk -F'|' '$3 == "200" && $4 == "REGISTER" { print $1; exit }' <<<"$order")"
[ -n "$f_reg" ] && [ -n "$f_inv" ] && [ -n "$f_r200" ] || h_fail "h7: REGISTER/list INVITE/REGISTER 200 not all captured: $order"
[ "$f_reg" -lt "$f_inv" ] && [ "$f_inv" -lt "$f_r200" ] \
    || h_fail "h7: the list INVITE (frame $f_inv) did not leave between the REGISTER ($f_reg) and its 200 ($f_r200)"
# the compact answer: every dialog moved, so no entry and no status in it
strings "$H_DIR/h7.pcap" | h_grepq 'sh:answer="failures"' || h_fail "h7: the list does not ask for the compact answer"
strings "$H_DIR/h7.pcap" | h_grepq 'sh:omitted="moved" sh:entries="10" sh:omitted-count="10"' \
    || h_fail "h7: the list's 200 is not the compact answer for 10 moved entries"
strings "$H_DIR/h7.pcap" | h_grepq '<sh:status ' && h_fail "h7: the compact answer lists an entry although all moved"
a200="$(tshark -r "$H_DIR/h7.pcap" -Y "sip.Status-Code == 200 && sip.Call-ID matches \"^nvg-ho-$((gen + 1))-\"" \
    -T fields -e udp.length 2>/dev/null | head -1)"
p1w1="$(h_kamcmd proxy1 stats.get_statistics hotp_auth: | awk '$1 == "hotp_auth:ordered_waits" { print $3 }')"
h_pass "ALG, 10 calls over umts: 1 handoff = $HO_TOTAL SIP messages on the egress link (<= 6), the list moved 10/10 dialogs; the list INVITE left before the REGISTER's 200 came back (frames $f_reg < $f_inv < $f_r200), both authenticated (Proxy 1 ordered_waits ${p1w0:-?} -> ${p1w1:-?}); compact 200 of ${a200:-?} bytes (UDP)"
h_sipp_bg "$MOB" mnalg90 -sf "$SCEN/handoff_mn_uac.xml" -inf "$H_DIR/alg90.csv" -set domain "$DOM" \
    -m 90 -r 30 -l 100 -i "$MNIP" -p 5065 -mp 41000 "$ING:5060"
MNALG90=$SIPP_PID
h_wait_for 90 bash -c "[ \$(kamcmd -s unix:$H_DIR/nvg.ctl nvg.dialogs | grep -c 'state: confirmed') -ge 100 ]" \
    || h_fail "ALG: 100 calls not set up (mnalg90.log)"
gen="$(nvg_val handoff_gen)"
cap_start h8
move 198.18.21.2/24 198.18.23.2/24
wait_handoff $((gen + 1)) || h_fail "ALG handoff with 100 calls did not finish"
cap_stop h8
check_handoff h8 198.18.23.2 100
[ "$MOVED" = 100 ] || h_fail "with the ALG the list moved $MOVED of 100 dialogs (last_list_code $LIST_CODE)"
[ "$HO_TOTAL" -le 6 ] || h_fail "h8: $HO_TOTAL SIP messages"
h_pass "ALG, 100 MNs / 100 calls: 1 handoff = $HO_TOTAL SIP messages on the egress link (<= 6), the list moved 100/100 dialogs, $(nvg_val last_handoff_ms) ms"
h_sipp_wait "$MNALG10" mnalg10 "ALG: a call of the first 10 did not complete after the handoffs"
h_sipp_wait "$MNALG90" mnalg90 "ALG: a call of the other 90 did not complete after the handoff"
h_sipp_wait "$CNALG" cnalg "ALG: the CN did not see every call end"
h_pass "ALG: all 100 calls ended by the MNs' BYE through the route set after the handoffs"

st="$(nvg_rpc stats.get_statistics nvg:)"
h_pass "statistics: $(grep -E 'nvg:(handoffs|coalesced_changes|list_failures|fallback_reinvites|list_entries|last_handoff_ms|sdp_rewritten) ' <<<"$st" | tr '\n' ' ')"
