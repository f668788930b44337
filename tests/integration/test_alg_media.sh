#!/bin/bash
# The SRTP ALG's media half (DESIGN.md flow 5), with the real rtpengine
# driven over the ng protocol exactly as Proxy 2 will drive it (the flags of
# cfg/rtpengine/README.md), no Kamailio:
#
#   intranet ns (CN)  ──  alg ns (rtpengine: internal | external)  ──  internet ns (MN)
#   198.18.10.2           198.18.10.1          198.18.20.1              198.18.20.2
#
# senemo-srtp (tests/tools/srtp_verifier.c) plays both ends and checks every
# packet byte for byte. Proves:
#  - the offer toward the Internet is RTP/SAVP with SDES AES_CM_128_HMAC_SHA1_80
#    and _32 only, no DTLS fingerprint, no ICE, no intranet address in it;
#    the answer toward the intranet is plain RTP/AVP;
#  (c) nothing is forwarded before the answer (both legs reserved);
#  (a) CN->MN: plain RTP in, SRTP out that the MN decrypts with the key of
#      rtpengine's offer, payloads identical, nothing lost;
#  (b) MN->CN: SRTP in with the MN's own key, plain RTP at the CN, identical;
#      RTCP both ways too (SRTCP on the Internet side);
#  (d) tampered SRTP never reaches the CN: senemo-srtp-guard (srtp-guard/,
#      in front of rtpengine: ng through it, an NFQUEUE rule on the external
#      address) drops and counts it; with the guard's rule removed rtpengine
#      alone still drops it (logged) - but forwards replays (its 10.5 has no
#      replay list: the reason for the guard);
#  (e) a replayed valid SRTP packet never reaches the CN: the guard's libsrtp
#      replay window drops it (counted); a forged packet with a sequence
#      number far ahead and a bad tag does not move the window: the MN's
#      next packets still pass;
#  (f) a packet from another address - even a validly authenticated one -
#      does not steal the stream (strict-source, no endpoint learning); after
#      the MN moves, its media from the new address is dropped until the ALG
#      is re-anchored (ng offer/answer with the new address, port-latching:
#      the CN sees the same ALG port), then flows both ways; the verifier
#      reports the gap;
#  - an MN-originated call: the MN's SDES offer (an AES-256 suite first) gets
#    AES_CM_128_HMAC_SHA1_80 from rtpengine, media flows;
#  - MIKEY (a=key-mgmt): what rtpengine does with it (passes it on, answers
#    RTP/SAVP without keys, media dead) - why the signalling refuses it;
#  (h) the guard restarted: while down nothing from the Internet passes (the
#      rule fails closed); afterwards --unknown=drop drops a call it no longer
#      knows until a re-offer (as on a handoff) teaches it the call again;
#  (g) delete -> list shows no call; no session is left at the end.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/netns.sh"
h_init alg_media
source "$(dirname "$0")/../lib/alg_home.sh"
export LC_ALL=C   # bencode lengths are byte counts

SRTP="$H_BUILD/tools/senemo-srtp"
[ -x "$SRTP" ] || h_fail "$SRTP missing (build first)"
[ -x "$NGC" ] || h_fail "$NGC missing (build first)"
D="$H_DIR"

# ---- topology and rtpengine (tests/lib/alg_home.sh; no Kamailio here) ---------
alg_topology
ALG="$HOME_NS"
MN2=198.18.20.3
ATT=198.18.20.66     # an address on the Internet side that is not the MN
ip -n "$INET" addr add "$ATT/24" dev mn0 || h_fail "attacker address"
# the shipped configuration; the test overrides addresses, ports, log level
alg_rtpengine 30000 30199
h_pass "rtpengine (userspace, cfg/rtpengine/rtpengine.conf) answers ng in the home namespace"
# the replay guard between the signalling and rtpengine (offers, answers and
# deletes go through it: ngg), its NFQUEUE rule on UDP to $ALG_EX:30000-30199
alg_guard 30000 30199
h_pass "senemo-srtp-guard relays ng to rtpengine; UDP to $ALG_EX:30000-30199 queued to it"

# go_when_ready GO N: once the N verifiers of a phase have bound their
# sockets (files GO.r1..), start them all (a receiver not yet bound would
# lose the first packets to ICMP port unreachable on a loaded machine)
go_when_ready() {
    h_wait_for 10 bash -c "[ \$(ls '$D/$1'.r* 2>/dev/null | wc -l) -ge $2 ]" || h_fail "verifiers of $1 not ready"
    touch "$D/$1"
}

