/*
 * urilist module - the NVG's handoff list (docs/handoff-list.md)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see urilist_mod.c).
 *
 * For every accepted entry a faked in-dialog INVITE is built (Call-ID,
 * From tag = mn-tag, To tag = cn-tag, body = the NVG's SDP part) and
 * event_route[urilist:handoff-entry] (or the KEMI event_callback) runs on
 * it with $ulh(...) readable; the route re-anchors the dialog's media and
 * sets $ulh(status) / $ulh(reason) / $ulh(cn_reinvite). urilist collects
 * them and answers the NVG once: 200 OK with one status per entry.
 * urilist_entry_body[_moved]() lets the route replace the faked message's
 * body (and make it an ACK, for rtpengine_answer()); $ulh(body) reads the
 * body with the changes of the functions run so far applied (what
 * rtpengine_offer() produced).
 */

#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/ut.h"
#include "core/mem/mem.h"
#include "core/counters.h"
#include "core/action.h"
#include "core/route.h"
#include "core/kemi.h"
#include "core/msg_translator.h"
#include "core/receive.h"
#include "core/globals.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "modules/tm/tm_load.h"

#include "urilist.h"

#define ULH_REASON_LEN 96

enum {
	ULH_CALL_ID = 1,
	ULH_MN_TAG,
	ULH_CN_TAG,
	ULH_URI,
	ULH_NVG,
	ULH_MEDIA_IP,
	ULH_MEDIA_AF,
	ULH_STATUS,
	ULH_REASON,
	ULH_CN_REINVITE,
	ULH_BODY,
	ULH_INDEX,
	ULH_COUNT,
	ULH_SDP
};

typedef struct ulh_ctx {
	int active;        /* an entry's event route is running */
	int built;         /* fmsg holds a parsed message */
	sip_msg_t fmsg;
	char *buf;         /* fmsg's buffer (pkg) */
	unsigned int id;   /* fmsg's message id (same through body changes) */
	struct receive_info rcv;
	const ul_entry_t *e;
	int idx, count;
	str nvg;           /* the sender's AoR */
	str sdp;           /* the NVG's SDP part */
	char media_ip[64];
	int media_af;
	int status;
	char reason[ULH_REASON_LEN];
	int cn_reinvite;
	char *body_cache;  /* $ulh(body) (pkg) */
} ulh_ctx_t;

static ulh_ctx_t _ulh;
static int _ulh_rt = -1;
static str _ulh_evname = str_init("urilist:handoff-entry");

int ul_handoff_init(void)
{
	_ulh_rt = route_lookup(&event_rt, _ulh_evname.s);
	if(_ulh_rt >= 0 && event_rt.rlist[_ulh_rt] == NULL)
		_ulh_rt = -1;
	if(_ulh_rt < 0 && ul_event_callback.len == 0)
		LM_WARN("no event_route[urilist:handoff-entry] and no event_callback: every "
				"handoff entry will be answered 500\n");
	return 0;
}

