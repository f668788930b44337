/*
 * The handoff-list contract (docs/handoff-list.md) checked end to end in
 * plain C: the body the NVG builds (kamailio-modules/nvg/nvg_hlist.c,
 * nvg_hl_build) is accepted by Proxy 2's parser (urilist_parse.c,
 * ul_parse_request in handoff mode) with the same dialogs in the same
 * order and the NVG's new address, for IPv4 and IPv6 and up to 1,000
 * entries; and the answer Proxy 2 builds (ul_build_status_body) is read
 * back by the NVG (nvg_hl_parse_status) with every status and cn-reinvite
 * flag, including entries refused and reasons that need XML escaping;
 * both the full answer (an old NVG's list, without sh:answer) and the
 * compact one the NVG asks for (sh:answer="failures": moved entries left
 * out, counted on the root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nvg_hlist.h"
#include "urilist_parse.h"

static nvg_hl_entry_t *mk_entries(int n)
{
	nvg_hl_entry_t *e = calloc((size_t)n, sizeof(*e));
	int i;

	for(i = 0; i < n; i++) {
		snprintf(e[i].callid, sizeof(e[i].callid), "a84b4c76e667%d@198.18.1.%d", i, i % 250);
		snprintf(e[i].mn_tag, sizeof(e[i].mn_tag), "19283017%d", i);
		snprintf(e[i].cn_tag, sizeof(e[i].cn_tag), "3141.59-%d", i);
		snprintf(e[i].uri, sizeof(e[i].uri), "sip:cn-%d@vpn.example.com", i);
	}
	return e;
}

static void roundtrip(int n, int af, const char *addr, int compact)
{
	nvg_hl_entry_t *e = mk_entries(n);
	size_t cap = 512 + (size_t)n * 400;
	char *body = malloc(cap), ct[128];
	ul_limits_t lim;
	ul_request_t req;
	ul_err_t err;
	ul_status_t *st;
	char *ans;
	size_t alen;
	int len, i, rc;
	char perr[128];

	len = nvg_hl_build(e, n, af, addr, "nvg-hl-42", 4711, 2, body, cap);
	assert_true(len > 0);
	snprintf(ct, sizeof(ct), "multipart/mixed;boundary=nvg-hl-42");
	ul_limits_default(&lim);
	lim.max_entries = 1000;
	lim.max_body = 1 << 20;
	rc = ul_parse_request(UL_REQ_INVITE, 1, "recipient-list-invite", 21, ct, strlen(ct), body,
			(size_t)len, &lim, &req, &err);
	if(rc != 0)
		fail_msg("Proxy 2 refused the NVG's list: %d %s", err.code, err.reason);
	assert_int_equal(req.list.n, n);
	assert_int_equal(req.list.dialogs, n);
	assert_int_equal(req.list.dups, 0);
	assert_int_equal(req.media_af, af);
	assert_string_equal(req.media_ip, addr);
	for(i = 0; i < n; i++) {
		assert_string_equal(req.list.entries[i].call_id, e[i].callid);
		assert_string_equal(req.list.entries[i].mn_tag, e[i].mn_tag);
		assert_string_equal(req.list.entries[i].cn_tag, e[i].cn_tag);
		assert_string_equal(req.list.entries[i].uri, e[i].uri);
	}

	/* Proxy 2's answer, read by the NVG */
	st = calloc((size_t)n, sizeof(*st));
	for(i = 0; i < n; i++) {
		static const int codes[] = {200, 200, 403, 404, 488, 500, 503};
		st[i].code = codes[i % 7];
		st[i].reason = (i % 7 == 2) ? "not this NVG's dialog <&>" : "moved";
		st[i].cn_reinvite = (i % 5 == 0);
	}
	/* the NVG asks for the compact answer */
	assert_int_equal(req.list.answer_failures, 1);
	ans = compact ? ul_build_status_body_ex(&req.list, st, req.list.answer_failures, &alen)
				  : ul_build_status_body(&req.list, st, &alen);
	assert_non_null(ans);
	if(compact) {
		/* moved entries without CN re-INVITE are not in it */
		int listed = 0;
		const char *p;
		for(p = ans; (p = strstr(p, "<entry ")) != NULL; p++)
			listed++;
		for(i = 0; i < n; i++)
			if(st[i].code != 200 || st[i].cn_reinvite)
				listed--;
		assert_int_equal(listed, 0);
		assert_non_null(strstr(ans, "sh:omitted=\"moved\""));
	}
	for(i = 0; i < n; i++)
		e[i].status = 0;
	rc = nvg_hl_parse_status(ans, alen, e, n, perr, sizeof(perr));
	if(rc != n)
		fail_msg("the NVG read %d statuses of %d: %s", rc, n, perr);
	for(i = 0; i < n; i++) {
		assert_int_equal(e[i].status, st[i].code);
		assert_int_equal(e[i].cn_reinvite, st[i].cn_reinvite);
	}
	free(ans);
	free(st);
	ul_request_free(&req);
	free(body);
	free(e);
}

