/*
 * libFuzzer harness for the HOTP credential parser of the hotp_auth module
 * (kamailio-modules/hotp_auth/hotp_cred.c). Besides memory safety (ASan,
 * UBSan) it checks the parser's contract on every input:
 *  - the result is HC_OK, HC_NOT_HOTP or a known negative code;
 *  - HC_OK means username/realm/otp are valid, NUL-terminated, lengths right;
 *  - an error leaves a non-empty text safe inside a SIP quoted-string;
 *  - nothing longer than HC_MAX_HEADER and nothing with a NUL byte is OK;
 *  - parsing is deterministic.
 *   fuzz_hotp_cred fuzz/corpus/hotp_cred
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hotp_cred.h"

#define CHECK(x)            \
	do {                    \
		if(!(x))            \
			abort();        \
	} while(0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hc_cred_t a, b;
	int rc, rc2;
	size_t i;

	rc = hc_parse((const char *)data, size, &a);
	CHECK(rc == HC_OK || rc == HC_NOT_HOTP || (rc <= HC_E_ARG && rc >= HC_E_LAST));
	if(rc == HC_OK) {
		CHECK(size <= HC_MAX_HEADER);
		CHECK(memchr(data, 0, size) == NULL);
		CHECK(a.username_len == strlen(a.username));
		CHECK(a.realm_len == strlen(a.realm));
		CHECK(a.otp_len == strlen(a.otp));
		CHECK(hc_valid_username(a.username, a.username_len));
		CHECK(hc_valid_realm(a.realm, a.realm_len));
		CHECK(hc_valid_otp(a.otp, a.otp_len));
		CHECK(!a.has_counter || a.counter <= (uint64_t)INT64_MAX);
		CHECK(a.nparams >= 3 && a.nparams <= HC_MAX_PARAMS);
		CHECK(a.error[0] == 0);
	} else if(rc < 0) {
		CHECK(a.error[0] != 0);
		for(i = 0; a.error[i]; i++) {
			unsigned char c = (unsigned char)a.error[i];
			CHECK(c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
		}
		CHECK(strcmp(hc_strerror(rc), "unknown error") != 0);
	}
	rc2 = hc_parse((const char *)data, size, &b);
	CHECK(rc2 == rc);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	return 0;
}
