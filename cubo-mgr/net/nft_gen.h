/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whether the firewall changed since a given moment, without running
 * iptables: nf_tables numbers its ruleset's generations, and every change
 * to any table (a rule added or deleted, a flush) makes a new one. When
 * iptables is the nf_tables one (xtables-nft-multi, Debian's default), the
 * generation read after a check that found every rule in place, unchanged
 * at the next start, proves the rules are still there (rules.h); when it
 * changed, a dump of the chain's rules shows them.
 */
#ifndef CUBO_MGR_NET_NFT_GEN_H
#define CUBO_MGR_NET_NFT_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/netlink.h>

/* The ruleset's generation; false when it cannot be read (no nf_tables). */
bool nft_ruleset_gen(uint32_t *gen);

/*
 * Whether `iptables` as found in PATH is the nf_tables one: legacy
 * iptables' rules live outside nf_tables and make no new generation.
 */
bool nft_iptables_is_nft(void);

/*
 * The rules of ip TABLE CHAIN that carry comment and compare the input
 * (iif) or output (oif) interface with ifname: how a start sees that a
 * network's rules are in place in one netlink dump, without the iptables
 * runs, when the generation changed (another tool's rules). false when
 * the chain cannot be read (no such table or chain, no nf_tables).
 */
struct nft_rule_count {
	unsigned iif, oif;
};
bool nft_chain_count(const char *table, const char *chain, const char *comment, const char *ifname,
		     struct nft_rule_count *out);

/* One NFT_MSG_NEWRULE message of that dump, read: pure, for tests. */
void nft_rule_scan(const struct nlmsghdr *h, const char *comment, const char *ifname,
		   bool *commented, bool *iif, bool *oif);

#endif
