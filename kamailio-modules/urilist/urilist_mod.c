/*
 * urilist module - URI-list request fan-out (RFC 5366 / RFC 4826 bodies)
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
 * Kamailio glue only: parameters, cfg functions, KEMI, RPC, statistics.
 */

#include <string.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/ut.h"
#include "core/counters.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/kemi.h"
#include "core/trim.h"
#include "core/parser/msg_parser.h"

MODULE_VERSION

static int urilist_max_entries = 100;

static stat_var *urilist_lists_seen = 0;

static int mod_init(void);
static int w_urilist_has_list(sip_msg_t *msg, char *p1, char *p2);
static void urilist_rpc_status(rpc_t *rpc, void *ctx);

/* clang-format off */
static cmd_export_t cmds[] = {
	{"urilist_has_list", (cmd_function)w_urilist_has_list, 0, 0, 0,
		REQUEST_ROUTE | FAILURE_ROUTE | BRANCH_ROUTE},
	{0, 0, 0, 0, 0, 0}
};

static param_export_t params[] = {
	{"max_entries", PARAM_INT, &urilist_max_entries},
	{0, 0, 0}
};

static stat_export_t mod_stats[] = {
	{"lists_seen", 0, &urilist_lists_seen},
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
	0,               /* pseudo-variables */
	0,               /* response function */
	mod_init,        /* module init */
	0,               /* per-child init */
	0                /* destroy */
};
/* clang-format on */

static int mod_init(void)
{
	if(urilist_max_entries < 1 || urilist_max_entries > 100000) {
		LM_ERR("modparam max_entries: %d is outside 1..100000\n",
				urilist_max_entries);
		return -1;
	}
	if(register_module_stats(exports.name, mod_stats) != 0) {
		LM_ERR("failed to register statistics\n");
		return -1;
	}
	if(rpc_register_array(urilist_rpc_cmds) != 0) {
		LM_ERR("failed to register RPC commands\n");
		return -1;
	}
	return 0;
}

/* case-insensitive search of an option tag in a comma-separated header body */
static int urilist_hdr_has_tag(hdr_field_t *hf, const char *tag)
{
	int tlen = strlen(tag);
	char *p, *end;

	for(; hf; hf = next_sibling_hdr(hf)) {
		p = hf->body.s;
		end = hf->body.s + hf->body.len;
		while(p < end) {
			while(p < end && (*p == ' ' || *p == '\t' || *p == ','))
				p++;
			if(end - p >= tlen && strncasecmp(p, tag, tlen) == 0
					&& (end - p == tlen || p[tlen] == ',' || p[tlen] == ' '
							|| p[tlen] == '\t' || p[tlen] == '\r'))
				return 1;
			while(p < end && *p != ',')
				p++;
		}
	}
	return 0;
}

/* 1 if the request asks for recipient-list handling (RFC 5366 Require tag
 * or a resource-lists / multipart/mixed body), -1 otherwise */
static int ki_urilist_has_list(sip_msg_t *msg)
{
	static const str rl = str_init("application/resource-lists+xml");
	static const str mm = str_init("multipart/mixed");
	str ct;

	if(parse_headers(msg, HDR_EOH_F, 0) < 0) {
		LM_ERR("malformed SIP headers\n");
		return -1;
	}
	if(msg->require && urilist_hdr_has_tag(msg->require, "recipient-list-invite"))
		goto found;
	if(msg->content_type) {
		ct = msg->content_type->body;
		trim(&ct);
		if((ct.len >= rl.len && strncasecmp(ct.s, rl.s, rl.len) == 0)
				|| (ct.len >= mm.len && strncasecmp(ct.s, mm.s, mm.len) == 0))
			goto found;
	}
	return -1;
found:
	update_stat(urilist_lists_seen, 1);
	return 1;
}

static int w_urilist_has_list(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_urilist_has_list(msg);
}

static void urilist_rpc_status(rpc_t *rpc, void *ctx)
{
	void *th;

	if(rpc->add(ctx, "{", &th) < 0) {
		rpc->fault(ctx, 500, "Internal error creating structure");
		return;
	}
	rpc->struct_add(th, "dd", "max_entries", urilist_max_entries,
			"lists_seen", (int)get_stat_val(urilist_lists_seen));
}

/* clang-format off */
static sr_kemi_t sr_kemi_urilist_exports[] = {
	{ str_init("urilist"), str_init("urilist_has_list"),
		SR_KEMIP_INT, ki_urilist_has_list,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
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
