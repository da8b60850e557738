/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/net/netconf.c, cubo-mgr/net/cni.c, cubo-mgr/net/rules.c, cubo-mgr/net/nft_gen.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "cubo-mgr/net/cni.h"
#include "cubo-mgr/net/netconf.h"
#include "cubo-mgr/net/nft_gen.h"
#include "cubo-mgr/net/nl.h"
#include "cubo-mgr/net/rules.h"
#include "shared/json.h"
#include "tests/unit/helpers.h"

static struct net_def sample(void)
{
	struct net_def d = {.name = strdup("web"), .bridge = "cubo-0123456789"};
	memset(d.id, 'a', NET_ID_LEN);
	strcpy(d.created, "2026-12-04T03:00:00Z");
	assert_null(net_cidr_parse("10.90.3.0/24", &d.subnet));
	d.gateway = 0x0a5a0301;
	return d;
}

static void test_roundtrip(void **state)
{
	struct net_def d = sample(), back;
	char *json;
	size_t len;
	assert_null(net_conflist_gen(&d, "/r/networks/ipam", &json, &len));
	assert_non_null(strstr(json, "\"type\": \"bridge\""));
	assert_non_null(strstr(json, "\"dataDir\": \"/r/networks/ipam\""));
	assert_non_null(strstr(json, "\"portMappings\": true"));
	assert_non_null(strstr(json, "\"ipMasq\": false")); /* rules.h does it per network */
	assert_null(strstr(json, "firewall"));
	assert_null(net_conflist_parse(json, len, "web.conflist", &back));
	assert_string_equal(back.name, "web");
	assert_string_equal(back.id, d.id);
	assert_string_equal(back.bridge, "cubo-0123456789");
	assert_int_equal(back.subnet.addr, d.subnet.addr);
	assert_int_equal(back.subnet.prefix, 24);
	assert_int_equal(back.gateway, d.gateway);
	assert_string_equal(back.created, d.created);
	net_def_free(&back);
	free(json);
	net_def_free(&d);
}

static void test_bad_conflists(void **state)
{
	struct net_def d;
	const char *no_meta = "{\"name\":\"x\",\"plugins\":[]}";
	th_expect_msg(net_conflist_parse(no_meta, strlen(no_meta), "x.conflist", &d), "cubo");
	const char *not_bridge = "{\"name\":\"x\",\"cubo\":{\"id\":\"a\",\"created\":\"t\"},"
				 "\"plugins\":[{\"type\":\"macvlan\"}]}";
	th_expect_msg(net_conflist_parse(not_bridge, strlen(not_bridge), "x.conflist", &d),
		      "not a bridge");
	const char *bad_subnet =
		"{\"name\":\"x\",\"cubo\":{\"id\":\"a\",\"created\":\"t\"},\"plugins\":[{\"type\":"
		"\"bridge\",\"bridge\":\"b\",\"ipam\":{\"ranges\":[[{\"subnet\":\"10.0.0.1/8\","
		"\"gateway\":\"10.0.0.1\"}]]}}]}";
	th_expect_msg(net_conflist_parse(bad_subnet, strlen(bad_subnet), "x.conflist", &d),
		      "host bits");
	th_expect_msg(net_name_check("-x"), "invalid network name");
	th_expect_msg(net_name_check(""), "invalid network name");
	assert_null(net_name_check("my_net.1-a"));
}

