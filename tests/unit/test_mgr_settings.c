/* SPDX-License-Identifier: Apache-2.0 */
/* Covers cubo-mgr/settings.c: the environment's settings, read once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/settings.h"

static void test_unset_is_default(void **state)
{
	char *envp[] = {"PATH=/bin", "HOME=/root", NULL};
	struct mgr_settings s;
	mgr_settings_read(envp, &s);
	assert_null(s.runtime);
	assert_null(s.storage_driver);
	assert_null(s.cni_path);
	assert_false(s.cni_for_bridge);
	assert_null(s.auth_file);
	mgr_settings_read(NULL, &s);
	assert_null(s.runtime);
	assert_false(s.cni_for_bridge);
}

static void test_values(void **state)
{
	char *envp[] = {"CUBO_RUNTIME=/opt/crun",	"CUBO_STORAGE_DRIVER=vfs",
			"CUBO_CNI_PATH=/a:/b",		"CUBO_NET_CNI=1",
			"REGISTRY_AUTH_FILE=/x/a.json", NULL};
	struct mgr_settings s;
	mgr_settings_read(envp, &s);
	assert_string_equal(s.runtime, "/opt/crun");
	assert_string_equal(s.storage_driver, "vfs");
	assert_string_equal(s.cni_path, "/a:/b");
	assert_true(s.cni_for_bridge);
	assert_string_equal(s.auth_file, "/x/a.json");
}

/* as getenv: the first entry wins; empty is unset; a longer name is another variable */
static void test_lookup_rules(void **state)
{
	char *envp[] = {"CUBO_RUNTIMEX=/wrong",
			"CUBO_RUNTIME",
			"CUBO_RUNTIME=/first",
			"CUBO_RUNTIME=/second",
			"CUBO_CNI_PATH=",
			"CUBO_NET_CNI=yes",
			NULL};
	struct mgr_settings s;
	mgr_settings_read(envp, &s);
	assert_string_equal(s.runtime, "/first");
	assert_null(s.cni_path);
	assert_false(s.cni_for_bridge); /* only "1" turns it on */
	char *zero[] = {"CUBO_NET_CNI=0", NULL};
	mgr_settings_read(zero, &s);
	assert_false(s.cni_for_bridge);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unset_is_default),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_lookup_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
