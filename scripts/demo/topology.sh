# shellcheck shell=bash
# ./senemo demo, part 1: the network-namespace topology (sourced by
# scripts/demo.sh after tests/lib/harness.sh and tests/lib/netns.sh).
#
#   vehicle v (v = 1, 2)                      access networks      Internet      home
#
#   mn<v> ns ── ing0 ─ nvg<v> ns ─ egr0 ───── acc1 ns (profile) ─┐
#   198.18.1v.2     198.18.1v.1     (moves)   acc2 ns (profile) ─┼─ core ns ── edge ns ── home ns ── intra ns
#   (SIPp MNs,      inner 198.18.99.v/32      acc3 ns (profile) ─┘           (firewall) Proxy 1    CNs
#    senemo-srtp)   on lo (Kamailio nvg.cfg)                                            Proxy 2    198.18.90.2
#                   egress MASQUERADE, DNAT of SIP                                      freeDiameter
#                   to the inner address                                                rtpengine
#                   (--baseline: a plain NAT router, no NVG; the MNs'
#                   SIP ports 5062/5063 forwarded to them)
#
# Every address is in 198.18.0.0/15; nothing is routed out of the namespaces.
#   vehicle v, ingress          198.18.1v.0/24   (NVG .1, MNs .2)
#   vehicle v on access a       198.18.(20+10a+v).0/24 (router .1, NVG egress .2)
#                               (the router end of egr0 is named v<v>)
#   access a <-> core           198.18.(60+a).0/24 (core .1, router .2)
#   core <-> edge               198.18.70.0/24 (core .1, edge .2)
#   edge <-> home (DMZ)         198.18.80.0/24 (edge .1, Proxy 1 .2, rtpengine external .3)
#   home <-> intranet           198.18.90.0/24 (Proxy 2 + rtpengine internal .1, CNs .2)
#
# The NVG has one egress interface, egr0, a veth whose other end (v<v>)
# sits in the access router the vehicle is attached to. A move (demo_move)
# takes that end away from the old router and plugs it into the next one,
# which gives it its gateway address, then the NVG's egress address changes
# (RTM_DELADDR of the old, RTM_NEWADDR of the new network's address) and its
# default route follows: what a real handover does to the NVG.

DEMO_DOMAIN=vpn.example.com
P1_IP=198.18.80.2; P1_PORT=5060; P1_TLS_PORT=5061
ALG_EXT_IP=198.18.80.3
P2_IP=198.18.90.1; P2_PORT=5070
CN_IP=198.18.90.2
ALG_PORT_MIN=30000; ALG_PORT_MAX=30999

ing_net()   { echo "198.18.1$1.0/24"; }          # vehicle
ing_ip()    { echo "198.18.1$1.1"; }
mn_ip()     { echo "198.18.1$1.2"; }
inner_ip()  { echo "198.18.99.$1"; }
egr_net3()  { echo "198.18.$((20 + 10 * $2 + $1))"; }   # vehicle access -> first 3 octets
egr_ip()    { echo "$(egr_net3 "$1" "$2").2"; }
egr_gw()    { echo "$(egr_net3 "$1" "$2").1"; }

