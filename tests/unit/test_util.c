/*
 * test_util.c: unit tests of the shared helpers (address and time
 * formatting, slice comparison) and of the report's JSON escaping.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "sv.h"

START_TEST(test_addr_format)
{
	struct sv_addr a = { .af = 4, .port = 5060, .ip = { 192, 0, 2, 7 } };
	struct sv_addr b = { .af = 6, .port = 5061, .ip = { 0x20, 0x01, 0x0d, 0xb8,
	    [15] = 1 } };
	char buf[64];

	sv_addr_format(&a, buf, sizeof buf);
	ck_assert_str_eq(buf, "192.0.2.7:5060");
	sv_addr_format(&b, buf, sizeof buf);
	ck_assert_str_eq(buf, "[2001:db8::1]:5061");
	sv_addr_format_ip(&b, buf, sizeof buf);
	ck_assert_str_eq(buf, "2001:db8::1");
	ck_assert_int_eq(sv_addr_cmp(&a, &a), 0);
	ck_assert_int_ne(sv_addr_cmp(&a, &b), 0);
	sv_addr_format(&a, buf, 5);
	ck_assert_str_eq(buf, "192.");
}
END_TEST

START_TEST(test_time_format)
{
	char buf[40];

	sv_time_format(1415985409420211LL, buf, sizeof buf);
	ck_assert_str_eq(buf, "2014-11-14T17:16:49.420211Z");
	sv_time_format(0, buf, sizeof buf);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.000000Z");
}
END_TEST

START_TEST(test_str_cmp)
{
	struct sv_str a = { "INVITE", 6 }, b = { "invite", 6 };

	ck_assert_int_eq(sv_str_ieq(a, "invite"), 1);
	ck_assert_int_eq(sv_str_ieq(a, "INVITES"), 0);
	ck_assert_int_eq(sv_str_eq(a, b), 0);
	ck_assert_int_eq(sv_str_eq(a, a), 1);
	ck_assert_int_eq(sv_str_ieq(SV_STR_NULL, ""), 0);
}
END_TEST

START_TEST(test_json_escape)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	/* quote, backslash, ESC, valid UTF-8 (é), an invalid byte. */
	const char in[] = "a\"b\\c\x1b[31m\xc3\xa9\xff";

	report_json_string(f, in, sizeof in - 1);
	fclose(f);
	ck_assert_str_eq(out, "\"a\\\"b\\\\c\\u001b[31m\xc3\xa9\\u00ff\"");
	free(out);
}
END_TEST

/* The suite of util tests. */
static Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_addr_format);
	tcase_add_test(tc, test_time_format);
	tcase_add_test(tc, test_str_cmp);
	tcase_add_test(tc, test_json_escape);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; exit status says whether all passed. */
int
main(void)
{
	SRunner *sr = srunner_create(util_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
