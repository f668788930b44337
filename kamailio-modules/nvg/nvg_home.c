/*
 * nvg module - home role (Proxy 2): NVG-aware resolution. A mobile node's
 * binding at the registrar is the NVG's logical URI
 * (sip:mn-1@nvg-7.vpn.example.com;nvgc=...); the logical domain stands for
 * the NVG whose own AoR (sip:nvg-7@vpn.example.com) the NVG keeps
 * registered with its current address. nvg_resolve() sends each branch whose
 * next hop is a logical domain to that NVG's current contact (through
 * nested NVGs, see nvg_resolve.c); nvg_resolve_route() does the same for the
 * NVG's Record-Route entry in in-dialog requests.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */

#include <stdio.h>
#include <string.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/ut.h"
#include "core/mem/mem.h"
#include "core/data_lump.h"
#include "core/dset.h"
#include "core/forward.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_uri.h"
#include "core/parser/parse_rr.h"
#include "modules/usrloc/usrloc.h"

#include "nvg.h"

static usrloc_api_t nvg_ul;
static udomain_t *nvg_udomain = NULL;
static nvg_resolver_t nvg_resolver;

/* the registrar's current contact of an NVG AoR ("sip:user@host") */
static int nvg_ul_contact(void *ctx, const char *aor, size_t aor_len, nvg_hop_t *hop)
{
	nvg_uri_t u;
	urecord_t *r = NULL;
	ucontact_t *c, *best = NULL;
	char keybuf[NVG_MAX_AOR + 1];
	str key, *p;
	time_t now = time(NULL);
	const char *comma, *lt, *gt;
	int rc;

	if(!nvg_udomain)
		return -1;
	if(nvg_uri_parse(aor, aor_len, &u) != NVG_URI_OK || u.user.len == 0)
		return -1;
	if(nvg_ul.use_domain)
		rc = snprintf(keybuf, sizeof(keybuf), "%.*s@%.*s", (int)u.user.len, u.user.s,
				(int)u.host.len, u.host.s);
	else
		rc = snprintf(keybuf, sizeof(keybuf), "%.*s", (int)u.user.len, u.user.s);
	if(rc <= 0 || rc >= (int)sizeof(keybuf))
		return -1;
	key.s = keybuf;
	key.len = rc;
	nvg_ul.lock_udomain(nvg_udomain, &key);
	rc = nvg_ul.get_urecord(nvg_udomain, &key, &r);
	if(rc != 0 || !r) {
		nvg_ul.unlock_udomain(nvg_udomain, &key);
		return 0;
	}
	for(c = r->contacts; c; c = c->next) {
		if(!VALID_CONTACT(c, now) || c->c.len <= 0 || c->c.len > NVG_MAX_URI)
			continue;
		if(!best || c->q > best->q
				|| (c->q == best->q && c->last_modified > best->last_modified))
			best = c;
	}
	if(best) {
		memcpy(hop->uri, best->c.s, best->c.len);
		hop->uri[best->c.len] = 0;
		if(best->path.len > 0 && best->path.len <= NVG_MAX_PATH) {
			memcpy(hop->path, best->path.s, best->path.len);
			hop->path[best->path.len] = 0;
			/* first hop of the Path: <uri>,... */
			lt = memchr(best->path.s, '<', best->path.len);
			comma = memchr(best->path.s, ',', best->path.len);
			gt = lt ? memchr(lt, '>', best->path.s + best->path.len - lt) : NULL;
			if(lt && gt && (!comma || lt < comma) && gt - lt - 1 <= NVG_MAX_URI) {
				memcpy(hop->dst, lt + 1, gt - lt - 1);
				hop->dst[gt - lt - 1] = 0;
			}
		} else if(best->received.len > 0 && best->received.len <= NVG_MAX_URI) {
			memcpy(hop->dst, best->received.s, best->received.len);
			hop->dst[best->received.len] = 0;
		}
		if(best->sock) {
			p = &best->sock->sock_str;
			if(p->len < (int)sizeof(hop->sock)) {
				memcpy(hop->sock, p->s, p->len);
				hop->sock[p->len] = 0;
			}
		}
	}
	nvg_ul.release_urecord(r);
	nvg_ul.unlock_udomain(nvg_udomain, &key);
	return best ? 1 : 0;
}

