#!/bin/bash
# Two Diameter servers sharing HOTP state (issue 10, Diameter half):
# freeDiameter + app_hotp twice, both on one PostgreSQL store (Debian's
# server, private port-less socket and data dir); Proxy 1's cdp keeps both
# peers open (cfg/kamailio/cdp-cluster.xml.in) and fails over.
#  1. 1,000 OTPs (1,000 users, one OTP each), every one sent at the same
#     time to both servers: exactly 1,000 successes, 0 double acceptances.
#  2. REGISTER load through Proxy 1, kill -9 of the server carrying it:
#     registrations continue through the other; the failures are bounded to
#     the requests in flight (counted and reported); OTPs accepted by the
#     dead server stay refused by the live one.
source "$(dirname "$0")/../lib/harness.sh"
h_init cluster_diameter

REALM=vpn.example.com
N=1000; USERS=100; PER_USER=10; RATE=40
h_postgres pg
PGCLI=("$H_BUILD/tools/senemo-hotp" --pg "$H_PG_CONNINFO")
H_APP_HOTP_EXTRA="pg_conninfo = \"$H_PG_CONNINFO\";"
H_FD_ACL_EXTRA="ALLOW_IPSEC cl-proxy.$REALM"
h_diameter_pair ca; PA="$H_FD_PORT"
h_diameter_pair cb; PB="$H_FD_PORT"
for s in ca cb; do grep -q 'store PostgreSQL' "$H_DIR/$s-fd.log" || h_fail "server $s did not open the PostgreSQL store"; done
h_pass "two app_hotp servers on one PostgreSQL store (ports $PA, $PB)"

# ---- 1. the same OTP at both servers at once, 1,000 times ------------------------------------
secret() { printf '%040x' "$(( $1 * 2654435761 % 1000000007 + 11 ))"; }
for i in $(seq "$N"); do
    "${PGCLI[@]}" add "sip:u-$i@$REALM" --secret-hex "$(secret "$i")" > /dev/null || h_fail "provision u-$i"
done
# batches of 50 (the probe writes a whole batch before reading): the same
# 50 MARs to A and to B at the same moment, 20 times
: > "$H_DIR/dup-a.out"; : > "$H_DIR/dup-b.out"
for b in $(seq 0 $((N / 50 - 1))); do
    reqs=()
    for i in $(seq $((b * 50 + 1)) $((b * 50 + 50))); do
        reqs+=(mar "sip:u-$i@$REALM" REGISTER 1 "u-$i" "$REALM" "$(oathtool --hotp -c 0 "$(secret "$i")")")
    done
    "$H_BUILD/tools/senemo-diameter-probe" --port "$PA" --ids 1 "${reqs[@]}" > "$H_DIR/dup-a.$b" &
    pa=$!
    "$H_BUILD/tools/senemo-diameter-probe" --port "$PB" --ids 1 "${reqs[@]}" > "$H_DIR/dup-b.$b" &
    pb=$!
    wait "$pa" && wait "$pb" || h_fail "batch $b: a probe did not get all its answers"
    # "u-<index> <answer>": req=K is the K-th MAR of the batch
    for x in a b; do
        sed -n "s/^\(mar .*\) req=\([0-9]*\)\$/\2 \1/p" "$H_DIR/dup-$x.$b" \
            | awk -v o=$((b * 50)) '{ k = $1; $1 = ""; print "u-" (o + k) $0 }' >> "$H_DIR/dup-$x.out"
    done
done
ok_a="$(grep -c ' mar rc=2001' "$H_DIR/dup-a.out" || true)"; ok_b="$(grep -c ' mar rc=2001' "$H_DIR/dup-b.out" || true)"
ans="$(cat "$H_DIR/dup-a.out" "$H_DIR/dup-b.out" | grep -c ' mar ')"
[ "$ans" -eq $((2 * N)) ] || h_fail "$ans answers for $((2 * N)) MARs"
other="$(cat "$H_DIR/dup-a.out" "$H_DIR/dup-b.out" | grep ' mar ' | grep -v 'rc=2001' | grep -vc 'rc=4001 msg="OTP already used"' || true)"
[ "$other" -eq 0 ] || h_fail "$other answers neither success nor 'already used'"
# per user: successes at A and at B together
double="$(cat "$H_DIR/dup-a.out" "$H_DIR/dup-b.out" | awk -v n="$N" '
    $3 == "rc=2001" { ok[$1]++ }
    END { for (i = 1; i <= n; i++) { c = ok["u-" i] + 0; if (c > 1) d++; if (c == 0) z++ } print d + 0, z + 0 }')"
read -r n_double n_none <<<"$double"
[ $((ok_a + ok_b)) -eq "$N" ] && [ "$n_double" -eq 0 ] && [ "$n_none" -eq 0 ] \
    || h_fail "$((ok_a + ok_b)) successes (A $ok_a, B $ok_b), $n_double OTPs accepted twice, $n_none never"
h_pass "$N OTPs each sent to both servers at once: $((ok_a + ok_b)) successes (A $ok_a, B $ok_b), 0 double acceptances"

# ---- 2. failover under REGISTER load ---------------------------------------------------------------
P1="$(h_port)"; P2="$(h_port)"; SP="$(h_port)"
h_render "$H_ROOT/cfg/kamailio/cdp-cluster.xml.in" "$H_DIR/cl-cdp.xml" FQDN="cl-proxy.$REALM" REALM="$REALM" \
    SERVER_A_HOST=127.0.0.1 SERVER_A_PORT="$PA" SERVER_B_HOST=127.0.0.2 SERVER_B_PORT="$PB" ACCEPT_PORT="$(h_port)"
