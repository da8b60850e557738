/* SPDX-License-Identifier: Apache-2.0 */
/* The rootless manager's user namespace: see userns.h. */
#include "cubo-mgr/userns/userns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-mgr/container/monitor.h"
#include "cubo-mgr/userns/subid.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/procstat.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

#define PAUSE_PID_FILE "pause.pid"
#define PAUSE_LOCK_FILE "pause.lock"
/* How long a new pause process may take to exec and name itself. */
#define PAUSE_NAME_WAIT_MS 2000

bool userns_rootless(void)
{
	return geteuid() != 0 || !cubo_in_initial_userns();
}

struct cubo_error *userns_runtime_dir(char **out)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	if (!xdg || !*xdg)
		return cubo_error_new("XDG_RUNTIME_DIR is not set: a user who is not root needs a "
				      "runtime directory of its own (a login through pam_systemd "
				      "sets it; else export XDG_RUNTIME_DIR=DIR, a directory of "
				      "yours, mode 0700)");
	if (xdg[0] != '/')
		return cubo_error_new("XDG_RUNTIME_DIR \"%s\": not an absolute path", xdg);
	if (stat(xdg, &st) < 0)
		return cubo_error_errno("XDG_RUNTIME_DIR %s", xdg);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return cubo_error_new("XDG_RUNTIME_DIR %s: not a directory of this user's "
				      "(uid %u)",
				      xdg, (unsigned)geteuid());
	char *dir = cubo_path_join(xdg, "cubo");
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		struct cubo_error *err = cubo_error_errno("mkdir %s", dir);
		free(dir);
		return err;
	}
	*out = dir;
	return NULL;
}

/*
 * pid is a live pause process of ours: not a zombie (which keeps its
 * namespace until its reaper, maybe slow, takes it), the user's, and called
 * so (a pid reused by another process of the user's would not be).
 */
static bool is_pause(pid_t pid)
{
	char path[64], comm[32] = "";
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (cubo_proc_start_time(pid) == 0 || stat(path, &st) < 0 || st.st_uid != geteuid())
		return false;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	return n > 0 && !strncmp(comm, USERNS_PAUSE_NAME "\n", sizeof(USERNS_PAUSE_NAME));
}

/* The user namespace of the pause process named in the pid file, or -1. */
static int open_pause_ns(int dirfd)
{
	char *text = NULL;
	size_t len;
	struct cubo_error *err = cubo_read_file_at(dirfd, PAUSE_PID_FILE, &text, &len);
	if (err) {
		cubo_error_free(err);
		return -1;
	}
	char *end;
	long pid = strtol(text, &end, 10);
	bool ok = end != text && (*end == '\n' || !*end) && pid > 1 && pid <= INT_MAX &&
		  is_pause((pid_t)pid);
	free(text);
	if (!ok)
		return -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/ns/user", pid);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* The ranges of the user in file: at least one, or the error that says how to add one. */
static struct cubo_error *read_ranges(const char *file, const char *name, unsigned long id,
				      const char *flag, struct subid_range **r, size_t *n)
{
	char *text = NULL;
	size_t len;
	struct cubo_error *err = cubo_read_file(file, &text, &len);
	if (err && err->errnum == ENOENT) {
		cubo_error_free(err);
		err = NULL;
	}
	if (!err)
		err = subid_parse(text ? text : "", file, name, id, r, n);
	free(text);
	if (err || *n)
		return err;
	return cubo_error_new("%s has no subordinate ids for %s (uid %lu): a rootless manager "
			      "needs a range there; as root add a line such as "
			      "\"%s:100000:65536\" (usermod %s 100000-165535 %s)",
			      file, name ? name : "this user", id, name ? name : "NAME", flag,
			      name ? name : "NAME");
}

/* A program's full path in $PATH, malloc'd, or NULL. */
static char *find_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	char *copy = xstrdup(path), *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p = cubo_path_join(d, prog);
		if (access(p, X_OK) == 0) {
			free(copy);
			return p;
		}
		free(p);
	}
	free(copy);
	return NULL;
}

/* prog (newuidmap, newgidmap) is there, or the error that names its package. */
static struct cubo_error *check_tool(const char *prog)
{
	char *exe = find_in_path(prog);
	if (exe) {
		free(exe);
		return NULL;
	}
	return cubo_error_new("%s: not found in PATH: a rootless manager needs it to map its "
			      "subordinate ids (install the package uidmap)",
			      prog);
}

