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

struct cubo_error *criu_run(char **argv, const int *keep, int n_keep, struct cgroup_entry *entry,
			    const struct cgroup_set *cg, pid_t holder, const char *work_dir,
			    const char *log)
{
	struct clone_args ca = {.exit_signal = SIGCHLD};
	int status;
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
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cubo_error_errno("wait for criu");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return NULL;

	char *path = cubo_path_join(work_dir, log), *last = criu_log_first_error(path);
	struct cubo_error *err;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		err = cubo_error_new("criu %s: cannot execute %s", argv[1], argv[0]);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 126)
		err = cubo_error_new("criu %s: cannot enter the container's cgroup", argv[1]);
	else if (last)
		err = cubo_error_new("criu %s failed (see %s): %s", argv[1], path, last);
	else
		err = cubo_error_new("criu %s failed (%s %d; see %s)", argv[1],
				     WIFEXITED(status) ? "exit status" : "signal",
				     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				     path);
	free(last);
	free(path);
	return err;
}

static const char *const cgroup_modes[] = {"soft", "full", "strict", "ignore", "props", "none"};

struct cubo_error *criu_common_args(const struct criu_opts *o, char ***argv, size_t *n)
{
	const char *mode = o->manage_cgroups_mode ? o->manage_cgroups_mode : "soft";
	bool known = false;
	char *arg;

	if (o->lazy_pages)
		return cubo_error_new("--lazy-pages is not supported: it needs criu's lazy-pages "
				      "daemon, which only criu's RPC interface hands over");
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
