#!/bin/bash
# ./senemo bench cluster: authenticated REGISTER throughput with one vs two
# Diameter servers (freeDiameter + app_hotp on one shared PostgreSQL store,
# cdp load-balancing over both peers at equal route metric), same box, same
# run; plus the double-acceptance count of the shared store under that load.
# Proxy 1 (HOTP via cdp) -> Proxy 2 on loopback; SIPp offers stepped rates,
# each for STEP_S seconds; the highest rate with < 0.1 % failed REGISTERs is
# the sustained rate. Writes build/bench/cluster.json.
#   one_node_rps, two_node_rps, ratio (two/one), double_accepts, steps[]
# Then the same stepped REGISTERs (both Diameter servers) through one Proxy 2
# and through a pair of Proxy 2 replicating over DMQ (proxy2.cfg -A WITH_DMQ:
# Proxy 1 sends to Proxy 2-A, which saves each registration and replicates
# it to Proxy 2-B through dmq_usrloc; B applies every one): "proxy2" in the
# JSON, one_rps / two_rps / ratio and the AoRs each instance held at the end.
set -uo pipefail
source "$(dirname "$0")/../tests/lib/harness.sh"
h_init bench-cluster
OUT="$H_BUILD/bench/cluster.json"; mkdir -p "$H_BUILD/bench"

REALM=vpn.example.com
RATES="${BENCH_CLUSTER_RATES:-200 400 800 1200 1600 2400 3200}"
STEP_S="${BENCH_CLUSTER_STEP_S:-6}"
# three disjoint sets of users, so that REGISTERs lost in one configuration's
# overload step (their OTPs never verified) cannot push the next OTPs of the
# same users beyond the look-ahead window in the other configuration:
# one: users 1-450, two: users 451-900, the double-send round: 901-1000
# (and, for the Proxy 2 comparison, p2one: 1001-1450, p2two: 1451-1900)
need=0; for r in $RATES; do need=$((need + r * STEP_S)); done
PER_USER=$(( need / 450 + 10 ))

h_postgres pg
PGCLI=("$H_BUILD/tools/senemo-hotp" --pg "$H_PG_CONNINFO")
H_APP_HOTP_EXTRA="pg_conninfo = \"$H_PG_CONNINFO\";"
# bc-proxy: the Diameter runs; bc3/bc4: the Proxy 2 runs (a Proxy 1 of its
# own identity each, so a server never waits out the previous one's
# connection under the same Origin-Host)
H_FD_ACL_EXTRA="$(printf 'ALLOW_IPSEC %s\n' "bc-proxy.$REALM" "bc3-proxy.$REALM" "bc4-proxy.$REALM")"
h_diameter_pair da; PA="$H_FD_PORT"
h_diameter_pair db; PB="$H_FD_PORT"

# pool NAME FIRST LAST COUNT: users FIRST..LAST with COUNT OTPs each, counter by
# counter (line k: the next OTP of user k mod n) in $H_DIR/pool-NAME
pool() {
    local name="$1" first="$2" last="$3" count="$4" u
    for u in $(seq "$first" "$last"); do
        "${PGCLI[@]}" add "sip:b-$u@$REALM" --random > /dev/null || h_fail "provision b-$u"
        "${PGCLI[@]}" gen "sip:b-$u@$REALM" --counter 0 --count "$count" > "$H_DIR/otp-$u"
    done
    paste -d' ' $(for u in $(seq "$first" "$last"); do echo "$H_DIR/otp-$u"; done) \
        | awk -v r="$REALM" -v f="$first" '{ for (i = 1; i <= NF; i++) print "b-" (f + i - 1) ";" r ";" $i }' \
        > "$H_DIR/pool-$name"
    rm -f "$H_DIR"/otp-*
}
h_log "provisioning 1900 users ($PER_USER OTPs each for the rate steps)"
pool one 1 450 "$PER_USER"
pool two 451 900 "$PER_USER"
pool dup 901 1000 10
pool p2one 1001 1450 "$PER_USER"
pool p2two 1451 1900 "$PER_USER"
declare -A NEXT=([one]=1 [two]=1 [dup]=1 [p2one]=1 [p2two]=1)
take() {   # take POOL N FILE : the next N OTPs of a pool as a SIPp injection file
    { echo SEQUENTIAL; sed -n "${NEXT[$1]},$((NEXT[$1] + $2 - 1))p" "$H_DIR/pool-$1"; } > "$3"
    NEXT[$1]=$((NEXT[$1] + $2))
}

