/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: shared/json.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shared/json.h"
#include "tests/unit/helpers.h"

static char *finish_ok(struct cubo_json_gen *g)
{
	char *out = NULL;
	size_t len = 0;
	struct cubo_error *err = cubo_json_gen_finish(g, &out, &len);

	if (err)
		fail_msg("%s", err->msg);
	assert_int_equal(strlen(out), len);
	return out;
}

static void test_gen_all_types(void **state)
{
	struct cubo_json_gen *g;
	char *out;
	char *v[] = {"x", "y", NULL};

	assert_null(cubo_json_gen_new(false, &g));
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "s");
	cubo_json_gen_string(g, "a\"b\\c\n");
	cubo_json_gen_key(g, "n");
	cubo_json_gen_string(g, NULL);
	cubo_json_gen_key(g, "sl");
	cubo_json_gen_string_len(g, "abcdef", 3);
	cubo_json_gen_key(g, "i");
	cubo_json_gen_int(g, INT64_MIN);
	cubo_json_gen_key(g, "u");
	cubo_json_gen_uint(g, UINT64_MAX);
	cubo_json_gen_key(g, "t");
	cubo_json_gen_bool(g, true);
	cubo_json_gen_key(g, "f");
	cubo_json_gen_bool(g, false);
	cubo_json_gen_key(g, "z");
	cubo_json_gen_null(g);
	cubo_json_gen_key(g, "v");
	cubo_json_gen_strv(g, v, SIZE_MAX);
	cubo_json_gen_key(g, "v1");
	cubo_json_gen_strv(g, v, 1);
	cubo_json_gen_key(g, "e");
	cubo_json_gen_array_open(g);
	cubo_json_gen_array_close(g);
	cubo_json_gen_map_close(g);
	out = finish_ok(g);
	assert_string_equal(out, "{\"s\":\"a\\\"b\\\\c\\n\",\"n\":null,\"sl\":\"abc\","
				 "\"i\":-9223372036854775808,\"u\":18446744073709551615,"
				 "\"t\":true,\"f\":false,\"z\":null,\"v\":[\"x\",\"y\"],"
				 "\"v1\":[\"x\"],\"e\":[]}");
	free(out);
}

static void test_gen_value_round_trip(void **state)
{
	const char *doc = "{\"a\":[1,-2,3.25,\"s\",true,false,null],\"b\":{\"c\":{}},\"d\":[]}";
	yajl_val v;
	assert_null(cubo_json_parse(doc, strlen(doc), "doc", &v));
	struct cubo_json_gen *g;
	assert_null(cubo_json_gen_new(false, &g));
	cubo_json_gen_value(g, v);
	char *out;
	size_t len;
	assert_null(cubo_json_gen_finish(g, &out, &len));
	assert_string_equal(out, doc);
	free(out);
	yajl_tree_free(v);
}

static void test_gen_pretty(void **state)
{
	struct cubo_json_gen *g;
	char *out;

	assert_null(cubo_json_gen_new(true, &g));
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "a");
	cubo_json_gen_array_open(g);
	cubo_json_gen_int(g, 1);
	cubo_json_gen_array_close(g);
	cubo_json_gen_map_close(g);
	out = finish_ok(g);
	assert_string_equal(out, "{\n\t\"a\": [\n\t\t1\n\t]\n}");
	free(out);
}

static void test_gen_misuse_reported_at_finish(void **state)
{
	struct cubo_json_gen *g;
	char *out = NULL;
	size_t len;
	struct cubo_error *err;

	/* a number where a key belongs */
	assert_null(cubo_json_gen_new(false, &g));
	cubo_json_gen_map_open(g);
	cubo_json_gen_int(g, 1);
	cubo_json_gen_map_close(g);
	err = cubo_json_gen_finish(g, &out, &len);
	assert_non_null(err);
	assert_string_equal(err->msg, "generate JSON: a map key must be a string");
	assert_null(out);
	cubo_error_free(err);

	/* a second top-level value */
	assert_null(cubo_json_gen_new(false, &g));
	cubo_json_gen_int(g, 1);
	cubo_json_gen_int(g, 2);
	err = cubo_json_gen_finish(g, &out, &len);
	assert_non_null(err);
	assert_string_equal(err->msg, "generate JSON: value after the end of the document");
	cubo_error_free(err);

	/* nothing written */
	assert_null(cubo_json_gen_new(false, &g));
	th_expect_failure(cubo_json_gen_finish(g, &out, &len));

	/* dropped without finishing */
	assert_null(cubo_json_gen_new(false, &g));
	cubo_json_gen_map_open(g);
	cubo_json_gen_free(g);
	cubo_json_gen_free(NULL);
}

