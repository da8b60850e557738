/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A config mount of type "cgroup" or "cgroup2": the host's cgroup
 * filesystems recreated in the container as the host has them (cgroup2
 * alone on a unified host; a tmpfs with one directory per hierarchy on a v1
 * or hybrid one). These read the host's mountinfo to tell which is which.
 */
#ifndef CUBO_RUNC_MOUNT_CGROUP_H
#define CUBO_RUNC_MOUNT_CGROUP_H

#include <stdbool.h>

#include "cubo-runc/mountinfo.h"

/* cgroup2 mounted on /sys/fs/cgroup itself: a unified (v2-only) host. */
bool mount_cgroup_is_unified_root(const struct mountinfo_entry *e);
/*
 * A hierarchy below /sys/fs/cgroup (v1 controller, or the cgroup2 "unified"
 * of a hybrid host) to recreate in the container; *v2 tells which.
 */
bool mount_cgroup_is_hierarchy(const struct mountinfo_entry *e, bool *v2);
/*
 * A v1 hierarchy's controllers from its super options: "rw,cpu,cpuacct" ->
 * "cpu,cpuacct" (caller frees).
 */
char *mount_cgroup_v1_controllers(const char *super_opts);

#endif
