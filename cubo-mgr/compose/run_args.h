/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A service of the resolved model as the `run -d` command line that makes its container,
 * so that compose's containers go through exactly the checks and code of `run`: the
 * name `<project>-<service>-<n>`, the com.docker.compose.* labels, the project's
 * networks (with the service's name as an alias) and volumes, and every key up knows.
 */
#ifndef CUBO_MGR_COMPOSE_RUN_ARGS_H
#define CUBO_MGR_COMPOSE_RUN_ARGS_H

#include "cubo-mgr/compose/ctree.h"
#include "cubo-mgr/compose/project.h"
#include "shared/digest.h"
#include "shared/error.h"

/* The labels compose puts on what it makes (docker compose's names). */
#define COMPOSE_LABEL_PROJECT "com.docker.compose.project"
#define COMPOSE_LABEL_SERVICE "com.docker.compose.service"
#define COMPOSE_LABEL_NUMBER "com.docker.compose.container-number"
#define COMPOSE_LABEL_HASH "com.docker.compose.config-hash"
#define COMPOSE_LABEL_ONEOFF "com.docker.compose.oneoff"
#define COMPOSE_LABEL_WORKDIR "com.docker.compose.project.working_dir"
#define COMPOSE_LABEL_FILES "com.docker.compose.project.config_files"
#define COMPOSE_LABEL_VOLUME "com.docker.compose.volume"
#define COMPOSE_LABEL_NETWORK "com.docker.compose.network"

/* The container's name: container_name, else PROJECT-SERVICE-N. Caller frees. */
char *compose_container_name(const struct compose_project *p, const char *service,
			     const struct cnode *svc, int number);

/* The service's configuration hash (sha256 of its model as JSON), without "sha256:". */
struct cubo_error *compose_config_hash(const struct cnode *svc, char out[65]);

/*
 * argv for `run -d ...` (argv[0] "run", NULL-terminated) of container number of service.
 * Keys up cannot honour yet are listed in *ignored (the caller warns).
 */
struct cubo_error *compose_run_args(const struct compose_project *p, const char *service,
				    const struct cnode *svc, int number, const char *hash,
				    char ***argv, char ***ignored);

/* The most containers --scale or deploy.replicas may ask of one service. */
#define COMPOSE_MAX_REPLICAS 1000

/*
 * How many containers service gets: its --scale SERVICE=N, else deploy.replicas, else
 * scale, else 1. Error: more than COMPOSE_MAX_REPLICAS, or more than one with a
 * container_name or a port published on one fixed host port.
 */
struct cubo_error *compose_replicas(const char *service, const struct cnode *svc,
				    char *const *scale, long *out);

/* --scale values: SERVICE=N, the service in svcs, N a number. */
struct cubo_error *compose_check_scale(const struct cnode *svcs, char *const *scale);

/* The name of the project's network or volume key (its `name:`), or NULL. */
const char *compose_resource_name(const struct compose_project *p, const char *kind,
				  const char *key);

#endif
