/*
 * libFuzzer harness for the urilist body parser
 * (kamailio-modules/urilist/urilist_parse.c). Input layout:
 *   byte 0: bit 0 handoff list, bit 1 MESSAGE (else INVITE), bit 2 with
 *           Require: recipient-list-*, bits 3-4 the limits variant
 *   then the Content-Type value up to the first '\n', then the body.
 * Besides memory safety (ASan, UBSan) it checks the contract the module
 * relies on, for every input:
 *  - a refusal has one of the documented SIP codes, an error kind and a
 *    non-empty printable reason without quotes/backslashes (Warning header);
 *  - an accepted list has 1..max_entries entries, every URI has an allowed
 *    scheme and no character that could break a SIP header, every sh:dialog
 *    identifier is a token;
 *  - parsing is deterministic;
 *  - the answer body built from an accepted handoff list parses back to
 *    the same entries in the same order; the history body parses too;
 *  - re-addressing the SDP part gives an SDP whose c= address is the new one.
 *   fuzz_urilist fuzz/corpus/urilist
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "urilist_parse.h"

#define CHECK(x)            \
	do {                    \
		if(!(x))            \
			abort();        \
	} while(0)

static void check_text(const char *s)
{
	CHECK(s[0] != 0);
	for(; *s; s++) {
		unsigned char c = (unsigned char)*s;
		CHECK(c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
	}
}

/* goes into a Request-URI and a To header between < > */
static void check_uri(const char *s)
{
	CHECK(s && *s);
	for(; *s; s++) {
		unsigned char c = (unsigned char)*s;
		CHECK(c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>');
	}
}

static void check_token(const char *s, int callid)
{
	CHECK(s && *s);
	for(; *s; s++) {
		unsigned char c = (unsigned char)*s;
		CHECK(c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=' && c != ';'
				&& c != ',');
		if(!callid)
			CHECK(c != '<' && c != '>' && c != '@' && c != ':');
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	xmlInitParser();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ul_limits_t lim;
	ul_request_t r, r2;
	ul_err_t e, e2;
	const char *ct, *body, *nl;
	size_t ctlen, blen;
	int flags, handoff, method, rc, rc2, i;
	const char *require;

	if(size < 1)
		return 0;
	flags = data[0];
	handoff = flags & 1;
	method = (flags & 2) ? UL_REQ_MESSAGE : UL_REQ_INVITE;
	require = (flags & 4) ? (method == UL_REQ_MESSAGE ? "recipient-list-message"
													  : "recipient-list-invite")
						  : NULL;
	ul_limits_default(&lim);
	switch((flags >> 3) & 3) {
		case 1:
			lim.max_entries = 3;
			break;
		case 2:
			lim.max_depth = 1;
			break;
		case 3:
			lim.max_body = 256;
			break;
	}
	ct = (const char *)data + 1;
	nl = memchr(ct, '\n', size - 1);
	if(!nl)
		return 0;
	ctlen = (size_t)(nl - ct);
	body = nl + 1;
	blen = size - 1 - ctlen - 1;

	rc = ul_parse_request(method, handoff, require, require ? strlen(require) : 0, ct, ctlen,
			body, blen, &lim, &r, &e);
	rc2 = ul_parse_request(method, handoff, require, require ? strlen(require) : 0, ct, ctlen,
			body, blen, &lim, &r2, &e2);
	CHECK(rc == rc2);
	CHECK(rc == 0 || rc == -1);
	if(rc < 0) {
		CHECK(e.code == 400 || e.code == 403 || e.code == 413 || e.code == 415
				|| e.code == 420 || e.code == 500);
		CHECK(e.kind > UL_OK && e.kind < UL_E__COUNT);
		check_text(e.reason);
		CHECK(e2.code == e.code && e2.kind == e.kind && strcmp(e.reason, e2.reason) == 0);
	} else {
		CHECK(e.code == 0);
		CHECK(r.list.n >= 1 && r.list.n <= lim.max_entries);
		CHECK(r.list.n == r2.list.n && r.list.dups == r2.list.dups);
		CHECK(r.list.dialogs + r.list.no_dialog == r.list.n);
		for(i = 0; i < r.list.n; i++) {
			const ul_entry_t *en = &r.list.entries[i];
			CHECK(ul_uri_scheme_ok(en->uri, strlen(en->uri)));
			check_uri(en->uri);
			CHECK(strcmp(en->uri, r2.list.entries[i].uri) == 0);
			if(en->has_dialog) {
				check_token(en->call_id, 1);
				check_token(en->mn_tag, 0);
				check_token(en->cn_tag, 0);
			}
		}
		if(handoff) {
			ul_status_t *st = calloc((size_t)r.list.n, sizeof(*st));
			size_t n;
			char *b;
			ul_list_t back;
			ul_err_t eb;
			ul_limits_t big = lim;
			CHECK(st);
			for(i = 0; i < r.list.n; i++) {
				st[i].code = r.list.entries[i].has_dialog ? 200 : 403;
				st[i].reason = (i & 1) ? "moved <&\"'>" : "entry without sh:dialog";
				st[i].cn_reinvite = i & 1;
			}
			b = ul_build_status_body(&r.list, st, &n);
			CHECK(b && strlen(b) == n);
			big.max_body = n + 1;
			big.max_depth = 4;
			CHECK(ul_parse_list(b, n, &big, 1, &back, &eb) == 0);
			CHECK(back.n == r.list.n && back.dups == 0);
			for(i = 0; i < back.n; i++) {
				CHECK(strcmp(back.entries[i].uri, r.list.entries[i].uri) == 0);
				CHECK(back.entries[i].has_dialog == r.list.entries[i].has_dialog);
				if(back.entries[i].has_dialog)
					CHECK(strcmp(back.entries[i].call_id, r.list.entries[i].call_id) == 0);
			}
			ul_list_free(&back);
			free(b);
			free(st);
			CHECK(r.media_af == 4 || r.media_af == 6);
		} else {
			size_t n;
			char *h = ul_build_history_body(&r.list, &n);
			if(h) {
				ul_list_t back;
				ul_err_t eb;
				ul_limits_t big = lim;
				big.max_body = n + 1;
				big.max_depth = 4;
				CHECK(ul_parse_list(h, n, &big, 0, &back, &eb) == 0);
				CHECK(back.n >= 1 && back.n <= r.list.n);
				ul_list_free(&back);
				free(h);
			}
		}
		if(r.media_af && r.parts.sdp.found) {
			char out[8192], ip[64];
			const char *nip = r.media_af == 6 ? "fd00::99" : "198.18.99.1";
			int w = ul_sdp_readdress(r.parts.sdp.body, r.parts.sdp.body_len, nip, r.media_af,
					out, sizeof(out));
			if(w > 0) {
				CHECK((size_t)w == strlen(out));
				CHECK(ul_sdp_conn_addr(out, (size_t)w, ip, sizeof(ip)) == r.media_af);
				CHECK(strcmp(ip, nip) == 0);
			}
		}
	}
	ul_request_free(&r);
	ul_request_free(&r2);
	return 0;
}
