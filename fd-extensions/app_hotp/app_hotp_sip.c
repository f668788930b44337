/*
 * app_hotp - the RFC 4740 request handlers: UAR -> UAA and MAR -> MAA
 *
 * Copyright (C) 2026 SeNEMO project. BSD-2-Clause (as freeDiameter).
 *
 * freeDiameter has already checked each request against dict_sip's rules
 * (required AVPs present, counts, grouped contents) before it reaches a
 * handler; what is left to check here is what the dictionary cannot know:
 * URI syntax, identities that must agree, the OTP itself.
 *
 * Handlers run on several freeDiameter threads at once; the only shared
 * state is the store (thread-safe, atomic compare-and-set on the counter)
 * and the counters (ah_stats_lock).
 */

#include <time.h>

#include "app_hotp.h"

#define STAT_INC(field)                                   \
	do {                                                  \
		CHECK_POSIX_DO(pthread_mutex_lock(&ah_stats_lock), ); \
		ah_stats.field++;                                 \
		CHECK_POSIX_DO(pthread_mutex_unlock(&ah_stats_lock), ); \
	} while(0)

struct ah_os {
	const uint8_t *s;
	size_t len;
};

/* octet-string / UTF8String value of an AVP (len 0 when absent) */
static int ah_os(struct avp *avp, struct ah_os *out)
{
	struct avp_hdr *h = NULL;

	out->s = NULL;
	out->len = 0;
	if(!avp)
		return 0;
	CHECK_FCT(fd_msg_avp_hdr(avp, &h));
	if(h->avp_value) {
		out->s = h->avp_value->os.data;
		out->len = h->avp_value->os.len;
	}
	return 0;
}

static int ah_u32(struct avp *avp, uint32_t *v)
{
	struct avp_hdr *h = NULL;

	CHECK_FCT(fd_msg_avp_hdr(avp, &h));
	if(!h->avp_value)
		return EINVAL;
	*v = h->avp_value->u32;
	return 0;
}

/* first direct child of a grouped AVP whose model is `what`, or NULL */
static int ah_child(struct avp *grouped, struct dict_object *what, struct avp **found)
{
	struct avp *c = NULL;
	struct dict_object *model = NULL;

	*found = NULL;
	CHECK_FCT(fd_msg_browse(grouped, MSG_BRW_FIRST_CHILD, &c, NULL));
	while(c) {
		CHECK_FCT(fd_msg_model(c, &model));
		if(model == what) {
			*found = c;
			return 0;
		}
		CHECK_FCT(fd_msg_browse(c, MSG_BRW_NEXT, &c, NULL));
	}
	return 0;
}

static int ah_add_u32(msg_or_avp *parent, struct dict_object *model, uint32_t v)
{
	struct avp *avp = NULL;
	union avp_value val;

	memset(&val, 0, sizeof(val));
	val.u32 = v;
	CHECK_FCT(fd_msg_avp_new(model, 0, &avp));
	CHECK_FCT(fd_msg_avp_setvalue(avp, &val));
	CHECK_FCT(fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, avp));
	return 0;
}

/* "sip:" or "sips:" prefix length of an AoR, 0 if neither */
static size_t ah_scheme_len(const struct ah_os *aor)
{
	if(aor->len > 4 && memcmp(aor->s, "sip:", 4) == 0)
		return 4;
	if(aor->len > 5 && memcmp(aor->s, "sips:", 5) == 0)
		return 5;
	return 0;
}

/* SIP-AOR: sip:/sips: URI, user@host, characters hotp_aor_check accepts */
static int ah_aor_valid(const struct ah_os *aor)
{
	size_t sl = ah_scheme_len(aor);

	if(!sl || hotp_aor_check((const char *)aor->s, aor->len) != HOTP_E_OK)
		return 0;
	return memchr(aor->s + sl, '@', aor->len - sl) != NULL;
}

/* the AoR's domain is the configured realm (when one is configured) */
static int ah_realm_ok(const struct ah_os *aor)
{
	const uint8_t *at;
	size_t rl = strlen(ah_conf.realm), dl;

	if(rl == 0)
		return 1;
	at = memchr(aor->s, '@', aor->len);
	if(!at)
		return 0;
	dl = aor->len - (size_t)(at + 1 - aor->s);
	return dl == rl && strncasecmp((const char *)at + 1, ah_conf.realm, rl) == 0;
}

