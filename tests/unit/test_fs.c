/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: shared/fs.c */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "shared/fs.h"
#include "tests/unit/helpers.h"

static int setup(void **state)
{
	*state = th_dir_new("fs", NULL);
	return 0;
}

static char *at(struct th_dir *fx, const char *name)
{
	return th_path(fx->dir, name);
}

static void assert_content(const char *path, const char *want)
{
	char *got = NULL;
	size_t len = 0;

	assert_null(cubo_read_file(path, &got, &len));
	assert_int_equal(len, strlen(want));
	assert_string_equal(got, want);
	free(got);
}

/* No ".tmp-*" file may be left behind in dir, whatever happened. */
static void assert_no_temp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, ".tmp-", 5) == 0)
			fail_msg("temp file %s left in %s", de->d_name, dir);
	closedir(d);
}

static void test_atomic_write_creates_and_replaces(void **state)
{
	struct th_dir *fx = *state;
	char *path = at(fx, "state.json");
	struct stat st;

	assert_null(cubo_write_file_atomic(path, "{\"a\":1}", 7, 0644));
	assert_content(path, "{\"a\":1}");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);

	/* The mode is set exactly, whatever the umask. */
	assert_null(cubo_write_file_atomic(path, "new", 3, 0600));
	assert_content(path, "new");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_null(cubo_write_file_atomic(path, "x", 1, 0666));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0666);

	assert_null(cubo_write_file_atomic(path, "", 0, 0644));
	assert_content(path, "");
	assert_no_temp_files(fx->dir);
	free(path);
}

/* The non-durable variant: the same atomic replacement, mode and errors. */
static void test_replace_write(void **state)
{
	struct th_dir *fx = *state;
	char *path = at(fx, "pid");
	struct stat st;
	int dfd = open(fx->dir, O_RDONLY | O_DIRECTORY);

	assert_true(dfd >= 0);
	assert_null(cubo_write_file_replace(path, "42\n", 3, 0644));
	assert_content(path, "42\n");
	assert_null(cubo_write_file_replace_at(dfd, "pid", "7", 1, 0600));
	assert_content(path, "7");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_no_temp_files(fx->dir);
	char *missing = at(fx, "nodir/pid");
	struct cubo_error *err = cubo_write_file_replace(missing, "x", 1, 0644);
	assert_non_null(err);
	assert_int_equal(err->errnum, ENOENT);
	assert_non_null(strstr(err->msg, "nodir/pid"));
	cubo_error_free(err);
	err = cubo_write_file_replace_at(dfd, "..", "x", 1, 0644);
	assert_non_null(err);
	assert_int_equal(err->errnum, EISDIR);
	cubo_error_free(err);
	close(dfd);
	free(missing);
	free(path);
}

static void test_fsync_dir_files(void **state)
{
	struct th_dir *fx = *state;
	char *sub = at(fx, "ctr"), *f = at(fx, "ctr/config.json"), *d = at(fx, "ctr/rootfs");

	assert_int_equal(mkdir(sub, 0700), 0);
	assert_null(cubo_write_file_replace(f, "{}", 2, 0600));
	assert_int_equal(mkdir(d, 0700), 0);
	char *link = at(fx, "ctr/link"); /* not a regular file: skipped */
	assert_int_equal(symlink("/nonexistent", link), 0);
	free(link);
	assert_null(cubo_fsync_dir_files(sub));
	assert_content(f, "{}");
	char *missing = at(fx, "nope");
	struct cubo_error *err = cubo_fsync_dir_files(missing);
	assert_non_null(err);
	assert_int_equal(err->errnum, ENOENT);
	assert_non_null(strstr(err->msg, "nope"));
	cubo_error_free(err);
	free(missing);
	free(sub);
	free(f);
	free(d);
}

static void test_atomic_write_large(void **state)
{
	struct th_dir *fx = *state;
	char *path = at(fx, "big");
	size_t len = 3 * 1024 * 1024 + 17;
	char *data = malloc(len + 1), *back = NULL;
	size_t back_len = 0;

	assert_non_null(data);
	for (size_t i = 0; i < len; i++)
		data[i] = (char)('a' + i % 26);
	data[len] = '\0';
	assert_null(cubo_write_file_atomic(path, data, len, 0644));
	assert_null(cubo_read_file(path, &back, &back_len));
	assert_int_equal(back_len, len);
	assert_memory_equal(back, data, len);
	free(back);
	free(data);
	free(path);
}

