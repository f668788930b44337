# The SRTP ALG's home network for integration tests (bash): three namespaces,
# rtpengine from cfg/rtpengine/rtpengine.conf, senemo-srtp-guard (SRTP replay
# protection: ng proxy + NFQUEUE filter, srtp-guard/README.md) in front of
# it, Proxy 2 (cfg/kamailio/proxy2.cfg) driving rtpengine through the guard,
# and Proxy 1 (NO_AUTH: the relay path of the VPN edge).
# Source after tests/lib/harness.sh and tests/lib/netns.sh, after h_init.
#
#   intra ns: CN 198.18.10.2 (more CN addresses: ip -n "$INTRA" addr add)
#     | 198.18.10.0/24
#   home ns: Proxy 2 198.18.10.1:5070, rtpengine internal/198.18.10.1
#            external/198.18.20.1, the guard (ng 127.0.0.1:$GUARD_NG, NFQUEUE
#            $GUARD_QUEUE on UDP to 198.18.20.1:PORT_MIN-PORT_MAX), Proxy 1
#            198.18.20.1:5060
#     | 198.18.20.0/24
#   inet ns: the MN side 198.18.20.2
#
#   alg_home_up PORT_MIN PORT_MAX [PROXY2_ARGS...]
#       builds it all: alg_topology, alg_rtpengine PORT_MIN PORT_MAX,
#       alg_guard PORT_MIN PORT_MAX (unless ALG_NO_GUARD=1), alg_proxies
#       PROXY2_ARGS...
#   alg_topology        the three namespaces: sets INTRA HOME_NS INET
#   alg_rtpengine PORT_MIN PORT_MAX [RTPENGINE_ARGS...]
#       rtpengine in HOME_NS (media ports PORT_MIN..PORT_MAX, log level
#       $ALG_RTP_LOG_LEVEL or 6); sets NG (its ng port); answers ng on return
#   alg_guard PORT_MIN PORT_MAX [GUARD_ARGS...]
#       senemo-srtp-guard in HOME_NS relaying ng to rtpengine ($NG), and the
#       iptables rule queueing UDP to $ALG_EX:PORT_MIN-PORT_MAX to it (fail
#       closed: no --queue-bypass, so a dead guard shows; ALG_GUARD_BYPASS=1
#       adds it); sets GUARD_NG (its ng port), GUARD_QUEUE, GUARD_CTL
#   alg_guard_rule -I|-D PORT_MIN PORT_MAX   the iptables rule alone
#   alg_guard_daemon NAME [GUARD_ARGS...]    (re)start the guard process alone;
#                       GUARD_LOG is the running guard's log
#   alg_proxies [PROXY2_ARGS...]
#       Proxy 2 (PROXY2_ARGS: more `-A ...`; its RTPENGINE_SOCK is the guard's
#       ng port when the guard runs, else rtpengine's) and Proxy 1; sets
#       ALG_P2_ARGS: Proxy 2's arguments (to start it again)
#   ngc BENCODED        one ng command to rtpengine itself, prints the reply
#   ngg BENCODED        the same through the guard (it learns offer/answer/delete)
#   guard_stats         the guard's counters (one JSON line)
#   guard_stat KEY      one counter
#   ng_list / ng_query CALL-ID / no_sessions / has_session CALL-ID

DOM=vpn.example.com
CN=198.18.10.2 ALG_IN=198.18.10.1 ALG_EX=198.18.20.1 MN=198.18.20.2
P2=5070 P1=5060
NGC="$H_BUILD/tools/senemo-ng"
GUARD="$H_BUILD/tools/senemo-srtp-guard"
GUARD_NG="" GUARD_QUEUE=7

