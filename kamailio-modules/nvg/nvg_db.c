/*
 * nvg module - persistence of the gateway's binding table through
 * Kamailio's DB API (db_sqlite by default; any srdb1 driver with query,
 * insert and delete works).
 *
 * Write-through: every change the registrar's 2xx commits is written by the
 * process relaying that 2xx, under the binding's slot lock, before the 2xx
 * goes on to the mobile node; so an NVG killed at any time (even with -9)
 * restarts with every binding a mobile node was told about. Expiry is one
 * bulk DELETE per timer tick. The table is loaded once in mod_init, before
 * the workers fork.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */

#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/mem/mem.h"
#include "lib/srdb1/db.h"

#include "nvg.h"

static db_func_t nvg_dbf;
static db1_con_t *nvg_dbh = NULL;
static int nvg_db_on = 0;
static int nvg_db_is_sqlite = 0;

#define NVG_NCOLS 12
static str c_aor = str_init("aor");
static str c_token = str_init("token");
static str c_contact = str_init("contact");
static str c_received = str_init("received");
static str c_socket = str_init("socket");
static str c_callid = str_init("callid");
static str c_cseq = str_init("cseq");
static str c_instance = str_init("instance");
static str c_reg_id = str_init("reg_id");
static str c_q = str_init("q");
static str c_expires = str_init("expires");
static str c_modified = str_init("last_modified");

int nvg_db_enabled(void)
{
	return nvg_db_on;
}

/* sqlite:///path/file: create the directory and the file if missing (an
 * empty file is an empty database) */
