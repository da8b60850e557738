/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/net/endpoint.c */
/* --ip, --ip6, --mac-address, --link-local-ip: checks, and the record's strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/net/endpoint.h"
#include "shared/strv.h"
#include "tests/unit/helpers.h"

static void expect_err_at(struct cubo_error *err, const char *part, int line)
{
	if (!err)
		fail_msg("line %d: no error, expected one about \"%s\"", line, part);
	th_expect_msg(err, part);
}

#define expect_err(e, part) expect_err_at((e), (part), __LINE__)

static void test_mac(void **state)
{
	unsigned char m[6];
	assert_null(net_mac_parse("02:42:ac:11:00:02", m));
	assert_int_equal(m[0], 0x02);
	assert_int_equal(m[5], 0x02);
	assert_null(net_mac_parse("92-42-AC-11-00-FF", m));
	assert_int_equal(m[0], 0x92);
	assert_int_equal(m[5], 0xff);
	static const char *const bad[] = {
		"",
		"02:42:ac:11:00",
		"02:42:ac:11:00:02:03",
		"02:42:ac:11:00:0g",
		"02:42-ac:11:00:02",
		"0242.ac11.0002",
		"02:42:ac:11:00:02 ",
		"2:42:ac:11:00:02:",
		"02::42:ac:11:00:2",
		"02:42:ac:11:00:02\n",
		"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		expect_err(net_mac_parse(bad[i], m), "is not a valid mac address");
	/* multicast (and broadcast), all zeroes: no interface can have them */
	expect_err(net_mac_parse("01:00:5e:00:00:01", m), "multicast");
	expect_err(net_mac_parse("ff:ff:ff:ff:ff:ff", m), "multicast");
	expect_err(net_mac_parse("00:00:00:00:00:00", m), "all zeroes");
}

static void test_link_local(void **state)
{
	char *s;
	assert_null(net_link_local_parse("169.254.10.20", &s));
	assert_string_equal(s, "169.254.10.20");
	free(s);
	assert_null(net_link_local_parse("FE80:0:0::0:1", &s));
	assert_string_equal(s, "fe80::1");
	free(s);
	assert_null(net_link_local_parse("febf::9", &s));
	free(s);
	expect_err(net_link_local_parse("169.253.1.1", &s), "not a link-local address");
	expect_err(net_link_local_parse("10.0.0.1", &s), "(169.254.0.0/16)");
	expect_err(net_link_local_parse("fec0::1", &s), "(fe80::/10)");
	expect_err(net_link_local_parse("::1", &s), "not a link-local address");
	expect_err(net_link_local_parse("169.254.1", &s), "invalid IP address: 169.254.1");
	expect_err(net_link_local_parse("169.254.1.1/16", &s), "invalid IP address");
	expect_err(net_link_local_parse("", &s), "invalid IP address");
}

static void test_from_flags(void **state)
{
	char *out;
	struct net_endpoint_flags f = {0};
	assert_null(net_endpoint_from_flags(&f, "cubo", false, &out));
	assert_null(out);
	char *ll[] = {"fe80::0:5", "169.254.3.4", "fe80::5", NULL};
	f = (struct net_endpoint_flags){
		.ip = "10.9.0.5", .mac = "02:00:00:00:00:0A", .link_local = ll};
	assert_null(net_endpoint_from_flags(&f, "net1", true, &out));
	/* written back canonical, a link-local address given twice once */
	assert_string_equal(out, "name=net1,ip=10.9.0.5,mac-address=02:00:00:00:00:0a,"
				 "link-local-ip=fe80::5,link-local-ip=169.254.3.4");
	free(out);
	/* the default network takes a MAC, not an address; none and host neither */
	f = (struct net_endpoint_flags){.mac = "02:00:00:00:00:0a"};
	assert_null(net_endpoint_from_flags(&f, "cubo", false, &out));
	assert_string_equal(out, "name=cubo,mac-address=02:00:00:00:00:0a");
	free(out);
	expect_err(net_endpoint_from_flags(&f, "host", false, &out),
		   "conflicting options: mac-address and the network mode");
	f = (struct net_endpoint_flags){.ip = "10.87.0.9"};
	expect_err(net_endpoint_from_flags(&f, "cubo", false, &out),
		   "user specified IP address is supported on user defined networks only");
	expect_err(net_endpoint_from_flags(&f, "none", false, &out), "user defined networks only");
	f = (struct net_endpoint_flags){.link_local = ll};
	expect_err(net_endpoint_from_flags(&f, "cubo", false, &out), "user defined networks only");
	/* bad strings first, whatever the network */
	static const char *const bad_ip[] = {"10.0.0",	  "10.0.0.256", "10.0.0.1/24", "fe80::1",
					     " 10.0.0.1", "",		"1.2.3.4x"};
	for (size_t i = 0; i < sizeof(bad_ip) / sizeof(*bad_ip); i++) {
		f = (struct net_endpoint_flags){.ip = bad_ip[i]};
		expect_err(net_endpoint_from_flags(&f, "cubo", false, &out),
			   "--ip: invalid IPv4 address");
	}
	f = (struct net_endpoint_flags){.ip6 = "10.0.0.1"};
	expect_err(net_endpoint_from_flags(&f, "net1", true, &out), "--ip6: invalid IPv6 address");
	f = (struct net_endpoint_flags){.ip6 = "fd00::1"};
	expect_err(net_endpoint_from_flags(&f, "net1", true, &out), "has no IPv6 subnet");
	f = (struct net_endpoint_flags){.mac = "nope"};
	expect_err(net_endpoint_from_flags(&f, "net1", true, &out),
		   "nope is not a valid mac address");
}

