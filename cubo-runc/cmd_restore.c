/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "cubo-runc/criu.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/runc.h"

int cmd_restore(struct runc_globals *g, int argc, char **argv)
{
	struct restore_opts o = {0};
	struct cubo_error *err;
	int first, code = 0;
	bool help;
	const struct runc_opt opts[] = {
		CRIU_OPTS(o.criu),
		{"bundle", 'b', OPT_STRING, &o.bundle, "DIR", "path to the bundle (default: .)"},
		{"detach", 'd', OPT_BOOL, &o.detach, NULL,
		 "return once restored, without waiting for the container's process"},
		{"pid-file", 0, OPT_STRING, &o.pid_file, "FILE",
		 "write the restored init's pid to FILE"},
		{"console-socket", 0, OPT_STRING, &o.console_socket, "PATH",
		 "with process.terminal: the unix socket that receives the new pty master"},
		{"no-pivot", 0, OPT_BOOL, &o.no_pivot, NULL,
		 "accepted for compatibility; criu sets up the root itself"},
		{"no-subreaper", 0, OPT_BOOL, &o.no_subreaper, NULL,
		 "do not become the subreaper of the restored process (needs --detach)"},
		{"lsm-profile", 0, OPT_STRING, &o.lsm_profile, "TYPE:NAME",
		 "the LSM profile of the restored process (apparmor:NAME, selinux:CONTEXT)"},
		{"lsm-mount-context", 0, OPT_STRING, &o.lsm_mount_context, "CONTEXT",
		 "the SELinux mount context of the restored mounts"},
	};

	err = opts_parse_anywhere(argc, argv, opts, OPTS_N(opts), &help, &first);
	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, g->summary, "cubo-runc restore [options] CONTAINER_ID",
				"Restore a container from criu's images into CONTAINER_ID (a new "
				"id works), with the bundle's config. Without --detach, wait for "
				"its process and exit with its status.",
				opts, OPTS_N(opts));
		return 0;
	}
	if (argc - first != 1)
		return runc_fail(g, cubo_error_new("restore: expected exactly one container id"));
	o.criu.criu = g->criu;
	o.id = argv[first];
	err = criu_restore(RUNC_CTX(g), &o, &code);
	return err ? runc_fail(g, err) : code;
}
