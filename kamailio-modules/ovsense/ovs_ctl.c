/*
 * ovsense - control laws and RFC 7339 feedback (plain C). See ovs_ctl.h.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see ovsense_mod.c).
 */

#include <stdio.h>
#include <string.h>

#include "ovs_ctl.h"

#define OVS_SHED_EWMA 0.3

void ovs_ctl_params_default(ovs_ctl_params_t *p)
{
	p->law = OVS_LAW_OCCUPANCY;
	p->target_delay_ms = 100;
	p->win_min = 2;
	p->win_max = 10000;
	p->win_headroom = 8;
	p->beta_pct = 70;
	p->phi_pct = 120;
	p->min_admit_pct = 2;
}

static int ovs_crange(char *err, int errlen, const char *name, int v, int lo, int hi)
{
	if(v < lo || v > hi) {
		snprintf(err, errlen, "modparam %s: %d is not in %d..%d", name, v, lo, hi);
		return -1;
	}
	return 0;
}

int ovs_ctl_params_check(const ovs_ctl_params_t *p, char *err, int errlen)
{
	if(ovs_crange(err, errlen, "target_delay", p->target_delay_ms, 1, 600000) < 0
			|| ovs_crange(err, errlen, "window_min", p->win_min, 1, 1000000) < 0
			|| ovs_crange(err, errlen, "window_max", p->win_max, 1, 1000000) < 0
			|| ovs_crange(err, errlen, "window_headroom", p->win_headroom, 0, 1000000) < 0
			|| ovs_crange(err, errlen, "beta", p->beta_pct, 1, 99) < 0
			|| ovs_crange(err, errlen, "phi", p->phi_pct, 101, 1000) < 0
			|| ovs_crange(err, errlen, "min_admit", p->min_admit_pct, 0, 100) < 0)
		return -1;
	if(p->win_min > p->win_max) {
		snprintf(err, errlen, "modparam window_min (%d) is above window_max (%d)",
				p->win_min, p->win_max);
		return -1;
	}
	if(p->law != OVS_LAW_OCCUPANCY && p->law != OVS_LAW_LOSS) {
		snprintf(err, errlen, "modparam law: %d is neither occupancy nor loss", p->law);
		return -1;
	}
	return 0;
}

void ovs_ctl_init(ovs_ctl_t *c, const ovs_ctl_params_t *p)
{
	memset(c, 0, sizeof(*c));
	c->backlog_cap = 4.0 * p->win_headroom;
	if(c->backlog_cap < p->win_min)
		c->backlog_cap = p->win_min;
	c->window = c->backlog_cap;
	if(c->window > p->win_max)
		c->window = p->win_max;
	c->admit = 1.0;
	c->oc_value = -1;
}

int ovs_ctl_explicit(const ovs_ctl_t *c, int64_t now_ms)
{
	if(c->oc_value < 0 || now_ms >= c->oc_until_ms)
		return -1;
	return c->oc_value;
}

int ovs_ctl_admit(ovs_ctl_t *c, const ovs_ctl_params_t *p, ovs_state_t st,
		uint32_t inflight, uint32_t held, int cls, int upstream_adv, int64_t now_ms)
{
	int oc;
	double keep;

	if(cls != OVS_CLASS_NEW) {
		c->prio++;
		c->tot_prio++;
		return OVS_ADMIT;
	}
	c->offered++;
	c->tot_offered++;

	/* RFC 7339 loss-based: the destination asked for oc % fewer requests */
	oc = ovs_ctl_explicit(c, now_ms);
	if(oc > 0) {
		keep = (100 - oc) / 100.0;
		if(upstream_adv > 0) {
			keep /= (100 - (upstream_adv > 99 ? 99 : upstream_adv)) / 100.0;
			if(keep > 1.0)
				keep = 1.0;
		}
		c->oc_credit += keep;
		if(c->oc_credit >= 1.0 - 1e-9) {
			c->oc_credit -= 1.0;
		} else {
			c->shed++;
			c->shed_explicit++;
			c->tot_shed++;
			c->tot_shed_explicit++;
			return OVS_SHED_EXPLICIT;
		}
	}

	if(st == OVS_NORMAL || p->law == OVS_LAW_LOSS) {
		/* a backlog no healthy destination holds; in state normal, what
		 * is still on a long or slow path is not held by the destination
		 * (once the estimator has seen load, the law counts everything) */
		if((double)(st == OVS_NORMAL ? held : inflight) >= (double)(int)c->backlog_cap) {
			c->shed++;
			c->shed_window++;
			c->tot_shed++;
			c->tot_shed_window++;
			return OVS_SHED_WINDOW;
		}
	}
	if(st != OVS_NORMAL) {
		if(p->law == OVS_LAW_OCCUPANCY) {
			if((double)inflight >= (double)(int)c->window) {
				c->shed++;
				c->shed_window++;
				c->tot_shed++;
				c->tot_shed_window++;
				return OVS_SHED_WINDOW;
			}
		} else {
			c->credit += c->admit;
			if(c->credit >= 1.0 - 1e-9) {
				c->credit -= 1.0;
			} else {
				c->shed++;
				c->shed_loss++;
				c->tot_shed++;
				c->tot_shed_loss++;
				return OVS_SHED_LOSS;
			}
		}
	}
	c->admitted++;
	c->tot_admitted++;
	return OVS_ADMIT;
}

