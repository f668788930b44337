/*
 * ovsense module - shared declarations of the Kamailio glue
 * (ovsense_mod.c: exports, cfg/KEMI, PV, RPC, timer; ovsense_tm.c: the tm
 * callbacks that feed the estimator and the RFC 7339 Via handling)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see ovsense_mod.c).
 */

#ifndef OVSENSE_H
#define OVSENSE_H

#include <stdint.h>

#include "core/locking.h"
#include "core/counters.h"
#include "core/parser/msg_parser.h"
#include "modules/tm/tm_load.h"

#include "ovs_est.h"
#include "ovs_ctl.h"
#include "ovs_oc.h"

#define OVS_KEY_MAX 96

/* one downstream destination, in shared memory */
typedef struct ovs_dest {
	gen_lock_t lock;
	volatile int used;
	char key[OVS_KEY_MAX];
	int proto;              /* transport of the last send (PROTO_*) */
	ovs_est_t est;
	ovs_ctl_t ctl;
	/* what is advertised upstream for requests relayed to it (RFC 7339) */
	int adv_value;
	uint64_t adv_seq_sec;
	uint32_t adv_seq_frac;
	int64_t adv_nonzero_ms; /* last time the advertised value was > 0 */
	double adv_impl;        /* share to ask of RFC 7339 clients for the
	                         * implicit control (accumulated, see timer) */
	uint32_t up_offered;    /* this interval: new requests from RFC 7339 clients */
	uint32_t up_shed;       /* ...and shed by the implicit control */
	uint64_t fb_ignored;    /* malformed/unsupported feedback from it */
	uint64_t fb_applied;
} ovs_dest_t;

typedef struct ovs_shared {
	gen_lock_t lock; /* creation of destinations, self state */
	int ndest;
	/* this Kamailio's own load (its UDP receive queues), advertised to
	 * upstream clients that support RFC 7339 */
	int self_level;
	int self_fill_pct;
	int self_value;       /* advertised loss % for our own load */
	int self_forced;      /* -1, or forced by RPC until self_forced_until_ms */
	int64_t self_forced_until_ms;
	uint64_t seq_last_ms; /* oc-seq generator (strictly increasing) */
	ovs_dest_t dest[];
} ovs_shared_t;

/* per-transaction state, in shared memory (tm callback parameter) */
typedef struct ovs_tparam {
	int dest;
	int cls;
	int branch;        /* branch accounted (the first one sent) */
	int upstream_oc;   /* the client's Via carried `oc`: rewrite responses */
	volatile int flags;
	int reliable;
	int64_t admit_us;
	int64_t sent_us;
	uint32_t nrtx;     /* retransmissions sent before the first response */
	int64_t last_rtx_us;
} ovs_tparam_t;

#define OVS_TF_SENT 1
#define OVS_TF_ANSWERED 2
#define OVS_TF_FINAL 4
#define OVS_TF_ENDED 8

/* the outcome of the last ovsense_admit()/ovsense_check() in this process */
typedef struct ovs_ctx {
	unsigned int msg_id;
	int msg_pid;
	int valid;
	int dest;
	int cls;
	int decision;
	int state;
	int level;
	int retry_after;
} ovs_ctx_t;

extern ovs_shared_t *ovs_sh;
extern int ovs_max_dest;
extern ovs_est_params_t ovs_ep;
extern ovs_ctl_params_t ovs_cp;
extern struct tm_binds ovs_tmb;
extern int ovs_oc_enabled;
extern int ovs_oc_advertise;
extern int ovs_oc_validity;
extern int ovs_oc_max_validity;
extern int ovs_retry_after;

extern stat_var *ovs_st_fb_applied;
extern stat_var *ovs_st_fb_ignored;
extern stat_var *ovs_st_oc_advertised;
extern stat_var *ovs_st_timeouts;
extern stat_var *ovs_st_send_errors;

int64_t ovs_now_us(void);

/* ovsense_tm.c */
int ovs_track(sip_msg_t *msg, tm_cell_t *t, int dest, int cls, int upstream_oc,
		int64_t admit_us);
int ovs_upstream_supports(sip_msg_t *msg);
void ovs_adv_current(int dest, int64_t now_ms, int *value, uint64_t *sec, uint32_t *frac,
		int *send);

#endif
