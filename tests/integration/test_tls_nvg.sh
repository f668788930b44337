#!/bin/bash
# SIP over TLS between the NVG and Proxy 1 (issue 9), the default of the
# shipped cfgs, in the namespaces of tests/lib/nvgnet.sh. Two private CAs
# (scripts/gen-certs.sh), as a deployment needs them: the home CA signs the
# home proxies' certificates and is the NVG's only trust anchor; the
# vehicle CA signs the NVGs' certificates and is Proxy 1's trust anchor for
# its TLS clients.
#  0. nvg.cfg without WITH_PLAIN and a NEXT_HOP without ;transport=tls: the
#     NVG does not start, and says why;
#  1. nvg.cfg and proxy1.cfg WITHOUT any transport flag (certificates,
#     addresses, NEXT_HOP sip:<Proxy 1>:5061;transport=tls only): the NVG
#     registers its own AoR over TLS with its HOTP credential, MNs register
#     through it, an MN calls a CN and hangs up (INVITE, ACK, BYE through the
#     NVG and Proxy 1); on the egress link the NVG -> Proxy 1 traffic is TLS
#     only: no SIP message in clear from the NVG's egress address;
#  1c. home calls MNs (Proxy 2 -> Proxy 1 -> NVG: INTERNET_VIA, HOME_NET):
#     Proxy 1 sends to the NVG over the TLS connection the NVG opened
#     (aliased to its registered address); cn-p -> mn-3 with the MN's
#     re-INVITE, ACK and BYE, cn-p -> mn-2 with an SDES offer (a=crypto)
#     and home's re-INVITE, ACK and BYE: on the egress link 0 SIP messages in
#     clear in either direction, the SRTP key nowhere in clear;
#  1c2. Proxy 1 restarts: the NVG finds its connection lost (tcpops
#     event route, nvg_home_conn_closed()) and registers again over a new
#     one at once, not at the refresh; a call from home reaches the MN;
#  1d. the NVG (now following egr0, EGRESS_IF) moves to another address: a
#     new TLS connection from there, its REGISTER re-aliases it, and a new
#     call from home reaches the MN over it (0 SIP messages in clear); idle,
#     the NVG sends TCP keep-alive probes on it (KEEPALIVE_S) and Proxy 1
#     answers them; the connection the handoff closed is not counted lost;
#  1e. the NVG is gone (its connection closed, its binding still at home):
#     a call from home gets 480 + Warning "no TLS connection from the NVG"
#     from Proxy 1, which opens no connection and sends nothing in clear;
#  1b. a plain UDP REGISTER with a valid HOTP credential sent to Proxy 1
#     from the Internet side (the router): 403 + Warning "TLS required on
#     the Internet leg", no Diameter request, no binding, OTP counter unused;
#  2. Proxy 1 with a self-signed (untrusted) certificate for its own name:
#     the NVG fails the handshake (chain verification), Proxy 1 receives no
#     request;
#  3. Proxy 1 presenting another vehicle's valid certificate (nvg-9, signed
#     by the vehicle CA: a vehicle posing as home): the NVG fails the
#     handshake just the same, Proxy 1 receives no request.
# Not checked, because Kamailio 5.6 cannot: the host name in Proxy 1's
# certificate (event_route[tls:connection-out] never runs on tm's send
# path); a certificate from the home CA for another home host is accepted.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/netns.sh"
source "$(dirname "$0")/../lib/nvgnet.sh"
h_init tls_nvg

SCEN="$H_ROOT/sipp-scenarios"
DOM=$NVGNET_DOM
CERTS="$H_DIR/certs"
for c in tshark dumpcap oathtool; do command -v "$c" >/dev/null || h_fail "$c is needed"; done

