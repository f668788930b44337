/*
 * Unit tests of the urilist body parser (kamailio-modules/urilist/
 * urilist_parse.c): multipart/mixed splitting, RFC 4826 resource lists,
 * RFC 5364 copyControl, the SeNEMO handoff extension (sh:dialog), duplicates,
 * limits (body, entries, nesting), DOCTYPE/entity refusal (XXE, billion
 * laughs, also UTF-16 encoded), namespaces, URI schemes, identifiers that
 * would break a SIP header, Require handling (420 / Require without a list /
 * a list without Require), and that every refusal carries the right SIP
 * code, an error kind and a printable reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "urilist_parse.h"

#define RL_HEAD                                                    \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                 \
	"<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"" \
	" xmlns:cp=\"urn:ietf:params:xml:ns:copycontrol\""             \
	" xmlns:sh=\"urn:senemo:params:xml:ns:handoff\">\n"
#define RL_TAIL "</resource-lists>\n"

static ul_limits_t LIM;
static ul_list_t L;
static ul_err_t E;

static int setup(void **state)
{
	ul_limits_default(&LIM);
	memset(&L, 0, sizeof(L));
	memset(&E, 0, sizeof(E));
	return 0;
}

static int teardown(void **state)
{
	ul_list_free(&L);
	return 0;
}

static void assert_reason_ok(const ul_err_t *e)
{
	const char *p;

	assert_true(e->reason[0] != 0);
	for(p = e->reason; *p; p++) {
		unsigned char c = (unsigned char)*p;
		assert_true(c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
	}
}

static int parse(const char *xml, int handoff)
{
	ul_list_free(&L);
	return ul_parse_list(xml, strlen(xml), &LIM, handoff, &L, &E);
}

#define REFUSED(xml, handoff, code_, kind_)            \
	do {                                               \
		assert_int_equal(parse(xml, handoff), -1);     \
		assert_int_equal(E.code, code_);               \
		assert_int_equal(E.kind, kind_);               \
		assert_reason_ok(&E);                          \
	} while(0)

/* ---- plain RFC 4826 lists ------------------------------------------------ */

static void t_simple_list(void **state)
{
	const char *x = RL_HEAD "<list>"
						"<entry uri=\"sip:bill@example.com\"><display-name>Bill</display-name></entry>"
						"<entry uri=\"sips:joe@example.org\"/>"
						"<entry uri=\"tel:+1-555-0100\"/>"
						"</list>" RL_TAIL;
	assert_int_equal(parse(x, 0), 0);
	assert_int_equal(L.n, 3);
	assert_string_equal(L.entries[0].uri, "sip:bill@example.com");
	assert_string_equal(L.entries[0].display, "Bill");
	assert_string_equal(L.entries[1].uri, "sips:joe@example.org");
	assert_string_equal(L.entries[2].uri, "tel:+1-555-0100");
	assert_int_equal(L.entries[0].copy, UL_COPY_NONE);
	assert_int_equal(L.dups, 0);
	assert_int_equal(L.no_dialog, 3);
}

static void t_nested_and_foreign(void **state)
{
	/* nested lists are flattened in document order; elements of other
	 * namespaces are extensions and ignored */
	const char *x = RL_HEAD "<list><display-name>all</display-name>"
						"<entry uri=\"sip:a@x\"/>"
						"<list><entry uri=\"sip:b@x\"/><list><entry uri=\"sip:c@x\"/></list></list>"
						"<foo:bar xmlns:foo=\"urn:example:foo\"><entry uri=\"sip:hidden@x\"/></foo:bar>"
						"</list><list><entry uri=\"sip:d@x\"/></list>" RL_TAIL;
	assert_int_equal(parse(x, 0), 0);
	assert_int_equal(L.n, 4);
	assert_string_equal(L.entries[0].uri, "sip:a@x");
	assert_string_equal(L.entries[1].uri, "sip:b@x");
	assert_string_equal(L.entries[2].uri, "sip:c@x");
	assert_string_equal(L.entries[3].uri, "sip:d@x");
}

