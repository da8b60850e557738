/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-init: the init `cubo-mgr run --init` puts at PID 1 of a container
 * (bound read-only at /run/cubo-init), as docker's docker-init (tini) and
 * podman's catatonit do:
 *
 *   cubo-init [-g] [--] COMMAND [ARG...]
 *
 * It runs COMMAND as its child in a process group of its own (the
 * terminal's foreground group when there is one), reaps every process that
 * ends up its child -- orphans re-parented to PID 1 would otherwise stay
 * zombies -- forwards the signals it gets to COMMAND (to its whole process
 * group with -g), and exits with COMMAND's status: its exit code, or 128 +
 * the signal that killed it.
 *
 * It stands alone and is linked statically: it runs in any image, and the
 * project's libraries (JSON, digests) have nothing to give it.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Signals about a fault of this process itself: never blocked or forwarded. */
static bool synchronous(int sig)
{
	return sig == SIGFPE || sig == SIGILL || sig == SIGSEGV || sig == SIGBUS ||
	       sig == SIGABRT || sig == SIGTRAP || sig == SIGSYS;
}

static void usage(FILE *f)
{
	fputs("usage: cubo-init [-g] [--] COMMAND [ARG...]\n"
	      "Run COMMAND as the child of an init that reaps zombies and forwards\n"
	      "signals; exit with its status (128 + signal when a signal killed it).\n"
	      "  -g  forward signals to COMMAND's whole process group\n",
	      f);
}

static pid_t spawn(char **argv, const sigset_t *old)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	/* a group of its own, in the terminal's foreground when there is one */
	setpgid(0, 0);
	signal(SIGTTOU, SIG_IGN);
	if (tcsetpgrp(STDIN_FILENO, getpgrp()) < 0 && errno != ENOTTY && errno != EBADF &&
	    errno != ENXIO)
		fprintf(stderr, "cubo-init: make the command the terminal's foreground: %s\n",
			strerror(errno));
	signal(SIGTTOU, SIG_DFL);
	sigprocmask(SIG_SETMASK, old, NULL);
	execvp(argv[0], argv);
	int err = errno;
	fprintf(stderr, "cubo-init: exec %s: %s\n", argv[0], strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

/* Reap whatever has ended; true once the command has, its status in *status. */
static bool reap(pid_t child, int *status)
{
	bool done = false;
	for (;;) {
		int ws;
		pid_t p = waitpid(-1, &ws, WNOHANG);
		if (p <= 0)
			return done;
		if (p == child) {
			*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
			done = true;
		}
	}
}

int main(int argc, char **argv)
{
	bool group = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-g")) {
			group = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "cubo-init: unknown option %s\n", argv[i]);
			usage(stderr);
			return 125;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 125;
	}
	/* not PID 1 (a container without a pid namespace): orphans still come to us */
	if (getpid() != 1)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigset_t all, old;
	sigfillset(&all);
	for (int s = 1; s < NSIG; s++)
		if (synchronous(s))
			sigdelset(&all, s);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid_t child = spawn(argv + i, &old);
	if (child < 0) {
		fprintf(stderr, "cubo-init: fork: %s\n", strerror(errno));
		return 125;
	}
	int status = 0;
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "cubo-init: sigwaitinfo: %s\n", strerror(errno));
			return 125;
		}
		if (sig == SIGCHLD) {
			if (reap(child, &status))
				return status;
			continue;
		}
		/* the command may be gone already; its exit comes as SIGCHLD */
		if (kill(group ? -child : child, sig) < 0 && errno != ESRCH)
			fprintf(stderr, "cubo-init: forward signal %d: %s\n", sig, strerror(errno));
	}
}
