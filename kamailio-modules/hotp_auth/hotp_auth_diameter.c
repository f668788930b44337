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

static AAA_AVP *ha_new_avp(int code, char *d, int len, AVPDataStatus st)
{
	AAA_AVP *avp;

	avp = ha_cdp.AAACreateAVP(code, AAA_AVP_FLAG_MANDATORY, 0, d, len, st);
	if(!avp)
		LM_ERR("cannot create AVP %d\n", code);
	return avp;
}

static int ha_add_avp(AAAMessage *m, int code, char *d, int len)
{
	AAA_AVP *avp;

	avp = ha_new_avp(code, d, len, AVP_DUPLICATE_DATA);
	if(!avp)
		return -1;
	if(ha_cdp.AAAAddAVPToMessage(m, avp, m->avpList.tail) != AAA_ERR_SUCCESS) {
		LM_ERR("cannot add AVP %d\n", code);
		ha_cdp.AAAFreeAVP(&avp);
		return -1;
	}
	return 0;
}

static int ha_add_str(AAAMessage *m, int code, str *s)
{
	return ha_add_avp(m, code, s->s, s->len);
}

static int ha_add_u32(AAAMessage *m, int code, uint32_t v)
{
	uint32_t n = htonl(v);
	return ha_add_avp(m, code, (char *)&n, 4);
}

static int ha_list_str(AAA_AVP_LIST *l, int code, str *s)
{
	AAA_AVP *avp = ha_new_avp(code, s->s, s->len, AVP_DUPLICATE_DATA);
	if(!avp)
		return -1;
	ha_cdp.AAAAddAVPToList(l, avp);
	return 0;
}

static int ha_list_u32(AAA_AVP_LIST *l, int code, uint32_t v)
{
	uint32_t n = htonl(v);
	AAA_AVP *avp = ha_new_avp(code, (char *)&n, 4, AVP_DUPLICATE_DATA);
	if(!avp)
		return -1;
	ha_cdp.AAAAddAVPToList(l, avp);
	return 0;
}

/* encode list into one grouped AVP of code; list is freed either way */
static AAA_AVP *ha_group(AAA_AVP_LIST *l, int code)
{
	str g;
	AAA_AVP *avp;

	g = ha_cdp.AAAGroupAVPS(*l);
	ha_cdp.AAAFreeAVPList(l);
	if(!g.s || g.len <= 0) {
		LM_ERR("cannot group AVPs into %d\n", code);
		return NULL;
	}
	/* the grouped payload (shm) now belongs to the AVP */
	avp = ha_new_avp(code, g.s, g.len, AVP_FREE_DATA);
	if(!avp)
		shm_free(g.s);
	return avp;
}

/* cdp returns the session holding its hash lock: drop it right away (as
 * ims_icscf does); the request keeps a copy of the Session-Id */
static AAAMessage *ha_new_request(int cmd)
{
	AAASession *session;
	AAAMessage *m;

	session = ha_cdp.AAACreateSession(0);
	m = ha_cdp.AAACreateRequest(HA_APP_SIP, cmd, Flag_Proxyable, session);
	if(session)
		ha_cdp.AAADropSession(session);
	if(!m)
		LM_ERR("cannot create Diameter request %d\n", cmd);
	return m;
}

static int ha_add_common(AAAMessage *m, str *dest_realm, str *aor)
{
	if(ha_add_u32(m, HA_AVP_AUTH_APPLICATION_ID, HA_APP_SIP) < 0
			|| ha_add_u32(m, HA_AVP_AUTH_SESSION_STATE, HA_NO_STATE_MAINTAINED) < 0
			|| ha_add_str(m, HA_AVP_DESTINATION_REALM, dest_realm) < 0
			|| ha_add_str(m, HA_AVP_SIP_AOR, aor) < 0)
		return -1;
	return 0;
}

AAAMessage *ha_build_uar(str *aor, str *dest_realm, str *user_name, int uat)
{
	AAAMessage *uar;

	uar = ha_new_request(HA_CMD_UAR);
	if(!uar)
		return NULL;
	if(ha_add_common(uar, dest_realm, aor) < 0)
		goto error;
	if(user_name && user_name->len > 0
			&& ha_add_str(uar, HA_AVP_USER_NAME, user_name) < 0)
		goto error;
	if(uat >= 0 && ha_add_u32(uar, HA_AVP_SIP_USER_AUTHORIZATION_TYPE, uat) < 0)
		goto error;
	return uar;
error:
	ha_cdp.AAAFreeMessage(&uar);
	return NULL;
}

