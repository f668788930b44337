/*
 * urilist - parsing of URI-list request bodies (plain C, no Kamailio
 * dependency: unit-tested and fuzzed on its own)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see urilist_mod.c).
 *
 * What it reads:
 *  - the body of an RFC 5366 INVITE / RFC 5365 MESSAGE: `multipart/mixed`
 *    (RFC 2046) holding one `application/resource-lists+xml` part with
 *    `Content-Disposition: recipient-list` and, for INVITE, one
 *    `application/sdp` part (RFC 5365: any other part is the message);
 *    a lone `application/resource-lists+xml` body is accepted too;
 *  - the resource list (RFC 4826): `<resource-lists>` in
 *    urn:ietf:params:xml:ns:resource-lists, `<list>`s (nested up to a
 *    limit), `<entry uri=...>` with RFC 5364 copyControl attributes
 *    (urn:ietf:params:xml:ns:copycontrol: copyControl to|cc|bcc,
 *    anonymize, count) and the SeNEMO handoff extension
 *    `<sh:dialog call-id mn-tag cn-tag/>` (urn:senemo:params:xml:ns:handoff,
 *    docs/handoff-list.md);
 *  - libxml2 with XML_PARSE_NONET, no DTD loading, no entity substitution;
 *    a DOCTYPE or ENTITY declaration anywhere is refused before libxml2
 *    sees the document (no XXE, no billion laughs).
 *
 * Every refusal carries a SIP status code (400, 403, 413, 415, 420), an
 * error kind (for statistics) and a printable reason naming the problem
 * (no quotes or backslashes: it goes into a Warning header).
 */

#ifndef URILIST_PARSE_H
#define URILIST_PARSE_H

#include <stddef.h>

#define UL_NS_RL "urn:ietf:params:xml:ns:resource-lists"
#define UL_NS_CP "urn:ietf:params:xml:ns:copycontrol"
#define UL_NS_SH "urn:senemo:params:xml:ns:handoff"

#define UL_REASON_LEN 160
#define UL_ID_MAX 256 /* longest Call-ID / tag accepted in sh:dialog */
#define UL_URI_MAX 512 /* longest entry URI */

/* error kinds (statistics "failures per reason"); UL_OK is 0 */
typedef enum ul_errkind {
	UL_OK = 0,
	UL_E_CTYPE,       /* 415: body type that cannot carry a list */
	UL_E_MULTIPART,   /* 400: broken multipart body (boundary, part headers) */
	UL_E_NO_LIST,     /* 400: no resource-lists part / no body */
	UL_E_NO_SDP,      /* 400: INVITE without an application/sdp part */
	UL_E_XML,         /* 400: not well-formed XML */
	UL_E_NAMESPACE,   /* 400: root element or namespace is not resource-lists */
	UL_E_DTD,         /* 400: DOCTYPE / ENTITY declarations */
	UL_E_EMPTY,       /* 400: no entry at all */
	UL_E_TOO_BIG,     /* 413: body (or list part) over max_body */
	UL_E_TOO_MANY,    /* 413: more entries than max_entries */
	UL_E_TOO_DEEP,    /* 413: lists nested deeper than max_depth */
	UL_E_SCHEME,      /* 403: entry URI scheme outside sip/sips/tel */
	UL_E_URI,         /* 400: entry without uri / unusable URI text */
	UL_E_REF,         /* 403: external / entry-ref (not dereferenced) */
	UL_E_DIALOG,      /* 400: malformed sh:dialog identifiers */
	UL_E_REQUIRE,     /* 400: Require: recipient-list-* without a list */
	UL_E_NO_REQUIRE,  /* 400: a list without Require: recipient-list-* */
	UL_E_BAD_EXT,     /* 420: an option tag in Require we do not support */
	UL_E_SDP,         /* 400: handoff SDP part without a usable c= address */
	UL_E_NOMEM,       /* 500 */
	UL_E__COUNT
} ul_errkind_t;

