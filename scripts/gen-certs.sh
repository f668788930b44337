#!/bin/bash
# gen-certs.sh DIR NAME... : a private CA and one certificate per NAME for
# SeNEMO's TLS legs (SIP over TLS NVG <-> Proxy 1, Diameter over TLS Proxy 1
# <-> freeDiameter). Each NAME is a DNS name; its certificate carries it as
# subject CN and as subjectAltName DNS, is valid for TLS server and client
# authentication, and is signed by the CA. Writes DIR/ca.pem, DIR/ca.key,
# DIR/NAME.pem, DIR/NAME.key (keys 0600). Existing files are kept, so the
# same DIR can be extended later.
#
#   --ca-name CN       subject of the CA (default "SeNEMO test CA")
#   --self-signed      the NAMEs get self-signed certificates instead (the
#                      "untrusted client" of the tests)
#   --days N           validity (default 30)
#
# For a deployment use the operator's own PKI; this script exists so tests
# and the demo generate fresh keys on every run (nothing secret is in the
# repository).
set -euo pipefail
die() { echo "gen-certs: $*" >&2; exit 1; }
CA_NAME="SeNEMO test CA"; SELF=0; DAYS=30
while [ $# -gt 0 ]; do
    case "$1" in
        --ca-name) CA_NAME="$2"; shift 2 ;;
        --self-signed) SELF=1; shift ;;
        --days) DAYS="$2"; shift 2 ;;
        --) shift; break ;;
        -*) die "unknown option $1" ;;
        *) break ;;
    esac
done
[ $# -ge 2 ] || die "usage: gen-certs.sh [--ca-name CN] [--self-signed] [--days N] DIR NAME..."
[[ "$DAYS" =~ ^[1-9][0-9]{0,4}$ ]] || die "--days must be a positive number of days, got '$DAYS'"
DIR="$1"; shift
mkdir -p "$DIR"
umask 077
command -v openssl >/dev/null || die "openssl is missing (package openssl)"

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [ "$SELF" = 0 ] && [ ! -s "$DIR/ca.pem" ]; then
    newkey "$DIR/ca.key"
    openssl req -x509 -new -key "$DIR/ca.key" -subj "/CN=$CA_NAME" -days "$DAYS" -sha256 \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$DIR/ca.pem" 2>/dev/null || die "cannot create the CA in $DIR"
fi

for name in "$@"; do
    [[ "$name" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$ ]] || die "not a DNS name: '$name'"
    [ -s "$DIR/$name.pem" ] && continue
    newkey "$DIR/$name.key"
    ext="$DIR/.$name.ext"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyAgreement" \
        "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=DNS:$name" > "$ext"
    if [ "$SELF" = 1 ]; then
        openssl req -x509 -new -key "$DIR/$name.key" -subj "/CN=$name" -days "$DAYS" -sha256 \
            -addext "subjectAltName=DNS:$name" -addext "extendedKeyUsage=serverAuth,clientAuth" \
            -out "$DIR/$name.pem" 2>/dev/null || die "cannot create a self-signed certificate for $name"
    else
        openssl req -new -key "$DIR/$name.key" -subj "/CN=$name" -out "$DIR/.$name.csr" 2>/dev/null
        openssl x509 -req -in "$DIR/.$name.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" -CAcreateserial \
            -days "$DAYS" -sha256 -extfile "$ext" -out "$DIR/$name.pem" 2>/dev/null \
            || die "cannot sign a certificate for $name"
        rm -f "$DIR/.$name.csr"
    fi
    rm -f "$ext"
done
chmod 0644 "$DIR"/*.pem
