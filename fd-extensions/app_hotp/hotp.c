/*
 * SeNEMO app_hotp -- HOTP (RFC 4226) / TOTP (RFC 6238) core. See hotp.h.
 *
 * HMAC: OpenSSL 3 EVP_MAC "HMAC".  Measured on OpenSSL 3.0 the one-shot
 * HMAC() is ~3x slower than a reused EVP_MAC_CTX (it fetches the algorithm
 * and allocates a context on every call), so every thread keeps one
 * EVP_MAC_CTX per digest with the digest parameter already set.  A
 * verification keys that context once (EVP_MAC_init with the key), and every
 * further counter of the window re-initialises it with EVP_MAC_init(ctx,
 * NULL, 0, NULL), which restarts from the precomputed ipad/opad states
 * instead of hashing the key again.
 */
#include "hotp.h"

#include <endian.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* ------------------------------------------------------------------------ */
/* error texts                                                              */

static const char *const err_text[HOTP_E__COUNT] = {
	[HOTP_E_OK] = "success",
	[HOTP_E_OTP_NULL] = "otp: missing (NULL)",
	[HOTP_E_OTP_EMPTY] = "otp: empty",
	[HOTP_E_OTP_TOO_SHORT] = "otp: too short (fewer than 6 digits)",
	[HOTP_E_OTP_TOO_LONG] = "otp: too long (more than 8 characters)",
	[HOTP_E_OTP_NUL] = "otp: contains a NUL byte",
	[HOTP_E_OTP_NONDIGIT] = "otp: contains a character other than 0-9",
	[HOTP_E_OTP_LENGTH] = "otp: length differs from the user's digit count",
	[HOTP_E_AOR_NULL] = "aor: missing (NULL)",
	[HOTP_E_AOR_EMPTY] = "aor: empty",
	[HOTP_E_AOR_TOO_LONG] = "aor: too long (more than 255 bytes)",
	[HOTP_E_AOR_CHAR] = "aor: contains a forbidden character",
	[HOTP_E_AOR_PERCENT] = "aor: '%' not followed by two hex digits",
	[HOTP_E_AOR_LEADING_DASH] = "aor: starts with '-'",
	[HOTP_E_SECRET_NULL] = "secret: missing (NULL)",
	[HOTP_E_SECRET_EMPTY] = "secret: empty",
	[HOTP_E_SECRET_HEX_CHAR] = "secret: non-hex character in hex secret",
	[HOTP_E_SECRET_HEX_ODD] = "secret: odd number of hex digits",
	[HOTP_E_SECRET_B32_CHAR] = "secret: character outside the base32 alphabet",
	[HOTP_E_SECRET_B32_LENGTH] = "secret: impossible base32 length",
	[HOTP_E_SECRET_B32_PADDING] = "secret: malformed base32 '=' padding",
	[HOTP_E_SECRET_B32_TRAILING] = "secret: non-zero trailing bits in base32",
	[HOTP_E_SECRET_TOO_SHORT] = "secret: shorter than 16 bytes (128 bit)",
	[HOTP_E_SECRET_TOO_LONG] = "secret: longer than 64 bytes",
	[HOTP_E_DIGITS] = "digits: must be 6, 7 or 8",
	[HOTP_E_ALGO] = "algo: unknown (use sha1, sha256 or sha512)",
	[HOTP_E_KIND] = "kind: unknown (use hotp or totp)",
	[HOTP_E_PERIOD] = "period: TOTP step must be 1..3600 s",
	[HOTP_E_COUNTER] = "counter: negative or out of range",
	[HOTP_E_PARAM] = "params: inconsistent verification parameters",
	[HOTP_E_BUFFER] = "buffer: output buffer too small",
	[HOTP_E_NOMEM] = "memory: allocation failed",
	[HOTP_E_CRYPTO] = "crypto: OpenSSL HMAC failure",
	[HOTP_E_RANDOM] = "random: OpenSSL RAND_bytes failure",
	[HOTP_E_STORE_OPEN] = "store: cannot open or create the database",
	[HOTP_E_STORE_PERM] = "store: database path is not a regular file or not ours",
	[HOTP_E_STORE_SCHEMA] = "store: unknown or newer database schema",
	[HOTP_E_STORE_IO] = "store: database query failed",
	[HOTP_E_STORE_BUSY] = "store: database still locked after retries",
	[HOTP_E_STORE_CORRUPT] = "store: stored record violates invariants",
	[HOTP_E_STORE_NOUSER] = "store: no such user",
	[HOTP_E_STORE_EXISTS] = "store: user already exists",
};

