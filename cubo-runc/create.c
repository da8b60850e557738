/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `create`: validate, make the state directory, clone the init with every
 * namespace at once, let it set itself up, record the state. The init then
 * waits on exec.fifo (or, for `run`, on the sync socket) to exec the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-runc/cgroup.h"
#include "cubo-runc/systemd_cgroup.h"
#include "cubo-runc/container.h"
#include "cubo-runc/hooks.h"
#include "cubo-runc/idmap.h"
#include "cubo-runc/init.h"
#include "cubo-runc/mount_sources.h"
#include "cubo-runc/namespaces.h"
#include "cubo-runc/rootless.h"
#include "cubo-runc/seccomp.h"
#include "cubo-runc/security.h"
#include "cubo-runc/spawn.h"
#include "cubo-runc/sync.h"
#include "cubo-runc/terminal.h"
#include "cubo-runc/validate.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/timeutil.h"
#include "shared/testpoint.h"
#include "shared/xalloc.h"

/* Everything create opened, so one function can undo it on failure. */
struct create_ctx {
	struct oci_config *cfg;
	char *bundle;
	char *rootfs;
	char *dir;
	struct ns_plan ns;
	bool ns_made;
	struct seccomp_prog *seccomp; /* compiled before the clone: a bad profile fails here */
	int lockfd;
	int child_dirfd;
	int console_socket;
	int sock[2];
	pid_t pid;
	int pidfd;
	int listen_fds;		  /* socket-activation fds passed on before the preserved ones */
	struct cgroup_layout cgl; /* read before the init may move us to its cgroup namespace */
	struct cgroup_set *cg;
	struct cgroup_entry cg_entry; /* how the init joins cg at birth */
	bool systemd;	 /* --systemd-cgroup: cg is a scope made once the init exists */
	bool no_cgroups; /* rootless without a delegated cgroup: cg stays empty */
};

static bool have_cap(int cap)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return (data[cap / 32].effective >> (cap % 32)) & 1;
}

/*
 * systemd socket activation, as runc does it: when LISTEN_FDS is meant for
 * us (LISTEN_PID is our pid), those fds go to the container first and its
 * environment says LISTEN_FDS=n, LISTEN_PID=1.
 */
static void pass_listen_fds(struct create_ctx *x)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	struct oci_strlist *env;
	char *end, buf[32];
	long n;

	if (!x->cfg->process || !fds || !pid || strtol(pid, &end, 10) != getpid() || *end)
		return;
	n = strtol(fds, &end, 10);
	if (*end || n <= 0 || n > 1024)
		return;
	x->listen_fds = (int)n;
	env = &x->cfg->process->env;
	snprintf(buf, sizeof(buf), "LISTEN_FDS=%ld", n);
	cubo_strv_push(&env->v, &env->n, buf);
	cubo_strv_push(&env->v, &env->n, "LISTEN_PID=1");
}

struct cubo_error *container_bundle_load(const char *arg, char **bundle, struct oci_config **cfg,
					 char **rootfs)
{
	char *config_path, *path;
	struct cubo_error *err;

	CUBO_TRY_CTX(cubo_realpath(arg ? arg : ".", bundle), "bundle");
	config_path = cubo_path_join(*bundle, "config.json");
	err = oci_config_load(config_path, cfg);
	free(config_path);
	CUBO_TRY(err);
	if (!(*cfg)->root || !(*cfg)->root->path)
		return cubo_error_new("config.json: root.path: required");

	path = (*cfg)->root->path[0] == '/' ? xstrdup((*cfg)->root->path)
					    : cubo_path_join(*bundle, (*cfg)->root->path);
	err = cubo_realpath(path, rootfs);
	if (err) {
		cubo_error_free(err);
		*rootfs = path; /* validate_config names it */
	} else {
		free(path);
	}
	return NULL;
}

