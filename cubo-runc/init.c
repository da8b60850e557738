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
#include "cubo-runc/rlimits.h"
#include "cubo-runc/security.h"
#include "cubo-runc/rootfs.h"
#include "cubo-runc/seccomp.h"
#include "cubo-runc/sync.h"
#include "cubo-runc/terminal.h"
#include "shared/fs.h"
#include "shared/strv.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* What the child decided during setup and needs after the start signal. */
struct init_plan {
	struct caps_plan caps;
	char exec_path[4096];
	char hook_state[SYNC_MAX_PAYLOAD + 1]; /* for startContainer hooks; sent with SYNC_GO */
};

static bool flag_set(const struct init_args *a, int flag)
{
	return (a->ns->clone_flags & flag) != 0;
}

static struct cubo_error *set_identity_in_new_userns(void)
{
	/* Become the namespace's root so the setup that follows acts as it. */
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		return cubo_error_errno("setresgid(0) in the user namespace");
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		return cubo_error_errno("setresuid(0) in the user namespace");
	return NULL;
}

static struct cubo_error *set_names(const struct oci_config *cfg)
{
	if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
		return cubo_error_errno("hostname: set \"%s\"", cfg->hostname);
	if (cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
		return cubo_error_errno("domainname: set \"%s\"", cfg->domainname);
	return NULL;
}

static struct cubo_error *apply_sysctls(const struct oci_config *cfg)
{
	if (!cfg->linux_)
		return NULL;
	for (size_t i = 0; i < cfg->linux_->sysctl.n; i++) {
		const struct oci_kv *kv = &cfg->linux_->sysctl.v[i];
		char *path, *p;

		if (asprintf(&path, "/proc/sys/%s", kv->key) < 0)
			return cubo_error_new("out of memory");
		for (p = path + strlen("/proc/sys/"); *p; p++)
			if (*p == '.')
				*p = '/';
		struct cubo_error *err = cubo_write_existing(path, kv->value, strlen(kv->value));
		free(path);
		if (err)
			return cubo_error_wrap(err, "linux.sysctl[\"%s\"]", kv->key);
	}
	return NULL;
}

static struct cubo_error *apply_oom_score_adj(const struct oci_process *proc)
{
	char buf[16];
	int len;

	if (!proc->has_oom_score_adj)
		return NULL;
	len = snprintf(buf, sizeof(buf), "%d", proc->oom_score_adj);
	CUBO_TRY_CTX(cubo_write_existing("/proc/self/oom_score_adj", buf, (size_t)len),
		     "process.oomScoreAdj %d (lowering it needs CAP_SYS_RESOURCE)",
		     proc->oom_score_adj);
	return NULL;
}

static bool is_executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

/* Find args[0] as execvp would, with the container's PATH, inside the container. */
static struct cubo_error *resolve_executable(const struct oci_process *proc, char *out,
					     size_t outlen)
{
	const char *name = proc->args.v[0];
	const char *path = cubo_strv_env_get(proc->env.v, "PATH");

	if (strchr(name, '/')) {
		if (!is_executable_file(name))
			return cubo_error_errno("process.args[0]: exec %s", name);
		snprintf(out, outlen, "%s", name);
		return NULL;
	}
	if (!path)
		path = DEFAULT_PATH;
	for (const char *p = path; *p;) {
		const char *end = strchrnul(p, ':');
		int dirlen = (int)(end - p);

		snprintf(out, outlen, "%.*s/%s", dirlen ? dirlen : 1, dirlen ? p : ".", name);
		if (is_executable_file(out))
			return NULL;
		p = *end ? end + 1 : end;
	}
	return cubo_error_new("process.args[0]: executable \"%s\" not found in $PATH", name);
}

static int open_cwd(const char *cwd)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		/* no /proc/self/fd/N: a magic link could lead out of the root */
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, AT_FDCWD, cwd, &how, sizeof(how));
}

static struct cubo_error *enter_cwd(const char *cwd)
{
	char buf[PATH_MAX];
	int fd = open_cwd(cwd);

	/* runc creates a missing working directory; images rely on it */
	if (fd < 0 && errno == ENOENT) {
		CUBO_TRY_CTX(cubo_mkdir_p(cwd, 0755), "process.cwd %s", cwd);
		fd = open_cwd(cwd);
	}
	if (fd < 0)
		return cubo_error_errno("process.cwd: open %s", cwd);
	if (fchdir(fd) < 0) {
		struct cubo_error *err = cubo_error_errno("process.cwd: chdir %s", cwd);
		close(fd);
		return err;
	}
	close(fd);
	/* CVE-2024-21626: whatever happened, the cwd must be under our root */
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return cubo_error_new("process.cwd: %s resolves outside the container", cwd);
	return NULL;
}

