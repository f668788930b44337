/*
 * hotp_auth module - one-round-trip HOTP authentication through a Diameter
 * SIP application server (RFC 4740 UAR/MAR) reached with Kamailio's cdp
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
 * Kamailio glue: parameters, cfg functions and KEMI, the $hotp(...) PV,
 * replies, RPC, statistics. The credential parser is hotp_cred.c (plain C),
 * Diameter messages are built in hotp_auth_diameter.c and the asynchronous
 * exchanges run in hotp_auth_async.c. See README.md.
 */

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/ut.h"
#include "core/counters.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/route.h"
#include "core/pvar.h"
#include "core/kemi.h"
#include "core/mod_fix.h"
#include "core/timer_proc.h"
#include "core/data_lump.h"
#include "core/data_lump_rpl.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_expires.h"
#include "core/parser/contact/parse_contact.h"
#include "modules/cdp/peer.h"

#include "hotp_auth.h"

MODULE_VERSION

/* ---- parameters ------------------------------------------------------------ */

str ha_dest_realm = str_init("");
int ha_retry_after = 5;
int ha_timeout_ms = 0;
int ha_register_uar = 1;
int ha_detailed_warnings = 0;
static int ha_max_pending = 10000;
static int ha_consume_credentials = 1;
static str ha_challenge_realm = str_init("");
static str ha_warning_agent = str_init("");

struct tm_binds ha_tmb;
ha_ctx_t ha_ctx;

/* ---- statistics ------------------------------------------------------------ */

stat_var *ha_st_uar_sent = 0;
stat_var *ha_st_mar_sent = 0;
stat_var *ha_st_auth_ok = 0;
stat_var *ha_st_auth_rejected = 0;
stat_var *ha_st_malformed = 0;
stat_var *ha_st_identity_mismatch = 0;
stat_var *ha_st_no_credentials = 0;
stat_var *ha_st_diameter_errors = 0;
stat_var *ha_st_timeouts = 0;
stat_var *ha_st_ordered_waits = 0;

static counter_val_t ha_stat_pending(void)
{
	return (counter_val_t)ha_async_pending();
}

static counter_val_t ha_stat_avg_rtt_us(void)
{
	return (counter_val_t)ha_async_avg_rtt_us();
}

static counter_val_t ha_stat_avg_rtt_ms(void)
{
	return (counter_val_t)(ha_async_avg_rtt_us() / 1000);
}

/* cdp's peer list, looked up in cdp.so for hotp_auth.status (read only) */
typedef struct ha_peer_list {
	peer *head;
	peer *tail;
} ha_peer_list_t;
static ha_peer_list_t **ha_cdp_peer_list = NULL;
static gen_lock_t **ha_cdp_peer_list_lock = NULL;

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);
static int w_hotp_auth_www(sip_msg_t *msg, char *route, char *p2);
static int w_hotp_auth_proxy(sip_msg_t *msg, char *route, char *p2);
static int w_hotp_auth_reply(sip_msg_t *msg, char *p1, char *p2);
static int fixup_ha_route(void **param, int param_no);
static int pv_get_hotp(sip_msg_t *msg, pv_param_t *param, pv_value_t *res);
static int pv_parse_hotp_name(pv_spec_t *sp, str *in);
static void ha_rpc_uar(rpc_t *rpc, void *ctx);
static void ha_rpc_status(rpc_t *rpc, void *ctx);

/* clang-format off */
static cmd_export_t cmds[] = {
	{"hotp_auth_www",   (cmd_function)w_hotp_auth_www,   1, fixup_ha_route, 0,
		REQUEST_ROUTE},
	{"hotp_auth_proxy", (cmd_function)w_hotp_auth_proxy, 1, fixup_ha_route, 0,
		REQUEST_ROUTE},
	{"hotp_auth_reply", (cmd_function)w_hotp_auth_reply, 0, 0, 0,
		REQUEST_ROUTE | FAILURE_ROUTE},
	{0, 0, 0, 0, 0, 0}
};

static param_export_t params[] = {
	{"dest_realm",          PARAM_STR, &ha_dest_realm},
	{"retry_after",         PARAM_INT, &ha_retry_after},
	{"timeout",             PARAM_INT, &ha_timeout_ms},
	{"max_pending",         PARAM_INT, &ha_max_pending},
	{"register_uar",        PARAM_INT, &ha_register_uar},
	{"consume_credentials", PARAM_INT, &ha_consume_credentials},
	{"detailed_warnings",   PARAM_INT, &ha_detailed_warnings},
	{"challenge_realm",     PARAM_STR, &ha_challenge_realm},
	{"warning_agent",       PARAM_STR, &ha_warning_agent},
	{0, 0, 0}
};

