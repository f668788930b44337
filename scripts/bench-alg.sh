#!/bin/bash
# ./senemo bench alg [--streams N] [--secs S] [--rounds R] [--calls N] [--call-secs S] [--quick]
#
# The SRTP ALG (rtpengine 10.5, userspace, cfg/rtpengine/rtpengine.conf and
# the ng flags of cfg/rtpengine/alg-ng.sh) between an intranet namespace and
# an Internet namespace, load from senemo-srtp (tests/tools/srtp_verifier.c),
# one rtpengine for everything, side by side in one run:
#
#  1. relay cost: N calls (default 300) each carrying one 50 pps G.711
#     stream (many paced streams, never one blast: rtpengine silences a
#     flooded socket), in alternating rounds of S seconds:
#       plain   RTP -> RTP    (both legs RTP/AVP)
#       srtp    RTP -> SRTP   (CN -> MN: encrypt + authenticate)
#       decrypt SRTP -> RTP   (MN -> CN: authenticate + decrypt)
#       decrypt_guard  the same with senemo-srtp-guard's NFQUEUE rule in
#                      place (every packet also checked by the guard's libsrtp:
#                      replay protection, srtp-guard/README.md)
#     The guard runs all along (ng goes through it, tests/lib/alg_home.sh);
#     its rule is in place only for decrypt_guard and the calls of part 2.
#     It never sees RTP -> SRTP packets (they enter at the internal address).
#     CPU time comes from /proc/PID/stat of rtpengine plus the guard (utime +
#     stime, their idle rate measured first and subtracted); the relay rate
#     is packets relayed per CPU-second (what one core could relay), median
#     over the rounds. ratio = srtp / plain (target >= 0.7); decrypt_ratio
#     and decrypt_guard_ratio likewise, guard_ratio = decrypt_guard /
#     decrypt (the guard's cost on the inbound SRTP path). Delivered packets
#     and loss at the offered load are reported too.
#  2. 100 concurrent G.711 calls (RTP/AVP inside, SRTP outside, the guard's
#     rule in place), 50 pps per direction each, for S seconds (default 20):
#     loss and jitter (RFC 3550,
#     p99 over every packet's estimate, the worse direction). Target: no loss.
#
# Writes build/bench/alg.json (keys of DESIGN.md: srtp_pps, plain_pps, ratio,
# calls, loss_pct, jitter_ms_p99, plus CPU figures) and prints a table.
# About 2.5 minutes with the defaults; --quick: ~45 s.
source "$(dirname "$0")/../tests/lib/harness.sh"
source "$(dirname "$0")/../tests/lib/netns.sh"
export LC_ALL=C

STREAMS=300; SECS=6; ROUNDS=3; CALLS=100; CALL_SECS=20
while [ $# -gt 0 ]; do
    case "$1" in
        --streams) STREAMS="$2"; shift 2 ;;
        --secs) SECS="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        --calls) CALLS="$2"; shift 2 ;;
        --call-secs) CALL_SECS="$2"; shift 2 ;;
        --quick) STREAMS=100; SECS=3; ROUNDS=1; CALL_SECS=8; shift ;;
        *) echo "bench alg: unknown option $1 (--streams N, --secs S, --rounds R, --calls N, --call-secs S, --quick)" >&2; exit 2 ;;
    esac
done
for v in STREAMS SECS ROUNDS CALLS CALL_SECS; do
    [[ "${!v}" =~ ^[0-9]+$ ]] && [ "${!v}" -ge 1 ] || { echo "bench alg: $v must be a positive integer" >&2; exit 2; }
done
[ "$STREAMS" -le 900 ] && [ "$CALLS" -le 900 ] || { echo "bench alg: at most 900 streams / calls" >&2; exit 2; }
[ "$SECS" -le 60 ] && [ "$CALL_SECS" -le 120 ] && [ "$ROUNDS" -le 10 ] \
    || { echo "bench alg: --secs <= 60, --call-secs <= 120, --rounds <= 10" >&2; exit 2; }

h_init bench_alg
source "$H_ROOT/tests/lib/alg_home.sh"
OUT="$H_BUILD/bench/alg.json"
mkdir -p "$H_BUILD/bench"
SRTP="$H_BUILD/tools/senemo-srtp"
[ -x "$SRTP" ] || h_fail "build first: $SRTP is needed"
source "$H_ROOT/cfg/rtpengine/alg-ng.sh"
D="$H_DIR"

