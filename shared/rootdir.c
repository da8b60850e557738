/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/rootdir.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

static const char *env_nonempty(char *const *env, const char *key)
{
	const char *v = cubo_strv_env_get(env, key);
	return v && *v ? v : NULL;
}

struct cubo_error *cubo_rootdir_resolve(const char *flag, char *const *env, char **out)
{
	const char *v;
	char *path;

	if (flag && *flag)
		path = xstrdup(flag);
	else if ((v = env_nonempty(env, "CUBO_ROOT")))
		path = xstrdup(v);
	else if ((v = env_nonempty(env, "XDG_STATE_HOME")))
		path = xasprintf("%s/cubo", v);
	else if ((v = env_nonempty(env, "XDG_DATA_HOME")))
		path = xasprintf("%s/cubo", v);
	else if ((v = env_nonempty(env, "HOME")))
		path = xasprintf("%s/.local/state/cubo", v);
	else
		path = xstrdup("/tmp/cubo");
	if (path[0] != '/') {
		char cwd[PATH_MAX], *abs;
		if (!getcwd(cwd, sizeof(cwd))) {
			free(path);
			return cubo_error_errno("root directory: current directory");
		}
		abs = xasprintf("%s/%s", cwd, path);
		free(path);
		path = abs;
	}
	/* "dir/" and "dir" are the same root */
	for (size_t n = strlen(path); n > 1 && path[n - 1] == '/'; n--)
		path[n - 1] = 0;
	*out = path;
	return NULL;
}
