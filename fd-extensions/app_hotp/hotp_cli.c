/*
 * senemo-hotp -- provisioning / test CLI for the app_hotp user store.
 *
 * The store is a SQLite file (--db FILE) or, when built with libpq, a
 * PostgreSQL database (--pg CONNINFO, a libpq connection string).
 *
 *   senemo-hotp --db FILE add AOR (--secret-hex H | --secret-base32 B | --random)
 *                         [--digits 6|7|8] [--algo sha1|sha256|sha512]
 *                         [--totp [--period S]] [--issuer NAME]
 *   senemo-hotp --db FILE del AOR
 *   senemo-hotp --db FILE list
 *   senemo-hotp --db FILE show AOR
 *   senemo-hotp --db FILE gen AOR [--counter N] [--count K] [--now T]
 *       (--count: K consecutive OTPs from counter N, one per line, e.g. to
 *       feed SIPp injection files; the stored counter does not move)
 *   senemo-hotp --db FILE verify AOR OTP [--now T] [verification options]
 *   senemo-hotp --db FILE resync AOR OTP1 OTP2 [--search N]
 *       (operator resync: two consecutive OTPs anywhere in the next N
 *       counters, default 10000; the counter only moves forward)
 * verification options: --window N --resync-window N --lock-threshold N
 *                       --lock-base S --lock-max S --resync-timeout S --totp-drift N
 * A secret given as "-" is read from the first line of standard input (keeps
 * it out of the process list).  Secrets are printed only by `add --random`.
 *
 * Exit codes: 0 success; 1 OTP rejected (BAD_OTP, REPLAY, LOCKED,
 * RESYNC_NEEDED); 2 usage error or malformed input; 3 unknown user;
 * 4 user already exists; 5 store or internal error.
 */
#include "hotp.h"
#include "hotp_store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

enum { EX_OK = 0, EX_REJECT = 1, EX_USAGE = 2, EX_NOUSER = 3, EX_EXISTS = 4,
       EX_STORE = 5 };

static const char *prog = "senemo-hotp";

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: %s (--db FILE | --pg CONNINFO) COMMAND ...\n"
	    "  add AOR (--secret-hex H | --secret-base32 B | --random)\n"
	    "          [--digits 6|7|8] [--algo sha1|sha256|sha512]\n"
	    "          [--totp [--period S]] [--issuer NAME]\n"
	    "  del AOR\n"
	    "  list\n"
	    "  show AOR\n"
	    "  gen AOR [--counter N] [--count K] [--now T]\n"
	    "  verify AOR OTP [--now T] [--window N] [--resync-window N]\n"
	    "         [--lock-threshold N] [--lock-base S] [--lock-max S]\n"
	    "         [--resync-timeout S] [--totp-drift N]\n"
	    "  resync AOR OTP1 OTP2 [--search N]\n"
	    "A secret of \"-\" is read from standard input.\n"
	    "exit: 0 ok, 1 OTP rejected, 2 usage/malformed, 3 unknown user,\n"
	    "      4 user exists, 5 store error\n",
	    prog);
}

static int die(int code, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return code;
}

static int err_exit(hotp_err e)
{
	int code;
	switch (e) {
	case HOTP_E_STORE_NOUSER: code = EX_NOUSER; break;
	case HOTP_E_STORE_EXISTS: code = EX_EXISTS; break;
	case HOTP_E_NOMEM: case HOTP_E_CRYPTO: case HOTP_E_RANDOM:
	case HOTP_E_STORE_OPEN: case HOTP_E_STORE_PERM: case HOTP_E_STORE_SCHEMA:
	case HOTP_E_STORE_IO: case HOTP_E_STORE_BUSY: case HOTP_E_STORE_CORRUPT:
		code = EX_STORE; break;
	default: code = EX_USAGE; break;
	}
	return die(code, "%s", hotp_strerror(e));
}

