/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/systemd_unit.c, cubo-runc/systemd_cgroup.c */
/* The systemd cgroup driver's names, slices and unit properties. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-runc/systemd_cgroup.h"
#include "cubo-runc/systemd_unit.h"
#include "tests/unit/helpers.h"

static void expect_unit(const char *cgroups_path, bool rootless, const char *slice,
			const char *unit, const char *path)
{
	struct systemd_unit u;
	assert_null(systemd_unit_parse(cgroups_path, "abc", rootless, &u));
	assert_string_equal(u.slice, slice);
	assert_string_equal(u.unit, unit);
	assert_string_equal(u.path, path);
	systemd_unit_free(&u);
}

static void test_unit_names(void **state)
{
	(void)state;
	expect_unit("system.slice:libpod:abc", false, "system.slice", "libpod-abc.scope",
		    "/system.slice/libpod-abc.scope");
	/* kubelet's shape: a nested slice */
	expect_unit("kubepods-besteffort-pod1.slice:cri-containerd:abc", false,
		    "kubepods-besteffort-pod1.slice", "cri-containerd-abc.scope",
		    "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/"
		    "cri-containerd-abc.scope");
	/* the defaults: the slice by who asks, the whole path by the container's ID */
	expect_unit(":cubo:x1", false, "system.slice", "cubo-x1.scope",
		    "/system.slice/cubo-x1.scope");
	expect_unit(":cubo:x1", true, "user.slice", "cubo-x1.scope", "/user.slice/cubo-x1.scope");
	expect_unit("", false, "system.slice", "cubo-abc.scope", "/system.slice/cubo-abc.scope");
	expect_unit(NULL, true, "user.slice", "cubo-abc.scope", "/user.slice/cubo-abc.scope");
	expect_unit("system.slice::abc", false, "system.slice", "abc.scope",
		    "/system.slice/abc.scope");
	/* the root slice, and a slice unit whose name puts it below its parent */
	expect_unit("-.slice:p:n", false, "-.slice", "p-n.scope", "/p-n.scope");
	expect_unit("machine.slice::machine-ctr.slice", false, "machine.slice", "machine-ctr.slice",
		    "/machine.slice/machine-ctr.slice");
}

static void test_unit_names_refused(void **state)
{
	(void)state;
	struct systemd_unit u;
	th_expect_text(systemd_unit_parse("/sys/fs/cgroup/x", "abc", false, &u),
		       "linux.cgroupsPath \"/sys/fs/cgroup/x\": expected \"slice:prefix:name\"");
	th_expect_text(systemd_unit_parse("a.slice:b", "abc", false, &u), "slice:prefix:name");
	th_expect_text(systemd_unit_parse("a.slice:b:c:d", "abc", false, &u), "slice:prefix:name");
	th_expect_text(systemd_unit_parse("a.slice:b:", "abc", false, &u), "the name");
	th_expect_text(systemd_unit_parse("notaslice:b:c", "abc", false, &u),
		       "\"notaslice\" is not a slice");
	th_expect_text(systemd_unit_parse("a--b.slice:b:c", "abc", false, &u),
		       "an empty part between dashes");
	th_expect_text(systemd_unit_parse("-a.slice:b:c", "abc", false, &u), "empty part");
	th_expect_text(systemd_unit_parse("a-.slice:b:c", "abc", false, &u), "empty part");
	th_expect_text(systemd_unit_parse("a/b.slice:b:c", "abc", false, &u), "holds no '/'");
	th_expect_text(systemd_unit_parse("a.slice:p:c d", "abc", false, &u),
		       "systemd does not take ' ' in a unit name");
	th_expect_text(systemd_unit_parse("a.slice:p:c/../d", "abc", false, &u),
		       "does not take '/'");
	th_expect_text(systemd_unit_parse("a.slice:p:x.slice", "abc", false, &u),
		       "takes no prefix");
	th_expect_text(systemd_unit_parse("machine.slice::other.slice", "abc", false, &u),
		       "slice other.slice is not below machine.slice");
	char long_name[300];
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	char path[400];
	snprintf(path, sizeof(path), "a.slice:p:%s", long_name);
	th_expect_text(systemd_unit_parse(path, "abc", false, &u), "longer than 255");
}

static void test_slice_expand(void **state)
{
	(void)state;
	char *p;
	assert_null(systemd_slice_expand("a-b-c.slice", &p));
	assert_string_equal(p, "/a.slice/a-b.slice/a-b-c.slice");
	free(p);
	assert_null(systemd_slice_expand("system.slice", &p));
	assert_string_equal(p, "/system.slice");
	free(p);
	assert_null(systemd_slice_expand("-.slice", &p));
	assert_string_equal(p, "");
	free(p);
	th_expect_text(systemd_slice_expand(".slice", &p), "not a slice");
	th_expect_text(systemd_slice_expand("a.scope", &p), "not a slice");
	assert_null(p);
}

static const struct systemd_prop *find(const struct systemd_props *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return &p->v[i];
	return NULL;
}

static uint64_t u64_of(const struct systemd_props *p, const char *name)
{
	const struct systemd_prop *v = find(p, name);
	if (!v)
		fail_msg("no %s", name);
	assert_int_equal(v->type, SYSTEMD_PROP_U64);
	return v->u64;
}