# ---- topology, rtpengine, the replay guard (tests/lib/alg_home.sh) --------------------
alg_topology
ALG="$HOME_NS"
ALG_RTP_LOG_LEVEL=5 alg_rtpengine 30000 39999 --timeout=3600
# (--timeout: the configuration's 60 s media timeout would tear down calls that
# wait idle between rounds)
h_wait_for 5 test -s "$D/rtpengine.pid" || h_fail "no rtpengine pid file"
RPID="$(cat "$D/rtpengine.pid")"
[ "$(cat "/proc/$RPID/comm" 2>/dev/null)" = rtpengine ] || h_fail "pid $RPID is not rtpengine"
# the guard: every ng command goes through it; its NFQUEUE rule only while measured
alg_guard 30000 39999
alg_guard_rule -D 30000 39999 || h_fail "removing the guard's rule"
GUARD_RULE=0
GPID="$(cat "$D/guard.pid")"
[ "$(cat "/proc/$GPID/comm" 2>/dev/null)" = senemo-srtp-gua ] || h_fail "pid $GPID is not senemo-srtp-guard"
guard_rule() {   # on|off
    if [ "$1" = on ] && [ "$GUARD_RULE" = 0 ]; then
        alg_guard_rule -I 30000 39999 || h_fail "inserting the guard's rule"; GUARD_RULE=1
    elif [ "$1" = off ] && [ "$GUARD_RULE" = 1 ]; then
        alg_guard_rule -D 30000 39999 || h_fail "removing the guard's rule"; GUARD_RULE=0
    fi
}
TCK="$(getconf CLK_TCK)"
# rtpengine + the guard (the guard idles in poll() while its rule is out)
cpu_ticks() { awk '{ s += $14 + $15 } END { print s }' "/proc/$RPID/stat" "/proc/$GPID/stat"; }
guard_ticks() { awk '{ print $14 + $15 }' "/proc/$GPID/stat"; }

sdp_port() { sed -n 's/^m=audio \([0-9]*\) .*/\1/p' "$1" | head -1 | tr -d '\r'; }
sdp_key80() { sed -n 's/^a=crypto:[0-9]* AES_CM_128_HMAC_SHA1_80 \(inline:[^ |]*\).*/AES_CM_128_HMAC_SHA1_80:\1/p' "$1" | head -1 | tr -d '\r'; }

# setup_call KIND INDEX CN_PORT MN_PORT -> one line "cn_remote_port mn_remote_port alg_key mn_key"
# KIND srtp: SRTP on the Internet leg; plain: RTP/AVP on both legs (same flags otherwise)
setup_call() {
    local kind="$1" i="$2" cp="$3" mp="$4" id="$1-$2" r mnkey="" extra
    printf 'v=0\r\no=cn 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %s RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n' \
        "$CN" "$CN" "$cp" > "$D/o-$id.sdp"
    if [ "$kind" = srtp ]; then
        extra="$ALG_NG_TO_INET"
    else
        extra="9:direction$(alg_blist internal external)"
    fi
    alg_bsdp "$D/o-$id.sdp"
    r="$(ngg "d7:command5:offer7:call-id$(alg_bs "$id")8:from-tag$(alg_bs cn)3:sdp${ALG_SDP_B}${extra}${ALG_NG_COMMON}e")" || return 1
    alg_ng_sdp "$r" > "$D/mo-$id.sdp" || { echo "offer $id: $r" >&2; return 1; }
    if [ "$kind" = srtp ]; then
        mnkey="$("$SRTP" keygen)" || return 1
        printf 'v=0\r\no=mn 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %s RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\na=crypto:1 %s\r\n' \
            "$MN" "$MN" "$mp" "$mnkey" > "$D/a-$id.sdp"
    else
        printf 'v=0\r\no=mn 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %s RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n' \
            "$MN" "$MN" "$mp" > "$D/a-$id.sdp"
    fi
    alg_bsdp "$D/a-$id.sdp"
    r="$(ngg "d7:command6:answer7:call-id$(alg_bs "$id")8:from-tag$(alg_bs cn)6:to-tag$(alg_bs mn)3:sdp${ALG_SDP_B}${ALG_NG_COMMON}e")" || return 1
    alg_ng_sdp "$r" > "$D/ca-$id.sdp" || { echo "answer $id: $r" >&2; return 1; }
    echo "$(sdp_port "$D/ca-$id.sdp") $(sdp_port "$D/mo-$id.sdp") $(sdp_key80 "$D/mo-$id.sdp") ${mnkey/ inline:/:inline:}"
}

