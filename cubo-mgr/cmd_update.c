/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr update: change the settings of existing containers. Today the
 * restart policy; each setting is one field of struct update_ctx, checked
 * once and applied to the record under the container's lock.
 */
#include <stdlib.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/restart.h"
#include "cubo-mgr/ctr_action.h"
#include "shared/lock.h"

struct update_ctx {
	const char *restart; /* --restart as given; NULL: unchanged */
	struct restart_policy policy;
};

static struct cubo_error *update_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	const struct update_ctx *u = ctx;
	int lock;
	CUBO_TRY(ctr_store_lock(&c->store, r->id, &lock));
	char *dir = ctr_store_dir(&c->store, r->id);
	struct ctr_record now;
	struct cubo_error *err = ctr_record_load(dir, &now);
	if (!err) {
		if (u->restart && u->policy.kind != RESTART_NO && now.auto_remove)
			err = cubo_error_new("container %s: the restart policy cannot be changed: "
					     "it is removed when it exits (--rm)",
					     now.name);
		if (!err && u->restart)
			restart_policy_set(&now, &u->policy);
		if (!err)
			err = ctr_record_save(dir, &now);
		if (!err)
			ctr_event(c, &now, "update", NULL);
		ctr_record_free(&now);
	}
	cubo_unlock(lock);
	free(dir);
	return err;
}

int cmd_update(struct mgr *m, int argc, char **argv)
{
	struct update_ctx u = {0};
	const struct cli_opt opts[] = {
		{"restart", 0, CLI_STRING, &u.restart, "POLICY",
		 "no, on-failure[:N], always or unless-stopped"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "update",
		.usage = "update [OPTIONS] CONTAINER [CONTAINER...]",
		.description = "Change the settings of containers, running or not. A new restart "
			       "policy\napplies from the container's next exit.",
		MGR_ARGS(1, MGR_ARGS_ANY, "expected at least one container"),
		MGR_OPTS(opts),
	};
	struct cli_args args;
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (!u.restart)
		return mgr_usage_error(m, "update",
				       cubo_error_new("expected at least one setting to change "
						      "(--restart)"));
	struct cubo_error *err = restart_policy_parse(u.restart, &u.policy);
	if (err)
		return mgr_usage_error(m, "update", cubo_error_wrap(err, "--restart"));
	return each_container_of(m, &args, update_one, &u, NULL);
}
