/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "cubo-runc/container.h"
#include "cubo-runc/hooks.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/validate.h"

int cmd_start(struct runc_globals *g, int argc, char **argv)
{
	struct container *c;
	struct cubo_error *err;
	const char *id;
	int rc;

	if (!runc_take_id(g, argc, argv, "start", "Run the user process of a created container.",
			  &id, &rc))
		return rc;
	err = container_load(g->root, id, true, &c);
	if (!err) {
		err = container_start(c);
		if (!err) {
			struct oci_config *saved = hooks_load_saved(c->dir, &g->log);
			hooks_run_warn(saved, HOOK_POSTSTART, c->state, "running", &g->log);
			oci_config_free(saved);
		}
		container_free(c);
	}
	return err ? runc_fail(g, err) : 0;
}
