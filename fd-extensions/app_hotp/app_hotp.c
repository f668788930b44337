/*
 * app_hotp - freeDiameter extension: RFC 4740 Diameter SIP application server
 * (Application-Id 6) validating HMAC one-time passwords (RFC 4226).
 *
 * Copyright (C) 2026 SeNEMO project. BSD-2-Clause (as freeDiameter).
 *
 * Load with, in freeDiameter.conf:
 *   LoadExtension = "dict_sip.fdx";
 *   LoadExtension = "/path/to/app_hotp.fdx" : "/path/to/app_hotp.conf";
 *
 * This file: configuration, dictionary look-ups, store, handler
 * registration. The handlers are in app_hotp_sip.c.
 */

#include "app_hotp.h"

struct ah_dict ah_dict;
struct app_hotp_conf ah_conf;
hotp_store *ah_store;
struct ah_stats ah_stats;
pthread_mutex_t ah_stats_lock = PTHREAD_MUTEX_INITIALIZER;

static struct disp_hdl *h_fallback, *h_uar, *h_mar;

/* any other command of application 6 (SAR, LIR, ...) */
static int ah_fallback_cb(struct msg **msg, struct avp *avp, struct session *sess,
		void *opaque, enum disp_action *act)
{
	fd_log_notice("app_hotp: unsupported SIP application command received");
	return ENOTSUP; /* the daemon answers DIAMETER_COMMAND_UNSUPPORTED */
}

#define AH_FIND_AVP(field, name)                                          \
	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_AVP, AVP_BY_NAME, \
			(name), &ah_dict.field, ENOENT))

static int ah_dict_init(void)
{
	struct dict_object *scheme_type;
	struct dict_enumval_data hotp_val = {"HOTP", {.u32 = AH_SCHEME_HOTP}};
	int ret;

	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_APPLICATION,
			APPLICATION_BY_NAME,
			"Diameter Session Initiation Protocol (SIP) Application",
			&ah_dict.app_sip, ENOENT));
	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_COMMAND, CMD_BY_NAME,
			"User-Authorization-Request", &ah_dict.cmd_uar, ENOENT));
	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_COMMAND, CMD_BY_NAME,
			"Multimedia-Auth-Request", &ah_dict.cmd_mar, ENOENT));
	AH_FIND_AVP(auth_app_id, "Auth-Application-Id");
	AH_FIND_AVP(auth_session_state, "Auth-Session-State");
	AH_FIND_AVP(user_name, "User-Name");
	AH_FIND_AVP(failed_avp, "Failed-AVP");
	AH_FIND_AVP(sip_aor, "SIP-AOR");
	AH_FIND_AVP(sip_method, "SIP-Method");
	AH_FIND_AVP(sip_uat, "SIP-User-Authorization-Type");
	AH_FIND_AVP(sip_auth_data_item, "SIP-Auth-Data-Item");
	AH_FIND_AVP(sip_auth_scheme, "SIP-Authentication-Scheme");
	AH_FIND_AVP(sip_authorization, "SIP-Authorization");
	AH_FIND_AVP(digest_username, "Digest-Username");
	AH_FIND_AVP(digest_realm, "Digest-Realm");
	AH_FIND_AVP(digest_response, "Digest-Response");

	/* register the HOTP value of SIP-Authentication-Scheme */
	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_TYPE, TYPE_BY_NAME,
			"Enumerated(SIP-Authentication-Scheme)", &scheme_type, ENOENT));
	ret = fd_dict_new(fd_g_config->cnf_dict, DICT_ENUMVAL, &hotp_val, scheme_type, NULL);
	if(ret != 0 && ret != EEXIST) {
		fd_log_error("app_hotp: cannot add HOTP to SIP-Authentication-Scheme: %s",
				strerror(ret));
		return ret;
	}
	return 0;
}

