/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Between mounts.c (one config mount, by kind) and mount_cgroup.c (the
 * cgroup kind, which is made of binds and new filesystems): the mount being
 * made and the steps both use. Not for other callers.
 */
#ifndef CUBO_RUNC_MOUNTS_PRIV_H
#define CUBO_RUNC_MOUNTS_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "cubo-runc/mount_opts.h"
#include "cubo-runc/rootfs.h"
#include "shared/error.h"
#include "spec/config.h"

struct mount_job {
	const struct rootfs_ctx *ctx;
	int rootfd;
	const struct oci_mount *m;
	const char *dest;
	const char *type; /* "bind" for binds */
	struct mount_opts o;
	char what[512]; /* "mount tmpfs on /dev (mounts[1])" */
};

/* "mount <type> on <dest> (mounts[<index>])", what errors about a config mount start with. */
void mount_describe(char *buf, size_t len, const char *type, const char *dest, size_t index);
/* "<what>: <step>: <strerror(errnum)>" (no step: "<what>: ..."). */
struct cubo_error *mount_job_error(const struct mount_job *j, int errnum, const char *step);
/* buf = "/proc/self/fd/<fd>", for the calls that take a path. */
void mount_fd_path(char buf[32], int fd);
/* mount_setattr(2) on fd itself (AT_EMPTY_PATH), recursively with `recursive`. */
int mount_fd_setattr(int fd, bool recursive, uint64_t set, uint64_t clr, uint64_t propagation);
/* Bind source (relative to the bundle) onto the job's target, with its attributes. */
struct cubo_error *mount_job_bind(const struct mount_job *j, const char *source, bool recursive);
/* A new filesystem of this type on the job's target, with extra_ms beside its own flags. */
struct cubo_error *mount_job_new_fs(const struct mount_job *j, const char *type, const char *source,
				    unsigned long extra_ms);
/* Type "bind", or a bind/rbind option. */
bool mount_is_bind_opts(const struct oci_mount *m, const struct mount_opts *o);
/* idmap, ridmap or id mappings among the mount's settings. */
bool mount_wants_idmap(const struct oci_mount *m, const struct mount_opts *o);
/*
 * Make the detached tree idmapped (recursively with `recursive`): with the
 * mount's own uidMappings/gidMappings when it has them, else with the user
 * namespace userns_fd (the container's); -1 and no mappings is an error.
 */
struct cubo_error *mount_idmap_tree(const struct oci_mount *m, bool recursive, const char *what,
				    int tree, int userns_fd);
/* Recursive attributes and propagation, on a mount already in place. */
struct cubo_error *mount_job_finish(const struct mount_job *j, int mntfd);
/* A "cgroup" or "cgroup2" config mount (mount_cgroup.c). */
struct cubo_error *mount_job_cgroup(const struct mount_job *j);

#endif
