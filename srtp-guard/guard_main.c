/*
 * senemo-srtp-guard: SRTP replay protection in front of rtpengine.
 *
 * One process, two halves (README.md in this directory):
 *  - an ng proxy: Proxy 2 speaks ng to the guard, the guard relays every
 *    command unchanged to rtpengine and the reply back (by cookie), and
 *    learns from offer / answer / delete which of rtpengine's external ports
 *    carry SRTP from whom, with which key (guard_table.c);
 *  - an NFQUEUE filter: the operator's iptables rule queues the UDP packets
 *    to rtpengine's external address and port range; each one to a guarded
 *    port is checked with libsrtp on a copy (guard_srtp.c): authentic and new
 *    -> accepted unchanged; a replay or a failed tag -> dropped and counted.
 *
 *   senemo-srtp-guard [--ng-listen ADDR:PORT] [--ng-upstream ADDR:PORT]
 *                     [--queue N] [--window N] [--unknown accept|drop]
 *                     [--external-if NAME] [--max-calls N]
 *                     [--control PATH] [--pidfile PATH] [--verbose]
 *   senemo-srtp-guard --stats [PATH]      counters as one JSON line
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "bencode.h"
#include "guard_srtp.h"
#include "guard_table.h"

#define PROG "senemo-srtp-guard"
#define NG_MAX 65536
#define MAX_PENDING 4096
#define PENDING_TTL_S 30
#define NLBUF (0xffff + 8192)
#define TXBUF_SIZE (64 * 1024)
#define VERDICT_MSG_MAX 64
#define DEFAULT_CONTROL "/run/senemo-srtp-guard.sock"

/* ---- options, counters, logging ---------------------------------------- */

static struct {
	const char *ng_listen, *ng_upstream, *control, *pidfile, *external_if;
	int queue;
	unsigned window, max_calls;
	int unknown_drop, verbose, libsrtp_hmac;
} opt = {"127.0.0.1:2224", "127.0.0.1:2223", DEFAULT_CONTROL, NULL, "external", 0, 128, 100000, 0, 0, 0};

static struct {
	uint64_t accepted, replay_dropped, auth_dropped, other_dropped, unguarded, unguarded_dropped,
			not_udp, rtcp_accepted, ng_relayed, ng_replies, ng_parse_errors, ng_learn_errors,
			ng_retransmits, ng_timeouts, ng_orphan_replies, nl_overruns;
} cnt;

static gt_table_t *table;
static gs_t *guard;

