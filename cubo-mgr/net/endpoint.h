/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a container asks of its interface on one network beyond what the
 * network hands out: a fixed address (--ip), a MAC (--mac-address), more
 * link-local addresses (--link-local-ip). The record keeps one string per
 * network, in the words of docker's --network NAME=VALUE syntax, so every
 * start attaches the same:
 *
 *   name=NET,ip=10.1.2.3,mac-address=02:42:ac:11:00:02,link-local-ip=169.254.1.1
 *
 * Networks are IPv4 only: an IPv6 address may be asked for only as a
 * link-local one. Pure.
 */
#ifndef CUBO_MGR_NET_ENDPOINT_H
#define CUBO_MGR_NET_ENDPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "cubo-mgr/net/netconf.h"
#include "shared/error.h"

struct net_endpoint {
	char *network;
	bool has_ip, has_mac;
	uint32_t ip; /* host byte order */
	unsigned char mac[6];
	char **link_local; /* as inet_ntop writes them; NULL-terminated or NULL */
};

void net_endpoint_free(struct net_endpoint *e);
/* Whether e asks for anything. */
bool net_endpoint_any(const struct net_endpoint *e);

/* docker's checks and words: "X is not a valid mac address"; unicast and not all zeroes. */
struct cubo_error *net_mac_parse(const char *s, unsigned char mac[6]);
/* "invalid IPv4 address: X" */
struct cubo_error *net_endpoint_ipv4(const char *s, uint32_t *out);
/* "invalid IPv6 address: X" */
struct cubo_error *net_endpoint_ipv6_check(const char *s);
/* 169.254.0.0/16 or fe80::/10, written back in inet_ntop's form (caller frees). */
struct cubo_error *net_link_local_parse(const char *s, char **out);

/* run's and network connect's flags, as given (NULL: not given). */
struct net_endpoint_flags {
	const char *ip, *ip6, *mac;
	char *const *link_local;
};
/*
 * The flags checked and made network's string (*out NULL when none was
 * given). network: "none", "host", the default network's name or a user
 * network's; user_net tells which of the last two. Errors in docker's
 * words: a bad address or MAC, an address on a network that is not
 * user-defined, a MAC without a network, and --ip6 (networks are IPv4 only).
 */
struct cubo_error *net_endpoint_from_flags(const struct net_endpoint_flags *f, const char *network,
					   bool user_net, char **out);

/* The record's string; errors name the member. */
struct cubo_error *net_endpoint_parse(const char *s, struct net_endpoint *out);
char *net_endpoint_format(const struct net_endpoint *e);
/*
 * The endpoint of network in v (a record's strings); *found false, and
 * nothing to free, when v has none for it.
 */
struct cubo_error *net_endpoint_find(char *const *v, const char *network, struct net_endpoint *out,
				     bool *found);
/*
 * The endpoint v has for network d, if any, fits it: a fixed address is a
 * container address of d's subnet and not its gateway (ipam.h).
 */
struct cubo_error *net_endpoint_check(char *const *v, const struct net_def *d);
/* v without network's string, and with `add` (may be NULL) appended: a new vector. */
char **net_endpoint_replace(char *const *v, const char *network, const char *add);

#endif
