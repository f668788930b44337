/*
 * ovsense - tm callbacks: what Kamailio observes on the requests it
 * forwards feeds the destination's estimator; RFC 7339 feedback in the
 * responses is honoured, and upstream clients that support RFC 7339 are
 * told this proxy's own abatement in the responses relayed to them.
 *
 * Per admitted request one shared-memory ovs_tparam_t rides on the
 * transaction:
 *   TMCB_REQUEST_SENT   first transmission (delay clock starts; transport;
 *                       blocking time of the send), retransmissions (UDP)
 *   TMCB_RESPONSE_IN    first response (delay sample), final response
 *                       (503 + Retry-After), `oc` in our Via; rewrite the
 *                       upstream Via of the response with our feedback
 *   TMCB_RESPONSE_OUT   a final reply sent upstream while the destination
 *                       never answered: local timeout (408) or send failure
 *   TMCB_DESTROY        transaction gone without any response: timeout
 * Every update of a destination happens under its lock.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see ovsense_mod.c).
 */

#include <string.h>
#include <sys/time.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"
#include "core/data_lump.h"
#include "core/parser/parse_cseq.h"
#include "core/parser/parse_via.h"
#include "core/parser/hf.h"
#include "modules/tm/h_table.h"
#include "modules/tm/t_hooks.h"

#include "ovsense.h"

/* ---- logging of ignored feedback, bounded ------------------------------------- */

static int64_t ovs_log_last_ms = 0;
static double ovs_log_tokens = 10;
static int ovs_log_suppressed = 0;

static void ovs_log_ignored(ovs_dest_t *d, int rc, const char *why)
{
	int64_t now = ovs_now_us() / 1000;

	/* a token bucket per process (10 lines, 5 more per second): a peer
	 * sending garbage in every response must not flood the log */
	ovs_log_tokens += (now - ovs_log_last_ms) * 5.0 / 1000.0;
	if(ovs_log_tokens > 10)
		ovs_log_tokens = 10;
	ovs_log_last_ms = now;
	if(ovs_log_tokens < 1) {
		ovs_log_suppressed++;
		return;
	}
	ovs_log_tokens -= 1;
	LM_WARN("ignored RFC 7339 feedback from %s: %s: %s (state unchanged%s)\n", d->key,
			ovs_oc_strerror(rc), why, ovs_log_suppressed ? ", similar lines suppressed" : "");
	ovs_log_suppressed = 0;
}

/* ---- Via parameters ------------------------------------------------------------- */

/* The parameter part of one parsed Via body. Kamailio's parser leaves
 * params.len at 0 when the last parameter has a quoted value (e.g.
 * oc-algo="loss"), so the end is taken from the body size instead. */
static int ovs_via_params(struct via_body *v, char **s, size_t *len)
{
	char *b, *e;

	if(v == NULL || v->params.s == NULL || v->bstart == NULL || v->bsize <= 0)
		return -1;
	b = v->params.s;
	e = v->bstart + v->bsize;
	if(e < b)
		return -1;
	while(e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'
						   || e[-1] == ','))
		e--;
	if(e == b)
		return -1;
	*s = b;
	*len = (size_t)(e - b);
	return 0;
}

/* ---- upstream support ------------------------------------------------------------ */

/* the topmost Via of a request carries `oc` (and, if it lists algorithms,
 * "loss"): the client takes RFC 7339 feedback from us */
int ovs_upstream_supports(sip_msg_t *msg)
{
	ovs_oc_t oc;
	struct via_body *v;
	char *ps;
	size_t plen;
	int rc;

	if(msg->via1 == NULL && parse_headers(msg, HDR_VIA1_F, 0) < 0)
		return 0;
	v = msg->via1;
	if(ovs_via_params(v, &ps, &plen) < 0)
		return 0;
	rc = ovs_oc_parse(ps, plen, (uint32_t)ovs_oc_max_validity, &oc);
	return rc == OVS_OC_SUPPORT && (!oc.has_algo || oc.algo_loss);
}

