/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A network's own iptables rules, one set per network rather than per
 * container: masquerade of its subnet's traffic leaving the host, and
 * FORWARD accepts for traffic from its bridge and replies (and published
 * ports) to it -- what docker installs per bridge. The bridge plugin's
 * ipMasq and the firewall plugin would add the same per container, in a
 * chain each, and remove it again at DEL: about 110 ms of iptables runs per
 * container on the machines we measured, for rules that never differ
 * between containers of one network.
 *
 * Each start checks the rules (`iptables -C`, ~2 ms each, 5-30 ms for the
 * three on a busy machine) and puts back what is missing, so a flushed
 * table heals on the next start. With iptables on nf_tables, a check that
 * found every rule leaves the ruleset's generation in
 * /run/cubo/rules-checked/<bridge> (nft_gen.h); while the generation stays
 * the same, no table changed, and a start skips the iptables runs. When
 * it changed (any other tool's rule: docker's, the CNI plugins', a
 * firewall's), one netlink dump of each chain tells whether the rules are
 * still there (a rule with the network's comment naming its bridge as -i
 * or -o: nft_gen.h); the iptables runs are left for a rule that is not.
 */
#ifndef CUBO_MGR_NET_RULES_H
#define CUBO_MGR_NET_RULES_H

#include "cubo-mgr/net/netconf.h"

/* Make sure the network's rules are in place (inserted first in their chains). */
struct cubo_error *net_rules_ensure(const struct net_def *d);
/* Remove them (network rm); rules already gone are no error. */
struct cubo_error *net_rules_remove(const struct net_def *d);

/* Pure, for tests: rule i (0..NET_RULES-1) as iptables arguments after -t TABLE -X CHAIN. */
#define NET_RULES 3
#define NET_RULE_MAX_ARGS 16
void net_rule(const struct net_def *d, unsigned i, const char **table, const char **chain,
	      const char *argv[NET_RULE_MAX_ARGS], char subnet[NET_CIDR_STRLEN], char comment[96]);

#endif
