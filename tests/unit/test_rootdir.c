/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: shared/rootdir.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "shared/rootdir.h"

static void check(const char *flag, char **env, const char *want)
{
	char *got = NULL;
	assert_null(cubo_rootdir_resolve(flag, env, &got));
	assert_string_equal(got, want);
	free(got);
}

static void test_precedence(void **state)
{
	char *all[] = {"CUBO_ROOT=/c", "XDG_STATE_HOME=/s", "XDG_DATA_HOME=/d", "HOME=/h", NULL};
	check("/flag", all, "/flag");
	check(NULL, all, "/c");
	check(NULL, all + 1, "/s/cubo");
	char *data[] = {"HOME=/h", "XDG_DATA_HOME=/d", NULL};
	check(NULL, data, "/d/cubo");
	char *home[] = {"HOME=/h", NULL};
	check(NULL, home, "/h/.local/state/cubo");
	char *none[] = {NULL};
	check(NULL, none, "/tmp/cubo");
	/* empty values count as unset, also an empty flag */
	char *empty[] = {"CUBO_ROOT=", "XDG_STATE_HOME=", "HOME=/h", NULL};
	check("", empty, "/h/.local/state/cubo");
	check("/x/", none, "/x");
	check("/", none, "/");
}

static void test_relative_becomes_absolute(void **state)
{
	char cwd[PATH_MAX], want[PATH_MAX + 16];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want), "%s/rel/dir", cwd);
	char *none[] = {NULL};
	check("rel/dir", none, want);
	char *env[] = {"CUBO_ROOT=rel/dir/", NULL};
	check(NULL, env, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_relative_becomes_absolute),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
