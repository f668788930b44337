/*
 * Unit tests of the pure HOTP/TOTP core (fd-extensions/app_hotp/hotp.c).
 * Expected values: RFC 4226 Appendix D, RFC 6238 Appendix B, and for
 * HOTP-SHA-256/512 values computed with oathtool 2.6 (`oathtool --totp=sha256
 * -s 1 -d 6 -N @C KEY` = HOTP-SHA-256 at counter C) and pasted here.
 *
 * Linked with -Wl,--wrap=CRYPTO_memcmp to prove that OTP comparison goes
 * through OpenSSL's constant-time compare.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hotp.h"

/* ---- CRYPTO_memcmp wrapper ---------------------------------------------- */
int __real_CRYPTO_memcmp(const void *a, const void *b, size_t len);
int __wrap_CRYPTO_memcmp(const void *a, const void *b, size_t len);
static unsigned long memcmp_calls;
int __wrap_CRYPTO_memcmp(const void *a, const void *b, size_t len)
{
	__atomic_add_fetch(&memcmp_calls, 1, __ATOMIC_RELAXED);
	return __real_CRYPTO_memcmp(a, b, len);
}

/* ---- fixtures ------------------------------------------------------------- */
static const uint8_t K20[] = "12345678901234567890";
static const uint8_t K32[] = "12345678901234567890123456789012";
static const uint8_t K64[] =
    "1234567890123456789012345678901234567890123456789012345678901234";

static const uint32_t rfc4226[10] = { 755224, 287082, 359152, 969429, 338314,
                                      254676, 287922, 162583, 399871, 520489 };
static const uint32_t hotp_sha256[10] = { 920136, 119246, 882438, 975832,
                                          791148, 744399, 668833, 276785,
                                          778880, 242340 };
static const uint32_t hotp_sha512[10] = { 550594, 693936, 765371, 628588,
                                          977270, 407012, 383831, 656234,
                                          504704, 467051 };

static void otp_at(const hotp_user *u, int64_t k, char *buf)
{
	uint32_t v;
	assert_int_equal(hotp_generate(u->info.algo, u->secret, u->secret_len,
	                               (uint64_t)k, u->info.digits, &v), HOTP_E_OK);
	assert_int_equal(hotp_format(v, u->info.digits, buf, HOTP_DIGITS_MAX + 1),
	                 HOTP_E_OK);
}

static hotp_user mk_user(int64_t counter)
{
	hotp_user u;
	assert_int_equal(hotp_user_init(&u, "sip:alice@example.com",
	                                HOTP_KIND_HOTP, HOTP_ALGO_SHA1, 6, 30,
	                                K20, 20, 1000), HOTP_E_OK);
	u.info.st.counter = counter;
	return u;
}

static hotp_params params(void)
{
	hotp_params p;
	hotp_params_default(&p);
	return p;
}

/* decide and apply the resulting state (what the store would persist) */
static hotp_outcome step(const hotp_params *p, hotp_user *u, const char *otp,
                         int64_t now, hotp_decision *d)
{
	hotp_decision tmp;
	if (d == NULL)
		d = &tmp;
	hotp_decide(p, u, otp, strlen(otp), now, d);
	u->info.st = d->next;
	return d->outcome;
}

/* ---- algorithm vectors ------------------------------------------------- */
static void test_rfc4226_vectors(void **state)
{
	(void)state;
	for (uint64_t c = 0; c < 10; c++) {
		uint32_t v;
		char buf[9];
		assert_int_equal(hotp_generate(HOTP_ALGO_SHA1, K20, 20, c, 6, &v), 0);
		assert_int_equal(v, rfc4226[c]);
		assert_int_equal(hotp_format(v, 6, buf, sizeof buf), 0);
		assert_int_equal(strlen(buf), 6);
	}
}

static void test_digits_7_8(void **state)
{
	uint32_t v;
	(void)state;
	/* oathtool --hotp -d 7 / -d 8 -c 3 */
	assert_int_equal(hotp_generate(HOTP_ALGO_SHA1, K20, 20, 3, 7, &v), 0);
	assert_int_equal(v, 6969429);
	assert_int_equal(hotp_generate(HOTP_ALGO_SHA1, K20, 20, 3, 8, &v), 0);
	assert_int_equal(v, 26969429);
	assert_int_equal(hotp_generate(HOTP_ALGO_SHA1, K20, 20, 3, 5, &v),
	                 HOTP_E_DIGITS);
	assert_int_equal(hotp_generate(HOTP_ALGO_SHA1, K20, 20, 3, 9, &v),
	                 HOTP_E_DIGITS);
	assert_int_equal(hotp_generate((hotp_algo)7, K20, 20, 3, 6, &v),
	                 HOTP_E_ALGO);
}