static struct cubo_error *load_config(struct create_ctx *x, const struct create_opts *o,
				      const struct runc_ctx *ctx)
{
	const struct cubo_log *log = ctx->log;
	struct rlimit limits[RLIM_NLIMITS];
	struct cubo_error *err;

	CUBO_TRY(container_bundle_load(o->bundle, &x->bundle, &x->cfg, &x->rootfs));
	for (int r = 0; r < RLIM_NLIMITS; r++)
		getrlimit(r, &limits[r]);
	CUBO_TRY_CTX(validate_config(x->cfg, x->rootfs, limits, have_cap(CAP_SYS_RESOURCE)),
		     "config.json");
	struct security_host host;
	security_host_probe(&host);
	CUBO_TRY_CTX(security_check(x->cfg->process, x->cfg->linux_, &host), "config.json");
	if (x->cfg->linux_ && x->cfg->linux_->seccomp) {
		char *cache = cubo_path_join(ctx->root, SECCOMP_CACHE_DIR);
		err = seccomp_prog_compile_cached(x->cfg->linux_->seccomp, log, cache, &x->seccomp);
		free(cache);
		CUBO_TRY_CTX(err, "config.json");
	}

	bool terminal = x->cfg->process && x->cfg->process->terminal;
	if (terminal && !o->console_socket && !o->proxy_terminal)
		return cubo_error_new("process.terminal is true: a --console-socket is needed to "
				      "pass the terminal on");
	if (!terminal && o->console_socket)
		return cubo_error_new("--console-socket given but process.terminal is false");
	CUBO_TRY(ns_plan_make(x->cfg, &x->ns));
	x->ns_made = true;
	CUBO_TRY(rootless_check_userns(&x->ns));
	pass_listen_fds(x);
	return NULL;
}

static struct cubo_error *state_dir_error(const char *id, const char *dir)
{
	if (errno == EEXIST)
		return cubo_error_new("container \"%s\" already exists", id);
	if (errno == EACCES && geteuid() != 0)
		return cubo_error_new("mkdir %s: %s; a user who is not root keeps its state in "
				      "$XDG_RUNTIME_DIR/" ROOTLESS_ROOT_NAME
				      ": set XDG_RUNTIME_DIR, or give --root",
				      dir, strerror(errno));
	return cubo_error_errno("mkdir %s", dir);
}

struct cubo_error *container_dir_make(const char *root, const char *id, char **dir, int *lockfd)
{
	*dir = NULL;
	CUBO_TRY_CTX(cubo_mkdir_p(root, 0700), "state root");
	*dir = cubo_path_join(root, id);
	if (mkdir(*dir, 0700) < 0) {
		struct cubo_error *err = state_dir_error(id, *dir);
		free(*dir);
		*dir = NULL; /* not ours to remove */
		return err;
	}
	*lockfd = open(*dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*lockfd < 0 || flock(*lockfd, LOCK_EX) < 0)
		return cubo_error_errno("lock %s", *dir);
	return NULL;
}

