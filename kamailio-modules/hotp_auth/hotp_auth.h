/*
 * hotp_auth - shared declarations of the Kamailio glue (module, async engine)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see hotp_auth_mod.c).
 */

#ifndef _HOTP_AUTH_H_
#define _HOTP_AUTH_H_

#include "core/str.h"
#include "core/counters.h"
#include "core/route_struct.h"
#include "modules/tm/tm_load.h"

#include "hotp_cred.h"
#include "hotp_auth_diameter.h"

/* Outcome codes: return values of hotp_auth_www()/hotp_auth_proxy() and the
 * value of $hotp(rc) */
#define HA_OK 1                 /* authenticated by the Diameter server */
#define HA_SUSPENDED 0          /* Diameter request sent; the route resumes */
#define HA_ERR_INTERNAL -1      /* internal error / misuse -> 500 */
#define HA_ERR_NO_CRED -2       /* no HOTP credential (none, or other scheme) */
#define HA_ERR_MALFORMED -3     /* malformed HOTP credential -> 400 */
#define HA_ERR_IDENTITY -4      /* credential is not for the To/From AoR -> 403 */
#define HA_ERR_REJECTED -5      /* Diameter server rejected -> 403 */
#define HA_ERR_UNAVAILABLE -6   /* no/late/unexpected Diameter answer -> 503 */

#define HA_STAGE_NONE 0
#define HA_STAGE_UAR 1
#define HA_STAGE_MAR 2

#define HA_AOR_MAX (4 + HC_USERNAME_MAX + 1 + HC_REALM_MAX)
#define HA_USER_NAME_MAX (HC_USERNAME_MAX + 1 + HC_REALM_MAX)
#define HA_NONCE_MAX 24
#define HA_CBNAME_MAX 64
#define HA_TEXT_MAX 128

/* Outcome of the last hotp_auth call, per process. SYNC: valid for the
 * message it was set for (id + pid); ASYNC: valid while the resumed route
 * runs (set just before t_continue, cleared right after). */
#define HA_CTX_NONE 0
#define HA_CTX_SYNC 1
#define HA_CTX_ASYNC 2

typedef struct ha_ctx {
	int valid;
	unsigned int msg_id;
	int msg_pid;
	int rc;
	int status;       /* SIP status of the reply for a failed outcome */
	int proxy;        /* Proxy-Authorization (407) rather than Authorization */
	int stage;        /* last Diameter request: none, UAR or MAR */
	int result_code;  /* Result-Code of the last answer, 0 if none */
	int rtt_us;       /* Diameter time spent (sum over UAR and MAR), us */
	char reason[HA_TEXT_MAX];   /* detailed reason (logs, $hotp(reason)) */
	char warning[HA_TEXT_MAX];  /* text for the Warning header */
	char errmsg[HA_TEXT_MAX];   /* Error-Message AVP of the answer */
	char aor[HA_AOR_MAX + 1];
	char user[HA_USER_NAME_MAX + 1];
} ha_ctx_t;

extern ha_ctx_t ha_ctx;

/* one authentication in flight (shared memory) */
typedef struct ha_pending {
	struct ha_pending *next;
	struct ha_pending *prev;
	struct ha_pending *qnext; /* same-identity order (hotp_auth_async.c) */
	unsigned int qhash;
	int queued;              /* in the order chains */
	void *held;              /* AAAMessage waiting for an earlier one of the same identity */
	unsigned long id;        /* key handed to cdp as callback parameter */
	unsigned int tindex;
	unsigned int tlabel;
	cfg_action_t *act;       /* native cfg route to resume, or NULL */
	char cbname[HA_CBNAME_MAX]; /* KEMI callback to resume */
	int cbname_len;
	int stage;
	int cdp_timed_out;       /* cdp reported a timeout: the timer resumes */
	int proxy;
	int uat;
	long long t_start_ms;    /* monotonic ms when the authentication began */
	long long t_sent_us;     /* monotonic us when the last request was sent */
	long long rtt_us;        /* Diameter time so far (UAR + MAR) */
	char username[HC_USERNAME_MAX + 1];
	char realm[HC_REALM_MAX + 1];
	char otp[HC_OTP_MAX + 1];
	char nonce[HA_NONCE_MAX];
	char aor[HA_AOR_MAX + 1];
	char user_name[HA_USER_NAME_MAX + 1];
	str method;              /* point into data[] */
	str ruri;
	char data[];
} ha_pending_t;

/* module parameters */
extern str ha_dest_realm;
extern int ha_retry_after;
extern int ha_timeout_ms;
extern int ha_register_uar;
extern int ha_detailed_warnings;

extern struct tm_binds ha_tmb;

/* statistics */
extern stat_var *ha_st_uar_sent;
extern stat_var *ha_st_mar_sent;
extern stat_var *ha_st_auth_ok;
extern stat_var *ha_st_auth_rejected;
extern stat_var *ha_st_malformed;
extern stat_var *ha_st_identity_mismatch;
extern stat_var *ha_st_no_credentials;
extern stat_var *ha_st_diameter_errors;
extern stat_var *ha_st_timeouts;
extern stat_var *ha_st_ordered_waits;

/* async engine (hotp_auth_async.c) */
int ha_async_init(void);
void ha_async_destroy(void);
ha_pending_t *ha_pending_new(str *method, str *ruri);
void ha_pending_free(ha_pending_t *p);
/* suspend the transaction of msg and send req for p; HA_SUSPENDED, or
 * HA_ERR_UNAVAILABLE (nothing sent, transaction not suspended, p freed)
 * or HA_ERR_INTERNAL (p and req freed) */
int ha_async_start(struct sip_msg *msg, ha_pending_t *p, AAAMessage *req);
/* build the MAR for p; NULL on error */
AAAMessage *ha_pending_mar(ha_pending_t *p);
void ha_async_timer(unsigned int ticks, void *param);
int ha_async_pending(void);
unsigned long ha_async_avg_rtt_us(void);
void ha_async_rtt_totals(unsigned long long *total_us, unsigned long long *answers);

/* context helpers (hotp_auth_mod.c) */
void ha_ctx_set(int valid, struct sip_msg *msg, int rc, int status,
		const char *reason, const char *warning);

#endif