static stat_export_t mod_stats[] = {
	{"uar_sent",          0, &ha_st_uar_sent},
	{"mar_sent",          0, &ha_st_mar_sent},
	{"auth_ok",           0, &ha_st_auth_ok},
	{"auth_rejected",     0, &ha_st_auth_rejected},
	{"malformed",         0, &ha_st_malformed},
	{"identity_mismatch", 0, &ha_st_identity_mismatch},
	{"no_credentials",    0, &ha_st_no_credentials},
	{"diameter_errors",   0, &ha_st_diameter_errors},
	{"timeouts",          0, &ha_st_timeouts},
	{"ordered_waits",     0, &ha_st_ordered_waits},
	{"pending",           STAT_IS_FUNC | STAT_NO_RESET, (stat_var **)ha_stat_pending},
	{"avg_response_ms",   STAT_IS_FUNC | STAT_NO_RESET, (stat_var **)ha_stat_avg_rtt_ms},
	{"avg_response_us",   STAT_IS_FUNC | STAT_NO_RESET, (stat_var **)ha_stat_avg_rtt_us},
	{0, 0, 0}
};

static pv_export_t mod_pvs[] = {
	{{"hotp", sizeof("hotp") - 1}, PVT_OTHER, pv_get_hotp, 0,
		pv_parse_hotp_name, 0, 0, 0},
	{{0, 0}, 0, 0, 0, 0, 0, 0, 0}
};

static const char *ha_rpc_uar_doc[2] = {
	"Send a User-Authorization-Request for an AoR and return the answer's "
	"Result-Code (diagnostics: checks the path to the Diameter server)", 0
};
static const char *ha_rpc_status_doc[2] = {
	"Configuration, counters, authentications in flight and the state of "
	"cdp's Diameter peers", 0
};

static rpc_export_t ha_rpc_cmds[] = {
	{"hotp_auth.uar",    ha_rpc_uar,    ha_rpc_uar_doc,    0},
	{"hotp_auth.status", ha_rpc_status, ha_rpc_status_doc, 0},
	{0, 0, 0, 0}
};

struct module_exports exports = {
	"hotp_auth",     /* module name */
	DEFAULT_DLFLAGS, /* dlopen flags */
	cmds,            /* cfg functions */
	params,          /* modparams */
	0,               /* RPC (registered in mod_init) */
	mod_pvs,         /* pseudo-variables */
	0,               /* response function */
	mod_init,        /* module init */
	child_init,      /* per-child init */
	mod_destroy      /* destroy */
};
/* clang-format on */

/* ---- init ----------------------------------------------------------------- */

static int mod_init(void)
{
	sr_module_t *cdp;

	if(ha_dest_realm.len == 0) {
		LM_ERR("modparam dest_realm is required (the Diameter server's Realm)\n");
		return -1;
	}
	if(ha_retry_after < 0 || ha_retry_after > 86400) {
		LM_ERR("modparam retry_after: %d is not in 0..86400 seconds\n", ha_retry_after);
		return -1;
	}
	if(ha_timeout_ms < 0 || ha_timeout_ms > 600000) {
		LM_ERR("modparam timeout: %d is not in 0..600000 ms\n", ha_timeout_ms);
		return -1;
	}
	if(ha_max_pending < 1) {
		LM_ERR("modparam max_pending: %d is not a positive number\n", ha_max_pending);
		return -1;
	}
	if(ha_challenge_realm.len == 0)
		ha_challenge_realm = ha_dest_realm;
	if(load_tm_api(&ha_tmb) != 0) {
		LM_ERR("cannot bind to the tm module (load tm before hotp_auth)\n");
		return -1;
	}
	if(load_cdp_api(&ha_cdp) != 0) {
		LM_ERR("cannot bind to the cdp module (load cdp before hotp_auth)\n");
		return -1;
	}
	if(register_module_stats(exports.name, mod_stats) != 0) {
		LM_ERR("failed to register statistics\n");
		return -1;
	}
	if(rpc_register_array(ha_rpc_cmds) != 0) {
		LM_ERR("failed to register RPC commands\n");
		return -1;
	}
	if(ha_async_init() != 0)
		return -1;
	/* one process resumes timed-out authentications */
	register_basic_timers(1);

	cdp = find_module_by_name("cdp");
	if(cdp && cdp->handle) {
		ha_cdp_peer_list = (ha_peer_list_t **)dlsym(cdp->handle, "peer_list");
		ha_cdp_peer_list_lock = (gen_lock_t **)dlsym(cdp->handle, "peer_list_lock");
	}
	return 0;
}

