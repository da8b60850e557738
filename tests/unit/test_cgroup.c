/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/{cgroup,cgroup_layout,cgroup_v1,cgroup_v2}.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-runc/cgroup_priv.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "tests/unit/helpers.h"

/* The hybrid layout of the project's machines. */
static const char *hybrid_mountinfo =
	TH_MOUNTINFO_HYBRID_CGROUPS "50 1 8:1 / /home rw shared:3 - ext4 /dev/sda1 rw\n";
static const char *hybrid_cgroup = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n"
				   "5:devices:/\n4:memory:/process_api/abc\n3:cpuset:/\n"
				   "2:cpuacct:/\n1:cpu:/\n0::/\n";

static void test_layout_hybrid(void **state)
{
	struct cgroup_layout l;
	const struct cgroup_hierarchy *h;

	(void)state;
	assert_null(cgroup_layout_parse(hybrid_mountinfo, hybrid_cgroup, &l));
	assert_int_equal(l.mode, CGROUP_MODE_HYBRID);
	assert_int_equal(l.n, 10);
	h = cgroup_layout_find(&l, "memory");
	assert_non_null(h);
	assert_string_equal(h->own_dir, "/sys/fs/cgroup/memory/process_api/abc");
	assert_false(h->v2);
	h = cgroup_layout_find(&l, "name=systemd");
	assert_non_null(h);
	assert_string_equal(h->mount_point, "/sys/fs/cgroup/systemd");
	assert_string_equal(h->own_dir, "/sys/fs/cgroup/systemd");
	/* v2 controllers are known only after detect reads cgroup.controllers. */
	assert_null(cgroup_layout_find(&l, "hugetlb"));
	l.h[9].v2_controllers = strdup("hugetlb");
	h = cgroup_layout_find(&l, "hugetlb");
	assert_non_null(h);
	assert_true(h->v2);
	assert_string_equal(h->key, "");
	assert_string_equal(h->own_dir, "/sys/fs/cgroup/unified");
	assert_null(cgroup_layout_find(&l, "net_cls"));
	cgroup_layout_free(&l);
}

static void test_layout_v2_and_v1(void **state)
{
	struct cgroup_layout l;

	(void)state;
	assert_null(cgroup_layout_parse(
		"30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
		"0::/user.slice/x.scope\n", &l));
	assert_int_equal(l.mode, CGROUP_MODE_V2);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.h[0].own_dir, "/sys/fs/cgroup/user.slice/x.scope");
	cgroup_layout_free(&l);

	/* Combined controllers, and a mount whose root is a sub-cgroup (a container). */
	assert_null(cgroup_layout_parse(
		"32 31 0:29 /docker/c1 /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup "
		"rw,cpu,cpuacct\n",
		"2:cpu,cpuacct:/docker/c1/sub\n", &l));
	assert_int_equal(l.mode, CGROUP_MODE_V1);
	assert_string_equal(l.h[0].key, "cpu,cpuacct");
	assert_string_equal(l.h[0].own_dir, "/sys/fs/cgroup/cpu,cpuacct/sub");
	assert_string_equal(l.h[0].mount_root, "/docker/c1");
	assert_non_null(cgroup_layout_find(&l, "cpuacct"));
	cgroup_layout_free(&l);
}

