/* SPDX-License-Identifier: Apache-2.0 */
/* A container's requests for one network's interface: see endpoint.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/net/cidr.h"
#include "cubo-mgr/net/endpoint.h"
#include "cubo-mgr/net/ipam.h"
#include "cubo-mgr/net/link.h"
#include "cubo-mgr/net/netconf.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

void net_endpoint_free(struct net_endpoint *e)
{
	free(e->network);
	cubo_strv_free(e->link_local);
	memset(e, 0, sizeof(*e));
}

bool net_endpoint_any(const struct net_endpoint *e)
{
	return e->has_ip || e->has_mac || e->link_local;
}

struct cubo_error *net_mac_parse(const char *s, unsigned char mac[6])
{
	/* six two-digit octets, one separator throughout (':' or '-'), as Go's ParseMAC */
	bool ok = strlen(s) == 17 && (s[2] == ':' || s[2] == '-');
	for (int i = 0; ok && i < 6; i++) {
		int hi = cubo_hex_value(s[i * 3]), lo = cubo_hex_value(s[i * 3 + 1]);
		ok = hi >= 0 && lo >= 0 && (i == 5 || s[i * 3 + 2] == s[2]);
		if (ok)
			mac[i] = (unsigned char)(hi << 4 | lo);
	}
	if (!ok)
		return cubo_error_new("%s is not a valid mac address", s);
	if (mac[0] & 1)
		return cubo_error_new("%s is not a valid mac address: a multicast address", s);
	static const unsigned char zero[6];
	if (!memcmp(mac, zero, 6))
		return cubo_error_new("%s is not a valid mac address: all zeroes", s);
	return NULL;
}

struct cubo_error *net_endpoint_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return cubo_error_new("invalid IPv4 address: %s", s);
	*out = ntohl(a.s_addr);
	return NULL;
}

struct cubo_error *net_endpoint_ipv6_check(const char *s)
{
	struct in6_addr a;
	if (inet_pton(AF_INET6, s, &a) != 1)
		return cubo_error_new("invalid IPv6 address: %s", s);
	return NULL;
}

struct cubo_error *net_link_local_parse(const char *s, char **out)
{
	struct in_addr a4;
	struct in6_addr a6;
	char b[INET6_ADDRSTRLEN];
	if (inet_pton(AF_INET, s, &a4) == 1) {
		if ((ntohl(a4.s_addr) >> 16) != 0xa9fe) /* 169.254.0.0/16 */
			return cubo_error_new("--link-local-ip %s: not a link-local address "
					      "(169.254.0.0/16)",
					      s);
		inet_ntop(AF_INET, &a4, b, sizeof(b));
	} else if (inet_pton(AF_INET6, s, &a6) == 1) {
		if (a6.s6_addr[0] != 0xfe || (a6.s6_addr[1] & 0xc0) != 0x80) /* fe80::/10 */
			return cubo_error_new("--link-local-ip %s: not a link-local address "
					      "(fe80::/10)",
					      s);
		inet_ntop(AF_INET6, &a6, b, sizeof(b));
	} else {
		return cubo_error_new("--link-local-ip: invalid IP address: %s", s);
	}
	*out = xstrdup(b);
	return NULL;
}

static struct cubo_error *parse_member(const char *key, const char *val, struct net_endpoint *e,
				       size_t *n_ll)
{
	if (!strcmp(key, "name")) {
		if (e->network)
			return cubo_error_new("name given twice");
		CUBO_TRY(net_name_check(val));
		e->network = xstrdup(val);
	} else if (!strcmp(key, "ip")) {
		CUBO_TRY(net_endpoint_ipv4(val, &e->ip));
		e->has_ip = true;
	} else if (!strcmp(key, "mac-address")) {
		CUBO_TRY(net_mac_parse(val, e->mac));
		e->has_mac = true;
	} else if (!strcmp(key, "link-local-ip")) {
		char *ll;
		CUBO_TRY(net_link_local_parse(val, &ll));
		cubo_strv_push(&e->link_local, n_ll, ll);
		free(ll);
	} else {
		return cubo_error_new("unknown member \"%s\"", key);
	}
	return NULL;
}

struct cubo_error *net_endpoint_parse(const char *s, struct net_endpoint *out)
{
	memset(out, 0, sizeof(*out));
	char *copy = xstrdup(s), *save = NULL;
	size_t n_ll = 0;
	struct cubo_error *err = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok && !err;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq) {
			err = cubo_error_new("\"%s\": expected KEY=VALUE", tok);
			break;
		}
		*eq = '\0';
		err = parse_member(tok, eq + 1, out, &n_ll);
	}
	if (!err && !out->network)
		err = cubo_error_new("no name=NETWORK");
	free(copy);
	if (err) {
		net_endpoint_free(out);
		return cubo_error_wrap(err, "network endpoint \"%s\"", s);
	}
	return NULL;
}

