#!/bin/bash
# NVG registration, NVG-aware lookup and in-dialog routing (issue #4, first
# half), in network namespaces:
#
#   mobile (198.18.10.2, and 198.18.11.2 outside the ingress network)
#     | ingress 198.18.10.0/24
#   nvg: Kamailio nvg.cfg on 198.18.10.1 (ingress) and 198.18.99.1 (stable
#        inner /32 on lo); egress 198.18.20.2 with MASQUERADE + DNAT of
#        inbound SIP to the inner address; advertises 198.18.20.2
#     | 198.18.20.0/24
#   router ("internet")
#     | 198.18.30.0/24
#   home: Proxy 1 (198.18.30.2:5060, -A NO_AUTH), Proxy 2 (:5070, registrar,
#         nvg home role), correspondent nodes (SIPp)
#
#  1. the NVG registers its own AoR (sip:nvg-7@vpn.example.com) with its
#     egress address; 100 MNs register through it: the registrar holds 100
#     bindings at the logical URI sip:mn-N@nvg-7.vpn.example.com;nvgc=...,
#     the NVG 100 bindings to the ingress contacts, each MN sees its own
#     contact in the 200;
#  2. a CN calls MN AoRs through Proxy 2 (NVG-aware lookup), then sends
#     re-INVITE and BYE through the route set (Record-Route names the NVG's
#     logical domain, resolved at home); an MN calls a CN through the NVG,
#     Proxy 1 and Proxy 2, and the CN's re-INVITE and BYE reach the MN
#     (Proxy 2 rewrites the NVG's Route entry for Proxy 1);
#  3. bad input: REGISTER from outside the ingress network or arriving on
#     the egress side -> 403, malformed Contacts -> 400 with a Warning,
#     expires capped, max_contacts / max_bindings -> 503 with a log line
#     naming the limit; no rejected request changes any state;
#  4. registrar semantics: refresh, several contacts, Contact: *, Expires: 0,
#     expiry by timer; 404 (unknown AoR) vs 480 (known, no live contact);
#  5. the NVG is killed (-9) and started again: its bindings come back from
#     SQLite (written through on each 2xx) and a new call to an MN routes.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/netns.sh"
source "$(dirname "$0")/../lib/nvgnet.sh"
h_init nvg_register
H_SIPP_TIMEOUT=120

SCEN="$H_ROOT/sipp-scenarios"
DOM=vpn.example.com
NVGD=nvg-7.vpn.example.com
N=100
P1=5060 P2=5070 CNPORT=5080
MAX_CONTACTS=3
MAX_BINDINGS=104

command -v sqlite3 >/dev/null || h_fail "sqlite3 (package sqlite3) is needed to inspect the NVG's database"

# ---- topology ------------------------------------------------------------------
nvgnet_topology    # tests/lib/nvgnet.sh: the namespaces, routes and the NVG's NAT
ip -n "$MOB" addr add 198.18.11.2/24 dev mn0 || h_fail "second MN address"
h_route "$NVG" 198.18.11.0/24 "$MNIP"
# the "internet" knows neither the mobile network nor the inner address:
# whatever reaches an MN went through the NVG's egress address
ip netns exec "$RTR" ip route get "$MNIP" >/dev/null 2>&1 && h_fail "the router can reach the MNs directly"
ip netns exec "$RTR" ip route get "$INNER" >/dev/null 2>&1 && h_fail "the router can reach the inner address"
h_pass "namespaces: mobile -- nvg (NAT) -- router -- home; the router reaches neither $MNIP nor $INNER"

# ---- helpers ---------------------------------------------------------------------
# sipp_ns NS NAME args... : SIPp to completion inside a namespace (messages
# traced to NAME.msgs)
sipp_ns() {
    local ns="$1" name="$2"; shift 2
    rm -f "$H_DIR"/*_messages.log
    ( cd "$H_DIR" && timeout 120 ip netns exec "$ns" sipp -nostdin "$@" -trace_err \
        -trace_msg -error_file "$H_DIR/$name.err" > "$H_DIR/$name.log" 2>&1 )
    local rc=$?
    cat "$H_DIR"/*_messages.log > "$H_DIR/$name.msgs" 2>/dev/null
    rm -f "$H_DIR"/*_messages.log
    return $rc
}
# raw REGISTER from the mobile network: reg_raw NAME USER CONTACT EXPIRES EXPECT [SRC_IP] [DST]
reg_raw() {
    local name="$1" user="$2" contact="$3" exp="$4" expect="$5" src="${6:-$MNIP}" dst="${7:-$ING:5060}"
    local ns="$MOB"
    [ "$src" = "$HOMEIP" ] && ns="$HOM"
    sipp_ns "$ns" "$name" -sf "$SCEN/nvg_register_raw.xml" -set domain "$DOM" -set user "$user" \
        -set contact "$contact" -set expires "$exp" -set expect "$expect" -m 1 \
        -i "$src" -p 5071 "$dst" -timeout 20s
}
nvg_rpc() { h_kamcmd "$NVGNAME" "$@"; }
p2_aors() { h_kamcmd proxy2 ul.dump brief | grep -c "AoR: $1" || true; }
nvg_count() { nvg_rpc nvg.status | awk -v k="$1:" '$1 == k { print $2 }'; }
# a fingerprint of every piece of state a REGISTER may change
state() {
    echo "nvg: $(nvg_rpc nvg.bindings | grep -E 'aor:|logical:|contact:|expires_in:|cseq:' \
        | sed 's/expires_in: [0-9]*/expires_in/' | sort | md5sum)"
    echo "p2: $(h_kamcmd proxy2 ul.dump brief | grep -E 'AoR:|Contact:' | sort | md5sum)"
    echo "db: $(sqlite3 "$H_DIR/nvg.sqlite" 'select aor, token, contact from nvg_bindings order by 1, 2' | md5sum)"
    echo "counts: $(nvg_count bindings) $(nvg_count reserved)"
}

