/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/net/usernet.c (what needs no pasta: modes, -p checks, stopping) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/net/usernet.h"
#include "shared/fs.h"
#include "shared/xalloc.h"
#include "tests/unit/helpers.h"

static void test_modes(void **state)
{
	(void)state;
	assert_true(usernet_is_mode("pasta"));
	assert_true(usernet_is_mode("slirp4netns"));
	assert_false(usernet_is_mode("cubo"));
	assert_false(usernet_is_mode("host"));
	assert_false(usernet_is_mode(NULL));
	assert_string_equal(usernet_dns("pasta"), "169.254.1.1");
	assert_string_equal(usernet_dns("slirp4netns"), "10.0.2.3");
	const char *mode = NULL;
	th_expect_msg(usernet_choose("mynet", false, &mode),
		      "network \"mynet\": a rootless manager has no user networks yet");
}

static void test_ports(void **state)
{
	(void)state;
	struct ctr_port_spec ok[] = {{"127.0.0.1", 18080, 80, "tcp"}, {"", 0, 53, "udp"}};
	assert_null(usernet_check_ports("pasta", ok, 2));
	assert_null(usernet_check_ports("slirp4netns", ok, 0));
	th_expect_msg(usernet_check_ports("slirp4netns", ok, 1),
		      "--network slirp4netns publishes no ports yet");
	struct ctr_port_spec v6 = {"::1", 18080, 80, "tcp"};
	th_expect_msg(usernet_check_ports("pasta", &v6, 1), "IPv4 addresses only");
	struct ctr_port_spec sctp = {"", 18080, 80, "sctp"};
	th_expect_msg(usernet_check_ports("pasta", &sctp, 1), "pasta forwards tcp and udp only");
	unsigned start = usernet_unprivileged_port_start();
	if (start > 1) {
		struct ctr_port_spec low = {"127.0.0.1", (uint16_t)(start - 1), 80, "tcp"};
		char want[160];
		snprintf(want, sizeof(want),
			 "host port %u is privileged: a rootless manager may publish ports from "
			 "net.ipv4.ip_unprivileged_port_start (%u) up",
			 start - 1, start);
		th_expect_msg(usernet_check_ports("pasta", &low, 1), want);
	}
}

/* A pid file naming a process that is not one of the tools: nothing is signalled. */
static void test_down_spares_others(void **state)
{
	(void)state;
	char dir[] = "/tmp/test-usernet-XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_null(usernet_down(dir)); /* none started */
	char *pidfile = cubo_path_join(dir, "usernet.pid"), text[24];
	int n = snprintf(text, sizeof(text), "%d\n", (int)getpid());
	assert_null(cubo_write_file_replace(pidfile, text, (size_t)n, 0600));
	assert_null(usernet_down(dir));
	/* still here, and the file is gone */
	assert_false(cubo_path_exists(pidfile));
	free(pidfile);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_down_spares_others),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