static int child_init(int rank)
{
	if(rank == PROC_MAIN) {
		if(fork_basic_utimer(PROC_TIMER, "HOTP_AUTH TIMER", 1, ha_async_timer,
				   NULL, 100000 /* us */) < 0) {
			LM_ERR("cannot start the timer process\n");
			return -1;
		}
	}
	return 0;
}

static void mod_destroy(void)
{
	ha_async_destroy();
}

/* ---- outcome context --------------------------------------------------------- */

void ha_ctx_set(int valid, sip_msg_t *msg, int rc, int status,
		const char *reason, const char *warning)
{
	int proxy;

	if(msg) {
		/* a new outcome for msg: start from a clean context */
		proxy = ha_ctx.proxy;
		memset(&ha_ctx, 0, sizeof(ha_ctx));
		ha_ctx.msg_id = msg->id;
		ha_ctx.msg_pid = msg->pid;
		ha_ctx.proxy = proxy;
	}
	/* msg NULL: update the outcome of the message already tagged */
	ha_ctx.valid = valid;
	ha_ctx.rc = rc;
	ha_ctx.status = status;
	snprintf(ha_ctx.reason, sizeof(ha_ctx.reason), "%s", reason ? reason : "");
	snprintf(ha_ctx.warning, sizeof(ha_ctx.warning), "%s", warning ? warning : "");
}

/* the outcome applies to msg: set for it in this process, or being resumed */
static int ha_ctx_for(sip_msg_t *msg)
{
	if(ha_ctx.valid == HA_CTX_ASYNC)
		return 1;
	return ha_ctx.valid == HA_CTX_SYNC && msg && msg->id == ha_ctx.msg_id
		   && msg->pid == ha_ctx.msg_pid;
}

/* ---- the credential, the identity, the registration type -------------------- */

static int ha_same_identity(sip_uri_t *u, hc_cred_t *c)
{
	return u->user.len == (int)c->username_len
		   && memcmp(u->user.s, c->username, c->username_len) == 0
		   && u->host.len == (int)c->realm_len
		   && strncasecmp(u->host.s, c->realm, c->realm_len) == 0;
}

/* REGISTER removing bindings only: Contact: *, or every contact expiring
 * now (expires=0 or, without the parameter, Expires: 0). A query (no
 * Contact) is a REGISTRATION. */
static int ha_is_deregistration(sip_msg_t *msg)
{
	hdr_field_t *h;
	contact_body_t *cb;
	contact_t *c;
	int hdr_exp = -1, n = 0;
	unsigned int v;

	if(msg->expires && (msg->expires->parsed || parse_expires(msg->expires) == 0)
			&& ((exp_body_t *)msg->expires->parsed)->valid)
		hdr_exp = (int)((exp_body_t *)msg->expires->parsed)->val;
	if(!msg->contact || parse_contact_headers(msg) < 0)
		return 0;
	for(h = msg->contact; h; h = next_sibling_hdr(h)) {
		cb = (contact_body_t *)h->parsed;
		if(!cb)
			continue;
		if(cb->star)
			return 1;
		for(c = cb->contacts; c; c = c->next) {
			n++;
			if(c->expires && c->expires->body.len > 0) {
				if(str2int(&c->expires->body, &v) < 0 || v != 0)
					return 0;
			} else if(hdr_exp != 0) {
				return 0;
			}
		}
	}
	return n > 0;
}

static int ha_malformed(const char *text)
{
	update_stat(ha_st_malformed, 1);
	ha_ctx_set(HA_CTX_SYNC, NULL, HA_ERR_MALFORMED, 400, text, text);
	return HA_ERR_MALFORMED;
}

