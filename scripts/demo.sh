#!/bin/bash
# ./senemo demo [options]: the two-vehicle testbed and its mobility scenario
# (issue 7; conventions in ../shared/DESIGN.md, "Command and output
# conventions"). Runs as root, needs no input, stops everything it started
# and removes its namespaces on exit, Ctrl-C or TERM.
#
#   --vehicles 2          vehicles (each: MNs, an NVG with ingress and egress); only 2 for now
#   --mns N               mobile nodes per vehicle (50)
#   --calls K             MN <-> intranet CN calls (20; half each way), plus
#                         max(1, K/10) calls each way between the vehicles' MNs
#   --moves M             moves (3); the last one moves both vehicles at once
#   --link-profiles "P1 P2 P3"
#                         profile of each access network (DESIGN.md: wlan, umts,
#                         gprs, or none); 2 or 3 networks ("wlan wlan wlan")
#   --move-gap S          seconds between moves (default from the slowest
#                         profile: 4 s + 6 x its RTT)
#   --auth hotp|none      Proxy 1 authentication (hotp; none only to check the
#                         rest of the chain, the report says so)
#   --no-firewall         the home edge forwards everything (to tell firewall
#                         effects from the rest; the report says so)
#   --plain               NVG <-> Proxy 1 in plain UDP (cfgs' -A WITH_PLAIN);
#                         default: mutual TLS (test certificates, two CAs,
#                         in the run dir; the egress captures are read with
#                         the TLS key log of Proxy 1). The --baseline's MNs
#                         are SIPp (no TLS): its Proxy 1 is always plain
#   --baseline            then the same scenario again in the per-MN baseline
#                         (the vehicle's router a plain NAT router, every MN
#                         registers with digest and re-INVITEs its calls
#                         itself after a move), reported side by side
#   --keep                leave every daemon and namespace running for
#                         inspection; prints how to stop them
#   --out DIR             report directory (build/demo)
#
# Phases (one progress line each): topology, daemons, provisioning,
# registration, calls, media, moves, report. Writes DIR/report.md,
# DIR/report.json, DIR/*.png (--baseline: DIR/baseline/ too), prints the table.
# Exit: 0 the run completed and every call survived every move; 3 the run
# completed but something failed (calls lost, registrations refused: the
# report says what); 1 the testbed itself failed; 2 usage.
# The whole script is one brace group: bash reads it completely before
# running it, so editing this file during a run cannot change that run.
{
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SENEMO_BUILD="${SENEMO_BUILD:-$ROOT/build}"

usage() { sed -n '2,39p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
die() { echo "senemo demo: $*" >&2; exit 2; }

VEHICLES=2; MNS=50; CALLS=20; MOVES=3; PROFILES="wlan wlan wlan"; BASELINE=0; KEEP=0
OUT="$SENEMO_BUILD/demo"; AUTH=hotp; MOVE_GAP=""; FIREWALL=1; DEMO_TLS=1
# nvg: the SeNEMO scenario; baseline: the same scenario per MN (the run
# --baseline starts after its own, as a child: --run-baseline)
DEMO_MODE=nvg; ARGS=("$@")
num() { [[ "$2" =~ ^[0-9]+$ ]] || die "$1 needs a number, got '$2'"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --vehicles) num "$1" "${2:-}"; VEHICLES="$2"; shift 2 ;;
        --mns) num "$1" "${2:-}"; MNS="$2"; shift 2 ;;
        --calls) num "$1" "${2:-}"; CALLS="$2"; shift 2 ;;
        --moves) num "$1" "${2:-}"; MOVES="$2"; shift 2 ;;
        --link-profiles) PROFILES="${2:-}"; shift 2 ;;
        --move-gap) num "$1" "${2:-}"; MOVE_GAP="$2"; shift 2 ;;
        --auth) AUTH="${2:-}"; shift 2 ;;
        --baseline) BASELINE=1; shift ;;
        --run-baseline) DEMO_MODE=baseline; shift ;;
        --no-firewall) FIREWALL=0; shift ;;
        --plain) DEMO_TLS=0; shift ;;
        --keep) KEEP=1; shift ;;
        --out) OUT="${2:-}"; [ -n "$OUT" ] || die "--out needs a directory"; shift 2 ;;
        -h|--help) usage 0 ;;
        *) echo "senemo demo: unknown option '$1'" >&2; usage 2 ;;
    esac