static void t_copycontrol(void **state)
{
	const char *x = RL_HEAD "<list>"
						"<entry uri=\"sip:a@x\" cp:copyControl=\"to\"/>"
						"<entry uri=\"sip:b@x\" cp:copyControl=\"cc\" cp:anonymize=\"true\"/>"
						"<entry uri=\"sip:c@x\" cp:copyControl=\"bcc\" cp:count=\"3\"/>"
						"<entry uri=\"sip:d@x\"/>"
						"</list>" RL_TAIL;
	size_t n;
	char *h;

	assert_int_equal(parse(x, 0), 0);
	assert_int_equal(L.n, 4);
	assert_int_equal(L.entries[0].copy, UL_COPY_TO);
	assert_int_equal(L.entries[1].copy, UL_COPY_CC);
	assert_int_equal(L.entries[1].anonymize, 1);
	assert_int_equal(L.entries[2].copy, UL_COPY_BCC);
	assert_int_equal(L.entries[2].count, 3);
	assert_int_equal(L.entries[3].copy, UL_COPY_NONE);

	/* the history body lists to and cc (anonymized), never bcc; an entry
	 * without copyControl counts as to */
	h = ul_build_history_body(&L, &n);
	assert_non_null(h);
	assert_int_equal(strlen(h), n);
	assert_non_null(strstr(h, "uri=\"sip:a@x\" cp:copyControl=\"to\""));
	assert_non_null(strstr(h, "sip:anonymous@anonymous.invalid\" cp:copyControl=\"cc\""));
	assert_null(strstr(h, "sip:b@x"));
	assert_null(strstr(h, "sip:c@x"));
	assert_non_null(strstr(h, "uri=\"sip:d@x\" cp:copyControl=\"to\""));
	/* and it is itself a valid list */
	{
		ul_list_t l2;
		ul_err_t e2;
		assert_int_equal(ul_parse_list(h, n, &LIM, 0, &l2, &e2), 0);
		assert_int_equal(l2.n, 3);
		ul_list_free(&l2);
	}
	free(h);

	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x\" cp:copyControl=\"xx\"/></list>" RL_TAIL, 0,
			400, UL_E_XML);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x\" cp:anonymize=\"maybe\"/></list>" RL_TAIL, 0,
			400, UL_E_XML);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x\" cp:count=\"-1\"/></list>" RL_TAIL, 0, 400,
			UL_E_XML);
}

static void t_no_history_without_copycontrol(void **state)
{
	size_t n;
	assert_int_equal(parse(RL_HEAD "<list><entry uri=\"sip:a@x\"/></list>" RL_TAIL, 0), 0);
	assert_null(ul_build_history_body(&L, &n));
}

static void t_duplicates(void **state)
{
	const char *x = RL_HEAD "<list><entry uri=\"sip:a@x\"/><entry uri=\"sip:b@x\"/>"
						"<list><entry uri=\"sip:a@x\"/></list><entry uri=\"sip:a@x\"/></list>" RL_TAIL;
	assert_int_equal(parse(x, 0), 0);
	assert_int_equal(L.n, 2);
	assert_int_equal(L.dups, 2);
	assert_string_equal(L.entries[0].uri, "sip:a@x");
	assert_string_equal(L.entries[1].uri, "sip:b@x");
}

/* ---- handoff lists -------------------------------------------------------- */

static void t_handoff(void **state)
{
	const char *x = RL_HEAD "<list>"
						"<entry uri=\"sip:cn-1@vpn.example.com\">"
						"<sh:dialog call-id=\"a84b4c76e66710@host\" mn-tag=\"1928301774\" cn-tag=\"314159\"/></entry>"
						"<entry uri=\"sip:cn-2@vpn.example.com\">"
						"<sh:dialog call-id=\"x2\" mn-tag=\"m2\" cn-tag=\"c2\"/></entry>"
						/* the same dialog again: dropped once */
						"<entry uri=\"sip:cn-1@vpn.example.com\">"
						"<sh:dialog call-id=\"a84b4c76e66710@host\" mn-tag=\"1928301774\" cn-tag=\"314159\"/></entry>"
						/* same CN, another dialog: kept */
						"<entry uri=\"sip:cn-1@vpn.example.com\">"
						"<sh:dialog call-id=\"x3\" mn-tag=\"m3\" cn-tag=\"c3\"/></entry>"
						/* no dialog: kept for the caller to refuse */
						"<entry uri=\"sip:cn-4@vpn.example.com\"/>"
						"</list>" RL_TAIL;
	assert_int_equal(parse(x, 1), 0);
	assert_int_equal(L.n, 4);
	assert_int_equal(L.dups, 1);
	assert_int_equal(L.dialogs, 3);
	assert_int_equal(L.no_dialog, 1);
	assert_int_equal(L.entries[0].has_dialog, 1);
	assert_string_equal(L.entries[0].call_id, "a84b4c76e66710@host");
	assert_string_equal(L.entries[0].mn_tag, "1928301774");
	assert_string_equal(L.entries[0].cn_tag, "314159");
	assert_string_equal(L.entries[2].call_id, "x3");
	assert_int_equal(L.entries[3].has_dialog, 0);
}

