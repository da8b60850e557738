/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/disk_usage.c (system df's arithmetic), shared/du.c */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/container/disk_usage.h"
#include "shared/du.h"
#include "shared/fs.h"
#include "tests/unit/helpers.h"

static void test_images_row(void **state)
{
	(void)state;
	/* a and b share the base layer L; c shares nothing; only b is used */
	char *da[] = {"cfgA", "L", "A1", NULL}, *db[] = {"cfgB", "L", NULL},
	     *dc[] = {"cfgC", "C1", NULL};
	uint64_t sa[] = {1, 100, 10}, sb[] = {2, 100}, sc[] = {3, 1000};
	struct df_image v[] = {{false, da, sa}, {true, db, sb}, {false, dc, sc}};
	struct df_row r;
	uint64_t *unique;
	df_images_row(v, 3, &r, &unique);
	assert_int_equal(r.total, 3);
	assert_int_equal(r.active, 1);
	/* L once: 1 + 100 + 10 + 2 + 3 + 1000 */
	assert_int_equal(r.size, 1116);
	/* what no used image has: cfgA, A1, cfgC, C1 (L is b's) */
	assert_int_equal(r.reclaimable, 1014);
	assert_int_equal(unique[0], 11);
	assert_int_equal(unique[1], 2);
	assert_int_equal(unique[2], 1003);
	free(unique);
	/* the same blob twice in one image counts once */
	char *dd[] = {"cfgD", "X", "X", NULL};
	uint64_t sd[] = {1, 50, 50};
	struct df_image one = {false, dd, sd};
	df_images_row(&one, 1, &r, NULL);
	assert_int_equal(r.size, 51);
	df_images_row(NULL, 0, &r, NULL);
	assert_int_equal(r.total, 0);
	assert_int_equal(r.size, 0);
}

static void test_rows(void **state)
{
	(void)state;
	struct df_row r = {0};
	char text[48];
	df_reclaimable_text(&r, text, sizeof(text));
	assert_string_equal(text, "0B (0%)");
	df_row_add(&r, 3000, true);
	df_row_add(&r, 1000, false);
	assert_int_equal(r.total, 2);
	assert_int_equal(r.active, 1);
	assert_int_equal(r.size, 4000);
	assert_int_equal(r.reclaimable, 1000);
	df_reclaimable_text(&r, text, sizeof(text));
	assert_string_equal(text, "1.00kB (25%)");
}

static void write_bytes(const char *dir, const char *name, size_t n)
{
	char *p = cubo_path_join(dir, name);
	char *buf = calloc(1, n + 1);
	assert_null(cubo_write_file_replace(p, buf, n, 0644));
	free(buf);
	free(p);
}

static void test_du(void **state)
{
	(void)state;
	char *dir = th_tmpdir("du");
	uint64_t b = 1;
	char *missing = cubo_path_join(dir, "missing");
	assert_null(cubo_du(missing, &b));
	assert_int_equal(b, 0);
	free(missing);
	write_bytes(dir, "a", 1000);
	char *sub = cubo_path_join(dir, "sub");
	assert_int_equal(mkdir(sub, 0755), 0);
	write_bytes(sub, "b", 234);
	/* a hard link counts once, a symlink is not followed */
	char *a = cubo_path_join(dir, "a"), *hard = cubo_path_join(sub, "hard"),
	     *sym = cubo_path_join(sub, "sym");
	assert_int_equal(link(a, hard), 0);
	assert_int_equal(symlink("/usr/bin", sym), 0);
	assert_null(cubo_du(dir, &b));
	assert_int_equal(b, 1000 + 234 + strlen("/usr/bin"));
	/* many links to one file: still once */
	for (int i = 0; i < 200; i++) {
		char name[32];
		snprintf(name, sizeof(name), "l%d", i);
		char *p = cubo_path_join(sub, name);
		assert_int_equal(link(a, p), 0);
		free(p);
	}
	assert_null(cubo_du(dir, &b));
	assert_int_equal(b, 1000 + 234 + strlen("/usr/bin"));
	/* a tree deeper than PATH_MAX is walked whole (and removed here by fds) */
	enum { DEPTH = 300 };
	static const char level[] = "a-rather-long-name";
	int fds[DEPTH + 1];
	char *deep = cubo_path_join(dir, "deep");
	assert_int_equal(mkdir(deep, 0755), 0);
	fds[0] = open(deep, O_PATH | O_DIRECTORY);
	for (int i = 0; i < DEPTH; i++) {
		assert_true(fds[i] >= 0);
		assert_int_equal(mkdirat(fds[i], level, 0755), 0);
		fds[i + 1] = openat(fds[i], level, O_PATH | O_DIRECTORY);
	}
	int file = openat(fds[DEPTH], "bottom", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(file >= 0);
	assert_int_equal(write(file, "12345", 5), 5);
	close(file);
	char before[4096], after[4096];
	assert_non_null(getcwd(before, sizeof(before)));
	assert_null(cubo_du(deep, &b));
	assert_int_equal(b, 5);
	/* the walk's chdirs are undone */
	assert_non_null(getcwd(after, sizeof(after)));
	assert_string_equal(before, after);
	assert_int_equal(unlinkat(fds[DEPTH], "bottom", 0), 0);
	close(fds[DEPTH]);
	for (int i = DEPTH - 1; i >= 0; i--) {
		assert_int_equal(unlinkat(fds[i], level, AT_REMOVEDIR), 0);
		close(fds[i]);
	}
	free(deep);
	/* a file given alone */
	assert_null(cubo_du(a, &b));
	assert_int_equal(b, 1000);
	free(a);
	free(hard);
	free(sym);
	free(sub);
	th_tmpdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_images_row),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_du),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
