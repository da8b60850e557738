/* SPDX-License-Identifier: Apache-2.0 */
/* Covers cubo-mgr/userns/subid.c: /etc/subuid lines, /etc/passwd names, newuidmap's arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/userns/subid.h"
#include "shared/strv.h"

static void test_ranges_by_name_and_uid(void **state)
{
	const char *text = "bob:200000:65536\n"
			   "alice:100000:65536\n"
			   "# alice:1:2\n"
			   "1001:300000:1000\n"
			   "alicex:400000:10";
	struct subid_range *r;
	size_t n;
	assert_null(subid_parse(text, "/etc/subuid", "alice", 1001, &r, &n));
	assert_int_equal(n, 2);
	assert_int_equal(r[0].start, 100000);
	assert_int_equal(r[0].count, 65536);
	assert_int_equal(r[1].start, 300000);
	assert_int_equal(r[1].count, 1000);
	free(r);
	/* no name known: the uid alone */
	assert_null(subid_parse(text, "/etc/subuid", NULL, 1001, &r, &n));
	assert_int_equal(n, 1);
	free(r);
	assert_null(subid_parse(text, "/etc/subuid", "carol", 1002, &r, &n));
	assert_int_equal(n, 0);
	assert_null(r);
	assert_null(subid_parse("", "/etc/subuid", "carol", 1002, &r, &n));
	assert_int_equal(n, 0);
}

static void test_bad_line_of_the_user(void **state)
{
	static const char *const bad[] = {
		"alice:100000\n",    "alice:x:65536\n",	     "alice:100000:0\n",
		"alice:100000:-1\n", "alice:4294967295:2\n", "alice:100000:65536x\n",
		"alice::65536\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct subid_range *r = (void *)1;
		size_t n = 7;
		char *text = NULL;
		assert_int_not_equal(asprintf(&text, "bob:1:2\n%s", bad[i]), -1);
		struct cubo_error *err = subid_parse(text, "/etc/subgid", "alice", 1001, &r, &n);
		assert_non_null(err);
		assert_non_null(strstr(err->msg, "/etc/subgid:2: "));
		assert_null(r);
		assert_int_equal(n, 0);
		cubo_error_free(err);
		free(text);
	}
	/* another user's bad line is not ours to judge */
	struct subid_range *r;
	size_t n;
	assert_null(subid_parse("bob:x\nalice:5:6\n", "/etc/subuid", "alice", 1001, &r, &n));
	assert_int_equal(n, 1);
	free(r);
}

static void test_user_name(void **state)
{
	const char *passwd = "root:x:0:0:root:/root:/bin/bash\n"
			     "alice:x:1001:1001::/home/alice:/bin/sh\n"
			     "broken\n"
			     "bob:x:10011:1:::";
	char *name = subid_user_name(passwd, 1001);
	assert_string_equal(name, "alice");
	free(name);
	name = subid_user_name(passwd, 10011);
	assert_string_equal(name, "bob");
	free(name);
	assert_null(subid_user_name(passwd, 1));
	assert_null(subid_user_name("", 0));
}

static void test_map_args(void **state)
{
	const struct subid_range r[] = {{100000, 65536}, {300000, 10}};
	char **v = subid_map_args(1001, r, 2);
	const char *want[] = {"0", "1001", "1", "1", "100000", "65536", "65537", "300000", "10"};
	assert_int_equal(cubo_strv_len(v), 9);
	for (size_t i = 0; i < 9; i++)
		assert_string_equal(v[i], want[i]);
	cubo_strv_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges_by_name_and_uid),
		cmocka_unit_test(test_bad_line_of_the_user),
		cmocka_unit_test(test_user_name),
		cmocka_unit_test(test_map_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
