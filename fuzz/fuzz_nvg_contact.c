/*
 * libFuzzer harness for the Contact/URI mapping of the nvg Kamailio module
 * (kamailio-modules/nvg: nvg_uri.c, nvg_table.c, nvg_resolve.c; plain C).
 * The input's first line is a URI (a mobile node's Contact, a logical URI,
 * a Route entry); the other lines, "AoR contact", feed a fake registrar for
 * the home resolver. Besides memory safety (ASan, UBSan) it checks:
 *  - nvg_uri_parse: spans inside the input, a host always, port 1..65535,
 *    bounded lengths, deterministic; an error has a text;
 *  - a parsed Contact, bound through the table (pending -> reserve -> commit
 *    -> lookup), maps back to exactly that URI, and its logical URI
 *    (sip:<user>@<logical domain>;nvgc=<token>) parses back to the same user
 *    and token;
 *  - the logical-domain convention, CIDR parsing and matching;
 *  - the resolver ends (bounded depth, loops detected) whatever the
 *    registrar answers, and a success names a non-logical host.
 *   fuzz_nvg_contact fuzz/corpus/nvg_contact
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvg_uri.h"
#include "nvg_table.h"
#include "nvg_resolve.h"

#define CHECK(x)         \
	do {                 \
		if(!(x))         \
			abort();     \
	} while(0)

static void *f_alloc(size_t n)
{
	return malloc(n);
}
static void f_free(void *p)
{
	free(p);
}
static int lock_word;
static void *f_lock_new(void)
{
	return &lock_word;
}
static void f_lock(void *l)
{
	CHECK(*(int *)l == 0);
	*(int *)l = 1;
}
static void f_unlock(void *l)
{
	CHECK(*(int *)l == 1);
	*(int *)l = 0;
}
static const nvg_tbl_ops_t OPS = {f_alloc, f_free, f_lock_new, NULL, f_lock, f_unlock};

static int in_span(nvg_span_t s, const char *b, size_t n)
{
	return s.len == 0 || (s.s >= b && s.s + s.len <= b + n);
}

/* ---- fake registrar for the resolver: lines "aor contact" ---------------------- */
#define MAXREG 8
static char reg_aor[MAXREG][300], reg_ct[MAXREG][600];
static int nreg;

static int fake_contact(void *ctx, const char *aor, size_t len, nvg_hop_t *hop)
{
	int i;
	for(i = 0; i < nreg; i++)
		if(strlen(reg_aor[i]) == len && memcmp(reg_aor[i], aor, len) == 0) {
			snprintf(hop->uri, sizeof(hop->uri), "%s", reg_ct[i]);
			return 1;
		}
	return 0;
}

