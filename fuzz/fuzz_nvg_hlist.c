/*
 * libFuzzer harness: the parser of Proxy 2's per-entry statuses in its
 * answer to the handoff list (nvg_hlist.c, libxml2 with network, DTD and
 * entities off). Three known dialogs are matched against whatever the
 * input says. Checks: no crash or leak (ASan), a result within
 * [error .. 3], statuses only 100..699 and only on success, an error
 * changes nothing, and the builder's own output parses without error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvg_hlist.h"

static nvg_hl_entry_t E[3];

static void init_entries(void)
{
	memset(E, 0, sizeof(E));
	strcpy(E[0].callid, "a84b4c76e66710");
	strcpy(E[0].mn_tag, "1928301774");
	strcpy(E[0].cn_tag, "314159");
	strcpy(E[0].uri, "sip:cn-1@vpn.example.com");
	strcpy(E[1].callid, "c2");
	strcpy(E[1].mn_tag, "m2");
	strcpy(E[1].cn_tag, "n2");
	strcpy(E[1].uri, "sip:cn-2@vpn.example.com");
	strcpy(E[2].callid, "c3");
	strcpy(E[2].mn_tag, "m3");
	strcpy(E[2].cn_tag, "n3");
	strcpy(E[2].uri, "sip:cn-3@vpn.example.com");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	nvg_hl_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[160];
	int rc, i;
	static char body[16384];

	init_entries();
	E[1].status = 404; /* a status from before must survive an error */
	rc = nvg_hl_parse_status((const char *)data, size, E, 3, err, sizeof(err));
	if(rc > 3)
		abort();
	if(rc < 0) {
		if(E[0].status || E[1].status != 404 || E[2].status || !nvg_hl_strerror(rc))
			abort();
		return 0;
	}
	for(i = 0; i < 3; i++)
		if(E[i].status && (E[i].status < 100 || E[i].status > 699))
			abort();
	/* the builder with the input as a Call-ID (printable only) */
	if(size > 0 && size < NVG_HL_CALLID_MAX) {
		init_entries();
		memcpy(E[0].callid, data, size);
		E[0].callid[size] = 0;
		if(strlen(E[0].callid) == size) {
			rc = nvg_hl_build(E, 3, 4, "198.18.21.2", "b", 1, 1, body, sizeof(body));
			if(rc > 0) {
				char *x = strstr(body, "<?xml"), *end = strstr(body, "</resource-lists>");
				if(!x || !end)
					abort();
				if(nvg_hl_parse_status(x, (size_t)(end - x) + 17, E, 3, NULL, 0) != 0)
					abort();
			} else if(rc != NVG_HL_E_VALUE) {
				abort();
			}
		}
	}
	return 0;
}