static void test_props(void **state)
{
	(void)state;
	struct oci_memory mem = {.has_limit = true,
				 .limit = 256 << 20,
				 .has_reservation = true,
				 .reservation = 128 << 20,
				 .has_swap = true,
				 .swap = 512 << 20};
	struct oci_cpu cpu = {.has_shares = true,
			      .shares = 1024,
			      .has_quota = true,
			      .quota = 50000,
			      .has_period = true,
			      .period = 100000,
			      .cpus = "0-2,9",
			      .mems = "0"};
	struct oci_pids pids = {.limit = 512};
	struct oci_block_io io = {.has_weight = true, .weight = 500};
	struct oci_resources res = {.memory = &mem, .cpu = &cpu, .pids = &pids, .block_io = &io};
	struct systemd_props p;
	assert_null(systemd_props_from_resources(&res, &p));
	const struct systemd_prop *d = find(&p, "Delegate");
	assert_non_null(d);
	assert_int_equal(d->type, SYSTEMD_PROP_BOOL);
	assert_true(d->b);
	assert_int_equal(u64_of(&p, "MemoryMax"), 256 << 20);
	assert_int_equal(u64_of(&p, "MemoryLow"), 128 << 20);
	/* the spec's swap counts memory too; systemd's is swap alone */
	assert_int_equal(u64_of(&p, "MemorySwapMax"), 256 << 20);
	/* cpu.shares 1024 is cgroup v2's weight 39, as the cgroupfs driver writes it */
	assert_int_equal(u64_of(&p, "CPUWeight"), 39);
	assert_int_equal(u64_of(&p, "CPUQuotaPerSecUSec"), 500000);
	assert_int_equal(u64_of(&p, "CPUQuotaPeriodUSec"), 100000);
	assert_int_equal(u64_of(&p, "TasksMax"), 512);
	/* blkio.weight 500 is io.weight 4950, as the cgroupfs driver converts it */
	assert_int_equal(u64_of(&p, "IOWeight"), 4950);
	const struct systemd_prop *cpus = find(&p, "AllowedCPUs");
	assert_non_null(cpus);
	assert_int_equal(cpus->type, SYSTEMD_PROP_BYTES);
	assert_int_equal(cpus->n_bytes, 2);
	assert_int_equal(cpus->bytes[0], 0x07);
	assert_int_equal(cpus->bytes[1], 0x02);
	const struct systemd_prop *mems = find(&p, "AllowedMemoryNodes");
	assert_non_null(mems);
	assert_int_equal(mems->n_bytes, 1);
	assert_int_equal(mems->bytes[0], 0x01);
	systemd_props_free(&p);
}

static void test_props_limits(void **state)
{
	(void)state;
	/* -1: no limit, systemd's infinity; a quota rounds up to a whole percent */
	struct oci_memory mem = {.has_limit = true, .limit = -1};
	struct oci_cpu cpu = {
		.has_quota = true, .quota = 12345, .has_period = true, .period = 100000};
	struct oci_pids pids = {.limit = -1};
	struct oci_resources res = {.memory = &mem, .cpu = &cpu, .pids = &pids};
	struct systemd_props p;
	assert_null(systemd_props_from_resources(&res, &p));
	assert_true(u64_of(&p, "MemoryMax") == SYSTEMD_INFINITY);
	assert_true(u64_of(&p, "MemorySwapMax") == SYSTEMD_INFINITY);
	assert_int_equal(u64_of(&p, "CPUQuotaPerSecUSec"), 130000);
	assert_true(u64_of(&p, "TasksMax") == SYSTEMD_INFINITY);
	systemd_props_free(&p);
	/* no resources: only Delegate */
	assert_null(systemd_props_from_resources(NULL, &p));
	assert_int_equal(p.n, 1);
	systemd_props_free(&p);
}

static void test_props_refused(void **state)
{
	(void)state;
	struct systemd_props p;
	struct oci_memory mem = {
		.has_limit = true, .limit = 512 << 20, .has_swap = true, .swap = 256 << 20};
	struct oci_resources res = {.memory = &mem};
	th_expect_text(systemd_props_from_resources(&res, &p),
		       "linux.resources.memory.swap: 268435456 is less than the memory limit");
	struct oci_cpu cpu = {.cpus = "0-x"};
	res = (struct oci_resources){.cpu = &cpu};
	th_expect_text(systemd_props_from_resources(&res, &p), "linux.resources.cpu.cpus");
	struct oci_cpu rt = {.has_realtime_runtime = true, .realtime_runtime = 1000};
	res = (struct oci_resources){.cpu = &rt};
	th_expect_text(systemd_props_from_resources(&res, &p), "realtimeRuntime");
}

/* A state file's directory names the unit delete and update send to systemd: checked. */
static void test_unit_of_dir(void **state)
{
	static const char *const bad[] = {
		"/sys/fs/cgroup/system.slice",	      /* a slice, no scope */
		"/sys/fs/cgroup/x/.scope",	      /* no name */
		"/sys/fs/cgroup/x/a b.scope",	      /* a space */
		"/sys/fs/cgroup/x/a\nb.scope",	      /* a newline */
		"/sys/fs/cgroup/x/cubo-c1.scope/sub", /* below a scope */
		"/sys/fs/cgroup/x/ssh.service",	      /* another kind of unit */
	};
	char *unit;

	(void)state;
	assert_null(systemd_cgroup_unit_of("/sys/fs/cgroup/system.slice/cubo-c1.scope", &unit));
	assert_string_equal(unit, "cubo-c1.scope");
	free(unit);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cubo_error *err = systemd_cgroup_unit_of(bad[i], &unit);

		assert_non_null(err);
		assert_null(unit);
		assert_non_null(strstr(err->msg, "not a systemd scope"));
		cubo_error_free(err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unit_names),   cmocka_unit_test(test_unit_names_refused),
		cmocka_unit_test(test_slice_expand), cmocka_unit_test(test_props),
		cmocka_unit_test(test_props_limits), cmocka_unit_test(test_props_refused),
		cmocka_unit_test(test_unit_of_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
