/*
 * SeNEMO app_hotp -- PostgreSQL store backend (libpq), same semantics as the
 * SQLite backend (see hotp_store.h).
 *
 * Durability: every session sets synchronous_commit = on, so a COMMIT (here:
 * an autocommit UPDATE) returns only after the WAL record is flushed on the
 * server (with the server's fsync = on, the PostgreSQL default).
 *
 * Atomicity: each state change is one UPDATE whose WHERE clause is the
 * compare part (counter = expected).  Under READ COMMITTED a concurrent
 * UPDATE of the same row waits for the first one to commit and then
 * re-evaluates its WHERE clause against the new row version, so exactly one
 * of two racing CASes changes the row.
 *
 * Connection loss: the failing call returns HOTP_E_STORE_IO and the
 * connection is reset for the next call; a CAS is never retried blindly (if
 * it had committed, the retry would lose and the OTP is rejected: an OTP can
 * be lost, never accepted twice).
 *
 * Threads: a pool of up to HOTP_PG_POOL connections, one thread each at a
 * time.  Processes: each process opens its own store.
 */
#include "hotp_store.h"
#include "hotp_pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT4 23
#define OID_TEXT 25

#define SCHEMA_VERSION 1

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS users("
    " aor            TEXT PRIMARY KEY,"
    " secret         BYTEA NOT NULL CHECK(length(secret) BETWEEN 16 AND 64),"
    " digits         INTEGER NOT NULL CHECK(digits BETWEEN 6 AND 8),"
    " algo           TEXT NOT NULL CHECK(algo IN ('sha1','sha256','sha512')),"
    " kind           TEXT NOT NULL DEFAULT 'hotp' CHECK(kind IN ('hotp','totp')),"
    " period         INTEGER NOT NULL DEFAULT 30 CHECK(period BETWEEN 1 AND 3600),"
    " counter        BIGINT NOT NULL DEFAULT -1 CHECK(counter >= -1),"
    " pending_resync BIGINT NOT NULL DEFAULT -1 CHECK(pending_resync >= -1),"
    " pending_at     BIGINT NOT NULL DEFAULT 0,"
    " fail_count     BIGINT NOT NULL DEFAULT 0 CHECK(fail_count >= 0),"
    " locked_until   BIGINT NOT NULL DEFAULT 0,"
    " created        BIGINT NOT NULL,"
    " last_success   BIGINT NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS hotp_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT INTO hotp_meta VALUES('schema_version', '1') ON CONFLICT DO NOTHING;";

#define COLS_INFO                                                              \
	"digits, algo, kind, period, counter, pending_resync, pending_at,"    \
	" fail_count, locked_until, created, last_success"

enum { Q_GET, Q_CAS, Q_FAIL, Q_PEND, Q_ADD, Q_DEL, Q_LIST, Q__N };

static const struct {
	const char *name, *sql;
	int nparams;
	Oid types[13];
} q_def[Q__N] = {
	[Q_GET] = { "hotp_get", "SELECT secret, " COLS_INFO
	            " FROM users WHERE aor = $1", 1, { OID_TEXT } },
	[Q_CAS] = { "hotp_cas",
	            "UPDATE users SET counter = $2, fail_count = 0,"
	            " locked_until = 0, pending_resync = -1, pending_at = 0,"
	            " last_success = $4"
	            " WHERE aor = $1 AND counter = $3 AND $2 > $3"
	            " AND locked_until <= $4",
	            4, { OID_TEXT, OID_INT8, OID_INT8, OID_INT8 } },
	/* same formula as hotp_lock_until(); the CASE sees the old fail_count */
	[Q_FAIL] = { "hotp_fail",
	             "UPDATE users SET"
	             " fail_count = LEAST(fail_count + 1, 4294967295),"
	             " pending_resync = -1, pending_at = 0,"
	             " locked_until = CASE WHEN $3 > 0 AND fail_count + 1 >= $3"
	             "  THEN $2 + LEAST($5, $4 << LEAST(fail_count + 1 - $3, 30)::int)"
	             "  ELSE locked_until END"
	             " WHERE aor = $1 RETURNING fail_count, locked_until",
	             5, { OID_TEXT, OID_INT8, OID_INT8, OID_INT8, OID_INT8 } },
	[Q_PEND] = { "hotp_pend",
	             "UPDATE users SET pending_resync = $3, pending_at = $4"
	             " WHERE aor = $1 AND counter = $2",
	             4, { OID_TEXT, OID_INT8, OID_INT8, OID_INT8 } },
	[Q_ADD] = { "hotp_add",
	            "INSERT INTO users(aor, secret, digits, algo, kind, period,"
	            " counter, pending_resync, pending_at, fail_count,"
	            " locked_until, created, last_success)"
	            " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
	            13, { OID_TEXT, OID_BYTEA, OID_INT4, OID_TEXT, OID_TEXT,
	                  OID_INT4, OID_INT8, OID_INT8, OID_INT8, OID_INT8,
	                  OID_INT8, OID_INT8, OID_INT8 } },
	[Q_DEL] = { "hotp_del", "DELETE FROM users WHERE aor = $1", 1,
	            { OID_TEXT } },
	[Q_LIST] = { "hotp_list", "SELECT aor, " COLS_INFO
	             " FROM users ORDER BY aor COLLATE \"C\"", 0, { 0 } },
};

typedef struct pg_conn {
	hotp_pool_conn  link;   /* first: the pool links connections */
	PGconn         *pg;
	int             prepared;
} pg_conn;

typedef struct pg_store {
	hotp_store      base;
	char           *conninfo;
	hotp_pool       pool;
} pg_store;

/* silence libpq's default notice printer (NOTICEs of IF NOT EXISTS) */
static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static hotp_err exec_ok(PGconn *pg, const char *sql)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType s = PQresultStatus(r);
	PQclear(r);
	return (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) ? HOTP_E_OK
	                                                      : HOTP_E_STORE_IO;
}

