/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User-mode networking for a rootless manager, which may make no veth,
 * bridge or rule on the host: the container's network namespace (netns.h,
 * made by the monitor inside the user's namespace) gets a tap device served
 * by a process that lives on the host's network as the user -- pasta
 * (Debian's passt; the default) or slirp4netns, podman's two tools. Its
 * traffic leaves as the user's own sockets; -p binds the host ports in that
 * process (pasta's -t/-u), so a port below net.ipv4.ip_unprivileged_port_start
 * cannot be published.
 *
 * The tool runs in the background; its pid is kept in <ctr>/usernet.pid so
 * that whoever takes the container's network down (its monitor, or rm and
 * the reconciliation after a killed monitor) stops it. It also quits by
 * itself once the namespace's file is removed (pasta watches it).
 */
#ifndef CUBO_MGR_NET_USERNET_H
#define CUBO_MGR_NET_USERNET_H

#include <stdbool.h>
#include <stddef.h>

#include "cubo-mgr/container/run_opts.h"
#include "shared/error.h"

#define USERNET_PASTA "pasta"
#define USERNET_SLIRP "slirp4netns"

/* Whether a network name is one of the tools' modes (what a rootless record keeps). */
bool usernet_is_mode(const char *network);

/*
 * The mode of a rootless --network: the default network is pasta, or
 * slirp4netns when only that is installed; "pasta" and "slirp4netns" must
 * be installed. Any other name is an error (user networks need root today).
 * is_default: network is the default network's name.
 */
struct cubo_error *usernet_choose(const char *network, bool is_default, const char **mode);

/*
 * -p for a mode: IPv4 host addresses only, slirp4netns publishes nothing
 * yet, and no host port below net.ipv4.ip_unprivileged_port_start.
 */
struct cubo_error *usernet_check_ports(const char *mode, const struct ctr_port_spec *p, size_t n);

/* The first port a process without privileges may bind (the sysctl); 1024 if unreadable. */
unsigned usernet_unprivileged_port_start(void);

/* The nameserver the mode answers on inside the namespace (resolv.conf). */
const char *usernet_dns(const char *mode);

/*
 * Start the mode's tool on the namespace at netns with ports (the record's
 * "IP:PORT->CTR/PROTO" strings); returns once the namespace is configured.
 * *published: the ports as bound (host port 0 replaced), NULL-terminated.
 */
struct cubo_error *usernet_up(const char *ctr_dir, const char *mode, const char *netns,
			      char *const *ports, char ***published);

/* Stop the tool started for ctr_dir, if any; nothing to stop is no error. */
struct cubo_error *usernet_down(const char *ctr_dir);

#endif