gencert() { "$H_ROOT/scripts/gen-certs.sh" "$@" > "$H_DIR/gen-certs.log" 2>&1 || h_fail "gen-certs.sh $*: $(cat "$H_DIR/gen-certs.log")"; }
gencert --ca-name "SeNEMO home CA" "$CERTS/home" "proxy1.$DOM"
gencert --ca-name "SeNEMO vehicle CA" "$CERTS/vehicles" "nvg-7.$DOM" "nvg-9.$DOM"
gencert --self-signed "$CERTS/rogue" "proxy1.$DOM"
# tlscfg OUT DIR NAME CA: a Kamailio tls.cfg with DIR/NAME's certificate, trusting CA
tlscfg() { h_render "$H_ROOT/cfg/kamailio/tls.cfg.in" "$1" KEY="$2/$3.key" CERT="$2/$3.pem" CA="$4"; }
tlscfg "$H_DIR/tls-p1.cfg" "$CERTS/home" "proxy1.$DOM" "$CERTS/vehicles/ca.pem"
tlscfg "$H_DIR/tls-rogue.cfg" "$CERTS/rogue" "proxy1.$DOM" "$CERTS/vehicles/ca.pem"
tlscfg "$H_DIR/tls-nvg9.cfg" "$CERTS/vehicles" "nvg-9.$DOM" "$CERTS/vehicles/ca.pem"
tlscfg "$H_DIR/tls-nvg.cfg" "$CERTS/vehicles" "nvg-7.$DOM" "$CERTS/home/ca.pem"
h_pass "certificates: home CA (proxy1), vehicle CA (nvg-7, nvg-9), a self-signed proxy1"

nvgnet_topology
# no transport flag anywhere: TLS is the cfgs' default
NVGNET_PLAIN=()
P1TLS=(-A "TLS_LISTEN=tls:$HOMEIP:5061")
# home's requests for the MNs go through Proxy 1 (Proxy 2 INTERNET_VIA,
# Proxy 1 HOME_NET), which sends them over the NVG's own TLS connection
NVGNET_P1_ARGS=("${P1TLS[@]}" -A "TLS_CONFIG=\"$H_DIR/tls-p1.cfg\"" -A "HOME_NET=\"$HOMEIP/32\"")
NVGNET_P2_ARGS=(-A "INTERNET_VIA=\"sip:$HOMEIP:5060\"")
nvgnet_home 6
# NVG_ARGS without its plain NEXT_HOP
args=(); for a in "${NVG_ARGS[@]}"; do case "$a" in NEXT_HOP=*) unset 'args[-1]' ;; *) args+=("$a") ;; esac; done
NVG_TLS=(-A "TLS_LISTEN=tls:$INNER:5060" -A "TLS_CONFIG=\"$H_DIR/tls-nvg.cfg\"")
NVG_ARGS=("${args[@]}" -A "NEXT_HOP=\"sip:$HOMEIP:5061;transport=tls\"" "${NVG_TLS[@]}")
printf '%s\n' "${NVG_ARGS[@]}" | h_grepq -E '^(WITH_PLAIN|WITH_TLS)$' && h_fail "a transport flag in the NVG's arguments"

# ---- 0. a plain NEXT_HOP without WITH_PLAIN: no start ------------------------------------
mkdir -p "$H_DIR/chk.run"
timeout 20 ip netns exec "$NVG" kamailio -f "$H_ROOT/cfg/kamailio/nvg.cfg" -DD -E -e -m 64 \
    -M 8 -Y "$H_DIR/chk.run" -L "$H_KAM_MPATH" -A "CTL_SOCK=\"unix:$H_DIR/chk.ctl\"" "${args[@]}" \
    -A "NEXT_HOP=\"sip:$HOMEIP:5060\"" "${NVG_TLS[@]}" > "$H_DIR/chk.log" 2>&1
rc=$?
out="$(cat "$H_DIR/chk.log")"
[ "$rc" = 124 ] && h_fail "the NVG started (and ran 20 s) with a plain NEXT_HOP in TLS mode"
[ "$rc" = 0 ] && h_fail "the NVG exited 0 with a plain NEXT_HOP in TLS mode"
grep -q "has no ;transport=tls" <<<"$out" \
    || h_fail "no clear error for a plain NEXT_HOP: $(tail -3 <<<"$out")"
h_pass "nvg.cfg with NEXT_HOP sip:$HOMEIP:5060 (no ;transport=tls) and no WITH_PLAIN: start-up refused ('$(grep -o "next hop '[^']*' has no ;transport=tls" <<<"$out")')"
p1_requests() { h_kamcmd "$1" stats.get_statistics core: 2>/dev/null | awk '$1 == "core:rcv_requests" { print $3 }'; }

