/*
 * nvg module - the NVG's own registration (gateway role, modparam
 * register=1). The NVG keeps its AoR (default sip:<label>@<parent> of
 * logical_domain, e.g. sip:nvg-7@vpn.example.com) registered at the home
 * registrar with the address it can be reached at now: the advertised
 * address of register_socket (the egress address seen from outside), read
 * at every send. The home role resolves the logical domain through this
 * registration.
 *
 * One Call-ID per start, CSeq increasing; refreshed before the granted
 * expiry, retried every register_retry seconds after a failure. The timer
 * process sends; the tm callback (in the process that gets the answer)
 * records the outcome in shared memory.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */

#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/ut.h"
#include "core/mem/shm_mem.h"
#include "core/locking.h"
#include "core/socket_info.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_expires.h"
#include "core/parser/contact/parse_contact.h"
#include "modules/tm/dlg.h"
#include "modules/tm/t_hooks.h"
#include "modules/tm/h_table.h"

#include "nvg.h"

enum { NVG_SR_IDLE = 0, NVG_SR_SENDING, NVG_SR_REGISTERED, NVG_SR_FAILED };

typedef struct nvg_selfreg {
	gen_lock_t lock; /* one sender at a time (timer, egress watcher) */
	volatile int state;
	volatile int last_code;
	volatile int now_requested;
	volatile time_t last_sent;
	volatile time_t expires_at;
	volatile time_t next_at;
	volatile int granted;
	volatile unsigned int sent;
	volatile unsigned int ok;
	unsigned int cseq;
	char callid[64];
	char fromtag[32];
	char contact[NVG_MAX_URI + 1]; /* last contact sent */
} nvg_selfreg_t;

static nvg_selfreg_t *nvg_sr = NULL;
static char nvg_sr_aor_buf[NVG_MAX_AOR + 8];
static char nvg_sr_ruri_buf[NVG_MAX_HOST + 8];
static str nvg_sr_user = STR_NULL;
static struct socket_info *nvg_sr_sock = NULL;

static const char *nvg_sr_state_name(int s)
{
	static const char *n[] = {"idle", "sending", "registered", "failed"};
	return (s >= 0 && s <= 3) ? n[s] : "unknown";
}

int nvg_selfreg_init(void)
{
	nvg_uri_t u;
	struct socket_info **list, *si;

	if(!nvg_reg_enable)
		return 0;
	if(nvg_reg_aor.len == 0) {
		if(nvg_parent_domain.len <= 0) {
			LM_ERR("modparam register: logical_domain has no parent domain to "
				   "derive nvg_aor from; set nvg_aor\n");
			return -1;
		}
		snprintf(nvg_sr_aor_buf, sizeof(nvg_sr_aor_buf), "sip:%.*s@%.*s",
				nvg_own_label.len, nvg_own_label.s, nvg_parent_domain.len,
				nvg_parent_domain.s);
		nvg_reg_aor.s = nvg_sr_aor_buf;
		nvg_reg_aor.len = strlen(nvg_sr_aor_buf);
	}
	if(nvg_uri_parse(nvg_reg_aor.s, (size_t)nvg_reg_aor.len, &u) != NVG_URI_OK
			|| u.user.len == 0) {
		LM_ERR("modparam nvg_aor: '%.*s' is not a sip:user@domain AoR\n",
				nvg_reg_aor.len, nvg_reg_aor.s);
		return -1;
	}
	nvg_sr_user.s = (char *)u.user.s;
	nvg_sr_user.len = (int)u.user.len;
	if(nvg_reg_registrar.len == 0) {
		snprintf(nvg_sr_ruri_buf, sizeof(nvg_sr_ruri_buf), "sip:%.*s", (int)u.host.len,
				u.host.s);
		nvg_reg_registrar.s = nvg_sr_ruri_buf;
		nvg_reg_registrar.len = strlen(nvg_sr_ruri_buf);
	}
	if(nvg_reg_socket.len > 0) {
		nvg_sr_sock = lookup_local_socket(&nvg_reg_socket);
		if(!nvg_sr_sock) {
			LM_ERR("modparam register_socket: '%.*s' is not a listen socket\n",
					nvg_reg_socket.len, nvg_reg_socket.s);
			return -1;
		}
	} else {
		/* the first UDP socket that is not the ingress one */
		list = get_sock_info_list(PROTO_UDP);
		for(si = list ? *list : NULL; si; si = si->next)
			if(si != nvg_ingress_sock) {
				nvg_sr_sock = si;
				break;
			}
		if(!nvg_sr_sock && list)
			nvg_sr_sock = *list;
	}
	nvg_sr = shm_malloc(sizeof(*nvg_sr));
	if(!nvg_sr) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(nvg_sr, 0, sizeof(*nvg_sr));
	lock_init(&nvg_sr->lock);
	snprintf(nvg_sr->callid, sizeof(nvg_sr->callid), "nvg-%08x%08x-%d",
			(unsigned)time(NULL), (unsigned)rand(), (int)getpid());
	snprintf(nvg_sr->fromtag, sizeof(nvg_sr->fromtag), "%08x%04x", (unsigned)rand(),
			(unsigned)(getpid() & 0xffff));
	nvg_sr->cseq = 1;
	nvg_sr->next_at = time(NULL) + 1; /* soon after start */
	LM_INFO("own registration: %.*s at %.*s via %.*s every %d s\n", nvg_reg_aor.len,
			nvg_reg_aor.s, nvg_reg_registrar.len, nvg_reg_registrar.s,
			nvg_reg_proxy.len > 0 ? nvg_reg_proxy.len : 3,
			nvg_reg_proxy.len > 0 ? nvg_reg_proxy.s : "DNS", nvg_reg_expires);
	return 0;
}