static void test_sha256_sha512_vectors(void **state)
{
	(void)state;
	for (uint64_t c = 0; c < 10; c++) {
		uint32_t v;
		assert_int_equal(hotp_generate(HOTP_ALGO_SHA256, K32, 32, c, 6, &v), 0);
		assert_int_equal(v, hotp_sha256[c]);
		assert_int_equal(hotp_generate(HOTP_ALGO_SHA512, K64, 64, c, 6, &v), 0);
		assert_int_equal(v, hotp_sha512[c]);
	}
}

static void test_rfc6238_vectors(void **state)
{
	static const struct {
		int64_t t;
		uint32_t sha1, sha256, sha512;
	} vec[] = {
		{ 59, 94287082, 46119246, 90693936 },
		{ 1111111109, 7081804, 68084774, 25091201 },
		{ 1111111111, 14050471, 67062674, 99943326 },
		{ 1234567890, 89005924, 91819424, 93441116 },
		{ 2000000000, 69279037, 90698825, 38618901 },
		{ 20000000000LL, 65353130, 77737706, 47863826 },
	};
	char buf[9];
	(void)state;
	for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
		uint32_t v;
		assert_int_equal(hotp_totp_generate(HOTP_ALGO_SHA1, K20, 20, vec[i].t,
		                                    0, 30, 8, &v), 0);
		assert_int_equal(v, vec[i].sha1);
		assert_int_equal(hotp_totp_generate(HOTP_ALGO_SHA256, K32, 32,
		                                    vec[i].t, 0, 30, 8, &v), 0);
		assert_int_equal(v, vec[i].sha256);
		assert_int_equal(hotp_totp_generate(HOTP_ALGO_SHA512, K64, 64,
		                                    vec[i].t, 0, 30, 8, &v), 0);
		assert_int_equal(v, vec[i].sha512);
	}
	/* leading zero kept */
	assert_int_equal(hotp_format(7081804, 8, buf, sizeof buf), 0);
	assert_string_equal(buf, "07081804");
	assert_int_equal(hotp_format(7081804, 8, buf, 8), HOTP_E_BUFFER);
	assert_int_equal(hotp_format(100000000, 8, buf, sizeof buf), HOTP_E_COUNTER);
	assert_int_equal(hotp_totp_generate(HOTP_ALGO_SHA1, K20, 20, 59, 0, 0, 8,
	                                    &(uint32_t){ 0 }), HOTP_E_PERIOD);
	assert_int_equal(hotp_totp_generate(HOTP_ALGO_SHA1, K20, 20, -1, 0, 30, 8,
	                                    &(uint32_t){ 0 }), HOTP_E_COUNTER);
}

/* ---- parsers ------------------------------------------------------------- */
static void test_parse_otp(void **state)
{
	uint32_t v = 0;
	(void)state;
	assert_int_equal(hotp_parse_otp("755224", 6, 6, &v), HOTP_E_OK);
	assert_int_equal(v, 755224);
	assert_int_equal(hotp_parse_otp("00000000", 8, 0, &v), HOTP_E_OK);
	assert_int_equal(v, 0);
	assert_int_equal(hotp_parse_otp(NULL, 6, 6, &v), HOTP_E_OTP_NULL);
	assert_int_equal(hotp_parse_otp("", 0, 6, &v), HOTP_E_OTP_EMPTY);
	assert_int_equal(hotp_parse_otp("75a224", 6, 6, &v), HOTP_E_OTP_NONDIGIT);
	assert_int_equal(hotp_parse_otp("abcdef", 6, 6, &v), HOTP_E_OTP_NONDIGIT);
	assert_int_equal(hotp_parse_otp("+55224", 6, 6, &v), HOTP_E_OTP_NONDIGIT);
	assert_int_equal(hotp_parse_otp(" 55224", 6, 6, &v), HOTP_E_OTP_NONDIGIT);
	assert_int_equal(hotp_parse_otp("75522\n", 6, 6, &v), HOTP_E_OTP_NONDIGIT);
	assert_int_equal(hotp_parse_otp("755\0" "24", 6, 6, &v), HOTP_E_OTP_NUL);
	assert_int_equal(hotp_parse_otp("75522", 5, 0, &v), HOTP_E_OTP_TOO_SHORT);
	assert_int_equal(hotp_parse_otp("1234567", 7, 6, &v), HOTP_E_OTP_LENGTH);
	assert_int_equal(hotp_parse_otp("123456", 6, 8, &v), HOTP_E_OTP_LENGTH);
	assert_int_equal(hotp_parse_otp("123456789", 9, 0, &v), HOTP_E_OTP_TOO_LONG);
	{
		char big[4096];
		memset(big, '1', sizeof big);
		assert_int_equal(hotp_parse_otp(big, sizeof big, 6, &v),
		                 HOTP_E_OTP_TOO_LONG);
	}
	/* v untouched on error */
	v = 42;
	assert_int_equal(hotp_parse_otp("12x456", 6, 6, &v), HOTP_E_OTP_NONDIGIT);
	assert_int_equal(v, 42);
}

