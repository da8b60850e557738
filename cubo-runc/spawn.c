/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/spawn.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cubo-runc/cgroup.h"
#include "shared/path_in_root.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* runc's and execvp's default when the environment has no PATH. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* Without /proc, fds up to this number are probed one by one. */
#define PROBE_FDS 1024

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void fds_push(struct spawn_fds *f, size_t *cap, int fd)
{
	if (f->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		f->fds = xreallocarray(f->fds, *cap, sizeof(*f->fds));
	}
	f->fds[f->n++] = fd;
}

/* getdents64's record; glibc declares no type for it. */
struct dirent64_rec {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

void spawn_fds_record(struct spawn_fds *out)
{
	size_t cap = 0;
	int dir;

	out->fds = NULL;
	out->n = 0;
	/* getdents64 into the stack, not opendir: no 32 KiB buffer on a hot path */
	dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir >= 0) {
		char buf[2048];
		long n;
		while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
			for (long off = 0; off < n;) {
				const struct dirent64_rec *e = (const void *)(buf + off);
				char *end;
				long fd = strtol(e->name, &end, 10);
				off += e->reclen;
				if (*end || end == e->name || fd < 3 || fd == dir || fd > INT_MAX)
					continue;
				fds_push(out, &cap, (int)fd);
			}
		}
		close(dir);
	} else {
		for (int fd = 3; fd < PROBE_FDS; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				fds_push(out, &cap, fd);
	}
	if (out->n > 1)
		qsort(out->fds, out->n, sizeof(*out->fds), cmp_int);
}

void spawn_fds_free(struct spawn_fds *f)
{
	free(f->fds);
	f->fds = NULL;
	f->n = 0;
}

bool spawn_fds_has(const struct spawn_fds *f, int fd)
{
	return f && f->n && bsearch(&fd, f->fds, f->n, sizeof(fd), cmp_int);
}

static void close_span(unsigned int lo, unsigned int hi)
{
	if (lo <= hi)
		syscall(SYS_close_range, lo, hi, 0);
}

static bool in_list(const int *v, size_t n, int fd)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == fd)
			return true;
	return false;
}

void spawn_close_fds(const struct spawn_fds *inherited, int preserve, const int *keep,
		     size_t n_keep)
{
	unsigned int first_free = 3 + (unsigned int)(preserve > 0 ? preserve : 0);
	int sorted[16];
	size_t n = 0;

	/* The preserved range, fd by fd: the caller's pass, anything else goes. */
	for (int fd = 3; fd < (int)first_free; fd++) {
		if (in_list(keep, n_keep, fd))
			continue;
		if (spawn_fds_has(inherited, fd)) {
			int flags = fcntl(fd, F_GETFD);
			if (flags >= 0)
				fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
		} else {
			close(fd);
		}
	}
	/* Above it, only what we keep: close the gaps between the kept fds. */
	for (size_t i = 0; i < n_keep && n < sizeof(sorted) / sizeof(sorted[0]); i++)
		if (keep[i] >= (int)first_free)
			sorted[n++] = keep[i];
	qsort(sorted, n, sizeof(sorted[0]), cmp_int);
	for (size_t i = 0; i < n; i++) {
		close_span(first_free, (unsigned int)sorted[i] - 1);
		first_free = (unsigned int)sorted[i] + 1;
	}
	close_span(first_free, ~0U);
}

/* ---- the executable ---- */

static int open_no_magic(const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		/*
		 * The process's root is the container's, so ".." and absolute
		 * links stay inside; only a magic link (/proc/self/fd/N,
		 * /proc/PID/root) could lead out, and none is followed.
		 */
		.resolve = RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	do
		fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return fd;
	/*
	 * No openat2 (a kernel before 5.6, or a seccomp filter around the
	 * runtime): the in-root walker, which reads a magic link as the plain
	 * link its text names, resolved inside the root like any other.
	 */
	int base = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (base < 0)
		return -1;
	struct cubo_error *err = cubo_open_in_root(base, path, flags, 0, &fd);
	close(base);
	if (err) {
		errno = err->errnum ? err->errnum : ENOENT;
		cubo_error_free(err);
		return -1;
	}
	return fd;
}

/* Split path into its directory (opened) and last name; 0 or an errno. */
static int open_candidate(const char *path, struct spawn_exe *out)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	struct stat st;
	int fd;

	snprintf(out->path, sizeof(out->path), "%s", path);
	if (!slash[1])
		return EISDIR;
	if (strlen(slash + 1) >= sizeof(out->name))
		return ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open_no_magic(path, O_PATH);
	if (fd < 0)
		return errno;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return e;
	}
	close(fd);
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return EACCES;
	out->dirfd = open_no_magic(dir, O_PATH | O_DIRECTORY);
	if (out->dirfd < 0)
		return errno;
	snprintf(out->name, sizeof(out->name), "%s", slash + 1);
	return 0;
}

/*
 * "exec: \"x\": permission denied", in lower case as runc words it: callers
 * (podman, scripts) match these words in the runtime's message.
 */
static struct cubo_error *exec_failed(const char *name, int errnum)
{
	char text[64];

	snprintf(text, sizeof(text), "%s", strerror(errnum));
	text[0] = (char)tolower((unsigned char)text[0]);
	return cubo_error_new("exec: \"%s\": %s", name, text);
}