h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" -A "LISTEN=udp:127.0.0.1:$P2"
H_KAM_SHM=256 h_kamailio proxy1 "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:127.0.0.1:$P1" \
    -A "NEXT_HOP=\"sip:127.0.0.1:$P2\"" -A "CDP_CONFIG=\"$H_DIR/cl-cdp.xml\"" -A "HOTP_TIMEOUT_MS=1000" -A NO_OVSENSE
h_wait_for 60 bash -c "kamcmd -s unix:$H_DIR/proxy1.ctl hotp_auth.status | h_grepq 'peers_open: 2'" \
    || h_fail "cdp did not open both peers: $(h_kamcmd proxy1 hotp_auth.status)"
h_pass "Proxy 1's cdp has both Diameter peers open"

for u in $(seq "$USERS"); do
    "${PGCLI[@]}" add "sip:mn-$u@$REALM" --secret-hex "$(secret $((u + 5000)))" > /dev/null || h_fail "provision mn-$u"
done
{ echo SEQUENTIAL
  for c in $(seq 0 $((PER_USER - 1))); do for u in $(seq "$USERS"); do
      echo "mn-$u;$REALM;$(oathtool --hotp -c "$c" "$(secret $((u + 5000)))")"; done; done; } > "$H_DIR/plan.csv"
TOTAL=$((USERS * PER_USER))
mars() { sed -n 's/.*MAR \([0-9]*\) (ok.*/\1/p' "$H_DIR/$1-fd.log" | tail -1; }
rm -f "$H_DIR"/*_messages.log
( cd "$H_DIR" && timeout 200 sipp -nostdin -sf "$H_ROOT/sipp-scenarios/register_hotp.xml" -inf "$H_DIR/plan.csv" \
    -m "$TOTAL" -r "$RATE" -l 200 -i 127.0.0.1 -p "$SP" "127.0.0.1:$P1" -timeout 180s \
    -default_behaviors -bye -trace_msg > "$H_DIR/load.log" 2>&1 ) &
SIPP=$!
sleep 8
# A (route metric 10) carries the load, B (20) stands by
mar_from_proxy() { grep -c "RCV from 'cl-proxy.$REALM'.*6/286 f:R" "$H_DIR/$1-fd.log" || true; }
at_a="$(mar_from_proxy ca)"; at_b="$(mar_from_proxy cb)"
[ "$at_a" -gt 0 ] || h_fail "server A received no MAR from Proxy 1 before the kill (A $at_a, B $at_b)"
kill -9 "$(h_pid ca-fd)"
T_KILL="$(date +%H:%M:%S.%N)"
h_log "server A killed with SIGKILL"
wait "$SIPP" || true
cat "$H_DIR"/*_messages.log > "$H_DIR/load.msgs" 2>/dev/null
awk '
    { sub(/\r$/, "") }
    /^-----------------------------------------------/ { split($0, a, " "); ts = a[3]; dir = ""; next }
    /message sent/ { dir = "s"; next }
    /message received/ { dir = "r"; code = ""; next }
    dir == "r" && /^SIP\/2.0 [0-9]+/ { code = $2 }
    dir == "r" && /^CSeq:/ { if ($3 == "REGISTER" && code != "" && code != 100) {
            split(ts, t, ":"); print t[1] * 3600 + t[2] * 60 + t[3] "|" code }
        dir = "" }
' "$H_DIR/load.msgs" > "$H_DIR/responses.txt"
n200="$(grep -c '|200$' "$H_DIR/responses.txt" || true)"; nall="$(wc -l < "$H_DIR/responses.txt")"
fails=$((TOTAL - n200))
k="$(awk -F: '{ print $1 * 3600 + $2 * 60 + $3 }' <<<"$T_KILL")"
after_ok="$(awk -F'|' -v k="$k" '$1 > k + 2 && $2 == 200' "$H_DIR/responses.txt" | wc -l)"
after_bad="$(awk -F'|' -v k="$k" '$1 > k + 2 && $2 != 200' "$H_DIR/responses.txt" | wc -l)"
[ "$after_ok" -gt 0 ] || h_fail "no registration succeeded after server A died"
[ "$after_bad" -eq 0 ] || h_fail "$after_bad REGISTERs failed more than 2 s after server A died"
# in flight at the kill: at most what 40/s x (1 s module timeout + RTT) can hold, with margin
[ "$fails" -le $((RATE * 2)) ] || h_fail "$fails of $TOTAL REGISTERs failed: more than the requests in flight"
h_pass "kill -9 of server A (it had taken $at_a MARs, B $at_b) under $RATE REGISTER/s: $n200 of $TOTAL got 200, $fails failed (in flight at the kill), every one >2 s later succeeded via B"

# OTPs server A accepted (the first counters) stay used at B
printf 'SEQUENTIAL\n%s\n' "$(sed -n 2,6p "$H_DIR/plan.csv")" > "$H_DIR/replay.csv"
h_sipp replay -sf "$H_ROOT/sipp-scenarios/register_hotp.xml" -inf "$H_DIR/replay.csv" -set expect 403 \
    -m 5 -i 127.0.0.1 -p "$SP" "127.0.0.1:$P1" -timeout 30s || h_fail "OTPs accepted before the kill were not refused by B"
h_pass "OTPs accepted by server A before it died: refused by server B (403)"
printf '{"test":"cluster_diameter","otps":%d,"successes":%d,"double_accepts":%d,"failover_registers":%d,"failover_failed":%d}\n' \
    "$N" "$((ok_a + ok_b))" "$n_double" "$TOTAL" "$fails" | tee "$H_DIR/cluster_diameter.json" >&2
