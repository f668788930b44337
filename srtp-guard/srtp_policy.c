/*
 * srtp_policy - libsrtp2 crypto policies for an SDES suite (srtp_policy.h).
 */
#include "srtp_policy.h"

static void aes_cm(srtp_crypto_policy_t *rtp, srtp_crypto_policy_t *rtcp, size_t key_len, size_t tag_len)
{
	if(key_len == 16) {
		if(tag_len == 10)
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtp);
		else
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp);
	} else if(key_len == 24) {
		if(tag_len == 10)
			srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(rtp);
		else
			srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(rtcp);
	} else {
		if(tag_len == 10)
			srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtp);
		else
			srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
	}
}

int ssdp_srtp_crypto_policy(const ssdp_crypto_t *c, srtp_policy_t *p)
{
	switch(c->suite->cipher) {
	case SSDP_CIPHER_AES_CM:
		aes_cm(&p->rtp, &p->rtcp, c->suite->key_len, c->suite->tag_len);
		return 0;
	case SSDP_CIPHER_AES_GCM:
		if(c->suite->key_len == 16) {
			srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
			srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		} else {
			srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
			srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
		}
		return 0;
	case SSDP_CIPHER_NULL:
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&p->rtcp);
		p->rtp.auth_tag_len = (int)c->suite->tag_len;
		return 0;
	default:
		return -1;
	}
}
