/*
 * Unit tests of the ovsense estimator and control laws
 * (kamailio-modules/ovsense/ovs_est.c, ovs_ctl.c) on synthetic traces.
 *
 * A small discrete-time simulation (1 ms steps) stands for "a proxy
 * forwarding to one downstream server": the server is a FIFO queue with one
 * worker and a fixed service time per message (capacity C = 1000/S
 * requests/s); over UDP the proxy retransmits unanswered requests at
 * T1 = 500 ms doubling up to T2 = 4 s (each copy costs the server a full
 * service time, as parsing does) and the server's socket buffer holds at
 * most 200 messages; over TCP nothing is retransmitted and the queue is
 * unbounded. A request counts as good (goodput) when its answer comes within
 * the caller's patience of 5 s. The estimator sees only what Kamailio sees:
 * sends, retransmissions, first responses, finals, timeouts, send errors.
 *
 * Documented behaviour checked here (README.md, "How the load is
 * estimated"):
 *  - a sustained raw level of 100 reaches high after 1 interval and
 *    overload after 3; with the defaults that is <= 5 intervals (1 s) after
 *    the offered load steps to >= 2x capacity, UDP or TCP, no control;
 *  - back to normal within 15 intervals once the queue has drained, and
 *    never more than the 4 transitions normal-high-overload-high-normal;
 *  - with either control law, goodput >= 90 % of capacity at 3x and 5x,
 *    over UDP and TCP, in-dialog requests never shed;
 *  - single events at low rates do not leave state normal; load hovering
 *    around capacity does not flap;
 *  - behind a umts-like link (one-way delay, 128 kbit/s serialisation, RTT
 *    above T1, tm's copies on the link): paced REGISTERs and a burst of 100
 *    stay normal with nothing shed, the copies are found spurious; a server
 *    that slows down, answers 503 or drops requests still reaches overload
 *    (README 2.4).
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ovs_ctl.h"
#include "ovs_est.h"

/* ---- the simulated proxy + server ------------------------------------------ */

#define SIM_MAX_MS 120000
#define SIM_MAX_REQ 400000
#define SIM_QCAP (1 << 20)

typedef struct sim_req {
	int64_t arrival_ms, sent_ms;
	int next_retx_ms, rto;
	int answered, done, cls;
	int nrtx, last_rtx_ms; /* retransmissions before the first response */
	int next_ev; /* next request in the same timer bucket */
} sim_req_t;

typedef struct sim {
	ovs_est_params_t ep;
	ovs_ctl_params_t cp;
	ovs_est_t e;
	ovs_ctl_t c;
	int control;       /* 0: admit everything (open loop) */
	int tcp;
	int service_ms;
	int udp_qmax;
	int patience_ms;
	int fr_ms;         /* transaction timeout */
	int drop_pct;      /* server-side random loss of requests (UDP) */
	int refuse;        /* TCP: every send fails (connection refused) */
	int send_delay_ms; /* TCP: each send blocks this long */
	int dialog_pct;    /* share of in-dialog requests */
	int reject_503;    /* server answers 503 + Retry-After instead of working */
	int retry_after_s;
	int owd_ms;        /* one-way delay of the path (0: loopback) */
	int ser_ms;        /* serialisation of one message on the link, each way */
	int64_t up_free, down_free; /* the link is busy until then */

	sim_req_t *req;
	int nreq;
	int *ev_head;      /* retransmission / timeout timers per ms */
	int *done_head;    /* completions per ms */
	int *arr_head;     /* arrivals at the server per ms (path delay) */
	int *q;            /* server FIFO of request ids */
	int qh, qt;
	int64_t busy_until;
	double acc;
	uint32_t rnd;

	/* counters */
	int poisson; /* random arrivals (Bernoulli per ms) instead of regular */
	int good, good_dialog, answered, shed_new, shed_dialog, offered_new, offered_dialog,
			retrans, timeouts, lost;
	int state_at[SIM_MAX_MS / 20 + 1];
	int ticks;
	int transitions;
} sim_t;

static uint32_t sim_rand(sim_t *s)
{
	s->rnd = s->rnd * 1103515245u + 12345u;
	return (s->rnd >> 8) % 100;
}

static sim_t *sim_new(int tcp, int control, int law)
{
	sim_t *s = calloc(1, sizeof(*s));

	ovs_est_params_default(&s->ep);
	ovs_ctl_params_default(&s->cp);
	s->cp.law = law;
	ovs_est_init(&s->e, 0);
	ovs_ctl_init(&s->c, &s->cp);
	s->control = control;
	s->tcp = tcp;
	s->service_ms = 10; /* capacity 100 requests/s */
	s->udp_qmax = 200;
	s->patience_ms = 5000;
	s->fr_ms = 8000;
	s->req = calloc(SIM_MAX_REQ, sizeof(sim_req_t));
	s->ev_head = malloc(sizeof(int) * (SIM_MAX_MS + 10000));
	s->done_head = malloc(sizeof(int) * (SIM_MAX_MS + 10000));
	s->arr_head = malloc(sizeof(int) * (SIM_MAX_MS + 10000));
	memset(s->arr_head, 0xff, sizeof(int) * (SIM_MAX_MS + 10000));
	memset(s->ev_head, 0xff, sizeof(int) * (SIM_MAX_MS + 10000));
	memset(s->done_head, 0xff, sizeof(int) * (SIM_MAX_MS + 10000));
	s->q = malloc(sizeof(int) * SIM_QCAP);
	s->rnd = 12345;
	return s;
}

static void sim_free(sim_t *s)
{
	free(s->req);
	free(s->ev_head);
	free(s->done_head);
	free(s->arr_head);
	free(s->q);
	free(s);
}

static void sim_push_ev(sim_t *s, int *head, int t, int id)
{
	if(t >= SIM_MAX_MS + 10000)
		return;
	/* one timer per request in ev lists: the link field is shared, so
	 * completions use their own chain stored in q-independent array */
	s->req[id].next_ev = head[t];
	head[t] = id;
}

static int sim_enqueue(sim_t *s, int id)
{
	if(!s->tcp && (s->qt - s->qh) >= s->udp_qmax)
		return -1; /* socket buffer full: dropped */
	if(!s->tcp && s->drop_pct && (int)sim_rand(s) < s->drop_pct)
		return -1;
	s->q[s->qt++ & (SIM_QCAP - 1)] = id;
	return 0;
}

