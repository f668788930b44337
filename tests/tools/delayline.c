/*
 * senemo-delayline: access-link emulator on NFQUEUE (libnetfilter_queue,
 * mnl-based API).
 *
 * The kernel has no netem, so the tests send each direction of an emulated
 * link through an iptables NFQUEUE rule in a router namespace, and this
 * program decides when each queued packet may go on.  Every queue is one
 * direction of a link with its own one-way delay and rate.  A packet that
 * arrives at time A with L bytes (IP length) is released at
 *
 *     busy    = max(A, busy) + L*8/rate      (serialization; rate 0 = none)
 *     release = busy + delay
 *
 * which is both the bottleneck for bulk transfers (packets leave at exactly
 * the link rate) and the serialization delay of an isolated small message
 * (a 600-byte SIP message on 10 kbit/s takes ~480 ms).  Release times are
 * monotonic per queue, so packets leave in arrival order and one
 * NFQNL_MSG_VERDICT_BATCH ("accept every id up to N") releases all packets
 * that are due.  Nothing is dropped except by --loss-pct (deterministic
 * PRNG, --seed; lost packets go at arrival and take no link time) or beyond
 * --limit pending packets per queue (default 100000; counted as drops).
 *
 * Usage:
 *   senemo-delayline --queue N --delay-ms D [--rate-kbit R] [--loss-pct P]
 *                    [--queue N2 --delay-ms D2 ...]
 *                    [--limit PKTS] [--seed S] [--pidfile F]
 * --delay-ms, --rate-kbit and --loss-pct apply to the --queue before them.
 * The pidfile is written once every queue is bound: install the NFQUEUE
 * rules after it appears (without a consumer the kernel drops the packets).
 * SIGTERM/SIGINT: pending packets are accepted at once, counters go to
 * stderr, exit 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define MAX_QUEUES      16
#define DEFAULT_LIMIT   100000u
/* the kernel's own queue is a little longer than ours, so overflow is
 * always seen (and counted) here rather than dropped silently there */
#define KERNEL_SLACK    4096u
#define COPY_RANGE      64          /* we only need the length */
#define RCVBUF          (8 << 20)
#define TXBUF_SIZE      (64 * 1024)
#define VERDICT_MSG_MAX 64          /* nlmsghdr + nfgenmsg + verdict attribute */
#define RXBUF_SIZE      (64 * 1024) /* one packet notification per datagram */
#define CFGBUF_SIZE     8192

struct pkt {
	uint64_t release_ns;
	uint32_t id;
	uint32_t len;
};

struct queue {
	uint16_t num;
	uint64_t delay_ns;
	double rate_kbit;            /* 0 = no rate limit */
	double loss_pct;
	uint64_t busy_until_ns;      /* when the emulated link is free again */
	struct pkt *ring;            /* FIFO of pending packets */
	uint32_t head, count;
	/* counters */
	uint64_t packets, bytes, drops, lost;
};

static struct queue queues[MAX_QUEUES];
static unsigned nqueues;
static uint32_t limit = DEFAULT_LIMIT;
static uint64_t rng_state = 0x853c49e6748fea9bULL;
static uint64_t overruns;            /* ENOBUFS: notifications lost by the socket */

static struct mnl_socket *nl;
static unsigned portid;

/* verdicts collected during one loop iteration, sent with one sendto */
static char txbuf[TXBUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
static size_t txlen;

static void die(const char *what)
{
	fprintf(stderr, "senemo-delayline: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: senemo-delayline --queue N --delay-ms D [--rate-kbit R] [--loss-pct P]\n"
		"                        [--queue N2 --delay-ms D2 ...] [--limit PKTS]\n"
		"                        [--seed S] [--pidfile FILE]\n");
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: deterministic for a given --seed */
static double rng_uniform(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static double parse_num(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "senemo-delayline: bad value for --%s: '%s' (%g..%g)\n",
			opt, s, lo, hi);
		exit(2);
	}
	return v;
}

static struct queue *find_queue(uint16_t num)
{
	for (unsigned i = 0; i < nqueues; i++)
		if (queues[i].num == num)
			return &queues[i];
	return NULL;
}

/* ---- netlink ---------------------------------------------------------- */

static void tx_flush(void)
{
	if (txlen && mnl_socket_sendto(nl, txbuf, txlen) < 0)
		die("sending verdicts");
	txlen = 0;
}

/* append one verdict message (VERDICT for one id, VERDICT_BATCH for all ids
 * up to and including id) */
static void tx_verdict(int type, uint16_t qnum, uint32_t id, int verdict)
{
	struct nlmsghdr *nlh;

	if (txlen + VERDICT_MSG_MAX > TXBUF_SIZE)
		tx_flush();
	nlh = nfq_nlmsg_put(txbuf + txlen, type, qnum);
	nfq_nlmsg_verdict_put(nlh, (int)id, verdict);
	txlen += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* send a config request and wait for its ACK */
static void config_request(struct nlmsghdr *nlh, const char *what)
{
	char buf[CFGBUF_SIZE];
	static unsigned seq = 1;
	ssize_t n;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq++;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die(what);
	/* the iptables rules come after the pidfile, so only the ACK arrives */
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0 || mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL) < 0)
		die(what);
}

