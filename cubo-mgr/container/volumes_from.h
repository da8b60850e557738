/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --volumes-from CONTAINER[:ro|:rw]: the other container's volumes and
 * binds, at the same places, as docker mounts them. Which of its mounts
 * are those its record says (volume_dests); a record made before it kept
 * them gives every bind but the manager's own files.
 */
#ifndef CUBO_MGR_CONTAINER_VOLUMES_FROM_H
#define CUBO_MGR_CONTAINER_VOLUMES_FROM_H

#include "cubo-mgr/container/ctr_store.h"
#include "cubo-mgr/container/run_opts.h"

enum volumes_from_mode {
	VOLUMES_FROM_AS_IS, /* each mount read-only where the other container's is */
	VOLUMES_FROM_RO,
	VOLUMES_FROM_RW,
};

/* "NAME", "NAME:ro", "NAME:rw" -> the name (caller frees) and the mode. */
struct cubo_error *volumes_from_parse(const char *s, char **name, enum volumes_from_mode *mode);

/*
 * The mounts of arg's container appended to o->volumes, but for a
 * destination o has already (a -v, --mount or --tmpfs of its own wins, as
 * in docker). Errors name the flag and arg.
 */
struct cubo_error *volumes_from_add(const struct ctr_store *s, const char *arg, struct ctr_opts *o);

#endif