# ---- bencode / ng helpers ------------------------------------------------------------
# the ALG's ng flags (single source: cfg/rtpengine/alg-ng.sh, explained in README.md)
source "$H_ROOT/cfg/rtpengine/alg-ng.sh"
bs() { alg_bs "$@"; }
ng_sdp() { alg_ng_sdp "$@"; }
jget() { grep -o "\"$2\":[^,}]*" "$1" | head -1 | cut -d: -f2- | tr -d '"'; }
COMMON="$ALG_NG_COMMON"
TO_INET="$ALG_NG_TO_INET"
TO_INTRA="$ALG_NG_TO_INTRA"

# ng_offer CALL FROMTAG SDPFILE OUTFILE DIRFLAGS / ng_answer CALL FROMTAG TOTAG SDPFILE OUTFILE [EXTRA]
# (through the guard, as Proxy 2 sends them)
ng_offer() {
    local r; alg_bsdp "$3"
    r="$(ngg "d7:command5:offer7:call-id$(bs "$1")8:from-tag$(bs "$2")3:sdp${ALG_SDP_B}$5${COMMON}e")" \
        || h_fail "ng offer $1: no reply"
    ng_sdp "$r" > "$4" || h_fail "ng offer $1 failed: $r"
}
ng_answer() {
    local r; alg_bsdp "$4"
    r="$(ngg "d7:command6:answer7:call-id$(bs "$1")8:from-tag$(bs "$2")6:to-tag$(bs "$3")3:sdp${ALG_SDP_B}${6:-}${COMMON}e")" \
        || h_fail "ng answer $1: no reply"
    ng_sdp "$r" > "$5" || h_fail "ng answer $1 failed: $r"
}
ng_query() { ngc "d7:command5:query7:call-id$(bs "$1")e"; }
# RTP error counter of a call's totals (auth failures, strict-source drops)
rtp_errors() { ng_query "$1" | grep -o '6:totalsd3:RTPd7:packetsi[0-9]*e5:bytesi[0-9]*e6:errorsi[0-9]*e' \
    | sed 's/.*6:errorsi\([0-9]*\)e$/\1/'; }
# rtpengine's local port on one side of a call (from `query`)
alg_port() { ng_query "$1" | grep -o "10:local porti[0-9]*e13:local address${#2}:$2" | head -1 \
    | sed 's/^10:local porti\([0-9]*\)e.*/\1/'; }

sdp_cn() {  # ADDR PORT VERSION
    printf 'v=0\r\no=cn 1 %s IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %s RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n' \
        "$3" "$1" "$1" "$2"
}
sdp_mn() {  # ADDR PORT VERSION CRYPTO-LINES...
    local a="$1" p="$2" v="$3" c; shift 3
    printf 'v=0\r\no=mn 1 %s IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %s RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n' \
        "$v" "$a" "$a" "$p"
    for c in "$@"; do printf 'a=crypto:%s\r\n' "$c"; done
}

# verifier runs: vrun NS OUTNAME args... (foreground) / vbg (background, pid in $VPID)
vrun() { local ns="$1" out="$2"; shift 2; ip netns exec "$ns" "$SRTP" "$@" > "$D/$out.json" 2> "$D/$out.err" \
    || h_fail "senemo-srtp $out failed: $(cat "$D/$out.err")"; }
vbg() { local ns="$1" out="$2"; shift 2; ip netns exec "$ns" "$SRTP" "$@" > "$D/$out.json" 2> "$D/$out.err" & VPID=$!; }
vwait() { wait "$1" || h_fail "senemo-srtp $2 failed: $(cat "$D/$2.err")"; }
# expect OUTNAME KEY VALUE
expect() {
    local v; v="$(jget "$D/$1.json" "$2")"
    [ "$v" = "$3" ] || h_fail "$1: $2 = '$v', expected $3 ($(cat "$D/$1.json"))"
}
# gdelta KEY BEFORE: how much the guard's counter KEY grew since BEFORE
gdelta() { echo $(( $(guard_stat "$1") - $2 )); }
clean_rx() {   # OUTNAME: no loss, nothing bad or duplicated, every packet valid SRTP/RTP
    local k
    expect "$1" lost 0
    for k in duplicates bad_payload hdr_mismatch not_rtp foreign srtp_auth_fail srtp_replay_fail srtp_other_fail; do
        expect "$1" "$k" 0
    done
}

# ==== call 1: the CN calls the MN (offer from the intranet) ==========================
CALL=alg-1
sdp_cn "$CN" 40000 1 > "$D/cn-offer.sdp"
ng_offer "$CALL" cn-tag "$D/cn-offer.sdp" "$D/mn-offer.sdp" "$TO_INET"
"$SRTP" sdp "$D/mn-offer.sdp" > "$D/mn-offer.json" || h_fail "rtpengine's offer does not parse"
expect mn-offer proto RTP/SAVP
expect mn-offer addr "$ALG_EX"
expect mn-offer fingerprint false
suites="$(grep -o '"suite":"[A-Z0-9_]*"' "$D/mn-offer.json" | cut -d'"' -f4 | tr '\n' ' ')"
[ "$suites" = "AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32 " ] \
    || h_fail "offer toward the Internet has suites '$suites', expected AES_CM_128_HMAC_SHA1_80 and _32 only"
