/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/cp_rule.c, cubo-mgr/image/tree_tar.c */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/container/cp_rule.h"
#include "cubo-mgr/image/tree_tar.h"
#include "cubo-mgr/image/unpack.h"
#include "shared/fs.h"
#include "tests/unit/helpers.h"

static void expect_split(const char *arg, const char *ctr, const char *path)
{
	char *c, *p;
	assert_null(cp_arg_split(arg, &c, &p));
	if (ctr)
		assert_string_equal(c, ctr);
	else
		assert_null(c);
	assert_string_equal(p, path);
	free(c);
	free(p);
}

static void test_split(void **state)
{
	(void)state;
	expect_split("web:/etc/hosts", "web", "/etc/hosts");
	expect_split("web:etc", "web", "etc");
	expect_split("web:/a:b", "web", "/a:b");
	/* a local path with a colon is explicit about being one */
	expect_split("./a:b", NULL, "./a:b");
	expect_split("/x/a:b", NULL, "/x/a:b");
	expect_split("file", NULL, "file");
	expect_split("-", NULL, "-");
	char *c, *p;
	th_expect_msg(cp_arg_split(":/x", &c, &p), "no container name");
	expect_split("web:", "web", "/");
	th_expect_msg(cp_arg_split("", &c, &p), "empty path");
}

static void expect_plan(const char *src, enum cp_kind sk, const char *dest, enum cp_kind dk,
			const char *dir, const char *name)
{
	struct cp_plan p;
	struct cp_side a = {src, sk, NULL}, b = {dest, dk, NULL};
	assert_null(cp_plan_make(&a, &b, &p));
	assert_string_equal(p.dir, dir);
	if (name)
		assert_string_equal(p.name, name);
	else
		assert_null(p.name);
	cp_plan_free(&p);
}

static void expect_refused(const char *src, enum cp_kind sk, const char *dest, enum cp_kind dk,
			   const char *words)
{
	struct cp_plan p;
	struct cp_side a = {src, sk, NULL}, b = {dest, dk, NULL};
	th_expect_msg(cp_plan_make(&a, &b, &p), words);
	assert_null(p.dir);
}

/* docker's SRC_PATH/DEST_PATH table, row by row */
static void test_table(void **state)
{
	(void)state;
	/* a file, DEST missing: a file DEST */
	expect_plan("/a/f", CP_FILE, "/b/g", CP_MISSING, "/b", "g");
	expect_plan("f", CP_FILE, "g", CP_MISSING, ".", "g");
	/* a file, DEST missing and ending in /: the directory must exist */
	expect_refused("/a/f", CP_FILE, "/b/g/", CP_MISSING, "must exist");
	/* a file, DEST a file: overwritten */
	expect_plan("/a/f", CP_FILE, "/b/g", CP_FILE, "/b", "g");
	/* a file, DEST a directory: into it by SRC's name */
	expect_plan("/a/f", CP_FILE, "/b", CP_DIR, "/b", "f");
	expect_plan("/a/f", CP_FILE, "/b/", CP_DIR, "/b/", "f");
	/* a file named as a directory */
	expect_refused("/a/f/", CP_FILE, "/b", CP_DIR, "not a directory");
	expect_refused("/a/f/.", CP_FILE, "/b", CP_DIR, "not a directory");
	/* DEST a file named as a directory */
	expect_refused("/a/f", CP_FILE, "/b/g/", CP_FILE, "not a directory");
	/* a directory, DEST missing: made, with SRC's contents */
	expect_plan("/a/d", CP_DIR, "/b/e", CP_MISSING, "/b", "e");
	expect_plan("/a/d/.", CP_DIR, "/b/e", CP_MISSING, "/b", "e");
	expect_plan("/a/d", CP_DIR, "/b/e/", CP_MISSING, "/b", "e");
	/* a directory, DEST a file */
	expect_refused("/a/d", CP_DIR, "/b/g", CP_FILE, "cannot copy a directory to a file");
	/* a directory, DEST a directory: into it, or with /. its contents */
	expect_plan("/a/d", CP_DIR, "/b", CP_DIR, "/b", "d");
	expect_plan("/a/d/", CP_DIR, "/b", CP_DIR, "/b", "d");
	expect_plan("/a/d/.", CP_DIR, "/b", CP_DIR, "/b", NULL);
	expect_plan(".", CP_DIR, "/b", CP_DIR, "/b", NULL);
	/* the root: its contents */
	expect_plan("/", CP_DIR, "out", CP_DIR, "out", NULL);
	expect_plan("/", CP_DIR, "out", CP_MISSING, ".", "out");
	/* a missing SRC */
	expect_refused("/a/x", CP_MISSING, "/b", CP_DIR, "no such file");
	/* errors name the end as the user wrote it */
	struct cp_plan p;
	struct cp_side a = {"/a/f", CP_FILE, NULL}, b = {"/x/", CP_MISSING, "web:/x/"};
	th_expect_msg(cp_plan_make(&a, &b, &p), "web:/x/: the destination directory must exist");
}

