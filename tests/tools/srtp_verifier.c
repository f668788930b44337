/*
 * senemo-srtp - RTP/SRTP media verifier for the SeNEMO ALG tests.
 *
 * Sends G.711-like RTP (160-byte payloads every 20 ms, a payload pattern
 * derived from SSRC, packet counter and timestamp), optionally protected
 * with SRTP (libsrtp2, key and suite as in an SDP a=crypto line), on one or
 * many streams from one process; receives on the same sockets (symmetric
 * RTP), optionally unprotects, and checks every packet: payload identical
 * to what the sender made, RTP header consistent with it, loss, duplicates,
 * reordering, RFC 3550 interarrival jitter, the largest gap between two
 * packets. Prints a one-line JSON summary. Every run is bounded in time.
 *
 *   senemo-srtp run  [stream options] [--stream [stream options]]... [global options]
 *   senemo-srtp send ...          (run without receiving)
 *   senemo-srtp recv ...          (run without sending)
 *   senemo-srtp sdp FILE          audio address/port/proto/crypto of an SDP, as JSON
 *   senemo-srtp keygen [SUITE]    a fresh "SUITE inline:<base64>"
 *
 * See usage() for the options, cfg/rtpengine/README.md for how the tests
 * use it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "srtp_sdp.h"
#include "srtp_policy.h"
#include "srtp_stats.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <srtp2/srtp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_STREAMS 2000
#define MAX_SSRC 4
#define MAX_SOURCES 8
#define MAX_MARKS 64
#define PKT_MAX 1600

static const char *prog = "senemo-srtp";

static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* ---- per-stream state ------------------------------------------------ */

typedef struct {
	uint32_t ssrc;
	sst_seq_t seq;
	sst_jitter_t jit;
	sst_gap_t gap;
	double jitter_ms_max;
} rx_src_t;

typedef struct {
	char addr[INET6_ADDRSTRLEN + 8];
	uint64_t packets;
} source_t;

typedef struct {
	/* configuration */
	char name[32];
	struct sockaddr_storage local, remote;
	socklen_t local_len, remote_len;
	int have_local, have_remote;
	unsigned remote_rtcp_port; /* from the remote SDP's a=rtcp, 0 = RTP port + 1 */
	ssdp_crypto_t tx_crypto, rx_crypto;
	int have_tx_crypto, have_rx_crypto;
	uint32_t ssrc, seq0, ts0, first;
	int have_ssrc, have_seq, have_ts;
	long count;            /* packets to send, -1 = from duration */
	uint64_t expect;       /* packets expected at this end, 0 = max counter + 1 */
	long tamper[MAX_MARKS], replay[MAX_MARKS];
	int n_tamper, n_replay;
	/* runtime */
	int fd, rtcp_fd;
	struct sockaddr_storage rtcp_remote;
	srtp_t tx, rx;
	uint32_t next_counter;
	uint64_t sent, tampered_sent, replayed_sent, send_errors;
	uint64_t received, valid, bad_payload, hdr_mismatch, not_rtp, foreign;
	uint64_t srtp_auth_fail, srtp_replay_fail, srtp_other_fail;
	uint64_t rtcp_sent, rtcp_received, rtcp_valid, rtcp_auth_fail, rtcp_other_fail;
	int64_t first_rx_ns, last_rx_ns;
	rx_src_t src[MAX_SSRC];
	int n_src;
	uint64_t extra_ssrc; /* packets from SSRCs past MAX_SSRC */
	source_t sources[MAX_SOURCES];
	int n_sources;
} stream_t;

static stream_t *streams;
static int n_streams;

/* global options */
static double opt_duration = 10.0;
static unsigned opt_ptime = 20;
static unsigned opt_linger_ms = 500;
static unsigned opt_idle_ms = 0;
static uint64_t opt_wait_count = 0;
static const char *opt_ready = NULL, *opt_go = NULL, *opt_out = NULL;
static int opt_per_stream = 0, opt_send = 1, opt_recv = 1;
static unsigned opt_rtcp_every = 0; /* send an RTCP SR every N RTP packets, 0 = no RTCP */
static const char *mode = "run";

