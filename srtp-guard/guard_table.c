/*
 * guard_table - calls, parties, ports and keys learned from ng offer /
 * answer / delete. See guard_table.h.
 */
#include "guard_table.h"

#include "bencode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIDE_UNKNOWN 0
#define SIDE_INTERNAL 1
#define SIDE_EXTERNAL 2
#define BUCKETS 16384
#define MAX_NODES 2048

typedef struct gt_call gt_call_t;

struct gt_party {
	gt_call_t *call;
	char tag[GT_MAX_ID + 1];
	int side;
	int have_port;
	unsigned port, rtcp_port;
	int have_key;
	ssdp_crypto_t key;
	/* what is installed now */
	int guarded;
	unsigned g_port, g_rtcp;
	ssdp_crypto_t g_key;
};

typedef struct {
	char from_tag[GT_MAX_ID + 1];
	int from_side, to_side;
	int have_to_port;
	unsigned to_port, to_rtcp;
	unsigned n_crypto;
	ssdp_crypto_t crypto[SSDP_MAX_CRYPTO];
} gt_offer_t;

struct gt_call {
	char id[GT_MAX_ID + 1];
	gt_party_t *parties[GT_MAX_PARTIES];
	unsigned n_parties;
	gt_offer_t *offers[GT_MAX_OFFERS];
	unsigned n_offers;
	gt_call_t *next; /* hash chain */
};

struct gt_table {
	gt_config_t cfg;
	gt_ops_t ops;
	gt_call_t *buckets[BUCKETS];
	gt_party_t **owner; /* [GT_PORTS]: the guarded party holding a port */
	gt_stats_t st;
	be_node_t req_nodes[MAX_NODES], rep_nodes[MAX_NODES];
	ssdp_media_t req_media, rep_media;
};

