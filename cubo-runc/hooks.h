/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI hooks: each hook runs with the container state JSON on stdin, its own
 * args and env (nothing inherited), and its timeout. Where each list runs:
 *   prestart, createRuntime  create, by the runtime, after the init is set
 *                            up (status "created", as crun and the
 *                            runtime-tools suite expect)
 *   createContainer          create, by the init in the container's
 *                            namespaces, after its mounts and before
 *                            pivot_root, so the path resolves in the
 *                            runtime's filesystem (spec; as runc)
 *   startContainer           the init, after `start`, before execve
 *   poststart                start/run, after the process was released;
 *                            a failure is a warning
 *   poststop                 delete, after the container is gone; a
 *                            failure is a warning
 * start, run and delete read the hooks from the copy of config.json that
 * create keeps in the state directory, so a moved bundle does not matter.
 */
#ifndef CUBO_RUNC_HOOKS_H
#define CUBO_RUNC_HOOKS_H

#include <stdbool.h>
#include <sys/types.h>

#include "shared/error.h"
#include "shared/log.h"
#include "spec/config.h"
#include "spec/state.h"

enum hook_kind {
	HOOK_PRESTART,
	HOOK_CREATE_RUNTIME,
	HOOK_CREATE_CONTAINER,
	HOOK_START_CONTAINER,
	HOOK_POSTSTART,
	HOOK_POSTSTOP,
};

#define HOOKS_SAVED_CONFIG "config.json"

const char *hook_kind_name(enum hook_kind kind);
const struct oci_hook_list *hooks_list(const struct oci_hooks *h, enum hook_kind kind);

/*
 * Run every hook of the list in order; the first failure stops the list
 * and is returned ("createRuntime hook 1 (/bin/x): exited with status 3").
 * Each runs in cwd (NULL: the caller's), as runc runs them: the bundle for
 * the runtime's hooks, the root filesystem for createContainer.
 */
struct cubo_error *hooks_run(const struct oci_hook_list *list, enum hook_kind kind,
			     const char *state_json, const char *cwd);

/* The state a hook reads on stdin (only the OCI fields). */
struct cubo_error *hooks_state_json(const struct oci_state *st, const char *status, char **out);

/* The copy of config.json create kept in state_dir; NULL when none (or unreadable: warned). */
struct oci_config *hooks_load_saved(const char *state_dir, const struct cubo_log *log);
/* poststart and poststop: failures are logged as warnings, never returned. */
void hooks_run_warn(const struct oci_config *cfg, enum hook_kind kind, const struct oci_state *st,
		    const char *status, const struct cubo_log *log);

#endif
