/*
 * nvg module - SIP NEMO VPN Gateway: NVG-aware Contact translation
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
 * Roles: "gateway" (Kamailio on the mobile router, facing the MNs on its
 * ingress side) and "home" (Proxy 2, resolving MN -> NVG logical URI ->
 * the NVG's current registration). This file holds the Kamailio glue:
 * parameters, start-up, cfg functions, KEMI, RPC and statistics. See
 * README.md for the design.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/ut.h"
#include "core/mod_fix.h"
#include "core/counters.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/kemi.h"
#include "core/mem/shm_mem.h"
#include "core/locking.h"
#include "core/timer_proc.h"
#include "core/forward.h"
#include "core/parser/parse_uri.h"

#include "nvg.h"
#include "nvg_dlg.h"

MODULE_VERSION

/* ---- parameters ------------------------------------------------------------ */

str nvg_logical_domain = str_init("");
str nvg_role = str_init("gateway");
int nvg_is_gateway = 1;
str nvg_parent_domain = STR_NULL;
str nvg_own_label = STR_NULL;
nvg_cidr_t nvg_nets[NVG_MAX_NETS];
int nvg_nnets = 0;
str nvg_ingress_socket_param = str_init("");
struct socket_info *nvg_ingress_sock = NULL;
int nvg_max_expires = 3600;
int nvg_default_expires = 3600;
int nvg_retry_after = 5;
int nvg_timer_interval = 5;
static int nvg_max_contacts = 10;
static int nvg_max_bindings = 10000;
static int nvg_aor_retention = 3600;
static int nvg_hash_size = 1024;
str nvg_location_table = str_init("location");
int nvg_max_depth = 4;
int nvg_convention = 1;
nvg_map_entry_t nvg_map[NVG_MAX_MAP];
int nvg_nmap = 0;
str nvg_db_url = str_init("");
str nvg_db_table = str_init("nvg_bindings");
int nvg_db_create_table = 1;
int nvg_reg_enable = 0;
str nvg_reg_aor = str_init("");
str nvg_reg_registrar = str_init("");
str nvg_reg_proxy = str_init("");
str nvg_reg_socket = str_init("");
int nvg_reg_expires = 300;
int nvg_reg_retry = 10;

nvg_tbl_t *nvg_table = NULL;
struct tm_binds nvg_tmb;
sl_api_t nvg_slb;

/* ---- statistics ------------------------------------------------------------ */

stat_var *nvg_st_logical_hits = 0;
stat_var *nvg_st_registers_translated = 0;
stat_var *nvg_st_registers_committed = 0;
stat_var *nvg_st_rejected_source = 0;
stat_var *nvg_st_rejected_malformed = 0;
stat_var *nvg_st_rejected_limit = 0;
stat_var *nvg_st_rejected_conflict = 0;
stat_var *nvg_st_expires_capped = 0;
stat_var *nvg_st_lookups = 0;
stat_var *nvg_st_lookup_404 = 0;
stat_var *nvg_st_lookup_480 = 0;
stat_var *nvg_st_expired = 0;
stat_var *nvg_st_db_errors = 0;
stat_var *nvg_st_resolved = 0;
stat_var *nvg_st_resolve_failed = 0;

static counter_val_t nvg_stat_bindings(void)
{
	int b = 0;
	if(nvg_table)
		nvg_tbl_counts(nvg_table, &b, NULL, NULL, NULL);
	return (counter_val_t)b;
}

static counter_val_t nvg_stat_aors(void)
{
	int a = 0, t = 0;
	if(nvg_table)
		nvg_tbl_counts(nvg_table, NULL, &a, &t, NULL);
	return (counter_val_t)(a - t);
}

static counter_val_t nvg_stat_dialogs(void)
{
	int n = 0, c = 0;
	nvg_dlg_counts(&n, &c);
	return (counter_val_t)n;
}

static int mod_init(void);
static int child_init(int rank);
static int nvg_param_net(modparam_t type, void *val);
static int nvg_param_map(modparam_t type, void *val);
static int nvg_param_tls_uri(modparam_t type, void *val);
static int w_nvg_is_logical_uri(sip_msg_t *msg, char *p1, char *p2);
static int w_nvg_from_ingress(sip_msg_t *msg, char *p1, char *p2);
static int w_nvg_register(sip_msg_t *msg, char *p1, char *p2);
static int w_nvg_lookup(sip_msg_t *msg, char *p1, char *p2);
static int w_nvg_record_route(sip_msg_t *msg, char *p1, char *p2);
static int w_nvg_resolve(sip_msg_t *msg, char *p1, char *p2);
static int w_nvg_resolve_route(sip_msg_t *msg, char *p1, char *p2);
static void nvg_rpc_status(rpc_t *rpc, void *ctx);
static void nvg_rpc_bindings(rpc_t *rpc, void *ctx);
static void nvg_rpc_resolve(rpc_t *rpc, void *ctx);
static void nvg_rpc_register(rpc_t *rpc, void *ctx);
static int w_nvg_egress(sip_msg_t *msg, char *p1, char *p2);
static int w_nvg_sdp_egress(sip_msg_t *msg, char *p1, char *p2);
static int w_nvg_home_conn_closed(sip_msg_t *msg, char *p1, char *p2);
static void nvg_rpc_dialogs(rpc_t *rpc, void *ctx);