static void t_handoff_bad_ids(void **state)
{
	/* identifiers end up in a SIP message and in rtpengine flags: no blanks,
	 * CR/LF, quotes, '=' */
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x\"><sh:dialog call-id=\"a b\" mn-tag=\"m\" cn-tag=\"c\"/></entry></list>" RL_TAIL,
			1, 400, UL_E_DIALOG);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x\"><sh:dialog call-id=\"a&#13;&#10;Via: x\" mn-tag=\"m\" cn-tag=\"c\"/></entry></list>" RL_TAIL,
			1, 400, UL_E_DIALOG);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x\"><sh:dialog call-id=\"a\" mn-tag=\"m=1\" cn-tag=\"c\"/></entry></list>" RL_TAIL,
			1, 400, UL_E_DIALOG);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x\"><sh:dialog call-id=\"a\" mn-tag=\"m\"/></entry></list>" RL_TAIL,
			1, 400, UL_E_DIALOG);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x\"><sh:dialog call-id=\"\" mn-tag=\"m\" cn-tag=\"c\"/></entry></list>" RL_TAIL,
			1, 400, UL_E_DIALOG);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x\"><sh:dialog call-id=\"a\" mn-tag=\"m\" cn-tag=\"c\"/>"
					"<sh:dialog call-id=\"b\" mn-tag=\"m\" cn-tag=\"c\"/></entry></list>" RL_TAIL,
			1, 400, UL_E_DIALOG);
	{
		char x[2048], id[UL_ID_MAX + 2];
		memset(id, 'a', sizeof(id) - 1);
		id[sizeof(id) - 1] = 0;
		snprintf(x, sizeof(x),
				RL_HEAD "<list><entry uri=\"sip:a@x\"><sh:dialog call-id=\"%s\" mn-tag=\"m\" cn-tag=\"c\"/></entry></list>" RL_TAIL,
				id);
		REFUSED(x, 1, 400, UL_E_DIALOG);
	}
}

static void t_status_body(void **state)
{
	const char *x = RL_HEAD "<list>"
						"<entry uri=\"sip:cn-1@x\"><sh:dialog call-id=\"c1\" mn-tag=\"m1\" cn-tag=\"t1\"/></entry>"
						"<entry uri=\"sip:cn-2@x;p=&quot;&lt;&amp;\"/>"
						"</list>" RL_TAIL;
	ul_status_t st[2] = {{200, "moved", 0}, {403, "entry without sh:dialog <&\">", 1}};
	size_t n;
	char *b;
	ul_list_t l2;
	ul_err_t e2;

	/* a quote in a URI is refused; use escaped characters that are allowed */
	assert_int_equal(parse(x, 1), -1);
	assert_int_equal(E.kind, UL_E_URI);
	x = RL_HEAD "<list>"
				"<entry uri=\"sip:cn-1@x\"><sh:dialog call-id=\"c1\" mn-tag=\"m1\" cn-tag=\"t1\"/></entry>"
				"<entry uri=\"sip:cn-2@x;p=&amp;\"/>"
				"</list>" RL_TAIL;
	assert_int_equal(parse(x, 1), 0);
	b = ul_build_status_body(&L, st, &n);
	assert_non_null(b);
	assert_int_equal(strlen(b), n);
	assert_non_null(strstr(b, "<sh:dialog call-id=\"c1\" mn-tag=\"m1\" cn-tag=\"t1\"/>"));
	assert_non_null(strstr(b, "<sh:status code=\"200\" reason=\"moved\" cn-reinvite=\"no\"/>"));
	assert_non_null(strstr(b, "uri=\"sip:cn-2@x;p=&amp;\""));
	assert_non_null(strstr(b, "reason=\"entry without sh:dialog &lt;&amp;&quot;&gt;\" cn-reinvite=\"yes\""));
	/* the answer is itself a handoff list with the same entries, same order */
	assert_int_equal(ul_parse_list(b, n, &LIM, 1, &l2, &e2), 0);
	assert_int_equal(l2.n, 2);
	assert_string_equal(l2.entries[0].call_id, "c1");
	assert_string_equal(l2.entries[1].uri, "sip:cn-2@x;p=&");
	ul_list_free(&l2);
	free(b);
}

/* ---- refusals --------------------------------------------------------------- */

static void t_malformed(void **state)
{
	REFUSED("<resource-lists", 0, 400, UL_E_XML);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x\"></list>" RL_TAIL, 0, 400, UL_E_XML);
	REFUSED("not xml at all", 0, 400, UL_E_XML);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x\"/></list>" RL_TAIL "<extra/>", 0, 400, UL_E_XML);
	assert_int_equal(ul_parse_list("", 0, &LIM, 0, &L, &E), -1);
	assert_int_equal(E.code, 400);
	/* NUL byte */
	assert_int_equal(ul_parse_list("<a>\0</a>", 8, &LIM, 0, &L, &E), -1);
	assert_int_equal(E.kind, UL_E_XML);
	/* the reason names the line */
	REFUSED("<?xml version=\"1.0\"?>\n<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">\n<list>\n<entry uri=\"sip:a@x\">\n</list>",
			0, 400, UL_E_XML);
	assert_non_null(strstr(E.reason, "line"));
}

