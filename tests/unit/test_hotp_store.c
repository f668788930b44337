/*
 * Unit tests of the app_hotp store (SQLite backend) and hotp_verify():
 * file mode, durability across close/reopen and a simulated crash, CAS
 * semantics, 4 threads x 200 rounds and 2 processes racing on the same OTP,
 * unknown users, malformed input rejected before the store is touched.
 * Every test works in its own temporary directory.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HOTP_TEST_PG
#include <glob.h>
#include <pwd.h>
#include <libpq-fe.h>
#else
#include <sqlite3.h>
#endif

#include "hotp.h"
#include "hotp_store.h"

#define NOW 1700000000

static const uint8_t K20[] = "12345678901234567890";
static const char *const RFC[10] = { "755224", "287082", "359152", "969429",
                                     "338314", "254676", "287922", "162583",
                                     "399871", "520489" };

struct ctx {
	char dir[64];
	char db[128];
};

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb; (void)flag; (void)f;
	return remove(p);
}

/* ---- backend selection ---------------------------------------------------
 * Built plain: the SQLite backend.  Built with -DHOTP_TEST_PG: the same tests
 * (less the file-level ones) against the PostgreSQL backend, on a private
 * server (initdb + pg_ctl in a temporary directory, Unix socket only, no TCP;
 * run as the `postgres` user through runuser when the test runs as root).
 */
#ifdef HOTP_TEST_PG
static char pg_dir[64];
static char pg_conninfo[256];
static char pg_prefix[64];
static char pg_bin[256];

static int run_cmd(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	st = system(cmd);
	return (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
}

static int pg_group_setup(void **state)
{
	glob_t g;
	(void)state;
	if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) != 0 ||
	    g.gl_pathc == 0) {
		fprintf(stderr, "no PostgreSQL server binaries (initdb)\n");
		return -1;
	}
	snprintf(pg_bin, sizeof pg_bin, "%s", g.gl_pathv[g.gl_pathc - 1]);
	*strrchr(pg_bin, '/') = 0;
	globfree(&g);
	snprintf(pg_dir, sizeof pg_dir, "/tmp/hotp_pg_XXXXXX");
	if (mkdtemp(pg_dir) == NULL)
		return -1;
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam("postgres");
		if (pw == NULL || chown(pg_dir, pw->pw_uid, pw->pw_gid) != 0) {
			fprintf(stderr, "no postgres user to run the server\n");
			return -1;
		}
		snprintf(pg_prefix, sizeof pg_prefix, "runuser -u postgres -- ");
	}
	if (run_cmd("%s'%s/initdb' -D '%s/data' -A trust -U postgres --no-sync "
	            "-E UTF8 >'%s/initdb.log' 2>&1", pg_prefix, pg_bin, pg_dir,
	            pg_dir) != 0) {
		fprintf(stderr, "initdb failed, see %s/initdb.log\n", pg_dir);
		return -1;
	}
	if (run_cmd("%s'%s/pg_ctl' -D '%s/data' -l '%s/server.log' -w -t 60 "
	            "-o \"-k %s -p 54329 -c listen_addresses='' -c fsync=on\" "
	            "start >/dev/null 2>&1", pg_prefix, pg_bin, pg_dir, pg_dir,
	            pg_dir) != 0) {
		fprintf(stderr, "pg_ctl start failed, see %s/server.log\n", pg_dir);
		return -1;
	}
	snprintf(pg_conninfo, sizeof pg_conninfo,
	         "host=%s port=54329 user=postgres dbname=postgres", pg_dir);
	return 0;
}

static int pg_group_teardown(void **state)
{
	(void)state;
	if (pg_dir[0]) {
		run_cmd("%s'%s/pg_ctl' -D '%s/data' -m fast -w stop >/dev/null 2>&1",
		        pg_prefix, pg_bin, pg_dir);
		run_cmd("rm -rf '%s'", pg_dir);
	}
	hotp_global_cleanup();
	return 0;
}

static hotp_err backend_open(const struct ctx *c, hotp_store **st)
{
	(void)c;
	return hotp_store_open_pg(st, pg_conninfo);
}

/* every test starts from an empty database */
static int backend_reset(void)
{
	PGconn *pg = PQconnectdb(pg_conninfo);
	PGresult *r;
	int ok;
	if (PQstatus(pg) != CONNECTION_OK) {
		PQfinish(pg);
		return -1;
	}
	r = PQexec(pg, "SET client_min_messages TO warning;"
	               "DROP TABLE IF EXISTS users, hotp_meta");
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	PQfinish(pg);
	return ok ? 0 : -1;
}
#else
static hotp_err backend_open(const struct ctx *c, hotp_store **st)
{
	return hotp_store_open_sqlite(st, c->db);
}

static int backend_reset(void)
{
	return 0;
}
#endif

