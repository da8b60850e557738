/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/builder/build_net.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/builder/build_net.h"

static void test_modes(void **state)
{
	struct build_net n;
	/* the default: the bridge, a namespace of the build's made when a RUN needs it */
	const char *bridge[] = {"default", "bridge"};
	for (size_t i = 0; i < 2; i++) {
		assert_null(build_net_init(&n, bridge[i]));
		assert_int_equal(n.mode, BUILD_NET_CNI);
		assert_string_equal(n.network, "bridge");
		assert_true(build_net_pending(&n));
		assert_null(n.netns);
		assert_null(n.hosts);
		assert_int_equal(n.fd, -1);
		/* nothing started: finishing is a no-op, and no keeper owns anything */
		assert_false(build_net_finish(&n));
		build_net_free(&n);
	}
	assert_null(build_net_init(&n, "my-net.1"));
	assert_int_equal(n.mode, BUILD_NET_CNI);
	assert_string_equal(n.network, "my-net.1");
	build_net_free(&n);
	/* host: the host's files, nothing to start */
	assert_null(build_net_init(&n, "host"));
	assert_int_equal(n.mode, BUILD_NET_HOST);
	assert_false(build_net_pending(&n));
	assert_null(n.netns);
	assert_string_equal(n.hosts, "/etc/hosts");
	assert_string_equal(n.resolv, "/etc/resolv.conf");
	assert_null(build_net_wait_up(&n));
	build_net_free(&n);
	/* none: a namespace per step, made by the runtime; no files bound */
	assert_null(build_net_init(&n, "none"));
	assert_int_equal(n.mode, BUILD_NET_NONE);
	assert_false(build_net_pending(&n));
	assert_null(n.hosts);
	assert_null(n.resolv);
	build_net_free(&n);
}

static void test_bad_names(void **state)
{
	const char *bad[] = {"", "a b", "../x", "-x", "a/b", "x\ny"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct build_net n;
		struct cubo_error *err = build_net_init(&n, bad[i]);
		assert_non_null(err);
		char *text = cubo_error_text(err);
		if (!strstr(text, "--network"))
			fail_msg("\"%s\" does not name the flag", text);
		free(text);
		cubo_error_free(err);
		build_net_free(&n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_bad_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