static yajl_val parse_ok(const char *json)
{
	yajl_val v = NULL;
	struct cubo_error *err = cubo_json_parse(json, strlen(json), "t.json", &v);

	if (err)
		fail_msg("%s", err->msg);
	return v;
}

static void expect_parse_error(const char *json, size_t len, const char *want)
{
	yajl_val v = (void *)1;
	struct cubo_error *err = cubo_json_parse(json, len, "t.json", &v);

	assert_non_null(err);
	assert_null(v);
	assert_string_equal(err->msg, want);
	cubo_error_free(err);
}

static void test_parse_errors(void **state)
{
	expect_parse_error("{\"a\": 1,\n \"b\": [1, 2,,]}", 23,
			   "t.json: invalid JSON at line 2, column 13 (byte 21): parse error: "
			   "unallowed token at this point in JSON text");
	expect_parse_error("[1, 2", 5,
			   "t.json: invalid JSON at line 1, column 6 (byte 5): parse error: "
			   "premature EOF");
	expect_parse_error("{\"a\":\0}", 7, "t.json: invalid JSON: NUL byte at byte 5");
	expect_parse_error("[1]]", 4,
			   "t.json: invalid JSON at line 1, column 4 (byte 3): parse error: "
			   "trailing garbage");
}

static void test_parse_length_bounded(void **state)
{
	yajl_val v = NULL;

	/* "[1]" followed by bytes outside len */
	assert_null(cubo_json_parse("[1]garbage", 3, "t", &v));
	assert_true(YAJL_IS_ARRAY(v));
	yajl_tree_free(v);
}

static void test_depth_limit(void **state)
{
	size_t n = CUBO_JSON_MAX_DEPTH + 1;
	char *deep = malloc(2 * n + 1);
	yajl_val v;

	for (size_t i = 0; i < n; i++) {
		deep[i] = '[';
		deep[n + i] = ']';
	}
	deep[2 * n] = '\0';
	expect_parse_error(deep, 2 * n, "t.json: invalid JSON: nested deeper than 256 levels");
	/* at the limit it parses */
	deep[n - 1] = ' ';
	deep[n] = ' ';
	v = parse_ok(deep);
	yajl_tree_free(v);
	/* brackets inside strings do not count, nor escaped quotes end them */
	memset(deep, '[', 2 * n);
	deep[0] = '"';
	deep[1] = '\\';
	deep[2] = '"';
	deep[2 * n - 1] = '"';
	v = parse_ok(deep);
	assert_true(YAJL_IS_STRING(v));
	yajl_tree_free(v);
	free(deep);
}

/* yajl takes comments: a quote inside one must not hide the brackets after it. */
static void test_depth_limit_comments(void **state)
{
	size_t n = CUBO_JSON_MAX_DEPTH + 1;
	const char *prefixes[] = {"/* \" */", "// \"\n", "/**//* \" */"};

	for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++) {
		size_t plen = strlen(prefixes[p]);
		char *deep = malloc(plen + 2 * n + 1);

		memcpy(deep, prefixes[p], plen);
		memset(deep + plen, '[', n);
		memset(deep + plen + n, ']', n);
		deep[plen + 2 * n] = '\0';
		expect_parse_error(deep, plen + 2 * n,
				   "t.json: invalid JSON: nested deeper than 256 levels");
		free(deep);
	}
	/* comments themselves still parse, and brackets in them do not count */
	yajl_val v = parse_ok("/* [[[ */ [1] // ]]] \"\n");
	assert_true(YAJL_IS_ARRAY(v));
	yajl_tree_free(v);
}