/* contact URI from the socket's current advertised (or own) address */
static int nvg_sr_contact(char *buf, int sz)
{
	struct socket_info *si = nvg_sr_sock;
	str *a, *port;

	char ea[64];
	int eaf;

	if(nvg_ho_egress(ea, sizeof(ea), &eaf))
		return snprintf(buf, sz, eaf == 6 ? "sip:%.*s@[%s]:%d" : "sip:%.*s@%s:%d",
				nvg_sr_user.len, nvg_sr_user.s, ea, nvg_ho_port());
	if(!si)
		return -1;
	a = si->useinfo.name.len > 0 ? &si->useinfo.name : &si->address_str;
	port = si->useinfo.port_no_str.len > 0 ? &si->useinfo.port_no_str : &si->port_no_str;
	if(si->address.af == AF_INET6 && a->len > 0 && a->s[0] != '[')
		return snprintf(buf, sz, "sip:%.*s@[%.*s]:%.*s%s", nvg_sr_user.len,
				nvg_sr_user.s, a->len, a->s, port->len, port->s,
				si->proto == PROTO_TCP ? ";transport=tcp" : "");
	return snprintf(buf, sz, "sip:%.*s@%.*s:%.*s%s", nvg_sr_user.len, nvg_sr_user.s,
			a->len, a->s, port->len, port->s,
			si->proto == PROTO_TCP ? ";transport=tcp" : "");
}

