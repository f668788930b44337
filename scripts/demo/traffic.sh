# shellcheck shell=bash
# ./senemo demo, part 4: traffic. SIPp registers the MNs through their NVG
# (HOTP, one round trip) and places calls that last through the moves;
# senemo-srtp plays the media at both ends (SRTP on the Internet leg, RTP in
# the intranet) once Proxy 2 drives the ALG.
SCEN="$H_ROOT/sipp-scenarios"
SRTP_TOOL="$H_BUILD/tools/senemo-srtp"
MN_UAS_PORT=5062; MN_UAC_PORT=5063; MN_REG_PORT=5061
CN_UAS_PORT=5080; CN_UAC_PORT=5090; CN_REG_PORT=5091

# demo_sipp_bg NS NAME SECONDS args... : SIPp in the background in its own
# directory $H_DIR/sipp-NAME (a daemon of the harness: stopped by the trap)
demo_sipp_bg() {
    local ns="$1" name="$2" t="$3"; shift 3
    local d="$H_DIR/sipp-$name"
    mkdir -p "$d"
    H_NS="" h_start "sipp-$name" bash -c 'cd "$1" && shift && exec "$@" </dev/null' _ "$d" \
        timeout "$t" ip netns exec "$ns" sipp -nostdin "$@" -trace_err -trace_logs -trace_stat -fd 1
}
# demo_sipp_wait NAME : exit status of that SIPp
demo_sipp_wait() { local pid; pid="$(h_pid "sipp-$1")"; wait "$pid"; }
# SIPp's final statistics: "successful failed" of NAME
sipp_counts() {
    local f; f="$(ls "$H_DIR/sipp-$1"/*_.csv 2>/dev/null | head -1)"
    [ -n "$f" ] || { echo "0 0"; return; }
    awk -F';' 'NR==1{for(i=1;i<=NF;i++) h[$i]=i; next} {s=$h["SuccessfulCall(C)"]; f=$h["FailedCall(C)"]} END{print s+0, f+0}' "$f"
}
sipp_logs() { cat "$H_DIR/sipp-$1"/*_logs.log 2>/dev/null; }
# a SIP T1 above the path's round trip, as bench auth does for the slow profiles
sipp_scen() {   # NAME.xml HOLD_MS -> path of the copy to run
    local t1=$(( RTT_MAX * 2 > 500 ? RTT_MAX * 2 : 500 ))
    sed -e "s/retrans=\"500\"/retrans=\"$t1\"/" -e "s/timeout=\"60000\" ontimeout=\"bye\"/timeout=\"${2:-60000}\" ontimeout=\"bye\"/" \
        "$SCEN/$1" > "$H_DIR/$1"
    echo "$H_DIR/$1"
}

# ---- registration -------------------------------------------------------------------
# demo_register N : every MN of both vehicles registers through its NVG;
# sets REG_OK REG_FAIL REG_T0 REG_T1
demo_register() {
    local n="$1" v i sf
    REG_T0="$(date +%s.%N)"
    if [ "$DEMO_MODE" = baseline ]; then
        # the baseline: each MN registers itself at Proxy 1 through the NAT
        # router with stock digest (REGISTER, 401, REGISTER, 200), its
        # Contact at the router's public address (port forwarded) and its
        # instance (GRUU)
        sipp_scen register_digest.xml > /dev/null     # (one copy for every run)
        for v in 1 2; do
            bl_register "$v" "$n" "reg$v" "$(egr_ip "$v" "$(eval echo "\$ATT_$v")")" -r 25 -l 25
        done
    else
        sf="$(sipp_scen demo_register.xml)"
        for v in 1 2; do
            { echo SEQUENTIAL; for i in $(seq 1 "$n"); do echo "$(mn_user "$v" "$i");$(otp "$(mn_user "$v" "$i")" 0)"; done; } \
                > "$H_DIR/reg$v.csv"
        done
        for v in 1 2; do
            demo_sipp_bg "$(mn_ns "$v")" "reg$v" $(( 60 + n )) -sf "$sf" -inf "$H_DIR/reg$v.csv" \
                -set domain "$DEMO_DOMAIN" -set ch "$(mn_ip "$v")" -set cp "$MN_UAS_PORT" \
                -m "$n" -r 25 -l 25 -i "$(mn_ip "$v")" -p "$MN_REG_PORT" -timeout "$(( 40 + n ))s" \
                -trace_rtt -rtt_freq 1 "$(ing_ip "$v"):5060"
        done
    fi
    local done_v=() ok fail
    REG_OK=0; REG_FAIL=0
    # progress: one counter line while the registrations run
    while :; do
        local running=0 s=0
        for v in 1 2; do kill -0 "$(h_pid "sipp-reg$v")" 2>/dev/null && running=1; done
        for v in 1 2; do read -r ok fail <<<"$(sipp_counts "reg$v")"; s=$((s + ok)); done
        progress "registering: $s / $((2 * n))"
        [ "$running" = 0 ] && break
        sleep 0.5
    done
    for v in 1 2; do demo_sipp_wait "reg$v"; read -r ok fail <<<"$(sipp_counts "reg$v")"
        REG_OK=$((REG_OK + ok)); REG_FAIL=$((REG_FAIL + n - ok)); done
    REG_T1="$(date +%s.%N)"
    if [ "$DEMO_MODE" = baseline ]; then
        progress_done "registered: $REG_OK / $((2 * n)) MNs (digest, each MN itself through the NAT router)"
    else
        progress_done "registered: $REG_OK / $((2 * n)) MNs (HOTP through their NVG)"
    fi
    # MN-side round trips (SIPp's rtd, ms)
    cat "$H_DIR"/sipp-reg*/*_rtt.csv 2>/dev/null | awk -F';' 'NR>1 && $2 ~ /^[0-9.]+$/ {print $2}' > "$H_DIR/reg_rtt_mn.txt"
}

