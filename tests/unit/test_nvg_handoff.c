/*
 * Unit tests of the plain C logic of the nvg module's handoff
 * (kamailio-modules/nvg): the coalescer of address changes
 * (nvg_coalesce.c), the SDP rewriter (nvg_sdp.c), the handoff list builder
 * and the status parser of Proxy 2's answer (nvg_hlist.c, libxml2) and the
 * NVG's own HOTP credential (nvg_otp.c with app_hotp's hotp.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "nvg_coalesce.h"
#include "nvg_sdp.h"
#include "nvg_hlist.h"
#include "nvg_otp.h"

/* ---- coalescer ---------------------------------------------------------- */

static void t_coal_basic(void **state)
{
	nvg_coal_t c;
	unsigned int n = 99;

	assert_int_equal(nvg_coal_init(&c, 100, 500), 0);
	assert_int_equal(nvg_coal_deadline(&c), -1);
	assert_int_equal(nvg_coal_due(&c, 1000, &n), 0);
	assert_int_equal(n, 99); /* untouched */
	assert_int_equal(nvg_coal_event(&c, 1000), 1);
	assert_int_equal(nvg_coal_deadline(&c), 1100);
	assert_int_equal(nvg_coal_due(&c, 1099, &n), 0);
	assert_int_equal(nvg_coal_due(&c, 1100, &n), 1);
	assert_int_equal(n, 0);
	assert_int_equal(nvg_coal_deadline(&c), -1);
	assert_int_equal(nvg_coal_due(&c, 5000, &n), 0);
}

static void t_coal_burst(void **state)
{
	nvg_coal_t c;
	unsigned int n = 0;

	nvg_coal_init(&c, 100, 500);
	/* del/add x3 within the window: one handoff, 5 coalesced */
	nvg_coal_event(&c, 1000);
	nvg_coal_event(&c, 1001);
	nvg_coal_event(&c, 1050);
	nvg_coal_event(&c, 1051);
	nvg_coal_event(&c, 1090);
	assert_int_equal(nvg_coal_event(&c, 1091), 6);
	assert_int_equal(nvg_coal_deadline(&c), 1191);
	assert_int_equal(nvg_coal_due(&c, 1190, &n), 0);
	assert_int_equal(nvg_coal_due(&c, 1191, &n), 1);
	assert_int_equal(n, 5);
}

static void t_coal_cap(void **state)
{
	nvg_coal_t c;
	unsigned int n = 0;
	int64_t t;

	/* a flapping link cannot postpone the handoff past max_wait */
	nvg_coal_init(&c, 100, 300);
	for(t = 0; t < 1000; t += 50) {
		nvg_coal_event(&c, t);
		if(nvg_coal_due(&c, t, &n))
			break;
	}
	assert_true(t >= 300 && t <= 350);
	/* max_wait below the window is raised to it */
	nvg_coal_init(&c, 200, 10);
	assert_int_equal(c.max_wait_ms, 200);
	assert_int_equal(nvg_coal_init(&c, -1, 0), -1);
	assert_int_equal(nvg_coal_init(NULL, 1, 0), -1);
	/* window 0: due at once */
	nvg_coal_init(&c, 0, 0);
	nvg_coal_event(&c, 7);
	assert_int_equal(nvg_coal_due(&c, 7, NULL), 1);
}

static void t_coal_clock_back(void **state)
{
	nvg_coal_t c;
	nvg_coal_init(&c, 100, 500);
	nvg_coal_event(&c, 1000);
	nvg_coal_event(&c, 900); /* clock stepped back: deadline stays */
	assert_int_equal(nvg_coal_deadline(&c), 1100);
}

/* ---- SDP ------------------------------------------------------------------ */

static const char *SDP4 = "v=0\r\n"
						  "o=mn 123 7 IN IP4 198.18.10.2\r\n"
						  "s=-\r\n"
						  "c=IN IP4 198.18.10.2\r\n"
						  "t=0 0\r\n"
						  "m=audio 40000 RTP/AVP 0\r\n"
						  "c=IN IP4 198.18.10.2\r\n"
						  "a=rtpmap:0 PCMU/8000\r\n";

static int rw(const char *in, int af, const char *a, int bump, char *out, size_t cap)
{
	size_t ol = 0;
	return nvg_sdp_rewrite(in, strlen(in), af, a, bump, out, cap, &ol);
}

