/*
 * senemo-bench-hotp -- HOTP verification speed against raw HMAC-SHA1, in one
 * process.
 *
 *   raw HMAC-SHA1 : what one HOTP value costs with the verifier's OpenSSL
 *                   API: a reused EVP_MAC_CTX ("HMAC", digest SHA1), keyed
 *                   with the 20-byte secret (EVP_MAC_init with the key),
 *                   update with the 8-byte big-endian counter, final.
 *   hotp verify   : hotp_decide() -- the full pure verification (OTP parsing,
 *                   lockout check, keying, window scan, dynamic truncation,
 *                   constant-time compare, next-state computation) for an OTP
 *                   that hits the look-ahead window at position 0.  No store.
 *
 * Both keep the key per operation because a verification serves one user and
 * the next one is a different user: the real per-request cost includes
 * keying.  (hmac_sha1_prekeyed_per_s is printed for information: HMAC with
 * the key schedule cached, EVP_MAC_init(ctx, NULL, 0, NULL).)
 *
 * Time is the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that other
 * processes on a shared machine do not bill their time slices to one side.
 * The two measurements alternate in batches of 500 operations (A B, then
 * B A, ...) within each of --rounds rounds of about --ms milliseconds; the
 * rates printed are medians over the rounds and the ratio is the median of
 * the per-round verify/HMAC ratios (paired, so slow phases of a shared
 * machine cancel out).
 *
 * Output, one line of JSON:
 *   {"hmac_sha1_per_s":..,"hotp_verify_per_s":..,"verify_vs_hmac_ratio":..,
 *    "hmac_sha1_prekeyed_per_s":..,"rounds":..,"ms_per_measure":..}
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "hotp.h"

static const uint8_t KEY[20] = "12345678901234567890";
static volatile uint32_t sink;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static EVP_MAC_CTX *hmac_ctx;

static void raw_hmac(uint64_t counter, int prekeyed)
{
	unsigned char msg[8], md[EVP_MAX_MD_SIZE];
	size_t mdlen;
	for (int i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)counter;
		counter >>= 8;
	}
	if (!EVP_MAC_init(hmac_ctx, prekeyed ? NULL : KEY, prekeyed ? 0 : sizeof KEY,
	                  NULL) ||
	    !EVP_MAC_update(hmac_ctx, msg, sizeof msg) ||
	    !EVP_MAC_final(hmac_ctx, md, &mdlen, sizeof md)) {
		fprintf(stderr, "HMAC failed\n");
		exit(1);
	}
	sink += md[mdlen - 1];
}

static hotp_user user;
static hotp_params params;
static char otp[HOTP_DIGITS_MAX + 1];
static uint64_t raw_counter;

/* `n` operations of `kind` (0 raw, 1 verify, 2 raw prekeyed); CPU seconds */
static double batch(int kind, unsigned n)
{
	hotp_decision d;
	double t0 = now_s();

	for (unsigned i = 0; i < n; i++) {
		if (kind == 1) {
			hotp_decide(&params, &user, otp, 6, 1700000000, &d);
			if (d.outcome != HOTP_R_OK) {
				fprintf(stderr, "verify failed: %s\n",
				        hotp_outcome_name(d.outcome));
				exit(1);
			}
			sink += (uint32_t)d.counter;
		} else {
			raw_hmac(++raw_counter, kind == 2);
		}
	}
	return now_s() - t0;
}

/* One round of about `ms` ms: raw and verify batches of BATCH operations
 * alternate (raw first, then verify first, ...), so both see the same
 * machine; rates are ops / accumulated CPU time of each side. */
#define BATCH 500
static void round_pair(double ms, double *raw_rate, double *ver_rate)
{
	double traw = 0, tver = 0;
	unsigned long n = 0;
	for (int k = 0; traw + tver < ms / 1000.0; k++) {
		if (k % 2 == 0) {
			traw += batch(0, BATCH);
			tver += batch(1, BATCH);
		} else {
			tver += batch(1, BATCH);
			traw += batch(0, BATCH);
		}
		n += BATCH;
	}
	*raw_rate = (double)n / traw;
	*ver_rate = (double)n / tver;
}

static double rate_of(int kind, double ms)
{
	double t = 0;
	unsigned long n = 0;
	while (t < ms / 1000.0) {
		t += batch(kind, BATCH);
		n += BATCH;
	}
	return (double)n / t;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int rounds = 9;
	double ms = 200;
	double *raw, *ver, *ratio, *pre;
	EVP_MAC *mac;
	OSSL_PARAM prm[2];
	uint32_t v;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--ms") == 0 && i + 1 < argc)
			ms = atof(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--rounds N] [--ms MS]\n", argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > 1000 || !(ms >= 1 && ms <= 60000)) {
		fprintf(stderr, "%s: bad --rounds or --ms\n", argv[0]);
		return 2;
	}

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	hmac_ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	prm[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA1", 0);
	prm[1] = OSSL_PARAM_construct_end();
	if (hmac_ctx == NULL || !EVP_MAC_CTX_set_params(hmac_ctx, prm)) {
		fprintf(stderr, "EVP_MAC setup failed\n");
		return 1;
	}

	/* user with last accepted counter 41; the OTP is the one of counter 42,
	 * i.e. the first position of the window */
	hotp_params_default(&params);
	if (hotp_user_init(&user, "sip:bench@example.com", HOTP_KIND_HOTP,
	                   HOTP_ALGO_SHA1, 6, 30, KEY, sizeof KEY, 0) ||
	    hotp_generate(HOTP_ALGO_SHA1, KEY, sizeof KEY, 42, 6, &v) ||
	    hotp_format(v, 6, otp, sizeof otp)) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	user.info.st.counter = 41;

	raw = calloc((size_t)rounds, sizeof *raw);
	ver = calloc((size_t)rounds, sizeof *ver);
	ratio = calloc((size_t)rounds, sizeof *ratio);
	pre = calloc((size_t)rounds, sizeof *pre);
	if (!raw || !ver || !ratio || !pre)
		return 1;

	/* warm-up: page in code, create the per-thread contexts */
	(void)rate_of(0, ms / 4);
	(void)rate_of(1, ms / 4);

	for (int r = 0; r < rounds; r++) {
		round_pair(ms, &raw[r], &ver[r]);
		ratio[r] = ver[r] / raw[r];
		pre[r] = rate_of(2, ms / 4);
	}

	printf("{\"hmac_sha1_per_s\":%.0f,\"hotp_verify_per_s\":%.0f,"
	       "\"verify_vs_hmac_ratio\":%.3f,\"hmac_sha1_prekeyed_per_s\":%.0f,"
	       "\"rounds\":%d,\"ms_per_measure\":%.0f,\"clock\":\"thread_cpu\"}\n",
	       median(raw, rounds), median(ver, rounds), median(ratio, rounds),
	       median(pre, rounds), rounds, ms);

	free(raw);
	free(ver);
	free(ratio);
	free(pre);
	hotp_user_wipe(&user);
	EVP_MAC_CTX_free(hmac_ctx);
	EVP_MAC_free(mac);
	hotp_global_cleanup();
	return 0;
}
