/* SPDX-License-Identifier: Apache-2.0 */
/* Running criu: see criu.h. */
#include "cubo-runc/criu.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-runc/cgroup.h"
#include "cubo-runc/spawn.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

struct cubo_error *criu_locate(const char *path, char **out)
{
	const char *env_path = getenv("PATH");
	char **dirs;

	if (path && *path) {
		if (access(path, X_OK) < 0)
			return cubo_error_errno("criu not found at %s (--criu)", path);
		*out = xstrdup(path);
		return NULL;
	}
	dirs = cubo_strv_split(env_path && *env_path ? env_path : "/usr/sbin:/usr/bin:/sbin:/bin",
			       ':');
	*out = NULL;
	for (size_t i = 0; dirs[i] && !*out; i++) {
		char *cand = cubo_path_join(*dirs[i] ? dirs[i] : ".", "criu");
		if (access(cand, X_OK) == 0)
			*out = cand;
		else
			free(cand);
	}
	cubo_strv_free(dirs);
	if (!*out)
		return cubo_error_new("criu not found: install criu (Debian package \"criu\") or "
				      "give its path with --criu");
	return NULL;
}

char *criu_log_first_error(const char *path)
{
	char *line = NULL, *found = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f = fopen(path, "re");

	if (!f)
		return NULL;
	while (!found && (n = getline(&line, &cap, f)) > 0) {
		if (!strstr(line, "Error (") && !strstr(line, "Error:"))
			continue;
		line[strcspn(line, "\n")] = '\0';
		found = xstrdup(line);
	}
	free(line);
	fclose(f);
	return found;
}

/* The child: only stdio and keep stay open, then criu. */
static void __attribute__((noreturn))
exec_criu(char **argv, const int *keep, int n_keep, struct cgroup_entry *entry)
{
	if (entry && cgroup_entry_join_self(entry) < 0)
		_exit(126);
	signal(SIGPIPE, SIG_DFL);
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (int fd = 3; fd < 4096; fd++) {
			int fl = fcntl(fd, F_GETFD);
			if (fl >= 0)
				fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
		}
	}
	for (int i = 0; i < n_keep; i++)
		fcntl(keep[i], F_SETFD, 0);
	execv(argv[0], argv);
	_exit(127);
}

struct cubo_error *criu_spawn(char **argv, const int *keep, int n_keep, struct cgroup_entry *entry,
			      const struct cgroup_set *cg, pid_t holder, pid_t *out)
{
	struct clone_args ca = {.exit_signal = SIGCHLD};
	pid_t pid;

	if (entry) {
		CUBO_TRY_CTX(spawn_clone(&ca, entry, cg, &pid), "start criu");
	} else {
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			return cubo_error_errno("start criu: fork");
	}
	if (pid == 0)
		exec_criu(argv, keep, n_keep, entry);
	if (holder > 0) {
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
	}
	*out = pid;
	return NULL;
}

struct cubo_error *criu_wait(pid_t pid, char *const *argv, bool failed, const char *work_dir,
			     const char *log)
{
	const char *what = argv[1];
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cubo_error_errno("wait for criu");
	if (!failed && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return NULL;

	char *path = cubo_path_join(work_dir, log), *last = criu_log_first_error(path);
	struct cubo_error *err;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		err = cubo_error_new("criu %s: cannot execute %s", what, argv[0]);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 126)
		err = cubo_error_new("criu %s: cannot enter the container's cgroup", what);
	else if (last)
		err = cubo_error_new("criu %s failed (see %s): %s", what, path, last);
	else if (failed)
		err = cubo_error_new("criu %s failed (see %s)", what, path);
	else
		err = cubo_error_new("criu %s failed (%s %d; see %s)", what,
				     WIFEXITED(status) ? "exit status" : "signal",
				     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				     path);
	free(last);
	free(path);
	return err;
}

struct cubo_error *criu_run(char **argv, const int *keep, int n_keep, struct cgroup_entry *entry,
			    const struct cgroup_set *cg, pid_t holder, const char *work_dir,
			    const char *log)
{
	pid_t pid;

	CUBO_TRY(criu_spawn(argv, keep, n_keep, entry, cg, holder, &pid));
	return criu_wait(pid, argv, false, work_dir, log);
}

static const char *const cgroup_modes[] = {"soft", "full", "strict", "ignore", "props", "none"};

struct cubo_error *criu_common_args(const struct criu_opts *o, char ***argv, size_t *n)
{
	const char *mode = o->manage_cgroups_mode ? o->manage_cgroups_mode : "soft";
	bool known = false;
	char *arg;

	for (size_t i = 0; i < sizeof(cgroup_modes) / sizeof(cgroup_modes[0]); i++)
		known = known || !strcmp(mode, cgroup_modes[i]);
	if (!known)
		return cubo_error_new("--manage-cgroups-mode %s: expected soft, full, strict, "
				      "ignore, props or none",
				      mode);
	arg = xasprintf("--manage-cgroups=%s", mode);
	cubo_strv_push(argv, n, arg);
	free(arg);
	if (o->empty_ns) {
		/* runc's name for it is the OCI one; criu knows "net" only */
		if (strcmp(o->empty_ns, "network") && strcmp(o->empty_ns, "net"))
			return cubo_error_new("--empty-ns %s: only \"network\" can be left empty",
					      o->empty_ns);
		cubo_strv_push(argv, n, "--empty-ns");
		cubo_strv_push(argv, n, "net");
	}
	if (o->tcp_established)
		cubo_strv_push(argv, n, "--tcp-established");
	if (o->ext_unix_sk)
		cubo_strv_push(argv, n, "--ext-unix-sk");
	if (o->shell_job)
		cubo_strv_push(argv, n, "--shell-job");
	if (o->file_locks)
		cubo_strv_push(argv, n, "--file-locks");
	if (o->auto_dedup)
		cubo_strv_push(argv, n, "--auto-dedup");
	return NULL;
}

