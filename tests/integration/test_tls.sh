#!/bin/bash
# TLS on the Internet legs (issue 9):
#  1. Diameter over TLS: freeDiameter + app_hotp listens on its TLS port only;
#     Proxy 1's cdp reaches it through a local stunnel client (cdp 5.6 has no
#     TLS). The capture of the Diameter link holds TLS records and not one
#     byte of Diameter in clear (no Origin-Host string on the wire).
#  2. A Diameter client with a self-signed (untrusted) certificate is refused
#     by freeDiameter; the same client with a CA-signed one gets its answer;
#     clear-text TCP to the TLS port gets no CEA.
#  3. SIP over TLS to Proxy 1 (its default): an NVG with a CA-signed
#     certificate registers with an HOTP credential (200), the client checks
#     Proxy 1's host name; a client with a self-signed certificate is refused
#     in the handshake, a CA-signed certificate for a host outside the
#     domain gets 403 + Warning, a client expecting another host name
#     refuses Proxy 1's certificate; none of them reaches the registrar.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/tls.sh"
h_init tls

REALM=vpn.example.com
CERTS="$H_DIR/certs"
h_tls_certs "$CERTS" proxy1.$REALM nvg-1.$REALM tl-proxy.$REALM tl-aaa.$REALM \
    tl-probe.$REALM mallory.example.org
h_tls_certs_self() { "$H_ROOT/scripts/gen-certs.sh" --self-signed "$CERTS/rogue" "$@" >/dev/null 2>&1 || h_fail "self-signed certificates"; }
h_tls_certs_self nvg-1.$REALM tl-probe.$REALM
h_pass "certificates generated (private CA; self-signed rogue copies of nvg-1 and tl-probe)"

# ---- 1. Diameter over TLS through stunnel --------------------------------------
H_FD_ACL_EXTRA="tl-probe.$REALM"
h_diameter_pair_tls tl "$CERTS"
grep -q "tl-proxy.$REALM" "$H_DIR/tl-acl.conf" && ! grep -q ALLOW_IPSEC "$H_DIR/tl-acl.conf" \
    || h_fail "the ACL must allow the client with TLS only"
h_start cap_dia dumpcap -q -i lo -f "tcp port $H_FD_TLS_PORT" -w "$H_DIR/dia.pcap"
h_wait_for 10 test -s "$H_DIR/dia.pcap" || h_fail "dumpcap did not start"

P1="$(h_port)"; P1T="$(h_port)"; P2="$(h_port)"
h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" -A "LISTEN=udp:127.0.0.1:$P2"
h_kamailio_tls_cfg "$H_DIR/tls-proxy1.cfg" "$CERTS" "proxy1.$REALM"
h_kamailio proxy1 "$H_ROOT/cfg/kamailio/proxy1.cfg" -A "LISTEN=udp:127.0.0.1:$P1" \
    -A "TLS_LISTEN=tls:127.0.0.1:$P1T" -A "TLS_CONFIG=\"$H_DIR/tls-proxy1.cfg\"" \
    -A "NEXT_HOP=\"sip:127.0.0.1:$P2\"" -A "CDP_CONFIG=\"$H_CDP_XML\""
h_wait_for 45 bash -c "kamcmd -s unix:$H_DIR/proxy1.ctl hotp_auth.status | h_grepq 'peers_open: 1'" \
    || h_fail "cdp did not open the Diameter peer through stunnel: $(h_kamcmd proxy1 hotp_auth.status)"
h_pass "Proxy 1's cdp opened its peer over TLS (stunnel -> freeDiameter SecPort $H_FD_TLS_PORT)"

SECRET=3132333435363738393031323334353637383930
"$H_BUILD/tools/senemo-hotp" --db "$H_HOTP_DB" add "sip:nvg-1@$REALM" --secret-hex "$SECRET" >/dev/null \
    || h_fail "cannot provision nvg-1"
otp() { "$H_BUILD/tools/senemo-hotp" --db "$H_HOTP_DB" gen "sip:nvg-1@$REALM" --counter "$1" | tail -1; }

