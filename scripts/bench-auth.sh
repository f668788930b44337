#!/bin/bash
# ./senemo bench auth [--links "none umts"] [--users N] [--quick]
#
# One run, side by side on this machine:
#  1. HOTP validations per second vs raw HMAC-SHA1 per second, one process
#     (build/tools/senemo-bench-hotp);
#  2. per access link (default: none = no emulation, umts = 128 kbit/s,
#     500 ms RTT; the project's link emulator in a router namespace): SIPp
#     REGISTERs from a vehicle namespace through Proxy 1 (hotp_auth + cdp ->
#     freeDiameter + app_hotp, and stock digest auth_db on SQLite in the same
#     Kamailio) to Proxy 2 (registrar) in a home namespace:
#       - SIP messages per successful registration, counted on the link;
#       - latency p50/p99 one registration at a time (HOTP/digest alternate);
#       - highest rate each sustains with < 0.1 % failed registrations.
# Writes build/bench/auth.json (layout: ../shared/DESIGN.md) and prints a table.
source "$(dirname "$0")/../tests/lib/harness.sh"
source "$(dirname "$0")/../tests/lib/netns.sh"

LINKS="none umts"; USERS=1000; QUICK=0
while [ $# -gt 0 ]; do
    case "$1" in
        --links) LINKS="$2"; shift 2 ;;
        --users) USERS="$2"; shift 2 ;;
        --quick) QUICK=1; shift ;;
        *) echo "bench auth: unknown option $1 (--links L, --users N, --quick)" >&2; exit 2 ;;
    esac
done
h_init bench_auth
OUT="$H_BUILD/bench/auth.json"
REALM=vpn.example.com
KEYBASE=53654e454d4f2d62656e63682d6b6579   # 16 bytes; + 4 bytes of the user number

