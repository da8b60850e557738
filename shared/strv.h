/* SPDX-License-Identifier: Apache-2.0 */
/* NULL-terminated string vectors. */
#ifndef CUBO_SHARED_STRV_H
#define CUBO_SHARED_STRV_H

#include <stdbool.h>
#include <stddef.h>

size_t cubo_strv_len(char *const *v);
void cubo_strv_free(char **v);
/*
 * Append a copy of s (s must not be NULL). Allocation does not fail (see
 * shared/xalloc.h), so there is no result to check.
 */
void cubo_strv_push(char ***v, size_t *n, const char *s);
/* A deep copy; NULL only for a NULL v. */
char **cubo_strv_dup(char *const *v);
bool cubo_strv_contains(char *const *v, const char *s);
/* Split s on sep (empty fields dropped); never NULL (a NULL s gives an empty vector). */
char **cubo_strv_split(const char *s, char sep);
/* Value of KEY in an environment-style vector ("KEY=VALUE"), or NULL. */
const char *cubo_strv_env_get(char *const *env, const char *key);

#endif
