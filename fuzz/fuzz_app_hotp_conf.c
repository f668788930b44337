/*
 * libFuzzer harness: app_hotp configuration parser (ahc_parse).
 * Properties checked besides memory safety: a failed parse leaves the
 * configuration untouched and writes a NUL-terminated message; a successful
 * one yields values inside their documented ranges.
 */

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "app_hotp_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app_hotp_conf c, before;
	char err[128];

	ahc_defaults(&c);
	before = c;
	memset(err, 'x', sizeof(err));
	if(ahc_parse((const char *)data, size, &c, err, sizeof(err)) != 0) {
		assert(memcmp(&c, &before, sizeof(c)) == 0);
		assert(memchr(err, 0, sizeof(err)) != NULL);
	} else {
		assert(c.window >= 1 && c.window <= 1000);
		assert(c.resync_window >= c.window && c.resync_window <= 100000);
		assert(c.lockout_base_s >= 1 && c.lockout_max_s >= c.lockout_base_s);
		assert(memchr(c.store, 0, sizeof(c.store)) != NULL);
		assert(memchr(c.realm, 0, sizeof(c.realm)) != NULL);
	}
	return 0;
}
