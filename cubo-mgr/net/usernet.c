/* SPDX-License-Identifier: Apache-2.0 */
/* pasta and slirp4netns for a rootless manager: see usernet.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-mgr/net/ports.h"
#include "cubo-mgr/net/usernet.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

#define PID_FILE "usernet.pid"
#define LOG_FILE "usernet.log"
/* pasta answers DNS queries sent here with the host's resolver (podman's address) */
#define PASTA_DNS "169.254.1.1"
#define SLIRP_DNS "10.0.2.3"
#define STOP_WAIT_MS 2000

bool usernet_is_mode(const char *network)
{
	return network && (!strcmp(network, USERNET_PASTA) || !strcmp(network, USERNET_SLIRP));
}

/* Whether an executable named name is on $PATH (the tool is run by that name). */
static bool on_path(const char *name)
{
	const char *path = getenv("PATH");
	char *dirs = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin"), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = cubo_path_join(d, name);
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(dirs);
	return found;
}

/*
 * Both tools open /dev/net/tun as the user: root of the user's namespace
 * has no say over a device node the host's root owns. Debian's udev makes
 * it 0666; a host without udev leaves the kernel's 0600.
 */
static struct cubo_error *tun_usable(const char *mode)
{
	if (access("/dev/net/tun", R_OK | W_OK) == 0)
		return NULL;
	return cubo_error_errno("%s needs /dev/net/tun readable and writable by users (mode "
				"0666, as Debian's udev makes it: as root, chmod 0666 "
				"/dev/net/tun), or run with --network none or --network host",
				mode);
}

struct cubo_error *usernet_choose(const char *network, bool is_default, const char **mode)
{
	if (is_default) {
		*mode = on_path(USERNET_PASTA)	 ? USERNET_PASTA
			: on_path(USERNET_SLIRP) ? USERNET_SLIRP
						 : NULL;
		if (!*mode)
			return cubo_error_new("network \"%s\" (the default): a rootless manager "
					      "needs pasta or slirp4netns, and neither is on "
					      "PATH: install the package passt (or slirp4netns), "
					      "or run with --network none or --network host",
					      network);
		return tun_usable(*mode);
	}
	if (!usernet_is_mode(network))
		return cubo_error_new("network \"%s\": a rootless manager has no user networks "
				      "yet (their bridges need root): run with --network pasta "
				      "(the default), slirp4netns, none or host",
				      network);
	*mode = !strcmp(network, USERNET_PASTA) ? USERNET_PASTA : USERNET_SLIRP;
	if (!on_path(*mode))
		return cubo_error_new("--network %s: %s is not on PATH: install the package %s",
				      *mode, *mode,
				      strcmp(*mode, USERNET_PASTA) ? "slirp4netns" : "passt");
	return tun_usable(*mode);
}

const char *usernet_dns(const char *mode)
{
	return mode && !strcmp(mode, USERNET_SLIRP) ? SLIRP_DNS : PASTA_DNS;
}

unsigned usernet_unprivileged_port_start(void)
{
	char *text = NULL;
	size_t len;
	unsigned v = 1024;
	struct cubo_error *err =
		cubo_read_file("/proc/sys/net/ipv4/ip_unprivileged_port_start", &text, &len);
	if (!err)
		v = (unsigned)strtoul(text, NULL, 10);
	cubo_error_free(err);
	free(text);
	return v;
}

struct cubo_error *usernet_check_ports(const char *mode, const struct ctr_port_spec *p, size_t n)
{
	if (n && !strcmp(mode, USERNET_SLIRP))
		return cubo_error_new("-p: --network slirp4netns publishes no ports yet: use "
				      "--network pasta");
	unsigned start = usernet_unprivileged_port_start();
	for (size_t i = 0; i < n; i++) {
		struct in_addr a;
		if (p[i].host_ip[0] && inet_pton(AF_INET, p[i].host_ip, &a) != 1)
			return cubo_error_new("-p %s:%u:%u: a rootless manager publishes on IPv4 "
					      "addresses only",
					      p[i].host_ip, p[i].host_port, p[i].ctr_port);
		if (strcmp(p[i].proto, "tcp") && strcmp(p[i].proto, "udp"))
			return cubo_error_new("-p ...:%u/%s: pasta forwards tcp and udp only",
					      p[i].ctr_port, p[i].proto);
		if (p[i].host_port && p[i].host_port < start)
			return cubo_error_new("-p %s%s%u:%u: host port %u is privileged: a "
					      "rootless manager may publish ports from "
					      "net.ipv4.ip_unprivileged_port_start (%u) up",
					      p[i].host_ip, p[i].host_ip[0] ? ":" : "",
					      p[i].host_port, p[i].ctr_port, p[i].host_port, start);
	}
	return NULL;
}