static struct cubo_error *make_state_dir(struct create_ctx *x, const char *root, const char *id,
					 bool with_fifo)
{
	CUBO_TRY(container_dir_make(root, id, &x->dir, &x->lockfd));
	/* O_PATH: the init's copy carries no lock and cannot read anything */
	x->child_dirfd = open(x->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (x->child_dirfd < 0)
		return cubo_error_errno("open %s", x->dir);
	/*
	 * 0622: the init reopens it after switching to its user namespace ids;
	 * the 0700 directory keeps everyone else away from it.
	 */
	if (with_fifo && (mkfifoat(x->lockfd, "exec.fifo", 0622) < 0 ||
			  fchmodat(x->lockfd, "exec.fifo", 0622, 0) < 0))
		return cubo_error_errno("mkfifo %s/exec.fifo", x->dir);
	return NULL;
}

/* No mount namespace made or joined: the init mounts in ours (see rootfs.c). */
static bool host_mounts(const struct create_ctx *x)
{
	if (x->ns.clone_flags & CLONE_NEWNS)
		return false;
	for (int i = 0; i < x->ns.n_joins; i++)
		if (x->ns.joins[i].flag == CLONE_NEWNS)
			return false;
	return true;
}

static void create_ctx_cleanup(struct create_ctx *x, bool failed)
{
	if (failed && x->pid > 0) {
		kill(x->pid, SIGKILL);
		waitpid(x->pid, NULL, __WALL);
	}
	if (x->pidfd >= 0 && failed)
		close(x->pidfd);
	for (int i = 0; i < 2; i++)
		if (x->sock[i] >= 0 && (failed || i == 1))
			close(x->sock[i]);
	if (x->console_socket >= 0)
		close(x->console_socket);
	if (x->child_dirfd >= 0)
		close(x->child_dirfd);
	cgroup_entry_close(&x->cg_entry);
	if (failed && x->cg) {
		cubo_error_free(cgroup_set_remove(x->cg));
		cubo_error_free(systemd_cgroup_remove(x->cg));
	}
	cgroup_set_free(x->cg);
	cgroup_layout_free(&x->cgl);
	if (failed && x->ns_made && x->rootfs && host_mounts(x))
		cubo_error_free(unmount_below(x->rootfs));
	if (failed && x->dir)
		cubo_error_free(cubo_rm_rf(x->dir));
	if (x->lockfd >= 0)
		close(x->lockfd);
	if (x->ns_made)
		ns_plan_close(&x->ns);
	seccomp_prog_free(x->seccomp);
	oci_config_free(x->cfg);
	free(x->bundle);
	free(x->rootfs);
	free(x->dir);
}

/*
 * A caller who is not root writes the maps of the init's new user namespace
 * (or has newuidmap write them) only while the init's /proc files are its.
 */
static bool maps_by_caller(const struct create_ctx *x)
{
	return geteuid() != 0 && (x->ns.clone_flags & CLONE_NEWUSER);
}

static struct cubo_error *spawn_init(struct create_ctx *x, const struct runc_ctx *ctx,
				     const struct create_opts *o)
{
	struct clone_args ca = {0};
	struct init_args ia = {
		.cfg = x->cfg,
		.rootfs = x->rootfs,
		.bundle = x->bundle,
		.ns = &x->ns,
		.state_dirfd = x->child_dirfd,
		.console_socket = x->console_socket,
		.send_console_to_parent = o->proxy_terminal && x->cfg->process &&
					  x->cfg->process->terminal && x->console_socket < 0,
		.preserve_fds = o->preserve_fds + x->listen_fds,
		.inherited = ctx->inherited,
		.no_pivot = o->no_pivot,
		.no_new_keyring = o->no_new_keyring,
		.id = o->id,
		.wait = o->for_run ? INIT_WAIT_SYNC : INIT_WAIT_FIFO,
		.log = ctx->log,
		.seccomp = x->seccomp,
		.cgroup_entry = &x->cg_entry,
		.dumpable_until_go = maps_by_caller(x),
	};
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, x->sock) < 0)
		return cubo_error_errno("socketpair");
	ia.sync_fd = x->sock[1];
	/*
	 * Until ns_parent_restore, the runtime sits in the namespaces the
	 * config joins (the child inherits them): anything that reads our own
	 * cgroup (/proc/self/cgroup) must come first.
	 */
	CUBO_TRY(ns_parent_prepare(&x->ns, x->cfg));
	ca.flags = (unsigned)(x->ns.clone_flags & ~CLONE_NEWCGROUP) | CLONE_PIDFD;
	ca.pidfd = (uintptr_t)&x->pidfd;
	ca.exit_signal = SIGCHLD;
	struct cubo_error *err = spawn_clone(&ca, &x->cg_entry, x->cg, &pid);
	if (!err && pid == 0) {
		close(x->sock[0]);
		close(x->lockfd);
		init_run(&ia);
	}
	/* hooks and everything after run in the runtime's own namespaces (the spec) */
	struct cubo_error *restore = ns_parent_restore(&x->ns);
	if (err) {
		cubo_error_free(restore);
		return cubo_error_wrap(err, "clone the container init");
	}
	x->pid = pid;
	close(x->sock[1]);
	x->sock[1] = -1;
	cgroup_entry_close(&x->cg_entry);
	return restore;
}