# demo_topology NACC : namespaces, veths, routes, NAT, firewall
demo_topology() {
    local nacc="$1" v a
    NS_CORE="$(h_netns core)" || exit 1
    NS_EDGE="$(h_netns edge)" || exit 1
    NS_HOME="$(h_netns home)" || exit 1
    NS_INTRA="$(h_netns intra)" || exit 1
    for a in $(seq 1 "$nacc"); do
        eval "NS_ACC$a=\"\$(h_netns acc$a)\"" || exit 1
    done
    for v in 1 2; do
        eval "NS_MN$v=\"\$(h_netns mn$v)\"" || exit 1
        eval "NS_NVG$v=\"\$(h_netns nvg$v)\"" || exit 1
    done

    # Internet core, access routers
    for a in $(seq 1 "$nacc"); do
        local acc; acc="$(acc_ns "$a")"
        h_veth "$NS_CORE" "a$a" "198.18.$((60 + a)).1/24" "$acc" wan0 "198.18.$((60 + a)).2/24"
        h_route "$acc" default "198.18.$((60 + a)).1"
    done
    h_veth "$NS_CORE" edge0 198.18.70.1/24 "$NS_EDGE" core0 198.18.70.2/24
    h_route "$NS_CORE" 198.18.80.0/24 198.18.70.2
    h_route "$NS_EDGE" default 198.18.70.1
    # the intranet's servers (Proxy 2) are reachable through the edge for
    # what the firewall lets through (answers to requests they sent out)
    h_route "$NS_CORE" 198.18.90.0/24 198.18.70.2

    # home: DMZ side (Proxy 1, the ALG's external address), intranet side
    h_veth "$NS_EDGE" dmz0 198.18.80.1/24 "$NS_HOME" dmz0 "$P1_IP/24"
    ip -n "$NS_HOME" addr add "$ALG_EXT_IP/24" dev dmz0 || h_fail "ALG external address"
    h_veth "$NS_HOME" int0 "$P2_IP/24" "$NS_INTRA" cn0 "$CN_IP/24"
    h_route "$NS_HOME" default 198.18.80.1
    h_route "$NS_EDGE" 198.18.90.0/24 "$P1_IP"
    h_route "$NS_INTRA" default "$P2_IP"
    # the home namespace hosts servers only: it never forwards between the
    # intranet and the Internet (the ALG is the only media path)
    ip netns exec "$NS_HOME" sysctl -qw net.ipv4.ip_forward=0 || h_fail "home forwarding off"

    # the home edge firewall: only SIP to Proxy 1 and media to the ALG's
    # external ports come in; answers to what home sent go back out
    local f="ip netns exec $NS_EDGE iptables -w"
    if [ "${FIREWALL:-1}" = 1 ]; then     # --no-firewall: the edge forwards everything
        $f -P FORWARD DROP || h_fail "firewall policy"
        $f -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
        $f -A FORWARD -i dmz0 -o core0 -j ACCEPT
        $f -A FORWARD -i core0 -o dmz0 -p udp -d "$P1_IP" --dport "$P1_PORT" -j ACCEPT
        $f -A FORWARD -i core0 -o dmz0 -p tcp -d "$P1_IP" --dport "$P1_TLS_PORT" -j ACCEPT
        $f -A FORWARD -i core0 -o dmz0 -p udp -d "$ALG_EXT_IP" --dport "$ALG_PORT_MIN:$ALG_PORT_MAX" -j ACCEPT
        # explicit, so its counters show what the firewall refused
        $f -A FORWARD -i core0 -o dmz0 -j DROP
    fi

    # vehicles
    for v in 1 2; do
        local mn nvg; mn="$(mn_ns "$v")"; nvg="$(nvg_ns "$v")"
        h_veth "$mn" mn0 "$(mn_ip "$v")/24" "$nvg" ing0 "$(ing_ip "$v")/24"
        h_route "$mn" default "$(ing_ip "$v")"
        for a in $(seq 1 "$nacc"); do
            h_route "$NS_CORE" "$(egr_net3 "$v" "$a").0/24" "198.18.$((60 + a)).2"
        done
        # egress NAT (TOOLCHAIN-NOTES): everything from the inner address and
        # the mobile network leaves as the current egress address
        ip netns exec "$nvg" iptables -w -t nat -A POSTROUTING -o egr0 -j MASQUERADE \
            || h_fail "MASQUERADE vehicle $v"
        if [ "${DEMO_MODE:-nvg}" = baseline ]; then
            # the per-MN baseline: a plain NAT router, no NVG. The MNs' SIP
            # ports (answering 5062, calling 5063) are forwarded to them, as
            # a NAT router's port forwarding (or a UA's own NAT traversal)
            # would; the MNs know the router's public address (as from STUN)
            local port
            for port in "$MN_UAS_PORT" "$MN_UAC_PORT"; do
                ip netns exec "$nvg" iptables -w -t nat -A PREROUTING -i egr0 -p udp --dport "$port" \
                    -j DNAT --to-destination "$(mn_ip "$v"):$port" || h_fail "port forward $port vehicle $v"
            done
        else
            # inbound SIP goes to the inner address Kamailio is bound to
            ip -n "$nvg" addr add "$(inner_ip "$v")/32" dev lo || h_fail "inner address of vehicle $v"
            ip netns exec "$nvg" iptables -w -t nat -A PREROUTING -i egr0 -p udp --dport 5060 \
                -j DNAT --to-destination "$(inner_ip "$v"):5060" || h_fail "DNAT vehicle $v"
        fi
        # like any NAT gateway, drop unsolicited inbound UDP on the egress
        # (SIP excepted). Without it a media packet from the ALG that arrives
        # before the MN's first one leaves a conntrack entry on egress:port,
        # MASQUERADE then gives the MN another source port, and the ALG (which
        # expects the port of the SDP: strict-source) drops the MN's media.
        # A packet dropped in INPUT never confirms its conntrack entry.
        ip netns exec "$nvg" iptables -w -A INPUT -i egr0 -p udp ! --dport 5060 \
            -m conntrack --ctstate NEW -j DROP || h_fail "egress filter vehicle $v"
    done
    # the Internet reaches neither a mobile network nor an inner address
    ip netns exec "$NS_CORE" ip route get "$(mn_ip 1)" >/dev/null 2>&1 && h_fail "core reaches the MNs directly"
    ip netns exec "$NS_CORE" ip route get "$(inner_ip 1)" >/dev/null 2>&1 && h_fail "core reaches an inner address"
    return 0
}