# streams files for one set of calls: cn-<set>.streams, mn-<set>.streams
make_set() {
    local kind="$1" set="$2" n="$3" base="$4" i line cport eport akey mkey
    : > "$D/cn-$set.streams"; : > "$D/mn-$set.streams"
    for ((i = 0; i < n; i++)); do
        line="$(setup_call "$kind" "$set$i" $((base + 2 * i)) $((base + 2 * i)))" || h_fail "call setup $set$i failed"
        read -r cport eport akey mkey <<< "$line"
        [ -n "$cport" ] && [ -n "$eport" ] || h_fail "call $set$i: no ports ($line)"
        echo "name=$set$i local=$CN:$((base + 2 * i)) remote=$ALG_IN:$cport" >> "$D/cn-$set.streams"
        if [ "$kind" = srtp ]; then
            [ -n "$akey" ] && [ -n "$mkey" ] || h_fail "call $set$i: no keys ($line)"
            echo "name=$set$i local=$MN:$((base + 2 * i)) remote=$ALG_EX:$eport tx-crypto=$mkey rx-crypto=$akey" >> "$D/mn-$set.streams"
        else
            echo "name=$set$i local=$MN:$((base + 2 * i)) remote=$ALG_EX:$eport" >> "$D/mn-$set.streams"
        fi
    done
}

jget() { grep -o "\"$2\":[^,}]*" "$1" | head -1 | cut -d: -f2- | tr -d '"'; }

h_log "setting up $STREAMS plain + $STREAMS SRTP relay calls over ng"
T0=$(date +%s)
make_set plain p "$STREAMS" 20000
make_set srtp s "$STREAMS" 22000
h_log "$(( 2 * STREAMS )) calls set up in $(( $(date +%s) - T0 )) s"

# ---- 1. relay cost ----------------------------------------------------------------
# idle rate of rtpengine and the guard (timers, housekeeping) with every call set up
c0="$(cpu_ticks)"; t0="$(date +%s%N)"; sleep 3
IDLE_TPS="$(awk -v a="$c0" -v b="$(cpu_ticks)" -v t0="$t0" -v t1="$(date +%s%N)" \
    'BEGIN { printf "%.4f", (b - a) / ((t1 - t0) / 1e9) }')"
h_log "rtpengine + guard idle: $IDLE_TPS ticks/s"

# relay_round MODE ROUND: one direction of one set for SECS seconds
# prints "relayed seconds cpu_s offered guard_cpu_s"
relay_round() {
    local mode="$1" k="$2" set txns rxns txf rxf pid c0 c1 t0 t1 g0 g1 count=$((SECS * 50))
    case "$mode" in
        plain)   set=p; txns="$INTRA"; rxns="$INET"; txf="$D/cn-p.streams"; rxf="$D/mn-p.streams" ;;
        srtp)    set=s; txns="$INTRA"; rxns="$INET"; txf="$D/cn-s.streams"; rxf="$D/mn-s.streams" ;;
        decrypt|decrypt_guard) set=s; txns="$INET"; rxns="$INTRA"; txf="$D/mn-s.streams"; rxf="$D/cn-s.streams" ;;
    esac
    if [ "$mode" = decrypt_guard ]; then guard_rule on; else guard_rule off; fi
    local base="$D/r$k-$mode"
    rm -f "$base.go" "$base.ready"
    ip netns exec "$rxns" "$SRTP" recv --streams-file "$rxf" --duration $((SECS + 8)) \
        --ready "$base.ready" --idle-exit 1500 > "$base-rx.json" 2> "$base-rx.err" &
    pid=$!
    h_wait_for 10 test -e "$base.ready" || h_fail "receiver for $mode did not start: $(cat "$base-rx.err")"
    c0="$(cpu_ticks)"; g0="$(guard_ticks)"; t0="$(date +%s%N)"
    ip netns exec "$txns" "$SRTP" send --streams-file "$txf" --count "$count" --duration $((SECS + 5)) \
        --linger 0 > "$base-tx.json" 2> "$base-tx.err" || h_fail "sender for $mode failed: $(cat "$base-tx.err")"
    sleep 0.3   # the last packets through rtpengine
    c1="$(cpu_ticks)"; g1="$(guard_ticks)"; t1="$(date +%s%N)"
    wait "$pid" || h_fail "receiver for $mode failed: $(cat "$base-rx.err")"
    awk -v v="$(jget "$base-rx.json" valid)" -v s="$(jget "$base-tx.json" sent)" -v c0="$c0" -v c1="$c1" \
        -v t0="$t0" -v t1="$t1" -v idle="$IDLE_TPS" -v tck="$TCK" -v g0="$g0" -v g1="$g1" \
        'BEGIN { secs = (t1 - t0) / 1e9; cpu = ((c1 - c0) - idle * secs) / tck; if (cpu < 0.01) cpu = 0.01;
                 printf "%d %.3f %.3f %d %.3f\n", v, secs, cpu, s, (g1 - g0) / tck }'
}

