/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "cubo-runc/container.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/runc.h"

int cmd_create(struct runc_globals *g, int argc, char **argv)
{
	struct create_opts o = {.bundle = "."};
	struct created created;
	bool help;
	int first;
	const struct runc_opt opts[] = {
		CREATE_OPTS(o),
	};
	struct cubo_error *err = opts_parse_anywhere(argc, argv, opts, OPTS_N(opts), &help, &first);

	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, g->summary, "cubo-runc create [options] CONTAINER_ID",
				"Create a container from the bundle; `start` runs its process.",
				opts, OPTS_N(opts));
		return 0;
	}
	if (argc - first != 1)
		return runc_fail(g, cubo_error_new("create: expected exactly one container id"));
	if (o.preserve_fds < 0)
		return runc_fail(g, cubo_error_new("--preserve-fds: must not be negative"));
	o.id = argv[first];
	err = container_create(RUNC_CTX(g), &o, &created);
	if (err)
		return runc_fail(g, err);
	return 0;
}