/* strict decimal: whole string, no sign/blank, within [lo, hi] */
static int parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long v;
	if (s == NULL || *s == 0 || !((*s >= '0' && *s <= '9') ||
	                              (*s == '-' && s[1] >= '0' && s[1] <= '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* ---- options ------------------------------------------------------------ */
enum opt_id {
	O_DB, O_HEX, O_B32, O_RANDOM, O_DIGITS, O_ALGO, O_TOTP, O_PERIOD,
	O_ISSUER, O_COUNTER, O_NOW, O_WINDOW, O_RWINDOW, O_LTHRESH, O_LBASE,
	O_LMAX, O_RTIMEOUT, O_DRIFT, O_HELP, O_PG, O_COUNT, O_SEARCH, O__N
};

static const struct {
	const char *name;
	int has_arg;
	const char *cmds; /* commands allowing it; NULL = all */
} opts[O__N] = {
	[O_DB] = { "db", 1, NULL },
	[O_HEX] = { "secret-hex", 1, " add " },
	[O_B32] = { "secret-base32", 1, " add " },
	[O_RANDOM] = { "random", 0, " add " },
	[O_DIGITS] = { "digits", 1, " add " },
	[O_ALGO] = { "algo", 1, " add " },
	[O_TOTP] = { "totp", 0, " add " },
	[O_PERIOD] = { "period", 1, " add " },
	[O_ISSUER] = { "issuer", 1, " add " },
	[O_COUNTER] = { "counter", 1, " gen " },
	[O_NOW] = { "now", 1, " gen verify " },
	[O_WINDOW] = { "window", 1, " verify " },
	[O_RWINDOW] = { "resync-window", 1, " verify " },
	[O_LTHRESH] = { "lock-threshold", 1, " verify " },
	[O_LBASE] = { "lock-base", 1, " verify " },
	[O_LMAX] = { "lock-max", 1, " verify " },
	[O_RTIMEOUT] = { "resync-timeout", 1, " verify " },
	[O_DRIFT] = { "totp-drift", 1, " verify " },
	[O_HELP] = { "help", 0, NULL },
	[O_PG] = { "pg", 1, NULL },
	[O_COUNT] = { "count", 1, " gen " },
	[O_SEARCH] = { "search", 1, " resync " },
};

struct cli {
	const char *val[O__N];
	int set[O__N];
	const char *pos[4];
	int npos;
};

static int parse_args(int argc, char **argv, struct cli *c)
{
	int only_pos = 0;
	memset(c, 0, sizeof *c);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!only_pos && strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (!only_pos && a[0] == '-' && a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t nl = eq ? (size_t)(eq - name) : strlen(name);
			int id = -1;
			for (int k = 0; k < O__N; k++)
				if (strlen(opts[k].name) == nl &&
				    strncmp(opts[k].name, name, nl) == 0)
					id = k;
			if (id < 0)
				return die(EX_USAGE, "unknown option %s", a);
			if (c->set[id])
				return die(EX_USAGE, "option %s given twice", a);
			c->set[id] = 1;
			if (opts[id].has_arg) {
				if (eq)
					c->val[id] = eq + 1;
				else if (i + 1 < argc)
					c->val[id] = argv[++i];
				else
					return die(EX_USAGE, "option %s needs a value", a);
			} else if (eq) {
				return die(EX_USAGE, "option %s takes no value", a);
			}
			continue;
		}
		if (!only_pos && a[0] == '-' && a[1] != 0)
			return die(EX_USAGE, "unknown option %s", a);
		if (c->npos >= 4)
			return die(EX_USAGE, "too many arguments (at %s)", a);
		c->pos[c->npos++] = a;
	}
	return 0;
}

static int check_opts(const struct cli *c, const char *cmd)
{
	char key[32];
	snprintf(key, sizeof key, " %s ", cmd);
	for (int k = 0; k < O__N; k++)
		if (c->set[k] && opts[k].cmds && strstr(opts[k].cmds, key) == NULL) {
			fprintf(stderr, "%s: option --%s not valid for '%s'\n",
			        prog, opts[k].name, cmd);
			return EX_USAGE;
		}
	return 0;
}

static int get_now(const struct cli *c, int64_t *now)
{
	if (!c->set[O_NOW]) {
		*now = (int64_t)time(NULL);
		return 0;
	}
	if (parse_i64(c->val[O_NOW], 0, INT64_MAX / 2, now))
		return die(EX_USAGE, "--now: not a time in seconds: %s", c->val[O_NOW]);
	return 0;
}

/* ---- helpers -------------------------------------------------------------- */
static int read_stdin_secret(char *buf, size_t cap)
{
	size_t n;
	if (fgets(buf, (int)cap, stdin) == NULL)
		return -1;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = 0;
	else if (n == cap - 1)
		return -1; /* longer than any valid secret */
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = 0;
	return 0;
}

static void uri_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch))
			fputc(ch, f);
		else
			fprintf(f, "%%%02X", ch);
	}
}

