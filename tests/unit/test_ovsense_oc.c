/*
 * Unit tests of the RFC 7339 Via-parameter parser and Retry-After parser of
 * ovsense (kamailio-modules/ovsense/ovs_oc.c): client support, valid
 * feedback, every malformed form the module must ignore (negative, > 100,
 * non-numeric, huge validity, bad seq, duplicates, NUL bytes, unterminated
 * quotes), the unsupported-algorithm case, spans used to rewrite an
 * upstream Via, formatting, and that ignored feedback changes no control
 * state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ovs_ctl.h"
#include "ovs_oc.h"

#define MAXV 60000u

static ovs_oc_t O;

static int parse(const char *s)
{
	return ovs_oc_parse(s, strlen(s), MAXV, &O);
}

static void assert_err_text(void)
{
	size_t i;

	assert_true(O.error[0] != 0);
	for(i = 0; O.error[i]; i++) {
		unsigned char c = (unsigned char)O.error[i];
		assert_true(c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
	}
}

#define MALFORMED(s)                                          \
	do {                                                      \
		assert_int_equal(parse(s), OVS_OC_E_MALFORMED);       \
		assert_err_text();                                    \
	} while(0)

static void t_none(void **state)
{
	assert_int_equal(parse("branch=z9hG4bK776asdhds"), OVS_OC_NONE);
	assert_int_equal(parse(""), OVS_OC_NONE);
	assert_int_equal(parse("branch=z9hG4bK1;received=192.0.2.1;rport=5060"), OVS_OC_NONE);
	assert_int_equal(parse("branch=z9hG4bK1;received=[2001:db8::9]"), OVS_OC_NONE);
	/* oc-* without oc is nothing */
	assert_int_equal(parse("branch=z9hG4bK1;oc-algo=\"loss\""), OVS_OC_NONE);
	assert_int_equal(ovs_oc_parse(NULL, 0, MAXV, &O), OVS_OC_NONE);
}

static void t_support(void **state)
{
	assert_int_equal(parse("branch=z9hG4bK1;oc;oc-algo=\"loss,A\""), OVS_OC_SUPPORT);
	assert_true(O.algo_loss);
	assert_int_equal(O.algo_count, 2);
	assert_int_equal(parse(";branch=z9hG4bK1 ; OC ; rport"), OVS_OC_SUPPORT);
	assert_false(O.has_algo);
	/* spans: "oc" sits at its offset, the algo span covers the value */
	assert_int_equal(parse("branch=x;oc;oc-algo=\"loss\""), OVS_OC_SUPPORT);
	assert_int_equal(O.sp_oc.start, 9);
	assert_int_equal(O.sp_oc.len, 2);
	assert_int_equal(O.sp_algo.start, 12);
	assert_int_equal(O.sp_algo.len, strlen("oc-algo=\"loss\""));
	assert_int_equal(O.end, strlen("branch=x;oc;oc-algo=\"loss\""));
}

static void t_feedback(void **state)
{
	assert_int_equal(parse("branch=z9hG4bK1;oc=20;oc-validity=500;"
						   "oc-seq=1282321615.782;oc-algo=\"loss\""),
			OVS_OC_FEEDBACK);
	assert_int_equal(O.value, 20);
	assert_int_equal(O.validity_ms, 500);
	assert_true(O.has_seq);
	assert_int_equal(O.seq_sec, 1282321615ULL);
	assert_int_equal(O.seq_frac, 78200);
	assert_true(O.algo_loss);
	/* defaults: validity 500 ms, no seq, loss */
	assert_int_equal(parse("oc=0"), OVS_OC_FEEDBACK);
	assert_int_equal(O.value, 0);
	assert_int_equal(O.validity_ms, OVS_OC_DEFAULT_VALIDITY);
	assert_false(O.has_seq);
	assert_int_equal(parse("oc=100;oc-validity=0"), OVS_OC_FEEDBACK);
	assert_int_equal(O.value, 100);
	assert_int_equal(O.validity_ms, 0);
	/* limits */
	assert_int_equal(parse("oc=100;oc-validity=60000;oc-seq=999999999999.99999"),
			OVS_OC_FEEDBACK);
	assert_int_equal(parse("oc=007"), OVS_OC_FEEDBACK);
	assert_int_equal(O.value, 7);
	/* whitespace around '=' and ';', upper case names */
	assert_int_equal(parse(" OC = 35 ; Oc-Validity = 1000 ; OC-SEQ=5"), OVS_OC_FEEDBACK);
	assert_int_equal(O.value, 35);
	assert_int_equal(O.validity_ms, 1000);
	assert_int_equal(O.seq_sec, 5);
	/* the next Via body after a comma is not ours */
	assert_int_equal(parse("oc=10, SIP/2.0/UDP h;oc=99"), OVS_OC_FEEDBACK);
	assert_int_equal(O.value, 10);
}

