/* SPDX-License-Identifier: Apache-2.0 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "cubo-runc/container.h"
#include "cubo-runc/hooks.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/validate.h"
#include "shared/fs.h"

/* How long delete waits for a killed init to be gone. */
#define DELETE_WAIT_MS 10000

static struct cubo_error *remove_stopped(struct container *c, const struct cubo_log *log)
{
	/* read before the state directory goes: poststop runs once the container is gone */
	struct oci_config *saved = hooks_load_saved(c->dir, log);
	struct cubo_error *err = container_destroy(c);

	if (!err && c->state)
		hooks_run_warn(saved, HOOK_POSTSTOP, c->state, "stopped", log);
	oci_config_free(saved);
	return err;
}

static struct cubo_error *delete_container(struct container *c, bool force,
					   const struct cubo_log *log)
{
	enum container_status st = container_status(c);

	switch (st) {
	case STATUS_STOPPED:
	case STATUS_CREATING:
		break;
	/* the spec: deleting a container that is not stopped is an error */
	case STATUS_CREATED:
	case STATUS_RUNNING:
	case STATUS_PAUSED:
		if (!force)
			return cubo_error_new("cannot delete container \"%s\" that is not stopped: "
					      "%s (use --force)",
					      c->id, container_status_name(st));
		CUBO_TRY(container_kill(c, SIGKILL, true));
		CUBO_TRY(container_wait_gone(c, DELETE_WAIT_MS));
		break;
	}
	return remove_stopped(c, log);
}

int cmd_delete(struct runc_globals *g, int argc, char **argv)
{
	struct container *c;
	struct cubo_error *err;
	bool help, force = false;
	int first;
	const struct runc_opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, NULL, "kill the container first if it runs"},
	};

	err = opts_parse(argc, argv, opts, OPTS_N(opts), &help, &first);
	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, "cubo-runc delete [options] CONTAINER_ID",
				"Delete a stopped (or, with --force, any) container.", opts,
				OPTS_N(opts));
		return 0;
	}
	if (argc - first != 1)
		return runc_fail(g, cubo_error_new("delete: expected exactly one container id"));
	err = validate_container_id(argv[first]);
	if (err)
		return runc_fail(g, err);
	if (force) {
		/* runc: deleting a missing container with --force succeeds */
		char *dir = cubo_path_join(g->root, argv[first]);
		bool exists = cubo_path_exists(dir);
		free(dir);
		if (!exists)
			return 0;
	}
	err = container_load(g->root, argv[first], true, &c);
	if (err)
		return runc_fail(g, err);
	err = delete_container(c, force, &g->log);
	container_free(c);
	return err ? runc_fail(g, err) : 0;
}