struct cubo_error *spawn_find_executable(const struct oci_process *proc, struct spawn_exe *out,
					 int *code)
{
	const char *name = proc->args.v[0];
	const char *path = cubo_strv_env_get(proc->env.v, "PATH");
	char buf[4096];
	int e;

	out->dirfd = -1;
	out->name[0] = '\0';
	*code = 127;
	if (strchr(name, '/')) {
		/* "./x" and "x/y" are relative to the cwd, as for execve */
		snprintf(buf, sizeof(buf), "%s%s", name[0] == '/' || name[0] == '.' ? "" : "./",
			 name);
		e = open_candidate(buf, out);
		if (!e)
			return NULL;
		*code = e == ENOENT || e == ENOTDIR || e == ELOOP ? 127 : 126;
		if (e == ELOOP)
			return cubo_error_new(
				"exec: \"%s\": not found inside the container (a link "
				"through /proc leads out of it)",
				name);
		return exec_failed(name, e);
	}
	/* execvp: an entry that fails is skipped; EACCES is reported if nothing else is found */
	bool denied = false;
	for (const char *p = path ? path : DEFAULT_PATH;;) {
		const char *end = strchrnul(p, ':');
		int dirlen = (int)(end - p);

		snprintf(buf, sizeof(buf), "%.*s/%s", dirlen ? dirlen : 1, dirlen ? p : ".", name);
		e = open_candidate(buf, out);
		if (!e)
			return NULL;
		denied |= e == EACCES;
		if (!*end)
			break;
		p = end + 1;
	}
	if (denied) {
		*code = 126;
		return exec_failed(name, EACCES);
	}
	return cubo_error_new("exec: \"%s\": executable file not found in $PATH", name);
}

void spawn_exe_close(struct spawn_exe *exe)
{
	if (exe->dirfd >= 0)
		close(exe->dirfd);
	exe->dirfd = -1;
}

void spawn_exec(const struct spawn_exe *exe, char *const argv[], char *const envp[])
{
	static char *const no_env[] = {NULL};
	char *const *env = envp ? envp : no_env;

	/*
	 * Relative to the directory found inside the container, so the file
	 * run is the one the lookup checked; comm is its name, as with execve.
	 */
	syscall(SYS_execveat, exe->dirfd, exe->name, argv, env, 0);
	/*
	 * A script cannot be run that way: its interpreter would need
	 * /dev/fd/N/name, and the directory fd closes on exec (the kernel says
	 * ENOENT). It goes by the name found, as execve would: by now the
	 * process holds no fd of the runtime, so no name can lead to the host.
	 */
	if (errno == ENOENT)
		execve(exe->path, argv, env);
}

void spawn_reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < _NSIG; sig++) {
		struct sigaction sa;

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/* glibc's own realtime signals answer EINVAL: left alone */
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			signal(sig, SIG_DFL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int spawn_exec_code(int errnum)
{
	return errnum == ENOENT || errnum == ENOTDIR || errnum == ELOOP ? 127 : 126;
}

/* ---- the working directory ---- */

struct cubo_error *spawn_enter_cwd(const char *cwd, bool create, const char *what)
{
	char buf[PATH_MAX];
	int fd = open_no_magic(cwd, O_PATH | O_DIRECTORY);

	/*
	 * Only the in-root walker creates: a plain mkdir -p would follow
	 * /proc/self/fd/N/.. out to the host (the walker reads a magic link's
	 * target as an ordinary link's, inside the root).
	 */
	if (fd < 0 && errno == ENOENT && create) {
		int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return cubo_error_errno("%s: open /", what);
		struct cubo_error *err = cubo_mkdir_all_in_root(rootfd, cwd, 0755, NULL);
		close(rootfd);
		CUBO_TRY_CTX(err, "%s %s", what, cwd);
		fd = open_no_magic(cwd, O_PATH | O_DIRECTORY);
	}
	if (fd < 0 && errno == ELOOP)
		return cubo_error_new("%s %s: leads through a link in /proc, out of the container",
				      what, cwd);
	if (fd < 0)
		return cubo_error_errno("%s: open %s in the container", what, cwd);
	if (fchdir(fd) < 0) {
		struct cubo_error *err = cubo_error_errno("%s: chdir %s", what, cwd);
		close(fd);
		return err;
	}
	close(fd);
	/* whatever happened, the cwd must be under our root */
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return cubo_error_new("%s: %s resolves outside the container", what, cwd);
	return NULL;
}

/* ---- clone and identity ---- */

struct cubo_error *spawn_clone(struct clone_args *ca, struct cgroup_entry *e,
			       const struct cgroup_set *cg, pid_t *pid)
{
	long r;

	if (e->v2_dirfd >= 0) {
		ca->flags |= CLONE_INTO_CGROUP;
		ca->cgroup = (uint64_t)e->v2_dirfd;
	}
	fflush(NULL);
	r = syscall(SYS_clone3, ca, sizeof(*ca));
	/*
	 * EINVAL/E2BIG: a kernel before 5.7; EOPNOTSUPP/EBUSY: a cgroup clone3
	 * may not place into (a threaded or domain-invalid one, or one whose
	 * controllers are in use above). The child then writes cgroup.procs
	 * itself before anything else runs.
	 */
	if (r < 0 && (ca->flags & CLONE_INTO_CGROUP) &&
	    (errno == EINVAL || errno == E2BIG || errno == EOPNOTSUPP || errno == EBUSY)) {
		CUBO_TRY(cgroup_entry_v2_fallback(e, cg));
		ca->flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		ca->cgroup = 0;
		r = syscall(SYS_clone3, ca, sizeof(*ca));
	}
	if (r < 0)
		return cubo_error_errno("clone3");
	*pid = (pid_t)r;
	return NULL;
}

struct cubo_error *spawn_become_ns_root(void)
{
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		return cubo_error_errno("setresgid(0) in the user namespace");
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		return cubo_error_errno("setresuid(0) in the user namespace");
	return NULL;
}
