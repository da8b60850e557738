/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The systemd cgroup driver in the container's life (--systemd-cgroup, pure
 * cgroup v2 only):
 *   create  checks what it can before the init exists (systemd runs, the
 *           cgroupsPath names a scope, the resources convert), then, once the
 *           init exists and waits on its sync socket, asks systemd for the
 *           transient scope with the init's pid in it and waits for the job:
 *           the init has run nothing of the user's yet. The scope's cgroup is
 *           the container's v2 cgroup, recorded like a cgroupfs set (marked
 *           "=unit"), so exec, pause, ps, events and update work from
 *           state.json; the runtime writes below it what systemd has no
 *           property for (as runc does).
 *   update  sends the unit properties (SetUnitProperties, runtime), then the
 *           files are written as for cgroupfs;
 *   delete  kills what is left (as for cgroupfs), then stops the unit.
 */
#ifndef CUBO_RUNC_SYSTEMD_CGROUP_H
#define CUBO_RUNC_SYSTEMD_CGROUP_H

#include <sys/types.h>

#include "cubo-runc/cgroup.h"

/* Before the init exists: everything that can fail without systemd's answer. */
struct cubo_error *systemd_cgroup_check(const struct cgroup_layout *l, const char *cgroups_path,
					const char *id, const struct oci_resources *res);
/*
 * The init pid exists and waits: its scope, and the set (recorded in
 * state_dirfd). On failure nothing is left (a started unit is stopped).
 */
struct cubo_error *systemd_cgroup_create(const struct cgroup_layout *l, const char *cgroups_path,
					 const char *id, const struct oci_resources *res, pid_t pid,
					 int state_dirfd, struct cgroup_set **out);
/* update: the properties res gives to the units of s (none: nothing to do). */
struct cubo_error *systemd_cgroup_update(const struct cgroup_set *s,
					 const struct oci_resources *res);
/* delete: stop the units of s, once cgroup_set_remove killed what was in them. */
struct cubo_error *systemd_cgroup_remove(const struct cgroup_set *s);
/*
 * The unit a recorded directory belongs to: its last component, which must
 * be a scope's name (state.json is checked like any input). Caller frees.
 */
struct cubo_error *systemd_cgroup_unit_of(const char *dir, char **unit);

#endif