/* "user@host" equals the AoR without its scheme */
static int ah_user_matches_aor(const struct ah_os *user, const struct ah_os *aor)
{
	size_t sl = ah_scheme_len(aor);

	return sl && user->len == aor->len - sl && memcmp(user->s, aor->s + sl, user->len) == 0;
}

/* "user" + "@" + "realm" equals the AoR without its scheme */
static int ah_digest_matches_aor(const struct ah_os *user, const struct ah_os *realm,
		const struct ah_os *aor)
{
	size_t sl = ah_scheme_len(aor);

	return sl && user->len + 1 + realm->len == aor->len - sl
		   && memcmp(aor->s + sl, user->s, user->len) == 0
		   && aor->s[sl + user->len] == '@'
		   && memcmp(aor->s + sl + user->len + 1, realm->s, realm->len) == 0;
}

/* copy an AoR into a NUL-terminated buffer (already validated: no NUL) */
static void ah_cstr(const struct ah_os *v, char *buf, size_t cap)
{
	size_t n = v->len < cap - 1 ? v->len : cap - 1;

	memcpy(buf, v->s, n);
	buf[n] = 0;
}

/* common tail: Auth-Application-Id, Auth-Session-State, Result-Code,
 * Origin-Host/Realm (and Error-Message / Failed-AVP), then send.
 * `failed` is an AVP of the request (copied into Failed-AVP by freeDiameter);
 * `example` a grouped example of a missing AVP, moved into a Failed-AVP built
 * here (fd_msg_rescode_set would copy a grouped AVP without its children). */
static int ah_answer(struct msg **msg, char *rescode, char *errmsg, struct avp *failed,
		struct avp *example)
{
	struct msg *ans = *msg;
	struct avp *favp = NULL;

	CHECK_FCT(ah_add_u32(ans, ah_dict.auth_app_id, 6));
	CHECK_FCT(ah_add_u32(ans, ah_dict.auth_session_state, 1 /* NO_STATE_MAINTAINED */));
	CHECK_FCT(fd_msg_rescode_set(ans, rescode, errmsg, failed, 1));
	if(example) {
		CHECK_FCT(fd_msg_avp_new(ah_dict.failed_avp, 0, &favp));
		CHECK_FCT(fd_msg_avp_add(favp, MSG_BRW_LAST_CHILD, example));
		CHECK_FCT(fd_msg_avp_add(ans, MSG_BRW_LAST_CHILD, favp));
	}
	CHECK_FCT(fd_msg_send(msg, NULL, NULL));
	return 0;
}

/* ---- UAR ---------------------------------------------------------------- */

int ah_uar_cb(struct msg **msg, struct avp *avp, struct session *sess, void *opaque,
		enum disp_action *act)
{
	struct msg *qry;
	struct avp *a_aor = NULL, *a_user = NULL, *a_uat = NULL;
	struct ah_os aor, user;
	uint32_t uat = AH_UAT_REGISTRATION;
	char aor_c[HOTP_AOR_MAX + 1], *rescode, *errmsg = NULL;
	struct avp *failed = NULL;
	hotp_user u;
	hotp_err he;
	int registered;

	if(msg == NULL)
		return EINVAL;
	qry = *msg;
	CHECK_FCT(fd_msg_search_avp(qry, ah_dict.sip_aor, &a_aor));
	CHECK_FCT(fd_msg_search_avp(qry, ah_dict.user_name, &a_user));
	CHECK_FCT(fd_msg_search_avp(qry, ah_dict.sip_uat, &a_uat));
	CHECK_FCT(ah_os(a_aor, &aor));
	CHECK_FCT(ah_os(a_user, &user));
	if(a_uat)
		CHECK_FCT(ah_u32(a_uat, &uat));
	CHECK_FCT(fd_msg_new_answer_from_req(fd_g_config->cnf_dict, msg, 0));
	STAT_INC(uar);