/* (re)build the faked in-dialog request in _ulh.fmsg */
static int ulh_build(const char *method, const str *body)
{
	const ul_entry_t *e = _ulh.e;
	int len, n;
	char *buf;
	str vh = str_init("127.0.0.1");

	if(_ulh.rcv.bind_address)
		vh = _ulh.rcv.bind_address->address_str;
	len = 512 + (int)strlen(e->uri) + _ulh.nvg.len + (int)strlen(e->call_id)
		  + (int)strlen(e->mn_tag) + (int)strlen(e->cn_tag) + vh.len + body->len;
	buf = pkg_malloc(len);
	if(!buf) {
		PKG_MEM_ERROR;
		return -1;
	}
	n = snprintf(buf, len,
			"%s %s SIP/2.0\r\n"
			"Via: SIP/2.0/UDP %.*s;branch=z9hG4bKurilist%x.%d\r\n"
			"From: <%.*s>;tag=%s\r\n"
			"To: <%s>;tag=%s\r\n"
			"Call-ID: %s\r\n"
			"CSeq: 1 %s\r\n"
			"Max-Forwards: 70\r\n"
			"Content-Type: application/sdp\r\n"
			"Content-Length: %d\r\n"
			"\r\n"
			"%.*s",
			method, e->uri, vh.len, vh.s, _ulh.id, _ulh.idx, _ulh.nvg.len, _ulh.nvg.s,
			e->mn_tag, e->uri, e->cn_tag, e->call_id, method, body->len, body->len, body->s);
	if(n < 0 || n >= len) {
		pkg_free(buf);
		LM_ERR("faked request does not fit\n");
		return -1;
	}
	memset(&_ulh.fmsg, 0, sizeof(_ulh.fmsg));
	_ulh.fmsg.buf = buf;
	_ulh.fmsg.len = n;
	if(parse_msg(buf, n, &_ulh.fmsg) != 0 || parse_headers(&_ulh.fmsg, HDR_EOH_F, 0) < 0) {
		LM_ERR("cannot parse the faked request for entry %d\n", _ulh.idx);
		free_sip_msg(&_ulh.fmsg);
		memset(&_ulh.fmsg, 0, sizeof(_ulh.fmsg));
		pkg_free(buf);
		return -1;
	}
	_ulh.fmsg.rcv = _ulh.rcv;
	_ulh.fmsg.id = _ulh.id;
	_ulh.fmsg.pid = my_pid();
	_ulh.fmsg.set_global_address = default_global_address;
	_ulh.fmsg.set_global_port = default_global_port;
	_ulh.buf = buf;
	_ulh.built = 1;
	return 0;
}

static void ulh_free_msg(void)
{
	if(_ulh.built) {
		free_sip_msg(&_ulh.fmsg);
		memset(&_ulh.fmsg, 0, sizeof(_ulh.fmsg));
		_ulh.built = 0;
	}
	if(_ulh.buf) {
		pkg_free(_ulh.buf);
		_ulh.buf = NULL;
	}
	if(_ulh.body_cache) {
		pkg_free(_ulh.body_cache);
		_ulh.body_cache = NULL;
	}
}

/* urilist_entry_body[_moved](sdp [, method]) */
int ul_entry_body(sip_msg_t *msg, str *sdp, str *method, int moved)
{
	char *mbuf = NULL, mname[8];
	str body;
	int rc;

	if(!_ulh.active || msg != &_ulh.fmsg) {
		LM_ERR("only in event_route[urilist:handoff-entry]\n");
		return -1;
	}
	if(!sdp || !sdp->s || sdp->len <= 0) {
		LM_ERR("empty SDP\n");
		return -1;
	}
	strcpy(mname, "INVITE");
	if(method && method->len > 0) {
		if(method->len == 3 && strncasecmp(method->s, "ACK", 3) == 0)
			strcpy(mname, "ACK");
		else if(!(method->len == 6 && strncasecmp(method->s, "INVITE", 6) == 0)) {
			LM_ERR("method must be INVITE or ACK, not %.*s\n", method->len, method->s);
			return -1;
		}
	}
	body = *sdp;
	if(moved) {
		int cap = sdp->len + 512, n;
		mbuf = pkg_malloc(cap);
		if(!mbuf) {
			PKG_MEM_ERROR;
			return -1;
		}
		n = ul_sdp_readdress(sdp->s, sdp->len, _ulh.media_ip, _ulh.media_af, mbuf, cap);
		if(n < 0) {
			LM_ERR("entry %d: the SDP has no o=/c= line to re-address\n", _ulh.idx);
			pkg_free(mbuf);
			return -1;
		}
		body.s = mbuf;
		body.len = n;
	}
	ulh_free_msg();
	rc = ulh_build(mname, &body);
	if(mbuf)
		pkg_free(mbuf);
	return rc < 0 ? -1 : 1;
}