# ---- daemons -----------------------------------------------------------------------
h_render "$H_ROOT/cfg/kamailio/cdp.xml.in" "$H_DIR/p1-cdp.xml" FQDN=p1.$DOM REALM=$DOM \
    SERVER_HOST=127.0.0.1 SERVER_PORT=3868 ACCEPT_PORT=3869
H_NS="$HOM" h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" -A "LISTEN=udp:$HOMEIP:$P2" \
    -A REG_MIN_EXPIRES=1
H_NS="$HOM" h_kamailio proxy1 "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:$HOMEIP:$P1" \
    -A "NEXT_HOP=\"sip:$HOMEIP:$P2\"" -A "CDP_CONFIG=\"$H_DIR/p1-cdp.xml\"" -A NO_AUTH -A NO_OVSENSE
NVG_ARGS=(-A "LISTEN=udp:$ING:5060" -A "INNER_LISTEN=udp:$INNER:5060" -A "ADVERTISE_IP=$EGR"
    -A "NEXT_HOP=\"sip:$HOMEIP:$P1\"" -A "NVG_DOMAIN=\"$NVGD\"" -A 'INGRESS_NET="198.18.10.0/24"'
    -A "DB_URL=\"sqlite://$H_DIR/nvg.sqlite\"" -A NVG_REGISTER -A REGISTER_EXPIRES=60
    -A MAX_EXPIRES=600 -A MAX_CONTACTS=$MAX_CONTACTS -A MAX_BINDINGS=$MAX_BINDINGS -A NVG_TIMER=1)
NVGNAME=nvg
H_NS="$NVG" h_kamailio nvg "$H_ROOT/cfg/kamailio/nvg.cfg" -A WITH_PLAIN "${NVG_ARGS[@]}"

h_wait_for 15 bash -c "kamcmd -s unix:$H_DIR/nvg.ctl nvg.status | h_grepq 'own_registration: registered'" \
    || h_fail "the NVG did not register its own AoR: $(nvg_rpc nvg.status | grep own_)"
out="$(h_kamcmd proxy2 ul.lookup location nvg-7)"
grep -q "Address: sip:nvg-7@$EGR:5060" <<<"$out" \
    || h_fail "registrar has no binding sip:nvg-7@$EGR:5060 for the NVG: $out"
h_pass "the NVG registered sip:nvg-7@$DOM -> sip:nvg-7@$EGR:5060 (its egress address, via Proxy 1)"

# ---- 1. 100 mobile nodes register through the NVG --------------------------------
{ echo SEQUENTIAL; for i in $(seq 1 $N); do echo "mn-$i"; done; } > "$H_DIR/mns.csv"
sipp_ns "$MOB" reg100 -sf "$SCEN/nvg_register.xml" -inf "$H_DIR/mns.csv" -set domain "$DOM" \
    -set ch "$MNIP" -set cp 5062 -m "$N" -r 50 -l 20 -i "$MNIP" -p 5061 "$ING:5060" -timeout 60s \
    || h_fail "not every MN REGISTER got 200 (see reg100.log, reg100.msgs)"
h_pass "$N MNs registered through the NVG: 200 each"
n="$(p2_aors 'mn-')"
[ "$n" = "$N" ] || h_fail "registrar holds $n MN AoRs, expected $N"
full="$(h_kamcmd proxy2 ul.dump)"
n="$(grep -cE "Address: sip:mn-[0-9]+@$NVGD;nvgc=[0-9a-f]{16}\$" <<<"$full")"
[ "$n" = "$N" ] || h_fail "registrar: $n of $N bindings are logical URIs: $(grep 'Address: sip:mn-' <<<"$full" | head -3)"
grep -q "Address: sip:mn-[0-9]*@$MNIP" <<<"$full" && h_fail "an MN's ingress address reached the registrar"
h_pass "registrar holds $N bindings, every one at the NVG's logical URI sip:mn-N@$NVGD;nvgc=<token>"
b="$(nvg_rpc nvg.bindings)"
n="$(grep -c "contact: sip:mn-[0-9]*@$MNIP:5062" <<<"$b")"
[ "$n" = "$N" ] || h_fail "NVG holds $n ingress bindings, expected $N"
[ "$(nvg_count registers_committed)" = "$N" ] || h_fail "registers_committed: $(nvg_count registers_committed)"
grep -q "Contact: <sip:mn-1@$MNIP:5062>;expires=" "$H_DIR/reg100.msgs" \
    || h_fail "the 200 to mn-1 does not show its own contact: $(grep -a '^Contact' "$H_DIR/reg100.msgs" | head -3)"
