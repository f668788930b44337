#!/bin/bash
# ./senemo bench urilist [--sizes "1 10 50 100 500 1000"] [--handoff-sizes "1 10 50 100 500"]
#                        [--kam-args "-x tlsf"] [--quick]
#
# The urilist module at a real Proxy 2 (tests/cfg/urilist-proxy2.cfg with the
# shipped cfg/kamailio/proxy2-urilist.cfg, 4 workers), real rtpengine, a
# SIPp CN answering at once, the test client of
# tests/integration/test_urilist_common.sh, all on loopback, over TCP (lists
# of hundreds of entries do not fit a UDP datagram). In one run:
#
#  fanout   an RFC 5366 INVITE listing N CNs: time from sending it to the
#           aggregated final answer (all N branches answered), and Proxy 2's
#           CPU per entry;
#  handoff  the NVG's handoff list naming N dialogs (set up beforehand as
#           real calls through Proxy 2 + rtpengine): time to the 200 with N
#           statuses, each entry a real re-anchoring (ng offer + answer; the
#           new address alternates between two so every run moves media),
#           and the CPU per entry of Proxy 2 plus rtpengine.
#
# Each point repeats the request (more often for small N: at least ~2000
# entries per point: CPU ticks are 10 ms; at least 3 requests; handoff requests alternate
# between two new addresses); ms_to_final is the median,
# CPU is utime+stime from /proc of every Proxy 2 process (and rtpengine for
# handoff) over the point, minus their idle rate measured first, divided by
# the entries processed. The client, SIPp and rtpengine share the two cores
# with Kamailio (and with whatever else runs): absolute times are noisy,
# compare points of one run.
#
# --kam-args: more kamailio options for Proxy 2, e.g. "-x tlsf" (the TLSF
# allocator instead of Debian's default qm with memory debugging; recorded
# as "kamailio_args").
#
# Writes build/bench/urilist.json: {"points": [{"kind", "entries",
# "ms_to_final", "cpu_us_per_entry", ...}], ...} and prints a table.
# About 3-4 minutes with the defaults; --quick ~1 minute.
source "$(dirname "$0")/../tests/lib/harness.sh"
export LC_ALL=C

SIZES="1 10 50 100 500 1000"
HSIZES="1 10 50 100 500"
MIN_ENTRIES=2000
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES="$2"; shift 2 ;;
        --handoff-sizes) HSIZES="$2"; shift 2 ;;
        --quick) SIZES="1 10 100 500"; HSIZES="1 10 100"; MIN_ENTRIES=300; shift ;;
        --kam-args) export UL_KAM_ARGS="$2"; shift 2 ;;
        *) echo "bench urilist: unknown option $1 (--sizes \"N ...\", --handoff-sizes \"N ...\", --kam-args \"...\", --quick)" >&2; exit 2 ;;
    esac
done
OUT="$H_BUILD/bench/urilist.json"
mkdir -p "$H_BUILD/bench"

h_init bench_urilist
source "$H_ROOT/tests/integration/test_urilist_common.sh"
D="$H_DIR"
T0=$(date +%s)

ul_start_proxy2 4
P2="127.0.0.1:$UL_P2_PORT"
ul_start_cn cn
CN=$UL_CN_PORT_cn
KPID="$(h_pid proxy2)"; RPID="$(h_pid rtpengine)"
CLK="$(getconf CLK_TCK)"

