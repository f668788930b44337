/*
 * SeNEMO app_hotp -- HOTP (RFC 4226) / TOTP (RFC 6238) core.
 *
 * Plain C, no I/O, no freeDiameter.  The HMAC comes from OpenSSL 3 (EVP_MAC
 * "HMAC"); each thread keeps its own EVP_MAC_CTX per digest (created on first
 * use, freed by a pthread key destructor or hotp_thread_cleanup()), and a
 * verification keys it once and re-initialises the pre-keyed context for every
 * further counter of the window.
 *
 * Everything in this header is thread-safe: the functions only touch their
 * arguments and the calling thread's own MAC contexts.
 *
 * Untrusted input accepted by the parsers:
 *   OTP       : ASCII digits only, 6..8 of them, exactly hotp_user.digits when
 *               checked against a user; no sign, no blank, no NUL.
 *   AOR       : 1..HOTP_AOR_MAX bytes of
 *                 A-Z a-z 0-9  - . _ ~  ! $ & ' ( ) * + , ; =  : @ / ? [ ]
 *               and '%' only as a "%HH" escape (two hex digits); must not
 *               start with '-'.  No blank, control, quote, '<', '>', '\\',
 *               '#', '`', '^', '{', '|', '}', '"' or non-ASCII byte.  The
 *               comparison is exact (case-sensitive): callers pass the
 *               canonical AOR.
 *   secret    : hex ([0-9a-fA-F], even length) or base32 (RFC 4648 alphabet,
 *               case-insensitive, optional correct '=' padding, unused
 *               trailing bits zero, no blank); decoded length
 *               HOTP_SECRET_MIN..HOTP_SECRET_MAX bytes (RFC 4226 R6: >= 128 bit).
 */
#ifndef SENEMO_HOTP_H
#define SENEMO_HOTP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HOTP_DIGITS_MIN 6
#define HOTP_DIGITS_MAX 8
#define HOTP_SECRET_MIN 16   /* bytes (128 bit, RFC 4226 R6) */
#define HOTP_SECRET_MAX 64   /* bytes (SHA-512 output size)  */
#define HOTP_AOR_MAX    255  /* bytes, without the terminating NUL */
/* largest counter a stored record may hold (room for any window above it) */
#define HOTP_COUNTER_MAX (INT64_MAX - 0x100000000LL)
/* hex / base32 text of a HOTP_SECRET_MAX secret, with padding, plus NUL */
#define HOTP_SECRET_TEXT_MAX (((HOTP_SECRET_MAX + 4) / 5) * 8 + 1)

/* Defaults of hotp_params (see hotp_params_default()). */
#define HOTP_DEFAULT_WINDOW          10
#define HOTP_DEFAULT_RESYNC_WINDOW   100
#define HOTP_DEFAULT_RESYNC_TIMEOUT  300   /* s, pending resync lifetime   */
#define HOTP_DEFAULT_LOCK_THRESHOLD  5     /* consecutive failures         */
#define HOTP_DEFAULT_LOCK_BASE       30    /* s, first lockout             */
#define HOTP_DEFAULT_LOCK_MAX        3600  /* s, cap of the back-off       */
#define HOTP_DEFAULT_TOTP_DRIFT      1     /* time steps either side       */
#define HOTP_DEFAULT_TOTP_PERIOD     30    /* s                            */