grep -qa "^Contact: <sip:mn-1@$NVGD" "$H_DIR/reg100.msgs" && h_fail "an MN was shown the logical URI"
rows="$(sqlite3 "$H_DIR/nvg.sqlite" "select count(*) from nvg_bindings where contact like 'sip:mn-%@$MNIP:5062'")"
[ "$rows" = "$N" ] || h_fail "the NVG's database holds $rows bindings, expected $N"
h_pass "NVG holds $N bindings to the ingress contacts (memory and SQLite); each MN's 200 shows its own contact"

# ---- 2. a CN reaches MNs by AoR; in-dialog requests follow the route set ---------
NCALLS=5
h_sipp_bg "$MOB" mn_uas -sf "$SCEN/nvg_uas.xml" -i "$MNIP" -p 5062 -m "$NCALLS"
MN_UAS=$SIPP_PID
printf 'SEQUENTIAL\nmn-1\nmn-17\nmn-42\nmn-77\nmn-100\n' > "$H_DIR/callees.csv"
sipp_ns "$HOM" cn_calls -sf "$SCEN/nvg_uac_call.xml" -inf "$H_DIR/callees.csv" -set domain "$DOM" \
    -s cn-1 -m "$NCALLS" -l 1 -i "$HOMEIP" -p 5090 "$HOMEIP:$P2" -timeout 60s \
    || h_fail "CN -> MN calls with re-INVITE and BYE failed (see cn_calls.log, cn_calls.msgs)"
h_sipp_wait "$MN_UAS" mn_uas "the MNs' UAS did not see every call through (mn_uas.log)"
grep -a "^Record-Route:" "$H_DIR/cn_calls.msgs" | h_grepq -F "<sip:$NVGD;r2=on;lr>" \
    || h_fail "the NVG's Record-Route toward home does not name its logical domain"
grep -a "^Record-Route:" "$H_DIR/cn_calls.msgs" | h_grepq -F "<sip:$ING:5060;r2=on;lr>" \
    || h_fail "the NVG's Record-Route toward the MNs is not its ingress address"
grep -aE "^Route: " "$H_DIR/cn_calls.msgs" | h_grepq "$NVGD" \
    || h_fail "the CN's in-dialog requests carry no Route naming $NVGD"
grep -aE "^Route: " "$H_DIR/cn_calls.msgs" | h_grepq "$EGR" \
    && h_fail "the CN's route set holds the NVG's egress address (would break on a move)"
grep -aqE "^(BYE|INVITE) sip:uas@$MNIP:5062" "$H_DIR/cn_calls.msgs" \
    || h_fail "in-dialog requests do not target the MN's contact"
h_pass "CN -> $NCALLS MN AoRs via Proxy 2 (NVG-aware lookup): 200, re-INVITE 200, BYE 200; route set names $NVGD, not the egress address"

# an MN calls a CN; the CN's re-INVITE and BYE reach the MN (Proxy 2 ->
# Proxy 1 -> NVG, the NVG's Route entry resolved at Proxy 2)
printf 'SEQUENTIAL\ncn-1\n' > "$H_DIR/cn.csv"
sipp_ns "$HOM" cn_reg -sf "$SCEN/nvg_register.xml" -inf "$H_DIR/cn.csv" -set domain "$DOM" \
    -set ch "$HOMEIP" -set cp "$CNPORT" -m 1 -i "$HOMEIP" -p 5091 "$HOMEIP:$P2" -timeout 20s \
    || h_fail "CN registration at Proxy 2 failed"
h_start_ns "$RTR" cap_egress dumpcap -q -i rveh -f "udp port 5060" -w "$H_DIR/egress.pcap"
h_wait_for 10 test -s "$H_DIR/egress.pcap" || h_fail "dumpcap did not start"
h_sipp_bg "$HOM" cn_uas -sf "$SCEN/nvg_uas_active.xml" -i "$HOMEIP" -p "$CNPORT" -m 1
CN_UAS=$SIPP_PID
printf 'SEQUENTIAL\nmn-5\n' > "$H_DIR/caller.csv"
sipp_ns "$MOB" mn_call -sf "$SCEN/nvg_uac_passive.xml" -inf "$H_DIR/caller.csv" -set domain "$DOM" \
    -set callee cn-1 -m 1 -i "$MNIP" -p 5063 "$ING:5060" -timeout 60s \
    || h_fail "MN -> CN call with the CN's re-INVITE and BYE failed (see mn_call.log, mn_call.msgs)"