/* clang-format off */
static cmd_export_t cmds[] = {
	{"nvg_is_logical_uri", (cmd_function)w_nvg_is_logical_uri, 0, 0, 0,
		REQUEST_ROUTE | FAILURE_ROUTE | BRANCH_ROUTE},
	{"nvg_from_ingress",   (cmd_function)w_nvg_from_ingress, 0, 0, 0,
		REQUEST_ROUTE | FAILURE_ROUTE | BRANCH_ROUTE | ONREPLY_ROUTE},
	{"nvg_register",       (cmd_function)w_nvg_register, 0, 0, 0,
		REQUEST_ROUTE},
	{"nvg_lookup",         (cmd_function)w_nvg_lookup, 0, 0, 0,
		REQUEST_ROUTE | FAILURE_ROUTE},
	{"nvg_record_route",   (cmd_function)w_nvg_record_route, 0, 0, 0,
		REQUEST_ROUTE | BRANCH_ROUTE | FAILURE_ROUTE},
	{"nvg_resolve",        (cmd_function)w_nvg_resolve, 0, 0, 0,
		REQUEST_ROUTE | FAILURE_ROUTE},
	{"nvg_resolve_route",  (cmd_function)w_nvg_resolve_route, 0, 0, 0,
		REQUEST_ROUTE},
	{"nvg_egress",         (cmd_function)w_nvg_egress, 0, 0, 0,
		REQUEST_ROUTE | FAILURE_ROUTE | BRANCH_ROUTE},
	{"nvg_sdp_egress",     (cmd_function)w_nvg_sdp_egress, 0, 0, 0,
		REQUEST_ROUTE | ONREPLY_ROUTE | FAILURE_ROUTE | BRANCH_ROUTE},
	{"nvg_home_conn_closed", (cmd_function)w_nvg_home_conn_closed, 0, 0, 0,
		EVENT_ROUTE},
	{0, 0, 0, 0, 0, 0}
};

static param_export_t params[] = {
	{"logical_domain",   PARAM_STR, &nvg_logical_domain},
	{"role",             PARAM_STR, &nvg_role},
	{"ingress_net",      PARAM_STRING | USE_FUNC_PARAM, (void *)nvg_param_net},
	{"ingress_socket",   PARAM_STR, &nvg_ingress_socket_param},
	{"max_expires",      PARAM_INT, &nvg_max_expires},
	{"default_expires",  PARAM_INT, &nvg_default_expires},
	{"max_contacts",     PARAM_INT, &nvg_max_contacts},
	{"max_bindings",     PARAM_INT, &nvg_max_bindings},
	{"aor_retention",    PARAM_INT, &nvg_aor_retention},
	{"hash_size",        PARAM_INT, &nvg_hash_size},
	{"retry_after",      PARAM_INT, &nvg_retry_after},
	{"timer_interval",   PARAM_INT, &nvg_timer_interval},
	{"db_url",           PARAM_STR, &nvg_db_url},
	{"db_table",         PARAM_STR, &nvg_db_table},
	{"db_create_table",  PARAM_INT, &nvg_db_create_table},
	{"location_table",   PARAM_STR, &nvg_location_table},
	{"max_depth",        PARAM_INT, &nvg_max_depth},
	{"convention",       PARAM_INT, &nvg_convention},
	{"nvg_map",          PARAM_STRING | USE_FUNC_PARAM, (void *)nvg_param_map},
	{"register",         PARAM_INT, &nvg_reg_enable},
	{"nvg_aor",          PARAM_STR, &nvg_reg_aor},
	{"registrar",        PARAM_STR, &nvg_reg_registrar},
	{"outbound_proxy",   PARAM_STR, &nvg_reg_proxy},
	{"register_socket",  PARAM_STR, &nvg_reg_socket},
	{"register_expires", PARAM_INT, &nvg_reg_expires},
	{"register_retry",   PARAM_INT, &nvg_reg_retry},
	{"egress_if",        PARAM_STR, &nvg_egress_if},
	{"handoff_coalesce_ms", PARAM_INT, &nvg_coalesce_ms},
	{"handoff_max_wait_ms", PARAM_INT, &nvg_max_wait_ms},
	{"egress_port",      PARAM_INT, &nvg_egress_port},
	{"register_socket6", PARAM_STR, &nvg_reg_socket6},
	{"outbound_proxy6",  PARAM_STR, &nvg_reg_proxy6},
	{"conntrack_flush",  PARAM_INT, &nvg_ct_flush},
	{"handoff_list",     PARAM_INT, &nvg_handoff_list},
	{"handoff_parallel", PARAM_INT, &nvg_handoff_parallel},
	{"handoff_uri",      PARAM_STR, &nvg_handoff_uri},
	{"hotp_user",        PARAM_STR, &nvg_hotp_user},
	{"hotp_realm",       PARAM_STR, &nvg_hotp_realm},
	{"hotp_secret_file", PARAM_STR, &nvg_hotp_secret_file},
	{"hotp_counter_file", PARAM_STR, &nvg_hotp_counter_file},
	{"hotp_digits",      PARAM_INT, &nvg_hotp_digits},
	{"max_dialogs",      PARAM_INT, &nvg_max_dialogs},
	{"require_tls_uri",  PARAM_STRING | USE_FUNC_PARAM, (void *)nvg_param_tls_uri},
	{0, 0, 0}
};