static void upper(char *dst, const char *src, size_t cap)
{
	size_t i = 0;
	for (; src[i] && i + 1 < cap; i++)
		dst[i] = (char)((src[i] >= 'a' && src[i] <= 'z') ? src[i] - 32 : src[i]);
	dst[i] = 0;
}

/* ---- commands --------------------------------------------------------- */
static int cmd_add(hotp_store *st, const struct cli *c, const char *aor)
{
	hotp_algo algo = HOTP_ALGO_SHA1;
	hotp_kind kind = HOTP_KIND_HOTP;
	int64_t digits = 6, period = HOTP_DEFAULT_TOTP_PERIOD;
	uint8_t secret[HOTP_SECRET_MAX];
	size_t slen = 0;
	char text[2 * HOTP_SECRET_MAX + 4], b32[HOTP_SECRET_TEXT_MAX];
	const char *issuer = c->set[O_ISSUER] ? c->val[O_ISSUER] : "SeNEMO";
	int nsrc = c->set[O_HEX] + c->set[O_B32] + c->set[O_RANDOM];
	hotp_user u;
	hotp_err e;
	int rc = EX_OK;

	if (nsrc != 1)
		return die(EX_USAGE, "%s", "add: give exactly one of --secret-hex, "
		                           "--secret-base32, --random");
	if (c->set[O_DIGITS] &&
	    parse_i64(c->val[O_DIGITS], HOTP_DIGITS_MIN, HOTP_DIGITS_MAX, &digits))
		return die(EX_USAGE, "%s", hotp_strerror(HOTP_E_DIGITS));
	if (c->set[O_ALGO] && hotp_algo_parse(c->val[O_ALGO], &algo))
		return die(EX_USAGE, "%s", hotp_strerror(HOTP_E_ALGO));
	if (c->set[O_TOTP])
		kind = HOTP_KIND_TOTP;
	if (c->set[O_PERIOD] && (!c->set[O_TOTP] ||
	                         parse_i64(c->val[O_PERIOD], 1, 3600, &period)))
		return die(EX_USAGE, "%s", c->set[O_TOTP]
		               ? hotp_strerror(HOTP_E_PERIOD)
		               : "--period needs --totp");
	if (c->set[O_ISSUER] && (*issuer == 0 || strlen(issuer) > 64 ||
	                         strchr(issuer, ':')))
		return die(EX_USAGE, "%s", "issuer: empty, too long or contains ':'");

	if (c->set[O_RANDOM]) {
		slen = algo == HOTP_ALGO_SHA1 ? 20 : algo == HOTP_ALGO_SHA256 ? 32 : 64;
		if (RAND_bytes(secret, (int)slen) != 1)
			return err_exit(HOTP_E_RANDOM);
	} else {
		const char *src = c->set[O_HEX] ? c->val[O_HEX] : c->val[O_B32];
		if (strcmp(src, "-") == 0) {
			if (read_stdin_secret(text, sizeof text))
				return die(EX_USAGE, "%s",
				           "secret: cannot read from standard input, "
				           "or too long");
			src = text;
		}
		e = c->set[O_HEX]
		        ? hotp_secret_from_hex(src, strlen(src), secret, sizeof secret, &slen)
		        : hotp_secret_from_base32(src, strlen(src), secret, sizeof secret, &slen);
		OPENSSL_cleanse(text, sizeof text);
		if (e)
			return err_exit(e);
	}
	e = hotp_user_init(&u, aor, kind, algo, (uint32_t)digits, (uint32_t)period,
	                   secret, slen, (int64_t)time(NULL));
	if (!e)
		e = hotp_store_add_user(st, &u);
	hotp_user_wipe(&u);
	if (e) {
		OPENSSL_cleanse(secret, sizeof secret);
		return err_exit(e);
	}
	printf("added %s (%s, %s, %d digits)\n", aor, hotp_kind_name(kind),
	       hotp_algo_name(algo), (int)digits);
	if (c->set[O_RANDOM]) {
		char algo_uc[8];
		if (hotp_base32_encode(secret, slen, 0, b32, sizeof b32)) {
			rc = err_exit(HOTP_E_BUFFER);
		} else {
			upper(algo_uc, hotp_algo_name(algo), sizeof algo_uc);
			printf("secret-base32: %s\n", b32);
			printf("otpauth://%s/", hotp_kind_name(kind));
			uri_escape(stdout, issuer);
			fputs(":", stdout);
			uri_escape(stdout, aor);
			printf("?secret=%s&issuer=", b32);
			uri_escape(stdout, issuer);
			printf("&algorithm=%s&digits=%d", algo_uc, (int)digits);
			if (kind == HOTP_KIND_HOTP)
				printf("&counter=0\n");
			else
				printf("&period=%d\n", (int)period);
		}
		OPENSSL_cleanse(b32, sizeof b32);
	}
	OPENSSL_cleanse(secret, sizeof secret);
	return rc;
}

