/*
 * nvg module - the active dialogs through the NVG (gateway role), from
 * Kamailio's dialog module (dlg_manage() next to nvg_record_route() in
 * nvg.cfg): DLGCB_CREATED registers per-dialog callbacks; CONFIRMED
 * records the CN side (tag, target, route set); REQ_WITHIN follows CSeq and
 * target refreshes; TERMINATED / EXPIRED / FAILED / DESTROY remove the
 * entry. The MN side's last SDP is stored by nvg_sdp_egress(). The handoff
 * (nvg_handoff.c) reads a snapshot of this list for its URI list, and the
 * per-dialog fallback uses the stored route set, target and SDP.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */

#include <stdio.h>
#include <string.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/ut.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_cseq.h"
#include "core/parser/contact/parse_contact.h"
#include "modules/dialog/dlg_load.h"
#include "modules/dialog/dlg_hash.h"

#include "nvg.h"
#include "nvg_dlg.h"

int nvg_max_dialogs = 10000;

static struct dlg_binds nvg_dlgb;
static int nvg_dlg_loaded = 0;

typedef struct nvg_dlg_list {
	gen_lock_t lock;
	nvg_dlg_t *head;
	int n;
	int confirmed;
} nvg_dlg_list_t;

static nvg_dlg_list_t *nvg_dl = NULL;

static void cpy(char *dst, size_t cap, const str *s)
{
	size_t n = 0;
	if(s && s->s && s->len > 0)
		n = (size_t)s->len < cap - 1 ? (size_t)s->len : cap - 1;
	if(n)
		memcpy(dst, s->s, n);
	dst[n] = 0;
}

/* entry of this dialog cell, under the lock */
static nvg_dlg_t *find_cell(void *cell)
{
	nvg_dlg_t *e;
	for(e = nvg_dl->head; e; e = e->next)
		if(e->cell == cell)
			return e;
	return NULL;
}

static void unlink_free(nvg_dlg_t *e)
{
	if(e->prev)
		e->prev->next = e->next;
	else
		nvg_dl->head = e->next;
	if(e->next)
		e->next->prev = e->prev;
	nvg_dl->n--;
	if(e->confirmed)
		nvg_dl->confirmed--;
	if(e->mn_sdp)
		shm_free(e->mn_sdp);
	shm_free(e);
}

static void nvg_dlg_cb(struct dlg_cell *dlg, int type, struct dlg_cb_params *p)
{
	nvg_dlg_t *e;
	int cn_leg, mn_leg, from_mn;
	sip_msg_t *req = p ? p->req : NULL;
	str s;

	lock_get(&nvg_dl->lock);
	e = find_cell(dlg);
	if(!e) {
		lock_release(&nvg_dl->lock);
		return;
	}
	cn_leg = e->mn_is_caller ? DLG_CALLEE_LEG : DLG_CALLER_LEG;
	mn_leg = e->mn_is_caller ? DLG_CALLER_LEG : DLG_CALLEE_LEG;
	switch(type) {
		case DLGCB_CONFIRMED:
		case DLGCB_CONFIRMED_NA:
			cpy(e->mn_tag, sizeof(e->mn_tag), &dlg->tag[mn_leg]);
			cpy(e->cn_tag, sizeof(e->cn_tag), &dlg->tag[cn_leg]);
			cpy(e->cn_target, sizeof(e->cn_target), &dlg->contact[cn_leg]);
			cpy(e->mn_contact, sizeof(e->mn_contact), &dlg->contact[mn_leg]);
			cpy(e->route, sizeof(e->route), &dlg->route_set[cn_leg]);
			if(dlg->cseq[mn_leg].len > 0 && dlg->cseq[mn_leg].len < 11) {
				unsigned int v = 0;
				if(str2int(&dlg->cseq[mn_leg], &v) == 0 && v > e->mn_cseq)
					e->mn_cseq = v;
			}
			if(!e->confirmed) {
				e->confirmed = 1;
				nvg_dl->confirmed++;
			}
			LM_DBG("dialog %s confirmed: mn-tag %s cn-tag %s cn %s\n", e->callid,
					e->mn_tag, e->cn_tag, e->cn_uri);
			break;
		case DLGCB_REQ_WITHIN:
			if(!req)
				break;
			from_mn = (e->mn_is_caller && p->direction == DLG_DIR_DOWNSTREAM)
					  || (!e->mn_is_caller && p->direction == DLG_DIR_UPSTREAM);
			if(from_mn && req->cseq && req->cseq->parsed) {
				unsigned int v = 0;
				s = get_cseq(req)->number;
				if(str2int(&s, &v) == 0 && v > e->mn_cseq)
					e->mn_cseq = v;
			}
			/* target refresh by the CN */
			if(!from_mn && req->first_line.u.request.method_value == METHOD_INVITE
					&& (req->contact || parse_headers(req, HDR_CONTACT_F, 0) == 0)
					&& req->contact && parse_contact(req->contact) == 0
					&& ((contact_body_t *)req->contact->parsed)->contacts)
				cpy(e->cn_target, sizeof(e->cn_target),
						&((contact_body_t *)req->contact->parsed)->contacts->uri);
			break;
		case DLGCB_TERMINATED:
		case DLGCB_EXPIRED:
		case DLGCB_FAILED:
		case DLGCB_DESTROY:
			LM_DBG("dialog %s gone (%d)\n", e->callid, type);
			unlink_free(e);
			break;
	}
	lock_release(&nvg_dl->lock);
}