static stat_export_t mod_stats[] = {
	{"logical_uri_hits",     0, &nvg_st_logical_hits},
	{"bindings",             STAT_IS_FUNC | STAT_NO_RESET, (stat_var **)nvg_stat_bindings},
	{"aors",                 STAT_IS_FUNC | STAT_NO_RESET, (stat_var **)nvg_stat_aors},
	{"registers_translated", 0, &nvg_st_registers_translated},
	{"registers_committed",  0, &nvg_st_registers_committed},
	{"rejected_source",      0, &nvg_st_rejected_source},
	{"rejected_malformed",   0, &nvg_st_rejected_malformed},
	{"rejected_limit",       0, &nvg_st_rejected_limit},
	{"rejected_conflict",    0, &nvg_st_rejected_conflict},
	{"expires_capped",       0, &nvg_st_expires_capped},
	{"lookups",              0, &nvg_st_lookups},
	{"lookup_404",           0, &nvg_st_lookup_404},
	{"lookup_480",           0, &nvg_st_lookup_480},
	{"expired",              0, &nvg_st_expired},
	{"db_errors",            0, &nvg_st_db_errors},
	{"resolved",             0, &nvg_st_resolved},
	{"resolve_failed",       0, &nvg_st_resolve_failed},
	{"handoffs",             0, &nvg_st_handoffs},
	{"coalesced_changes",    0, &nvg_st_coalesced},
	{"list_failures",        0, &nvg_st_list_failures},
	{"fallback_reinvites",   0, &nvg_st_fallbacks},
	{"list_entries",         0, &nvg_st_list_entries},
	{"sdp_rewritten",        0, &nvg_st_sdp_rewritten},
	{"dialogs_untracked",    0, &nvg_st_dialogs_untracked},
	{"last_handoff_ms",      STAT_IS_FUNC | STAT_NO_RESET, (stat_var **)nvg_ho_stat_last_ms},
	{"dialogs",              STAT_IS_FUNC | STAT_NO_RESET, (stat_var **)nvg_stat_dialogs},
	{0, 0, 0}
};

static const char *nvg_rpc_status_doc[2] = {
	"Role, logical domain, limits, table counters and the NVG's own "
	"registration", 0
};
static const char *nvg_rpc_bindings_doc[2] = {
	"Gateway role: every AoR of the binding table with its bindings "
	"(logical URI, ingress contact, expiry, Call-ID/CSeq, instance, reg-id)", 0
};
static const char *nvg_rpc_resolve_doc[2] = {
	"Home role: resolve an NVG logical domain (or a URI naming one) through "
	"the NVGs' registrations and show the chain", 0
};
static const char *nvg_rpc_handoff_doc[2] = {
	"Gateway role: hand off now, to the given egress address (IPv4 or IPv6) "
	"or, without one, to the egress interface's current address", 0
};
static const char *nvg_rpc_dialogs_doc[2] = {
	"Gateway role: the active dialogs through the NVG (Call-ID, MN-side and "
	"CN-side tags, CN URI, route set toward the CN)", 0
};
static const char *nvg_rpc_register_doc[2] = {
	"Gateway role: send the NVG's own REGISTER now (modparam register)", 0
};

static rpc_export_t nvg_rpc_cmds[] = {
	{"nvg.status",   nvg_rpc_status,   nvg_rpc_status_doc,   0},
	{"nvg.bindings", nvg_rpc_bindings, nvg_rpc_bindings_doc, RET_ARRAY},
	{"nvg.resolve",  nvg_rpc_resolve,  nvg_rpc_resolve_doc,  0},
	{"nvg.register", nvg_rpc_register, nvg_rpc_register_doc, 0},
	{"nvg.handoff",  nvg_ho_rpc,       nvg_rpc_handoff_doc,  0},
	{"nvg.dialogs",  nvg_rpc_dialogs,  nvg_rpc_dialogs_doc,  RET_ARRAY},
	{0, 0, 0, 0}
};

