/* SPDX-License-Identifier: Apache-2.0 */
/* docker's filters: see filter.h. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "shared/filter.h"
#include "shared/xalloc.h"

static size_t key_len(const char *filter)
{
	const char *eq = strchr(filter, '=');
	return eq ? (size_t)(eq - filter) : strlen(filter);
}

struct cubo_error *cubo_filter_check(char *const *filters, const char *const *keys)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *f = filters[i];
		size_t n = key_len(f);
		if (!f[n] || n == 0)
			return cubo_error_new("bad format of filter \"%s\" (expected name=value)",
					      f);
		bool known = false;
		for (size_t k = 0; keys[k] && !known; k++)
			known = strlen(keys[k]) == n && !strncmp(keys[k], f, n);
		if (!known)
			return cubo_error_new("invalid filter '%.*s'", (int)n, f);
	}
	return NULL;
}

bool cubo_filter_has(char *const *filters, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; filters && filters[i]; i++)
		if (key_len(filters[i]) == n && !strncmp(filters[i], key, n))
			return true;
	return false;
}

bool cubo_filter_match(char *const *filters, cubo_filter_fn fn, void *item)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		size_t n = key_len(filters[i]);
		/* each key once: at its first filter, with every value it has */
		bool first = true;
		for (size_t j = 0; j < i && first; j++)
			first = !(key_len(filters[j]) == n && !strncmp(filters[j], filters[i], n));
		if (!first)
			continue;
		char key[64];
		if (n >= sizeof(key))
			return false;
		memcpy(key, filters[i], n);
		key[n] = '\0';
		/* labels: every value (docker's MatchKVList); other keys: any value */
		bool every = !strcmp(key, "label"), ok = every;
		for (size_t j = i; filters[j] && ok == every; j++)
			if (key_len(filters[j]) == n && !strncmp(filters[j], key, n))
				ok = fn(key, filters[j] + n + 1, item);
		if (!ok)
			return false;
	}
	return true;
}

struct cubo_error *cubo_filter_bool(const char *key, const char *value, bool *out)
{
	if (!strcmp(value, "true") || !strcmp(value, "1"))
		*out = true;
	else if (!strcmp(value, "false") || !strcmp(value, "0"))
		*out = false;
	else
		return cubo_error_new("invalid filter '%s=%s'", key, value);
	return NULL;
}

bool cubo_filter_label(char *const *labels, const char *want)
{
	size_t n = key_len(want);
	for (size_t i = 0; labels && labels[i]; i++) {
		const char *l = labels[i];
		if (key_len(l) != n || strncmp(l, want, n))
			continue;
		if (!want[n])
			return true;
		return !strcmp(l[n] ? l + n + 1 : "", want + n + 1);
	}
	return false;
}

bool cubo_filter_reference(const char *pattern, const char *repository, const char *tag)
{
	if (!strcmp(repository, "<none>"))
		return false;
	char *full = strcmp(tag, "<none>") ? xasprintf("%s:%s", repository, tag) : NULL;
	bool match = full && !fnmatch(pattern, full, FNM_PATHNAME);
	free(full);
	return match || !fnmatch(pattern, repository, FNM_PATHNAME);
}