grep -q '198\.18\.10\.' "$D/mn-offer.sdp" && h_fail "the intranet address leaks into the Internet offer: $(cat "$D/mn-offer.sdp")"
grep -qi 'a=ice-\|a=candidate\|a=fingerprint\|a=setup' "$D/mn-offer.sdp" && h_fail "ICE/DTLS in the offer: $(cat "$D/mn-offer.sdp")"
h_pass "offer toward the MN: RTP/SAVP, SDES $suites, no DTLS/ICE, no intranet address"

MNKEY="$("$SRTP" keygen AES_CM_128_HMAC_SHA1_80)" || h_fail "keygen"
sdp_mn "$MN" 50000 1 "1 $MNKEY" > "$D/mn-answer.sdp"
EXT_PORT="$(jget "$D/mn-offer.json" port)"
INT_PORT="$(alg_port "$CALL" "$ALG_IN")"
[ -n "$INT_PORT" ] || h_fail "no internal port in the query after the offer: $(ng_query "$CALL")"

# ---- (c) nothing forwarded before the answer -------------------------------------------
# both sides send to the ALG's ports (the CN to the internal port reserved for the
# call, the MN SRTP with its key to the external port of the offer); both listen
# where media would go
vbg "$INTRA" pre-cn run --local "$CN:40000" --remote "$ALG_IN:$INT_PORT" --count 25 --linger 500
P1=$VPID
vrun "$INET" pre-mn run --local "$MN:50000" --remote-sdp "$D/mn-offer.sdp" --tx-crypto "$MNKEY" \
    --rx-crypto-sdp "$D/mn-offer.sdp" --count 25 --linger 500
vwait "$P1" pre-cn
expect pre-cn sent 25
expect pre-mn sent 25
expect pre-cn received 0
expect pre-mn received 0
h_pass "(c) before the answer nothing is forwarded (25 packets each way sent, 0 received)"

ng_answer "$CALL" cn-tag mn-tag "$D/mn-answer.sdp" "$D/cn-answer.sdp"
"$SRTP" sdp "$D/cn-answer.sdp" > "$D/cn-answer.json" || h_fail "rtpengine's answer does not parse"
expect cn-answer proto RTP/AVP
expect cn-answer addr "$ALG_IN"
expect cn-answer port "$INT_PORT"
grep -q 'a=crypto' "$D/cn-answer.sdp" && h_fail "keys leak into the intranet answer"
grep -q '198\.18\.20\.' "$D/cn-answer.sdp" && h_fail "the Internet address leaks into the intranet answer"
h_pass "answer toward the CN: plain RTP/AVP at $ALG_IN:$INT_PORT, no keys"

# ---- (a) + (b) + (d) + (e): both directions at once, with tampered and replayed packets
N=150
TAMPER=10,30,50,70,90
REPLAY=20,60,100
MNE="--ssrc 0x5e4e4d50 --seq 100 --ts 8000"   # the MN's stream, continued in (e)
ERR0="$(rtp_errors "$CALL")"
G_AUTH0="$(guard_stat auth_dropped)"; G_REPLAY0="$(guard_stat replay_dropped)"; G_ACC0="$(guard_stat accepted)"
[ "$(guard_stat streams)" = 1 ] || h_fail "the guard does not guard the MN's stream after the answer: $(guard_stats)"
vbg "$INTRA" cn run --local "$CN:40000" --remote-sdp "$D/cn-answer.sdp" --count $N --expect $N \
    --rtcp 25 --go "$D/go1" --duration 20 --linger 800 --ready "$D/go1.r1"
P1=$VPID
vbg "$INET" mn run --local "$MN:50000" --remote-sdp "$D/mn-offer.sdp" --tx-crypto "$MNKEY" \
    --rx-crypto-sdp "$D/mn-offer.sdp" $MNE --count $N --expect $N --tamper $TAMPER --replay $REPLAY \
    --rtcp 25 --go "$D/go1" --duration 20 --linger 800 --ready "$D/go1.r2"