static void t_namespace(void **state)
{
	REFUSED("<resource-lists><list><entry uri=\"sip:a@x\"/></list></resource-lists>", 0, 400,
			UL_E_NAMESPACE);
	REFUSED("<resource-lists xmlns=\"urn:example:other\"><list><entry uri=\"sip:a@x\"/></list></resource-lists>",
			0, 400, UL_E_NAMESPACE);
	REFUSED("<rl xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list><entry uri=\"sip:a@x\"/></list></rl>",
			0, 400, UL_E_NAMESPACE);
	/* list/entry in the wrong namespace: no entry at all */
	REFUSED(RL_HEAD "<x:list xmlns:x=\"urn:example:x\"><x:entry uri=\"sip:a@x\"/></x:list>" RL_TAIL, 0,
			400, UL_E_EMPTY);
	REFUSED(RL_HEAD "<list><bogus/></list>" RL_TAIL, 0, 400, UL_E_NAMESPACE);
}

static void t_empty(void **state)
{
	REFUSED(RL_HEAD RL_TAIL, 0, 400, UL_E_EMPTY);
	REFUSED(RL_HEAD "<list/>" RL_TAIL, 0, 400, UL_E_EMPTY);
	REFUSED(RL_HEAD "<list><list/></list>" RL_TAIL, 0, 400, UL_E_EMPTY);
}

static void t_doctype_entities(void **state)
{
	/* XXE */
	REFUSED("<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
			"<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list><entry uri=\"sip:&x;@x\"/></list></resource-lists>",
			0, 400, UL_E_DTD);
	/* billion laughs */
	REFUSED("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
			"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
			"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">]>"
			"<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list><entry uri=\"sip:a@x\"><display-name>&lol2;</display-name></entry></list></resource-lists>",
			0, 400, UL_E_DTD);
	/* external DTD */
	REFUSED("<!DOCTYPE resource-lists SYSTEM \"http://198.18.0.1/x.dtd\">"
			"<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list><entry uri=\"sip:a@x\"/></list></resource-lists>",
			0, 400, UL_E_DTD);
	/* lower case, or hidden in a comment: still refused */
	REFUSED(RL_HEAD "<!-- <!doctype x> --><list><entry uri=\"sip:a@x\"/></list>" RL_TAIL, 0, 400,
			UL_E_DTD);
	/* an undeclared entity is not well-formed */
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x\"><display-name>&foo;</display-name></entry></list>" RL_TAIL,
			0, 400, UL_E_XML);
	/* predefined entities and character references are fine */
	assert_int_equal(parse(RL_HEAD "<list><entry uri=\"sip:a@x\"><display-name>&amp;&#65;</display-name></entry></list>" RL_TAIL, 0), 0);
	assert_string_equal(L.entries[0].display, "&A");
}

static void t_doctype_utf16(void **state)
{
	/* a UTF-16 document hides "<!DOCTYPE" from a byte scan: refused for
	 * its NUL bytes (the parser reads UTF-8 only) */
	const char *a = "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><resource-lists "
					"xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list><entry uri=\"sip:a@x\"/></list></resource-lists>";
	size_t n = strlen(a), i;
	char *u = malloc(2 * n + 2);

	u[0] = (char)0xff;
	u[1] = (char)0xfe;
	for(i = 0; i < n; i++) {
		u[2 + 2 * i] = a[i];
		u[3 + 2 * i] = 0;
	}
	assert_int_equal(ul_parse_list(u, 2 * n + 2, &LIM, 0, &L, &E), -1);
	assert_int_equal(E.code, 400);
	free(u);
}

