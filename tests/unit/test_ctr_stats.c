/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/stats.c cubo-mgr/container/stats_read.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/container/stats.h"
#include "cubo-mgr/container/stats_read.h"

#define MiB (1024ULL * 1024)
#define GiB (1024 * MiB)

/* what cubo-runc events --stats prints on a v1 host (cut down) */
static const char v1_event[] =
	"{\"type\":\"stats\",\"id\":\"c1\",\"data\":{"
	"\"cpu\":{\"usage\":{\"total\":2500000000,\"percpu\":[0,2500000000]}},"
	"\"memory\":{\"usage\":{\"limit\":268435456,\"usage\":73400320,\"max\":73400320},"
	"\"raw\":{\"inactive_file\":999,\"total_inactive_file\":4194304,\"cache\":1}},"
	"\"pids\":{\"current\":4},"
	"\"blkio\":{\"ioServiceBytesRecursive\":["
	"{\"major\":8,\"minor\":0,\"op\":\"Read\",\"value\":1000},"
	"{\"major\":8,\"minor\":0,\"op\":\"Write\",\"value\":2048},"
	"{\"major\":8,\"minor\":16,\"op\":\"Read\",\"value\":200},"
	"{\"major\":8,\"minor\":0,\"op\":\"Total\",\"value\":3048}]}}}";

/* v2: "max" memory is 2^64-1, the cache key has no total_, runc's lower-case ops */
static const char v2_event[] =
	"{\"type\":\"stats\",\"id\":\"c2\",\"data\":{"
	"\"cpu\":{\"usage\":{\"total\":10}},"
	"\"memory\":{\"usage\":{\"limit\":18446744073709551615,\"usage\":8388608},"
	"\"raw\":{\"inactive_file\":1048576}},"
	"\"pids\":{\"current\":1},"
	"\"blkio\":{\"ioServiceBytesRecursive\":["
	"{\"major\":254,\"minor\":0,\"op\":\"read\",\"value\":5},"
	"{\"major\":254,\"minor\":0,\"op\":\"write\",\"value\":7}]}}}";

static void parse_v1(void **state)
{
	(void)state;
	struct ctr_stats_sample s = {0};
	assert_null(ctr_stats_parse_event(v1_event, strlen(v1_event), &s));
	assert_int_equal(s.cpu_ns, 2500000000ULL);
	assert_int_equal(s.mem_usage, 73400320);
	assert_int_equal(s.mem_inactive_file, 4194304);
	assert_int_equal(s.mem_limit, 268435456);
	assert_int_equal(s.pids, 4);
	assert_int_equal(s.blk_read, 1200);
	assert_int_equal(s.blk_write, 2048);
}

static void parse_v2(void **state)
{
	(void)state;
	struct ctr_stats_sample s = {0};
	assert_null(ctr_stats_parse_event(v2_event, strlen(v2_event), &s));
	assert_true(s.mem_limit == UINT64_MAX);
	assert_int_equal(s.mem_inactive_file, 1048576);
	assert_int_equal(s.blk_read, 5);
	assert_int_equal(s.blk_write, 7);
	assert_int_equal(s.cpu_ns, 10);
}

/* runc leaves zero fields out: absent is zero, not an error */
static void parse_sparse(void **state)
{
	(void)state;
	static const char text[] = "{\"type\":\"stats\",\"id\":\"c\",\"data\":{}}";
	struct ctr_stats_sample s = {.pids = 9};
	assert_null(ctr_stats_parse_event(text, strlen(text), &s));
	assert_int_equal(s.pids, 0);
	assert_int_equal(s.mem_usage, 0);
	assert_int_equal(s.blk_read, 0);
}

static void expect_error(const char *text, const char *needle)
{
	struct ctr_stats_sample s = {0};
	struct cubo_error *err = ctr_stats_parse_event(text, strlen(text), &s);
	assert_non_null(err);
	char *msg = cubo_error_text(err);
	if (!strstr(msg, needle))
		fail_msg("\"%s\" does not say \"%s\"", msg, needle);
	free(msg);
	cubo_error_free(err);
}

