#!/bin/bash
# Abuse (issue 9): a flood of bad OTPs for one user locks only that user.
#  - 300 REGISTERs with wrong OTPs for mn-1 at 150/s (all 403), while 20
#    other users register with valid OTPs at the same time (all 200);
#  - afterwards mn-1 is locked (its next valid OTP gets 403 and the store
#    shows locked_until in the future), its counter has not moved (wrong
#    OTPs burn nothing), the other users have no failure recorded;
#  - once the lock-out expires, mn-1's next valid OTP is accepted.
source "$(dirname "$0")/../lib/harness.sh"
h_init abuse

REALM=vpn.example.com
P1="$(h_port)"; P2="$(h_port)"; SPA="$(h_port)"; SPB="$(h_port)"; SPC="$(h_port)"
# a short lock-out so its end can be watched here (defaults: 5 failures, 30 s)
H_APP_HOTP_EXTRA=$'lockout_after = 5;\nlockout_base_s = 10;\nlockout_max_s = 20;'
h_diameter_pair ab
h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" -A "LISTEN=udp:127.0.0.1:$P2"
H_KAM_SHM=256 h_kamailio proxy1 "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:127.0.0.1:$P1" \
    -A "NEXT_HOP=\"sip:127.0.0.1:$P2\"" -A "CDP_CONFIG=\"$H_CDP_XML\"" -A NO_OVSENSE
h_wait_for 45 bash -c "kamcmd -s unix:$H_DIR/proxy1.ctl hotp_auth.status | h_grepq 'peers_open: 1'" \
    || h_fail "cdp did not open the Diameter peer"

HOTP=("$H_BUILD/tools/senemo-hotp" --db "$H_HOTP_DB")
secret() { printf '%040x' "$(( $1 * 104729 + 7 ))"; }
for u in $(seq 21); do
    "${HOTP[@]}" add "sip:mn-$u@$REALM" --secret-hex "$(secret "$u")" > /dev/null || h_fail "provision mn-$u"
done
otp() { oathtool --hotp -c "$2" "$(secret "$1")"; }
field() { "${HOTP[@]}" show "sip:mn-$1@$REALM" | sed -n "s/^$2: //p"; }

# wrong OTPs: valid format, never the right value (the right one for counters 0..20 excluded)
right="$(for c in $(seq 0 20); do otp 1 "$c"; done)"
{ echo SEQUENTIAL; n=0; x=100000
  while [ "$n" -lt 300 ]; do
      x=$((x + 7919)); o="$(printf '%06d' $((x % 1000000)))"
      grep -qx "$o" <<<"$right" && continue
      echo "mn-1;$REALM;$o"; n=$((n + 1))
  done; } > "$H_DIR/bad.csv"
{ echo SEQUENTIAL; for c in 0 1; do for u in $(seq 2 21); do echo "mn-$u;$REALM;$(otp "$u" "$c")"; done; done; } > "$H_DIR/good.csv"

h_sipp flood -sf "$H_ROOT/sipp-scenarios/register_hotp.xml" -inf "$H_DIR/bad.csv" -set expect 403 \
    -m 300 -r 150 -i 127.0.0.1 -p "$SPA" "127.0.0.1:$P1" -timeout 60s -default_behaviors -bye &
FLOOD=$!
sleep 0.5
h_sipp good -sf "$H_ROOT/sipp-scenarios/register_hotp.xml" -inf "$H_DIR/good.csv" \
    -m 40 -r 20 -i 127.0.0.1 -p "$SPB" "127.0.0.1:$P1" -timeout 60s || h_fail "valid users during the flood: not all 200 (see good.log)"
wait "$FLOOD" || h_fail "the flood of bad OTPs: not every one answered 403 (see flood.log)"
h_pass "300 wrong OTPs for mn-1 at 150/s: all 403; meanwhile 40 REGISTERs of 20 other users: all 200"

