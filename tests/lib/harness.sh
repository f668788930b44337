# SeNEMO integration-test harness (bash, sourced by tests/integration/*.sh).
#
# Every test calls h_init NAME first. It gets a private run directory, a
# cleanup trap (EXIT, INT, TERM) that stops every daemon it started by PID and
# deletes every network namespace it created, and a record of both in the
# shared state directory ($SENEMO_TEST_STATE) so the final cleanup check can
# prove nothing was left behind.
#
# Daemon helpers: h_kamailio, h_freediameter, h_rtpengine, h_sipp.
# Ports: h_port (free UDP+TCP port, never handed out twice in one run).
# Namespaces: h_netns, h_veth, h_addr_change (see also tests/lib/netns.sh).

set -o pipefail
H_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
H_BUILD="${SENEMO_BUILD:-$H_ROOT/build}"
SENEMO_TEST_STATE="${SENEMO_TEST_STATE:-$H_BUILD/test-state}"
H_PIDS=()
H_NETNS=()
H_NAMES=()
H_FAILED=0
# Debian's modules first, then the ones this build made
H_KAM_MPATH="/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/kamailio/modules:$H_BUILD/modules"

h_log()  { echo "[$(date +%T.%3N)] $H_TEST: $*" >&2; }

h_init() {
    H_TEST="$1"
    mkdir -p "$SENEMO_TEST_STATE" /tmp/senemo-tests
    H_DIR="$(mktemp -d "/tmp/senemo-tests/$H_TEST.XXXXXX")"
    H_RUNID="$(basename "$H_DIR" | tr -dc 'a-zA-Z0-9' | tail -c 6)"
    echo "$H_DIR/" >> "$SENEMO_TEST_STATE/rundirs"
    trap 'h_cleanup' EXIT
    trap 'h_log "interrupted"; exit 130' INT TERM
    h_log "run dir $H_DIR"
}

