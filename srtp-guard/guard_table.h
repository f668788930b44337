/*
 * guard_table - what senemo-srtp-guard learns from rtpengine's ng traffic
 * (plain C: no libsrtp, no sockets; the unit tests drive it directly).
 *
 * For every call (call-id) and party (ng tag) it keeps which side the party
 * is on (the `direction` of the offers), rtpengine's local port facing the
 * party (from the SDP rtpengine produced toward it: m= port, RTCP a=rtcp or
 * port + 1, none with a=rtcp-mux) and the party's own SRTP send key (its
 * a=crypto line; for an offerer the line whose tag rtpengine's answer
 * accepted). A party on the external side with a port and a key is
 * *guarded*: the table tells its owner through ops->guard(), and
 * ops->unguard() when that ends (delete, key or port change, another call
 * taking the port). Same port and same key again (a re-offer on a handoff
 * with port-latching) changes nothing, so the SRTP session and its replay
 * window survive; new ports with the same key move the session (ops->move).
 *
 * gt_learn() takes one ng request and rtpengine's reply to it. Input that
 * does not parse changes no state; err then names the field.
 */
#ifndef SENEMO_GUARD_TABLE_H
#define SENEMO_GUARD_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "srtp_sdp.h"

#define GT_MAX_ID 256         /* call-id and tag bytes */
#define GT_MAX_PARTIES 8      /* tags per call (forks, re-offers) */
#define GT_MAX_OFFERS 8       /* offer records per call (one per offering tag) */
#define GT_ERRLEN 256
#define GT_PORTS 65536

typedef struct gt_party gt_party_t;

typedef struct {
	void *ctx;
	/* install an inbound SRTP session for the external party's media:
	 * RTP to rtp_port, SRTCP to rtcp_port (0: RTCP muxed on rtp_port);
	 * return 0, or -1 when it cannot (the party then stays unguarded) */
	int (*guard)(void *ctx, unsigned rtp_port, unsigned rtcp_port, const ssdp_crypto_t *key);
	/* remove the session on those ports */
	void (*unguard)(void *ctx, unsigned rtp_port, unsigned rtcp_port);
	/* move the session (same key: its replay window and rollover counter
	 * go along) from the old ports to the new ones; return 0, or -1 (the
	 * table then unguards and guards anew); may be NULL */
	int (*move)(void *ctx, unsigned old_rtp, unsigned old_rtcp, unsigned rtp_port, unsigned rtcp_port);
	/* one log line (no newline) */
	void (*log)(void *ctx, const char *line);
} gt_ops_t;

typedef struct gt_table gt_table_t;

typedef struct {
	const char *external_if;  /* the `direction` name of the Internet side ("external") */
	unsigned max_calls;       /* calls kept; more are not guarded (counted) */
} gt_config_t;

gt_table_t *gt_new(const gt_config_t *cfg, const gt_ops_t *ops);
void gt_free(gt_table_t *t); /* unguards everything */
void gt_reset(gt_table_t *t); /* forgets every call (unguards), zeroes the statistics */

enum {
	GT_IGNORED = 0,  /* a command the guard does not learn from (ping, query, ...) */
	GT_LEARNED = 1,  /* offer/answer/delete applied */
	GT_ERROR = -1,   /* malformed input; err says which field; nothing changed */
};

/* One ng request (without the cookie) and rtpengine's reply to it (without
 * the cookie). A reply whose result is not "ok" teaches nothing (GT_IGNORED),
 * except for delete, which forgets the call whatever the result. */
int gt_learn(gt_table_t *t, const char *req, size_t req_len, const char *rep, size_t rep_len,
		char *err);

typedef struct {
	uint64_t calls;          /* calls known now */
	uint64_t streams;        /* guarded parties (SRTP sessions) now */
	uint64_t calls_refused;  /* new calls not kept (max_calls) */
	uint64_t keys_changed;   /* a guarded party's key replaced (new session) */
	uint64_t ports_moved;    /* a guarded party's ports changed, same key (session moved) */
	uint64_t ports_taken;    /* a port handed to another call (stale state dropped) */
} gt_stats_t;

void gt_get_stats(const gt_table_t *t, gt_stats_t *s);

/* For tests and logs: is rtp_port guarded now, and by which call/tag. */
int gt_port_owner(const gt_table_t *t, unsigned port, const char **call_id, const char **tag);

/* Split "cookie SP payload": returns 0 and the payload offset, or -1. The
 * cookie is 1..64 bytes of visible ASCII. */
int gt_split_cookie(const char *msg, size_t len, size_t *cookie_len, size_t *payload_off);

#endif