struct module_exports exports = {
	"nvg",           /* module name */
	DEFAULT_DLFLAGS, /* dlopen flags */
	cmds,            /* cfg functions */
	params,          /* modparams */
	0,               /* RPC (registered in mod_init) */
	0,               /* pseudo-variables */
	0,               /* response function */
	mod_init,        /* module init */
	child_init,      /* per-child init */
	0                /* destroy */
};
/* clang-format on */

/* ---- repeatable parameters ---------------------------------------------- */

/* require_tls_uri: a URI the script sends to (nvg.cfg: NEXT_HOP, NEXT_HOP6)
 * must be reached over TLS; checked when the cfg is read, so a plain one
 * stops Kamailio at start-up instead of sending in clear */
static int nvg_param_tls_uri(modparam_t type, void *val)
{
	char *s = (char *)val;
	struct sip_uri u;

	if(s == NULL || *s == '\0'
			|| parse_uri(s, strlen(s), &u) < 0) {
		LM_ERR("modparam require_tls_uri: '%s' is not a SIP URI\n", s ? s : "");
		return -1;
	}
	if(u.type == SIPS_URI_T || u.proto == PROTO_TLS)
		return 0;
	LM_ERR("next hop '%s' has no ;transport=tls: nvg.cfg sends to Proxy 1 over "
		   "TLS by default, give NEXT_HOP as sip:<Proxy 1>:5061;transport=tls "
		   "(or -A WITH_PLAIN for plain UDP: test beds / protected links only)\n",
			s);
	return -1;
}

static int nvg_param_net(modparam_t type, void *val)
{
	char *s = (char *)val, *p, *e;

	/* one CIDR, or several separated by ',' or ' ' */
	for(p = s; p && *p;) {
		while(*p == ' ' || *p == ',')
			p++;
		if(!*p)
			break;
		for(e = p; *e && *e != ' ' && *e != ','; e++)
			;
		if(nvg_nnets >= NVG_MAX_NETS) {
			LM_ERR("modparam ingress_net: more than %d networks\n", NVG_MAX_NETS);
			return -1;
		}
		if(nvg_cidr_parse(p, (size_t)(e - p), &nvg_nets[nvg_nnets]) < 0) {
			LM_ERR("modparam ingress_net: '%.*s' is not an address or CIDR "
				   "(e.g. 198.18.10.0/24, fd00:10::/64)\n", (int)(e - p), p);
			return -1;
		}
		nvg_nnets++;
		p = e;
	}
	return 0;
}

