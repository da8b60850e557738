/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the CNI bridge and host-local plugins do for a container on one of
 * cubo's own networks, done in process: no plugin process on a container's
 * start or stop (they cost ~35-40 ms at start and ~25-30 ms at stop, most
 * of a `run --rm` on the default network).
 *
 *   ADD: the bridge made if missing, with the gateway's address, up
 *        (link.h); an address allocated (or the one asked for, reserved)
 *        in host-local's own directory and format (ipam.h); a veth pair
 *        made with its peer directly in the container's namespace as
 *        ifname (with the MAC asked for), the bridge's MTU, the host end a
 *        port of the bridge in hairpin mode, up; in the namespace: the
 *        address, up, the default route via the gateway (ns_conf.h). The
 *        result is the plugin's result, in the same CNI 1.0 shape, so what
 *        reads net.json and a later CNI DEL see no difference.
 *   DEL: the host ends of the veths the result names deleted (which
 *        destroys the container's end with them, whether its namespace is
 *        still there or not), the address released.
 *
 * Only a conflist of the exact shape netconf.h generates is served here
 * (bridge + host-local with one range + portmap); anything else, and every
 * network when CUBO_NET_CNI=1 is in the environment, goes to the plugins.
 * portmap stays a plugin, run after this ADD with its result (cni.h).
 */
#ifndef CUBO_MGR_NET_BRIDGE_ATTACH_H
#define CUBO_MGR_NET_BRIDGE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

#include "cubo-mgr/settings.h"
#include "cubo-mgr/net/endpoint.h"
#include "cubo-mgr/net/ipam.h"
#include "shared/error.h"

struct bridge_conf {
	char *network;	/* the conflist's name */
	char *ipam_dir; /* <dataDir>/<network> */
	char bridge[16];
	struct ipam_range range;
	bool hairpin;
};

void bridge_conf_free(struct bridge_conf *c);

/* Whether cubo attaches in process: unless the settings say CUBO_NET_CNI=1. */
bool bridge_attach_enabled(const struct mgr_settings *set);

/*
 * *ours true (and out filled) when the conflist is one cubo serves in
 * process; false (and nothing to free) when it is anything else. Errors
 * only for text that is not JSON. Pure.
 */
struct cubo_error *bridge_conf_parse(const char *conflist, size_t len, struct bridge_conf *out,
				     bool *ours);

/*
 * netns: the namespace's path (also the result's sandbox). *result: CNI
 * result JSON. ep (NULL: none): the address, MAC and link-local addresses
 * the container asks for on this network (endpoint.h).
 */
struct cubo_error *bridge_add(const struct bridge_conf *c, const char *id, const char *netns,
			      const char *ifname, const struct net_endpoint *ep, char **result);
/* prev_result: what ADD gave (either ADD), NULL if none. Every step tried. */
struct cubo_error *bridge_del(const struct bridge_conf *c, const char *id, const char *ifname,
			      const char *prev_result);

#endif
