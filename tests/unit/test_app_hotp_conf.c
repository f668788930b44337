/*
 * Unit tests: app_hotp configuration parser (fd-extensions/app_hotp/app_hotp_conf.c)
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "app_hotp_conf.h"

static int parse(const char *text, struct app_hotp_conf *c, char *err)
{
	ahc_defaults(c);
	return ahc_parse(text, strlen(text), c, err, 256);
}

static void test_defaults(void **state)
{
	struct app_hotp_conf c;
	char err[256];

	assert_int_equal(parse("", &c, err), 0);
	assert_int_equal(c.window, 10);
	assert_int_equal(c.resync_window, 100);
	assert_int_equal(c.lockout_after, 5);
	assert_string_equal(c.store, "/var/lib/senemo/hotp.db");
}

static void test_full(void **state)
{
	struct app_hotp_conf c;
	char err[256];
	const char *t = "# comment\n"
					"store = \"/tmp/x.db\";  # trailing\n"
					"window=20;\nresync_window = 200 ;\n"
					"lockout_after = 3; lockout_base_s = 10; lockout_max_s = 600;\n"
					"realm = \"vpn.example.com\";\n"
					"pg_conninfo = \"host=/tmp port=5433 dbname=hotp\";\n";

	assert_int_equal(parse(t, &c, err), 0);
	assert_string_equal(c.store, "/tmp/x.db");
	assert_int_equal(c.window, 20);
	assert_int_equal(c.resync_window, 200);
	assert_int_equal(c.lockout_after, 3);
	assert_int_equal(c.lockout_base_s, 10);
	assert_int_equal(c.lockout_max_s, 600);
	assert_string_equal(c.realm, "vpn.example.com");
	assert_string_equal(c.pg_conninfo, "host=/tmp port=5433 dbname=hotp");
}

/* every error names the line and the field, and leaves the config untouched */
static void expect_error(const char *text, const char *needle)
{
	struct app_hotp_conf c, before;
	char err[256] = "";

	ahc_defaults(&c);
	before = c;
	assert_int_equal(ahc_parse(text, strlen(text), &c, err, sizeof(err)), -1);
	if(!strstr(err, needle)) {
		print_error("error '%s' does not mention '%s'\n", err, needle);
		fail();
	}
	assert_memory_equal(&c, &before, sizeof(c));
}

static void test_errors(void **state)
{
	expect_error("window = 0;", "'window' = 0 is not an integer in 1..1000");
	expect_error("window = 1001;", "window");
	expect_error("window = 12abc;", "window");
	expect_error("window = \"10\";", "'window' needs an integer");
	expect_error("window = 10", "expected ';'");
	expect_error("window 10;", "expected '='");
	expect_error("\n\nbogus = 1;", "line 3: unknown key 'bogus'");
	expect_error("store = /tmp/x;", "'store' needs a quoted string");
	expect_error("store = \"/tmp/x;\n\";", "unterminated string");
	expect_error("store = \"/tmp/x", "unterminated string");
	expect_error("window = 50; resync_window = 20;", "resync_window (20) is smaller than window (50)");
	expect_error("lockout_base_s = 100; lockout_max_s = 50;", "lockout_max_s");
	expect_error("= 3;", "expected a key");
	expect_error("window = 99999999999999999999;", "window");
}

static void test_long_values(void **state)
{
	char big[2048];
	struct app_hotp_conf c;
	char err[256];

	memset(big, 'a', sizeof(big));
	memcpy(big, "store = \"", 9);
	strcpy(big + sizeof(big) - 4, "\";");
	assert_int_equal(parse(big, &c, err), -1);
	assert_non_null(strstr(err, "too long"));
}

static void test_embedded_nul(void **state)
{
	const char t[] = "store = \"/tmp/a\0b\";";
	struct app_hotp_conf c;
	char err[256];

	ahc_defaults(&c);
	assert_int_equal(ahc_parse(t, sizeof(t) - 1, &c, err, sizeof(err)), -1);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/ahc-XXXXXX";
	struct app_hotp_conf c;
	char err[256];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "window = 7;\n", 12), 12);
	close(fd);
	ahc_defaults(&c);
	assert_int_equal(ahc_load(path, &c, err, sizeof(err)), 0);
	assert_int_equal(c.window, 7);
	unlink(path);
	assert_int_equal(ahc_load(path, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_values),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_load_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
