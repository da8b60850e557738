/* SPDX-License-Identifier: Apache-2.0 */
/* IPv4 subnets: see cidr.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cubo-mgr/net/cidr.h"

struct cubo_error *net_ip_parse(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return cubo_error_new("\"%s\" is not an IPv4 address", s);
	*out = ntohl(a.s_addr);
	return NULL;
}

void net_ip_format(uint32_t ip, char buf[NET_IP_STRLEN])
{
	snprintf(buf, NET_IP_STRLEN, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
		 ip & 255);
}

uint32_t net_cidr_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

struct cubo_error *net_cidr_parse(const char *s, struct net_cidr *out)
{
	char ip[NET_IP_STRLEN];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(ip) || !slash[1] || strlen(slash + 1) > 2)
		return cubo_error_new("invalid subnet \"%s\": expected ADDRESS/PREFIX, e.g. "
				      "10.90.0.0/24",
				      s);
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	unsigned prefix = 0;
	for (const char *p = slash + 1; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return cubo_error_new("invalid subnet \"%s\": bad prefix length", s);
		prefix = prefix * 10 + (unsigned)(*p - '0');
	}
	uint32_t addr = 0;
	struct cubo_error *err = net_ip_parse(ip, &addr);
	if (err)
		return cubo_error_wrap(err, "invalid subnet \"%s\"", s);
	if (prefix > 32)
		return cubo_error_new("invalid subnet \"%s\": prefix length above 32", s);
	if (prefix > 30)
		return cubo_error_new("invalid subnet \"%s\": a /%u has no room for a gateway and "
				      "a container (at most /30)",
				      s, prefix);
	uint32_t net = addr & net_cidr_mask(prefix);
	if (net != addr) {
		char b[NET_IP_STRLEN];
		net_ip_format(net, b);
		return cubo_error_new("invalid subnet \"%s\": host bits are set (the network is "
				      "%s/%u)",
				      s, b, prefix);
	}
	out->addr = net;
	out->prefix = prefix;
	return NULL;
}

void net_cidr_format(const struct net_cidr *c, char buf[NET_CIDR_STRLEN])
{
	char ip[NET_IP_STRLEN];
	net_ip_format(c->addr, ip);
	snprintf(buf, NET_CIDR_STRLEN, "%s/%u", ip, c->prefix);
}

bool net_cidr_contains(const struct net_cidr *c, uint32_t ip)
{
	return (ip & net_cidr_mask(c->prefix)) == c->addr;
}

bool net_cidr_overlap(const struct net_cidr *a, const struct net_cidr *b)
{
	/* two prefixes overlap exactly when the shorter one contains the other */
	unsigned p = a->prefix < b->prefix ? a->prefix : b->prefix;
	uint32_t m = net_cidr_mask(p);
	return (a->addr & m) == (b->addr & m);
}

uint32_t net_cidr_default_gateway(const struct net_cidr *c)
{
	return c->addr + 1;
}

bool net_cidr_is_host(const struct net_cidr *c, uint32_t ip)
{
	uint32_t broadcast = c->addr | ~net_cidr_mask(c->prefix);
	return net_cidr_contains(c, ip) && ip != c->addr && ip != broadcast;
}
