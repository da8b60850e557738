/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `run`: create + start in one process. In the foreground the runtime stays
 * the init's parent: it forwards signals, proxies the terminal when there is
 * no console socket, and exits with the process's exit code (128+N for a
 * signal), deleting the container afterwards unless --keep.
 */
#include <stdio.h>
#include <unistd.h>

#include "cubo-runc/container.h"
#include "cubo-runc/exec.h"
#include "cubo-runc/lifecycle.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/runc.h"

int cmd_run(struct runc_globals *g, int argc, char **argv)
{
	struct create_opts o = {.bundle = ".", .for_run = true};
	struct created cr;
	struct fg_proxy px = {0};
	bool help, detach = false, keep = false, no_subreaper = false;
	int first, code;
	const struct runc_opt opts[] = {
		CREATE_OPTS(o),
		{"detach", 'd', OPT_BOOL, &detach, NULL, "return once the process has started"},
		{"keep", 0, OPT_BOOL, &keep, NULL, "keep the container's state after it exits"},
		{"no-subreaper", 0, OPT_BOOL, &no_subreaper, NULL,
		 "accepted for compatibility: run never makes itself a subreaper (the init is "
		 "its child)"},
	};
	struct cubo_error *err = opts_parse_anywhere(argc, argv, opts, OPTS_N(opts), &help, &first);

	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, g->summary, "cubo-runc run [options] CONTAINER_ID",
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
	err = container_create(RUNC_CTX(g), &o, &cr);
	if (err)
		return runc_fail(g, err);
	/* the terminal is raw and sized before the process runs */
	fg_proxy_start(&px, cr.console_master);
	err = lifecycle_release(RUNC_CTX(g), o.id, &cr);
	if (err) {
		fg_proxy_stop(&px, -1);
		return runc_fail(g, err);
	}
	if (detach) {
		fg_proxy_stop(&px, cr.console_master);
		close(cr.pidfd);
		return 0;
	}
	code = fg_wait(cr.pidfd, &px);
	fg_proxy_stop(&px, cr.console_master);
	close(cr.pidfd);
	if (!keep)
		lifecycle_run_done(RUNC_CTX(g), o.id);
	return code;
}
