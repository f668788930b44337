/*
 * The handoff-list contract (docs/handoff-list.md) checked end to end in
 * plain C: the body the NVG builds (kamailio-modules/nvg/nvg_hlist.c,
 * nvg_hl_build) is accepted by Proxy 2's parser (urilist_parse.c,
 * ul_parse_request in handoff mode) with the same dialogs in the same
 * order and the NVG's new address, for IPv4 and IPv6 and up to 1,000
 * entries; and the answer Proxy 2 builds (ul_build_status_body) is read
 * back by the NVG (nvg_hl_parse_status) with every status and cn-reinvite
 * flag, including entries refused and reasons that need XML escaping.
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

static void roundtrip(int n, int af, const char *addr)
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
	ans = ul_build_status_body(&req.list, st, &alen);
	assert_non_null(ans);
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
	roundtrip(50, 4, "198.18.7.2");
}

static void t_ipv6_3(void **state)
{
	roundtrip(3, 6, "fd00::7:2");
}

static void t_one(void **state)
{
	roundtrip(1, 4, "198.18.0.9");
}

static void t_ipv4_1000(void **state)
{
	roundtrip(1000, 4, "198.18.200.3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_one),
		cmocka_unit_test(t_ipv4_50),
		cmocka_unit_test(t_ipv6_3),
		cmocka_unit_test(t_ipv4_1000),
	};
	nvg_hl_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
