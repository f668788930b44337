#!/bin/bash
# Smoke: SIPp registers users through a Kamailio proxy (Proxy 1, its
# authentication off with -A NO_AUTH: this checks the relay path) to a
# Kamailio registrar (Proxy 2) and gets 200 OK for each; the registrar holds
# the bindings afterwards; rtpengine starts in userspace mode and answers an
# ng `ping` with `pong`.
source "$(dirname "$0")/../lib/harness.sh"
h_init smoke

P1="$(h_port)"; P2="$(h_port)"; NG="$(h_port)"; SP="$(h_port)"
h_diameter_pair sm
h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" -A "LISTEN=udp:127.0.0.1:$P2" \
    -A "RTPENGINE_SOCK=\"udp:127.0.0.1:$NG\""
h_kamailio proxy1 "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:127.0.0.1:$P1" \
    -A "NEXT_HOP=\"sip:127.0.0.1:$P2\"" -A "CDP_CONFIG=\"$H_CDP_XML\"" -A NO_AUTH

N=20
h_sipp sipp_reg -sf "$H_ROOT/sipp-scenarios/register.xml" -set domain vpn.example.com \
    -s mn -m "$N" -r 50 -i 127.0.0.1 -p "$SP" "127.0.0.1:$P1" -timeout 30s \
    || h_fail "SIPp registration scenario failed (see sipp_reg.log)"
h_pass "SIPp: $N REGISTERs through Proxy 1 answered 200 OK"

out="$(h_kamcmd proxy2 ul.dump brief)" || h_fail "ul.dump failed"
n="$(grep -c 'AoR: mn-' <<<"$out")"
[ "$n" = "$N" ] || h_fail "registrar holds $n bindings, expected $N"
h_pass "registrar holds $n bindings"

mkdir -p "$H_DIR/rtp"
RMIN=$(( 30000 + (RANDOM % 300) * 100 ))
h_rtpengine rtpengine "$NG" "$RMIN" $((RMIN + 99)) --interface=127.0.0.1
h_wait_for 10 "$H_BUILD/tools/senemo-ng" 127.0.0.1 "$NG" 'd7:command4:pinge' \
    || h_fail "rtpengine does not answer on ng port $NG"
reply="$("$H_BUILD/tools/senemo-ng" 127.0.0.1 "$NG" 'd7:command4:pinge')"
[ "$reply" = "d6:result4:ponge" ] || h_fail "rtpengine ping reply: $reply"
h_pass "rtpengine answers ng ping with pong"
