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
 * Kamailio glue: parameters, RPC, statistics. Diameter message building is
 * in hotp_auth_diameter.c.
 */

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/ut.h"
#include "core/counters.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"

#include "hotp_auth_diameter.h"

MODULE_VERSION

static str ha_dest_realm = str_init("");

static stat_var *ha_uar_sent = 0;
static stat_var *ha_uar_failed = 0;

static int mod_init(void);
static void ha_rpc_uar(rpc_t *rpc, void *ctx);

/* clang-format off */
static param_export_t params[] = {
	{"dest_realm", PARAM_STR, &ha_dest_realm},
	{0, 0, 0}
};

static stat_export_t mod_stats[] = {
	{"uar_sent",   0, &ha_uar_sent},
	{"uar_failed", 0, &ha_uar_failed},
	{0, 0, 0}
};

static const char *ha_rpc_uar_doc[2] = {
	"Send a User-Authorization-Request for an AoR and return the answer's "
	"Result-Code (diagnostics: checks the path to the Diameter server)", 0
};

static rpc_export_t ha_rpc_cmds[] = {
	{"hotp_auth.uar", ha_rpc_uar, ha_rpc_uar_doc, 0},
	{0, 0, 0, 0}
};

struct module_exports exports = {
	"hotp_auth",     /* module name */
	DEFAULT_DLFLAGS, /* dlopen flags */
	0,               /* cfg functions */
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
	if(ha_dest_realm.len == 0) {
		LM_ERR("modparam dest_realm is required (the Diameter server's Realm)\n");
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
	return 0;
}

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
	uar = ha_build_uar(&aor, &ha_dest_realm, NULL);
	if(!uar) {
		update_stat(ha_uar_failed, 1);
		rpc->fault(ctx, 500, "Cannot build UAR");
		return;
	}
	update_stat(ha_uar_sent, 1);
	/* cdp takes ownership of the request */
	uaa = ha_cdp.AAASendRecvMessage(uar);
	if(!uaa) {
		update_stat(ha_uar_failed, 1);
		rpc->fault(ctx, 503, "No answer from the Diameter server");
		return;
	}
	rc = ha_result_code(uaa);
	ha_cdp.AAAFreeMessage(&uaa);
	rpc->rpl_printf(ctx, "%d", rc);
}