P2=$VPID
go_when_ready go1 2
vwait "$P1" cn; vwait "$P2" mn
# (a) CN -> MN
expect cn sent $N
expect mn valid $N
clean_rx mn
expect mn sources "[$ALG_EX:$EXT_PORT]"
expect mn rtcp_valid $((N / 25))
expect mn rtcp_auth_fail 0
h_pass "(a) CN->MN: $N plain RTP packets in, $N SRTP packets out, decrypted with the offer's key, identical; SRTCP too"
# (b) MN -> CN, (d) tampered, (e) replayed
expect mn sent $N
expect mn tampered_sent 5
expect mn replayed_sent 3
expect cn unique $N
expect cn lost 0
expect cn bad_payload 0
expect cn hdr_mismatch 0
expect cn foreign 0
expect cn sources "[$ALG_IN:$INT_PORT]"
expect cn rtcp_valid $((N / 25))
h_pass "(b) MN->CN: $N SRTP packets in, $N plain RTP packets at the CN, identical; SRTCP -> RTCP"
g_auth="$(gdelta auth_dropped "$G_AUTH0")"
[ "$g_auth" = 5 ] || h_fail "(d) the guard dropped $g_auth packets failing authentication, expected the 5 tampered ones: $(guard_stats)"
h_pass "(d) 5 tampered SRTP packets: none reached the CN (no bad payload), the guard dropped and counted all 5"
dups="$(jget "$D/cn.json" duplicates)"
g_replay="$(gdelta replay_dropped "$G_REPLAY0")"
[ "$dups" = 0 ] || h_fail "(e) replayed packets: the CN saw $dups duplicates, expected 0 (the guard drops replays): $(guard_stats)"
[ "$g_replay" = 3 ] || h_fail "(e) the guard counted $g_replay replays, expected 3: $(guard_stats)"
grep -q 'drop replayed SRTP packet from' "$GUARD_LOG" || h_fail "(e) the guard did not log the replays"
h_pass "(e) 3 replayed valid SRTP packets: 0 reached the CN (0 duplicates), the guard dropped and counted 3 ($(gdelta accepted "$G_ACC0") authentic packets passed it)"

# (e) a forged packet far ahead (sequence number +30000, wrong key: bad tag)
# must not move the guard's replay window: the MN's stream continues and passes
G_AUTH0="$(guard_stat auth_dropped)"; G_REPLAY0="$(guard_stat replay_dropped)"
vbg "$INTRA" cn-e2 recv --local "$CN:40000" --duration 10 --idle-exit 1500 --ready "$D/go5.r1"
P1=$VPID
h_wait_for 10 test -e "$D/go5.r1" || h_fail "receiver cn-e2 not ready"
vrun "$INET" forge send --local "$MN:50000" --remote-sdp "$D/mn-offer.sdp" --tx-crypto "$("$SRTP" keygen)" \
    --ssrc 0x5e4e4d50 --seq 30100 --ts 800000 --count 5 --linger 0
vrun "$INET" mn-e2 send --local "$MN:50000" --remote-sdp "$D/mn-offer.sdp" --tx-crypto "$MNKEY" \
    $MNE --first $N --count 50 --linger 0
vwait "$P1" cn-e2
expect forge sent 5
expect cn-e2 valid 50
expect cn-e2 unique 50
expect cn-e2 duplicates 0
expect cn-e2 bad_payload 0
g_auth="$(gdelta auth_dropped "$G_AUTH0")"; g_replay="$(gdelta replay_dropped "$G_REPLAY0")"
[ "$g_auth" = 5 ] && [ "$g_replay" = 0 ] \
    || h_fail "(e) forged packets far ahead: the guard dropped $g_auth as failing authentication (expected 5), $g_replay as replays (expected 0)"
h_pass "(e) 5 forged packets 30000 sequence numbers ahead with a bad tag: dropped by the guard (authentication), the window did not move: the next 50 MN packets all reached the CN"

# (d') the layers: without the guard's rule rtpengine alone still drops tampered
# SRTP, but forwards replays (rtpengine 10.5 keeps no replay list); rule back after
alg_guard_rule -D 30000 30199 || h_fail "removing the guard's NFQUEUE rule"
G_ACC0="$(guard_stat accepted)"
vbg "$INTRA" cn-d2 recv --local "$CN:40000" --duration 10 --idle-exit 1500 --ready "$D/go6.r1"
P1=$VPID
h_wait_for 10 test -e "$D/go6.r1" || h_fail "receiver cn-d2 not ready"
vrun "$INET" mn-d2 send --local "$MN:50000" --remote-sdp "$D/mn-offer.sdp" --tx-crypto "$MNKEY" \
    $MNE --first 200 --count 20 --tamper 205 --replay 210,215 --linger 0
vwait "$P1" cn-d2
alg_guard_rule -I 30000 30199 || h_fail "re-inserting the guard's NFQUEUE rule"
expect cn-d2 unique 20
expect cn-d2 bad_payload 0
dups="$(jget "$D/cn-d2.json" duplicates)"
[ "$(gdelta accepted "$G_ACC0")" = 0 ] || h_fail "(d') packets reached the guard without its rule"
grep -q 'Discarded invalid SRTP packet: authentication failed' "$D/rtpengine.log" \
    || h_fail "(d') rtpengine alone did not drop/log the tampered packet"
