# shellcheck shell=bash
# TLS pieces of the test harness (source after harness.sh):
#   h_tls_certs [--ca-name CN] DIR NAME...  private CA + certificates
#                                  (scripts/gen-certs.sh; one CA per DIR)
#   h_kamailio_tls_cfg OUT DIR NAME [CA]  a Kamailio tls.cfg for NAME's
#                                  certificate, trusting CA (DIR/ca.pem)
#   h_diameter_pair_tls PREFIX DIR   like h_diameter_pair, but freeDiameter is
#       reachable over TLS only (SecPort) and Kamailio's cdp reaches it through
#       a local stunnel client presenting DIR/PREFIX-proxy.vpn.example.com.pem.
#       Sets H_FD_TLS_PORT (freeDiameter's SecPort), H_STUNNEL_PORT (cdp's
#       clear-text hop on 127.0.0.1), H_CDP_XML, H_HOTP_DB, H_FD_REALM.
#       H_FD_ACL_EXTRA: more client names allowed (TLS only), one per line.
#   h_stunnel_client NAME ACCEPT_PORT CONNECT_PORT CERT_BASE CA SERVER_NAME
#       a stunnel client from cfg/stunnel/diameter-client.conf.in presenting
#       CERT_BASE.pem/.key (for probes with their own identity).

h_tls_certs() {
    local opts=()
    [ "$1" = --ca-name ] && { opts=(--ca-name "$2"); shift 2; }
    local dir="$1"; shift
    "$H_ROOT/scripts/gen-certs.sh" "${opts[@]}" "$dir" "$@" > "$H_DIR/gen-certs.log" 2>&1 \
        || h_fail "gen-certs.sh failed: $(cat "$H_DIR/gen-certs.log")"
}

h_kamailio_tls_cfg() {
    local out="$1" dir="$2" name="$3" ca="${4:-$2/ca.pem}"
    h_render "$H_ROOT/cfg/kamailio/tls.cfg.in" "$out" \
        KEY="$dir/$name.key" CERT="$dir/$name.pem" CA="$ca"
}

h_diameter_pair_tls() {
    local p="$1" dir="$2" cdir cname
    H_FD_TLS_PORT="$(h_port)"; H_STUNNEL_PORT="$(h_port)"; H_FD_REALM="vpn.example.com"
    H_HOTP_DB="$H_DIR/$p-hotp.db"
    # no flag: the client may connect with TLS only
    printf '# Diameter clients allowed (TLS-protected connections only)\n%s\n' \
        "$p-proxy.$H_FD_REALM" > "$H_DIR/$p-acl.conf"
    [ -z "${H_FD_ACL_EXTRA:-}" ] || printf '%s\n' "$H_FD_ACL_EXTRA" >> "$H_DIR/$p-acl.conf"
    h_render "$H_ROOT/cfg/freediameter/app_hotp.conf.in" "$H_DIR/$p-app_hotp.conf" \
        STORE="$H_HOTP_DB"
    [ -z "${H_APP_HOTP_EXTRA:-}" ] || printf '%s\n' "$H_APP_HOTP_EXTRA" >> "$H_DIR/$p-app_hotp.conf"
    h_render "$H_ROOT/cfg/freediameter/freeDiameter-tls.conf.in" "$H_DIR/$p-fd.conf" \
        IDENTITY="$p-aaa.$H_FD_REALM" REALM="$H_FD_REALM" SECPORT="$H_FD_TLS_PORT" THREADS=4 \
        CERT="$dir/$p-aaa.$H_FD_REALM.pem" KEY="$dir/$p-aaa.$H_FD_REALM.key" CA="$dir/ca.pem" \
        ACL_CONF="$H_DIR/$p-acl.conf" APP_HOTP_FDX="$H_BUILD/extensions/app_hotp.fdx" \
        APP_HOTP_CONF="$H_DIR/$p-app_hotp.conf"
    H_CDP_XML="$H_DIR/$p-cdp.xml"
    h_render "$H_ROOT/cfg/kamailio/cdp.xml.in" "$H_CDP_XML" \
        FQDN="$p-proxy.$H_FD_REALM" REALM="$H_FD_REALM" SERVER_HOST=127.0.0.1 \
        SERVER_PORT="$H_STUNNEL_PORT" ACCEPT_PORT="$(h_port)"
    h_fd_up "$p-fd" "$H_FD_TLS_PORT"
    h_stunnel_client "$p-stunnel" "$H_STUNNEL_PORT" "$H_FD_TLS_PORT" \
        "$dir/$p-proxy.$H_FD_REALM" "$dir/ca.pem" "$p-aaa.$H_FD_REALM"
}

h_stunnel_client() {
    local name="$1" accept="$2" connect="$3" cert="$4" ca="$5" server="$6"
    h_render "$H_ROOT/cfg/stunnel/diameter-client.conf.in" "$H_DIR/$name.conf" \
        LOG="$H_DIR/$name.out" ACCEPT="127.0.0.1:$accept" CONNECT="127.0.0.1:$connect" \
        CERT="$cert.pem" KEY="$cert.key" CA="$ca" SERVER_NAME="$server"
    h_start "$name" stunnel4 "$H_DIR/$name.conf"
    h_wait_for 15 h_listening "$accept" || h_fail "stunnel $name did not listen on $accept"
}