/* our current feedback for requests relayed to destination `dest` */
void ovs_adv_current(int dest, int64_t now_ms, int *value, uint64_t *sec, uint32_t *frac,
		int *send)
{
	ovs_dest_t *d = &ovs_sh->dest[dest];

	lock_get(&d->lock);
	*value = d->adv_value;
	*sec = d->adv_seq_sec;
	*frac = d->adv_seq_frac;
	/* send while throttling and for a while after (oc=0 tells the client
	 * to stop); nothing when there was never anything to say */
	*send = d->adv_value > 0
			|| (d->adv_nonzero_ms > 0 && now_ms - d->adv_nonzero_ms < 10000);
	lock_release(&d->lock);
}

/* Replace the oc parameters of the reply's second Via (the upstream
 * client's, topmost once ours is removed) by our feedback. */
static void ovs_rewrite_upstream_via(sip_msg_t *rpl, int dest)
{
	struct via_body *v;
	ovs_oc_t oc;
	ovs_oc_span_t *sp[4], *tmp;
	char fb[160], *out, *pp;
	const char *ps;
	int value, send, fblen, i, j, n, rc;
	size_t pos, k, plen, olen;
	uint64_t sec;
	uint32_t frac;
	struct lump *l;

	ovs_adv_current(dest, ovs_now_us() / 1000, &value, &sec, &frac, &send);
	if(!send)
		return;
	if(parse_headers(rpl, HDR_VIA2_F, 0) < 0 || rpl->via2 == NULL)
		return;
	v = rpl->via2;
	if(ovs_via_params(v, &pp, &plen) < 0)
		return;
	ps = pp;
	rc = ovs_oc_parse(ps, plen, (uint32_t)ovs_oc_max_validity, &oc);
	if(rc != OVS_OC_SUPPORT || (oc.has_algo && !oc.algo_loss))
		return; /* only a client that asked for it gets feedback */
	fblen = ovs_oc_format(fb, sizeof(fb), value, (uint32_t)ovs_oc_validity, sec, frac);
	if(fblen < 0)
		return;

	/* the client's oc parameters, in order of position */
	n = 0;
	if(oc.sp_oc.found)
		sp[n++] = &oc.sp_oc;
	if(oc.sp_validity.found)
		sp[n++] = &oc.sp_validity;
	if(oc.sp_seq.found)
		sp[n++] = &oc.sp_seq;
	if(oc.sp_algo.found)
		sp[n++] = &oc.sp_algo;
	for(i = 1; i < n; i++)
		for(j = i; j > 0 && sp[j - 1]->start > sp[j]->start; j--) {
			tmp = sp[j];
			sp[j] = sp[j - 1];
			sp[j - 1] = tmp;
		}

	out = pkg_malloc(plen + fblen + 1);
	if(out == NULL) {
		PKG_MEM_ERROR;
		return;
	}
	olen = 0;
	pos = 0;
	for(i = 0; i < n; i++) {
		/* drop the ';' before the parameter too, when it is inside */
		k = sp[i]->start;
		while(k > pos && (ps[k - 1] == ' ' || ps[k - 1] == '\t'))
			k--;
		if(k > pos && ps[k - 1] == ';') {
			memcpy(out + olen, ps + pos, k - 1 - pos);
			olen += k - 1 - pos;
			pos = sp[i]->start + sp[i]->len;
		} else {
			memcpy(out + olen, ps + pos, sp[i]->start - pos);
			olen += sp[i]->start - pos;
			pos = sp[i]->start + sp[i]->len;
			while(pos < plen && (ps[pos] == ' ' || ps[pos] == '\t'))
				pos++;
			if(pos < plen && ps[pos] == ';')
				pos++;
		}
	}
	memcpy(out + olen, ps + pos, plen - pos);
	olen += plen - pos;
	if(olen == 0) {
		memcpy(out, fb + 1, fblen - 1); /* no ';' at the start */
		olen = fblen - 1;
	} else {
		memcpy(out + olen, fb, fblen);
		olen += fblen;
	}

	l = del_lump(rpl, ps - rpl->buf, (int)plen, HDR_VIA_T);
	if(l == NULL || insert_new_lump_after(l, out, (int)olen, HDR_VIA_T) == NULL) {
		LM_ERR("cannot rewrite the upstream Via\n");
		pkg_free(out);
		return;
	}
	update_stat(ovs_st_oc_advertised, 1);
}