static void t_malformed_value(void **state)
{
	MALFORMED("oc=-5");
	assert_non_null(strstr(O.error, "'-5'"));
	MALFORMED("oc=101");
	MALFORMED("oc=150;oc-validity=500");
	MALFORMED("oc=abc");
	MALFORMED("oc=12a");
	MALFORMED("oc=1.5");
	MALFORMED("oc=+5");
	MALFORMED("oc=");
	MALFORMED("oc=99999999999999999999999");
	MALFORMED("oc=\"20\"");
}

static void t_malformed_validity(void **state)
{
	MALFORMED("oc=20;oc-validity=-1");
	MALFORMED("oc=20;oc-validity=abc");
	MALFORMED("oc=20;oc-validity=60001"); /* above max_validity */
	assert_non_null(strstr(O.error, "too large"));
	MALFORMED("oc=20;oc-validity=99999999999999999999");
	MALFORMED("oc=20;oc-validity=");
	/* max_validity is the caller's */
	assert_int_equal(ovs_oc_parse("oc=20;oc-validity=90000", 23, 100000, &O),
			OVS_OC_FEEDBACK);
}

static void t_malformed_seq_algo_syntax(void **state)
{
	MALFORMED("oc=20;oc-seq=abc");
	MALFORMED("oc=20;oc-seq=1234567890123.1"); /* 13 digits */
	MALFORMED("oc=20;oc-seq=1.123456");        /* 6 fraction digits */
	MALFORMED("oc=20;oc-seq=1.");
	MALFORMED("oc=20;oc-seq=.5");
	MALFORMED("oc=20;oc-seq");
	MALFORMED("oc=20;oc-algo=loss");   /* not quoted */
	MALFORMED("oc=20;oc-algo=\"\"");
	MALFORMED("oc=20;oc-algo=\"loss,\"");
	MALFORMED("oc=20;oc-algo=\"lo ss\"");
	MALFORMED("oc=20;oc-algo=\"loss");  /* unterminated */
	MALFORMED("oc=20;oc=30");           /* duplicate */
	MALFORMED("oc;oc");
	MALFORMED("oc=20;oc-validity=1;oc-validity=2");
	MALFORMED("oc=20;;rport");
	MALFORMED("oc=20;");
	MALFORMED("oc=20 x");
	MALFORMED("oc=20;@=1");
	assert_int_equal(ovs_oc_parse("oc=2\0000", 5, MAXV, &O), OVS_OC_E_MALFORMED);
	assert_err_text();
}

static void t_unsupported(void **state)
{
	assert_int_equal(parse("oc=20;oc-algo=\"rate\""), OVS_OC_E_UNSUPPORTED);
	assert_err_text();
	assert_int_equal(parse("oc;oc-algo=\"rate,window\""), OVS_OC_SUPPORT);
	assert_false(O.algo_loss);
}

static void t_too_many_params(void **state)
{
	char buf[4096];
	int i, n = 0;

	for(i = 0; i < OVS_OC_MAX_PARAMS + 1; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "p%d=1;", i);
	n += snprintf(buf + n, sizeof(buf) - n, "oc=5");
	assert_int_equal(ovs_oc_parse(buf, n, MAXV, &O), OVS_OC_E_MALFORMED);
}

