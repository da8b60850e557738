/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr stop: the stop signal, then SIGKILL. */
#include "cubo-mgr/cli.h"
#include "cubo-mgr/ctr_action.h"

int cmd_stop(struct mgr *m, int argc, char **argv)
{
	struct stop_ctx sc = {.timeout = -1};
	const char *signal = NULL;
	const struct cli_opt opts[] = {
		{"signal", 's', CLI_STRING, &signal, "SIGNAL",
		 "the signal to send first (default: the container's stop signal)"},
		{"time", 't', CLI_INT, &sc.timeout, "SECONDS",
		 "seconds to wait after the stop signal before SIGKILL (default: the "
		 "container's --stop-timeout, else 10)"},
		{"timeout", 0, CLI_INT, &sc.timeout, "SECONDS", NULL},
		{"force", 'f', CLI_BOOL, &sc.force, NULL, "SIGKILL at once"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "stop",
		.usage = "stop [OPTIONS] CONTAINER [CONTAINER...]",
		.description =
			"Stop running containers: --signal, else the container's stop signal "
			"(SIGTERM\nunless it or the image says otherwise), then SIGKILL when "
			"they have not\nexited in time.",
		MGR_OPTS(opts),
	};
	return each_container_stop(m, &spec, argc, argv, ctr_stop_one, &sc, &signal);
}
