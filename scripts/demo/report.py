#!/usr/bin/python3
"""./senemo demo, the report: every figure measured from this run's captures
(tshark), SIPp's logs and the media verifiers' summaries.

    report.py RUN_JSON

RUN_JSON (written by scripts/demo/report.sh) holds the parameters, what the
tree could do, times recorded while running and the run directory. Writes
OUT/report.json, OUT/report.md, RUN_DIR/plot.gp (+ data), prints the table.
Exit 0: every registration, every call set up and no call lost; 3 otherwise.
"""
import json
import os
import re
import statistics
import subprocess
import sys

run = json.load(open(sys.argv[1]))
D = run["dir"]
OUT = run["out"]
ADDR = run["addr"]
N = run["mns_per_vehicle"]
# nvg: the SeNEMO scenario; baseline: the same scenario per MN (plain NAT
# routers, digest, every MN re-registers and re-INVITEs its calls itself)
MODE = run.get("mode", "nvg")
BL = MODE == "baseline"


# the Internet leg NVG <-> Proxy 1 in TLS (the default; --plain: UDP): the
# egress captures are read with Proxy 1's TLS key log (senemo-sslkeylog)
TLS = bool(run.get("tls", 0))
TLS_PORT = int(run.get("tls_port", 5061))
TLS_KEYLOG = run.get("tls_keylog", "")