# ---- 1. registrations and a call over TLS -------------------------------------------------
h_start_ns "$RTR" cap_egress dumpcap -q -i rveh -f "tcp port 5061 or udp port 5060" -w "$H_DIR/egress.pcap"
h_wait_for 10 test -s "$H_DIR/egress.pcap" || h_fail "dumpcap did not start"
nvgnet_nvg nvg
h_kamcmd proxy2 ul.lookup location nvg-7 | h_grepq "Address: sip:nvg-7@$EGR:5060" \
    || h_fail "the registrar has no binding for the NVG: $(h_kamcmd proxy2 ul.lookup location nvg-7)"
h_pass "the NVG registered sip:nvg-7@$DOM over TLS to Proxy 1 (HOTP; Proxy 1's chain verified against the home CA, the NVG's against the vehicle CA)"

nvgnet_register_mns 1 5 0 reg0 || h_fail "MN registrations through the NVG over TLS failed (reg0.log)"
printf 'SEQUENTIAL\ncn-p\n' > "$H_DIR/cn.csv"
( cd "$H_DIR" && timeout 30 ip netns exec "$HOM" sipp -nostdin -sf "$SCEN/nvg_register.xml" -inf "$H_DIR/cn.csv" \
    -set domain "$DOM" -set ch "$HOMEIP" -set cp 5082 -m 1 -i "$HOMEIP" -p 5091 "$HOMEIP:5070" \
    -timeout 20s > "$H_DIR/cn_reg.log" 2>&1 ) || h_fail "CN registration at Proxy 2"
mkdir -p "$H_DIR/cn.d"
( cd "$H_DIR/cn.d" && exec timeout 60 ip netns exec "$HOM" sipp -nostdin -sf "$SCEN/handoff_cn_passive.xml" \
    -i "$HOMEIP" -p 5082 -m 1 -timeout 50s -trace_err > "$H_DIR/cn.log" 2>&1 ) &
CN_PID=$!
sleep 0.5
printf 'SEQUENTIAL\nmn-1;%s;cn-p\n' "$(oathtool --hotp -c 1 "$(nvgnet_secret 1)")" > "$H_DIR/call.csv"
( cd "$H_DIR" && timeout 60 ip netns exec "$MOB" sipp -nostdin -sf "$SCEN/tls_mn_uac.xml" -inf "$H_DIR/call.csv" \
    -set domain "$DOM" -m 1 -i "$MNIP" -p 5063 -mp 40000 "$ING:5060" -timeout 40s -trace_err \
    > "$H_DIR/call.log" 2>&1 ) || h_fail "the MN's call over the NVG's TLS leg failed (call.log)"
wait "$CN_PID" || h_fail "the CN did not see the call through (cn.log)"
h_pass "5 MNs registered through the NVG; mn-1 called cn-p and hung up (INVITE 200, ACK, BYE 200) through the NVG's TLS leg"

sleep 0.5; h_stop cap_egress
clear="$(tshark -r "$H_DIR/egress.pcap" -Y "sip && (ip.src == $EGR || ip.dst == $EGR)" -T fields -e sip.CSeq 2>/dev/null | grep -c . || true)"
hello="$(tshark -r "$H_DIR/egress.pcap" -d tcp.port==5061,tls -Y "tls.handshake.type == 1 && ip.src == $EGR" 2>/dev/null | grep -c . || true)"
appd="$(tshark -r "$H_DIR/egress.pcap" -d tcp.port==5061,tls -Y "tls.app_data && ip.src == $EGR" 2>/dev/null | grep -c . || true)"
[ "$clear" = 0 ] || h_fail "$clear SIP messages in clear from or to the NVG on the egress link"
[ "$hello" -ge 1 ] && [ "$appd" -ge 6 ] || h_fail "egress link: $hello ClientHello, $appd TLS records with data from the NVG"
strings "$H_DIR/egress.pcap" | h_grepq "nvg-7@$DOM" && h_fail "the NVG's AoR appears in clear on the egress link"
h_pass "egress link: $hello TLS handshake(s) from the NVG, $appd TLS records with data, 0 SIP messages in clear from or to $EGR"

