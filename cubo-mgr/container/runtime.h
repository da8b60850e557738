/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The only code that runs the OCI runtime (cubo-runc, or runc/crun given
 * with --runtime): `RUNTIME --root ROOT VERB ARGS...`, as an orchestrator
 * runs runc. Errors carry what the runtime printed.
 */
#ifndef CUBO_MGR_CONTAINER_RUNTIME_H
#define CUBO_MGR_CONTAINER_RUNTIME_H

#include <stdbool.h>
#include <sys/types.h>

#include "cubo-mgr/settings.h"
#include "shared/error.h"

struct ctr_runtime {
	const char *path;    /* the runtime binary */
	const char *root;    /* its --root: <root>/runc */
	bool systemd_cgroup; /* --systemd-cgroup: the container's cgroup is a systemd scope */
};

#define RUNTIME_CGROUPFS "cgroupfs"
#define RUNTIME_SYSTEMD "systemd"

/*
 * The cgroup manager for new containers (--cgroup-manager): "cgroupfs" or
 * "systemd"; NULL picks systemd when systemd_host (see runtime_systemd_host),
 * as podman does, else cgroupfs. Anything else is an error naming the flag.
 */
struct cubo_error *runtime_cgroup_manager(const char *flag, bool systemd_host, bool *systemd);
/* PID 1 is systemd (/run/systemd/system) and /sys/fs/cgroup is cgroup v2 only. */
bool runtime_systemd_host(void);
/*
 * The cgroupsPath a container's config gets: "machine.slice:cubo:ID" or
 * "cubo-ID"; with parent (--cgroup-parent, checked), "PARENT:cubo:ID" or
 * "PARENT/cubo-ID".
 */
char *runtime_cgroups_path(bool systemd, const char *parent, const char *id);

/*
 * The runtime used when none is given: the settings' ($CUBO_RUNTIME) when
 * set, else cubo-runc next to this binary, else on $PATH.
 */
const char *runtime_default_path(const struct mgr_settings *set);

/*
 * Start `runtime --root R args...` with the given stdio (-1: /dev/null), with
 * no signal blocked; the caller waits for *pid.
 */
struct cubo_error *runtime_spawn(const struct ctr_runtime *rt, const char *const *args, int in,
				 int out, int err, pid_t *pid);
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
/* `update FLAGS... ID`: flags are runc's (--memory N, --cpu-quota N, ...). */
struct cubo_error *runtime_update(const struct ctr_runtime *rt, const char *id, char *const *flags);

/*
 * argv for execv of `runtime --root R exec ...` (the caller replaces itself
 * with it so the exit code passes through). Free with free() (strings are
 * borrowed, except those the function made, which it keeps in *owned).
 */
char **runtime_argv(const struct ctr_runtime *rt, const char *const *args);

/*
 * Run `runtime --root R args...` (args: "exec" ...) in the foreground and
 * wait; *code is what cubo-mgr exec exits with: the command's status, or
 * 127 / 126 for a command the runtime could not find / start (its 255 and
 * the error it logged), 128+N if the runtime died of signal N.
 * runtime_exec.c.
 */
struct cubo_error *runtime_exec_fg(const struct ctr_runtime *rt, char **args, int *code);
/* The mapping alone: status as the runtime exited, log its JSON log lines. */
int runtime_exec_code(int status, const char *log);
/*
 * The message of the error the runtime logged when it exited with status
 * because it could not start an exec's command; NULL when it did not (the
 * command's own status). Caller frees.
 */
char *runtime_exec_error(int status, const char *log);

/* Clean up the text a runtime prints on failure into one line (no trailing newline,
 * runc's "level=error msg=..." reduced to the message). In place. */
void runtime_tidy_message(char *text);

#endif
