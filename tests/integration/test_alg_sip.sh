#!/bin/bash
# The SRTP ALG's signalling half (DESIGN.md flow 5, issue 6): Proxy 2
# (cfg/kamailio/proxy2.cfg, real Kamailio) drives the real rtpengine from SIP;
# SIPp UAs do the signalling, build/tools/senemo-srtp the media.
#
#   intra ns: CNs 198.18.10.2 (cn-1, and as caller), 198.18.10.3 (cn-2)
#     | 198.18.10.0/24
#   home ns: Proxy 2 198.18.10.1:5070 (registrar, nvg home role, dialog,
#            rtpengine control; INTERNET_PEERS = Proxy 1), rtpengine
#            internal/198.18.10.1 external/198.18.20.1, Proxy 1
#            198.18.20.1:5060 (-A NO_AUTH: the relay path of the VPN edge)
#     | 198.18.20.0/24
#   inet ns: the MN side 198.18.20.2 (SIPp as MN and, for calls toward MNs,
#            at the contact of the NVG nvg-7: mn-1 is registered at the NVG's
#            logical URI sip:mn-1@nvg-7.vpn.example.com;nvgc=..., nvg-7 at
#            198.18.20.2:5062, so Proxy 2 reaches mn-1 through nvg_resolve())
#
# Proves:
#  A. MN -> CN (via Proxy 1): the MN gets RTP/SAVP with an
#     AES_CM_128_HMAC_SHA1_80 key from the ALG, the CN plain RTP/AVP at the
#     ALG's internal address; media both ways: SRTP that decrypts with the
#     SDP keys at the MN, plain RTP at the CN, payloads identical, no loss;
#     a re-INVITE during media keeps ports and keys (media continues; at most
#     3 MN->CN packets lost, see below); the
#     handoff contract's $dlg_vars (kamcmd dlg.list) set and updated by the
#     re-INVITE; BYE -> no rtpengine session;
#  B. CN -> MN (nvg_resolve through nvg-7): the same the other way round,
#     $dlg_var(nvg) = sip:nvg-7@vpn.example.com; re-INVITE from the CN; BYE;
#  C. offers from outside the ALG cannot carry: MIKEY only (a=key-mgmt) ->
#     488 + Warning 399 "MIKEY key management is not supported; use SDES
#     (a=crypto)"; only an AES-256 suite -> 488; plain RTP/AVP -> 488; no
#     rtpengine session for any;
#  D. a call the CN refuses (486): no session left;
#  E. a CANCELled call (the MN behind the NVG nvg-7 by its Record-Route; its
#     offer has SDES and MIKEY): the session exists while ringing, the
#     a=key-mgmt line does not reach the CN, $dlg_var(nvg) from the
#     Record-Route; after CANCEL no session;
#  F. an intranet-only call: not anchored (the SDP passes unchanged, no
#     session, no dialog state);
#  G. outside <-> outside: SRTP (RTP/SAVP + key) on both legs (rtpengine
#     passes the SDES keys through: end-to-end SRTP via the ALG);
#  J. a late offer (INVITE without SDP, offer in the 200, answer in the ACK):
#     anchored the same way, media both ways;
#  H. a UA that vanishes (the MN's SIPp killed after the call is up): Proxy 2
#     with a 3 s dialog timeout (-A DLG_TIMEOUT=3) ends the dialog, sends BYE
#     to the other side (the CN's UA gets it), and the session goes;
#  I. ovsense in Proxy 2: a client that puts `oc` in its Via gets Proxy 2's
#     own load (forced with ovsense.self_overload) in the relayed response,
#     as RFC 7339 oc/oc-algo/oc-validity/oc-seq.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/netns.sh"
h_init alg_sip
source "$(dirname "$0")/../lib/alg_home.sh"
export LC_ALL=C

SRTP="$H_BUILD/tools/senemo-srtp"
SCEN="$H_ROOT/sipp-scenarios"
[ -x "$SRTP" ] || h_fail "$SRTP missing (build first)"
[ -x "$NGC" ] || h_fail "$NGC missing (build first)"
D="$H_DIR"
CN2=198.18.10.3
alg_home_up 30200 30399 -A REG_MIN_EXPIRES=1
ip -n "$INTRA" addr add "$CN2/24" dev cn0 || h_fail "second CN address"
h_pass "rtpengine (cfg/rtpengine/rtpengine.conf), Proxy 2 (INTERNET_PEERS=$ALG_EX:$P1), Proxy 1 up"