declare -A RATE LOSS DELIV CPU_US GUARD_US
MODES="plain srtp decrypt decrypt_guard"
for mode in $MODES; do RATE[$mode]=""; LOSS[$mode]=0; DELIV[$mode]=""; CPU_US[$mode]=""; GUARD_US[$mode]=""; done
G_ACC0="$(guard_stat accepted)"; G_DROP0=$(( $(guard_stat replay_dropped) + $(guard_stat auth_dropped) + $(guard_stat other_dropped) ))
for ((k = 1; k <= ROUNDS; k++)); do
    for mode in $MODES; do
        relay_round "$mode" "$k" > "$D/round.txt"   # not in $(...): h_fail must end the script
        read -r relayed secs cpu offered gcpu < "$D/round.txt"
        rate="$(awk -v r="$relayed" -v c="$cpu" 'BEGIN { printf "%.0f", r / c }')"
        RATE[$mode]+="$rate "
        DELIV[$mode]+="$(awk -v r="$relayed" -v s="$(jget "$D/r$k-$mode-tx.json" elapsed_s)" 'BEGIN { printf "%.0f", r / s }') "
        CPU_US[$mode]+="$(awk -v r="$relayed" -v c="$cpu" 'BEGIN { printf "%.2f", c * 1e6 / r }') "
        GUARD_US[$mode]+="$(awk -v r="$relayed" -v c="$gcpu" 'BEGIN { printf "%.2f", c * 1e6 / r }') "
        LOSS[$mode]=$(( ${LOSS[$mode]} + offered - relayed ))
        h_log "round $k $mode: $relayed/$offered packets relayed in ${secs}s, rtpengine + guard ${cpu} CPU-s (guard ${gcpu}) -> $rate packets per CPU-s"
    done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
PLAIN_PPS="$(median <<< "${RATE[plain]}")"
SRTP_PPS="$(median <<< "${RATE[srtp]}")"
DEC_PPS="$(median <<< "${RATE[decrypt]}")"
RATIO="$(awk -v s="$SRTP_PPS" -v p="$PLAIN_PPS" 'BEGIN { printf "%.3f", s / p }')"
DEC_RATIO="$(awk -v s="$DEC_PPS" -v p="$PLAIN_PPS" 'BEGIN { printf "%.3f", s / p }')"
GDEC_PPS="$(median <<< "${RATE[decrypt_guard]}")"
GDEC_RATIO="$(awk -v s="$GDEC_PPS" -v p="$PLAIN_PPS" 'BEGIN { printf "%.3f", s / p }')"
GUARD_RATIO="$(awk -v s="$GDEC_PPS" -v p="$DEC_PPS" 'BEGIN { printf "%.3f", s / p }')"
# the guard checked every packet of the decrypt_guard rounds and dropped none
G_ACC=$(( $(guard_stat accepted) - G_ACC0 ))
G_DROP=$(( $(guard_stat replay_dropped) + $(guard_stat auth_dropped) + $(guard_stat other_dropped) - G_DROP0 ))
[ "$G_DROP" = 0 ] || h_fail "the guard dropped $G_DROP packets of genuine streams: $(guard_stats)"
[ "$G_ACC" -gt 0 ] || h_fail "no packet went through the guard in the decrypt_guard rounds: $(guard_stats)"

# ---- 2. concurrent calls (through the guard) ---------------------------------------------
guard_rule on
T0=$(date +%s)
make_set srtp c "$CALLS" 24000
h_log "$CALLS concurrent calls set up in $(( $(date +%s) - T0 )) s; 50 pps each way for ${CALL_SECS}s"
N=$((CALL_SECS * 50))
B="$D/calls"; rm -f "$B.go"
ip netns exec "$INTRA" "$SRTP" run --streams-file "$D/cn-c.streams" --count "$N" --expect "$N" \
    --ready "$B-cn.ready" --go "$B.go" --duration $((CALL_SECS + 15)) --linger 1000 > "$B-cn.json" 2> "$B-cn.err" &
