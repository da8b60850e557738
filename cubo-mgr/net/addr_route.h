/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4 addresses and routes over rtnetlink (nl.h), in whatever network
 * namespace the socket was opened: the bridge's gateway address in the
 * host's, a container's address and default route in its own.
 */
#ifndef CUBO_MGR_NET_ADDR_ROUTE_H
#define CUBO_MGR_NET_ADDR_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "cubo-mgr/net/nl.h"

/* ip/prefix on link index (host byte order); *added false when it was there already. */
struct cubo_error *net_addr_add(struct nl_sock *s, int index, uint32_t ip, unsigned prefix,
				bool *added);
/*
 * A link-local address ("169.254.1.2" as /16, "fe80::2" as /64, without
 * duplicate detection: usable at once), scope link.
 */
struct cubo_error *net_addr_add_link_local(struct nl_sock *s, int index, const char *text);
/* The default route via gw out of link index. */
struct cubo_error *net_route_default(struct nl_sock *s, int index, uint32_t gw);

#endif
