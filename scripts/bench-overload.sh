#!/bin/bash
# ./senemo bench overload [--quick] [--step S] [--points "0.5 1 2 3 5"] [--transports "udp tcp"]
#
# Goodput (successful calls/s) against offered load, with and without
# ovsense, in one run on this machine, over UDP and TCP:
#   SIPp UAC (sipp-scenarios/uac_overload.xml: INVITE/200/ACK/BYE/200; a
#   call succeeds only if every answer comes within the caller's patience
#   of 5 s; a 503 is a failed call)
#     -> Proxy 1 (cfg/kamailio/proxy1.cfg, authentication off; with
#        ovsense as shipped, or -A NO_OVSENSE: the uncontrolled baseline)
#     -> a downstream of known capacity (tests/cfg/ovsense-downstream.cfg:
#        one worker, 10 ms of work per INVITE and BYE, retransmissions
#        included; about 50 calls/s).
# The capacity is measured first (SIPp straight at the downstream, eight
# calls at a time: never idle, at most 160 ms of queue). Each point runs on a fresh Proxy 1
# and a fresh downstream for --step seconds (15) at offered_x times the
# capacity; goodput = successful calls / step. With and without ovsense
# alternate point by point.
# Writes build/bench/overload.json (layout: ../shared/DESIGN.md) and
# build/bench/overload.png, and prints a table. About 8 minutes (--quick: 2).
source "$(dirname "$0")/../tests/lib/harness.sh"

STEP=15; POINTS="0.5 1 2 3 5"; TRANSPORTS="udp tcp"; QUICK=0
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1; shift ;;
        --step) STEP="$2"; shift 2 ;;
        --points) POINTS="$2"; shift 2 ;;
        --transports) TRANSPORTS="$2"; shift 2 ;;
        *) echo "bench overload: unknown option $1 (--quick, --step S, --points LIST, --transports LIST)" >&2
           exit 2 ;;
    esac
done
[ "$QUICK" = 1 ] && { STEP=8; POINTS="1 3 5"; }
h_init bench_overload
OUT="$H_BUILD/bench/overload.json"
PNG="$H_BUILD/bench/overload.png"
SC="$H_ROOT/sipp-scenarios"
COST_US=10000
PATIENCE_MS=5000
h_render "$H_ROOT/cfg/kamailio/cdp.xml.in" "$H_DIR/cdp.xml" FQDN=p1.vpn.example.com \
    REALM=vpn.example.com SERVER_HOST=127.0.0.1 SERVER_PORT="$(h_port)" ACCEPT_PORT="$(h_port)"
command -v gnuplot >/dev/null || h_fail "gnuplot is not installed (package gnuplot-nox)"

stat() { awk -F';' -v c="$2" 'NR==1{for(i=1;i<=NF;i++) h[$i]=i} END{print $h[c]+0}' "$1"; }
RUN=0

# downstream TRANSPORT : start a fresh downstream, sets DS_PORT
downstream() {
    RUN=$((RUN + 1)); DS_PORT="$(h_port)"; DS_NAME="ds$RUN"
    h_kamailio "$DS_NAME" "$H_ROOT/tests/cfg/ovsense-downstream.cfg" -A "LISTEN=$1:127.0.0.1:$DS_PORT" \
        -A "CONTACT=\"sip:ds@127.0.0.1:$DS_PORT;transport=$1\"" -A COST_US=$COST_US -A WORKERS=1
}

# sipp_run TRANSPORT TARGET RATE CALLS LIMIT : successful calls in $OK, failures in $FAIL
sipp_run() {
    local tr="$1" target="$2" rate="$3" calls="$4" limit="$5" t=u1 csv="$H_DIR/run$RUN.csv"
    [ "$tr" = tcp ] && t=t1
    ( cd "$H_DIR" && timeout $((STEP * 3 + 60)) sipp -nostdin -sf "$SC/uac_overload.xml" -set prio normal \
        -s svc -t "$t" -i 127.0.0.1 -p "$(h_port)" -r "$rate" -rp 1000 -m "$calls" -l "$limit" \
        -recv_timeout "$PATIENCE_MS" -timeout $((STEP * 3 + 30))s -max_recv_loops 100000 \
        -trace_stat -fd 1 -stf "$csv" "$target" > "$H_DIR/run$RUN.log" 2>&1 )
    OK="$(stat "$csv" 'SuccessfulCall(C)')"; FAIL="$(stat "$csv" 'FailedCall(C)')"
}

# ---- capacity: straight at the downstream, eight calls at a time ------------------------
declare -A CAPM
for tr in $TRANSPORTS; do
    downstream "$tr"
    t0=$(date +%s.%N)
    sipp_run "$tr" "127.0.0.1:$DS_PORT" 1000 400 8
    t1=$(date +%s.%N)
    [ "$OK" = 400 ] || h_fail "$tr: capacity run: $OK of 400 calls succeeded (see run$RUN.log)"
    CAPM[$tr]="$(awk -v n="$OK" -v t0="$t0" -v t1="$t1" 'BEGIN{printf "%.1f", n / (t1 - t0)}')"
    h_log "$tr: downstream capacity measured at ${CAPM[$tr]} calls/s (400 calls, 8 at a time)"
    h_stop "$DS_NAME"
done
first="${TRANSPORTS%% *}"
CAP="${CAPM[$first]}"
awk -v c="$CAP" 'BEGIN{exit !(c > 5)}' || h_fail "downstream capacity $CAP calls/s is implausible"

