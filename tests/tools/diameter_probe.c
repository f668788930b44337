/*
 * senemo-diameter-probe - a minimal Diameter client for tests: opens a TCP
 * connection, exchanges CER/CEA (advertising application 6), then sends the
 * requests named on the command line and prints one line per answer:
 *
 *   <command> rc=<Result-Code> [msg="<Error-Message>"] [failed=<AVP code>]
 *
 * Requests (RFC 4740 application 6), all of the same batch written before
 * any answer is read, so the server handles them concurrently:
 *   uar AOR [USER-NAME] [UAT]
 *   mar AOR METHOD SCHEME USER REALM OTP [USER-NAME]
 *   mar-noadi AOR METHOD     a MAR without SIP-Auth-Data-Item
 *   raw HEX                  one whole message as hex (malformed on purpose);
 *                            hop-by-hop / end-to-end ids are not rewritten
 * Options: --host H --port P --origin FQDN --realm R --dest-realm R
 *          --repeat N (send the batch N times, one after the other)
 *          --ids 1 (append " req=K" to each answer: K is the position of
 *          its request in the batch, 1-based, from the hop-by-hop id)
 *
 * Exit status: 0 when every request got an answer, 1 otherwise.
 * Test tool only: it trusts nothing it reads (bounds-checked) but implements
 * no retransmission, no watchdog and no TLS.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CMD_CER 257
#define CMD_DWR 280
#define CMD_DPR 282
#define CMD_UAR 283
#define CMD_MAR 286

#define AVP_USER_NAME 1
#define AVP_HOST_IP 257
#define AVP_AUTH_APP_ID 258
#define AVP_SESSION_ID 263
#define AVP_ORIGIN_HOST 264
#define AVP_VENDOR_ID 266
#define AVP_RESULT_CODE 268
#define AVP_PRODUCT_NAME 269
#define AVP_AUTH_SESSION_STATE 277
#define AVP_FAILED_AVP 279
#define AVP_DEST_REALM 283
#define AVP_ERROR_MESSAGE 281
#define AVP_ORIGIN_REALM 296
#define AVP_SIP_AOR 122
#define AVP_SIP_AUTH_DATA_ITEM 376
#define AVP_SIP_AUTH_SCHEME 377
#define AVP_SIP_AUTHORIZATION 380
#define AVP_SIP_NUMBER_AUTH_ITEMS 382
#define AVP_SIP_UAT 387
#define AVP_SIP_METHOD 393
#define AVP_DISCONNECT_CAUSE 273
#define AVP_DIGEST_RESPONSE 103
#define AVP_DIGEST_REALM 104
#define AVP_DIGEST_NONCE 105
#define AVP_DIGEST_URI 109
#define AVP_DIGEST_USERNAME 115

struct buf {
	uint8_t d[8192];
	size_t n;
};

static const char *o_host = "probe.vpn.example.com";
static const char *o_realm = "vpn.example.com";
static const char *d_realm = "vpn.example.com";
#define HBH_BASE 0x5e000000u
static uint32_t hbh = HBH_BASE, session_seq;
static int show_ids;

static void die(const char *what)
{
	fprintf(stderr, "senemo-diameter-probe: %s\n", what);
	exit(1);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void avp(struct buf *b, uint32_t code, const void *data, size_t len)
{
	size_t total = 8 + len, pad = (4 - total % 4) % 4;

	if(b->n + total + pad > sizeof(b->d))
		die("message too large");
	put32(b->d + b->n, code);
	put32(b->d + b->n + 4, (0x40u << 24) | (uint32_t)total); /* M flag */
	memcpy(b->d + b->n + 8, data, len);
	memset(b->d + b->n + total, 0, pad);
	b->n += total + pad;
}

static void avp_str(struct buf *b, uint32_t code, const char *s)
{
	avp(b, code, s, strlen(s));
}

