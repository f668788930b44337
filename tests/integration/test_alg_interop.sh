#!/bin/bash
# SRTP ALG interop (issue 6): a real UA that speaks SRTP by itself - baresip
# 1.0 (Debian package baresip-core) with its srtp module, `mediaenc
# srtp-mand` - calls a CN in the intranet through Proxy 1 and Proxy 2
# (cfg/kamailio/proxy2.cfg driving the real rtpengine):
#
#   intra ns: CN 198.18.10.2 (SIPp alg_uas.xml signalling, senemo-srtp media)
#     | home ns: Proxy 2 198.18.10.1:5070, rtpengine internal/198.18.10.1
#     |          external/198.18.20.1, Proxy 1 198.18.20.1:5060 (NO_AUTH)
#   inet ns: baresip 198.18.20.2:5064 (no audio device: ausine source, the
#            aubridge player; driven over its ctrl_tcp socket)
#
# Proves: baresip's SRTP offer (its own SDES keys) is accepted; baresip is
# answered RTP/SAVP with an allowed suite, the CN gets plain RTP/AVP; on the
# Internet leg (captured on the ALG's external interface) every media
# packet carries an SRTP authentication tag and no payload equals a plain
# payload of the intranet leg; the CN receives plain RTP from the ALG (160
# bytes of PCMU per packet); the CN's plain RTP reaches baresip as SRTP that
# baresip's libsrtp accepts (no SRTP error in its log); the call ends with
# baresip's BYE and no rtpengine session is left.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/netns.sh"
h_init alg_interop
source "$(dirname "$0")/../lib/alg_home.sh"
export LC_ALL=C

SRTP="$H_BUILD/tools/senemo-srtp"
SCEN="$H_ROOT/sipp-scenarios"
command -v baresip >/dev/null || h_fail "baresip missing (Debian package baresip-core; ./senemo setup installs it)"
[ -f /usr/lib/baresip/modules/srtp.so ] || h_fail "baresip's srtp module missing (baresip-core)"
command -v tshark >/dev/null || h_fail "tshark missing"
[ -x "$SRTP" ] || h_fail "build first (senemo-srtp)"
D="$H_DIR"
CTRL=4444
alg_home_up 30400 30499

field() { tr ' ' '\n' < "$1" | sed -n "s/^$2=//p"; }
jget() { grep -o "\"$2\":[^,}]*" "$1" | head -1 | cut -d: -f2- | tr -d '"'; }

h_sipp_bg "$INTRA" reg -sf "$SCEN/nvg_register_raw.xml" -set domain "$DOM" -set user cn-1 \
    -set contact "<sip:cn-1@$CN:5080>" -set expires 600 -set expect 200 -m 1 -i "$CN" -p 5099 \
    "$ALG_IN:$P2" -timeout 20s
h_sipp_wait "$SIPP_PID" reg

# ---- baresip, configured from scratch --------------------------------------------
BD="$D/baresip"
mkdir -p "$BD"
cat > "$BD/config" <<EOF
poll_method		epoll
sip_listen		$MN:5064
sip_trans_def		udp
call_local_timeout	120
call_max_calls		4
audio_player		aubridge,null
audio_source		ausine,440
audio_alert		aubridge,null
ausrc_srate		48000
auplay_srate		48000
ausrc_channels		2
auplay_channels		2
rtp_tos			0
rtcp_mux		no
jitter_buffer_delay	5-10
rtp_stats		yes
net_interface		mn0
module_path		/usr/lib/baresip/modules
module			g711.so
module			ausine.so
module			aubridge.so
module			srtp.so
module_app		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$CTRL
EOF
# the MN's account: no registration, every request through Proxy 1, SRTP
# mandatory (RTP/SAVP with a=crypto), PCMU only
echo "<sip:mn-9@$DOM>;regint=0;outbound=\"sip:$ALG_EX:$P1;lr\";mediaenc=srtp-mand;audio_codecs=PCMU" \
    > "$BD/accounts"