# ---- goodput against offered load -----------------------------------------------------------
declare -A G
for tr in $TRANSPORTS; do
    for x in $POINTS; do
        rate="$(awk -v c="$CAP" -v x="$x" 'BEGIN{printf "%d", c * x + 0.5}')"
        calls=$(( rate * STEP ))
        for mode in with without; do
            downstream "$tr"
            p1="$(h_port)"; extra=()
            [ "$mode" = without ] && extra=(-A NO_OVSENSE)
            H_KAM_SHM=512 h_kamailio "p1-$RUN" "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=$tr:127.0.0.1:$p1" \
                -A "NEXT_HOP=\"sip:127.0.0.1:$DS_PORT;transport=$tr\"" -A "CDP_CONFIG=\"$H_DIR/cdp.xml\"" \
                -A NO_AUTH "${extra[@]}"
            sipp_run "$tr" "127.0.0.1:$p1" "$rate" "$calls" 100000
            G[$tr.$x.$mode]="$(awk -v o="$OK" -v s="$STEP" 'BEGIN{printf "%.1f", o / s}')"
            if [ "$mode" = with ]; then
                h_kamcmd "p1-$RUN" ovsense.status > "$H_DIR/status-$tr-$x.txt" 2>&1
            fi
            h_log "$tr ${x}x ($rate calls/s offered, $calls calls) $mode ovsense: $OK ok, $FAIL failed: goodput ${G[$tr.$x.$mode]}/s"
            h_stop "p1-$RUN"; h_stop "$DS_NAME"
        done
    done
done

# ---- results ------------------------------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
{
    printf '{"capacity_cps":%s' "$CAP"
    for tr in $TRANSPORTS; do printf ',"capacity_cps_%s":%s' "$tr" "${CAPM[$tr]}"; done
    printf ',"step_s":%s,"patience_ms":%s,"call_cost_ms":%s' "$STEP" "$PATIENCE_MS" $((2 * COST_US / 1000))
    for tr in $TRANSPORTS; do
        printf ',"%s":{"points":[' "$tr"
        sep=""
        for x in $POINTS; do
            printf '%s{"offered_x":%s,"offered_cps":%s,"goodput_with_cps":%s,"goodput_without_cps":%s}' "$sep" "$x" \
                "$(awk -v c="$CAP" -v x="$x" 'BEGIN{printf "%d", c * x + 0.5}')" "${G[$tr.$x.with]}" "${G[$tr.$x.without]}"
            sep=","
        done
        printf ']}'
    done
    printf '}\n'
} > "$OUT"
python3 -c "import json,sys; json.load(open('$OUT'))" 2>/dev/null || h_fail "$OUT is not valid JSON"

# plot: one panel per transport
for tr in $TRANSPORTS; do
    for x in $POINTS; do echo "$x ${G[$tr.$x.with]} ${G[$tr.$x.without]}"; done > "$H_DIR/$tr.dat"
done
{
    echo "set terminal pngcairo size 1100,450 font 'Sans,10'"
    echo "set output '$PNG'"
    echo "set multiplot layout 1,$(wc -w <<<"$TRANSPORTS") title 'SeNEMO ovsense: goodput vs offered load (capacity $CAP calls/s, $STEP s per point)'"
    for tr in $TRANSPORTS; do
        echo "set title '${tr^^}'; set xlabel 'offered load (x capacity)'; set ylabel 'goodput (calls/s)'"
        echo "set key bottom left; set grid; set xrange [0:*]; set yrange [0:$(awk -v c="$CAP" 'BEGIN{print c * 1.3}')]"
        echo "plot '$H_DIR/$tr.dat' using 1:2 with linespoints lw 2 pt 7 title 'with ovsense', \\"
        echo "     '$H_DIR/$tr.dat' using 1:3 with linespoints lw 2 pt 5 title 'without (uncontrolled)', \\"
        echo "     $CAP with lines dt 2 lc rgb 'gray40' title 'capacity', \\"
        echo "     $(awk -v c="$CAP" 'BEGIN{print c * 0.9}') with lines dt 3 lc rgb 'gray60' title '90 % of capacity'"
    done
    echo "unset multiplot"
} > "$H_DIR/plot.gp"
gnuplot "$H_DIR/plot.gp" 2> "$H_DIR/gnuplot.log" || h_fail "gnuplot failed: $(cat "$H_DIR/gnuplot.log")"

echo
echo "Downstream capacity: $CAP calls/s ($(for tr in $TRANSPORTS; do printf '%s %s  ' "$tr" "${CAPM[$tr]}"; done)); step ${STEP} s, patience ${PATIENCE_MS} ms"
printf '%-5s %9s %11s %20s %20s\n' transp offered_x offered_cps with_ovsense_cps without_cps
for tr in $TRANSPORTS; do
    for x in $POINTS; do
        w="${G[$tr.$x.with]}"; wo="${G[$tr.$x.without]}"
        printf '%-5s %9s %11s %12s (%3s %%) %12s (%3s %%)\n' "$tr" "$x" \
            "$(awk -v c="$CAP" -v x="$x" 'BEGIN{printf "%d", c * x + 0.5}')" "$w" \
            "$(awk -v g="$w" -v c="$CAP" 'BEGIN{printf "%d", 100 * g / c + 0.5}')" "$wo" \
            "$(awk -v g="$wo" -v c="$CAP" 'BEGIN{printf "%d", 100 * g / c + 0.5}')"
    done
done
echo "target: >= 90 % of capacity at 3x and 5x with ovsense"
echo "written: $OUT $PNG"
