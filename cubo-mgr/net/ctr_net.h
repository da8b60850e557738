/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's networking, brought up by its monitor while the container
 * is created (it starts only once its networks are up), and taken down when
 * it stops:
 *
 *   up:   bind the published ports (ports.h) -> write <ctr>/net.json naming
 *         the netns and the networks it is about to join -> make the netns
 *         (netns.h) -> ADD per network (eth0, eth1, ...; the ports go
 *         to the first) -> keep each result in net.json -> write its
 *         /etc/hosts with its address and its peers, and tell the peers.
 *   down: remove the netns (the kernel destroys it and its veths in the
 *         background) -> for what net.json lists, in reverse: leave the
 *         peers' hosts files, DEL with the ADD result (the address; the
 *         host end of a veth the kernel has not destroyed yet) -> remove
 *         net.json. A monitor runs it in two halves (ctr_net_release
 *         before it reports the exit, the rest after).
 *
 * ADD and DEL of cubo's own networks are done in process (bridge_attach.h:
 * no plugin process, portmap aside when ports are published); any other
 * conflist, or CUBO_NET_CNI=1, runs the CNI plugins (cni.h). Both write
 * the same CNI result and host-local's allocation files, so either
 * releases what the other attached.
 *
 * net.json is written before anything is made, so whatever kills the
 * monitor, `down` run later (reconcile.c, rm, network prune) knows what to
 * release; and down is idempotent. A failure in up undoes what up did.
 */
#ifndef CUBO_MGR_NET_CTR_NET_H
#define CUBO_MGR_NET_CTR_NET_H

#include <stdbool.h>
#include <stddef.h>

#include "cubo-mgr/settings.h"
#include "cubo-mgr/container/record.h"
#include "shared/error.h"

/* What up leaves for the monitor to hold while the container runs. */
struct ctr_net {
	int *port_fds; /* the bound host ports (ports.h); close on exit */
	size_t n_port_fds;
	char **published; /* "0.0.0.0:32768->80/tcp" as bound; NULL-terminated or NULL */
	char *netns;	  /* path for config.json; NULL: the config decides */
};

void ctr_net_free(struct ctr_net *n); /* closes the ports too */

/* Whether the record asks for CNI networks (not none, host, or an old record). */
bool ctr_net_wanted(const struct ctr_record *r);

/*
 * up in two halves, so the second can run in a process of its own while the
 * runtime creates the container (the process starts only after both):
 * prepare binds the ports, writes net.json and makes the namespace (in the
 * host's mount namespace; out->netns NULL: nothing to attach); attach runs
 * ADD for what net.json lists and writes the hosts files. When attach
 * fails, the caller runs ctr_net_down. ctr_dir: <root>/<id>.
 */
struct cubo_error *ctr_net_prepare(const char *root, const struct mgr_settings *set,
				   const char *ctr_dir, const struct ctr_record *r,
				   struct ctr_net *out);
struct cubo_error *ctr_net_attach(const char *root, const struct mgr_settings *set,
				  const char *ctr_dir, const struct ctr_record *r);
/* Best effort, every step tried; the first error is returned. */
struct cubo_error *ctr_net_down(const char *root, const struct mgr_settings *set,
				const char *ctr_dir, const char *id);
/*
 * The part of down a following container may depend on, for a monitor to
 * run before it reports the exit and leave the rest for ctr_net_down after
 * it: the namespace, the peers' hosts lines, the published ports' rules,
 * the addresses (one may be asked for again by value), and every network of
 * the plugins whole. Left in net.json: the host ends of the veths on cubo's
 * own networks, which the kernel destroys with the namespace (deleting one
 * waits for synchronize_net, 20-30 ms). Best effort, as down.
 */
struct cubo_error *ctr_net_release(const char *root, const struct mgr_settings *set,
				   const char *ctr_dir, const char *id);
/* Whether anything is left for ctr_net_down (net.json is there). */
bool ctr_net_pending(const char *ctr_dir);

/*
 * Join (connect) or leave (disconnect) one more network while the container
 * runs: netns is its namespace (/proc/PID/ns/net). The caller records the
 * change after: both repeat safely what a killed command left unrecorded
 * (connect releases and remakes an attachment the record lacks; disconnect
 * of a network already released succeeds).
 */
struct cubo_error *ctr_net_connect(const char *root, const struct mgr_settings *set,
				   const char *ctr_dir, const struct ctr_record *r,
				   const char *network, char *const *aliases);
struct cubo_error *ctr_net_disconnect(const char *root, const struct mgr_settings *set,
				      const char *ctr_dir, const char *id, const char *network);

/*
 * After a rename: the name in the container's lines of its user networks
 * (its peers' hosts files follow) and in its own hosts file; aliases kept.
 */
struct cubo_error *ctr_net_rename(const char *root, const char *ctr_dir, const struct ctr_record *r,
				  const char *old_name);

/*
 * The host ends of the veths made for the container (the ADD results'
 * interfaces outside its namespace, less the networks' bridges), from
 * <ctr>/net.json; NULL-terminated, NULL when there are none.
 */
char **ctr_net_host_veths(const char *root, const char *ctr_dir);

/* The networks in <ctr>/net.json with the container's address on each ("" if none yet). */
struct ctr_net_attachment {
	char *network, *ifname, *ip, *gateway, *mac; /* ip: "10.87.0.2/16" */
};
struct cubo_error *ctr_net_attachments(const char *ctr_dir, struct ctr_net_attachment **out,
				       size_t *n);
void ctr_net_attachments_free(struct ctr_net_attachment *v, size_t n);

#endif
