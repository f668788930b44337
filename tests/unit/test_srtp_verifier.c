/*
 * Unit tests of the plain-C parts of the media verifier senemo-srtp:
 * base64 (RFC 4648 vectors, padding rules, alphabet), RFC 4568 a=crypto
 * parsing (suites and key lengths, lifetime, MKI, several keys, session
 * parameters, every error class), the command-line crypto forms, SDP
 * parsing (session/media c=, IPv6, several sections, a=rtcp, a=key-mgmt,
 * bad lines, inputs without NUL), and the receive statistics: sequence
 * accounting, RFC 3550 jitter (worked values, timestamp wrap), gaps,
 * percentiles and the payload pattern.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "srtp_sdp.h"
#include "srtp_stats.h"

/* RFC 4568 §4's example key */
#define K30 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
static const uint8_t K30_BIN[30] = {0x3d, 0x2d, 0x6e, 0x40, 0x25, 0x5e, 0x78, 0x21, 0x42, 0x6a,
		0x75, 0x66, 0x72, 0x39, 0x29, 0x3f, 0x2c, 0x23, 0x35, 0x68, 0x5c, 0x60, 0x3d, 0x26, 0x5d,
		0x7b, 0x71, 0x69, 0x50, 0x51};

/* ---- base64 ------------------------------------------------------------ */

