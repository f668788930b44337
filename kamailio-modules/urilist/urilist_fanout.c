/*
 * urilist module - RFC 5366 INVITE / RFC 5365 MESSAGE fan-out through tm
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see urilist_mod.c).
 *
 * One UAC request per entry, all sent at once through tm's t_request()
 * (each its own transaction, retransmitted and timed by tm in parallel);
 * the request from the sender stays a UAS transaction (t_newtran) without
 * branches until every outgoing INVITE has its final response. Then it is
 * answered once:
 *  - 200 OK with the first 2xx's SDP when at least one recipient accepted
 *    (tm ACKs every 2xx of a local INVITE itself);
 *  - otherwise the best final response (RFC 3261 section 16.7: a 6xx wins,
 *    else the lowest class, 503 becomes 500) with a Warning naming how
 *    many recipients refused.
 * A MESSAGE is answered 202 Accepted at once (RFC 5365), then fanned out.
 * State shared between processes (the reply to a branch can arrive at any
 * worker) lives in shared memory, one block per fan-out, freed when the
 * last branch transaction is destroyed.
 */

#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/ut.h"
#include "core/mem/shm_mem.h"
#include "core/mem/mem.h"
#include "core/locking.h"
#include "core/atomic_ops.h"
#include "core/counters.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_content.h"
#include "modules/tm/tm_load.h"

#include "urilist.h"

typedef struct ul_fanout ul_fanout_t;

typedef struct ul_branch {
	ul_fanout_t *fo;
	int idx;
	int done;      /* final response counted */
	int ref;       /* the branch transaction holds a reference */
	int code;
} ul_branch_t;

struct ul_fanout {
	gen_lock_t lock;
	int refs;      /* branch transactions alive + the sender while sending */
	int pending;   /* branches without a final response (+1 while sending) */
	int n;
	int is_invite;
	unsigned int hash_index, label;  /* the sender's transaction */
	int ok2xx, failed;
	int best;      /* best non-2xx final code so far */
	str answer;    /* first 2xx body (shm) */
	str answer_ct; /* its Content-Type (shm) */
	str contact;   /* our Contact (shm) */
	str warn_host; /* for the Warning header (shm) */
	ul_branch_t br[];
};

static atomic_t *ul_active = NULL;

int ul_fanout_init(void)
{
	ul_active = shm_malloc(sizeof(atomic_t));
	if(!ul_active) {
		SHM_MEM_ERROR;
		return -1;
	}
	atomic_set(ul_active, 0);
	return 0;
}

void ul_fanout_rpc_stats(int *active)
{
	*active = ul_active ? atomic_get(ul_active) : 0;
}

static void ul_fanout_free(ul_fanout_t *fo)
{
	if(fo->answer.s)
		shm_free(fo->answer.s);
	if(fo->answer_ct.s)
		shm_free(fo->answer_ct.s);
	if(fo->contact.s)
		shm_free(fo->contact.s);
	if(fo->warn_host.s)
		shm_free(fo->warn_host.s);
	lock_destroy(&fo->lock);
	shm_free(fo);
	atomic_dec(ul_active);
}

static void ul_fanout_unref(ul_fanout_t *fo)
{
	int last;

	lock_get(&fo->lock);
	last = (--fo->refs == 0);
	lock_release(&fo->lock);
	if(last)
		ul_fanout_free(fo);
}

static int ul_shm_strdup(str *dst, const char *s, int len)
{
	dst->s = shm_malloc(len + 1);
	if(!dst->s) {
		SHM_MEM_ERROR;
		dst->len = 0;
		return -1;
	}
	memcpy(dst->s, s, len);
	dst->s[len] = 0;
	dst->len = len;
	return 0;
}

/* RFC 3261 16.7 (6): best response among the non-2xx finals */
static int ul_better(int cand, int cur)
{
	if(cur == 0)
		return 1;
	if(cand >= 600)
		return cur < 600;
	if(cur >= 600)
		return 0;
	if(cand / 100 != cur / 100)
		return cand / 100 < cur / 100;
	return 0; /* first of the class stays */
}