	if(!ah_aor_valid(&aor)) {
		rescode = "DIAMETER_INVALID_AVP_VALUE";
		errmsg = "SIP-AOR is not a sip:/sips: user@host URI";
		failed = a_aor;
		STAT_INC(malformed);
		goto answer;
	}
	if(uat > AH_UAT_REGISTRATION_AND_CAPABILITIES) {
		rescode = "DIAMETER_INVALID_AVP_VALUE";
		errmsg = "SIP-User-Authorization-Type out of range";
		failed = a_uat;
		STAT_INC(malformed);
		goto answer;
	}
	if(a_user && !ah_user_matches_aor(&user, &aor)) {
		rescode = "DIAMETER_ERROR_IDENTITIES_DONT_MATCH";
		errmsg = "User-Name does not match SIP-AOR";
		goto answer;
	}
	if(!ah_realm_ok(&aor)) {
		rescode = "DIAMETER_ERROR_USER_UNKNOWN";
		errmsg = "SIP-AOR outside the served realm";
		STAT_INC(uar_unknown);
		goto answer;
	}
	ah_cstr(&aor, aor_c, sizeof(aor_c));
	he = hotp_store_get_user(ah_store, aor_c, &u);
	if(he == HOTP_E_STORE_NOUSER) {
		rescode = "DIAMETER_ERROR_USER_UNKNOWN";
		STAT_INC(uar_unknown);
		goto answer;
	}
	if(he != HOTP_E_OK) {
		fd_log_error("app_hotp: UAR for %s: %s", aor_c, hotp_strerror(he));
		rescode = "DIAMETER_UNABLE_TO_COMPLY";
		STAT_INC(store_errors);
		goto answer;
	}
	/* registered = authenticated within the registration lifetime */
	registered = u.info.last_success > 0
				 && time(NULL) - u.info.last_success < ah_conf.registration_lifetime_s;
	hotp_user_wipe(&u);
	if(uat == AH_UAT_DE_REGISTRATION)
		rescode = registered ? "DIAMETER_SUCCESS" : "DIAMETER_ERROR_IDENTITY_NOT_REGISTERED";
	else
		rescode = registered ? "DIAMETER_SUBSEQUENT_REGISTRATION"
							 : "DIAMETER_FIRST_REGISTRATION";
answer:
	return ah_answer(msg, rescode, errmsg, failed, NULL);
}

/* ---- MAR ---------------------------------------------------------------- */

/* Failed-AVP example for a missing SIP-Auth-Data-Item / SIP-Authorization */
static int ah_example_adi(struct avp **out)
{
	CHECK_FCT(fd_msg_avp_new(ah_dict.sip_auth_data_item, 0, out));
	CHECK_FCT(ah_add_u32(*out, ah_dict.sip_auth_scheme, AH_SCHEME_HOTP));
	return 0;
}

int ah_mar_cb(struct msg **msg, struct avp *avp, struct session *sess, void *opaque,
		enum disp_action *act)
{
	struct msg *qry;
	struct avp *a_aor = NULL, *a_user = NULL, *a_adi = NULL, *a_scheme = NULL;
	struct avp *a_authz = NULL, *a_du = NULL, *a_dr = NULL, *a_resp = NULL;
	struct avp *failed = NULL, *example = NULL;
	struct ah_os aor, user, du, dr, otp;
	uint32_t scheme = 0;
	char aor_c[HOTP_AOR_MAX + 1], *rescode, *errmsg = NULL, emsg[96];
	hotp_result res;

	if(msg == NULL)
		return EINVAL;
	qry = *msg;
	CHECK_FCT(fd_msg_search_avp(qry, ah_dict.sip_aor, &a_aor));
	CHECK_FCT(fd_msg_search_avp(qry, ah_dict.user_name, &a_user));
	CHECK_FCT(fd_msg_search_avp(qry, ah_dict.sip_auth_data_item, &a_adi));
	CHECK_FCT(ah_os(a_aor, &aor));
	CHECK_FCT(ah_os(a_user, &user));
	if(a_adi) {
		CHECK_FCT(ah_child(a_adi, ah_dict.sip_auth_scheme, &a_scheme));
		CHECK_FCT(ah_child(a_adi, ah_dict.sip_authorization, &a_authz));
		if(a_scheme)
			CHECK_FCT(ah_u32(a_scheme, &scheme));
	}
	if(a_authz) {
		CHECK_FCT(ah_child(a_authz, ah_dict.digest_username, &a_du));
		CHECK_FCT(ah_child(a_authz, ah_dict.digest_realm, &a_dr));
		CHECK_FCT(ah_child(a_authz, ah_dict.digest_response, &a_resp));
	}
	CHECK_FCT(ah_os(a_du, &du));
	CHECK_FCT(ah_os(a_dr, &dr));
	CHECK_FCT(ah_os(a_resp, &otp));
	CHECK_FCT(fd_msg_new_answer_from_req(fd_g_config->cnf_dict, msg, 0));
	STAT_INC(mar);

