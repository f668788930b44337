#!/bin/bash
# One-handshake HOTP authentication at Proxy 1 (hotp_auth over cdp, against
# freeDiameterd + app_hotp), and the digest baseline:
#  1. malformed HOTP credentials get 400 with a Warning naming the field, a
#     Digest credential gets 401 asking for HOTP, a credential for another
#     identity gets 403, and not one UAR or MAR leaves Proxy 1 for any of
#     them (counted in a capture of the Diameter link);
#  2. a well-formed credential of an unknown user: UAR, 5032, 403;
#  3. end to end: REGISTER with a valid OTP gets 200 in
#     one round trip (UAR + MAR), the registrar holds the binding, the
#     relayed REGISTER carries no credential; a replayed or wrong OTP gets
#     403; 20 users register concurrently; a MESSAGE with
#     Proxy-Authorization is checked with a MAR alone and relayed;
#     Wireshark finds nothing malformed;
#  4. digest baseline (proxy1.cfg -A WITH_DIGEST, SQLite subscriber table):
#     401 challenge, then 200;
#  5. fail closed: a Diameter server that stops answering gives 503 with
#     Retry-After (module timeout, and cdp's TransactionTimeout with the
#     module timeout off), a request beyond max_pending gets 503 at once, a
#     CANCEL of an INVITE parked for Diameter gets its 487 at once, and a
#     server that is gone gives 503 with Retry-After at once; never 200;
#  6. after the server restarts, service resumes, OTPs used before are
#     refused, an OTP 7 steps ahead is accepted (the counter jumps), and 3
#     wrong OTPs lock the user out until the back-off passes.
source "$(dirname "$0")/../lib/harness.sh"
h_init hotp_auth

SCEN="$H_ROOT/sipp-scenarios"
REALM=vpn.example.com
P1="$(h_port)"; P1D="$(h_port)"; P2="$(h_port)"; SP="$(h_port)"
TIMEOUT_MS=1500

# a short lock-out so its expiry can be watched (defaults: 5 failures, 30 s)
H_APP_HOTP_EXTRA=$'lockout_after = 3;\nlockout_base_s = 2;\nlockout_max_s = 4;'
h_diameter_pair ha
h_kamailio proxy2 "$H_ROOT/cfg/kamailio/proxy2.cfg" -A "LISTEN=udp:127.0.0.1:$P2"
# (45 s for the peer: Debian's cdp 5.6.3 sometimes sends its CER without
# Host-IP-Address, a race between its timer and receiver processes on
# p->I_sock; freeDiameter refuses that CER and cdp retries ~10 s later)
h_kamailio proxy1 "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:127.0.0.1:$P1" \
    -A "NEXT_HOP=\"sip:127.0.0.1:$P2\"" -A "CDP_CONFIG=\"$H_CDP_XML\"" \
    -A "HOTP_TIMEOUT_MS=$TIMEOUT_MS"
h_wait_for 45 bash -c "kamcmd -s unix:$H_DIR/proxy1.ctl hotp_auth.status | h_grepq 'peers_open: 1'" \
    || h_fail "cdp did not open the Diameter peer: $(h_kamcmd proxy1 hotp_auth.status)"
h_pass "Proxy 1 is up and its Diameter peer is open"

# ---- helpers -----------------------------------------------------------------
# capture_start NAME / capture_stop: Diameter link and Proxy 1 -> Proxy 2 SIP
capture_start() {
    CAP="$H_DIR/$1.pcap"
    h_start "cap_$1" dumpcap -q -i lo -f "tcp port $H_FD_PORT or udp port $P2" -w "$CAP"
    CAP_NAME="cap_$1"
    h_wait_for 10 test -s "$CAP" || h_fail "dumpcap did not start"
}
capture_stop() { sleep 0.5; h_stop "$CAP_NAME"; }
# diameter_cmds PCAP: one line per Diameter message, "code|request|Result-Code"
diameter_cmds() { h_diameter_msgs "$1" "$H_FD_PORT"; }
count() { grep -c -- "$1" <<<"$2" || true; }

