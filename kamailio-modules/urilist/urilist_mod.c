/*
 * urilist module - URI-list request fan-out (RFC 5366 / RFC 5365 with
 * RFC 4826 bodies) and the NVG's handoff list (docs/handoff-list.md)
 *
 * Copyright (C) 2026 SeNEMO project
 *
 * This file is part of SeNEMO, built as an out-of-tree Kamailio module.
 * It is free software; you can redistribute it and/or modify it under the
 * terms of the GNU General Public License as published by the Free Software
 * Foundation; either version 2 of the License, or (at your option) any later
 * version.
 */

/*
 * Kamailio glue: parameters, cfg functions, KEMI, RPC, statistics, the
 * shared reply helpers and the absorption of ACK/BYE sent to the URI-list
 * service's own Contact. The fan-out is in urilist_fanout.c, the handoff
 * list in urilist_handoff.c, the body parser (plain C) in urilist_parse.c.
 */

#include <stdio.h>
#include <string.h>

#include "core/sr_module.h"
#include "core/mod_fix.h"
#include "core/dprint.h"
#include "core/ut.h"
#include "core/mem/mem.h"
#include "core/counters.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/kemi.h"
#include "core/trim.h"
#include "core/data_lump_rpl.h"
#include "core/script_cb.h"
#include "core/forward.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_uri.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_param.h"

#include "modules/sl/sl.h"

#include "urilist.h"

MODULE_VERSION

/* ---- parameters ------------------------------------------------------------ */
static int ul_max_entries = 100;
static int ul_max_body = 65536;
static int ul_max_depth = 4;
static char *ul_handoff_user_s = "nvg-handoff";
static char *ul_outbound_proxy_s = "";
static char *ul_event_callback_s = "";

ul_limits_t ul_limits;
str ul_handoff_user = STR_NULL;
str ul_outbound_proxy = STR_NULL;
str ul_event_callback = STR_NULL;

struct tm_binds ul_tmb;
static sl_api_t ul_slb;

/* ---- statistics ---------------------------------------------------------------- */
stat_var *ul_st_lists_seen = 0;
stat_var *ul_st_lists_received = 0;
stat_var *ul_st_lists_refused = 0;
stat_var *ul_st_entries = 0;
stat_var *ul_st_duplicates = 0;
stat_var *ul_st_fanout_requests = 0;
stat_var *ul_st_fanout_branches = 0;
stat_var *ul_st_fanout_branch_2xx = 0;
stat_var *ul_st_fanout_branch_failed = 0;
stat_var *ul_st_handoff_requests = 0;
stat_var *ul_st_handoff_moved = 0;
stat_var *ul_st_handoff_refused = 0;
stat_var *ul_st_cn_reinvites = 0;
stat_var *ul_st_fail[UL_E__COUNT];

static int mod_init(void);
static int child_init(int rank);
static int w_urilist_has_list(sip_msg_t *msg, char *p1, char *p2);
static int w_urilist_fanout(sip_msg_t *msg, char *p1, char *p2);
static int w_urilist_handoff(sip_msg_t *msg, char *p1, char *p2);
static int w_urilist_is_handoff(sip_msg_t *msg, char *p1, char *p2);
static int w_urilist_entry_body(sip_msg_t *msg, char *p1, char *p2);
static int w_urilist_entry_body_moved(sip_msg_t *msg, char *p1, char *p2);
static void urilist_rpc_status(rpc_t *rpc, void *ctx);

/* clang-format off */
static cmd_export_t cmds[] = {
	{"urilist_has_list", (cmd_function)w_urilist_has_list, 0, 0, 0,
		REQUEST_ROUTE | FAILURE_ROUTE | BRANCH_ROUTE},
	{"urilist_is_handoff", (cmd_function)w_urilist_is_handoff, 0, 0, 0,
		REQUEST_ROUTE},
	{"urilist_fanout", (cmd_function)w_urilist_fanout, 0, 0, 0,
		REQUEST_ROUTE},
	{"urilist_handoff", (cmd_function)w_urilist_handoff, 0, 0, 0,
		REQUEST_ROUTE},
	{"urilist_entry_body", (cmd_function)w_urilist_entry_body, 1,
		fixup_spve_null, fixup_free_spve_null, ANY_ROUTE},
	{"urilist_entry_body", (cmd_function)w_urilist_entry_body, 2,
		fixup_spve_spve, fixup_free_spve_spve, ANY_ROUTE},
	{"urilist_entry_body_moved", (cmd_function)w_urilist_entry_body_moved, 1,
		fixup_spve_null, fixup_free_spve_null, ANY_ROUTE},
	{"urilist_entry_body_moved", (cmd_function)w_urilist_entry_body_moved, 2,
		fixup_spve_spve, fixup_free_spve_spve, ANY_ROUTE},
	{0, 0, 0, 0, 0, 0}
};