void ovs_ctl_tick(ovs_ctl_t *c, const ovs_ctl_params_t *p, const ovs_est_t *e,
		int interval_ms, int64_t now_ms)
{
	double beta = p->beta_pct / 100.0, phi = p->phi_pct / 100.0;
	double target, d, ratio, w, fmin, little, cap, adj, f;
	int limited, loss;

	/* delay ratio: (base + target) / current, > 1 below the target */
	target = e->base50_ms + p->target_delay_ms;
	d = e->p50_ms;
	if(!e->have_delay || d < 0.001)
		ratio = phi;
	else
		ratio = target / d;

	/* a loss event is acted on once, then not again until the copies and
	 * timeouts it causes have passed (about 1 s: T1 500 ms doubled) */
	loss = 0;
	if(c->hold_down > 0)
		c->hold_down--;
	else if(e->loss_event && e->state != OVS_NORMAL) {
		loss = 1;
		c->hold_down = 1000 / (interval_ms > 0 ? interval_ms : 200);
	}
	/* Little's law: what the destination answers per second times the
	 * delay aimed at is the occupancy that keeps it busy without a queue
	 * beyond the target */
	little = (double)e->last_responses * 1000.0 / (interval_ms > 0 ? interval_ms : 200)
			 * (e->base50_ms + p->target_delay_ms) / 1000.0;

	/* the backlog no destination holds without being overloaded: twice
	 * its Little's-law occupancy (a predicted queueing delay of twice the
	 * target), at least 4 x headroom; enforced in every state */
	cap = 2.0 * little + p->win_headroom;
	if(cap < 4.0 * p->win_headroom)
		cap = 4.0 * p->win_headroom;
	if(cap < p->win_min)
		cap = p->win_min;
	c->backlog_cap = cap;

	if(p->law == OVS_LAW_OCCUPANCY) {
		w = c->window;
		if(e->state == OVS_NORMAL) {
			/* control starts from the backlog cap */
			w = cap;
		} else {
			limited = c->shed_window > 0
					  || (double)e->last_peak_inflight >= (double)(int)w;
			if(loss || e->no_answer) {
				/* a destination that answers nothing is probed with
				 * window_min requests per interval */
				w *= beta;
			} else if(ratio < 1.0) {
				w *= ratio > beta ? ratio : beta;
			} else if(limited) {
				ratio = ratio < phi ? ratio : phi;
				w = w * ratio > w + 1.0 ? w * ratio : w + 1.0;
			}
			if(w > cap)
				w = cap;
		}
		if(w < p->win_min)
			w = p->win_min;
		if(w > p->win_max)
			w = p->win_max;
		c->window = w;
	} else {
		fmin = p->min_admit_pct / 100.0;
		if(e->state == OVS_NORMAL) {
			c->admit += (1.0 - c->admit) * 0.5;
			if(c->admit > 0.999)
				c->admit = 1.0;
		} else if(e->no_answer) {
			c->admit *= beta;
		} else if(c->offered > 0) {
			/* rate matching: admit what the destination answered last
			 * interval (its capacity while saturated), nudged towards the
			 * delay target, minus what the never-shed classes take */
			adj = loss ? beta : (ratio < 1.0 / phi ? 1.0 / phi : (ratio > phi ? phi : ratio));
			f = ((double)e->last_responses * adj - (double)c->prio) / (double)c->offered;
			/* at most phi times more than before: probe, do not jump */
			if(f > c->admit * phi)
				f = c->admit * phi;
			c->admit = f;
		}
		if(c->admit > 1.0)
			c->admit = 1.0;
		if(c->admit < fmin)
			c->admit = fmin;
		if(c->credit > 1.0 + c->admit)
			c->credit = 1.0 + c->admit;
	}

	if(c->offered > 0)
		c->shed_ratio = (1 - OVS_SHED_EWMA) * c->shed_ratio
						+ OVS_SHED_EWMA * ((double)c->shed / c->offered);
	else
		c->shed_ratio *= (1 - OVS_SHED_EWMA);
	if(c->shed_ratio < 0.001)
		c->shed_ratio = 0;
	c->last_offered = c->offered;
	c->last_shed = c->shed;
	c->offered = c->admitted = c->shed = c->shed_window = c->shed_loss =
			c->shed_explicit = c->prio = 0;
	(void)now_ms;
}

int ovs_ctl_feedback(ovs_ctl_t *c, const ovs_oc_t *oc, int64_t now_ms)
{
	int cmp;

	if(!oc->has_value)
		return 0;
	if(oc->has_seq && c->oc_have_seq && now_ms < c->oc_until_ms) {
		cmp = ovs_oc_seq_cmp(oc->seq_sec, oc->seq_frac, c->oc_seq_sec, c->oc_seq_frac);
		if(cmp <= 0) {
			/* older or the same report: validity runs from its first receipt */
			if(cmp < 0)
				c->tot_oc_stale++;
			return 0;
		}
	}
	c->oc_value = oc->validity_ms == 0 ? 0 : oc->value;
	c->oc_validity_ms = oc->validity_ms;
	c->oc_until_ms = now_ms + oc->validity_ms;
	c->oc_have_seq = oc->has_seq;
	c->oc_seq_sec = oc->seq_sec;
	c->oc_seq_frac = oc->seq_frac;
	c->tot_oc_applied++;
	return 1;
}

const char *ovs_law_name(int law)
{
	return law == OVS_LAW_LOSS ? "loss" : "occupancy";
}

const char *ovs_class_name(int cls)
{
	switch(cls) {
		case OVS_CLASS_NEW:
			return "new";
		case OVS_CLASS_DIALOG:
			return "dialog";
		case OVS_CLASS_CRITICAL:
			return "critical";
	}
	return "unknown";
}

const char *ovs_decision_name(int d)
{
	switch(d) {
		case OVS_ADMIT:
			return "admitted";
		case OVS_SHED_WINDOW:
			return "shed: occupancy window full";
		case OVS_SHED_LOSS:
			return "shed: loss fraction";
		case OVS_SHED_EXPLICIT:
			return "shed: RFC 7339 feedback";
	}
	return "unknown";
}