h_sipp_wait "$CN_UAS" cn_uas "the CN's UAS did not complete (cn_uas.log)"
grep -aq "^BYE sip:mn-5@$MNIP:5063" "$H_DIR/mn_call.msgs" \
    || h_fail "the CN's BYE did not reach the MN"
grep -a "^Record-Route:" "$H_DIR/cn_uas.d/"*messages.log | h_grepq -F "<sip:$NVGD;r2=on;lr>" \
    || h_fail "the CN saw no Record-Route naming $NVGD"
sleep 0.5
h_stop cap_egress
# on the egress link, Proxy 1 sent the CN's in-dialog requests to the NVG's
# current address: Proxy 2 had rewritten the NVG's Route entry for it
eg="$(tshark -r "$H_DIR/egress.pcap" -Y 'sip.Request-Line' -T fields -E separator='|' \
    -e ip.src -e ip.dst -e sip.Method -e sip.Route 2>/dev/null)"
grep -E "^$HOMEIP\|$EGR\|(INVITE|BYE)\|" <<<"$eg" | grep -v "cn-1@" | h_grepq -F "<sip:$EGR:5060;r2=on;lr>" \
    || h_fail "no in-dialog request from Proxy 1 to $EGR with the resolved Route entry: $eg"
h_pass "on the egress link: Proxy 1 -> $EGR with Route <sip:$EGR:5060;r2=on;lr> (the logical entry resolved by Proxy 2)"
h_pass "MN -> CN via NVG, Proxy 1, Proxy 2: the CN's re-INVITE and BYE reach the MN"

# ---- 3. bad input: clear errors, no state change ----------------------------------
before="$(state)"
# from outside the ingress network (on the ingress side)
reg_raw bad_src mn-900 "<sip:mn-900@198.18.11.2:5062>" 300 403 198.18.11.2 \
    || h_fail "REGISTER from 198.18.11.2 (outside the ingress network): expected 403"
grep -aqF '"source outside the ingress network"' "$H_DIR/bad_src.msgs" || h_fail "403 without Warning (source)"
# arriving on the egress side, from home, pretending to be an MN
reg_raw bad_side mn-901 "<sip:mn-901@$MNIP:5062>" 300 403 "$HOMEIP" "$EGR:5060" \
    || h_fail "REGISTER arriving on the egress side: expected 403"
grep -aqF '"not a mobile node of this NVG (wrong side)"' "$H_DIR/bad_side.msgs" \
    || h_fail "403 without Warning (egress side)"
[ "$(nvg_count rejected_source)" = 2 ] || h_fail "rejected_source: $(nvg_count rejected_source)"
h_pass "REGISTER from outside the ingress network, and one arriving on the egress side: 403 + Warning"

i=0
bad=(
    '<sip:mn-902@198.18.10.2:5062|300|Contact: cannot parse'
    '<http://198.18.10.2/>|300|Contact: not a sip: or sips: URI'
    '<sip:mn-902@198.18.10.2:5062>;expires=abc|300|Contact: bad expires parameter'
    '<sip:mn-902@198.18.10.2:99999>|300|Contact: bad port'
    '<sip:mn-902@198.18.10.2:5062>;q=2|300|Contact: bad q parameter'
    '<sip:mn-902@198.18.10.2:5062>;reg-id=x|300|Contact: bad reg-id parameter'
    '<sip:mn-902@nvg-7.vpn.example.com>|300|Contact: names this NVG'"'"'s logical domain'
    '<sip:mn-902@198.18.50.9:5062>|300|Contact: address outside the ingress network'
    '<sip:mn-902@mn.example.com:5062>|300|Contact: address outside the ingress network'
    '<sip:mn-902@198.18.10.2:5062>, <sip:mn-902@198.18.10.2:5062>|300|Contact: the same binding twice'
    '*|300|Contact: '"'"'*'"'"' needs Expires: 0 and no other contact'
    '*, <sip:mn-902@198.18.10.2:5062>|0|Contact: '"'"'*'"'"' needs Expires: 0 and no other contact'
    '<sip:mn-902@198.18.10.2:5062?Subject=x>|300|Contact: URI with headers'
)
for c in "${bad[@]}"; do
    i=$((i + 1))
    ct="${c%%|*}"; rest="${c#*|}"; exp="${rest%%|*}"; text="${rest#*|}"
    reg_raw "bad$i" mn-902 "$ct" "$exp" 400 || h_fail "case $i: [$ct] expected 400 (see bad$i.msgs)"
    grep -aqF "Warning: 399 $ING:5060 \"$text\"" "$H_DIR/bad$i.msgs" \
        || h_fail "case $i: [$ct] no Warning \"$text\": $(grep -a '^Warning' "$H_DIR/bad$i.msgs")"
done
[ "$(nvg_count rejected_malformed)" = "$i" ] || h_fail "rejected_malformed: $(nvg_count rejected_malformed), expected $i"
h_pass "$i malformed Contacts: 400 with a Warning naming the fault"

