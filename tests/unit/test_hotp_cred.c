/*
 * Unit tests of the HOTP credential parser (kamailio-modules/hotp_auth/
 * hotp_cred.c): valid forms, every error code, limits, quoting, whitespace,
 * NUL bytes, and that error texts are safe inside a SIP Warning header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hotp_cred.h"

static hc_cred_t C;

static int parse(const char *s)
{
	return hc_parse(s, strlen(s), &C);
}

static int parse_n(const char *s, size_t n)
{
	return hc_parse(s, n, &C);
}

/* error text: non-empty, and usable inside a SIP quoted-string */
static void assert_err_text(const char *expect)
{
	size_t i;

	assert_true(C.error[0] != 0);
	for(i = 0; C.error[i]; i++) {
		unsigned char c = (unsigned char)C.error[i];
		assert_true(c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
	}
	if(expect)
		assert_string_equal(C.error, expect);
}

#define ASSERT_ERR(s, code, text)          \
	do {                                   \
		assert_int_equal(parse(s), code);  \
		assert_err_text(text);             \
	} while(0)

/* ---- valid credentials ------------------------------------------------ */

static void t_basic_quoted(void **state)
{
	assert_int_equal(parse("HOTP username=\"mn-1\", realm=\"vpn.example.com\", "
						   "otp=\"123456\""),
			HC_OK);
	assert_string_equal(C.username, "mn-1");
	assert_int_equal(C.username_len, 4);
	assert_string_equal(C.realm, "vpn.example.com");
	assert_int_equal(C.realm_len, 15);
	assert_string_equal(C.otp, "123456");
	assert_int_equal(C.otp_len, 6);
	assert_int_equal(C.has_counter, 0);
	assert_int_equal(C.nparams, 3);
	assert_string_equal(C.error, "");
}

static void t_token_values(void **state)
{
	assert_int_equal(parse("HOTP username=mn-1,realm=vpn.example.com,otp=12345678"),
			HC_OK);
	assert_string_equal(C.username, "mn-1");
	assert_string_equal(C.realm, "vpn.example.com");
	assert_string_equal(C.otp, "12345678");
}

static void t_case_insensitive(void **state)
{
	assert_int_equal(parse("hotp USERNAME=\"a\", Realm=\"r.example\", OTP=\"1234567\""),
			HC_OK);
	assert_string_equal(C.username, "a");
	assert_string_equal(C.otp, "1234567");
	assert_int_equal(parse("HoTp username=a, realm=b, otp=000000"), HC_OK);
}

static void t_order_and_unknown(void **state)
{
	assert_int_equal(parse("HOTP otp=\"654321\", foo=bar, realm=\"vpn.example.com\", "
						   "algorithm=\"x y z\", username=\"mn-7\""),
			HC_OK);
	assert_string_equal(C.username, "mn-7");
	assert_string_equal(C.otp, "654321");
	assert_int_equal(C.nparams, 5);
}

static void t_counter(void **state)
{
	assert_int_equal(parse("HOTP username=a, realm=b.c, otp=123456, counter=\"42\""),
			HC_OK);
	assert_int_equal(C.has_counter, 1);
	assert_int_equal(C.counter, 42);
	assert_int_equal(parse("HOTP username=a, realm=b.c, otp=123456, counter=0"), HC_OK);
	assert_int_equal(C.counter, 0);
	assert_int_equal(parse("HOTP username=a, realm=b.c, otp=123456, "
						   "counter=9223372036854775807"),
			HC_OK);
	assert_true(C.counter == UINT64_C(9223372036854775807));
	assert_int_equal(parse("HOTP username=a, realm=b.c, otp=123456, counter=007"), HC_OK);
	assert_int_equal(C.counter, 7);
}

static void t_counter_errors(void **state)
{
	ASSERT_ERR("HOTP username=a, realm=b.c, otp=123456, counter=9223372036854775808",
			HC_E_COUNTER_RANGE, "counter: larger than 2^63-1");
	ASSERT_ERR("HOTP username=a, realm=b.c, otp=123456, "
			   "counter=18446744073709551616",
			HC_E_COUNTER_RANGE, NULL);
	ASSERT_ERR("HOTP username=a, realm=b.c, otp=123456, "
			   "counter=\"12345678901234567890123456789012345678901234567890\"",
			HC_E_COUNTER_RANGE, NULL);
	ASSERT_ERR("HOTP username=a, realm=b.c, otp=123456, counter=-1",
			HC_E_COUNTER_INVALID, "counter: not a decimal number");
	ASSERT_ERR("HOTP username=a, realm=b.c, otp=123456, counter=\"\"",
			HC_E_COUNTER_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=b.c, otp=123456, counter=4a",
			HC_E_COUNTER_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=b.c, otp=123456, counter=\" 4\"",
			HC_E_COUNTER_INVALID, NULL);
}

/* ---- missing fields ------------------------------------------------------ */

static void t_missing(void **state)
{
	ASSERT_ERR("HOTP username=\"mn-1\", realm=\"vpn.example.com\"", HC_E_OTP_MISSING,
			"otp: missing");
	ASSERT_ERR("HOTP realm=\"vpn.example.com\", otp=\"123456\"", HC_E_USERNAME_MISSING,
			"username: missing");
	ASSERT_ERR("HOTP username=\"mn-1\", otp=\"123456\"", HC_E_REALM_MISSING,
			"realm: missing");
	ASSERT_ERR("HOTP", HC_E_USERNAME_MISSING, NULL);
	ASSERT_ERR("HOTP   ", HC_E_USERNAME_MISSING, NULL);
	ASSERT_ERR("HOTP ,,, ,", HC_E_USERNAME_MISSING, NULL);
}

/* ---- otp ------------------------------------------------------------------ */

static void t_otp(void **state)
{
	assert_int_equal(parse("HOTP username=a, realm=b, otp=123456"), HC_OK);
	assert_int_equal(parse("HOTP username=a, realm=b, otp=1234567"), HC_OK);
	assert_int_equal(parse("HOTP username=a, realm=b, otp=12345678"), HC_OK);
	ASSERT_ERR("HOTP username=a, realm=b, otp=\"12345a\"", HC_E_OTP_INVALID,
			"otp: not 6-8 digits");
	ASSERT_ERR("HOTP username=a, realm=b, otp=abcdef", HC_E_OTP_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=b, otp=12345", HC_E_OTP_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=b, otp=123456789", HC_E_OTP_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=b, "
			   "otp=\"12345678901234567890123456789012345678901234567890\"",
			HC_E_OTP_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=b, otp=\"\"", HC_E_OTP_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=b, otp=\" 123456\"", HC_E_OTP_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=b, otp=\"123 456\"", HC_E_OTP_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=b, otp=+123456", HC_E_OTP_INVALID, NULL);
	/* fullwidth digits (UTF-8) are not ASCII digits */
	ASSERT_ERR("HOTP username=a, realm=b, otp=\"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93"
			   "\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96\"",
			HC_E_OTP_INVALID, NULL);
}

/* ---- duplicates, too many ------------------------------------------------ */

static void t_duplicates(void **state)
{
	ASSERT_ERR("HOTP username=a, realm=b, otp=123456, otp=654321", HC_E_DUPLICATE,
			"otp: duplicate parameter");
	ASSERT_ERR("HOTP username=a, realm=b, otp=123456, OTP=123456", HC_E_DUPLICATE,
			"OTP: duplicate parameter");
	ASSERT_ERR("HOTP username=a, username=b, realm=b, otp=123456", HC_E_DUPLICATE,
			"username: duplicate parameter");
	ASSERT_ERR("HOTP foo=1, username=a, realm=b, otp=123456, Foo=2", HC_E_DUPLICATE,
			"Foo: duplicate parameter");
	/* a long parameter name is shortened in the text */
	ASSERT_ERR("HOTP aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1, "
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=2",
			HC_E_DUPLICATE, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: duplicate parameter");
	/* invalid value in a duplicate still reports the duplicate first */
	ASSERT_ERR("HOTP otp=123456, otp=x", HC_E_DUPLICATE, NULL);
}

static void t_too_many(void **state)
{
	char buf[1024];
	int i, n;

	/* 16 parameters: fine */
	n = snprintf(buf, sizeof(buf), "HOTP username=a, realm=b, otp=123456");
	for(i = 0; i < 13; i++)
		n += snprintf(buf + n, sizeof(buf) - n, ", x%d=1", i);
	assert_int_equal(parse(buf), HC_OK);
	assert_int_equal(C.nparams, 16);
	/* 17: refused */
	snprintf(buf + n, sizeof(buf) - n, ", x99=1");
	ASSERT_ERR(buf, HC_E_TOO_MANY, "params: more than 16");
}

/* ---- scheme ---------------------------------------------------------------- */

static void t_not_hotp(void **state)
{
	assert_int_equal(parse("Digest username=\"mn-1\", realm=\"vpn.example.com\", "
						   "nonce=\"abc\", uri=\"sip:vpn.example.com\", "
						   "response=\"0123456789abcdef0123456789abcdef\""),
			HC_NOT_HOTP);
	assert_int_equal(parse("Basic bW4tMTpzZWNyZXQ="), HC_NOT_HOTP);
	assert_int_equal(parse("HOTPX username=a, realm=b, otp=123456"), HC_NOT_HOTP);
	assert_int_equal(parse("HOT username=a"), HC_NOT_HOTP);
	assert_int_equal(parse("Digest"), HC_NOT_HOTP);
	assert_string_equal(hc_strerror(HC_NOT_HOTP), "scheme: not HOTP");
}

static void t_not_hotp_large(void **state)
{
	/* a big Digest header is not ours: "not HOTP", not "too long" */
	char *b = malloc(4096);
	assert_non_null(b);
	memset(b, 'a', 4095);
	memcpy(b, "Digest x=", 9);
	b[4095] = 0;
	assert_int_equal(parse(b), HC_NOT_HOTP);
	free(b);
}

static void t_scheme_errors(void **state)
{
	ASSERT_ERR("", HC_E_EMPTY, "credentials: empty");
	ASSERT_ERR("   \t ", HC_E_EMPTY, NULL);
	ASSERT_ERR("=HOTP", HC_E_SCHEME, "scheme: not a token");
	ASSERT_ERR("\"HOTP\" username=a", HC_E_SCHEME, NULL);
	ASSERT_ERR("HOTP,username=a, realm=b, otp=123456", HC_E_SCHEME,
			"scheme: expected a space after HOTP");
	ASSERT_ERR("HOTP=abc", HC_E_SCHEME, NULL);
}

/* ---- size ---------------------------------------------------------------- */

static void t_oversized(void **state)
{
	char buf[2048];
	const char *head = "HOTP username=a, realm=b, otp=123456, pad=\"";
	size_t h = strlen(head), n;

	/* exactly 1024 bytes: accepted */
	memcpy(buf, head, h);
	n = 1024 - h - 1;
	memset(buf + h, 'x', n);
	buf[h + n] = '"';
	buf[1024] = 0;
	assert_int_equal(strlen(buf), 1024);
	assert_int_equal(parse(buf), HC_OK);
	/* 1025 bytes: refused */
	memset(buf + h, 'x', n + 1);
	buf[h + n + 1] = '"';
	buf[1025] = 0;
	ASSERT_ERR(buf, HC_E_TOO_LONG, "header: longer than 1024 bytes");
	/* far beyond */
	memset(buf + h, 'x', sizeof(buf) - h - 2);
	buf[sizeof(buf) - 2] = '"';
	buf[sizeof(buf) - 1] = 0;
	ASSERT_ERR(buf, HC_E_TOO_LONG, NULL);
}

/* ---- quoting and escapes --------------------------------------------------- */

static void t_quoting(void **state)
{
	assert_int_equal(parse("HOTP username=\"mn\\-1\", realm=\"vpn.example\\.com\", "
						   "otp=\"12\\3456\""),
			HC_OK);
	assert_string_equal(C.username, "mn-1");
	assert_string_equal(C.realm, "vpn.example.com");
	assert_string_equal(C.otp, "123456");
	/* commas and '=' inside a quoted unknown value are data */
	assert_int_equal(parse("HOTP x=\"a, b=c, \\\"d\\\"\", username=a, realm=b, otp=123456"),
			HC_OK);
	ASSERT_ERR("HOTP username=\"mn-1, realm=b, otp=123456", HC_E_QUOTE,
			"username: unterminated quoted-string");
	ASSERT_ERR("HOTP username=a, realm=b, otp=\"123456\\", HC_E_QUOTE,
			"otp: unterminated quoted-string");
	ASSERT_ERR("HOTP username=\"a\\\x01\", realm=b, otp=123456", HC_E_ESCAPE,
			"username: bad escape in quoted-string");
	/* an escaped quote is kept, and is not a valid user character */
	ASSERT_ERR("HOTP username=\"mn\\\"1\", realm=b, otp=123456", HC_E_USERNAME_CHAR,
			"username: invalid character");
	/* control character inside a quoted-string */
	ASSERT_ERR("HOTP username=\"mn\x07-1\", realm=b, otp=123456", HC_E_CTL,
			"username: control character");
	ASSERT_ERR("HOTP username=\"mn\x7f\", realm=b, otp=123456", HC_E_CTL, NULL);
	/* 8-bit data is not a user character */
	ASSERT_ERR("HOTP username=\"m\xc3\xa9\", realm=b, otp=123456", HC_E_USERNAME_CHAR,
			NULL);
}

/* ---- whitespace ------------------------------------------------------------- */

static void t_whitespace(void **state)
{
	assert_int_equal(parse("  HOTP   username = \"mn-1\" ,\trealm\t=\tvpn.example.com ,"
						   "otp=123456   "),
			HC_OK);
	assert_string_equal(C.realm, "vpn.example.com");
	assert_int_equal(parse("HOTP\tusername=a,realm=b,otp=123456"), HC_OK);
	/* SIP line folding */
	assert_int_equal(parse("HOTP username=\"mn-1\",\r\n realm=\"vpn.example.com\",\r\n\t"
						   "otp=\"123456\""),
			HC_OK);
	assert_int_equal(parse("HOTP\r\n username=a, realm=b, otp=123456"), HC_OK);
	/* empty list elements and a trailing comma */
	assert_int_equal(parse("HOTP , ,username=a,, realm=b ,otp=123456,"), HC_OK);
	/* bare CR / LF are not whitespace */
	ASSERT_ERR("HOTP username=a,\r\nrealm=b, otp=123456", HC_E_CTL, NULL);
	ASSERT_ERR("HOTP username=a, realm=b, otp=123456\r\n", HC_E_CTL, NULL);
	ASSERT_ERR("HOTP\nusername=a, realm=b, otp=123456", HC_E_CTL, NULL);
	/* folding inside a quoted value turns into a space */
	ASSERT_ERR("HOTP username=a, realm=b, otp=\"123\r\n 456\"", HC_E_OTP_INVALID, NULL);
}

/* ---- syntax ------------------------------------------------------------------ */

static void t_syntax(void **state)
{
	ASSERT_ERR("HOTP username", HC_E_PARAM_EQ, "username: expected '='");
	ASSERT_ERR("HOTP username realm=b", HC_E_PARAM_EQ, NULL);
	ASSERT_ERR("HOTP =a, realm=b, otp=123456", HC_E_PARAM_NAME,
			"params: expected a parameter name");
	ASSERT_ERR("HOTP \"x\"=a", HC_E_PARAM_NAME, NULL);
	ASSERT_ERR("HOTP username=\"a\" realm=b, otp=123456", HC_E_PARAM_SEP,
			"username: expected ',' after the value");
	ASSERT_ERR("HOTP username=a realm=b", HC_E_PARAM_SEP, NULL);
	ASSERT_ERR("HOTP username=a; realm=b; otp=123456", HC_E_PARAM_SEP, NULL);
	/* token68 form is not accepted */
	ASSERT_ERR("HOTP bW4tMQ==", HC_E_PARAM_VALUE,
			"bW4tMQ: expected a token or quoted-string");
	ASSERT_ERR("HOTP username=@a, realm=b, otp=123456", HC_E_PARAM_VALUE, NULL);
	/* a second scheme in the same header */
	ASSERT_ERR("HOTP username=a, realm=b, otp=123456, Digest username=a",
			HC_E_PARAM_EQ, "Digest: expected '='");
}

/* ---- empty values ------------------------------------------------------------ */

static void t_empty_values(void **state)
{
	ASSERT_ERR("HOTP username=\"\", realm=b, otp=123456", HC_E_USERNAME_EMPTY,
			"username: empty");
	ASSERT_ERR("HOTP username=a, realm=\"\", otp=123456", HC_E_REALM_EMPTY,
			"realm: empty");
	ASSERT_ERR("HOTP username=a, realm=b, otp=", HC_E_PARAM_VALUE,
			"otp: expected a token or quoted-string");
	ASSERT_ERR("HOTP username=, realm=b, otp=123456", HC_E_PARAM_VALUE, NULL);
	ASSERT_ERR("HOTP username=a, realm=b, otp=123456, x=", HC_E_PARAM_VALUE, NULL);
	/* an empty unknown quoted value is fine */
	assert_int_equal(parse("HOTP x=\"\", username=a, realm=b, otp=123456"), HC_OK);
}

/* ---- NUL bytes and control characters ---------------------------------------- */

static void t_nul_bytes(void **state)
{
	static const char a[] = "HOTP username=\"mn\0-1\", realm=b, otp=123456";
	static const char b[] = "\0HOTP username=a, realm=b, otp=123456";
	static const char c[] = "HOTP username=a, realm=b, otp=123456\0";
	static const char d[] = "HOTP username=a, realm=b, otp=123\0" "456";
	static const char e[] = "Digest username=\"a\0\"";

	assert_int_equal(parse_n(a, sizeof(a) - 1), HC_E_NUL);
	assert_err_text("header: NUL byte");
	assert_int_equal(parse_n(b, sizeof(b) - 1), HC_E_NUL);
	assert_int_equal(parse_n(c, sizeof(c) - 1), HC_E_NUL);
	assert_int_equal(parse_n(d, sizeof(d) - 1), HC_E_NUL);
	/* a NUL in someone else's scheme is not ours to judge */
	assert_int_equal(parse_n(e, sizeof(e) - 1), HC_NOT_HOTP);
	/* the length is honoured: nothing read past it */
	assert_int_equal(parse_n("HOTP username=a, realm=b, otp=123456XYZ", 36), HC_OK);
	assert_string_equal(C.otp, "123456");
	ASSERT_ERR("HOTP username=a, realm=b, otp=\x01", HC_E_CTL, "otp: control character");
	ASSERT_ERR("HOTP \x01", HC_E_CTL, "params: control character");
	ASSERT_ERR("\x01HOTP", HC_E_CTL, NULL);
}

/* ---- field validators ---------------------------------------------------------- */

static void t_username(void **state)
{
	char buf[256];
	char u[80];

	memset(u, 'u', 64);
	u[64] = 0;
	snprintf(buf, sizeof(buf), "HOTP username=\"%s\", realm=b, otp=123456", u);
	assert_int_equal(parse(buf), HC_OK);
	assert_int_equal(C.username_len, 64);
	u[64] = 'u';
	u[65] = 0;
	snprintf(buf, sizeof(buf), "HOTP username=\"%s\", realm=b, otp=123456", u);
	ASSERT_ERR(buf, HC_E_USERNAME_LONG, "username: longer than 64 characters");

	assert_int_equal(parse("HOTP username=\"a&=+$,;?/b\", realm=b, otp=123456"), HC_OK);
	assert_int_equal(parse("HOTP username=\"-_.!~*'()\", realm=b, otp=123456"), HC_OK);
	assert_int_equal(parse("HOTP username=%41bc, realm=b, otp=123456"), HC_OK);
	assert_string_equal(C.username, "%41bc"); /* kept as written */
	ASSERT_ERR("HOTP username=\"mn@1\", realm=b, otp=123456", HC_E_USERNAME_CHAR, NULL);
	ASSERT_ERR("HOTP username=\"mn 1\", realm=b, otp=123456", HC_E_USERNAME_CHAR, NULL);
	ASSERT_ERR("HOTP username=\"mn:1\", realm=b, otp=123456", HC_E_USERNAME_CHAR, NULL);
	ASSERT_ERR("HOTP username=%4, realm=b, otp=123456", HC_E_USERNAME_CHAR, NULL);
	ASSERT_ERR("HOTP username=a%zz, realm=b, otp=123456", HC_E_USERNAME_CHAR, NULL);
	ASSERT_ERR("HOTP username=a%, realm=b, otp=123456", HC_E_USERNAME_CHAR, NULL);

	assert_true(hc_valid_username("mn-1", 4));
	assert_false(hc_valid_username("", 0));
	assert_false(hc_valid_username(NULL, 3));
}

static void t_realm(void **state)
{
	char buf[600];
	char r[300];
	size_t i;

	assert_int_equal(parse("HOTP username=a, realm=10.0.0.1, otp=123456"), HC_OK);
	assert_int_equal(parse("HOTP username=a, realm=localhost, otp=123456"), HC_OK);
	assert_int_equal(parse("HOTP username=a, realm=\"VPN.Example.COM\", otp=123456"),
			HC_OK);
	ASSERT_ERR("HOTP username=a, realm=\"vpn..example.com\", otp=123456",
			HC_E_REALM_INVALID, "realm: not a hostname");
	ASSERT_ERR("HOTP username=a, realm=\"-vpn.example.com\", otp=123456",
			HC_E_REALM_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=\"vpn-.example.com\", otp=123456",
			HC_E_REALM_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=\"vpn.example.com.\", otp=123456",
			HC_E_REALM_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=\".vpn\", otp=123456", HC_E_REALM_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=\"vpn_example.com\", otp=123456",
			HC_E_REALM_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=\"vpn example.com\", otp=123456",
			HC_E_REALM_INVALID, NULL);
	ASSERT_ERR("HOTP username=a, realm=\"[::1]\", otp=123456", HC_E_REALM_INVALID, NULL);

	/* a 63-character label is fine, 64 is not */
	memset(r, 'l', 63);
	strcpy(r + 63, ".example");
	snprintf(buf, sizeof(buf), "HOTP username=a, realm=\"%s\", otp=123456", r);
	assert_int_equal(parse(buf), HC_OK);
	memset(r, 'l', 64);
	strcpy(r + 64, ".example");
	snprintf(buf, sizeof(buf), "HOTP username=a, realm=\"%s\", otp=123456", r);
	ASSERT_ERR(buf, HC_E_REALM_INVALID, NULL);

	/* 253 characters total is fine, 254 is not */
	for(i = 0; i < 253; i++)
		r[i] = (i % 50 == 49) ? '.' : 'h';
	r[253] = 0;
	snprintf(buf, sizeof(buf), "HOTP username=a, realm=\"%s\", otp=123456", r);
	assert_int_equal(parse(buf), HC_OK);
	assert_int_equal(C.realm_len, 253);
	r[253] = 'h';
	r[254] = 0;
	snprintf(buf, sizeof(buf), "HOTP username=a, realm=\"%s\", otp=123456", r);
	ASSERT_ERR(buf, HC_E_REALM_LONG, "realm: longer than 253 characters");
}

/* ---- API --------------------------------------------------------------------- */

static void t_api(void **state)
{
	int code;
	int i, j;
	const char *texts[64];

	assert_int_equal(hc_parse("HOTP", 4, NULL), HC_E_ARG);
	assert_int_equal(hc_parse(NULL, 4, &C), HC_E_ARG);
	assert_err_text("invalid argument");
	/* every code has its own text */
	for(code = HC_E_ARG, i = 0; code >= HC_E_LAST; code--, i++) {
		texts[i] = hc_strerror(code);
		assert_non_null(texts[i]);
		assert_string_not_equal(texts[i], "unknown error");
		for(j = 0; j < i; j++)
			assert_string_not_equal(texts[i], texts[j]);
	}
	assert_string_equal(hc_strerror(HC_E_LAST - 1), "unknown error");
	assert_string_equal(hc_strerror(42), "unknown error");
	assert_string_equal(hc_strerror(HC_OK), "ok");
	/* a previous result never leaks into the next one */
	assert_int_equal(parse("HOTP username=a, realm=b, otp=123456, counter=5"), HC_OK);
	assert_int_equal(parse("HOTP username=c, realm=d, otp=654321"), HC_OK);
	assert_int_equal(C.has_counter, 0);
	assert_string_equal(C.username, "c");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(t_basic_quoted),
			cmocka_unit_test(t_token_values),
			cmocka_unit_test(t_case_insensitive),
			cmocka_unit_test(t_order_and_unknown),
			cmocka_unit_test(t_counter),
			cmocka_unit_test(t_counter_errors),
			cmocka_unit_test(t_missing),
			cmocka_unit_test(t_otp),
			cmocka_unit_test(t_duplicates),
			cmocka_unit_test(t_too_many),
			cmocka_unit_test(t_not_hotp),
			cmocka_unit_test(t_not_hotp_large),
			cmocka_unit_test(t_scheme_errors),
			cmocka_unit_test(t_oversized),
			cmocka_unit_test(t_quoting),
			cmocka_unit_test(t_whitespace),
			cmocka_unit_test(t_syntax),
			cmocka_unit_test(t_empty_values),
			cmocka_unit_test(t_nul_bytes),
			cmocka_unit_test(t_username),
			cmocka_unit_test(t_realm),
			cmocka_unit_test(t_api),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
