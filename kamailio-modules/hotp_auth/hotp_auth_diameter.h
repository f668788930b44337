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

/* AVP codes (RFC 6733, RFC 4740) */
#define HA_AVP_USER_NAME 1
#define HA_AVP_SIP_AOR 122
#define HA_AVP_RESULT_CODE 268
#define HA_AVP_AUTH_APPLICATION_ID 258
#define HA_AVP_AUTH_SESSION_STATE 277
#define HA_AVP_DESTINATION_REALM 283
#define HA_AVP_SIP_VISITED_NETWORK_ID 386
#define HA_AVP_SIP_USER_AUTHORIZATION_TYPE 387

#define HA_NO_STATE_MAINTAINED 1

extern struct cdp_binds ha_cdp;

/* build a UAR for aor toward dest_realm; NULL on error (logged) */
AAAMessage *ha_build_uar(str *aor, str *dest_realm, str *visited_network);

/* Result-Code of an answer, or -1 if it has none */
int ha_result_code(AAAMessage *ans);

#endif