static void print_info(const hotp_user_info *in)
{
	printf("aor: %s\n", in->aor);
	printf("kind: %s\n", hotp_kind_name(in->kind));
	printf("algo: %s\n", hotp_algo_name(in->algo));
	printf("digits: %u\n", in->digits);
	if (in->kind == HOTP_KIND_TOTP)
		printf("period: %u\n", in->period);
	printf("counter: %" PRId64 "\n", in->st.counter);
	printf("pending_resync: %" PRId64 "\n", in->st.pending_resync);
	printf("fail_count: %u\n", in->st.fail_count);
	printf("locked_until: %" PRId64 "\n", in->st.locked_until);
	printf("created: %" PRId64 "\n", in->created);
	printf("last_success: %" PRId64 "\n", in->last_success);
}

static int list_cb(const hotp_user_info *in, void *arg)
{
	(void)arg;
	printf("%s\t%s\t%s\t%u\t%" PRId64 "\t%u\t%" PRId64 "\n", in->aor,
	       hotp_kind_name(in->kind), hotp_algo_name(in->algo), in->digits,
	       in->st.counter, in->st.fail_count, in->st.locked_until);
	return 0;
}

static int cmd_gen(hotp_store *st, const struct cli *c, const char *aor)
{
	hotp_user u;
	hotp_err e = HOTP_E_OK;
	int64_t counter, now, count = 1, i;
	uint32_t v;
	char buf[HOTP_DIGITS_MAX + 1];
	int rc;

	if ((rc = get_now(c, &now)))
		return rc;
	if (c->set[O_COUNT] && parse_i64(c->val[O_COUNT], 1, 100000, &count))
		return die(EX_USAGE, "%s", "--count: not a number in 1..100000");
	if ((e = hotp_store_get_user(st, aor, &u)))
		return err_exit(e);
	if (u.info.kind == HOTP_KIND_TOTP) {
		if (c->set[O_COUNTER] || c->set[O_COUNT]) {
			hotp_user_wipe(&u);
			return die(EX_USAGE, "%s", "--counter/--count: not for a TOTP user (use --now)");
		}
		e = hotp_totp_generate(u.info.algo, u.secret, u.secret_len, now, 0,
		                       u.info.period, u.info.digits, &v);
		if (!e)
			e = hotp_format(v, u.info.digits, buf, sizeof buf);
		if (!e)
			printf("%s\n", buf);
	} else {
		counter = u.info.st.counter + 1;
		if (c->set[O_COUNTER] &&
		    parse_i64(c->val[O_COUNTER], 0, HOTP_COUNTER_MAX - 100000, &counter)) {
			hotp_user_wipe(&u);
			return die(EX_USAGE, "%s", hotp_strerror(HOTP_E_COUNTER));
		}
		for (i = 0; i < count && !e; i++) {
			e = hotp_generate(u.info.algo, u.secret, u.secret_len,
			                  (uint64_t)(counter + i), u.info.digits, &v);
			if (!e)
				e = hotp_format(v, u.info.digits, buf, sizeof buf);
			if (!e)
				printf("%s\n", buf);
		}
	}
	hotp_user_wipe(&u);
	if (e)
		return err_exit(e);
	return EX_OK;
}

static int set_u32(const struct cli *c, int id, uint32_t *dst)
{
	int64_t v;
	if (!c->set[id])
		return 0;
	if (parse_i64(c->val[id], 0, UINT32_MAX, &v)) {
		fprintf(stderr, "%s: --%s: not a number: %s\n", prog, opts[id].name,
		        c->val[id]);
		return EX_USAGE;
	}
	*dst = (uint32_t)v;
	return 0;
}