const char *hotp_strerror(hotp_err e)
{
	if ((unsigned)e >= HOTP_E__COUNT || err_text[e] == NULL)
		return "unknown error";
	return err_text[e];
}

static const char *const outcome_text[] = {
	[HOTP_R_OK] = "OK",
	[HOTP_R_RESYNCED] = "RESYNCED",
	[HOTP_R_RESYNC_NEEDED] = "RESYNC_NEEDED",
	[HOTP_R_BAD_OTP] = "BAD_OTP",
	[HOTP_R_REPLAY] = "REPLAY",
	[HOTP_R_LOCKED] = "LOCKED",
	[HOTP_R_UNKNOWN_USER] = "UNKNOWN_USER",
	[HOTP_R_STORE_ERROR] = "STORE_ERROR",
	[HOTP_R_MALFORMED] = "MALFORMED",
};

const char *hotp_outcome_name(hotp_outcome o)
{
	if ((unsigned)o >= sizeof outcome_text / sizeof outcome_text[0])
		return "?";
	return outcome_text[o];
}

/* ------------------------------------------------------------------------ */
/* names                                                                    */

static const char *const algo_names[] = { "sha1", "sha256", "sha512" };
static const char *const algo_ossl[] = { "SHA1", "SHA2-256", "SHA2-512" };
#define N_ALGO 3

const char *hotp_algo_name(hotp_algo a)
{
	return (unsigned)a < N_ALGO ? algo_names[a] : "?";
}

static int ascii_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 1;
		if (x == 0)
			return 0;
	}
}

hotp_err hotp_algo_parse(const char *s, hotp_algo *out)
{
	if (s == NULL)
		return HOTP_E_ALGO;
	for (unsigned i = 0; i < N_ALGO; i++)
		if (ascii_casecmp(s, algo_names[i]) == 0) {
			*out = (hotp_algo)i;
			return HOTP_E_OK;
		}
	return HOTP_E_ALGO;
}

const char *hotp_kind_name(hotp_kind k)
{
	return k == HOTP_KIND_HOTP ? "hotp" : k == HOTP_KIND_TOTP ? "totp" : "?";
}

hotp_err hotp_kind_parse(const char *s, hotp_kind *out)
{
	if (s != NULL && ascii_casecmp(s, "hotp") == 0) {
		*out = HOTP_KIND_HOTP;
		return HOTP_E_OK;
	}
	if (s != NULL && ascii_casecmp(s, "totp") == 0) {
		*out = HOTP_KIND_TOTP;
		return HOTP_E_OK;
	}
	return HOTP_E_KIND;
}

/* ------------------------------------------------------------------------ */
/* parameters                                                               */

void hotp_params_default(hotp_params *p)
{
	p->window = HOTP_DEFAULT_WINDOW;
	p->resync_window = HOTP_DEFAULT_RESYNC_WINDOW;
	p->resync_timeout = HOTP_DEFAULT_RESYNC_TIMEOUT;
	p->lock_threshold = HOTP_DEFAULT_LOCK_THRESHOLD;
	p->lock_base = HOTP_DEFAULT_LOCK_BASE;
	p->lock_max = HOTP_DEFAULT_LOCK_MAX;
	p->totp_drift = HOTP_DEFAULT_TOTP_DRIFT;
}

hotp_err hotp_params_check(const hotp_params *p)
{
	if (p == NULL || p->window < 1 || p->window > 1000 ||
	    p->resync_window < p->window || p->resync_window > 100000 ||
	    p->lock_max > 31536000 || p->lock_base > p->lock_max ||
	    (p->lock_threshold > 0 && p->lock_base < 1) || p->totp_drift > 10)
		return HOTP_E_PARAM;
	return HOTP_E_OK;
}

