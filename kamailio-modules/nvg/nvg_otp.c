/*
 * nvg module - the NVG's own HOTP credential (see nvg_otp.h)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libgen.h>

#include "hotp.h"
#include "nvg_otp.h"

#define E(...) do { if(err && errlen) snprintf(err, errlen, __VA_ARGS__); } while(0)

int nvg_otp_load_secret(const char *path, nvg_otp_key_t *k, char *err, size_t errlen)
{
	char buf[HOTP_SECRET_TEXT_MAX + 8];
	struct stat st;
	ssize_t n;
	size_t len, i, start = 0;
	int fd, hex = 1;
	hotp_err he;

	if(!path || !*path || !k) {
		E("no secret file given");
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if(fd < 0) {
		E("%s: %s", path, strerror(errno));
		return -1;
	}
	if(fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		E("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if(st.st_mode & 077) {
		E("%s: mode %04o, must not be accessible by group or others (chmod 600)", path,
				(unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if(n < 0) {
		E("%s: %s", path, strerror(errno));
		return -1;
	}
	if((size_t)n >= sizeof(buf) - 1) {
		E("%s: longer than a secret of %d bytes", path, HOTP_SECRET_MAX);
		return -1;
	}
	len = (size_t)n;
	while(len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '
							 || buf[len - 1] == '\t'))
		len--;
	while(start < len && (buf[start] == ' ' || buf[start] == '\t'))
		start++;
	buf[len] = 0;
	if(len == start) {
		E("%s: empty", path);
		return -1;
	}
	for(i = start; i < len; i++)
		if(!((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f')
				   || (buf[i] >= 'A' && buf[i] <= 'F')))
			hex = 0;
	if(hex && (len - start) % 2 == 0)
		he = hotp_secret_from_hex(buf + start, len - start, k->secret, sizeof(k->secret),
				&k->len);
	else
		he = hotp_secret_from_base32(buf + start, len - start, k->secret,
				sizeof(k->secret), &k->len);
	memset(buf, 0, sizeof(buf));
	if(he != HOTP_E_OK) {
		E("%s: not a hex or base32 secret of %d..%d bytes (%s)", path, HOTP_SECRET_MIN,
				HOTP_SECRET_MAX, hotp_strerror(he));
		return -1;
	}
	if(k->digits < HOTP_DIGITS_MIN || k->digits > HOTP_DIGITS_MAX)
		k->digits = 6;
	return 0;
}

int nvg_otp_next(const char *path, uint64_t *use, char *err, size_t errlen)
{
	char buf[64], tmp[4096], dirb[4096];
	uint64_t c = 0;
	ssize_t n;
	int fd, len, i;

	if(!path || !*path || !use) {
		E("no counter file given");
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if(fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if(n < 0) {
			E("%s: %s", path, strerror(errno));
			return -1;
		}
		buf[n] = 0;
		while(n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
			buf[--n] = 0;
		if(n == 0 || n > 19) {
			E("%s: not a decimal counter", path);
			return -1;
		}
		for(i = 0; i < n; i++) {
			if(buf[i] < '0' || buf[i] > '9') {
				E("%s: not a decimal counter", path);
				return -1;
			}
			c = c * 10 + (uint64_t)(buf[i] - '0');
		}
		if(c >= (uint64_t)HOTP_COUNTER_MAX) {
			E("%s: counter exhausted", path);
			return -1;
		}
	} else if(errno != ENOENT) {
		E("%s: %s", path, strerror(errno));
		return -1;
	}
	if(snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		E("%s: path too long", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if(fd < 0) {
		E("%s: %s", tmp, strerror(errno));
		return -1;
	}
	len = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)(c + 1));
	if(write(fd, buf, (size_t)len) != len || fsync(fd) < 0) {
		E("%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if(rename(tmp, path) < 0) {
		E("%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	snprintf(dirb, sizeof(dirb), "%s", path);
	fd = open(dirname(dirb), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if(fd >= 0) {
		if(fsync(fd) < 0) {
			E("%s: fsync of the directory: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
	}
	*use = c;
	return 0;
}

static int user_ok(const char *s)
{
	size_t n = strlen(s), i;
	if(n == 0 || n > 64)
		return 0;
	for(i = 0; i < n; i++) {
		char c = s[i];
		if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
				   || strchr("-_.!~*'()&=+$,;?/", c)))
			return 0;
	}
	return 1;
}

static int realm_ok(const char *s)
{
	size_t n = strlen(s), i;
	if(n == 0 || n > 253)
		return 0;
	for(i = 0; i < n; i++) {
		char c = s[i];
		if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
				   || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

int nvg_otp_header(const char *hname, const char *user, const char *realm,
		const nvg_otp_key_t *k, uint64_t counter, char *out, size_t cap)
{
	char otp[HOTP_DIGITS_MAX + 1];
	uint32_t v;
	int n;

	if(!hname || !user || !realm || !k || !out || !user_ok(user) || !realm_ok(realm)
			|| k->len == 0)
		return -1;
	if(hotp_generate(HOTP_ALGO_SHA1, k->secret, k->len, counter, (uint32_t)k->digits, &v)
					!= HOTP_E_OK
			|| hotp_format(v, (uint32_t)k->digits, otp, sizeof(otp)) != HOTP_E_OK)
		return -1;
	n = snprintf(out, cap, "%s: HOTP username=\"%s\", realm=\"%s\", otp=\"%s\", "
						   "counter=\"%llu\"\r\n",
			hname, user, realm, otp, (unsigned long long)counter);
	if(n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}
