/*
 * SeNEMO app_hotp -- the SQLite store backend.
 *
 * Durability: journal_mode=WAL with synchronous=FULL.  In WAL mode FULL makes
 * SQLite fsync the WAL at every commit, so a committed counter survives a
 * process crash *and* an OS crash / power loss.  (WAL + NORMAL only syncs at
 * checkpoints: a power loss may roll back the last commits, which would let an
 * already accepted OTP be accepted again after the reboot -- not acceptable.)
 * WAL also lets readers (get_user) run while one writer commits.
 *
 * Atomicity: every state change is one autocommit UPDATE whose WHERE clause
 * is the compare part of the compare-and-set (counter = expected), so two
 * threads or processes racing on the same OTP produce exactly one changed
 * row; the loser re-reads and sees the counter already advanced (REPLAY).
 *
 * Threads: a pool of up to HOTP_SQLITE_POOL connections (SQLITE_OPEN_NOMUTEX),
 * each used by one thread at a time under the pool mutex/condvar; every
 * connection has its prepared statements.
 *
 * Processes: each process opens its own store (never share one across fork).
 */
#include "hotp_store.h"
#include "hotp_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

/* ======================================================================== */
/* SQLite backend                                                           */

#define SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 10000

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS users("
    " aor            TEXT PRIMARY KEY NOT NULL,"
    " secret         BLOB NOT NULL CHECK(length(secret) BETWEEN 16 AND 64),"
    " digits         INTEGER NOT NULL CHECK(digits BETWEEN 6 AND 8),"
    " algo           TEXT NOT NULL CHECK(algo IN ('sha1','sha256','sha512')),"
    " kind           TEXT NOT NULL DEFAULT 'hotp' CHECK(kind IN ('hotp','totp')),"
    " period         INTEGER NOT NULL DEFAULT 30 CHECK(period BETWEEN 1 AND 3600),"
    " counter        INTEGER NOT NULL DEFAULT -1 CHECK(counter >= -1),"
    " pending_resync INTEGER NOT NULL DEFAULT -1 CHECK(pending_resync >= -1),"
    " pending_at     INTEGER NOT NULL DEFAULT 0,"
    " fail_count     INTEGER NOT NULL DEFAULT 0 CHECK(fail_count >= 0),"
    " locked_until   INTEGER NOT NULL DEFAULT 0,"
    " created        INTEGER NOT NULL,"
    " last_success   INTEGER NOT NULL DEFAULT 0"
    ") WITHOUT ROWID;";

#define COLS_INFO                                                              \
	"digits, algo, kind, period, counter, pending_resync, pending_at,"    \
	" fail_count, locked_until, created, last_success"

enum {
	Q_GET, Q_CAS, Q_FAIL, Q_PEND, Q_ADD, Q_DEL, Q_LIST, Q__N
};

static const char *const q_sql[Q__N] = {
	[Q_GET] = "SELECT secret, " COLS_INFO " FROM users WHERE aor = ?1",
	[Q_CAS] = "UPDATE users SET counter = ?2, fail_count = 0,"
	          " locked_until = 0, pending_resync = -1, pending_at = 0,"
	          " last_success = ?4"
	          " WHERE aor = ?1 AND counter = ?3 AND ?2 > ?3"
	          " AND locked_until <= ?4",
	/* same formula as hotp_lock_until(); the CASE sees the old fail_count */
	[Q_FAIL] = "UPDATE users SET"
	           " fail_count = min(fail_count + 1, 4294967295),"
	           " pending_resync = -1, pending_at = 0,"
	           " locked_until = CASE WHEN ?3 > 0 AND fail_count + 1 >= ?3"
	           "  THEN ?2 + min(?5, ?4 << min(fail_count + 1 - ?3, 30))"
	           "  ELSE locked_until END"
	           " WHERE aor = ?1 RETURNING fail_count, locked_until",
	[Q_PEND] = "UPDATE users SET pending_resync = ?3, pending_at = ?4"
	           " WHERE aor = ?1 AND counter = ?2",
	[Q_ADD] = "INSERT INTO users(aor, secret, digits, algo, kind, period,"
	          " counter, pending_resync, pending_at, fail_count,"
	          " locked_until, created, last_success)"
	          " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[Q_DEL] = "DELETE FROM users WHERE aor = ?1",
	[Q_LIST] = "SELECT aor, " COLS_INFO " FROM users ORDER BY aor",
};

typedef struct sq_conn {
	hotp_pool_conn  link;   /* first: the pool links connections */
	sqlite3        *db;
	sqlite3_stmt   *q[Q__N];
} sq_conn;

typedef struct sq_store {
	hotp_store      base;
	char           *path;
	hotp_pool       pool;
} sq_store;

static void conn_close(sq_conn *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < Q__N; i++)
		sqlite3_finalize(c->q[i]);
	sqlite3_close_v2(c->db);
	free(c);
}

