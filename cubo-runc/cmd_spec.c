/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cubo-runc/opts.h"
#include "cubo-runc/runc.h"
#include "shared/fs.h"
#include "spec/config.h"

int cmd_spec(struct runc_globals *g, int argc, char **argv)
{
	const char *bundle = ".";
	bool help, rootless = false;
	struct oci_config *cfg = NULL;
	char *json = NULL, *path;
	size_t len;
	int first;
	const struct runc_opt opts[] = {
		{"bundle", 'b', OPT_STRING, &bundle, "DIR",
		 "where to write config.json (default: .)"},
		{"rootless", 0, OPT_BOOL, &rootless, NULL,
		 "a config for a container started by an unprivileged user"},
	};
	struct cubo_error *err = opts_parse_anywhere(argc, argv, opts, OPTS_N(opts), &help, &first);

	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(
			stdout, "cubo-runc spec [options]",
			"Write a default config.json (running sh in ./rootfs) to the bundle.", opts,
			OPTS_N(opts));
		return 0;
	}
	path = cubo_path_join(bundle, "config.json");
	if (cubo_path_exists(path)) {
		err = cubo_error_new("%s already exists: remove it first", path);
		free(path);
		return runc_fail(g, err);
	}
	err = oci_config_default(rootless, getuid(), getgid(), &cfg);
	if (!err)
		err = oci_config_to_json(cfg, true, &json, &len);
	if (!err)
		err = cubo_write_file_atomic(path, json, len, 0644);
	free(path);
	free(json);
	oci_config_free(cfg);
	return err ? runc_fail(g, err) : 0;
}