ngc() { ip netns exec "$HOME_NS" "$NGC" 127.0.0.1 "$NG" "$1"; }
ngg() { ip netns exec "$HOME_NS" "$NGC" 127.0.0.1 "$GUARD_NG" "$1"; }
guard_stats() { ip netns exec "$HOME_NS" "$GUARD" --stats "$GUARD_CTL"; }
guard_stat() { guard_stats | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
_alg_bs() { printf '%d:%s' "${#1}" "$1"; }
ng_list() { ngc 'd7:command4:liste'; }
ng_query() { ngc "d7:command5:query7:call-id$(_alg_bs "$1")e"; }
no_sessions() { [ "$(ng_list)" = "d5:callsle6:result2:oke" ]; }
has_session() { [[ "$(ng_query "$1")" == *6:result2:ok* ]]; }

alg_topology() {
    INTRA="$(h_netns intra)" || exit 1
    HOME_NS="$(h_netns home)" || exit 1
    INET="$(h_netns inet)" || exit 1
    h_veth "$INTRA" cn0 "$CN/24" "$HOME_NS" in0 "$ALG_IN/24"
    h_veth "$HOME_NS" ex0 "$ALG_EX/24" "$INET" mn0 "$MN/24"
    h_route "$INTRA" default "$ALG_IN"
    h_route "$INET" default "$ALG_EX"
}

alg_rtpengine() {
    local pmin="$1" pmax="$2"; shift 2
    [ -x "$NGC" ] || h_fail "$NGC missing (build first)"
    NG="$(h_port)"
    H_NS="$HOME_NS" h_start rtpengine rtpengine --foreground --log-stderr \
        --config-file="$H_ROOT/cfg/rtpengine/rtpengine.conf" --config-section=senemo \
        --interface="internal/$ALG_IN" --interface="external/$ALG_EX" \
        --listen-ng="127.0.0.1:$NG" --port-min="$pmin" --port-max="$pmax" \
        --delete-delay=0 --log-level="${ALG_RTP_LOG_LEVEL:-6}" --pidfile="$H_DIR/rtpengine.pid" "$@"
    h_wait_for 15 ngc 'd7:command4:pinge' || h_fail "rtpengine does not answer ng ping"
}

alg_guard_rule() {
    # mangle INPUT: runs before filter INPUT, whose rules still see what the guard accepts
    ip netns exec "$HOME_NS" iptables -w -t mangle "$1" INPUT -d "$ALG_EX" -p udp --dport "$2:$3" \
        -j NFQUEUE --queue-num "$GUARD_QUEUE" ${ALG_GUARD_BYPASS:+--queue-bypass}
}

alg_guard() {
    local pmin="$1" pmax="$2"; shift 2
    [ -x "$GUARD" ] || h_fail "$GUARD missing (build first)"
    GUARD_NG="$(h_port)"
    GUARD_CTL="$H_DIR/guard.sock"
    alg_guard_daemon srtp-guard "$@"
    # the rule only once the queue is bound (the kernel drops what nobody reads)
    alg_guard_rule -I "$pmin" "$pmax" || h_fail "NFQUEUE rule for the guard"
}

# alg_guard_daemon NAME [GUARD_ARGS...]: (re)start the guard process alone
# (after alg_guard: same ng port, queue and control socket; log NAME.log)
alg_guard_daemon() {
    local name="$1"; shift
    rm -f "$H_DIR/guard.pid"
    GUARD_LOG="$H_DIR/$name.log"
    H_NS="$HOME_NS" h_start "$name" "$GUARD" --ng-listen "127.0.0.1:$GUARD_NG" \
        --ng-upstream "127.0.0.1:$NG" --queue "$GUARD_QUEUE" --control "$GUARD_CTL" \
        --pidfile "$H_DIR/guard.pid" "$@"
    h_wait_for 10 test -s "$H_DIR/guard.pid" || h_fail "senemo-srtp-guard did not start: $(cat "$H_DIR/$name.log")"
    h_wait_for 10 ngg 'd7:command4:pinge' || h_fail "no ng ping through the guard"
}

alg_proxies() {
    ALG_P2_ARGS=(-A "LISTEN=udp:$ALG_IN:$P2" -A "RTPENGINE_SOCK=\"udp:127.0.0.1:${GUARD_NG:-$NG}\""
        -A "INTERNET_PEERS=\"$ALG_EX:$P1\"" -A LOG_LEVEL=2 "$@")
    H_NS="$HOME_NS" h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" "${ALG_P2_ARGS[@]}"
    h_render "$H_ROOT/cfg/kamailio/cdp.xml.in" "$H_DIR/p1-cdp.xml" FQDN=p1.$DOM REALM=$DOM \
        SERVER_HOST=127.0.0.1 SERVER_PORT=3868 ACCEPT_PORT=3869
    H_NS="$HOME_NS" h_kamailio proxy1 "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:$ALG_EX:$P1" \
        -A "NEXT_HOP=\"sip:$ALG_IN:$P2\"" -A "CDP_CONFIG=\"$H_DIR/p1-cdp.xml\"" -A NO_AUTH -A NO_OVSENSE
}

alg_home_up() {
    local pmin="$1" pmax="$2"; shift 2
    alg_topology
    alg_rtpengine "$pmin" "$pmax"
    [ "${ALG_NO_GUARD:-0}" = 1 ] || alg_guard "$pmin" "$pmax"
    alg_proxies "$@"
}
