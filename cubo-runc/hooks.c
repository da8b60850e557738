/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cubo-runc/hooks.h"
#include "shared/fs.h"

#define OUTPUT_TAIL 512
/* Without a pidfd, how often a running hook is looked at. */
#define NO_PIDFD_LOOK_MS 10

const char *hook_kind_name(enum hook_kind kind)
{
	static const char *const names[] = {"prestart",	      "createRuntime", "createContainer",
					    "startContainer", "poststart",     "poststop"};
	return names[kind];
}

const struct oci_hook_list *hooks_list(const struct oci_hooks *h, enum hook_kind kind)
{
	if (!h)
		return NULL;
	switch (kind) {
	case HOOK_PRESTART:
		return &h->prestart;
	case HOOK_CREATE_RUNTIME:
		return &h->create_runtime;
	case HOOK_CREATE_CONTAINER:
		return &h->create_container;
	case HOOK_START_CONTAINER:
		return &h->start_container;
	case HOOK_POSTSTART:
		return &h->poststart;
	case HOOK_POSTSTOP:
		return &h->poststop;
	}
	return NULL;
}

__attribute__((noreturn)) static void hook_child(const struct oci_hook *hk, int in, int out,
						 const char *cwd)
{
	char *const empty[] = {NULL};
	char *const self[] = {hk->path, NULL};

	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	if (cwd && chdir(cwd) < 0) {
		fprintf(stderr, "chdir %s: %s\n", cwd, strerror(errno));
		_exit(126);
	}
	/* nothing of the runtime's reaches the hook */
	syscall(SYS_close_range, 3, ~0U, 0);
	execve(hk->path, hk->args.v ? hk->args.v : self, hk->env.v ? hk->env.v : empty);
	fprintf(stderr, "exec %s: %s\n", hk->path, strerror(errno));
	_exit(127);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void keep_tail(char *tail, size_t *tail_len, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (*tail_len == OUTPUT_TAIL) {
			memmove(tail, tail + 1, OUTPUT_TAIL - 1);
			(*tail_len)--;
		}
		tail[(*tail_len)++] = buf[i];
	}
}

static bool has_exited(pid_t pid)
{
	siginfo_t si = {0};

	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/*
 * Collect the hook's output (its tail is kept for the error) until it exits
 * or times out. Output still held open by the hook's own children does not
 * keep us waiting once the hook itself is gone.
 */
static bool wait_hook(pid_t pid, int out, int timeout_s, char *tail, size_t *tail_len)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	long long deadline = timeout_s > 0 ? now_ms() + timeout_s * 1000LL : -1;
	bool out_open = true, exited = false;

	for (;;) {
		struct pollfd pfd[2] = {{.fd = pidfd, .events = POLLIN},
					{.fd = out_open ? out : -1, .events = POLLIN}};
		int wait_ms = deadline < 0 ? -1 : (int)(deadline - now_ms());

		if (deadline >= 0 && wait_ms <= 0)
			break;
		/* without a pidfd (old kernels, valgrind), look every few ms */
		if (pidfd < 0 && (wait_ms < 0 || wait_ms > NO_PIDFD_LOOK_MS))
			wait_ms = NO_PIDFD_LOOK_MS;
		if (poll(pfd, 2, wait_ms) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents) {
			char buf[1024];
			ssize_t n = read(out, buf, sizeof(buf));

			if (n > 0)
				keep_tail(tail, tail_len, buf, (size_t)n);
			else
				out_open = false;
		}
		if (!exited)
			exited = pidfd >= 0 ? pfd[0].revents != 0 : has_exited(pid);
		if (exited && out_open)
			/* drain what is buffered without waiting for grandchildren */
			fcntl(out, F_SETFL, fcntl(out, F_GETFL) | O_NONBLOCK);
		if (exited && (!out_open || !pfd[1].revents))
			break;
	}
	if (pidfd >= 0)
		close(pidfd);
	return exited;
}

static struct cubo_error *run_one(const struct oci_hook *hk, enum hook_kind kind, size_t i,
				  const char *state_json, const char *cwd)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, status = 0;
	char tail[OUTPUT_TAIL + 1];
	size_t tail_len = 0;
	struct cubo_error *err = NULL;
	pid_t pid;