/* The init's seccomp listener fd goes to the supervisor at linux.seccomp.listenerPath. */
static struct cubo_error *hand_over_listener(struct create_ctx *x, const char *id)
{
	struct oci_state st = {.oci_version = x->cfg->oci_version,
			       .id = (char *)id,
			       .pid = x->pid,
			       .bundle = x->bundle,
			       .annotations = x->cfg->annotations};
	char *state = NULL;
	struct cubo_error *err = hooks_state_json(&st, "creating", &state);
	if (!err)
		err = seccomp_notify_forward(x->sock[0], x->cfg->linux_->seccomp,
					     x->cfg->oci_version, x->pid, state);
	free(state);
	return err;
}

/* The state the hooks of create read: the init exists, the process does not run yet. */
static struct cubo_error *hook_state(const struct create_ctx *x, const char *id, char **json)
{
	struct oci_state st = {.oci_version = x->cfg->oci_version,
			       .id = (char *)id,
			       .pid = x->pid,
			       .bundle = x->bundle,
			       .annotations = x->cfg->annotations};

	return hooks_state_json(&st, "created", json);
}

static bool has_hooks(const struct oci_config *cfg, enum hook_kind kind)
{
	const struct oci_hook_list *l = hooks_list(cfg->hooks, kind);
	return l && l->n;
}

/*
 * prestart and createRuntime, in our namespaces, when the init says its
 * mounts are made (before its pivot_root and its createContainer hooks).
 */
static struct cubo_error *run_runtime_hooks(struct create_ctx *x, const char *id)
{
	char *json = NULL;
	struct cubo_error *err = sync_expect(x->sock[0], SYNC_HOOKS);

	if (!err)
		err = hook_state(x, id, &json);
	if (!err)
		err = hooks_run(&x->cfg->hooks->prestart, HOOK_PRESTART, json, x->bundle);
	if (!err)
		err = hooks_run(&x->cfg->hooks->create_runtime, HOOK_CREATE_RUNTIME, json,
				x->bundle);
	if (!err)
		err = sync_send(x->sock[0], SYNC_HOOKS_DONE, NULL);
	free(json);
	return err;
}

/*
 * Written by the runtime for the init: the init is not dumpable, so its
 * own /proc files belong to the host's root, out of its reach in a user
 * namespace. Children inherit it.
 */
static struct cubo_error *apply_oom_score_adj(const struct create_ctx *x)
{
	const struct oci_process *proc = x->cfg->process;
	char path[64], buf[16];
	int len;

	if (!proc || !proc->has_oom_score_adj)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", x->pid);
	len = snprintf(buf, sizeof(buf), "%d", proc->oom_score_adj);
	CUBO_TRY_CTX(cubo_write_existing(path, buf, (size_t)len),
		     "process.oomScoreAdj %d (lowering it needs CAP_SYS_RESOURCE)",
		     proc->oom_score_adj);
	return NULL;
}

/* start, run and delete read poststart and poststop from this copy: the bundle may move. */
struct cubo_error *container_keep_config(const struct oci_config *cfg, const char *bundle,
					 int state_dirfd)
{
	char *text = NULL, *path;
	struct cubo_error *err;
	size_t len;

	if (!has_hooks(cfg, HOOK_POSTSTART) && !has_hooks(cfg, HOOK_POSTSTOP))
		return NULL;
	path = cubo_path_join(bundle, "config.json");
	err = cubo_read_file(path, &text, &len);
	free(path);
	if (!err)
		err = cubo_write_file_replace_at(state_dirfd, HOOKS_SAVED_CONFIG, text, len, 0600);
	free(text);
	return cubo_error_wrap(err, "keep config.json for the poststart and poststop hooks");
}