static int found_uri(void *ctx, const nvg_aor_t *a, const nvg_contact_t *c)
{
	char *out = ctx;
	snprintf(out, NVG_MAX_URI + 1, "%s", c->uri);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	size_t ulen = nl ? (size_t)(nl - in) : size;
	nvg_uri_t u, u2;
	int rc, rc2;

	/* 1. the parser's contract */
	rc = nvg_uri_parse(in, ulen, &u);
	rc2 = nvg_uri_parse(in, ulen, &u2);
	CHECK(rc == rc2);
	CHECK(strcmp(nvg_uri_strerror(rc), "unknown error") != 0);
	if(rc == NVG_URI_OK) {
		CHECK(memcmp(&u, &u2, sizeof(u)) == 0);
		CHECK(ulen <= NVG_MAX_URI && memchr(in, 0, ulen) == NULL);
		CHECK(u.host.len > 0 && u.host.len <= NVG_MAX_HOST);
		CHECK(u.user.len <= NVG_MAX_USER);
		CHECK(u.port <= 65535);
		CHECK(in_span(u.user, in, ulen) && in_span(u.host, in, ulen)
				&& in_span(u.params, in, ulen) && in_span(u.headers, in, ulen)
				&& in_span(u.hostport, in, ulen));
		CHECK(u.host_type >= NVG_HOST_NAME && u.host_type <= NVG_HOST_IP6);
		(void)nvg_uri_param(&u, NVG_TOKEN_PARAM, NULL);
		{
			/* 2. domain convention */
			nvg_span_t label;
			if(nvg_domain_label(u.host.s, u.host.len, "vpn.example.com", 15, &label)) {
				CHECK(label.len > 0 && !memchr(label.s, '.', label.len));
				CHECK(label.s == u.host.s);
			}
		}
		if(u.user.len > 0 && u.user.len + 16 < NVG_MAX_AOR && !memchr(u.user.s, '@', u.user.len)) {
			/* 3. map through the table and back */
			static nvg_limits_t lim = {4, 2, 3600, 600, 60};
			nvg_tbl_t *t = nvg_tbl_new(&OPS, 4, &lim);
			nvg_reg_req_t req;
			nvg_pending_t *p = NULL;
			nvg_grant_t g;
			char aor[NVG_MAX_AOR + 1], luri[NVG_MAX_URI + 1], back[NVG_MAX_URI + 1];
			nvg_uri_t lu;
			nvg_span_t tok;
			int n;

			CHECK(t != NULL);
			n = snprintf(aor, sizeof(aor), "%.*s@vpn.example.com", (int)u.user.len, u.user.s);
			memset(&req, 0, sizeof(req));
			req.aor.s = aor;
			req.aor.len = (size_t)n;
			req.user_len = u.user.len;
			req.callid.s = "c";
			req.callid.len = 1;
			req.n = 1;
			req.c[0].uri.s = in;
			req.c[0].uri.len = ulen;
			req.c[0].q = -1;
			req.c[0].expires = 100;
			CHECK(nvg_pending_new(t, &req, &p) == NVG_OK);
			CHECK(nvg_tbl_reserve(t, p, 1000, NULL, 0) == NVG_OK);
			memcpy(g.token, p->c[0].token, sizeof(g.token));
			g.expires = 50;
			CHECK(nvg_tbl_commit(t, p, &g, 1, 1000, NULL, NULL) == 1);
			back[0] = 0;
			CHECK(nvg_tbl_lookup(t, u.user.s, u.user.len, g.token, NVG_TOKEN_LEN, 1000,
						  found_uri, back) == NVG_LK_FOUND);
			CHECK(strlen(back) == ulen && memcmp(back, in, ulen) == 0);
			n = nvg_logical_uri(luri, sizeof(luri), u.user.s, u.user.len,
					"nvg-7.vpn.example.com", 21, g.token);
			if(n > 0) {
				CHECK(nvg_uri_parse(luri, (size_t)n, &lu) == NVG_URI_OK);
				CHECK(lu.user.len == u.user.len && memcmp(lu.user.s, u.user.s, u.user.len) == 0);
				CHECK(nvg_uri_param(&lu, NVG_TOKEN_PARAM, &tok) == 1);
				CHECK(nvg_token_valid(tok.s, tok.len) && memcmp(tok.s, g.token, 16) == 0);
			}
			nvg_pending_free(t, p);
			CHECK(nvg_tbl_expire(t, 1050, NULL, NULL) == 1);
			nvg_tbl_destroy(t);
		}
	}

	/* 4. CIDR */
	{
		nvg_cidr_t c;
		if(nvg_cidr_parse(in, ulen, &c) == 0) {
			CHECK((c.af == 4 && c.bits <= 32) || (c.af == 6 && c.bits <= 128));
			CHECK(nvg_cidr_match(&c, c.af, c.addr));
		}
	}

	/* 5. resolver over a registrar made of the remaining lines */
	if(rc == NVG_URI_OK && nl) {
		const char *p = nl + 1, *end = in + size;
		nvg_resolver_t r;
		nvg_resolution_t res;
		int depth;

		nreg = 0;
		while(p < end && nreg < MAXREG) {
			const char *e = memchr(p, '\n', (size_t)(end - p)), *sp;
			if(!e)
				e = end;
			sp = memchr(p, ' ', (size_t)(e - p));
			if(sp && (size_t)(sp - p) < sizeof(reg_aor[0]) && (size_t)(e - sp - 1) < sizeof(reg_ct[0])) {
				memcpy(reg_aor[nreg], p, (size_t)(sp - p));
				reg_aor[nreg][sp - p] = 0;
				memcpy(reg_ct[nreg], sp + 1, (size_t)(e - sp - 1));
				reg_ct[nreg][e - sp - 1] = 0;
				nreg++;
			}
			p = e + 1;
		}
		memset(&r, 0, sizeof(r));
		r.parent = "vpn.example.com";
		r.parent_len = 15;
		r.contact = fake_contact;
		for(depth = 1; depth <= NVG_DEPTH_LIMIT; depth += 3) {
			r.max_depth = depth;
			rc2 = nvg_resolve_host(&r, u.host.s, u.host.len, &res);
			CHECK(rc2 >= NVG_RES_ERROR && rc2 <= NVG_RES_OK);
			CHECK(res.depth >= 0 && res.depth <= depth);
			CHECK(strlen(res.error) < sizeof(res.error));
			if(rc2 == NVG_RES_OK) {
				nvg_uri_t fu;
				char a[NVG_MAX_AOR + 8];
				CHECK(res.depth >= 1);
				CHECK(nvg_uri_parse(res.hop.uri, strlen(res.hop.uri), &fu) == NVG_URI_OK);
				CHECK(nvg_resolver_aor(&r, fu.host.s, fu.host.len, a, sizeof(a)) == 0);
			}
		}
	}
	return 0;
}
