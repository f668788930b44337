/*
 * nvg module - the handoff list (see nvg_hlist.h, docs/handoff-list.md)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "nvg_hlist.h"

const char *nvg_hl_strerror(int rc)
{
	switch(rc) {
		case NVG_HL_E_ARG: return "bad argument";
		case NVG_HL_E_SPACE: return "body too long for the buffer";
		case NVG_HL_E_XML: return "not well-formed XML";
		case NVG_HL_E_DTD: return "document carries a DTD";
		case NVG_HL_E_ROOT: return "root is not urn:ietf:params:xml:ns:resource-lists:resource-lists";
		case NVG_HL_E_STATUS: return "sh:status without a valid code";
		case NVG_HL_E_LONG: return "document too large";
		case NVG_HL_E_TOO_MANY: return "too many entries";
		case NVG_HL_E_ADDR: return "media address is not an IP literal";
		case NVG_HL_E_VALUE: return "entry value with a forbidden character";
		case NVG_HL_E_COUNT: return "compact answer does not add up to the list";
		default: return rc >= 0 ? "ok" : "unknown error";
	}
}

void nvg_hl_init(void)
{
	xmlInitParser();
}

typedef struct {
	char *p;
	size_t left;
	int err;
} hb_t;

static void hb_put(hb_t *b, const char *s, size_t n)
{
	if(b->err)
		return;
	if(n >= b->left) {
		b->err = 1;
		return;
	}
	memcpy(b->p, s, n);
	b->p += n;
	b->left -= n;
}

static void hb_str(hb_t *b, const char *s)
{
	hb_put(b, s, strlen(s));
}

static void hb_fmt(hb_t *b, const char *fmt, unsigned long long a, unsigned long long c)
{
	char tmp[64];
	int n = snprintf(tmp, sizeof(tmp), fmt, a, c);
	if(n < 0 || n >= (int)sizeof(tmp)) {
		b->err = 1;
		return;
	}
	hb_put(b, tmp, (size_t)n);
}

/* XML attribute value escaping; control characters are refused */
static int hb_attr(hb_t *b, const char *s)
{
	for(; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if(c < 0x20 || c == 0x7f)
			return -1;
		switch(c) {
			case '&': hb_str(b, "&amp;"); break;
			case '<': hb_str(b, "&lt;"); break;
			case '>': hb_str(b, "&gt;"); break;
			case '"': hb_str(b, "&quot;"); break;
			case '\'': hb_str(b, "&apos;"); break;
			default: hb_put(b, s, 1);
		}
	}
	return 0;
}

static int boundary_ok(const char *s)
{
	size_t n = strlen(s), i;
	if(n == 0 || n > 70)
		return 0;
	for(i = 0; i < n; i++) {
		char c = s[i];
		if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
				   || strchr("'()+_,-./:=?", c)))
			return 0;
	}
	return 1;
}

