/*
 * nvg module - SDP address rewriting (see nvg_sdp.h)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */
#include <string.h>
#include <arpa/inet.h>

#include "nvg_sdp.h"

const char *nvg_sdp_strerror(int rc)
{
	switch(rc) {
		case NVG_SDP_E_ARG: return "bad argument";
		case NVG_SDP_E_ADDR: return "new address is not an IP literal";
		case NVG_SDP_E_NOTSDP: return "body is not SDP (no v=0)";
		case NVG_SDP_E_CTL: return "control character in SDP";
		case NVG_SDP_E_CLINE: return "malformed c= line";
		case NVG_SDP_E_OLINE: return "malformed o= line";
		case NVG_SDP_E_SPACE: return "rewritten SDP too long";
		case NVG_SDP_E_LONG: return "SDP body too long";
		default: return rc >= 0 ? "ok" : "unknown error";
	}
}

typedef struct {
	char *p;
	size_t left;
} nvg_ob_t;

static int ob_put(nvg_ob_t *o, const char *s, size_t n)
{
	if(n >= o->left) /* keep room for the NUL */
		return -1;
	memcpy(o->p, s, n);
	o->p += n;
	o->left -= n;
	return 0;
}

/* next space-separated token of [*p, e): exactly one space between */
static int tok(const char **p, const char *e, const char **ts, size_t *tl, int last)
{
	const char *s = *p, *q = s;

	while(q < e && *q != ' ')
		q++;
	if(q == s)
		return -1;
	*ts = s;
	*tl = (size_t)(q - s);
	if(last) {
		if(q != e)
			return -1;
		*p = q;
		return 0;
	}
	if(q >= e) /* a separator is required */
		return -1;
	*p = q + 1;
	return 0;
}

static int is_digits(const char *s, size_t n)
{
	size_t i;
	if(n == 0 || n > 20)
		return 0;
	for(i = 0; i < n; i++)
		if(s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* "IN" "IP4"|"IP6" <address> check; returns 4/6 or -1 */
static int addrtype(const char *nt, size_t ntl, const char *at, size_t atl)
{
	if(ntl != 2 || memcmp(nt, "IN", 2) != 0 || atl != 3)
		return -1;
	if(memcmp(at, "IP4", 3) == 0)
		return 4;
	if(memcmp(at, "IP6", 3) == 0)
		return 6;
	return -1;
}

static int addr_token_ok(const char *a, size_t n)
{
	size_t i;
	if(n == 0 || n > 255)
		return 0;
	for(i = 0; i < n; i++)
		if((unsigned char)a[i] <= 0x20 || (unsigned char)a[i] >= 0x7f)
			return 0;
	return 1;
}

/* decimal increment of a digit string into buf (may grow by one digit) */
static size_t dec_inc(const char *s, size_t n, char *buf)
{
	size_t i;
	int carry = 1;

	memcpy(buf + 1, s, n);
	for(i = n; i > 0 && carry; i--) {
		if(buf[i] == '9') {
			buf[i] = '0';
		} else {
			buf[i]++;
			carry = 0;
		}
	}
	if(carry) {
		buf[0] = '1';
		return n + 1;
	}
	memmove(buf, buf + 1, n);
	return n;
}

int nvg_sdp_rewrite(const char *in, size_t inlen, int af, const char *addr,
		int bump, char *out, size_t cap, size_t *outlen)
{
	unsigned char bin[16];
	const char *p, *e, *le, *ce, *q;
	const char *f[6];
	size_t fl[6], al;
	nvg_ob_t o;
	char num[24];
	int n = 0, i;

	if(!in || !addr || !out || !outlen || cap == 0 || (af != 4 && af != 6))
		return NVG_SDP_E_ARG;
	al = strlen(addr);
	if(al == 0 || al > 45 || inet_pton(af == 4 ? AF_INET : AF_INET6, addr, bin) != 1)
		return NVG_SDP_E_ADDR;
	if(inlen > NVG_SDP_MAX_BODY)
		return NVG_SDP_E_LONG;
	if(inlen < 3 || memcmp(in, "v=0", 3) != 0)
		return NVG_SDP_E_NOTSDP;
	for(i = 0; i < (int)inlen; i++) {
		unsigned char c = (unsigned char)in[i];
		if((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f)
			return NVG_SDP_E_CTL;
	}
	o.p = out;
	o.left = cap;
	e = in + inlen;
	for(p = in; p < e; p = le) {
		/* one line: [p, ce) content, [ce, le) its line end */
		for(q = p; q < e && *q != '\n'; q++)
			;
		le = q < e ? q + 1 : q;
		ce = q;
		if(ce > p && ce[-1] == '\r')
			ce--;
		if(ce - p >= 2 && p[0] == 'c' && p[1] == '=') {
			q = p + 2;
			if(tok(&q, ce, &f[0], &fl[0], 0) < 0 || tok(&q, ce, &f[1], &fl[1], 0) < 0
					|| tok(&q, ce, &f[2], &fl[2], 1) < 0
					|| addrtype(f[0], fl[0], f[1], fl[1]) < 0
					|| !addr_token_ok(f[2], fl[2]))
				return NVG_SDP_E_CLINE;
			if(memchr(f[2], '/', fl[2]) /* multicast */
					|| (fl[2] == 7 && memcmp(f[2], "0.0.0.0", 7) == 0)
					|| (fl[2] == 2 && memcmp(f[2], "::", 2) == 0)) {
				if(ob_put(&o, p, (size_t)(le - p)) < 0)
					return NVG_SDP_E_SPACE;
				continue;
			}
			if(ob_put(&o, af == 4 ? "c=IN IP4 " : "c=IN IP6 ", 9) < 0
					|| ob_put(&o, addr, al) < 0 || ob_put(&o, ce, (size_t)(le - ce)) < 0)
				return NVG_SDP_E_SPACE;
			n++;
			continue;
		}
		if(ce - p >= 2 && p[0] == 'o' && p[1] == '=') {
			q = p + 2;
			for(i = 0; i < 6; i++)
				if(tok(&q, ce, &f[i], &fl[i], i == 5) < 0)
					return NVG_SDP_E_OLINE;
			if(!is_digits(f[1], fl[1]) || !is_digits(f[2], fl[2])
					|| addrtype(f[3], fl[3], f[4], fl[4]) < 0
					|| !addr_token_ok(f[5], fl[5]))
				return NVG_SDP_E_OLINE;
			if(ob_put(&o, p, (size_t)(f[2] - p)) < 0)
				return NVG_SDP_E_SPACE;
			if(bump) {
				size_t nl = dec_inc(f[2], fl[2], num);
				if(ob_put(&o, num, nl) < 0)
					return NVG_SDP_E_SPACE;
			} else if(ob_put(&o, f[2], fl[2]) < 0) {
				return NVG_SDP_E_SPACE;
			}
			if(ob_put(&o, af == 4 ? " IN IP4 " : " IN IP6 ", 8) < 0
					|| ob_put(&o, addr, al) < 0 || ob_put(&o, ce, (size_t)(le - ce)) < 0)
				return NVG_SDP_E_SPACE;
			n++;
			continue;
		}
		if(ob_put(&o, p, (size_t)(le - p)) < 0)
			return NVG_SDP_E_SPACE;
	}
	*o.p = 0;
	*outlen = (size_t)(o.p - out);
	return n;
}