# ---- helpers -----------------------------------------------------------------------
# register USER CONTACT (straight to the registrar)
register() {
    h_sipp_fg "$INTRA" "reg-$1" -sf "$SCEN/nvg_register_raw.xml" -set domain "$DOM" -set user "$1" \
        -set contact "$2" -set expires 600 -set expect 200 -m 1 -i "$CN" -p 5099 "$ALG_IN:$P2" \
        -timeout 20s
}
# info NS CALLID DEST: the test's go signal to a SIPp caller (matched by Call-ID)
info() {
    local msg
    msg="INFO sip:ua@$3 SIP/2.0"$'\r\n'"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-go$RANDOM"$'\r\n'
    msg+="From: <sip:test@$DOM>;tag=go"$'\r\n'"To: <sip:ua@$DOM>"$'\r\n'"Call-ID: $2"$'\r\n'
    msg+="CSeq: $RANDOM INFO"$'\r\n'"Content-Length: 0"$'\r\n\r\n'
    # one datagram: dd collects the whole message and writes it at once
    ip netns exec "$1" bash -c 'printf "%s" "$1" | dd bs=65536 iflag=fullblock status=none \
        > "/dev/udp/${2%:*}/${2#*:}"' _ "$msg" "$3" \
        || h_fail "cannot send INFO to $3"
}
# field FILE KEY: a value of an SDP summary written by the scenarios
field() { tr ' ' '\n' < "$1" | sed -n "s/^$2=//p"; }
wait_file() { h_wait_for 30 test -s "$1" || h_fail "no $(basename "$1") (SIPp: $(ls "$D"))"; }
jget() { grep -o "\"$2\":[^,}]*" "$1" | head -1 | cut -d: -f2- | tr -d '"'; }
expect() {
    local v; v="$(jget "$D/$1.json" "$2")"
    [ "$v" = "$3" ] || h_fail "$1: $2 = '$v', expected $3 ($(cat "$D/$1.json"))"
}
clean_rx() {
    local k
    expect "$1" lost 0
    for k in duplicates bad_payload hdr_mismatch not_rtp foreign srtp_auth_fail srtp_replay_fail srtp_other_fail; do
        expect "$1" "$k" 0
    done
}
vbg() { local ns="$1" out="$2"; shift 2; ip netns exec "$ns" "$SRTP" "$@" > "$D/$out.json" 2> "$D/$out.err" & VPID=$!; }
vwait() { wait "$1" || h_fail "senemo-srtp $2 failed: $(cat "$D/$2.err")"; }
# dlgvar CALLID NAME: a $dlg_var of a dialog from kamcmd dlg.list (first line of the value)
dlgvar() {
    h_kamcmd proxy2 dlg.list | awk -v cid="$1" -v n="$2:" '
        $1 == "call-id:" { cur = $2 }
        cur == cid && $1 == n { sub(/^[ \t]*[^ ]+: ?/, ""); print; exit }'
}
dlg_dump() { h_kamcmd proxy2 dlg.list | awk -v cid="$1" '$1 == "call-id:" { p = ($2 == cid) } p'; }

# ---- bindings ----------------------------------------------------------------------
register nvg-7 "<sip:nvg-7@$MN:5062>"
register mn-1 "<sip:mn-1@nvg-7.$DOM;nvgc=00000000000000a1>"
register cn-1 "<sip:cn-1@$CN:5080>"
register cn-2 "<sip:cn-2@$CN2:5082>"
h_pass "registered: nvg-7 at $MN:5062, mn-1 at the logical URI sip:mn-1@nvg-7.$DOM, cn-1, cn-2 in the intranet"

MNKEY="$("$SRTP" keygen AES_CM_128_HMAC_SHA1_80)" || h_fail keygen
MNKEY2="$("$SRTP" keygen AES_CM_128_HMAC_SHA1_80)" || h_fail keygen

# ==== A: MN -> CN through Proxy 1 =========================================================
h_sipp_bg "$INTRA" a-cn -sf "$SCEN/alg_uas.xml" -set ip "$CN" -set port 40000 -set proto RTP/AVP \
    -set extra 'a=x-senemo:plain' -set out "$D/a-cn" -i "$CN" -p 5080 -m 1
A_CN=$SIPP_PID
h_sipp_bg "$INET" a-mn -sf "$SCEN/alg_uac_call.xml" -set domain "$DOM" -set callee cn-1 -set caller mn-1 \
    -set ip "$MN" -set port 50000 -set proto RTP/SAVP -set extra "a=crypto:1 $MNKEY" -set hdr 'X-None: 1' \
    -set out "$D/a-mn" -cid_str alg-call-a -m 1 -i "$MN" -p 5062 "$ALG_EX:$P1"
A_MN=$SIPP_PID
wait_file "$D/a-mn.1"; wait_file "$D/a-cn.1"
[ "$(field "$D/a-mn.1" proto)" = RTP/SAVP ] || h_fail "A: the MN got $(cat "$D/a-mn.1"), expected RTP/SAVP"
[ "$(field "$D/a-mn.1" ip)" = "$ALG_EX" ] || h_fail "A: the MN's media goes to $(field "$D/a-mn.1" ip), not the ALG's external address"
[ "$(field "$D/a-mn.1" suite)" = AES_CM_128_HMAC_SHA1_80 ] || h_fail "A: answer suite $(cat "$D/a-mn.1")"
[ "$(field "$D/a-cn.1" proto)" = RTP/AVP ] || h_fail "A: the CN got $(cat "$D/a-cn.1"), expected RTP/AVP"
[ "$(field "$D/a-cn.1" ip)" = "$ALG_IN" ] || h_fail "A: the CN's media goes to $(field "$D/a-cn.1" ip), not the ALG's internal address"
[ -z "$(field "$D/a-cn.1" key)" ] || h_fail "A: a key reached the intranet: $(cat "$D/a-cn.1")"
has_session alg-call-a || h_fail "A: no rtpengine session for the call"
h_pass "A: MN->CN: the MN got RTP/SAVP AES_CM_128_HMAC_SHA1_80 at $ALG_EX:$(field "$D/a-mn.1" port), the CN RTP/AVP at $ALG_IN:$(field "$D/a-cn.1" port) without keys"

# the handoff contract's dialog variables
dlg_dump alg-call-a > "$D/a-dlg.txt"
mn_tag="$(dlgvar alg-call-a mn_tag)"; cn_tag="$(dlgvar alg-call-a cn_tag)"
[[ "$mn_tag" == *SIPpTag00* ]] || h_fail "A: mn_tag '$mn_tag' is not the MN's (caller's) tag: $(cat "$D/a-dlg.txt")"
[[ "$cn_tag" == *SIPpTag01* ]] || h_fail "A: cn_tag '$cn_tag' is not the CN's tag"
grep -q "mn_sdp: v=0" "$D/a-dlg.txt" && grep -qF "c=IN IP4 $MN" "$D/a-dlg.txt" && grep -qF "${MNKEY#* }" "$D/a-dlg.txt" \
    || h_fail "A: mn_sdp is not the MN's SDP as received: $(cat "$D/a-dlg.txt")"
