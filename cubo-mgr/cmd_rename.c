/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr rename: a container's new name. Its hostname stays (as in
 * docker); a running one keeps running, and the peers on its user networks
 * know it by the new name.
 */
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/net/ctr_net.h"
#include "shared/xalloc.h"

static struct cubo_error *rename_container(struct ctr_ctx *c, const char *arg, const char *new_name)
{
	struct ctr_record r;
	CUBO_TRY(ctr_find(c, arg, &r));
	char *old = NULL;
	struct cubo_error *err = ctr_store_rename(&c->store, r.id, new_name, &old);
	if (!err) {
		free(r.name);
		r.name = xstrdup(new_name);
		char *dir = ctr_store_dir(&c->store, r.id);
		/* the record is renamed already: the networks' names are the rest */
		err = ctr_net_rename(c->store.root, dir, &r, old);
		free(dir);
	}
	free(old);
	ctr_record_free(&r);
	return err;
}

int cmd_rename(struct mgr *m, int argc, char **argv)
{
	const struct mgr_cmd_spec spec = {
		.name = "rename",
		.usage = "rename CONTAINER NEW_NAME",
		.description = "Rename a container, running or not. Its hostname does not change.",
		MGR_ARGS(2, 2, "expected CONTAINER and NEW_NAME"),
	};
	struct cli_args args;
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	/* docker takes "/name" as it shows names */
	const char *new_name = args.v[1][0] == '/' ? args.v[1] + 1 : args.v[1];
	struct ctr_ctx c;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (!err)
		err = rename_container(&c, args.v[0], new_name);
	ctr_ctx_close(&c);
	if (err)
		return mgr_fail(m, cubo_error_wrap(err, "rename %s", args.v[0]));
	return 0;
}
