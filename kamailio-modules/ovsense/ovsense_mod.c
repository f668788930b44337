/*
 * ovsense module - implicit overload sensing of downstream SIP servers,
 * early shedding, RFC 7339 feedback
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
 * Kamailio glue: parameters, the destination table in shared memory, cfg
 * functions and KEMI, the $ovsense(...) PV, 503 replies, RPC, statistics,
 * the timer process that closes each interval (estimator + control law)
 * and samples this instance's own receive queues. The estimator
 * (ovs_est.c), the control laws (ovs_ctl.c) and the RFC 7339 parser
 * (ovs_oc.c) are plain C; the tm callbacks that feed them are in
 * ovsense_tm.c. See README.md.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/ut.h"
#include "core/counters.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/pvar.h"
#include "core/kemi.h"
#include "core/mod_fix.h"
#include "core/timer_proc.h"
#include "core/globals.h"
#include "core/xavp.h"
#include "core/socket_info.h"
#include "core/data_lump_rpl.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_uri.h"
#include "core/parser/parse_to.h"

#include "ovsense.h"

MODULE_VERSION

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

/* ---- parameters ------------------------------------------------------------ */

int ovs_retry_after = 5;
static str ovs_law_str = str_init("occupancy");
int ovs_max_dest = 64;
int ovs_oc_enabled = 1;
int ovs_oc_advertise = 1;
int ovs_oc_validity = 500;
int ovs_oc_max_validity = 60000;
static int ovs_self_monitor = 1;
static int ovs_self_queue_max = 50;

ovs_est_params_t ovs_ep;
ovs_ctl_params_t ovs_cp;
struct tm_binds ovs_tmb;
ovs_shared_t *ovs_sh = NULL;

static ovs_ctx_t ovs_ctx;
static str ovs_via_xavp = str_init("_ovs_via");

/* ---- statistics ------------------------------------------------------------ */

static stat_var *ovs_st_shed = 0;
static stat_var *ovs_st_shed_explicit = 0;
static stat_var *ovs_st_admitted = 0;
static stat_var *ovs_st_priority = 0;
stat_var *ovs_st_fb_applied = 0;
stat_var *ovs_st_fb_ignored = 0;
stat_var *ovs_st_oc_advertised = 0;
stat_var *ovs_st_timeouts = 0;
stat_var *ovs_st_send_errors = 0;

static counter_val_t ovs_stat_overloaded(void)
{
	int i, n = 0;

	if(!ovs_sh)
		return 0;
	for(i = 0; i < ovs_sh->ndest; i++)
		if(ovs_sh->dest[i].used && ovs_sh->dest[i].est.state == OVS_OVERLOAD)
			n++;
	return n;
}

static counter_val_t ovs_stat_destinations(void)
{
	return ovs_sh ? ovs_sh->ndest : 0;
}

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);
static int w_ovsense_admit0(sip_msg_t *msg, char *p1, char *p2);
static int w_ovsense_admit1(sip_msg_t *msg, char *dest, char *p2);
static int w_ovsense_admit2(sip_msg_t *msg, char *dest, char *cls);
static int w_ovsense_reject(sip_msg_t *msg, char *p1, char *p2);
static int w_ovsense_check(sip_msg_t *msg, char *dest, char *p2);
static int pv_get_ovsense(sip_msg_t *msg, pv_param_t *param, pv_value_t *res);
static int pv_parse_ovsense_name(pv_spec_t *sp, str *in);
static void ovs_rpc_status(rpc_t *rpc, void *ctx);
static void ovs_rpc_self_overload(rpc_t *rpc, void *ctx);
static void ovs_rpc_reset(rpc_t *rpc, void *ctx);
static void ovs_timer(unsigned int ticks, void *param);

/* clang-format off */
static cmd_export_t cmds[] = {
	{"ovsense_admit",  (cmd_function)w_ovsense_admit0, 0, 0, 0,
		REQUEST_ROUTE | FAILURE_ROUTE},
	{"ovsense_admit",  (cmd_function)w_ovsense_admit1, 1, fixup_spve_null,
		fixup_free_spve_null, REQUEST_ROUTE | FAILURE_ROUTE},
	{"ovsense_admit",  (cmd_function)w_ovsense_admit2, 2, fixup_spve_spve,
		fixup_free_spve_spve, REQUEST_ROUTE | FAILURE_ROUTE},
	{"ovsense_reject", (cmd_function)w_ovsense_reject, 0, 0, 0,
		REQUEST_ROUTE | FAILURE_ROUTE},
	{"ovsense_check",  (cmd_function)w_ovsense_check, 1, fixup_spve_null,
		fixup_free_spve_null, ANY_ROUTE},
	{0, 0, 0, 0, 0, 0}
};

static param_export_t params[] = {
	{"retry_after",      PARAM_INT, &ovs_retry_after},
	{"law",              PARAM_STR, &ovs_law_str},
	{"interval",         PARAM_INT, &ovs_ep.interval_ms},
	{"target_delay",     PARAM_INT, &ovs_cp.target_delay_ms},
	{"delay_max",        PARAM_INT, &ovs_ep.delay_max_ms},
	{"delay_abs_max",    PARAM_INT, &ovs_ep.delay_abs_max_ms},
	{"base_window",      PARAM_INT, &ovs_ep.base_window_s},
	{"retrans_max",      PARAM_INT, &ovs_ep.retrans_max_pct},
	{"timeout_max",      PARAM_INT, &ovs_ep.timeout_max_pct},
	{"reject_max",       PARAM_INT, &ovs_ep.reject_max_pct},
	{"tcp_error_max",    PARAM_INT, &ovs_ep.tcp_err_max_pct},
	{"send_delay_max",   PARAM_INT, &ovs_ep.send_delay_max_ms},
	{"min_samples",      PARAM_INT, &ovs_ep.min_samples},
	{"level_high",       PARAM_INT, &ovs_ep.level_high},
	{"level_overload",   PARAM_INT, &ovs_ep.level_overload},
	{"hysteresis",       PARAM_INT, &ovs_ep.hysteresis},
	{"hold_intervals",   PARAM_INT, &ovs_ep.hold_intervals},
	{"alpha_up",         PARAM_INT, &ovs_ep.alpha_up_pct},
	{"alpha_down",       PARAM_INT, &ovs_ep.alpha_down_pct},
	{"max_retry_after",  PARAM_INT, &ovs_ep.max_retry_after_s},
	{"window_min",       PARAM_INT, &ovs_cp.win_min},
	{"window_max",       PARAM_INT, &ovs_cp.win_max},
	{"window_headroom",  PARAM_INT, &ovs_cp.win_headroom},
	{"beta",             PARAM_INT, &ovs_cp.beta_pct},
	{"phi",              PARAM_INT, &ovs_cp.phi_pct},
	{"min_admit",        PARAM_INT, &ovs_cp.min_admit_pct},
	{"max_destinations", PARAM_INT, &ovs_max_dest},
	{"oc",               PARAM_INT, &ovs_oc_enabled},
	{"oc_advertise",     PARAM_INT, &ovs_oc_advertise},
	{"oc_validity",      PARAM_INT, &ovs_oc_validity},
	{"oc_max_validity",  PARAM_INT, &ovs_oc_max_validity},
	{"self_monitor",     PARAM_INT, &ovs_self_monitor},
	{"self_queue_max",   PARAM_INT, &ovs_self_queue_max},
	{0, 0, 0}
};