done
[ "$VEHICLES" = 2 ] || die "--vehicles: this version builds exactly 2 vehicles"
[ "$MNS" -ge 1 ] && [ "$MNS" -le 1000 ] || die "--mns: 1..1000"
[ "$CALLS" -le 200 ] || die "--calls: 0..200"
[ "$MOVES" -le 20 ] || die "--moves: 0..20"
case "$AUTH" in hotp|none) ;; *) die "--auth: hotp or none" ;; esac
PROFILES="${PROFILES//,/ }"
read -r -a _P <<<"$PROFILES"
NACC=${#_P[@]}
[ "$NACC" -ge 2 ] && [ "$NACC" -le 3 ] || die "--link-profiles: 2 or 3 access networks, got '$PROFILES'"
declare -A LINK_PROFILE=()
for i in "${!_P[@]}"; do
    case "${_P[$i]}" in wlan|umts|gprs|none) ;; *) die "unknown link profile '${_P[$i]}' (wlan umts gprs none)" ;; esac
    LINK_PROFILE[$((i + 1))]="${_P[$i]}"
done
[ "$BASELINE" = 1 ] && [ "$KEEP" = 1 ] && die "--keep and --baseline: keep one run at a time (the baseline runs after the SeNEMO scenario is stopped)"
[ "$(id -u)" = 0 ] || die "must run as root (network namespaces); try: sudo $0"

# a fresh machine: set up first (the README's first command must just work)
if [ ! -x "$SENEMO_BUILD/tools/senemo-srtp" ] || [ ! -f "$SENEMO_BUILD/modules/nvg.so" ]; then
    "$ROOT/scripts/setup.sh" || exit 1
fi

# one demo at a time on this machine (a lock directory holding the owner's
# pid; no file descriptor is held open: the daemons must not inherit one)
mkdir -p "$SENEMO_BUILD"
LOCKDIR="$SENEMO_BUILD/.demo.lock"
LOCK_MINE=1
if [ "$DEMO_MODE" = baseline ] && [ -n "${SENEMO_DEMO_PARENT:-}" ] && \
        [ "$(cat "$LOCKDIR/pid" 2>/dev/null)" = "$SENEMO_DEMO_PARENT" ]; then
    # the baseline run of a demo --baseline: its parent holds the lock
    LOCK_MINE=0
