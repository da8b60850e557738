/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The uid_map and gid_map of a container's new user namespace, written by
 * the runtime (its parent) as the kernel allows the caller:
 *
 *  - root (CAP_SETUID/CAP_SETGID over the namespace's parent): any mapping,
 *    written directly;
 *  - anyone else: one mapping of size 1 of the caller's own euid (egid)
 *    directly, the gid one after "deny" in the child's setgroups (without
 *    it, the namespace's root could drop a supplementary group that a file's
 *    ACL or mode denies: the reason the kernel asks for it); every other
 *    mapping through newuidmap/newgidmap (package uidmap), setuid helpers
 *    that allow the caller's own id and the ranges /etc/subuid and
 *    /etc/subgid give the user.
 *
 * The child must be dumpable while its maps are written (its /proc files
 * are the caller's then, not root's): see init_args.dumpable_until_go.
 */
#ifndef CUBO_RUNC_IDMAP_H
#define CUBO_RUNC_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shared/error.h"
#include "spec/config.h"

/* Does a caller with this euid (egid) need the helper for these mappings? */
bool idmap_needs_helper(const struct oci_id_mapping *maps, size_t n, uid_t caller, uint32_t own);

/*
 * The helper's command line: HELPER PID C1 H1 S1 C2 H2 S2 ... (NULL-terminated;
 * free with cubo_strv_free).
 */
char **idmap_helper_argv(const char *helper, pid_t pid, const struct oci_id_mapping *maps,
			 size_t n);

/*
 * Write pid's uid_map and gid_map from the config's mappings, as the
 * caller may (above). Errors name the field, the id refused and the file to
 * add it to, or pass on the helper's own message.
 */
struct cubo_error *idmap_write(pid_t pid, const struct oci_config *cfg);

#endif
