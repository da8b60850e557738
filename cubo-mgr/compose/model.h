/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compose model: a compose file's tree checked key by key against the Compose
 * Specification and normalised into one form, the one `docker compose config` prints
 * (ports, volumes, depends_on and secrets in their long syntax, environment and labels
 * as maps, durations as Go writes them, sizes in bytes, relative paths made absolute).
 * An unknown key is an error naming it; `x-` keys are kept where compose allows them.
 */
#ifndef CUBO_MGR_COMPOSE_MODEL_H
#define CUBO_MGR_COMPOSE_MODEL_H

#include "cubo-mgr/compose/ctree.h"
#include "shared/error.h"

struct compose_norm {
	const char *project;  /* the project's name: default names of networks and volumes */
	const char *dir;      /* the project directory: relative paths start there */
	char *const *env;     /* variables for `environment: [NAME]` and env_file values */
	char **used_networks; /* the networks services name (filled in) */
};

/*
 * Check and normalise one service's mapping in place (path: "services.NAME"). Its
 * env_file entries are read and folded into environment, as compose config does.
 */
struct cubo_error *compose_norm_service(struct compose_norm *c, struct cnode *svc,
					struct cpath *path);

/*
 * What needs the whole model, once the files are merged and extends resolved: an image or
 * a build, the default network of a service that names none; records the networks used.
 */
struct cubo_error *compose_finish_service(struct compose_norm *c, struct cnode *svc,
					  struct cpath *path);

/* The same for a top-level networks/volumes/secrets/configs entry (kind: that key). */
struct cubo_error *compose_norm_resource(struct compose_norm *c, const char *kind, const char *name,
					 struct cnode *res, struct cpath *path);

/* Sort a mapping's keys (compose config writes them in order). */
void compose_sort_keys(struct cnode *map);

#endif
