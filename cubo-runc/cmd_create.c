/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "cubo-runc/container.h"
#include "cubo-runc/opts.h"

int cmd_create(struct runc_globals *g, int argc, char **argv)
{
	struct create_opts o = {.bundle = "."};
	struct created created;
	bool help;
	int first;
	const struct runc_opt opts[] = {
		{"bundle", 'b', OPT_STRING, &o.bundle, "DIR", "path to the bundle (default: .)"},
		{"console-socket", 0, OPT_STRING, &o.console_socket, "PATH",
		 "unix socket that receives the pty master when process.terminal is true"},
		{"pid-file", 0, OPT_STRING, &o.pid_file, "FILE", "write the init's pid to FILE"},
		{"no-pivot", 0, OPT_BOOL, &o.no_pivot, NULL,
		 "chroot instead of pivot_root (for ramdisk roots)"},
		{"no-new-keyring", 0, OPT_BOOL, &o.no_new_keyring, NULL,
		 "keep the caller's session keyring"},
		{"preserve-fds", 0, OPT_INT, &o.preserve_fds, "N",
		 "pass N more fds (from fd 3) to the container"},
	};
	struct cubo_error *err = opts_parse(argc, argv, opts, OPTS_N(opts), &help, &first);

	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, "cubo-runc create [options] CONTAINER_ID",
				"Create a container from the bundle; `start` runs its process.",
				opts, OPTS_N(opts));
		return 0;
	}
	if (argc - first != 1)
		return runc_fail(g, cubo_error_new("create: expected exactly one container id"));
	if (o.preserve_fds < 0)
		return runc_fail(g, cubo_error_new("--preserve-fds: must not be negative"));
	o.id = argv[first];
	err = container_create(g, &o, &created);
	if (err)
		return runc_fail(g, err);
	return 0;
}
