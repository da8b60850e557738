/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's root filesystem: an overlay of its image's extracted layers
 * (<root>/layers/<chain-id>, read-only, shared by every container of the
 * image) with the container's own upper/ and work/ directories, mounted on
 * <id>/rootfs.
 *
 * The monitor mounts it in a mount namespace of its own, so the mount
 * exists only while the monitor or the container lives: a killed monitor
 * or a crash never leaves a stray mount on the host.
 */
#ifndef CUBO_MGR_CONTAINER_ROOTFS_H
#define CUBO_MGR_CONTAINER_ROOTFS_H

#include <stdbool.h>

#include "shared/error.h"

/* Leave the host's mount namespace (mounts of the host still reach us). */
struct cubo_error *rootfs_private_namespace(void);

/*
 * Mount the overlay. layers: chain IDs ("sha256:<hex>"), bottom first,
 * NULL-terminated; layers_dir: <root>/layers.
 */
struct cubo_error *rootfs_mount(const char *layers_dir, char *const *layers, const char *ctr_dir);

/*
 * The same with the directories named: upper NULL mounts the layers
 * read-only (two or more); extra: more mount options ("redirect_dir=off"),
 * or NULL.
 */
struct cubo_error *rootfs_mount_dirs(const char *layers_dir, char *const *layers, const char *upper,
				     const char *work, const char *target, const char *extra);

/*
 * Copy the layers into rootfs/ instead (rootfs_copy.c): for where overlay
 * cannot be mounted. Done once; later starts find the copy, with the
 * container's changes in it.
 */
struct cubo_error *rootfs_copy(const char *layers_dir, char *const *layers, const char *ctr_dir);

/*
 * Copy the tree under src into dst (both directory fds), overlay whiteouts
 * applied, never following a symlink of dst: for volumes' first contents.
 * dst itself takes src's owner, group and mode, as docker gives a new
 * volume those of the image's directory (a database's data directory must
 * stay its user's, often 0700).
 */
struct cubo_error *rootfs_copy_tree(int src_dirfd, int dst_dirfd);

/*
 * Mount the overlay, or copy when driver is "vfs" ($CUBO_STORAGE_DRIVER;
 * NULL: overlay), when the container was copied before, or when overlay
 * cannot be mounted and the container has no overlay changes yet. *copied
 * tells which.
 */
struct cubo_error *rootfs_mount_or_copy(const char *layers_dir, char *const *layers, const char *ctr_dir,
				const char *driver, bool *copied);

/* Make upper/, work/ and rootfs/ in a new container's directory. */
struct cubo_error *rootfs_prepare(const char *ctr_dir);

#endif
