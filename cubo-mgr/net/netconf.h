/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A network as cubo-mgr keeps it: one CNI configuration list per network,
 * <root>/networks/<name>.conflist. The file is both what the plugins are
 * run with (bridge_attach.h does the bridge's and host-local's part in
 * process for exactly this shape) and the network's definition (its ID and creation time ride in a
 * "cubo" member that CNI ignores), so there is nothing to keep in sync.
 *
 * Every network is a Linux bridge: bridge (gateway, hairpin) + host-local
 * addresses (store.h says where) + portmap (published ports, SNAT of
 * host-local traffic so 127.0.0.1 reaches them; run only for containers
 * that publish ports). Masquerade and FORWARD accepts are the network's own
 * rules (rules.h) rather than the bridge plugin's ipMasq and the firewall
 * plugin, which would add and remove them per container. Pure.
 */
#ifndef CUBO_MGR_NET_NETCONF_H
#define CUBO_MGR_NET_NETCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "cubo-mgr/net/cidr.h"
#include "shared/error.h"

#define NET_DEFAULT_NAME "cubo"
#define NET_DEFAULT_BRIDGE "cubo0"
#define NET_DEFAULT_SUBNET "10.87.0.0/16"
#define NET_CNI_VERSION "1.0.0"
#define NET_ID_LEN 64

struct net_def {
	char *name;
	char id[NET_ID_LEN + 1];
	char bridge[16]; /* IFNAMSIZ */
	struct net_cidr subnet;
	uint32_t gateway;
	char created[40]; /* RFC 3339 */
};

void net_def_free(struct net_def *d);

/* Docker's rule for network names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 64 bytes. */
struct cubo_error *net_name_check(const char *name);

/* The conflist text; ipam_dir is host-local's dataDir. */
struct cubo_error *net_conflist_gen(const struct net_def *d, const char *ipam_dir, char **out,
				    size_t *len);
/* Read back what net_conflist_gen wrote. source names the file in errors. */
struct cubo_error *net_conflist_parse(const char *json, size_t len, const char *source,
				      struct net_def *out);

#endif
