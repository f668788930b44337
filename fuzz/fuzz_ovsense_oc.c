/*
 * libFuzzer harness for the RFC 7339 Via-parameter parser and the
 * Retry-After parser of the ovsense module
 * (kamailio-modules/ovsense/ovs_oc.c). Besides memory safety (ASan, UBSan)
 * it checks the contract the module relies on, for every input:
 *  - the result is one of the documented codes;
 *  - feedback means 0 <= oc <= 100 and validity <= the caller's maximum;
 *  - an error leaves a non-empty printable text without quotes or
 *    backslashes (it is logged);
 *  - spans lie inside the input and start with the parameter's name;
 *  - only valid feedback changes the control state (ovs_ctl_feedback is
 *    called exactly as the module calls it);
 *  - formatting what was parsed gives text that parses to the same value;
 *  - parsing is deterministic; Retry-After never exceeds its bound.
 *   fuzz_ovsense_oc fuzz/corpus/ovsense_oc
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ovs_ctl.h"
#include "ovs_oc.h"

#define CHECK(x)            \
	do {                    \
		if(!(x))            \
			abort();        \
	} while(0)

#define MAXV 60000u

static void check_span(const ovs_oc_span_t *sp, const char *name, const uint8_t *d,
		size_t n)
{
	size_t l = strlen(name), i;

	if(!sp->found)
		return;
	CHECK(sp->start + sp->len <= n);
	CHECK(sp->len >= l);
	for(i = 0; i < l; i++) {
		char c = (char)d[sp->start + i];
		if(c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		CHECK(c == name[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ovs_oc_t a, b;
	ovs_ctl_t c, c0;
	ovs_ctl_params_t p;
	char buf[160];
	int rc, rc2, n;
	size_t i;
	uint32_t ra, ra2;

	rc = ovs_oc_parse((const char *)data, size, MAXV, &a);
	CHECK(rc == OVS_OC_NONE || rc == OVS_OC_SUPPORT || rc == OVS_OC_FEEDBACK
			|| rc == OVS_OC_E_MALFORMED || rc == OVS_OC_E_UNSUPPORTED);
	if(rc < 0) {
		CHECK(a.error[0] != 0);
		for(i = 0; a.error[i]; i++) {
			unsigned char ch = (unsigned char)a.error[i];
			CHECK(ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\');
		}
	} else {
		CHECK(a.end <= size);
		check_span(&a.sp_oc, "oc", data, size);
		check_span(&a.sp_validity, "oc-validity", data, size);
		check_span(&a.sp_seq, "oc-seq", data, size);
		check_span(&a.sp_algo, "oc-algo", data, size);
		CHECK(memchr(data, 0, size) == NULL);
	}
	if(rc == OVS_OC_FEEDBACK) {
		CHECK(a.has_value && a.value >= 0 && a.value <= 100);
		CHECK(a.validity_ms <= MAXV);
		CHECK(!a.has_seq || a.seq_frac < 100000);
		n = ovs_oc_format(buf, sizeof(buf), a.value, a.validity_ms, a.seq_sec, a.seq_frac);
		CHECK(n > 0);
		CHECK(ovs_oc_parse(buf, (size_t)n, MAXV, &b) == OVS_OC_FEEDBACK);
		CHECK(b.value == a.value && b.validity_ms == a.validity_ms);
	}
	if(rc == OVS_OC_SUPPORT)
		CHECK(!a.has_value);

	/* the module's use: only OVS_OC_FEEDBACK reaches the control state */
	ovs_ctl_params_default(&p);
	ovs_ctl_init(&c, &p);
	memcpy(&c0, &c, sizeof(c));
	if(rc == OVS_OC_FEEDBACK) {
		ovs_ctl_feedback(&c, &a, 1000);
		CHECK(ovs_ctl_explicit(&c, 1000) <= 100);
	} else {
		CHECK(memcmp(&c0, &c, sizeof(c)) == 0);
	}

	rc2 = ovs_oc_parse((const char *)data, size, MAXV, &b);
	CHECK(rc2 == rc);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);

	ra = 12345;
	if(ovs_retry_after_parse((const char *)data, size, 3600, &ra) == 0) {
		CHECK(ra <= 3600);
		CHECK(ovs_retry_after_parse((const char *)data, size, 3600, &ra2) == 0 && ra2 == ra);
	} else {
		CHECK(ra == 12345);
	}
	return 0;
}