static void avp_u32(struct buf *b, uint32_t code, uint32_t v)
{
	uint8_t x[4];
	put32(x, v);
	avp(b, code, x, 4);
}

static void avp_group(struct buf *b, uint32_t code, const struct buf *inner)
{
	avp(b, code, inner->d, inner->n);
}

static void header(struct buf *b, uint32_t cmd, uint32_t app)
{
	memset(b->d, 0, 20);
	b->d[0] = 1;
	b->d[4] = 0x80 | (cmd == CMD_CER ? 0 : 0x40); /* R, P */
	b->d[5] = cmd >> 16;
	b->d[6] = cmd >> 8;
	b->d[7] = cmd;
	put32(b->d + 8, app);
	put32(b->d + 12, ++hbh);
	put32(b->d + 16, hbh ^ 0xa5a5a5a5);
	b->n = 20;
}

static void finish(struct buf *b)
{
	put32(b->d, (1u << 24) | (uint32_t)b->n);
}

static void session(struct buf *b)
{
	char sid[128];
	snprintf(sid, sizeof(sid), "%s;%d;%u", o_host, (int)getpid(), ++session_seq);
	avp_str(b, AVP_SESSION_ID, sid);
}

static void common_app6(struct buf *b)
{
	avp_u32(b, AVP_AUTH_APP_ID, 6);
	avp_u32(b, AVP_AUTH_SESSION_STATE, 1);
	avp_str(b, AVP_ORIGIN_HOST, o_host);
	avp_str(b, AVP_ORIGIN_REALM, o_realm);
	avp_str(b, AVP_DEST_REALM, d_realm);
}