static hotp_err prepare_all(pg_conn *c)
{
	for (int i = 0; i < Q__N; i++) {
		PGresult *r = PQprepare(c->pg, q_def[i].name, q_def[i].sql,
		                        q_def[i].nparams, q_def[i].types);
		ExecStatusType s = PQresultStatus(r);
		PQclear(r);
		if (s != PGRES_COMMAND_OK)
			return HOTP_E_STORE_SCHEMA;
	}
	c->prepared = 1;
	return HOTP_E_OK;
}

static hotp_err session_setup(pg_conn *c)
{
	PQsetNoticeProcessor(c->pg, quiet, NULL);
	if (exec_ok(c->pg, "SET synchronous_commit TO on;"
	                   "SET default_transaction_isolation TO 'read committed'"))
		return HOTP_E_STORE_OPEN;
	return prepare_all(c);
}

static void conn_close(pg_conn *c)
{
	if (c == NULL)
		return;
	PQfinish(c->pg);
	free(c);
}

static hotp_err create_schema(PGconn *pg)
{
	PGresult *r;
	hotp_err e;
	long ver = 0;

	if (exec_ok(pg, "BEGIN"))
		return HOTP_E_STORE_IO;
	/* serialise concurrent first opens (CREATE IF NOT EXISTS races) */
	e = exec_ok(pg, "SELECT pg_advisory_xact_lock(7412398123)");
	if (!e)
		e = exec_ok(pg, schema_sql) ? HOTP_E_STORE_SCHEMA : HOTP_E_OK;
	if (!e) {
		r = PQexec(pg, "SELECT value FROM hotp_meta WHERE key = 'schema_version'");
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
			ver = strtol(PQgetvalue(r, 0, 0), NULL, 10);
		else
			e = HOTP_E_STORE_SCHEMA;
		PQclear(r);
		if (!e && ver != SCHEMA_VERSION)
			e = HOTP_E_STORE_SCHEMA;
	}
	if (e) {
		exec_ok(pg, "ROLLBACK");
		return e;
	}
	return exec_ok(pg, "COMMIT");
}

static hotp_err conn_open(pg_store *s, int first, pg_conn **out)
{
	pg_conn *c = calloc(1, sizeof *c);
	hotp_err e;

	if (c == NULL)
		return HOTP_E_NOMEM;
	c->pg = PQconnectdb(s->conninfo);
	if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
		conn_close(c);
		return HOTP_E_STORE_OPEN;
	}
	PQsetNoticeProcessor(c->pg, quiet, NULL);
	if (first && (e = create_schema(c->pg))) {
		conn_close(c);
		return e;
	}
	if ((e = session_setup(c))) {
		conn_close(c);
		return e;
	}
	*out = c;
	return HOTP_E_OK;
}