static void tlog(gt_table_t *t, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	if(!t->ops.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	t->ops.log(t->ops.ctx, line);
}

static int fail(char *err, const char *fmt, ...)
{
	if(err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, GT_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return GT_ERROR;
}

gt_table_t *gt_new(const gt_config_t *cfg, const gt_ops_t *ops)
{
	gt_table_t *t = calloc(1, sizeof(*t));
	if(!t)
		return NULL;
	t->owner = calloc(GT_PORTS, sizeof(*t->owner));
	if(!t->owner) {
		free(t);
		return NULL;
	}
	t->cfg = *cfg;
	if(!t->cfg.external_if)
		t->cfg.external_if = "external";
	if(!t->cfg.max_calls)
		t->cfg.max_calls = 100000;
	t->ops = *ops;
	return t;
}

static uint32_t hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	while(n--)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % BUCKETS;
}

static int same_key(const ssdp_crypto_t *a, const ssdp_crypto_t *b)
{
	return a->suite == b->suite && a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

static void party_unguard(gt_table_t *t, gt_party_t *p, const char *why)
{
	if(!p->guarded)
		return;
	if(t->owner[p->g_port] == p)
		t->owner[p->g_port] = NULL;
	if(p->g_rtcp && t->owner[p->g_rtcp] == p)
		t->owner[p->g_rtcp] = NULL;
	if(t->ops.unguard)
		t->ops.unguard(t->ops.ctx, p->g_port, p->g_rtcp);
	p->guarded = 0;
	t->st.streams--;
	tlog(t, "unguard call %s tag %s: port %u/%u (%s)", p->call->id, p->tag, p->g_port, p->g_rtcp, why);
}

/* a port rtpengine hands to this call is no longer another call's */
static void release_port(gt_table_t *t, unsigned port, const gt_call_t *c)
{
	gt_party_t *o;
	if(!port || port >= GT_PORTS)
		return;
	o = t->owner[port];
	if(o && o->call != c) {
		t->st.ports_taken++;
		party_unguard(t, o, "port now used by another call");
	}
}

/* bring what is installed for p in line with what is known about it */
static void party_apply(gt_table_t *t, gt_party_t *p)
{
	int want = p->side == SIDE_EXTERNAL && p->have_port && p->have_key && p->port > 0;
	const char *why = "new";

	if(p->guarded) {
		if(want && p->g_port == p->port && p->g_rtcp == p->rtcp_port && same_key(&p->g_key, &p->key))
			return; /* unchanged: keep the session and its replay window */
		if(want && same_key(&p->g_key, &p->key) && t->ops.move) {
			/* same key, new ports: the session moves (window, ROC) */
			unsigned np[2] = {p->port, p->rtcp_port}, i;
			for(i = 0; i < 2; i++)
				if(np[i] && t->owner[np[i]] && t->owner[np[i]] != p) {
					t->st.ports_taken++;
					party_unguard(t, t->owner[np[i]], "port now used by another stream");
				}
			if(t->ops.move(t->ops.ctx, p->g_port, p->g_rtcp, p->port, p->rtcp_port) == 0) {
				if(t->owner[p->g_port] == p)
					t->owner[p->g_port] = NULL;
				if(p->g_rtcp && t->owner[p->g_rtcp] == p)
					t->owner[p->g_rtcp] = NULL;
				tlog(t, "move call %s tag %s: port %u/%u -> %u/%u (same key: session kept)", p->call->id, p->tag,
						p->g_port, p->g_rtcp, p->port, p->rtcp_port);
				p->g_port = p->port;
				p->g_rtcp = p->rtcp_port;
				t->owner[p->port] = p;
				if(p->rtcp_port)
					t->owner[p->rtcp_port] = p;
				t->st.ports_moved++;
				return;
			}
		}
		if(want) {
			if(same_key(&p->g_key, &p->key)) {
				why = "port changed";
				t->st.ports_moved++;
			} else {
				why = "key changed";
				t->st.keys_changed++;
			}
		}
		party_unguard(t, p, want ? why : "no longer external with port and key");
	}
	if(!want)
		return;
	release_port(t, p->port, NULL);
	if(p->rtcp_port)
		release_port(t, p->rtcp_port, NULL);
	/* release_port(.., NULL) above dropped any owner, even of this call */
	if(t->ops.guard && t->ops.guard(t->ops.ctx, p->port, p->rtcp_port, &p->key) < 0) {
		tlog(t, "call %s tag %s: cannot guard port %u (suite %s): left unguarded", p->call->id, p->tag,
				p->port, p->key.suite ? p->key.suite->name : "?");
		return;
	}
	p->guarded = 1;
	p->g_port = p->port;
	p->g_rtcp = p->rtcp_port;
	p->g_key = p->key;
	t->owner[p->port] = p;
	if(p->rtcp_port)
		t->owner[p->rtcp_port] = p;
	t->st.streams++;
	tlog(t, "guard call %s tag %s: SRTP port %u, SRTCP port %u, %s (%s)", p->call->id, p->tag, p->port,
			p->rtcp_port, p->key.suite->name, why);
}

static void call_free(gt_table_t *t, gt_call_t *c, const char *why)
{
	unsigned i;
	for(i = 0; i < c->n_parties; i++) {
		party_unguard(t, c->parties[i], why);
		free(c->parties[i]);
	}
	for(i = 0; i < c->n_offers; i++)
		free(c->offers[i]);
	free(c);
}

void gt_reset(gt_table_t *t)
{
	unsigned b;
	uint64_t left = t->st.calls; /* (stop at the last one: the fuzzer resets after every input) */
	for(b = 0; b < BUCKETS && left > 0; b++) {
		gt_call_t *c = t->buckets[b], *n;
		for(; c; c = n) {
			n = c->next;
			call_free(t, c, "shutdown");
			left--;
		}
		t->buckets[b] = NULL;
	}
	memset(&t->st, 0, sizeof(t->st));
}

void gt_free(gt_table_t *t)
{
	if(!t)
		return;
	gt_reset(t);
	free(t->owner);
	free(t);
}

static gt_call_t *call_find(gt_table_t *t, const char *id, size_t n, int create)
{
	uint32_t h = hash(id, n);
	gt_call_t *c;
	for(c = t->buckets[h]; c; c = c->next)
		if(strlen(c->id) == n && memcmp(c->id, id, n) == 0)
			return c;
	if(!create)
		return NULL;
	if(t->st.calls >= t->cfg.max_calls) {
		t->st.calls_refused++;
		tlog(t, "call %.*s not guarded: %u calls known already (--max-calls)", (int)n, id, t->cfg.max_calls);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if(!c)
		return NULL;
	memcpy(c->id, id, n);
	c->next = t->buckets[h];
	t->buckets[h] = c;
	t->st.calls++;
	return c;
}

static void call_forget(gt_table_t *t, gt_call_t *c)
{
	uint32_t h = hash(c->id, strlen(c->id));
	gt_call_t **pp;
	for(pp = &t->buckets[h]; *pp; pp = &(*pp)->next)
		if(*pp == c) {
			*pp = c->next;
			break;
		}
	t->st.calls--;
	call_free(t, c, "delete");
}

static gt_party_t *party_find(gt_table_t *t, gt_call_t *c, const char *tag, size_t n, int create)
{
	unsigned i;
	gt_party_t *p;
	for(i = 0; i < c->n_parties; i++)
		if(strlen(c->parties[i]->tag) == n && memcmp(c->parties[i]->tag, tag, n) == 0)
			return c->parties[i];
	if(!create)
		return NULL;
	if(c->n_parties >= GT_MAX_PARTIES) {
		tlog(t, "call %s: more than %d tags, tag %.*s not guarded", c->id, GT_MAX_PARTIES, (int)n, tag);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if(!p)
		return NULL;
	p->call = c;
	memcpy(p->tag, tag, n);
	c->parties[c->n_parties++] = p;
	return p;
}

static gt_offer_t *offer_find(gt_call_t *c, const char *tag, size_t n, int create)
{
	unsigned i;
	gt_offer_t *o;
	for(i = 0; i < c->n_offers; i++)
		if(strlen(c->offers[i]->from_tag) == n && memcmp(c->offers[i]->from_tag, tag, n) == 0)
			return c->offers[i];
	if(!create || c->n_offers >= GT_MAX_OFFERS)
		return NULL;
	o = calloc(1, sizeof(*o));
	if(!o)
		return NULL;
	memcpy(o->from_tag, tag, n);
	c->offers[c->n_offers++] = o;
	return o;
}

/* ---- ng parsing --------------------------------------------------------- */

int gt_split_cookie(const char *msg, size_t len, size_t *cookie_len, size_t *payload_off)
{
	size_t i;
	for(i = 0; i < len && i <= 64; i++) {
		unsigned char ch = (unsigned char)msg[i];
		if(ch == ' ')
			break;
		if(ch < 0x21 || ch > 0x7e)
			return -1;
	}
	if(i == 0 || i > 64 || i >= len || i + 1 >= len)
		return -1;
	*cookie_len = i;
	*payload_off = i + 1;
	return 0;
}

/* an id field (call-id, from-tag, to-tag): a string of 1..GT_MAX_ID bytes
 * without NUL; returns 1 found, 0 absent, -1 malformed */
static int get_id(const be_node_t *nd, const char *key, const char **s, size_t *n)
{
	int v = be_dict_get(nd, 0, key);
	if(v < 0)
		return 0;
	if(nd[v].type != BE_STR || nd[v].len == 0 || nd[v].len > GT_MAX_ID || memchr(nd[v].s, 0, nd[v].len))
		return -1;
	*s = nd[v].s;
	*n = nd[v].len;
	return 1;
}

static unsigned rtcp_of(const ssdp_media_t *m)
{
	if(m->rtcp_mux || (m->rtcp_port && m->rtcp_port == m->port))
		return 0; /* RTCP on the RTP port */
	if(m->rtcp_port)
		return m->rtcp_port;
	return m->port && m->port < 65535 ? m->port + 1 : 0;
}

enum { CMD_OFFER = 1, CMD_ANSWER, CMD_DELETE };

int gt_learn(gt_table_t *t, const char *req, size_t req_len, const char *rep, size_t rep_len, char *err)
{
	char e2[BE_ERRLEN > SSDP_ERRLEN ? BE_ERRLEN : SSDP_ERRLEN];
	const be_node_t *rq = t->req_nodes, *rp = t->rep_nodes;
	const char *call_id = NULL, *from = NULL, *to = NULL, *s;
	size_t call_n = 0, from_n = 0, to_n = 0, n;
	int cmd, r, ok, sides[2] = {SIDE_UNKNOWN, SIDE_UNKNOWN};
	gt_call_t *c;

	if(be_decode(req, req_len, t->req_nodes, MAX_NODES, NULL, e2) < 0)
		return fail(err, "ng request: bencode: %s", e2);
	if(rq[0].type != BE_DICT)
		return fail(err, "ng request: not a dictionary");
	if(be_dict_str(rq, 0, "command", &s, &n) < 0)
		return fail(err, "ng request: command missing or not a string");
	if(n == 5 && !memcmp(s, "offer", 5))
		cmd = CMD_OFFER;
	else if(n == 6 && !memcmp(s, "answer", 6))
		cmd = CMD_ANSWER;
	else if(n == 6 && !memcmp(s, "delete", 6))
		cmd = CMD_DELETE;
	else
		return GT_IGNORED;
	if(get_id(rq, "call-id", &call_id, &call_n) != 1)
		return fail(err, "ng request: call-id missing or bad (1..%d bytes)", GT_MAX_ID);
	r = get_id(rq, "from-tag", &from, &from_n);
	if(r < 0 || (r == 0 && cmd != CMD_DELETE))
		return fail(err, "ng request: from-tag missing or bad (1..%d bytes)", GT_MAX_ID);
	r = get_id(rq, "to-tag", &to, &to_n);
	if(r < 0 || (r == 0 && cmd == CMD_ANSWER))
		return fail(err, "ng request: to-tag missing or bad (1..%d bytes)", GT_MAX_ID);

	if(be_decode(rep, rep_len, t->rep_nodes, MAX_NODES, NULL, e2) < 0)
		return fail(err, "ng reply: bencode: %s", e2);
	if(rp[0].type != BE_DICT)
		return fail(err, "ng reply: not a dictionary");
	if(be_dict_str(rp, 0, "result", &s, &n) < 0)
		return fail(err, "ng reply: result missing or not a string");
	ok = n == 2 && !memcmp(s, "ok", 2);

	if(cmd == CMD_DELETE) {
		c = call_find(t, call_id, call_n, 0);
		if(!c)
			return GT_LEARNED;
		if(to) {
			gt_party_t *p = party_find(t, c, to, to_n, 0);
			if(p)
				party_unguard(t, p, "delete");
		} else {
			call_forget(t, c);
		}
		return GT_LEARNED;
	}
	if(!ok)
		return GT_IGNORED;

	/* offer/answer: both SDPs and, for an offer, the direction */
	if(cmd == CMD_OFFER) {
		int d = be_dict_get(rq, 0, "direction"), k, i = 0;
		if(d >= 0) {
			if(rq[d].type != BE_LIST || rq[d].len != 2)
				return fail(err, "ng request: direction is not a list of two interface names");
			for(k = rq[d].first; k >= 0; k = rq[k].next, i++) {
				if(rq[k].type != BE_STR)
					return fail(err, "ng request: direction item %d is not a string", i + 1);
				sides[i] = be_str_is(rq, k, t->cfg.external_if) ? SIDE_EXTERNAL : SIDE_INTERNAL;
			}
		}
	}
	if(be_dict_str(rq, 0, "sdp", &s, &n) < 0)
		return fail(err, "ng request: sdp missing or not a string");
	if(ssdp_sdp_parse(s, n, &t->req_media, e2) < 0)
		return fail(err, "ng request: sdp: %s", e2);
	if(be_dict_str(rp, 0, "sdp", &s, &n) < 0)
		return fail(err, "ng reply: sdp missing or not a string");
	if(ssdp_sdp_parse(s, n, &t->rep_media, e2) < 0)
		return fail(err, "ng reply: sdp: %s", e2);

	/* everything parsed: now change state */
	c = call_find(t, call_id, call_n, cmd == CMD_OFFER);
	if(!c) {
		if(cmd == CMD_ANSWER)
			tlog(t, "answer for call %.*s without a known offer: not guarded", (int)call_n, call_id);
		return GT_IGNORED;
	}
	if(cmd == CMD_OFFER) {
		const ssdp_media_t *m = &t->req_media, *rm = &t->rep_media;
		gt_party_t *fp = party_find(t, c, from, from_n, 1);
		gt_offer_t *o = offer_find(c, from, from_n, 1);
		if(!fp || !o) {
			tlog(t, "call %s: too many tags or offers: not guarded", c->id);
			return GT_IGNORED;
		}
		if(sides[0] == SIDE_UNKNOWN)
			tlog(t, "offer for call %s without direction: sides unknown, not guarded", c->id);
		o->from_side = sides[0];
		o->to_side = sides[1];
		o->have_to_port = rm->port > 0;
		o->to_port = rm->port;
		o->to_rtcp = rtcp_of(rm);
		o->n_crypto = m->n_crypto;
		memcpy(o->crypto, m->crypto, sizeof(o->crypto[0]) * m->n_crypto);
		if(o->to_side == SIDE_EXTERNAL) {
			release_port(t, o->to_port, c);
			release_port(t, o->to_rtcp, c);
		}
		fp->side = sides[0];
		if(to) { /* a re-offer inside a dialog: the other party's port may move */
			gt_party_t *tp = party_find(t, c, to, to_n, 1);
			if(tp) {
				tp->side = sides[1];
				tp->have_port = o->have_to_port;
				tp->port = o->to_port;
				tp->rtcp_port = o->to_rtcp;
				party_apply(t, tp);
			}
		}
		if(fp->side != SIDE_EXTERNAL)
			party_apply(t, fp); /* (an external offerer's key is settled by the answer) */
		return GT_LEARNED;
	} else {
		const ssdp_media_t *m = &t->req_media, *rm = &t->rep_media;
		gt_offer_t *o = offer_find(c, from, from_n, 0);
		gt_party_t *fp, *tp;
		unsigned i;
		if(!o) {
			tlog(t, "answer for call %s from-tag %.*s without a known offer: not guarded", c->id,
					(int)from_n, from);
			return GT_IGNORED;
		}
		tp = party_find(t, c, to, to_n, 1);
		fp = party_find(t, c, from, from_n, 1);
		if(tp) { /* the answerer: its key is in its answer, its port in the offer's reply */
			tp->side = o->to_side;
			tp->have_port = o->have_to_port;
			tp->port = o->to_port;
			tp->rtcp_port = o->to_rtcp;
			tp->have_key = m->n_crypto > 0;
			if(tp->have_key)
				tp->key = m->crypto[0];
			else if(tp->side == SIDE_EXTERNAL)
				tlog(t, "call %s tag %s: answer without a=crypto: not guarded", c->id, tp->tag);
		}
		if(fp) { /* the offerer: the port of the answer's reply, the offered key rtpengine took */
			fp->side = o->from_side;
			fp->have_port = rm->port > 0;
			fp->port = rm->port;
			fp->rtcp_port = rtcp_of(rm);
			fp->have_key = 0;
			if(rm->n_crypto > 0) {
				for(i = 0; i < o->n_crypto; i++)
					if(o->crypto[i].tag == rm->crypto[0].tag && o->crypto[i].suite == rm->crypto[0].suite) {
						fp->key = o->crypto[i];
						fp->have_key = 1;
						break;
					}
				if(!fp->have_key && fp->side == SIDE_EXTERNAL)
					tlog(t, "call %s tag %s: the answer's a=crypto tag %u (%s) is not among the offer's: not guarded",
							c->id, fp->tag, rm->crypto[0].tag, rm->crypto[0].suite->name);
			} else if(fp->side == SIDE_EXTERNAL) {
				tlog(t, "call %s tag %s: answer toward the offerer without a=crypto: not guarded", c->id, fp->tag);
			}
			if(fp->side == SIDE_EXTERNAL) {
				release_port(t, fp->port, c);
				release_port(t, fp->rtcp_port, c);
			}
		}
		if(tp)
			party_apply(t, tp);
		if(fp)
			party_apply(t, fp);
		return GT_LEARNED;
	}
}

void gt_get_stats(const gt_table_t *t, gt_stats_t *s)
{
	*s = t->st;
}

int gt_port_owner(const gt_table_t *t, unsigned port, const char **call_id, const char **tag)
{
	const gt_party_t *p;
	if(port >= GT_PORTS || !(p = t->owner[port]))
		return 0;
	if(call_id)
		*call_id = p->call->id;
	if(tag)
		*tag = p->tag;
	return 1;
}
