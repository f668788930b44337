/*
 * Unit tests of the NVG binding table (kamailio-modules/nvg/nvg_table.c),
 * run with malloc and counting locks in place of Kamailio's shared memory:
 * registration committed only by the registrar's 2xx with the expiry it
 * granted, refreshes, CSeq ordering, several contacts per AoR, Contact: *,
 * Expires: 0, +sip.instance/reg-id, per-AoR and table limits (reservations
 * included), rejected or failed requests leave no trace, 404 vs 480,
 * expiry and tombstones, persistence callbacks, loading, memory balance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nvg_table.h"

/* ---- ops: counted allocations and locks ------------------------------------- */

static long n_alloc, n_locks_held, n_lock_calls;

static void *t_alloc(size_t sz)
{
	n_alloc++;
	return malloc(sz);
}
static void t_free(void *p)
{
	if(p)
		n_alloc--;
	free(p);
}
static void *t_lock_new(void)
{
	int *l = calloc(1, sizeof(int));
	return l;
}
static void t_lock_free(void *l)
{
	free(l);
}
static void t_lock(void *l)
{
	int *x = l;
	assert_int_equal(*x, 0); /* never taken twice (no recursion) */
	*x = 1;
	n_locks_held++;
	n_lock_calls++;
}
static void t_unlock(void *l)
{
	int *x = l;
	assert_int_equal(*x, 1);
	*x = 0;
	n_locks_held--;
}

static const nvg_tbl_ops_t OPS = {t_alloc, t_free, t_lock_new, t_lock_free, t_lock,
		t_unlock};

static nvg_limits_t LIM = {.max_bindings = 10, .max_contacts = 3, .max_expires = 3600,
		.default_expires = 600, .aor_retention = 100};

static nvg_tbl_t *T;
static const int64_t NOW = 1000000;

static int setup(void **state)
{
	n_alloc = 0;
	n_locks_held = 0;
	LIM.max_bindings = 10;
	LIM.max_contacts = 3;
	LIM.aor_retention = 100;
	T = nvg_tbl_new(&OPS, 16, &LIM);
	assert_non_null(T);
	return 0;
}

static int teardown(void **state)
{
	nvg_tbl_destroy(T);
	T = NULL;
	assert_int_equal(n_locks_held, 0);
	assert_int_equal(n_alloc, 0); /* everything freed */
	return 0;
}

/* ---- helpers ------------------------------------------------------------------ */

static nvg_span_t S(const char *s)
{
	nvg_span_t r = {s, s ? strlen(s) : 0};
	return r;
}

/* a REGISTER for user@vpn.example.com with up to 4 contact URIs (NULL ends) */
static nvg_reg_req_t req(const char *user, const char *callid, uint32_t cseq,
		int64_t expires, const char *c1, const char *c2, const char *c3,
		const char *c4)
{
	static char aor[128];
	nvg_reg_req_t r;
	const char *cs[4] = {c1, c2, c3, c4};
	int i;

	memset(&r, 0, sizeof(r));
	snprintf(aor, sizeof(aor), "%s@vpn.example.com", user);
	r.aor = S(aor);
	r.user_len = strlen(user);
	r.callid = S(callid);
	r.cseq = cseq;
	r.received = S("sip:198.18.10.2:5061");
	r.sock = S("udp:198.18.10.1:5060");
	for(i = 0; i < 4 && cs[i]; i++) {
		r.c[i].uri = S(cs[i]);
		r.c[i].q = -1;
		r.c[i].expires = expires;
	}
	r.n = i;
	return r;
}

static nvg_pending_t *pend(nvg_reg_req_t r)
{
	nvg_pending_t *p = NULL;
	assert_int_equal(nvg_pending_new(T, &r, &p), NVG_OK);
	assert_non_null(p);
	return p;
}

static const char *tok(const char *uri)
{
	static char t[4][NVG_TOKEN_LEN + 1];
	static int i;
	i = (i + 1) % 4;
	nvg_token(uri, strlen(uri), "", 0, t[i]);
	return t[i];
}

static nvg_grant_t grant(const char *uri, int64_t e)
{
	nvg_grant_t g;
	memcpy(g.token, tok(uri), NVG_TOKEN_LEN + 1);
	g.expires = e;
	return g;
}

