/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network of a build's RUN steps (build --network):
 *
 *   a CNI network (the default bridge, or a user network by name): one
 *       network namespace for the whole build, attached to the network the
 *       way a container's is (net/ctr_net.h) and joined by every RUN step by
 *       its path, so a step pays no network setup. Its /etc/hosts (the
 *       build's address and hostname) and /etc/resolv.conf (the host's,
 *       loopback nameservers dropped) are made as `run` makes a container's.
 *   none: every step gets a namespace of its own with only lo.
 *   host: the host's namespace, hosts and resolv.conf. Opt-in only: a step
 *       then reaches the host's interfaces (with CAP_NET_RAW), its
 *       127.0.0.1 services and its abstract unix sockets.
 *
 * A keeper process makes and releases the namespace: forked from the build,
 * it leaves the build's session (a ^C to the build does not reach it),
 * attaches the network while the build goes on, and releases it when the
 * build says so (after its last RUN step), or as soon as the build is gone
 * however it died (its end of a pipe closes; it then also removes the dead
 * build's step container). The build does not wait for the release: the
 * keeper removes the work directory once both are done. It holds the work directory's lock
 * meanwhile, so no other build's clean-up touches it. Should the keeper itself be killed, the next
 * build's clean-up of dead work directories calls build_net_reap, which releases what the
 * directory's net.json lists.
 */
#ifndef CUBO_MGR_BUILDER_BUILD_NET_H
#define CUBO_MGR_BUILDER_BUILD_NET_H

#include <stdbool.h>
#include <sys/types.h>

#include "shared/error.h"

enum build_net_mode { BUILD_NET_CNI, BUILD_NET_NONE, BUILD_NET_HOST };

/* What the keeper needs (it is a fork: nothing need outlive build_net_start). */
struct build_net_env {
	const char *root; /* the manager's root */
	const struct mgr_settings *settings;
	const char *work;     /* the build's work directory: net.json, hosts, resolv.conf */
	const char *id;	      /* the CNI container ID, also the namespace's name */
	const char *hostname; /* of the RUN steps */
	/* run by the keeper when the build died, before the network goes */
	void (*abandoned)(void *arg);
	void *arg;
};

struct build_net {
	enum build_net_mode mode;
	char *network;	      /* CNI: the network's name */
	char *netns;	      /* CNI: the namespace's path once started; NULL otherwise */
	char *hosts, *resolv; /* files for /etc/hosts and /etc/resolv.conf; NULL: none */
	pid_t keeper;	      /* 0: none running */
	/*
	 * Our end of a socket pair with the keeper: to it, a byte ends the
	 * network, then EOF hands it the work directory (EOF alone: the build
	 * died); from it, 'U' once up, or 'F' and an error text.
	 */
	int fd;
	bool released, up;
};

/*
 * --network VALUE: "host", "none", "default" or "bridge" (the default
 * network), or a user network's name. Errors name the flag.
 */
struct cubo_error *build_net_init(struct build_net *n, const char *network);
void build_net_free(struct build_net *n); /* after build_net_finish */

/* Whether a RUN step needs build_net_start first (CNI, not started). */
bool build_net_pending(const struct build_net *n);

/* Write the hosts files and fork the keeper, which starts attaching. */
struct cubo_error *build_net_start(struct build_net *n, const struct build_net_env *env);

/* Wait until the namespace is attached; the keeper's error when it could not be. */
struct cubo_error *build_net_wait_up(struct build_net *n);

/*
 * The same wait, from a RUN step's child just before it needs the network
 * (it started while the keeper was still attaching: what it does first
 * overlaps the attach). It leaves the keeper's answer for
 * build_net_wait_up in the build, which then returns at once, or with the
 * keeper's error when this one fails.
 */
struct cubo_error *build_net_wait_ready(const struct build_net *n);

/* Tell the keeper to release the network now (no wait). */
void build_net_release(struct build_net *n);

/*
 * The build is done with its work directory: release the network (if not
 * yet) without waiting. True when a keeper runs: it then removes the work
 * directory once the network is released (the build must not), or leaves
 * it to the next build's clean-up when the release failed.
 */
bool build_net_finish(struct build_net *n);

/* What a dead build's work directory still holds on a network, released. */
struct cubo_error *build_net_reap(const char *root, const struct mgr_settings *set,
				  const char *work, const char *id);

#endif