P1=$!
ip netns exec "$INET" "$SRTP" run --streams-file "$D/mn-c.streams" --count "$N" --expect "$N" \
    --ready "$B-mn.ready" --go "$B.go" --duration $((CALL_SECS + 15)) --linger 1000 > "$B-mn.json" 2> "$B-mn.err" &
P2=$!
h_wait_for 10 test -e "$B-cn.ready" -a -e "$B-mn.ready" || h_fail "call verifiers did not start: $(cat "$B-cn.err" "$B-mn.err")"
c0="$(cpu_ticks)"; t0="$(date +%s%N)"
touch "$B.go"
wait "$P1" || h_fail "CN side failed: $(cat "$B-cn.err")"
wait "$P2" || h_fail "MN side failed: $(cat "$B-mn.err")"
c1="$(cpu_ticks)"; t1="$(date +%s%N)"
CALL_CPU_PCT="$(awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v tck="$TCK" \
    'BEGIN { printf "%.1f", 100 * (c1 - c0) / tck / ((t1 - t0) / 1e9) }')"
# the CN's file has the MN->CN direction (SRTP -> RTP), the MN's the CN->MN one
for side in cn mn; do
    for k in expected unique lost duplicates bad_payload srtp_auth_fail jitter_ms_p99 jitter_ms_max gap_ms_max late_ms_max; do
        printf -v "C_${side}_$k" %s "$(jget "$B-$side.json" "$k")"
    done
done
C_EXPECTED=$(( C_cn_expected + C_mn_expected ))
C_LOST=$(( C_cn_lost + C_mn_lost ))
C_BAD=$(( C_cn_bad_payload + C_mn_bad_payload + C_cn_srtp_auth_fail + C_mn_srtp_auth_fail + C_cn_duplicates + C_mn_duplicates ))
LOSS_PCT="$(awk -v l="$C_LOST" -v e="$C_EXPECTED" 'BEGIN { printf "%.4f", e ? 100 * l / e : 100 }')"
JIT99="$(awk -v a="$C_cn_jitter_ms_p99" -v b="$C_mn_jitter_ms_p99" 'BEGIN { printf "%.3f", (a > b ? a : b) }')"
JITMAX="$(awk -v a="$C_cn_jitter_ms_max" -v b="$C_mn_jitter_ms_max" 'BEGIN { printf "%.3f", (a > b ? a : b) }')"
LATEMAX="$(awk -v a="$C_cn_late_ms_max" -v b="$C_mn_late_ms_max" 'BEGIN { printf "%.1f", (a > b ? a : b) }')"
GAPMAX="$(awk -v a="$C_cn_gap_ms_max" -v b="$C_mn_gap_ms_max" 'BEGIN { printf "%.1f", (a > b ? a : b) }')"