static void nvg_sr_cb(tm_cell_t *t, int type, struct tmcb_params *ps)
{
	sip_msg_t *rpl = ps->rpl;
	hdr_field_t *h;
	contact_t *c;
	uint64_t v;
	int granted = -1, hdr_exp = -1;
	time_t now = time(NULL);

	if(!nvg_sr)
		return;
	if(ps->code >= 200 && ps->code < 300)
		nvg_ho_registered(ps->code);
	nvg_sr->last_code = ps->code;
	if(ps->code < 200 || ps->code >= 300 || !rpl || rpl == FAKED_REPLY) {
		nvg_sr->state = NVG_SR_FAILED;
		nvg_sr->next_at = now + nvg_reg_retry;
		LM_WARN("own registration %.*s: %d, retry in %d s\n", nvg_reg_aor.len,
				nvg_reg_aor.s, ps->code, nvg_reg_retry);
		/* after the state: a handoff may resend at once */
		if(ps->code >= 200)
			nvg_ho_registered(ps->code);
		return;
	}
	if(parse_headers(rpl, HDR_EOH_F, 0) == 0) {
		if(rpl->expires && (rpl->expires->parsed || parse_expires(rpl->expires) == 0)
				&& ((exp_body_t *)rpl->expires->parsed)->valid)
			hdr_exp = (int)((exp_body_t *)rpl->expires->parsed)->val;
		if(rpl->contact && parse_contact_headers(rpl) == 0) {
			for(h = rpl->contact; h; h = next_sibling_hdr(h)) {
				if(!h->parsed)
					continue;
				for(c = ((contact_body_t *)h->parsed)->contacts; c; c = c->next) {
					if(c->uri.len != (int)strlen(nvg_sr->contact)
							|| strncmp(c->uri.s, nvg_sr->contact, c->uri.len) != 0)
						continue;
					granted = hdr_exp;
					if(c->expires && nvg_parse_uint(c->expires->body.s,
											 (size_t)c->expires->body.len,
											 0xffffffffu, &v) == 0)
						granted = (int)v;
				}
			}
		}
	}
	if(granted < 0)
		granted = nvg_reg_expires;
	if(granted == 0) {
		nvg_sr->state = NVG_SR_FAILED;
		nvg_sr->next_at = now + nvg_reg_retry;
		LM_WARN("own registration %.*s: the registrar kept no binding\n",
				nvg_reg_aor.len, nvg_reg_aor.s);
		return;
	}
	nvg_sr->granted = granted;
	nvg_sr->expires_at = now + granted;
	nvg_sr->next_at = now + (granted > 60 ? granted - 30 : (granted + 1) / 2);
	nvg_sr->ok++;
	nvg_sr->state = NVG_SR_REGISTERED;
	LM_INFO("own registration %.*s -> %s: %d, %d s\n", nvg_reg_aor.len, nvg_reg_aor.s,
			nvg_sr->contact, ps->code, granted);
}

static int nvg_sr_send(time_t now)
{
	static str method = str_init("REGISTER");
	char hdrs[2 * NVG_MAX_URI + 768], old[NVG_MAX_URI + 1];
	uac_req_t uac_r;
	dlg_t dlg;
	str h;
	int n, rc, af = 0, a;

	n = nvg_sr_contact(nvg_sr->contact, sizeof(nvg_sr->contact));
	if(n <= 0 || n >= (int)sizeof(nvg_sr->contact)) {
		LM_ERR("own registration: no contact address\n");
		return -1;
	}
	n = snprintf(hdrs, sizeof(hdrs), "Contact: <%s>;expires=%d\r\n",
			nvg_sr->contact, nvg_reg_expires);
	/* after a move the previous binding goes at once (not at its expiry) */
	if(nvg_ho_old_contact(&nvg_sr_user, old, sizeof(old)) > 0
			&& strcmp(old, nvg_sr->contact) != 0)
		n += snprintf(hdrs + n, sizeof(hdrs) - n, "Contact: <%s>;expires=0\r\n", old);
	/* HOTP credential of the NVG itself (flow 4): counter persisted first */
	a = nvg_ho_auth_hdr("Authorization", hdrs + n, (int)sizeof(hdrs) - n);
	if(a > 0)
		n += a;
	h.s = hdrs;
	h.len = n;
	nvg_ho_egress(NULL, 0, &af);

	memset(&dlg, 0, sizeof(dlg));
	dlg.id.call_id.s = nvg_sr->callid;
	dlg.id.call_id.len = strlen(nvg_sr->callid);
	dlg.id.loc_tag.s = nvg_sr->fromtag;
	dlg.id.loc_tag.len = strlen(nvg_sr->fromtag);
	dlg.loc_seq.value = nvg_sr->cseq;
	dlg.loc_seq.is_set = 1;
	dlg.loc_uri = nvg_reg_aor;
	dlg.rem_uri = nvg_reg_aor;
	dlg.rem_target = nvg_reg_registrar;
	if(af && nvg_ho_proxy(af)->len > 0)
		dlg.dst_uri = *nvg_ho_proxy(af);
	else if(nvg_reg_proxy.len > 0)
		dlg.dst_uri = nvg_reg_proxy;
	dlg.state = DLG_CONFIRMED;
	dlg.send_sock = af ? nvg_ho_socket(af) : nvg_sr_sock;

	set_uac_req(&uac_r, &method, &h, NULL, &dlg, TMCB_LOCAL_COMPLETED, nvg_sr_cb, NULL);
	nvg_sr->state = NVG_SR_SENDING;
	nvg_sr->last_sent = now;
	nvg_ho_advertise_begin();
	rc = nvg_tmb.t_request_within(&uac_r);
	nvg_ho_advertise_end();
	nvg_sr->cseq = dlg.loc_seq.value; /* incremented by tm */
	nvg_sr->sent++;
	if(rc < 0) {
		nvg_sr->state = NVG_SR_FAILED;
		nvg_sr->last_code = 0;
		nvg_sr->next_at = now + nvg_reg_retry;
		LM_ERR("own registration %.*s: cannot send the REGISTER\n", nvg_reg_aor.len,
				nvg_reg_aor.s);
		return -1;
	}
	return 0;
}

