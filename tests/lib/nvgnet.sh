# shellcheck shell=bash
# An NVG in front of the home network, in network namespaces, with HOTP at
# Proxy 1 (source after harness.sh and netns.sh):
#
#   mobile (MNIP 198.18.10.2: MNs, SIPp)
#     | ingress 198.18.10.0/24
#   nvg: nvg.cfg on ING 198.18.10.1 and the stable inner INNER 198.18.99.1
#        (/32 on lo); egress egr0 EGR 198.18.20.2 with MASQUERADE + DNAT of
#        inbound SIP (udp/5060) to the inner address
#     | 198.18.20.0/24
#   router ("internet", 198.18.20.1 and 198.18.30.1)
#     | 198.18.30.0/24
#   home HOMEIP 198.18.30.2: freeDiameterd + app_hotp, Proxy 1 (:5060,
#        hotp_auth), Proxy 2 (:5070, registrar, nvg home role, no ALG)
#
#   nvgnet_topology          the namespaces: sets MOB NVG RTR HOM
#   nvgnet_home N            Diameter, accounts nvg-7 and mn-1..mn-N (secret
#                            of mn-i: nvgnet_secret i), Proxy 2, Proxy 1
#                            (more -A for it in NVGNET_P1_ARGS; for Proxy 2
#                            in NVGNET_P2_ARGS); sets
#                            NVG_ARGS: the NVG's -A list (HOTP, SQLite).
#                            NVG <-> Proxy 1 is plain UDP (-A WITH_PLAIN on
#                            both) unless NVGNET_PLAIN=() is set before: then
#                            the caller adds the TLS -A (test_tls_nvg.sh)
#   nvgnet_nvg NAME [-A ...] start (or restart) the NVG as NAME; waits for
#                            its own registration (NVGNET_T_CTL: ms when
#                            its control socket first answered)
#   nvgnet_register_mns FROM TO COUNTER NAME  mn-FROM..mn-TO register through
#                            the NVG with the OTP of COUNTER (SIPp, all 200)
NVGNET_DOM=vpn.example.com
NVGNET_P1_ARGS=()
NVGNET_P2_ARGS=()
NVGNET_PLAIN=(-A WITH_PLAIN)
NVGNET_NVGD=nvg-7.vpn.example.com
ING=198.18.10.1 INNER=198.18.99.1 EGR=198.18.20.2 HOMEIP=198.18.30.2 MNIP=198.18.10.2

nvgnet_topology() {
    MOB=$(h_netns mobile) || exit 1
    NVG=$(h_netns nvg) || exit 1
    RTR=$(h_netns router) || exit 1
    HOM=$(h_netns home) || exit 1
    h_veth "$MOB" mn0 "$MNIP/24" "$NVG" ing0 "$ING/24"
    h_veth "$NVG" egr0 "$EGR/24" "$RTR" rveh 198.18.20.1/24
    h_veth "$RTR" rhome 198.18.30.1/24 "$HOM" home0 "$HOMEIP/24"
    ip -n "$NVG" addr add "$INNER/32" dev lo || h_fail "inner address"
    h_route "$MOB" default "$ING"
    h_route "$NVG" default 198.18.20.1
    h_route "$HOM" default 198.18.30.1
    ip netns exec "$NVG" iptables -w -t nat -A POSTROUTING -o egr0 -j MASQUERADE \
        || h_fail "MASQUERADE in $NVG"
    ip netns exec "$NVG" iptables -w -t nat -A PREROUTING -i egr0 -p udp --dport 5060 \
        -j DNAT --to-destination "$INNER:5060" || h_fail "DNAT in $NVG"
}

nvgnet_secret() { printf '%040x' "$(( $1 * 7919 + 13 ))"; }