/* The tool's messages, for an error: the start of its log. */
static struct cubo_error *tool_failed(const char *ctr_dir, const char *mode, const char *what)
{
	char *path = cubo_path_join(ctr_dir, LOG_FILE), *text = NULL;
	size_t len = 0;
	cubo_error_free(cubo_read_file(path, &text, &len));
	free(path);
	/* one line: the last message is the reason */
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	const char *last = text ? strrchr(text, '\n') : NULL;
	struct cubo_error *err = cubo_error_new("%s %s%s%s", mode, what, len ? ": " : "",
						len ? (last ? last + 1 : text) : "");
	free(text);
	return err;
}

/*
 * Run argv with its output in <ctr>/usernet.log and fd keep (or -1) as fd
 * 3; the child's pid.
 */
static struct cubo_error *spawn(const char *ctr_dir, char *const *argv, int keep, pid_t *pid)
{
	char *log = cubo_path_join(ctr_dir, LOG_FILE);
	int out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	struct cubo_error *err = out < 0 ? cubo_error_errno("open %s", log) : NULL;
	free(log);
	CUBO_TRY(err);
	*pid = fork();
	if (*pid < 0) {
		close(out);
		return cubo_error_errno("fork");
	}
	if (*pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 ||
		    (keep >= 0 && dup2(keep, 3) < 0))
			_exit(127);
		/* the tool lives as long as the container: it gets none of the monitor's fds */
		close_range(keep >= 0 ? 4 : 3, ~0U, 0);
		/* the monitor ignores SIGPIPE; pasta refuses to start with it ignored */
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[0], argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out);
	return NULL;
}

static struct cubo_error *write_pid(const char *ctr_dir, pid_t pid)
{
	char *path = cubo_path_join(ctr_dir, PID_FILE), text[24];
	int n = snprintf(text, sizeof(text), "%d\n", (int)pid);
	struct cubo_error *err = cubo_write_file_replace(path, text, (size_t)n, 0600);
	free(path);
	return err;
}

/*
 * pasta configures the namespace (address, routes and DNS as the host's
 * interface with the default route has them; the gateway's address reaches
 * the host's loopback) and forwards only the published ports, then goes to
 * the background: its first process's exit says whether it is up.
 */
static struct cubo_error *pasta_up(const char *ctr_dir, const char *netns,
				   const struct ctr_port_spec *p, size_t n)
{
	char *pidfile = cubo_path_join(ctr_dir, PID_FILE);
	char **argv = NULL;
	size_t na = 0;
	bool tcp = false, udp = false;
	static const char *const head[] = {
		"pasta",   "--config-net", "--quiet", "--runas", "0:0",	 "--dns-forward",
		PASTA_DNS, "-T",	   "none",    "-U",	 "none", "-P"};
	for (size_t i = 0; i < sizeof(head) / sizeof(*head); i++)
		cubo_strv_push(&argv, &na, head[i]);
	cubo_strv_push(&argv, &na, pidfile);
	for (size_t i = 0; i < n; i++) {
		bool u = !strcmp(p[i].proto, "udp");
		char spec[96];
		snprintf(spec, sizeof(spec), "%s%s%u:%u", p[i].host_ip, p[i].host_ip[0] ? "/" : "",
			 p[i].host_port, p[i].ctr_port);
		cubo_strv_push(&argv, &na, u ? "-u" : "-t");
		cubo_strv_push(&argv, &na, spec);
		tcp |= !u;
		udp |= u;
	}
	/* pasta's default would forward every port the container binds */
	if (!tcp) {
		cubo_strv_push(&argv, &na, "-t");
		cubo_strv_push(&argv, &na, "none");
	}
	if (!udp) {
		cubo_strv_push(&argv, &na, "-u");
		cubo_strv_push(&argv, &na, "none");
	}
	cubo_strv_push(&argv, &na, "--netns");
	cubo_strv_push(&argv, &na, netns);
	pid_t pid;
	struct cubo_error *err = spawn(ctr_dir, argv, -1, &pid);
	cubo_strv_free(argv);
	free(pidfile);
	CUBO_TRY(err);
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(ws) || WEXITSTATUS(ws))
		return tool_failed(ctr_dir, USERNET_PASTA, "failed");
	return NULL;
}

