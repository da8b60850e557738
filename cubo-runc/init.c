/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/cgroup.h"
#include "cubo-runc/init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cubo-runc/caps.h"
#include "cubo-runc/hooks.h"
#include "cubo-runc/mount_sources.h"
#include "cubo-runc/procfd.h"
#include "cubo-runc/rlimits.h"
#include "cubo-runc/security.h"
#include "cubo-runc/rootfs.h"
#include "cubo-runc/seccomp.h"
#include "cubo-runc/spawn.h"
#include "cubo-runc/sync.h"
#include "cubo-runc/terminal.h"
#include "shared/fs.h"
#include "shared/path_in_root.h"
#include "shared/sanitizer.h"
#include "shared/xalloc.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

/* What the child decided during setup and needs after the start signal. */
struct init_plan {
	struct caps_plan caps;
	struct spawn_exe exe;
	int procfd;	  /* the runtime's /proc, proven (procfd.h); -1 once closed */
	int sanitizer_fd; /* a sanitized build's report file on the host (sanitizer.h), or -1 */
	char hook_state[SYNC_MAX_PAYLOAD + 1]; /* for startContainer hooks; sent with SYNC_GO */
	struct mount_sources srcs;	       /* bind trees the runtime cloned (user namespace) */
};

static bool flag_set(const struct init_args *a, int flag)
{
	return (a->ns->clone_flags & flag) != 0;
}

static struct cubo_error *set_names(const struct oci_config *cfg)
{
	if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
		return cubo_error_errno("hostname: set \"%s\"", cfg->hostname);
	if (cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
		return cubo_error_errno("domainname: set \"%s\"", cfg->domainname);
	return NULL;
}

/* Through the proven procfs: the container's own /proc may be anything by now. */
static struct cubo_error *apply_sysctls(const struct oci_config *cfg, int procfd)
{
	if (!cfg->linux_)
		return NULL;
	for (size_t i = 0; i < cfg->linux_->sysctl.n; i++) {
		const struct oci_kv *kv = &cfg->linux_->sysctl.v[i];
		char *path, *p;

		path = xasprintf("sys/%s", kv->key);
		for (p = path + strlen("sys/"); *p; p++)
			if (*p == '.')
				*p = '/';
		struct cubo_error *err = procfd_write(procfd, path, kv->value, strlen(kv->value));
		free(path);
		if (err)
			return cubo_error_wrap(err, "linux.sysctl[\"%s\"]", kv->key);
	}
	return NULL;
}

/*
 * First thing in the init: nothing but stdio, the preserved fds the caller
 * passed, and what setup still needs (each closed before execve) may stay
 * reachable through /proc/self/fd while the container is set up.
 */
static void close_foreign_fds(const struct init_args *a, int extra_keep)
{
	int keep[5 + 8] = {a->sync_fd, a->state_dirfd, a->console_socket, a->log->fd, extra_keep};
	size_t n = 5;

	/* the namespaces still to join */
	for (int i = 0; i < a->ns->n_joins && i < 8; i++)
		keep[n++] = a->ns->joins[i].fd;
	spawn_close_fds(a->inherited, a->preserve_fds, keep, n);
}

struct create_container_hooks {
	const struct oci_config *cfg;
	const char *state;
	const char *rootfs;
	int sync_fd;
};

/*
 * With the mounts made but before pivot_root: the runtime runs prestart and
 * createRuntime, then createContainer runs here, in the container's
 * namespaces, while its path still resolves in the runtime's filesystem
 * (the spec's order and namespaces, as runc).
 */
static struct cubo_error *run_create_container_hooks(void *arg)
{
	const struct create_container_hooks *h = arg;
	const struct oci_hooks *hk = h->cfg->hooks;

