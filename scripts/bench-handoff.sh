#!/bin/bash
# ./senemo bench handoff: SIP signalling on the vehicle's access link per
# network handoff, NVG vs the per-MN baseline, measured in one run, on the
# emulated links of DESIGN.md (h_link_emulate: delay line + rate).
#
#   scripts/bench-handoff.sh            links wlan umts, 100 MNs, 50 calls,
#                                       5 handoffs per mode and link, sweep
#                                       10/100/1000 MNs on umts
#   env: HANDOFF_LINKS="wlan umts" HANDOFF_MNS=100 HANDOFF_CALLS=50
#        HANDOFF_MOVES=5 HANDOFF_SWEEP="10 100 1000" (empty: no sweep)
#
# Topology (network namespaces, like tests/integration/test_nvg_handoff.sh):
#   mobile (MNs, SIPp) -- vehicle router ("nvg" namespace: egress egr0 with
#   MASQUERADE) == emulated access link (router namespace, rveh <-> rhome)
#   == home (freeDiameterd + app_hotp, Proxy 1 with hotp_auth, Proxy 2 with
#   urilist and rtpengine as the ALG, CNs: SIPp).
#
# Modes, same daemons, same run, same link:
#   nvg       Kamailio nvg.cfg runs on the vehicle router; MNs register and
#             call through it (HOTP); a move is `ip addr del/add` on egr0;
#             the NVG sends one REGISTER and one list INVITE.
#   baseline  the vehicle router is a plain NAT router (no Kamailio); every
#             MN registers and calls through Proxy 1 itself (HOTP); after a
#             move every MN re-REGISTERs (HOTP) and re-INVITEs each of its
#             calls itself. The MNs learn of the move by an INFO on the
#             mobile network (handoff_bl_trigger.xml; never on the egress
#             link), sent right after the address change.
#
# Counted per handoff on the egress link (tshark on the router's vehicle-side
# interface, IP fragments reassembled): SIP messages and bytes (UDP datagram
# + IP header), without the list transactions of other handoffs (Proxy 2
# repeats a list's 200 for seconds; those land in later windows).
# Completion: the address change (clock read just before `ip addr del`) ->
# the last SIP final response of the handoff on the egress link (REGISTER
# 200, list 200 / re-INVITE 200s; retransmitted responses do not count).
# Messages are counted as captured (retransmissions included) and, apart,
# without retransmissions. Media is not part of it: the SIPp endpoints
# send no RTP (the JSON says so in "completion_measure").
# calls_lost: calls that did not survive the moves (their final BYE through
# the route set failed), both modes added.

source "$(dirname "$0")/../tests/lib/harness.sh"
source "$(dirname "$0")/../tests/lib/netns.sh"
h_init bench_handoff

LINKS="${HANDOFF_LINKS:-wlan umts}"
N="${HANDOFF_MNS:-100}"
S="${HANDOFF_CALLS:-50}"
MOVES="${HANDOFF_MOVES:-5}"
SWEEP="${HANDOFF_SWEEP-10 100 1000}"
BL_WAIT="${HANDOFF_BASELINE_WAIT:-120}"   # s a baseline handoff may take at most
OUT="$H_BUILD/bench/handoff.json"
mkdir -p "$H_BUILD/bench"
SCEN="$H_ROOT/sipp-scenarios"
DOM=vpn.example.com
NVGD=nvg-7.vpn.example.com
ING=198.18.10.1 INNER=198.18.99.1 MNIP=198.18.10.2 HOMEIP=198.18.30.2
ALG_EX=198.18.30.3
P1=5060 P2=5070
HOTP="$H_BUILD/tools/senemo-hotp"
T_START=$(date +%s)
for c in oathtool tshark dumpcap rtpengine; do
    command -v "$c" >/dev/null || h_fail "$c is needed"
done
MAXN=$N
for n in $SWEEP; do [ "$n" -gt "$MAXN" ] && MAXN=$n; done

