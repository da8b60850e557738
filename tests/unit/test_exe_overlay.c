/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/exe_overlay.c (the lowerdir option) */
/*
 * What the runtime's re-exec through a private overlay builds from the
 * binary's path: the overlay's lowerdir.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-runc/exe_overlay.h"

static void check_lowerdir(const char *path, const char *want, const char *name)
{
	char out[EXE_OVERLAY_LOWERDIR_MAX];
	const char *got = exe_overlay_lowerdir(path, out);

	assert_non_null(got);
	assert_string_equal(got, name);
	assert_string_equal(out, want);
}

static void test_lowerdir(void **state)
{
	check_lowerdir("/usr/bin/cubo-runc", "/usr/bin:/dev", "cubo-runc");
	check_lowerdir("/cubo-runc", "/:/dev", "cubo-runc");
	/* a colon would split the layer list; a backslash would escape */
	check_lowerdir("/opt/a:b/c\\d/x", "/opt/a\\:b/c\\\\d:/dev", "x");
	check_lowerdir("/a,b/x", "/a,b:/dev", "x");
}

static void test_lowerdir_refuses(void **state)
{
	char out[EXE_OVERLAY_LOWERDIR_MAX];

	assert_null(exe_overlay_lowerdir("cubo-runc", out));
	assert_null(exe_overlay_lowerdir("bin/cubo-runc", out));
	assert_null(exe_overlay_lowerdir("/usr/bin/", out));
	assert_null(exe_overlay_lowerdir("", out));
}

static void test_lowerdir_longest(void **state)
{
	/* every byte a colon: the escaped directory still fits */
	static char path[4096], want[EXE_OVERLAY_LOWERDIR_MAX];
	char out[EXE_OVERLAY_LOWERDIR_MAX];
	size_t i, n = 0;

	path[0] = '/';
	for (i = 1; i < sizeof(path) - 3; i++)
		path[i] = ':';
	strcpy(path + i, "/x");
	want[n++] = '/';
	for (i = 1; path[i] != '/'; i++) {
		want[n++] = '\\';
		want[n++] = ':';
	}
	strcpy(want + n, ":/dev");
	assert_string_equal(exe_overlay_lowerdir(path, out), "x");
	assert_string_equal(out, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lowerdir),
		cmocka_unit_test(test_lowerdir_refuses),
		cmocka_unit_test(test_lowerdir_longest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
