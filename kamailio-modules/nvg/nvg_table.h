/*
 * nvg_table - the NVG's binding table: mobile node AoR -> ingress contacts
 * (plain C, no Kamailio dependency; memory and locks come through an
 * operations table so unit tests run with malloc and no-op locks, and the
 * module with shared memory and Kamailio locks).
 *
 * Model (RFC 3261 section 10.3 as seen from a proxy in front of the
 * registrar):
 *  - one record per AoR, keyed by the AoR's user part (the user part of the
 *    logical URI sip:<user>@<logical domain>;nvgc=<token>); the full AoR
 *    (user@domain) is kept and a second AoR with the same user under
 *    another domain is refused (NVG_E_CONFLICT);
 *  - each record holds up to max_contacts bindings, each named by a token
 *    (nvg_token() of +sip.instance/reg-id, or else of the contact URI), with
 *    the ingress contact URI, the address/socket the REGISTER came from,
 *    Call-ID, CSeq, instance, reg-id, q and the absolute expiry;
 *  - a REGISTER changes nothing when it arrives: nvg_tbl_reserve() only
 *    checks the limits and reserves room for its new bindings; the change is
 *    applied by nvg_tbl_commit() with what the registrar's 2xx granted, and
 *    nvg_pending_free() gives back whatever was reserved and not used (a
 *    rejected or failed REGISTER leaves the table as it was);
 *  - a record whose last binding went stays as a "tombstone" for
 *    aor_retention seconds (lookup answers NVG_LK_NO_CONTACT: 480, not 404),
 *    at most max_bindings tombstones;
 *  - nvg_tbl_expire() removes bindings whose expiry passed.
 * Concurrency: one lock per hash slot (a record and its bindings are only
 * touched under their slot's lock); the binding count is a shared counter
 * updated atomically, so the table limit is exact across processes.
 * Persistence: commit and load call a callback per change under the slot
 * lock (write-through; see the module README).
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */

#ifndef _NVG_TABLE_H_
#define _NVG_TABLE_H_

#include <stddef.h>
#include <stdint.h>

#include "nvg_uri.h"

#define NVG_MAX_REQ_CONTACTS 32 /* upper bound of max_contacts */
#define NVG_MAX_FIELD 256       /* Call-ID, instance, received, socket */

typedef struct nvg_tbl_ops {
	void *(*alloc)(size_t size);
	void (*free)(void *p);
	void *(*lock_new)(void); /* an initialised lock, NULL on failure */
	void (*lock_free)(void *l);
	void (*lock)(void *l);
	void (*unlock)(void *l);
} nvg_tbl_ops_t;

typedef struct nvg_limits {
	int max_bindings;  /* bindings in the whole table */
	int max_contacts;  /* bindings per AoR (1..NVG_MAX_REQ_CONTACTS) */
	int max_expires;   /* cap of every expiry, seconds */
	int default_expires; /* when neither the REGISTER nor the 2xx says */
	int aor_retention; /* seconds an emptied AoR stays known (480) */
} nvg_limits_t;

typedef struct nvg_contact {
	char token[NVG_TOKEN_LEN + 1];
	char *uri;
	size_t uri_len;
	char *received; /* where the REGISTER came from, "sip:ip:port;transport=x" */
	size_t received_len;
	char *sock;     /* socket it arrived on, "udp:198.18.10.1:5060" */
	size_t sock_len;
	char *callid;
	size_t callid_len;
	uint32_t cseq;
	char *instance; /* +sip.instance value as written (with quotes), or "" */
	size_t instance_len;
	uint32_t reg_id;
	int q;          /* -1: none, else 0..1000 */
	int64_t expires; /* absolute, seconds (same clock as `now`) */
	int64_t last_modified;
	struct nvg_contact *next;
} nvg_contact_t;

typedef struct nvg_aor {
	char *aor;      /* user@domain */
	size_t aor_len;
	size_t user_len; /* aor[0..user_len) is the user part */
	uint32_t hash;
	int ncontacts;
	int64_t emptied_at; /* 0 while it has bindings */
	nvg_contact_t *contacts;
	struct nvg_aor *next;
} nvg_aor_t;

typedef struct nvg_tbl nvg_tbl_t;

/* a REGISTER as parsed by the caller (spans into the message) */
typedef struct nvg_reg_contact {
	nvg_span_t uri;
	nvg_span_t instance; /* empty: none */
	uint32_t reg_id;     /* 0: none */
	int q;               /* -1: none */
	int64_t expires;     /* requested (already capped), -1: not given */
} nvg_reg_contact_t;

typedef struct nvg_reg_req {
	nvg_span_t aor;  /* user@domain */
	size_t user_len;
	nvg_span_t callid;
	uint32_t cseq;
	nvg_span_t received;
	nvg_span_t sock;
	int star;        /* Contact: * */
	int n;
	nvg_reg_contact_t c[NVG_MAX_REQ_CONTACTS];
} nvg_reg_req_t;

typedef struct nvg_pcontact {
	char token[NVG_TOKEN_LEN + 1];
	char *uri;
	size_t uri_len;
	char *instance;
	size_t instance_len;
	uint32_t reg_id;
	int q;
	int64_t expires;
	int is_new; /* set by nvg_tbl_reserve() */
} nvg_pcontact_t;

