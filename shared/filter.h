/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker's --filter KEY=VALUE lists (images, volume ls, prune): the same key
 * given twice matches either value, different keys must all match; but
 * label= values must all match, as docker matches labels (MatchKVList):
 * `-f label=a -f label=b` lists what has both. Pure functions over the flag
 * values; what a key means is the caller's.
 */
#ifndef CUBO_SHARED_FILTER_H
#define CUBO_SHARED_FILTER_H

#include <stdbool.h>

#include "shared/error.h"

/*
 * Every filter is KEY=VALUE with KEY one of keys (NULL-terminated): else
 * docker's "invalid filter 'KEY'" or "bad format of filter".
 */
struct cubo_error *cubo_filter_check(char *const *filters, const char *const *keys);

/* Whether any filter has this key. */
bool cubo_filter_has(char *const *filters, const char *key);

/* fn's verdict on one KEY=VALUE for item. */
typedef bool (*cubo_filter_fn)(const char *key, const char *value, void *item);

/* Whether item passes the checked filters (none: it does). */
bool cubo_filter_match(char *const *filters, cubo_filter_fn fn, void *item);

/* dangling=true|false (also 1|0): else "invalid filter 'KEY=VALUE'". */
struct cubo_error *cubo_filter_bool(const char *key, const char *value, bool *out);

/*
 * label=KEY or label=KEY=VALUE against labels ("k=v" strings,
 * NULL-terminated or NULL): the key is there, with that value if one is given.
 */
bool cubo_filter_label(char *const *labels, const char *want);

/*
 * reference=PATTERN against an image's familiar name (repository "busybox",
 * "127.0.0.1:5000/x"; tag "latest" or "<none>"): docker's path glob (a '*'
 * stops at '/') over "REPOSITORY:TAG", then over REPOSITORY alone.
 */
bool cubo_filter_reference(const char *pattern, const char *repository, const char *tag);

#endif
