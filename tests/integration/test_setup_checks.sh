#!/bin/bash
# Set-up refuses to run where it cannot work, with one clear line and no
# stack of errors: not root, not Debian 12; and a missing or wrong-version
# Kamailio source is caught before anything compiles, naming both versions.
source "$(dirname "$0")/../lib/harness.sh"
h_init setup_checks

SETUP="$H_ROOT/scripts/setup.sh"
INSTALLED="$(kamailio -v | sed -n 's/^version: kamailio \([0-9.]*\).*/\1/p')"

# one line on stderr, non-zero exit, the expected words
expect_one_line() {
    local what="$1" needle="$2"; shift 2
    local out rc
    out="$("$@" 2>&1 >/dev/null)"; rc=$?
    [ "$rc" != 0 ] || h_fail "$what: exit status 0"
    [ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] || h_fail "$what: expected one line, got: $out"
    grep -q -- "$needle" <<<"$out" || h_fail "$what: message lacks '$needle': $out"
    h_pass "$what: $out"
}

# a copy the unprivileged user can read wherever the checkout lives
chmod 755 "$H_DIR"; install -m 755 "$SETUP" "$H_DIR/setup.sh"
expect_one_line "not root" "must run as root" \
    setpriv --reuid=65534 --regid=65534 --clear-groups bash "$H_DIR/setup.sh"

printf 'PRETTY_NAME="Ubuntu 22.04 LTS"\nID=ubuntu\nVERSION_ID="22.04"\n' > "$H_DIR/os-release"
expect_one_line "not Debian" "needs Debian 12 (bookworm); this machine is Ubuntu 22.04 LTS" \
    env SENEMO_OS_RELEASE="$H_DIR/os-release" bash "$SETUP"
printf 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nID=debian\nVERSION_ID="11"\n' > "$H_DIR/os-release"
expect_one_line "Debian 11" "needs Debian 12" env SENEMO_OS_RELEASE="$H_DIR/os-release" bash "$SETUP"

# wrong-version source tree: CMake stops at configure time naming both versions
mkdir -p "$H_DIR/kamailio-5.4.0/src"
printf 'VERSION = 5\nPATCHLEVEL = 4\nSUBLEVEL = 0\n' > "$H_DIR/kamailio-5.4.0/src/Makefile.defs"
out="$(cmake -S "$H_ROOT" -B "$H_DIR/b1" -DKAMAILIO_SRC="$H_DIR/kamailio-5.4.0" 2>&1)" \
    && h_fail "cmake accepted a 5.4.0 source tree"
flat="$(tr '\n' ' ' <<<"$out" | tr -s ' ')"
grep -q "Kamailio source version 5.4.0" <<<"$flat" || h_fail "no source version in: $flat"
grep -q "installed kamailio $INSTALLED" <<<"$flat" || h_fail "no installed version in: $flat"
[ ! -e "$H_DIR/b1/Makefile" ] || h_fail "build files were generated despite the mismatch"
h_pass "wrong-version source refused before compiling"

out="$(cmake -S "$H_ROOT" -B "$H_DIR/b2" -DKAMAILIO_SRC="$H_DIR/nowhere" 2>&1)" \
    && h_fail "cmake accepted a missing source tree"
flat="$(tr '\n' ' ' <<<"$out" | tr -s ' ')"
grep -q "Kamailio source missing" <<<"$flat" && grep -q "$INSTALLED" <<<"$flat" \
    || h_fail "unclear message for a missing source: $flat"
h_pass "missing source refused with a clear message"

# the defines extractor applies the same check on its own
expect_one_line "defs script, wrong version" "does not match installed kamailio $INSTALLED" \
    "$H_ROOT/scripts/kamailio-defs.sh" "$H_DIR/kamailio-5.4.0" "$H_DIR/defs.cmake"
