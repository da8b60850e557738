/* SPDX-License-Identifier: Apache-2.0 */
/* Running the OCI runtime: see runtime.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>

#include "cubo-mgr/container/runtime.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

extern char **environ;

const char *runtime_default_path(const struct mgr_settings *set)
{
	/* a cubo-runc installed beside cubo-mgr is the one built with it */
	static const char *const candidates[] = {BINDIR "/cubo-runc", "/usr/local/bin/cubo-runc",
						 "/usr/bin/cubo-runc"};
	if (set && set->runtime && *set->runtime)
		return set->runtime;
	for (size_t i = 0; i < sizeof(candidates) / sizeof(*candidates); i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return "cubo-runc";
}

struct cubo_error *runtime_cgroup_manager(const char *flag, bool systemd_host, bool *systemd)
{
	if (!flag) {
		*systemd = systemd_host;
		return NULL;
	}
	if (strcmp(flag, RUNTIME_CGROUPFS) && strcmp(flag, RUNTIME_SYSTEMD))
		return cubo_error_new("--cgroup-manager %s: expected cgroupfs or systemd", flag);
	*systemd = !strcmp(flag, RUNTIME_SYSTEMD);
	return NULL;
}

bool runtime_systemd_host(void)
{
	struct statfs fs;

	return access("/run/systemd/system", F_OK) == 0 && statfs("/sys/fs/cgroup", &fs) == 0 &&
	       fs.f_type == CGROUP2_SUPER_MAGIC;
}

char *runtime_cgroups_path(bool systemd, const char *parent, const char *id)
{
	/* machine.slice holds containers and VMs (podman puts its scopes there too) */
	if (systemd)
		return xasprintf("%s:cubo:%s", parent ? parent : "machine.slice", id);
	if (parent)
		return xasprintf("%s/cubo-%s", parent, id);
	return xasprintf("cubo-%s", id);
}

char **runtime_argv(const struct ctr_runtime *rt, const char *const *args)
{
	size_t n = 0, k = 0;
	while (args[n])
		n++;
	char **argv = xcalloc(n + 5, sizeof(char *));
	argv[k++] = (char *)rt->path;
	argv[k++] = "--root";
	argv[k++] = (char *)rt->root;
	/* runc wants it on every command, not only create */
	if (rt->systemd_cgroup)
		argv[k++] = "--systemd-cgroup";
	for (size_t i = 0; i < n; i++)
		argv[k++] = (char *)args[i];
	return argv;
}

static const char *verb_of(const char *const *args)
{
	return args[0] ? args[0] : "";
}

struct cubo_error *runtime_spawn(const struct ctr_runtime *rt, const char *const *args, int in,
				 int out, int err, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	/* the monitor blocks SIGCHLD for its signalfd: the runtime must not inherit that */
	posix_spawnattr_setsigmask(&attr, &none);
	sigset_t deflt;
	sigemptyset(&deflt);
	sigaddset(&deflt, SIGPIPE);
	sigaddset(&deflt, SIGCHLD);
	posix_spawnattr_setsigdefault(&attr, &deflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	int fds[3] = {in, out, err};
	for (int i = 0; i < 3; i++) {
		if (fds[i] < 0)
			posix_spawn_file_actions_addopen(&fa, i, "/dev/null",
							 i ? O_WRONLY : O_RDONLY, 0);
		else
			posix_spawn_file_actions_adddup2(&fa, fds[i], i);
	}
	char **argv = runtime_argv(rt, args);
	int rc = posix_spawnp(pid, rt->path, &fa, &attr, argv, environ);
	free(argv);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc)
		return cubo_error_new_errno(rc, "run the runtime %s", rt->path);
	return NULL;
}

struct cubo_error *runtime_spawn_wait(const struct ctr_runtime *rt, const char *const *args, int in,
				      int out, int err, int *status)
{
	pid_t pid;
	CUBO_TRY(runtime_spawn(rt, args, in, out, err, &pid));
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return cubo_error_errno("wait for the runtime %s %s", rt->path,
						verb_of(args));
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return NULL;
}

void runtime_tidy_message(char *text)
{
	/* runc/logrus: time="..." level=error msg="the message" */
	char *msg = strstr(text, "msg=\"");
	if (msg) {
		msg += 5;
		char *end = strrchr(msg, '"');
		if (end)
			*end = '\0';
		memmove(text, msg, strlen(msg) + 1);
	}
	size_t n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
		text[--n] = '\0';
	/* keep the last line: earlier ones are warnings */
	char *nl = strrchr(text, '\n');
	if (nl)
		memmove(text, nl + 1, strlen(nl + 1) + 1);
	/* "cubo-runc: " repeats what the caller says */
	const char *colon = strstr(text, ": ");
	if (colon && !strncmp(text, "cubo-runc", (size_t)(colon - text)))
		memmove(text, colon + 2, strlen(colon + 2) + 1);
}

struct cubo_error *runtime_call(const struct ctr_runtime *rt, const char *const *args)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cubo_error_errno("pipe");
	int status;
	struct cubo_error *err = runtime_spawn_wait(rt, args, -1, -1, p[1], &status);
	close(p[1]);
	char buf[4096];
	cubo_read_until_eof(p[0], buf, sizeof(buf));
	close(p[0]);
	if (err)
		return err;
	if (status == 0)
		return NULL;
	runtime_tidy_message(buf);
	return cubo_error_new("runtime %s %s: %s", rt->path, verb_of(args),
			      buf[0] ? buf : "failed without a message");
}

struct cubo_error *runtime_start(const struct ctr_runtime *rt, const char *id)
{
	const char *args[] = {"start", id, NULL};
	return runtime_call(rt, args);
}

struct cubo_error *runtime_kill(const struct ctr_runtime *rt, const char *id, const char *signal,
				bool all)
{
	const char *args[] = {"kill", all ? "--all" : id, all ? id : signal, all ? signal : NULL,
			      NULL};
	return runtime_call(rt, args);
}

struct cubo_error *runtime_delete(const struct ctr_runtime *rt, const char *id, bool force)
{
	const char *args[] = {"delete", force ? "--force" : id, force ? id : NULL, NULL};
	struct cubo_error *err = runtime_call(rt, args);
	if (!err || !force)
		return err;
	/*
	 * A runtime killed half way through a delete leaves its cgroups or its
	 * state directory behind, and callers cannot come back later (the
	 * container's record already says it is gone). delete --force is
	 * idempotent: once more finishes what the first left.
	 */
	struct cubo_error *again = runtime_call(rt, args);
	if (!again) {
		cubo_error_free(err);
		return NULL;
	}
	cubo_error_free(again);
	return err;
}

struct cubo_error *runtime_update(const struct ctr_runtime *rt, const char *id, char *const *flags)
{
	size_t n = 0;
	while (flags && flags[n])
		n++;
	const char **args = xcalloc(n + 3, sizeof(char *));
	args[0] = "update";
	for (size_t i = 0; i < n; i++)
		args[i + 1] = flags[i];
	args[n + 1] = id;
	struct cubo_error *err = runtime_call(rt, args);
	free(args);
	return err;
}

struct cubo_error *runtime_pause(const struct ctr_runtime *rt, const char *id, bool resume)
{
	const char *args[] = {resume ? "resume" : "pause", id, NULL};
	return runtime_call(rt, args);
}
