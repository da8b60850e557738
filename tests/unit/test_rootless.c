/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/rootless.c, cubo-runc/idmap.c */
/* Rootless mode's decisions: the flag, the state root, limits, and who writes the id maps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-runc/idmap.h"
#include "cubo-runc/rootless.h"
#include "shared/procstat.h"
#include "shared/strv.h"
#include "tests/unit/helpers.h"

static void expect_error(struct cubo_error *err, const char *text)
{
	assert_non_null(err);
	if (!strstr(err->msg, text))
		fail_msg("error \"%s\" does not mention \"%s\"", err->msg, text);
	cubo_error_free(err);
}

static void test_mode(void **state)
{
	bool r = false;

	(void)state;
	assert_null(rootless_mode_parse("true", &r));
	assert_true(r);
	assert_null(rootless_mode_parse("false", &r));
	assert_false(r);
	expect_error(rootless_mode_parse("yes", &r), "expected true, false or auto");
	expect_error(rootless_mode_parse("", &r), "expected true, false or auto");
	/* auto, as root in the initial user namespace (how the unit tests run) */
	if (geteuid() == 0) {
		assert_null(rootless_mode_parse("auto", &r));
		assert_false(r);
		assert_null(rootless_mode_parse(NULL, &r));
		assert_false(r);
	}
}

static void test_initial_uid_map(void **state)
{
	(void)state;
	assert_true(cubo_initial_uid_map("         0          0 4294967295\n"));
	assert_true(cubo_initial_uid_map("0 0 4294967295"));
	/* podman unshare, a container's root, a second line */
	assert_false(cubo_initial_uid_map("         0       1000          1\n"));
	assert_false(cubo_initial_uid_map("0 0 4294967294\n"));
	assert_false(cubo_initial_uid_map("0 0 1\n1 100000 4294967294\n"));
	assert_false(cubo_initial_uid_map(""));
	assert_false(cubo_initial_uid_map("garbage"));
}

static void test_default_root(void **state)
{
	char *old = getenv("XDG_RUNTIME_DIR") ? strdup(getenv("XDG_RUNTIME_DIR")) : NULL;

	(void)state;
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	char *root = rootless_default_root();
	if (geteuid() == 0) {
		assert_null(root); /* root keeps /run/cubo-runc, as runc keeps /run/runc */
	} else {
		assert_string_equal(root, "/run/user/1000/cubo-runc");
		free(root);
		setenv("XDG_RUNTIME_DIR", "relative", 1);
		assert_null(rootless_default_root());
		setenv("XDG_RUNTIME_DIR", "", 1);
		assert_null(rootless_default_root());
	}
	if (old)
		setenv("XDG_RUNTIME_DIR", old, 1);
	else
		unsetenv("XDG_RUNTIME_DIR");
	free(old);
}

static void test_limit_field(void **state)
{
	struct oci_memory mem = {.has_limit = true, .limit = 1 << 26};
	struct oci_pids pids = {.limit = 10};
	struct oci_device_cgroup dev = {0};
	struct oci_kv kv = {.key = (char *)"memory.high", .value = (char *)"1M"};
	struct oci_resources res = {0};

	(void)state;
	assert_null(rootless_limit_field(NULL));
	assert_null(rootless_limit_field(&res));
	/* device rules alone need no cgroup: the devices are the user's bind mounts */
	res.devices = &dev;
	res.n_devices = 1;
	assert_null(rootless_limit_field(&res));
	res.pids = &pids;
	assert_string_equal(rootless_limit_field(&res), "linux.resources.pids");
	res.memory = &mem;
	assert_string_equal(rootless_limit_field(&res), "linux.resources.memory");
	res = (struct oci_resources){.unified = {.v = &kv, .n = 1}};
	assert_string_equal(rootless_limit_field(&res), "linux.resources.unified");
}

