/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr top: a running container's processes, as docker top shows them.
 * The runtime lists the container's pids (`ps --format json`, runc's
 * interface); the host's ps(1) runs with the options given (default -ef);
 * its header is printed and each row whose PID column is one of those pids.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/ctr_view.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

extern char **environ;

/* What a command wrote on stdout, whole: it goes to a memfd, read when it exited. */
static struct cubo_error *read_back(int fd, char **out)
{
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return cubo_error_errno("lseek");
	char *buf = xmalloc((size_t)end + 1);
	ssize_t n = pread(fd, buf, (size_t)end, 0);
	if (n < 0) {
		free(buf);
		return cubo_error_errno("read");
	}
	buf[n] = '\0';
	*out = buf;
	return NULL;
}

static struct cubo_error *container_pids(const struct ctr_runtime *rt, const char *id, long **pids,
					 size_t *n)
{
	int fd = memfd_create("cubo-top", MFD_CLOEXEC);
	if (fd < 0)
		return cubo_error_errno("memfd_create");
	const char *args[] = {"ps", "--format", "json", id, NULL};
	int status;
	char *text = NULL;
	struct cubo_error *err = runtime_spawn_wait(rt, args, -1, fd, -1, &status);
	if (!err && status != 0)
		err = cubo_error_new("runtime %s ps exited with status %d", rt->path, status);
	if (!err)
		err = read_back(fd, &text);
	close(fd);
	yajl_val v = NULL;
	if (!err)
		err = cubo_json_parse(text, strlen(text), "the runtime's ps", &v);
	if (!err && !YAJL_IS_ARRAY(v))
		err = cubo_error_new("the runtime's ps: expected an array of pids");
	*pids = NULL;
	*n = 0;
	for (size_t i = 0; !err && i < v->u.array.len; i++) {
		yajl_val p = v->u.array.values[i];
		if (!YAJL_IS_INTEGER(p) || YAJL_GET_INTEGER(p) <= 0) {
			err = cubo_error_new("the runtime's ps: [%zu] is not a pid", i);
			break;
		}
		*pids = xreallocarray(*pids, *n + 1, sizeof(**pids));
		(*pids)[(*n)++] = (long)YAJL_GET_INTEGER(p);
	}
	if (v)
		yajl_tree_free(v);
	free(text);
	if (err) {
		free(*pids);
		*pids = NULL;
	}
	return err;
}

/* The host's `ps OPTIONS`, its stdout captured; its stderr passes through. */
static struct cubo_error *host_ps(char *const *opts, char **out)
{
	char **argv = NULL;
	size_t n = 0;
	cubo_strv_push(&argv, &n, "ps");
	if (!opts || !opts[0])
		cubo_strv_push(&argv, &n, "-ef");
	for (size_t i = 0; opts && opts[i]; i++)
		cubo_strv_push(&argv, &n, opts[i]);
	int fd = memfd_create("cubo-top-ps", MFD_CLOEXEC);
	if (fd < 0) {
		cubo_strv_free(argv);
		return cubo_error_errno("memfd_create");
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
	pid_t pid;
	int rc = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	struct cubo_error *err = NULL;
	if (rc != 0) {
		errno = rc;
		err = cubo_error_errno("run ps");
	} else {
		int ws;
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
		/* its own message (a bad option) went to our stderr */
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
			err = cubo_error_new("ps failed (status %d)",
					     WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
	}
	if (!err)
		err = read_back(fd, out);
	close(fd);
	cubo_strv_free(argv);
	return err;
}

/* The index of the whitespace-separated field named name in line, or -1. */
static long field_index(const char *line, size_t len, const char *name)
{
	long idx = 0;
	size_t i = 0, nl = strlen(name);
	while (i < len) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		size_t start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		if (i > start && i - start == nl && !memcmp(line + start, name, nl))
			return idx;
		if (i > start)
			idx++;
	}
	return -1;
}

/* The number in field idx of line, or -1. */
static long field_number(const char *line, size_t len, long idx)
{
	size_t i = 0;
	for (long f = 0; i < len; f++) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		size_t start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		if (f == idx && i > start) {
			long v = 0;
			for (size_t k = start; k < i; k++) {
				if (line[k] < '0' || line[k] > '9' || v > 100000000)
					return -1;
				v = v * 10 + (line[k] - '0');
			}
			return v;
		}
	}
	return -1;
}

static struct cubo_error *print_rows(const char *text, const long *pids, size_t n)
{
	const char *nl = strchr(text, '\n');
	size_t hlen = nl ? (size_t)(nl - text) : strlen(text);
	long idx = field_index(text, hlen, "PID");
	if (idx < 0)
		return cubo_error_new("couldn't find PID field in ps output");
	printf("%.*s\n", (int)hlen, text);
	for (const char *line = nl ? nl + 1 : NULL; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		long pid = field_number(line, len, idx);
		for (size_t i = 0; pid > 0 && i < n; i++)
			if (pids[i] == pid) {
				printf("%.*s\n", (int)len, line);
				break;
			}
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

int cmd_top(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const struct mgr_cmd_spec spec = {
		.name = "top",
		.usage = "top CONTAINER [ps OPTIONS]",
		MGR_ARGS(1, MGR_ARGS_ANY, "expected a container"),
		.description = "Show a running container's processes: the host's ps(1) with the "
			       "options\ngiven (default -ef), its rows for the container's "
			       "processes.",
		.stop_at_arg = true,
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct ctr_ctx c;
	struct ctr_record r = {0};
	long *pids = NULL;
	size_t n = 0;
	char *out = NULL;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (!err)
		err = ctr_find(&c, args.v[0], &r);
	if (!err && (r.status != CTR_RUNNING && r.status != CTR_PAUSED))
		err = cubo_error_new("container %s is not running", r.id);
	if (!err) {
		struct ctr_runtime rt = ctr_runtime_of(&c, &r);
		err = container_pids(&rt, r.id, &pids, &n);
	}
	if (!err)
		err = host_ps(args.v + 1, &out);
	if (!err)
		err = print_rows(out, pids, n);
	free(out);
	free(pids);
	ctr_record_free(&r);
	ctr_ctx_close(&c);
	return err ? mgr_fail(m, err) : 0;
}
