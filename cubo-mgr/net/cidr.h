/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4 addresses and subnets as networks need them: parse "10.87.0.0/16",
 * tell whether two subnets overlap, pick a gateway. Addresses are kept in
 * host byte order so arithmetic on them is plain arithmetic. Pure.
 */
#ifndef CUBO_MGR_NET_CIDR_H
#define CUBO_MGR_NET_CIDR_H

#include <stdbool.h>
#include <stdint.h>

#include "shared/error.h"

#define NET_IP_STRLEN 16   /* "255.255.255.255" + NUL */
#define NET_CIDR_STRLEN 19 /* + "/32" */

struct net_cidr {
	uint32_t addr;	 /* the network address: host bits are zero */
	unsigned prefix; /* 0..32 */
};

/* "10.1.2.3" -> address. Errors name the text. */
struct cubo_error *net_ip_parse(const char *s, uint32_t *out);
void net_ip_format(uint32_t ip, char buf[NET_IP_STRLEN]);

/*
 * "10.87.0.0/16". A subnet with host bits set ("10.87.0.1/16") is refused
 * with the network it probably meant; prefixes longer than /30 leave no room
 * for a gateway and a container, and are refused too.
 */
struct cubo_error *net_cidr_parse(const char *s, struct net_cidr *out);
void net_cidr_format(const struct net_cidr *c, char buf[NET_CIDR_STRLEN]);

uint32_t net_cidr_mask(unsigned prefix);
bool net_cidr_contains(const struct net_cidr *c, uint32_t ip);
bool net_cidr_overlap(const struct net_cidr *a, const struct net_cidr *b);
/* The address docker and podman give the bridge: the subnet's first one. */
uint32_t net_cidr_default_gateway(const struct net_cidr *c);
/* Whether ip is a usable host address of c (not the network or broadcast address). */
bool net_cidr_is_host(const struct net_cidr *c, uint32_t ip);

#endif
