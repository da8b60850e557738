/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `exec`: run one more process in a created or running container.
 *
 * The runtime joins only the container's pid namespace (which affects its
 * children alone), then clones the process, which is therefore born inside
 * it and stays the runtime's child, so the runtime can wait for it. The
 * runtime puts the child in the container's cgroups, then the child joins
 * every other namespace of the init at once through the init's pidfd (user
 * namespace first, the kernel's order), takes the init's root, and sets
 * itself up as the config says before execve. Its end of the sync socket
 * closes on exec: EOF tells the runtime the exec succeeded, a message says
 * why it did not.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-runc/caps.h"
#include "cubo-runc/cgroup.h"
#include "cubo-runc/container.h"
#include "cubo-runc/exec.h"
#include "cubo-runc/rlimits.h"
#include "cubo-runc/hooks.h"
#include "cubo-runc/seccomp.h"
#include "cubo-runc/security.h"
#include "cubo-runc/sync.h"
#include "cubo-runc/terminal.h"
#include "cubo-runc/validate.h"
#include "shared/fs.h"
#include "shared/sanitizer.h"
#include "shared/strv.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct exec_ctx {
	struct runc_globals *g;
	struct exec_flags f;
	struct container *c;
	struct oci_config *cfg;
	struct oci_process *proc;
	struct caps_plan caps;
	int init_pidfd;	    /* the container's init, pinned */
	int rootfd;	    /* the init's root directory (O_PATH) */
	int join_flags;	    /* CLONE_NEW* of the init's namespaces that differ from ours */
	int console_socket; /* --console-socket, connected; -1 without */
	bool proxy_tty;	    /* foreground with a terminal and no console socket */
	struct cgroup_set *cgroups;
	struct cgroup_entry cg_entry; /* how the process joins cgroups at birth */
	struct seccomp_prog *seccomp; /* the container's linux.seccomp, as runc applies it */
	int sock[2];		      /* [0] runtime, [1] child */
	pid_t pid;		      /* the exec'd process, as the host sees it */
	int pidfd;
	int master; /* pty master to proxy, -1 without */
};

static const struct {
	const char *name; /* under /proc/PID/ns */
	int flag;
} ns_types[] = {
	{"user", CLONE_NEWUSER},     {"mnt", CLONE_NEWNS},    {"pid", CLONE_NEWPID},
	{"net", CLONE_NEWNET},	     {"ipc", CLONE_NEWIPC},   {"uts", CLONE_NEWUTS},
	{"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

/* --- the child: from clone to execve --- */

static bool is_executable_file(const char *path, int *err)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		*err = errno;
		return false;
	}
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
		*err = EACCES;
		return false;
	}
	return true;
}

/*
 * args[0] as execvp would find it, inside the container, with the process's
 * PATH. *code is the shell's exit code for a failure: 127 not found, 126
 * found but not executable.
 */
static struct cubo_error *resolve_executable(const struct oci_process *proc, char *out,
					     size_t outlen, int *code)
{
	const char *name = proc->args.v[0];
	const char *path = cubo_strv_env_get(proc->env.v, "PATH");
	int e = ENOENT;

	*code = 127;
	if (strchr(name, '/')) {
		if (is_executable_file(name, &e)) {
			snprintf(out, outlen, "%s", name);
			return NULL;
		}
		*code = e == ENOENT || e == ENOTDIR ? 127 : 126;
		return cubo_error_new_errno(e, "exec: \"%s\"", name);
	}
	for (const char *p = path ? path : DEFAULT_PATH; *p;) {
		const char *end = strchrnul(p, ':');
		int dirlen = (int)(end - p);

		snprintf(out, outlen, "%.*s/%s", dirlen ? dirlen : 1, dirlen ? p : ".", name);
		if (is_executable_file(out, &e))
			return NULL;
		p = *end ? end + 1 : end;
	}
	return cubo_error_new("exec: \"%s\": executable file not found in $PATH", name);
}

