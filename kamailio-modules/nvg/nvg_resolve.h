/*
 * nvg_resolve - resolving an NVG logical domain to the NVG's current
 * address at home (plain C, no Kamailio dependency; the registrar lookup is
 * a callback, so unit tests run without usrloc).
 *
 * A host is an NVG logical domain when it is listed in the explicit map
 * (modparam nvg_map: "nvg-7.vpn.example.com=sip:nvg-7@vpn.example.com") or,
 * by convention, has the form <label>.<parent> where <parent> is the home's
 * logical_domain: its NVG's AoR is then sip:<label>@<parent>. The NVG's
 * current contact (what its last REGISTER said) is asked from the
 * registrar. When that contact is itself a logical URI (an NVG registered
 * through another NVG: nested moving networks), resolution goes on through
 * that NVG, up to max_depth NVGs, and stops with an error on a loop.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */

#ifndef _NVG_RESOLVE_H_
#define _NVG_RESOLVE_H_

#include <stddef.h>

#include "nvg_uri.h"

#define NVG_DEPTH_LIMIT 8 /* upper bound of max_depth */
#define NVG_MAX_PATH 1024

typedef struct nvg_map_entry {
	const char *domain;
	size_t domain_len;
	const char *aor; /* "sip:user@host" */
	size_t aor_len;
} nvg_map_entry_t;

/* the current contact of one NVG, filled by the contact callback */
typedef struct nvg_hop {
	char uri[NVG_MAX_URI + 1];   /* contact URI */
	char dst[NVG_MAX_URI + 1];   /* next hop instead of the URI (received
								  * address or first Path hop), "" if none */
	char path[NVG_MAX_PATH + 1]; /* Path of the registration, "" if none */
	char sock[128];              /* socket the registration came in on, "" */
} nvg_hop_t;

/* 1: hop filled, 0: the AoR has no live contact, < 0: error */
typedef int (*nvg_contact_fn)(void *ctx, const char *aor, size_t aor_len,
		nvg_hop_t *hop);

typedef struct nvg_resolver {
	const char *parent; /* convention's parent domain; NULL/"" for none */
	size_t parent_len;
	const nvg_map_entry_t *map;
	int nmap;
	int max_depth;      /* 1..NVG_DEPTH_LIMIT NVGs in a chain */
	nvg_contact_fn contact;
	void *ctx;
} nvg_resolver_t;

typedef struct nvg_resolution {
	int depth;                                     /* NVGs traversed */
	char chain[NVG_DEPTH_LIMIT][NVG_MAX_AOR + 8];  /* their AoRs, in order */
	nvg_hop_t hop;                                 /* outermost NVG's contact */
	char error[400];
} nvg_resolution_t;

enum nvg_res_status {
	NVG_RES_OK = 1,
	NVG_RES_NOT_LOGICAL = 0,   /* host is no NVG logical domain */
	NVG_RES_UNREGISTERED = -1, /* an NVG of the chain has no live contact */
	NVG_RES_LOOP = -2,
	NVG_RES_DEPTH = -3,
	NVG_RES_BAD_CONTACT = -4,  /* an NVG's contact does not parse */
	NVG_RES_ERROR = -5,
};

/* AoR of the NVG whose logical domain is host ("sip:<label>@<parent>" or
 * the map's value): its length, 0 if host is not a logical domain, -1 if it
 * does not fit in sz */
int nvg_resolver_aor(const nvg_resolver_t *r, const char *host, size_t hlen,
		char *aor, size_t sz);

/* Resolves host through the NVGs' registrations (see above). */
int nvg_resolve_host(const nvg_resolver_t *r, const char *host, size_t hlen,
		nvg_resolution_t *res);

const char *nvg_res_strerror(int code);

#endif