static void t_format_roundtrip(void **state)
{
	char buf[128];
	int n;

	n = ovs_oc_format(buf, sizeof(buf), 20, 500, 1282321615ULL, 78200);
	assert_string_equal(buf, ";oc=20;oc-algo=\"loss\";oc-validity=500;oc-seq=1282321615.78200");
	assert_int_equal(n, (int)strlen(buf));
	assert_int_equal(ovs_oc_parse(buf, n, MAXV, &O), OVS_OC_FEEDBACK);
	assert_int_equal(O.value, 20);
	assert_int_equal(O.seq_frac, 78200);
	/* clamped, and refuses a buffer too small */
	ovs_oc_format(buf, sizeof(buf), 250, 0, 1, 0);
	assert_non_null(strstr(buf, ";oc=100;"));
	assert_int_equal(ovs_oc_format(buf, 10, 20, 500, 1, 0), -1);
	assert_true(ovs_oc_seq_cmp(1, 5, 1, 6) < 0);
	assert_true(ovs_oc_seq_cmp(2, 0, 1, 99999) > 0);
	assert_int_equal(ovs_oc_seq_cmp(3, 3, 3, 3), 0);
}

/* ignored feedback changes nothing in the control state */
static void t_ignored_feedback_no_state(void **state)
{
	static const char *bad[] = {"oc=-5;oc-validity=500", "oc=101", "oc=abc",
			"oc=50;oc-validity=999999999999", "oc=50;oc-algo=\"rate\"", "oc=50;oc-seq=x"};
	ovs_ctl_t c, before;
	ovs_ctl_params_t p;
	unsigned i;
	int rc;

	ovs_ctl_params_default(&p);
	ovs_ctl_init(&c, &p);
	for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(&before, &c, sizeof(c));
		rc = parse(bad[i]);
		assert_true(rc < 0);
		/* the module applies only OVS_OC_FEEDBACK; the rest is logged */
		if(rc == OVS_OC_FEEDBACK)
			ovs_ctl_feedback(&c, &O, 0);
		assert_memory_equal(&before, &c, sizeof(c));
		assert_int_equal(ovs_ctl_explicit(&c, 0), -1);
	}
}

static int ra(const char *s, uint32_t max, uint32_t *v)
{
	return ovs_retry_after_parse(s, strlen(s), max, v);
}

static void t_retry_after(void **state)
{
	uint32_t v = 0;

	assert_int_equal(ra("120", 3600, &v), 0);
	assert_int_equal(v, 120);
	assert_int_equal(ra(" 18000 (5 hours) ;duration=3600", 86400, &v),
			0);
	assert_int_equal(v, 18000);
	assert_int_equal(ra("5;duration=10", 3600, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(ra("0", 3600, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ra("", 3600, &v), -1);
	assert_int_equal(ra("-5", 3600, &v), -1);
	assert_int_equal(ra("abc", 3600, &v), -1);
	assert_int_equal(ra("4000", 3600, &v), -1);
	assert_int_equal(ra("99999999999", 3600, &v), -1);
	assert_int_equal(ra("5 (unterminated", 3600, &v), -1);
	assert_int_equal(ra("5 x", 3600, &v), -1);
	assert_int_equal(ra("5;", 3600, &v), -1);
	assert_int_equal(ovs_retry_after_parse(NULL, 0, 3600, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(t_none),
			cmocka_unit_test(t_support),
			cmocka_unit_test(t_feedback),
			cmocka_unit_test(t_malformed_value),
			cmocka_unit_test(t_malformed_validity),
			cmocka_unit_test(t_malformed_seq_algo_syntax),
			cmocka_unit_test(t_unsupported),
			cmocka_unit_test(t_too_many_params),
			cmocka_unit_test(t_format_roundtrip),
			cmocka_unit_test(t_ignored_feedback_no_state),
			cmocka_unit_test(t_retry_after),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
