/*
 * libFuzzer harness for senemo-srtp-guard's ng parsing (srtp-guard/):
 * bencode.c and guard_table.c. The input is one or more ng exchanges,
 * "request \x00 reply" separated by "\x00\x00" (both without cookies), fed
 * in order to one table, so offers, answers, re-offers and deletes meet
 * each other. Besides memory safety (ASan, UBSan) it checks:
 *  - be_decode: the node count is within the limit, every string lies
 *    inside the input, child links stay inside the used nodes and a
 *    container's child count matches its links; decoding is deterministic;
 *  - gt_learn: the result is one of GT_IGNORED/LEARNED/ERROR, an error has a
 *    text and changes no statistic; guard/unguard calls from the table
 *    balance (every installed port is removed exactly once by gt_free) and
 *    the table's stream count equals the ports it has installed, and
 *    gt_reset() removes every one;
 *  - gt_split_cookie on the raw input: a cookie is 1..64 visible bytes.
 *   fuzz_ng_guard fuzz/corpus/ng_guard
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bencode.h"
#include "guard_table.h"

#define CHECK(x)            \
	do {                    \
		if(!(x))            \
			abort();        \
	} while(0)

static uint8_t installed[GT_PORTS];
static long n_installed;

static int f_guard(void *ctx, unsigned rtp, unsigned rtcp, const ssdp_crypto_t *k)
{
	CHECK(rtp > 0 && rtp < GT_PORTS && rtcp < GT_PORTS && rtcp != rtp);
	CHECK(!k || (k->suite && k->key_len == k->suite->key_len + k->suite->salt_len)); /* (NULL: from f_move) */
	CHECK(!installed[rtp]);
	installed[rtp] = 1;
	if(rtcp) {
		CHECK(!installed[rtcp]);
		installed[rtcp] = 2;
	}
	n_installed++;
	return 0;
}

static void f_unguard(void *ctx, unsigned rtp, unsigned rtcp)
{
	CHECK(installed[rtp] == 1);
	installed[rtp] = 0;
	if(rtcp) {
		CHECK(installed[rtcp] == 2);
		installed[rtcp] = 0;
	}
	n_installed--;
}

static int f_move(void *ctx, unsigned ortp, unsigned ortcp, unsigned rtp, unsigned rtcp)
{
	f_unguard(ctx, ortp, ortcp);
	CHECK(f_guard(ctx, rtp, rtcp, NULL) == 0);
	return 0;
}

static void check_tree(const be_node_t *nd, int used, const char *buf, size_t len)
{
	for(int i = 0; i < used; i++) {
		const be_node_t *n = &nd[i];
		CHECK(n->type >= BE_INT && n->type <= BE_DICT);
		CHECK(n->next >= -1 && n->next < used);
		if(n->type == BE_STR) {
			CHECK(n->s >= buf && n->len <= len && (size_t)(n->s - buf) <= len - n->len);
		} else if(n->type == BE_LIST || n->type == BE_DICT) {
			size_t c = 0;
			for(int k = n->first; k >= 0; k = nd[k].next) {
				CHECK(k > i && k < used);
				if(n->type == BE_DICT && !(c & 1))
					CHECK(nd[k].type == BE_STR);
				c++;
			}
			CHECK(c == n->len);
			if(n->type == BE_DICT)
				CHECK(!(c & 1));
		}
	}
}

static be_node_t nodes[512], nodes2[512];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char err[GT_ERRLEN > BE_ERRLEN ? GT_ERRLEN : BE_ERRLEN];
	gt_ops_t ops = {NULL, f_guard, f_unguard, f_move, NULL};
	gt_config_t cfg = {"external", 4};
	static gt_table_t *t;
	size_t pos = 0, cl, off, consumed;
	int r, r2;

	/* the decoder on the whole input */
	err[0] = 0;
	r = be_decode(s, size, nodes, 512, NULL, err);
	CHECK(r == -1 || (r >= 1 && r <= 512));
	if(r > 0)
		check_tree(nodes, r, s, size);
	else
		CHECK(err[0]);
	r2 = be_decode(s, size, nodes2, 512, NULL, NULL);
	CHECK(r2 == r);
	if(r > 0)
		CHECK(memcmp(nodes, nodes2, sizeof(nodes[0]) * (size_t)r) == 0);
	r = be_decode(s, size, nodes, 512, &consumed, NULL);
	if(r > 0) {
		CHECK(consumed >= 1 && consumed <= size);
		check_tree(nodes, r, s, consumed);
	}

	if(gt_split_cookie(s, size, &cl, &off) == 0) {
		CHECK(cl >= 1 && cl <= 64 && off == cl + 1 && off < size && s[cl] == ' ');
		for(size_t i = 0; i < cl; i++)
			CHECK(data[i] > 0x20 && data[i] < 0x7f);
	}

	/* exchanges through one table (made once: gt_reset() after each input) */
	if(!t)
		t = gt_new(&cfg, &ops);
	CHECK(t != NULL);
	while(pos < size) {
		const char *req = s + pos, *rep, *end;
		const char *sep = memchr(req, 0, size - pos);
		size_t req_len, rep_len;
		gt_stats_t a, b;
		if(!sep)
			break;
		req_len = (size_t)(sep - req);
		rep = sep + 1;
		end = rep;
		while((size_t)(end - s) + 1 < size && !(end[0] == 0 && end[1] == 0))
			end++;
		if((size_t)(end - s) + 1 >= size)
			end = s + size;
		rep_len = (size_t)(end - rep);
		gt_get_stats(t, &a);
		err[0] = 0;
		r = gt_learn(t, req, req_len, rep, rep_len, err);
		CHECK(r == GT_IGNORED || r == GT_LEARNED || r == GT_ERROR);
		gt_get_stats(t, &b);
		if(r == GT_ERROR) {
			CHECK(err[0]);
			CHECK(memcmp(&a, &b, sizeof(a)) == 0);
		}
		CHECK(b.calls <= 4);
		CHECK((long)b.streams == n_installed);
		pos = (size_t)(end - s) + 2;
	}
	gt_reset(t);
	CHECK(n_installed == 0);
	return 0;
}
