/*
 * urilist - parsing of URI-list request bodies (plain C, no Kamailio
 * dependency). See urilist_parse.h.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see urilist_mod.c).
 */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "urilist_parse.h"

static void *(*ul_malloc)(size_t) = malloc;
static void (*ul_free)(void *) = free;

void ul_set_allocator(void *(*m)(size_t), void (*f)(void *))
{
	ul_malloc = m ? m : malloc;
	ul_free = f ? f : free;
}

void ul_mem_free(void *p)
{
	if(p)
		ul_free(p);
}

void ul_limits_default(ul_limits_t *lim)
{
	lim->max_body = 65536;
	lim->max_entries = 100;
	lim->max_depth = 4;
}

static const char *ul_kind_names[UL_E__COUNT] = {
	"ok", "content_type", "multipart", "no_list", "no_sdp", "xml", "namespace",
	"dtd_entity", "empty", "too_big", "too_many", "too_deep", "scheme", "uri",
	"external_ref", "dialog_id", "require_without_list", "list_without_require",
	"bad_extension", "sdp", "no_memory"
};

const char *ul_errkind_name(ul_errkind_t k)
{
	if((int)k < 0 || k >= UL_E__COUNT)
		return "unknown";
	return ul_kind_names[k];
}

/* set err; the reason is made printable (no quotes, backslashes, controls) */
static int ul_fail(ul_err_t *err, int code, ul_errkind_t kind, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if(!err)
		return -1;
	err->code = code;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	for(p = err->reason; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if(c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			*p = (c == '"') ? '\'' : ' ';
	}
	/* trailing blanks (libxml2 messages end with a newline) */
	while(p > err->reason && p[-1] == ' ')
		*--p = 0;
	if(!err->reason[0])
		snprintf(err->reason, sizeof(err->reason), "%s", ul_errkind_name(kind));
	return -1;
}

static void ul_ok(ul_err_t *err)
{
	if(err) {
		err->code = 0;
		err->kind = UL_OK;
		err->reason[0] = 0;
	}
}

static char *ul_strndup(const char *s, size_t n)
{
	char *d = ul_malloc(n + 1);
	if(!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

static int ul_lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int ul_ncaseeq(const char *a, const char *b, size_t n)
{
	size_t i;
	for(i = 0; i < n; i++)
		if(ul_lc((unsigned char)a[i]) != ul_lc((unsigned char)b[i]))
			return 0;
	return 1;
}

static int ul_is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void ul_trim(const char **s, size_t *len)
{
	while(*len && ul_is_ws((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while(*len && ul_is_ws((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

/* ---- option tags ------------------------------------------------------ */

/* next comma-separated token of s[*pos..len): start/length, 0 at the end */
static int ul_next_tag(const char *s, size_t len, size_t *pos, const char **t, size_t *tl)
{
	size_t p = *pos, b, e;

	while(p < len) {
		while(p < len && (ul_is_ws((unsigned char)s[p]) || s[p] == ','))
			p++;
		if(p >= len)
			break;
		b = p;
		while(p < len && s[p] != ',')
			p++;
		e = p;
		while(e > b && ul_is_ws((unsigned char)s[e - 1]))
			e--;
		if(e > b) {
			*t = s + b;
			*tl = e - b;
			*pos = p;
			return 1;
		}
	}
	*pos = p;
	return 0;
}

int ul_has_option_tag(const char *s, size_t len, const char *tag)
{
	size_t pos = 0, tl, n = strlen(tag);
	const char *t;

	if(!s)
		return 0;
	while(ul_next_tag(s, len, &pos, &t, &tl))
		if(tl == n && ul_ncaseeq(t, tag, n))
			return 1;
	return 0;
}

int ul_unsupported_option_tag(const char *s, size_t len, const char *const *allowed,
		size_t *off, size_t *tlen)
{
	size_t pos = 0, tl;
	const char *t;
	int i, ok;

	if(!s)
		return 0;
	while(ul_next_tag(s, len, &pos, &t, &tl)) {
		ok = 0;
		for(i = 0; allowed && allowed[i]; i++)
			if(strlen(allowed[i]) == tl && ul_ncaseeq(t, allowed[i], tl))
				ok = 1;
		if(!ok) {
			*off = (size_t)(t - s);
			*tlen = tl;
			return 1;
		}
	}
	return 0;
}

/* ---- content types ------------------------------------------------------ */

int ul_ctype_is(const char *ct, size_t ctlen, const char *type)
{
	size_t n = strlen(type), e;

	if(!ct)
		return 0;
	ul_trim(&ct, &ctlen);
	for(e = 0; e < ctlen && ct[e] != ';' && !ul_is_ws((unsigned char)ct[e]); e++)
		;
	return e == n && ul_ncaseeq(ct, type, n);
}

/* value of parameter `name` of a header value (Content-Type, -Disposition) */
static int ul_header_param(const char *v, size_t len, const char *name, const char **val,
		size_t *vlen)
{
	size_t p = 0, n = strlen(name), b;
	int q;

	/* skip the main value */
	while(p < len && v[p] != ';') {
		if(v[p] == '"') {
			p++;
			while(p < len && v[p] != '"')
				p++;
		}
		if(p < len)
			p++;
	}
	while(p < len) {
		p++; /* ';' */
		while(p < len && ul_is_ws((unsigned char)v[p]))
			p++;
		b = p;
		while(p < len && v[p] != '=' && v[p] != ';' && !ul_is_ws((unsigned char)v[p]))
			p++;
		q = (p - b == n && ul_ncaseeq(v + b, name, n));
		while(p < len && ul_is_ws((unsigned char)v[p]))
			p++;
		if(p < len && v[p] == '=') {
			p++;
			while(p < len && ul_is_ws((unsigned char)v[p]))
				p++;
			if(p < len && v[p] == '"') {
				b = ++p;
				while(p < len && v[p] != '"')
					p++;
				if(p >= len)
					return -1; /* unterminated quote */
				if(q) {
					*val = v + b;
					*vlen = p - b;
					return 1;
				}
				p++;
			} else {
				b = p;
				while(p < len && v[p] != ';' && !ul_is_ws((unsigned char)v[p]))
					p++;
				if(q) {
					*val = v + b;
					*vlen = p - b;
					return 1;
				}
			}
		}
		while(p < len && v[p] != ';')
			p++;
	}
	return 0;
}

/* ---- multipart/mixed (RFC 2046 section 5.1) ------------------------------ */

/* find "--boundary" at the start of a line in [from, end); returns its
 * position or NULL */
static const char *ul_find_delim(const char *from, const char *end, const char *bnd,
		size_t blen, const char *start)
{
	const char *p = from;

	while(p + 2 + blen <= end) {
		const char *m = memchr(p, '-', (size_t)(end - p));
		if(!m || m + 2 + blen > end)
			return NULL;
		if(m[1] == '-' && memcmp(m + 2, bnd, blen) == 0
				&& (m == start || m[-1] == '\n'))
			return m;
		p = m + 1;
	}
	return NULL;
}

/* the part's headers: Content-Type, Content-Disposition */
static int ul_part_headers(const char *h, size_t hlen, const char **ct, size_t *ctl,
		const char **cd, size_t *cdl)
{
	size_t p = 0, b, e, c;

	*ct = *cd = NULL;
	*ctl = *cdl = 0;
	while(p < hlen) {
		b = p;
		/* a header line, with continuation lines (folding) */
		for(;;) {
			while(p < hlen && h[p] != '\n')
				p++;
			if(p + 1 < hlen && (h[p + 1] == ' ' || h[p + 1] == '\t')) {
				p++;
				continue;
			}
			break;
		}
		e = p;
		if(p < hlen)
			p++;
		while(e > b && ul_is_ws((unsigned char)h[e - 1]))
			e--;
		if(e == b)
			continue;
		for(c = b; c < e && h[c] != ':'; c++)
			;
		if(c >= e)
			return -1; /* a line that is not a header */
		{
			const char *name = h + b;
			size_t nl = c - b;
			const char *val = h + c + 1;
			size_t vl = e - c - 1;
			while(nl && ul_is_ws((unsigned char)name[nl - 1]))
				nl--;
			ul_trim(&val, &vl);
			if(nl == 12 && ul_ncaseeq(name, "content-type", 12)) {
				*ct = val;
				*ctl = vl;
			} else if(nl == 19 && ul_ncaseeq(name, "content-disposition", 19)) {
				*cd = val;
				*cdl = vl;
			}
		}
	}
	return 0;
}

static void ul_part_set(ul_part_t *pt, const char *ct, size_t ctl, const char *b, size_t bl)
{
	size_t e;

	pt->found = 1;
	ul_trim(&ct, &ctl);
	for(e = 0; e < ctl && ct[e] != ';' && !ul_is_ws((unsigned char)ct[e]); e++)
		;
	pt->ctype = ct;
	pt->ctype_len = e;
	pt->body = b;
	pt->body_len = bl;
}

static int ul_split_multipart(const char *ctype, size_t ctlen, const char *body,
		size_t len, ul_parts_t *parts, ul_err_t *err)
{
	const char *bnd, *end = body + len, *d, *p, *hend, *next, *pb;
	size_t blen, hl, pbl;
	int r;

	r = ul_header_param(ctype, ctlen, "boundary", &bnd, &blen);
	if(r < 0)
		return ul_fail(err, 400, UL_E_MULTIPART, "multipart/mixed: unterminated quoted boundary");
	if(r == 0 || blen == 0)
		return ul_fail(err, 400, UL_E_MULTIPART, "multipart/mixed without a boundary parameter");
	if(blen > 70)
		return ul_fail(err, 400, UL_E_MULTIPART, "multipart boundary longer than 70 characters");

	d = ul_find_delim(body, end, bnd, blen, body);
	if(!d)
		return ul_fail(err, 400, UL_E_MULTIPART, "multipart body without its boundary delimiter");
	for(;;) {
		p = d + 2 + blen;
		if(p + 2 <= end && p[0] == '-' && p[1] == '-')
			break; /* close delimiter */
		/* rest of the delimiter line (transport padding) */
		while(p < end && (*p == ' ' || *p == '\t'))
			p++;
		if(p < end && *p == '\r')
			p++;
		if(p >= end || *p != '\n')
			return ul_fail(err, 400, UL_E_MULTIPART,
					"multipart delimiter not followed by a line end");
		p++;
		next = ul_find_delim(p, end, bnd, blen, body);
		if(!next)
			return ul_fail(err, 400, UL_E_MULTIPART,
					"multipart body without a closing boundary");
		/* part = [headers] CRLF CRLF body; the CRLF before the next
		 * delimiter belongs to it */
		pb = next;
		if(pb > p && pb[-1] == '\n')
			pb--;
		if(pb > p && pb[-1] == '\r')
			pb--;
		if(p < pb && (*p == '\n' || (*p == '\r' && p + 1 < pb && p[1] == '\n'))) {
			hl = 0; /* no headers: text/plain (RFC 2046) */
			hend = p + ((*p == '\r') ? 2 : 1);
		} else {
			const char *q = p;
			hend = NULL;
			while(q < pb) {
				const char *nl = memchr(q, '\n', (size_t)(pb - q));
				if(!nl)
					break;
				if(nl + 1 < pb && nl[1] == '\n') {
					hend = nl + 2;
					break;
				}
				if(nl + 2 < pb && nl[1] == '\r' && nl[2] == '\n') {
					hend = nl + 3;
					break;
				}
				q = nl + 1;
			}
			if(!hend)
				return ul_fail(err, 400, UL_E_MULTIPART,
						"multipart part %d: headers not ended by an empty line",
						parts->nparts + 1);
			hl = (size_t)(hend - p);
		}
		pbl = (size_t)(pb - hend);
		{
			const char *ct, *cd;
			size_t ctl, cdl;
			if(ul_part_headers(p, hl, &ct, &ctl, &cd, &cdl) < 0)
				return ul_fail(err, 400, UL_E_MULTIPART,
						"multipart part %d: malformed part header", parts->nparts + 1);
			parts->nparts++;
			if(parts->nparts > 16)
				return ul_fail(err, 400, UL_E_MULTIPART, "more than 16 body parts");
			if(ct && ul_ctype_is(ct, ctl, "application/resource-lists+xml")) {
				/* RFC 5363: the list is the part with disposition recipient-list */
				if(cd && ul_ctype_is(cd, cdl, "recipient-list")) {
					if(parts->list.found)
						return ul_fail(err, 400, UL_E_MULTIPART,
								"more than one recipient-list body part");
					ul_part_set(&parts->list, ct, ctl, hend, pbl);
				} else if(!parts->other.found) {
					ul_part_set(&parts->other, ct, ctl, hend, pbl);
				}
			} else if(ct && ul_ctype_is(ct, ctl, "application/sdp")) {
				if(parts->sdp.found)
					return ul_fail(err, 400, UL_E_MULTIPART,
							"more than one application/sdp body part");
				ul_part_set(&parts->sdp, ct, ctl, hend, pbl);
			} else if(!parts->other.found) {
				ul_part_set(&parts->other, ct ? ct : "text/plain", ct ? ctl : 10, hend,
						pbl);
			}
		}
		d = next;
	}
	return 0;
}

int ul_split_body(const char *ctype, size_t ctlen, const char *body, size_t len,
		const ul_limits_t *lim, ul_parts_t *parts, ul_err_t *err)
{
	memset(parts, 0, sizeof(*parts));
	ul_ok(err);
	if(lim && len > lim->max_body)
		return ul_fail(err, 413, UL_E_TOO_BIG, "body of %zu bytes over the limit of %zu",
				len, lim->max_body);
	if(!ctype || ctlen == 0)
		return ul_fail(err, 415, UL_E_CTYPE, "body without Content-Type");
	if(ul_ctype_is(ctype, ctlen, "multipart/mixed"))
		return ul_split_multipart(ctype, ctlen, body ? body : "", body ? len : 0, parts, err);
	if(ul_ctype_is(ctype, ctlen, "application/resource-lists+xml")) {
		ul_part_set(&parts->list, ctype, ctlen, body ? body : "", body ? len : 0);
		parts->nparts = 1;
		return 0;
	}
	return ul_fail(err, 415, UL_E_CTYPE,
			"body type is not multipart/mixed or application/resource-lists+xml");
}

int ul_body_has_list(const char *ctype, size_t ctlen, const char *body, size_t len)
{
	ul_parts_t parts;
	ul_err_t err;

	if(!ctype)
		return 0;
	if(ul_ctype_is(ctype, ctlen, "application/resource-lists+xml"))
		return 1;
	if(!ul_ctype_is(ctype, ctlen, "multipart/mixed"))
		return 0;
	if(ul_split_body(ctype, ctlen, body, len, NULL, &parts, &err) < 0) {
		/* broken multipart: a list if it names the list type at all (the
		 * URI-list route then answers the precise error) */
		size_t n = strlen("application/resource-lists+xml"), i;
		for(i = 0; body && i + n <= len; i++)
			if(ul_ncaseeq(body + i, "application/resource-lists+xml", n))
				return 1;
		return 0;
	}
	return parts.list.found;
}

/* ---- URIs and identifiers -------------------------------------------------- */

int ul_uri_scheme_ok(const char *uri, size_t len)
{
	return (len >= 4 && ul_ncaseeq(uri, "sip:", 4)) || (len >= 5 && ul_ncaseeq(uri, "sips:", 5))
			|| (len >= 4 && ul_ncaseeq(uri, "tel:", 4));
}

/* usable in a SIP header and a Request-URI: printable ASCII without
 * blanks, <, >, " or backslash; a sip(s) URI has a host */
static int ul_uri_check(const char *u, size_t len, ul_err_t *err)
{
	size_t i, sl, he;
	const char *h;

	if(len == 0)
		return ul_fail(err, 400, UL_E_URI, "entry with an empty uri attribute");
	if(len > UL_URI_MAX)
		return ul_fail(err, 400, UL_E_URI, "entry uri longer than %d characters", UL_URI_MAX);
	for(i = 0; i < len && i < 32 && u[i] != ':'; i++)
		;
	if(i >= len || u[i] != ':')
		return ul_fail(err, 400, UL_E_URI, "entry uri without a scheme");
	if(!ul_uri_scheme_ok(u, len))
		return ul_fail(err, 403, UL_E_SCHEME,
				"entry uri scheme %.*s: not allowed (sip, sips, tel only)", (int)(i < 16 ? i : 16),
				u);
	sl = i + 1;
	for(i = 0; i < len; i++) {
		unsigned char c = (unsigned char)u[i];
		if(c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\')
			return ul_fail(err, 400, UL_E_URI,
					"entry uri with a character not allowed in a URI (0x%02x)", c);
	}
	if(len == sl)
		return ul_fail(err, 400, UL_E_URI, "entry uri with nothing after the scheme");
	if(ul_lc((unsigned char)u[0]) == 's') {
		/* host: after the last '@' before parameters/headers */
		h = u + sl;
		for(he = sl; he < len && u[he] != ';' && u[he] != '?'; he++)
			if(u[he] == '@')
				h = u + he + 1;
		if(h >= u + he || *h == ':')
			return ul_fail(err, 400, UL_E_URI, "entry sip uri without a host");
	}
	return 0;
}

static int ul_is_token_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		   || strchr("-.!%*_+`'~", c) != NULL;
}

/* RFC 3261 word characters, without those that need quoting elsewhere */
static int ul_is_callid_char(unsigned char c)
{
	return ul_is_token_char(c) || (c && strchr("()<>:/[]?{}@", c) != NULL);
}

static int ul_id_check(const char *what, const char *s, int callid, ul_err_t *err)
{
	size_t i, n = strlen(s);

	if(n == 0)
		return ul_fail(err, 400, UL_E_DIALOG, "sh:dialog with an empty %s", what);
	if(n > UL_ID_MAX)
		return ul_fail(err, 400, UL_E_DIALOG, "sh:dialog %s longer than %d characters", what,
				UL_ID_MAX);
	for(i = 0; i < n; i++)
		if(!(callid ? ul_is_callid_char((unsigned char)s[i])
					: ul_is_token_char((unsigned char)s[i])))
			return ul_fail(err, 400, UL_E_DIALOG,
					"sh:dialog %s with a character not allowed (0x%02x)", what,
					(unsigned char)s[i]);
	return 0;
}

/* ---- duplicate detection -------------------------------------------------- */

typedef struct ul_set {
	uint32_t *slots; /* entry index + 1, 0 = free */
	size_t size;     /* power of two */
} ul_set_t;

static uint32_t ul_hash(const char *s, uint32_t h)
{
	while(*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static uint32_t ul_entry_hash(const ul_entry_t *e, int handoff)
{
	uint32_t h = 2166136261u;
	if(handoff && e->has_dialog) {
		h = ul_hash(e->call_id, h);
		h = ul_hash("\x01", h);
		h = ul_hash(e->mn_tag, h);
		h = ul_hash("\x01", h);
		return ul_hash(e->cn_tag, h);
	}
	return ul_hash(e->uri, h);
}

static int ul_entry_eq(const ul_entry_t *a, const ul_entry_t *b, int handoff)
{
	if(handoff) {
		if(a->has_dialog != b->has_dialog)
			return 0;
		if(a->has_dialog)
			return strcmp(a->call_id, b->call_id) == 0 && strcmp(a->mn_tag, b->mn_tag) == 0
				   && strcmp(a->cn_tag, b->cn_tag) == 0;
		return 0; /* entries without a dialog are all kept (each refused) */
	}
	return strcmp(a->uri, b->uri) == 0;
}

/* ---- the resource list --------------------------------------------------- */

typedef struct ul_walk {
	const ul_limits_t *lim;
	int handoff;
	ul_list_t *list;
	int cap;
	int raw;  /* entries seen, duplicates included */
	ul_set_t set;
	ul_err_t *err;
} ul_walk_t;

static int ul_node_is(xmlNodePtr n, const char *ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href
		   && strcmp((const char *)n->ns->href, ns) == 0
		   && strcmp((const char *)n->name, name) == 0;
}

static int ul_node_in_ns(xmlNodePtr n, const char *ns)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href
		   && strcmp((const char *)n->ns->href, ns) == 0;
}

/* attribute value (no namespace or the given one): a copy in our allocator */
static char *ul_attr(xmlNodePtr n, const char *name, const char *ns, int *found)
{
	xmlChar *v = ns ? xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)ns)
					: xmlGetNoNsProp(n, (const xmlChar *)name);
	char *r;

	*found = v != NULL;
	if(!v)
		return NULL;
	r = ul_strndup((const char *)v, strlen((const char *)v));
	xmlFree(v);
	return r;
}

static void ul_entry_free(ul_entry_t *e)
{
	if(e->uri)
		ul_free(e->uri);
	if(e->display)
		ul_free(e->display);
	if(e->call_id)
		ul_free(e->call_id);
	if(e->mn_tag)
		ul_free(e->mn_tag);
	if(e->cn_tag)
		ul_free(e->cn_tag);
	memset(e, 0, sizeof(*e));
}

static int ul_add_entry(ul_walk_t *w, ul_entry_t *e)
{
	uint32_t h;
	size_t i, mask;
	ul_entry_t *ne;
	int limit = w->lim ? w->lim->max_entries : 100;

	w->raw++;
	/* bound the work on lists full of duplicates */
	if(w->raw > 4 * limit + 16) {
		ul_entry_free(e);
		return ul_fail(w->err, 413, UL_E_TOO_MANY,
				"more than %d entries in the list (limit %d)", 4 * limit + 16, limit);
	}
	if(!w->set.slots) {
		w->set.size = 64;
		while(w->set.size < (size_t)(8 * limit + 64))
			w->set.size <<= 1;
		w->set.slots = ul_malloc(w->set.size * sizeof(uint32_t));
		if(!w->set.slots) {
			ul_entry_free(e);
			return ul_fail(w->err, 500, UL_E_NOMEM, "out of memory");
		}
		memset(w->set.slots, 0, w->set.size * sizeof(uint32_t));
	}
	mask = w->set.size - 1;
	h = ul_entry_hash(e, w->handoff);
	for(i = h & mask; w->set.slots[i]; i = (i + 1) & mask) {
		if(ul_entry_eq(&w->list->entries[w->set.slots[i] - 1], e, w->handoff)) {
			w->list->dups++;
			ul_entry_free(e);
			return 0;
		}
	}
	if(w->list->n >= limit) {
		ul_entry_free(e);
		return ul_fail(w->err, 413, UL_E_TOO_MANY, "more than %d entries in the list",
				limit);
	}
	if(w->list->n == w->cap) {
		int nc = w->cap ? 2 * w->cap : 16;
		if(nc > limit)
			nc = limit;
		ne = ul_malloc((size_t)nc * sizeof(*ne));
		if(!ne) {
			ul_entry_free(e);
			return ul_fail(w->err, 500, UL_E_NOMEM, "out of memory");
		}
		if(w->list->n)
			memcpy(ne, w->list->entries, (size_t)w->list->n * sizeof(*ne));
		if(w->list->entries)
			ul_free(w->list->entries);
		w->list->entries = ne;
		w->cap = nc;
	}
	w->list->entries[w->list->n] = *e;
	w->set.slots[i] = (uint32_t)(++w->list->n);
	if(e->has_dialog)
		w->list->dialogs++;
	else
		w->list->no_dialog++;
	return 0;
}

static int ul_walk_entry(ul_walk_t *w, xmlNodePtr n)
{
	ul_entry_t e;
	xmlNodePtr c;
	int found;
	char *v;

	memset(&e, 0, sizeof(e));
	e.uri = ul_attr(n, "uri", NULL, &found);
	if(!found)
		return ul_fail(w->err, 400, UL_E_URI, "entry without a uri attribute (RFC 4826)");
	if(!e.uri)
		return ul_fail(w->err, 500, UL_E_NOMEM, "out of memory");
	if(ul_uri_check(e.uri, strlen(e.uri), w->err) < 0) {
		ul_entry_free(&e);
		return -1;
	}
	/* RFC 5364 copyControl */
	v = ul_attr(n, "copyControl", UL_NS_CP, &found);
	if(found) {
		if(v && strcmp(v, "to") == 0)
			e.copy = UL_COPY_TO;
		else if(v && strcmp(v, "cc") == 0)
			e.copy = UL_COPY_CC;
		else if(v && strcmp(v, "bcc") == 0)
			e.copy = UL_COPY_BCC;
		else {
			if(v)
				ul_free(v);
			ul_entry_free(&e);
			return ul_fail(w->err, 400, UL_E_XML,
					"copyControl value not to, cc or bcc (RFC 5364)");
		}
	}
	if(v)
		ul_free(v);
	v = ul_attr(n, "anonymize", UL_NS_CP, &found);
	if(found) {
		if(v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0))
			e.anonymize = 1;
		else if(!v || (strcmp(v, "false") != 0 && strcmp(v, "0") != 0)) {
			if(v)
				ul_free(v);
			ul_entry_free(&e);
			return ul_fail(w->err, 400, UL_E_XML, "anonymize value not a boolean (RFC 5364)");
		}
	}
	if(v)
		ul_free(v);
	v = ul_attr(n, "count", UL_NS_CP, &found);
	if(found) {
		char *end = NULL;
		long cnt = v ? strtol(v, &end, 10) : -1;
		if(!v || !*v || *end || cnt < 0 || cnt > 1000000) {
			if(v)
				ul_free(v);
			ul_entry_free(&e);
			return ul_fail(w->err, 400, UL_E_XML, "count value not a small integer (RFC 5364)");
		}
		e.count = (int)cnt;
	}
	if(v)
		ul_free(v);

	for(c = n->children; c; c = c->next) {
		if(c->type == XML_ENTITY_REF_NODE) {
			ul_entry_free(&e);
			return ul_fail(w->err, 400, UL_E_DTD, "entity reference in the list");
		}
		if(ul_node_is(c, UL_NS_RL, "display-name")) {
			xmlChar *t = xmlNodeGetContent(c);
			if(t) {
				if(e.display)
					ul_free(e.display);
				e.display = ul_strndup((const char *)t, strlen((const char *)t));
				xmlFree(t);
			}
		} else if(ul_node_is(c, UL_NS_SH, "dialog")) {
			if(e.has_dialog) {
				ul_entry_free(&e);
				return ul_fail(w->err, 400, UL_E_DIALOG, "entry with more than one sh:dialog");
			}
			e.call_id = ul_attr(c, "call-id", NULL, &found);
			e.mn_tag = ul_attr(c, "mn-tag", NULL, &found);
			e.cn_tag = ul_attr(c, "cn-tag", NULL, &found);
			if(!e.call_id || !e.mn_tag || !e.cn_tag) {
				ul_fail(w->err, 400, UL_E_DIALOG, "sh:dialog without %s",
						!e.call_id ? "call-id" : (!e.mn_tag ? "mn-tag" : "cn-tag"));
				ul_entry_free(&e);
				return -1;
			}
			if(ul_id_check("call-id", e.call_id, 1, w->err) < 0
					|| ul_id_check("mn-tag", e.mn_tag, 0, w->err) < 0
					|| ul_id_check("cn-tag", e.cn_tag, 0, w->err) < 0) {
				ul_entry_free(&e);
				return -1;
			}
			e.has_dialog = 1;
		}
	}
	return ul_add_entry(w, &e);
}

static int ul_walk_list(ul_walk_t *w, xmlNodePtr list, int depth)
{
	xmlNodePtr c;

	if(w->lim && depth > w->lim->max_depth)
		return ul_fail(w->err, 413, UL_E_TOO_DEEP, "lists nested deeper than %d",
				w->lim->max_depth);
	for(c = list->children; c; c = c->next) {
		if(c->type == XML_ENTITY_REF_NODE || c->type == XML_ENTITY_NODE)
			return ul_fail(w->err, 400, UL_E_DTD, "entity reference in the list");
		if(c->type != XML_ELEMENT_NODE)
			continue;
		if(ul_node_is(c, UL_NS_RL, "entry")) {
			if(ul_walk_entry(w, c) < 0)
				return -1;
		} else if(ul_node_is(c, UL_NS_RL, "list")) {
			if(ul_walk_list(w, c, depth + 1) < 0)
				return -1;
		} else if(ul_node_is(c, UL_NS_RL, "external") || ul_node_is(c, UL_NS_RL, "entry-ref")) {
			return ul_fail(w->err, 403, UL_E_REF,
					"%s elements are not dereferenced: list the URIs", (const char *)c->name);
		} else if(ul_node_is(c, UL_NS_RL, "display-name")) {
			continue;
		} else if(ul_node_in_ns(c, UL_NS_RL)) {
			return ul_fail(w->err, 400, UL_E_NAMESPACE, "unknown element %.32s in a list",
					(const char *)c->name);
		}
		/* elements of other namespaces: extensions, ignored (RFC 4826) */
	}
	return 0;
}

/* DOCTYPE / ENTITY declarations anywhere, also in comments (refused
 * before libxml2 parses anything) */
static int ul_has_decl(const char *s, size_t len)
{
	size_t i;

	for(i = 0; i + 2 < len; i++) {
		if(s[i] != '<' || s[i + 1] != '!')
			continue;
		if(i + 9 <= len && ul_ncaseeq(s + i + 2, "DOCTYPE", 7))
			return 1;
		if(i + 8 <= len && ul_ncaseeq(s + i + 2, "ENTITY", 6))
			return 1;
	}
	return 0;
}

int ul_parse_list(const char *xml, size_t len, const ul_limits_t *lim, int handoff,
		ul_list_t *list, ul_err_t *err)
{
	xmlParserCtxtPtr ctx;
	xmlDocPtr doc;
	xmlNodePtr root, c;
	ul_walk_t w;
	ul_limits_t dl;
	int rc = 0;

	memset(list, 0, sizeof(*list));
	ul_ok(err);
	if(!lim) {
		ul_limits_default(&dl);
		lim = &dl;
	}
	if(len > lim->max_body)
		return ul_fail(err, 413, UL_E_TOO_BIG, "resource list of %zu bytes over the limit of %zu",
				len, lim->max_body);
	if(len == 0)
		return ul_fail(err, 400, UL_E_NO_LIST, "empty resource-lists body");
	if(len > (size_t)INT32_MAX)
		return ul_fail(err, 413, UL_E_TOO_BIG, "resource list too large");
	if(memchr(xml, 0, len))
		return ul_fail(err, 400, UL_E_XML, "NUL byte in the resource list (UTF-8 only)");
	if(ul_has_decl(xml, len))
		return ul_fail(err, 400, UL_E_DTD, "DOCTYPE or ENTITY declaration in the resource list");

	ctx = xmlNewParserCtxt();
	if(!ctx)
		return ul_fail(err, 500, UL_E_NOMEM, "out of memory (XML parser)");
	/* no network, no DTD loading/attributes/validation, no entity
	 * substitution (XML_PARSE_NOENT is NOT set); errors not printed */
	doc = xmlCtxtReadMemory(ctx, xml, (int)len, "resource-lists.xml", "UTF-8",
			XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if(!doc || !ctx->wellFormed) {
		xmlErrorPtr xe = xmlCtxtGetLastError(ctx);
		ul_fail(err, 400, UL_E_XML, "malformed XML at line %d: %.100s",
				xe ? xe->line : 0, (xe && xe->message) ? xe->message : "not well-formed");
		if(doc)
			xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctx);
		return -1;
	}
	xmlFreeParserCtxt(ctx);
	if(doc->intSubset || doc->extSubset) {
		xmlFreeDoc(doc);
		return ul_fail(err, 400, UL_E_DTD, "DOCTYPE in the resource list");
	}
	root = xmlDocGetRootElement(doc);
	if(!root || strcmp((const char *)root->name, "resource-lists") != 0) {
		ul_fail(err, 400, UL_E_NAMESPACE, "root element is %.32s, not resource-lists",
				root ? (const char *)root->name : "missing");
		xmlFreeDoc(doc);
		return -1;
	}
	if(!root->ns || !root->ns->href || strcmp((const char *)root->ns->href, UL_NS_RL) != 0) {
		ul_fail(err, 400, UL_E_NAMESPACE, "resource-lists not in namespace " UL_NS_RL);
		xmlFreeDoc(doc);
		return -1;
	}

	/* the NVG asks for the compact answer (docs/handoff-list.md); any
	 * other value: the full answer */
	if(handoff) {
		xmlChar *av = xmlGetNsProp(root, (const xmlChar *)"answer", (const xmlChar *)UL_NS_SH);
		if(av) {
			list->answer_failures = strcmp((const char *)av, "failures") == 0;
			xmlFree(av);
		}
	}

	memset(&w, 0, sizeof(w));
	w.lim = lim;
	w.handoff = handoff;
	w.list = list;
	w.err = err;
	for(c = root->children; c && rc == 0; c = c->next) {
		if(c->type == XML_ENTITY_REF_NODE)
			rc = ul_fail(err, 400, UL_E_DTD, "entity reference in the list");
		else if(ul_node_is(c, UL_NS_RL, "list"))
			rc = ul_walk_list(&w, c, 1);
		else if(ul_node_in_ns(c, UL_NS_RL))
			rc = ul_fail(err, 400, UL_E_NAMESPACE,
					"unknown element %.32s in resource-lists", (const char *)c->name);
	}
	if(w.set.slots)
		ul_free(w.set.slots);
	xmlFreeDoc(doc);
	if(rc == 0 && list->n == 0)
		rc = ul_fail(err, 400, UL_E_EMPTY, "the recipient list has no entry");
	return rc;
}

void ul_list_free(ul_list_t *list)
{
	int i;

	if(!list)
		return;
	for(i = 0; i < list->n; i++)
		ul_entry_free(&list->entries[i]);
	if(list->entries)
		ul_free(list->entries);
	memset(list, 0, sizeof(*list));
}

/* ---- SDP ------------------------------------------------------------------ */

/* next line [b, e) of s (without CR/LF); 0 at the end */
static int ul_line(const char *s, size_t len, size_t *pos, size_t *b, size_t *e, size_t *next)
{
	size_t p = *pos;

	if(p >= len)
		return 0;
	*b = p;
	while(p < len && s[p] != '\n')
		p++;
	*next = p < len ? p + 1 : p;
	if(p > *b && s[p - 1] == '\r')
		p--;
	*e = p;
	*pos = *next;
	return 1;
}

/* split the fields of an SDP line value by single spaces */
static int ul_fields(const char *s, size_t len, const char **f, size_t *fl, int max)
{
	int n = 0;
	size_t p = 0, b;

	while(p < len && n < max) {
		while(p < len && s[p] == ' ')
			p++;
		if(p >= len)
			break;
		b = p;
		while(p < len && s[p] != ' ')
			p++;
		f[n] = s + b;
		fl[n] = p - b;
		n++;
	}
	return n;
}

static int ul_addr_af(const char *a, size_t al, char *ip, size_t ipsize)
{
	char buf[64];
	unsigned char tmp[16];
	size_t k;

	/* strip /ttl or /n (multicast) */
	for(k = 0; k < al && a[k] != '/'; k++)
		;
	if(k == 0 || k >= sizeof(buf))
		return 0;
	memcpy(buf, a, k);
	buf[k] = 0;
	if(inet_pton(AF_INET, buf, tmp) == 1) {
		if(ip && ipsize > k) {
			memcpy(ip, buf, k + 1);
			return 4;
		}
		return 0;
	}
	if(inet_pton(AF_INET6, buf, tmp) == 1) {
		if(ip && ipsize > k) {
			memcpy(ip, buf, k + 1);
			return 6;
		}
		return 0;
	}
	return 0;
}

int ul_sdp_conn_addr(const char *sdp, size_t len, char *ip, size_t ipsize)
{
	size_t pos = 0, b, e, nx;
	const char *f[4];
	size_t fl[4];

	if(!sdp)
		return 0;
	while(ul_line(sdp, len, &pos, &b, &e, &nx)) {
		if(e - b < 2 || sdp[b] != 'c' || sdp[b + 1] != '=')
			continue;
		if(ul_fields(sdp + b + 2, e - b - 2, f, fl, 4) != 3)
			return 0;
		if(fl[0] != 2 || memcmp(f[0], "IN", 2) != 0)
			return 0;
		if(fl[1] != 3 || (memcmp(f[1], "IP4", 3) != 0 && memcmp(f[1], "IP6", 3) != 0))
			return 0;
		{
			int af = ul_addr_af(f[2], fl[2], ip, ipsize);
			if((af == 4 && f[1][2] != '4') || (af == 6 && f[1][2] != '6'))
				return 0;
			return af;
		}
	}
	return 0;
}

int ul_sdp_readdress(const char *sdp, size_t len, const char *ip, int af, char *out,
		size_t outsize)
{
	size_t pos = 0, b, e, nx, o = 0, iplen;
	const char *f[8];
	size_t fl[8];
	int n, k, done = 0;
	const char *at = af == 6 ? "IP6" : "IP4";

#define UL_PUT(p, l)                      \
	do {                                  \
		if(o + (l) >= outsize)            \
			return -1;                    \
		memcpy(out + o, (p), (l));        \
		o += (l);                         \
	} while(0)

	if(!sdp || !ip || !out || outsize == 0 || (af != 4 && af != 6) || memchr(sdp, 0, len))
		return -1;
	iplen = strlen(ip);
	while(ul_line(sdp, len, &pos, &b, &e, &nx)) {
		if(e - b >= 2 && (sdp[b] == 'o' || sdp[b] == 'c') && sdp[b + 1] == '=') {
			n = ul_fields(sdp + b + 2, e - b - 2, f, fl, 8);
			if((sdp[b] == 'o' && n == 6) || (sdp[b] == 'c' && n == 3)) {
				UL_PUT(sdp + b, 2);
				for(k = 0; k < n - 2; k++) {
					UL_PUT(f[k], fl[k]);
					UL_PUT(" ", 1);
				}
				UL_PUT(at, 3);
				UL_PUT(" ", 1);
				UL_PUT(ip, iplen);
				UL_PUT(sdp + e, nx - e); /* the line end as it was */
				done = 1;
				continue;
			}
		}
		UL_PUT(sdp + b, nx - b);
	}
	if(!done)
		return -1;
	out[o] = 0;
	return (int)o;
#undef UL_PUT
}

/* ---- the whole request ------------------------------------------------------ */

int ul_parse_request(int method, int handoff, const char *require, size_t require_len,
		const char *ctype, size_t ctlen, const char *body, size_t len,
		const ul_limits_t *lim, ul_request_t *req, ul_err_t *err)
{
	static const char *const inv_tags[] = {"recipient-list-invite", NULL};
	static const char *const msg_tags[] = {"recipient-list-message", NULL};
	const char *tag = method == UL_REQ_MESSAGE ? msg_tags[0] : inv_tags[0];
	size_t off, tl;
	int has_req, has_list;
	ul_limits_t dl;

	memset(req, 0, sizeof(*req));
	ul_ok(err);
	if(!lim) {
		ul_limits_default(&dl);
		lim = &dl;
	}
	if(require && ul_unsupported_option_tag(require, require_len,
						  method == UL_REQ_MESSAGE ? msg_tags : inv_tags, &off, &tl))
		return ul_fail(err, 420, UL_E_BAD_EXT, "option tag %.*s not supported here",
				(int)(tl > 40 ? 40 : tl), require + off);
	has_req = require && ul_has_option_tag(require, require_len, tag);
	if(len > lim->max_body)
		return ul_fail(err, 413, UL_E_TOO_BIG, "body of %zu bytes over the limit of %zu", len,
				lim->max_body);
	has_list = (body && len && ctype) ? ul_body_has_list(ctype, ctlen, body, len) : 0;
	if(!has_req) {
		if(has_list)
			return ul_fail(err, 400, UL_E_NO_REQUIRE, "recipient list without Require: %s",
					tag);
		return ul_fail(err, 400, UL_E_NO_LIST, "no recipient list in the request");
	}
	if(!body || len == 0)
		return ul_fail(err, 400, UL_E_REQUIRE, "Require: %s but no body with a recipient list",
				tag);
	if(ul_split_body(ctype, ctlen, body, len, lim, &req->parts, err) < 0)
		return -1;
	if(!req->parts.list.found)
		return ul_fail(err, 400, UL_E_REQUIRE,
				"Require: %s but no application/resource-lists+xml part with "
				"Content-Disposition recipient-list",
				tag);
	if(ul_parse_list(req->parts.list.body, req->parts.list.body_len, lim, handoff, &req->list,
			   err)
			< 0)
		return -1;
	if(method == UL_REQ_INVITE) {
		if(!req->parts.sdp.found)
			return ul_fail(err, 400, UL_E_NO_SDP, "no application/sdp body part");
		req->media_af = ul_sdp_conn_addr(req->parts.sdp.body, req->parts.sdp.body_len,
				req->media_ip, sizeof(req->media_ip));
		if(handoff && req->media_af == 0)
			return ul_fail(err, 400, UL_E_SDP,
					"SDP part without a c= line holding an IPv4/IPv6 address");
	} else if(!req->parts.other.found) {
		return ul_fail(err, 400, UL_E_NO_LIST, "no message body part besides the list");
	}
	return 0;
}

void ul_request_free(ul_request_t *req)
{
	if(req)
		ul_list_free(&req->list);
}

/* ---- output documents ---------------------------------------------------------- */

typedef struct ul_buf {
	char *s;
	size_t len, cap;
	int fail;
} ul_buf_t;

static void ul_put(ul_buf_t *b, const char *s, size_t n)
{
	char *ns;
	size_t nc;

	if(b->fail)
		return;
	if(b->len + n + 1 > b->cap) {
		nc = b->cap ? b->cap : 512;
		while(b->len + n + 1 > nc)
			nc *= 2;
		ns = ul_malloc(nc);
		if(!ns) {
			b->fail = 1;
			return;
		}
		if(b->len)
			memcpy(ns, b->s, b->len);
		if(b->s)
			ul_free(b->s);
		b->s = ns;
		b->cap = nc;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void ul_puts(ul_buf_t *b, const char *s)
{
	ul_put(b, s, strlen(s));
}

/* XML attribute/text escaping; control characters are dropped */
static void ul_put_esc(ul_buf_t *b, const char *s)
{
	for(; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch(c) {
			case '<':
				ul_puts(b, "&lt;");
				break;
			case '>':
				ul_puts(b, "&gt;");
				break;
			case '&':
				ul_puts(b, "&amp;");
				break;
			case '"':
				ul_puts(b, "&quot;");
				break;
			case '\'':
				ul_puts(b, "&apos;");
				break;
			default:
				if(c >= 0x20 || c == '\t')
					ul_put(b, s, 1);
		}
	}
}

static char *ul_buf_done(ul_buf_t *b, size_t *outlen)
{
	if(b->fail) {
		if(b->s)
			ul_free(b->s);
		return NULL;
	}
	if(outlen)
		*outlen = b->len;
	return b->s;
}

char *ul_build_status_body(const ul_list_t *list, const ul_status_t *st, size_t *outlen)
{
	return ul_build_status_body_ex(list, st, 0, outlen);
}

char *ul_build_status_body_ex(const ul_list_t *list, const ul_status_t *st, int failures_only,
		size_t *outlen)
{
	ul_buf_t b;
	char num[64];
	int i, omitted = 0;

	memset(&b, 0, sizeof(b));
	ul_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				"<resource-lists xmlns=\"" UL_NS_RL "\"\n"
				"                xmlns:sh=\"" UL_NS_SH "\"");
	if(failures_only) {
		for(i = 0; st && list && i < list->n; i++)
			if(st[i].code == 200 && !st[i].cn_reinvite)
				omitted++;
		snprintf(num, sizeof(num), "%d", list ? list->n : 0);
		ul_puts(&b, " sh:omitted=\"moved\" sh:entries=\"");
		ul_puts(&b, num);
		snprintf(num, sizeof(num), "%d", omitted);
		ul_puts(&b, "\" sh:omitted-count=\"");
		ul_puts(&b, num);
		ul_puts(&b, "\"");
	}
	ul_puts(&b, ">\n  <list>\n");
	for(i = 0; list && i < list->n; i++) {
		const ul_entry_t *e = &list->entries[i];
		if(failures_only && st && st[i].code == 200 && !st[i].cn_reinvite)
			continue;
		ul_puts(&b, "    <entry uri=\"");
		ul_put_esc(&b, e->uri);
		ul_puts(&b, "\">\n");
		if(e->has_dialog) {
			ul_puts(&b, "      <sh:dialog call-id=\"");
			ul_put_esc(&b, e->call_id);
			ul_puts(&b, "\" mn-tag=\"");
			ul_put_esc(&b, e->mn_tag);
			ul_puts(&b, "\" cn-tag=\"");
			ul_put_esc(&b, e->cn_tag);
			ul_puts(&b, "\"/>\n");
		}
		snprintf(num, sizeof(num), "%d", st ? st[i].code : 500);
		ul_puts(&b, "      <sh:status code=\"");
		ul_puts(&b, num);
		ul_puts(&b, "\" reason=\"");
		ul_put_esc(&b, (st && st[i].reason) ? st[i].reason : "");
		ul_puts(&b, "\" cn-reinvite=\"");
		ul_puts(&b, (st && st[i].cn_reinvite) ? "yes" : "no");
		ul_puts(&b, "\"/>\n    </entry>\n");
	}
	ul_puts(&b, "  </list>\n</resource-lists>\n");
	return ul_buf_done(&b, outlen);
}

char *ul_build_history_body(const ul_list_t *list, size_t *outlen)
{
	ul_buf_t b;
	int i, n = 0;

	/* only when the sender used copyControl (RFC 5364); then an entry
	 * without the attribute counts as "to" */
	for(i = 0; list && i < list->n; i++)
		if(list->entries[i].copy != UL_COPY_NONE)
			break;
	if(!list || i == list->n)
		return NULL;
	memset(&b, 0, sizeof(b));
	ul_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				"<resource-lists xmlns=\"" UL_NS_RL "\"\n"
				"                xmlns:cp=\"" UL_NS_CP "\">\n"
				"  <list>\n");
	for(i = 0; list && i < list->n; i++) {
		const ul_entry_t *e = &list->entries[i];
		if(e->copy == UL_COPY_BCC)
			continue;
		n++;
		ul_puts(&b, "    <entry uri=\"");
		ul_put_esc(&b, e->anonymize ? "sip:anonymous@anonymous.invalid" : e->uri);
		ul_puts(&b, e->copy == UL_COPY_CC ? "\" cp:copyControl=\"cc\"" : "\" cp:copyControl=\"to\"");
		if(e->anonymize)
			ul_puts(&b, " cp:anonymize=\"true\"");
		ul_puts(&b, "/>\n");
	}
	ul_puts(&b, "  </list>\n</resource-lists>\n");
	if(n == 0) {
		if(b.s)
			ul_free(b.s);
		return NULL;
	}
	return ul_buf_done(&b, outlen);
}