static void nvg_dlg_created(struct dlg_cell *dlg, int type, struct dlg_cb_params *p)
{
	sip_msg_t *req = p ? p->req : NULL;
	nvg_dlg_t *e;
	int mn_caller;

	if(!req || !nvg_dl)
		return;
	mn_caller = nvg_from_ingress(req) ? 1 : 0;
	if(parse_from_header(req) < 0) {
		LM_ERR("dialog %.*s: bad From, not tracked\n", dlg->callid.len, dlg->callid.s);
		return;
	}
	e = shm_malloc(sizeof(*e));
	if(!e) {
		SHM_MEM_ERROR;
		return;
	}
	memset(e, 0, sizeof(*e));
	e->cell = dlg;
	e->mn_is_caller = mn_caller;
	cpy(e->callid, sizeof(e->callid), &dlg->callid);
	cpy(mn_caller ? e->mn_tag : e->cn_tag, sizeof(e->mn_tag), &dlg->tag[DLG_CALLER_LEG]);
	cpy(e->cn_uri, sizeof(e->cn_uri), mn_caller ? &dlg->to_uri : &dlg->from_uri);
	cpy(e->mn_uri, sizeof(e->mn_uri), mn_caller ? &dlg->from_uri : &dlg->to_uri);
	e->created = time(NULL);

	lock_get(&nvg_dl->lock);
	if(nvg_dl->n >= nvg_max_dialogs) {
		lock_release(&nvg_dl->lock);
		shm_free(e);
		update_stat(nvg_st_dialogs_untracked, 1);
		LM_WARN("dialog %.*s not tracked: max_dialogs (%d) reached; it will not "
				"follow a handoff\n", dlg->callid.len, dlg->callid.s, nvg_max_dialogs);
		return;
	}
	e->next = nvg_dl->head;
	if(e->next)
		e->next->prev = e;
	nvg_dl->head = e;
	nvg_dl->n++;
	lock_release(&nvg_dl->lock);

	if(nvg_dlgb.register_dlgcb(dlg,
			   DLGCB_CONFIRMED | DLGCB_CONFIRMED_NA | DLGCB_REQ_WITHIN | DLGCB_TERMINATED
					   | DLGCB_EXPIRED | DLGCB_FAILED | DLGCB_DESTROY,
			   nvg_dlg_cb, NULL, NULL) != 0) {
		LM_ERR("dialog %.*s: cannot register callbacks, not tracked\n", dlg->callid.len,
				dlg->callid.s);
		lock_get(&nvg_dl->lock);
		unlink_free(e);
		lock_release(&nvg_dl->lock);
	}
}

int nvg_dlg_init(void)
{
	nvg_dl = shm_malloc(sizeof(*nvg_dl));
	if(!nvg_dl) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(nvg_dl, 0, sizeof(*nvg_dl));
	lock_init(&nvg_dl->lock);
	if(load_dlg_api(&nvg_dlgb) != 0) {
		LM_NOTICE("dialog module not loaded: no dialog tracking, a handoff moves "
				  "no media (load dialog and call dlg_manage() in nvg.cfg)\n");
		return 0;
	}
	if(nvg_dlgb.register_dlgcb(NULL, DLGCB_CREATED, nvg_dlg_created, NULL, NULL) != 0) {
		LM_ERR("cannot register the dialog creation callback\n");
		return -1;
	}
	nvg_dlg_loaded = 1;
	return 0;
}