static hotp_err exec_sql(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return HOTP_E_OK;
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return HOTP_E_STORE_BUSY;
	return HOTP_E_STORE_IO;
}

static hotp_err query_int(sqlite3 *db, const char *sql, int64_t *v,
                          const char **text_out, char *tbuf, size_t tcap)
{
	sqlite3_stmt *s = NULL;
	hotp_err e = HOTP_E_STORE_IO;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return HOTP_E_STORE_IO;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (v)
			*v = sqlite3_column_int64(s, 0);
		if (text_out) {
			const unsigned char *t = sqlite3_column_text(s, 0);
			snprintf(tbuf, tcap, "%s", t ? (const char *)t : "");
			*text_out = tbuf;
		}
		e = HOTP_E_OK;
	} else if ((rc & 0xff) == SQLITE_BUSY) {
		e = HOTP_E_STORE_BUSY;
	}
	sqlite3_finalize(s);
	return e;
}

/* Create (0600) or check the database file before SQLite opens it. */
static hotp_err precreate(const char *path)
{
	struct stat sb;
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	hotp_err e = HOTP_E_OK;

	if (fd < 0)
		return errno == ELOOP ? HOTP_E_STORE_PERM : HOTP_E_STORE_OPEN;
	if (fstat(fd, &sb) != 0) {
		e = HOTP_E_STORE_OPEN;
	} else if (!S_ISREG(sb.st_mode)) {
		e = HOTP_E_STORE_PERM;
	} else if (sb.st_mode & 077) {
		/* secrets inside: tighten, refuse if we cannot */
		if (fchmod(fd, sb.st_mode & 0700 & ~(mode_t)0100) != 0)
			e = HOTP_E_STORE_PERM;
	}
	close(fd);
	return e;
}

static hotp_err conn_open(sq_store *s, int first, sq_conn **out)
{
	sq_conn *c = calloc(1, sizeof *c);
	hotp_err e = HOTP_E_STORE_OPEN;
	const char *jm = NULL;
	char jbuf[16];
	int64_t ver = 0;

	if (c == NULL)
		return HOTP_E_NOMEM;
	if (sqlite3_open_v2(s->path, &c->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	                        SQLITE_OPEN_NOFOLLOW,
	                    NULL) != SQLITE_OK)
		goto fail;
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	if ((e = exec_sql(c->db, "PRAGMA trusted_schema = OFF;"
	                         "PRAGMA secure_delete = ON;")))
		goto fail;
	/* persistent in the file; needs a lock, so retry on BUSY */
	for (int i = 0;; i++) {
		e = query_int(c->db, "PRAGMA journal_mode = WAL", NULL, &jm,
		              jbuf, sizeof jbuf);
		if (e != HOTP_E_STORE_BUSY || i >= 5)
			break;
	}
	if (e)
		goto fail;
	if (strcmp(jm, "wal") != 0) {
		e = HOTP_E_STORE_OPEN;
		goto fail;
	}
	if ((e = exec_sql(c->db, "PRAGMA synchronous = FULL;")))
		goto fail;
	if (first) {
		if ((e = exec_sql(c->db, "BEGIN IMMEDIATE")))
			goto fail;
		e = query_int(c->db, "PRAGMA user_version", &ver, NULL, NULL, 0);
		if (!e && ver > SCHEMA_VERSION)
			e = HOTP_E_STORE_SCHEMA;
		if (!e)
			e = exec_sql(c->db, schema_sql);
		if (!e && ver == 0)
			e = exec_sql(c->db, "PRAGMA user_version = 1");
		if (!e)
			e = exec_sql(c->db, "COMMIT");
		if (e) {
			exec_sql(c->db, "ROLLBACK");
			goto fail;
		}
	}
	for (int i = 0; i < Q__N; i++)
		if (sqlite3_prepare_v3(c->db, q_sql[i], -1,
		                       SQLITE_PREPARE_PERSISTENT, &c->q[i],
		                       NULL) != SQLITE_OK) {
			e = first ? HOTP_E_STORE_SCHEMA : HOTP_E_STORE_IO;
			goto fail;
		}
	*out = c;
	return HOTP_E_OK;
fail:
	conn_close(c);
	return e ? e : HOTP_E_STORE_OPEN;
}

