/*
 * ovsense - implicit load estimator of one downstream SIP destination
 * (plain C, no Kamailio dependency). See ovs_est.h and README.md.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see ovsense_mod.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovs_est.h"

#define OVS_EW_DECAY 0.6 /* per-interval decay of the event counts behind ratios */
#define OVS_LOSS_EVENT_SCORE 50.0
#define OVS_INF 1e30
/* a copy's answer takes at least this share of the base delay (Allman and
 * Paxson take 1/2 of the minimum RTT; the base here is a minimum of
 * per-interval medians, and T1 = 500 ms is half a 1 s round trip) */
#define OVS_RTX_MIN_FRAC 0.75

void ovs_est_params_default(ovs_est_params_t *p)
{
	p->interval_ms = 200;
	p->delay_max_ms = 300;
	p->delay_abs_max_ms = 2000;
	p->base_window_s = 60;
	p->retrans_max_pct = 10;
	p->timeout_max_pct = 5;
	p->reject_max_pct = 10;
	p->tcp_err_max_pct = 5;
	p->send_delay_max_ms = 200;
	p->min_samples = 10;
	p->level_high = 55;
	p->level_overload = 85;
	p->hysteresis = 15;
	p->hold_intervals = 10;
	p->alpha_up_pct = 50;
	p->alpha_down_pct = 20;
	p->max_retry_after_s = 300;
}

static int ovs_range(char *err, int errlen, const char *name, int v, int lo, int hi)
{
	if(v < lo || v > hi) {
		snprintf(err, errlen, "modparam %s: %d is not in %d..%d", name, v, lo, hi);
		return -1;
	}
	return 0;
}

int ovs_est_params_check(const ovs_est_params_t *p, char *err, int errlen)
{
	if(ovs_range(err, errlen, "interval", p->interval_ms, 20, 10000) < 0
			|| ovs_range(err, errlen, "delay_max", p->delay_max_ms, 1, 600000) < 0
			|| ovs_range(err, errlen, "delay_abs_max", p->delay_abs_max_ms, 1, 600000) < 0
			|| ovs_range(err, errlen, "base_window", p->base_window_s, 1, 86400) < 0
			|| ovs_range(err, errlen, "retrans_max", p->retrans_max_pct, 1, 100) < 0
			|| ovs_range(err, errlen, "timeout_max", p->timeout_max_pct, 1, 100) < 0
			|| ovs_range(err, errlen, "reject_max", p->reject_max_pct, 1, 100) < 0
			|| ovs_range(err, errlen, "tcp_error_max", p->tcp_err_max_pct, 1, 100) < 0
			|| ovs_range(err, errlen, "send_delay_max", p->send_delay_max_ms, 1, 600000) < 0
			|| ovs_range(err, errlen, "min_samples", p->min_samples, 1, 100000) < 0
			|| ovs_range(err, errlen, "level_high", p->level_high, 1, 99) < 0
			|| ovs_range(err, errlen, "level_overload", p->level_overload, 2, 100) < 0
			|| ovs_range(err, errlen, "hysteresis", p->hysteresis, 0, 99) < 0
			|| ovs_range(err, errlen, "hold_intervals", p->hold_intervals, 1, 10000) < 0
			|| ovs_range(err, errlen, "alpha_up", p->alpha_up_pct, 1, 100) < 0
			|| ovs_range(err, errlen, "alpha_down", p->alpha_down_pct, 1, 100) < 0
			|| ovs_range(err, errlen, "max_retry_after", p->max_retry_after_s, 0, 86400) < 0)
		return -1;
	if(p->level_high >= p->level_overload) {
		snprintf(err, errlen, "modparam level_high (%d) must be below level_overload (%d)",
				p->level_high, p->level_overload);
		return -1;
	}
	if(p->hysteresis >= p->level_high) {
		snprintf(err, errlen, "modparam hysteresis (%d) must be below level_high (%d)",
				p->hysteresis, p->level_high);
		return -1;
	}
	return 0;
}