static hotp_err pool_open(void *owner, int first, hotp_pool_conn **out)
{
	pg_conn *c;
	hotp_err e = conn_open(owner, first, &c);

	if (e == HOTP_E_OK)
		*out = &c->link;
	return e;
}

static void pool_close(hotp_pool_conn *c)
{
	conn_close((pg_conn *)c);
}

/* a connection lost earlier is re-established when it is taken again */
static hotp_err pool_revive(void *owner, hotp_pool_conn *pc)
{
	pg_conn *c = (pg_conn *)pc;

	(void)owner;
	if (PQstatus(c->pg) == CONNECTION_OK)
		return HOTP_E_OK;
	PQreset(c->pg);
	c->prepared = 0;
	if (PQstatus(c->pg) != CONNECTION_OK || session_setup(c) != HOTP_E_OK)
		return HOTP_E_STORE_IO;
	return HOTP_E_OK;
}

static const hotp_pool_ops pg_pool_ops = { pool_open, pool_close, pool_revive };

static hotp_err acquire(pg_store *s, pg_conn **out)
{
	return hotp_pool_acquire(&s->pool, (hotp_pool_conn **)out);
}

static void release(pg_store *s, pg_conn *c)
{
	hotp_pool_release(&s->pool, &c->link);
}

/* Execute prepared statement q with text parameters (bytea param binary);
 * results in binary format. */
static PGresult *run(pg_conn *c, int q, const char *const *vals,
                     const int *lens, const int *fmts)
{
	return PQexecPrepared(c->pg, q_def[q].name, q_def[q].nparams, vals, lens,
	                      fmts, 1);
}

static hotp_err res_err(PGresult *r)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (state == NULL)
		return HOTP_E_STORE_IO;
	if (strcmp(state, "23505") == 0)
		return HOTP_E_STORE_EXISTS;
	if (strncmp(state, "23", 2) == 0)
		return HOTP_E_STORE_CORRUPT;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		return HOTP_E_STORE_BUSY;
	return HOTP_E_STORE_IO;
}

/* binary-format integer column (int4 or int8, network order) */
static int64_t col_i64(const PGresult *r, int row, int col)
{
	const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
	int n = PQgetlength(r, row, col);
	uint64_t v = 0;
	if (n != 4 && n != 8)
		return INT64_MIN;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	if (n == 4)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}

static hotp_err col_text(const PGresult *r, int row, int col, char *buf,
                         size_t cap)
{
	int n = PQgetlength(r, row, col);
	if (PQgetisnull(r, row, col) || n < 0 || (size_t)n >= cap)
		return HOTP_E_STORE_CORRUPT;
	memcpy(buf, PQgetvalue(r, row, col), (size_t)n);
	buf[n] = 0;
	return HOTP_E_OK;
}

static hotp_err row_info(const PGresult *r, int row, int col, hotp_user_info *in)
{
	char algo[16], kind[16];
	int64_t v;

	if (col_text(r, row, col + 1, algo, sizeof algo) ||
	    hotp_algo_parse(algo, &in->algo) ||
	    col_text(r, row, col + 2, kind, sizeof kind) ||
	    hotp_kind_parse(kind, &in->kind))
		return HOTP_E_STORE_CORRUPT;
	in->digits = (uint32_t)col_i64(r, row, col + 0);
	in->period = (uint32_t)col_i64(r, row, col + 3);
	in->st.counter = col_i64(r, row, col + 4);
	in->st.pending_resync = col_i64(r, row, col + 5);
	in->st.pending_at = col_i64(r, row, col + 6);
	v = col_i64(r, row, col + 7);
	if (v < 0 || v > (int64_t)UINT32_MAX)
		return HOTP_E_STORE_CORRUPT;
	in->st.fail_count = (uint32_t)v;
	in->st.locked_until = col_i64(r, row, col + 8);
	in->created = col_i64(r, row, col + 9);
	in->last_success = col_i64(r, row, col + 10);
	return HOTP_E_OK;
}

#define I64S 24
static const char *i64s(char *buf, int64_t v)
{
	snprintf(buf, I64S, "%lld", (long long)v);
	return buf;
}