/* completions need their own chain: a request may complete several times
 * (retransmitted copies) while a timer is pending */
typedef struct { int id; int next; } sim_done_t;
static sim_done_t *sim_done;
static int sim_ndone;

/* a copy of request id leaves the proxy at t: straight into the server's
 * queue on loopback, else through the uplink (FIFO, serialisation, delay) */
static int sim_send(sim_t *s, int t, int id)
{
	int64_t at;

	if(!s->owd_ms && !s->ser_ms)
		return sim_enqueue(s, id);
	s->up_free = (s->up_free > t ? s->up_free : t) + s->ser_ms;
	at = s->up_free + s->owd_ms;
	if(at < SIM_MAX_MS + 10000) {
		sim_done[sim_ndone].id = id;
		sim_done[sim_ndone].next = s->arr_head[at];
		s->arr_head[at] = sim_ndone++;
	}
	return 0;
}

static void sim_step(sim_t *s, int t, double rate)
{
	int id, nid, k, d;
	sim_req_t *r;
	int64_t now_us = (int64_t)t * 1000;

	/* completions: responses arrive at the proxy */
	for(k = s->done_head[t]; k >= 0; k = sim_done[k].next) {
		r = &s->req[sim_done[k].id];
		if(r->done || r->answered)
			continue;
		r->answered = 1;
		r->done = 1;
		s->answered++;
		ovs_est_first_response(&s->e, r->sent_ms * 1000, now_us, r->nrtx,
				(int64_t)r->last_rtx_ms * 1000);
		if(s->reject_503) {
			ovs_est_final(&s->e, &s->ep, 503, (t - r->sent_ms) * 1000, s->retry_after_s, t);
		} else {
			ovs_est_final(&s->e, &s->ep, 200, (t - r->sent_ms) * 1000, -1, t);
			if(t - r->arrival_ms <= s->patience_ms) {
				if(r->cls == OVS_CLASS_NEW)
					s->good++;
				else
					s->good_dialog++;
			}
		}
	}
	/* timers: retransmissions and transaction timeouts */
	for(id = s->ev_head[t]; id >= 0; id = nid) {
		r = &s->req[id];
		nid = r->next_ev;
		if(r->done)
			continue;
		if(t - r->sent_ms >= s->fr_ms) {
			r->done = 1;
			s->timeouts++;
			ovs_est_timeout(&s->e, r->sent_ms * 1000, r->nrtx);
			continue;
		}
		/* retransmission (UDP only: TCP requests only have the fr timer) */
		s->retrans++;
		ovs_est_retrans(&s->e);
		r->nrtx++;
		r->last_rtx_ms = t;
		if(sim_send(s, t, id) < 0)
			s->lost++;
		r->rto = r->rto * 2 > 4000 ? 4000 : r->rto * 2;
		d = t + r->rto;
		if(d > r->sent_ms + s->fr_ms)
			d = r->sent_ms + s->fr_ms;
		sim_push_ev(s, s->ev_head, d, id);
	}
	/* arrivals */
	if(s->poisson)
		s->acc += ((s->rnd = s->rnd * 1103515245u + 12345u) >> 8) % 1000000
						  < (uint32_t)(rate * 1000.0)
						  ? 1.0
						  : 0.0;
	else
		s->acc += rate / 1000.0;
	while(s->acc >= 1.0 && s->nreq < SIM_MAX_REQ) {
		int cls, dec;
		s->acc -= 1.0;
		cls = (s->dialog_pct && (int)sim_rand(s) < s->dialog_pct) ? OVS_CLASS_DIALOG
																  : OVS_CLASS_NEW;
		if(cls == OVS_CLASS_NEW)
			s->offered_new++;
		else
			s->offered_dialog++;
		dec = s->control ? ovs_ctl_admit(&s->c, &s->cp, s->e.state, ovs_est_occupancy(&s->e),
								   ovs_est_held(&s->e, &s->ep, now_us), cls, -1, t)
						 : OVS_ADMIT;
		if(dec != OVS_ADMIT) {
			if(cls == OVS_CLASS_NEW)
				s->shed_new++;
			else
				s->shed_dialog++;
			continue;
		}
		id = s->nreq++;
		r = &s->req[id];
		r->arrival_ms = r->sent_ms = t;
		r->cls = cls;
		if(s->tcp && s->refuse) {
			ovs_est_send_error(&s->e);
			r->done = 1;
			continue;
		}
		ovs_est_sent(&s->e, s->tcp, now_us);
		if(s->tcp && s->send_delay_ms)
			ovs_est_send_delay(&s->e, (int64_t)s->send_delay_ms * 1000);
		if(sim_send(s, t, id) < 0)
			s->lost++;
		r->rto = 500;
		sim_push_ev(s, s->ev_head, s->tcp ? t + s->fr_ms : t + 500, id);
	}
	/* copies that reach the server now (path delay) */
	for(k = s->arr_head[t]; k >= 0; k = sim_done[k].next)
		if(sim_enqueue(s, sim_done[k].id) < 0)
			s->lost++;
	/* the server's single worker; its answer goes back over the downlink */
	while(s->busy_until <= t && s->qh != s->qt) {
		int64_t back;
		id = s->q[s->qh++ & (SIM_QCAP - 1)];
		s->busy_until = (s->busy_until > t ? s->busy_until : t) + s->service_ms;
		back = s->busy_until;
		if(s->owd_ms || s->ser_ms) {
			s->down_free = (s->down_free > back ? s->down_free : back) + s->ser_ms;
			back = s->down_free + s->owd_ms;
		}
		if(back < SIM_MAX_MS + 10000) {
			sim_done[sim_ndone].id = id;
			sim_done[sim_ndone].next = s->done_head[back];
			s->done_head[back] = sim_ndone++;
		}
	}
	/* the module's timer */
	if(t % s->ep.interval_ms == 0 && t > 0) {
		if(s->control)
			ovs_est_demand(&s->e, s->c.offered, s->c.shed);
		if(ovs_est_tick(&s->e, &s->ep, t, now_us))
			s->transitions++;
		if(s->control)
			ovs_ctl_tick(&s->c, &s->cp, &s->e, s->ep.interval_ms, t);
		s->state_at[s->ticks++] = s->e.state;
	}
}

