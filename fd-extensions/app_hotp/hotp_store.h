/*
 * SeNEMO app_hotp -- durable user store and the verification that uses it.
 *
 * A store is a table of function pointers (hotp_store_ops) plus backend
 * state; every backend must give the same semantics:
 *
 *  - get_user reads one consistent row.
 *  - cas_counter is an atomic compare-and-set: it succeeds (won = 1) only if
 *    the stored counter still equals `expected` (and new_counter > expected
 *    and the user is not locked at `now`); on success it also clears the
 *    failure count, the lockout and any pending resync.  It returns only
 *    after the change is durable (committed and synced to stable storage).
 *  - record_failure atomically increments fail_count, clears the pending
 *    resync and sets locked_until = hotp_lock_until(params, fail_count+1, ...)
 *    (the same formula, evaluated inside the single atomic update); it
 *    returns the new fail_count / locked_until.
 *  - set_pending stores a pending resync counter only if the counter is
 *    still `expected` (won = 0 otherwise).
 *  - add_user fails with HOTP_E_STORE_EXISTS for a duplicate AOR.
 *  - list never hands out secrets.
 *  - All functions may be called from several threads at once on the same
 *    store, and several processes may open the same store.
 *
 * Secrets are never logged by the store.
 */
#ifndef SENEMO_HOTP_STORE_H
#define SENEMO_HOTP_STORE_H

#include "hotp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hotp_store hotp_store;

typedef int (*hotp_list_cb)(const hotp_user_info *info, void *arg);

typedef struct hotp_store_ops {
	const char *name;   /* "sqlite", "pgsql" */
	hotp_err (*open)(hotp_store **out, const char *conninfo);
	void     (*close)(hotp_store *st);
	/* HOTP_E_STORE_NOUSER if absent; u->secret filled */
	hotp_err (*get_user)(hotp_store *st, const char *aor, hotp_user *u);
	hotp_err (*cas_counter)(hotp_store *st, const char *aor, int64_t expected,
	                        int64_t new_counter, int64_t now, int *won);
	hotp_err (*record_failure)(hotp_store *st, const char *aor, int64_t now,
	                           const hotp_params *p, uint32_t *fail_count,
	                           int64_t *locked_until);
	hotp_err (*set_pending)(hotp_store *st, const char *aor, int64_t expected,
	                        int64_t pending, int64_t now, int *won);
	hotp_err (*add_user)(hotp_store *st, const hotp_user *u);
	hotp_err (*del_user)(hotp_store *st, const char *aor);
	/* cb returns non-zero to stop; info carries no secret */
	hotp_err (*list)(hotp_store *st, hotp_list_cb cb, void *arg);
} hotp_store_ops;

/* Common head of every backend's state. */
struct hotp_store {
	const hotp_store_ops *ops;
	hotp_params           params;   /* used by hotp_verify(); set it (with
	                                   hotp_store_set_params) before the
	                                   store is shared between threads */
};

/* ---- SQLite backend ----------------------------------------------------- */
extern const hotp_store_ops hotp_store_sqlite_ops;

/*
 * Open (creating if needed) the SQLite store at `path`.  The file is created
 * with mode 0600 before SQLite touches it (an existing file with group/other
 * permission bits is chmod'ed to 0600; a symlink or non-regular file is
 * refused).  Journal: WAL, synchronous=FULL.  Up to HOTP_SQLITE_POOL
 * connections are opened on demand and shared by threads (one thread per
 * connection at a time).  params defaults to hotp_params_default().
 */
#define HOTP_SQLITE_POOL 8
hotp_err hotp_store_open_sqlite(hotp_store **out, const char *path);

/* ---- PostgreSQL backend (library senemo_hotp_pg, needs libpq) ----------- */
extern const hotp_store_ops hotp_store_pg_ops;

/*
 * Open the PostgreSQL store described by the libpq `conninfo` string
 * ("host=/run/postgresql dbname=senemo user=senemo", or a postgresql:// URI),
 * creating the tables users / hotp_meta if needed.  Every session runs with
 * synchronous_commit = on.  Up to HOTP_PG_POOL connections are opened on
 * demand.  The conninfo is never logged.
 */
#define HOTP_PG_POOL 8
hotp_err hotp_store_open_pg(hotp_store **out, const char *conninfo);

/* ---- backend-independent wrappers -------------------------------------- */
void     hotp_store_close(hotp_store *st);
hotp_err hotp_store_set_params(hotp_store *st, const hotp_params *p);
/* Validates aor before calling the backend. */
hotp_err hotp_store_get_user(hotp_store *st, const char *aor, hotp_user *u);
/* Validates the record (hotp_user_check) before calling the backend. */
hotp_err hotp_store_add_user(hotp_store *st, const hotp_user *u);
hotp_err hotp_store_del_user(hotp_store *st, const char *aor);
hotp_err hotp_store_list(hotp_store *st, hotp_list_cb cb, void *arg);

/* ---- verification --------------------------------------------------------- */
typedef struct hotp_result {
	hotp_outcome outcome;
	hotp_err     err;           /* detail for MALFORMED / STORE_ERROR      */
	int64_t      counter;       /* accepted / pending / replayed counter, -1 */
	uint32_t     fail_count;    /* after this attempt (if known)           */
	int64_t      locked_until;  /* after this attempt (LOCKED: retry time) */
} hotp_result;

/*
 * Validate `otp` (NUL-terminated) for `aor` at time `now` (s since epoch)
 * with st->params: reads the user, runs hotp_decide() and applies the state
 * change with cas_counter / set_pending / record_failure, re-reading and
 * deciding again when a concurrent verification won the CAS.  OK and
 * RESYNCED are returned only after the new counter is durable, so an OTP is
 * accepted at most once, across threads, processes and restarts.
 * aor and otp syntax are checked before the store is touched.
 * The return value is res->outcome.
 */
hotp_outcome hotp_verify(hotp_store *st, const char *aor, const char *otp,
                         int64_t now, hotp_result *res);
/* Same with explicit lengths (AVP octet strings: may contain NUL -> MALFORMED). */
hotp_outcome hotp_verify_n(hotp_store *st, const char *aor, size_t aor_len,
                           const char *otp, size_t otp_len, int64_t now,
                           hotp_result *res);

#ifdef __cplusplus
}
#endif
#endif /* SENEMO_HOTP_STORE_H */