acc_ns() { local x="NS_ACC$1"; echo "${!x}"; }
mn_ns()  { local x="NS_MN$1"; echo "${!x}"; }
nvg_ns() { local x="NS_NVG$1"; echo "${!x}"; }

# demo_attach V A : first attachment of vehicle V to access network A
demo_attach() {
    local v="$1" a="$2" nvg acc; nvg="$(nvg_ns "$v")"; acc="$(acc_ns "$a")"
    ip link add egr0 netns "$nvg" type veth peer name "v$v" netns "$acc" \
        || h_fail "egress veth of vehicle $v"
    ip -n "$acc" addr add "$(egr_gw "$v" "$a")/24" dev "v$v" || h_fail "router address"
    ip -n "$acc" link set "v$v" up && ip -n "$nvg" link set egr0 up || h_fail "egress link up"
    ip -n "$nvg" addr add "$(egr_ip "$v" "$a")/24" dev egr0 || h_fail "attach vehicle $v to access $a"
    h_route "$nvg" default "$(egr_gw "$v" "$a")"
    eval "ATT_$v=$a"
}

# demo_move V A : vehicle V leaves its access network for A. The router end
# of the egress link moves to the new router (which addresses it), then
# the NVG's egress address and default route change, in one ip(8) batch.
# Runs in the background for simultaneous moves: prints nothing, fails
# with a message on stderr.
demo_move() {
    local v="$1" a="$2" old nvg; old="$(eval echo "\$ATT_$v")"; nvg="$(nvg_ns "$v")"
    local oacc nacc; oacc="$(acc_ns "$old")"; nacc="$(acc_ns "$a")"
    ip -n "$oacc" link set "v$v" netns "$nacc" || { echo "move: link of vehicle $v to access $a" >&2; return 1; }
    ip -n "$nacc" -batch - <<EOB || { echo "move: router side of vehicle $v at access $a" >&2; return 1; }
addr add $(egr_gw "$v" "$a")/24 dev v$v
link set v$v up
EOB
    ip -n "$nvg" -batch - <<EOB || { echo "move: egress address of vehicle $v" >&2; return 1; }
addr del $(egr_ip "$v" "$old")/24 dev egr0
addr add $(egr_ip "$v" "$a")/24 dev egr0
route replace default via $(egr_gw "$v" "$a")
EOB
    # a plain NAT router forgets its NAT table when its public address
    # changes (entries of the old address would keep rewriting the MNs'
    # packets to it); the NVG's MASQUERADE entries go with the address
    if [ "${DEMO_MODE:-nvg}" = baseline ]; then
        ip netns exec "$nvg" conntrack -F >/dev/null 2>&1 || { echo "move: NAT table of vehicle $v" >&2; return 1; }
    fi
}