/* full REGISTER as the module does it: reserve, 2xx, commit, free */
static int do_register(nvg_reg_req_t r, const nvg_grant_t *g, int ng)
{
	nvg_pending_t *p = pend(r);
	int rc = nvg_tbl_reserve(T, p, NOW, NULL, 0);
	if(rc == NVG_OK)
		rc = nvg_tbl_commit(T, p, g, ng, NOW, NULL, NULL);
	nvg_pending_free(T, p);
	return rc;
}

static int counts(int *bindings, int *aors, int *tomb, int *res)
{
	nvg_tbl_counts(T, bindings, aors, tomb, res);
	return 0;
}

static int bindings(void)
{
	int b;
	counts(&b, NULL, NULL, NULL);
	return b;
}

static int reserved(void)
{
	int r;
	counts(NULL, NULL, NULL, &r);
	return r;
}

typedef struct seen {
	int n;
	char uri[8][128];
	int64_t expires[8];
	char token[8][NVG_TOKEN_LEN + 1];
} seen_t;

static int visit(void *ctx, const nvg_aor_t *a, const nvg_contact_t *c)
{
	seen_t *s = ctx;
	if(c && s->n < 8) {
		snprintf(s->uri[s->n], sizeof(s->uri[0]), "%s", c->uri);
		s->expires[s->n] = c->expires;
		memcpy(s->token[s->n], c->token, NVG_TOKEN_LEN + 1);
	}
	s->n++;
	return 0;
}

static int lookup(const char *user, const char *token, seen_t *s)
{
	memset(s, 0, sizeof(*s));
	return nvg_tbl_lookup(T, user, strlen(user), token, token ? strlen(token) : 0,
			NOW, visit, s);
}

/* ---- tests -------------------------------------------------------------------- */

static void t_commit_on_2xx_with_granted_expiry(void **state)
{
	const char *c = "sip:mn-1@198.18.10.2:5062";
	nvg_grant_t g = grant(c, 120);
	nvg_pending_t *p = pend(req("mn-1", "cid1", 1, 300, c, NULL, NULL, NULL));
	seen_t s;

	assert_int_equal(nvg_tbl_reserve(T, p, NOW, NULL, 0), NVG_OK);
	/* nothing visible before the registrar answers */
	assert_int_equal(lookup("mn-1", NULL, &s), NVG_LK_NO_AOR);
	assert_int_equal(bindings(), 0);
	assert_int_equal(reserved(), 1);
	assert_int_equal(nvg_tbl_commit(T, p, &g, 1, NOW, NULL, NULL), 1);
	assert_int_equal(reserved(), 0);
	nvg_pending_free(T, p);
	assert_int_equal(lookup("mn-1", NULL, &s), NVG_LK_FOUND);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.uri[0], c);
	assert_int_equal(s.expires[0], NOW + 120); /* the registrar's value */
	assert_int_equal(bindings(), 1);
	/* by token */
	assert_int_equal(lookup("mn-1", tok(c), &s), NVG_LK_FOUND);
	assert_int_equal(lookup("mn-1", "0000000000000000", &s), NVG_LK_NO_CONTACT);
	assert_int_equal(lookup("mn-2", NULL, &s), NVG_LK_NO_AOR);
	assert_int_equal(lookup("MN-1", NULL, &s), NVG_LK_NO_AOR); /* user part exact */
}

static void t_failed_register_leaves_nothing(void **state)
{
	nvg_pending_t *p = pend(req("mn-1", "cid1", 1, 300, "sip:mn-1@198.18.10.2", NULL,
			NULL, NULL));
	seen_t s;

	assert_int_equal(nvg_tbl_reserve(T, p, NOW, NULL, 0), NVG_OK);
	assert_int_equal(reserved(), 1);
	nvg_pending_free(T, p); /* e.g. the registrar answered 403, or timed out */
	assert_int_equal(reserved(), 0);
	assert_int_equal(bindings(), 0);
	assert_int_equal(lookup("mn-1", NULL, &s), NVG_LK_NO_AOR);
}

