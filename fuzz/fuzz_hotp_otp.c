/*
 * libFuzzer harness for the untrusted-input parsers of app_hotp:
 * hotp_parse_otp, hotp_aor_check, hotp_secret_from_hex,
 * hotp_secret_from_base32 (+ hotp_base32_encode round trip).
 *
 * Build: clang -fsanitize=fuzzer,address,undefined (fuzz/fuzz_hotp.cmake).
 * Input: byte 0 selects the expected OTP digit count (0 = any, 6, 7, 8);
 * the rest is fed to every parser.  Besides the sanitizers, properties are
 * checked and abort() on violation:
 *   - an accepted OTP is 6..8 ASCII digits and formats back to itself;
 *   - an accepted AOR contains only the documented characters;
 *   - an accepted hex secret decodes to len/2 bytes within the limits;
 *   - an accepted base32 secret re-encodes and decodes to the same bytes;
 *   - every error code has a distinct, non-empty hotp_strerror() text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hotp.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static void check_err(hotp_err e)
{
	const char *s = hotp_strerror(e);
	CHECK(s != NULL && s[0] != 0);
	CHECK((unsigned)e < HOTP_E__COUNT);
}

static void fuzz_otp(const char *s, size_t n, uint32_t want)
{
	uint32_t v = 0xffffffffu;
	char buf[HOTP_DIGITS_MAX + 1];
	hotp_err e = hotp_parse_otp(s, n, want, &v);
	check_err(e);
	if (e != HOTP_E_OK)
		return;
	CHECK(n >= HOTP_DIGITS_MIN && n <= HOTP_DIGITS_MAX);
	CHECK(want == 0 || n == want);
	for (size_t i = 0; i < n; i++)
		CHECK(s[i] >= '0' && s[i] <= '9');
	CHECK(hotp_format(v, (uint32_t)n, buf, sizeof buf) == HOTP_E_OK);
	CHECK(memcmp(buf, s, n) == 0);
}

static void fuzz_aor(const char *s, size_t n)
{
	static const char ok[] = "-._~!$&'()*+,;=:@/?[]%";
	hotp_err e = hotp_aor_check(s, n);
	check_err(e);
	if (e != HOTP_E_OK)
		return;
	CHECK(n >= 1 && n <= HOTP_AOR_MAX && s[0] != '-');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || (c != 0 && strchr(ok, c)));
	}
}

static void fuzz_secret(const char *s, size_t n)
{
	uint8_t out[HOTP_SECRET_MAX], again[HOTP_SECRET_MAX];
	char txt[HOTP_SECRET_TEXT_MAX];
	size_t len = 0, len2 = 0;
	hotp_err e;

	e = hotp_secret_from_hex(s, n, out, sizeof out, &len);
	check_err(e);
	if (e == HOTP_E_OK)
		CHECK(len == n / 2 && len >= HOTP_SECRET_MIN && len <= HOTP_SECRET_MAX);

	e = hotp_secret_from_base32(s, n, out, sizeof out, &len);
	check_err(e);
	if (e == HOTP_E_OK) {
		CHECK(len >= HOTP_SECRET_MIN && len <= HOTP_SECRET_MAX);
		for (int pad = 0; pad <= 1; pad++) {
			CHECK(hotp_base32_encode(out, len, pad, txt, sizeof txt) ==
			      HOTP_E_OK);
			CHECK(hotp_secret_from_base32(txt, strlen(txt), again,
			                              sizeof again, &len2) == HOTP_E_OK);
			CHECK(len2 == len && memcmp(out, again, len) == 0);
		}
	}
	/* a too small output buffer is reported, never overrun */
	e = hotp_secret_from_base32(s, n, out, 17, &len);
	check_err(e);
	if (e == HOTP_E_OK)
		CHECK(len <= 17);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t want_tab[4] = { 0, 6, 7, 8 };
	static int once;
	char *s;
	size_t n;

	if (!once) {
		once = 1;
		for (int i = 0; i < HOTP_E__COUNT; i++)
			for (int j = 0; j < i; j++)
				CHECK(strcmp(hotp_strerror((hotp_err)i),
				             hotp_strerror((hotp_err)j)) != 0);
	}
	if (size == 0)
		return 0;
	n = size - 1;
	/* exact-size heap copy so ASan sees any over-read */
	s = malloc(n ? n : 1);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, n);
	fuzz_otp(s, n, want_tab[data[0] & 3]);
	fuzz_aor(s, n);
	fuzz_secret(s, n);
	free(s);
	return 0;
}