/* ------------------------------------------------------------------------ */
/* parsers                                                                  */

hotp_err hotp_parse_otp(const char *s, size_t len, uint32_t want_digits,
                        uint32_t *value)
{
	uint32_t v = 0;

	if (s == NULL)
		return HOTP_E_OTP_NULL;
	if (len == 0)
		return HOTP_E_OTP_EMPTY;
	if (len > HOTP_DIGITS_MAX)
		return HOTP_E_OTP_TOO_LONG;
	for (size_t i = 0; i < len; i++) {
		uint32_t dgt = (uint32_t)(unsigned char)s[i] - '0';
		if (dgt > 9)
			return s[i] == 0 ? HOTP_E_OTP_NUL : HOTP_E_OTP_NONDIGIT;
		v = v * 10u + dgt;
	}
	if (len < HOTP_DIGITS_MIN)
		return HOTP_E_OTP_TOO_SHORT;
	if (want_digits != 0 && len != want_digits)
		return HOTP_E_OTP_LENGTH;
	if (value != NULL)
		*value = v;
	return HOTP_E_OK;
}

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static unsigned hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10u;
	return c - 'A' + 10u;
}

hotp_err hotp_aor_check(const char *s, size_t len)
{
	/* A-Z a-z 0-9 and  - . _ ~ ! $ & ' ( ) * + , ; = : @ / ? [ ]  (+ %HH) */
	static const char extra[] = "-._~!$&'()*+,;=:@/?[]";

	if (s == NULL)
		return HOTP_E_AOR_NULL;
	if (len == 0)
		return HOTP_E_AOR_EMPTY;
	if (len > HOTP_AOR_MAX)
		return HOTP_E_AOR_TOO_LONG;
	if (s[0] == '-')
		return HOTP_E_AOR_LEADING_DASH;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (c == '%') {
			if (len - i < 3 || !is_hex((unsigned char)s[i + 1]) ||
			    !is_hex((unsigned char)s[i + 2]))
				return HOTP_E_AOR_PERCENT;
			i += 2;
			continue;
		}
		if (c == 0 || memchr(extra, c, sizeof extra - 1) == NULL)
			return HOTP_E_AOR_CHAR;
	}
	return HOTP_E_OK;
}

static hotp_err secret_size_check(size_t n, size_t cap)
{
	if (n < HOTP_SECRET_MIN)
		return HOTP_E_SECRET_TOO_SHORT;
	if (n > HOTP_SECRET_MAX)
		return HOTP_E_SECRET_TOO_LONG;
	if (n > cap)
		return HOTP_E_BUFFER;
	return HOTP_E_OK;
}

hotp_err hotp_secret_from_hex(const char *s, size_t len, uint8_t *out,
                              size_t cap, size_t *out_len)
{
	hotp_err e;

	if (s == NULL)
		return HOTP_E_SECRET_NULL;
	if (len == 0)
		return HOTP_E_SECRET_EMPTY;
	for (size_t i = 0; i < len; i++)
		if (!is_hex((unsigned char)s[i]))
			return HOTP_E_SECRET_HEX_CHAR;
	if (len % 2)
		return HOTP_E_SECRET_HEX_ODD;
	if ((e = secret_size_check(len / 2, cap)) != HOTP_E_OK)
		return e;
	for (size_t i = 0; i < len / 2; i++)
		out[i] = (uint8_t)(hex_val((unsigned char)s[2 * i]) << 4 |
		                   hex_val((unsigned char)s[2 * i + 1]));
	*out_len = len / 2;
	return HOTP_E_OK;
}

static int b32_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

