/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr rm: remove containers. */
#include "cubo-mgr/cli.h"
#include "cubo-mgr/ctr_action.h"
#include "shared/testpoint.h"

struct rm_ctx {
	bool force, volumes;
};

static struct cubo_error *rm_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	struct rm_ctx *rc = ctx;
	if (r->monitor_pid) {
		if (!rc->force)
			return cubo_error_new("cannot remove container %s: it is %s; stop it first "
					      "or use --force",
					      r->name, ctr_record_state(r));
		CUBO_TRY(ctr_stop(c, r, 0, NULL));
		cubo_test_point("rm-after-stop");
		/* a --rm container is gone once its monitor is done */
		struct ctr_record now;
		struct cubo_error *err = ctr_find(c, r->id, &now);
		if (err) {
			cubo_error_free(err);
			return NULL;
		}
		ctr_record_free(r);
		*r = now;
	}
	return ctr_remove_record(c, r, rc->volumes);
}

int cmd_rm(struct mgr *m, int argc, char **argv)
{
	struct rm_ctx rc = {0};
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &rc.force, NULL, "kill and remove running containers"},
		{"volumes", 'v', CLI_BOOL, &rc.volumes, NULL,
		 "remove the anonymous volumes of the containers too"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "rm",
		.usage = "rm [OPTIONS] CONTAINER [CONTAINER...]",
		.description = "Remove containers: their directory, log and changes.",
		MGR_OPTS(opts),
	};
	return each_container(m, &spec, argc, argv, rm_one, &rc, NULL);
}