static void test_nul_escape_refused(void **state)
{
	/* yajl_tree would hand "/bin/sh\u0000x" over as "/bin/sh" */
	const char *nul = "[\"/bin/sh\\u0000x\"]";
	expect_parse_error(
		nul, strlen(nul),
		"t.json: a string holds a NUL character (\\u0000) at byte 9: not supported");
	/* an escaped backslash followed by u0000 is six plain characters */
	yajl_val v = parse_ok("[\"a\\\\u0000\"]");
	assert_string_equal(v->u.array.values[0]->u.string, "a\\u0000");
	yajl_tree_free(v);
	/* outside strings there is nothing to find */
	v = parse_ok("/* \\u0000 */ [1]");
	yajl_tree_free(v);
}

static void test_path(void **state)
{
	struct cubo_json_ctx c;
	struct cubo_error *err;

	cubo_json_ctx_init(&c, "config.json");
	err = cubo_json_error(&c, "bad %d", 1);
	assert_string_equal(err->msg, "config.json: bad 1");
	cubo_error_free(err);

	size_t m0 = cubo_json_push_key(&c, "process");
	cubo_json_push_key(&c, "rlimits");
	size_t m2 = cubo_json_push_index(&c, 2);
	cubo_json_push_key(&c, "hard");
	assert_string_equal(c.path, "process.rlimits[2].hard");
	cubo_json_pop(&c, m2);
	assert_string_equal(c.path, "process.rlimits");
	cubo_json_push_key(&c, "org.example");
	assert_string_equal(c.path, "process.rlimits[\"org.example\"]");
	cubo_json_pop(&c, m0);
	assert_string_equal(c.path, "");
	assert_int_equal(c.len, 0);

	/* a path too long for the buffer is marked, not wrapped */
	for (int i = 0; i < 200; i++)
		cubo_json_push_key(&c, "abcdefgh");
	assert_int_equal(strlen(c.path), sizeof(c.path) - 1);
	assert_string_equal(c.path + strlen(c.path) - 3, "...");
	cubo_json_pop(&c, 0);
	assert_string_equal(c.path, "");
}

static void expect_err(struct cubo_error *err, const char *want)
{
	if (!err)
		fail_msg("no error, wanted %s", want);
	assert_string_equal(err->msg, want);
	cubo_error_free(err);
}