/* slirp4netns stays in the foreground: it says it is ready on a pipe. */
static struct cubo_error *slirp_up(const char *ctr_dir, const char *netns)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cubo_error_errno("pipe");
	char *const argv[] = {USERNET_SLIRP,	   "--configure", "--mtu=65520", "--ready-fd=3",
			      "--netns-type=path", (char *)netns, "tap0",	 NULL};
	pid_t pid;
	struct cubo_error *err = spawn(ctr_dir, argv, p[1], &pid);
	close(p[1]);
	if (err) {
		close(p[0]);
		return err;
	}
	char c = 0;
	struct pollfd pfd = {.fd = p[0], .events = POLLIN};
	bool ready = poll(&pfd, 1, 10000) == 1 && read(p[0], &c, 1) == 1;
	close(p[0]);
	err = write_pid(ctr_dir, pid);
	if (!err && !ready)
		err = tool_failed(ctr_dir, USERNET_SLIRP, "did not configure the namespace");
	return err;
}

struct cubo_error *usernet_up(const char *ctr_dir, const char *mode, const char *netns,
			      char *const *ports, char ***published)
{
	*published = NULL;
	size_t n = cubo_strv_len(ports), np = 0;
	struct ctr_port_spec *specs = xcalloc(n + 1, sizeof(*specs));
	struct cubo_error *err = NULL;
	for (size_t i = 0; i < n && !err; i++)
		err = ports_parse_record(ports[i], &specs[i]);
	if (!err)
		err = usernet_check_ports(mode, specs, n);
	/* a port in use is the usual error; host port 0 becomes a free one (ports.h) */
	if (!err)
		err = ports_probe(specs, n);
	if (!err)
		err = !strcmp(mode, USERNET_SLIRP) ? slirp_up(ctr_dir, netns)
						   : pasta_up(ctr_dir, netns, specs, n);
	for (size_t i = 0; !err && i < n; i++) {
		char b[96];
		run_opt_format_port(&specs[i], b, sizeof(b));
		cubo_strv_push(published, &np, b);
	}
	free(specs);
	if (err)
		cubo_error_free(usernet_down(ctr_dir));
	return err;
}

/* Whether pid is (still) one of the tools: a recycled pid must not be killed. */
static bool is_tool(pid_t pid)
{
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool ok = fgets(comm, sizeof(comm), f) != NULL;
	fclose(f);
	/* pasta runs as passt.avx2 where the CPU has AVX2 */
	return ok && (!strncmp(comm, "pasta", 5) || !strncmp(comm, "passt", 5) ||
		      !strncmp(comm, USERNET_SLIRP, strlen(USERNET_SLIRP)));
}

struct cubo_error *usernet_down(const char *ctr_dir)
{
	char *path = cubo_path_join(ctr_dir, PID_FILE), *text = NULL;
	size_t len;
	if (!cubo_path_exists(path)) { /* none started, or stopped already */
		free(path);
		return NULL;
	}
	struct cubo_error *err = cubo_read_file(path, &text, &len);
	pid_t pid = err ? 0 : (pid_t)strtol(text, NULL, 10);
	free(text);
	cubo_error_free(err);
	err = NULL;
	/* a pidfd: the check and the signal name the same process */
	int fd = pid > 0 ? pidfd_open(pid, 0) : -1;
	if (fd >= 0 && is_tool(pid)) {
		if (pidfd_send_signal(fd, SIGTERM, NULL, 0) < 0 && errno != ESRCH)
			err = cubo_error_errno("stop the network's process %d", (int)pid);
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (!err && poll(&pfd, 1, STOP_WAIT_MS) != 1)
			(void)pidfd_send_signal(fd, SIGKILL, NULL, 0);
		/* ours when the monitor started it (it is their subreaper) */
		(void)waitpid(pid, NULL, WNOHANG);
	}
	if (fd >= 0)
		close(fd);
	if (!err && unlink(path) < 0 && errno != ENOENT)
		err = cubo_error_errno("remove %s", path);
	free(path);
	return err;
}