/* The machine running the test: whatever its layout, our own cgroups exist. */
static void test_layout_detect_here(void **state)
{
	struct cgroup_layout l;
	struct cubo_error *err;
	struct stat st;

	(void)state;
	err = cgroup_layout_detect(&l);
	if (err) {
		/* A sandbox without cgroupfs: the error says so. */
		assert_non_null(strstr(err->msg, "cgroup layout"));
		cubo_error_free(err);
		skip();
	}
	assert_true(l.n > 0);
	for (size_t i = 0; i < l.n; i++) {
		assert_int_equal(stat(l.h[i].own_dir, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		if (l.h[i].v2)
			assert_non_null(l.h[i].v2_controllers);
	}
	cgroup_layout_free(&l);
}

static void test_layout_errors(void **state)
{
	struct cgroup_layout l;

	(void)state;
	th_expect_msg(cgroup_layout_parse("garbage line\n", "0::/\n", &l), "mountinfo line 1");
	th_expect_msg(cgroup_layout_parse(hybrid_mountinfo, "4:memory\n", &l),
		      "/proc/self/cgroup line 1");
	th_expect_msg(
		cgroup_layout_parse("50 1 8:1 / /home rw - ext4 /dev/sda1 rw\n", "0::/\n", &l),
		"no cgroup hierarchy");
}

static void test_container_dir(void **state)
{
	struct cgroup_hierarchy h = {.key = "memory",
				     .mount_point = "/sys/fs/cgroup/memory",
				     .own_dir = "/sys/fs/cgroup/memory/process_api/abc",
				     .mount_root = "/"};
	struct cgroup_hierarchy hc = {.key = "memory",
				      .mount_point = "/sys/fs/cgroup/memory",
				      .own_dir = "/sys/fs/cgroup/memory",
				      .mount_root = "/docker/c1"};
	struct cubo_error *err;
	char *p;

	(void)state;
	assert_null(cgroup_container_dir(&h, NULL, "c1", &p));
	assert_string_equal(p, "/sys/fs/cgroup/memory/process_api/abc/c1");
	free(p);
	assert_null(cgroup_container_dir(&h, "grp/c1/", "c1", &p));
	assert_string_equal(p, "/sys/fs/cgroup/memory/process_api/abc/grp/c1");
	free(p);
	assert_null(cgroup_container_dir(&h, "/abs/c1", "c1", &p));
	assert_string_equal(p, "/sys/fs/cgroup/memory/abs/c1");
	free(p);
	assert_null(cgroup_container_dir(&hc, "/docker/c1/x", "c1", &p));
	assert_string_equal(p, "/sys/fs/cgroup/memory/x");
	free(p);
	th_expect_msg(cgroup_container_dir(&hc, "/other/x", "c1", &p),
		      "outside of the memory mount");
	err = cgroup_container_dir(&h, "a/../../b", "c1", &p);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "\"..\""));
	cubo_error_free(err);
	err = cgroup_container_dir(&h, "/", "c1", &p);
	assert_non_null(err);
	assert_null(p);
	cubo_error_free(err);
	/* "a..b" is a name, not a parent reference. */
	assert_null(cgroup_container_dir(&h, "a..b", "c1", &p));
	free(p);
}

/*
 * v2: the caller's own cgroup holds the caller, so it cannot pass controllers
 * down: a relative path goes beside it, under its parent (runc's fs2 rule);
 * at the root (exempt from that rule) it stays there.
 */
static void test_container_dir_v2(void **state)
{
	struct cgroup_hierarchy svc = {.key = "",
				       .mount_point = "/sys/fs/cgroup",
				       .own_dir = "/sys/fs/cgroup/system.slice/tests.service",
				       .mount_root = "/",
				       .v2 = true};
	struct cgroup_hierarchy slice = svc, root = svc;
	struct cubo_error *err;
	char *p;

	(void)state;
	slice.own_dir = "/sys/fs/cgroup/system.slice";
	root.own_dir = "/sys/fs/cgroup";
	assert_null(cgroup_container_dir(&svc, NULL, "c1", &p));
	assert_string_equal(p, "/sys/fs/cgroup/system.slice/c1");
	free(p);
	assert_null(cgroup_container_dir(&svc, "grp/c1", "c1", &p));
	assert_string_equal(p, "/sys/fs/cgroup/system.slice/grp/c1");
	free(p);
	assert_null(cgroup_container_dir(&slice, NULL, "c1", &p));
	assert_string_equal(p, "/sys/fs/cgroup/c1");
	free(p);
	assert_null(cgroup_container_dir(&root, NULL, "c1", &p));
	assert_string_equal(p, "/sys/fs/cgroup/c1");
	free(p);
	/* absolute paths are unchanged */
	assert_null(cgroup_container_dir(&svc, "/abs/c1", "c1", &p));
	assert_string_equal(p, "/sys/fs/cgroup/abs/c1");
	free(p);
	/* the caller's own cgroup, named from beside it, is still refused */
	err = cgroup_container_dir(&svc, "tests.service", "c1", &p);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "names the caller's own cgroup"));
	assert_null(p);
	cubo_error_free(err);
}

