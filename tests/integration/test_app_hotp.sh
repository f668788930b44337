#!/bin/bash
# app_hotp, the RFC 4740 server, driven over real Diameter (the test client
# tests/tools/diameter_probe.c) with OTPs computed by oathtool, not by our
# code: UAR first/subsequent/unknown/mismatch/de-registration, MAR accept,
# replay, wrong OTP, window jump, resynchronisation, lock-out and back-off,
# scheme and identity checks, malformed AVPs; eight simultaneous MARs with
# the same OTP -> exactly one success; the counter survives kill -9; the
# store file is 0600; Wireshark finds every answer well-formed.
source "$(dirname "$0")/../lib/harness.sh"
h_init app_hotp

KEY=3132333435363738393031323334353637383930     # RFC 4226 test secret
KEY2=$(printf 'senemo-second-user-key!!' | od -An -tx1 | tr -d ' \n')
AOR=sip:mn-1@vpn.example.com
otp() { oathtool --hotp -c "$2" "$1"; }

# short lock-out so the back-off can be watched expire
H_APP_HOTP_EXTRA=$'lockout_after = 3;\nlockout_base_s = 2;\nlockout_max_s = 4;'
h_diameter_pair ah
AH_PORT="$H_FD_PORT"
CLI="$H_BUILD/tools/senemo-hotp --db $H_HOTP_DB"
$CLI add "$AOR" --secret-hex "$KEY" >/dev/null || h_fail "provisioning mn-1"
$CLI add sip:mn-2@vpn.example.com --secret-hex "$KEY2" >/dev/null || h_fail "provisioning mn-2"
$CLI add sip:mn-3@vpn.example.com --secret-hex "$KEY2" >/dev/null || h_fail "provisioning mn-3"
[ "$(stat -c %a "$H_HOTP_DB")" = 600 ] || h_fail "store file mode $(stat -c %a "$H_HOTP_DB"), expected 600"
h_pass "store created 0600"

PCAP="$H_DIR/app_hotp.pcap"
h_start dumpcap dumpcap -q -i lo -f "tcp port $H_FD_PORT" -w "$PCAP"
h_wait_for 10 test -s "$PCAP" || h_fail "dumpcap did not start"

PROBE=("$H_BUILD/tools/senemo-diameter-probe" --port "$H_FD_PORT")
# expect "<expected lines, ;-separated>" requests...  (CER answer lines dropped)
expect() {
    local want="$1"; shift
    local got
    got="$("${PROBE[@]}" "$@" | grep -v '^cer ' | tr '\n' ';')"
    [ "$got" = "$want" ] || h_fail "for [$*]: got '$got', expected '$want'"
}
mar() { echo mar "$AOR" REGISTER 1 mn-1 vpn.example.com "$1"; }

# ---- UAR ----
expect "uar rc=2003;" uar "$AOR" mn-1@vpn.example.com 0
expect 'uar rc=5032 msg="DIAMETER_ERROR_USER_UNKNOWN";' uar sip:nobody@vpn.example.com
expect 'uar rc=5033 msg="User-Name does not match SIP-AOR";' uar "$AOR" mn-2@vpn.example.com
expect 'uar rc=5034 msg="DIAMETER_ERROR_IDENTITY_NOT_REGISTERED";' uar "$AOR" 1
expect 'uar rc=5004 msg="SIP-AOR is not a sip:/sips: user@host URI" failed=122;' uar 'tel:+123'
expect 'uar rc=5004 msg="SIP-User-Authorization-Type out of range" failed=387;' uar "$AOR" 7
h_pass "UAR: first registration, unknown user, identity mismatch, not registered, malformed"

# ---- MAR ----
expect "mar rc=2001;" $(mar "$(otp $KEY 1)")
expect 'mar rc=4001 msg="OTP already used";' $(mar "$(otp $KEY 1)")
expect "uar rc=2004;" uar "$AOR"
expect "uar rc=2001;" uar "$AOR" 1
h_pass "MAR accepts an oathtool OTP once; UAR then says subsequent registration"
# counter 1 used; 4 steps ahead is inside the window of 10: accepted, counter jumps
expect "mar rc=2001;" $(mar "$(otp $KEY 5)")
expect 'mar rc=4001 msg="OTP already used";' $(mar "$(otp $KEY 3)")
$CLI show "$AOR" | h_grepq 'counter *[:=]* *5' || h_fail "counter did not jump to 5: $($CLI show "$AOR")"
h_pass "window: OTP 4 ahead accepted, counter jumped to 5, older OTP refused"
# beyond the window (5 + 10 < 20): resync needs two consecutive OTPs
expect 'mar rc=4001 msg="OTP beyond the window: send the next OTP to resynchronise";' $(mar "$(otp $KEY 20)")
expect "mar rc=2001;" $(mar "$(otp $KEY 21)")
expect 'mar rc=4001 msg="OTP beyond the window: send the next OTP to resynchronise";' $(mar "$(otp $KEY 40)")
# 42 does not follow the pending 40: refused (it only becomes the new pending one)
expect 'mar rc=4001 msg="OTP beyond the window: send the next OTP to resynchronise";' $(mar "$(otp $KEY 42)")
$CLI show "$AOR" | h_grepq 'counter *[:=]* *21' || h_fail "counter moved off 21: $($CLI show "$AOR")"
h_pass "resynchronisation: two consecutive OTPs beyond the window accepted, non-consecutive refused"

