/* SPDX-License-Identifier: Apache-2.0 */
/* `pause` and `resume`: freeze and thaw every process of a container through its cgroup. */
#include <stdio.h>
#include <stdlib.h>

#include "cubo-runc/cgroup.h"
#include "cubo-runc/container.h"
#include "cubo-runc/runc.h"

static struct cubo_error *set_frozen(struct container *c, bool frozen)
{
	enum container_status st = container_status(c);
	struct cgroup_set *cg;
	struct cubo_error *err;

	if (frozen && st != STATUS_RUNNING && st != STATUS_CREATED)
		return cubo_error_new("cannot pause container \"%s\" that is %s", c->id,
				      container_status_name(st));
	if (!frozen && st != STATUS_PAUSED)
		return cubo_error_new("cannot resume container \"%s\" that is %s", c->id,
				      container_status_name(st));
	if (!c->state->cgroup_paths.n)
		return cubo_error_new("container \"%s\" has no cgroup to freeze", c->id);
	CUBO_TRY(cgroup_set_from_strlist(&c->state->cgroup_paths, &cg));
	err = cgroup_set_freeze(cg, frozen);
	cgroup_set_free(cg);
	return cubo_error_wrap(err, "%s container \"%s\"", frozen ? "pause" : "resume", c->id);
}

static int pause_or_resume(struct runc_globals *g, int argc, char **argv, bool frozen)
{
	const char *verb = frozen ? "pause" : "resume";
	struct container *c = NULL;
	struct cubo_error *err;
	const char *id;
	int rc;

	if (!runc_take_id(g, argc, argv, verb,
			  frozen ? "Suspend every process of a container (cgroup freezer)."
				 : "Resume every process of a paused container.",
			  &id, &rc))
		return rc;
	err = container_load(g->root, id, true, &c);
	if (!err && !c->state)
		err = cubo_error_new("container \"%s\" is still being created", id);
	if (!err)
		err = set_frozen(c, frozen);
	container_free(c);
	return err ? runc_fail(g, err) : 0;
}

int cmd_pause(struct runc_globals *g, int argc, char **argv)
{
	return pause_or_resume(g, argc, argv, true);
}

int cmd_resume(struct runc_globals *g, int argc, char **argv)
{
	return pause_or_resume(g, argc, argv, false);
}
