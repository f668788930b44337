# SeNEMO network-namespace helpers and access-link emulation (bash).
# Source AFTER tests/lib/harness.sh, then call h_init.
#
#   h_netns NAME                      create sn<runid>-NAME, echo its name
#   h_veth NS1 IF1 ADDR1/PFX NS2 IF2 ADDR2/PFX
#                                     veth pair between two namespaces
#   h_route NS DEST VIA               add (or replace) a route
#   h_addr_change NS IF OLD/PFX NEW/PFX
#                                     delete OLD, add NEW (v4 <-> v6 allowed)
#   h_link_profile NAME               echo "up_kbit down_kbit rtt_ms"
#   h_link_emulate ROUTER_NS IF_TOWARD_VEHICLE IF_TOWARD_INTERNET PROFILE
#   h_link_emulate_off ROUTER_NS IF_TOWARD_VEHICLE
#
# Addresses containing ':' are IPv6 (added with nodad, so they are usable
# at once). Use 198.18.0.0/15 and fd00::/8 only; never route out.
#
# Inside $(...) h_fail ends only the subshell: write NS=$(h_netns x) || exit 1.
# h_link_emulate starts a daemon with h_start_ns, so call it (and
# h_link_emulate_off) directly, not inside $(...).

_h_is_v6() { [[ "$1" == *:* ]]; }

# h_netns NAME: names are sn<runid>-NAME cut to 15 characters (the kernel's
# limit for interface names, kept for namespaces too so `ip netns list |
# grep '^sn'` finds every leftover); NAME keeps its first 6 characters.
h_netns() {
    local ns="sn${H_RUNID}-$1"
    ns="${ns:0:15}"
    ip netns add "$ns" || h_fail "cannot create namespace $ns (for '$1'; names are cut to 15 chars)"
    # also on file: NS=$(h_netns x) runs in a subshell whose H_NETNS+= is
    # lost; h_cleanup deletes what $H_DIR/netns lists, and the run's
    # cleanup check looks for every name in $SENEMO_TEST_STATE/netns
    H_NETNS+=("$ns")
    echo "$ns" >> "$H_DIR/netns"
    echo "$ns $H_TEST" >> "$SENEMO_TEST_STATE/netns"
    ip -n "$ns" link set lo up || h_fail "lo up in $ns"
    # no IPv6 DAD on interfaces made later (link-locals too): otherwise
    # neighbour discovery stalls the first ~2 s of IPv6 traffic on a new link
    ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
        net.ipv6.conf.default.accept_dad=0 || h_fail "configuring $ns"
    echo "$ns"
}

# h_veth NS1 IF1 ADDR1/PFX NS2 IF2 ADDR2/PFX
h_veth() {
    local ns1="$1" if1="$2" a1="$3" ns2="$4" if2="$5" a2="$6"
    ip link add "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2" \
        || h_fail "veth $ns1:$if1 <-> $ns2:$if2"
    _h_addr_add "$ns1" "$if1" "$a1"
    _h_addr_add "$ns2" "$if2" "$a2"
    ip -n "$ns1" link set "$if1" up && ip -n "$ns2" link set "$if2" up \
        || h_fail "veth $if1/$if2 up"
}

_h_addr_add() {
    local ns="$1" dev="$2" addr="$3"
    if _h_is_v6 "$addr"; then
        ip -n "$ns" addr add "$addr" dev "$dev" nodad
    else
        ip -n "$ns" addr add "$addr" dev "$dev"
    fi || h_fail "address $addr on $ns:$dev"
}

# h_route NS DEST VIA (DEST may be "default"; the family follows VIA)
h_route() {
    local ns="$1" dest="$2" via="$3" fam=-4
    _h_is_v6 "$via" && fam=-6
    ip -n "$ns" "$fam" route replace "$dest" via "$via" || h_fail "route $dest via $via in $ns"
}

# h_addr_change NS IF OLD/PFX NEW/PFX: RTM_DELADDR then RTM_NEWADDR, as on a
# real move. Routes through the old address go with it: re-add them with
# h_route afterwards.
h_addr_change() {
    local ns="$1" dev="$2" old="$3" new="$4"
    ip -n "$ns" addr del "$old" dev "$dev" || h_fail "removing $old from $ns:$dev"
    _h_addr_add "$ns" "$dev" "$new"
}

# ---- access-link emulation -------------------------------------------------
# Profiles from DESIGN.md ("Access links are emulated"); "none" = no emulation.
h_link_profile() {
    case "$1" in
        wlan) echo "5500 5500 4" ;;
        umts) echo "128 128 500" ;;
        gprs) echo "10 40 700" ;;
        none) echo "0 0 0" ;;
        *) h_fail "unknown link profile '$1' (wlan, umts, gprs, none)" ;;
    esac
}