static param_export_t params[] = {
	{"max_entries",     PARAM_INT,    &ul_max_entries},
	{"max_body",        PARAM_INT,    &ul_max_body},
	{"max_depth",       PARAM_INT,    &ul_max_depth},
	{"handoff_user",    PARAM_STRING, &ul_handoff_user_s},
	{"outbound_proxy",  PARAM_STRING, &ul_outbound_proxy_s},
	{"event_callback",  PARAM_STRING, &ul_event_callback_s},
	{0, 0, 0}
};

static pv_export_t mod_pvs[] = {
	{{"ulh", sizeof("ulh") - 1}, PVT_OTHER, pv_get_ulh, pv_set_ulh,
		pv_parse_ulh_name, 0, 0, 0},
	{{0, 0}, 0, 0, 0, 0, 0, 0, 0}
};

static stat_export_t mod_stats[] = {
	{"lists_seen",          0, &ul_st_lists_seen},
	{"lists_received",      0, &ul_st_lists_received},
	{"lists_refused",       0, &ul_st_lists_refused},
	{"entries",             0, &ul_st_entries},
	{"duplicates_dropped",  0, &ul_st_duplicates},
	{"fanout_requests",     0, &ul_st_fanout_requests},
	{"fanout_branches",     0, &ul_st_fanout_branches},
	{"fanout_branches_2xx", 0, &ul_st_fanout_branch_2xx},
	{"fanout_branches_failed", 0, &ul_st_fanout_branch_failed},
	{"handoff_requests",    0, &ul_st_handoff_requests},
	{"handoff_entries_moved", 0, &ul_st_handoff_moved},
	{"handoff_entries_refused", 0, &ul_st_handoff_refused},
	{"cn_reinvites",        0, &ul_st_cn_reinvites},
	{0, 0, 0}
};

static const char *urilist_rpc_status_doc[2] = {
	"Limits and counters of the urilist module", 0
};

static rpc_export_t urilist_rpc_cmds[] = {
	{"urilist.status", urilist_rpc_status, urilist_rpc_status_doc, 0},
	{0, 0, 0, 0}
};

struct module_exports exports = {
	"urilist",       /* module name */
	DEFAULT_DLFLAGS, /* dlopen flags */
	cmds,            /* cfg functions */
	params,          /* modparams */
	0,               /* RPC (registered in mod_init) */
	mod_pvs,         /* pseudo-variables */
	0,               /* response function */
	mod_init,        /* module init */
	child_init,      /* per-child init */
	0                /* destroy */
};
/* clang-format on */

/* BYE for the URI-list service's own answers (Contact sip:urilist@<this
 * proxy>): answered 200 (the service keeps no session; see README "What it
 * does not do"). An ACK is left to the script: its t_check_trans() matches
 * it to the INVITE transaction answered here, which stops tm retransmitting
 * the 200 (absorbing it here, before tm saw it, kept the 200 going).
 * Returns 0 to stop processing of the request, 1 to continue. */
static int ul_pre_script_cb(sip_msg_t *msg, unsigned int flags, void *param)
{
	static const str ok = str_init("OK");
	static const str cu = str_init(UL_CONTACT_USER);

	if(msg->first_line.type != SIP_REQUEST)
		return 1;
	if(msg->first_line.u.request.method_value != METHOD_BYE)
		return 1;
	if(parse_sip_msg_uri(msg) < 0)
		return 1;
	if(msg->parsed_uri.user.len != cu.len
			|| strncmp(msg->parsed_uri.user.s, cu.s, cu.len) != 0)
		return 1;
	if(check_self(&msg->parsed_uri.host,
			   msg->parsed_uri.port_no ? msg->parsed_uri.port_no : SIP_PORT, 0)
			!= 1)
		return 1;
	if(parse_headers(msg, HDR_TO_F, 0) < 0 || !msg->to || get_to(msg)->tag_value.len == 0)
		return 1;
	LM_DBG("BYE for the URI-list focus answered 200\n");
	ul_slb.freply(msg, 200, (str *)&ok);
	return 0;
}

