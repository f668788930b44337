/*
 * guard_srtp - the packet half of senemo-srtp-guard: one inbound libsrtp
 * session per guarded stream (ssrc_any_inbound, a replay window), looked
 * up by the UDP destination port, and the verdict for one datagram.
 */
#ifndef SENEMO_GUARD_SRTP_H
#define SENEMO_GUARD_SRTP_H

#include <stddef.h>
#include <stdint.h>

#include "srtp_sdp.h"

typedef struct gs gs_t;

enum {
	GS_ACCEPT = 0,     /* authenticated and new: pass the original */
	GS_UNGUARDED,      /* no stream on this port */
	GS_DROP_REPLAY,    /* authenticated but already seen / too old */
	GS_DROP_AUTH,      /* authentication failed */
	GS_DROP_OTHER,     /* not SRTP/SRTCP at all (too short, bad header) */
};

/* window: the SRTP replay window (64..32768 packets; libsrtp's default 128);
 * unless no_fast_hmac, libsrtp's HMAC-SHA1 is replaced by guard_hmac.c's */
gs_t *gs_new(unsigned window, int no_fast_hmac, char *err, size_t errlen);
/* 1 when guard_hmac.c's HMAC-SHA1 is in use */
int gs_fast_hmac(void);
void gs_free(gs_t *g);
int gs_guard(gs_t *g, unsigned rtp_port, unsigned rtcp_port, const ssdp_crypto_t *key,
		char *err, size_t errlen);
void gs_unguard(gs_t *g, unsigned rtp_port, unsigned rtcp_port);
/* move the session on old_rtp (and old_rtcp) to new ports (whatever was
 * there goes); 0, or -1 when there is none */
int gs_move(gs_t *g, unsigned old_rtp, unsigned old_rtcp, unsigned rtp_port, unsigned rtcp_port);
/* the verdict for a UDP payload to dport (32-bit aligned; checked in place,
 * so its bytes are changed: pass a copy); *rtcp is set to 1 when it was
 * checked as SRTCP */
int gs_check(gs_t *g, unsigned dport, uint8_t *payload, size_t len, int *rtcp);
unsigned gs_sessions(const gs_t *g);

#endif
