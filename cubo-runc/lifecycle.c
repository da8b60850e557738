/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/lifecycle.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "cubo-runc/cgroup.h"
#include "cubo-runc/cgroup_priv.h"
#include "cubo-runc/hooks.h"
#include "cubo-runc/systemd_cgroup.h"
#include "cubo-runc/sync.h"
#include "shared/fs.h"
#include "shared/testpoint.h"

/* How long delete waits for a killed init to be gone. */
#define DELETE_WAIT_MS 10000

/* poststart: the saved config's hooks (create kept it only when there are some). */
static void run_poststart(const struct runc_ctx *ctx, const struct container *c)
{
	struct oci_config *saved = hooks_load_saved(c->dir, ctx->log);
	hooks_run_warn(saved, HOOK_POSTSTART, c->state, "running", ctx->log);
	oci_config_free(saved);
}

struct cubo_error *lifecycle_start(const struct runc_ctx *ctx, const char *id)
{
	struct container *c;

	CUBO_TRY(container_load(ctx->root, id, true, &c));
	struct cubo_error *err = container_start(c);
	if (!err)
		run_poststart(ctx, c);
	container_free(c);
	return err;
}

/* The state directory goes, then poststop runs from the config read before it went. */
static struct cubo_error *remove_stopped(const struct runc_ctx *ctx, struct container *c)
{
	struct oci_config *saved = hooks_load_saved(c->dir, ctx->log);
	struct cubo_error *err = container_destroy(c);

	if (!err && c->state)
		hooks_run_warn(saved, HOOK_POSTSTOP, c->state, "stopped", ctx->log);
	oci_config_free(saved);
	return err;
}

static struct cubo_error *delete_loaded(const struct runc_ctx *ctx, struct container *c, bool force)
{
	enum container_status st = container_status(c);

	switch (st) {
	case STATUS_STOPPED:
		break;
	case STATUS_CREATING:
		/*
		 * We hold the lock a live create holds: this one crashed, or a
		 * power cut emptied its state. Its init may still wait in the
		 * cgroups it made.
		 */
		if (force)
			CUBO_TRY(container_kill_leftovers(c));
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
		cubo_test_point("runc-delete-after-kill");
		CUBO_TRY(container_wait_gone(c, DELETE_WAIT_MS));
		break;
	}
	return remove_stopped(ctx, c);
}

struct cubo_error *lifecycle_delete(const struct runc_ctx *ctx, const char *id, bool force)
{
	struct container *c;

	if (force) {
		/* runc: deleting a missing container with --force succeeds */
		char *dir = cubo_path_join(ctx->root, id);
		bool exists = cubo_path_exists(dir);
		free(dir);
		if (!exists)
			return NULL;
	}
	CUBO_TRY(container_load(ctx->root, id, true, &c));
	struct cubo_error *err = delete_loaded(ctx, c, force);
	container_free(c);
	return err;
}

struct cubo_error *lifecycle_release(const struct runc_ctx *ctx, const char *id, struct created *cr)
{
	struct container *c;
	struct cubo_error *err = sync_send(cr->sync_fd, SYNC_START, NULL);

	close(cr->sync_fd);
	cr->sync_fd = -1;
	if (err) {
		if (cr->console_master >= 0)
			close(cr->console_master);
		close(cr->pidfd);
		return err;
	}
	/* most configs have no poststart hooks: then the state is not read again */
	char *dir = cubo_path_join(ctx->root, id);
	struct oci_config *saved = hooks_load_saved(dir, ctx->log);
	free(dir);
	if (saved && !(err = container_load(ctx->root, id, false, &c))) {
		hooks_run_warn(saved, HOOK_POSTSTART, c->state, "running", ctx->log);
		container_free(c);
	}
	oci_config_free(saved);
	/* the process runs: a state that cannot be read only costs the hooks */
	cubo_error_free(err);
	return NULL;
}

void lifecycle_run_done(const struct runc_ctx *ctx, const char *id)
{
	struct container *c;
	struct cubo_error *err = container_load(ctx->root, id, true, &c);

	if (err) {
		cubo_error_free(err);
		return;
	}
	cubo_error_free(remove_stopped(ctx, c));
	container_free(c);
}

struct cubo_error *lifecycle_live_cgroups(const struct runc_ctx *ctx, const char *id,
					  struct container **c, struct cgroup_set **set)
{
	*set = NULL;
	CUBO_TRY(container_load(ctx->root, id, false, c));
	struct cubo_error *err = NULL;
	if (!(*c)->state)
		err = cubo_error_new("container is still being created");
	else if (container_status(*c) == STATUS_STOPPED)
		err = cubo_error_new("container is not running");
	else if (!(*c)->state->cgroup_paths.n)
		err = cubo_error_new("the state file records no cgroup for this container");
	else
		err = cgroup_set_from_strlist(&(*c)->state->cgroup_paths, set);
	if (err) {
		container_free(*c);
		*c = NULL;
	}
	return err;
}

/*
 * cgroup v2 keeps quota and period in one file, cpu.max, and a period alone
 * is written with an unlimited quota. runc's update keeps the quota when
 * only the period changes, so read it back first.
 */
static void keep_v2_quota(const struct cgroup_set *s, struct oci_cpu *c)
{
	const char *v2 = NULL;
	char *f, *text = NULL;
	size_t len;
	struct cubo_error *err;

	if (!c || !c->has_period || c->has_quota)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (!s->d[i].v2 && cgroup_key_has(s->d[i].key, "cpu"))
			return; /* v1 keeps them in separate files */
		if (s->d[i].v2)
			v2 = s->d[i].path;
	}
	if (!v2)
		return;
	f = cubo_path_join(v2, "cpu.max");
	err = cubo_read_file(f, &text, &len);
	if (!err && isdigit((unsigned char)text[0])) {
		c->has_quota = true;
		c->quota = strtoll(text, NULL, 10);
	}
	cubo_error_free(err);
	free(text);
	free(f);
}

struct cubo_error *lifecycle_update(const struct runc_ctx *ctx, const char *id,
				    const struct oci_resources *res)
{
	struct container *c;
	struct cgroup_set *set;
	CUBO_TRY_CTX(lifecycle_live_cgroups(ctx, id, &c, &set), "update %s", id);
	struct oci_resources apply = *res;
	struct oci_memory memory;
	struct oci_cpu cpu;
	/* Device rules stay as created: runc's update leaves them alone too. */
	apply.n_devices = 0;
	if (apply.memory) {
		memory = *apply.memory;
		memory.has_kernel = false;
		memory.has_kernel_tcp = false;
		apply.memory = &memory;
	}
	if (apply.cpu) {
		cpu = *apply.cpu;
		keep_v2_quota(set, &cpu);
		apply.cpu = &cpu;
	}
	/* systemd's properties first, so it does not later undo what the files say */
	struct cubo_error *err = systemd_cgroup_update(set, &apply);
	if (!err)
		err = cgroup_set_apply(set, &apply);
	cgroup_set_free(set);
	container_free(c);
	return cubo_error_wrap(err, "update %s", id);
}
