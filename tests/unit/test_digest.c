/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: shared/digest.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "shared/digest.h"
#include "tests/unit/helpers.h"

#define SHA_ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* FIPS 180-2 vector: 1,000,000 repetitions of 'a'. */
#define SHA_MILLION_A "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static void test_buffer_known_vectors(void **state)
{
	char out[CUBO_DIGEST_LEN + 1];

	assert_null(cubo_sha256_buffer("abc", 3, out));
	assert_string_equal(out, SHA_ABC);
	assert_null(cubo_sha256_buffer("", 0, out));
	assert_string_equal(out, SHA_EMPTY);
}

static void test_streaming_equals_one_shot(void **state)
{
	struct cubo_sha256 *h = NULL;
	char out[CUBO_DIGEST_LEN + 1];
	char chunk[1000];

	memset(chunk, 'a', sizeof(chunk));
	assert_null(cubo_sha256_new(&h));
	assert_non_null(h);
	for (int i = 0; i < 1000; i++)
		assert_null(cubo_sha256_update(h, chunk, sizeof(chunk)));
	assert_null(cubo_sha256_update(h, NULL, 0));
	assert_null(cubo_sha256_final(h, out));
	assert_string_equal(out, SHA_MILLION_A);
	cubo_sha256_free(h);
	cubo_sha256_free(NULL);
}

static void test_split_updates(void **state)
{
	struct cubo_sha256 *h = NULL;
	char out[CUBO_DIGEST_LEN + 1];

	assert_null(cubo_sha256_new(&h));
	assert_null(cubo_sha256_update(h, "a", 1));
	assert_null(cubo_sha256_update(h, "bc", 2));
	assert_null(cubo_sha256_final(h, out));
	assert_string_equal(out, SHA_ABC);
	cubo_sha256_free(h);
}

static void test_file_spanning_chunks(void **state)
{
	char out[CUBO_DIGEST_LEN + 1];
	char *buf = malloc(1000000), *path;

	assert_non_null(buf);
	/* 1,000,000 bytes: more than 15 of the 64 KiB reads, ending mid-chunk. */
	memset(buf, 'a', 1000000);
	path = th_tmpfile("digest", buf, 1000000);
	assert_null(cubo_sha256_file(path, out));
	assert_string_equal(out, SHA_MILLION_A);
	unlink(path);
	free(path);
	free(buf);
}

static void test_empty_file(void **state)
{
	char out[CUBO_DIGEST_LEN + 1];
	char *path = th_tmpfile("digest", "", 0);

	assert_null(cubo_sha256_file(path, out));
	assert_string_equal(out, SHA_EMPTY);
	unlink(path);
	free(path);
}

static void test_missing_file(void **state)
{
	char out[CUBO_DIGEST_LEN + 1];
	struct cubo_error *err = cubo_sha256_file("/nonexistent/cubo/blob", out);
	char *text;

	assert_non_null(err);
	assert_int_equal(err->errnum, ENOENT);
	text = cubo_error_text(err);
	assert_string_equal(text, "sha256 /nonexistent/cubo/blob: open: No such file or directory");
	free(text);
	cubo_error_free(err);
}

static void test_directory_is_an_error(void **state)
{
	char out[CUBO_DIGEST_LEN + 1];
	struct cubo_error *err = cubo_sha256_file("/tmp", out);

	assert_non_null(err);
	assert_int_equal(err->errnum, EISDIR);
	assert_non_null(strstr(err->msg, "/tmp"));
	cubo_error_free(err);
}

static void test_valid(void **state)
{
	assert_true(cubo_digest_valid(SHA_ABC));
	assert_true(cubo_digest_valid(SHA_EMPTY));
	assert_false(cubo_digest_valid(NULL));
	assert_false(cubo_digest_valid(""));
	assert_false(cubo_digest_valid("sha256:"));
	/* Uppercase hex, wrong algorithm, one digit short or long, bad character. */
	assert_false(cubo_digest_valid(
		"sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
	assert_false(cubo_digest_valid(
		"sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	assert_false(cubo_digest_valid(
		"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a"));
	assert_false(cubo_digest_valid(SHA_ABC "0"));
	assert_false(cubo_digest_valid(
		"sha256:ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	assert_false(cubo_digest_valid(
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buffer_known_vectors),
		cmocka_unit_test(test_streaming_equals_one_shot),
		cmocka_unit_test(test_split_updates),
		cmocka_unit_test(test_file_spanning_chunks),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_directory_is_an_error),
		cmocka_unit_test(test_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