P2="$(h_port)"; SP="$(h_port)"
h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" -A "LISTEN=udp:127.0.0.1:$P2"
STEPS_JSON=()
declare -A MAXR
run_config() {   # run_config NAME CDP_XML PEERS [PROXY2 host:port]
    local name="$1" xml="$2" peers="$3" next="${4:-127.0.0.1:$P2}" p1 r n ok fail stat
    p1="$(h_port)"
    H_KAM_SHM=512 h_kamailio "p1-$name" "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:127.0.0.1:$p1" \
        -A "NEXT_HOP=\"sip:$next\"" -A "CDP_CONFIG=\"$xml\"" -A NO_OVSENSE
    h_wait_for 60 bash -c "kamcmd -s unix:$H_DIR/p1-$name.ctl hotp_auth.status | h_grepq 'peers_open: $peers'" \
        || h_fail "$name: cdp did not open $peers peer(s)"
    MAXR[$name]=0
    for r in $RATES; do
        n=$((r * STEP_S)); take "$name" "$n" "$H_DIR/$name-$r.csv"
        rm -f "$H_DIR"/register_hotp_*_.csv
        ( cd "$H_DIR" && timeout $((STEP_S * 4 + 60)) sipp -nostdin -sf "$H_ROOT/sipp-scenarios/register_hotp.xml" \
            -inf "$H_DIR/$name-$r.csv" -m "$n" -r "$r" -l $((r * 10 + 10)) -i 127.0.0.1 -p "$SP" "127.0.0.1:$p1" \
            -timeout $((STEP_S * 4 + 30))s -timeout_error -default_behaviors -bye -trace_stat -fd 1 \
            > "$H_DIR/$name-$r.log" 2>&1 )
        stat="$(ls "$H_DIR"/register_hotp_*_.csv 2>/dev/null | head -1)"
        ok=0
        [ -n "$stat" ] && ok="$(awk -F';' 'NR==1{for(i=1;i<=NF;i++) h[$i]=i} END{print $h["SuccessfulCall(C)"]}' "$stat")"
        fail=$((n - ok))
        STEPS_JSON+=("{\"config\":\"$name\",\"offered_rps\":$r,\"registers\":$n,\"ok\":$ok,\"failed\":$fail}")
        h_log "$name: $r/s: $ok of $n ok"
        if [ "$fail" -le $((n / 1000)) ]; then MAXR[$name]="$r"; else break; fi
    done
    h_stop "p1-$name"
}

h_render "$H_ROOT/cfg/kamailio/cdp.xml.in" "$H_DIR/one.xml" FQDN="bc-proxy.$REALM" REALM="$REALM" \
    SERVER_HOST=127.0.0.1 SERVER_PORT="$PA" ACCEPT_PORT="$(h_port)"
h_render "$H_ROOT/cfg/kamailio/cdp-cluster.xml.in" "$H_DIR/two.xml" FQDN="bc-proxy.$REALM" REALM="$REALM" \
    SERVER_A_HOST=127.0.0.1 SERVER_A_PORT="$PA" SERVER_B_HOST=127.0.0.2 SERVER_B_PORT="$PB" ACCEPT_PORT="$(h_port)"
# equal metrics: cdp spreads requests over both open peers
sed -i 's/metric="20"/metric="10"/' "$H_DIR/two.xml"
run_config one "$H_DIR/one.xml" 1
run_config two "$H_DIR/two.xml" 2

# ---- one vs two Proxy 2 (both Diameter servers) --------------------------------
# p2one: the single Proxy 2 above; p2two: Proxy 2-A (127.0.0.1) replicating
# to Proxy 2-B (127.0.0.2) over DMQ
P2A="$(h_port)"; P2B="$(h_port)"; DA="$(h_port)"; DB="$(h_port)"
h_kamailio p2a "$H_ROOT/cfg/kamailio/proxy2.cfg" -A "LISTEN=udp:127.0.0.1:$P2A" -A WITH_DMQ \
    -A "DMQ_LISTEN=udp:127.0.0.1:$DA" -A "DMQ_SERVER=\"sip:127.0.0.1:$DA\"" -A "DMQ_NOTIFY=\"sip:127.0.0.2:$DB\""
h_kamailio p2b "$H_ROOT/cfg/kamailio/proxy2.cfg" -A "LISTEN=udp:127.0.0.2:$P2B" -A WITH_DMQ \
    -A "DMQ_LISTEN=udp:127.0.0.2:$DB" -A "DMQ_SERVER=\"sip:127.0.0.2:$DB\"" -A "DMQ_NOTIFY=\"sip:127.0.0.1:$DA\""
h_wait_for 30 bash -c "kamcmd -s unix:$H_DIR/p2a.ctl dmq.list_nodes | grep -A8 'host: 127.0.0.2' | h_grepq 'status: active'" \
    || h_fail "the DMQ bus of Proxy 2-A/B did not form"
for c in 3 4; do
    h_render "$H_ROOT/cfg/kamailio/cdp-cluster.xml.in" "$H_DIR/p2-$c.xml" FQDN="bc$c-proxy.$REALM" REALM="$REALM" \
        SERVER_A_HOST=127.0.0.1 SERVER_A_PORT="$PA" SERVER_B_HOST=127.0.0.2 SERVER_B_PORT="$PB" ACCEPT_PORT="$(h_port)"
    sed -i 's/metric="20"/metric="10"/' "$H_DIR/p2-$c.xml"