# per-AoR limit: 4 contacts with max_contacts 3
reg_raw lim_aor mn-903 "<sip:mn-903@$MNIP:5101>, <sip:mn-903@$MNIP:5102>, <sip:mn-903@$MNIP:5103>, <sip:mn-903@$MNIP:5104>" \
    300 503 || h_fail "4 contacts with max_contacts=$MAX_CONTACTS: expected 503"
grep -aq '^Retry-After: 5' "$H_DIR/lim_aor.msgs" || h_fail "503 without Retry-After"
grep -aq "max_contacts ($MAX_CONTACTS) exceeded" "$H_DIR/$NVGNAME.log" \
    || h_fail "no log line naming max_contacts"
after="$(state)"
[ "$before" = "$after" ] || h_fail "a rejected REGISTER changed state: $before / $after"
[ "$(p2_aors 'mn-90[0-9]$')" = 0 ] || h_fail "a rejected REGISTER reached the registrar"
h_pass "max_contacts: 503 + Retry-After, log line names the limit; no rejected REGISTER changed the NVG, its database or the registrar"

# expires above max_expires (600) is capped, and the registrar's answer is the expiry
sipp_ns "$MOB" cap -sf "$SCEN/nvg_register_raw.xml" -set domain "$DOM" -set user mn-910 \
    -set contact "<sip:mn-910@$MNIP:5062>" -set expires 7200 -m 1 -i "$MNIP" -p 5071 "$ING:5060" \
    -timeout 20s || h_fail "REGISTER with Expires: 7200: expected 200"
grep -aq "^Contact: <sip:mn-910@$MNIP:5062>;expires=600" "$H_DIR/cap.msgs" \
    || h_fail "the 200 does not grant the capped 600 s: $(grep -a '^Contact' "$H_DIR/cap.msgs")"
e="$(nvg_rpc nvg.bindings | grep -A8 "aor: mn-910@" | awk '/expires_in:/ {print $2}')"
[ -n "$e" ] && [ "$e" -le 600 ] && [ "$e" -ge 590 ] || h_fail "NVG binding of mn-910 expires in '$e' s"
h_kamcmd proxy2 ul.lookup location mn-910 | h_grepq -E 'Expires: (59[0-9]|600)$' \
    || h_fail "registrar binding of mn-910 not capped: $(h_kamcmd proxy2 ul.lookup location mn-910 | grep Expires)"
st="$(nvg_rpc stats.get_statistics nvg:)"
grep -Eq '^nvg:expires_capped = [1-9]' <<<"$st" || h_fail "statistic expires_capped: $st"
h_pass "Expires: 7200 capped to max_expires 600 (forwarded, granted, stored)"

# ---- 4. registrar semantics through the NVG --------------------------------------
lookup_n() { h_kamcmd proxy2 ul.lookup location "$1" 2>/dev/null | grep -c 'Address:' || true; }
nvg_n() { nvg_rpc nvg.bindings | grep -c "contact: sip:$1@" || true; }
# several contacts of one AoR (max_contacts 3): 101 + 3 = 104 = max_bindings
reg_raw multi mn-201 "<sip:mn-201@$MNIP:5201>, <sip:mn-201@$MNIP:5202>;q=0.5, <sip:mn-201@$MNIP:5203>" \
    300 200 || h_fail "3 contacts for mn-201: expected 200"
[ "$(nvg_n mn-201)" = 3 ] && [ "$(lookup_n mn-201)" = 3 ] \
    || h_fail "mn-201: NVG $(nvg_n mn-201), registrar $(lookup_n mn-201) bindings, expected 3 and 3"
c200="$(grep -a '^Contact:' "$H_DIR/multi.msgs" | tail -1)"
for p in 5201 5202 5203; do
    grep -qF "<sip:mn-201@$MNIP:$p>" <<<"$c200" || h_fail "the 200 for mn-201 does not list port $p: $c200"
done
[ "$(nvg_count bindings)" = "$MAX_BINDINGS" ] || h_fail "bindings: $(nvg_count bindings), expected $MAX_BINDINGS"
h_pass "3 contacts for one AoR: 3 bindings at the NVG and at the registrar (table now full: $MAX_BINDINGS)"