char *net_endpoint_format(const struct net_endpoint *e)
{
	struct cubo_strbuf b = {0};
	cubo_strbuf_adds(&b, "name=");
	cubo_strbuf_adds(&b, e->network);
	if (e->has_ip) {
		char a[NET_IP_STRLEN];
		net_ip_format(e->ip, a);
		cubo_strbuf_adds(&b, ",ip=");
		cubo_strbuf_adds(&b, a);
	}
	if (e->has_mac) {
		char m[NET_MAC_STRLEN];
		net_mac_format(e->mac, m);
		cubo_strbuf_adds(&b, ",mac-address=");
		cubo_strbuf_adds(&b, m);
	}
	for (size_t i = 0; e->link_local && e->link_local[i]; i++) {
		cubo_strbuf_adds(&b, ",link-local-ip=");
		cubo_strbuf_adds(&b, e->link_local[i]);
	}
	return cubo_strbuf_take(&b);
}

/* Whether s is network's string: "name=NETWORK" up to the first comma. */
static bool names(const char *s, const char *network)
{
	size_t n = strlen(network);
	return !strncmp(s, "name=", 5) && !strncmp(s + 5, network, n) &&
	       (s[5 + n] == ',' || s[5 + n] == '\0');
}

struct cubo_error *net_endpoint_find(char *const *v, const char *network, struct net_endpoint *out,
				     bool *found)
{
	*found = false;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; v && v[i]; i++) {
		if (!names(v[i], network))
			continue;
		CUBO_TRY(net_endpoint_parse(v[i], out));
		*found = true;
		return NULL;
	}
	return NULL;
}

char **net_endpoint_replace(char *const *v, const char *network, const char *add)
{
	char **out = NULL;
	size_t n = 0;
	for (size_t i = 0; v && v[i]; i++)
		if (!names(v[i], network))
			cubo_strv_push(&out, &n, v[i]);
	if (add)
		cubo_strv_push(&out, &n, add);
	return out;
}

struct cubo_error *net_endpoint_check(char *const *v, const struct net_def *d)
{
	struct net_endpoint e;
	bool found;
	CUBO_TRY(net_endpoint_find(v, d->name, &e, &found));
	struct cubo_error *err = NULL;
	if (found && e.has_ip) {
		struct ipam_range r;
		ipam_range_default(&d->subnet, d->gateway, &r);
		err = ipam_static_check(&r, d->name, e.ip);
	}
	net_endpoint_free(&e);
	return err;
}

struct cubo_error *net_endpoint_from_flags(const struct net_endpoint_flags *f, const char *network,
					   bool user_net, char **out)
{
	*out = NULL;
	struct net_endpoint e = {0};
	size_t n_ll = 0;
	struct cubo_error *err = NULL;
	if (f->ip)
		err = cubo_error_wrap(net_endpoint_ipv4(f->ip, &e.ip), "--ip");
	e.has_ip = f->ip != NULL;
	if (!err && f->ip6)
		err = cubo_error_wrap(net_endpoint_ipv6_check(f->ip6), "--ip6");
	if (!err && f->mac)
		err = net_mac_parse(f->mac, e.mac);
	e.has_mac = f->mac != NULL;
	for (size_t i = 0; !err && f->link_local && f->link_local[i]; i++) {
		char *ll;
		err = net_link_local_parse(f->link_local[i], &ll);
		if (!err && !cubo_strv_contains(e.link_local, ll))
			cubo_strv_push(&e.link_local, &n_ll, ll);
		if (!err)
			free(ll);
	}
	bool special = !strcmp(network, "none") || !strcmp(network, "host");
	if (!err && (f->ip || f->ip6 || e.link_local) && !user_net)
		err = cubo_error_new("user specified IP address is supported on user defined "
				     "networks only");
	if (!err && f->mac && special)
		err = cubo_error_new("conflicting options: mac-address and the network mode");
	if (!err && f->ip6)
		err = cubo_error_new("--ip6 %s: network %s has no IPv6 subnet (cubo's networks are "
				     "IPv4 only)",
				     f->ip6, network);
	if (!err && net_endpoint_any(&e)) {
		e.network = xstrdup(network);
		*out = net_endpoint_format(&e);
	}
	net_endpoint_free(&e);
	return err;
}