/* the faked message's body with the changes made so far (lumps) applied */
static int ulh_current_body(str *out)
{
	sip_msg_t *m = &_ulh.fmsg;
	dest_info_t dst;
	unsigned int len = 0;
	char *nb, *b;

	if(!_ulh.built)
		return -1;
	if(!m->add_rm && !m->body_lumps) {
		out->s = get_body(m);
		out->len = out->s ? (int)(m->buf + m->len - out->s) : 0;
		return 0;
	}
	init_dest_info(&dst);
	dst.proto = PROTO_UDP;
	nb = build_req_buf_from_sip_req(
			m, &len, &dst, BUILD_NO_PATH | BUILD_NO_LOCAL_VIA | BUILD_NO_VIA1_UPDATE);
	if(!nb) {
		LM_ERR("cannot apply the changes of the faked request\n");
		return -1;
	}
	b = NULL;
	{
		unsigned int i;
		for(i = 0; i + 3 < len; i++)
			if(nb[i] == '\r' && nb[i + 1] == '\n' && nb[i + 2] == '\r' && nb[i + 3] == '\n') {
				b = nb + i + 4;
				break;
			}
	}
	if(_ulh.body_cache)
		pkg_free(_ulh.body_cache);
	_ulh.body_cache = nb;
	out->s = b ? b : nb + len;
	out->len = b ? (int)(nb + len - b) : 0;
	return 0;
}

/* ---- $ulh(name) ----------------------------------------------------------------- */

int pv_parse_ulh_name(pv_spec_p sp, str *in)
{
	static const struct {
		const char *n;
		int id;
	} names[] = {{"call_id", ULH_CALL_ID}, {"mn_tag", ULH_MN_TAG}, {"cn_tag", ULH_CN_TAG},
			{"uri", ULH_URI}, {"nvg", ULH_NVG}, {"media_ip", ULH_MEDIA_IP},
			{"media_af", ULH_MEDIA_AF}, {"status", ULH_STATUS}, {"reason", ULH_REASON},
			{"cn_reinvite", ULH_CN_REINVITE}, {"body", ULH_BODY}, {"index", ULH_INDEX},
			{"count", ULH_COUNT}, {"sdp", ULH_SDP}, {0, 0}};
	int i;

	if(sp == NULL || in == NULL || in->len <= 0)
		return -1;
	for(i = 0; names[i].n; i++) {
		if((int)strlen(names[i].n) == in->len && strncmp(names[i].n, in->s, in->len) == 0) {
			sp->pvp.pvn.type = PV_NAME_INTSTR;
			sp->pvp.pvn.u.isname.type = 0;
			sp->pvp.pvn.u.isname.name.n = names[i].id;
			return 0;
		}
	}
	LM_ERR("unknown $ulh name: %.*s\n", in->len, in->s);
	return -1;
}

static int ulh_get_cstr(sip_msg_t *msg, pv_param_t *param, pv_value_t *res, const char *s)
{
	str v;

	if(!s)
		return pv_get_null(msg, param, res);
	v.s = (char *)s;
	v.len = strlen(s);
	return pv_get_strval(msg, param, res, &v);
}

int pv_get_ulh(sip_msg_t *msg, pv_param_t *param, pv_value_t *res)
{
	str b;

	if(!_ulh.active || !_ulh.e)
		return pv_get_null(msg, param, res);
	switch(param->pvn.u.isname.name.n) {
		case ULH_CALL_ID:
			return ulh_get_cstr(msg, param, res, _ulh.e->call_id);
		case ULH_MN_TAG:
			return ulh_get_cstr(msg, param, res, _ulh.e->mn_tag);
		case ULH_CN_TAG:
			return ulh_get_cstr(msg, param, res, _ulh.e->cn_tag);
		case ULH_URI:
			return ulh_get_cstr(msg, param, res, _ulh.e->uri);
		case ULH_NVG:
			return pv_get_strval(msg, param, res, &_ulh.nvg);
		case ULH_MEDIA_IP:
			return ulh_get_cstr(msg, param, res, _ulh.media_ip);
		case ULH_MEDIA_AF:
			return pv_get_sintval(msg, param, res, _ulh.media_af);
		case ULH_STATUS:
			return pv_get_sintval(msg, param, res, _ulh.status);
		case ULH_REASON:
			return ulh_get_cstr(msg, param, res, _ulh.reason);
		case ULH_CN_REINVITE:
			return pv_get_sintval(msg, param, res, _ulh.cn_reinvite);
		case ULH_BODY:
			if(ulh_current_body(&b) < 0)
				return pv_get_null(msg, param, res);
			return pv_get_strval(msg, param, res, &b);
		case ULH_INDEX:
			return pv_get_sintval(msg, param, res, _ulh.idx);
		case ULH_COUNT:
			return pv_get_sintval(msg, param, res, _ulh.count);
		case ULH_SDP:
			return pv_get_strval(msg, param, res, &_ulh.sdp);
	}
	return pv_get_null(msg, param, res);
}