static void t_sdp_v4(void **state)
{
	char out[1024];
	assert_int_equal(rw(SDP4, 4, "198.18.21.2", 0, out, sizeof(out)), 3);
	assert_non_null(strstr(out, "o=mn 123 7 IN IP4 198.18.21.2\r\n"));
	assert_non_null(strstr(out, "\r\nc=IN IP4 198.18.21.2\r\nt=0 0"));
	assert_non_null(strstr(out, "m=audio 40000 RTP/AVP 0\r\nc=IN IP4 198.18.21.2\r\n"));
	assert_null(strstr(out, "198.18.10.2"));
	assert_non_null(strstr(out, "a=rtpmap:0 PCMU/8000\r\n"));
}

static void t_sdp_v6_bump(void **state)
{
	char out[1024];
	assert_int_equal(rw(SDP4, 6, "fd00:20::2", 1, out, sizeof(out)), 3);
	assert_non_null(strstr(out, "o=mn 123 8 IN IP6 fd00:20::2\r\n"));
	assert_non_null(strstr(out, "c=IN IP6 fd00:20::2\r\n"));
	/* version carry */
	assert_int_equal(rw("v=0\no=- 1 999 IN IP4 1.2.3.4\nc=IN IP4 1.2.3.4\n", 4, "5.6.7.8",
							 1, out, sizeof(out)),
			2);
	assert_string_equal(out, "v=0\no=- 1 1000 IN IP4 5.6.7.8\nc=IN IP4 5.6.7.8\n");
}

static void t_sdp_keep(void **state)
{
	char out[512];
	/* hold and multicast kept; LF line ends kept; no final line end kept */
	assert_int_equal(rw("v=0\nc=IN IP4 0.0.0.0\nc=IN IP6 ::\nc=IN IP4 224.2.1.1/127\n"
						"m=audio 5 RTP/AVP 0",
							 4, "198.18.21.2", 0, out, sizeof(out)),
			0);
	assert_string_equal(out, "v=0\nc=IN IP4 0.0.0.0\nc=IN IP6 ::\nc=IN IP4 224.2.1.1/127\n"
							 "m=audio 5 RTP/AVP 0");
}

static void t_sdp_errors(void **state)
{
	char out[64];
	size_t ol = 0;
	assert_int_equal(rw("x=0\r\n", 4, "1.2.3.4", 0, out, sizeof(out)), NVG_SDP_E_NOTSDP);
	assert_int_equal(rw("v=0\r\nc=IN IP4\r\n", 4, "1.2.3.4", 0, out, sizeof(out)),
			NVG_SDP_E_CLINE);
	assert_int_equal(rw("v=0\r\nc=IN IP5 1.1.1.1\r\n", 4, "1.2.3.4", 0, out, sizeof(out)),
			NVG_SDP_E_CLINE);
	assert_int_equal(rw("v=0\r\nc=IN  IP4 1.1.1.1\r\n", 4, "1.2.3.4", 0, out, sizeof(out)),
			NVG_SDP_E_CLINE);
	assert_int_equal(rw("v=0\r\nc=IN IP4 1.1.1.1 \r\n", 4, "1.2.3.4", 0, out, sizeof(out)),
			NVG_SDP_E_CLINE);
	assert_int_equal(rw("v=0\r\no=- x 1 IN IP4 1.1.1.1\r\n", 4, "1.2.3.4", 0, out,
							 sizeof(out)),
			NVG_SDP_E_OLINE);
	assert_int_equal(rw("v=0\r\no=- 1 1 IN IP4\r\n", 4, "1.2.3.4", 0, out, sizeof(out)),
			NVG_SDP_E_OLINE);
	assert_int_equal(rw("v=0\r\na=\x01\r\n", 4, "1.2.3.4", 0, out, sizeof(out)),
			NVG_SDP_E_CTL);
	assert_int_equal(rw(SDP4, 4, "1.2.3", 0, out, sizeof(out)), NVG_SDP_E_ADDR);
	assert_int_equal(rw(SDP4, 4, "fd00::1", 0, out, sizeof(out)), NVG_SDP_E_ADDR);
	assert_int_equal(rw(SDP4, 5, "1.2.3.4", 0, out, sizeof(out)), NVG_SDP_E_ARG);
	assert_int_equal(rw(SDP4, 4, "1.2.3.4", 0, out, sizeof(out)), NVG_SDP_E_SPACE);
	assert_int_equal(nvg_sdp_rewrite(NULL, 0, 4, "1.2.3.4", 0, out, 64, &ol), NVG_SDP_E_ARG);
	assert_string_equal(nvg_sdp_strerror(NVG_SDP_E_CLINE), "malformed c= line");
}

