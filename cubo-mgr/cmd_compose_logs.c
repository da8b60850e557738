/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr compose logs: the output of the project's containers, each line prefixed with
 * the container's short name ("web-1  | "), as docker compose prints it. Each container's
 * lines come from the manager's own `logs` in a fork (so every log driver it reads works
 * here too), its stdout and stderr through two pipes, multiplexed with poll.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-mgr/cmd_compose.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* A longer line is cut there (a container that never writes a newline grows nothing). */
#define LINE_MAX_BYTES (64 * 1024)

struct stream {
	int fd; /* -1 once its end was read */
	FILE *out;
	struct cubo_strbuf line; /* what came since the last newline */
};

struct source {
	pid_t pid;
	const char *prefix;
	struct stream s[2]; /* the container's stdout, stderr */
};

/* docker compose's cycle of prefix colours */
static const int colours[] = {36, 33, 32, 35, 34, 96, 93, 92, 95, 94};

static char *make_prefix(const char *name, int width, int index, const struct compose_log_opts *o)
{
	if (o->no_prefix)
		return xstrdup("");
	if (!o->colour)
		return xasprintf("%-*s | ", width, name);
	return xasprintf("\033[%dm%-*s |\033[0m ",
			 colours[index % (sizeof(colours) / sizeof(*colours))], width, name);
}

static void emit(const struct source *src, struct stream *st, bool cut)
{
	if (!st->line.len && !cut)
		return;
	fprintf(st->out, "%s%.*s\n", src->prefix, (int)st->line.len, st->line.s ? st->line.s : "");
	fflush(st->out);
	st->line.len = 0;
}

/* What the stream has: whole lines printed, the rest kept; false at its end. */
static bool drain(const struct source *src, struct stream *st)
{
	char buf[16384];
	ssize_t n = read(st->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		if (st->line.len)
			emit(src, st, true);
		close(st->fd);
		st->fd = -1;
		return false;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			emit(src, st, true);
			continue;
		}
		cubo_strbuf_addc(&st->line, buf[i]);
		if (st->line.len >= LINE_MAX_BYTES)
			emit(src, st, true);
	}
	return true;
}

/* The child: `logs [FLAGS] NAME`, its stdout and stderr into the pipes. */
static void child(struct mgr *m, const char *name, const struct compose_log_opts *o, int out[2],
		  int err[2], const sigset_t *mask)
{
	sigprocmask(SIG_UNBLOCK, mask, NULL);
	/* a terminal's ^C reaches the whole group: attached up still shows the stop */
	if (o->on_signal)
		signal(SIGINT, SIG_IGN);
	if (dup2(out[1], STDOUT_FILENO) < 0 || dup2(err[1], STDERR_FILENO) < 0)
		_exit(MGR_EXIT_FAILURE);
	close(out[0]);
	close(out[1]);
	close(err[0]);
	close(err[1]);
	char **argv = NULL;
	size_t n = 0;
	cubo_strv_push(&argv, &n, "logs");
	if (o->follow)
		cubo_strv_push(&argv, &n, "--follow");
	if (o->timestamps)
		cubo_strv_push(&argv, &n, "--timestamps");
	const char *pairs[][2] = {
		{"--tail", o->tail}, {"--since", o->since}, {"--until", o->until}};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(*pairs); i++)
		if (pairs[i][1]) {
			cubo_strv_push(&argv, &n, pairs[i][0]);
			cubo_strv_push(&argv, &n, pairs[i][1]);
		}
	cubo_strv_push(&argv, &n, "--");
	cubo_strv_push(&argv, &n, name);
	int rc = mgr_dispatch(m, (int)n, argv);
	fflush(NULL);
	_exit(rc);
}

/* Start one source per name; the read ends non-blocking and not inherited by later ones. */
static struct cubo_error *start_sources(struct mgr *m, const struct compose_project *p,
					char **names, const struct compose_log_opts *o,
					const sigset_t *mask, struct source *src, char **prefixes)
{
	int width = 0;
	for (size_t i = 0; names[i]; i++) {
		int l = (int)strlen(compose_short_name(p, names[i])) + 1;
		width = l > width ? l : width;
	}
	for (size_t i = 0; names[i]; i++) {
		int out[2], err[2];
		if (pipe2(out, O_CLOEXEC) < 0)
			return cubo_error_errno("pipe");
		if (pipe2(err, O_CLOEXEC) < 0) {
			close(out[0]);
			close(out[1]);
			return cubo_error_errno("pipe");
		}
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			for (size_t j = 0; j < i; j++)
				for (int k = 0; k < 2; k++)
					if (src[j].s[k].fd >= 0)
						close(src[j].s[k].fd);
			child(m, names[i], o, out, err, mask);
		}
		close(out[1]);
		close(err[1]);
		if (pid < 0) {
			close(out[0]);
			close(err[0]);
			return cubo_error_errno("fork");
		}
		prefixes[i] = make_prefix(compose_short_name(p, names[i]), width, (int)i, o);
		src[i] = (struct source){
			.pid = pid,
			.prefix = prefixes[i],
			.s = {{.fd = out[0], .out = stdout}, {.fd = err[0], .out = stderr}}};
	}
	return NULL;
}