/* run [t0, t1) ms at a rate (requests/s) */
static void sim_run(sim_t *s, int t0, int t1, double rate)
{
	int t;

	for(t = t0; t < t1; t++)
		sim_step(s, t, rate);
}

/* first tick index >= from_tick with state >= st; -1 if none */
static int sim_first(sim_t *s, int from_tick, int st)
{
	int i;

	for(i = from_tick; i < s->ticks; i++)
		if(s->state_at[i] >= st)
			return i;
	return -1;
}

static int sim_first_below(sim_t *s, int from_tick, int st)
{
	int i;

	for(i = from_tick; i < s->ticks; i++)
		if(s->state_at[i] < st)
			return i;
	return -1;
}

static int setup(void **state)
{
	sim_done = malloc(sizeof(sim_done_t) * 4000000);
	sim_ndone = 0;
	return 0;
}

static int teardown(void **state)
{
	free(sim_done);
	return 0;
}

static void reset_done(void)
{
	sim_ndone = 0;
}

#define CAP 100.0 /* requests/s of the simulated server */
#define TICKS(ms) ((ms) / 200)

/* ---- detection, open loop ------------------------------------------------------ */

static void detect(int tcp, double x, int max_intervals)
{
	sim_t *s;
	int k, back;

	reset_done();
	s = sim_new(tcp, 0, OVS_LAW_OCCUPANCY);
	sim_run(s, 0, 10000, 0.5 * CAP);
	assert_int_equal(s->e.state, OVS_NORMAL);
	assert_int_equal(s->transitions, 0);
	sim_run(s, 10000, 16000, x * CAP);
	k = sim_first(s, TICKS(10000), OVS_OVERLOAD);
	print_message("  %s %.0fx capacity: overload after %d intervals (max %d), "
				  "level %.0f\n",
			tcp ? "tcp" : "udp", x, k - TICKS(10000) + 1, max_intervals, s->e.level);
	assert_true(k >= 0);
	assert_true(k - TICKS(10000) + 1 <= max_intervals);
	/* load drops; once the backlog is gone the state comes back (over UDP
	 * without control the retransmissions of the backlog keep a server
	 * saturated at half its capacity - SIP's metastable collapse - so the
	 * load drops further there) */
	sim_run(s, 16000, 90000, (tcp ? 0.2 : 0.1) * CAP);
	assert_int_equal(s->e.state, OVS_NORMAL);
	back = sim_first_below(s, TICKS(16000), OVS_HIGH);
	print_message("  back to normal %d intervals after the load dropped; "
				  "%d transitions\n", back - TICKS(16000) + 1, s->transitions);
	/* no flapping: normal -> (high ->) overload -> high -> normal */
	assert_true(s->transitions <= 4);
	sim_free(s);
}

static void t_detect_udp_2x(void **state)
{
	detect(0, 2.0, 5);
}

static void t_detect_udp_5x(void **state)
{
	detect(0, 5.0, 4);
}

static void t_detect_tcp_2x(void **state)
{
	detect(1, 2.0, 5);
}

static void t_detect_tcp_5x(void **state)
{
	detect(1, 5.0, 4);
}

/* just above capacity the queue grows slowly; still overload within 3 s */
static void t_detect_udp_1_2x(void **state)
{
	detect(0, 1.2, 15);
}

/* the drop after the backlog is gone: within 15 intervals */
static void t_recovery_bound(void **state)
{
	sim_t *s;
	int i, drained = -1, back;

	reset_done();
	s = sim_new(1, 0, OVS_LAW_OCCUPANCY);
	sim_run(s, 0, 4000, 0.5 * CAP);
	sim_run(s, 4000, 6000, 3 * CAP);
	assert_int_equal(s->e.state, OVS_OVERLOAD);
	for(i = 6000; i < 60000; i++) {
		sim_step(s, i, 0.3 * CAP);
		if(drained < 0 && s->qh == s->qt && s->e.inflight <= 1)
			drained = i;
	}
	assert_true(drained > 0);
	back = sim_first_below(s, TICKS(drained), OVS_HIGH);
	print_message("  backlog drained at %d ms, normal %d intervals later\n", drained,
			back - TICKS(drained));
	assert_true(back >= 0 && back - TICKS(drained) <= 15);
	assert_true(s->transitions <= 4);
	sim_free(s);
}

/* ---- symptoms one at a time --------------------------------------------------- */

/* UDP: the server loses 40 % of requests (no queueing): retransmissions */
static void t_udp_retransmissions(void **state)
{
	sim_t *s;

	reset_done();
	s = sim_new(0, 0, OVS_LAW_OCCUPANCY);
	sim_run(s, 0, 5000, 0.3 * CAP);
	assert_int_equal(s->e.state, OVS_NORMAL);
	s->drop_pct = 40;
	sim_run(s, 5000, 9000, 0.3 * CAP);
	print_message("  retransmission ratio %.2f, score %.0f, state %s\n",
			s->e.retrans_ratio, s->e.s_retrans, ovs_state_name(s->e.state));
	assert_true(s->e.s_retrans >= 85);
	assert_int_equal(s->e.state, OVS_OVERLOAD);
	s->drop_pct = 0;
	sim_run(s, 9000, 30000, 0.3 * CAP);
	assert_int_equal(s->e.state, OVS_NORMAL);
	assert_true(s->transitions <= 4);
	sim_free(s);
}

/* TCP: connection refused on every send */
static void t_tcp_refused(void **state)
{
	sim_t *s;
	int k;

	reset_done();
	s = sim_new(1, 0, OVS_LAW_OCCUPANCY);
	sim_run(s, 0, 5000, 0.3 * CAP);
	s->refuse = 1;
	sim_run(s, 5000, 8000, 0.3 * CAP);
	k = sim_first(s, TICKS(5000), OVS_OVERLOAD);
	print_message("  refused: overload after %d intervals, tcp score %.0f\n",
			k - TICKS(5000) + 1, s->e.s_tcp);
	assert_true(k >= 0 && k - TICKS(5000) + 1 <= 5);
	s->refuse = 0;
	sim_run(s, 8000, 20000, 0.3 * CAP);
	assert_int_equal(s->e.state, OVS_NORMAL);
	sim_free(s);
}

/* TCP, with control: a destination refusing connections is probed with a
 * few requests per interval, the rest is shed (503) instead of each one
 * trying to connect; once it accepts again, everything passes */