static void parse_bad(void **state)
{
	(void)state;
	expect_error("not json", "the runtime's stats");
	expect_error("{\"type\":\"stats\"}", "data: expected an object");
	expect_error("{\"data\":{\"pids\":{\"current\":-1}}}", "data.pids.current");
	expect_error("{\"data\":{\"pids\":{\"current\":\"4\"}}}", "data.pids.current");
	expect_error("{\"data\":{\"cpu\":{\"usage\":{\"total\":1.5}}}}", "data.cpu.usage.total");
	expect_error("{\"data\":{\"memory\":{\"usage\":{\"usage\":99999999999999999999999}}}}",
		     "data.memory.usage.usage");
	expect_error("{\"data\":{\"blkio\":{\"ioServiceBytesRecursive\":{}}}}",
		     "expected an array");
	expect_error("{\"data\":{\"blkio\":{\"ioServiceBytesRecursive\":[{\"value\":1}]}}}",
		     "ioServiceBytesRecursive[0]");
	expect_error("{\"data\":{\"blkio\":{\"ioServiceBytesRecursive\":[{\"op\":\"Read\","
		     "\"value\":true}]}}}",
		     "value");
}

static const char net_dev[] =
	"Inter-|   Receive                                                |  Transmit\n"
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
	"errs drop fifo colls carrier compressed\n"
	"    lo:  123456     100    0    0    0     0          0         0   123456     100 "
	"   0    0    0     0       0          0\n"
	"  eth0:    1200      10    0    0    0     0          0         0      648       8 "
	"   0    0    0     0       0          0\n"
	"  eth1:      34       1    0    0    0     0          0         0        2       1 "
	"   0    0    0     0       0          0\n";

static void net_sums_but_lo(void **state)
{
	(void)state;
	uint64_t rx, tx;
	assert_null(ctr_stats_parse_net_dev(net_dev, &rx, &tx));
	assert_int_equal(rx, 1234);
	assert_int_equal(tx, 650);
	/* only lo: nothing */
	static const char only_lo[] = "h1\nh2\n  lo: 5 0 0 0 0 0 0 0 7 0 0 0 0 0 0 0\n";
	assert_null(ctr_stats_parse_net_dev(only_lo, &rx, &tx));
	assert_int_equal(rx, 0);
	assert_int_equal(tx, 0);
}

static void net_bad(void **state)
{
	(void)state;
	uint64_t rx, tx;
	static const char *const bad[] = {
		"one header only\n",
		"h1\nh2\neth0 1 2 3\n",
		"h1\nh2\neth0: 1 2 3\n",
		"h1\nh2\neth0: -1 0 0 0 0 0 0 0 0\n",
		"h1\nh2\neth0: x 0 0 0 0 0 0 0 0\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct cubo_error *err = ctr_stats_parse_net_dev(bad[i], &rx, &tx);
		if (!err)
			fail_msg("accepted: %s", bad[i]);
		cubo_error_free(err);
	}
	char *longline = calloc(1, 4096);
	strcpy(longline, "h1\nh2\n");
	memset(longline + 6, 'a', 2000);
	struct cubo_error *err = ctr_stats_parse_net_dev(longline, &rx, &tx);
	assert_non_null(err);
	cubo_error_free(err);
	free(longline);
}

