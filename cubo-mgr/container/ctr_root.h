/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's root filesystem, reached from outside it (cp), whatever
 * its state:
 *   - running or paused: its init's root, /proc/PID/root, so its volumes
 *     and mounts are there as the container sees them; the pid is proven
 *     to be the container's (a child of its live monitor) through a pidfd;
 *   - created or exited, with no monitor: its overlay, mounted here in a
 *     mount namespace of our own (gone when we exit), or its copied rootfs
 *     (the vfs driver), with its bind mounts (volumes, -v directories) on
 *     it as they are when it runs. The container's lock is held meanwhile, and a
 *     monitor claims the container under that lock before it mounts, so a
 *     `start` waits for the copy and never mounts the same upper twice;
 *   - being started: waited for (a minute at most), then as above;
 *   - waiting out a restart's backoff: an error, try again.
 * Everything beneath the root is the container's, hence hostile: resolve
 * paths in it with shared/path_in_root.h only.
 */
#ifndef CUBO_MGR_CONTAINER_CTR_ROOT_H
#define CUBO_MGR_CONTAINER_CTR_ROOT_H

#include "cubo-mgr/container/ctr_store.h"

struct ctr_root {
	int fd;	       /* O_PATH|O_DIRECTORY of the root */
	int lock;      /* the container's lock while we hold its overlay; -1 */
	char *mounted; /* that overlay's mount point, unmounted before the lock goes */
};

/*
 * Open r's root. Must run before the process starts a thread (a mount
 * namespace cannot be left by a threaded process). driver: the storage
 * driver setting (NULL: overlay).
 */
struct cubo_error *ctr_root_open(const struct ctr_store *s, const char *layers_dir,
				 const char *driver, const struct ctr_record *r,
				 struct ctr_root *out);
void ctr_root_close(struct ctr_root *root);

#endif