/* what each plugin gets on stdin: its members, the list's name and version, ports, prevResult */
static void test_plugin_config(void **state)
{
	struct net_def d = sample();
	char *json, *cfg;
	size_t len, clen;
	assert_null(net_conflist_gen(&d, "/ipam", &json, &len));
	yajl_val list, ports, prev;
	assert_null(cubo_json_parse(json, len, "list", &list));
	const char *pm = "[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}]";
	assert_null(cubo_json_parse(pm, strlen(pm), "pm", &ports));
	const char *pr = "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.90.3.2/24\"}]}";
	assert_null(cubo_json_parse(pr, strlen(pr), "pr", &prev));
	assert_null(cni_plugin_config(list, 0, NULL, ports, &cfg, &clen));
	assert_non_null(strstr(cfg, "\"name\":\"web\""));
	assert_non_null(strstr(cfg, "\"cniVersion\":\"1.0.0\""));
	assert_null(strstr(cfg, "runtimeConfig")); /* bridge has no portMappings capability */
	assert_null(strstr(cfg, "prevResult"));
	free(cfg);
	assert_null(cni_plugin_config(list, 1, prev, ports, &cfg, &clen));
	assert_non_null(strstr(cfg, "\"type\":\"portmap\""));
	assert_non_null(strstr(cfg, "\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":8080"));
	assert_non_null(strstr(cfg, "\"prevResult\":{\"cniVersion\":\"1.0.0\",\"ips\""));
	free(cfg);
	th_expect_msg(cni_plugin_config(list, 3, NULL, NULL, &cfg, &clen), "no plugin 3");
	char *msg = cni_error_message("bridge", "{\"code\":11,\"msg\":\"failed to allocate\","
						"\"details\":\"no IP addresses available\"}");
	assert_string_equal(msg, "bridge: failed to allocate: no IP addresses available");
	free(msg);
	assert_null(cni_error_message("bridge", "garbage"));
	yajl_tree_free(list);
	yajl_tree_free(ports);
	yajl_tree_free(prev);
	free(json);
	net_def_free(&d);
}

static void join(const char *table, const char *chain, const char *const *argv, char *out)
{
	out += sprintf(out, "-t %s %s", table, chain);
	for (size_t i = 0; argv[i]; i++)
		out += sprintf(out, " %s", argv[i]);
}

/* one set of rules per network, each with its comment, the target last */
static void test_rules(void **state)
{
	struct net_def d = sample();
	const char *table, *chain, *argv[NET_RULE_MAX_ARGS];
	char subnet[NET_CIDR_STRLEN], comment[96], line[512];
	net_rule(&d, 0, &table, &chain, argv, subnet, comment);
	join(table, chain, argv, line);
	assert_string_equal(line, "-t nat POSTROUTING -s 10.90.3.0/24 ! -o cubo-0123456789 -m "
				  "comment --comment cubo network web -j MASQUERADE");
	net_rule(&d, 1, &table, &chain, argv, subnet, comment);
	join(table, chain, argv, line);
	assert_string_equal(line, "-t filter FORWARD -i cubo-0123456789 -m comment --comment cubo "
				  "network web -j ACCEPT");
	net_rule(&d, 2, &table, &chain, argv, subnet, comment);
	join(table, chain, argv, line);
	assert_string_equal(line, "-t filter FORWARD -o cubo-0123456789 -m conntrack --ctstate "
				  "RELATED,ESTABLISHED,DNAT -m comment --comment cubo network web "
				  "-j ACCEPT");
	net_def_free(&d);
}

/* One expression of a rule: name, then its data's attributes. */
static void put_meta(struct nl_msg *m, uint32_t key)
{
	struct rtattr *elem = nl_nest_begin(m, NFTA_LIST_ELEM);
	nl_put_str(m, NFTA_EXPR_NAME, "meta");
	struct rtattr *data = nl_nest_begin(m, NFTA_EXPR_DATA | NLA_F_NESTED);
	uint32_t be = htonl(key);
	nl_put(m, NFTA_META_KEY, &be, sizeof(be));
	nl_nest_end(m, data);
	nl_nest_end(m, elem);
}

static void put_cmp(struct nl_msg *m, const char *ifname)
{
	char padded[16] = {0};
	strncpy(padded, ifname, sizeof(padded) - 1);
	struct rtattr *elem = nl_nest_begin(m, NFTA_LIST_ELEM);
	nl_put_str(m, NFTA_EXPR_NAME, "cmp");
	struct rtattr *data = nl_nest_begin(m, NFTA_EXPR_DATA);
	struct rtattr *value = nl_nest_begin(m, NFTA_CMP_DATA);
	nl_put(m, NFTA_DATA_VALUE, padded, sizeof(padded));
	nl_nest_end(m, value);
	nl_nest_end(m, data);
	nl_nest_end(m, elem);
}

/* A rule as the kernel dumps it: `-i/-o ifname -m comment --comment comment`. */
static void make_rule(struct nl_msg *m, uint32_t key, const char *ifname, const char *comment)
{
	struct nfgenmsg g = {.nfgen_family = NFPROTO_IPV4};
	nl_msg_init(m, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE, 0, &g, sizeof(g));
	nl_put_str(m, NFTA_RULE_TABLE, "filter");
	nl_put_str(m, NFTA_RULE_CHAIN, "FORWARD");
	struct rtattr *exprs = nl_nest_begin(m, NFTA_RULE_EXPRESSIONS);
	put_meta(m, key);
	put_cmp(m, ifname);
	nl_nest_end(m, exprs);
	/* libnftnl's user data: type 0 (comment), length, the text with its NUL */
	unsigned char ud[128];
	size_t n = strlen(comment) + 1;
	ud[0] = 0;
	ud[1] = (unsigned char)n;
	memcpy(ud + 2, comment, n);
	nl_put(m, NFTA_RULE_USERDATA, ud, n + 2);
}

static void test_nft_rule_scan(void **state)
{
	(void)state;
	struct nl_msg m;
	bool c, in, out;
	make_rule(&m, NFT_META_IIFNAME, "cubo0", "cubo network cubo");
	nft_rule_scan(&m.h, "cubo network cubo", "cubo0", &c, &in, &out);
	assert_true(c && in && !out);
	make_rule(&m, NFT_META_OIFNAME, "cubo0", "cubo network cubo");
	nft_rule_scan(&m.h, "cubo network cubo", "cubo0", &c, &in, &out);
	assert_true(c && !in && out);
	/* a longer name is another network's, another bridge another's */
	make_rule(&m, NFT_META_IIFNAME, "cubo0", "cubo network cubox");
	nft_rule_scan(&m.h, "cubo network cubo", "cubo0", &c, &in, &out);
	assert_false(c);
	make_rule(&m, NFT_META_IIFNAME, "cubo01", "cubo network cubo");
	nft_rule_scan(&m.h, "cubo network cubo", "cubo0", &c, &in, &out);
	assert_true(c && !in && !out);
	/* a cmp after another meta key (a mark, say) names no interface */
	make_rule(&m, NFT_META_MARK, "cubo0", "cubo network cubo");
	nft_rule_scan(&m.h, "cubo network cubo", "cubo0", &c, &in, &out);
	assert_true(c && !in && !out);
	/* a truncated message, or another type: nothing read past its end */
	make_rule(&m, NFT_META_IIFNAME, "cubo0", "cubo network cubo");
	m.h.nlmsg_len = NLMSG_LENGTH(2);
	nft_rule_scan(&m.h, "cubo network cubo", "cubo0", &c, &in, &out);
	assert_false(c || in || out);
	make_rule(&m, NFT_META_IIFNAME, "cubo0", "cubo network cubo");
	m.h.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWCHAIN;
	nft_rule_scan(&m.h, "cubo network cubo", "cubo0", &c, &in, &out);
	assert_false(c || in || out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),     cmocka_unit_test(test_bad_conflists),
		cmocka_unit_test(test_plugin_config), cmocka_unit_test(test_rules),
		cmocka_unit_test(test_nft_rule_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
