/*
 * nvg module - network handoff (gateway role, flow 3 of DESIGN.md).
 *
 *  - egress address tracking: a process forked by the module watches the
 *    egress interface (modparam egress_if) through rtnetlink
 *    (RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR); `nvg.handoff [address]`
 *    posts a change too. A burst of changes is coalesced (nvg_coalesce.c)
 *    into one handoff. The current egress address lives in shared memory;
 *    Kamailio itself stays bound to a stable inner address, so no socket
 *    ever goes away and nothing restarts.
 *  - per message: nvg_egress() advertises the current egress address in
 *    Via (msg->set_global_address/port), sends from the inner socket of the
 *    current address family and, for new requests, to the outbound proxy of
 *    that family; nvg_sdp_egress() rewrites c=/o= of MN SDP (nvg_sdp.c).
 *  - on a handoff: the DNAT conntrack entries toward the inner address are
 *    deleted (ctnetlink), exactly one REGISTER of the NVG's AoR is sent
 *    (nvg_selfreg.c, HOTP-authenticated) and right behind it, without
 *    waiting for its answer (modparam handoff_parallel, default 1; 0: on
 *    the REGISTER's 2xx), exactly one INVITE carrying the URI list of the
 *    active dialogs (docs/handoff-list.md); entries not answered 200 (or
 *    all of them when the list request fails) fall back to one re-INVITE
 *    per dialog. The handoff is done when the REGISTER got its 2xx and the
 *    list (and any fallback) its answers.
 *
 * Every SIP request of a handoff is sent by the watcher process; tm
 * callbacks in the workers only record the outcome in shared memory and
 * wake the watcher through an eventfd.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <unistd.h>
#include <poll.h>
#include <time.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/ut.h"
#include "core/pt.h"
#include "core/globals.h"
#include "core/locking.h"
#include "core/data_lump.h"
#include "core/mem/shm_mem.h"
#include "core/cfg/cfg_struct.h"
#include "core/socket_info.h"
#include "core/tcp_conn.h"
#include "core/pass_fd.h"
#include "core/resolve.h"
#include "core/parser/parse_uri.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_rr.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_content.h"
#include "modules/tm/dlg.h"
#include "modules/tm/t_hooks.h"
#include "modules/tm/h_table.h"

#include "nvg.h"
#include "nvg_dlg.h"
#include "nvg_sdp.h"
#include "nvg_hlist.h"
#include "nvg_coalesce.h"
#include "nvg_otp.h"

/* ---- parameters ------------------------------------------------------------ */
str nvg_egress_if = STR_NULL;
int nvg_coalesce_ms = 10;
int nvg_max_wait_ms = 500;
int nvg_egress_port = 0;
str nvg_reg_socket6 = STR_NULL;
str nvg_reg_proxy6 = STR_NULL;
int nvg_ct_flush = 1;
int nvg_handoff_list = 1;
int nvg_handoff_parallel = 1;
str nvg_handoff_uri = STR_NULL;
str nvg_hotp_user = STR_NULL;
str nvg_hotp_realm = STR_NULL;
str nvg_hotp_secret_file = STR_NULL;
str nvg_hotp_counter_file = STR_NULL;
int nvg_hotp_digits = 6;

struct socket_info *nvg_inner4 = NULL;
struct socket_info *nvg_inner6 = NULL;

stat_var *nvg_st_handoffs = 0;
stat_var *nvg_st_coalesced = 0;
stat_var *nvg_st_list_failures = 0;
stat_var *nvg_st_fallbacks = 0;
stat_var *nvg_st_list_entries = 0;
stat_var *nvg_st_sdp_rewritten = 0;
stat_var *nvg_st_dialogs_untracked = 0;

enum { HO_IDLE = 0, HO_REGISTERING, HO_LISTING, HO_FALLBACK, HO_FAILED };
static const char *ho_state_name[] = {"idle", "registering", "listing", "fallback", "failed"};

typedef struct nvg_ho {
	gen_lock_t lock;
	/* current egress address */
	int af;           /* 0 unknown, 4, 6 */
	char addr[INET6_ADDRSTRLEN + 1];
	char old_addr[INET6_ADDRSTRLEN + 1];
	int old_af;
	unsigned int addr_ver;
	/* the handoff in progress / the last one */
	int state;
	unsigned int gen;
	int64_t t_change, t_start, t_reg, t_list, t_done;
	int last_ms;
	int last_reg_code, last_list_code;
	int via_list;      /* entries moved by the list */
	int via_fallback;  /* re-INVITEs sent */
	int fallback_out;  /* re-INVITEs without a final response yet */
	int fallback_fail; /* re-INVITEs answered non-2xx */
	char last_error[160];
	/* to the watcher */
	int rpc_req;
	int rpc_af;
	char rpc_addr[INET6_ADDRSTRLEN + 1];
	int reg_done;
	int list_done;
	int reg_ok;        /* this handoff's REGISTER got a 2xx */
	int list_sent;     /* the list part has begun (no second one) */
	int list_fin;      /* the list part (and fallbacks) finished */
	int reg_resend;    /* to the watcher: send the REGISTER again now */
	int reg_retried;   /* this handoff resent its REGISTER once */
	char fin_how[64];
	/* the list of the current handoff (shm) */
	nvg_hl_entry_t *ents;
	int nents;
	/* ids of the last connections to Proxy 1 a handoff closed (their
	 * tcp:closed events are not a lost connection) */
	volatile int closed_ids[8];
	volatile unsigned int closed_n;
	volatile unsigned int conn_lost; /* lost connections to Proxy 1 seen */
} nvg_ho_t;