static int mod_init(void)
{
	int i;
	char name[64];

	if(ul_max_entries < 1 || ul_max_entries > 100000) {
		LM_ERR("modparam max_entries: %d is outside 1..100000\n", ul_max_entries);
		return -1;
	}
	if(ul_max_body < 256 || ul_max_body > 16 * 1024 * 1024) {
		LM_ERR("modparam max_body: %d is outside 256..16777216\n", ul_max_body);
		return -1;
	}
	if(ul_max_depth < 1 || ul_max_depth > 32) {
		LM_ERR("modparam max_depth: %d is outside 1..32\n", ul_max_depth);
		return -1;
	}
	ul_limits.max_entries = ul_max_entries;
	ul_limits.max_body = (size_t)ul_max_body;
	ul_limits.max_depth = ul_max_depth;
	ul_handoff_user.s = ul_handoff_user_s;
	ul_handoff_user.len = ul_handoff_user_s ? strlen(ul_handoff_user_s) : 0;
	if(ul_handoff_user.len == 0) {
		LM_ERR("modparam handoff_user: must not be empty\n");
		return -1;
	}
	ul_outbound_proxy.s = ul_outbound_proxy_s;
	ul_outbound_proxy.len = ul_outbound_proxy_s ? strlen(ul_outbound_proxy_s) : 0;
	if(ul_outbound_proxy.len > 0) {
		struct sip_uri pu;
		if(parse_uri(ul_outbound_proxy.s, ul_outbound_proxy.len, &pu) < 0) {
			LM_ERR("modparam outbound_proxy: '%s' is not a SIP URI\n", ul_outbound_proxy.s);
			return -1;
		}
	}
	ul_event_callback.s = ul_event_callback_s;
	ul_event_callback.len = ul_event_callback_s ? strlen(ul_event_callback_s) : 0;

	/* the parser's short-lived allocations (and libxml2's) use the C
	 * library's malloc: with Kamailio's debugging qm allocator a handoff
	 * list of 100 entries spent most of its CPU in qm_malloc() */
	ul_set_allocator(NULL, NULL);

	if(load_tm_api(&ul_tmb) != 0) {
		LM_ERR("cannot load the tm API (loadmodule \"tm.so\" before urilist)\n");
		return -1;
	}
	if(sl_load_api(&ul_slb) != 0) {
		LM_ERR("cannot load the sl API (loadmodule \"sl.so\" before urilist)\n");
		return -1;
	}
	if(register_module_stats(exports.name, mod_stats) != 0) {
		LM_ERR("failed to register statistics\n");
		return -1;
	}
	for(i = 1; i < UL_E__COUNT; i++) {
		snprintf(name, sizeof(name), "refused_%s", ul_errkind_name((ul_errkind_t)i));
		if(register_stat(exports.name, name, &ul_st_fail[i], STAT_SHM_NAME) != 0) {
			LM_ERR("failed to register statistic %s\n", name);
			return -1;
		}
	}
	if(rpc_register_array(urilist_rpc_cmds) != 0) {
		LM_ERR("failed to register RPC commands\n");
		return -1;
	}
	if(register_script_cb(ul_pre_script_cb, PRE_SCRIPT_CB | REQUEST_CB, 0) < 0) {
		LM_ERR("failed to register the pre-script callback\n");
		return -1;
	}
	if(ul_fanout_init() < 0 || ul_handoff_init() < 0)
		return -1;
	return 0;
}

static int child_init(int rank)
{
	return 0;
}

/* ---- helpers shared by fan-out and handoff ----------------------------------------- */

/* the address of the socket the request came in on (Warning host, Contact) */
static int ul_local_hostport(sip_msg_t *msg, str *host, str *port, int *proto)
{
	struct socket_info *si = msg->rcv.bind_address;

	if(!si)
		return -1;
	if(si->useinfo.name.len > 0) {
		*host = si->useinfo.name;
		*port = si->useinfo.port_no_str.len ? si->useinfo.port_no_str : si->port_no_str;
	} else {
		*host = si->address_str;
		*port = si->port_no_str;
	}
	*proto = si->proto;
	return 0;
}