static void t_limits(void **state)
{
	char *x;
	size_t cap = 1 << 16, o;
	int i;

	/* entries: exactly max_entries passes, one more is 413 */
	LIM.max_entries = 10;
	LIM.max_body = 1 << 20;
	x = malloc(cap);
	for(int n = 10; n <= 11; n++) {
		o = (size_t)snprintf(x, cap, RL_HEAD "<list>");
		for(i = 0; i < n; i++)
			o += (size_t)snprintf(x + o, cap - o, "<entry uri=\"sip:u%d@x\"/>", i);
		snprintf(x + o, cap - o, "</list>" RL_TAIL);
		if(n == 10) {
			assert_int_equal(parse(x, 0), 0);
			assert_int_equal(L.n, 10);
		} else {
			REFUSED(x, 0, 413, UL_E_TOO_MANY);
		}
	}
	/* duplicates do not count against the limit (within the work bound) */
	o = (size_t)snprintf(x, cap, RL_HEAD "<list>");
	for(i = 0; i < 30; i++)
		o += (size_t)snprintf(x + o, cap - o, "<entry uri=\"sip:u%d@x\"/>", i % 5);
	snprintf(x + o, cap - o, "</list>" RL_TAIL);
	assert_int_equal(parse(x, 0), 0);
	assert_int_equal(L.n, 5);
	assert_int_equal(L.dups, 25);
	/* ... but a list of thousands of copies is cut off */
	o = (size_t)snprintf(x, cap, RL_HEAD "<list>");
	for(i = 0; i < 100; i++)
		o += (size_t)snprintf(x + o, cap - o, "<entry uri=\"sip:same@x\"/>");
	snprintf(x + o, cap - o, "</list>" RL_TAIL);
	REFUSED(x, 0, 413, UL_E_TOO_MANY);

	/* body size */
	LIM.max_body = 200;
	REFUSED(x, 0, 413, UL_E_TOO_BIG);
	LIM.max_body = 1 << 20;

	/* nesting: max_depth lists deep pass, one more is 413 */
	LIM.max_depth = 3;
	assert_int_equal(parse(RL_HEAD "<list><list><list><entry uri=\"sip:a@x\"/></list></list></list>" RL_TAIL, 0), 0);
	REFUSED(RL_HEAD "<list><list><list><list><entry uri=\"sip:a@x\"/></list></list></list></list>" RL_TAIL,
			0, 413, UL_E_TOO_DEEP);
	free(x);
}

static void t_schemes_and_uris(void **state)
{
	REFUSED(RL_HEAD "<list><entry uri=\"http://198.18.0.1/\"/></list>" RL_TAIL, 0, 403, UL_E_SCHEME);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x\"/><entry uri=\"mailto:a@x\"/></list>" RL_TAIL, 0, 403,
			UL_E_SCHEME);
	assert_non_null(strstr(E.reason, "mailto"));
	REFUSED(RL_HEAD "<list><entry uri=\"im:a@x\"/></list>" RL_TAIL, 0, 403, UL_E_SCHEME);
	REFUSED(RL_HEAD "<list><entry/></list>" RL_TAIL, 0, 400, UL_E_URI);
	REFUSED(RL_HEAD "<list><entry uri=\"\"/></list>" RL_TAIL, 0, 400, UL_E_URI);
	REFUSED(RL_HEAD "<list><entry uri=\"nocolon\"/></list>" RL_TAIL, 0, 400, UL_E_URI);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a b@x\"/></list>" RL_TAIL, 0, 400, UL_E_URI);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x&#13;&#10;Via: evil\"/></list>" RL_TAIL, 0, 400, UL_E_URI);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:a@x&gt;\"/></list>" RL_TAIL, 0, 400, UL_E_URI);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:\"/></list>" RL_TAIL, 0, 400, UL_E_URI);
	REFUSED(RL_HEAD "<list><entry uri=\"sip:user@\"/></list>" RL_TAIL, 0, 400, UL_E_URI);
	/* case-insensitive schemes */
	assert_int_equal(parse(RL_HEAD "<list><entry uri=\"SIP:a@x\"/><entry uri=\"Tel:+1\"/></list>" RL_TAIL, 0), 0);
	assert_int_equal(L.n, 2);
	/* references are not followed */
	REFUSED(RL_HEAD "<list><external anchor=\"http://198.18.0.1/list\"/></list>" RL_TAIL, 0, 403, UL_E_REF);
	REFUSED(RL_HEAD "<list><entry-ref ref=\"users/x\"/></list>" RL_TAIL, 0, 403, UL_E_REF);
}

/* ---- option tags, content types, multipart ----------------------------------- */

static void t_option_tags(void **state)
{
	static const char *const allowed[] = {"recipient-list-invite", NULL};
	size_t off, tl;
	const char *r = " 100rel , Recipient-List-Invite,timer";

	assert_true(ul_has_option_tag(r, strlen(r), "recipient-list-invite"));
	assert_true(ul_has_option_tag(r, strlen(r), "100rel"));
	assert_false(ul_has_option_tag(r, strlen(r), "recipient-list"));
	assert_false(ul_has_option_tag("recipient-list-invitex", 22, "recipient-list-invite"));
	assert_int_equal(ul_unsupported_option_tag(r, strlen(r), allowed, &off, &tl), 1);
	assert_int_equal(tl, 6);
	assert_memory_equal(r + off, "100rel", 6);
	assert_int_equal(ul_unsupported_option_tag("recipient-list-invite", 21, allowed, &off, &tl), 0);
	assert_int_equal(ul_unsupported_option_tag(",, ,", 4, allowed, &off, &tl), 0);
}

