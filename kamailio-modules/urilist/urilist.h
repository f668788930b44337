/*
 * urilist module - shared declarations of the Kamailio glue
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see urilist_mod.c).
 */

#ifndef URILIST_H
#define URILIST_H

#include "core/str.h"
#include "core/counters.h"
#include "core/parser/msg_parser.h"
#include "core/pvar.h"
#include "modules/tm/tm_load.h"

#include "urilist_parse.h"

/* modparams */
extern ul_limits_t ul_limits;
extern str ul_handoff_user;
extern str ul_outbound_proxy;
extern str ul_event_callback;

extern struct tm_binds ul_tmb;

/* statistics */
extern stat_var *ul_st_lists_seen;
extern stat_var *ul_st_lists_received;   /* lists accepted (fan-out + handoff) */
extern stat_var *ul_st_lists_refused;
extern stat_var *ul_st_entries;          /* entries accepted */
extern stat_var *ul_st_duplicates;
extern stat_var *ul_st_fanout_requests;
extern stat_var *ul_st_fanout_branches;
extern stat_var *ul_st_fanout_branch_2xx;
extern stat_var *ul_st_fanout_branch_failed;
extern stat_var *ul_st_handoff_requests;
extern stat_var *ul_st_handoff_moved;
extern stat_var *ul_st_handoff_refused;  /* entry statuses other than 200 */
extern stat_var *ul_st_cn_reinvites;
extern stat_var *ul_st_fail[UL_E__COUNT]; /* refusals per reason */

/* to-tag prefix of the answers urilist gives itself (ACK/BYE absorption) */
#define UL_TOTAG_PREFIX "urilist-"
#define UL_TOTAG_PREFIX_LEN (sizeof(UL_TOTAG_PREFIX) - 1)
#define UL_CONTACT_USER "urilist"

/* urilist_mod.c: replies (through tm, statefully) */
int ul_newtran(sip_msg_t *msg);
int ul_reply(sip_msg_t *msg, int code, const char *reason, const str *hdrs,
		const str *body);
int ul_reply_error(sip_msg_t *msg, const ul_err_t *err);
int ul_make_totag(sip_msg_t *msg, char *buf, int size);
int ul_local_contact(sip_msg_t *msg, char *buf, int size);
int ul_parse_msg_request(sip_msg_t *msg, int handoff, ul_request_t *req, ul_err_t *err);
int ul_accept_list(sip_msg_t *msg, int handoff, ul_request_t *req, struct to_body **from);

/* urilist_fanout.c */
int ul_fanout(sip_msg_t *msg);
int ul_fanout_init(void);
void ul_fanout_rpc_stats(int *active);

/* urilist_handoff.c */
int ul_handoff(sip_msg_t *msg);
int ul_handoff_init(void);
int ul_entry_body(sip_msg_t *msg, str *sdp, str *method, int moved);
int pv_parse_ulh_name(pv_spec_p sp, str *in);
int pv_get_ulh(sip_msg_t *msg, pv_param_t *param, pv_value_t *res);
int pv_set_ulh(sip_msg_t *msg, pv_param_t *param, int op, pv_value_t *val);

#endif
