/*
 * nvg module - the NVG's own HOTP credential (plain C, no Kamailio; the
 * RFC 4226 algorithm is fd-extensions/app_hotp/hotp.c, compiled in).
 *
 *   Authorization: HOTP username="nvg-7", realm="vpn.example.com",
 *                  otp="123456", counter="42"
 *
 * (Proxy-Authorization for the list INVITE), in the syntax hotp_auth's
 * parser (kamailio-modules/hotp_auth/hotp_cred.c) accepts.
 *
 * The secret file holds the secret as hex or base32 text (one line) and must
 * not be readable by group or others (0600 or stricter). The counter file
 * holds the next counter in decimal; nvg_otp_next() writes counter + 1 to it
 * (temporary file, fsync, rename, fsync of the directory) *before* the OTP
 * of `counter` is used, so a crash or restart can skip a counter but never
 * use one twice (the server's look-ahead window absorbs skipped ones).
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */
#ifndef _NVG_OTP_H_
#define _NVG_OTP_H_

#include <stddef.h>
#include <stdint.h>

#define NVG_OTP_SECRET_MAX 64

typedef struct nvg_otp_key {
	uint8_t secret[NVG_OTP_SECRET_MAX];
	size_t len;
	int digits; /* 6..8 */
} nvg_otp_key_t;

/* Loads and checks the secret file; 0 or -1 with err set. */
int nvg_otp_load_secret(const char *path, nvg_otp_key_t *k, char *err, size_t errlen);

/* Reads the counter file (missing: 0), persists counter + 1 durably and
 * gives the counter to use now. 0 or -1 with err set (nothing used). */
int nvg_otp_next(const char *path, uint64_t *use, char *err, size_t errlen);

/* "<hname>: HOTP username="..", realm="..", otp="..", counter=".."\r\n"
 * into out; returns its length or -1 (bad user/realm, buffer too small). */
int nvg_otp_header(const char *hname, const char *user, const char *realm,
		const nvg_otp_key_t *k, uint64_t counter, char *out, size_t cap);

#endif
