/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Links over rtnetlink (nl.h), what a cubo network needs of them: a bridge
 * made if missing, a veth pair whose container end is made directly in the
 * container's namespace, a bridge port's hairpin mode, a link up, a link
 * deleted (network rm deletes the bridge: no CNI plugin does). Names are
 * checked before they reach the kernel: shorter than IFNAMSIZ, no '/', no
 * blank, not "." or "..".
 */
#ifndef CUBO_MGR_NET_LINK_H
#define CUBO_MGR_NET_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "cubo-mgr/net/nl.h"
#include "shared/error.h"

#define NET_MAC_STRLEN 18 /* "aa:bb:cc:dd:ee:ff" + NUL */

struct net_link {
	int index;
	unsigned mtu, flags; /* flags: IFF_UP ... */
	unsigned char mac[6];
	bool has_mac, is_bridge;
	int master; /* index of the bridge it is a port of; 0: none */
};

/* An interface name the kernel will take as it is (errors name it). Pure. */
struct cubo_error *net_ifname_check(const char *name);
void net_mac_format(const unsigned char mac[6], char out[NET_MAC_STRLEN]);

/* *found false when there is no such link. */
struct cubo_error *net_link_get(struct nl_sock *s, const char *name, struct net_link *out,
				bool *found);

/*
 * The bridge up, with gw/prefix on it (made if missing, as the CNI bridge
 * plugin makes it: kernel defaults, accept_ra off, its MAC pinned once it
 * has its address). A link of that name that is not a bridge is an error.
 */
struct cubo_error *net_bridge_ensure(struct nl_sock *s, const char *name, uint32_t gw,
				     unsigned prefix, struct net_link *out);

/*
 * A veth pair: host end `host` (a port of bridge index `master`, up), peer
 * `peer` made directly in the namespace netns_fd names, both with mtu;
 * the peer gets peer_mac when not NULL (else the kernel's random one).
 * EEXIST when host is taken (the caller picks another name).
 */
struct cubo_error *net_veth_add(struct nl_sock *s, const char *host, const char *peer, int netns_fd,
				unsigned mtu, int master, const unsigned char *peer_mac, int *kerr);

/* Hairpin mode on a bridge port: what it sends may come back to it (published ports). */
struct cubo_error *net_brport_hairpin(struct nl_sock *s, int index);
struct cubo_error *net_link_up(struct nl_sock *s, int index);

/*
 * Write /proc/sys/net/FAMILY/conf/IFNAME/KEY in the caller's (thread's)
 * namespace, best effort: a host without IPv6 has no such file.
 * net_if_sysctl_open opens it for writing (-1 on failure): the namespace is
 * the opener's, so it can be written later from another one.
 */
int net_if_sysctl_open(const char *family, const char *ifname, const char *key);
void net_if_sysctl(const char *family, const char *ifname, const char *key, const char *value);

/* Delete the link; one that does not exist is no error. */
struct cubo_error *net_link_delete(const char *ifname);

#endif