/* ---- handoff list ------------------------------------------------------------ */

static nvg_hl_entry_t E[3];

static void setup_entries(void)
{
	memset(E, 0, sizeof(E));
	strcpy(E[0].callid, "a84b4c76e66710");
	strcpy(E[0].mn_tag, "1928301774");
	strcpy(E[0].cn_tag, "314159");
	strcpy(E[0].uri, "sip:cn-1@vpn.example.com");
	strcpy(E[1].callid, "call-2@x");
	strcpy(E[1].mn_tag, "t2");
	strcpy(E[1].cn_tag, "c2");
	strcpy(E[1].uri, "sip:cn-2@vpn.example.com");
	strcpy(E[2].callid, "q\"<&>'");
	strcpy(E[2].mn_tag, "t3");
	strcpy(E[2].cn_tag, "c3");
	strcpy(E[2].uri, "sip:cn-3@vpn.example.com");
}

static void t_hl_build(void **state)
{
	char out[8192];
	int n;

	setup_entries();
	n = nvg_hl_build(E, 3, 4, "198.18.21.2", "b1", 11, 2, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal((int)strlen(out), n);
	assert_non_null(strstr(out, "--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n"
								"o=- 11 2 IN IP4 198.18.21.2\r\ns=-\r\nc=IN IP4 198.18.21.2\r\n"
								"t=0 0\r\n"));
	assert_non_null(strstr(out, "Content-Type: application/resource-lists+xml\r\n"
								"Content-Disposition: recipient-list\r\n"));
	assert_non_null(strstr(out, "<entry uri=\"sip:cn-1@vpn.example.com\">"
								"<sh:dialog call-id=\"a84b4c76e66710\" mn-tag=\"1928301774\" "
								"cn-tag=\"314159\"/></entry>\r\n"));
	/* the compact answer is asked for */
	assert_non_null(strstr(out, " sh:answer=\"failures\">"));
	assert_non_null(strstr(out, "call-id=\"q&quot;&lt;&amp;&gt;&apos;\""));
	assert_non_null(strstr(out, "\r\n--b1--\r\n"));
	/* IPv6 */
	n = nvg_hl_build(E, 1, 6, "fd00:20::2", "b1", 1, 1, out, sizeof(out));
	assert_non_null(strstr(out, "c=IN IP6 fd00:20::2\r\n"));
	/* errors */
	assert_int_equal(nvg_hl_build(E, 3, 4, "198.18.21.2", "b1", 1, 1, out, 200),
			NVG_HL_E_SPACE);
	assert_int_equal(nvg_hl_build(E, 3, 4, "1.2.3", "b1", 1, 1, out, sizeof(out)),
			NVG_HL_E_ADDR);
	assert_int_equal(nvg_hl_build(E, 3, 4, "1.2.3.4", "b 1", 1, 1, out, sizeof(out)),
			NVG_HL_E_ARG);
	strcpy(E[1].mn_tag, "t\n2");
	assert_int_equal(nvg_hl_build(E, 3, 4, "1.2.3.4", "b1", 1, 1, out, sizeof(out)),
			NVG_HL_E_VALUE);
}

/* our own list parses back with the status parser (no statuses) */
static void t_hl_roundtrip(void **state)
{
	char out[8192], *x;
	int n;
	setup_entries();
	n = nvg_hl_build(E, 3, 4, "198.18.21.2", "b1", 11, 2, out, sizeof(out));
	assert_true(n > 0);
	x = strstr(out, "<?xml");
	*strstr(x, "\r\n\r\n--b1--") = 0;
	assert_int_equal(nvg_hl_parse_status(x, strlen(x), E, 3, NULL, 0), 0);
}

#define HDR "<?xml version=\"1.0\"?><resource-lists xmlns=\"" NVG_HL_NS_RL \
			"\" xmlns:sh=\"" NVG_HL_NS_SH "\"><list>"

static void t_hl_status(void **state)
{
	char err[160];
	const char *x = HDR
			"<entry uri=\"sip:cn-1@vpn.example.com\"><sh:dialog call-id=\"a84b4c76e66710\" "
			"mn-tag=\"1928301774\" cn-tag=\"314159\"/><sh:status code=\"200\" reason=\"moved\" "
			"cn-reinvite=\"yes\"/></entry>"
			"<entry uri=\"sip:cn-3@vpn.example.com\"><sh:dialog call-id=\"q&quot;&lt;&amp;&gt;&apos;\" "
			"mn-tag=\"t3\" cn-tag=\"c3\"/><sh:status code=\"488\"/></entry>"
			"<entry uri=\"sip:x@y\"><sh:dialog call-id=\"other\" mn-tag=\"a\" cn-tag=\"b\"/>"
			"<sh:status code=\"404\"/></entry>"
			"</list></resource-lists>";
	setup_entries();
	assert_int_equal(nvg_hl_parse_status(x, strlen(x), E, 3, err, sizeof(err)), 2);
	assert_int_equal(E[0].status, 200);
	assert_int_equal(E[0].cn_reinvite, 1);
	assert_int_equal(E[1].status, 0); /* not mentioned: fallback */
	assert_int_equal(E[2].status, 488);
	assert_int_equal(E[2].cn_reinvite, 0);
}

/* the compact answer: entries left out were moved, if the counts add up */
static void t_hl_status_compact(void **state)
{
	char err[160];
	char x[2048];
	const char *ent3 = "<entry uri=\"sip:cn-3@vpn.example.com\"><sh:dialog "
					   "call-id=\"q&quot;&lt;&amp;&gt;&apos;\" mn-tag=\"t3\" cn-tag=\"c3\"/>"
					   "<sh:status code=\"488\"/></entry>";
#define CROOT(attrs) "<?xml version=\"1.0\"?><resource-lists xmlns=\"" NVG_HL_NS_RL \
		"\" xmlns:sh=\"" NVG_HL_NS_SH "\" " attrs "><list>"

	snprintf(x, sizeof(x), "%s%s</list></resource-lists>",
			CROOT("sh:omitted=\"moved\" sh:entries=\"3\" sh:omitted-count=\"2\""), ent3);
	setup_entries();
	assert_int_equal(nvg_hl_parse_status(x, strlen(x), E, 3, err, sizeof(err)), 3);
	assert_int_equal(E[0].status, 200);
	assert_int_equal(E[1].status, 200);
	assert_int_equal(E[2].status, 488);
	/* nothing listed: everything moved */
	snprintf(x, sizeof(x), "%s</list></resource-lists>",
			CROOT("sh:omitted=\"moved\" sh:entries=\"3\" sh:omitted-count=\"3\""));
	setup_entries();
	assert_int_equal(nvg_hl_parse_status(x, strlen(x), E, 3, err, sizeof(err)), 3);
	assert_int_equal(E[0].status + E[1].status + E[2].status, 600);
	/* counts that do not add up, or another omission: nothing trusted */
	{
		const char *bad[] = {
				CROOT("sh:omitted=\"moved\" sh:entries=\"4\" sh:omitted-count=\"3\""),
				CROOT("sh:omitted=\"moved\" sh:entries=\"3\" sh:omitted-count=\"3\""),
				CROOT("sh:omitted=\"moved\" sh:entries=\"3\""),
				CROOT("sh:omitted=\"moved\" sh:entries=\"3\" sh:omitted-count=\"-2\""),
				CROOT("sh:omitted=\"moved\" sh:entries=\"3\" sh:omitted-count=\"2x\""),
				CROOT("sh:omitted=\"refused\" sh:entries=\"3\" sh:omitted-count=\"2\""),
		};
		unsigned i;
		for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			snprintf(x, sizeof(x), "%s%s</list></resource-lists>", bad[i], ent3);
			setup_entries();
			err[0] = 0;
			assert_int_equal(nvg_hl_parse_status(x, strlen(x), E, 3, err, sizeof(err)),
					NVG_HL_E_COUNT);
			assert_true(err[0] != 0);
			assert_int_equal(E[0].status + E[1].status + E[2].status, 0);
		}
	}
	/* an sh:omitted without the namespace is not the compact answer */
	snprintf(x, sizeof(x), "%s%s</list></resource-lists>",
			CROOT("omitted=\"moved\" entries=\"3\" omitted-count=\"2\""), ent3);
	setup_entries();
	assert_int_equal(nvg_hl_parse_status(x, strlen(x), E, 3, err, sizeof(err)), 1);
	assert_int_equal(E[0].status, 0);
#undef CROOT
}