static int ha_auth(sip_msg_t *msg, cfg_action_t *act, str *cbname, int proxy)
{
	hdr_field_t *h, *found = NULL;
	hc_cred_t cred, tmp;
	sip_uri_t *uri;
	ha_pending_t *p;
	AAAMessage *req;
	tm_cell_t *t;
	str aor, user_name;
	int rc, is_reg, saw_other = 0;
	hdr_types_t want = proxy ? HDR_PROXYAUTH_T : HDR_AUTHORIZATION_T;

	ha_ctx.proxy = proxy;
	ha_ctx_set(HA_CTX_SYNC, msg, HA_ERR_INTERNAL, 500, "internal error",
			"internal error");
	/* ha_ctx_set() with a NULL msg below keeps the tag set here */
	if(msg->first_line.type != SIP_REQUEST)
		return HA_ERR_INTERNAL;
	if(msg->REQ_METHOD & (METHOD_ACK | METHOD_CANCEL)) {
		LM_ERR("ACK and CANCEL are never authenticated (fix the cfg)\n");
		return HA_ERR_INTERNAL;
	}
	if(cbname && cbname->len >= HA_CBNAME_MAX) {
		LM_ERR("callback name longer than %d\n", HA_CBNAME_MAX - 1);
		return HA_ERR_INTERNAL;
	}
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return ha_malformed("headers: cannot parse");

	for(h = msg->headers; h; h = h->next) {
		if(h->type != want)
			continue;
		rc = hc_parse(h->body.s, (size_t)h->body.len, &tmp);
		if(rc == HC_NOT_HOTP) {
			saw_other = 1;
			continue;
		}
		if(rc != HC_OK)
			return ha_malformed(tmp.error);
		if(found)
			return ha_malformed("credentials: more than one HOTP credential");
		found = h;
		memcpy(&cred, &tmp, sizeof(cred));
	}
	if(!found) {
		update_stat(ha_st_no_credentials, 1);
		ha_ctx_set(HA_CTX_SYNC, NULL, HA_ERR_NO_CRED, proxy ? 407 : 401,
				saw_other ? "scheme: not HOTP" : "credentials: missing",
				"HOTP credentials required");
		return HA_ERR_NO_CRED;
	}

	/* hosts compare case-insensitively: the realm goes to Diameter in lower
	 * case, so the server's exact AoR lookup does not depend on the client */
	for(rc = 0; rc < (int)cred.realm_len; rc++)
		if(cred.realm[rc] >= 'A' && cred.realm[rc] <= 'Z')
			cred.realm[rc] = (char)(cred.realm[rc] - 'A' + 'a');
	snprintf(ha_ctx.aor, sizeof(ha_ctx.aor), "sip:%s@%s", cred.username, cred.realm);
	snprintf(ha_ctx.user, sizeof(ha_ctx.user), "%s@%s", cred.username, cred.realm);

	/* the credential must be for the identity the request claims */
	is_reg = (msg->REQ_METHOD == METHOD_REGISTER);
	uri = is_reg ? parse_to_uri(msg) : parse_from_uri(msg);
	if(!uri)
		return ha_malformed(is_reg ? "To: cannot parse the URI"
								   : "From: cannot parse the URI");
	if(!ha_same_identity(uri, &cred)) {
		update_stat(ha_st_identity_mismatch, 1);
		LM_NOTICE("%.*s: credential of %s does not match the %s URI\n",
				msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s, ha_ctx.aor,
				is_reg ? "To" : "From");
		ha_ctx_set(HA_CTX_SYNC, NULL, HA_ERR_IDENTITY, 403, "identity mismatch",
				"identity mismatch");
		return HA_ERR_IDENTITY;
	}

	/* bounded: a stalled Diameter server must not pile up parked
	 * transactions until shared memory runs out (fail closed: 503) */
	if(ha_async_pending() >= ha_max_pending) {
		update_stat(ha_st_diameter_errors, 1);
		ha_ctx_set(HA_CTX_SYNC, NULL, HA_ERR_UNAVAILABLE, 503,
				"too many authentications in flight",
				ha_detailed_warnings
						? "authentication server unavailable: too many in flight"
						: "authentication server unavailable");
		LM_WARN("%d authentications in flight (max_pending): 503 for %s\n",
				ha_async_pending(), ha_ctx.aor);
		return HA_ERR_UNAVAILABLE;
	}

	/* the transaction (a retransmission is absorbed by tm) */
	t = ha_tmb.t_gett();
	if(t == NULL || t == T_UNDEFINED) {
		rc = ha_tmb.t_newtran(msg);
		if(rc < 0) {
			LM_ERR("cannot create the transaction\n");
			return HA_ERR_INTERNAL;
		}
		if(rc == 0)
			return HA_SUSPENDED; /* retransmission: nothing more to do */
	}

	p = ha_pending_new(&msg->first_line.u.request.method, &msg->first_line.u.request.uri);
	if(!p)
		return HA_ERR_INTERNAL;
	p->act = act;
	if(cbname && cbname->len > 0) {
		memcpy(p->cbname, cbname->s, cbname->len);
		p->cbname_len = cbname->len;
	}
	p->proxy = proxy;
	memcpy(p->username, cred.username, cred.username_len + 1);
	memcpy(p->realm, cred.realm, cred.realm_len + 1);
	memcpy(p->otp, cred.otp, cred.otp_len + 1);
	memset(cred.otp, 0, sizeof(cred.otp));
	memset(tmp.otp, 0, sizeof(tmp.otp));
	if(cred.has_counter)
		snprintf(p->nonce, sizeof(p->nonce), "c=%llu", (unsigned long long)cred.counter);
	else
		snprintf(p->nonce, sizeof(p->nonce), "c=-");
	memcpy(p->aor, ha_ctx.aor, sizeof(p->aor));
	memcpy(p->user_name, ha_ctx.user, sizeof(p->user_name));
	p->uat = is_reg ? (ha_is_deregistration(msg) ? HA_UAT_DEREGISTRATION
												 : HA_UAT_REGISTRATION)
					: -1;

	if(is_reg && ha_register_uar) {
		p->stage = HA_STAGE_UAR;
		aor.s = p->aor;
		aor.len = strlen(p->aor);
		user_name.s = p->user_name;
		user_name.len = strlen(p->user_name);
		req = ha_build_uar(&aor, &ha_dest_realm, &user_name, p->uat);
	} else {
		p->stage = HA_STAGE_MAR;
		req = ha_pending_mar(p);
	}
	if(!req) {
		ha_pending_free(p);
		return HA_ERR_INTERNAL;
	}
	ha_ctx.stage = p->stage;

	/* the OTP is not forwarded: the relayed request carries no credential
	 * (the removal is saved with the suspended transaction) */
	if(ha_consume_credentials
			&& del_lump(msg, found->name.s - msg->buf, found->len, 0) == 0)
		LM_WARN("cannot remove the credential header\n");

	rc = ha_async_start(msg, p, req);
	if(rc == HA_ERR_UNAVAILABLE) {
		ha_ctx.rc = HA_ERR_UNAVAILABLE;
		ha_ctx.status = 503;
		snprintf(ha_ctx.reason, sizeof(ha_ctx.reason), "no open Diameter peer");
		snprintf(ha_ctx.warning, sizeof(ha_ctx.warning),
				ha_detailed_warnings
						? "authentication server unavailable: no open Diameter peer"
						: "authentication server unavailable");
		LM_NOTICE("%.*s %s: no open Diameter peer, nothing sent\n",
				msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s, ha_ctx.aor);
	} else if(rc == HA_SUSPENDED) {
		ha_ctx.rc = HA_SUSPENDED;
		ha_ctx.status = 0;
	}
	return rc;
}

