/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container lifecycle commands: start, stop, restart, kill, rm, wait,
 * pause, unpause, container prune. Each takes containers by full ID,
 * unique ID prefix or name, and prints each one it acted on, as docker.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/attach.h"
#include "cubo-mgr/container/monitor.h"
#include "cubo-mgr/container/volume.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/image_fetch.h"
#include "shared/lock.h"
#include "shared/testpoint.h"

typedef struct cubo_error *(*ctr_action)(struct ctr_ctx *c, struct ctr_record *r, void *ctx);

/*
 * Parse, open, then act on every container argument; one failure does not
 * stop the rest. Each one acted on is printed, unless *silent (read once the
 * flags are parsed; NULL: never silent).
 */
static int each_container(struct mgr *m, const char *cmd, const char *usage, const char *desc,
			  int argc, char **argv, const struct cli_opt *opts, size_t n_opts,
			  ctr_action fn, void *ctx, const bool *silent)
{
	struct cli_args args;
	int rc = mgr_parse_args(m, cmd, usage, desc, argc, argv, opts, n_opts, &args);
	if (rc >= 0)
		return rc;
	if (args.n == 0) {
		free(args.v);
		return mgr_usage_error(m, cmd, cubo_error_new("expected at least one container"));
	}
	struct ctr_ctx c;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (err) {
		free(args.v);
		return mgr_fail(m, err);
	}
	rc = 0;
	for (int i = 0; i < args.n; i++) {
		struct ctr_record r;
		err = ctr_find(&c, args.v[i], &r);
		if (!err) {
			err = fn(&c, &r, ctx);
			ctr_record_free(&r);
		}
		if (err)
			rc = mgr_fail(m, err);
		else if (!silent || !*silent)
			printf("%s\n", args.v[i]);
	}
	ctr_ctx_close(&c);
	free(args.v);
	return rc;
}

/* ---- start ---- */

struct start_ctx {
	struct mgr *m;
	bool attach, interactive;
	int exit_code;
};

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

/*
 * A monitor that lives but has not reported the container running is a
 * start under way, perhaps of a command killed meanwhile: its outcome is
 * waited for (bounded), so a second start neither fails nor races it.
 */
static struct cubo_error *wait_other_start(struct ctr_ctx *c, struct ctr_record *r)
{
	for (int i = 0;
	     i < 3000 && r->monitor_pid && r->status != CTR_RUNNING && r->status != CTR_PAUSED;
	     i++) {
		struct timespec tick = {0, 10 * 1000 * 1000};
		nanosleep(&tick, NULL);
		struct ctr_record now;
		CUBO_TRY(ctr_find(c, r->id, &now));
		ctr_record_free(r);
		*r = now;
	}
	return NULL;
}

static struct cubo_error *start_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	struct start_ctx *sc = ctx;
	CUBO_TRY(wait_other_start(c, r));
	if (r->status == CTR_RUNNING || r->status == CTR_PAUSED)
		return NULL;
	CUBO_TRY_CTX(layers_usable(sc->m, r), "start %s", r->name);
	struct monitor_start ms = {
		.store = &c->store,
		.id = r->id,
		.layers_dir = c->layers_dir,
		.attach = sc->attach,
		.attach_flags = ATTACH_WANT_OUTPUT | (sc->interactive ? ATTACH_WANT_STDIN : 0),
	};
	pid_t pid;
	int fd, code;
	struct cubo_error *err = monitor_start(&ms, &pid, &fd, &code);
	if (err) {
		sc->exit_code = code;
		return cubo_error_wrap(err, "start %s", r->name);
	}
	if (!sc->attach)
		return NULL;
	err = attach_client_run(fd, sc->interactive, r->tty, &sc->exit_code);
	close(fd);
	if (!err && sc->exit_code == ATTACH_DETACHED)
		sc->exit_code = 0;
	return err;
}

int cmd_start(struct mgr *m, int argc, char **argv)
{
	struct start_ctx sc = {.m = m};
	const struct cli_opt opts[] = {
		{"attach", 'a', CLI_BOOL, &sc.attach, NULL,
		 "attach to the output and exit with the container's code"},
		{"interactive", 'i', CLI_BOOL, &sc.interactive, NULL, "attach stdin too"},
	};
	int rc = each_container(m, "start", "start [OPTIONS] CONTAINER [CONTAINER...]",
				"Start created or stopped containers.", argc, argv, opts,
				CLI_N(opts), start_one, &sc, &sc.attach); /* as docker */
	if (sc.attach)
		return rc ? rc : sc.exit_code;
	return rc;
}