	if(!ah_aor_valid(&aor)) {
		rescode = "DIAMETER_INVALID_AVP_VALUE";
		errmsg = "SIP-AOR is not a sip:/sips: user@host URI";
		failed = a_aor;
		goto malformed;
	}
	if(!a_adi || !a_scheme) {
		/* this server only verifies credentials; it hands out no challenge */
		rescode = "DIAMETER_MISSING_AVP";
		errmsg = "SIP-Auth-Data-Item with the HOTP credential is required";
		CHECK_FCT(ah_example_adi(&example));
		goto malformed;
	}
	if(scheme != AH_SCHEME_HOTP) {
		rescode = "DIAMETER_ERROR_AUTH_SCHEME_NOT_SUPPORTED";
		errmsg = "only the HOTP SIP-Authentication-Scheme (1) is served";
		goto answer;
	}
	if(!a_authz || !a_du || !a_dr || !a_resp) {
		rescode = "DIAMETER_MISSING_AVP";
		errmsg = "SIP-Authorization with Digest-Username, Digest-Realm and "
				 "Digest-Response (the OTP) is required";
		CHECK_FCT(ah_example_adi(&example));
		goto malformed;
	}
	if(!ah_digest_matches_aor(&du, &dr, &aor)
			|| (a_user && !ah_user_matches_aor(&user, &aor))) {
		rescode = "DIAMETER_ERROR_IDENTITIES_DONT_MATCH";
		errmsg = "Digest-Username@Digest-Realm / User-Name do not match SIP-AOR";
		goto answer;
	}
	if(!ah_realm_ok(&aor)) {
		rescode = "DIAMETER_ERROR_USER_UNKNOWN";
		errmsg = "SIP-AOR outside the served realm";
		STAT_INC(mar_unknown);
		goto answer;
	}

	ah_cstr(&aor, aor_c, sizeof(aor_c));
	hotp_verify_n(ah_store, aor_c, aor.len, (const char *)otp.s, otp.len, time(NULL), &res);
	switch(res.outcome) {
		case HOTP_R_OK:
		case HOTP_R_RESYNCED:
			rescode = "DIAMETER_SUCCESS";
			STAT_INC(mar_ok);
			break;
		case HOTP_R_RESYNC_NEEDED:
			rescode = "DIAMETER_AUTHENTICATION_REJECTED";
			errmsg = "OTP beyond the window: send the next OTP to resynchronise";
			STAT_INC(mar_rejected);
			break;
		case HOTP_R_BAD_OTP:
			rescode = "DIAMETER_AUTHENTICATION_REJECTED";
			errmsg = "wrong OTP";
			STAT_INC(mar_rejected);
			break;
		case HOTP_R_REPLAY:
			rescode = "DIAMETER_AUTHENTICATION_REJECTED";
			errmsg = "OTP already used";
			STAT_INC(mar_rejected);
			break;
		case HOTP_R_LOCKED:
			snprintf(emsg, sizeof(emsg), "locked out after repeated failures; retry in %lld s",
					(long long)(res.locked_until - time(NULL)));
			rescode = "DIAMETER_AUTHENTICATION_REJECTED";
			errmsg = emsg;
			STAT_INC(mar_rejected);
			break;
		case HOTP_R_UNKNOWN_USER:
			rescode = "DIAMETER_ERROR_USER_UNKNOWN";
			STAT_INC(mar_unknown);
			break;
		case HOTP_R_MALFORMED:
			/* Digest-Response is not 6-8 digits of this user's length */
			snprintf(emsg, sizeof(emsg), "Digest-Response: %s", hotp_strerror(res.err));
			rescode = "DIAMETER_INVALID_AVP_VALUE";
			errmsg = emsg;
			failed = a_resp;
			goto malformed;
		default:
			fd_log_error("app_hotp: MAR for %s: %s", aor_c, hotp_strerror(res.err));
			rescode = "DIAMETER_UNABLE_TO_COMPLY";
			STAT_INC(store_errors);
			break;
	}
	goto answer;

malformed:
	STAT_INC(malformed);
answer:
	/* the example, if any, now belongs to the answer */
	return ah_answer(msg, rescode, errmsg, failed, example);
}
