/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>

#include "cubo-runc/container.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/validate.h"

int cmd_state(struct runc_globals *g, int argc, char **argv)
{
	struct container *c;
	struct cubo_error *err;
	char *json;
	size_t len;
	bool help;
	int first;

	err = opts_parse(argc, argv, NULL, 0, &help, &first);
	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, "cubo-runc state CONTAINER_ID",
				"Print the OCI state of a container as JSON.", NULL, 0);
		return 0;
	}
	if (argc - first != 1)
		return runc_fail(g, cubo_error_new("state: expected exactly one container id"));
	err = validate_container_id(argv[first]);
	if (!err)
		err = container_load(g->root, argv[first], false, &c);
	if (err)
		return runc_fail(g, err);
	if (!c->state) {
		container_free(c);
		return runc_fail(
			g, cubo_error_new("container \"%s\" is still being created", argv[first]));
	}
	enum container_status st = container_status(c);
	free(c->state->status);
	c->state->status = (char *)container_status_name(st);
	if (st == STATUS_STOPPED)
		c->state->pid = 0;
	err = oci_state_to_json(c->state, false, true, &json, &len);
	c->state->status = NULL; /* points at a constant */
	container_free(c);
	if (err)
		return runc_fail(g, err);
	fwrite(json, 1, len, stdout);
	putchar('\n');
	free(json);
	return 0;
}
