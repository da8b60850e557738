/* SPDX-License-Identifier: Apache-2.0 */
/* A container's veth end configured in its namespace by a thread: see ns_conf.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/net/addr_route.h"
#include "cubo-mgr/net/ns_conf.h"

struct job {
	struct ns_conf *c;
	struct cubo_error *err;
};

static struct cubo_error *configure(struct ns_conf *c)
{
	struct nl_sock s;
	CUBO_TRY(nl_open(&s));
	struct net_link l;
	bool found, added;
	struct cubo_error *err = net_link_get(&s, c->ifname, &l, &found);
	if (!err && !found)
		err = cubo_error_new("interface %s is not in the container's namespace", c->ifname);
	if (!err && l.has_mac)
		net_mac_format(l.mac, c->mac);
	if (!err) {
		/* announce the address when it changes: peers' ARP caches learn the new MAC */
		net_if_sysctl("ipv4", c->ifname, "arp_notify", "1");
		err = net_addr_add(&s, l.index, c->ip, c->prefix, &added);
	}
	if (!err)
		err = net_link_up(&s, l.index);
	if (!err)
		err = net_route_default(&s, l.index, c->gw);
	nl_close(&s);
	return err;
}

static void *ns_thread(void *arg)
{
	struct job *j = arg;
	if (setns(j->c->netns_fd, CLONE_NEWNET) < 0)
		j->err = cubo_error_errno("enter the container's network namespace");
	else
		j->err = configure(j->c);
	return NULL;
}

struct cubo_error *ns_conf_apply(struct ns_conf *c)
{
	c->mac[0] = '\0';
	CUBO_TRY(net_ifname_check(c->ifname));
	struct job j = {.c = c};
	pthread_t t;
	int e = pthread_create(&t, NULL, ns_thread, &j);
	if (e)
		return cubo_error_new_errno(e, "start a thread for the container's namespace");
	pthread_join(t, NULL);
	return j.err ? cubo_error_wrap(j.err, "configure %s", c->ifname) : NULL;
}
