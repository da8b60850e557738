/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr events: the journal (events/journal.h) read and filtered, docker's
 * way. --since reads what is recorded from then; without --until the new
 * events follow as they come (inotify on the journal's directory, no
 * polling) until SIGINT, SIGTERM or a closed output, which end it with 0,
 * as docker's stream ends. An --until in the future follows until then.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/cmd_events.h"
#include "cubo-mgr/container/logfile.h"
#include "cubo-mgr/events/filter.h"
#include "cubo-mgr/events/journal.h"
#include "cubo-mgr/format.h"
#include "shared/json.h"
#include "shared/strv.h"

struct printer {
	struct ev_filter filter;
	struct mgr_format fmt;
	int64_t since, until; /* ns since the epoch; 0: no bound */
	enum mgr_events_style style;
	char *const *services; /* compose: only these services' events (NULL: all) */
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct cubo_error *print_event(const struct ev_event *e, void *ctx)
{
	struct printer *p = ctx;
	if ((p->since && e->time_ns < p->since) || (p->until && e->time_ns > p->until) ||
	    !ev_filter_match(&p->filter, e))
		return NULL;
	if (p->style != MGR_EVENTS_DOCKER && strcmp(e->type, "container"))
		return NULL;
	if (p->services) {
		const char *svc = ev_event_get(e, "com.docker.compose.service");
		if (!svc || !cubo_strv_contains(p->services, svc))
			return NULL;
	}
	if (p->style == MGR_EVENTS_COMPOSE) {
		char *line = ev_event_compose_text(e);
		puts(line);
		free(line);
	} else if (p->style == MGR_EVENTS_COMPOSE_JSON) {
		struct cubo_json_gen *g;
		char *text;
		size_t len;
		CUBO_TRY(cubo_json_gen_new(false, &g));
		ev_event_compose_gen(e, g);
		CUBO_TRY(cubo_json_gen_finish(g, &text, &len));
		puts(text);
		free(text);
	} else if (p->fmt.kind == MGR_FORMAT_DEFAULT) {
		char *line = ev_event_text(e);
		puts(line);
		free(line);
	} else {
		struct cubo_json_gen *g;
		CUBO_TRY(cubo_json_gen_new(false, &g));
		ev_event_gen(e, g);
		CUBO_TRY(mgr_format_add(&p->fmt, g));
		mgr_format_flush(&p->fmt, NULL, 0);
	}
	return NULL;
}

/* What was printed, out now; a reader gone (EPIPE) ends the stream. */
static struct cubo_error *flush_out(bool *closed)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return NULL;
	if (errno == EPIPE) {
		*closed = true;
		return NULL;
	}
	return cubo_error_errno("write the events");
}

/*
 * Follow r until a signal in mask comes (or the output closes, or the
 * --until time passes). The watch is on the directory: the journal is
 * created and renamed there, and its writes show as IN_MODIFY of an entry.
 */
static struct cubo_error *follow(struct ev_reader *r, struct printer *p, const sigset_t *mask)
{
	int sfd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return cubo_error_errno("signalfd");
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in < 0) {
		close(sfd);
		return cubo_error_errno("inotify");
	}
	struct cubo_error *err = NULL;
	if (inotify_add_watch(in, r->dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
		err = cubo_error_errno("watch %s", r->dir);
	bool closed = false;
	int out = fcntl(STDOUT_FILENO, F_GETFD) < 0 ? -1 : STDOUT_FILENO;
	/* what came between the first read and the watch */
	if (!err)
		err = ev_reader_read(r, print_event, p);
	if (!err)
		err = flush_out(&closed);
	while (!err && !closed) {
		int timeout = -1;
		if (p->until) {
			int64_t left = (p->until - now_ns()) / 1000000 + 1;
			if (left <= 0)
				break;
			timeout = left > 60000 ? 60000 : (int)left;
		}
		/* stdout too: a pipe whose reader left reports POLLERR, before any write */
		struct pollfd pf[3] = {{sfd, POLLIN, 0}, {in, POLLIN, 0}, {out, 0, 0}};
		int n = poll(pf, 3, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = cubo_error_errno("poll");
			break;
		}
		if (pf[0].revents) {
			struct signalfd_siginfo si;
			/* the terminal echoed ^C: what comes next starts a line of its own */
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si) &&
			    si.ssi_signo == SIGINT && isatty(STDERR_FILENO))
				fputc('\n', stderr);
			break;
		}
		if (pf[2].revents & (POLLERR | POLLHUP))
			break;
		if (pf[1].revents) {
			char buf[4096];
			while (read(in, buf, sizeof(buf)) > 0)
				;
		}
		err = ev_reader_read(r, print_event, p);
		if (!err)
			err = flush_out(&closed);
	}
	close(in);
	close(sfd);
	return err;
}