# ---- lock-out after 3 consecutive failures ----
expect 'mar rc=4001 msg="wrong OTP";' $(mar 000000)
expect 'mar rc=4001 msg="wrong OTP";' $(mar 111111)
expect 'mar rc=4001 msg="wrong OTP";' $(mar 999999)
good="$(otp $KEY 22)"
got="$("${PROBE[@]}" $(mar "$good") | grep -v '^cer ')"
grep -q 'rc=4001 msg="locked out after repeated failures' <<<"$got" || h_fail "not locked out: $got"
h_pass "locked out after 3 failures: the correct next OTP is refused ($got)"
sleep 2.5
expect "mar rc=2001;" $(mar "$good")
h_pass "after the back-off the same correct OTP is accepted"

# ---- scheme, identity, malformed ----
expect 'mar rc=5037 msg="only the HOTP SIP-Authentication-Scheme (1) is served";' \
    mar "$AOR" REGISTER 0 mn-1 vpn.example.com "$(otp $KEY 23)"
expect 'mar rc=5033 msg="Digest-Username@Digest-Realm / User-Name do not match SIP-AOR";' \
    mar "$AOR" REGISTER 1 mn-2 vpn.example.com "$(otp $KEY 23)"
expect 'mar rc=5033 msg="Digest-Username@Digest-Realm / User-Name do not match SIP-AOR";' \
    mar "$AOR" REGISTER 1 mn-1 vpn.example.com "$(otp $KEY 23)" mn-2@vpn.example.com
expect 'mar rc=5004 msg="Digest-Response: otp: contains a character other than 0-9" failed=103;' $(mar 12ab56)
expect 'mar rc=5004 msg="Digest-Response: otp: too long (more than 8 characters)" failed=103;' $(mar 12345678901234567890123456789012345678901234567890)
expect 'mar rc=5004 msg="Digest-Response: otp: length differs from the user'"'"'s digit count" failed=103;' $(mar 1234567)
expect 'mar rc=5005 msg="SIP-Auth-Data-Item with the HOTP credential is required" failed=376;' mar-noadi "$AOR" REGISTER
expect 'mar rc=5032 msg="DIAMETER_ERROR_USER_UNKNOWN";' mar sip:nobody@vpn.example.com REGISTER 1 nobody vpn.example.com 123456
expect "mar rc=2001;" $(mar "$(otp $KEY 23)")
h_pass "scheme, identity and malformed OTPs answered with RFC 4740 / RFC 6733 codes, and change no state"

# ---- concurrency: 8 MARs with the same OTP in one batch -> one success ----
# (one user per round: the 7 losers are replays, which count as failures and
# lock the user out, as they should)
for c in $(seq 1 20); do
    $CLI add "sip:cc-$c@vpn.example.com" --secret-hex "$KEY2" >/dev/null || h_fail "provisioning cc-$c"
done
for c in $(seq 1 20); do
    o="$(otp "$KEY2" $(( (c - 1) % 10 )))"   # inside a fresh user's window 0..9
    reqs=()
    for k in 1 2 3 4 5 6 7 8; do reqs+=(mar "sip:cc-$c@vpn.example.com" INVITE 1 "cc-$c" vpn.example.com "$o"); done
    res="$("${PROBE[@]}" "${reqs[@]}" | grep -v '^cer ')"
    ok="$(grep -c 'rc=2001' <<<"$res")"
    refused="$(grep -cE 'rc=4001 msg="(OTP already used|locked out)' <<<"$res")"
    [ "$ok" = 1 ] && [ "$refused" = 7 ] || h_fail "round $c: $ok successes, $refused refusals among 8 simultaneous MARs: $res"
done
h_pass "20 rounds of 8 simultaneous MARs with the same OTP: exactly one success, 7 refused (replay, then lock-out) each"

