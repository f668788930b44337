/*
 * app_hotp - configuration file parser (see app_hotp_conf.h for the format)
 *
 * Copyright (C) 2026 SeNEMO project. BSD-2-Clause (as freeDiameter).
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_hotp_conf.h"

void ahc_defaults(struct app_hotp_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->store, sizeof(c->store), "/var/lib/senemo/hotp.db");
	c->window = 10;
	c->resync_window = 100;
	c->lockout_after = 5;
	c->lockout_base_s = 30;
	c->lockout_max_s = 3600;
	c->registration_lifetime_s = 3600;
}

struct cursor {
	const char *p, *end;
	int line;
};

static void skip_blank(struct cursor *cu)
{
	while(cu->p < cu->end) {
		if(*cu->p == '#') {
			while(cu->p < cu->end && *cu->p != '\n')
				cu->p++;
		} else if(isspace((unsigned char)*cu->p)) {
			if(*cu->p == '\n')
				cu->line++;
			cu->p++;
		} else {
			break;
		}
	}
}

#define FAIL(...)                                       \
	do {                                                \
		int _n = snprintf(err, errlen, "line %d: ", cu.line); \
		if(_n > 0 && (size_t)_n < errlen)               \
			snprintf(err + _n, errlen - _n, __VA_ARGS__); \
		return -1;                                      \
	} while(0)

struct int_key {
	const char *name;
	size_t off;
	int min, max;
};

static const struct int_key int_keys[] = {
	{"window", offsetof(struct app_hotp_conf, window), 1, 1000},
	{"resync_window", offsetof(struct app_hotp_conf, resync_window), 1, 100000},
	{"lockout_after", offsetof(struct app_hotp_conf, lockout_after), 1, 1000},
	{"lockout_base_s", offsetof(struct app_hotp_conf, lockout_base_s), 1, 86400},
	{"lockout_max_s", offsetof(struct app_hotp_conf, lockout_max_s), 1, 604800},
	{"registration_lifetime_s", offsetof(struct app_hotp_conf, registration_lifetime_s),
			60, 604800},
};

struct str_key {
	const char *name;
	size_t off, size;
};

static const struct str_key str_keys[] = {
	{"store", offsetof(struct app_hotp_conf, store), AHC_STR_MAX},
	{"pg_conninfo", offsetof(struct app_hotp_conf, pg_conninfo), AHC_STR_MAX},
	{"realm", offsetof(struct app_hotp_conf, realm), 256},
};

int ahc_parse(const char *buf, size_t len, struct app_hotp_conf *c, char *err,
		size_t errlen)
{
	struct cursor cu = {buf, buf + len, 1};
	struct app_hotp_conf tmp = *c;
	char key[40], val[AHC_STR_MAX];
	size_t i, n;
	int quoted;

	for(;;) {
		skip_blank(&cu);
		if(cu.p >= cu.end)
			break;
		/* key */
		n = 0;
		while(cu.p < cu.end && (isalnum((unsigned char)*cu.p) || *cu.p == '_')) {
			if(n + 1 >= sizeof(key))
				FAIL("key too long");
			key[n++] = *cu.p++;
		}
		key[n] = 0;
		if(n == 0)
			FAIL("expected a key, found '%c'", isprint((unsigned char)*cu.p) ? *cu.p : '?');
		skip_blank(&cu);
		if(cu.p >= cu.end || *cu.p != '=')
			FAIL("expected '=' after '%s'", key);
		cu.p++;
		skip_blank(&cu);
		/* value */
		n = 0;
		quoted = 0;
		if(cu.p < cu.end && *cu.p == '"') {
			quoted = 1;
			cu.p++;
			while(cu.p < cu.end && *cu.p != '"') {
				if(*cu.p == '\n' || *cu.p == '\0')
					FAIL("unterminated string for '%s'", key);
				if(n + 1 >= sizeof(val))
					FAIL("value of '%s' too long", key);
				val[n++] = *cu.p++;
			}
			if(cu.p >= cu.end)
				FAIL("unterminated string for '%s'", key);
			cu.p++;
		} else {
			while(cu.p < cu.end && isgraph((unsigned char)*cu.p) && *cu.p != ';'
					&& *cu.p != '#' && *cu.p != '"') {
				if(n + 1 >= sizeof(val))
					FAIL("value of '%s' too long", key);
				val[n++] = *cu.p++;
			}
		}
		val[n] = 0;
		skip_blank(&cu);
		if(cu.p >= cu.end || *cu.p != ';')
			FAIL("expected ';' after the value of '%s'", key);
		cu.p++;

		for(i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++) {
			if(strcmp(key, int_keys[i].name) == 0) {
				char *e;
				long v;
				if(quoted || n == 0)
					FAIL("'%s' needs an integer", key);
				errno = 0;
				v = strtol(val, &e, 10);
				if(errno || *e || v < int_keys[i].min || v > int_keys[i].max)
					FAIL("'%s' = %s is not an integer in %d..%d", key, val,
							int_keys[i].min, int_keys[i].max);
				*(int *)((char *)&tmp + int_keys[i].off) = (int)v;
				goto next;
			}
		}
		for(i = 0; i < sizeof(str_keys) / sizeof(str_keys[0]); i++) {
			if(strcmp(key, str_keys[i].name) == 0) {
				if(!quoted)
					FAIL("'%s' needs a quoted string", key);
				if(n >= str_keys[i].size)
					FAIL("value of '%s' too long", key);
				memcpy((char *)&tmp + str_keys[i].off, val, n + 1);
				goto next;
			}
		}
		FAIL("unknown key '%s'", key);
	next:;
	}
	if(tmp.resync_window < tmp.window) {
		snprintf(err, errlen, "resync_window (%d) is smaller than window (%d)",
				tmp.resync_window, tmp.window);
		return -1;
	}
	if(tmp.lockout_max_s < tmp.lockout_base_s) {
		snprintf(err, errlen, "lockout_max_s (%d) is smaller than lockout_base_s (%d)",
				tmp.lockout_max_s, tmp.lockout_base_s);
		return -1;
	}
	*c = tmp;
	return 0;
}

int ahc_load(const char *path, struct app_hotp_conf *c, char *err, size_t errlen)
{
	FILE *f;
	char *buf;
	long sz;
	int rc;

	f = fopen(path, "r");
	if(!f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if(fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || sz > 65536
			|| fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		snprintf(err, errlen, "%s: unreadable or larger than 64 KiB", path);
		return -1;
	}
	buf = malloc(sz + 1);
	if(!buf || fread(buf, 1, sz, f) != (size_t)sz) {
		free(buf);
		fclose(f);
		snprintf(err, errlen, "cannot read %s", path);
		return -1;
	}
	fclose(f);
	rc = ahc_parse(buf, sz, c, err, errlen);
	free(buf);
	return rc;
}
