/*
 * srtp_sdp - plain-C SDP/SDES parsing shared by the SeNEMO media verifier
 * (senemo-srtp, tests/tools) and senemo-srtp-guard (this directory):
 * base64 (RFC 4648), SDES crypto attributes (RFC 4568 a=crypto) and the
 * few SDP lines a media test needs (c=, m=audio, a=crypto, a=rtcp,
 * a=key-mgmt). No libsrtp and no I/O here, so cmocka tests and the
 * libFuzzer harness can call every function directly.
 *
 * Every parser takes (pointer, length), never reads past it, needs no NUL
 * terminator, and on failure returns a negative SSDP_E* code and writes a
 * one-line reason into the caller's err buffer (may be NULL).
 */
#ifndef SENEMO_SRTP_SDP_H
#define SENEMO_SRTP_SDP_H

#include <stddef.h>
#include <stdint.h>

enum {
	SSDP_OK = 0,
	SSDP_EINVAL = -1,   /* malformed input */
	SSDP_ERANGE = -2,   /* too long / too many / out of range */
	SSDP_ENOTSUP = -3,  /* well-formed but not supported (suite, MKI, ...) */
	SSDP_ENOENT = -4,   /* the thing asked for is not there */
};

#define SSDP_MAX_KEY 64       /* master key + salt, bytes (largest: 46) */
#define SSDP_MAX_CRYPTO 16    /* a=crypto lines kept per media section */
#define SSDP_MAX_ADDR 64
#define SSDP_ERRLEN 160

/* ---- base64 ---------------------------------------------------------- */

/* Decode standard base64 (RFC 4648 §4 alphabet). Padding '=' is optional
 * but, if present, must be correct; no whitespace, no URL alphabet.
 * Returns the number of bytes written, or a negative SSDP_E* code
 * (SSDP_ERANGE when out_max is too small). */
int ssdp_b64_decode(const char *in, size_t len, uint8_t *out, size_t out_max);

/* Encode with padding; returns the length written (excluding the NUL),
 * or SSDP_ERANGE if out_max < 4*ceil(len/3)+1. */
int ssdp_b64_encode(const uint8_t *in, size_t len, char *out, size_t out_max);

/* ---- crypto suites --------------------------------------------------- */

typedef enum {
	SSDP_CIPHER_AES_CM,
	SSDP_CIPHER_AES_GCM,
	SSDP_CIPHER_AES_F8,
	SSDP_CIPHER_NULL,
} ssdp_cipher_t;

typedef struct {
	const char *name;      /* RFC 4568 / 6188 / 7714 suite name */
	ssdp_cipher_t cipher;
	unsigned key_len;      /* master key, bytes */
	unsigned salt_len;     /* master salt, bytes */
	unsigned tag_len;      /* SRTP authentication tag, bytes (GCM: 16) */
	unsigned rtcp_tag_len; /* SRTCP tag: SHA1_32 suites use 80 bits there */
} ssdp_suite_t;

/* Look a suite up by name (case-sensitive, as RFC 4568 registers them).
 * Returns NULL when unknown. */
const ssdp_suite_t *ssdp_suite_find(const char *name, size_t len);

/* The table, for listings; *n receives its size. */
const ssdp_suite_t *ssdp_suites(size_t *n);

/* ---- a=crypto -------------------------------------------------------- */

typedef struct {
	unsigned tag;                      /* a=crypto:<tag> */
	const ssdp_suite_t *suite;
	uint8_t key[SSDP_MAX_KEY];         /* master key || master salt */
	unsigned key_len;                  /* == suite->key_len + salt_len */
	uint64_t lifetime;                 /* 0 = not given */
	unsigned mki_len;                  /* 0 = no MKI */
	uint32_t mki_value;
	unsigned n_keys;                   /* key-params given (';'-separated) */
	/* session parameters (RFC 4568 §6.3) */
	int unencrypted_srtp, unencrypted_srtcp, unauthenticated_srtp;
	int kdr;                           /* -1 = not given, else 0..24 */
	unsigned wsh;                      /* 0 = not given, else >= 64 */
	int fec_order, fec_key;            /* present? (parsed, not used) */
} ssdp_crypto_t;

/* Parse the value of an a=crypto attribute, i.e. what follows "a=crypto:"
 * ("1 AES_CM_128_HMAC_SHA1_80 inline:<base64>[|lifetime][|MKI:len] [params]").
 * The first key-param is decoded; further ones (';') are syntax-checked
 * and counted. */
int ssdp_crypto_parse(const char *s, size_t len, ssdp_crypto_t *out, char *err);

/* Parse what the verifier's command line accepts: either a full attribute
 * value as above, or the same without the leading tag
 * ("AES_CM_128_HMAC_SHA1_80 inline:<base64>"), or "SUITE:inline:<base64>"
 * (no space, for files with whitespace-separated fields), optionally
 * prefixed with "a=crypto:". */
int ssdp_crypto_parse_arg(const char *s, size_t len, ssdp_crypto_t *out, char *err);

/* Write "SUITE inline:<base64 key||salt>" (no tag, no lifetime/MKI). */
int ssdp_crypto_format(const ssdp_crypto_t *c, char *out, size_t out_max);

/* ---- SDP ------------------------------------------------------------- */

typedef struct {
	char addr[SSDP_MAX_ADDR];   /* connection address (media c= over session c=) */
	int addr_family;            /* 4 or 6, 0 when no c= */
	unsigned port;              /* m=audio port */
	char proto[32];             /* m=audio transport, e.g. "RTP/SAVP" */
	unsigned rtcp_port;         /* a=rtcp:<port>, 0 = not given */
	int rtcp_mux;               /* a=rtcp-mux */
	int key_mgmt;               /* a=key-mgmt:... seen (session or media level) */
	char key_mgmt_proto[16];    /* e.g. "mikey" */
	int fingerprint;            /* a=fingerprint (DTLS-SRTP) seen */
	int direction;              /* 0 sendrecv, 1 sendonly, 2 recvonly, 3 inactive */
	unsigned n_crypto;
	ssdp_crypto_t crypto[SSDP_MAX_CRYPTO];
	unsigned n_crypto_bad;      /* a=crypto lines that failed to parse */
	unsigned n_audio;           /* m=audio sections seen (the first is used) */
} ssdp_media_t;

/* Parse an SDP body (LF or CRLF line ends) and fill *out from the session
 * level and the FIRST m=audio section. Unknown lines are skipped; a line
 * that does not have the "<letter>=" form is an error (RFC 4566 §5), as is
 * an SDP without an m=audio section. a=crypto lines that fail to parse are
 * counted in n_crypto_bad, not fatal (an SDES offer may carry suites we do
 * not know). */
int ssdp_sdp_parse(const char *sdp, size_t len, ssdp_media_t *out, char *err);

/* The a=crypto entry with this suite name (NULL = the first one). */
const ssdp_crypto_t *ssdp_sdp_crypto(const ssdp_media_t *m, const char *suite);

#endif
