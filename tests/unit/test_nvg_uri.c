/*
 * Unit tests of the nvg module's plain C helpers (kamailio-modules/nvg/
 * nvg_uri.c): the SIP URI parser (valid forms and every error), URI
 * parameters, binding tokens, logical URIs, the logical-domain convention,
 * CIDR matching and decimal numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nvg_uri.h"

static nvg_uri_t U;

static int parse(const char *s)
{
	return nvg_uri_parse(s, strlen(s), &U);
}

static void assert_span(nvg_span_t sp, const char *expect)
{
	assert_int_equal(sp.len, strlen(expect));
	assert_memory_equal(sp.s, expect, sp.len ? sp.len : 1 * 0);
}

#define SPAN_IS(sp, str)                                  \
	do {                                                  \
		assert_int_equal((sp).len, strlen(str));          \
		if((sp).len)                                      \
			assert_memory_equal((sp).s, str, (sp).len);   \
	} while(0)

static void t_valid_forms(void **state)
{
	assert_int_equal(parse("sip:mn-1@198.18.10.2:5062"), NVG_URI_OK);
	SPAN_IS(U.user, "mn-1");
	SPAN_IS(U.host, "198.18.10.2");
	assert_int_equal(U.host_type, NVG_HOST_IP4);
	assert_int_equal(U.port, 5062);
	SPAN_IS(U.hostport, "198.18.10.2:5062");
	assert_int_equal(U.params.len, 0);
	assert_int_equal(U.sips, 0);

	assert_int_equal(parse("SIPS:alice:secret@Example.COM;transport=tcp;lr?subject=x&h=y"),
			NVG_URI_OK);
	assert_int_equal(U.sips, 1);
	SPAN_IS(U.user, "alice");
	SPAN_IS(U.host, "Example.COM");
	assert_int_equal(U.host_type, NVG_HOST_NAME);
	SPAN_IS(U.params, "transport=tcp;lr");
	SPAN_IS(U.headers, "subject=x&h=y");

	assert_int_equal(parse("sip:[fd00::1]:5060"), NVG_URI_OK);
	assert_int_equal(U.user.len, 0);
	SPAN_IS(U.host, "[fd00::1]");
	assert_int_equal(U.host_type, NVG_HOST_IP6);
	assert_int_equal(U.port, 5060);

	assert_int_equal(parse("sip:nvg-7.vpn.example.com;r2=on;lr"), NVG_URI_OK);
	SPAN_IS(U.host, "nvg-7.vpn.example.com");
	assert_int_equal(U.port, 0);

	/* escaped and user-unreserved characters, a trailing dot */
	assert_int_equal(parse("sip:%41b&c=d+e$f,g;h?i/j@host.example.;x"), NVG_URI_OK);
	SPAN_IS(U.user, "%41b&c=d+e$f,g;h?i/j");
	SPAN_IS(U.host, "host.example.");
	assert_int_equal(parse("sip:mn-1@nvg-7.vpn.example.com;nvgc=0123456789abcdef"),
			NVG_URI_OK);
}

