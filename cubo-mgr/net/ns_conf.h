/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's end of a veth, configured inside its network namespace:
 * address, up, default route via the gateway, ARP announcements on change
 * (arp_notify, as the CNI bridge plugin sets), and its MAC read back.
 *
 * Netlink requests act in the namespace of the socket they are sent on, so
 * this needs one socket opened inside the container's namespace. The
 * caller never enters it: a short-lived thread does setns(CLONE_NEWNET)
 * (which changes that thread only), does the four requests and exits, its
 * namespace going with it. A thread rather than a forked child: no process
 * to start and reap (~1 ms on this kind of machine against ~50 us), and
 * nothing the child would have to report back through a pipe. The caller
 * (the monitor, root, in the host's namespace) stays where it is whatever
 * the thread does.
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
	char mac[NET_MAC_STRLEN]; /* out */
};

struct cubo_error *ns_conf_apply(struct ns_conf *c);

#endif