now="$(date +%s)"; lu="$(field 1 locked_until)"
[ "$lu" -gt "$now" ] || h_fail "mn-1 is not locked (locked_until $lu, now $now)"
[ "$(field 1 counter)" = "-1" ] || h_fail "wrong OTPs moved mn-1's counter to $(field 1 counter)"
for u in $(seq 2 21); do
    [ "$(field "$u" fail_count)" = 0 ] && [ "$(field "$u" locked_until)" = 0 ] \
        || h_fail "mn-$u was affected by mn-1's flood (fail_count $(field "$u" fail_count))"
    [ "$(field "$u" counter)" = 1 ] || h_fail "mn-$u counter $(field "$u" counter), expected 1"
done
h_pass "only mn-1 is locked (until +$((lu - now)) s), its counter did not move; 20 other users untouched"

printf 'SEQUENTIAL\nmn-1;%s;%s\n' "$REALM" "$(otp 1 0)" > "$H_DIR/locked.csv"
h_sipp locked -sf "$H_ROOT/sipp-scenarios/register_hotp.xml" -inf "$H_DIR/locked.csv" -set expect 403 \
    -m 1 -i 127.0.0.1 -p "$SPC" "127.0.0.1:$P1" -timeout 30s || h_fail "mn-1's valid OTP during the lock-out was not refused"
h_pass "mn-1's valid OTP during the lock-out: 403"

lu="$(field 1 locked_until)"
h_wait_for 30 bash -c "[ \$(date +%s) -gt $lu ]"
printf 'SEQUENTIAL\nmn-1;%s;%s\n' "$REALM" "$(otp 1 1)" > "$H_DIR/after.csv"
h_sipp after -sf "$H_ROOT/sipp-scenarios/register_hotp.xml" -inf "$H_DIR/after.csv" \
    -m 1 -i 127.0.0.1 -p "$SPC" "127.0.0.1:$P1" -timeout 30s || h_fail "mn-1 not accepted after the lock-out ended"
h_pass "after the lock-out mn-1's next valid OTP is accepted (200)"

# ---- pike at Proxy 1 (-A WITH_PIKE): a flooding source is ignored, others are not ----
P1P="$(h_port)"; SPD="$(h_port)"
h_stop proxy1     # its cdp has the same Diameter identity
H_KAM_SHM=256 h_kamailio proxy1p "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:127.0.0.1:$P1P" \
    -A "NEXT_HOP=\"sip:127.0.0.1:$P2\"" -A "CDP_CONFIG=\"$H_CDP_XML\"" -A NO_OVSENSE \
    -A WITH_PIKE -A PIKE_DENSITY=40 -A PIKE_UNIT_S=2
h_wait_for 45 bash -c "kamcmd -s unix:$H_DIR/proxy1p.ctl hotp_auth.status | h_grepq 'peers_open: 1'" \
    || h_fail "cdp of the pike instance did not open the Diameter peer"
h_sipp pflood -sf "$H_ROOT/sipp-scenarios/register_hotp.xml" -inf "$H_DIR/bad.csv" -set expect 403 \
    -m 300 -r 150 -i 127.0.0.1 -p "$SPA" "127.0.0.1:$P1P" -timeout 40s -recv_timeout 3000 \
    -default_behaviors -bye -trace_stat -fd 1 || true
answered="$(sed -n 's/^  Successful call *| *[0-9]* *| *\([0-9]*\).*/\1/p' "$H_DIR/pflood.log" | tail -1)"
[ -n "$answered" ] && [ "$answered" -lt 150 ] || h_fail "pike: ${answered:-?} of 300 flooding REGISTERs were answered"
grep -q "pike: 127.0.0.1 floods" "$H_DIR/proxy1p.log" || h_fail "pike logged no flood"
printf 'SEQUENTIAL\nmn-2;%s;%s\n' "$REALM" "$(otp 2 2)" > "$H_DIR/other.csv"
h_sipp other -sf "$H_ROOT/sipp-scenarios/register_hotp.xml" -inf "$H_DIR/other.csv" \
    -m 1 -i 127.0.0.2 -p "$SPD" "127.0.0.1:$P1P" -timeout 30s || h_fail "another source was blocked too"
h_pass "pike (40 requests / 2 s): $answered of 300 flooding REGISTERs answered, the rest dropped before any Diameter work; another source registers (200)"
