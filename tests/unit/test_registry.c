/* SPDX-License-Identifier: Apache-2.0 */
/* The registries config; the HTTP side is covered by tests/integration/mgr-pull.bats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/image/registries_conf.h"

static void test_parse(void **state)
{
	const char *text = "# registries\n"
			   "short-name-domain = \"registry.example.com\"  # comment\n"
			   "\n"
			   "[registry \"registry.local:5000\"]\n"
			   "insecure = true\n"
			   "mirror = mirror1:5000\n"
			   "  mirror = \"mirror2\"\n"
			   "[registry \"docker.io\"]\n"
			   "insecure = no\n";
	struct registries_conf c;
	assert_null(registries_conf_parse(text, "r.conf", &c));
	assert_string_equal(c.short_name_domain, "registry.example.com");
	assert_int_equal(c.n, 2);
	const struct registry_conf_entry *e = registries_conf_find(&c, "registry.local:5000");
	assert_non_null(e);
	assert_true(e->insecure);
	assert_true(e->insecure_set);
	assert_int_equal(e->n_mirrors, 2);
	assert_string_equal(e->mirrors[1], "mirror2");
	e = registries_conf_find(&c, "docker.io");
	assert_false(e->insecure);
	assert_true(e->insecure_set);
	assert_null(e->mirrors);
	assert_null(registries_conf_find(&c, "ghcr.io"));
	registries_conf_free(&c);
}

static void expect(const char *text, const char *fragment)
{
	struct registries_conf c;
	struct cubo_error *err = registries_conf_parse(text, "r.conf", &c);
	assert_non_null(err);
	if (!strstr(err->msg, fragment))
		fail_msg("\"%s\" lacks \"%s\"", err->msg, fragment);
	cubo_error_free(err);
	assert_null(c.v);
}

static void test_errors(void **state)
{
	expect("a = b\n", "r.conf:1: unknown key \"a\"");
	expect("\n\n[registry host]\n", "r.conf:3: expected [registry \"HOST\"]");
	expect("[registry \"h:\n\"]\n", "r.conf:1: expected [registry \"HOST\"]");
	expect("[registry \"\"]\n", "r.conf:1: expected [registry \"HOST\"]");
	expect("[registry \"a\"b\"]\n", "r.conf:1: expected [registry \"HOST\"]");
	expect("[registry \"a\"] x\n", "r.conf:1: expected [registry \"HOST\"]");
	expect("[registry \"h\"]\ninsecure = maybe\n", "r.conf:2: insecure: \"maybe\"");
	expect("[registry \"h\"]\nmirrors = x\n",
	       "r.conf:2: unknown key \"mirrors\" in [registry \"h\"]");
	expect("short-name-domain = \"x\n", "r.conf:1: unterminated");
	expect("just words\n", "r.conf:1: expected key = value");
	expect("[registry \"h\"]\nmirror =\n", "mirror is empty");
}

static void test_missing_file(void **state)
{
	struct registries_conf c;
	assert_null(registries_conf_load("/nonexistent/registries.conf", false, &c));
	assert_int_equal(c.n, 0);
	struct cubo_error *err = registries_conf_load("/nonexistent/registries.conf", true, &c);
	assert_non_null(err);
	cubo_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