def tshark(pcap, fields, dfilter=None, occurrence="f"):
    """rows of FIELDS (strings) for each packet of PCAP matching DFILTER"""
    if not os.path.exists(pcap):
        return []
    cmd = ["tshark", "-r", pcap, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=" + occurrence]
    if TLS and os.path.basename(pcap).startswith("egress"):
        cmd += ["-d", "tcp.port==%d,tls" % TLS_PORT]
        if TLS_KEYLOG and os.path.exists(TLS_KEYLOG):
            cmd += ["-o", "tls.keylog_file:" + TLS_KEYLOG]
    if dfilter:
        cmd += ["-Y", dfilter]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def pct(vals, p):
    if not vals:
        return None
    v = sorted(vals)
    return v[min(len(v) - 1, int((len(v) - 1) * p / 100.0 + 0.5))]


def r1(x):
    return None if x is None else round(x, 1)


# ---- SIP on the egress links ----------------------------------------------------------
SIPF = ["frame.time_epoch", "ip.src", "ip.dst", "ip.len", "sip.Method", "sip.Status-Code",
        "sip.CSeq.method", "sip.Call-ID", "sip.from.user", "sip.to.user", "sip.r-uri.user"]


def _hdr(text, names):
    """the first value of header NAMES (full and compact form) in TEXT"""
    for line in text.split("\r\n"):
        if not line:
            break
        k, _, val = line.partition(":")
        if k.strip().lower() in names:
            return val.strip()
    return ""


def _user(v):
    m = re.search(r"sips?:([^@;>\s]+)@", v)
    return m.group(1) if m else ""


def sip_msgs(v):
    """every SIP message of the egress capture, also several in one frame (a
    TCP segment or one TLS record can carry more than one: the JSON output
    keeps them apart, -T fields would show the first only)"""
    pcap = os.path.join(D, "egress%d.pcapng" % v)
    if not os.path.exists(pcap):
        return []
    cmd = ["tshark", "-r", pcap, "-Y", "sip", "-T", "json", "--no-duplicate-keys", "-J", "frame ip sip"]
    if TLS:
        cmd += ["-d", "tcp.port==%d,tls" % TLS_PORT]
        if TLS_KEYLOG and os.path.exists(TLS_KEYLOG):
            cmd += ["-o", "tls.keylog_file:" + TLS_KEYLOG]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    try:
        frames = json.loads(out) if out.strip() else []
    except ValueError:
        frames = []
    msgs = []
    for f in frames:
        ly = f.get("_source", {}).get("layers", {})
        fr = ly.get("frame", {})
        ip = ly.get("ip", {})
        if isinstance(ip, list):
            ip = ip[0]
        sips = ly.get("sip", [])
        if not isinstance(sips, list):
            sips = [sips]
        first = True
        for m in sips:
            rl, sl = m.get("sip.Request-Line", ""), m.get("sip.Status-Line", "")
            if not rl and not sl:
                continue
            hdr = m.get("sip.msg_hdr", "")
            cseq = _hdr(hdr, ("cseq",)).split()
            method = rl.split()[0] if rl else ""
            status = int(sl.split()[1]) if sl and len(sl.split()) > 1 and sl.split()[1].isdigit() else None
            msgs.append({"t": float(fr.get("frame.time_epoch", 0)), "src": ip.get("ip.src", ""),
                         "dst": ip.get("ip.dst", ""), "len": int(ip.get("ip.len", 0) or 0) if first else 0,
                         "method": method, "status": status, "cseq": cseq[1] if len(cseq) > 1 else "",
                         "callid": _hdr(hdr, ("call-id", "i")), "from": _user(_hdr(hdr, ("from", "f"))),
                         "to": _user(_hdr(hdr, ("to", "t"))), "ruser": _user(rl.split()[1]) if rl and len(rl.split()) > 1 else ""})
            first = False
    msgs.sort(key=lambda m: m["t"])
    return msgs


EGRESS = {v: sip_msgs(v) for v in (1, 2)}


# every packet of the Internet leg's SIP on the egress link: with TLS the
# link carries TCP (handshakes, ACKs) and TLS records, not datagrams. Per
# frame: time, IP length, TLS records of application data, SIP messages.
def link_frames(v):
    out = []
    for r in tshark(os.path.join(D, "egress%d.pcapng" % v),
                    ["frame.time_epoch", "ip.len", "tcp.port", "tls.record.content_type", "sip.CSeq"],
                    "tcp.port==%d || udp.port==5060 || ip.flags.mf==1 || ip.frag_offset>0" % TLS_PORT,
                    occurrence="a"):
        r += [""] * (5 - len(r))
        ct = [x for x in r[3].split(",") if x]
        out.append({"t": float(r[0]), "len": sum(int(x) for x in r[1].split(",") if x),
                    "tcp": r[2] != "", "tls_app": ct.count("23"),
                    "sip": len([x for x in r[4].split(",") if x]) if r[4] else 0})
    return out


LINK = {v: link_frames(v) for v in (1, 2)} if TLS else {1: [], 2: []}
# Kamailio writes one SIP message per TLS record: checked on this run's
# captures (TLS records of application data = SIP messages decrypted from them)
tls_check = {"tls_app_records": sum(f["tls_app"] for v in (1, 2) for f in LINK[v]),
             "sip_msgs_in_tls": sum(f["sip"] for v in (1, 2) for f in LINK[v] if f["tcp"]),
             "frames_with_several_records": sum(1 for v in (1, 2) for f in LINK[v] if f["tls_app"] > 1),
             "keylog": bool(TLS_KEYLOG and os.path.exists(TLS_KEYLOG) and os.path.getsize(TLS_KEYLOG) > 0)} if TLS else None


def label(m):
    return m["method"] if m["method"] else "%d(%s)" % (m["status"], m["cseq"])


# ---- registration ------------------------------------------------------------------------
reg_msgs = [m for v in (1, 2) for m in EGRESS[v]
            if run["reg_t0"] <= m["t"] <= run["reg_t1"] + 2 and m["cseq"] == "REGISTER"
            and m["from"].startswith("mn-")]
by_call = {}
for m in reg_msgs:
    by_call.setdefault(m["callid"], []).append(m)
lat = []
ok_calls = 0
for cid, ms in by_call.items():
    req = [m["t"] for m in ms if m["method"] == "REGISTER"]
    # the 200 (a digest REGISTER has a 401 first): first REGISTER -> 200
    fin = [m for m in ms if m["status"] == 200]
    if fin:
        ok_calls += 1
        if req:
            lat.append((fin[0]["t"] - req[0]) * 1000)
reg_breakdown = {}
for m in reg_msgs:
    reg_breakdown[label(m)] = reg_breakdown.get(label(m), 0) + 1
def reg_stats(msgs):
    calls_ = {}
    for m in msgs:
        calls_.setdefault(m["callid"], []).append(m)
    lat_, ok_ = [], 0
    for ms_ in calls_.values():
        req_ = [m["t"] for m in ms_ if m["method"] == "REGISTER"]
        fin_ = [m for m in ms_ if m["status"] == 200]
        if fin_:
            ok_ += 1
            if req_:
                lat_.append((fin_[0]["t"] - req_[0]) * 1000)
    return {"egress_msgs": len(msgs), "ok": ok_,
            "sip_msgs_per_register": round(len(msgs) / ok_, 2) if ok_ else None,
            "latency_ms_p50": r1(pct(lat_, 50)), "latency_ms_p95": r1(pct(lat_, 95))}


reg_per_vehicle = []
first_access = {1: 1, 2: 2 if len(run["access"]) >= 2 else 1}
for v in (1, 2):
    st = reg_stats([m for m in reg_msgs if m["from"].startswith("mn-%d-" % v)])
    st["vehicle"] = v
    st["access"] = run["access"][first_access[v] - 1]["profile"]
    reg_per_vehicle.append(st)
mn_rtt = []
try:
    mn_rtt = [float(x) for x in open(os.path.join(D, "reg_rtt_mn.txt")).read().split()]
except OSError:
    pass
registration = {
    "mns": 2 * N,
    "ok": run["reg_ok"],
    "failed": run["reg_fail"],
    "auth": run["auth"],
    "egress_msgs": len(reg_msgs),
    "egress_ok_transactions": ok_calls,
    "sip_msgs_per_register": round(len(reg_msgs) / ok_calls, 2) if ok_calls else None,
    "egress_breakdown": reg_breakdown,
    "latency_ms_p50": r1(pct(lat, 50)),
    "latency_ms_p95": r1(pct(lat, 95)),
    "latency_ms_max": r1(max(lat)) if lat else None,
    "mn_rtt_ms_p50": r1(pct(mn_rtt, 50)),
    "mn_rtt_ms_p95": r1(pct(mn_rtt, 95)),
    "per_vehicle": reg_per_vehicle,
}

# ---- the NVGs' statistics (kamcmd stats.get_statistics nvg:) --------------------------------
nvg_stats = {}
for v in (1, 2):
    st = {}
    try:
        for l in open(os.path.join(D, "nvg%d-stats.txt" % v)):
            if "=" in l:
                k, x = l.split("=", 1)
                k = k.strip().replace("nvg:", "")
                try:
                    st[k] = int(x.strip())
                except ValueError:
                    pass
    except OSError:
        pass
    nvg_stats[v] = {k: st[k] for k in ("handoffs", "coalesced_changes", "list_failures", "fallback_reinvites",
                                       "list_entries", "sdp_rewritten", "last_handoff_ms", "dialogs",
                                       "registers_committed") if k in st}

# ---- calls -----------------------------------------------------------------------------------
calls = {}          # callid -> record
def est_lines(name):
    try:
        return [l.split() for l in open(os.path.join(D, name)) if l.strip()]
    except OSError:
        return []


for f in est_lines("est-uac.txt"):
    # uac SIDE EST callid caller callee lport raddr rport crypto...
    if len(f) < 7:
        continue
    side, cid, caller, callee = f[1], f[3], f[4], f[5]
    kind = "cn2mn" if side == "cn" else ("mn2cn" if callee.startswith("cn-") else "mn2mn")
    calls[cid] = {"callid": cid, "kind": kind, "caller": caller, "callee": callee,
                  "sides": [side], "established": True, "bye_ok": False, "streams": []}
for f in est_lines("est-uas.txt"):
    if len(f) < 7:
        continue
    side, cid = f[1], f[3]
    if cid in calls and side not in calls[cid]["sides"]:
        calls[cid]["sides"].append(side)
for side in ("cn", "mn1", "mn2"):
    d = os.path.join(D, "sipp-uac-" + side)
    if not os.path.isdir(d):
        continue
    for fn in os.listdir(d):
        if fn.endswith("_logs.log"):
            for l in open(os.path.join(d, fn), errors="replace"):
                p = l.split()
                if len(p) >= 2 and p[0] == "BYE200" and p[1] in calls:
                    calls[p[1]]["bye_ok"] = True
for c in calls.values():
    c["vehicles"] = sorted(int(s[2]) for s in c["sides"] if s.startswith("mn"))

# streams: name -> callid; (side, local port) -> name
stream_call = {}
try:
    for l in open(os.path.join(D, "stream-calls.txt")):
        cid, name = l.split()
        stream_call[name] = cid
        if cid in calls:
            calls[cid]["streams"].append(name)
except OSError:
    pass

# the verifiers' summaries
verifier = {}
for side in ("cn", "mn1", "mn2"):
    p = os.path.join(D, "media-%s.json" % side)
    if os.path.exists(p):
        try:
            j = json.loads(open(p).read())
        except ValueError:
            continue
        for s in j.get("per_stream", []):
            verifier[s["name"]] = s

# ---- media arrivals (captures at the receiving ends) --------------------------------------------
arrivals = {}       # stream name -> sorted arrival times
if run["media_on"]:
    def load(pcap, side, ip, lo, hi):
        for r in tshark(os.path.join(D, pcap), ["frame.time_epoch", "udp.dstport"],
                        "ip.dst==%s && udp.dstport>=%d && udp.dstport<=%d" % (ip, lo, hi)):
            port = int(r[1])
            role = "uac" if (port < 41000 if side != "cn" else port < 43000) else "uas"
            arrivals.setdefault("%s-%s-%d" % (role, side, port), []).append(float(r[0]))
    load("intra.pcapng", "cn", ADDR["cn"], 42000, 43999)
    load("mn1.pcapng", "mn1", ADDR["mn1"], 40000, 41999)
    load("mn2.pcapng", "mn2", ADDR["mn2"], 40000, 41999)
    for a in arrivals.values():
        a.sort()


def move_effect(arr, t, end):
    """largest interarrival gap around a move at T, and when media flowed again"""
    pre = [x for x in arr if x <= t]
    post = [x for x in arr if t < x <= end]
    if not post:
        return {"resumed": False, "gap_ms": None, "completion_ms": None}
    seq = ([pre[-1]] if pre and t - pre[-1] < 2.0 else [t]) + post
    # completion: the end of the first interruption (a gap longer than 3
    # packet times, 60 ms) after the move: media flows again; gap: the
    # largest gap in the window (a later stall of this shared machine counts)
    gap, first_end = 0.0, None
    for a, b in zip(seq, seq[1:]):
        if b - a > gap:
            gap = b - a
        if first_end is None and b - a > 0.060:
            first_end = b
    comp = (first_end - t) * 1000 if first_end is not None else 0.0
    return {"resumed": True, "gap_ms": gap * 1000, "completion_ms": comp}


# ---- moves -----------------------------------------------------------------------------------------
moves = []
try:
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(D, "moves.tsv")) if l.strip()]
except OSError:
    rows = []