static void t_hl_status_errors(void **state)
{
	char err[160];
	const char *bad[] = {
		"<not xml",
		"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"b\">]><r/>",
		"<?xml version=\"1.0\"?><resource-lists><list/></resource-lists>", /* no ns */
		HDR "<entry><sh:dialog call-id=\"a84b4c76e66710\" mn-tag=\"1928301774\" "
			"cn-tag=\"314159\"/><sh:status/></entry></list></resource-lists>",
		HDR "<entry><sh:dialog call-id=\"a84b4c76e66710\" mn-tag=\"1928301774\" "
			"cn-tag=\"314159\"/><sh:status code=\"20x\"/></entry></list></resource-lists>",
		HDR "<entry><sh:dialog call-id=\"a84b4c76e66710\" mn-tag=\"1928301774\" "
			"cn-tag=\"314159\"/><sh:status code=\"099\"/></entry></list></resource-lists>",
		HDR "<entry><sh:dialog call-id=\"a84b4c76e66710\" mn-tag=\"1928301774\" "
			"cn-tag=\"314159\"/><sh:status code=\"2000\"/></entry></list></resource-lists>",
	};
	int want[] = {NVG_HL_E_XML, NVG_HL_E_DTD, NVG_HL_E_ROOT, NVG_HL_E_STATUS,
			NVG_HL_E_STATUS, NVG_HL_E_STATUS, NVG_HL_E_STATUS};
	unsigned i;

	for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup_entries();
		E[0].status = 0;
		err[0] = 0;
		assert_int_equal(nvg_hl_parse_status(bad[i], strlen(bad[i]), E, 3, err, sizeof(err)),
				want[i]);
		assert_true(err[0] != 0);
		assert_int_equal(E[0].status, 0); /* nothing changed */
	}
	/* an error after a good entry changes nothing either */
	{
		const char *x = HDR "<entry><sh:dialog call-id=\"a84b4c76e66710\" mn-tag=\"1928301774\" "
							"cn-tag=\"314159\"/><sh:status code=\"200\"/></entry>"
							"<entry><sh:status code=\"abc\"/></entry></list></resource-lists>";
		setup_entries();
		assert_int_equal(nvg_hl_parse_status(x, strlen(x), E, 3, err, sizeof(err)),
				NVG_HL_E_STATUS);
		assert_int_equal(E[0].status, 0);
	}
	/* duplicates: counted once, the last one wins */
	{
		const char *x = HDR "<entry><sh:dialog call-id=\"call-2@x\" mn-tag=\"t2\" cn-tag=\"c2\"/>"
							"<sh:status code=\"404\"/></entry>"
							"<entry><sh:dialog call-id=\"call-2@x\" mn-tag=\"t2\" cn-tag=\"c2\"/>"
							"<sh:status code=\"200\"/></entry></list></resource-lists>";
		setup_entries();
		assert_int_equal(nvg_hl_parse_status(x, strlen(x), E, 3, err, sizeof(err)), 1);
		assert_int_equal(E[1].status, 200);
	}
	assert_int_equal(nvg_hl_parse_status(NULL, 0, E, 3, NULL, 0), NVG_HL_E_ARG);
}