int nvg_hl_build(const nvg_hl_entry_t *e, int n, int af, const char *addr,
		const char *boundary, uint64_t sess_id, uint64_t sess_ver, char *out,
		size_t cap)
{
	unsigned char bin[16];
	hb_t b;
	int i;

	if((!e && n > 0) || n < 0 || !addr || !boundary || !out || cap == 0
			|| (af != 4 && af != 6) || !boundary_ok(boundary))
		return NVG_HL_E_ARG;
	if(inet_pton(af == 4 ? AF_INET : AF_INET6, addr, bin) != 1)
		return NVG_HL_E_ADDR;
	b.p = out;
	b.left = cap;
	b.err = 0;
	hb_str(&b, "--");
	hb_str(&b, boundary);
	hb_str(&b, "\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n");
	hb_fmt(&b, "o=- %llu %llu IN ", (unsigned long long)sess_id,
			(unsigned long long)sess_ver);
	hb_str(&b, af == 4 ? "IP4 " : "IP6 ");
	hb_str(&b, addr);
	hb_str(&b, "\r\ns=-\r\nc=IN ");
	hb_str(&b, af == 4 ? "IP4 " : "IP6 ");
	hb_str(&b, addr);
	hb_str(&b, "\r\nt=0 0\r\n\r\n--");
	hb_str(&b, boundary);
	hb_str(&b, "\r\nContent-Type: application/resource-lists+xml\r\n"
			   "Content-Disposition: recipient-list\r\n\r\n"
			   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
			   "<resource-lists xmlns=\"" NVG_HL_NS_RL "\"\r\n"
			   " xmlns:sh=\"" NVG_HL_NS_SH "\" sh:answer=\"failures\">\r\n"
			   "<list>\r\n");
	/* one line per entry, no indentation: every byte crosses the access
	 * link (128 kbit/s: 1 kB = 64 ms) */
	for(i = 0; i < n; i++) {
		hb_str(&b, "<entry uri=\"");
		if(hb_attr(&b, e[i].uri) < 0)
			return NVG_HL_E_VALUE;
		hb_str(&b, "\"><sh:dialog call-id=\"");
		if(hb_attr(&b, e[i].callid) < 0)
			return NVG_HL_E_VALUE;
		hb_str(&b, "\" mn-tag=\"");
		if(hb_attr(&b, e[i].mn_tag) < 0)
			return NVG_HL_E_VALUE;
		hb_str(&b, "\" cn-tag=\"");
		if(hb_attr(&b, e[i].cn_tag) < 0)
			return NVG_HL_E_VALUE;
		hb_str(&b, "\"/></entry>\r\n");
		if(b.err)
			return NVG_HL_E_SPACE;
	}
	hb_str(&b, "</list>\r\n</resource-lists>\r\n\r\n--");
	hb_str(&b, boundary);
	hb_str(&b, "--\r\n");
	if(b.err)
		return NVG_HL_E_SPACE;
	*b.p = 0;
	return (int)(b.p - out);
}

/* ---- parser -------------------------------------------------------------- */

static int in_ns(xmlNodePtr nd, const char *ns)
{
	return nd->ns && nd->ns->href && strcmp((const char *)nd->ns->href, ns) == 0;
}

static int is_el(xmlNodePtr nd, const char *name, const char *ns)
{
	return nd->type == XML_ELEMENT_NODE && strcmp((const char *)nd->name, name) == 0
		   && in_ns(nd, ns);
}

/* attribute value without namespace (or NULL) */
static const char *attr(xmlNodePtr nd, const char *name)
{
	xmlAttrPtr a;
	for(a = nd->properties; a; a = a->next)
		if(!a->ns && strcmp((const char *)a->name, name) == 0 && a->children
				&& a->children->type == XML_TEXT_NODE && !a->children->next)
			return (const char *)a->children->content;
	return NULL;
}

static void seterr(char *err, size_t errlen, const char *fmt, const char *a)
{
	if(err && errlen)
		snprintf(err, errlen, fmt, a ? a : "");
}

typedef struct {
	int idx;
	int code;
	int cn_reinvite;
} hl_res_t;

/* a non-negative decimal attribute of the sh namespace, -1 if absent/bad */
static long ns_long(xmlNodePtr nd, const char *name)
{
	xmlChar *v = xmlGetNsProp(nd, (const xmlChar *)name, (const xmlChar *)NVG_HL_NS_SH);
	char *endp;
	long r;

	if(!v)
		return -1;
	r = strtol((const char *)v, &endp, 10);
	if(*v < '0' || *v > '9' || *endp || endp - (char *)v > 9)
		r = -1;
	xmlFree(v);
	return r;
}

