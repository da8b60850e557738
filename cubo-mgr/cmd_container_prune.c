/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr container prune: remove every stopped container. */
#include <stdio.h>
#include <stdlib.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/ctr_action.h"
#include "cubo-mgr/image/progress.h"
#include "cubo-mgr/image_view.h"
#include "shared/strv.h"

int cmd_container_prune(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool force = false;
	char **filters = NULL;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "do not ask for confirmation"},
		{"filter", 0, CLI_LIST, &filters, "KEY=VALUE",
		 "until=TIME (created before it), label=KEY[=VALUE]"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "container prune",
		.usage = "container prune [OPTIONS]",
		.description = "Remove every stopped container.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	struct cubo_error *err = rc < 0 ? prune_filter_check(filters) : NULL;
	if (err)
		rc = mgr_usage_error(m, "container prune", err);
	if (rc < 0 && !force && !mgr_confirm("This will remove all stopped containers."))
		rc = 0;
	if (rc < 0) {
		uint64_t bytes = 0;
		err = container_prune(m, filters, &bytes);
		rc = mgr_prune_done(m, err, bytes);
	}
	cubo_strv_free(filters);
	return rc;
}

struct cubo_error *container_prune(struct mgr *m, char *const *filters, uint64_t *reclaimed)
{
	struct ctr_ctx c;
	struct ctr_record *v = NULL;
	size_t n = 0;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (err)
		return err;
	err = ctr_reconcile_store(&c.store);
	if (!err)
		err = ctr_store_list(&c.store, &v, &n);
	if (err) {
		ctr_ctx_close(&c);
		return err;
	}
	printf("Deleted Containers:\n");
	for (size_t i = 0; i < n && !err; i++) {
		bool removed;
		if ((err = ctr_reconcile_one(&c.store, &v[i], &removed)))
			break;
		if (removed || v[i].monitor_pid ||
		    !prune_filter_match(filters, v[i].created[0] ? v[i].created : NULL,
					v[i].labels))
			continue;
		uint64_t bytes = ctr_disk_size(&c, v[i].id);
		if (!(err = ctr_remove_record(&c, &v[i], false))) {
			printf("%s\n", v[i].id);
			*reclaimed += bytes;
		}
	}
	ctr_records_free(v, n);
	ctr_ctx_close(&c);
	return err;
}