static void t_b64_rfc4648(void **st)
{
	static const struct {
		const char *plain, *enc;
	} v[] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
			{"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
	uint8_t out[16];
	char enc[32];
	size_t i;
	(void)st;
	for(i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int n = ssdp_b64_decode(v[i].enc, strlen(v[i].enc), out, sizeof(out));
		assert_int_equal(n, (int)strlen(v[i].plain));
		assert_memory_equal(out, v[i].plain, (size_t)n);
		n = ssdp_b64_encode((const uint8_t *)v[i].plain, strlen(v[i].plain), enc, sizeof(enc));
		assert_int_equal(n, (int)strlen(v[i].enc));
		assert_string_equal(enc, v[i].enc);
	}
}

static void t_b64_unpadded_and_bad(void **st)
{
	uint8_t out[64];
	(void)st;
	/* rtpengine writes keys without padding */
	assert_int_equal(ssdp_b64_decode("Zg", 2, out, sizeof(out)), 1);
	assert_int_equal(ssdp_b64_decode("Zm8", 3, out, sizeof(out)), 2);
	assert_int_equal(ssdp_b64_decode(K30, strlen(K30), out, sizeof(out)), 30);
	assert_memory_equal(out, K30_BIN, 30);
	/* a lone sextet, bad padding, characters outside the alphabet */
	assert_int_equal(ssdp_b64_decode("Z", 1, out, sizeof(out)), SSDP_EINVAL);
	assert_int_equal(ssdp_b64_decode("Zg=", 3, out, sizeof(out)), SSDP_EINVAL);
	assert_int_equal(ssdp_b64_decode("Zg===", 5, out, sizeof(out)), SSDP_EINVAL);
	assert_int_equal(ssdp_b64_decode("Zm9v====", 8, out, sizeof(out)), SSDP_EINVAL);
	assert_int_equal(ssdp_b64_decode("Zm8==", 5, out, sizeof(out)), SSDP_EINVAL);
	assert_int_equal(ssdp_b64_decode("Z=g=", 4, out, sizeof(out)), SSDP_EINVAL);
	assert_int_equal(ssdp_b64_decode("Zm-v", 4, out, sizeof(out)), SSDP_EINVAL);
	assert_int_equal(ssdp_b64_decode("Zm_v", 4, out, sizeof(out)), SSDP_EINVAL);
	assert_int_equal(ssdp_b64_decode("Zm v", 4, out, sizeof(out)), SSDP_EINVAL);
	assert_int_equal(ssdp_b64_decode("Zm\0v", 4, out, sizeof(out)), SSDP_EINVAL);
	/* output bound */
	assert_int_equal(ssdp_b64_decode("Zm9vYmFy", 8, out, 5), SSDP_ERANGE);
	assert_int_equal(ssdp_b64_decode("Zm9vYmFy", 8, out, 6), 6);
	/* encode bound */
	{
		char e[9];
		assert_int_equal(ssdp_b64_encode((const uint8_t *)"foobar", 6, e, 8), SSDP_ERANGE);
		assert_int_equal(ssdp_b64_encode((const uint8_t *)"foobar", 6, e, 9), 8);
	}
}

static void t_b64_roundtrip(void **st)
{
	uint8_t in[64], out[64];
	char enc[100];
	size_t len, i;
	(void)st;
	for(len = 0; len <= 64; len++) {
		for(i = 0; i < len; i++)
			in[i] = (uint8_t)(i * 37 + len);
		int n = ssdp_b64_encode(in, len, enc, sizeof(enc));
		assert_true(n >= 0);
		assert_int_equal(ssdp_b64_decode(enc, (size_t)n, out, sizeof(out)), (int)len);
		assert_memory_equal(in, out, len);
	}
}

/* ---- a=crypto ------------------------------------------------------------ */

static ssdp_crypto_t C;
static char E[SSDP_ERRLEN];

static int cp(const char *s)
{
	E[0] = 0;
	return ssdp_crypto_parse(s, strlen(s), &C, E);
}

static void t_crypto_rfc4568_example(void **st)
{
	(void)st;
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|1:4"), SSDP_OK);
	assert_int_equal(C.tag, 1);
	assert_string_equal(C.suite->name, "AES_CM_128_HMAC_SHA1_80");
	assert_int_equal(C.key_len, 30);
	assert_memory_equal(C.key, K30_BIN, 30);
	assert_true(C.lifetime == (1u << 20));
	assert_int_equal(C.mki_value, 1);
	assert_int_equal(C.mki_len, 4);
	assert_int_equal(C.n_keys, 1);
	assert_int_equal(C.kdr, -1);
	/* CRLF at the end of the line is tolerated */
	assert_int_equal(cp("2 AES_CM_128_HMAC_SHA1_32 inline:" K30 "\r\n"), SSDP_OK);
	assert_int_equal(C.tag, 2);
	assert_int_equal(C.suite->tag_len, 4);
	assert_int_equal(C.suite->rtcp_tag_len, 10);
	assert_true(C.lifetime == 0);
	assert_int_equal(C.mki_len, 0);
}

static void t_crypto_suites_and_lengths(void **st)
{
	/* what rtpengine 10.5 offers, with its unpadded keys */
	static const struct {
		const char *line;
		unsigned key, salt, tag;
	} v[] = {
		{"1 AEAD_AES_256_GCM inline:mgLINN7TKRMCPoavg5nJu4D2eecibyMkGVH5EAhZVkXBpRFY1DbK0232SCI", 32, 12, 16},
		{"2 AEAD_AES_128_GCM inline:JvfN2rR6uRyWRaIm9BLxvUaAHWQ1ysTmgrhyug", 16, 12, 16},
		{"3 AES_256_CM_HMAC_SHA1_80 inline:t+5UG4FFlTTRy5T9afBUdKkcWc4UDfRzWkin5VsWrCDfxQT0X/WZbCOMeEHAJA", 32, 14, 10},
		{"5 AES_192_CM_HMAC_SHA1_80 inline:UUAFSC4L7DVz4E6XpgMdwugCgHX52s924ke5kxSuPZaquwb1K64", 24, 14, 10},
		{"7 AES_CM_128_HMAC_SHA1_80 inline:rkI9Yd5KuAhmUryt2lNgRfxOMIvS9J4qXDxmO6pX", 16, 14, 10},
		{"11 NULL_HMAC_SHA1_80 inline:TmnXoG1N4frXoaie+CYaBoIBrug8ZwVFx62ZuroL", 16, 14, 10},
	};
	size_t i;
	(void)st;
	for(i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(cp(v[i].line), SSDP_OK);
		assert_int_equal(C.suite->key_len, v[i].key);
		assert_int_equal(C.suite->salt_len, v[i].salt);
		assert_int_equal(C.suite->tag_len, v[i].tag);
		assert_int_equal(C.key_len, v[i].key + v[i].salt);
	}
	/* a 30-byte key for a suite that needs 46 */
	assert_int_equal(cp("1 AES_256_CM_HMAC_SHA1_80 inline:" K30), SSDP_EINVAL);
	assert_non_null(strstr(E, "needs 46"));
	/* and a 46-byte key for a 30-byte suite */
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:t+5UG4FFlTTRy5T9afBUdKkcWc4UDfRzWkin5VsWrCDfxQT0X/WZbCOMeEHAJA"),
			SSDP_EINVAL);
	/* unknown and wrongly cased suite names */
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_81 inline:" K30), SSDP_ENOTSUP);
	assert_int_equal(cp("1 aes_cm_128_hmac_sha1_80 inline:" K30), SSDP_ENOTSUP);
	assert_null(ssdp_suite_find("AES_CM_128", 10));
	{
		size_t n;
		assert_non_null(ssdp_suites(&n));
		assert_true(n >= 10);
	}
}

