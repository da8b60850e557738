/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/net/{ipam,bridge_attach,link,nl}.c */
/* Addresses on host-local's format, the in-process bridge's conflist check, netlink attributes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/net/bridge_attach.h"
#include "cubo-mgr/net/ipam.h"
#include "cubo-mgr/net/link.h"
#include "cubo-mgr/net/netconf.h"
#include "cubo-mgr/net/nl.h"
#include "shared/fs.h"
#include "tests/unit/helpers.h"

static void expect_err_at(struct cubo_error *err, const char *part, int line)
{
	if (!err)
		fail_msg("line %d: no error, expected one about \"%s\"", line, part);
	th_expect_msg(err, part);
}

#define expect_err(e, part) expect_err_at((e), (part), __LINE__)

static uint32_t ip(const char *s)
{
	uint32_t v;
	struct cubo_error *err = net_ip_parse(s, &v);
	if (err)
		fail_msg("%s", err->msg);
	return v;
}

static struct ipam_range range_of(const char *subnet, const char *gw)
{
	struct net_cidr c;
	struct cubo_error *err = net_cidr_parse(subnet, &c);
	if (err)
		fail_msg("%s", err->msg);
	struct ipam_range r;
	ipam_range_default(&c, ip(gw), &r);
	return r;
}

/* A set of taken addresses standing in for the directory. */
struct taken {
	uint32_t v[300];
	size_t n;
	uint32_t tried[300];
	size_t n_tried;
};

static int try_set(uint32_t a, void *arg, struct cubo_error **err)
{
	struct taken *t = arg;
	t->tried[t->n_tried++] = a;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i] == a)
			return 0;
	return 1;
}

static void test_default_range(void **state)
{
	struct ipam_range r = range_of("10.87.0.0/16", "10.87.0.1");
	assert_int_equal(r.start, ip("10.87.0.1"));
	assert_int_equal(r.end, ip("10.87.255.254"));
	assert_true(ipam_range_contains(&r, ip("10.87.3.4")));
	assert_false(ipam_range_contains(&r, ip("10.87.0.0")));
	assert_false(ipam_range_contains(&r, ip("10.87.255.255")));
	assert_false(ipam_range_contains(&r, ip("10.88.0.2")));
}

static void test_first_skips_gateway(void **state)
{
	struct ipam_range r = range_of("10.90.1.0/24", "10.90.1.1");
	struct taken t = {0};
	uint32_t out;
	struct cubo_error *err;
	assert_true(ipam_search(&r, NULL, try_set, &t, &out, &err));
	assert_null(err);
	assert_int_equal(out, ip("10.90.1.2"));
	for (size_t i = 0; i < t.n_tried; i++)
		assert_int_not_equal(t.tried[i], r.gateway);
}

static void test_after_last_reserved(void **state)
{
	struct ipam_range r = range_of("10.90.1.0/24", "10.90.1.1");
	struct taken t = {.v = {ip("10.90.1.8")}, .n = 1};
	uint32_t last = ip("10.90.1.7"), out;
	struct cubo_error *err;
	assert_true(ipam_search(&r, &last, try_set, &t, &out, &err));
	/* .8 is taken: the next one, never back to the start first */
	assert_int_equal(out, ip("10.90.1.9"));
	assert_int_equal(t.tried[0], ip("10.90.1.8"));
}

static void test_wraps_at_end(void **state)
{
	struct ipam_range r = range_of("10.90.1.0/24", "10.90.1.1");
	struct taken t = {0};
	uint32_t last = ip("10.90.1.254"), out;
	struct cubo_error *err;
	assert_true(ipam_search(&r, &last, try_set, &t, &out, &err));
	/* after the last host address comes the first (the gateway skipped), not the broadcast */
	assert_int_equal(out, ip("10.90.1.2"));
	assert_int_equal(t.tried[0], ip("10.90.1.2"));
}

static void test_last_outside_range_ignored(void **state)
{
	struct ipam_range r = range_of("10.90.1.0/24", "10.90.1.1");
	struct taken t = {0};
	uint32_t last = ip("10.87.0.9"), out;
	struct cubo_error *err;
	assert_true(ipam_search(&r, &last, try_set, &t, &out, &err));
	assert_int_equal(out, ip("10.90.1.2"));
}