static const char *ul_phrase(int code)
{
	switch(code) {
		case 200:
			return "OK";
		case 403:
			return "Forbidden";
		case 404:
			return "Not Found";
		case 408:
			return "Request Timeout";
		case 480:
			return "Temporarily Unavailable";
		case 486:
			return "Busy Here";
		case 487:
			return "Request Terminated";
		case 488:
			return "Not Acceptable Here";
		case 500:
			return "Server Internal Error";
		case 600:
			return "Busy Everywhere";
		case 603:
			return "Decline";
		case 604:
			return "Does Not Exist Anywhere";
		case 606:
			return "Not Acceptable";
		default:
			if(code >= 600)
				return "Global Failure";
			if(code >= 500)
				return "Server Error";
			if(code >= 400)
				return "Request Failure";
			return "Redirected";
	}
}

/* the one final answer to the sender, from whichever process completed the
 * last branch */
static void ul_fanout_finish(ul_fanout_t *fo)
{
	struct cell *t = NULL, *saved;
	int sb, code, n;
	char hb[1024], tag[64];
	str hdrs, body = STR_NULL, reason, totag;
	const char *phrase;

	if(!fo->is_invite)
		return; /* MESSAGE: answered 202 at once */
	if(fo->ok2xx > 0) {
		code = 200;
		phrase = "OK";
		body = fo->answer;
		n = snprintf(hb, sizeof(hb), "Contact: %.*s\r\n", fo->contact.len, fo->contact.s);
		if(body.len > 0 && n < (int)sizeof(hb))
			n += snprintf(hb + n, sizeof(hb) - n, "Content-Type: %.*s\r\n",
					fo->answer_ct.len ? fo->answer_ct.len : 15,
					fo->answer_ct.len ? fo->answer_ct.s : "application/sdp");
	} else {
		code = fo->best ? fo->best : 500;
		if(code == 503)
			code = 500; /* RFC 3261 16.7 */
		phrase = ul_phrase(code);
		n = snprintf(hb, sizeof(hb),
				"Warning: 399 %.*s \"none of the %d recipients accepted\"\r\n",
				fo->warn_host.len, fo->warn_host.s, fo->n);
	}
	if(n >= (int)sizeof(hb))
		n = sizeof(hb) - 1;
	hdrs.s = hb;
	hdrs.len = n;
	reason.s = (char *)phrase;
	reason.len = strlen(phrase);
	totag.s = tag;
	totag.len = ul_make_totag(NULL, tag, sizeof(tag));
	if(totag.len < 0)
		totag.len = 0;

	saved = ul_tmb.t_gett();
	sb = ul_tmb.t_gett_branch();
	if(ul_tmb.t_lookup_ident(&t, fo->hash_index, fo->label) < 0 || !t) {
		LM_ERR("the sender's transaction %u:%u is gone: no final answer\n", fo->hash_index,
				fo->label);
	} else {
		/* t_reply_with_body() drops the reference t_lookup_ident() took */
		if(ul_tmb.t_reply_with_body(t, code, &reason, &body, &hdrs, &totag) < 0)
			LM_ERR("could not send the final %d to the sender\n", code);
		else
			LM_DBG("fan-out to %d recipients answered %d (%d accepted, %d failed)\n", fo->n,
					code, fo->ok2xx, fo->failed);
	}
	ul_tmb.t_sett(saved, sb);
}

/* a branch has its final response (called with the lock not held) */
static void ul_branch_final(ul_branch_t *b, int code, struct sip_msg *rpl)
{
	ul_fanout_t *fo = b->fo;
	int last;
	str body = STR_NULL, ct = STR_NULL;

	if(code >= 200 && code < 300 && rpl && rpl != FAKED_REPLY) {
		body.s = get_body(rpl);
		if(body.s) {
			body.len = rpl->buf + rpl->len - body.s;
			if(parse_headers(rpl, HDR_CONTENTTYPE_F, 0) == 0 && rpl->content_type)
				ct = rpl->content_type->body;
		}
	}
	lock_get(&fo->lock);
	if(b->done) {
		lock_release(&fo->lock);
		return;
	}
	b->done = 1;
	b->code = code;
	if(code >= 200 && code < 300) {
		fo->ok2xx++;
		if(!fo->answer.s && body.s && body.len > 0) {
			ul_shm_strdup(&fo->answer, body.s, body.len);
			if(ct.len > 0)
				ul_shm_strdup(&fo->answer_ct, ct.s, ct.len);
		}
	} else {
		fo->failed++;
		if(ul_better(code, fo->best))
			fo->best = code;
	}
	last = (--fo->pending == 0);
	lock_release(&fo->lock);
	if(code >= 200 && code < 300)
		update_stat(ul_st_fanout_branch_2xx, 1);
	else
		update_stat(ul_st_fanout_branch_failed, 1);
	if(last)
		ul_fanout_finish(fo);
}

