/*
 * ovsense module - implicit overload sensing of downstream SIP servers
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
 * Kamailio glue only: parameters, RPC, statistics. The estimator (plain C)
 * and the tm hooks that feed it come with the overload-sensing work.
 */

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/counters.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"

MODULE_VERSION

static int ovsense_retry_after = 5;

static stat_var *ovsense_shed = 0;

static int mod_init(void);
static void ovsense_rpc_status(rpc_t *rpc, void *ctx);

/* clang-format off */
static param_export_t params[] = {
	{"retry_after", PARAM_INT, &ovsense_retry_after},
	{0, 0, 0}
};

static stat_export_t mod_stats[] = {
	{"shed_requests", 0, &ovsense_shed},
	{0, 0, 0}
};

static const char *ovsense_rpc_status_doc[2] = {
	"Parameters and counters of the ovsense module", 0
};

static rpc_export_t ovsense_rpc_cmds[] = {
	{"ovsense.status", ovsense_rpc_status, ovsense_rpc_status_doc, 0},
	{0, 0, 0, 0}
};

struct module_exports exports = {
	"ovsense",       /* module name */
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
	if(ovsense_retry_after < 1 || ovsense_retry_after > 3600) {
		LM_ERR("modparam retry_after: %d is outside 1..3600 seconds\n",
				ovsense_retry_after);
		return -1;
	}
	if(register_module_stats(exports.name, mod_stats) != 0) {
		LM_ERR("failed to register statistics\n");
		return -1;
	}
	if(rpc_register_array(ovsense_rpc_cmds) != 0) {
		LM_ERR("failed to register RPC commands\n");
		return -1;
	}
	return 0;
}

static void ovsense_rpc_status(rpc_t *rpc, void *ctx)
{
	void *th;

	if(rpc->add(ctx, "{", &th) < 0) {
		rpc->fault(ctx, 500, "Internal error creating structure");
		return;
	}
	rpc->struct_add(th, "dd", "retry_after", ovsense_retry_after,
			"shed_requests", (int)get_stat_val(ovsense_shed));
}
