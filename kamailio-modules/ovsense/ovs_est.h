/*
 * ovsense - implicit load estimator of one downstream SIP destination
 * (plain C, no Kamailio dependency, no locking: the caller serialises)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see ovsense_mod.c).
 *
 * Fed with what a proxy observes on the traffic it forwards anyway (first
 * transmissions, retransmissions, delay to the first response, final
 * responses, 503 + Retry-After, transactions without any answer, send
 * failures and blocking sends on reliable transports); once per interval
 * ovs_est_tick() turns the interval's samples into per-signal scores, a
 * load level 0..100 and a state with hysteresis. The algorithm and its
 * reasoning are in README.md, section "How the load is estimated".
 */

#ifndef OVS_EST_H
#define OVS_EST_H

#include <stdint.h>

#define OVS_HIST_BUCKETS 72 /* quarter octaves from 250 us: up to ~65 s */
#define OVS_BASE_SLOTS 6    /* base-delay min filter: slots over base_window */
#define OVS_RECENT 5        /* last first-response delays (retransmission ambiguity) */
#define OVS_SEND_SLOTS 256  /* send history: slots of OVS_SEND_SLOT_MS */
#define OVS_SEND_SLOT_MS 50 /* ...12.8 s in all */
#define OVS_T1_MS 500       /* RFC 3261 T1: the RTT estimate while none is known */

typedef enum ovs_state {
	OVS_NORMAL = 0,
	OVS_HIGH = 1,
	OVS_OVERLOAD = 2
} ovs_state_t;

/* estimator parameters (modparams); ratios in percent, times in ms */
typedef struct ovs_est_params {
	int interval_ms;        /* evaluation interval (200) */
	int delay_max_ms;       /* queueing delay (p90 - base) scoring 100 (300) */
	int delay_abs_max_ms;   /* absolute p90 delay scoring 100 (2000) */
	int base_window_s;      /* horizon of the base-delay min filter (60) */
	int retrans_max_pct;    /* retransmission ratio scoring 100 (10) */
	int timeout_max_pct;    /* unanswered-transaction ratio scoring 100 (5) */
	int reject_max_pct;     /* 503 ratio scoring 100 (10) */
	int tcp_err_max_pct;    /* send-failure ratio scoring 100 (5) */
	int send_delay_max_ms;  /* blocking connect/write time scoring 100 (200) */
	int min_samples;        /* ratios weigh fully from this many events (10) */
	int level_high;         /* enter HIGH at this level (55) */
	int level_overload;     /* enter OVERLOAD at this level (85) */
	int hysteresis;         /* leave a state this far below its threshold (15) */
	int hold_intervals;     /* ...for this many consecutive intervals (5) */
	int alpha_up_pct;       /* level smoothing while rising (60) */
	int alpha_down_pct;     /* level smoothing while falling (20) */
	int max_retry_after_s;  /* Retry-After values above this are capped (300) */
} ovs_est_params_t;

/* what happened during the current interval */
typedef struct ovs_acc {
	uint32_t sent;        /* first transmissions */
	uint32_t sent_rel;    /* of them over a reliable transport (TCP, TLS) */
	uint32_t retrans;     /* retransmissions by the proxy (unreliable only) that
	                       * were needed: resolved when the transaction is
	                       * answered or times out (see ovs_est_first_response) */
	uint32_t spurious;    /* retransmissions found spurious */
	uint32_t responses;   /* first responses (the delay samples) */
	uint32_t finals;      /* final responses */
	uint32_t rejects;     /* 503 final responses */
	uint32_t timeouts;    /* transactions ended without any response */
	uint32_t send_errors; /* sends that failed (refused, reset, unreachable) */
	uint32_t send_delay_max_us; /* longest blocking send */
	uint32_t offered_new; /* new requests the control law saw */
	uint32_t shed_new;    /* ...and shed */
	uint32_t peak_inflight;
	uint64_t final_delay_sum_us;
	uint32_t hist[OVS_HIST_BUCKETS + 1]; /* first-response delays */
} ovs_acc_t;

