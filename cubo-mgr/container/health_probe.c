/* SPDX-License-Identifier: Apache-2.0 */
/* One run of a health check through the runtime's exec (health_probe.h). */
#include "cubo-mgr/container/health_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/timeutil.h"
#include "shared/xalloc.h"

/* reads of 16 KiB per readable output, at most: the loop goes on to its other work */
#define HEALTH_READ_BURST 4

static void probe_clear(struct health_probe *p)
{
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->pid_file)
		unlink(p->pid_file);
	if (p->log_file)
		unlink(p->log_file);
	free(p->pid_file);
	free(p->log_file);
	free(p->out.s);
	*p = (struct health_probe){.out_fd = -1};
}

struct cubo_error *health_probe_start(struct health_probe *p, const struct ctr_runtime *rt,
				      const char *id, const char *dir,
				      const struct oci_healthcheck *hc,
				      const struct health_timing *t)
{
	int fds[2];

	*p = (struct health_probe){.out_fd = -1, .timeout_ns = t->timeout};
	if (pipe2(fds, O_CLOEXEC) < 0)
		return cubo_error_errno("pipe");
	/* per process: the monitor's and a `healthcheck run`'s may run at once */
	p->pid_file = xasprintf("%s/health-%d.pid", dir, (int)getpid());
	p->log_file = xasprintf("%s/health-%d.log", dir, (int)getpid());
	unlink(p->pid_file);
	unlink(p->log_file);
	char **cmd = health_argv(hc);
	const char **args = NULL;
	size_t n = 0;
	/* the runtime's log says whether the command could not be started at all */
	const char *head[] = {"--log", p->log_file,  "--log-format", "json",
			      "exec",  "--pid-file", p->pid_file,    id};
	for (size_t i = 0; i < sizeof(head) / sizeof(*head); i++)
		cubo_strv_push((char ***)&args, &n, head[i]);
	for (size_t i = 0; cmd[i]; i++)
		cubo_strv_push((char ***)&args, &n, cmd[i]);
	cubo_strv_free(cmd);
	clock_gettime(CLOCK_REALTIME, &p->start);
	p->deadline_ns = cubo_monotonic_ns() + t->timeout;
	struct cubo_error *err = runtime_spawn(rt, args, -1, fds[1], fds[1], &p->pid);
	cubo_strv_free((char **)args);
	close(fds[1]);
	if (err) {
		close(fds[0]);
		p->pid = 0;
		probe_clear(p);
		return err;
	}
	p->out_fd = fds[0];
	fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	return NULL;
}

void health_probe_read(struct health_probe *p)
{
	char buf[16384];

	/* a bounded burst: a writer as fast as we read must not keep us here */
	for (int i = 0; i < HEALTH_READ_BURST && p->out_fd >= 0; i++) {
		ssize_t r = read(p->out_fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {
			close(p->out_fd);
			p->out_fd = -1;
			return;
		}
		size_t room = HEALTH_OUTPUT_MAX - p->out.len;
		if (room)
			cubo_strbuf_add(&p->out, buf, (size_t)r < room ? (size_t)r : room);
		p->truncated |= (size_t)r > room;
	}
}

/* The file's text, or false (a missing or unreadable file is no answer). */
static bool read_text(const char *path, char **out)
{
	size_t len;
	struct cubo_error *err = cubo_read_file(path, out, &len);
	bool ok = !err;
	cubo_error_free(err);
	return ok;
}

/*
 * SIGKILL pid, held by a pidfd so that a pid reused meanwhile is never hit:
 * only while its parent is still the runtime (or us, its subreaper).
 */
static void kill_command(pid_t pid, pid_t runtime)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return;
	char path[64], *stat;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_text(path, &stat)) {
		const char *end = strrchr(stat, ')');
		int ppid = 0;
		if (end && sscanf(end + 1, " %*c %d", &ppid) == 1 &&
		    (ppid == runtime || ppid == getpid()))
			syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
		free(stat);
	}
	close(fd);
}

void health_probe_kill(struct health_probe *p)
{
	char *text;

	if (!p->pid)
		return;
	p->timed_out = true;
	/* the command, inside the container: the runtime's child, or ours once the runtime died */
	if (read_text(p->pid_file, &text)) {
		long pid = strtol(text, NULL, 10);
		if (pid > 1 && pid <= INT_MAX)
			kill_command((pid_t)pid, p->pid);
		free(text);
	}
	kill(p->pid, SIGKILL);
}

