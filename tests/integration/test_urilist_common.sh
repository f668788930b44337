# shellcheck shell=bash
# Shared by tests/integration/test_urilist.sh and scripts/bench-urilist.sh
# (sourced after tests/lib/harness.sh and h_init): a real Proxy 2 (the test
# configuration tests/cfg/urilist-proxy2.cfg, which includes the shipped
# cfg/kamailio/proxy2-urilist.cfg), a real rtpengine with the ALG's two
# logical interfaces, SIPp correspondents and mobile nodes, and `ulc`, a
# small SIP client (Python, written to $H_DIR/ulc.py) that sends one
# URI-list request over UDP or TCP, waits for its final answer, ACKs it and
# prints the answer as JSON.
#
#   ul_start_proxy2 [CHILDREN]   -> UL_P2_PORT, UL_NG_PORT, UL_RTPE_INT, UL_RTPE_EXT
#                                   (UL_KAM_ARGS: more kamailio options, e.g. "-x tlsf")
#   ul_start_cn NAME [DELAY_MS]  -> UL_CN_PORT_<NAME> (SIPp UAS, urilist_cn_uas.xml)
#   ul_calls NAME CSV N CNPORT   MNs (SIPp UAC, urilist_mn_uac.xml) set up N calls and hold them
#   ul_dialogs CN FILE           the dialogs CN answered as TSV: call-id from-tag to-tag nvg to-uri
#   ulc ARGS...                  the SIP client (python3 $H_DIR/ulc.py)
#   ul_ng CMD                    one ng command to rtpengine (bencoded), reply on stdout

UL_DOMAIN="vpn.example.com"
UL_P2_CFG_TPL="${URILIST_PROXY2_CFG:-$H_ROOT/tests/cfg/urilist-proxy2.cfg}"
UL_SIPP_DIR="$H_ROOT/sipp-scenarios"
UL_NGC="$H_BUILD/tools/senemo-ng"

ul_start_proxy2() {
    local children="${1:-4}"
    UL_NG_PORT="$(h_port)"
    UL_P2_PORT="$(h_port)"
    UL_RTPE_INT=127.0.0.1
    UL_RTPE_EXT=127.0.0.2
    [ -x "$UL_NGC" ] || h_fail "$UL_NGC missing (build first)"
    [ -f "$H_BUILD/modules/urilist.so" ] || h_fail "urilist.so missing (build first)"
    h_rtpengine rtpengine "$UL_NG_PORT" 30000 39999 \
        --interface="internal/$UL_RTPE_INT" --interface="external/$UL_RTPE_EXT" --log-level=5
    h_wait_for 15 ul_ng 'd7:command4:pinge' || h_fail "rtpengine does not answer ng ping"
    h_render "$UL_P2_CFG_TPL" "$H_DIR/proxy2.cfg" URILIST_CFG="$H_ROOT/cfg/kamailio/proxy2-urilist.cfg"
    H_KAM_SHM="${H_KAM_SHM:-256}" h_kamailio proxy2 "$H_DIR/proxy2.cfg" \
        -A "LISTEN_UDP=udp:127.0.0.1:$UL_P2_PORT" -A "LISTEN_TCP=tcp:127.0.0.1:$UL_P2_PORT" \
        -A "RTPENGINE_SOCK=\"udp:127.0.0.1:$UL_NG_PORT\"" -A "CHILDREN=$children" ${UL_KAM_ARGS:-}
    h_log "Proxy 2 on 127.0.0.1:$UL_P2_PORT (udp+tcp), rtpengine ng $UL_NG_PORT"
}

ul_ng() { "$UL_NGC" 127.0.0.1 "$UL_NG_PORT" "$1"; }