typedef struct ul_err {
	int code;     /* SIP status code to answer with (0: no error) */
	ul_errkind_t kind;
	char reason[UL_REASON_LEN]; /* printable ASCII, no '"' or '\\' */
} ul_err_t;

typedef struct ul_limits {
	size_t max_body;  /* bytes of the whole body */
	int max_entries;  /* entries after duplicates were dropped */
	int max_depth;    /* nesting of <list> elements (1: no nested list) */
} ul_limits_t;

typedef enum ul_copy {
	UL_COPY_NONE = 0, /* no copyControl attribute (RFC 5364: as "to") */
	UL_COPY_TO,
	UL_COPY_CC,
	UL_COPY_BCC
} ul_copy_t;

typedef struct ul_entry {
	char *uri;          /* NUL-terminated, validated */
	char *display;      /* <display-name> or NULL */
	ul_copy_t copy;
	int anonymize;
	int count;          /* cp:count or 0 */
	int has_dialog;     /* sh:dialog present */
	char *call_id;      /* sh:dialog identifiers, validated tokens */
	char *mn_tag;
	char *cn_tag;
} ul_entry_t;

typedef struct ul_list {
	ul_entry_t *entries;
	int n;
	int dups;           /* duplicates dropped */
	int dialogs;        /* entries with sh:dialog */
	int no_dialog;      /* entries without sh:dialog */
	int answer_failures; /* root sh:answer="failures": the sender wants the
	                      * compact handoff answer (docs/handoff-list.md) */
} ul_list_t;

/* a body part: offsets into the request body */
typedef struct ul_part {
	int found;
	const char *ctype; size_t ctype_len;   /* media type without parameters */
	const char *body; size_t body_len;
} ul_part_t;

typedef struct ul_parts {
	ul_part_t list;   /* application/resource-lists+xml, disposition recipient-list */
	ul_part_t sdp;    /* application/sdp */
	ul_part_t other;  /* first other part (the message of an RFC 5365 MESSAGE) */
	int nparts;
} ul_parts_t;

/* which request carries the list */
#define UL_REQ_INVITE 1
#define UL_REQ_MESSAGE 2

/* parsed request */
typedef struct ul_request {
	ul_parts_t parts;
	ul_list_t list;
	/* INVITE: the SDP part's c= address (first one: session level, else
	 * first media level) */
	char media_ip[64];
	int media_af;      /* 4 or 6, 0 when the SDP part has no c= line */
} ul_request_t;

/* defaults: 64 KiB body, 100 entries, 4 nested lists */
void ul_limits_default(ul_limits_t *lim);

/* 1 if a comma-separated option-tag list (a Require header body)
 * contains tag (case-insensitive), else 0 */
int ul_has_option_tag(const char *s, size_t len, const char *tag);

/* first option tag in s that is not in allowed[] (NULL-terminated):
 * its offset and length in *off and *tlen, returns 1; 0 if all are allowed */
int ul_unsupported_option_tag(const char *s, size_t len, const char *const *allowed,
		size_t *off, size_t *tlen);

/* 1 if a Content-Type value is of media type `type` (parameters ignored) */
int ul_ctype_is(const char *ct, size_t ctlen, const char *type);

/*
 * Split a body by its Content-Type. multipart/mixed: parts found by the
 * boundary parameter; a part with type application/resource-lists+xml
 * counts as the list only with Content-Disposition recipient-list (RFC
 * 5363: any other disposition, e.g. recipient-list-history, is not the
 * recipient list). application/resource-lists+xml alone: the body is the
 * list. Returns 0 (parts filled, maybe without a list) or -1 with err.
 */
int ul_split_body(const char *ctype, size_t ctlen, const char *body, size_t len,
		const ul_limits_t *lim, ul_parts_t *parts, ul_err_t *err);

/* 1 if the body holds a recipient list (used to recognise URI-list requests
 * without a Require header); never fails */
int ul_body_has_list(const char *ctype, size_t ctlen, const char *body, size_t len);

