/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr checkpoint create|ls|rm: docker's (experimental) checkpoints,
 * made by the runtime's `checkpoint` (criu) into the directories
 * container/checkpoint.h names; `start --checkpoint` restores one. Without
 * --leave-running the dump ends the container: its monitor records the
 * exit as for any other, the restart policy held as after a stop (the user
 * ended it), and the network attachment is released; the restore attaches
 * it again, as a start does.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/checkpoint.h"
#include "cubo-mgr/container/restart.h"
#include "cubo-mgr/ctr_action.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/strv.h"

/* How long create waits for the monitor to record the exit a dump caused. */
#define DUMP_EXIT_WAIT_MS 10000

/* A dump that failed left the container running: its policy applies again. */
static void release_hold(struct ctr_ctx *c, const char *id)
{
	int lock;
	struct cubo_error *err = ctr_store_lock(&c->store, id, &lock);
	if (err) {
		cubo_error_free(err); /* removed meanwhile: nothing to release */
		return;
	}
	char *dir = ctr_store_dir(&c->store, id);
	struct ctr_record r;
	err = ctr_record_load(dir, &r);
	if (!err) {
		r.stopped_by_user = false;
		err = ctr_record_save(dir, &r);
		ctr_record_free(&r);
	}
	cubo_error_free(err);
	free(dir);
	cubo_unlock(lock);
}

static struct cubo_error *dump(struct ctr_ctx *c, struct ctr_record *r, const char *path,
			       bool leave_running)
{
	char *dir = ctr_store_dir(&c->store, r->id), *work = NULL;
	struct cubo_error *err = checkpoint_work_dir(dir, &work);
	free(dir);
	CUBO_TRY(err);
	/* first: the monitor decides on a restart when it sees the exit */
	if (!leave_running)
		err = restart_hold(&c->store, r->id);
	if (err) {
		free(work);
		return err;
	}
	struct ctr_runtime rt = ctr_runtime_of(c, r);
	const char *args[] = {"checkpoint",
			      "--image-path",
			      path,
			      "--work-path",
			      work,
			      leave_running ? "--leave-running" : r->id,
			      leave_running ? r->id : NULL,
			      NULL};
	err = runtime_call(&rt, args);
	free(work);
	if (err) {
		/* a hold of the user's own (kill -s) stays */
		if (!leave_running && !r->stopped_by_user)
			release_hold(c, r->id);
		return err;
	}
	ctr_event(c, r, "checkpoint", NULL);
	if (leave_running)
		return NULL;
	int code;
	err = ctr_wait_exit(c, r, DUMP_EXIT_WAIT_MS, &code);
	if (!err && code == -1)
		err = cubo_error_new("its monitor did not record the exit within %d s",
				     DUMP_EXIT_WAIT_MS / 1000);
	return err;
}

/* What a subcommand was given: CONTAINER [CHECKPOINT] and --checkpoint-dir. */
struct ckpt_args {
	const char *name; /* NULL for ls */
	const char *dir;  /* --checkpoint-dir; NULL: the container's own */
	bool leave_running;
};

static char *parent_of(struct ctr_ctx *c, const struct ctr_record *r, const char *custom)
{
	char *dir = ctr_store_dir(&c->store, r->id);
	char *parent = checkpoint_parent(dir, custom);
	free(dir);
	return parent;
}

static struct cubo_error *create_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	const struct ckpt_args *a = ctx;
	if (r->status != CTR_RUNNING && r->status != CTR_PAUSED)
		return cubo_error_new("container %s is not running", r->name);
	/* its exit would remove it, and there would be nothing to restore into */
	if (r->auto_remove && !a->leave_running)
		return cubo_error_new("container %s was started with --rm: a checkpoint would "
				      "go with it (--leave-running keeps it running)",
				      r->name);
	char *parent = parent_of(c, r, a->dir), *path = NULL;
	struct cubo_error *err = checkpoint_make(parent, a->name, r->name, &path);
	free(parent);
	CUBO_TRY(err);
	err = dump(c, r, path, a->leave_running);
	/* the images of a failed dump are no checkpoint (its log is in criu-work) */
	if (err)
		cubo_error_free(cubo_rm_rf(path));
	free(path);
	return cubo_error_wrap(err, "checkpoint %s of %s", a->name, r->name);
}

