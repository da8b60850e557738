/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/container.h"
#include "cubo-runc/lifecycle.h"
#include "cubo-runc/runc.h"

int cmd_start(struct runc_globals *g, int argc, char **argv)
{
	const char *id;
	int rc;

	if (!runc_take_id(g, argc, argv, "start", "Run the user process of a created container.",
			  &id, &rc))
		return rc;
	struct cubo_error *err = lifecycle_start(RUNC_CTX(g), id);
	return err ? runc_fail(g, err) : 0;
}