static void test_aor_check(void **state)
{
	char big[HOTP_AOR_MAX + 2];
	static const char *good[] = {
		"alice", "sip:alice@example.com", "sips:bob.smith@[2001:db8::1]:5061",
		"user%40host@example.org", "a_b-c.d~e!f$g&h'(i)*+,;=j/k?l",
	};
	static const char *bad_char[] = {
		"ali ce", "al\"ice", "a<b", "a>b", "a\\b", "a#b", "a`b", "a^b",
		"a{b", "a|b", "a}b", "tab\there", "nl\n", "\xc3\xa9t\xc3\xa9",
	};
	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_int_equal(hotp_aor_check(good[i], strlen(good[i])), HOTP_E_OK);
	for (size_t i = 0; i < sizeof bad_char / sizeof bad_char[0]; i++)
		assert_int_equal(hotp_aor_check(bad_char[i], strlen(bad_char[i])),
		                 HOTP_E_AOR_CHAR);
	assert_int_equal(hotp_aor_check(NULL, 3), HOTP_E_AOR_NULL);
	assert_int_equal(hotp_aor_check("", 0), HOTP_E_AOR_EMPTY);
	assert_int_equal(hotp_aor_check("al\0ce", 5), HOTP_E_AOR_CHAR);
	assert_int_equal(hotp_aor_check("-rf", 3), HOTP_E_AOR_LEADING_DASH);
	assert_int_equal(hotp_aor_check("a%4", 3), HOTP_E_AOR_PERCENT);
	assert_int_equal(hotp_aor_check("a%zz", 4), HOTP_E_AOR_PERCENT);
	assert_int_equal(hotp_aor_check("a%", 2), HOTP_E_AOR_PERCENT);
	memset(big, 'a', sizeof big);
	assert_int_equal(hotp_aor_check(big, HOTP_AOR_MAX), HOTP_E_OK);
	assert_int_equal(hotp_aor_check(big, HOTP_AOR_MAX + 1), HOTP_E_AOR_TOO_LONG);
}

static void test_secret_hex(void **state)
{
	uint8_t out[HOTP_SECRET_MAX];
	size_t n = 0;
	const char *h = "3132333435363738393031323334353637383930";
	(void)state;
	assert_int_equal(hotp_secret_from_hex(h, strlen(h), out, sizeof out, &n), 0);
	assert_int_equal(n, 20);
	assert_memory_equal(out, K20, 20);
	assert_int_equal(hotp_secret_from_hex("3132333435363738393031323334353637383930"
	                                      "AbCdEf", 46, out, sizeof out, &n), 0);
	assert_int_equal(out[20], 0xab);
	assert_int_equal(hotp_secret_from_hex(NULL, 4, out, sizeof out, &n),
	                 HOTP_E_SECRET_NULL);
	assert_int_equal(hotp_secret_from_hex("", 0, out, sizeof out, &n),
	                 HOTP_E_SECRET_EMPTY);
	assert_int_equal(hotp_secret_from_hex("313233343536373839303132333435363g",
	                                      34, out, sizeof out, &n),
	                 HOTP_E_SECRET_HEX_CHAR);
	assert_int_equal(hotp_secret_from_hex("0x3132333435363738393031323334353637",
	                                      36, out, sizeof out, &n),
	                 HOTP_E_SECRET_HEX_CHAR);
	assert_int_equal(hotp_secret_from_hex("313233343536373839303132333435363",
	                                      33, out, sizeof out, &n),
	                 HOTP_E_SECRET_HEX_ODD);
	assert_int_equal(hotp_secret_from_hex("3132", 4, out, sizeof out, &n),
	                 HOTP_E_SECRET_TOO_SHORT);
	{
		char big[2 * HOTP_SECRET_MAX + 2];
		memset(big, 'a', sizeof big);
		assert_int_equal(hotp_secret_from_hex(big, 2 * HOTP_SECRET_MAX, out,
		                                      sizeof out, &n), 0);
		assert_int_equal(n, HOTP_SECRET_MAX);
		assert_int_equal(hotp_secret_from_hex(big, 2 * HOTP_SECRET_MAX + 2,
		                                      out, sizeof out, &n),
		                 HOTP_E_SECRET_TOO_LONG);
		assert_int_equal(hotp_secret_from_hex(big, 40, out, 19, &n),
		                 HOTP_E_BUFFER);
	}
}