/*
 * Parse an RFC 4826 document. Duplicates (same URI, or for handoff lists
 * the same sh:dialog) are dropped once and counted. handoff != 0: entries
 * are dialogs (duplicates by dialog; an entry without sh:dialog is kept,
 * has_dialog = 0, for the caller to refuse). Returns 0 or -1 with err.
 * The list must be freed with ul_list_free() in both cases.
 */
int ul_parse_list(const char *xml, size_t len, const ul_limits_t *lim, int handoff,
		ul_list_t *list, ul_err_t *err);

void ul_list_free(ul_list_t *list);

/*
 * The whole request: Require header body (may be NULL), Content-Type and
 * body; method UL_REQ_INVITE or UL_REQ_MESSAGE; handoff != 0 for the NVG's
 * handoff list (an SDP part with a c= address is then required).
 * Checks, in this order: unsupported Require tags (420), Require without a
 * list / a list without Require (400), body size (413), content type (415),
 * parts (400), the list (400/403/413), the SDP part (400).
 * Returns 0 or -1 with err; free with ul_request_free() in both cases.
 */
int ul_parse_request(int method, int handoff, const char *require, size_t require_len,
		const char *ctype, size_t ctlen, const char *body, size_t len,
		const ul_limits_t *lim, ul_request_t *req, ul_err_t *err);

void ul_request_free(ul_request_t *req);

/* the URI scheme is sip, sips or tel (case-insensitive) */
int ul_uri_scheme_ok(const char *uri, size_t len);

/*
 * The first c= address of an SDP (session level first): copies it into
 * ip (NUL-terminated), returns 4 or 6, 0 if there is none or it is not a
 * valid IPv4/IPv6 literal.
 */
int ul_sdp_conn_addr(const char *sdp, size_t len, char *ip, size_t ipsize);

/*
 * Copy sdp into out with the address of every c= line and of the o= line
 * replaced by ip (address type IP4/IP6 from af). Returns the length
 * written (NUL-terminated) or -1 if it does not fit / the input is not an
 * SDP with an o= or c= line / it holds a NUL byte.
 */
int ul_sdp_readdress(const char *sdp, size_t len, const char *ip, int af, char *out,
		size_t outsize);

/* per-entry result of a handoff (docs/handoff-list.md) */
typedef struct ul_status {
	int code;           /* 200, 403, 404, 488, 500, 503 */
	const char *reason; /* printable; escaped on output */
	int cn_reinvite;
} ul_status_t;

/*
 * The 200 OK body of a handoff: an application/resource-lists+xml document
 * with the same entries in the same order, each with its sh:dialog (when it
 * had one) and <sh:status code= reason= cn-reinvite=/>. Returns a malloc'd
 * NUL-terminated string (length in *outlen) or NULL (out of memory).
 */
char *ul_build_status_body(const ul_list_t *list, const ul_status_t *st, size_t *outlen);

/*
 * The same, compact when failures_only is set (the NVG asked for it with
 * sh:answer="failures" on its list): only entries whose code is not 200 or
 * whose CN was re-INVITEd are listed; the root carries sh:omitted="moved",
 * sh:entries (entries of the request) and sh:omitted-count (entries left
 * out: every one of them 200 "moved", cn-reinvite "no").
 */
char *ul_build_status_body_ex(const ul_list_t *list, const ul_status_t *st, int failures_only,
		size_t *outlen);

/*
 * RFC 5364 recipient-list-history body for a fan-out branch: the to and cc
 * entries (anonymized ones as sip:anonymous@anonymous.invalid), bcc never.
 * Returns a malloc'd document or NULL when there is nothing to list.
 */
char *ul_build_history_body(const ul_list_t *list, size_t *outlen);

/* name of an error kind (statistics, RPC) */
const char *ul_errkind_name(ul_errkind_t k);

/* allocation hooks; default libc */
void ul_set_allocator(void *(*m)(size_t), void (*f)(void *));

/* free what ul_build_status_body() / ul_build_history_body() returned */
void ul_mem_free(void *p);

#endif
