/* SPDX-License-Identifier: Apache-2.0 */
/* A container's veth end configured in its namespace: see ns_conf.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/net/addr_route.h"
#include "cubo-mgr/net/ns_conf.h"

/*
 * The namespace's socket and its interface's arp_notify file, opened with
 * this thread inside the namespace for as long as two opens take. Should
 * the way back fail, the process must not go on in the container's
 * namespace: it stops.
 */
static struct cubo_error *open_inside(struct ns_conf *c, struct nl_sock *s, int *arp_notify)
{
	*arp_notify = -1;
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return cubo_error_errno("open our own network namespace");
	if (setns(c->netns_fd, CLONE_NEWNET) < 0) {
		struct cubo_error *err =
			cubo_error_errno("enter the container's network namespace");
		close(self);
		return err;
	}
	struct cubo_error *err = nl_open(s);
	if (!err) /* best effort, as in the CNI plugins */
		*arp_notify = net_if_sysctl_open("ipv4", c->ifname, "arp_notify");
	if (setns(self, CLONE_NEWNET) < 0) {
		fprintf(stderr, "cubo-mgr: cannot return to our network namespace: %s\n",
			strerror(errno));
		abort();
	}
	close(self);
	return err;
}

static struct cubo_error *configure(struct ns_conf *c, struct nl_sock *s)
{
	struct net_link l;
	bool found, added;
	struct cubo_error *err = net_link_get(s, c->ifname, &l, &found);
	if (!err && !found)
		err = cubo_error_new("interface %s is not in the container's namespace", c->ifname);
	if (!err && l.has_mac)
		net_mac_format(l.mac, c->mac);
	if (!err)
		err = net_addr_add(s, l.index, c->ip, c->prefix, &added);
	for (size_t i = 0; !err && c->link_local && c->link_local[i]; i++)
		err = net_addr_add_link_local(s, l.index, c->link_local[i]);
	if (!err)
		err = net_link_up(s, l.index);
	if (!err)
		err = net_route_default(s, l.index, c->gw);
	return err;
}

struct cubo_error *ns_conf_apply(struct ns_conf *c)
{
	c->mac[0] = '\0';
	CUBO_TRY(net_ifname_check(c->ifname));
	struct nl_sock s;
	int arp_notify;
	struct cubo_error *err = open_inside(c, &s, &arp_notify);
	if (err)
		return cubo_error_wrap(err, "configure %s", c->ifname);
	/* announce the address when it changes: peers' ARP caches learn the new MAC */
	if (arp_notify >= 0 && write(arp_notify, "1", 1) < 0) {
		/* best effort */
	}
	if (arp_notify >= 0)
		close(arp_notify);
	err = configure(c, &s);
	nl_close(&s);
	return err ? cubo_error_wrap(err, "configure %s", c->ifname) : NULL;
}
