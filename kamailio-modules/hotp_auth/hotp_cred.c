/*
 * hotp_cred - parser of the SeNEMO HOTP credential (see hotp_cred.h)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see hotp_auth_mod.c).
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hotp_cred.h"

#define HC_NAME_SHOWN 32 /* longest parameter name quoted in an error text */

static const char *hc_texts[] = {
	/* HC_E_ARG */ "invalid argument",
	/* HC_E_EMPTY */ "credentials: empty",
	/* HC_E_TOO_LONG */ "header: longer than 1024 bytes",
	/* HC_E_NUL */ "header: NUL byte",
	/* HC_E_CTL */ "header: control character",
	/* HC_E_SCHEME */ "scheme: syntax error",
	/* HC_E_PARAM_NAME */ "params: expected a parameter name",
	/* HC_E_PARAM_EQ */ "params: expected '='",
	/* HC_E_PARAM_VALUE */ "params: expected a token or quoted-string",
	/* HC_E_PARAM_SEP */ "params: expected ',' after a value",
	/* HC_E_QUOTE */ "params: unterminated quoted-string",
	/* HC_E_ESCAPE */ "params: bad escape in quoted-string",
	/* HC_E_TOO_MANY */ "params: more than 16",
	/* HC_E_DUPLICATE */ "params: duplicate parameter",
	/* HC_E_USERNAME_MISSING */ "username: missing",
	/* HC_E_USERNAME_EMPTY */ "username: empty",
	/* HC_E_USERNAME_LONG */ "username: longer than 64 characters",
	/* HC_E_USERNAME_CHAR */ "username: invalid character",
	/* HC_E_REALM_MISSING */ "realm: missing",
	/* HC_E_REALM_EMPTY */ "realm: empty",
	/* HC_E_REALM_LONG */ "realm: longer than 253 characters",
	/* HC_E_REALM_INVALID */ "realm: not a hostname",
	/* HC_E_OTP_MISSING */ "otp: missing",
	/* HC_E_OTP_INVALID */ "otp: not 6-8 digits",
	/* HC_E_COUNTER_INVALID */ "counter: not a decimal number",
	/* HC_E_COUNTER_RANGE */ "counter: larger than 2^63-1",
};

const char *hc_strerror(int code)
{
	if(code == HC_OK)
		return "ok";
	if(code == HC_NOT_HOTP)
		return "scheme: not HOTP";
	if(code <= HC_E_ARG && code >= HC_E_LAST)
		return hc_texts[-code - 1];
	return "unknown error";
}

/* ---- character classes ---------------------------------------------- */