static hotp_err pool_open(void *owner, int first, hotp_pool_conn **out)
{
	sq_conn *c;
	hotp_err e = conn_open(owner, first, &c);

	if (e == HOTP_E_OK)
		*out = &c->link;
	return e;
}

static void pool_close(hotp_pool_conn *c)
{
	conn_close((sq_conn *)c);
}

static const hotp_pool_ops sq_pool_ops = { pool_open, pool_close, NULL };

static hotp_err acquire(sq_store *s, sq_conn **out)
{
	return hotp_pool_acquire(&s->pool, (hotp_pool_conn **)out);
}

static void release(sq_store *s, sq_conn *c)
{
	hotp_pool_release(&s->pool, &c->link);
}

static hotp_err rc_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return HOTP_E_STORE_BUSY;
	case SQLITE_CONSTRAINT:
		return rc == SQLITE_CONSTRAINT_PRIMARYKEY ? HOTP_E_STORE_EXISTS
		                                          : HOTP_E_STORE_CORRUPT;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return HOTP_E_STORE_CORRUPT;
	default:
		return HOTP_E_STORE_IO;
	}
}

/* Step a write statement to completion; a busy write is retried a few times
 * on top of the busy timeout.  Returns the final sqlite rc. */
static int step_write(sqlite3_stmt *q)
{
	int rc;
	for (int i = 0;; i++) {
		rc = sqlite3_step(q);
		if ((rc & 0xff) != SQLITE_BUSY || i >= 3)
			return rc;
		sqlite3_reset(q);
	}
}

static hotp_err row_info(sqlite3_stmt *q, int col, hotp_user_info *in)
{
	const unsigned char *algo, *kind;

	in->digits = (uint32_t)sqlite3_column_int64(q, col + 0);
	algo = sqlite3_column_text(q, col + 1);
	kind = sqlite3_column_text(q, col + 2);
	if (algo == NULL || hotp_algo_parse((const char *)algo, &in->algo) ||
	    kind == NULL || hotp_kind_parse((const char *)kind, &in->kind))
		return HOTP_E_STORE_CORRUPT;
	in->period = (uint32_t)sqlite3_column_int64(q, col + 3);
	in->st.counter = sqlite3_column_int64(q, col + 4);
	in->st.pending_resync = sqlite3_column_int64(q, col + 5);
	in->st.pending_at = sqlite3_column_int64(q, col + 6);
	in->st.fail_count = (uint32_t)sqlite3_column_int64(q, col + 7);
	in->st.locked_until = sqlite3_column_int64(q, col + 8);
	in->created = sqlite3_column_int64(q, col + 9);
	in->last_success = sqlite3_column_int64(q, col + 10);
	return HOTP_E_OK;
}

