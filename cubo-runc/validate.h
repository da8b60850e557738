/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checks made before anything is created, so a bad request fails with a
 * one-line error naming the field and leaves nothing behind.
 */
#ifndef CUBO_RUNC_VALIDATE_H
#define CUBO_RUNC_VALIDATE_H

#include <sys/resource.h>

#include "shared/error.h"
#include "spec/config.h"

#define CONTAINER_ID_MAX 1024

/* IDs are single path components: [A-Za-z0-9_+.-], not "." or "..", at most 1024 bytes. */
struct cubo_error *validate_container_id(const char *id);

/* RLIMIT_* name -> resource number; -1 when unknown. */
int rlimit_resource(const char *name);

/*
 * Check the config against this host: rootfs is a directory, rlimits are
 * known and within the hard limits we can set (`current` gives the caller's
 * limits by resource: raising a hard limit needs CAP_SYS_RESOURCE, which
 * `can_raise_hard` tells), user namespace mappings are present when a user
 * namespace is created, time offsets only with a time namespace.
 * `rootfs` is the resolved rootfs path.
 */
struct cubo_error *validate_config(const struct oci_config *cfg, const char *rootfs,
				   const struct rlimit current[RLIM_NLIMITS], bool can_raise_hard);

#endif