/* the egress watcher: the handoff REGISTER, now */
int nvg_selfreg_send_sync(void)
{
	int rc;
	if(!nvg_sr)
		return -1;
	lock_get(&nvg_sr->lock);
	rc = nvg_sr_send(time(NULL));
	lock_release(&nvg_sr->lock);
	return rc;
}

struct socket_info *nvg_selfreg_socket(void)
{
	return nvg_sr_sock;
}

void nvg_selfreg_timer(time_t now)
{
	if(!nvg_sr)
		return;
	if(nvg_sr->state == NVG_SR_SENDING) {
		/* tm always answers (408 at worst); this guards a lost callback */
		if(now - nvg_sr->last_sent < 64)
			return;
		nvg_sr->state = NVG_SR_FAILED;
	}
	if(nvg_sr->now_requested || now >= nvg_sr->next_at) {
		nvg_sr->now_requested = 0;
		lock_get(&nvg_sr->lock);
		nvg_sr_send(now);
		lock_release(&nvg_sr->lock);
	}
}

int nvg_selfreg_now(void)
{
	if(!nvg_sr)
		return -1;
	nvg_sr->now_requested = 1;
	return 0;
}

/* the connection to Proxy 1 went away (nvg_ho_conn_closed()): handled as a
 * failed REGISTER, the next one register_retry s later, not at the refresh.
 * Not at once: a Proxy 1 that closed its connections is usually restarting,
 * and a REGISTER sent into a refused TLS connect gets no error from the
 * asynchronous connect, only tm's 408 after fr_timer (30 s). A REGISTER in
 * flight stands for it. */
int nvg_selfreg_conn_lost(void)
{
	time_t at;

	if(!nvg_sr)
		return -1;
	/* no lock: this runs in tcp_main, and the timer holds the lock while
	 * tm may wait for tcp_main to open a connection */
	if(nvg_sr->state != NVG_SR_SENDING) {
		at = time(NULL) + nvg_reg_retry;
		if(at < nvg_sr->next_at)
			nvg_sr->next_at = at;
	}
	return 0;
}

void nvg_selfreg_rpc(rpc_t *rpc, void *th)
{
	time_t now = time(NULL);

	if(!nvg_sr) {
		rpc->struct_add(th, "s", "own_registration", "off");
		return;
	}
	rpc->struct_add(th, "sSsddddd", "own_registration", nvg_sr_state_name(nvg_sr->state),
			"own_aor", &nvg_reg_aor, "own_contact", nvg_sr->contact,
			"own_last_code", nvg_sr->last_code, "own_expires_in",
			nvg_sr->state == NVG_SR_REGISTERED ? (int)(nvg_sr->expires_at - now) : 0,
			"own_refresh_in", (int)(nvg_sr->next_at - now), "own_sent",
			(int)nvg_sr->sent, "own_ok", (int)nvg_sr->ok);
}