static void test_secret_base32(void **state)
{
	uint8_t out[HOTP_SECRET_MAX], rnd[HOTP_SECRET_MAX];
	char txt[HOTP_SECRET_TEXT_MAX];
	size_t n = 0;
	(void)state;
	/* "12345678901234567890" */
	assert_int_equal(hotp_secret_from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
	                                         32, out, sizeof out, &n), 0);
	assert_int_equal(n, 20);
	assert_memory_equal(out, K20, 20);
	assert_int_equal(hotp_secret_from_base32("gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
	                                         32, out, sizeof out, &n), 0);
	assert_memory_equal(out, K20, 20);
	/* 16 bytes: 26 chars + "======" */
	assert_int_equal(hotp_base32_encode(K20, 16, 1, txt, sizeof txt), 0);
	assert_string_equal(txt, "GEZDGNBVGY3TQOJQGEZDGNBVGY======");
	assert_int_equal(hotp_secret_from_base32(txt, strlen(txt), out, sizeof out,
	                                         &n), 0);
	assert_int_equal(n, 16);
	assert_int_equal(hotp_secret_from_base32(txt, 26, out, sizeof out, &n), 0);
	assert_int_equal(hotp_secret_from_base32(txt, 27, out, sizeof out, &n),
	                 HOTP_E_SECRET_B32_PADDING);
	assert_int_equal(hotp_secret_from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY=A", 28,
	                                         out, sizeof out, &n),
	                 HOTP_E_SECRET_B32_PADDING);
	assert_int_equal(hotp_secret_from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1",
	                                         32, out, sizeof out, &n),
	                 HOTP_E_SECRET_B32_CHAR);
	assert_int_equal(hotp_secret_from_base32("GEZDGNBVGY3TQOJQ GEZDGNBVGY3TQOJQ",
	                                         33, out, sizeof out, &n),
	                 HOTP_E_SECRET_B32_CHAR);
	assert_int_equal(hotp_secret_from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQA",
	                                         33, out, sizeof out, &n),
	                 HOTP_E_SECRET_B32_LENGTH);
	/* last char 'Z' leaves non-zero unused bits after 16 bytes (26 chars) */
	assert_int_equal(hotp_secret_from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGZ", 26,
	                                         out, sizeof out, &n),
	                 HOTP_E_SECRET_B32_TRAILING);
	assert_int_equal(hotp_secret_from_base32("GEZDGNBV", 8, out, sizeof out, &n),
	                 HOTP_E_SECRET_TOO_SHORT);
	assert_int_equal(hotp_secret_from_base32("", 0, out, sizeof out, &n),
	                 HOTP_E_SECRET_EMPTY);
	assert_int_equal(hotp_secret_from_base32("========", 8, out, sizeof out, &n),
	                 HOTP_E_SECRET_B32_PADDING);
	assert_int_equal(hotp_secret_from_base32(NULL, 8, out, sizeof out, &n),
	                 HOTP_E_SECRET_NULL);
	/* round trip of every length 16..64 */
	for (size_t len = HOTP_SECRET_MIN; len <= HOTP_SECRET_MAX; len++) {
		for (size_t i = 0; i < len; i++)
			rnd[i] = (uint8_t)(i * 37u + len);
		for (int pad = 0; pad <= 1; pad++) {
			assert_int_equal(hotp_base32_encode(rnd, len, pad, txt, sizeof txt), 0);
			assert_int_equal(hotp_secret_from_base32(txt, strlen(txt), out,
			                                         sizeof out, &n), 0);
			assert_int_equal(n, len);
			assert_memory_equal(out, rnd, len);
		}
	}
	{
		char big[200];
		memset(big, 'A', sizeof big);
		assert_int_equal(hotp_secret_from_base32(big, 200, out, sizeof out, &n),
		                 HOTP_E_SECRET_TOO_LONG);
	}
	assert_int_equal(hotp_base32_encode(K20, 20, 0, txt, 32), HOTP_E_BUFFER);
}

static void test_strerror_distinct(void **state)
{
	(void)state;
	for (int i = 0; i < HOTP_E__COUNT; i++) {
		const char *a = hotp_strerror((hotp_err)i);
		assert_non_null(a);
		assert_true(strlen(a) > 4);
		assert_string_not_equal(a, "unknown error");
		if (i > 0)
			assert_non_null(strchr(a, ':')); /* "field: reason" */
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, hotp_strerror((hotp_err)j));
	}
	assert_string_equal(hotp_strerror(HOTP_E__COUNT), "unknown error");
	assert_string_equal(hotp_strerror((hotp_err)-1), "unknown error");
	assert_true(strncmp(hotp_strerror(HOTP_E_OTP_NONDIGIT), "otp:", 4) == 0);
	assert_true(strncmp(hotp_strerror(HOTP_E_AOR_CHAR), "aor:", 4) == 0);
	assert_true(strncmp(hotp_strerror(HOTP_E_SECRET_HEX_ODD), "secret:", 7) == 0);
	assert_string_equal(hotp_outcome_name(HOTP_R_REPLAY), "REPLAY");
	assert_string_equal(hotp_outcome_name(HOTP_R_RESYNC_NEEDED), "RESYNC_NEEDED");
}

