/*
 * senemo-linkprobe: measures what an emulated access link delivers.
 *
 *   senemo-linkprobe sink tcp PORT [TIMEOUT_S]
 *       accept one connection, read to EOF, print
 *       "bytes=N ms=T kbit=R": goodput from the first to the last byte
 *       (the bytes of the first read are not counted, as they arrive at
 *       the start of the interval); exits 1 on timeout (default 60 s).
 *   senemo-linkprobe send tcp HOST PORT BYTES
 *       connect, send BYTES, half-close and wait for the sink to close.
 *       Uses cubic, the loss-based default of most hosts, whatever this
 *       host's default (bbr here) is. A namespace may not make cubic its
 *       default (sysctl: EPERM, as cubic is not in the host's
 *       tcp_allowed_congestion_control), but root may set it per socket.
 *   senemo-linkprobe sink udp PORT [TIMEOUT_S]
 *       receive one datagram, print "bytes=N oneway_ms=T".
 *   senemo-linkprobe send udp HOST PORT BYTES
 *       send one datagram of BYTES payload bytes.
 *
 * The one-way time works because every network namespace shares the host's
 * CLOCK_MONOTONIC: the sender puts its send time in the first 8 bytes.
 * Sinks listen on [::] and so take IPv4 and IPv6.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "senemo-linkprobe: %s: %s\n", what, errno ? strerror(errno) : "failed");
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: senemo-linkprobe sink tcp|udp PORT [TIMEOUT_S]\n"
			"       senemo-linkprobe send tcp|udp HOST PORT BYTES\n");
	exit(2);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long parse_long(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "senemo-linkprobe: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

/* wait until fd is readable or the deadline passes (then exit 1) */
static void wait_readable(int fd, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t left = (deadline - now_ns()) / 1000000;

	if (left <= 0 || poll(&p, 1, (int)left) == 0) {
		errno = ETIMEDOUT;
		die("waiting for data");
	}
}

static int sink_socket(int type, int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	int fd = socket(AF_INET6, type, 0), zero = 0, one = 1;

	if (fd < 0)
		die("socket");
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	if (type == SOCK_STREAM && listen(fd, 1) < 0)
		die("listen");
	return fd;
}

static int sink(int type, int port, int64_t deadline)
{
	static char buf[1 << 16];
	int fd = sink_socket(type, port);
	ssize_t n;

	if (type == SOCK_DGRAM) {
		int64_t sent;

		wait_readable(fd, deadline);
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < (ssize_t)sizeof(sent))
			die("short datagram");
		memcpy(&sent, buf, sizeof(sent));
		printf("bytes=%zd oneway_ms=%.1f\n", n, (double)(now_ns() - sent) / 1e6);
		return 0;
	}

	int c;
	long long total = 0, first_bytes = 0;
	int64_t t_first = 0, t_last = 0;

	wait_readable(fd, deadline);
	c = accept(fd, NULL, NULL);
	if (c < 0)
		die("accept");
	for (;;) {
		wait_readable(c, deadline);
		n = read(c, buf, sizeof(buf));
		if (n < 0)
			die("read");
		if (n == 0)
			break;
		t_last = now_ns();
		if (!total) {
			t_first = t_last;
			first_bytes = n;
		}
		total += n;
	}
	close(c);
	if (t_last == t_first) {
		errno = 0;
		die("need more than one read to time a transfer");
	}
	double secs = (double)(t_last - t_first) / 1e9;
	printf("bytes=%lld ms=%.1f kbit=%.1f\n", total, secs * 1e3,
	       (double)(total - first_bytes) * 8 / secs / 1e3);
	return 0;
}

static int send_probe(int type, const char *host, const char *port, long bytes)
{
	struct addrinfo hints = { .ai_socktype = type, .ai_flags = AI_NUMERICSERV }, *ai;
	static char buf[1 << 16];
	int fd, err;

	if ((err = getaddrinfo(host, port, &hints, &ai)) != 0) {
		fprintf(stderr, "senemo-linkprobe: %s: %s\n", host, gai_strerror(err));
		return 1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype, 0);
	if (fd < 0)
		die("socket");
	if (type == SOCK_STREAM &&
	    setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "cubic", strlen("cubic")) < 0)
		die("setting TCP congestion control cubic");
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("connect");
	freeaddrinfo(ai);

	if (type == SOCK_DGRAM) {
		int64_t t = now_ns();

		if (bytes < (long)sizeof(t) || bytes > (long)sizeof(buf)) {
			errno = EINVAL;
			die("datagram size");
		}
		memcpy(buf, &t, sizeof(t));
		if (send(fd, buf, (size_t)bytes, 0) < 0)
			die("send");
		return 0;
	}

	while (bytes > 0) {
		ssize_t n = write(fd, buf, bytes < (long)sizeof(buf) ? (size_t)bytes : sizeof(buf));
		if (n < 0)
			die("write");
		bytes -= n;
	}
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int type;

	if (argc < 4)
		usage();
	if (!strcmp(argv[2], "tcp"))
		type = SOCK_STREAM;
	else if (!strcmp(argv[2], "udp"))
		type = SOCK_DGRAM;
	else
		usage();

	if (!strcmp(argv[1], "sink") && argc <= 5) {
		long timeout = argc == 5 ? parse_long(argv[4], 1, 3600) : 60;
		return sink(type, (int)parse_long(argv[3], 1, 65535), now_ns() + timeout * 1000000000LL);
	}
	if (!strcmp(argv[1], "send") && argc == 6) {
		parse_long(argv[4], 1, 65535);
		return send_probe(type, argv[3], argv[4], parse_long(argv[5], 1, 1L << 40));
	}
	usage();
}
