/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr save: write images to an OCI and docker archive. */
#include <stdlib.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/image/archive.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/mgr.h"
#include "shared/xalloc.h"

int cmd_save(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const char *output = NULL;
	const struct cli_opt opts[] = {
		{"output", 'o', CLI_STRING, &output, "FILE", "write to FILE instead of stdout"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "save",
		.usage = "save [OPTIONS] IMAGE [IMAGE...]",
		MGR_ARGS(1, MGR_ARGS_ANY, "expected at least one image"),
		.description =
			"Write images to a tar archive that is both an OCI image layout and a\n"
			"docker-archive, so cubo-mgr, podman, docker and skopeo all load it.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (!output && isatty(STDOUT_FILENO))
		return mgr_usage_error(
			m, "save",
			cubo_error_new("refusing to write an archive to a terminal: use -o FILE"));
	struct store *s = NULL;
	struct store_match *matches = xcalloc((size_t)args.n, sizeof(*matches));
	struct archive_image *images = xcalloc((size_t)args.n, sizeof(*images));
	int found = 0;
	struct cubo_error *err = store_open(m->root, &s);
	for (; !err && found < args.n; found++) {
		if ((err = store_image_find(s, args.v[found], NULL, &matches[found])))
			break;
		/* by ID: the image under its first name */
		size_t k = 0;
		while (k + 1 < matches[found].n && !matches[found].v[k].name)
			k++;
		images[found].name =
			matches[found].v[k].name ? matches[found].v[k].name : args.v[found];
		images[found].manifest = &matches[found].v[k].manifest;
	}
	if (!err)
		err = image_archive_save(s, images, (size_t)args.n, output ? output : "-");
	for (int i = 0; i < found; i++)
		store_match_free(&matches[i]);
	free(matches);
	free(images);
	store_close(s);
	return err ? mgr_fail(m, err) : 0;
}
