/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr image prune: remove dangling images and unused data. */
#include <stdio.h>
#include <stdlib.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/image/progress.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/image_view.h"
#include "cubo-mgr/mgr.h"

int cmd_image_prune(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool force = false, all = false;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "do not ask for confirmation"},
		{"all", 'a', CLI_BOOL, &all, NULL, "remove every image, not only dangling ones"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "image prune",
		.usage = "image prune [OPTIONS]",
		.description =
			"Remove dangling (unnamed) images, then every blob, extracted layer and\n"
			"partial download that no image uses.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (!force && !mgr_confirm(all ? "This will remove all images."
				       : "This will remove all dangling images."))
		return 0;
	struct store *s = NULL;
	struct store_image *imgs = NULL;
	size_t n = 0;
	struct store_gc_report rep = {0};
	struct image_users u = {0};
	/* alone in the store before looking at what containers use: see store.h */
	struct cubo_error *err = store_open_exclusive(m->root, &s);
	if (!err)
		err = image_users_list(m->root, &u);
	if (!err)
		err = store_image_list(s, &imgs, &n);
	for (size_t i = 0; !err && i < n; i++) {
		if (imgs[i].name && !all)
			continue;
		/* an image a container runs on stays, named or not */
		struct oci_manifest *man = NULL;
		bool used = false;
		if (!store_image_load(s, &imgs[i].manifest, &man, NULL)) {
			used = image_user_of(&u, man->config.digest) != NULL;
			oci_manifest_free(man);
		}
		if (used)
			continue;
		err = store_image_drop(s, imgs[i].manifest.digest);
		if (!err)
			printf("Deleted: %s\n", imgs[i].manifest.digest);
	}
	if (!err)
		err = store_gc(s, &rep);
	store_images_free(imgs, n);
	store_close(s);
	image_users_free(&u);
	if (err)
		return mgr_fail(m, err);
	char size[16];
	progress_format_bytes(rep.bytes, size);
	printf("Total reclaimed space: %s\n", size);
	return 0;
}