nvgnet_home() {
    local n="$1" i
    H_NS="$HOM" h_diameter_pair p1
    NVGNET_HOTP=("$H_BUILD/tools/senemo-hotp" --db "$H_HOTP_DB")
    NVGNET_NVG_SECRET="$(nvgnet_secret 100000)"
    "${NVGNET_HOTP[@]}" add "sip:nvg-7@$NVGNET_DOM" --secret-hex "$NVGNET_NVG_SECRET" >/dev/null \
        || h_fail "provisioning nvg-7"
    printf '%s\n' "$NVGNET_NVG_SECRET" > "$H_DIR/nvg.secret"
    chmod 600 "$H_DIR/nvg.secret"
    for i in $(seq 1 "$n"); do
        "${NVGNET_HOTP[@]}" add "sip:mn-$i@$NVGNET_DOM" --secret-hex "$(nvgnet_secret "$i")" >/dev/null \
            || h_fail "provisioning mn-$i"
    done
    H_NS="$HOM" h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" -A "LISTEN=udp:$HOMEIP:5070" \
        -A REG_MIN_EXPIRES=1 -A NO_ALG "${NVGNET_P2_ARGS[@]}"
    nvgnet_proxy1
    NVG_ARGS=("${NVGNET_PLAIN[@]}" -A "LISTEN=udp:$ING:5060" -A "INNER_LISTEN=udp:$INNER:5060" -A "ADVERTISE_IP=$EGR"
        -A "NEXT_HOP=\"sip:$HOMEIP:5060\"" -A "NVG_DOMAIN=\"$NVGNET_NVGD\""
        -A 'INGRESS_NET="198.18.10.0/24"' -A "DB_URL=\"sqlite://$H_DIR/nvg.sqlite\""
        -A NVG_REGISTER -A REGISTER_EXPIRES=600 -A NVG_TIMER=1
        -A "HOTP_SECRET_FILE=\"$H_DIR/nvg.secret\"" -A "HOTP_COUNTER_FILE=\"$H_DIR/nvg.counter\"")
}

# nvgnet_proxy1: (re)start Proxy 1 (after nvgnet_home) and wait for its Diameter peer
nvgnet_proxy1() {
    H_NS="$HOM" h_kamailio proxy1 "$H_ROOT/cfg/kamailio/proxy1.cfg" "${NVGNET_PLAIN[@]}" -A "LISTEN=udp:$HOMEIP:5060" \
        -A "NEXT_HOP=\"sip:$HOMEIP:5070\"" -A "CDP_CONFIG=\"$H_CDP_XML\"" -A NO_OVSENSE \
        "${NVGNET_P1_ARGS[@]}"
    h_wait_for 45 bash -c "kamcmd -s unix:$H_DIR/proxy1.ctl hotp_auth.status | h_grepq 'peers_open: 1'" \
        || h_fail "Proxy 1's cdp did not open the Diameter peer"
}

nvgnet_nvg() {
    local name="$1"; shift
    H_NS="$NVG" h_kamailio "$name" "$H_ROOT/cfg/kamailio/nvg.cfg" "${NVG_ARGS[@]}" "$@"
    NVGNET_T_CTL="$(date +%s%3N)"    # its control socket answers
    h_wait_for 40 bash -c "kamcmd -s unix:$H_DIR/$name.ctl nvg.status | h_grepq 'own_registration: registered'" \
        || h_fail "the NVG $name did not register its own AoR (HOTP through Proxy 1): $(h_kamcmd "$name" nvg.status | grep -E 'own_|last_error')"
}

nvgnet_register_mns() {
    local from="$1" to="$2" c="$3" name="$4" f="$H_DIR/$4.csv" i
    echo SEQUENTIAL > "$f"
    for i in $(seq "$from" "$to"); do
        echo "mn-$i;$(oathtool --hotp -c "$c" "$(nvgnet_secret "$i")")" >> "$f"
    done
    ( cd "$H_DIR" && timeout 120 ip netns exec "$MOB" sipp -nostdin \
        -sf "$H_ROOT/sipp-scenarios/handoff_mn_register.xml" -inf "$f" -set domain "$NVGNET_DOM" \
        -set ch "$MNIP" -set cp 5062 -m $((to - from + 1)) -r "${NVGNET_REG_RATE:-50}" -l 20 \
        -i "$MNIP" -p "${NVGNET_REG_PORT:-5061}" "$ING:5060" -timeout 90s -trace_err -trace_stat -fd 1 \
        -error_file "$H_DIR/$name.err" > "$H_DIR/$name.log" 2>&1 )
}

# SIPp's final statistics screen (-trace_stat -fd 1 > NAME.log)
nvgnet_ok() { sed -n 's/^  Successful call *| *[0-9]* *| *\([0-9]*\).*/\1/p' "$H_DIR/$1.log" | tail -1; }
nvgnet_failed() { sed -n 's/^  Failed call *| *[0-9]* *| *\([0-9]*\).*/\1/p' "$H_DIR/$1.log" | tail -1; }
