/*
 * hotp_auth - asynchronous Diameter exchanges for suspended SIP transactions
 *
 * A SIP worker parks the transaction (t_suspend), files a ha_pending_t in a
 * shared table under a fresh numeric id and sends the Diameter request with
 * AAASendMessage(), passing the id (never a pointer) as callback parameter.
 * Whoever takes the entry out of the table first owns it and resumes the
 * transaction (t_continue) exactly once:
 *  - cdp's answer callback (cdp worker process): UAA -> MAR (same entry, new
 *    id) or outcome; MAA -> outcome;
 *  - the module's timer process: entries past modparam timeout, and entries
 *    cdp reported as timed out. cdp calls its timeout callback while holding
 *    its transaction-list lock, so that callback only marks the entry and the
 *    timer resumes it: a cfg route never runs under a cdp lock.
 * A late answer finds no entry and is dropped. A SIP worker never waits for
 * Diameter.
 *
 * One identity's authentications run one at a time, in arrival order: an
 * HOTP counter only moves forward (app_hotp refuses a counter below the
 * last accepted one as a replay), so a client that sends two requests back
 * to back (the NVG's handoff REGISTER, OTP c, and its list INVITE, OTP
 * c + 1) must have c checked first, although the REGISTER needs UAR + MAR
 * and the INVITE only a MAR. A request whose identity has an authentication
 * in flight is parked with its Diameter request held (statistic
 * ordered_waits); when the earlier one ends, whatever its outcome, the next
 * one's request is sent.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see hotp_auth_mod.c).
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"
#include "core/locking.h"
#include "core/receive.h"
#include "core/kemi.h"

#include "hotp_auth.h"

#define HA_BUCKETS 256

typedef struct ha_table {
	gen_lock_t lock;
	unsigned long next_id;
	int npending;
	unsigned long long rtt_total_us;
	unsigned long long answers;
	ha_pending_t *bucket[HA_BUCKETS];
	int nheld;
	ha_pending_t *order[HA_BUCKETS]; /* per identity hash, arrival order */
} ha_table_t;

static ha_table_t *ha_tab = NULL;

static long long ha_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long ha_now_ms(void)
{
	return ha_now_us() / 1000;
}

int ha_async_init(void)
{
	ha_tab = shm_malloc(sizeof(*ha_tab));
	if(!ha_tab) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(ha_tab, 0, sizeof(*ha_tab));
	if(lock_init(&ha_tab->lock) == NULL) {
		LM_ERR("cannot init lock\n");
		shm_free(ha_tab);
		ha_tab = NULL;
		return -1;
	}
	return 0;
}

void ha_async_destroy(void)
{
	int i;
	ha_pending_t *p, *n;

	if(!ha_tab)
		return;
	for(i = 0; i < HA_BUCKETS; i++)
		for(p = ha_tab->bucket[i]; p; p = n) {
			n = p->next;
			ha_pending_free(p);
		}
	lock_destroy(&ha_tab->lock);
	shm_free(ha_tab);
	ha_tab = NULL;
}

ha_pending_t *ha_pending_new(str *method, str *ruri)
{
	ha_pending_t *p;
	size_t sz = sizeof(*p) + method->len + 1 + ruri->len + 1;

	p = shm_malloc(sz);
	if(!p) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(p, 0, sizeof(*p));
	p->method.s = p->data;
	memcpy(p->method.s, method->s, method->len);
	p->method.len = method->len;
	p->method.s[method->len] = 0;
	p->ruri.s = p->method.s + method->len + 1;
	memcpy(p->ruri.s, ruri->s, ruri->len);
	p->ruri.len = ruri->len;
	p->ruri.s[ruri->len] = 0;
	return p;
}

void ha_pending_free(ha_pending_t *p)
{
	if(!p)
		return;
	memset(p->otp, 0, sizeof(p->otp));
	shm_free(p);
}

int ha_async_pending(void)
{
	return ha_tab ? ha_tab->npending + ha_tab->nheld : 0;
}

unsigned long ha_async_avg_rtt_us(void)
{
	unsigned long long t, a;

	ha_async_rtt_totals(&t, &a);
	return a ? (unsigned long)(t / a) : 0;
}

void ha_async_rtt_totals(unsigned long long *total_us, unsigned long long *answers)
{
	*total_us = *answers = 0;
	if(!ha_tab)
		return;
	lock_get(&ha_tab->lock);
	*total_us = ha_tab->rtt_total_us;
	*answers = ha_tab->answers;
	lock_release(&ha_tab->lock);
}

