/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cubo-runc/opts.h"
#include "cubo-runc/runc.h"
#include "shared/fs.h"
#include "spec/config.h"

/*
 * runc's rule: a cgroup namespace only where /sys/fs/cgroup is cgroup2. On a
 * v1 or hybrid host a container with one would see its v1 hierarchies
 * rooted at its own cgroup, which tools written for that host do not expect.
 */
static bool host_cgroup2_unified(void)
{
	struct statfs sfs;

	return statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

static void drop_namespace(struct oci_linux *l, const char *type)
{
	size_t kept = 0;

	for (size_t i = 0; i < l->n_namespaces; i++) {
		if (strcmp(l->namespaces[i].type, type) == 0) {
			free(l->namespaces[i].type);
			free(l->namespaces[i].path);
			continue;
		}
		l->namespaces[kept++] = l->namespaces[i];
	}
	l->n_namespaces = kept;
}

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
			stdout, g->summary, "cubo-runc spec [options]",
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
	if (!err && cfg->linux_ && !host_cgroup2_unified())
		drop_namespace(cfg->linux_, "cgroup");
	if (!err)
		err = oci_config_to_json(cfg, true, &json, &len);
	if (!err)
		err = cubo_write_file_atomic(path, json, len, 0644);
	free(path);
	free(json);
	oci_config_free(cfg);
	return err ? runc_fail(g, err) : 0;
}
