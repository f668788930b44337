/*
 * libFuzzer harness for the SDP / SDES parsers of the media verifier
 * (srtp-guard/srtp_sdp.c): base64, RFC 4568 a=crypto values (as in an SDP
 * and in the command-line forms) and SDP bodies. Besides memory safety
 * (ASan, UBSan) it checks the contract on every input:
 *  - results are SSDP_OK or one of the SSDP_E* codes; an error has a text;
 *  - a parsed crypto line has a known suite and exactly the key length the
 *    suite needs, formats, and the formatted form parses back to the same
 *    suite and key;
 *  - base64 that decodes re-encodes and decodes to the same bytes;
 *  - a parsed SDP has a port <= 65535, a connection address of its family,
 *    at most SSDP_MAX_CRYPTO valid crypto entries;
 *  - parsing is deterministic.
 *   fuzz_sdp_crypto fuzz/corpus/sdp_crypto
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srtp_sdp.h"

#define CHECK(x)            \
	do {                    \
		if(!(x))            \
			abort();        \
	} while(0)

static int known_rc(int rc)
{
	return rc == SSDP_OK || rc == SSDP_EINVAL || rc == SSDP_ERANGE || rc == SSDP_ENOTSUP
		   || rc == SSDP_ENOENT;
}

static void check_crypto(const ssdp_crypto_t *c)
{
	char line[256];
	ssdp_crypto_t back;
	int n;

	CHECK(c->suite != NULL);
	CHECK(ssdp_suite_find(c->suite->name, strlen(c->suite->name)) == c->suite);
	CHECK(c->key_len == c->suite->key_len + c->suite->salt_len);
	CHECK(c->key_len <= SSDP_MAX_KEY);
	CHECK(c->n_keys >= 1);
	CHECK(c->mki_len <= 4);
	CHECK(c->lifetime <= ((uint64_t)1 << 48));
	CHECK(c->kdr >= -1 && c->kdr <= 24);
	CHECK(c->wsh == 0 || c->wsh >= 64);
	n = ssdp_crypto_format(c, line, sizeof(line));
	CHECK(n > 0 && (size_t)n == strlen(line));
	CHECK(ssdp_crypto_parse_arg(line, (size_t)n, &back, NULL) == SSDP_OK);
	CHECK(back.suite == c->suite);
	CHECK(back.key_len == c->key_len);
	CHECK(memcmp(back.key, c->key, c->key_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char err[SSDP_ERRLEN];
	int rc, rc2;
	unsigned i;

	/* base64 */
	{
		uint8_t out[512], again[512];
		char enc[1024];
		rc = ssdp_b64_decode(s, size, out, sizeof(out));
		CHECK(rc >= 0 || rc == SSDP_EINVAL || rc == SSDP_ERANGE);
		if(rc >= 0) {
			CHECK((size_t)rc <= size * 3 / 4 + 1);
			int e = ssdp_b64_encode(out, (size_t)rc, enc, sizeof(enc));
			CHECK(e >= 0);
			CHECK(ssdp_b64_decode(enc, (size_t)e, again, sizeof(again)) == rc);
			CHECK(memcmp(out, again, (size_t)rc) == 0);
		}
	}

	/* a=crypto value */
	{
		ssdp_crypto_t a, b;
		err[0] = 0;
		rc = ssdp_crypto_parse(s, size, &a, err);
		CHECK(known_rc(rc) && rc != SSDP_ENOENT);
		if(rc == SSDP_OK)
			check_crypto(&a);
		else
			CHECK(err[0] != 0);
		rc2 = ssdp_crypto_parse(s, size, &b, NULL);
		CHECK(rc2 == rc);
		if(rc == SSDP_OK)
			CHECK(memcmp(a.key, b.key, a.key_len) == 0);

		err[0] = 0;
		rc = ssdp_crypto_parse_arg(s, size, &a, err);
		CHECK(known_rc(rc) && rc != SSDP_ENOENT);
		if(rc == SSDP_OK)
			check_crypto(&a);
		else
			CHECK(err[0] != 0);
	}

	/* SDP body */
	{
		static ssdp_media_t m, m2;
		err[0] = 0;
		rc = ssdp_sdp_parse(s, size, &m, err);
		CHECK(known_rc(rc));
		if(rc == SSDP_OK) {
			unsigned char bin[16];
			CHECK(m.port <= 65535);
			CHECK(m.addr_family == 4 || m.addr_family == 6);
			CHECK(inet_pton(m.addr_family == 4 ? AF_INET : AF_INET6, m.addr, bin) == 1);
			CHECK(strlen(m.proto) > 0 && strlen(m.proto) < sizeof(m.proto));
			CHECK(m.n_crypto <= SSDP_MAX_CRYPTO);
			CHECK(m.n_audio >= 1);
			CHECK(m.direction >= 0 && m.direction <= 3);
			CHECK(strlen(m.key_mgmt_proto) < sizeof(m.key_mgmt_proto));
			for(i = 0; i < m.n_crypto; i++)
				check_crypto(&m.crypto[i]);
			CHECK(ssdp_sdp_crypto(&m, NULL) == (m.n_crypto ? &m.crypto[0] : NULL));
		} else {
			CHECK(err[0] != 0);
		}
		rc2 = ssdp_sdp_parse(s, size, &m2, NULL);
		CHECK(rc2 == rc);
		if(rc == SSDP_OK)
			CHECK(m.port == m2.port && m.n_crypto == m2.n_crypto && strcmp(m.addr, m2.addr) == 0);
	}
	return 0;
}