/* Close every fd from 3 up except [3, 3+preserve) and those in keep. */
static void close_all_but(const int *keep_in, size_t n, int preserve)
{
	int keep[8];
	unsigned int lo = 3 + (unsigned int)preserve;

	memcpy(keep, keep_in, n * sizeof(int));
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

/*
 * CVE-2024-21626: only stdio and --preserve-fds reach the process. The
 * runtime's own fds in the preserved range (the caller left those numbers
 * free) keep close-on-exec.
 */
static struct cubo_error *seal_fds(const struct exec_ctx *x)
{
	unsigned int first_closed = 3 + (unsigned int)x->f.preserve_fds;

	if (syscall(SYS_close_range, first_closed, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return cubo_error_errno("close_range");
	for (int fd = 3; fd < (int)first_closed; fd++) {
		if (fd == x->sock[1] || fd == x->g->log.fd)
			continue;
		int flags = fcntl(fd, F_GETFD);
		if (flags >= 0)
			fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
	}
	return NULL;
}

static struct cubo_error *enter_root_and_cwd(struct exec_ctx *x)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		/* no /proc/self/fd/N: a magic link could lead out of the root */
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	const char *cwd = x->proc->cwd;
	char buf[PATH_MAX];
	int fd;

	/* the init's root: its pivot_root, or its chroot without a mount namespace */
	if (fchdir(x->rootfd) < 0 || chroot(".") < 0)
		return cubo_error_errno("enter the container's root");
	close(x->rootfd);
	x->rootfd = -1;
	fd = (int)syscall(SYS_openat2, AT_FDCWD, cwd, &how, sizeof(how));
	if (fd < 0)
		return cubo_error_errno("chdir to cwd \"%s\" in the container", cwd);
	if (fchdir(fd) < 0) {
		struct cubo_error *err = cubo_error_errno("chdir to cwd \"%s\"", cwd);
		close(fd);
		return err;
	}
	close(fd);
	/* CVE-2024-21626: the cwd must be under the root we just took */
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return cubo_error_new("cwd \"%s\" resolves outside the container", cwd);
	return NULL;
}

static void apply_oom_score_adj(const struct exec_ctx *x)
{
	char buf[16];
	int len;

	if (!x->proc->has_oom_score_adj)
		return;
	len = snprintf(buf, sizeof(buf), "%d", x->proc->oom_score_adj);
	struct cubo_error *err = cubo_write_existing("/proc/self/oom_score_adj", buf, (size_t)len);
	if (err) {
		/* the init already has it; lowering ours needs CAP_SYS_RESOURCE */
		cubo_debug(&x->g->log, "exec: oomScoreAdj %d not applied", x->proc->oom_score_adj);
		cubo_error_free(err);
	}
}

/* runc: without HOME in the environment, the user's home from the container's /etc/passwd. */
static struct cubo_error *set_home(struct oci_process *proc)
{
	char *passwd = NULL, *home = NULL, *entry;
	size_t len;
	struct cubo_error *err;
	bool ok;

	if (cubo_strv_env_get(proc->env.v, "HOME"))
		return NULL;
	err = cubo_read_file("/etc/passwd", &passwd, &len);
	if (!err)
		home = exec_passwd_home(passwd, proc->user.uid);
	cubo_error_free(err);
	free(passwd);
	if (asprintf(&entry, "HOME=%s", home ? home : "/") < 0)
		entry = NULL;
	free(home);
	ok = entry && cubo_strv_push(&proc->env.v, &proc->env.n, entry);
	free(entry);
	return ok ? NULL : cubo_error_new("out of memory");
}

/* Everything from joining the namespaces up to the last step before execve. */
/*
 * With SCMP_ACT_NOTIFY, the listener fd goes to the runtime, which hands it
 * to the supervisor at listenerPath, as for the init.
 */
static struct cubo_error *load_filter(struct exec_ctx *x)
{
	int fd;
	if (!seccomp_prog_notifies(x->seccomp))
		return cubo_error_wrap(seccomp_prog_load(x->seccomp), "linux.seccomp");
	CUBO_TRY_CTX(seccomp_prog_load_listener(x->seccomp, &fd), "linux.seccomp");
	struct cubo_error *err = sync_send_fd(x->sock[1], fd);
	close(fd);
	return err;
}

/* The exec'd process's listener fd, from the child, to the supervisor. */
static struct cubo_error *hand_over_listener(struct exec_ctx *x)
{
	struct oci_state st = {.oci_version = x->cfg->oci_version,
			       .id = (char *)x->f.id,
			       .pid = x->c->state->pid,
			       .bundle = x->c->state->bundle,
			       .annotations = x->cfg->annotations};
	char *state = NULL;
	struct cubo_error *err = hooks_state_json(&st, "running", &state);
	if (!err)
		err = seccomp_notify_forward(x->sock[0], x->cfg->linux_->seccomp,
					     x->cfg->oci_version, x->pid, state);
	free(state);
	return err;
}

static struct cubo_error *child_setup(struct exec_ctx *x, char *exec_path, size_t len,
				      int *exec_code)
{
	const struct oci_process *proc = x->proc;

	CUBO_TRY(sync_expect(x->sock[1], SYNC_GO));
	sanitizer_keep_report_file(); /* before the container's mount namespace and root */
	apply_oom_score_adj(x);
	/* the pid namespace was joined by the runtime: we were born in it */
	if ((x->join_flags & ~CLONE_NEWPID) &&
	    setns(x->init_pidfd, x->join_flags & ~CLONE_NEWPID) < 0)
		return cubo_error_errno("join the container's namespaces");
	close(x->init_pidfd);
	x->init_pidfd = -1;
	if (x->join_flags & CLONE_NEWUSER) {
		/* act as the namespace's root until the final user is set */
		if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
			return cubo_error_errno("setresgid(0) in the user namespace");
		if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
			return cubo_error_errno("setresuid(0) in the user namespace");
	}
	CUBO_TRY(enter_root_and_cwd(x));
	if (setsid() < 0)
		return cubo_error_errno("setsid");
	/* not the caller's session keyring: the container's, by name, as the init joined it */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, x->f.id) < 0 && errno != ENOSYS &&
	    errno != EPERM && errno != EACCES && errno != EDQUOT)
		return cubo_error_errno("join the container's session keyring");
	if (proc->terminal) {
		int master = -1;
		CUBO_TRY(terminal_setup(x->console_socket, proc->console_size, proc->user.uid,
					proc->user.gid, x->proxy_tty ? &master : NULL));
		if (master >= 0) {
			struct cubo_error *err = sync_send_fd(x->sock[1], master);
			close(master);
			CUBO_TRY(err);
		}
	}
	if (x->console_socket >= 0) {
		close(x->console_socket);
		x->console_socket = -1;
	}
	CUBO_TRY(set_home(x->proc));
	CUBO_TRY(resolve_executable(proc, exec_path, len, exec_code));
	*exec_code = 1;
	CUBO_TRY(rlimits_apply(proc));
	CUBO_TRY(security_apply_process(proc, x->cfg->linux_));
	CUBO_TRY(security_apply_exec(proc));
	/* before the filter, which need not allow close_range */
	CUBO_TRY(seal_fds(x));
	/* the filter goes on last; without no_new_privs while CAP_SYS_ADMIN is still held */
	if (x->seccomp && !proc->no_new_privileges)
		CUBO_TRY(load_filter(x));
	CUBO_TRY(caps_switch_user(&proc->user, &x->caps));
	if (proc->user.has_umask)
		umask(proc->user.umask);
	if (proc->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cubo_error_errno("noNewPrivileges");
	if (x->seccomp && proc->no_new_privileges)
		CUBO_TRY(load_filter(x));
	return NULL;
}

__attribute__((noreturn)) static void child_run(struct exec_ctx *x)
{
	const int keep[] = {x->sock[1], x->init_pidfd, x->rootfd, x->console_socket, x->g->log.fd};
	char exec_path[4096];
	int code = 1;
	struct cubo_error *err;

	/*
	 * Processes of the container can already see us: they must not open
	 * our fds or /proc/self/exe before execve.
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* into the container's cgroups first, as the init does (see cgroup_entry) */
	int rc = cgroup_entry_join_self(&x->cg_entry);
	if (rc < 0) {
		err = cubo_error_new_errno(-rc, "join the container's cgroups");
		sync_send_error(x->sock[1], err);
		cubo_error_free(err);
		_exit(1);
	}
	close_all_but(keep, sizeof(keep) / sizeof(keep[0]), x->f.preserve_fds);
	err = child_setup(x, exec_path, sizeof(exec_path), &code);
	if (!err) {
		execve(exec_path, x->proc->args.v,
		       x->proc->env.v ? x->proc->env.v : (char *[]){NULL});
		code = errno == ENOENT ? 127 : 126;
		err = cubo_error_errno("exec %s", exec_path);
	}
	sync_send_error(x->sock[1], err);
	cubo_error_free(err);
	_exit(code);
}

/* --- the runtime --- */

static struct cubo_error *load_process(struct exec_ctx *x)
{
	struct oci_process *file_proc = NULL, *cfg_proc;
	char *config_path;
	struct cubo_error *err;

	if (!x->c->state->bundle)
		return cubo_error_new("state.json: no bundle recorded");
	config_path = cubo_path_join(x->c->state->bundle, "config.json");
	err = oci_config_load(config_path, &x->cfg);
	free(config_path);
	CUBO_TRY(err);
	if (x->f.process_file) {
		char *json;
		size_t len;
		CUBO_TRY_CTX(cubo_read_file(x->f.process_file, &json, &len), "--process");
		err = oci_process_parse(json, len, x->f.process_file, &file_proc);
		free(json);
		CUBO_TRY(err);
	}
	cfg_proc = x->cfg->process;
	x->cfg->process = NULL;
	CUBO_TRY(exec_process_build(&x->f, file_proc, cfg_proc, &x->proc));
	struct security_host host;
	security_host_probe(&host);
	CUBO_TRY(security_check(x->proc, x->cfg->linux_, &host));
	if (x->cfg->linux_ && x->cfg->linux_->seccomp) {
		char *cache = cubo_path_join(x->g->root, SECCOMP_CACHE_DIR);
		err = seccomp_prog_compile_cached(x->cfg->linux_->seccomp, &x->g->log, cache,
						  &x->seccomp);
		free(cache);
		CUBO_TRY_CTX(err, "config.json");
	}
	return caps_plan_make(x->proc->capabilities, &x->g->log, &x->caps);
}

static struct cubo_error *check_terminal(struct exec_ctx *x)
{
	bool tty = x->proc->terminal;

	if (tty && x->f.detach && !x->f.console_socket)
		return cubo_error_new("cannot allocate a tty when detached without "
				      "--console-socket to pass it on");
	if (!tty && x->f.console_socket)
		return cubo_error_new("--console-socket given but the process has no terminal "
				      "(use --tty)");
	x->proxy_tty = tty && !x->f.console_socket;
	if (x->f.console_socket)
		CUBO_TRY(terminal_connect(x->f.console_socket, &x->console_socket));
	return NULL;
}

static bool same_ns(pid_t pid, const char *name)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, name);
	if (stat(path, &a) < 0)
		return true; /* the kernel lacks it */
	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	if (stat(path, &b) < 0)
		return true;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The init's namespaces and root; the pidfd makes sure they are the init's. */