/* ---- feedback from the destination ------------------------------------------------ */

static void ovs_feedback_in(ovs_dest_t *d, sip_msg_t *rpl)
{
	struct via_body *v = rpl->via1;
	ovs_oc_t oc;
	char *ps;
	size_t plen;
	int rc, applied;

	if(ovs_via_params(v, &ps, &plen) < 0)
		return;
	rc = ovs_oc_parse(ps, plen, (uint32_t)ovs_oc_max_validity, &oc);
	if(rc == OVS_OC_NONE || rc == OVS_OC_SUPPORT)
		return;
	if(rc < 0) {
		update_stat(ovs_st_fb_ignored, 1);
		lock_get(&d->lock);
		d->fb_ignored++;
		lock_release(&d->lock);
		ovs_log_ignored(d, rc, oc.error);
		return;
	}
	lock_get(&d->lock);
	applied = ovs_ctl_feedback(&d->ctl, &oc, ovs_now_us() / 1000);
	if(applied)
		d->fb_applied++;
	lock_release(&d->lock);
	if(applied) {
		update_stat(ovs_st_fb_applied, 1);
		LM_DBG("%s: oc=%d for %u ms\n", d->key, oc.value, oc.validity_ms);
	}
}

static int ovs_retry_after_of(sip_msg_t *rpl)
{
	hdr_field_t *h;
	uint32_t secs;

	if(parse_headers(rpl, HDR_RETRY_AFTER_F, 0) < 0)
		return -1;
	for(h = rpl->headers; h; h = h->next) {
		if(h->type != HDR_RETRY_AFTER_T)
			continue;
		if(ovs_retry_after_parse(h->body.s, (size_t)h->body.len, 86400, &secs) == 0)
			return (int)secs;
		return -1;
	}
	return -1;
}

/* ---- the callbacks ---------------------------------------------------------------- */