	if (!hk)
		return NULL;
	if (hk->prestart.n || hk->create_runtime.n) {
		CUBO_TRY(sync_send(h->sync_fd, SYNC_HOOKS, NULL));
		CUBO_TRY(sync_expect(h->sync_fd, SYNC_HOOKS_DONE));
	}
	/* in the root filesystem, as runc runs them: a hook may touch ./lib/... */
	return hooks_run(&hk->create_container, HOOK_CREATE_CONTAINER, h->state, h->rootfs);
}

static struct cubo_error *setup(const struct init_args *a, struct init_plan *plan)
{
	const struct oci_config *cfg = a->cfg;
	const struct oci_process *proc = cfg->process;
	bool new_userns = flag_set(a, CLONE_NEWUSER);
	struct create_container_hooks hook_args = {a->cfg, plan->hook_state, a->rootfs, a->sync_fd};
	struct rootfs_ctx rctx = {
		.cfg = cfg,
		.rootfs = a->rootfs,
		.bundle = a->bundle,
		.no_pivot = a->no_pivot,
		.new_mount_ns = flag_set(a, CLONE_NEWNS),
		.in_userns = new_userns,
		.new_cgroup_ns = false,
		.log = a->log,
		.procfd = plan->procfd,
		.before_pivot = run_create_container_hooks,
		.before_pivot_arg = &hook_args,
	};
	struct sync_msg go;
	int code;

	CUBO_TRY(mount_sources_recv(cfg, a->ns, a->sync_fd, &plan->srcs));
	rctx.host_trees = plan->srcs.trees;
	rctx.n_host_trees = plan->srcs.n;
	CUBO_TRY(sync_recv(a->sync_fd, &go));
	if (go.type != SYNC_GO)
		return cubo_error_new("sync: expected the go-ahead, got message %d", go.type);
	memcpy(plan->hook_state, go.payload, sizeof(plan->hook_state));
	if (a->dumpable_until_go)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (new_userns)
		CUBO_TRY(spawn_become_ns_root());
	CUBO_TRY(ns_child_join(a->ns));
	if (flag_set(a, CLONE_NEWNET))
		CUBO_TRY(ns_loopback_up());
	for (int i = 0; i < a->ns->n_joins; i++) {
		if (a->ns->joins[i].flag == CLONE_NEWUSER)
			rctx.in_userns = true;
		if (a->ns->joins[i].flag == CLONE_NEWNS)
			rctx.new_mount_ns = true; /* a joined mount ns is still ours to set up */
	}
	/* The cgroup namespace comes after the runtime placed us in our cgroup. */
	if (a->cfg->linux_) {
		for (size_t i = 0; i < cfg->linux_->n_namespaces; i++) {
			const struct oci_namespace *ns = &cfg->linux_->namespaces[i];
			if (strcmp(ns->type, "cgroup") == 0 && !(ns->path && *ns->path)) {
				if (unshare(CLONE_NEWCGROUP) < 0)
					return cubo_error_errno("create cgroup namespace");
				rctx.new_cgroup_ns = true;
			}
		}
	}
	CUBO_TRY(set_names(cfg));
	if (setsid() < 0)
		return cubo_error_errno("setsid");
	if (!a->no_new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, a->id) < 0 &&
	    errno != ENOSYS && errno != EPERM && errno != EACCES)
		return cubo_error_errno("join a new session keyring");

