/* SPDX-License-Identifier: Apache-2.0 */
/* What every cubo-runc command receives from main: the global flags. */
#ifndef CUBO_RUNC_RUNC_H
#define CUBO_RUNC_RUNC_H

#include <stdbool.h>
#include <stddef.h>

#include "cubo-runc/container.h"
#include "cubo-runc/spawn.h"
#include "shared/log.h"

#define RUNC_DEFAULT_ROOT "/run/cubo-runc"

struct runc_globals {
	const char *root;    /* --root: state directories live in <root>/<id>/ */
	struct cubo_log log; /* --log, --log-format, --debug */
	bool debug;
	const char *argv0;
	struct spawn_fds inherited_fds; /* the caller's fds, recorded before we open any */
	bool systemd_cgroup;		/* --systemd-cgroup */
	const char *summary;		/* the command's line in the list: its --help's NAME */
	const char *criu;		/* --criu: the criu binary; NULL: criu on PATH */
	bool rootless;			/* --rootless (auto: not root in the initial user ns) */
};

/* The library's view of the globals (container.h's runc_ctx). */
#define RUNC_CTX(g)                                                                                \
	(&(struct runc_ctx){(g)->root, &(g)->log, &(g)->inherited_fds, (g)->systemd_cgroup,        \
			    (g)->rootless})

/* A command: parses its own flags from argv (argv[0] is the verb) and returns the exit code. */
typedef int (*runc_cmd_fn)(struct runc_globals *g, int argc, char **argv);

int cmd_create(struct runc_globals *g, int argc, char **argv);
int cmd_start(struct runc_globals *g, int argc, char **argv);
int cmd_run(struct runc_globals *g, int argc, char **argv);
int cmd_exec(struct runc_globals *g, int argc, char **argv);
int cmd_state(struct runc_globals *g, int argc, char **argv);
int cmd_kill(struct runc_globals *g, int argc, char **argv);
int cmd_delete(struct runc_globals *g, int argc, char **argv);
int cmd_list(struct runc_globals *g, int argc, char **argv);
int cmd_spec(struct runc_globals *g, int argc, char **argv);
int cmd_features(struct runc_globals *g, int argc, char **argv);
int cmd_update(struct runc_globals *g, int argc, char **argv);
int cmd_events(struct runc_globals *g, int argc, char **argv);
int cmd_pause(struct runc_globals *g, int argc, char **argv);
int cmd_resume(struct runc_globals *g, int argc, char **argv);
int cmd_ps(struct runc_globals *g, int argc, char **argv);
int cmd_checkpoint(struct runc_globals *g, int argc, char **argv);
int cmd_restore(struct runc_globals *g, int argc, char **argv);

/*
 * For commands that take only a container id: handles --help and checks
 * the id. Returns true with *id set to go on, or false with *rc the exit
 * code to return.
 */
bool runc_take_id(struct runc_globals *g, int argc, char **argv, const char *verb,
		  const char *description, const char **id, int *rc);

/* Write JSON text and a newline to stdout, and free it. */
void runc_print_json(char *json, size_t len);

/* Print err as "cubo-runc: <text>" to stderr and to the log; returns 1. */
int runc_fail(struct runc_globals *g, struct cubo_error *err);

#endif
