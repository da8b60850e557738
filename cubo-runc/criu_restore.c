/* SPDX-License-Identifier: Apache-2.0 */
/* `restore`: a new container from a bundle and criu's images (criu.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-runc/cgroup.h"
#include "cubo-runc/criu.h"
#include "cubo-runc/hooks.h"
#include "cubo-runc/lifecycle.h"
#include "cubo-runc/mounts.h"
#include "cubo-runc/systemd_cgroup.h"
#include "cubo-runc/validate.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/timeutil.h"
#include "shared/xalloc.h"

/* criu's root: a bind of the bundle's rootfs, since criu pivots into a mount point. */
#define CRIU_ROOT "criu-root"
#define CRIU_PIDFILE "criu.pid"

/* Everything restore made, so one function can undo it. */
struct restore_ctx {
	struct oci_config *cfg;
	char *bundle, *rootfs, *dir, *criu_root, *image, *work, *criu;
	int lockfd;
	int netns_fd;
	bool root_mounted;
	struct cgroup_layout cgl;
	struct cgroup_set *cg;
	struct cgroup_entry entry;
	pid_t pid;
	pid_t holder; /* --systemd-cgroup: keeps the scope until criu is in it */
	bool systemd;
	bool terminal; /* process.terminal: criu through its RPC, for orphan-pts-master */
	char **argv;
	size_t n;
};

static bool ns_new(const struct oci_config *cfg, const char *type)
{
	const struct oci_linux *lx = cfg->linux_;

	for (size_t i = 0; lx && i < lx->n_namespaces; i++)
		if (!strcmp(lx->namespaces[i].type, type))
			return !lx->namespaces[i].path || !*lx->namespaces[i].path;
	return false;
}

static bool has_hooks(const struct oci_config *cfg, enum hook_kind kind)
{
	const struct oci_hook_list *l = hooks_list(cfg->hooks, kind);
	return l && l->n;
}

static struct cubo_error *load_bundle(struct restore_ctx *x, const struct restore_opts *o)
{
	CUBO_TRY(container_bundle_load(o->bundle, &x->bundle, &x->cfg, &x->rootfs));
	if (!cubo_path_exists(x->rootfs))
		return cubo_error_new("config.json: root.path: %s does not exist", x->rootfs);
	if (!ns_new(x->cfg, "mount"))
		return cubo_error_new("config.json: restore needs a new mount namespace "
				      "(linux.namespaces without a \"mount\" of its own)");
	x->terminal = x->cfg->process && x->cfg->process->terminal;
	/* criu makes a new pty: its master must go somewhere */
	if (x->terminal && !o->console_socket)
		return cubo_error_new("config.json: process.terminal is true: restore needs "
				      "--console-socket for the new pty master");
	if (!x->terminal && o->console_socket)
		return cubo_error_new("--console-socket given but process.terminal is false");
	return NULL;
}