static void bind_queue(const struct queue *q)
{
	char buf[CFGBUF_SIZE];
	struct nlmsghdr *nlh;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	config_request(nlh, "binding queue (already bound by another process?)");

	/* NFQA_CFG_F_GSO stays off: the kernel segments GSO packets before
	 * queueing them, so each wire-sized packet is timed by its own length */
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, COPY_RANGE);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, limit + KERNEL_SLACK);
	config_request(nlh, "setting queue parameters");
}

/* one packet notification: stamp it, drop it, or schedule its release */
static void on_packet(const struct nlmsghdr *nlh, uint64_t now)
{
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nfqnl_msg_packet_hdr *ph;
	struct queue *q;
	uint32_t id, len;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	id = ntohl(ph->packet_id);
	q = find_queue(ntohs(nfg->res_id));
	if (!q)
		return;
	/* NFQA_CAP_LEN carries the full length when the copy was truncated */
	if (attr[NFQA_CAP_LEN])
		len = ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN]));
	else if (attr[NFQA_PAYLOAD])
		len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	else
		len = 0;

	if (q->loss_pct > 0 && rng_uniform() * 100.0 < q->loss_pct) {
		q->lost++;
		tx_verdict(NFQNL_MSG_VERDICT, q->num, id, NF_DROP);
		return;
	}
	if (q->count >= limit) {
		q->drops++;
		tx_verdict(NFQNL_MSG_VERDICT, q->num, id, NF_DROP);
		return;
	}
	if (q->busy_until_ns < now)
		q->busy_until_ns = now;
	if (q->rate_kbit > 0)
		q->busy_until_ns += (uint64_t)((double)len * 8e6 / q->rate_kbit);
	q->ring[(q->head + q->count) % limit] = (struct pkt){
		.release_ns = q->busy_until_ns + q->delay_ns, .id = id, .len = len };
	q->count++;
}

/* read every notification waiting on the (non-blocking) socket */
static void drain_socket(void)
{
	static char buf[RXBUF_SIZE];

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		uint64_t now = now_ns();
		const struct nlmsghdr *nlh;
		int len;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == ENOBUFS) {
				/* the lost notifications' packets stay queued in the
				 * kernel; the next batch verdict releases them */
				overruns++;
				continue;
			}
			die("receiving from netlink");
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
				if (e->error)
					fprintf(stderr, "senemo-delayline: netlink error: %s\n",
						strerror(-e->error));
			} else if ((nlh->nlmsg_type & 0xff) == NFQNL_MSG_PACKET) {
				on_packet(nlh, now);
			}
		}
	}
}

/* accept every packet due by `now` (everything if flush); return the
 * earliest pending release time, or 0 if nothing is pending */
static uint64_t release_due(uint64_t now, int flush)
{
	uint64_t next = 0;

	for (unsigned i = 0; i < nqueues; i++) {
		struct queue *q = &queues[i];
		uint32_t last = 0, n = 0;

		while (q->count && (flush || q->ring[q->head].release_ns <= now)) {
			last = q->ring[q->head].id;
			q->bytes += q->ring[q->head].len;
			q->head = (q->head + 1) % limit;
			q->count--;
			n++;
		}
		if (n) {
			tx_verdict(NFQNL_MSG_VERDICT_BATCH, q->num, last, NF_ACCEPT);
			q->packets += n;
		}
		if (q->count && (!next || q->ring[q->head].release_ns < next))
			next = q->ring[q->head].release_ns;
	}
	tx_flush();
	return next;
}

static void arm_timer(int tfd, uint64_t at_ns)
{
	struct itimerspec its = { 0 };

	/* it_value 0 disarms; an absolute time in the past fires at once */
	if (at_ns) {
		its.it_value.tv_sec = (time_t)(at_ns / 1000000000u);
		its.it_value.tv_nsec = (long)(at_ns % 1000000000u);
	}
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		die("timerfd_settime");
}