static hotp_err pg_get_user(hotp_store *st, const char *aor, hotp_user *u)
{
	pg_store *s = (pg_store *)st;
	const char *vals[1] = { aor };
	pg_conn *c;
	PGresult *r;
	hotp_err e;

	memset(u, 0, sizeof *u);
	if ((e = acquire(s, &c)))
		return e;
	r = run(c, Q_GET, vals, NULL, NULL);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		e = res_err(r);
	} else if (PQntuples(r) == 0) {
		e = HOTP_E_STORE_NOUSER;
	} else {
		int n = PQgetlength(r, 0, 0);
		if (PQgetisnull(r, 0, 0) || n < HOTP_SECRET_MIN || n > HOTP_SECRET_MAX) {
			e = HOTP_E_STORE_CORRUPT;
		} else {
			memcpy(u->secret, PQgetvalue(r, 0, 0), (size_t)n);
			u->secret_len = (size_t)n;
			snprintf(u->info.aor, sizeof u->info.aor, "%s", aor);
			e = row_info(r, 0, 1, &u->info);
			if (!e && hotp_user_check(u))
				e = HOTP_E_STORE_CORRUPT;
		}
		/* the result buffer held the secret */
		if (n > 0 && !PQgetisnull(r, 0, 0))
			memset(PQgetvalue(r, 0, 0), 0, (size_t)n);
	}
	PQclear(r);
	release(s, c);
	if (e)
		hotp_user_wipe(u);
	return e;
}

static hotp_err update_won(pg_store *s, int q, const char *const *vals, int *won)
{
	pg_conn *c;
	PGresult *r;
	hotp_err e = HOTP_E_OK;

	if ((e = acquire(s, &c)))
		return e;
	r = run(c, q, vals, NULL, NULL);
	if (PQresultStatus(r) == PGRES_COMMAND_OK)
		*won = strcmp(PQcmdTuples(r), "1") == 0;
	else
		e = res_err(r);
	PQclear(r);
	release(s, c);
	return e;
}

static hotp_err pg_cas_counter(hotp_store *st, const char *aor,
                               int64_t expected, int64_t new_counter,
                               int64_t now, int *won)
{
	char a[I64S], b[I64S], t[I64S];
	const char *vals[4];

	*won = 0;
	if (new_counter <= expected || new_counter > HOTP_COUNTER_MAX)
		return HOTP_E_COUNTER;
	vals[0] = aor;
	vals[1] = i64s(a, new_counter);
	vals[2] = i64s(b, expected);
	vals[3] = i64s(t, now);
	return update_won((pg_store *)st, Q_CAS, vals, won);
}

static hotp_err pg_set_pending(hotp_store *st, const char *aor,
                               int64_t expected, int64_t pending, int64_t now,
                               int *won)
{
	char a[I64S], b[I64S], t[I64S];
	const char *vals[4];

	*won = 0;
	if (pending < -1 || pending > HOTP_COUNTER_MAX)
		return HOTP_E_COUNTER;
	vals[0] = aor;
	vals[1] = i64s(a, expected);
	vals[2] = i64s(b, pending);
	vals[3] = i64s(t, now);
	return update_won((pg_store *)st, Q_PEND, vals, won);
}

static hotp_err pg_record_failure(hotp_store *st, const char *aor, int64_t now,
                                  const hotp_params *p, uint32_t *fail_count,
                                  int64_t *locked_until)
{
	pg_store *s = (pg_store *)st;
	char b[4][I64S];
	const char *vals[5];
	pg_conn *c;
	PGresult *r;
	hotp_err e;

	if (hotp_params_check(p))
		return HOTP_E_PARAM;
	vals[0] = aor;
	vals[1] = i64s(b[0], now);
	vals[2] = i64s(b[1], p->lock_threshold);
	vals[3] = i64s(b[2], p->lock_base);
	vals[4] = i64s(b[3], p->lock_max);
	if ((e = acquire(s, &c)))
		return e;
	r = run(c, Q_FAIL, vals, NULL, NULL);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		e = res_err(r);
	} else if (PQntuples(r) == 0) {
		e = HOTP_E_STORE_NOUSER;
	} else {
		if (fail_count)
			*fail_count = (uint32_t)col_i64(r, 0, 0);
		if (locked_until)
			*locked_until = col_i64(r, 0, 1);
	}
	PQclear(r);
	release(s, c);
	return e;
}