static void test_names_params_user(void **state)
{
	hotp_algo a;
	hotp_kind k;
	hotp_params p;
	hotp_user u;
	(void)state;
	assert_int_equal(hotp_algo_parse("SHA256", &a), 0);
	assert_int_equal(a, HOTP_ALGO_SHA256);
	assert_int_equal(hotp_algo_parse("md5", &a), HOTP_E_ALGO);
	assert_int_equal(hotp_kind_parse("TOTP", &k), 0);
	assert_int_equal(k, HOTP_KIND_TOTP);
	assert_int_equal(hotp_kind_parse("x", &k), HOTP_E_KIND);
	hotp_params_default(&p);
	assert_int_equal(p.window, 10);
	assert_int_equal(p.resync_window, 100);
	assert_int_equal(hotp_params_check(&p), 0);
	p.window = 0;
	assert_int_equal(hotp_params_check(&p), HOTP_E_PARAM);
	p.window = 200;
	assert_int_equal(hotp_params_check(&p), HOTP_E_PARAM); /* > resync */
	hotp_params_default(&p);
	p.lock_base = 7200;
	assert_int_equal(hotp_params_check(&p), HOTP_E_PARAM); /* > max */
	assert_int_equal(hotp_user_init(&u, "a b", HOTP_KIND_HOTP, HOTP_ALGO_SHA1,
	                                6, 30, K20, 20, 0), HOTP_E_AOR_CHAR);
	assert_int_equal(hotp_user_init(&u, "a", HOTP_KIND_HOTP, HOTP_ALGO_SHA1,
	                                9, 30, K20, 20, 0), HOTP_E_DIGITS);
	assert_int_equal(hotp_user_init(&u, "a", HOTP_KIND_HOTP, HOTP_ALGO_SHA1,
	                                6, 30, K20, 10, 0), HOTP_E_SECRET_TOO_SHORT);
	assert_int_equal(hotp_user_init(&u, "a", HOTP_KIND_TOTP, HOTP_ALGO_SHA1,
	                                6, 0, K20, 20, 0), HOTP_E_PERIOD);
	assert_int_equal(hotp_user_init(&u, "a", HOTP_KIND_HOTP, (hotp_algo)3,
	                                6, 30, K20, 20, 0), HOTP_E_ALGO);
	assert_int_equal(hotp_user_init(&u, "a", HOTP_KIND_HOTP, HOTP_ALGO_SHA1,
	                                6, 30, K20, 20, 0), 0);
	assert_int_equal(u.info.st.counter, -1);
	assert_int_equal(hotp_user_check(&u), 0);
	u.info.st.counter = -2;
	assert_int_equal(hotp_user_check(&u), HOTP_E_COUNTER);
	hotp_user_wipe(&u);
	assert_int_equal(u.secret_len, 0);
	for (size_t i = 0; i < sizeof u.secret; i++)
		assert_int_equal(u.secret[i], 0);
}

/* ---- decision logic ----------------------------------------------------- */
static void test_window_accept(void **state)
{
	hotp_params p = params();
	hotp_user u = mk_user(-1);
	hotp_decision d;
	char otp[9];
	(void)state;
	/* fresh user: counters 0..9 are in the window */
	otp_at(&u, 0, otp);
	assert_string_equal(otp, "755224");
	assert_int_equal(step(&p, &u, otp, 100, &d), HOTP_R_OK);
	assert_int_equal(d.counter, 0);
	assert_int_equal(u.info.st.counter, 0);
	/* skip ahead within the window: c+10 is the last accepted position */
	otp_at(&u, 10, otp);
	assert_int_equal(step(&p, &u, otp, 100, &d), HOTP_R_OK);
	assert_int_equal(u.info.st.counter, 10);
	otp_at(&u, 11, otp);
	assert_int_equal(step(&p, &u, otp, 100, &d), HOTP_R_OK);
	assert_int_equal(d.counter, 11);
	assert_false(d.count_failure);
	/* input struct is not modified by hotp_decide */
	{
		hotp_user copy = u;
		otp_at(&u, 12, otp);
		hotp_decide(&p, &u, otp, 6, 100, &d);
		assert_memory_equal(&copy, &u, sizeof u);
		assert_int_equal(d.next.counter, 12);
	}
}

static void test_replay_reject(void **state)
{
	hotp_params p = params();
	hotp_user u = mk_user(-1);
	hotp_decision d;
	char o0[9], o1[9], o2[9];
	(void)state;
	otp_at(&u, 0, o0);
	otp_at(&u, 1, o1);
	otp_at(&u, 2, o2);
	assert_int_equal(step(&p, &u, o1, 100, &d), HOTP_R_OK);
	/* same OTP twice */
	assert_int_equal(step(&p, &u, o1, 100, &d), HOTP_R_REPLAY);
	assert_int_equal(d.counter, 1);
	assert_true(d.count_failure);
	assert_int_equal(u.info.st.fail_count, 1);
	assert_int_equal(u.info.st.counter, 1);
	/* an older, never used OTP (counter 0 < last accepted) */
	assert_int_equal(step(&p, &u, o0, 100, &d), HOTP_R_REPLAY);
	assert_int_equal(d.counter, 0);
	assert_int_equal(u.info.st.fail_count, 2);
	/* a good one resets the failure count */
	assert_int_equal(step(&p, &u, o2, 100, &d), HOTP_R_OK);
	assert_int_equal(u.info.st.fail_count, 0);
	assert_int_equal(step(&p, &u, o2, 100, &d), HOTP_R_REPLAY);
	assert_int_equal(step(&p, &u, o1, 100, &d), HOTP_R_REPLAY);
}