static void t_tcp_refused_controlled(void **state)
{
	sim_t *s;
	int shed0, off0;

	reset_done();
	s = sim_new(1, 1, OVS_LAW_OCCUPANCY);
	sim_run(s, 0, 5000, 0.5 * CAP);
	s->refuse = 1;
	sim_run(s, 5000, 8000, 0.5 * CAP);
	shed0 = s->shed_new;
	off0 = s->offered_new;
	sim_run(s, 8000, 13000, 0.5 * CAP);
	print_message("  refused, controlled: %d of %d new requests shed in the last 5 s\n",
			s->shed_new - shed0, s->offered_new - off0);
	assert_int_equal(s->e.state, OVS_OVERLOAD);
	assert_true(s->shed_new - shed0 >= (s->offered_new - off0) / 2);
	assert_true(s->shed_new - shed0 < s->offered_new - off0); /* still probing */
	s->refuse = 0;
	sim_run(s, 13000, 30000, 0.5 * CAP);
	assert_int_equal(s->e.state, OVS_NORMAL);
	shed0 = s->shed_new;
	sim_run(s, 30000, 35000, 0.5 * CAP);
	assert_int_equal(s->shed_new, shed0);
	sim_free(s);
}

/* TCP: sends block 300 ms (connect or full socket buffer) */
static void t_tcp_blocking_sends(void **state)
{
	sim_t *s;

	reset_done();
	s = sim_new(1, 0, OVS_LAW_OCCUPANCY);
	sim_run(s, 0, 5000, 0.3 * CAP);
	s->send_delay_ms = 300;
	sim_run(s, 5000, 7000, 0.3 * CAP);
	assert_int_equal(s->e.state, OVS_OVERLOAD);
	assert_true(s->e.s_tcp >= 99);
	s->send_delay_ms = 0;
	sim_run(s, 7000, 20000, 0.3 * CAP);
	assert_int_equal(s->e.state, OVS_NORMAL);
	sim_free(s);
}

/* TCP: a stalled server answers nothing: the age of what waits counts */
static void t_tcp_stalled(void **state)
{
	sim_t *s;
	int k;

	reset_done();
	s = sim_new(1, 0, OVS_LAW_OCCUPANCY);
	sim_run(s, 0, 5000, 0.3 * CAP);
	s->busy_until = 5000 + 4000; /* the worker hangs 4 s */
	sim_run(s, 5000, 9000, 0.3 * CAP);
	k = sim_first(s, TICKS(5000), OVS_OVERLOAD);
	print_message("  stalled: overload after %d intervals without a response\n",
			k - TICKS(5000) + 1);
	assert_true(k >= 0 && k - TICKS(5000) + 1 <= 10);
	sim_free(s);
}

/* 503 + Retry-After: overload while it holds, then back */
static void t_503_retry_after(void **state)
{
	sim_t *s;

	reset_done();
	s = sim_new(0, 0, OVS_LAW_OCCUPANCY);
	sim_run(s, 0, 3000, 0.3 * CAP);
	s->reject_503 = 1;
	s->retry_after_s = 3;
	sim_run(s, 3000, 3400, 0.3 * CAP);
	s->reject_503 = 0;
	sim_run(s, 3400, 5000, 0.3 * CAP);
	assert_int_equal(s->e.state, OVS_OVERLOAD);
	assert_true(s->e.retry_after_until_ms > 5000);
	sim_run(s, 5000, 15000, 0.3 * CAP);
	assert_int_equal(s->e.state, OVS_NORMAL);
	sim_free(s);
}

/* huge Retry-After values are capped by max_retry_after */
static void t_retry_after_cap(void **state)
{
	ovs_est_t e;
	ovs_est_params_t p;

	ovs_est_params_default(&p);
	ovs_est_init(&e, 0);
	ovs_est_final(&e, &p, 503, 1000, 1000000, 1000);
	assert_int_equal(e.retry_after_until_ms, 1000 + (int64_t)p.max_retry_after_s * 1000);
}

/* ---- no false alarms ----------------------------------------------------------- */

/* one retransmission and one timeout at 2 requests/s: stays normal */
static void t_low_rate_noise(void **state)
{
	ovs_est_t e;
	ovs_est_params_t p;
	int64_t t;
	int i;

	ovs_est_params_default(&p);
	ovs_est_init(&e, 0);
	for(t = 200, i = 0; t <= 20000; t += 200, i++) {
		if(i % 2 == 0) {
			ovs_est_sent(&e, 0, t * 1000 - 150000);
			if(i == 20) {
				ovs_est_retrans(&e);
				ovs_est_timeout(&e, t * 1000 - 150000, 1);
			} else {
				ovs_est_first_response(&e, t * 1000 - 150000, t * 1000 - 148000, 0, 0);
				ovs_est_final(&e, &p, 200, 2000, -1, t);
			}
		}
		ovs_est_tick(&e, &p, t, t * 1000);
		assert_int_equal(e.state, OVS_NORMAL);
	}
	assert_int_equal(e.transitions, 0);
}

/* 5 requests/s, one of them lost and answered only after the
 * retransmission 500 ms later: one late answer is not a queue */
static void t_single_late_answer(void **state)
{
	ovs_est_t e;
	ovs_est_params_t p;
	int64_t t, lost_sent = -1;

	ovs_est_params_default(&p);
	ovs_est_init(&e, 0);
	for(t = 1; t <= 20000; t++) {
		if(t % 200 == 100) { /* one request per 200 ms... */
			ovs_est_sent(&e, 0, t * 1000);
			if(t == 10100) {
				lost_sent = t; /* ...this one is lost */
			} else {
				ovs_est_first_response(&e, t * 1000, t * 1000 + 2000, 0, 0);
				ovs_est_final(&e, &p, 200, 2000, -1, t);
			}
		}
		if(t == 10600) {
			ovs_est_retrans(&e);
			ovs_est_first_response(&e, lost_sent * 1000, t * 1000 + 2000, 1, t * 1000);
			ovs_est_final(&e, &p, 200, 502000, -1, t);
		}
		if(t % 200 == 0) {
			ovs_est_tick(&e, &p, t, t * 1000);
			assert_int_equal(e.state, OVS_NORMAL);
		}
	}
	assert_int_equal(e.transitions, 0);
}