static void sizes(void **state)
{
	(void)state;
	char b[32];
	static const struct {
		uint64_t n;
		const char *bin, *dec;
	} cases[] = {
		{0, "0B", "0B"},
		{648, "648B", "648B"},
		{1200, "1.172KiB", "1.2kB"},
		{64 * MiB, "64MiB", "67.1MB"},
		{256 * MiB, "256MiB", "268MB"},
		{24 * GiB, "24GiB", "25.8GB"},
		{1023, "1023B", "1.02kB"},
		{UINT64_MAX, "16EiB", "18.4EB"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		ctr_stats_binary_size(cases[i].n, b, sizeof(b));
		assert_string_equal(b, cases[i].bin);
		ctr_stats_decimal_size(cases[i].n, b, sizeof(b));
		assert_string_equal(b, cases[i].dec);
	}
}

static void row_figures(void **state)
{
	(void)state;
	struct ctr_stats_sample a = {.cpu_ns = 1000000000, .when_ns = 5000000000};
	struct ctr_stats_sample b = {
		.cpu_ns = 1250000000,
		.when_ns = 5500000000,
		.mem_usage = 68 * MiB,
		.mem_inactive_file = 4 * MiB,
		.mem_limit = 256 * MiB,
		.net_rx = 1200,
		.net_tx = 648,
		.blk_read = 0,
		.blk_write = 4096,
		.pids = 3,
	};
	struct ctr_stats_row r;
	ctr_stats_row(&a, &b, 24 * GiB, &r);
	/* 0.25 s of CPU in 0.5 s */
	assert_string_equal(r.cpu, "50.00%");
	assert_string_equal(r.mem, "64MiB / 256MiB");
	assert_string_equal(r.mem_pct, "25.00%");
	assert_string_equal(r.net, "1.2kB / 648B");
	assert_string_equal(r.block, "0B / 4.1kB");
	assert_string_equal(r.pids, "3");
	/* no limit: the host's memory; no sample before: 0% */
	b.mem_limit = 9223372036854771712ULL;
	ctr_stats_row(NULL, &b, 24 * GiB, &r);
	assert_string_equal(r.cpu, "0.00%");
	assert_string_equal(r.mem, "64MiB / 24GiB");
	assert_string_equal(r.mem_pct, "0.26%");
	/* a cache larger than the usage (races between the files) leaves the usage */
	b.mem_inactive_file = 100 * MiB;
	ctr_stats_row(NULL, &b, 24 * GiB, &r);
	assert_string_equal(r.mem, "68MiB / 24GiB");
	/* a counter that went back (a restarted container) is no negative rate */
	ctr_stats_row(&b, &a, 24 * GiB, &r);
	assert_string_equal(r.cpu, "0.00%");
}

static void row_stopped(void **state)
{
	(void)state;
	struct ctr_stats_row r;
	ctr_stats_row(NULL, NULL, 24 * GiB, &r);
	assert_string_equal(r.cpu, "0.00%");
	assert_string_equal(r.mem, "0B / 0B");
	assert_string_equal(r.mem_pct, "0.00%");
	assert_string_equal(r.net, "0B / 0B");
	assert_string_equal(r.block, "0B / 0B");
	assert_string_equal(r.pids, "0");
}

static void expect_dir(const char *init_dir, const char *want)
{
	char *got = ctr_stats_cgroup_dir(init_dir, "abc123");
	if (!want)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(got);
}

/* the container's own cgroup, however deep its init moved, and nothing else */
static void cgroup_dir(void **state)
{
	(void)state;
	expect_dir("/sys/fs/cgroup/memory/user/cubo-abc123",
		   "/sys/fs/cgroup/memory/user/cubo-abc123");
	expect_dir("/sys/fs/cgroup/memory/cubo-abc123/hide/deeper",
		   "/sys/fs/cgroup/memory/cubo-abc123");
	expect_dir("/sys/fs/cgroup/machine.slice/cubo-abc123.scope",
		   "/sys/fs/cgroup/machine.slice/cubo-abc123.scope");
	expect_dir("/sys/fs/cgroup/machine.slice/cubo-abc123.scope/init.scope",
		   "/sys/fs/cgroup/machine.slice/cubo-abc123.scope");
	/* another container's (a longer ID), or a process elsewhere: a reused pid */
	expect_dir("/sys/fs/cgroup/memory/cubo-abc1234", NULL);
	expect_dir("/sys/fs/cgroup/memory/cubo-abc123.scopex", NULL);
	expect_dir("/sys/fs/cgroup/memory/xcubo-abc123", NULL);
	expect_dir("/sys/fs/cgroup/memory/user.slice", NULL);
	expect_dir("/sys/fs/cgroup/memory/cubo-abc1234/cubo-abc123/x",
		   "/sys/fs/cgroup/memory/cubo-abc1234/cubo-abc123");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_v1),	   cmocka_unit_test(parse_v2),
		cmocka_unit_test(parse_sparse),	   cmocka_unit_test(parse_bad),
		cmocka_unit_test(net_sums_but_lo), cmocka_unit_test(net_bad),
		cmocka_unit_test(sizes),	   cmocka_unit_test(row_figures),
		cmocka_unit_test(row_stopped),	   cmocka_unit_test(cgroup_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
