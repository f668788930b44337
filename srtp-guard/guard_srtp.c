/*
 * guard_srtp - inbound libsrtp sessions per guarded port. See guard_srtp.h.
 *
 * srtp_unprotect() / srtp_unprotect_rtcp() work in place: each packet is
 * checked in the guard's own copy (the netlink message the kernel queued
 * it in; the verdict carries no payload, so the kernel forwards its
 * original bytes untouched). SRTP is checked with an authentication-only
 * inbound policy (sec_serv_auth): the tag is computed over the packet as
 * sent (RFC 3711 §3.3: encrypt, then authenticate), the same session
 * authentication key is derived from the master key, and libsrtp skips the
 * decryption the guard has no use for. SRTCP keeps the full service
 * (libsrtp refuses an encrypted SRTCP packet, E flag set, under an
 * authentication-only policy).
 * libsrtp 2.5 checks the replay database before the authentication tag but
 * adds the index only after the tag verified (srtp/srtp.c,
 * srtp_unprotect_mki(): "the message authentication function passed, so add
 * the packet index into the replay database"; srtp_unprotect_rtcp_mki()
 * likewise for the SRTCP index), so a forged packet cannot move the window.
 */
#include "guard_srtp.h"

#include "guard_hmac.h"
#include "srtp_policy.h"

#include <srtp2/srtp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PORTS 65536

struct session {
	srtp_t ctx;
	unsigned refs;
};

struct slot {
	struct session *s;
	int rtcp;
};

struct gs {
	unsigned window;
	unsigned n_sessions;
	struct slot *slots; /* [PORTS] */
};

static int fast_hmac;

int gs_fast_hmac(void)
{
	return fast_hmac;
}

gs_t *gs_new(unsigned window, int no_fast_hmac, char *err, size_t errlen)
{
	static int inited;
	gs_t *g;
	if(!inited) {
		if(srtp_init() != srtp_err_status_ok) {
			snprintf(err, errlen, "srtp_init failed");
			return NULL;
		}
		inited = 1;
		fast_hmac = !no_fast_hmac && guard_hmac_install() == 0;
	}
	g = calloc(1, sizeof(*g));
	if(!g || !(g->slots = calloc(PORTS, sizeof(*g->slots)))) {
		free(g);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->window = window;
	return g;
}

static void slot_clear(gs_t *g, unsigned port)
{
	struct session *s;
	if(!port || port >= PORTS || !(s = g->slots[port].s))
		return;
	g->slots[port].s = NULL;
	if(--s->refs == 0) {
		srtp_dealloc(s->ctx);
		free(s);
		g->n_sessions--;
	}
}

void gs_unguard(gs_t *g, unsigned rtp_port, unsigned rtcp_port)
{
	slot_clear(g, rtp_port);
	slot_clear(g, rtcp_port);
}

/* s answers for rtp_port (and rtcp_port, 0: none) from now on; whatever
 * guarded those ports before is dropped */
static void attach(gs_t *g, struct session *s, unsigned rtp_port, unsigned rtcp_port)
{
	gs_unguard(g, rtp_port, rtcp_port);
	g->n_sessions++;
	g->slots[rtp_port] = (struct slot){s, 0};
	s->refs = 1;
	if(rtcp_port) {
		g->slots[rtcp_port] = (struct slot){s, 1};
		s->refs++;
	}
}

int gs_move(gs_t *g, unsigned old_rtp, unsigned old_rtcp, unsigned rtp_port, unsigned rtcp_port)
{
	struct session *s;
	if(!old_rtp || old_rtp >= PORTS || !rtp_port || rtp_port >= PORTS || rtcp_port >= PORTS
			|| rtcp_port == rtp_port || !(s = g->slots[old_rtp].s))
		return -1;
	/* detach it from its old ports without freeing it */
	g->slots[old_rtp].s = NULL;
	if(old_rtcp && old_rtcp < PORTS && g->slots[old_rtcp].s == s)
		g->slots[old_rtcp].s = NULL;
	g->n_sessions--; /* attach() counts it again */
	attach(g, s, rtp_port, rtcp_port);
	return 0;
}

void gs_free(gs_t *g)
{
	unsigned p;
	if(!g)
		return;
	for(p = 1; p < PORTS; p++)
		slot_clear(g, p);
	free(g->slots);
	free(g);
}

int gs_guard(gs_t *g, unsigned rtp_port, unsigned rtcp_port, const ssdp_crypto_t *c, char *err, size_t errlen)
{
	srtp_policy_t p;
	struct session *s;
	uint8_t key[SSDP_MAX_KEY];
	srtp_err_status_t st;

	if(!rtp_port || rtp_port >= PORTS || rtcp_port >= PORTS || rtcp_port == rtp_port) {
		snprintf(err, errlen, "bad ports %u/%u", rtp_port, rtcp_port);
		return -1;
	}
	memset(&p, 0, sizeof(p));
	if(c->suite->cipher != SSDP_CIPHER_AES_CM || c->mki_len || c->unencrypted_srtp
			|| c->unencrypted_srtcp || c->unauthenticated_srtp) {
		snprintf(err, errlen, "suite %s%s not guarded (AES_CM suites without MKI or session parameters only)",
				c->suite->name, c->mki_len ? " with MKI" : "");
		return -1;
	}
	ssdp_srtp_crypto_policy(c, &p); /* AES_CM (checked above); SRTCP: 80-bit tag (RFC 4568 §6.2) */
	p.rtp.sec_serv = sec_serv_auth; /* check, do not decrypt (above) */
	memcpy(key, c->key, c->key_len);
	p.key = key;
	p.ssrc.type = ssrc_any_inbound;
	p.window_size = g->window;
	p.allow_repeat_tx = 0;
	p.next = NULL;
	s = calloc(1, sizeof(*s));
	if(!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st = srtp_create(&s->ctx, &p);
	memset(key, 0, sizeof(key));
	if(st != srtp_err_status_ok) {
		free(s);
		snprintf(err, errlen, "srtp_create failed (%d)", (int)st);
		return -1;
	}
	attach(g, s, rtp_port, rtcp_port);
	return 0;
}

int gs_check(gs_t *g, unsigned dport, uint8_t *payload, size_t len, int *rtcp)
{
	struct slot *sl;
	srtp_err_status_t st;
	int n = (int)len, is_rtcp;

	*rtcp = 0;
	if(dport >= PORTS || !(sl = &g->slots[dport])->s)
		return GS_UNGUARDED;
	if(len < 12 || len > 65536 || (payload[0] >> 6) != 2)
		return GS_DROP_OTHER;
	/* RTCP on this port: the SRTCP port, or RTCP packet types 192..223 on
	 * the RTP port (RFC 5761 §4) */
	is_rtcp = sl->rtcp || (payload[1] >= 192 && payload[1] <= 223);
	*rtcp = is_rtcp;
	if(is_rtcp)
		st = srtp_unprotect_rtcp(sl->s->ctx, payload, &n);
	else
		st = srtp_unprotect(sl->s->ctx, payload, &n);
	switch(st) {
	case srtp_err_status_ok:
		return GS_ACCEPT;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		return GS_DROP_REPLAY;
	case srtp_err_status_auth_fail:
		return GS_DROP_AUTH;
	default:
		return GS_DROP_OTHER;
	}
}

unsigned gs_sessions(const gs_t *g)
{
	return g->n_sessions;
}
