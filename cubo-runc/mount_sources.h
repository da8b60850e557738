/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bind sources opened on the host side, for a container in a user
 * namespace. Its init, root of that namespace only, may not reach a source
 * that only the host's root may enter (a 0700 directory of the host's
 * root), nor make an idmapped mount of a host filesystem: the runtime does
 * both with its own credentials and hands the init the detached trees.
 *
 *  - A short-lived helper of the runtime joins the container's mount
 *    namespace (as made by the clone, before the init has changed anything
 *    in it) and clones each bind source there with open_tree(2), so the
 *    clone is what the init would have cloned itself: the host mounts'
 *    flags and the submounts covering their contents stay locked.
 *  - idmap/ridmap: the helper makes the clone idmapped, with the mount's own
 *    mappings or, without them, the container's user namespace (the spec).
 *  - Each tree goes to the init over the sync socket (SCM_RIGHTS), which
 *    attaches it at the target it resolves inside the rootfs and closes it
 *    (mounts.c): paths from config.json are resolved on the host side, and
 *    nothing from the hostile rootfs is.
 *
 * Without a user namespace nothing of this runs: the init, the host's root
 * in its own mount namespace, opens the sources itself. Nor with a mount
 * namespace joined by path: others may have arranged its paths, and the
 * host's root must not resolve them on the container's behalf.
 */
#ifndef CUBO_RUNC_MOUNT_SOURCES_H
#define CUBO_RUNC_MOUNT_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cubo-runc/namespaces.h"
#include "shared/error.h"
#include "spec/config.h"

/* The trees the init received: trees[i] for mounts[i], -1 where it makes the mount itself. */
struct mount_sources {
	int *trees;
	size_t n;
};

/*
 * Does the clone make both a user and a mount namespace, so binds come from
 * the host side? (A mount namespace joined by path is left to the init.)
 */
bool mount_sources_needed(const struct ns_plan *ns);

/*
 * Runtime, once the init exists and its id maps are written: clone every
 * bind source in the init's (pid's) mount namespace and send each tree on
 * sock, in config order. Errors name the mount and its source.
 */
struct cubo_error *mount_sources_send(const struct oci_config *cfg, const char *bundle,
				      const struct ns_plan *ns, pid_t pid, int sock);

/* Init: receive what mount_sources_send sends (nothing without a user namespace). */
struct cubo_error *mount_sources_recv(const struct oci_config *cfg, const struct ns_plan *ns,
				      int sock, struct mount_sources *out);

/* Close the trees still held (the ones mounts_apply did not use) and free. */
void mount_sources_close(struct mount_sources *s);

#endif
