/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr container prune: remove every stopped container. */
#include <stdio.h>
#include <stdlib.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/ctr_action.h"

int cmd_container_prune(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool force = false;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "do not ask for confirmation"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "container prune",
		.usage = "container prune [OPTIONS]",
		.description = "Remove every stopped container.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (!force && !mgr_confirm("This will remove all stopped containers."))
		return 0;
	struct ctr_ctx c;
	struct ctr_record *v = NULL;
	size_t n = 0;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (!err)
		err = ctr_reconcile_store(&c.store);
	if (!err)
		err = ctr_store_list(&c.store, &v, &n);
	if (err) {
		ctr_ctx_close(&c);
		return mgr_fail(m, err);
	}
	printf("Deleted Containers:\n");
	for (size_t i = 0; i < n; i++) {
		bool removed;
		if ((err = ctr_reconcile_one(&c.store, &v[i], &removed))) {
			rc = mgr_fail(m, err);
			continue;
		}
		if (removed || v[i].monitor_pid)
			continue;
		if ((err = ctr_remove_record(&c, &v[i], false)))
			rc = mgr_fail(m, err);
		else
			printf("%s\n", v[i].id);
	}
	ctr_records_free(v, n);
	ctr_ctx_close(&c);
	return rc > 0 ? rc : 0;
}