int nvg_hl_parse_status(const char *xml, size_t len, nvg_hl_entry_t *e, int n,
		char *err, size_t errlen)
{
	xmlDocPtr doc;
	xmlNodePtr root, list, ent, c;
	hl_res_t *res = NULL;
	int nres = 0, rc = 0, i, given = 0, omitted = 0;

	if(!xml || (!e && n > 0) || n < 0)
		return NVG_HL_E_ARG;
	if(len > NVG_HL_MAX_XML) {
		seterr(err, errlen, "document of more than 1 MiB%s", NULL);
		return NVG_HL_E_LONG;
	}
	/* no network, no DTD loading, no entity substitution, no noise */
	doc = xmlReadMemory(xml, (int)len, "handoff-status.xml", NULL,
			XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING
					| XML_PARSE_NOCDATA);
	if(!doc) {
		seterr(err, errlen, "not well-formed XML%s", NULL);
		return NVG_HL_E_XML;
	}
	if(doc->intSubset || doc->extSubset) {
		seterr(err, errlen, "document carries a DTD%s", NULL);
		rc = NVG_HL_E_DTD;
		goto done;
	}
	root = xmlDocGetRootElement(doc);
	if(!root || !is_el(root, "resource-lists", NVG_HL_NS_RL)) {
		seterr(err, errlen, "root element is not resource-lists%s", NULL);
		rc = NVG_HL_E_ROOT;
		goto done;
	}
	if(n > 0) {
		res = calloc((size_t)n, sizeof(*res));
		if(!res) {
			rc = NVG_HL_E_ARG;
			goto done;
		}
	}
	for(list = root->children; list; list = list->next) {
		if(!is_el(list, "list", NVG_HL_NS_RL))
			continue;
		for(ent = list->children; ent; ent = ent->next) {
			const char *cid = NULL, *mt = NULL, *ct = NULL, *code = NULL, *cr = NULL;
			char *endp;
			long v;
			if(!is_el(ent, "entry", NVG_HL_NS_RL))
				continue;
			for(c = ent->children; c; c = c->next) {
				if(is_el(c, "dialog", NVG_HL_NS_SH)) {
					cid = attr(c, "call-id");
					mt = attr(c, "mn-tag");
					ct = attr(c, "cn-tag");
				} else if(is_el(c, "status", NVG_HL_NS_SH)) {
					code = attr(c, "code");
					cr = attr(c, "cn-reinvite");
					if(!code) {
						seterr(err, errlen, "sh:status without code%s", NULL);
						rc = NVG_HL_E_STATUS;
						goto done;
					}
				}
			}
			if(!code) /* an entry without status: unanswered */
				continue;
			v = strtol(code, &endp, 10);
			if(*code < '1' || *code > '6' || *endp || endp - code != 3 || v < 100
					|| v > 699) {
				seterr(err, errlen, "sh:status code '%.16s' is not a SIP status", code);
				rc = NVG_HL_E_STATUS;
				goto done;
			}
			if(!cid || !mt || !ct)
				continue; /* cannot be matched to one of ours */
			for(i = 0; i < n; i++) {
				if(strcmp(e[i].callid, cid) == 0 && strcmp(e[i].mn_tag, mt) == 0
						&& strcmp(e[i].cn_tag, ct) == 0)
					break;
			}
			if(i == n)
				continue;
			{
				int k;
				for(k = 0; k < nres && res[k].idx != i; k++)
					;
				if(k == nres) { /* the same dialog twice: the last one counts */
					if(nres >= n) {
						rc = NVG_HL_E_TOO_MANY;
						goto done;
					}
					nres++;
				}
				res[k].idx = i;
				res[k].code = (int)v;
				res[k].cn_reinvite = cr && strcmp(cr, "yes") == 0;
			}
		}
	}
	/* the compact answer (docs/handoff-list.md): entries left out were
	 * moved; accepted only when its counts add up to our list */
	{
		xmlChar *om = xmlGetNsProp(root, (const xmlChar *)"omitted",
				(const xmlChar *)NVG_HL_NS_SH);
		if(om) {
			long ne = -1, no = -1;
			int ok = strcmp((const char *)om, "moved") == 0;
			xmlFree(om);
			if(ok) {
				ne = ns_long(root, "entries");
				no = ns_long(root, "omitted-count");
			}
			if(!ok || ne != n || no < 0 || no != (long)(n - nres)) {
				seterr(err, errlen, "compact answer does not add up to our %s entries",
						"list's");
				rc = NVG_HL_E_COUNT;
				goto done;
			}
			omitted = 1;
		}
	}
	/* commit only now: an error above changed nothing */
	for(i = 0; i < nres; i++) {
		if(e[res[i].idx].status == 0)
			given++;
		e[res[i].idx].status = res[i].code;
		e[res[i].idx].cn_reinvite = res[i].cn_reinvite;
	}
	if(omitted) {
		for(i = 0; i < n; i++) {
			int k;
			for(k = 0; k < nres && res[k].idx != i; k++)
				;
			if(k < nres)
				continue;
			if(e[i].status == 0)
				given++;
			e[i].status = 200;
			e[i].cn_reinvite = 0;
		}
	}
	rc = given;
done:
	free(res);
	xmlFreeDoc(doc);
	return rc;
}