/* ---- error codes: every rejection of input has its own code ------------ */
typedef enum hotp_err {
	HOTP_E_OK = 0,
	/* OTP string */
	HOTP_E_OTP_NULL,          /* otp: NULL pointer                         */
	HOTP_E_OTP_EMPTY,         /* otp: empty                                */
	HOTP_E_OTP_TOO_SHORT,     /* otp: fewer than 6 digits                  */
	HOTP_E_OTP_TOO_LONG,      /* otp: more than 8 characters               */
	HOTP_E_OTP_NUL,           /* otp: embedded NUL byte                    */
	HOTP_E_OTP_NONDIGIT,      /* otp: character other than 0-9            */
	HOTP_E_OTP_LENGTH,        /* otp: length differs from the user's digits */
	/* AOR / user name */
	HOTP_E_AOR_NULL,          /* aor: NULL pointer                         */
	HOTP_E_AOR_EMPTY,         /* aor: empty                                */
	HOTP_E_AOR_TOO_LONG,      /* aor: longer than HOTP_AOR_MAX             */
	HOTP_E_AOR_CHAR,          /* aor: forbidden character (incl. NUL)      */
	HOTP_E_AOR_PERCENT,       /* aor: '%' not followed by two hex digits   */
	HOTP_E_AOR_LEADING_DASH,  /* aor: starts with '-'                      */
	/* secret */
	HOTP_E_SECRET_NULL,       /* secret: NULL pointer                      */
	HOTP_E_SECRET_EMPTY,      /* secret: empty                             */
	HOTP_E_SECRET_HEX_CHAR,   /* secret(hex): non-hex character            */
	HOTP_E_SECRET_HEX_ODD,    /* secret(hex): odd number of digits         */
	HOTP_E_SECRET_B32_CHAR,   /* secret(base32): character outside A-Z2-7  */
	HOTP_E_SECRET_B32_LENGTH, /* secret(base32): impossible length         */
	HOTP_E_SECRET_B32_PADDING,/* secret(base32): malformed '=' padding     */
	HOTP_E_SECRET_B32_TRAILING,/* secret(base32): non-zero unused bits     */
	HOTP_E_SECRET_TOO_SHORT,  /* secret: fewer than HOTP_SECRET_MIN bytes  */
	HOTP_E_SECRET_TOO_LONG,   /* secret: more than HOTP_SECRET_MAX bytes   */
	/* user record fields / parameters */
	HOTP_E_DIGITS,            /* digits: not within 6..8                   */
	HOTP_E_ALGO,              /* algo: unknown (sha1, sha256, sha512)      */
	HOTP_E_KIND,              /* kind: unknown (hotp, totp)                */
	HOTP_E_PERIOD,            /* period: TOTP step not within 1..3600 s    */
	HOTP_E_COUNTER,           /* counter: negative or out of range         */
	HOTP_E_PARAM,             /* params: inconsistent verification params  */
	HOTP_E_BUFFER,            /* buffer: output buffer too small           */
	/* runtime */
	HOTP_E_NOMEM,             /* memory allocation failed                  */
	HOTP_E_CRYPTO,            /* OpenSSL HMAC failure                      */
	HOTP_E_RANDOM,            /* OpenSSL RAND_bytes failure                */
	/* store */
	HOTP_E_STORE_OPEN,        /* store: cannot open / create               */
	HOTP_E_STORE_PERM,        /* store: file not regular / wrong owner     */
	HOTP_E_STORE_SCHEMA,      /* store: unknown or newer schema            */
	HOTP_E_STORE_IO,          /* store: query failed                       */
	HOTP_E_STORE_BUSY,        /* store: still locked after retries         */
	HOTP_E_STORE_CORRUPT,     /* store: record violates invariants         */
	HOTP_E_STORE_NOUSER,      /* store: no such user                       */
	HOTP_E_STORE_EXISTS,      /* store: user already exists                */
	HOTP_E__COUNT
} hotp_err;

/* Static English text naming the offending field ("otp: ..."). Never NULL. */
const char *hotp_strerror(hotp_err e);

typedef enum hotp_algo {
	HOTP_ALGO_SHA1 = 0,
	HOTP_ALGO_SHA256 = 1,
	HOTP_ALGO_SHA512 = 2
} hotp_algo;

typedef enum hotp_kind {
	HOTP_KIND_HOTP = 0,   /* counter based (RFC 4226) */
	HOTP_KIND_TOTP = 1    /* time based (RFC 6238)    */
} hotp_kind;

const char *hotp_algo_name(hotp_algo a);           /* "sha1", ...; "?" */
hotp_err    hotp_algo_parse(const char *s, hotp_algo *out); /* case-insens. */
const char *hotp_kind_name(hotp_kind k);           /* "hotp" / "totp"  */
hotp_err    hotp_kind_parse(const char *s, hotp_kind *out);