hotp_err hotp_secret_from_base32(const char *s, size_t len, uint8_t *out,
                                 size_t cap, size_t *out_len)
{
	size_t data = 0, pad, nbytes, i, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	hotp_err e;

	if (s == NULL)
		return HOTP_E_SECRET_NULL;
	if (len == 0)
		return HOTP_E_SECRET_EMPTY;
	/* alphabet; '=' only as a suffix */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '=')
			break;
		if (b32_val(c) < 0)
			return HOTP_E_SECRET_B32_CHAR;
	}
	data = i;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c != '=')
			return b32_val(c) < 0 ? HOTP_E_SECRET_B32_CHAR
			                      : HOTP_E_SECRET_B32_PADDING;
	}
	pad = len - data;
	switch (data % 8) {
	case 1: case 3: case 6:
		return HOTP_E_SECRET_B32_LENGTH;
	default:
		break;
	}
	if (pad != 0) {
		static const size_t want_pad[8] = { 0, 0, 6, 0, 4, 3, 0, 1 };
		if (data == 0 || len % 8 != 0 || pad != want_pad[data % 8])
			return HOTP_E_SECRET_B32_PADDING;
	}
	if (data == 0)
		return HOTP_E_SECRET_EMPTY;
	nbytes = data * 5 / 8;
	if ((e = secret_size_check(nbytes, cap)) != HOTP_E_OK)
		return e;
	for (i = 0; i < data; i++) {
		acc = (acc << 5) | (uint32_t)b32_val((unsigned char)s[i]);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1u;
		}
	}
	if (acc != 0) {
		OPENSSL_cleanse(out, o);
		return HOTP_E_SECRET_B32_TRAILING;
	}
	*out_len = o;
	return HOTP_E_OK;
}

hotp_err hotp_base32_encode(const uint8_t *in, size_t len, int pad, char *out,
                            size_t cap)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t nchar = (len * 8 + 4) / 5, total = nchar, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (in == NULL && len != 0)
		return HOTP_E_SECRET_NULL;
	if (pad)
		total = (nchar + 7) / 8 * 8;
	if (out == NULL || cap < total + 1)
		return HOTP_E_BUFFER;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = alpha[(acc >> bits) & 31u];
		}
		acc &= (1u << bits) - 1u;
	}
	if (bits > 0)
		out[o++] = alpha[(acc << (5 - bits)) & 31u];
	while (o < total)
		out[o++] = '=';
	out[o] = 0;
	return HOTP_E_OK;
}

/* ------------------------------------------------------------------------ */
/* per-thread MAC contexts                                                  */

struct tls_macs {
	EVP_MAC_CTX *ctx[N_ALGO];
};

static pthread_key_t g_key;
static int g_key_valid;            /* under g_mac_lock */
static pthread_mutex_t g_mac_lock = PTHREAD_MUTEX_INITIALIZER;
static EVP_MAC *g_mac;
static _Thread_local struct tls_macs *t_macs;

static void tls_free(void *p)
{
	struct tls_macs *m = p;
	if (m == NULL)
		return;
	for (unsigned i = 0; i < N_ALGO; i++)
		EVP_MAC_CTX_free(m->ctx[i]);
	free(m);
}

static EVP_MAC *get_mac(void)
{
	EVP_MAC *m = __atomic_load_n(&g_mac, __ATOMIC_ACQUIRE);
	if (m != NULL)
		return m;
	pthread_mutex_lock(&g_mac_lock);
	if (g_mac == NULL)
		__atomic_store_n(&g_mac, EVP_MAC_fetch(NULL, "HMAC", NULL),
		                 __ATOMIC_RELEASE);
	m = g_mac;
	pthread_mutex_unlock(&g_mac_lock);
	return m;
}

static __attribute__((noinline)) EVP_MAC_CTX *thread_ctx_new(hotp_algo algo)
{
	struct tls_macs *m = t_macs;
	EVP_MAC_CTX *c;
	EVP_MAC *mac;
	OSSL_PARAM prm[2];

	if (m == NULL) {
		m = calloc(1, sizeof *m);
		if (m == NULL)
			return NULL;
		t_macs = m;
		/* the key's destructor frees the contexts at thread exit */
		pthread_mutex_lock(&g_mac_lock);
		if (!g_key_valid && pthread_key_create(&g_key, tls_free) == 0)
			g_key_valid = 1;
		if (g_key_valid)
			(void)pthread_setspecific(g_key, m);
		pthread_mutex_unlock(&g_mac_lock);
	}
	if ((mac = get_mac()) == NULL || (c = EVP_MAC_CTX_new(mac)) == NULL)
		return NULL;
	prm[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	                                          (char *)algo_ossl[algo], 0);
	prm[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_CTX_set_params(c, prm)) {
		EVP_MAC_CTX_free(c);
		return NULL;
	}
	m->ctx[algo] = c;
	return c;
}