lost_calls = set()
for k, r in enumerate(rows):
    idx, vs, t = int(r[0]), [int(x) for x in r[1].split(",")], float(r[2])
    end = float(rows[k + 1][2]) if k + 1 < len(rows) else t + run["move_gap_s"]
    per_vehicle = []
    for v in vs:
        ms = [m for m in EGRESS[v] if t <= m["t"] < end]
        # the handoff's REGISTERs: the NVG's own, or in the baseline every MN's
        reg = [m for m in ms if m["cseq"] == "REGISTER" and m["from"].startswith("mn-" if BL else "nvg-")]
        lst = [m for m in ms if m["cseq"] == "INVITE" and "nvg-handoff" in (m["ruser"], m["to"])]
        lst_final = [m["status"] for m in lst if m["status"] and m["status"] >= 200]
        lst_final_t = [m["t"] for m in lst if m["status"] and m["status"] >= 200]
        reg_ok_t = [m["t"] for m in reg if m["status"] == 200]
        done_t = lst_final_t[0] if lst_final_t else (reg_ok_t[0] if reg_ok_t else None)
        if BL:
            # the baseline: the last of the MNs' transactions to get its 200
            # (each REGISTER and re-INVITE transaction's first 200)
            first200 = {}
            for m in ms:
                if m["status"] == 200 and m["cseq"] in ("REGISTER", "INVITE"):
                    first200.setdefault((m["callid"], m["cseq"], m["src"]), m["t"])
            done_t = max(first200.values()) if first200 else None
        # what each message belongs to: the NVG's handoff (its REGISTER, the
        # list INVITE transaction), a call's dialog (re-INVITEs: the NVG's
        # per-dialog fallback going out, or home's re-INVITE coming in), other
        ho_cids = set(m["callid"] for m in ms if m["cseq"] == "INVITE" and "nvg-handoff" in (m["ruser"], m["to"]))
        cls = {"handoff": 0, "dialog_out": 0, "dialog_in": 0, "other": 0}
        for m in ms:
            if (m["cseq"] == "REGISTER" and m["from"].startswith("mn-" if BL else "nvg-")) or m["callid"] in ho_cids:
                cls["handoff"] += 1
            elif m["callid"] in calls:
                # a request leaves from / a response arrives at the egress address: the NVG's own
                out = (m["method"] != "") == (m["dst"] in (ADDR["p1"], ADDR["p2"]))
                cls["dialog_out" if out else "dialog_in"] += 1
            else:
                cls["other"] += 1
        per_vehicle.append({
            "classes": cls,
            "list_200s": len([m for m in ms if m["callid"] in ho_cids and m["status"] == 200]),
            "vehicle": v, "from_access": int(r[3].split(",")[vs.index(v)].split(":")[1]),
            "to_access": int(r[4].split(",")[vs.index(v)].split(":")[1]),
            "egress_msgs": len(ms),
            "egress_bytes": sum(f["len"] for f in LINK[v] if t <= f["t"] < end) if TLS else sum(m["len"] for m in ms),
            # TLS: every byte of the Internet leg's SIP in the window (TCP
            # and TLS headers, handshakes, ACKs), and the TLS records of data
            "egress_tls_records": sum(f["tls_app"] for f in LINK[v] if t <= f["t"] < end) if TLS else None,
            "sequence": [label(m) for m in ms][:40],
            "nvg_register": 0 if BL else len([m for m in reg if m["method"] == "REGISTER"]),
            "mn_registers": len([m for m in reg if m["method"] == "REGISTER"]) if BL else 0,
            "reinvites": len([m for m in ms if m["method"] == "INVITE" and m["callid"] in calls]),
            "handoff_list_final": lst_final[0] if lst_final else None,
            # address change -> the handoff's final answer on the egress link
            # (the list INVITE's, else the REGISTER's; in the baseline the
            # last 200 of the MNs' REGISTER and re-INVITE transactions)
            "signalling_ms": r1((done_t - t) * 1000) if done_t else None,
            "last_msg_ms": r1((ms[-1]["t"] - t) * 1000) if ms else None,
        })
    mv = {"index": idx, "vehicles": vs, "simultaneous": len(vs) > 1, "t": t,
          "egress_msgs": sum(p["egress_msgs"] for p in per_vehicle),
          "egress_bytes": sum(p["egress_bytes"] for p in per_vehicle),
          "egress_msgs_per_vehicle_max": max(p["egress_msgs"] for p in per_vehicle),
          "per_vehicle": per_vehicle,
          "completion_ms": None, "max_media_gap_ms": None, "calls_affected": 0,
          "calls_not_resumed": 0, "per_call_gap_ms": {}}
    if run["media_on"]:
        comps, gaps, affected, notres = [], [], 0, 0
        for c in calls.values():
            if not set(c["vehicles"]) & set(vs):
                continue
            affected += 1
            cgap, ok = 0.0, True
            for sname in c["streams"]:
                e = move_effect(arrivals.get(sname, []), t, end)
                if not e["resumed"]:
                    ok = False
                    continue
                comps.append(e["completion_ms"])
                gaps.append(e["gap_ms"])
                cgap = max(cgap, e["gap_ms"])
            if not ok or not c["streams"]:
                notres += 1
                lost_calls.add(c["callid"])
            mv["per_call_gap_ms"][c["callid"]] = r1(cgap) if ok else None
        mv["calls_affected"] = affected
        mv["calls_not_resumed"] = notres
        mv["completion_ms"] = r1(max(comps)) if comps and notres == 0 else None
        mv["completion_ms_p50"] = r1(pct(comps, 50))
        # a call whose media never came back has no finite gap: then the
        # move's largest gap is unknown (null) and calls_not_resumed says why
        mv["max_media_gap_ms"] = r1(max(gaps)) if gaps and notres == 0 else None
        mv["max_media_gap_ms_resumed_calls"] = r1(max(gaps)) if gaps else None
        mv["window_ms"] = r1((end - t) * 1000)
    moves.append(mv)

