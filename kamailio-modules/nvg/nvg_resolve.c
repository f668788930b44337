/*
 * nvg_resolve - NVG logical domain -> the NVG's current address (see
 * nvg_resolve.h)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */

#include <stdio.h>
#include <string.h>

#include "nvg_resolve.h"

int nvg_resolver_aor(const nvg_resolver_t *r, const char *host, size_t hlen,
		char *aor, size_t sz)
{
	nvg_span_t label;
	size_t h = hlen;
	int i, n;

	if(!r || !host || hlen == 0 || !aor || sz == 0)
		return 0;
	if(h > 0 && host[h - 1] == '.')
		h--;
	for(i = 0; i < r->nmap; i++) {
		const nvg_map_entry_t *m = &r->map[i];
		if(nvg_span_ieq((nvg_span_t){host, h}, m->domain, m->domain_len)) {
			if(m->aor_len + 1 > sz)
				return -1;
			memcpy(aor, m->aor, m->aor_len);
			aor[m->aor_len] = 0;
			return (int)m->aor_len;
		}
	}
	if(!r->parent || r->parent_len == 0)
		return 0;
	if(!nvg_domain_label(host, h, r->parent, r->parent_len, &label))
		return 0;
	n = snprintf(aor, sz, "sip:%.*s@%.*s", (int)label.len, label.s,
			(int)r->parent_len, r->parent);
	if(n < 0 || (size_t)n >= sz)
		return -1;
	return n;
}

const char *nvg_res_strerror(int code)
{
	switch(code) {
		case NVG_RES_OK:
			return "resolved";
		case NVG_RES_NOT_LOGICAL:
			return "not an NVG logical domain";
		case NVG_RES_UNREGISTERED:
			return "NVG not registered";
		case NVG_RES_LOOP:
			return "loop between NVGs";
		case NVG_RES_DEPTH:
			return "too many nested NVGs";
		case NVG_RES_BAD_CONTACT:
			return "NVG contact does not parse";
		case NVG_RES_ERROR:
			return "internal error";
	}
	return "unknown error";
}

int nvg_resolve_host(const nvg_resolver_t *r, const char *host, size_t hlen,
		nvg_resolution_t *res)
{
	char aor[NVG_MAX_AOR + 8];
	nvg_uri_t u;
	int n, i, rc;

	if(!r || !host || !res || !r->contact || r->max_depth < 1
			|| r->max_depth > NVG_DEPTH_LIMIT)
		return NVG_RES_ERROR;
	memset(res, 0, sizeof(*res));
	n = nvg_resolver_aor(r, host, hlen, aor, sizeof(aor));
	if(n == 0)
		return NVG_RES_NOT_LOGICAL;
	if(n < 0) {
		snprintf(res->error, sizeof(res->error), "AoR of %.*s too long",
				(int)(hlen > 64 ? 64 : hlen), host);
		return NVG_RES_ERROR;
	}
	for(;;) {
		for(i = 0; i < res->depth; i++) {
			if(strcmp(res->chain[i], aor) == 0) {
				snprintf(res->error, sizeof(res->error),
						"loop: %s is reached again after %d NVG(s)", aor, res->depth);
				return NVG_RES_LOOP;
			}
		}
		if(res->depth >= r->max_depth) {
			snprintf(res->error, sizeof(res->error),
					"more than %d nested NVGs (next: %s)", r->max_depth, aor);
			return NVG_RES_DEPTH;
		}
		snprintf(res->chain[res->depth], sizeof(res->chain[0]), "%s", aor);
		res->depth++;
		memset(&res->hop, 0, sizeof(res->hop));
		rc = r->contact(r->ctx, aor, strlen(aor), &res->hop);
		if(rc == 0) {
			snprintf(res->error, sizeof(res->error),
					"%s has no current registration", aor);
			return NVG_RES_UNREGISTERED;
		}
		if(rc < 0) {
			snprintf(res->error, sizeof(res->error), "registrar lookup of %s failed",
					aor);
			return NVG_RES_ERROR;
		}
		res->hop.uri[NVG_MAX_URI] = 0;
		res->hop.dst[NVG_MAX_URI] = 0;
		res->hop.path[NVG_MAX_PATH] = 0;
		res->hop.sock[sizeof(res->hop.sock) - 1] = 0;
		if(nvg_uri_parse(res->hop.uri, strlen(res->hop.uri), &u) != NVG_URI_OK) {
			snprintf(res->error, sizeof(res->error), "contact of %s does not parse",
					aor);
			return NVG_RES_BAD_CONTACT;
		}
		n = nvg_resolver_aor(r, u.host.s, u.host.len, aor, sizeof(aor));
		if(n == 0)
			return NVG_RES_OK; /* a real address: the outermost NVG */
		if(n < 0) {
			snprintf(res->error, sizeof(res->error), "AoR too long");
			return NVG_RES_ERROR;
		}
	}
}