static struct cubo_error *open_init(struct exec_ctx *x)
{
	pid_t pid = x->c->state->pid;
	char path[64];

	x->init_pidfd = container_pidfd(x->c);
	if (x->init_pidfd < 0)
		return cubo_error_new("cannot exec in a stopped container");
	for (size_t i = 0; i < sizeof(ns_types) / sizeof(ns_types[0]); i++)
		if (!same_ns(pid, ns_types[i].name))
			x->join_flags |= ns_types[i].flag;
	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	x->rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (x->rootfd < 0)
		return cubo_error_errno("open %s", path);
	/* the pid may have been reused between container_pidfd and these opens */
	if (container_status(x->c) == STATUS_STOPPED)
		return cubo_error_new("cannot exec in a stopped container");
	return NULL;
}

static struct cubo_error *open_cgroups(struct exec_ctx *x)
{
	struct exec_cgroup_sub *subs;
	struct cubo_error *err = NULL;
	size_t n;

	CUBO_TRY(cgroup_set_from_strlist(&x->c->state->cgroup_paths, &x->cgroups));
	CUBO_TRY(exec_cgroup_subs_parse(&x->f.cgroups, &subs, &n));
	if (n && !x->cgroups->n)
		err = cubo_error_new("--cgroup: the container has no cgroups of its own");
	for (size_t i = 0; i < n && !err; i++) {
		bool used = !subs[i].controller;
		for (size_t j = 0; j < x->cgroups->n && !used; j++)
			used = exec_cgroup_sub_for(&subs[i], 1, x->cgroups->d[j].key) != NULL;
		if (!used)
			err = cubo_error_new("--cgroup %s:%s: no cgroup hierarchy of the container "
					     "has that controller",
					     subs[i].controller, subs[i].path);
	}
	for (size_t j = 0; j < x->cgroups->n && !err; j++) {
		struct cgroup_dir *d = &x->cgroups->d[j];
		const char *sub = exec_cgroup_sub_for(subs, n, d->key);
		if (sub) {
			char *path = cubo_path_join(d->path, sub);
			if (!cubo_path_exists(path))
				err = cubo_error_new("--cgroup: %s does not exist", path);
			free(d->path);
			d->path = path;
		}
	}
	exec_cgroup_subs_free(subs, n);
	return err;
}

