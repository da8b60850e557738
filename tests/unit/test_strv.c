/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: shared/strv.c, shared/strbuf.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shared/strbuf.h"
#include "shared/strv.h"

static void test_len(void **state)
{
	char *v[] = {"a", "b", "c", NULL};
	char *empty[] = {NULL};

	assert_int_equal(cubo_strv_len(v), 3);
	assert_int_equal(cubo_strv_len(empty), 0);
	assert_int_equal(cubo_strv_len(NULL), 0);
}

static void test_push_from_empty(void **state)
{
	char **v = NULL;
	size_t n = 0;

	cubo_strv_push(&v, &n, "one");
	assert_int_equal(n, 1);
	cubo_strv_push(&v, &n, "two");
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "one");
	assert_string_equal(v[1], "two");
	assert_null(v[2]);
	cubo_strv_free(v);
}

static void test_push_copies(void **state)
{
	char buf[] = "mutable";
	char **v = NULL;
	size_t n = 0;

	cubo_strv_push(&v, &n, buf);
	assert_int_equal(n, 1);
	buf[0] = 'X';
	assert_string_equal(v[0], "mutable");
	cubo_strv_free(v);
}

static void test_push_without_count(void **state)
{
	char **v = cubo_strv_split("a:b", ':');

	cubo_strv_push(&v, NULL, "c");
	assert_int_equal(cubo_strv_len(v), 3);
	assert_string_equal(v[2], "c");
	cubo_strv_free(v);
}

static void test_dup(void **state)
{
	char *v[] = {"x", "", "z", NULL};
	char **d = cubo_strv_dup(v);

	assert_non_null(d);
	assert_int_equal(cubo_strv_len(d), 3);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(d[i], v[i]);
		assert_ptr_not_equal(d[i], v[i]);
	}
	assert_null(d[3]);
	cubo_strv_free(d);
	assert_null(cubo_strv_dup(NULL));
}

static void test_contains(void **state)
{
	char *v[] = {"CAP_CHOWN", "CAP_KILL", NULL};

	assert_true(cubo_strv_contains(v, "CAP_KILL"));
	assert_false(cubo_strv_contains(v, "CAP_KIL"));
	assert_false(cubo_strv_contains(v, ""));
	assert_false(cubo_strv_contains(NULL, "x"));
}

static void test_split_drops_empty_fields(void **state)
{
	char **v = cubo_strv_split("::/usr/bin::/bin:", ':');

	assert_non_null(v);
	assert_int_equal(cubo_strv_len(v), 2);
	assert_string_equal(v[0], "/usr/bin");
	assert_string_equal(v[1], "/bin");
	cubo_strv_free(v);
}

static void test_split_edge_cases(void **state)
{
	char **v;

	v = cubo_strv_split("", ',');
	assert_non_null(v);
	assert_int_equal(cubo_strv_len(v), 0);
	cubo_strv_free(v);

	v = cubo_strv_split(",,,", ',');
	assert_int_equal(cubo_strv_len(v), 0);
	cubo_strv_free(v);

	v = cubo_strv_split("single", ',');
	assert_int_equal(cubo_strv_len(v), 1);
	assert_string_equal(v[0], "single");
	cubo_strv_free(v);

	v = cubo_strv_split(NULL, ',');
	assert_non_null(v);
	assert_int_equal(cubo_strv_len(v), 0);
	cubo_strv_free(v);
}

static void test_env_get(void **state)
{
	char *env[] = {"PATH=/bin", "HOME=/root", "EMPTY=", "HOMEX=no", "PATH=/usr/bin", NULL};

	assert_string_equal(cubo_strv_env_get(env, "HOME"), "/root");
	assert_string_equal(cubo_strv_env_get(env, "EMPTY"), "");
	/* A later entry overrides an earlier one. */
	assert_string_equal(cubo_strv_env_get(env, "PATH"), "/usr/bin");
	assert_null(cubo_strv_env_get(env, "HOM"));
	assert_null(cubo_strv_env_get(env, "MISSING"));
	assert_null(cubo_strv_env_get(env, ""));
	assert_null(cubo_strv_env_get(env, "PATH=/bin"));
	assert_null(cubo_strv_env_get(NULL, "PATH"));
}

static void test_free_null(void **state)
{
	cubo_strv_free(NULL);
}

/* The growable string next door (shared/strbuf.h). */
static void test_strbuf(void **state)
{
	struct cubo_strbuf b = {0};
	char *empty = cubo_strbuf_take(&b);
	assert_string_equal(empty, "");
	free(empty);
	for (int i = 0; i < 100; i++)
		cubo_strbuf_addc(&b, (char)('a' + i % 26));
	cubo_strbuf_adds(&b, "-end");
	cubo_strbuf_add(&b, "xyz", 2);
	assert_int_equal(b.len, 106);
	assert_true(b.cap > b.len);
	assert_int_equal(b.s[106], '\0');
	char *s = cubo_strbuf_take(&b);
	assert_null(b.s);
	assert_int_equal(b.len, 0);
	assert_int_equal(strlen(s), 106);
	assert_memory_equal(s + 100, "-endxy", 6);
	assert_int_equal(s[26], 'a');
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_len),
		cmocka_unit_test(test_push_from_empty),
		cmocka_unit_test(test_push_copies),
		cmocka_unit_test(test_push_without_count),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_split_drops_empty_fields),
		cmocka_unit_test(test_split_edge_cases),
		cmocka_unit_test(test_env_get),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_strbuf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
