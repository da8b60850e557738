/* SPDX-License-Identifier: Apache-2.0 */
/* The nf_tables ruleset's generation: see nft_gen.h. */
#include <arpa/inet.h>
#include <limits.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "cubo-mgr/net/nft_gen.h"
#include "cubo-mgr/net/nl.h"
#include "shared/xalloc.h"

struct gen_answer {
	uint32_t gen;
	bool found;
};

static void gen_attr(const struct rtattr *a, void *arg)
{
	struct gen_answer *g = arg;
	if ((a->rta_type & NLA_TYPE_MASK) == NFTA_GEN_ID && RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
		uint32_t be;
		memcpy(&be, RTA_DATA(a), sizeof(be));
		g->gen = ntohl(be);
		g->found = true;
	}
}

static void gen_msg(const struct nlmsghdr *h, void *arg)
{
	if (h->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN) ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nfgenmsg)))
		return;
	const struct rtattr *first = (const struct rtattr *)((const char *)NLMSG_DATA(h) +
							     NLMSG_ALIGN(sizeof(struct nfgenmsg)));
	nl_attrs_each(first, h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct nfgenmsg))),
		      gen_attr, arg);
}

/* An nf_tables request: type (NFT_MSG_*), family; nl_query's answer or, with dump, nl_dump's. */
static void nft_msg(struct nl_msg *m, uint16_t type, uint8_t family)
{
	struct nfgenmsg m0 = {.nfgen_family = family, .version = NFNETLINK_V0};
	nl_msg_init(m, (NFNL_SUBSYS_NFTABLES << 8) | type, 0, &m0, sizeof(m0));
}

static bool nft_ask(struct nl_msg *m, bool dump, void (*fn)(const struct nlmsghdr *h, void *arg),
		    void *arg)
{
	struct nl_sock s;
	struct cubo_error *err = nl_open_proto(&s, NETLINK_NETFILTER);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	int kerr;
	err = dump ? nl_dump(&s, m, fn, arg, &kerr) : nl_query(&s, m, fn, arg, &kerr);
	nl_close(&s);
	bool ok = !err && !kerr;
	cubo_error_free(err);
	return ok;
}

bool nft_ruleset_gen(uint32_t *gen)
{
	struct nl_msg m;
	nft_msg(&m, NFT_MSG_GETGEN, AF_UNSPEC);
	struct gen_answer a = {0};
	bool ok = nft_ask(&m, false, gen_msg, &a) && a.found;
	if (ok)
		*gen = a.gen;
	return ok;
}

bool nft_iptables_is_nft(void)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	char *dirs = xstrdup(path), *save = NULL;
	bool nft = false;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char cand[PATH_MAX], real[PATH_MAX];
		if ((size_t)snprintf(cand, sizeof(cand), "%s/iptables", d) >= sizeof(cand))
			continue;
		/* one syscall for each directory without it, not realpath's walk */
		if (access(cand, X_OK) != 0 || !realpath(cand, real))
			continue;
		/* the first found is the one posix_spawnp runs */
		const char *base = strrchr(real, '/');
		nft = base && !strcmp(base + 1, "xtables-nft-multi");
		break;
	}
	free(dirs);
	return nft;
}

/* ---- a network's rules, read from nf_tables ---- */

struct rule_scan {
	const char *ifname;
	uint32_t meta_key; /* of the last meta expression: what a cmp after it compares */
	const char *name;  /* of the expression being read */
	bool iif, oif;
};

static void data_attr(const struct rtattr *a, void *arg)
{
	struct rule_scan *r = arg;
	size_t want = strlen(r->ifname) + 1; /* the name, NUL-padded to IFNAMSIZ */
	if ((a->rta_type & NLA_TYPE_MASK) != NFTA_DATA_VALUE || RTA_PAYLOAD(a) < want ||
	    memcmp(RTA_DATA(a), r->ifname, want))
		return;
	r->iif |= r->meta_key == NFT_META_IIFNAME;
	r->oif |= r->meta_key == NFT_META_OIFNAME;
}