[ "$dups" = 2 ] || h_fail "(d') without the guard the CN saw $dups duplicates for 2 replays; rtpengine 10.5 forwards replays - if it now drops them, update cfg/rtpengine/README.md and srtp-guard/README.md"
h_pass "(d') without the guard's rule: rtpengine alone dropped the tampered packet (logged) but forwarded both replays (CN: $dups duplicates) - what the guard is for"

# ---- (f1) another address cannot steal the confirmed stream ------------------------
# the attacker even holds the MN's key (= replays captured packets); a second one
# sends garbage; meanwhile CN <-> MN continue
ERR0="$(rtp_errors "$CALL")"
G_AUTH0="$(guard_stat auth_dropped)"
MNS="--ssrc 0x5e4e4d4f --seq 1000 --ts 80000"
vbg "$INTRA" cn2 run --local "$CN:40000" --remote-sdp "$D/cn-answer.sdp" --count 100 --expect 100 \
    --go "$D/go2" --duration 20 --linger 800 --ready "$D/go2.r1"
P1=$VPID
vbg "$INET" mn2 run --local "$MN:50000" --remote-sdp "$D/mn-offer.sdp" --tx-crypto "$MNKEY" \
    --rx-crypto-sdp "$D/mn-offer.sdp" $MNS --count 100 --expect 100 --go "$D/go2" --duration 20 --linger 800 --ready "$D/go2.r2"
P2=$VPID
vbg "$INET" att-valid run --local "$ATT:50000" --remote-sdp "$D/mn-offer.sdp" --tx-crypto "$MNKEY" \
    --ssrc 0x0bad0bad --count 40 --ptime 50 --go "$D/go2" --duration 20 --linger 800 --ready "$D/go2.r3"
P3=$VPID
vbg "$INET" att-bad run --local "$ATT:50002" --remote-sdp "$D/mn-offer.sdp" \
    --tx-crypto "$("$SRTP" keygen)" --count 40 --ptime 50 --go "$D/go2" --duration 20 --linger 800 --ready "$D/go2.r4"
P4=$VPID
go_when_ready go2 4
vwait "$P1" cn2; vwait "$P2" mn2; vwait "$P3" att-valid; vwait "$P4" att-bad
expect mn2 valid 100
clean_rx mn2
expect cn2 unique 100
expect cn2 ssrcs 1
expect cn2 duplicates 0
expect att-valid received 0
expect att-bad received 0
ERR1="$(rtp_errors "$CALL")"
g_auth="$(gdelta auth_dropped "$G_AUTH0")"
# the 40 with a wrong key fail at the guard; the 40 valid ones pass it (new SSRC)
# and rtpengine's strict-source drops them
[ "$g_auth" = 40 ] || h_fail "the guard dropped $g_auth of 40 packets with a wrong key"
[ $((ERR1 - ERR0)) -ge 40 ] || h_fail "rtpengine counted $((ERR1 - ERR0)) errors for 40 valid packets from the wrong address"
grep -q 'Drop due to strict-source' "$D/rtpengine.log" || h_fail "no strict-source drop logged"
h_pass "(f) 80 packets from $ATT (half with the MN's valid key): none reached the CN (guard: 40 bad tags, rtpengine strict-source: the 40 valid), none redirected CN->MN media (MN got 100/100, $ATT got 0)"

# ---- (f2) the MN moves: dropped until re-anchored, then both ways again -----------------
vbg "$INTRA" cn3 run --local "$CN:40000" --remote-sdp "$D/cn-answer.sdp" --count 600 --per-stream \
    --go "$D/go3" --duration 30 --linger 1000 --ready "$D/go3.r1"
P1=$VPID
vbg "$INET" mn3a run --local "$MN:50000" --remote-sdp "$D/mn-offer.sdp" --tx-crypto "$MNKEY" \
    --rx-crypto-sdp "$D/mn-offer.sdp" $MNS --first 200 --count 50 --go "$D/go3" --duration 10 --linger 0 --ready "$D/go3.r2"
P2=$VPID
go_when_ready go3 2
vwait "$P2" mn3a
h_addr_change "$INET" mn0 "$MN/24" "$MN2/24"
T_MOVE="$(date +%s%3N)"
# before re-anchoring: the MN's packets from the new address are dropped
vrun "$INET" mn3pre run --local "$MN2:50000" --remote-sdp "$D/mn-offer.sdp" --tx-crypto "$MNKEY" \
    --rx-crypto-sdp "$D/mn-offer.sdp" $MNS --first 300 --count 25 --linger 0