# ---- 3. SIP over TLS -----------------------------------------------------------------
# sip_tls NAME CERT_BASE VERIFY_NAME REQUEST : one request over TLS with openssl
# s_client (checks Proxy 1's chain and host name), the answer in $H_DIR/NAME.out
sip_tls() {
    local name="$1" cert="$2" vname="$3" req="$4" out="$H_DIR/$1.out"
    : > "$out"
    # keep the connection open until an answer arrives (at most 10 s); the
    # final LF of CRLF CRLF was lost in $(register ...): put it back
    { printf '%s\n' "$req"
      for _ in $(seq 100); do grep -q '^SIP/2.0 ' "$out" && break; sleep 0.1; done
    } | timeout 20 openssl s_client -connect "127.0.0.1:$P1T" -quiet -no_ign_eof -nocommands \
        -cert "$cert.pem" -key "$cert.key" -CAfile "$CERTS/ca.pem" -verify_return_error \
        -verify_hostname "$vname" > "$out" 2> "$H_DIR/$name.err"
}
register() {   # register USER OTP LOCAL_PORT
    local body="" cl=0
    printf 'REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:%s;branch=z9hG4bK-%s-%s\r\nMax-Forwards: 70\r\nFrom: <sip:%s@%s>;tag=t%s\r\nTo: <sip:%s@%s>\r\nCall-ID: %s-%s@tls.test\r\nCSeq: 1 REGISTER\r\nContact: <sip:%s@127.0.0.1:%s;transport=tls>\r\nAuthorization: HOTP username="%s", realm="%s", otp="%s"\r\nExpires: 300\r\nContent-Length: %d\r\n\r\n%s' \
        "$REALM" "$3" "$1" "$RANDOM" "$1" "$REALM" "$RANDOM" "$1" "$REALM" "$1" "$RANDOM" "$1" "$3" \
        "$1" "$REALM" "$2" "$cl" "$body"
}

sip_tls ok "$CERTS/nvg-1.$REALM" "proxy1.$REALM" "$(register nvg-1 "$(otp 0)" 5999)"
grep -q '^SIP/2.0 200' "$H_DIR/ok.out" || h_fail "REGISTER over TLS: no 200 ($(head -1 "$H_DIR/ok.out"); $(tail -3 "$H_DIR/ok.err"))"
h_kamcmd proxy2 ul.dump brief | h_grepq -E "AoR: nvg-1\$" || h_fail "the registrar has no binding for nvg-1"
h_pass "NVG certificate: REGISTER over TLS with an HOTP credential -> 200, binding at the registrar"

sip_tls selfsigned "$CERTS/rogue/nvg-1.$REALM" "proxy1.$REALM" "$(register nvg-1 "$(otp 1)" 5998)"
! grep -q '^SIP/2.0' "$H_DIR/selfsigned.out" || h_fail "a self-signed client certificate got a SIP answer: $(head -1 "$H_DIR/selfsigned.out")"
h_wait_for 5 grep -qi "certificate verify failed\|tls_accept\|SSL routines" "$H_DIR/proxy1.log" \
    || h_fail "Proxy 1 logged no TLS verification failure for the self-signed client"
h_pass "self-signed client certificate: refused in the TLS handshake (Proxy 1 logs the verification failure)"

sip_tls outsider "$CERTS/mallory.example.org" "proxy1.$REALM" "$(register nvg-1 "$(otp 2)" 5997)"
grep -q '^SIP/2.0 403' "$H_DIR/outsider.out" || h_fail "certificate outside the domain: expected 403, got '$(head -1 "$H_DIR/outsider.out")'"
grep -q '^Warning: 399 .*not for this domain' "$H_DIR/outsider.out" || h_fail "403 without the Warning"
h_pass "CA-signed certificate for mallory.example.org: 403 + Warning, before authentication"