grep -q "cn_sdp: v=0" "$D/a-dlg.txt" && grep -qF "c=IN IP4 $CN" "$D/a-dlg.txt" || h_fail "A: cn_sdp missing"
grep -q "cn_view: v=0" "$D/a-dlg.txt" && grep -qF "m=audio $(field "$D/a-cn.1" port) RTP/AVP" "$D/a-dlg.txt" \
    || h_fail "A: cn_view is not what the CN got: $(cat "$D/a-dlg.txt")"
grep -qE "^[[:space:]]*nvg: ?$" "$D/a-dlg.txt" || h_fail "A: nvg should be empty for an MN not behind an NVG"
h_pass "A: \$dlg_vars mn_tag=$mn_tag cn_tag=$cn_tag mn_sdp (MN's, as received) cn_sdp cn_view (the ALG's SDP toward the CN) nvg=''"

# media both ways
N=100
MNRX="$(field "$D/a-mn.1" suite) inline:$(field "$D/a-mn.1" key)"
vbg "$INTRA" a-cn-m run --local "$CN:40000" --remote "$ALG_IN:$(field "$D/a-cn.1" port)" --count $N --expect $N \
    --go "$D/go-a1" --duration 20 --linger 800 --ready "$D/ready-a1c"
V1=$VPID
vbg "$INET" a-mn-m run --local "$MN:50000" --remote "$ALG_EX:$(field "$D/a-mn.1" port)" --tx-crypto "$MNKEY" \
    --rx-crypto "$MNRX" --count $N --expect $N --go "$D/go-a1" --duration 20 --linger 800 --ready "$D/ready-a1m"
V2=$VPID
# both ends bound before either sends (a receiver not yet bound loses the
# first packets to ICMP port unreachable on a loaded machine)
h_wait_for 10 test -e "$D/ready-a1c" -a -e "$D/ready-a1m" || h_fail "verifiers not ready"
touch "$D/go-a1"
vwait "$V1" a-cn-m; vwait "$V2" a-mn-m
expect a-mn-m valid $N; clean_rx a-mn-m
expect a-cn-m valid $N; clean_rx a-cn-m
expect a-cn-m sources "[$ALG_IN:$(field "$D/a-cn.1" port)]"
expect a-mn-m sources "[$ALG_EX:$(field "$D/a-mn.1" port)]"
h_pass "A: media: $N SRTP packets at the MN decrypt with the key of the ALG's SDP toward it (and the ALG took the MN's own key), $N plain RTP at the CN, payloads identical, both ways"

# a re-INVITE from the MN while media flows
N=150
vbg "$INTRA" a-cn-r run --local "$CN:40000" --remote "$ALG_IN:$(field "$D/a-cn.1" port)" --count $N --expect $N \
    --go "$D/go-a2" --duration 30 --linger 800 --ready "$D/ready-a2c"
V1=$VPID
vbg "$INET" a-mn-r run --local "$MN:50000" --remote "$ALG_EX:$(field "$D/a-mn.1" port)" --tx-crypto "$MNKEY" \
    --rx-crypto "$MNRX" --count $N --expect $N --go "$D/go-a2" --duration 30 --linger 800 \
    --ready "$D/ready-a2"
V2=$VPID
h_wait_for 10 test -e "$D/ready-a2" -a -e "$D/ready-a2c" || h_fail "verifiers not ready"
touch "$D/go-a2"; sleep 0.5
info "$INET" alg-call-a "$MN:5062"
wait_file "$D/a-mn.2"; wait_file "$D/a-cn.2"
vwait "$V1" a-cn-r; vwait "$V2" a-mn-r
expect a-mn-r valid $N; clean_rx a-mn-r
# MN -> CN across the re-INVITE: every packet that arrives is intact and in
# order; under heavy machine load rtpengine 10.5 was seen to lose 1-2 packets
# of the re-offering side's stream at the moment it processes the re-offer
# (2 of ~15 runs, none with a quiet machine or a 600 ms offer->answer wait),
# so up to 3 lost are reported, not failed (cfg/rtpengine/README.md)
a_lost="$(jget "$D/a-cn-r.json" lost)"
[ "${a_lost:-99}" -le 3 ] || h_fail "A: $a_lost MN->CN packets lost across the re-INVITE: $(cat "$D/a-cn-r.json")"
for k in duplicates bad_payload hdr_mismatch not_rtp foreign reordered; do expect a-cn-r "$k" 0; done
[ "$(jget "$D/a-cn-r.json" valid)" = $((N - a_lost)) ] || h_fail "A: a-cn-r: $(cat "$D/a-cn-r.json")"
[ "$(cat "$D/a-mn.2")" = "$(cat "$D/a-mn.1")" ] || h_fail "A: re-INVITE changed the MN's view: $(cat "$D/a-mn.1") -> $(cat "$D/a-mn.2")"
[ "$(cat "$D/a-cn.2")" = "$(cat "$D/a-cn.1")" ] || h_fail "A: re-INVITE changed the CN's view: $(cat "$D/a-cn.1") -> $(cat "$D/a-cn.2")"
dlg_dump alg-call-a > "$D/a-dlg2.txt"
grep -q "o=ua 1 2 IN IP4 $MN" "$D/a-dlg2.txt" || h_fail "A: mn_sdp not updated by the re-INVITE: $(cat "$D/a-dlg2.txt")"
grep -q "o=ua 2 2 IN IP4 $CN" "$D/a-dlg2.txt" || h_fail "A: cn_sdp not updated by the re-INVITE's answer"
h_pass "A: re-INVITE during media: same ALG ports and key on both sides, CN->MN $N/$N, MN->CN $((N - a_lost))/$N packets, \$dlg_vars updated (SDP version 2)"
info "$INET" alg-call-a "$MN:5062"
h_sipp_wait "$A_MN" a-mn; h_sipp_wait "$A_CN" a-cn
h_wait_for 10 no_sessions || h_fail "A: rtpengine session left after BYE: $(ng_list)"
dlg_dump alg-call-a | h_grepq -E "state: [1-4]$" && h_fail "A: dialog not ended by the BYE: $(dlg_dump alg-call-a)"
h_pass "A: BYE -> the rtpengine session and the dialog are gone"