/* ---- OTP --------------------------------------------------------------------- */

static char dir[64];

static int otp_setup(void **state)
{
	strcpy(dir, "/tmp/nvgotp.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int otp_teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void wfile(const char *name, const char *content, mode_t mode)
{
	char p[128];
	FILE *f;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	chmod(p, mode);
}

static void t_otp(void **state)
{
	char p[128], c[128], err[256], hdr[256];
	nvg_otp_key_t k;
	uint64_t use = 99;
	FILE *f;

	memset(&k, 0, sizeof(k));
	/* RFC 4226 appendix D secret */
	wfile("s", "3132333435363738393031323334353637383930\n", 0600);
	snprintf(p, sizeof(p), "%s/s", dir);
	assert_int_equal(nvg_otp_load_secret(p, &k, err, sizeof(err)), 0);
	assert_int_equal((int)k.len, 20);
	assert_int_equal(k.digits, 6);
	snprintf(c, sizeof(c), "%s/ctr", dir);
	assert_int_equal(nvg_otp_next(c, &use, err, sizeof(err)), 0); /* no file: 0 */
	assert_int_equal((int)use, 0);
	assert_true(nvg_otp_header("Authorization", "nvg-7", "vpn.example.com", &k, use, hdr,
						sizeof(hdr))
				> 0);
	assert_string_equal(hdr, "Authorization: HOTP username=\"nvg-7\", "
							 "realm=\"vpn.example.com\", otp=\"755224\", counter=\"0\"\r\n");
	assert_int_equal(nvg_otp_next(c, &use, err, sizeof(err)), 0);
	assert_int_equal((int)use, 1);
	nvg_otp_header("Proxy-Authorization", "nvg-7", "vpn.example.com", &k, use, hdr,
			sizeof(hdr));
	assert_non_null(strstr(hdr, "otp=\"287082\""));
	/* persisted before use: the file already holds the next counter */
	f = fopen(c, "r");
	assert_non_null(f);
	assert_non_null(fgets(p, sizeof(p), f));
	fclose(f);
	assert_string_equal(p, "2\n");
	/* bad inputs */
	assert_int_equal(nvg_otp_header("Authorization", "bad user", "vpn.example.com", &k, 1,
							 hdr, sizeof(hdr)),
			-1);
	assert_int_equal(nvg_otp_header("Authorization", "u", "bad realm", &k, 1, hdr,
							 sizeof(hdr)),
			-1);
	assert_int_equal(nvg_otp_header("Authorization", "u", "r", &k, 1, hdr, 20), -1);
}

static void t_otp_errors(void **state)
{
	char p[128], err[256];
	nvg_otp_key_t k;
	uint64_t use = 5;

	memset(&k, 0, sizeof(k));
	wfile("g", "3132333435363738393031323334353637383930\n", 0640);
	snprintf(p, sizeof(p), "%s/g", dir);
	assert_int_equal(nvg_otp_load_secret(p, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "must not be accessible by group or others"));
	wfile("short", "31323334\n", 0600);
	snprintf(p, sizeof(p), "%s/short", dir);
	assert_int_equal(nvg_otp_load_secret(p, &k, err, sizeof(err)), -1);
	wfile("empty", "\n", 0600);
	snprintf(p, sizeof(p), "%s/empty", dir);
	assert_int_equal(nvg_otp_load_secret(p, &k, err, sizeof(err)), -1);
	snprintf(p, sizeof(p), "%s/missing", dir);
	assert_int_equal(nvg_otp_load_secret(p, &k, err, sizeof(err)), -1);
	/* base32 secret */
	wfile("b32", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n", 0600);
	snprintf(p, sizeof(p), "%s/b32", dir);
	assert_int_equal(nvg_otp_load_secret(p, &k, err, sizeof(err)), 0);
	assert_int_equal((int)k.len, 20);
	/* counter file: garbage is an error and stays as it is */
	wfile("badctr", "12x\n", 0600);
	snprintf(p, sizeof(p), "%s/badctr", dir);
	assert_int_equal(nvg_otp_next(p, &use, err, sizeof(err)), -1);
	assert_int_equal((int)use, 5);
	wfile("badctr2", "\n", 0600);
	snprintf(p, sizeof(p), "%s/badctr2", dir);
	assert_int_equal(nvg_otp_next(p, &use, err, sizeof(err)), -1);
	snprintf(p, sizeof(p), "%s/nodir/ctr", dir);
	assert_int_equal(nvg_otp_next(p, &use, err, sizeof(err)), -1);
	assert_int_equal((int)use, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_coal_basic),
		cmocka_unit_test(t_coal_burst),
		cmocka_unit_test(t_coal_cap),
		cmocka_unit_test(t_coal_clock_back),
		cmocka_unit_test(t_sdp_v4),
		cmocka_unit_test(t_sdp_v6_bump),
		cmocka_unit_test(t_sdp_keep),
		cmocka_unit_test(t_sdp_errors),
		cmocka_unit_test(t_hl_build),
		cmocka_unit_test(t_hl_roundtrip),
		cmocka_unit_test(t_hl_status),
		cmocka_unit_test(t_hl_status_compact),
		cmocka_unit_test(t_hl_status_errors),
		cmocka_unit_test_setup_teardown(t_otp, otp_setup, otp_teardown),
		cmocka_unit_test_setup_teardown(t_otp_errors, otp_setup, otp_teardown),
	};
	nvg_hl_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