/* --systemd-cgroup: a unit's directory keeps its mark through state.json. */
static void test_strlist_unit(void **state)
{
	struct cgroup_set *s = cgroup_set_new_unit("/sys/fs/cgroup/system.slice/cubo-c1.scope"),
			  *back;
	struct oci_strlist l;

	(void)state;
	assert_null(cgroup_set_to_strlist(s, &l));
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "=/sys/fs/cgroup/system.slice/cubo-c1.scope=unit");
	assert_null(cgroup_set_from_strlist(&l, &back));
	assert_int_equal(back->n, 1);
	assert_true(back->d[0].unit);
	assert_true(back->d[0].v2);
	assert_false(back->d[0].made);
	assert_string_equal(back->d[0].path, "/sys/fs/cgroup/system.slice/cubo-c1.scope");
	cubo_strv_free(l.v);
	cgroup_set_free(back);
	cgroup_set_free(s);
}

static void test_strlist_round_trip(void **state)
{
	char *lines[] = {"name=systemd=/sys/fs/cgroup/systemd/c1=made",
			 "memory=/sys/fs/cgroup/memory/own/grp/c1=made=2",
			 "=/sys/fs/cgroup/unified/c1=made", "pids=/sys/fs/cgroup/pids/shared",
			 NULL};
	struct oci_strlist in = {lines, 4}, out;
	struct cgroup_set *s;

	(void)state;
	assert_null(cgroup_set_from_strlist(&in, &s));
	assert_int_equal(s->n, 4);
	assert_string_equal(s->d[0].key, "name=systemd");
	assert_string_equal(s->d[0].path, "/sys/fs/cgroup/systemd/c1");
	assert_true(s->d[0].made);
	assert_int_equal(s->d[1].made_depth, 2);
	assert_string_equal(s->d[1].path, "/sys/fs/cgroup/memory/own/grp/c1");
	assert_true(s->d[2].v2);
	assert_false(s->d[3].made);
	assert_null(cgroup_set_to_strlist(s, &out));
	assert_int_equal(out.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(out.v[i], lines[i]);
	for (size_t i = 0; i < out.n; i++)
		free(out.v[i]);
	free(out.v);
	cgroup_set_free(s);
}

static void test_strlist_errors(void **state)
{
	char *bad1[] = {"memory:/x", NULL}, *bad2[] = {"memory=/x=made=zero", NULL};
	struct oci_strlist in1 = {bad1, 1}, in2 = {bad2, 1};
	struct cgroup_set *s;

	(void)state;
	th_expect_msg(cgroup_set_from_strlist(&in1, &s), "cgroupPaths[0] memory:/x");
	th_expect_failure(cgroup_set_from_strlist(&in2, &s));
}

static void test_conversions(void **state)
{
	struct oci_memory m = {0};
	char buf[32];

	(void)state;
	assert_int_equal(cgroup_shares_to_weight(1024), 39);
	assert_int_equal(cgroup_shares_to_weight(2), 1);
	assert_int_equal(cgroup_shares_to_weight(262144), 10000);
	assert_int_equal(cgroup_shares_to_weight(0), 0);
	assert_int_equal(cgroup_blkio_weight_to_io(10), 1);
	assert_int_equal(cgroup_blkio_weight_to_io(1000), 10000);
	assert_int_equal(cgroup_blkio_weight_to_io(500), 4950);

	m.has_limit = true;
	m.limit = 100;
	m.has_swap = true;
	m.swap = 300;
	assert_null(cgroup_v2_swap_value(&m, buf, sizeof(buf)));
	assert_string_equal(buf, "200");
	m.swap = -1;
	assert_null(cgroup_v2_swap_value(&m, buf, sizeof(buf)));
	assert_string_equal(buf, "max");
	m.has_swap = false;
	assert_null(cgroup_v2_swap_value(&m, buf, sizeof(buf)));
	assert_string_equal(buf, "");
	m.limit = -1;
	assert_null(cgroup_v2_swap_value(&m, buf, sizeof(buf)));
	assert_string_equal(buf, "max");
	m.has_swap = true;
	m.swap = 50;
	m.limit = 100;
	th_expect_msg(cgroup_v2_swap_value(&m, buf, sizeof(buf)), "less than the memory limit");
	m.has_limit = false;
	th_expect_failure(cgroup_v2_swap_value(&m, buf, sizeof(buf)));
}

static void test_device_rules(void **state)
{
	struct oci_device_cgroup r[] = {{.allow = false, .access = "rwm"},
					{.allow = true,
					 .type = "c",
					 .has_major = true,
					 .major = 1,
					 .has_minor = true,
					 .minor = 3,
					 .access = "rw"}};
	struct oci_resources res = {.devices = r, .n_devices = 2};
	struct oci_device_cgroup *eff;
	char buf[64];
	size_t n;

	(void)state;
	cgroup_device_rule_string(&r[0], buf, sizeof(buf));
	assert_string_equal(buf, "a *:* rwm");
	cgroup_device_rule_string(&r[1], buf, sizeof(buf));
	assert_string_equal(buf, "c 1:3 rw");
	cgroup_devices_effective(&res, &eff, &n);
	assert_true(n > 2);
	assert_false(eff[0].allow);
	for (size_t i = 2; i < n; i++)
		assert_true(eff[i].allow);
	free(eff);
	/* No rules in the config: nothing is written, not even the defaults. */
	res.n_devices = 0;
	cgroup_devices_effective(&res, &eff, &n);
	assert_int_equal(n, 0);
	free(eff);
}

/* ---- fake cgroup trees in a temporary directory ---- */

static int setup(void **state)
{
	*state = th_dir_new("cgroup", NULL);
	return 0;
}

static void assert_file(const char *dir, const char *name, const char *want)
{
	char *got = th_read_at(dir, name);

	assert_string_equal(got, want);
	free(got);
}

/*
 * Rules for one file in a row go through one open (each write() is one
 * command to a cgroup file: on a plain file they follow each other); an
 * optional file that is missing is skipped; a missing required one fails
 * before anything is written.
 */
static void test_plan_run_batches_one_file(void **state)
{
	struct th_dir *fx = *state;
	struct cgroup_plan p = {0};

	th_put(fx->dir, "devices.deny", "old");
	th_put(fx->dir, "devices.allow", "old");
	cgroup_plan_add(&p, "r.devices", "devices.deny", NULL, false, "a *:* rwm");
	cgroup_plan_add(&p, "r.devices", "devices.allow", NULL, false, "c 1:3 rwm\n");
	cgroup_plan_add(&p, "r.devices", "devices.allow", NULL, false, "c 1:5 rwm\n");
	cgroup_plan_add(&p, "r.kmem", "memory.kmem.limit_in_bytes", NULL, true, "1");
	cgroup_plan_add(&p, "r.kmem", "memory.kmem.limit_in_bytes", NULL, true, "2");
	assert_null(cgroup_plan_run(&p, fx->dir));
	assert_file(fx->dir, "devices.deny", "a *:* rwm");
	assert_file(fx->dir, "devices.allow", "c 1:3 rwm\nc 1:5 rwm\n");
	{
		char *kmem = cubo_path_join(fx->dir, "memory.kmem.limit_in_bytes");

		assert_false(cubo_path_exists(kmem));
		free(kmem);
	}
	cgroup_plan_add(&p, "r.pids", "pids.max", NULL, false, "5");
	th_put(fx->dir, "devices.deny", "kept");
	th_expect_msg(cgroup_plan_run(&p, fx->dir), "r.pids: ", "/pids.max does not exist");
	assert_file(fx->dir, "devices.deny", "kept");
	cgroup_plan_free(&p);
}

static void test_v1_memory_order_and_missing_file(void **state)
{
	struct th_dir *fx = *state;
	struct oci_memory m = {.has_limit = true,
			       .limit = 1LL << 30,
			       .has_swap = true,
			       .swap = 2LL << 30,
			       .has_reservation = true,
			       .reservation = 1LL << 20,
			       .has_kernel = true,
			       .kernel = 1LL << 20,
			       .has_swappiness = true,
			       .swappiness = 10};
	struct oci_resources res = {.memory = &m};
	struct cgroup_plan p = {0};

	th_put(fx->dir, "memory.limit_in_bytes", "9223372036854771712\n");
	th_put(fx->dir, "memory.soft_limit_in_bytes", "0");
	th_put(fx->dir, "memory.swappiness", "60");
	/* Raising both from unlimited: swap is written first. */
	assert_null(cgroup_v1_plan("memory", fx->dir, &res, &p));
	assert_true(p.n >= 2);
	assert_string_equal(p.w[0].file, "memory.limit_in_bytes");
	assert_string_equal(p.w[1].file, "memory.memsw.limit_in_bytes");

	/* No memsw file: an error naming resource and file, and nothing written. */
	th_expect_msg(cgroup_plan_run(&p, fx->dir), "linux.resources.memory.swap: ",
		      "/memory.memsw.limit_in_bytes does not exist (swap "
		      "accounting disabled)");
	assert_file(fx->dir, "memory.limit_in_bytes", "9223372036854771712\n");
	cgroup_plan_free(&p);

	th_put(fx->dir, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
	th_put(fx->dir, "memory.limit_in_bytes", "100\n");
	assert_null(cgroup_v1_apply("memory", fx->dir, &res));
	assert_file(fx->dir, "memory.memsw.limit_in_bytes", "2147483648");
	assert_file(fx->dir, "memory.limit_in_bytes", "1073741824");
	assert_file(fx->dir, "memory.soft_limit_in_bytes", "1048576");
	assert_file(fx->dir, "memory.swappiness", "10");
	/* kmem is gone from new kernels: skipped like runc, not created. */
	{
		char *kmem = cubo_path_join(fx->dir, "memory.kmem.limit_in_bytes");

		assert_false(cubo_path_exists(kmem));
		free(kmem);
	}

	/* useHierarchy: written only to change it (new kernels refuse a 0). */
	{
		struct oci_memory uh = {.has_use_hierarchy = true, .use_hierarchy = true};
		struct oci_resources ru = {.memory = &uh};

		th_put(fx->dir, "memory.use_hierarchy", "1\n");
		assert_null(cgroup_v1_apply("memory", fx->dir, &ru));
		assert_file(fx->dir, "memory.use_hierarchy", "1\n");
		uh.use_hierarchy = false;
		assert_null(cgroup_v1_apply("memory", fx->dir, &ru));
		assert_file(fx->dir, "memory.use_hierarchy", "0");
	}

	m.swappiness = 101;
	th_expect_msg(cgroup_v1_apply("memory", fx->dir, &res), "swappiness");
}

static void test_v1_other_controllers(void **state)
{
	struct th_dir *fx = *state;
	struct oci_cpu c = {.has_shares = true,
			    .shares = 512,
			    .has_quota = true,
			    .quota = 50000,
			    .has_period = true,
			    .period = 100000,
			    .cpus = "0",
			    .mems = "0"};
	struct oci_pids pids = {.limit = 10};
	struct oci_throttle_device td = {.major = 8, .minor = 0, .rate = 1048576};
	struct oci_block_io b = {
		.has_weight = true, .weight = 300, .throttle_read_bps = {.v = &td, .n = 1}};
	struct oci_hugepage_limit hl = {.page_size = "2MB", .limit = 4194304};
	struct oci_resources res = {.cpu = &c,
				    .pids = &pids,
				    .block_io = &b,
				    .hugepage_limits = &hl,
				    .n_hugepage_limits = 1};

	th_put(fx->dir, "cpu.shares", "");
	th_put(fx->dir, "cpu.cfs_quota_us", "");
	th_put(fx->dir, "cpu.cfs_period_us", "");
	th_put(fx->dir, "cpuset.cpus", "");
	th_put(fx->dir, "cpuset.mems", "");
	th_put(fx->dir, "pids.max", "");
	th_put(fx->dir, "blkio.bfq.weight", "");
	th_put(fx->dir, "blkio.throttle.read_bps_device", "");
	th_put(fx->dir, "hugetlb.2MB.limit_in_bytes", "");
	assert_null(cgroup_v1_apply("cpu", fx->dir, &res));
	assert_file(fx->dir, "cpu.shares", "512");
	assert_file(fx->dir, "cpu.cfs_quota_us", "50000");
	assert_file(fx->dir, "cpu.cfs_period_us", "100000");
	/* cpuset values belong to the cpuset hierarchy only. */
	assert_file(fx->dir, "cpuset.cpus", "");
	assert_null(cgroup_v1_apply("cpuset", fx->dir, &res));
	assert_file(fx->dir, "cpuset.cpus", "0");
	assert_null(cgroup_v1_apply("pids", fx->dir, &res));
	assert_file(fx->dir, "pids.max", "10");
	pids.limit = -1;
	assert_null(cgroup_v1_apply("pids", fx->dir, &res));
	assert_file(fx->dir, "pids.max", "max");
	/* No blkio.weight (no CFQ): BFQ's file takes the weight. */
	assert_null(cgroup_v1_apply("blkio", fx->dir, &res));
	assert_file(fx->dir, "blkio.bfq.weight", "300");
	assert_file(fx->dir, "blkio.throttle.read_bps_device", "8:0 1048576");
	assert_null(cgroup_v1_apply("hugetlb", fx->dir, &res));
	assert_file(fx->dir, "hugetlb.2MB.limit_in_bytes", "4194304");
	hl.page_size = "1GB";
	th_expect_msg(cgroup_v1_apply("hugetlb", fx->dir, &res),
		      "hugetlb.1GB.limit_in_bytes does not exist");
}

static void test_v2_plan_and_enable(void **state)
{
	struct th_dir *fx = *state;
	char *a = cubo_path_join(fx->dir, "a"), *leaf = cubo_path_join(fx->dir, "a/b");
	struct oci_cpu c = {.has_shares = true, .shares = 1024, .has_quota = true, .quota = 20000};
	struct oci_hugepage_limit hl = {.page_size = "2MB", .limit = 2097152};
	struct oci_kv kv[] = {{"cgroup.max.depth", "3"}};
	struct oci_resources res = {
		.cpu = &c, .hugepage_limits = &hl, .n_hugepage_limits = 1, .unified = {kv, 1}};

	(void)state;
	th_put(fx->dir, "cgroup.controllers", "cpu memory hugetlb");
	/* the top is not ours: it already passes every controller down */
	th_put(fx->dir, "cgroup.subtree_control", "memory cpu hugetlb");
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(mkdir(leaf, 0755), 0);
	th_put(a, "cgroup.controllers", "memory cpu hugetlb");
	th_put(a, "cgroup.subtree_control", "memory");
	th_put(leaf, "cgroup.controllers", "memory");
	th_put(leaf, "cgroup.subtree_control", "");
	th_put(leaf, "cpu.weight", "");
	th_put(leaf, "cpu.max", "");
	th_put(leaf, "hugetlb.2MB.max", "");
	th_put(leaf, "cgroup.max.depth", "");
	assert_null(cgroup_v2_apply(leaf, 2, &res));
	assert_file(leaf, "cpu.weight", "39");
	assert_file(leaf, "cpu.max", "20000");
	assert_file(leaf, "hugetlb.2MB.max", "2097152");
	assert_file(leaf, "cgroup.max.depth", "3");
	/* The last write to a fake file wins: cpu and hugetlb were both enabled in a. */
	assert_file(fx->dir, "cgroup.subtree_control", "memory cpu hugetlb");
	assert_file(a, "cgroup.subtree_control", "+hugetlb");
	/* Only a, created by us, may be written: the top must pass hugetlb down itself. */
	th_put(fx->dir, "cgroup.subtree_control", "memory cpu");
	th_put(a, "cgroup.subtree_control", "memory");
	{
		struct oci_resources only_huge = {.hugepage_limits = &hl, .n_hugepage_limits = 1};
		struct cubo_error *err = cgroup_v2_apply(leaf, 1, &only_huge);

		assert_non_null(err);
		assert_non_null(strstr(err->msg, "did not create"));
		assert_file(a, "cgroup.subtree_control", "memory");
		cubo_error_free(err);
		/* a is ours too, but its parent does not pass hugetlb down: the parent is named */
		th_put(a, "cgroup.controllers", "memory cpu");
		err = cgroup_v2_apply(leaf, 2, &only_huge);
		assert_non_null(err);
		assert_non_null(strstr(err->msg, "did not create"));
		assert_non_null(strstr(err->msg, fx->dir));
		assert_file(a, "cgroup.subtree_control", "memory");
		cubo_error_free(err);
	}
	free(a);
	free(leaf);
}

static void test_v2_refusals(void **state)
{
	struct th_dir *fx = *state;
	struct oci_kv bad[] = {{"../cgroup.procs", "1"}}, slash[] = {{"x/memory.max", "1"}};
	struct oci_kv unknown[] = {{"foo.bar", "1"}};
	struct oci_memory m = {.has_swappiness = true, .swappiness = 1};
	struct oci_resources r1 = {.unified = {bad, 1}}, r2 = {.unified = {slash, 1}},
			     r3 = {.memory = &m}, r4 = {.unified = {unknown, 1}};

	th_expect_msg(cgroup_v2_apply(fx->dir, 1, &r1), "is not a cgroup file name");
	th_expect_failure(cgroup_v2_apply(fx->dir, 1, &r2));
	/* v2 has no swappiness: ignored (runc's rule), nothing written, no controller needed */
	{
		struct cgroup_plan p = {0};
		char **enable = NULL;

		assert_null(cgroup_v2_plan(fx->dir, &r3, &p, &enable));
		assert_int_equal(p.n, 0);
		assert_null(enable);
		cgroup_plan_free(&p);
	}
	/* A controller no ancestor offers. */
	th_put(fx->dir, "cgroup.controllers", "cpu");
	th_put(fx->dir, "cgroup.subtree_control", "");
	{
		char *leaf = cubo_path_join(fx->dir, "c");

		assert_int_equal(mkdir(leaf, 0755), 0);
		th_expect_msg(cgroup_v2_apply(leaf, 1, &r4), "foo controller is not available");
		free(leaf);
	}
}

/* A fake single-hierarchy layout rooted in the fixture directory. */
static void fake_layout(struct th_dir *fx, struct cgroup_layout *l, struct cgroup_hierarchy *h,
			char *own)
{
	h->key = "pids";
	h->mount_point = fx->dir;
	h->own_dir = own;
	h->mount_root = "/";
	h->v2 = false;
	l->mode = CGROUP_MODE_V1;
	l->h = h;
	l->n = 1;
}

/* An empty cpuset above the container, made by someone else, is filled from the nearest full one.
 */
static void test_empty_cpuset_parents_filled(void **state)
{
	struct th_dir *fx = *state;
	struct cgroup_hierarchy h = {0};
	struct cgroup_layout l;
	struct cgroup_set *s;
	char *own = cubo_path_join(fx->dir, "own"), *grp = cubo_path_join(own, "grp");
	char *ctr = cubo_path_join(grp, "c1");

	/* real cgroupfs makes the files with each directory: here the test does */
	th_put(fx->dir, "cpuset.cpus", "0-1\n");
	th_put(fx->dir, "cpuset.mems", "0\n");
	assert_int_equal(mkdir(own, 0755), 0);
	th_put(own, "cpuset.cpus", "1\n");
	th_put(own, "cpuset.mems", "0\n");
	assert_int_equal(mkdir(grp, 0755), 0);
	th_put(grp, "cpuset.cpus", "\n");
	th_put(grp, "cpuset.mems", "\n");
	assert_int_equal(mkdir(ctr, 0755), 0);
	th_put(ctr, "cpuset.cpus", "");
	th_put(ctr, "cpuset.mems", "");
	fake_layout(fx, &l, &h, own);
	h.key = "cpuset";
	assert_null(cgroup_set_create(&l, "grp/c1", "c1", NULL, &s));
	/* from the nearest ancestor with values (own), not from the root */
	assert_file(grp, "cpuset.cpus", "1\n");
	assert_file(grp, "cpuset.mems", "0\n");
	assert_file(ctr, "cpuset.cpus", "1\n");
	assert_file(own, "cpuset.cpus", "1\n");
	cgroup_set_free(s);
	free(ctr);
	free(grp);
	free(own);
}

static void test_set_create_destroy(void **state)
{
	struct th_dir *fx = *state;
	char *own = cubo_path_join(fx->dir, "own");
	struct cgroup_hierarchy h = {0};
	struct cgroup_layout l;
	struct cgroup_set *s;
	struct oci_pids pids = {.limit = 5};
	struct oci_resources res = {.pids = &pids};
	char *made;

	assert_int_equal(mkdir(own, 0755), 0);
	fake_layout(fx, &l, &h, own);
	assert_null(cgroup_set_create(&l, "grp/c1", "c1", NULL, &s));
	assert_int_equal(s->n, 1);
	assert_true(s->d[0].made);
	assert_int_equal(s->d[0].made_depth, 2);
	made = cubo_path_join(own, "grp/c1");
	assert_string_equal(s->d[0].path, made);
	assert_true(cubo_path_exists(made));
	assert_null(cgroup_set_destroy(s));
	assert_false(cubo_path_exists(made));
	free(made);
	made = cubo_path_join(own, "grp");
	assert_false(cubo_path_exists(made));
	assert_true(cubo_path_exists(own));
	free(made);
	cgroup_set_free(s);

	/* A resource whose file is missing: the error names it and nothing stays behind. */
	th_expect_msg(cgroup_set_create(&l, NULL, "c2", &res, &s),
		      "linux.resources.pids.limit: ", "pids.max does not exist");
	made = cubo_path_join(own, "c2");
	assert_false(cubo_path_exists(made));
	free(made);

	/* A network value with no net_cls hierarchy is refused, not dropped. */
	{
		struct oci_network net = {.has_class_id = true, .class_id = 1};
		struct oci_resources rn = {.network = &net};

		th_expect_msg(cgroup_set_create(&l, NULL, "c3", &rn, &s),
			      "net_cls controller is not mounted");
	}
	free(own);
}

static void test_set_freeze_pids_load(void **state)
{
	struct th_dir *fx = *state;
	char *fr = cubo_path_join(fx->dir, "freezer"), *pd = cubo_path_join(fx->dir, "pids");
	char *sub = cubo_path_join(pd, "sub"), *line1, *line2, *rec;
	char *lines[3];
	struct oci_strlist l = {lines, 2};
	struct cgroup_set *s;
	pid_t *pids;
	size_t n;

	assert_int_equal(mkdir(fr, 0755), 0);
	assert_int_equal(mkdir(pd, 0755), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	th_put(fr, "freezer.state", "THAWED\n");
	th_put(pd, "cgroup.procs", "10\n11\n");
	th_put(sub, "cgroup.procs", "12\n");
	assert_true(asprintf(&line1, "freezer=%s=made", fr) > 0);
	assert_true(asprintf(&line2, "pids=%s=made", pd) > 0);
	lines[0] = line1;
	lines[1] = line2;
	lines[2] = NULL;
	assert_null(cgroup_set_from_strlist(&l, &s));
	assert_false(cgroup_set_is_frozen(s));
	assert_false(cgroup_paths_frozen(&l));
	/* A regular file reads back what was written: the state is reached at once. */
	assert_null(cgroup_set_freeze(s, true));
	assert_file(fr, "freezer.state", "FROZEN");
	assert_true(cgroup_set_is_frozen(s));
	assert_true(cgroup_paths_frozen(&l));
	assert_null(cgroup_set_freeze(s, false));
	assert_file(fr, "freezer.state", "THAWED");
	/* The pids hierarchy, sub-cgroups included. */
	assert_null(cgroup_set_pids(s, &pids, &n));
	assert_int_equal(n, 3);
	assert_int_equal(pids[0], 10);
	assert_int_equal(pids[2], 12);
	free(pids);
	cgroup_set_free(s);

	/* Without paths in state.json, the record file of the state directory is read. */
	rec = cubo_path_join(fx->dir, CGROUP_RECORD_FILE);
	th_put(fx->dir, CGROUP_RECORD_FILE, "");
	{
		FILE *f = fopen(rec, "w");

		assert_non_null(f);
		fprintf(f, "%s\n%s\n", line1, line2);
		fclose(f);
	}
	assert_null(cgroup_set_load(fx->dir, NULL, &s));
	assert_int_equal(s->n, 2);
	assert_string_equal(s->d[1].path, pd);
	assert_true(s->d[1].made);
	cgroup_set_free(s);
	unlink(rec);
	assert_null(cgroup_set_load(fx->dir, NULL, &s));
	assert_int_equal(s->n, 0);
	assert_null(cgroup_set_destroy(s));
	cgroup_set_free(s);
	free(rec);
	free(line1);
	free(line2);
	free(fr);
	free(pd);
	free(sub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_hybrid),
		cmocka_unit_test(test_layout_v2_and_v1),
		cmocka_unit_test(test_layout_errors),
		cmocka_unit_test(test_layout_detect_here),
		cmocka_unit_test(test_container_dir),
		cmocka_unit_test(test_container_dir_v2),
		cmocka_unit_test(test_strlist_round_trip),
		cmocka_unit_test(test_strlist_unit),
		cmocka_unit_test(test_strlist_errors),
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_device_rules),
		cmocka_unit_test_setup_teardown(test_plan_run_batches_one_file, setup,
						th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_v1_memory_order_and_missing_file, setup,
						th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_v1_other_controllers, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_v2_plan_and_enable, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_v2_refusals, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_set_create_destroy, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_set_freeze_pids_load, setup, th_dir_teardown),
		cmocka_unit_test_setup_teardown(test_empty_cpuset_parents_filled, setup,
						th_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
