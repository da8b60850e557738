/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON helpers: cubo_json_parse on any bytes (and no tree deeper than its
 * limit), then every typed reader on every node of the tree (with the JSON
 * path growing past its buffer on deep or long-keyed documents), then the
 * tree written back through cubo_json_gen must parse again.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/json.h"
#include "tests/fuzz/fuzz.h"

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Every reader on one value: each either succeeds or returns an error. */
static void read_value(struct cubo_json_ctx *c, yajl_val v)
{
	char *s = NULL, **sv = NULL;
	bool b;
	int64_t i64;
	uint64_t u64;
	int32_t i32;
	uint32_t u32;
	uint16_t u16;
	size_t n;

	fuzz_drop(cubo_json_expect_object(c, v));
	fuzz_drop(cubo_json_expect_array(c, v));
	fuzz_drop(cubo_json_as_string(c, v, &s));
	free(s);
	fuzz_drop(cubo_json_as_bool(c, v, &b));
	fuzz_drop(cubo_json_as_int64(c, v, &i64));
	fuzz_drop(cubo_json_as_uint64(c, v, &u64));
	fuzz_drop(cubo_json_as_int_range(c, v, -5, 5, &i64));
	fuzz_drop(cubo_json_as_uint_range(c, v, 5, &u64));
	fuzz_drop(cubo_json_as_int32(c, v, &i32));
	fuzz_drop(cubo_json_as_uint32(c, v, &u32));
	fuzz_drop(cubo_json_as_uint16(c, v, &u16));
	fuzz_drop(cubo_json_as_strv(c, v, &sv, &n));
	free_strv(sv);
	(void)cubo_json_type_name(v);
}

/* The member readers, on one key of an object. */
static void read_field(struct cubo_json_ctx *c, yajl_val obj, const char *key)
{
	char *s = NULL, **sv = NULL;
	bool b, present;
	int64_t i64;
	uint64_t u64;
	int32_t i32;
	uint32_t u32;
	uint16_t u16;
	size_t n;
	yajl_val sub;

	fuzz_drop(cubo_json_field_string(c, obj, key, true, &s));
	free(s);
	fuzz_drop(cubo_json_field_bool(c, obj, key, &b, &present));
	fuzz_drop(cubo_json_field_int64(c, obj, key, true, &i64, &present));
	fuzz_drop(cubo_json_field_uint64(c, obj, key, false, &u64, &present));
	fuzz_drop(cubo_json_field_int32(c, obj, key, false, &i32, NULL));
	fuzz_drop(cubo_json_field_uint32(c, obj, key, false, &u32, NULL));
	fuzz_drop(cubo_json_field_uint16(c, obj, key, false, &u16, NULL));
	fuzz_drop(cubo_json_field_strv(c, obj, key, false, &sv, &n));
	free_strv(sv);
	fuzz_drop(cubo_json_field_object(c, obj, key, false, &sub));
	fuzz_drop(cubo_json_field_array(c, obj, key, false, &sub));
}

static void walk(struct cubo_json_ctx *c, yajl_val v)
{
	read_value(c, v);
	if (YAJL_IS_OBJECT(v)) {
		for (size_t i = 0; i < v->u.object.len; i++) {
			const char *key = v->u.object.keys[i];
			size_t mark;

			read_field(c, v, key);
			if (cubo_json_get(v, key) == NULL)
				FUZZ_FAIL("cubo_json_get lost key \"%s\"", key);
			mark = cubo_json_push_key(c, key);
			walk(c, v->u.object.values[i]);
			cubo_json_pop(c, mark);
		}
	} else if (YAJL_IS_ARRAY(v)) {
		for (size_t i = 0; i < v->u.array.len; i++) {
			size_t mark = cubo_json_push_index(c, i);
			walk(c, v->u.array.values[i]);
			cubo_json_pop(c, mark);
		}
	}
	if (c->len >= sizeof(c->path) || strlen(c->path) != c->len)
		FUZZ_FAIL("JSON path length %zu out of step with \"%s\"", c->len, c->path);
}

/* yajl_gen refuses to open level YAJL_MAX_DEPTH (128) of nesting. */
#define YAJL_GEN_MAX_DEPTH 127

static size_t tree_depth(yajl_val v)
{
	size_t max = 0, n = 0;
	yajl_val *elems = NULL;

	if (YAJL_IS_OBJECT(v)) {
		elems = v->u.object.values;
		n = v->u.object.len;
	} else if (YAJL_IS_ARRAY(v)) {
		elems = v->u.array.values;
		n = v->u.array.len;
	} else {
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		size_t d = tree_depth(elems[i]);
		if (d > max)
			max = d;
	}
	return max + 1;
}

/* Write the tree back out with the generator. */
static void emit(struct cubo_json_gen *g, yajl_val v)
{
	switch (v->type) {
	case yajl_t_string:
		cubo_json_gen_string(g, v->u.string);
		break;
	case yajl_t_number:
		if (YAJL_IS_INTEGER(v))
			cubo_json_gen_int(g, v->u.number.i);
		else
			cubo_json_gen_string(g, v->u.number.r);
		break;
	case yajl_t_object:
		cubo_json_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			cubo_json_gen_key(g, v->u.object.keys[i]);
			emit(g, v->u.object.values[i]);
		}
		cubo_json_gen_map_close(g);
		break;
	case yajl_t_array:
		cubo_json_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			emit(g, v->u.array.values[i]);
		cubo_json_gen_array_close(g);
		break;
	case yajl_t_true:
	case yajl_t_false:
		cubo_json_gen_bool(g, YAJL_IS_TRUE(v));
		break;
	default:
		cubo_json_gen_null(g);
		break;
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct cubo_json_ctx c;
	struct cubo_json_gen *g;
	yajl_val top = NULL, again = NULL;
	char *out = NULL;
	size_t len = 0;
	struct cubo_error *err;

	err = cubo_json_parse((const char *)data, size, "fuzz.json", &top);
	if (err) {
		fuzz_drop(err);
		return 0;
	}
	/* the limit that keeps yajl_tree_free's recursion off the end of the stack */
	if (tree_depth(top) > CUBO_JSON_MAX_DEPTH)
		FUZZ_FAIL("parsed a tree %zu deep, above CUBO_JSON_MAX_DEPTH", tree_depth(top));
	cubo_json_ctx_init(&c, "fuzz.json");
	walk(&c, top);

	fuzz_must(cubo_json_gen_new(size & 1, &g), "cubo_json_gen_new");
	emit(g, top);
	err = cubo_json_gen_finish(g, &out, &len);
	/*
	 * yajl's generator nests at most YAJL_GEN_MAX_DEPTH deep, less than the
	 * parser accepts; nothing in the project writes such trees back.
	 */
	if (err && tree_depth(top) <= YAJL_GEN_MAX_DEPTH)
		fuzz_must(err, "cubo_json_gen_finish");
	fuzz_drop(err);
	if (out) {
		fuzz_must(cubo_json_parse(out, len, "generated", &again), "re-parse");
		yajl_tree_free(again);
		free(out);
	}
	yajl_tree_free(top);
	return 0;
}
