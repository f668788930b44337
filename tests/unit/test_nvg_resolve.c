/*
 * Unit tests of the home role's resolver (kamailio-modules/nvg/
 * nvg_resolve.c): logical domain -> NVG AoR (convention and explicit map),
 * one NVG, nested NVGs, NVG not registered, loops, the depth limit, bad
 * contacts and registrar errors, with a fake registrar.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nvg_resolve.h"

/* fake registrar: AoR -> contact (and optional received) */
typedef struct reg {
	const char *aor, *contact, *received;
} reg_t;

static reg_t REG[16];
static int NREG, NCALLS, FAIL;

static int contact(void *ctx, const char *aor, size_t len, nvg_hop_t *hop)
{
	int i;

	NCALLS++;
	if(FAIL)
		return -1;
	for(i = 0; i < NREG; i++) {
		if(strlen(REG[i].aor) == len && memcmp(REG[i].aor, aor, len) == 0) {
			snprintf(hop->uri, sizeof(hop->uri), "%s", REG[i].contact);
			if(REG[i].received)
				snprintf(hop->dst, sizeof(hop->dst), "%s", REG[i].received);
			return 1;
		}
	}
	return 0;
}

static nvg_resolver_t R;
static nvg_resolution_t RES;

static int setup(void **state)
{
	memset(REG, 0, sizeof(REG));
	NREG = NCALLS = FAIL = 0;
	memset(&R, 0, sizeof(R));
	R.parent = "vpn.example.com";
	R.parent_len = strlen(R.parent);
	R.max_depth = 4;
	R.contact = contact;
	return 0;
}

static void add(const char *aor, const char *c, const char *rcv)
{
	REG[NREG].aor = aor;
	REG[NREG].contact = c;
	REG[NREG].received = rcv;
	NREG++;
}

static int resolve(const char *host)
{
	return nvg_resolve_host(&R, host, strlen(host), &RES);
}

static void t_aor_convention_and_map(void **state)
{
	char aor[300];
	nvg_map_entry_t map[1] = {{"car-12.fleet.example.org", 24, "sip:nvg-12@vpn.example.com",
			26}};

	assert_int_equal(nvg_resolver_aor(&R, "nvg-7.vpn.example.com", 21, aor, sizeof(aor)), 25);
	assert_string_equal(aor, "sip:nvg-7@vpn.example.com");
	assert_int_equal(nvg_resolver_aor(&R, "NVG-7.VPN.example.com.", 22, aor, sizeof(aor)), 25);
	assert_string_equal(aor, "sip:NVG-7@vpn.example.com");
	assert_int_equal(nvg_resolver_aor(&R, "vpn.example.com", 15, aor, sizeof(aor)), 0);
	assert_int_equal(nvg_resolver_aor(&R, "198.18.20.2", 11, aor, sizeof(aor)), 0);
	assert_int_equal(nvg_resolver_aor(&R, "a.b.vpn.example.com", 19, aor, sizeof(aor)), 0);
	assert_int_equal(nvg_resolver_aor(&R, "nvg-7.vpn.example.com", 21, aor, 10), -1);
	R.map = map;
	R.nmap = 1;
	assert_int_equal(nvg_resolver_aor(&R, "CAR-12.fleet.example.org", 24, aor, sizeof(aor)), 26);
	assert_string_equal(aor, "sip:nvg-12@vpn.example.com");
	/* no convention (no parent): only the map */
	R.parent = NULL;
	R.parent_len = 0;
	assert_int_equal(nvg_resolver_aor(&R, "nvg-7.vpn.example.com", 21, aor, sizeof(aor)), 0);
	assert_int_equal(nvg_resolver_aor(&R, "car-12.fleet.example.org", 24, aor, sizeof(aor)), 26);
}

static void t_not_logical(void **state)
{
	assert_int_equal(resolve("198.18.30.2"), NVG_RES_NOT_LOGICAL);
	assert_int_equal(resolve("vpn.example.com"), NVG_RES_NOT_LOGICAL);
	assert_int_equal(NCALLS, 0);
}

static void t_one_nvg(void **state)
{
	add("sip:nvg-7@vpn.example.com", "sip:nvg-7@198.18.20.2:5060", NULL);
	assert_int_equal(resolve("nvg-7.vpn.example.com"), NVG_RES_OK);
	assert_int_equal(RES.depth, 1);
	assert_string_equal(RES.chain[0], "sip:nvg-7@vpn.example.com");
	assert_string_equal(RES.hop.uri, "sip:nvg-7@198.18.20.2:5060");
	assert_string_equal(RES.hop.dst, "");
	assert_int_equal(NCALLS, 1);
}

