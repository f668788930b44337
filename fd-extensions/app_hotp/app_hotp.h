/*
 * app_hotp - freeDiameter RFC 4740 server with HOTP validation: shared state
 *
 * Copyright (C) 2026 SeNEMO project. BSD-2-Clause (as freeDiameter).
 */

#ifndef APP_HOTP_H
#define APP_HOTP_H

#include <freeDiameter/extension.h>

#include "app_hotp_conf.h"
#include "hotp_store.h"

/* SIP-Authentication-Scheme value of the HOTP credential. RFC 4740 defines
 * only DIGEST (0); app_hotp adds HOTP (1) to dict_sip's enumeration at load.
 * See README.md, "Diameter encoding of the HOTP credential". */
#define AH_SCHEME_HOTP 1

/* SIP-User-Authorization-Type (RFC 4740 9.10) */
#define AH_UAT_REGISTRATION 0
#define AH_UAT_DE_REGISTRATION 1
#define AH_UAT_REGISTRATION_AND_CAPABILITIES 2

/* dictionary objects, looked up once at load */
struct ah_dict {
	struct dict_object *app_sip;
	struct dict_object *cmd_uar, *cmd_mar;
	struct dict_object *auth_app_id, *auth_session_state, *user_name, *failed_avp;
	struct dict_object *sip_aor, *sip_method, *sip_uat;
	struct dict_object *sip_auth_data_item, *sip_auth_scheme, *sip_authorization;
	struct dict_object *digest_username, *digest_realm, *digest_response;
};

extern struct ah_dict ah_dict;
extern struct app_hotp_conf ah_conf;
extern hotp_store *ah_store;

/* counters (under ah_stats_lock), logged at shutdown */
struct ah_stats {
	unsigned long long uar, uar_unknown, mar, mar_ok, mar_rejected, mar_unknown,
			malformed, store_errors;
};
extern struct ah_stats ah_stats;
extern pthread_mutex_t ah_stats_lock;

/* app_hotp_sip.c: the request handlers */
int ah_uar_cb(struct msg **msg, struct avp *avp, struct session *sess, void *opaque,
		enum disp_action *act);
int ah_mar_cb(struct msg **msg, struct avp *avp, struct session *sess, void *opaque,
		enum disp_action *act);

#endif