static hotp_err pg_add_user(hotp_store *st, const hotp_user *u)
{
	pg_store *s = (pg_store *)st;
	const hotp_user_info *in = &u->info;
	char b[11][I64S];
	const char *vals[13];
	int lens[13] = { 0 }, fmts[13] = { 0 };
	pg_conn *c;
	PGresult *r;
	hotp_err e;

	vals[0] = in->aor;
	vals[1] = (const char *)u->secret;
	lens[1] = (int)u->secret_len;
	fmts[1] = 1; /* binary bytea */
	vals[2] = i64s(b[0], in->digits);
	vals[3] = hotp_algo_name(in->algo);
	vals[4] = hotp_kind_name(in->kind);
	vals[5] = i64s(b[1], in->period);
	vals[6] = i64s(b[2], in->st.counter);
	vals[7] = i64s(b[3], in->st.pending_resync);
	vals[8] = i64s(b[4], in->st.pending_at);
	vals[9] = i64s(b[5], in->st.fail_count);
	vals[10] = i64s(b[6], in->st.locked_until);
	vals[11] = i64s(b[7], in->created);
	vals[12] = i64s(b[8], in->last_success);
	if ((e = acquire(s, &c)))
		return e;
	r = run(c, Q_ADD, vals, lens, fmts);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		e = res_err(r);
	PQclear(r);
	release(s, c);
	return e;
}

static hotp_err pg_del_user(hotp_store *st, const char *aor)
{
	const char *vals[1] = { aor };
	int won = 0;
	hotp_err e = update_won((pg_store *)st, Q_DEL, vals, &won);
	if (!e && !won)
		e = HOTP_E_STORE_NOUSER;
	return e;
}

static hotp_err pg_list(hotp_store *st, hotp_list_cb cb, void *arg)
{
	pg_store *s = (pg_store *)st;
	hotp_user_info in;
	pg_conn *c;
	PGresult *r;
	hotp_err e;

	if ((e = acquire(s, &c)))
		return e;
	r = run(c, Q_LIST, NULL, NULL, NULL);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		e = res_err(r);
	} else {
		for (int i = 0; i < PQntuples(r); i++) {
			memset(&in, 0, sizeof in);
			if (col_text(r, i, 0, in.aor, sizeof in.aor) ||
			    hotp_aor_check(in.aor, strlen(in.aor)) ||
			    row_info(r, i, 1, &in)) {
				e = HOTP_E_STORE_CORRUPT;
				break;
			}
			if (cb(&in, arg) != 0)
				break;
		}
	}
	PQclear(r);
	release(s, c);
	return e;
}

static void pg_close(hotp_store *st)
{
	pg_store *s = (pg_store *)st;

	if (s == NULL)
		return;
	hotp_pool_destroy(&s->pool);
	if (s->conninfo) {
		memset(s->conninfo, 0, strlen(s->conninfo)); /* may hold a password */
		free(s->conninfo);
	}
	free(s);
}

static hotp_err pg_open(hotp_store **out, const char *conninfo)
{
	pg_store *s;
	hotp_err e;

	*out = NULL;
	if (conninfo == NULL)
		return HOTP_E_STORE_OPEN;
	if (!PQisthreadsafe())
		return HOTP_E_STORE_OPEN;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return HOTP_E_NOMEM;
	if ((s->conninfo = strdup(conninfo)) == NULL) {
		free(s);
		return HOTP_E_NOMEM;
	}
	s->base.ops = &hotp_store_pg_ops;
	hotp_params_default(&s->base.params);
	if ((e = hotp_pool_init(&s->pool, HOTP_PG_POOL, &pg_pool_ops, s))) {
		pg_close(&s->base);
		return e;
	}
	*out = &s->base;
	return HOTP_E_OK;
}

const hotp_store_ops hotp_store_pg_ops = {
	.name = "pgsql",
	.open = pg_open,
	.close = pg_close,
	.get_user = pg_get_user,
	.cas_counter = pg_cas_counter,
	.record_failure = pg_record_failure,
	.set_pending = pg_set_pending,
	.add_user = pg_add_user,
	.del_user = pg_del_user,
	.list = pg_list,
};

hotp_err hotp_store_open_pg(hotp_store **out, const char *conninfo)
{
	return pg_open(out, conninfo);
}