int nvg_dlg_enabled(void)
{
	return nvg_dlg_loaded;
}

void nvg_dlg_counts(int *n, int *confirmed)
{
	if(!nvg_dl) {
		*n = *confirmed = 0;
		return;
	}
	*n = nvg_dl->n;
	*confirmed = nvg_dl->confirmed;
}

/* the MN side's SDP of this Call-ID (as the MN sent it) */
void nvg_dlg_set_mn_sdp(const str *callid, const char *sdp, int len)
{
	nvg_dlg_t *e;
	char *c;

	if(!nvg_dl || !callid || len <= 0 || len > NVG_DLG_MAX_SDP)
		return;
	lock_get(&nvg_dl->lock);
	for(e = nvg_dl->head; e; e = e->next) {
		if((int)strlen(e->callid) != callid->len
				|| memcmp(e->callid, callid->s, callid->len) != 0)
			continue;
		c = shm_malloc(len + 1);
		if(!c) {
			SHM_MEM_ERROR;
			break;
		}
		memcpy(c, sdp, len);
		c[len] = 0;
		if(e->mn_sdp)
			shm_free(e->mn_sdp);
		e->mn_sdp = c;
		e->mn_sdp_len = len;
	}
	lock_release(&nvg_dl->lock);
}

int nvg_dlg_snapshot(nvg_hl_entry_t *out, int max)
{
	nvg_dlg_t *e;
	int n = 0;

	if(!nvg_dl)
		return 0;
	lock_get(&nvg_dl->lock);
	for(e = nvg_dl->head; e && n < max; e = e->next) {
		if(!e->confirmed || !e->mn_tag[0] || !e->cn_tag[0])
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].callid, sizeof(out[n].callid), "%s", e->callid);
		snprintf(out[n].mn_tag, sizeof(out[n].mn_tag), "%s", e->mn_tag);
		snprintf(out[n].cn_tag, sizeof(out[n].cn_tag), "%s", e->cn_tag);
		snprintf(out[n].uri, sizeof(out[n].uri), "%s", e->cn_uri);
		n++;
	}
	lock_release(&nvg_dl->lock);
	return n;
}

int nvg_dlg_get(const char *callid, const char *mn_tag, const char *cn_tag,
		nvg_dlg_t *copy, char *sdp, int sdpcap, int bump_cseq)
{
	nvg_dlg_t *e;
	int rc = -1;

	if(!nvg_dl)
		return -1;
	lock_get(&nvg_dl->lock);
	for(e = nvg_dl->head; e; e = e->next) {
		if(strcmp(e->callid, callid) || strcmp(e->mn_tag, mn_tag)
				|| strcmp(e->cn_tag, cn_tag))
			continue;
		if(bump_cseq)
			e->mn_cseq++;
		*copy = *e;
		copy->next = copy->prev = NULL;
		copy->mn_sdp = NULL;
		copy->mn_sdp_len = 0;
		if(sdp && e->mn_sdp && e->mn_sdp_len < sdpcap) {
			memcpy(sdp, e->mn_sdp, e->mn_sdp_len + 1);
			copy->mn_sdp_len = e->mn_sdp_len;
		}
		rc = 0;
		break;
	}
	lock_release(&nvg_dl->lock);
	return rc;
}

void nvg_dlg_rpc(rpc_t *rpc, void *ctx)
{
	nvg_dlg_t *e;
	void *th;
	time_t now = time(NULL);

	if(!nvg_dl) {
		rpc->fault(ctx, 400, "nvg.dialogs: gateway role only");
		return;
	}
	lock_get(&nvg_dl->lock);
	for(e = nvg_dl->head; e; e = e->next) {
		if(rpc->add(ctx, "{", &th) < 0)
			break;
		rpc->struct_add(th, "sssssssdsdd", "call_id", e->callid, "state",
				e->confirmed ? "confirmed" : "early", "mn_tag", e->mn_tag, "cn_tag",
				e->cn_tag, "cn_uri", e->cn_uri, "mn_uri", e->mn_uri, "cn_target",
				e->cn_target, "mn_is_caller", e->mn_is_caller, "route", e->route,
				"mn_cseq", (int)e->mn_cseq, "age_s", (int)(now - e->created));
		rpc->struct_add(th, "d", "mn_sdp_bytes", e->mn_sdp_len);
	}
	lock_release(&nvg_dl->lock);
}