sip_tls wrongname "$CERTS/nvg-1.$REALM" "proxy9.$REALM" "$(register nvg-1 "$(otp 3)" 5996)"
! grep -q '^SIP/2.0' "$H_DIR/wrongname.out" || h_fail "the client accepted Proxy 1's certificate for another host name"
grep -qi "hostname mismatch\|verify error" "$H_DIR/wrongname.err" || h_fail "s_client did not report the host name mismatch: $(tail -2 "$H_DIR/wrongname.err")"
h_pass "a client expecting proxy9.$REALM refuses Proxy 1's certificate (host name checked)"

# the OTP counters 1-3 were never used: counter 1 works now (nothing reached the server)
sip_tls ok2 "$CERTS/nvg-1.$REALM" "proxy1.$REALM" "$(register nvg-1 "$(otp 1)" 5995)"
grep -q '^SIP/2.0 200' "$H_DIR/ok2.out" || h_fail "OTP 1 after the refused attempts: expected 200, got '$(head -1 "$H_DIR/ok2.out")'"
h_pass "the refused clients consumed no OTP (counter 1 still accepted)"

# ---- 2. Diameter clients ---------------------------------------------------------------
SP_OK="$(h_port)"; SP_BAD="$(h_port)"
h_stunnel_client st-probe "$SP_OK" "$H_FD_TLS_PORT" "$CERTS/tl-probe.$REALM" "$CERTS/ca.pem" "tl-aaa.$REALM"
h_stunnel_client st-rogue "$SP_BAD" "$H_FD_TLS_PORT" "$CERTS/rogue/tl-probe.$REALM" "$CERTS/ca.pem" "tl-aaa.$REALM"
PROBE=("$H_BUILD/tools/senemo-diameter-probe" --origin "tl-probe.$REALM" --realm "$REALM")
"${PROBE[@]}" --port "$SP_OK" uar "sip:nvg-1@$REALM" > "$H_DIR/probe-ok.out" 2>&1 \
    || h_fail "CA-signed Diameter client: no answer ($(cat "$H_DIR/probe-ok.out"))"
grep -Eq '^uar rc=200[1-4]' "$H_DIR/probe-ok.out" || h_fail "UAR over TLS: $(cat "$H_DIR/probe-ok.out")"
h_pass "CA-signed Diameter client through TLS: UAR answered ($(grep '^uar' "$H_DIR/probe-ok.out"))"
if "${PROBE[@]}" --port "$SP_BAD" uar "sip:nvg-1@$REALM" > "$H_DIR/probe-bad.out" 2>&1; then
    h_fail "a self-signed Diameter client got an answer: $(cat "$H_DIR/probe-bad.out")"
fi
! grep -q 'rc=' "$H_DIR/probe-bad.out" || h_fail "self-signed client: $(cat "$H_DIR/probe-bad.out")"
h_pass "self-signed Diameter client: refused by freeDiameter (no CEA, no answer)"
if "${PROBE[@]}" --port "$H_FD_TLS_PORT" uar "sip:nvg-1@$REALM" > "$H_DIR/probe-clear.out" 2>&1; then
    h_fail "clear-text Diameter to the TLS port got an answer"
fi
h_pass "clear-text Diameter to the TLS port: no answer"

sleep 0.5; h_stop cap_dia
tshark -r "$H_DIR/dia.pcap" -d "tcp.port==$H_FD_TLS_PORT,tls" -Y "tls.handshake.type == 1" 2>/dev/null \
    | h_grepq . || h_fail "no TLS ClientHello on the Diameter link"
n_clear="$(tshark -r "$H_DIR/dia.pcap" -d "tcp.port==$H_FD_TLS_PORT,diameter" -Y "diameter.cmd.code" 2>/dev/null | grep -c . || true)"
# the probe's clear-text CER above is the one exception: it is the refused attempt
[ "$n_clear" -le 1 ] || h_fail "$n_clear clear-text Diameter messages on the TLS port"
if strings "$H_DIR/dia.pcap" | h_grepq "tl-proxy.$REALM"; then
    h_fail "Proxy 1's Diameter identity appears in clear on the Diameter link"
fi
h_pass "Diameter link: TLS records only (Proxy 1's Origin-Host never in clear; $n_clear clear CER = the refused probe)"