# calls lost: set up, then did not survive (BYE unanswered, or media that
# never came back after a move)
for c in calls.values():
    if not c["bye_ok"]:
        lost_calls.add(c["callid"])
established = len(calls)
calls_detail = []
for c in sorted(calls.values(), key=lambda c: (c["kind"], c["caller"])):
    vg = [verifier[s] for s in c["streams"] if s in verifier]
    calls_detail.append({
        "callid": c["callid"], "kind": c["kind"], "caller": c["caller"], "callee": c["callee"],
        "vehicles": c["vehicles"], "bye_ok": c["bye_ok"], "lost": c["callid"] in lost_calls,
        # the verifiers' largest gap between two packets received (whole call)
        "max_media_gap_ms": r1(max(s["gap_ms_max"] for s in vg)) if vg else None,
        "media_lost_packets": sum(s.get("lost", 0) for s in vg) if vg else None,
        "media_valid_packets": sum(s.get("valid", 0) for s in vg) if vg else None,
    })

# ---- per-packet overhead on the Internet leg, and no clear RTP leaving home ----------------------
overhead = {"measured": False}
if run["media_on"]:
    inet = tshark(os.path.join(D, "edge.pcapng"), ["ip.src", "ip.dst", "ip.len", "udp.length", "udp.payload"], "udp")
    intra = tshark(os.path.join(D, "intra.pcapng"), ["ip.src", "ip.len", "udp.length", "udp.payload"],
                   "ip.src==%s && ip.dst==%s" % (ADDR["p2"], ADDR["cn"]))
    out_pk = [r for r in inet if r[0] == ADDR["alg_ext"]]
    in_pk = [r for r in inet if len(r) > 1 and r[1] == ADDR["alg_ext"]]
    plain_ids = set()
    for r in intra:
        if len(r) > 3 and len(r[3]) >= 56:
            plain_ids.add(r[3][24:56])          # 16 payload bytes after the RTP header
    clear = sum(1 for r in out_pk + in_pk if len(r) > 4 and len(r[4]) >= 56 and r[4][24:56] in plain_ids)
    if out_pk and intra:
        o_udp = statistics.mean(int(r[3]) - 8 for r in out_pk)
        i_udp = statistics.mean(int(r[2]) - 8 for r in intra)
        o_ip = statistics.mean(int(r[2]) for r in out_pk)
        i_ip = statistics.mean(int(r[1]) for r in intra)
        overhead = {
            "measured": True,
            "internet_leg_packets": len(out_pk) + len(in_pk),
            "intranet_packets": len(intra),
            "internet_ip_bytes_mean": round(o_ip, 1),
            "intranet_ip_bytes_mean": round(i_ip, 1),
            "srtp_overhead_bytes": round(o_udp - i_udp, 1),
            "clear_rtp_packets_on_internet": clear,
        }
# ---- what went wrong, from the captures and logs (diagnostics) ------------------------------------
diag = []
first_move = float(rows[0][2]) if rows else None
if first_move:
    try:
        auth_fail = strict = 0
        for l in open(os.path.join(D, "rtpengine.log"), errors="replace"):
            if not l.startswith("[") or "]" not in l:
                continue
            try:
                ts = float(l[1:l.index("]")])
            except ValueError:
                continue
            if ts < first_move:
                continue
            if "authentication failed" in l:
                auth_fail += 1
            elif "strict-source" in l:
                strict += 1
        if auth_fail:
            diag.append("rtpengine logged %d times after the first move that it discarded SRTP packets failing "
                        "authentication (a re-anchored leg expecting another key than the sender's; the log line is "
                        "rate-limited)" % auth_fail)
        if strict:
            diag.append("rtpengine logged %d times after the first move that it dropped packets from a source other "
                        "than the signalled one (strict-source: media from the new address before, or without, "
                        "re-anchoring)" % strict)
    except OSError:
        pass
to_p2 = tshark(os.path.join(D, "edge.pcapng"), ["ip.src", "sip.Method", "sip.Call-ID"],
               "ip.dst==%s && udp.dstport==%d && sip.Method" % (ADDR["p2"], 5070))
if to_p2:
    meth = {}
    for r in to_p2:
        meth[r[1]] = meth.get(r[1], 0) + 1
    diag.append("%d SIP requests (%s) went from the Internet straight to Proxy 2 (%s:5070), which the home edge "
                "firewall %s: their route set names Proxy 2 first (it sent the request toward the NVG itself, not "
                "through Proxy 1)" % (len(to_p2), ", ".join("%s %d" % kv for kv in sorted(meth.items())), ADDR["p2"],
                                     "refuses" if run.get("firewall", 1) else "would refuse (off in this run)"))
for mv in moves:
    for p in mv["per_vehicle"]:
        n200 = p["list_200s"]
        if p["handoff_list_final"] == 200 and p["classes"]["handoff"] > 6:
            diag.append("move %d, vehicle %d: the URI-list INVITE's 200 came %d times, each ACKed by the NVG "
                        "(through Proxy 1): %d handoff messages instead of 6" % (
                            mv["index"], p["vehicle"], n200, p["classes"]["handoff"]))
fb = sum(nvg_stats[v].get("fallback_reinvites", 0) for v in (1, 2))
if fb:
    diag.append("the NVGs fell back to %d per-dialog re-INVITEs (list entries Proxy 2 did not answer 200)" % fb)

# DESIGN.md's cost model (computed, not measured)
overhead["model"] = {
    "g711_rtp_packet_bytes": 172,
    "senemo_srtp_tag_bytes": 10,
    "ietf_mobile_vpn_bytes": [90, 113],
    "ietf_mobile_vpn_note": "RFC 5265: ESP tunnel (50-73) + two MIPv4 IP-in-IP tunnels (20 each)",
    "nemo_bs_bytes": 40,
    "nemo_bs_note": "RFC 3963: one IPv6-in-IPv6 tunnel (40), unencrypted; + ESP 50-73 to encrypt",
}

# ---- the signalling cost model beside what was measured ----------------------------------------------
per_vehicle_calls = {v: len([c for c in calls.values() if v in c["vehicles"]]) for v in (1, 2)}
S = statistics.mean(per_vehicle_calls.values()) if calls else 0
model = {
    "n_mns": N, "active_calls_per_vehicle": S,
    "senemo_nvg_hotp": 5,
    "per_mn_hotp": 2 * N + 3 * S,
    "per_mn_digest": 4 * N + 3 * S + 2 * S,
    "ietf_mobile_vpn": 13 * N,
    "nemo_bs": 2,
}
measured_pv = [p["egress_msgs"] for mv in moves for p in mv["per_vehicle"]]


