/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/checkpoint.c */
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/helpers.h"

#include "cubo-mgr/container/checkpoint.h"
#include "shared/strv.h"

static void test_names(void **state)
{
	(void)state;
	const char *good[] = {"c1", "Checkpoint.1", "a-b_c.d", "00", "a..b", "x."};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		th_assert_ok(checkpoint_name_check(good[i]));
	char long_ok[256], too_long[257];
	memset(long_ok, 'a', 255);
	long_ok[255] = '\0';
	memset(too_long, 'a', 256);
	too_long[256] = '\0';
	th_assert_ok(checkpoint_name_check(long_ok));
	const char *bad[] = {"",     "a",	"..",	 ".",		"../x",	 "a/b",
			     "/abs", ".hidden", "-flag", "_x",		"a b",	 "a\nb",
			     "ä1",   "x/",	"a\\b",	 "checkpoint*", too_long};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		th_expect_msg(checkpoint_name_check(bad[i]), "invalid checkpoint name");
}

static void test_parent(void **state)
{
	(void)state;
	char *p = checkpoint_parent("/r/abc", NULL);
	assert_string_equal(p, "/r/abc/checkpoints");
	free(p);
	p = checkpoint_parent("/r/abc", "/elsewhere");
	assert_string_equal(p, "/elsewhere");
	free(p);
}

static void test_make_find_list(void **state)
{
	struct th_dir *d = *state;
	char *parent = th_path(d->dir, "a/checkpoints");
	char **names;
	/* no directory yet: no checkpoints */
	th_assert_ok(checkpoint_list(parent, &names));
	assert_null(names);
	char *path;
	th_expect_msg(checkpoint_find(parent, "c1", "web", &path),
		      "checkpoint c1 does not exist for container web");
	th_assert_ok(checkpoint_make(parent, "c2", "web", &path));
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	free(path);
	th_assert_ok(checkpoint_make(parent, "c1", "web", &path));
	free(path);
	th_expect_msg(checkpoint_make(parent, "c1", "web", &path),
		      "checkpoint with name c1 already exists for container web");
	th_expect_msg(checkpoint_make(parent, "../c3", "web", &path), "invalid checkpoint name");
	/* what is not a checkpoint directory is not listed, nor found */
	char *f = th_path(parent, "file1");
	th_write_file(f, "x");
	char *link = th_path(parent, "link1");
	assert_int_equal(symlink(d->dir, link), 0);
	char *hidden = th_path(parent, ".hidden");
	assert_int_equal(mkdir(hidden, 0700), 0);
	th_expect_msg(checkpoint_find(parent, "file1", "web", &path), "is not a directory");
	th_expect_msg(checkpoint_find(parent, "link1", "web", &path), "is not a directory");
	th_expect_msg(checkpoint_find(parent, ".hidden", "web", &path), "invalid checkpoint name");
	th_assert_ok(checkpoint_list(parent, &names));
	th_assert_strv(names, "c1", "c2");
	cubo_strv_free(names);
	th_assert_ok(checkpoint_find(parent, "c2", "web", &path));
	assert_string_equal(path + strlen(parent), "/c2");
	free(path);
	/* the parent must be a directory */
	th_expect_failure(checkpoint_list(f, &names));
	free(f);
	free(link);
	free(hidden);
	free(parent);
}

static int setup(void **state)
{
	*state = th_dir_new("checkpoint", NULL);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parent),
		cmocka_unit_test_setup_teardown(test_make_find_list, setup, th_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