static void test_out_of_window(void **state)
{
	hotp_params p = params();
	hotp_user u = mk_user(-1);
	hotp_decision d;
	char otp[9];
	(void)state;
	/* beyond the resync window: plain BAD_OTP */
	otp_at(&u, 150, otp);
	assert_int_equal(step(&p, &u, otp, 100, &d), HOTP_R_BAD_OTP);
	assert_int_equal(u.info.st.counter, -1);
	assert_int_equal(u.info.st.fail_count, 1);
	/* first position after the window: not accepted, resync needed */
	otp_at(&u, 10, otp);
	assert_int_equal(step(&p, &u, otp, 100, &d), HOTP_R_RESYNC_NEEDED);
	assert_int_equal(u.info.st.counter, -1);
	assert_int_equal(u.info.st.pending_resync, 10);
	assert_false(d.count_failure);
	/* an arbitrary wrong OTP */
	assert_int_equal(step(&p, &u, "000000", 100, &d), HOTP_R_BAD_OTP);
	assert_int_equal(u.info.st.pending_resync, -1);
}

static void test_resync_consecutive(void **state)
{
	hotp_params p = params();
	hotp_user u = mk_user(4);
	hotp_decision d;
	char otp[9];
	(void)state;
	otp_at(&u, 54, otp);
	assert_int_equal(step(&p, &u, otp, 1000, &d), HOTP_R_RESYNC_NEEDED);
	assert_int_equal(d.counter, 54);
	assert_int_equal(u.info.st.counter, 4);
	otp_at(&u, 55, otp);
	assert_int_equal(step(&p, &u, otp, 1010, &d), HOTP_R_RESYNCED);
	assert_int_equal(d.counter, 55);
	assert_int_equal(u.info.st.counter, 55);
	assert_int_equal(u.info.st.pending_resync, -1);
	/* normal operation continues from the new counter */
	otp_at(&u, 56, otp);
	assert_int_equal(step(&p, &u, otp, 1020, &d), HOTP_R_OK);
	otp_at(&u, 55, otp);
	assert_int_equal(step(&p, &u, otp, 1020, &d), HOTP_R_REPLAY);
	/* resync at the far edge of the resync window */
	u = mk_user(-1);
	otp_at(&u, 99, otp);
	assert_int_equal(step(&p, &u, otp, 1000, &d), HOTP_R_RESYNC_NEEDED);
	otp_at(&u, 100, otp);
	assert_int_equal(step(&p, &u, otp, 1000, &d), HOTP_R_RESYNCED);
	assert_int_equal(u.info.st.counter, 100);
}

static void test_resync_non_consecutive(void **state)
{
	hotp_params p = params();
	hotp_user u = mk_user(4);
	hotp_decision d;
	char otp[9];
	(void)state;
	/* skip one: 54 then 56 -> 56 becomes the new pending, no resync */
	otp_at(&u, 54, otp);
	assert_int_equal(step(&p, &u, otp, 1000, &d), HOTP_R_RESYNC_NEEDED);
	otp_at(&u, 56, otp);
	assert_int_equal(step(&p, &u, otp, 1000, &d), HOTP_R_RESYNC_NEEDED);
	assert_int_equal(u.info.st.counter, 4);
	assert_int_equal(u.info.st.pending_resync, 56);
	/* going back (55 after 56) does not resync either */
	otp_at(&u, 55, otp);
	assert_int_equal(step(&p, &u, otp, 1000, &d), HOTP_R_RESYNC_NEEDED);
	assert_int_equal(u.info.st.pending_resync, 55);
	/* same OTP twice does not resync */
	assert_int_equal(step(&p, &u, otp, 1000, &d), HOTP_R_RESYNC_NEEDED);
	assert_int_equal(u.info.st.counter, 4);
	/* a failure in between breaks the sequence */
	assert_int_equal(step(&p, &u, "123123", 1000, &d), HOTP_R_BAD_OTP);
	otp_at(&u, 56, otp);
	assert_int_equal(step(&p, &u, otp, 1000, &d), HOTP_R_RESYNC_NEEDED);
	/* the pending resync expires */
	otp_at(&u, 57, otp);
	assert_int_equal(step(&p, &u, otp, 1000 + p.resync_timeout + 1, &d),
	                 HOTP_R_RESYNC_NEEDED);
	assert_int_equal(u.info.st.pending_resync, 57);
	otp_at(&u, 58, otp);
	assert_int_equal(step(&p, &u, otp, 1000 + p.resync_timeout + 2, &d),
	                 HOTP_R_RESYNCED);
	assert_int_equal(u.info.st.counter, 58);
	/* with the resync window equal to the window there is no resync */
	p.resync_window = p.window;
	otp_at(&u, 58 + 20, otp);
	assert_int_equal(step(&p, &u, otp, 5000, &d), HOTP_R_BAD_OTP);
}