int pv_set_ulh(sip_msg_t *msg, pv_param_t *param, int op, pv_value_t *val)
{
	int iv = 0;
	str sv = STR_NULL;

	if(!_ulh.active) {
		LM_ERR("$ulh is only writable in event_route[urilist:handoff-entry]\n");
		return -1;
	}
	if(val && !(val->flags & PV_VAL_NULL)) {
		if(val->flags & PV_TYPE_INT) {
			iv = val->ri;
		} else if(val->flags & PV_VAL_STR) {
			sv = val->rs;
			if(str2sint(&sv, &iv) < 0)
				iv = -1;
		}
		if(val->flags & PV_VAL_STR)
			sv = val->rs;
	}
	switch(param->pvn.u.isname.name.n) {
		case ULH_STATUS:
			if(iv < 100 || iv > 699) {
				LM_ERR("$ulh(status) must be a SIP status code, not %d\n", iv);
				return -1;
			}
			_ulh.status = iv;
			return 0;
		case ULH_REASON:
			if(!sv.s && (val->flags & PV_TYPE_INT)) {
				snprintf(_ulh.reason, sizeof(_ulh.reason), "%d", iv);
				return 0;
			}
			snprintf(_ulh.reason, sizeof(_ulh.reason), "%.*s", sv.len, sv.s ? sv.s : "");
			return 0;
		case ULH_CN_REINVITE:
			_ulh.cn_reinvite = iv ? 1 : 0;
			return 0;
	}
	LM_ERR("this $ulh field is read-only\n");
	return -1;
}

/* ---- running the event route ----------------------------------------------------- */

static void ulh_run_route(void)
{
	struct run_act_ctx ctx;
	struct run_act_ctx *bctx;
	sr_kemi_eng_t *keng = NULL;
	int rtb;

	rtb = get_route_type();
	set_route_type(REQUEST_ROUTE);
	init_run_actions_ctx(&ctx);
	if(_ulh_rt >= 0) {
		run_top_route(event_rt.rlist[_ulh_rt], &_ulh.fmsg, &ctx);
	} else if(ul_event_callback.len > 0 && (keng = sr_kemi_eng_get()) != NULL) {
		bctx = sr_kemi_act_ctx_get();
		sr_kemi_act_ctx_set(&ctx);
		if(sr_kemi_route(keng, &_ulh.fmsg, EVENT_ROUTE, &ul_event_callback, &_ulh_evname) < 0)
			LM_ERR("error running the KEMI event callback %.*s\n", ul_event_callback.len,
					ul_event_callback.s);
		sr_kemi_act_ctx_set(bctx);
	}
	set_route_type(rtb);
}