# re-anchor the external leg as the handoff does: an offer from the MN's side with
# the new address (same key), answered with the CN's unchanged SDP
sdp_mn "$MN2" 50000 2 "1 $MNKEY" > "$D/mn-reoffer.sdp"
ng_offer "$CALL" mn-tag "$D/mn-reoffer.sdp" "$D/cn-reoffer.sdp" "$TO_INTRA"
ng_answer "$CALL" mn-tag cn-tag "$D/cn-offer.sdp" "$D/mn-reanswer.sdp" "$ALG_NG_SAVP"
T_ANCHOR="$(date +%s%3N)"
"$SRTP" sdp "$D/cn-reoffer.sdp" > "$D/cn-reoffer.json" || h_fail "re-offer toward the CN does not parse"
expect cn-reoffer port "$INT_PORT"
expect cn-reoffer addr "$ALG_IN"
"$SRTP" sdp "$D/mn-reanswer.sdp" > "$D/mn-reanswer.json" || h_fail "re-answer toward the MN does not parse"
expect mn-reanswer port "$EXT_PORT"
k_old="$(grep -o 'AES_CM_128_HMAC_SHA1_80 inline:[^ "]*' "$D/mn-offer.json" | head -1)"
k_new="$(grep -o 'AES_CM_128_HMAC_SHA1_80 inline:[^ "]*' "$D/mn-reanswer.json" | head -1)"
[ -n "$k_new" ] && [ "$k_new" = "$k_old" ] || h_fail "rtpengine changed its key on re-anchoring ('$k_old' -> '$k_new')"
g_kc="$(guard_stat keys_changed)"; g_streams="$(guard_stat streams)"
[ "$g_kc" = 0 ] && [ "$g_streams" = 1 ] || h_fail "re-anchoring changed the guard's session (keys_changed $g_kc, streams $g_streams): $(guard_stats)"
vrun "$INET" mn3b run --local "$MN2:50000" --remote-sdp "$D/mn-reanswer.sdp" --tx-crypto "$MNKEY" \
    --rx-crypto-sdp "$D/mn-reanswer.sdp" $MNS --first 350 --count 100 --linger 300
vwait "$P1" cn3
expect mn3pre sent 25
expect mn3pre received 0
expect cn3 unique 150                  # 50 before the move + 100 after re-anchoring, none of the 25
expect cn3 duplicates 0
expect cn3 bad_payload 0
expect cn3 sources "[$ALG_IN:$INT_PORT]"   # port-latching: the CN sees the same ALG port
expect mn3b srtp_auth_fail 0
expect mn3b bad_payload 0
mn3b_valid="$(jget "$D/mn3b.json" valid)"
[ "$mn3b_valid" -ge 90 ] || h_fail "after re-anchoring the MN received only $mn3b_valid CN packets at $MN2"
expect mn3b sources "[$ALG_EX:$EXT_PORT]"
gap_cn="$(jget "$D/cn3.json" gap_ms_max)"
a_last="$(jget "$D/mn3a.json" last_rx_unix_ms)"; b_first="$(jget "$D/mn3b.json" first_rx_unix_ms)"
gap_mn="$(awk -v a="$a_last" -v b="$b_first" 'BEGIN { printf "%.0f", b - a }')"
h_pass "(f) the guard kept its SRTP session (same key, same port: replay window intact) through the re-anchoring"
h_pass "(f) after the move: 25 packets from $MN2 dropped until re-anchoring; then MN->CN resumed (CN gap ${gap_cn} ms) and CN->MN at $MN2 ($mn3b_valid packets, gap ${gap_mn} ms; re-anchored $((T_ANCHOR - T_MOVE)) ms after the move); same ALG ports and key"

# ---- call 2: the MN calls the CN (SDES offer from the Internet) --------------------
CALL2=alg-2
MNKEY256="$("$SRTP" keygen AES_256_CM_HMAC_SHA1_80)"
MNKEY2="$("$SRTP" keygen AES_CM_128_HMAC_SHA1_80)"
sdp_mn "$MN2" 50010 1 "1 $MNKEY256" "2 $MNKEY2" > "$D/mn2-offer.sdp"
ng_offer "$CALL2" mn2-tag "$D/mn2-offer.sdp" "$D/cn2-offer.sdp" "$TO_INTRA"
"$SRTP" sdp "$D/cn2-offer.sdp" > "$D/cn2-offer.json" || h_fail "offer toward the CN does not parse"
expect cn2-offer proto RTP/AVP
grep -q 'a=crypto' "$D/cn2-offer.sdp" && h_fail "keys leak into the intranet offer"
sdp_cn "$CN" 40010 1 > "$D/cn2-answer.sdp"
ng_answer "$CALL2" mn2-tag cn2-tag "$D/cn2-answer.sdp" "$D/mn2-answer.sdp" "$ALG_NG_SAVP"
"$SRTP" sdp "$D/mn2-answer.sdp" > "$D/mn2-answer.json" || h_fail "answer toward the MN does not parse"
expect mn2-answer proto RTP/SAVP
suites="$(grep -o '"suite":"[A-Z0-9_]*"' "$D/mn2-answer.json" | cut -d'"' -f4 | tr '\n' ' ')"
[ "$suites" = "AES_CM_128_HMAC_SHA1_80 " ] || h_fail "answer to an AES-256-first offer chose '$suites'"
expect mn2-answer crypto_bad 0
vbg "$INTRA" c2cn run --local "$CN:40010" --remote-sdp "$D/cn2-offer.sdp" --count 50 --expect 50 \
    --go "$D/go4" --duration 20 --linger 800 --ready "$D/go4.r1"