static void test_full_range(void **state)
{
	struct ipam_range r = range_of("10.90.1.0/24", "10.90.1.1");
	struct taken t = {0};
	for (uint32_t a = r.start; a <= r.end; a++)
		t.v[t.n++] = a;
	uint32_t last = ip("10.90.1.100"), out;
	struct cubo_error *err;
	assert_false(ipam_search(&r, &last, try_set, &t, &out, &err));
	assert_null(err);
	/* each host address but the gateway tried once; never the network or broadcast */
	assert_int_equal(t.n_tried, 253);
	for (size_t i = 0; i < t.n_tried; i++) {
		assert_int_not_equal(t.tried[i], ip("10.90.1.0"));
		assert_int_not_equal(t.tried[i], ip("10.90.1.255"));
		assert_int_not_equal(t.tried[i], ip("10.90.1.1"));
	}
}

static void test_names(void **state)
{
	assert_null(net_ifname_check("eth0"));
	assert_null(net_ifname_check("veth0123abcd"));
	expect_err(net_ifname_check(""), "invalid interface name");
	expect_err(net_ifname_check("a/b"), "invalid interface name");
	expect_err(net_ifname_check(".."), "invalid interface name");
	expect_err(net_ifname_check("eth 0"), "invalid interface name");
	expect_err(net_ifname_check("eth0:1"), "invalid interface name");
	expect_err(net_ifname_check("abcdefghijklmnop"), "invalid interface name");
	assert_null(ipam_id_check("0123abcdef"));
	assert_null(ipam_id_check("cubo-build-12ab"));
	expect_err(ipam_id_check("../x"), "invalid container ID");
	expect_err(ipam_id_check("a\r\nb"), "invalid container ID");
	expect_err(ipam_id_check(""), "invalid container ID");
}

static void test_allocate_on_disk(void **state)
{
	char *base = th_tmpdir("ipam"), *dir = cubo_path_join(base, "net1");
	struct ipam_range r = range_of("10.90.1.0/29", "10.90.1.1");
	uint32_t a;
	assert_null(ipam_allocate(dir, "net1", &r, "c1", "eth0", &a));
	assert_int_equal(a, ip("10.90.1.2"));
	char *t = th_read_if_there(dir, "10.90.1.2");
	assert_string_equal(t, "c1\r\neth0");
	free(t);
	t = th_read_if_there(dir, "last_reserved_ip.0");
	assert_string_equal(t, "10.90.1.2");
	free(t);
	/* the same container and interface again: refused, as host-local refuses it */
	expect_err(ipam_allocate(dir, "net1", &r, "c1", "eth0", &a), "already allocated");
	/* the plugin's older format (the id alone) counts as held too */
	char *old = cubo_path_join(dir, "10.90.1.6");
	assert_null(cubo_write_file_atomic(old, "c0\n", 3, 0644));
	expect_err(ipam_allocate(dir, "net1", &r, "c0", "eth0", &a), "already allocated");
	/* .3 .4 .5, then .6 is c0's: the range (.1-.6, gateway .1) is full */
	for (int i = 0; i < 3; i++) {
		char id[8];
		snprintf(id, sizeof(id), "d%d", i);
		assert_null(ipam_allocate(dir, "net1", &r, id, "eth0", &a));
		assert_int_equal(a, ip("10.90.1.3") + (uint32_t)i);
	}
	expect_err(ipam_allocate(dir, "net1", &r, "e", "eth0", &a), "network net1");
	/* release: the file goes, the next search starts after the last reserved (.5) */
	assert_null(ipam_release(dir, "d0", "eth0"));
	t = th_read_if_there(dir, "10.90.1.3");
	assert_null(t);
	assert_null(ipam_release(dir, "c0", "eth0")); /* older format */
	assert_null(cubo_path_exists(old) ? cubo_error_new("%s left", old) : NULL);
	assert_null(ipam_allocate(dir, "net1", &r, "e", "eth0", &a));
	assert_int_equal(a, ip("10.90.1.6"));
	assert_null(ipam_allocate(dir, "net1", &r, "f", "eth0", &a));
	assert_int_equal(a, ip("10.90.1.3"));
	/* releasing what is not held is no error; bad ids never reach the directory */
	assert_null(ipam_release(dir, "nobody", "eth0"));
	expect_err(ipam_release(dir, "../x", "eth0"), "invalid container ID");
	expect_err(ipam_allocate(dir, "net1", &r, "g", "../eth0", &a), "invalid interface name");
	/* f holds .3 for eth0 and, in the older format, .9: a release takes the first only */
	char *older = cubo_path_join(dir, "10.90.1.9");
	assert_null(cubo_write_file_atomic(older, "f", 1, 0644));
	assert_null(ipam_release(dir, "f", "eth0"));
	t = th_read_if_there(dir, "10.90.1.3");
	assert_null(t);
	assert_true(cubo_path_exists(older));
	assert_null(ipam_release(dir, "f", "eth0"));
	assert_false(cubo_path_exists(older));
	free(older);
	free(old);
	free(dir);
	th_tmpdir_free(base);
}