: > "$BD/contacts"
H_NS="$INET" h_start baresip baresip -f "$BD" -v
ctl() {  # one ctrl_tcp command as a netstring; prints baresip's answer
    local js="{\"command\":\"$1\",\"params\":\"$2\",\"token\":\"t$RANDOM\"}"
    ip netns exec "$INET" bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$CTRL"'; printf "%d:%s," "${#1}" "$1" >&3;
        timeout 3 head -c 2000 <&3 || true' _ "$js"
}
h_wait_for 15 ip netns exec "$INET" bash -c "exec 3<>/dev/tcp/127.0.0.1/$CTRL" \
    || h_fail "baresip's ctrl_tcp does not listen: $(tail -20 "$D/baresip.log")"
h_pass "baresip $(baresip -h 2>&1 | head -1 | awk '{print $2}') up (srtp module, mediaenc=srtp-mand, outbound Proxy 1)"

# ---- the call ---------------------------------------------------------------------
# capture the media of both legs on the ALG
H_NS="$HOME_NS" h_start tshark-ex tshark -n -i ex0 -f "udp portrange 30400-30499" -w "$D/ex.pcap"
H_NS="$HOME_NS" h_start tshark-in tshark -n -i in0 -f "udp portrange 30400-30499" -w "$D/in.pcap"
h_wait_for 10 test -s "$D/ex.pcap" || h_fail "tshark did not start"
h_wait_for 10 test -s "$D/in.pcap" || h_fail "tshark did not start"
h_sipp_bg "$INTRA" cn -sf "$SCEN/alg_uas.xml" -set ip "$CN" -set port 40000 -set proto RTP/AVP \
    -set extra 'a=x-senemo:plain' -set out "$D/cn" -i "$CN" -p 5080 -m 1
CN_SIPP=$SIPP_PID
ctl dial "sip:cn-1@$DOM" > "$D/dial.out"
h_wait_for 30 test -s "$D/cn.1" || h_fail "the CN got no INVITE: $(cat "$D/dial.out"); $(tail -30 "$D/baresip.log")"
[ "$(field "$D/cn.1" proto)" = RTP/AVP ] && [ "$(field "$D/cn.1" ip)" = "$ALG_IN" ] && [ -z "$(field "$D/cn.1" key)" ] \
    || h_fail "the CN was offered $(cat "$D/cn.1")"
h_wait_for 20 grep -q "Call established" "$D/baresip.log" || h_fail "baresip: no call established: $(tail -30 "$D/baresip.log")"
# what baresip offered and got (the SIP trace at the CN side is plain; baresip's own SDP from Proxy 2's dialog)
h_kamcmd proxy2 dlg.list > "$D/dlg.txt"
grep -q "mn_sdp: v=0" "$D/dlg.txt" || h_fail "no dialog with the MN's SDP: $(cat "$D/dlg.txt")"
grep -A30 "mn_sdp:" "$D/dlg.txt" | h_grepq "RTP/SAVP" || h_fail "baresip did not offer RTP/SAVP"
grep -A30 "mn_sdp:" "$D/dlg.txt" | grep -o 'a=crypto:[0-9]* [A-Z0-9_]*' | sort -u > "$D/bs-suites"
h_pass "baresip's offer: RTP/SAVP with $(awk '{print $2}' "$D/bs-suites" | tr '\n' ' ')- accepted; the CN got RTP/AVP at $ALG_IN:$(field "$D/cn.1" port)"

# media: the CN receives baresip's sine as plain RTP and sends plain RTP back
N=150
ip netns exec "$INTRA" "$SRTP" run --local "$CN:40000" --remote "$ALG_IN:$(field "$D/cn.1" port)" \
    --count $N --duration 20 --linger 1000 > "$D/cn-media.json" 2> "$D/cn-media.err" \
    || h_fail "senemo-srtp at the CN: $(cat "$D/cn-media.err")"
rx="$(jget "$D/cn-media.json" received)"
[ "${rx:-0}" -ge 50 ] || h_fail "the CN received ${rx:-0} RTP packets from baresip: $(cat "$D/cn-media.json")"
[ "$(jget "$D/cn-media.json" not_rtp)" = 0 ] || h_fail "non-RTP at the CN: $(cat "$D/cn-media.json")"
[ "$(jget "$D/cn-media.json" sources)" = "[$ALG_IN:$(field "$D/cn.1" port)]" ] || h_fail "CN media sources: $(cat "$D/cn-media.json")"

ctl hangup "" > "$D/hangup.out"
h_sipp_wait "$CN_SIPP" cn
h_wait_for 10 no_sessions || h_fail "rtpengine session left after baresip's BYE: $(ngc 'd7:command4:liste')"
h_stop tshark-ex; h_stop tshark-in

# ---- the two legs, from the captures ----------------------------------------------
# Internet leg: media from baresip to the ALG and back; intranet leg: ALG <-> CN
# (RTP on the even ports; RTCP/SRTCP on the odd ones is left out)
for leg in ex in; do
    tshark -r "$D/$leg.pcap" -T fields -e ip.src -e ip.dst -e udp.length -e data -e udp.srcport -e udp.dstport \
        -Y udp 2>/dev/null | awk '$5 % 2 == 0 && $6 % 2 == 0' > "$D/$leg.txt"
done
ex_up="$(awk -v s="$MN" '$1 == s' "$D/ex.txt" | wc -l)"; ex_dn="$(awk -v s="$MN" '$2 == s' "$D/ex.txt" | wc -l)"
in_up="$(awk -v s="$ALG_IN" '$1 == s' "$D/in.txt" | wc -l)"; in_dn="$(awk -v s="$CN" '$1 == s' "$D/in.txt" | wc -l)"
[ "$ex_up" -ge 50 ] && [ "$ex_dn" -ge 50 ] && [ "$in_up" -ge 50 ] && [ "$in_dn" -ge 50 ] \
    || h_fail "media packets: Internet leg baresip->ALG $ex_up, ALG->baresip $ex_dn; intranet ALG->CN $in_up, CN->ALG $in_dn"
# plain RTP PCMU 20 ms: 8 (UDP) + 12 (RTP) + 160 = 180; SRTP adds the tag: 4 (_32) or 10 (_80)
in_lens="$(awk '{print $3}' "$D/in.txt" | sort -u | tr '\n' ' ')"
ex_lens="$(awk '{print $3}' "$D/ex.txt" | sort -u | tr '\n' ' ')"
[ "$in_lens" = "180 " ] || h_fail "intranet leg UDP lengths '$in_lens', expected 180 (plain RTP, 160 bytes PCMU)"
[ "$ex_lens" = "184 " ] || [ "$ex_lens" = "190 " ] \
    || h_fail "Internet leg UDP lengths '$ex_lens', expected 184 (SRTP _32 tag) or 190 (_80 tag)"
# encrypted: no RTP payload of the intranet leg (bytes 12..171 of the UDP payload) appears on the Internet leg
awk '{print substr($4, 25, 320)}' "$D/in.txt" | sort -u > "$D/in.payloads"
awk '{print substr($4, 25, 320)}' "$D/ex.txt" | sort -u > "$D/ex.payloads"
common="$(comm -12 "$D/in.payloads" "$D/ex.payloads" | wc -l)"
[ "$common" = 0 ] || h_fail "$common plain payloads of the intranet leg appear unencrypted on the Internet leg"
grep -iE "srtp.*(fail|error|auth)|unprotect" "$D/baresip.log" && h_fail "baresip reports SRTP errors"
# baresip's own statistics at hangup: every packet the CN sent was received
# (decrypted and authenticated by baresip's libsrtp), no errors
h_wait_for 10 grep -q "^packets:" "$D/baresip.log" || h_fail "no call statistics from baresip"
read -r _ bs_tx bs_rx < <(grep "^packets:" "$D/baresip.log" | tail -1)
read -r _ bs_txe bs_rxe < <(grep "^errors:" "$D/baresip.log" | tail -1)
[ "$bs_rx" = "$N" ] && [ "$bs_rxe" = 0 ] || h_fail "baresip received $bs_rx packets ($bs_rxe errors), the CN sent $N"
h_pass "Internet leg: $ex_up+$ex_dn SRTP packets (UDP $ex_lens: RTP + auth tag, no plain payload); intranet leg: $in_up+$in_dn plain RTP packets (UDP 180); the CN received $rx plain packets of baresip's $bs_tx; baresip received and decrypted $bs_rx/$N of the CN's packets as SRTP (0 errors)"
h_pass "baresip hung up: BYE through both proxies, no rtpengine session left"