/* a slow but not loaded server: 300 ms every time is its base, not load */
static void t_slow_server_is_not_loaded(void **state)
{
	sim_t *s;

	reset_done();
	s = sim_new(1, 0, OVS_LAW_OCCUPANCY);
	s->service_ms = 300; /* capacity 3.3/s, offered 2/s */
	sim_run(s, 0, 30000, 2.0);
	print_message("  base %.0f ms, p90 %.0f ms, level %.0f\n", s->e.base90_ms,
			s->e.p90_ms, s->e.level);
	assert_int_equal(s->e.state, OVS_NORMAL);
	sim_free(s);
}

/* random (Poisson-like) arrivals at exactly the capacity, 60 s, with
 * control: the state may change, but not back and forth every few
 * intervals */
static void t_no_flapping_near_capacity(void **state)
{
	sim_t *s;
	int law;

	for(law = 0; law <= 1; law++) {
		reset_done();
		s = sim_new(0, 1, law);
		s->poisson = 1;
		sim_run(s, 0, 60000, 1.0 * CAP);
		print_message("  law=%s: %d transitions in 60 s at capacity, answered %d of %d\n",
				ovs_law_name(law), s->transitions, s->good, s->offered_new);
		assert_true(s->transitions <= 6);
		sim_free(s);
	}
}

/* ---- closed loop: the control laws ---------------------------------------------- */

static void closed_loop(int tcp, int law)
{
	sim_t *s;
	static const double xs[] = {3.0, 5.0};
	int i, g0, d0, t0, a0, shed0;
	double gp;

	reset_done();
	s = sim_new(tcp, 1, law);
	s->dialog_pct = 10;
	sim_run(s, 0, 5000, 0.5 * CAP);
	assert_int_equal(s->shed_new, 0);
	t0 = 5000;
	for(i = 0; i < 2; i++) {
		g0 = s->good;
		d0 = s->good_dialog;
		a0 = s->retrans;
		shed0 = s->shed_new;
		sim_run(s, t0, t0 + 20000, xs[i] * CAP);
		/* everything answered in time: new requests plus the in-dialog
		 * ones (10 % of the offered load, never shed) */
		gp = (s->good - g0 + s->good_dialog - d0) / 20.0;
		print_message("  %s law=%s %.0fx: goodput %.1f/s of capacity %.0f (%.0f %%; "
					  "in-dialog %.1f/s), shed %d, retrans %d, window %.1f admit %.2f, "
					  "level %.0f %s\n",
				tcp ? "tcp" : "udp", ovs_law_name(law), xs[i], gp, CAP, 100 * gp / CAP,
				(s->good_dialog - d0) / 20.0, s->shed_new - shed0, s->retrans - a0,
				s->c.window, s->c.admit, s->e.level, ovs_state_name(s->e.state));
		assert_true(gp >= 0.9 * CAP);
		t0 += 20000;
	}
	assert_int_equal(s->shed_dialog, 0);
	sim_run(s, t0, t0 + 20000, 0.5 * CAP);
	assert_int_equal(s->e.state, OVS_NORMAL);
	print_message("  back to normal at 0.5x; %d transitions in all\n", s->transitions);
	assert_true(s->transitions <= 8);
	sim_free(s);
}

static void t_closed_udp_occupancy(void **state)
{
	closed_loop(0, OVS_LAW_OCCUPANCY);
}

static void t_closed_tcp_occupancy(void **state)
{
	closed_loop(1, OVS_LAW_OCCUPANCY);
}

static void t_closed_udp_loss(void **state)
{
	closed_loop(0, OVS_LAW_LOSS);
}

static void t_closed_tcp_loss(void **state)
{
	closed_loop(1, OVS_LAW_LOSS);
}

/* the uncontrolled baseline in the same model collapses (shows the model
 * is a meaningful test of the laws) */
static void t_open_loop_collapses(void **state)
{
	sim_t *s;
	double gp;
	int tcp;

	for(tcp = 0; tcp <= 1; tcp++) {
		reset_done();
		s = sim_new(tcp, 0, OVS_LAW_OCCUPANCY);
		sim_run(s, 0, 20000, 3 * CAP);
		gp = s->good / 20.0;
		print_message("  %s without control at 3x: goodput %.1f/s (%.0f %%)\n",
				tcp ? "tcp" : "udp", gp, gp);
		/* over TCP the backlog grows past the callers' patience */
		if(tcp)
			assert_true(gp < 0.7 * CAP);
		sim_free(s);
	}
}


/* ---- a long, slow path (issue 8: the NVG senses Proxy 1 over umts) ----------------- */

/* A umts-like access link: one-way delay owd (RTT 2 x owd plus
 * serialisation), 600-byte messages at 128 kbit/s (37.5 ms each way, FIFO,
 * copies included), a fast server (2 ms per request, capacity 500/s), T1
 * 500 ms below the round trip: every request is retransmitted at least
 * once before its answer. */
static sim_t *umts_new(int owd_ms, int control)
{
	sim_t *s = sim_new(0, control, OVS_LAW_OCCUPANCY);

	s->owd_ms = owd_ms;
	s->ser_ms = 38;
	s->service_ms = 2;
	s->fr_ms = 32000;
	s->patience_ms = 32000;
	return s;
}

/* paced REGISTERs (10/s, the handoff bench's pace), then a burst of 100 at
 * once over the same path, then paced traffic again once the link has
 * carried the burst and the copies tm sent of it (T1 doubling: about three
 * per request, ~12 s of serialisation at 128 kbit/s; a request sent in
 * those seconds waits behind them, which is real delay): state normal
 * throughout, nothing shed, every request answered, the retransmissions
 * recognised as spurious */
static void umts_paced_and_burst(int owd_ms)
{
	sim_t *s;
	int n;

	reset_done();
	s = umts_new(owd_ms, 1);
	sim_run(s, 0, 20000, 10.0);
	print_message("  owd %d ms: paced 10/s: base %.0f ms, %" PRIu64 " retransmissions,"
				  " %" PRIu64 " spurious, level %.0f %s\n",
			owd_ms, s->e.base50_ms, s->e.tot_retrans, s->e.tot_spurious, s->e.level,
			ovs_state_name(s->e.state));
	assert_int_equal(s->transitions, 0);
	assert_true(s->e.tot_retrans >= 150);
	assert_true(s->e.tot_spurious >= s->e.tot_retrans * 95 / 100);
	/* the burst: 100 requests in one millisecond */
	s->acc += 100;
	sim_run(s, 20000, 40000, 0.0);
	sim_run(s, 40000, 60000, 10.0);
	n = s->nreq;
	print_message("  owd %d ms: burst of 100, then paced: %d sent, %d answered, %d shed,"
				  " %" PRIu64 " retransmissions (%" PRIu64 " spurious), %d state changes,"
				  " level %.0f\n",
			owd_ms, n, s->answered, s->shed_new, s->e.tot_retrans, s->e.tot_spurious,
			s->transitions, s->e.level);
	assert_int_equal(s->shed_new, 0);
	assert_int_equal(s->transitions, 0);
	assert_int_equal(s->e.state, OVS_NORMAL);
	assert_true(s->answered >= n - 15); /* the last second is on its way */
	assert_true(s->e.tot_spurious >= s->e.tot_retrans * 90 / 100);
	sim_free(s);
}