static void t_crypto_tag_and_shape(void **st)
{
	(void)st;
	assert_int_equal(cp(""), SSDP_EINVAL);
	assert_int_equal(cp("x AES_CM_128_HMAC_SHA1_80 inline:" K30), SSDP_EINVAL);
	assert_int_equal(cp("1234567890 AES_CM_128_HMAC_SHA1_80 inline:" K30), SSDP_EINVAL);
	assert_int_equal(cp("123456789 AES_CM_128_HMAC_SHA1_80 inline:" K30), SSDP_OK);
	assert_int_equal(cp("1"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 "), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 key:" K30), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "  KDR=1"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" "!S1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"),
			SSDP_EINVAL);
	assert_non_null(strstr(E, "base64"));
}

static void t_crypto_lifetime_mki(void **st)
{
	(void)st;
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^31"), SSDP_OK);
	assert_true(C.lifetime == (1ull << 31));
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1048576"), SSDP_OK);
	assert_true(C.lifetime == 1048576);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^48"), SSDP_OK);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^49"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|0"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "||1:4"), SSDP_EINVAL);
	/* MKI without lifetime; lifetime after MKI is refused; MKI twice */
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|7:2"), SSDP_OK);
	assert_int_equal(C.mki_value, 7);
	assert_int_equal(C.mki_len, 2);
	assert_true(C.lifetime == 0);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:4|2^20"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:4|2:4"), SSDP_EINVAL);
	/* MKI length 1..128; the verifier handles up to 4 bytes */
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:0"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:129"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:32"), SSDP_ENOTSUP);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|:4"), SSDP_EINVAL);
}

static void t_crypto_several_keys(void **st)
{
	(void)st;
	/* several key-params need MKIs; the first key is the one decoded */
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|1:4;inline:"
						"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20|2:4"),
			SSDP_OK);
	assert_int_equal(C.n_keys, 2);
	assert_memory_equal(C.key, K30_BIN, 30);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 ";inline:"
						"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"),
			SSDP_EINVAL);
	/* the second key is checked too */
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:4;inline:AAEC|2:4"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:4;"), SSDP_EINVAL);
}