static void test_record_strings(void **state)
{
	struct net_endpoint e;
	assert_null(net_endpoint_parse("name=n1,ip=10.1.0.3,link-local-ip=169.254.0.9", &e));
	assert_string_equal(e.network, "n1");
	assert_true(e.has_ip);
	assert_false(e.has_mac);
	assert_int_equal(e.ip, 0x0a010003);
	assert_string_equal(e.link_local[0], "169.254.0.9");
	assert_null(e.link_local[1]);
	char *s = net_endpoint_format(&e);
	assert_string_equal(s, "name=n1,ip=10.1.0.3,link-local-ip=169.254.0.9");
	free(s);
	net_endpoint_free(&e);
	/* hostile or damaged strings: an error naming them, nothing half parsed */
	static const char *const bad[] = {
		"",
		"ip=10.1.0.3",
		"name=n1,ip",
		"name=n1,ip=x",
		"name=../x",
		"name=n1,name=n2",
		"name=n1,mtu=9000",
		"name=n1,link-local-ip=10.0.0.1",
		"name=n1,mac-address=01:00:00:00:00:00",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct cubo_error *err = net_endpoint_parse(bad[i], &e);
		if (!err)
			fail_msg("\"%s\" parsed", bad[i]);
		th_expect_msg(err, "network endpoint");
		assert_null(e.network);
		assert_null(e.link_local);
	}
	/* find and replace by network name, not by prefix */
	char *v[] = {"name=n1,ip=10.1.0.3", "name=n10,ip=10.2.0.3", NULL};
	bool found;
	assert_null(net_endpoint_find(v, "n10", &e, &found));
	assert_true(found);
	assert_int_equal(e.ip, 0x0a020003);
	net_endpoint_free(&e);
	assert_null(net_endpoint_find(v, "n", &e, &found));
	assert_false(found);
	assert_null(net_endpoint_find(NULL, "n1", &e, &found));
	assert_false(found);
	char **w = net_endpoint_replace(v, "n1", "name=n1,ip=10.1.0.4");
	assert_string_equal(w[0], "name=n10,ip=10.2.0.3");
	assert_string_equal(w[1], "name=n1,ip=10.1.0.4");
	assert_null(w[2]);
	char **x = net_endpoint_replace(w, "n10", NULL);
	assert_string_equal(x[0], "name=n1,ip=10.1.0.4");
	assert_null(x[1]);
	cubo_strv_free(w);
	cubo_strv_free(x);
}

static void test_check_against_network(void **state)
{
	struct net_def d = {.name = "n1"};
	assert_null(net_cidr_parse("10.5.0.0/24", &d.subnet));
	d.gateway = 0x0a050001;
	char *ok[] = {"name=n1,ip=10.5.0.254", NULL};
	assert_null(net_endpoint_check(ok, &d));
	char *other[] = {"name=n2,ip=10.9.0.9", NULL};
	assert_null(net_endpoint_check(other, &d));
	assert_null(net_endpoint_check(NULL, &d));
	char *gw[] = {"name=n1,ip=10.5.0.1", NULL};
	expect_err(net_endpoint_check(gw, &d), "gateway");
	char *out[] = {"name=n1,ip=10.5.1.1", NULL};
	expect_err(net_endpoint_check(out, &d),
		   "not a container address of its subnet 10.5.0.0/24");
	char *bcast[] = {"name=n1,ip=10.5.0.255", NULL};
	expect_err(net_endpoint_check(bcast, &d), "not a container address");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_link_local),
		cmocka_unit_test(test_from_flags),
		cmocka_unit_test(test_record_strings),
		cmocka_unit_test(test_check_against_network),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