static void ul_branch_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	ul_branch_t *b;
	ul_fanout_t *fo;
	int drop = 0;

	if(!ps->param || !*ps->param)
		return;
	b = (ul_branch_t *)*ps->param;
	fo = b->fo;
	if(type & TMCB_LOCAL_COMPLETED) {
		ul_branch_final(b, ps->code, ps->rpl);
		return;
	}
	if(type & TMCB_DESTROY) {
		lock_get(&fo->lock);
		if(b->ref) {
			b->ref = 0;
			drop = 1;
		}
		lock_release(&fo->lock);
		if(!b->done) /* destroyed without a final response (shutdown) */
			ul_branch_final(b, 500, NULL);
		if(drop)
			ul_fanout_unref(fo);
	}
}

/* multipart body: the SDP (or the message) and the RFC 5364 history */
static char *ul_branch_body(const ul_part_t *pt, const char *hist, size_t hlen, int *len,
		char *ctbuf, int ctsize)
{
	static const char *bnd = "urilist-5364-history";
	char *b;
	int n;

	n = (int)(pt->body_len + hlen + 512);
	b = pkg_malloc(n);
	if(!b) {
		PKG_MEM_ERROR;
		return NULL;
	}
	*len = snprintf(b, n,
			"--%s\r\nContent-Type: %.*s\r\n\r\n%.*s\r\n--%s\r\n"
			"Content-Type: application/resource-lists+xml\r\n"
			"Content-Disposition: recipient-list-history; handling=optional\r\n\r\n"
			"%.*s\r\n--%s--\r\n",
			bnd, (int)pt->ctype_len, pt->ctype, (int)pt->body_len, pt->body, bnd, (int)hlen,
			hist, bnd);
	if(*len < 0 || *len >= n) {
		pkg_free(b);
		return NULL;
	}
	snprintf(ctbuf, ctsize, "multipart/mixed;boundary=%s", bnd);
	return b;
}