/* ---- stop, restart, kill ---- */

struct stop_ctx {
	long timeout;
	bool force;
	struct mgr *m; /* restart: for start_one */
};

static struct cubo_error *stop_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	struct stop_ctx *sc = ctx;
	return ctr_stop(c, r, sc->force ? 0 : sc->timeout);
}

int cmd_stop(struct mgr *m, int argc, char **argv)
{
	struct stop_ctx sc = {.timeout = -1};
	const struct cli_opt opts[] = {
		{"time", 't', CLI_INT, &sc.timeout, "SECONDS",
		 "seconds to wait after the stop signal before SIGKILL (default: the "
		 "container's --stop-timeout, else 10)"},
		{"timeout", 0, CLI_INT, &sc.timeout, "SECONDS", NULL},
		{"force", 'f', CLI_BOOL, &sc.force, NULL, "SIGKILL at once"},
	};
	return each_container(m, "stop", "stop [OPTIONS] CONTAINER [CONTAINER...]",
			      "Stop running containers: the image's stop signal (SIGTERM unless it "
			      "says\notherwise), then SIGKILL when they have not exited in time.",
			      argc, argv, opts, CLI_N(opts), stop_one, &sc, NULL);
}

static struct cubo_error *restart_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	CUBO_TRY(stop_one(c, r, ctx));
	struct ctr_record fresh;
	CUBO_TRY(ctr_find(c, r->id, &fresh));
	struct start_ctx sc = {.m = ((struct stop_ctx *)ctx)->m};
	struct cubo_error *err = start_one(c, &fresh, &sc);
	ctr_record_free(&fresh);
	return err;
}

int cmd_restart(struct mgr *m, int argc, char **argv)
{
	struct stop_ctx sc = {.timeout = -1, .m = m};
	const struct cli_opt opts[] = {
		{"time", 't', CLI_INT, &sc.timeout, "SECONDS",
		 "seconds to wait for the stop before SIGKILL (default: as for stop)"},
	};
	return each_container(m, "restart", "restart [OPTIONS] CONTAINER [CONTAINER...]",
			      "Stop, then start containers.", argc, argv, opts, CLI_N(opts),
			      restart_one, &sc, NULL);
}

static struct cubo_error *kill_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	if (r->status != CTR_RUNNING && r->status != CTR_PAUSED)
		return cubo_error_new("container %s is not running", r->name);
	struct ctr_runtime rt = ctr_runtime_of(c, r);
	return runtime_kill(&rt, r->id, *(const char **)ctx, false);
}

int cmd_kill(struct mgr *m, int argc, char **argv)
{
	const char *sig = "SIGKILL";
	const struct cli_opt opts[] = {
		{"signal", 's', CLI_STRING, &sig, "SIGNAL", "signal to send (default SIGKILL)"},
	};
	return each_container(m, "kill", "kill [OPTIONS] CONTAINER [CONTAINER...]",
			      "Send a signal to the main process of running containers.", argc,
			      argv, opts, CLI_N(opts), kill_one, &sig, NULL);
}

/* ---- pause, unpause ---- */

static struct cubo_error *set_paused(struct ctr_ctx *c, struct ctr_record *r, bool paused)
{
	int lock;
	CUBO_TRY(ctr_store_lock(&c->store, r->id, &lock));
	char *dir = ctr_store_dir(&c->store, r->id);
	struct ctr_record now = {0};
	struct cubo_error *err = ctr_record_load(dir, &now);
	if (!err && now.status != (paused ? CTR_RUNNING : CTR_PAUSED))
		err = cubo_error_new("container %s is %s", r->name,
				     paused && now.status == CTR_PAUSED
					     ? "already paused"
					     : "not paused or not running");
	if (!err) {
		struct ctr_runtime rt = ctr_runtime_of(c, r);
		err = runtime_pause(&rt, r->id, !paused);
	}
	if (!err) {
		now.status = paused ? CTR_PAUSED : CTR_RUNNING;
		err = ctr_record_save(dir, &now);
	}
	ctr_record_free(&now);
	free(dir);
	cubo_unlock(lock);
	return err;
}

static struct cubo_error *pause_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	(void)ctx;
	return set_paused(c, r, true);
}

static struct cubo_error *unpause_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	(void)ctx;
	return set_paused(c, r, false);
}

