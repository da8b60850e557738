/* SPDX-License-Identifier: Apache-2.0 */
/* The loop over the containers a command names, and the actions several commands share. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/attach.h"
#include "cubo-mgr/container/checkpoint.h"
#include "cubo-mgr/container/monitor.h"
#include "cubo-mgr/container/run_opts.h"
#include "cubo-mgr/container/volume.h"
#include "cubo-mgr/ctr_action.h"
#include "cubo-mgr/events/emit.h"
#include "shared/lock.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/image_fetch.h"

/* mgr_parse_args for a command that takes one container or more */
static int parse_containers(struct mgr *m, const struct mgr_cmd_spec *cmd, int argc, char **argv,
			    struct cli_args *args)
{
	struct mgr_cmd_spec spec = *cmd;
	spec.min_args = 1;
	spec.max_args = MGR_ARGS_ANY;
	spec.count_error = "expected at least one container";
	return mgr_parse_args(m, &spec, argc, argv, args);
}

int each_container(struct mgr *m, const struct mgr_cmd_spec *cmd, int argc, char **argv,
		   ctr_action fn, void *ctx, const bool *silent)
{
	struct cli_args args;
	int rc = parse_containers(m, cmd, argc, argv, &args);
	if (rc >= 0)
		return rc;
	return each_container_of(m, &args, fn, ctx, silent);
}

int each_container_of(struct mgr *m, const struct cli_args *args, ctr_action fn, void *ctx,
		      const bool *silent)
{
	struct ctr_ctx c;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (err)
		return mgr_fail(m, err);
	int rc = 0;
	for (int i = 0; i < args->n; i++) {
		struct ctr_record r;
		err = ctr_find(&c, args->v[i], &r);
		if (!err) {
			err = fn(&c, &r, ctx);
			ctr_record_free(&r);
		}
		if (err)
			rc = mgr_fail(m, err);
		else if (!silent || !*silent)
			printf("%s\n", args->v[i]);
	}
	ctr_ctx_close(&c);
	return rc;
}

/* ---- start ---- */

/*
 * After a power cut, a layer the container was made from may be half on
 * the disk (see image/store.h): it is extracted again from its blob before
 * the rootfs is mounted over it. Otherwise this costs a failed open per
 * layer.
 */
static struct cubo_error *layers_usable(struct mgr *m, const struct ctr_record *r)
{
	bool stale = false;
	for (size_t i = 0; r->layers && r->layers[i] && !stale; i++)
		stale = store_layer_stale_at(m->root, r->layers[i]);
	if (!stale)
		return NULL;
	struct store *s;
	CUBO_TRY(store_open(m->root, &s));
	struct store_match match;
	struct cubo_error *err = store_image_find(s, r->image_id, NULL, &match);
	if (!err) {
		err = image_fetch_extract(m, s, &match.v[0].manifest);
		store_match_free(&match);
	}
	store_close(s);
	return cubo_error_wrap(err, "image %s: extract the layers a power cut left unsynced",
			       r->image);
}

/* how long start waits for another command's start of the same container */
#define OTHER_START_WAIT_MS 30000

/*
 * A monitor that lives but has not reported the container running is a
 * start under way, perhaps of a command killed meanwhile: its outcome is
 * waited for (bounded), so a second start neither fails nor races it.
 */
static struct cubo_error *wait_other_start(struct ctr_ctx *c, struct ctr_record *r)
{
	for (int ms = 0; ms < OTHER_START_WAIT_MS && r->monitor_pid && r->status != CTR_RUNNING &&
			 r->status != CTR_PAUSED;
	     ms += CTR_POLL_MS) {
		ctr_poll_sleep();
		struct ctr_record now;
		CUBO_TRY(ctr_find(c, r->id, &now));
		ctr_record_free(r);
		*r = now;
	}
	return NULL;
}