static void t_expiry_capped_and_defaults(void **state)
{
	const char *c = "sip:mn-1@198.18.10.2";
	nvg_grant_t g = grant(c, 99999);
	seen_t s;

	assert_int_equal(do_register(req("mn-1", "c", 1, 300, c, NULL, NULL, NULL), &g, 1), 1);
	lookup("mn-1", NULL, &s);
	assert_int_equal(s.expires[0], NOW + 3600);
	/* a 2xx without any Contact: the requested value, or default_expires */
	assert_int_equal(do_register(req("mn-2", "c", 1, 77, "sip:mn-2@198.18.10.3", NULL,
										 NULL, NULL), NULL, -1), 1);
	lookup("mn-2", NULL, &s);
	assert_int_equal(s.expires[0], NOW + 77);
	assert_int_equal(do_register(req("mn-3", "c", 1, -1, "sip:mn-3@198.18.10.3", NULL,
										 NULL, NULL), NULL, -1), 1);
	lookup("mn-3", NULL, &s);
	assert_int_equal(s.expires[0], NOW + 600);
}

static void t_not_granted_not_bound(void **state)
{
	const char *a = "sip:mn-1@198.18.10.2", *b = "sip:mn-1@198.18.10.3";
	nvg_grant_t g = grant(a, 100);
	seen_t s;

	/* the 2xx lists only a: b is not bound */
	assert_int_equal(do_register(req("mn-1", "c", 1, 300, a, b, NULL, NULL), &g, 1), 1);
	assert_int_equal(lookup("mn-1", NULL, &s), NVG_LK_FOUND);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.uri[0], a);
	assert_int_equal(bindings(), 1);
	assert_int_equal(reserved(), 0);
}

static void t_refresh_and_cseq_order(void **state)
{
	const char *c = "sip:mn-1@198.18.10.2";
	nvg_grant_t g1 = grant(c, 100), g2 = grant(c, 200), g3 = grant(c, 50);
	nvg_pending_t *old, *newer;
	seen_t s;

	assert_int_equal(do_register(req("mn-1", "c", 5, 300, c, NULL, NULL, NULL), &g1, 1), 1);
	/* two refreshes in flight; the newer is answered first */
	old = pend(req("mn-1", "c", 6, 300, c, NULL, NULL, NULL));
	newer = pend(req("mn-1", "c", 7, 300, c, NULL, NULL, NULL));
	assert_int_equal(nvg_tbl_reserve(T, old, NOW, NULL, 0), NVG_OK);
	assert_int_equal(nvg_tbl_reserve(T, newer, NOW, NULL, 0), NVG_OK);
	assert_int_equal(reserved(), 0); /* refreshes need no new room */
	assert_int_equal(nvg_tbl_commit(T, newer, &g2, 1, NOW, NULL, NULL), 1);
	assert_int_equal(nvg_tbl_commit(T, old, &g3, 1, NOW, NULL, NULL), 0); /* stale */
	nvg_pending_free(T, old);
	nvg_pending_free(T, newer);
	lookup("mn-1", NULL, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.expires[0], NOW + 200);
	assert_int_equal(bindings(), 1);
	/* another Call-ID (the UA rebooted) replaces whatever its CSeq */
	assert_int_equal(do_register(req("mn-1", "other", 1, 300, c, NULL, NULL, NULL), &g3, 1), 1);
	lookup("mn-1", NULL, &s);
	assert_int_equal(s.expires[0], NOW + 50);
	assert_int_equal(bindings(), 1);
}

static void t_deregister_tombstone_480_then_404(void **state)
{
	const char *c = "sip:mn-1@198.18.10.2";
	nvg_grant_t g = grant(c, 100);
	int tomb;
	seen_t s;

	assert_int_equal(do_register(req("mn-1", "c", 1, 300, c, NULL, NULL, NULL), &g, 1), 1);
	/* Expires: 0: the 2xx no longer lists it */
	assert_int_equal(do_register(req("mn-1", "c", 2, 0, c, NULL, NULL, NULL), NULL, 0), 1);
	assert_int_equal(bindings(), 0);
	assert_int_equal(lookup("mn-1", NULL, &s), NVG_LK_NO_CONTACT); /* 480 */
	counts(NULL, NULL, &tomb, NULL);
	assert_int_equal(tomb, 1);
	/* retention passes: unknown (404) */
	assert_int_equal(nvg_tbl_expire(T, NOW + 99, NULL, NULL), 0);
	assert_int_equal(lookup("mn-1", NULL, &s), NVG_LK_NO_CONTACT);
	nvg_tbl_expire(T, NOW + 100, NULL, NULL);
	assert_int_equal(lookup("mn-1", NULL, &s), NVG_LK_NO_AOR);
	counts(NULL, NULL, &tomb, NULL);
	assert_int_equal(tomb, 0);
	/* re-registering revives a tombstone */
	assert_int_equal(do_register(req("mn-1", "c", 3, 300, c, NULL, NULL, NULL), &g, 1), 1);
	assert_int_equal(do_register(req("mn-1", "c", 4, 0, c, NULL, NULL, NULL), NULL, 0), 1);
	assert_int_equal(do_register(req("mn-1", "c", 5, 300, c, NULL, NULL, NULL), &g, 1), 1);
	counts(NULL, NULL, &tomb, NULL);
	assert_int_equal(tomb, 0);
	assert_int_equal(lookup("mn-1", NULL, &s), NVG_LK_FOUND);
}