static void t_ctype(void **state)
{
	assert_true(ul_ctype_is(" Multipart/Mixed ; boundary=x", 29, "multipart/mixed"));
	assert_false(ul_ctype_is("multipart/mixedx", 16, "multipart/mixed"));
	assert_true(ul_ctype_is("application/sdp", 15, "application/sdp"));
}

#define CRLF "\r\n"
#define LIST_XML RL_HEAD "<list><entry uri=\"sip:a@x\"/><entry uri=\"sip:b@x\"/></list>" RL_TAIL
#define SDP_TXT "v=0" CRLF "o=- 1 1 IN IP4 198.18.5.7" CRLF "s=-" CRLF "c=IN IP4 198.18.5.7" CRLF "t=0 0" CRLF

static const char *MP_CT = "multipart/mixed;boundary=\"bnd-42\"";
static const char *MP_BODY = "preamble" CRLF "--bnd-42" CRLF "Content-Type: application/sdp" CRLF CRLF SDP_TXT
							 CRLF "--bnd-42" CRLF "Content-Type: application/resource-lists+xml" CRLF
							 "Content-Disposition: recipient-list" CRLF CRLF LIST_XML CRLF "--bnd-42--" CRLF;

static void t_multipart(void **state)
{
	ul_parts_t p;

	assert_int_equal(ul_split_body(MP_CT, strlen(MP_CT), MP_BODY, strlen(MP_BODY), &LIM, &p, &E), 0);
	assert_int_equal(p.nparts, 2);
	assert_true(p.sdp.found);
	assert_true(p.list.found);
	assert_int_equal(p.sdp.body_len, strlen(SDP_TXT));
	assert_memory_equal(p.sdp.body, SDP_TXT, strlen(SDP_TXT));
	assert_int_equal(p.list.body_len, strlen(LIST_XML));
	assert_memory_equal(p.list.body, LIST_XML, strlen(LIST_XML));
	assert_true(ul_body_has_list(MP_CT, strlen(MP_CT), MP_BODY, strlen(MP_BODY)));

	/* LF-only line ends, unquoted boundary, folded disposition header */
	{
		const char *ct = "multipart/mixed; boundary=zz";
		const char *b = "--zz\nContent-Type: application/resource-lists+xml\nContent-Disposition:\n recipient-list;handling=required\n\n" LIST_XML "\n--zz--\n";
		assert_int_equal(ul_split_body(ct, strlen(ct), b, strlen(b), &LIM, &p, &E), 0);
		assert_true(p.list.found);
		assert_false(p.sdp.found);
		assert_int_equal(p.list.body_len, strlen(LIST_XML));
	}
	/* a list part with another disposition is not the recipient list */
	{
		const char *b = "--bnd-42" CRLF "Content-Type: application/resource-lists+xml" CRLF
						"Content-Disposition: recipient-list-history" CRLF CRLF LIST_XML CRLF "--bnd-42--";
		assert_int_equal(ul_split_body(MP_CT, strlen(MP_CT), b, strlen(b), &LIM, &p, &E), 0);
		assert_false(p.list.found);
		assert_true(p.other.found);
		assert_false(ul_body_has_list(MP_CT, strlen(MP_CT), b, strlen(b)));
	}
	/* an ordinary multipart body (SDP + something) is not a list */
	{
		const char *b = "--bnd-42" CRLF "Content-Type: application/sdp" CRLF CRLF SDP_TXT CRLF
						"--bnd-42" CRLF "Content-Type: application/isup" CRLF CRLF "xx" CRLF "--bnd-42--";
		assert_false(ul_body_has_list(MP_CT, strlen(MP_CT), b, strlen(b)));
	}
}