static char *gen_conflist(void)
{
	struct net_def d = {.name = strdup("net1"), .id = "0123", .bridge = "cubo-br1"};
	assert_null(net_cidr_parse("10.90.1.0/24", &d.subnet));
	d.gateway = ip("10.90.1.1");
	char *json;
	size_t len;
	assert_null(net_conflist_gen(&d, "/run/x/ipam", &json, &len));
	net_def_free(&d);
	return json;
}

static bool ours(const char *json)
{
	struct bridge_conf c;
	bool yes;
	assert_null(bridge_conf_parse(json, strlen(json), &c, &yes));
	bridge_conf_free(&c);
	return yes;
}

/* Replace the first `from` in text (it must be there). */
__attribute__((noinline)) static char *edit(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	if (!at)
		fail_msg("no %s in %s", from, text);
	size_t off = (size_t)(at - text);
	char *out;
	if (asprintf(&out, "%.*s%s%s", (int)off, text, to, text + off + strlen(from)) < 0)
		abort();
	return out;
}

static void test_conflist_served_in_process(void **state)
{
	char *json = gen_conflist();
	struct bridge_conf c;
	bool yes;
	assert_null(bridge_conf_parse(json, strlen(json), &c, &yes));
	assert_true(yes);
	assert_string_equal(c.network, "net1");
	assert_string_equal(c.bridge, "cubo-br1");
	assert_string_equal(c.ipam_dir, "/run/x/ipam/net1");
	assert_true(c.hairpin);
	assert_int_equal(c.range.gateway, ip("10.90.1.1"));
	assert_int_equal(c.range.end, ip("10.90.1.254"));
	bridge_conf_free(&c);
	/* anything the in-process path does not do goes to the plugins */
	const char *edits[][2] = {
		{"\"isGateway\"", "\"mtu\": 9000, \"isGateway\""},
		{"\"type\": \"host-local\"", "\"type\": \"dhcp\""},
		{"\"gateway\": \"10.90.1.1\"",
		 "\"gateway\": \"10.90.1.1\", \"rangeStart\": \"10.90.1.9\""},
		{"\"type\": \"portmap\"", "\"type\": \"firewall\""},
		{"\"dataDir\": \"/run/x/ipam\"", "\"dataDir\": \"relative\""},
		{"\"bridge\": \"cubo-br1\"", "\"bridge\": \"../../x\""},
		{"\"name\": \"net1\"", "\"name\": \"../net1\""},
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		char *e = edit(json, edits[i][0], edits[i][1]);
		if (ours(e))
			fail_msg("served in process: %s", e);
		free(e);
	}
	expect_err(bridge_conf_parse("{", 1, &c, &yes), "CNI list");
	free(json);
}

static void count_attr(const struct rtattr *a, void *arg)
{
	(*(int *)arg)++;
}

