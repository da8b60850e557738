/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ps`: the processes in a container's cgroup. The table is ps(1)'s own
 * output (default arguments -ef, as runc) cut down to the container's pids;
 * --format json prints the pids alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-runc/cgroup.h"
#include "cubo-runc/container.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/validate.h"
#include "cubo-runc/runc.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Index of the PID column in ps's header line, or -1. */
static int pid_column(const char *header)
{
	char *copy = xstrdup(header), *save = NULL;
	int i = 0, col = -1;

	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save), i++)
		if (!strcmp(t, "PID")) {
			col = i;
			break;
		}
	free(copy);
	return col;
}

static long field_at(const char *line, int col)
{
	const char *p = line;

	for (int i = 0;; i++) {
		char *end;
		long v;

		p += strspn(p, " \t");
		if (!*p)
			return -1;
		if (i == col) {
			v = strtol(p, &end, 10);
			return end == p ? -1 : v;
		}
		p += strcspn(p, " \t");
	}
}

/* Run ps with args and print its header and the lines of the given pids. */
static struct cubo_error *print_table(char **ps_args, size_t n_args, const pid_t *pids, size_t n)
{
	char **argv = xcalloc(n_args + 2, sizeof(*argv)), *line = NULL;
	size_t cap = 0;
	int fds[2], status, col = -1;
	bool header = true;
	pid_t child;
	FILE *f;

	argv[0] = "ps";
	for (size_t i = 0; i < n_args; i++)
		argv[i + 1] = ps_args[i];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(argv);
		return cubo_error_errno("ps: pipe");
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		free(argv);
		close(fds[0]);
		close(fds[1]);
		return cubo_error_errno("ps: fork");
	}
	if (child == 0) {
		dup2(fds[1], 1);
		execvp("ps", argv);
		fprintf(stderr, "cubo-runc: ps: exec ps: %s\n", strerror(errno));
		_exit(127);
	}
	free(argv);
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!f) {
		close(fds[0]);
		waitpid(child, NULL, 0);
		return cubo_error_errno("ps: fdopen");
	}
	while (getline(&line, &cap, f) > 0) {
		if (header) {
			header = false;
			col = pid_column(line);
			fputs(line, stdout);
			continue;
		}
		if (col >= 0 && has_pid(pids, n, field_at(line, col)))
			fputs(line, stdout);
	}
	free(line);
	fclose(f);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return cubo_error_errno("ps: wait");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return cubo_error_new("ps exited with status %d", WEXITSTATUS(status));
	if (col < 0)
		return cubo_error_new("ps: no PID column in its output (try -ef)");
	return NULL;
}

static void print_json(const pid_t *pids, size_t n)
{
	putchar('[');
	for (size_t i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", (int)pids[i]);
	printf("]\n");
}

int cmd_ps(struct runc_globals *g, int argc, char **argv)
{
	const char *format = "table";
	struct container *c = NULL;
	struct cgroup_set *cg = NULL;
	struct cubo_error *err;
	pid_t *pids = NULL;
	size_t n = 0;
	bool help;
	int first;
	const struct runc_opt opts[] = {
		{"format", 'f', OPT_STRING, &format, "FORMAT", "table (ps -ef lines) or json"},
	};
	static char *default_args[] = {"-ef"};

	err = opts_parse(argc, argv, opts, OPTS_N(opts), &help, &first);
	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, g->summary,
				"cubo-runc ps [options] CONTAINER_ID [ps options]",
				"List the processes in a container's cgroup; the table comes from "
				"ps(1) with the given options (default -ef).",
				opts, OPTS_N(opts));
		return 0;
	}
	if (argc - first < 1)
		return runc_fail(g, cubo_error_new("ps: expected a container id"));
	if (strcmp(format, "table") && strcmp(format, "json"))
		return runc_fail(g,
				 cubo_error_new("ps: --format %s: expected table or json", format));
	err = validate_container_id(argv[first]);
	if (!err)
		err = container_load(g->root, argv[first], false, &c);
	/* A stopped container has no processes: an empty list, as runc prints,
	 * so a caller polling ps across the container's exit sees no error. */
	if (!err && c->state && container_status(c) != STATUS_STOPPED) {
		err = cgroup_set_from_strlist(&c->state->cgroup_paths, &cg);
		if (!err)
			err = cgroup_set_pids(cg, &pids, &n);
	}
	if (!err && !strcmp(format, "json"))
		print_json(pids, n);
	else if (!err && argc - first > 1)
		err = print_table(argv + first + 1, (size_t)(argc - first - 1), pids, n);
	else if (!err)
		err = print_table(default_args, 1, pids, n);
	free(pids);
	cgroup_set_free(cg);
	container_free(c);
	return err ? runc_fail(g, cubo_error_wrap(err, "ps")) : 0;
}
