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
#include "cubo-runc/exec.h"
#include "cubo-runc/hooks.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/sync.h"
#include "shared/fs.h"

int cmd_run(struct runc_globals *g, int argc, char **argv)
{
	struct create_opts o = {.bundle = ".", .for_run = true};
	struct created cr;
	struct fg_proxy px = {0};
	bool help, detach = false, keep = false;
	int first, code;
	const struct runc_opt opts[] = {
		CREATE_OPTS(o),
		{"detach", 'd', OPT_BOOL, &detach, NULL, "return once the process has started"},
		{"keep", 0, OPT_BOOL, &keep, NULL, "keep the container's state after it exits"},
	};
	struct cubo_error *err = opts_parse(argc, argv, opts, OPTS_N(opts), &help, &first);
	struct container *c;
	struct oci_config *saved = NULL;
	char *dir;

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
	fg_proxy_start(&px, cr.console_master);
	err = sync_send(cr.sync_fd, SYNC_START, NULL);
	close(cr.sync_fd);
	if (err) {
		fg_proxy_stop(&px, cr.console_master);
		close(cr.pidfd);
		return runc_fail(g, err);
	}
	/* create kept config.json in the state directory only when there are such hooks */
	dir = cubo_path_join(g->root, o.id);
	saved = hooks_load_saved(dir, &g->log);
	free(dir);
	if (saved) {
		err = container_load(g->root, o.id, false, &c);
		if (!err) {
			hooks_run_warn(saved, HOOK_POSTSTART, c->state, "running", &g->log);
			container_free(c);
		}
		cubo_error_free(err);
	}
	if (detach) {
		close(cr.pidfd);
		oci_config_free(saved);
		return 0;
	}
	code = fg_wait(cr.pidfd, &px);
	fg_proxy_stop(&px, cr.console_master);
	close(cr.pidfd);
	if (!keep && !container_load(g->root, o.id, true, &c)) {
		err = container_destroy(c);
		if (!err)
			hooks_run_warn(saved, HOOK_POSTSTOP, c->state, "stopped", &g->log);
		cubo_error_free(err);
		container_free(c);
	}
	oci_config_free(saved);
	return code;
}
