/*
 * nvg module - the handoff list (docs/handoff-list.md): builder of the
 * multipart body of the one INVITE per handoff and parser of the
 * per-entry statuses in Proxy 2's 200 (plain C + libxml2, no Kamailio).
 *
 * The parser reads untrusted XML with libxml2 with the network off
 * (XML_PARSE_NONET), no DTD loading, no entity substitution, and refuses
 * any document carrying a DTD (internal or external subset) outright.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */
#ifndef _NVG_HLIST_H_
#define _NVG_HLIST_H_

#include <stddef.h>
#include <stdint.h>

#define NVG_HL_CALLID_MAX 255
#define NVG_HL_TAG_MAX 127
#define NVG_HL_URI_MAX 511
#define NVG_HL_MAX_XML (1024 * 1024)

#define NVG_HL_NS_RL "urn:ietf:params:xml:ns:resource-lists"
#define NVG_HL_NS_SH "urn:senemo:params:xml:ns:handoff"

typedef struct nvg_hl_entry {
	char callid[NVG_HL_CALLID_MAX + 1];
	char mn_tag[NVG_HL_TAG_MAX + 1];
	char cn_tag[NVG_HL_TAG_MAX + 1];
	char uri[NVG_HL_URI_MAX + 1];  /* the correspondent's URI */
	int status;                    /* parser: 0 none yet, else the code */
	int cn_reinvite;               /* parser: 1 "yes" */
} nvg_hl_entry_t;

enum {
	NVG_HL_E_ARG = -1,
	NVG_HL_E_SPACE = -2,     /* output buffer too small */
	NVG_HL_E_XML = -3,       /* not well-formed XML */
	NVG_HL_E_DTD = -4,       /* a DTD is present */
	NVG_HL_E_ROOT = -5,      /* root is not resource-lists in its namespace */
	NVG_HL_E_STATUS = -6,    /* an sh:status without a valid code */
	NVG_HL_E_LONG = -7,      /* document larger than NVG_HL_MAX_XML */
	NVG_HL_E_TOO_MANY = -8,  /* more entries than the caller can hold */
	NVG_HL_E_ADDR = -9,      /* media address not an IP literal */
	NVG_HL_E_VALUE = -10,    /* entry value with a forbidden character */
	NVG_HL_E_COUNT = -11,    /* compact answer whose counts do not add up */
};

const char *nvg_hl_strerror(int rc);

/* Multipart body of the handoff INVITE: an SDP part with the new media
 * address (af 4|6, addr without brackets) and the resource list naming
 * e[0..n), one entry per line, asking for the compact answer
 * (sh:answer="failures" on the root). boundary: 1..70 chars of [A-Za-z0-9'()+_,-./:=?]. Returns the
 * body length, or an NVG_HL_E_* error. */
int nvg_hl_build(const nvg_hl_entry_t *e, int n, int af, const char *addr,
		const char *boundary, uint64_t sess_id, uint64_t sess_ver, char *out,
		size_t cap);

/* Parses Proxy 2's answer body (application/resource-lists+xml): for each
 * <entry> with <sh:dialog call-id mn-tag cn-tag> and <sh:status code>, sets
 * status/cn_reinvite of the matching entry of e[0..n) (same Call-ID and
 * tags). Entries of e the answer does not mention keep status 0, unless the
 * answer is the compact one (root sh:omitted="moved", asked for by the
 * sh:answer="failures" of our list): then they get 200 / cn-reinvite no,
 * provided sh:entries equals n and sh:omitted-count the number of entries
 * left out (else NVG_HL_E_COUNT: nothing trusted, every dialog falls
 * back). Returns the
 * number of entries of e given a status, or an NVG_HL_E_* error; on error
 * nothing in e is changed and err (if not NULL) says what. */
int nvg_hl_parse_status(const char *xml, size_t len, nvg_hl_entry_t *e, int n,
		char *err, size_t errlen);

/* libxml2 set-up once per process (before fork is fine) */
void nvg_hl_init(void);

#endif
