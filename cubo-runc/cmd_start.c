/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "cubo-runc/container.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/validate.h"

int cmd_start(struct runc_globals *g, int argc, char **argv)
{
	struct container *c;
	struct cubo_error *err;
	bool help;
	int first;

	err = opts_parse(argc, argv, NULL, 0, &help, &first);
	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, "cubo-runc start CONTAINER_ID",
				"Run the user process of a created container.", NULL, 0);
		return 0;
	}
	if (argc - first != 1)
		return runc_fail(g, cubo_error_new("start: expected exactly one container id"));
	err = validate_container_id(argv[first]);
	if (!err)
		err = container_load(g->root, argv[first], true, &c);
	if (!err) {
		err = container_start(c);
		container_free(c);
	}
	return err ? runc_fail(g, err) : 0;
}