static void test_atomic_write_at(void **state)
{
	struct th_dir *fx = *state;
	int dfd = open(fx->dir, O_RDONLY | O_DIRECTORY);
	char *sub = at(fx, "sub"), *path = at(fx, "sub/config.json");

	assert_true(dfd >= 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_null(cubo_write_file_atomic_at(dfd, "sub/config.json", "cfg", 3, 0640));
	assert_content(path, "cfg");
	assert_null(cubo_write_file_atomic_at(dfd, "top", "t", 1, 0640));
	assert_no_temp_files(fx->dir);
	assert_no_temp_files(sub);
	close(dfd);
	free(sub);
	free(path);
}

static void test_atomic_write_long_name(void **state)
{
	struct th_dir *fx = *state;
	char name[256];
	char *path;

	memset(name, 'n', 255);
	name[255] = '\0';
	path = at(fx, name);
	assert_null(cubo_write_file_atomic(path, "long", 4, 0644));
	assert_content(path, "long");
	assert_no_temp_files(fx->dir);
	free(path);
}

static void test_atomic_write_missing_dir(void **state)
{
	struct th_dir *fx = *state;
	char *path = at(fx, "missing/state.json");
	char *want;

	assert_true(asprintf(&want,
			     "write %s: open directory %s/missing: No such file or directory", path,
			     fx->dir) > 0);
	th_expect_error(cubo_write_file_atomic(path, "x", 1, 0644), ENOENT, want);
	free(want);
	free(path);
}

static void test_atomic_write_over_directory_cleans_up(void **state)
{
	struct th_dir *fx = *state;
	char *path = at(fx, "adir"), *inner = at(fx, "adir/keep");
	char *want;

	assert_int_equal(mkdir(path, 0755), 0);
	th_write_file(inner, "k");
	assert_true(asprintf(&want, "write %s: rename: Is a directory", path) > 0);
	th_expect_error(cubo_write_file_atomic(path, "x", 1, 0644), EISDIR, want);
	assert_no_temp_files(fx->dir);
	assert_content(inner, "k");
	free(want);
	free(inner);
	free(path);
}

static void test_atomic_write_needs_a_name(void **state)
{
	struct th_dir *fx = *state;
	char *path = at(fx, "dir/");
	struct cubo_error *err = cubo_write_file_atomic(path, "x", 1, 0644);

	assert_non_null(err);
	assert_int_equal(err->errnum, EISDIR);
	cubo_error_free(err);
	free(path);
}

static void test_read_file_small_and_empty(void **state)
{
	struct th_dir *fx = *state;
	char *path = at(fx, "f"), *out = NULL;

	th_write_file(path, "hello\n");
	assert_content(path, "hello\n");
	/* len may be omitted. */
	assert_null(cubo_read_file(path, &out, NULL));
	assert_string_equal(out, "hello\n");
	free(out);
	th_write_file(path, "");
	assert_content(path, "");
	free(path);
}

static void test_read_file_from_proc(void **state)
{
	char *out = NULL;
	size_t len = 0;
	struct stat st;

	/* /proc reports st_size 0; the content must still be read in full. */
	assert_int_equal(stat("/proc/self/status", &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_null(cubo_read_file("/proc/self/status", &out, &len));
	assert_true(len > 100);
	assert_int_equal(strlen(out), len);
	assert_int_equal(strncmp(out, "Name:", 5), 0);
	assert_non_null(strstr(out, "\nPid:"));
	free(out);
	/* More than one page, still with st_size 0. */
	assert_null(cubo_read_file("/proc/self/maps", &out, &len));
	assert_int_equal(strlen(out), len);
	free(out);
}

static void test_read_file_at(void **state)
{
	struct th_dir *fx = *state;
	char *path = at(fx, "g"), *out = NULL;
	int dfd = open(fx->dir, O_RDONLY | O_DIRECTORY);
	size_t len = 0;

	th_write_file(path, "at");
	assert_null(cubo_read_file_at(dfd, "g", &out, &len));
	assert_string_equal(out, "at");
	assert_int_equal(len, 2);
	free(out);
	th_expect_error(cubo_read_file_at(dfd, "nope", &out, &len), ENOENT,
			"read nope: open: No such file or directory");
	assert_null(out);
	close(dfd);
	free(path);
}

static void test_read_file_errors(void **state)
{
	struct th_dir *fx = *state;
	char *missing = at(fx, "missing"), *out = (char *)"untouched", *want;
	size_t len = 99;

	assert_true(asprintf(&want, "read %s: open: No such file or directory", missing) > 0);
	th_expect_error(cubo_read_file(missing, &out, &len), ENOENT, want);
	assert_null(out);
	free(want);
	assert_true(asprintf(&want, "read %s: read: Is a directory", fx->dir) > 0);
	th_expect_error(cubo_read_file(fx->dir, &out, &len), EISDIR, want);
	free(want);
	free(missing);
}

static void test_write_existing(void **state)
{
	struct th_dir *fx = *state;
	char *path = at(fx, "knob"), *missing = at(fx, "no-knob"), *want;

	th_write_file(path, "a much longer old value\n");
	assert_null(cubo_write_existing(path, "max", 3));
	assert_content(path, "max");
	assert_true(asprintf(&want, "write %s: open: No such file or directory", missing) > 0);
	th_expect_error(cubo_write_existing(missing, "1", 1), ENOENT, want);
	assert_false(cubo_path_exists(missing));
	free(want);
	free(missing);
	free(path);
}

static void test_write_existing_kernel_rejects(void **state)
{
	struct cubo_error *err;

	/* The kernel refuses the value in write(): the error says so and names the file. */
	err = cubo_write_existing("/proc/self/oom_score_adj", "not-a-number", 12);
	assert_non_null(err);
	assert_int_equal(err->errnum, EINVAL);
	assert_string_equal(err->msg, "write /proc/self/oom_score_adj: write");
	cubo_error_free(err);
}

static void assert_is_dir(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

static void test_mkdir_p(void **state)
{
	struct th_dir *fx = *state;
	char *deep = at(fx, "a/b/c/d"), *odd, *rel;
	char cwd[4096];

	assert_null(cubo_mkdir_p(deep, 0755));
	assert_is_dir(deep);
	/* Existing directories are fine. */
	assert_null(cubo_mkdir_p(deep, 0755));
	assert_null(cubo_mkdir_p(fx->dir, 0755));
	assert_null(cubo_mkdir_p("/", 0755));

	/* Doubled and trailing slashes. */
	assert_true(asprintf(&odd, "%s//x///y//", fx->dir) > 0);
	assert_null(cubo_mkdir_p(odd, 0700));
	free(odd);
	free(deep);
	deep = at(fx, "x/y");
	assert_is_dir(deep);
	free(deep);

	/* Relative paths start at the working directory. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(fx->dir), 0);
	assert_null(cubo_mkdir_p("rel/one/", 0755));
	assert_int_equal(chdir(cwd), 0);
	rel = at(fx, "rel/one");
	assert_is_dir(rel);
	free(rel);
}

static void test_mkdir_p_through_symlink_to_dir(void **state)
{
	struct th_dir *fx = *state;
	char *real = at(fx, "real"), *link = at(fx, "link"), *path = at(fx, "link/sub/dir");
	char *through = at(fx, "real/sub/dir");

	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink(real, link), 0);
	assert_null(cubo_mkdir_p(path, 0755));
	assert_is_dir(through);
	free(real);
	free(link);
	free(path);
	free(through);
}

static void test_mkdir_p_over_file(void **state)
{
	struct th_dir *fx = *state;
	char *file = at(fx, "file"), *below = at(fx, "file/sub/dir"), *want;

	th_write_file(file, "x");
	assert_true(asprintf(&want, "mkdir %s: Not a directory", file) > 0);
	th_expect_error(cubo_mkdir_p(file, 0755), ENOTDIR, want);
	free(want);
	/* The component that is in the way is named. */
	assert_true(asprintf(&want, "mkdir %s: %s: Not a directory", below, file) > 0);
	th_expect_error(cubo_mkdir_p(below, 0755), ENOTDIR, want);
	free(want);
	assert_content(file, "x");

	th_expect_error(cubo_mkdir_p("", 0755), ENOENT, "mkdir \"\": No such file or directory");
	free(below);
	free(file);
}

static void test_rm_rf_tree_keeps_symlink_targets(void **state)
{
	struct th_dir *fx = *state;
	char *tree = at(fx, "tree"), *outside = at(fx, "outside");
	char *outside_file = at(fx, "outside/precious"), *outside_top = at(fx, "outside-file");
	char *p;

	assert_int_equal(mkdir(outside, 0755), 0);
	th_write_file(outside_file, "keep me");
	th_write_file(outside_top, "me too");
	assert_null(cubo_mkdir_p(p = at(fx, "tree/a/b/c"), 0755));
	free(p);
	th_write_file(p = at(fx, "tree/a/b/c/file"), "1");
	free(p);
	th_write_file(p = at(fx, "tree/a/.hidden"), "2");
	free(p);
	assert_int_equal(symlink(outside, p = at(fx, "tree/a/dirlink")), 0);
	free(p);
	assert_int_equal(symlink(outside_top, p = at(fx, "tree/filelink")), 0);
	free(p);
	assert_int_equal(symlink("/nonexistent", p = at(fx, "tree/dangling")), 0);
	free(p);
	assert_int_equal(mkfifo(p = at(fx, "tree/a/fifo"), 0600), 0);
	free(p);
	/* An unreadable, unwritable directory is still removed (we are its owner). */
	assert_int_equal(mkdir(p = at(fx, "tree/locked"), 0), 0);
	free(p);

	assert_null(cubo_rm_rf(tree));
	assert_false(cubo_path_exists(tree));
	assert_content(outside_file, "keep me");
	assert_content(outside_top, "me too");
	free(tree);
	free(outside);
	free(outside_file);
	free(outside_top);
}

static void test_rm_rf_symlink_at_top(void **state)
{
	struct th_dir *fx = *state;
	char *target = at(fx, "target"), *inner = at(fx, "target/f"), *link = at(fx, "link");

	assert_int_equal(mkdir(target, 0755), 0);
	th_write_file(inner, "stay");
	assert_int_equal(symlink(target, link), 0);
	assert_null(cubo_rm_rf(link));
	assert_false(cubo_path_exists(link));
	assert_content(inner, "stay");
	free(target);
	free(inner);
	free(link);
}

static void test_rm_rf_file_and_missing(void **state)
{
	struct th_dir *fx = *state;
	char *file = at(fx, "f"), *missing = at(fx, "missing/deeper");

	th_write_file(file, "x");
	assert_null(cubo_rm_rf(file));
	assert_false(cubo_path_exists(file));
	assert_null(cubo_rm_rf(missing));
	assert_null(cubo_rm_rf(file));
	free(file);
	free(missing);
}

static void test_rm_rf_deep_tree(void **state)
{
	struct th_dir *fx = *state;
	char *path = at(fx, "deep"), *top = at(fx, "deep");

	for (int i = 0; i < 200; i++) {
		char *next = cubo_path_join(path, "d");

		free(path);
		path = next;
	}
	assert_null(cubo_mkdir_p(path, 0755));
	assert_null(cubo_rm_rf(top));
	assert_false(cubo_path_exists(top));
	free(path);
	free(top);
}

/*
 * Mounts are made in a child with its own mount namespace, so nothing leaks
 * onto the host even if the test fails half-way. Exit codes: 0 pass, 77 skip.
 */
static int mount_child(const char *dir, bool bind)
{
	char tree[256], mnt[256], inside[512], src[256], want[1024];
	struct cubo_error *err;
	char *text;

	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return 77;
	snprintf(tree, sizeof(tree), "%s/tree", dir);
	snprintf(mnt, sizeof(mnt), "%s/tree/sub/mnt", dir);
	snprintf(src, sizeof(src), "%s/bindsrc", dir);
	if (cubo_mkdir_p(mnt, 0755) || mkdir(src, 0755) < 0)
		return 1;
	if (bind) {
		/* Same filesystem, same st_dev: only the mount-root attribute tells. */
		if (mount(src, mnt, "none", MS_BIND, NULL) < 0)
			return 77;
	} else if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") < 0) {
		return 77;
	}
	snprintf(inside, sizeof(inside), "%s/keep", mnt);
	th_write_file(inside, "mounted");

	err = cubo_rm_rf(tree);
	if (!err)
		return 2;
	text = cubo_error_text(err);
	snprintf(want, sizeof(want),
		 "remove %s: %s is a mount point (not removing across it): Device or resource "
		 "busy",
		 tree, mnt);
	if (strcmp(text, want) != 0) {
		fprintf(stderr, "got  %s\nwant %s\n", text, want);
		return 3;
	}
	free(text);
	cubo_error_free(err);
	if (!cubo_path_exists(inside))
		return 4;
	/* Removing the mount point itself is refused too. */
	err = cubo_rm_rf(mnt);
	if (!err || err->errnum != EBUSY || !cubo_path_exists(inside))
		return 5;
	cubo_error_free(err);
	if (umount(mnt) < 0)
		return 6;
	if (cubo_rm_rf(tree) || cubo_path_exists(tree))
		return 7;
	return 0;
}

static void run_mount_child(struct th_dir *fx, bool bind)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(mount_child(fx->dir, bind));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_rm_rf_stops_at_other_filesystem(void **state)
{
	run_mount_child(*state, false);
}

static void test_rm_rf_stops_at_bind_mount(void **state)
{
	run_mount_child(*state, true);
}

static void test_realpath(void **state)
{
	struct th_dir *fx = *state;
	char *sub = at(fx, "sub"), *link = at(fx, "link"), *via = at(fx, "link/../sub/.");
	char *out = NULL, *missing = at(fx, "missing"), *want, *real_sub = realpath(fx->dir, NULL);
	char *expect;

	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(symlink(sub, link), 0);
	assert_null(cubo_realpath(via, &out));
	expect = cubo_path_join(real_sub, "sub");
	assert_string_equal(out, expect);
	free(out);
	assert_true(asprintf(&want, "realpath %s: No such file or directory", missing) > 0);
	th_expect_error(cubo_realpath(missing, &out), ENOENT, want);
	assert_null(out);
	free(want);
	free(expect);
	free(real_sub);
	free(missing);
	free(via);
	free(link);
	free(sub);
}

static void assert_join(const char *a, const char *b, const char *want)
{
	char *got = cubo_path_join(a, b);

	assert_string_equal(got, want);
	free(got);
}

static void test_path_join(void **state)
{
	assert_join("/run/cubo", "c1", "/run/cubo/c1");
	assert_join("/run/cubo/", "c1", "/run/cubo/c1");
	assert_join("/run/cubo//", "//c1", "/run/cubo/c1");
	assert_join("/", "etc", "/etc");
	assert_join("/", "/etc", "/etc");
	assert_join("rel", "x/y", "rel/x/y");
	assert_join("", "x", "x");
	assert_join("a", "", "a/");
}

static void test_path_exists(void **state)
{
	struct th_dir *fx = *state;
	char *file = at(fx, "f"), *dangling = at(fx, "dangling"), *missing = at(fx, "m");

	th_write_file(file, "");
	assert_int_equal(symlink("/nonexistent/target", dangling), 0);
	assert_true(cubo_path_exists(file));
	assert_true(cubo_path_exists(fx->dir));
	assert_true(cubo_path_exists(dangling));
	assert_false(cubo_path_exists(missing));
	free(file);
	free(dangling);
	free(missing);
}

#define FS_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, th_dir_teardown)

static void test_dir_is_empty(void **state)
{
	char dir[] = "/tmp/test-fs-empty-XXXXXX";
	assert_non_null(mkdtemp(dir));
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(cubo_dir_is_empty(fd));
	char *f = cubo_path_join(dir, "x");
	assert_null(cubo_write_file_atomic(f, "", 0, 0600));
	assert_false(cubo_dir_is_empty(fd));
	assert_false(cubo_dir_is_empty(-1));
	close(fd);
	free(f);
	assert_null(cubo_rm_rf(dir));
}

static void test_unescape_octal(void **state)
{
	char s[] = "/a\\040b\\011c\\134d\\12e\\";
	cubo_unescape_octal(s);
	assert_string_equal(s, "/a b\tc\\d\\12e\\");
}

static void test_random_hex(void **state)
{
	char a[65], b[65];
	assert_null(cubo_random_hex(a, 64));
	assert_null(cubo_random_hex(b, 64));
	assert_int_equal(strlen(a), 64);
	assert_int_equal(strspn(a, "0123456789abcdef"), 64);
	assert_string_not_equal(a, b);
	char odd[8];
	assert_null(cubo_random_hex(odd, 7));
	assert_int_equal(strlen(odd), 7);
	char big[200];
	th_expect_failure(cubo_random_hex(big, 199));
}

/* The durability helpers sync what exists and name what does not. */
/* data written to a pipe and its end closed, then read back with cubo_read_until_eof */
static size_t read_piped(const char *data, char *buf, size_t cap)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], data, strlen(data)), (ssize_t)strlen(data));
	close(p[1]);
	size_t n = cubo_read_until_eof(p[0], buf, cap);
	close(p[0]);
	return n;
}