static void test_field_readers(void **state)
{
	yajl_val v =
		parse_ok("{\"s\": \"str\", \"b\": true, \"i\": -5, \"u\": 18446744073709551615,"
			 " \"big\": 9223372036854775808, \"n\": null, \"f\": 2.5,"
			 " \"v\": [\"a\", \"b\"], \"o\": {}, \"a\": [], \"neg\": -1,"
			 " \"u32\": 4294967295, \"u16\": 65536, \"dup\": 1, \"dup\": 2}");
	struct cubo_json_ctx c;
	char *s = NULL, **vec = NULL;
	bool b = false, present = true;
	int64_t i = 0;
	uint64_t u = 0;
	int32_t i32 = 0;
	uint32_t u32 = 0;
	uint16_t u16 = 0;
	size_t n = 0;
	yajl_val o;

	cubo_json_ctx_init(&c, "t.json");
	assert_null(cubo_json_field_string(&c, v, "s", true, &s));
	assert_string_equal(s, "str");
	free(s);
	s = NULL;
	assert_null(cubo_json_field_string(&c, v, "missing", false, &s));
	assert_null(s);
	assert_null(cubo_json_field_string(&c, v, "n", false, &s)); /* null is absent */
	assert_null(s);
	expect_err(cubo_json_field_string(&c, v, "n", true, &s),
		   "t.json: n: missing required field");
	expect_err(cubo_json_field_string(&c, v, "b", false, &s),
		   "t.json: b: expected string, got boolean");

	assert_null(cubo_json_field_bool(&c, v, "b", &b, &present));
	assert_true(b);
	assert_true(present);
	assert_null(cubo_json_field_bool(&c, v, "missing", &b, &present));
	assert_false(present);
	expect_err(cubo_json_field_bool(&c, v, "i", &b, &present),
		   "t.json: i: expected boolean, got number");
	assert_false(present);

	assert_null(cubo_json_field_int64(&c, v, "i", true, &i, NULL));
	assert_int_equal(i, -5);
	expect_err(cubo_json_field_int64(&c, v, "big", true, &i, NULL),
		   "t.json: big: integer 9223372036854775808 out of range");
	expect_err(cubo_json_field_int64(&c, v, "f", true, &i, NULL),
		   "t.json: f: expected integer, got number 2.5");

	assert_null(cubo_json_field_uint64(&c, v, "u", true, &u, &present));
	assert_true(u == UINT64_MAX);
	assert_null(cubo_json_field_uint64(&c, v, "big", true, &u, NULL));
	assert_true(u == 9223372036854775808ULL);
	expect_err(cubo_json_field_uint64(&c, v, "neg", true, &u, NULL),
		   "t.json: neg: expected unsigned integer, got -1");
	expect_err(cubo_json_field_uint64(&c, v, "s", true, &u, NULL),
		   "t.json: s: expected unsigned integer, got string");

	assert_null(cubo_json_field_int32(&c, v, "i", true, &i32, NULL));
	assert_int_equal(i32, -5);
	expect_err(cubo_json_field_int32(&c, v, "u32", true, &i32, NULL),
		   "t.json: u32: 4294967295 out of range [-2147483648, 2147483647]");
	assert_null(cubo_json_field_uint32(&c, v, "u32", true, &u32, NULL));
	assert_int_equal(u32, UINT32_MAX);
	expect_err(cubo_json_field_uint32(&c, v, "neg", true, &u32, NULL),
		   "t.json: neg: expected unsigned integer, got -1");
	expect_err(cubo_json_field_uint16(&c, v, "u16", true, &u16, NULL),
		   "t.json: u16: 65536 out of range [0, 65535]");
	assert_null(cubo_json_field_uint16(&c, v, "dup", true, &u16, NULL));
	assert_int_equal(u16, 2); /* the last duplicate wins */

	assert_null(cubo_json_field_strv(&c, v, "v", true, &vec, &n));
	assert_int_equal(n, 2);
	assert_string_equal(vec[1], "b");
	assert_null(vec[2]);
	for (size_t k = 0; k < n; k++)
		free(vec[k]);
	free(vec);
	vec = NULL;
	assert_null(cubo_json_field_strv(&c, v, "a", true, &vec, &n));
	assert_non_null(vec);
	assert_int_equal(n, 0);
	assert_null(vec[0]);
	free(vec);

	assert_null(cubo_json_field_object(&c, v, "o", true, &o));
	assert_true(YAJL_IS_OBJECT(o));
	assert_null(cubo_json_field_object(&c, v, "missing", false, &o));
	assert_null(o);
	expect_err(cubo_json_field_object(&c, v, "a", false, &o),
		   "t.json: a: expected object, got array");
	assert_null(cubo_json_field_array(&c, v, "a", true, &o));
	assert_true(YAJL_IS_ARRAY(o));
	expect_err(cubo_json_field_array(&c, v, "o", true, &o),
		   "t.json: o: expected array, got object");

	/* readers leave the path as they found it */
	assert_string_equal(c.path, "");
	yajl_tree_free(v);
}

static void test_strv_error_names_element(void **state)
{
	yajl_val v = parse_ok("{\"env\": [\"A=1\", {}, \"B=2\"]}");
	struct cubo_json_ctx c;
	char **vec = NULL;
	size_t n = 0;

	cubo_json_ctx_init(&c, "t.json");
	cubo_json_push_key(&c, "process");
	expect_err(cubo_json_field_strv(&c, v, "env", true, &vec, &n),
		   "t.json: process.env[1]: expected string, got object");
	assert_null(vec);
	assert_string_equal(c.path, "process");
	yajl_tree_free(v);
}

static void test_type_names(void **state)
{
	yajl_val v = parse_ok("[\"s\", 1, {}, [], true, false, null]");
	const char *want[] = {"string", "number", "object", "array", "boolean", "boolean", "null"};

	for (size_t i = 0; i < 7; i++)
		assert_string_equal(cubo_json_type_name(v->u.array.values[i]), want[i]);
	assert_string_equal(cubo_json_type_name(NULL), "nothing");
	assert_null(cubo_json_get(v, "x")); /* not an object */
	yajl_tree_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gen_all_types),
		cmocka_unit_test(test_gen_pretty),
		cmocka_unit_test(test_gen_value_round_trip),
		cmocka_unit_test(test_gen_misuse_reported_at_finish),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_length_bounded),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_depth_limit_comments),
		cmocka_unit_test(test_nul_escape_refused),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_field_readers),
		cmocka_unit_test(test_strv_error_names_element),
		cmocka_unit_test(test_type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
