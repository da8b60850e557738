/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr kill: send a signal to containers. */
#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/restart.h"
#include "cubo-mgr/ctr_action.h"

static struct cubo_error *kill_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	if (r->status != CTR_RUNNING && r->status != CTR_PAUSED)
		return cubo_error_new("container %s is not running", r->name);
	/* docker: a container the user killed stays down until started */
	CUBO_TRY(restart_hold(&c->store, r->id));
	struct ctr_runtime rt = ctr_runtime_of(c, r);
	/* before the signal: the die it causes comes after it */
	ctr_event_kill(c, r, *(const char **)ctx);
	return runtime_kill(&rt, r->id, *(const char **)ctx, false);
}

int cmd_kill(struct mgr *m, int argc, char **argv)
{
	const char *sig = "SIGKILL";
	const struct cli_opt opts[] = {
		{"signal", 's', CLI_STRING, &sig, "SIGNAL", "signal to send (default SIGKILL)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "kill",
		.usage = "kill [OPTIONS] CONTAINER [CONTAINER...]",
		.description = "Send a signal to the main process of running containers.",
		MGR_OPTS(opts),
	};
	return each_container(m, &spec, argc, argv, kill_one, &sig, NULL);
}
