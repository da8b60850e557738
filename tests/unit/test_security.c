/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/security.c */
/* security: CPU/node lists and the create-time checks of process attributes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-runc/security.h"
#include "tests/unit/helpers.h"

static void test_cpu_lists(void **state)
{
	unsigned long mask[16];
	struct cubo_error *err;

	(void)state;
	assert_null(security_parse_cpu_list("0-3,7,64", mask, 1024));
	assert_int_equal(mask[0], 0x8fUL);
	assert_int_equal(mask[1], 1UL);
	assert_null(security_parse_cpu_list("1023", mask, 1024));
	assert_int_equal(mask[15], 1UL << 63);
	const char *bad[] = {"", "x", "3-1", "1-", "1,,2", "1024", "0-2000", "1;2"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = security_parse_cpu_list(bad[i], mask, 1024);
		if (!err)
			fail_msg("\"%s\" was accepted", bad[i]);
		cubo_error_free(err);
	}
}

static void expect_refused(const struct oci_process *p, const struct oci_linux *lx,
			   const struct security_host *host, const char *want)
{
	th_expect_msg(security_check(p, lx, host), want);
}

static void test_checks(void **state)
{
	struct security_host none = {0}, all = {.apparmor = true, .selinux = true, .resctrl = true};
	struct oci_scheduler sched = {.policy = "SCHED_FIFO", .has_nice = true, .nice = 30};
	struct oci_io_priority io = {.klass = "IOPRIO_CLASS_BE", .priority = 9};
	char *pflags[] = {"PER_WHATEVER", NULL};
	struct oci_personality pers = {.domain = "LINUX32", .flags = {pflags, 1}};
	char *mflags[] = {"MPOL_F_STATIC_NODES", "MPOL_F_BOGUS", NULL};
	struct oci_memory_policy mp = {.mode = "MPOL_BIND", .nodes = "0", .flags = {mflags, 2}};
	struct oci_intel_rdt rdt = {.clos_id = "c"};
	struct oci_process p = {.apparmor_profile = "prof"};
	struct oci_linux lx = {0};

	(void)state;
	expect_refused(&p, NULL, &none,
		       "process.apparmorProfile \"prof\": AppArmor is not enabled");
	assert_null(security_check(&p, NULL, &all));
	p = (struct oci_process){.selinux_label = "system_u:system_r:container_t:s0"};
	expect_refused(&p, NULL, &none, "process.selinuxLabel");
	p = (struct oci_process){.scheduler = &sched};
	expect_refused(&p, NULL, &all, "process.scheduler.nice: 30 is not in -20..19");
	sched.policy = "SCHED_SOMETIMES";
	expect_refused(&p, NULL, &all, "unknown policy \"SCHED_SOMETIMES\"");
	p = (struct oci_process){.io_priority = &io};
	expect_refused(&p, NULL, &all, "process.ioPriority.priority: 9 is not in 0..7");
	io.priority = 4;
	assert_null(security_check(&p, NULL, &all));

	lx.personality = &pers;
	expect_refused(NULL, &lx, &all,
		       "linux.personality.flags[0]: unknown flag \"PER_WHATEVER\"");
	pers.flags.n = 0;
	assert_null(security_check(NULL, &lx, &all));
	lx = (struct oci_linux){.memory_policy = &mp};
	expect_refused(NULL, &lx, &all,
		       "linux.memoryPolicy.flags[1]: unknown flag \"MPOL_F_BOGUS\"");
	mp.flags.n = 1;
	assert_null(security_check(NULL, &lx, &all));
	mp.nodes = "0-";
	expect_refused(NULL, &lx, &all, "linux.memoryPolicy.nodes");
	lx = (struct oci_linux){.intel_rdt = &rdt};
	expect_refused(NULL, &lx, &none, "linux.intelRdt: resctrl is not mounted");
	expect_refused(NULL, &lx, &all, "linux.intelRdt: not supported");
	lx = (struct oci_linux){.mount_label = "x"};
	expect_refused(NULL, &lx, &none, "linux.mountLabel: SELinux is not enabled");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_lists),
		cmocka_unit_test(test_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