# ---- 1b. plain UDP from the Internet side to Proxy 1: refused --------------------------------
stat() { h_kamcmd "$1" stats.get_statistics "$2" 2>/dev/null | awk -v n="$2" '$1 == n { print $3 }'; }
uar0="$(stat proxy1 hotp_auth:uar_sent)"; mar0="$(stat proxy1 hotp_auth:mar_sent)"
otp6="$(oathtool --hotp -c 0 "$(nvgnet_secret 6)")"
ip netns exec "$RTR" python3 - "$HOMEIP" "$DOM" "$otp6" > "$H_DIR/plain.out" 2>&1 <<'PY' || h_fail "plain REGISTER: no answer ($(cat "$H_DIR/plain.out"))"
import socket, sys
p1, dom, otp = sys.argv[1:4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.30.1", 5099)); s.settimeout(5)
req = ("REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.30.1:5099;rport;branch=z9hG4bK-plain-1\r\n"
       "Max-Forwards: 70\r\nFrom: <sip:mn-6@%s>;tag=p1\r\nTo: <sip:mn-6@%s>\r\n"
       "Call-ID: plain-1@internet\r\nCSeq: 1 REGISTER\r\nContact: <sip:mn-6@198.18.30.1:5099>\r\n"
       "Authorization: HOTP username=\"mn-6\", realm=\"%s\", otp=\"%s\"\r\n"
       "Expires: 600\r\nContent-Length: 0\r\n\r\n") % (dom, dom, dom, dom, otp)
s.sendto(req.encode(), (p1, 5060))
while True:
    r = s.recv(65535).decode()
    if not r.startswith("SIP/2.0 1"):
        print(r); break
PY
head -1 "$H_DIR/plain.out" | h_grepq "^SIP/2.0 403" || h_fail "plain REGISTER from the Internet: $(head -1 "$H_DIR/plain.out")"
grep -q '^Warning: 399 .*"TLS required on the Internet leg"' "$H_DIR/plain.out" \
    || h_fail "403 without the Warning: $(cat "$H_DIR/plain.out")"
[ "$(stat proxy1 hotp_auth:uar_sent)" = "$uar0" ] && [ "$(stat proxy1 hotp_auth:mar_sent)" = "$mar0" ] \
    || h_fail "Diameter requests were sent for the plain REGISTER (uar $uar0 -> $(stat proxy1 hotp_auth:uar_sent), mar $mar0 -> $(stat proxy1 hotp_auth:mar_sent))"
h_kamcmd proxy2 ul.lookup location mn-6 2>&1 | h_grepq "Address:" && h_fail "mn-6 got a binding from the plain REGISTER"
# the OTP of counter 0 is still unused: mn-6 registers with it through the NVG (TLS)
nvgnet_register_mns 6 6 0 reg6 || h_fail "mn-6 could not register with the OTP the plain REGISTER carried (reg6.log)"
h_pass "plain UDP REGISTER from the Internet side (198.18.30.1) with a valid OTP: $(head -1 "$H_DIR/plain.out" | tr -d '\r'), $(grep '^Warning' "$H_DIR/plain.out" | tr -d '\r'); no UAR/MAR sent, no binding, the OTP was still valid through the NVG's TLS leg"

# ---- 1c. home calls MNs: over the NVG's TLS connection ------------------------------------
# counts SIP messages in clear to/from ADDR in capture NAME, TLS records with
# data each way, TCP connections Proxy 1 opened toward ADDR
clear_of() { tshark -r "$H_DIR/$1.pcap" -Y "sip && (ip.src == $2 || ip.dst == $2)" -T fields -e sip.CSeq 2>/dev/null | grep -c . || true; }
appd_of() { tshark -r "$H_DIR/$1.pcap" -d tcp.port==5061,tls -Y "tls.app_data && ip.$3 == $2" 2>/dev/null | grep -c . || true; }
syn_to() { tshark -r "$H_DIR/$1.pcap" -Y "tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.src == $HOMEIP && ip.dst == $2" 2>/dev/null | grep -c . || true; }
h_start_ns "$RTR" cap_egress2 dumpcap -q -i rveh -f "tcp or udp port 5060 or udp port 5070" -w "$H_DIR/egress2.pcap"
h_wait_for 10 test -s "$H_DIR/egress2.pcap" || h_fail "dumpcap did not start"
p1r0="$(p1_requests proxy1)"
# cn-p -> mn-3: the MN sends a re-INVITE, its ACK and the BYE
h_sipp_bg "$MOB" mn_uas -sf "$SCEN/nvg_uas_active.xml" -i "$MNIP" -p 5062 -m 1
MN_UAS=$SIPP_PID
sleep 0.5
printf 'SEQUENTIAL\ncn-p\n' > "$H_DIR/cn_caller.csv"
( cd "$H_DIR" && timeout 60 ip netns exec "$HOM" sipp -nostdin -sf "$SCEN/nvg_uac_passive.xml" \
    -inf "$H_DIR/cn_caller.csv" -set domain "$DOM" -set callee mn-3 -m 1 -i "$HOMEIP" -p 5093 \
    "$HOMEIP:5070" -timeout 40s -trace_err > "$H_DIR/cn_call.log" 2>&1 ) \
    || h_fail "cn-p -> mn-3 with the MN's re-INVITE and BYE failed (cn_call.log)"
h_sipp_wait "$MN_UAS" mn_uas "the MN's UAS did not complete (mn_uas.log)"
# cn-p -> mn-2 with an SDES offer: home's re-INVITE, ACK and BYE
KEY="U2VORU1PdGxzaW5ib3VuZGtleXRlc3QxMjM0NTY3ODkw"
printf 'SEQUENTIAL\nmn-2\n' > "$H_DIR/cn_srtp.csv"
# home_srtp_call UAS LOG WHAT: mn-2 answers with SIPp UAS UAS; cn-p calls it
# from home with an SDES offer (key $KEY), re-INVITEs, ACKs and hangs up
home_srtp_call() {
    h_sipp_bg "$MOB" "$1" -sf "$SCEN/nvg_uas.xml" -i "$MNIP" -p 5062 -m 1
    local uas=$SIPP_PID
    sleep 0.5
    ( cd "$H_DIR" && timeout 60 ip netns exec "$HOM" sipp -nostdin -sf "$SCEN/tls_cn_uac.xml" \
        -inf "$H_DIR/cn_srtp.csv" -set domain "$DOM" -set key "$KEY" -s cn-p -m 1 -i "$HOMEIP" -p 5093 \
        "$HOMEIP:5070" -timeout 40s -trace_err > "$H_DIR/$2.log" 2>&1 ) \
        || h_fail "cn-p -> mn-2 (SRTP offer, home's re-INVITE and BYE)${3:+ $3} failed ($2.log)"
    h_sipp_wait "$uas" "$1" "the MN's UAS did not complete${3:+ $3} ($1.log)"
}
# key_in_clear CAPTURE: the SDES offer readable anywhere in it?
key_in_clear() { strings "$H_DIR/$1.pcap" | h_grepq -e "$KEY" -e "a=crypto"; }
home_srtp_call mn_uas2 cn_srtp ""
sleep 0.5; h_stop cap_egress2
clear2="$(clear_of egress2 "$EGR")"
in2="$(appd_of egress2 "$EGR" dst)"; out2="$(appd_of egress2 "$EGR" src)"
syn2="$(syn_to egress2 "$EGR")"
p1r="$(( $(p1_requests proxy1) - p1r0 ))"
[ "$clear2" = 0 ] || h_fail "$clear2 SIP messages in clear from or to the NVG in calls from home"
[ "$in2" -ge 8 ] && [ "$out2" -ge 8 ] || h_fail "calls from home: $in2 TLS records with data to the NVG, $out2 from it"
[ "$syn2" = 0 ] || h_fail "Proxy 1 opened $syn2 TCP connection(s) toward the NVG"
key_in_clear egress2 && h_fail "the SDES offer is visible in clear on the egress link"
h_pass "cn-p -> mn-3 (the MN's re-INVITE, ACK, BYE) and cn-p -> mn-2 (a=crypto offer; home's re-INVITE, ACK, BYE) through Proxy 1 over the NVG's TLS connection: $in2 TLS records with data to $EGR, $out2 from it, 0 SIP messages in clear either way, no a=crypto/key in clear, 0 connections opened by Proxy 1 (Proxy 1 received $p1r requests)"

# ---- 1c2. Proxy 1 restarts: the NVG's connection is gone, its REGISTER opens a new one -----------
nvg_stat() { h_kamcmd "$1" nvg.status 2>/dev/null | awk -v k="$2:" '$1 == k { print $2 }'; }
lost0="$(nvg_stat nvg home_conn_lost)"; sent0="$(nvg_stat nvg own_sent)"
[ "${lost0:-x}" = 0 ] || h_fail "nvg.status home_conn_lost before any loss: '${lost0}'"
h_stop proxy1
mv "$H_DIR/proxy1.log" "$H_DIR/proxy1.first.log"
T_P1="$(date +%s%3N)"
nvgnet_proxy1
T_P1UP="$(date +%s%3N)"
# REGISTER_EXPIRES is 600 here: without the lost-connection REGISTER the
# next one would leave ~570 s after the last
reopened() { [ "$(nvg_stat nvg home_conn_lost)" -ge 1 ] && [ "$(nvg_stat nvg own_sent)" -gt "$sent0" ] \
    && [ "$(nvg_stat nvg own_registration)" = registered ] && [ "$(nvg_stat nvg own_last_code)" = 200 ]; }
h_wait_for 40 reopened || h_fail "after Proxy 1's restart the NVG did not register again: $(h_kamcmd nvg nvg.status | grep -E 'own_|home_conn_lost')"
T_RE="$(date +%s%3N)"
h_grepq "connection [0-9]* to Proxy 1 ($HOMEIP:5061) lost: own REGISTER in 10 s to open a new one" < "$H_DIR/nvg.log" \
    || h_fail "the NVG did not log the lost connection"
home_srtp_call mn_uas_p1 cn_srtp_p1 "after Proxy 1 restarted"
h_pass "Proxy 1 restarted: the NVG saw its connection lost ($(nvg_stat nvg home_conn_lost)), registered again over a new one ($(( $(nvg_stat nvg own_sent) - sent0 )) REGISTER(s), Proxy 1 ready with its Diameter peer $(( T_P1UP - T_P1 )) ms after the restart began, the NVG registered $(( T_RE - T_P1UP )) ms after that (register_retry 10 s), not at the 600 s refresh); home -> mn-2 (a=crypto, re-INVITE, BYE) over it"

# ---- 1d. a handoff: new address, new connection, home's call follows ---------------------------
h_stop nvg
ip -n "$RTR" addr add 198.18.21.1/24 dev rveh || h_fail "router address 198.18.21.1"
args=(); for a in "${NVG_ARGS[@]}"; do case "$a" in ADVERTISE_IP=*) unset 'args[-1]' ;; *) args+=("$a") ;; esac; done
# (KEEPALIVE_S=2: TCP keep-alive probes on the TLS connection after 2 idle seconds)
NVG_ARGS=("${args[@]}" -A 'EGRESS_IF="egr0"' -A KEEPALIVE_S=2)
nvgnet_nvg nvgh
h_start_ns "$RTR" cap_egress3 dumpcap -q -i rveh -f "tcp or udp port 5060 or udp port 5070" -w "$H_DIR/egress3.pcap"
h_wait_for 10 test -s "$H_DIR/egress3.pcap" || h_fail "dumpcap did not start"
EGR2=198.18.21.2
ip -n "$NVG" addr del "$EGR/24" dev egr0 || h_fail "removing $EGR"
ip -n "$NVG" addr add "$EGR2/24" dev egr0 || h_fail "adding $EGR2"
ip -n "$NVG" route replace default via 198.18.21.1 || h_fail "default route via 198.18.21.1"
h_wait_for 30 bash -c "kamcmd -s unix:$H_DIR/proxy2.ctl ul.lookup location nvg-7 | h_grepq 'Address: sip:nvg-7@$EGR2:5060'" \
    || h_fail "the NVG did not re-register from $EGR2: $(h_kamcmd proxy2 ul.lookup location nvg-7 | grep Address)"