# ---- topology ----------------------------------------------------------------------
MOB=$(h_netns mobile) || exit 1
VEH=$(h_netns nvg) || exit 1
RTR=$(h_netns router) || exit 1
HOM=$(h_netns home) || exit 1
h_veth "$MOB" mn0 "$MNIP/24" "$VEH" ing0 "$ING/24"
h_veth "$VEH" egr0 198.18.20.2/24 "$RTR" rveh 198.18.20.1/24
h_veth "$RTR" rhome 198.18.30.1/24 "$HOM" home0 "$HOMEIP/24"
for n in 21 22; do ip -n "$RTR" addr add "198.18.$n.1/24" dev rveh || h_fail "router address"; done
ip -n "$HOM" addr add "$ALG_EX/24" dev home0 || h_fail "ALG external address"
ip -n "$VEH" addr add "$INNER/32" dev lo || h_fail "inner address"
h_route "$MOB" default "$ING"
h_route "$VEH" default 198.18.20.1
h_route "$HOM" default 198.18.30.1
ip netns exec "$VEH" iptables -w -t nat -A POSTROUTING -o egr0 -j MASQUERADE || h_fail "MASQUERADE"
ip netns exec "$VEH" iptables -w -t nat -A PREROUTING -i egr0 -p udp --dport 5060 \
    -j DNAT --to-destination "$INNER:5060" || h_fail "DNAT"
EGR=198.18.20.2

# ---- home: Diameter, rtpengine, Proxy 2, Proxy 1 ------------------------------------------
secret_of() { printf '%040x' "$1"; }
H_NS="$HOM" h_diameter_pair p1
NVG_SECRET="$(secret_of 7777)"
"$HOTP" --db "$H_HOTP_DB" add "sip:nvg-7@$DOM" --secret-hex "$NVG_SECRET" >/dev/null || h_fail "provision nvg-7"
printf '%s\n' "$NVG_SECRET" > "$H_DIR/nvg.secret"; chmod 600 "$H_DIR/nvg.secret"
h_log "provisioning $MAXN HOTP accounts"
for i in $(seq 1 "$MAXN"); do
    "$HOTP" --db "$H_HOTP_DB" add "sip:mn-$i@$DOM" --secret-hex "$(secret_of "$i")" >/dev/null \
        || h_fail "provision mn-$i"
done
NG="$(h_port)"
H_NS="$HOM" h_start rtpengine rtpengine --foreground --log-stderr \
    --config-file="$H_ROOT/cfg/rtpengine/rtpengine.conf" --config-section=senemo \
    --interface="internal/$HOMEIP" --interface="external/$ALG_EX" \
    --listen-ng="127.0.0.1:$NG" --port-min=30000 --port-max=39999 \
    --delete-delay=0 --log-level=4 --pidfile="$H_DIR/rtpengine.pid"
h_wait_for 15 ip netns exec "$HOM" "$H_BUILD/tools/senemo-ng" 127.0.0.1 "$NG" 'd7:command4:pinge' \
    || h_fail "rtpengine does not answer"
H_KAM_SHM=256 H_NS="$HOM" h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" \
    -A "LISTEN=udp:$HOMEIP:$P2" -A REG_MIN_EXPIRES=1 -A "RTPENGINE_SOCK=\"udp:127.0.0.1:$NG\"" \
    -A "INTERNET_PEERS=\"$HOMEIP:$P1\""
H_KAM_SHM=256 H_NS="$HOM" h_kamailio proxy1 "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN \
    -A "LISTEN=udp:$HOMEIP:$P1" -A "NEXT_HOP=\"sip:$HOMEIP:$P2\"" \
    -A "CDP_CONFIG=\"$H_CDP_XML\""