/*
 * Close every fd the caller gave us except stdio and --preserve-fds, and
 * the runtime's own; nothing else may be reachable through /proc/self/fd
 * while the container is set up.
 */
static void close_foreign_fds(const struct init_args *a, int extra_keep)
{
	int keep[5 + 8] = {a->sync_fd, a->state_dirfd, a->console_socket, a->log->fd, extra_keep};
	unsigned int lo = 3 + (unsigned int)a->preserve_fds;
	size_t n = 5;

	/* the namespaces still to join */
	for (int i = 0; i < a->ns->n_joins && i < 8; i++)
		keep[n++] = a->ns->joins[i].fd;

	/* sort the few fds to keep, then close the gaps between them */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned int)keep[i] < lo)
			continue;
		if ((unsigned int)keep[i] > lo)
			syscall(SYS_close_range, lo, (unsigned int)keep[i] - 1, 0);
		lo = (unsigned int)keep[i] + 1;
	}
	syscall(SYS_close_range, lo, ~0U, 0);
}

struct create_container_hooks {
	const struct oci_config *cfg;
	const char *state;
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
	return hooks_run(&hk->create_container, HOOK_CREATE_CONTAINER, h->state);
}

static struct cubo_error *setup(const struct init_args *a, struct init_plan *plan)
{
	const struct oci_config *cfg = a->cfg;
	const struct oci_process *proc = cfg->process;
	bool new_userns = flag_set(a, CLONE_NEWUSER);
	struct create_container_hooks hook_args = {a->cfg, plan->hook_state, a->sync_fd};
	struct rootfs_ctx rctx = {
		.cfg = cfg,
		.rootfs = a->rootfs,
		.bundle = a->bundle,
		.no_pivot = a->no_pivot,
		.new_mount_ns = flag_set(a, CLONE_NEWNS),
		.in_userns = new_userns,
		.new_cgroup_ns = false,
		.log = a->log,
		.before_pivot = run_create_container_hooks,
		.before_pivot_arg = &hook_args,
	};
	struct sync_msg go;

	CUBO_TRY(sync_recv(a->sync_fd, &go));
	if (go.type != SYNC_GO)
		return cubo_error_new("sync: expected the go-ahead, got message %d", go.type);
	memcpy(plan->hook_state, go.payload, sizeof(plan->hook_state));
	if (new_userns)
		CUBO_TRY(set_identity_in_new_userns());
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

	CUBO_TRY(rootfs_setup(&rctx));
	if (proc && proc->terminal) {
		int master = -1;
		CUBO_TRY(terminal_setup(a->console_socket, proc->console_size, proc->user.uid,
					proc->user.gid,
					a->send_console_to_parent ? &master : NULL));
		if (master >= 0) {
			struct cubo_error *err = sync_send_fd(a->sync_fd, master);
			close(master);
			CUBO_TRY(err);
		}
	}
	if (a->console_socket >= 0)
		close(a->console_socket);
	CUBO_TRY(apply_sysctls(cfg));
	/* before the root turns read-only: a missing cwd is created */
	CUBO_TRY(enter_cwd(proc ? proc->cwd : "/"));
	CUBO_TRY(rootfs_finalize(&rctx));
	if (!proc)
		return NULL; /* nothing to exec: the init just exits when started */
	CUBO_TRY(resolve_executable(proc, plan->exec_path, sizeof(plan->exec_path)));
	CUBO_TRY(rlimits_apply(proc));
	CUBO_TRY(security_apply_process(proc, cfg->linux_));
	CUBO_TRY(apply_oom_score_adj(proc));
	CUBO_TRY(caps_plan_make(proc->capabilities, a->log, &plan->caps));
	return NULL;
}

static struct cubo_error *wait_for_start(const struct init_args *a, int fifo_path_fd)
{
	char proc_path[64];
	int fd;

	if (a->wait == INIT_WAIT_SYNC)
		return sync_expect(a->sync_fd, SYNC_START);