static int cmd_verify(hotp_store *st, const struct cli *c, const char *aor,
                      const char *otp)
{
	hotp_params p = st->params;
	hotp_result r;
	hotp_err e;
	int64_t now;
	int rc;

	if ((rc = get_now(c, &now)) || (rc = set_u32(c, O_WINDOW, &p.window)) ||
	    (rc = set_u32(c, O_RWINDOW, &p.resync_window)) ||
	    (rc = set_u32(c, O_LTHRESH, &p.lock_threshold)) ||
	    (rc = set_u32(c, O_LBASE, &p.lock_base)) ||
	    (rc = set_u32(c, O_LMAX, &p.lock_max)) ||
	    (rc = set_u32(c, O_RTIMEOUT, &p.resync_timeout)) ||
	    (rc = set_u32(c, O_DRIFT, &p.totp_drift)))
		return rc;
	if ((e = hotp_store_set_params(st, &p)))
		return err_exit(e);
	switch (hotp_verify(st, aor, otp, now, &r)) {
	case HOTP_R_OK:
	case HOTP_R_RESYNCED:
		printf("%s counter=%" PRId64 "\n", hotp_outcome_name(r.outcome),
		       r.counter);
		return EX_OK;
	case HOTP_R_RESYNC_NEEDED:
		printf("RESYNC_NEEDED pending=%" PRId64 " (send the next OTP)\n",
		       r.counter);
		return EX_REJECT;
	case HOTP_R_BAD_OTP:
	case HOTP_R_REPLAY:
		printf("%s fail_count=%u locked_until=%" PRId64 "\n",
		       hotp_outcome_name(r.outcome), r.fail_count, r.locked_until);
		return EX_REJECT;
	case HOTP_R_LOCKED:
		printf("LOCKED until=%" PRId64 " (in %" PRId64 " s)\n",
		       r.locked_until, r.locked_until - now);
		return EX_REJECT;
	case HOTP_R_UNKNOWN_USER:
		return die(EX_NOUSER, "%s", hotp_strerror(HOTP_E_STORE_NOUSER));
	case HOTP_R_MALFORMED:
		return die(EX_USAGE, "%s", hotp_strerror(r.err));
	case HOTP_R_STORE_ERROR:
	default:
		return die(EX_STORE, "%s", hotp_strerror(r.err));
	}
}

/*
 * resync AOR OTP1 OTP2: an operator's resynchronisation (RFC 4226 7.4) for
 * a token far beyond the server's windows: search counters c+1 .. c+search
 * for OTP1 followed by OTP2 and, if found, move the counter to OTP2's (an
 * atomic compare-and-set, so a concurrent verification is not undone).
 * The counter only ever moves forward; used OTPs stay used.
 */
static int cmd_resync(hotp_store *st, const struct cli *c, const char *aor,
                      const char *otp1, const char *otp2)
{
	hotp_user u;
	hotp_err e;
	int64_t search = 10000, k, now = (int64_t)time(NULL);
	uint32_t want1, want2, v;
	int won = 0;

	if (c->set[O_SEARCH] && parse_i64(c->val[O_SEARCH], 1, 1000000, &search))
		return die(EX_USAGE, "%s", "--search: not a number in 1..1000000");
	if ((e = hotp_store_get_user(st, aor, &u)))
		return err_exit(e);
	if (u.info.kind != HOTP_KIND_HOTP) {
		hotp_user_wipe(&u);
		return die(EX_USAGE, "%s", "resync: only for counter-based (HOTP) users");
	}
	if ((e = hotp_parse_otp(otp1, strlen(otp1), u.info.digits, &want1)) ||
	    (e = hotp_parse_otp(otp2, strlen(otp2), u.info.digits, &want2))) {
		hotp_user_wipe(&u);
		return err_exit(e);
	}
	for (k = u.info.st.counter + 1; k <= u.info.st.counter + search; k++) {
		if ((e = hotp_generate(u.info.algo, u.secret, u.secret_len, (uint64_t)k,
		                       u.info.digits, &v)))
			break;
		if (!hotp_ct_equal(v, want1))
			continue;
		if ((e = hotp_generate(u.info.algo, u.secret, u.secret_len,
		                       (uint64_t)k + 1, u.info.digits, &v)))
			break;
		if (hotp_ct_equal(v, want2))
			break;
	}
	hotp_user_wipe(&u);
	if (e)
		return err_exit(e);
	if (k > u.info.st.counter + search) {
		printf("NOT_FOUND: no consecutive pair within %" PRId64 " counters\n", search);
		return EX_REJECT;
	}
	if ((e = st->ops->cas_counter(st, aor, u.info.st.counter, k + 1, now, &won)))
		return err_exit(e);
	if (!won) {
		printf("RACED: the counter moved meanwhile; run resync again\n");
		return EX_REJECT;
	}
	printf("RESYNCED counter=%" PRId64 "\n", k + 1);
	return EX_OK;
}