static int hexval(int c)
{
	if(c >= '0' && c <= '9')
		return c - '0';
	if(c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if(c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void send_all(int fd, const struct buf *b)
{
	size_t off = 0;
	while(off < b->n) {
		ssize_t w = send(fd, b->d + off, b->n - off, MSG_NOSIGNAL);
		if(w <= 0)
			die("send failed");
		off += (size_t)w;
	}
}

/* read one whole Diameter message; 0 on success, -1 on timeout/close */
static int recv_msg(int fd, struct buf *b)
{
	struct pollfd p = {fd, POLLIN, 0};
	size_t need = 20;

	b->n = 0;
	while(b->n < need) {
		ssize_t r;
		if(poll(&p, 1, 10000) <= 0)
			return -1;
		r = recv(fd, b->d + b->n, need - b->n, 0);
		if(r <= 0)
			return -1;
		b->n += (size_t)r;
		if(b->n >= 4 && need == 20) {
			need = get32(b->d) & 0xffffff;
			if(need < 20 || need > sizeof(b->d))
				die("answer with an impossible length");
		}
	}
	return 0;
}

/* answer a watchdog request from the server (freeDiameter sends DWRs, and
 * after a reconnection it holds our answers until a DWA arrives) */
static void answer_dwr(int fd, const struct buf *req)
{
	struct buf a;

	memcpy(a.d, req->d, 20);
	a.d[4] = 0; /* answer: R cleared */
	a.n = 20;
	avp_u32(&a, AVP_RESULT_CODE, 2001);
	avp_str(&a, AVP_ORIGIN_HOST, o_host);
	avp_str(&a, AVP_ORIGIN_REALM, o_realm);
	finish(&a);
	send_all(fd, &a);
}

/* print Result-Code, Error-Message, Failed-AVP's first AVP code */
static void report(const struct buf *b)
{
	uint32_t cmd = get32(b->d + 4) & 0xffffff, rc = 0, failed = 0;
	char emsg[256] = "";
	size_t off = 20;

	while(off + 8 <= b->n) {
		uint32_t code = get32(b->d + off), flags_len = get32(b->d + off + 4);
		size_t len = flags_len & 0xffffff, hl = (flags_len & 0x80000000u) ? 12 : 8;
		if(len < hl || off + len > b->n)
			break;
		if(code == AVP_RESULT_CODE && len == hl + 4)
			rc = get32(b->d + off + hl);
		else if(code == AVP_ERROR_MESSAGE) {
			size_t n = len - hl < sizeof(emsg) - 1 ? len - hl : sizeof(emsg) - 1;
			memcpy(emsg, b->d + off + hl, n);
			emsg[n] = 0;
		} else if(code == AVP_FAILED_AVP && len >= hl + 8)
			failed = get32(b->d + off + hl);
		off += (len + 3) & ~(size_t)3;
	}
	printf("%s rc=%u", cmd == CMD_UAR ? "uar" : cmd == CMD_MAR ? "mar" : cmd == CMD_CER ? "cer" : "other", rc);
	if(emsg[0])
		printf(" msg=\"%s\"", emsg);
	if(failed)
		printf(" failed=%u", failed);
	if(show_ids && cmd != CMD_CER)
		printf(" req=%u", get32(b->d + 12) - HBH_BASE);
	printf("\n");
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *port = "3868";
	int i, fd, repeat = 1, nreq = 0, answered = 0, r;
	struct addrinfo hints, *ai;
	static struct buf reqs[64], in;
	uint8_t ip[6] = {0, 1, 127, 0, 0, 1};

	for(i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if(i + 1 >= argc)
			die("option without value");
		if(!strcmp(argv[i], "--host"))
			host = argv[i + 1];
		else if(!strcmp(argv[i], "--port"))
			port = argv[i + 1];
		else if(!strcmp(argv[i], "--origin"))
			o_host = argv[i + 1];
		else if(!strcmp(argv[i], "--realm"))
			o_realm = argv[i + 1];
		else if(!strcmp(argv[i], "--dest-realm"))
			d_realm = argv[i + 1];
		else if(!strcmp(argv[i], "--repeat"))
			repeat = atoi(argv[i + 1]);
		else if(!strcmp(argv[i], "--ids"))
			show_ids = atoi(argv[i + 1]) != 0;
		else
			die("unknown option");
	}
	/* build the batch */
	while(i < argc) {
		struct buf *b;
		if(nreq >= 64)
			die("at most 64 requests per batch");
		b = &reqs[nreq++];
		if(!strcmp(argv[i], "uar") && i + 1 < argc) {
			header(b, CMD_UAR, 6);
			session(b);
			common_app6(b);
			avp_str(b, AVP_SIP_AOR, argv[i + 1]);
			i += 2;
			if(i < argc && strchr(argv[i], '@') && strncmp(argv[i], "sip", 3)) {
				avp_str(b, AVP_USER_NAME, argv[i]);
				i++;
			}
			if(i < argc && argv[i][0] >= '0' && argv[i][0] <= '9') {
				avp_u32(b, AVP_SIP_UAT, (uint32_t)atoi(argv[i]));
				i++;
			}
		} else if(!strcmp(argv[i], "mar") && i + 6 < argc) {
			struct buf authz = {.n = 0}, adi = {.n = 0};
			header(b, CMD_MAR, 6);
			session(b);
			common_app6(b);
			avp_str(b, AVP_SIP_AOR, argv[i + 1]);
			avp_str(b, AVP_SIP_METHOD, argv[i + 2]);
			avp_u32(b, AVP_SIP_NUMBER_AUTH_ITEMS, 1);
			avp_str(&authz, AVP_DIGEST_USERNAME, argv[i + 4]);
			avp_str(&authz, AVP_DIGEST_REALM, argv[i + 5]);
			avp_str(&authz, AVP_DIGEST_NONCE, "c=-");
			avp_str(&authz, AVP_DIGEST_URI, "sip:vpn.example.com");
			avp_str(&authz, AVP_DIGEST_RESPONSE, argv[i + 6]);
			avp_u32(&adi, AVP_SIP_AUTH_SCHEME, (uint32_t)atoi(argv[i + 3]));
			avp_group(&adi, AVP_SIP_AUTHORIZATION, &authz);
			avp_group(b, AVP_SIP_AUTH_DATA_ITEM, &adi);
			i += 7;
			if(i < argc && strchr(argv[i], '@') && strncmp(argv[i], "sip", 3)) {
				avp_str(b, AVP_USER_NAME, argv[i]);
				i++;
			}
		} else if(!strcmp(argv[i], "mar-noadi") && i + 2 < argc) {
			header(b, CMD_MAR, 6);
			session(b);
			common_app6(b);
			avp_str(b, AVP_SIP_AOR, argv[i + 1]);
			avp_str(b, AVP_SIP_METHOD, argv[i + 2]);
			i += 3;
		} else if(!strcmp(argv[i], "raw") && i + 1 < argc) {
			const char *h = argv[i + 1];
			size_t len = strlen(h), k;
			if(len % 2 || len / 2 > sizeof(b->d))
				die("raw: odd or oversized hex");
			for(k = 0; k < len / 2; k++) {
				int hi = hexval(h[2 * k]), lo = hexval(h[2 * k + 1]);
				if(hi < 0 || lo < 0)
					die("raw: not hex");
				b->d[k] = (uint8_t)(hi << 4 | lo);
			}
			b->n = len / 2;
			i += 2;
			continue; /* sent as given */
		} else {
			die("usage: [options] (uar AOR [USER] [UAT] | mar AOR METHOD SCHEME USER REALM OTP "
				"[USER-NAME] | mar-noadi AOR METHOD | raw HEX)...");
		}
		finish(b);
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if(getaddrinfo(host, port, &hints, &ai) != 0)
		die("cannot resolve host");
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if(fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("cannot connect");
	freeaddrinfo(ai);

	/* CER */
	header(&in, CMD_CER, 0);
	avp_str(&in, AVP_ORIGIN_HOST, o_host);
	avp_str(&in, AVP_ORIGIN_REALM, o_realm);
	avp(&in, AVP_HOST_IP, ip, sizeof(ip));
	avp_u32(&in, AVP_VENDOR_ID, 0);
	avp_str(&in, AVP_PRODUCT_NAME, "senemo-diameter-probe");
	avp_u32(&in, AVP_AUTH_APP_ID, 6);
	finish(&in);
	send_all(fd, &in);
	if(recv_msg(fd, &in) < 0)
		die("no CEA");
	report(&in);

	for(r = 0; r < repeat; r++) {
		int k, got = 0;
		for(k = 0; k < nreq; k++)
			send_all(fd, &reqs[k]);
		while(got < nreq && recv_msg(fd, &in) == 0) {
			if(in.d[4] & 0x80) { /* a request from the server */
				if((get32(in.d + 4) & 0xffffff) == CMD_DWR)
					answer_dwr(fd, &in);
				continue;
			}
			report(&in);
			got++;
		}
		answered += got;
		if(got < nreq)
			break;
	}
	/* orderly goodbye, so the server's next CER from us starts afresh */
	header(&in, CMD_DPR, 0);
	in.d[4] = 0x80;
	avp_str(&in, AVP_ORIGIN_HOST, o_host);
	avp_str(&in, AVP_ORIGIN_REALM, o_realm);
	avp_u32(&in, AVP_DISCONNECT_CAUSE, 2); /* DO_NOT_WANT_TO_TALK_TO_YOU */
	finish(&in);
	send_all(fd, &in);
	while(recv_msg(fd, &in) == 0) {
		uint32_t cmd = get32(in.d + 4) & 0xffffff;
		if((in.d[4] & 0x80) && cmd == CMD_DWR)
			answer_dwr(fd, &in);
		else if(!(in.d[4] & 0x80) && cmd == CMD_DPR)
			break;
	}
	close(fd);
	fflush(stdout);
	return answered == nreq * repeat ? 0 : 1;
}
