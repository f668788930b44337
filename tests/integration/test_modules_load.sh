#!/bin/bash
# Each SeNEMO Kamailio module loads into Debian's kamailio: the shipped
# configurations pass `kamailio -c`, a running instance answers each module's
# RPC through kamcmd, and a bad modparam value stops start-up with a log line
# naming the parameter.
source "$(dirname "$0")/../lib/harness.sh"
h_init modules_load

CFG="$H_ROOT/cfg/kamailio"
h_diameter_pair ml

# 1. kamailio -c on every shipped configuration
for c in nvg proxy1 proxy2; do
    extra=()
    [ "$c" = proxy1 ] && extra=(-A "CDP_CONFIG=\"$H_CDP_XML\"")
    [ "$c" = nvg ] && extra=(-A "DB_URL=\"sqlite://$H_DIR/nvg-check.sqlite\"")
    out="$(h_kamailio_check "$CFG/$c.cfg" -A "LISTEN=udp:127.0.0.1:$(h_port)" "${extra[@]}" 2>&1)" \
        || { echo "$out" | tail -20 >&2; h_fail "kamailio -c rejects cfg/kamailio/$c.cfg"; }
    h_pass "kamailio -c accepts $c.cfg"
done

# 2. running instances answer each module's RPC
h_kamailio nvg "$CFG/nvg.cfg" -A WITH_PLAIN -A "LISTEN=udp:127.0.0.1:$(h_port)" -A 'NVG_DOMAIN="nvg-7.vpn.example.com"' \
    -A "DB_URL=\"sqlite://$H_DIR/nvg.sqlite\""
out="$(h_kamcmd nvg nvg.status)" || h_fail "nvg.status failed"
grep -q 'logical_domain: nvg-7.vpn.example.com' <<<"$out" || h_fail "nvg.status: unexpected reply: $out"
grep -q 'role: gateway' <<<"$out" || h_fail "nvg.status: role not gateway: $out"
h_pass "nvg.status answers ($(tr '\n\t' '  ' <<<"$out"))"

h_kamailio proxy2 "$CFG/proxy2.cfg" -A "LISTEN=udp:127.0.0.1:$(h_port)"
out="$(h_kamcmd proxy2 urilist.status)" || h_fail "urilist.status failed"
grep -q 'max_entries: 1000' <<<"$out" || h_fail "urilist.status: modparam max_entries not applied: $out"
h_pass "urilist.status answers"
out="$(h_kamcmd proxy2 nvg.status)" || h_fail "nvg.status (home) failed"
grep -q 'role: home' <<<"$out" || h_fail "nvg.status on proxy2: role not home: $out"

h_kamailio proxy1 "$CFG/proxy1.cfg" -A WITH_PLAIN -A "LISTEN=udp:127.0.0.1:$(h_port)" -A "CDP_CONFIG=\"$H_CDP_XML\""
out="$(h_kamcmd proxy1 ovsense.status)" || h_fail "ovsense.status failed"
grep -q 'retry_after: 5' <<<"$out" || h_fail "ovsense.status: unexpected reply: $out"
h_pass "ovsense.status answers"
# hotp_auth.uar needs the Diameter peer open: cdp connects within Tc seconds
h_wait_for 45 bash -c "kamcmd -s unix:$H_DIR/proxy1.ctl hotp_auth.uar sip:probe@vpn.example.com | h_grepq -E '^[0-9]+$'" \
    || h_fail "hotp_auth.uar got no Diameter answer"
h_pass "hotp_auth.uar answers"
out="$(h_kamcmd proxy1 stats.get_statistics hotp_auth:)"
grep -Eq 'hotp_auth:uar_sent = [1-9]' <<<"$out" || h_fail "statistic hotp_auth:uar_sent not counted: $out"
h_pass "statistics registered ($(tr '\n' ' ' <<<"$out"))"

# 3. a bad modparam value: start-up fails and the log names the parameter
bad_cfg="$H_DIR/nvg-badrole.cfg"
sed 's/modparam("nvg", "role", "gateway")/modparam("nvg", "role", "satellite")/' "$CFG/nvg.cfg" > "$bad_cfg"
grep -q '"satellite"' "$bad_cfg" || h_fail "could not derive the bad-role config"
if timeout 20 kamailio -f "$bad_cfg" -DD -E -L "$H_KAM_MPATH" -Y "$H_DIR" -A WITH_PLAIN \
        -A "LISTEN=udp:127.0.0.1:$(h_port)" -A "CTL_SOCK=\"unix:$H_DIR/bad.ctl\"" \
        -A "DB_URL=\"sqlite://$H_DIR/nvg-bad.sqlite\"" > "$H_DIR/bad.log" 2>&1; then
    h_fail "kamailio started with nvg role 'satellite'"
fi
grep -q "modparam role: 'satellite' is neither 'gateway' nor 'home'" "$H_DIR/bad.log" \
    || { cat "$H_DIR/bad.log" >&2; h_fail "no log line naming the bad role modparam"; }
h_pass "bad modparam refused with a clear log line"