/* cfg wrappers */
static int fixup_ha_route(void **param, int param_no)
{
	int ri;
	char *name = (char *)*param;

	if(param_no != 1)
		return 0;
	ri = route_lookup(&main_rt, name);
	if(ri < 0) {
		LM_ERR("route block '%s' (hotp_auth_www/hotp_auth_proxy parameter) not "
			   "found\n", name);
		return E_CFG;
	}
	*param = (void *)(long)ri;
	return 0;
}

static cfg_action_t *ha_route_action(char *p)
{
	int ri = (int)(long)p;

	if(ri < 0 || ri >= main_rt.idx || main_rt.rlist[ri] == NULL) {
		LM_ERR("route block %d is empty\n", ri);
		return NULL;
	}
	return main_rt.rlist[ri];
}

static int w_hotp_auth_www(sip_msg_t *msg, char *route, char *p2)
{
	cfg_action_t *act = ha_route_action(route);
	if(!act)
		return HA_ERR_INTERNAL;
	return ha_auth(msg, act, NULL, 0); /* 0 (suspended) ends the script */
}

static int w_hotp_auth_proxy(sip_msg_t *msg, char *route, char *p2)
{
	cfg_action_t *act = ha_route_action(route);
	if(!act)
		return HA_ERR_INTERNAL;
	return ha_auth(msg, act, NULL, 1);
}

/* KEMI: with a KEMI engine the parameter names the callback function;
 * without one (native cfg calling through KSR) it names a route block */
static int ki_hotp_auth(sip_msg_t *msg, str *rn, int proxy)
{
	cfg_action_t *act = NULL;
	int ri;

	if(rn == NULL || rn->s == NULL || rn->len <= 0) {
		LM_ERR("missing route/callback name\n");
		return HA_ERR_INTERNAL;
	}
	if(sr_kemi_eng_get() == NULL) {
		ri = route_lookup(&main_rt, rn->s);
		if(ri < 0 || main_rt.rlist[ri] == NULL) {
			LM_ERR("route block not found or empty: %.*s\n", rn->len, rn->s);
			return HA_ERR_INTERNAL;
		}
		act = main_rt.rlist[ri];
		return ha_auth(msg, act, NULL, proxy);
	}
	return ha_auth(msg, NULL, rn, proxy);
}

