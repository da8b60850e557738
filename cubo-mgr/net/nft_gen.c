/* SPDX-License-Identifier: Apache-2.0 */
/* The nf_tables ruleset's generation: see nft_gen.h. */
#include <arpa/inet.h>
#include <limits.h>
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

bool nft_ruleset_gen(uint32_t *gen)
{
	struct nl_sock s;
	struct cubo_error *err = nl_open_proto(&s, NETLINK_NETFILTER);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	struct nfgenmsg m0 = {.nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0};
	struct nl_msg m;
	nl_msg_init(&m, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN, 0, &m0, sizeof(m0));
	struct gen_answer a = {0};
	int kerr;
	err = nl_query(&s, &m, gen_msg, &a, &kerr);
	nl_close(&s);
	bool ok = !err && !kerr && a.found;
	cubo_error_free(err);
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
