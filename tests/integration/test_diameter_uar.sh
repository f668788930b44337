#!/bin/bash
# app_hotp.fdx loads into freeDiameterd next to dict_sip.fdx, Kamailio's cdp
# opens a clear-TCP peer connection to it on loopback (CER/CEA advertising
# application 6), and a real RFC 4740 UAR sent by cdp gets a well-formed UAA:
# Wireshark's Diameter dissector finds nothing malformed and no expert
# warning or error in the whole capture.
source "$(dirname "$0")/../lib/harness.sh"
h_init diameter_uar

h_diameter_pair du
PCAP="$H_DIR/diameter.pcap"
h_start dumpcap dumpcap -q -i lo -f "tcp port $H_FD_PORT" -w "$PCAP"
h_wait_for 10 test -s "$PCAP" || h_fail "dumpcap did not start"

h_kamailio proxy1 "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:127.0.0.1:$(h_port)" \
    -A "CDP_CONFIG=\"$H_CDP_XML\""
grep -q 'app_hotp: RFC 4740 server ready' "$H_DIR/du-fd.log" || h_fail "app_hotp did not load"

h_wait_for 45 bash -c "kamcmd -s unix:$H_DIR/proxy1.ctl hotp_auth.uar sip:nobody@vpn.example.com | h_grepq -E '^[0-9]+$'" \
    || h_fail "no UAA for the UAR"
rc="$(h_kamcmd proxy1 hotp_auth.uar sip:nobody@vpn.example.com)"
# no user is provisioned: RFC 4740 DIAMETER_ERROR_USER_UNKNOWN
[ "$rc" = 5032 ] || h_fail "UAA Result-Code $rc, expected 5032 (DIAMETER_ERROR_USER_UNKNOWN)"
h_pass "UAR answered with Result-Code $rc"

sleep 0.5
h_stop dumpcap
DEC="$H_DIR/decoded.txt"
h_diameter_msgs "$PCAP" "$H_FD_PORT" diameter.applicationId diameter.SIP-AOR > "$DEC"
[ -s "$DEC" ] || h_fail "tshark found no Diameter message in the capture"
grep -Eq '^257\|1\|\|0\|' "$DEC" || h_fail "no CER in the capture: $(cat "$DEC")"
grep -Eq '^283\|1\|\|6\|sip:nobody@vpn.example.com$' "$DEC" || h_fail "no UAR with SIP-AOR: $(cat "$DEC")"
grep -Eq '^283\|0\|5032\|6\|' "$DEC" || h_fail "no UAA with 5032: $(cat "$DEC")"
h_pass "capture holds CER/CEA and UAR/UAA ($(wc -l < "$DEC") Diameter messages)"

bad="$(tshark -r "$PCAP" -d "tcp.port==$H_FD_PORT,diameter" \
    -Y '_ws.malformed || _ws.expert.severity >= "warning"' 2>/dev/null)"
[ -z "$bad" ] || { tshark -r "$PCAP" -d "tcp.port==$H_FD_PORT,diameter" -V \
    -Y '_ws.malformed || _ws.expert.severity >= "warning"' | head -80 >&2; \
    h_fail "Wireshark flags malformed/expert problems: $bad"; }
h_pass "Wireshark finds no malformed packet and no expert warning"