static hotp_err sq_get_user(hotp_store *st, const char *aor, hotp_user *u)
{
	sq_store *s = (sq_store *)st;
	sq_conn *c;
	sqlite3_stmt *q;
	hotp_err e;
	int rc;

	if ((e = acquire(s, &c)))
		return e;
	q = c->q[Q_GET];
	memset(u, 0, sizeof *u);
	sqlite3_bind_text(q, 1, aor, -1, SQLITE_STATIC);
	for (int i = 0;; i++) {
		rc = sqlite3_step(q);
		if ((rc & 0xff) != SQLITE_BUSY || i >= 3)
			break;
		sqlite3_reset(q);
	}
	if (rc == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(q, 0);
		int n = sqlite3_column_bytes(q, 0);
		if (b == NULL || n < HOTP_SECRET_MIN || n > HOTP_SECRET_MAX) {
			e = HOTP_E_STORE_CORRUPT;
		} else {
			memcpy(u->secret, b, (size_t)n);
			u->secret_len = (size_t)n;
			snprintf(u->info.aor, sizeof u->info.aor, "%s", aor);
			e = row_info(q, 1, &u->info);
			if (!e && hotp_user_check(u))
				e = HOTP_E_STORE_CORRUPT;
		}
	} else if (rc == SQLITE_DONE) {
		e = HOTP_E_STORE_NOUSER;
	} else {
		e = rc_err(rc);
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	release(s, c);
	if (e)
		hotp_user_wipe(u);
	return e;
}

static hotp_err sq_cas_counter(hotp_store *st, const char *aor,
                               int64_t expected, int64_t new_counter,
                               int64_t now, int *won)
{
	sq_store *s = (sq_store *)st;
	sq_conn *c;
	sqlite3_stmt *q;
	hotp_err e = HOTP_E_OK;
	int rc;

	*won = 0;
	if (new_counter <= expected || new_counter > HOTP_COUNTER_MAX)
		return HOTP_E_COUNTER;
	if ((e = acquire(s, &c)))
		return e;
	q = c->q[Q_CAS];
	sqlite3_bind_text(q, 1, aor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, new_counter);
	sqlite3_bind_int64(q, 3, expected);
	sqlite3_bind_int64(q, 4, now);
	rc = step_write(q);
	if (rc == SQLITE_DONE)
		*won = sqlite3_changes(c->db) == 1;
	else
		e = rc_err(rc);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	release(s, c);
	return e;
}

static hotp_err sq_record_failure(hotp_store *st, const char *aor,
                                  int64_t now, const hotp_params *p,
                                  uint32_t *fail_count, int64_t *locked_until)
{
	sq_store *s = (sq_store *)st;
	sq_conn *c;
	sqlite3_stmt *q;
	hotp_err e = HOTP_E_OK;
	int rc;

	if (hotp_params_check(p))
		return HOTP_E_PARAM;
	if ((e = acquire(s, &c)))
		return e;
	q = c->q[Q_FAIL];
	sqlite3_bind_text(q, 1, aor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now);
	sqlite3_bind_int64(q, 3, p->lock_threshold);
	sqlite3_bind_int64(q, 4, p->lock_base);
	sqlite3_bind_int64(q, 5, p->lock_max);
	rc = step_write(q);
	if (rc == SQLITE_ROW) {
		if (fail_count)
			*fail_count = (uint32_t)sqlite3_column_int64(q, 0);
		if (locked_until)
			*locked_until = sqlite3_column_int64(q, 1);
		rc = sqlite3_step(q); /* finish the statement -> commit */
		if (rc != SQLITE_DONE)
			e = rc_err(rc);
	} else if (rc == SQLITE_DONE) {
		e = HOTP_E_STORE_NOUSER;
	} else {
		e = rc_err(rc);
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	release(s, c);
	return e;
}

static hotp_err sq_set_pending(hotp_store *st, const char *aor,
                               int64_t expected, int64_t pending, int64_t now,
                               int *won)
{
	sq_store *s = (sq_store *)st;
	sq_conn *c;
	sqlite3_stmt *q;
	hotp_err e = HOTP_E_OK;
	int rc;

	*won = 0;
	if (pending < -1 || pending > HOTP_COUNTER_MAX)
		return HOTP_E_COUNTER;
	if ((e = acquire(s, &c)))
		return e;
	q = c->q[Q_PEND];
	sqlite3_bind_text(q, 1, aor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, expected);
	sqlite3_bind_int64(q, 3, pending);
	sqlite3_bind_int64(q, 4, now);
	rc = step_write(q);
	if (rc == SQLITE_DONE)
		*won = sqlite3_changes(c->db) == 1;
	else
		e = rc_err(rc);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	release(s, c);
	return e;
}

static hotp_err sq_add_user(hotp_store *st, const hotp_user *u)
{
	sq_store *s = (sq_store *)st;
	const hotp_user_info *in = &u->info;
	sq_conn *c;
	sqlite3_stmt *q;
	hotp_err e = HOTP_E_OK;
	int rc;

	if ((e = acquire(s, &c)))
		return e;
	q = c->q[Q_ADD];
	sqlite3_bind_text(q, 1, in->aor, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 2, u->secret, (int)u->secret_len, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, in->digits);
	sqlite3_bind_text(q, 4, hotp_algo_name(in->algo), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, hotp_kind_name(in->kind), -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 6, in->period);
	sqlite3_bind_int64(q, 7, in->st.counter);
	sqlite3_bind_int64(q, 8, in->st.pending_resync);
	sqlite3_bind_int64(q, 9, in->st.pending_at);
	sqlite3_bind_int64(q, 10, in->st.fail_count);
	sqlite3_bind_int64(q, 11, in->st.locked_until);
	sqlite3_bind_int64(q, 12, in->created);
	sqlite3_bind_int64(q, 13, in->last_success);
	rc = step_write(q);
	if (rc != SQLITE_DONE)
		e = rc_err(rc);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	release(s, c);
	return e;
}

static hotp_err sq_del_user(hotp_store *st, const char *aor)
{
	sq_store *s = (sq_store *)st;
	sq_conn *c;
	sqlite3_stmt *q;
	hotp_err e = HOTP_E_OK;
	int rc;

	if ((e = acquire(s, &c)))
		return e;
	q = c->q[Q_DEL];
	sqlite3_bind_text(q, 1, aor, -1, SQLITE_STATIC);
	rc = step_write(q);
	if (rc == SQLITE_DONE)
		e = sqlite3_changes(c->db) == 1 ? HOTP_E_OK : HOTP_E_STORE_NOUSER;
	else
		e = rc_err(rc);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	release(s, c);
	return e;
}

static hotp_err sq_list(hotp_store *st, hotp_list_cb cb, void *arg)
{
	sq_store *s = (sq_store *)st;
	sq_conn *c;
	sqlite3_stmt *q;
	hotp_user_info in;
	hotp_err e = HOTP_E_OK;
	int rc;

	if ((e = acquire(s, &c)))
		return e;
	q = c->q[Q_LIST];
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const unsigned char *a = sqlite3_column_text(q, 0);
		memset(&in, 0, sizeof in);
		if (a == NULL ||
		    hotp_aor_check((const char *)a,
		                   (size_t)sqlite3_column_bytes(q, 0)) ||
		    (e = row_info(q, 1, &in))) {
			e = HOTP_E_STORE_CORRUPT;
			break;
		}
		snprintf(in.aor, sizeof in.aor, "%s", (const char *)a);
		if (cb(&in, arg) != 0)
			break;
	}
	if (!e && rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = rc_err(rc);
	sqlite3_reset(q);
	release(s, c);
	return e;
}

static void sq_close(hotp_store *st)
{
	sq_store *s = (sq_store *)st;

	if (s == NULL)
		return;
	hotp_pool_destroy(&s->pool);
	free(s->path);
	free(s);
}

static hotp_err sq_open(hotp_store **out, const char *path)
{
	sq_store *s;
	hotp_err e;

	*out = NULL;
	if (path == NULL || *path == 0)
		return HOTP_E_STORE_OPEN;
	if (!sqlite3_threadsafe())
		return HOTP_E_STORE_OPEN;
	if ((e = precreate(path)))
		return e;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return HOTP_E_NOMEM;
	if ((s->path = strdup(path)) == NULL) {
		free(s);
		return HOTP_E_NOMEM;
	}
	s->base.ops = &hotp_store_sqlite_ops;
	hotp_params_default(&s->base.params);
	if ((e = hotp_pool_init(&s->pool, HOTP_SQLITE_POOL, &sq_pool_ops, s))) {
		sq_close(&s->base);
		return e;
	}
	*out = &s->base;
	return HOTP_E_OK;
}

const hotp_store_ops hotp_store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.get_user = sq_get_user,
	.cas_counter = sq_cas_counter,
	.record_failure = sq_record_failure,
	.set_pending = sq_set_pending,
	.add_user = sq_add_user,
	.del_user = sq_del_user,
	.list = sq_list,
};

hotp_err hotp_store_open_sqlite(hotp_store **out, const char *path)
{
	return sq_open(out, path);
}