	/* in a sanitized build, its reports must still reach the host once in the root */
	plan->sanitizer_fd = sanitizer_keep_report_file();
	CUBO_TRY(rootfs_setup(&rctx));
	if (proc && proc->terminal) {
		int master = -1;
		CUBO_TRY(terminal_setup(a->console_socket, proc->console_size, proc->user.uid, true,
					a->send_console_to_parent ? &master : NULL));
		if (master >= 0) {
			struct cubo_error *err = sync_send_fd(a->sync_fd, master);
			close(master);
			CUBO_TRY(err);
		}
	}
	if (a->console_socket >= 0)
		close(a->console_socket);
	if (cfg->linux_ && cfg->linux_->sysctl.n)
		CUBO_TRY(apply_sysctls(cfg, plan->procfd));
	/* before the root turns read-only: a missing cwd is created */
	CUBO_TRY(spawn_enter_cwd(proc ? proc->cwd : "/", true, "process.cwd"));
	CUBO_TRY(rootfs_finalize(&rctx));
	if (!proc)
		return NULL; /* nothing to exec: the init just exits when started */
	/* now, so a missing executable fails create, as with runc */
	CUBO_TRY_CTX(spawn_find_executable(proc, &plan->exe, &code), "process.args[0]");
	CUBO_TRY(rlimits_apply(proc));
	CUBO_TRY(security_apply_process(proc, cfg->linux_));
	CUBO_TRY(caps_plan_make(proc->capabilities, a->log, false, &plan->caps));
	return NULL;
}

static struct cubo_error *wait_for_start(const struct init_args *a, int procfd, int fifo_path_fd)
{
	struct cubo_error *err = NULL;
	int fd = -1;

	if (a->wait == INIT_WAIT_SYNC)
		return sync_expect(a->sync_fd, SYNC_START);

	/*
	 * Opening a FIFO for writing blocks until `start` opens it for reading.
	 * Reopen the O_PATH fd taken before our ids changed (in a user
	 * namespace the state directory is no longer ours to search), through
	 * the proven procfs: the container's /proc could hand us a FIFO of its
	 * own and let the process run before `start`.
	 */
	if (procfd >= 0) {
		err = procfd_reopen(procfd, fifo_path_fd, O_WRONLY, &fd);
	} else {
		do
			fd = openat(a->state_dirfd, "exec.fifo", O_WRONLY | O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		if (fd < 0)
			err = cubo_error_errno("open exec.fifo");
	}
	CUBO_TRY(err);
	if (write(fd, "0", 1) != 1)
		err = cubo_error_errno("write exec.fifo");
	close(fd);
	return err;
}

static struct cubo_error *finish(const struct init_args *a, struct init_plan *plan)
{
	const struct oci_process *proc = a->cfg->process;

