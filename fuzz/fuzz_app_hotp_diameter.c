/*
 * libFuzzer harness: app_hotp's Diameter request handlers (UAR, MAR) on
 * arbitrary bytes, the way freeDiameterd hands them a message.
 *
 * Initialisation (once): libfdcore with a minimal configuration that loads
 * Debian's dict_sip.fdx, then app_hotp's own entry point (compiled into this
 * harness, so it is instrumented) with a SQLite store in a temporary
 * directory holding one user. Each input: fd_msg_parse_buffer ->
 * fd_msg_parse_dict -> fd_msg_parse_rules, exactly the checks the daemon makes
 * before dispatching; a message that passes them and is a UAR or MAR goes to
 * ah_uar_cb / ah_mar_cb. fd_msg_send is wrapped (-Wl,--wrap): the answer the
 * handler built is serialised with fd_msg_bufferize (it must encode), parsed
 * back against the dictionary (it must be well-formed) and freed.
 *
 * Seeds (fuzz/corpus/app_hotp_diameter/): the UARs and MARs that
 * senemo-diameter-probe sent to a real freeDiameterd + app_hotp (valid,
 * unknown user, wrong scheme, missing SIP-Auth-Data-Item, with User-Name),
 * cut out of a capture one message per file.
 *
 * Copyright (C) 2026 SeNEMO project. BSD-2-Clause (as freeDiameter).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <freeDiameter/extension.h>

#include "app_hotp.h"
#include "hotp_store.h"

int fd_ext_init(int major, int minor, char *conffile);   /* app_hotp's entry */
int __real_fd_msg_send(struct msg **pmsg, void (*anscb)(void *, struct msg **), void *data);

static unsigned long answers;

int __wrap_fd_msg_send(struct msg **pmsg, void (*anscb)(void *, struct msg **), void *data)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct msg *back = NULL;

	if(pmsg == NULL || *pmsg == NULL)
		abort();
	/* the answer must encode and parse back against the dictionary */
	if(fd_msg_bufferize(*pmsg, &buf, &len) != 0)
		abort();
	if(fd_msg_parse_buffer(&buf, len, &back) != 0)
		abort();
	if(fd_msg_parse_dict(back, fd_g_config->cnf_dict, NULL) != 0)
		abort();
	fd_msg_free(back);
	fd_msg_free(*pmsg);
	*pmsg = NULL;
	answers++;
	return 0;
}

static void die(const char *what, const char *where)
{
	fprintf(stderr, "fuzz_app_hotp_diameter: %s %s\n", what, where);
	exit(1);
}

static void quiet(int level, const char *format, va_list args)
{
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if(!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static char dir[] = "/tmp/fuzz_app_hotp_diameter.XXXXXX";

/* the temporary store and configuration go when the fuzzer exits */
static void remove_tmp(void)
{
	static const char *const files[] = {"fd.conf", "app_hotp.conf", "hotp.db", "hotp.db-wal", "hotp.db-shm"};
	char p[256];
	size_t i;

	for(i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char fdconf[256], ahconf[256], store[256], text[1024];
	hotp_store *st = NULL;
	hotp_user u;
	const uint8_t secret[20] = "12345678901234567890";

	if(!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(remove_tmp);
	snprintf(fdconf, sizeof(fdconf), "%s/fd.conf", dir);
	snprintf(ahconf, sizeof(ahconf), "%s/app_hotp.conf", dir);
	snprintf(store, sizeof(store), "%s/hotp.db", dir);
	write_file(fdconf, "Identity = \"fuzz.vpn.example.com\";\nRealm = \"vpn.example.com\";\n"
					   "Port = 0;\nSecPort = 0;\nNo_SCTP;\nNoRelay;\n"
					   "LoadExtension = \"/usr/lib/freeDiameter/dict_sip.fdx\";\n");
	snprintf(text, sizeof(text), "store = \"%s\";\nwindow = 10;\nlockout_after = 5;\n", store);
	write_file(ahconf, text);

	/* one known user, so the handlers reach the store paths too */
	if(hotp_store_open_sqlite(&st, store) != HOTP_E_OK)
		die("cannot open the SQLite store", store);
	if(hotp_user_init(&u, "sip:mn-1@vpn.example.com", HOTP_KIND_HOTP, HOTP_ALGO_SHA1, 6, 30, secret,
			   sizeof(secret), (int64_t)time(NULL)) != HOTP_E_OK
			|| hotp_store_add_user(st, &u) != HOTP_E_OK)
		die("cannot add the test user", store);
	hotp_store_close(st);

	fd_log_handler_register(quiet);
	if(fd_core_initialize() != 0)
		die("fd_core_initialize failed", "");
	if(fd_core_parseconf(fdconf) != 0)
		die("freeDiameter configuration (loads dict_sip.fdx) refused", fdconf);
	if(fd_ext_init(FD_PROJECT_VERSION_MAJOR, FD_PROJECT_VERSION_MINOR, ahconf) != 0)
		die("app_hotp's entry point failed", ahconf);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	struct msg *m = NULL;
	struct msg_hdr *h = NULL;
	struct fd_pei pei;
	enum disp_action act = DISP_ACT_CONT;

	if(size < 20 || size > 65536)
		return 0;
	buf = malloc(size);   /* fd_msg_parse_buffer takes ownership */
	if(!buf)
		return 0;
	memcpy(buf, data, size);
	if(fd_msg_parse_buffer(&buf, size, &m) != 0) {
		free(buf);
		return 0;
	}
	memset(&pei, 0, sizeof(pei));
	if(fd_msg_parse_dict(m, fd_g_config->cnf_dict, &pei) != 0
			|| fd_msg_parse_rules(m, fd_g_config->cnf_dict, &pei) != 0
			|| fd_msg_hdr(m, &h) != 0 || !(h->msg_flags & CMD_FLAG_REQUEST) || h->msg_appl != 6) {
		/* the rule checker may build an example AVP for the error answer */
		if(pei.pei_avp && pei.pei_avp_free)
			fd_msg_free(pei.pei_avp);
		fd_msg_free(m);
		return 0;
	}
	if(h->msg_code == 283)
		(void)ah_uar_cb(&m, NULL, NULL, NULL, &act);
	else if(h->msg_code == 286)
		(void)ah_mar_cb(&m, NULL, NULL, NULL, &act);
	if(m)   /* not answered (a handler error): the daemon would free it */
		fd_msg_free(m);
	return 0;
}
