/* SPDX-License-Identifier: Apache-2.0 */
/* image_fetch.h through cubo-mgr-image: what the lean cubo-mgr does. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-mgr/image_fetch.h"
#include "shared/strv.h"

extern char **environ;

/* Next to this binary (a build tree, or a manual install), else where make install puts it. */
static void helper_path(char *buf, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			snprintf(buf, size, "%.*s/cubo-mgr-image", (int)(slash - self), self);
			if (access(buf, X_OK) == 0)
				return;
		}
	}
	snprintf(buf, size, "%s/cubo-mgr-image", PKGLIBEXECDIR);
}

int mgr_delegate(struct mgr *m, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	char path[PATH_MAX];
	helper_path(path, sizeof(path));
	fflush(NULL);
	execv(path, m->argv);
	return mgr_fail(m, cubo_error_errno("run %s", path));
}

/* Run `cubo-mgr-image GLOBALS args...`; its stdout goes to our stderr, its error comes back. */
static struct cubo_error *run_helper(struct mgr *m, const char *const *args)
{
	char path[PATH_MAX];
	helper_path(path, sizeof(path));
	char **argv = NULL;
	size_t n = 0;
	cubo_strv_push(&argv, &n, path);
	cubo_strv_push(&argv, &n, "--root-dir");
	cubo_strv_push(&argv, &n, m->root);
	if (m->registries_conf) {
		cubo_strv_push(&argv, &n, "--registries-conf");
		cubo_strv_push(&argv, &n, m->registries_conf);
	}
	if (m->auth_file) {
		cubo_strv_push(&argv, &n, "--authfile");
		cubo_strv_push(&argv, &n, m->auth_file);
	}
	for (size_t i = 0; args[i]; i++)
		cubo_strv_push(&argv, &n, args[i]);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		cubo_strv_free(argv);
		return cubo_error_errno("pipe");
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
	fflush(NULL);
	pid_t pid;
	int rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	cubo_strv_free(argv);
	close(p[1]);
	if (rc) {
		close(p[0]);
		return cubo_error_new_errno(rc, "run %s", path);
	}
	char msg[4096];
	size_t len = 0;
	ssize_t r;
	while ((r = read(p[0], msg + len, sizeof(msg) - 1 - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		len += (size_t)r;
		if (len == sizeof(msg) - 1)
			len = 0; /* keep the end: the error is the last line */
	}
	msg[len] = '\0';
	close(p[0]);
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return NULL;
	while (len && msg[len - 1] == '\n')
		msg[--len] = '\0';
	char *line = strrchr(msg, '\n');
	line = line ? line + 1 : msg;
	/* "cubo-mgr: the error": the prefix is ours to print */
	const char *colon = strstr(line, ": ");
	if (colon && !strncmp(line, m->prog, (size_t)(colon - line)))
		line = (char *)colon + 2;
	return cubo_error_new("%s", *line ? line : "cubo-mgr-image failed");
}

struct cubo_error *image_fetch_pull_platform(struct mgr *m, struct store *s, const char *ref,
					     const char *platform)
{
	(void)s;
	const char *args[] = {"pull", platform ? "--platform" : ref, platform,
			      platform ? ref : NULL, NULL};
	return run_helper(m, args);
}

struct cubo_error *image_fetch_pull(struct mgr *m, struct store *s, const char *ref)
{
	return image_fetch_pull_platform(m, s, ref, NULL);
}

struct cubo_error *image_fetch_extract(struct mgr *m, struct store *s,
				       const struct oci_descriptor *manifest)
{
	(void)s;
	const char *args[] = {"__extract-layers", manifest->digest, NULL};
	return run_helper(m, args);
}

int cmd_extract_layers(struct mgr *m, int argc, char **argv)
{
	return mgr_delegate(m, argc, argv);
}
