/* SPDX-License-Identifier: Apache-2.0 */
/* Links over rtnetlink: see link.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/net/addr_route.h"
#include "cubo-mgr/net/link.h"

struct cubo_error *net_ifname_check(const char *name)
{
	size_t n = strlen(name);
	bool ok = n > 0 && n < IFNAMSIZ && strcmp(name, ".") && strcmp(name, "..");
	for (size_t i = 0; ok && i < n; i++)
		ok = name[i] > ' ' && name[i] != '/' && name[i] != ':' && name[i] != 0x7f;
	if (!ok)
		return cubo_error_new("invalid interface name \"%s\": 1 to %d characters, no '/', "
				      "':' or blanks",
				      name, IFNAMSIZ - 1);
	return NULL;
}

void net_mac_format(const unsigned char mac[6], char out[NET_MAC_STRLEN])
{
	snprintf(out, NET_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
}

static void linkinfo_attr(const struct rtattr *a, void *arg)
{
	struct net_link *l = arg;
	if (a->rta_type == IFLA_INFO_KIND)
		l->is_bridge = RTA_PAYLOAD(a) >= 6 && !memcmp(RTA_DATA(a), "bridge", 6) &&
			       (RTA_PAYLOAD(a) == 6 || ((const char *)RTA_DATA(a))[6] == '\0');
}

static void link_attr(const struct rtattr *a, void *arg)
{
	struct net_link *l = arg;
	switch (a->rta_type) {
	case IFLA_MTU:
		if (RTA_PAYLOAD(a) >= sizeof(uint32_t))
			memcpy(&l->mtu, RTA_DATA(a), sizeof(uint32_t));
		break;
	case IFLA_MASTER:
		if (RTA_PAYLOAD(a) >= sizeof(uint32_t))
			memcpy(&l->master, RTA_DATA(a), sizeof(uint32_t));
		break;
	case IFLA_ADDRESS:
		if (RTA_PAYLOAD(a) == 6) {
			memcpy(l->mac, RTA_DATA(a), 6);
			l->has_mac = true;
		}
		break;
	case IFLA_LINKINFO:
		nl_attrs_each(RTA_DATA(a), RTA_PAYLOAD(a), linkinfo_attr, l);
		break;
	}
}

static void link_answer(const struct nlmsghdr *h, void *arg)
{
	struct net_link *l = arg;
	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	l->index = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	nl_attrs_each(IFLA_RTA(ifi), h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)), link_attr, l);
}

struct cubo_error *net_link_get(struct nl_sock *s, const char *name, struct net_link *out,
				bool *found)
{
	memset(out, 0, sizeof(*out));
	*found = false;
	CUBO_TRY(net_ifname_check(name));
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nl_msg m;
	nl_msg_init(&m, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	nl_put_str(&m, IFLA_IFNAME, name);
	int kerr;
	CUBO_TRY(nl_query(s, &m, link_answer, out, &kerr));
	if (kerr == ENODEV)
		return NULL;
	if (kerr)
		return cubo_error_new_errno(kerr, "look up link %s", name);
	if (out->index <= 0)
		return cubo_error_new("look up link %s: no answer", name);
	*found = true;
	return NULL;
}

static struct cubo_error *set_flags(struct nl_sock *s, int index, unsigned flags, unsigned change,
				    const char *what)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC,
				.ifi_index = index,
				.ifi_flags = flags,
				.ifi_change = change};
	struct nl_msg m;
	nl_msg_init(&m, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	int kerr;
	CUBO_TRY(nl_call(s, &m, &kerr));
	return kerr ? cubo_error_new_errno(kerr, "%s link %d", what, index) : NULL;
}

struct cubo_error *net_link_up(struct nl_sock *s, int index)
{
	return set_flags(s, index, IFF_UP, IFF_UP, "set up");
}

/* The same MAC set explicitly: the kernel then stops giving the bridge its lowest port's. */
static struct cubo_error *pin_mac(struct nl_sock *s, const struct net_link *l)
{
	if (!l->has_mac)
		return NULL;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = l->index};
	struct nl_msg m;
	nl_msg_init(&m, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	nl_put(&m, IFLA_ADDRESS, l->mac, 6);
	int kerr;
	CUBO_TRY(nl_call(s, &m, &kerr));
	return kerr ? cubo_error_new_errno(kerr, "set the MAC of link %d", l->index) : NULL;
}

int net_if_sysctl_open(const char *family, const char *ifname, const char *key)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family, ifname, key);
	return open(path, O_WRONLY | O_CLOEXEC);
}

void net_if_sysctl(const char *family, const char *ifname, const char *key, const char *value)
{
	int fd = net_if_sysctl_open(family, ifname, key);
	if (fd >= 0) {
		if (write(fd, value, strlen(value)) < 0) {
			/* best effort, as in the CNI plugins */
		}
		close(fd);
	}
}

