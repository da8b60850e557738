/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr image prune: remove dangling images and unused data. */
#include <stdio.h>
#include <stdlib.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/image/progress.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/image_view.h"
#include "cubo-mgr/mgr.h"
#include "shared/strv.h"

int cmd_image_prune(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool force = false, all = false;
	char **filters = NULL;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "do not ask for confirmation"},
		{"all", 'a', CLI_BOOL, &all, NULL,
		 "remove every image no container uses, not only dangling ones"},
		{"filter", 0, CLI_LIST, &filters, "KEY=VALUE",
		 "until=TIME (created before it), label=KEY[=VALUE]"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "image prune",
		.usage = "image prune [OPTIONS]",
		.description =
			"Remove dangling (unnamed) images, or with -a every image no container "
			"uses,\nthen every blob, extracted layer and partial download that no "
			"image uses.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	struct cubo_error *err = rc < 0 ? prune_filter_check(filters) : NULL;
	if (err)
		rc = mgr_usage_error(m, "image prune", err);
	if (rc < 0 && !force &&
	    !mgr_confirm(all ? "This will remove all images without at least one container "
			       "associated to them."
			     : "This will remove all dangling images."))
		rc = 0;
	if (rc < 0) {
		uint64_t bytes = 0;
		err = image_prune(m, all, filters, &bytes);
		rc = mgr_prune_done(m, err, bytes);
	}
	cubo_strv_free(filters);
	return rc;
}

struct cubo_error *image_prune(struct mgr *m, bool all, char *const *filters, uint64_t *reclaimed)
{
	struct store *s = NULL;
	struct store_image *imgs = NULL;
	size_t n = 0;
	struct store_gc_report rep = {0};
	struct image_users u = {0};
	/* alone in the store before looking at what containers use: see store.h */
	struct cubo_error *err = store_open_exclusive(m->root, &s);
	bool header = false;
	if (!err)
		err = image_users_list(m->root, &u);
	if (!err)
		err = store_image_list(s, &imgs, &n);
	for (size_t i = 0; !err && i < n; i++) {
		if (imgs[i].name && !all)
			continue;
		/* an image a container runs on stays, named or not */
		struct oci_manifest *man = NULL;
		struct oci_image_config *cfg = NULL;
		bool keep = false;
		if (!store_image_load(s, &imgs[i].manifest, &man, &cfg)) {
			keep = image_user_of(&u, man->config.digest) != NULL;
			if (!keep && filters) {
				char **labels = image_labels(s, man->config.digest);
				keep = !prune_filter_match(filters, cfg->created, labels);
				cubo_strv_free(labels);
			}
			oci_manifest_free(man);
			oci_image_config_free(cfg);
		}
		if (keep)
			continue;
		err = store_image_drop(s, imgs[i].manifest.digest);
		if (!err && !header)
			printf("Deleted Images:\n");
		header = true;
		if (!err)
			printf("%s: %s\n", imgs[i].name ? "untagged" : "deleted",
			       imgs[i].name ? imgs[i].name : imgs[i].manifest.digest);
	}
	if (!err)
		err = store_gc(s, &rep);
	store_images_free(imgs, n);
	store_close(s);
	image_users_free(&u);
	*reclaimed += rep.bytes;
	return err;
}
