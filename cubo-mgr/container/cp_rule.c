/* SPDX-License-Identifier: Apache-2.0 */
/* docker cp's argument and SRC/DEST rules: see cp_rule.h. */
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/container/cp_rule.h"
#include "shared/xalloc.h"

struct cubo_error *cp_arg_split(const char *arg, char **container, char **path)
{
	*container = NULL;
	*path = NULL;
	const char *colon = strchr(arg, ':');
	/* absolute, explicitly relative ("./a:b") or colon-free: a local path */
	if (arg[0] == '/' || arg[0] == '.' || !colon) {
		if (!arg[0])
			return cubo_error_new("empty path");
		*path = xstrdup(arg);
		return NULL;
	}
	if (colon == arg)
		return cubo_error_new("\"%s\": no container name before ':'", arg);
	*container = xstrndup(arg, (size_t)(colon - arg));
	/* relative to the container's root, so "web:" is the root itself */
	*path = xstrdup(colon[1] ? colon + 1 : "/");
	return NULL;
}

/* path without trailing slashes ("/" stays "/"); caller frees */
static char *trim_slashes(const char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	return xstrndup(path, n);
}

char *cp_base_name(const char *path)
{
	char *t = trim_slashes(path);
	if (!t[0]) {
		free(t);
		return xstrdup(".");
	}
	char *slash = strrchr(t, '/');
	char *b = xstrdup(slash && slash[1] ? slash + 1 : t);
	free(t);
	return b;
}

char *cp_dir_name(const char *path)
{
	char *t = trim_slashes(path);
	char *slash = strrchr(t, '/');
	char *d;
	if (!slash)
		d = xstrdup(".");
	else if (slash == t)
		d = xstrdup("/");
	else
		d = xstrndup(t, (size_t)(slash - t));
	free(t);
	return d;
}

bool cp_names_contents(const char *path)
{
	size_t n = strlen(path);
	return !strcmp(path, ".") || (n >= 2 && !strcmp(path + n - 2, "/."));
}

bool cp_names_dir(const char *path)
{
	size_t n = strlen(path);
	return (n && path[n - 1] == '/') || cp_names_contents(path);
}

/* "/", "/.", "." and the like: the root or the current directory itself */
static bool is_top(const char *path)
{
	char *b = cp_base_name(path);
	bool top = !strcmp(b, "/") || !strcmp(b, ".");
	free(b);
	return top;
}

struct cubo_error *cp_plan_make(const struct cp_side *src, const struct cp_side *dest,
				struct cp_plan *out)
{
	out->dir = NULL;
	out->name = NULL;
	const char *s = src->label ? src->label : src->path;
	const char *d = dest->label ? dest->label : dest->path;
	if (src->kind == CP_MISSING)
		return cubo_error_new("%s: no such file or directory", s);
	if (src->kind == CP_FILE && cp_names_dir(src->path))
		return cubo_error_new("%s: not a directory", s);
	if (dest->kind == CP_FILE && cp_names_dir(dest->path))
		return cubo_error_new("%s: not a directory", d);
	if (src->kind == CP_DIR && dest->kind == CP_FILE)
		return cubo_error_new("cannot copy a directory to a file: %s", d);
	if (src->kind == CP_FILE && dest->kind == CP_MISSING && cp_names_dir(dest->path))
		return cubo_error_new("%s: the destination directory must exist", d);
	if (dest->kind == CP_DIR) {
		out->dir = xstrdup(dest->path);
		/* "SRC/." and the root itself: what is in it, not the directory */
		if (src->kind == CP_FILE || !(cp_names_contents(src->path) || is_top(src->path)))
			out->name = cp_base_name(src->path);
		return NULL;
	}
	if (is_top(dest->path))
		return cubo_error_new("%s: no such directory", d);
	/* a missing DEST, or a file replaced: the top entry takes DEST's name */
	out->dir = cp_dir_name(dest->path);
	out->name = cp_base_name(dest->path);
	return NULL;
}

void cp_plan_free(struct cp_plan *p)
{
	free(p->dir);
	free(p->name);
	p->dir = p->name = NULL;
}