# ul_start_cn NAME [DELAY_MS] : a SIPp CN (UAS) in the background, answering
# each INVITE after DELAY_MS (0); its port in UL_CN_PORT_NAME
ul_start_cn() {
    local name="$1" delay="${2:-0}" port
    port="$(h_port)"
    h_start "$name" bash -c "cd '$H_DIR' && exec sipp -nostdin -sf '$UL_SIPP_DIR/urilist_cn_uas.xml' \
        -set ip 198.18.10.2 -d $delay -i 127.0.0.1 -p $port -trace_msg -message_file '$H_DIR/$name.msg' \
        -trace_err -error_file '$H_DIR/$name.err' -buff_size 4194304 -max_recv_loops 10000 -max_sched_loops 10000"
    eval "UL_CN_PORT_${name//[^a-zA-Z0-9_]/_}=$port"
    h_wait_for 10 bash -c "ss -Hlnu 'sport = :$port' | h_grepq ." || h_fail "SIPp CN $name did not start"
}

# INVITEs a CN received so far (its message trace)
ul_cn_invites() { grep -c '^INVITE sip:' "$H_DIR/$1.msg" 2>/dev/null || echo 0; }

# ul_calls NAME CSV N CNPORT : N calls from SIPp MNs through Proxy 2, held
# (background); waits until Proxy 2 has N more confirmed dialogs
ul_calls() {
    local name="$1" csv="$2" n="$3" cnport="$4" before
    before="$(ul_dlg_count)"
    h_start "$name" bash -c "cd '$H_DIR' && exec sipp -nostdin 127.0.0.1:$UL_P2_PORT \
        -sf '$UL_SIPP_DIR/urilist_mn_uac.xml' -inf '$csv' -set domain $UL_DOMAIN \
        -set cn 127.0.0.1:$cnport -i 127.0.0.1 -p $(h_port) -m $n -l $n -r 100 \
        -trace_err -error_file '$H_DIR/$name.err'"
    if ! h_wait_for 120 ul_dlg_count_at_least $((before + n)); then
        ul_diagnose
        h_fail "$name: only $(( $(ul_dlg_count) - before )) of $n calls set up"
    fi
}

# on a stall: what Proxy 2's processes are doing (backtraces, in the run dir)
ul_diagnose() {
    local p kp
    kp="$(h_pid proxy2)"
    h_kamcmd proxy2 core.psx > "$H_DIR/diag.psx" 2>&1
    h_kamcmd proxy2 urilist.status > "$H_DIR/diag.urilist" 2>&1
    command -v gdb >/dev/null || return 0
    for p in $kp $(pgrep -P "$kp"); do
        timeout 20 gdb -p "$p" -batch -ex 'bt 25' > "$H_DIR/diag.bt.$p" 2>&1
    done
    ul_ng 'd7:command4:pinge' > "$H_DIR/diag.ng-ping" 2>&1
    p="$(h_pid rtpengine)"
    [ -n "$p" ] && timeout 30 gdb -p "$p" -batch -ex 'thread apply all bt 15' > "$H_DIR/diag.bt.rtpengine" 2>&1
    h_log "diagnostics: $H_DIR/diag.*"
}

ul_dlg_count() { h_kamcmd proxy2 dlg.stats_active 2>/dev/null | awk '/all:/ {print $2}' | head -1 | grep . || echo 0; }
ul_dlg_count_at_least() { [ "$(ul_dlg_count)" -ge "$1" ]; }

# ul_dialogs CN FILE : the dialogs of the calls CN answered (from its SIPp
# message trace: Call-ID, the MN's From tag, the CN's To tag, X-Test-NVG,
# the To URI) as "call-id<TAB>from-tag<TAB>to-tag<TAB>nvg<TAB>to-uri"
ul_dialogs() {
    python3 "$H_DIR/ulc.py" cn-dialogs < "$H_DIR/$1.msg" > "$2"
}

ulc() { python3 "$H_DIR/ulc.py" "$@"; }