done
run_config p2one "$H_DIR/p2-3.xml" 2
run_config p2two "$H_DIR/p2-4.xml" 2 "127.0.0.1:$P2A"
aors() { h_kamcmd "$1" ul.dump brief 2>/dev/null | grep -c 'AoR: b-'; }
# the replication is asynchronous: let B catch up before counting
sleep 5
AORS_A="$(aors p2a)"; AORS_B="$(aors p2b)"
h_log "Proxy 2 pair: A holds $AORS_A AoRs, B $AORS_B (replicated)"

# double acceptances: the next 1,000 OTPs of the pool, each sent to both
# servers at the same moment (batches of 50, the probe's limit)
: > "$H_DIR/dup.out"
for b in $(seq 0 19); do
    reqs=()
    while IFS=';' read -r user _ otp; do
        reqs+=(mar "sip:$user@$REALM" REGISTER 1 "$user" "$REALM" "$otp")
    done < <(sed -n "${NEXT[dup]},$((NEXT[dup] + 49))p" "$H_DIR/pool-dup")
    NEXT[dup]=$((NEXT[dup] + 50))
    "$H_BUILD/tools/senemo-diameter-probe" --port "$PA" --ids 1 "${reqs[@]}" > "$H_DIR/dup-a.$b" &
    pa=$!
    "$H_BUILD/tools/senemo-diameter-probe" --port "$PB" --ids 1 "${reqs[@]}" > "$H_DIR/dup-b.$b" &
    pb=$!
    wait "$pa"; wait "$pb"
    cat "$H_DIR/dup-a.$b" "$H_DIR/dup-b.$b" | sed -n "s/^mar rc=2001.* req=\([0-9]*\)\$/$b.\1/p" >> "$H_DIR/dup.out"
done
double="$(sort "$H_DIR/dup.out" | uniq -d | wc -l)"
accepted="$(sort -u "$H_DIR/dup.out" | wc -l)"
h_log "1000 OTPs sent to both servers at once: $accepted accepted, $double accepted twice"
h_stop da-fd; h_stop db-fd
mar_ok() { sed -n 's/.*MAR [0-9]* (ok \([0-9]*\),.*/\1/p' "$H_DIR/$1-fd.log" | tail -1; }
ok_da="$(mar_ok da)"; ok_db="$(mar_ok db)"
sip_ok="$(printf '%s\n' "${STEPS_JSON[@]}" | sed -n 's/.*"ok":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')"
ratio="$(awk -v a="${MAXR[two]}" -v b="${MAXR[one]}" 'BEGIN{printf "%.3f", (b > 0 ? a / b : 0)}')"
p2ratio="$(awk -v a="${MAXR[p2two]}" -v b="${MAXR[p2one]}" 'BEGIN{printf "%.3f", (b > 0 ? a / b : 0)}')"
steps="$(IFS=,; echo "${STEPS_JSON[*]}")"
printf '{"one_node_rps":%d,"two_node_rps":%d,"ratio":%s,"double_accepts":%d,"step_s":%d,"double_send_otps":1000,"double_send_accepted":%d,"mar_ok_server_a":%d,"mar_ok_server_b":%d,"sip_200":%d,"proxy2":{"one_rps":%d,"two_rps":%d,"ratio":%s,"aors_a":%d,"aors_b_replicated":%d,"setup":"Proxy 1 (HOTP, both Diameter servers) -> Proxy 2 alone (one) or Proxy 2-A replicating every registration to Proxy 2-B over DMQ (two; B serves no requests here)"},"steps":[%s]}\n' \
    "${MAXR[one]}" "${MAXR[two]}" "$ratio" "$double" "$STEP_S" "$accepted" "${ok_da:-0}" "${ok_db:-0}" "$sip_ok" \
    "${MAXR[p2one]}" "${MAXR[p2two]}" "$p2ratio" "$AORS_A" "$AORS_B" "$steps" > "$OUT"
printf '\n%-34s %10s %10s\n' "authenticated REGISTER (HOTP, PG)" "1 server" "2 servers"
printf '%-34s %10s %10s\n' "sustained rate (< 0.1 % failed)" "${MAXR[one]}/s" "${MAXR[two]}/s"
printf '%-34s %10s\n' "ratio two/one" "$ratio"
printf '%-34s %10s %10s\n' "MAR successes at server A / B" "${ok_da:-0}" "${ok_db:-0}"
printf '%-34s %10s\n' "OTPs accepted twice (of 1000 sent to both)" "$double"
printf '%-34s %10s %10s\n' "through Proxy 2 (2 Diameter)" "1 Proxy 2" "2 (DMQ)"
printf '%-34s %10s %10s\n' "sustained rate (< 0.1 % failed)" "${MAXR[p2one]}/s" "${MAXR[p2two]}/s"
printf '%-34s %10s\n' "ratio two/one" "$p2ratio"
printf '%-34s %10s %10s\n' "AoRs at Proxy 2-A / B" "$AORS_A" "$AORS_B"
echo "written: $OUT"