P1=$VPID
vrun "$INET" c2mn run --local "$MN2:50010" --remote-sdp "$D/mn2-answer.sdp" --tx-crypto "$MNKEY2" \
    --rx-crypto-sdp "$D/mn2-answer.sdp" --count 50 --expect 50 --go "$D/go4" --duration 20 --linger 800 --ready "$D/go4.r2" &
P2=$!
go_when_ready go4 2
vwait "$P1" c2cn; wait "$P2" || h_fail "c2mn: $(cat "$D/c2mn.err")"
expect c2cn valid 50; clean_rx c2cn
expect c2mn valid 50; clean_rx c2mn
h_pass "MN-originated call: SDES offer with AES_256 first -> rtpengine answers AES_CM_128_HMAC_SHA1_80 (policy), 50/50 both ways"

# an offer with no allowed suite: rtpengine answers RTP/SAVP without any key
# (a call that cannot carry media) - the signalling must refuse it (README)
CALL4=alg-nosuite
sdp_mn "$MN2" 50030 1 "1 $MNKEY256" > "$D/mn4-offer.sdp"
ng_offer "$CALL4" mn4-tag "$D/mn4-offer.sdp" "$D/cn4-offer.sdp" "$TO_INTRA"
sdp_cn "$CN" 40030 1 > "$D/cn4-answer.sdp"
ng_answer "$CALL4" mn4-tag cn4-tag "$D/cn4-answer.sdp" "$D/mn4-answer.sdp" "$ALG_NG_SAVP"
"$SRTP" sdp "$D/mn4-answer.sdp" > "$D/mn4-answer.json" || h_fail "answer does not parse"
grep -q '"crypto":\[\]' "$D/mn4-answer.json" \
    || h_fail "rtpengine now answers a disallowed-only offer with keys; update cfg/rtpengine/README.md: $(cat "$D/mn4-answer.sdp")"
h_pass "an offer with only disallowed suites (AES_256_CM) gets an RTP/SAVP answer without a=crypto -> the signalling refuses it (README)"

# ---- MIKEY: what rtpengine does with a=key-mgmt ------------------------------------------
CALL3=alg-mikey
MIKEY='AQAFgM0XflABAAAAAAAAAAAAAAsAyO6tfgAAAAAAAAAAAAAAAAAA'
printf 'v=0\r\no=mn 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\na=key-mgmt:mikey %s\r\nm=audio 50020 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n' \
    "$MN2" "$MN2" "$MIKEY" > "$D/mikey-offer.sdp"
ng_offer "$CALL3" mk-tag "$D/mikey-offer.sdp" "$D/mikey-cn-offer.sdp" "$TO_INTRA"
grep -q "a=key-mgmt:mikey $MIKEY" "$D/mikey-cn-offer.sdp" \
    || h_fail "rtpengine no longer passes a=key-mgmt through; update cfg/rtpengine/README.md (MIKEY): $(cat "$D/mikey-cn-offer.sdp")"
sdp_cn "$CN" 40020 1 > "$D/mikey-cn-answer.sdp"
ng_answer "$CALL3" mk-tag cn3-tag "$D/mikey-cn-answer.sdp" "$D/mikey-mn-answer.sdp" "$ALG_NG_SAVP"
"$SRTP" sdp "$D/mikey-mn-answer.sdp" > "$D/mikey-mn-answer.json" || h_fail "MIKEY answer does not parse"
expect mikey-mn-answer proto RTP/SAVP
expect mikey-mn-answer key_mgmt null
grep -q '"crypto":\[\]' "$D/mikey-mn-answer.json" || h_fail "MIKEY answer carries keys: $(cat "$D/mikey-mn-answer.sdp")"
# SRTP keyed by MIKEY (a key rtpengine never learns) does not get through
vbg "$INTRA" mk-cn recv --local "$CN:40020" --duration 3 --idle-exit 1000
P1=$VPID
sleep 0.2
vrun "$INET" mk-mn send --local "$MN2:50020" --remote-sdp "$D/mikey-mn-answer.sdp" --tx-crypto "$("$SRTP" keygen)" \
    --count 25 --linger 0
vwait "$P1" mk-cn
expect mk-cn received 0
h_pass "MIKEY: rtpengine copies a=key-mgmt into the intranet offer and answers RTP/SAVP without keys; MIKEY-keyed media is dropped -> the signalling must refuse such offers (488, README)"