/* ---- verification outcome ---------------------------------------------- */
typedef enum hotp_outcome {
	HOTP_R_OK = 0,          /* accepted, counter advanced                  */
	HOTP_R_RESYNCED,        /* accepted: 2nd consecutive OTP beyond window */
	HOTP_R_RESYNC_NEEDED,   /* OTP beyond window remembered; send the next */
	HOTP_R_BAD_OTP,         /* no match (counts as a failure)              */
	HOTP_R_REPLAY,          /* matches a counter <= last accepted (failure) */
	HOTP_R_LOCKED,          /* throttled: retry after locked_until         */
	HOTP_R_UNKNOWN_USER,    /* no such AOR                                 */
	HOTP_R_STORE_ERROR,     /* store failure (result.err says which)       */
	HOTP_R_MALFORMED        /* rejected input (result.err says which)      */
} hotp_outcome;

const char *hotp_outcome_name(hotp_outcome o);  /* "OK", "BAD_OTP", ... */

/* ---- parameters ----------------------------------------------------------- */
typedef struct hotp_params {
	uint32_t window;          /* look-ahead: counters c+1 .. c+window      */
	uint32_t resync_window;   /* resync search: c+window+1 .. c+resync_window */
	uint32_t resync_timeout;  /* s; 0 = a pending resync never expires     */
	uint32_t lock_threshold;  /* consecutive failures before lockout; 0=off */
	uint32_t lock_base;       /* s, lockout after the threshold-th failure */
	uint32_t lock_max;        /* s, cap of base * 2^(fails - threshold)    */
	uint32_t totp_drift;      /* TOTP: accepted steps either side of now   */
} hotp_params;

void     hotp_params_default(hotp_params *p);
/* 1 <= window <= 1000, window <= resync_window <= 100000,
 * lock_base <= lock_max <= 31536000, lock_base >= 1 if threshold, drift <= 10 */
hotp_err hotp_params_check(const hotp_params *p);

/* ---- user record ---------------------------------------------------------- */
/* Mutable, per-user verification state (what the store keeps and CASes). */
typedef struct hotp_state {
	int64_t  counter;         /* last accepted counter (TOTP: time step), -1 none */
	int64_t  pending_resync;  /* 1st beyond-window match, -1 none          */
	int64_t  pending_at;      /* when pending_resync was recorded (s)      */
	uint32_t fail_count;      /* consecutive failures                      */
	int64_t  locked_until;    /* no attempt accepted while now < this (s)  */
} hotp_state;

/* Everything about a user except the secret (what `list` / `show` print). */
typedef struct hotp_user_info {
	char       aor[HOTP_AOR_MAX + 1];
	hotp_kind  kind;
	hotp_algo  algo;
	uint32_t   digits;        /* 6..8                                      */
	uint32_t   period;        /* TOTP step in s (ignored for HOTP)         */
	hotp_state st;
	int64_t    created;       /* s since epoch                             */
	int64_t    last_success;  /* s since epoch, 0 never                    */
} hotp_user_info;

typedef struct hotp_user {
	hotp_user_info info;
	uint8_t        secret[HOTP_SECRET_MAX];
	size_t         secret_len;
} hotp_user;

/* Fill a fresh user (state: counter -1, no pending, no failure). Validates
 * aor, digits, algo, kind, period, secret length. */
hotp_err hotp_user_init(hotp_user *u, const char *aor, hotp_kind kind,
                        hotp_algo algo, uint32_t digits, uint32_t period,
                        const uint8_t *secret, size_t secret_len, int64_t now);
/* Validate a record read back from a store (field ranges, secret length). */
hotp_err hotp_user_check(const hotp_user *u);
/* OPENSSL_cleanse the secret. */
void     hotp_user_wipe(hotp_user *u);

/* ---- strict parsers of untrusted input --------------------------------- */
/* OTP text -> value.  want_digits = 0 accepts any length 6..8. */
hotp_err hotp_parse_otp(const char *s, size_t len, uint32_t want_digits,
                        uint32_t *value);
/* User name / SIP AOR check (see the header comment for the charset). */
hotp_err hotp_aor_check(const char *s, size_t len);
/* Secrets: decode into out[cap]; *out_len receives the byte count.
 * Length limits HOTP_SECRET_MIN..MAX are enforced. */
hotp_err hotp_secret_from_hex(const char *s, size_t len, uint8_t *out,
                              size_t cap, size_t *out_len);
