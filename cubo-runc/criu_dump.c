/* SPDX-License-Identifier: Apache-2.0 */
/* `checkpoint`: criu dump or pre-dump of a container (criu.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-runc/cgroup.h"
#include "cubo-runc/criu.h"
#include "cubo-runc/lifecycle.h"
#include "cubo-runc/mounts.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* How long a dumped init may take to be reaped by its parent before it counts as stopped. */
#define DUMPED_EXIT_WAIT_MS 5000

/*
 * A bind mount's source lies outside the container: criu records it as
 * external under its destination, and restore binds the source the
 * config then names.
 */
static void push_external_mounts(const struct oci_config *cfg, char ***argv, size_t *n)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct oci_mount *m = &cfg->mounts[i];
		if (!mount_is_bind(m) || !m->destination)
			continue;
		char *map = xasprintf("%s:%s", m->destination, m->destination);
		cubo_strv_push(argv, n, "--ext-mount-map");
		cubo_strv_push(argv, n, map);
		free(map);
	}
}

/* A network namespace joined by path belongs to someone else: criu dumps a reference to it. */
static struct cubo_error *push_external_netns(const struct oci_config *cfg, char ***argv, size_t *n)
{
	const struct oci_linux *lx = cfg->linux_;
	struct stat st;

	for (size_t i = 0; lx && i < lx->n_namespaces; i++) {
		const struct oci_namespace *ns = &lx->namespaces[i];
		if (strcmp(ns->type, "network") || !ns->path || !*ns->path)
			continue;
		if (stat(ns->path, &st) < 0)
			return cubo_error_errno("linux.namespaces[%zu].path %s", i, ns->path);
		char *ext =
			xasprintf("net[%llu]:%s", (unsigned long long)st.st_ino, CRIU_NETNS_KEY);
		cubo_strv_push(argv, n, "--external");
		cubo_strv_push(argv, n, ext);
		free(ext);
	}
	return NULL;
}

/* The freezer criu stops the tasks with: the v2 directory, or v1's freezer hierarchy. */
static void push_freeze_cgroup(const struct container *c, char ***argv, size_t *n)
{
	struct cgroup_set *cg;
	const char *dir = NULL;
	struct cubo_error *err = cgroup_set_from_strlist(&c->state->cgroup_paths, &cg);

	if (err) {
		cubo_error_free(err);
		return;
	}
	for (size_t i = 0; i < cg->n && !dir; i++)
		if (cg->d[i].v2 || strstr(cg->d[i].key, "freezer"))
			dir = cg->d[i].path;
	if (dir) {
		cubo_strv_push(argv, n, "--freeze-cgroup");
		cubo_strv_push(argv, n, dir);
	}
	cgroup_set_free(cg);
}

/* Whether mount id mnt is one of the container's (in the init's mount namespace). */
static bool mount_in_container(pid_t pid, long mnt)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
	f = fopen(path, "re");
	if (!f)
		return true; /* cannot tell: leave it to criu */
	while (!found && getline(&line, &cap, f) > 0)
		found = strtol(line, NULL, 10) == mnt;
	free(line);
	fclose(f);
	return found;
}

/*
 * A standard stream open on a file of the host (conmon's /dev/null, a log
 * file) cannot be found in the container's mounts: it is dumped as an
 * external file ("file[MNT:INODE]", hex) and restore passes its own stream
 * in its place. "" for the others.
 */
static char *external_stdio_key(pid_t pid, int fd)
{
	char path[64], *line = NULL, *key = NULL;
	size_t cap = 0;
	long mnt = -1;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	if (stat(path, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)))
		return xstrdup("");
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	f = fopen(path, "re");
	while (f && getline(&line, &cap, f) > 0)
		if (!strncmp(line, "mnt_id:", 7))
			mnt = strtol(line + 7, NULL, 10);
	if (f)
		fclose(f);
	free(line);
	if (mnt >= 0 && !mount_in_container(pid, mnt))
		key = xasprintf("file[%lx:%llx]", mnt, (unsigned long long)st.st_ino);
	return key ? key : xstrdup("");
}

static struct cubo_error *write_strv_json(const char *image, const char *name, char **v, size_t n)
{
	struct cubo_json_gen *g;
	struct cubo_error *err;
	char *json = NULL, *path;
	size_t len;

	CUBO_TRY(cubo_json_gen_new(false, &g));
	cubo_json_gen_strv(g, v, n);
	CUBO_TRY(cubo_json_gen_finish(g, &json, &len));
	path = cubo_path_join(image, name);
	err = cubo_write_file_atomic(path, json, len, 0600);
	free(path);
	free(json);
	return err;
}

/*
 * Where the init's stdio pointed (runc's descriptors.json: restore hands its
 * own pipes on in their place), and the external files among them.
 */
static struct cubo_error *save_descriptors(pid_t pid, const char *image, char ***argv, size_t *n)
{
	char *fds[3] = {0}, *ext[3] = {0};
	struct cubo_error *err;