int ul_local_contact(sip_msg_t *msg, char *buf, int size)
{
	str h, p;
	int proto, n;
	const char *tr = "";

	if(ul_local_hostport(msg, &h, &p, &proto) < 0)
		return -1;
	if(proto == PROTO_TCP)
		tr = ";transport=tcp";
	else if(proto == PROTO_TLS)
		tr = ";transport=tls";
	if(h.len > 0 && h.s[0] != '[' && memchr(h.s, ':', h.len))
		n = snprintf(buf, size, "<sip:" UL_CONTACT_USER "@[%.*s]:%.*s%s>", h.len, h.s, p.len,
				p.s, tr);
	else
		n = snprintf(buf, size, "<sip:" UL_CONTACT_USER "@%.*s:%.*s%s>", h.len, h.s, p.len,
				p.s, tr);
	return (n < 0 || n >= size) ? -1 : n;
}

int ul_make_totag(sip_msg_t *msg, char *buf, int size)
{
	static unsigned int cnt = 0;
	unsigned int h = 2166136261u;
	int i, n;

	if(msg && msg->callid)
		for(i = 0; i < msg->callid->body.len; i++)
			h = (h ^ (unsigned char)msg->callid->body.s[i]) * 16777619u;
	n = snprintf(buf, size, UL_TOTAG_PREFIX "%08x%04x%04x", h, (unsigned)my_pid() & 0xffff,
			(++cnt) & 0xffff);
	return (n < 0 || n >= size) ? -1 : n;
}

/* the request's transaction, created first so that retransmissions are
 * absorbed while the list is handled: 1 new, 0 a retransmission (absorbed,
 * nothing to do), -1 error */
int ul_newtran(sip_msg_t *msg)
{
	struct cell *t = ul_tmb.t_gett();
	int rc;

	if(t != NULL && t != T_UNDEFINED)
		return 1; /* the script created it */
	rc = ul_tmb.t_newtran(msg);
	if(rc == 0) {
		LM_DBG("retransmission absorbed\n");
		return 0;
	}
	if(rc < 0) {
		LM_ERR("cannot create the transaction (%d)\n", rc);
		return -1;
	}
	return 1;
}

/* reply statefully from the request route; hdrs end with CRLF */
int ul_reply(sip_msg_t *msg, int code, const char *reason, const str *hdrs,
		const str *body)
{
	struct cell *t;

	t = ul_tmb.t_gett();
	if(t == NULL || t == T_UNDEFINED) {
		if(ul_tmb.t_newtran(msg) < 0) {
			LM_ERR("cannot create the transaction for the reply\n");
			return -1;
		}
	}
	if(hdrs && hdrs->len > 0
			&& add_lump_rpl(msg, hdrs->s, hdrs->len, LUMP_RPL_HDR) == 0) {
		LM_ERR("cannot add reply headers\n");
		return -1;
	}
	if(body && body->len > 0
			&& add_lump_rpl(msg, body->s, body->len, LUMP_RPL_BODY) == 0) {
		LM_ERR("cannot add the reply body\n");
		return -1;
	}
	if(ul_tmb.t_reply(msg, code, (char *)reason) < 0) {
		LM_ERR("cannot send %d %s\n", code, reason);
		return -1;
	}
	return 0;
}

static const char *ul_reason_phrase(int code)
{
	switch(code) {
		case 400:
			return "Bad Request";
		case 403:
			return "Forbidden";
		case 413:
			return "Request Entity Too Large";
		case 415:
			return "Unsupported Media Type";
		case 420:
			return "Bad Extension";
		default:
			return "Server Internal Error";
	}
}

/* the RFC's error response: Warning: 399 <host> "<problem>" (plus
 * Unsupported for 420, Accept for 415) */