static void logf_(const char *fmt, ...)
{
	char ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s: ", ts, now.tv_nsec / 1000000, PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* drop lines: at most 20 per second, the rest counted */
static int drop_log_ok(void)
{
	static time_t sec;
	static unsigned n;
	static uint64_t suppressed;
	time_t now = time(NULL);
	if(now != sec) {
		if(suppressed)
			logf_("(%" PRIu64 " more drop lines suppressed)", suppressed);
		sec = now;
		n = 0;
		suppressed = 0;
	}
	if(n++ < 20)
		return 1;
	suppressed++;
	return 0;
}

static int stats_json(char *out, size_t max)
{
	gt_stats_t ts;
	gt_get_stats(table, &ts);
	return snprintf(out, max,
			"{\"accepted\":%" PRIu64 ",\"replay_dropped\":%" PRIu64 ",\"auth_dropped\":%" PRIu64
			",\"other_dropped\":%" PRIu64 ",\"unguarded\":%" PRIu64 ",\"unguarded_dropped\":%" PRIu64
			",\"not_udp\":%" PRIu64 ",\"rtcp_accepted\":%" PRIu64 ",\"streams\":%" PRIu64
			",\"sessions\":%u,\"calls\":%" PRIu64 ",\"calls_refused\":%" PRIu64 ",\"keys_changed\":%" PRIu64 ",\"ports_moved\":%" PRIu64
			",\"ports_taken\":%" PRIu64 ",\"ng_relayed\":%" PRIu64 ",\"ng_replies\":%" PRIu64
			",\"ng_parse_errors\":%" PRIu64 ",\"ng_learn_errors\":%" PRIu64 ",\"ng_retransmits\":%" PRIu64
			",\"ng_timeouts\":%" PRIu64 ",\"ng_orphan_replies\":%" PRIu64 ",\"nl_overruns\":%" PRIu64
			",\"unknown\":\"%s\",\"window\":%u,\"queue\":%d,\"hmac\":\"%s\"}\n",
			cnt.accepted, cnt.replay_dropped, cnt.auth_dropped, cnt.other_dropped, cnt.unguarded,
			cnt.unguarded_dropped, cnt.not_udp, cnt.rtcp_accepted, ts.streams, gs_sessions(guard), ts.calls,
			ts.calls_refused, ts.keys_changed, ts.ports_moved, ts.ports_taken, cnt.ng_relayed, cnt.ng_replies,
			cnt.ng_parse_errors, cnt.ng_learn_errors, cnt.ng_retransmits, cnt.ng_timeouts,
			cnt.ng_orphan_replies, cnt.nl_overruns, opt.unknown_drop ? "drop" : "accept", opt.window,
			opt.queue, gs_fast_hmac() ? "openssl" : "libsrtp");
}

/* ---- table <-> libsrtp ---------------------------------------------------- */

static int op_guard(void *ctx, unsigned rtp, unsigned rtcp, const ssdp_crypto_t *key)
{
	char err[200];
	if(gs_guard(guard, rtp, rtcp, key, err, sizeof(err)) < 0) {
		logf_("port %u: %s", rtp, err);
		return -1;
	}
	return 0;
}

static void op_unguard(void *ctx, unsigned rtp, unsigned rtcp)
{
	gs_unguard(guard, rtp, rtcp);
}

static int op_move(void *ctx, unsigned ortp, unsigned ortcp, unsigned rtp, unsigned rtcp)
{
	return gs_move(guard, ortp, ortcp, rtp, rtcp);
}

static void op_log(void *ctx, const char *line)
{
	logf_("%s", line);
}

/* ---- addresses -------------------------------------------------------------- */

static void parse_addr(const char *what, const char *s, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[256];
	const char *colon = strrchr(s, ':'), *h = s;
	size_t hl;
	struct addrinfo hints = {0}, *ai;
	int r;
	if(!colon || colon == s)
		die("%s: '%s' is not ADDR:PORT", what, s);
	hl = (size_t)(colon - s);
	if(s[0] == '[' && hl > 2 && s[hl - 1] == ']') {
		h = s + 1;
		hl -= 2;
	}
	if(hl >= sizeof(host))
		die("%s: address too long", what);
	memcpy(host, h, hl);
	host[hl] = 0;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	r = getaddrinfo(host, colon + 1, &hints, &ai);
	if(r)
		die("%s: '%s': %s", what, s, gai_strerror(r));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sl = ai->ai_addrlen;
	freeaddrinfo(ai);
}

static void addr_str(const struct sockaddr_storage *ss, char *out, size_t max)
{
	char h[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if(ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;
		inet_ntop(AF_INET, &a->sin_addr, h, sizeof(h));
		port = ntohs(a->sin_port);
	} else if(ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof(h));
		port = ntohs(a->sin6_port);
	}
	snprintf(out, max, "%s:%u", h, port);
}

/* ---- ng proxy ---------------------------------------------------------------- */

struct pending {
	int used;
	char cookie[65];
	struct sockaddr_storage client;
	socklen_t client_len;
	char *req; /* the request without its cookie */
	size_t req_len;
	int bad; /* the request itself does not decode: nothing to learn */
	time_t at;
};

static struct pending pend[MAX_PENDING];
static int ng_fd, up_fd;
static char ngbuf[NG_MAX + 1];

static struct pending *pend_find(const char *cookie, size_t n)
{
	for(int i = 0; i < MAX_PENDING; i++)
		if(pend[i].used && strlen(pend[i].cookie) == n && !memcmp(pend[i].cookie, cookie, n))
			return &pend[i];
	return NULL;
}

static void pend_free(struct pending *p)
{
	free(p->req);
	memset(p, 0, sizeof(*p));
}

static void pend_expire(time_t now)
{
	for(int i = 0; i < MAX_PENDING; i++)
		if(pend[i].used && now - pend[i].at > PENDING_TTL_S) {
			cnt.ng_timeouts++;
			logf_("ng: no reply from rtpengine for cookie %s in %d s", pend[i].cookie, PENDING_TTL_S);
			pend_free(&pend[i]);
		}
}

static int on_ng_request(void)
{
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	size_t cl, off;
	ssize_t n = recvfrom(ng_fd, ngbuf, NG_MAX, 0, (struct sockaddr *)&from, &fl);
	struct pending *p;
	char who[80];

	if(n <= 0)
		return 0;
	addr_str(&from, who, sizeof(who));
	if(gt_split_cookie(ngbuf, (size_t)n, &cl, &off) < 0) {
		cnt.ng_parse_errors++;
		logf_("ng request from %s: cookie: missing, longer than 64 bytes or not printable (%zd bytes): dropped",
				who, n);
		return 1;
	}
	p = pend_find(ngbuf, cl);
	if(p && p->client_len == fl && !memcmp(&p->client, &from, fl)) {
		cnt.ng_retransmits++; /* the same request again: rtpengine answers retransmissions from its cache */
	} else {
		if(p) { /* a cookie reused by another client: the newer one wins */
			logf_("ng request from %s: cookie %.*s still pending for another client; replaced", who, (int)cl,
					ngbuf);
			pend_free(p);
		}
		for(int i = 0; i < MAX_PENDING && !p; i++)
			if(!pend[i].used)
				p = &pend[i];
		if(!p) {
			cnt.ng_parse_errors++;
			logf_("ng request from %s: %d requests pending: dropped", who, MAX_PENDING);
			return 1;
		}
		p->req = malloc((size_t)n - off);
		if(!p->req)
			return 1;
		p->used = 1;
		memcpy(p->cookie, ngbuf, cl);
		p->cookie[cl] = 0;
		p->client = from;
		p->client_len = fl;
		memcpy(p->req, ngbuf + off, (size_t)n - off);
		p->req_len = (size_t)n - off;
		{ /* relayed whatever it is; a request that does not decode is said at once */
			static be_node_t nodes[2048];
			char err[BE_ERRLEN];
			if(be_decode(p->req, p->req_len, nodes, 2048, NULL, err) < 0) {
				cnt.ng_parse_errors++;
				p->bad = 1;
				logf_("ng request from %s, cookie %s: bencode: %s (relayed to rtpengine; nothing learned)", who,
						p->cookie, err);
			}
		}
	}
	p->at = time(NULL);
	if(send(up_fd, ngbuf, (size_t)n, 0) < 0) {
		if(opt.verbose)
			logf_("ng: relaying to rtpengine: %s", strerror(errno));
		return 1; /* no reply: the client times out as it would without the guard */
	}
	cnt.ng_relayed++;
	return 1;
}

static int on_ng_reply(void)
{
	size_t cl, off;
	ssize_t n = recv(up_fd, ngbuf, NG_MAX, 0);
	struct pending *p;
	char err[GT_ERRLEN];
	int r;

	if(n <= 0)
		return 0;
	if(gt_split_cookie(ngbuf, (size_t)n, &cl, &off) < 0) {
		cnt.ng_parse_errors++;
		logf_("ng reply from rtpengine: cookie: missing or bad (%zd bytes): dropped", n);
		return 1;
	}
	p = pend_find(ngbuf, cl);
	if(!p) {
		cnt.ng_orphan_replies++; /* a second reply to a retransmission, or expired */
		return 1;
	}
	if(sendto(ng_fd, ngbuf, (size_t)n, 0, (struct sockaddr *)&p->client, p->client_len) < 0)
		logf_("ng: reply to client: %s", strerror(errno));
	cnt.ng_replies++;
	if(p->bad) {
		pend_free(p);
		return 1;
	}
	r = gt_learn(table, p->req, p->req_len, ngbuf + off, (size_t)n - off, err);
	if(r == GT_ERROR) {
		cnt.ng_learn_errors++;
		logf_("ng cookie %s: %s: nothing learned", p->cookie, err);
	}
	pend_free(p);
	return 1;
}

/* ---- NFQUEUE --------------------------------------------------------------- */

static struct mnl_socket *nl;
static unsigned portid;
static char txbuf[TXBUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
static size_t txlen;

static void tx_flush(void)
{
	if(txlen && mnl_socket_sendto(nl, txbuf, txlen) < 0)
		die("sending verdicts: %s", strerror(errno));
	txlen = 0;
}

static void tx_verdict(uint16_t qnum, uint32_t id, int verdict)
{
	struct nlmsghdr *nlh;
	if(txlen + VERDICT_MSG_MAX > TXBUF_SIZE)
		tx_flush();
	nlh = nfq_nlmsg_put(txbuf + txlen, NFQNL_MSG_VERDICT, qnum);
	nfq_nlmsg_verdict_put(nlh, (int)id, verdict);
	txlen += NLMSG_ALIGN(nlh->nlmsg_len);
}

static void config_request(struct nlmsghdr *nlh, const char *what)
{
	char buf[8192];
	static unsigned seq = 1;
	ssize_t n;
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq++;
	if(mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("%s: %s", what, strerror(errno));
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if(n < 0 || mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL) < 0)
		die("%s: %s", what, strerror(errno));
}

static void guard_nfq_open(void)
{
	char buf[8192];
	struct nlmsghdr *nlh;
	int rcvbuf = 8 << 20;

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if(!nl)
		die("mnl_socket_open: %s", strerror(errno));
	if(mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("mnl_socket_bind: %s", strerror(errno));
	portid = mnl_socket_get_portid(nl);
	if(setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, (uint16_t)opt.queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	config_request(nlh, "binding the NFQUEUE (already bound by another process?)");
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, (uint16_t)opt.queue);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, 8192);
	config_request(nlh, "setting the NFQUEUE parameters");
	if(fcntl(mnl_socket_get_fd(nl), F_SETFL, O_NONBLOCK) < 0)
		die("fcntl: %s", strerror(errno));
}

/* the verdict for one queued IP packet */
static int packet_verdict(uint8_t *p, size_t len)
{
	size_t hl;
	unsigned sport, dport;
	int r, rtcp;
	char src[INET6_ADDRSTRLEN] = "?";

	if(len >= 20 && (p[0] >> 4) == 4) {
		hl = (size_t)(p[0] & 15) * 4;
		if(hl < 20 || len < hl + 8 || p[9] != IPPROTO_UDP || (((p[6] << 8) | p[7]) & 0x3fff)) {
			cnt.not_udp++;
			return NF_ACCEPT;
		}
		inet_ntop(AF_INET, p + 12, src, sizeof(src));
	} else if(len >= 48 && (p[0] >> 4) == 6 && p[6] == IPPROTO_UDP) {
		hl = 40; /* (extension headers: not UDP here; accepted as not_udp) */
		inet_ntop(AF_INET6, p + 8, src, sizeof(src));
	} else {
		cnt.not_udp++;
		return NF_ACCEPT;
	}
	sport = (unsigned)(p[hl] << 8 | p[hl + 1]);
	dport = (unsigned)(p[hl + 2] << 8 | p[hl + 3]);
	r = gs_check(guard, dport, p + hl + 8, len - hl - 8, &rtcp);
	switch(r) {
	case GS_ACCEPT:
		cnt.accepted++;
		if(rtcp)
			cnt.rtcp_accepted++;
		return NF_ACCEPT;
	case GS_UNGUARDED:
		cnt.unguarded++;
		if(opt.unknown_drop) {
			cnt.unguarded_dropped++;
			return NF_DROP;
		}
		return NF_ACCEPT;
	case GS_DROP_REPLAY:
		cnt.replay_dropped++;
		if(drop_log_ok())
			logf_("drop replayed SRTP%s packet from %s:%u to port %u (seq %u)", rtcp ? "C" : "", src, sport,
					dport, len >= hl + 12 ? (unsigned)(p[hl + 10] << 8 | p[hl + 11]) : 0);
		return NF_DROP;
	case GS_DROP_AUTH:
		cnt.auth_dropped++;
		if(drop_log_ok())
			logf_("drop SRTP%s packet failing authentication from %s:%u to port %u", rtcp ? "C" : "", src,
					sport, dport);
		return NF_DROP;
	default:
		cnt.other_dropped++;
		if(drop_log_ok())
			logf_("drop non-SRTP packet (%zu bytes) from %s:%u to guarded port %u", len - hl - 8, src, sport,
					dport);
		return NF_DROP;
	}
}

static void on_nl_packet(struct nlmsghdr *nlh)
{
	struct nlattr *attr[NFQA_MAX + 1] = {0};
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nfqnl_msg_packet_hdr *ph;
	uint32_t id;
	int v = NF_ACCEPT;

	if(nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	id = ntohl(ph->packet_id);
	if(attr[NFQA_PAYLOAD]) /* our copy of the packet: checked in place (4-byte aligned, as is its UDP payload) */
		v = packet_verdict(mnl_attr_get_payload(attr[NFQA_PAYLOAD]), mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]));
	else
		cnt.not_udp++;
	tx_verdict(ntohs(nfg->res_id), id, v);
}

static void on_nl(void)
{
	static char buf[NLBUF] __attribute__((aligned(8)));
	for(;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		struct nlmsghdr *nlh;
		int len;
		if(n < 0) {
			if(errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if(errno == ENOBUFS) {
				cnt.nl_overruns++; /* those packets stay queued until the kernel's queue overflows */
				continue;
			}
			die("receiving from netlink: %s", strerror(errno));
		}
		len = (int)n;
		for(nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if(nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
				if(e->error)
					logf_("netlink error: %s", strerror(-e->error));
			} else if((nlh->nlmsg_type & 0xff) == NFQNL_MSG_PACKET) {
				on_nl_packet(nlh);
			}
		}
	}
	tx_flush();
}

/* ---- control socket ---------------------------------------------------------- */

static int ctl_fd = -1;

static void on_control(void)
{
	char line[1024];
	int c = accept4(ctl_fd, NULL, NULL, SOCK_CLOEXEC);
	int n;
	if(c < 0)
		return;
	n = stats_json(line, sizeof(line));
	if(n > 0 && write(c, line, (size_t)n) < 0)
		logf_("control: write: %s", strerror(errno));
	close(c);
}

static int stats_client(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char buf[2048];
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if(strlen(path) >= sizeof(a.sun_path))
		die("--stats: path too long");
	strcpy(a.sun_path, path);
	if(fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", PROG, path, strerror(errno));
		return 1;
	}
	while((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return 0;
}

static void control_open(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if(!opt.control || !*opt.control)
		return;
	if(strlen(opt.control) >= sizeof(a.sun_path))
		die("--control: path too long");
	strcpy(a.sun_path, opt.control);
	unlink(opt.control);
	ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if(ctl_fd < 0 || bind(ctl_fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ctl_fd, 16) < 0)
		die("control socket %s: %s", opt.control, strerror(errno));
}

/* ---- main ------------------------------------------------------------------------ */

static unsigned long num(const char *o, const char *s, unsigned long lo, unsigned long hi)
{
	char *e;
	unsigned long v;
	errno = 0;
	v = strtoul(s, &e, 10);
	if(errno || e == s || *e || v < lo || v > hi)
		die("bad value for --%s: '%s' (%lu..%lu)", o, s, lo, hi);
	return v;
}

static void usage(int rc)
{
	fprintf(rc ? stderr : stdout,
			"usage: %s [--ng-listen ADDR:PORT] [--ng-upstream ADDR:PORT] [--queue N]\n"
			"          [--window N] [--unknown accept|drop] [--external-if NAME] [--max-calls N]\n"
			"          [--control PATH] [--pidfile PATH] [--verbose] [--libsrtp-hmac]\n"
			"       %s --stats [PATH]\n"
			"defaults: --ng-listen 127.0.0.1:2224 --ng-upstream 127.0.0.1:2223 --queue 0 --window 128\n"
			"          --unknown accept --external-if external --max-calls 100000 --control %s\n",
			PROG, PROG, DEFAULT_CONTROL);
	exit(rc);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"ng-listen", required_argument, NULL, 'l'},
			{"ng-upstream", required_argument, NULL, 'u'}, {"queue", required_argument, NULL, 'q'},
			{"window", required_argument, NULL, 'w'}, {"unknown", required_argument, NULL, 'k'},
			{"external-if", required_argument, NULL, 'x'}, {"max-calls", required_argument, NULL, 'm'},
			{"control", required_argument, NULL, 'c'}, {"pidfile", required_argument, NULL, 'p'},
			{"verbose", no_argument, NULL, 'v'}, {"stats", optional_argument, NULL, 's'},
			{"libsrtp-hmac", no_argument, NULL, 'H'},
			{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct sockaddr_storage la, ua;
	socklen_t lal, ual;
	struct pollfd pfd[5];
	sigset_t sigs;
	int c, sfd, one = 1, stats = 0;
	const char *stats_path = NULL;
	char err[200];
	gt_config_t cfg;
	gt_ops_t ops = {NULL, op_guard, op_unguard, op_move, op_log};

	while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch(c) {
		case 'l': opt.ng_listen = optarg; break;
		case 'u': opt.ng_upstream = optarg; break;
		case 'q': opt.queue = (int)num("queue", optarg, 0, 65535); break;
		case 'w': opt.window = (unsigned)num("window", optarg, 64, 32768); break;
		case 'k':
			if(!strcmp(optarg, "drop"))
				opt.unknown_drop = 1;
			else if(!strcmp(optarg, "accept"))
				opt.unknown_drop = 0;
			else
				die("--unknown: accept or drop, not '%s'", optarg);
			break;
		case 'x': opt.external_if = optarg; break;
		case 'm': opt.max_calls = (unsigned)num("max-calls", optarg, 1, 10000000); break;
		case 'c': opt.control = optarg; break;
		case 'p': opt.pidfile = optarg; break;
		case 'v': opt.verbose = 1; break;
		case 'H': opt.libsrtp_hmac = 1; break;
		case 's':
			stats = 1;
			stats_path = optarg ? optarg : (optind < argc && argv[optind][0] != '-' ? argv[optind++] : NULL);
			break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if(optind != argc)
		usage(2);
	if(stats)
		return stats_client(stats_path ? stats_path : opt.control);

	parse_addr("--ng-listen", opt.ng_listen, &la, &lal);
	parse_addr("--ng-upstream", opt.ng_upstream, &ua, &ual);
	guard = gs_new(opt.window, opt.libsrtp_hmac, err, sizeof(err));
	if(!guard)
		die("%s", err);
	cfg.external_if = opt.external_if;
	cfg.max_calls = opt.max_calls;
	table = gt_new(&cfg, &ops);
	if(!table)
		die("out of memory");

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if(sfd < 0)
		die("signalfd: %s", strerror(errno));

	ng_fd = socket(la.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if(ng_fd < 0 || setsockopt(ng_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0
			|| bind(ng_fd, (struct sockaddr *)&la, lal) < 0)
		die("ng socket %s: %s", opt.ng_listen, strerror(errno));
	up_fd = socket(ua.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if(up_fd < 0 || connect(up_fd, (struct sockaddr *)&ua, ual) < 0)
		die("ng upstream %s: %s", opt.ng_upstream, strerror(errno));
	guard_nfq_open();
	control_open();
	if(opt.pidfile) {
		FILE *f = fopen(opt.pidfile, "w");
		if(!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f))
			die("%s: %s", opt.pidfile, strerror(errno));
	}
	logf_("ng %s -> rtpengine %s, NFQUEUE %d, replay window %u, unknown ports: %s, external interface '%s', "
		  "HMAC-SHA1: %s",
			opt.ng_listen, opt.ng_upstream, opt.queue, opt.window, opt.unknown_drop ? "drop" : "accept",
			opt.external_if, gs_fast_hmac() ? "guard_hmac.c (OpenSSL SHA-1)" : "libsrtp's own");

	pfd[0] = (struct pollfd){.fd = mnl_socket_get_fd(nl), .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = ng_fd, .events = POLLIN};
	pfd[2] = (struct pollfd){.fd = up_fd, .events = POLLIN};
	pfd[3] = (struct pollfd){.fd = sfd, .events = POLLIN};
	pfd[4] = (struct pollfd){.fd = ctl_fd, .events = POLLIN};
	for(;;) {
		int r = poll(pfd, ctl_fd >= 0 ? 5 : 4, 1000);
		if(r < 0) {
			if(errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if(pfd[0].revents)
			on_nl();
		if(pfd[2].revents)
			for(int i = 0; i < 256 && on_ng_reply(); i++)
				;
		if(pfd[1].revents)
			for(int i = 0; i < 256 && on_ng_request(); i++)
				;
		if(ctl_fd >= 0 && pfd[4].revents)
			on_control();
		if(pfd[3].revents) {
			struct signalfd_siginfo si;
			if(read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if(si.ssi_signo == SIGUSR1) {
					char line[1024];
					stats_json(line, sizeof(line));
					line[strcspn(line, "\n")] = 0;
					logf_("stats %s", line);
				} else {
					break;
				}
			}
		}
		{
			static time_t last;
			time_t now = time(NULL);
			if(now != last) { /* (once a second: the table has MAX_PENDING slots) */
				pend_expire(now);
				last = now;
			}
		}
	}
	{
		char line[1024];
		stats_json(line, sizeof(line));
		line[strcspn(line, "\n")] = 0;
		logf_("exiting: %s", line);
	}
	if(ctl_fd >= 0)
		unlink(opt.control);
	if(opt.pidfile)
		unlink(opt.pidfile);
	gt_free(table);
	gs_free(guard);
	mnl_socket_close(nl);
	return 0;
}