static int app_hotp_entry(char *conffile)
{
	struct disp_when when;
	hotp_params params;
	char err[256];
	hotp_err he;

	ahc_defaults(&ah_conf);
	if(conffile && ahc_load(conffile, &ah_conf, err, sizeof(err)) != 0) {
		fd_log_error("app_hotp: configuration %s: %s", conffile, err);
		return EINVAL;
	}
#ifndef APP_HOTP_WITH_PG
	if(ah_conf.pg_conninfo[0]) {
		fd_log_error("app_hotp: configuration %s: pg_conninfo: the PostgreSQL "
					 "store is not built into this app_hotp (libpq missing at build)",
				conffile);
		return ENOTSUP;
	}
#endif

	hotp_params_default(&params);
	params.window = ah_conf.window;
	params.resync_window = ah_conf.resync_window;
	params.lock_threshold = ah_conf.lockout_after;
	params.lock_base = ah_conf.lockout_base_s;
	params.lock_max = ah_conf.lockout_max_s;
	he = hotp_params_check(&params);
	if(he != HOTP_E_OK) {
		fd_log_error("app_hotp: configuration %s: %s", conffile, hotp_strerror(he));
		return EINVAL;
	}
#ifdef APP_HOTP_WITH_PG
	if(ah_conf.pg_conninfo[0]) {
		/* the conninfo may hold a password: never logged */
		he = hotp_store_open_pg(&ah_store, ah_conf.pg_conninfo);
		if(he != HOTP_E_OK) {
			fd_log_error("app_hotp: PostgreSQL store (pg_conninfo): %s", hotp_strerror(he));
			return EINVAL;
		}
	} else
#endif
	{
		he = hotp_store_open_sqlite(&ah_store, ah_conf.store);
		if(he != HOTP_E_OK) {
			fd_log_error("app_hotp: store %s: %s", ah_conf.store, hotp_strerror(he));
			return EINVAL;
		}
	}
	hotp_store_set_params(ah_store, &params);

	CHECK_FCT(ah_dict_init());

	memset(&when, 0, sizeof(when));
	when.app = ah_dict.app_sip;
	CHECK_FCT(fd_disp_register(ah_fallback_cb, DISP_HOW_APPID, &when, NULL, &h_fallback));
	when.command = ah_dict.cmd_uar;
	CHECK_FCT(fd_disp_register(ah_uar_cb, DISP_HOW_CC, &when, NULL, &h_uar));
	when.command = ah_dict.cmd_mar;
	CHECK_FCT(fd_disp_register(ah_mar_cb, DISP_HOW_CC, &when, NULL, &h_mar));

	/* advertise application 6 (auth) in CER/CEA */
	CHECK_FCT(fd_disp_app_support(ah_dict.app_sip, NULL, 1, 0));
	fd_log_notice("app_hotp: RFC 4740 server ready (UAR, MAR); store %s, window %d",
			ah_conf.pg_conninfo[0] ? "PostgreSQL" : ah_conf.store, ah_conf.window);
	return 0;
}

void fd_ext_fini(void)
{
	if(h_mar)
		(void)fd_disp_unregister(&h_mar, NULL);
	if(h_uar)
		(void)fd_disp_unregister(&h_uar, NULL);
	if(h_fallback)
		(void)fd_disp_unregister(&h_fallback, NULL);
	if(ah_store)
		hotp_store_close(ah_store);
	ah_store = NULL;
	/* drops the per-thread MAC contexts' key before this .fdx is unloaded */
	hotp_global_cleanup();
	fd_log_notice("app_hotp: UAR %llu (unknown %llu), MAR %llu (ok %llu, rejected %llu, "
				  "unknown %llu), malformed %llu, store errors %llu",
			ah_stats.uar, ah_stats.uar_unknown, ah_stats.mar, ah_stats.mar_ok,
			ah_stats.mar_rejected, ah_stats.mar_unknown, ah_stats.malformed,
			ah_stats.store_errors);
}

EXTENSION_ENTRY("app_hotp", app_hotp_entry, "dict_sip");
