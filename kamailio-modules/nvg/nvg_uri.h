/*
 * nvg_uri - plain C helpers of the nvg module (no Kamailio dependency;
 * unit-tested and fuzzed on their own):
 *
 *  - a strict parser for the SIP URIs the module maps (contacts of mobile
 *    nodes, logical URIs, NVG contacts, Route entries): RFC 3261 section 25
 *    syntax for sip:/sips: URIs, bounded lengths, no whitespace;
 *  - binding tokens: a stable 16-hex-digit name per binding, the value of the
 *    "nvgc" parameter of a logical URI (sip:mn-1@nvg-7.vpn.example.com;nvgc=...);
 *  - the logical domain convention: <label>.<parent> is the logical domain of
 *    the NVG whose own AoR is sip:<label>@<parent>;
 *  - CIDR matching for the ingress network; decimal numbers.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */

#ifndef _NVG_URI_H_
#define _NVG_URI_H_

#include <stddef.h>
#include <stdint.h>

#define NVG_MAX_URI 512   /* longest URI accepted anywhere */
#define NVG_MAX_USER 128  /* longest user part */
#define NVG_MAX_HOST 253  /* longest host (name, IPv4 or [IPv6]) */
#define NVG_MAX_AOR 256   /* user@host */
#define NVG_TOKEN_LEN 16  /* hex digits of a binding token */
#define NVG_TOKEN_PARAM "nvgc"
#define NVG_TOKEN_PARAM_LEN 4

typedef struct nvg_span {
	const char *s;
	size_t len;
} nvg_span_t;

enum nvg_host_type {
	NVG_HOST_NAME = 1,
	NVG_HOST_IP4 = 2,
	NVG_HOST_IP6 = 3 /* host span includes the brackets */
};

typedef struct nvg_uri {
	int sips;
	nvg_span_t user;    /* empty when the URI has no user part */
	nvg_span_t host;
	int host_type;      /* enum nvg_host_type */
	unsigned port;      /* 0: none given */
	nvg_span_t hostport; /* host[:port] as written */
	nvg_span_t params;  /* after the first ';' up to '?' or the end, no ';' */
	nvg_span_t headers; /* after '?' */
} nvg_uri_t;

/* results of nvg_uri_parse(); each error has a text (nvg_uri_strerror) */
enum nvg_uri_status {
	NVG_URI_OK = 0,
	NVG_URI_E_ARG = -1,
	NVG_URI_E_EMPTY = -2,
	NVG_URI_E_LONG = -3,
	NVG_URI_E_CHAR = -4,     /* whitespace, control character or NUL */
	NVG_URI_E_SCHEME = -5,   /* not sip: or sips: */
	NVG_URI_E_USER = -6,     /* bad or too long user part */
	NVG_URI_E_HOST = -7,     /* missing or bad host */
	NVG_URI_E_PORT = -8,     /* bad port */
	NVG_URI_E_PARAMS = -9,   /* bad parameter syntax */
	NVG_URI_E_HEADERS = -10, /* bad header part */
};
#define NVG_URI_E_LAST NVG_URI_E_HEADERS

/* Parse s[0..len) (not NUL-terminated; a NUL byte is an error). Spans point
 * into s. */
int nvg_uri_parse(const char *s, size_t len, nvg_uri_t *u);
const char *nvg_uri_strerror(int code);

/* Find URI parameter `name` (case-insensitive). Returns 1 and its value
 * (empty for a flag parameter) or 0 when absent. */
int nvg_uri_param(const nvg_uri_t *u, const char *name, nvg_span_t *val);

/* case-insensitive comparison of a span with a string of length blen */
int nvg_span_ieq(nvg_span_t a, const char *b, size_t blen);
int nvg_span_eq(nvg_span_t a, const char *b, size_t blen);

/* ---- binding tokens ---------------------------------------------------- */

/* Stable token of a binding: FNV-1a 64 of a, a 0x1f separator and b, as 16
 * lower-case hex digits plus NUL. For a contact with +sip.instance it is
 * computed over (instance, reg-id), otherwise over (contact URI, ""). */
void nvg_token(const char *a, size_t alen, const char *b, size_t blen,
		char out[NVG_TOKEN_LEN + 1]);
/* 1 if s[0..len) has the token form (16 lower-case hex digits) */
int nvg_token_valid(const char *s, size_t len);

/* Writes "sip:<user>@<domain>;nvgc=<token>" (token may be NULL: no
 * parameter). Returns the length, or -1 if it does not fit in sz (with NUL)
 * or the result would be longer than NVG_MAX_URI. */
int nvg_logical_uri(char *buf, size_t sz, const char *user, size_t ulen,
		const char *domain, size_t dlen, const char *token);

/* ---- logical domains ------------------------------------------------------ */

/* 1 if host is <label>.<parent> with a non-empty label without dots (case-
 * insensitive on the parent; one trailing dot of host ignored); label set. */
int nvg_domain_label(const char *host, size_t hlen, const char *parent,
		size_t plen, nvg_span_t *label);

/* ---- numbers and networks -------------------------------------------------- */

/* decimal without sign, at most max; 0 on success, -1 otherwise */
int nvg_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out);

typedef struct nvg_cidr {
	int af;          /* 4 or 6 */
	uint8_t addr[16];
	unsigned bits;
} nvg_cidr_t;

/* "198.18.10.0/24", "fd00::/8", "10.0.0.1" (a host: /32 or /128).
 * 0 on success, -1 on a syntax error (host bits set are allowed and
 * ignored) */
int nvg_cidr_parse(const char *s, size_t len, nvg_cidr_t *c);
/* 1 if the address (af 4: 4 bytes, af 6: 16 bytes) is inside */
int nvg_cidr_match(const nvg_cidr_t *c, int af, const uint8_t *addr);
/* parses a textual IPv4 address or IPv6 address (with or without
 * brackets) into af/addr; 0 on success */
int nvg_ip_parse(const char *s, size_t len, int *af, uint8_t addr[16]);

#endif