static void t_star_removes_all(void **state)
{
	const char *a = "sip:mn-1@198.18.10.2", *b = "sip:mn-1@198.18.10.3";
	nvg_grant_t g[2] = {grant(a, 100), grant(b, 100)};
	nvg_reg_req_t r;
	seen_t s;

	assert_int_equal(do_register(req("mn-1", "c", 1, 300, a, b, NULL, NULL), g, 2), 2);
	assert_int_equal(bindings(), 2);
	r = req("mn-1", "c", 2, 0, NULL, NULL, NULL, NULL);
	r.star = 1;
	assert_int_equal(do_register(r, NULL, 0), 2);
	assert_int_equal(bindings(), 0);
	assert_int_equal(lookup("mn-1", NULL, &s), NVG_LK_NO_CONTACT);
	/* star with contacts is refused by the constructor */
	r = req("mn-1", "c", 3, 0, a, NULL, NULL, NULL);
	r.star = 1;
	{
		nvg_pending_t *p;
		assert_int_equal(nvg_pending_new(T, &r, &p), NVG_E_ARG);
		assert_null(p);
	}
}

static void t_several_contacts_and_forking(void **state)
{
	const char *a = "sip:mn-1@198.18.10.2", *b = "sip:mn-1@198.18.10.3",
			   *c = "sip:mn-1@198.18.10.4";
	nvg_grant_t g[3] = {grant(a, 100), grant(b, 100), grant(c, 100)};
	seen_t s;

	assert_int_equal(do_register(req("mn-1", "c1", 1, 300, a, NULL, NULL, NULL), g, 1), 1);
	/* another device of the same user, its own Call-ID; the 2xx lists all
	 * three (a's expiry is refreshed from it too: 3 changes) */
	assert_int_equal(do_register(req("mn-1", "c2", 1, 300, b, c, NULL, NULL), g, 3), 3);
	assert_int_equal(lookup("mn-1", NULL, &s), NVG_LK_FOUND);
	assert_int_equal(s.n, 3);
	assert_int_equal(lookup("mn-1", tok(b), &s), NVG_LK_FOUND);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.uri[0], b);
	/* one device deregisters its contact, the others stay (and are
	 * refreshed from the 2xx) */
	assert_int_equal(do_register(req("mn-1", "c1", 2, 0, a, NULL, NULL, NULL), g + 1, 2), 3);
	assert_int_equal(lookup("mn-1", NULL, &s), NVG_LK_FOUND);
	assert_int_equal(s.n, 2);
	assert_int_equal(lookup("mn-1", tok(a), &s), NVG_LK_NO_CONTACT);
}

static void t_other_bindings_follow_the_2xx(void **state)
{
	const char *a = "sip:mn-1@198.18.10.2", *b = "sip:mn-1@198.18.10.3";
	nvg_grant_t g[2] = {grant(a, 100), grant(b, 100)};
	seen_t s;

	assert_int_equal(do_register(req("mn-1", "c1", 1, 300, a, b, NULL, NULL), g, 2), 2);
	/* a refresh of a; the 2xx also says b now expires in 30 s */
	g[0].expires = 300;
	g[1].expires = 30;
	assert_int_equal(do_register(req("mn-1", "c1", 2, 300, a, NULL, NULL, NULL), g, 2), 2);
	lookup("mn-1", tok(b), &s);
	assert_int_equal(s.expires[0], NOW + 30);
	/* and a 2xx listing b with expires=0 removes it */
	g[1].expires = 0;
	assert_int_equal(do_register(req("mn-1", "c1", 3, 300, a, NULL, NULL, NULL), g, 2), 2);
	assert_int_equal(lookup("mn-1", tok(b), &s), NVG_LK_NO_CONTACT);
	assert_int_equal(bindings(), 1);
}