static void t_ipv4_50(void **state)
{
	roundtrip(50, 4, "198.18.7.2", 0);
	roundtrip(50, 4, "198.18.7.2", 1);
}

static void t_ipv6_3(void **state)
{
	roundtrip(3, 6, "fd00::7:2", 0);
	roundtrip(3, 6, "fd00::7:2", 1);
}

static void t_one(void **state)
{
	roundtrip(1, 4, "198.18.0.9", 0);
	roundtrip(1, 4, "198.18.0.9", 1);
}

static void t_ipv4_1000(void **state)
{
	roundtrip(1000, 4, "198.18.200.3", 0);
	roundtrip(1000, 4, "198.18.200.3", 1);
}

/* an old NVG's list (no sh:answer) gets the full answer; a compact answer
 * with every entry moved is a few hundred bytes whatever the list size */
static void t_old_nvg_and_size(void **state)
{
	nvg_hl_entry_t *e = mk_entries(100);
	size_t cap = 512 + 100 * 400, alen, flen;
	char *body = malloc(cap), *x, ct[64];
	ul_limits_t lim;
	ul_request_t req;
	ul_err_t err;
	ul_status_t *st = calloc(100, sizeof(*st));
	char *ans, *full;
	int len, i;

	len = nvg_hl_build(e, 100, 4, "198.18.7.2", "b", 1, 1, body, cap);
	assert_true(len > 0);
	x = strstr(body, " sh:answer=\"failures\"");
	assert_non_null(x);
	memset(x, ' ', strlen(" sh:answer=\"failures\""));
	snprintf(ct, sizeof(ct), "multipart/mixed;boundary=b");
	ul_limits_default(&lim);
	lim.max_body = 1 << 20;
	assert_int_equal(ul_parse_request(UL_REQ_INVITE, 1, "recipient-list-invite", 21, ct,
							 strlen(ct), body, (size_t)len, &lim, &req, &err),
			0);
	assert_int_equal(req.list.answer_failures, 0);
	for(i = 0; i < 100; i++) {
		st[i].code = 200;
		st[i].reason = "moved";
	}
	full = ul_build_status_body_ex(&req.list, st, req.list.answer_failures, &flen);
	assert_non_null(full);
	assert_null(strstr(full, "sh:omitted"));
	ans = ul_build_status_body_ex(&req.list, st, 1, &alen);
	assert_non_null(ans);
	assert_true(alen < 400);
	assert_true(flen > 100 * 100);
	for(i = 0; i < 100; i++)
		e[i].status = 0;
	assert_int_equal(nvg_hl_parse_status(ans, alen, e, 100, NULL, 0), 100);
	for(i = 0; i < 100; i++)
		assert_int_equal(e[i].status, 200);
	free(ans);
	free(full);
	free(st);
	ul_request_free(&req);
	free(body);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_one),
		cmocka_unit_test(t_ipv4_50),
		cmocka_unit_test(t_ipv6_3),
		cmocka_unit_test(t_ipv4_1000),
		cmocka_unit_test(t_old_nvg_and_size),
	};
	nvg_hl_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
