/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr wait: wait for containers to stop; print their exit codes. */
#include <stdio.h>

#include "cubo-mgr/ctr_action.h"

static struct cubo_error *wait_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	(void)ctx;
	int code = r->exit_code;
	if (r->monitor_pid)
		CUBO_TRY(ctr_wait_exit(c, r, -1, &code));
	printf("%d\n", code);
	return NULL;
}

int cmd_wait(struct mgr *m, int argc, char **argv)
{
	static const bool always_silent = true; /* it prints exit codes instead */
	const struct mgr_cmd_spec spec = {
		.name = "wait",
		.usage = "wait CONTAINER [CONTAINER...]",
		.description = "Wait until containers stop; print each one's exit code.",
	};
	return each_container(m, &spec, argc, argv, wait_one, NULL, &always_silent);
}
