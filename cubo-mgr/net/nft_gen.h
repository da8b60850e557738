/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whether the firewall changed since a given moment, without running
 * iptables: nf_tables numbers its ruleset's generations, and every change
 * to any table (a rule added or deleted, a flush) makes a new one. When
 * iptables is the nf_tables one (xtables-nft-multi, Debian's default), the
 * generation read after a check that found every rule in place, unchanged
 * at the next start, proves the rules are still there (rules.h).
 */
#ifndef CUBO_MGR_NET_NFT_GEN_H
#define CUBO_MGR_NET_NFT_GEN_H

#include <stdbool.h>
#include <stdint.h>

/* The ruleset's generation; false when it cannot be read (no nf_tables). */
bool nft_ruleset_gen(uint32_t *gen);

/*
 * Whether `iptables` as found in PATH is the nf_tables one: legacy
 * iptables' rules live outside nf_tables and make no new generation.
 */
bool nft_iptables_is_nft(void);

#endif
