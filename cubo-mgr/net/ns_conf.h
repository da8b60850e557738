/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's end of a veth, configured inside its network namespace:
 * address, up, default route via the gateway, ARP announcements on change
 * (arp_notify, as the CNI bridge plugin sets), and its MAC read back.
 *
 * Netlink requests act in the namespace of the socket they are sent on,
 * and a /proc/sys/net file in the namespace of whoever opened it. So the
 * calling thread enters the namespace (setns(CLONE_NEWNET) changes that
 * thread only) just long enough to open a netlink socket and the
 * interface's arp_notify file, returns, and does the requests from its own
 * namespace through them. Nothing of the container's runs in that window
 * on our side (two opens), and a failed return stops the process rather
 * than letting it go on in the container's namespace. Before, a thread
 * entered the namespace and did the whole work: starting it waited for an
 * idle CPU to wake, ~1.5 ms on this kind of machine, on the path of every
 * container and build on a bridge.
 */
#ifndef CUBO_MGR_NET_NS_CONF_H
#define CUBO_MGR_NET_NS_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "cubo-mgr/net/link.h"
#include "shared/error.h"

struct ns_conf {
	int netns_fd;	    /* the namespace (opened O_CLOEXEC by the caller) */
	const char *ifname; /* the interface already in it */
	uint32_t ip, gw;    /* host byte order */
	unsigned prefix;
	char *const *link_local;  /* more addresses (endpoint.h); NULL-terminated or NULL */
	char mac[NET_MAC_STRLEN]; /* out */
};

struct cubo_error *ns_conf_apply(struct ns_conf *c);

#endif