static const struct {
	const char *name;
	int npos; /* positional arguments after the command */
} cmds[] = {
	{ "add", 1 }, { "del", 1 }, { "list", 0 }, { "show", 1 },
	{ "gen", 1 }, { "verify", 2 }, { "resync", 3 },
};

int main(int argc, char **argv)
{
	struct cli c;
	hotp_store *st = NULL;
	hotp_user u;
	hotp_err e;
	const char *cmd, *aor = NULL;
	int rc, found = 0;

	if ((rc = parse_args(argc, argv, &c)))
		return rc;
	if (c.set[O_HELP]) {
		usage(stdout);
		return EX_OK;
	}
	if (c.npos == 0) {
		usage(stderr);
		return EX_USAGE;
	}
	cmd = c.pos[0];
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(cmd, cmds[i].name) == 0) {
			found = 1;
			if (c.npos - 1 != cmds[i].npos)
				return die(EX_USAGE, "wrong number of arguments for '%s' "
				                     "(see --help)", cmd);
		}
	if (!found)
		return die(EX_USAGE, "unknown command '%s' (see --help)", cmd);
	if ((rc = check_opts(&c, cmd)))
		return rc;
	if (c.set[O_DB] + c.set[O_PG] != 1 ||
	    (c.set[O_DB] && *c.val[O_DB] == 0))
		return die(EX_USAGE, "%s", "--db FILE (or --pg CONNINFO) is required");
#ifndef SENEMO_HOTP_HAVE_PG
	if (c.set[O_PG])
		return die(EX_USAGE, "%s", "--pg: built without PostgreSQL support");
#endif
	if (c.npos > 1) {
		aor = c.pos[1];
		if ((e = hotp_aor_check(aor, strnlen(aor, HOTP_AOR_MAX + 1))))
			return err_exit(e);
	}
	if (strcmp(cmd, "verify") == 0 &&
	    (e = hotp_parse_otp(c.pos[2], strlen(c.pos[2]), 0, NULL)))
		return err_exit(e);

#ifdef SENEMO_HOTP_HAVE_PG
	if (c.set[O_PG])
		e = hotp_store_open_pg(&st, c.val[O_PG]);
	else
#endif
		e = hotp_store_open_sqlite(&st, c.val[O_DB]);
	if (e)
		return die(EX_STORE, "%s", hotp_strerror(e));

	if (strcmp(cmd, "add") == 0) {
		rc = cmd_add(st, &c, aor);
	} else if (strcmp(cmd, "del") == 0) {
		e = hotp_store_del_user(st, aor);
		rc = e ? err_exit(e) : (printf("deleted %s\n", aor), EX_OK);
	} else if (strcmp(cmd, "list") == 0) {
		printf("# aor\tkind\talgo\tdigits\tcounter\tfail_count\tlocked_until\n");
		e = hotp_store_list(st, list_cb, NULL);
		rc = e ? err_exit(e) : EX_OK;
	} else if (strcmp(cmd, "show") == 0) {
		e = hotp_store_get_user(st, aor, &u);
		hotp_user_wipe(&u);
		if (e)
			rc = err_exit(e);
		else
			print_info(&u.info);
	} else if (strcmp(cmd, "gen") == 0) {
		rc = cmd_gen(st, &c, aor);
	} else if (strcmp(cmd, "resync") == 0) {
		rc = cmd_resync(st, &c, aor, c.pos[2], c.pos[3]);
	} else {
		rc = cmd_verify(st, &c, aor, c.pos[2]);
	}
	hotp_store_close(st);
	hotp_global_cleanup();
	if (fflush(stdout) != 0 && rc == EX_OK)
		rc = EX_STORE;
	return rc;
}