/* a REGISTER between its arrival and the registrar's final answer (one
 * allocation from ops->alloc, owned by the caller until nvg_pending_free) */
typedef struct nvg_pending {
	char *aor;
	size_t aor_len;
	size_t user_len;
	char *callid;
	size_t callid_len;
	uint32_t cseq;
	char *received;
	size_t received_len;
	char *sock;
	size_t sock_len;
	int star;
	int n;
	int reserved;  /* bindings reserved in the table counter */
	int committed;
	nvg_pcontact_t c[1]; /* n entries (at least 1 allocated) */
} nvg_pending_t;

/* what the registrar's 2xx granted: one entry per Contact of ours in it */
typedef struct nvg_grant {
	char token[NVG_TOKEN_LEN + 1];
	int64_t expires; /* seconds granted (0: removed) */
} nvg_grant_t;

enum nvg_tbl_status {
	NVG_OK = 0,
	NVG_E_NOMEM = -1,
	NVG_E_MAX_CONTACTS = -2,
	NVG_E_MAX_BINDINGS = -3,
	NVG_E_CONFLICT = -4,  /* user bound under another domain */
	NVG_E_ARG = -5,
	NVG_E_DUPLICATE = -6, /* two contacts with the same token in one request */
};

enum nvg_lookup_status {
	NVG_LK_FOUND = 1,
	NVG_LK_NO_AOR = -1,     /* 404: no such AoR */
	NVG_LK_NO_CONTACT = -2, /* 480: AoR known, no live binding */
};

typedef enum nvg_pop { NVG_P_UPSERT = 1, NVG_P_DELETE = 2 } nvg_pop_t;

/* change callback, called under the slot lock (keep it short) */
typedef void (*nvg_persist_fn)(void *ctx, nvg_pop_t op, const nvg_aor_t *aor,
		const nvg_contact_t *c);
/* visit callback: c NULL for a tombstone; return non-zero to stop */
typedef int (*nvg_visit_fn)(void *ctx, const nvg_aor_t *aor, const nvg_contact_t *c);

nvg_tbl_t *nvg_tbl_new(const nvg_tbl_ops_t *ops, unsigned hash_size,
		const nvg_limits_t *lim);
void nvg_tbl_destroy(nvg_tbl_t *t);
const nvg_limits_t *nvg_tbl_limits(const nvg_tbl_t *t);

/* counts (atomic reads): live+expired-not-swept bindings, AoR records,
 * tombstones, reserved bindings */
void nvg_tbl_counts(nvg_tbl_t *t, int *bindings, int *aors, int *tombstones,
		int *reserved);

/* Copies req into a new pending registration with tokens computed and
 * duplicates refused (NVG_E_DUPLICATE). *out is NULL on error. */
int nvg_pending_new(nvg_tbl_t *t, const nvg_reg_req_t *req, nvg_pending_t **out);
/* gives back an unused reservation and frees p */
void nvg_pending_free(nvg_tbl_t *t, nvg_pending_t *p);

/* Checks the limits for p and reserves room for its new bindings. Nothing
 * else changes. NVG_OK or NVG_E_*; why (may be NULL) gets a log-ready
 * sentence naming the limit. */
int nvg_tbl_reserve(nvg_tbl_t *t, nvg_pending_t *p, int64_t now, char *why,
		size_t whysz);

/* Applies p as the registrar's 2xx decided. grants/ng: the Contacts of the
 * 2xx that are ours (ng < 0: the 2xx listed no Contact at all: the
 * requested expiries are used). Stale updates (same Call-ID, lower CSeq than
 * stored) are skipped. Returns the number of bindings changed, or
 * NVG_E_*. Calls persist (may be NULL) for every change. */
int nvg_tbl_commit(nvg_tbl_t *t, nvg_pending_t *p, const nvg_grant_t *grants,
		int ng, int64_t now, nvg_persist_fn persist, void *ctx);

/* Live bindings of the AoR whose user part is user (token NULL: all of
 * them, else only that one). cb (may be NULL) is called for each under the
 * lock. */
int nvg_tbl_lookup(nvg_tbl_t *t, const char *user, size_t ulen, const char *token,
		size_t toklen, int64_t now, nvg_visit_fn cb, void *ctx);

/* Removes bindings with expires <= now and tombstones older than the
 * retention. persist (may be NULL) is called for each removed binding.
 * Returns the number of bindings removed. */
int nvg_tbl_expire(nvg_tbl_t *t, int64_t now, nvg_persist_fn persist, void *ctx);

/* Inserts one binding loaded from storage (expired ones are skipped: 0).
 * 1 inserted, NVG_E_* on error (limits apply). */
int nvg_tbl_load(nvg_tbl_t *t, const char *aor, size_t aor_len, size_t user_len,
		const nvg_contact_t *b, int64_t now);

/* visits every record (and each of its bindings) slot by slot */
void nvg_tbl_foreach(nvg_tbl_t *t, nvg_visit_fn cb, void *ctx);

const char *nvg_tbl_strerror(int code);

#endif