# sipp_run NAME PROXY_PORT SCENARIO CSV_TEXT EXPECT [extra sipp args]: every
# call must end with EXPECT; the messages SIPp saw land in $H_DIR/NAME.msgs
sipp_run() {
    local name="$1" port="$2" scen="$3" csv="$4" expect="$5"; shift 5
    local n
    printf 'SEQUENTIAL\n%s\n' "$csv" > "$H_DIR/$name.csv"
    n="$(printf '%s\n' "$csv" | grep -c .)"
    rm -f "$H_DIR"/*_messages.log
    h_sipp "$name" -sf "$scen" -inf "$H_DIR/$name.csv" -set expect "$expect" -m "$n" \
        -i 127.0.0.1 -p "$SP" "127.0.0.1:$port" -timeout 30s -trace_msg "$@"
    local rc=$?
    cat "$H_DIR"/*_messages.log > "$H_DIR/$name.msgs" 2>/dev/null
    rm -f "$H_DIR"/*_messages.log
    return $rc
}

# ---- 1. malformed credentials: 400 + Warning, no Diameter at all ---------------
capture_start malformed
ok_user="mn-1;$REALM"
cases=(
    'HOTP username="mn-1", realm="vpn.example.com", otp="12ab56"|400|otp: not 6-8 digits'
    'HOTP username="mn-1", realm="vpn.example.com"|400|otp: missing'
    'HOTP username="mn-1", realm="vpn.example.com", otp="12345678901234567890123456789012345678901234567890"|400|otp: not 6-8 digits'
    'HOTP username="mn-1", realm="vpn.example.com", otp="123456", otp="654321"|400|otp: duplicate parameter'
    'HOTP username="mn-1, realm="vpn.example.com", otp="123456"|400|username: invalid character'
    'HOTP username="mn-1", realm="vpn.example.com", otp="123456|400|otp: unterminated quoted-string'
    'HOTP username="mn-1", realm="vpn..example.com", otp="123456"|400|realm: not a hostname'
    'HOTP username="mn-1", realm="vpn.example.com", otp="123456", counter="-1"|400|counter: not a decimal number'
    'HOTP username="mn-1" realm="vpn.example.com" otp="123456"|400|username: expected '"','"' after the value'
    "HOTP username=\"mn-1\", realm=\"vpn.example.com\", otp=\"123456\", pad=\"$(printf 'x%.0s' $(seq 1100))\"|400|header: longer than 1024 bytes"
    'Digest username="mn-1", realm="vpn.example.com", nonce="x", uri="sip:vpn.example.com", response="00000000000000000000000000000000"|401|HOTP credentials required'
)
i=0
for c in "${cases[@]}"; do
    i=$((i + 1))
    hdr="${c%%|*}"; rest="${c#*|}"; code="${rest%%|*}"; text="${rest#*|}"
    sipp_run "bad$i" "$P1" "$SCEN/register_hotp_raw.xml" "$ok_user;$hdr" "$code" \
        || h_fail "case $i: expected $code for [$hdr] (see bad$i.log, bad$i.msgs)"
    grep -aqF "Warning: 399 127.0.0.1:$P1 \"$text\"" "$H_DIR/bad$i.msgs" \
        || h_fail "case $i: no Warning \"$text\": $(grep -a '^Warning' "$H_DIR/bad$i.msgs")"
done
grep -aq '^WWW-Authenticate: HOTP realm="vpn.example.com"' "$H_DIR/bad$i.msgs" \
    || h_fail "401 without WWW-Authenticate: HOTP"
h_pass "$i malformed/foreign credentials: 400/401 with the right Warning"

# a valid credential of another identity than the To URI
sipp_run mismatch "$P1" "$SCEN/register_hotp_raw.xml" \
    "mn-2;$REALM;HOTP username=\"mn-1\", realm=\"vpn.example.com\", otp=\"123456\"" 403 \
    || h_fail "identity mismatch: expected 403"
grep -aqF '"identity mismatch"' "$H_DIR/mismatch.msgs" || h_fail "403 without Warning identity mismatch"
h_pass "credential for another identity: 403 identity mismatch"
capture_stop
d="$(diameter_cmds "$CAP")"
n="$(grep -Ec '^(283|286)\|' <<<"$d")"
[ "$n" = 0 ] || h_fail "$n UAR/MAR messages sent for malformed credentials: $d"
h_pass "no UAR/MAR on the Diameter link for any of them ($(grep -c . <<<"$d") Diameter messages in all, watchdogs only)"
st="$(h_kamcmd proxy1 hotp_auth.status)"
grep -q "malformed: $((i - 1))\$" <<<"$st" || h_fail "malformed counter: $st"
grep -q 'identity_mismatch: 1$' <<<"$st" || h_fail "identity_mismatch counter: $st"
grep -q 'no_credentials: 1$' <<<"$st" || h_fail "no_credentials counter: $st"

# ---- 2. unknown user: UAR -> 5032 -> 403 ----------------------------------------
capture_start unknown
sipp_run unknown "$P1" "$SCEN/register_hotp.xml" "mn-404;$REALM;123456" 403 \
    || h_fail "unknown user: expected 403"
grep -aqF '"authentication rejected"' "$H_DIR/unknown.msgs" || h_fail "403 without Warning"
capture_stop
d="$(diameter_cmds "$CAP")"
[ "$(count '^283|1|' "$d")" = 1 ] || h_fail "expected one UAR: $d"
grep -q '^283|0|5032$' <<<"$d" || h_fail "expected UAA 5032: $d"
[ "$(count '^286|' "$d")" = 0 ] || h_fail "MAR sent for an unknown user: $d"
h_pass "unknown user: one UAR answered 5032, no MAR, 403"

# ---- 3. end to end with MAR ------------------------------------------------------
SECRET=3132333435363738393031323334353637383930
otp() { oathtool --hotp -c "$2" "$1"; }
grep -q 'app_hotp: RFC 4740 server ready (UAR, MAR)' "$H_DIR/ha-fd.log" \
    || h_fail "app_hotp did not announce UAR and MAR support"
{
    "$H_BUILD/tools/senemo-hotp" --db "$H_HOTP_DB" add "sip:mn-1@$REALM" --secret-hex "$SECRET" \
        > /dev/null || h_fail "cannot provision mn-1"
    capture_start e2e
    sipp_run ok "$P1" "$SCEN/register_hotp.xml" \
        "mn-1;$REALM;$(otp $SECRET 0)
mn-1;$REALM;$(otp $SECRET 1)" 200 || h_fail "valid OTPs: expected 200 twice"
    h_pass "REGISTER with a valid OTP: 200 in one round trip (twice, counters 0 and 1)"
    h_kamcmd proxy2 ul.dump brief | h_grepq -E "AoR: mn-1\$" || h_fail "registrar has no binding for mn-1"
    h_pass "the registrar holds mn-1's binding"

    sipp_run replay "$P1" "$SCEN/register_hotp.xml" "mn-1;$REALM;$(otp $SECRET 1)" 403 \
        || h_fail "replayed OTP: expected 403"
    sipp_run wrong "$P1" "$SCEN/register_hotp.xml" \
        "mn-1;$REALM;$(printf '%06d' $(( ($(otp $SECRET 2) + 1) % 1000000 )))" 403 \
        || h_fail "wrong OTP: expected 403"
    sipp_run wronglen "$P1" "$SCEN/register_hotp.xml" "mn-1;$REALM;1234567" 403 \
        || h_fail "7-digit OTP for a 6-digit account: expected 403"
    h_pass "replayed OTP, wrong OTP, OTP of the wrong length: 403"

    # 20 users at once
    csv=""
    for u in $(seq 2 21); do
        s="$(printf '%040x' "$u")"
        "$H_BUILD/tools/senemo-hotp" --db "$H_HOTP_DB" add "sip:mn-$u@$REALM" --secret-hex "$s" \
            > /dev/null || h_fail "cannot provision mn-$u"
        csv+="mn-$u;$REALM;$(otp "$s" 0)"$'\n'
    done
    sipp_run many "$P1" "$SCEN/register_hotp.xml" "${csv%$'\n'}" 200 -r 200 -l 20 \
        || h_fail "20 concurrent registrations: not all 200 (see many.log)"
    n="$(h_kamcmd proxy2 ul.dump brief | grep -c 'AoR: mn-')"
    [ "$n" -ge 21 ] || h_fail "registrar holds $n HOTP bindings, expected 21"
    h_pass "20 users registered concurrently, all 200"

    # MESSAGE with Proxy-Authorization: MAR only, then relayed (Proxy 2: 404)
    cat > "$H_DIR/message_hotp.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="message hotp">
  <Global variables="expect" />
  <send retrans="500"><![CDATA[
      MESSAGE sip:nobody@[field1] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[field1]>;tag=[pid]SIPpTag[call_number]
      To: <sip:nobody@[field1]>
      Call-ID: [call_id]
      CSeq: 1 MESSAGE
      Proxy-Authorization: HOTP username="[field0]", realm="[field1]", otp="[field2]", counter="3"
      Max-Forwards: 70
      Content-Type: text/plain
      Content-Length: [len]

      hello
    ]]></send>
  <recv response="100" optional="true" />
  <recv response="404" />
  <nop><action><log message="expected [$expect]" /></action></nop>
</scenario>
XML
    sipp_run msg "$P1" "$H_DIR/message_hotp.xml" "mn-1;$REALM;$(otp $SECRET 3)" 404 \
        || h_fail "MESSAGE with a valid Proxy-Authorization: expected Proxy 2's 404"
    h_pass "MESSAGE with Proxy-Authorization: authenticated and relayed"

    # deregistration: UAR with SIP-User-Authorization-Type DEREGISTRATION
    sipp_run dereg "$P1" "$SCEN/register_hotp.xml" "mn-1;$REALM;$(otp $SECRET 4)" 200 \
        -set expires 0 || h_fail "deregistration with a valid OTP: expected 200"
    h_kamcmd proxy2 ul.dump brief | h_grepq -E "AoR: mn-1\$" && h_fail "mn-1 still registered"
    h_pass "deregistration (Expires: 0) authenticated and relayed: binding gone"
    capture_stop

    d="$(diameter_cmds "$CAP")"
    [ "$(count '^283|1|' "$d")" = 26 ] || h_fail "expected 26 UARs (2 + 3 bad + 20 + dereg): $d"
    [ "$(count '^286|1|' "$d")" = 27 ] || h_fail "expected 27 MARs (UARs + MESSAGE): $d"
    [ "$(count '^286|0|2001$' "$d")" = 24 ] || h_fail "expected 24 MAA 2001: $d"
    [ "$(count '^286|0|4001$' "$d")" = 2 ] || h_fail "expected 2 MAA 4001: $d"
    [ "$(count '^286|0|5004$' "$d")" = 1 ] || h_fail "expected 1 MAA 5004: $d"
    [ "$(count '^283|0|2001$' "$d")" = 1 ] || h_fail "expected the deregistration's UAA 2001: $d"
    uat="$(h_diameter_msgs "$CAP" "$H_FD_PORT" diameter.SIP-User-Authorization-Type \
        | awk -F'|' '$1 == 283 && $2 == 1 {print $4}' | sort | uniq -c | tr -s ' ' | tr '\n' ' ')"
    [ "$uat" = " 25 0  1 1 " ] || h_fail "SIP-User-Authorization-Type of the UARs: $uat"
    h_pass "Diameter: 26 UAR (25 REGISTRATION, 1 DEREGISTRATION), 27 MAR (24 accepted, 3 rejected)"
    # the Digest-Nonce carries the counter hint; the AVPs of the MAR
    h_diameter_msgs "$CAP" "$H_FD_PORT" diameter.SIP-Method diameter.Digest-Nonce \
        diameter.SIP-Authentication-Scheme diameter.Digest-Username diameter.Digest-Realm \
        diameter.Digest-Method | awk -F'|' -v OFS='\t' '$1 == 286 && $2 == 1 {print $4, $5, $6, $7, $8, $9}' \
        > "$H_DIR/mar.txt"
    grep -Pq '^MESSAGE\tc=3\t1\tmn-1\tvpn.example.com\tMESSAGE$' "$H_DIR/mar.txt" \
        || h_fail "MAR of the MESSAGE: $(grep MESSAGE "$H_DIR/mar.txt")"
    grep -Pq '^REGISTER\tc=-\t1\tmn-1\tvpn.example.com\tREGISTER$' "$H_DIR/mar.txt" \
        || h_fail "MAR of a REGISTER: $(head -3 "$H_DIR/mar.txt")"
    h_pass "MAR carries SIP-Method, scheme 1 (HOTP) and Digest-Nonce c=<hint>/c=-"
    bad="$(tshark -r "$CAP" -d "tcp.port==$H_FD_PORT,diameter" \
        -Y 'diameter && (_ws.malformed || _ws.expert.severity >= "warning")' 2>/dev/null)"
    [ -z "$bad" ] || h_fail "Wireshark flags malformed/expert problems: $bad"
    h_pass "Wireshark finds no malformed Diameter packet and no expert warning"
    n="$(tshark -r "$CAP" -Y 'sip.Method == "REGISTER"' 2>/dev/null | grep -c .)"
    [ "$n" -ge 23 ] || h_fail "only $n REGISTERs relayed to Proxy 2"
    if tshark -r "$CAP" -Y 'sip.Method && (sip.Authorization || sip.Proxy-Authorization)' 2>/dev/null | h_grepq .; then
        h_fail "a relayed request still carries the HOTP credential"
    fi
    h_pass "relayed requests carry no credential ($n REGISTERs checked)"
    st="$(h_kamcmd proxy1 hotp_auth.status)"
    grep -q 'auth_ok: 24$' <<<"$st" || h_fail "auth_ok counter: $st"
    grep -q 'pending: 0$' <<<"$st" || h_fail "authentications left pending: $st"
    grep -Eq 'avg_response_us: [1-9]' <<<"$st" || h_fail "no Diameter response time measured: $st"
    h_pass "counters: $(grep -E 'auth_ok|auth_rejected|avg_response_us' <<<"$st" | tr -d '\t' | tr '\n' ' ')"

    # one identity's requests are checked in arrival order: a REGISTER with
    # OTP c and a MESSAGE with c + 1 sent while the REGISTER's authentication
    # is in flight (as the NVG's handoff REGISTER and list INVITE). The
    # REGISTER needs UAR + MAR, the MESSAGE a MAR only: checked the other way
    # round, c would be refused as a replay. Made deterministic by stopping
    # the Diameter server until both are parked at Proxy 1: the MESSAGE must
    # wait (ordered_waits), then both pass. (A few lines of Python: SIPp
    # cannot send a second request of a call while the first one's answer
    # may already arrive.)
    cat > "$H_DIR/pipelined.py" <<'PY'
import os, socket, sys, time
p1, sp, realm = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", sp))
s.settimeout(0.2)
def req(method, ruri, user, cseq, hname, otp, callid, extra, body=""):
    return ("%s %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s-%d;rport\r\n"
            "From: <sip:%s@%s>;tag=t%s\r\nTo: <%s>\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"
            "%s: HOTP username=\"%s\", realm=\"%s\", otp=\"%s\"\r\nMax-Forwards: 70\r\n%s"
            "Content-Length: %d\r\n\r\n%s" % (method, ruri, sp, callid, cseq, user, realm, callid,
            ruri if method == "MESSAGE" else "sip:%s@%s" % (user, realm), callid, cseq, method,
            hname, user, realm, otp, extra, len(body), body)).encode()
go = sys.argv[4]
users = [l.split(";") for l in sys.argv[5:]]
cids = {}
for u, c0, c1 in users:
    cids[u] = "pipe.%s.%d" % (u, time.time() * 1000)
    s.sendto(req("REGISTER", "sip:" + realm, u, 1, "Authorization", c0, cids[u],
                 "Contact: <sip:%s@127.0.0.1:%d>\r\nExpires: 300\r\n" % (u, sp)), ("127.0.0.1", p1))
end = time.time() + 10
while time.time() < end and not os.path.exists(go):
    time.sleep(0.01)
for u, c0, c1 in users:
    s.sendto(req("MESSAGE", "sip:nobody@" + realm, u, 2, "Proxy-Authorization", c1, cids[u],
                 "Content-Type: text/plain\r\n", "hello"), ("127.0.0.1", p1))
got = {}
end = time.time() + 10
while time.time() < end and len(got) < 2 * len(users):
    try:
        m = s.recv(65535).decode(errors="replace")
    except socket.timeout:
        continue
    code = int(m.split(" ", 2)[1])
    if code < 200:
        continue
    cid = [l for l in m.split("\r\n") if l.lower().startswith("call-id:")][0].split(":", 1)[1].strip()
    meth = [l for l in m.split("\r\n") if l.lower().startswith("cseq:")][0].split()[-1]
    got[(cid.split(".")[1], meth)] = code
bad = 0
for u, _, _ in users:
    r, mm = got.get((u, "REGISTER")), got.get((u, "MESSAGE"))
    print("%s: REGISTER %s, MESSAGE %s" % (u, r, mm))
    if r != 200 or mm != 404:
        bad += 1
sys.exit(1 if bad else 0)
PY
    w0="$(h_kamcmd proxy1 hotp_auth.status | awk '$1 == "ordered_waits:" { print $2 }')"
    args=()
    for u in $(seq 2 6); do
        s="$(printf '%040x' "$u")"
        args+=("mn-$u;$(otp "$s" 1);$(otp "$s" 2)")
    done
    pend() { h_kamcmd proxy1 hotp_auth.status | awk '$1 == "pending:" { print $2 }'; }
    FD_PID="$(h_pid ha-fd)"
    kill -STOP "$FD_PID"
    python3 "$H_DIR/pipelined.py" "$P1" "$SP" "$REALM" "$H_DIR/pipelined.go" "${args[@]}" \
        > "$H_DIR/pipelined.log" 2>&1 &
    py=$!
    h_wait_for 5 bash -c "[ \"\$(kamcmd -s unix:$H_DIR/proxy1.ctl hotp_auth.status | awk '\$1 == \"pending:\" { print \$2 }')\" = 5 ]" \
        || { kill -CONT "$FD_PID"; h_fail "the 5 REGISTERs are not parked for Diameter (pending $(pend))"; }
    touch "$H_DIR/pipelined.go"
    h_wait_for 5 bash -c "[ \"\$(kamcmd -s unix:$H_DIR/proxy1.ctl hotp_auth.status | awk '\$1 == \"pending:\" { print \$2 }')\" = 10 ]" \
        || { kill -CONT "$FD_PID"; h_fail "the 5 MESSAGEs are not parked (pending $(pend))"; }
    kill -CONT "$FD_PID"
    wait "$py" \
        || h_fail "REGISTER (OTP c) and MESSAGE (OTP c + 1) of one identity: not both accepted: $(tr '\n' ' ' < "$H_DIR/pipelined.log")"
    st="$(h_kamcmd proxy1 hotp_auth.status)"
    grep -q 'auth_ok: 34$' <<<"$st" || h_fail "auth_ok after the 5 pipelined pairs: $st"
    w1="$(awk '$1 == "ordered_waits:" { print $2 }' <<<"$st")"
    [ "$((w1 - w0))" = 5 ] || h_fail "ordered_waits grew from $w0 to $w1 (5 expected)"
    h_pass "5 users: REGISTER (OTP c, UAR + MAR) and MESSAGE (c + 1, MAR) sent while the REGISTER's check was in flight: each MESSAGE waited (ordered_waits +5), both accepted (200 and Proxy 2's 404)"
    NEXT_C=5
}

# ---- 4. digest baseline ------------------------------------------------------------
SCHEMA=/usr/share/kamailio/db_sqlite
[ -f "$SCHEMA/auth_db-create.sql" ] || SCHEMA="$KAMAILIO_SRC/utils/kamctl/db_sqlite"
DB="$H_DIR/subscriber.sqlite"
cat "$SCHEMA/standard-create.sql" "$SCHEMA/auth_db-create.sql" | sqlite3 "$DB" \
    || h_fail "cannot create the subscriber database"
sqlite3 "$DB" "INSERT INTO subscriber (username, domain, password) VALUES ('mn-90', '$REALM', 'secret90');"
# its own cdp identity, toward no server: digest never needs Diameter
h_render "$H_ROOT/cfg/kamailio/cdp.xml.in" "$H_DIR/p1d-cdp.xml" FQDN="p1d-proxy.$REALM" \
    REALM="$REALM" SERVER_HOST=127.0.0.1 SERVER_PORT="$(h_port)" ACCEPT_PORT="$(h_port)"
h_kamailio proxy1d "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:127.0.0.1:$P1D" \
    -A "NEXT_HOP=\"sip:127.0.0.1:$P2\"" -A "CDP_CONFIG=\"$H_DIR/p1d-cdp.xml\"" \
    -A WITH_DIGEST -A "DB_URL=\"sqlite://$DB\""
sipp_run digest "$P1D" "$SCEN/register_digest.xml" "mn-90;$REALM" 200 -au mn-90 -ap secret90 \
    || h_fail "digest: expected 401 then 200 (see digest.log)"
grep -aq '^SIP/2.0 401' "$H_DIR/digest.msgs" || h_fail "digest: no 401 challenge"
grep -aq '^WWW-Authenticate: Digest' "$H_DIR/digest.msgs" || h_fail "digest: 401 without Digest challenge"
h_kamcmd proxy2 ul.dump brief | h_grepq "AoR: mn-90" || h_fail "registrar has no binding for mn-90"
h_pass "digest baseline: REGISTER, 401, REGISTER with credentials, 200"
sipp_run digestbad "$P1D" "$SCEN/register_digest.xml" "mn-90;$REALM" 401 -au mn-90 -ap wrong \
    || h_fail "digest with a wrong password: expected a second 401"
h_pass "digest with a wrong password: challenged again (401)"

# ---- 5. fail closed -------------------------------------------------------------------
# a fresh OTP for mn-1 (it would get 200 with the server alive)
cred="mn-1;$REALM;$(otp $SECRET $NEXT_C)"
FD_PID="$(h_pid ha-fd)"
kill -STOP "$FD_PID"
t0=$(date +%s%N)
sipp_run stalled "$P1" "$SCEN/register_hotp.xml" "$cred" 503
rc=$?
kill -CONT "$FD_PID"
[ "$rc" = 0 ] || h_fail "Diameter server not answering: expected 503 (see stalled.log)"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
grep -aq '^Retry-After: 5' "$H_DIR/stalled.msgs" || h_fail "503 without Retry-After: 5"
grep -q 'timeouts: [1-9]' <<<"$(h_kamcmd proxy1 hotp_auth.status)" || h_fail "timeout not counted"
h_pass "Diameter server not answering: 503 + Retry-After after the ${TIMEOUT_MS} ms module timeout (${ms} ms incl. SIPp)"

# CANCEL of an INVITE parked for Diameter: never challenged, tm answers 487
# at once; the resumption that follows finds the transaction gone (harmless)
cat > "$H_DIR/cancel.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="cancel parked invite">
  <Global variables="expect" />
  <send retrans="500"><![CDATA[
      INVITE sip:nobody@[field1] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[field1]>;tag=[pid]SIPpTag[call_number]
      To: <sip:nobody@[field1]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Proxy-Authorization: HOTP username="[field0]", realm="[field1]", otp="[field2]"
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <recv response="100" />
  <pause milliseconds="300" />
  <send><![CDATA[
      CANCEL sip:nobody@[field1] SIP/2.0
      [last_Via:]
      From: <sip:[field0]@[field1]>;tag=[pid]SIPpTag[call_number]
      To: <sip:nobody@[field1]>
      Call-ID: [call_id]
      CSeq: 1 CANCEL
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <recv response="487" />
  <send><![CDATA[
      ACK sip:nobody@[field1] SIP/2.0
      [last_Via:]
      From: <sip:[field0]@[field1]>;tag=[pid]SIPpTag[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <recv response="200" />
  <nop><action><log message="expected [$expect]" /></action></nop>
</scenario>
XML
kill -STOP "$FD_PID"
sipp_run cancel "$P1" "$H_DIR/cancel.xml" "$cred" 487
rc=$?
sleep 2   # past the module timeout: the parked entry is resumed, finds nothing
kill -CONT "$FD_PID"
[ "$rc" = 0 ] || h_fail "CANCEL of a parked INVITE: expected 487 and 200 (see cancel.log)"
h_alive proxy1 || h_fail "proxy1 died after the CANCEL"
grep -q 'pending: 0$' <<<"$(h_kamcmd proxy1 hotp_auth.status)" || h_fail "entry left pending after CANCEL"
h_pass "CANCEL of an INVITE parked for Diameter: 487 at once, the late resumption is harmless"

# the same with the module timeout off: cdp's TransactionTimeout (5 s in
# cdp.xml.in) decides; cdp reports it under its own lock, the module's timer
# resumes the transaction. With max_pending 1, a second REGISTER arriving
# meanwhile gets 503 at once.
h_stop proxy1
h_kamailio proxy1b "$H_ROOT/cfg/kamailio/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:127.0.0.1:$P1" \
    -A "NEXT_HOP=\"sip:127.0.0.1:$P2\"" -A "CDP_CONFIG=\"$H_CDP_XML\"" -A "HOTP_TIMEOUT_MS=0" \
    -A "HOTP_MAX_PENDING=1"
h_wait_for 45 bash -c "kamcmd -s unix:$H_DIR/proxy1b.ctl hotp_auth.status | h_grepq 'peers_open: 1'" \
    || h_fail "proxy1b: cdp did not open the Diameter peer"
kill -STOP "$FD_PID"
t0=$(date +%s%N)
sipp_run stalled_cdp "$P1" "$SCEN/register_hotp.xml" "$cred
$cred" 503
rc=$?
kill -CONT "$FD_PID"
[ "$rc" = 0 ] || h_fail "Diameter server not answering (cdp timeout): expected 503"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 4000 ] || h_fail "503 after $ms ms, before cdp's 5 s TransactionTimeout"
grep -aq '^Retry-After: 5' "$H_DIR/stalled_cdp.msgs" || h_fail "503 without Retry-After: 5"
st="$(h_kamcmd proxy1b hotp_auth.status)"
grep -q 'timeouts: 1$' <<<"$st" || h_fail "cdp timeout not counted: $st"
grep -q 'diameter_errors: 1$' <<<"$st" || h_fail "max_pending refusal not counted: $st"
grep -q 'pending: 0$' <<<"$st" || h_fail "entry left pending: $st"
grep -q 'uar_sent: 1$' <<<"$st" || h_fail "the second REGISTER reached Diameter: $st"
h_pass "Diameter server not answering, module timeout off: 503 + Retry-After after cdp's timeout (${ms} ms); the REGISTER beyond max_pending got 503 at once"

h_stop ha-fd
h_wait_for 10 bash -c "kamcmd -s unix:$H_DIR/proxy1b.ctl hotp_auth.status | h_grepq 'peers_open: 0'" \
    || h_fail "cdp still sees the peer open"
cred="mn-1;$REALM;$(otp $SECRET $((NEXT_C + 1)))"
sipp_run down "$P1" "$SCEN/register_hotp.xml" "$cred
$cred" 503 || h_fail "Diameter server down: expected 503 (see down.log)"
grep -aq '^Retry-After: 5' "$H_DIR/down.msgs" || h_fail "503 without Retry-After"
grep -aq '^SIP/2.0 200' "$H_DIR/down.msgs" && h_fail "200 while the Diameter server is down"
h_alive proxy1b || h_fail "proxy1b died"
h_pass "Diameter server down: 503 + Retry-After at once, never 200"

# ---- 6. restart: service resumes, no used OTP comes back, window, lock-out ----
h_fd_up ha-fd2 "$H_FD_PORT"
h_wait_for 45 bash -c "kamcmd -s unix:$H_DIR/proxy1b.ctl hotp_auth.status | h_grepq 'peers_open: 1'" \
    || h_fail "cdp did not reopen the peer after the server restarted"
sipp_run used_again "$P1" "$SCEN/register_hotp.xml" "mn-1;$REALM;$(otp $SECRET 0)
mn-1;$REALM;$(otp $SECRET 1)" 403 || h_fail "after the restart an OTP used before was not refused"
last="$("$H_BUILD/tools/senemo-hotp" --db "$H_HOTP_DB" show "sip:mn-1@$REALM" | sed -n 's/^counter: //p')"
jump=$(( last + 7 ))
sipp_run jump "$P1" "$SCEN/register_hotp.xml" "mn-1;$REALM;$(otp $SECRET $jump)" 200 \
    || h_fail "OTP 7 steps ahead (inside the window of 10): expected 200"
now="$("$H_BUILD/tools/senemo-hotp" --db "$H_HOTP_DB" show "sip:mn-1@$REALM" | sed -n 's/^counter: //p')"
[ "$now" = "$jump" ] || h_fail "counter $now after the jump, expected $jump"
h_pass "after the restart: used OTPs refused (403), an OTP 7 ahead accepted, counter $last -> $now"

sipp_run fails "$P1" "$SCEN/register_hotp.xml" "mn-1;$REALM;000000
mn-1;$REALM;111111
mn-1;$REALM;222222" 403 || h_fail "wrong OTPs: expected 403"
good="mn-1;$REALM;$(otp $SECRET $((jump + 1)))"
sipp_run locked "$P1" "$SCEN/register_hotp.xml" "$good" 403 \
    || h_fail "after 3 failures the correct OTP was not refused"
sleep 2.5
sipp_run unlocked "$P1" "$SCEN/register_hotp.xml" "$good" 200 \
    || h_fail "after the back-off the correct OTP was not accepted"
h_pass "3 wrong OTPs lock the user out: the correct OTP gets 403 until the 2 s back-off passes, then 200"
