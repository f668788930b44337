#!/bin/bash
# SeNEMO set-up: installs Debian packages, fetches the Kamailio source of the
# installed version, and builds every module and the freeDiameter extension.
# Idempotent: a second run with nothing changed only checks and returns.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SENEMO_BUILD:-$ROOT/build}"
STAMP_DIR="$BUILD/.stamps"

die() { echo "senemo setup: $*" >&2; exit 1; }
say() { echo "senemo setup: $*"; }

# ---- preconditions -------------------------------------------------------
[ "$(id -u)" = 0 ] || die "must run as root (it installs Debian packages with apt-get); try: sudo $0"
OS_RELEASE="${SENEMO_OS_RELEASE:-/etc/os-release}"   # override only for tests
if [ -r "$OS_RELEASE" ]; then
    . "$OS_RELEASE"
    [ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ] || \
        die "needs Debian 12 (bookworm); this machine is ${PRETTY_NAME:-unknown}"
else
    die "needs Debian 12 (bookworm); $OS_RELEASE is missing"
fi

PACKAGES=(
    # Kamailio and the module packages SeNEMO uses
    kamailio kamailio-ims-modules kamailio-sqlite-modules kamailio-postgres-modules
    kamailio-tls-modules kamailio-xml-modules kamailio-extra-modules
    # freeDiameter
    freediameterd freediameter-extensions libfreediameter-dev
    # media, load generation, capture
    rtpengine-daemon sip-tester tshark baresip-core
    # libraries
    libsrtp2-dev libssl-dev libxml2-dev libsqlite3-dev sqlite3 libpq-dev
    libcmocka-dev liboath-dev oathtool libnetfilter-queue-dev libmnl-dev
    # build tools (dpkg-dev for apt-get source, bison/flex for Kamailio's make cfg)
    build-essential cmake pkg-config dpkg-dev bison flex clang libclang-rt-14-dev
    # network tooling for the testbed
    iproute2 iptables conntrack iputils-ping tcpdump procps psmisc
    # TLS wrapper for Diameter over TLS (Kamailio 5.6's cdp speaks clear TCP only)
    stunnel4
    # PostgreSQL (multi-server store)
    postgresql
    # plotting for the demo report
    gnuplot-nox
    # the demo's report (scripts/demo/report.py)
    python3
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${#missing[@]} Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- deb-src -------------------------------------------------------------
have_debsrc() {
    grep -rqsE '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources 2>/dev/null ||
    grep -qsE '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
}
if ! have_debsrc; then
    say "enabling deb-src entries"
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
    else
        grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > /etc/apt/sources.list.d/senemo-src.list
    fi
    apt-get update -qq
fi

# ---- Kamailio source of exactly the installed version --------------------
KVER="$(dpkg-query -W -f='${Version}' kamailio)"           # e.g. 5.6.3-2
KUP="${KVER%-*}"; KUP="${KUP#*:}"                         # e.g. 5.6.3
SRC_PARENT="$BUILD/src"
KSRC="$SRC_PARENT/kamailio-$KUP"
mkdir -p "$SRC_PARENT" "$STAMP_DIR"
if [ ! -f "$STAMP_DIR/kamailio-src-$KVER" ]; then
    say "fetching Kamailio source $KVER (apt-get source)"
    rm -rf "$KSRC"
    ( cd "$SRC_PARENT" && apt-get source -qq "kamailio=$KVER" >/dev/null 2>&1 ) || \
        die "apt-get source kamailio=$KVER failed (is deb-src enabled and reachable?)"
    touch "$STAMP_DIR/kamailio-src-$KVER"
fi

# ---- build ---------------------------------------------------------------
# CMake checks the source version against the installed kamailio and derives
# Debian's compile defines (scripts/kamailio-defs.sh) before compiling.
cmake -S "$ROOT" -B "$BUILD" -DKAMAILIO_SRC="$KSRC" -DSENEMO_TESTS=ON > "$BUILD/configure.log" 2>&1 || {
    tail -20 "$BUILD/configure.log" >&2; die "CMake configuration failed (log: $BUILD/configure.log)"; }
if ! cmake --build "$BUILD" -j"$(nproc)" > "$BUILD/build.log" 2>&1; then
    grep -E 'error|Error' "$BUILD/build.log" | head -20 >&2
    die "build failed (log: $BUILD/build.log)"
fi
say "ready: Kamailio $KVER modules in $BUILD/modules, app_hotp.fdx in $BUILD/extensions"