/* ---- table (callers hold no other lock of ours) ------------------------- */

static void ha_insert_locked(ha_pending_t *p)
{
	ha_pending_t **b = &ha_tab->bucket[p->id % HA_BUCKETS];

	p->prev = NULL;
	p->next = *b;
	if(*b)
		(*b)->prev = p;
	*b = p;
	ha_tab->npending++;
}

static void ha_unlink_locked(ha_pending_t *p)
{
	if(p->prev)
		p->prev->next = p->next;
	else
		ha_tab->bucket[p->id % HA_BUCKETS] = p->next;
	if(p->next)
		p->next->prev = p->prev;
	p->next = p->prev = NULL;
	ha_tab->npending--;
}

static ha_pending_t *ha_find_locked(unsigned long id)
{
	ha_pending_t *p;

	for(p = ha_tab->bucket[id % HA_BUCKETS]; p; p = p->next)
		if(p->id == id)
			return p;
	return NULL;
}

/* take entry id out of the table: the caller owns it afterwards; answered:
 * an answer arrived for it (its response time is recorded) */
static ha_pending_t *ha_take(unsigned long id, int answered)
{
	ha_pending_t *p;
	long long el;

	lock_get(&ha_tab->lock);
	p = ha_find_locked(id);
	if(p) {
		ha_unlink_locked(p);
		if(answered) {
			el = ha_now_us() - p->t_sent_us;
			if(el < 0)
				el = 0;
			p->rtt_us += el;
			ha_tab->rtt_total_us += (unsigned long long)el;
			ha_tab->answers++;
		}
	}
	lock_release(&ha_tab->lock);
	return p;
}

/* ---- one identity at a time ------------------------------------------------ */

static unsigned int ha_aor_hash(const char *s)
{
	unsigned int h = 2166136261u;

	for(; *s; s++)
		h = (h ^ (unsigned char)(*s | 0x20)) * 16777619u;
	return h;
}

static int ha_send(ha_pending_t *p, AAAMessage *req);
static void ha_resume_unavailable(
		ha_pending_t *p, const char *reason, int result_code, int timeout);

/* files p at the end of its identity's chain; 1 if an earlier
 * authentication of the same identity is in flight: then req is held in p
 * and sent by ha_order_done() of the one before */
static int ha_order_add(ha_pending_t *p, AAAMessage *req)
{
	ha_pending_t **pp, *x;
	int ahead = 0;

	p->qhash = ha_aor_hash(p->aor);
	p->qnext = NULL;
	lock_get(&ha_tab->lock);
	for(pp = &ha_tab->order[p->qhash % HA_BUCKETS]; *pp; pp = &(*pp)->qnext) {
		x = *pp;
		if(x->qhash == p->qhash && strcasecmp(x->aor, p->aor) == 0)
			ahead = 1;
	}
	*pp = p;
	p->queued = 1;
	if(ahead) {
		p->held = req;
		ha_tab->nheld++;
	}
	lock_release(&ha_tab->lock);
	return ahead;
}

/* p's authentication is over: out of the chain; the next one of the same
 * identity (held) gets its Diameter request sent */
static void ha_order_done(ha_pending_t *p)
{
	ha_pending_t **pp, *x, *nx = NULL;
	AAAMessage *req = NULL;

	if(!ha_tab || !p->queued)
		return;
	lock_get(&ha_tab->lock);
	for(pp = &ha_tab->order[p->qhash % HA_BUCKETS]; *pp; pp = &(*pp)->qnext) {
		if(*pp == p) {
			*pp = p->qnext;
			break;
		}
	}
	p->queued = 0;
	p->qnext = NULL;
	for(x = ha_tab->order[p->qhash % HA_BUCKETS]; x; x = x->qnext) {
		if(x->qhash == p->qhash && strcasecmp(x->aor, p->aor) == 0) {
			if(x->held) {
				nx = x;
				req = (AAAMessage *)x->held;
				x->held = NULL;
				ha_tab->nheld--;
			}
			break; /* the first one left of this identity */
		}
	}
	lock_release(&ha_tab->lock);
	if(!nx)
		return;
	LM_DBG("%s %s: an earlier authentication of %s ended, sending its %s\n",
			nx->method.s, nx->aor, nx->aor, nx->stage == HA_STAGE_UAR ? "UAR" : "MAR");
	if(ha_send(nx, req) < 0)
		ha_resume_unavailable(nx, "no Diameter peer", 0, 0); /* releases the next */
}