def baseline_summary(path):
    """the measured baseline object of report.json (from the baseline run's own
    report.json at PATH): the figures compared side by side"""
    try:
        b = json.load(open(path))
    except (OSError, ValueError) as e:
        return None, "--baseline: the baseline run's report (%s) cannot be read: %s" % (path, e)
    mv = []
    for m in b["moves"]:
        mv.append({k: m.get(k) for k in ("index", "vehicles", "simultaneous", "egress_msgs", "egress_bytes",
                                         "egress_msgs_per_vehicle_max", "completion_ms", "completion_ms_p50",
                                         "max_media_gap_ms", "calls_affected", "calls_not_resumed")})
        mv[-1]["per_vehicle"] = [{k: p.get(k) for k in ("vehicle", "from_access", "to_access", "egress_msgs",
                                                        "egress_bytes", "signalling_ms", "mn_registers",
                                                        "reinvites", "classes")} for p in m["per_vehicle"]]
    reg = b["registration"]
    return {
        "mode": "per-MN mobility behind a plain NAT router (no NVG), digest authentication",
        "mns": b["mns"], "mns_per_vehicle": b["mns_per_vehicle"],
        "calls": b["calls"], "calls_established": b["calls_established"], "calls_lost": b["calls_lost"],
        "calls_failed_setup": b["calls_failed_setup"], "calls_by_kind": b["calls_by_kind"], "media": b["media"],
        "registration": {k: reg.get(k) for k in ("mns", "ok", "failed", "auth", "egress_msgs", "egress_ok_transactions",
                                                 "sip_msgs_per_register", "egress_breakdown", "latency_ms_p50",
                                                 "latency_ms_p95", "latency_ms_max", "mn_rtt_ms_p50", "mn_rtt_ms_p95")},
        "moves": mv,
        "egress_msgs_per_vehicle_move_mean": b.get("egress_msgs_per_vehicle_move_mean"),
        "overhead": {k: b["overhead"].get(k) for k in ("measured", "srtp_overhead_bytes", "clear_rtp_packets_on_internet")},
        "report": path, "run_dir": b.get("run_dir"), "duration_s": b.get("duration_s"),
        "notes": b.get("notes", []), "diagnostics": b.get("diagnostics", []),
    }, None


baseline, bl_note = (None, None)
if run.get("baseline_report"):
    baseline, bl_note = baseline_summary(run["baseline_report"])

rep = {
    "mode": MODE,
    "mns": 2 * N,
    "mns_per_vehicle": N,
    "vehicles": 2,
    "calls": run["calls_total"],
    "calls_established": established,
    "calls_lost": len(lost_calls),
    "calls_failed_setup": run["calls_total"] - established,
    "calls_by_kind": {k: len([c for c in calls.values() if c["kind"] == k]) for k in ("cn2mn", "mn2cn", "mn2mn")},
    "media": bool(run["media_on"]),
    "moves": moves,
    "registration": dict(registration, auth="digest" if BL else registration["auth"]),
    "overhead": overhead,
    "signalling_model": model,
    "egress_msgs_per_vehicle_move_mean": round(statistics.mean(measured_pv), 2) if measured_pv else None,
    "access": run["access"],
    "auth": run["auth"],
    "capabilities": {k: bool(v) for k, v in run["capabilities"].items()},
    "nvg_registered": [bool(x) for x in run["nvg_registered"]],
    "firewall_drops": run.get("firewall_drops", 0),
    "firewall": bool(run.get("firewall", 1)),
    "internet_leg": "tls" if TLS else "udp",
    "tls_check": tls_check,
    "diagnostics": diag,
    "nvg_stats": {"nvg-%d" % v: nvg_stats[v] for v in (1, 2)},
    "baseline": baseline,
    "notes": run["notes"] + ([bl_note] if bl_note else []),
    "calls_detail": calls_detail,
    "duration_s": None,
    "run_dir": D,
}
import time
rep["duration_s"] = round(time.time() - run["started"], 1)
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "report.json"), "w") as f:
    json.dump(rep, f, indent=1)


# ---- table + markdown -------------------------------------------------------------------------------------
def fmt(x, unit=""):
    return "-" if x is None else ("%s%s" % (x, unit))


def gapcell(mv, k, sp=" "):
    if mv[k] is not None:
        return "%s%sms" % (mv[k], sp)
    if run["media_on"] and mv["calls_not_resumed"]:
        return ">%.0f%ss" % (mv["window_ms"] / 1000.0, sp)
    return "-"


def side_by_side():
    """markdown lines: SeNEMO and the measured baseline, per move and for the
    registrations"""
    b = baseline
    T = []
    T.append("## SeNEMO and the per-MN baseline, side by side (`--baseline`)")
    T.append("")
    T.append("The same scenario (MNs, calls, moves, link profiles) run again with the vehicles' routers as plain NAT "
             "routers: every MN registers itself with digest through Proxy 1 and, after a move, re-registers and "
             "re-INVITEs each of its calls itself (its new address in Contact and SDP). Baseline run: `%s`." % b["run_dir"])
    T.append("")
    T.append("| registrations | SeNEMO (HOTP via the NVG) | baseline (digest, per MN) |")
    T.append("|---|---|---|")
    T.append("| MNs registered | %d / %d | %d / %d |" % (registration["ok"], registration["mns"], b["registration"]["ok"], b["registration"]["mns"]))
    T.append("| SIP messages per authenticated REGISTER (egress) | %s | %s |" % (
        fmt(registration["sip_msgs_per_register"]), fmt(b["registration"]["sip_msgs_per_register"])))
    T.append("| REGISTER latency p50 / p95 (egress) | %s / %s ms | %s / %s ms |" % (
        fmt(registration["latency_ms_p50"]), fmt(registration["latency_ms_p95"]),
        fmt(b["registration"]["latency_ms_p50"]), fmt(b["registration"]["latency_ms_p95"])))
    T.append("| calls set up / lost | %d of %d / %d | %d of %d / %d |" % (
        established, run["calls_total"], len(lost_calls), b["calls_established"], b["calls"], b["calls_lost"]))
    T.append("")
    T.append("| move | vehicle | egress SIP msgs SeNEMO / baseline | egress bytes SeNEMO / baseline | signalling done SeNEMO / baseline | completion (media, median) SeNEMO / baseline | calls not resumed SeNEMO / baseline |")
    T.append("|---|---|---|---|---|---|---|")
    bmv = {m["index"]: m for m in b["moves"]}
    for mv in moves:
        bm = bmv.get(mv["index"])
        for p in mv["per_vehicle"]:
            bp = None
            if bm:
                bp = next((q for q in bm["per_vehicle"] if q["vehicle"] == p["vehicle"]), None)
            T.append("| %d%s | %d | %d / %s | %d / %s | %s / %s | %s / %s | %s / %s |" % (
                mv["index"], " (both)" if mv["simultaneous"] else "", p["vehicle"],
                p["egress_msgs"], fmt(bp and bp["egress_msgs"]), p["egress_bytes"], fmt(bp and bp["egress_bytes"]),
                fmt(p["signalling_ms"], " ms"), fmt(bp and bp["signalling_ms"], " ms"),
                fmt(mv.get("completion_ms_p50"), " ms"), fmt(bm and bm.get("completion_ms_p50"), " ms"),
                mv["calls_not_resumed"] if run["media_on"] else "-",
                (bm["calls_not_resumed"] if bm and b["media"] else "-")))
    T.append("")
    T.append("Mean SIP messages on the egress link per vehicle and move: SeNEMO %s, baseline %s." % (
        fmt(rep["egress_msgs_per_vehicle_move_mean"]), fmt(b["egress_msgs_per_vehicle_move_mean"])))
    for n in b["notes"]:
        if not n.startswith("baseline:"):
            T.append("- baseline note: " + n)
    for n in b["diagnostics"]:
        T.append("- baseline: " + n)
    T.append("")
    return T