#define HOOK_ERR(...)                                                                              \
	cubo_error_wrap(cubo_error_new(__VA_ARGS__), "%s hook %zu (%s)", hook_kind_name(kind), i,  \
			hk->path)
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 ||
	    pipe2(out, O_CLOEXEC) < 0) {
		err = cubo_error_errno("hook pipes");
		goto done;
	}
	pid = fork();
	if (pid < 0) {
		err = cubo_error_errno("fork a hook");
		goto done;
	}
	if (pid == 0)
		hook_child(hk, in[1], out[1], cwd);
	close(in[1]);
	close(out[1]);
	in[1] = out[1] = -1;
	/* a hook that does not read its stdin is fine: MSG_NOSIGNAL, no SIGPIPE */
	send(in[0], state_json, strlen(state_json), MSG_NOSIGNAL);
	close(in[0]);
	in[0] = -1;
	bool exited = wait_hook(pid, out[0], hk->has_timeout ? hk->timeout : 0, tail, &tail_len);
	if (!exited)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	while (tail_len && (tail[tail_len - 1] == '\n' || tail[tail_len - 1] == ' '))
		tail_len--;
	tail[tail_len] = '\0';
	for (size_t k = 0; k < tail_len; k++)
		if (tail[k] == '\n')
			tail[k] = ' ';
	if (!exited)
		err = HOOK_ERR("timed out after %d s", hk->timeout);
	else if (WIFSIGNALED(status))
		err = HOOK_ERR("killed by signal %d%s%s", WTERMSIG(status), tail_len ? ": " : "",
			       tail);
	else if (WEXITSTATUS(status))
		err = HOOK_ERR("exited with status %d%s%s", WEXITSTATUS(status),
			       tail_len ? ": " : "", tail);
done:
	for (int k = 0; k < 2; k++) {
		if (in[k] >= 0)
			close(in[k]);
		if (out[k] >= 0)
			close(out[k]);
	}
	return err;
#undef HOOK_ERR
}

struct cubo_error *hooks_run(const struct oci_hook_list *list, enum hook_kind kind,
			     const char *state_json, const char *cwd)
{
	for (size_t i = 0; list && i < list->n; i++)
		CUBO_TRY(run_one(&list->v[i], kind, i, state_json, cwd));
	return NULL;
}

struct cubo_error *hooks_state_json(const struct oci_state *st, const char *status, char **out)
{
	struct oci_state copy = *st;
	size_t len;

	copy.status = (char *)status;
	return oci_state_to_json(&copy, false, false, out, &len);
}

/* Print err (if any) as a warning on stderr and in the log, and free it. */
static void warn(const struct cubo_log *log, struct cubo_error *err)
{
	char *text;

	if (!err)
		return;
	text = cubo_error_text(err);
	fprintf(stderr, "cubo-runc: warning: %s\n", text);
	cubo_warn(log, "%s", text);
	free(text);
	cubo_error_free(err);
}

struct oci_config *hooks_load_saved(const char *state_dir, const struct cubo_log *log)
{
	char *path = cubo_path_join(state_dir, HOOKS_SAVED_CONFIG);
	struct oci_config *cfg = NULL;

	if (cubo_path_exists(path)) {
		struct cubo_error *err = oci_config_load(path, &cfg);
		warn(log, cubo_error_wrap(err, "hooks not run"));
	}
	free(path);
	return cfg;
}

void hooks_run_warn(const struct oci_config *cfg, enum hook_kind kind, const struct oci_state *st,
		    const char *status, const struct cubo_log *log)
{
	const struct oci_hook_list *list = cfg ? hooks_list(cfg->hooks, kind) : NULL;
	struct cubo_error *err;
	char *json = NULL;

	if (!list || !list->n)
		return;
	err = hooks_state_json(st, status, &json);
	if (!err)
		err = hooks_run(list, kind, json, st->bundle);
	/* the spec: these failures are warnings; the lifecycle goes on */
	warn(log, err);
	free(json);
}