static void test_lockout_backoff(void **state)
{
	hotp_params p = params();
	hotp_user u = mk_user(-1);
	hotp_decision d;
	char otp[9];
	int64_t t = 10000;
	(void)state;
	p.lock_threshold = 3;
	p.lock_base = 10;
	p.lock_max = 40;
	assert_int_equal(hotp_lock_until(&p, 2, t, 0), 0);
	assert_int_equal(hotp_lock_until(&p, 3, t, 0), t + 10);
	assert_int_equal(hotp_lock_until(&p, 4, t, 0), t + 20);
	assert_int_equal(hotp_lock_until(&p, 5, t, 0), t + 40);
	assert_int_equal(hotp_lock_until(&p, 6, t, 0), t + 40);
	assert_int_equal(hotp_lock_until(&p, UINT32_MAX, t, 0), t + 40);

	assert_int_equal(step(&p, &u, "111111", t, &d), HOTP_R_BAD_OTP);
	assert_int_equal(step(&p, &u, "111112", t, &d), HOTP_R_BAD_OTP);
	assert_int_equal(u.info.st.locked_until, 0);
	assert_int_equal(step(&p, &u, "111113", t, &d), HOTP_R_BAD_OTP);
	assert_int_equal(u.info.st.fail_count, 3);
	assert_int_equal(u.info.st.locked_until, t + 10);
	/* even the right OTP is refused while locked, and not counted */
	otp_at(&u, 0, otp);
	assert_int_equal(step(&p, &u, otp, t + 9, &d), HOTP_R_LOCKED);
	assert_false(d.count_failure);
	assert_int_equal(u.info.st.fail_count, 3);
	assert_int_equal(u.info.st.locked_until, t + 10);
	/* after expiry a further failure doubles the delay */
	t += 10;
	assert_int_equal(step(&p, &u, "111114", t, &d), HOTP_R_BAD_OTP);
	assert_int_equal(u.info.st.locked_until, t + 20);
	t += 20;
	assert_int_equal(step(&p, &u, "111115", t, &d), HOTP_R_BAD_OTP);
	assert_int_equal(u.info.st.locked_until, t + 40);
	t += 40;
	assert_int_equal(step(&p, &u, "111116", t, &d), HOTP_R_BAD_OTP);
	assert_int_equal(u.info.st.locked_until, t + 40); /* capped */
	assert_int_equal(step(&p, &u, otp, t + 39, &d), HOTP_R_LOCKED);
	/* back-off expired: the right OTP works and resets everything */
	assert_int_equal(step(&p, &u, otp, t + 40, &d), HOTP_R_OK);
	assert_int_equal(u.info.st.fail_count, 0);
	assert_int_equal(u.info.st.locked_until, 0);
	/* threshold 0 disables the lockout */
	p.lock_threshold = 0;
	for (int i = 0; i < 10; i++)
		assert_int_equal(step(&p, &u, "999999", t, &d), HOTP_R_BAD_OTP);
	assert_int_equal(u.info.st.locked_until, 0);
	assert_int_equal(u.info.st.fail_count, 10);
}