# Print the logs of every daemon this test started (called on failure).
h_dump_logs() {
    local f
    for f in "$H_DIR"/*.log; do
        [ -f "$f" ] || continue
        echo "----- $(basename "$f") (last 60 lines) -----" >&2
        tail -n 60 "$f" >&2
    done
}

h_fail() {
    h_log "FAIL: $*"
    H_FAILED=1
    exit 1
}

h_pass() { h_log "ok: $*"; }

# record a pid with its start time so reuse of the number is not mistaken
_h_record_pid() {
    local pid="$1" st
    st="$(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null)" || return 0
    echo "$pid $st $H_TEST" >> "$SENEMO_TEST_STATE/pids"
}

# h_start NAME cmd... : run a daemon in the foreground of a background job
# (inside network namespace $H_NS when that is set, e.g. H_NS=ns h_kamailio ...)
h_start() {
    local name="$1"; shift
    [ -n "${H_NS:-}" ] && set -- ip netns exec "$H_NS" "$@"
    "$@" > "$H_DIR/$name.log" 2>&1 &
    local pid=$!
    H_PIDS+=("$pid"); H_NAMES+=("$name")
    _h_record_pid "$pid"
    eval "H_PID_${name//[^a-zA-Z0-9_]/_}=$pid"
    h_log "started $name (pid $pid): $*"
}

# h_start_ns NS NAME cmd... : same, inside a network namespace
h_start_ns() {
    local ns="$1" name="$2"; shift 2
    h_start "$name" ip netns exec "$ns" "$@"
}

h_pid() { local v="H_PID_${1//[^a-zA-Z0-9_]/_}"; echo "${!v}"; }

# stop one daemon by name: TERM, then KILL after 5 s
h_stop() {
    local pid; pid="$(h_pid "$1")"
    [ -n "$pid" ] || return 0
    _h_kill_pid "$pid"
}

_h_kill_pid() {
    local pid="$1" i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        # kamailio children are in our process group only via the parent: take them too
        pkill -KILL -P "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    return 0
}

h_cleanup() {
    local rc=$? i
    trap - EXIT INT TERM
    [ "$rc" != 0 ] && H_FAILED=1
    for ((i=${#H_PIDS[@]}-1; i>=0; i--)); do
        _h_kill_pid "${H_PIDS[$i]}"
    done
    # namespaces made in subshells (NS=$(h_netns x)) are only on file
    [ -f "$H_DIR/netns" ] && mapfile -t -O "${#H_NETNS[@]}" H_NETNS < "$H_DIR/netns"
    for ns in "${H_NETNS[@]}"; do
        local p
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    if [ "$H_FAILED" = 1 ]; then
        h_dump_logs
        h_log "FAILED (logs kept in $H_DIR)"
    else
        [ -n "${SENEMO_KEEP_LOGS:-}" ] || rm -rf "$H_DIR"
        h_log "PASSED"
    fi
    exit "$rc"
}

# ---- ports ---------------------------------------------------------------
# h_port: a port free on UDP and TCP, not handed out before in this ctest run
h_port() {
    local p i
    mkdir -p "$SENEMO_TEST_STATE/ports"
    for i in $(seq 200); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
        ss -Hlnu "sport = :$p" 2>/dev/null | h_grepq . && continue
        ss -Hlnt "sport = :$p" 2>/dev/null | h_grepq . && continue
        # atomic claim across parallel tests
        mkdir "$SENEMO_TEST_STATE/ports/$p" 2>/dev/null || continue
        echo "$p"; return 0
    done
    h_fail "no free port found"
}

# ---- waiting -------------------------------------------------------------
# h_wait_for SECONDS cmd... : retry cmd until it succeeds or time runs out
h_wait_for() {
    local t="$1"; shift
    local end=$(( $(date +%s%N) / 1000000 + t * 1000 ))
    while :; do
        "$@" >/dev/null 2>&1 && return 0
        [ $(( $(date +%s%N) / 1000000 )) -ge "$end" ] && return 1
        sleep 0.1
    done
}

# h_listening PORT : something listens on TCP PORT (ss itself always exits 0)
h_listening() { ${H_NS:+ip netns exec "$H_NS"} ss -Hltn "sport = :$1" | h_grepq .; }

h_alive() { kill -0 "$(h_pid "$1")" 2>/dev/null; }

# ---- kamailio ------------------------------------------------------------
# h_kamailio NAME CFG [-A DEF=VAL ...] : start kamailio in the foreground,
# ctl socket at $H_DIR/NAME.ctl (-A CTL_SOCK is added), waits until the
# ctl socket answers. The modules directory of this build is on the path.
h_kamailio() {
    local name="$1" cfg="$2"; shift 2
    local ctl="$H_DIR/$name.ctl"
    mkdir -p "$H_DIR/$name.run"
    h_start "$name" kamailio -f "$cfg" -DD -E -e -m "${H_KAM_SHM:-128}" -M 16 \
        -Y "$H_DIR/$name.run" -L "$H_KAM_MPATH" \
        -A "CTL_SOCK=\"unix:$ctl\"" "$@"
    if ! h_wait_for 20 kamcmd -s "unix:$ctl" core.uptime; then
        h_alive "$name" || h_fail "kamailio $name exited during start-up"
        h_fail "kamailio $name did not answer on $ctl"
    fi
}

# h_kamcmd NAME cmd args... : RPC to a kamailio started with h_kamailio
h_kamcmd() { local n="$1"; shift; kamcmd -s "unix:$H_DIR/$n.ctl" "$@"; }

# h_kamailio_check CFG [-A ...] : kamailio -c on a config
h_kamailio_check() {
    local cfg="$1"; shift
    kamailio -c -f "$cfg" -L "$H_KAM_MPATH" \
        -A "CTL_SOCK=\"unix:$H_DIR/check.ctl\"" "$@"
}

# ---- freeDiameter --------------------------------------------------------
# h_freediameter NAME CONF : start freeDiameterd in the foreground
h_freediameter() {
    local name="$1" conf="$2"
    h_start "$name" freeDiameterd -c "$conf" -dd
}

# ---- rtpengine -----------------------------------------------------------
# h_rtpengine NAME NG_PORT PORT_MIN PORT_MAX --interface=... [more args]
h_rtpengine() {
    local name="$1" ng="$2" pmin="$3" pmax="$4"; shift 4
    h_start "$name" rtpengine --foreground --log-stderr --config-file=none --table=-1 \
        --listen-ng="127.0.0.1:$ng" --port-min="$pmin" --port-max="$pmax" \
        --pidfile="$H_DIR/$name.pid" --delete-delay=0 "$@"
}

# h_rtpengine_ng PORT BENCODED_DICT : send one ng command over UDP, print the reply
h_rtpengine_ng() {
    local cookie="sn$RANDOM" reply=""
    exec {fd}<>"/dev/udp/127.0.0.1/$1" || return 1
    printf '%s %s' "$cookie" "$2" >&"$fd"
    IFS= read -r -t 3 -d '' reply <&"$fd"
    exec {fd}>&-
    [ -n "$reply" ] || return 1
    printf '%s\n' "${reply#"$cookie "}"
}

# ---- SIPp ----------------------------------------------------------------
# h_sipp NAME args... : run sipp to completion (bounded by -m and -timeout)
h_sipp() {
    local name="$1"; shift
    ( cd "$H_DIR" && timeout 120 sipp -nostdin "$@" -trace_err -trace_stat \
        -error_file "$H_DIR/$name.err" > "$H_DIR/$name.log" 2>&1 )
}

# h_sipp_bg NS NAME args... : SIPp inside namespace NS in the background,
# run from $H_DIR/NAME.d (its -trace_msg/-trace_err files land there),
# output in $H_DIR/NAME.log, stopped by `timeout` after $H_SIPP_TIMEOUT s
# (150 unless the test sets it); its pid in SIPP_PID
h_sipp_bg() {
    local ns="$1" name="$2"; shift 2
    mkdir -p "$H_DIR/$name.d"
    ( cd "$H_DIR/$name.d" && exec timeout "${H_SIPP_TIMEOUT:-150}" ip netns exec "$ns" \
        sipp -nostdin "$@" -trace_err -trace_msg > "$H_DIR/$name.log" 2>&1 ) &
    SIPP_PID=$!
}
# h_sipp_wait PID NAME [WHAT] : wait for that SIPp; if it failed, print the
# end of its output and error log and fail the test ("WHAT" or "SIPp NAME
# failed")
h_sipp_wait() {
    wait "$1" && return 0
    tail -5 "$H_DIR/$2.log" >&2
    cat "$H_DIR/$2.d"/*errors.log 2>/dev/null | tail -20 >&2
    h_fail "${3:-SIPp $2 failed} (SIPp $2: $H_DIR/$2.log)"
}
# h_sipp_fg NS NAME args... : h_sipp_bg, then h_sipp_wait
h_sipp_fg() { h_sipp_bg "$@"; h_sipp_wait "$SIPP_PID" "$2"; }

# ---- templates -------------------------------------------------------------
# h_render TEMPLATE OUT KEY=VALUE... : copy TEMPLATE to OUT replacing @KEY@;
# fails if a placeholder is left unfilled
h_render() {
    local tpl="$1" out="$2" kv k v; shift 2
    cp "$tpl" "$out"
    for kv in "$@"; do
        k="${kv%%=*}"; v="${kv#*=}"
        v="${v//\\/\\\\}"; v="${v//&/\\&}"; v="${v//|/\\|}"
        sed -i "s|@$k@|$v|g" "$out"
    done
    if grep -q '@[A-Z_][A-Z_0-9]*@' "$out"; then
        h_fail "unfilled placeholder in $out: $(grep -o '@[A-Z_][A-Z_0-9]*@' "$out" | sort -u | tr '\n' ' ')"
    fi
}

# h_fd_up NAME PORT : start (or restart) freeDiameterd NAME from $H_DIR/PREFIX-fd.conf
h_fd_up() {
    local name="$1" port="$2" conf="$H_DIR/${1%-fd*}-fd.conf"
    h_freediameter "$name" "$conf"
    h_wait_for 15 h_listening "$port" || h_fail "freeDiameterd $name is not listening on $port"
}

# h_diameter_pair PREFIX : render and start freeDiameterd with app_hotp and
# write a cdp config for a Kamailio client. Sets H_FD_PORT, H_CDP_XML,
# H_HOTP_DB (SQLite store path) and H_FD_REALM.
h_diameter_pair() {
    local p="$1"
    H_FD_PORT="$(h_port)"; H_FD_REALM="vpn.example.com"
    H_HOTP_DB="$H_DIR/$p-hotp.db"
    h_render "$H_ROOT/cfg/freediameter/acl_wl.conf.in" "$H_DIR/$p-acl.conf" \
        CLIENT_FQDN="$p-proxy.$H_FD_REALM"
    # the test client tests/tools/diameter_probe.c
    echo "ALLOW_IPSEC probe.$H_FD_REALM" >> "$H_DIR/$p-acl.conf"
    # more clients, e.g. H_FD_ACL_EXTRA="ALLOW_IPSEC other-proxy.vpn.example.com"
    [ -z "${H_FD_ACL_EXTRA:-}" ] || printf '%s\n' "$H_FD_ACL_EXTRA" >> "$H_DIR/$p-acl.conf"
    h_render "$H_ROOT/cfg/freediameter/app_hotp.conf.in" "$H_DIR/$p-app_hotp.conf" \
        STORE="$H_HOTP_DB"
    # per-test overrides (later keys win), e.g. H_APP_HOTP_EXTRA='lockout_base_s = 2;'
    [ -z "${H_APP_HOTP_EXTRA:-}" ] || printf '%s\n' "$H_APP_HOTP_EXTRA" >> "$H_DIR/$p-app_hotp.conf"
    h_render "$H_ROOT/cfg/freediameter/freeDiameter.conf.in" "$H_DIR/$p-fd.conf" \
        IDENTITY="$p-aaa.$H_FD_REALM" REALM="$H_FD_REALM" PORT="$H_FD_PORT" THREADS=4 \
        ACL_CONF="$H_DIR/$p-acl.conf" APP_HOTP_FDX="$H_BUILD/extensions/app_hotp.fdx" \
        APP_HOTP_CONF="$H_DIR/$p-app_hotp.conf"
    H_CDP_XML="$H_DIR/$p-cdp.xml"
    h_render "$H_ROOT/cfg/kamailio/cdp.xml.in" "$H_CDP_XML" \
        FQDN="$p-proxy.$H_FD_REALM" REALM="$H_FD_REALM" SERVER_HOST=127.0.0.1 \
        SERVER_PORT="$H_FD_PORT" ACCEPT_PORT="$(h_port)"
    h_fd_up "$p-fd" "$H_FD_PORT"
}

# ---- PostgreSQL ------------------------------------------------------------
# h_postgres NAME : a private PostgreSQL (Debian's server binaries) in
# $H_DIR/NAME, Unix socket only (no TCP), run as the postgres user; prints
# nothing, sets H_PG_CONNINFO (database "hotp", created). Stopped by the
# cleanup trap like any daemon (postgres's own foreground process).
h_postgres() {
    local name="$1" bin dir sock
    bin="$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)")"
    [ -x "$bin/postgres" ] || h_fail "PostgreSQL server binaries not found (package postgresql)"
    dir="$H_DIR/$name"; sock="$dir/sock"
    mkdir -p "$sock"
    chown -R postgres: "$dir"
    chmod o+x "$H_DIR"      # the postgres user must reach its directory
    runuser -u postgres -- "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 \
        > "$H_DIR/$name-initdb.log" 2>&1 || h_fail "initdb failed (see $name-initdb.log)"
    h_start "$name" runuser -u postgres -- "$bin/postgres" -D "$dir/data" -k "$sock" \
        -c listen_addresses= -c fsync=on -p 5432
    h_wait_for 30 runuser -u postgres -- "$bin/psql" -h "$sock" -p 5432 -U postgres -Atc 'select 1' \
        || h_fail "PostgreSQL $name did not start"
    runuser -u postgres -- "$bin/psql" -h "$sock" -p 5432 -U postgres -qc 'create database hotp' \
        || h_fail "create database hotp"
    H_PG_CONNINFO="host=$sock port=5432 user=postgres dbname=hotp"
}

# h_diameter_msgs PCAP PORT [FIELD...] : one line per Diameter message in a
# capture, "command-code|request-flag(1/0)|Result-Code|FIELD1|..." (empty
# where absent; first occurrence of each FIELD, e.g. diameter.Digest-Nonce).
# Read from tshark's PDML, one <proto name="diameter"> per message, because
# one TCP segment often carries several messages and -T fields merges them.
h_diameter_msgs() {
    local pcap="$1" port="$2"; shift 2
    tshark -r "$pcap" -d "tcp.port==$port,diameter" -Y diameter -T pdml 2>/dev/null | awk -v extra="$*" '
        BEGIN { n = split(extra, want, " ") }
        function show(line) { match(line, /show="[^"]*"/); return substr(line, RSTART + 6, RLENGTH - 7) }
        function fname(line) { match(line, /name="[^"]*"/); return substr(line, RSTART + 6, RLENGTH - 7) }
        /<proto name="diameter"/ { inp = 1; delete v; next }
        inp && /<field name=/ { f = fname($0); if (!(f in v)) v[f] = show($0) }
        inp && /^  <\/proto>/ {
            req = v["diameter.flags.request"]; if (req == "True") req = 1; if (req == "False") req = 0
            line = v["diameter.cmd.code"] "|" req "|" v["diameter.Result-Code"]
            for (i = 1; i <= n; i++) line = line "|" v[want[i]]
            print line; inp = 0 }'
}

# h_grepq GREP-ARGS... : `grep -q` for the end of a pipeline. Under pipefail
# (set above) `producer | h_grepq x` fails when grep exits at the first match
# and the producer, still writing, dies of SIGPIPE: a found text reads as not
# found, and `... | h_grepq x && h_fail` can never fail. This reads all input.
h_grepq() { grep "$@" >/dev/null; }
export -f h_grepq   # also for `h_wait_for N bash -c "... | h_grepq ..."`