static stat_export_t mod_stats[] = {
	{"shed_requests",          0, &ovs_st_shed},
	{"shed_explicit",          0, &ovs_st_shed_explicit},
	{"admitted_requests",      0, &ovs_st_admitted},
	{"priority_requests",      0, &ovs_st_priority},
	{"feedback_applied",       0, &ovs_st_fb_applied},
	{"feedback_ignored",       0, &ovs_st_fb_ignored},
	{"oc_advertised",          0, &ovs_st_oc_advertised},
	{"timeouts",               0, &ovs_st_timeouts},
	{"send_errors",            0, &ovs_st_send_errors},
	{"destinations",           STAT_IS_FUNC | STAT_NO_RESET,
		(stat_var **)ovs_stat_destinations},
	{"destinations_overloaded", STAT_IS_FUNC | STAT_NO_RESET,
		(stat_var **)ovs_stat_overloaded},
	{0, 0, 0}
};

static pv_export_t mod_pvs[] = {
	{{"ovsense", sizeof("ovsense") - 1}, PVT_OTHER, pv_get_ovsense, 0,
		pv_parse_ovsense_name, 0, 0, 0},
	{{0, 0}, 0, 0, 0, 0, 0, 0, 0}
};

static const char *ovs_rpc_status_doc[2] = {
	"Parameters, counters, this instance's own load and, per destination "
	"(optional parameter: one destination), the state, the level and the "
	"signals behind it", 0
};
static const char *ovs_rpc_self_doc[2] = {
	"Force the loss percentage advertised upstream (RFC 7339 oc) for this "
	"instance's own load: ovsense.self_overload PCT [SECONDS]; 0 clears", 0
};
static const char *ovs_rpc_reset_doc[2] = {
	"Forget what was learnt about one destination (or all)", 0
};

static rpc_export_t ovs_rpc_cmds[] = {
	{"ovsense.status",        ovs_rpc_status,        ovs_rpc_status_doc, 0},
	{"ovsense.self_overload", ovs_rpc_self_overload, ovs_rpc_self_doc,   0},
	{"ovsense.reset",         ovs_rpc_reset,         ovs_rpc_reset_doc,  0},
	{0, 0, 0, 0}
};