static void t_instance_reg_id(void **state)
{
	nvg_reg_req_t r = req("mn-1", "c", 1, 300, "sip:mn-1@198.18.10.2", NULL, NULL, NULL);
	nvg_pending_t *p1, *p2;
	nvg_grant_t g;
	seen_t s;

	r.c[0].instance = S("\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"");
	r.c[0].reg_id = 1;
	p1 = pend(r);
	/* same instance and reg-id from another address: the same binding */
	r.c[0].uri = S("sip:mn-1@198.18.10.9");
	r.cseq = 2;
	p2 = pend(r);
	assert_string_equal(p1->c[0].token, p2->c[0].token);
	memcpy(g.token, p1->c[0].token, sizeof(g.token));
	g.expires = 100;
	assert_int_equal(nvg_tbl_reserve(T, p1, NOW, NULL, 0), NVG_OK);
	assert_int_equal(nvg_tbl_commit(T, p1, &g, 1, NOW, NULL, NULL), 1);
	assert_int_equal(nvg_tbl_reserve(T, p2, NOW, NULL, 0), NVG_OK);
	assert_int_equal(p2->reserved, 0);
	assert_int_equal(nvg_tbl_commit(T, p2, &g, 1, NOW, NULL, NULL), 1);
	nvg_pending_free(T, p1);
	nvg_pending_free(T, p2);
	assert_int_equal(lookup("mn-1", NULL, &s), NVG_LK_FOUND);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.uri[0], "sip:mn-1@198.18.10.9");
	/* another reg-id: another flow, another binding */
	r.c[0].reg_id = 2;
	p1 = pend(r);
	assert_string_not_equal(p1->c[0].token, g.token);
	nvg_pending_free(T, p1);
}

static void t_duplicate_contacts_refused(void **state)
{
	nvg_reg_req_t r = req("mn-1", "c", 1, 300, "sip:a@198.18.10.2", "sip:a@198.18.10.2",
			NULL, NULL);
	nvg_pending_t *p = (void *)1;

	assert_int_equal(nvg_pending_new(T, &r, &p), NVG_E_DUPLICATE);
	assert_null(p);
}

static void t_max_contacts(void **state)
{
	nvg_grant_t g[4] = {grant("sip:a@198.18.10.2", 100), grant("sip:b@198.18.10.2", 100),
			grant("sip:c@198.18.10.2", 100), grant("sip:d@198.18.10.2", 100)};
	nvg_pending_t *p;
	char why[200];
	seen_t s;

	/* 4 contacts at once: refused, nothing reserved */
	p = pend(req("mn-1", "c", 1, 300, "sip:a@198.18.10.2", "sip:b@198.18.10.2",
			"sip:c@198.18.10.2", "sip:d@198.18.10.2"));
	assert_int_equal(nvg_tbl_reserve(T, p, NOW, why, sizeof(why)), NVG_E_MAX_CONTACTS);
	assert_string_equal(why, "max_contacts (3) reached for mn-1@vpn.example.com: 0 bound, 4 new");
	assert_int_equal(p->reserved, 0);
	nvg_pending_free(T, p);
	assert_int_equal(reserved(), 0);
	assert_int_equal(lookup("mn-1", NULL, &s), NVG_LK_NO_AOR);
	/* 3 fit; a 4th later does not; replacing one with a new one does */
	assert_int_equal(do_register(req("mn-1", "c", 1, 300, "sip:a@198.18.10.2",
										 "sip:b@198.18.10.2", "sip:c@198.18.10.2", NULL),
							 g, 3),
			3);
	assert_int_equal(do_register(req("mn-1", "c", 2, 300, "sip:d@198.18.10.2", NULL,
										 NULL, NULL), g, 4),
			NVG_E_MAX_CONTACTS);
	assert_int_equal(bindings(), 3);
	{
		nvg_reg_req_t r = req("mn-1", "c", 3, 0, "sip:a@198.18.10.2", "sip:d@198.18.10.2",
				NULL, NULL);
		r.c[1].expires = 300;
		/* a removed, d added, b and c refreshed from the 2xx */
		assert_int_equal(do_register(r, g + 1, 3), 4);
	}
	assert_int_equal(lookup("mn-1", NULL, &s), NVG_LK_FOUND);
	assert_int_equal(s.n, 3);
	assert_int_equal(lookup("mn-1", tok("sip:d@198.18.10.2"), &s), NVG_LK_FOUND);
}