int ul_handoff(sip_msg_t *msg)
{
	static unsigned int idgen = 0;
	ul_request_t req;
	ul_err_t err;
	struct to_body *from;
	ul_status_t *st = NULL;
	char(*reasons)[ULH_REASON_LEN] = NULL;
	struct cell *saved;
	int sb, i, n, moved = 0, refused = 0, reinv = 0, rc = -1;
	char hb[512], contact[256];
	str hdrs, body = STR_NULL;
	char *sbody = NULL;
	size_t slen = 0;

	memset(&err, 0, sizeof(err));
	if(msg->first_line.type != SIP_REQUEST
			|| msg->first_line.u.request.method_value != METHOD_INVITE) {
		LM_ERR("urilist_handoff() is for the NVG's INVITE\n");
		return -1;
	}
	if(_ulh.active) {
		LM_ERR("urilist_handoff() called from its own event route\n");
		return -1;
	}
	/* the NVG's transaction first: retransmissions are absorbed while the
	 * entries are processed */
	rc = ul_accept_list(msg, 1, &req, &from);
	if(rc <= 0)
		return rc;
	rc = -1;

	ul_tmb.t_reply(msg, 100, "Trying");
	saved = ul_tmb.t_gett();
	sb = ul_tmb.t_gett_branch();

	n = req.list.n;
	st = pkg_malloc(n * sizeof(*st));
	reasons = pkg_malloc(n * sizeof(*reasons));
	if(!st || !reasons) {
		PKG_MEM_ERROR;
		ul_reply(msg, 500, "Server Internal Error", NULL, NULL);
		rc = -2;
		goto done;
	}
	memset(&_ulh, 0, sizeof(_ulh));
	_ulh.rcv = msg->rcv;
	_ulh.nvg = from->uri;
	_ulh.sdp.s = (char *)req.parts.sdp.body;
	_ulh.sdp.len = (int)req.parts.sdp.body_len;
	snprintf(_ulh.media_ip, sizeof(_ulh.media_ip), "%s", req.media_ip);
	_ulh.media_af = req.media_af;
	_ulh.count = n;

	for(i = 0; i < n; i++) {
		const ul_entry_t *e = &req.list.entries[i];
		st[i].cn_reinvite = 0;
		st[i].reason = reasons[i];
		if(!e->has_dialog) {
			st[i].code = 403;
			snprintf(reasons[i], ULH_REASON_LEN, "entry without sh:dialog");
		} else if(_ulh_rt < 0 && ul_event_callback.len == 0) {
			st[i].code = 500;
			snprintf(reasons[i], ULH_REASON_LEN, "no handoff event route configured");
		} else {
			_ulh.e = e;
			_ulh.idx = i;
			_ulh.status = 0;
			_ulh.reason[0] = 0;
			_ulh.cn_reinvite = 0;
			_ulh.id = 0xf0000000u | ((++idgen) & 0x0fffffffu);
			if(ulh_build("INVITE", &_ulh.sdp) < 0) {
				st[i].code = 500;
				snprintf(reasons[i], ULH_REASON_LEN, "internal error (faked request)");
			} else {
				_ulh.active = 1;
				ulh_run_route();
				_ulh.active = 0;
				if(_ulh.status == 0) {
					st[i].code = 500;
					snprintf(reasons[i], ULH_REASON_LEN, "the event route set no status");
				} else {
					st[i].code = _ulh.status;
					snprintf(reasons[i], ULH_REASON_LEN, "%s",
							_ulh.reason[0] ? _ulh.reason
										   : (_ulh.status == 200 ? "moved" : "refused"));
					st[i].cn_reinvite = _ulh.cn_reinvite;
				}
			}
			ulh_free_msg();
			/* the route may have touched tm (e.g. sent a re-INVITE) */
			ul_tmb.t_sett(saved, sb);
		}
		if(st[i].code == 200)
			moved++;
		else
			refused++;
		if(st[i].cn_reinvite)
			reinv++;
	}
	memset(&_ulh, 0, sizeof(_ulh));
	set_route_type(REQUEST_ROUTE);
	update_stat(ul_st_handoff_moved, moved);
	update_stat(ul_st_handoff_refused, refused);
	update_stat(ul_st_cn_reinvites, reinv);

	sbody = ul_build_status_body_ex(&req.list, st, req.list.answer_failures, &slen);
	if(!sbody || ul_local_contact(msg, contact, sizeof(contact)) < 0) {
		ul_reply(msg, 500, "Server Internal Error", NULL, NULL);
		rc = -2;
		goto done;
	}
	hdrs.len = snprintf(hb, sizeof(hb),
			"Contact: %s\r\nContent-Type: application/resource-lists+xml\r\n", contact);
	hdrs.s = hb;
	body.s = sbody;
	body.len = (int)slen;
	LM_INFO("handoff list from %.*s: %d entries, %d moved, %d refused, %d CN re-INVITEs\n",
			from->uri.len, from->uri.s, n, moved, refused, reinv);
	rc = ul_reply(msg, 200, "OK", &hdrs, &body) < 0 ? -1 : 1;
done:
	if(sbody)
		ul_mem_free(sbody);
	if(st)
		pkg_free(st);
	if(reasons)
		pkg_free(reasons);
	ul_request_free(&req);
	return rc;
}