/* ---- main ------------------------------------------------------------- */

static void parse_args(int argc, char **argv, const char **pidfile)
{
	static const struct option opts[] = {
		{ "queue",     required_argument, NULL, 'q' },
		{ "delay-ms",  required_argument, NULL, 'd' },
		{ "rate-kbit", required_argument, NULL, 'r' },
		{ "loss-pct",  required_argument, NULL, 'l' },
		{ "limit",     required_argument, NULL, 'L' },
		{ "seed",      required_argument, NULL, 's' },
		{ "pidfile",   required_argument, NULL, 'p' },
		{ "help",      no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct queue *cur = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((c == 'd' || c == 'r' || c == 'l') && !cur) {
			fprintf(stderr, "senemo-delayline: --delay-ms/--rate-kbit/--loss-pct "
				"need a --queue before them\n");
			usage();
		}
		switch (c) {
		case 'q': {
			uint16_t num = (uint16_t)parse_num("queue", optarg, 0, 65535);
			if (nqueues == MAX_QUEUES || find_queue(num)) {
				fprintf(stderr, "senemo-delayline: too many or duplicate queues\n");
				exit(2);
			}
			cur = &queues[nqueues++];
			cur->num = num;
			break;
		}
		case 'd':
			cur->delay_ns = (uint64_t)(parse_num("delay-ms", optarg, 0, 600000) * 1e6);
			break;
		case 'r':
			cur->rate_kbit = parse_num("rate-kbit", optarg, 0, 1e8);
			break;
		case 'l':
			cur->loss_pct = parse_num("loss-pct", optarg, 0, 100);
			break;
		case 'L':
			limit = (uint32_t)parse_num("limit", optarg, 1, 10000000);
			break;
		case 's': {
			char *end;

			errno = 0;
			rng_state = strtoull(optarg, &end, 0) ^ 0x853c49e6748fea9bULL;
			if (errno || end == optarg || *end)
				usage();
			if (!rng_state)     /* xorshift must not start at 0 */
				rng_state = 1;
			break;
		}
		case 'p':
			*pidfile = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !nqueues)
		usage();
}

int main(int argc, char **argv)
{
	const char *pidfile = NULL;
	struct pollfd pfd[3];
	sigset_t sigs;
	int tfd, sfd, rcvbuf = RCVBUF;

	parse_args(argc, argv, &pidfile);

	for (unsigned i = 0; i < nqueues; i++) {
		queues[i].ring = calloc(limit, sizeof(struct pkt));
		if (!queues[i].ring)
			die("calloc");
	}
	/* default timer slack (50 us) would add jitter on the fast profiles */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0)
		die("sigprocmask");
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (sfd < 0 || tfd < 0)
		die("signalfd/timerfd");

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl)
		die("mnl_socket_open");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("mnl_socket_bind");
	portid = mnl_socket_get_portid(nl);
	/* FORCE ignores rmem_max (we are root); fall back silently otherwise */
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF,
			   &rcvbuf, sizeof(rcvbuf));

	for (unsigned i = 0; i < nqueues; i++)
		bind_queue(&queues[i]);
	if (fcntl(mnl_socket_get_fd(nl), F_SETFL, O_NONBLOCK) < 0)
		die("fcntl");

	if (pidfile) {
		FILE *f = fopen(pidfile, "w");
		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f))
			die(pidfile);
	}

	pfd[0] = (struct pollfd){ .fd = mnl_socket_get_fd(nl), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (pfd[2].revents)
			break;
		if (pfd[1].revents) {
			uint64_t expirations;
			if (read(tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
				die("reading timerfd");
		}
		if (pfd[0].revents)
			drain_socket();
		arm_timer(tfd, release_due(now_ns(), 0));
	}

	release_due(0, 1);
	for (unsigned i = 0; i < nqueues; i++)
		fprintf(stderr, "senemo-delayline: queue %u: packets %" PRIu64 " bytes %" PRIu64
			" drops %" PRIu64 " lost %" PRIu64 "\n", queues[i].num,
			queues[i].packets, queues[i].bytes, queues[i].drops, queues[i].lost);
	if (overruns)
		fprintf(stderr, "senemo-delayline: socket overruns %" PRIu64 "\n", overruns);
	if (pidfile)
		unlink(pidfile);
	mnl_socket_close(nl);
	return 0;
}