/* "nvg-7.vpn.example.com=sip:nvg-7@vpn.example.com" */
static int nvg_param_map(modparam_t type, void *val)
{
	char *s = (char *)val, *eq, *d, *a;
	nvg_uri_t u;
	size_t dl, al;
	int af;
	uint8_t addr[16];

	eq = s ? strchr(s, '=') : NULL;
	if(!eq || eq == s || !eq[1]) {
		LM_ERR("modparam nvg_map: '%s' is not <logical domain>=<NVG AoR>\n", s ? s : "");
		return -1;
	}
	dl = (size_t)(eq - s);
	al = strlen(eq + 1);
	if(nvg_nmap >= NVG_MAX_MAP) {
		LM_ERR("modparam nvg_map: more than %d entries\n", NVG_MAX_MAP);
		return -1;
	}
	if(nvg_uri_parse(eq + 1, al, &u) != NVG_URI_OK || u.user.len == 0) {
		LM_ERR("modparam nvg_map: '%s' is not a sip:user@domain AoR\n", eq + 1);
		return -1;
	}
	if(nvg_ip_parse(s, dl, &af, addr) == 0) {
		LM_ERR("modparam nvg_map: logical domain '%.*s' is an address\n", (int)dl, s);
		return -1;
	}
	d = pkg_malloc(dl + 1);
	a = pkg_malloc(al + 1);
	if(!d || !a) {
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(d, s, dl);
	d[dl] = 0;
	memcpy(a, eq + 1, al + 1);
	nvg_map[nvg_nmap].domain = d;
	nvg_map[nvg_nmap].domain_len = dl;
	nvg_map[nvg_nmap].aor = a;
	nvg_map[nvg_nmap].aor_len = al;
	nvg_nmap++;
	return 0;
}

/* ---- shared-memory adapter of the binding table ------------------------------- */

static void *nvg_shm_alloc(size_t sz)
{
	return shm_malloc(sz);
}

static void nvg_shm_free(void *p)
{
	shm_free(p);
}

static void *nvg_lock_new(void)
{
	gen_lock_t *l = lock_alloc();
	if(!l)
		return NULL;
	if(!lock_init(l)) {
		lock_dealloc(l);
		return NULL;
	}
	return l;
}

static void nvg_lock_free(void *l)
{
	lock_destroy((gen_lock_t *)l);
	lock_dealloc((gen_lock_t *)l);
}

static void nvg_lock_get(void *l)
{
	lock_get((gen_lock_t *)l);
}

static void nvg_lock_release(void *l)
{
	lock_release((gen_lock_t *)l);
}

static const nvg_tbl_ops_t nvg_shm_ops = {nvg_shm_alloc, nvg_shm_free, nvg_lock_new,
		nvg_lock_free, nvg_lock_get, nvg_lock_release};

/* ---- init ----------------------------------------------------------------- */

static int nvg_check_int(const char *name, int v, int min, int max)
{
	if(v < min || v > max) {
		LM_ERR("modparam %s: %d is not in %d..%d\n", name, v, min, max);
		return -1;
	}
	return 0;
}

static void nvg_timer(unsigned int ticks, void *param)
{
	static unsigned int n = 0;
	time_t now = time(NULL);

	nvg_selfreg_timer(now);
	if(++n >= (unsigned)nvg_timer_interval) {
		n = 0;
		nvg_gw_timer(now);
	}
}

static int mod_init(void)
{
	nvg_limits_t lim;
	char *dot;

	if(nvg_role.len == 7 && strncmp(nvg_role.s, "gateway", 7) == 0) {
		nvg_is_gateway = 1;
	} else if(nvg_role.len == 4 && strncmp(nvg_role.s, "home", 4) == 0) {
		nvg_is_gateway = 0;
	} else {
		LM_ERR("modparam role: '%.*s' is neither 'gateway' nor 'home'\n",
				nvg_role.len, nvg_role.s);
		return -1;
	}
	if(nvg_logical_domain.len == 0) {
		LM_ERR("modparam logical_domain is required (e.g. nvg-7.vpn.example.com)\n");
		return -1;
	}
	{
		nvg_uri_t u;
		char buf[NVG_MAX_HOST + 8];
		int n = snprintf(buf, sizeof(buf), "sip:%.*s", nvg_logical_domain.len,
				nvg_logical_domain.s);
		if(n <= 0 || n >= (int)sizeof(buf) || nvg_uri_parse(buf, n, &u) != NVG_URI_OK
				|| u.host_type != NVG_HOST_NAME || u.port || u.params.len
				|| u.host.len != (size_t)nvg_logical_domain.len) {
			LM_ERR("modparam logical_domain: '%.*s' is not a host name\n",
					nvg_logical_domain.len, nvg_logical_domain.s);
			return -1;
		}
	}
	if(nvg_check_int("max_expires", nvg_max_expires, 1, 86400 * 365) < 0
			|| nvg_check_int("default_expires", nvg_default_expires, 1, 86400 * 365) < 0
			|| nvg_check_int("max_contacts", nvg_max_contacts, 1, NVG_MAX_REQ_CONTACTS) < 0
			|| nvg_check_int("max_bindings", nvg_max_bindings, 1, 10000000) < 0
			|| nvg_check_int("aor_retention", nvg_aor_retention, 0, 86400 * 365) < 0
			|| nvg_check_int("hash_size", nvg_hash_size, 1, 1 << 20) < 0
			|| nvg_check_int("retry_after", nvg_retry_after, 0, 86400) < 0
			|| nvg_check_int("timer_interval", nvg_timer_interval, 1, 3600) < 0
			|| nvg_check_int("max_depth", nvg_max_depth, 1, NVG_DEPTH_LIMIT) < 0
			|| nvg_check_int("convention", nvg_convention, 0, 1) < 0
			|| nvg_check_int("register_expires", nvg_reg_expires, 10, 86400) < 0
			|| nvg_check_int("register_retry", nvg_reg_retry, 1, 3600) < 0)
		return -1;

	if(nvg_is_gateway) {
		/* logical domain nvg-7.vpn.example.com: label nvg-7, parent
		 * vpn.example.com (nested NVGs are <label>.<parent> too) */
		dot = memchr(nvg_logical_domain.s, '.', nvg_logical_domain.len);
		nvg_own_label.s = nvg_logical_domain.s;
		nvg_own_label.len = dot ? (int)(dot - nvg_logical_domain.s)
								: nvg_logical_domain.len;
		if(dot) {
			nvg_parent_domain.s = dot + 1;
			nvg_parent_domain.len =
					nvg_logical_domain.len - nvg_own_label.len - 1;
		}
		if(load_tm_api(&nvg_tmb) != 0) {
			LM_ERR("cannot bind to the tm module (load tm before nvg)\n");
			return -1;
		}
		if(sl_load_api(&nvg_slb) != 0) {
			LM_ERR("cannot bind to the sl module (load sl before nvg)\n");
			return -1;
		}
		lim.max_bindings = nvg_max_bindings;
		lim.max_contacts = nvg_max_contacts;
		lim.max_expires = nvg_max_expires;
		lim.default_expires = nvg_default_expires > nvg_max_expires
									  ? nvg_max_expires
									  : nvg_default_expires;
		lim.aor_retention = nvg_aor_retention;
		nvg_table = nvg_tbl_new(&nvg_shm_ops, (unsigned)nvg_hash_size, &lim);
		if(!nvg_table) {
			LM_ERR("cannot create the binding table (shared memory)\n");
			return -1;
		}
		if(nvg_gw_init() < 0)
			return -1;
		if(register_check_self_func(nvg_check_self) < 0) {
			LM_ERR("cannot register the logical domain as a local name\n");
			return -1;
		}
		if(nvg_db_init() < 0)
			return -1;
		if(nvg_selfreg_init() < 0)
			return -1;
		if(nvg_check_int("max_dialogs", nvg_max_dialogs, 1, 1000000) < 0
				|| nvg_check_int("handoff_list", nvg_handoff_list, 0, 1) < 0
				|| nvg_check_int("handoff_parallel", nvg_handoff_parallel, 0, 1) < 0
				|| nvg_check_int("conntrack_flush", nvg_ct_flush, 0, 1) < 0)
			return -1;
		if(nvg_dlg_init() < 0)
			return -1;
		if(nvg_ho_init() < 0)
			return -1;
		register_basic_timers(1);
	} else {
		if(nvg_home_init() < 0)
			return -1;
	}
	if(register_module_stats(exports.name, mod_stats) != 0) {
		LM_ERR("failed to register statistics\n");
		return -1;
	}
	if(rpc_register_array(nvg_rpc_cmds) != 0) {
		LM_ERR("failed to register RPC commands\n");
		return -1;
	}
	return 0;
}

static int child_init(int rank)
{
	if(!nvg_is_gateway)
		return 0;
	if(rank == PROC_MAIN) {
		if(fork_basic_timer(PROC_TIMER, "NVG TIMER", 1, nvg_timer, NULL, 1) < 0) {
			LM_ERR("cannot start the timer process\n");
			return -1;
		}
		return nvg_ho_child_init(rank);
	}
	if(rank == PROC_INIT || rank == PROC_TCP_MAIN)
		return 0;
	return nvg_db_child_init(rank);
}

/* ---- cfg functions and KEMI --------------------------------------------------- */

/* 1 if the Request-URI's host is this NVG's logical domain, -1 otherwise */
static int ki_nvg_is_logical_uri(sip_msg_t *msg)
{
	if(parse_sip_msg_uri(msg) < 0) {
		LM_ERR("cannot parse the Request-URI\n");
		return -1;
	}
	if(msg->parsed_uri.host.len == nvg_logical_domain.len
			&& strncasecmp(msg->parsed_uri.host.s, nvg_logical_domain.s,
					   nvg_logical_domain.len) == 0) {
		update_stat(nvg_st_logical_hits, 1);
		return 1;
	}
	return -1;
}

static int w_nvg_is_logical_uri(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_nvg_is_logical_uri(msg);
}

#define NVG_GW_ONLY(fname)                                                 \
	do {                                                                   \
		if(!nvg_is_gateway) {                                              \
			LM_ERR(fname "() works in the gateway role only\n");           \
			return -1;                                                     \
		}                                                                  \
	} while(0)

#define NVG_HOME_ONLY(fname)                                               \
	do {                                                                   \
		if(nvg_is_gateway) {                                               \
			LM_ERR(fname "() works in the home role only\n");              \
			return -1;                                                     \
		}                                                                  \
	} while(0)

static int ki_nvg_from_ingress(sip_msg_t *msg)
{
	NVG_GW_ONLY("nvg_from_ingress");
	return nvg_from_ingress(msg) ? 1 : -1;
}

static int w_nvg_from_ingress(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_nvg_from_ingress(msg);
}

static int ki_nvg_register(sip_msg_t *msg)
{
	NVG_GW_ONLY("nvg_register");
	return nvg_register(msg);
}

static int w_nvg_register(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_nvg_register(msg);
}

static int ki_nvg_lookup(sip_msg_t *msg)
{
	NVG_GW_ONLY("nvg_lookup");
	return nvg_lookup(msg);
}

static int w_nvg_lookup(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_nvg_lookup(msg);
}

static int ki_nvg_record_route(sip_msg_t *msg)
{
	NVG_GW_ONLY("nvg_record_route");
	return nvg_record_route(msg);
}

static int w_nvg_record_route(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_nvg_record_route(msg);
}

static int ki_nvg_resolve(sip_msg_t *msg)
{
	NVG_HOME_ONLY("nvg_resolve");
	return nvg_home_resolve(msg);
}

static int w_nvg_resolve(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_nvg_resolve(msg);
}

static int ki_nvg_resolve_route(sip_msg_t *msg)
{
	if(nvg_is_gateway)
		return nvg_gw_resolve_route(msg);
	return nvg_home_resolve_route(msg);
}

static int w_nvg_resolve_route(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_nvg_resolve_route(msg);
}

static int ki_nvg_egress(sip_msg_t *msg)
{
	NVG_GW_ONLY("nvg_egress");
	return nvg_egress(msg);
}

static int w_nvg_egress(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_nvg_egress(msg);
}

static int ki_nvg_sdp_egress(sip_msg_t *msg)
{
	NVG_GW_ONLY("nvg_sdp_egress");
	return nvg_sdp_egress(msg);
}

static int w_nvg_sdp_egress(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_nvg_sdp_egress(msg);
}

/* event_route[tcp:closed|tcp:timeout|tcp:reset] (tcpops): 1 when the
 * connection to Proxy 1 was lost (the own REGISTER opens a new one), 2 when a
 * handoff closed it, -1 for any other connection */
static int ki_nvg_home_conn_closed(sip_msg_t *msg)
{
	NVG_GW_ONLY("nvg_home_conn_closed");
	return nvg_ho_conn_closed(msg);
}

static int w_nvg_home_conn_closed(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_nvg_home_conn_closed(msg);
}

/* clang-format off */
static sr_kemi_t sr_kemi_nvg_exports[] = {
	{ str_init("nvg"), str_init("nvg_is_logical_uri"),
		SR_KEMIP_INT, ki_nvg_is_logical_uri,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("nvg"), str_init("nvg_from_ingress"),
		SR_KEMIP_INT, ki_nvg_from_ingress,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("nvg"), str_init("nvg_register"),
		SR_KEMIP_INT, ki_nvg_register,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("nvg"), str_init("nvg_lookup"),
		SR_KEMIP_INT, ki_nvg_lookup,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("nvg"), str_init("nvg_record_route"),
		SR_KEMIP_INT, ki_nvg_record_route,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("nvg"), str_init("nvg_resolve"),
		SR_KEMIP_INT, ki_nvg_resolve,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("nvg"), str_init("nvg_resolve_route"),
		SR_KEMIP_INT, ki_nvg_resolve_route,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("nvg"), str_init("nvg_egress"),
		SR_KEMIP_INT, ki_nvg_egress,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("nvg"), str_init("nvg_sdp_egress"),
		SR_KEMIP_INT, ki_nvg_sdp_egress,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("nvg"), str_init("nvg_home_conn_closed"),
		SR_KEMIP_INT, ki_nvg_home_conn_closed,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ {0, 0}, {0, 0}, 0, NULL, { 0, 0, 0, 0, 0, 0 } }
};
/* clang-format on */

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(sr_kemi_nvg_exports);
	return 0;
}