/* Bytes of the valid UTF-8 sequence at s (at most n bytes), 0 when there is none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80	     ? 1
		     : (s[0] & 0xe0) == 0xc0 ? 2
		     : (s[0] & 0xf0) == 0xe0 ? 3
		     : (s[0] & 0xf8) == 0xf0 ? 4
					     : 0;
	if (!len || len > n || (len == 2 && s[0] < 0xc2) || (len == 4 && s[0] > 0xf4))
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((len == 3 && s[0] == 0xe0 && s[1] < 0xa0) ||
	    (len == 3 && s[0] == 0xed && s[1] > 0x9f) ||
	    (len == 4 && s[0] == 0xf0 && s[1] < 0x90) || (len == 4 && s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

/*
 * The output as JSON can carry it (Go's way): bad UTF-8 and NULs as U+FFFD;
 * "..." after it when some was dropped, as docker marks it.
 */
static char *output_text(const char *s, size_t n, bool truncated)
{
	struct cubo_strbuf b = {0};
	for (size_t i = 0; i < n;) {
		size_t len = s[i] ? utf8_len((const unsigned char *)s + i, n - i) : 0;
		if (len) {
			cubo_strbuf_add(&b, s + i, len);
			i += len;
		} else {
			cubo_strbuf_add_utf8(&b, 0xfffd);
			i++;
		}
	}
	if (truncated)
		cubo_strbuf_adds(&b, "...");
	return cubo_strbuf_take(&b);
}

/* The runtime's error when it could not start the command (its log), or NULL. */
static char *exec_failure(const struct health_probe *p, int ws)
{
	char *log, *msg;
	size_t len;

	if (!WIFEXITED(ws) || !read_text(p->log_file, &log))
		return NULL;
	msg = runtime_exec_error(WEXITSTATUS(ws), log);
	free(log);
	if (!msg)
		return NULL;
	len = strlen(msg);
	char *text = output_text(msg, len > HEALTH_OUTPUT_MAX ? HEALTH_OUTPUT_MAX : len,
				 len > HEALTH_OUTPUT_MAX);
	free(msg);
	return text;
}

void health_probe_finish(struct health_probe *p, int ws, struct health_result *r)
{
	struct timespec end;

	health_probe_read(p); /* what it wrote before it ended */
	clock_gettime(CLOCK_REALTIME, &end);
	cubo_time_rfc3339(&p->start, r->start);
	cubo_time_rfc3339(&end, r->end);
	if (p->timed_out) {
		char d[CUBO_DURATION_LEN];
		cubo_duration_format(p->timeout_ns, d);
		r->exit_code = -1;
		r->output = xasprintf("Health check exceeded timeout (%s)", d);
	} else if (!(r->output = exec_failure(p, ws))) {
		r->exit_code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
		r->output = output_text(p->out.s, p->out.len, p->truncated);
	} else { /* docker's -1 and the runtime's reason for a check that could not start */
		r->exit_code = -1;
	}
	probe_clear(p);
}

void health_probe_abort(struct health_probe *p)
{
	if (p->pid) {
		health_probe_kill(p);
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	probe_clear(p);
}

struct cubo_error *health_probe_run(const struct ctr_runtime *rt, const char *id, const char *dir,
				    const struct oci_healthcheck *hc, const struct health_timing *t,
				    struct health_result *r)
{
	struct health_probe p;

	CUBO_TRY(health_probe_start(&p, rt, id, dir, hc, t));
	int pidfd = (int)syscall(SYS_pidfd_open, p.pid, 0);
	if (pidfd < 0) {
		struct cubo_error *err = cubo_error_errno("pidfd_open");
		health_probe_abort(&p);
		return err;
	}
	for (;;) {
		struct pollfd fds[2] = {{pidfd, POLLIN, 0}, {p.out_fd, POLLIN, 0}};
		int64_t left = p.deadline_ns - cubo_monotonic_ns();
		/* poll's int of ms: a day at a time is plenty */
		int64_t ms64 = left <= 0 ? 0 : (left + 999999) / 1000000;
		int ms = p.timed_out ? -1 : ms64 > 86400000 ? 86400000 : (int)ms64;
		int n = poll(fds, 2, ms);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && fds[1].revents)
			health_probe_read(&p);
		if (n > 0 && fds[0].revents)
			break;
		if (!p.timed_out && cubo_monotonic_ns() >= p.deadline_ns)
			health_probe_kill(&p);
	}
	close(pidfd);
	int ws = 0;
	while (waitpid(p.pid, &ws, 0) < 0 && errno == EINTR)
		;
	health_probe_finish(&p, ws, r);
	return NULL;
}