static void expr_data_attr(const struct rtattr *a, void *arg)
{
	struct rule_scan *r = arg;
	unsigned type = a->rta_type & NLA_TYPE_MASK;
	if (!strcmp(r->name, "meta") && type == NFTA_META_KEY && RTA_PAYLOAD(a) >= 4) {
		uint32_t be;
		memcpy(&be, RTA_DATA(a), sizeof(be));
		r->meta_key = ntohl(be);
	} else if (!strcmp(r->name, "cmp") && type == NFTA_CMP_DATA) {
		nl_attrs_each(RTA_DATA(a), RTA_PAYLOAD(a), data_attr, r);
	}
}

static void expr_attr(const struct rtattr *a, void *arg)
{
	struct rule_scan *r = arg;
	unsigned type = a->rta_type & NLA_TYPE_MASK;
	if (type == NFTA_EXPR_NAME)
		r->name = strnlen(RTA_DATA(a), RTA_PAYLOAD(a)) < RTA_PAYLOAD(a) ? RTA_DATA(a) : "";
	else if (type == NFTA_EXPR_DATA && *r->name)
		nl_attrs_each(RTA_DATA(a), RTA_PAYLOAD(a), expr_data_attr, r);
}

static void list_attr(const struct rtattr *a, void *arg)
{
	struct rule_scan *r = arg;
	if ((a->rta_type & NLA_TYPE_MASK) != NFTA_LIST_ELEM)
		return;
	r->name = ""; /* the name comes first; a meta key stays for the cmp after it */
	nl_attrs_each(RTA_DATA(a), RTA_PAYLOAD(a), expr_attr, r);
}

static void rule_attr(const struct rtattr *a, void *arg)
{
	if ((a->rta_type & NLA_TYPE_MASK) == NFTA_RULE_EXPRESSIONS)
		nl_attrs_each(RTA_DATA(a), RTA_PAYLOAD(a), list_attr, arg);
}

void nft_rule_scan(const struct nlmsghdr *h, const char *comment, const char *ifname,
		   bool *commented, bool *iif, bool *oif)
{
	*commented = *iif = *oif = false;
	size_t hdr = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct nfgenmsg)));
	if (h->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE) || h->nlmsg_len < hdr)
		return;
	const char *body = (const char *)h + hdr;
	size_t len = h->nlmsg_len - hdr;
	/*
	 * iptables-nft keeps `-m comment` as the rule's user data (older ones
	 * as an xt match's data): either way the text with its NUL, anywhere
	 */
	*commented = memmem(body, len, comment, strlen(comment) + 1) != NULL;
	struct rule_scan r = {.ifname = ifname, .name = ""};
	nl_attrs_each((const struct rtattr *)body, len, rule_attr, &r);
	*iif = r.iif;
	*oif = r.oif;
}

struct chain_count {
	const char *comment, *ifname;
	struct nft_rule_count *c;
};

static void count_msg(const struct nlmsghdr *h, void *arg)
{
	struct chain_count *cc = arg;
	bool commented, iif, oif;
	nft_rule_scan(h, cc->comment, cc->ifname, &commented, &iif, &oif);
	if (!commented)
		return;
	cc->c->iif += iif;
	cc->c->oif += oif;
}

bool nft_chain_count(const char *table, const char *chain, const char *comment, const char *ifname,
		     struct nft_rule_count *out)
{
	*out = (struct nft_rule_count){0};
	struct nl_msg m;
	nft_msg(&m, NFT_MSG_GETRULE, NFPROTO_IPV4);
	nl_put_str(&m, NFTA_RULE_TABLE, table);
	nl_put_str(&m, NFTA_RULE_CHAIN, chain);
	struct chain_count cc = {comment, ifname, out};
	return nft_ask(&m, true, count_msg, &cc);
}