struct module_exports exports = {
	"ovsense",       /* module name */
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

/* ---- time -------------------------------------------------------------------- */

int64_t ovs_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- init ---------------------------------------------------------------------- */

/* defaults are set before the modparams are applied */
int mod_register(char *path, int *dlflags, void *p1, void *p2);

static int ovs_check_range(const char *name, int v, int lo, int hi)
{
	if(v < lo || v > hi) {
		LM_ERR("modparam %s: %d is not in %d..%d\n", name, v, lo, hi);
		return -1;
	}
	return 0;
}

static int mod_init(void)
{
	char err[160];
	int i;

	if(ovs_retry_after < 1 || ovs_retry_after > 3600) {
		LM_ERR("modparam retry_after: %d is outside 1..3600 seconds\n", ovs_retry_after);
		return -1;
	}
	if(ovs_law_str.len == 9 && strncasecmp(ovs_law_str.s, "occupancy", 9) == 0)
		ovs_cp.law = OVS_LAW_OCCUPANCY;
	else if(ovs_law_str.len == 4 && strncasecmp(ovs_law_str.s, "loss", 4) == 0)
		ovs_cp.law = OVS_LAW_LOSS;
	else {
		LM_ERR("modparam law: '%.*s' is neither 'occupancy' nor 'loss'\n",
				ovs_law_str.len, ovs_law_str.s);
		return -1;
	}
	if(ovs_est_params_check(&ovs_ep, err, sizeof(err)) < 0
			|| ovs_ctl_params_check(&ovs_cp, err, sizeof(err)) < 0) {
		LM_ERR("%s\n", err);
		return -1;
	}
	if(ovs_check_range("max_destinations", ovs_max_dest, 1, 4096) < 0
			|| ovs_check_range("oc", ovs_oc_enabled, 0, 1) < 0
			|| ovs_check_range("oc_advertise", ovs_oc_advertise, 0, 1) < 0
			|| ovs_check_range("oc_validity", ovs_oc_validity, 0, 3600000) < 0
			|| ovs_check_range("oc_max_validity", ovs_oc_max_validity, 0, 86400000) < 0
			|| ovs_check_range("self_monitor", ovs_self_monitor, 0, 1) < 0
			|| ovs_check_range("self_queue_max", ovs_self_queue_max, 1, 100) < 0)
		return -1;
	if(load_tm_api(&ovs_tmb) != 0) {
		LM_ERR("cannot bind to the tm module (load tm before ovsense)\n");
		return -1;
	}
	if(register_module_stats(exports.name, mod_stats) != 0) {
		LM_ERR("failed to register statistics\n");
		return -1;
	}
	if(rpc_register_array(ovs_rpc_cmds) != 0) {
		LM_ERR("failed to register RPC commands\n");
		return -1;
	}
	ovs_sh = shm_malloc(sizeof(ovs_shared_t) + sizeof(ovs_dest_t) * ovs_max_dest);
	if(ovs_sh == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(ovs_sh, 0, sizeof(ovs_shared_t) + sizeof(ovs_dest_t) * ovs_max_dest);
	ovs_sh->self_forced = -1;
	if(lock_init(&ovs_sh->lock) == NULL) {
		LM_ERR("cannot init lock\n");
		return -1;
	}
	for(i = 0; i < ovs_max_dest; i++)
		if(lock_init(&ovs_sh->dest[i].lock) == NULL) {
			LM_ERR("cannot init lock\n");
			return -1;
		}
	/* RFC 7339: `oc` in our Via toward destinations, through the core's
	 * xavp_via_params (its name if the cfg set one, else ours) */
	if(ovs_oc_enabled) {
		if(_ksr_xavp_via_params.len <= 0)
			_ksr_xavp_via_params = ovs_via_xavp;
		else
			ovs_via_xavp = _ksr_xavp_via_params;
	}
	register_basic_timers(1);
	return 0;
}

static int child_init(int rank)
{
	if(rank == PROC_MAIN) {
		if(fork_basic_utimer(PROC_TIMER, "OVSENSE TIMER", 1, ovs_timer, NULL,
				   (unsigned int)ovs_ep.interval_ms * 1000)
				< 0) {
			LM_ERR("cannot start the timer process\n");
			return -1;
		}
	}
	return 0;
}

static void mod_destroy(void)
{
	/* shared memory goes with the process group */
	ovs_sh = NULL;
}

/* ---- destinations ---------------------------------------------------------------- */

static const char *ovs_proto_name(int proto)
{
	switch(proto) {
		case PROTO_TCP:
			return "tcp";
		case PROTO_TLS:
			return "tls";
		case PROTO_SCTP:
			return "sctp";
		case PROTO_WS:
			return "ws";
		case PROTO_WSS:
			return "wss";
	}
	return "udp";
}

/* "sip:host:port;transport=tcp" -> "tcp:host:port"; other text as is */
static int ovs_dest_key(str *in, char *key, int ksz)
{
	sip_uri_t u;
	int proto, port, n;

	if(in->len >= 4
			&& (strncasecmp(in->s, "sip:", 4) == 0 || strncasecmp(in->s, "sips:", 5) == 0)
			&& parse_uri(in->s, in->len, &u) == 0 && u.host.len > 0) {
		proto = u.proto;
		if(proto == PROTO_NONE)
			proto = (u.type == SIPS_URI_T) ? PROTO_TLS : PROTO_UDP;
		port = u.port_no ? u.port_no : (proto == PROTO_TLS ? 5061 : 5060);
		n = snprintf(key, ksz, "%s:%.*s:%d", ovs_proto_name(proto), u.host.len, u.host.s,
				port);
	} else {
		n = snprintf(key, ksz, "%.*s", in->len, in->s);
	}
	if(n <= 0)
		return -1;
	if(n >= ksz)
		key[ksz - 1] = 0;
	return 0;
}

static int ovs_dest_find(const char *key, int create)
{
	int i, n;

	n = ovs_sh->ndest;
	membar_read();
	for(i = 0; i < n; i++)
		if(ovs_sh->dest[i].used && strcmp(ovs_sh->dest[i].key, key) == 0)
			return i;
	if(!create)
		return -1;
	lock_get(&ovs_sh->lock);
	for(i = 0; i < ovs_sh->ndest; i++)
		if(strcmp(ovs_sh->dest[i].key, key) == 0) {
			lock_release(&ovs_sh->lock);
			return i;
		}
	if(ovs_sh->ndest >= ovs_max_dest) {
		lock_release(&ovs_sh->lock);
		return -1;
	}
	i = ovs_sh->ndest;
	snprintf(ovs_sh->dest[i].key, OVS_KEY_MAX, "%s", key);
	ovs_est_init(&ovs_sh->dest[i].est, ovs_now_us() / 1000);
	ovs_ctl_init(&ovs_sh->dest[i].ctl, &ovs_cp);
	ovs_sh->dest[i].used = 1;
	membar_write();
	ovs_sh->ndest = i + 1;
	lock_release(&ovs_sh->lock);
	LM_INFO("sensing destination %s\n", key);
	return i;
}

/* the destination named by the cfg, or the request's next hop */
static int ovs_dest_of(sip_msg_t *msg, str *dest, int create)
{
	char key[OVS_KEY_MAX];
	str hop;

	if(dest && dest->len > 0) {
		hop = *dest;
	} else if(msg->dst_uri.len > 0) {
		hop = msg->dst_uri;
	} else if(msg->new_uri.len > 0) {
		hop = msg->new_uri;
	} else if(msg->first_line.type == SIP_REQUEST) {
		hop = msg->first_line.u.request.uri;
	} else {
		return -1;
	}
	if(ovs_dest_key(&hop, key, sizeof(key)) < 0)
		return -1;
	return ovs_dest_find(key, create);
}

/* ---- classes ------------------------------------------------------------------------ */

static int ovs_hdr_is(hdr_field_t *h, const char *name)
{
	int l = strlen(name);
	return h->name.len == l && strncasecmp(h->name.s, name, l) == 0;
}

static int ovs_contains_ci(str *s, const char *needle)
{
	int i, l = strlen(needle);

	for(i = 0; i + l <= s->len; i++)
		if(strncasecmp(s->s + i, needle, l) == 0)
			return 1;
	return 0;
}

/* emergency: an urn:service:sos Request-URI (RFC 5031), Priority:
 * emergency (RFC 3261), or an esnet/ets/wps Resource-Priority (RFC 4412,
 * RFC 7134) */
static int ovs_is_emergency(sip_msg_t *msg)
{
	str *ruri = &msg->first_line.u.request.uri;
	hdr_field_t *h;

	if(ruri->len >= 15 && strncasecmp(ruri->s, "urn:service:sos", 15) == 0)
		return 1;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return 0;
	for(h = msg->headers; h; h = h->next) {
		if(ovs_hdr_is(h, "Priority") && ovs_contains_ci(&h->body, "emergency"))
			return 1;
		if(ovs_hdr_is(h, "Resource-Priority")
				&& (ovs_contains_ci(&h->body, "esnet.")
						|| ovs_contains_ci(&h->body, "ets.")
						|| ovs_contains_ci(&h->body, "wps.")))
			return 1;
	}
	return 0;
}

static int ovs_classify(sip_msg_t *msg)
{
	if(msg->REQ_METHOD & (METHOD_ACK | METHOD_CANCEL | METHOD_BYE | METHOD_PRACK))
		return OVS_CLASS_CRITICAL;
	if(ovs_is_emergency(msg))
		return OVS_CLASS_CRITICAL;
	if(parse_headers(msg, HDR_TO_F, 0) == 0 && msg->to && get_to(msg)->tag_value.len > 0)
		return OVS_CLASS_DIALOG;
	return OVS_CLASS_NEW;
}

static int ovs_class_arg(str *s)
{
	if(s == NULL || s->len == 0 || (s->len == 4 && strncasecmp(s->s, "auto", 4) == 0))
		return -1;
	if(s->len == 3 && strncasecmp(s->s, "new", 3) == 0)
		return OVS_CLASS_NEW;
	if(s->len == 6 && strncasecmp(s->s, "dialog", 6) == 0)
		return OVS_CLASS_DIALOG;
	if(s->len == 8 && strncasecmp(s->s, "critical", 8) == 0)
		return OVS_CLASS_CRITICAL;
	return -2;
}

/* ---- RFC 7339: oc in our Via ------------------------------------------------------------ */

static void ovs_via_oc(sip_msg_t *msg)
{
	static str n_oc = str_init("oc");
	static str n_algo = str_init("oc-algo");
	static str v_algo = str_init("\"loss\"");
	sr_xavp_t *root;
	sr_xval_t val;

	memset(&val, 0, sizeof(val));
	val.type = SR_XTYPE_STR;
	val.v.s.s = "";
	val.v.s.len = 0;
	root = xavp_get(&ovs_via_xavp, NULL);
	if(root == NULL) {
		if(xavp_add_xavp_value(&ovs_via_xavp, &n_oc, &val, NULL) == NULL)
			return;
		root = xavp_get(&ovs_via_xavp, NULL);
		if(root == NULL)
			return;
	} else if(root->val.type != SR_XTYPE_XAVP) {
		return;
	} else if(xavp_get_child(&ovs_via_xavp, &n_oc) == NULL) {
		xavp_add_value(&n_oc, &val, &root->val.v.xavp);
	}
	if(xavp_get_child(&ovs_via_xavp, &n_algo) == NULL) {
		val.v.s = v_algo;
		xavp_add_value(&n_algo, &val, &root->val.v.xavp);
	}
	msg->msg_flags |= FL_ADD_XAVP_VIA_PARAMS;
}

/* ---- admission -------------------------------------------------------------------------- */

static void ovs_ctx_set(sip_msg_t *msg, int dest, int cls, int decision)
{
	ovs_dest_t *d;

	memset(&ovs_ctx, 0, sizeof(ovs_ctx));
	ovs_ctx.msg_id = msg->id;
	ovs_ctx.msg_pid = msg->pid;
	ovs_ctx.valid = 1;
	ovs_ctx.dest = dest;
	ovs_ctx.cls = cls;
	ovs_ctx.decision = decision;
	ovs_ctx.retry_after = ovs_retry_after;
	if(dest >= 0) {
		d = &ovs_sh->dest[dest];
		ovs_ctx.state = d->est.state;
		ovs_ctx.level = (int)(d->est.level + 0.5);
	}
}

static int ovs_ctx_for(sip_msg_t *msg)
{
	return ovs_ctx.valid && msg && msg->id == ovs_ctx.msg_id && msg->pid == ovs_ctx.msg_pid;
}

/*
 * 1: admitted (tracked), 2: admitted without tracking (ACK, CANCEL, or no
 * room/error: ovsense fails open), 0: retransmission absorbed by tm,
 * -1: shed (reply with ovsense_reject() or steer elsewhere)
 */
static int ovs_admit(sip_msg_t *msg, str *dest, int cls)
{
	ovs_dest_t *d;
	tm_cell_t *t;
	int di, dec, rc, up;
	int64_t now_us;

	if(msg->first_line.type != SIP_REQUEST) {
		LM_ERR("ovsense_admit() is for requests\n");
		return 2;
	}
	if(msg->REQ_METHOD & (METHOD_ACK | METHOD_CANCEL)) {
		/* no transaction of their own worth tracking: pass */
		update_stat(ovs_st_priority, 1);
		ovs_ctx_set(msg, -1, OVS_CLASS_CRITICAL, OVS_ADMIT);
		return 2;
	}
	if(cls < 0)
		cls = ovs_classify(msg);
	di = ovs_dest_of(msg, dest, 1);
	if(di < 0) {
		LM_WARN("no destination for %.*s (table full: max_destinations %d?): "
				"admitted untracked\n",
				msg->first_line.u.request.method.len, msg->first_line.u.request.method.s,
				ovs_max_dest);
		ovs_ctx_set(msg, -1, cls, OVS_ADMIT);
		return 2;
	}
	d = &ovs_sh->dest[di];
	now_us = ovs_now_us();
	/* an RFC 7339 client takes our feedback (and has applied it) */
	up = ovs_oc_advertise ? ovs_upstream_supports(msg) : 0;
	lock_get(&d->lock);
	dec = ovs_ctl_admit(&d->ctl, &ovs_cp, d->est.state, ovs_est_occupancy(&d->est),
			ovs_est_held(&d->est, &ovs_ep, now_us), cls, up ? d->adv_value : -1, now_us / 1000);
	if(up && cls == OVS_CLASS_NEW) {
		d->up_offered++;
		if(dec == OVS_SHED_WINDOW || dec == OVS_SHED_LOSS)
			d->up_shed++;
	}
	lock_release(&d->lock);
	ovs_ctx_set(msg, di, cls, dec);

	if(dec != OVS_ADMIT) {
		update_stat(ovs_st_shed, 1);
		if(dec == OVS_SHED_EXPLICIT)
			update_stat(ovs_st_shed_explicit, 1);
		LM_DBG("%.*s to %s: %s\n", msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s, d->key, ovs_decision_name(dec));
		return -1;
	}
	if(cls == OVS_CLASS_NEW)
		update_stat(ovs_st_admitted, 1);
	else
		update_stat(ovs_st_priority, 1);

	/* the transaction the callbacks ride on */
	t = ovs_tmb.t_gett();
	if(t == NULL || t == T_UNDEFINED) {
		rc = ovs_tmb.t_newtran(msg);
		if(rc < 0) {
			LM_ERR("cannot create the transaction: admitted untracked\n");
			return 2;
		}
		if(rc == 0)
			return 0; /* a retransmission: tm has handled it */
		t = ovs_tmb.t_gett();
		if(t == NULL || t == T_UNDEFINED)
			return 2;
	}
	if(ovs_track(msg, t, di, cls, up, now_us) < 0)
		return 2;
	if(ovs_oc_enabled)
		ovs_via_oc(msg);
	return 1;
}

static int ovs_reject(sip_msg_t *msg)
{
	char hdr[64];
	int n, ra = ovs_retry_after, rc;
	tm_cell_t *t;
	ovs_dest_t *d;
	int64_t left;

	if(msg->first_line.type != SIP_REQUEST || msg->REQ_METHOD == METHOD_ACK)
		return -1;
	/* the destination's own Retry-After, when longer */
	if(ovs_ctx_for(msg) && ovs_ctx.dest >= 0) {
		d = &ovs_sh->dest[ovs_ctx.dest];
		left = (d->est.retry_after_until_ms - ovs_now_us() / 1000 + 999) / 1000;
		if(left > ra && left <= ovs_ep.max_retry_after_s)
			ra = (int)left;
	}
	n = snprintf(hdr, sizeof(hdr), "Retry-After: %d\r\n", ra);
	if(add_lump_rpl(msg, hdr, n, LUMP_RPL_HDR) == 0) {
		LM_ERR("cannot add Retry-After\n");
		return -1;
	}
	if(get_route_type() == REQUEST_ROUTE) {
		t = ovs_tmb.t_gett();
		if(t == NULL || t == T_UNDEFINED) {
			rc = ovs_tmb.t_newtran(msg);
			if(rc < 0) {
				LM_ERR("cannot create the transaction for the 503\n");
				return -1;
			}
			if(rc == 0)
				return 1; /* retransmission: tm resent the 503 */
		}
	}
	if(ovs_tmb.t_reply(msg, 503, "Service Unavailable") < 0) {
		LM_ERR("cannot send 503\n");
		return -1;
	}
	return 1;
}

/* ---- cfg wrappers --------------------------------------------------------------------------- */

static int w_ovsense_admit0(sip_msg_t *msg, char *p1, char *p2)
{
	return ovs_admit(msg, NULL, -1);
}

static int w_ovsense_admit1(sip_msg_t *msg, char *dest, char *p2)
{
	str d = STR_NULL;

	if(fixup_get_svalue(msg, (gparam_t *)dest, &d) < 0) {
		LM_ERR("cannot get the destination\n");
		return 2;
	}
	return ovs_admit(msg, &d, -1);
}

static int w_ovsense_admit2(sip_msg_t *msg, char *dest, char *cls)
{
	str d = STR_NULL, c = STR_NULL;
	int k;

	if(fixup_get_svalue(msg, (gparam_t *)dest, &d) < 0
			|| fixup_get_svalue(msg, (gparam_t *)cls, &c) < 0) {
		LM_ERR("cannot get the parameters\n");
		return 2;
	}
	k = ovs_class_arg(&c);
	if(k == -2) {
		LM_ERR("class '%.*s' is none of auto, new, dialog, critical\n", c.len, c.s);
		return 2;
	}
	return ovs_admit(msg, &d, k);
}

static int w_ovsense_reject(sip_msg_t *msg, char *p1, char *p2)
{
	return ovs_reject(msg);
}

/* 1 normal, 2 high, 3 overload (-1 unknown destination) */
static int ovs_check(sip_msg_t *msg, str *dest)
{
	int di = ovs_dest_of(msg, dest, 0);

	ovs_ctx_set(msg, di, -1, 0);
	if(di < 0)
		return -1;
	return ovs_sh->dest[di].est.state + 1;
}

static int w_ovsense_check(sip_msg_t *msg, char *dest, char *p2)
{
	str d = STR_NULL;

	if(fixup_get_svalue(msg, (gparam_t *)dest, &d) < 0)
		return -1;
	return ovs_check(msg, &d);
}

/* ---- $ovsense(name) --------------------------------------------------------------------------- */

enum {
	OVS_PV_STATE = 0,
	OVS_PV_STATE_ID,
	OVS_PV_LEVEL,
	OVS_PV_DEST,
	OVS_PV_DECISION,
	OVS_PV_CLASS,
	OVS_PV_WINDOW,
	OVS_PV_INFLIGHT,
	OVS_PV_DROP,
	OVS_PV_EXPLICIT,
	OVS_PV_RETRY_AFTER
};

static int pv_parse_ovsense_name(pv_spec_t *sp, str *in)
{
	static const struct {
		const char *name;
		int id;
	} names[] = {{"state", OVS_PV_STATE}, {"state_id", OVS_PV_STATE_ID},
			{"level", OVS_PV_LEVEL}, {"dest", OVS_PV_DEST},
			{"decision", OVS_PV_DECISION}, {"class", OVS_PV_CLASS},
			{"window", OVS_PV_WINDOW}, {"inflight", OVS_PV_INFLIGHT},
			{"drop_pct", OVS_PV_DROP}, {"explicit_oc", OVS_PV_EXPLICIT},
			{"retry_after", OVS_PV_RETRY_AFTER}};
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
	LM_ERR("unknown $ovsense(%.*s): use state, state_id, level, dest, decision, class, "
		   "window, inflight, drop_pct, explicit_oc or retry_after\n",
			in->len, in->s);
	return -1;
}

static int ovs_pv_str(sip_msg_t *msg, pv_param_t *param, pv_value_t *res, const char *s)
{
	str v;

	v.s = (char *)s;
	v.len = strlen(s);
	return pv_get_strval(msg, param, res, &v);
}

static int pv_get_ovsense(sip_msg_t *msg, pv_param_t *param, pv_value_t *res)
{
	ovs_dest_t *d;
	int v;

	if(param == NULL || !ovs_ctx_for(msg))
		return pv_get_null(msg, param, res);
	d = ovs_ctx.dest >= 0 ? &ovs_sh->dest[ovs_ctx.dest] : NULL;
	switch(param->pvn.u.isname.name.n) {
		case OVS_PV_STATE:
			return ovs_pv_str(msg, param, res, ovs_state_name(ovs_ctx.state));
		case OVS_PV_STATE_ID:
			return pv_get_sintval(msg, param, res, ovs_ctx.state);
		case OVS_PV_LEVEL:
			return pv_get_sintval(msg, param, res, ovs_ctx.level);
		case OVS_PV_DEST:
			return d ? ovs_pv_str(msg, param, res, d->key) : pv_get_null(msg, param, res);
		case OVS_PV_DECISION:
			return ovs_pv_str(msg, param, res,
					ovs_ctx.decision ? ovs_decision_name(ovs_ctx.decision) : "");
		case OVS_PV_CLASS:
			return ovs_pv_str(msg, param, res,
					ovs_ctx.cls >= 0 ? ovs_class_name(ovs_ctx.cls) : "");
		case OVS_PV_WINDOW:
			return d ? pv_get_sintval(msg, param, res, (int)d->ctl.window)
					 : pv_get_null(msg, param, res);
		case OVS_PV_INFLIGHT:
			return d ? pv_get_sintval(msg, param, res, (int)d->est.inflight)
					 : pv_get_null(msg, param, res);
		case OVS_PV_DROP:
			return d ? pv_get_sintval(msg, param, res, (int)(d->ctl.shed_ratio * 100 + 0.5))
					 : pv_get_null(msg, param, res);
		case OVS_PV_EXPLICIT:
			v = d ? ovs_ctl_explicit(&d->ctl, ovs_now_us() / 1000) : -1;
			return pv_get_sintval(msg, param, res, v);
		case OVS_PV_RETRY_AFTER:
			return pv_get_sintval(msg, param, res, ovs_ctx.retry_after);
	}
	return pv_get_null(msg, param, res);
}

/* ---- KEMI ---------------------------------------------------------------------------------------- */

static int ki_ovsense_admit(sip_msg_t *msg, str *dest)
{
	return ovs_admit(msg, dest, -1);
}

static int ki_ovsense_admit_class(sip_msg_t *msg, str *dest, str *cls)
{
	int k = ovs_class_arg(cls);

	if(k == -2) {
		LM_ERR("class '%.*s' is none of auto, new, dialog, critical\n", cls->len, cls->s);
		return 2;
	}
	return ovs_admit(msg, dest, k);
}

static int ki_ovsense_reject(sip_msg_t *msg)
{
	return ovs_reject(msg);
}

static int ki_ovsense_check(sip_msg_t *msg, str *dest)
{
	return ovs_check(msg, dest);
}

/* level 0..100 of a destination, -1 if unknown */
static int ki_ovsense_level(sip_msg_t *msg, str *dest)
{
	int di = ovs_dest_of(msg, dest, 0);

	return di < 0 ? -1 : (int)(ovs_sh->dest[di].est.level + 0.5);
}

/* 0 normal, 1 high, 2 overload, -1 unknown */
static int ki_ovsense_state(sip_msg_t *msg, str *dest)
{
	int di = ovs_dest_of(msg, dest, 0);

	return di < 0 ? -1 : (int)ovs_sh->dest[di].est.state;
}

/* clang-format off */
static sr_kemi_t sr_kemi_ovsense_exports[] = {
	{ str_init("ovsense"), str_init("admit"),
		SR_KEMIP_INT, ki_ovsense_admit,
		{ SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("ovsense"), str_init("admit_class"),
		SR_KEMIP_INT, ki_ovsense_admit_class,
		{ SR_KEMIP_STR, SR_KEMIP_STR, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("ovsense"), str_init("reject"),
		SR_KEMIP_INT, ki_ovsense_reject,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("ovsense"), str_init("check"),
		SR_KEMIP_INT, ki_ovsense_check,
		{ SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("ovsense"), str_init("level"),
		SR_KEMIP_INT, ki_ovsense_level,
		{ SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("ovsense"), str_init("state"),
		SR_KEMIP_INT, ki_ovsense_state,
		{ SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ {0, 0}, {0, 0}, 0, NULL, { 0, 0, 0, 0, 0, 0 } }
};
/* clang-format on */

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	/* defaults first: modparams are applied after mod_register */
	ovs_est_params_default(&ovs_ep);
	ovs_ctl_params_default(&ovs_cp);
	sr_kemi_modules_add(sr_kemi_ovsense_exports);
	return 0;
}

/* ---- timer: close the interval ---------------------------------------------------------------- */

/* strictly increasing oc-seq from the wall clock (seconds.milliseconds) */
static void ovs_next_seq(uint64_t *sec, uint32_t *frac)
{
	struct timeval tv;
	uint64_t ms;

	gettimeofday(&tv, NULL);
	ms = (uint64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	if(ms <= ovs_sh->seq_last_ms)
		ms = ovs_sh->seq_last_ms + 1;
	ovs_sh->seq_last_ms = ms;
	*sec = ms / 1000;
	*frac = (uint32_t)(ms % 1000) * 100;
}

/* this instance's own UDP receive queues: the fullest, in percent */
static int ovs_self_fill(void)
{
	struct socket_info **list, *si;
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t l;
	int best = 0, pct;

	list = get_sock_info_list(PROTO_UDP);
	if(list == NULL)
		return 0;
	for(si = *list; si; si = si->next) {
		if(si->socket < 0)
			continue;
		l = sizeof(mi);
		memset(mi, 0, sizeof(mi));
		if(getsockopt(si->socket, SOL_SOCKET, SO_MEMINFO, mi, &l) < 0 || l < 2 * sizeof(uint32_t))
			continue;
		if(mi[SK_MEMINFO_RCVBUF] == 0)
			continue;
		pct = (int)(100.0 * mi[SK_MEMINFO_RMEM_ALLOC] / mi[SK_MEMINFO_RCVBUF]);
		if(pct > best)
			best = pct;
	}
	return best > 100 ? 100 : best;
}

static void ovs_timer(unsigned int ticks, void *param)
{
	int i, n, v, ex, old_self, self;
	int64_t now_us = ovs_now_us(), now_ms = now_us / 1000;
	ovs_dest_t *d;
	uint64_t sec;
	uint32_t frac;

	if(ovs_sh == NULL)
		return;

	/* own load */
	lock_get(&ovs_sh->lock);
	old_self = ovs_sh->self_value;
	if(ovs_self_monitor) {
		ovs_sh->self_fill_pct = ovs_self_fill();
		v = ovs_sh->self_fill_pct * 100 / ovs_self_queue_max;
		ovs_sh->self_level = v > 100 ? 100 : v;
		if(ovs_sh->self_level >= ovs_ep.level_overload)
			ovs_sh->self_value = ovs_sh->self_value + 10 > 95 ? 95 : ovs_sh->self_value + 10;
		else if(ovs_sh->self_level < ovs_ep.level_high)
			ovs_sh->self_value = ovs_sh->self_value > 5 ? ovs_sh->self_value - 5 : 0;
	}
	if(ovs_sh->self_forced >= 0 && now_ms >= ovs_sh->self_forced_until_ms)
		ovs_sh->self_forced = -1;
	self = ovs_sh->self_forced >= 0 ? ovs_sh->self_forced : ovs_sh->self_value;
	lock_release(&ovs_sh->lock);
	(void)old_self;

	n = ovs_sh->ndest;
	membar_read();
	for(i = 0; i < n; i++) {
		d = &ovs_sh->dest[i];
		if(!d->used)
			continue;
		lock_get(&d->lock);
		ovs_est_demand(&d->est, d->ctl.offered, d->ctl.shed);
		if(ovs_est_tick(&d->est, &ovs_ep, now_ms, now_us))
			LM_WARN("destination %s: %s (level %.0f: delay %.0f, retrans %.0f, "
					  "timeout %.0f, 503 %.0f, tcp %.0f, demand %.0f)\n",
					d->key, ovs_state_name(d->est.state), d->est.level, d->est.s_delay,
					d->est.s_retrans, d->est.s_timeout, d->est.s_reject, d->est.s_tcp,
					d->est.s_demand);
		ovs_ctl_tick(&d->ctl, &ovs_cp, &d->est, ovs_ep.interval_ms, now_ms);
		/* advertised to RFC 7339 clients: the largest of our own load,
		 * the destination's explicit feedback (they drop it for us, see
		 * ovs_ctl_admit) and what the implicit control still sheds of
		 * their requests, accumulated: they drop a, we shed s of the
		 * rest, so 1 - (1 - a)(1 - s) is needed; decays once we shed
		 * nothing of theirs */
		if(d->up_offered > 0 && d->up_shed * 100 >= d->up_offered) {
			d->adv_impl = 1.0 - (1.0 - d->adv_impl)
										* (1.0 - (double)d->up_shed / d->up_offered);
		} else {
			d->adv_impl *= 0.95;
		}
		if(d->adv_impl < 0.005)
			d->adv_impl = 0;
		if(d->adv_impl > 0.99)
			d->adv_impl = 0.99;
		d->up_offered = d->up_shed = 0;
		v = (int)(d->adv_impl * 100.0 + 0.5);
		ex = ovs_ctl_explicit(&d->ctl, now_ms);
		if(ex > v)
			v = ex;
		if(self > v)
			v = self;
		if(v > 100)
			v = 100;
		if(v != d->adv_value || d->adv_seq_sec == 0) {
			/* a new report: a new sequence number */
			lock_get(&ovs_sh->lock);
			ovs_next_seq(&sec, &frac);
			lock_release(&ovs_sh->lock);
			d->adv_value = v;
			d->adv_seq_sec = sec;
			d->adv_seq_frac = frac;
		}
		if(v > 0)
			d->adv_nonzero_ms = now_ms;
		lock_release(&d->lock);
	}
}

/* ---- RPC --------------------------------------------------------------------------------------------- */

static void ovs_rpc_dest(rpc_t *rpc, void *ctx, void *parent, ovs_dest_t *d, int64_t now_ms)
{
	void *h, *sig, *sc, *tot;
	ovs_dest_t s;
	int ex;

	/* a consistent copy */
	lock_get(&d->lock);
	memcpy(&s, d, sizeof(s));
	lock_release(&d->lock);
	ex = ovs_ctl_explicit(&s.ctl, now_ms);

	if(rpc->struct_add(parent, "{", s.key, &h) < 0)
		return;
	rpc->struct_add(h, "sddsddddd", "state", ovs_state_name(s.est.state), "level",
			(int)(s.est.level + 0.5), "raw_level", s.est.raw_level, "transport",
			s.proto ? (s.proto == PROTO_UDP ? "udp" : ovs_proto_name(s.proto)) : "-",
			"state_changes", (int)s.est.transitions, "inflight", (int)s.est.inflight,
			"window", (int)s.ctl.window, "backlog_cap", (int)s.ctl.backlog_cap,
			"admit_pct", (int)(s.ctl.admit * 100 + 0.5));
	rpc->struct_add(h, "dddddd", "drop_pct", (int)(s.ctl.shed_ratio * 100 + 0.5),
			"explicit_oc", ex, "explicit_oc_left_ms",
			ex >= 0 ? (int)(s.ctl.oc_until_ms - now_ms) : 0, "advertised_oc", s.adv_value,
			"retry_after_left_s",
			s.est.retry_after_until_ms > now_ms
					? (int)((s.est.retry_after_until_ms - now_ms + 999) / 1000)
					: 0,
			"feedback_ignored", (int)s.fb_ignored);
	/* the signals behind the level (last interval) */
	if(rpc->struct_add(h, "{", "signals", &sig) >= 0)
		rpc->struct_add(sig, "dddddddddddddd", "delay_p50_ms", (int)(s.est.p50_ms + 0.5),
				"delay_p90_ms", (int)(s.est.p90_ms + 0.5), "base_delay_ms",
				(int)(s.est.base50_ms + 0.5), "path_delay_ms", (int)(s.est.path_ms + 0.5),
				"queue_delay_ms", (int)(s.est.q90_ms + 0.5),
				"final_delay_ms", (int)(s.est.final_ms + 0.5), "unanswered_age_ms",
				(int)(s.est.age_ms + 0.5), "little_delay_ms", (int)(s.est.little_ms + 0.5),
				"retrans_pct", (int)(s.est.retrans_ratio * 100 + 0.5), "timeout_pct",
				(int)(s.est.timeout_ratio * 100 + 0.5), "reject_503_pct",
				(int)(s.est.reject_ratio * 100 + 0.5), "send_error_pct",
				(int)(s.est.tcp_err_ratio * 100 + 0.5), "send_delay_ms",
				(int)(s.est.send_delay_ms + 0.5), "shed_pct",
				(int)(s.est.shed_ratio * 100 + 0.5));
	if(rpc->struct_add(h, "{", "scores", &sc) >= 0)
		rpc->struct_add(sc, "dddddd", "delay", (int)(s.est.s_delay + 0.5), "retrans",
				(int)(s.est.s_retrans + 0.5), "timeout", (int)(s.est.s_timeout + 0.5),
				"reject_503", (int)(s.est.s_reject + 0.5), "transport",
				(int)(s.est.s_tcp + 0.5), "demand", (int)(s.est.s_demand + 0.5));
	if(rpc->struct_add(h, "{", "totals", &tot) >= 0)
		rpc->struct_add(tot, "ddddddddddddddd", "sent", (int)s.est.tot_sent, "retrans",
				(int)s.est.tot_retrans, "retrans_spurious", (int)s.est.tot_spurious,
				"responses", (int)s.est.tot_responses, "finals",
				(int)s.est.tot_finals, "rejects_503", (int)s.est.tot_rejects, "timeouts",
				(int)s.est.tot_timeouts, "send_errors", (int)s.est.tot_send_errors,
				"offered_new", (int)s.ctl.tot_offered, "admitted_new",
				(int)s.ctl.tot_admitted, "shed_new", (int)s.ctl.tot_shed, "shed_window",
				(int)s.ctl.tot_shed_window, "shed_loss", (int)s.ctl.tot_shed_loss,
				"shed_explicit", (int)s.ctl.tot_shed_explicit, "priority",
				(int)s.ctl.tot_prio);
}

static void ovs_rpc_status(rpc_t *rpc, void *ctx)
{
	void *th, *ds, *self;
	str only = STR_NULL;
	char key[OVS_KEY_MAX];
	int i, n, found = 0;
	int64_t now_ms = ovs_now_us() / 1000;

	if(rpc->scan(ctx, "*S", &only) < 1)
		only.len = 0;
	if(rpc->add(ctx, "{", &th) < 0) {
		rpc->fault(ctx, 500, "Internal error creating structure");
		return;
	}
	rpc->struct_add(th, "dsddddd", "retry_after", ovs_retry_after, "law",
			ovs_law_name(ovs_cp.law), "interval_ms", ovs_ep.interval_ms, "target_delay_ms",
			ovs_cp.target_delay_ms, "oc", ovs_oc_enabled, "oc_advertise", ovs_oc_advertise,
			"oc_validity_ms", ovs_oc_validity);
	rpc->struct_add(th, "ddddddddd", "shed_requests", (int)get_stat_val(ovs_st_shed),
			"shed_explicit", (int)get_stat_val(ovs_st_shed_explicit), "admitted_requests",
			(int)get_stat_val(ovs_st_admitted), "priority_requests",
			(int)get_stat_val(ovs_st_priority), "feedback_applied",
			(int)get_stat_val(ovs_st_fb_applied), "feedback_ignored",
			(int)get_stat_val(ovs_st_fb_ignored), "oc_advertised",
			(int)get_stat_val(ovs_st_oc_advertised), "timeouts",
			(int)get_stat_val(ovs_st_timeouts), "send_errors",
			(int)get_stat_val(ovs_st_send_errors));
	if(rpc->struct_add(th, "{", "self", &self) >= 0) {
		lock_get(&ovs_sh->lock);
		rpc->struct_add(self, "dddd", "receive_queue_pct", ovs_sh->self_fill_pct, "level",
				ovs_sh->self_level, "advertised_oc", ovs_sh->self_value, "forced_oc",
				ovs_sh->self_forced);
		lock_release(&ovs_sh->lock);
	}
	if(rpc->struct_add(th, "{", "destinations", &ds) < 0)
		return;
	if(only.len > 0 && ovs_dest_key(&only, key, sizeof(key)) < 0)
		key[0] = 0;
	n = ovs_sh->ndest;
	membar_read();
	for(i = 0; i < n; i++) {
		if(!ovs_sh->dest[i].used)
			continue;
		if(only.len > 0 && strcmp(ovs_sh->dest[i].key, key) != 0)
			continue;
		found++;
		ovs_rpc_dest(rpc, ctx, ds, &ovs_sh->dest[i], now_ms);
	}
	if(only.len > 0 && !found)
		rpc->struct_add(ds, "s", "none", "no such destination");
}

static void ovs_rpc_self_overload(rpc_t *rpc, void *ctx)
{
	int pct = 0, secs = 3600;

	if(rpc->scan(ctx, "d", &pct) < 1) {
		rpc->fault(ctx, 400, "Missing percentage (0..100)");
		return;
	}
	if(rpc->scan(ctx, "*d", &secs) < 1)
		secs = 3600;
	if(pct < 0 || pct > 100 || secs < 1 || secs > 86400) {
		rpc->fault(ctx, 400, "Percentage 0..100, seconds 1..86400");
		return;
	}
	lock_get(&ovs_sh->lock);
	ovs_sh->self_forced = pct > 0 ? pct : -1;
	ovs_sh->self_forced_until_ms = ovs_now_us() / 1000 + (int64_t)secs * 1000;
	lock_release(&ovs_sh->lock);
	rpc->rpl_printf(ctx, "self_overload %d for %d s", pct, pct > 0 ? secs : 0);
}

static void ovs_rpc_reset(rpc_t *rpc, void *ctx)
{
	str only = STR_NULL;
	char key[OVS_KEY_MAX];
	int i, n, cnt = 0;
	ovs_dest_t *d;

	if(rpc->scan(ctx, "*S", &only) < 1)
		only.len = 0;
	if(only.len > 0 && ovs_dest_key(&only, key, sizeof(key)) < 0) {
		rpc->fault(ctx, 400, "Bad destination");
		return;
	}
	n = ovs_sh->ndest;
	for(i = 0; i < n; i++) {
		d = &ovs_sh->dest[i];
		if(!d->used || (only.len > 0 && strcmp(d->key, key) != 0))
			continue;
		lock_get(&d->lock);
		/* keep what is in flight: its callbacks will still come */
		{
			uint32_t infl = d->est.inflight;
			int64_t sum = d->est.inflight_ts_sum_us;
			ovs_est_init(&d->est, ovs_now_us() / 1000);
			d->est.inflight = infl;
			d->est.inflight_ts_sum_us = sum;
		}
		ovs_ctl_init(&d->ctl, &ovs_cp);
		d->fb_ignored = d->fb_applied = 0;
		lock_release(&d->lock);
		cnt++;
	}
	rpc->rpl_printf(ctx, "reset %d destination(s)", cnt);
}
