/*
 * app_hotp - configuration file parser (plain C, no freeDiameter dependency)
 *
 * Format, in the style of freeDiameter's own files: one `key = value;` per
 * statement, `#` comments, strings in double quotes, integers bare.
 *
 *   store            = "/var/lib/senemo/hotp.db";   # SQLite file (default backend)
 *   pg_conninfo      = "host=... dbname=...";       # PostgreSQL backend instead
 *   window           = 10;     # look-ahead window, 1..1000
 *   resync_window    = 100;    # resync search window, window..100000
 *   lockout_after    = 5;      # consecutive failures before lock-out, 1..1000
 *   lockout_base_s   = 30;     # first lock-out, seconds, 1..86400
 *   lockout_max_s    = 3600;   # back-off cap, seconds, lockout_base_s..604800
 *   realm            = "vpn.example.com";  # accept only AoRs of this domain (optional)
 *   registration_lifetime_s = 3600;  # UAR: "subsequent" registration if the
 *                              # user authenticated within this time, 60..604800
 */

#ifndef APP_HOTP_CONF_H
#define APP_HOTP_CONF_H

#include <stddef.h>

#define AHC_STR_MAX 512

struct app_hotp_conf {
	char store[AHC_STR_MAX];
	char pg_conninfo[AHC_STR_MAX];
	char realm[256];
	int window;
	int resync_window;
	int lockout_after;
	int lockout_base_s;
	int lockout_max_s;
	int registration_lifetime_s;
};

/* defaults for every field */
void ahc_defaults(struct app_hotp_conf *c);

/* parse a buffer; on error returns -1 and writes "line N: <what>" to err */
int ahc_parse(const char *buf, size_t len, struct app_hotp_conf *c, char *err,
		size_t errlen);

/* read and parse a file; same error convention */
int ahc_load(const char *path, struct app_hotp_conf *c, char *err, size_t errlen);

#endif