# ==== B: CN -> MN through nvg_resolve =======================================================
h_sipp_bg "$INET" b-mn -sf "$SCEN/alg_uas.xml" -set ip "$MN" -set port 50010 -set proto RTP/SAVP \
    -set extra "a=crypto:1 $MNKEY2" -set out "$D/b-mn" -i "$MN" -p 5062 -m 1
B_MN=$SIPP_PID
h_sipp_bg "$INTRA" b-cn -sf "$SCEN/alg_uac_call.xml" -set domain "$DOM" -set callee mn-1 -set caller cn-1 \
    -set ip "$CN" -set port 40010 -set proto RTP/AVP -set extra 'a=x-senemo:plain' -set hdr 'X-None: 1' \
    -set out "$D/b-cn" -cid_str alg-call-b -m 1 -i "$CN" -p 5081 "$ALG_IN:$P2"
B_CN=$SIPP_PID
wait_file "$D/b-cn.1"; wait_file "$D/b-mn.1"
[ "$(field "$D/b-mn.1" proto)" = RTP/SAVP ] && [ "$(field "$D/b-mn.1" ip)" = "$ALG_EX" ] \
    || h_fail "B: the MN was offered $(cat "$D/b-mn.1")"
[ "$(field "$D/b-mn.1" suite)" = AES_CM_128_HMAC_SHA1_80 ] || h_fail "B: first suite offered to the MN: $(cat "$D/b-mn.1")"
grep -a -A40 '^INVITE ' "$D/b-mn.d"/*_messages.log | grep -a '^a=crypto' | awk '{print $2}' | sort -u > "$D/b-suites"
[ "$(tr '\n' ' ' < "$D/b-suites")" = "AES_CM_128_HMAC_SHA1_32 AES_CM_128_HMAC_SHA1_80 " ] \
    || h_fail "B: suites offered to the MN: $(tr '\n' ' ' < "$D/b-suites")"
[ "$(field "$D/b-cn.1" proto)" = RTP/AVP ] && [ "$(field "$D/b-cn.1" ip)" = "$ALG_IN" ] && [ -z "$(field "$D/b-cn.1" key)" ] \
    || h_fail "B: the CN got $(cat "$D/b-cn.1")"
dlg_dump alg-call-b > "$D/b-dlg.txt"
[ "$(dlgvar alg-call-b nvg)" = "sip:nvg-7@$DOM" ] || h_fail "B: nvg = '$(dlgvar alg-call-b nvg)': $(cat "$D/b-dlg.txt")"
[[ "$(dlgvar alg-call-b mn_tag)" == *SIPpTag01* ]] && [[ "$(dlgvar alg-call-b cn_tag)" == *SIPpTag00* ]] \
    || h_fail "B: tags: $(cat "$D/b-dlg.txt")"
grep -qF "${MNKEY2#* }" "$D/b-dlg.txt" || h_fail "B: mn_sdp is not the MN's answer"
grep -qF "m=audio $(field "$D/b-cn.1" port) RTP/AVP" "$D/b-dlg.txt" || h_fail "B: cn_view is not the CN's view"
h_pass "B: CN->MN via nvg_resolve: the MN was offered RTP/SAVP with AES_CM_128_HMAC_SHA1_80 and _32 only; \$dlg_var(nvg)=sip:nvg-7@$DOM, mn/cn tags, mn_sdp, cn_view"
N=100
vbg "$INTRA" b-cn-m run --local "$CN:40010" --remote "$ALG_IN:$(field "$D/b-cn.1" port)" --count $N --expect $N \
    --go "$D/go-b" --duration 20 --linger 800 --ready "$D/ready-b1"
V1=$VPID
vbg "$INET" b-mn-m run --local "$MN:50010" --remote "$ALG_EX:$(field "$D/b-mn.1" port)" --tx-crypto "$MNKEY2" \
    --rx-crypto "$(field "$D/b-mn.1" suite) inline:$(field "$D/b-mn.1" key)" --count $N --expect $N \
    --go "$D/go-b" --duration 20 --linger 800 --ready "$D/ready-b2"
V2=$VPID
h_wait_for 10 test -e "$D/ready-b1" -a -e "$D/ready-b2" || h_fail "verifiers not ready"
touch "$D/go-b"
vwait "$V1" b-cn-m; vwait "$V2" b-mn-m
expect b-mn-m valid $N; clean_rx b-mn-m
expect b-cn-m valid $N; clean_rx b-cn-m
h_pass "B: media: SRTP at the MN with the key offered to it, plain RTP at the CN, identical, both ways"
info "$INTRA" alg-call-b "$CN:5081"
wait_file "$D/b-cn.2"; wait_file "$D/b-mn.2"
[ "$(cat "$D/b-mn.2")" = "$(cat "$D/b-mn.1")" ] || h_fail "B: the CN's re-INVITE changed the MN's view: $(cat "$D/b-mn.1") -> $(cat "$D/b-mn.2")"
[ "$(field "$D/b-cn.2" port)" = "$(field "$D/b-cn.1" port)" ] || h_fail "B: the CN's re-INVITE moved its ALG port"
info "$INTRA" alg-call-b "$CN:5081"
h_sipp_wait "$B_CN" b-cn; h_sipp_wait "$B_MN" b-mn
h_wait_for 10 no_sessions || h_fail "B: rtpengine session left after BYE: $(ng_list)"
h_pass "B: re-INVITE from the CN keeps the MN's port and key; BYE from the CN -> no session"

# ==== C: offers from outside the ALG cannot carry ===========================================
reject() {  # NAME PROTO EXTRA EXPECTED-WARNING
    h_sipp_fg "$INET" "c-$1" -sf "$SCEN/alg_uac_short.xml" -set extra2 'a=x-senemo:none' -set mode reject -set domain "$DOM" -set callee cn-1 \
        -set caller mn-1 -set ip "$MN" -set port 50020 -set proto "$2" -set extra "$3" -set hdr 'X-None: 1' \
        -set out "$D/c-$1" -cid_str "alg-call-c-$1" -m 1 -i "$MN" -p 5062 "$ALG_EX:$P1" -timeout 30s
    wait_file "$D/c-$1.final"
    grep -q '^code=488 ' "$D/c-$1.final" || h_fail "C/$1: $(cat "$D/c-$1.final"), expected 488"
    grep -qE "Warning: *399 [^ ]+ \"$4\"" "$D/c-$1.final" || h_fail "C/$1: Warning: $(cat "$D/c-$1.final")"
    has_session "alg-call-c-$1" && h_fail "C/$1: an rtpengine session was created"
    grep -q "\[alg-call-c-$1\]: \[control\] Received command '\(offer\|answer\)'" "$D/rtpengine.log" \
        && h_fail "C/$1: rtpengine was given the offer"
    return 0
}
MIKEY='AQAFgM0XflABAAAAAAAAAAAAAAsAyO6tfgAAAAAAAAAAAAAAAAAA'
reject mikey RTP/SAVP "a=key-mgmt:mikey $MIKEY" 'MIKEY key management is not supported; use SDES \(a=crypto\)'
h_pass "C: MIKEY-only offer -> 488 + Warning: 399 ... \"MIKEY key management is not supported; use SDES (a=crypto)\", no rtpengine session"
reject aes256 RTP/SAVP "a=crypto:1 $("$SRTP" keygen AES_256_CM_HMAC_SHA1_80)" \
    'no acceptable SRTP crypto suite \(AES_CM_128_HMAC_SHA1_80/32\)'
reject plain RTP/AVP 'a=x-senemo:plain' 'SRTP required on the Internet leg: offer RTP/SAVP with SDES \(a=crypto\)'
h_pass "C: AES-256-only offer and plain RTP/AVP offer from outside -> 488 with their Warnings, no session"

# ==== D: a call the CN refuses (486) ============================================================
h_sipp_bg "$INTRA" d-cn -sf "$SCEN/alg_uas_busy.xml" -set out "$D/d-cn" -i "$CN" -p 5080 -m 1
D_CN=$SIPP_PID
h_sipp_fg "$INET" d-mn -sf "$SCEN/alg_uac_short.xml" -set extra2 'a=x-senemo:none' -set mode reject -set domain "$DOM" -set callee cn-1 \
    -set caller mn-1 -set ip "$MN" -set port 50030 -set proto RTP/SAVP -set extra "a=crypto:1 $MNKEY" \
    -set hdr 'X-None: 1' -set out "$D/d-mn" -cid_str alg-call-d -m 1 -i "$MN" -p 5062 "$ALG_EX:$P1" -timeout 30s
h_sipp_wait "$D_CN" d-cn
grep -q '^code=486' "$D/d-mn.final" || h_fail "D: $(cat "$D/d-mn.final")"
[ "$(field "$D/d-cn.1" ip)" = "$ALG_IN" ] || h_fail "D: the INVITE reached the CN without anchoring: $(cat "$D/d-cn.1")"
h_wait_for 10 no_sessions || h_fail "D: rtpengine session left after 486: $(ng_list)"
grep -q "ALG: alg-call-d: rtpengine session deleted" "$D/proxy2.log" || h_fail "D: Proxy 2 did not delete the session"
h_pass "D: the CN answers 486 -> the session made for the offer is deleted, none left"

# ==== E: CANCEL; the MN behind nvg-7 by its Record-Route ==========================================
h_sipp_bg "$INTRA" e-cn -sf "$SCEN/alg_uas_ring.xml" -set out "$D/e-cn" -i "$CN" -p 5080 -m 1
E_CN=$SIPP_PID
h_sipp_bg "$INET" e-mn -sf "$SCEN/alg_uac_short.xml" -set extra2 'a=x-senemo:none' -set mode cancel -set domain "$DOM" -set callee cn-1 \
    -set caller mn-1 -set ip "$MN" -set port 50040 -set proto RTP/SAVP -set extra "a=crypto:1 $MNKEY" \
    -set extra2 "a=key-mgmt:mikey $MIKEY" \
    -set hdr "Record-Route: <sip:nvg-7.$DOM;r2=on;lr>, <sip:$MN:5062;r2=on;lr>" -set out "$D/e-mn" \
    -cid_str alg-call-e -m 1 -i "$MN" -p 5062 "$ALG_EX:$P1" -timeout 60s
E_MN=$SIPP_PID
wait_file "$D/e-cn.1"
has_session alg-call-e || h_fail "E: no session while ringing"
grep -aq "^a=key-mgmt" "$D/e-cn.d"/*_messages.log && h_fail "E: the MN's a=key-mgmt line reached the CN"
grep -aq "^m=audio $(field "$D/e-cn.1" port) RTP/AVP" "$D/e-cn.d"/*_messages.log || h_fail "E: the CN's INVITE is not the ALG's plain offer"
h_wait_for 5 test -n "$(dlgvar alg-call-e nvg)"
[ "$(dlgvar alg-call-e nvg)" = "sip:nvg-7@$DOM" ] || h_fail "E: nvg from the Record-Route = '$(dlgvar alg-call-e nvg)': $(dlg_dump alg-call-e)"
info "$INET" alg-call-e "$MN:5062"
h_sipp_wait "$E_MN" e-mn; h_sipp_wait "$E_CN" e-cn
h_wait_for 10 no_sessions || h_fail "E: rtpengine session left after CANCEL: $(ng_list)"
h_pass "E: SDES+MIKEY offer: a=key-mgmt removed, SDES used; ringing call anchored (\$dlg_var(nvg)=sip:nvg-7@$DOM from the NVG's Record-Route); CANCEL -> 487 -> no session"

# ==== F: intranet-only call ========================================================================
h_sipp_bg "$INTRA" f-cn2 -sf "$SCEN/alg_uas.xml" -set ip "$CN2" -set port 40030 -set proto RTP/AVP \
    -set extra 'a=x-senemo:plain' -set out "$D/f-cn2" -i "$CN2" -p 5082 -m 1
F_CN2=$SIPP_PID
h_sipp_bg "$INTRA" f-cn -sf "$SCEN/alg_uac_call.xml" -set domain "$DOM" -set callee cn-2 -set caller cn-1 \
    -set ip "$CN" -set port 40020 -set proto RTP/AVP -set extra 'a=x-senemo:plain' -set hdr 'X-None: 1' \
    -set out "$D/f-cn" -cid_str alg-call-f -m 1 -i "$CN" -p 5081 "$ALG_IN:$P2"
F_CN=$SIPP_PID
wait_file "$D/f-cn.1"; wait_file "$D/f-cn2.1"
[ "$(field "$D/f-cn2.1" ip)" = "$CN" ] && [ "$(field "$D/f-cn2.1" port)" = 40020 ] \
    || h_fail "F: the intranet callee got $(cat "$D/f-cn2.1"), expected the caller's own $CN:40020"
[ "$(field "$D/f-cn.1" ip)" = "$CN2" ] && [ "$(field "$D/f-cn.1" port)" = 40030 ] || h_fail "F: the caller got $(cat "$D/f-cn.1")"
has_session alg-call-f && h_fail "F: an intranet-only call was anchored"
[ -z "$(dlg_dump alg-call-f)" ] || h_fail "F: dialog state kept for an intranet-only call"
info "$INTRA" alg-call-f "$CN:5081"; wait_file "$D/f-cn2.2"
info "$INTRA" alg-call-f "$CN:5081"
h_sipp_wait "$F_CN" f-cn; h_sipp_wait "$F_CN2" f-cn2
grep -q "\[alg-call-f\]: \[control\] Received command '\(offer\|answer\)'" "$D/rtpengine.log" \
    && h_fail "F: rtpengine saw the intranet-only call"
h_pass "F: intranet-only call (with re-INVITE): SDP end to end unchanged, rtpengine never involved"

# ==== G: outside <-> outside (an MN via Proxy 1 calls mn-1 behind nvg-7) ==============================
h_sipp_bg "$INET" g-mn1 -sf "$SCEN/alg_uas.xml" -set ip "$MN" -set port 50060 -set proto RTP/SAVP \
    -set extra "a=crypto:1 $MNKEY2" -set out "$D/g-mn1" -i "$MN" -p 5062 -m 1
G_MN1=$SIPP_PID
h_sipp_bg "$INET" g-mn2 -sf "$SCEN/alg_uac_call.xml" -set domain "$DOM" -set callee mn-1 -set caller mn-2 \
    -set ip "$MN" -set port 50050 -set proto RTP/SAVP -set extra "a=crypto:1 $MNKEY" -set hdr 'X-None: 1' \
    -set out "$D/g-mn2" -cid_str alg-call-g -m 1 -i "$MN" -p 5063 "$ALG_EX:$P1"
G_MN2=$SIPP_PID
wait_file "$D/g-mn2.1"; wait_file "$D/g-mn1.1"
for s in g-mn1 g-mn2; do
    [ "$(field "$D/$s.1" proto)" = RTP/SAVP ] && [ "$(field "$D/$s.1" ip)" = "$ALG_EX" ] \
        && [ "$(field "$D/$s.1" suite)" = AES_CM_128_HMAC_SHA1_80 ] || h_fail "G: $s got $(cat "$D/$s.1")"
done
# rtpengine 10.5 passes SDES keys through between two RTP/SAVP legs: each MN
# gets the other's key (end-to-end SRTP through the ALG, suites as checked
# for offers from outside)
[ "$(field "$D/g-mn1.1" key)" = "${MNKEY#*inline:}" ] && [ "$(field "$D/g-mn2.1" key)" = "${MNKEY2#*inline:}" ] \
    || h_fail "G: keys: mn-1 got $(cat "$D/g-mn1.1"), mn-2 got $(cat "$D/g-mn2.1") (rtpengine no longer passes SDES through? update cfg/rtpengine/README.md)"
# roles: the side behind an NVG is the "mn" of the handoff contract
[ "$(dlgvar alg-call-g nvg)" = "sip:nvg-7@$DOM" ] && [ "$(dlgvar alg-call-g alg_callee_role)" = mn ] \
    && [[ "$(dlgvar alg-call-g mn_tag)" == *SIPpTag01* ]] || h_fail "G: roles: $(dlg_dump alg-call-g)"
info "$INET" alg-call-g "$MN:5063"; wait_file "$D/g-mn1.2"
info "$INET" alg-call-g "$MN:5063"
h_sipp_wait "$G_MN2" g-mn2; h_sipp_wait "$G_MN1" g-mn1
h_wait_for 10 no_sessions || h_fail "G: session left: $(ng_list)"
h_pass "G: outside <-> outside: both legs RTP/SAVP AES_CM_128_HMAC_SHA1_80 through the ALG (rtpengine passes the SDES keys end to end); mn-1 behind nvg-7 is the dialog's 'mn'; BYE -> no session"

# ==== J: late offer (INVITE without SDP; offer in the 200, answer in the ACK) ========================
h_sipp_bg "$INET" j-mn -sf "$SCEN/alg_uas.xml" -set ip "$MN" -set port 50090 -set proto RTP/SAVP \
    -set extra "a=crypto:1 $MNKEY2" -set out "$D/j-mn" -i "$MN" -p 5062 -m 1
J_MN=$SIPP_PID
h_sipp_bg "$INTRA" j-cn -sf "$SCEN/alg_uac_short.xml" -set extra2 'a=x-senemo:none' -set mode late \
    -set domain "$DOM" -set callee mn-1 -set caller cn-1 -set ip "$CN" -set port 40090 -set proto RTP/AVP \
    -set extra 'a=x-senemo:plain' -set hdr 'X-None: 1' -set out "$D/j-cn" -cid_str alg-call-j -m 1 \
    -i "$CN" -p 5081 "$ALG_IN:$P2"
J_CN=$SIPP_PID
wait_file "$D/j-cn.1"; wait_file "$D/j-mn.ack"
[ "$(field "$D/j-cn.1" proto)" = RTP/AVP ] && [ "$(field "$D/j-cn.1" ip)" = "$ALG_IN" ] && [ -z "$(field "$D/j-cn.1" key)" ] \
    || h_fail "J: the CN got the late offer as $(cat "$D/j-cn.1")"
[ "$(field "$D/j-mn.ack" proto)" = RTP/SAVP ] && [ "$(field "$D/j-mn.ack" ip)" = "$ALG_EX" ] \
    && [ "$(field "$D/j-mn.ack" suite)" = AES_CM_128_HMAC_SHA1_80 ] || h_fail "J: the MN got the answer as $(cat "$D/j-mn.ack")"
N=50
vbg "$INTRA" j-cn-m run --local "$CN:40090" --remote "$ALG_IN:$(field "$D/j-cn.1" port)" --count $N --expect $N \
    --go "$D/go-j" --duration 20 --linger 800 --ready "$D/ready-j1"
V1=$VPID
vbg "$INET" j-mn-m run --local "$MN:50090" --remote "$ALG_EX:$(field "$D/j-mn.ack" port)" --tx-crypto "$MNKEY2" \
    --rx-crypto "$(field "$D/j-mn.ack" suite) inline:$(field "$D/j-mn.ack" key)" --count $N --expect $N \
    --go "$D/go-j" --duration 20 --linger 800 --ready "$D/ready-j2"
V2=$VPID
h_wait_for 10 test -e "$D/ready-j1" -a -e "$D/ready-j2" || h_fail "verifiers not ready"
touch "$D/go-j"
vwait "$V1" j-cn-m; vwait "$V2" j-mn-m
expect j-mn-m valid $N; clean_rx j-mn-m
expect j-cn-m valid $N; clean_rx j-cn-m
info "$INTRA" alg-call-j "$CN:5081"
h_sipp_wait "$J_CN" j-cn; h_sipp_wait "$J_MN" j-mn
h_wait_for 10 no_sessions || h_fail "J: session left: $(ng_list)"
h_pass "J: late offer (CN's INVITE without SDP): the MN's offer in the 200 reached the CN as plain RTP/AVP, the CN's answer in the ACK reached the MN as RTP/SAVP with the ALG's key; media both ways; BYE -> no session"

# ==== H: a UA that vanishes: dialog timeout =========================================================
h_stop proxy2
H_NS="$HOME_NS" h_kamailio proxy2t "$H_ROOT/cfg/kamailio/proxy2.cfg" "${ALG_P2_ARGS[@]}" -A DLG_TIMEOUT=3
h_kamcmd() { local n="$1"; shift; [ "$n" = proxy2 ] && n=proxy2t; kamcmd -s "unix:$H_DIR/$n.ctl" "$@"; }
register nvg-7 "<sip:nvg-7@$MN:5062>"
register mn-1 "<sip:mn-1@nvg-7.$DOM;nvgc=00000000000000a1>"
h_sipp_bg "$INET" h-mn -sf "$SCEN/alg_uas.xml" -set ip "$MN" -set port 50070 -set proto RTP/SAVP \
    -set extra "a=crypto:1 $MNKEY2" -set out "$D/h-mn" -i "$MN" -p 5062 -m 1
H_MN=$SIPP_PID
h_sipp_bg "$INTRA" h-cn -sf "$SCEN/alg_uac_short.xml" -set extra2 'a=x-senemo:none' -set mode hold -set domain "$DOM" -set callee mn-1 \
    -set caller cn-1 -set ip "$CN" -set port 40070 -set proto RTP/AVP -set extra 'a=x-senemo:plain' \
    -set hdr 'X-None: 1' -set out "$D/h-cn" -cid_str alg-call-h -m 1 -i "$CN" -p 5081 "$ALG_IN:$P2"
H_CN=$SIPP_PID
wait_file "$D/h-cn.1"
has_session alg-call-h || h_fail "H: no session for the call"
# the MN's UA crashes: no BYE, nothing answers any more
# ($H_MN is the `timeout` wrapper; SIPp is its child)
pkill -KILL -P "$H_MN" || h_fail "H: cannot kill the MN's SIPp"
wait "$H_MN" 2>/dev/null
# the dialog times out: Proxy 2 sends BYE to both sides; the CN's UA answers it
h_sipp_wait "$H_CN" h-cn
h_wait_for 10 no_sessions || h_fail "H: session left after the dialog timeout: $(ng_list)"
grep -aq "^BYE sip:cn-1@$CN:5081" "$D/h-cn.d"/*_messages.log || h_fail "H: the CN got no BYE"
grep -q "ALG: alg-call-h: dialog timed out" "$D/proxy2t.log" && grep -q "ALG: alg-call-h: rtpengine session deleted" "$D/proxy2t.log" \
    || h_fail "H: Proxy 2 did not time the dialog out and delete the session"
h_pass "H: the MN vanished: after DLG_TIMEOUT Proxy 2 sent BYE (the CN got it) and deleted the rtpengine session"

# ==== I: Proxy 2 advertises its own overload upstream (RFC 7339, ovsense) ===========================
# a client whose Via carries `oc` gets Proxy 2's feedback in the responses Proxy 2 relays
h_kamcmd proxy2 ovsense.self_overload 30 120 > /dev/null || h_fail "I: ovsense.self_overload"
# (the NVG's contact moves to port 5065: Proxy 2 still retransmits H's BYE to the vanished UA at 5062)
register nvg-7 "<sip:nvg-7@$MN:5065>"
h_sipp_bg "$INET" i-mn -sf "$SCEN/alg_uas_busy.xml" -set out "$D/i-mn" -i "$MN" -p 5065 -m 2
I_MN=$SIPP_PID
icall() {  # NAME: a call from the CN with `oc` in its Via, refused 486 by the MN
    h_sipp_fg "$INTRA" "$1" -sf "$SCEN/alg_uac_short.xml" -set extra2 'a=x-senemo:none' -set mode reject \
        -set viap ';oc;oc-algo="loss"' -set domain "$DOM" -set callee mn-1 -set caller cn-1 -set ip "$CN" \
        -set port 40080 -set proto RTP/AVP -set extra 'a=x-senemo:plain' -set hdr 'X-None: 1' -set out "$D/$1" \
        -cid_str "alg-call-$1" -m 1 -i "$CN" -p 5081 "$ALG_IN:$P2" -timeout 30s
    grep -q '^code=486' "$D/$1.final" || h_fail "I: $(cat "$D/$1.final")"
}
# the first request toward the MN's address makes it a destination ovsense
# tracks; its feedback toward our client is computed on the next tick
icall i1
h_wait_for 10 bash -c "kamcmd -s unix:$D/proxy2t.ctl ovsense.status | h_grepq 'advertised_oc: 30'" \
    || h_fail "I: Proxy 2 does not advertise 30: $(h_kamcmd proxy2 ovsense.status)"
icall i2
h_sipp_wait "$I_MN" i-mn
via="$(grep -a -A3 '^SIP/2.0 486' "$D/i2.d"/*_messages.log | grep -a '^Via:' | head -1)"
[[ "$via" == *";oc=30"* && "$via" == *'oc-algo="loss"'* && "$via" == *"oc-validity="* && "$via" == *"oc-seq="* ]] \
    || h_fail "I: no RFC 7339 feedback in the relayed 486: '$via'"
h_wait_for 10 no_sessions || h_fail "I: session left: $(ng_list)"
h_pass "I: Proxy 2's own overload (forced 30 %) advertised to an oc-capable client: ${via#*;oc=}"

no_sessions || h_fail "sessions left at the end: $(ng_list)"
h_pass "no rtpengine session left"

# the replay guard in front of rtpengine (tests/lib/alg_home.sh) learned every
# call's Internet leg from Proxy 2's ng traffic: A, B, J, H one guarded stream
# each, G (outside <-> outside) two; genuine media never dropped; nothing kept
for c in a b j h; do
    grep -q "guard call alg-call-$c tag .*(new)" "$GUARD_LOG" || h_fail "the guard did not guard call $c: $(guard_stats)"
done
[ "$(grep -c 'guard call alg-call-g tag .*(new)' "$GUARD_LOG")" = 2 ] || h_fail "the guard did not guard both legs of G"
for k in ng_learn_errors ng_parse_errors replay_dropped auth_dropped calls streams; do
    [ "$(guard_stat $k)" = 0 ] || h_fail "guard counter $k is not 0: $(guard_stats)"
done
h_pass "senemo-srtp-guard relayed Proxy 2's ng ($(guard_stat ng_relayed) commands), guarded the Internet legs of A, B, G (both), J, H, dropped no genuine packet ($(guard_stat accepted) checked), forgot every call"
