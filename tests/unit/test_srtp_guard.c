/*
 * Unit tests of the plain-C parts of senemo-srtp-guard (srtp-guard/):
 * the bencode decoder (values, lookups, every error class, the depth and
 * node limits) and the call/key table fed with ng requests and rtpengine
 * replies exactly as the guard relays them: a CN->MN call, an MN->CN call
 * with several offered suites, a handoff re-offer with the same key (the
 * session is kept) and with a new key (replaced), MN<->MN, delete, a port
 * handed to another call, answers without offers, --max-calls, and
 * malformed input that must change no state and name the field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bencode.h"
#include "guard_table.h"

/* ---- bencode ------------------------------------------------------------ */

static be_node_t nd[256];

static void test_be_values(void **state)
{
	const char *m = "d7:command5:offer7:call-id3:abc9:directionl8:internal8:externale3:numi-42e5:emptyle1:xdee";
	const char *s;
	size_t n;
	int r = be_decode(m, strlen(m), nd, 256, NULL, NULL), d, k;
	assert_true(r > 0);
	assert_int_equal(nd[0].type, BE_DICT);
	assert_int_equal(nd[0].len, 12); /* 6 keys + 6 values */
	assert_int_equal(be_dict_str(nd, 0, "command", &s, &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(s, "offer", 5);
	d = be_dict_get(nd, 0, "direction");
	assert_true(d > 0);
	assert_int_equal(nd[d].type, BE_LIST);
	assert_int_equal(nd[d].len, 2);
	k = nd[d].first;
	assert_true(be_str_is(nd, k, "internal"));
	assert_true(be_str_is(nd, nd[k].next, "external"));
	assert_int_equal(nd[nd[k].next].next, -1);
	k = be_dict_get(nd, 0, "num");
	assert_int_equal(nd[k].type, BE_INT);
	assert_int_equal(nd[k].i, -42);
	k = be_dict_get(nd, 0, "empty");
	assert_int_equal(nd[k].type, BE_LIST);
	assert_int_equal(nd[k].first, -1);
	k = be_dict_get(nd, 0, "x");
	assert_int_equal(nd[k].type, BE_DICT);
	assert_int_equal(nd[k].len, 0);
	assert_int_equal(be_dict_get(nd, 0, "missing"), -1);
	assert_int_equal(be_dict_str(nd, 0, "num", &s, &n), -1); /* not a string */
	assert_int_equal(be_dict_get(nd, d, "x"), -1);            /* not a dictionary */
}

static void test_be_strings_binary(void **state)
{
	/* strings may hold any byte, including NUL and 'e' */
	const char m[] = "l3:a\0e0:i0ee";
	int r = be_decode(m, sizeof(m) - 1, nd, 256, NULL, NULL);
	assert_int_equal(r, 4);
	assert_int_equal(nd[1].len, 3);
	assert_memory_equal(nd[1].s, "a\0e", 3);
	assert_int_equal(nd[2].len, 0);
	assert_int_equal(nd[3].i, 0);
}

static void test_be_consumed(void **state)
{
	size_t c = 0;
	assert_int_equal(be_decode("i7eXYZ", 6, nd, 256, &c, NULL), 1);
	assert_int_equal(c, 3);
	assert_int_equal(be_decode("i7eXYZ", 6, nd, 256, NULL, NULL), -1);
}

static void expect_be_error(const char *m, size_t len, const char *what)
{
	char err[BE_ERRLEN] = "";
	assert_int_equal(be_decode(m, len, nd, 256, NULL, err), -1);
	if(!strstr(err, what))
		fail_msg("'%.*s': error '%s' does not mention '%s'", (int)len, m, err, what);
}

static void test_be_errors(void **state)
{
	char deep[200];
	expect_be_error("", 0, "empty");
	expect_be_error("d3:abc", 6, "ends inside");
	expect_be_error("l", 1, "ends inside");
	expect_be_error("5:abc", 5, "runs past the end");
	expect_be_error("3abc", 4, "not followed by ':'");
	expect_be_error("03:abc", 6, "non-canonical");
	expect_be_error("i03e", 4, "non-canonical");
	expect_be_error("i-0e", 4, "non-canonical");
	expect_be_error("ie", 2, "bad integer");
	expect_be_error("i12", 3, "bad integer");
	expect_be_error("i1234567890123456789e", 21, "more than 18 digits");
	expect_be_error("1234567890:x", 12, "more than 9 digits");
	expect_be_error("di1ei2ee", 8, "not a string");
	expect_be_error("d1:ae", 5, "without a value");
	expect_be_error("x", 1, "unexpected byte");
	expect_be_error("e", 1, "unexpected byte");
	expect_be_error("i1ei2e", 6, "trailing");
	/* depth bomb: limited, no recursion */
	memset(deep, 'l', sizeof(deep));
	expect_be_error(deep, sizeof(deep), "nesting deeper");
	memset(deep, 'l', BE_MAX_DEPTH);
	memset(deep + BE_MAX_DEPTH, 'e', BE_MAX_DEPTH);
	assert_int_equal(be_decode(deep, 2 * BE_MAX_DEPTH, nd, 256, NULL, NULL), BE_MAX_DEPTH);
}

static void test_be_node_limit(void **state)
{
	char m[1024];
	size_t n = 0;
	int i;
	char err[BE_ERRLEN];
	m[n++] = 'l';
	for(i = 0; i < 300; i++) {
		memcpy(m + n, "i1e", 3);
		n += 3;
	}
	m[n++] = 'e';
	assert_int_equal(be_decode(m, n, nd, 256, NULL, err), -1);
	assert_non_null(strstr(err, "more than 256 values"));
	assert_int_equal(be_decode(m, n, nd, 256, NULL, NULL), -1);
}

/* ---- the table ---------------------------------------------------------- */

#define KA "AAsWISw3Qk1YY255hI+apbC7xtHc5/L9CBMeKTQ/"  /* rtpengine's key toward the MN */
#define KB "JTA7RlFcZ3J9iJOeqbS/ytXg6/YBDBciLThDTllk"  /* the MN's key */
#define KC "SlVga3aBjJeirbjDztnk7/oFEBsmMTxHUl1oc36J"  /* the MN's next key */
#define K256 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ=="

struct rec {
	char ev[64][96];
	int n;
	int fail_guard;
};
static struct rec R;

static int st_guard(void *ctx, unsigned rtp, unsigned rtcp, const ssdp_crypto_t *k)
{
	char b64[64];
	if(R.fail_guard)
		return -1;
	ssdp_b64_encode(k->key, k->key_len, b64, sizeof(b64));
	snprintf(R.ev[R.n++ % 64], 96, "guard %u %u %s %.8s", rtp, rtcp, k->suite->name, b64);
	return 0;
}
static void st_unguard(void *ctx, unsigned rtp, unsigned rtcp)
{
	snprintf(R.ev[R.n++ % 64], 96, "unguard %u %u", rtp, rtcp);
}
static int st_move(void *ctx, unsigned ortp, unsigned ortcp, unsigned rtp, unsigned rtcp)
{
	snprintf(R.ev[R.n++ % 64], 96, "move %u %u -> %u %u", ortp, ortcp, rtp, rtcp);
	return 0;
}
static void st_log(void *ctx, const char *line)
{
	(void)line; /* printf("log: %s\n", line); */
}

static const gt_ops_t OPS = {NULL, st_guard, st_unguard, st_move, st_log};

static gt_table_t *mk(unsigned max_calls)
{
	gt_config_t cfg = {"external", max_calls};
	memset(&R, 0, sizeof(R));
	return gt_new(&cfg, &OPS);
}

/* bencode builder */
static char *bs(char *p, const char *s)
{
	return p + sprintf(p, "%zu:%s", strlen(s), s);
}

static char rq[8192], rp[8192];

/* an ng request; dir NULL = no direction; to NULL = no to-tag */
static size_t req(const char *cmd, const char *call, const char *from, const char *to, const char *d0,
		const char *d1, const char *sdp)
{
	char *p = rq;
	*p++ = 'd';
	p = bs(bs(p, "command"), cmd);
	p = bs(bs(p, "call-id"), call);
	if(from)
		p = bs(bs(p, "from-tag"), from);
	if(to)
		p = bs(bs(p, "to-tag"), to);
	if(d0) {
		p = bs(p, "direction");
		*p++ = 'l';
		p = bs(bs(p, d0), d1);
		*p++ = 'e';
	}
	if(sdp)
		p = bs(bs(p, "sdp"), sdp);
	p = bs(p, "flags");
	p += sprintf(p, "l13:trust-address13:strict-sourcee");
	*p++ = 'e';
	*p = 0;
	return (size_t)(p - rq);
}

static size_t rep(const char *sdp)
{
	char *p = rp;
	*p++ = 'd';
	if(sdp)
		p = bs(bs(p, "sdp"), sdp);
	p = bs(bs(p, "result"), "ok");
	*p++ = 'e';
	*p = 0;
	return (size_t)(p - rp);
}

static char sdpbuf[8][1024];
static int sdpi;
/* an SDP: address, port, proto, a=rtcp (0: none), crypto lines "TAG SUITE KEY" ("" = none) */
static const char *sdp(const char *addr, unsigned port, const char *proto, unsigned rtcp, const char *c1,
		const char *c2)
{
	char *b = sdpbuf[sdpi++ % 8];
	int n = sprintf(b, "v=0\r\no=x 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %u %s 0\r\n", addr,
			addr, port, proto);
	if(rtcp)
		n += sprintf(b + n, "a=rtcp:%u\r\n", rtcp);
	if(c1 && *c1)
		n += sprintf(b + n, "a=crypto:%s\r\n", c1);
	if(c2 && *c2)
		n += sprintf(b + n, "a=crypto:%s\r\n", c2);
	return b;
}

#define LEARN(t) gt_learn(t, rq, strlen(rq), rp, strlen(rp), err)

static void expect_ev(int i, const char *ev)
{
	if(i >= R.n || strcmp(R.ev[i], ev) != 0)
		fail_msg("event %d: '%s', expected '%s' (%d events)", i, i < R.n ? R.ev[i] : "(none)", ev, R.n);
}

/* CN calls MN: offer from the intranet, answer from the MN */
static void cn_calls_mn(gt_table_t *t, const char *call, unsigned port, const char *mnkey)
{
	char err[GT_ERRLEN], c[128];
	req("offer", call, "cn", NULL, "internal", "external", sdp("198.18.10.2", 40000, "RTP/AVP", 0, "", ""));
	rep(sdp("198.18.20.1", port, "RTP/SAVP", port + 1, "1 AES_CM_128_HMAC_SHA1_80 inline:" KA,
			"2 AES_CM_128_HMAC_SHA1_32 inline:" KA));
	assert_int_equal(LEARN(t), GT_LEARNED);
	snprintf(c, sizeof(c), "1 AES_CM_128_HMAC_SHA1_80 inline:%s", mnkey);
	req("answer", call, "cn", "mn", NULL, NULL, sdp("198.18.20.2", 50000, "RTP/SAVP", 0, c, ""));
	rep(sdp("198.18.10.1", port + 100, "RTP/AVP", 0, "", ""));
	assert_int_equal(LEARN(t), GT_LEARNED);
}

static void test_cn_calls_mn(void **state)
{
	gt_table_t *t = mk(0);
	gt_stats_t s;
	const char *cid, *tag;
	char err[GT_ERRLEN];
	cn_calls_mn(t, "c1", 30000, KB);
	assert_int_equal(R.n, 1);
	expect_ev(0, "guard 30000 30001 AES_CM_128_HMAC_SHA1_80 JTA7RlFc"); /* the MN's key, not rtpengine's */
	assert_true(gt_port_owner(t, 30000, &cid, &tag));
	assert_string_equal(cid, "c1");
	assert_string_equal(tag, "mn");
	assert_true(gt_port_owner(t, 30001, NULL, NULL));
	assert_false(gt_port_owner(t, 30100, NULL, NULL)); /* the internal side is never guarded */
	gt_get_stats(t, &s);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.streams, 1);

	/* a re-INVITE from the CN with the same SDP, the MN answers with the same key: nothing changes */
	req("offer", "c1", "cn", "mn", "internal", "external", sdp("198.18.10.2", 40000, "RTP/AVP", 0, "", ""));
	rep(sdp("198.18.20.1", 30000, "RTP/SAVP", 30001, "1 AES_CM_128_HMAC_SHA1_80 inline:" KA, ""));
	assert_int_equal(LEARN(t), GT_LEARNED);
	req("answer", "c1", "cn", "mn", NULL, NULL,
			sdp("198.18.20.2", 50000, "RTP/SAVP", 0, "1 AES_CM_128_HMAC_SHA1_80 inline:" KB, ""));
	rep(sdp("198.18.10.1", 30100, "RTP/AVP", 0, "", ""));
	assert_int_equal(LEARN(t), GT_LEARNED);
	assert_int_equal(R.n, 1);

	/* delete forgets the call */
	req("delete", "c1", "cn", NULL, NULL, NULL, NULL);
	rep(NULL);
	assert_int_equal(LEARN(t), GT_LEARNED);
	expect_ev(1, "unguard 30000 30001");
	assert_false(gt_port_owner(t, 30000, NULL, NULL));
	gt_get_stats(t, &s);
	assert_int_equal(s.calls, 0);
	assert_int_equal(s.streams, 0);
	gt_free(t);
}

static void test_mn_calls_cn_suites(void **state)
{
	gt_table_t *t = mk(0);
	char err[GT_ERRLEN];
	/* the MN offers AES_256 (tag 1) first, AES_CM_128_80 (tag 2); rtpengine takes tag 2 */
	req("offer", "c2", "mn", NULL, "external", "internal",
			sdp("198.18.20.2", 50010, "RTP/SAVP", 0, "1 AES_256_CM_HMAC_SHA1_80 inline:" K256,
					"2 AES_CM_128_HMAC_SHA1_80 inline:" KB));
	rep(sdp("198.18.10.1", 30010, "RTP/AVP", 0, "", ""));
	assert_int_equal(LEARN(t), GT_LEARNED);
	assert_int_equal(R.n, 0); /* nothing before the answer says which key */
	req("answer", "c2", "mn", "cn", NULL, NULL, sdp("198.18.10.2", 40010, "RTP/AVP", 0, "", ""));
	rep(sdp("198.18.20.1", 30012, "RTP/SAVP", 30013, "2 AES_CM_128_HMAC_SHA1_80 inline:" KA, ""));
	assert_int_equal(LEARN(t), GT_LEARNED);
	assert_int_equal(R.n, 1);
	expect_ev(0, "guard 30012 30013 AES_CM_128_HMAC_SHA1_80 JTA7RlFc");
	gt_free(t);
	expect_ev(1, "unguard 30012 30013");
}

static void test_handoff_reoffer(void **state)
{
	gt_table_t *t = mk(0);
	gt_stats_t s;
	char err[GT_ERRLEN];
	cn_calls_mn(t, "c3", 30020, KB);
	assert_int_equal(R.n, 1);
	/* re-anchoring: offer from the MN's side with its new address, same key; port-latching */
	req("offer", "c3", "mn", "cn", "external", "internal",
			sdp("198.18.20.3", 50000, "RTP/SAVP", 0, "1 AES_CM_128_HMAC_SHA1_80 inline:" KB, ""));
	rep(sdp("198.18.10.1", 30120, "RTP/AVP", 0, "", ""));
	assert_int_equal(LEARN(t), GT_LEARNED);
	req("answer", "c3", "mn", "cn", NULL, NULL, sdp("198.18.10.2", 40000, "RTP/AVP", 0, "", ""));
	rep(sdp("198.18.20.1", 30020, "RTP/SAVP", 30021, "1 AES_CM_128_HMAC_SHA1_80 inline:" KA, ""));
	assert_int_equal(LEARN(t), GT_LEARNED);
	assert_int_equal(R.n, 1); /* same key, same port: the session (and its window) is kept */
	gt_get_stats(t, &s);
	assert_int_equal(s.keys_changed, 0);
	/* the same with a new key: replaced */
	req("offer", "c3", "mn", "cn", "external", "internal",
			sdp("198.18.20.3", 50000, "RTP/SAVP", 0, "1 AES_CM_128_HMAC_SHA1_32 inline:" KC, ""));
	rep(sdp("198.18.10.1", 30120, "RTP/AVP", 0, "", ""));
	assert_int_equal(LEARN(t), GT_LEARNED);
	assert_int_equal(R.n, 1); /* the old key stays until the answer settles the new one */
	req("answer", "c3", "mn", "cn", NULL, NULL, sdp("198.18.10.2", 40000, "RTP/AVP", 0, "", ""));
	rep(sdp("198.18.20.1", 30020, "RTP/SAVP", 30021, "1 AES_CM_128_HMAC_SHA1_32 inline:" KA, ""));
	assert_int_equal(LEARN(t), GT_LEARNED);
	expect_ev(1, "unguard 30020 30021");
	expect_ev(2, "guard 30020 30021 AES_CM_128_HMAC_SHA1_32 SlVga3aB");
	gt_get_stats(t, &s);
	assert_int_equal(s.keys_changed, 1);
	assert_int_equal(s.streams, 1);
	/* new ports, same key (no port-latching): the session moves, window and ROC with it */
	req("offer", "c3", "mn", "cn", "external", "internal",
			sdp("198.18.20.3", 50000, "RTP/SAVP", 0, "1 AES_CM_128_HMAC_SHA1_32 inline:" KC, ""));
	rep(sdp("198.18.10.1", 30120, "RTP/AVP", 0, "", ""));
	assert_int_equal(LEARN(t), GT_LEARNED);
	req("answer", "c3", "mn", "cn", NULL, NULL, sdp("198.18.10.2", 40000, "RTP/AVP", 0, "", ""));
	rep(sdp("198.18.20.1", 30024, "RTP/SAVP", 30025, "1 AES_CM_128_HMAC_SHA1_32 inline:" KA, ""));
	assert_int_equal(LEARN(t), GT_LEARNED);
	assert_int_equal(R.n, 4);
	expect_ev(3, "move 30020 30021 -> 30024 30025");
	assert_false(gt_port_owner(t, 30020, NULL, NULL));
	assert_true(gt_port_owner(t, 30024, NULL, NULL));
	assert_true(gt_port_owner(t, 30025, NULL, NULL));
	gt_get_stats(t, &s);
	assert_int_equal(s.keys_changed, 1);
	assert_int_equal(s.ports_moved, 1);
	assert_int_equal(s.streams, 1);
	gt_free(t);
	expect_ev(4, "unguard 30024 30025");
}

static void test_mn_to_mn(void **state)
{
	gt_table_t *t = mk(0);
	char err[GT_ERRLEN];
	/* both legs external, keys passed through */
	req("offer", "c4", "a", NULL, "external", "external",
			sdp("198.18.20.2", 50000, "RTP/SAVP", 0, "1 AES_CM_128_HMAC_SHA1_80 inline:" KB, ""));
	rep(sdp("198.18.20.1", 30030, "RTP/SAVP", 0, "1 AES_CM_128_HMAC_SHA1_80 inline:" KB, ""));
	assert_int_equal(LEARN(t), GT_LEARNED);
	req("answer", "c4", "a", "b", NULL, NULL,
			sdp("198.18.20.3", 50002, "RTP/SAVP", 0, "1 AES_CM_128_HMAC_SHA1_80 inline:" KC, ""));
	rep(sdp("198.18.20.1", 30032, "RTP/SAVP", 0, "1 AES_CM_128_HMAC_SHA1_80 inline:" KC, ""));
	assert_int_equal(LEARN(t), GT_LEARNED);
	assert_int_equal(R.n, 2);
	expect_ev(0, "guard 30030 30031 AES_CM_128_HMAC_SHA1_80 SlVga3aB"); /* b sends to 30030 with its key */
	expect_ev(1, "guard 30032 30033 AES_CM_128_HMAC_SHA1_80 JTA7RlFc"); /* a sends to 30032 */
	{ /* gt_reset forgets both legs */
		gt_stats_t st;
		gt_reset(t);
		assert_int_equal(R.n, 4);
		gt_get_stats(t, &st);
		assert_int_equal(st.calls, 0);
		assert_int_equal(st.streams, 0);
		assert_false(gt_port_owner(t, 30030, NULL, NULL));
	}
	gt_free(t);
	assert_int_equal(R.n, 4);
}

static void test_port_taken_and_limits(void **state)
{
	gt_table_t *t = mk(2);
	gt_stats_t s;
	const char *cid;
	char err[GT_ERRLEN];
	cn_calls_mn(t, "old", 30040, KB);
	/* rtpengine timed "old" out without a delete and hands its port to "new" */
	cn_calls_mn(t, "new", 30040, KC);
	expect_ev(0, "guard 30040 30041 AES_CM_128_HMAC_SHA1_80 JTA7RlFc");
	expect_ev(1, "unguard 30040 30041");
	expect_ev(2, "guard 30040 30041 AES_CM_128_HMAC_SHA1_80 SlVga3aB");
	assert_true(gt_port_owner(t, 30040, &cid, NULL));
	assert_string_equal(cid, "new");
	/* deleting the old call does not touch the new one's session */
	req("delete", "old", "cn", NULL, NULL, NULL, NULL);
	rep(NULL);
	assert_int_equal(LEARN(t), GT_LEARNED);
	assert_int_equal(R.n, 3);
	assert_true(gt_port_owner(t, 30040, NULL, NULL));
	gt_get_stats(t, &s);
	assert_int_equal(s.ports_taken, 1);
	/* --max-calls 2: a third call is not kept */
	cn_calls_mn(t, "c-a", 30050, KB);
	req("offer", "c-b", "cn", NULL, "internal", "external", sdp("198.18.10.2", 40000, "RTP/AVP", 0, "", ""));
	rep(sdp("198.18.20.1", 30060, "RTP/SAVP", 30061, "1 AES_CM_128_HMAC_SHA1_80 inline:" KA, ""));
	assert_int_equal(LEARN(t), GT_IGNORED);
	gt_get_stats(t, &s);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.calls_refused, 1);
	/* an answer without an offer, a failed reply, other commands: nothing */
	R.n = 0;
	req("answer", "nope", "x", "y", NULL, NULL, sdp("198.18.20.2", 1, "RTP/SAVP", 0, "", ""));
	rep(sdp("198.18.20.1", 30070, "RTP/SAVP", 0, "", ""));
	assert_int_equal(LEARN(t), GT_IGNORED);
	req("offer", "new", "cn", NULL, "internal", "external", sdp("198.18.10.2", 40000, "RTP/AVP", 0, "", ""));
	strcpy(rp, "d6:result5:error12:error-reason3:bade");
	assert_int_equal(LEARN(t), GT_IGNORED);
	strcpy(rq, "d7:command4:pinge");
	strcpy(rp, "d6:result4:ponge");
	assert_int_equal(LEARN(t), GT_IGNORED);
	assert_int_equal(R.n, 0);
	/* a guard that cannot be installed leaves the party unguarded */
	R.fail_guard = 1;
	req("delete", "c-a", "cn", NULL, NULL, NULL, NULL);
	rep(NULL);
	LEARN(t);
	cn_calls_mn(t, "c-c", 30080, KB);
	assert_false(gt_port_owner(t, 30080, NULL, NULL));
	gt_free(t);
}