static int ki_hotp_auth_www(sip_msg_t *msg, str *rn)
{
	return ki_hotp_auth(msg, rn, 0);
}

static int ki_hotp_auth_proxy(sip_msg_t *msg, str *rn)
{
	return ki_hotp_auth(msg, rn, 1);
}

/* ---- replies ------------------------------------------------------------------ */

static int ha_warn_agent(sip_msg_t *msg, char *buf, int sz)
{
	struct socket_info *si = msg->rcv.bind_address;
	str *a, *port;

	if(ha_warning_agent.len > 0)
		return snprintf(buf, sz, "%.*s", ha_warning_agent.len, ha_warning_agent.s);
	if(!si)
		return snprintf(buf, sz, "%s", "hotp_auth");
	a = si->useinfo.name.len > 0 ? &si->useinfo.name : &si->address_str;
	port = si->useinfo.port_no_str.len > 0 ? &si->useinfo.port_no_str : &si->port_no_str;
	if(si->address.af == AF_INET6 && a->len > 0 && a->s[0] != '[')
		return snprintf(buf, sz, "[%.*s]:%.*s", a->len, a->s, port->len, port->s);
	return snprintf(buf, sz, "%.*s:%.*s", a->len, a->s, port->len, port->s);
}

static int ha_reply(sip_msg_t *msg)
{
	char hdrs[768], agent[128];
	const char *phrase;
	int code, n = 0, rc;
	tm_cell_t *t;

	if(!ha_ctx_for(msg)) {
		LM_ERR("no hotp_auth outcome for this request (call hotp_auth_www/"
			   "hotp_auth_proxy first, in the same route or the resumed one)\n");
		return -1;
	}
	if(msg->first_line.type != SIP_REQUEST || msg->REQ_METHOD == METHOD_ACK)
		return -1;

	switch(ha_ctx.rc) {
		case HA_OK:
		case HA_SUSPENDED:
			LM_ERR("nothing to reply: outcome %d is not a failure\n", ha_ctx.rc);
			return -1;
		case HA_ERR_NO_CRED:
			code = ha_ctx.proxy ? 407 : 401;
			phrase = ha_ctx.proxy ? "Proxy Authentication Required" : "Unauthorized";
			n += snprintf(hdrs + n, sizeof(hdrs) - n, "%s: HOTP realm=\"%.*s\"\r\n",
					ha_ctx.proxy ? "Proxy-Authenticate" : "WWW-Authenticate",
					ha_challenge_realm.len, ha_challenge_realm.s);
			break;
		case HA_ERR_MALFORMED:
			code = 400;
			phrase = "Bad Request";
			break;
		case HA_ERR_IDENTITY:
		case HA_ERR_REJECTED:
			code = 403;
			phrase = "Forbidden";
			break;
		case HA_ERR_UNAVAILABLE:
			code = 503;
			phrase = "Service Unavailable";
			if(ha_retry_after > 0)
				n += snprintf(hdrs + n, sizeof(hdrs) - n, "Retry-After: %d\r\n",
						ha_retry_after);
			break;
		default:
			code = 500;
			phrase = "Server Internal Error";
			break;
	}
	if(ha_ctx.warning[0] && n < (int)sizeof(hdrs)) {
		ha_warn_agent(msg, agent, sizeof(agent));
		n += snprintf(hdrs + n, sizeof(hdrs) - n, "Warning: 399 %s \"%s\"\r\n",
				agent, ha_ctx.warning);
	}
	if(n >= (int)sizeof(hdrs))
		n = 0; /* cannot happen with the bounded texts; reply without them */
	if(n > 0 && add_lump_rpl(msg, hdrs, n, LUMP_RPL_HDR) == 0) {
		LM_ERR("cannot add reply headers\n");
		return -1;
	}
	if(get_route_type() == REQUEST_ROUTE) {
		t = ha_tmb.t_gett();
		if(t == NULL || t == T_UNDEFINED) {
			rc = ha_tmb.t_newtran(msg);
			if(rc < 0) {
				LM_ERR("cannot create the transaction for the reply\n");
				return -1;
			}
			if(rc == 0)
				return 1; /* retransmission: tm resent the reply */
		}
	}
	if(ha_tmb.t_reply(msg, code, (char *)phrase) < 0) {
		LM_ERR("cannot send %d\n", code);
		return -1;
	}
	return 1;
}