static struct cubo_error *spawn(struct exec_ctx *x)
{
	struct clone_args ca = {0};
	long pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, x->sock) < 0)
		return cubo_error_errno("socketpair");
	/* only our children move: we keep the host's view of pids */
	if ((x->join_flags & CLONE_NEWPID) && setns(x->init_pidfd, CLONE_NEWPID) < 0)
		return cubo_error_errno("join the container's pid namespace");
	ca.flags = CLONE_PIDFD;
	ca.pidfd = (uintptr_t)&x->pidfd;
	ca.exit_signal = SIGCHLD;
	if (x->cgroups->n)
		CUBO_TRY_CTX(cgroup_entry_open(x->cgroups, &x->cg_entry),
			     "join the container's cgroups");
	if (x->cg_entry.v2_dirfd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)x->cg_entry.v2_dirfd;
	}
	fflush(NULL);
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0 && (ca.flags & CLONE_INTO_CGROUP) &&
	    (errno == EINVAL || errno == E2BIG || errno == EOPNOTSUPP || errno == EBUSY)) {
		CUBO_TRY(cgroup_entry_v2_fallback(&x->cg_entry, x->cgroups));
		ca.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		ca.cgroup = 0;
		pid = syscall(SYS_clone3, &ca, sizeof(ca));
	}
	if (pid < 0) {
		cgroup_entry_close(&x->cg_entry);
		return cubo_error_errno("clone the process");
	}
	if (pid == 0) {
		close(x->sock[0]);
		child_run(x);
	}
	x->pid = (pid_t)pid;
	close(x->sock[1]);
	x->sock[1] = -1;
	cgroup_entry_close(&x->cg_entry);
	return NULL;
}

