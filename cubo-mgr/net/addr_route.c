/* SPDX-License-Identifier: Apache-2.0 */
/* IPv4 addresses and routes over rtnetlink: see addr_route.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <linux/if_addr.h>
#include <sys/socket.h>

#include "cubo-mgr/net/addr_route.h"
#include "cubo-mgr/net/cidr.h"

struct cubo_error *net_addr_add(struct nl_sock *s, int index, uint32_t ip, unsigned prefix,
				bool *added)
{
	*added = false;
	struct ifaddrmsg ifa = {.ifa_family = AF_INET,
				.ifa_prefixlen = (unsigned char)prefix,
				.ifa_scope = RT_SCOPE_UNIVERSE,
				.ifa_index = (unsigned)index};
	struct nl_msg m;
	nl_msg_init(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	uint32_t be = htonl(ip);
	nl_put_u32(&m, IFA_LOCAL, be);
	nl_put_u32(&m, IFA_ADDRESS, be);
	if (prefix < 31)
		nl_put_u32(&m, IFA_BROADCAST, htonl(ip | ~net_cidr_mask(prefix)));
	int kerr;
	CUBO_TRY(nl_call(s, &m, &kerr));
	if (kerr == EEXIST)
		return NULL;
	if (kerr) {
		char b[NET_IP_STRLEN];
		net_ip_format(ip, b);
		return cubo_error_new_errno(kerr, "add address %s/%u", b, prefix);
	}
	*added = true;
	return NULL;
}

struct cubo_error *net_addr_add_link_local(struct nl_sock *s, int index, const char *text)
{
	unsigned char a[16];
	bool v6 = strchr(text, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, text, a) != 1)
		return cubo_error_new("invalid IP address: %s", text);
	struct ifaddrmsg ifa = {.ifa_family = v6 ? AF_INET6 : AF_INET,
				.ifa_prefixlen = v6 ? 64 : 16,
				.ifa_flags = v6 ? IFA_F_NODAD : 0,
				.ifa_scope = RT_SCOPE_LINK,
				.ifa_index = (unsigned)index};
	struct nl_msg m;
	nl_msg_init(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	nl_put(&m, IFA_LOCAL, a, v6 ? 16 : 4);
	nl_put(&m, IFA_ADDRESS, a, v6 ? 16 : 4);
	int kerr;
	CUBO_TRY(nl_call(s, &m, &kerr));
	if (kerr && kerr != EEXIST)
		return cubo_error_new_errno(kerr, "add link-local address %s", text);
	return NULL;
}

struct cubo_error *net_route_default(struct nl_sock *s, int index, uint32_t gw)
{
	struct rtmsg rt = {.rtm_family = AF_INET,
			   .rtm_table = RT_TABLE_MAIN,
			   .rtm_protocol = RTPROT_BOOT,
			   .rtm_scope = RT_SCOPE_UNIVERSE,
			   .rtm_type = RTN_UNICAST};
	struct nl_msg m;
	nl_msg_init(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof(rt));
	nl_put_u32(&m, RTA_GATEWAY, htonl(gw));
	nl_put_u32(&m, RTA_OIF, (uint32_t)index);
	int kerr;
	CUBO_TRY(nl_call(s, &m, &kerr));
	if (kerr && kerr != EEXIST) {
		char b[NET_IP_STRLEN];
		net_ip_format(gw, b);
		return cubo_error_new_errno(kerr, "add default route via %s", b);
	}
	return NULL;
}