# the table is full: a new binding is refused, a refresh is not
before="$(state)"
reg_raw lim_tbl mn-202 "<sip:mn-202@$MNIP:5062>" 300 503 || h_fail "a binding beyond max_bindings: expected 503"
grep -aqF '"max_bindings reached: binding table full"' "$H_DIR/lim_tbl.msgs" || h_fail "503 without Warning"
grep -aq "max_bindings ($MAX_BINDINGS) reached" "$H_DIR/$NVGNAME.log" || h_fail "no log line naming max_bindings"
[ "$before" = "$(state)" ] || h_fail "the refused REGISTER changed state"
[ "$(lookup_n mn-202)" = 0 ] || h_fail "the refused REGISTER reached the registrar"
tok1="$(nvg_rpc nvg.bindings | grep -A3 'aor: mn-1@' | grep -o 'nvgc=[0-9a-f]*')"
reg_raw refresh mn-1 "<sip:mn-1@$MNIP:5062>" 300 200 || h_fail "refresh of mn-1 with a full table: expected 200"
[ "$(nvg_count bindings)" = "$MAX_BINDINGS" ] || h_fail "a refresh changed the number of bindings"
[ "$(nvg_rpc nvg.bindings | grep -A3 'aor: mn-1@' | grep -o 'nvgc=[0-9a-f]*')" = "$tok1" ] \
    || h_fail "a refresh changed mn-1's logical URI"
[ "$(lookup_n mn-1)" = 1 ] || h_fail "refresh: registrar holds $(lookup_n mn-1) bindings for mn-1"
h_pass "max_bindings: 503 + Warning, log line names the limit, nothing changed; a refresh still passes (same logical URI)"

# Contact: * removes every binding of the AoR
reg_raw star mn-201 "*" 0 200 || h_fail "Contact: * for mn-201: expected 200"
[ "$(nvg_n mn-201)" = 0 ] && [ "$(lookup_n mn-201)" = 0 ] || h_fail "Contact: * left bindings"
# Expires: 0 removes one
reg_raw dereg mn-100 "<sip:mn-100@$MNIP:5062>" 0 200 || h_fail "Expires: 0 for mn-100: expected 200"
[ "$(nvg_n mn-100)" = 0 ] && [ "$(lookup_n mn-100)" = 0 ] || h_fail "Expires: 0 left a binding"
rows="$(sqlite3 "$H_DIR/nvg.sqlite" "select count(*) from nvg_bindings where aor like 'mn-100@%' or aor like 'mn-201@%'")"
[ "$rows" = 0 ] || h_fail "$rows removed bindings still in the database"
h_pass "Contact: * and Expires: 0 remove the bindings at the NVG, in its database and at the registrar"

# 404 vs 480 (RFC 3261 21.4.5 / 21.4.18), at the registrar and at the NVG
inv() {
    sipp_ns "$HOM" "$1" -sf "$SCEN/nvg_invite_expect.xml" -set ruri "$2" -set expect "$3" -m 1 \
        -i "$HOMEIP" -p 5092 "$4" -timeout 20s
}
inv inv_p2 "sip:mn-100@$DOM" 404 "$HOMEIP:$P2" || h_fail "INVITE for a deregistered MN at Proxy 2: expected 404"
inv inv_480 "sip:mn-100@$NVGD" 480 "$EGR:5060" || h_fail "INVITE for a known AoR without binding at the NVG: expected 480"
inv inv_480t "sip:mn-1@$NVGD;nvgc=0123456789abcdef" 480 "$EGR:5060" \
    || h_fail "INVITE for a gone binding of a known AoR: expected 480"
inv inv_404 "sip:nobody@$NVGD" 404 "$EGR:5060" || h_fail "INVITE for an unknown AoR at the NVG: expected 404"
[ "$(nvg_count lookup_480)" -ge 2 ] && [ "$(nvg_count lookup_404)" -ge 1 ] || h_fail "lookup counters"
h_pass "unknown AoR: 404; AoR known without a live binding: 480 (NVG), deregistered MN: 404 (registrar)"

# expiry by timer: the registrar grants 2 s
reg_raw short mn-301 "<sip:mn-301@$MNIP:5062>" 2 200 || h_fail "REGISTER mn-301 Expires: 2: expected 200"
[ "$(nvg_n mn-301)" = 1 ] || h_fail "mn-301 not bound"
h_wait_for 8 bash -c "[ \$(kamcmd -s unix:$H_DIR/$NVGNAME.ctl nvg.bindings | grep -c 'contact: sip:mn-301@') = 0 ]" \
    || h_fail "mn-301 did not expire at the NVG"
h_wait_for 5 bash -c "[ \$(sqlite3 $H_DIR/nvg.sqlite \"select count(*) from nvg_bindings where aor like 'mn-301@%'\") = 0 ]" \
    || h_fail "mn-301 did not expire in the database"
[ "$(nvg_count expired)" -ge 1 ] || h_fail "expired counter: $(nvg_count expired)"
inv inv_exp "sip:mn-301@$NVGD" 480 "$EGR:5060" || h_fail "INVITE for the expired mn-301 at the NVG: expected 480"
h_pass "a binding expires by timer at the NVG and in its database (then 480)"
st="$(nvg_rpc stats.get_statistics nvg:)"
for kv in "bindings = 100" "rejected_source = 2" "rejected_malformed = $i" "rejected_limit = 2" \
        "rejected_conflict = 0"; do
    grep -q "^nvg:$kv\$" <<<"$st" || h_fail "statistic nvg:$kv: $(tr '\n' ' ' <<<"$st")"