/* Run prog PID ARGS... (newuidmap, newgidmap) and wait for it. */
static struct cubo_error *run_map(const char *prog, pid_t pid, char **args)
{
	char *exe = find_in_path(prog);
	if (!exe)
		return check_tool(prog);
	size_t n = cubo_strv_len(args);
	char **argv = xcalloc(n + 3, sizeof(*argv));
	char pidbuf[24];
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	argv[0] = (char *)prog;
	argv[1] = pidbuf;
	for (size_t i = 0; i < n; i++)
		argv[i + 2] = args[i];
	fflush(NULL);
	pid_t child = fork();
	if (child == 0) {
		execv(exe, argv);
		_exit(127);
	}
	struct cubo_error *err = NULL;
	int status = 0;
	if (child < 0)
		err = cubo_error_errno("fork for %s", prog);
	else if (waitpid(child, &status, 0) < 0)
		err = cubo_error_errno("wait for %s", prog);
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		err = cubo_error_new("%s %s: failed (exit status %d): see its message above; the "
				     "ranges come from /etc/subuid and /etc/subgid",
				     exe, pidbuf, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	free(argv);
	free(exe);
	return err;
}

/* What the pause process tells the manager once it has made its namespace. */
struct pause_report {
	pid_t pid;
	int err; /* errno of unshare, or 0 */
};

void userns_pause_forever(void)
{
	prctl(PR_SET_NAME, USERNS_PAUSE_NAME, 0, 0, 0);
	sigset_t all;
	sigfillset(&all);
	sigdelset(&all, SIGTERM);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (;;)
		pause();
}

/*
 * The pause process: make the namespace (or join adopt_fd's), say so, wait to be mapped, then
 * sleep for good as a fresh program (userns_pause_forever), so it keeps no
 * copy of the command that started it: not its arguments (a password given
 * to login), not its environment, not its memory.
 */
static __attribute__((noreturn)) void pause_main(int report_fd, int go_fd, int adopt_fd)
{
	int rc = adopt_fd >= 0 ? setns(adopt_fd, CLONE_NEWUSER) : unshare(CLONE_NEWUSER);
	struct pause_report r = {getpid(), rc < 0 ? errno : 0};
	if (write(report_fd, &r, sizeof(r)) != (ssize_t)sizeof(r) || r.err)
		_exit(1);
	char c;
	/* the parent closes its end when the maps are written (or it gave up) */
	if (read(go_fd, &c, 1) != 0)
		_exit(1);
	/* nothing of the manager's stays open: no terminal, no lock, no store file */
	if (chdir("/") < 0)
		_exit(1);
	close_range(0, ~0U, 0);
	char *argv[] = {USERNS_PAUSE_NAME, USERNS_PAUSE_ARG, NULL}, *envp[] = {NULL};
	execve("/proc/self/exe", argv, envp);
	userns_pause_forever(); /* no /proc: the same, in this copy */
}

/*
 * Fork the pause process (through a child that exits, so it is no child of
 * ours and sits in a session of its own); *pid once its namespace exists
 * (adopt_fd's, when not -1). *go: close it to let the pause process go on.
 */
static struct cubo_error *fork_pause(int adopt_fd, pid_t *pid, int *go)
{
	int rep[2], gop[2];
	if (pipe2(rep, O_CLOEXEC) < 0)
		return cubo_error_errno("pipe");
	if (pipe2(gop, O_CLOEXEC) < 0) {
		int e = errno;
		close(rep[0]);
		close(rep[1]);
		return cubo_error_new_errno(e, "pipe");
	}
	fflush(NULL);
	pid_t mid = fork();
	if (mid == 0) {
		close(rep[0]);
		close(gop[1]);
		setsid();
		pid_t p = fork();
		if (p == 0)
			pause_main(rep[1], gop[0], adopt_fd);
		_exit(p < 0);
	}
	close(rep[1]);
	close(gop[0]);
	struct cubo_error *err = NULL;
	int status;
	if (mid < 0)
		err = cubo_error_errno("fork the pause process");
	else if (waitpid(mid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		err = cubo_error_new("fork the pause process: failed");
	struct pause_report r = {0, 0};
	if (!err && read(rep[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
		err = cubo_error_new("the pause process ended before making its namespace");
	else if (!err && r.err)
		err = cubo_error_new_errno(r.err, "the pause process: %s a user namespace",
					   adopt_fd >= 0 ? "join" : "unshare");
	close(rep[0]);
	if (err) {
		close(gop[1]);
		return err;
	}
	*pid = r.pid;
	*go = gop[1];
	return NULL;
}

/*
 * The user namespace of a monitor of ours in another namespace than ours,
 * or -1: the namespace of a killed pause process, still held by running
 * containers and their monitors. A new one would leave them out of the
 * manager's reach (their processes, owned by subordinate ids of the old
 * namespace, could not be signalled or joined).
 */
static int monitor_ns(void)
{
	struct stat self, st;
	if (stat("/proc/self/ns/user", &self) < 0)
		return -1;
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	int found = -1;
	struct dirent *e;
	while (found < 0 && (e = readdir(d))) {
		char *end, path[64], comm[32] = "";
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 1 || pid > INT_MAX)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld", pid);
		if (stat(path, &st) < 0 || st.st_uid != geteuid() ||
		    cubo_proc_start_time((pid_t)pid) == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, comm, sizeof(comm) - 1);
		if (fd >= 0)
			close(fd);
		if (n <= 0 || strncmp(comm, MONITOR_NAME "\n", sizeof(MONITOR_NAME)))
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/user", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0 &&
		    (st.st_ino != self.st_ino || st.st_dev != self.st_dev))
			found = fd;
		else if (fd >= 0)
			close(fd);
	}
	closedir(d);
	return found;
}

/*
 * Make the namespace and its pause process (or a pause process for the
 * namespace of running monitors); its namespace opened in *ns_fd.
 */
static struct cubo_error *start_pause(int dirfd, int *ns_fd)
{
	unsigned long uid = getuid(), gid = getgid();
	char *passwd = NULL, *name = NULL;
	size_t len;
	struct cubo_error *err = cubo_read_file("/etc/passwd", &passwd, &len);
	cubo_error_free(err);
	name = passwd ? subid_user_name(passwd, uid) : NULL;
	free(passwd);
	struct subid_range *ur = NULL, *gr = NULL;
	size_t nu = 0, ng = 0;
	char **umap = NULL, **gmap = NULL;
	pid_t pid = 0;
	int go = -1, adopt = monitor_ns();
	if (adopt < 0) {
		err = read_ranges("/etc/subuid", name, uid, "--add-subuids", &ur, &nu);
		if (!err)
			err = read_ranges("/etc/subgid", name, gid, "--add-subgids", &gr, &ng);
		/* both tools before anything is made: the error names the package */
		if (!err)
			err = check_tool("newuidmap");
		if (!err)
			err = check_tool("newgidmap");
	}
	if (!err)
		err = fork_pause(adopt, &pid, &go);
	if (!err && adopt < 0) {
		umap = subid_map_args(uid, ur, nu);
		gmap = subid_map_args(gid, gr, ng);
		err = run_map("newuidmap", pid, umap);
		if (!err)
			err = run_map("newgidmap", pid, gmap);
	}
	if (!err) {
		char buf[24];
		int n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
		err = cubo_write_file_replace_at(dirfd, PAUSE_PID_FILE, buf, (size_t)n, 0600);
	}
	if (!err) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		if ((*ns_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			err = cubo_error_errno("open %s", path);
	}
	if (err && pid > 0)
		kill(pid, SIGKILL); /* ours, half made */
	if (go >= 0)
		close(go);
	/*
	 * Until it has exec'd and named itself, another run would not know it
	 * and make a second one: wait for that under the lock (bounded).
	 */
	for (int i = 0; !err && i < PAUSE_NAME_WAIT_MS && kill(pid, 0) == 0 && !is_pause(pid); i++)
		usleep(1000);
	if (adopt >= 0)
		close(adopt);
	cubo_strv_free(umap);
	cubo_strv_free(gmap);
	free(ur);
	free(gr);
	free(name);
	return err ? cubo_error_wrap(err, "rootless") : NULL;
}

struct cubo_error *userns_join(void)
{
	if (geteuid() == 0)
		return NULL; /* root, or already root of the namespace */
	char *dir;
	CUBO_TRY_CTX(userns_runtime_dir(&dir), "rootless");
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		struct cubo_error *err = cubo_error_errno("rootless: open %s", dir);
		free(dir);
		return err;
	}
	free(dir);
	struct cubo_error *err = NULL;
	int ns = open_pause_ns(dirfd), lock = -1;
	if (ns < 0) {
		/* one maker at a time: a second run waits, then joins the first's */
		err = cubo_lock_at(dirfd, PAUSE_LOCK_FILE, true, &lock);
		if (!err && (ns = open_pause_ns(dirfd)) < 0)
			err = start_pause(dirfd, &ns);
	}
	if (!err && setns(ns, CLONE_NEWUSER) < 0)
		err = cubo_error_errno("rootless: join the user namespace of the pause process");
	/* root of the namespace for good: the ids that own the store's files */
	if (!err && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		err = cubo_error_errno("rootless: become root of the user namespace");
	if (ns >= 0)
		close(ns);
	if (lock >= 0)
		cubo_unlock(lock);
	close(dirfd);
	return err;
}