/* A child's message on a pipe: all of it up to EOF, cut at the buffer, always terminated. */
static void test_read_until_eof(void **state)
{
	(void)state;
	char buf[8];
	assert_int_equal(read_piped("abcde", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "abcde");
	assert_int_equal(read_piped("0123456789", buf, sizeof(buf)), 7);
	assert_string_equal(buf, "0123456");
	/* nothing said, or a bad fd: an empty string */
	assert_int_equal(read_piped("", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(cubo_read_until_eof(-1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_sync_tree_and_dir(void **state)
{
	struct th_dir *fx = *state;
	char *f = at(fx, "big");
	int fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	static char buf[512 * 1024];
	assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	cubo_writeback_start(fd, sizeof(buf));
	cubo_writeback_start(fd, 1); /* small: nothing to do, nothing to fail */
	close(fd);
	assert_null(cubo_sync_tree(fx->dir));
	assert_null(cubo_fsync_dir(fx->dir));
	char *missing = at(fx, "missing");
	struct cubo_error *err = cubo_sync_tree(missing);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, missing));
	cubo_error_free(err);
	err = cubo_fsync_dir(f); /* a file is not a directory */
	assert_non_null(err);
	assert_non_null(strstr(err->msg, f));
	cubo_error_free(err);
	free(missing);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FS_TEST(test_atomic_write_creates_and_replaces),
		FS_TEST(test_replace_write),
		FS_TEST(test_fsync_dir_files),
		FS_TEST(test_atomic_write_large),
		FS_TEST(test_atomic_write_at),
		FS_TEST(test_atomic_write_long_name),
		FS_TEST(test_atomic_write_missing_dir),
		FS_TEST(test_atomic_write_over_directory_cleans_up),
		FS_TEST(test_atomic_write_needs_a_name),
		FS_TEST(test_read_file_small_and_empty),
		cmocka_unit_test(test_read_file_from_proc),
		FS_TEST(test_read_file_at),
		FS_TEST(test_read_file_errors),
		FS_TEST(test_write_existing),
		cmocka_unit_test(test_write_existing_kernel_rejects),
		FS_TEST(test_mkdir_p),
		FS_TEST(test_mkdir_p_through_symlink_to_dir),
		FS_TEST(test_mkdir_p_over_file),
		FS_TEST(test_rm_rf_tree_keeps_symlink_targets),
		FS_TEST(test_rm_rf_symlink_at_top),
		FS_TEST(test_rm_rf_file_and_missing),
		FS_TEST(test_rm_rf_deep_tree),
		FS_TEST(test_rm_rf_stops_at_other_filesystem),
		FS_TEST(test_rm_rf_stops_at_bind_mount),
		FS_TEST(test_realpath),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_dir_is_empty),
		cmocka_unit_test(test_unescape_octal),
		cmocka_unit_test(test_random_hex),
		cmocka_unit_test(test_read_until_eof),
		FS_TEST(test_path_exists),
		FS_TEST(test_sync_tree_and_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