int compose_print_logs(struct mgr *m, const struct compose_project *p, char **names,
		       const struct compose_log_opts *o, bool *interrupted)
{
	size_t n = cubo_strv_len(names);
	*interrupted = false;
	if (!n)
		return 0;
	/* SIGINT and SIGTERM read from a signalfd: the sources are ended and waited for */
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (o->on_signal)
		sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	struct source *src = xcalloc(n, sizeof(*src));
	char **prefixes = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		src[i].s[0].fd = src[i].s[1].fd = -1;
	struct cubo_error *err = sfd < 0 ? cubo_error_errno("signalfd")
					 : start_sources(m, p, names, o, &mask, src, prefixes);
	struct pollfd *pf = xcalloc(2 * n + 1, sizeof(*pf));
	for (;;) {
		size_t k = 0;
		pf[k++] = (struct pollfd){.fd = sfd, .events = POLLIN};
		for (size_t i = 0; i < n; i++)
			for (int j = 0; j < 2; j++)
				pf[k++] = (struct pollfd){.fd = src[i].s[j].fd, .events = POLLIN};
		bool open = false;
		for (size_t i = 1; i < k; i++)
			open |= pf[i].fd >= 0;
		if (err || !open)
			break;
		if (poll(pf, k, -1) < 0) {
			if (errno == EINTR)
				continue;
			err = cubo_error_errno("poll");
			break;
		}
		if (pf[0].revents) {
			/* read, or it would be delivered when unblocked */
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
				continue;
			if (si.ssi_signo == SIGINT && isatty(STDERR_FILENO))
				fputc('\n', stderr); /* after the terminal's ^C */
			if (!o->on_signal || o->on_signal(o->arg, (int)si.ssi_signo)) {
				*interrupted = true;
				break;
			}
		}
		for (size_t i = 0; i < n; i++)
			for (int j = 0; j < 2; j++)
				if (pf[1 + 2 * i + j].revents)
					drain(&src[i], &src[i].s[j]);
	}
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (!src[i].pid)
			continue;
		if (*interrupted || err)
			kill(src[i].pid, SIGTERM);
		for (int j = 0; j < 2; j++) {
			if (src[i].s[j].fd >= 0)
				close(src[i].s[j].fd);
			free(src[i].s[j].line.s);
		}
		int status;
		while (waitpid(src[i].pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!rc && !*interrupted && WIFEXITED(status) && WEXITSTATUS(status))
			rc = WEXITSTATUS(status);
	}
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(pf);
	free(src);
	cubo_strv_free(prefixes);
	if (err)
		return mgr_fail(m, err);
	return rc;
}

int compose_logs_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	struct compose_log_opts o = {0};
	bool no_color = false;
	const struct cli_opt opts[] = {
		{"follow", 'f', CLI_BOOL, &o.follow, NULL,
		 "keep printing until every container stops (or Ctrl-C)"},
		{"timestamps", 't', CLI_BOOL, &o.timestamps, NULL, "each line's time too"},
		{"tail", 'n', CLI_STRING, &o.tail, "N",
		 "the last N lines of each container (default all)"},
		{"since", 0, CLI_STRING, &o.since, "TIME", "only lines from then on"},
		{"until", 0, CLI_STRING, &o.until, "TIME", "only lines up to then"},
		{"no-color", 0, CLI_BOOL, &no_color, NULL,
		 "no colours (there are none off a terminal)"},
		{"no-log-prefix", 0, CLI_BOOL, &o.no_prefix, NULL, "no \"NAME  | \" prefix"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "compose logs",
		.usage = "compose logs [OPTIONS] [SERVICE...]",
		MGR_ARGS(0, MGR_ARGS_ANY, NULL),
		.description = "Print the output of the project's containers (of the SERVICE "
			       "arguments), each line after its container's name: \"web-1  | \". "
			       "Stdout to stdout, stderr to stderr.",
		MGR_OPTS(opts),
	};
	struct compose_project p;
	int rc = compose_parse_load(m, c, &spec, argc, argv, &args, &p);
	if (rc >= 0)
		return rc;
	o.colour = !no_color && isatty(STDOUT_FILENO);
	char **names;
	if ((rc = compose_targets(m, &p, &args, COMPOSE_ALL, &names)) < 0) {
		bool interrupted;
		rc = compose_print_logs(m, &p, names, &o, &interrupted);
		if (interrupted)
			rc = 130;
	}
	cubo_strv_free(names);
	compose_project_free(&p);
	return rc;
}