static int hc_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hc_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int hc_is_hex(unsigned char c)
{
	return hc_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 7230 tchar */
static int hc_is_tchar(unsigned char c)
{
	if(hc_is_alpha(c) || hc_is_digit(c))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int hc_is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* RFC 3261 user: unreserved / user-unreserved (escaped handled apart) */
static int hc_is_user_char(unsigned char c)
{
	if(hc_is_alpha(c) || hc_is_digit(c))
		return 1;
	return c != 0 && strchr("-_.!~*'()&=+$,;?/", c) != NULL;
}

/* ---- field validation -------------------------------------------------- */

int hc_valid_username(const char *s, size_t len)
{
	size_t i;

	if(!s || len == 0 || len > HC_USERNAME_MAX)
		return 0;
	for(i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if(c == '%') {
			if(i + 2 >= len || !hc_is_hex((unsigned char)s[i + 1])
					|| !hc_is_hex((unsigned char)s[i + 2]))
				return 0;
			i += 2;
			continue;
		}
		if(!hc_is_user_char(c))
			return 0;
	}
	return 1;
}

int hc_valid_realm(const char *s, size_t len)
{
	size_t i, label = 0;

	if(!s || len == 0 || len > HC_REALM_MAX)
		return 0;
	for(i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if(c == '.') {
			/* empty label, or label ending with '-' */
			if(label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if(!(hc_is_alpha(c) || hc_is_digit(c) || c == '-'))
			return 0;
		if(c == '-' && label == 0)
			return 0;
		if(++label > 63)
			return 0;
	}
	/* last label: not empty (no trailing dot), not ending with '-' */
	return label > 0 && s[len - 1] != '-';
}

int hc_valid_otp(const char *s, size_t len)
{
	size_t i;

	if(!s || len < HC_OTP_MIN || len > HC_OTP_MAX)
		return 0;
	for(i = 0; i < len; i++)
		if(!hc_is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* ---- parser ------------------------------------------------------------ */

typedef struct hc_parser {
	const char *b;
	size_t len;
	size_t p;
	hc_cred_t *c;
} hc_parser_t;

static int hc_fail(hc_cred_t *c, int code, const char *where, const char *what)
{
	if(where && what)
		snprintf(c->error, sizeof(c->error), "%s: %s", where, what);
	else
		snprintf(c->error, sizeof(c->error), "%s", hc_strerror(code));
	return code;
}

/* copy a parameter name (a token, so safe in a quoted-string) for messages */
static void hc_name(char *dst, size_t dsz, const char *s, size_t len)
{
	if(len > HC_NAME_SHOWN)
		len = HC_NAME_SHOWN;
	if(len >= dsz)
		len = dsz - 1;
	memcpy(dst, s, len);
	dst[len] = 0;
}

/* SP / HTAB, and obs-fold / SIP LWS: [CR] LF followed by SP or HTAB */
static int hc_lws_at(hc_parser_t *ps, size_t *adv)
{
	const char *b = ps->b;
	size_t p = ps->p, n = ps->len;

	if(p >= n)
		return 0;
	if(b[p] == ' ' || b[p] == '\t') {
		*adv = 1;
		return 1;
	}
	if(b[p] == '\r' && p + 2 < n && b[p + 1] == '\n'
			&& (b[p + 2] == ' ' || b[p + 2] == '\t')) {
		*adv = 3;
		return 1;
	}
	if(b[p] == '\n' && p + 1 < n && (b[p + 1] == ' ' || b[p + 1] == '\t')) {
		*adv = 2;
		return 1;
	}
	return 0;
}

static size_t hc_skip_lws(hc_parser_t *ps)
{
	size_t adv, start = ps->p;

	while(hc_lws_at(ps, &adv))
		ps->p += adv;
	return ps->p - start;
}

static size_t hc_token(hc_parser_t *ps)
{
	size_t start = ps->p;

	while(ps->p < ps->len && hc_is_tchar((unsigned char)ps->b[ps->p]))
		ps->p++;
	return ps->p - start;
}

/* quoted-string at ps->p (which is '"'); unescaped into out (size >
 * HC_MAX_HEADER so it always fits, the input being at most that long) */
static int hc_quoted(hc_parser_t *ps, const char *name, char *out, size_t *olen)
{
	size_t o = 0, adv;
	unsigned char c;

	ps->p++; /* opening DQUOTE */
	while(ps->p < ps->len) {
		c = (unsigned char)ps->b[ps->p];
		if(c == '"') {
			ps->p++;
			out[o] = 0;
			*olen = o;
			return HC_OK;
		}
		if(c == '\\') {
			/* quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
			if(ps->p + 1 >= ps->len)
				return hc_fail(ps->c, HC_E_QUOTE, name,
						"unterminated quoted-string");
			c = (unsigned char)ps->b[ps->p + 1];
			if(c != '\t' && hc_is_ctl(c))
				return hc_fail(ps->c, HC_E_ESCAPE, name,
						"bad escape in quoted-string");
			out[o++] = (char)c;
			ps->p += 2;
			continue;
		}
		if(c == '\r' || c == '\n') {
			/* folded line inside the quoted-string: one space */
			if(hc_lws_at(ps, &adv) && adv > 1) {
				out[o++] = ' ';
				ps->p += adv;
				continue;
			}
			return hc_fail(ps->c, HC_E_CTL, name, "control character");
		}
		if(c != '\t' && hc_is_ctl(c))
			return hc_fail(ps->c, HC_E_CTL, name, "control character");
		out[o++] = (char)c;
		ps->p++;
	}
	return hc_fail(ps->c, HC_E_QUOTE, name, "unterminated quoted-string");
}

static int hc_set_known(hc_cred_t *c, const char *name, size_t nlen,
		const char *v, size_t vlen, unsigned *seen)
{
	size_t i;
	uint64_t n;

	if(nlen == 8 && strncasecmp(name, "username", 8) == 0) {
		if(vlen == 0)
			return hc_fail(c, HC_E_USERNAME_EMPTY, NULL, NULL);
		if(vlen > HC_USERNAME_MAX)
			return hc_fail(c, HC_E_USERNAME_LONG, NULL, NULL);
		if(!hc_valid_username(v, vlen))
			return hc_fail(c, HC_E_USERNAME_CHAR, NULL, NULL);
		memcpy(c->username, v, vlen);
		c->username[vlen] = 0;
		c->username_len = vlen;
		*seen |= 1;
	} else if(nlen == 5 && strncasecmp(name, "realm", 5) == 0) {
		if(vlen == 0)
			return hc_fail(c, HC_E_REALM_EMPTY, NULL, NULL);
		if(vlen > HC_REALM_MAX)
			return hc_fail(c, HC_E_REALM_LONG, NULL, NULL);
		if(!hc_valid_realm(v, vlen))
			return hc_fail(c, HC_E_REALM_INVALID, NULL, NULL);
		memcpy(c->realm, v, vlen);
		c->realm[vlen] = 0;
		c->realm_len = vlen;
		*seen |= 2;
	} else if(nlen == 3 && strncasecmp(name, "otp", 3) == 0) {
		if(!hc_valid_otp(v, vlen))
			return hc_fail(c, HC_E_OTP_INVALID, NULL, NULL);
		memcpy(c->otp, v, vlen);
		c->otp[vlen] = 0;
		c->otp_len = vlen;
		*seen |= 4;
	} else if(nlen == 7 && strncasecmp(name, "counter", 7) == 0) {
		if(vlen == 0)
			return hc_fail(c, HC_E_COUNTER_INVALID, NULL, NULL);
		n = 0;
		for(i = 0; i < vlen; i++) {
			unsigned d;
			if(!hc_is_digit((unsigned char)v[i]))
				return hc_fail(c, HC_E_COUNTER_INVALID, NULL, NULL);
			d = (unsigned)(v[i] - '0');
			if(n > (UINT64_C(0x7fffffffffffffff) - d) / 10)
				return hc_fail(c, HC_E_COUNTER_RANGE, NULL, NULL);
			n = n * 10 + d;
		}
		c->counter = n;
		c->has_counter = 1;
	}
	/* anything else: ignored */
	return HC_OK;
}

int hc_parse(const char *buf, size_t len, hc_cred_t *cred)
{
	hc_parser_t ps;
	size_t n, i, adv, nstart, vlen;
	struct {
		size_t off, len;
	} names[HC_MAX_PARAMS];
	char vbuf[HC_MAX_HEADER + 1];
	char nm[HC_NAME_SHOWN + 1];
	const char *v;
	unsigned seen = 0;
	int rc;

	if(!cred)
		return HC_E_ARG;
	memset(cred, 0, sizeof(*cred));
	if(!buf)
		return hc_fail(cred, HC_E_ARG, NULL, NULL);

	ps.b = buf;
	ps.len = len;
	ps.p = 0;
	ps.c = cred;

	/* the scheme decides first: a Digest header of any size or content is
	 * "not HOTP", left to other authentication modules */
	hc_skip_lws(&ps);
	if(ps.p >= len)
		return hc_fail(cred, HC_E_EMPTY, NULL, NULL);
	nstart = ps.p;
	n = hc_token(&ps);
	if(n == 0) {
		unsigned char c = (unsigned char)buf[ps.p];
		if(c == 0)
			return hc_fail(cred, HC_E_NUL, NULL, NULL);
		if(hc_is_ctl(c))
			return hc_fail(cred, HC_E_CTL, NULL, NULL);
		return hc_fail(cred, HC_E_SCHEME, "scheme", "not a token");
	}
	if(n != 4 || strncasecmp(buf + nstart, "HOTP", 4) != 0)
		return HC_NOT_HOTP;

	if(len > HC_MAX_HEADER)
		return hc_fail(cred, HC_E_TOO_LONG, NULL, NULL);
	if(memchr(buf, 0, len) != NULL)
		return hc_fail(cred, HC_E_NUL, NULL, NULL);

	if(ps.p < len && !hc_lws_at(&ps, &adv)) {
		if(hc_is_ctl((unsigned char)buf[ps.p]))
			return hc_fail(cred, HC_E_CTL, NULL, NULL);
		return hc_fail(cred, HC_E_SCHEME, "scheme", "expected a space after HOTP");
	}

	for(;;) {
		hc_skip_lws(&ps);
		if(ps.p >= len)
			break;
		if(buf[ps.p] == ',') { /* empty list element */
			ps.p++;
			continue;
		}
		/* name */
		nstart = ps.p;
		n = hc_token(&ps);
		if(n == 0) {
			if(hc_is_ctl((unsigned char)buf[ps.p]))
				return hc_fail(cred, HC_E_CTL, "params", "control character");
			return hc_fail(cred, HC_E_PARAM_NAME, NULL, NULL);
		}
		hc_name(nm, sizeof(nm), buf + nstart, n);
		if(cred->nparams >= HC_MAX_PARAMS)
			return hc_fail(cred, HC_E_TOO_MANY, NULL, NULL);
		for(i = 0; i < (size_t)cred->nparams; i++)
			if(names[i].len == n
					&& strncasecmp(buf + names[i].off, buf + nstart, n) == 0)
				return hc_fail(cred, HC_E_DUPLICATE, nm, "duplicate parameter");
		names[cred->nparams].off = nstart;
		names[cred->nparams].len = n;
		cred->nparams++;

		/* BWS "=" BWS */
		hc_skip_lws(&ps);
		if(ps.p >= len || buf[ps.p] != '=')
			return hc_fail(cred, HC_E_PARAM_EQ, nm, "expected '='");
		ps.p++;
		hc_skip_lws(&ps);

		/* value */
		if(ps.p < len && buf[ps.p] == '"') {
			rc = hc_quoted(&ps, nm, vbuf, &vlen);
			if(rc != HC_OK)
				return rc;
			v = vbuf;
		} else {
			size_t vstart = ps.p;
			vlen = hc_token(&ps);
			if(vlen == 0) {
				if(ps.p < len && hc_is_ctl((unsigned char)buf[ps.p]))
					return hc_fail(cred, HC_E_CTL, nm, "control character");
				return hc_fail(cred, HC_E_PARAM_VALUE, nm,
						"expected a token or quoted-string");
			}
			v = buf + vstart;
		}
		rc = hc_set_known(cred, buf + nstart, n, v, vlen, &seen);
		if(rc != HC_OK)
			return rc;

		/* OWS then "," or the end */
		hc_skip_lws(&ps);
		if(ps.p >= len)
			break;
		if(buf[ps.p] != ',') {
			if(hc_is_ctl((unsigned char)buf[ps.p]))
				return hc_fail(cred, HC_E_CTL, nm, "control character");
			return hc_fail(cred, HC_E_PARAM_SEP, nm, "expected ',' after the value");
		}
		ps.p++;
	}

	if(!(seen & 1))
		return hc_fail(cred, HC_E_USERNAME_MISSING, NULL, NULL);
	if(!(seen & 2))
		return hc_fail(cred, HC_E_REALM_MISSING, NULL, NULL);
	if(!(seen & 4))
		return hc_fail(cred, HC_E_OTP_MISSING, NULL, NULL);
	cred->error[0] = 0;
	return HC_OK;
}