static void t_nested(void **state)
{
	/* a PAN (nvg-9) in a car (nvg-7) on a train (nvg-3) */
	add("sip:nvg-9@vpn.example.com", "sip:nvg-9@nvg-7.vpn.example.com;nvgc=0123456789abcdef",
			NULL);
	add("sip:nvg-7@vpn.example.com", "sip:nvg-7@nvg-3.vpn.example.com;nvgc=fedcba9876543210",
			NULL);
	add("sip:nvg-3@vpn.example.com", "sip:nvg-3@198.18.20.2:5060", "sip:198.18.20.2:40000");
	assert_int_equal(resolve("nvg-9.vpn.example.com"), NVG_RES_OK);
	assert_int_equal(RES.depth, 3);
	assert_string_equal(RES.chain[0], "sip:nvg-9@vpn.example.com");
	assert_string_equal(RES.chain[1], "sip:nvg-7@vpn.example.com");
	assert_string_equal(RES.chain[2], "sip:nvg-3@vpn.example.com");
	assert_string_equal(RES.hop.uri, "sip:nvg-3@198.18.20.2:5060");
	assert_string_equal(RES.hop.dst, "sip:198.18.20.2:40000");
	/* the depth limit counts NVGs: 3 fit in 3, not in 2 */
	R.max_depth = 3;
	assert_int_equal(resolve("nvg-9.vpn.example.com"), NVG_RES_OK);
	R.max_depth = 2;
	assert_int_equal(resolve("nvg-9.vpn.example.com"), NVG_RES_DEPTH);
	assert_string_equal(RES.error, "more than 2 nested NVGs (next: sip:nvg-3@vpn.example.com)");
}

static void t_unregistered(void **state)
{
	add("sip:nvg-7@vpn.example.com", "sip:nvg-7@nvg-3.vpn.example.com", NULL);
	assert_int_equal(resolve("nvg-8.vpn.example.com"), NVG_RES_UNREGISTERED);
	assert_string_equal(RES.error, "sip:nvg-8@vpn.example.com has no current registration");
	/* the outer NVG of a nested one is gone */
	assert_int_equal(resolve("nvg-7.vpn.example.com"), NVG_RES_UNREGISTERED);
	assert_int_equal(RES.depth, 2);
}

static void t_loops(void **state)
{
	add("sip:nvg-1@vpn.example.com", "sip:nvg-1@nvg-2.vpn.example.com", NULL);
	add("sip:nvg-2@vpn.example.com", "sip:nvg-2@nvg-1.vpn.example.com", NULL);
	add("sip:nvg-5@vpn.example.com", "sip:x@nvg-5.vpn.example.com;nvgc=0123456789abcdef",
			NULL);
	assert_int_equal(resolve("nvg-1.vpn.example.com"), NVG_RES_LOOP);
	assert_string_equal(RES.error,
			"loop: sip:nvg-1@vpn.example.com is reached again after 2 NVG(s)");
	assert_int_equal(NCALLS, 2);
	assert_int_equal(resolve("nvg-5.vpn.example.com"), NVG_RES_LOOP); /* itself */
	/* a loop longer than the depth limit is stopped by the limit */
	R.max_depth = 1;
	assert_int_equal(resolve("nvg-1.vpn.example.com"), NVG_RES_DEPTH);
}

static void t_bad_contact_and_errors(void **state)
{
	add("sip:nvg-7@vpn.example.com", "not a uri", NULL);
	assert_int_equal(resolve("nvg-7.vpn.example.com"), NVG_RES_BAD_CONTACT);
	FAIL = 1;
	assert_int_equal(resolve("nvg-7.vpn.example.com"), NVG_RES_ERROR);
	FAIL = 0;
	R.max_depth = 0;
	assert_int_equal(resolve("nvg-7.vpn.example.com"), NVG_RES_ERROR);
	R.max_depth = NVG_DEPTH_LIMIT + 1;
	assert_int_equal(resolve("nvg-7.vpn.example.com"), NVG_RES_ERROR);
	assert_string_equal(nvg_res_strerror(NVG_RES_LOOP), "loop between NVGs");
}

static void t_map_resolution(void **state)
{
	nvg_map_entry_t map[1] = {{"car-12.fleet.example.org", 24, "sip:nvg-12@vpn.example.com",
			26}};
	R.map = map;
	R.nmap = 1;
	add("sip:nvg-12@vpn.example.com", "sip:nvg-12@[fd00::12]:5060", NULL);
	assert_int_equal(resolve("car-12.fleet.example.org"), NVG_RES_OK);
	assert_string_equal(RES.hop.uri, "sip:nvg-12@[fd00::12]:5060");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(t_aor_convention_and_map, setup),
		cmocka_unit_test_setup(t_not_logical, setup),
		cmocka_unit_test_setup(t_one_nvg, setup),
		cmocka_unit_test_setup(t_nested, setup),
		cmocka_unit_test_setup(t_unregistered, setup),
		cmocka_unit_test_setup(t_loops, setup),
		cmocka_unit_test_setup(t_bad_contact_and_errors, setup),
		cmocka_unit_test_setup(t_map_resolution, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