/* EOF on the sync socket: the child's end closed on a successful execve. */
static struct cubo_error *wait_exec(struct exec_ctx *x)
{
	struct sync_msg msg;
	char byte;
	ssize_t n;

	do
		n = recv(x->sock[0], &byte, 1, MSG_PEEK);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return NULL;
	CUBO_TRY(sync_recv(x->sock[0], &msg));
	if (msg.type == SYNC_ERROR)
		return cubo_error_new("%s", msg.payload);
	return cubo_error_new("sync: unexpected message %d", msg.type);
}

static struct cubo_error *start(struct exec_ctx *x)
{
	CUBO_TRY(spawn(x));
	CUBO_TRY(sync_send(x->sock[0], SYNC_GO, NULL));
	if (x->proxy_tty && x->proc->terminal)
		CUBO_TRY(sync_recv_fd(x->sock[0], &x->master));
	if (seccomp_prog_notifies(x->seccomp))
		CUBO_TRY(hand_over_listener(x));
	CUBO_TRY(wait_exec(x));
	if (x->f.pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%d", x->pid);
		CUBO_TRY_CTX(cubo_write_file_atomic(x->f.pid_file, buf, (size_t)n, 0644),
			     "--pid-file");
	}
	return NULL;
}

static struct cubo_error *prepare(struct exec_ctx *x)
{
	enum container_status st;