static inline EVP_MAC_CTX *thread_ctx(hotp_algo algo)
{
	struct tls_macs *m = t_macs;
	if ((unsigned)algo >= N_ALGO)
		return NULL;
	if (__builtin_expect(m != NULL && m->ctx[algo] != NULL, 1))
		return m->ctx[algo];
	return thread_ctx_new(algo);
}

void hotp_thread_cleanup(void)
{
	struct tls_macs *m = t_macs;
	if (m == NULL)
		return;
	t_macs = NULL;
	pthread_mutex_lock(&g_mac_lock);
	if (g_key_valid)
		(void)pthread_setspecific(g_key, NULL);
	pthread_mutex_unlock(&g_mac_lock);
	tls_free(m);
}

void hotp_global_cleanup(void)
{
	hotp_thread_cleanup();
	pthread_mutex_lock(&g_mac_lock);
	/* no destructor of this (possibly dlclose'd) code may run later; the
	 * contexts of threads still alive are left to them (see hotp.h) */
	if (g_key_valid) {
		(void)pthread_key_delete(g_key);
		g_key_valid = 0;
	}
	EVP_MAC_free(g_mac);
	__atomic_store_n(&g_mac, NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&g_mac_lock);
}

/* ------------------------------------------------------------------------ */
/* HOTP value                                                               */

static const uint32_t pow10_tab[10] = {
	1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u,
	100000000u, 1000000000u
};

/* One HOTP value with an already keyed context. `fresh` = the context was
 * just keyed (no re-initialisation needed for the first message). */
static inline int mac_hotp(EVP_MAC_CTX *c, int fresh, uint64_t counter,
                           uint32_t mod, uint32_t *value)
{
	unsigned char msg[8], md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;
	unsigned off;

	uint64_t be = htobe64(counter);
	uint32_t bin;

	if (!fresh && !EVP_MAC_init(c, NULL, 0, NULL))
		return 0;
	memcpy(msg, &be, sizeof msg);
	if (!EVP_MAC_update(c, msg, sizeof msg) ||
	    !EVP_MAC_final(c, md, &mdlen, sizeof md) || mdlen < 20)
		return 0;
	off = md[mdlen - 1] & 0x0fu;
	bin = ((uint32_t)md[off] & 0x7fu) << 24 | (uint32_t)md[off + 1] << 16 |
	      (uint32_t)md[off + 2] << 8 | (uint32_t)md[off + 3];
	/* constant divisors: multiplications instead of a division */
	switch (mod) {
	case 1000000u: *value = bin % 1000000u; break;
	case 10000000u: *value = bin % 10000000u; break;
	case 100000000u: *value = bin % 100000000u; break;
	default: *value = bin % mod; break;
	}
	return 1;
}

static EVP_MAC_CTX *keyed_ctx(hotp_algo algo, const uint8_t *secret,
                              size_t secret_len)
{
	EVP_MAC_CTX *c = thread_ctx(algo);
	if (c == NULL || !EVP_MAC_init(c, secret, secret_len, NULL))
		return NULL;
	return c;
}

