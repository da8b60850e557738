/* SPDX-License-Identifier: Apache-2.0 */
/* Deleting a link over rtnetlink: see link.h. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cubo-mgr/net/link.h"

struct cubo_error *net_link_delete(const char *ifname)
{
	if (strlen(ifname) >= IFNAMSIZ)
		return cubo_error_new("link name %s is too long", ifname);
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[64];
	} req = {0};
	req.nh.nlmsg_type = RTM_DELLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	struct rtattr *rta = (struct rtattr *)req.attrs;
	rta->rta_type = IFLA_IFNAME;
	rta->rta_len = (unsigned short)RTA_LENGTH(strlen(ifname) + 1);
	memcpy(RTA_DATA(rta), ifname, strlen(ifname) + 1);
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi)) + RTA_ALIGN(rta->rta_len);
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0)
		return cubo_error_errno("netlink socket");
	struct cubo_error *err = NULL;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	if (sendto(s, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = cubo_error_errno("delete link %s", ifname);
	} else {
		char buf[1024];
		ssize_t n = recv(s, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		if (n < 0) {
			err = cubo_error_errno("delete link %s: netlink answer", ifname);
		} else if (n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) &&
			   h->nlmsg_type == NLMSG_ERROR) {
			int e = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (e && e != ENODEV)
				err = cubo_error_new_errno(e, "delete link %s", ifname);
		}
	}
	close(s);
	return err;
}
