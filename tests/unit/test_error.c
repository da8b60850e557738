/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: shared/error.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shared/error.h"

static void assert_text(const struct cubo_error *err, const char *want)
{
	char *text = cubo_error_text(err);

	assert_non_null(text);
	assert_string_equal(text, want);
	free(text);
}

static void test_new_formats_message(void **state)
{
	struct cubo_error *err = cubo_error_new("bad value %d for %s", 42, "answer");

	assert_non_null(err);
	assert_int_equal(err->errnum, 0);
	assert_string_equal(err->msg, "bad value 42 for answer");
	assert_text(err, "bad value 42 for answer");
	cubo_error_free(err);
}

static void test_errno_appends_strerror(void **state)
{
	struct cubo_error *err = cubo_error_new_errno(ENOENT, "open %s", "/nope");

	assert_int_equal(err->errnum, ENOENT);
	assert_string_equal(err->msg, "open /nope");
	assert_text(err, "open /nope: No such file or directory");
	cubo_error_free(err);
}

static void test_errno_macro_uses_current_errno(void **state)
{
	struct cubo_error *err;

	errno = EACCES;
	err = cubo_error_errno("mount %s", "/proc");
	assert_int_equal(err->errnum, EACCES);
	assert_text(err, "mount /proc: Permission denied");
	cubo_error_free(err);
}

static void test_wrap_chain_order(void **state)
{
	struct cubo_error *err = cubo_error_new_errno(EPERM, "msg");

	err = cubo_error_wrap(err, "inner");
	err = cubo_error_wrap(err, "outer %d", 1);
	assert_int_equal(err->errnum, EPERM);
	assert_string_equal(err->msg, "outer 1: inner: msg");
	assert_text(err, "outer 1: inner: msg: Operation not permitted");
	cubo_error_free(err);
}

static void test_wrap_null_passes_through(void **state)
{
	assert_null(cubo_error_wrap(NULL, "context %s", "ignored"));
}

static struct cubo_error *vwrap_helper(struct cubo_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = cubo_error_vwrap(err, fmt, ap);
	va_end(ap);
	return err;
}

static void test_vwrap(void **state)
{
	struct cubo_error *err = vwrap_helper(cubo_error_new("x"), "ctx %s", "a");

	assert_text(err, "ctx a: x");
	cubo_error_free(err);
	assert_null(vwrap_helper(NULL, "ctx"));
}

static void test_text_of_null_is_success(void **state)
{
	assert_text(NULL, "success");
}

static void test_free_null(void **state)
{
	cubo_error_free(NULL);
}

static void test_print(void **state)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	struct cubo_error *err =
		cubo_error_wrap(cubo_error_new_errno(ENOENT, "open x"), "create c1");

	assert_non_null(f);
	cubo_error_print(err, "cubo-runc", f);
	fclose(f);
	assert_string_equal(buf, "cubo-runc: create c1: open x: No such file or directory\n");
	free(buf);
	cubo_error_free(err);
}

static struct cubo_error *fails_with(int errnum)
{
	return errnum ? cubo_error_new_errno(errnum, "step") : NULL;
}

static int after_try;

static struct cubo_error *uses_try(int errnum)
{
	CUBO_TRY(fails_with(errnum));
	after_try = 1;
	return NULL;
}

static struct cubo_error *uses_try_ctx(int errnum)
{
	CUBO_TRY_CTX(fails_with(errnum), "doing %s", "things");
	after_try = 1;
	return NULL;
}

static void test_try_macros(void **state)
{
	struct cubo_error *err;

	after_try = 0;
	assert_null(uses_try(0));
	assert_int_equal(after_try, 1);

	after_try = 0;
	err = uses_try(EINVAL);
	assert_int_equal(after_try, 0);
	assert_text(err, "step: Invalid argument");
	cubo_error_free(err);

	after_try = 0;
	assert_null(uses_try_ctx(0));
	assert_int_equal(after_try, 1);

	after_try = 0;
	err = uses_try_ctx(EINVAL);
	assert_int_equal(after_try, 0);
	assert_text(err, "doing things: step: Invalid argument");
	cubo_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_formats_message),
		cmocka_unit_test(test_errno_appends_strerror),
		cmocka_unit_test(test_errno_macro_uses_current_errno),
		cmocka_unit_test(test_wrap_chain_order),
		cmocka_unit_test(test_wrap_null_passes_through),
		cmocka_unit_test(test_vwrap),
		cmocka_unit_test(test_text_of_null_is_success),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_try_macros),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
