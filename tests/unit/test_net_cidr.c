/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/net/cidr.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/net/cidr.h"
#include "cubo-mgr/net/netconf.h"
#include "cubo-mgr/net/store.h"
#include "tests/unit/helpers.h"

static struct net_cidr cidr(const char *s)
{
	struct net_cidr c;
	struct cubo_error *err = net_cidr_parse(s, &c);
	if (err)
		fail_msg("%s", err->msg);
	return c;
}

static void test_parse(void **state)
{
	struct net_cidr c = cidr("10.87.0.0/16");
	assert_int_equal(c.addr, 0x0a570000);
	assert_int_equal(c.prefix, 16);
	char b[NET_CIDR_STRLEN];
	net_cidr_format(&c, b);
	assert_string_equal(b, "10.87.0.0/16");
	assert_int_equal(cidr("0.0.0.0/0").prefix, 0);
	th_expect_msg(net_cidr_parse("10.87.0.1/16", &c),
		      "host bits are set (the network is 10.87.0.0/16)");
	th_expect_msg(net_cidr_parse("10.87.0.0", &c), "expected ADDRESS/PREFIX");
	th_expect_msg(net_cidr_parse("10.87.0.0/33", &c), "above 32");
	th_expect_msg(net_cidr_parse("10.87.0.0/31", &c), "no room");
	th_expect_msg(net_cidr_parse("10.87.0.0/1x", &c), "bad prefix");
	th_expect_msg(net_cidr_parse("10.87.0/16", &c), "not an IPv4 address");
	th_expect_msg(net_cidr_parse("/16", &c), "not an IPv4 address");
	uint32_t ip;
	assert_null(net_ip_parse("192.0.2.1", &ip));
	char s[NET_IP_STRLEN];
	net_ip_format(ip, s);
	assert_string_equal(s, "192.0.2.1");
	th_expect_msg(net_ip_parse("300.1.1.1", &ip), "not an IPv4 address");
}

static void test_overlap(void **state)
{
	struct net_cidr a = cidr("10.87.0.0/16"), b = cidr("10.87.5.0/24"),
			c = cidr("10.88.0.0/16");
	assert_true(net_cidr_overlap(&a, &b));
	assert_true(net_cidr_overlap(&b, &a));
	assert_false(net_cidr_overlap(&a, &c));
	struct net_cidr all = cidr("0.0.0.0/0");
	assert_true(net_cidr_overlap(&all, &c));
	assert_true(net_cidr_contains(&a, 0x0a5700ff));
	assert_false(net_cidr_contains(&b, 0x0a570000));
	assert_int_equal(net_cidr_default_gateway(&b), 0x0a570501);
	assert_true(net_cidr_is_host(&b, 0x0a570501));
	assert_false(net_cidr_is_host(&b, 0x0a570500)); /* network */
	assert_false(net_cidr_is_host(&b, 0x0a5705ff)); /* broadcast */
	assert_false(net_cidr_is_host(&b, 0x0a570601));
}

static const char routes[] =
	"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	"eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
	"eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
	"cubo0\t0000570A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";

static void test_conflicts(void **state)
{
	struct net_def nets[1] = {{.name = "web", .subnet = cidr("10.90.1.0/24")}};
	char *why;
	struct net_cidr want = cidr("10.90.0.0/16");
	assert_true(net_subnet_conflict(&want, "br-x", nets, 1, routes, &why));
	assert_string_equal(why, "network web (10.90.1.0/24)");
	free(why);
	want = cidr("192.0.2.128/25");
	assert_true(net_subnet_conflict(&want, "br-x", nets, 1, routes, &why));
	assert_string_equal(why, "the host's route to 192.0.2.0/24 on eth0");
	free(why);
	/* the default route and the network's own bridge are no conflict */
	want = cidr("10.87.0.0/16");
	assert_false(net_subnet_conflict(&want, "cubo0", nets, 1, routes, &why));
	assert_null(why);
	assert_true(net_subnet_conflict(&want, "br-x", nets, 1, routes, &why));
	free(why);
	want = cidr("10.91.0.0/24");
	assert_false(net_subnet_conflict(&want, "br-x", nets, 1, NULL, &why));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_conflicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