static void t_max_bindings_with_reservations(void **state)
{
	char user[16], uri[64], why[200];
	nvg_pending_t *p1, *p2, *p3;
	nvg_grant_t g;
	int i;

	for(i = 0; i < 8; i++) {
		snprintf(user, sizeof(user), "mn-%d", i);
		snprintf(uri, sizeof(uri), "sip:%s@198.18.10.2", user);
		g = grant(uri, 100);
		assert_int_equal(do_register(req(user, "c", 1, 300, uri, NULL, NULL, NULL), &g, 1), 1);
	}
	assert_int_equal(bindings(), 8);
	/* two REGISTERs in flight take the last 2 places; a third is refused
	 * even though nothing is committed yet */
	p1 = pend(req("x1", "c", 1, 300, "sip:x1@198.18.10.2", NULL, NULL, NULL));
	p2 = pend(req("x2", "c", 1, 300, "sip:x2@198.18.10.2", NULL, NULL, NULL));
	p3 = pend(req("x3", "c", 1, 300, "sip:x3@198.18.10.2", NULL, NULL, NULL));
	assert_int_equal(nvg_tbl_reserve(T, p1, NOW, NULL, 0), NVG_OK);
	assert_int_equal(nvg_tbl_reserve(T, p2, NOW, NULL, 0), NVG_OK);
	assert_int_equal(nvg_tbl_reserve(T, p3, NOW, why, sizeof(why)), NVG_E_MAX_BINDINGS);
	assert_string_equal(why, "max_bindings (10) reached: 10 bound or reserved, 1 new for x3@vpn.example.com");
	/* a refresh of a bound AoR still passes (no new binding) */
	g = grant("sip:mn-1@198.18.10.2", 100);
	assert_int_equal(do_register(req("mn-1", "c", 2, 300, "sip:mn-1@198.18.10.2", NULL,
										 NULL, NULL), &g, 1), 1);
	/* p2 fails at the registrar: its place is free again */
	nvg_pending_free(T, p2);
	assert_int_equal(nvg_tbl_reserve(T, p3, NOW, NULL, 0), NVG_OK);
	g = grant("sip:x1@198.18.10.2", 100);
	assert_int_equal(nvg_tbl_commit(T, p1, &g, 1, NOW, NULL, NULL), 1);
	g = grant("sip:x3@198.18.10.2", 100);
	assert_int_equal(nvg_tbl_commit(T, p3, &g, 1, NOW, NULL, NULL), 1);
	nvg_pending_free(T, p1);
	nvg_pending_free(T, p3);
	assert_int_equal(bindings(), 10);
	assert_int_equal(reserved(), 0);
	/* expiry frees places */
	assert_int_equal(nvg_tbl_expire(T, NOW + 100, NULL, NULL), 10);
	assert_int_equal(bindings(), 0);
	assert_int_equal(do_register(req("y", "c", 1, 300, "sip:y@198.18.10.2", NULL, NULL,
										 NULL), NULL, -1), 1);
}

static void t_domain_conflict(void **state)
{
	nvg_reg_req_t r = req("mn-1", "c", 1, 300, "sip:mn-1@198.18.10.2", NULL, NULL, NULL);
	char why[200];
	nvg_pending_t *p;

	assert_int_equal(do_register(r, NULL, -1), 1);
	r.aor = S("mn-1@other.example.com");
	p = pend(r);
	assert_int_equal(nvg_tbl_reserve(T, p, NOW, why, sizeof(why)), NVG_E_CONFLICT);
	assert_string_equal(why, "user 'mn-1' is bound as mn-1@vpn.example.com, not mn-1@other.example.com");
	nvg_pending_free(T, p);
	/* the domain compares case-insensitively */
	r.aor = S("mn-1@VPN.example.COM");
	assert_int_equal(do_register(r, NULL, -1), 1);
	assert_int_equal(bindings(), 1);
}

typedef struct plog {
	int n;
	char line[32][160];
} plog_t;

static void persist(void *ctx, nvg_pop_t op, const nvg_aor_t *a, const nvg_contact_t *c)
{
	plog_t *l = ctx;
	assert_int_equal(n_locks_held, 1); /* called under the slot lock */
	if(l->n < 32)
		snprintf(l->line[l->n], sizeof(l->line[0]), "%s %s %s %lld",
				op == NVG_P_UPSERT ? "UPSERT" : "DELETE", a->aor, c->uri,
				(long long)(c->expires - NOW));
	l->n++;
}