	CUBO_TRY(validate_container_id(x->f.id));
	CUBO_TRY(container_load(x->g->root, x->f.id, false, &x->c));
	st = container_status(x->c);
	if (st == STATUS_CREATING)
		return cubo_error_new("cannot exec in a container that is still being created");
	if (st == STATUS_STOPPED)
		return cubo_error_new("cannot exec in a stopped container");
	if (st == STATUS_PAUSED && !x->f.ignore_paused)
		return cubo_error_new("cannot exec in a paused container (use --ignore-paused to "
				      "override)");
	CUBO_TRY(load_process(x));
	CUBO_TRY(open_init(x));
	CUBO_TRY(open_cgroups(x));
	return check_terminal(x);
}

/*
 * After a failure: the child exits by itself once it has reported an error
 * or sees the runtime's end close (126/127 when execve failed); one that
 * does not is killed.
 */
static int reap(struct exec_ctx *x)
{
	struct pollfd p = {.fd = x->pidfd, .events = POLLIN};
	siginfo_t info = {0};
	int code;

	close(x->sock[0]);
	x->sock[0] = -1;
	if (poll(&p, 1, 2000) <= 0)
		kill(x->pid, SIGKILL);
	while (waitid(P_PIDFD, (id_t)x->pidfd, &info, WEXITED) < 0 && errno == EINTR)
		;
	code = exec_exit_code(info.si_code, info.si_status);
	return code == 126 || code == 127 ? code : 1;
}

static void ctx_free(struct exec_ctx *x)
{
	int fds[] = {x->init_pidfd, x->rootfd, x->console_socket, x->sock[0], x->sock[1], x->pidfd};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	cgroup_set_free(x->cgroups);
	seccomp_prog_free(x->seccomp);
	oci_process_free(x->proc);
	oci_config_free(x->cfg);
	container_free(x->c);
	exec_flags_free(&x->f);
}

int cmd_exec(struct runc_globals *g, int argc, char **argv)
{
	struct exec_ctx x = {.g = g,
			     .init_pidfd = -1,
			     .rootfd = -1,
			     .console_socket = -1,
			     .sock = {-1, -1},
			     .pidfd = -1,
			     .cg_entry = {.v2_dirfd = -1, .v2_procs = -1},
			     .master = -1};
	struct fg_proxy px = {0};
	struct cubo_error *err;
	bool help;
	int code;

	err = exec_flags_parse(argc, argv, &x.f, &help);
	if (!err && help) {
		exec_print_help(stdout);
		exec_flags_free(&x.f);
		return 0;
	}
	if (!err)
		err = prepare(&x);
	if (!err)
		err = start(&x);
	if (err) {
		code = x.pid > 0 ? reap(&x) : 1;
		err = cubo_error_wrap(err, "exec %s", x.f.id ? x.f.id : "");
		runc_fail(g, err);
		if (x.master >= 0)
			close(x.master);
		ctx_free(&x);
		return code;
	}
	if (x.f.detach) {
		if (x.master >= 0)
			close(x.master);
		ctx_free(&x);
		return 0;
	}
	fg_proxy_start(&px, x.master);
	code = fg_wait(x.pidfd, &px);
	fg_proxy_stop(&px, x.master);
	ctx_free(&x);
	return code;
}