int ul_reply_error(sip_msg_t *msg, const ul_err_t *err)
{
	char hb[512];
	str hdrs, h, p;
	int proto, n, code = err->code ? err->code : 500;

	if(ul_local_hostport(msg, &h, &p, &proto) < 0) {
		h.s = "urilist";
		h.len = 7;
	}
	n = snprintf(hb, sizeof(hb), "Warning: 399 %.*s \"%s\"\r\n", h.len, h.s, err->reason);
	if(n < 0 || n >= (int)sizeof(hb))
		n = snprintf(hb, sizeof(hb), "Warning: 399 %.*s \"%s\"\r\n", h.len, h.s,
				ul_errkind_name(err->kind));
	if(code == 420 && msg->require) {
		/* the tag that was refused, from the reason "option tag X not ..." */
		const char *r = strstr(err->reason, "option tag ");
		if(r) {
			const char *e;
			r += 11;
			e = strchr(r, ' ');
			if(e)
				n += snprintf(hb + n, sizeof(hb) - n, "Unsupported: %.*s\r\n", (int)(e - r), r);
		}
	}
	if(code == 415 && n < (int)sizeof(hb))
		n += snprintf(hb + n, sizeof(hb) - n,
				"Accept: multipart/mixed, application/resource-lists+xml\r\n");
	if(n >= (int)sizeof(hb))
		n = sizeof(hb) - 1;
	hdrs.s = hb;
	hdrs.len = n;
	LM_NOTICE("%.*s from %s:%d refused: %d %s\n", msg->first_line.u.request.method.len,
			msg->first_line.u.request.method.s, ip_addr2a(&msg->rcv.src_ip),
			msg->rcv.src_port, code, err->reason);
	update_stat(ul_st_lists_refused, 1);
	if(err->kind > UL_OK && err->kind < UL_E__COUNT && ul_st_fail[err->kind])
		update_stat(ul_st_fail[err->kind], 1);
	return ul_reply(msg, code, ul_reason_phrase(code), &hdrs, NULL);
}

/* The common start of urilist_fanout() and urilist_handoff(): the sender's
 * transaction (a retransmission stops here), the list parsed, the From
 * header checked, the counters. Returns 1 with *req filled and *from set;
 * otherwise what the caller returns, with nothing left to free: 0 for a
 * retransmission, -2 once a 4xx with a Warning was sent, -1 on an internal
 * error. */
int ul_accept_list(sip_msg_t *msg, int handoff, ul_request_t *req, struct to_body **from)
{
	ul_err_t err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = ul_newtran(msg);
	if(rc <= 0)
		return rc;
	if(ul_parse_msg_request(msg, handoff, req, &err) < 0) {
		ul_request_free(req);
		return ul_reply_error(msg, &err) < 0 ? -1 : -2;
	}
	if(parse_from_header(msg) < 0 || !(*from = get_from(msg))) {
		ul_request_free(req);
		err.code = 400;
		err.kind = UL_E_MULTIPART;
		snprintf(err.reason, sizeof(err.reason), "malformed From header");
		return ul_reply_error(msg, &err) < 0 ? -1 : -2;
	}
	update_stat(ul_st_lists_received, 1);
	update_stat(handoff ? ul_st_handoff_requests : ul_st_fanout_requests, 1);
	update_stat(ul_st_entries, req->list.n);
	update_stat(ul_st_duplicates, req->list.dups);
	return 1;
}

/* run the body parser on a request */
int ul_parse_msg_request(sip_msg_t *msg, int handoff, ul_request_t *req, ul_err_t *err)
{
	str body = STR_NULL, ct = STR_NULL, rq = STR_NULL;
	hdr_field_t *hf;
	char *rqbuf = NULL;
	int method, rc, off;

	memset(req, 0, sizeof(*req));
	if(parse_headers(msg, HDR_EOH_F, 0) < 0) {
		snprintf(err->reason, sizeof(err->reason), "malformed SIP headers");
		err->code = 400;
		err->kind = UL_E_MULTIPART;
		return -1;
	}
	method = (msg->first_line.u.request.method_value == METHOD_MESSAGE) ? UL_REQ_MESSAGE
																		 : UL_REQ_INVITE;
	if(msg->content_type)
		ct = msg->content_type->body;
	body.s = get_body(msg);
	if(body.s) {
		body.len = msg->buf + msg->len - body.s;
		if(msg->content_length) {
			int cl = get_content_length(msg);
			if(cl >= 0 && cl < body.len)
				body.len = cl;
		}
	}
	/* all Require headers, comma-joined */
	if(msg->require) {
		int total = 0;
		for(hf = msg->require; hf; hf = next_sibling_hdr(hf))
			total += hf->body.len + 1;
		rqbuf = pkg_malloc(total + 1);
		if(!rqbuf) {
			err->code = 500;
			err->kind = UL_E_NOMEM;
			snprintf(err->reason, sizeof(err->reason), "out of memory");
			return -1;
		}
		off = 0;
		for(hf = msg->require; hf; hf = next_sibling_hdr(hf)) {
			memcpy(rqbuf + off, hf->body.s, hf->body.len);
			off += hf->body.len;
			rqbuf[off++] = ',';
		}
		rq.s = rqbuf;
		rq.len = off;
	}
	rc = ul_parse_request(method, handoff, rq.s, rq.len, ct.s, ct.len, body.s, body.len,
			&ul_limits, req, err);
	if(rqbuf)
		pkg_free(rqbuf);
	return rc;
}

