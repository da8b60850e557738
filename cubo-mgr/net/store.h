/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The networks under <root>/networks/:
 *
 *   <name>.conflist        the network (netconf.h), written atomically
 *   ipam/<name>/           host-local's address allocations (one file per address;
 *                          ipam.h writes the same in process)
 *                          of user networks; the default network's bridge is
 *                          the machine's, whatever the root, so its addresses
 *                          are allocated in one place for all roots:
 *                          /run/cubo/ipam/cubo/ (gone at reboot, as the bridge)
 *   members/<name>/<id>    "IP NAME ALIAS..." of each running container on a
 *                          user network: what its peers' /etc/hosts list
 *   .lock                  held while networks are made or removed
 *
 * The default network "cubo" (bridge cubo0, 10.87.0.0/16) is written on
 * first use; "bridge" is another name for it, as docker calls its default.
 */
#ifndef CUBO_MGR_NET_STORE_H
#define CUBO_MGR_NET_STORE_H

#include <stddef.h>

#include "cubo-mgr/net/netconf.h"

#define NET_SHARED_IPAM_DIR "/run/cubo/ipam"

struct net_store {
	char *dir;	   /* <root>/networks */
	char *ipam_dir;	   /* <root>/networks/ipam */
	char *members_dir; /* <root>/networks/members */
};

struct cubo_error *net_store_open(const char *root, struct net_store *out);
void net_store_close(struct net_store *s);

/* "bridge" -> "cubo"; everything else as given. */
const char *net_canonical_name(const char *name);
bool net_is_default(const char *name);

/*
 * A network by name, ID or unique ID prefix, with its conflist text (either
 * out pointer may be NULL). Error "network X not found".
 */
struct cubo_error *net_store_get(const struct net_store *s, const char *arg, struct net_def *d,
				 char **conflist, size_t *len);
/* Every network, the default first, then by name. */
struct cubo_error *net_store_list(const struct net_store *s, struct net_def **out, size_t *n);
void net_defs_free(struct net_def *v, size_t n);

struct net_create_opts {
	const char *name;
	const char *subnet;  /* NULL: the first free 10.90.N.0/24 */
	const char *gateway; /* NULL: the subnet's first address */
};
/*
 * Errors: a bad or taken name, a bad subnet or gateway, a subnet that
 * overlaps another network's or a route of the host.
 */
struct cubo_error *net_store_create(const struct net_store *s, const struct net_create_opts *o,
				    struct net_def *out);
/* host-local's dataDir for network name. */
const char *net_store_ipam_dir(const struct net_store *s, const char *name);
/* Remove the definition and its allocations (callers check no container uses it). */
struct cubo_error *net_store_remove(const struct net_store *s, const struct net_def *d);

/*
 * Pure, for tests: whether want conflicts with one of the networks or a
 * route in proc_route (/proc/net/route text; routes through dev `bridge`
 * and default routes are ignored). *why says with what.
 */
bool net_subnet_conflict(const struct net_cidr *want, const char *bridge,
			 const struct net_def *nets, size_t n, const char *proc_route, char **why);

#endif