# bl_register V N NAME PUBLIC [sipp args] : the baseline's MNs of vehicle V
# register (digest) with their Contact at PUBLIC (in the background, as the
# harness's daemon sipp-NAME)
bl_register() {
    local v="$1" n="$2" name="$3" pub="$4" i sf="$H_DIR/register_digest.xml"; shift 4
    { echo SEQUENTIAL; for i in $(seq 1 "$n"); do echo "$(mn_user "$v" "$i");$DEMO_DOMAIN;$(pw "$(mn_user "$v" "$i")")"; done; } \
        > "$H_DIR/$name.csv"
    demo_sipp_bg "$(mn_ns "$v")" "$name" $(( 60 + n )) -sf "$sf" -inf "$H_DIR/$name.csv" \
        -au '[field0]' -ap '[field2]' -set gruu 1 -set uac_port "$MN_UAC_PORT" -set ch "$pub" -set cp "$MN_UAS_PORT" -set expires 1800 \
        -cid_str "reg-v$v-%u@$DEMO_DOMAIN" -set c1 1 -set c2 2 -m "$n" "$@" -i "$(mn_ip "$v")" -p "$MN_REG_PORT" -timeout "$(( 40 + n ))s" \
        -trace_rtt -rtt_freq 1 "$P1_IP:$P1_PORT"
}