static int w_hotp_auth_reply(sip_msg_t *msg, char *p1, char *p2)
{
	return ha_reply(msg);
}

static int ki_hotp_auth_reply(sip_msg_t *msg)
{
	return ha_reply(msg);
}

/* ---- $hotp(name) ------------------------------------------------------------------ */

enum {
	HA_PV_RC = 0,
	HA_PV_STATUS,
	HA_PV_REASON,
	HA_PV_WARNING,
	HA_PV_RESULT_CODE,
	HA_PV_ERROR_MESSAGE,
	HA_PV_AOR,
	HA_PV_USER,
	HA_PV_STAGE,
	HA_PV_RTT
};

static int pv_parse_hotp_name(pv_spec_t *sp, str *in)
{
	static const struct {
		const char *name;
		int id;
	} names[] = {{"rc", HA_PV_RC}, {"status", HA_PV_STATUS},
			{"reason", HA_PV_REASON}, {"warning", HA_PV_WARNING},
			{"result_code", HA_PV_RESULT_CODE},
			{"error_message", HA_PV_ERROR_MESSAGE}, {"aor", HA_PV_AOR},
			{"user", HA_PV_USER}, {"stage", HA_PV_STAGE}, {"rtt", HA_PV_RTT}};
	unsigned i;

	if(sp == NULL || in == NULL || in->len <= 0)
		return -1;
	for(i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if(strlen(names[i].name) == (size_t)in->len
				&& strncmp(names[i].name, in->s, in->len) == 0) {
			sp->pvp.pvn.type = PV_NAME_INTSTR;
			sp->pvp.pvn.u.isname.type = 0;
			sp->pvp.pvn.u.isname.name.n = names[i].id;
			return 0;
		}
	}
	LM_ERR("unknown $hotp(%.*s): use rc, status, reason, warning, result_code, "
		   "error_message, aor, user, stage or rtt\n", in->len, in->s);
	return -1;
}

static int ha_pv_str(sip_msg_t *msg, pv_param_t *param, pv_value_t *res, char *s)
{
	str v;

	v.s = s;
	v.len = strlen(s);
	return pv_get_strval(msg, param, res, &v);
}

static int pv_get_hotp(sip_msg_t *msg, pv_param_t *param, pv_value_t *res)
{
	static char stage[3][4] = {"", "uar", "mar"};

	if(param == NULL || !ha_ctx_for(msg))
		return pv_get_null(msg, param, res);
	switch(param->pvn.u.isname.name.n) {
		case HA_PV_RC:
			return pv_get_sintval(msg, param, res, ha_ctx.rc);
		case HA_PV_STATUS:
			return pv_get_sintval(msg, param, res, ha_ctx.status);
		case HA_PV_REASON:
			return ha_pv_str(msg, param, res, ha_ctx.reason);
		case HA_PV_WARNING:
			return ha_pv_str(msg, param, res, ha_ctx.warning);
		case HA_PV_RESULT_CODE:
			return pv_get_sintval(msg, param, res, ha_ctx.result_code);
		case HA_PV_ERROR_MESSAGE:
			return ha_pv_str(msg, param, res, ha_ctx.errmsg);
		case HA_PV_AOR:
			return ha_pv_str(msg, param, res, ha_ctx.aor);
		case HA_PV_USER:
			return ha_pv_str(msg, param, res, ha_ctx.user);
		case HA_PV_STAGE:
			return ha_pv_str(msg, param, res,
					stage[ha_ctx.stage >= 0 && ha_ctx.stage <= 2 ? ha_ctx.stage : 0]);
		case HA_PV_RTT:
			return pv_get_sintval(msg, param, res, ha_ctx.rtt_us);
	}
	return pv_get_null(msg, param, res);
}

/* ---- KEMI --------------------------------------------------------------------------- */