L = []
L.append("# SeNEMO demo report" if not BL else "# SeNEMO demo: the per-MN baseline (plain NAT routers, digest)")
L.append("")
L.append("2 vehicles x %d MNs, %d calls (%d CN->MN, %d MN->CN, %d MN<->MN between the vehicles), %d moves; "
         "access networks: %s; authentication: %s; media: %s." % (
             N, run["calls_total"], rep["calls_by_kind"]["cn2mn"] if calls else 0,
             rep["calls_by_kind"]["mn2cn"] if calls else 0, rep["calls_by_kind"]["mn2mn"] if calls else 0,
             len(moves), ", ".join("acc%d %s" % (a["access"], a["profile"]) for a in run["access"]),
             run["auth"], "SRTP on the Internet leg, RTP in the intranet (senemo-srtp at both ends)"
             if run["media_on"] else "none (signalling-only calls)"))
L.append("")
L.append("| what | measured |")
L.append("|---|---|")
L.append("| MNs registered %s | %d / %d |" % ("(each itself, digest)" if BL else "through their NVG", run["reg_ok"], 2 * N))
L.append("| SIP messages per authenticated REGISTER (egress capture) | %s (%s) |" % (
    fmt(registration["sip_msgs_per_register"]),
    ", ".join("%s %d" % kv for kv in sorted(registration["egress_breakdown"].items()))))
L.append("| REGISTER latency on the egress link p50 / p95 | %s / %s ms |" % (
    fmt(registration["latency_ms_p50"]), fmt(registration["latency_ms_p95"])))
L.append("| REGISTER round trip seen by the MN p50 | %s ms |" % fmt(registration["mn_rtt_ms_p50"]))
for st in reg_per_vehicle:
    L.append("| vehicle %d (on %s): SIP msgs per REGISTER, latency p50 / p95 on the egress link | %s, %s / %s ms |" % (
        st["vehicle"], st["access"], fmt(st["sip_msgs_per_register"]), fmt(st["latency_ms_p50"]), fmt(st["latency_ms_p95"])))
L.append("| calls set up / lost | %d of %d / **%d** |" % (established, run["calls_total"], len(lost_calls)))
L.append("| packets the home edge firewall refused (inbound, not SIP to Proxy 1 / media to the ALG) | %d |" % run.get("firewall_drops", 0))
L.append("")
# DESIGN.md's targets beside this run's figures
ho_max = max((p["classes"]["handoff"] for mv in moves for p in mv["per_vehicle"]), default=None)
all_max = max((p["egress_msgs"] for mv in moves for p in mv["per_vehicle"]), default=None)
comp50 = [mv.get("completion_ms_p50") for mv in moves if mv.get("completion_ms_p50") is not None]
L.append("| DESIGN.md target | this run |")
L.append("|---|---|")
L.append("| SIP messages on the egress link per handoff <= 6, independent of N | handoff transactions: at most %s; everything on the link: at most %s per vehicle and move |" % (
    fmt(ho_max), fmt(all_max)))
L.append("| authenticated REGISTER: 2 SIP messages (HOTP) | %s |" % fmt(registration["sip_msgs_per_register"]))
L.append("| handoff completion median <= 100 ms (wlan), <= 1,500 ms (umts) | per move, median over the calls' streams: %s ms |" % (
    ", ".join(str(x) for x in comp50) if comp50 else "-"))
L.append("| 0 calls lost, including the simultaneous move | %d lost |" % len(lost_calls))
L.append("| no clear RTP leaves home toward the Internet | %s |" % (
    "%d packets" % overhead["clear_rtp_packets_on_internet"] if overhead.get("measured") else "not measured (no media)"))
L.append("")
if baseline:
    L += side_by_side()
L.append("## Moves")
L.append("")
L.append("| move | vehicle(s) | access | egress SIP msgs | egress bytes | NVG handoff on the wire | signalling done | completion (media) | largest media gap | calls not resumed |")
L.append("|---|---|---|---|---|---|---|---|---|---|")
for mv in moves:
    for p in mv["per_vehicle"]:
        hand = ["%d handoff + %d per-dialog (NVG fallback) + %d per-dialog (from home) + %d other:" % (
            p["classes"]["handoff"], p["classes"]["dialog_out"], p["classes"]["dialog_in"], p["classes"]["other"])]
        if p["nvg_register"]:
            hand.append("REGISTER x%d" % p["nvg_register"])
        if p["handoff_list_final"]:
            hand.append("list INVITE -> %d" % p["handoff_list_final"])
        L.append("| %d%s | %d | %d -> %d | %d | %d | %s | %s | %s | %s | %s |" % (
            mv["index"], " (both)" if mv["simultaneous"] else "", p["vehicle"], p["from_access"], p["to_access"],
            p["egress_msgs"], p["egress_bytes"], " ".join(hand) if p["egress_msgs"] else "nothing",
            fmt(p["signalling_ms"], " ms"), gapcell(mv, "completion_ms"), gapcell(mv, "max_media_gap_ms"),
            ("%d / %d" % (mv["calls_not_resumed"], mv["calls_affected"])) if run["media_on"] else "-"))
L.append("")
for mv in moves:
    for p in mv["per_vehicle"]:
        L.append("- move %d, vehicle %d, egress: %s" % (mv["index"], p["vehicle"], " ".join(p["sequence"]) or "(no SIP)"))
L.append("")
L.append("`>N s`: some call's media had not come back when the next move (or the end) came, N s after the address change.")
L.append("")
L.append("NVG statistics after the moves (nvg module): " + "; ".join(
    "nvg-%d: %s" % (v, ", ".join("%s %s" % kv for kv in nvg_stats[v].items()) or "none") for v in (1, 2)))
