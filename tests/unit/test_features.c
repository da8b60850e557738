/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: spec/features.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "spec/features.h"

static yajl_val features;

static int setup(void **state)
{
	char *json, errbuf[256];
	size_t len;

	if (oci_features_to_json(&json, &len))
		return -1;
	if (strlen(json) != len)
		return -1;
	features = yajl_tree_parse(json, errbuf, sizeof(errbuf));
	free(json);
	return features ? 0 : -1;
}

static int teardown(void **state)
{
	yajl_tree_free(features);
	return 0;
}

static yajl_val get(const char *a, const char *b, const char *c, yajl_type type)
{
	const char *path[] = {a, b, c, NULL};
	yajl_val v = yajl_tree_get(features, path, type);

	if (!v)
		fail_msg("missing %s.%s.%s", a, b ? b : "", c ? c : "");
	return v;
}

static bool contains(yajl_val array, const char *s)
{
	for (size_t i = 0; i < array->u.array.len; i++)
		if (YAJL_IS_STRING(array->u.array.values[i]) &&
		    strcmp(array->u.array.values[i]->u.string, s) == 0)
			return true;
	return false;
}

static void test_versions(void **state)
{
	assert_string_equal(get("ociVersionMin", NULL, NULL, yajl_t_string)->u.string, "1.0.0");
	assert_string_equal(get("ociVersionMax", NULL, NULL, yajl_t_string)->u.string, "1.2.0");
}

static void test_hooks_and_mount_options(void **state)
{
	yajl_val hooks = get("hooks", NULL, NULL, yajl_t_array);
	yajl_val opts = get("mountOptions", NULL, NULL, yajl_t_array);
	const char *want_hooks[] = {"prestart",	      "createRuntime", "createContainer",
				    "startContainer", "poststart",     "poststop"};
	const char *want_opts[] = {"rbind",    "bind",	"ro",	  "rro",	 "nosymfollow",
				   "rnoatime", "idmap", "ridmap", "strictatime", "remount"};

	assert_int_equal(hooks->u.array.len, 6);
	for (size_t i = 0; i < 6; i++)
		assert_true(contains(hooks, want_hooks[i]));
	for (size_t i = 0; i < sizeof(want_opts) / sizeof(want_opts[0]); i++)
		assert_true(contains(opts, want_opts[i]));
	assert_int_equal(opts->u.array.len, 61);
}

static void test_linux(void **state)
{
	yajl_val ns = get("linux", "namespaces", NULL, yajl_t_array);
	yajl_val caps = get("linux", "capabilities", NULL, yajl_t_array);
	const char *want_ns[] = {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"};

	for (size_t i = 0; i < 8; i++)
		assert_true(contains(ns, want_ns[i]));
	assert_int_equal(caps->u.array.len, 41);
	assert_string_equal(caps->u.array.values[0]->u.string, "CAP_CHOWN");
	assert_string_equal(caps->u.array.values[21]->u.string, "CAP_SYS_ADMIN");
	assert_string_equal(caps->u.array.values[40]->u.string, "CAP_CHECKPOINT_RESTORE");

	assert_true(YAJL_IS_TRUE(get("linux", "cgroup", "v1", yajl_t_any)));
	assert_true(YAJL_IS_TRUE(get("linux", "cgroup", "v2", yajl_t_any)));
	assert_true(YAJL_IS_TRUE(get("linux", "cgroup", "systemd", yajl_t_any)));
	assert_true(YAJL_IS_FALSE(get("linux", "cgroup", "systemdUser", yajl_t_any)));
	assert_true(YAJL_IS_TRUE(get("linux", "seccomp", "enabled", yajl_t_any)));
	assert_true(contains(get("linux", "seccomp", "actions", yajl_t_array), "SCMP_ACT_NOTIFY"));
	assert_true(contains(get("linux", "seccomp", "supportedFlags", yajl_t_array),
			     "SECCOMP_FILTER_FLAG_LOG"));
	assert_true(contains(get("linux", "seccomp", "actions", yajl_t_array), "SCMP_ACT_ERRNO"));
	assert_true(
		contains(get("linux", "seccomp", "operators", yajl_t_array), "SCMP_CMP_MASKED_EQ"));
	assert_true(contains(get("linux", "seccomp", "archs", yajl_t_array), "SCMP_ARCH_X86_64"));
	assert_true(YAJL_IS_FALSE(get("linux", "apparmor", "enabled", yajl_t_any)));
	assert_true(YAJL_IS_FALSE(get("linux", "selinux", "enabled", yajl_t_any)));
	assert_true(YAJL_IS_FALSE(get("linux", "intelRdt", "enabled", yajl_t_any)));
	const char *idmap[] = {"linux", "mountExtensions", "idmap", "enabled", NULL};
	assert_true(YAJL_IS_TRUE(yajl_tree_get(features, idmap, yajl_t_any)));
}

static void test_annotations(void **state)
{
	assert_string_equal(get("annotations", "org.opencontainers.runc.checkpoint.enabled", NULL,
				yajl_t_string)
				    ->u.string,
			    "true");
	assert_string_equal(
		get("annotations", "io.github.cubo.version", NULL, yajl_t_string)->u.string,
		PACKAGE_VERSION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_hooks_and_mount_options),
		cmocka_unit_test(test_linux),
		cmocka_unit_test(test_annotations),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