	/* labels and the final affinity while still privileged, as runc */
	CUBO_TRY(security_apply_exec(proc, plan->procfd));
	if (plan->procfd >= 0)
		close(plan->procfd);
	plan->procfd = -1;
	/*
	 * From here on the process holds nothing of the runtime: the sync
	 * socket, the state directory, the log and the rest close now, before
	 * the filter (profiles written for runc need not allow close_range)
	 * and before any name is resolved for execve.
	 */
	{
		/* the report file is close-on-exec: it never reaches the process */
		int keep[] = {plan->exe.dirfd, plan->sanitizer_fd};
		spawn_close_fds(a->inherited, a->preserve_fds, keep, 2);
	}
	/*
	 * The filter goes on as late as it can: after the start wait, so the
	 * runtime's own fifo and sync traffic never meets it. Without
	 * no_new_privs, loading needs CAP_SYS_ADMIN, so it must come before the
	 * user switch drops capabilities (as runc does); with it, it is the very
	 * last step before the startContainer hooks and execve.
	 */
	bool filter = a->seccomp && !seccomp_prog_notifies(a->seccomp); /* else on already */
	if (filter && !proc->no_new_privileges)
		CUBO_TRY_CTX(seccomp_prog_load(a->seccomp), "linux.seccomp");
	CUBO_TRY(caps_switch_user(&proc->user, &plan->caps));
	if (proc->user.has_umask)
		umask(proc->user.umask);
	if (proc->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cubo_error_errno("process.noNewPrivileges");
	if (filter && proc->no_new_privileges)
		CUBO_TRY_CTX(seccomp_prog_load(a->seccomp), "linux.seccomp");
	/*
	 * As runc: the hooks run as the process will, its user, capabilities
	 * and seccomp filter, so a hook from a config cannot do what the
	 * container may not.
	 */
	if (a->cfg->hooks)
		CUBO_TRY(hooks_run(&a->cfg->hooks->start_container, HOOK_START_CONTAINER,
				   plan->hook_state, NULL));
	return NULL;
}

/*
 * A filter with SCMP_ACT_NOTIFY goes on before the start wait, while the
 * runtime is still there to hand its listener fd to the supervisor (as
 * runc does). Everything the init does after it meets the filter, so such
 * a profile must allow what the start wait, the user switch and execve
 * need, and the supervisor must be listening.
 */
static struct cubo_error *load_notify_filter(const struct init_args *a)
{
	int fd;
	if (a->cfg->process && a->cfg->process->no_new_privileges &&
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cubo_error_errno("process.noNewPrivileges");
	CUBO_TRY_CTX(seccomp_prog_load_listener(a->seccomp, &fd), "linux.seccomp");
	struct cubo_error *err = sync_send_fd(a->sync_fd, fd);
	close(fd);
	return err;
}

__attribute__((noreturn)) static void fail_setup(const struct init_args *a, struct cubo_error *err)
{
	sync_send_error(a->sync_fd, err);
	cubo_error_free(err);
	_exit(1);
}

void init_run(const struct init_args *a)
{
	struct init_plan plan = {.exe = {.dirfd = -1}, .procfd = -1, .sanitizer_fd = -1};
	struct cubo_error *err;
	int fifo_path_fd = -1;

	/* runc's words for these steps: callers grep --debug output for them */
	cubo_debug(a->log, "nsexec[%d]: => nsexec container setup", getpid());
	spawn_reset_signals();
	/* Into the container's cgroups before anything else runs, so limits apply throughout. */
	if (a->cgroup_entry) {
		int rc = cgroup_entry_join_self(a->cgroup_entry);
		if (rc < 0)
			fail_setup(a, cubo_error_new_errno(-rc, "join the container's cgroups"));
	}
	cubo_debug(a->log, "nsexec[%d]: <= nsexec container setup", getpid());
	cubo_debug(a->log, "child process in init()");
	/*
	 * Until execve, nothing else may open our fds or /proc/PID/exe, nor
	 * ptrace us: not a process of a joined pid namespace, not one `exec`
	 * puts into the container while it waits for `start`. Our own /proc
	 * files then belong to the host's root, so what we would write there
	 * from a user namespace the runtime writes for us (oomScoreAdj, id
	 * maps, time offsets).
	 */
	if (!a->dumpable_until_go)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (a->wait == INIT_WAIT_FIFO)
		fifo_path_fd = openat(a->state_dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
	close_foreign_fds(a, fifo_path_fd);
	/* the runtime's /proc, while it is still the one in view (procfd.h) */
	err = procfd_open(&plan.procfd);
	if (err) {
		/* what needs it (sysctls, labels) fails then, naming /proc */
		cubo_error_free(err);
		plan.procfd = -1;
	}

	err = setup(a, &plan);
	mount_sources_close(&plan.srcs);
	if (!err && a->seccomp && seccomp_prog_notifies(a->seccomp))
		err = load_notify_filter(a);
	if (err)
		fail_setup(a, err);
	cubo_debug(a->log, "init: closing the pipe to signal completion");
	err = sync_send(a->sync_fd, SYNC_READY, NULL);
	if (!err)
		err = wait_for_start(a, plan.procfd, fifo_path_fd);
	if (err) {
		/* the runtime is gone or the container was deleted before start */
		cubo_error_free(err);
		_exit(1);
	}
	if (!a->cfg->process)
		_exit(0);
	err = finish(a, &plan);
	if (!err) {
		spawn_exec(&plan.exe, a->cfg->process->args.v, a->cfg->process->env.v);
		err = cubo_error_errno("exec %s", plan.exe.path);
	}
	int code = spawn_exec_code(err->errnum);
	cubo_error_print(err, "cubo-runc", stderr);
	cubo_error_free(err);
	_exit(code);
}