L.append("")
L.append("## Signalling per move against the number of MNs (DESIGN.md cost model)")
L.append("")
L.append("| scheme | messages per move at N = %d, S = %.1f | source |" % (N, S))
L.append("|---|---|---|")
L.append("| SeNEMO NVG, measured in this run (mean per vehicle and move) | %s | egress capture |" % fmt(rep["egress_msgs_per_vehicle_move_mean"]))
L.append("| SeNEMO NVG, HOTP | 5 (6 with 100 Trying) | model |")
L.append("| per-MN SIP mobility, HOTP | %g | model: 2N + 3S |" % model["per_mn_hotp"])
L.append("| per-MN SIP mobility, digest | %g | model: 4N + 3S + 2S |" % model["per_mn_digest"])
L.append("| IETF mobile VPN (RFC 5265) | %d | model: 13N |" % model["ietf_mobile_vpn"])
L.append("| NEMO Basic Support (RFC 3963) | 2 | model (cost moves to every packet) |")
L.append("")
L.append("## Per-packet overhead on the Internet leg")
L.append("")
if overhead.get("measured"):
    L.append("| what | bytes per media packet |")
    L.append("|---|---|")
    L.append("| SeNEMO, measured: Internet leg %.1f B vs intranet %.1f B (IP) | **%+.1f** (SRTP auth tag) |" % (
        overhead["internet_ip_bytes_mean"], overhead["intranet_ip_bytes_mean"], overhead["srtp_overhead_bytes"]))
    L.append("| IETF mobile VPN (model) | +90 .. +113 |")
    L.append("| NEMO Basic Support (model) | +40 (unencrypted) |")
    L.append("")
    L.append("Clear RTP payloads of the intranet seen on the Internet leg: **%d** of %d packets." % (
        overhead["clear_rtp_packets_on_internet"], overhead["internet_leg_packets"]))
else:
    L.append("Not measured: no media in this run. Model: SRTP +10 B per packet; IETF mobile VPN +90..113 B; NEMO BS +40 B.")
L.append("")
if diag:
    L.append("## What the captures and logs show went wrong")
    L.append("")
    for n in diag:
        L.append("- " + n)
    L.append("")
if rep["notes"]:
    L.append("## Notes (what this run could not do, and why)")
    L.append("")
    for n in rep["notes"]:
        L.append("- " + n)
    L.append("")
L.append("## How each figure is measured")
L.append("")
L.append("- Egress: dumpcap on each NVG's egress interface (SIP and IP fragments) for the whole run; a move's window runs from the address change to the next move (or the move gap). *handoff* = the NVG's own REGISTER and its URI-list INVITE transaction; *per-dialog* = re-INVITEs in the calls' dialogs (the NVG's fallback, or from home).")
if TLS:
    L.append("- Internet leg NVG <-> Proxy 1: mutual TLS (the cfgs' default; `--plain` for UDP). The egress captures are decrypted with Proxy 1's TLS key log (senemo-sslkeylog, test keys of this run only) to tell the SIP messages apart; *egress SIP msgs* counts the SIP messages (this run: %d TLS records of application data carried %d SIP messages, %d frames held more than one record. Kamailio writes one SIP message per TLS record, except for messages queued while a new connection's handshake runs: the tls module flushes its queue in one record, so the handoff's REGISTER and URI-list INVITE, sent on the new connection from the new address, usually share one); *egress bytes* are every IP byte of the leg in the window: TLS records, TCP headers, handshakes, ACKs; home -> NVG requests and the NVG's answers ride the NVG's own TLS connection too (Proxy 1 relays them on it, never in UDP)." % (
        tls_check["tls_app_records"], tls_check["sip_msgs_in_tls"], tls_check["frames_with_several_records"]))
L.append("- Signalling done: address change -> the URI-list INVITE's final response (else the REGISTER's) on the egress link.")
L.append("- Media: senemo-srtp at every MN and CN (50 packets/s each way per call); arrivals captured where they are received. Completion: address change -> end of the first interruption (> 3 packet times) of every affected call's streams, both directions; largest gap: the largest interarrival gap in the window (stalls of this shared 2-core machine count too). A call is lost when a stream has no packet after a move (within the window) or its BYE is not answered 200.")
L.append("- Registration: REGISTER -> 200 per transaction on the egress capture (messages counted there); the MN's view from SIPp's response times.")
L.append("- Overhead: mean IP size of the ALG's Internet-side packets against the same streams' intranet-side packets; clear RTP: any 16-byte payload slice of an intranet packet seen again on the Internet leg.")
L.append("- Models (IETF mobile VPN, NEMO BS, per-MN mobility): DESIGN.md's cost model, computed, not measured.")
L.append("")
L.append("![signalling per move](demo-signalling.png)")
if moves:
    L.append("![moves](demo-moves.png)")
md = "\n".join(L) + "\n"
with open(os.path.join(OUT, "report.md"), "w") as f:
    f.write(md)

# stdout: the short table
print()
print("SeNEMO demo%s: 2 vehicles x %d MNs, %d calls, %d moves (%s)" % (
    " (the per-MN baseline)" if BL else "", N, run["calls_total"], len(moves), ", ".join(a["profile"] for a in run["access"])))
print("  registrations  %d/%d ok, %s SIP msgs per REGISTER on the egress link, latency p50 %s ms (MN sees %s ms)" % (
    run["reg_ok"], 2 * N, fmt(registration["sip_msgs_per_register"]), fmt(registration["latency_ms_p50"]),
    fmt(registration["mn_rtt_ms_p50"])))
if TLS:
    print("  internet leg   NVG <-> Proxy 1 over mutual TLS: %d TLS records of data carried %d SIP messages%s; bytes = every IP byte of the leg" % (
        tls_check["tls_app_records"], tls_check["sip_msgs_in_tls"],
        "" if tls_check["keylog"] else " (no key log: SIP not readable)"))
print("  calls          %d set up of %d, %d lost%s" % (established, run["calls_total"], len(lost_calls),
                                                       "" if run["media_on"] else " (signalling only: no media)"))
print("  %-5s %-8s %-7s %6s %8s %7s %11s %11s %10s %8s" % ("move", "vehicle", "access", "msgs", "handoff", "bytes", "signalling", "completion", "max_gap", "lost"))
for mv in moves:
    for p in mv["per_vehicle"]:
        print("  %-5s %-8d %-7s %6d %8d %7d %11s %11s %10s %8s" % (
            "%d%s" % (mv["index"], "*" if mv["simultaneous"] else ""), p["vehicle"],
            "%d->%d" % (p["from_access"], p["to_access"]), p["egress_msgs"], p["classes"]["handoff"], p["egress_bytes"],
            fmt(p["signalling_ms"], "ms"), gapcell(mv, "completion_ms", ""), gapcell(mv, "max_media_gap_ms", ""),
            ("%d/%d" % (mv["calls_not_resumed"], mv["calls_affected"])) if run["media_on"] else "-"))
if any(mv["simultaneous"] for mv in moves):
    print("  (* both vehicles at the same moment)")
if moves:
    print("  msgs: every SIP message on the vehicle's egress link in the move's window; handoff: the NVG's")
    print("  REGISTER and URI-list INVITE transactions (the rest: per-dialog re-INVITEs, see report.md)")