static int setup(void **state)
{
	struct ctx *c;

	if (backend_reset() != 0)
		return -1;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return -1;
	snprintf(c->dir, sizeof c->dir, "/tmp/hotp_store_XXXXXX");
	if (mkdtemp(c->dir) == NULL) {
		free(c);
		return -1;
	}
	snprintf(c->db, sizeof c->db, "%s/users.db", c->dir);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	nftw(c->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(c);
	hotp_thread_cleanup();
	return 0;
}

static hotp_store *open_store(const struct ctx *c)
{
	hotp_store *st = NULL;
	assert_int_equal(backend_open(c, &st), HOTP_E_OK);
	assert_non_null(st);
	return st;
}

static void add_user(hotp_store *st, const char *aor, uint32_t digits)
{
	hotp_user u;
	assert_int_equal(hotp_user_init(&u, aor, HOTP_KIND_HOTP, HOTP_ALGO_SHA1,
	                                digits, 30, K20, 20, NOW), HOTP_E_OK);
	assert_int_equal(hotp_store_add_user(st, &u), HOTP_E_OK);
	hotp_user_wipe(&u);
}

static void otp_at(int64_t k, char *buf)
{
	uint32_t v;
	assert_int_equal(hotp_generate(HOTP_ALGO_SHA1, K20, 20, (uint64_t)k, 6, &v), 0);
	assert_int_equal(hotp_format(v, 6, buf, HOTP_DIGITS_MAX + 1), 0);
}

static int64_t stored_counter(hotp_store *st, const char *aor)
{
	hotp_user u;
	assert_int_equal(hotp_store_get_user(st, aor, &u), HOTP_E_OK);
	hotp_user_wipe(&u);
	return u.info.st.counter;
}

/* ---- file mode ------------------------------------------------------------ */
#ifndef HOTP_TEST_PG
static void test_file_mode_0600(void **state)
{
	struct ctx *c = *state;
	hotp_store *st;
	hotp_result r;
	struct stat sb;
	char path[160];
	mode_t old = umask(0); /* the mode must not depend on the umask */

	st = open_store(c);
	umask(old);
	assert_int_equal(stat(c->db, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	add_user(st, "alice", 6);
	assert_int_equal(hotp_verify(st, "alice", RFC[0], NOW, &r), HOTP_R_OK);
	/* WAL and shared-memory files inherit the database file's mode */
	snprintf(path, sizeof path, "%s-wal", c->db);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	snprintf(path, sizeof path, "%s-shm", c->db);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	hotp_store_close(st);

	/* an existing world-readable file is tightened */
	assert_int_equal(chmod(c->db, 0644), 0);
	st = open_store(c);
	assert_int_equal(stat(c->db, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	hotp_store_close(st);

	/* a symlink or a directory is refused */
	snprintf(path, sizeof path, "%s/link.db", c->dir);
	assert_int_equal(symlink(c->db, path), 0);
	st = NULL;
	assert_int_equal(hotp_store_open_sqlite(&st, path), HOTP_E_STORE_PERM);
	assert_null(st);
	assert_int_equal(hotp_store_open_sqlite(&st, c->dir), HOTP_E_STORE_OPEN);
	assert_int_equal(hotp_store_open_sqlite(&st, ""), HOTP_E_STORE_OPEN);
	snprintf(path, sizeof path, "%s/nodir/x.db", c->dir);
	assert_int_equal(hotp_store_open_sqlite(&st, path), HOTP_E_STORE_OPEN);
}
#endif

/* ---- durability --------------------------------------------------------- */
static void test_durable_across_reopen(void **state)
{
	struct ctx *c = *state;
	hotp_store *st = open_store(c);
	hotp_result r;
	pid_t pid;
	int status;

	add_user(st, "sip:alice@example.com", 6);
	assert_int_equal(hotp_verify(st, "sip:alice@example.com", RFC[0], NOW, &r),
	                 HOTP_R_OK);
	assert_int_equal(r.counter, 0);
	hotp_store_close(st);

	st = open_store(c);
	assert_int_equal(stored_counter(st, "sip:alice@example.com"), 0);
	assert_int_equal(hotp_verify(st, "sip:alice@example.com", RFC[0], NOW, &r),
	                 HOTP_R_REPLAY);
	hotp_store_close(st);

	/* a process that accepts OTP 1 and dies without closing anything */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		hotp_store *cs = NULL;
		hotp_result cr;
		if (backend_open(c, &cs) != HOTP_E_OK)
			_exit(10);
		if (hotp_verify(cs, "sip:alice@example.com", RFC[1], NOW, &cr) !=
		    HOTP_R_OK)
			_exit(11);
		raise(SIGKILL); /* crash right after the success was returned */
		_exit(12);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	st = open_store(c);
	assert_int_equal(stored_counter(st, "sip:alice@example.com"), 1);
	assert_int_equal(hotp_verify(st, "sip:alice@example.com", RFC[1], NOW, &r),
	                 HOTP_R_REPLAY);
	assert_int_equal(hotp_verify(st, "sip:alice@example.com", RFC[2], NOW, &r),
	                 HOTP_R_OK);
	hotp_store_close(st);
}

/* ---- CAS / failure / pending primitives --------------------------------- */
static void test_cas_semantics(void **state)
{
	struct ctx *c = *state;
	hotp_store *st = open_store(c);
	const hotp_store_ops *ops = st->ops;
	hotp_params p;
	uint32_t fc = 0;
	int64_t lu = 0;
	int won = -1;

	add_user(st, "bob", 6);
	assert_int_equal(ops->cas_counter(st, "bob", -1, 5, NOW, &won), 0);
	assert_int_equal(won, 1);
	assert_int_equal(stored_counter(st, "bob"), 5);
	/* stale expected value loses */
	assert_int_equal(ops->cas_counter(st, "bob", -1, 6, NOW, &won), 0);
	assert_int_equal(won, 0);
	assert_int_equal(stored_counter(st, "bob"), 5);
	/* never backwards / sideways */
	assert_int_equal(ops->cas_counter(st, "bob", 5, 5, NOW, &won),
	                 HOTP_E_COUNTER);
	assert_int_equal(won, 0);
	assert_int_equal(ops->cas_counter(st, "bob", 5, 3, NOW, &won),
	                 HOTP_E_COUNTER);
	assert_int_equal(ops->cas_counter(st, "nobody", -1, 3, NOW, &won), 0);
	assert_int_equal(won, 0);

	/* record_failure evaluates exactly hotp_lock_until() */
	hotp_params_default(&p);
	p.lock_threshold = 3;
	p.lock_base = 10;
	p.lock_max = 100;
	for (uint32_t n = 1; n <= 8; n++) {
		int64_t want = hotp_lock_until(&p, n, NOW + n, lu);
		assert_int_equal(ops->record_failure(st, "bob", NOW + n, &p, &fc, &lu), 0);
		assert_int_equal(fc, n);
		assert_int_equal(lu, want);
	}
	assert_int_equal(lu, NOW + 8 + 100);
	assert_int_equal(ops->record_failure(st, "nobody", NOW, &p, &fc, &lu),
	                 HOTP_E_STORE_NOUSER);
	/* a locked user cannot be advanced */
	assert_int_equal(ops->cas_counter(st, "bob", 5, 6, NOW + 9, &won), 0);
	assert_int_equal(won, 0);
	assert_int_equal(ops->cas_counter(st, "bob", 5, 6, lu, &won), 0);
	assert_int_equal(won, 1);
	{
		hotp_user u;
		assert_int_equal(hotp_store_get_user(st, "bob", &u), 0);
		assert_int_equal(u.info.st.fail_count, 0);
		assert_int_equal(u.info.st.locked_until, 0);
		assert_int_equal(u.info.last_success, lu);
		hotp_user_wipe(&u);
	}
	/* pending resync only against the expected counter */
	assert_int_equal(ops->set_pending(st, "bob", 5, 60, NOW, &won), 0);
	assert_int_equal(won, 0);
	assert_int_equal(ops->set_pending(st, "bob", 6, 60, NOW, &won), 0);
	assert_int_equal(won, 1);
	{
		hotp_user u;
		assert_int_equal(hotp_store_get_user(st, "bob", &u), 0);
		assert_int_equal(u.info.st.pending_resync, 60);
		assert_int_equal(u.info.st.pending_at, NOW);
		hotp_user_wipe(&u);
	}
	/* failure clears it */
	assert_int_equal(ops->record_failure(st, "bob", NOW, &p, &fc, &lu), 0);
	{
		hotp_user u;
		assert_int_equal(hotp_store_get_user(st, "bob", &u), 0);
		assert_int_equal(u.info.st.pending_resync, -1);
		hotp_user_wipe(&u);
	}
	hotp_store_close(st);
}

/* ---- whole flow through the store ------------------------------------- */
static void test_verify_flow(void **state)
{
	struct ctx *c = *state;
	hotp_store *st = open_store(c);
	hotp_params p;
	hotp_result r;
	char otp[9];

	add_user(st, "carol", 6);
	/* window */
	assert_int_equal(hotp_verify(st, "carol", RFC[3], NOW, &r), HOTP_R_OK);
	assert_int_equal(r.counter, 3);
	assert_int_equal(hotp_verify(st, "carol", RFC[3], NOW, &r), HOTP_R_REPLAY);
	assert_int_equal(r.fail_count, 1);
	assert_int_equal(hotp_verify(st, "carol", RFC[2], NOW, &r), HOTP_R_REPLAY);
	assert_int_equal(r.fail_count, 2);
	/* resync, pending survives a reopen */
	otp_at(60, otp);
	assert_int_equal(hotp_verify(st, "carol", otp, NOW, &r),
	                 HOTP_R_RESYNC_NEEDED);
	assert_int_equal(r.counter, 60);
	hotp_store_close(st);
	st = open_store(c);
	otp_at(61, otp);
	assert_int_equal(hotp_verify(st, "carol", otp, NOW + 5, &r), HOTP_R_RESYNCED);
	assert_int_equal(r.counter, 61);
	assert_int_equal(stored_counter(st, "carol"), 61);
	/* non-consecutive resync */
	otp_at(100, otp);
	assert_int_equal(hotp_verify(st, "carol", otp, NOW, &r), HOTP_R_RESYNC_NEEDED);
	otp_at(102, otp);
	assert_int_equal(hotp_verify(st, "carol", otp, NOW, &r), HOTP_R_RESYNC_NEEDED);
	assert_int_equal(stored_counter(st, "carol"), 61);
	/* lockout persists across reopen, expires with time */
	hotp_params_default(&p);
	p.lock_threshold = 2;
	p.lock_base = 60;
	p.lock_max = 600;
	assert_int_equal(hotp_store_set_params(st, &p), 0);
	assert_int_equal(hotp_verify(st, "carol", "000000", NOW, &r), HOTP_R_BAD_OTP);
	assert_int_equal(hotp_verify(st, "carol", "000001", NOW, &r), HOTP_R_BAD_OTP);
	assert_int_equal(r.locked_until, NOW + 60);
	hotp_store_close(st);
	st = open_store(c);
	assert_int_equal(hotp_store_set_params(st, &p), 0);
	otp_at(62, otp);
	assert_int_equal(hotp_verify(st, "carol", otp, NOW + 59, &r), HOTP_R_LOCKED);
	assert_int_equal(r.locked_until, NOW + 60);
	assert_int_equal(hotp_verify(st, "carol", otp, NOW + 60, &r), HOTP_R_OK);
	assert_int_equal(r.fail_count, 0);
	/* per-user digit count */
	assert_int_equal(hotp_verify(st, "carol", "1234567", NOW + 60, &r),
	                 HOTP_R_MALFORMED);
	assert_int_equal(r.err, HOTP_E_OTP_LENGTH);
	p.window = 0;
	assert_int_equal(hotp_store_set_params(st, &p), HOTP_E_PARAM);
	hotp_store_close(st);
}

static void test_unknown_user(void **state)
{
	struct ctx *c = *state;
	hotp_store *st = open_store(c);
	hotp_result r;
	hotp_user u;

	add_user(st, "dave", 6);
	assert_int_equal(hotp_verify(st, "eve", RFC[0], NOW, &r),
	                 HOTP_R_UNKNOWN_USER);
	assert_int_equal(hotp_store_get_user(st, "eve", &u), HOTP_E_STORE_NOUSER);
	assert_int_equal(hotp_store_del_user(st, "eve"), HOTP_E_STORE_NOUSER);
	/* exact match only */
	assert_int_equal(hotp_verify(st, "Dave", RFC[0], NOW, &r),
	                 HOTP_R_UNKNOWN_USER);
	assert_int_equal(hotp_verify(st, "dave", RFC[0], NOW, &r), HOTP_R_OK);
	assert_int_equal(hotp_store_del_user(st, "dave"), HOTP_E_OK);
	assert_int_equal(hotp_verify(st, "dave", RFC[1], NOW, &r),
	                 HOTP_R_UNKNOWN_USER);
	hotp_store_close(st);
}

/* ---- malformed input never reaches the store ---------------------------- */
static int mock_calls;
static hotp_err m_get(hotp_store *s, const char *a, hotp_user *u)
{ (void)s; (void)a; (void)u; mock_calls++; return HOTP_E_STORE_IO; }
static hotp_err m_cas(hotp_store *s, const char *a, int64_t e, int64_t n,
                      int64_t t, int *w)
{ (void)s; (void)a; (void)e; (void)n; (void)t; (void)w; mock_calls++; return HOTP_E_STORE_IO; }
static hotp_err m_fail(hotp_store *s, const char *a, int64_t t,
                       const hotp_params *p, uint32_t *f, int64_t *l)
{ (void)s; (void)a; (void)t; (void)p; (void)f; (void)l; mock_calls++; return HOTP_E_STORE_IO; }
static hotp_err m_pend(hotp_store *s, const char *a, int64_t e, int64_t p,
                       int64_t t, int *w)
{ (void)s; (void)a; (void)e; (void)p; (void)t; (void)w; mock_calls++; return HOTP_E_STORE_IO; }
static hotp_err m_add(hotp_store *s, const hotp_user *u)
{ (void)s; (void)u; mock_calls++; return HOTP_E_STORE_IO; }
static hotp_err m_del(hotp_store *s, const char *a)
{ (void)s; (void)a; mock_calls++; return HOTP_E_STORE_IO; }
static hotp_err m_list(hotp_store *s, hotp_list_cb cb, void *arg)
{ (void)s; (void)cb; (void)arg; mock_calls++; return HOTP_E_STORE_IO; }
static void m_close(hotp_store *s) { (void)s; }
static const hotp_store_ops mock_ops = {
	.name = "mock", .close = m_close, .get_user = m_get,
	.cas_counter = m_cas, .record_failure = m_fail, .set_pending = m_pend,
	.add_user = m_add, .del_user = m_del, .list = m_list,
};

static void test_malformed_untouched(void **state)
{
	struct ctx *c = *state;
	hotp_store mock = { .ops = &mock_ops };
	hotp_store *st;
	hotp_result r;
	hotp_user u;
	static const struct {
		const char *aor;
		size_t len;
		hotp_err e;
	} bad_aor[] = {
		{ "", 0, HOTP_E_AOR_EMPTY },
		{ "ali ce", 6, HOTP_E_AOR_CHAR },
		{ "alice'; DROP TABLE users;--", 27, HOTP_E_AOR_CHAR },
		{ "al\0ice", 6, HOTP_E_AOR_CHAR },
		{ "-alice", 6, HOTP_E_AOR_LEADING_DASH },
		{ "a%zz", 4, HOTP_E_AOR_PERCENT },
		{ "<sip:a@b>", 9, HOTP_E_AOR_CHAR },
	};
	char big[400];

	(void)state;
	hotp_params_default(&mock.params);
	mock_calls = 0;
	for (size_t i = 0; i < sizeof bad_aor / sizeof bad_aor[0]; i++) {
		assert_int_equal(hotp_verify_n(&mock, bad_aor[i].aor, bad_aor[i].len,
		                               "755224", 6, NOW, &r), HOTP_R_MALFORMED);
		assert_int_equal(r.err, bad_aor[i].e);
	}
	memset(big, 'a', sizeof big);
	assert_int_equal(hotp_verify_n(&mock, big, sizeof big, "755224", 6, NOW, &r),
	                 HOTP_R_MALFORMED);
	assert_int_equal(r.err, HOTP_E_AOR_TOO_LONG);
	big[sizeof big - 1] = 0;
	assert_int_equal(hotp_verify(&mock, big, "755224", NOW, &r), HOTP_R_MALFORMED);
	assert_int_equal(r.err, HOTP_E_AOR_TOO_LONG);
	assert_int_equal(hotp_verify(&mock, NULL, "755224", NOW, &r), HOTP_R_MALFORMED);
	assert_int_equal(r.err, HOTP_E_AOR_NULL);
	/* malformed OTPs too */
	assert_int_equal(hotp_verify(&mock, "alice", "75522a", NOW, &r), HOTP_R_MALFORMED);
	assert_int_equal(r.err, HOTP_E_OTP_NONDIGIT);
	assert_int_equal(hotp_verify(&mock, "alice", "", NOW, &r), HOTP_R_MALFORMED);
	assert_int_equal(r.err, HOTP_E_OTP_EMPTY);
	assert_int_equal(hotp_verify(&mock, "alice", "1234567890", NOW, &r), HOTP_R_MALFORMED);
	assert_int_equal(r.err, HOTP_E_OTP_TOO_LONG);
	assert_int_equal(hotp_verify(&mock, "alice", NULL, NOW, &r), HOTP_R_MALFORMED);
	assert_int_equal(r.err, HOTP_E_OTP_NULL);
	assert_int_equal(hotp_verify_n(&mock, "alice", 5, "755\0" "24", 6, NOW, &r),
	                 HOTP_R_MALFORMED);
	assert_int_equal(r.err, HOTP_E_OTP_NUL);
	assert_int_equal(hotp_store_get_user(&mock, "a b", &u), HOTP_E_AOR_CHAR);
	assert_int_equal(hotp_store_del_user(&mock, "a\"b"), HOTP_E_AOR_CHAR);
	memset(&u, 0, sizeof u);
	assert_int_equal(hotp_store_add_user(&mock, &u), HOTP_E_AOR_EMPTY);
	assert_int_equal(mock_calls, 0);
	/* a well-formed request does reach it */
	assert_int_equal(hotp_verify(&mock, "alice", "755224", NOW, &r),
	                 HOTP_R_STORE_ERROR);
	assert_int_equal(r.err, HOTP_E_STORE_IO);
	assert_int_equal(mock_calls, 1);

	/* and on the real store nothing is written */
	st = open_store(c);
	add_user(st, "alice", 6);
	assert_int_equal(hotp_verify(st, "alice ", RFC[0], NOW, &r), HOTP_R_MALFORMED);
	assert_int_equal(hotp_verify(st, "alice", "7552240", NOW, &r), HOTP_R_MALFORMED);
	{
		hotp_user v;
		assert_int_equal(hotp_store_get_user(st, "alice", &v), 0);
		assert_int_equal(v.info.st.fail_count, 0);
		assert_int_equal(v.info.st.counter, -1);
		hotp_user_wipe(&v);
	}
	hotp_store_close(st);
}

/* ---- add / list / del / schema ---------------------------------------- */
struct list_acc {
	int n;
	char names[8][HOTP_AOR_MAX + 1];
};

static int list_cb(const hotp_user_info *in, void *arg)
{
	struct list_acc *a = arg;
	if (a->n < 8)
		snprintf(a->names[a->n], sizeof a->names[0], "%s", in->aor);
	a->n++;
	return a->n >= 3; /* stop after 3 */
}

static __attribute__((unused)) int find_bytes(const char *path,
                                              const uint8_t *pat, size_t n)
{
	FILE *f = fopen(path, "rb");
	static uint8_t buf[1 << 20];
	size_t len;
	if (f == NULL)
		return 0;
	len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, pat, n) == 0)
			return 1;
	return 0;
}

static void test_add_list_del(void **state)
{
	struct ctx *c = *state;
	hotp_store *st = open_store(c);
	struct list_acc acc;
	hotp_user u;
	static const uint8_t marker[20] = "SECRET-MARKER-XYZZY!";

	add_user(st, "zed", 6);
	add_user(st, "amy", 8);
	add_user(st, "mia", 7);
	add_user(st, "bea", 6);
	assert_int_equal(hotp_user_init(&u, "amy", HOTP_KIND_HOTP, HOTP_ALGO_SHA1,
	                                6, 30, K20, 20, NOW), 0);
	assert_int_equal(hotp_store_add_user(st, &u), HOTP_E_STORE_EXISTS);
	u.info.digits = 9;
	assert_int_equal(hotp_store_add_user(st, &u), HOTP_E_DIGITS);
	memset(&acc, 0, sizeof acc);
	assert_int_equal(hotp_store_list(st, list_cb, &acc), 0);
	assert_int_equal(acc.n, 3);
	assert_string_equal(acc.names[0], "amy");
	assert_string_equal(acc.names[1], "bea");
	assert_string_equal(acc.names[2], "mia");
	assert_int_equal(hotp_store_list(st, NULL, NULL), HOTP_E_PARAM);

	/* TOTP user round trip */
	assert_int_equal(hotp_user_init(&u, "tina", HOTP_KIND_TOTP,
	                                HOTP_ALGO_SHA512, 8, 60, marker, 20, NOW), 0);
	assert_int_equal(hotp_store_add_user(st, &u), 0);
	assert_int_equal(hotp_store_get_user(st, "tina", &u), 0);
	assert_int_equal(u.info.kind, HOTP_KIND_TOTP);
	assert_int_equal(u.info.algo, HOTP_ALGO_SHA512);
	assert_int_equal(u.info.digits, 8);
	assert_int_equal(u.info.period, 60);
	assert_int_equal(u.secret_len, 20);
	assert_memory_equal(u.secret, marker, 20);
	hotp_user_wipe(&u);
	assert_int_equal(hotp_store_del_user(st, "tina"), 0);
	assert_int_equal(hotp_store_get_user(st, "tina", &u), HOTP_E_STORE_NOUSER);
	hotp_store_close(st);
#ifndef HOTP_TEST_PG
	{
		sqlite3 *db;
		/* deleted secrets are overwritten (secure_delete) once checkpointed */
		assert_false(find_bytes(c->db, marker, sizeof marker));
		/* a newer schema is refused */
		assert_int_equal(sqlite3_open(c->db, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", 0, 0, 0), 0);
		sqlite3_close(db);
		st = NULL;
		assert_int_equal(hotp_store_open_sqlite(&st, c->db), HOTP_E_STORE_SCHEMA);
		assert_null(st);
	}
#endif
}

/* ---- 4 threads racing on the same OTP ----------------------------------- */
#define THREADS 4
#define ROUNDS 200

struct race {
	hotp_store *st;
	pthread_barrier_t bar;
	char otp[ROUNDS][9];
	int ok[ROUNDS];
	int other[ROUNDS]; /* outcomes that are neither OK nor REPLAY */
};

static void *race_thread(void *arg)
{
	struct race *rc = arg;
	for (int i = 0; i < ROUNDS; i++) {
		hotp_result r;
		pthread_barrier_wait(&rc->bar);
		hotp_outcome o = hotp_verify(rc->st, "sip:race@example.com",
		                             rc->otp[i], NOW, &r);
		if (o == HOTP_R_OK)
			__atomic_add_fetch(&rc->ok[i], 1, __ATOMIC_SEQ_CST);
		else if (o != HOTP_R_REPLAY)
			__atomic_add_fetch(&rc->other[i], 1, __ATOMIC_SEQ_CST);
	}
	hotp_thread_cleanup();
	return NULL;
}

static void test_threads_same_otp(void **state)
{
	struct ctx *c = *state;
	struct race *rc = calloc(1, sizeof *rc);
	pthread_t t[THREADS];

	assert_non_null(rc);
	rc->st = open_store(c);
	add_user(rc->st, "sip:race@example.com", 6);
	for (int i = 0; i < ROUNDS; i++)
		otp_at(i, rc->otp[i]);
	pthread_barrier_init(&rc->bar, NULL, THREADS);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_thread, rc), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < ROUNDS; i++) {
		if (rc->ok[i] != 1 || rc->other[i] != 0)
			fail_msg("round %d: %d OK, %d unexpected outcomes", i,
			         rc->ok[i], rc->other[i]);
	}
	assert_int_equal(stored_counter(rc->st, "sip:race@example.com"),
	                 ROUNDS - 1);
	pthread_barrier_destroy(&rc->bar);
	hotp_store_close(rc->st);
	free(rc);
}

/* ---- 2 processes racing on the same file -------------------------------- */
#define PROC_ROUNDS 40

static void proc_child(const struct ctx *c, int go_fd, int res_fd)
{
	hotp_store *st = NULL;
	char otp[9];
	unsigned char b;
	if (backend_open(c, &st) != HOTP_E_OK)
		_exit(20);
	for (int i = 0; i < PROC_ROUNDS; i++) {
		hotp_result r;
		if (read(go_fd, &b, 1) != 1)
			_exit(21);
		otp_at(i, otp);
		b = (unsigned char)hotp_verify(st, "sip:proc@example.com", otp, NOW, &r);
		if (write(res_fd, &b, 1) != 1)
			_exit(22);
	}
	hotp_store_close(st);
	_exit(0);
}

static void test_processes_same_otp(void **state)
{
	struct ctx *c = *state;
	hotp_store *st = open_store(c);
	int go[2][2], res[2][2];
	pid_t pid[2];

	add_user(st, "sip:proc@example.com", 6);
	hotp_store_close(st);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(pipe(go[k]), 0);
		assert_int_equal(pipe(res[k]), 0);
		pid[k] = fork();
		assert_true(pid[k] >= 0);
		if (pid[k] == 0) {
			close(go[k][1]);
			close(res[k][0]);
			proc_child(c, go[k][0], res[k][1]);
		}
		close(go[k][0]);
		close(res[k][1]);
	}
	for (int i = 0; i < PROC_ROUNDS; i++) {
		unsigned char b[2] = { 1, 1 }, o[2];
		int ok = 0;
		/* release both at the same moment */
		assert_int_equal(write(go[0][1], &b[0], 1), 1);
		assert_int_equal(write(go[1][1], &b[1], 1), 1);
		for (int k = 0; k < 2; k++) {
			assert_int_equal(read(res[k][0], &o[k], 1), 1);
			if (o[k] == HOTP_R_OK)
				ok++;
			else if (o[k] != HOTP_R_REPLAY)
				fail_msg("round %d: process %d got %s", i, k,
				         hotp_outcome_name((hotp_outcome)o[k]));
		}
		if (ok != 1)
			fail_msg("round %d: %d OK", i, ok);
	}
	for (int k = 0; k < 2; k++) {
		int status;
		close(go[k][1]);
		close(res[k][0]);
		assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	st = open_store(c);
	assert_int_equal(stored_counter(st, "sip:proc@example.com"),
	                 PROC_ROUNDS - 1);
	hotp_store_close(st);
}

/* ---- the senemo-hotp CLI ------------------------------------------------ */
#if defined(SENEMO_HOTP_CLI) && !defined(HOTP_TEST_PG)
/* run "CLI --db DB ARGS" (2>&1); returns the exit code, output in out */
static int cli(const struct ctx *c, const char *stdin_text, const char *args,
               char *out, size_t cap)
{
	char cmd[1024];
	FILE *f;
	size_t n = 0;
	int st;

	if (stdin_text)
		snprintf(cmd, sizeof cmd, "printf '%%s\\n' '%s' | '%s' --db '%s' %s 2>&1",
		         stdin_text, SENEMO_HOTP_CLI, c->db, args);
	else
		snprintf(cmd, sizeof cmd, "'%s' --db '%s' %s 2>&1 </dev/null",
		         SENEMO_HOTP_CLI, c->db, args);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (n + 1 < cap && (st = (int)fread(out + n, 1, cap - 1 - n, f)) > 0)
		n += (size_t)st;
	out[n] = 0;
	st = pclose(f);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_cli(void **state)
{
	struct ctx *c = *state;
	char out[4096], cmd[256];
	const char *hex = "3132333435363738393031323334353637383930";

	snprintf(cmd, sizeof cmd, "add sip:alice@example.com --secret-hex %s", hex);
	assert_int_equal(cli(c, NULL, cmd, out, sizeof out), 0);
	assert_null(strstr(out, hex));
	assert_int_equal(cli(c, NULL, cmd, out, sizeof out), 4);
	assert_non_null(strstr(out, "already exists"));
	assert_int_equal(cli(c, NULL, "add bob --secret-hex 1234", out, sizeof out), 2);
	assert_non_null(strstr(out, "secret:"));
	assert_int_equal(cli(c, NULL, "add bob --secret-base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1",
	                     out, sizeof out), 2);
	assert_int_equal(cli(c, NULL, "add 'b b' --random", out, sizeof out), 2);
	assert_non_null(strstr(out, "aor:"));
	assert_int_equal(cli(c, NULL, "add bob", out, sizeof out), 2);
	assert_int_equal(cli(c, NULL, "add bob --random --digits 9", out, sizeof out), 2);
	assert_int_equal(cli(c, NULL, "add bob --random --algo md5", out, sizeof out), 2);
	assert_int_equal(cli(c, NULL, "add carol@x --random --algo sha256 --digits 8",
	                     out, sizeof out), 0);
	assert_non_null(strstr(out, "secret-base32: "));
	assert_non_null(strstr(out, "otpauth://hotp/SeNEMO:carol%40x?secret="));
	assert_non_null(strstr(out, "algorithm=SHA256&digits=8&counter=0"));
	/* secret on standard input */
	assert_int_equal(cli(c, hex, "add dave --secret-hex -", out, sizeof out), 0);
	assert_int_equal(cli(c, NULL, "gen dave", out, sizeof out), 0);
	assert_string_equal(out, "755224\n");

	assert_int_equal(cli(c, NULL, "gen sip:alice@example.com", out, sizeof out), 0);
	assert_string_equal(out, "755224\n");
	assert_int_equal(cli(c, NULL, "gen sip:alice@example.com --counter 9", out,
	                     sizeof out), 0);
	assert_string_equal(out, "520489\n");
	assert_int_equal(cli(c, NULL, "gen sip:alice@example.com --counter x", out,
	                     sizeof out), 2);
	/* gen does not advance; verify does */
	assert_int_equal(cli(c, NULL, "verify sip:alice@example.com 755224", out,
	                     sizeof out), 0);
	assert_string_equal(out, "OK counter=0\n");
	assert_int_equal(cli(c, NULL, "verify sip:alice@example.com 755224", out,
	                     sizeof out), 1);
	assert_non_null(strstr(out, "REPLAY"));
	assert_int_equal(cli(c, NULL, "gen sip:alice@example.com", out, sizeof out), 0);
	assert_string_equal(out, "287082\n");
	assert_int_equal(cli(c, NULL, "verify sip:alice@example.com 12a456", out,
	                     sizeof out), 2);
	assert_non_null(strstr(out, "otp:"));
	assert_int_equal(cli(c, NULL, "verify sip:alice@example.com 1234567", out,
	                     sizeof out), 2);
	assert_int_equal(cli(c, NULL, "verify nobody 123456", out, sizeof out), 3);
	assert_int_equal(cli(c, NULL, "verify sip:alice@example.com 000000 "
	                     "--lock-threshold 1 --lock-base 60", out, sizeof out), 1);
	assert_non_null(strstr(out, "BAD_OTP fail_count=2"));
	assert_int_equal(cli(c, NULL, "verify sip:alice@example.com 287082 "
	                     "--lock-threshold 1", out, sizeof out), 1);
	assert_non_null(strstr(out, "LOCKED"));

	assert_int_equal(cli(c, NULL, "list", out, sizeof out), 0);
	assert_non_null(strstr(out, "sip:alice@example.com\thotp\tsha1\t6\t0\t"));
	assert_non_null(strstr(out, "carol@x\thotp\tsha256\t8\t-1"));
	assert_null(strstr(out, hex));
	assert_null(strstr(out, "GEZDGNBV"));
	assert_int_equal(cli(c, NULL, "show sip:alice@example.com", out, sizeof out), 0);
	assert_non_null(strstr(out, "counter: 0\n"));
	assert_non_null(strstr(out, "fail_count: 2\n"));
	assert_null(strstr(out, "secret"));
	assert_int_equal(cli(c, NULL, "show nobody", out, sizeof out), 3);

	assert_int_equal(cli(c, NULL, "del dave", out, sizeof out), 0);
	assert_int_equal(cli(c, NULL, "del dave", out, sizeof out), 3);
	assert_int_equal(cli(c, NULL, "bogus", out, sizeof out), 2);
	assert_int_equal(cli(c, NULL, "gen dave --secret-hex 00", out, sizeof out), 2);
	assert_int_equal(cli(c, NULL, "list extra", out, sizeof out), 2);
	assert_int_equal(cli(c, NULL, "--help", out, sizeof out), 0);
	/* the store is a directory: store error */
	snprintf(cmd, sizeof cmd, "'%s' --db '%s' list >/dev/null 2>&1", SENEMO_HOTP_CLI, c->dir);
	assert_int_equal(WEXITSTATUS(system(cmd)), 5);
}
#elif !defined(HOTP_TEST_PG)
static void test_cli(void **state)
{
	(void)state;
	skip();
}
#endif

static int group_teardown(void **state)
{
	(void)state;
	hotp_global_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#ifndef HOTP_TEST_PG
		cmocka_unit_test_setup_teardown(test_file_mode_0600, setup, teardown),
#endif
		cmocka_unit_test_setup_teardown(test_durable_across_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_semantics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_list_del, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_same_otp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_processes_same_otp, setup, teardown),
#ifndef HOTP_TEST_PG
		cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
#endif
	};
#ifdef HOTP_TEST_PG
	(void)group_teardown;
	return cmocka_run_group_tests_name("unit.hotp_store_pg", tests,
	                                   pg_group_setup, pg_group_teardown);
#else
	return cmocka_run_group_tests_name("unit.hotp_store", tests, NULL,
	                                   group_teardown);
#endif
}
