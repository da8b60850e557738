/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr start: start created or stopped containers. */
#include "cubo-mgr/cli.h"
#include "cubo-mgr/ctr_action.h"

int cmd_start(struct mgr *m, int argc, char **argv)
{
	struct start_ctx sc = {.m = m};
	const struct cli_opt opts[] = {
		{"attach", 'a', CLI_BOOL, &sc.attach, NULL,
		 "attach to the output and exit with the container's code"},
		{"interactive", 'i', CLI_BOOL, &sc.interactive, NULL, "attach stdin too"},
	};
	int rc = each_container(m, "start", "start [OPTIONS] CONTAINER [CONTAINER...]",
				"Start created or stopped containers.", argc, argv, opts,
				CLI_N(opts), ctr_start_one, &sc, &sc.attach); /* as docker */
	if (sc.attach)
		return rc ? rc : sc.exit_code;
	return rc;
}