static struct cubo_error *ls_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	const struct ckpt_args *a = ctx;
	char *parent = parent_of(c, r, a->dir), **names;
	struct cubo_error *err = checkpoint_list(parent, &names);
	free(parent);
	CUBO_TRY(err);
	printf("CHECKPOINT NAME\n");
	for (size_t i = 0; names && names[i]; i++)
		printf("%s\n", names[i]);
	cubo_strv_free(names);
	return NULL;
}

static struct cubo_error *rm_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	const struct ckpt_args *a = ctx;
	char *parent = parent_of(c, r, a->dir), *path = NULL;
	struct cubo_error *err = checkpoint_find(parent, a->name, r->name, &path);
	free(parent);
	if (!err)
		err = cubo_rm_rf(path);
	free(path);
	return err;
}

/*
 * Parse CONTAINER [CHECKPOINT] with spec, check the name, and run fn on
 * the container.
 */
static int on_container(struct mgr *m, const struct mgr_cmd_spec *spec, int argc, char **argv,
			ctr_action fn, struct ckpt_args *a)
{
	struct cli_args args;
	int rc = mgr_parse_args(m, spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (args.n == 2) {
		a->name = args.v[1];
		struct cubo_error *err = checkpoint_name_check(a->name);
		if (err)
			return mgr_usage_error(m, spec->name, err);
	}
	args.n = 1;
	const bool silent = true;
	return each_container_of(m, &args, fn, a, &silent);
}

#define DIR_OPT(a, what)                                                                           \
	{                                                                                          \
		"checkpoint-dir", 0, CLI_STRING, &(a).dir, "DIR", what                             \
	}

static int checkpoint_create(struct mgr *m, int argc, char **argv)
{
	struct ckpt_args a = {0};
	const struct cli_opt opts[] = {
		DIR_OPT(a, "keep the checkpoint in DIR/CHECKPOINT (default: the container's "
			   "directory)"),
		{"leave-running", 0, CLI_BOOL, &a.leave_running, NULL,
		 "keep the container running after the checkpoint"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "checkpoint create",
		.usage = "checkpoint create [OPTIONS] CONTAINER CHECKPOINT",
		.description = "Save a running container's processes (criu) as CHECKPOINT; without "
			       "--leave-running\nthe container stops. `start --checkpoint "
			       "CHECKPOINT CONTAINER` brings it back.",
		MGR_ARGS(2, 2, "expected a container and a checkpoint name"),
		MGR_OPTS(opts),
	};
	int rc = on_container(m, &spec, argc, argv, create_one, &a);
	if (rc == 0 && a.name)
		printf("%s\n", a.name);
	return rc;
}

static int checkpoint_ls(struct mgr *m, int argc, char **argv)
{
	struct ckpt_args a = {0};
	const struct cli_opt opts[] = {
		DIR_OPT(a, "list the checkpoints in DIR (default: the container's directory)"),
	};
	const struct mgr_cmd_spec spec = {
		.name = "checkpoint ls",
		.usage = "checkpoint ls [--checkpoint-dir DIR] CONTAINER",
		.description = "List a container's checkpoints.",
		MGR_ARGS(1, 1, "expected one container"),
		MGR_OPTS(opts),
	};
	return on_container(m, &spec, argc, argv, ls_one, &a);
}

static int checkpoint_rm(struct mgr *m, int argc, char **argv)
{
	struct ckpt_args a = {0};
	const struct cli_opt opts[] = {
		DIR_OPT(a, "the checkpoint is in DIR (default: the container's directory)"),
	};
	const struct mgr_cmd_spec spec = {
		.name = "checkpoint rm",
		.usage = "checkpoint rm [--checkpoint-dir DIR] CONTAINER CHECKPOINT",
		.description = "Remove a container's checkpoint.",
		MGR_ARGS(2, 2, "expected a container and a checkpoint name"),
		MGR_OPTS(opts),
	};
	return on_container(m, &spec, argc, argv, rm_one, &a);
}

static const struct mgr_subcommand checkpoint_commands[] = {
	{"create", checkpoint_create, "save a running container's processes"},
	{"ls", checkpoint_ls, "list a container's checkpoints"},
	{"list", checkpoint_ls, NULL},
	{"rm", checkpoint_rm, "remove a checkpoint"},
	{"remove", checkpoint_rm, NULL},
};

int cmd_checkpoint(struct mgr *m, int argc, char **argv)
{
	return mgr_run_group(m, "checkpoint", "Manage containers' checkpoints (criu).",
			     checkpoint_commands, CLI_N(checkpoint_commands), 7, argc, argv);
}