done
h_pass "statistics: $(grep -E 'nvg:(bindings|registers_translated|registers_committed|rejected_[a-z]*|expired) ' <<<"$st" | tr '\n' ' ')"

# home resolver diagnostics, nested NVGs, loop and depth at Proxy 2
out="$(h_kamcmd proxy2 nvg.resolve "$NVGD")"
grep -q "contact: sip:nvg-7@$EGR:5060" <<<"$out" || h_fail "nvg.resolve $NVGD: $out"
reg_p2() { # AoR user, contact -> registered directly at Proxy 2
    sipp_ns "$HOM" "p2_$1" -sf "$SCEN/nvg_register_raw.xml" -set domain "$DOM" -set user "$1" \
        -set contact "<$2>" -set expires 300 -m 1 -i "$HOMEIP" -p 5093 "$HOMEIP:$P2" -timeout 20s \
        || h_fail "registering $1 at Proxy 2"
}
reg_p2 nvg-19 "sip:nvg-19@$NVGD;nvgc=0123456789abcdef"     # nvg-19 behind nvg-7
reg_p2 nvg-31 "sip:nvg-31@nvg-32.$DOM"                       # 31 <-> 32: a loop
reg_p2 nvg-32 "sip:nvg-32@nvg-31.$DOM"
reg_p2 mn-loop "sip:mn-loop@nvg-31.$DOM;nvgc=0123456789abcdef"
out="$(h_kamcmd proxy2 nvg.resolve "nvg-19.$DOM")"
grep -q "depth: 2" <<<"$out" && grep -q "contact: sip:nvg-7@$EGR:5060" <<<"$out" \
    || h_fail "nested resolution nvg-19 -> nvg-7: $out"
out="$(h_kamcmd proxy2 nvg.resolve "nvg-31.$DOM")"
grep -q "result: loop between NVGs" <<<"$out" || h_fail "loop not detected: $out"
out="$(h_kamcmd proxy2 nvg.resolve "nvg-8.$DOM")"
grep -q "result: NVG not registered" <<<"$out" || h_fail "unregistered NVG: $out"
inv inv_loop "sip:mn-loop@$DOM" 482 "$HOMEIP:$P2" || h_fail "INVITE to an MN behind looping NVGs: expected 482"
h_pass "Proxy 2 resolves nested NVGs (nvg-19 -> nvg-7 -> $EGR), detects loops (482), knows unregistered NVGs"

# ---- 5. the NVG restarts: bindings come back from SQLite ----------------------------
snap="$(nvg_rpc nvg.bindings | grep -E 'logical:|contact:' | sort)"
nb="$(nvg_count bindings)"
# kill -9, every process of the NVG (write-through: nothing is flushed at exit)
for p in $(ip netns pids "$NVG"); do kill -KILL "$p" 2>/dev/null; done
h_wait_for 10 bash -c "[ -z \"\$(ip netns pids $NVG)\" ]" || h_fail "the NVG's processes did not die"
h_stop "$NVGNAME"
rows="$(sqlite3 "$H_DIR/nvg.sqlite" 'select count(*) from nvg_bindings')"
[ "$rows" = "$nb" ] || h_fail "database holds $rows bindings after the stop, memory held $nb"
NVGNAME=nvg2
H_NS="$NVG" h_kamailio nvg2 "$H_ROOT/cfg/kamailio/nvg.cfg" -A WITH_PLAIN "${NVG_ARGS[@]}"
[ "$(nvg_count bindings)" = "$nb" ] || h_fail "after the restart: $(nvg_count bindings) bindings, expected $nb"
[ "$snap" = "$(nvg_rpc nvg.bindings | grep -E 'logical:|contact:' | sort)" ] \
    || h_fail "the bindings after the restart differ from those before"
h_wait_for 15 bash -c "kamcmd -s unix:$H_DIR/nvg2.ctl nvg.status | h_grepq 'own_registration: registered'" \
    || h_fail "the restarted NVG did not register its own AoR"
h_pass "NVG killed (-9) and started again: $nb bindings back from SQLite, identical; own AoR registered again"
h_sipp_bg "$MOB" mn_uas2 -sf "$SCEN/nvg_uas.xml" -i "$MNIP" -p 5062 -m 1
MN_UAS=$SIPP_PID
printf 'SEQUENTIAL\nmn-33\n' > "$H_DIR/callee2.csv"
sipp_ns "$HOM" cn_call2 -sf "$SCEN/nvg_uac_call.xml" -inf "$H_DIR/callee2.csv" -set domain "$DOM" \
    -s cn-1 -m 1 -i "$HOMEIP" -p 5090 "$HOMEIP:$P2" -timeout 30s \
    || h_fail "CN -> mn-33 after the NVG restart failed (see cn_call2.log)"
h_sipp_wait "$MN_UAS" mn_uas2 "the MN's UAS did not complete after the restart"
h_pass "after the restart a new CN -> MN call routes (INVITE, re-INVITE, BYE)"

