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
	const struct mgr_cmd_spec spec = {
		.name = "start",
		.usage = "start [OPTIONS] CONTAINER [CONTAINER...]",
		.description = "Start created or stopped containers.",
		MGR_OPTS(opts),
	};
	/* attached, it prints no names, as docker */
	int rc = each_container(m, &spec, argc, argv, ctr_start_one, &sc, &sc.attach);
	if (sc.attach)
		return rc ? rc : sc.exit_code;
	return rc;
}