static void test_malformed_decide(void **state)
{
	hotp_params p = params();
	hotp_user u = mk_user(-1);
	hotp_decision d;
	static const struct {
		const char *s;
		size_t n;
		hotp_err e;
	} bad[] = {
		{ "75522a", 6, HOTP_E_OTP_NONDIGIT },
		{ "abcdef", 6, HOTP_E_OTP_NONDIGIT },
		{ "7552245", 7, HOTP_E_OTP_LENGTH },
		{ "75522", 5, HOTP_E_OTP_TOO_SHORT },
		{ "", 0, HOTP_E_OTP_EMPTY },
		{ "755224755224", 12, HOTP_E_OTP_TOO_LONG },
		{ "755\0" "24", 6, HOTP_E_OTP_NUL },
		{ "755224\0", 7, HOTP_E_OTP_NUL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(hotp_decide(&p, &u, bad[i].s, bad[i].n, 100, &d),
		                 bad[i].e);
		assert_int_equal(d.outcome, HOTP_R_MALFORMED);
		assert_int_equal(d.err, bad[i].e);
		assert_false(d.count_failure);
		assert_memory_equal(&d.next, &u.info.st, sizeof d.next);
	}
	assert_int_equal(hotp_decide(&p, &u, NULL, 6, 100, &d), HOTP_E_OTP_NULL);
	/* invalid parameters never accept */
	p.window = 0;
	assert_int_equal(hotp_decide(&p, &u, "755224", 6, 100, &d), HOTP_E_PARAM);
	assert_int_equal(d.outcome, HOTP_R_STORE_ERROR);
}

static void test_ct_compare_used(void **state)
{
	hotp_params p = params();
	hotp_user u = mk_user(-1);
	hotp_decision d;
	char otp[9];
	unsigned long before;
	(void)state;
	assert_true(hotp_ct_equal(755224, 755224));
	assert_false(hotp_ct_equal(755224, 755225));
	/* window hit at position 3 -> 4 comparisons, all constant time */
	otp_at(&u, 3, otp);
	before = memcmp_calls;
	assert_int_equal(step(&p, &u, otp, 100, &d), HOTP_R_OK);
	assert_int_equal(memcmp_calls - before, 4);
	/* a miss compares against every candidate of window+resync+replay */
	before = memcmp_calls;
	assert_int_equal(step(&p, &u, "000001", 100, &d), HOTP_R_BAD_OTP);
	assert_true(memcmp_calls - before >= p.resync_window);
}

static void test_totp_decide(void **state)
{
	hotp_params p = params();
	hotp_user u;
	hotp_decision d;
	char otp[9];
	uint32_t v;
	(void)state;
	assert_int_equal(hotp_user_init(&u, "totp@x", HOTP_KIND_TOTP,
	                                HOTP_ALGO_SHA1, 8, 30, K20, 20, 0), 0);
	/* RFC 6238: T=59 -> 94287082 (step 1) */
	assert_int_equal(step(&p, &u, "94287082", 59, &d), HOTP_R_OK);
	assert_int_equal(u.info.st.counter, 1);
	assert_int_equal(step(&p, &u, "94287082", 59, &d), HOTP_R_REPLAY);
	/* step 1 code is still in the drift window at step 2 but already used */
	assert_int_equal(step(&p, &u, "94287082", 61, &d), HOTP_R_REPLAY);
	/* next step's code a bit early (clock drift +1) */
	assert_int_equal(hotp_totp_generate(HOTP_ALGO_SHA1, K20, 20, 95, 0, 30, 8,
	                                    &v), 0);
	assert_int_equal(hotp_format(v, 8, otp, sizeof otp), 0);
	assert_int_equal(step(&p, &u, otp, 65, &d), HOTP_R_OK);
	assert_int_equal(u.info.st.counter, 3);
	/* RFC vector at 1111111109, too far from now */
	assert_int_equal(step(&p, &u, "07081804", 1111111109 + 90, &d),
	                 HOTP_R_BAD_OTP);
	assert_int_equal(step(&p, &u, "07081804", 1111111109 + 29, &d), HOTP_R_OK);
}

/* ---- threads: per-thread MAC contexts ---------------------------------- */
static void *gen_thread(void *arg)
{
	uintptr_t bad = 0;
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		uint32_t v;
		uint64_t c = (uint64_t)(i % 10);
		if (hotp_generate(HOTP_ALGO_SHA1, K20, 20, c, 6, &v) ||
		    v != rfc4226[c])
			bad++;
		if (hotp_generate(HOTP_ALGO_SHA512, K64, 64, c, 6, &v) ||
		    v != hotp_sha512[c])
			bad++;
	}
	return (void *)bad;
}

static void test_threads(void **state)
{
	pthread_t t[4];
	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, gen_thread, NULL), 0);
	for (int i = 0; i < 4; i++) {
		void *r;
		assert_int_equal(pthread_join(t[i], &r), 0);
		assert_null(r);
	}
}

static int teardown_all(void **state)
{
	(void)state;
	hotp_global_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4226_vectors),
		cmocka_unit_test(test_digits_7_8),
		cmocka_unit_test(test_sha256_sha512_vectors),
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_parse_otp),
		cmocka_unit_test(test_aor_check),
		cmocka_unit_test(test_secret_hex),
		cmocka_unit_test(test_secret_base32),
		cmocka_unit_test(test_strerror_distinct),
		cmocka_unit_test(test_names_params_user),
		cmocka_unit_test(test_window_accept),
		cmocka_unit_test(test_replay_reject),
		cmocka_unit_test(test_out_of_window),
		cmocka_unit_test(test_resync_consecutive),
		cmocka_unit_test(test_resync_non_consecutive),
		cmocka_unit_test(test_lockout_backoff),
		cmocka_unit_test(test_malformed_decide),
		cmocka_unit_test(test_ct_compare_used),
		cmocka_unit_test(test_totp_decide),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests_name("unit.hotp", tests, NULL, teardown_all);
}
