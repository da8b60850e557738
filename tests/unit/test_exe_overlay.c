/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/exe_overlay.c (the lowerdir option), cubo-runc/early_exec.c (argv) */
/*
 * What the runtime's re-exec through a private overlay reads before the C
 * library starts: the overlay's lowerdir built from the binary's path, and
 * whether argv's command enters a container.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-runc/early_exec.h"
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

static int wanted(const char *first, ...)
{
	char *argv[16] = {(char *)"cubo-runc"};
	int argc = 1;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	return early_exec_wanted(argc, argv);
}

static void test_wanted(void **state)
{
	assert_true(wanted("create", "--bundle", "b", "id", NULL));
	assert_true(wanted("run", "id", NULL));
	assert_true(wanted("exec", "id", "sh", NULL));
	assert_true(wanted("--root", "/run/x", "--debug", "run", "id", NULL));
	assert_true(
		wanted("--root=/run/x", "--log", "l", "--log-format", "json", "create", "i", NULL));
	/* the value of an option is not the command */
	assert_false(wanted("--root", "run", "state", "id", NULL));
	assert_true(wanted("--criu", "state", "--rootless", "true", "exec", "i", "ls", NULL));
}

static void test_not_wanted(void **state)
{
	assert_false(wanted(NULL));
	assert_false(wanted("state", "id", NULL));
	assert_false(wanted("delete", "run", NULL));
	assert_false(wanted("--version", NULL));
	assert_false(wanted("run", "--help", NULL));
	assert_false(wanted("exec", "-h", NULL));
	assert_false(wanted("help", "run", NULL));
	assert_false(wanted("--root", NULL));
	assert_false(wanted("--", "run", NULL));
	assert_false(wanted("runx", NULL));
	assert_false(wanted("ru", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lowerdir),	 cmocka_unit_test(test_lowerdir_refuses),
		cmocka_unit_test(test_lowerdir_longest), cmocka_unit_test(test_wanted),
		cmocka_unit_test(test_not_wanted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