/* ---- RPC ---------------------------------------------------------------------- */

static void nvg_rpc_status(rpc_t *rpc, void *ctx)
{
	void *th;
	int b = 0, a = 0, t = 0, r = 0;

	if(rpc->add(ctx, "{", &th) < 0) {
		rpc->fault(ctx, 500, "Internal error creating structure");
		return;
	}
	rpc->struct_add(th, "SSd", "role", &nvg_role, "logical_domain",
			&nvg_logical_domain, "logical_uri_hits",
			(int)get_stat_val(nvg_st_logical_hits));
	if(!nvg_is_gateway) {
		rpc->struct_add(th, "Sdddd", "location_table", &nvg_location_table,
				"max_depth", nvg_max_depth, "convention", nvg_convention,
				"nvg_map_entries", nvg_nmap, "resolved",
				(int)get_stat_val(nvg_st_resolved));
		rpc->struct_add(th, "d", "resolve_failed",
				(int)get_stat_val(nvg_st_resolve_failed));
		return;
	}
	nvg_tbl_counts(nvg_table, &b, &a, &t, &r);
	rpc->struct_add(th, "sdddddd", "ingress_socket",
			nvg_ingress_sock ? nvg_ingress_sock->sock_str.s : "(any)",
			"ingress_nets", nvg_nnets, "max_bindings", nvg_max_bindings,
			"max_contacts", nvg_max_contacts, "max_expires", nvg_max_expires,
			"bindings", b, "aors", a - t);
	rpc->struct_add(th, "ddsd", "tombstones", t, "reserved", r, "persistence",
			nvg_db_enabled() ? "write-through" : "none", "db_errors",
			(int)get_stat_val(nvg_st_db_errors));
	rpc->struct_add(th, "dddddd", "registers_translated",
			(int)get_stat_val(nvg_st_registers_translated), "registers_committed",
			(int)get_stat_val(nvg_st_registers_committed), "rejected_source",
			(int)get_stat_val(nvg_st_rejected_source), "rejected_malformed",
			(int)get_stat_val(nvg_st_rejected_malformed), "rejected_limit",
			(int)get_stat_val(nvg_st_rejected_limit), "rejected_conflict",
			(int)get_stat_val(nvg_st_rejected_conflict));
	rpc->struct_add(th, "dddd", "lookups", (int)get_stat_val(nvg_st_lookups),
			"lookup_404", (int)get_stat_val(nvg_st_lookup_404), "lookup_480",
			(int)get_stat_val(nvg_st_lookup_480), "expired",
			(int)get_stat_val(nvg_st_expired));
	nvg_selfreg_rpc(rpc, th);
	nvg_ho_status_rpc(rpc, th);
}

