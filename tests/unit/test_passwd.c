/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/passwd.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/container/passwd.h"
#include "shared/fs.h"
#include "tests/unit/helpers.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "# a comment\n"
			     "broken line\n"
			     "alice:x:1000:1000::/home/alice:/bin/sh\n"
			     "bob:x:1001:100:Bob:/home/bob:/bin/sh";
static const char group[] = "root:x:0:\n"
			    "users:x:100:alice\n"
			    "staff:x:50:alice,bob\n"
			    "alice:x:1000:\n"
			    "wheel:x:10:root";

static void test_names_and_ids(void **state)
{
	struct ctr_user u;
	assert_null(passwd_resolve("alice", passwd, group, &u));
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	assert_string_equal(u.home, "/home/alice");
	assert_int_equal(u.n_groups, 2); /* users and staff, not her primary group */
	assert_int_equal(u.groups[0], 100);
	assert_int_equal(u.groups[1], 50);
	ctr_user_free(&u);

	/* bob's primary group is users: not listed again */
	assert_null(passwd_resolve("bob", passwd, group, &u));
	assert_int_equal(u.gid, 100);
	assert_int_equal(u.n_groups, 1);
	assert_int_equal(u.groups[0], 50);
	ctr_user_free(&u);

	/* a number names its passwd entry when there is one */
	assert_null(passwd_resolve("0", passwd, group, &u));
	assert_int_equal(u.uid, 0);
	assert_string_equal(u.home, "/root");
	assert_int_equal(u.n_groups, 1); /* wheel lists root */
	ctr_user_free(&u);

	/* and needs none */
	assert_null(passwd_resolve("4242:77", passwd, group, &u));
	assert_int_equal(u.uid, 4242);
	assert_int_equal(u.gid, 77);
	assert_string_equal(u.home, "/");
	assert_int_equal(u.n_groups, 0);
	ctr_user_free(&u);

	assert_null(passwd_resolve("alice:staff", passwd, group, &u));
	assert_int_equal(u.gid, 50);
	ctr_user_free(&u);

	/* no files at all: numbers only */
	assert_null(passwd_resolve("5", NULL, NULL, &u));
	assert_int_equal(u.uid, 5);
	assert_int_equal(u.gid, 0);
	ctr_user_free(&u);
}

static void test_errors(void **state)
{
	struct ctr_user u;
	th_expect_msg(passwd_resolve("carol", passwd, group, &u), "unable to find user carol");
	th_expect_msg(passwd_resolve("alice:nogroup", passwd, group, &u),
		      "unable to find group nogroup");
	th_expect_msg(passwd_resolve(":1", passwd, group, &u), "no user");
	th_expect_msg(passwd_resolve("alice:", passwd, group, &u), "empty group");
	th_expect_msg(passwd_resolve("99999999999", passwd, group, &u), "unable to find user");
	th_expect_msg(passwd_resolve("broken", passwd, group, &u), "unable to find user");
}

static void test_in_root(void **state)
{
	char *dir = th_tmpdir("passwd");
	char *etc = cubo_path_join(dir, "etc");
	assert_int_equal(mkdir(etc, 0755), 0);
	char *pw = cubo_path_join(etc, "passwd");
	assert_null(cubo_write_file_atomic(pw, passwd, strlen(passwd), 0644));
	/*
	 * A group file that points out of the root, at a host file that lists
	 * alice, resolves inside the root (where it is missing): she gets none
	 * of the host's groups.
	 */
	const char host_text[] = "hostgroup:x:4242:alice\n";
	char *host_group = th_tmpfile("passwd-host", host_text, sizeof(host_text) - 1);
	char *gr = cubo_path_join(etc, "group");
	char *target = cubo_path_join("/../../../..", host_group);
	assert_int_equal(symlink(target, gr), 0);
	int fd = open(dir, O_PATH | O_DIRECTORY);
	struct ctr_user u;
	assert_null(passwd_resolve_in_root(fd, "alice", &u));
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.n_groups, 0);
	ctr_user_free(&u);
	close(fd);
	unlink(host_group);
	free(host_group);
	th_tmpdir_free(dir);
	free(target);
	free(gr);
	free(pw);
	free(etc);
}

