/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attached `compose up`: the containers' logs until they have all stopped, and what a
 * SIGINT or SIGTERM does meanwhile, as docker compose does it: the first stops them
 * gracefully (their stop signals and timeouts, dependents first) while their last lines
 * are still shown, a second one during that stop kills them. SIGINT and SIGTERM stay blocked from
 * the logs to the end of the stop: a second signal (an impatient ^C, or a supervisor's SIGTERM
 * after the terminal's SIGINT) must not end the manager before the containers have ended, which
 * would leave them running with nobody stopping them.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/cmd_compose.h"
#include "shared/strv.h"

/* The signals of one attached up: SIGINT and SIGTERM (and SIGCHLD: the stop's end). */
static void attach_signals(sigset_t *set, bool chld)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	if (chld)
		sigaddset(set, SIGCHLD);
}

/* argv: "stop" or "kill", then the names; the manager's command of that name. */
static char **command_of(const char *cmd, char **names)
{
	char **argv = NULL;
	size_t n = 0;
	cubo_strv_push(&argv, &n, cmd);
	for (size_t i = cubo_strv_len(names); i-- > 0;) /* dependents first */
		cubo_strv_push(&argv, &n, names[i]);
	return argv;
}

/* The state of one attached up's stop. */
struct graceful {
	struct mgr *m;
	char **names;
	int signals;	/* SIGINT and SIGTERM received */
	pid_t stop;	/* the stop's fork while it runs, else 0 */
	int stop_rc;	/* its exit code once it ended */
	bool stop_done; /* it ended */
};

/* The stop's fork ended? Its exit code into g. */
static void reap_stop(struct graceful *g, bool block)
{
	int status;
	if (g->stop <= 0)
		return;
	pid_t w;
	while ((w = waitpid(g->stop, &status, block ? 0 : WNOHANG)) < 0 && errno == EINTR)
		;
	if (w == 0)
		return;
	g->stop = 0;
	g->stop_done = true;
	g->stop_rc = w < 0 || !WIFEXITED(status) ? MGR_EXIT_FAILURE : WEXITSTATUS(status);
}

/*
 * A signal while following the logs. The first SIGINT or SIGTERM starts the stop in a
 * fork, and the logs go on (the containers' last lines are shown) until the containers
 * have ended; a second one kills them. True ends the logs now: the stop could not start,
 * or it failed and the containers may never end.
 */
static bool on_signal(void *arg, int signo)
{
	struct graceful *g = arg;
	if (signo == SIGCHLD) {
		reap_stop(g, false);
		return g->stop_done && g->stop_rc;
	}
	if (++g->signals == 1) {
		fprintf(stderr, "Gracefully stopping... (press Ctrl+C again to force)\n");
		char **stop = command_of("stop", g->names);
		struct cubo_error *err = compose_dispatch_start(g->m, stop, false, &g->stop);
		cubo_strv_free(stop);
		if (err) {
			g->stop_done = true;
			g->stop_rc = mgr_fail(g->m, err);
			return true;
		}
	} else if (g->signals == 2) {
		char **kill = command_of("kill", g->names);
		if (!compose_dispatch(g->m, kill, false))
			for (size_t i = 1; kill[i]; i++)
				fprintf(stderr, " Container %s  Killed\n", kill[i]);
		cubo_strv_free(kill);
	}
	return false;
}

int compose_attach(struct mgr *m, const struct compose_project *p, const struct cli_args *args,
		   const struct timespec *since)
{
	char **names, day[32], buf[64];
	int rc = compose_targets(m, p, args, COMPOSE_ALL, &names);
	if (rc >= 0)
		return rc;
	sigset_t set, old;
	attach_signals(&set, true);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* to the nanosecond: lines of an earlier up in the same second are not shown */
	struct tm tm;
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", gmtime_r(&since->tv_sec, &tm));
	snprintf(buf, sizeof(buf), "%s.%09ldZ", day, since->tv_nsec);
	struct compose_log_opts o = {.follow = true, .colour = isatty(STDOUT_FILENO), .since = buf};
	fprintf(stderr, "Attaching to");
	for (size_t i = 0; names[i]; i++)
		fprintf(stderr, "%s %s", i ? "," : "", compose_short_name(p, names[i]));
	fprintf(stderr, "\n");
	struct graceful g = {.m = m, .names = names};
	o.on_signal = on_signal;
	o.arg = &g;
	bool interrupted;
	rc = compose_print_logs(m, p, names, &o, &interrupted);
	if (g.signals) {
		/* every container ended: so does the stop, at once */
		reap_stop(&g, true);
		if (!g.stop_rc && g.signals == 1)
			for (size_t i = cubo_strv_len(names); i-- > 0;)
				fprintf(stderr, " Container %s  Stopped\n", names[i]);
		rc = g.stop_rc ? g.stop_rc : 130;
	}
	cubo_strv_free(names);
	/* a signal still pending was answered already: it must not end the manager now */
	static const struct timespec zero = {0};
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