	for (int fd = 0; fd < 3; fd++) {
		char link[64], target[PATH_MAX];
		ssize_t r;
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", pid, fd);
		r = readlink(link, target, sizeof(target) - 1);
		fds[fd] = xstrndup(r > 0 ? target : "", r > 0 ? (size_t)r : 0);
		ext[fd] = external_stdio_key(pid, fd);
		if (*ext[fd]) {
			cubo_strv_push(argv, n, "--external");
			cubo_strv_push(argv, n, ext[fd]);
		}
	}
	err = write_strv_json(image, CRIU_DESCRIPTORS, fds, 3);
	if (!err)
		err = write_strv_json(image, CRIU_STDIO_EXTERNAL, ext, 3);
	for (int fd = 0; fd < 3; fd++) {
		free(fds[fd]);
		free(ext[fd]);
	}
	return cubo_error_wrap(err, "record the container's stdio");
}

static struct cubo_error *dump_args(const struct container *c, const struct oci_config *cfg,
				    const struct checkpoint_opts *o, const char *image,
				    const char *work, char ***argv, size_t *n)
{
	const char *log = o->pre_dump ? "pre-dump.log" : "dump.log";
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", c->state->pid);
	cubo_strv_push(argv, n, o->pre_dump ? "pre-dump" : "dump");
	const char *fixed[] = {"--tree",     pid, "--images-dir", image,    "--work-dir",    work,
			       "--log-file", log, "-v4",	  "--root", c->state->rootfs};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		cubo_strv_push(argv, n, fixed[i]);
	CUBO_TRY(criu_common_args(&o->criu, argv, n));
	push_freeze_cgroup(c, argv, n);
	push_external_mounts(cfg, argv, n);
	CUBO_TRY(push_external_netns(cfg, argv, n));
	return criu_dump_only_args(o, argv, n);
}

static struct cubo_error *load_bundle_config(const struct container *c, struct oci_config **cfg)
{
	char *path = cubo_path_join(c->state->bundle, "config.json");
	struct cubo_error *err = oci_config_load(path, cfg);

	free(path);
	return cubo_error_wrap(err, "bundle of container \"%s\"", c->id);
}

static struct cubo_error *dump_locked(const struct container *c, const struct checkpoint_opts *o)
{
	enum container_status st = container_status(c);
	struct oci_config *cfg = NULL;
	char **argv = NULL, *image = NULL, *work = NULL;
	size_t n = 0;
	struct cubo_error *err;
	bool lazy_status = o->criu.lazy_pages && o->status_fd >= 0, tty;

	if (st != STATUS_RUNNING && st != STATUS_PAUSED)
		return cubo_error_new("cannot checkpoint container \"%s\" that is %s: it must be "
				      "running or paused",
				      c->id, container_status_name(st));
	/* after the checks of what the caller named: a wrong id or state is the news */
	char *criu = NULL;
	CUBO_TRY(criu_locate(o->criu.criu, &criu));
	err = load_bundle_config(c, &cfg);
	tty = !err && cfg->process && cfg->process->terminal;
	if (!err)
		err = criu_dirs(&o->criu, true, &image, &work);
	if (!err)
		cubo_strv_push(&argv, &n, criu);
	if (!err)
		err = dump_args(c, cfg, o, image, work, &argv, &n);
	if (!err)
		err = save_descriptors(c->state->pid, image, &argv, &n);
	/* a terminal's master is outside: criu accepts it through its RPC only */
	if (!err && tty && !o->pre_dump)
		err = criu_run_rpc(argv, &o->status_fd, lazy_status ? 1 : 0, NULL, NULL, 0, work,
				   "dump.log", NULL);
	else if (!err)
		err = criu_run(argv, &o->status_fd, lazy_status ? 1 : 0, NULL, NULL, 0, work,
			       o->pre_dump ? "pre-dump.log" : "dump.log");
	cubo_strv_free(argv);
	free(image);
	free(work);
	free(criu);
	oci_config_free(cfg);
	return err;
}

struct cubo_error *criu_checkpoint(const struct runc_ctx *ctx, const char *id,
				   const struct checkpoint_opts *o)
{
	struct container *c = NULL;
	struct cubo_error *err;
	bool gone;

	err = container_load(ctx->root, id, true, &c);
	if (!err && !c->state)
		err = cubo_error_new("container \"%s\" is still being created", id);
	if (!err)
		err = dump_locked(c, o);
	gone = !err && !o->leave_running && !o->pre_dump;
	/* criu killed the tasks: once the init is reaped the container is stopped */
	if (gone)
		err = container_wait_gone(c, DUMPED_EXIT_WAIT_MS);
	container_free(c);
	if (err)
		return cubo_error_wrap(err, "checkpoint %s", id);
	/* as runc: a dumped container is removed (poststop hooks run); restore recreates it */
	if (gone)
		lifecycle_run_done(ctx, id);
	return NULL;
}
