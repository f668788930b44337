/*
 * app_hotp - freeDiameter extension: RFC 4740 Diameter SIP application server
 * (Application-Id 6) validating HMAC one-time passwords (RFC 4226).
 *
 * Copyright (C) 2026 SeNEMO project. BSD-2-Clause (as freeDiameter).
 *
 * Load with, in freeDiameter.conf:
 *   LoadExtension = "dict_sip.fdx";
 *   LoadExtension = "/path/to/app_hotp.fdx" : "/path/to/app_hotp.conf";
 */

#include <freeDiameter/extension.h>

#include "app_hotp_conf.h"

/* dictionary objects, looked up once at load */
static struct dict_object *d_app_sip;
static struct dict_object *d_cmd_uar;
static struct dict_object *d_avp_sip_aor;
static struct dict_object *d_avp_auth_app_id;
static struct dict_object *d_avp_auth_session_state;

static struct disp_hdl *h_fallback;
static struct disp_hdl *h_uar;

static struct app_hotp_conf ah_conf;

/* counters, printed at shutdown */
static pthread_mutex_t ah_stats_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long ah_uar_count, ah_error_count;

static int ah_add_u32(struct msg *ans, struct dict_object *model, uint32_t v)
{
	struct avp *avp = NULL;
	union avp_value val;

	val.u32 = v;
	CHECK_FCT(fd_msg_avp_new(model, 0, &avp));
	CHECK_FCT(fd_msg_avp_setvalue(avp, &val));
	CHECK_FCT(fd_msg_avp_add(ans, MSG_BRW_LAST_CHILD, avp));
	return 0;
}

/* SIP-AOR must be a sip: or sips: URI */
static int ah_aor_ok(const uint8_t *s, size_t len)
{
	size_t i;

	if(len < 5 || len > 256)
		return 0;
	if(!(len > 4 && memcmp(s, "sip:", 4) == 0) && !(len > 5 && memcmp(s, "sips:", 5) == 0))
		return 0;
	for(i = 0; i < len; i++)
		if(s[i] <= ' ' || s[i] >= 0x7f)
			return 0;
	return 1;
}

/* User-Authorization-Request */
static int ah_uar_cb(struct msg **msg, struct avp *avp, struct session *sess,
		void *opaque, enum disp_action *act)
{
	struct msg *qry, *ans;
	struct avp *a_aor = NULL;
	struct avp_hdr *h = NULL;
	char *rescode = "DIAMETER_ERROR_USER_UNKNOWN";
	char *errmsg = NULL;
	struct avp *failed = NULL;

	if(msg == NULL)
		return EINVAL;
	qry = *msg;
	CHECK_FCT(fd_msg_search_avp(qry, d_avp_sip_aor, &a_aor));
	if(a_aor)
		CHECK_FCT(fd_msg_avp_hdr(a_aor, &h));

	CHECK_FCT(fd_msg_new_answer_from_req(fd_g_config->cnf_dict, msg, 0));
	ans = *msg;

	if(!h || !h->avp_value || !ah_aor_ok(h->avp_value->os.data, h->avp_value->os.len)) {
		rescode = "DIAMETER_INVALID_AVP_VALUE";
		errmsg = "SIP-AOR is not a sip: or sips: URI";
		failed = a_aor;
	}
	/* The user store is consulted here once provisioning exists; until then
	 * no AoR is known to this server. */

	CHECK_FCT(ah_add_u32(ans, d_avp_auth_app_id, 6));
	CHECK_FCT(ah_add_u32(ans, d_avp_auth_session_state, 1 /* NO_STATE_MAINTAINED */));
	CHECK_FCT(fd_msg_rescode_set(ans, rescode, errmsg, failed, 1));
	CHECK_FCT(fd_msg_send(msg, NULL, NULL));

	CHECK_POSIX_DO(pthread_mutex_lock(&ah_stats_lock), );
	ah_uar_count++;
	if(failed)
		ah_error_count++;
	CHECK_POSIX_DO(pthread_mutex_unlock(&ah_stats_lock), );
	return 0;
}

/* any other command of application 6 */
static int ah_fallback_cb(struct msg **msg, struct avp *avp, struct session *sess,
		void *opaque, enum disp_action *act)
{
	fd_log_notice("app_hotp: unsupported SIP application command received");
	return ENOTSUP; /* the daemon answers DIAMETER_COMMAND_UNSUPPORTED */
}

static int ah_dict_init(void)
{
	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_APPLICATION,
			APPLICATION_BY_NAME, "Diameter Session Initiation Protocol (SIP) Application",
			&d_app_sip, ENOENT));
	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_COMMAND, CMD_BY_NAME,
			"User-Authorization-Request", &d_cmd_uar, ENOENT));
	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_AVP, AVP_BY_NAME,
			"SIP-AOR", &d_avp_sip_aor, ENOENT));
	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_AVP, AVP_BY_NAME,
			"Auth-Application-Id", &d_avp_auth_app_id, ENOENT));
	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_AVP, AVP_BY_NAME,
			"Auth-Session-State", &d_avp_auth_session_state, ENOENT));
	return 0;
}

static int app_hotp_entry(char *conffile)
{
	struct disp_when when;
	char err[256];

	ahc_defaults(&ah_conf);
	if(conffile && ahc_load(conffile, &ah_conf, err, sizeof(err)) != 0) {
		fd_log_error("app_hotp: configuration %s: %s", conffile, err);
		return EINVAL;
	}
	CHECK_FCT(ah_dict_init());

	memset(&when, 0, sizeof(when));
	when.app = d_app_sip;
	CHECK_FCT(fd_disp_register(ah_fallback_cb, DISP_HOW_APPID, &when, NULL, &h_fallback));
	when.command = d_cmd_uar;
	CHECK_FCT(fd_disp_register(ah_uar_cb, DISP_HOW_CC, &when, NULL, &h_uar));

	/* advertise application 6 (auth) in CER/CEA */
	CHECK_FCT(fd_disp_app_support(d_app_sip, NULL, 1, 0));
	fd_log_notice("app_hotp: RFC 4740 server ready (window %d)", ah_conf.window);
	return 0;
}

void fd_ext_fini(void)
{
	if(h_uar)
		(void)fd_disp_unregister(&h_uar, NULL);
	if(h_fallback)
		(void)fd_disp_unregister(&h_fallback, NULL);
	fd_log_notice("app_hotp: %llu UAR answered, %llu malformed", ah_uar_count,
			ah_error_count);
}

EXTENSION_ENTRY("app_hotp", app_hotp_entry, "dict_sip");