static void ovs_tm_cb(tm_cell_t *t, int type, struct tmcb_params *ps)
{
	ovs_tparam_t *tp;
	ovs_dest_t *d;
	sip_msg_t *rpl;
	int64_t now;
	int code, ra, proto, reliable;

	if(ps == NULL || ps->param == NULL || *ps->param == NULL || ovs_sh == NULL)
		return;
	tp = (ovs_tparam_t *)*ps->param;
	if(tp->dest < 0 || tp->dest >= ovs_max_dest)
		return;
	d = &ovs_sh->dest[tp->dest];
	now = ovs_now_us();

	switch(type) {
		case TMCB_REQUEST_SENT:
			if(ps->code != TYPE_REQUEST)
				return; /* tm's own ACK or CANCEL */
			proto = ps->dst ? ps->dst->proto
							: (ps->t_rbuf ? ps->t_rbuf->dst.proto : PROTO_UDP);
			reliable = proto != PROTO_UDP;
			lock_get(&d->lock);
			if(tp->branch < 0)
				tp->branch = ps->branch;
			if(!(tp->flags & OVS_TF_SENT)) {
				tp->flags |= OVS_TF_SENT;
				tp->sent_us = now;
				tp->reliable = reliable;
				d->proto = proto;
				ovs_est_sent(&d->est, reliable, now);
				/* on reliable transports the send may block on connect
				 * and on a full socket buffer */
				if(reliable)
					ovs_est_send_delay(&d->est, now - tp->admit_us);
			} else if(ps->branch == tp->branch && (ps->flags & TMCB_RETR_F)
					  && !(tp->flags & OVS_TF_ANSWERED)) {
				ovs_est_retrans(&d->est);
				tp->nrtx++;
				tp->last_rtx_us = now;
			}
			lock_release(&d->lock);
			return;

		case TMCB_RESPONSE_IN:
			rpl = ps->rpl;
			if(rpl == NULL || rpl == FAKED_REPLY)
				return;
			/* the reply to tm's own CANCEL of an INVITE is not the INVITE's */
			if(rpl->cseq && rpl->cseq->parsed
					&& get_cseq(rpl)->method_id == METHOD_CANCEL
					&& t->uas.request && t->uas.request->REQ_METHOD != METHOD_CANCEL)
				return;
			code = rpl->first_line.u.reply.statuscode;
			ra = -1;
			if(code == 503)
				ra = ovs_retry_after_of(rpl);
			lock_get(&d->lock);
			if(!(tp->flags & OVS_TF_SENT)) {
				/* the answer overtook the sender's own callback (another
				 * process read it first, as on loopback): the request
				 * left just now */
				tp->flags |= OVS_TF_SENT;
				tp->sent_us = now;
				tp->reliable = rpl->rcv.proto != PROTO_UDP;
				ovs_est_sent(&d->est, tp->reliable, now);
			}
			if(!(tp->flags & OVS_TF_ANSWERED)) {
				tp->flags |= OVS_TF_ANSWERED;
				ovs_est_first_response(&d->est, tp->sent_us, now, tp->nrtx, tp->last_rtx_us);
			}
			if(code >= 200 && !(tp->flags & OVS_TF_FINAL)) {
				tp->flags |= OVS_TF_FINAL;
				ovs_est_final(&d->est, &ovs_ep, code,
						(tp->flags & OVS_TF_SENT) ? now - tp->sent_us : 0, ra,
						now / 1000);
			}
			lock_release(&d->lock);
			if(ovs_oc_enabled)
				ovs_feedback_in(d, rpl);
			if(tp->upstream_oc && ovs_oc_advertise)
				ovs_rewrite_upstream_via(rpl, tp->dest);
			return;

		case TMCB_RESPONSE_OUT:
			if(ps->code < 200)
				return;
			lock_get(&d->lock);
			if(!(tp->flags & (OVS_TF_ANSWERED | OVS_TF_ENDED))) {
				if(!(tp->flags & OVS_TF_SENT)) {
					/* relayed but never sent: the send failed */
					if(t->nr_of_outgoings > 0 && t->uac[0].icode == 908) {
						tp->flags |= OVS_TF_ENDED;
						d->proto = t->uac[0].request.dst.proto;
						ovs_est_send_error(&d->est);
						update_stat(ovs_st_send_errors, 1);
					}
				} else {
					/* sent, never answered: tm's timer replied (408) */
					tp->flags |= OVS_TF_ENDED;
					ovs_est_timeout(&d->est, tp->sent_us, tp->nrtx);
					update_stat(ovs_st_timeouts, 1);
				}
			}
			lock_release(&d->lock);
			return;

		case TMCB_DESTROY:
			lock_get(&d->lock);
			if((tp->flags & OVS_TF_SENT)
					&& !(tp->flags & (OVS_TF_ANSWERED | OVS_TF_ENDED))) {
				tp->flags |= OVS_TF_ENDED;
				ovs_est_timeout(&d->est, tp->sent_us, tp->nrtx);
				update_stat(ovs_st_timeouts, 1);
			}
			lock_release(&d->lock);
			return;
	}
}

static void ovs_tparam_free(void *p)
{
	if(p)
		shm_free(p);
}

/* attach the callbacks to the transaction of an admitted request */
int ovs_track(sip_msg_t *msg, tm_cell_t *t, int dest, int cls, int upstream_oc,
		int64_t admit_us)
{
	ovs_tparam_t *tp;

	tp = shm_malloc(sizeof(*tp));
	if(tp == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(tp, 0, sizeof(*tp));
	tp->dest = dest;
	tp->cls = cls;
	tp->branch = -1;
	tp->admit_us = admit_us;
	tp->upstream_oc = upstream_oc;
	if(ovs_tmb.register_tmcb(msg, t,
			   TMCB_REQUEST_SENT | TMCB_RESPONSE_IN | TMCB_RESPONSE_OUT | TMCB_DESTROY,
			   ovs_tm_cb, tp, ovs_tparam_free)
			<= 0) {
		LM_ERR("cannot register tm callbacks\n");
		shm_free(tp);
		return -1;
	}
	return 0;
}
