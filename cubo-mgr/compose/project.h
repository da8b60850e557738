/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A compose project: its files found (or given with -f, merged in order as docker
 * compose merges them), variables interpolated from the environment and the .env file,
 * `extends` resolved, profiles applied, depends_on checked for cycles, and the name
 * decided (-p, COMPOSE_PROJECT_NAME, the top-level name:, the directory's name).
 */
#ifndef CUBO_MGR_COMPOSE_PROJECT_H
#define CUBO_MGR_COMPOSE_PROJECT_H

#include <stdbool.h>

#include "cubo-mgr/compose/ctree.h"
#include "shared/error.h"

struct compose_opts {
	char *const *files;	/* -f, in order; "-" is stdin; NULL: found in the directory */
	const char *name;	/* -p */
	char *const *env_files; /* --env-file; NULL: the project directory's .env */
	char *const *profiles;	/* --profile; NULL: COMPOSE_PROFILES */
	char *const *environ;	/* the process environment */
	const char *cwd;	/* where to look for the files */
};

struct compose_project {
	char *name; /* normalised: lowercase, [a-z0-9_-] */
	char *dir;  /* the project directory (the first file's) */
	struct cnode *model;
	char **files; /* the files read */
	char **env; /* variables for interpolation: the env files, then the environment (last wins)
		     */
	char **unset;	 /* variables used but not set (each is warned about once) */
	char **profiles; /* the active profiles */
};

struct cubo_error *compose_project_load(const struct compose_opts *o, struct compose_project *p);
void compose_project_free(struct compose_project *p);

/* "my_App 1" -> "my_app1"; NULL when nothing is left or it starts with neither letter nor digit. */
char *compose_project_name(const char *s);

/* Merge over into base as compose merges files (both normalised service trees). */
void compose_merge(struct cnode *base, const struct cnode *over, const char *key);

/*
 * The services svc needs started before it: its depends_on, the services its links
 * name ("SERVICE[:ALIAS]") and those its volumes_from name ("SERVICE[:MODE]", not
 * "container:NAME"), as compose orders them; NULL-terminated, each once.
 */
char **compose_service_deps(const struct cnode *svc);

/* The services in the order up starts them (dependencies first); NULL-terminated. */
struct cubo_error *compose_service_order(const struct cnode *model, char ***order);

#endif