AAAMessage *ha_build_mar(ha_diam_req_t *r, str *dest_realm)
{
	AAAMessage *mar;
	AAA_AVP_LIST l;
	AAA_AVP *authz, *item;

	mar = ha_new_request(HA_CMD_MAR);
	if(!mar)
		return NULL;
	if(ha_add_common(mar, dest_realm, &r->aor) < 0
			|| ha_add_str(mar, HA_AVP_SIP_METHOD, &r->method) < 0
			|| ha_add_str(mar, HA_AVP_USER_NAME, &r->user_name) < 0
			|| ha_add_u32(mar, HA_AVP_SIP_NUMBER_AUTH_ITEMS, 1) < 0)
		goto error;

	/* SIP-Authorization { Digest-Username, Digest-Realm, Digest-Nonce,
	 * Digest-URI, Digest-Response, Digest-Method } */
	l.head = l.tail = 0;
	if(ha_list_str(&l, HA_AVP_DIGEST_USERNAME, &r->username) < 0
			|| ha_list_str(&l, HA_AVP_DIGEST_REALM, &r->realm) < 0
			|| ha_list_str(&l, HA_AVP_DIGEST_NONCE, &r->nonce) < 0
			|| ha_list_str(&l, HA_AVP_DIGEST_URI, &r->uri) < 0
			|| ha_list_str(&l, HA_AVP_DIGEST_RESPONSE, &r->otp) < 0
			|| ha_list_str(&l, HA_AVP_DIGEST_METHOD, &r->method) < 0) {
		ha_cdp.AAAFreeAVPList(&l);
		goto error;
	}
	authz = ha_group(&l, HA_AVP_SIP_AUTHORIZATION);
	if(!authz)
		goto error;

	/* SIP-Auth-Data-Item { SIP-Authentication-Scheme, SIP-Authorization } */
	l.head = l.tail = 0;
	if(ha_list_u32(&l, HA_AVP_SIP_AUTHENTICATION_SCHEME, HA_AUTH_SCHEME_HOTP) < 0) {
		ha_cdp.AAAFreeAVP(&authz);
		ha_cdp.AAAFreeAVPList(&l);
		goto error;
	}
	ha_cdp.AAAAddAVPToList(&l, authz);
	item = ha_group(&l, HA_AVP_SIP_AUTH_DATA_ITEM);
	if(!item)
		goto error;
	if(ha_cdp.AAAAddAVPToMessage(mar, item, mar->avpList.tail) != AAA_ERR_SUCCESS) {
		LM_ERR("cannot add SIP-Auth-Data-Item\n");
		ha_cdp.AAAFreeAVP(&item);
		goto error;
	}
	return mar;
error:
	ha_cdp.AAAFreeMessage(&mar);
	return NULL;
}

int ha_result_code(AAAMessage *ans)
{
	AAA_AVP *avp, *c;
	AAA_AVP_LIST l;
	int rc = -1;

	avp = ha_cdp.AAAFindMatchingAVP(ans, 0, HA_AVP_RESULT_CODE, 0, 0);
	if(avp && avp->data.len == 4)
		return (int)ntohl(*(uint32_t *)avp->data.s);
	avp = ha_cdp.AAAFindMatchingAVP(ans, 0, HA_AVP_EXPERIMENTAL_RESULT, 0, 0);
	if(!avp)
		return -1;
	l = ha_cdp.AAAUngroupAVPS(avp->data);
	c = ha_cdp.AAAFindMatchingAVPList(l, 0, HA_AVP_EXPERIMENTAL_RESULT_CODE, 0, 0);
	if(c && c->data.len == 4)
		rc = (int)ntohl(*(uint32_t *)c->data.s);
	ha_cdp.AAAFreeAVPList(&l);
	return rc;
}

str ha_error_message(AAAMessage *ans)
{
	AAA_AVP *avp;
	str s = {0, 0};

	avp = ha_cdp.AAAFindMatchingAVP(ans, 0, HA_AVP_ERROR_MESSAGE, 0, 0);
	if(avp && avp->data.s && avp->data.len > 0)
		s = avp->data;
	return s;
}