# ---- durability: kill -9 right after an acceptance, the OTP stays used ----
o="$(otp "$KEY2" 3)"
expect "mar rc=2001;" mar sip:mn-3@vpn.example.com REGISTER 1 mn-3 vpn.example.com "$o"
kill -KILL "$(h_pid ah-fd)"
wait "$(h_pid ah-fd)" 2>/dev/null
h_fd_up ah-fd2 "$H_FD_PORT"
expect 'mar rc=4001 msg="OTP already used";' mar sip:mn-3@vpn.example.com REGISTER 1 mn-3 vpn.example.com "$o"
expect "mar rc=2001;" mar sip:mn-3@vpn.example.com REGISTER 1 mn-3 vpn.example.com "$(otp "$KEY2" 4)"
h_pass "after kill -9 and restart the accepted OTP is still refused, the next one accepted"

# ---- operator resync with the CLI: a token 500 steps ahead ----
out="$($CLI resync sip:mn-3@vpn.example.com "$(otp "$KEY2" 500)" "$(otp "$KEY2" 501)")" \
    || h_fail "senemo-hotp resync failed: $out"
[ "$out" = "RESYNCED counter=501" ] || h_fail "resync: $out"
expect "mar rc=2001;" mar sip:mn-3@vpn.example.com REGISTER 1 mn-3 vpn.example.com "$(otp "$KEY2" 502)"
expect 'mar rc=4001 msg="OTP already used";' mar sip:mn-3@vpn.example.com REGISTER 1 mn-3 vpn.example.com "$(otp "$KEY2" 499)"
h_pass "senemo-hotp resync with two consecutive OTPs 500 ahead: counter 501, next OTP accepted, older refused"

# ---- PostgreSQL store shared by two servers: one success cluster-wide ----
h_postgres pg
PGCLI=("$H_BUILD/tools/senemo-hotp" --pg "$H_PG_CONNINFO")
H_APP_HOTP_EXTRA="pg_conninfo = \"$H_PG_CONNINFO\";"
h_diameter_pair pa; PA="$H_FD_PORT"
h_diameter_pair pb; PB="$H_FD_PORT"
grep -q 'store PostgreSQL' "$H_DIR/pa-fd.log" || h_fail "server pa did not open the PostgreSQL store"
for c in $(seq 1 20); do
    "${PGCLI[@]}" add "sip:pg-$c@vpn.example.com" --secret-hex "$KEY2" >/dev/null || h_fail "provisioning pg-$c"
done
for c in $(seq 1 20); do
    o="$(otp "$KEY2" $(( (c - 1) % 10 )))"
    reqs=()
    for k in 1 2 3 4; do reqs+=(mar "sip:pg-$c@vpn.example.com" INVITE 1 "pg-$c" vpn.example.com "$o"); done
    "$H_BUILD/tools/senemo-diameter-probe" --port "$PA" "${reqs[@]}" > "$H_DIR/pa-$c.out" &
    pa=$!
    "$H_BUILD/tools/senemo-diameter-probe" --port "$PB" --origin probe.vpn.example.com "${reqs[@]}" > "$H_DIR/pb-$c.out" &
    pb=$!
    wait "$pa" && wait "$pb" || h_fail "round $c: a probe got no answer"
    ok="$(cat "$H_DIR/pa-$c.out" "$H_DIR/pb-$c.out" | grep -c '^mar rc=2001')"
    n="$(cat "$H_DIR/pa-$c.out" "$H_DIR/pb-$c.out" | grep -c '^mar ')"
    [ "$ok" = 1 ] && [ "$n" = 8 ] || h_fail "round $c: $ok successes among $n answers from two servers: $(cat "$H_DIR"/p[ab]-$c.out)"
done
h_pass "PostgreSQL, two servers: 20 rounds of the same OTP sent 4x to each at once, exactly one success each"

# ---- every answer well-formed for Wireshark ----
sleep 0.5
h_stop dumpcap
# one frame may carry several messages: count (command, R flag) pairs
n="$(tshark -r "$PCAP" -d "tcp.port==$AH_PORT,diameter" -T fields -e diameter.cmd.code \
        -e diameter.flags.request 2>/dev/null \
    | awk -F'\t' '{k = split($1, c, ","); split($2, r, ",");
                   for (i = 1; i <= k; i++) if ((c[i] == 283 || c[i] == 286) && (r[i] == 0 || r[i] == "False")) n++}
                  END {print n + 0}')"
[ "$n" -ge 180 ] || h_fail "only $n UAA/MAA in the capture"
bad="$(tshark -r "$PCAP" -d "tcp.port==$AH_PORT,diameter" \
    -Y '_ws.malformed || _ws.expert.severity >= "warning"' 2>/dev/null)"
[ -z "$bad" ] || { tshark -r "$PCAP" -d "tcp.port==$AH_PORT,diameter" -V \
    -Y '_ws.malformed || _ws.expert.severity >= "warning"' | head -60 >&2; h_fail "Wireshark flags: $bad"; }
h_pass "Wireshark: $n UAA/MAA, nothing malformed, no expert warning"
