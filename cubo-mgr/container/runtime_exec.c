/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `RUNTIME exec` in the foreground, for cubo-mgr exec. The runtime exits
 * 255 when it cannot start the command (runc's code, and cubo-runc's), but
 * docker's users and scripts expect 127 for a command that is not found and
 * 126 for one that cannot be run. So the runtime runs as our child with its
 * log (JSON, as runc writes it) on a memfd, and a 255 that comes with an
 * error line there becomes 126 or 127 from the message's words, as podman
 * decides it. Any other status, the command's own, passes through.
 *
 * While the runtime runs we only wait: the terminal's signals reach it
 * directly (it is in our process group), and a signal sent to us with
 * kill(2) is passed on to it, so `kill` of this process still reaches the
 * command through the runtime's own forwarding.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-mgr/container/runtime.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* The runtime's code for an exec it could not carry out. */
#define RUNTIME_EXEC_FAILED 255
/* The log lines read back: an error is one line; the rest is not needed. */
#define EXEC_LOG_MAX (64 * 1024)

static const int passed_on[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};

/* The last error line of the log (from its "level" on): the runtime's final word. */
static const char *last_error(int status, const char *log)
{
	const char *line = NULL, *p;

	if (status != RUNTIME_EXEC_FAILED || !log)
		return NULL;
	for (p = log; (p = strstr(p, "\"level\":\"error\"")); p++)
		line = p;
	return line;
}

char *runtime_exec_error(int status, const char *log)
{
	const char *line = last_error(status, log);
	if (!line)
		return NULL;
	while (line > log && line[-1] != '\n')
		line--;
	yajl_val v;
	struct cubo_error *err = cubo_json_parse(line, strcspn(line, "\n"), "log", &v);
	if (err) {
		cubo_error_free(err);
		return NULL;
	}
	yajl_val msg = cubo_json_get(v, "msg");
	char *text = YAJL_IS_STRING(msg) ? xstrdup(YAJL_GET_STRING(msg)) : NULL;
	yajl_tree_free(v);
	return text;
}

int runtime_exec_code(int status, const char *log)
{
	const char *line = last_error(status, log);
	if (!line)
		return status;
	char *text = xstrndup(line, strcspn(line, "\n"));
	int code = strcasestr(text, "not found") || strcasestr(text, "no such file") ? 127 : 126;
	free(text);
	return code;
}

static char *read_log(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || st.st_size <= 0)
		return NULL;
	size_t len = st.st_size > EXEC_LOG_MAX ? EXEC_LOG_MAX : (size_t)st.st_size;
	off_t off = st.st_size - (off_t)len;
	char *buf = xmalloc(len + 1);
	ssize_t n = pread(fd, buf, len, off);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	return buf;
}

/* Wait for the child, passing on the signals sent to us; its wait status. */
static struct cubo_error *wait_passing_signals(pid_t pid, int sigfd, int *wstatus)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0)
		return cubo_error_errno("pidfd_open");
	for (;;) {
		struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
				      {.fd = sigfd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			close(pidfd);
			return cubo_error_errno("poll");
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			/* the terminal's signals reached the runtime already */
			if (read(sigfd, &si, sizeof(si)) == sizeof(si) && si.ssi_code != SI_KERNEL)
				kill(pid, (int)si.ssi_signo);
		}
		if (p[0].revents & POLLIN)
			break;
	}
	close(pidfd);
	while (waitpid(pid, wstatus, 0) < 0)
		if (errno != EINTR)
			return cubo_error_errno("wait for the runtime");
	return NULL;
}

struct cubo_error *runtime_exec_fg(const struct ctr_runtime *rt, char **args, int *code)
{
	struct cubo_error *err = NULL;
	sigset_t mask, old;
	char logpath[64];
	char **full = NULL;
	size_t n = 0;
	int wstatus = 0, sigfd = -1;
	int logfd = memfd_create("cubo-exec-log", MFD_CLOEXEC);

	if (logfd < 0)
		return cubo_error_errno("memfd_create");
	/* the fd number is the same in the child, where it stays open */
	snprintf(logpath, sizeof(logpath), "/proc/self/fd/%d", logfd);
	cubo_strv_push(&full, &n, "--log");
	cubo_strv_push(&full, &n, logpath);
	cubo_strv_push(&full, &n, "--log-format");
	cubo_strv_push(&full, &n, "json");
	for (size_t i = 0; args[i]; i++)
		cubo_strv_push(&full, &n, args[i]);
	char **argv = runtime_argv(rt, (const char *const *)full);

	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof(passed_on) / sizeof(passed_on[0]); i++)
		sigaddset(&mask, passed_on[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sigfd < 0) {
		err = cubo_error_errno("signalfd");
		goto out;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		err = cubo_error_errno("fork");
		goto out;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		fcntl(logfd, F_SETFD, 0);
		execvp(rt->path, argv);
		fprintf(stderr, "cubo-mgr: run the runtime %s: %s\n", rt->path, strerror(errno));
		_exit(127);
	}
	err = wait_passing_signals(pid, sigfd, &wstatus);
	if (!err && WIFSIGNALED(wstatus)) {
		*code = 128 + WTERMSIG(wstatus);
	} else if (!err) {
		char *log = read_log(logfd);
		*code = runtime_exec_code(WEXITSTATUS(wstatus), log);
		free(log);
	}
out:
	if (sigfd >= 0)
		close(sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(logfd);
	free(argv);
	cubo_strv_free(full);
	return err;
}
