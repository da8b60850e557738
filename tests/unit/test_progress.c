/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/image/progress.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/image/progress.h"

static void test_bytes(void **state)
{
	char b[16];
	progress_format_bytes(0, b);
	assert_string_equal(b, "0B");
	progress_format_bytes(999, b);
	assert_string_equal(b, "999B");
	progress_format_bytes(1000, b);
	assert_string_equal(b, "1.00kB");
	progress_format_bytes(41200000, b);
	assert_string_equal(b, "41.2MB");
	progress_format_bytes(340000000, b);
	assert_string_equal(b, "340MB");
	progress_format_bytes(999999999, b);
	assert_string_equal(b, "1.00GB");
	progress_format_bytes(1340000000, b);
	assert_string_equal(b, "1.34GB");
	progress_format_bytes(UINT64_MAX, b);
	assert_non_null(strstr(b, "TB"));
}

static void test_lines(void **state)
{
	char l[256];
	progress_format_line(l, sizeof(l), "b71f96345d44", "Downloading", 50000000, 100000000,
			     4000000000ull, true);
	assert_string_equal(l, "b71f96345d44: Downloading [==========>         ] 50.0MB/100MB "
			       "12.5MB/s");
	progress_format_line(l, sizeof(l), "b71f96345d44", "Pull complete", 100000000, 100000000,
			     8000000000ull, false);
	assert_string_equal(l, "b71f96345d44: Pull complete 100MB in 8.0s");
	progress_format_line(l, sizeof(l), "b71f96345d44", "Already exists", 0, 100, 0, false);
	assert_string_equal(l, "b71f96345d44: Already exists 0B/100B");
	/* a tiny buffer truncates, never overflows */
	char small[8];
	progress_format_line(small, sizeof(small), "b71f96345d44", "Downloading", 1, 2, 1, true);
	assert_int_equal(strlen(small), 7);
}

static void test_plain_output_one_line_per_item(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct progress *p;
	assert_null(progress_new(out, false, 2, &p));
	progress_item_start(p, 0, "sha256:0123456789abcdef", 2000);
	progress_item_start(p, 1, "sha256:fedcba9876543210", 10);
	progress_item_add(p, 0, 1500);
	progress_item_add(p, 0, 500);
	progress_item_done(p, 1, "Already exists");
	progress_item_done(p, 0, "Pull complete");
	progress_item_add(p, 7, 1); /* out of range: ignored */
	progress_free(p);
	fclose(out);
	assert_non_null(strstr(buf, "fedcba987654: Already exists\n"));
	assert_non_null(strstr(buf, "0123456789ab: Pull complete 2.00kB in "));
	assert_true(strstr(buf, "fedcba") < strstr(buf, "0123456789ab"));
	free(buf);
}

static void test_tty_redraws_in_place(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct progress *p;
	assert_null(progress_new(out, true, 1, &p));
	progress_item_start(p, 0, "sha256:0123456789abcdef", 10);
	progress_item_add(p, 0, 10);
	progress_item_done(p, 0, "Pull complete");
	progress_free(p);
	fclose(out);
	/* the final frame is drawn, with the cursor moved back over the first */
	assert_non_null(strstr(buf, "\r\033[K0123456789ab: Pull complete 10B"));
	assert_non_null(strstr(buf, "\033[1A"));
	free(buf);
}

static void test_quiet_is_silent(void **state)
{
	struct progress *p;
	assert_null(progress_new(NULL, true, 3, &p));
	progress_item_start(p, 0, "sha256:00", 1);
	progress_item_done(p, 0, "Pull complete");
	progress_free(p);
	progress_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_plain_output_one_line_per_item),
		cmocka_unit_test(test_tty_redraws_in_place),
		cmocka_unit_test(test_quiet_is_silent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