/* ---- resuming ------------------------------------------------------------ */

static void ha_copy_text(char *dst, size_t dsz, const char *s, int len)
{
	int i, o = 0;

	/* keep it printable: it ends up in logs, PVs and (maybe) a Warning */
	for(i = 0; i < len && o < (int)dsz - 1; i++) {
		unsigned char c = (unsigned char)s[i];
		dst[o++] = (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
	}
	dst[o] = 0;
}

static void ha_resume(ha_pending_t *p, int rc, int status, int result_code,
		const char *reason, const char *warning, const char *errmsg)
{
	sr_kemi_eng_t *keng;
	str cbname, evname = str_init("hotp_auth:resume");
	int ret = 0;

	switch(rc) {
		case HA_OK:
			update_stat(ha_st_auth_ok, 1);
			break;
		case HA_ERR_REJECTED:
			update_stat(ha_st_auth_rejected, 1);
			break;
		default:
			break;
	}
	if(rc == HA_OK)
		LM_INFO("%s %s: authenticated (%lld us)\n", p->method.s, p->aor, p->rtt_us);
	else
		LM_NOTICE("%s %s: %s (Result-Code %d%s%s%s)\n", p->method.s, p->aor, reason,
				result_code, errmsg && *errmsg ? ", Error-Message \"" : "",
				errmsg && *errmsg ? errmsg : "", errmsg && *errmsg ? "\"" : "");

	memset(&ha_ctx, 0, sizeof(ha_ctx));
	ha_ctx.valid = HA_CTX_ASYNC;
	ha_ctx.rc = rc;
	ha_ctx.status = status;
	ha_ctx.proxy = p->proxy;
	ha_ctx.stage = p->stage;
	ha_ctx.result_code = result_code;
	ha_ctx.rtt_us = (int)p->rtt_us;
	snprintf(ha_ctx.reason, sizeof(ha_ctx.reason), "%s", reason);
	snprintf(ha_ctx.warning, sizeof(ha_ctx.warning), "%s", warning);
	if(errmsg)
		snprintf(ha_ctx.errmsg, sizeof(ha_ctx.errmsg), "%s", errmsg);
	snprintf(ha_ctx.aor, sizeof(ha_ctx.aor), "%s", p->aor);
	snprintf(ha_ctx.user, sizeof(ha_ctx.user), "%s", p->user_name);

	if(p->act) {
		ret = ha_tmb.t_continue(p->tindex, p->tlabel, p->act);
	} else {
		keng = sr_kemi_eng_get();
		if(keng && p->cbname_len > 0) {
			cbname.s = p->cbname;
			cbname.len = p->cbname_len;
			ret = ha_tmb.t_continue_cb(p->tindex, p->tlabel, &cbname, &evname);
		} else {
			LM_ERR("no route to resume for %s\n", p->aor);
			ret = -1;
		}
	}
	ksr_msg_env_reset();
	if(ret < 0)
		LM_WARN("could not resume the transaction of %s %s [%u:%u] (gone?)\n",
				p->method.s, p->aor, p->tindex, p->tlabel);
	memset(&ha_ctx, 0, sizeof(ha_ctx));
	ha_order_done(p);
	ha_pending_free(p);
}

/* timeout: counted as a timeout where detected, otherwise a Diameter error */
static void ha_resume_unavailable(
		ha_pending_t *p, const char *reason, int result_code, int timeout)
{
	char w[HA_TEXT_MAX];

	if(!timeout)
		update_stat(ha_st_diameter_errors, 1);

	if(ha_detailed_warnings)
		snprintf(w, sizeof(w), "authentication server unavailable: %s", reason);
	else
		snprintf(w, sizeof(w), "authentication server unavailable");
	ha_resume(p, HA_ERR_UNAVAILABLE, 503, result_code, reason, w, NULL);
}

/* ---- sending ------------------------------------------------------------- */

static void ha_cdp_cb(int is_timeout, void *param, AAAMessage *ans, long elapsed_ms);

/* file p under a new id and send req (cdp owns req afterwards).
 * 0: sent, p belongs to the table now (do not touch it);
 * -1: not sent, p is the caller's again */
static int ha_send(ha_pending_t *p, AAAMessage *req)
{
	unsigned long id;

	lock_get(&ha_tab->lock);
	id = ++ha_tab->next_id;
	if(id == 0)
		id = ++ha_tab->next_id;
	p->id = id;
	p->t_sent_us = ha_now_us();
	ha_insert_locked(p);
	lock_release(&ha_tab->lock);

	update_stat(p->stage == HA_STAGE_UAR ? ha_st_uar_sent : ha_st_mar_sent, 1);
	if(ha_cdp.AAASendMessage(req, ha_cdp_cb, (void *)(uintptr_t)id) == 1)
		return 0;
	/* cdp freed req. Take p back unless a callback already owns it (cdp can
	 * fail after having filed its transaction: then it times out later) */
	if(ha_take(id, 0) == p)
		return -1;
	return 0;
}

int ha_async_start(struct sip_msg *msg, ha_pending_t *p, AAAMessage *req)
{
	p->t_start_ms = ha_now_ms();
	if(ha_tmb.t_suspend(msg, &p->tindex, &p->tlabel) != 0) {
		LM_ERR("cannot suspend the transaction\n");
		ha_cdp.AAAFreeMessage(&req);
		ha_pending_free(p);
		return HA_ERR_INTERNAL;
	}
	if(ha_order_add(p, req)) {
		/* an earlier request of this identity is being checked: this one's
		 * Diameter request waits for it (p may be resumed already: do not
		 * touch it) */
		update_stat(ha_st_ordered_waits, 1);
		return HA_SUSPENDED;
	}
	if(ha_send(p, req) == 0)
		return HA_SUSPENDED;
	/* nothing went out: undo the suspension, the cfg replies 503 */
	update_stat(ha_st_diameter_errors, 1);
	ha_tmb.t_cancel_suspend(p->tindex, p->tlabel);
	ha_order_done(p);
	ha_pending_free(p);
	return HA_ERR_UNAVAILABLE;
}

AAAMessage *ha_pending_mar(ha_pending_t *p)
{
	ha_diam_req_t r;

	r.aor.s = p->aor;
	r.aor.len = strlen(p->aor);
	r.user_name.s = p->user_name;
	r.user_name.len = strlen(p->user_name);
	r.username.s = p->username;
	r.username.len = strlen(p->username);
	r.realm.s = p->realm;
	r.realm.len = strlen(p->realm);
	r.nonce.s = p->nonce;
	r.nonce.len = strlen(p->nonce);
	r.uri = p->ruri;
	r.otp.s = p->otp;
	r.otp.len = strlen(p->otp);
	r.method = p->method;
	r.uat = p->uat;
	return ha_build_mar(&r, &ha_dest_realm);
}

/* ---- answers --------------------------------------------------------------- */

static int ha_is_rejection(int rc)
{
	switch(rc) {
		case HA_RC_AUTHENTICATION_REJECTED:
		case HA_RC_AUTHORIZATION_REJECTED:
		/* app_hotp: an OTP of the wrong length for the account, or an AoR
		 * it cannot hold: the client's credential, not a server failure */
		case HA_RC_INVALID_AVP_VALUE:
		case HA_RC_USER_UNKNOWN:
		case HA_RC_IDENTITIES_DONT_MATCH:
		case HA_RC_IDENTITY_NOT_REGISTERED:
		case HA_RC_ROAMING_NOT_ALLOWED:
		case HA_RC_AUTH_SCHEME_NOT_SUPPORTED:
			return 1;
	}
	return 0;
}

static const char *ha_rc_name(int rc)
{
	switch(rc) {
		case HA_RC_AUTHENTICATION_REJECTED:
			return "authentication rejected";
		case HA_RC_AUTHORIZATION_REJECTED:
			return "authorization rejected";
		case HA_RC_INVALID_AVP_VALUE:
			return "invalid credential value";
		case HA_RC_USER_UNKNOWN:
			return "user unknown";
		case HA_RC_IDENTITIES_DONT_MATCH:
			return "identities don't match";
		case HA_RC_IDENTITY_NOT_REGISTERED:
			return "identity not registered";
		case HA_RC_ROAMING_NOT_ALLOWED:
			return "roaming not allowed";
		case HA_RC_AUTH_SCHEME_NOT_SUPPORTED:
			return "auth scheme not supported";
	}
	return "rejected";
}

static void ha_resume_rejected(ha_pending_t *p, int rc, const char *errmsg)
{
	char reason[HA_TEXT_MAX], w[HA_TEXT_MAX];

	if(errmsg && *errmsg)
		snprintf(reason, sizeof(reason), "%s: %s: %.80s",
				p->stage == HA_STAGE_UAR ? "UAR" : "MAR", ha_rc_name(rc), errmsg);
	else
		snprintf(reason, sizeof(reason), "%s: %s",
				p->stage == HA_STAGE_UAR ? "UAR" : "MAR", ha_rc_name(rc));
	/* by default the client learns no more than "rejected": whether the
	 * user exists, the OTP was replayed or the account is locked stays in
	 * the logs and $hotp(...) */
	snprintf(w, sizeof(w), "%s",
			ha_detailed_warnings ? reason : "authentication rejected");
	ha_resume(p, HA_ERR_REJECTED, 403, rc, reason, w, errmsg);
}

static void ha_cdp_cb(int is_timeout, void *param, AAAMessage *ans, long elapsed_ms)
{
	unsigned long id = (unsigned long)(uintptr_t)param;
	ha_pending_t *p;
	AAAMessage *mar;
	char errmsg[HA_TEXT_MAX], reason[HA_TEXT_MAX];
	str em;
	int rc;

	if(is_timeout || !ans) {
		/* called under cdp's transaction-list lock: only mark it */
		lock_get(&ha_tab->lock);
		p = ha_find_locked(id);
		if(p)
			p->cdp_timed_out = 1;
		lock_release(&ha_tab->lock);
		if(p)
			update_stat(ha_st_timeouts, 1);
		if(ans)
			ha_cdp.AAAFreeMessage(&ans);
		return;
	}

	p = ha_take(id, 1);
	if(!p) {
		LM_DBG("late Diameter answer for %lu dropped\n", id);
		ha_cdp.AAAFreeMessage(&ans);
		return;
	}
	rc = ha_result_code(ans);
	em = ha_error_message(ans);
	ha_copy_text(errmsg, sizeof(errmsg), em.s ? em.s : "", em.len);
	ha_cdp.AAAFreeMessage(&ans);

	if(p->stage == HA_STAGE_UAR) {
		if(rc == HA_RC_FIRST_REGISTRATION || rc == HA_RC_SUBSEQUENT_REGISTRATION
				|| rc == HA_RC_SUCCESS) {
			mar = ha_pending_mar(p);
			if(!mar) {
				ha_resume(p, HA_ERR_INTERNAL, 500, rc, "cannot build MAR",
						"internal error", NULL);
				return;
			}
			p->stage = HA_STAGE_MAR;
			if(ha_send(p, mar) < 0)
				ha_resume_unavailable(p, "no Diameter peer for MAR", rc, 0);
			return;
		}
	} else if(rc == HA_RC_SUCCESS) {
		ha_resume(p, HA_OK, 200, rc, "authenticated", "", errmsg);
		return;
	}
	if(ha_is_rejection(rc)) {
		ha_resume_rejected(p, rc, errmsg);
		return;
	}
	if(rc < 0)
		snprintf(reason, sizeof(reason), "%s answer without Result-Code",
				p->stage == HA_STAGE_UAR ? "UAA" : "MAA");
	else
		snprintf(reason, sizeof(reason), "unexpected %s Result-Code %d",
				p->stage == HA_STAGE_UAR ? "UAA" : "MAA", rc);
	ha_resume_unavailable(p, reason, rc < 0 ? 0 : rc, 0);
}

/* ---- timer process ------------------------------------------------------------ */

void ha_async_timer(unsigned int ticks, void *param)
{
	ha_pending_t *p, *n, *due = NULL;
	long long now;
	int i;

	if(!ha_tab || ha_tab->npending == 0)
		return;
	now = ha_now_ms();
	lock_get(&ha_tab->lock);
	for(i = 0; i < HA_BUCKETS; i++) {
		for(p = ha_tab->bucket[i]; p; p = n) {
			n = p->next;
			if(p->cdp_timed_out
					|| (ha_timeout_ms > 0 && now - p->t_start_ms >= ha_timeout_ms)) {
				ha_unlink_locked(p);
				p->next = due;
				due = p;
			}
		}
	}
	lock_release(&ha_tab->lock);

	for(p = due; p; p = n) {
		n = p->next;
		p->next = NULL;
		if(!p->cdp_timed_out)
			update_stat(ha_st_timeouts, 1);
		p->rtt_us = (now - p->t_start_ms) * 1000;
		ha_resume_unavailable(p, "Diameter timeout", 0, 1);
	}
}