int cmd_pause(struct mgr *m, int argc, char **argv)
{
	return each_container(m, "pause", "pause CONTAINER [CONTAINER...]",
			      "Freeze every process of running containers.", argc, argv, NULL, 0,
			      pause_one, NULL, NULL);
}

int cmd_unpause(struct mgr *m, int argc, char **argv)
{
	return each_container(m, "unpause", "unpause CONTAINER [CONTAINER...]",
			      "Thaw paused containers.", argc, argv, NULL, 0, unpause_one, NULL,
			      NULL);
}

/* ---- rm, wait, prune ---- */

struct rm_ctx {
	bool force, volumes;
};

static struct cubo_error *remove_record(struct ctr_ctx *c, struct ctr_record *r, bool volumes)
{
	CUBO_TRY(ctr_store_remove(&c->store, r->id, r->name));
	for (size_t i = 0; volumes && r->volumes && r->volumes[i]; i++) {
		struct ctr_volume v;
		if (volume_get(c->store.root, r->volumes[i], &v))
			continue;
		if (v.anonymous)
			cubo_error_free(volume_remove(c->store.root, r->volumes[i]));
		ctr_volume_free(&v);
	}
	return NULL;
}

static struct cubo_error *rm_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	struct rm_ctx *rc = ctx;
	if (r->monitor_pid) {
		if (!rc->force)
			return cubo_error_new("cannot remove container %s: it is %s; stop it first "
					      "or use --force",
					      r->name, ctr_status_name(r->status));
		CUBO_TRY(ctr_stop(c, r, 0));
		cubo_test_point("rm-after-stop");
		/* a --rm container is gone once its monitor is done */
		struct ctr_record now;
		struct cubo_error *err = ctr_find(c, r->id, &now);
		if (err) {
			cubo_error_free(err);
			return NULL;
		}
		ctr_record_free(r);
		*r = now;
	}
	return remove_record(c, r, rc->volumes);
}

int cmd_rm(struct mgr *m, int argc, char **argv)
{
	struct rm_ctx rc = {0};
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &rc.force, NULL, "kill and remove running containers"},
		{"volumes", 'v', CLI_BOOL, &rc.volumes, NULL,
		 "remove the anonymous volumes of the containers too"},
	};
	return each_container(m, "rm", "rm [OPTIONS] CONTAINER [CONTAINER...]",
			      "Remove containers: their directory, log and changes.", argc, argv,
			      opts, CLI_N(opts), rm_one, &rc, NULL);
}

static struct cubo_error *wait_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	(void)ctx;
	int code = r->exit_code;
	if (r->monitor_pid)
		CUBO_TRY(ctr_wait_exit(c, r, -1, &code));
	printf("%d\n", code);
	return NULL;
}

int cmd_wait(struct mgr *m, int argc, char **argv)
{
	static const bool always_silent = true; /* it prints exit codes instead */
	return each_container(m, "wait", "wait CONTAINER [CONTAINER...]",
			      "Wait until containers stop; print each one's exit code.", argc, argv,
			      NULL, 0, wait_one, NULL, &always_silent);
}

int cmd_container_prune(struct mgr *m, int argc, char **argv)
{
	bool force = false;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "do not ask for confirmation"},
	};
	struct cli_args args;
	int rc = mgr_parse_args(m, "container prune", "container prune [OPTIONS]",
				"Remove every stopped container.", argc, argv, opts, CLI_N(opts),
				&args);
	if (rc >= 0)
		return rc;
	free(args.v);
	if (!force && !mgr_confirm("This will remove all stopped containers."))
		return 0;
	struct ctr_ctx c;
	struct ctr_record *v = NULL;
	size_t n = 0;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (!err)
		err = ctr_reconcile_store(&c.store);
	if (!err)
		err = ctr_store_list(&c.store, &v, &n);
	if (err) {
		ctr_ctx_close(&c);
		return mgr_fail(m, err);
	}
	printf("Deleted Containers:\n");
	for (size_t i = 0; i < n; i++) {
		bool removed;
		if ((err = ctr_reconcile_one(&c.store, &v[i], &removed))) {
			rc = mgr_fail(m, err);
			continue;
		}
		if (removed || v[i].monitor_pid)
			continue;
		if ((err = remove_record(&c, &v[i], false)))
			rc = mgr_fail(m, err);
		else
			printf("%s\n", v[i].id);
	}
	ctr_records_free(v, n);
	ctr_ctx_close(&c);
	return rc > 0 ? rc : 0;
}
