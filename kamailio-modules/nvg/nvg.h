/*
 * nvg module - declarations shared by the Kamailio glue files
 *   nvg_mod.c      parameters, init, cfg/KEMI exports, RPC, statistics
 *   nvg_gw.c       gateway role: REGISTER translation, lookup, Record-Route
 *   nvg_db.c       persistence of the binding table (Kamailio DB API)
 *   nvg_home.c     home role: NVG-aware resolution through usrloc
 *   nvg_selfreg.c  the NVG's own registration (gateway role)
 * Plain C logic (no Kamailio): nvg_uri.c, nvg_table.c, nvg_resolve.c.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */

#ifndef _NVG_H_
#define _NVG_H_

#include <time.h>

#include "core/str.h"
#include "core/counters.h"
#include "core/ip_addr.h"
#include "core/socket_info.h"
#include "core/parser/msg_parser.h"
#include "core/rpc.h"
#include "modules/tm/tm_load.h"
#include "modules/sl/sl.h"

#include "nvg_uri.h"
#include "nvg_table.h"
#include "nvg_resolve.h"

#define NVG_MAX_NETS 16
#define NVG_MAX_MAP 64

/* ---- parameters (nvg_mod.c) ----------------------------------------------- */
extern int nvg_is_gateway;
extern str nvg_role;
extern str nvg_logical_domain;
extern str nvg_parent_domain;  /* gateway: logical_domain minus its first label */
extern str nvg_own_label;      /* gateway: first label of logical_domain */
extern nvg_cidr_t nvg_nets[NVG_MAX_NETS];
extern int nvg_nnets;
extern str nvg_ingress_socket_param;
extern struct socket_info *nvg_ingress_sock;
extern int nvg_max_expires;
extern int nvg_default_expires;
extern int nvg_retry_after;
extern int nvg_timer_interval;
/* home */
extern str nvg_location_table;
extern int nvg_max_depth;
extern int nvg_convention;
extern nvg_map_entry_t nvg_map[NVG_MAX_MAP];
extern int nvg_nmap;
/* database */
extern str nvg_db_url;
extern str nvg_db_table;
extern int nvg_db_create_table;
/* self registration */
extern int nvg_reg_enable;
extern str nvg_reg_aor;
extern str nvg_reg_registrar;
extern str nvg_reg_proxy;
extern str nvg_reg_socket;
extern int nvg_reg_expires;
extern int nvg_reg_retry;

extern nvg_tbl_t *nvg_table;
extern struct tm_binds nvg_tmb;
extern sl_api_t nvg_slb;

/* ---- statistics --------------------------------------------------------- */
extern stat_var *nvg_st_logical_hits;
extern stat_var *nvg_st_registers_translated;
extern stat_var *nvg_st_registers_committed;
extern stat_var *nvg_st_rejected_source;
extern stat_var *nvg_st_rejected_malformed;
extern stat_var *nvg_st_rejected_limit;
extern stat_var *nvg_st_rejected_conflict;
extern stat_var *nvg_st_expires_capped;
extern stat_var *nvg_st_lookups;
extern stat_var *nvg_st_lookup_404;
extern stat_var *nvg_st_lookup_480;
extern stat_var *nvg_st_expired;
extern stat_var *nvg_st_db_errors;
extern stat_var *nvg_st_resolved;
extern stat_var *nvg_st_resolve_failed;

/* ---- gateway (nvg_gw.c) ------------------------------------------------------- */
int nvg_gw_init(void);
int nvg_from_ingress(sip_msg_t *msg);
int nvg_register(sip_msg_t *msg);
int nvg_lookup(sip_msg_t *msg);
int nvg_record_route(sip_msg_t *msg);
int nvg_gw_resolve_route(sip_msg_t *msg);
int nvg_check_self(str *host, unsigned short port, unsigned short proto);
void nvg_gw_timer(time_t now);
/* sends code/reason (+ Warning, + Retry-After for 503), statelessly or
 * through the transaction if one exists */
int nvg_send_reply(sip_msg_t *msg, int code, const char *reason,
		const char *warning, int retry_after);

/* ---- database (nvg_db.c) -------------------------------------------------------- */
int nvg_db_init(void);        /* mod_init: bind, create table, load */
int nvg_db_child_init(int rank);
void nvg_db_persist(void *ctx, nvg_pop_t op, const nvg_aor_t *a,
		const nvg_contact_t *c);
void nvg_db_expire(time_t now);
int nvg_db_enabled(void);

/* ---- home (nvg_home.c) -------------------------------------------------------------- */
int nvg_home_init(void);
int nvg_home_resolve(sip_msg_t *msg);
int nvg_home_resolve_route(sip_msg_t *msg);
/* resolves host with the home resolver (RPC) */
int nvg_home_resolve_host(const char *host, size_t len, nvg_resolution_t *res);

/* ---- self registration (nvg_selfreg.c) -------------------------------------------- */
int nvg_selfreg_init(void);   /* mod_init */
void nvg_selfreg_timer(time_t now);
int nvg_selfreg_now(void);    /* send the REGISTER at the next tick */
void nvg_selfreg_rpc(rpc_t *rpc, void *th);
int nvg_selfreg_send_sync(void); /* send the REGISTER from this process now */
int nvg_selfreg_conn_lost(void); /* the connection to Proxy 1 went away */
struct socket_info *nvg_selfreg_socket(void);

/* ---- handoff (nvg_handoff.c) -------------------------------------------------------- */
extern str nvg_egress_if;
extern int nvg_coalesce_ms;
extern int nvg_max_wait_ms;
extern int nvg_egress_port;
extern str nvg_reg_socket6;
extern str nvg_reg_proxy6;
extern int nvg_ct_flush;
extern int nvg_handoff_list;
extern int nvg_handoff_parallel;
extern str nvg_handoff_uri;
extern str nvg_hotp_user;
extern str nvg_hotp_realm;
extern str nvg_hotp_secret_file;
extern str nvg_hotp_counter_file;
extern int nvg_hotp_digits;
extern stat_var *nvg_st_handoffs;
extern stat_var *nvg_st_coalesced;
extern stat_var *nvg_st_list_failures;
extern stat_var *nvg_st_fallbacks;
extern stat_var *nvg_st_list_entries;
extern stat_var *nvg_st_sdp_rewritten;
extern stat_var *nvg_st_dialogs_untracked;
int nvg_ho_init(void);        /* mod_init (after nvg_selfreg_init) */
int nvg_ho_child_init(int rank);
int nvg_ho_enabled(void);
/* current egress address (text, no brackets) and family 4|6; 0 unknown */
int nvg_ho_egress(char *buf, int cap, int *af);
int nvg_ho_port(void);
struct socket_info *nvg_ho_socket(int af);
str *nvg_ho_proxy(int af);
int nvg_ho_is_egress(str *host);
int nvg_ho_old_contact(const str *user, char *buf, int cap);
void nvg_ho_advertise_begin(void);
void nvg_ho_advertise_end(void);
int nvg_ho_auth_hdr(const char *hname, char *out, int cap);
void nvg_ho_registered(int code);
int nvg_ho_conn_closed(sip_msg_t *msg); /* event_route[tcp:closed] */
void nvg_ho_rpc(rpc_t *rpc, void *ctx);
void nvg_ho_status_rpc(rpc_t *rpc, void *th);
counter_val_t nvg_ho_stat_last_ms(void);
int nvg_egress(sip_msg_t *msg);
int nvg_sdp_egress(sip_msg_t *msg);

#endif
