/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attached `compose up`: the containers' logs until they have all stopped, and what a
 * SIGINT or SIGTERM does meanwhile, as docker compose does it: the first stops them
 * gracefully (their stop signals and timeouts, dependents first), a second one during
 * that stop kills them. SIGINT and SIGTERM stay blocked from the logs to the end of the
 * stop: a second signal (an impatient ^C, or a supervisor's SIGTERM after the
 * terminal's SIGINT) must not end the manager before the containers have ended, which
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

/* The signals of one attached up: SIGINT and SIGTERM (and SIGCHLD while it stops). */
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

/*
 * The stop after a first signal, in a fork so that a second signal can still be heard:
 * that one kills the containers, which ends the stop early. SIGINT, SIGTERM and SIGCHLD
 * are blocked here (the caller blocked the first two).
 */
static int stop_gracefully(struct mgr *m, char **names)
{
	fprintf(stderr, "Gracefully stopping... (press Ctrl+C again to force)\n");
	char **stop = command_of("stop", names);
	pid_t pid;
	struct cubo_error *err = compose_dispatch_start(m, stop, false, &pid);
	cubo_strv_free(stop);
	if (err)
		return mgr_fail(m, err);
	sigset_t set;
	attach_signals(&set, true);
	bool forced = false;
	int status = 0;
	for (;;) {
		int sig = sigwaitinfo(&set, NULL);
		if (sig < 0 && errno != EINTR)
			return mgr_fail(m, cubo_error_errno("wait for a signal"));
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return mgr_fail(m, cubo_error_errno("wait for stop"));
		if ((sig == SIGINT || sig == SIGTERM) && !forced) {
			forced = true;
			char **kill = command_of("kill", names);
			if (!compose_dispatch(m, kill, false))
				for (size_t i = 1; kill[i]; i++)
					fprintf(stderr, " Container %s  Killed\n", kill[i]);
			cubo_strv_free(kill);
		}
	}
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : MGR_EXIT_FAILURE;
	if (!rc && !forced)
		for (size_t i = cubo_strv_len(names); i-- > 0;)
			fprintf(stderr, " Container %s  Stopped\n", names[i]);
	return rc ? rc : 130;
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
	bool interrupted;
	rc = compose_print_logs(m, p, names, &o, &interrupted);
	if (interrupted)
		rc = stop_gracefully(m, names);
	cubo_strv_free(names);
	/* a signal still pending was answered already: it must not end the manager now */
	static const struct timespec zero = {0};
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
