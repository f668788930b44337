/*
 * ovsense - control laws: which new requests a destination is sent, and
 * RFC 7339 loss-based feedback received from it (plain C, no Kamailio
 * dependency, no locking: the caller serialises)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see ovsense_mod.c).
 *
 * Two laws, both driven by the estimator (ovs_est.h) and both inactive
 * while the destination is in state normal:
 *  - occupancy (default): the number of requests the destination holds
 *    (sent, not answered yet) is capped by a window, adapted once per
 *    interval towards a target queueing delay (Noel & Johnson's occupancy
 *    update with the delay ratio as occupancy ratio; multiplicative decrease
 *    on retransmissions, timeouts, 503 or send errors);
 *  - loss: RFC 7339's loss-based abatement applied to an admission
 *    fraction computed the same way (f <- f * min(target/delay, phi)).
 * Explicit feedback (oc / oc-validity / oc-seq from the destination)
 * applies on top of either law. In-dialog and critical requests (ACK,
 * CANCEL, BYE, PRACK, emergency) are never shed.
 */

#ifndef OVS_CTL_H
#define OVS_CTL_H

#include <stdint.h>

#include "ovs_est.h"
#include "ovs_oc.h"

typedef enum ovs_law {
	OVS_LAW_OCCUPANCY = 0,
	OVS_LAW_LOSS = 1
} ovs_law_t;

/* request classes, from most to least sheddable */
enum {
	OVS_CLASS_NEW = 0,      /* out-of-dialog request: subject to control */
	OVS_CLASS_DIALOG = 1,   /* in-dialog (To-tag): never shed */
	OVS_CLASS_CRITICAL = 2  /* BYE, ACK, CANCEL, PRACK, emergency: never shed */
};

/* admission decisions */
#define OVS_ADMIT 1
#define OVS_SHED_WINDOW -1   /* occupancy window full */
#define OVS_SHED_LOSS -2     /* implicit loss fraction */
#define OVS_SHED_EXPLICIT -3 /* the destination's own RFC 7339 feedback */

typedef struct ovs_ctl_params {
	int law;             /* ovs_law_t */
	int target_delay_ms; /* queueing delay the laws aim at (100) */
	int win_min;         /* smallest window (2) */
	int win_max;         /* largest window (10000) */
	int win_headroom;    /* in state normal the window follows 2 x peak + this (8) */
	int beta_pct;        /* decrease factor on a loss event (70) */
	int phi_pct;         /* largest increase factor per interval (120) */
	int min_admit_pct;   /* loss law: lowest admission fraction (2) */
} ovs_ctl_params_t;

typedef struct ovs_ctl {
	double window;      /* occupancy law */
	double backlog_cap; /* unanswered requests beyond which new ones are shed
	                     * in any state (2 x Little's-law occupancy) */
	double admit;       /* loss law: admitted fraction of new requests */
	double credit;      /* deterministic thinning for the loss law */
	double oc_credit;   /* ... and for explicit feedback */
	int hold_down;      /* intervals left in which loss events are not acted on */

	/* explicit feedback from the destination */
	int oc_value;       /* -1: never received */
	uint32_t oc_validity_ms;
	int64_t oc_until_ms;
	int oc_have_seq;
	uint64_t oc_seq_sec;
	uint32_t oc_seq_frac;

	/* current interval */
	uint32_t offered, admitted, shed, shed_window, shed_loss, shed_explicit, prio;
	/* last interval, for display */
	uint32_t last_offered, last_shed;
	double shed_ratio;  /* smoothed fraction of new requests shed, 0..1 */

	uint64_t tot_offered, tot_admitted, tot_shed, tot_shed_window, tot_shed_loss,
			tot_shed_explicit, tot_prio, tot_oc_applied, tot_oc_stale;
} ovs_ctl_t;

void ovs_ctl_params_default(ovs_ctl_params_t *p);
int ovs_ctl_params_check(const ovs_ctl_params_t *p, char *err, int errlen);
void ovs_ctl_init(ovs_ctl_t *c, const ovs_ctl_params_t *p);

/*
 * Decide for one request of class cls toward a destination whose estimator
 * is in state st and which holds `inflight` unanswered requests (the
 * occupancy window counts them all), `held` of them beyond the path's
 * current delay (ovs_est_held(); the backlog cap counts only those).
 * upstream_adv: -1, or the loss percentage this proxy currently advertises
 * to the RFC 7339 client the request comes from (which has already dropped
 * that share: explicit feedback from the destination is then applied only
 * for what the client's drop does not cover, so the two do not compound).
 * Returns OVS_ADMIT or one of the OVS_SHED_* codes.
 */
int ovs_ctl_admit(ovs_ctl_t *c, const ovs_ctl_params_t *p, ovs_state_t st,
		uint32_t inflight, uint32_t held, int cls, int upstream_adv, int64_t now_ms);

/* once per interval, right after ovs_est_tick() */
void ovs_ctl_tick(ovs_ctl_t *c, const ovs_ctl_params_t *p, const ovs_est_t *e,
		int interval_ms, int64_t now_ms);

/*
 * RFC 7339 feedback from the destination (rc OVS_OC_FEEDBACK of
 * ovs_oc_parse()). Returns 1 if applied, 0 if stale or repeated (its
 * oc-seq is not newer than the one in force).
 */
int ovs_ctl_feedback(ovs_ctl_t *c, const ovs_oc_t *oc, int64_t now_ms);

/* explicit feedback in force: its value, else -1 */
int ovs_ctl_explicit(const ovs_ctl_t *c, int64_t now_ms);

const char *ovs_law_name(int law);
const char *ovs_class_name(int cls);
const char *ovs_decision_name(int d);

#endif
