/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/builder/etc_stubs.c */
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

#include "cubo-mgr/builder/etc_stubs.h"
#include "tests/unit/helpers.h"

static bool there(const char *dir, const char *name)
{
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return lstat(p, &st) == 0;
}

/* upper/etc as the overlay copies it up: the image's mode */
static void copy_up_etc(const char *etc, mode_t mode)
{
	assert_int_equal(mkdir(etc, mode), 0);
	assert_int_equal(chmod(etc, mode), 0);
}

static void test_bindable(void **state)
{
	char *root = th_tmpdir("stubs");
	int fd = open(root, O_PATH | O_DIRECTORY);
	struct etc_stubs s = {0};
	/* no /etc: nothing to bind over, nothing noted */
	assert_false(etc_stub_bindable(fd, "etc/hosts", &s));
	assert_int_equal(s.n, 0);
	char etc[300];
	snprintf(etc, sizeof(etc), "%s/etc", root);
	assert_int_equal(mkdir(etc, 0751), 0);
	/* a regular file: bound over as it is */
	th_put(etc, "hosts", "127.0.0.1 localhost\n");
	assert_true(etc_stub_bindable(fd, "etc/hosts", &s));
	assert_int_equal(s.n, 0);
	/* missing from /etc: a stub, with /etc's mode noted */
	assert_true(etc_stub_bindable(fd, "etc/resolv.conf", &s));
	assert_int_equal(s.n, 1);
	assert_string_equal(s.names[0], "etc/resolv.conf");
	assert_int_equal(s.mode & 07777, 0751);
	/* a symlink (it could point anywhere): not bound */
	char link[320];
	snprintf(link, sizeof(link), "%s/hostname", etc);
	assert_int_equal(symlink("/proc/self/root/etc/shadow", link), 0);
	assert_false(etc_stub_bindable(fd, "etc/hostname", &s));
	assert_int_equal(s.n, 1);
	close(fd);
	th_tmpdir_free(root);
}

static void test_remove(void **state)
{
	char *upper = th_tmpdir("stubs");
	char etc[300];
	snprintf(etc, sizeof(etc), "%s/etc", upper);
	struct etc_stubs s = {
		.names = {"etc/hosts", "etc/resolv.conf"}, .n = 2, .mode = S_IFDIR | 0755};
	s.uid = getuid();
	s.gid = getgid();
	/* nothing copied up: nothing to do */
	assert_null(etc_stubs_remove(upper, &s));
	/* the stubs and the copy-up made for them go */
	copy_up_etc(etc, 0755);
	th_put(etc, "hosts", "");
	th_put(etc, "resolv.conf", "");
	assert_null(etc_stubs_remove(upper, &s));
	assert_false(there(upper, "etc"));
	/* what the step wrote in /etc stays, and so does /etc */
	copy_up_etc(etc, 0755);
	th_put(etc, "hosts", "");
	th_put(etc, "app.conf", "x\n");
	assert_null(etc_stubs_remove(upper, &s));
	assert_false(there(upper, "etc/hosts"));
	assert_true(there(upper, "etc/app.conf"));
	th_rm_tree(etc);
	/* a chmod of /etc is a change of the step's: kept */
	copy_up_etc(etc, 0700);
	th_put(etc, "hosts", "");
	assert_null(etc_stubs_remove(upper, &s));
	assert_false(there(upper, "etc/hosts"));
	assert_true(there(upper, "etc"));
	/* a file with content is no stub */
	th_put(etc, "resolv.conf", "nameserver 192.0.2.1\n");
	assert_null(etc_stubs_remove(upper, &s));
	assert_true(there(upper, "etc/resolv.conf"));
	th_tmpdir_free(upper);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bindable),
		cmocka_unit_test(test_remove),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
