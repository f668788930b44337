# shellcheck shell=bash
# ./senemo demo, part 2: every daemon, from the project's own cfg/ files
# with -A overrides (harness functions of tests/lib/harness.sh), and the
# access-link emulation of DESIGN.md's profiles.

# ---- what the tree can do now (read from the shipped files, never assumed) ----
# (no pipe into grep -q: under pipefail the writer's SIGPIPE would make a
# match look like a failure, now and then)
# _cfg_grep FILE ERE : a line of FILE that is not a comment matches ERE
_cfg_grep() { awk -v re="$2" '!/^[[:space:]]*#[^!]/ && $0 ~ re { f = 1 } END { exit !f }' "$1" 2>/dev/null; }
# Proxy 2 drives rtpengine from SIP (flow 5): an rtpengine_* call in its config
cap_p2_media() { _cfg_grep "$H_ROOT/cfg/kamailio/proxy2.cfg" 'rtpengine_(offer|answer|manage)[(]'; }
# Proxy 2 consumes the NVG's handoff list (flow 3): route[URILIST] no longer 501
cap_p2_handoff() { ! _cfg_grep "$H_ROOT/cfg/kamailio/proxy2-urilist.cfg" '"501"'; }
# the NVG reacts to its own address change (netlink watcher in the module)
cap_nvg_handoff() { grep -sqE 'RTM_NEWADDR|NETLINK_ROUTE' "$H_ROOT/kamailio-modules/nvg/"*.c; }
# a define exists in a config (so an -A override for it means something)
cfg_has_define() { grep -qE "^#!ifn?def $2\$" "$1" 2>/dev/null; }
# the NVG authenticates its own requests with HOTP (flow 4): its secret file
cap_nvg_hotp() { cfg_has_define "$H_ROOT/cfg/kamailio/nvg.cfg" HOTP_SECRET_FILE; }
# the NVG follows its egress interface's address (rtnetlink)
cap_nvg_egress_if() { cfg_has_define "$H_ROOT/cfg/kamailio/nvg.cfg" EGRESS_IF; }

# ---- link emulation -------------------------------------------------------------
# demo_links NACC PROFILES... : each access router shapes its links toward the
# vehicles (uplink and downlink) with its profile
demo_links() {
    local nacc="$1" a v p; shift
    for a in $(seq 1 "$nacc"); do
        p="${LINK_PROFILE[$a]}"
        for v in 1 2; do
            h_link_emulate "$(acc_ns "$a")" "v$v" wan0 "$p" >/dev/null
        done
    done
}

# ---- TLS between the NVGs and Proxy 1 (the cfgs' default; --plain: none) -----------------
# two private CAs as a deployment has them: the home CA signs Proxy 1's
# certificate and is the NVGs' only trust anchor, the vehicle CA signs the
# NVGs' certificates and is Proxy 1's trust anchor for its TLS clients
demo_tls_certs() {
    local c="$H_DIR/certs" v
    h_tls_certs --ca-name "SeNEMO demo home CA" "$c/home" "proxy1.$DEMO_DOMAIN"
    h_tls_certs --ca-name "SeNEMO demo vehicle CA" "$c/vehicles" "nvg-1.$DEMO_DOMAIN" "nvg-2.$DEMO_DOMAIN"
    h_kamailio_tls_cfg "$H_DIR/tls-proxy1.cfg" "$c/home" "proxy1.$DEMO_DOMAIN" "$c/vehicles/ca.pem"
    for v in 1 2; do
        h_kamailio_tls_cfg "$H_DIR/tls-nvg$v.cfg" "$c/vehicles" "nvg-$v.$DEMO_DOMAIN" "$c/home/ca.pem"
    done
    # Proxy 1 writes its TLS session secrets here (senemo-sslkeylog,
    # LD_PRELOAD): the report reads the egress captures as SIP with them
    DEMO_TLS_KEYLOG="$H_DIR/tls-keys.log"
    : > "$DEMO_TLS_KEYLOG"; chmod 600 "$DEMO_TLS_KEYLOG"
    [ -f "$H_BUILD/tools/libsenemo-sslkeylog.so" ] \
        || note "no $H_BUILD/tools/libsenemo-sslkeylog.so: the egress captures cannot be decrypted, the report shows no SIP on the egress links"
}

