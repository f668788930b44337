# shellcheck shell=bash disable=SC2034
# The SeNEMO ALG's rtpengine ng flags as bencode fragments, for shell
# drivers (tests/integration/test_alg_media.sh, scripts/bench-alg.sh) and as
# the machine-checked reference for Proxy 2's rtpengine_offer/answer flags
# (README.md in this directory explains each one). Source it; needs
# LC_ALL=C (bencode lengths are byte counts).
#
#   ALG_NG_COMMON     every offer and answer: DTLS off, ICE removed, origin and
#                     session c= replaced, strict-source, no endpoint learning,
#                     port latching
#   ALG_NG_SDES       the suite policy: everything but AES_CM_128_HMAC_SHA1_80/_32 refused
#   ALG_NG_TO_INET    an offer from the intranet (CN) toward the Internet (MN)
#   ALG_NG_TO_INTRA   an offer from the Internet (MN/NVG) toward the intranet
#   ALG_NG_SAVP       an answer whose SDP goes to the Internet side (RTP/SAVP + policy)
#
# The SDP itself must be added as "3:sdp<len>:<sdp>": alg_bsdp FILE sets
# ALG_SDP_B to that string without command substitution (which would drop the
# final CRLF's newline and break the length).

alg_bs() { printf '%d:%s' "${#1}" "$1"; }
alg_blist() { local o=l x; for x in "$@"; do o+="$(alg_bs "$x")"; done; printf '%se' "$o"; }
alg_bsdp() { local s; s="$(cat "$1"; echo x)"; s="${s%x}"; ALG_SDP_B="${#s}:$s"; }
# the value of "sdp" in an ng reply (rtpengine writes it first)
alg_ng_sdp() {
    local r="$1" n
    [[ "$r" == d3:sdp* ]] || return 1
    r="${r#d3:sdp}"; n="${r%%:*}"; r="${r#*:}"; printf '%s' "${r:0:n}"
}

ALG_SDES_NO=(AEAD_AES_256_GCM AEAD_AES_128_GCM AES_256_CM_HMAC_SHA1_80 AES_256_CM_HMAC_SHA1_32
    AES_192_CM_HMAC_SHA1_80 AES_192_CM_HMAC_SHA1_32 F8_128_HMAC_SHA1_80 F8_128_HMAC_SHA1_32
    NULL_HMAC_SHA1_80 NULL_HMAC_SHA1_32)
ALG_NG_SDES="4:SDES$(alg_blist "${ALG_SDES_NO[@]/#/no-}")"
ALG_NG_COMMON="4:DTLS3:off3:ICE6:remove7:replace$(alg_blist origin session-connection)5:flags$(alg_blist trust-address strict-source endpoint-learning-off port-latching)"
ALG_NG_TO_INET="9:direction$(alg_blist internal external)18:transport-protocol$(alg_bs RTP/SAVP)$ALG_NG_SDES"
ALG_NG_TO_INTRA="9:direction$(alg_blist external internal)18:transport-protocol$(alg_bs RTP/AVP)$ALG_NG_SDES"
ALG_NG_SAVP="18:transport-protocol$(alg_bs RTP/SAVP)$ALG_NG_SDES"