# ---- report -------------------------------------------------------------------------------
nums() { echo "$1" | sed 's/ *$//; s/ /, /g'; }
cat > "$OUT" <<EOF
{
  "srtp_pps": $SRTP_PPS,
  "plain_pps": $PLAIN_PPS,
  "ratio": $RATIO,
  "calls": $CALLS,
  "loss_pct": $LOSS_PCT,
  "jitter_ms_p99": $JIT99,
  "decrypt_pps": $DEC_PPS,
  "decrypt_ratio": $DEC_RATIO,
  "decrypt_guard_pps": $GDEC_PPS,
  "decrypt_guard_ratio": $GDEC_RATIO,
  "guard_ratio": $GUARD_RATIO,
  "guard_checked_packets": $G_ACC,
  "guard_dropped_genuine": $G_DROP,
  "guard_streams": $(guard_stat streams),
  "rate_unit": "packets relayed per CPU-second of rtpengine + senemo-srtp-guard (utime+stime from /proc, idle subtracted), median of rounds",
  "srtp_cpu_us_per_pkt": [$(nums "${CPU_US[srtp]}")],
  "plain_cpu_us_per_pkt": [$(nums "${CPU_US[plain]}")],
  "decrypt_cpu_us_per_pkt": [$(nums "${CPU_US[decrypt]}")],
  "decrypt_guard_cpu_us_per_pkt": [$(nums "${CPU_US[decrypt_guard]}")],
  "guard_cpu_us_per_pkt": [$(nums "${GUARD_US[decrypt_guard]}")],
  "guard_cpu_note": "the guard's share of decrypt_guard: its libsrtp check, the netlink round trip, and the rest of the kernel receive path up to rtpengine's socket, which the kernel runs in the guard's verdict call (without the guard that part is charged to the sending process, outside the measured CPU)",
  "srtp_pps_rounds": [$(nums "${RATE[srtp]}")],
  "plain_pps_rounds": [$(nums "${RATE[plain]}")],
  "decrypt_pps_rounds": [$(nums "${RATE[decrypt]}")],
  "decrypt_guard_pps_rounds": [$(nums "${RATE[decrypt_guard]}")],
  "relay_streams": $STREAMS,
  "relay_offered_pps": $((STREAMS * 50)),
  "relay_delivered_pps": { "plain": [$(nums "${DELIV[plain]}")], "srtp": [$(nums "${DELIV[srtp]}")], "decrypt": [$(nums "${DELIV[decrypt]}")], "decrypt_guard": [$(nums "${DELIV[decrypt_guard]}")] },
  "relay_lost_packets": { "plain": ${LOSS[plain]}, "srtp": ${LOSS[srtp]}, "decrypt": ${LOSS[decrypt]}, "decrypt_guard": ${LOSS[decrypt_guard]} },
  "relay_round_s": $SECS,
  "rounds": $ROUNDS,
  "rtpengine_guard_idle_ticks_per_s": $IDLE_TPS,
  "call_seconds": $CALL_SECS,
  "call_packets_expected": $C_EXPECTED,
  "call_packets_lost": $C_LOST,
  "call_packets_bad": $C_BAD,
  "jitter_ms_p99_cn_side": $C_cn_jitter_ms_p99,
  "jitter_ms_p99_mn_side": $C_mn_jitter_ms_p99,
  "jitter_ms_max": $JITMAX,
  "gap_ms_max": $GAPMAX,
  "sender_late_ms_max": $LATEMAX,
  "calls_rtpengine_cpu_pct": $CALL_CPU_PCT,
  "rtpengine": "$(rtpengine --version 2>&1 | sed -n 's/^Version: //p')",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
EOF
printf '\nSRTP ALG benchmark (rtpengine %s, userspace; %d streams x 50 pps, %d round(s) x %d s)\n' \
    "$(rtpengine --version 2>&1 | sed -n 's/^Version: //p')" "$STREAMS" "$ROUNDS" "$SECS"
printf '%-22s %18s %14s %18s %12s\n' "relay" "packets/CPU-s" "us/packet" "relayed pps" "lost"
for mode in $MODES; do
    case "$mode" in plain) l="plain RTP -> RTP";; srtp) l="RTP -> SRTP";; decrypt) l="SRTP -> RTP";; decrypt_guard) l="SRTP -> RTP + guard";; esac
    printf '%-22s %18s %14s %18s %12s\n' "$l" "$(median <<< "${RATE[$mode]}")" "$(median <<< "${CPU_US[$mode]}")" \
        "$(median <<< "${DELIV[$mode]}")" "${LOSS[$mode]}"
done
printf 'ratio RTP->SRTP / plain: %s (target >= 0.7)   SRTP->RTP / plain: %s   SRTP->RTP with the guard / plain: %s\n' \
    "$RATIO" "$DEC_RATIO" "$GDEC_RATIO"
printf 'the replay guard: SRTP->RTP with / without it: %s (it checked %s packets, dropped 0 genuine ones; RTP->SRTP never passes it);\n  guard CPU %s us/packet of the %s (incl. the kernel path to rtpengine it runs in its verdict call)\n' \
    "$GUARD_RATIO" "$G_ACC" "$(median <<< "${GUARD_US[decrypt_guard]}")" "$(median <<< "${CPU_US[decrypt_guard]}")"
printf '%d concurrent G.711 calls, %d s, 50 pps each way: %d/%d packets lost (%s %%, target 0), bad %d,\n' \
    "$CALLS" "$CALL_SECS" "$C_LOST" "$C_EXPECTED" "$LOSS_PCT" "$C_BAD"
printf '  jitter p99 %s ms (MN->CN %s, CN->MN %s), max %s ms, largest gap %s ms, rtpengine + guard CPU %s %%\n' \
    "$JIT99" "$C_cn_jitter_ms_p99" "$C_mn_jitter_ms_p99" "$JITMAX" "$GAPMAX" "$CALL_CPU_PCT"
printf '  (the load generators themselves sent up to %s ms late: that lateness is part of the jitter)\n' "$LATEMAX"
printf 'written: %s\n' "$OUT"
