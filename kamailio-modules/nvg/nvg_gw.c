/*
 * nvg module - gateway role: REGISTER translation (mobile node contact ->
 * the NVG's logical URI), the binding committed on the registrar's 2xx,
 * mapping requests for the logical URI back to the ingress contact, the
 * NVG's Record-Route, nested NVGs behind this one.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/ut.h"
#include "core/mem/mem.h"
#include "core/data_lump.h"
#include "core/data_lump_rpl.h"
#include "core/dset.h"
#include "core/qvalue.h"
#include "core/trim.h"
#include "core/socket_info.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_uri.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_expires.h"
#include "core/parser/parse_cseq.h"
#include "core/parser/contact/parse_contact.h"
#include "modules/tm/h_table.h"
#include "modules/tm/t_hooks.h"

#include "nvg.h"

/* ---- ingress ---------------------------------------------------------------- */

static int nvg_addr_in_nets(struct ip_addr *ip)
{
	int i, af;

	if(nvg_nnets == 0)
		return 1;
	af = ip->af == AF_INET ? 4 : 6;
	for(i = 0; i < nvg_nnets; i++)
		if(nvg_cidr_match(&nvg_nets[i], af, ip->u.addr))
			return 1;
	return 0;
}

int nvg_from_ingress(sip_msg_t *msg)
{
	if(nvg_ingress_sock)
		return msg->rcv.bind_address == nvg_ingress_sock;
	return nvg_nnets > 0 && nvg_addr_in_nets(&msg->rcv.src_ip);
}

int nvg_gw_init(void)
{
	static const unsigned short protos[] = {PROTO_UDP, PROTO_TCP, PROTO_TLS, PROTO_SCTP};
	struct socket_info **list, *si;
	unsigned i;

	if(nvg_ingress_socket_param.len > 0) {
		nvg_ingress_sock = lookup_local_socket(&nvg_ingress_socket_param);
		if(!nvg_ingress_sock) {
			LM_ERR("modparam ingress_socket: '%.*s' is not a listen socket of this "
				   "Kamailio (e.g. udp:198.18.10.1:5060)\n",
					nvg_ingress_socket_param.len, nvg_ingress_socket_param.s);
			return -1;
		}
	} else if(nvg_nnets > 0) {
		/* the first listen socket inside the ingress network */
		for(i = 0; i < sizeof(protos) / sizeof(protos[0]) && !nvg_ingress_sock; i++) {
			list = get_sock_info_list(protos[i]);
			for(si = list ? *list : NULL; si; si = si->next) {
				if(nvg_addr_in_nets(&si->address)) {
					nvg_ingress_sock = si;
					break;
				}
			}
		}
		if(!nvg_ingress_sock)
			LM_WARN("no listen socket inside ingress_net: the ingress side is "
					"recognised by source address only\n");
	} else {
		LM_WARN("modparam ingress_net not set: REGISTERs are accepted from any "
				"source (set it to the mobile network's prefix)\n");
	}
	if(nvg_ingress_sock)
		LM_INFO("ingress socket %.*s, logical domain %.*s\n",
				nvg_ingress_sock->sock_str.len, nvg_ingress_sock->sock_str.s,
				nvg_logical_domain.len, nvg_logical_domain.s);
	return 0;
}

/* the logical domain is one of our names (loose_route, R-URI checks) */
int nvg_check_self(str *host, unsigned short port, unsigned short proto)
{
	int len;

	if(!host || !host->s)
		return 0;
	len = host->len;
	if(len > 0 && host->s[len - 1] == '.')
		len--;
	if(len == nvg_logical_domain.len
			&& strncasecmp(host->s, nvg_logical_domain.s, len) == 0)
		return 1;
	/* the current egress address (advertised per message, no socket has
	 * it): Proxy 2 rewrites our Route entry to it for Proxy 1 */
	return nvg_ho_is_egress(host);
}

/* ---- replies ----------------------------------------------------------------- */

static int nvg_warn_agent(sip_msg_t *msg, char *buf, int sz)
{
	struct socket_info *si = msg->rcv.bind_address;
	str *a, *port;

	if(!si)
		return snprintf(buf, sz, "nvg");
	a = si->useinfo.name.len > 0 ? &si->useinfo.name : &si->address_str;
	port = si->useinfo.port_no_str.len > 0 ? &si->useinfo.port_no_str : &si->port_no_str;
	if(si->address.af == AF_INET6 && a->len > 0 && a->s[0] != '[')
		return snprintf(buf, sz, "[%.*s]:%.*s", a->len, a->s, port->len, port->s);
	return snprintf(buf, sz, "%.*s:%.*s", a->len, a->s, port->len, port->s);
}