static void t_multipart_broken(void **state)
{
	ul_parts_t p;
	const char *b;

#define MP_BAD(ct, body)                                                                   \
	do {                                                                                   \
		assert_int_equal(ul_split_body(ct, strlen(ct), body, strlen(body), &LIM, &p, &E), -1); \
		assert_int_equal(E.code, 400);                                                     \
		assert_int_equal(E.kind, UL_E_MULTIPART);                                          \
		assert_reason_ok(&E);                                                              \
	} while(0)

	MP_BAD("multipart/mixed", MP_BODY);
	MP_BAD("multipart/mixed;boundary=\"bnd-42", MP_BODY);
	MP_BAD("multipart/mixed;boundary=other", MP_BODY);
	/* no closing delimiter */
	MP_BAD(MP_CT, "--bnd-42" CRLF "Content-Type: application/sdp" CRLF CRLF SDP_TXT);
	/* headers never end */
	b = "--bnd-42" CRLF "Content-Type: application/sdp" CRLF "--bnd-42--";
	MP_BAD(MP_CT, b);
	/* a header line without a colon */
	MP_BAD(MP_CT, "--bnd-42" CRLF "garbage" CRLF CRLF "x" CRLF "--bnd-42--");
	/* two lists */
	MP_BAD(MP_CT, "--bnd-42" CRLF "Content-Type: application/resource-lists+xml" CRLF
				  "Content-Disposition: recipient-list" CRLF CRLF "a" CRLF "--bnd-42" CRLF
				  "Content-Type: application/resource-lists+xml" CRLF
				  "Content-Disposition: recipient-list" CRLF CRLF "b" CRLF "--bnd-42--");
	{
		char big[128];
		memset(big, 'b', sizeof(big));
		snprintf(big, sizeof(big), "multipart/mixed;boundary=%080d", 7);
		MP_BAD(big, MP_BODY);
	}
	/* a type that cannot carry a list */
	assert_int_equal(ul_split_body("text/plain", 10, "hi", 2, &LIM, &p, &E), -1);
	assert_int_equal(E.code, 415);
	assert_int_equal(E.kind, UL_E_CTYPE);
}

/* ---- whole requests ------------------------------------------------------------ */

static ul_request_t R;

static int req(int method, int handoff, const char *require, const char *ct, const char *body)
{
	ul_request_free(&R);
	return ul_parse_request(method, handoff, require, require ? strlen(require) : 0, ct,
			ct ? strlen(ct) : 0, body, body ? strlen(body) : 0, &LIM, &R, &E);
}

#define REQ_REFUSED(rc_expr, code_, kind_)        \
	do {                                          \
		assert_int_equal(rc_expr, -1);            \
		assert_int_equal(E.code, code_);          \
		assert_int_equal(E.kind, kind_);          \
		assert_reason_ok(&E);                     \
	} while(0)

static void t_request(void **state)
{
	const char *ri = "recipient-list-invite";

	assert_int_equal(req(UL_REQ_INVITE, 0, ri, MP_CT, MP_BODY), 0);
	assert_int_equal(R.list.n, 2);
	assert_int_equal(R.media_af, 4);
	assert_string_equal(R.media_ip, "198.18.5.7");
	assert_true(R.parts.sdp.found);

	/* Require: tags */
	REQ_REFUSED(req(UL_REQ_INVITE, 0, "recipient-list-invite, foo", MP_CT, MP_BODY), 420,
			UL_E_BAD_EXT);
	assert_non_null(strstr(E.reason, "foo"));
	REQ_REFUSED(req(UL_REQ_MESSAGE, 0, ri, MP_CT, MP_BODY), 420, UL_E_BAD_EXT);
	/* Require without a list; a list without Require */
	REQ_REFUSED(req(UL_REQ_INVITE, 0, ri, NULL, NULL), 400, UL_E_REQUIRE);
	REQ_REFUSED(req(UL_REQ_INVITE, 0, ri, "application/sdp", SDP_TXT), 415, UL_E_CTYPE);
	{
		const char *b = "--bnd-42" CRLF "Content-Type: application/sdp" CRLF CRLF SDP_TXT CRLF "--bnd-42--";
		REQ_REFUSED(req(UL_REQ_INVITE, 0, ri, MP_CT, b), 400, UL_E_REQUIRE);
	}
	REQ_REFUSED(req(UL_REQ_INVITE, 0, NULL, MP_CT, MP_BODY), 400, UL_E_NO_REQUIRE);
	REQ_REFUSED(req(UL_REQ_INVITE, 0, "timer", MP_CT, MP_BODY), 420, UL_E_BAD_EXT);
	REQ_REFUSED(req(UL_REQ_INVITE, 0, NULL, "application/sdp", SDP_TXT), 400, UL_E_NO_LIST);
	/* INVITE needs the SDP part */
	REQ_REFUSED(req(UL_REQ_INVITE, 0, ri, "application/resource-lists+xml", LIST_XML), 400,
			UL_E_NO_SDP);
	/* body limit */
	LIM.max_body = 100;
	REQ_REFUSED(req(UL_REQ_INVITE, 0, ri, MP_CT, MP_BODY), 413, UL_E_TOO_BIG);
	LIM.max_body = 65536;
	ul_request_free(&R);
}