# After a move in the baseline every MN of a moved vehicle re-REGISTERs
# (digest) with its new public address (bl_reregister), then re-INVITEs each
# of its calls with it (bl_notify: an INFO from the mobile network tells each
# call; never on the egress link). demo_moves runs both in the background.
# bl_reregister V PUBLIC N K OLD_PUBLIC (the old bindings removed, expires=0)
bl_reregister() {
    local v="$1" pub="$2" n="$3" k="$4" old="$5" d="$H_DIR/sipp-bl$4-v$1" i
    local sf="$H_DIR/register_digest.xml"     # (written by demo_register)
    mkdir -p "$d"
    { echo SEQUENTIAL; for i in $(seq 1 "$n"); do echo "$(mn_user "$v" "$i");$DEMO_DOMAIN;$(pw "$(mn_user "$v" "$i")")"; done; } > "$d/reg.csv"
    ( cd "$d" && exec timeout $(( 60 + n )) ip netns exec "$(mn_ns "$v")" sipp -nostdin -sf "$sf" -inf reg.csv \
        -au '[field0]' -ap '[field2]' -set gruu 1 -set uac_port "$MN_UAC_PORT" -set ch "$pub" -set cp "$MN_UAS_PORT" \
        -set oldch "$old" -cid_str "reg-v$v-%u@$DEMO_DOMAIN" -set c1 $((2 * k + 1)) -set c2 $((2 * k + 2)) -set expires 1800 -m "$n" -r 10000 -l "$n" -i "$(mn_ip "$v")" -p "$MN_REG_PORT" -timeout "$(( 40 + n ))s" \
        -trace_err -trace_stat -fd 1 "$P1_IP:$P1_PORT" </dev/null > reg.out 2>&1 ) \
        || echo "vehicle $v: not every MN re-registered after move $k" >&2
    return 0
}
# bl_notify V PUBLIC K
bl_notify() {
    local v="$1" pub="$2" k="$3" d="$H_DIR/sipp-bl$3-v$1" side port c
    mkdir -p "$d"
    for side in uac uas; do
        [ "$side" = uac ] && port=$MN_UAC_PORT || port=$MN_UAS_PORT
        awk -v s="mn$v" '$2 == s {print $4}' "$H_DIR/est-$side.txt" > "$d/$side.ids"
        [ -s "$d/$side.ids" ] || continue
        { echo SEQUENTIAL; cat "$d/$side.ids"; } > "$d/$side.csv"
        c="$(wc -l < "$d/$side.ids")"
        ( cd "$d" && exec timeout 30 ip netns exec "$(mn_ns "$v")" sipp -nostdin -sf "$SCEN/handoff_bl_trigger.xml" \
            -inf "$side.csv" -set pub "$pub" -m "$c" -r 10000 -l "$c" -i "$(mn_ip "$v")" -p 5064 \
            -timeout 20s -trace_err "$(mn_ip "$v"):$port" </dev/null > "trig-$side.out" 2>&1 ) \
            || echo "vehicle $v: move notices ($side) after move $k failed" >&2
    done
    return 0
}

# demo_register_cns C : the intranet CNs cn-1..cn-C at Proxy 2 (no NVG, no Proxy 1)
demo_register_cns() {
    local c="$1" i
    [ "$c" -gt 0 ] || return 0
    { echo SEQUENTIAL; for i in $(seq 1 "$c"); do echo "cn-$i"; done; } > "$H_DIR/cns.csv"
    demo_sipp_bg "$NS_INTRA" cnreg 60 -sf "$SCEN/nvg_register.xml" -inf "$H_DIR/cns.csv" \
        -set domain "$DEMO_DOMAIN" -set ch "$CN_IP" -set cp "$CN_UAS_PORT" -set expires 1800 \
        -m "$c" -r 50 -i "$CN_IP" -p "$CN_REG_PORT" -timeout 40s "$P2_IP:$P2_PORT"
    demo_sipp_wait cnreg || h_log "not every CN registration succeeded ($(sipp_counts cnreg))"
}

# ---- calls ---------------------------------------------------------------------------------
# The call plan, one line per call in $H_DIR/calls.tsv:
#   key kind caller callee caller_ns_side callee_side
# kinds: cn2mn (CN at home calls an MN), mn2cn, mn2mn (vehicle to vehicle)
newkey() { "$SRTP_TOOL" keygen AES_CM_128_HMAC_SHA1_80; }
auth_hdr() { # USER OTP
    printf 'Proxy-Authorization: HOTP username="%s", realm="%s", otp="%s"' "$1" "$DEMO_DOMAIN" "$2"
}
wrap() { echo $(( ( ($1 - 1) % $2 ) + 1 )); }
# an MN caller's credential: its K-th OTP in Proxy-Authorization (HOTP),
# none in the baseline (digest: answers the 407 with the password, field6)
mn_auth() { if [ "$DEMO_MODE" = baseline ]; then echo "X-SeNEMO-Auth: digest"; else auth_hdr "$1" "$(otp "$1" "$2")"; fi; }
mn_pw() { [ "$DEMO_MODE" = baseline ] && echo ";$(pw "$1")"; return 0; }

