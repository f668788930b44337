/*
 * Unit tests of the SDP helpers of urilist (kamailio-modules/urilist/
 * urilist_parse.c): the NVG's media address from the handoff SDP part
 * (IPv4, IPv6, session vs media level, refusals) and the re-addressing of a
 * stored MN SDP (o= and every c= line, line ends kept, ports untouched,
 * buffer bounds).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "urilist_parse.h"

static int addr(const char *sdp, char *ip, size_t n)
{
	return ul_sdp_conn_addr(sdp, strlen(sdp), ip, n);
}

static void t_conn_addr(void **state)
{
	char ip[64];

	assert_int_equal(addr("v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\nc=IN IP4 198.18.1.2\r\nt=0 0\r\n", ip, sizeof(ip)), 4);
	assert_string_equal(ip, "198.18.1.2");
	assert_int_equal(addr("v=0\nc=IN IP6 fd00::1:2\n", ip, sizeof(ip)), 6);
	assert_string_equal(ip, "fd00::1:2");
	/* media level only */
	assert_int_equal(addr("v=0\r\ns=-\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP4 198.18.3.4/127\r\n", ip, sizeof(ip)), 4);
	assert_string_equal(ip, "198.18.3.4");
	/* refusals */
	assert_int_equal(addr("v=0\r\ns=-\r\n", ip, sizeof(ip)), 0);
	assert_int_equal(addr("c=IN IP4 example.com\r\n", ip, sizeof(ip)), 0);
	assert_int_equal(addr("c=IN IP6 198.18.1.2\r\n", ip, sizeof(ip)), 0);
	assert_int_equal(addr("c=IN IP4 fd00::1\r\n", ip, sizeof(ip)), 0);
	assert_int_equal(addr("c=XX IP4 198.18.1.2\r\n", ip, sizeof(ip)), 0);
	assert_int_equal(addr("c=IN IP4\r\n", ip, sizeof(ip)), 0);
	assert_int_equal(addr("c=IN IP4 198.18.1.2\r\n", ip, 4), 0); /* does not fit */
	assert_int_equal(ul_sdp_conn_addr(NULL, 0, ip, sizeof(ip)), 0);
}

static const char *MN_SDP = "v=0\r\n"
							"o=mn 4711 2 IN IP4 198.18.20.2\r\n"
							"s=-\r\n"
							"c=IN IP4 198.18.20.2\r\n"
							"t=0 0\r\n"
							"m=audio 50000 RTP/SAVP 0\r\n"
							"c=IN IP4 198.18.20.2\r\n"
							"a=rtpmap:0 PCMU/8000\r\n"
							"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";

static void t_readdress(void **state)
{
	char out[1024];
	int n;

	n = ul_sdp_readdress(MN_SDP, strlen(MN_SDP), "198.18.30.9", 4, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(out));
	assert_non_null(strstr(out, "o=mn 4711 2 IN IP4 198.18.30.9\r\n"));
	assert_non_null(strstr(out, "s=-\r\nc=IN IP4 198.18.30.9\r\nt=0 0\r\n"));
	assert_non_null(strstr(out, "m=audio 50000 RTP/SAVP 0\r\nc=IN IP4 198.18.30.9\r\n"));
	assert_null(strstr(out, "198.18.20.2"));
	assert_non_null(strstr(out, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNf"));
	/* only the address changed: same length difference per replaced line */
	assert_int_equal((size_t)n, strlen(MN_SDP) + 3 * (strlen("198.18.30.9") - strlen("198.18.20.2")));

	/* to IPv6 */
	n = ul_sdp_readdress(MN_SDP, strlen(MN_SDP), "fd00::30:9", 6, out, sizeof(out));
	assert_true(n > 0);
	assert_non_null(strstr(out, "o=mn 4711 2 IN IP6 fd00::30:9\r\n"));
	assert_non_null(strstr(out, "c=IN IP6 fd00::30:9\r\n"));
	assert_null(strstr(out, "IP4"));

	/* LF-only SDP keeps its line ends; last line without line end */
	{
		const char *lf = "v=0\nc=IN IP4 1.2.3.4\nm=audio 1 RTP/AVP 0";
		n = ul_sdp_readdress(lf, strlen(lf), "5.6.7.8", 4, out, sizeof(out));
	}
	assert_true(n > 0);
	assert_string_equal(out, "v=0\nc=IN IP4 5.6.7.8\nm=audio 1 RTP/AVP 0");

	/* refusals: too small a buffer, not an SDP, bad family */
	assert_int_equal(ul_sdp_readdress(MN_SDP, strlen(MN_SDP), "198.18.30.9", 4, out, 50), -1);
	assert_int_equal(ul_sdp_readdress("hello\r\n", 7, "198.18.30.9", 4, out, sizeof(out)), -1);
	assert_int_equal(ul_sdp_readdress(MN_SDP, strlen(MN_SDP), "198.18.30.9", 5, out, sizeof(out)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_conn_addr),
		cmocka_unit_test(t_readdress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