static int nvg_sqlite_prepare(void)
{
	char path[512], *slash;
	const char *pfx = "sqlite://";
	int fd, plen = (int)strlen(pfx);

	if(nvg_db_url.len <= plen || strncmp(nvg_db_url.s, pfx, plen) != 0)
		return 0;
	nvg_db_is_sqlite = 1;
	if(nvg_db_url.len - plen >= (int)sizeof(path)) {
		LM_ERR("modparam db_url: path too long\n");
		return -1;
	}
	memcpy(path, nvg_db_url.s + plen, nvg_db_url.len - plen);
	path[nvg_db_url.len - plen] = 0;
	if(path[0] != '/')
		return 0;
	for(slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		if(mkdir(path, 0750) < 0 && errno != EEXIST) {
			LM_ERR("cannot create directory %s for the binding database: %s\n", path,
					strerror(errno));
			return -1;
		}
		*slash = '/';
	}
	fd = open(path, O_CREAT | O_RDWR, 0600);
	if(fd < 0) {
		LM_ERR("cannot open or create the binding database %s: %s\n", path,
				strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int nvg_db_raw(db1_con_t *h, const char *sql)
{
	db1_res_t *res = NULL;
	str q;
	int rc;

	q.s = (char *)sql;
	q.len = strlen(sql);
	/* with a result pointer db_sqlite steps the statement to its end */
	rc = nvg_dbf.raw_query(h, &q, &res);
	if(res)
		nvg_dbf.free_result(h, res);
	return rc;
}

static db1_con_t *nvg_db_open(void)
{
	db1_con_t *h = nvg_dbf.init(&nvg_db_url);

	if(!h) {
		LM_ERR("cannot connect to the binding database %.*s\n", nvg_db_url.len,
				nvg_db_url.s);
		return NULL;
	}
	if(nvg_db_is_sqlite && nvg_dbf.raw_query) {
		/* several processes write: wait for the file lock instead of
		 * failing with SQLITE_BUSY */
		if(nvg_db_raw(h, "PRAGMA busy_timeout = 5000") < 0)
			LM_WARN("cannot set the SQLite busy timeout\n");
	}
	if(nvg_dbf.use_table(h, &nvg_db_table) < 0) {
		LM_ERR("cannot use table %.*s\n", nvg_db_table.len, nvg_db_table.s);
		nvg_dbf.close(h);
		return NULL;
	}
	return h;
}

static int nvg_db_create(db1_con_t *h)
{
	char sql[1024];

	if(!nvg_dbf.raw_query) {
		LM_WARN("the DB driver has no raw queries: create table %.*s yourself "
				"(see the nvg README)\n", nvg_db_table.len, nvg_db_table.s);
		return 0;
	}
	snprintf(sql, sizeof(sql),
			"CREATE TABLE IF NOT EXISTS %.*s ("
			"aor VARCHAR(256) NOT NULL, "
			"token CHAR(16) NOT NULL, "
			"contact VARCHAR(512) NOT NULL, "
			"received VARCHAR(256) NOT NULL DEFAULT '', "
			"socket VARCHAR(256) NOT NULL DEFAULT '', "
			"callid VARCHAR(256) NOT NULL DEFAULT '', "
			"cseq INTEGER NOT NULL DEFAULT 0, "
			"instance VARCHAR(256) NOT NULL DEFAULT '', "
			"reg_id INTEGER NOT NULL DEFAULT 0, "
			"q INTEGER NOT NULL DEFAULT -1, "
			"expires BIGINT NOT NULL, "
			"last_modified BIGINT NOT NULL DEFAULT 0, "
			"PRIMARY KEY (aor, token))",
			nvg_db_table.len, nvg_db_table.s);
	if(nvg_db_raw(h, sql) < 0) {
		LM_ERR("cannot create table %.*s\n", nvg_db_table.len, nvg_db_table.s);
		return -1;
	}
	return 0;
}

static long long nvg_val_int(db_val_t *v)
{
	if(VAL_NULL(v))
		return 0;
	switch(VAL_TYPE(v)) {
		case DB1_INT:
			return VAL_INT(v);
		case DB1_BIGINT:
			return VAL_BIGINT(v);
		case DB1_DOUBLE:
			return (long long)VAL_DOUBLE(v);
		case DB1_STRING:
			return VAL_STRING(v) ? atoll(VAL_STRING(v)) : 0;
		case DB1_STR: {
			char b[32];
			int l = VAL_STR(v).len < 31 ? VAL_STR(v).len : 31;
			memcpy(b, VAL_STR(v).s, l);
			b[l] = 0;
			return atoll(b);
		}
		default:
			return 0;
	}
}

static str nvg_val_str(db_val_t *v)
{
	str s = STR_NULL;

	if(VAL_NULL(v))
		return s;
	switch(VAL_TYPE(v)) {
		case DB1_STRING:
			s.s = (char *)VAL_STRING(v);
			s.len = s.s ? strlen(s.s) : 0;
			break;
		case DB1_STR:
			s = VAL_STR(v);
			break;
		case DB1_BLOB:
			s = VAL_BLOB(v);
			break;
		default:
			break;
	}
	return s;
}

static int nvg_db_load(db1_con_t *h)
{
	db_key_t cols[NVG_NCOLS] = {&c_aor, &c_token, &c_contact, &c_received, &c_socket,
			&c_callid, &c_cseq, &c_instance, &c_reg_id, &c_q, &c_expires, &c_modified};
	db1_res_t *res = NULL;
	db_val_t *vals;
	nvg_contact_t b;
	str aor, s;
	char *at;
	int i, rc, loaded = 0, skipped = 0, bad = 0;
	int64_t now = (int64_t)time(NULL);

	if(nvg_dbf.query(h, 0, 0, 0, cols, 0, NVG_NCOLS, 0, &res) < 0) {
		LM_ERR("cannot load the bindings from %.*s\n", nvg_db_table.len, nvg_db_table.s);
		return -1;
	}
	for(i = 0; res && i < RES_ROW_N(res); i++) {
		vals = ROW_VALUES(&RES_ROWS(res)[i]);
		memset(&b, 0, sizeof(b));
		aor = nvg_val_str(&vals[0]);
		s = nvg_val_str(&vals[1]);
		if(!aor.s || aor.len <= 0 || !s.s || s.len != NVG_TOKEN_LEN) {
			bad++;
			continue;
		}
		memcpy(b.token, s.s, NVG_TOKEN_LEN);
		b.token[NVG_TOKEN_LEN] = 0;
		s = nvg_val_str(&vals[2]);
		b.uri = s.s;
		b.uri_len = s.s ? (size_t)s.len : 0;
		s = nvg_val_str(&vals[3]);
		b.received = s.s;
		b.received_len = s.s ? (size_t)s.len : 0;
		s = nvg_val_str(&vals[4]);
		b.sock = s.s;
		b.sock_len = s.s ? (size_t)s.len : 0;
		s = nvg_val_str(&vals[5]);
		b.callid = s.s;
		b.callid_len = s.s ? (size_t)s.len : 0;
		b.cseq = (uint32_t)nvg_val_int(&vals[6]);
		s = nvg_val_str(&vals[7]);
		b.instance = s.s;
		b.instance_len = s.s ? (size_t)s.len : 0;
		b.reg_id = (uint32_t)nvg_val_int(&vals[8]);
		b.q = (int)nvg_val_int(&vals[9]);
		b.expires = (int64_t)nvg_val_int(&vals[10]);
		b.last_modified = (int64_t)nvg_val_int(&vals[11]);
		at = memchr(aor.s, '@', aor.len);
		if(!at || b.received_len > NVG_MAX_FIELD || b.sock_len > NVG_MAX_FIELD
				|| b.callid_len > NVG_MAX_FIELD || b.instance_len > NVG_MAX_FIELD) {
			bad++;
			continue;
		}
		rc = nvg_tbl_load(nvg_table, aor.s, (size_t)aor.len, (size_t)(at - aor.s), &b,
				now);
		if(rc == 1)
			loaded++;
		else if(rc == 0)
			skipped++;
		else {
			bad++;
			LM_WARN("binding %.*s/%s not loaded: %s\n", aor.len, aor.s, b.token,
					nvg_tbl_strerror(rc));
		}
	}
	if(res)
		nvg_dbf.free_result(h, res);
	LM_INFO("loaded %d binding(s) from %.*s (%d expired, %d refused)\n", loaded,
			nvg_db_table.len, nvg_db_table.s, skipped, bad);
	return 0;
}

int nvg_db_init(void)
{
	if(nvg_db_url.len <= 0) {
		LM_INFO("no db_url: the binding table is not persistent\n");
		return 0;
	}
	if(nvg_sqlite_prepare() < 0)
		return -1;
	if(db_bind_mod(&nvg_db_url, &nvg_dbf) < 0) {
		LM_ERR("cannot bind a DB driver for %.*s (load db_sqlite or the driver of "
			   "the URL before nvg)\n", nvg_db_url.len, nvg_db_url.s);
		return -1;
	}
	if(!DB_CAPABILITY(nvg_dbf, DB_CAP_QUERY | DB_CAP_INSERT | DB_CAP_DELETE)) {
		LM_ERR("the DB driver lacks query/insert/delete\n");
		return -1;
	}
	nvg_dbh = nvg_db_open();
	if(!nvg_dbh)
		return -1;
	if(nvg_db_create_table && nvg_db_create(nvg_dbh) < 0)
		goto error;
	if(nvg_db_load(nvg_dbh) < 0)
		goto error;
	/* remove what expired while we were down */
	nvg_db_expire(time(NULL));
	nvg_dbf.close(nvg_dbh);
	nvg_dbh = NULL;
	nvg_db_on = 1;
	return 0;
error:
	nvg_dbf.close(nvg_dbh);
	nvg_dbh = NULL;
	return -1;
}

int nvg_db_child_init(int rank)
{
	if(!nvg_db_on)
		return 0;
	nvg_dbh = nvg_db_open();
	return nvg_dbh ? 0 : -1;
}

static void nvg_db_error(const char *what, const nvg_aor_t *a, const nvg_contact_t *c)
{
	update_stat(nvg_st_db_errors, 1);
	LM_ERR("binding %s/%s: database %s failed (the table in memory is right; the "
		   "stored copy is behind)\n", a->aor, c->token, what);
}

#define STRV(v, p, l)                     \
	do {                                  \
		(v).type = DB1_STR;               \
		(v).nul = 0;                      \
		(v).val.str_val.s = (char *)(p);  \
		(v).val.str_val.len = (int)(l);   \
	} while(0)
#define INTV(v, x)                  \
	do {                            \
		(v).type = DB1_INT;         \
		(v).nul = 0;                \
		(v).val.int_val = (int)(x); \
	} while(0)
#define BIGV(v, x)                             \
	do {                                       \
		(v).type = DB1_BIGINT;                 \
		(v).nul = 0;                           \
		(v).val.ll_val = (long long)(x);       \
	} while(0)

void nvg_db_persist(void *ctx, nvg_pop_t op, const nvg_aor_t *a,
		const nvg_contact_t *c)
{
	db_key_t keys[NVG_NCOLS] = {&c_aor, &c_token, &c_contact, &c_received, &c_socket,
			&c_callid, &c_cseq, &c_instance, &c_reg_id, &c_q, &c_expires, &c_modified};
	db_val_t vals[NVG_NCOLS];
	int tx = 0;

	if(!nvg_db_on || !nvg_dbh) {
		if(nvg_db_on)
			nvg_db_error("write (no connection in this process)", a, c);
		return;
	}
	memset(vals, 0, sizeof(vals));
	STRV(vals[0], a->aor, a->aor_len);
	STRV(vals[1], c->token, NVG_TOKEN_LEN);
	if(op == NVG_P_DELETE) {
		if(nvg_dbf.delete(nvg_dbh, keys, 0, vals, 2) < 0)
			nvg_db_error("delete", a, c);
		return;
	}
	STRV(vals[2], c->uri, c->uri_len);
	STRV(vals[3], c->received, c->received_len);
	STRV(vals[4], c->sock, c->sock_len);
	STRV(vals[5], c->callid, c->callid_len);
	INTV(vals[6], c->cseq);
	STRV(vals[7], c->instance, c->instance_len);
	INTV(vals[8], c->reg_id);
	INTV(vals[9], c->q);
	BIGV(vals[10], c->expires);
	BIGV(vals[11], c->last_modified);
	if(nvg_dbf.replace) {
		if(nvg_dbf.replace(nvg_dbh, keys, vals, NVG_NCOLS, 2, 0) < 0)
			nvg_db_error("replace", a, c);
		return;
	}
	/* delete + insert, as one transaction where the driver allows */
	if(nvg_dbf.start_transaction) {
		tx = nvg_dbf.start_transaction(nvg_dbh, DB_LOCKING_NONE) == 0 ? 1 : 0;
	} else if(nvg_db_is_sqlite && nvg_dbf.raw_query) {
		tx = nvg_db_raw(nvg_dbh, "BEGIN IMMEDIATE") == 0 ? 2 : 0;
	}
	if(nvg_dbf.delete(nvg_dbh, keys, 0, vals, 2) < 0
			|| nvg_dbf.insert(nvg_dbh, keys, vals, NVG_NCOLS) < 0) {
		nvg_db_error("write", a, c);
		if(tx == 1 && nvg_dbf.abort_transaction)
			nvg_dbf.abort_transaction(nvg_dbh);
		else if(tx == 2)
			nvg_db_raw(nvg_dbh, "ROLLBACK");
		return;
	}
	if(tx == 1 && nvg_dbf.end_transaction(nvg_dbh) < 0)
		nvg_db_error("commit", a, c);
	else if(tx == 2 && nvg_db_raw(nvg_dbh, "COMMIT") < 0)
		nvg_db_error("commit", a, c);
}

void nvg_db_expire(time_t now)
{
	db_key_t k[1] = {&c_expires};
	db_op_t o[1] = {OP_LEQ};
	db_val_t v[1];

	if(!nvg_dbh)
		return;
	memset(v, 0, sizeof(v));
	BIGV(v[0], now);
	if(nvg_dbf.delete(nvg_dbh, k, o, v, 1) < 0) {
		update_stat(nvg_st_db_errors, 1);
		LM_ERR("cannot delete expired bindings from %.*s\n", nvg_db_table.len,
				nvg_db_table.s);
	}
}
