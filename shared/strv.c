/* SPDX-License-Identifier: Apache-2.0 */
#include "shared/strv.h"
#include "shared/xalloc.h"

#include <stdlib.h>
#include <string.h>

size_t cubo_strv_len(char *const *v)
{
	size_t n = 0;

	if (!v)
		return 0;
	while (v[n])
		n++;
	return n;
}

void cubo_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void cubo_strv_push(char ***v, size_t *n, const char *s)
{
	size_t len = n ? *n : cubo_strv_len(*v);

	*v = xreallocarray(*v, len + 2, sizeof(**v));
	/* not xstrdup, which keeps NULL: a NULL entry would cut the vector short */
	(*v)[len] = xmemdup(s, strlen(s) + 1);
	(*v)[len + 1] = NULL;
	if (n)
		*n = len + 1;
}

char **cubo_strv_dup(char *const *v)
{
	size_t n = cubo_strv_len(v);
	char **copy;

	if (!v)
		return NULL;
	copy = xcalloc(n + 1, sizeof(*copy));
	for (size_t i = 0; i < n; i++)
		copy[i] = xstrdup(v[i]);
	return copy;
}

bool cubo_strv_contains(char *const *v, const char *s)
{
	if (!v)
		return false;
	for (; *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

char **cubo_strv_split(const char *s, char sep)
{
	char **v = xcalloc(1, sizeof(*v));
	size_t n = 0;

	if (!s)
		return v;
	while (*s) {
		const char *end = strchr(s, sep);
		size_t len = end ? (size_t)(end - s) : strlen(s);

		if (len > 0) {
			char *field = xstrndup(s, len);

			cubo_strv_push(&v, &n, field);
			free(field);
		}
		if (!end)
			break;
		s = end + 1;
	}
	return v;
}

/*
 * The last entry wins: images and command lines append overrides to the end
 * of an environment, and that is what docker and Go's os/exec honour too.
 */
const char *cubo_strv_env_get(char *const *env, const char *key)
{
	size_t klen = strlen(key);
	const char *found = NULL;

	if (!env || klen == 0 || strchr(key, '='))
		return NULL;
	for (; *env; env++)
		if (strncmp(*env, key, klen) == 0 && (*env)[klen] == '=')
			found = *env + klen + 1;
	return found;
}