/* ADDRESS:PORT (an IPv6 address in brackets): criu's --address and --port. */
static struct cubo_error *push_address_port(const char *flag, const char *spec, char ***argv,
					    size_t *n)
{
	const char *colon = strrchr(spec, ':');
	const char *addr = spec, *addr_end = colon;
	char *end, *host;
	long port;

	if (!colon || colon == spec)
		return cubo_error_new("%s %s: expected ADDRESS:PORT", flag, spec);
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || !colon[1] || *end || port < 1 || port > 65535)
		return cubo_error_new("%s %s: the port must be a number from 1 to 65535", flag,
				      spec);
	if (addr[0] == '[' && addr_end[-1] == ']') {
		addr++;
		addr_end--;
	}
	if (addr_end <= addr)
		return cubo_error_new("%s %s: expected ADDRESS:PORT", flag, spec);
	host = xstrndup(addr, (size_t)(addr_end - addr));
	cubo_strv_push(argv, n, "--address");
	cubo_strv_push(argv, n, host);
	cubo_strv_push(argv, n, "--port");
	cubo_strv_push(argv, n, colon + 1);
	free(host);
	return NULL;
}

/* The caller's fd criu signals readiness on: open, and open for writing. */
static struct cubo_error *check_status_fd(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return cubo_error_errno("--status-fd %d", fd);
	if ((fl & O_ACCMODE) == O_RDONLY)
		return cubo_error_new("--status-fd %d: not open for writing", fd);
	return NULL;
}

struct cubo_error *criu_dump_only_args(const struct checkpoint_opts *o, char ***argv, size_t *n)
{
	bool lazy = o->criu.lazy_pages;

	if (lazy && o->pre_dump)
		return cubo_error_new("--lazy-pages with --pre-dump: criu cannot pre-dump lazily");
	if (lazy && !o->page_server)
		return cubo_error_new("--lazy-pages needs --page-server ADDRESS:PORT: criu serves "
				      "the memory pages there to the restoring host's lazy-pages "
				      "daemon");
	/* pre-dumps track memory so the next dump writes only what changed */
	if (o->pre_dump || o->parent_path)
		cubo_strv_push(argv, n, "--track-mem");
	if (o->parent_path) {
		cubo_strv_push(argv, n, "--prev-images-dir");
		cubo_strv_push(argv, n, o->parent_path);
	}
	if (o->leave_running && !o->pre_dump)
		cubo_strv_push(argv, n, "--leave-running");
	if (o->page_server) {
		/* lazily, criu itself serves the pages there; else it sends them there */
		cubo_strv_push(argv, n, lazy ? "--lazy-pages" : "--page-server");
		CUBO_TRY(push_address_port("--page-server", o->page_server, argv, n));
	}
	/* as runc: the status fd is for lazy migration only */
	if (lazy && o->status_fd >= 0) {
		CUBO_TRY(check_status_fd(o->status_fd));
		char *fd = xasprintf("%d", o->status_fd);
		cubo_strv_push(argv, n, "--status-fd");
		cubo_strv_push(argv, n, fd);
		free(fd);
	}
	return NULL;
}

struct cubo_error *criu_restore_only_args(const struct restore_opts *o, char ***argv, size_t *n)
{
	const char *colon = o->lsm_profile ? strchr(o->lsm_profile, ':') : NULL;

	if (o->no_subreaper && !o->detach)
		return cubo_error_new("--no-subreaper needs --detach: without the subreaper the "
				      "restored process is not ours to wait for");
	if (o->criu.lazy_pages)
		cubo_strv_push(argv, n, "--lazy-pages");
	if (o->lsm_profile) {
		if (!colon || colon == o->lsm_profile)
			return cubo_error_new(
				"--lsm-profile %s: expected TYPE:NAME (apparmor:NAME, "
				"selinux:CONTEXT or none:)",
				o->lsm_profile);
		cubo_strv_push(argv, n, "--lsm-profile");
		cubo_strv_push(argv, n, o->lsm_profile);
	}
	if (o->lsm_mount_context) {
		if (!*o->lsm_mount_context)
			return cubo_error_new("--lsm-mount-context: empty");
		cubo_strv_push(argv, n, "--lsm-mount-context");
		cubo_strv_push(argv, n, o->lsm_mount_context);
	}
	return NULL;
}

struct cubo_error *criu_dirs(const struct criu_opts *o, bool make, char **image, char **work)
{
	char cwd[PATH_MAX];
	struct cubo_error *err;

	*image = *work = NULL;
	if (o->image_path && *o->image_path)
		*image = o->image_path[0] == '/' || !getcwd(cwd, sizeof(cwd))
				 ? xstrdup(o->image_path)
				 : cubo_path_join(cwd, o->image_path);
	else if (getcwd(cwd, sizeof(cwd)))
		*image = cubo_path_join(cwd, "checkpoint");
	else
		return cubo_error_errno("getcwd (for the default --image-path)");
	if (o->work_path && *o->work_path)
		*work = o->work_path[0] == '/' || !getcwd(cwd, sizeof(cwd))
				? xstrdup(o->work_path)
				: cubo_path_join(cwd, o->work_path);
	else
		*work = xstrdup(*image);
	err = make ? cubo_mkdir_p(*image, 0700) : NULL;
	if (err)
		return cubo_error_wrap(err, "--image-path %s", *image);
	err = cubo_mkdir_p(*work, 0700);
	if (err)
		return cubo_error_wrap(err, "--work-path %s", *work);
	if (!make && !cubo_path_exists(*image))
		return cubo_error_new("--image-path %s: no such directory", *image);
	return NULL;
}
