/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rootless mode (runc's): the runtime run by a user who is not root in the
 * initial user namespace. What changes, and only here:
 *
 *  - the state root defaults to $XDG_RUNTIME_DIR/cubo-runc (main.c);
 *  - the id maps of a new user namespace are written by the parent: one
 *    mapping of the caller's own uid (gid, after "deny" in setgroups)
 *    directly, anything else through the setuid helpers newuidmap and
 *    newgidmap (package uidmap), which check /etc/subuid and /etc/subgid
 *    (idmap.h);
 *  - cgroups only where the caller's own cgroup v2 is delegated to it
 *    (owned by it and writable); elsewhere none are made, and a config
 *    asking for limits fails, or is run without them and a warning when its
 *    annotation ROOTLESS_LIMITS_ANNOTATION says "ignore" (runc fails such a
 *    config too: "cannot set memory limit: container could not join or
 *    create cgroup").
 *
 * Devices are bind-mounted and sysfs rbind'ed whenever the container has a
 * user namespace of its own, rootless or not (devices.c, mounts.c).
 */
#ifndef CUBO_RUNC_ROOTLESS_H
#define CUBO_RUNC_ROOTLESS_H

#include <stdbool.h>

#include "cubo-runc/cgroup.h"
#include "cubo-runc/namespaces.h"
#include "shared/error.h"
#include "shared/log.h"
#include "spec/config.h"

/* "ignore": limits a rootless container cannot have are dropped with a warning */
#define ROOTLESS_LIMITS_ANNOTATION "run.oci.cubo.rootless-limits"

/* The runtime's own state root when --root is not given. */
#define ROOTLESS_ROOT_NAME "cubo-runc"

/*
 * --rootless true|false|auto (NULL: auto). auto is true when the caller is
 * not root or not in the initial user namespace (root inside another
 * user namespace cannot write the host's cgroups either).
 */
struct cubo_error *rootless_mode_parse(const char *value, bool *rootless);

/*
 * $XDG_RUNTIME_DIR/cubo-runc for a caller who is not root (malloc'd), NULL
 * otherwise or when the variable is unset, empty or not absolute.
 */
char *rootless_default_root(void);

/*
 * The first field of res a cgroup would be needed for ("linux.resources.memory"),
 * or NULL. Device rules are not limits: without a cgroup the devices a
 * rootless container gets are the bind-mounted ones its user could open.
 */
const char *rootless_limit_field(const struct oci_resources *res);

/*
 * May a rootless runtime make the container's cgroup here? Only on a pure
 * cgroup v2 host, where the directory create would make the container's
 * cgroup in (for cgroupsPath, or the id) is owned by the caller and
 * writable, with its cgroup.procs: a subtree delegated to the user
 * (systemd's user@.service, a unit with Delegate=yes).
 */
bool rootless_cgroup_delegated(const struct cgroup_layout *l, const char *cgroups_path,
			       const char *id);

/*
 * Decide for create without a delegated cgroup: NULL to go on without
 * cgroups (with a warning on log when limits are dropped), or the error
 * naming the limit.
 */
struct cubo_error *rootless_check_limits(const struct oci_config *cfg, const struct cubo_log *log);

/*
 * A caller who is not root must give the container a user namespace (new
 * or joined): without one it could set up nothing (runc refuses too).
 */
struct cubo_error *rootless_check_userns(const struct ns_plan *ns);

#endif