hotp_err hotp_secret_from_base32(const char *s, size_t len, uint8_t *out,
                                 size_t cap, size_t *out_len);
/* Base32 encode (RFC 4648, upper case, no padding when pad == 0). */
hotp_err hotp_base32_encode(const uint8_t *in, size_t len, int pad,
                            char *out, size_t cap);

/* ---- algorithm ------------------------------------------------------------ */
/* RFC 4226 HOTP value (already reduced mod 10^digits). Any secret length
 * 1..HOTP_SECRET_MAX is accepted here (test vectors); counter is unsigned. */
hotp_err hotp_generate(hotp_algo algo, const uint8_t *secret, size_t secret_len,
                       uint64_t counter, uint32_t digits, uint32_t *value);
/* RFC 6238: T = (unix_time - t0) / period, then hotp_generate(T). */
hotp_err hotp_totp_generate(hotp_algo algo, const uint8_t *secret,
                            size_t secret_len, int64_t unix_time, int64_t t0,
                            uint32_t period, uint32_t digits, uint32_t *value);
/* Zero-padded decimal text of value, exactly `digits` characters + NUL. */
hotp_err hotp_format(uint32_t value, uint32_t digits, char *out, size_t cap);

/* Constant-time equality of two OTP values (CRYPTO_memcmp); 1 equal, 0 not. */
int hotp_ct_equal(uint32_t a, uint32_t b);

/* Lockout time after a failure that brought the count to new_fail_count:
 * now + min(lock_max, lock_base * 2^(new_fail_count - threshold)) once
 * new_fail_count >= threshold, else old_locked_until. */
int64_t hotp_lock_until(const hotp_params *p, uint32_t new_fail_count,
                        int64_t now, int64_t old_locked_until);

/* Result of the pure decision. */
typedef struct hotp_decision {
	hotp_outcome outcome;
	hotp_err     err;        /* MALFORMED / STORE_ERROR detail, else OK    */
	int64_t      counter;    /* OK/RESYNCED: new last-accepted counter;
	                            RESYNC_NEEDED: pending counter;
	                            REPLAY: the replayed counter; else -1      */
	int          count_failure; /* 1 if the attempt counts as a failure    */
	hotp_state   next;       /* state after this attempt                   */
} hotp_decision;

/*
 * The pure verification decision over one user's state; no I/O, `u` is not
 * modified.  Order:
 *   1. OTP syntax / length != digits            -> MALFORMED (not counted)
 *      invalid params (hotp_params_check)       -> STORE_ERROR, err PARAM
 *   2. now < locked_until                      -> LOCKED (OTP not checked,
 *                                                 not counted)
 *   HOTP (c = last accepted counter, -1 none):
 *   3. match at k in c+1 .. c+window            -> OK, counter := k
 *   4. pending p (not expired) and match p+1    -> RESYNCED, counter := p+1
 *   5. match at k in c+window+1..c+resync_window -> RESYNC_NEEDED, pending := k
 *                                                 (not counted as a failure)
 *   6. match at k in c-window+1 .. c            -> REPLAY (failure)
 *   7. otherwise                                -> BAD_OTP (failure)
 *   TOTP (T = current step): match at k in T-drift..T+drift:
 *        k > c -> OK, counter := k;   k <= c -> REPLAY;  none -> BAD_OTP.
 * A failure increments fail_count and applies hotp_lock_until(); success
 * resets fail_count/locked_until; any attempt other than RESYNC_NEEDED
 * clears the pending resync.  OTP comparison is constant time.
 */
hotp_err hotp_decide(const hotp_params *p, const hotp_user *u,
                     const char *otp, size_t otp_len, int64_t now,
                     hotp_decision *d);

/* Free the calling thread's MAC contexts (also done at thread exit). */
void hotp_thread_cleanup(void);
/* Free the calling thread's contexts and the global EVP_MAC, and delete the
 * pthread key so that no destructor of this code runs after it is unloaded
 * (call it from the extension's fini, after the handlers are unregistered).
 * Contexts of other threads still alive are not freed; the library stays
 * usable (it re-initialises on next use). */
void hotp_global_cleanup(void);

#ifdef __cplusplus
}
#endif
#endif /* SENEMO_HOTP_H */
