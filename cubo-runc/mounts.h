/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config's mounts, made one by one inside the rootfs. Every target is
 * resolved beneath the rootfs (shared/path_in_root) and the mount lands on
 * the resolved fd, never on a path resolved again later (CVE-2021-30465).
 */
#ifndef CUBO_RUNC_MOUNTS_H
#define CUBO_RUNC_MOUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "cubo-runc/rootfs.h"
#include "shared/error.h"
#include "spec/config.h"

/* Does a config mount bind something (type "bind" or a bind/rbind option)? */
bool mount_is_bind(const struct oci_mount *m);
/* A bind's host path: a relative source is taken from the bundle directory. Caller frees. */
char *mount_bind_source(const char *bundle, const char *src);

/* path with duplicate slashes, "." and trailing slashes removed (lexically). Caller frees. */
char *mount_clean_path(const char *path);

/* Make every config mount, in order, beneath rootfd (the rootfs). */
struct cubo_error *mounts_apply(const struct rootfs_ctx *ctx, int rootfd);
/*
 * A filesystem mounted on /dev with "ro" (not a bind, not a remount): as runc
 * does, mounts_apply mounts it writable, so that /dev/pts, /dev/shm and the
 * device nodes can still be made in it, and rootfs_finalize makes it
 * read-only at the end.
 */
bool mount_readonly_later(const struct oci_mount *m);

/*
 * Clone the tree at source (opened with dirfd/path as open_tree(2) takes it)
 * and attach it on targetfd, with attr_set (e.g. MOUNT_ATTR_RDONLY) applied
 * to the clone first (recursively with `recursive`).
 */
struct cubo_error *mount_bind_onto(int dirfd, const char *path, bool recursive, uint64_t attr_set,
				   int targetfd);

/*
 * A new, empty, read-only tmpfs attached on targetfd (fsopen/fsmount): no
 * path is looked up, so it works once the container's /proc is no longer
 * to be trusted.
 */
struct cubo_error *mount_empty_tmpfs_onto(int targetfd);

#endif