/* ---- cfg functions ------------------------------------------------------------------- */

/* 1 if the request asks for recipient-list handling (RFC 5366 / 5365
 * Require tag, or a body that holds a recipient list), -1 otherwise */
static int ki_urilist_has_list(sip_msg_t *msg)
{
	hdr_field_t *hf;
	str ct, body;

	if(parse_headers(msg, HDR_EOH_F, 0) < 0) {
		LM_ERR("malformed SIP headers\n");
		return -1;
	}
	for(hf = msg->require; hf; hf = next_sibling_hdr(hf))
		if(ul_has_option_tag(hf->body.s, hf->body.len, "recipient-list-invite")
				|| ul_has_option_tag(hf->body.s, hf->body.len, "recipient-list-message"))
			goto found;
	if(msg->content_type) {
		ct = msg->content_type->body;
		body.s = get_body(msg);
		body.len = body.s ? msg->buf + msg->len - body.s : 0;
		if(ul_body_has_list(ct.s, ct.len, body.s, body.len))
			goto found;
	}
	return -1;
found:
	update_stat(ul_st_lists_seen, 1);
	return 1;
}

static int w_urilist_has_list(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_urilist_has_list(msg);
}

/* 1 if the Request-URI user is the handoff service (modparam handoff_user) */
static int ki_urilist_is_handoff(sip_msg_t *msg)
{
	if(parse_sip_msg_uri(msg) < 0)
		return -1;
	if(msg->parsed_uri.user.len == ul_handoff_user.len
			&& strncmp(msg->parsed_uri.user.s, ul_handoff_user.s, ul_handoff_user.len) == 0)
		return 1;
	return -1;
}

static int w_urilist_is_handoff(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_urilist_is_handoff(msg);
}

static int ki_urilist_fanout(sip_msg_t *msg)
{
	return ul_fanout(msg);
}

static int w_urilist_fanout(sip_msg_t *msg, char *p1, char *p2)
{
	return ul_fanout(msg);
}

static int ki_urilist_handoff(sip_msg_t *msg)
{
	return ul_handoff(msg);
}

static int w_urilist_handoff(sip_msg_t *msg, char *p1, char *p2)
{
	return ul_handoff(msg);
}

static int ki_urilist_entry_body(sip_msg_t *msg, str *sdp)
{
	return ul_entry_body(msg, sdp, NULL, 0);
}

static int ki_urilist_entry_body_method(sip_msg_t *msg, str *sdp, str *method)
{
	return ul_entry_body(msg, sdp, method, 0);
}

static int ki_urilist_entry_body_moved(sip_msg_t *msg, str *sdp)
{
	return ul_entry_body(msg, sdp, NULL, 1);
}

static int ki_urilist_entry_body_moved_method(sip_msg_t *msg, str *sdp, str *method)
{
	return ul_entry_body(msg, sdp, method, 1);
}

static int w_entry_body(sip_msg_t *msg, char *p1, char *p2, int moved)
{
	str sdp = STR_NULL, method = STR_NULL;

	if(fixup_get_svalue(msg, (gparam_t *)p1, &sdp) < 0) {
		LM_ERR("cannot get the SDP parameter\n");
		return -1;
	}
	if(p2 && fixup_get_svalue(msg, (gparam_t *)p2, &method) < 0) {
		LM_ERR("cannot get the method parameter\n");
		return -1;
	}
	return ul_entry_body(msg, &sdp, p2 ? &method : NULL, moved);
}