static struct cubo_error *mount_criu_root(struct restore_ctx *x)
{
	x->criu_root = cubo_path_join(x->dir, CRIU_ROOT);
	if (mkdir(x->criu_root, 0700) < 0)
		return cubo_error_errno("mkdir %s", x->criu_root);
	if (mount(x->rootfs, x->criu_root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cubo_error_errno("bind %s on %s", x->rootfs, x->criu_root);
	x->root_mounted = true;
	return NULL;
}

static void unmount_criu_root(struct restore_ctx *x)
{
	if (x->root_mounted && umount2(x->criu_root, MNT_DETACH) == 0)
		rmdir(x->criu_root);
	x->root_mounted = false;
}

/* criu puts the tasks below these: the new container's cgroups, as it sits in them itself. */
static void push_cgroup_roots(struct restore_ctx *x)
{
	for (size_t i = 0; i < x->cg->n; i++) {
		const struct cgroup_dir *d = &x->cg->d[i];
		const struct cgroup_hierarchy *h = NULL;
		for (size_t j = 0; j < x->cgl.n && !h; j++)
			if (!strcmp(x->cgl.h[j].key, d->key))
				h = &x->cgl.h[j];
		size_t ml = h ? strlen(h->mount_point) : 0;
		if (!h || strncmp(d->path, h->mount_point, ml) ||
		    (d->path[ml] && d->path[ml] != '/'))
			continue;
		const char *rel = d->path[ml] ? d->path + ml : "/";
		const char *base = h->mount_root && strcmp(h->mount_root, "/") ? h->mount_root : "";
		char *arg = *d->key ? xasprintf("%s:%s%s", d->key, base, rel)
				    : xasprintf("%s%s", base, rel);
		cubo_strv_push(&x->argv, &x->n, "--cgroup-root");
		cubo_strv_push(&x->argv, &x->n, arg);
		free(arg);
	}
}

/* Bind mounts come from the new config's sources (dumped as external, keyed by destination). */
static void push_external_mounts(struct restore_ctx *x)
{
	for (size_t i = 0; i < x->cfg->n_mounts; i++) {
		const struct oci_mount *m = &x->cfg->mounts[i];
		bool bind = m->type && !strcmp(m->type, "bind");
		for (size_t k = 0; k < m->options.n && !bind; k++)
			bind = !strcmp(m->options.v[k], "bind") ||
			       !strcmp(m->options.v[k], "rbind");
		if (!bind || !m->destination || !m->source)
			continue;
		char *map = xasprintf("%s:%s", m->destination, m->source);
		cubo_strv_push(&x->argv, &x->n, "--ext-mount-map");
		cubo_strv_push(&x->argv, &x->n, map);
		free(map);
	}
}

/* criu takes our fd in place of what the images name key. */
static void push_inherit(struct restore_ctx *x, size_t fd, const char *key)
{
	char *arg = xasprintf("fd[%zu]:%s", fd, key);
	cubo_strv_push(&x->argv, &x->n, "--inherit-fd");
	cubo_strv_push(&x->argv, &x->n, arg);
	free(arg);
}

/* The network namespace the new config joins replaces the one the images refer to. */
static struct cubo_error *push_netns(struct restore_ctx *x)
{
	const struct oci_linux *lx = x->cfg->linux_;

	for (size_t i = 0; lx && i < lx->n_namespaces; i++) {
		const struct oci_namespace *ns = &lx->namespaces[i];
		if (strcmp(ns->type, "network") || !ns->path || !*ns->path)
			continue;
		x->netns_fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (x->netns_fd < 0)
			return cubo_error_errno("linux.namespaces[%zu].path %s", i, ns->path);
		push_inherit(x, (size_t)x->netns_fd, CRIU_NETNS_KEY);
		break;
	}
	return NULL;
}

/* A JSON array of strings kept in the image directory; NULL when the file is not there. */
static struct cubo_error *read_image_strv(const char *image, const char *name, char ***v, size_t *n)
{
	char *path = cubo_path_join(image, name), *text = NULL;
	struct cubo_json_ctx jc;
	struct cubo_error *err;
	yajl_val val = NULL;
	size_t len;

	*v = NULL;
	*n = 0;
	err = cubo_read_file(path, &text, &len);
	if (err && err->errnum == ENOENT) {
		/* images of another tool */
		cubo_error_free(err);
		err = NULL;
	} else if (!err) {
		err = cubo_json_parse(text, len, path, &val);
		cubo_json_ctx_init(&jc, path);
		if (!err)
			err = cubo_json_as_strv(&jc, val, v, n);
	}
	if (val)
		yajl_tree_free(val);
	free(text);
	free(path);
	return err;
}

/* The dumped init's stdio pipes and host files are replaced by ours (the caller's, e.g. conmon's).
 */
static struct cubo_error *push_stdio(struct restore_ctx *x)
{
	char **fds = NULL, **ext = NULL;
	size_t n_fds, n_ext;
	struct cubo_error *err = read_image_strv(x->image, CRIU_DESCRIPTORS, &fds, &n_fds);

	if (!err)
		err = read_image_strv(x->image, CRIU_STDIO_EXTERNAL, &ext, &n_ext);
	for (size_t fd = 0; !err && fd < 3; fd++) {
		if (fd < n_ext && *ext[fd])
			push_inherit(x, fd, ext[fd]);
		else if (fd < n_fds && !strncmp(fds[fd], "pipe:", 5))
			push_inherit(x, fd, fds[fd]);
	}
	cubo_strv_free(fds);
	cubo_strv_free(ext);
	return err;
}

static struct cubo_error *restore_args(struct restore_ctx *x, const struct restore_opts *o)
{
	char *pidfile = cubo_path_join(x->dir, CRIU_PIDFILE);
	const char *fixed[] = {"restore",
			       "--images-dir",
			       x->image,
			       "--work-dir",
			       x->work,
			       "--log-file",
			       "restore.log",
			       "-v4",
			       "--root",
			       x->criu_root,
			       "--restore-detached",
			       "--pidfile",
			       pidfile};

	cubo_strv_push(&x->argv, &x->n, x->criu);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		cubo_strv_push(&x->argv, &x->n, fixed[i]);
	free(pidfile);
	CUBO_TRY(criu_common_args(&o->criu, &x->argv, &x->n));
	CUBO_TRY(criu_restore_only_args(o, &x->argv, &x->n));
	/* prestart and createRuntime run before the restored process goes on */
	if (has_hooks(x->cfg, HOOK_PRESTART) || has_hooks(x->cfg, HOOK_CREATE_RUNTIME))
		cubo_strv_push(&x->argv, &x->n, "--leave-stopped");
	push_cgroup_roots(x);
	push_external_mounts(x);
	CUBO_TRY(push_netns(x));
	return push_stdio(x);
}

static struct cubo_error *read_pid(struct restore_ctx *x)
{
	char *text = NULL, *end;
	size_t len;
	long pid;

	CUBO_TRY_CTX(cubo_read_file_at(x->lockfd, CRIU_PIDFILE, &text, &len),
		     "the pid file criu restore writes");
	pid = strtol(text, &end, 10);
	if (end == text || pid <= 0 || pid > INT_MAX) {
		free(text);
		return cubo_error_new("criu restore wrote no pid to %s/%s", x->dir, CRIU_PIDFILE);
	}
	free(text);
	x->pid = (pid_t)pid;
	unlinkat(x->lockfd, CRIU_PIDFILE, 0);
	return NULL;
}

static void fill_state(const struct restore_ctx *x, const char *id, struct oci_state *st,
		       char created[CUBO_RFC3339_LEN])
{
	cubo_time_now_rfc3339(created);
	*st = (struct oci_state){
		.oci_version = x->cfg->oci_version,
		.id = (char *)id,
		.status = (char *)"running",
		.pid = x->pid,
		.bundle = x->bundle,
		.annotations = x->cfg->annotations,
		.pid_start_time = cubo_proc_start_time(x->pid),
		.created = created,
		.rootfs = x->rootfs,
		.owner = (char *)"",
		.own_pid_ns = ns_new(x->cfg, "pid"),
		.systemd_cgroup = x->systemd,
	};
}

static struct cubo_error *write_state(const struct restore_ctx *x, const struct restore_opts *o)
{
	char created[CUBO_RFC3339_LEN];
	struct oci_state st;
	struct cubo_error *err;
	char *json = NULL;
	size_t len;

	fill_state(x, o->id, &st, created);
	if (!st.pid_start_time)
		return cubo_error_new("the restored process exited during restore");
	CUBO_TRY(cgroup_set_to_strlist(x->cg, &st.cgroup_paths));
	err = oci_state_to_json(&st, true, false, &json, &len);
	cubo_strv_free(st.cgroup_paths.v);
	if (!err)
		err = cubo_write_file_replace_at(x->lockfd, "state.json", json, len, 0600);
	free(json);
	CUBO_TRY(err);
	return o->pid_file ? container_write_pid_file(o->pid_file, x->pid) : NULL;
}

/* prestart and createRuntime, then the tasks criu left stopped go on. */
static struct cubo_error *run_hooks_and_continue(const struct restore_ctx *x, const char *id)
{
	char created[CUBO_RFC3339_LEN], *json = NULL;
	struct oci_state st;
	struct cubo_error *err;
	pid_t *pids = NULL;
	size_t n = 0;

	if (!has_hooks(x->cfg, HOOK_PRESTART) && !has_hooks(x->cfg, HOOK_CREATE_RUNTIME))
		return NULL;
	fill_state(x, id, &st, created);
	err = hooks_state_json(&st, "created", &json);
	if (!err)
		err = hooks_run(&x->cfg->hooks->prestart, HOOK_PRESTART, json, x->bundle);
	if (!err)
		err = hooks_run(&x->cfg->hooks->create_runtime, HOOK_CREATE_RUNTIME, json,
				x->bundle);
	free(json);
	CUBO_TRY(err);
	CUBO_TRY(cgroup_set_pids(x->cg, &pids, &n));
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGCONT);
	free(pids);
	return NULL;
}

static void restore_ctx_cleanup(struct restore_ctx *x, bool failed)
{
	unmount_criu_root(x);
	if (x->netns_fd >= 0)
		close(x->netns_fd);
	cgroup_entry_close(&x->entry);
	if (x->holder > 0) {
		kill(x->holder, SIGKILL);
		waitpid(x->holder, NULL, 0);
	}
	if (failed && x->cg) {
		if (x->pid > 0)
			cubo_error_free(cgroup_set_kill_all(x->cg, SIGKILL));
		cubo_error_free(cgroup_set_remove(x->cg));
		cubo_error_free(systemd_cgroup_remove(x->cg));
	}
	if (failed && x->pid > 0)
		waitpid(x->pid, NULL, WNOHANG);
	cgroup_set_free(x->cg);
	cgroup_layout_free(&x->cgl);
	if (failed && x->dir)
		cubo_error_free(cubo_rm_rf(x->dir));
	if (x->lockfd >= 0)
		close(x->lockfd);
	oci_config_free(x->cfg);
	cubo_strv_free(x->argv);
	free(x->bundle);
	free(x->rootfs);
	free(x->dir);
	free(x->criu_root);
	free(x->image);
	free(x->work);
	free(x->criu);
}

/* In the foreground: wait for the restored process (a child, as we are its subreaper). */
static int wait_restored(pid_t pid)
{
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(-1, &status, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return 255;
		if (r != pid)
			continue; /* an orphan of the container, reparented to us */
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		return 128 + WTERMSIG(status);
	}
}

/*
 * systemd makes a scope only around a process: a placeholder holds it until
 * criu runs in its cgroup (criu then restores the tasks beside itself).
 */
static struct cubo_error *systemd_scope(struct restore_ctx *x, const char *id)
{
	const struct oci_linux *lx = x->cfg->linux_;
	const char *path = lx ? lx->cgroups_path : NULL;
	const struct oci_resources *res = lx ? lx->resources : NULL;