/* fn(in) is want (a new string) */
static void expect_name(char *(*fn)(const char *), const char *in, const char *want)
{
	char *got = fn(in);
	assert_string_equal(got, want);
	free(got);
}

static void test_names(void **state)
{
	(void)state;
	expect_name(cp_base_name, "a/b//", "b");
	expect_name(cp_base_name, "/", "/");
	expect_name(cp_dir_name, "a/b/", "a");
	expect_name(cp_dir_name, "b", ".");
	expect_name(cp_dir_name, "/b", "/");
	assert_true(cp_names_contents("d/."));
	assert_true(cp_names_contents("."));
	assert_false(cp_names_contents("d/.x"));
	assert_true(cp_names_dir("d/"));
	assert_false(cp_names_dir("d"));
}

/*
 * A tree through tree_tar and the plain-tar unpacker: names, modes, a
 * hardlink, a symlink out, a fifo, .wh. as a file, file capabilities.
 */
static void test_tree_roundtrip(void **state)
{
	(void)state;
	char *src = th_tmpdir("cp-src"), *dst = th_tmpdir("cp-dst");
	char *p = cubo_path_join(src, "d");
	assert_int_equal(mkdir(p, 0750), 0);
	free(p);
	p = cubo_path_join(src, "d/f");
	assert_null(cubo_write_file_replace(p, "hello", 5, 0640));
	/* cap_net_raw, effective: a v2 security.capability as setcap writes it */
	const uint32_t caps[5] = {0x02000001, 1u << 13, 0, 0, 0};
	bool have_caps = setxattr(p, "security.capability", caps, sizeof(caps), 0) == 0;
	char *h = cubo_path_join(src, "d/hard");
	assert_int_equal(link(p, h), 0);
	free(h);
	free(p);
	p = cubo_path_join(src, "d/.wh.x");
	assert_null(cubo_write_file_replace(p, "", 0, 0644));
	free(p);
	p = cubo_path_join(src, "d/out");
	assert_int_equal(symlink("/etc/shadow", p), 0);
	free(p);
	p = cubo_path_join(src, "d/fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	free(p);

	p = cubo_path_join(src, "d");
	int fd = open(p, O_PATH | O_CLOEXEC);
	free(p);
	assert_true(fd >= 0);
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	uint64_t bytes = 0;
	/* a small tree fits in the pipe: write it all, then read it */
	struct tree_tar t = {.caps_only = true};
	assert_null(tree_tar_write(&t, fd, "e", pipefd[1], &bytes));
	close(pipefd[1]);
	close(fd);
	assert_true(bytes > 0 && bytes % 512 == 0);
	struct unpack_opts uo = {.plain_tar = true, .layer_name = "test"};
	assert_null(unpack_fd(pipefd[0], dst, &uo, NULL));
	close(pipefd[0]);

	struct stat a, b2;
	p = cubo_path_join(dst, "e/f");
	char *text;
	assert_null(cubo_read_file(p, &text, NULL));
	assert_string_equal(text, "hello");
	free(text);
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(a.st_mode & 07777, 0640);
	if (have_caps) {
		uint32_t got[5] = {0};
		assert_int_equal(getxattr(p, "security.capability", got, sizeof(got)),
				 sizeof(caps));
		assert_memory_equal(got, caps, sizeof(caps));
	}
	free(p);
	p = cubo_path_join(dst, "e/hard");
	assert_int_equal(stat(p, &b2), 0);
	assert_int_equal(a.st_ino, b2.st_ino);
	free(p);
	p = cubo_path_join(dst, "e/.wh.x");
	assert_int_equal(lstat(p, &a), 0);
	assert_true(S_ISREG(a.st_mode));
	free(p);
	p = cubo_path_join(dst, "e/fifo");
	assert_int_equal(lstat(p, &a), 0);
	assert_true(S_ISFIFO(a.st_mode));
	free(p);
	p = cubo_path_join(dst, "e/out");
	char target[64] = {0};
	assert_int_equal(readlink(p, target, sizeof(target) - 1), 11);
	assert_string_equal(target, "/etc/shadow");
	free(p);
	p = cubo_path_join(dst, "e");
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(a.st_mode & 07777, 0750);
	free(p);
	th_tmpdir_free(src);
	th_tmpdir_free(dst);
}

/* /proc comes as an empty directory: none of the kernel's files are read */
static void test_tree_proc_left_out(void **state)
{
	(void)state;
	int fd = open("/proc", O_PATH | O_CLOEXEC);
	assert_true(fd >= 0);
	char *tmp = th_tmpdir("cp-proc");
	char *path = cubo_path_join(tmp, "t.tar");
	int out = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(out >= 0);
	uint64_t bytes = 0;
	struct tree_tar t = {.caps_only = true};
	assert_null(tree_tar_write(&t, fd, "proc", out, &bytes));
	close(out);
	close(fd);
	/* one header and the end-of-archive blocks: nothing else */
	assert_true(bytes <= 512 * 4);
	free(path);
	th_tmpdir_free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_tree_roundtrip),
		cmocka_unit_test(test_tree_proc_left_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
