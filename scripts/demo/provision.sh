# shellcheck shell=bash
# ./senemo demo, part 3: HOTP accounts with the project's CLI
# (build/tools/senemo-hotp) in app_hotp's store: the two NVGs and every MN.
# Secrets are random (--random); the OTPs the MNs will present are generated
# from the store with `senemo-hotp gen` (counter 0 for the REGISTER, 1 for
# the call), so nothing here knows a secret.

HOTP_CLI="$H_BUILD/tools/senemo-hotp"
mn_user() { echo "mn-$1-$2"; }     # vehicle, index

# demo_provision N : accounts nvg-1, nvg-2, mn-V-1..mn-V-N; OTPs in $H_DIR/otp/USER
demo_provision() {
    local n="$1" v i u
    mkdir -p "$H_DIR/otp"
    for u in nvg-1 nvg-2 $(for v in 1 2; do for i in $(seq 1 "$n"); do mn_user "$v" "$i"; done; done); do
        "$HOTP_CLI" --db "$DEMO_HOTP_DB" add "sip:$u@$DEMO_DOMAIN" --random > "$H_DIR/otp/$u.secret" \
            || h_fail "senemo-hotp add sip:$u@$DEMO_DOMAIN"
        "$HOTP_CLI" --db "$DEMO_HOTP_DB" gen "sip:$u@$DEMO_DOMAIN" --counter 0 --count 4 > "$H_DIR/otp/$u" \
            || h_fail "senemo-hotp gen sip:$u@$DEMO_DOMAIN"
    done
    # the NVGs' secrets, as their own HOTP credential files (base32, 0600)
    for u in nvg-1 nvg-2; do
        sed -n 's/^secret-base32: //p' "$H_DIR/otp/$u.secret" > "$H_DIR/otp/$u.key"
        [ -s "$H_DIR/otp/$u.key" ] || h_fail "no secret in senemo-hotp's output for $u"
    done
    chmod 600 "$H_DIR/otp/"*
    PROVISIONED="$("$HOTP_CLI" --db "$DEMO_HOTP_DB" list | grep -c "@$DEMO_DOMAIN")"
}

# otp USER K : the K-th OTP (0-based) of USER
otp() { sed -n "$(( $2 + 1 ))p" "$H_DIR/otp/$1"; }

# demo_provision_digest N : the baseline's accounts: every MN in auth_db's
# subscriber table (SQLite, Debian's schema) with a random password in
# $H_DIR/otp/USER.pw, and the NVGs' HOTP accounts (only so the Diameter
# check of Proxy 1 has a user to ask about; no NVG runs)
demo_provision_digest() {
    local n="$1" v i u schema
    mkdir -p "$H_DIR/otp"
    schema=/usr/share/kamailio/db_sqlite
    [ -f "$schema/auth_db-create.sql" ] || schema="$H_BUILD/src/kamailio-$(kamailio -v | sed -n 's/^version: kamailio \([0-9.]*\).*/\1/p')/utils/kamctl/db_sqlite"
    DEMO_DIGEST_DB="$H_DIR/subscriber.sqlite"
    cat "$schema/standard-create.sql" "$schema/auth_db-create.sql" | sqlite3 "$DEMO_DIGEST_DB" \
        || h_fail "subscriber database ($schema)"
    {
        echo "BEGIN;"
        for v in 1 2; do for i in $(seq 1 "$n"); do
            u="$(mn_user "$v" "$i")"
            head -c 12 /dev/urandom | base64 | tr -d '/+=' > "$H_DIR/otp/$u.pw"
            echo "INSERT INTO subscriber (username, domain, password) VALUES ('$u', '$DEMO_DOMAIN', '$(cat "$H_DIR/otp/$u.pw")');"
        done; done
        echo "COMMIT;"
    } | sqlite3 "$DEMO_DIGEST_DB" || h_fail "digest accounts"
    for u in nvg-1 nvg-2; do
        "$HOTP_CLI" --db "$DEMO_HOTP_DB" add "sip:$u@$DEMO_DOMAIN" --random > "$H_DIR/otp/$u.secret" \
            || h_fail "senemo-hotp add sip:$u@$DEMO_DOMAIN"
    done
    chmod 600 "$H_DIR/otp/"*
    PROVISIONED="$(sqlite3 "$DEMO_DIGEST_DB" "SELECT count(*) FROM subscriber")"
}
# pw USER : the baseline's digest password of USER
pw() { cat "$H_DIR/otp/$1.pw"; }
