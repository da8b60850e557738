/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's filesystem view, built in the child inside its new mount
 * namespace: propagation, the rootfs bind, config mounts in order, devices,
 * /dev symlinks, pivot_root (or chroot), then masking and read-only paths.
 */
#ifndef CUBO_RUNC_ROOTFS_H
#define CUBO_RUNC_ROOTFS_H

#include <stdbool.h>

#include "shared/error.h"
#include "shared/log.h"
#include "spec/config.h"

struct rootfs_ctx {
	const struct oci_config *cfg;
	const char *rootfs; /* absolute host path of root.path */
	const char *bundle; /* absolute bundle dir: relative bind sources are relative to it */
	bool no_pivot;	    /* --no-pivot: chroot instead of pivot_root */
	bool new_mount_ns;  /* a mount namespace was created (not joined, not absent) */
	bool in_userns;	    /* in a new user namespace: devices are bind-mounted, not mknod'ed */
	bool new_cgroup_ns; /* decides how a "cgroup" mount is made */
	const struct cubo_log *log;
	/*
	 * The runtime's /proc, proven (procfd.h): mountinfo and our cgroups are
	 * read through it, since a mount namespace joined by path shows its
	 * own /proc; -1: /proc as seen.
	 */
	int procfd;
	/*
	 * Bind sources the runtime cloned on the host side (mount_sources.h):
	 * host_trees[i] for mounts[i], or -1. mounts_apply closes each once used.
	 */
	int *host_trees;
	size_t n_host_trees;
	/* called once the mounts and devices exist, right before pivot_root or chroot (hooks) */
	struct cubo_error *(*before_pivot)(void *arg);
	void *before_pivot_arg;
};

/*
 * Everything up to and including pivot_root/chroot. On return the process's
 * root and cwd are the container's "/". Without a new mount namespace only
 * the chroot happens.
 */
struct cubo_error *rootfs_setup(const struct rootfs_ctx *ctx);

/*
 * The propagation rootfs_setup gives the mounts of a new mount namespace
 * (MS_SLAVE|MS_REC unless linux.rootfsPropagation says otherwise): a tree
 * cloned before then gets it too.
 */
unsigned long rootfs_clone_propagation(const struct rootfs_ctx *ctx);

/*
 * After setup (and after the console is made): maskedPaths, readonlyPaths,
 * root.readonly, and the final rootfsPropagation.
 */
struct cubo_error *rootfs_finalize(const struct rootfs_ctx *ctx);

#endif
