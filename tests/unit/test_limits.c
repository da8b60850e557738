/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/limits.c (update's resource flags) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/container/limits.h"
#include "shared/strv.h"
#include "spec/config.h"
#include "tests/unit/helpers.h"

/* the runtime flags of l, space-separated */
static char *runtime_args(const struct ctr_limits *l)
{
	char **args = ctr_limits_runtime_args(l);
	size_t len = 1;
	for (size_t i = 0; args && args[i]; i++)
		len += strlen(args[i]) + 1;
	char *s = calloc(1, len);
	for (size_t i = 0; args && args[i]; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, args[i]);
	}
	cubo_strv_free(args);
	return s;
}

static struct cubo_error *parse(struct ctr_limits_flags *f, struct ctr_limits *l)
{
	bool any;
	return ctr_limits_parse(f, 4, l, &any);
}

static void test_parse(void **state)
{
	(void)state;
	struct ctr_limits_flags f;
	struct ctr_limits l;
	bool any = true;
	ctr_limits_flags_init(&f);
	assert_null(ctr_limits_parse(&f, 4, &l, &any));
	assert_false(any);
	f.memory = "96m";
	f.cpus = "0.5";
	f.pids_limit = 0;
	assert_null(ctr_limits_parse(&f, 4, &l, &any));
	assert_true(any);
	assert_true(l.has_memory);
	assert_int_equal(l.memory, 96 << 20);
	assert_int_equal(l.cpu_quota, 50000);
	assert_int_equal(l.cpu_period, 100000);
	assert_true(l.has_nano_cpus); /* inspect's NanoCpus */
	assert_int_equal(l.nano_cpus, 500000000);
	assert_int_equal(l.pids, -1);
	char *joined = runtime_args(&l);
	assert_string_equal(joined, "--memory 100663296 --cpu-period 100000 --cpu-quota 50000 "
				    "--pids-limit -1");
	free(joined);

	/* zeros change nothing, as in docker */
	ctr_limits_flags_init(&f);
	f.cpu_shares = 0;
	f.memory = "0";
	f.memory_reservation = "0";
	f.blkio_weight = 0;
	assert_null(ctr_limits_parse(&f, 4, &l, &any));
	assert_false(any);
	ctr_limits_flags_init(&f);
	f.cpus = "1";
	f.cpu_quota = 5000;
	th_expect_msg(parse(&f, &l), "conflicting options");
	ctr_limits_flags_init(&f);
	f.memory = "1m";
	th_expect_msg(parse(&f, &l), "--memory 1m: the minimum memory limit is 6MB");
	ctr_limits_flags_init(&f);
	f.memory_reservation = "2m";
	th_expect_msg(parse(&f, &l), "minimum memory reservation is 6MB");
	ctr_limits_flags_init(&f);
	f.cpu_period = 999;
	th_expect_msg(parse(&f, &l), "--cpu-period 999");
	ctr_limits_flags_init(&f);
	f.cpu_quota = 10;
	th_expect_msg(parse(&f, &l), "--cpu-quota 10");
	ctr_limits_flags_init(&f);
	f.blkio_weight = 1001;
	th_expect_msg(parse(&f, &l), "range of blkio weight is from 10 to 1000");
	ctr_limits_flags_init(&f);
	f.pids_limit = -2;
	th_expect_msg(parse(&f, &l), "--pids-limit -2");
	ctr_limits_flags_init(&f);
	f.cpu_shares = -1;
	th_expect_msg(parse(&f, &l), "--cpu-shares -1");
	ctr_limits_flags_init(&f);
	f.cpuset_cpus = "2-1";
	th_expect_msg(parse(&f, &l), "--cpuset-cpus");
	ctr_limits_flags_init(&f);
	f.cpus = "9";
	th_expect_msg(parse(&f, &l), "--cpus");
}

/* l from flags that must parse */
static struct ctr_limits limits(const char *memory, const char *swap, const char *resv)
{
	struct ctr_limits_flags f;
	struct ctr_limits l;
	ctr_limits_flags_init(&f);
	f.memory = memory;
	f.memory_swap = swap;
	f.memory_reservation = resv;
	assert_null(parse(&f, &l));
	return l;
}

static void test_apply(void **state)
{
	(void)state;
	struct oci_resources *res = NULL;
	struct ctr_limits l = limits("64m", "128m", "32m");
	assert_null(ctr_limits_apply(&l, &res));
	assert_non_null(res);
	assert_int_equal(res->memory->limit, 64 << 20);
	assert_int_equal(res->memory->swap, 128 << 20);
	assert_int_equal(res->memory->reservation, 32 << 20);
	/* memory below the reservation */
	l = limits("16m", NULL, NULL);
	th_expect_msg(ctr_limits_apply(&l, &res), "Minimum memory limit can not be less than "
						  "memory reservation limit");
	/* above the memory+swap already set, without a new one */
	l = limits("256m", NULL, NULL);
	th_expect_msg(ctr_limits_apply(&l, &res), "Memory limit should be smaller than already "
						  "set memoryswap limit");
	l = limits(NULL, "48m", NULL);
	th_expect_msg(ctr_limits_apply(&l, &res), "Minimum memoryswap limit should be larger");
	/* nothing changed by the failures */
	assert_int_equal(res->memory->limit, 64 << 20);
	assert_int_equal(res->memory->swap, 128 << 20);
	l = limits("256m", "512m", NULL);
	assert_null(ctr_limits_apply(&l, &res));
	assert_int_equal(res->memory->limit, 256 << 20);
	assert_int_equal(res->memory->swap, 512 << 20);
	oci_resources_free(res);

	/* swap without any memory limit */
	res = NULL;
	l = limits(NULL, "-1", NULL);
	th_expect_msg(ctr_limits_apply(&l, &res), "You should always set the Memory limit");
	assert_null(res);

	/* CPU, pids and blkio land in their sections; -1 quota drops the limit */
	struct ctr_limits_flags f;
	ctr_limits_flags_init(&f);
	f.cpus = "1.5";
	f.cpu_shares = 512;
	f.cpuset_cpus = "0";
	f.pids_limit = 100;
	f.blkio_weight = 300;
	assert_null(parse(&f, &l));
	assert_null(ctr_limits_apply(&l, &res));
	assert_true(res->cpu->has_quota);
	assert_int_equal(res->cpu->quota, 150000);
	assert_int_equal(res->cpu->shares, 512);
	assert_string_equal(res->cpu->cpus, "0");
	assert_int_equal(res->pids->limit, 100);
	assert_int_equal(res->block_io->weight, 300);
	char *joined = runtime_args(&l);
	assert_string_equal(joined, "--cpu-period 100000 --cpu-quota 150000 --cpu-share 512 "
				    "--cpuset-cpus 0 --pids-limit 100 --blkio-weight 300");
	free(joined);
	ctr_limits_flags_init(&f);
	f.cpu_quota = -1;
	assert_null(parse(&f, &l));
	assert_null(ctr_limits_apply(&l, &res));
	assert_false(res->cpu->has_quota);
	oci_resources_free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_apply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