# ---- daemons ------------------------------------------------------------------------
NG_PORT=2223 GUARD_NG_PORT=2224 GUARD_QUEUE=100
demo_daemons() {
    local v
    # (freeDiameter + app_hotp: started by demo.sh before provisioning)
    # rtpengine, the shipped configuration with the namespace's addresses
    H_NS="$NS_HOME" h_start rtpengine rtpengine --foreground --log-stderr \
        --config-file="$H_ROOT/cfg/rtpengine/rtpengine.conf" --config-section=senemo \
        --interface="internal/$P2_IP" --interface="external/$ALG_EXT_IP" \
        --listen-ng="127.0.0.1:$NG_PORT" --port-min="$ALG_PORT_MIN" --port-max="$ALG_PORT_MAX" \
        --delete-delay=0 --pidfile="$H_DIR/rtpengine.pid"
    h_wait_for 15 ip netns exec "$NS_HOME" "$H_BUILD/tools/senemo-ng" 127.0.0.1 "$NG_PORT" 'd7:command4:pinge' \
        || h_fail "rtpengine does not answer ng ping"
    # senemo-srtp-guard in front of it (SRTP replay protection, srtp-guard/README.md):
    # Proxy 2's ng goes through the guard; UDP to the ALG's external ports is
    # queued to it (mangle INPUT: filter rules still apply after its verdict;
    # no --queue-bypass: fail closed, a dead guard shows in the report)
    H_NS="$NS_HOME" h_start srtp-guard "$H_BUILD/tools/senemo-srtp-guard" \
        --ng-listen "127.0.0.1:$GUARD_NG_PORT" --ng-upstream "127.0.0.1:$NG_PORT" --queue "$GUARD_QUEUE" \
        --control "$H_DIR/guard.sock" --pidfile "$H_DIR/guard.pid"
    h_wait_for 10 test -s "$H_DIR/guard.pid" || h_fail "senemo-srtp-guard did not start"
    ip netns exec "$NS_HOME" iptables -w -t mangle -I INPUT -d "$ALG_EXT_IP" -p udp \
        --dport "$ALG_PORT_MIN:$ALG_PORT_MAX" -j NFQUEUE --queue-num "$GUARD_QUEUE" || h_fail "NFQUEUE rule for the guard"
    h_wait_for 10 ip netns exec "$NS_HOME" "$H_BUILD/tools/senemo-ng" 127.0.0.1 "$GUARD_NG_PORT" 'd7:command4:pinge' \
        || h_fail "no ng ping through senemo-srtp-guard"

    # Proxy 2: registrar, NVG home role, urilist, rtpengine control
    local p2args=(-A "LISTEN=udp:$P2_IP:$P2_PORT" -A "DOMAIN=\"$DEMO_DOMAIN\""
        -A "RTPENGINE_SOCK=\"udp:127.0.0.1:$GUARD_NG_PORT\"")
    # Proxy 2 tells Internet-side calls from intranet ones by the hop they come from
    cfg_has_define "$H_ROOT/cfg/kamailio/proxy2.cfg" INTERNET_PEERS \
        && p2args+=(-A "INTERNET_PEERS=\"$P1_IP:$P1_PORT,$P1_IP\"")
    # requests for MNs go to their NVG through Proxy 1 (the firewall lets SIP
    # into the home network only at Proxy 1, so in-dialog requests of the
    # NVGs must come back through it)
    cfg_has_define "$H_ROOT/cfg/kamailio/proxy2.cfg" INTERNET_VIA \
        && p2args+=(-A "INTERNET_VIA=\"sip:$P1_IP:$P1_PORT\"")
    # the baseline's MNs register from outside without an NVG: Proxy 2 keeps
    # the Path through Proxy 1 and resolves their GRUUs in dialogs
    # (each baseline MN registers its answering and its calling SIPp, two
    # ports of one UA, as two contacts: calls for the AoR go to the first)
    [ "$DEMO_MODE" = baseline ] && p2args+=(-A WITH_PATH -A WITH_GRUU -A BEST_CONTACT)
    H_NS="$NS_HOME" h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" "${p2args[@]}" "${P2_EXTRA[@]}"

    # Proxy 1: HOTP over Diameter (or none with --auth none), overload control
    local p1args=(-A "LISTEN=udp:$P1_IP:$P1_PORT" -A "NEXT_HOP=\"sip:$P2_IP:$P2_PORT\""
        -A "CDP_CONFIG=\"$H_CDP_XML\"" -A "DIAMETER_REALM=\"$DEMO_DOMAIN\"")
    # (the baseline always authenticates: digest, whatever --auth says)
    [ "$AUTH" = none ] && [ "$DEMO_MODE" = nvg ] && p1args+=(-A NO_AUTH)
    cfg_has_define "$H_ROOT/cfg/kamailio/proxy1.cfg" HOME_NET && p1args+=(-A "HOME_NET=\"$P2_IP/32\"")
    # the Internet leg: mutual TLS (plain from the home network: Proxy 2,
    # HOME_NET), or plain everywhere (--plain, the baseline)
    local p1env=()
    if [ "${DEMO_TLS:-0}" = 1 ]; then
        # (client certificates: hosts under vpn.example.com, TLS_PEER_DOMAIN_RE's default)
        p1args+=(-A "TLS_LISTEN=tls:$P1_IP:$P1_TLS_PORT" -A "TLS_CONFIG=\"$H_DIR/tls-proxy1.cfg\"")
        [ -f "$H_BUILD/tools/libsenemo-sslkeylog.so" ] && p1env=1
    else
        cfg_has_define "$H_ROOT/cfg/kamailio/proxy1.cfg" WITH_PLAIN && p1args+=(-A WITH_PLAIN)
    fi
    # the baseline: stock digest (auth_db) for requests without HOTP, Path
    [ "$DEMO_MODE" = baseline ] && p1args+=(-A WITH_DIGEST -A "DB_URL=\"sqlite://$DEMO_DIGEST_DB\"" -A WITH_PATH)
    # cdp (Kamailio 5.6) sometimes sends its CER without Host-IP-Address
    # (getsockname() on its connection's descriptor number in a process that
    # does not hold it: "Socket operation on non-socket" in Proxy 1's log),
    # which freeDiameter refuses; cdp then never opens the peer. A fresh
    # start of Proxy 1 gets it; noted in the report when it happens.
    local try
    for try in 1 2 3; do
        if [ "${#p1env[@]}" -gt 0 ]; then
            LD_PRELOAD="$H_BUILD/tools/libsenemo-sslkeylog.so" SSLKEYLOGFILE="$DEMO_TLS_KEYLOG" \
                H_NS="$NS_HOME" h_kamailio "proxy1" "$H_ROOT/cfg/kamailio/proxy1.cfg" "${p1args[@]}"
        else
            H_NS="$NS_HOME" h_kamailio "proxy1" "$H_ROOT/cfg/kamailio/proxy1.cfg" "${p1args[@]}"
        fi
        [ "$AUTH" = hotp ] || break
        if h_wait_for 12 bash -c "kamcmd -s unix:$H_DIR/proxy1.ctl hotp_auth.uar sip:nvg-1@$DEMO_DOMAIN | h_grepq -E '^[0-9]+\$'"; then
            break
        fi
        [ "$try" = 3 ] && h_fail "Proxy 1 has no Diameter peer (cdp -> freeDiameter), 3 starts"
        note "Proxy 1's cdp did not open the Diameter peer (CER refused: $(grep -c 'Host-IP-Address' "$H_DIR/dm-fd.log") times without Host-IP-Address); Proxy 1 restarted"
        cp "$H_DIR/proxy1.log" "$H_DIR/proxy1-try$try.log"
        h_stop proxy1
    done

    # the NVGs (needs their HOTP accounts provisioned first); none in the
    # baseline (a plain NAT router)
    [ "$DEMO_MODE" = baseline ] && return 0
    for v in 1 2; do
        local a; a="$(eval echo "\$ATT_$v")"
        local args=(-A "LISTEN=udp:$(ing_ip "$v"):5060" -A "INNER_LISTEN=udp:$(inner_ip "$v"):5060"
            -A "NVG_DOMAIN=\"nvg-$v.$DEMO_DOMAIN\"" -A "INGRESS_NET=\"$(ing_net "$v")\""
            -A "DB_URL=\"sqlite://$H_DIR/nvg$v.sqlite\"" -A NVG_REGISTER -A REGISTER_EXPIRES=600
            -A NVG_TIMER=1 -A MAX_EXPIRES=3600
            # only home (Proxy 1) may send requests in on the egress side: a
            # request for an MN from anywhere else gets 403 at the NVG
            -A "HOME_PEERS=\"$P1_IP/32\"")
        if [ "${DEMO_TLS:-0}" = 1 ]; then
            # to Proxy 1 over mutual TLS, from the TLS socket on the inner address
            args+=(-A "NEXT_HOP=\"sip:$P1_IP:$P1_TLS_PORT;transport=tls\""
                -A "TLS_LISTEN=tls:$(inner_ip "$v"):5060" -A "TLS_CONFIG=\"$H_DIR/tls-nvg$v.cfg\"")
        else
            args+=(-A "NEXT_HOP=\"sip:$P1_IP:$P1_PORT\"")
            cfg_has_define "$H_ROOT/cfg/kamailio/nvg.cfg" WITH_PLAIN && args+=(-A WITH_PLAIN)
        fi
        if cap_nvg_egress_if; then
            args+=(-A 'EGRESS_IF="egr0"')
        else
            args+=(-A "ADVERTISE_IP=$(egr_ip "$v" "$a")")
        fi
        if [ "$AUTH" = hotp ] && cap_nvg_hotp; then
            # the NVG's own HOTP secret (provisioned with senemo-hotp) and counter
            args+=(-A "HOTP_SECRET_FILE=\"$H_DIR/otp/nvg-$v.key\"" -A "HOTP_COUNTER_FILE=\"$H_DIR/nvg-$v.counter\"")
        fi
        H_NS="$(nvg_ns "$v")" h_kamailio "nvg$v" "$H_ROOT/cfg/kamailio/nvg.cfg" "${args[@]}"
    done
}

# demo_nvg_registered V [SECONDS] : the NVG's own AoR is registered
demo_nvg_registered() {
    h_wait_for "${2:-15}" bash -c "kamcmd -s unix:$H_DIR/nvg$1.ctl nvg.status | h_grepq 'own_registration: registered'"
}
nvg_own_status() { h_kamcmd "nvg$1" nvg.status 2>/dev/null | grep -E 'own_' | tr '\n' ' '; }