# h_link_emulate ROUTER_NS IF_TOWARD_VEHICLE IF_TOWARD_INTERNET PROFILE
#
# Packets forwarded from the vehicle side to the internet side (uplink) go to
# one NFQUEUE, the other direction (downlink) to a second one, for IPv4 and
# IPv6 alike. senemo-delayline, inside the router namespace, releases each
# packet after rtt/2 plus its serialization time at the profile's rate of
# that direction, with the link busy while earlier packets serialize.
#
# Where the rate comes from: the delay line alone. It makes an isolated
# 600-byte SIP message on gprs take ~500 ms longer (tc's bucket of at least
# one MTU cannot: a lone packet passes at once), and measured bulk TCP
# goodput is the profile rate times 1448/1500 (the TCP/IP header share), so
# tc shaping behind it would never have a queue and is left out. Its buffer
# is --limit packets (100000); a bulk TCP flow can therefore build seconds
# of queueing delay on the slow profiles, like the deep buffers of real 3G
# links.
#
# The rules sit in the mangle table's FORWARD chain: that hook runs before
# filter FORWARD, so a test's own filter rules still see the packets after
# the delay (an accept verdict from the queue resumes at the next table).
#
# NFQUEUE numbers are per network namespace (checked: two processes bind
# queue 0 in two namespaces at once; a second bind in the same namespace
# fails with EPERM), so numbers only need to be unique per router namespace;
# a counter in $H_DIR hands out pairs for routers with several links.
h_link_emulate() {
    local ns="$1" ifv="$2" ifi="$3" profile="$4" p up down rtt
    p="$(h_link_profile "$profile")" || exit 1    # h_link_profile logged why
    read -r up down rtt <<< "$p"
    if [ "$profile" = none ]; then
        h_log "link $ns:$ifv-$ifi: profile none, no emulation"
        return 0
    fi
    local state="$H_DIR/linkemu-$ns-$ifv"
    [ -e "$state" ] && h_fail "link $ns:$ifv already emulated (h_link_emulate_off first)"
    [ -x "$H_BUILD/tools/senemo-delayline" ] \
        || h_fail "$H_BUILD/tools/senemo-delayline missing (build first)"

    local counter="$H_DIR/nfq-$ns" n=0
    [ -f "$counter" ] && n="$(cat "$counter")"
    echo $((n + 1)) > "$counter"
    local qup=$((2 * n)) qdown=$((2 * n + 1))
    local delay; delay="$(awk -v r="$rtt" 'BEGIN { print r / 2 }')"

    local name="delayline-$ns-$ifv" pidfile="$H_DIR/delayline-$ns-$ifv.pid"
    h_start_ns "$ns" "$name" "$H_BUILD/tools/senemo-delayline" \
        --queue "$qup" --delay-ms "$delay" --rate-kbit "$up" \
        --queue "$qdown" --delay-ms "$delay" --rate-kbit "$down" \
        --pidfile "$pidfile"
    # without a bound consumer the kernel would drop the queued packets
    h_wait_for 5 test -s "$pidfile" || h_fail "delay line $name did not start"

    echo "$qup $qdown $ifi $name" > "$state"
    _h_link_rules -I "$ns" "$ifv" "$ifi" "$qup" "$qdown" || h_fail "NFQUEUE rules in $ns"
    h_log "link $ns:$ifv-$ifi: $profile (up $up kbit/s, down $down kbit/s, rtt $rtt ms; queues $qup/$qdown)"
}

# _h_link_rules -I|-D NS IFV IFI QUP QDOWN
_h_link_rules() {
    local op="$1" ns="$2" ifv="$3" ifi="$4" qup="$5" qdown="$6" ipt
    for ipt in iptables ip6tables; do
        ip netns exec "$ns" "$ipt" -w -t mangle "$op" FORWARD -i "$ifv" -o "$ifi" \
            -j NFQUEUE --queue-num "$qup" || return 1
        ip netns exec "$ns" "$ipt" -w -t mangle "$op" FORWARD -i "$ifi" -o "$ifv" \
            -j NFQUEUE --queue-num "$qdown" || return 1
    done
}

# h_link_emulate_off ROUTER_NS IF_TOWARD_VEHICLE: rules first, then the delay
# line (which accepts what it still holds as it exits).
h_link_emulate_off() {
    local ns="$1" ifv="$2" state="$H_DIR/linkemu-$1-$2" qup qdown ifi name
    [ -f "$state" ] || return 0
    read -r qup qdown ifi name < "$state"
    _h_link_rules -D "$ns" "$ifv" "$ifi" "$qup" "$qdown" || h_fail "removing NFQUEUE rules in $ns"
    h_stop "$name"
    rm -f "$state"
    h_log "link $ns:$ifv-$ifi: emulation off"
}