home_srtp_call mn_uas3 cn_srtp3 "after the handoff"
# idle: the NVG's kernel probes the connection (it keeps a NAT's mapping for
# home's requests), Proxy 1's answers
sleep 5; h_stop cap_egress3
ka="$(tshark -r "$H_DIR/egress3.pcap" -Y "tcp.analysis.keep_alive && ip.src == $EGR2 && tcp.dstport == 5061" 2>/dev/null | grep -c . || true)"
ka_ack="$(tshark -r "$H_DIR/egress3.pcap" -Y "tcp.analysis.keep_alive_ack && ip.dst == $EGR2 && tcp.srcport == 5061" 2>/dev/null | grep -c . || true)"
[ "$ka" -ge 1 ] && [ "$ka_ack" -ge 1 ] || h_fail "idle TLS connection: $ka keep-alive probes from $EGR2, $ka_ack answered (KEEPALIVE_S=2)"
clear3="$(( $(clear_of egress3 "$EGR") + $(clear_of egress3 "$EGR2") ))"
hello3="$(tshark -r "$H_DIR/egress3.pcap" -d tcp.port==5061,tls -Y "tls.handshake.type == 1 && ip.src == $EGR2" 2>/dev/null | grep -c . || true)"
in3="$(appd_of egress3 "$EGR2" dst)"
syn3="$(( $(syn_to egress3 "$EGR") + $(syn_to egress3 "$EGR2") ))"
[ "$clear3" = 0 ] || h_fail "$clear3 SIP messages in clear around the handoff"
[ "$hello3" -ge 1 ] && [ "$in3" -ge 4 ] || h_fail "after the handoff: $hello3 ClientHello from $EGR2, $in3 TLS records with data to it"
[ "$syn3" = 0 ] || h_fail "Proxy 1 opened $syn3 TCP connection(s) toward the NVG"
key_in_clear egress3 && h_fail "the SDES offer is visible in clear after the handoff"
[ "$(nvg_stat nvgh home_conn_lost)" = 0 ] || h_fail "the connection the handoff closed counted as lost (home_conn_lost $(nvg_stat nvgh home_conn_lost))"
h_pass "handoff $EGR -> $EGR2: a new TLS connection from $EGR2 ($hello3 ClientHello), the REGISTER re-aliased it; cn-p -> mn-2 (a=crypto, re-INVITE, BYE from home) over it: $in3 TLS records with data to $EGR2, 0 SIP messages in clear, 0 connections opened by Proxy 1; idle, $ka TCP keep-alive probes from the NVG, $ka_ack answered"

