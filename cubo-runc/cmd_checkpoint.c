/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "cubo-runc/criu.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/runc.h"
#include "cubo-runc/validate.h"

int cmd_checkpoint(struct runc_globals *g, int argc, char **argv)
{
	struct checkpoint_opts o = {.status_fd = -1};
	struct cubo_error *err;
	bool help;
	int first;
	const struct runc_opt opts[] = {
		CRIU_OPTS(o.criu),
		{"parent-path", 0, OPT_STRING, &o.parent_path, "DIR",
		 "images of a previous pre-dump, relative to the image path"},
		{"leave-running", 0, OPT_BOOL, &o.leave_running, NULL,
		 "leave the container running after the checkpoint"},
		{"pre-dump", 0, OPT_BOOL, &o.pre_dump, NULL,
		 "dump memory only, for a later dump with --parent-path; the container runs on"},
		{"page-server", 0, OPT_STRING, &o.page_server, "ADDRESS:PORT",
		 "send memory pages to criu's page server there (with --lazy-pages: serve "
		 "them there)"},
		{"status-fd", 0, OPT_INT, &o.status_fd, "FD",
		 "with --lazy-pages: criu writes \\0 to FD once it serves the pages"},
	};

	err = opts_parse_anywhere(argc, argv, opts, OPTS_N(opts), &help, &first);
	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, g->summary, "cubo-runc checkpoint [options] CONTAINER_ID",
				"Checkpoint a running or paused container with criu. Without "
				"--leave-running or --pre-dump the container is stopped and "
				"removed; restore brings it back.",
				opts, OPTS_N(opts));
		return 0;
	}
	if (argc - first != 1)
		return runc_fail(g,
				 cubo_error_new("checkpoint: expected exactly one container id"));
	o.criu.criu = g->criu;
	err = validate_container_id(argv[first]);
	if (!err)
		err = criu_checkpoint(RUNC_CTX(g), argv[first], &o);
	return err ? runc_fail(g, err) : 0;
}
