/*
 * ovsense - RFC 7339 overload-control Via parameters and Retry-After
 * (plain C, no Kamailio dependency). See ovs_oc.h.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see ovsense_mod.c).
 */

#include <stdio.h>
#include <string.h>

#include "ovs_oc.h"

static int oc_is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 3261 token characters */
static int oc_is_token(char c)
{
	if((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("-.!%*_+`'~", c) != NULL;
}

/* value characters besides token ones: IPv6 references (received=[::1]) */
static int oc_is_value(char c)
{
	return oc_is_token(c) || c == '[' || c == ']' || c == ':';
}

static int oc_name_is(const char *n, size_t nlen, const char *want)
{
	size_t i, wl = strlen(want);

	if(nlen != wl)
		return 0;
	for(i = 0; i < nlen; i++) {
		char a = n[i], b = want[i];
		if(a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if(a != b)
			return 0;
	}
	return 1;
}

/* printable, quote-free copy of at most 24 bytes of v for error texts */
static void oc_show(char *out, size_t outsz, const char *v, size_t vlen)
{
	size_t i, n = 0;

	for(i = 0; i < vlen && n + 4 < outsz && i < 24; i++) {
		unsigned char c = (unsigned char)v[i];
		out[n++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
	}
	if(i < vlen && n + 3 < outsz) {
		out[n++] = '.';
		out[n++] = '.';
	}
	out[n] = 0;
}

static int oc_fail(ovs_oc_t *oc, int rc, const char *what, const char *v, size_t vlen)
{
	char shown[40];
	size_t i;

	if(v) {
		oc_show(shown, sizeof(shown), v, vlen);
		snprintf(oc->error, sizeof(oc->error), "%s: '%s'", what, shown);
	} else {
		snprintf(oc->error, sizeof(oc->error), "%s", what);
	}
	for(i = 0; oc->error[i]; i++) {
		unsigned char c = (unsigned char)oc->error[i];
		if(c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			oc->error[i] = '?';
	}
	return rc;
}

/* all digits, 1..maxd of them; value in *out */
static int oc_digits(const char *v, size_t vlen, size_t maxd, uint64_t *out)
{
	size_t i;
	uint64_t x = 0;

	if(vlen == 0 || vlen > maxd)
		return -1;
	for(i = 0; i < vlen; i++) {
		if(v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return 0;
}

static int oc_parse_seq(const char *v, size_t vlen, ovs_oc_t *oc)
{
	const char *dot = memchr(v, '.', vlen);
	uint64_t sec, frac = 0;
	size_t ilen = dot ? (size_t)(dot - v) : vlen, flen, i;

	if(oc_digits(v, ilen, 12, &sec) < 0)
		return -1;
	if(dot) {
		flen = vlen - ilen - 1;
		if(oc_digits(dot + 1, flen, 5, &frac) < 0)
			return -1;
		for(i = flen; i < 5; i++)
			frac *= 10;
	}
	oc->seq_sec = sec;
	oc->seq_frac = (uint32_t)frac;
	return 0;
}

/* v is the quoted string including its quotes */
static int oc_parse_algo(const char *v, size_t vlen, ovs_oc_t *oc)
{
	size_t i = 1, st;

	if(vlen < 2 || v[0] != '"' || v[vlen - 1] != '"')
		return -1;
	vlen--; /* closing quote */
	oc->algo_count = 0;
	oc->algo_loss = 0;
	while(i <= vlen) {
		while(i < vlen && oc_is_lws(v[i]))
			i++;
		st = i;
		while(i < vlen && ((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z')
								  || (v[i] >= '0' && v[i] <= '9')))
			i++;
		if(i == st)
			return -1; /* empty algorithm name */
		oc->algo_count++;
		if(oc_name_is(v + st, i - st, "loss"))
			oc->algo_loss = 1;
		while(i < vlen && oc_is_lws(v[i]))
			i++;
		if(i == vlen)
			break;
		if(v[i] != ',')
			return -1;
		i++;
	}
	return oc->algo_count > 0 ? 0 : -1;
}

int ovs_oc_parse(const char *s, size_t len, uint32_t max_validity_ms, ovs_oc_t *oc)
{
	size_t i = 0, nst, nlen, vst, vlen, k;
	int nparams = 0, has_eq;
	uint64_t x;
	ovs_oc_span_t *sp;
	const char *oc_v = NULL, *val_v = NULL, *seq_v = NULL, *algo_v = NULL;
	size_t oc_l = 0, val_l = 0, seq_l = 0, algo_l = 0;

	memset(oc, 0, sizeof(*oc));
	oc->validity_ms = OVS_OC_DEFAULT_VALIDITY;
	if(s == NULL)
		return OVS_OC_NONE;
	if(memchr(s, 0, len) != NULL)
		return oc_fail(oc, OVS_OC_E_MALFORMED, "Via parameters: NUL byte", NULL, 0);

	while(i < len && (oc_is_lws(s[i]) || s[i] == ';'))
		i++;
	while(i < len) {
		if(++nparams > OVS_OC_MAX_PARAMS)
			return oc_fail(oc, OVS_OC_E_MALFORMED, "Via parameters: too many", NULL, 0);
		nst = i;
		while(i < len && oc_is_token(s[i]))
			i++;
		nlen = i - nst;
		if(nlen == 0)
			return oc_fail(oc, OVS_OC_E_MALFORMED, "Via parameters: bad character",
					s + i, len - i);
		while(i < len && oc_is_lws(s[i]))
			i++;
		has_eq = 0;
		vst = vlen = 0;
		if(i < len && s[i] == '=') {
			has_eq = 1;
			i++;
			while(i < len && oc_is_lws(s[i]))
				i++;
			vst = i;
			if(i < len && s[i] == '"') {
				i++;
				while(i < len && s[i] != '"') {
					if(s[i] == '\\')
						i++;
					i++;
				}
				if(i >= len)
					return oc_fail(oc, OVS_OC_E_MALFORMED,
							"Via parameters: unterminated quoted string", s + vst,
							len - vst);
				i++;
			} else {
				while(i < len && oc_is_value(s[i]))
					i++;
			}
			vlen = i - vst;
		}
		/* remember the parameter's span before trailing whitespace */
		sp = NULL;
		if(oc_name_is(s + nst, nlen, "oc")) {
			sp = &oc->sp_oc;
			oc_v = s + vst;
			oc_l = vlen;
		} else if(oc_name_is(s + nst, nlen, "oc-validity")) {
			sp = &oc->sp_validity;
			val_v = s + vst;
			val_l = vlen;
		} else if(oc_name_is(s + nst, nlen, "oc-seq")) {
			sp = &oc->sp_seq;
			seq_v = s + vst;
			seq_l = vlen;
		} else if(oc_name_is(s + nst, nlen, "oc-algo")) {
			sp = &oc->sp_algo;
			algo_v = s + vst;
			algo_l = vlen;
		}
		if(sp) {
			if(sp->found)
				return oc_fail(oc, OVS_OC_E_MALFORMED, "duplicate parameter", s + nst,
						nlen);
			sp->found = 1;
			sp->start = nst;
			sp->len = has_eq ? (vst + vlen - nst) : nlen;
			if(has_eq && vlen == 0)
				return oc_fail(oc, OVS_OC_E_MALFORMED, "empty value", s + nst, nlen);
		}
		oc->end = has_eq ? vst + vlen : nst + nlen;
		while(i < len && oc_is_lws(s[i]))
			i++;
		if(i >= len)
			break;
		if(s[i] == ',')
			break; /* next Via body */
		if(s[i] != ';')
			return oc_fail(oc, OVS_OC_E_MALFORMED, "Via parameters: bad character",
					s + i, len - i);
		i++;
		while(i < len && oc_is_lws(s[i]))
			i++;
		if(i >= len)
			return oc_fail(oc, OVS_OC_E_MALFORMED, "Via parameters: trailing ';'", NULL,
					0);
	}

	if(!oc->sp_oc.found)
		return OVS_OC_NONE;

	if(oc->sp_algo.found) {
		oc->has_algo = 1;
		if(oc_parse_algo(algo_v, algo_l, oc) < 0)
			return oc_fail(oc, OVS_OC_E_MALFORMED, "oc-algo: not a quoted list of names",
					algo_v, algo_l);
	}
	if(oc_l == 0) {
		/* a request: the sender supports overload control */
		return OVS_OC_SUPPORT;
	}
	if(oc_digits(oc_v, oc_l, 9, &x) < 0 || x > 100)
		return oc_fail(oc, OVS_OC_E_MALFORMED, "oc: not a number in 0..100", oc_v, oc_l);
	oc->has_value = 1;
	oc->value = (int)x;
	if(oc->sp_validity.found) {
		oc->has_validity = 1;
		if(val_l > 0) {
			for(k = 0; k < val_l && val_v[k] >= '0' && val_v[k] <= '9'; k++)
				;
			if(k != val_l)
				return oc_fail(oc, OVS_OC_E_MALFORMED, "oc-validity: not a number",
						val_v, val_l);
			/* all digits: more than 19 of them is too large for any bound */
			if(val_l > 19 || oc_digits(val_v, val_l, 19, &x) < 0 || x > max_validity_ms)
				return oc_fail(oc, OVS_OC_E_MALFORMED, "oc-validity: too large", val_v,
						val_l);
			oc->validity_ms = (uint32_t)x;
		}
	}
	if(oc->sp_seq.found) {
		if(seq_l == 0 || oc_parse_seq(seq_v, seq_l, oc) < 0)
			return oc_fail(oc, OVS_OC_E_MALFORMED,
					"oc-seq: not 1*12DIGIT [\".\" 1*5DIGIT]", seq_v, seq_l);
		oc->has_seq = 1;
	}
	if(oc->has_algo && !oc->algo_loss)
		return oc_fail(oc, OVS_OC_E_UNSUPPORTED, "oc-algo: not the loss algorithm",
				algo_v, algo_l);
	return OVS_OC_FEEDBACK;
}

const char *ovs_oc_strerror(int rc)
{
	switch(rc) {
		case OVS_OC_NONE:
			return "no overload control parameter";
		case OVS_OC_SUPPORT:
			return "overload control supported";
		case OVS_OC_FEEDBACK:
			return "overload control feedback";
		case OVS_OC_E_MALFORMED:
			return "malformed overload control parameters";
		case OVS_OC_E_UNSUPPORTED:
			return "unsupported overload control algorithm";
	}
	return "unknown";
}

int ovs_oc_seq_cmp(uint64_t a_sec, uint32_t a_frac, uint64_t b_sec, uint32_t b_frac)
{
	if(a_sec != b_sec)
		return a_sec < b_sec ? -1 : 1;
	if(a_frac != b_frac)
		return a_frac < b_frac ? -1 : 1;
	return 0;
}

int ovs_oc_format(char *buf, size_t size, int value, uint32_t validity_ms,
		uint64_t seq_sec, uint32_t seq_frac)
{
	int n;

	if(value < 0)
		value = 0;
	if(value > 100)
		value = 100;
	/* oc-algo before the unquoted parameters: some parsers (Kamailio's
	 * among them) mishandle a quoted value at the very end of a Via */
	n = snprintf(buf, size, ";oc=%d;oc-algo=\"loss\";oc-validity=%u;oc-seq=%llu.%05u",
			value, validity_ms, (unsigned long long)(seq_sec % 1000000000000ULL),
			seq_frac % 100000);
	if(n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

int ovs_retry_after_parse(const char *s, size_t len, uint32_t max_s, uint32_t *secs)
{
	size_t i = 0, st;
	uint64_t x;
	int depth;

	if(s == NULL)
		return -1;
	while(i < len && oc_is_lws(s[i]))
		i++;
	st = i;
	while(i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if(oc_digits(s + st, i - st, 10, &x) < 0 || x > max_s)
		return -1;
	while(i < len && oc_is_lws(s[i]))
		i++;
	if(i < len && s[i] == '(') {
		/* comment, may nest */
		depth = 0;
		for(; i < len; i++) {
			if(s[i] == '\\') {
				i++;
				continue;
			}
			if(s[i] == '(')
				depth++;
			else if(s[i] == ')' && --depth == 0)
				break;
		}
		if(i >= len)
			return -1;
		i++;
		while(i < len && oc_is_lws(s[i]))
			i++;
	}
	/* ;duration=... and other generic parameters */
	while(i < len && s[i] == ';') {
		i++;
		while(i < len && oc_is_lws(s[i]))
			i++;
		st = i;
		while(i < len && oc_is_token(s[i]))
			i++;
		if(i == st)
			return -1;
		while(i < len && oc_is_lws(s[i]))
			i++;
		if(i < len && s[i] == '=') {
			i++;
			while(i < len && oc_is_lws(s[i]))
				i++;
			st = i;
			while(i < len && oc_is_value(s[i]))
				i++;
			if(i == st)
				return -1;
			while(i < len && oc_is_lws(s[i]))
				i++;
		}
	}
	if(i != len)
		return -1;
	*secs = (uint32_t)x;
	return 0;
}
