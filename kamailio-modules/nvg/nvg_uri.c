/*
 * nvg_uri - plain C helpers of the nvg module (see nvg_uri.h)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */

#include <string.h>
#include <arpa/inet.h>

#include "nvg_uri.h"

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		   || (c >= '0' && c <= '9');
}

static int is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
		   || (c >= 'A' && c <= 'F');
}

static int lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* RFC 3261 unreserved = alphanum / mark */
static int is_unreserved(int c)
{
	return is_alnum(c) || (c && strchr("-_.!~*'()", c) != NULL);
}

/* checks s[0..len) consists of `extra` characters, unreserved characters and
 * %HH escapes */
static int valid_chars(const char *s, size_t len, const char *extra)
{
	size_t i;

	for(i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if(c == '%') {
			if(i + 2 >= len || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
				return 0;
			i += 2;
			continue;
		}
		if(c == 0 || !(is_unreserved(c) || strchr(extra, c) != NULL))
			return 0;
	}
	return 1;
}

int nvg_span_ieq(nvg_span_t a, const char *b, size_t blen)
{
	size_t i;

	if(a.len != blen)
		return 0;
	for(i = 0; i < blen; i++)
		if(lc((unsigned char)a.s[i]) != lc((unsigned char)b[i]))
			return 0;
	return 1;
}

int nvg_span_eq(nvg_span_t a, const char *b, size_t blen)
{
	return a.len == blen && (blen == 0 || memcmp(a.s, b, blen) == 0);
}

int nvg_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if(!s || len == 0 || len > 20)
		return -1;
	for(i = 0; i < len; i++) {
		if(s[i] < '0' || s[i] > '9')
			return -1;
		if(v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if(v > max)
		return -1;
	if(out)
		*out = v;
	return 0;
}

/* IPv4 dotted quad, exactly four decimal octets <= 255, no leading '+' */
static int parse_ip4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0, start;
	int n = 0;
	uint64_t v;

	while(n < 4) {
		start = i;
		while(i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if(i == start || i - start > 3)
			return -1;
		if(nvg_parse_uint(s + start, i - start, 255, &v) < 0)
			return -1;
		out[n++] = (uint8_t)v;
		if(n < 4) {
			if(i >= len || s[i] != '.')
				return -1;
			i++;
		}
	}
	return i == len ? 0 : -1;
}

int nvg_ip_parse(const char *s, size_t len, int *af, uint8_t addr[16])
{
	char buf[64];

	if(!s || len == 0)
		return -1;
	if(parse_ip4(s, len, addr) == 0) {
		*af = 4;
		return 0;
	}
	if(s[0] == '[') {
		if(len < 3 || s[len - 1] != ']')
			return -1;
		s++;
		len -= 2;
	}
	if(len >= sizeof(buf) || memchr(s, 0, len))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	if(!strchr(buf, ':') || inet_pton(AF_INET6, buf, addr) != 1)
		return -1;
	*af = 6;
	return 0;
}

/* hostname: labels of alphanumerics and '-', not starting or ending with
 * '-', separated by single dots, one trailing dot allowed; a name made of
 * numeric labels only must be a valid IPv4 address (checked by the caller) */
static int valid_hostname(const char *s, size_t len, int *all_numeric)
{
	size_t i, lstart = 0;
	int numeric = 1;

	if(len == 0 || len > NVG_MAX_HOST)
		return 0;
	if(s[len - 1] == '.')
		len--;
	if(len == 0)
		return 0;
	for(i = 0; i <= len; i++) {
		if(i == len || s[i] == '.') {
			if(i == lstart || i - lstart > 63)
				return 0;
			if(s[lstart] == '-' || s[i - 1] == '-')
				return 0;
			lstart = i + 1;
			continue;
		}
		if(!is_alnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
		if(!(s[i] >= '0' && s[i] <= '9'))
			numeric = 0;
	}
	*all_numeric = numeric;
	return 1;
}

static const char *nvg_uri_errors[] = {
	"ok",
	"missing argument",
	"empty",
	"longer than 512 characters",
	"whitespace or control character",
	"not a sip: or sips: URI",
	"bad user part",
	"bad host",
	"bad port",
	"bad parameters",
	"bad headers",
};

const char *nvg_uri_strerror(int code)
{
	if(code > 0 || code < NVG_URI_E_LAST)
		return "unknown error";
	return nvg_uri_errors[-code];
}

int nvg_uri_parse(const char *s, size_t len, nvg_uri_t *u)
{
	const char *p, *end, *at, *hp_end, *q;
	size_t i;
	uint64_t port;
	int af, numeric;
	uint8_t addr[16];

	if(!s || !u)
		return NVG_URI_E_ARG;
	memset(u, 0, sizeof(*u));
	if(len == 0)
		return NVG_URI_E_EMPTY;
	if(len > NVG_MAX_URI)
		return NVG_URI_E_LONG;
	for(i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if(c <= 0x20 || c >= 0x7f)
			return NVG_URI_E_CHAR;
	}
	end = s + len;
	if(len >= 4 && nvg_span_ieq((nvg_span_t){s, 4}, "sip:", 4)) {
		p = s + 4;
	} else if(len >= 5 && nvg_span_ieq((nvg_span_t){s, 5}, "sips:", 5)) {
		p = s + 5;
		u->sips = 1;
	} else {
		return NVG_URI_E_SCHEME;
	}

	/* userinfo ends at the first '@' ('@' is not allowed unescaped in any
	 * later part of a SIP URI) */
	at = memchr(p, '@', (size_t)(end - p));
	if(at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		const char *uend = colon ? colon : at;
		if(uend == p || (size_t)(uend - p) > NVG_MAX_USER)
			return NVG_URI_E_USER;
		if(!valid_chars(p, (size_t)(uend - p), "&=+$,;?/"))
			return NVG_URI_E_USER;
		if(colon && !valid_chars(colon + 1, (size_t)(at - colon - 1), "&=+$,"))
			return NVG_URI_E_USER;
		u->user.s = p;
		u->user.len = (size_t)(uend - p);
		p = at + 1;
	}

	/* host */
	u->hostport.s = p;
	if(p < end && *p == '[') {
		q = memchr(p, ']', (size_t)(end - p));
		if(!q)
			return NVG_URI_E_HOST;
		u->host.s = p;
		u->host.len = (size_t)(q - p + 1);
		if(nvg_ip_parse(u->host.s, u->host.len, &af, addr) < 0 || af != 6)
			return NVG_URI_E_HOST;
		u->host_type = NVG_HOST_IP6;
		p = q + 1;
	} else {
		q = p;
		while(q < end && *q != ':' && *q != ';' && *q != '?')
			q++;
		u->host.s = p;
		u->host.len = (size_t)(q - p);
		if(u->host.len == 0)
			return NVG_URI_E_HOST;
		if(parse_ip4(p, u->host.len, addr) == 0) {
			u->host_type = NVG_HOST_IP4;
		} else {
			if(!valid_hostname(p, u->host.len, &numeric) || numeric)
				return NVG_URI_E_HOST;
			u->host_type = NVG_HOST_NAME;
		}
		p = q;
	}
	if(u->host.len > NVG_MAX_HOST)
		return NVG_URI_E_HOST;
	if(p < end && *p == ':') {
		q = ++p;
		while(q < end && *q >= '0' && *q <= '9')
			q++;
		if(q == p || nvg_parse_uint(p, (size_t)(q - p), 65535, &port) < 0
				|| port == 0)
			return NVG_URI_E_PORT;
		u->port = (unsigned)port;
		p = q;
	}
	hp_end = p;
	u->hostport.len = (size_t)(hp_end - u->hostport.s);

	/* ;params */
	if(p < end && *p == ';') {
		p++;
		q = memchr(p, '?', (size_t)(end - p));
		if(!q)
			q = end;
		u->params.s = p;
		u->params.len = (size_t)(q - p);
		/* pname[=pvalue] separated by ';', paramchars only */
		if(u->params.len == 0)
			return NVG_URI_E_PARAMS;
		{
			const char *a = p, *b;
			while(a <= q) {
				const char *eq;
				b = memchr(a, ';', (size_t)(q - a));
				if(!b)
					b = q;
				if(b == a)
					return NVG_URI_E_PARAMS; /* empty parameter */
				eq = memchr(a, '=', (size_t)(b - a));
				if(eq == a)
					return NVG_URI_E_PARAMS;
				if(!valid_chars(a, (size_t)((eq ? eq : b) - a), "[]/:&+$"))
					return NVG_URI_E_PARAMS;
				if(eq && !valid_chars(eq + 1, (size_t)(b - eq - 1), "[]/:&+$"))
					return NVG_URI_E_PARAMS;
				a = b + 1;
			}
		}
		p = q;
	}
	if(p < end) {
		if(*p != '?')
			return NVG_URI_E_HOST; /* junk after host:port */
		p++;
		u->headers.s = p;
		u->headers.len = (size_t)(end - p);
		if(u->headers.len == 0 || !valid_chars(p, u->headers.len, "[]/?:+$=&"))
			return NVG_URI_E_HEADERS;
	}
	return NVG_URI_OK;
}

int nvg_uri_param(const nvg_uri_t *u, const char *name, nvg_span_t *val)
{
	const char *a, *b, *q, *eq;
	size_t nlen = strlen(name);

	if(!u || !u->params.s || u->params.len == 0)
		return 0;
	a = u->params.s;
	q = u->params.s + u->params.len;
	while(a < q) {
		b = memchr(a, ';', (size_t)(q - a));
		if(!b)
			b = q;
		eq = memchr(a, '=', (size_t)(b - a));
		if(nvg_span_ieq((nvg_span_t){a, (size_t)((eq ? eq : b) - a)}, name, nlen)) {
			if(val) {
				val->s = eq ? eq + 1 : b;
				val->len = eq ? (size_t)(b - eq - 1) : 0;
			}
			return 1;
		}
		a = b + 1;
	}
	return 0;
}

/* ---- tokens ------------------------------------------------------------- */

void nvg_token(const char *a, size_t alen, const char *b, size_t blen,
		char out[NVG_TOKEN_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for(i = 0; i < alen; i++) {
		h ^= (unsigned char)a[i];
		h *= 1099511628211ULL;
	}
	h ^= 0x1f;
	h *= 1099511628211ULL;
	for(i = 0; i < blen; i++) {
		h ^= (unsigned char)b[i];
		h *= 1099511628211ULL;
	}
	for(i = 0; i < NVG_TOKEN_LEN; i++)
		out[i] = hex[(h >> (60 - 4 * i)) & 0xf];
	out[NVG_TOKEN_LEN] = 0;
}

int nvg_token_valid(const char *s, size_t len)
{
	size_t i;

	if(!s || len != NVG_TOKEN_LEN)
		return 0;
	for(i = 0; i < len; i++)
		if(!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int nvg_logical_uri(char *buf, size_t sz, const char *user, size_t ulen,
		const char *domain, size_t dlen, const char *token)
{
	size_t n = 4 + ulen + 1 + dlen;

	if(token)
		n += 1 + NVG_TOKEN_PARAM_LEN + 1 + NVG_TOKEN_LEN;
	if(!buf || n + 1 > sz || n > NVG_MAX_URI || ulen == 0 || dlen == 0)
		return -1;
	memcpy(buf, "sip:", 4);
	memcpy(buf + 4, user, ulen);
	buf[4 + ulen] = '@';
	memcpy(buf + 5 + ulen, domain, dlen);
	n = 5 + ulen + dlen;
	if(token) {
		buf[n++] = ';';
		memcpy(buf + n, NVG_TOKEN_PARAM, NVG_TOKEN_PARAM_LEN);
		n += NVG_TOKEN_PARAM_LEN;
		buf[n++] = '=';
		memcpy(buf + n, token, NVG_TOKEN_LEN);
		n += NVG_TOKEN_LEN;
	}
	buf[n] = 0;
	return (int)n;
}

/* ---- logical domains ------------------------------------------------------ */

int nvg_domain_label(const char *host, size_t hlen, const char *parent,
		size_t plen, nvg_span_t *label)
{
	size_t l;

	if(!host || !parent || plen == 0)
		return 0;
	if(hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	if(plen > 0 && parent[plen - 1] == '.')
		plen--;
	if(hlen < plen + 2)
		return 0;
	l = hlen - plen - 1;
	if(host[l] != '.')
		return 0;
	if(!nvg_span_ieq((nvg_span_t){host + l + 1, plen}, parent, plen))
		return 0;
	if(memchr(host, '.', l) != NULL)
		return 0;
	if(label) {
		label->s = host;
		label->len = l;
	}
	return 1;
}

/* ---- networks -------------------------------------------------------------- */

int nvg_cidr_parse(const char *s, size_t len, nvg_cidr_t *c)
{
	const char *slash;
	uint64_t bits;
	size_t alen;

	if(!s || !c || len == 0)
		return -1;
	memset(c, 0, sizeof(*c));
	slash = memchr(s, '/', len);
	alen = slash ? (size_t)(slash - s) : len;
	if(nvg_ip_parse(s, alen, &c->af, c->addr) < 0)
		return -1;
	if(slash) {
		if(nvg_parse_uint(slash + 1, len - alen - 1, c->af == 4 ? 32 : 128, &bits) < 0)
			return -1;
		c->bits = (unsigned)bits;
	} else {
		c->bits = c->af == 4 ? 32 : 128;
	}
	return 0;
}

int nvg_cidr_match(const nvg_cidr_t *c, int af, const uint8_t *addr)
{
	unsigned full, rest;

	if(!c || !addr || c->af != af)
		return 0;
	full = c->bits / 8;
	rest = c->bits % 8;
	if(full && memcmp(c->addr, addr, full) != 0)
		return 0;
	if(rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if((c->addr[full] & mask) != (addr[full] & mask))
			return 0;
	}
	return 1;
}