/* the ambiguity rules one by one, on a 558 ms path */
static void t_spurious_rules(void **state)
{
	ovs_est_t e;
	ovs_est_params_t p;
	int64_t t = 0;
	int i;

	ovs_est_params_default(&p);
	ovs_est_init(&e, 0);
	/* no history: the response goes with the first transmission */
	ovs_est_sent(&e, 0, 0);
	ovs_est_retrans(&e);
	ovs_est_first_response(&e, 0, 900000, 1, 500000);
	assert_int_equal(e.tot_spurious, 1);
	assert_int_equal(e.acc.retrans, 0);
	/* learn the path: 558 ms, 5 per interval */
	for(i = 0; i < 50; i++) {
		t = (int64_t)(i + 1) * 200;
		ovs_est_sent(&e, 0, t * 1000 - 558000);
		ovs_est_first_response(&e, t * 1000 - 558000, t * 1000, 0, 0);
		if(i % 5 == 4)
			ovs_est_tick(&e, &p, t, t * 1000);
	}
	assert_true(e.base50_ms > 500 && e.base50_ms < 620);
	/* the answer 60 ms after the copy: no copy makes a round trip so fast */
	ovs_est_sent(&e, 0, t * 1000);
	ovs_est_retrans(&e);
	ovs_est_first_response(&e, t * 1000, t * 1000 + 560000, 1, t * 1000 + 500000);
	assert_int_equal(e.tot_spurious, 2);
	assert_int_equal(e.acc.retrans, 0);
	/* the first transmission was lost: answered a round trip after the copy */
	ovs_est_sent(&e, 0, t * 1000);
	ovs_est_retrans(&e);
	ovs_est_first_response(&e, t * 1000, t * 1000 + 1060000, 1, t * 1000 + 500000);
	assert_int_equal(e.tot_spurious, 2);
	assert_int_equal(e.acc.retrans, 1);
	/* behind a queue (the last answers took ~2 s): the 2.1 s answer is the
	 * first transmission's, not the copy's (1.6 s after it) */
	for(i = 0; i < OVS_RECENT; i++) {
		ovs_est_sent(&e, 0, t * 1000);
		ovs_est_first_response(&e, t * 1000, t * 1000 + 2000000 + i * 40000, 0, 0);
	}
	ovs_est_sent(&e, 0, t * 1000);
	ovs_est_retrans(&e);
	ovs_est_retrans(&e);
	ovs_est_first_response(&e, t * 1000, t * 1000 + 2100000, 2, t * 1000 + 1500000);
	assert_int_equal(e.tot_spurious, 4);
	assert_int_equal(e.acc.retrans, 1);
	/* a timeout: every copy was needed */
	ovs_est_sent(&e, 0, t * 1000);
	ovs_est_timeout(&e, t * 1000, 6);
	assert_int_equal(e.acc.retrans, 7);
	assert_int_equal(e.tot_retrans, 5);
}

static void t_umts_500ms(void **state)
{
	umts_paced_and_burst(250); /* the umts profile: 500 ms RTT + serialisation */
}

static void t_umts_1s(void **state)
{
	umts_paced_and_burst(500); /* 1 s RTT */
}

/* a burst of 100 as the very first requests (no base delay learned yet) */
static void t_umts_burst_at_start(void **state)
{
	sim_t *s;

	reset_done();
	s = umts_new(250, 1);
	s->acc = 100;
	sim_run(s, 0, 20000, 0.0);
	sim_run(s, 20000, 40000, 10.0);
	print_message("  burst at start: %d sent, %d answered, %d shed, %d state changes,"
				  " level %.0f\n",
			s->nreq, s->answered, s->shed_new, s->transitions, s->e.level);
	assert_int_equal(s->shed_new, 0);
	assert_int_equal(s->transitions, 0);
	sim_free(s);
}

/* a real overload on the same slow path: the server answers slower and
 * slower (service time 2 ms, then 150 ms: capacity 6.7/s under the 10/s
 * offered); it still reaches overload, within the documented bound */
static void t_umts_real_overload(void **state)
{
	sim_t *s;
	int k;

	reset_done();
	s = umts_new(250, 0);
	sim_run(s, 0, 20000, 10.0);
	assert_int_equal(s->e.state, OVS_NORMAL);
	s->service_ms = 150;
	sim_run(s, 20000, 40000, 10.0);
	k = sim_first(s, TICKS(20000), OVS_OVERLOAD);
	print_message("  slow path, server at 0.67x of the offered load: overload after %d"
				  " intervals, level %.0f\n",
			k - TICKS(20000) + 1, s->e.level);
	assert_true(k >= 0 && k - TICKS(20000) + 1 <= 15);
	sim_free(s);
}

/* ...and when it answers 503 + Retry-After instead */
static void t_umts_503(void **state)
{
	sim_t *s;
	int k;

	reset_done();
	s = umts_new(250, 0);
	sim_run(s, 0, 20000, 10.0);
	s->reject_503 = 1;
	s->retry_after_s = 5;
	sim_run(s, 20000, 25000, 10.0);
	k = sim_first(s, TICKS(20000), OVS_OVERLOAD);
	print_message("  slow path, 503 + Retry-After: overload after %d intervals\n",
			k - TICKS(20000) + 1);
	assert_true(k >= 0 && k - TICKS(20000) + 1 <= 8);
	sim_free(s);
}

