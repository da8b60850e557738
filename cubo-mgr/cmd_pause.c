/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr pause and unpause: freeze and thaw containers. */
#include <stdlib.h>

#include "cubo-mgr/ctr_action.h"
#include "shared/lock.h"

static struct cubo_error *set_paused(struct ctr_ctx *c, struct ctr_record *r, bool paused)
{
	int lock;
	CUBO_TRY(ctr_store_lock(&c->store, r->id, &lock));
	char *dir = ctr_store_dir(&c->store, r->id);
	struct ctr_record now = {0};
	struct cubo_error *err = ctr_record_load(dir, &now);
	if (!err && now.status != (paused ? CTR_RUNNING : CTR_PAUSED))
		err = cubo_error_new("container %s is %s", r->name,
				     paused && now.status == CTR_PAUSED
					     ? "already paused"
					     : "not paused or not running");
	if (!err) {
		struct ctr_runtime rt = ctr_runtime_of(c, r);
		err = runtime_pause(&rt, r->id, !paused);
	}
	if (!err) {
		now.status = paused ? CTR_PAUSED : CTR_RUNNING;
		err = ctr_record_save(dir, &now);
	}
	if (!err)
		ctr_event(c, &now, paused ? "pause" : "unpause", NULL);
	ctr_record_free(&now);
	free(dir);
	cubo_unlock(lock);
	return err;
}

static struct cubo_error *pause_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	(void)ctx;
	return set_paused(c, r, true);
}

static struct cubo_error *unpause_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	(void)ctx;
	return set_paused(c, r, false);
}

int cmd_pause(struct mgr *m, int argc, char **argv)
{
	const struct mgr_cmd_spec spec = {
		.name = "pause",
		.usage = "pause CONTAINER [CONTAINER...]",
		.description = "Freeze every process of running containers.",
	};
	return each_container(m, &spec, argc, argv, pause_one, NULL, NULL);
}

int cmd_unpause(struct mgr *m, int argc, char **argv)
{
	const struct mgr_cmd_spec spec = {
		.name = "unpause",
		.usage = "unpause CONTAINER [CONTAINER...]",
		.description = "Thaw paused containers.",
	};
	return each_container(m, &spec, argc, argv, unpause_one, NULL, NULL);
}