struct cubo_error *ctr_start_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	struct start_ctx *sc = ctx;
	CUBO_TRY(wait_other_start(c, r));
	if ((r->status == CTR_RUNNING || r->status == CTR_PAUSED) && sc->checkpoint)
		return cubo_error_new("container %s is running: only a stopped container is "
				      "restored from a checkpoint",
				      r->name);
	if (r->status == CTR_RUNNING || r->status == CTR_PAUSED)
		return NULL;
	CUBO_TRY_CTX(layers_usable(sc->m, r), "start %s", r->name);
	char *images = NULL;
	if (sc->checkpoint) {
		char *dir = ctr_store_dir(&c->store, r->id);
		char *parent = checkpoint_parent(dir, sc->checkpoint_dir);
		struct cubo_error *err = checkpoint_find(parent, sc->checkpoint, r->name, &images);
		free(parent);
		free(dir);
		CUBO_TRY(err);
	}
	struct monitor_start ms = {
		.store = &c->store,
		.id = r->id,
		.layers_dir = c->layers_dir,
		.attach = sc->attach,
		.attach_flags = ATTACH_WANT_OUTPUT | (sc->interactive ? ATTACH_WANT_STDIN : 0),
		.checkpoint = images,
	};
	pid_t pid;
	int fd, code;
	struct cubo_error *err = monitor_start(&ms, &pid, &fd, &code);
	free(images);
	if (err) {
		sc->exit_code = code;
		return cubo_error_wrap(err, "start %s", r->name);
	}
	if (!sc->attach)
		return NULL;
	/* docker's start -a proxies signals too (no tty: a terminal sends its own ^C) */
	struct attach_client ac = {
		.forward_stdin = sc->interactive,
		.tty = r->tty,
		.sig_proxy = !r->tty,
		.keys = sc->keys,
	};
	err = attach_client_run(fd, &ac, &sc->exit_code);
	close(fd);
	if (!err && sc->exit_code == ATTACH_DETACHED)
		sc->exit_code = 0;
	return err;
}

/* ---- stop ---- */

struct cubo_error *ctr_stop_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	struct stop_ctx *sc = ctx;
	bool up = r->monitor_pid != 0;
	CUBO_TRY(ctr_stop(c, r, sc->force ? 0 : sc->timeout, sc->signal));
	if (up)
		ctr_event(c, r, "stop", NULL);
	return NULL;
}

int each_container_stop(struct mgr *m, const struct mgr_cmd_spec *cmd, int argc, char **argv,
			ctr_action fn, struct stop_ctx *sc, const char *const *signal)
{
	struct cli_args args;
	int rc = parse_containers(m, cmd, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct cubo_error *err =
		*signal ? run_opt_parse_signal("--signal", *signal, &sc->signal) : NULL;
	if (err)
		return mgr_usage_error(m, cmd->name, err);
	rc = each_container_of(m, &args, fn, sc, NULL);
	free(sc->signal);
	return rc;
}

/* ---- remove ---- */

struct cubo_error *ctr_remove_record(struct ctr_ctx *c, struct ctr_record *r, bool volumes)
{
	/* a cp holding the stopped container's overlay (ctr_root.h) finishes first */
	int lock;
	CUBO_TRY(ctr_store_lock(&c->store, r->id, &lock));
	struct cubo_error *err = ctr_store_remove(&c->store, r->id, r->name);
	cubo_unlock(lock);
	CUBO_TRY(err);
	ctr_event(c, r, "destroy", NULL);
	for (size_t i = 0; volumes && r->volumes && r->volumes[i]; i++) {
		struct ctr_volume v;
		if (!ctr_record_owns_volume(r, r->volumes[i]) ||
		    volume_get(c->store.root, r->volumes[i], &v))
			continue;
		err = NULL;
		if (v.anonymous && !(err = volume_remove(c->store.root, r->volumes[i])))
			ev_volume(c->store.root, "destroy", r->volumes[i], NULL, c->events_warned);
		cubo_error_free(err);
		ctr_volume_free(&v);
	}
	return NULL;
}
