/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>

#include "cubo-runc/container.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/validate.h"
#include "cubo-runc/runc.h"

int cmd_state(struct runc_globals *g, int argc, char **argv)
{
	struct container *c;
	struct cubo_error *err;
	char *json;
	size_t len;
	const char *id;
	int rc;

	if (!runc_take_id(g, argc, argv, "state", "Print the OCI state of a container as JSON.",
			  &id, &rc))
		return rc;
	err = container_load(g->root, id, false, &c);
	if (err)
		return runc_fail(g, err);
	if (!c->state) {
		container_free(c);
		return runc_fail(g, cubo_error_new("container \"%s\" is still being created", id));
	}
	enum container_status st = container_status(c);
	free(c->state->status);
	c->state->status = (char *)container_status_name(st);
	if (st == STATUS_STOPPED)
		c->state->pid = 0;
	err = oci_state_to_runc_json(c->state, true, &json, &len);
	c->state->status = NULL; /* points at a constant */
	container_free(c);
	if (err)
		return runc_fail(g, err);
	runc_print_json(json, len);
	return 0;
}