static void t_errors(void **state)
{
	char big[700];

	assert_int_equal(nvg_uri_parse(NULL, 0, &U), NVG_URI_E_ARG);
	assert_int_equal(parse(""), NVG_URI_E_EMPTY);
	memset(big, 'a', sizeof(big));
	memcpy(big, "sip:", 4);
	assert_int_equal(nvg_uri_parse(big, sizeof(big), &U), NVG_URI_E_LONG);
	assert_int_equal(parse("sip:a b@host"), NVG_URI_E_CHAR);
	assert_int_equal(nvg_uri_parse("sip:a\0b@host", 12, &U), NVG_URI_E_CHAR);
	assert_int_equal(parse("sip:a@host\r\n"), NVG_URI_E_CHAR);
	assert_int_equal(parse("http://example.com"), NVG_URI_E_SCHEME);
	assert_int_equal(parse("tel:+123"), NVG_URI_E_SCHEME);
	assert_int_equal(parse("sip"), NVG_URI_E_SCHEME);
	assert_int_equal(parse("sip:@host"), NVG_URI_E_USER);
	assert_int_equal(parse("sip:a<b@host"), NVG_URI_E_USER);
	assert_int_equal(parse("sip:a%4@host"), NVG_URI_E_USER);
	assert_int_equal(parse("sip:a%zz@host"), NVG_URI_E_USER);
	assert_int_equal(parse("sip:a:pa\"ss@host"), NVG_URI_E_USER);
	assert_int_equal(parse("sip:a@"), NVG_URI_E_HOST);
	assert_int_equal(parse("sip:"), NVG_URI_E_HOST);
	assert_int_equal(parse("sip:a@-host"), NVG_URI_E_HOST);
	assert_int_equal(parse("sip:a@host-.com"), NVG_URI_E_HOST);
	assert_int_equal(parse("sip:a@ho..st"), NVG_URI_E_HOST);
	assert_int_equal(parse("sip:a@ho_st"), NVG_URI_E_HOST);
	assert_int_equal(parse("sip:a@1.2.3.256"), NVG_URI_E_HOST);
	assert_int_equal(parse("sip:a@1.2.3"), NVG_URI_E_HOST);
	assert_int_equal(parse("sip:a@[fd00::1"), NVG_URI_E_HOST);
	assert_int_equal(parse("sip:a@[1.2.3.4]"), NVG_URI_E_HOST);
	assert_int_equal(parse("sip:a@[zz::1]"), NVG_URI_E_HOST);
	assert_int_equal(parse("sip:a@host>"), NVG_URI_E_HOST);
	assert_int_equal(parse("sip:a@host:"), NVG_URI_E_PORT);
	assert_int_equal(parse("sip:a@host:0"), NVG_URI_E_PORT);
	assert_int_equal(parse("sip:a@host:65536"), NVG_URI_E_PORT);
	assert_int_equal(parse("sip:a@host:5x"), NVG_URI_E_HOST);
	assert_int_equal(parse("sip:a@host;"), NVG_URI_E_PARAMS);
	assert_int_equal(parse("sip:a@host;a;;b"), NVG_URI_E_PARAMS);
	assert_int_equal(parse("sip:a@host;=x"), NVG_URI_E_PARAMS);
	assert_int_equal(parse("sip:a@host;a=\"q\""), NVG_URI_E_PARAMS);
	assert_int_equal(parse("sip:a@host?"), NVG_URI_E_HEADERS);
	assert_int_equal(parse("sip:a@host?a=<"), NVG_URI_E_HEADERS);
	assert_string_equal(nvg_uri_strerror(NVG_URI_E_HOST), "bad host");
	assert_string_equal(nvg_uri_strerror(-99), "unknown error");
	assert_string_equal(nvg_uri_strerror(1), "unknown error");
}

static void t_params(void **state)
{
	nvg_span_t v;

	assert_int_equal(parse("sip:mn-1@nvg-7.vpn.example.com;lr;NVGC=abc;x=1"), NVG_URI_OK);
	assert_int_equal(nvg_uri_param(&U, "nvgc", &v), 1);
	SPAN_IS(v, "abc");
	assert_int_equal(nvg_uri_param(&U, "lr", &v), 1);
	assert_int_equal(v.len, 0);
	assert_int_equal(nvg_uri_param(&U, "x", &v), 1);
	SPAN_IS(v, "1");
	assert_int_equal(nvg_uri_param(&U, "l", &v), 0);
	assert_int_equal(nvg_uri_param(&U, "transport", NULL), 0);
	assert_int_equal(parse("sip:a@b"), NVG_URI_OK);
	assert_int_equal(nvg_uri_param(&U, "lr", &v), 0);
}

