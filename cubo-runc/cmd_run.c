/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `run`: create + start in one process. In the foreground the runtime stays
 * the init's parent: it forwards signals, proxies the terminal when there is
 * no console socket, and exits with the process's exit code (128+N for a
 * signal), deleting the container afterwards unless --keep.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cubo-runc/container.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/sync.h"
#include "shared/fs.h"

static const int forwarded_signals[] = {SIGHUP,	 SIGINT,   SIGQUIT, SIGTERM, SIGUSR1,
					SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP};

struct proxy {
	int master; /* pty master, -1 without a terminal */
	bool stdin_open;
	bool raw; /* stdin was put in raw mode */
	struct termios saved;
};

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Copy what is available from one fd to another; false at EOF or error. */
static bool pump(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return true; /* the reader went away: drop output, keep running */
		off += w;
	}
	return true;
}

static int exit_code_of(const siginfo_t *info)
{
	if (info->si_code == CLD_EXITED)
		return info->si_status;
	return 128 + info->si_status;
}

static int wait_foreground(const struct created *cr, struct proxy *px)
{
	sigset_t mask;
	int sfd;
	siginfo_t info;

	sigemptyset(&mask);
	for (size_t i = 0; i < OPTS_N(forwarded_signals); i++)
		sigaddset(&mask, forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);

	for (;;) {
		struct pollfd p[4] = {
			{.fd = cr->pidfd, .events = POLLIN},
			{.fd = sfd, .events = POLLIN},
			{.fd = px->master, .events = POLLIN},
			{.fd = px->master >= 0 && px->stdin_open ? 0 : -1, .events = POLLIN},
		};
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH && px->master >= 0)
					copy_winsize(0, px->master);
				else
					syscall(SYS_pidfd_send_signal, cr->pidfd, si.ssi_signo,
						NULL, 0);
			}
		}
		if (p[2].revents & (POLLIN | POLLHUP)) {
			if (!pump(px->master, STDOUT_FILENO))
				px->master = -1; /* all slave ends closed */
		}
		if (p[3].revents & (POLLIN | POLLHUP)) {
			if (!pump(STDIN_FILENO, px->master))
				px->stdin_open = false;
		}
		if (p[0].revents & POLLIN)
			break;
	}
	if (px->master >= 0)
		while (pump(px->master, STDOUT_FILENO))
			;
	memset(&info, 0, sizeof(info));
	while (waitid(P_PIDFD, (id_t)cr->pidfd, &info, WEXITED) < 0 && errno == EINTR)
		;
	if (sfd >= 0)
		close(sfd);
	return exit_code_of(&info);
}

static void proxy_start(struct proxy *px, int master)
{
	px->master = master;
	px->stdin_open = true;
	if (master < 0)
		return;
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &px->saved) == 0) {
		struct termios raw = px->saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			px->raw = true;
		copy_winsize(STDIN_FILENO, master);
	}
}

static void proxy_stop(struct proxy *px, int master)
{
	if (px->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &px->saved);
	if (master >= 0)
		close(master);
}

int cmd_run(struct runc_globals *g, int argc, char **argv)
{
	struct create_opts o = {.bundle = ".", .for_run = true};
	struct created cr;
	struct proxy px = {0};
	bool help, detach = false, keep = false;
	int first, code;
	const struct runc_opt opts[] = {
		CREATE_OPTS(o),
		{"detach", 'd', OPT_BOOL, &detach, NULL, "return once the process has started"},
		{"keep", 0, OPT_BOOL, &keep, NULL, "keep the container's state after it exits"},
	};
	struct cubo_error *err = opts_parse(argc, argv, opts, OPTS_N(opts), &help, &first);
	struct container *c;

	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, "cubo-runc run [options] CONTAINER_ID",
				"Create and start a container; in the foreground, exit with its "
				"process's exit code.",
				opts, OPTS_N(opts));
		return 0;
	}
	if (argc - first != 1)
		return runc_fail(g, cubo_error_new("run: expected exactly one container id"));
	if (o.preserve_fds < 0)
		return runc_fail(g, cubo_error_new("--preserve-fds: must not be negative"));
	o.id = argv[first];
	/* a detached terminal has no one to proxy it: the caller must take it */
	o.proxy_terminal = !detach;
	err = container_create(g, &o, &cr);
	if (err)
		return runc_fail(g, err);
	proxy_start(&px, cr.console_master);
	err = sync_send(cr.sync_fd, SYNC_START, NULL);
	close(cr.sync_fd);
	if (err) {
		proxy_stop(&px, cr.console_master);
		close(cr.pidfd);
		return runc_fail(g, err);
	}
	if (detach) {
		close(cr.pidfd);
		return 0;
	}
	code = wait_foreground(&cr, &px);
	proxy_stop(&px, cr.console_master);
	close(cr.pidfd);
	if (!keep && !container_load(g->root, o.id, true, &c)) {
		cubo_error_free(container_destroy(c));
		container_free(c);
	}
	return code;
}