struct cubo_error *net_bridge_ensure(struct nl_sock *s, const char *name, uint32_t gw,
				     unsigned prefix, struct net_link *out)
{
	bool found;
	CUBO_TRY(net_link_get(s, name, out, &found));
	if (!found) {
		struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
		struct nl_msg m;
		nl_msg_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
		nl_put_str(&m, IFLA_IFNAME, name);
		struct rtattr *info = nl_nest_begin(&m, IFLA_LINKINFO);
		nl_put_str(&m, IFLA_INFO_KIND, "bridge");
		nl_nest_end(&m, info);
		int kerr;
		CUBO_TRY(nl_call(s, &m, &kerr));
		if (kerr && kerr != EEXIST) /* EEXIST: another start made it meanwhile */
			return cubo_error_new_errno(kerr, "create bridge %s", name);
		/* routes on the bridge are cubo's: no router advertisement adds any */
		net_if_sysctl("ipv6", name, "accept_ra", "0");
		CUBO_TRY(net_link_get(s, name, out, &found));
		if (!found)
			return cubo_error_new("bridge %s vanished after it was made", name);
	}
	if (!out->is_bridge)
		return cubo_error_new("link %s exists but is not a bridge", name);
	bool added;
	CUBO_TRY_CTX(net_addr_add(s, out->index, gw, prefix, &added), "bridge %s", name);
	if (added)
		CUBO_TRY(pin_mac(s, out));
	if (!(out->flags & IFF_UP)) {
		CUBO_TRY(net_link_up(s, out->index));
		out->flags |= IFF_UP;
	}
	return NULL;
}

struct cubo_error *net_veth_add(struct nl_sock *s, const char *host, const char *peer, int netns_fd,
				unsigned mtu, int master, const unsigned char *peer_mac, int *kerr)
{
	CUBO_TRY(net_ifname_check(host));
	CUBO_TRY(net_ifname_check(peer));
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
	struct nl_msg m;
	nl_msg_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	nl_put_str(&m, IFLA_IFNAME, host);
	if (mtu)
		nl_put_u32(&m, IFLA_MTU, mtu);
	if (master)
		nl_put_u32(&m, IFLA_MASTER, (uint32_t)master);
	struct rtattr *info = nl_nest_begin(&m, IFLA_LINKINFO);
	nl_put_str(&m, IFLA_INFO_KIND, "veth");
	struct rtattr *data = nl_nest_begin(&m, IFLA_INFO_DATA);
	struct rtattr *p = nl_nest_begin(&m, VETH_INFO_PEER);
	struct ifinfomsg pifi = {.ifi_family = AF_UNSPEC};
	nl_put_raw(&m, &pifi, sizeof(pifi));
	nl_put_str(&m, IFLA_IFNAME, peer);
	nl_put_u32(&m, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	if (mtu)
		nl_put_u32(&m, IFLA_MTU, mtu);
	if (peer_mac)
		nl_put(&m, IFLA_ADDRESS, peer_mac, 6);
	nl_nest_end(&m, p);
	nl_nest_end(&m, data);
	nl_nest_end(&m, info);
	CUBO_TRY(nl_call(s, &m, kerr));
	if (*kerr && *kerr != EEXIST)
		return cubo_error_new_errno(*kerr, "create veth %s (peer %s)", host, peer);
	return NULL;
}

struct cubo_error *net_brport_hairpin(struct nl_sock *s, int index)
{
	struct ifinfomsg ifi = {.ifi_family = AF_BRIDGE, .ifi_index = index};
	struct nl_msg m;
	nl_msg_init(&m, RTM_SETLINK, 0, &ifi, sizeof(ifi));
	struct rtattr *pi = nl_nest_begin(&m, IFLA_PROTINFO | NLA_F_NESTED);
	uint8_t on = 1;
	nl_put(&m, IFLA_BRPORT_MODE, &on, sizeof(on));
	nl_nest_end(&m, pi);
	int kerr;
	CUBO_TRY(nl_call(s, &m, &kerr));
	return kerr ? cubo_error_new_errno(kerr, "hairpin mode on link %d", index) : NULL;
}

struct cubo_error *net_link_delete(const char *ifname)
{
	CUBO_TRY(net_ifname_check(ifname));
	struct nl_sock s;
	CUBO_TRY(nl_open(&s));
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nl_msg m;
	nl_msg_init(&m, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	nl_put_str(&m, IFLA_IFNAME, ifname);
	int kerr;
	struct cubo_error *err = nl_call(&s, &m, &kerr);
	nl_close(&s);
	if (!err && kerr && kerr != ENODEV)
		err = cubo_error_new_errno(kerr, "delete link %s", ifname);
	return err ? cubo_error_wrap(err, "delete link %s", ifname) : NULL;
}