/* The image's files that are no regular file, or too large: an error naming the file, at once. */
static void test_in_root_hostile(void **state)
{
	char *dir = th_tmpdir("passwd");
	char *etc = cubo_path_join(dir, "etc");
	assert_int_equal(mkdir(etc, 0755), 0);
	char *pw = cubo_path_join(etc, "passwd");
	char *gr = cubo_path_join(etc, "group");
	int fd = open(dir, O_PATH | O_DIRECTORY);
	struct ctr_user u;

	/* a FIFO would block open (and the monitor) forever */
	assert_int_equal(mkfifo(pw, 0644), 0);
	th_expect_msg(passwd_resolve_in_root(fd, "nobody", &u), "/etc/passwd in rootfs: a FIFO");
	/* also for a numeric user, which still reads the file for HOME and groups */
	th_expect_msg(passwd_resolve_in_root(fd, "0", &u), "look up user \"0\"");
	assert_int_equal(unlink(pw), 0);
	/* a directory */
	assert_int_equal(mkdir(pw, 0755), 0);
	th_expect_msg(passwd_resolve_in_root(fd, "nobody", &u),
		      "/etc/passwd in rootfs: a directory");
	assert_int_equal(rmdir(pw), 0);
	/* a link to itself */
	assert_int_equal(symlink("/etc/passwd", pw), 0);
	th_expect_msg(passwd_resolve_in_root(fd, "nobody", &u), "/etc/passwd");
	assert_int_equal(unlink(pw), 0);
	/* 16 MiB and one byte (sparse: the size is what counts) */
	assert_null(cubo_write_file_atomic(pw, passwd, strlen(passwd), 0644));
	int gfd = open(gr, O_WRONLY | O_CREAT, 0644);
	assert_true(gfd >= 0);
	assert_int_equal(ftruncate(gfd, (16 << 20) + 1), 0);
	close(gfd);
	th_expect_msg(passwd_resolve_in_root(fd, "alice", &u), "/etc/group in rootfs: larger than");
	/* at the cap it is read */
	assert_int_equal(truncate(gr, 16 << 20), 0);
	assert_null(passwd_resolve_in_root(fd, "alice", &u));
	assert_int_equal(u.uid, 1000);
	ctr_user_free(&u);

	close(fd);
	th_tmpdir_free(dir);
	free(gr);
	free(pw);
	free(etc);
}

/* --group-add: names from the group file, numbers as they are, each once */
static void test_add_groups(void **state)
{
	struct ctr_user u;
	assert_null(passwd_resolve("alice", passwd, group, &u));
	assert_int_equal(u.n_groups, 2); /* users, staff */
	char *add[] = {"wheel", "4242", "staff", "10", "100", NULL};
	assert_null(passwd_add_groups(group, add, &u));
	assert_int_equal(u.n_groups, 4);
	assert_int_equal(u.groups[0], 100);
	assert_int_equal(u.groups[1], 50);
	assert_int_equal(u.groups[2], 10);
	assert_int_equal(u.groups[3], 4242);
	th_expect_msg(passwd_add_groups(group, (char *[]){"nosuch", NULL}, &u),
		      "unable to find group nosuch");
	/* the comment and the broken line of passwd are no groups either */
	th_expect_msg(passwd_add_groups(passwd, (char *[]){"broken line", NULL}, &u),
		      "unable to find group");
	/* no group file: numbers only */
	assert_null(passwd_add_groups(NULL, (char *[]){"7", NULL}, &u));
	assert_int_equal(u.groups[4], 7);
	th_expect_msg(passwd_add_groups(NULL, (char *[]){"wheel", NULL}, &u), "wheel");
	ctr_user_free(&u);

	/* in a root: its own /etc/group, as for -u */
	char *dir = th_tmpdir("passwd");
	char *etc = cubo_path_join(dir, "etc");
	assert_int_equal(mkdir(etc, 0755), 0);
	th_put(etc, "group", group);
	int fd = open(dir, O_PATH | O_DIRECTORY);
	memset(&u, 0, sizeof(u));
	assert_null(passwd_add_groups_in_root(fd, (char *[]){"staff", NULL}, &u));
	assert_int_equal(u.n_groups, 1);
	assert_int_equal(u.groups[0], 50);
	assert_null(passwd_add_groups_in_root(fd, NULL, &u));
	assert_int_equal(u.n_groups, 1);
	th_expect_msg(passwd_add_groups_in_root(fd, (char *[]){"hostonly", NULL}, &u), "hostonly");
	ctr_user_free(&u);
	close(fd);
	th_tmpdir_free(dir);
	free(etc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_ids), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_in_root),	      cmocka_unit_test(test_in_root_hostile),
		cmocka_unit_test(test_add_groups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