static void t_crypto_session_params(void **st)
{
	(void)st;
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30
						" UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP KDR=24 WSH=128"
						" FEC_ORDER=FEC_SRTP -VENDOR_X"),
			SSDP_OK);
	assert_int_equal(C.unencrypted_srtp, 1);
	assert_int_equal(C.unencrypted_srtcp, 1);
	assert_int_equal(C.unauthenticated_srtp, 1);
	assert_int_equal(C.kdr, 24);
	assert_int_equal(C.wsh, 128);
	assert_int_equal(C.fec_order, 1);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " KDR=25"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " KDR="), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " WSH=63"), SSDP_EINVAL);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " SOMETHING"), SSDP_ENOTSUP);
	assert_int_equal(cp("1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " unencrypted_srtp"), SSDP_ENOTSUP);
}

static void t_crypto_arg_forms(void **st)
{
	char out[128];
	const char *forms[] = {
		"AES_CM_128_HMAC_SHA1_80 inline:" K30,
		"AES_CM_128_HMAC_SHA1_80:inline:" K30,
		"a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" K30 "\r\n",
		"  AES_CM_128_HMAC_SHA1_80 inline:" K30 "  ",
		"4 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^31",
	};
	size_t i;
	(void)st;
	for(i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		E[0] = 0;
		assert_int_equal(ssdp_crypto_parse_arg(forms[i], strlen(forms[i]), &C, E), SSDP_OK);
		assert_memory_equal(C.key, K30_BIN, 30);
		int n = ssdp_crypto_format(&C, out, sizeof(out));
		assert_int_equal(n, (int)strlen(out));
		assert_string_equal(out, "AES_CM_128_HMAC_SHA1_80 inline:" K30);
	}
	assert_int_equal(ssdp_crypto_format(&C, out, 10), SSDP_ERANGE);
	assert_int_equal(ssdp_crypto_parse_arg("AES_CM_128_HMAC_SHA1_80", 23, &C, E), SSDP_EINVAL);
	assert_int_equal(ssdp_crypto_parse_arg("", 0, &C, E), SSDP_EINVAL);
	assert_int_equal(ssdp_crypto_format(&C, out, sizeof(out)), SSDP_EINVAL); /* no suite */
}

static void t_crypto_no_nul(void **st)
{
	/* the parser must stop at len: the byte after is not part of the value */
	char buf[128];
	const char *s = "1 AES_CM_128_HMAC_SHA1_80 inline:" K30;
	size_t n = strlen(s);
	(void)st;
	memcpy(buf, s, n);
	memset(buf + n, 'A', sizeof(buf) - n);
	assert_int_equal(ssdp_crypto_parse(buf, n, &C, E), SSDP_OK);
	assert_int_equal(ssdp_crypto_parse(buf, n - 1, &C, E), SSDP_EINVAL); /* 39 chars of key */
	assert_int_equal(ssdp_crypto_parse(NULL, 0, &C, E), SSDP_EINVAL);
	assert_int_equal(ssdp_crypto_parse(s, n, &C, NULL), SSDP_OK); /* no error buffer */
	assert_int_equal(ssdp_crypto_parse(s, 5, &C, NULL), SSDP_ENOTSUP);
}

/* ---- SDP ------------------------------------------------------------------ */

static ssdp_media_t M;

static int sp(const char *s)
{
	E[0] = 0;
	return ssdp_sdp_parse(s, strlen(s), &M, E);
}

static const char *RTPENGINE_OFFER =
	"v=0\r\n"
	"o=cn 1 1 IN IP4 198.18.1.2\r\n"
	"s=-\r\n"
	"c=IN IP4 198.18.2.1\r\n"
	"t=0 0\r\n"
	"m=audio 41000 RTP/SAVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=sendrecv\r\n"
	"a=rtcp:41001\r\n"
	"a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:rkI9Yd5KuAhmUryt2lNgRfxOMIvS9J4qXDxmO6pX\r\n"
	"a=crypto:8 AES_CM_128_HMAC_SHA1_32 inline:i4jLsbWnaO4yVC+56au1aip6BWKX4sNe2t8lxB5+\r\n"
	"a=crypto:9 F8_128_HMAC_SHA1_80 inline:short\r\n";

static void t_sdp_rtpengine_offer(void **st)
{
	const ssdp_crypto_t *c;
	(void)st;
	assert_int_equal(sp(RTPENGINE_OFFER), SSDP_OK);
	assert_string_equal(M.addr, "198.18.2.1");
	assert_int_equal(M.addr_family, 4);
	assert_int_equal(M.port, 41000);
	assert_string_equal(M.proto, "RTP/SAVP");
	assert_int_equal(M.rtcp_port, 41001);
	assert_int_equal(M.n_crypto, 2);
	assert_int_equal(M.n_crypto_bad, 1);
	assert_int_equal(M.key_mgmt, 0);
	assert_int_equal(M.direction, 0);
	c = ssdp_sdp_crypto(&M, NULL);
	assert_non_null(c);
	assert_int_equal(c->tag, 7);
	c = ssdp_sdp_crypto(&M, "AES_CM_128_HMAC_SHA1_32");
	assert_non_null(c);
	assert_int_equal(c->tag, 8);
	assert_null(ssdp_sdp_crypto(&M, "AEAD_AES_128_GCM"));
}

static void t_sdp_levels_and_sections(void **st)
{
	(void)st;
	/* media-level c= wins; only the first m=audio is used; LF line ends */
	assert_int_equal(sp("v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\n"
						"m=video 6000 RTP/AVP 96\nc=IN IP4 10.0.0.9\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "\n"
						"m=audio 5004 RTP/AVP 0 8\nc=IN IP4 10.0.0.2/127\na=recvonly\n"
						"m=audio 5006 RTP/SAVP 0\nc=IN IP4 10.0.0.3\n"),
			SSDP_OK);
	assert_string_equal(M.addr, "10.0.0.2");
	assert_int_equal(M.port, 5004);
	assert_string_equal(M.proto, "RTP/AVP");
	assert_int_equal(M.n_crypto, 0); /* the video section's line is not ours */
	assert_int_equal(M.n_audio, 2);
	assert_int_equal(M.direction, 2);
	/* session-level c= used when the section has none; IPv6 */
	assert_int_equal(sp("v=0\r\nc=IN IP6 fd00::5\r\nm=audio 7078 RTP/SAVP 0\r\na=rtcp-mux\r\n"
						"a=fingerprint:sha-256 AB:CD\r\na=inactive\r\n"),
			SSDP_OK);
	assert_string_equal(M.addr, "fd00::5");
	assert_int_equal(M.addr_family, 6);
	assert_int_equal(M.rtcp_mux, 1);
	assert_int_equal(M.fingerprint, 1);
	assert_int_equal(M.direction, 3);
	/* a rejected stream (port 0) parses; the caller decides */
	assert_int_equal(sp("v=0\nc=IN IP4 1.2.3.4\nm=audio 0 RTP/AVP 0\n"), SSDP_OK);
	assert_int_equal(M.port, 0);
	/* port/count form */
	assert_int_equal(sp("v=0\nc=IN IP4 1.2.3.4\nm=audio 5000/2 RTP/AVP 0\n"), SSDP_OK);
	assert_int_equal(M.port, 5000);
}

static void t_sdp_key_mgmt(void **st)
{
	(void)st;
	/* RFC 4567: MIKEY at session level applies to every stream */
	assert_int_equal(sp("v=0\r\nc=IN IP4 198.18.3.2\r\na=key-mgmt:mikey AQAFgM0XflABAAAAAAAAAAAAAAsA\r\n"
						"m=audio 40000 RTP/SAVP 0\r\n"),
			SSDP_OK);
	assert_int_equal(M.key_mgmt, 1);
	assert_string_equal(M.key_mgmt_proto, "mikey");
	assert_int_equal(M.n_crypto, 0);
	assert_int_equal(sp("v=0\r\nc=IN IP4 198.18.3.2\r\nm=audio 40000 RTP/SAVP 0\r\n"
						"a=key-mgmt:mikey AQAFgM0X\r\n"),
			SSDP_OK);
	assert_int_equal(M.key_mgmt, 1);
}

static void t_sdp_errors(void **st)
{
	(void)st;
	assert_int_equal(sp(""), SSDP_ENOENT);
	assert_int_equal(sp("v=0\r\nc=IN IP4 1.2.3.4\r\n"), SSDP_ENOENT);
	assert_int_equal(sp("v=0\r\nm=audio 5000 RTP/AVP 0\r\n"), SSDP_EINVAL); /* no c= */
	assert_int_equal(sp("v=0\r\nthis is not sdp\r\n"), SSDP_EINVAL);
	assert_non_null(strstr(E, "line 2"));
	assert_int_equal(sp("v=0\r\nX=1\r\n"), SSDP_EINVAL);
	assert_int_equal(sp("v=0\nc=IN IP4 1.2.3.4\nm=audio 65536 RTP/AVP 0\n"), SSDP_EINVAL);
	assert_int_equal(sp("v=0\nc=IN IP4 1.2.3.4\nm=audio x RTP/AVP 0\n"), SSDP_EINVAL);
	assert_int_equal(sp("v=0\nc=IN IP4 1.2.3.4\nm=audio 5000\n"), SSDP_EINVAL);
	assert_int_equal(sp("v=0\nc=IN IP4 1.2.3.4\nm=audio 5000 RTP/AVP\n"), SSDP_EINVAL);
	assert_int_equal(sp("v=0\nc=IN IP4 1.2.3.999\nm=audio 5000 RTP/AVP 0\n"), SSDP_EINVAL);
	assert_int_equal(sp("v=0\nc=IN IP4 fd00::1\nm=audio 5000 RTP/AVP 0\n"), SSDP_EINVAL);
	assert_int_equal(sp("v=0\nc=IN IP9 1.2.3.4\nm=audio 5000 RTP/AVP 0\n"), SSDP_EINVAL);
	assert_int_equal(sp("v=0\nc=IN IP4 1.2.3.4\nm=audio 5000 RTP/AVP 0\na=rtcp:x\n"), SSDP_EINVAL);
	assert_int_equal(ssdp_sdp_parse(NULL, 0, &M, E), SSDP_EINVAL);
	{
		/* more a=crypto lines than kept */
		char big[4096];
		size_t n = (size_t)snprintf(big, sizeof(big), "v=0\nc=IN IP4 1.2.3.4\nm=audio 1 RTP/SAVP 0\n");
		int i;
		for(i = 0; i <= SSDP_MAX_CRYPTO; i++)
			n += (size_t)snprintf(big + n, sizeof(big) - n,
					"a=crypto:%d AES_CM_128_HMAC_SHA1_80 inline:" K30 "\n", i + 1);
		assert_int_equal(ssdp_sdp_parse(big, n, &M, E), SSDP_ERANGE);
	}
}

static void t_sdp_no_nul(void **st)
{
	char buf[256];
	const char *s = "v=0\nc=IN IP4 1.2.3.4\nm=audio 5000 RTP/AVP 0";
	size_t n = strlen(s);
	(void)st;
	memcpy(buf, s, n);
	memset(buf + n, '7', sizeof(buf) - n); /* would make the format list longer */
	assert_int_equal(ssdp_sdp_parse(buf, n, &M, E), SSDP_OK);
	assert_int_equal(M.port, 5000);
	/* cut inside the port: "m=audio 50" */
	assert_int_equal(ssdp_sdp_parse(buf, n - 11, &M, E), SSDP_EINVAL);
}

/* ---- statistics ------------------------------------------------------------ */

static void t_seq(void **st)
{
	sst_seq_t s;
	int re;
	(void)st;
	sst_seq_init(&s, 100000);
	assert_int_equal(sst_seq_add(&s, 0, &re), 0);
	assert_int_equal(sst_seq_add(&s, 1, &re), 0);
	assert_int_equal(sst_seq_add(&s, 2, &re), 0);
	assert_int_equal(sst_seq_add(&s, 2, &re), 1); /* duplicate */
	assert_int_equal(sst_seq_add(&s, 4, &re), 0);
	assert_int_equal(re, 0);
	assert_int_equal(sst_seq_add(&s, 3, &re), 0); /* late */
	assert_int_equal(re, 1);
	assert_int_equal(sst_seq_add(&s, 3, &re), 1);
	assert_true(s.received == 7);
	assert_true(s.unique == 5);
	assert_true(s.duplicates == 2);
	assert_true(s.reordered == 1);
	assert_int_equal(s.max_counter, 4);
	assert_true(sst_seq_lost(&s, 0) == 0);
	assert_true(sst_seq_lost(&s, 10) == 5);
	assert_true(sst_seq_lost(&s, 3) == 0); /* never negative */
	/* far counters grow the bitmap; past the limit they are refused */
	assert_int_equal(sst_seq_add(&s, 99999, &re), 0);
	assert_int_equal(sst_seq_add(&s, 100000, &re), -1);
	assert_true(sst_seq_lost(&s, 0) == 100000 - 6);
	sst_seq_free(&s);
	/* nothing received */
	sst_seq_init(&s, 0);
	assert_true(sst_seq_lost(&s, 0) == 0);
	assert_true(sst_seq_lost(&s, 50) == 50);
	sst_seq_free(&s);
}

static void t_jitter(void **st)
{
	sst_jitter_t j;
	(void)st;
	sst_jitter_init(&j, 8000);
	/* perfectly paced: J stays 0 */
	assert_true(sst_jitter_add(&j, 0, 1000) == 0.0);
	assert_true(sst_jitter_add(&j, 20000000, 1160) == 0.0);
	/* 10 ms late: D = 80 units, J = 80/16 = 5 units = 0.625 ms */
	assert_float_equal(sst_jitter_add(&j, 50000000, 1320), 0.625, 1e-9);
	/* back on time (10 ms early relative to the late one): D = 80 again:
	 * J = 5 + (80 - 5)/16 = 9.6875 units */
	assert_float_equal(sst_jitter_add(&j, 60000000, 1480), 9.6875 / 8.0, 1e-9);
	assert_float_equal(sst_jitter_ms(&j), 9.6875 / 8.0, 1e-9);
	/* RTP timestamp wrap: 0xffffff60 -> 0x00000000 is +160 */
	sst_jitter_init(&j, 8000);
	sst_jitter_add(&j, 1000000000LL, 0xffffff60u);
	assert_float_equal(sst_jitter_add(&j, 1020000000LL, 0), 0.0, 1e-9);
	/* default clock */
	sst_jitter_init(&j, 0);
	assert_int_equal(j.clock_hz, 8000);
	/* converges to the mean |D| for a constant deviation */
	sst_jitter_init(&j, 8000);
	{
		int i;
		int64_t t = 0;
		for(i = 0; i < 400; i++) {
			t += (i % 2) ? 25000000 : 15000000; /* +-5 ms around 20 ms */
			sst_jitter_add(&j, t, (uint32_t)(i * 160));
		}
	}
	assert_float_equal(sst_jitter_ms(&j), 5.0, 0.01);
}

static void t_gap(void **st)
{
	sst_gap_t g;
	(void)st;
	sst_gap_init(&g);
	sst_gap_add(&g, 0, 0);
	sst_gap_add(&g, 20000000, 1);
	sst_gap_add(&g, 40000000, 2);
	sst_gap_add(&g, 200000000, 3);
	sst_gap_add(&g, 220000000, 4);
	assert_true(g.max_gap_ns == 160000000);
	assert_int_equal(g.max_gap_after, 2);
	assert_true(g.max_gap_at_ns == 200000000);
}

static void t_percentile(void **st)
{
	sst_samples_t s;
	int i;
	(void)st;
	sst_samples_init(&s, 0);
	assert_true(sst_percentile(&s, 99) == 0.0);
	for(i = 100; i >= 1; i--)
		assert_int_equal(sst_samples_add(&s, i), 0);
	assert_true(sst_percentile(&s, 99) == 99.0);
	assert_true(sst_percentile(&s, 50) == 50.0);
	assert_true(sst_percentile(&s, 100) == 100.0);
	assert_true(sst_percentile(&s, 0) == 1.0);
	assert_true(sst_percentile(&s, 99.5) == 100.0);
	sst_samples_free(&s);
	/* bounded */
	sst_samples_init(&s, 3);
	for(i = 0; i < 5; i++)
		sst_samples_add(&s, i);
	assert_int_equal(s.n, 3);
	assert_true(s.dropped == 2);
	sst_samples_free(&s);
}

static void t_payload(void **st)
{
	uint8_t p[SST_PAYLOAD_LEN + 4];
	sst_payload_info_t info;
	(void)st;
	sst_payload_fill(p, 0x11223344, 77, 12320, 0x0003abcd);
	assert_int_equal(sst_payload_check(p, SST_PAYLOAD_LEN, &info), SST_PL_OK);
	assert_int_equal(info.ssrc, 0x11223344);
	assert_int_equal(info.counter, 77);
	assert_int_equal(info.ts, 12320);
	assert_int_equal(info.stream, 0x0003abcd);
	/* every payload byte matters */
	for(int i = 20; i < SST_PAYLOAD_LEN; i += 13) {
		p[i] ^= 0x80;
		assert_int_equal(sst_payload_check(p, SST_PAYLOAD_LEN, &info), SST_PL_PATTERN);
		p[i] ^= 0x80;
	}
	/* a changed counter does not match the pattern it was made for */
	p[11] ^= 1;
	assert_int_equal(sst_payload_check(p, SST_PAYLOAD_LEN, &info), SST_PL_PATTERN);
	p[11] ^= 1;
	assert_int_equal(sst_payload_check(p, SST_PAYLOAD_LEN - 1, &info), SST_PL_LEN);
	assert_int_equal(sst_payload_check(p, SST_PAYLOAD_LEN + 4, &info), SST_PL_LEN);
	p[0] = 0;
	assert_int_equal(sst_payload_check(p, SST_PAYLOAD_LEN, &info), SST_PL_MAGIC);
	assert_int_equal(sst_payload_check(p, 3, NULL), SST_PL_MAGIC);
	/* different streams make different bytes */
	{
		uint8_t a[SST_PAYLOAD_LEN], b[SST_PAYLOAD_LEN];
		sst_payload_fill(a, 1, 5, 0, 0);
		sst_payload_fill(b, 2, 5, 0, 0);
		assert_memory_not_equal(a + 20, b + 20, SST_PAYLOAD_LEN - 20);
		sst_payload_fill(b, 1, 6, 0, 0);
		assert_memory_not_equal(a + 20, b + 20, SST_PAYLOAD_LEN - 20);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(t_b64_rfc4648),
			cmocka_unit_test(t_b64_unpadded_and_bad),
			cmocka_unit_test(t_b64_roundtrip),
			cmocka_unit_test(t_crypto_rfc4568_example),
			cmocka_unit_test(t_crypto_suites_and_lengths),
			cmocka_unit_test(t_crypto_tag_and_shape),
			cmocka_unit_test(t_crypto_lifetime_mki),
			cmocka_unit_test(t_crypto_several_keys),
			cmocka_unit_test(t_crypto_session_params),
			cmocka_unit_test(t_crypto_arg_forms),
			cmocka_unit_test(t_crypto_no_nul),
			cmocka_unit_test(t_sdp_rtpengine_offer),
			cmocka_unit_test(t_sdp_levels_and_sections),
			cmocka_unit_test(t_sdp_key_mgmt),
			cmocka_unit_test(t_sdp_errors),
			cmocka_unit_test(t_sdp_no_nul),
			cmocka_unit_test(t_seq),
			cmocka_unit_test(t_jitter),
			cmocka_unit_test(t_gap),
			cmocka_unit_test(t_percentile),
			cmocka_unit_test(t_payload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