	CUBO_TRY(systemd_cgroup_check(&x->cgl, path, id, res));
	fflush(NULL);
	x->holder = fork();
	if (x->holder < 0)
		return cubo_error_errno("fork");
	if (x->holder == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return systemd_cgroup_create(&x->cgl, path, id, res, x->holder, x->lockfd, &x->cg);
}

static struct cubo_error *restore(struct restore_ctx *x, const struct runc_ctx *ctx,
				  const struct restore_opts *o)
{
	const struct oci_linux *lx;
	int keep[1];
	int n_keep = 0;

	CUBO_TRY(validate_container_id(o->id));
	CUBO_TRY(load_bundle(x, o));
	CUBO_TRY(criu_dirs(&o->criu, false, &x->image, &x->work));
	CUBO_TRY(container_dir_make(ctx->root, o->id, &x->dir, &x->lockfd));
	/* after the checks of what the caller named: an id in use is the news */
	CUBO_TRY(criu_locate(o->criu.criu, &x->criu));
	CUBO_TRY(cgroup_layout_detect(&x->cgl));
	lx = x->cfg->linux_;
	x->systemd = ctx->systemd_cgroup;
	if (x->systemd)
		CUBO_TRY(systemd_scope(x, o->id));
	else
		CUBO_TRY(cgroup_container_prepare(&x->cgl, lx ? lx->cgroups_path : NULL, o->id,
						  lx ? lx->resources : NULL, x->lockfd, &x->cg));
	CUBO_TRY(cgroup_entry_open(x->cg, &x->entry));
	CUBO_TRY(mount_criu_root(x));
	CUBO_TRY(restore_args(x, o));
	if (x->netns_fd >= 0)
		keep[n_keep++] = x->netns_fd;
	/* the restored init is reparented to us when criu exits: we wait for it */
	if (!o->detach && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return cubo_error_errno("prctl(PR_SET_CHILD_SUBREAPER)");
	if (x->terminal)
		CUBO_TRY(criu_run_rpc(x->argv, keep, n_keep, &x->entry, x->cg, x->holder, x->work,
				      "restore.log", o->console_socket));
	else
		CUBO_TRY(criu_run(x->argv, keep, n_keep, &x->entry, x->cg, x->holder, x->work,
				  "restore.log"));
	x->holder = 0;
	CUBO_TRY(read_pid(x));
	unmount_criu_root(x);
	if (lx)
		CUBO_TRY_CTX(cgroup_set_apply(x->cg, lx->resources), "cgroups");
	CUBO_TRY(container_keep_config(x->cfg, x->bundle, x->lockfd));
	CUBO_TRY(write_state(x, o));
	return run_hooks_and_continue(x, o->id);
}

struct cubo_error *criu_restore(const struct runc_ctx *ctx, const struct restore_opts *o,
				int *exit_code)
{
	struct restore_ctx x = {
		.lockfd = -1, .netns_fd = -1, .entry = {.v2_dirfd = -1, .v2_procs = -1}};
	struct cubo_error *err = restore(&x, ctx, o);
	pid_t pid = x.pid;
	struct oci_state st;
	char created[CUBO_RFC3339_LEN];

	if (!err && x.cfg)
		fill_state(&x, o->id, &st, created);
	if (!err && has_hooks(x.cfg, HOOK_POSTSTART))
		hooks_run_warn(x.cfg, HOOK_POSTSTART, &st, "running", ctx->log);
	restore_ctx_cleanup(&x, err != NULL);
	if (err)
		return cubo_error_wrap(err, "restore %s", o->id);
	*exit_code = 0;
	if (!o->detach) {
		*exit_code = wait_restored(pid);
		lifecycle_run_done(ctx, o->id);
	}
	return NULL;
}