/* ...and when it drops 40 % of the requests (retransmissions needed) */
static void t_umts_loss(void **state)
{
	sim_t *s;

	reset_done();
	s = umts_new(250, 0);
	sim_run(s, 0, 20000, 10.0);
	s->drop_pct = 40;
	sim_run(s, 20000, 40000, 10.0);
	print_message("  slow path, 40 %% lost: retransmission ratio %.2f, %" PRIu64
				  " of %" PRIu64 " spurious, state %s\n",
			s->e.retrans_ratio, s->e.tot_spurious, s->e.tot_retrans,
			ovs_state_name(s->e.state));
	assert_int_not_equal(s->e.state, OVS_NORMAL);
	sim_free(s);
}

/* ---- control law unit behaviour ------------------------------------------------- */

static void t_priority_never_shed(void **state)
{
	ovs_ctl_t c;
	ovs_ctl_params_t p;
	ovs_oc_t oc;
	int i;

	ovs_ctl_params_default(&p);
	ovs_ctl_init(&c, &p);
	memset(&oc, 0, sizeof(oc));
	oc.has_value = 1;
	oc.value = 100;
	oc.validity_ms = 5000;
	assert_int_equal(ovs_ctl_feedback(&c, &oc, 0), 1);
	for(i = 0; i < 100; i++) {
		assert_int_equal(ovs_ctl_admit(&c, &p, OVS_OVERLOAD, 100000, 100000, OVS_CLASS_DIALOG, -1, 10),
				OVS_ADMIT);
		assert_int_equal(
				ovs_ctl_admit(&c, &p, OVS_OVERLOAD, 100000, 100000, OVS_CLASS_CRITICAL, -1, 10),
				OVS_ADMIT);
		assert_int_equal(ovs_ctl_admit(&c, &p, OVS_OVERLOAD, 0, 0, OVS_CLASS_NEW, -1, 10),
				OVS_SHED_EXPLICIT);
	}
	/* normal state and no feedback: everything passes... */
	ovs_ctl_init(&c, &p);
	for(i = 0; i < 100; i++)
		assert_int_equal(ovs_ctl_admit(&c, &p, OVS_NORMAL, 1, 1, OVS_CLASS_NEW, -1, 10),
				OVS_ADMIT);
	/* ...up to a backlog no healthy destination holds (4 x headroom before
	 * any answer rate is known) */
	assert_int_equal(ovs_ctl_admit(&c, &p, OVS_NORMAL, 4 * p.win_headroom - 1,
							 4 * p.win_headroom - 1, OVS_CLASS_NEW, -1, 10),
			OVS_ADMIT);
	assert_int_equal(ovs_ctl_admit(&c, &p, OVS_NORMAL, 4 * p.win_headroom,
							 4 * p.win_headroom, OVS_CLASS_NEW, -1, 10),
			OVS_SHED_WINDOW);
	/* in state normal the cap counts what the destination holds, not what
	 * is still on the path (a burst on a slow link)... */
	assert_int_equal(ovs_ctl_admit(&c, &p, OVS_NORMAL, 100, 0, OVS_CLASS_NEW, -1, 10), OVS_ADMIT);
	/* ...out of it, the laws count every unanswered request */
	assert_int_equal(ovs_ctl_admit(&c, &p, OVS_HIGH, 100, 0, OVS_CLASS_NEW, -1, 10),
			OVS_SHED_WINDOW);
	assert_int_equal(ovs_ctl_admit(&c, &p, OVS_NORMAL, 100000, 100000, OVS_CLASS_DIALOG, -1, 10),
			OVS_ADMIT);
}

static void t_window_sheds_new_only(void **state)
{
	ovs_ctl_t c;
	ovs_ctl_params_t p;

	ovs_ctl_params_default(&p);
	ovs_ctl_init(&c, &p);
	c.window = 4;
	assert_int_equal(ovs_ctl_admit(&c, &p, OVS_HIGH, 3, 3, OVS_CLASS_NEW, -1, 0), OVS_ADMIT);
	assert_int_equal(ovs_ctl_admit(&c, &p, OVS_HIGH, 4, 4, OVS_CLASS_NEW, -1, 0), OVS_SHED_WINDOW);
	assert_int_equal(ovs_ctl_admit(&c, &p, OVS_HIGH, 4, 4, OVS_CLASS_DIALOG, -1, 0), OVS_ADMIT);
}

/* loss law: the admitted share follows the fraction exactly (deterministic
 * thinning) */
static void t_loss_fraction(void **state)
{
	ovs_ctl_t c;
	ovs_ctl_params_t p;
	int i, n = 0;

	ovs_ctl_params_default(&p);
	p.law = OVS_LAW_LOSS;
	ovs_ctl_init(&c, &p);
	c.admit = 0.25;
	for(i = 0; i < 1000; i++)
		if(ovs_ctl_admit(&c, &p, OVS_OVERLOAD, 0, 0, OVS_CLASS_NEW, -1, 0) == OVS_ADMIT)
			n++;
	assert_int_equal(n, 250);
}

/* RFC 7339 feedback: explicit share, seq ordering, validity, stop */
static void t_explicit_feedback(void **state)
{
	ovs_ctl_t c;
	ovs_ctl_params_t p;
	ovs_oc_t oc;
	int i, n = 0;

	ovs_ctl_params_default(&p);
	ovs_ctl_init(&c, &p);
	assert_int_equal(ovs_ctl_explicit(&c, 0), -1);
	memset(&oc, 0, sizeof(oc));
	oc.has_value = 1;
	oc.value = 40;
	oc.validity_ms = 1000;
	oc.has_seq = 1;
	oc.seq_sec = 100;
	oc.seq_frac = 50000;
	assert_int_equal(ovs_ctl_feedback(&c, &oc, 0), 1);
	assert_int_equal(ovs_ctl_explicit(&c, 500), 40);
	for(i = 0; i < 1000; i++)
		if(ovs_ctl_admit(&c, &p, OVS_NORMAL, 0, 0, OVS_CLASS_NEW, -1, 500) == OVS_ADMIT)
			n++;
	assert_int_equal(n, 600);
	/* the same seq again: validity still counts from the first receipt */
	assert_int_equal(ovs_ctl_feedback(&c, &oc, 900), 0);
	assert_int_equal(ovs_ctl_explicit(&c, 1000), -1);
	/* an older seq while a newer one is in force: stale */
	oc.seq_frac = 60000;
	oc.value = 50;
	assert_int_equal(ovs_ctl_feedback(&c, &oc, 1100), 1);
	oc.seq_frac = 10000;
	oc.value = 90;
	assert_int_equal(ovs_ctl_feedback(&c, &oc, 1200), 0);
	assert_int_equal(ovs_ctl_explicit(&c, 1200), 50);
	assert_int_equal(c.tot_oc_stale, 1);
	/* validity 0: stop throttling at once */
	oc.seq_sec = 101;
	oc.validity_ms = 0;
	oc.value = 70;
	assert_int_equal(ovs_ctl_feedback(&c, &oc, 1300), 1);
	assert_int_equal(ovs_ctl_explicit(&c, 1300), -1);
}

