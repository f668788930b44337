/*
 * guard_hmac - HMAC-SHA1 for libsrtp from OpenSSL's SHA-1, with the keyed
 * inner and outer states computed once per session key.
 *
 * Debian 12 builds libsrtp2 against NSS, whose HMAC creates and frees a
 * PK11 context (allocations, locks, hash-table lookups) for every packet:
 * about half of the guard's CPU per packet in `bench alg` (perf). libsrtp
 * lets an application replace an auth type (srtp_replace_auth_type(),
 * srtp2/auth.h); the replacement must pass libsrtp's own HMAC-SHA1 test
 * vectors and the RFC 2202 one below before libsrtp takes it. Per packet
 * this is two SHA-1 state copies and the hashing itself, no allocation.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA1_Init/Update/Final: plain structs, no allocation */
#include "guard_hmac.h"

#include <openssl/sha.h>
#include <srtp2/auth.h>
#include <srtp2/srtp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	SHA_CTX inner0, outer0; /* keyed (ipad / opad) */
	SHA_CTX ctx;            /* the running inner hash */
} hmac_state_t;

static const srtp_auth_type_t guard_hmac;

static srtp_err_status_t h_alloc(srtp_auth_t **a, int key_len, int out_len)
{
	uint8_t *p;
	if(key_len > SHA_DIGEST_LENGTH || out_len > SHA_DIGEST_LENGTH || key_len < 0 || out_len < 0)
		return srtp_err_status_bad_param;
	p = calloc(1, sizeof(srtp_auth_t) + sizeof(hmac_state_t));
	if(!p)
		return srtp_err_status_alloc_fail;
	*a = (srtp_auth_t *)p;
	(*a)->type = &guard_hmac;
	(*a)->state = p + sizeof(srtp_auth_t);
	(*a)->out_len = out_len;
	(*a)->key_len = key_len;
	(*a)->prefix_len = 0;
	return srtp_err_status_ok;
}

static srtp_err_status_t h_dealloc(srtp_auth_t *a)
{
	memset(a, 0, sizeof(srtp_auth_t) + sizeof(hmac_state_t));
	free(a);
	return srtp_err_status_ok;
}

static srtp_err_status_t h_init(void *sv, const uint8_t *key, int key_len)
{
	hmac_state_t *s = sv;
	uint8_t ipad[64], opad[64];
	int i;
	if(key_len > SHA_DIGEST_LENGTH || key_len < 0)
		return srtp_err_status_bad_param;
	memset(ipad, 0x36, sizeof(ipad));
	memset(opad, 0x5c, sizeof(opad));
	for(i = 0; i < key_len; i++) {
		ipad[i] ^= key[i];
		opad[i] ^= key[i];
	}
	SHA1_Init(&s->inner0);
	SHA1_Update(&s->inner0, ipad, sizeof(ipad));
	SHA1_Init(&s->outer0);
	SHA1_Update(&s->outer0, opad, sizeof(opad));
	s->ctx = s->inner0;
	memset(ipad, 0, sizeof(ipad));
	memset(opad, 0, sizeof(opad));
	return srtp_err_status_ok;
}

static srtp_err_status_t h_start(void *sv)
{
	hmac_state_t *s = sv;
	s->ctx = s->inner0;
	return srtp_err_status_ok;
}

static srtp_err_status_t h_update(void *sv, const uint8_t *msg, int n)
{
	hmac_state_t *s = sv;
	if(n > 0)
		SHA1_Update(&s->ctx, msg, (size_t)n);
	return srtp_err_status_ok;
}

static srtp_err_status_t h_compute(void *sv, const uint8_t *msg, int n, int tag_len, uint8_t *result)
{
	hmac_state_t *s = sv;
	uint8_t h[SHA_DIGEST_LENGTH];
	SHA_CTX o;
	if(tag_len > SHA_DIGEST_LENGTH || tag_len < 0)
		return srtp_err_status_bad_param;
	if(n > 0)
		SHA1_Update(&s->ctx, msg, (size_t)n);
	SHA1_Final(h, &s->ctx);
	o = s->outer0;
	SHA1_Update(&o, h, sizeof(h));
	SHA1_Final(h, &o);
	memcpy(result, h, (size_t)tag_len);
	return srtp_err_status_ok;
}

/* RFC 2202 §3, test case 1 */
static const uint8_t t_key[20] = {0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
		0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b};
static const uint8_t t_data[8] = {'H', 'i', ' ', 'T', 'h', 'e', 'r', 'e'};
static const uint8_t t_tag[20] = {0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b, 0xc0, 0xb6,
		0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00};
static const srtp_auth_test_case_t t_case = {20, t_key, 8, t_data, 20, t_tag, NULL};

static const srtp_auth_type_t guard_hmac = {h_alloc, h_dealloc, h_init, h_compute, h_update, h_start,
		"HMAC-SHA1 (OpenSSL SHA-1, precomputed pads; senemo-srtp-guard)", &t_case, SRTP_HMAC_SHA1};

int guard_hmac_install(void)
{
	return srtp_replace_auth_type(&guard_hmac, SRTP_HMAC_SHA1) == srtp_err_status_ok ? 0 : -1;
}