/* clang-format off */
static sr_kemi_t sr_kemi_hotp_auth_exports[] = {
	{ str_init("hotp_auth"), str_init("hotp_auth_www"),
		SR_KEMIP_INT, ki_hotp_auth_www,
		{ SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("hotp_auth"), str_init("hotp_auth_proxy"),
		SR_KEMIP_INT, ki_hotp_auth_proxy,
		{ SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("hotp_auth"), str_init("hotp_auth_reply"),
		SR_KEMIP_INT, ki_hotp_auth_reply,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ {0, 0}, {0, 0}, 0, NULL, { 0, 0, 0, 0, 0, 0 } }
};
/* clang-format on */

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(sr_kemi_hotp_auth_exports);
	return 0;
}

/* ---- RPC ---------------------------------------------------------------------------- */

static void ha_rpc_uar(rpc_t *rpc, void *ctx)
{
	str aor = STR_NULL;
	AAAMessage *uar, *uaa;
	int rc;

	if(rpc->scan(ctx, "S", &aor) < 1) {
		rpc->fault(ctx, 400, "Missing AoR (e.g. sip:alice@example.com)");
		return;
	}
	if(aor.len < 5 || aor.len > 256 || (strncmp(aor.s, "sip:", 4) != 0
			&& strncmp(aor.s, "sips:", 5) != 0)) {
		rpc->fault(ctx, 400, "AoR must be a sip: or sips: URI of at most 256 characters");
		return;
	}
	uar = ha_build_uar(&aor, &ha_dest_realm, NULL, -1);
	if(!uar) {
		update_stat(ha_st_diameter_errors, 1);
		rpc->fault(ctx, 500, "Cannot build UAR");
		return;
	}
	update_stat(ha_st_uar_sent, 1);
	/* cdp takes ownership of the request; this blocks the RPC process only */
	uaa = ha_cdp.AAASendRecvMessage(uar);
	if(!uaa) {
		update_stat(ha_st_diameter_errors, 1);
		rpc->fault(ctx, 503, "No answer from the Diameter server");
		return;
	}
	rc = ha_result_code(uaa);
	ha_cdp.AAAFreeMessage(&uaa);
	rpc->rpl_printf(ctx, "%d", rc);
}

static const char *ha_peer_state(int s)
{
	static const char *names[] = {"Closed", "Wait_Conn_Ack", "Wait_I_CEA",
			"Wait_Conn_Ack_Elect", "Wait_Returns", "R_Open", "I_Open", "Closing"};
	return (s >= 0 && s <= 7) ? names[s] : "unknown";
}

static void ha_rpc_status(rpc_t *rpc, void *ctx)
{
	void *h, *ph;
	static char keys[16][128];
	unsigned long long rt_total_us, answers;
	peer *i;
	int k = 0, open = 0;

	ha_async_rtt_totals(&rt_total_us, &answers);
	if(rpc->add(ctx, "{", &h) < 0) {
		rpc->fault(ctx, 500, "Internal error");
		return;
	}
	rpc->struct_add(h, "Sddddddd", "dest_realm", &ha_dest_realm, "retry_after",
			ha_retry_after, "timeout_ms", ha_timeout_ms, "max_pending",
			ha_max_pending, "register_uar",
			ha_register_uar, "consume_credentials", ha_consume_credentials,
			"detailed_warnings", ha_detailed_warnings, "pending",
			ha_async_pending());
	rpc->struct_add(h, "ddddddddddddd", "uar_sent",
			(int)get_stat_val(ha_st_uar_sent), "mar_sent",
			(int)get_stat_val(ha_st_mar_sent), "auth_ok",
			(int)get_stat_val(ha_st_auth_ok), "auth_rejected",
			(int)get_stat_val(ha_st_auth_rejected), "malformed",
			(int)get_stat_val(ha_st_malformed), "identity_mismatch",
			(int)get_stat_val(ha_st_identity_mismatch), "no_credentials",
			(int)get_stat_val(ha_st_no_credentials), "diameter_errors",
			(int)get_stat_val(ha_st_diameter_errors), "timeouts",
			(int)get_stat_val(ha_st_timeouts), "answers", (int)answers,
			"avg_response_us", (int)(answers ? rt_total_us / answers : 0),
			"avg_response_ms", (int)(answers ? rt_total_us / answers / 1000 : 0),
			"ordered_waits", (int)get_stat_val(ha_st_ordered_waits));

	if(!ha_cdp_peer_list || !*ha_cdp_peer_list || !ha_cdp_peer_list_lock
			|| !*ha_cdp_peer_list_lock) {
		rpc->struct_add(h, "s", "peers", "unknown (cdp peer list not found)");
		return;
	}
	if(rpc->struct_add(h, "{", "peers", &ph) < 0)
		return;
	lock_get(*ha_cdp_peer_list_lock);
	for(i = (*ha_cdp_peer_list)->head; i && k < 16; i = i->next, k++) {
		snprintf(keys[k], sizeof(keys[k]), "%.*s:%d", i->fqdn.len, i->fqdn.s, i->port);
		if(i->state == I_Open || i->state == R_Open)
			open++;
		rpc->struct_add(ph, "s", keys[k], ha_peer_state((int)i->state));
	}
	lock_release(*ha_cdp_peer_list_lock);
	rpc->struct_add(h, "d", "peers_open", open);
}
