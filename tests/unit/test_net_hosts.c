/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/net/hosts.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/net/hosts.h"
#include "tests/unit/helpers.h"

static void test_hosts(void **state)
{
	char *const names[] = {"web", "www", NULL};
	char *const add[] = {"db.local:10.1.2.3", "gw=host-gateway", "v6:fd00::1", NULL};
	char *t = hosts_render("10.90.3.2", "abc123", names, add, "10.90.3.1", "10.90.3.3\tdb\n");
	assert_non_null(strstr(t, "127.0.0.1\tlocalhost\n"));
	assert_non_null(strstr(t, "\n10.90.3.2\tabc123 web www\n"));
	assert_non_null(strstr(t, "\n10.1.2.3\tdb.local\n"));
	assert_non_null(strstr(t, "\n10.90.3.1\tgw\n"));
	assert_non_null(strstr(t, "\nfd00::1\tv6\n"));
	const char *mark = strstr(t, HOSTS_PEERS_MARK);
	assert_non_null(mark);
	assert_string_equal(mark + strlen(HOSTS_PEERS_MARK), "10.90.3.3\tdb\n");
	/* peers change, the rest stays */
	char *u = hosts_replace_peers(t, "10.90.3.4\tcache\n");
	assert_int_equal(strncmp(u, t, (size_t)(mark - t)), 0);
	assert_non_null(strstr(u, HOSTS_PEERS_MARK "10.90.3.4\tcache\n"));
	assert_null(strstr(u, "\tdb\n"));
	free(u);
	/* the mark counts only as a line of its own */
	u = hosts_replace_peers("1.2.3.4 x" HOSTS_PEERS_MARK "5.6.7.8 y\n", "9.9.9.9\tz\n");
	assert_string_equal(u, "1.2.3.4 x" HOSTS_PEERS_MARK "5.6.7.8 y\n" HOSTS_PEERS_MARK
			       "9.9.9.9\tz\n");
	free(u);
	u = hosts_replace_peers("1.2.3.4 x", NULL);
	assert_string_equal(u, "1.2.3.4 x\n" HOSTS_PEERS_MARK);
	free(u);
	free(t);
	/* no address yet, no gateway: 127.0.1.1, host-gateway left out */
	t = hosts_render(NULL, "web", names, add, NULL, NULL);
	assert_non_null(strstr(t, "\n127.0.1.1\tweb www\n"));
	assert_null(strstr(t, "\tgw\n"));
	free(t);
	u = hosts_append_add_hosts("127.0.0.1 localhost", add);
	assert_string_equal(u, "127.0.0.1 localhost\n10.1.2.3\tdb.local\nfd00::1\tv6\n");
	free(u);
	assert_null(hosts_check_add_host("a:1.2.3.4"));
	assert_null(hosts_check_add_host("a=host-gateway"));
	assert_null(hosts_check_add_host("a:::1"));
	th_expect_msg(hosts_check_add_host("a"), "expected HOST:IP");
	th_expect_msg(hosts_check_add_host(":1.2.3.4"), "expected HOST:IP");
	th_expect_msg(hosts_check_add_host("a:nope"), "invalid IP address \"nope\"");
	th_expect_msg(hosts_check_add_host("a b:1.2.3.4"), "invalid host name");
	/* a newline would add a line of the flag's own to /etc/hosts */
	const char *injected[] = {"evil\n10.0.0.1 bank:1.2.3.4",
				  "a\r:1.2.3.4",
				  "a\t:1.2.3.4",
				  "a\x1b:1.2.3.4",
				  "a\x7f:1.2.3.4",
				  "a#x:1.2.3.4"};
	for (size_t i = 0; i < sizeof(injected) / sizeof(*injected); i++)
		th_expect_msg(hosts_check_add_host(injected[i]), "--add-host");
	th_expect_msg(hosts_check_add_host("a:1.2.3.4\n5.6.7.8 bank"), "invalid IP address");
	th_expect_msg(hosts_check_add_host("a:host-gateway\n"), "invalid IP address");
}

static void test_resolv(void **state)
{
	const char *host = "# comment\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch lan\n"
			   "options edns0\n";
	char *t = resolv_render(host, NULL, NULL, NULL, true);
	assert_string_equal(t, "# comment\nnameserver 10.0.0.2\nsearch lan\noptions edns0\n");
	free(t);
	t = resolv_render(host, NULL, NULL, NULL, false);
	assert_string_equal(t, host);
	free(t);
	char *const dns[] = {"192.0.2.53", NULL};
	char *const search[] = {"example.test", "x.test", NULL};
	t = resolv_render(host, dns, search, NULL, true);
	assert_string_equal(t, "# comment\noptions edns0\nsearch example.test x.test\n"
			       "nameserver 192.0.2.53\n");
	free(t);
	t = resolv_render(NULL, dns, NULL, NULL, true);
	assert_string_equal(t, "nameserver 192.0.2.53\n");
	free(t);
	/* --dns-option: one options line in place of the host's */
	char *const opts[] = {"ndots:2", "edns0", NULL};
	t = resolv_render(host, NULL, NULL, opts, true);
	assert_string_equal(t,
			    "# comment\nnameserver 10.0.0.2\nsearch lan\noptions ndots:2 edns0\n");
	free(t);
	assert_null(resolv_check_dns("::1"));
	th_expect_msg(resolv_check_dns("dns.example"), "not an IP address");
	th_expect_msg(resolv_check_dns("1.1.1.1\nnameserver 6.6.6.6"), "not an IP address");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_resolv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
