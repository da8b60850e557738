/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config's mounts, made one by one inside the rootfs. Every target is
 * resolved beneath the rootfs (shared/path_in_root) and the mount lands on
 * the resolved fd, never on a path resolved again later (CVE-2021-30465).
 */
#ifndef CUBO_RUNC_MOUNTS_H
#define CUBO_RUNC_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cubo-runc/rootfs.h"
#include "shared/error.h"
#include "spec/config.h"

#define MOUNT_MAX_PROPAGATION 8

/* A mount's "options", sorted into what each system call wants. */
struct mount_opts {
	unsigned long ms_set; /* MS_* for mount(2) of a new filesystem */
	unsigned long ms_clr; /* MS_* explicitly turned off (rw, suid, ...) */
	uint64_t attr_set;    /* MOUNT_ATTR_* for this mount only (binds) */
	uint64_t attr_clr;
	uint64_t rattr_set; /* the r* variants: MOUNT_ATTR_* with AT_RECURSIVE */
	uint64_t rattr_clr;
	unsigned long propagation[MOUNT_MAX_PROPAGATION]; /* MS_SHARED... (|MS_REC), in order */
	size_t n_propagation;
	bool bind, rbind, remount;
	bool idmap, ridmap;
	char *data; /* everything else, comma-joined, for the filesystem; NULL when empty */
};

/* Sort options; unknown ones go to data. Only fails on OOM or too many propagation options. */
struct cubo_error *mount_opts_parse(const struct oci_strlist *options, struct mount_opts *out);
void mount_opts_free(struct mount_opts *o);
/* "shared", "rslave"... -> MS_* (|MS_REC); 0 when not a propagation name. */
unsigned long mount_propagation_flag(const char *name);
/*
 * The per-mount (not per-superblock) part of o's MS_* flags as MOUNT_ATTR_*
 * for mount_setattr(2) on a bind. atime is one mode: strictatime over
 * noatime over relatime, as mount(2) decides.
 */
void mount_opts_to_attr(const struct mount_opts *o, uint64_t *set, uint64_t *clr);

/* One line of /proc/self/mountinfo, unescaped. */
struct mountinfo_entry {
	int id, parent;
	char *root; /* path inside the filesystem that is mounted */
	char *mountpoint;
	char *optional; /* "shared:1 master:2" ("" when none) */
	char *fstype;
	char *source;
	char *super_opts;
};

struct mountinfo {
	struct mountinfo_entry *v;
	size_t n;
};

struct cubo_error *mountinfo_read(const char *path, struct mountinfo *out);
/* This process's mountinfo, through the proven procfs (procfd.h; -1: /proc as seen). */
struct cubo_error *mountinfo_read_self(int procfd, struct mountinfo *out);
void mountinfo_free(struct mountinfo *mi);
/* The entry whose mountpoint is the longest prefix of path (path is absolute). */
const struct mountinfo_entry *mountinfo_find_parent(const struct mountinfo *mi, const char *path);

/* cgroup2 mounted on /sys/fs/cgroup itself: a unified (v2-only) host. */
bool mount_cgroup_is_unified_root(const struct mountinfo_entry *e);
/*
 * A hierarchy below /sys/fs/cgroup (v1 controller, or the cgroup2 "unified"
 * of a hybrid host) to recreate in the container; *v2 tells which.
 */
bool mount_cgroup_is_hierarchy(const struct mountinfo_entry *e, bool *v2);
/*
 * A v1 hierarchy's controllers from its super options: "rw,cpu,cpuacct" ->
 * "cpu,cpuacct" (malloc'd; NULL when out of memory).
 */
char *mount_cgroup_v1_controllers(const char *super_opts);

/* Does a config mount bind something (type "bind" or a bind/rbind option)? */
bool mount_is_bind(const struct oci_mount *m);
/* A bind's host path: a relative source is taken from the bundle directory. Caller frees. */
char *mount_bind_source(const char *bundle, const char *src);
/* Is path prefix itself or beneath it (whole components: /a/b is not beneath /a/bc)? */
bool mount_path_has_prefix(const char *path, const char *prefix);

/* path with duplicate slashes, "." and trailing slashes removed (lexically). Caller frees. */
char *mount_clean_path(const char *path);

/* Make every config mount, in order, beneath rootfd (the rootfs). */
struct cubo_error *mounts_apply(const struct rootfs_ctx *ctx, int rootfd);

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
