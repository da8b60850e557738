/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The only code that runs the OCI runtime (cubo-runc, or runc/crun given
 * with --runtime): `RUNTIME --root ROOT VERB ARGS...`, as an orchestrator
 * runs runc. Errors carry what the runtime printed.
 */
#ifndef CUBO_MGR_CONTAINER_RUNTIME_H
#define CUBO_MGR_CONTAINER_RUNTIME_H

#include <stdbool.h>

#include "shared/error.h"

struct ctr_runtime {
	const char *path; /* the runtime binary */
	const char *root; /* its --root: <root>/runc */
};

/* The runtime used when none is given: cubo-runc next to this binary, else on $PATH. */
const char *runtime_default_path(void);

/*
 * Run `runtime --root R args...` with the given stdio (-1: /dev/null) and
 * wait for it. *status is its exit status (128+N for a signal).
 */
struct cubo_error *runtime_spawn_wait(const struct ctr_runtime *rt, const char *const *args, int in,
				      int out, int err, int *status);
/*
 * Run it with stdio on /dev/null, capturing stderr; a non-zero exit is an
 * error carrying the runtime's message: "runtime cubo-runc kill: <its message>".
 */
struct cubo_error *runtime_call(const struct ctr_runtime *rt, const char *const *args);

struct cubo_error *runtime_start(const struct ctr_runtime *rt, const char *id);
/* signal: a name or number as kill(1) takes it; all: every process of the container. */
struct cubo_error *runtime_kill(const struct ctr_runtime *rt, const char *id, const char *signal,
				bool all);
struct cubo_error *runtime_delete(const struct ctr_runtime *rt, const char *id, bool force);
struct cubo_error *runtime_pause(const struct ctr_runtime *rt, const char *id, bool resume);

/*
 * argv for execv of `runtime --root R exec ...` (the caller replaces itself
 * with it so the exit code passes through). Free with free() (strings are
 * borrowed, except those the function made, which it keeps in *owned).
 */
char **runtime_argv(const struct ctr_runtime *rt, const char *const *args);

/* Clean up the text a runtime prints on failure into one line (no trailing newline,
 * runc's "level=error msg=..." reduced to the message). In place. */
void runtime_tidy_message(char *text);

#endif
