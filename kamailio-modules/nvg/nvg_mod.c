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
 * ingress side) and "home" (Proxy 2, resolving MN -> NVG logical URI).
 * This file holds only the Kamailio glue: parameters, cfg functions, KEMI,
 * RPC and statistics.
 */

#include <string.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/ut.h"
#include "core/mod_fix.h"
#include "core/counters.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/kemi.h"
#include "core/parser/parse_uri.h"

MODULE_VERSION

static str nvg_logical_domain = str_init("");
static str nvg_role = str_init("gateway");

static stat_var *nvg_logical_hits = 0;

static int mod_init(void);
static int w_nvg_is_logical_uri(sip_msg_t *msg, char *p1, char *p2);
static void nvg_rpc_status(rpc_t *rpc, void *ctx);

/* clang-format off */
static cmd_export_t cmds[] = {
	{"nvg_is_logical_uri", (cmd_function)w_nvg_is_logical_uri, 0, 0, 0,
		REQUEST_ROUTE | FAILURE_ROUTE | BRANCH_ROUTE},
	{0, 0, 0, 0, 0, 0}
};

static param_export_t params[] = {
	{"logical_domain", PARAM_STR, &nvg_logical_domain},
	{"role",           PARAM_STR, &nvg_role},
	{0, 0, 0}
};

static stat_export_t mod_stats[] = {
	{"logical_uri_hits", 0, &nvg_logical_hits},
	{0, 0, 0}
};

static const char *nvg_rpc_status_doc[2] = {
	"Role, logical domain and counters of the NVG module", 0
};

static rpc_export_t nvg_rpc_cmds[] = {
	{"nvg.status", nvg_rpc_status, nvg_rpc_status_doc, 0},
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
	0,               /* per-child init */
	0                /* destroy */
};
/* clang-format on */

static int mod_init(void)
{
	if(nvg_role.len != 7 || strncmp(nvg_role.s, "gateway", 7) != 0) {
		if(nvg_role.len != 4 || strncmp(nvg_role.s, "home", 4) != 0) {
			LM_ERR("modparam role: '%.*s' is neither 'gateway' nor 'home'\n",
					nvg_role.len, nvg_role.s);
			return -1;
		}
	}
	if(nvg_logical_domain.len == 0) {
		LM_ERR("modparam logical_domain is required (e.g. nvg-7.vpn.example.com)\n");
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
		update_stat(nvg_logical_hits, 1);
		return 1;
	}
	return -1;
}

static int w_nvg_is_logical_uri(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_nvg_is_logical_uri(msg);
}

static void nvg_rpc_status(rpc_t *rpc, void *ctx)
{
	void *th;

	if(rpc->add(ctx, "{", &th) < 0) {
		rpc->fault(ctx, 500, "Internal error creating structure");
		return;
	}
	rpc->struct_add(th, "SSd", "role", &nvg_role, "logical_domain",
			&nvg_logical_domain, "logical_uri_hits",
			(int)get_stat_val(nvg_logical_hits));
}

/* clang-format off */
static sr_kemi_t sr_kemi_nvg_exports[] = {
	{ str_init("nvg"), str_init("nvg_is_logical_uri"),
		SR_KEMIP_INT, ki_nvg_is_logical_uri,
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