# ---- 6. a nested NVG: nvg-9 (a PAN network) behind nvg-7 ---------------------------
# nvg-9 runs in the mobile network (198.18.10.3) with its own ingress
# 198.18.12.1 toward the PAN; it registers through nvg-7 like any MN
PAN=$(h_netns pan) || exit 1
h_veth "$MOB" pan0 198.18.12.1/24 "$PAN" pm0 198.18.12.2/24
ip -n "$MOB" addr add 198.18.10.3/24 dev mn0 || h_fail "nvg-9's address"
h_route "$PAN" default 198.18.12.1
H_NS="$MOB" h_kamailio nvg9 "$H_ROOT/cfg/kamailio/nvg.cfg" -A WITH_PLAIN -A "LISTEN=udp:198.18.12.1:5060" \
    -A "INNER_LISTEN=udp:198.18.10.3:5060" -A "NEXT_HOP=\"sip:$ING:5060\"" \
    -A "NVG_DOMAIN=\"nvg-9.$DOM\"" -A 'INGRESS_NET="198.18.12.0/24"' \
    -A "DB_URL=\"sqlite://$H_DIR/nvg9.sqlite\"" -A NVG_REGISTER -A REGISTER_EXPIRES=60 -A NVG_TIMER=1
h_wait_for 15 bash -c "kamcmd -s unix:$H_DIR/nvg9.ctl nvg.status | h_grepq 'own_registration: registered'" \
    || h_fail "nvg-9 did not register through nvg-7: $(h_kamcmd nvg9 nvg.status | grep own_)"
# (nvg-9 may report "registered" from an earlier 2xx before a refresh or its
# first REGISTER through the restarted nvg-7 is committed there: wait for it)
h_wait_for 15 bash -c "kamcmd -s unix:$H_DIR/$NVGNAME.ctl nvg.bindings | h_grepq 'contact: sip:nvg-9@198.18.10.3:5060'" \
    || h_fail "nvg-7 holds no binding for nvg-9: $(nvg_rpc nvg.bindings | grep -c aor:) bindings; nvg-9: $(h_kamcmd nvg9 nvg.status | grep own_)"
h_kamcmd proxy2 ul.lookup location nvg-9 | h_grepq "Address: sip:nvg-9@$NVGD;nvgc=" \
    || h_fail "the registrar does not hold nvg-9 at nvg-7's logical URI"
printf 'SEQUENTIAL\nmn-pan\n' > "$H_DIR/pan.csv"
sipp_ns "$PAN" pan_reg -sf "$SCEN/nvg_register.xml" -inf "$H_DIR/pan.csv" -set domain "$DOM" \
    -set ch 198.18.12.2 -set cp 5062 -m 1 -i 198.18.12.2 -p 5061 198.18.12.1:5060 -timeout 20s \
    || h_fail "mn-pan's REGISTER through nvg-9 and nvg-7 failed"
h_kamcmd proxy2 ul.lookup location mn-pan | h_grepq "Address: sip:mn-pan@nvg-9.$DOM;nvgc=" \
    || h_fail "the registrar does not hold mn-pan at nvg-9's logical URI"
h_kamcmd nvg9 nvg.bindings | h_grepq "contact: sip:mn-pan@198.18.12.2:5062" || h_fail "nvg-9 holds no binding for mn-pan"
nvg_rpc nvg.bindings | h_grepq "mn-pan" && h_fail "nvg-7 bound mn-pan itself (should pass nvg-9's logical URI on)"
out="$(h_kamcmd proxy2 nvg.resolve "nvg-9.$DOM")"
grep -q "depth: 2" <<<"$out" && grep -q "contact: sip:nvg-7@$EGR:5060" <<<"$out" \
    || h_fail "Proxy 2 resolution of nvg-9: $out"
h_sipp_bg "$PAN" pan_uas -sf "$SCEN/nvg_uas.xml" -i 198.18.12.2 -p 5062 -m 1
PAN_UAS=$SIPP_PID
printf 'SEQUENTIAL\nmn-pan\n' > "$H_DIR/callee3.csv"
sipp_ns "$HOM" cn_call3 -sf "$SCEN/nvg_uac_call.xml" -inf "$H_DIR/callee3.csv" -set domain "$DOM" \
    -s cn-1 -m 1 -i "$HOMEIP" -p 5090 "$HOMEIP:$P2" -timeout 30s \
    || h_fail "CN -> mn-pan (behind nvg-9 behind nvg-7) failed (see cn_call3.log)"
h_sipp_wait "$PAN_UAS" pan_uas "mn-pan's UAS did not complete"
grep -a "^Route:" "$H_DIR/cn_call3.msgs" | tail -1 | h_grepq "nvg-7.$DOM.*nvg-9.$DOM" \
    || h_fail "the route set does not name both NVGs: $(grep -a '^Route:' "$H_DIR/cn_call3.msgs" | tail -1)"
h_pass "nested NVGs: mn-pan behind nvg-9 behind nvg-7 registered and called (INVITE, re-INVITE, BYE) through both"