# ---- helpers ---------------------------------------------------------------------------
declare -A CTR
otp_next() { local c="${CTR[$1]:-0}"; CTR[$1]=$((c + 1)); OTP="$(oathtool --hotp -c "$c" "$(secret_of "$1")")"; }
sipp_bg() { # NS NAME args... -> SIPP_PID
    local ns="$1" name="$2"; shift 2
    mkdir -p "$H_DIR/$name.d"
    ( cd "$H_DIR/$name.d" && exec timeout 900 ip netns exec "$ns" sipp -nostdin "$@" \
        -trace_err -trace_stat -fd 1 -stf "$H_DIR/$name.stat" > "$H_DIR/$name.log" 2>&1 ) &
    SIPP_PID=$!
}
sipp_col() { # NAME COLUMN: last value of a SIPp statistics column
    awk -F';' -v col="$2" 'NR==1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
               NR > 1 && c { v = $c } END { print v + 0 }' "$H_DIR/$1.stat" 2>/dev/null || echo 0
}
sipp_ok() { sipp_col "$1" "SuccessfulCall(C)"; }
now_ms() { date +%s%3N; }
nvg_val() { h_kamcmd nvg nvg.status | awk -v k="$1:" '$1 == k { print $2 }'; }
cap_start() {
    h_start_ns "$RTR" "cap_$1" dumpcap -q -i rveh \
        -f "udp port 5060 or (ip[6:2] & 0x1fff != 0)" -w "$H_DIR/$1.pcap"
    h_wait_for 10 test -s "$H_DIR/$1.pcap" || h_fail "dumpcap $1"
}
cap_stop() { sleep 0.3; h_stop "cap_$1"; }
# What belongs to the handoff: every SIP message in the window except the
# list transactions of *other* NVG handoffs (Proxy 2 retransmits a list's 200
# for seconds: see the report), i.e. display filter $CAP_FILTER.
CAP_FILTER='sip'
# SIP messages / bytes (UDP datagrams + IP header, reassembled) / last response
cap_count() { tshark -r "$H_DIR/$1.pcap" -Y "$CAP_FILTER" 2>/dev/null | grep -c . || true; }
cap_bytes() {
    tshark -r "$H_DIR/$1.pcap" -Y "$CAP_FILTER" -T fields -e udp.length -e ip.hdr_len 2>/dev/null \
        | awk '{ s += $1 + ($2 ? $2 : 40) } END { print s + 0 }'
}
cap_last_rsp_ms() { # the last *first* final response (retransmissions ignored)
    tshark -r "$H_DIR/$1.pcap" -Y "($CAP_FILTER) && sip.Status-Code >= 200" -T fields -E separator='|' \
        -e frame.time_epoch -e sip.Call-ID -e sip.CSeq.method -e sip.Status-Code 2>/dev/null \
        | awk -F'|' '{ k = $2 "|" $3 "|" $4; if (!(k in seen)) { seen[k] = 1; if ($1 > m) m = $1 } }
                     END { printf "%.0f\n", m * 1000 }'
}
# SIP messages without retransmissions (the same Call-ID, CSeq, method/status
# seen again)
cap_count_distinct() {
    tshark -r "$H_DIR/$1.pcap" -Y "$CAP_FILTER" -T fields -E separator='|' -e sip.Call-ID -e sip.CSeq \
        -e sip.Method -e sip.Status-Code 2>/dev/null | sort -u | grep -c . || true
}
cap_rsp200() { # NAME METHOD: 2xx answers to METHOD
    tshark -r "$H_DIR/$1.pcap" -Y "sip.Status-Code == 200 && sip.CSeq.method == \"$2\"" 2>/dev/null | grep -c . || true
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (!NR) { print 0; exit } print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
EGR_ALT=(198.18.21.2 198.18.22.2)
move() { # to the other access network; prints nothing, sets EGR and T_MOVE
    local new gw
    if [ "$EGR" = "${EGR_ALT[0]}" ]; then new="${EGR_ALT[1]}"; else new="${EGR_ALT[0]}"; fi
    gw="${new%.*}.1"
    T_MOVE=$(now_ms)
    ip -n "$VEH" addr del "$EGR/24" dev egr0 && ip -n "$VEH" addr add "$new/24" dev egr0 \
        && ip -n "$VEH" route replace default via "$gw" || h_fail "move to $new"
    EGR=$new
}
reset_egress() {
    [ "$EGR" = 198.18.20.2 ] && return 0
    ip -n "$VEH" addr del "$EGR/24" dev egr0; ip -n "$VEH" addr add 198.18.20.2/24 dev egr0
    ip -n "$VEH" route replace default via 198.18.20.1; EGR=198.18.20.2
}
cn_reg() {
    printf 'SEQUENTIAL\ncn-p\n' > "$H_DIR/cn.csv"
    sipp_bg "$HOM" cnreg -sf "$SCEN/nvg_register.xml" -inf "$H_DIR/cn.csv" -set domain "$DOM" \
        -set ch "$HOMEIP" -set cp 5082 -set expires 3600 -m 1 -i "$HOMEIP" -p 5091 "$HOMEIP:$P2" -timeout 20s
    wait "$SIPP_PID" || h_fail "CN registration"
}
cn_reg

# register MNs 1..n (HOTP) at DST (the NVG's ingress or Proxy 1)
register_mns() { # TAG N DST RATE
    local f="$H_DIR/reg-$1.csv" i
    echo SEQUENTIAL > "$f"
    for i in $(seq 1 "$2"); do otp_next "$i"; echo "mn-$i;$OTP" >> "$f"; done
    sipp_bg "$MOB" "reg-$1" -sf "$SCEN/handoff_mn_register.xml" -inf "$f" -set domain "$DOM" \
        -set ch "$MNIP" -set cp 5062 -m "$2" -r "$4" -l "$2" -i "$MNIP" -p 5061 "$3" -timeout 600s
    wait "$SIPP_PID" || h_fail "registration $1 failed ($(sipp_ok "reg-$1") of $2; see reg-$1.log)"
}

# ---- one measurement: mode (nvg|baseline), link, n MNs, s calls, moves -----------------------
# sets R_MSGS R_BYTES R_MS (medians per handoff), R_LOST, R_MOVED (nvg: dialogs
# moved by the list in the last handoff)
run_mode() {
    local mode="$1" link="$2" n="$3" s="$4" moves="$5" hold i m dst
    local tag="$1-$2-$3"
    local -a msgs=() bytes=() ms=() dmsgs=()
    R_INCOMPLETE=0
    h_log "== $mode on $link: $n MNs, $s calls, $moves handoffs"
    reset_egress
    # hold long enough for the moves (slow links: several seconds each)
    if [ "$link" = umts ]; then hold=$(( moves * 12000 + s * 500 + 40000 ))
    else hold=$(( (moves + 4) * 4000 + s * 200 )); fi
    if [ "$mode" = nvg ]; then
        # the counter file stays: a fresh one would replay OTPs (403)
        rm -f "$H_DIR/nvg.sqlite"
        H_NS="$VEH" h_kamailio nvg "$H_ROOT/cfg/kamailio/nvg.cfg" -A WITH_PLAIN -A "LISTEN=udp:$ING:5060" \
            -A "INNER_LISTEN=udp:$INNER:5060" -A 'EGRESS_IF="egr0"' -A "NEXT_HOP=\"sip:$HOMEIP:$P1\"" \
            -A "NVG_DOMAIN=\"$NVGD\"" -A 'INGRESS_NET="198.18.10.0/24"' \
            -A "DB_URL=\"sqlite://$H_DIR/nvg.sqlite\"" -A NVG_REGISTER -A REGISTER_EXPIRES=3600 \
            -A "HOTP_SECRET_FILE=\"$H_DIR/nvg.secret\"" -A "HOTP_COUNTER_FILE=\"$H_DIR/nvg.counter\"" \
            -A "MAX_BINDINGS=$((MAXN + 100))" -A LOG_LEVEL=1
        h_wait_for 60 bash -c "kamcmd -s unix:$H_DIR/nvg.ctl nvg.status | h_grepq 'own_registration: registered'" \
            || h_fail "the NVG did not register"
        dst="$ING:5060"
    else
        dst="$HOMEIP:$P1"
    fi
    register_mns "$tag" "$n" "$dst" $([ "$link" = umts ] && echo 10 || echo 200)
    # calls: mn-1..mn-s -> cn-p
    local f="$H_DIR/calls-$tag.csv" scen="$H_DIR/mn-$tag.xml"
    echo SEQUENTIAL > "$f"
    for i in $(seq 1 "$s"); do otp_next "$i"; echo "mn-$i;$OTP;cn-p" >> "$f"; done
    if [ "$mode" = nvg ]; then
        sed -e "s/timeout=\"45000\"/timeout=\"$hold\"/" "$SCEN/handoff_mn_uac.xml" > "$scen"
    else
        h_render "$SCEN/handoff_bl_mn_uac.xml" "$scen" HOLD_MS="$hold"
    fi
    sipp_bg "$HOM" "cn-$tag" -sf "$SCEN/handoff_cn_passive.xml" -i "$HOMEIP" -p 5082 -m "$s"
    local cn_pid=$SIPP_PID
    sleep 0.5
    local cdst="$HOMEIP:$P1"
    [ "$mode" = nvg ] && cdst="$ING:5060"
    sipp_bg "$MOB" "mnc-$tag" -sf "$scen" -inf "$f" -set domain "$DOM" -m "$s" -l "$s" \
        -r $([ "$link" = umts ] && echo 2 || echo 100) -i "$MNIP" -p 5063 -mp 40000 \
        -cid_str "c%u-$tag" "$cdst"
    local mn_pid=$SIPP_PID
    # every call up (the CN's SIPp counts it as current)
    h_wait_for 300 bash -c "[ \$(awk -F';' 'NR==1 { for (i = 1; i <= NF; i++) if (\$i == \"CurrentCall\") c = i } NR > 1 && c { v = \$c } END { print v + 0 }' $H_DIR/cn-$tag.stat 2>/dev/null) -ge $s ]" \
        || h_fail "$tag: only $(sipp_col "cn-$tag" CurrentCall) of $s calls set up (mnc-$tag.log)"
    # let the set-up's last retransmissions (slow links) drain before measuring
    sleep $([ "$link" = umts ] && echo 10 || echo 1)
    if [ "$mode" = baseline ]; then
        { echo SEQUENTIAL; for i in $(seq 1 "$s"); do echo "c$i-$tag"; done; } > "$H_DIR/trig-$tag.csv"
    fi
    for m in $(seq 1 "$moves"); do
        local c="$tag-$m" gen0 t_last
        CAP_FILTER='sip'
        cap_start "$c"
        if [ "$mode" = nvg ]; then
            gen0="$(nvg_val handoff_gen)"
            move
            h_wait_for 120 bash -c "s=\$(kamcmd -s unix:$H_DIR/nvg.ctl nvg.status); \
                grep -q 'handoff_gen: $((gen0 + 1))\$' <<<\"\$s\" && grep -q 'handoff_state: idle' <<<\"\$s\"" \
                || h_fail "$c: handoff did not finish"
            R_MOVED="$(nvg_val last_moved_by_list)"
            CAP_FILTER="sip && (!(sip.Call-ID matches \"^nvg-ho-\") || sip.Call-ID matches \"^nvg-ho-$((gen0 + 1))-\")"
        else
            local otpf="$H_DIR/rereg-$c.csv"
            echo SEQUENTIAL > "$otpf"
            for i in $(seq 1 "$n"); do otp_next "$i"; echo "mn-$i;$OTP" >> "$otpf"; done
            move
            # every MN: re-REGISTER (HOTP) and re-INVITE its call
            sipp_bg "$MOB" "rereg-$c" -sf "$SCEN/handoff_mn_register.xml" -inf "$otpf" -set domain "$DOM" \
                -set ch "$MNIP" -set cp 5062 -m "$n" -r 10000 -l "$n" -i "$MNIP" -p 5061 "$HOMEIP:$P1" -timeout ${BL_WAIT}s
            local rp=$SIPP_PID
            sipp_bg "$MOB" "trig-$c" -sf "$SCEN/handoff_bl_trigger.xml" -inf "$H_DIR/trig-$tag.csv" \
                -m "$s" -r 10000 -l "$s" -i "$MNIP" -p 5064 "$MNIP:5063" -timeout 60s
            local tp=$SIPP_PID
            wait "$rp" || h_log "$c: not every re-REGISTER got 200 ($(sipp_ok "rereg-$c") of $n)"
            wait "$tp" || h_log "$c: not every MN got the move notice"
            h_wait_for "$BL_WAIT" bash -c "[ \$(tshark -r $H_DIR/$c.pcap -Y 'sip.Status-Code == 200 && sip.CSeq.method == \"INVITE\"' 2>/dev/null | grep -c .) -ge $s ]" \
                || { h_log "$c: only $(cap_rsp200 "$c" INVITE) of $s re-INVITEs answered 200 within ${BL_WAIT} s"; R_INCOMPLETE=$((R_INCOMPLETE + 1)); }
            [ "$(cap_rsp200 "$c" REGISTER)" -ge "$n" ] || R_INCOMPLETE=$((R_INCOMPLETE + 1))
        fi
        cap_stop "$c"
        msgs+=("$(cap_count "$c")"); bytes+=("$(cap_bytes "$c")"); dmsgs+=("$(cap_count_distinct "$c")")
        t_last="$(cap_last_rsp_ms "$c")"
        ms+=("$((t_last - T_MOVE))")
        h_log "$c: ${msgs[-1]} SIP messages (${dmsgs[-1]} without retransmissions), ${bytes[-1]} bytes, completion ${ms[-1]} ms"
        sleep $([ "$link" = umts ] && echo 2 || echo 1)
    done
    # end: the MNs hang up after `hold` without traffic; a call whose BYE fails is lost
    wait "$mn_pid"
    local ok; ok="$(sipp_ok "mnc-$tag")"
    R_LOST=$((s - ok))
    kill "$cn_pid" 2>/dev/null; wait "$cn_pid" 2>/dev/null
    [ "$mode" = nvg ] && h_stop nvg
    R_MSGS="$(printf '%s\n' "${msgs[@]}" | median)"
    R_BYTES="$(printf '%s\n' "${bytes[@]}" | median)"
    R_MS="$(printf '%s\n' "${ms[@]}" | median)"
    R_DMSGS="$(printf '%s\n' "${dmsgs[@]}" | median)"
    h_log "$tag: median $R_MSGS msgs, $R_BYTES bytes, $R_MS ms per handoff; $R_LOST of $s calls lost"
}

RUNS=()
SWEEP_JSON=()
declare -A SW_NVG SW_BL SW_NVGD SW_BLD
# the JSON so far (written after every measurement: a run cut short still
# leaves what it measured)
write_json() {
    local t; t=$(date +%s)
    {
        printf '{"benchmark":"handoff","completion_measure":"address change -> last SIP final response of the handoff on the egress link (retransmissions ignored; media not measured: SIPp endpoints send no RTP)",'
        printf '"baseline_wait_s":%d,"duration_s":%d,"runs":[%s],"sweep":[%s]}\n' "$BL_WAIT" $((t - T_START)) \
            "$(IFS=,; echo "${RUNS[*]}")" "$(IFS=,; echo "${SWEEP_JSON[*]:-}")"
    } > "$OUT"
}
for link in $LINKS; do
    h_link_emulate "$RTR" rveh rhome "$link"
    run_mode nvg "$link" "$N" "$S" "$MOVES"
    nm=$R_MSGS nb=$R_BYTES nt=$R_MS nl=$R_LOST nmv=$R_MOVED nd=$R_DMSGS
    run_mode baseline "$link" "$N" "$S" "$MOVES"
    bm=$R_MSGS bb=$R_BYTES bt=$R_MS bl=$R_LOST bd=$R_DMSGS binc=$R_INCOMPLETE
    [ "$link" = umts ] && { SW_NVG[$N]=$nm; SW_BL[$N]=$bm; SW_NVGD[$N]=$nd; SW_BLD[$N]=$bd; }
    mr="$(awk -v b="$bm" -v n="$nm" 'BEGIN { printf "%.2f", n ? b / n : 0 }')"
    tr="$(awk -v b="$bt" -v n="$nt" 'BEGIN { printf "%.2f", n ? b / n : 0 }')"
    mrd="$(awk -v b="$bd" -v n="$nd" 'BEGIN { printf "%.2f", n ? b / n : 0 }')"
    RUNS+=("{\"link\":\"$link\",\"n_mns\":$N,\"n_calls\":$S,\"handoffs\":$MOVES,\"nvg.egress_msgs_per_handoff\":$nm,\"nvg.egress_bytes_per_handoff\":$nb,\"baseline.egress_msgs_per_handoff\":$bm,\"baseline.egress_bytes_per_handoff\":$bb,\"msg_ratio\":$mr,\"nvg.completion_ms_p50\":$nt,\"baseline.completion_ms_p50\":$bt,\"time_ratio\":$tr,\"calls_lost\":$((nl + bl)),\"nvg.calls_lost\":$nl,\"baseline.calls_lost\":$bl,\"nvg.dialogs_moved_by_list_last\":${nmv:-0},\"nvg.egress_msgs_no_retrans_per_handoff\":$nd,\"baseline.egress_msgs_no_retrans_per_handoff\":$bd,\"baseline.incomplete_handoffs\":$binc,\"msg_ratio_no_retrans\":$mrd}")
    write_json
    h_link_emulate_off "$RTR" rveh
done

SWEEP_JSON=()
if [ -n "$SWEEP" ]; then
    h_link_emulate "$RTR" rveh rhome umts
    for n in $SWEEP; do
        s=$(( n / 2 < S ? n / 2 : S ))
        if [ -z "${SW_NVG[$n]:-}" ]; then
            run_mode nvg umts "$n" "$s" 1; SW_NVG[$n]=$R_MSGS; SW_NVGD[$n]=$R_DMSGS
            run_mode baseline umts "$n" "$s" 1; SW_BL[$n]=$R_MSGS; SW_BLD[$n]=$R_DMSGS
        fi
        SWEEP_JSON+=("{\"n_mns\":$n,\"n_calls\":$s,\"nvg_egress_msgs\":${SW_NVG[$n]},\"baseline_egress_msgs\":${SW_BL[$n]},\"nvg_egress_msgs_no_retrans\":${SW_NVGD[$n]},\"baseline_egress_msgs_no_retrans\":${SW_BLD[$n]}}")
        write_json
    done
    h_link_emulate_off "$RTR" rveh
fi

write_json
T_END=$(date +%s)
write_json
python3 -m json.tool "$OUT" > /dev/null || h_fail "bad JSON in $OUT"
echo
printf '%-6s %5s %5s | %10s %12s | %10s %12s | %7s | %8s %8s %6s | %s\n' link MNs calls nvg_msgs nvg_bytes bl_msgs bl_bytes ratio nvg_ms bl_ms t_rat lost
python3 - "$OUT" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["runs"]:
    print("%-6s %5d %5d | %10s %12s | %10s %12s | %7s | %8s %8s %6s | %s" % (r["link"], r["n_mns"], r["n_calls"],
        r["nvg.egress_msgs_per_handoff"], r["nvg.egress_bytes_per_handoff"], r["baseline.egress_msgs_per_handoff"],
        r["baseline.egress_bytes_per_handoff"], r["msg_ratio"], r["nvg.completion_ms_p50"], r["baseline.completion_ms_p50"],
        r["time_ratio"], r["calls_lost"]))
for s in d["sweep"]:
    print("sweep umts %5d MNs %4d calls: nvg %s msgs, baseline %s msgs" % (s["n_mns"], s["n_calls"], s["nvg_egress_msgs"], s["baseline_egress_msgs"]))
print("written", sys.argv[1])
EOF
h_pass "bench handoff done in $((T_END - T_START)) s"