int nvg_home_init(void)
{
	bind_usrloc_t bind_usrloc;
	char *tbl;

	bind_usrloc = (bind_usrloc_t)(void *)find_export("ul_bind_usrloc", 1, 0);
	if(!bind_usrloc || bind_usrloc(&nvg_ul) < 0) {
		LM_ERR("home role needs usrloc (load usrloc and registrar before nvg)\n");
		return -1;
	}
	tbl = pkg_malloc(nvg_location_table.len + 1);
	if(!tbl) {
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(tbl, nvg_location_table.s, nvg_location_table.len);
	tbl[nvg_location_table.len] = 0;
	/* the same table the registrar uses (created once, shared) */
	if(nvg_ul.register_udomain(tbl, &nvg_udomain) < 0) {
		LM_ERR("cannot use usrloc table '%s' (modparam location_table)\n", tbl);
		return -1;
	}
	memset(&nvg_resolver, 0, sizeof(nvg_resolver));
	if(nvg_convention) {
		nvg_resolver.parent = nvg_logical_domain.s;
		nvg_resolver.parent_len = (size_t)nvg_logical_domain.len;
	} else if(nvg_nmap == 0) {
		LM_WARN("convention 0 and no nvg_map: no host is an NVG logical domain\n");
	}
	nvg_resolver.map = nvg_map;
	nvg_resolver.nmap = nvg_nmap;
	nvg_resolver.max_depth = nvg_max_depth;
	nvg_resolver.contact = nvg_ul_contact;
	LM_INFO("home role: %s<label>.%.*s resolves through sip:<label>@%.*s in '%s' "
			"(%d explicit mapping(s), max_depth %d)\n",
			nvg_convention ? "" : "(convention off) ", nvg_logical_domain.len,
			nvg_logical_domain.s, nvg_logical_domain.len, nvg_logical_domain.s, tbl,
			nvg_nmap, nvg_max_depth);
	return 0;
}

int nvg_home_resolve_host(const char *host, size_t len, nvg_resolution_t *res)
{
	return nvg_resolve_host(&nvg_resolver, host, len, res);
}

/* maps nvg_res_status to the cfg return codes (see README) */
static int nvg_res_rc(int rc)
{
	switch(rc) {
		case NVG_RES_UNREGISTERED:
			return -1;
		case NVG_RES_LOOP:
			return -2;
		case NVG_RES_DEPTH:
			return -3;
		default:
			return -4;
	}
}

/* next hop uri -> resolution; 1 resolved, 0 not logical, < 0 nvg_res_status */
static int nvg_resolve_uri(const char *uri, int len, nvg_resolution_t *res)
{
	nvg_uri_t u;
	int rc;

	if(nvg_uri_parse(uri, (size_t)len, &u) != NVG_URI_OK)
		return 0;
	rc = nvg_resolve_host(&nvg_resolver, u.host.s, u.host.len, res);
	if(rc == NVG_RES_OK) {
		update_stat(nvg_st_resolved, 1);
		LM_DBG("%.*s -> %s via %d NVG(s)\n", len, uri,
				res->hop.dst[0] ? res->hop.dst : res->hop.uri, res->depth);
	} else if(rc != NVG_RES_NOT_LOGICAL) {
		update_stat(nvg_st_resolve_failed, 1);
		LM_NOTICE("cannot reach %.*s: %s (%s)\n", len, uri, nvg_res_strerror(rc),
				res->error);
	}
	return rc;
}

static const char *nvg_res_next_hop(nvg_resolution_t *res)
{
	return res->hop.dst[0] ? res->hop.dst : res->hop.uri;
}

int nvg_home_resolve(sip_msg_t *msg)
{
	static nvg_resolution_t res;
	branch_t *b;
	str s, nh;
	int rc0, rc, i, ok = 0, logical = 0, first_err = 0;
	int drop[MAX_BRANCHES_LIMIT];

	if(msg->first_line.type != SIP_REQUEST)
		return -4;
	/* the Request-URI branch */
	nh = msg->dst_uri.len > 0 ? msg->dst_uri : *GET_RURI(msg);
	rc0 = nvg_resolve_uri(nh.s, nh.len, &res);
	if(rc0 == NVG_RES_OK) {
		logical++;
		s.s = (char *)nvg_res_next_hop(&res);
		s.len = strlen(s.s);
		if(set_dst_uri(msg, &s) < 0)
			return -4;
		if(res.hop.path[0]) {
			s.s = res.hop.path;
			s.len = strlen(res.hop.path);
			if(set_path_vector(msg, &s) < 0)
				return -4;
		}
		ok++;
	} else if(rc0 != NVG_RES_NOT_LOGICAL) {
		logical++;
		first_err = rc0;
	}
	/* appended branches (lookup() of several contacts) */
	memset(drop, 0, sizeof(drop));
	for(i = 0; i < (int)nr_branches && i < MAX_BRANCHES_LIMIT; i++) {
		b = get_sip_branch(i);
		if(!b)
			continue;
		rc = b->dst_uri_len > 0 ? nvg_resolve_uri(b->dst_uri, b->dst_uri_len, &res)
								: nvg_resolve_uri(b->uri, b->len, &res);
		if(rc == NVG_RES_NOT_LOGICAL)
			continue;
		logical++;
		if(rc == NVG_RES_OK) {
			const char *d = nvg_res_next_hop(&res);
			size_t dl = strlen(d), pl = strlen(res.hop.path);
			if(dl < MAX_URI_SIZE && pl < MAX_PATH_SIZE) {
				memcpy(b->dst_uri, d, dl);
				b->dst_uri_len = dl;
				memcpy(b->path, res.hop.path, pl);
				b->path_len = pl;
				ok++;
				continue;
			}
			rc = NVG_RES_ERROR;
		}
		if(!first_err)
			first_err = rc;
		drop[i] = 1;
	}
	for(i = (int)nr_branches - 1; i >= 0; i--)
		if(i < MAX_BRANCHES_LIMIT && drop[i])
			drop_sip_branch(i);
	if(logical == 0)
		return 2; /* nothing to resolve */
	if(ok == 0)
		return nvg_res_rc(first_err);
	if(rc0 != NVG_RES_OK && rc0 != NVG_RES_NOT_LOGICAL) {
		/* the Request-URI branch failed: promote the first good branch */
		for(i = 0; i < (int)nr_branches; i++) {
			b = get_sip_branch(i);
			if(!b || b->dst_uri_len == 0)
				continue;
			s.s = b->uri;
			s.len = b->len;
			if(rewrite_uri(msg, &s) < 0)
				return -4;
			s.s = b->dst_uri;
			s.len = b->dst_uri_len;
			if(set_dst_uri(msg, &s) < 0)
				return -4;
			if(b->path_len > 0) {
				s.s = b->path;
				s.len = b->path_len;
				set_path_vector(msg, &s);
			} else {
				reset_path_vector(msg);
			}
			drop_sip_branch(i);
			break;
		}
	}
	return 1;
}

/* in-dialog, after loose_route(): the first remaining Route entry naming an
 * NVG logical domain is resolved; if it is the next hop, $du goes to the
 * NVG's current address, otherwise (another proxy in between, e.g. Proxy 1)
 * the entry itself is rewritten to that address so the proxies after us
 * reach the NVG where it is now. */
int nvg_home_resolve_route(sip_msg_t *msg)
{
	static nvg_resolution_t res;
	hdr_field_t *h;
	rr_t *r;
	sip_uri_t puri;
	nvg_uri_t nu;
	int k = -1, rc, n, leading = 1;
	char *buf;
	str s;
	struct lump *l;

	if(msg->first_line.type != SIP_REQUEST)
		return -4;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -4;
	for(h = msg->route; h; h = next_sibling_hdr(h)) {
		if(parse_rr(h) < 0)
			return -4;
		for(r = (rr_t *)h->parsed; r; r = r->next) {
			if(parse_uri(r->nameaddr.uri.s, r->nameaddr.uri.len, &puri) < 0)
				return -4;
			if(leading && check_self(&puri.host,
								  puri.port_no ? puri.port_no : SIP_PORT, puri.proto)
								  == 1)
				continue; /* our own entries, popped by loose_route() */
			leading = 0;
			k++;
			rc = nvg_resolve_uri(r->nameaddr.uri.s, r->nameaddr.uri.len, &res);
			if(rc == NVG_RES_NOT_LOGICAL)
				continue;
			if(rc != NVG_RES_OK)
				return nvg_res_rc(rc);
			if(k == 0) {
				s.s = (char *)nvg_res_next_hop(&res);
				s.len = strlen(s.s);
				if(set_dst_uri(msg, &s) < 0)
					return -4;
				if(res.hop.path[0]) {
					s.s = res.hop.path;
					s.len = strlen(res.hop.path);
					set_path_vector(msg, &s);
				}
				return 1;
			}
			/* rewrite: sip:<current host:port>[;transport=]<params of the entry> */
			if(nvg_uri_parse(nvg_res_next_hop(&res), strlen(nvg_res_next_hop(&res)), &nu)
					!= NVG_URI_OK)
				return -4;
			n = (int)nu.hostport.len + (int)puri.params.len + 64;
			buf = pkg_malloc(n);
			if(!buf) {
				PKG_MEM_ERROR;
				return -4;
			}
			{
				nvg_span_t tr;
				int has_tr = nvg_uri_param(&nu, "transport", &tr);
				n = snprintf(buf, n, "sip:%.*s%s%.*s%s%.*s", (int)nu.hostport.len,
						nu.hostport.s, has_tr ? ";transport=" : "",
						has_tr ? (int)tr.len : 0, has_tr ? tr.s : "",
						puri.params.len > 0 ? ";" : "", puri.params.len,
						puri.params.s ? puri.params.s : "");
			}
			l = del_lump(msg, r->nameaddr.uri.s - msg->buf, r->nameaddr.uri.len,
					HDR_ROUTE_T);
			if(!l || !insert_new_lump_after(l, buf, n, HDR_ROUTE_T)) {
				pkg_free(buf);
				return -4;
			}
			LM_DBG("Route entry %.*s -> %.*s\n", r->nameaddr.uri.len,
					r->nameaddr.uri.s, n, buf);
			return 1;
		}
	}
	return 2;
}