static void nvg_rpc_dialogs(rpc_t *rpc, void *ctx)
{
	if(!nvg_is_gateway) {
		rpc->fault(ctx, 400, "nvg.dialogs: gateway role only");
		return;
	}
	nvg_dlg_rpc(rpc, ctx);
}

typedef struct nvg_rpc_walk {
	rpc_t *rpc;
	void *ctx;
	time_t now;
	const nvg_aor_t *last;
	void *aor_th;
	void *contacts_th;
	int failed;
} nvg_rpc_walk_t;

static int nvg_rpc_visit(void *p, const nvg_aor_t *a, const nvg_contact_t *c)
{
	nvg_rpc_walk_t *w = p;
	rpc_t *rpc = w->rpc;
	void *ch;
	char luri[NVG_MAX_URI + 1];

	if(a != w->last) {
		w->last = a;
		if(rpc->add(w->ctx, "{", &w->aor_th) < 0
				|| rpc->struct_add(w->aor_th, "sd", "aor", a->aor, "contacts",
						   a->ncontacts) < 0) {
			w->failed = 1;
			return 1;
		}
		if(!c) {
			rpc->struct_add(w->aor_th, "d", "emptied_ago_s",
					(int)(w->now - a->emptied_at));
			return 0;
		}
		if(rpc->struct_add(w->aor_th, "[", "bindings", &w->contacts_th) < 0) {
			w->failed = 1;
			return 1;
		}
	}
	if(!c)
		return 0;
	if(nvg_logical_uri(luri, sizeof(luri), a->aor, a->user_len,
			   nvg_logical_domain.s, (size_t)nvg_logical_domain.len, c->token)
			< 0)
		luri[0] = 0;
	if(rpc->array_add(w->contacts_th, "{", &ch) < 0) {
		w->failed = 1;
		return 1;
	}
	rpc->struct_add(ch, "ssssdsdsdd", "logical", luri, "contact", c->uri,
			"received", c->received, "socket", c->sock, "expires_in",
			(int)(c->expires - w->now), "callid", c->callid, "cseq", (int)c->cseq,
			"instance", c->instance, "reg_id", (int)c->reg_id, "q", c->q);
	return 0;
}

