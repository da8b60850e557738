/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/volume.c, cubo-mgr/container/rootfs_copy.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/container/rootfs.h"
#include "cubo-mgr/container/volume.h"
#include "shared/fs.h"
#include "tests/unit/helpers.h"

static void test_lifecycle(void **state)
{
	char *root = th_tmpdir("volume");
	struct ctr_volume v;
	bool existed;
	char *labels[] = {"team=db", NULL};
	assert_null(volume_create(root, "data", labels, &v, &existed));
	assert_false(existed);
	assert_string_equal(v.name, "data");
	assert_string_equal(v.driver, "local");
	assert_false(v.anonymous);
	char want[256];
	snprintf(want, sizeof(want), "%s/volumes/data/_data", root);
	assert_string_equal(v.mountpoint, want);
	struct stat st;
	assert_int_equal(stat(v.mountpoint, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	char *json;
	size_t len;
	assert_null(volume_to_json(&v, false, &json, &len));
	assert_non_null(strstr(json, "\"Labels\":{\"team\":\"db\"}"));
	assert_non_null(strstr(json, "\"Driver\":\"local\""));
	free(json);
	ctr_volume_free(&v);
	/* a second create of the name returns the volume as it is */
	assert_null(volume_create(root, "data", NULL, &v, &existed));
	assert_true(existed);
	assert_string_equal(v.labels[0], "team=db");
	ctr_volume_free(&v);
	assert_null(volume_create(root, NULL, NULL, &v, &existed));
	assert_true(v.anonymous);
	assert_int_equal(strlen(v.name), 64);
	char *anon = strdup(v.name);
	ctr_volume_free(&v);
	struct ctr_volume *all;
	size_t n;
	assert_null(volume_list(root, &all, &n));
	assert_int_equal(n, 2);
	assert_true(strcmp(all[0].name, all[1].name) < 0);
	ctr_volumes_free(all, n);
	assert_null(volume_remove(root, anon));
	th_expect_msg(volume_get(root, anon, &v), "no such volume");
	th_expect_msg(volume_remove(root, anon), "no such volume");
	assert_null(volume_get(root, "data", &v));
	ctr_volume_free(&v);
	free(anon);
	th_tmpdir_free(root);
}

static void test_names(void **state)
{
	assert_null(volume_name_check("db-data_1.x"));
	th_expect_msg(volume_name_check("a"), "invalid volume name");
	th_expect_msg(volume_name_check("-x"), "invalid volume name");
	th_expect_msg(volume_name_check("../x"), "invalid volume name");
	th_expect_msg(volume_name_check("a/b"), "invalid volume name");
	struct ctr_volume v;
	bool existed;
	th_expect_msg(volume_create("/tmp", "bad/name", NULL, &v, &existed), "invalid volume name");
}

/*
 * A volume filled from the image keeps the image directory's owner, group
 * and mode, as docker's does (postgres refuses a data directory that is not
 * its own, 0700).
 */
static void test_fill_keeps_owner_and_mode(void **state)
{
	if (geteuid() != 0)
		skip();
	char *base = th_tmpdir("volume");
	char *src = cubo_path_join(base, "image-dir"), *dst = cubo_path_join(base, "_data");
	char *file = cubo_path_join(src, "PG_VERSION");
	assert_int_equal(mkdir(src, 0755), 0);
	assert_int_equal(mkdir(dst, 0755), 0);
	assert_null(cubo_write_file_atomic(file, "15\n", 3, 0600));
	assert_int_equal(chown(file, 1234, 5678), 0);
	assert_int_equal(chown(src, 1234, 5678), 0);
	assert_int_equal(chmod(src, 01700), 0);
	int s = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int d = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(s >= 0 && d >= 0);
	assert_null(rootfs_copy_tree(s, d));
	struct stat st;
	assert_int_equal(stat(dst, &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	assert_int_equal(st.st_mode & 07777, 01700);
	char *copied = cubo_path_join(dst, "PG_VERSION");
	assert_int_equal(stat(copied, &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_mode & 07777, 0600);
	close(s);
	close(d);
	th_tmpdir_free(base);
	free(copied);
	free(file);
	free(dst);
	free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fill_keeps_owner_and_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