# ---- 1e. no connection from the NVG: a clear error, nothing in clear ---------------------------
h_stop nvgh
h_start_ns "$RTR" cap_egress4 dumpcap -q -i rveh -f "tcp or udp port 5060 or udp port 5070" -w "$H_DIR/egress4.pcap"
h_wait_for 10 test -s "$H_DIR/egress4.pcap" || h_fail "dumpcap did not start"
h_kamcmd proxy2 ul.lookup location nvg-7 | h_grepq "Address: sip:nvg-7@$EGR2:5060" \
    || h_fail "the NVG's binding at home is gone: the case needs it"
ip netns exec "$HOM" python3 - "$HOMEIP" "$DOM" > "$H_DIR/noconn.out" 2>&1 <<'PY' || h_fail "INVITE without a connection: no answer ($(cat "$H_DIR/noconn.out"))"
import socket, sys
home, dom = sys.argv[1:3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((home, 5094)); s.settimeout(10)
req = ("INVITE sip:mn-2@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5094;rport;branch=z9hG4bK-noconn-1\r\n"
       "Max-Forwards: 70\r\nFrom: <sip:cn-p@%s>;tag=nc1\r\nTo: <sip:mn-2@%s>\r\n"
       "Call-ID: noconn-1@home\r\nCSeq: 1 INVITE\r\nContact: <sip:cn-p@%s:5094>\r\n"
       "Content-Length: 0\r\n\r\n") % (dom, home, dom, dom, home)
s.sendto(req.encode(), (home, 5070))
while True:
    r = s.recv(65535).decode()
    if not r.startswith("SIP/2.0 1"):
        print(r); break
ack = ("ACK sip:mn-2@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5094;rport;branch=z9hG4bK-noconn-1\r\n"
       "Max-Forwards: 70\r\nFrom: <sip:cn-p@%s>;tag=nc1\r\n%s\r\nCall-ID: noconn-1@home\r\n"
       "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n") % (dom, home, dom,
       [l for l in r.split("\r\n") if l.lower().startswith("to:")][0])
s.sendto(ack.encode(), (home, 5070))
PY
sleep 1; h_stop cap_egress4
head -1 "$H_DIR/noconn.out" | h_grepq "^SIP/2.0 480" || h_fail "INVITE from home without a connection: $(head -1 "$H_DIR/noconn.out")"
grep -q '^Warning: 399 .*"no TLS connection from the NVG"' "$H_DIR/noconn.out" \
    || h_fail "480 without the Warning: $(cat "$H_DIR/noconn.out")"
h_grepq "no TLS connection from the NVG at $EGR2:5060" "$H_DIR/proxy1.log" || h_fail "Proxy 1 logged no refusal"
clear4="$(clear_of egress4 "$EGR2")"; syn4="$(syn_to egress4 "$EGR2")"
[ "$clear4" = 0 ] && [ "$syn4" = 0 ] || h_fail "no connection: $clear4 SIP messages in clear toward $EGR2, $syn4 TCP connections opened by Proxy 1"
h_pass "no TLS connection from the NVG (stopped; binding at home still $EGR2:5060): $(head -1 "$H_DIR/noconn.out" | tr -d '\r'), $(grep '^Warning' "$H_DIR/noconn.out" | tr -d '\r'); Proxy 1 opened no connection, 0 SIP messages in clear toward $EGR2"

# ---- 2. and 3. Proxy 1 with a certificate the NVG must refuse ---------------------------------
h_stop proxy1
# refused NAME TLS_CFG LOG_TEXT WHAT: Proxy 1 NAME with TLS_CFG, then a
# fresh NVG (nvg-NAME) whose start-up REGISTER must be refused with LOG_TEXT
# in its log (an NVG waits for its transaction's timeout before it sends
# again: a fresh one per case)
grew() { grep -qF -- "$1" "$H_DIR/$2.log"; }
refused() {
    local name="$1"
    H_NS="$HOM" h_kamailio "$name" "$H_ROOT/cfg/kamailio/proxy1.cfg" -A "LISTEN=udp:$HOMEIP:5060" \
        -A "NEXT_HOP=\"sip:$HOMEIP:5070\"" -A "CDP_CONFIG=\"$H_CDP_XML\"" -A NO_OVSENSE \
        "${P1TLS[@]}" -A "TLS_CONFIG=\"$2\""
    H_NS="$NVG" h_kamailio "nvg-$name" "$H_ROOT/cfg/kamailio/nvg.cfg" "${NVG_ARGS[@]}"
    h_wait_for 30 grew "$3" "nvg-$name" \
        || h_fail "$4: the NVG logged no refusal ('$3'); nvg: $(h_kamcmd "nvg-$name" nvg.status | grep own_)"
    h_kamcmd "nvg-$name" nvg.status | h_grepq 'own_registration: registered' && h_fail "$4: the NVG registered"
    [ "$(p1_requests "$name")" = 0 ] || h_fail "$4: Proxy 1 received $(p1_requests "$name") requests"
    h_stop "nvg-$name"; h_stop "$name"
}
refused proxy1r "$H_DIR/tls-rogue.cfg" "certificate verify failed" "self-signed Proxy 1"
h_pass "Proxy 1 with a self-signed certificate for proxy1.$DOM: the NVG fails the handshake (certificate verify failed), Proxy 1 received 0 requests"
refused proxy1v "$H_DIR/tls-nvg9.cfg" "certificate verify failed" "Proxy 1 with nvg-9's certificate"
h_pass "Proxy 1 presenting nvg-9's valid vehicle certificate: the NVG fails the handshake (not signed by the home CA), Proxy 1 received 0 requests"