elif ! mkdir "$LOCKDIR" 2>/dev/null; then
    owner="$(cat "$LOCKDIR/pid" 2>/dev/null)"
    if [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null && grep -qa demo.sh "/proc/$owner/cmdline" 2>/dev/null; then
        echo "senemo demo: another demo is running with this build directory (pid $owner, lock $LOCKDIR); wait for it to finish or stop it (kill $owner)" >&2
        exit 1
    fi
    # a stale lock (its owner is gone, e.g. kill -9): take it over
    rm -rf "$LOCKDIR"
    mkdir "$LOCKDIR" || { echo "senemo demo: cannot take the lock $LOCKDIR" >&2; exit 1; }
fi
[ "$LOCK_MINE" = 1 ] && echo $$ > "$LOCKDIR/pid"

# the record of started processes and namespaces (the harness's); under the
# test suite the suite's own, otherwise one per demo run
if [ -z "${SENEMO_TEST_STATE:-}" ]; then
    export SENEMO_TEST_STATE="$SENEMO_BUILD/demo-state"
    rm -rf "$SENEMO_TEST_STATE"
fi
# shellcheck source=../tests/lib/harness.sh
source "$ROOT/tests/lib/harness.sh"
# shellcheck source=../tests/lib/netns.sh
source "$ROOT/tests/lib/netns.sh"
# shellcheck source=../tests/lib/tls.sh
source "$ROOT/tests/lib/tls.sh"
for f in topology daemons provision traffic moves report; do
    # shellcheck disable=SC1090
    source "$ROOT/scripts/demo/$f.sh"
done

# the daemons inherit no stray descriptor of whoever started us (the
# harness's daemons run with 0, 1, 2 only, as under ctest)
for fd in /proc/$$/fd/*; do
    fd="${fd##*/}"
    [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
done

# ---- progress output -------------------------------------------------------------
DEMO_T0="$(date +%s)"
PFX=""; [ "$DEMO_MODE" = baseline ] && PFX="baseline: "
phase() { printf '[%4ss] %s%s\n' "$(( $(date +%s) - DEMO_T0 ))" "$PFX" "$*"; }
if [ -t 1 ]; then
    progress() { printf '\r[%4ss] %s%s   ' "$(( $(date +%s) - DEMO_T0 ))" "$PFX" "$*"; }
    progress_done() { printf '\r'; phase "$*"; }
else
    progress() { :; }
    progress_done() { phase "$*"; }
fi
NOTES=()
note() { NOTES+=("$*"); phase "note: $*"; }

h_init "demo${PFX:+-baseline}" 2>/dev/null
# the harness's chatter goes to a file; a failure is shown on the terminal
h_log() { [ -d "$H_DIR" ] && echo "[$(date +%T.%3N)] $H_TEST: $*" >> "$H_DIR/demo.log"; return 0; }
h_dump_logs() {
    local f
    for f in "$H_DIR"/*.log; do
        [ -f "$f" ] && [ "$f" != "$H_DIR/demo.log" ] || continue
        { echo "----- $(basename "$f") (last 60 lines) -----"; tail -n 60 "$f"; } >> "$H_DIR/demo.log"
    done
}
h_fail() {
    echo "senemo demo: FAILED: $*" >&2
    h_log "FAIL: $*"; H_FAILED=1; exit 1
}
demo_cleanup() {
    local rc=$?
    phase "stopping every daemon, removing the namespaces"
    if [ "$rc" != 0 ]; then
        echo "senemo demo: logs kept in $H_DIR (demo.log has the last lines of every daemon's log)" >&2
    fi
    # a baseline run still going (Ctrl-C, TERM): it stops its own daemons
    if [ -n "${BL_PID:-}" ] && kill -0 "$BL_PID" 2>/dev/null; then
        kill -TERM "$BL_PID" 2>/dev/null
        local i; for i in $(seq 600); do kill -0 "$BL_PID" 2>/dev/null || break; sleep 0.1; done
    fi
    [ "$LOCK_MINE" = 1 ] && rm -rf "$LOCKDIR"
    (exit "$rc"); h_cleanup
}
trap demo_cleanup EXIT
# demo_teardown: every daemon stopped and every namespace removed now (the
# files of the run stay), as the cleanup would, before the baseline runs
demo_teardown() {
    local i ns p
    for ((i=${#H_PIDS[@]}-1; i>=0; i--)); do _h_kill_pid "${H_PIDS[$i]}"; done
    H_PIDS=(); H_NAMES=()
    [ -f "$H_DIR/netns" ] && mapfile -t -O "${#H_NETNS[@]}" H_NETNS < "$H_DIR/netns"
    for ns in "${H_NETNS[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    H_NETNS=(); : > "$H_DIR/netns"
}
RTT_MAX=0
for a in $(seq 1 "$NACC"); do
    read -r _ _ r <<<"$(h_link_profile "${LINK_PROFILE[$a]}")"
    [ "$r" -gt "$RTT_MAX" ] && RTT_MAX="$r"
done
[ -n "$MOVE_GAP" ] || MOVE_GAP=$(( 4 + (6 * RTT_MAX + 999) / 1000 ))
SETUP_S=$(( 8 + 8 * RTT_MAX / 1000 ))
phase "senemo demo: 2 vehicles x $MNS MNs, $CALLS MN<->CN calls, $MOVES moves; access networks: $(for a in $(seq 1 "$NACC"); do printf '%s=%s ' "acc$a" "${LINK_PROFILE[$a]}"; done)(run dir $H_DIR)"

# ---- what the tree can do now ----------------------------------------------------
CAP_MEDIA=0; CAP_P2_HANDOFF=0; CAP_NVG_HANDOFF=0; CAP_NVG_HOTP=0
cap_p2_media && CAP_MEDIA=1
cap_p2_handoff && CAP_P2_HANDOFF=1
cap_nvg_handoff && cap_nvg_egress_if && CAP_NVG_HANDOFF=1
cap_nvg_hotp && CAP_NVG_HOTP=1
if [ "$DEMO_MODE" = baseline ]; then CAP_NVG_HANDOFF=0; CAP_P2_HANDOFF=0; CAP_NVG_HOTP=0; fi
[ "$CAP_MEDIA" = 1 ] || note "cfg/kamailio/proxy2.cfg does not drive rtpengine yet: calls are signalling-only, no media, no SRTP (completion and media gaps cannot be measured)"
[ "$CAP_NVG_HANDOFF" = 1 ] || [ "$DEMO_MODE" = baseline ] || note "the NVG has no netlink handoff yet (nvg module, EGRESS_IF in nvg.cfg): the moves happen, the report shows what follows"
[ "$CAP_P2_HANDOFF" = 1 ] || [ "$DEMO_MODE" = baseline ] || note "cfg/kamailio/proxy2-urilist.cfg answers the handoff list with 501 (urilist consumer not landed)"
if [ "$AUTH" = hotp ] && [ "$CAP_NVG_HOTP" = 0 ] && [ "$DEMO_MODE" = nvg ]; then
    note "cfg/kamailio/nvg.cfg has no HOTP credential (HOTP_SECRET_FILE) for the NVG's own requests: Proxy 1 refuses the NVG's own REGISTER (and handoff request), so requests toward the MNs cannot be resolved"
fi
# the baseline's MNs (SIPp) talk to Proxy 1 directly and speak no TLS
[ "$DEMO_MODE" = baseline ] && DEMO_TLS=0
if [ "$DEMO_TLS" = 1 ] && ! cfg_has_define "$H_ROOT/cfg/kamailio/proxy1.cfg" WITH_PLAIN; then
    DEMO_TLS=0; note "cfg/kamailio/proxy1.cfg has no WITH_PLAIN (TLS not the default yet): NVG <-> Proxy 1 plain"
fi
[ "$DEMO_TLS" = 0 ] && [ "$DEMO_MODE" = nvg ] && note "--plain: NVG <-> Proxy 1 in plain UDP (-A WITH_PLAIN)"
[ "$FIREWALL" = 0 ] && note "--no-firewall: the home edge forwards everything"
[ "$DEMO_MODE" = baseline ] && note "baseline: the vehicles' routers are plain NAT routers (no NVG; MN SIP ports forwarded); every MN registers with digest and re-registers and re-INVITEs its calls itself after a move"
[ "$AUTH" = none ] && [ "$DEMO_MODE" = nvg ] && note "--auth none: Proxy 1 relays without authentication (the MNs' HOTP credentials are ignored)"
P2_EXTRA=()

# media load against the access links: a G.711 call is 50 packets/s of
# 210 bytes each way on the Internet leg (SRTP), 84 kbit/s
per_vehicle_calls=$(( (CALLS + 1) / 2 + 2 * (CALLS / 10 > 1 ? CALLS / 10 : 1) ))
for a in $(seq 1 "$NACC"); do
    read -r up _ _ <<<"$(h_link_profile "${LINK_PROFILE[$a]}")"
    if [ "$up" -gt 0 ] && [ $(( per_vehicle_calls * 84 )) -gt "$up" ]; then
        note "access $a (${LINK_PROFILE[$a]}, $up kbit/s up): about $per_vehicle_calls calls per vehicle need $(( per_vehicle_calls * 84 )) kbit/s of SRTP: media queues and is late while a vehicle is attached there"
    fi
done

# ---- 1. topology ---------------------------------------------------------------------
demo_topology "$NACC"
demo_attach 1 1
demo_attach 2 $(( NACC >= 2 ? 2 : 1 ))
demo_links "$NACC"
phase "topology: $(ip netns list | grep -c "^sn$H_RUNID-") namespaces (2 vehicles, $NACC access networks, core, home edge firewall, home, intranet)"

# captures for the whole run: each vehicle's egress SIP (every egress
# interface), media on the Internet leg (at the home edge), media received
# in the intranet and by the MNs
for v in 1 2; do
    # SIP, and IP fragments (a large SIP message, e.g. the handoff list,
    # spans several; only the first carries the UDP header)
    H_NS="$(nvg_ns "$v")" h_start "cap-egress$v" dumpcap -q -i egr0 \
        -f "udp port 5060 or tcp port $P1_TLS_PORT or (ip[6:2] & 0x1fff != 0)" -w "$H_DIR/egress$v.pcapng"
done
# (media of the ALG's external side, and SIP sent from outside straight to
# Proxy 2, which the firewall refuses)
H_NS="$NS_EDGE" h_start cap-edge dumpcap -q -i core0 -s 256 \
    -f "udp and (host $ALG_EXT_IP or (dst host $P2_IP and dst port $P2_PORT))" -w "$H_DIR/edge.pcapng"
H_NS="$NS_INTRA" h_start cap-intra dumpcap -q -i cn0 -s 256 -f "udp portrange 42000-43999" -w "$H_DIR/intra.pcapng"
for v in 1 2; do
    H_NS="$(mn_ns "$v")" h_start "cap-mn$v" dumpcap -q -i mn0 -s 96 -f "udp portrange 40000-41999" -w "$H_DIR/mn$v.pcapng"
done
for c in egress1 egress2 edge intra mn1 mn2; do
    h_wait_for 10 test -s "$H_DIR/$c.pcapng" || h_fail "dumpcap ($c) did not start"
done

# ---- 2. daemons + provisioning ------------------------------------------------------------
H_APP_HOTP_EXTRA=$'window = 20;'
H_NS="$NS_HOME" h_diameter_pair dm
DEMO_HOTP_DB="$H_HOTP_DB"
if [ "$DEMO_MODE" = baseline ]; then
    demo_provision_digest "$MNS"
    phase "provisioned $PROVISIONED digest accounts (auth_db subscriber table) for the $((2 * MNS)) MNs"
else
    demo_provision "$MNS"
    phase "provisioned $PROVISIONED HOTP accounts with senemo-hotp (2 NVGs, $((2 * MNS)) MNs)"
fi
[ "$DEMO_TLS" = 1 ] && demo_tls_certs
demo_daemons
for v in 1 2; do
    if [ "$DEMO_MODE" = baseline ]; then
        NVG_REG[$v]=0
    elif demo_nvg_registered "$v" $(( 10 + 4 * RTT_MAX / 1000 )); then
        NVG_REG[$v]=1
    else
        NVG_REG[$v]=0
        note "NVG $v's own registration did not succeed: $(nvg_own_status "$v")"
    fi
done
if [ "$DEMO_MODE" = baseline ]; then
    phase "daemons: freeDiameter+app_hotp, rtpengine, Proxy 2 (Path, GRUU), Proxy 1 (digest, Path), no NVG; link emulators on $(( 2 * NACC )) access links"
else
    phase "daemons: freeDiameter+app_hotp, rtpengine, Proxy 2, Proxy 1 ($AUTH), 2 NVGs; link emulators on $(( 2 * NACC )) access links"
fi

# ---- 3. registration -------------------------------------------------------------------------
demo_register "$MNS"
[ "$REG_FAIL" = 0 ] || note "$REG_FAIL MN registrations failed (see sipp-reg*/ in $H_DIR)"

# ---- 4. calls (+ media) ------------------------------------------------------------------------
XMM=$(( CALLS / 10 > 1 ? CALLS / 10 : 1 ))
demo_plan_calls "$MNS" "$CALLS" "$XMM"
demo_register_cns "$N_MN2CN"
MEDIA_S=$(( 3 + MOVES * MOVE_GAP + 2 ))
HOLD_MS=$(( (SETUP_S + MEDIA_S + 3) * 1000 ))
demo_calls_start "$HOLD_MS"
demo_call_records
MEDIA_ON=0
if [ "$CAP_MEDIA" = 1 ] && [ "$CALLS_UP" -gt 0 ]; then
    demo_media_start "$MEDIA_S"
    MEDIA_ON=1
    phase "media: $MEDIA_STREAMS streams (senemo-srtp at the MNs and the CNs), $MEDIA_S s"
    sleep 3
fi

# ---- 5. moves ------------------------------------------------------------------------------------
demo_moves "$MOVES" "$MOVE_GAP"
[ "$MEDIA_ON" = 1 ] && demo_media_wait
phase "waiting for the calls to end (BYE through the route set)"
for s in cn mn1 mn2; do
    [ "${UAC_N[$s]}" -gt 0 ] && { demo_sipp_wait "uac-$s" || true; }
done
for s in cn mn1 mn2; do
    [ "${UAS_N[$s]}" -gt 0 ] || continue
    # answering sides end with their last BYE; give them a moment
    h_wait_for 5 bash -c "! kill -0 $(h_pid "sipp-uas-$s") 2>/dev/null" || h_stop "sipp-uas-$s"
done
demo_call_records
sleep 1
for c in egress1 egress2 edge intra mn1 mn2; do h_stop "cap-$c"; done

# the NVGs' own account of the handoffs (statistics of the nvg module)
for v in 1 2; do
    [ "$DEMO_MODE" = baseline ] && break
    h_kamcmd "nvg$v" stats.get_statistics nvg: > "$H_DIR/nvg$v-stats.txt" 2>&1
    h_kamcmd "nvg$v" nvg.status > "$H_DIR/nvg$v-status.txt" 2>&1
done

# what the home edge firewall refused (inbound from the Internet, not SIP to
# Proxy 1 nor media to the ALG)
FW_DROPS="$(ip netns exec "$NS_EDGE" iptables -w -nvxL FORWARD | awk '$3 == "DROP" {s += $1} END {print s + 0}')"

# ---- 6. the baseline (--baseline): the same scenario per MN, after this one --------------
BL_REPORT=""
if [ "$BASELINE" = 1 ] && [ "$DEMO_MODE" = nvg ]; then
    demo_teardown
    phase "baseline: the same scenario with plain NAT routers, per-MN mobility and digest"
    SENEMO_DEMO_PARENT=$$ bash "$ROOT/scripts/demo.sh" "${ARGS[@]}" --run-baseline --out "$OUT/baseline" &
    BL_PID=$!
    BL_RC=0; wait "$BL_PID" || BL_RC=$?
    BL_PID=""
    if [ -f "$OUT/baseline/report.json" ] && { [ "$BL_RC" = 0 ] || [ "$BL_RC" = 3 ]; }; then
        BL_REPORT="$OUT/baseline/report.json"
    else
        note "--baseline: the baseline run failed (exit $BL_RC; its logs are kept, see above): nothing measured for it"
    fi
fi

# ---- 7. report ----------------------------------------------------------------------------------------
demo_report
RC=$?

if [ "$KEEP" = 1 ]; then
    {
        echo "#!/bin/bash"
        echo "# stops what ./senemo demo --keep left running (run $H_DIR)"
        for ((i=${#H_PIDS[@]}-1; i>=0; i--)); do echo "kill ${H_PIDS[$i]} 2>/dev/null"; done
        echo "sleep 2"
        while read -r ns; do echo "for p in \$(ip netns pids $ns 2>/dev/null); do kill -KILL \$p; done; ip netns del $ns"; done < "$H_DIR/netns"
        [ "$LOCK_MINE" = 1 ] && echo "rm -rf '$LOCKDIR'"
    } > "$OUT/stop.sh"
    chmod +x "$OUT/stop.sh"
    trap - EXIT INT TERM
    echo "--keep: everything is still running (namespaces: $(tr '\n' ' ' < "$H_DIR/netns")); logs in $H_DIR"
    echo "        ctl sockets: kamcmd -s unix:$H_DIR/proxy2.ctl ...; stop with: $OUT/stop.sh"
    exit "$RC"
fi
exit "$RC"
}
