/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's network namespace, made before the container so its
 * networks can be wired in it and the runtime can join it (config.json names its path), the way
 * `ip netns add` makes one: a new namespace bind-mounted on a file under
 * /run/netns (cubo-<container id>, so `ip netns exec` reaches it too).
 *
 * The file keeps the namespace alive after the container's processes are
 * gone, and after a killed monitor, until its networks are released. /run/netns is made a shared
 * mount (as ip does) so the monitors' private mount namespaces, which copy it as slaves, lose each
 * namespace as soon as it is unmounted here.
 *
 * A rootless manager keeps them under $XDG_RUNTIME_DIR/cubo/netns instead,
 * made by each monitor in its own private mount namespace (inside the
 * user's namespace, which owns the network namespace too); removing the
 * file elsewhere detaches that mount as well.
 */
#ifndef CUBO_MGR_NET_NETNS_H
#define CUBO_MGR_NET_NETNS_H

#include "shared/error.h"

#define NETNS_DIR "/run/netns"

/* NETNS_DIR/cubo-<id> (rootless: see above); caller frees. */
char *netns_path(const char *id);
/*
 * Make a network namespace with lo up and bind it on path (a file made if
 * missing). Run in the host's mount namespace.
 */
struct cubo_error *netns_create(const char *path);
/* Unmount and remove path; nothing there is no error. */
struct cubo_error *netns_remove(const char *path);

#endif