int ul_fanout(sip_msg_t *msg)
{
	ul_request_t req;
	ul_err_t err;
	ul_fanout_t *fo = NULL;
	const ul_part_t *pt;
	struct to_body *from;
	uac_req_t uac_r;
	str method, hdrs, body, ruri, to, fromuri, nh, *nhp = NULL, ok202;
	char contact[256], hb[512], ctbuf[128], *hist = NULL, *mbody = NULL, *tobuf = NULL,
			*frombuf = NULL;
	size_t hlen = 0;
	int i, n, is_invite, sent = 0, last = 0, rc = -1;
	str wh;

	memset(&err, 0, sizeof(err));
	if(msg->first_line.type != SIP_REQUEST
			|| (msg->first_line.u.request.method_value != METHOD_INVITE
					&& msg->first_line.u.request.method_value != METHOD_MESSAGE)) {
		LM_ERR("urilist_fanout() is for INVITE and MESSAGE requests\n");
		return -1;
	}
	is_invite = msg->first_line.u.request.method_value == METHOD_INVITE;
	/* the sender's transaction first: a retransmission stops here */
	rc = ul_accept_list(msg, 0, &req, &from);
	if(rc <= 0)
		return rc;
	rc = -1;

	if(ul_local_contact(msg, contact, sizeof(contact)) < 0) {
		LM_ERR("cannot build the Contact\n");
		goto error;
	}
	/* the sender's transaction stays without branches until the answer */
	if(is_invite) {
		ul_tmb.t_reply(msg, 100, "Trying");
	} else {
		/* RFC 5365: accepted for delivery at once */
		n = snprintf(hb, sizeof(hb), "Contact: %s\r\n", contact);
		ok202.s = hb;
		ok202.len = n;
		ul_reply(msg, 202, "Accepted", &ok202, NULL);
	}

	n = req.list.n;
	fo = shm_malloc(sizeof(*fo) + (size_t)n * sizeof(ul_branch_t));
	if(!fo) {
		SHM_MEM_ERROR;
		goto error_reply;
	}
	memset(fo, 0, sizeof(*fo) + (size_t)n * sizeof(ul_branch_t));
	lock_init(&fo->lock);
	atomic_inc(ul_active);
	fo->n = n;
	fo->is_invite = is_invite;
	fo->refs = 1;        /* ours, while sending */
	fo->pending = n + 1; /* +1 while sending: no answer before all are out */
	if(ul_tmb.t_get_trans_ident(msg, &fo->hash_index, &fo->label) < 0) {
		LM_ERR("cannot get the transaction identifier\n");
		ul_fanout_free(fo);
		fo = NULL;
		goto error_reply;
	}
	ul_shm_strdup(&fo->contact, contact, strlen(contact));
	wh = msg->rcv.bind_address ? msg->rcv.bind_address->address_str : (str)str_init("urilist");
	ul_shm_strdup(&fo->warn_host, wh.s, wh.len);

	/* what each branch carries */
	pt = is_invite ? &req.parts.sdp : &req.parts.other;
	hist = ul_build_history_body(&req.list, &hlen);
	if(hist) {
		int bl;
		mbody = ul_branch_body(pt, hist, hlen, &bl, ctbuf, sizeof(ctbuf));
		if(!mbody)
			goto error_reply;
		body.s = mbody;
		body.len = bl;
	} else {
		body.s = (char *)pt->body;
		body.len = (int)pt->body_len;
		snprintf(ctbuf, sizeof(ctbuf), "%.*s", (int)pt->ctype_len, pt->ctype);
	}
	n = snprintf(hb, sizeof(hb), "Contact: %s\r\nContent-Type: %s\r\n", contact, ctbuf);
	if(n < 0 || n >= (int)sizeof(hb))
		goto error_reply;
	hdrs.s = hb;
	hdrs.len = n;
	method = msg->first_line.u.request.method;
	frombuf = pkg_malloc(from->uri.len + 3);
	if(!frombuf) {
		PKG_MEM_ERROR;
		goto error_reply;
	}
	fromuri.len = snprintf(frombuf, from->uri.len + 3, "<%.*s>", from->uri.len, from->uri.s);
	fromuri.s = frombuf;
	if(ul_outbound_proxy.len > 0) {
		nh = ul_outbound_proxy;
		nhp = &nh;
	}
	tobuf = pkg_malloc(UL_URI_MAX + 3);
	if(!tobuf) {
		PKG_MEM_ERROR;
		goto error_reply;
	}

	/* all branches at once: tm retransmits and times each one */
	for(i = 0; i < req.list.n; i++) {
		ul_branch_t *b = &fo->br[i];
		b->fo = fo;
		b->idx = i;
		ruri.s = req.list.entries[i].uri;
		ruri.len = strlen(ruri.s);
		to.len = snprintf(tobuf, UL_URI_MAX + 3, "<%s>", ruri.s);
		to.s = tobuf;
		lock_get(&fo->lock);
		fo->refs++;
		b->ref = 1;
		lock_release(&fo->lock);
		set_uac_req(&uac_r, &method, &hdrs, &body, NULL, TMCB_LOCAL_COMPLETED | TMCB_DESTROY,
				ul_branch_cb, b);
		update_stat(ul_st_fanout_branches, 1);
		if(ul_tmb.t_request(&uac_r, &ruri, &to, &fromuri, nhp) < 0) {
			int drop = 0;
			LM_NOTICE("branch %d to %s could not be sent\n", i, ruri.s);
			lock_get(&fo->lock);
			if(b->ref) {
				b->ref = 0;
				drop = 1;
			}
			lock_release(&fo->lock);
			ul_branch_final(b, 500, NULL);
			if(drop)
				ul_fanout_unref(fo);
		} else {
			sent++;
		}
	}
	LM_DBG("fan-out of %.*s to %d recipients: %d sent\n", method.len, method.s, req.list.n,
			sent);
	rc = 1;
	/* sending done: drop the extra pending count; the last one answers */
	lock_get(&fo->lock);
	last = (--fo->pending == 0);
	lock_release(&fo->lock);
	if(last)
		ul_fanout_finish(fo);
	ul_fanout_unref(fo);
	fo = NULL;
	goto done;

error_reply:
	if(is_invite)
		ul_reply(msg, 500, "Server Internal Error", NULL, NULL);
	rc = -2;
	if(fo) {
		/* no branch was sent yet: nothing else holds it */
		ul_fanout_free(fo);
		fo = NULL;
	}
	goto done;
error:
	rc = -1;
done:
	if(hist)
		ul_mem_free(hist);
	if(mbody)
		pkg_free(mbody);
	if(frombuf)
		pkg_free(frombuf);
	if(tobuf)
		pkg_free(tobuf);
	ul_request_free(&req);
	return rc;
}