# CPU ticks (utime + stime) of a process and its children's processes
ticks_of() {  # PIDS...
    local p t=0 v
    for p in "$@"; do
        v="$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null)" || continue
        t=$((t + ${v:-0}))
    done
    echo "$t"
}
kam_pids() { echo "$KPID $(pgrep -P "$KPID" | tr '\n' ' ')"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# idle CPU rate (ticks per second) of Proxy 2 and rtpengine
sleep 1
i0k="$(ticks_of $(kam_pids))"; i0r="$(ticks_of "$RPID")"; it0="$(now_ms)"
sleep 4
i1k="$(ticks_of $(kam_pids))"; i1r="$(ticks_of "$RPID")"; it1="$(now_ms)"
IDLE_K="$(python3 -c "print(($i1k - $i0k) / (($it1 - $it0) / 1000.0))")"
IDLE_R="$(python3 -c "print(($i1r - $i0r) / (($it1 - $it0) / 1000.0))")"
h_log "idle: Proxy 2 $IDLE_K ticks/s, rtpengine $IDLE_R ticks/s (CLK_TCK $CLK)"

reps_for() { local n="$1" r; r=$(( (MIN_ENTRIES + n - 1) / n )); [ "$r" -lt 3 ] && r=3; echo "$r"; }

# point KIND N BODYFILE RURI FROM REPS [ALT_BODY] : one measured point -> a JSON line in $D/points
point() {
    local kind="$1" n="$2" body="$3" ruri="$4" from="$5" reps="$6" alt="${7:-}" k0 r0 t0 k1 r1 t1 out="$D/pt_${1}_$2.json"
    k0="$(ticks_of $(kam_pids))"; r0="$(ticks_of "$RPID")"; t0="$(now_ms)"
    ulc send --tcp --to "$P2" --ruri "$ruri" --from "$from" --require recipient-list-invite \
        --body "$body" ${alt:+--alt-body "$alt"} --repeat "$reps" --timeout 120 > "$out" \
        || h_fail "$kind $n: no answer: $(head -c 300 "$out")"
    k1="$(ticks_of $(kam_pids))"; r1="$(ticks_of "$RPID")"; t1="$(now_ms)"
    python3 - "$out" "$kind" "$n" "$reps" "$((k1 - k0))" "$((r1 - r0))" "$((t1 - t0))" "$CLK" "$IDLE_K" "$IDLE_R" >> "$D/points" <<'EOF'
import json, statistics, sys
out, kind, n, reps, dk, dr, dt, clk, ik, ir = sys.argv[1:]
d = json.load(open(out))
n, reps, dk, dr, dt, clk, ik, ir = int(n), int(reps), int(dk), int(dr), int(dt), int(clk), float(ik), float(ir)
if any(c != 200 for c in d["codes"]):
    sys.exit("%s %d: answers %s" % (kind, n, d["codes"]))
if kind == "handoff" and d["body"].count('code="200" reason="moved"') != n:
    sys.exit("handoff %d: only %d moved" % (n, d["body"].count('code="200" reason="moved"')))
secs = dt / 1000.0
kam_us = max(0.0, (dk - ik * secs)) / clk * 1e6
rtp_us = max(0.0, (dr - ir * secs)) / clk * 1e6
ents = n * reps
k = kam_us / ents
r = rtp_us / ents if kind == "handoff" else 0.0
ms = sorted(d["ms_list"])
print(json.dumps({"kind": kind, "entries": n, "requests": reps,
                  "ms_to_final": round(statistics.median(ms), 3),
                  "ms_to_final_min": round(ms[0], 3), "ms_to_final_max": round(ms[-1], 3),
                  "cpu_us_per_entry": round(k + r, 1),
                  "kamailio_cpu_us_per_entry": round(k, 1),
                  "rtpengine_cpu_us_per_entry": round(r, 1)}))
EOF
    [ $? = 0 ] || h_fail "$kind $n: bad answers"
    h_log "$kind $n entries x $reps: $(tail -1 "$D/points")"
}

: > "$D/points"
# ---- fan-out ------------------------------------------------------------------------------
for n in $SIZES; do
    for i in $(seq 1 "$n"); do echo "sip:cn-$i@127.0.0.1:$CN"; done > "$D/uris_$n"
    ulc body-fanout --uris "$D/uris_$n" --addr 198.18.5.7 > "$D/fan_$n.body"
    point fanout "$n" "$D/fan_$n.body" "sip:conf@$UL_DOMAIN" "sip:mn-1@$UL_DOMAIN" "$(reps_for "$n")"
done

# ---- handoff ------------------------------------------------------------------------------
HMAX=0; for n in $HSIZES; do [ "$n" -gt "$HMAX" ] && HMAX=$n; done
if [ "$HMAX" -gt 0 ]; then
    ul_start_cn cnh
    {
        echo SEQUENTIAL
        for i in $(seq 1 "$HMAX"); do echo "cn-$i;nvg-b;198.18.200.1;$((20000 + 2 * i));0"; done
    } > "$D/calls.csv"
    ul_calls mn "$D/calls.csv" "$HMAX" "$UL_CN_PORT_cnh"
    ul_dialogs cnh "$D/dlg.tsv"
    [ "$(wc -l < "$D/dlg.tsv")" = "$HMAX" ] || h_fail "only $(wc -l < "$D/dlg.tsv") of $HMAX calls up"
    # the calls' first move (198.18.200.1 -> .2) is a warm-up, not measured
    ulc body-handoff --dialogs "$D/dlg.tsv" --addr 198.18.200.2 > "$D/ho_warm.body"
    ulc send --tcp --to "$P2" --ruri "sip:nvg-handoff@$UL_DOMAIN" --from "sip:nvg-b@$UL_DOMAIN" \
        --require recipient-list-invite --body "$D/ho_warm.body" --timeout 120 > "$D/ho_warm.json"
    [ "$(ul_json "$D/ho_warm.json" code)" = 200 ] || h_fail "warm-up handoff: $(head -c 300 "$D/ho_warm.json")"
    for n in $HSIZES; do
        head -n "$n" "$D/dlg.tsv" > "$D/dlg_$n.tsv"
        ulc body-handoff --dialogs "$D/dlg_$n.tsv" --addr 198.18.200.3 > "$D/ho_${n}_a.body"
        ulc body-handoff --dialogs "$D/dlg_$n.tsv" --addr 198.18.200.2 > "$D/ho_${n}_b.body"
        # the address alternates: every request really moves the media
        point handoff "$n" "$D/ho_${n}_a.body" "sip:nvg-handoff@$UL_DOMAIN" "sip:nvg-b@$UL_DOMAIN" \
            "$(reps_for "$n")" "$D/ho_${n}_b.body"
    done
fi

# ---- report ------------------------------------------------------------------------------
python3 - "$D/points" "$OUT" "$(( $(date +%s) - T0 ))" "$(nproc)" "${UL_KAM_ARGS:-}" <<'EOF'
import json, statistics, sys
points = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
res = {"points": points,
       "notes": "fanout: RFC 5366 INVITE to N SIPp CNs answering at once, time to the aggregated final answer; "
                "handoff: NVG handoff list of N real dialogs, each re-anchored in rtpengine (ng offer+answer); "
                "cpu_us_per_entry = Proxy 2 Kamailio (+ rtpengine for handoff) CPU per entry, idle subtracted; "
                "median over the requests of a point; TCP; loopback; 2 shared cores",
       "proxy2_workers": 4, "kamailio_args": sys.argv[5], "cores": int(sys.argv[4]),
       "runtime_s": int(sys.argv[3])}
json.dump(res, open(sys.argv[2], "w"), indent=1)
print("%-8s %8s %9s %13s %15s %13s %13s" % ("kind", "entries", "requests", "ms_to_final", "cpu_us/entry", "kamailio_us", "rtpengine_us"))
for p in points:
    print("%-8s %8d %9d %13.1f %15.1f %13.1f %13.1f" % (p["kind"], p["entries"], p["requests"], p["ms_to_final"],
          p["cpu_us_per_entry"], p["kamailio_cpu_us_per_entry"], p["rtpengine_cpu_us_per_entry"]))
EOF
h_log "wrote $OUT"