static void t_tokens(void **state)
{
	char a[NVG_TOKEN_LEN + 1], b[NVG_TOKEN_LEN + 1], c[NVG_TOKEN_LEN + 1];

	nvg_token("sip:mn-1@198.18.10.2:5062", 25, "", 0, a);
	nvg_token("sip:mn-1@198.18.10.2:5062", 25, "", 0, b);
	nvg_token("sip:mn-1@198.18.10.2:5063", 25, "", 0, c);
	assert_int_equal(strlen(a), NVG_TOKEN_LEN);
	assert_true(nvg_token_valid(a, strlen(a)));
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	/* (a, b) and (ab, "") differ: the separator counts */
	nvg_token("ab", 2, "", 0, b);
	nvg_token("a", 1, "b", 1, c);
	assert_string_not_equal(b, c);
	/* FNV-1a 64 of the separator 0x1f alone (checked with Python), fixed forever (stored in databases) */
	nvg_token("", 0, "", 0, a);
	assert_string_equal(a, "44bd44d473cd2214");
	assert_false(nvg_token_valid("0123456789ABCDEF", 16));
	assert_false(nvg_token_valid("0123456789abcde", 15));
	assert_false(nvg_token_valid("0123456789abcdeg", 16));
	assert_false(nvg_token_valid(NULL, 16));
}

static void t_logical_uri(void **state)
{
	char buf[128], small[20];

	assert_int_equal(nvg_logical_uri(buf, sizeof(buf), "mn-1", 4,
							 "nvg-7.vpn.example.com", 21, "0123456789abcdef"),
			(int)strlen("sip:mn-1@nvg-7.vpn.example.com;nvgc=0123456789abcdef"));
	assert_string_equal(buf, "sip:mn-1@nvg-7.vpn.example.com;nvgc=0123456789abcdef");
	assert_int_equal(nvg_logical_uri(buf, sizeof(buf), "mn-1", 4, "d.example", 9, NULL), 18);
	assert_string_equal(buf, "sip:mn-1@d.example");
	assert_int_equal(nvg_logical_uri(small, sizeof(small), "mn-1", 4, "d.example", 9, NULL),
			18);
	assert_int_equal(nvg_logical_uri(small, 18, "mn-1", 4, "d.example", 9, NULL), -1);
	assert_int_equal(nvg_logical_uri(buf, sizeof(buf), "", 0, "d", 1, NULL), -1);
	assert_int_equal(nvg_logical_uri(NULL, 0, "a", 1, "d", 1, NULL), -1);
	/* what is built parses back, with its token */
	assert_int_equal(nvg_logical_uri(buf, sizeof(buf), "mn-1", 4,
							 "nvg-7.vpn.example.com", 21, "0123456789abcdef") > 0, 1);
	assert_int_equal(parse(buf), NVG_URI_OK);
}

static void t_domain_label(void **state)
{
	nvg_span_t l;

	assert_int_equal(nvg_domain_label("nvg-7.vpn.example.com", 21, "vpn.example.com", 15, &l), 1);
	SPAN_IS(l, "nvg-7");
	assert_int_equal(nvg_domain_label("NVG-7.VPN.Example.com.", 22, "vpn.example.com", 15, &l), 1);
	SPAN_IS(l, "NVG-7");
	assert_int_equal(nvg_domain_label("a.b.vpn.example.com", 19, "vpn.example.com", 15, &l), 0);
	assert_int_equal(nvg_domain_label("vpn.example.com", 15, "vpn.example.com", 15, &l), 0);
	assert_int_equal(nvg_domain_label(".vpn.example.com", 16, "vpn.example.com", 15, &l), 0);
	assert_int_equal(nvg_domain_label("x.vpnXexample.com", 17, "vpn.example.com", 15, &l), 0);
	assert_int_equal(nvg_domain_label("nvg-7xvpn.example.com", 21, "vpn.example.com", 15, &l), 0);
	assert_int_equal(nvg_domain_label("n.x", 3, "", 0, &l), 0);
}