	/*
	 * Opening a FIFO for writing blocks until `start` opens it for reading.
	 * Reopen the O_PATH fd taken before our ids changed: in a user namespace
	 * the state directory is no longer ours to search.
	 */
	snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", fifo_path_fd);
	do
		fd = open(proc_path, O_WRONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0 && errno == ENOENT) {
		/* no /proc in the container */
		do
			fd = openat(a->state_dirfd, "exec.fifo", O_WRONLY | O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
	}
	if (fd < 0)
		return cubo_error_errno("open exec.fifo");
	close(fifo_path_fd);
	if (write(fd, "0", 1) != 1) {
		struct cubo_error *err = cubo_error_errno("write exec.fifo");
		close(fd);
		return err;
	}
	close(fd);
	return NULL;
}

/* Only stdio and --preserve-fds reach the process; every other fd closes on exec. */
static struct cubo_error *seal_fds(const struct init_args *a)
{
	unsigned int first_closed = 3 + (unsigned int)a->preserve_fds;

	if (syscall(SYS_close_range, first_closed, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return cubo_error_errno("close_range");
	for (int fd = 3; fd < (int)first_closed; fd++) {
		if (fd == a->sync_fd || fd == a->state_dirfd || fd == a->log->fd)
			continue;
		int flags = fcntl(fd, F_GETFD);
		if (flags >= 0)
			fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
	}
	return NULL;
}

static struct cubo_error *finish(const struct init_args *a, const struct init_plan *plan)
{
	const struct oci_process *proc = a->cfg->process;

	/* after start, before the process: in the container, with every privilege */
	if (a->cfg->hooks)
		CUBO_TRY(hooks_run(&a->cfg->hooks->start_container, HOOK_START_CONTAINER,
				   plan->hook_state));
	/* labels and the final affinity while still privileged, as runc */
	CUBO_TRY(security_apply_exec(proc));
	/*
	 * Before the filter: profiles written for runc need not allow
	 * close_range, which sealing uses.
	 */
	CUBO_TRY(seal_fds(a));
	/*
	 * The filter goes on as late as it can: after the start wait, so the
	 * runtime's own fifo and sync traffic never meets it. Without
	 * no_new_privs, loading needs CAP_SYS_ADMIN, so it must come before the
	 * user switch drops capabilities (as runc does); with it, it is the very
	 * last step before execve.
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

void init_run(const struct init_args *a)
{
	struct init_plan plan;
	struct cubo_error *err;
	int fifo_path_fd = -1;

	/*
	 * Joining a pid namespace means other processes may already live there:
	 * they must not open our fds or /proc/self/exe before execve. (A fresh
	 * pid namespace is empty, and a non-dumpable process could not write its
	 * own /proc files from a new user namespace.)
	 */
	/* Into the container's cgroups before anything else runs, so limits apply throughout. */
	if (a->cgroup_entry) {
		int rc = cgroup_entry_join_self(a->cgroup_entry);
		if (rc < 0) {
			err = cubo_error_new_errno(-rc, "join the container's cgroups");
			sync_send_error(a->sync_fd, err);
			cubo_error_free(err);
			_exit(1);
		}
	}
	if (!flag_set(a, CLONE_NEWPID))
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (a->wait == INIT_WAIT_FIFO)
		fifo_path_fd = openat(a->state_dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
	close_foreign_fds(a, fifo_path_fd);

	err = setup(a, &plan);
	if (err) {
		sync_send_error(a->sync_fd, err);
		cubo_error_free(err);
		_exit(1);
	}
	if (a->seccomp && seccomp_prog_notifies(a->seccomp) && (err = load_notify_filter(a))) {
		sync_send_error(a->sync_fd, err);
		cubo_error_free(err);
		_exit(1);
	}
	err = sync_send(a->sync_fd, SYNC_READY, NULL);
	if (!err)
		err = wait_for_start(a, fifo_path_fd);
	if (err) {
		/* the runtime is gone or the container was deleted before start */
		cubo_error_free(err);
		_exit(1);
	}
	if (!a->cfg->process)
		_exit(0);
	err = finish(a, &plan);
	if (!err) {
		execve(plan.exec_path, a->cfg->process->args.v,
		       a->cfg->process->env.v ? a->cfg->process->env.v : (char *[]){NULL});
		err = cubo_error_errno("exec %s", plan.exec_path);
	}
	int code = (err->errnum == ENOENT) ? 127 : 126;
	cubo_error_print(err, "cubo-runc", stderr);
	cubo_error_free(err);
	_exit(code);
}