static void test_attrs_bounded(void **state)
{
	struct nl_msg m;
	struct ifinfomsg ifi = {0};
	nl_msg_init(&m, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	nl_put_str(&m, IFLA_IFNAME, "eth0");
	nl_put_u32(&m, IFLA_MTU, 1500);
	const struct rtattr *first = IFLA_RTA((struct ifinfomsg *)NLMSG_DATA(&m.h));
	size_t len = m.h.nlmsg_len - NLMSG_LENGTH(sizeof(ifi));
	int n = 0;
	nl_attrs_each(first, len, count_attr, &n);
	assert_int_equal(n, 2);
	/* a length that cuts the second attribute short: only the first is whole */
	n = 0;
	nl_attrs_each(first, len - 1, count_attr, &n);
	assert_int_equal(n, 1);
	/* an attribute claiming more than there is, or less than its header: none */
	struct rtattr bad[2] = {{.rta_len = 200, .rta_type = 1}, {0}};
	n = 0;
	nl_attrs_each(bad, sizeof(bad), count_attr, &n);
	assert_int_equal(n, 0);
	bad[0].rta_len = 2;
	nl_attrs_each(bad, sizeof(bad), count_attr, &n);
	assert_int_equal(n, 0);
}

/* --ip: the address asked for, checked against the range and what is held */
static void test_reserve_static(void **state)
{
	char *base = th_tmpdir("ipam"), *dir = cubo_path_join(base, "net1");
	struct ipam_range r = range_of("10.90.1.0/29", "10.90.1.1");
	expect_err(ipam_static_check(&r, "net1", ip("10.90.1.0")),
		   "network net1: address 10.90.1.0 is not a container address of its subnet "
		   "10.90.1.0/29");
	expect_err(ipam_static_check(&r, "net1", ip("10.90.1.7")), "not a container address");
	expect_err(ipam_static_check(&r, "net1", ip("10.90.2.3")), "not a container address");
	expect_err(ipam_static_check(&r, "net1", ip("10.90.1.1")), "is the network's gateway");
	assert_null(ipam_static_check(&r, "net1", ip("10.90.1.6")));
	assert_null(ipam_reserve(dir, "net1", &r, "c1", "eth0", ip("10.90.1.5")));
	char *t = th_read_if_there(dir, "10.90.1.5");
	assert_string_equal(t, "c1\r\neth0");
	free(t);
	/* the round robin is left alone: the next dynamic address is the first */
	assert_null(th_read_if_there(dir, "last_reserved_ip.0"));
	/* again for the same container: held already, fine; another address: refused */
	assert_null(ipam_reserve(dir, "net1", &r, "c1", "eth0", ip("10.90.1.5")));
	expect_err(ipam_reserve(dir, "net1", &r, "c1", "eth0", ip("10.90.1.4")),
		   "10.90.1.5 is already allocated to container c1");
	struct cubo_error *err = ipam_reserve(dir, "net1", &r, "c2", "eth0", ip("10.90.1.5"));
	expect_err(err, "network net1: address 10.90.1.5 is already in use");
	/* a dynamic allocation passes over it; a fixed one cannot take a dynamic one's */
	uint32_t a;
	for (int i = 0; i < 4; i++) {
		char id[8];
		snprintf(id, sizeof(id), "d%d", i);
		assert_null(ipam_allocate(dir, "net1", &r, id, "eth0", &a));
		assert_int_equal(a,
				 ip(i < 3 ? "10.90.1.2" : "10.90.1.6") + (i < 3 ? (uint32_t)i : 0));
	}
	expect_err(ipam_reserve(dir, "net1", &r, "c3", "eth0", ip("10.90.1.2")), "already in use");
	expect_err(ipam_reserve(dir, "net1", &r, "../x", "eth0", ip("10.90.1.2")),
		   "invalid container ID");
	assert_null(ipam_release(dir, "c1", "eth0"));
	assert_null(ipam_reserve(dir, "net1", &r, "c2", "eth0", ip("10.90.1.5")));
	free(dir);
	th_tmpdir_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_range),
		cmocka_unit_test(test_first_skips_gateway),
		cmocka_unit_test(test_after_last_reserved),
		cmocka_unit_test(test_wraps_at_end),
		cmocka_unit_test(test_last_outside_range_ignored),
		cmocka_unit_test(test_full_range),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_allocate_on_disk),
		cmocka_unit_test(test_reserve_static),
		cmocka_unit_test(test_conflist_served_in_process),
		cmocka_unit_test(test_attrs_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