demo_plan_calls() {
    local n="$1" k="$2" x="$3" j v i c
    N_CN2MN=$(( (k + 1) / 2 )); N_MN2CN=$(( k / 2 )); N_MM=$(( 2 * x ))
    CALLS_TOTAL=$(( N_CN2MN + N_MN2CN + N_MM ))
    : > "$H_DIR/calls.tsv"
    declare -g -A UAC_LINES=() UAC_N=() UAS_N=()
    UAC_LINES[cn]=""; UAC_N[cn]=0; UAS_N[cn]=0
    for v in 1 2; do UAC_LINES[mn$v]=""; UAC_N[mn$v]=0; UAS_N[mn$v]=0; done
    add_uac() { # side line
        local port=$(( ${UAC_BASE[$1]} + 2 * ${UAC_N[$1]} ))
        UAC_LINES[$1]+="${2//@PORT@/$port}"$'\n'; UAC_N[$1]=$(( ${UAC_N[$1]} + 1 ))
    }
    declare -g -A UAC_BASE=([mn1]=40000 [mn2]=40000 [cn]=42000)
    for j in $(seq 0 $((N_CN2MN - 1))); do
        v=$(( j % 2 + 1 )); i=$(wrap $(( j / 2 + 1 )) "$n")
        echo "cn2mn-$((j + 1)) cn2mn cn-home $(mn_user "$v" "$i") cn mn$v" >> "$H_DIR/calls.tsv"
        add_uac cn "$(mn_user "$v" "$i");cn-home;X-SeNEMO-Auth: none;@PORT@;RTP/AVP;a=x-senemo-media:plain"
        UAS_N[mn$v]=$(( ${UAS_N[mn$v]} + 1 ))
    done
    for j in $(seq 0 $((N_MN2CN - 1))); do
        v=$(( j % 2 + 1 )); i=$(wrap $(( n - j / 2 )) "$n"); c="cn-$((j + 1))"
        echo "mn2cn-$((j + 1)) mn2cn $(mn_user "$v" "$i") $c mn$v cn" >> "$H_DIR/calls.tsv"
        add_uac "mn$v" "$c;$(mn_user "$v" "$i");$(mn_auth "$(mn_user "$v" "$i")" 1);@PORT@;RTP/SAVP;a=crypto:1 $(newkey)$(mn_pw "$(mn_user "$v" "$i")")"
        UAS_N[cn]=$(( ${UAS_N[cn]} + 1 ))
    done
    for j in $(seq 0 $((N_MM - 1))); do
        v=$(( j % 2 + 1 )); local w=$(( 3 - v )); i=$(wrap $(( n / 2 + j / 2 + 1 )) "$n")
        echo "mn2mn-$((j + 1)) mn2mn $(mn_user "$v" "$i") $(mn_user "$w" "$i") mn$v mn$w" >> "$H_DIR/calls.tsv"
        add_uac "mn$v" "$(mn_user "$w" "$i");$(mn_user "$v" "$i");$(mn_auth "$(mn_user "$v" "$i")" 2);@PORT@;RTP/SAVP;a=crypto:1 $(newkey)$(mn_pw "$(mn_user "$v" "$i")")"
        UAS_N[mn$w]=$(( ${UAS_N[mn$w]} + 1 ))
    done
    # answering sides: one line per expected call
    local s base
    for s in cn mn1 mn2; do
        printf '%s' "${UAC_LINES[$s]}" | sed '/^$/d' | { echo SEQUENTIAL; cat; } > "$H_DIR/uac-$s.csv"
        [ "$s" = cn ] && base=43000 || base=41000
        { echo SEQUENTIAL
          for j in $(seq 0 $(( ${UAS_N[$s]} + 4 ))); do
              if [ "$s" = cn ]; then echo "$((base + 2 * j));RTP/AVP;a=x-senemo-media:plain"
              else echo "$((base + 2 * j));RTP/SAVP;a=crypto:1 $(newkey)"; fi
          done; } > "$H_DIR/uas-$s.csv"
    done
}