static struct cubo_error *parse_time(const char *flag, const char *s, int64_t *out)
{
	if (!s)
		return NULL;
	if (!log_time_arg(s, now_ns(), out))
		return cubo_error_new("%s \"%s\": expected a time (RFC 3339, unix seconds) or a "
				      "duration (10m, 1h30m)",
				      flag, s);
	if (*out == 0) /* the epoch itself: everything, as no bound */
		*out = 1;
	return NULL;
}

static struct cubo_error *run_events(struct mgr *m, struct printer *p)
{
	struct ev_reader r;
	/* without --since only what comes next, as docker */
	struct cubo_error *err = ev_reader_open(m->root, p->since != 0, &r);
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	/* a closed output is EPIPE from the write, not the end of the process */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
	sigaction(SIGPIPE, &ign, &old_pipe);
	sigprocmask(SIG_BLOCK, &mask, &old);
	bool closed = false;
	if (!err)
		err = ev_reader_read(&r, print_event, p);
	if (!err)
		err = flush_out(&closed);
	if (!err && !closed && (!p->until || p->until > now_ns()))
		err = follow(&r, p, &mask);
	/* a signal that came meanwhile is taken here, not delivered after the unblock */
	struct timespec zero = {0};
	while (sigtimedwait(&mask, NULL, &zero) > 0)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	ev_reader_close(&r);
	return err;
}

int cmd_events(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const char *since = NULL, *until = NULL, *format = NULL;
	char **filters = NULL;
	const struct cli_opt opts[] = {
		{"filter", 'f', CLI_LIST, &filters, "KEY=VALUE",
		 "only matching events (type, event, container, image, volume, network, label)"},
		{"format", 0, CLI_STRING, &format, "FORMAT",
		 "json (one object a line) or a Go template (\"{{.Action}} {{.Actor.ID}}\")"},
		{"since", 0, CLI_STRING, &since, "TIME",
		 "recorded events from then on (RFC 3339, unix seconds, or 10m for 10 minutes "
		 "ago)"},
		{"until", 0, CLI_STRING, &until, "TIME",
		 "stop at that time (default: follow new events until interrupted)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "events",
		.usage = "events [OPTIONS]",
		MGR_ARGS(0, 0, "accepts no arguments"),
		.description =
			"Print what happens to containers, images, volumes and networks, from the\n"
			"journal every cubo command and container monitor writes to. Without\n"
			"--until, new events are printed as they come until Ctrl-C. Filters of\n"
			"one key are ORed, of different keys ANDed.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0) {
		cubo_strv_free(filters);
		return rc;
	}
	rc = mgr_events_stream(m, "events", filters, NULL, since, until, format, MGR_EVENTS_DOCKER);
	cubo_strv_free(filters);
	return rc;
}

int mgr_events_stream(struct mgr *m, const char *cmd, char *const *filters, char *const *services,
		      const char *since, const char *until, const char *format,
		      enum mgr_events_style style)
{
	struct printer p = {.style = style, .services = services};
	struct cubo_error *err = parse_time("--since", since, &p.since);
	if (!err)
		err = parse_time("--until", until, &p.until);
	for (size_t i = 0; !err && filters && filters[i]; i++)
		err = ev_filter_add(&p.filter, filters[i]);
	if (!err)
		err = mgr_format_open(format, &p.fmt);
	if (err) {
		ev_filter_free(&p.filter);
		return mgr_usage_error(m, cmd, err);
	}
	p.fmt.tf.table = false; /* a stream has no header row */
	err = run_events(m, &p);
	mgr_format_close(&p.fmt);
	ev_filter_free(&p.filter);
	return err ? mgr_fail(m, err) : 0;
}
