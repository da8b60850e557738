/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr restart: stop, then start containers. */
#include "cubo-mgr/cli.h"
#include "cubo-mgr/ctr_action.h"

static struct cubo_error *restart_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	CUBO_TRY(ctr_stop_one(c, r, ctx));
	struct ctr_record fresh;
	CUBO_TRY(ctr_find(c, r->id, &fresh));
	struct start_ctx sc = {.m = ((struct stop_ctx *)ctx)->m};
	struct cubo_error *err = ctr_start_one(c, &fresh, &sc);
	if (!err)
		ctr_event(c, &fresh, "restart", NULL);
	ctr_record_free(&fresh);
	return err;
}

int cmd_restart(struct mgr *m, int argc, char **argv)
{
	struct stop_ctx sc = {.timeout = -1, .m = m};
	const char *signal = NULL;
	const struct cli_opt opts[] = {
		{"signal", 's', CLI_STRING, &signal, "SIGNAL",
		 "the signal that stops them (default: the container's stop signal)"},
		{"time", 't', CLI_INT, &sc.timeout, "SECONDS",
		 "seconds to wait for the stop before SIGKILL (default: as for stop)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "restart",
		.usage = "restart [OPTIONS] CONTAINER [CONTAINER...]",
		.description = "Stop, then start containers.",
		MGR_OPTS(opts),
	};
	return each_container_stop(m, &spec, argc, argv, restart_one, &sc, &signal);
}