if baseline:
    b = baseline
    print("  --baseline: the same scenario per MN (plain NAT routers, digest, each MN re-registers and re-INVITEs)")
    print("  registrations  SeNEMO %s SIP msgs per REGISTER, p50 %s ms | baseline %s msgs, p50 %s ms (%d/%d ok)" % (
        fmt(registration["sip_msgs_per_register"]), fmt(registration["latency_ms_p50"]),
        fmt(b["registration"]["sip_msgs_per_register"]), fmt(b["registration"]["latency_ms_p50"]),
        b["registration"]["ok"], b["registration"]["mns"]))
    print("  calls          SeNEMO %d lost | baseline %d set up of %d, %d lost" % (
        len(lost_calls), b["calls_established"], b["calls"], b["calls_lost"]))
    print("  %-5s %-8s %15s %17s %21s %21s" % ("move", "vehicle", "msgs nvg/base", "bytes nvg/base", "signalling nvg/base", "completion nvg/base"))
    bmv = {m["index"]: m for m in b["moves"]}
    for mv in moves:
        bm = bmv.get(mv["index"])
        for p in mv["per_vehicle"]:
            bp = next((q for q in bm["per_vehicle"] if q["vehicle"] == p["vehicle"]), None) if bm else None
            print("  %-5s %-8d %15s %17s %21s %21s" % (
                "%d%s" % (mv["index"], "*" if mv["simultaneous"] else ""), p["vehicle"],
                "%d/%s" % (p["egress_msgs"], fmt(bp and bp["egress_msgs"])),
                "%d/%s" % (p["egress_bytes"], fmt(bp and bp["egress_bytes"])),
                "%s/%s" % (fmt(p["signalling_ms"], "ms"), fmt(bp and bp["signalling_ms"], "ms")),
                "%s/%s" % (fmt(mv.get("completion_ms_p50"), "ms"), fmt(bm and bm.get("completion_ms_p50"), "ms"))))
if overhead.get("measured"):
    print("  overhead       SRTP %+.1f B/packet measured (IETF mobile VPN +90..113, NEMO +40: model); clear RTP on the Internet: %d" % (
        overhead["srtp_overhead_bytes"], overhead["clear_rtp_packets_on_internet"]))
for n in rep["notes"]:
    print("  note: " + n)
for n in diag:
    print("  seen: " + n)

# ---- plots (gnuplot script; drawn by report.sh) -------------------------------------------------------
with open(os.path.join(D, "model.dat"), "w") as f:
    ratio = S / N if N else 0
    for n in (1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000):
        s = ratio * n
        f.write("%d %g %g %g %g %g\n" % (n, 5, 2 * n + 3 * s, 4 * n + 5 * s, 13 * n, 2))
with open(os.path.join(D, "measured.dat"), "w") as f:
    for mv in moves:
        for p in mv["per_vehicle"]:
            f.write("%d %d\n" % (N, p["egress_msgs"]))
with open(os.path.join(D, "measured-baseline.dat"), "w") as f:
    for mv in (baseline["moves"] if baseline else []):
        for p in mv["per_vehicle"]:
            f.write("%d %d\n" % (baseline["mns_per_vehicle"], p["egress_msgs"]))
with open(os.path.join(D, "moves.dat"), "w") as f:
    for mv in moves:
        for p in mv["per_vehicle"]:
            c50 = mv.get("completion_ms_p50")
            gmax = mv.get("max_media_gap_ms_resumed_calls")
            f.write("\"%d/v%d%s\" %d %s %s\n" % (
                mv["index"], p["vehicle"],
                ("\\n%d/%d lost" % (mv["calls_not_resumed"], mv["calls_affected"])) if mv["calls_not_resumed"] else "",
                p["egress_msgs"], c50 if c50 is not None else "-", gmax if gmax is not None else "-"))
gp = []
gp.append("set terminal pngcairo size 900,560 font 'Sans,10'")
gp.append("set datafile missing '-'")
gp.append("set output '%s/demo-signalling.png'" % OUT)
gp.append("set title 'SIP messages on the access link per move of one vehicle (S = %.2f calls per MN)'" % (S / N if N else 0))
gp.append("set logscale xy; set grid; set key top left; set xlabel 'MNs in the vehicle (N)'; set ylabel 'messages per move'")
gp.append("set xrange [1:1000]; set yrange [1:20000]")
gp.append("plot '%s/model.dat' u 1:2 w l lw 2 dt 2 t 'SeNEMO NVG (model: 5)', \\" % D)
gp.append("  '' u 1:3 w l lw 2 t 'per-MN SIP mobility, HOTP (2N+3S)', \\")
gp.append("  '' u 1:4 w l lw 2 t 'per-MN SIP mobility, digest (4N+5S)', \\")
gp.append("  '' u 1:5 w l lw 2 t 'IETF mobile VPN (13N)', \\")
gp.append("  '' u 1:6 w l lw 2 t 'NEMO BS (2, + tunnel per packet)', \\")
gp.append("  '%s/measured.dat' u 1:($2>0?$2:1) w p pt 7 ps 1.6 lc rgb 'black' t 'SeNEMO NVG, measured (this run)'%s" % (
    D, ", \\" if baseline else ""))
if baseline:
    gp.append("  '%s/measured-baseline.dat' u 1:($2>0?$2:1) w p pt 5 ps 1.6 lc rgb 'red' t 'per-MN baseline (digest), measured (--baseline)'" % D)
if moves:
    gp.append("set output '%s/demo-moves.png'" % OUT)
    gp.append("unset logscale; set autoscale; set key top right; set style data histogram; set style histogram clustered gap 1")
    gp.append("set style fill solid 0.8 border -1; set boxwidth 0.9; set xlabel 'move / vehicle' offset 0,-1; set bmargin 5")
    gp.append("set multiplot layout 1,2 title 'SeNEMO demo: per move (move/vehicle)'")
    gp.append("set title 'SIP messages on the egress link'; set ylabel 'messages'; set yrange [0:*]")
    gp.append("plot '%s/moves.dat' u 2:xtic(1) t 'egress msgs' lc rgb '#4477aa'" % D)
    gp.append("set title 'media of the calls that came back'; set ylabel 'ms'; set yrange [0:*]")
    if run["media_on"] and any(mv.get("max_media_gap_ms_resumed_calls") is not None for mv in moves):
        gp.append("plot '%s/moves.dat' u 3:xtic(1) t 'completion, median' lc rgb '#228833', '' u 4 t 'largest gap' lc rgb '#ee6677'" % D)
    else:
        gp.append("set label 1 'no media measured after the moves' at graph 0.2,0.5; set xrange [0:1]; set yrange [0:1]; plot 2 notitle")
    gp.append("unset multiplot")
with open(os.path.join(D, "plot.gp"), "w") as f:
    f.write("\n".join(gp) + "\n")

good = (run["reg_fail"] == 0 and established == run["calls_total"] and not lost_calls)
sys.exit(0 if good else 3)
