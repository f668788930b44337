/*
 * hotp_cred - parser of the SeNEMO HOTP credential (plain C, no Kamailio
 * dependency; unit-tested and fuzzed on its own)
 *
 *   Authorization: HOTP username="mn-1", realm="vpn.example.com", otp="123456"
 *   Proxy-Authorization: HOTP username="mn-1", realm="vpn.example.com",
 *                        otp="12345678", counter="42"
 *
 * Syntax (RFC 7235 credentials with auth-params, SIP LWS allowed):
 *   credentials = "HOTP" 1*LWS [ #auth-param ]      ; scheme case-insensitive
 *   auth-param  = token BWS "=" BWS ( token / quoted-string )
 * Parameter names are case-insensitive; unknown parameters are ignored;
 * empty list elements (", ,") are accepted as RFC 7230 #rule requires.
 *   username  1..64 chars of RFC 3261 `user` (unreserved / user-unreserved /
 *             escaped "%" HEX HEX), kept as written (escapes not decoded)
 *   realm     hostname, 1..253 chars, labels 1..63 of alnum and '-'
 *   otp       6..8 ASCII digits
 *   counter   optional, decimal, <= 2^63-1 (the client's counter hint)
 * Limits: value at most HC_MAX_HEADER bytes, at most HC_MAX_PARAMS
 * parameters, no parameter twice.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see hotp_auth_mod.c).
 */

#ifndef _HOTP_CRED_H_
#define _HOTP_CRED_H_

#include <stddef.h>
#include <stdint.h>

#define HC_MAX_HEADER 1024
#define HC_MAX_PARAMS 16
#define HC_USERNAME_MAX 64
#define HC_REALM_MAX 253
#define HC_OTP_MIN 6
#define HC_OTP_MAX 8
#define HC_ERR_MAX 96

/* Results of hc_parse(). HC_OK and HC_NOT_HOTP are not errors; every error
 * has its own negative code. */
typedef enum hc_status {
	HC_OK = 0,
	HC_NOT_HOTP = 1, /* a valid scheme token other than HOTP (e.g. Digest) */

	HC_E_ARG = -1,              /* NULL argument */
	HC_E_EMPTY = -2,            /* credentials: empty */
	HC_E_TOO_LONG = -3,         /* header: longer than 1024 bytes */
	HC_E_NUL = -4,              /* header: NUL byte */
	HC_E_CTL = -5,              /* <where>: control character */
	HC_E_SCHEME = -6,           /* scheme: not a token / no space after it */
	HC_E_PARAM_NAME = -7,       /* params: expected a parameter name */
	HC_E_PARAM_EQ = -8,         /* <name>: expected '=' */
	HC_E_PARAM_VALUE = -9,      /* <name>: expected a token or quoted-string */
	HC_E_PARAM_SEP = -10,       /* <name>: expected ',' after the value */
	HC_E_QUOTE = -11,           /* <name>: unterminated quoted-string */
	HC_E_ESCAPE = -12,          /* <name>: bad quoted-pair */
	HC_E_TOO_MANY = -13,        /* params: more than 16 */
	HC_E_DUPLICATE = -14,       /* <name>: duplicate parameter */
	HC_E_USERNAME_MISSING = -15,
	HC_E_USERNAME_EMPTY = -16,
	HC_E_USERNAME_LONG = -17,
	HC_E_USERNAME_CHAR = -18,
	HC_E_REALM_MISSING = -19,
	HC_E_REALM_EMPTY = -20,
	HC_E_REALM_LONG = -21,
	HC_E_REALM_INVALID = -22,
	HC_E_OTP_MISSING = -23,
	HC_E_OTP_INVALID = -24,
	HC_E_COUNTER_INVALID = -25,
	HC_E_COUNTER_RANGE = -26,
} hc_status_t;

#define HC_E_LAST HC_E_COUNTER_RANGE

typedef struct hc_cred {
	char username[HC_USERNAME_MAX + 1];
	size_t username_len;
	char realm[HC_REALM_MAX + 1];
	size_t realm_len;
	char otp[HC_OTP_MAX + 1];
	size_t otp_len;
	int has_counter;
	uint64_t counter; /* valid when has_counter; <= INT64_MAX */
	int nparams;      /* parameters seen (known and unknown) */
	/* on error: short text naming the field, e.g. "otp: not 6-8 digits";
	 * safe inside a SIP quoted-string (no '"', '\\' or control chars) */
	char error[HC_ERR_MAX];
} hc_cred_t;

/* Parse one Authorization / Proxy-Authorization header field value (without
 * the header name). buf need not be NUL-terminated; embedded NUL bytes are
 * rejected. Returns HC_OK (cred filled), HC_NOT_HOTP, or a negative
 * hc_status_t with cred->error set. */
int hc_parse(const char *buf, size_t len, hc_cred_t *cred);

/* Generic text of a status code (never NULL). */
const char *hc_strerror(int code);

/* 1 if s[0..len) is a valid username / realm / otp as defined above */
int hc_valid_username(const char *s, size_t len);
int hc_valid_realm(const char *s, size_t len);
int hc_valid_otp(const char *s, size_t len);

#endif