static volatile sig_atomic_t stop_flag = 0;
static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int64_t now_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t now_real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- parsing helpers --------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n = 0, cap = 4096, r;
	if(!f)
		die("cannot open %s: %s", path, strerror(errno));
	buf = malloc(cap);
	if(!buf)
		die("out of memory");
	while((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if(n == cap) {
			if(cap >= (1u << 20))
				die("%s: larger than 1 MiB", path);
			cap *= 2;
			buf = realloc(buf, cap);
			if(!buf)
				die("out of memory");
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

static void load_sdp(const char *path, ssdp_media_t *m)
{
	size_t len;
	char err[SSDP_ERRLEN] = "";
	char *buf = read_file(path, &len);
	if(ssdp_sdp_parse(buf, len, m, err) < 0)
		die("%s: %s", path, err);
	free(buf);
}

static void parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *sl, const char *what)
{
	char host[128];
	const char *port;
	struct addrinfo hints, *ai = NULL;
	int r;

	if(s[0] == '[') {
		const char *e = strchr(s, ']');
		if(!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof(host))
			die("%s '%s': expected [IPv6]:PORT", what, s);
		memcpy(host, s + 1, (size_t)(e - s - 1));
		host[e - s - 1] = 0;
		port = e + 2;
	} else {
		const char *c = strrchr(s, ':');
		if(!c || (size_t)(c - s) >= sizeof(host))
			die("%s '%s': expected ADDR:PORT", what, s);
		memcpy(host, s, (size_t)(c - s));
		host[c - s] = 0;
		port = c + 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	r = getaddrinfo(host, port, &hints, &ai);
	if(r != 0)
		die("%s '%s': %s", what, s, gai_strerror(r));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sl = (socklen_t)ai->ai_addrlen;
	freeaddrinfo(ai);
}

static void addr_from_sdp(const ssdp_media_t *m, struct sockaddr_storage *ss, socklen_t *sl)
{
	char buf[SSDP_MAX_ADDR + 16];
	if(m->addr_family == 6)
		snprintf(buf, sizeof(buf), "[%s]:%u", m->addr, m->port);
	else
		snprintf(buf, sizeof(buf), "%s:%u", m->addr, m->port);
	parse_addr(buf, ss, sl, "SDP address");
}

static void parse_crypto_arg(const char *s, ssdp_crypto_t *c, const char *what)
{
	char err[SSDP_ERRLEN] = "";
	if(ssdp_crypto_parse_arg(s, strlen(s), c, err) < 0)
		die("%s '%s': %s", what, s, err);
}

/* FILE[#SUITE] */
static void crypto_from_sdp(const char *arg, ssdp_crypto_t *c, const char *what)
{
	char path[PATH_MAX];
	const char *hash = strchr(arg, '#');
	const char *suite = NULL;
	const ssdp_crypto_t *found;
	ssdp_media_t m;

	if(hash) {
		if((size_t)(hash - arg) >= sizeof(path))
			die("%s: path too long", what);
		memcpy(path, arg, (size_t)(hash - arg));
		path[hash - arg] = 0;
		suite = hash + 1;
	} else {
		snprintf(path, sizeof(path), "%s", arg);
	}
	load_sdp(path, &m);
	found = ssdp_sdp_crypto(&m, suite);
	if(!found)
		die("%s: %s has no a=crypto%s%s line%s", what, path, suite ? " with " : "",
				suite ? suite : "", m.n_crypto_bad ? " that parses" : "");
	*c = *found;
}

static long parse_long(const char *s, long min, long max, const char *what)
{
	char *e;
	long v;
	errno = 0;
	v = strtol(s, &e, 0);
	if(errno || *e || e == s || v < min || v > max)
		die("%s '%s': expected an integer in %ld..%ld", what, s, min, max);
	return v;
}

static double parse_double(const char *s, double min, double max, const char *what)
{
	char *e;
	double v;
	errno = 0;
	v = strtod(s, &e);
	if(errno || *e || e == s || !(v >= min && v <= max))
		die("%s '%s': expected a number in %g..%g", what, s, min, max);
	return v;
}

static void parse_marks(const char *s, long *marks, int *n, const char *what)
{
	char buf[1024], *tok, *save = NULL;
	snprintf(buf, sizeof(buf), "%s", s);
	for(tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if(*n >= MAX_MARKS)
			die("%s: at most %d packet numbers", what, MAX_MARKS);
		marks[(*n)++] = parse_long(tok, 0, LONG_MAX, what);
	}
}

static stream_t *new_stream(void)
{
	stream_t *s;
	if(n_streams >= MAX_STREAMS)
		die("at most %d streams", MAX_STREAMS);
	s = &streams[n_streams++];
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->rtcp_fd = -1;
	s->count = -1;
	snprintf(s->name, sizeof(s->name), "s%d", n_streams - 1);
	return s;
}

/* Apply one stream option (name without the leading "--"). Returns 1 if
 * it took the value, 0 if the name is not a stream option. */
static int stream_option(stream_t *s, const char *name, const char *val)
{
	ssdp_media_t m;
#define NEED()                                                      \
	do {                                                            \
		if(!val)                                                    \
			die("--%s needs a value", name);                        \
	} while(0)
	if(!strcmp(name, "local")) {
		NEED();
		parse_addr(val, &s->local, &s->local_len, "--local");
		s->have_local = 1;
	} else if(!strcmp(name, "local-sdp")) {
		NEED();
		load_sdp(val, &m);
		addr_from_sdp(&m, &s->local, &s->local_len);
		s->have_local = 1;
	} else if(!strcmp(name, "remote")) {
		NEED();
		parse_addr(val, &s->remote, &s->remote_len, "--remote");
		s->have_remote = 1;
	} else if(!strcmp(name, "remote-sdp")) {
		NEED();
		load_sdp(val, &m);
		if(m.port == 0)
			die("--remote-sdp %s: the audio stream is rejected (port 0)", val);
		addr_from_sdp(&m, &s->remote, &s->remote_len);
		s->remote_rtcp_port = m.rtcp_port;
		s->have_remote = 1;
	} else if(!strcmp(name, "tx-crypto")) {
		NEED();
		parse_crypto_arg(val, &s->tx_crypto, "--tx-crypto");
		s->have_tx_crypto = 1;
	} else if(!strcmp(name, "tx-crypto-sdp")) {
		NEED();
		crypto_from_sdp(val, &s->tx_crypto, "--tx-crypto-sdp");
		s->have_tx_crypto = 1;
	} else if(!strcmp(name, "rx-crypto")) {
		NEED();
		parse_crypto_arg(val, &s->rx_crypto, "--rx-crypto");
		s->have_rx_crypto = 1;
	} else if(!strcmp(name, "rx-crypto-sdp")) {
		NEED();
		crypto_from_sdp(val, &s->rx_crypto, "--rx-crypto-sdp");
		s->have_rx_crypto = 1;
	} else if(!strcmp(name, "ssrc")) {
		NEED();
		s->ssrc = (uint32_t)strtoul(val, NULL, 0);
		s->have_ssrc = 1;
	} else if(!strcmp(name, "seq")) {
		NEED();
		s->seq0 = (uint32_t)parse_long(val, 0, 65535, "--seq");
		s->have_seq = 1;
	} else if(!strcmp(name, "ts")) {
		NEED();
		s->ts0 = (uint32_t)strtoul(val, NULL, 0);
		s->have_ts = 1;
	} else if(!strcmp(name, "first")) {
		NEED();
		s->first = (uint32_t)parse_long(val, 0, 100000000, "--first");
	} else if(!strcmp(name, "count")) {
		NEED();
		s->count = parse_long(val, 0, 10000000, "--count");
	} else if(!strcmp(name, "expect")) {
		NEED();
		s->expect = (uint64_t)parse_long(val, 0, 10000000, "--expect");
	} else if(!strcmp(name, "tamper")) {
		NEED();
		parse_marks(val, s->tamper, &s->n_tamper, "--tamper");
	} else if(!strcmp(name, "replay")) {
		NEED();
		parse_marks(val, s->replay, &s->n_replay, "--replay");
	} else if(!strcmp(name, "name")) {
		NEED();
		snprintf(s->name, sizeof(s->name), "%s", val);
	} else {
		return 0;
	}
	return 1;
#undef NEED
}

/* streams file: one stream per line, "name=value" tokens separated by
 * blanks (the stream options without "--"); '#' starts a comment. A crypto
 * value has no blank: SUITE:inline:KEY. */
static void load_streams_file(const char *path)
{
	size_t len;
	char *buf = read_file(path, &len), *line, *save = NULL;
	unsigned lineno = 0;
	buf = realloc(buf, len + 1);
	buf[len] = 0;
	for(line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tok, *s2 = NULL, *hash = strchr(line, '#');
		stream_t *s = NULL;
		lineno++;
		if(hash)
			*hash = 0;
		for(tok = strtok_r(line, " \t\r", &s2); tok; tok = strtok_r(NULL, " \t\r", &s2)) {
			char *eq = strchr(tok, '=');
			if(!eq)
				die("%s line %u: '%s' is not name=value", path, lineno, tok);
			*eq = 0;
			if(!s)
				s = new_stream();
			if(!stream_option(s, tok, eq + 1))
				die("%s line %u: unknown stream option '%s'", path, lineno, tok);
		}
	}
	free(buf);
}

/* ---- libsrtp ------------------------------------------------------------ */

static void srtp_ctx_make(srtp_t *ctx, const ssdp_crypto_t *c, int inbound, const char *who)
{
	srtp_policy_t p;
	srtp_err_status_t st;
	uint8_t key[SSDP_MAX_KEY];

	memset(&p, 0, sizeof(p));
	if(ssdp_srtp_crypto_policy(c, &p) < 0)
		die("%s: suite %s is not supported by libsrtp2", who, c->suite->name);
	if(c->mki_len)
		die("%s: MKI in the key is not supported by %s", who, prog);
	if(c->unencrypted_srtp)
		p.rtp.sec_serv = sec_serv_auth;
	if(c->unauthenticated_srtp)
		p.rtp.sec_serv = p.rtp.sec_serv == sec_serv_auth ? sec_serv_none : sec_serv_conf;
	if(c->unencrypted_srtcp)
		p.rtcp.sec_serv = sec_serv_auth;
	memcpy(key, c->key, c->key_len);
	p.key = key;
	p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	p.window_size = 128;
	p.allow_repeat_tx = 0;
	p.next = NULL;
	st = srtp_create(ctx, &p);
	if(st != srtp_err_status_ok)
		die("%s: srtp_create failed (%d)", who, (int)st);
}

/* ---- sockets ------------------------------------------------------------ */

static void addr_print(const struct sockaddr_storage *ss, char *out, size_t max)
{
	char h[INET6_ADDRSTRLEN];
	if(ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof(h));
		snprintf(out, max, "[%s]:%u", h, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const void *)ss;
		inet_ntop(AF_INET, &a->sin_addr, h, sizeof(h));
		snprintf(out, max, "%s:%u", h, ntohs(a->sin_port));
	}
}

static unsigned get_port(const struct sockaddr_storage *ss)
{
	if(ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static void set_port(struct sockaddr_storage *ss, unsigned port)
{
	if(ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

static void open_socket(stream_t *s)
{
	int fam, one = 1, sz = 1 << 20;
	if(s->have_local)
		fam = s->local.ss_family;
	else if(s->have_remote)
		fam = s->remote.ss_family;
	else
		die("stream %s: neither --local nor --remote", s->name);
	if(s->have_local && s->have_remote && s->local.ss_family != s->remote.ss_family)
		die("stream %s: local and remote address families differ", s->name);
	s->fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if(s->fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if(s->have_local) {
		char a[80];
		if(bind(s->fd, (struct sockaddr *)&s->local, s->local_len) < 0) {
			addr_print(&s->local, a, sizeof(a));
			die("stream %s: bind %s: %s", s->name, a, strerror(errno));
		}
	}
	if(opt_rtcp_every) {
		/* RTCP on the next port up (RFC 3550 §11), to the remote's a=rtcp
		 * port or RTP port + 1 */
		struct sockaddr_storage l;
		char a[80];
		s->rtcp_fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if(s->rtcp_fd < 0)
			die("socket: %s", strerror(errno));
		if(s->have_local) {
			l = s->local;
			set_port(&l, get_port(&s->local) + 1);
			if(bind(s->rtcp_fd, (struct sockaddr *)&l, s->local_len) < 0) {
				addr_print(&l, a, sizeof(a));
				die("stream %s: bind RTCP %s: %s", s->name, a, strerror(errno));
			}
		}
		if(s->have_remote) {
			s->rtcp_remote = s->remote;
			set_port(&s->rtcp_remote,
					s->remote_rtcp_port ? s->remote_rtcp_port : get_port(&s->remote) + 1u);
		}
	}
}

/* ---- sending ------------------------------------------------------------ */

static int has_mark(const long *m, int n, long k)
{
	int i;
	for(i = 0; i < n; i++)
		if(m[i] == k)
			return 1;
	return 0;
}

static void send_raw(stream_t *s, const uint8_t *buf, int len)
{
	if(sendto(s->fd, buf, (size_t)len, 0, (struct sockaddr *)&s->remote, s->remote_len) < 0)
		s->send_errors++;
}

/* an RTCP sender report (RFC 3550 §6.4.1), SRTCP-protected with the
 * stream's tx key when it has one */
static void send_rtcp_sr(stream_t *s, uint32_t rtp_ts)
{
	uint8_t b[PKT_MAX];
	int len = 28;
	int64_t now = now_real_ns();
	uint64_t ntp_sec = (uint64_t)(now / 1000000000LL) + 2208988800ULL;
	uint32_t ntp_frac = (uint32_t)(((uint64_t)(now % 1000000000LL) << 32) / 1000000000ULL);
	uint32_t octets = (uint32_t)(s->sent * SST_PAYLOAD_LEN);
	uint32_t v[6] = {s->ssrc, (uint32_t)ntp_sec, ntp_frac, rtp_ts, (uint32_t)s->sent, octets};
	int i;

	b[0] = 0x80;
	b[1] = 200; /* SR */
	b[2] = 0;
	b[3] = 6; /* length in 32-bit words - 1 */
	for(i = 0; i < 6; i++) {
		b[4 + 4 * i] = (uint8_t)(v[i] >> 24);
		b[5 + 4 * i] = (uint8_t)(v[i] >> 16);
		b[6 + 4 * i] = (uint8_t)(v[i] >> 8);
		b[7 + 4 * i] = (uint8_t)v[i];
	}
	if(s->tx && srtp_protect_rtcp(s->tx, b, &len) != srtp_err_status_ok) {
		s->send_errors++;
		return;
	}
	if(sendto(s->rtcp_fd, b, (size_t)len, 0, (struct sockaddr *)&s->rtcp_remote, s->remote_len) < 0)
		s->send_errors++;
	else
		s->rtcp_sent++;
}

static void send_packet(stream_t *s, int idx)
{
	uint8_t buf[PKT_MAX];
	uint32_t k = s->next_counter++;
	uint16_t seq = (uint16_t)(s->seq0 + k);
	uint32_t ts = s->ts0 + k * (opt_ptime * 8);
	int len = 12 + SST_PAYLOAD_LEN;

	buf[0] = 0x80;
	buf[1] = 0; /* PCMU */
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	buf[4] = (uint8_t)(ts >> 24);
	buf[5] = (uint8_t)(ts >> 16);
	buf[6] = (uint8_t)(ts >> 8);
	buf[7] = (uint8_t)ts;
	buf[8] = (uint8_t)(s->ssrc >> 24);
	buf[9] = (uint8_t)(s->ssrc >> 16);
	buf[10] = (uint8_t)(s->ssrc >> 8);
	buf[11] = (uint8_t)s->ssrc;
	sst_payload_fill(buf + 12, s->ssrc, k, ts, ((uint32_t)idx << 16) | seq);
	if(s->tx) {
		srtp_err_status_t st = srtp_protect(s->tx, buf, &len);
		if(st != srtp_err_status_ok) {
			s->send_errors++;
			return;
		}
	}
	if(has_mark(s->tamper, s->n_tamper, (long)k)) {
		/* a copy with one byte of the (encrypted) payload flipped, sent
		 * before the genuine packet so a receiver that accepted it would
		 * see a bad payload rather than a duplicate */
		uint8_t t[PKT_MAX];
		memcpy(t, buf, (size_t)len);
		t[12 + 40] ^= 0x01;
		send_raw(s, t, len);
		s->tampered_sent++;
	}
	send_raw(s, buf, len);
	s->sent++;
	if(opt_rtcp_every && s->rtcp_fd >= 0 && s->sent % opt_rtcp_every == 0)
		send_rtcp_sr(s, ts);
	if(has_mark(s->replay, s->n_replay, (long)k)) {
		/* the same bytes again: a replayed, validly protected packet */
		send_raw(s, buf, len);
		s->replayed_sent++;
	}
}

/* ---- receiving ------------------------------------------------------------ */

static rx_src_t *src_for(stream_t *s, uint32_t ssrc)
{
	int i;
	for(i = 0; i < s->n_src; i++)
		if(s->src[i].ssrc == ssrc)
			return &s->src[i];
	if(s->n_src >= MAX_SSRC)
		return NULL;
	rx_src_t *r = &s->src[s->n_src++];
	memset(r, 0, sizeof(*r));
	r->ssrc = ssrc;
	sst_seq_init(&r->seq, 1u << 24);
	sst_jitter_init(&r->jit, 8000);
	sst_gap_init(&r->gap);
	return r;
}

static void note_source(stream_t *s, const struct sockaddr_storage *from)
{
	char a[INET6_ADDRSTRLEN + 8];
	int i;
	addr_print(from, a, sizeof(a));
	for(i = 0; i < s->n_sources; i++)
		if(!strcmp(s->sources[i].addr, a)) {
			s->sources[i].packets++;
			return;
		}
	if(s->n_sources < MAX_SOURCES) {
		snprintf(s->sources[s->n_sources].addr, sizeof(s->sources[0].addr), "%s", a);
		s->sources[s->n_sources++].packets = 1;
	}
}

static sst_samples_t jitter_samples;
static uint64_t total_valid;
static int64_t last_any_rx_mono;

static void handle_packet(stream_t *s, uint8_t *buf, int len, int64_t arr_ns,
		const struct sockaddr_storage *from)
{
	int hl, r, cc, reord;
	uint16_t seq;
	uint32_t ts, ssrc;
	sst_payload_info_t info;
	rx_src_t *src;

	s->received++;
	last_any_rx_mono = now_mono_ns();
	if(!s->first_rx_ns)
		s->first_rx_ns = arr_ns;
	s->last_rx_ns = arr_ns;
	note_source(s, from);
	if(len < 12 || (buf[0] >> 6) != 2) {
		s->not_rtp++;
		return;
	}
	if(s->rx) {
		srtp_err_status_t st = srtp_unprotect(s->rx, buf, &len);
		if(st == srtp_err_status_auth_fail) {
			s->srtp_auth_fail++;
			return;
		}
		if(st == srtp_err_status_replay_fail || st == srtp_err_status_replay_old) {
			s->srtp_replay_fail++;
			return;
		}
		if(st != srtp_err_status_ok) {
			s->srtp_other_fail++;
			return;
		}
	}
	cc = buf[0] & 0x0f;
	hl = 12 + 4 * cc;
	if(len < hl) {
		s->not_rtp++;
		return;
	}
	if(buf[0] & 0x10) { /* header extension */
		if(len < hl + 4) {
			s->not_rtp++;
			return;
		}
		hl += 4 + 4 * ((buf[hl + 2] << 8) | buf[hl + 3]);
		if(len < hl) {
			s->not_rtp++;
			return;
		}
	}
	if(buf[0] & 0x20) { /* padding */
		int pad = buf[len - 1];
		if(pad == 0 || hl + pad > len) {
			s->not_rtp++;
			return;
		}
		len -= pad;
	}
	seq = (uint16_t)((buf[2] << 8) | buf[3]);
	ts = ((uint32_t)buf[4] << 24) | ((uint32_t)buf[5] << 16) | ((uint32_t)buf[6] << 8) | buf[7];
	ssrc = ((uint32_t)buf[8] << 24) | ((uint32_t)buf[9] << 16) | ((uint32_t)buf[10] << 8) | buf[11];
	memset(&info, 0, sizeof(info));
	r = sst_payload_check(buf + hl, (size_t)(len - hl), &info);
	if(r == SST_PL_MAGIC) {
		s->foreign++;
		return;
	}
	if(r != SST_PL_OK) {
		s->bad_payload++;
		return;
	}
	if(info.ssrc != ssrc || info.ts != ts || (info.stream & 0xffff) != seq) {
		s->hdr_mismatch++;
		return;
	}
	src = src_for(s, ssrc);
	if(!src) {
		s->extra_ssrc++;
		return;
	}
	r = sst_seq_add(&src->seq, info.counter, &reord);
	if(r < 0) {
		s->bad_payload++;
		return;
	}
	s->valid++;
	total_valid++;
	if(r == 1)
		return; /* duplicate: no jitter/gap sample */
	if(!reord) {
		double j = sst_jitter_add(&src->jit, arr_ns, ts);
		if(j > src->jitter_ms_max)
			src->jitter_ms_max = j;
		sst_samples_add(&jitter_samples, j);
	}
	sst_gap_add(&src->gap, arr_ns, info.counter);
}

static void handle_rtcp(stream_t *s, uint8_t *b, int len)
{
	s->rtcp_received++;
	last_any_rx_mono = now_mono_ns();
	if(len < 8 || (b[0] >> 6) != 2 || b[1] < 192 || b[1] > 223) {
		s->rtcp_other_fail++;
		return;
	}
	if(s->rx) {
		srtp_err_status_t st = srtp_unprotect_rtcp(s->rx, b, &len);
		if(st == srtp_err_status_auth_fail) {
			s->rtcp_auth_fail++;
			return;
		}
		if(st != srtp_err_status_ok) {
			s->rtcp_other_fail++;
			return;
		}
	}
	/* a compound packet starting with an SR or RR of a sane length */
	if(len < 8 || (b[1] != 200 && b[1] != 201) || 4 * (((b[2] << 8) | b[3]) + 1) > len) {
		s->rtcp_other_fail++;
		return;
	}
	s->rtcp_valid++;
}

static void drain_rtcp(stream_t *s)
{
	uint8_t buf[PKT_MAX];
	for(;;) {
		ssize_t n = recv(s->rtcp_fd, buf, sizeof(buf), 0);
		if(n < 0) {
			if(errno == EINTR)
				continue;
			return;
		}
		if(opt_recv)
			handle_rtcp(s, buf, (int)n);
	}
}

static void drain_socket(stream_t *s)
{
	uint8_t buf[PKT_MAX];
	char cbuf[256];
	struct sockaddr_storage from;
	struct iovec iov;
	struct msghdr mh;
	int n;

	for(;;) {
		struct cmsghdr *cm;
		int64_t arr = 0;
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		n = (int)recvmsg(s->fd, &mh, 0);
		if(n < 0) {
			if(errno == EINTR)
				continue;
			return; /* EAGAIN, or ICMP errors (ECONNREFUSED) */
		}
		for(cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if(cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec tsp;
				memcpy(&tsp, CMSG_DATA(cm), sizeof(tsp));
				arr = (int64_t)tsp.tv_sec * 1000000000LL + tsp.tv_nsec;
			}
		if(!arr)
			arr = now_real_ns();
		if(opt_recv)
			handle_packet(s, buf, n, arr, &from);
	}
}

static void drain_any(uint32_t id)
{
	if(id >= MAX_STREAMS)
		drain_rtcp(&streams[id - MAX_STREAMS]);
	else
		drain_socket(&streams[id]);
}

/* ---- output --------------------------------------------------------------- */

typedef struct {
	char *p;
	size_t n, cap;
} sbuf_t;

static void sb_printf(sbuf_t *b, const char *fmt, ...)
{
	va_list ap;
	int r;
	for(;;) {
		va_start(ap, fmt);
		r = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		if(r < 0)
			die("output formatting failed");
		if((size_t)r < b->cap - b->n) {
			b->n += (size_t)r;
			return;
		}
		b->cap = b->cap * 2 + (size_t)r + 256;
		b->p = realloc(b->p, b->cap);
		if(!b->p)
			die("out of memory");
	}
}

typedef struct {
	uint64_t sent, tampered, replayed, send_errors, received, valid, unique, lost, expected,
			dups, reord, bad, hdr, not_rtp, foreign, auth, replay, other, extra_ssrc;
	uint64_t rtcp_sent, rtcp_received, rtcp_valid, rtcp_auth, rtcp_other;
	double jit_max, gap_max_ms;
	int64_t first_rx, last_rx;
} totals_t;

static void stream_totals(stream_t *s, totals_t *t)
{
	int i;
	memset(t, 0, sizeof(*t));
	t->sent = s->sent;
	t->tampered = s->tampered_sent;
	t->replayed = s->replayed_sent;
	t->send_errors = s->send_errors;
	t->received = s->received;
	t->valid = s->valid;
	t->bad = s->bad_payload;
	t->hdr = s->hdr_mismatch;
	t->not_rtp = s->not_rtp;
	t->foreign = s->foreign;
	t->auth = s->srtp_auth_fail;
	t->replay = s->srtp_replay_fail;
	t->other = s->srtp_other_fail;
	t->extra_ssrc = s->extra_ssrc;
	t->rtcp_sent = s->rtcp_sent;
	t->rtcp_received = s->rtcp_received;
	t->rtcp_valid = s->rtcp_valid;
	t->rtcp_auth = s->rtcp_auth_fail;
	t->rtcp_other = s->rtcp_other_fail;
	t->first_rx = s->first_rx_ns;
	t->last_rx = s->last_rx_ns;
	for(i = 0; i < s->n_src; i++) {
		rx_src_t *r = &s->src[i];
		t->unique += r->seq.unique;
		t->dups += r->seq.duplicates;
		t->reord += r->seq.reordered;
		t->expected += r->seq.any ? (uint64_t)r->seq.max_counter + 1 : 0;
		if(r->jitter_ms_max > t->jit_max)
			t->jit_max = r->jitter_ms_max;
		if(r->gap.max_gap_ns / 1e6 > t->gap_max_ms)
			t->gap_max_ms = (double)r->gap.max_gap_ns / 1e6;
	}
	if(s->expect)
		t->expected = s->expect;
	t->lost = t->expected > t->unique ? t->expected - t->unique : 0;
}

static void print_counts(sbuf_t *b, const totals_t *t)
{
	sb_printf(b,
			"\"sent\":%" PRIu64 ",\"tampered_sent\":%" PRIu64 ",\"replayed_sent\":%" PRIu64
			",\"send_errors\":%" PRIu64 ",\"received\":%" PRIu64 ",\"valid\":%" PRIu64
			",\"unique\":%" PRIu64 ",\"expected\":%" PRIu64 ",\"lost\":%" PRIu64
			",\"loss_pct\":%.4f,\"duplicates\":%" PRIu64 ",\"reordered\":%" PRIu64
			",\"bad_payload\":%" PRIu64 ",\"hdr_mismatch\":%" PRIu64 ",\"not_rtp\":%" PRIu64
			",\"foreign\":%" PRIu64 ",\"srtp_auth_fail\":%" PRIu64 ",\"srtp_replay_fail\":%" PRIu64
			",\"srtp_other_fail\":%" PRIu64 ",\"extra_ssrc\":%" PRIu64,
			t->sent, t->tampered, t->replayed, t->send_errors, t->received, t->valid, t->unique,
			t->expected, t->lost, t->expected ? 100.0 * (double)t->lost / (double)t->expected : 0.0,
			t->dups, t->reord, t->bad, t->hdr, t->not_rtp, t->foreign, t->auth, t->replay, t->other,
			t->extra_ssrc);
	sb_printf(b,
			",\"rtcp_sent\":%" PRIu64 ",\"rtcp_received\":%" PRIu64 ",\"rtcp_valid\":%" PRIu64
			",\"rtcp_auth_fail\":%" PRIu64 ",\"rtcp_other_fail\":%" PRIu64,
			t->rtcp_sent, t->rtcp_received, t->rtcp_valid, t->rtcp_auth, t->rtcp_other);
}

static void json_str(sbuf_t *b, const char *s)
{
	sb_printf(b, "\"");
	for(; *s; s++) {
		if(*s == '"' || *s == '\\')
			sb_printf(b, "\\%c", *s);
		else if((unsigned char)*s < 0x20)
			sb_printf(b, "\\u%04x", *s);
		else
			sb_printf(b, "%c", *s);
	}
	sb_printf(b, "\"");
}

static void report(int64_t t0_real, double elapsed_s, double late_ms_max)
{
	sbuf_t b = {0};
	totals_t all, t;
	int i, j, k, n_src_out = 0;
	const char *srcs[16];
	int64_t first = 0, last = 0;

	memset(&all, 0, sizeof(all));
	for(i = 0; i < n_streams; i++) {
		stream_totals(&streams[i], &t);
		all.sent += t.sent;
		all.tampered += t.tampered;
		all.replayed += t.replayed;
		all.send_errors += t.send_errors;
		all.received += t.received;
		all.valid += t.valid;
		all.unique += t.unique;
		all.expected += t.expected;
		all.lost += t.lost;
		all.dups += t.dups;
		all.reord += t.reord;
		all.bad += t.bad;
		all.hdr += t.hdr;
		all.not_rtp += t.not_rtp;
		all.foreign += t.foreign;
		all.auth += t.auth;
		all.replay += t.replay;
		all.other += t.other;
		all.extra_ssrc += t.extra_ssrc;
		all.rtcp_sent += t.rtcp_sent;
		all.rtcp_received += t.rtcp_received;
		all.rtcp_valid += t.rtcp_valid;
		all.rtcp_auth += t.rtcp_auth;
		all.rtcp_other += t.rtcp_other;
		if(t.jit_max > all.jit_max)
			all.jit_max = t.jit_max;
		if(t.gap_max_ms > all.gap_max_ms)
			all.gap_max_ms = t.gap_max_ms;
		if(t.first_rx && (!first || t.first_rx < first))
			first = t.first_rx;
		if(t.last_rx > last)
			last = t.last_rx;
		for(j = 0; j < streams[i].n_sources && n_src_out < 16; j++) {
			for(k = 0; k < n_src_out; k++)
				if(!strcmp(srcs[k], streams[i].sources[j].addr))
					break;
			if(k == n_src_out)
				srcs[n_src_out++] = streams[i].sources[j].addr;
		}
	}
	{
		int ns = 0;
		for(i = 0; i < n_streams; i++)
			ns += streams[i].n_src;
		sb_printf(&b, "{\"tool\":\"senemo-srtp\",\"mode\":\"%s\",\"streams\":%d,\"elapsed_s\":%.3f,"
				"\"ssrcs\":%d,", mode, n_streams, elapsed_s, ns);
	}
	print_counts(&b, &all);
	sb_printf(&b, ",\"jitter_ms_max\":%.3f,\"jitter_ms_p50\":%.3f,\"jitter_ms_p99\":%.3f", all.jit_max,
			sst_percentile(&jitter_samples, 50), sst_percentile(&jitter_samples, 99));
	sb_printf(&b, ",\"gap_ms_max\":%.1f,\"first_rx_ms\":%.1f,\"last_rx_ms\":%.1f,\"late_ms_max\":%.1f",
			all.gap_max_ms, first ? (double)(first - t0_real) / 1e6 : -1.0,
			last ? (double)(last - t0_real) / 1e6 : -1.0, late_ms_max);
	sb_printf(&b, ",\"first_rx_unix_ms\":%.1f,\"last_rx_unix_ms\":%.1f", first ? (double)first / 1e6 : 0.0,
			last ? (double)last / 1e6 : 0.0);
	sb_printf(&b, ",\"sources\":[");
	for(k = 0; k < n_src_out; k++) {
		if(k)
			sb_printf(&b, ",");
		json_str(&b, srcs[k]);
	}
	sb_printf(&b, "]");
	if(opt_per_stream) {
		sb_printf(&b, ",\"per_stream\":[");
		for(i = 0; i < n_streams; i++) {
			stream_t *s = &streams[i];
			char la[80] = "", ra[80] = "";
			struct sockaddr_storage ss;
			socklen_t sl = sizeof(ss);
			if(s->fd >= 0 && getsockname(s->fd, (struct sockaddr *)&ss, &sl) == 0)
				addr_print(&ss, la, sizeof(la));
			if(s->have_remote)
				addr_print(&s->remote, ra, sizeof(ra));
			stream_totals(s, &t);
			sb_printf(&b, "%s{\"name\":", i ? "," : "");
			json_str(&b, s->name);
			sb_printf(&b, ",\"local\":");
			json_str(&b, la);
			sb_printf(&b, ",\"remote\":");
			json_str(&b, ra);
			sb_printf(&b, ",\"ssrc\":%u,\"srtp_tx\":%s,\"srtp_rx\":%s,", s->ssrc,
					s->tx ? "true" : "false", s->rx ? "true" : "false");
			print_counts(&b, &t);
			sb_printf(&b, ",\"jitter_ms_max\":%.3f,\"gap_ms_max\":%.1f", t.jit_max, t.gap_max_ms);
			if(s->n_src) {
				sst_gap_t *g = &s->src[0].gap;
				sb_printf(&b, ",\"gap_after_counter\":%u", g->max_gap_after);
			}
			sb_printf(&b, ",\"sources\":[");
			for(j = 0; j < s->n_sources; j++) {
				sb_printf(&b, "%s{\"addr\":", j ? "," : "");
				json_str(&b, s->sources[j].addr);
				sb_printf(&b, ",\"packets\":%" PRIu64 "}", s->sources[j].packets);
			}
			sb_printf(&b, "]}");
		}
		sb_printf(&b, "]");
	}
	sb_printf(&b, "}\n");
	fputs(b.p, stdout);
	fflush(stdout);
	if(opt_out) {
		FILE *f = fopen(opt_out, "w");
		if(!f || fputs(b.p, f) < 0 || fclose(f) != 0)
			die("cannot write %s", opt_out);
	}
	free(b.p);
}

/* ---- subcommands ------------------------------------------------------------ */

static int cmd_sdp(const char *path)
{
	ssdp_media_t m;
	sbuf_t b = {0};
	unsigned i;
	load_sdp(path, &m);
	sb_printf(&b, "{\"addr\":");
	json_str(&b, m.addr);
	sb_printf(&b, ",\"family\":%d,\"port\":%u,\"proto\":", m.addr_family, m.port);
	json_str(&b, m.proto);
	sb_printf(&b, ",\"rtcp_port\":%u,\"rtcp_mux\":%s,\"fingerprint\":%s,\"key_mgmt\":", m.rtcp_port,
			m.rtcp_mux ? "true" : "false", m.fingerprint ? "true" : "false");
	if(m.key_mgmt)
		json_str(&b, m.key_mgmt_proto);
	else
		sb_printf(&b, "null");
	sb_printf(&b, ",\"direction\":\"%s\",\"audio_sections\":%u,\"crypto_bad\":%u,\"crypto\":[",
			(const char *[]){"sendrecv", "sendonly", "recvonly", "inactive"}[m.direction & 3],
			m.n_audio, m.n_crypto_bad);
	for(i = 0; i < m.n_crypto; i++) {
		char line[256];
		ssdp_crypto_format(&m.crypto[i], line, sizeof(line));
		sb_printf(&b, "%s{\"tag\":%u,\"suite\":\"%s\",\"key_len\":%u,\"lifetime\":%" PRIu64
				",\"mki_len\":%u,\"arg\":", i ? "," : "", m.crypto[i].tag, m.crypto[i].suite->name,
				m.crypto[i].key_len, m.crypto[i].lifetime, m.crypto[i].mki_len);
		json_str(&b, line);
		sb_printf(&b, "}");
	}
	sb_printf(&b, "]}\n");
	fputs(b.p, stdout);
	free(b.p);
	return 0;
}

static int cmd_keygen(const char *suite_name)
{
	ssdp_crypto_t c;
	char line[256];
	memset(&c, 0, sizeof(c));
	c.suite = ssdp_suite_find(suite_name, strlen(suite_name));
	if(!c.suite)
		die("unknown suite %s", suite_name);
	c.key_len = c.suite->key_len + c.suite->salt_len;
	if(getrandom(c.key, c.key_len, 0) != (ssize_t)c.key_len)
		die("getrandom failed");
	ssdp_crypto_format(&c, line, sizeof(line));
	printf("%s\n", line);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: %s run|send|recv [stream options] [--stream [stream options]]... [options]\n"
"       %s sdp FILE          print the audio address, port, proto and a=crypto lines as JSON\n"
"       %s keygen [SUITE]    print 'SUITE inline:<base64 key||salt>' (default AES_CM_128_HMAC_SHA1_80)\n"
"\n"
"stream options (apply to the current stream; --stream starts the next one):\n"
"  --local ADDR:PORT           bind here: receive here and send from here ([v6]:port for IPv6)\n"
"  --local-sdp FILE            bind to this SDP's c= address and m=audio port\n"
"  --remote ADDR:PORT          send to\n"
"  --remote-sdp FILE           send to this SDP's c= address and m=audio port\n"
"  --tx-crypto CRYPTO          SRTP-protect what is sent: 'SUITE inline:KEY', 'SUITE:inline:KEY'\n"
"                              or an a=crypto value ('1 SUITE inline:KEY|2^31')\n"
"  --tx-crypto-sdp FILE[#SUITE]  the key of an SDP's a=crypto line (first, or the one with SUITE)\n"
"  --rx-crypto CRYPTO, --rx-crypto-sdp FILE[#SUITE]   SRTP-unprotect what is received\n"
"  --ssrc N, --seq N, --ts N   RTP starting values (default random)\n"
"  --count N                   packets to send (default: duration / ptime)\n"
"  --first N                   packet counter of the first packet (default 0): a sender that\n"
"                              takes over a stream (same --ssrc/--seq/--ts) continues it\n"
"  --expect N                  packets this stream should receive (loss reference;\n"
"                              default: highest packet counter seen + 1)\n"
"  --tamper K[,K..]            also send packet K with one payload byte flipped (after SRTP), before K\n"
"  --replay K[,K..]            send packet K's exact bytes twice (a replay)\n"
"  --name NAME                 label in the per-stream output\n"
"  --streams-file FILE         one stream per line: name=value tokens (the options above\n"
"                              without '--'; crypto as SUITE:inline:KEY); '#' comments.\n"
"                              Stream options after it (before any --stream) apply to\n"
"                              every stream of the file (e.g. --count, --expect)\n"
"\n"
"options:\n"
"  --duration SEC     bound of the run (default 10); sending stops at --count or here\n"
"  --ptime MS         packet interval per stream (default 20); streams are spread over it\n"
"  --linger MS        keep receiving after the last packet was sent (default 500)\n"
"  --rtcp N           also RTCP: an SR after every N RTP packets from local port + 1 to the\n"
"                     remote's a=rtcp port (or RTP port + 1), SRTCP with the stream's keys;\n"
"                     received RTCP is counted in rtcp_received/rtcp_valid/rtcp_auth_fail\n"
"  --idle-exit MS     end once something was received and then nothing for MS\n"
"  --wait-count N     end once N valid packets were received (all streams)\n"
"  --ready FILE       create FILE once every socket is bound\n"
"  --go FILE          start sending only once FILE exists (still bounded by --duration)\n"
"  --out FILE         also write the JSON summary to FILE\n"
"  --per-stream       add per-stream objects to the summary\n"
"\n"
"The summary (one JSON line on stdout) counts: ssrcs (distinct SSRCs received, per stream\n"
"summed), sent, tampered_sent, replayed_sent,\n"
"received (datagrams), valid (SRTP ok, payload and header exactly as sent), unique,\n"
"expected, lost, loss_pct, duplicates, reordered, bad_payload, hdr_mismatch, not_rtp,\n"
"foreign, srtp_auth_fail, srtp_replay_fail, srtp_other_fail; jitter_ms_max/p50/p99\n"
"(RFC 3550 estimator), gap_ms_max (largest interarrival gap), first_rx_ms/last_rx_ms\n"
"(from the start; *_unix_ms: wall clock, to compare processes), sources (sender\n"
"addresses seen). Exit status 0, or 2 on usage errors.\n",
			prog, prog, prog);
}

static int is_global_option(const char *name, const char *val, int *used)
{
	*used = 1;
	if(!strcmp(name, "duration"))
		opt_duration = parse_double(val ? val : "", 0.001, 3600, "--duration");
	else if(!strcmp(name, "ptime"))
		opt_ptime = (unsigned)parse_long(val ? val : "", 1, 1000, "--ptime");
	else if(!strcmp(name, "linger"))
		opt_linger_ms = (unsigned)parse_long(val ? val : "", 0, 600000, "--linger");
	else if(!strcmp(name, "idle-exit"))
		opt_idle_ms = (unsigned)parse_long(val ? val : "", 1, 600000, "--idle-exit");
	else if(!strcmp(name, "wait-count"))
		opt_wait_count = (uint64_t)parse_long(val ? val : "", 1, 100000000, "--wait-count");
	else if(!strcmp(name, "rtcp"))
		opt_rtcp_every = (unsigned)parse_long(val ? val : "", 1, 100000, "--rtcp");
	else if(!strcmp(name, "ready"))
		opt_ready = val;
	else if(!strcmp(name, "go"))
		opt_go = val;
	else if(!strcmp(name, "out"))
		opt_out = val;
	else if(!strcmp(name, "streams-file"))
		load_streams_file(val ? val : "");
	else if(!strcmp(name, "per-stream")) {
		opt_per_stream = 1;
		*used = 0;
	} else
		return 0;
	if(*used && !val)
		die("--%s needs a value", name);
	return 1;
}

int main(int argc, char **argv)
{
	stream_t *cur = NULL;
	int i, ep, tfd, used;
	int64_t t0, t0_real, send_end, end, ptime_ns;
	uint64_t ev = 0, total_events;
	long per_stream_count;
	double late_ms_max = 0;
	struct sigaction sa;

	if(argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	mode = argv[1];
	if(!strcmp(mode, "sdp")) {
		if(argc != 3)
			die("usage: %s sdp FILE", prog);
		return cmd_sdp(argv[2]);
	}
	if(!strcmp(mode, "keygen"))
		return cmd_keygen(argc > 2 ? argv[2] : "AES_CM_128_HMAC_SHA1_80");
	if(!strcmp(mode, "send"))
		opt_recv = 0;
	else if(!strcmp(mode, "recv"))
		opt_send = 0;
	else if(strcmp(mode, "run"))
		die("unknown mode '%s' (run, send, recv, sdp, keygen; --help)", mode);

	streams = calloc(MAX_STREAMS, sizeof(*streams));
	if(!streams)
		die("out of memory");
	for(i = 2; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char name[64];
		if(strncmp(a, "--", 2) != 0)
			die("unexpected argument '%s'", a);
		a += 2;
		{
			const char *eq = strchr(a, '=');
			size_t nl = eq ? (size_t)(eq - a) : strlen(a);
			if(nl >= sizeof(name))
				die("option too long");
			memcpy(name, a, nl);
			name[nl] = 0;
			if(eq)
				val = eq + 1;
		}
		if(!strcmp(name, "stream")) {
			cur = new_stream();
			continue;
		}
		if(!strcmp(name, "help")) {
			usage(stdout);
			return 0;
		}
		if(!val && strcmp(name, "per-stream") && i + 1 < argc)
			val = argv[++i];
		if(is_global_option(name, val, &used)) {
			continue;
		}
		if(!cur && n_streams > 0) {
			/* stream options after --streams-file and before any
			 * --stream apply to every stream of the file */
			int j;
			if(!stream_option(&streams[0], name, val))
				die("unknown option --%s (see --help)", name);
			for(j = 1; j < n_streams; j++)
				stream_option(&streams[j], name, val);
			continue;
		}
		if(!cur)
			cur = new_stream();
		if(!stream_option(cur, name, val))
			die("unknown option --%s (see --help)", name);
	}
	if(n_streams == 0)
		die("no stream given (--local/--remote, --streams-file)");

	if(srtp_init() != srtp_err_status_ok)
		die("srtp_init failed");
	sst_samples_init(&jitter_samples, 20000000);
	per_stream_count = (long)(opt_duration * 1000.0 / opt_ptime);
	for(i = 0; i < n_streams; i++) {
		stream_t *s = &streams[i];
		uint32_t rnd[3];
		if(opt_send && !s->have_remote)
			s->count = 0; /* nowhere to send */
		if(s->count < 0)
			s->count = per_stream_count;
		if(!opt_send)
			s->count = 0;
		if(getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			die("getrandom failed");
		if(!s->have_ssrc)
			s->ssrc = rnd[0];
		if(!s->have_seq)
			s->seq0 = rnd[1] & 0x7fff; /* RFC 3711 §3.3.1: start low enough */
		if(!s->have_ts)
			s->ts0 = rnd[2];
		s->next_counter = s->first;
		open_socket(s);
		if(s->have_tx_crypto && s->count > 0)
			srtp_ctx_make(&s->tx, &s->tx_crypto, 0, s->name);
		if(s->have_rx_crypto)
			srtp_ctx_make(&s->rx, &s->rx_crypto, 1, s->name);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if(ep < 0 || tfd < 0)
		die("epoll/timerfd: %s", strerror(errno));
	{
		struct epoll_event e = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
		epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &e);
	}
	for(i = 0; i < n_streams; i++) {
		struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		if(epoll_ctl(ep, EPOLL_CTL_ADD, streams[i].fd, &e) < 0)
			die("epoll_ctl: %s", strerror(errno));
		if(streams[i].rtcp_fd >= 0) {
			struct epoll_event r = {.events = EPOLLIN, .data.u32 = (uint32_t)(i + MAX_STREAMS)};
			if(epoll_ctl(ep, EPOLL_CTL_ADD, streams[i].rtcp_fd, &r) < 0)
				die("epoll_ctl: %s", strerror(errno));
		}
	}
	if(opt_ready) {
		int fd = open(opt_ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if(fd < 0 || write(fd, "ready\n", 6) != 6 || close(fd) != 0)
			die("cannot write %s", opt_ready);
	}

	t0 = now_mono_ns();
	t0_real = now_real_ns();
	end = t0 + (int64_t)(opt_duration * 1e9);
	/* wait for the go file (receiving meanwhile), within the bound */
	if(opt_go && opt_send) {
		while(!stop_flag && access(opt_go, F_OK) != 0 && now_mono_ns() < end) {
			struct epoll_event evs[64];
			int n = epoll_wait(ep, evs, 64, 10), k;
			for(k = 0; k < n; k++)
				if(evs[k].data.u32 != UINT32_MAX)
					drain_any(evs[k].data.u32);
		}
	}
	/* schedule: event e -> stream e % N, its packet e / N, at
	 * start + (e / N) * ptime + (e % N) * ptime / N */
	{
		long maxc = 0;
		for(i = 0; i < n_streams; i++)
			if(streams[i].count > maxc)
				maxc = streams[i].count;
		total_events = (uint64_t)maxc * (uint64_t)n_streams;
	}
	ptime_ns = (int64_t)opt_ptime * 1000000LL;
	int64_t ts = now_mono_ns();
	send_end = -1;
	if(total_events == 0)
		send_end = ts;

#define EV_TIME(e) (ts + (int64_t)((e) / (uint64_t)n_streams) * ptime_ns \
		+ (int64_t)((e) % (uint64_t)n_streams) * ptime_ns / n_streams)

	while(!stop_flag) {
		int64_t now = now_mono_ns(), wait_until;
		struct epoll_event evs[256];
		int n, k;

		/* sending */
		while(ev < total_events && EV_TIME(ev) <= now && now < end) {
			stream_t *s = &streams[ev % (uint64_t)n_streams];
			if((long)(ev / (uint64_t)n_streams) < s->count) {
				double late = (double)(now - EV_TIME(ev)) / 1e6;
				if(late > late_ms_max)
					late_ms_max = late;
				send_packet(s, (int)(ev % (uint64_t)n_streams));
			}
			ev++;
			now = now_mono_ns();
		}
		if(send_end < 0 && (ev >= total_events || now >= end))
			send_end = now;

		/* ending */
		if(send_end >= 0) {
			int64_t stop_at = send_end + (int64_t)opt_linger_ms * 1000000LL;
			if(!opt_send)
				stop_at = end; /* receive-only: the duration is the bound */
			if(opt_send && stop_at > end + (int64_t)opt_linger_ms * 1000000LL)
				stop_at = end + (int64_t)opt_linger_ms * 1000000LL;
			if(now >= stop_at)
				break;
			wait_until = stop_at;
		} else {
			wait_until = EV_TIME(ev);
			if(wait_until > end)
				wait_until = end;
		}
		if(opt_wait_count && total_valid >= opt_wait_count && (send_end >= 0 || !opt_send))
			break;
		if(opt_idle_ms && total_valid > 0 && (send_end >= 0 || !opt_send)
				&& now - last_any_rx_mono > (int64_t)opt_idle_ms * 1000000LL)
			break;
		if(opt_idle_ms && total_valid > 0 && now - last_any_rx_mono < (int64_t)opt_idle_ms * 1000000LL) {
			int64_t idle_at = last_any_rx_mono + (int64_t)opt_idle_ms * 1000000LL + 1000000;
			if(idle_at < wait_until)
				wait_until = idle_at;
		}

		{
			struct itimerspec its;
			memset(&its, 0, sizeof(its));
			if(wait_until <= now)
				wait_until = now + 1000;
			its.it_value.tv_sec = wait_until / 1000000000LL;
			its.it_value.tv_nsec = wait_until % 1000000000LL;
			timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
		}
		n = epoll_wait(ep, evs, 256, 1000);
		for(k = 0; k < n; k++) {
			if(evs[k].data.u32 == UINT32_MAX) {
				uint64_t exp;
				if(read(tfd, &exp, sizeof(exp)) < 0) {
					/* EAGAIN: nothing to do */
				}
				continue;
			}
			drain_any(evs[k].data.u32);
		}
	}
	/* whatever is still queued */
	for(i = 0; i < n_streams; i++) {
		drain_socket(&streams[i]);
		if(streams[i].rtcp_fd >= 0)
			drain_rtcp(&streams[i]);
	}

	report(t0_real, (double)(now_mono_ns() - t0) / 1e9, late_ms_max);

	for(i = 0; i < n_streams; i++) {
		int j;
		if(streams[i].tx)
			srtp_dealloc(streams[i].tx);
		if(streams[i].rx)
			srtp_dealloc(streams[i].rx);
		for(j = 0; j < streams[i].n_src; j++)
			sst_seq_free(&streams[i].src[j].seq);
		close(streams[i].fd);
		if(streams[i].rtcp_fd >= 0)
			close(streams[i].rtcp_fd);
	}
	sst_samples_free(&jitter_samples);
	srtp_shutdown();
	free(streams);
	return 0;
}