side_ns() { case "$1" in cn) echo "$NS_INTRA" ;; mn1) mn_ns 1 ;; mn2) mn_ns 2 ;; esac; }
side_ip() { case "$1" in cn) echo "$CN_IP" ;; mn1) mn_ip 1 ;; mn2) mn_ip 2 ;; esac; }
# the address a side puts in its SDP: its own, or in the baseline the MNs'
# vehicle's public address (the NAT router's, as from STUN)
side_pub() {
    if [ "$DEMO_MODE" = baseline ] && [ "$1" != cn ]; then egr_ip "${1#mn}" "$(eval echo "\$ATT_${1#mn}")"
    else side_ip "$1"; fi
}
# the baseline's MNs use their GRUU as Contact (reached through Proxy 2's
# registrar wherever they are)
side_gruu() { [ "$DEMO_MODE" = baseline ] && [ "$1" != cn ] && echo "-set gruu 1"; return 0; }

# demo_calls_start HOLD_MS : UAS then UAC processes; waits until every call
# is established (or SETUP_S passed); sets CALLS_UP
demo_calls_start() {
    local hold="$1" s uas uac
    uas="$(sipp_scen demo_uas.xml)"; uac="$(sipp_scen demo_uac.xml "$hold")"
    local life=$(( hold / 1000 + SETUP_S + 60 ))
    for s in cn mn1 mn2; do
        local port=$MN_UAS_PORT; [ "$s" = cn ] && port=$CN_UAS_PORT
        [ "${UAS_N[$s]}" -gt 0 ] || continue
        demo_sipp_bg "$(side_ns "$s")" "uas-$s" "$life" -sf "$uas" -inf "$H_DIR/uas-$s.csv" \
            -set domain "$DEMO_DOMAIN" -set pub "$(side_pub "$s")" $(side_gruu "$s") \
            -m "${UAS_N[$s]}" -i "$(side_ip "$s")" -p "$port" -timeout "$(( life - 10 ))s"
    done
    sleep 0.5
    CALLS_T0="$(date +%s.%N)"
    for s in cn mn1 mn2; do
        [ "${UAC_N[$s]}" -gt 0 ] || continue
        local dst port=$MN_UAC_PORT auth=()
        if [ "$s" = cn ]; then dst="$P2_IP:$P2_PORT"; port=$CN_UAC_PORT
        elif [ "$DEMO_MODE" = baseline ]; then dst="$P1_IP:$P1_PORT"; auth=(-au '[field1]' -ap '[field6]')
        else dst="$(ing_ip "${s#mn}"):5060"; fi
        demo_sipp_bg "$(side_ns "$s")" "uac-$s" "$life" -sf "$uac" -inf "$H_DIR/uac-$s.csv" "${auth[@]}" \
            -set pub "$(side_pub "$s")" $(side_gruu "$s") \
            -set domain "$DEMO_DOMAIN" -m "${UAC_N[$s]}" -r 20 -l "${UAC_N[$s]}" \
            -i "$(side_ip "$s")" -p "$port" -timeout "$(( life - 10 ))s" "$dst"
    done
    local end=$(( $(date +%s) + SETUP_S ))
    while :; do
        CALLS_UP="$(for s in cn mn1 mn2; do sipp_logs "uac-$s"; done | grep -c '^EST ')"
        progress "calling: $CALLS_UP / $CALLS_TOTAL established"
        [ "$CALLS_UP" -ge "$CALLS_TOTAL" ] && break
        [ "$(date +%s)" -ge "$end" ] && break
        # every caller gave up already
        local alive=0; for s in cn mn1 mn2; do [ "${UAC_N[$s]}" -gt 0 ] && kill -0 "$(h_pid "sipp-uac-$s")" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.3
    done
    CALLS_T1="$(date +%s.%N)"
    progress_done "calls: $CALLS_UP / $CALLS_TOTAL established"
}

# establishment records, joined by Call-ID: key callid side local_port remote_addr remote_port crypto
demo_call_records() {
    local s
    for s in cn mn1 mn2; do sipp_logs "uac-$s" | awk -v s="$s" '$1 == "EST" {print "uac", s, $0}'; done > "$H_DIR/est-uac.txt"
    for s in cn mn1 mn2; do sipp_logs "uas-$s" | awk -v s="$s" '$1 == "EST" {print "uas", s, $0}'; done > "$H_DIR/est-uas.txt"
}

# ---- media ------------------------------------------------------------------------------------
# a=crypto value "1 SUITE inline:KEY|2^31|..." -> SUITE:inline:KEY (streams-file form)
crypto_tok() { awk '{split($3, k, "|"); if ($2 != "" && k[1] ~ /^inline:/) print $2 ":" k[1]}' <<<"$1"; }

# demo_media_start SECONDS : one verifier per side (namespace) with one
# stream per established call end; they start sending together
demo_media_start() {
    local dur="$1" s
    MEDIA_STREAMS=0
    for s in cn mn1 mn2; do
        : > "$H_DIR/streams-$s.txt"
    done
    # own keys: the UAC's offer (uac-*.csv, by local port), the UAS's answer (uas-*.csv)
    local role side rest
    while read -r role side est callid a b lport raddr rport crypto; do
        [ -n "$raddr" ] && [ -n "$rport" ] || continue
        local csv="$H_DIR/$role-$side.csv" own
        if [ "$role" = uac ]; then own="$(awk -F';' -v p="$lport" '$4 == p {print $6}' "$csv")"
        else own="$(awk -F';' -v p="$lport" '$1 == p {print $3}' "$csv")"; fi
        local line="name=$role-$side-$lport local=$(side_ip "$side"):$lport remote=$raddr:$rport"
        local tx rx
        tx="$(crypto_tok "${own#a=crypto:}")"; rx="$(crypto_tok "$crypto")"
        [ -n "$tx" ] && line+=" tx-crypto=$tx"
        [ -n "$rx" ] && line+=" rx-crypto=$rx"
        echo "$line" >> "$H_DIR/streams-$side.txt"
        echo "$callid $role-$side-$lport" >> "$H_DIR/stream-calls.txt"
        MEDIA_STREAMS=$((MEDIA_STREAMS + 1))
    done < <(cat "$H_DIR/est-uac.txt" "$H_DIR/est-uas.txt")
    rm -f "$H_DIR/media.go"
    for s in cn mn1 mn2; do
        [ -s "$H_DIR/streams-$s.txt" ] || continue
        H_NS="$(side_ns "$s")" h_start "media-$s" "$SRTP_TOOL" run --streams-file "$H_DIR/streams-$s.txt" \
            --count $(( dur * 50 )) --duration $(( dur + 3 )) --linger 1500 --per-stream \
            --ready "$H_DIR/media-$s.ready" --go "$H_DIR/media.go" --out "$H_DIR/media-$s.json"
        h_wait_for 10 test -e "$H_DIR/media-$s.ready" || h_fail "media verifier $s did not bind its sockets"
    done
    MEDIA_T0="$(date +%s.%N)"
    touch "$H_DIR/media.go"
}
demo_media_wait() {
    local s
    for s in cn mn1 mn2; do
        [ -s "$H_DIR/streams-$s.txt" ] || continue
        wait "$(h_pid "media-$s")" || h_log "media verifier $s exited with $?"
    done
}