static void t_persist_calls(void **state)
{
	const char *a = "sip:mn-1@198.18.10.2", *b = "sip:mn-1@198.18.10.3";
	nvg_grant_t g[2] = {grant(a, 100), grant(b, 50)};
	nvg_pending_t *p;
	nvg_reg_req_t r;
	plog_t l;

	memset(&l, 0, sizeof(l));
	p = pend(req("mn-1", "c", 1, 300, a, b, NULL, NULL));
	assert_int_equal(nvg_tbl_reserve(T, p, NOW, NULL, 0), NVG_OK);
	assert_int_equal(l.n, 0); /* reservation is not persisted */
	assert_int_equal(nvg_tbl_commit(T, p, g, 2, NOW, persist, &l), 2);
	nvg_pending_free(T, p);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.line[0], "UPSERT mn-1@vpn.example.com sip:mn-1@198.18.10.2 100");
	assert_string_equal(l.line[1], "UPSERT mn-1@vpn.example.com sip:mn-1@198.18.10.3 50");
	assert_int_equal(nvg_tbl_expire(T, NOW + 50, persist, &l), 1);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.line[2], "DELETE mn-1@vpn.example.com sip:mn-1@198.18.10.3 50");
	r = req("mn-1", "c", 2, 0, NULL, NULL, NULL, NULL);
	r.star = 1;
	p = pend(r);
	assert_int_equal(nvg_tbl_reserve(T, p, NOW, NULL, 0), NVG_OK);
	assert_int_equal(nvg_tbl_commit(T, p, NULL, 0, NOW, persist, &l), 1);
	nvg_pending_free(T, p);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.line[3], "DELETE mn-1@vpn.example.com sip:mn-1@198.18.10.2 100");
	assert_true(n_lock_calls > 0);
}

static void t_load(void **state)
{
	nvg_contact_t b;
	seen_t s;
	char t1[NVG_TOKEN_LEN + 1];

	memset(&b, 0, sizeof(b));
	nvg_token("sip:mn-1@198.18.10.2", 20, "", 0, t1);
	memcpy(b.token, t1, sizeof(t1));
	b.uri = "sip:mn-1@198.18.10.2";
	b.uri_len = strlen(b.uri);
	b.received = "sip:198.18.10.2:5061";
	b.received_len = strlen(b.received);
	b.callid = "cid";
	b.callid_len = 3;
	b.cseq = 7;
	b.q = -1;
	b.expires = NOW + 40;
	assert_int_equal(nvg_tbl_load(T, "mn-1@vpn.example.com", 20, 4, &b, NOW), 1);
	assert_int_equal(lookup("mn-1", t1, &s), NVG_LK_FOUND);
	assert_int_equal(s.expires[0], NOW + 40);
	/* again: replaces, does not add */
	assert_int_equal(nvg_tbl_load(T, "mn-1@vpn.example.com", 20, 4, &b, NOW), 1);
	assert_int_equal(bindings(), 1);
	/* expired rows are skipped; bad rows refused */
	b.expires = NOW;
	assert_int_equal(nvg_tbl_load(T, "mn-2@vpn.example.com", 20, 4, &b, NOW), 0);
	b.expires = NOW + 40;
	memcpy(b.token, "XYZ", 4);
	assert_int_equal(nvg_tbl_load(T, "mn-2@vpn.example.com", 20, 4, &b, NOW), NVG_E_ARG);
	memcpy(b.token, t1, sizeof(t1));
	assert_int_equal(nvg_tbl_load(T, "mn-1@other.example", 18, 4, &b, NOW), NVG_E_CONFLICT);
	/* an expiry beyond max_expires (clock moved back) is capped */
	b.expires = NOW + 999999;
	assert_int_equal(nvg_tbl_load(T, "mn-3@vpn.example.com", 20, 4, &b, NOW), 1);
	lookup("mn-3", NULL, &s);
	assert_int_equal(s.expires[0], NOW + 3600);
	assert_int_equal(bindings(), 2);
}