/* ---- delay histogram: quarter octaves from 250 us ---------------------------- */

static double ovs_edge_us[OVS_HIST_BUCKETS];
static int ovs_edges_ready = 0;

static void ovs_edges_init(void)
{
	int k;
	double e = 250.0;

	for(k = 0; k < OVS_HIST_BUCKETS; k++) {
		ovs_edge_us[k] = e;
		e *= 1.189207115002721; /* 2^(1/4) */
	}
	ovs_edges_ready = 1;
}

/* bucket k holds [edge[k-1], edge[k]); bucket 0 is below 250 us; the last
 * one (OVS_HIST_BUCKETS) everything from edge[OVS_HIST_BUCKETS-1] up */
int ovs_hist_bucket(int64_t us)
{
	int lo = 0, hi = OVS_HIST_BUCKETS, mid;

	if(!ovs_edges_ready)
		ovs_edges_init();
	if(us < 0)
		us = 0;
	/* first edge strictly above us */
	while(lo < hi) {
		mid = (lo + hi) / 2;
		if((double)us < ovs_edge_us[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

double ovs_hist_quantile(const uint32_t *hist, double q)
{
	uint64_t n = 0, want, c = 0;
	int k;

	if(!ovs_edges_ready)
		ovs_edges_init();
	for(k = 0; k <= OVS_HIST_BUCKETS; k++)
		n += hist[k];
	if(n == 0)
		return 0.0;
	want = (uint64_t)(q * (double)n + 0.999999);
	if(want < 1)
		want = 1;
	for(k = 0; k <= OVS_HIST_BUCKETS; k++) {
		c += hist[k];
		if(c >= want)
			break;
	}
	if(k == 0)
		return 0.125;
	if(k >= OVS_HIST_BUCKETS)
		return ovs_edge_us[OVS_HIST_BUCKETS - 1] / 1000.0;
	/* geometric middle of [edge[k-1], edge[k]) */
	return ovs_edge_us[k - 1] * 1.0905077326652577 / 1000.0; /* 2^(1/8) */
}

/* ---- events ------------------------------------------------------------------ */

void ovs_est_init(ovs_est_t *e, int64_t now_ms)
{
	int i;

	memset(e, 0, sizeof(*e));
	for(i = 0; i < OVS_BASE_SLOTS; i++)
		e->slot50[i] = e->slot90[i] = OVS_INF;
	e->slot_start_ms = now_ms;
	e->state_since_ms = now_ms;
	e->send_slot_t0 = now_ms;
	e->path_ms = OVS_T1_MS;
	e->floor50_ms = -1;
	if(!ovs_edges_ready)
		ovs_edges_init();
}

/* move the send history to now_ms (slots passed over are emptied) */
static void ovs_send_advance(ovs_est_t *e, int64_t now_ms)
{
	int64_t n;

	if(now_ms - e->send_slot_t0 < OVS_SEND_SLOT_MS)
		return;
	n = (now_ms - e->send_slot_t0) / OVS_SEND_SLOT_MS;
	e->send_slot_t0 += n * OVS_SEND_SLOT_MS;
	if(n >= OVS_SEND_SLOTS) {
		memset(e->send_slot, 0, sizeof(e->send_slot));
		return;
	}
	while(n-- > 0) {
		e->send_cur = (e->send_cur + 1) % OVS_SEND_SLOTS;
		e->send_slot[e->send_cur] = 0;
	}
}

/* first transmissions in the slots that started less than tau_ms ago */
static uint32_t ovs_sent_within(ovs_est_t *e, int64_t now_ms, double tau_ms)
{
	uint32_t n = 0;
	int k, i;

	ovs_send_advance(e, now_ms);
	for(k = 0; k < OVS_SEND_SLOTS; k++) {
		if((double)(now_ms - (e->send_slot_t0 - (int64_t)k * OVS_SEND_SLOT_MS)) >= tau_ms)
			break;
		i = (e->send_cur - k + OVS_SEND_SLOTS) % OVS_SEND_SLOTS;
		n += e->send_slot[i];
	}
	return n;
}

void ovs_est_sent(ovs_est_t *e, int reliable, int64_t now_us)
{
	ovs_send_advance(e, now_us / 1000);
	e->send_slot[e->send_cur]++;
	e->acc.sent++;
	if(reliable)
		e->acc.sent_rel++;
	e->tot_sent++;
	e->inflight++;
	e->inflight_ts_sum_us += now_us;
	if(e->inflight > e->acc.peak_inflight)
		e->acc.peak_inflight = e->inflight;
}

void ovs_est_retrans(ovs_est_t *e)
{
	e->tot_retrans++;
}

static int ovs_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : (x > y ? 1 : 0);
}

/* Were the nrtx retransmissions of a request needed? The response is
 * ambiguous (Karn and Partridge): it may answer the first transmission
 * (delay d from it) or the last copy (delay dc from that). The copy cannot
 * have been answered sooner than half the path's base delay after it was
 * sent (Allman and Paxson's test for spurious retransmission timeouts);
 * otherwise the response goes with the transmission whose delay is closer
 * to the delays of the last answered requests (the path's current delay:
 * on a long path or behind a queue on a slow link they are all long, after
 * a lost request the others are short). 1: spurious. */
static int ovs_rtx_spurious(ovs_est_t *e, int64_t d, int64_t dc)
{
	int64_t v[OVS_RECENT], D;
	int n = e->recent_n;

	if(dc < 0)
		return 1; /* the copy left after the response: no copy was needed */
	if(e->base50_ms > 0 && (double)dc < e->base50_ms * 1000.0 * OVS_RTX_MIN_FRAC)
		return 1;
	if(n == 0)
		return 1; /* nothing to compare with: the common case (no loss) */
	memcpy(v, e->recent_us, sizeof(int64_t) * n);
	qsort(v, n, sizeof(int64_t), ovs_cmp_i64);
	D = v[n / 2];
	return (d > D ? d - D : D - d) <= (dc > D ? dc - D : D - dc);
}

static void ovs_out_del(ovs_est_t *e, int64_t sent_us)
{
	if(e->inflight > 0) {
		e->inflight--;
		e->inflight_ts_sum_us -= sent_us;
	}
	if(e->inflight == 0)
		e->inflight_ts_sum_us = 0;
}

void ovs_est_first_response(ovs_est_t *e, int64_t sent_us, int64_t now_us, uint32_t nrtx,
		int64_t last_rtx_us)
{
	int64_t d = now_us - sent_us, sample = d;

	if(nrtx > 0) {
		if(ovs_rtx_spurious(e, d, now_us - last_rtx_us)) {
			e->acc.spurious += nrtx;
			e->tot_spurious += nrtx;
		} else {
			e->acc.retrans += nrtx;
			sample = now_us - last_rtx_us; /* the copy's delay */
		}
	}
	e->recent_us[e->recent_i] = sample;
	e->recent_i = (e->recent_i + 1) % OVS_RECENT;
	if(e->recent_n < OVS_RECENT)
		e->recent_n++;
	ovs_out_del(e, sent_us);
	e->acc.responses++;
	e->tot_responses++;
	e->acc.hist[ovs_hist_bucket(d)]++;
}

void ovs_est_final(ovs_est_t *e, const ovs_est_params_t *p, int code,
		int64_t delay_us, int retry_after_s, int64_t now_ms)
{
	int64_t until;

	e->acc.finals++;
	e->tot_finals++;
	if(delay_us > 0)
		e->acc.final_delay_sum_us += (uint64_t)delay_us;
	if(code == 503) {
		e->acc.rejects++;
		e->tot_rejects++;
		if(retry_after_s > 0) {
			if(retry_after_s > p->max_retry_after_s)
				retry_after_s = p->max_retry_after_s;
			until = now_ms + (int64_t)retry_after_s * 1000;
			if(until > e->retry_after_until_ms)
				e->retry_after_until_ms = until;
		}
	}
}

void ovs_est_timeout(ovs_est_t *e, int64_t sent_us, uint32_t nrtx)
{
	ovs_out_del(e, sent_us);
	e->acc.retrans += nrtx;
	e->acc.timeouts++;
	e->tot_timeouts++;
}

void ovs_est_send_error(ovs_est_t *e)
{
	e->acc.send_errors++;
	e->tot_send_errors++;
}

void ovs_est_demand(ovs_est_t *e, uint32_t offered_new, uint32_t shed_new)
{
	e->acc.offered_new += offered_new;
	e->acc.shed_new += shed_new;
}

uint32_t ovs_est_occupancy(const ovs_est_t *e)
{
	return e->inflight + e->acc.send_errors;
}

uint32_t ovs_est_held(ovs_est_t *e, const ovs_est_params_t *p, int64_t now_us)
{
	uint32_t occ = ovs_est_occupancy(e), young;
	double tau = e->path_ms > e->meas90_ms ? e->path_ms : e->meas90_ms;

	/* a backlog being worked off (this interval the destination answered
	 * about what it was sent) is not growing, whatever its size */
	if(e->acc.sent <= e->acc.responses + e->acc.timeouts + (uint32_t)p->min_samples)
		return 0;

	young = ovs_sent_within(e, now_us / 1000, tau);
	return occ > young ? occ - young : 0;
}

void ovs_est_send_delay(ovs_est_t *e, int64_t us)
{
	if(us > 0 && (uint64_t)us > e->acc.send_delay_max_us)
		e->acc.send_delay_max_us = us > 0xffffffffLL ? 0xffffffffU : (uint32_t)us;
}

/* ---- the interval's evaluation ---------------------------------------------- */

static double ovs_clamp100(double x)
{
	return x < 0 ? 0 : (x > 100 ? 100 : x);
}

/* score of a smoothed ratio num/den against the ratio scoring 100, weighed
 * by how many events stand behind it */
static double ovs_ratio_score(double num, double den, int max_pct, int min_samples,
		double *ratio)
{
	double r, w;

	if(den < 1e-9) {
		*ratio = 0;
		return 0;
	}
	r = num / den;
	if(r > 1)
		r = 1;
	*ratio = r;
	w = den / (double)min_samples;
	if(w > 1)
		w = 1;
	return ovs_clamp100(100.0 * r / ((double)max_pct / 100.0)) * w;
}

static void ovs_base_update(ovs_est_t *e, const ovs_est_params_t *p, int64_t now_ms,
		double p50, double p90)
{
	int64_t slot_len = (int64_t)p->base_window_s * 1000 / OVS_BASE_SLOTS;
	double b50 = OVS_INF, b90 = OVS_INF;
	int i;

	if(slot_len < 1)
		slot_len = 1;
	while(now_ms - e->slot_start_ms >= slot_len) {
		e->slot_cur = (e->slot_cur + 1) % OVS_BASE_SLOTS;
		e->slot50[e->slot_cur] = e->slot90[e->slot_cur] = OVS_INF;
		e->slot_start_ms += slot_len;
		if(now_ms - e->slot_start_ms > (int64_t)p->base_window_s * 1000) {
			/* long idle: every slot is stale */
			for(i = 0; i < OVS_BASE_SLOTS; i++)
				e->slot50[i] = e->slot90[i] = OVS_INF;
			e->slot_start_ms = now_ms;
		}
	}
	if(p50 >= 0) {
		if(p50 < e->slot50[e->slot_cur])
			e->slot50[e->slot_cur] = p50;
		if(p90 < e->slot90[e->slot_cur])
			e->slot90[e->slot_cur] = p90;
	}
	for(i = 0; i < OVS_BASE_SLOTS; i++) {
		if(e->slot50[i] < b50)
			b50 = e->slot50[i];
		if(e->slot90[i] < b90)
			b90 = e->slot90[i];
	}
	e->base50_ms = b50 >= OVS_INF ? 0 : b50;
	e->base90_ms = b90 >= OVS_INF ? 0 : b90;
}

int ovs_est_tick(ovs_est_t *e, const ovs_est_params_t *p, int64_t now_ms, int64_t now_us)
{
	ovs_acc_t *a = &e->acc;
	double p50 = 0, p90 = 0, s, w, alpha, hi_exit, ov_exit;
	ovs_state_t old = e->state;
	uint32_t unrel, held, young;
	int have = a->responses > 0, censored = 0;

	e->intervals++;

	/* delay: measured quantiles, bounded below by the mean age of what is
	 * still unanswered (a censored sample: those requests waited at least
	 * that long, and a stalled server answers nothing at all) */
	e->age_ms = e->inflight > 0
						? (double)(now_us - e->inflight_ts_sum_us / (int64_t)e->inflight)
								  / 1000.0
						: 0.0;
	if(e->age_ms < 0)
		e->age_ms = 0;
	if(have) {
		p50 = ovs_hist_quantile(a->hist, 0.5);
		p90 = ovs_hist_quantile(a->hist, 0.9);
		e->meas90_ms = p90;
		ovs_base_update(e, p, now_ms, p50, p90);
	} else {
		ovs_base_update(e, p, now_ms, -1, -1);
	}
	if(e->base50_ms > 0 && (e->floor50_ms < 0 || e->base50_ms < e->floor50_ms))
		e->floor50_ms = e->base50_ms;
	/* the path's own delay: what an idle destination answers in (before
	 * any answer: T1, RFC 3261's estimate of a round trip) */
	e->path_ms = e->base90_ms > 0 ? e->base90_ms : OVS_T1_MS;
	/* the backlog did not grow: the destination answered at least what
	 * was sent (see the delay score) */
	e->draining = a->responses + a->timeouts >= a->sent;
	/* the censored age counts once it exceeds one interval and the path's
	 * own delay: younger requests cannot have been answered yet */
	if(e->inflight > 0 && e->age_ms > (double)p->interval_ms && e->age_ms > e->path_ms) {
		censored = 1;
		if(e->age_ms > p50)
			p50 = e->age_ms;
		if(e->age_ms > p90)
			p90 = e->age_ms;
		have = 1;
	}
	/* Little's law: the backlog over the answer rate is the delay a
	 * request sent now will see. It leads the measured delays (which only
	 * tell about requests already answered) when a queue builds; used
	 * once the backlog is large enough to mean something. The backlog is
	 * what was sent longer ago than the path's own delay: younger requests
	 * are on their way (a burst on a long path is not a queue yet). */
	held = e->inflight;
	young = ovs_sent_within(e, now_ms, e->path_ms);
	held = held > young ? held - young : 0;
	if(held >= (uint32_t)p->min_samples && a->responses > 0) {
		censored = 1;
		e->little_ms = (double)held * p->interval_ms / a->responses;
		if(e->little_ms > p50)
			p50 = e->little_ms;
		if(e->little_ms > p90)
			p90 = e->little_ms;
		have = 1;
	} else {
		e->little_ms = 0;
	}
	e->have_delay = have;
	if(have) {
		e->p50_ms = p50;
		e->p90_ms = p90;
		e->q50_ms = p50 > e->base50_ms ? p50 - e->base50_ms : 0;
		e->q90_ms = p90 > e->base90_ms ? p90 - e->base90_ms : 0;
		s = 100.0 * e->q90_ms / (double)p->delay_max_ms;
		/* absolute: above the lowest base ever seen (a path's propagation
		 * is not load; a base that crept up under long overload is) */
		w = p90 - (e->floor50_ms > 0 ? e->floor50_ms : 0);
		if(100.0 * w / (double)p->delay_abs_max_ms > s)
			s = 100.0 * w / (double)p->delay_abs_max_ms;
		/* weighed by how many requests it stands for: one late answer
		 * (a lost datagram answered after a retransmission) is not a
		 * queue */
		e->ew_delay_n = e->ew_delay_n * OVS_EW_DECAY + a->responses
						+ (censored ? held : 0);
		w = e->ew_delay_n / (double)p->min_samples;
		s = ovs_clamp100(s) * (w < 1 ? w : 1);
		/* in state normal, a queue that is not growing is a burst being
		 * worked off (our own, e.g. serialised on a slow link), not new
		 * load: a destination that answers at least what it is sent keeps
		 * up, so the delay score does not rise in such an interval */
		if(e->state == OVS_NORMAL && e->draining && s > e->s_delay)
			s = e->s_delay;
		e->s_delay = s;
	} else {
		e->ew_delay_n *= OVS_EW_DECAY;
		/* nothing sent, nothing waiting: no sign of load */
		e->q50_ms = e->q90_ms = 0;
		e->s_delay = 0;
	}
	e->final_ms = a->finals ? (double)a->final_delay_sum_us / a->finals / 1000.0 : 0;

	/* event ratios over smoothed counts */
	unrel = a->sent - a->sent_rel;
	e->ew_sent = e->ew_sent * OVS_EW_DECAY + unrel;
	e->ew_retrans = e->ew_retrans * OVS_EW_DECAY + a->retrans;
	e->ew_ended = e->ew_ended * OVS_EW_DECAY + a->responses + a->timeouts;
	e->ew_timeouts = e->ew_timeouts * OVS_EW_DECAY + a->timeouts;
	e->ew_finals = e->ew_finals * OVS_EW_DECAY + a->finals;
	e->ew_rejects = e->ew_rejects * OVS_EW_DECAY + a->rejects;
	e->ew_attempts_rel = e->ew_attempts_rel * OVS_EW_DECAY + a->sent + a->send_errors;
	e->ew_errors = e->ew_errors * OVS_EW_DECAY + a->send_errors;

	e->s_retrans = ovs_ratio_score(e->ew_retrans, e->ew_sent, p->retrans_max_pct,
			p->min_samples, &e->retrans_ratio);
	e->s_timeout = ovs_ratio_score(e->ew_timeouts, e->ew_ended, p->timeout_max_pct,
			p->min_samples, &e->timeout_ratio);
	e->s_reject = ovs_ratio_score(e->ew_rejects, e->ew_finals, p->reject_max_pct,
			p->min_samples, &e->reject_ratio);
	if(now_ms < e->retry_after_until_ms)
		e->s_reject = 100;
	e->s_tcp = ovs_ratio_score(e->ew_errors, e->ew_attempts_rel, p->tcp_err_max_pct,
			p->min_samples, &e->tcp_err_ratio);
	e->send_delay_ms = a->send_delay_max_us / 1000.0;
	s = ovs_clamp100(100.0 * e->send_delay_ms / (double)p->send_delay_max_ms);
	if(s > e->s_tcp)
		e->s_tcp = s;

	/* demand: the share of new requests shed (smoothed). Shedding any
	 * noticeable share keeps the level at least high; shedding half (twice
	 * the capacity offered) is overload. */
	if(a->offered_new > 0)
		e->shed_ratio = 0.5 * e->shed_ratio + 0.5 * ((double)a->shed_new / a->offered_new);
	else
		e->shed_ratio *= 0.5;
	if(e->shed_ratio < 0.02)
		e->s_demand = 0;
	else
		e->s_demand = ovs_clamp100(p->level_high + p->hysteresis
								   + (p->level_overload - p->level_high - p->hysteresis)
											 * e->shed_ratio / 0.5);

	s = e->s_delay;
	if(e->s_demand > s)
		s = e->s_demand;
	if(e->s_retrans > s)
		s = e->s_retrans;
	if(e->s_timeout > s)
		s = e->s_timeout;
	if(e->s_reject > s)
		s = e->s_reject;
	if(e->s_tcp > s)
		s = e->s_tcp;
	e->raw_level = (int)(s + 0.5);
	/* a loss event: this interval's own retransmissions, unanswered
	 * transactions, 503s or send errors at half the ratio that scores 100
	 * (what a congestion controller would call a loss) */
	{
		double dummy;
		e->loss_event =
				(a->retrans >= 2
						&& ovs_ratio_score(a->retrans, unrel ? unrel : 1, p->retrans_max_pct, 1,
								   &dummy) >= OVS_LOSS_EVENT_SCORE)
				|| (a->timeouts >= 1
						&& ovs_ratio_score(a->timeouts, a->responses + a->timeouts,
								   p->timeout_max_pct, 1, &dummy) >= OVS_LOSS_EVENT_SCORE)
				|| (a->rejects >= 1
						&& ovs_ratio_score(a->rejects, a->finals, p->reject_max_pct, 1, &dummy)
								   >= OVS_LOSS_EVENT_SCORE)
				|| (a->send_errors >= 1
						&& ovs_ratio_score(a->send_errors, a->sent + a->send_errors,
								   p->tcp_err_max_pct, 1, &dummy) >= OVS_LOSS_EVENT_SCORE)
				|| (now_ms < e->retry_after_until_ms);
	}

	/* requests went out (or failed to) and nothing at all came back */
	e->no_answer = a->responses == 0
				   && (a->send_errors > 0
						   || (e->inflight > 0 && e->age_ms > (double)p->interval_ms
								   && e->age_ms > e->path_ms));

	/* fast attack, slow release */
	alpha = (s > e->level ? p->alpha_up_pct : p->alpha_down_pct) / 100.0;
	e->level += alpha * (s - e->level);
	if(e->level < 0.05)
		e->level = 0;

	/* state with hysteresis and a hold time on the way down */
	hi_exit = p->level_high - p->hysteresis;
	ov_exit = p->level_overload - p->hysteresis;
	switch(e->state) {
		case OVS_NORMAL:
			if(e->level >= p->level_overload)
				e->state = OVS_OVERLOAD;
			else if(e->level >= p->level_high)
				e->state = OVS_HIGH;
			break;
		case OVS_HIGH:
			if(e->level >= p->level_overload) {
				e->state = OVS_OVERLOAD;
			} else if(e->level < hi_exit) {
				if(++e->below >= p->hold_intervals)
					e->state = OVS_NORMAL;
			} else {
				e->below = 0;
			}
			break;
		case OVS_OVERLOAD:
			if(e->level < ov_exit) {
				if(++e->below >= p->hold_intervals)
					e->state = e->level < hi_exit ? OVS_NORMAL : OVS_HIGH;
			} else {
				e->below = 0;
			}
			break;
	}
	if(e->state != old) {
		e->below = 0;
		e->transitions++;
		e->state_since_ms = now_ms;
	}

	e->last_sent = a->sent;
	e->last_responses = a->responses;
	e->last_peak_inflight = a->peak_inflight > e->inflight ? a->peak_inflight : e->inflight;
	memset(a, 0, sizeof(*a));
	a->peak_inflight = e->inflight;
	return e->state != old;
}

const char *ovs_state_name(ovs_state_t s)
{
	switch(s) {
		case OVS_NORMAL:
			return "normal";
		case OVS_HIGH:
			return "high";
		case OVS_OVERLOAD:
			return "overload";
	}
	return "unknown";
}