struct cubo_error *container_write_pid_file(const char *path, pid_t pid)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", pid);

	CUBO_TRY_CTX(cubo_write_file_replace(path, buf, (size_t)n, 0644), "--pid-file");
	return NULL;
}

static struct cubo_error *write_state(struct create_ctx *x, const struct create_opts *o)
{
	char created[CUBO_RFC3339_LEN];
	struct oci_state st = {0};
	char *json = NULL;
	size_t len;
	struct cubo_error *err;

	cubo_time_now_rfc3339(created);
	st.oci_version = x->cfg->oci_version;
	st.id = (char *)o->id;
	st.status = (char *)"created";
	st.pid = x->pid;
	st.bundle = x->bundle;
	st.annotations = x->cfg->annotations;
	st.pid_start_time = cubo_proc_start_time(x->pid);
	st.created = created;
	st.rootfs = x->rootfs;
	st.owner = (char *)"";
	st.own_pid_ns = (x->ns.clone_flags & CLONE_NEWPID) != 0;
	st.host_mounts = host_mounts(x);
	st.systemd_cgroup = x->systemd;
	if (!st.pid_start_time)
		return cubo_error_new("the container init exited during create");
	CUBO_TRY(cgroup_set_to_strlist(x->cg, &st.cgroup_paths));
	err = oci_state_to_json(&st, true, false, &json, &len);
	cubo_strv_free(st.cgroup_paths.v);
	CUBO_TRY(err);
	/*
	 * Atomic but not fsync'd, like every file under --root: the container
	 * it describes cannot outlive a reboot (and delete copes with a state
	 * file a power cut emptied), so a disk flush would buy nothing.
	 */
	err = cubo_write_file_replace_at(x->lockfd, "state.json", json, len, 0600);
	free(json);
	CUBO_TRY(err);
	return o->pid_file ? container_write_pid_file(o->pid_file, x->pid) : NULL;
}

struct cubo_error *container_create(const struct runc_ctx *ctx, const struct create_opts *o,
				    struct created *out)
{
	struct create_ctx x = {.lockfd = -1,
			       .child_dirfd = -1,
			       .console_socket = -1,
			       .sock = {-1, -1},
			       .pidfd = -1,
			       .cg_entry = {.v2_dirfd = -1, .v2_procs = -1}};
	struct cubo_error *err;

