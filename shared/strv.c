/* SPDX-License-Identifier: Apache-2.0 */
#include "shared/strv.h"

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

bool cubo_strv_push(char ***v, size_t *n, const char *s)
{
	size_t len = n ? *n : cubo_strv_len(*v);
	char *copy = strdup(s);
	char **grown;

	if (!copy)
		return false;
	grown = realloc(*v, (len + 2) * sizeof(*grown));
	if (!grown) {
		free(copy);
		return false;
	}
	grown[len] = copy;
	grown[len + 1] = NULL;
	*v = grown;
	if (n)
		*n = len + 1;
	return true;
}

char **cubo_strv_dup(char *const *v)
{
	size_t n = cubo_strv_len(v);
	char **copy;

	if (!v)
		return NULL;
	copy = calloc(n + 1, sizeof(*copy));
	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		copy[i] = strdup(v[i]);
		if (!copy[i]) {
			cubo_strv_free(copy);
			return NULL;
		}
	}
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
	char **v = calloc(1, sizeof(*v));
	size_t n = 0;

	if (!v || !s)
		return v;
	while (*s) {
		const char *end = strchr(s, sep);
		size_t len = end ? (size_t)(end - s) : strlen(s);

		if (len > 0) {
			char *field = strndup(s, len);
			bool ok = field && cubo_strv_push(&v, &n, field);

			free(field);
			if (!ok) {
				cubo_strv_free(v);
				return NULL;
			}
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
