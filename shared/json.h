/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small helpers over yajl shared by every JSON reader and writer.
 *
 * Generating: a cubo_json_gen wraps yajl_gen. The emit calls do not return
 * errors; the first failure (bad nesting, a key where a value belongs) is
 * remembered and reported by cubo_json_gen_finish(), so callers write the
 * document straight through and check once.
 *
 * Parsing: cubo_json_parse() builds a yajl_tree and turns a syntax error into
 * one line with the source name, line, column and byte offset. The typed
 * readers then take a cubo_json_ctx that carries the JSON path of the value
 * being read, so a type error reads
 *
 *   config.json: process.rlimits[2].hard: expected unsigned integer, got string
 *
 * Callers push a key or index before reading a member and pop it afterwards
 * (or use the cubo_json_field_* readers, which do both).
 */
#ifndef CUBO_SHARED_JSON_H
#define CUBO_SHARED_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_tree.h>

#include "shared/error.h"
#include "shared/xalloc.h"

/* ---- generating ---- */

struct cubo_json_gen;

/* pretty: one member per line, indented with a tab (what `runc spec` writes). */
struct cubo_error *cubo_json_gen_new(bool pretty, struct cubo_json_gen **out);
void cubo_json_gen_map_open(struct cubo_json_gen *g);
void cubo_json_gen_map_close(struct cubo_json_gen *g);
void cubo_json_gen_array_open(struct cubo_json_gen *g);
void cubo_json_gen_array_close(struct cubo_json_gen *g);
void cubo_json_gen_key(struct cubo_json_gen *g, const char *key);
/* A NULL string is written as null. */
void cubo_json_gen_string(struct cubo_json_gen *g, const char *s);
void cubo_json_gen_string_len(struct cubo_json_gen *g, const char *s, size_t len);
void cubo_json_gen_int(struct cubo_json_gen *g, int64_t v);
void cubo_json_gen_uint(struct cubo_json_gen *g, uint64_t v);
void cubo_json_gen_bool(struct cubo_json_gen *g, bool v);
void cubo_json_gen_null(struct cubo_json_gen *g);
/* An array of strings (n of them, or up to the NULL terminator when n is SIZE_MAX). */
void cubo_json_gen_strv(struct cubo_json_gen *g, char *const *v, size_t n);
/* Any parsed value, written back out (to embed a document in another). */
void cubo_json_gen_value(struct cubo_json_gen *g, yajl_val v);
/*
 * End the document: *out is malloc'd, NUL-terminated, *len excludes the NUL.
 * Always frees g, also on error (an unbalanced or invalid document).
 */
struct cubo_error *cubo_json_gen_finish(struct cubo_json_gen *g, char **out, size_t *len);
/* Drop a generator without finishing it. */
void cubo_json_gen_free(struct cubo_json_gen *g);

/* ---- parsing ---- */

/* Deeper documents are refused: no config needs them, and freeing is recursive. */
#define CUBO_JSON_MAX_DEPTH 256

/*
 * Parse text (need not be NUL-terminated) into a tree to free with
 * yajl_tree_free(). Errors read "SOURCE: invalid JSON at line L, column C
 * (byte B): parse error: ...".
 */
struct cubo_error *cubo_json_parse(const char *text, size_t len, const char *source, yajl_val *out);

struct cubo_json_ctx {
	const char *source; /* "config.json" */
	size_t len;	    /* bytes used in path */
	char path[1024];    /* "process.rlimits[2]"; truncated paths end in "..." */
};

void cubo_json_ctx_init(struct cubo_json_ctx *c, const char *source);
/* Descend into a member or element; returns a mark for cubo_json_pop(). */
size_t cubo_json_push_key(struct cubo_json_ctx *c, const char *key);
size_t cubo_json_push_index(struct cubo_json_ctx *c, size_t index);
void cubo_json_pop(struct cubo_json_ctx *c, size_t mark);

/* "SOURCE: PATH: message" (the path part left out at the top level). */
struct cubo_error *cubo_json_error(const struct cubo_json_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "string", "number", "object", "array", "boolean", "null". */
const char *cubo_json_type_name(yajl_val v);

/* Member of an object, NULL when absent or when obj is not an object. */
yajl_val cubo_json_get(yajl_val obj, const char *key);

/* Readers of the value at the current path; v must not be NULL. */
struct cubo_error *cubo_json_expect_object(const struct cubo_json_ctx *c, yajl_val v);
struct cubo_error *cubo_json_expect_array(const struct cubo_json_ctx *c, yajl_val v);
struct cubo_error *cubo_json_as_string(const struct cubo_json_ctx *c, yajl_val v, char **out);
struct cubo_error *cubo_json_as_bool(const struct cubo_json_ctx *c, yajl_val v, bool *out);
struct cubo_error *cubo_json_as_int64(const struct cubo_json_ctx *c, yajl_val v, int64_t *out);
struct cubo_error *cubo_json_as_uint64(const struct cubo_json_ctx *c, yajl_val v, uint64_t *out);
/* Range-checked against [min, max]. */
struct cubo_error *cubo_json_as_int_range(const struct cubo_json_ctx *c, yajl_val v, int64_t min,
					  int64_t max, int64_t *out);
struct cubo_error *cubo_json_as_uint_range(const struct cubo_json_ctx *c, yajl_val v, uint64_t max,
					   uint64_t *out);
struct cubo_error *cubo_json_as_int32(const struct cubo_json_ctx *c, yajl_val v, int32_t *out);
struct cubo_error *cubo_json_as_uint32(const struct cubo_json_ctx *c, yajl_val v, uint32_t *out);
struct cubo_error *cubo_json_as_uint16(const struct cubo_json_ctx *c, yajl_val v, uint16_t *out);
/* An array of strings: *out is NULL-terminated (NULL for an empty array is not used:
 * an empty array gives a vector holding only the terminator). */
struct cubo_error *cubo_json_as_strv(const struct cubo_json_ctx *c, yajl_val v, char ***out,
				     size_t *n);

/*
 * Member readers: push key, read, pop. *present (may be NULL) tells whether the
 * member was there; an absent member leaves *out untouched, and is an error
 * ("missing required field") when `required`. A JSON null counts as absent,
 * as Go's encoding/json treats it.
 */
struct cubo_error *cubo_json_field_string(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					  bool required, char **out);
struct cubo_error *cubo_json_field_bool(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					bool *out, bool *present);
struct cubo_error *cubo_json_field_int64(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					 bool required, int64_t *out, bool *present);
struct cubo_error *cubo_json_field_uint64(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					  bool required, uint64_t *out, bool *present);
struct cubo_error *cubo_json_field_int32(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					 bool required, int32_t *out, bool *present);
struct cubo_error *cubo_json_field_uint32(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					  bool required, uint32_t *out, bool *present);
struct cubo_error *cubo_json_field_uint16(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					  bool required, uint16_t *out, bool *present);
struct cubo_error *cubo_json_field_strv(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					bool required, char ***out, size_t *n);
/* A member that is absent/null gives NULL; otherwise it must be an object or array. */
struct cubo_error *cubo_json_field_object(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					  bool required, yajl_val *out);
struct cubo_error *cubo_json_field_array(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					 bool required, yajl_val *out);

#endif