static nvg_ho_t *nvg_ho = NULL;
static int nvg_ho_efd = -1;
static nvg_otp_key_t nvg_otp_key;
static int nvg_otp_on = 0;
static char nvg_huri_buf[NVG_MAX_HOST + 32];
static char nvg_hotp_user_buf[128];
static char nvg_hotp_realm_buf[NVG_MAX_HOST + 1];

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ho_wake(void)
{
	uint64_t one = 1;
	if(nvg_ho_efd >= 0 && write(nvg_ho_efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		LM_ERR("cannot wake the egress watcher: %s\n", strerror(errno));
}

int nvg_ho_enabled(void)
{
	return nvg_ho != NULL;
}

/* ---- current egress address ------------------------------------------------ */

int nvg_ho_egress(char *buf, int cap, int *af)
{
	int a;
	if(!nvg_ho)
		return 0;
	lock_get(&nvg_ho->lock);
	a = nvg_ho->af;
	if(a && buf)
		snprintf(buf, cap, "%s", nvg_ho->addr);
	lock_release(&nvg_ho->lock);
	if(af)
		*af = a;
	return a;
}

int nvg_ho_port(void)
{
	struct socket_info *si = nvg_inner4 ? nvg_inner4 : nvg_inner6;
	if(nvg_egress_port > 0)
		return nvg_egress_port;
	return si ? si->port_no : 5060;
}

struct socket_info *nvg_ho_socket(int af)
{
	if(af == 6 && nvg_inner6)
		return nvg_inner6;
	if(af == 4 && nvg_inner4)
		return nvg_inner4;
	return nvg_inner4 ? nvg_inner4 : nvg_inner6;
}

str *nvg_ho_proxy(int af)
{
	if(af == 6 && nvg_reg_proxy6.len > 0)
		return &nvg_reg_proxy6;
	return &nvg_reg_proxy;
}

/* the current egress address is one of our names (loose_route) */
int nvg_ho_is_egress(str *host)
{
	char a[INET6_ADDRSTRLEN + 1];
	int af, len;
	const char *h;

	if(!nvg_ho || !host || !host->s || host->len <= 0)
		return 0;
	if(!nvg_ho_egress(a, sizeof(a), &af))
		return 0;
	h = host->s;
	len = host->len;
	if(len > 2 && h[0] == '[' && h[len - 1] == ']') {
		h++;
		len -= 2;
	}
	return len == (int)strlen(a) && strncasecmp(h, a, len) == 0;
}

/* sets the advertised address of a local request sent from this process */
static char ho_gaddr[INET6_ADDRSTRLEN + 3];
static char ho_gport[8];
static str ho_saved_addr, ho_saved_port;

void nvg_ho_advertise_begin(void)
{
	char a[INET6_ADDRSTRLEN + 1];
	int af;

	ho_saved_addr = default_global_address;
	ho_saved_port = default_global_port;
	if(!nvg_ho_egress(a, sizeof(a), &af))
		return;
	snprintf(ho_gaddr, sizeof(ho_gaddr), af == 6 ? "[%s]" : "%s", a);
	snprintf(ho_gport, sizeof(ho_gport), "%d", nvg_ho_port());
	default_global_address.s = ho_gaddr;
	default_global_address.len = strlen(ho_gaddr);
	default_global_port.s = ho_gport;
	default_global_port.len = strlen(ho_gport);
}

void nvg_ho_advertise_end(void)
{
	default_global_address = ho_saved_addr;
	default_global_port = ho_saved_port;
}

/* ---- HOTP credential --------------------------------------------------------- */

int nvg_ho_auth_hdr(const char *hname, char *out, int cap)
{
	char err[256];
	uint64_t c;
	int n;

	if(!nvg_otp_on)
		return 0;
	if(nvg_otp_next(nvg_hotp_counter_file.s, &c, err, sizeof(err)) < 0) {
		LM_ERR("HOTP counter: %s (request sent without credential)\n", err);
		return -1;
	}
	n = nvg_otp_header(hname, nvg_hotp_user.s, nvg_hotp_realm.s, &nvg_otp_key, c, out,
			(size_t)cap);
	if(n < 0) {
		LM_ERR("cannot build the %s header\n", hname);
		return -1;
	}
	return n;
}

/* ---- conntrack --------------------------------------------------------------- */

/* deletes every conntrack entry whose original source or reply source is
 * addr (the DNAT entries of inbound SIP to the inner address keep the old
 * egress address otherwise); returns the number deleted or -1 */
static int ct_flush_addr(struct socket_info *si)
{
	char buf[16384], req[1024];
	struct sockaddr_nl sa;
	struct nlmsghdr *nh;
	struct nfgenmsg *nf;
	int fd, n, del = 0, done = 0, fam, alen, i;
	unsigned int seq = (unsigned int)time(NULL);
	/* original tuples of the entries to delete */
	char (*tuples)[256] = NULL;
	int *tlens = NULL, nt = 0, cap = 0;

	if(!si)
		return 0;
	fam = si->address.af;
	alen = fam == AF_INET ? 4 : 16;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if(fd < 0) {
		LM_ERR("conntrack: netlink socket: %s\n", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	memset(req, 0, sizeof(req));
	nh = (struct nlmsghdr *)req;
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(struct nfgenmsg));
	nh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nh->nlmsg_seq = ++seq;
	nf = NLMSG_DATA(nh);
	nf->nfgen_family = (uint8_t)fam;
	nf->version = NFNETLINK_V0;
	if(sendto(fd, req, nh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		LM_ERR("conntrack: dump request: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	while(!done) {
		n = recv(fd, buf, sizeof(buf), 0);
		if(n < 0) {
			if(errno == EINTR)
				continue;
			LM_ERR("conntrack: dump: %s\n", strerror(errno));
			break;
		}
		for(nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned)n); nh = NLMSG_NEXT(nh, n)) {
			struct nlattr *a;
			int rem, match = 0;
			char *orig = NULL;
			int origlen = 0;
			if(nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			a = (struct nlattr *)((char *)NLMSG_DATA(nh) + NLMSG_ALIGN(sizeof(struct nfgenmsg)));
			rem = (int)nh->nlmsg_len - NLMSG_LENGTH(sizeof(struct nfgenmsg));
			for(; rem >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) && a->nla_len <= rem;
					rem -= NLA_ALIGN(a->nla_len),
					a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
				int t = a->nla_type & NLA_TYPE_MASK;
				struct nlattr *ip, *x;
				int r2, r3;
				if(t != CTA_TUPLE_ORIG && t != CTA_TUPLE_REPLY)
					continue;
				if(t == CTA_TUPLE_ORIG) {
					orig = (char *)a;
					origlen = a->nla_len;
				}
				/* tuple -> CTA_TUPLE_IP -> CTA_IP_V4_SRC / CTA_IP_V6_SRC */
				ip = (struct nlattr *)((char *)a + NLA_HDRLEN);
				for(r2 = a->nla_len - NLA_HDRLEN;
						r2 >= (int)sizeof(*ip) && ip->nla_len >= sizeof(*ip) && ip->nla_len <= r2;
						r2 -= NLA_ALIGN(ip->nla_len),
						ip = (struct nlattr *)((char *)ip + NLA_ALIGN(ip->nla_len))) {
					if((ip->nla_type & NLA_TYPE_MASK) != CTA_TUPLE_IP)
						continue;
					x = (struct nlattr *)((char *)ip + NLA_HDRLEN);
					for(r3 = ip->nla_len - NLA_HDRLEN;
							r3 >= (int)sizeof(*x) && x->nla_len >= sizeof(*x) && x->nla_len <= r3;
							r3 -= NLA_ALIGN(x->nla_len),
							x = (struct nlattr *)((char *)x + NLA_ALIGN(x->nla_len))) {
						int xt = x->nla_type & NLA_TYPE_MASK;
						if((xt == CTA_IP_V4_SRC || xt == CTA_IP_V6_SRC)
								&& x->nla_len == NLA_HDRLEN + alen
								&& memcmp((char *)x + NLA_HDRLEN, si->address.u.addr, alen) == 0)
							match = 1;
					}
				}
			}
			if(match && orig && origlen <= 256) {
				if(nt == cap) {
					int nc = cap ? cap * 2 : 64;
					void *p1 = realloc(tuples, (size_t)nc * 256), *p2;
					if(!p1)
						break;
					tuples = p1;
					p2 = realloc(tlens, (size_t)nc * sizeof(int));
					if(!p2)
						break;
					tlens = p2;
					cap = nc;
				}
				memcpy(tuples[nt], orig, origlen);
				tlens[nt++] = origlen;
			}
		}
	}
	for(i = 0; i < nt; i++) {
		memset(req, 0, sizeof(req));
		nh = (struct nlmsghdr *)req;
		nh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;
		nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		nh->nlmsg_seq = ++seq;
		nf = NLMSG_DATA(nh);
		nf->nfgen_family = (uint8_t)fam;
		nf->version = NFNETLINK_V0;
		memcpy(req + NLMSG_LENGTH(sizeof(struct nfgenmsg)), tuples[i], tlens[i]);
		nh->nlmsg_len = NLMSG_LENGTH(sizeof(struct nfgenmsg)) + NLA_ALIGN(tlens[i]);
		if(sendto(fd, req, nh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if(n >= (int)NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
			struct nlmsghdr *r = (struct nlmsghdr *)buf;
			if(r->nlmsg_type == NLMSG_ERROR
					&& ((struct nlmsgerr *)NLMSG_DATA(r))->error == 0)
				del++;
		}
	}
	free(tuples);
	free(tlens);
	close(fd);
	return del;
}

/* ---- interface addresses --------------------------------------------------- */

/* a usable (global) address of egress_if: prefer `hint` if still present,
 * else the first IPv4, else the first IPv6 one. 1 found, 0 none. */
static int egress_read(const char *hint, char *out, int cap, int *af)
{
	struct ifaddrs *ifa, *i;
	char a[INET6_ADDRSTRLEN + 1], first4[INET6_ADDRSTRLEN + 1] = "",
			first6[INET6_ADDRSTRLEN + 1] = "";
	int found = 0;

	if(getifaddrs(&ifa) < 0) {
		LM_ERR("getifaddrs: %s\n", strerror(errno));
		return 0;
	}
	for(i = ifa; i; i = i->ifa_next) {
		if(!i->ifa_addr || !i->ifa_name || strcmp(i->ifa_name, nvg_egress_if.s) != 0)
			continue;
		if(i->ifa_addr->sa_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof(a));
			if(!first4[0])
				strcpy(first4, a);
		} else if(i->ifa_addr->sa_family == AF_INET6) {
			struct in6_addr *x = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			if(IN6_IS_ADDR_LINKLOCAL(x))
				continue;
			inet_ntop(AF_INET6, x, a, sizeof(a));
			if(!first6[0])
				strcpy(first6, a);
		} else {
			continue;
		}
		if(hint && hint[0] && strcmp(hint, a) == 0) {
			snprintf(out, cap, "%s", a);
			*af = strchr(a, ':') ? 6 : 4;
			found = 1;
			break;
		}
	}
	freeifaddrs(ifa);
	if(found)
		return 1;
	if(first4[0]) {
		snprintf(out, cap, "%s", first4);
		*af = 4;
		return 1;
	}
	if(first6[0]) {
		snprintf(out, cap, "%s", first6);
		*af = 6;
		return 1;
	}
	return 0;
}

static void ho_set_addr(const char *a, int af)
{
	lock_get(&nvg_ho->lock);
	if(nvg_ho->af) {
		memcpy(nvg_ho->old_addr, nvg_ho->addr, sizeof(nvg_ho->old_addr));
		nvg_ho->old_af = nvg_ho->af;
	}
	snprintf(nvg_ho->addr, sizeof(nvg_ho->addr), "%s", a);
	nvg_ho->af = af;
	nvg_ho->addr_ver++;
	lock_release(&nvg_ho->lock);
}

/* "sip:<user>@<old address>:<port>" of the previous egress address, for
 * the expires=0 of the handoff REGISTER; 0 when none */
int nvg_ho_old_contact(const str *user, char *buf, int cap)
{
	int n = 0;
	if(!nvg_ho)
		return 0;
	lock_get(&nvg_ho->lock);
	if(nvg_ho->old_af && strcmp(nvg_ho->old_addr, nvg_ho->addr) != 0)
		n = snprintf(buf, cap, nvg_ho->old_af == 6 ? "sip:%.*s@[%s]:%d" : "sip:%.*s@%s:%d",
				user->len, user->s, nvg_ho->old_addr, nvg_ho_port());
	lock_release(&nvg_ho->lock);
	return (n > 0 && n < cap) ? n : 0;
}

/* ---- the handoff ------------------------------------------------------------- */

static void ho_finish(const char *how)
{
	int64_t t = now_ms();
	int reg_ms, list_ms, start_ms;
	lock_get(&nvg_ho->lock);
	if(nvg_ho->state == HO_IDLE) { /* finished already (last answer raced) */
		lock_release(&nvg_ho->lock);
		return;
	}
	if(!nvg_ho->reg_ok) {
		/* the list part is done; the handoff ends with the REGISTER's 2xx
		 * (nvg_ho_registered) */
		nvg_ho->list_fin = 1;
		snprintf(nvg_ho->fin_how, sizeof(nvg_ho->fin_how), "%s", how);
		nvg_ho->state = HO_REGISTERING;
		lock_release(&nvg_ho->lock);
		LM_INFO("handoff %u: %s; waiting for the REGISTER's 2xx\n", nvg_ho->gen, how);
		return;
	}
	nvg_ho->t_done = t;
	nvg_ho->last_ms = (int)(t - nvg_ho->t_change);
	nvg_ho->state = HO_IDLE;
	start_ms = (int)(nvg_ho->t_start - nvg_ho->t_change);
	reg_ms = nvg_ho->t_reg ? (int)(nvg_ho->t_reg - nvg_ho->t_change) : -1;
	list_ms = nvg_ho->t_list ? (int)(nvg_ho->t_list - nvg_ho->t_change) : -1;
	lock_release(&nvg_ho->lock);
	LM_INFO("handoff %u to %s done in %d ms (%s): %d dialogs moved by the list, %d "
			"re-INVITEs; from the change: sent at %d ms, REGISTER 2xx at %d ms, list "
			"answer at %d ms\n", nvg_ho->gen, nvg_ho->addr, nvg_ho->last_ms, how,
			nvg_ho->via_list, nvg_ho->via_fallback, start_ms, reg_ms, list_ms);
}

static void ho_send_list(void);

/* address change -> REGISTER (+ the list) */
/* A TCP/TLS connection to Proxy 1 (outbound_proxy with ;transport=tls or
 * tcp) was opened from the old egress address: after a move its packets
 * leave with a source address that is gone (or, once conntrack forgets it,
 * another one Proxy 1 resets). Close it before the handoff's first send,
 * so the REGISTER and the list open a new connection from the new address.
 * Marking it bad first makes every later lookup skip it at once (tcp_main
 * closes it asynchronously, as for tcpops' tcp_close_connection()). */
/* Proxy 1's address and port from a TLS or TCP outbound_proxy URI given as
 * an IP address: 1, or 0 (not a connection-oriented proxy by address) */
static int ho_home_peer(str *proxy, struct ip_addr *ip, int *port, char *host, int hcap)
{
	struct sip_uri u;
	struct ip_addr *a;

	if(proxy == NULL || proxy->len <= 0 || parse_uri(proxy->s, proxy->len, &u) < 0)
		return 0;
	if(u.proto != PROTO_TLS && u.proto != PROTO_TCP && u.type != SIPS_URI_T)
		return 0;
	if(u.host.len <= 0 || u.host.len >= hcap)
		return 0;
	memcpy(host, u.host.s, u.host.len);
	host[u.host.len] = 0;
	a = str2ip(&u.host);
	if(a == NULL)
		a = str2ip6(&u.host);
	if(a == NULL)
		return 0;
	*ip = *a;
	*port = u.port_no ? u.port_no
					  : ((u.proto == PROTO_TLS || u.type == SIPS_URI_T) ? SIPS_PORT : SIP_PORT);
	return 1;
}

static int ho_close_home_conn(str *proxy)
{
	struct ip_addr ip;
	struct tcp_connection *c;
	long mcmd[2];
	int port, n = 0;
	char host[INET6_ADDRSTRLEN + 3];

	if(!ho_home_peer(proxy, &ip, &port, host, (int)sizeof(host)))
		return 0;
	while(n < 8 && (c = tcpconn_get(0, &ip, port, NULL, 0)) != NULL) {
		lock_get(&nvg_ho->lock);
		nvg_ho->closed_ids[nvg_ho->closed_n++ % 8] = c->id;
		lock_release(&nvg_ho->lock);
		c->state = S_CONN_BAD;
		c->flags |= F_CONN_FORCE_EOF;
		c->send_flags.f |= SND_F_CON_CLOSE;
		mcmd[0] = (long)c;
		mcmd[1] = CONN_EOF; /* tcp_main drops our reference and closes it */
		if(send_all(unix_tcp_sock, mcmd, sizeof(mcmd)) <= 0) {
			LM_ERR("could not ask tcp_main to close the connection to %s:%d\n", host, port);
			tcpconn_put(c);
			break;
		}
		n++;
	}
	if(n > 0)
		LM_INFO("handoff: %d connection(s) to %s:%d from the old egress address closed\n",
				n, host, port);
	return n;
}

/* event_route[tcp:closed|timeout|reset]: the connection that went away is
 * the one to Proxy 1 (TLS or TCP outbound_proxy) and no handoff closed it:
 * Proxy 1 restarted, TCP keep-alive found the path dead, or an idle
 * timeout. Home's requests to the NVG ride that connection (proxy1.cfg
 * aliases it to the NVG's contact), so the own REGISTER opens the next one
 * register_retry s later instead of at the next refresh. 1: ours, REGISTER asked for; 2: one a
 * handoff closed; -1: another connection */
int nvg_ho_conn_closed(sip_msg_t *msg)
{
	struct ip_addr ip;
	int port, i, af;
	char host[INET6_ADDRSTRLEN + 3];
	str *proxy;

	if(nvg_ho == NULL || msg == NULL
			|| (msg->rcv.proto != PROTO_TLS && msg->rcv.proto != PROTO_TCP))
		return -1;
	for(af = 4; af <= 6; af += 2) {
		proxy = af == 4 ? &nvg_reg_proxy : &nvg_reg_proxy6;
		if(!ho_home_peer(proxy, &ip, &port, host, (int)sizeof(host)))
			continue;
		if(port != msg->rcv.src_port || !ip_addr_cmp(&ip, &msg->rcv.src_ip))
			continue;
		/* no lock: this runs in tcp_main, which a lock holder may be waiting
		 * for (a send that opens a connection); the handoff stored the id
		 * before asking tcp_main to close the connection */
		for(i = 0; i < 8 && i < (int)nvg_ho->closed_n; i++)
			if(nvg_ho->closed_ids[i] == msg->rcv.proto_reserved1)
				break;
		if(i < 8 && i < (int)nvg_ho->closed_n) {
			LM_DBG("connection %d to %s:%d: closed by a handoff\n",
					msg->rcv.proto_reserved1, host, port);
			return 2;
		}
		nvg_ho->conn_lost++;
		LM_NOTICE("connection %d to Proxy 1 (%s:%d) lost: own REGISTER in %d s to open "
				  "a new one\n", msg->rcv.proto_reserved1, host, port, nvg_reg_retry);
		nvg_selfreg_conn_lost();
		return 1;
	}
	return -1;
}

static void ho_start(int64_t t_change, unsigned int coalesced, const char *forced, int faf,
		const char *hint)
{
	char a[INET6_ADDRSTRLEN + 1], cur[INET6_ADDRSTRLEN + 1];
	int af = 0, caf = 0, d;

	if(forced && forced[0]) {
		snprintf(a, sizeof(a), "%s", forced);
		af = faf;
	} else if(!egress_read(hint, a, sizeof(a), &af)) {
		LM_WARN("egress interface %s has no usable address: handoff waits for one\n",
				nvg_egress_if.s ? nvg_egress_if.s : "(none)");
		update_stat(nvg_st_coalesced, coalesced + 1);
		return;
	}
	nvg_ho_egress(cur, sizeof(cur), &caf);
	if(!forced && caf == af && strcmp(cur, a) == 0) {
		/* the burst ended where it began: nothing moved */
		LM_INFO("egress address %s unchanged after %u change(s): no handoff\n", a,
				coalesced + 1);
		update_stat(nvg_st_coalesced, coalesced + 1);
		return;
	}
	ho_set_addr(a, af);
	update_stat(nvg_st_handoffs, 1);
	update_stat(nvg_st_coalesced, coalesced);
	if(nvg_ct_flush) {
		d = ct_flush_addr(nvg_inner4);
		if(nvg_inner6) {
			int d6 = ct_flush_addr(nvg_inner6);
			if(d6 > 0)
				d = (d < 0 ? 0 : d) + d6;
		}
		LM_DBG("conntrack: %d entries toward the inner address deleted\n", d);
	}
	lock_get(&nvg_ho->lock);
	nvg_ho->gen++;
	nvg_ho->state = HO_REGISTERING;
	nvg_ho->t_change = t_change;
	nvg_ho->t_start = now_ms();
	nvg_ho->t_reg = nvg_ho->t_list = nvg_ho->t_done = 0;
	nvg_ho->via_list = nvg_ho->via_fallback = nvg_ho->fallback_out = 0;
	nvg_ho->fallback_fail = 0;
	nvg_ho->last_reg_code = nvg_ho->last_list_code = 0;
	nvg_ho->last_error[0] = 0;
	nvg_ho->reg_ok = nvg_ho->list_fin = nvg_ho->reg_done = 0;
	nvg_ho->reg_resend = nvg_ho->reg_retried = 0;
	nvg_ho->fin_how[0] = 0;
	/* in parallel mode the list goes right behind the REGISTER: a 2xx to
	 * the REGISTER must not start a second one */
	nvg_ho->list_sent = nvg_handoff_parallel;
	lock_release(&nvg_ho->lock);
	LM_INFO("handoff %u: egress address %s -> %s (%u change(s) coalesced)\n",
			nvg_ho->gen, cur[0] ? cur : "(none)", a, coalesced + 1);
	/* TLS (or TCP) toward Proxy 1: a new connection from the new address */
	if(unix_tcp_sock >= 0) {
		ho_close_home_conn(&nvg_reg_proxy);
		ho_close_home_conn(&nvg_reg_proxy6);
	}
	/* the REGISTER first: its OTP (counter c) leaves before the list's
	 * (c + 1), and Proxy 1 checks one identity's OTPs in arrival order */
	if(nvg_selfreg_send_sync() < 0) {
		lock_get(&nvg_ho->lock);
		snprintf(nvg_ho->last_error, sizeof(nvg_ho->last_error),
				"REGISTER could not be sent; retried by the registration timer");
		lock_release(&nvg_ho->lock);
	}
	/* the list does not wait for the REGISTER's answer: Proxy 2 takes the
	 * new media address from the list itself (docs/handoff-list.md) */
	if(nvg_handoff_parallel)
		ho_send_list();
}

/* selfreg callback (a worker): the REGISTER got its final answer */
void nvg_ho_registered(int code)
{
	int wake = 0, fin = 0;
	char how[64];

	if(!nvg_ho)
		return;
	lock_get(&nvg_ho->lock);
	if(nvg_ho->state != HO_IDLE && !nvg_ho->reg_ok) {
		nvg_ho->last_reg_code = code;
		if(code >= 200 && code < 300) {
			nvg_ho->t_reg = now_ms();
			nvg_ho->reg_ok = 1;
			if(!nvg_ho->list_sent) {
				/* handoff_parallel 0: the list now */
				nvg_ho->list_sent = 1;
				nvg_ho->reg_done = 1;
				wake = 1;
			} else if(nvg_ho->list_fin) {
				fin = 1;
				memcpy(how, nvg_ho->fin_how, sizeof(how));
			}
		} else if(nvg_handoff_parallel && !nvg_ho->reg_retried
				  && (code == 401 || code == 403 || code == 407)) {
			/* with the list sent right behind it, the REGISTER's OTP (c)
			 * can be refused as a replay if an authenticating proxy checked
			 * the list's (c + 1) first (Proxy 1's hotp_auth keeps arrival
			 * order; two requests arriving within the same instant can
			 * still swap): once per handoff, a fresh REGISTER at once */
			nvg_ho->reg_retried = 1;
			nvg_ho->reg_resend = 1;
			wake = 1;
			snprintf(nvg_ho->last_error, sizeof(nvg_ho->last_error),
					"REGISTER answered %d; sent again with a fresh OTP", code);
		} else {
			/* the registration timer retries; the handoff ends with the
			 * first 2xx (the list goes on meanwhile) */
			snprintf(nvg_ho->last_error, sizeof(nvg_ho->last_error),
					"REGISTER answered %d; waiting for the retry", code);
		}
	}
	lock_release(&nvg_ho->lock);
	if(wake)
		ho_wake();
	if(fin)
		ho_finish(how);
}

static void ho_list_cb(tm_cell_t *t, int type, struct tmcb_params *ps);
static void ho_reinv_cb(tm_cell_t *t, int type, struct tmcb_params *ps);

static int ho_send_fallbacks(void);

/* the list INVITE, right behind the REGISTER (or on its 2xx with
 * handoff_parallel 0): watcher process */
static void ho_send_list(void)
{
	static str method = str_init("INVITE");
	char a[INET6_ADDRSTRLEN + 1], boundary[40], callid[80], ftag[24], auth[512];
	char *hdrs = NULL, *body = NULL;
	nvg_hl_entry_t *ents;
	uac_req_t uac_r;
	dlg_t dlg;
	str h, b;
	int n, af, blen, hl, cap, rc;
	unsigned int gen;

	{
		int all = 0, conf = 0;
		nvg_dlg_counts(&all, &conf);
		/* room for the dialogs confirmed now and a few confirmed meanwhile */
		n = conf + 64 < nvg_max_dialogs ? conf + 64 : nvg_max_dialogs;
	}
	ents = shm_malloc(sizeof(*ents) * (n > 0 ? n : 1));
	if(!ents) {
		SHM_MEM_ERROR;
		return;
	}
	n = nvg_dlg_snapshot(ents, n);
	lock_get(&nvg_ho->lock);
	if(nvg_ho->ents)
		shm_free(nvg_ho->ents);
	nvg_ho->ents = ents;
	nvg_ho->nents = n;
	gen = nvg_ho->gen;
	lock_release(&nvg_ho->lock);
	if(n == 0) {
		ho_finish("no active dialogs, no list");
		return;
	}
	if(!nvg_handoff_list) {
		lock_get(&nvg_ho->lock);
		nvg_ho->state = HO_FALLBACK;
		lock_release(&nvg_ho->lock);
		if(ho_send_fallbacks() == 0)
			ho_finish("nothing to re-INVITE");
		return;
	}
	if(!nvg_ho_egress(a, sizeof(a), &af))
		return;
	snprintf(boundary, sizeof(boundary), "nvg-ho-%08x%08x", (unsigned)rand(), gen);
	snprintf(callid, sizeof(callid), "nvg-ho-%u-%08x%08x-%d", gen, (unsigned)time(NULL),
			(unsigned)rand(), (int)getpid());
	snprintf(ftag, sizeof(ftag), "%08x%04x", (unsigned)rand(), gen & 0xffff);
	cap = n * (3 * NVG_HL_TAG_MAX + NVG_HL_CALLID_MAX + NVG_HL_URI_MAX + 200) + 2048;
	body = malloc(cap);
	hdrs = malloc(2048);
	if(!body || !hdrs) {
		LM_ERR("out of memory for the handoff list (%d entries)\n", n);
		goto fail;
	}
	blen = nvg_hl_build(ents, n, af, a, boundary, (uint64_t)time(NULL), gen, body, cap);
	if(blen < 0) {
		LM_ERR("cannot build the handoff list: %s\n", nvg_hl_strerror(blen));
		goto fail;
	}
	hl = snprintf(hdrs, 2048,
			af == 6 ? "Contact: <sip:%.*s@[%s]:%d>\r\n" : "Contact: <sip:%.*s@%s:%d>\r\n",
			nvg_own_label.len, nvg_own_label.s, a, nvg_ho_port());
	hl += snprintf(hdrs + hl, 2048 - hl,
			"Require: recipient-list-invite\r\n"
			"Content-Type: multipart/mixed;boundary=%s\r\n",
			boundary);
	rc = nvg_ho_auth_hdr("Proxy-Authorization", auth, sizeof(auth));
	if(rc > 0 && hl + rc < 2048) {
		memcpy(hdrs + hl, auth, rc);
		hl += rc;
	}
	h.s = hdrs;
	h.len = hl;
	b.s = body;
	b.len = blen;

	memset(&dlg, 0, sizeof(dlg));
	dlg.id.call_id.s = callid;
	dlg.id.call_id.len = strlen(callid);
	dlg.id.loc_tag.s = ftag;
	dlg.id.loc_tag.len = strlen(ftag);
	dlg.loc_seq.value = 0; /* tm makes it 1 */
	dlg.loc_seq.is_set = 1;
	dlg.loc_uri = nvg_reg_aor;
	dlg.rem_uri = nvg_handoff_uri;
	dlg.rem_target = nvg_handoff_uri;
	dlg.dst_uri = *nvg_ho_proxy(af);
	dlg.state = DLG_CONFIRMED;
	dlg.send_sock = nvg_ho_socket(af);

	set_uac_req(&uac_r, &method, &h, &b, &dlg, TMCB_LOCAL_COMPLETED, ho_list_cb,
			(void *)(long)gen);
	lock_get(&nvg_ho->lock);
	nvg_ho->state = HO_LISTING;
	lock_release(&nvg_ho->lock);
	nvg_ho_advertise_begin();
	rc = nvg_tmb.t_request_within(&uac_r);
	nvg_ho_advertise_end();
	if(rc < 0) {
		LM_ERR("handoff %u: cannot send the list INVITE\n", gen);
		goto fail;
	}
	update_stat(nvg_st_list_entries, n);
	LM_INFO("handoff %u: list INVITE with %d dialogs sent to %.*s\n", gen, n,
			nvg_handoff_uri.len, nvg_handoff_uri.s);
	free(body);
	free(hdrs);
	return;
fail:
	free(body);
	free(hdrs);
	update_stat(nvg_st_list_failures, 1);
	lock_get(&nvg_ho->lock);
	nvg_ho->state = HO_FALLBACK;
	lock_release(&nvg_ho->lock);
	if(ho_send_fallbacks() == 0)
		ho_finish("list not sent, nothing to re-INVITE");
}

/* a worker: the list INVITE's final answer */
static void ho_list_cb(tm_cell_t *t, int type, struct tmcb_params *ps)
{
	sip_msg_t *rpl = ps->rpl;
	unsigned int gen = (unsigned int)(long)(*ps->param);
	char err[160] = "";
	char *body, *x;
	int len = 0, rc, i, moved = 0;

	if(!nvg_ho)
		return;
	if(ps->code < 200)
		return;
	lock_get(&nvg_ho->lock);
	if(gen != nvg_ho->gen || nvg_ho->state != HO_LISTING) {
		lock_release(&nvg_ho->lock);
		LM_NOTICE("answer %d to the list INVITE of handoff %u ignored (superseded)\n",
				ps->code, gen);
		return;
	}
	nvg_ho->last_list_code = ps->code;
	nvg_ho->t_list = now_ms();
	for(i = 0; i < nvg_ho->nents; i++)
		nvg_ho->ents[i].status = 0;
	if(ps->code >= 300 || !rpl || rpl == FAKED_REPLY) {
		snprintf(nvg_ho->last_error, sizeof(nvg_ho->last_error),
				"list INVITE answered %d: every dialog falls back to a re-INVITE",
				ps->code);
		rc = -1;
	} else {
		body = get_body(rpl);
		if(body)
			len = rpl->len - (int)(body - rpl->buf);
		/* the resource list, also inside a multipart body */
		x = (body && len > 0) ? memmem(body, len, "<?xml", 5) : NULL;
		if(!x && body && len > 0)
			x = memmem(body, len, "<resource-lists", 15);
		if(!x) {
			snprintf(err, sizeof(err), "200 without a resource list");
			rc = NVG_HL_E_XML;
		} else {
			char *end = memmem(x, len - (x - body), "</resource-lists>", 17);
			int xl = end ? (int)(end - x) + 17 : len - (int)(x - body);
			rc = nvg_hl_parse_status(x, (size_t)xl, nvg_ho->ents, nvg_ho->nents, err,
					sizeof(err));
		}
		if(rc < 0)
			snprintf(nvg_ho->last_error, sizeof(nvg_ho->last_error),
					"list answer unusable (%s): every dialog falls back", err);
	}
	if(rc < 0) {
		for(i = 0; i < nvg_ho->nents; i++)
			nvg_ho->ents[i].status = 0;
	}
	for(i = 0; i < nvg_ho->nents; i++)
		if(nvg_ho->ents[i].status == 200)
			moved++;
	nvg_ho->via_list = moved;
	nvg_ho->state = HO_FALLBACK;
	nvg_ho->list_done = 1;
	lock_release(&nvg_ho->lock);
	if(rc < 0) {
		update_stat(nvg_st_list_failures, 1);
		LM_WARN("handoff %u: list INVITE failed (%d%s%s): falling back to per-dialog "
				"re-INVITEs\n", gen, ps->code, err[0] ? ", " : "", err);
	}
	ho_wake();
}

/* one re-INVITE toward the CN on behalf of the MN (watcher process) */
static int ho_reinvite(const nvg_hl_entry_t *en, unsigned int gen)
{
	static str method = str_init("INVITE");
	char a[INET6_ADDRSTRLEN + 1];
	char *sdp = NULL, *nsdp = NULL, hdrs[NVG_HL_URI_MAX + 128];
	nvg_dlg_t d;
	uac_req_t uac_r;
	dlg_t dlg;
	rr_t *rs = NULL;
	str h, b;
	size_t nlen;
	int af, rc, hl;

	if(!nvg_ho_egress(a, sizeof(a), &af))
		return -1;
	sdp = malloc(NVG_DLG_MAX_SDP + 1);
	nsdp = malloc(NVG_DLG_MAX_SDP + 512);
	if(!sdp || !nsdp)
		goto err;
	if(nvg_dlg_get(en->callid, en->mn_tag, en->cn_tag, &d, sdp, NVG_DLG_MAX_SDP + 1, 1)
			< 0) {
		LM_NOTICE("handoff %u: dialog %s ended before its re-INVITE\n", gen, en->callid);
		goto err;
	}
	if(d.mn_sdp_len <= 0) {
		LM_WARN("handoff %u: dialog %s: no SDP of the MN known, no re-INVITE\n", gen,
				en->callid);
		goto err;
	}
	rc = nvg_sdp_rewrite(sdp, (size_t)d.mn_sdp_len, af, a, 1, nsdp, NVG_DLG_MAX_SDP + 512,
			&nlen);
	if(rc < 0) {
		LM_WARN("handoff %u: dialog %s: stored SDP: %s, no re-INVITE\n", gen, en->callid,
				nvg_sdp_strerror(rc));
		goto err;
	}
	hl = snprintf(hdrs, sizeof(hdrs),
			"Contact: <%s>\r\nContent-Type: application/sdp\r\n", d.mn_contact);
	if(hl <= 0 || hl >= (int)sizeof(hdrs))
		goto err;
	h.s = hdrs;
	h.len = hl;
	b.s = nsdp;
	b.len = (int)nlen;
	memset(&dlg, 0, sizeof(dlg));
	dlg.id.call_id.s = d.callid;
	dlg.id.call_id.len = strlen(d.callid);
	dlg.id.loc_tag.s = d.mn_tag;
	dlg.id.loc_tag.len = strlen(d.mn_tag);
	dlg.id.rem_tag.s = d.cn_tag;
	dlg.id.rem_tag.len = strlen(d.cn_tag);
	dlg.loc_seq.value = d.mn_cseq - 1; /* tm increments; nvg_dlg_get took it */
	dlg.loc_seq.is_set = 1;
	dlg.loc_uri.s = d.mn_uri;
	dlg.loc_uri.len = strlen(d.mn_uri);
	dlg.rem_uri.s = d.cn_uri;
	dlg.rem_uri.len = strlen(d.cn_uri);
	dlg.rem_target.s = d.cn_target;
	dlg.rem_target.len = strlen(d.cn_target);
	if(d.route[0] && parse_rr_body(d.route, strlen(d.route), &rs) < 0) {
		LM_ERR("handoff %u: dialog %s: bad route set '%s'\n", gen, d.callid, d.route);
		goto err;
	}
	dlg.route_set = rs;
	dlg.state = DLG_CONFIRMED;
	dlg.send_sock = nvg_ho_socket(af);
	set_uac_req(&uac_r, &method, &h, &b, &dlg, TMCB_LOCAL_COMPLETED, ho_reinv_cb,
			(void *)(long)gen);
	nvg_ho_advertise_begin();
	rc = nvg_tmb.t_request_within(&uac_r);
	nvg_ho_advertise_end();
	if(rs)
		free_rr(&rs);
	free(sdp);
	free(nsdp);
	if(rc < 0) {
		LM_ERR("handoff %u: dialog %s: cannot send the re-INVITE\n", gen, d.callid);
		return -1;
	}
	update_stat(nvg_st_fallbacks, 1);
	return 0;
err:
	free(sdp);
	free(nsdp);
	return -1;
}

/* a worker: final answer to a fallback re-INVITE */
static void ho_reinv_cb(tm_cell_t *t, int type, struct tmcb_params *ps)
{
	unsigned int gen = (unsigned int)(long)(*ps->param);
	int last = 0;

	if(ps->code < 200 || !nvg_ho)
		return;
	lock_get(&nvg_ho->lock);
	if(gen == nvg_ho->gen && nvg_ho->fallback_out > 0) {
		if(ps->code >= 300)
			nvg_ho->fallback_fail++;
		if(--nvg_ho->fallback_out == 0 && nvg_ho->state == HO_FALLBACK)
			last = 1;
	}
	lock_release(&nvg_ho->lock);
	if(ps->code >= 300)
		LM_WARN("handoff %u: fallback re-INVITE answered %d\n", gen, ps->code);
	if(last)
		ho_finish("list + fallback re-INVITEs answered");
}

/* entries without status 200 -> re-INVITEs; returns how many were sent */
static int ho_send_fallbacks(void)
{
	nvg_hl_entry_t *ents = NULL;
	int n, i, sent = 0, need = 0;
	unsigned int gen;

	lock_get(&nvg_ho->lock);
	n = nvg_ho->nents;
	gen = nvg_ho->gen;
	if(n > 0) {
		ents = malloc(sizeof(*ents) * n);
		if(ents)
			memcpy(ents, nvg_ho->ents, sizeof(*ents) * n);
	}
	/* outstanding counted before any answer can come back */
	for(i = 0; ents && i < n; i++)
		if(ents[i].status != 200)
			need++;
	nvg_ho->fallback_out = need;
	lock_release(&nvg_ho->lock);
	if(!ents)
		return 0;
	for(i = 0; i < n; i++) {
		if(ents[i].status == 200)
			continue;
		LM_NOTICE("handoff %u: dialog %s (cn %s): list status %d, falling back to a "
				  "re-INVITE\n", gen, ents[i].callid, ents[i].uri, ents[i].status);
		if(ho_reinvite(&ents[i], gen) == 0) {
			sent++;
		} else {
			lock_get(&nvg_ho->lock);
			if(gen == nvg_ho->gen)
				nvg_ho->fallback_out--;
			lock_release(&nvg_ho->lock);
		}
	}
	free(ents);
	lock_get(&nvg_ho->lock);
	nvg_ho->via_fallback = sent;
	need = nvg_ho->fallback_out;
	lock_release(&nvg_ho->lock);
	return need > 0 ? sent : 0;
}

/* ---- the watcher process ------------------------------------------------------ */

static void ho_watch(void)
{
	char buf[8192], hint[INET6_ADDRSTRLEN + 1] = "", a[INET6_ADDRSTRLEN + 1];
	char forced[INET6_ADDRSTRLEN + 1] = "";
	struct sockaddr_nl sa;
	struct pollfd pf[2];
	nvg_coal_t co;
	int nl = -1, n, af, faf = 0, npf, timeout;
	unsigned int coalesced;
	int64_t now, dl, first = 0;

	nvg_coal_init(&co, nvg_coalesce_ms, nvg_max_wait_ms);
	if(nvg_egress_if.len > 0) {
		nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		memset(&sa, 0, sizeof(sa));
		sa.nl_family = AF_NETLINK;
		sa.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
		if(nl < 0 || bind(nl, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			LM_ERR("egress watcher: rtnetlink: %s; only nvg.handoff triggers a "
				   "handoff\n", strerror(errno));
			if(nl >= 0)
				close(nl);
			nl = -1;
		}
		if(egress_read(NULL, a, sizeof(a), &af)) {
			ho_set_addr(a, af);
			LM_INFO("egress watcher: %s has %s (IPv%d)\n", nvg_egress_if.s, a, af);
		} else {
			LM_WARN("egress watcher: %s has no usable address yet\n", nvg_egress_if.s);
		}
	}
	for(;;) {
		cfg_update();
		pf[0].fd = nvg_ho_efd;
		pf[0].events = POLLIN;
		npf = 1;
		if(nl >= 0) {
			pf[1].fd = nl;
			pf[1].events = POLLIN;
			npf = 2;
		}
		dl = nvg_coal_deadline(&co);
		now = now_ms();
		timeout = dl < 0 ? 1000 : (dl > now ? (int)(dl - now) : 0);
		n = poll(pf, npf, timeout);
		if(n < 0 && errno != EINTR) {
			LM_ERR("egress watcher: poll: %s\n", strerror(errno));
			sleep(1);
			continue;
		}
		now = now_ms();
		if(npf == 2 && (pf[1].revents & POLLIN)) {
			int r = recv(nl, buf, sizeof(buf), MSG_DONTWAIT);
			unsigned int ifx = if_nametoindex(nvg_egress_if.s);
			struct nlmsghdr *nh;
			for(nh = (struct nlmsghdr *)buf; r > 0 && NLMSG_OK(nh, (unsigned)r);
					nh = NLMSG_NEXT(nh, r)) {
				struct ifaddrmsg *ifm;
				struct rtattr *rta;
				int rl;
				char txt[INET6_ADDRSTRLEN + 1] = "";
				if(nh->nlmsg_type != RTM_NEWADDR && nh->nlmsg_type != RTM_DELADDR)
					continue;
				ifm = NLMSG_DATA(nh);
				if(ifm->ifa_index != ifx || ifm->ifa_scope >= RT_SCOPE_LINK)
					continue;
				rl = IFA_PAYLOAD(nh);
				for(rta = IFA_RTA(ifm); RTA_OK(rta, rl); rta = RTA_NEXT(rta, rl))
					if(rta->rta_type == IFA_ADDRESS || rta->rta_type == IFA_LOCAL)
						inet_ntop(ifm->ifa_family, RTA_DATA(rta), txt, sizeof(txt));
				if(nvg_coal_event(&co, now) == 1)
					first = now;
				if(nh->nlmsg_type == RTM_NEWADDR && txt[0])
					memcpy(hint, txt, sizeof(hint));
				LM_INFO("egress %s: %s %s\n", nvg_egress_if.s,
						nh->nlmsg_type == RTM_NEWADDR ? "new address" : "address removed",
						txt);
			}
		}
		if(pf[0].revents & POLLIN) {
			uint64_t v;
			int rpc = 0, reg = 0, lst = 0, resend = 0;
			if(read(nvg_ho_efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				LM_ERR("egress watcher: eventfd: %s\n", strerror(errno));
			lock_get(&nvg_ho->lock);
			if(nvg_ho->rpc_req) {
				rpc = 1;
				nvg_ho->rpc_req = 0;
				memcpy(forced, nvg_ho->rpc_addr, sizeof(forced));
				faf = nvg_ho->rpc_af;
			}
			reg = nvg_ho->reg_done;
			nvg_ho->reg_done = 0;
			lst = nvg_ho->list_done;
			nvg_ho->list_done = 0;
			resend = nvg_ho->reg_resend;
			nvg_ho->reg_resend = 0;
			lock_release(&nvg_ho->lock);
			if(resend) {
				LM_NOTICE("handoff %u: REGISTER refused (%d): sending it again with a "
						  "fresh OTP\n", nvg_ho->gen, nvg_ho->last_reg_code);
				nvg_selfreg_send_sync();
			}
			if(rpc) {
				if(nvg_coal_event(&co, now) == 1)
					first = now;
				if(!forced[0])
					strcpy(forced, "-"); /* RPC without address: hand off anyway */
			}
			if(reg)
				ho_send_list();
			if(lst && ho_send_fallbacks() == 0)
				ho_finish(nvg_ho->via_list ? "list answered" : "list answered, nothing moved");
		}
		if(nvg_coal_due(&co, now_ms(), &coalesced)) {
			if(forced[0] == '-') {
				/* RPC without address: the interface's address, handed off
				 * even when unchanged */
				if(nvg_egress_if.len > 0 && egress_read(hint, a, sizeof(a), &af))
					ho_start(first, coalesced, a, af, hint);
				else if(nvg_ho_egress(a, sizeof(a), &af))
					ho_start(first, coalesced, a, af, hint);
				else
					LM_WARN("nvg.handoff: no egress address known: give one\n");
			} else {
				ho_start(first, coalesced, forced[0] ? forced : NULL, faf, hint);
			}
			forced[0] = 0;
		}
	}
}

/* ---- RPC ------------------------------------------------------------------------ */

void nvg_ho_rpc(rpc_t *rpc, void *ctx)
{
	str in = STR_NULL;
	char a[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];
	int af = 0;

	if(!nvg_ho) {
		rpc->fault(ctx, 400, "nvg.handoff: gateway role with modparam register=1 only");
		return;
	}
	if(rpc->scan(ctx, "*S", &in) >= 1 && in.len > 0) {
		const char *s = in.s;
		int l = in.len;
		if(l > 2 && s[0] == '[' && s[l - 1] == ']') {
			s++;
			l -= 2;
		}
		if(l <= 0 || l > INET6_ADDRSTRLEN) {
			rpc->fault(ctx, 400, "Not an IPv4 or IPv6 address");
			return;
		}
		memcpy(a, s, l);
		a[l] = 0;
		if(inet_pton(AF_INET, a, bin) == 1)
			af = 4;
		else if(inet_pton(AF_INET6, a, bin) == 1)
			af = 6;
		else {
			rpc->fault(ctx, 400, "Not an IPv4 or IPv6 address");
			return;
		}
		if((af == 4 && !nvg_inner4) || (af == 6 && !nvg_inner6)) {
			rpc->fault(ctx, 400, af == 4 ? "No IPv4 inner socket (register_socket)"
										 : "No IPv6 inner socket (register_socket6)");
			return;
		}
		/* canonical text */
		inet_ntop(af == 4 ? AF_INET : AF_INET6, bin, a, sizeof(a));
	}
	lock_get(&nvg_ho->lock);
	nvg_ho->rpc_req = 1;
	nvg_ho->rpc_af = af;
	if(af)
		memcpy(nvg_ho->rpc_addr, a, sizeof(nvg_ho->rpc_addr));
	else
		nvg_ho->rpc_addr[0] = 0;
	lock_release(&nvg_ho->lock);
	ho_wake();
	rpc->rpl_printf(ctx, af ? "handoff to %s scheduled" : "handoff scheduled%s",
			af ? a : "");
}

void nvg_ho_status_rpc(rpc_t *rpc, void *th)
{
	nvg_ho_t c;

	if(!nvg_ho)
		return;
	lock_get(&nvg_ho->lock);
	c = *nvg_ho;
	lock_release(&nvg_ho->lock);
	rpc->struct_add(th, "ssdsdd", "egress_if", nvg_egress_if.len ? nvg_egress_if.s : "",
			"egress_address", c.af ? c.addr : "", "egress_af", c.af, "handoff_state",
			ho_state_name[c.state], "handoff_gen", (int)c.gen, "coalesce_ms",
			nvg_coalesce_ms);
	rpc->struct_add(th, "dddddddds", "last_handoff_ms", c.last_ms, "last_register_code",
			c.last_reg_code, "last_list_code", c.last_list_code, "last_list_entries",
			c.nents, "last_moved_by_list", c.via_list, "last_fallback_reinvites",
			c.via_fallback, "last_fallback_failed", c.fallback_fail, "handoffs",
			(int)get_stat_val(nvg_st_handoffs), "last_error", c.last_error);
	rpc->struct_add(th, "ddddd", "coalesced_changes", (int)get_stat_val(nvg_st_coalesced),
			"list_failures", (int)get_stat_val(nvg_st_list_failures),
			"fallback_reinvites", (int)get_stat_val(nvg_st_fallbacks),
			"sdp_rewritten", (int)get_stat_val(nvg_st_sdp_rewritten),
			"home_conn_lost", (int)c.conn_lost);
}

counter_val_t nvg_ho_stat_last_ms(void)
{
	return nvg_ho ? (counter_val_t)nvg_ho->last_ms : 0;
}

/* ---- cfg functions ------------------------------------------------------------------- */

static char eg_addr[INET6_ADDRSTRLEN + 3];
static char eg_port[8];

int nvg_egress(sip_msg_t *msg)
{
	char a[INET6_ADDRSTRLEN + 1];
	struct socket_info *si;
	str *px;
	int af;

	if(!nvg_ho_egress(a, sizeof(a), &af))
		return 1; /* nothing known: the socket's own (advertised) address */
	snprintf(eg_addr, sizeof(eg_addr), af == 6 ? "[%s]" : "%s", a);
	snprintf(eg_port, sizeof(eg_port), "%d", nvg_ho_port());
	msg->set_global_address.s = eg_addr;
	msg->set_global_address.len = strlen(eg_addr);
	msg->set_global_port.s = eg_port;
	msg->set_global_port.len = strlen(eg_port);
	si = nvg_ho_socket(af);
	if(si)
		set_force_socket(msg, si);
	/* a new request: to the outbound proxy of the current family */
	if(msg->first_line.type == SIP_REQUEST && (parse_headers(msg, HDR_TO_F, 0) == 0)
			&& msg->to && get_to(msg)->tag_value.len == 0) {
		px = nvg_ho_proxy(af);
		if(px->len > 0 && set_dst_uri(msg, px) < 0) {
			LM_ERR("cannot set the destination to %.*s\n", px->len, px->s);
			return -1;
		}
	}
	return 1;
}

/* rewrites c=/o= of an SDP body from the MN side; 1 rewritten, 2 nothing to
 * rewrite, -1 malformed SDP (message unchanged) */
int nvg_sdp_egress(sip_msg_t *msg)
{
	char a[INET6_ADDRSTRLEN + 1];
	char *body, *out, *ct;
	struct lump *l;
	size_t olen;
	int len, af, rc, ctl;

	if(!nvg_ho_egress(a, sizeof(a), &af))
		return 2;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->content_type)
		return 2;
	ct = msg->content_type->body.s;
	ctl = msg->content_type->body.len;
	while(ctl > 0 && (*ct == ' ' || *ct == '\t')) {
		ct++;
		ctl--;
	}
	if(ctl < 15 || strncasecmp(ct, "application/sdp", 15) != 0)
		return 2;
	body = get_body(msg);
	if(!body)
		return 2;
	len = msg->len - (int)(body - msg->buf);
	if(msg->content_length && get_content_length(msg) < len)
		len = get_content_length(msg);
	if(len <= 0)
		return 2;
	out = pkg_malloc(len + 1024);
	if(!out) {
		PKG_MEM_ERROR;
		return -1;
	}
	rc = nvg_sdp_rewrite(body, (size_t)len, af, a, 0, out, (size_t)len + 1024, &olen);
	if(rc < 0) {
		LM_NOTICE("%.*s from %s:%d: SDP not rewritten: %s\n",
				msg->first_line.type == SIP_REQUEST ? msg->first_line.u.request.method.len : 5,
				msg->first_line.type == SIP_REQUEST ? msg->first_line.u.request.method.s : "reply",
				ip_addr2a(&msg->rcv.src_ip), msg->rcv.src_port, nvg_sdp_strerror(rc));
		pkg_free(out);
		return -1;
	}
	if(msg->callid)
		nvg_dlg_set_mn_sdp(&msg->callid->body, body, len);
	l = del_lump(msg, body - msg->buf, len, 0);
	if(!l || !insert_new_lump_after(l, out, (int)olen, 0)) {
		LM_ERR("cannot replace the SDP body\n");
		pkg_free(out);
		return -1;
	}
	update_stat(nvg_st_sdp_rewritten, 1);
	return 1;
}

/* ---- init -------------------------------------------------------------------------- */

int nvg_ho_init(void)
{
	char err[256];
	nvg_uri_t u;

	if(!nvg_is_gateway || !nvg_reg_enable)
		return 0;
	nvg_hl_init();
	nvg_inner4 = nvg_selfreg_socket();
	if(nvg_inner4 && nvg_inner4->address.af == AF_INET6) {
		nvg_inner6 = nvg_inner4;
		nvg_inner4 = NULL;
	}
	if(nvg_reg_socket6.len > 0) {
		nvg_inner6 = lookup_local_socket(&nvg_reg_socket6);
		if(!nvg_inner6 || nvg_inner6->address.af != AF_INET6) {
			LM_ERR("modparam register_socket6: '%.*s' is not an IPv6 listen socket\n",
					nvg_reg_socket6.len, nvg_reg_socket6.s);
			return -1;
		}
	} else if(!nvg_inner6) {
		/* the first IPv6 UDP socket that is not the ingress one */
		struct socket_info **list = get_sock_info_list(PROTO_UDP), *si;
		for(si = list ? *list : NULL; si; si = si->next)
			if(si != nvg_ingress_sock && si->address.af == AF_INET6) {
				nvg_inner6 = si;
				break;
			}
	}
	if(!nvg_inner4) {
		struct socket_info **list = get_sock_info_list(PROTO_UDP), *si;
		for(si = list ? *list : NULL; si; si = si->next)
			if(si != nvg_ingress_sock && si->address.af == AF_INET) {
				nvg_inner4 = si;
				break;
			}
	}
	if(nvg_coalesce_ms < 0 || nvg_coalesce_ms > 60000 || nvg_max_wait_ms < 0
			|| nvg_max_wait_ms > 600000) {
		LM_ERR("modparam handoff_coalesce_ms (0..60000) / handoff_max_wait_ms "
			   "(0..600000) out of range\n");
		return -1;
	}
	if(nvg_egress_port < 0 || nvg_egress_port > 65535) {
		LM_ERR("modparam egress_port: %d is not a port\n", nvg_egress_port);
		return -1;
	}
	if(nvg_uri_parse(nvg_reg_aor.s, (size_t)nvg_reg_aor.len, &u) != NVG_URI_OK) {
		LM_ERR("bad own AoR\n");
		return -1;
	}
	if(nvg_handoff_uri.len == 0) {
		snprintf(nvg_huri_buf, sizeof(nvg_huri_buf), "sip:nvg-handoff@%.*s",
				(int)u.host.len, u.host.s);
		nvg_handoff_uri.s = nvg_huri_buf;
		nvg_handoff_uri.len = strlen(nvg_huri_buf);
	} else if(nvg_uri_parse(nvg_handoff_uri.s, (size_t)nvg_handoff_uri.len, &u)
			  != NVG_URI_OK) {
		LM_ERR("modparam handoff_uri: '%.*s' is not a SIP URI\n", nvg_handoff_uri.len,
				nvg_handoff_uri.s);
		return -1;
	}
	if(nvg_hotp_secret_file.len > 0) {
		if(nvg_hotp_counter_file.len == 0) {
			LM_ERR("modparam hotp_secret_file needs hotp_counter_file\n");
			return -1;
		}
		nvg_otp_key.digits = nvg_hotp_digits;
		if(nvg_hotp_digits < 6 || nvg_hotp_digits > 8) {
			LM_ERR("modparam hotp_digits: %d is not 6..8\n", nvg_hotp_digits);
			return -1;
		}
		if(nvg_otp_load_secret(nvg_hotp_secret_file.s, &nvg_otp_key, err, sizeof(err))
				< 0) {
			LM_ERR("modparam hotp_secret_file: %s\n", err);
			return -1;
		}
		if(nvg_hotp_user.len == 0) {
			nvg_uri_parse(nvg_reg_aor.s, (size_t)nvg_reg_aor.len, &u);
			snprintf(nvg_hotp_user_buf, sizeof(nvg_hotp_user_buf), "%.*s",
					(int)u.user.len, u.user.s);
			nvg_hotp_user.s = nvg_hotp_user_buf;
			nvg_hotp_user.len = strlen(nvg_hotp_user_buf);
		}
		if(nvg_hotp_realm.len == 0) {
			nvg_uri_parse(nvg_reg_aor.s, (size_t)nvg_reg_aor.len, &u);
			snprintf(nvg_hotp_realm_buf, sizeof(nvg_hotp_realm_buf), "%.*s",
					(int)u.host.len, u.host.s);
			nvg_hotp_realm.s = nvg_hotp_realm_buf;
			nvg_hotp_realm.len = strlen(nvg_hotp_realm_buf);
		}
		nvg_otp_on = 1;
		LM_INFO("own HOTP credential: user %s, realm %s, counter file %s\n",
				nvg_hotp_user.s, nvg_hotp_realm.s, nvg_hotp_counter_file.s);
	}
	nvg_ho = shm_malloc(sizeof(*nvg_ho));
	if(!nvg_ho) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(nvg_ho, 0, sizeof(*nvg_ho));
	lock_init(&nvg_ho->lock);
	nvg_ho_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if(nvg_ho_efd < 0) {
		LM_ERR("eventfd: %s\n", strerror(errno));
		return -1;
	}
	register_procs(1);
	cfg_register_child(1);
	LM_INFO("handoff: egress interface %s, coalescing %d ms (at most %d ms), list to "
			"%.*s%s\n", nvg_egress_if.len ? nvg_egress_if.s : "(none: RPC only)",
			nvg_coalesce_ms,
			nvg_max_wait_ms > nvg_coalesce_ms ? nvg_max_wait_ms : nvg_coalesce_ms,
			nvg_handoff_uri.len, nvg_handoff_uri.s,
			nvg_handoff_list ? "" : " (disabled: per-dialog re-INVITEs)");
	return 0;
}

int nvg_ho_child_init(int rank)
{
	int pid;

	if(!nvg_ho || rank != PROC_MAIN)
		return 0;
	pid = fork_process(PROC_TIMER, "NVG EGRESS WATCHER", 1);
	if(pid < 0) {
		LM_ERR("cannot fork the egress watcher\n");
		return -1;
	}
	if(pid == 0) {
		if(cfg_child_init())
			return -1;
		ho_watch();
		exit(-1);
	}
	return 0;
}