static void t_load_limits(void **state)
{
	nvg_contact_t b;
	char user[32], aor[64], uri[64];
	int i, ok = 0;

	memset(&b, 0, sizeof(b));
	b.q = -1;
	b.expires = NOW + 40;
	for(i = 0; i < 12; i++) {
		snprintf(user, sizeof(user), "mn-%d", i);
		snprintf(aor, sizeof(aor), "%s@vpn.example.com", user);
		snprintf(uri, sizeof(uri), "sip:%s@198.18.10.2", user);
		b.uri = uri;
		b.uri_len = strlen(uri);
		nvg_token(uri, strlen(uri), "", 0, b.token);
		if(nvg_tbl_load(T, aor, strlen(aor), strlen(user), &b, NOW) == 1)
			ok++;
	}
	assert_int_equal(ok, 10);
	assert_int_equal(bindings(), 10);
}

static void t_tombstone_cap(void **state)
{
	char user[16], uri[64];
	int i, tomb, aors;

	for(i = 0; i < 14; i++) {
		snprintf(user, sizeof(user), "mn-%d", i);
		snprintf(uri, sizeof(uri), "sip:%s@198.18.10.2", user);
		assert_int_equal(do_register(req(user, "c", 1, 300, uri, NULL, NULL, NULL), NULL, -1), 1);
		assert_int_equal(do_register(req(user, "c", 2, 0, uri, NULL, NULL, NULL), NULL, -1), 1);
	}
	counts(NULL, &aors, &tomb, NULL);
	assert_int_equal(tomb, 10); /* at most max_bindings tombstones */
	assert_int_equal(aors, 10);
	assert_int_equal(bindings(), 0);
}

static int count_visit(void *ctx, const nvg_aor_t *a, const nvg_contact_t *c)
{
	int *n = ctx;
	n[c ? 0 : 1]++;
	return 0;
}

static void t_foreach(void **state)
{
	int n[2] = {0, 0};

	do_register(req("a", "c", 1, 300, "sip:a@198.18.10.2", "sip:a@198.18.10.3", NULL, NULL),
			NULL, -1);
	do_register(req("b", "c", 1, 300, "sip:b@198.18.10.2", NULL, NULL, NULL), NULL, -1);
	do_register(req("b", "c", 2, 0, "sip:b@198.18.10.2", NULL, NULL, NULL), NULL, -1);
	nvg_tbl_foreach(T, count_visit, n);
	assert_int_equal(n[0], 2); /* bindings */
	assert_int_equal(n[1], 1); /* tombstones */
}

static void t_bad_arguments(void **state)
{
	nvg_reg_req_t r = req("mn-1", "c", 1, 300, "sip:a@198.18.10.2", NULL, NULL, NULL);
	nvg_pending_t *p;
	nvg_limits_t bad = LIM;

	r.user_len = 0;
	assert_int_equal(nvg_pending_new(T, &r, &p), NVG_E_ARG);
	r = req("mn-1", "c", 1, 300, "", NULL, NULL, NULL);
	r.n = 1;
	assert_int_equal(nvg_pending_new(T, &r, &p), NVG_E_ARG);
	bad.max_contacts = NVG_MAX_REQ_CONTACTS + 1;
	assert_null(nvg_tbl_new(&OPS, 16, &bad));
	bad = LIM;
	bad.max_bindings = 0;
	assert_null(nvg_tbl_new(&OPS, 16, &bad));
	assert_string_equal(nvg_tbl_strerror(NVG_E_MAX_BINDINGS), "max_bindings reached");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_commit_on_2xx_with_granted_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(t_failed_register_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(t_expiry_capped_and_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(t_not_granted_not_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(t_refresh_and_cseq_order, setup, teardown),
		cmocka_unit_test_setup_teardown(t_deregister_tombstone_480_then_404, setup, teardown),
		cmocka_unit_test_setup_teardown(t_star_removes_all, setup, teardown),
		cmocka_unit_test_setup_teardown(t_several_contacts_and_forking, setup, teardown),
		cmocka_unit_test_setup_teardown(t_other_bindings_follow_the_2xx, setup, teardown),
		cmocka_unit_test_setup_teardown(t_instance_reg_id, setup, teardown),
		cmocka_unit_test_setup_teardown(t_duplicate_contacts_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(t_max_contacts, setup, teardown),
		cmocka_unit_test_setup_teardown(t_max_bindings_with_reservations, setup, teardown),
		cmocka_unit_test_setup_teardown(t_domain_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(t_persist_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(t_load, setup, teardown),
		cmocka_unit_test_setup_teardown(t_load_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(t_tombstone_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(t_foreach, setup, teardown),
		cmocka_unit_test_setup_teardown(t_bad_arguments, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
