/*
 * hotp_auth - Diameter SIP application (RFC 4740) message building over cdp
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see hotp_auth_mod.c).
 */

#include <arpa/inet.h>

#include "core/dprint.h"
#include "hotp_auth_diameter.h"

struct cdp_binds ha_cdp;

static int ha_add_avp(AAAMessage *m, int code, int flags, char *d, int len)
{
	AAA_AVP *avp;

	avp = ha_cdp.AAACreateAVP(code, flags, 0, d, len, AVP_DUPLICATE_DATA);
	if(!avp) {
		LM_ERR("cannot create AVP %d\n", code);
		return -1;
	}
	if(ha_cdp.AAAAddAVPToMessage(m, avp, m->avpList.tail) != AAA_ERR_SUCCESS) {
		LM_ERR("cannot add AVP %d\n", code);
		ha_cdp.AAAFreeAVP(&avp);
		return -1;
	}
	return 0;
}

static int ha_add_u32(AAAMessage *m, int code, uint32_t v)
{
	uint32_t n = htonl(v);
	return ha_add_avp(m, code, AAA_AVP_FLAG_MANDATORY, (char *)&n, 4);
}

AAAMessage *ha_build_uar(str *aor, str *dest_realm, str *visited_network)
{
	AAASession *session;
	AAAMessage *uar;

	/* cdp returns the session holding its hash lock: drop it right away
	 * (as ims_icscf does), the request keeps a copy of the Session-Id */
	session = ha_cdp.AAACreateSession(0);
	uar = ha_cdp.AAACreateRequest(HA_APP_SIP, HA_CMD_UAR, Flag_Proxyable, session);
	if(session)
		ha_cdp.AAADropSession(session);
	if(!uar) {
		LM_ERR("cannot create UAR\n");
		return NULL;
	}
	if(ha_add_avp(uar, HA_AVP_DESTINATION_REALM, AAA_AVP_FLAG_MANDATORY,
			   dest_realm->s, dest_realm->len) < 0
			|| ha_add_u32(uar, HA_AVP_AUTH_APPLICATION_ID, HA_APP_SIP) < 0
			|| ha_add_u32(uar, HA_AVP_AUTH_SESSION_STATE, HA_NO_STATE_MAINTAINED) < 0
			|| ha_add_avp(uar, HA_AVP_SIP_AOR, AAA_AVP_FLAG_MANDATORY, aor->s,
					   aor->len) < 0)
		goto error;
	if(visited_network && visited_network->len
			&& ha_add_avp(uar, HA_AVP_SIP_VISITED_NETWORK_ID,
					   AAA_AVP_FLAG_MANDATORY, visited_network->s,
					   visited_network->len) < 0)
		goto error;
	return uar;
error:
	ha_cdp.AAAFreeMessage(&uar);
	return NULL;
}

int ha_result_code(AAAMessage *ans)
{
	AAA_AVP *avp;

	avp = ha_cdp.AAAFindMatchingAVP(ans, 0, HA_AVP_RESULT_CODE, 0, 0);
	if(!avp || avp->data.len != 4)
		return -1;
	return (int)ntohl(*(uint32_t *)avp->data.s);
}