static void nvg_rpc_bindings(rpc_t *rpc, void *ctx)
{
	nvg_rpc_walk_t w;

	if(!nvg_is_gateway || !nvg_table) {
		rpc->fault(ctx, 400, "nvg.bindings: gateway role only");
		return;
	}
	memset(&w, 0, sizeof(w));
	w.rpc = rpc;
	w.ctx = ctx;
	w.now = time(NULL);
	nvg_tbl_foreach(nvg_table, nvg_rpc_visit, &w);
	if(w.failed)
		rpc->fault(ctx, 500, "Internal error building the reply");
}

static void nvg_rpc_resolve(rpc_t *rpc, void *ctx)
{
	str in = STR_NULL;
	nvg_uri_t u;
	nvg_resolution_t res;
	const char *host;
	size_t hlen;
	void *th, *ah;
	int rc, i;

	if(nvg_is_gateway) {
		rpc->fault(ctx, 400, "nvg.resolve: home role only");
		return;
	}
	if(rpc->scan(ctx, "S", &in) < 1 || in.len <= 0) {
		rpc->fault(ctx, 400, "Missing logical domain or URI");
		return;
	}
	host = in.s;
	hlen = (size_t)in.len;
	if(in.len > 4 && (strncasecmp(in.s, "sip:", 4) == 0 || strncasecmp(in.s, "sips:", 5) == 0)) {
		if(nvg_uri_parse(in.s, (size_t)in.len, &u) != NVG_URI_OK) {
			rpc->fault(ctx, 400, "Not a valid SIP URI");
			return;
		}
		host = u.host.s;
		hlen = u.host.len;
	}
	rc = nvg_home_resolve_host(host, hlen, &res);
	if(rpc->add(ctx, "{", &th) < 0)
		return;
	rpc->struct_add(th, "sd", "result", nvg_res_strerror(rc), "depth", res.depth);
	if(rpc->struct_add(th, "[", "chain", &ah) >= 0)
		for(i = 0; i < res.depth; i++)
			rpc->array_add(ah, "s", res.chain[i]);
	if(rc == NVG_RES_OK)
		rpc->struct_add(th, "sss", "contact", res.hop.uri, "next_hop",
				res.hop.dst[0] ? res.hop.dst : res.hop.uri, "path", res.hop.path);
	else if(res.error[0])
		rpc->struct_add(th, "s", "error", res.error);
}

static void nvg_rpc_register(rpc_t *rpc, void *ctx)
{
	if(!nvg_is_gateway || !nvg_reg_enable) {
		rpc->fault(ctx, 400, "nvg.register: gateway role with modparam register=1 only");
		return;
	}
	nvg_selfreg_now();
	rpc->rpl_printf(ctx, "scheduled");
}