static void t_numbers(void **state)
{
	uint64_t v;

	assert_int_equal(nvg_parse_uint("0", 1, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(nvg_parse_uint("4294967295", 10, 4294967295ULL, &v), 0);
	assert_int_equal(v, 4294967295ULL);
	assert_int_equal(nvg_parse_uint("4294967296", 10, 4294967295ULL, &v), -1);
	assert_int_equal(nvg_parse_uint("18446744073709551616", 20, UINT64_MAX, &v), -1);
	assert_int_equal(nvg_parse_uint("-1", 2, 10, &v), -1);
	assert_int_equal(nvg_parse_uint("1a", 2, 10, &v), -1);
	assert_int_equal(nvg_parse_uint("", 0, 10, &v), -1);
	assert_int_equal(nvg_parse_uint(" 1", 2, 10, &v), -1);
}

static void t_cidr(void **state)
{
	nvg_cidr_t c;
	uint8_t a4[16], a6[16];
	int af;

	assert_int_equal(nvg_cidr_parse("198.18.10.0/24", 14, &c), 0);
	assert_int_equal(c.af, 4);
	assert_int_equal(c.bits, 24);
	assert_int_equal(nvg_ip_parse("198.18.10.77", 12, &af, a4), 0);
	assert_int_equal(af, 4);
	assert_true(nvg_cidr_match(&c, 4, a4));
	assert_int_equal(nvg_ip_parse("198.18.11.2", 11, &af, a4), 0);
	assert_false(nvg_cidr_match(&c, 4, a4));
	assert_int_equal(nvg_cidr_parse("198.18.10.1", 11, &c), 0);
	assert_int_equal(c.bits, 32);
	assert_int_equal(nvg_cidr_parse("0.0.0.0/0", 9, &c), 0);
	assert_true(nvg_cidr_match(&c, 4, a4));
	assert_false(nvg_cidr_match(&c, 6, a4));
	assert_int_equal(nvg_cidr_parse("198.18.10.0/25", 14, &c), 0);
	assert_int_equal(nvg_ip_parse("198.18.10.128", 13, &af, a4), 0);
	assert_false(nvg_cidr_match(&c, 4, a4));
	assert_int_equal(nvg_ip_parse("198.18.10.127", 13, &af, a4), 0);
	assert_true(nvg_cidr_match(&c, 4, a4));

	assert_int_equal(nvg_cidr_parse("fd00::/8", 8, &c), 0);
	assert_int_equal(c.af, 6);
	assert_int_equal(nvg_ip_parse("[fd12::5]", 9, &af, a6), 0);
	assert_int_equal(af, 6);
	assert_true(nvg_cidr_match(&c, 6, a6));
	assert_int_equal(nvg_ip_parse("fe80::1", 7, &af, a6), 0);
	assert_false(nvg_cidr_match(&c, 6, a6));

	assert_int_equal(nvg_cidr_parse("198.18.10.0/33", 14, &c), -1);
	assert_int_equal(nvg_cidr_parse("198.18.10.0/", 12, &c), -1);
	assert_int_equal(nvg_cidr_parse("fd00::/129", 10, &c), -1);
	assert_int_equal(nvg_cidr_parse("example.com/8", 13, &c), -1);
	assert_int_equal(nvg_cidr_parse("", 0, &c), -1);
	assert_int_equal(nvg_ip_parse("1.2.3.4.5", 9, &af, a4), -1);
	assert_int_equal(nvg_ip_parse("01234", 5, &af, a4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_valid_forms),
		cmocka_unit_test(t_errors),
		cmocka_unit_test(t_params),
		cmocka_unit_test(t_tokens),
		cmocka_unit_test(t_logical_uri),
		cmocka_unit_test(t_domain_label),
		cmocka_unit_test(t_numbers),
		cmocka_unit_test(t_cidr),
	};
	(void)assert_span;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