# ---- 1. in-process: HOTP verify vs raw HMAC ---------------------------------------
h_log "HOTP verification vs raw HMAC-SHA1 (one process)"
INPROC="$("$H_BUILD/tools/senemo-bench-hotp")" || h_fail "senemo-bench-hotp failed"
jget() { sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" <<<"$1"; }

# ---- 2. topology -------------------------------------------------------------------
VEH="$(h_netns veh)" || exit 1
RTR="$(h_netns rtr)" || exit 1
HOME_NS="$(h_netns home)" || exit 1
h_veth "$VEH" v0 198.18.1.2/24 "$RTR" r0 198.18.1.1/24
h_veth "$RTR" r1 198.18.2.1/24 "$HOME_NS" h0 198.18.2.2/24
h_route "$VEH" default 198.18.1.1
h_route "$HOME_NS" 198.18.1.0/24 198.18.2.1
P1=198.18.2.2; P1PORT=5060

# users: HOTP in the app_hotp store, digest in auth_db's subscriber table
H_APP_HOTP_EXTRA=$'lockout_after = 1000;\nwindow = 20;'
H_NS="$HOME_NS" h_diameter_pair ba
h_log "provisioning $USERS HOTP users"
OTPS="$H_DIR/otps.txt"     # lines: user counter otp
: > "$OTPS"
KPER=120                   # OTPs generated per user
for u in $(seq 1 "$USERS"); do
    key="$KEYBASE$(printf '%08x' "$u")"
    "$H_BUILD/tools/senemo-hotp" --db "$H_HOTP_DB" add "sip:mn-$u@$REALM" --secret-hex "$key" >/dev/null \
        || h_fail "provisioning mn-$u"
    "$H_BUILD/tools/senemo-hotp" --db "$H_HOTP_DB" gen "sip:mn-$u@$REALM" --counter 0 --count "$KPER" \
        | awk -v u="$u" '{print u, NR - 1, $1}' >> "$OTPS"
done
SCHEMA=/usr/share/kamailio/db_sqlite
[ -f "$SCHEMA/auth_db-create.sql" ] || SCHEMA="$H_BUILD/src/kamailio-$(kamailio -v | sed -n 's/^version: kamailio \([0-9.]*\).*/\1/p')/utils/kamctl/db_sqlite"
DB="$H_DIR/subscriber.sqlite"
cat "$SCHEMA/standard-create.sql" "$SCHEMA/auth_db-create.sql" | sqlite3 "$DB" || h_fail "subscriber db"
sqlite3 "$DB" "INSERT INTO subscriber (username, domain, password) VALUES ('mn-d', '$REALM', 'digest-pw');"

P2PORT="$(h_port)"
H_KAM_SHM=512 H_NS="$HOME_NS" h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" -A "LISTEN=udp:127.0.0.1:$P2PORT"
H_KAM_SHM=512 H_NS="$HOME_NS" h_kamailio proxy1 "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN \
    -A "LISTEN=udp:$P1:$P1PORT" -A "NEXT_HOP=\"sip:127.0.0.1:$P2PORT\"" \
    -A "CDP_CONFIG=\"$H_CDP_XML\"" -A WITH_DIGEST -A "DB_URL=\"sqlite://$DB\""
h_wait_for 20 bash -c "kamcmd -s unix:$H_DIR/proxy1.ctl hotp_auth.uar sip:mn-1@$REALM | h_grepq -E '^[0-9]+$'" \
    || h_fail "Proxy 1 has no Diameter peer"

NEXTK=0   # next unused counter layer (all users advance together)
# hotp_csv N FILE : N rows "user;realm;otp", counter-major, never reusing an OTP
hotp_csv() {
    local n="$1" f="$2" layers=$(( ($1 + USERS - 1) / USERS ))
    [ $((NEXTK + layers)) -le $KPER ] || h_fail "out of pre-generated OTPs"
    { echo SEQUENTIAL
      awk -v lo="$NEXTK" -v hi="$((NEXTK + layers))" '$2 >= lo && $2 < hi {print $2, $1, $3}' "$OTPS" \
        | sort -n -k1,1 -k2,2 | head -n "$n" | awk -v r="$REALM" '{print "mn-" $2 ";" r ";" $3}'
    } > "$f"
    NEXTK=$((NEXTK + layers))
}
digest_csv() {
    { echo SEQUENTIAL; printf "mn-d;$REALM\n%.0s" $(seq 1 "$1"); } > "$2"
}

SIPP_PORT="$(h_port)"
RUN=0
# sipp_run SCHEME CALLS RATE LIMIT TIMEOUT : sets S_OK S_FAIL S_DIR; latencies in $S_DIR/rtt
sipp_run() {
    local scheme="$1" calls="$2" rate="$3" limit="$4" tmo="$5" sf csv extra=()
    RUN=$((RUN + 1)); S_DIR="$H_DIR/run$RUN-$scheme"; mkdir -p "$S_DIR"
    if [ "$scheme" = hotp ]; then
        sf="register_hotp.xml"; hotp_csv "$calls" "$S_DIR/in.csv"
    else
        sf="register_digest.xml"; digest_csv "$calls" "$S_DIR/in.csv"
        extra=(-au mn-d -ap digest-pw)
    fi
    # SIP's T1 must exceed the path's RTT, or retransmissions race the
    # answers (a late duplicate 401 breaks the digest exchange): the
    # scenarios' 500 ms becomes max(500, 2 x RTT) for both schemes
    sed "s/retrans=\"500\"/retrans=\"$T1\"/" "$H_ROOT/sipp-scenarios/$sf" > "$S_DIR/$sf"
    sf="$S_DIR/$sf"
    ( cd "$S_DIR" && timeout $((tmo + 30)) ip netns exec "$VEH" sipp -nostdin -sf "$sf" -inf in.csv \
        "${extra[@]}" -i 198.18.1.2 -p "$SIPP_PORT" -m "$calls" -r "$rate" -l "$limit" \
        -timeout "${tmo}s" -timeout_error -recv_timeout 10000 -max_recv_loops 100000 \
        -trace_stat -fd 1 -trace_rtt -rtt_freq 1 "$P1:$P1PORT" > sipp.log 2>&1 )
    local stat; stat="$(ls "$S_DIR"/*_.csv 2>/dev/null | head -1)"
    S_OK=0; S_FAIL="$calls"
    if [ -n "$stat" ]; then
        S_OK="$(awk -F';' 'NR==1{for(i=1;i<=NF;i++) h[$i]=i} END{print $h["SuccessfulCall(C)"]}' "$stat")"
        S_FAIL=$(( calls - S_OK ))
    fi
    cat "$S_DIR"/*_rtt.csv 2>/dev/null | awk -F';' 'NR>1 && $2 ~ /^[0-9.]+$/ {print $2}' > "$S_DIR/rtt"
}
pct() { sort -n "$1" | awk -v p="$2" '{a[NR]=$1} END{if(NR==0){print 0; exit} i=int((NR-1)*p/100)+1; print a[i]}'; }

RUNS_JSON=()
TABLE=()
for link in $LINKS; do
    h_log "link $link"
    h_link_emulate "$RTR" r0 r1 "$link"
    read -r _ _ rtt <<<"$(h_link_profile "$link")"
    T1=$(( rtt * 2 > 500 ? rtt * 2 : 500 ))
    if [ "$link" = none ]; then LAT_N=100; RATES="200 400 800 1200 1600 2400 3200 4800 6400"; DUR=4
    else LAT_N=12; RATES="4 8 12 16 24 32 48 64"; DUR=10; fi
    [ "$QUICK" = 1 ] && { LAT_N=$(( LAT_N / 4 + 2 )); RATES="${RATES% * *}"; DUR=$(( DUR / 2 )); }

    # messages per registration, counted on the vehicle's link
    PCAP="$H_DIR/$link.pcap"
    H_NS="$RTR" h_start "dumpcap-$link" dumpcap -q -i r0 -f "udp port $P1PORT" -w "$PCAP"
    sleep 1
    declare -A LAT=() MSGS=()
    for scheme in hotp digest; do : > "$H_DIR/$link-$scheme.rtt"; done
    # latency: one registration at a time, HOTP and digest alternating in halves
    for half in 1 2; do
        for scheme in hotp digest; do
            t0="$(date +%s.%N)"
            sipp_run "$scheme" $((LAT_N / 2)) 10 1 $((LAT_N * 5))
            [ "$S_FAIL" = 0 ] || h_fail "$link/$scheme latency run: $S_FAIL failed registrations (see $S_DIR)"
            cat "$S_DIR/rtt" >> "$H_DIR/$link-$scheme.rtt"
            echo "$scheme $S_OK $t0 $(date +%s.%N)" >> "$H_DIR/$link-windows"
        done
    done
    sleep 1
    h_stop "dumpcap-$link"
    # attribute captured SIP messages to the run windows they fall in
    tshark -r "$PCAP" -T fields -e frame.time_epoch -Y sip 2>/dev/null > "$H_DIR/$link-times"
    for scheme in hotp digest; do
        read -r msgs ok < <(awk -v s="$scheme" 'NR==FNR { if ($1 == s) { n++; a[n]=$3; b[n]=$4; ok+=$2 } next }
            { for (i = 1; i <= n; i++) if ($1 >= a[i] && $1 <= b[i]) { c++; break } }
            END { print c + 0, ok + 0 }' "$H_DIR/$link-windows" "$H_DIR/$link-times")
        MSGS[$scheme]="$(awk -v m="$msgs" -v o="$ok" 'BEGIN{printf "%.2f", (o ? m / o : 0)}')"
        LAT[$scheme.p50]="$(pct "$H_DIR/$link-$scheme.rtt" 50)"
        LAT[$scheme.p99]="$(pct "$H_DIR/$link-$scheme.rtt" 99)"
    done

    # highest sustained rate with < 0.1 % failures
    declare -A MAXR=()
    for scheme in hotp digest; do
        MAXR[$scheme]=0
        # each scheme starts on an idle path: the failing step of the one
        # before leaves a backlog (in Proxy 1, and on an emulated link a
        # queue that drains at the link's rate for minutes) whose late
        # answers would be counted against this one
        if [ "$scheme" = digest ]; then
            if [ "$link" != none ]; then
                h_link_emulate_off "$RTR" r0
                h_link_emulate "$RTR" r0 r1 "$link"
            fi
            sleep 5
        fi
        for r in $RATES; do
            n=$(( r * DUR ))
            sipp_run "$scheme" "$n" "$r" $(( r * 20 + 10 )) $(( DUR * 3 + 20 ))
            if [ "$S_FAIL" -le $(( n / 1000 )) ]; then
                MAXR[$scheme]="$r"
            else
                h_log "$link/$scheme: $r/s: $S_FAIL of $n failed: stop"
                break
            fi
        done
    done
    h_link_emulate_off "$RTR" r0

    ratio="$(awk -v h="${LAT[hotp.p50]}" -v d="${LAT[digest.p50]}" 'BEGIN{printf "%.3f", (d > 0 ? h / d : 0)}')"
    RUNS_JSON+=("{\"link\":\"$link\",\"hotp.sip_msgs_per_register\":${MSGS[hotp]},\"digest.sip_msgs_per_register\":${MSGS[digest]},\"hotp.latency_ms_p50\":${LAT[hotp.p50]},\"digest.latency_ms_p50\":${LAT[digest.p50]},\"hotp.latency_ms_p99\":${LAT[hotp.p99]},\"digest.latency_ms_p99\":${LAT[digest.p99]},\"latency_ratio_p50\":$ratio,\"hotp.max_rate_rps\":${MAXR[hotp]},\"digest.max_rate_rps\":${MAXR[digest]},\"latency_samples\":$LAT_N,\"rate_step_s\":$DUR}")
    TABLE+=("$(printf '%-6s %8s %8s %10s %10s %10s %10s %7s %9s %9s' "$link" "${MSGS[hotp]}" "${MSGS[digest]}" \
        "${LAT[hotp.p50]}" "${LAT[digest.p50]}" "${LAT[hotp.p99]}" "${LAT[digest.p99]}" "$ratio" "${MAXR[hotp]}" "${MAXR[digest]}")")
    unset LAT MSGS MAXR
done

mkdir -p "$(dirname "$OUT")"
(IFS=,; cat > "$OUT" <<JSON
{"hotp_verify_per_s":$(jget "$INPROC" hotp_verify_per_s),"hmac_sha1_per_s":$(jget "$INPROC" hmac_sha1_per_s),"verify_vs_hmac_ratio":$(jget "$INPROC" verify_vs_hmac_ratio),"users":$USERS,"runs":[${RUNS_JSON[*]}]}
JSON
)
echo
echo "HOTP verification: $(jget "$INPROC" hotp_verify_per_s)/s vs raw HMAC-SHA1 $(jget "$INPROC" hmac_sha1_per_s)/s: ratio $(jget "$INPROC" verify_vs_hmac_ratio)"
printf '%-6s %8s %8s %10s %10s %10s %10s %7s %9s %9s\n' link msgs_h msgs_d p50_h_ms p50_d_ms p99_h_ms p99_d_ms ratio maxrps_h maxrps_d
printf '%s\n' "${TABLE[@]}"
echo "written: $OUT"