int nvg_send_reply(sip_msg_t *msg, int code, const char *reason,
		const char *warning, int retry_after)
{
	char hdrs[600], agent[128], w[256];
	int n = 0, i;
	tm_cell_t *t;
	str r;

	if(msg->first_line.type != SIP_REQUEST || msg->REQ_METHOD == METHOD_ACK)
		return -1;
	if(code == 503 && retry_after > 0)
		n += snprintf(hdrs + n, sizeof(hdrs) - n, "Retry-After: %d\r\n", retry_after);
	if(warning && warning[0]) {
		/* safe inside a quoted-string */
		for(i = 0; warning[i] && i < (int)sizeof(w) - 1; i++) {
			unsigned char c = (unsigned char)warning[i];
			w[i] = (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
		}
		w[i] = 0;
		nvg_warn_agent(msg, agent, sizeof(agent));
		n += snprintf(hdrs + n, sizeof(hdrs) - n, "Warning: 399 %s \"%s\"\r\n", agent, w);
	}
	if(n >= (int)sizeof(hdrs))
		n = 0;
	if(n > 0 && add_lump_rpl(msg, hdrs, n, LUMP_RPL_HDR) == 0) {
		LM_ERR("cannot add reply headers\n");
		return -1;
	}
	t = nvg_tmb.t_gett();
	if(t && t != T_UNDEFINED)
		return nvg_tmb.t_reply(msg, code, (char *)reason) < 0 ? -1 : 1;
	r.s = (char *)reason;
	r.len = strlen(reason);
	return nvg_slb.freply(msg, code, &r) < 0 ? -1 : 1;
}

/* return codes of nvg_register() */
#define NVG_REG_OK 1
#define NVG_REG_RETRANS 0
#define NVG_REG_ERROR -1
#define NVG_REG_MALFORMED -2
#define NVG_REG_FORBIDDEN -3
#define NVG_REG_LIMIT -4

static int nvg_reject(sip_msg_t *msg, int code, const char *reason, stat_var *st,
		const char *warning, int ret)
{
	if(st)
		update_stat(st, 1);
	if(nvg_send_reply(msg, code, reason, warning, nvg_retry_after) < 0)
		LM_ERR("cannot send %d to the REGISTER\n", code);
	return ret;
}

static int nvg_malformed(sip_msg_t *msg, const char *what)
{
	LM_NOTICE("REGISTER from %s:%d refused (400): %s\n", ip_addr2a(&msg->rcv.src_ip),
			msg->rcv.src_port, what);
	return nvg_reject(msg, 400, "Bad Request", nvg_st_rejected_malformed, what,
			NVG_REG_MALFORMED);
}

/* ---- REGISTER -------------------------------------------------------------------- */

/* "sip:ip:port;transport=udp" of where the request came from */
static int nvg_received(sip_msg_t *msg, char *buf, int sz)
{
	const char *ip = ip_addr2a(&msg->rcv.src_ip);
	const char *proto;

	switch(msg->rcv.proto) {
		case PROTO_TCP:
			proto = "tcp";
			break;
		case PROTO_TLS:
			proto = "tls";
			break;
		case PROTO_SCTP:
			proto = "sctp";
			break;
		case PROTO_WS:
		case PROTO_WSS:
			proto = "ws";
			break;
		default:
			proto = "udp";
	}
	if(msg->rcv.src_ip.af == AF_INET6)
		return snprintf(buf, sz, "sip:[%s]:%d;transport=%s", ip, msg->rcv.src_port, proto);
	return snprintf(buf, sz, "sip:%s:%d;transport=%s", ip, msg->rcv.src_port, proto);
}

/* value of a parameter as written after '=' (quotes kept) */
static str nvg_param_raw_value(param_t *p)
{
	str v = STR_NULL;
	char *eq;

	if(!p || p->len <= 0)
		return v;
	eq = memchr(p->name.s, '=', p->len);
	if(!eq)
		return v;
	v.s = eq + 1;
	v.len = (int)(p->name.s + p->len - v.s);
	while(v.len > 0 && (v.s[0] == ' ' || v.s[0] == '\t')) {
		v.s++;
		v.len--;
	}
	return v;
}

static int nvg_host_is_ingress_ip(nvg_uri_t *u)
{
	int af, i;
	uint8_t addr[16];

	if(nvg_nnets == 0)
		return 1;
	if(u->host_type == NVG_HOST_NAME)
		return 0;
	if(nvg_ip_parse(u->host.s, u->host.len, &af, addr) < 0)
		return 0;
	for(i = 0; i < nvg_nnets; i++)
		if(nvg_cidr_match(&nvg_nets[i], af, addr))
			return 1;
	return 0;
}

static void nvg_reg_reply_cb(tm_cell_t *t, int type, struct tmcb_params *ps);
static void nvg_pending_release(void *param);

int nvg_register(sip_msg_t *msg)
{
	static nvg_reg_req_t req;
	static char aor[NVG_MAX_AOR + 1], rcvbuf[128];
	contact_t *cts[NVG_MAX_REQ_CONTACTS], *pass[NVG_MAX_REQ_CONTACTS];
	hdr_field_t *h, *first_ct = NULL;
	contact_body_t *cb;
	contact_t *c;
	sip_uri_t *to;
	nvg_pending_t *p = NULL;
	nvg_uri_t u;
	char why[400], luri[NVG_MAX_URI + 1], *buf = NULL;
	int n = 0, npass = 0, star = 0, hdr_exp = -1, i, rc, len, sz;
	unsigned int cseq;
	uint64_t v;
	qvalue_t q;
	param_t *pp;
	tm_cell_t *t;
	struct lump *l;

	if(msg->first_line.type != SIP_REQUEST || msg->REQ_METHOD != METHOD_REGISTER) {
		LM_ERR("nvg_register() needs a REGISTER request\n");
		return NVG_REG_ERROR;
	}
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return nvg_malformed(msg, "headers: cannot parse");

	/* 1. only mobile nodes, on the ingress side */
	if(nvg_ingress_sock && msg->rcv.bind_address != nvg_ingress_sock) {
		LM_NOTICE("REGISTER from %s:%d refused (403): arrived on %.*s, not on the "
				  "ingress socket %.*s\n",
				ip_addr2a(&msg->rcv.src_ip), msg->rcv.src_port,
				msg->rcv.bind_address ? msg->rcv.bind_address->sock_str.len : 0,
				msg->rcv.bind_address ? msg->rcv.bind_address->sock_str.s : "",
				nvg_ingress_sock->sock_str.len, nvg_ingress_sock->sock_str.s);
		return nvg_reject(msg, 403, "Forbidden", nvg_st_rejected_source,
				"not a mobile node of this NVG (wrong side)", NVG_REG_FORBIDDEN);
	}
	if(!nvg_addr_in_nets(&msg->rcv.src_ip)) {
		LM_NOTICE("REGISTER from %s:%d refused (403): source outside ingress_net\n",
				ip_addr2a(&msg->rcv.src_ip), msg->rcv.src_port);
		return nvg_reject(msg, 403, "Forbidden", nvg_st_rejected_source,
				"source outside the ingress network", NVG_REG_FORBIDDEN);
	}

	/* 2. the AoR, Call-ID, CSeq, Expires */
	memset(&req, 0, sizeof(req));
	to = parse_to_uri(msg);
	if(!to)
		return nvg_malformed(msg, "To: cannot parse the URI");
	if(to->user.len <= 0)
		return nvg_malformed(msg, "To: no user part");
	if(to->host.len <= 0)
		return nvg_malformed(msg, "To: no host");
	if(to->user.len + 1 + to->host.len > NVG_MAX_AOR)
		return nvg_malformed(msg, "To: AoR longer than 256 characters");
	if(memchr(to->user.s, '@', to->user.len))
		return nvg_malformed(msg, "To: bad user part");
	len = snprintf(aor, sizeof(aor), "%.*s@%.*s", to->user.len, to->user.s,
			to->host.len, to->host.s);
	req.aor.s = aor;
	req.aor.len = (size_t)len;
	req.user_len = (size_t)to->user.len;
	if(!msg->callid || msg->callid->body.len <= 0)
		return nvg_malformed(msg, "Call-ID: missing");
	req.callid.s = msg->callid->body.s;
	req.callid.len = (size_t)msg->callid->body.len;
	while(req.callid.len > 0
			&& (req.callid.s[req.callid.len - 1] == ' '
					|| req.callid.s[req.callid.len - 1] == '\t'))
		req.callid.len--;
	if(req.callid.len > NVG_MAX_FIELD)
		return nvg_malformed(msg, "Call-ID: longer than 256 characters");
	if(!msg->cseq || !msg->cseq->parsed
			|| str2int(&get_cseq(msg)->number, &cseq) < 0 || cseq > 0x7fffffffu)
		return nvg_malformed(msg, "CSeq: not a number below 2^31");
	req.cseq = cseq;
	if(msg->expires) {
		if((!msg->expires->parsed && parse_expires(msg->expires) < 0)
				|| !((exp_body_t *)msg->expires->parsed)->valid)
			return nvg_malformed(msg, "Expires: not a number");
		hdr_exp = (int)((exp_body_t *)msg->expires->parsed)->val;
		if(hdr_exp < 0)
			return nvg_malformed(msg, "Expires: not a number");
	}

	/* 3. contacts */
	if(msg->contact && parse_contact_headers(msg) < 0)
		return nvg_malformed(msg, "Contact: cannot parse");
	for(h = msg->contact; h; h = next_sibling_hdr(h)) {
		cb = (contact_body_t *)h->parsed;
		if(!cb)
			return nvg_malformed(msg, "Contact: cannot parse");
		if(!first_ct)
			first_ct = h;
		if(cb->star) {
			/* Kamailio's parser takes "*, <sip:...>" for a star: only a
			 * lone '*' is one (RFC 3261 20.10) */
			str b = h->body;
			trim(&b);
			if(b.len != 1)
				return nvg_malformed(
						msg, "Contact: '*' needs Expires: 0 and no other contact");
			star++;
			continue;
		}
		for(c = cb->contacts; c; c = c->next) {
			if(n >= NVG_MAX_REQ_CONTACTS || n >= nvg_tbl_limits(nvg_table)->max_contacts) {
				snprintf(why, sizeof(why), "max_contacts (%d) exceeded: more "
						"contacts in one REGISTER for %s",
						nvg_tbl_limits(nvg_table)->max_contacts, aor);
				LM_WARN("REGISTER refused (503): %s\n", why);
				return nvg_reject(msg, 503, "Service Unavailable",
						nvg_st_rejected_limit, why, NVG_REG_LIMIT);
			}
			cts[n] = c;
			rc = nvg_uri_parse(c->uri.s, (size_t)c->uri.len, &u);
			if(rc != NVG_URI_OK) {
				snprintf(why, sizeof(why), "Contact: %s", nvg_uri_strerror(rc));
				return nvg_malformed(msg, why);
			}
			if(u.headers.len > 0)
				return nvg_malformed(msg, "Contact: URI with headers");
			if(nvg_check_self((str[]){{(char *)u.host.s, (int)u.host.len}}, 0, 0))
				return nvg_malformed(msg, "Contact: names this NVG's logical domain");
			if(u.host_type == NVG_HOST_NAME && nvg_parent_domain.len > 0
					&& nvg_domain_label(u.host.s, u.host.len, nvg_parent_domain.s,
							(size_t)nvg_parent_domain.len, NULL)) {
				/* the logical URI of a nested NVG behind us (one of its
				 * MNs): passed on unchanged, resolved at home through that
				 * NVG's registration, which goes through us */
				if(npass >= NVG_MAX_REQ_CONTACTS)
					return nvg_malformed(msg, "Contact: too many contacts");
				pass[npass++] = c;
				continue;
			}
			if(!nvg_host_is_ingress_ip(&u))
				return nvg_malformed(msg, "Contact: address outside the ingress network");
			req.c[n].uri.s = c->uri.s;
			req.c[n].uri.len = (size_t)c->uri.len;
			req.c[n].q = -1;
			req.c[n].expires = hdr_exp;
			if(c->expires) {
				if(nvg_parse_uint(c->expires->body.s, (size_t)c->expires->body.len,
						   0xffffffffu, &v) < 0)
					return nvg_malformed(msg, "Contact: bad expires parameter");
				req.c[n].expires = (int64_t)v;
			}
			if(req.c[n].expires > nvg_max_expires) {
				req.c[n].expires = nvg_max_expires;
				update_stat(nvg_st_expires_capped, 1);
			}
			if(c->q) {
				if(c->q->body.len <= 0 || str2q(&q, c->q->body.s, c->q->body.len) < 0)
					return nvg_malformed(msg, "Contact: bad q parameter");
				req.c[n].q = q;
			}
			if(c->reg_id) {
				if(nvg_parse_uint(c->reg_id->body.s, (size_t)c->reg_id->body.len,
						   0x7fffffff, &v) < 0 || v == 0)
					return nvg_malformed(msg, "Contact: bad reg-id parameter");
				req.c[n].reg_id = (uint32_t)v;
			}
			if(c->instance) {
				str iv = nvg_param_raw_value(c->instance);
				if(iv.len <= 0 || iv.len > NVG_MAX_FIELD)
					return nvg_malformed(msg, "Contact: bad +sip.instance parameter");
				req.c[n].instance.s = iv.s;
				req.c[n].instance.len = (size_t)iv.len;
			}
			n++;
		}
	}
	if(star && (n > 0 || npass > 0 || star > 1 || hdr_exp != 0))
		return nvg_malformed(msg, "Contact: '*' needs Expires: 0 and no other contact");
	req.n = n;
	req.star = star ? 1 : 0;
	len = nvg_received(msg, rcvbuf, sizeof(rcvbuf));
	req.received.s = rcvbuf;
	req.received.len = (len > 0 && len < (int)sizeof(rcvbuf)) ? (size_t)len : 0;
	if(msg->rcv.bind_address) {
		req.sock.s = msg->rcv.bind_address->sock_str.s;
		req.sock.len = (size_t)msg->rcv.bind_address->sock_str.len;
	}

	/* 4. the table: limits (nothing changes until the registrar's 2xx) */
	rc = nvg_pending_new(nvg_table, &req, &p);
	if(rc == NVG_E_DUPLICATE)
		return nvg_malformed(msg, "Contact: the same binding twice");
	if(rc == NVG_E_ARG)
		return nvg_malformed(msg, "REGISTER: a field is too long");
	if(rc != NVG_OK) {
		LM_ERR("cannot store the pending REGISTER (%s)\n", nvg_tbl_strerror(rc));
		return nvg_reject(msg, 500, "Server Internal Error", NULL, NULL, NVG_REG_ERROR);
	}
	rc = nvg_tbl_reserve(nvg_table, p, (int64_t)time(NULL), why, sizeof(why));
	if(rc == NVG_E_MAX_CONTACTS || rc == NVG_E_MAX_BINDINGS) {
		nvg_pending_free(nvg_table, p);
		LM_WARN("REGISTER refused (503): %s\n", why);
		return nvg_reject(msg, 503, "Service Unavailable", nvg_st_rejected_limit,
				rc == NVG_E_MAX_CONTACTS ? "max_contacts reached for this AoR"
										 : "max_bindings reached: binding table full",
				NVG_REG_LIMIT);
	}
	if(rc == NVG_E_CONFLICT) {
		nvg_pending_free(nvg_table, p);
		LM_NOTICE("REGISTER refused (403): %s\n", why);
		return nvg_reject(msg, 403, "Forbidden", nvg_st_rejected_conflict,
				"user part bound under another domain", NVG_REG_FORBIDDEN);
	}
	if(rc != NVG_OK) {
		nvg_pending_free(nvg_table, p);
		return nvg_reject(msg, 500, "Server Internal Error", NULL, NULL, NVG_REG_ERROR);
	}

	/* 5. rewrite: every Contact becomes the logical URI of its binding, each
	 * with an explicit expires (capped); the Expires header goes */
	if(!p->star && n > 0) {
		sz = 0;
		for(i = 0; i < n; i++) {
			sz += 64 + NVG_MAX_URI;
			for(pp = cts[i]->params; pp; pp = pp->next)
				sz += pp->len + 1;
		}
		for(i = 0; i < npass; i++)
			sz += 64 + pass[i]->len;
		buf = pkg_malloc(sz);
		if(!buf) {
			PKG_MEM_ERROR;
			goto internal;
		}
		len = 0;
		for(i = 0; i < n; i++) {
			if(nvg_logical_uri(luri, sizeof(luri), aor, req.user_len,
					   nvg_logical_domain.s, (size_t)nvg_logical_domain.len,
					   p->c[i].token) < 0) {
				pkg_free(buf);
				return nvg_malformed(msg, "To: user part too long for a logical URI");
			}
			len += snprintf(buf + len, sz - len, "Contact: <%s>", luri);
			if(p->c[i].expires >= 0)
				len += snprintf(buf + len, sz - len, ";expires=%lld",
						(long long)p->c[i].expires);
			for(pp = cts[i]->params; pp; pp = pp->next) {
				if(pp->name.len == 7 && strncasecmp(pp->name.s, "expires", 7) == 0)
					continue;
				len += snprintf(buf + len, sz - len, ";%.*s", pp->len, pp->name.s);
			}
			len += snprintf(buf + len, sz - len, "\r\n");
		}
		for(i = 0; i < npass; i++) {
			len += snprintf(buf + len, sz - len, "Contact: %.*s", pass[i]->len,
					pass[i]->name.s);
			if(!pass[i]->expires && hdr_exp >= 0)
				len += snprintf(buf + len, sz - len, ";expires=%d", hdr_exp);
			len += snprintf(buf + len, sz - len, "\r\n");
		}
		for(h = msg->contact; h; h = next_sibling_hdr(h)) {
			l = del_lump(msg, h->name.s - msg->buf, h->len, HDR_CONTACT_T);
			if(!l) {
				pkg_free(buf);
				goto internal;
			}
			if(h == first_ct) {
				if(!insert_new_lump_after(l, buf, len, HDR_CONTACT_T)) {
					pkg_free(buf);
					goto internal;
				}
				buf = NULL; /* owned by the lump now */
			}
		}
		if(msg->expires && !del_lump(msg, msg->expires->name.s - msg->buf,
								   msg->expires->len, HDR_EXPIRES_T))
			goto internal;
	}

	/* 6. the transaction; the binding is committed by its 2xx */
	t = nvg_tmb.t_gett();
	if(t == NULL || t == T_UNDEFINED) {
		rc = nvg_tmb.t_newtran(msg);
		if(rc < 0) {
			LM_ERR("cannot create the transaction\n");
			goto internal;
		}
		if(rc == 0) {
			nvg_pending_free(nvg_table, p);
			return NVG_REG_RETRANS;
		}
	}
	if(nvg_tmb.register_tmcb(msg, 0, TMCB_RESPONSE_FWDED, nvg_reg_reply_cb, p,
			   nvg_pending_release) <= 0) {
		LM_ERR("cannot register the reply callback\n");
		goto internal;
	}
	update_stat(nvg_st_registers_translated, 1);
	LM_DBG("REGISTER %s: %d contact(s)%s translated\n", aor, n, star ? " (*)" : "");
	return NVG_REG_OK;

internal:
	if(p)
		nvg_pending_free(nvg_table, p);
	return nvg_reject(msg, 500, "Server Internal Error", NULL, NULL, NVG_REG_ERROR);
}

static void nvg_pending_release(void *param)
{
	if(param && nvg_table)
		nvg_pending_free(nvg_table, (nvg_pending_t *)param);
}

/* reply contact of ours: sip:<user of p>@<logical domain>;nvgc=<token> */
static int nvg_reply_token(nvg_pending_t *p, contact_t *c, char tok[NVG_TOKEN_LEN + 1])
{
	nvg_uri_t u;
	nvg_span_t v;

	if(nvg_uri_parse(c->uri.s, (size_t)c->uri.len, &u) != NVG_URI_OK)
		return 0;
	if(!nvg_span_ieq(u.host, nvg_logical_domain.s, (size_t)nvg_logical_domain.len))
		return 0;
	if(!nvg_span_eq(u.user, p->aor, p->user_len))
		return 0;
	if(!nvg_uri_param(&u, NVG_TOKEN_PARAM, &v) || !nvg_token_valid(v.s, v.len))
		return 0;
	memcpy(tok, v.s, NVG_TOKEN_LEN);
	tok[NVG_TOKEN_LEN] = 0;
	return 1;
}

typedef struct nvg_uri_copy {
	char uri[NVG_MAX_URI + 1];
	int found;
} nvg_uri_copy_t;

static int nvg_copy_uri(void *ctx, const nvg_aor_t *a, const nvg_contact_t *c)
{
	nvg_uri_copy_t *cp = ctx;

	if(c->uri_len <= NVG_MAX_URI) {
		memcpy(cp->uri, c->uri, c->uri_len);
		cp->uri[c->uri_len] = 0;
		cp->found = 1;
	}
	return 1;
}

/* the registrar answered the REGISTER with a 2xx (about to be relayed):
 * commit the binding with what it granted, and show the mobile node its own
 * contact instead of the logical URI */
static void nvg_reg_reply_cb(tm_cell_t *t, int type, struct tmcb_params *ps)
{
	nvg_pending_t *p = ps->param ? *(nvg_pending_t **)ps->param : NULL;
	sip_msg_t *rpl = ps->rpl;
	nvg_grant_t grants[2 * NVG_MAX_REQ_CONTACTS];
	contact_t *rc[2 * NVG_MAX_REQ_CONTACTS];
	char tok[NVG_TOKEN_LEN + 1];
	hdr_field_t *h;
	contact_t *c;
	int ng = -1, nrc = 0, hdr_exp = -1, i, changes;
	uint64_t v;
	nvg_uri_copy_t cp;
	struct lump *l;
	char *s;

	if(!p || !rpl || rpl == FAKED_REPLY || ps->code < 200 || ps->code >= 300
			|| p->committed)
		return;
	if(parse_headers(rpl, HDR_EOH_F, 0) < 0) {
		LM_ERR("cannot parse the registrar's %d: binding of %s not committed\n",
				ps->code, p->aor);
		return;
	}
	if(rpl->expires && (rpl->expires->parsed || parse_expires(rpl->expires) == 0)
			&& ((exp_body_t *)rpl->expires->parsed)->valid)
		hdr_exp = (int)((exp_body_t *)rpl->expires->parsed)->val;
	if(rpl->contact) {
		ng = 0;
		if(parse_contact_headers(rpl) < 0) {
			LM_ERR("cannot parse the Contacts of the registrar's %d: binding of "
				   "%s not committed\n", ps->code, p->aor);
			return;
		}
		for(h = rpl->contact; h; h = next_sibling_hdr(h)) {
			if(!h->parsed)
				continue;
			for(c = ((contact_body_t *)h->parsed)->contacts; c; c = c->next) {
				if(ng >= 2 * NVG_MAX_REQ_CONTACTS || !nvg_reply_token(p, c, tok))
					continue;
				memcpy(grants[ng].token, tok, sizeof(tok));
				grants[ng].expires = hdr_exp >= 0 ? hdr_exp : nvg_default_expires;
				if(c->expires && nvg_parse_uint(c->expires->body.s,
										 (size_t)c->expires->body.len, 0xffffffffu, &v)
										 == 0)
					grants[ng].expires = (int64_t)v;
				rc[nrc++] = c;
				ng++;
			}
		}
	}
	changes = nvg_tbl_commit(nvg_table, p, grants, ng, (int64_t)time(NULL),
			nvg_db_enabled() ? nvg_db_persist : NULL, NULL);
	if(changes < 0) {
		LM_ERR("binding of %s not committed: %s\n", p->aor, nvg_tbl_strerror(changes));
		return;
	}
	update_stat(nvg_st_registers_committed, 1);
	LM_DBG("registrar answered %d for %s: %d binding change(s)\n", ps->code, p->aor,
			changes);

	/* the MN sees its own contacts in the 2xx (RFC 3261 10.2.4) */
	for(i = 0; i < nrc; i++) {
		c = rc[i];
		memset(&cp, 0, sizeof(cp));
		if(nvg_tbl_lookup(nvg_table, p->aor, p->user_len, grants[i].token,
				   NVG_TOKEN_LEN, (int64_t)time(NULL) - 1, nvg_copy_uri, &cp)
						!= NVG_LK_FOUND
				|| !cp.found)
			continue;
		s = pkg_malloc(strlen(cp.uri) + 1);
		if(!s) {
			PKG_MEM_ERROR;
			return;
		}
		memcpy(s, cp.uri, strlen(cp.uri) + 1);
		l = del_lump(rpl, c->uri.s - rpl->buf, c->uri.len, HDR_CONTACT_T);
		if(!l || !insert_new_lump_after(l, s, strlen(s), HDR_CONTACT_T)) {
			pkg_free(s);
			LM_ERR("cannot rewrite a Contact of the %d\n", ps->code);
			return;
		}
	}
}

/* ---- requests for the logical URI ------------------------------------------------ */

#define NVG_MAX_HITS NVG_MAX_REQ_CONTACTS

typedef struct nvg_hit {
	char uri[NVG_MAX_URI + 1];
	char sock[NVG_MAX_FIELD + 1];
	int q;
	int64_t modified;
} nvg_hit_t;

typedef struct nvg_hits {
	int n;
	nvg_hit_t h[NVG_MAX_HITS];
} nvg_hits_t;

static int nvg_collect(void *ctx, const nvg_aor_t *a, const nvg_contact_t *c)
{
	nvg_hits_t *hs = ctx;
	nvg_hit_t *x;

	if(hs->n >= NVG_MAX_HITS)
		return 1;
	if(c->uri_len > NVG_MAX_URI || c->sock_len > NVG_MAX_FIELD)
		return 0;
	x = &hs->h[hs->n++];
	memcpy(x->uri, c->uri, c->uri_len + 1);
	memcpy(x->sock, c->sock, c->sock_len + 1);
	x->q = c->q;
	x->modified = c->last_modified;
	return 0;
}

/* highest q first, then the most recently refreshed */
static void nvg_sort_hits(nvg_hits_t *hs)
{
	int i, j;
	nvg_hit_t tmp;

	for(i = 1; i < hs->n; i++) {
		for(j = i; j > 0; j--) {
			nvg_hit_t *a = &hs->h[j - 1], *b = &hs->h[j];
			int qa = a->q < 0 ? 1000 : a->q, qb = b->q < 0 ? 1000 : b->q;
			if(qa > qb || (qa == qb && a->modified >= b->modified))
				break;
			tmp = *a;
			*a = *b;
			*b = tmp;
		}
	}
}

static struct socket_info *nvg_hit_socket(nvg_hit_t *x)
{
	struct socket_info *si = NULL;
	str s;

	if(x->sock[0]) {
		s.s = x->sock;
		s.len = strlen(x->sock);
		si = lookup_local_socket(&s);
	}
	return si ? si : nvg_ingress_sock;
}

/* next hop = a hit (a nested NVG's binding): destination URI and socket */
static int nvg_send_to_hit(sip_msg_t *msg, nvg_hit_t *x)
{
	struct socket_info *si;
	str uri;

	uri.s = x->uri;
	uri.len = strlen(x->uri);
	if(set_dst_uri(msg, &uri) < 0)
		return -3;
	si = nvg_hit_socket(x);
	if(si)
		set_force_socket(msg, si);
	return 1;
}

/* the bindings of user (token: one of them) into hs; NVG_LK_* */
static int nvg_find(const char *user, size_t ulen, const char *tok, size_t toklen,
		nvg_hits_t *hs)
{
	int rc;

	hs->n = 0;
	rc = nvg_tbl_lookup(nvg_table, user, ulen, tok, toklen, (int64_t)time(NULL),
			nvg_collect, hs);
	if(rc == NVG_LK_FOUND && hs->n == 0)
		rc = NVG_LK_NO_CONTACT;
	update_stat(nvg_st_lookups, 1);
	if(rc == NVG_LK_NO_AOR)
		update_stat(nvg_st_lookup_404, 1);
	else if(rc == NVG_LK_NO_CONTACT)
		update_stat(nvg_st_lookup_480, 1);
	else
		nvg_sort_hits(hs);
	return rc;
}

/* nested NVG behind this one: host is <label>.<parent> (not ours) and
 * <label> is the user part of one of our AoRs (that NVG registered through
 * us); fills hs. 1 if host is such a name (rc set), 0 if not. */
static int nvg_nested(const char *host, size_t hlen, nvg_hits_t *hs, int *rc)
{
	nvg_span_t label;

	if(nvg_parent_domain.len <= 0
			|| !nvg_domain_label(host, hlen, nvg_parent_domain.s,
					(size_t)nvg_parent_domain.len, &label))
		return 0;
	if(nvg_span_ieq(label, nvg_own_label.s, (size_t)nvg_own_label.len))
		return 0;
	*rc = nvg_find(label.s, label.len, NULL, 0, hs);
	return 1;
}

int nvg_lookup(sip_msg_t *msg)
{
	static nvg_hits_t hs;
	str ruri, uri;
	nvg_uri_t u;
	nvg_span_t tok;
	struct socket_info *si;
	int rc, i, has_tok;

	if(msg->first_line.type != SIP_REQUEST)
		return -3;
	ruri = *GET_RURI(msg);
	if(nvg_uri_parse(ruri.s, (size_t)ruri.len, &u) != NVG_URI_OK)
		return -3;
	if(!nvg_span_ieq(u.host, nvg_logical_domain.s, (size_t)nvg_logical_domain.len)) {
		/* a nested NVG's logical URI: forward to that NVG, R-URI kept */
		if(!nvg_nested(u.host.s, u.host.len, &hs, &rc))
			return -3;
		if(rc != NVG_LK_FOUND)
			return rc;
		return nvg_send_to_hit(msg, &hs.h[0]);
	}
	if(u.user.len == 0)
		return -3;
	update_stat(nvg_st_logical_hits, 1);
	has_tok = nvg_uri_param(&u, NVG_TOKEN_PARAM, &tok);
	if(has_tok && !nvg_token_valid(tok.s, tok.len)) {
		/* no binding can have this name; is the AoR known? */
		rc = nvg_find(u.user.s, u.user.len, "-", 1, &hs);
		return rc == NVG_LK_FOUND ? NVG_LK_NO_CONTACT : rc;
	}
	rc = nvg_find(u.user.s, u.user.len, has_tok ? tok.s : NULL, has_tok ? tok.len : 0,
			&hs);
	if(rc != NVG_LK_FOUND)
		return rc;
	uri.s = hs.h[0].uri;
	uri.len = strlen(hs.h[0].uri);
	if(rewrite_uri(msg, &uri) < 0) {
		LM_ERR("cannot rewrite the Request-URI\n");
		return -3;
	}
	si = nvg_hit_socket(&hs.h[0]);
	if(si)
		set_force_socket(msg, si);
	for(i = 1; i < hs.n; i++) {
		uri.s = hs.h[i].uri;
		uri.len = strlen(hs.h[i].uri);
		if(append_branch(msg, &uri, NULL, NULL, hs.h[i].q < 0 ? Q_UNSPECIFIED : hs.h[i].q,
				   0, nvg_hit_socket(&hs.h[i]), NULL, 0, NULL, NULL)
				< 0)
			LM_ERR("cannot add a branch for %s\n", hs.h[i].uri);
	}
	return 1;
}

/* in-dialog: the next hop after loose_route() names a nested NVG */
int nvg_gw_resolve_route(sip_msg_t *msg)
{
	static nvg_hits_t hs;
	nvg_uri_t u;
	int rc;

	if(msg->dst_uri.len <= 0)
		return 2;
	if(nvg_uri_parse(msg->dst_uri.s, (size_t)msg->dst_uri.len, &u) != NVG_URI_OK)
		return 2;
	if(!nvg_nested(u.host.s, u.host.len, &hs, &rc))
		return 2;
	if(rc != NVG_LK_FOUND)
		return rc;
	return nvg_send_to_hit(msg, &hs.h[0]);
}

/* ---- Record-Route -------------------------------------------------------------------- */

int nvg_record_route(sip_msg_t *msg)
{
	char ing[160], *buf;
	const char *tr = "";
	struct socket_info *si = nvg_ingress_sock;
	struct lump *l;
	int n, sz = 512;
	str *a;

	if(msg->msg_flags & FL_RR_ADDED) {
		LM_ERR("Record-Route already added to this request\n");
		return -1;
	}
	buf = pkg_malloc(sz);
	if(!buf) {
		PKG_MEM_ERROR;
		return -1;
	}
	if(si) {
		a = &si->address_str;
		if(si->proto == PROTO_TCP)
			tr = ";transport=tcp";
		else if(si->proto == PROTO_TLS)
			tr = ";transport=tls";
		if(si->address.af == AF_INET6)
			snprintf(ing, sizeof(ing), "[%.*s]:%.*s%s", a->len, a->s,
					si->port_no_str.len, si->port_no_str.s, tr);
		else
			snprintf(ing, sizeof(ing), "%.*s:%.*s%s", a->len, a->s,
					si->port_no_str.len, si->port_no_str.s, tr);
		/* toward the side the request goes to first: the entry that side
		 * will use to reach us */
		if(nvg_from_ingress(msg))
			n = snprintf(buf, sz, "Record-Route: <sip:%.*s;r2=on;lr>\r\n"
								  "Record-Route: <sip:%s;r2=on;lr>\r\n",
					nvg_logical_domain.len, nvg_logical_domain.s, ing);
		else
			n = snprintf(buf, sz, "Record-Route: <sip:%s;r2=on;lr>\r\n"
								  "Record-Route: <sip:%.*s;r2=on;lr>\r\n",
					ing, nvg_logical_domain.len, nvg_logical_domain.s);
	} else {
		n = snprintf(buf, sz, "Record-Route: <sip:%.*s;lr>\r\n",
				nvg_logical_domain.len, nvg_logical_domain.s);
	}
	if(n <= 0 || n >= sz) {
		pkg_free(buf);
		return -1;
	}
	/* one lump per Record-Route entry: tm counts them (TM_UAC_FLAG_RR/R2),
	 * so the dialog module leaves both out of the callee's route set */
	{
		char *second = memchr(buf, '\n', n);
		int n1 = second ? (int)(second - buf) + 1 : n;
		char *b2 = NULL;
		if(n1 < n) {
			b2 = pkg_malloc(n - n1);
			if(!b2) {
				PKG_MEM_ERROR;
				pkg_free(buf);
				return -1;
			}
			memcpy(b2, buf + n1, n - n1);
		}
		l = anchor_lump(msg, msg->headers->name.s - msg->buf, 0, HDR_RECORDROUTE_T);
		if(!l || !insert_new_lump_before(l, buf, n1, HDR_RECORDROUTE_T)) {
			LM_ERR("cannot insert the Record-Route headers\n");
			pkg_free(buf);
			if(b2)
				pkg_free(b2);
			return -1;
		}
		if(b2) {
			l = anchor_lump(msg, msg->headers->name.s - msg->buf, 0, HDR_RECORDROUTE_T);
			if(!l || !insert_new_lump_before(l, b2, n - n1, HDR_RECORDROUTE_T)) {
				LM_ERR("cannot insert the second Record-Route header\n");
				pkg_free(b2);
				return -1;
			}
		}
	}
	msg->msg_flags |= FL_RR_ADDED;
	return 1;
}

/* ---- timer ---------------------------------------------------------------------------- */

void nvg_gw_timer(time_t now)
{
	int n;

	if(!nvg_table)
		return;
	n = nvg_tbl_expire(nvg_table, (int64_t)now, NULL, NULL);
	if(n > 0) {
		update_stat(nvg_st_expired, n);
		LM_DBG("%d binding(s) expired\n", n);
	}
	if(nvg_db_enabled())
		nvg_db_expire(now);
}