static void t_request_handoff(void **state)
{
	const char *ri = "recipient-list-invite";
	const char *b = "--b" CRLF "Content-Type: application/sdp" CRLF CRLF "v=0" CRLF
					"o=- 1 1 IN IP6 fd00::7" CRLF "s=-" CRLF "c=IN IP6 fd00::7" CRLF "t=0 0" CRLF
					"--b" CRLF "Content-Type: application/resource-lists+xml" CRLF
					"Content-Disposition: recipient-list" CRLF CRLF RL_HEAD
					"<list><entry uri=\"sip:cn@x\"><sh:dialog call-id=\"c\" mn-tag=\"m\" cn-tag=\"t\"/></entry></list>" RL_TAIL
					"--b--" CRLF;
	const char *nocon = "--b" CRLF "Content-Type: application/sdp" CRLF CRLF "v=0" CRLF "s=-" CRLF
						"--b" CRLF "Content-Type: application/resource-lists+xml" CRLF
						"Content-Disposition: recipient-list" CRLF CRLF LIST_XML "--b--" CRLF;

	assert_int_equal(req(UL_REQ_INVITE, 1, ri, "multipart/mixed;boundary=b", b), 0);
	assert_int_equal(R.media_af, 6);
	assert_string_equal(R.media_ip, "fd00::7");
	assert_int_equal(R.list.dialogs, 1);
	REQ_REFUSED(req(UL_REQ_INVITE, 1, ri, "multipart/mixed;boundary=b", nocon), 400, UL_E_SDP);
	/* a fan-out does not need the address */
	assert_int_equal(req(UL_REQ_INVITE, 0, ri, "multipart/mixed;boundary=b", nocon), 0);
	assert_int_equal(R.media_af, 0);
	ul_request_free(&R);
}

static void t_request_message(void **state)
{
	const char *b = "--b" CRLF "Content-Type: text/plain" CRLF CRLF "hello" CRLF "--b" CRLF
					"Content-Type: application/resource-lists+xml" CRLF
					"Content-Disposition: recipient-list" CRLF CRLF LIST_XML "--b--" CRLF;
	const char *nomsg = "--b" CRLF "Content-Type: application/resource-lists+xml" CRLF
						"Content-Disposition: recipient-list" CRLF CRLF LIST_XML "--b--" CRLF;

	assert_int_equal(req(UL_REQ_MESSAGE, 0, "recipient-list-message", "multipart/mixed;boundary=b", b), 0);
	assert_true(R.parts.other.found);
	assert_int_equal(R.parts.other.body_len, 5);
	assert_memory_equal(R.parts.other.ctype, "text/plain", 10);
	REQ_REFUSED(req(UL_REQ_MESSAGE, 0, "recipient-list-message", "multipart/mixed;boundary=b", nomsg),
			400, UL_E_NO_LIST);
	REQ_REFUSED(req(UL_REQ_MESSAGE, 0, "recipient-list-invite", "multipart/mixed;boundary=b", b), 420,
			UL_E_BAD_EXT);
	ul_request_free(&R);
}

static void t_kind_names(void **state)
{
	int k;
	for(k = 0; k < UL_E__COUNT; k++) {
		assert_non_null(ul_errkind_name((ul_errkind_t)k));
		assert_string_not_equal(ul_errkind_name((ul_errkind_t)k), "unknown");
	}
	assert_string_equal(ul_errkind_name(UL_E__COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_simple_list, setup, teardown),
		cmocka_unit_test_setup_teardown(t_nested_and_foreign, setup, teardown),
		cmocka_unit_test_setup_teardown(t_copycontrol, setup, teardown),
		cmocka_unit_test_setup_teardown(t_no_history_without_copycontrol, setup, teardown),
		cmocka_unit_test_setup_teardown(t_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(t_handoff, setup, teardown),
		cmocka_unit_test_setup_teardown(t_handoff_bad_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(t_status_body, setup, teardown),
		cmocka_unit_test_setup_teardown(t_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(t_namespace, setup, teardown),
		cmocka_unit_test_setup_teardown(t_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(t_doctype_entities, setup, teardown),
		cmocka_unit_test_setup_teardown(t_doctype_utf16, setup, teardown),
		cmocka_unit_test_setup_teardown(t_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(t_schemes_and_uris, setup, teardown),
		cmocka_unit_test_setup_teardown(t_option_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(t_ctype, setup, teardown),
		cmocka_unit_test_setup_teardown(t_multipart, setup, teardown),
		cmocka_unit_test_setup_teardown(t_multipart_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(t_request, setup, teardown),
		cmocka_unit_test_setup_teardown(t_request_handoff, setup, teardown),
		cmocka_unit_test_setup_teardown(t_request_message, setup, teardown),
		cmocka_unit_test_setup_teardown(t_kind_names, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