# ---- (h) a guard restart: while it is down the rule fails closed (nothing from
# the Internet passes); after the restart its state is gone: with --unknown=drop
# the running call's packets are dropped until the call is signalled again (a
# re-offer from the MN, as on a handoff), then they pass, guarded
GS="--ssrc 0x5e4e4d51 --seq 100 --ts 8000"
h_send() {  # NAME FIRST: 20 MN->CN packets of call 2, counted at the CN
    vbg "$INTRA" "$1-cn" recv --local "$CN:40010" --duration 4 --idle-exit 1000 --ready "$D/$1.r1"
    local p=$VPID
    h_wait_for 10 test -e "$D/$1.r1" || h_fail "receiver $1-cn not ready"
    vrun "$INET" "$1-mn" send --local "$MN2:50010" --remote-sdp "$D/mn2-answer.sdp" --tx-crypto "$MNKEY2" \
        $GS --first "$2" --count 20 --linger 0
    vwait "$p" "$1-cn"
}
h_stop srtp-guard     # (waits until it is gone)
h_send h1 0
expect h1-mn sent 20
expect h1-cn received 0
alg_guard_daemon srtp-guard2 --unknown drop
h_send h2 20
expect h2-cn received 0
[ "$(guard_stat unguarded_dropped)" = 20 ] || h_fail "(h) the restarted guard dropped $(guard_stat unguarded_dropped) of 20 packets of the unknown call: $(guard_stats)"
ng_offer "$CALL2" mn2-tag "$D/mn2-offer.sdp" "$D/cn2-reoffer.sdp" "$TO_INTRA"
ng_answer "$CALL2" mn2-tag cn2-tag "$D/cn2-answer.sdp" "$D/mn2-reanswer.sdp" "$ALG_NG_SAVP"
[ "$(guard_stat streams)" = 1 ] || h_fail "(h) the re-offer did not guard call 2 again: $(guard_stats)"
h_send h3 40
expect h3-cn valid 20
expect h3-cn duplicates 0
[ "$(guard_stat accepted)" = 20 ] || h_fail "(h) the guard accepted $(guard_stat accepted) packets after the re-offer, expected 20"
h_pass "(h) guard restart: down -> 20/20 Internet packets dropped by the rule (fail closed); restarted with --unknown=drop -> the unknown call's 20 dropped, counted; after a re-offer the call is guarded again and 20/20 pass"

# ---- (g) delete; nothing left ----------------------------------------------------
for c in "$CALL" "$CALL2" "$CALL3" "$CALL4"; do
    r="$(ngg "d7:command6:delete7:call-id$(bs "$c")e")"
    [[ "$r" == *6:result2:ok* ]] || h_fail "delete $c: $r"
done
r="$(ngc 'd7:command4:liste')"
[ "$r" = "d5:callsle6:result2:oke" ] || h_fail "calls left after delete: $r"
r="$(ngc "d7:command5:query7:call-id$(bs "$CALL")e")"
[[ "$r" == *error* ]] || h_fail "deleted call still answers query: $r"
[ "$(guard_stat calls)" = 0 ] && [ "$(guard_stat streams)" = 0 ] && [ "$(guard_stat sessions)" = 0 ] \
    || h_fail "the guard still holds state after the deletes: $(guard_stats)"
[ "$(guard_stat ng_learn_errors)" = 0 ] || h_fail "the guard failed to learn from some ng exchange: $(guard_stats)"
h_pass "(g) delete -> list shows no call; query of a deleted call is an error; the guard forgot every call ($(guard_stats))"

# ---- malformed ng through the guard: relayed, rtpengine answers, the guard names the field and learns nothing
r="$(ngg 'd7:command5:offer7:call-id3:bad8:from-tag1:x3:sdpi1ee')" || h_fail "no reply through the guard to a malformed offer"
[[ "$r" == *error* ]] || h_fail "rtpengine accepted an offer whose sdp is an integer: $r"
ngg 'd7:command5:offer7:call-id3:bad' > /dev/null || true   # (rtpengine may not answer that at all)
h_wait_for 5 grep -q 'bencode: input ends inside a dictionary .*relayed to rtpengine; nothing learned' "$GUARD_LOG" \
    || h_fail "the guard did not log the truncated ng request: $(tail -3 "$GUARD_LOG")"
grep -q 'ng request: sdp missing or not a string' "$GUARD_LOG" \
    && h_fail "the guard tried to learn from an offer rtpengine refused"
[ "$(guard_stat calls)" = 0 ] && [ "$(guard_stat streams)" = 0 ] || h_fail "malformed ng changed the guard's state: $(guard_stats)"
[ "$(guard_stat ng_parse_errors)" = 1 ] || h_fail "the guard counted $(guard_stat ng_parse_errors) ng parse errors, expected 1"
h_pass "malformed ng through the guard: relayed to rtpengine, logged with the reason ('$(grep -o 'bencode: input ends[^(]*' "$GUARD_LOG" | head -1)'), counted, no state changed"