typedef struct ovs_est {
	ovs_acc_t acc; /* current interval */

	/* requests sent and not answered yet (any response answers) */
	uint32_t inflight;
	int64_t inflight_ts_sum_us; /* sum of their send times */

	/* results of the last tick */
	double p50_ms, p90_ms;      /* first-response delay quantiles */
	double base50_ms, base90_ms; /* their base (min-filtered) values */
	double q50_ms, q90_ms;      /* queueing delay estimates */
	double age_ms;              /* mean age of the unanswered requests */
	double little_ms;           /* backlog / answer rate (Little's law) */
	double final_ms;            /* mean delay to the final response */
	double retrans_ratio, timeout_ratio, reject_ratio, tcp_err_ratio; /* smoothed, 0..1 */
	double send_delay_ms;
	double s_delay, s_retrans, s_timeout, s_reject, s_tcp, s_demand; /* scores 0..100 */
	double shed_ratio;          /* smoothed share of new requests shed */
	int raw_level;              /* max of the scores */
	double level;               /* smoothed 0..100 */
	ovs_state_t state;
	int below;                  /* intervals below the exit threshold */
	int loss_event;             /* retransmissions/timeouts/503/send errors */
	int no_answer;              /* tried, and nothing answered this interval */
	int draining;               /* the backlog did not grow this interval */
	double path_ms;             /* delay of the path itself (base p90, or T1) */
	double meas90_ms;           /* last measured p90 (answered requests only) */
	double floor50_ms;          /* lowest base ever seen (absolute score) */
	int have_delay;             /* a delay estimate exists */
	int64_t retry_after_until_ms;
	int64_t state_since_ms;
	uint32_t transitions;       /* state changes so far */
	uint32_t last_sent, last_responses, last_peak_inflight;

	/* smoothed event counts behind the ratios */
	double ew_delay_n; /* delay samples (answers + waiting requests), smoothed */
	double ew_sent, ew_retrans, ew_ended, ew_timeouts, ew_finals, ew_rejects,
			ew_attempts_rel, ew_errors;

	/* delays of the last first responses (from the first transmission) */
	int64_t recent_us[OVS_RECENT];
	int recent_n, recent_i;

	/* first transmissions per OVS_SEND_SLOT_MS slot: what is still on the path */
	uint32_t send_slot[OVS_SEND_SLOTS];
	int64_t send_slot_t0; /* start (ms) of slot send_cur */
	int send_cur;

	/* base-delay min filter */
	double slot50[OVS_BASE_SLOTS], slot90[OVS_BASE_SLOTS];
	int slot_cur;
	int64_t slot_start_ms;

	/* totals */
	uint64_t tot_sent, tot_retrans, tot_spurious, tot_responses, tot_finals, tot_rejects,
			tot_timeouts, tot_send_errors;
	uint64_t intervals;
} ovs_est_t;

void ovs_est_params_default(ovs_est_params_t *p);
/* 0 if consistent, else -1 and a message naming the parameter */
int ovs_est_params_check(const ovs_est_params_t *p, char *err, int errlen);

void ovs_est_init(ovs_est_t *e, int64_t now_ms);

/* a request left for the first time at now_us (reliable: TCP/TLS/SCTP) */
void ovs_est_sent(ovs_est_t *e, int reliable, int64_t now_us);
/* a retransmission of a request by the proxy (counted in the totals; the
 * ratio takes it when the transaction resolves, below) */
void ovs_est_retrans(ovs_est_t *e);
/* the first response (provisional or final) to a request sent at sent_us,
 * of which the proxy had sent nrtx retransmissions, the last at last_rtx_us:
 * they count as needed unless the response answers the first transmission
 * (spurious retransmissions: README, "Retransmissions on a long path") */
void ovs_est_first_response(ovs_est_t *e, int64_t sent_us, int64_t now_us, uint32_t nrtx,
		int64_t last_rtx_us);
/* a final response; retry_after_s < 0 when absent */
void ovs_est_final(ovs_est_t *e, const ovs_est_params_t *p, int code,
		int64_t delay_us, int retry_after_s, int64_t now_ms);
/* a request sent at sent_us (retransmitted nrtx times) ended without any response */
void ovs_est_timeout(ovs_est_t *e, int64_t sent_us, uint32_t nrtx);
/* sending failed (connection refused/reset, no route) */
void ovs_est_send_error(ovs_est_t *e);
/* time a send blocked (connect + write) on a reliable transport */
void ovs_est_send_delay(ovs_est_t *e, int64_t us);

/* what the control law did this interval: new requests offered and shed
 * (the demand score: shedding means more is offered than the destination
 * takes, even once the control has removed every symptom) */
void ovs_est_demand(ovs_est_t *e, uint32_t offered_new, uint32_t shed_new);

/* the destination's occupancy for admission: requests it holds unanswered,
 * plus sends that failed this interval (a refusing destination occupies a
 * window slot per attempt, so control probes it instead of hammering it) */
uint32_t ovs_est_occupancy(const ovs_est_t *e);

/* the occupancy the destination itself holds: without the requests sent
 * within the path's current delay (still on their way, or their answers
 * are): what a burst on a long or slow path puts in flight is not a
 * backlog at the destination */
uint32_t ovs_est_held(ovs_est_t *e, const ovs_est_params_t *p, int64_t now_us);

/* close the interval: scores, level, state. Returns 1 if the state changed. */
int ovs_est_tick(ovs_est_t *e, const ovs_est_params_t *p, int64_t now_ms,
		int64_t now_us);

const char *ovs_state_name(ovs_state_t s);

/* quantile (0..1) of a delay histogram, in ms; 0 when empty */
double ovs_hist_quantile(const uint32_t *hist, double q);
int ovs_hist_bucket(int64_t us);

#endif