static void test_check_limits(void **state)
{
	struct oci_pids pids = {.limit = 10};
	struct oci_resources res = {.pids = &pids};
	struct oci_linux lx = {.resources = &res};
	struct oci_kv kv = {.key = (char *)ROOTLESS_LIMITS_ANNOTATION, .value = (char *)"ignore"};
	struct oci_config cfg = {.linux_ = &lx};
	struct cubo_log log = {.fd = -1};

	(void)state;
	expect_error(rootless_check_limits(&cfg, &log), "linux.resources.pids: a rootless");
	cfg.annotations = (struct oci_map){.v = &kv, .n = 1};
	assert_null(rootless_check_limits(&cfg, &log));
	kv.value = (char *)"error";
	expect_error(rootless_check_limits(&cfg, &log), "delegated");
	kv.value = (char *)"maybe";
	expect_error(rootless_check_limits(&cfg, &log), "expected error or ignore");
	/* nothing asked: nothing to refuse, whatever the annotation says */
	lx.resources = NULL;
	assert_null(rootless_check_limits(&cfg, &log));
}

static void test_delegated(void **state)
{
	char *mnt = th_tmpdir("rootless-cg");
	char *own = th_path(mnt, "user.service");
	struct cgroup_hierarchy h = {.key = (char *)"",
				     .v2 = true,
				     .mount_point = mnt,
				     .mount_root = (char *)"/",
				     .own_dir = own};
	struct cgroup_layout l = {.mode = CGROUP_MODE_HYBRID, .h = &h, .n = 1};

	(void)state;
	assert_int_equal(mkdir(own, 0755), 0);
	th_put(mnt, "cgroup.procs", "");
	/* a hybrid host: never, however writable its cgroup2 part is */
	assert_false(rootless_cgroup_delegated(&l, NULL, "c1"));
	l.mode = CGROUP_MODE_V2;
	/* the id beside the caller's cgroup (runc's v2 rule), in a directory the test owns */
	assert_true(rootless_cgroup_delegated(&l, NULL, "c1"));
	assert_true(rootless_cgroup_delegated(&l, "sub/c1", "c1"));
	/* below the caller's own: its cgroup.procs must be writable too */
	assert_false(rootless_cgroup_delegated(&l, "user.service/c1", "c1"));
	th_put(own, "cgroup.procs", "");
	assert_true(rootless_cgroup_delegated(&l, "user.service/c1", "c1"));
	/* a cgroup that exists already is not the container's to take */
	assert_false(rootless_cgroup_delegated(&l, "user.service", "c1"));
	/* outside the mount, or not allowed at all */
	assert_false(rootless_cgroup_delegated(&l, "../x", "c1"));
	if (geteuid() != 0) {
		chmod(mnt, 0555);
		assert_false(rootless_cgroup_delegated(&l, NULL, "c1"));
		chmod(mnt, 0755);
	}
	free(own);
	th_tmpdir_free(mnt);
}

static void test_needs_helper(void **state)
{
	struct oci_id_mapping own = {0, 1000, 1};
	struct oci_id_mapping wide = {0, 1000, 2};
	struct oci_id_mapping other = {0, 1001, 1};
	struct oci_id_mapping two[2] = {{0, 1000, 1}, {1, 100000, 65536}};

	(void)state;
	assert_false(idmap_needs_helper(&own, 1, 1000, 1000));
	assert_true(idmap_needs_helper(&wide, 1, 1000, 1000));
	assert_true(idmap_needs_helper(&other, 1, 1000, 1000));
	assert_true(idmap_needs_helper(two, 2, 1000, 1000));
	/* root writes any mapping itself */
	assert_false(idmap_needs_helper(two, 2, 0, 0));
	assert_false(idmap_needs_helper(&other, 1, 0, 0));
}

static void test_helper_argv(void **state)
{
	struct oci_id_mapping two[2] = {{0, 1000, 1}, {1, 4294901760u, 65535}};
	char **v = idmap_helper_argv("/usr/bin/newuidmap", 42, two, 2);
	const char *want[] = {"/usr/bin/newuidmap", "42",    "0", "1000", "1", "1",
			      "4294901760",	    "65535", NULL};

	(void)state;
	for (size_t i = 0; want[i]; i++)
		assert_string_equal(v[i], want[i]);
	assert_null(v[8]);
	cubo_strv_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode),	     cmocka_unit_test(test_initial_uid_map),
		cmocka_unit_test(test_default_root), cmocka_unit_test(test_limit_field),
		cmocka_unit_test(test_check_limits), cmocka_unit_test(test_delegated),
		cmocka_unit_test(test_needs_helper), cmocka_unit_test(test_helper_argv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
