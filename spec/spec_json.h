/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON building blocks shared by the readers and writers of spec/ (runtime
 * config, image index, manifest and config). Internal to spec/.
 */
#ifndef CUBO_SPEC_SPEC_JSON_H
#define CUBO_SPEC_SPEC_JSON_H

#include "shared/json.h"
#include "spec/config.h"

/* Run expr with key (or index) pushed on the path. */
#define WITH_KEY(c, key, expr)                                                                     \
	do {                                                                                       \
		size_t _mark = cubo_json_push_key(c, key);                                         \
		struct cubo_error *_err = (expr);                                                  \
		cubo_json_pop(c, _mark);                                                           \
		if (_err)                                                                          \
			return _err;                                                               \
	} while (0)
#define WITH_INDEX(c, i, expr)                                                                     \
	do {                                                                                       \
		size_t _mark = cubo_json_push_index(c, i);                                         \
		struct cubo_error *_err = (expr);                                                  \
		cubo_json_pop(c, _mark);                                                           \
		if (_err)                                                                          \
			return _err;                                                               \
	} while (0)

typedef struct cubo_error *(*spec_elem_fn)(struct cubo_json_ctx *c, yajl_val v, void *elem);

/* A member that is an array of strings. */
struct cubo_error *spec_strlist(struct cubo_json_ctx *c, yajl_val obj, const char *key,
				bool required, struct oci_strlist *out);
/*
 * An array member of objects: allocate *arr (never NULL when present, even
 * when empty, so that generation can tell [] from absent) and call fn on each.
 */
struct cubo_error *spec_object_array(struct cubo_json_ctx *c, yajl_val obj, const char *key,
				     bool required, size_t size, void **arr, size_t *n,
				     spec_elem_fn fn);
/* A member that is an object of strings. */
struct cubo_error *spec_string_map(struct cubo_json_ctx *c, yajl_val obj, const char *key,
				   struct oci_map *out);

void spec_strlist_free(struct oci_strlist *l);
void spec_map_free(struct oci_map *m);

/* Generate "key": value, leaving out absent (NULL) values. */
void spec_kstr(struct cubo_json_gen *g, const char *key, const char *s);
void spec_kstrlist(struct cubo_json_gen *g, const char *key, const struct oci_strlist *l);
void spec_kmap(struct cubo_json_gen *g, const char *key, const struct oci_map *m);

#endif