hotp_err hotp_generate(hotp_algo algo, const uint8_t *secret, size_t secret_len,
                       uint64_t counter, uint32_t digits, uint32_t *value)
{
	EVP_MAC_CTX *c;

	if ((unsigned)algo >= N_ALGO)
		return HOTP_E_ALGO;
	if (digits < HOTP_DIGITS_MIN || digits > HOTP_DIGITS_MAX)
		return HOTP_E_DIGITS;
	if (secret == NULL)
		return HOTP_E_SECRET_NULL;
	if (secret_len == 0)
		return HOTP_E_SECRET_EMPTY;
	if (secret_len > HOTP_SECRET_MAX)
		return HOTP_E_SECRET_TOO_LONG;
	if ((c = keyed_ctx(algo, secret, secret_len)) == NULL ||
	    !mac_hotp(c, 1, counter, pow10_tab[digits], value))
		return HOTP_E_CRYPTO;
	return HOTP_E_OK;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

hotp_err hotp_totp_generate(hotp_algo algo, const uint8_t *secret,
                            size_t secret_len, int64_t unix_time, int64_t t0,
                            uint32_t period, uint32_t digits, uint32_t *value)
{
	int64_t t;

	if (period < 1 || period > 3600)
		return HOTP_E_PERIOD;
	if ((t0 > 0 && unix_time < INT64_MIN + t0) ||
	    (t0 < 0 && unix_time > INT64_MAX + t0))
		return HOTP_E_COUNTER;
	t = floor_div(unix_time - t0, period);
	if (t < 0)
		return HOTP_E_COUNTER;
	return hotp_generate(algo, secret, secret_len, (uint64_t)t, digits, value);
}

hotp_err hotp_format(uint32_t value, uint32_t digits, char *out, size_t cap)
{
	if (digits < HOTP_DIGITS_MIN || digits > HOTP_DIGITS_MAX)
		return HOTP_E_DIGITS;
	if (value >= pow10_tab[digits])
		return HOTP_E_COUNTER;
	if (out == NULL || cap < (size_t)digits + 1)
		return HOTP_E_BUFFER;
	out[digits] = 0;
	for (uint32_t i = digits; i > 0; i--) {
		out[i - 1] = (char)('0' + value % 10u);
		value /= 10u;
	}
	return HOTP_E_OK;
}

int hotp_ct_equal(uint32_t a, uint32_t b)
{
	return CRYPTO_memcmp(&a, &b, sizeof a) == 0;
}

/* ------------------------------------------------------------------------ */
/* users                                                                    */

static hotp_err check_meta(const char *aor, hotp_kind kind, hotp_algo algo,
                           uint32_t digits, uint32_t period, size_t secret_len)
{
	hotp_err e;
	if ((e = hotp_aor_check(aor, aor ? strnlen(aor, HOTP_AOR_MAX + 1) : 0)))
		return e;
	if ((unsigned)kind > HOTP_KIND_TOTP)
		return HOTP_E_KIND;
	if ((unsigned)algo >= N_ALGO)
		return HOTP_E_ALGO;
	if (digits < HOTP_DIGITS_MIN || digits > HOTP_DIGITS_MAX)
		return HOTP_E_DIGITS;
	if (period < 1 || period > 3600)
		return HOTP_E_PERIOD;
	if (secret_len < HOTP_SECRET_MIN)
		return HOTP_E_SECRET_TOO_SHORT;
	if (secret_len > HOTP_SECRET_MAX)
		return HOTP_E_SECRET_TOO_LONG;
	return HOTP_E_OK;
}

hotp_err hotp_user_init(hotp_user *u, const char *aor, hotp_kind kind,
                        hotp_algo algo, uint32_t digits, uint32_t period,
                        const uint8_t *secret, size_t secret_len, int64_t now)
{
	hotp_err e;

	if (secret == NULL)
		return HOTP_E_SECRET_NULL;
	if ((e = check_meta(aor, kind, algo, digits, period, secret_len)))
		return e;
	memset(u, 0, sizeof *u);
	memcpy(u->info.aor, aor, strlen(aor) + 1);
	u->info.kind = kind;
	u->info.algo = algo;
	u->info.digits = digits;
	u->info.period = period;
	u->info.st.counter = -1;
	u->info.st.pending_resync = -1;
	u->info.created = now;
	memcpy(u->secret, secret, secret_len);
	u->secret_len = secret_len;
	return HOTP_E_OK;
}

hotp_err hotp_user_check(const hotp_user *u)
{
	hotp_err e;
	const hotp_state *s = &u->info.st;

	if (memchr(u->info.aor, 0, sizeof u->info.aor) == NULL)
		return HOTP_E_AOR_TOO_LONG;
	if ((e = check_meta(u->info.aor, u->info.kind, u->info.algo,
	                    u->info.digits, u->info.period, u->secret_len)))
		return e;
	if (s->counter < -1 || s->counter > HOTP_COUNTER_MAX ||
	    s->pending_resync < -1 || s->pending_resync > HOTP_COUNTER_MAX)
		return HOTP_E_COUNTER;
	return HOTP_E_OK;
}

void hotp_user_wipe(hotp_user *u)
{
	if (u != NULL) {
		OPENSSL_cleanse(u->secret, sizeof u->secret);
		u->secret_len = 0;
	}
}

/* ------------------------------------------------------------------------ */
/* decision                                                                 */

int64_t hotp_lock_until(const hotp_params *p, uint32_t new_fail_count,
                        int64_t now, int64_t old_locked_until)
{
	uint32_t shift;
	int64_t delay;

	if (p->lock_threshold == 0 || new_fail_count < p->lock_threshold)
		return old_locked_until;
	shift = new_fail_count - p->lock_threshold;
	if (shift > 30)
		shift = 30;
	delay = (int64_t)p->lock_base << shift;
	if (delay > (int64_t)p->lock_max)
		delay = p->lock_max;
	return now + delay;
}

static void set_failure(const hotp_params *p, hotp_decision *d, int64_t now)
{
	d->count_failure = 1;
	if (d->next.fail_count < UINT32_MAX)
		d->next.fail_count++;
	d->next.locked_until =
	    hotp_lock_until(p, d->next.fail_count, now, d->next.locked_until);
	d->next.pending_resync = -1;
	d->next.pending_at = 0;
}

static void set_success(hotp_decision *d, hotp_outcome o, int64_t k)
{
	d->outcome = o;
	d->counter = k;
	d->next.counter = k;
	d->next.pending_resync = -1;
	d->next.pending_at = 0;
	d->next.fail_count = 0;
	d->next.locked_until = 0;
}

static hotp_err decide_totp(const hotp_params *p, const hotp_user *u,
                            uint32_t otp, int64_t now, EVP_MAC_CTX *c,
                            uint32_t mod, hotp_decision *d)
{
	int64_t t = floor_div(now, u->info.period), c_last = u->info.st.counter;
	int64_t fresh_k = -1, replay_k = -1;
	int first = 1;

	/* order: T, T-1, T+1, T-2, T+2, ... ; every candidate is computed so
	 * that a fresh match wins over a replayed one */
	for (uint32_t i = 0; i <= 2 * p->totp_drift; i++) {
		int64_t k = (i % 2) ? t - (int64_t)(i + 1) / 2 : t + (int64_t)i / 2;
		uint32_t v;
		if (k < 0)
			continue;
		if (!mac_hotp(c, first, (uint64_t)k, mod, &v))
			return HOTP_E_CRYPTO;
		first = 0;
		if (hotp_ct_equal(v, otp)) {
			if (k > c_last) {
				if (fresh_k < 0)
					fresh_k = k;
			} else if (replay_k < 0) {
				replay_k = k;
			}
		}
	}
	if (fresh_k >= 0) {
		set_success(d, HOTP_R_OK, fresh_k);
	} else if (replay_k >= 0) {
		d->outcome = HOTP_R_REPLAY;
		d->counter = replay_k;
		set_failure(p, d, now);
	} else {
		d->outcome = HOTP_R_BAD_OTP;
		set_failure(p, d, now);
	}
	return HOTP_E_OK;
}

hotp_err hotp_decide(const hotp_params *p, const hotp_user *u,
                     const char *otp, size_t otp_len, int64_t now,
                     hotp_decision *d)
{
	const hotp_state *st = &u->info.st;
	int64_t c, k, pend;
	uint32_t val, v, mod;
	EVP_MAC_CTX *ctx;
	hotp_err e;

	d->outcome = HOTP_R_MALFORMED;
	d->counter = -1;
	d->count_failure = 0;
	d->next = *st;

	if ((e = hotp_parse_otp(otp, otp_len, u->info.digits, &val))) {
		d->err = e;
		return e;
	}
	d->err = HOTP_E_OK;
	if (hotp_params_check(p) != HOTP_E_OK) {
		d->outcome = HOTP_R_STORE_ERROR;
		d->err = HOTP_E_PARAM;
		return d->err;
	}
	if (now < st->locked_until) {
		d->outcome = HOTP_R_LOCKED;
		return HOTP_E_OK;
	}
	c = st->counter;
	if (u->secret_len < 1 || u->secret_len > HOTP_SECRET_MAX ||
	    c < -1 || c > HOTP_COUNTER_MAX) {
		d->outcome = HOTP_R_STORE_ERROR;
		d->err = HOTP_E_STORE_CORRUPT;
		return d->err;
	}
	mod = pow10_tab[u->info.digits];
	if ((ctx = keyed_ctx(u->info.algo, u->secret, u->secret_len)) == NULL) {
		d->outcome = HOTP_R_STORE_ERROR;
		d->err = HOTP_E_CRYPTO;
		return d->err;
	}

	if (u->info.kind == HOTP_KIND_TOTP) {
		if (u->info.period < 1 || u->info.period > 3600 || now < 0) {
			d->outcome = HOTP_R_STORE_ERROR;
			d->err = HOTP_E_PERIOD;
			return d->err;
		}
		e = decide_totp(p, u, val, now, ctx, mod, d);
		if (e) {
			d->outcome = HOTP_R_STORE_ERROR;
			d->err = e;
		}
		return e;
	}

	/* 3. look-ahead window c+1 .. c+window (first HMAC uses the fresh key) */
	for (k = c + 1; k <= c + (int64_t)p->window; k++) {
		if (!mac_hotp(ctx, k == c + 1, (uint64_t)k, mod, &v))
			goto crypto;
		if (hotp_ct_equal(v, val)) {
			set_success(d, HOTP_R_OK, k);
			return HOTP_E_OK;
		}
	}
	/* 4. second consecutive OTP of a resync */
	pend = st->pending_resync;
	if (pend > c && pend <= HOTP_COUNTER_MAX &&
	    (p->resync_timeout == 0 ||
	     (now >= st->pending_at - (int64_t)p->resync_timeout &&
	      now - st->pending_at <= (int64_t)p->resync_timeout)) &&
	    pend + 1 > c + (int64_t)p->window) {
		if (!mac_hotp(ctx, 0, (uint64_t)(pend + 1), mod, &v))
			goto crypto;
		if (hotp_ct_equal(v, val)) {
			set_success(d, HOTP_R_RESYNCED, pend + 1);
			return HOTP_E_OK;
		}
	}
	/* 5. beyond the window: remember the first match */
	for (k = c + (int64_t)p->window + 1; k <= c + (int64_t)p->resync_window;
	     k++) {
		if (!mac_hotp(ctx, 0, (uint64_t)k, mod, &v))
			goto crypto;
		if (hotp_ct_equal(v, val)) {
			d->outcome = HOTP_R_RESYNC_NEEDED;
			d->counter = k;
			d->next.pending_resync = k;
			d->next.pending_at = now;
			return HOTP_E_OK;
		}
	}
	/* 6. replay of an accepted counter (newest first) */
	for (k = c; k >= 0 && k > c - (int64_t)p->window; k--) {
		if (!mac_hotp(ctx, 0, (uint64_t)k, mod, &v))
			goto crypto;
		if (hotp_ct_equal(v, val)) {
			d->outcome = HOTP_R_REPLAY;
			d->counter = k;
			set_failure(p, d, now);
			return HOTP_E_OK;
		}
	}
	/* 7. */
	d->outcome = HOTP_R_BAD_OTP;
	set_failure(p, d, now);
	return HOTP_E_OK;

crypto:
	d->next = *st;
	d->outcome = HOTP_R_STORE_ERROR;
	d->err = HOTP_E_CRYPTO;
	return d->err;
}
