/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr init: prepare the root directory. */
#include <stdio.h>
#include <stdlib.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/image/store.h"
#include "shared/fs.h"

int cmd_init(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const struct mgr_cmd_spec spec = {
		.name = "init",
		.usage = "init",
		.description = "Prepare the root directory: the image store, the container and "
			       "volume\ndirectories; repair what killed commands left.",
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct store *s = NULL;
	struct ctr_ctx c;
	struct cubo_error *err = store_open(m->root, &s);
	store_close(s);
	if (!err && !(err = ctr_ctx_open(m, &c))) {
		err = ctr_reconcile_store(&c.store);
		char *vols = cubo_path_join(m->root, "volumes");
		if (!err)
			err = cubo_mkdir_p(vols, 0700);
		free(vols);
		ctr_ctx_close(&c);
	}
	if (err)
		return mgr_fail(m, err);
	printf("Initialized %s\n", m->root);
	return 0;
}
