/*
 * hotp_auth - Diameter SIP application (RFC 4740) message building over cdp
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see hotp_auth_mod.c).
 */

#ifndef _HOTP_AUTH_DIAMETER_H_
#define _HOTP_AUTH_DIAMETER_H_

#include "core/str.h"
#include "modules/cdp/cdp_load.h"

/* RFC 4740 Diameter SIP application */
#define HA_APP_SIP 6
#define HA_CMD_UAR 283
#define HA_CMD_MAR 286

/* AVP codes (RFC 6733, RFC 4590, RFC 4740); all vendor 0 */
#define HA_AVP_USER_NAME 1
#define HA_AVP_DIGEST_RESPONSE 103
#define HA_AVP_DIGEST_REALM 104
#define HA_AVP_DIGEST_NONCE 105
#define HA_AVP_DIGEST_METHOD 108
#define HA_AVP_DIGEST_URI 109
#define HA_AVP_DIGEST_USERNAME 115
#define HA_AVP_SIP_AOR 122
#define HA_AVP_AUTH_APPLICATION_ID 258
#define HA_AVP_RESULT_CODE 268
#define HA_AVP_AUTH_SESSION_STATE 277
#define HA_AVP_ERROR_MESSAGE 281
#define HA_AVP_DESTINATION_REALM 283
#define HA_AVP_EXPERIMENTAL_RESULT 297
#define HA_AVP_EXPERIMENTAL_RESULT_CODE 298
#define HA_AVP_SIP_AUTH_DATA_ITEM 376
#define HA_AVP_SIP_AUTHENTICATION_SCHEME 377
#define HA_AVP_SIP_AUTHORIZATION 380
#define HA_AVP_SIP_NUMBER_AUTH_ITEMS 382
#define HA_AVP_SIP_VISITED_NETWORK_ID 386
#define HA_AVP_SIP_USER_AUTHORIZATION_TYPE 387
#define HA_AVP_SIP_METHOD 393

#define HA_NO_STATE_MAINTAINED 1
#define HA_UAT_REGISTRATION 0
#define HA_UAT_DEREGISTRATION 1
/* SIP-Authentication-Scheme: 0 is DIGEST (RFC 4740); 1 = HOTP is the value
 * SeNEMO's app_hotp adds to the dictionary */
#define HA_AUTH_SCHEME_HOTP 1

/* Result-Code values */
#define HA_RC_SUCCESS 2001
#define HA_RC_FIRST_REGISTRATION 2003
#define HA_RC_SUBSEQUENT_REGISTRATION 2004
#define HA_RC_AUTHENTICATION_REJECTED 4001
#define HA_RC_AUTHORIZATION_REJECTED 5003
#define HA_RC_INVALID_AVP_VALUE 5004
#define HA_RC_USER_UNKNOWN 5032
#define HA_RC_IDENTITIES_DONT_MATCH 5033
#define HA_RC_IDENTITY_NOT_REGISTERED 5034
#define HA_RC_ROAMING_NOT_ALLOWED 5035
#define HA_RC_AUTH_SCHEME_NOT_SUPPORTED 5037

extern struct cdp_binds ha_cdp;

/* What the Diameter requests carry; every str must be non-empty except
 * the optional ones. */
typedef struct ha_diam_req {
	str aor;        /* SIP-AOR: sip:<username>@<realm> */
	str user_name;  /* User-Name: <username>@<realm> */
	str username;   /* Digest-Username */
	str realm;      /* Digest-Realm */
	str nonce;      /* Digest-Nonce: "c=<counter>" or "c=-" */
	str uri;        /* Digest-URI: the Request-URI */
	str otp;        /* Digest-Response */
	str method;     /* SIP-Method, Digest-Method */
	int uat;        /* SIP-User-Authorization-Type for UAR */
} ha_diam_req_t;

/* build a UAR (RPC diagnostics form: SIP-AOR only; user_name/uat optional:
 * user_name NULL or empty and uat < 0 leave them out); NULL on error */
AAAMessage *ha_build_uar(str *aor, str *dest_realm, str *user_name, int uat);

/* build a MAR carrying the HOTP credential; NULL on error */
AAAMessage *ha_build_mar(ha_diam_req_t *r, str *dest_realm);

/* Result-Code of an answer (or Experimental-Result-Code when there is no
 * Result-Code), or -1 if it has none */
int ha_result_code(AAAMessage *ans);

/* Error-Message AVP of an answer, {0,0} if none (points into ans) */
str ha_error_message(AAAMessage *ans);

#endif