	out->console_master = -1;
	err = validate_container_id(o->id);
	if (!err)
		err = load_config(&x, o, ctx);
	if (!err)
		err = make_state_dir(&x, ctx->root, o->id, !o->for_run);
	cubo_test_point("runc-after-state-dir");
	if (!err && o->console_socket)
		err = terminal_connect(o->console_socket, &x.console_socket);
	if (!err)
		err = cgroup_layout_detect(&x.cgl);
	/*
	 * The cgroups exist before the init: it is born in them (cgroup_entry).
	 * systemd's scope needs a pid: it is made once the init exists and
	 * waits for the go-ahead; until then the init has no set to join.
	 */
	x.systemd = ctx->systemd_cgroup;
	if (!err && x.systemd) {
		const struct oci_linux *lx = x.cfg->linux_;

		err = systemd_cgroup_check(&x.cgl, lx ? lx->cgroups_path : NULL, o->id,
					   lx ? lx->resources : NULL);
		if (!err)
			err = cgroup_set_from_strlist(NULL, &x.cg);
	} else if (!err && ctx->rootless &&
		   !rootless_cgroup_delegated(
			   &x.cgl, x.cfg->linux_ ? x.cfg->linux_->cgroups_path : NULL, o->id)) {
		/* no cgroup it may write: none at all, as runc (rootless.h) */
		err = rootless_check_limits(x.cfg, ctx->log);
		if (!err)
			err = cgroup_set_from_strlist(NULL, &x.cg);
		x.no_cgroups = true;
	} else if (!err) {
		const struct oci_linux *lx = x.cfg->linux_;

		err = cgroup_container_prepare(&x.cgl, lx ? lx->cgroups_path : NULL, o->id,
					       lx ? lx->resources : NULL, x.lockfd, &x.cg);
	}
	if (!err)
		err = cgroup_entry_open(x.cg, &x.cg_entry);
	cubo_test_point("runc-after-cgroup");
	if (!err)
		err = spawn_init(&x, ctx, o);
	cubo_test_point("runc-after-clone");
	if (!err && (x.ns.clone_flags & CLONE_NEWUSER))
		err = idmap_write(x.pid, x.cfg);
	/* the init's /proc files are the caller's only until the go-ahead */
	if (!err && maps_by_caller(&x))
		err = apply_oom_score_adj(&x);
	/* after the maps: an idmap without mappings of its own takes the container's */
	if (!err)
		err = mount_sources_send(x.cfg, x.bundle, &x.ns, x.pid, x.sock[0]);
	if (!err && x.systemd) {
		const struct oci_linux *lx = x.cfg->linux_;

		cgroup_set_free(x.cg);
		x.cg = NULL;
		err = systemd_cgroup_create(&x.cgl, lx ? lx->cgroups_path : NULL, o->id,
					    lx ? lx->resources : NULL, x.pid, x.lockfd, &x.cg);
	}
	/* createContainer and startContainer run in the init, which cannot know its host pid */
	if (!err &&
	    (has_hooks(x.cfg, HOOK_CREATE_CONTAINER) || has_hooks(x.cfg, HOOK_START_CONTAINER))) {
		char *json = NULL;

		err = hook_state(&x, o->id, &json);
		if (!err && strlen(json) > SYNC_MAX_PAYLOAD)
			err = cubo_error_new("the container state is too large for the "
					     "createContainer/startContainer hooks (%zu bytes)",
					     strlen(json));
		if (!err)
			err = sync_send(x.sock[0], SYNC_GO, json);
		free(json);
	} else if (!err) {
		err = sync_send(x.sock[0], SYNC_GO, NULL);
	}
	if (!err && (has_hooks(x.cfg, HOOK_PRESTART) || has_hooks(x.cfg, HOOK_CREATE_RUNTIME)))
		err = run_runtime_hooks(&x, o->id);
	if (!err && o->proxy_terminal && x.cfg->process && x.cfg->process->terminal &&
	    x.console_socket < 0)
		err = sync_recv_fd(x.sock[0], &out->console_master);
	if (!err && seccomp_prog_notifies(x.seccomp))
		err = hand_over_listener(&x, o->id);
	if (!err)
		err = sync_expect(x.sock[0], SYNC_READY);
	if (!err && !maps_by_caller(&x))
		err = apply_oom_score_adj(&x);
	/* Limits after the init made its device nodes, before it runs the process (as runc). */
	if (!err && x.cfg->linux_ && !x.no_cgroups)
		err = cubo_error_wrap(cgroup_set_apply(x.cg, x.cfg->linux_->resources), "cgroups");
	if (!err)
		err = container_keep_config(x.cfg, x.bundle, x.lockfd);
	cubo_test_point("runc-before-state");
	if (!err)
		err = write_state(&x, o);
	if (err) {
		if (out->console_master >= 0)
			close(out->console_master);
		create_ctx_cleanup(&x, true);
		return cubo_error_wrap(err, "create %s", o->id);
	}
	out->pid = x.pid;
	out->pidfd = x.pidfd;
	out->sync_fd = -1;
	if (o->for_run) {
		out->sync_fd = x.sock[0];
	} else {
		close(x.sock[0]);
		close(x.pidfd);
		out->pidfd = -1;
	}
	x.sock[0] = -1;
	create_ctx_cleanup(&x, false);
	return NULL;
}
