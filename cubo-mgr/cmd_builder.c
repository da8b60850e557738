/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr builder prune: empty the build cache (<root>/build-cache, one
 * record per step: builder/cache.h), as docker's classic builder does.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/image_view.h"
#include "cubo-mgr/mgr.h"
#include "shared/du.h"
#include "shared/filter.h"
#include "shared/fs.h"
#include "shared/strv.h"

/* A record passes the filters' until= (other keys do not apply to it). */
static bool record_matches(char *const *filters, time_t written)
{
	for (size_t i = 0; filters && filters[i]; i++)
		if (!strncmp(filters[i], "until=", 6) && !filter_until(filters[i] + 6, written))
			return false;
	return true;
}

struct cubo_error *build_cache_prune(struct mgr *m, char *const *filters, uint64_t *reclaimed)
{
	char *cache = cubo_path_join(m->root, BUILD_CACHE_DIR);
	DIR *dir = opendir(cache);
	struct dirent *e;
	unsigned n = 0;
	while (dir && (e = readdir(dir))) {
		struct stat st;
		if (e->d_name[0] == '.' ||
		    fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !record_matches(filters, st.st_mtime))
			continue;
		uint64_t bytes = 0;
		char *p = cubo_path_join(cache, e->d_name);
		cubo_error_free(cubo_du(p, &bytes));
		if (unlink(p) == 0) {
			if (!n++)
				printf("Deleted build cache objects:\n");
			printf("%s\n", e->d_name);
			*reclaimed += bytes;
		}
		free(p);
	}
	if (dir)
		closedir(dir);
	free(cache);
	return NULL;
}

int cmd_builder_prune(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool all = false, force = false;
	char **filters = NULL;
	const struct cli_opt opts[] = {
		{"all", 'a', CLI_BOOL, &all, NULL,
		 "all build cache (every record is unused between builds: the same)"},
		{"force", 'f', CLI_BOOL, &force, NULL, "do not ask for confirmation"},
		{"filter", 0, CLI_LIST, &filters, "KEY=VALUE",
		 "until=TIME (records written before it)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "builder prune",
		.usage = "builder prune [OPTIONS]",
		MGR_ARGS(0, 0, "expected no arguments"),
		.description = "Remove the build cache: the records that let a build reuse a "
			       "step's result.\nThe layers they name stay while an image uses "
			       "them (image prune removes the rest).",
		MGR_OPTS(opts),
	};
	static const char *const keys[] = {"until", NULL};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	struct cubo_error *err = NULL;
	if (rc < 0 && !(err = cubo_filter_check(filters, keys)))
		err = filter_until_check(filters);
	if (err)
		rc = mgr_usage_error(m, "builder prune", err);
	if (rc < 0 && !force &&
	    !mgr_confirm(all ? "This will remove all build cache."
			     : "This will remove all dangling build cache."))
		rc = 0;
	if (rc < 0) {
		uint64_t bytes = 0;
		err = build_cache_prune(m, filters, &bytes);
		rc = mgr_prune_done(m, err, bytes);
	}
	cubo_strv_free(filters);
	return rc;
}