static void expect_learn_error(gt_table_t *t, const char *what)
{
	char err[GT_ERRLEN] = "";
	gt_stats_t a, b;
	int n0 = R.n;
	gt_get_stats(t, &a);
	assert_int_equal(gt_learn(t, rq, strlen(rq), rp, strlen(rp), err), GT_ERROR);
	if(!strstr(err, what))
		fail_msg("error '%s' does not name '%s'", err, what);
	gt_get_stats(t, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(R.n, n0);
}

static void test_malformed(void **state)
{
	gt_table_t *t = mk(0);
	cn_calls_mn(t, "c5", 30090, KB);
	assert_int_equal(R.n, 1);
	/* every field the guard reads */
	strcpy(rq, "d7:command5:offer");
	rep(NULL);
	expect_learn_error(t, "ng request: bencode");
	strcpy(rq, "l5:offere");
	expect_learn_error(t, "not a dictionary");
	strcpy(rq, "d7:commandi1ee");
	expect_learn_error(t, "command");
	req("offer", "", "cn", NULL, "internal", "external", sdp("198.18.10.2", 1, "RTP/AVP", 0, "", ""));
	expect_learn_error(t, "call-id");
	req("offer", "c5", NULL, NULL, "internal", "external", sdp("198.18.10.2", 1, "RTP/AVP", 0, "", ""));
	expect_learn_error(t, "from-tag");
	req("answer", "c5", "cn", NULL, NULL, NULL, sdp("198.18.10.2", 1, "RTP/AVP", 0, "", ""));
	expect_learn_error(t, "to-tag");
	/* a one-item direction list */
	strcpy(rq, "d7:command5:offer7:call-id2:c58:from-tag2:cn9:directionl8:internale3:sdp3:v=0e");
	rep(sdp("198.18.20.1", 30090, "RTP/SAVP", 0, "", ""));
	expect_learn_error(t, "direction");
	strcpy(rq, "d7:command5:offer7:call-id2:c58:from-tag2:cn9:directionli1ei2ee3:sdp3:v=0e");
	expect_learn_error(t, "direction item 1");
	req("offer", "c5", "cn", NULL, "internal", "external", NULL);
	expect_learn_error(t, "ng request: sdp missing");
	req("offer", "c5", "cn", NULL, "internal", "external", "v=0\r\nthis is not sdp\r\n");
	expect_learn_error(t, "ng request: sdp: line 2");
	req("offer", "c5", "cn", NULL, "internal", "external", sdp("198.18.10.2", 1, "RTP/AVP", 0, "", ""));
	strcpy(rp, "d6:resulti0ee");
	expect_learn_error(t, "result");
	strcpy(rp, "d6:result2:oke");
	expect_learn_error(t, "ng reply: sdp missing");
	rep("v=0\r\nm=audio 99999 RTP/SAVP 0\r\n");
	expect_learn_error(t, "ng reply: sdp: line 2: bad m=audio port");
	strcpy(rp, "d3:sdp5:v=0");
	expect_learn_error(t, "ng reply: bencode");
	/* the state is what it was: the MN is still guarded with its key */
	assert_true(gt_port_owner(t, 30090, NULL, NULL));
	assert_int_equal(R.n, 1);
	gt_free(t);
}

static void test_cookie(void **state)
{
	size_t cl, off;
	char longc[80];
	assert_int_equal(gt_split_cookie("abc d1:xe", 9, &cl, &off), 0);
	assert_int_equal(cl, 3);
	assert_int_equal(off, 4);
	assert_int_equal(gt_split_cookie(" d1:xe", 6, &cl, &off), -1);    /* empty cookie */
	assert_int_equal(gt_split_cookie("abc", 3, &cl, &off), -1);       /* no payload */
	assert_int_equal(gt_split_cookie("abc ", 4, &cl, &off), -1);      /* empty payload */
	assert_int_equal(gt_split_cookie("a\x01" "c d", 5, &cl, &off), -1); /* not printable */
	memset(longc, 'x', sizeof(longc));
	longc[65] = ' ';
	assert_int_equal(gt_split_cookie(longc, 70, &cl, &off), -1);      /* 65 bytes */
	longc[64] = ' ';
	assert_int_equal(gt_split_cookie(longc, 70, &cl, &off), 0);       /* 64 bytes */
	assert_int_equal(cl, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_be_values),
		cmocka_unit_test(test_be_strings_binary),
		cmocka_unit_test(test_be_consumed),
		cmocka_unit_test(test_be_errors),
		cmocka_unit_test(test_be_node_limit),
		cmocka_unit_test(test_cn_calls_mn),
		cmocka_unit_test(test_mn_calls_cn_suites),
		cmocka_unit_test(test_handoff_reoffer),
		cmocka_unit_test(test_mn_to_mn),
		cmocka_unit_test(test_port_taken_and_limits),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_cookie),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
