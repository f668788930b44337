#!/bin/bash
# No memory growth (issue 9): Proxy 1 with hotp_auth (async UAR + MAR over
# cdp against freeDiameter + app_hotp) and ovsense relays 100,000
# HOTP-authenticated REGISTERs to Proxy 2. Kamailio's shared memory in use
# (core.shmmem) and every process's private memory (pkg.stats) are read
# after a 10,000-request warm-up and again after the remaining 90,000, each
# time once every transaction has ended; neither may grow by more than a
# small allowance (fragmentation), which a leak of even a few bytes per
# request would exceed (90,000 requests x 16 B = 1.4 MB). Whatever the
# answer (200, or 403/503 when the shared machine falls behind) every
# request runs through hotp_auth and ovsense; at least half must get 200.
source "$(dirname "$0")/../lib/harness.sh"
h_init memory

REALM=vpn.example.com
USERS=1000; PER_USER=100; WARM=10000; RATE=800
SHM_ALLOW=$((1024 * 1024)); PKG_ALLOW=$((128 * 1024))
P1="$(h_port)"; P2="$(h_port)"; SP="$(h_port)"
h_diameter_pair mem
h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" -A "LISTEN=udp:127.0.0.1:$P2"
H_KAM_SHM=512 h_kamailio proxy1 "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:127.0.0.1:$P1" \
    -A "NEXT_HOP=\"sip:127.0.0.1:$P2\"" -A "CDP_CONFIG=\"$H_CDP_XML\""
h_wait_for 45 bash -c "kamcmd -s unix:$H_DIR/proxy1.ctl hotp_auth.status | h_grepq 'peers_open: 1'" \
    || h_fail "cdp did not open the Diameter peer"

# 1000 users x 100 OTPs, counter by counter (reordering only across users)
HOTP=("$H_BUILD/tools/senemo-hotp" --db "$H_HOTP_DB")
for u in $(seq "$USERS"); do
    "${HOTP[@]}" add "sip:mn-$u@$REALM" --secret-hex "$(printf '%040x' "$((u * 65537 + 3))")" > /dev/null \
        || h_fail "provision mn-$u"
    "${HOTP[@]}" gen "sip:mn-$u@$REALM" --counter 0 --count "$PER_USER" > "$H_DIR/otp-$u"
done
{ echo SEQUENTIAL
  paste -d' ' $(for u in $(seq "$USERS"); do echo "$H_DIR/otp-$u"; done) | awk -v r="$REALM" '
      { for (i = 1; i <= NF; i++) print "mn-" i ";" r ";" $i }'
} > "$H_DIR/plan.csv"
rm -f "$H_DIR"/otp-*
TOTAL=$((USERS * PER_USER))
[ "$(($(wc -l < "$H_DIR/plan.csv") - 1))" -eq "$TOTAL" ] || h_fail "plan has $(wc -l < "$H_DIR/plan.csv") lines"
sed -n "1p;2,$((WARM + 1))p" "$H_DIR/plan.csv" > "$H_DIR/warm.csv"
{ echo SEQUENTIAL; sed -n "$((WARM + 2)),\$p" "$H_DIR/plan.csv"; } > "$H_DIR/main.csv"
h_pass "$USERS users, $TOTAL OTPs planned"

idle() { h_kamcmd proxy1 tm.stats | awk '/current:/ { c = $2 } END { exit !(c == 0) }'; }
shm_used() { h_kamcmd proxy1 core.shmmem | awk '/used:/ { print $2; exit }'; }
pkg_used() { h_kamcmd proxy1 pkg.stats | awk '/used:/ { print $2 }'; }   # one line per process
load() {
    local name="$1" csv="$2" n
    n="$(($(wc -l < "$csv") - 1))"
    ( cd "$H_DIR" && timeout 400 sipp -nostdin -sf "$H_ROOT/sipp-scenarios/register_hotp.xml" -inf "$csv" \
        -m "$n" -r "$RATE" -l 2000 -i 127.0.0.1 -p "$SP" "127.0.0.1:$P1" -timeout 380s \
        -default_behaviors -bye > "$H_DIR/$name.log" 2>&1 ) || true
    # successful / failed calls from SIPp's summary
    succ="$(sed -n 's/^  Successful call *| *[0-9]* *| *\([0-9]*\).*/\1/p' "$H_DIR/$name.log" | tail -1)"
    fail="$(sed -n 's/^  Failed call *| *[0-9]* *| *\([0-9]*\).*/\1/p' "$H_DIR/$name.log" | tail -1)"
    h_log "$name: $n REGISTERs, ${succ:-?} x 200, ${fail:-?} failed"
    h_wait_for 60 idle || h_fail "transactions still open 60 s after $name"
    sleep 6   # tm keeps finished transactions ~5 s (wait timer)
    h_wait_for 30 idle || h_fail "transactions still open after $name"
}

load warm "$H_DIR/warm.csv"
[ "${succ:-0}" -ge $((WARM / 2)) ] || h_fail "warm-up: only ${succ:-0} of $WARM REGISTERs got 200"
shm0="$(shm_used)"; pkg_used > "$H_DIR/pkg0"
load main "$H_DIR/main.csv"
[ "${succ:-0}" -ge $(((TOTAL - WARM) / 2)) ] || h_fail "main run: only ${succ:-0} of $((TOTAL - WARM)) got 200"
shm1="$(shm_used)"; pkg_used > "$H_DIR/pkg1"

dshm=$((shm1 - shm0))
h_log "shared memory in use: $shm0 -> $shm1 bytes ($dshm)"
[ "$dshm" -le "$SHM_ALLOW" ] || h_fail "shared memory grew by $dshm bytes over $((TOTAL - WARM)) requests"
worst="$(paste "$H_DIR/pkg0" "$H_DIR/pkg1" | awk '{ d = $2 - $1; if (d > m) m = d } END { print m + 0 }')"
h_log "private memory: largest growth of one process $worst bytes ($(wc -l < "$H_DIR/pkg1") processes)"
[ "$worst" -le "$PKG_ALLOW" ] || h_fail "a process's private memory grew by $worst bytes"
h_pass "after $((TOTAL - WARM)) more authenticated REGISTERs: shm $dshm B (allowance $SHM_ALLOW), worst pkg +$worst B (allowance $PKG_ALLOW)"
printf '{"test":"memory","requests":%d,"shm_before":%d,"shm_after":%d,"pkg_worst_growth":%d}\n' \
    "$((TOTAL - WARM))" "$shm0" "$shm1" "$worst" | tee "$H_DIR/memory.json" >&2
