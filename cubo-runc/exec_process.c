/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `exec`: run one more process in a created or running container (the
 * library's part; cmd_exec.c parses the flags and waits in the foreground).
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
#include "cubo-runc/exec_process.h"
#include "cubo-runc/rlimits.h"
#include "cubo-runc/hooks.h"
#include "cubo-runc/procfd.h"
#include "cubo-runc/seccomp.h"
#include "cubo-runc/security.h"
#include "cubo-runc/spawn.h"
#include "cubo-runc/sync.h"
#include "cubo-runc/terminal.h"
#include "cubo-runc/validate.h"
#include "shared/fs.h"
#include "shared/sanitizer.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

struct exec_ctx {
	const struct runc_ctx *g;
	const struct exec_flags *f;
	struct container *c;
	struct oci_config *cfg;
	struct oci_process *proc;
	struct caps_plan caps;
	int init_pidfd;	    /* the container's init, pinned */
	int rootfd;	    /* the init's root directory (O_PATH) */
	int join_flags;	    /* CLONE_NEW* of the init's namespaces that differ from ours */
	bool userns_joined; /* born in the init's user namespace (spawn_from_userns) */
	int console_socket; /* --console-socket, connected; -1 without */
	bool proxy_tty;	    /* foreground with a terminal and no console socket */
	struct cgroup_set *cgroups;
	struct cgroup_entry cg_entry; /* how the process joins cgroups at birth */
	struct seccomp_prog *seccomp; /* the container's linux.seccomp, as runc applies it */
	int sock[2];		      /* [0] runtime, [1] child */
	pid_t pid;		      /* the exec'd process, as the host sees it */
	int pidfd;
	int master;	  /* pty master to proxy, -1 without */
	int procfd;	  /* the runtime's /proc, proven (procfd.h), in the child until execve */
	int sanitizer_fd; /* a sanitized build's report file on the host (sanitizer.h), or -1 */
	struct spawn_exe exe;
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

static struct cubo_error *enter_root_and_cwd(struct exec_ctx *x)
{
	/* the init's root: its pivot_root, or its chroot without a mount namespace */
	if (fchdir(x->rootfd) < 0 || chroot(".") < 0)
		return cubo_error_errno("enter the container's root");
	close(x->rootfd);
	x->rootfd = -1;
	/* runc's exec does not create a missing cwd */
	return spawn_enter_cwd(x->proc->cwd, false, "cwd");
}

static void apply_oom_score_adj(const struct exec_ctx *x)
{
	char buf[16];
	int len;

	if (!x->proc->has_oom_score_adj)
		return;
	len = snprintf(buf, sizeof(buf), "%d", x->proc->oom_score_adj);
	struct cubo_error *err = procfd_write(x->procfd, "self/oom_score_adj", buf, (size_t)len);
	if (err) {
		/* the init already has it; lowering ours needs CAP_SYS_RESOURCE */
		cubo_debug(x->g->log, "exec: oomScoreAdj %d not applied", x->proc->oom_score_adj);
		cubo_error_free(err);
	}
}

/*
 * The container's /etc/passwd, read the way a file from an image must be:
 * inside the root, not through a magic link, only a regular file (a FIFO
 * would hang the runtime, a device would be read as root), bounded.
 */
#define PASSWD_MAX (4 << 20)
/* After a failed exec, how long the child has to exit on its own before SIGKILL. */
#define REAP_WAIT_MS 2000
static char *read_container_passwd(void)
{
	struct open_how how = {.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
			       .resolve = RESOLVE_NO_MAGICLINKS};
	struct stat st;
	char *buf = NULL;
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/etc/passwd", &how, sizeof(how));

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < PASSWD_MAX &&
	    (buf = xmalloc((size_t)st.st_size + 1))) {
		ssize_t n = read(fd, buf, (size_t)st.st_size);
		buf[n > 0 ? n : 0] = '\0';
	}
	close(fd);
	return buf;
}

/* runc: without HOME in the environment, the user's home from the container's /etc/passwd. */
static void set_home(struct oci_process *proc)
{
	char *passwd, *home = NULL, *entry;

	if (cubo_strv_env_get(proc->env.v, "HOME"))
		return;
	passwd = read_container_passwd();
	if (passwd)
		home = exec_passwd_home(passwd, proc->user.uid);
	free(passwd);
	entry = xasprintf("HOME=%s", home ? home : "/");
	free(home);
	cubo_strv_push(&proc->env.v, &proc->env.n, entry);
	free(entry);
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
			       .id = (char *)x->f->id,
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

static struct cubo_error *child_setup(struct exec_ctx *x, int *exec_code)
{
	const struct oci_process *proc = x->proc;

	CUBO_TRY(sync_expect(x->sock[1], SYNC_GO));
	/* before the container's mount namespace and root */
	x->sanitizer_fd = sanitizer_keep_report_file();
	apply_oom_score_adj(x);
	/* the pid namespace was joined by the runtime: we were born in it */
	if ((x->join_flags & ~CLONE_NEWPID) &&
	    setns(x->init_pidfd, x->join_flags & ~CLONE_NEWPID) < 0)
		return cubo_error_errno("join the container's namespaces");
	close(x->init_pidfd);
	x->init_pidfd = -1;
	cubo_debug(x->g->log, "nsexec[%d]: <= nsexec container setup", getpid());
	cubo_debug(x->g->log, "child process in init()");
	if ((x->join_flags & CLONE_NEWUSER) || x->userns_joined)
		CUBO_TRY(spawn_become_ns_root());
	CUBO_TRY(enter_root_and_cwd(x));
	if (setsid() < 0)
		return cubo_error_errno("setsid");
	/* not the caller's session keyring: the container's, by name, as the init joined it */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, x->f->id) < 0 && errno != ENOSYS &&
	    errno != EPERM && errno != EACCES && errno != EDQUOT)
		return cubo_error_errno("join the container's session keyring");
	if (proc->terminal) {
		int master = -1;
		CUBO_TRY(terminal_setup(x->console_socket, proc->console_size, proc->user.uid,
					false, x->proxy_tty ? &master : NULL));
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
	set_home(x->proc);
	CUBO_TRY(spawn_find_executable(proc, &x->exe, exec_code));
	*exec_code = 1;
	CUBO_TRY(rlimits_apply(proc));
	CUBO_TRY(security_apply_process(proc, x->cfg->linux_));
	CUBO_TRY(security_apply_exec(proc, x->procfd));
	close(x->procfd);
	x->procfd = -1;
	cubo_debug(x->g->log, "setns_init: about to exec");
	/*
	 * Nothing of the runtime's past this point but the sync socket (a
	 * socket leads nowhere; its close on execve tells the runtime the exec
	 * worked) and the directory the executable is in. Before the filter,
	 * which need not allow close_range.
	 */
	{
		int keep[] = {x->sock[1], x->exe.dirfd, x->sanitizer_fd};
		spawn_close_fds(x->g->inherited, x->f->preserve_fds, keep, 3);
	}
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
	int code = 1;
	struct cubo_error *err;

	/*
	 * Processes of the container can already see us: they must not open
	 * our fds or /proc/self/exe before execve.
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* runc's words for these steps: callers grep --debug output for them */
	cubo_debug(x->g->log, "nsexec[%d]: => nsexec container setup", getpid());
	spawn_reset_signals();
	/* into the container's cgroups first, as the init does (see cgroup_entry) */
	int rc = cgroup_entry_join_self(&x->cg_entry);
	if (rc < 0) {
		err = cubo_error_new_errno(-rc, "join the container's cgroups");
		sync_send_error(x->sock[1], err);
		cubo_error_free(err);
		_exit(1);
	}
	/* the runtime's /proc, before the container's root is ours (procfd.h) */
	err = procfd_open(&x->procfd);
	if (!err) {
		const int keep[] = {x->sock[1], x->init_pidfd,	   x->rootfd,
				    x->procfd,	x->console_socket, x->g->log->fd};
		spawn_close_fds(x->g->inherited, x->f->preserve_fds, keep,
				sizeof(keep) / sizeof(keep[0]));
		err = child_setup(x, &code);
	}
	if (!err) {
		spawn_exec(&x->exe, x->proc->args.v, x->proc->env.v);
		code = spawn_exec_code(errno);
		err = cubo_error_errno("exec %s", x->exe.path);
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
	if (x->f->process_file) {
		char *json;
		size_t len;
		CUBO_TRY_CTX(cubo_read_file(x->f->process_file, &json, &len), "--process");
		err = oci_process_parse(json, len, x->f->process_file, &file_proc);
		free(json);
		CUBO_TRY(err);
	}
	cfg_proc = x->cfg->process;
	x->cfg->process = NULL;
	CUBO_TRY(exec_process_build(x->f, file_proc, cfg_proc, &x->proc));
	struct security_host host;
	security_host_probe(&host);
	CUBO_TRY(security_check(x->proc, x->cfg->linux_, &host));
	if (x->cfg->linux_ && x->cfg->linux_->seccomp) {
		char *cache = cubo_path_join(x->g->root, SECCOMP_CACHE_DIR);
		err = seccomp_prog_compile_cached(x->cfg->linux_->seccomp, x->g->log, cache,
						  &x->seccomp);
		free(cache);
		CUBO_TRY_CTX(err, "config.json");
	}
	return NULL;
}

static struct cubo_error *check_terminal(struct exec_ctx *x)
{
	bool tty = x->proc->terminal;

	if (tty && x->f->detach && !x->f->console_socket)
		return cubo_error_new("cannot allocate a tty when detached without "
				      "--console-socket to pass it on");
	if (!tty && x->f->console_socket)
		return cubo_error_new("--console-socket given but the process has no terminal "
				      "(use --tty)");
	x->proxy_tty = tty && !x->f->console_socket;
	if (x->f->console_socket)
		CUBO_TRY(terminal_connect(x->f->console_socket, &x->console_socket));
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
	CUBO_TRY(exec_cgroup_subs_parse(&x->f->cgroups, &subs, &n));
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
		if (sub && *sub) {
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

/*
 * A caller who is not root may join the container's pid namespace only from
 * its user namespace (which it owns), and could never leave either again:
 * a short-lived copy of the runtime joins both and clones the process as
 * the runtime's own child (CLONE_PARENT), so the runtime stays where it is
 * and waits for it as for any other. *pid is 0 in the process, its host pid
 * in the runtime, which then holds a pidfd of it.
 */
static struct cubo_error *spawn_from_userns(struct exec_ctx *x, pid_t *pid)
{
	/* exit_signal 0: with CLONE_PARENT the child signals as its creator does (SIGCHLD) */
	struct clone_args ca = {.flags = CLONE_PARENT};
	int report[2], status;
	pid_t mid, child = -1;
	int e = 0;

	if (pipe2(report, O_CLOEXEC) < 0)
		return cubo_error_errno("pipe");
	fflush(NULL);
	mid = fork();
	if (mid < 0) {
		e = errno;
		close(report[0]);
		close(report[1]);
		return cubo_error_new_errno(e, "fork");
	}
	if (mid == 0) {
		struct cubo_error *err = NULL;

		close(report[0]);
		if (setns(x->init_pidfd, CLONE_NEWUSER) < 0)
			err = cubo_error_errno("join the container's user namespace");
		else if ((x->join_flags & CLONE_NEWPID) && setns(x->init_pidfd, CLONE_NEWPID) < 0)
			err = cubo_error_errno("join the container's pid namespace");
		x->join_flags &= ~(CLONE_NEWUSER | CLONE_NEWPID);
		x->userns_joined = true;
		if (!err)
			err = spawn_clone(&ca, &x->cg_entry, x->cgroups, &child);
		if (!err && child == 0) {
			close(report[1]);
			*pid = 0;
			return NULL;
		}
		e = err ? (err->errnum ? err->errnum : EPERM) : 0;
		cubo_error_free(err);
		(void)!write(report[1], e ? &e : &child, sizeof(int));
		_exit(e ? 1 : 0);
	}
	close(report[1]);
	ssize_t n = read(report[0], &child, sizeof(child));
	close(report[0]);
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != sizeof(child) || !WIFEXITED(status))
		return cubo_error_new("join the container's namespaces: the helper died");
	if (WEXITSTATUS(status))
		return cubo_error_new_errno(child, "join the container's user and pid namespaces");
	x->pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	if (x->pidfd < 0) {
		e = errno;
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return cubo_error_new_errno(e, "pidfd_open");
	}
	*pid = child;
	return NULL;
}

static struct cubo_error *spawn(struct exec_ctx *x)
{
	struct clone_args ca = {0};
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, x->sock) < 0)
		return cubo_error_errno("socketpair");
	if (x->cgroups->n)
		CUBO_TRY_CTX(cgroup_entry_open(x->cgroups, &x->cg_entry),
			     "join the container's cgroups");
	struct cubo_error *err = NULL;
	if ((x->join_flags & CLONE_NEWUSER) && geteuid() != 0) {
		err = spawn_from_userns(x, &pid);
	} else {
		/* only our children move: we keep the host's view of pids */
		if ((x->join_flags & CLONE_NEWPID) && setns(x->init_pidfd, CLONE_NEWPID) < 0)
			err = cubo_error_errno("join the container's pid namespace");
		ca.flags = CLONE_PIDFD;
		ca.pidfd = (uintptr_t)&x->pidfd;
		ca.exit_signal = SIGCHLD;
		if (!err)
			err = spawn_clone(&ca, &x->cg_entry, x->cgroups, &pid);
	}
	if (err) {
		cgroup_entry_close(&x->cg_entry);
		return cubo_error_wrap(err, "clone the process");
	}
	if (pid == 0) {
		close(x->sock[0]);
		child_run(x);
	}
	x->pid = pid;
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
	if (x->f->pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%d", x->pid);
		CUBO_TRY_CTX(cubo_write_file_replace(x->f->pid_file, buf, (size_t)n, 0644),
			     "--pid-file");
	}
	return NULL;
}

static struct cubo_error *prepare(struct exec_ctx *x)
{
	enum container_status st;

	CUBO_TRY(validate_container_id(x->f->id));
	CUBO_TRY(container_load(x->g->root, x->f->id, false, &x->c));
	st = container_status(x->c);
	if (st == STATUS_CREATING)
		return cubo_error_new("cannot exec in a container that is still being created");
	if (st == STATUS_STOPPED)
		return cubo_error_new("cannot exec in a stopped container");
	if (st == STATUS_PAUSED && !x->f->ignore_paused)
		return cubo_error_new("cannot exec in a paused container (use --ignore-paused to "
				      "override)");
	CUBO_TRY(load_process(x));
	CUBO_TRY(open_init(x));
	/* what the process may get is decided in the namespace it joins */
	CUBO_TRY(caps_plan_make(x->proc->capabilities, x->g->log,
				(x->join_flags & CLONE_NEWUSER) != 0, &x->caps));
	CUBO_TRY(open_cgroups(x));
	return check_terminal(x);
}

/*
 * After a failure: the child exits by itself once it has reported an error
 * or sees the runtime's end close; one that does not is killed.
 */
static void reap(struct exec_ctx *x)
{
	struct pollfd p = {.fd = x->pidfd, .events = POLLIN};
	siginfo_t info = {0};

	close(x->sock[0]);
	x->sock[0] = -1;
	if (poll(&p, 1, REAP_WAIT_MS) <= 0)
		kill(x->pid, SIGKILL);
	while (waitid(P_PIDFD, (id_t)x->pidfd, &info, WEXITED) < 0 && errno == EINTR)
		;
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
}

struct cubo_error *exec_process_start(const struct runc_ctx *ctx, const struct exec_flags *f,
				      struct exec_started *out)
{
	struct exec_ctx x = {.g = ctx,
			     .f = f,
			     .init_pidfd = -1,
			     .rootfd = -1,
			     .console_socket = -1,
			     .sock = {-1, -1},
			     .pidfd = -1,
			     .cg_entry = {.v2_dirfd = -1, .v2_procs = -1},
			     .master = -1,
			     .procfd = -1,
			     .sanitizer_fd = -1,
			     .exe = {.dirfd = -1}};
	struct cubo_error *err = prepare(&x);

	*out = (struct exec_started){.pid = -1, .pidfd = -1, .master = -1};
	if (!err)
		err = start(&x);
	if (err) {
		if (x.pid > 0)
			reap(&x);
		if (x.master >= 0)
			close(x.master);
		ctx_free(&x);
		return cubo_error_wrap(err, "exec %s", f->id ? f->id : "");
	}
	out->pid = x.pid;
	out->pidfd = x.pidfd;
	out->master = x.master;
	x.pidfd = -1;
	ctx_free(&x);
	return NULL;
}
