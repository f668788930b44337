/*
 * srtp_policy - libsrtp2 crypto policies for an SDES crypto attribute
 * (RFC 4568 a=crypto, parsed by srtp_sdp.c): the one place that maps a
 * suite onto libsrtp's srtp_crypto_policy_set_*(). Shared by the replay
 * guard (senemo-srtp-guard) and the media verifier (senemo-srtp).
 */
#ifndef SENEMO_SRTP_POLICY_H
#define SENEMO_SRTP_POLICY_H

#include <srtp2/srtp.h>

#include "srtp_sdp.h"

/* Set p->rtp and p->rtcp for c's suite: AES_CM_128/192/256 with an 80- or
 * 32-bit SRTP tag (SRTCP always 80 bits, RFC 4568 §6.2), AEAD_AES_128/256_GCM,
 * NULL_HMAC_SHA1_80/32. The session parameters and the key are the
 * caller's. Returns 0, or -1 for a suite libsrtp2 does not do (F8). */
int ssdp_srtp_crypto_policy(const ssdp_crypto_t *c, srtp_policy_t *p);

#endif
