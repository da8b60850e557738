/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr load: read images from an OCI archive or a docker-archive. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/image/archive.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/mgr.h"

int cmd_load(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const char *input = NULL;
	bool quiet = false;
	const struct cli_opt opts[] = {
		{"input", 'i', CLI_STRING, &input, "FILE", "read from FILE instead of stdin"},
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print nothing"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "load",
		.usage = "load [OPTIONS]",
		MGR_ARGS(0, 0, "unexpected argument: use -i FILE"),
		.description =
			"Load images from an OCI archive or a docker-archive (plain, gzip or\n"
			"zstd), checking every blob's digest and every layer's diff_id.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (!input && isatty(STDIN_FILENO))
		return mgr_usage_error(
			m, "load", cubo_error_new("no archive on stdin: use -i FILE or a pipe"));
	struct store *s = NULL;
	struct cubo_error *err = store_open(m->root, &s);
	if (!err)
		err = image_archive_load(s, input ? input : "-", quiet ? NULL : stdout);
	store_close(s);
	return err ? mgr_fail(m, err) : 0;
}