static int w_urilist_entry_body(sip_msg_t *msg, char *p1, char *p2)
{
	return w_entry_body(msg, p1, p2, 0);
}

static int w_urilist_entry_body_moved(sip_msg_t *msg, char *p1, char *p2)
{
	return w_entry_body(msg, p1, p2, 1);
}

/* ---- RPC ------------------------------------------------------------------------------ */

static void urilist_rpc_status(rpc_t *rpc, void *ctx)
{
	void *th, *fh;
	int i, active = 0;

	ul_fanout_rpc_stats(&active);
	if(rpc->add(ctx, "{", &th) < 0) {
		rpc->fault(ctx, 500, "Internal error creating structure");
		return;
	}
	rpc->struct_add(th, "dddSS", "max_entries", ul_limits.max_entries, "max_body",
			(int)ul_limits.max_body, "max_depth", ul_limits.max_depth, "handoff_user",
			&ul_handoff_user, "outbound_proxy", &ul_outbound_proxy);
	rpc->struct_add(th, "dddddd", "lists_seen", (int)get_stat_val(ul_st_lists_seen),
			"lists_received", (int)get_stat_val(ul_st_lists_received), "lists_refused",
			(int)get_stat_val(ul_st_lists_refused), "entries",
			(int)get_stat_val(ul_st_entries), "duplicates_dropped",
			(int)get_stat_val(ul_st_duplicates), "fanouts_active", active);
	rpc->struct_add(th, "dddd", "fanout_requests", (int)get_stat_val(ul_st_fanout_requests),
			"fanout_branches", (int)get_stat_val(ul_st_fanout_branches),
			"fanout_branches_2xx", (int)get_stat_val(ul_st_fanout_branch_2xx),
			"fanout_branches_failed", (int)get_stat_val(ul_st_fanout_branch_failed));
	rpc->struct_add(th, "dddd", "handoff_requests",
			(int)get_stat_val(ul_st_handoff_requests), "handoff_entries_moved",
			(int)get_stat_val(ul_st_handoff_moved), "handoff_entries_refused",
			(int)get_stat_val(ul_st_handoff_refused), "cn_reinvites",
			(int)get_stat_val(ul_st_cn_reinvites));
	if(rpc->struct_add(th, "{", "failures", &fh) < 0) {
		rpc->fault(ctx, 500, "Internal error creating structure");
		return;
	}
	for(i = 1; i < UL_E__COUNT; i++)
		rpc->struct_add(fh, "d", ul_errkind_name((ul_errkind_t)i),
				(int)get_stat_val(ul_st_fail[i]));
}

/* ---- KEMI ------------------------------------------------------------------------------ */

/* clang-format off */
static sr_kemi_t sr_kemi_urilist_exports[] = {
	{ str_init("urilist"), str_init("urilist_has_list"),
		SR_KEMIP_INT, ki_urilist_has_list,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("urilist"), str_init("urilist_is_handoff"),
		SR_KEMIP_INT, ki_urilist_is_handoff,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("urilist"), str_init("urilist_fanout"),
		SR_KEMIP_INT, ki_urilist_fanout,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("urilist"), str_init("urilist_handoff"),
		SR_KEMIP_INT, ki_urilist_handoff,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("urilist"), str_init("urilist_entry_body"),
		SR_KEMIP_INT, ki_urilist_entry_body,
		{ SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("urilist"), str_init("urilist_entry_body_method"),
		SR_KEMIP_INT, ki_urilist_entry_body_method,
		{ SR_KEMIP_STR, SR_KEMIP_STR, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("urilist"), str_init("urilist_entry_body_moved"),
		SR_KEMIP_INT, ki_urilist_entry_body_moved,
		{ SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("urilist"), str_init("urilist_entry_body_moved_method"),
		SR_KEMIP_INT, ki_urilist_entry_body_moved_method,
		{ SR_KEMIP_STR, SR_KEMIP_STR, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ {0, 0}, {0, 0}, 0, NULL, { 0, 0, 0, 0, 0, 0 } }
};
/* clang-format on */

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(sr_kemi_urilist_exports);
	return 0;
}
