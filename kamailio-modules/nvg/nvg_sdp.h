/*
 * nvg module - SDP address rewriting (plain C, no Kamailio).
 *
 * An MN's SDP names its ingress (private) address. Toward home the NVG
 * replaces the connection address of every c= line and the unicast address
 * of the o= line with its current egress address (IN IP4 or IN IP6 after a
 * move to IPv6); ports, media lines, attributes and line endings are kept:
 * the egress MASQUERADE keeps the MN's source ports, so Proxy 2's rtpengine
 * (strict source) sees the MN's media from exactly the address and port the
 * SDP names (see README, "SDP and ports").
 *
 * Kept as they are: c= lines with a hold address (0.0.0.0, ::) and
 * multicast addresses (with a /ttl suffix). Anything that is not a
 * well-formed RFC 4566 c= or o= line is an error and nothing is produced.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */
#ifndef _NVG_SDP_H_
#define _NVG_SDP_H_

#include <stddef.h>

#define NVG_SDP_MAX_BODY 65536

enum {
	NVG_SDP_E_ARG = -1,   /* NULL argument or bad address family */
	NVG_SDP_E_ADDR = -2,  /* the new address is not an IPv4/IPv6 literal */
	NVG_SDP_E_NOTSDP = -3,/* body does not start with "v=0" */
	NVG_SDP_E_CTL = -4,   /* NUL or control character in the body */
	NVG_SDP_E_CLINE = -5, /* malformed c= line */
	NVG_SDP_E_OLINE = -6, /* malformed o= line */
	NVG_SDP_E_SPACE = -7, /* output buffer too small */
	NVG_SDP_E_LONG = -8,  /* body longer than NVG_SDP_MAX_BODY */
};

/* Rewrites in[0..inlen) into out[0..cap) (NUL-terminated, *outlen without
 * the NUL). af is 4 or 6, addr the new address as text (IPv6 without
 * brackets). bump != 0 increments the o= sess-version (a new offer of the
 * same session, RFC 3264 8). Returns the number of lines rewritten (>= 0)
 * or an NVG_SDP_E_* error. */
int nvg_sdp_rewrite(const char *in, size_t inlen, int af, const char *addr,
		int bump, char *out, size_t cap, size_t *outlen);

const char *nvg_sdp_strerror(int rc);

#endif