# ---- the SIP client ------------------------------------------------------------------
cat > "$H_DIR/ulc.py" <<'PYEOF'
#!/usr/bin/env python3
"""urilist test client.
  ulc.py send --to HOST:PORT [--tcp] --ruri URI --from URI [--require TAG] [--method M]
              [--ctype CT] [--body FILE] [--hdr 'Name: v']... [--timeout S] [--repeat N [--alt-body FILE]]
              [--to-uri URI] [--contact '<URI>'] [--bye]
      one request; prints {"code","reason","ms","headers","body"} (JSON) after the
      final answer (ACKed for INVITE)
  ulc.py body-fanout --uris FILE --addr IP          multipart body (SDP + list) on stdout
  ulc.py body-handoff --dialogs TSV --addr IP [--af 4|6]   the NVG's handoff body
  ulc.py cn-dialogs < SIPp-message-trace            dialogs a SIPp UAS answered, as TSV
"""
import argparse, json, os, random, re, socket, sys, time

BND = "ulb-5366"
NS = ('xmlns="urn:ietf:params:xml:ns:resource-lists" '
      'xmlns:sh="urn:senemo:params:xml:ns:handoff" '
      'xmlns:cp="urn:ietf:params:xml:ns:copycontrol"')


def sdp(addr, af=4):
    ipv = "IP6" if af == 6 else "IP4"
    return (f"v=0\r\no=- 1 1 IN {ipv} {addr}\r\ns=-\r\nc=IN {ipv} {addr}\r\nt=0 0\r\n"
            f"m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def multipart(sdp_text, xml):
    return (f"--{BND}\r\nContent-Type: application/sdp\r\n\r\n{sdp_text}\r\n"
            f"--{BND}\r\nContent-Type: application/resource-lists+xml\r\n"
            f"Content-Disposition: recipient-list\r\n\r\n{xml}\r\n--{BND}--\r\n")


def esc(s):
    return (s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def parse_msg(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    hdrs = {}
    for l in lines[1:]:
        if ":" in l:
            k, v = l.split(":", 1)
            hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    return lines[0], hdrs, body


def frame_tcp(buf):
    """one complete message from a TCP stream buffer: (msg, rest) or (None, buf)"""
    i = buf.find(b"\r\n\r\n")
    if i < 0:
        return None, buf
    m = re.search(rb"\r\n(?:content-length|l)\s*:\s*(\d+)", buf[:i + 2], re.I)
    n = int(m.group(1)) if m else 0
    end = i + 4 + n
    if len(buf) < end:
        return None, buf
    return buf[:end], buf[end:]


def cmd_send(a):
    """--repeat N: N requests one after the other (new Call-ID each); the
    last answer is printed with "ms_list" holding every request's time"""
    res, rc = [], 0
    bodies = [open(a.body, "rb").read() if a.body else b""]
    if a.alt_body:
        bodies.append(open(a.alt_body, "rb").read())
    for i in range(max(1, a.repeat)):
        out, rc = send_one(a, bodies[i % len(bodies)])
        res.append(out)
        if rc:
            break
    out = res[-1]
    out["ms_list"] = [r["ms"] for r in res]
    out["codes"] = [r["code"] for r in res]
    print(json.dumps(out))
    return rc


def send_one(a, body):
    host, port = a.to.rsplit(":", 1)
    port = int(port)
    proto = "tcp" if a.tcp else "udp"
    if a.tcp:
        s = socket.create_connection((host, port), timeout=a.timeout)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # ULC_BIND: the local address (another namespace's tests)
        s.bind((os.environ.get("ULC_BIND", "127.0.0.1"), 0))
        s.connect((host, port))
    lh, lp = s.getsockname()[:2]
    callid = "ulc-%x-%x@%s" % (random.getrandbits(48), int(time.time() * 1000), lh)
    ftag = "%x" % random.getrandbits(40)
    branch = "z9hG4bK%x" % random.getrandbits(56)
    frm = f"<{a.frm}>;tag={ftag}"
    to = f"<{a.to_uri or a.ruri}>"

    def req(method, ruri, to_hdr, br, cseq_method, with_body, cseq=1):
        h = [f"{method} {ruri} SIP/2.0",
             f"Via: SIP/2.0/{proto.upper()} {lh}:{lp};branch={br};rport",
             f"From: {frm}", f"To: {to_hdr}", f"Call-ID: {callid}",
             f"CSeq: {cseq} {cseq_method}", "Max-Forwards: 70",
             "Contact: " + (a.contact or f"<sip:client@{lh}:{lp};transport={proto}>")]
        if with_body and a.require:
            h.append(f"Require: {a.require}")
        if with_body:
            h += a.hdr
        b = body if with_body else b""
        if with_body and b:
            h.append(f"Content-Type: {a.ctype}")
        h.append(f"Content-Length: {len(b)}")
        return ("\r\n".join(h) + "\r\n\r\n").encode() + b

    msg = req(a.method, a.ruri, to, branch, a.method, True)
    t0 = time.monotonic()
    s.send(msg)
    buf = b""
    deadline = t0 + a.timeout
    last_tx = t0
    got_prov = False
    final = None
    s.settimeout(0.1)
    while time.monotonic() < deadline:
        try:
            d = s.recv(262144)
        except socket.timeout:
            if not a.tcp and not got_prov and time.monotonic() - last_tx > 0.5:
                s.send(msg)  # UDP retransmission until a provisional arrives
                last_tx = time.monotonic()
            continue
        if not d:
            break
        msgs = []
        if a.tcp:
            buf += d
            while True:
                m, buf = frame_tcp(buf)
                if m is None:
                    break
                msgs.append(m)
        else:
            msgs.append(d)
        for m in msgs:
            first, hdrs, rbody = parse_msg(m)
            if not first.startswith("SIP/2.0 "):
                continue
            code = int(first.split()[1])
            if code < 200:
                got_prov = True
                continue
            final = (first, hdrs, rbody, time.monotonic())
            break
        if final:
            break
    if not final:
        return {"code": 0, "reason": "timeout", "ms": None}, 1
    first, hdrs, rbody, t1 = final
    code = int(first.split()[1])
    if a.method == "INVITE":
        to_hdr = hdrs.get("to", [to])[0]
        if 200 <= code < 300:
            ct = hdrs.get("contact", ["<%s>" % a.ruri])[0]
            m = re.search(r"<([^>]*)>", ct)
            ack_ruri = m.group(1) if m else ct
            s.send(req("ACK", ack_ruri, to_hdr, "z9hG4bK%x" % random.getrandbits(56), "ACK", False))
            if a.bye:
                bye_code = 0
                s.send(req("BYE", ack_ruri, to_hdr, "z9hG4bK%x" % random.getrandbits(56), "BYE", False, 2))
                end = time.monotonic() + 5
                while time.monotonic() < end and not bye_code:
                    try:
                        d = s.recv(262144)
                    except socket.timeout:
                        continue
                    for m in re.split(rb"(?=SIP/2\.0 )", d):
                        f, h2, _ = parse_msg(m)
                        if f.startswith("SIP/2.0 ") and h2.get("cseq", [""])[0].endswith("BYE"):
                            bye_code = int(f.split()[1])
        else:
            s.send(req("ACK", a.ruri, to_hdr, branch, "ACK", False))
    out = {"code": code, "reason": first.split(" ", 2)[2] if first.count(" ") >= 2 else "",
           "ms": round((t1 - t0) * 1000.0, 3), "headers": hdrs,
           "body": rbody.decode(errors="replace")}
    if a.bye:
        out["bye_code"] = bye_code if 200 <= code < 300 and a.method == "INVITE" else None
    s.close()
    return out, 0


def cmd_body_fanout(a):
    uris = [l.strip() for l in open(a.uris) if l.strip()]
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists %s>\n<list>\n' % NS
           + "".join('<entry uri="%s"/>\n' % esc(u) for u in uris) + "</list>\n</resource-lists>\n")
    sys.stdout.write(multipart(sdp(a.addr), xml))


def cmd_body_handoff(a):
    ents = []
    for l in open(a.dialogs):
        f = l.rstrip("\n").split("\t")
        if len(f) < 5:
            continue
        cid, ftag, ttag, nvg, touri = f[:5]
        ents.append('<entry uri="%s">\n  <sh:dialog call-id="%s" mn-tag="%s" cn-tag="%s"/>\n</entry>\n'
                    % (esc(touri), esc(cid), esc(ftag), esc(ttag)))
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists %s>\n<list>\n' % NS
           + "".join(ents) + "</list>\n</resource-lists>\n")
    sys.stdout.write(multipart(sdp(a.addr, a.af).replace("m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", ""), xml))


def cmd_cn_dialogs(a):
    """SIPp -trace_msg of a UAS: initial INVITEs received and the 200s sent"""
    text = sys.stdin.read()
    calls, order = {}, []
    for m in re.split(r"\n-{20,}[^\n]*\n", text):
        i = m.find("\n\n")
        if i < 0:
            continue
        msg = m[i + 2:].lstrip("\n")
        first, _, rest = msg.partition("\n")
        hdr = {}
        for l in rest.split("\n"):
            if not l.strip():
                break
            if ":" in l:
                k, v = l.split(":", 1)
                hdr.setdefault(k.strip().lower(), v.strip())
        cid = hdr.get("call-id")
        if not cid:
            continue
        if first.startswith("INVITE ") and "tag=" not in hdr.get("to", ""):
            if cid not in calls:
                ft = re.search(r"tag=([^;>\s]+)", hdr.get("from", ""))
                tu = re.search(r"<([^>]*)>", hdr.get("to", ""))
                calls[cid] = {"ftag": ft.group(1) if ft else "", "nvg": hdr.get("x-test-nvg", ""),
                              "to": tu.group(1) if tu else "sip:cn@invalid", "ttag": ""}
                order.append(cid)
        elif first.startswith("SIP/2.0 200") and hdr.get("cseq", "").endswith("INVITE") and cid in calls:
            tt = re.search(r"tag=([^;>\s]+)", hdr.get("to", ""))
            if tt and not calls[cid]["ttag"]:
                calls[cid]["ttag"] = tt.group(1)
    for cid in order:
        c = calls[cid]
        if c["ttag"]:
            print("\t".join([cid, c["ftag"], c["ttag"], c["nvg"], c["to"]]))


def main():
    p = argparse.ArgumentParser()
    sp = p.add_subparsers(dest="cmd", required=True)
    s = sp.add_parser("send")
    s.add_argument("--to", required=True)
    s.add_argument("--tcp", action="store_true")
    s.add_argument("--ruri", required=True)
    s.add_argument("--from", dest="frm", required=True)
    s.add_argument("--method", default="INVITE")
    s.add_argument("--require", default="")
    s.add_argument("--ctype", default="multipart/mixed;boundary=" + BND)
    s.add_argument("--body", default="")
    s.add_argument("--hdr", action="append", default=[])
    s.add_argument("--timeout", type=float, default=60)
    s.add_argument("--repeat", type=int, default=1)
    s.add_argument("--to-uri", default="", help="To URI (default: the Request-URI)")
    s.add_argument("--contact", default="", help="Contact header value (default: this client)")
    s.add_argument("--bye", action="store_true", help="after a 2xx: BYE to its Contact, answer code in bye_code")
    s.add_argument("--alt-body", default="", help="with --repeat: every other request carries this body")
    b = sp.add_parser("body-fanout")
    b.add_argument("--uris", required=True)
    b.add_argument("--addr", required=True)
    h = sp.add_parser("body-handoff")
    h.add_argument("--dialogs", required=True)
    h.add_argument("--addr", required=True)
    h.add_argument("--af", type=int, default=4)
    sp.add_parser("cn-dialogs")
    a = p.parse_args()
    return {"send": cmd_send, "body-fanout": cmd_body_fanout, "body-handoff": cmd_body_handoff,
            "cn-dialogs": cmd_cn_dialogs}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
PYEOF

# jq-free JSON field access for the client's answers
ul_json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); 
v=d
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else (v[int(k)] if isinstance(v, list) else None)
print("" if v is None else (v if isinstance(v, str) else json.dumps(v)))' "$1" "$2"; }
