/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "cubo-runc/container.h"
#include "cubo-runc/lifecycle.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/runc.h"
#include "cubo-runc/validate.h"

int cmd_delete(struct runc_globals *g, int argc, char **argv)
{
	struct cubo_error *err;
	bool help, force = false;
	int first;
	const struct runc_opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, NULL, "kill the container first if it runs"},
	};

	err = opts_parse_anywhere(argc, argv, opts, OPTS_N(opts), &help, &first);
	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, g->summary, "cubo-runc delete [options] CONTAINER_ID",
				"Delete a stopped (or, with --force, any) container.", opts,
				OPTS_N(opts));
		return 0;
	}
	if (argc - first != 1)
		return runc_fail(g, cubo_error_new("delete: expected exactly one container id"));
	err = validate_container_id(argv[first]);
	if (!err)
		err = lifecycle_delete(RUNC_CTX(g), argv[first], force);
	return err ? runc_fail(g, err) : 0;
}
