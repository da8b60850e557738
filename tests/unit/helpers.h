/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the unit tests share: temporary directories, fixture files, and checks
 * of a struct cubo_error. Header-only, so that a test includes it and links
 * nothing more; every function is static and marked unused, so a test pays
 * only for what it calls.
 *
 * Fixtures are made and removed with the C library alone: cleanup must not
 * depend on the code under test (cubo_rm_rf is itself tested in test_fs.c).
 * Every helper fails the current test (cmocka's fail_msg) rather than return
 * an error, so a test reads as the steps it takes. Names start with th_
 * ("test helper") so that they never meet a test's own test_* functions.
 */
#ifndef CUBO_TESTS_UNIT_HELPERS_H
#define CUBO_TESTS_UNIT_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "shared/error.h"
#include "shared/xalloc.h"

#define TH_HELPER static __attribute__((unused))

/*
 * The cgroup mounts of a hybrid host (v1 controllers, the cgroup2 "unified"
 * beside them), as /proc/self/mountinfo lists them on the project's machines.
 */
#define TH_MOUNTINFO_HYBRID_CGROUPS                                                                \
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"                      \
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"                     \
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"             \
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"               \
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"               \
	"36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"             \
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"             \
	"38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"                 \
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"                   \
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"        \
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"

/* A new empty directory /tmp/cubo-test-NAME-XXXXXX; the caller frees the path. */
TH_HELPER char *th_tmpdir(const char *name)
{
	char *dir = xasprintf("/tmp/cubo-test-%s-XXXXXX", name);

	if (!mkdtemp(dir))
		fail_msg("mkdtemp %s: %s", dir, strerror(errno));
	return dir;
}

TH_HELPER int th_remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT) {
		fprintf(stderr, "remove %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Remove path and all below it, never following a link nor crossing into
 * another mount; a path that is not there is already removed.
 */
TH_HELPER void th_rm_tree(const char *path)
{
	if (nftw(path, th_remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 &&
	    errno != ENOENT)
		fail_msg("cleanup of %s failed", path);
}

/* th_rm_tree, then free the path (for what th_tmpdir returned). */
TH_HELPER void th_tmpdir_free(char *dir)
{
	th_rm_tree(dir);
	free(dir);
}

/* DIR/NAME, to free. */
TH_HELPER char *th_path(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

/*
 * The usual fixture of a test that works in files: its own temporary
 * directory, and the path of one file in it (not created; NULL without a
 * name). As cmocka state: *state = th_dir_new("log", "log") in setup,
 * th_dir_free(*state) in teardown.
 */
struct th_dir {
	char *dir;
	char *path;
};

TH_HELPER struct th_dir *th_dir_new(const char *name, const char *file)
{
	struct th_dir *d = xcalloc(1, sizeof(*d));

	d->dir = th_tmpdir(name);
	if (file)
		d->path = th_path(d->dir, file);
	return d;
}

/* Remove the directory with all it holds; NULL is allowed. */
TH_HELPER void th_dir_free(struct th_dir *d)
{
	if (!d)
		return;
	th_rm_tree(d->dir);
	free(d->dir);
	free(d->path);
	free(d);
}

/* A cmocka teardown for a th_dir fixture. */
TH_HELPER int th_dir_teardown(void **state)
{
	th_dir_free(*state);
	return 0;
}

/* Write the len bytes at data to fd (opened as path) and close it. */
TH_HELPER void th_write_and_close(int fd, const char *path, const void *data, size_t len)
{
	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	if (write(fd, data, len) != (ssize_t)len)
		fail_msg("write %s: %s", path, strerror(errno));
	if (close(fd) < 0)
		fail_msg("close %s: %s", path, strerror(errno));
}

/* Create or truncate path (mode 0644) to hold exactly text. */
TH_HELPER void th_write_file(const char *path, const char *text)
{
	th_write_and_close(open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), path, text,
			   strlen(text));
}

/* th_write_file of DIR/NAME. */
TH_HELPER void th_put(const char *dir, const char *name, const char *text)
{
	char *path = th_path(dir, name);

	th_write_file(path, text);
	free(path);
}

/* What is left to read from fd, NUL-terminated, to free; *len (if not NULL) its length. */
TH_HELPER char *th_read_fd(int fd, const char *shown, size_t *len)
{
	size_t used = 0, cap = 4096;
	char *buf = xmalloc(cap);
	ssize_t n;

	for (;;) {
		if (cap - used < 4096 + 1) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail_msg("read %s: %s", shown, strerror(errno));
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
}

/*
 * A new file /tmp/cubo-test-NAME-XXXXXX holding the len bytes at data; the
 * caller unlinks it and frees the path.
 */
TH_HELPER char *th_tmpfile(const char *name, const void *data, size_t len)
{
	char *path = xasprintf("/tmp/cubo-test-%s-XXXXXX", name);

	th_write_and_close(mkstemp(path), path, data, len);
	return path;
}

/* The whole file at path, NUL-terminated, to free; *len (if not NULL) its length. */
TH_HELPER char *th_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *text;

	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	text = th_read_fd(fd, path, len);
	close(fd);
	return text;
}

/* The file DIR/NAME as th_read_file. */
TH_HELPER char *th_read_at(const char *dir, const char *name)
{
	char *path = th_path(dir, name), *text = th_read_file(path, NULL);

	free(path);
	return text;
}

/* The file DIR/NAME as th_read_file, or NULL when it is not there. */
TH_HELPER char *th_read_if_there(const char *dir, const char *name)
{
	char *path = th_path(dir, name), *text = NULL;

	if (access(path, F_OK) == 0)
		text = th_read_file(path, NULL);
	free(path);
	return text;
}

/*
 * The path of tests/unit/fixtures/NAME, to free: under $srcdir when make check
 * sets it (a build outside the source tree), else beside the test program.
 */
TH_HELPER char *th_fixture_path(const char *name)
{
	char exe[4096], *path;
	const char *srcdir = getenv("srcdir");
	ssize_t n;

	if (srcdir) {
		path = xasprintf("%s/tests/unit/fixtures/%s", srcdir, name);
		if (access(path, R_OK) == 0)
			return path;
		free(path);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		fail_msg("readlink /proc/self/exe: %s", strerror(errno));
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	return xasprintf("%s/fixtures/%s", exe, name);
}

/*
 * v (NULL-terminated) holds exactly the strings of want (NULL-terminated),
 * in order. th_assert_strv(v, "a", "b").
 */
TH_HELPER void th_assert_strv_parts(char *const *v, const char *const *want)
{
	size_t n = 0;

	assert_non_null(v);
	for (; want[n]; n++) {
		if (!v[n])
			fail_msg("element %zu missing, expected \"%s\"", n, want[n]);
		assert_string_equal(v[n], want[n]);
	}
	if (v[n])
		fail_msg("extra element %zu: \"%s\"", n, v[n]);
}

#define th_assert_strv(v, ...) th_assert_strv_parts((v), (const char *const[]){__VA_ARGS__, NULL})

/* Running under valgrind (it preloads its vgpreload library): for what it cannot judge. */
TH_HELPER bool th_under_valgrind(void)
{
	const char *preload = getenv("LD_PRELOAD");

	return preload && strstr(preload, "vgpreload");
}

/* err is NULL; else the test fails with its whole text. */
TH_HELPER void th_assert_ok(struct cubo_error *err)
{
	if (err) {
		char *text = cubo_error_text(err);

		cubo_error_free(err);
		fail_msg("unexpected error: %s", text);
	}
}

/* err is an error, whatever it says; frees err. */
TH_HELPER void th_expect_failure(struct cubo_error *err)
{
	assert_non_null(err);
	cubo_error_free(err);
}

/*
 * err is an error whose own message (not its context) mentions every one of
 * parts (NULL-terminated); frees err. th_expect_msg(err, "a", "b").
 */
TH_HELPER void th_expect_msg_parts(struct cubo_error *err, const char *const *parts)
{
	if (!err)
		fail_msg("no error, expected one about \"%s\"", parts[0]);
	for (; *parts; parts++) {
		if (!strstr(err->msg, *parts))
			fail_msg("\"%s\" does not mention \"%s\"", err->msg, *parts);
	}
	cubo_error_free(err);
}

#define th_expect_msg(err, ...) th_expect_msg_parts((err), (const char *const[]){__VA_ARGS__, NULL})

/*
 * err is an error whose whole text (context chain included) mentions every
 * one of parts (NULL-terminated); frees err. th_expect_text(err, "a", "b").
 */
TH_HELPER void th_expect_text_parts(struct cubo_error *err, const char *const *parts)
{
	char *text;

	if (!err)
		fail_msg("no error, expected one about \"%s\"", parts[0]);
	text = cubo_error_text(err);
	for (; *parts; parts++) {
		if (!strstr(text, *parts))
			fail_msg("\"%s\" does not mention \"%s\"", text, *parts);
	}
	free(text);
	cubo_error_free(err);
}

#define th_expect_text(err, ...)                                                                   \
	th_expect_text_parts((err), (const char *const[]){__VA_ARGS__, NULL})

/* err is an error with errno errnum and exactly the whole text want; frees err. */
TH_HELPER void th_expect_error(struct cubo_error *err, int errnum, const char *want)
{
	char *text;

	if (!err)
		fail_msg("no error, expected \"%s\"", want);
	assert_int_equal(err->errnum, errnum);
	text = cubo_error_text(err);
	assert_string_equal(text, want);
	free(text);
	cubo_error_free(err);
}

#endif