/* a request from an RFC 7339 client we already told to drop A %: explicit
 * feedback p from the destination only sheds what A does not cover */
static void t_explicit_no_compounding(void **state)
{
	ovs_ctl_t c;
	ovs_ctl_params_t p;
	ovs_oc_t oc;
	int i, n = 0;

	ovs_ctl_params_default(&p);
	ovs_ctl_init(&c, &p);
	memset(&oc, 0, sizeof(oc));
	oc.has_value = 1;
	oc.value = 40;
	oc.validity_ms = 10000;
	assert_int_equal(ovs_ctl_feedback(&c, &oc, 0), 1);
	/* the client dropped 40 % already: nothing more */
	for(i = 0; i < 1000; i++)
		if(ovs_ctl_admit(&c, &p, OVS_NORMAL, 0, 0, OVS_CLASS_NEW, 40, 10) == OVS_ADMIT)
			n++;
	assert_int_equal(n, 1000);
	/* it dropped 20 %: 0.6 / 0.8 = 75 % of what it sends passes */
	n = 0;
	for(i = 0; i < 1000; i++)
		if(ovs_ctl_admit(&c, &p, OVS_NORMAL, 0, 0, OVS_CLASS_NEW, 20, 10) == OVS_ADMIT)
			n++;
	assert_int_equal(n, 750);
}

static void t_params(void **state)
{
	ovs_est_params_t e;
	ovs_ctl_params_t c;
	char err[128];

	ovs_est_params_default(&e);
	ovs_ctl_params_default(&c);
	assert_int_equal(ovs_est_params_check(&e, err, sizeof(err)), 0);
	assert_int_equal(ovs_ctl_params_check(&c, err, sizeof(err)), 0);
	e.level_high = 90;
	assert_int_equal(ovs_est_params_check(&e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "level_high"));
	ovs_est_params_default(&e);
	e.interval_ms = 5;
	assert_int_equal(ovs_est_params_check(&e, err, sizeof(err)), -1);
	assert_string_equal(err, "modparam interval: 5 is not in 20..10000");
	c.win_min = 50;
	c.win_max = 10;
	assert_int_equal(ovs_ctl_params_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "window_min"));
}

static void t_histogram(void **state)
{
	uint32_t h[OVS_HIST_BUCKETS + 1];
	int i;
	double q;

	memset(h, 0, sizeof(h));
	assert_true(ovs_hist_quantile(h, 0.5) == 0.0);
	for(i = 1; i <= 100; i++)
		h[ovs_hist_bucket((int64_t)i * 1000)]++; /* 1..100 ms */
	q = ovs_hist_quantile(h, 0.5);
	assert_true(q > 45 && q < 56);
	q = ovs_hist_quantile(h, 0.9);
	assert_true(q > 82 && q < 99);
	assert_int_equal(ovs_hist_bucket(0), 0);
	assert_int_equal(ovs_hist_bucket(-5), 0);
	assert_int_equal(ovs_hist_bucket(INT64_MAX / 2), OVS_HIST_BUCKETS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(t_params),
			cmocka_unit_test(t_histogram),
			cmocka_unit_test(t_retry_after_cap),
			cmocka_unit_test(t_low_rate_noise),
			cmocka_unit_test(t_single_late_answer),
			cmocka_unit_test(t_priority_never_shed),
			cmocka_unit_test(t_window_sheds_new_only),
			cmocka_unit_test(t_loss_fraction),
			cmocka_unit_test(t_explicit_feedback),
			cmocka_unit_test(t_explicit_no_compounding),
			cmocka_unit_test_setup_teardown(t_detect_udp_2x, setup, teardown),
			cmocka_unit_test_setup_teardown(t_detect_udp_5x, setup, teardown),
			cmocka_unit_test_setup_teardown(t_detect_udp_1_2x, setup, teardown),
			cmocka_unit_test_setup_teardown(t_detect_tcp_2x, setup, teardown),
			cmocka_unit_test_setup_teardown(t_detect_tcp_5x, setup, teardown),
			cmocka_unit_test_setup_teardown(t_recovery_bound, setup, teardown),
			cmocka_unit_test_setup_teardown(t_udp_retransmissions, setup, teardown),
			cmocka_unit_test_setup_teardown(t_tcp_refused, setup, teardown),
			cmocka_unit_test_setup_teardown(t_tcp_refused_controlled, setup, teardown),
			cmocka_unit_test_setup_teardown(t_tcp_blocking_sends, setup, teardown),
			cmocka_unit_test_setup_teardown(t_tcp_stalled, setup, teardown),
			cmocka_unit_test_setup_teardown(t_503_retry_after, setup, teardown),
			cmocka_unit_test_setup_teardown(t_slow_server_is_not_loaded, setup, teardown),
			cmocka_unit_test_setup_teardown(t_no_flapping_near_capacity, setup, teardown),
			cmocka_unit_test_setup_teardown(t_open_loop_collapses, setup, teardown),
			cmocka_unit_test_setup_teardown(t_closed_udp_occupancy, setup, teardown),
			cmocka_unit_test_setup_teardown(t_closed_tcp_occupancy, setup, teardown),
			cmocka_unit_test_setup_teardown(t_closed_udp_loss, setup, teardown),
			cmocka_unit_test_setup_teardown(t_closed_tcp_loss, setup, teardown),
			cmocka_unit_test(t_spurious_rules),
			cmocka_unit_test_setup_teardown(t_umts_500ms, setup, teardown),
			cmocka_unit_test_setup_teardown(t_umts_1s, setup, teardown),
			cmocka_unit_test_setup_teardown(t_umts_burst_at_start, setup, teardown),
			cmocka_unit_test_setup_teardown(t_umts_real_overload, setup, teardown),
			cmocka_unit_test_setup_teardown(t_umts_503, setup, teardown),
			cmocka_unit_test_setup_teardown(t_umts_loss, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
